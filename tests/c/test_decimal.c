/*
** test_decimal.c - the exact decimal type: parse, format, arithmetic,
** rounding in every mode, and the range edges.
*/
#include "check.h"
#include "util/decimal.h"
#include "tally/decimal.h"

static t_dec D(const char *s) {
  t_dec d = t_dec_zero();
  tally_error err;
  tally_status st = t_dec_parse(s, strlen(s), &d, &err);
  if (st != TALLY_OK) fprintf(stderr, "D(\"%s\"): %s\n", s, err.message);
  CHECK(st == TALLY_OK);
  return d;
}

static const char *F(t_dec d) {
  static char buf[8][T_DEC_FMT_MAX];
  static int slot;
  char *b = buf[slot++ % 8];
  size_t n = t_dec_format(d, b);
  CHECK(n == strlen(b) && n < T_DEC_FMT_MAX);
  return b;
}

/* Formats the result of an operation, or "overflow". */
static const char *R(bool ok, t_dec d) { return ok ? F(d) : "overflow"; }

static const char *mul(const char *a, const char *b, t_round r) {
  t_dec o; bool ok = t_dec_mul(D(a), D(b), r, &o); return R(ok, o);
}
static const char *dv(const char *a, const char *b, t_round r) {
  t_dec o; bool ok = t_dec_div(D(a), D(b), r, &o); return R(ok, o);
}
static const char *rnd(const char *a, int places, t_round r) {
  t_dec o; bool ok = t_dec_round(D(a), places, r, &o); return R(ok, o);
}
static const char *add(const char *a, const char *b) {
  t_dec o; bool ok = t_dec_add(D(a), D(b), &o); return R(ok, o);
}
static const char *sub(const char *a, const char *b) {
  t_dec o; bool ok = t_dec_sub(D(a), D(b), &o); return R(ok, o);
}

static tally_status parse_status(const char *s, size_t *offset) {
  t_dec d;
  tally_error err;
  err.offset = 9999;
  tally_status st = t_dec_parse(s, strlen(s), &d, &err);
  if (offset) *offset = st == TALLY_OK ? 0 : err.offset;
  return st;
}

static void test_parse_format(void) {
  CHECK_STR(F(D("22")), "22");
  CHECK_STR(F(D("0.5")), "0.5");
  CHECK_STR(F(D("-15")), "-15");
  CHECK_STR(F(D("-0")), "0");
  CHECK_STR(F(D("-0.000")), "0");
  CHECK_STR(F(D("0")), "0");
  CHECK_STR(F(D("007.250")), "7.25");
  CHECK_STR(F(D("-0.000000001")), "-0.000000001");
  CHECK_STR(F(D("1.100000000")), "1.1");
  CHECK_STR(F(D("123456789012345678901234567")), "123456789012345678901234567");
  CHECK_STR(F(D("999999999999999999999999999.999999999")), "999999999999999999999999999.999999999");
  CHECK_STR(F(D("-999999999999999999999999999.999999999")), "-999999999999999999999999999.999999999");
  /* leading zeros do not count towards the 27 integer digits */
  CHECK_STR(F(D("0000000000000000000000000000001")), "1");
  CHECK_STR(F(t_dec_from_i64(INT64_MIN)), "-9223372036854775808");
  CHECK_STR(F(t_dec_from_i64(INT64_MAX)), "9223372036854775807");
  CHECK_STR(F(t_dec_neg(D("0"))), "0");

  /* malformed text, with the byte offset of the complaint */
  static const struct { const char *s; size_t off; } bad[] = {
    {"", 0}, {"-", 1}, {"1.", 2}, {".5", 0}, {"+1", 0}, {"1e3", 1}, {"1.2.3", 3},
    {" 1", 0}, {"1 ", 1}, {"0x10", 1}, {"--1", 1}, {"1,5", 1}, {"-.5", 1}, {"١", 0},
    {"NaN", 0}, {"Infinity", 0}, {"1_000", 1},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t off;
    tally_status st = parse_status(bad[i].s, &off);
    if (st != TALLY_ERR_INPUT || off != bad[i].off)
      fprintf(stderr, "bad[%zu] \"%s\": status %d offset %zu\n", i, bad[i].s, (int)st, off);
    CHECK(st == TALLY_ERR_INPUT);
    CHECK_INT(off, bad[i].off);
  }
  /* embedded NUL is just another bad byte */
  { t_dec d; CHECK(t_dec_parse("1\0", 2, &d, NULL) == TALLY_ERR_INPUT); }
  /* NULL err is allowed */
  { t_dec d; CHECK(t_dec_parse("x", 1, &d, NULL) == TALLY_ERR_INPUT); }

  /* too precise / too large */
  CHECK(parse_status("1.0000000001", NULL) == TALLY_ERR_RANGE);
  CHECK(parse_status("1.0000000000", NULL) == TALLY_ERR_RANGE); /* 10 digits even when zeros */
  CHECK(parse_status("0.123456789", NULL) == TALLY_OK);
  CHECK(parse_status("1000000000000000000000000000", NULL) == TALLY_ERR_RANGE); /* 28 digits */
  CHECK(parse_status("-1000000000000000000000000000", NULL) == TALLY_ERR_RANGE);
  CHECK(parse_status("999999999999999999999999999", NULL) == TALLY_OK);
  {
    tally_error err;
    t_dec d;
    CHECK(t_dec_parse("12.3456789012", 13, &d, &err) == TALLY_ERR_RANGE);
    CHECK_INT(err.code, TALLY_ERR_RANGE);
    CHECK_INT(err.column, 13); /* at the 10th fractional digit */
    CHECK(strstr(err.message, "fractional") != NULL);
  }
}

static void test_add_sub(void) {
  CHECK_STR(add("0.1", "0.2"), "0.3");
  CHECK_STR(add("-0.1", "0.1"), "0");
  CHECK_STR(sub("1", "1.000000001"), "-0.000000001");
  CHECK_STR(add("999999999999999999999999999.999999998", "0.000000001"),
            "999999999999999999999999999.999999999");
  CHECK_STR(add("999999999999999999999999999.999999999", "0.000000001"), "overflow");
  CHECK_STR(sub("-999999999999999999999999999.999999999", "0.000000001"), "overflow");
  CHECK_STR(add("999999999999999999999999999.999999999", "999999999999999999999999999.999999999"), "overflow");
  CHECK_STR(sub("999999999999999999999999999.999999999", "-999999999999999999999999999.999999999"), "overflow");
  CHECK_STR(sub("-999999999999999999999999999.999999999", "-999999999999999999999999999.999999999"), "0");
}

static void test_mul(void) {
  CHECK_STR(mul("1.5", "2", T_ROUND_HALF_EVEN), "3");
  CHECK_STR(mul("-1.5", "2", T_ROUND_HALF_EVEN), "-3");
  CHECK_STR(mul("-1.5", "-2", T_ROUND_HALF_EVEN), "3");
  CHECK_STR(mul("0.000000001", "0.5", T_ROUND_HALF_EVEN), "0");     /* 0.0000000005: tie to even 0 */
  CHECK_STR(mul("0.000000003", "0.5", T_ROUND_HALF_EVEN), "0.000000002");
  CHECK_STR(mul("0.000000001", "0.5", T_ROUND_HALF_UP), "0.000000001");
  CHECK_STR(mul("-0.000000001", "0.5", T_ROUND_HALF_UP), "-0.000000001");
  CHECK_STR(mul("-0.000000001", "0.5", T_ROUND_HALF_EVEN), "0");
  CHECK_STR(mul("-0.000000001", "0.5", T_ROUND_FLOOR), "-0.000000001");
  CHECK_STR(mul("-0.000000001", "0.5", T_ROUND_CEIL), "0");
  CHECK_STR(mul("-0.000000001", "0.5", T_ROUND_TRUNC), "0");
  CHECK_STR(mul("0.000000001", "0.5", T_ROUND_CEIL), "0.000000001");
  CHECK_STR(mul("0.000000001", "0.5", T_ROUND_FLOOR), "0");
  CHECK_STR(mul("0.000000001", "0.000000001", T_ROUND_CEIL), "0.000000001");
  CHECK_STR(mul("0.000000001", "0.000000001", T_ROUND_HALF_UP), "0");
  /* exact 256-bit product: 10^13.5-ish squares, then rounding of the tail */
  CHECK_STR(mul("31622776601683.793319988", "31622776601683.793319988", T_ROUND_HALF_EVEN),
            "999999999999999999999940837.306036211");
  CHECK_STR(mul("123456789012345678.123456789", "1000000000", T_ROUND_TRUNC),
            "123456789012345678123456789");
  CHECK_STR(mul("123456789012345678.123456789", "0.000000001", T_ROUND_TRUNC), "123456789.012345678");
  CHECK_STR(mul("123456789012345678.123456789", "0.000000001", T_ROUND_HALF_UP), "123456789.012345678");
  CHECK_STR(mul("123456789012345678.123456789", "0.000000001", T_ROUND_CEIL), "123456789.012345679");
  CHECK_STR(mul("-123456789012345678.123456789", "0.000000001", T_ROUND_FLOOR), "-123456789.012345679");
  /* overflow */
  CHECK_STR(mul("1000000000000000", "1000000000000", T_ROUND_TRUNC), "overflow");    /* 10^27 */
  CHECK_STR(mul("100000000000000", "1000000000000", T_ROUND_TRUNC), "100000000000000000000000000");
  CHECK_STR(mul("999999999999999999999999999.999999999", "999999999999999999999999999.999999999",
                T_ROUND_TRUNC), "overflow");
  CHECK_STR(mul("999999999999999999999999999.999999999", "1", T_ROUND_TRUNC),
            "999999999999999999999999999.999999999");
  CHECK_STR(mul("999999999999999999999999999.999999999", "-1", T_ROUND_TRUNC),
            "-999999999999999999999999999.999999999");
  /* rounding up to 10^27 is an overflow too */
  CHECK_STR(mul("999999999999999999999999999.999999999", "1.000000000", T_ROUND_CEIL),
            "999999999999999999999999999.999999999");
  CHECK_STR(mul("999999999999999999999999999.999999999", "1.000000001", T_ROUND_TRUNC), "overflow");
  CHECK_STR(mul("0", "999999999999999999999999999.999999999", T_ROUND_TRUNC), "0");
  {
    t_dec o;
    CHECK(t_dec_mul_i64(D("2.5"), -4, &o)); CHECK_STR(F(o), "-10");
    CHECK(t_dec_mul_i64(D("-0.000000001"), INT64_MIN, &o)); CHECK_STR(F(o), "9223372036.854775808");
    CHECK(!t_dec_mul_i64(D("999999999999999999"), INT64_MAX, &o));
    CHECK(!t_dec_mul_i64(D("999999999999999999999999999"), INT64_MIN, &o));
    CHECK(t_dec_mul_i64(D("100000000"), 9999999999999999, &o) && strcmp(F(o), "999999999999999900000000") == 0);
  }
}

static void test_div(void) {
  CHECK_STR(dv("1", "3", T_ROUND_HALF_EVEN), "0.333333333");
  CHECK_STR(dv("2", "3", T_ROUND_HALF_EVEN), "0.666666667");
  CHECK_STR(dv("2", "3", T_ROUND_TRUNC), "0.666666666");
  CHECK_STR(dv("-2", "3", T_ROUND_TRUNC), "-0.666666666");
  CHECK_STR(dv("-2", "3", T_ROUND_FLOOR), "-0.666666667");
  CHECK_STR(dv("-2", "3", T_ROUND_CEIL), "-0.666666666");
  CHECK_STR(dv("2", "-3", T_ROUND_HALF_UP), "-0.666666667");
  CHECK_STR(dv("1", "0", T_ROUND_HALF_EVEN), "overflow");
  CHECK_STR(dv("0", "0", T_ROUND_HALF_EVEN), "overflow");
  CHECK_STR(dv("0", "-5", T_ROUND_FLOOR), "0");
  CHECK_STR(dv("10", "4", T_ROUND_HALF_EVEN), "2.5");
  /* ties at the 9th place */
  CHECK_STR(dv("0.000000001", "2", T_ROUND_HALF_EVEN), "0");
  CHECK_STR(dv("0.000000003", "2", T_ROUND_HALF_EVEN), "0.000000002");
  CHECK_STR(dv("0.000000005", "2", T_ROUND_HALF_EVEN), "0.000000002");
  CHECK_STR(dv("0.000000005", "2", T_ROUND_HALF_UP), "0.000000003");
  CHECK_STR(dv("-0.000000005", "2", T_ROUND_HALF_UP), "-0.000000003");
  CHECK_STR(dv("-0.000000005", "2", T_ROUND_HALF_EVEN), "-0.000000002");
  CHECK_STR(dv("-0.000000005", "2", T_ROUND_FLOOR), "-0.000000003");
  CHECK_STR(dv("-0.000000005", "2", T_ROUND_CEIL), "-0.000000002");
  CHECK_STR(dv("-0.000000005", "2", T_ROUND_TRUNC), "-0.000000002");
  /* wide divisors (above 2^64 units) take the bit-by-bit path */
  CHECK_STR(dv("999999999999999999999999999.999999999", "999999999999999999999999999.999999999",
               T_ROUND_HALF_EVEN), "1");
  CHECK_STR(dv("1", "123456789012345678901.123456789", T_ROUND_HALF_EVEN), "0");
  CHECK_STR(dv("1", "123456789012345678901.123456789", T_ROUND_CEIL), "0.000000001");
  CHECK_STR(dv("123456789012345678901234567", "123456789012345678901.123456789", T_ROUND_HALF_EVEN),
            "1000000");
  CHECK_STR(dv("-123456789012345678901234567", "12345678901234567890.123456789", T_ROUND_FLOOR),
            "-10000000");
  /* quotient overflow */
  CHECK_STR(dv("999999999999999999999999999", "0.1", T_ROUND_TRUNC), "overflow");
  CHECK_STR(dv("100000000000000000000000000", "0.1", T_ROUND_TRUNC), "overflow");
  CHECK_STR(dv("99999999999999999999999999.9", "0.1", T_ROUND_TRUNC), "999999999999999999999999999");
  CHECK_STR(dv("1", "0.000000001", T_ROUND_TRUNC), "1000000000");
  CHECK_STR(dv("999999999999999999", "0.000000001", T_ROUND_TRUNC), "999999999999999999000000000");
  CHECK_STR(dv("1000000000000000000", "0.000000001", T_ROUND_TRUNC), "overflow");
  CHECK_STR(dv("999999999999999999999999999.999999999", "0.000000001", T_ROUND_TRUNC), "overflow");
}

static void test_round(void) {
  static const struct { const char *in; const char *floor_, *ceil_, *trunc_, *half_up, *half_even; } t[] = {
    {"2.5", "2", "3", "2", "3", "2"},
    {"3.5", "3", "4", "3", "4", "4"},
    {"-2.5", "-3", "-2", "-2", "-3", "-2"},
    {"-3.5", "-4", "-3", "-3", "-4", "-4"},
    {"0.5", "0", "1", "0", "1", "0"},
    {"-0.5", "-1", "0", "0", "-1", "0"},
    {"2.4", "2", "3", "2", "2", "2"},
    {"2.6", "2", "3", "2", "3", "3"},
    {"-2.6", "-3", "-2", "-2", "-3", "-3"},
    {"2.500000001", "2", "3", "2", "3", "3"},
    {"-2.499999999", "-3", "-2", "-2", "-2", "-2"},
    {"7", "7", "7", "7", "7", "7"},
    {"0", "0", "0", "0", "0", "0"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    CHECK_STR(rnd(t[i].in, 0, T_ROUND_FLOOR), t[i].floor_);
    CHECK_STR(rnd(t[i].in, 0, T_ROUND_CEIL), t[i].ceil_);
    CHECK_STR(rnd(t[i].in, 0, T_ROUND_TRUNC), t[i].trunc_);
    CHECK_STR(rnd(t[i].in, 0, T_ROUND_HALF_UP), t[i].half_up);
    CHECK_STR(rnd(t[i].in, 0, T_ROUND_HALF_EVEN), t[i].half_even);
  }
  CHECK_STR(rnd("1.005", 2, T_ROUND_HALF_EVEN), "1");
  CHECK_STR(rnd("1.015", 2, T_ROUND_HALF_EVEN), "1.02");
  CHECK_STR(rnd("1.025", 2, T_ROUND_HALF_EVEN), "1.02");
  CHECK_STR(rnd("1.025", 2, T_ROUND_HALF_UP), "1.03");
  CHECK_STR(rnd("-1.025", 2, T_ROUND_HALF_UP), "-1.03");
  CHECK_STR(rnd("1.0250001", 2, T_ROUND_HALF_EVEN), "1.03");
  CHECK_STR(rnd("1.123456789", 9, T_ROUND_FLOOR), "1.123456789");
  CHECK_STR(rnd("1.123456789", 8, T_ROUND_HALF_EVEN), "1.12345679");
  CHECK_STR(rnd("-1.123456785", 8, T_ROUND_HALF_EVEN), "-1.12345678");
  CHECK_STR(rnd("1", 10, T_ROUND_FLOOR), "overflow");  /* places out of 0..9 */
  CHECK_STR(rnd("1", -1, T_ROUND_FLOOR), "overflow");
  CHECK_STR(rnd("999999999999999999999999999.5", 0, T_ROUND_HALF_UP), "overflow");
  CHECK_STR(rnd("999999999999999999999999999.5", 0, T_ROUND_FLOOR), "999999999999999999999999999");
  CHECK_STR(rnd("-999999999999999999999999999.1", 0, T_ROUND_FLOOR), "overflow");
  CHECK_STR(rnd("-999999999999999999999999999.1", 0, T_ROUND_CEIL), "-999999999999999999999999999");
}

static void test_to_i64(void) {
  int64_t v = 0;
  CHECK(t_dec_to_i64(D("2.5"), T_ROUND_HALF_EVEN, &v) && v == 2);
  CHECK(t_dec_to_i64(D("-2.5"), T_ROUND_HALF_UP, &v) && v == -3);
  CHECK(t_dec_to_i64(D("-2.5"), T_ROUND_CEIL, &v) && v == -2);
  CHECK(t_dec_to_i64(D("9223372036854775807"), T_ROUND_TRUNC, &v) && v == INT64_MAX);
  CHECK(t_dec_to_i64(D("9223372036854775807.4"), T_ROUND_HALF_UP, &v) && v == INT64_MAX);
  CHECK(!t_dec_to_i64(D("9223372036854775807.5"), T_ROUND_HALF_UP, &v));
  CHECK(!t_dec_to_i64(D("9223372036854775807.1"), T_ROUND_CEIL, &v));
  CHECK(t_dec_to_i64(D("-9223372036854775808"), T_ROUND_TRUNC, &v) && v == INT64_MIN);
  CHECK(t_dec_to_i64(D("-9223372036854775808.9"), T_ROUND_CEIL, &v) && v == INT64_MIN);
  CHECK(!t_dec_to_i64(D("-9223372036854775808.1"), T_ROUND_FLOOR, &v));
  CHECK(!t_dec_to_i64(D("100000000000000000000"), T_ROUND_FLOOR, &v));
}

static void test_units(void) {
  t_dec d;
  __int128 lim = (__int128)1000000000000000000 * 1000000000000000000; /* 10^36 */
  CHECK(t_dec_from_units(lim - 1, &d));
  CHECK(!t_dec_from_units(lim, &d));
  CHECK(t_dec_from_units(-(lim - 1), &d));
  CHECK(!t_dec_from_units(-lim, &d));
  CHECK(!t_dec_from_units((__int128)(((unsigned __int128)1) << 127), &d)); /* the int128 minimum */
  CHECK_INT(t_dec_cmp(D("1.5"), D("1.50")), 0);
  CHECK_INT(t_dec_cmp(D("-1.5"), D("1")), -1);
  CHECK_INT(t_dec_cmp(D("2"), D("1.999999999")), 1);
  CHECK(t_dec_is_zero(D("-0.0")));
  CHECK(t_dec_is_neg(D("-0.1")) && !t_dec_is_neg(D("-0")));
  CHECK_STR(F(t_dec_min(D("1"), D("-1"))), "-1");
  CHECK_STR(F(t_dec_max(D("1"), D("-1"))), "1");
}

static void test_public(void) {
  tally_decimal a, b;
  char text[TALLY_DECIMAL_TEXT_MAX];
  tally_error err;
  CHECK(tally_decimal_parse("-12.340", 7, &a, &err) == TALLY_OK);
  CHECK_INT(tally_decimal_format(a, text), 6);
  CHECK_STR(text, "-12.34");
  CHECK(a.hi == -1);
  b = tally_decimal_from_int(-12);
  CHECK_INT(tally_decimal_cmp(a, b), -1);
  CHECK_INT(tally_decimal_cmp(b, a), 1);
  CHECK_INT(tally_decimal_cmp(a, a), 0);
  CHECK(tally_decimal_is_valid(a));
  CHECK(tally_decimal_parse("1.", 2, &a, &err) == TALLY_ERR_INPUT);
  CHECK_INT(err.offset, 2);
  CHECK(tally_decimal_parse(NULL, 0, &a, &err) == TALLY_ERR_INPUT);
  CHECK(tally_decimal_parse(NULL, 3, &a, &err) == TALLY_ERR_USAGE);
  /* any bit pattern formats, even out of range */
  tally_decimal big = {INT64_MIN, 0};
  CHECK(!tally_decimal_is_valid(big));
  tally_decimal_format(big, text);
  CHECK_STR(text, "-170141183460469231731687303715.884105728");
  tally_decimal top = {INT64_MAX, UINT64_MAX};
  tally_decimal_format(top, text);
  CHECK_STR(text, "170141183460469231731687303715.884105727");
  CHECK(tally_decimal_parse("999999999999999999999999999.999999999", 37, &a, &err) == TALLY_OK);
  CHECK(tally_decimal_is_valid(a));
  t_dec d;
  CHECK(t_dec_from_public(a, &d));
  CHECK_STR(F(d), "999999999999999999999999999.999999999");
}

/* Cross-checks mul/div against plain int128 arithmetic where that cannot overflow. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state;
}

static __int128 ref_round(__int128 n, __int128 d, t_round r) {
  /* floor division then adjust: an independent formulation of the modes */
  __int128 q = n / d, m = n % d;
  if (m != 0 && ((m < 0) != (d < 0))) { q -= 1; m += d; } /* now q = floor(n/d), 0 <= m/d < 1 */
  if (m == 0) return q;
  __int128 ad = d < 0 ? -d : d, am = m < 0 ? -m : m;
  switch (r) {
    case T_ROUND_FLOOR: return q;
    case T_ROUND_CEIL: return q + 1;
    case T_ROUND_TRUNC: return (n < 0) != (d < 0) ? q + 1 : q;
    case T_ROUND_HALF_UP:
      if (2 * am > ad) return q + 1;
      if (2 * am < ad) return q;
      return (n < 0) != (d < 0) ? q : q + 1;
    case T_ROUND_HALF_EVEN:
      if (2 * am > ad) return q + 1;
      if (2 * am < ad) return q;
      return (q & 1) ? q + 1 : q;
  }
  return q;
}

static void test_random(void) {
  int bad = 0;
  for (int i = 0; i < 200000 && bad < 10; i++) {
    int64_t x = (int64_t)(rng() >> (rng() % 63)), y = (int64_t)(rng() >> (rng() % 63));
    if (rng() & 1) x = -x;
    if (rng() & 1) y = -y;
    if (i % 7 == 0) y = (int64_t)(rng() % 2000) - 1000;
    t_round r = (t_round)(rng() % 5);
    t_dec a = {x}, b = {y}, o;
    __int128 want = ref_round((__int128)x * y, 1000000000, r);
    if (!t_dec_mul(a, b, r, &o) || o.units != want) bad++;
    if (y != 0) {
      want = ref_round((__int128)x * 1000000000, y, r);
      if (!t_dec_div(a, b, r, &o) || o.units != want) bad++;
    }
    int places = (int)(rng() % 10);
    __int128 p = 1;
    for (int k = 0; k < 9 - places; k++) p *= 10;
    want = ref_round(x, (int64_t)p, r) * p;
    if (!t_dec_round(a, places, r, &o) || o.units != want) bad++;
  }
  CHECK_INT(bad, 0);
}

int main(void) {
  RUN(test_parse_format);
  RUN(test_add_sub);
  RUN(test_mul);
  RUN(test_div);
  RUN(test_round);
  RUN(test_to_i64);
  RUN(test_units);
  RUN(test_public);
  RUN(test_random);
  return check_report("test_decimal");
}
