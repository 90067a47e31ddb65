/*
** decimal.h - exact decimal numbers for money and quantities.
**
** A t_dec is a signed fixed-point number with 9 fractional digits, held as
** a 128-bit integer count of 10^-9 units. Valid values have a magnitude
** below 10^27 (27 integer digits, far past the 10^15 the spec asks for);
** every operation that would leave that range reports overflow instead of
** wrapping. No binary floating point is involved anywhere.
*/
#ifndef TALLY_UTIL_DECIMAL_H
#define TALLY_UTIL_DECIMAL_H

#include "base.h"
#include "tally/decimal.h"

#define T_DEC_SCALE 9                      /* fractional digits */
#define T_DEC_INT_DIGITS 27                /* integer digits at most */
#define T_DEC_FMT_MAX 48                   /* buffer size for t_dec_format */

typedef struct t_dec {
  __int128 units;                          /* value x 10^9 */
} t_dec;

typedef enum t_round {
  T_ROUND_FLOOR,      /* toward -infinity */
  T_ROUND_CEIL,       /* toward +infinity */
  T_ROUND_TRUNC,      /* toward zero */
  T_ROUND_HALF_UP,    /* to nearest, ties away from zero (0.5 -> 1, -0.5 -> -1) */
  T_ROUND_HALF_EVEN   /* to nearest, ties to even */
} t_round;

static inline t_dec t_dec_zero(void) { t_dec d = {0}; return d; }
TALLY_INTERNAL t_dec t_dec_from_i64(int64_t v);

/*
** Strict parse of `-?digits(.digits)?` (no '+', no exponent, no leading or
** trailing '.', at most 9 fractional digits, at most 27 integer digits;
** leading zeros are allowed and not counted; "-0" is zero). Returns TALLY_OK,
** TALLY_ERR_INPUT (malformed, with a message in err) or TALLY_ERR_RANGE (too
** large / too precise: "1.0000000000" is rejected even though it is 1). The
** error offset is the byte where the text goes wrong.
*/
TALLY_INTERNAL tally_status t_dec_parse(const char *s, size_t len, t_dec *out, tally_error *err);

/* Canonical text: "22", "0.5", "-15"; no exponent, no trailing fractional
** zeros, never "-0". Writes a NUL; returns the length (< T_DEC_FMT_MAX). */
TALLY_INTERNAL size_t t_dec_format(t_dec d, char *out);

/* Each returns false on overflow (out is then unspecified). */
TALLY_INTERNAL bool t_dec_add(t_dec a, t_dec b, t_dec *out);
TALLY_INTERNAL bool t_dec_sub(t_dec a, t_dec b, t_dec *out);
/* Product rounded to 9 places with mode r. */
TALLY_INTERNAL bool t_dec_mul(t_dec a, t_dec b, t_round r, t_dec *out);
/* Quotient rounded to 9 places with mode r; false also when b is zero. */
TALLY_INTERNAL bool t_dec_div(t_dec a, t_dec b, t_round r, t_dec *out);
/* Rounds to `places` fractional digits (0..9) with mode r. */
TALLY_INTERNAL bool t_dec_round(t_dec a, int places, t_round r, t_dec *out);
/* a x k for an integer k. */
TALLY_INTERNAL bool t_dec_mul_i64(t_dec a, int64_t k, t_dec *out);
/* The integer part after rounding with mode r (false if it does not fit int64). */
TALLY_INTERNAL bool t_dec_to_i64(t_dec a, t_round r, int64_t *out);

static inline int t_dec_cmp(t_dec a, t_dec b) { return a.units < b.units ? -1 : a.units > b.units; }
static inline bool t_dec_is_zero(t_dec a) { return a.units == 0; }
static inline bool t_dec_is_neg(t_dec a) { return a.units < 0; }
static inline t_dec t_dec_neg(t_dec a) { a.units = -a.units; return a; }  /* valid values never overflow */
static inline t_dec t_dec_min(t_dec a, t_dec b) { return a.units <= b.units ? a : b; }
static inline t_dec t_dec_max(t_dec a, t_dec b) { return a.units >= b.units ? a : b; }

/* Range-checked construction from a raw count of 10^-9 units (false when
** the magnitude reaches 10^27). */
TALLY_INTERNAL bool t_dec_from_units(__int128 units, t_dec *out);

/* The public two-halves form (tally/decimal.h). from_public checks the range,
** since a host may hand in any bit pattern. */
static inline tally_decimal t_dec_to_public(t_dec d) {
  tally_decimal p;
  p.hi = (int64_t)(d.units >> 64);
  p.lo = (uint64_t)d.units;
  return p;
}
static inline bool t_dec_from_public(tally_decimal p, t_dec *out) {
  __int128 u = (__int128)(((unsigned __int128)(uint64_t)p.hi << 64) | p.lo);
  return t_dec_from_units(u, out);
}

#endif
