/*
** decimal_api.c - the public tally_decimal functions (tally/decimal.h), thin
** wrappers over the internal t_dec so that hosts never see __int128.
*/
#include "tally/decimal.h"
#include "decimal.h"
#include "error.h"

static __int128 dec_api__units(tally_decimal d) {
  return (__int128)(((unsigned __int128)(uint64_t)d.hi << 64) | d.lo);
}

tally_status tally_decimal_parse(const char *text, size_t len, tally_decimal *out, tally_error *err) {
  t_dec d;
  if (!text && len > 0) return t_error_set(err, TALLY_ERR_USAGE, "tally_decimal_parse: text is NULL");
  if (!out) return t_error_set(err, TALLY_ERR_USAGE, "tally_decimal_parse: out is NULL");
  tally_status st = t_dec_parse(text ? text : "", len, &d, err);
  if (st == TALLY_OK) *out = t_dec_to_public(d);
  return st;
}

/* Any bit pattern formats (out-of-range values too), so a host can show
** what it holds; the 48-byte buffer fits all 2^128 of them. */
size_t tally_decimal_format(tally_decimal d, char out[TALLY_DECIMAL_TEXT_MAX]) {
  t_dec v;
  v.units = dec_api__units(d);
  return t_dec_format(v, out);
}

tally_decimal tally_decimal_from_int(int64_t v) { return t_dec_to_public(t_dec_from_i64(v)); }

int tally_decimal_cmp(tally_decimal a, tally_decimal b) {
  __int128 x = dec_api__units(a), y = dec_api__units(b);
  return x < y ? -1 : x > y;
}

bool tally_decimal_is_valid(tally_decimal d) {
  t_dec v;
  return t_dec_from_public(d, &v);
}
