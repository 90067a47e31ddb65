/*
** fuzz_decimal.c - libFuzzer entry for exact decimals (util/decimal.h):
** parsing and formatting on arbitrary text, and the arithmetic on what
** parses.
**
** Input: byte 0 = rounding mode and places, then two texts separated by a
** NUL. Properties: format(parse(s)) parses back to the same value and is
** canonical (formatting it again gives the same text); a+b-b == a;
** floor <= x <= ceil; truncation does not grow the magnitude; a*b and a/b
** either overflow cleanly or give a valid value.
*/
#include "fuzz_util.h"
#include "util/decimal.h"

static bool fz_parse(const char *s, size_t len, t_dec *out) {
  tally_error err;
  tally_status st = t_dec_parse(s, len, out, &err);
  if (st != TALLY_OK) {
    FZ_EXPECT(err.code == st && (st == TALLY_ERR_INPUT || st == TALLY_ERR_RANGE));
    FZ_EXPECT(err.message[0] && err.offset <= len);
    tally_decimal p;
    FZ_EXPECT(tally_decimal_parse(s, len, &p, &err) != TALLY_OK);
    return false;
  }
  char buf[T_DEC_FMT_MAX], buf2[T_DEC_FMT_MAX];
  size_t n = t_dec_format(*out, buf);
  FZ_EXPECT(n < T_DEC_FMT_MAX && buf[n] == 0 && strlen(buf) == n);
  t_dec back;
  FZ_EXPECT(t_dec_parse(buf, n, &back, &err) == TALLY_OK);
  FZ_EXPECT(t_dec_cmp(back, *out) == 0);
  size_t n2 = t_dec_format(back, buf2);
  FZ_EXPECT(n2 == n && memcmp(buf, buf2, n) == 0);
  tally_decimal p;
  FZ_EXPECT(tally_decimal_parse(s, len, &p, &err) == TALLY_OK);
  char pub[TALLY_DECIMAL_TEXT_MAX];
  size_t pn = tally_decimal_format(p, pub);
  FZ_EXPECT(pn == n && memcmp(pub, buf, n) == 0);
  return true;
}

static void fz_valid(t_dec d) {
  t_dec chk;
  FZ_EXPECT(t_dec_from_units(d.units, &chk));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 512) return 0;
  t_round mode = (t_round)(data[0] % 5);
  int places = (data[0] >> 3) % 10;
  const char *rest = (const char *)data + 1;
  size_t n = size - 1;
  const char *nul = memchr(rest, 0, n);
  size_t alen = nul ? (size_t)(nul - rest) : n;
  t_dec a, b, r, r2;
  bool ha = fz_parse(rest, alen, &a);
  bool hb = nul && fz_parse(nul + 1, n - alen - 1, &b);
  if (ha) {
    t_dec lo, hi, tr;
    if (t_dec_round(a, places, T_ROUND_FLOOR, &lo) && t_dec_round(a, places, T_ROUND_CEIL, &hi)) {
      FZ_EXPECT(t_dec_cmp(lo, a) <= 0 && t_dec_cmp(a, hi) <= 0);
    }
    if (t_dec_round(a, places, T_ROUND_TRUNC, &tr)) {
      FZ_EXPECT(t_dec_is_neg(a) ? t_dec_cmp(tr, a) >= 0 && t_dec_cmp(tr, t_dec_zero()) <= 0
                                : t_dec_cmp(tr, a) <= 0 && t_dec_cmp(tr, t_dec_zero()) >= 0);
    }
    if (t_dec_round(a, places, mode, &r)) fz_valid(r);
    int64_t i;
    (void)t_dec_to_i64(a, mode, &i);
    if (t_dec_mul_i64(a, (int64_t)(int8_t)data[0], &r)) fz_valid(r);
  }
  if (ha && hb) {
    if (t_dec_add(a, b, &r)) {
      fz_valid(r);
      FZ_EXPECT(t_dec_sub(r, b, &r2) && t_dec_cmp(r2, a) == 0);
    }
    if (t_dec_sub(a, b, &r)) fz_valid(r);
    if (t_dec_mul(a, b, mode, &r)) fz_valid(r);
    bool ok = t_dec_div(a, b, mode, &r);
    if (t_dec_is_zero(b)) FZ_EXPECT(!ok);
    if (ok) fz_valid(r);
  }
  return 0;
}
