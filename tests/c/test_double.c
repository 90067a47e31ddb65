/*
** test_double.c - double <-> text. libc's strtod and printf serve only as
** oracles here (glibc's are exact); the core never calls them.
*/
#include <float.h>
#include "check.h"
#include "util/double.h"
#include "util/mem.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Du;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state;
}

static uint64_t bits_of(double v) { uint64_t u; memcpy(&u, &v, 8); return u; }
static double from_bits(uint64_t u) { double v; memcpy(&v, &u, 8); return v; }

static const char *fmt(double v, const t_dbl_style *st) {
  static char buf[8][T_DBL_FMT_MAX];
  static int slot;
  char *b = buf[slot++ % 8];
  size_t n = t_dbl_format(v, st, b);
  CHECK(n == strlen(b));
  return b;
}
#define JS(v) fmt((v), &t_dbl_style_json)
#define GO(v) fmt((v), &t_dbl_style_go)

static char fixed_buf[4096];
static const char *fixed(double v, int prec, bool e) {
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  t_buf b;
  t_buf_init(&b, &a);
  if (e) t_dbl_format_exp(&b, v, prec, NULL);
  else t_dbl_format_fixed(&b, v, prec, NULL);
  snprintf(fixed_buf, sizeof fixed_buf, "%s", t_buf_cstr(&b));
  t_buf_free(&b);
  CHECK(ca.live_blocks == 0);
  return fixed_buf;
}

/* Parses the whole string with the given flags; NaN marks failure. */
static double P(const char *s, unsigned flags) {
  double v = 0;
  tally_status st = t_dbl_parse_all(s, strlen(s), flags, &v);
  if (st == TALLY_ERR_INPUT) return T_DBL_NAN;
  return v;
}

static bool same(double a, double b) { return bits_of(a) == bits_of(b); }

static void test_format_js(void) {
  CHECK_STR(JS(0.0), "0");
  CHECK_STR(JS(-0.0), "-0");
  CHECK_STR(fmt(-0.0, &t_dbl_style_js), "0");
  CHECK_STR(JS(1.0), "1");
  CHECK_STR(JS(-1.0), "-1");
  CHECK_STR(JS(0.1), "0.1");
  CHECK_STR(JS(0.1 + 0.2), "0.30000000000000004");
  CHECK_STR(JS(1.5), "1.5");
  CHECK_STR(JS(1e21), "1e+21");
  CHECK_STR(JS(1e20), "100000000000000000000");
  CHECK_STR(JS(999999999999999900000.0), "999999999999999900000");
  CHECK_STR(JS(123456789012345680000.0), "123456789012345680000");
  CHECK_STR(JS(1.5e-7), "1.5e-7");
  CHECK_STR(JS(1e-7), "1e-7");
  CHECK_STR(JS(1e-6), "0.000001");
  CHECK_STR(JS(1.2345e-6), "0.0000012345");
  CHECK_STR(JS(5e-324), "5e-324");
  CHECK_STR(JS(-5e-324), "-5e-324");
  CHECK_STR(JS(DBL_MAX), "1.7976931348623157e+308");
  CHECK_STR(JS(DBL_MIN), "2.2250738585072014e-308");
  CHECK_STR(JS(1e23), "1e+23");
  CHECK_STR(JS(9007199254740993.0), "9007199254740992");
  CHECK_STR(JS(9007199254740991.0), "9007199254740991");
  CHECK_STR(JS(1.0 / 3.0), "0.3333333333333333");
  CHECK_STR(JS(2.0 / 3.0), "0.6666666666666666");
  CHECK_STR(JS(100.0), "100");
  CHECK_STR(JS(123.456), "123.456");
  CHECK_STR(JS(-1e-300), "-1e-300");
  CHECK_STR(JS(4.35), "4.35");
  CHECK_STR(JS(5e-7), "5e-7");
  CHECK_STR(JS(2e-7), "2e-7");
  CHECK_STR(JS(1.7976931348623157e308 / 2), "8.988465674311579e+307");
  CHECK_STR(JS(2.2250738585072009e-308), "2.225073858507201e-308"); /* largest subnormal */
  CHECK_STR(JS(1e22), "1e+22");
  CHECK_STR(JS(18014398509481984.0), "18014398509481984"); /* 2^54 */
  CHECK_STR(JS(9.5367431640625e-7), "9.5367431640625e-7"); /* 2^-20 */
  CHECK_STR(JS(T_DBL_NAN), "NaN");
  CHECK_STR(JS(T_DBL_INF), "Infinity");
  CHECK_STR(JS(-T_DBL_INF), "-Infinity");
}

static void test_format_go(void) {
  CHECK_STR(GO(1e6), "1e+06");
  CHECK_STR(GO(1.5e-7), "1.5e-07");
  CHECK_STR(GO(123456.0), "123456");
  CHECK_STR(GO(-4.5e-3), "-0.0045");
  CHECK_STR(GO(1.0 / 3.0), "0.3333333333333333");
  CHECK_STR(GO(0.0), "0");
  CHECK_STR(GO(-0.0), "-0");
  CHECK_STR(GO(1e-4), "0.0001");
  CHECK_STR(GO(1e-5), "1e-05");
  CHECK_STR(GO(1234567.0), "1.234567e+06");
  CHECK_STR(GO(1e21), "1e+21");
  CHECK_STR(GO(1e100), "1e+100");
  CHECK_STR(GO(5e-324), "5e-324");
  CHECK_STR(GO(DBL_MAX), "1.7976931348623157e+308");
  CHECK_STR(GO(100.5), "100.5");
  CHECK_STR(GO(999999.0), "999999");
  CHECK_STR(GO(-2.5), "-2.5");
  CHECK_STR(GO(T_DBL_NAN), "NaN");
  CHECK_STR(GO(T_DBL_INF), "+Inf");
  CHECK_STR(GO(-T_DBL_INF), "-Inf");
}

static void test_format_prec(void) {
  CHECK_STR(fixed(1.0005, 3, false), "1.000");     /* 1.000499999999999989... */
  CHECK_STR(fixed(1.0015, 3, false), "1.002");     /* 1.00150000000000005684... */
  CHECK_STR(fixed(0.5, 0, false), "0");            /* exact ties go to even */
  CHECK_STR(fixed(1.5, 0, false), "2");
  CHECK_STR(fixed(2.5, 0, false), "2");
  CHECK_STR(fixed(0.125, 2, false), "0.12");
  CHECK_STR(fixed(0.375, 2, false), "0.38");
  CHECK_STR(fixed(-0.001, 2, false), "-0.00");
  CHECK_STR(fixed(-0.0, 1, false), "-0.0");
  CHECK_STR(fixed(0.0, 0, false), "0");
  CHECK_STR(fixed(9.999, 2, false), "10.00");
  CHECK_STR(fixed(0.6, 0, false), "1");
  CHECK_STR(fixed(0.05, 1, false), "0.1");          /* 0.05000000000000000277 */
  CHECK_STR(fixed(123456789.0, 2, false), "123456789.00");
  CHECK_STR(fixed(1e22, 0, false), "10000000000000000000000");
  CHECK_STR(fixed(1e23, 0, false), "99999999999999991611392");
  CHECK_STR(fixed(0.1, 20, false), "0.10000000000000000555");
  CHECK_STR(fixed(3.14159, 6, false), "3.141590");
  CHECK_STR(fixed(T_DBL_NAN, 2, false), "NaN");
  CHECK_STR(fixed(-T_DBL_INF, 2, false), "-Inf");
  CHECK_STR(fixed(1234.5678, 2, true), "1.23e+03");
  CHECK_STR(fixed(0.0, 3, true), "0.000e+00");
  CHECK_STR(fixed(-0.0, 0, true), "-0e+00");
  CHECK_STR(fixed(1e-300, 1, true), "1.0e-300");
  CHECK_STR(fixed(9.96, 1, true), "1.0e+01");
  CHECK_STR(fixed(5e-324, 3, true), "4.941e-324");
  CHECK_STR(fixed(DBL_MAX, 16, true), "1.7976931348623157e+308");
  CHECK_STR(fixed(2.5, 0, true), "2e+00");
  CHECK_STR(fixed(1.0, 6, true), "1.000000e+00");
  /* against libc on random values and precisions */
  int bad = 0;
  char want[2048];
  for (int i = 0; i < 4000 && bad < 5; i++) {
    double v = from_bits(rng());
    if (v != v || v - v != 0) continue;
    if (i % 3 == 0) v = (double)(int64_t)(rng() % 2000000) / 1000.0;
    if (i % 5 == 0) v = (double)(rng() % 100000) * 1e-8;
    int prec = (int)(rng() % 25);
    bool e = (rng() & 1) || v > 1e30 || v < -1e30;
    snprintf(want, sizeof want, e ? "%.*e" : "%.*f", prec, v);
    const char *got = fixed(v, prec, e);
    if (strcmp(got, want) != 0) { bad++; fprintf(stderr, "%a prec %d: got %s want %s\n", v, prec, got, want); }
  }
  CHECK_INT(bad, 0);
}

static void test_parse(void) {
  CHECK(same(P("0", T_DBL_JSON), 0.0));
  CHECK(same(P("-0", T_DBL_JSON), -0.0));
  CHECK(same(P("-0.0e5", T_DBL_JSON), -0.0));
  CHECK(same(P("1", T_DBL_JSON), 1.0));
  CHECK(same(P("0.1", T_DBL_JSON), 0.1));
  CHECK(same(P("1e23", T_DBL_JSON), 1e23));
  CHECK(same(P("8.988465674311579e+307", T_DBL_JSON), 1.7976931348623157e308 / 2));
  CHECK(same(P("9007199254740993", T_DBL_JSON), 9007199254740992.0));  /* tie to even */
  CHECK(same(P("9007199254740995", T_DBL_JSON), 9007199254740996.0));
  CHECK(same(P("9007199254740993.0000000000000000000001", T_DBL_JSON), 9007199254740994.0));
  CHECK(same(P("5e-324", T_DBL_JSON), 5e-324));
  CHECK(same(P("2.4703282292062327e-324", T_DBL_JSON), 0.0));          /* just under half */
  CHECK(same(P("2.4703282292062328e-324", T_DBL_JSON), 5e-324));       /* just over half */
  CHECK(same(P("2.2250738585072014e-308", T_DBL_JSON), DBL_MIN));
  CHECK(same(P("2.2250738585072011e-308", T_DBL_JSON), from_bits(0x000FFFFFFFFFFFFFu)));
  CHECK(same(P("2.2250738585072012e-308", T_DBL_JSON), DBL_MIN));
  CHECK(same(P("1.7976931348623157e308", T_DBL_JSON), DBL_MAX));
  CHECK(same(P("1.7976931348623158e308", T_DBL_JSON), DBL_MAX));
  CHECK(same(P("1e-400", T_DBL_JSON), 0.0));
  CHECK(same(P("-1e-400", T_DBL_JSON), -0.0));
  CHECK(same(P("123456789012345678901234567890", T_DBL_JSON), 123456789012345678901234567890.0));
  CHECK(same(P("0.30000000000000004", T_DBL_JSON), 0.1 + 0.2));
  CHECK(same(P("1E5", T_DBL_JSON), 1e5));
  CHECK(same(P("1e+5", T_DBL_JSON), 1e5));
  CHECK(same(P("1e-5", T_DBL_JSON), 1e-5));
  CHECK(same(P("1e0000000000000000000000000000000000000001", T_DBL_JSON), 10.0));
  CHECK(same(P("0e999999999999999999999", T_DBL_JSON), 0.0));
  CHECK(same(P("1e-999999999999999999999", T_DBL_JSON), 0.0));
  CHECK(same(P("7e22", T_DBL_JSON), 7e22));
  CHECK(same(P("123456789e30", T_DBL_JSON), 123456789e30));   /* shortcut with extra powers */

  /* overflow: RANGE with +-Inf */
  {
    double v = 0;
    size_t used = 0;
    CHECK(t_dbl_parse("1e309", 5, T_DBL_JSON, &v, &used) == TALLY_ERR_RANGE);
    CHECK(t_dbl_is_inf(v) && !t_dbl_signbit(v) && used == 5);
    CHECK(t_dbl_parse("-1.8e308,", 9, T_DBL_JSON, &v, &used) == TALLY_ERR_RANGE);
    CHECK(t_dbl_is_inf(v) && t_dbl_signbit(v) && used == 8);
    CHECK(t_dbl_parse("1e99999999999999", 16, T_DBL_JSON, &v, &used) == TALLY_ERR_RANGE);
    CHECK(t_dbl_parse_all("1.7976931348623159e308", 22, T_DBL_JSON, &v) == TALLY_ERR_RANGE);
  }

  /* grammar and consumed length */
  static const struct { const char *s; unsigned flags; size_t used; } pre[] = {
    {"01", T_DBL_JSON, 1}, {"-01", T_DBL_JSON, 2}, {"1.", T_DBL_JSON, 1}, {"1e", T_DBL_JSON, 1},
    {"1e+", T_DBL_JSON, 1}, {"1.5x", T_DBL_JSON, 3}, {"1.5e3]", T_DBL_JSON, 5}, {"1.e5", T_DBL_GO, 4},
    {"1.e5", T_DBL_JSON, 1}, {".5", T_DBL_CEL, 2}, {".5e1", T_DBL_CEL, 4}, {"1.5.5", T_DBL_CEL, 3},
    {"00012", T_DBL_CEL, 5}, {"-1", T_DBL_CEL, 0}, {"+1", T_DBL_GO, 2}, {"inf", T_DBL_GO, 3},
    {"-Infinity", T_DBL_GO, 9}, {"infinit", T_DBL_GO, 3}, {"NaN", T_DBL_GO, 3}, {"+nan", T_DBL_GO, 0},
    {"inf", T_DBL_JSON, 0}, {"", T_DBL_JSON, 0}, {"-", T_DBL_JSON, 0}, {".", T_DBL_GO, 0},
    {".5", T_DBL_JSON, 0}, {"+1", T_DBL_JSON, 0}, {"e5", T_DBL_GO, 0}, {"0x10", T_DBL_GO, 1},
  };
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
    double v;
    size_t used = 99;
    tally_status st = t_dbl_parse(pre[i].s, strlen(pre[i].s), pre[i].flags, &v, &used);
    if (used != pre[i].used) fprintf(stderr, "prefix case %zu \"%s\": used %zu\n", i, pre[i].s, used);
    CHECK_INT(used, pre[i].used);
    CHECK(pre[i].used == 0 ? st == TALLY_ERR_INPUT : st == TALLY_OK);
  }
  CHECK(t_dbl_is_nan(P("nan", T_DBL_GO)));
  CHECK(same(P("-inf", T_DBL_GO), -T_DBL_INF));
  CHECK(t_dbl_is_nan(P("1 ", T_DBL_JSON)));   /* parse_all: trailing bytes fail */

  /* very long inputs */
  {
    static char s[4096];
    strcpy(s, "0.");
    for (int i = 0; i < 800; i++) strcat(s, "0");
    strcat(s, "1");
    CHECK(same(P(s, T_DBL_JSON), 0.0));
    strcpy(s, "0.");
    for (int i = 0; i < 300; i++) strcat(s, "0");
    strcat(s, "1");
    CHECK(same(P(s, T_DBL_JSON), 1e-301));
    /* 2^-1075 + tiny: the tie is broken by a digit past the 800th */
#if LDBL_MANT_DIG >= 64
    snprintf(s, sizeof s, "%.1100Le", 0x1p-1075L);  /* exact: half the least subnormal */
    *strchr(s, 'e') = 0;
    while (s[strlen(s) - 1] == '0') s[strlen(s) - 1] = 0;
    strcat(s, "e-324");
    CHECK(same(P(s, T_DBL_JSON), 0.0));  /* exactly half: ties to even zero */
    *strchr(s, 'e') = 0;
    for (int i = 0; i < 300; i++) strcat(s, "0");
    strcat(s, "1e-324");
    CHECK(same(P(s, T_DBL_JSON), 5e-324)); /* the tie broken by a digit past the 800th */
#endif
    /* 9007199254740993 followed by many zeros and a final 1 */
    strcpy(s, "9007199254740993.");
    for (int i = 0; i < 1000; i++) strcat(s, "0");
    CHECK(same(P(s, T_DBL_JSON), 9007199254740992.0));
    strcat(s, "1");
    CHECK(same(P(s, T_DBL_JSON), 9007199254740994.0));
    /* an exponent larger than the zeros it must cancel */
    {
      size_t n = 200000;
      char *big = malloc(n + 32);
      strcpy(big, "0.");
      memset(big + 2, '0', n);
      strcpy(big + 2 + n, "1e200300");
      double v = 0;
      CHECK(t_dbl_parse_all(big, strlen(big), T_DBL_JSON, &v) == TALLY_OK && same(v, 1e299));
      strcpy(big + 2 + n, "1e250000");
      CHECK(t_dbl_parse_all(big, strlen(big), T_DBL_JSON, &v) == TALLY_ERR_RANGE && same(v, T_DBL_INF));
      free(big);
    }
    /* a thousand integer digits */
    s[0] = 0;
    for (int i = 0; i < 1000; i++) strcat(s, i == 0 ? "1" : "0");
    CHECK(same(P(s, T_DBL_JSON), T_DBL_INF));
    strcat(s, "e-700");
    CHECK(same(P(s, T_DBL_JSON), 1e299));
  }
}

/* Exact midpoints between neighbouring doubles (long double holds them). */
static void test_halfway(void) {
#if LDBL_MANT_DIG >= 64
  int bad = 0;
  static char s[2048];
  for (int i = 0; i < 4000 && bad < 5; i++) {
    double v = from_bits(rng() >> 1);
    if (v != v || v - v != 0) continue;
    if (i % 4 == 0) v = from_bits(rng() % 0x0020000000000000u);  /* subnormals and small normals */
    double w = from_bits(bits_of(v) + 1);
    if (w - w != 0) continue;
    long double mid = ((long double)v + (long double)w) / 2;
    snprintf(s, sizeof s, "%.1000Le", mid);
    for (int k = -1; k <= 1; k++) {
      /* nudge the last written digit: just below, at and just above the midpoint */
      char t[2048];
      strcpy(t, s);
      if (k != 0) {
        char *e = strchr(t, 'e');
        char *p = e - 1;
        if (k > 0) { memmove(e + 1, e, strlen(e) + 1); *e = '1'; }
        else {
          while (*p == '0') { *p = '9'; p--; }
          if (*p == '.') continue;
          (*p)--;
        }
      }
      double want = strtod(t, NULL), got = P(t, T_DBL_JSON);
      if (!same(want, got)) { bad++; fprintf(stderr, "halfway %s: got %a want %a\n", t, got, want); }
    }
  }
  CHECK_INT(bad, 0);
#endif
}

static void test_random_parse(void) {
  int bad = 0;
  char s[1200];
  for (int i = 0; i < 30000 && bad < 5; i++) {
    int nd = 1 + (int)(rng() % (i % 10 == 0 ? 900 : 25));
    int n = 0;
    if (rng() & 1) s[n++] = '-';
    int dot = (int)(rng() % (unsigned)(nd + 1));
    for (int k = 0; k < nd; k++) {
      if (k == dot && k > 0) s[n++] = '.';
      s[n++] = (char)('0' + rng() % 10);
      if (k == 0 && s[n - 1] == '0' && nd > 1 && (rng() & 3)) s[n - 1] = '1';
    }
    if (rng() & 1) n += sprintf(s + n, "e%d", (int)(rng() % 700) - 350);
    s[n] = 0;
    double want = strtod(s, NULL), got;
    size_t used;
    tally_status st = t_dbl_parse(s, (size_t)n, T_DBL_GO, &got, &used);
    bool inf = want - want != 0;
    if (used != (size_t)n || !same(want, got) || (st == TALLY_ERR_RANGE) != inf) {
      bad++;
      fprintf(stderr, "parse %s: got %a (used %zu) want %a\n", s, got, used, want);
    }
  }
  CHECK_INT(bad, 0);
}

/* Shortest output: reads back, no shorter candidate reads back, nearest. */
static void test_random_shortest(void) {
  int bad = 0;
  for (int i = 0; i < 60000 && bad < 5; i++) {
    uint64_t b = rng();
    if (i % 4 == 1) b &= 0x800FFFFFFFFFFFFFu | ((rng() % 40 + 1003) << 52); /* near 1 */
    if (i % 8 == 2) b = (b & 0x8000000000000000u) | ((rng() % 2046 + 1) << 52); /* powers of two */
    if (i % 16 == 3) b &= 0x800FFFFFFFFFFFFFu;                                  /* subnormals */
    if (i % 16 == 5) { double x = (double)(int64_t)(rng() % 100000000) / 1000; b = bits_of(x); }
    double v = from_bits(b);
    if (v != v || v - v != 0 || v == 0) continue;
    char dg[18];
    int point, nd = t_dbl_shortest(v, dg, &point);
    dg[nd] = 0;
    char s[64];
    snprintf(s, sizeof s, "%s0.%se%d", v < 0 ? "-" : "", dg, point);
    bool ok = nd >= 1 && nd <= 17 && dg[0] != '0' && dg[nd - 1] != '0' && same(strtod(s, NULL), v);
    if (ok && nd > 1) {
      /* both (nd-1)-digit neighbours of v must fail to read back */
      char lo[20];
      memcpy(lo, dg, (size_t)nd - 1);
      lo[nd - 1] = 0;
      snprintf(s, sizeof s, "%s0.%se%d", v < 0 ? "-" : "", lo, point);
      if (same(strtod(s, NULL), v)) ok = false;
      int j = nd - 2;
      while (j >= 0 && lo[j] == '9') lo[j--] = '0';
      int p2 = point;
      if (j < 0) { memmove(lo + 1, lo, (size_t)nd); lo[0] = '1'; p2++; }
      else lo[j]++;
      snprintf(s, sizeof s, "%s0.%se%d", v < 0 ? "-" : "", lo, p2);
      if (same(strtod(s, NULL), v)) ok = false;
    }
    if (ok) {
      /* the nearest nd-digit decimal, if it reads back, is the answer */
      char e[64];
      snprintf(e, sizeof e, "%.*e", nd - 1, v);
      if (same(strtod(e, NULL), v)) {
        char d2[20];
        int k = 0;
        for (const char *p = e; *p && *p != 'e'; p++)
          if (*p >= '0' && *p <= '9') d2[k++] = *p;
        while (k > 0 && d2[k - 1] == '0') k--;
        d2[k] = 0;
        if (strcmp(d2, dg) != 0) ok = false;
      }
    }
    /* and the formatted text reads back through our own parser */
    if (ok) {
      const char *t = (i & 1) ? JS(v) : GO(v);
      double r;
      if (t_dbl_parse_all(t, strlen(t), T_DBL_GO, &r) != TALLY_OK || !same(r, v)) ok = false;
    }
    if (!ok) { bad++; fprintf(stderr, "shortest %a: %s e%d\n", v, dg, point); }
  }
  CHECK_INT(bad, 0);
}

int main(void) {
  RUN(test_format_js);
  RUN(test_format_go);
  RUN(test_format_prec);
  RUN(test_parse);
  RUN(test_halfway);
  RUN(test_random_parse);
  RUN(test_random_shortest);
  return check_report("test_double");
}
