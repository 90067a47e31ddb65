/*
** decimal.c - exact fixed-point decimal arithmetic (see decimal.h).
**
** Values are counts of 10^-9 units in a signed 128-bit integer, kept below
** 10^36 units in magnitude. Products and quotients are computed exactly in
** 256 bits before the single rounding step, so a result never depends on
** the order in which digits were dropped.
*/
#include "decimal.h"
#include "error.h"

typedef unsigned __int128 t_u128;

#define DEC__ONE ((t_u128)1000000000u)                       /* 10^9 */
#define DEC__LIMIT (DEC__ONE * DEC__ONE * DEC__ONE * DEC__ONE) /* 10^36 */

static const uint64_t dec__pow10[] = {
  1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
};

t_dec t_dec_from_i64(int64_t v) {
  t_dec d;
  d.units = (__int128)v * (__int128)DEC__ONE;
  return d;
}

/* Magnitude as unsigned; valid values are far from the int128 minimum. */
static t_u128 dec__abs(__int128 v) { return v < 0 ? (t_u128)0 - (t_u128)v : (t_u128)v; }

/* Builds a value from sign and magnitude; false when it leaves the range. */
static bool dec__make(bool neg, t_u128 mag, t_dec *out) {
  if (mag >= DEC__LIMIT) return false;
  out->units = neg ? -(__int128)mag : (__int128)mag;
  return true;
}

/*
** {======================================================
** 256-bit helpers: just enough for an exact product and quotient.
** =======================================================
*/

typedef struct dec__u256 {
  t_u128 hi, lo;
} dec__u256;

static dec__u256 dec__mul_128(t_u128 a, t_u128 b) {
  uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
  uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
  t_u128 p00 = (t_u128)a0 * b0, p01 = (t_u128)a0 * b1;
  t_u128 p10 = (t_u128)a1 * b0, p11 = (t_u128)a1 * b1;
  /* the middle column collects three 64-bit pieces, so it cannot overflow */
  t_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
  dec__u256 r;
  r.lo = (mid << 64) | (uint64_t)p00;
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return r;
}

/*
** Quotient and remainder of n / d for d > 0. A divisor that fits in 64
** bits (the 10^k scale factors) goes limb by limb; a wide one bit by bit,
** which is slow but only runs for divisors above 2^64 units.
*/
static dec__u256 dec__divmod(dec__u256 n, t_u128 d, t_u128 *rem) {
  dec__u256 q = {0, 0};
  if (d >> 64 == 0) {
    uint64_t dd = (uint64_t)d, limb[4], ql[4];
    limb[3] = (uint64_t)(n.hi >> 64); limb[2] = (uint64_t)n.hi;
    limb[1] = (uint64_t)(n.lo >> 64); limb[0] = (uint64_t)n.lo;
    t_u128 r = 0;
    for (int i = 3; i >= 0; i--) {
      t_u128 cur = (r << 64) | limb[i];
      ql[i] = (uint64_t)(cur / dd);
      r = cur % dd;
    }
    q.hi = ((t_u128)ql[3] << 64) | ql[2];
    q.lo = ((t_u128)ql[1] << 64) | ql[0];
    *rem = r;
    return q;
  }
  if (n.hi == 0) {
    q.lo = n.lo / d;
    *rem = n.lo % d;
    return q;
  }
  /* d >= 2^64 and valid operands keep d < 2^121, so r << 1 never overflows */
  t_u128 r = 0;
  for (int i = 255; i >= 0; i--) {
    t_u128 bit = i >= 128 ? (n.hi >> (i - 128)) & 1 : (n.lo >> i) & 1;
    r = (r << 1) | bit;
    if (r >= d) {
      r -= d;
      if (i >= 128) q.hi |= (t_u128)1 << (i - 128);
      else q.lo |= (t_u128)1 << i;
    }
  }
  *rem = r;
  return q;
}

/* }====================================================== */

/*
** Applies rounding mode r to a truncated magnitude q whose dropped part is
** rem/d (0 <= rem < d) of a unit; neg is the sign of the exact result.
*/
static t_u128 dec__round_q(t_u128 q, t_u128 rem, t_u128 d, bool neg, t_round r) {
  if (rem == 0) return q;
  t_u128 rest = d - rem; /* compare rem with d/2 without overflow */
  switch (r) {
    case T_ROUND_FLOOR: return neg ? q + 1 : q;
    case T_ROUND_CEIL: return neg ? q : q + 1;
    case T_ROUND_TRUNC: return q;
    case T_ROUND_HALF_UP: return rem >= rest ? q + 1 : q;
    case T_ROUND_HALF_EVEN:
      if (rem > rest) return q + 1;
      if (rem == rest && (q & 1)) return q + 1;
      return q;
  }
  return q;
}

/* Divides a 256-bit magnitude by d with rounding; false if out of range. */
static bool dec__div_round(dec__u256 n, t_u128 d, bool neg, t_round r, t_dec *out) {
  t_u128 rem;
  dec__u256 q = dec__divmod(n, d, &rem);
  if (q.hi != 0 || q.lo >= DEC__LIMIT) return false;
  return dec__make(neg, dec__round_q(q.lo, rem, d, neg, r), out);
}

bool t_dec_add(t_dec a, t_dec b, t_dec *out) {
  /* both below 10^36, so the int128 sum cannot wrap */
  __int128 s = a.units + b.units;
  return dec__make(s < 0, dec__abs(s), out);
}

bool t_dec_sub(t_dec a, t_dec b, t_dec *out) {
  __int128 s = a.units - b.units;
  return dec__make(s < 0, dec__abs(s), out);
}

bool t_dec_mul(t_dec a, t_dec b, t_round r, t_dec *out) {
  bool neg = (a.units < 0) != (b.units < 0);
  dec__u256 p = dec__mul_128(dec__abs(a.units), dec__abs(b.units));
  return dec__div_round(p, DEC__ONE, neg, r, out);
}

bool t_dec_div(t_dec a, t_dec b, t_round r, t_dec *out) {
  if (b.units == 0) return false;
  bool neg = (a.units < 0) != (b.units < 0);
  dec__u256 n = dec__mul_128(dec__abs(a.units), DEC__ONE);
  return dec__div_round(n, dec__abs(b.units), neg, r, out);
}

bool t_dec_round(t_dec a, int places, t_round r, t_dec *out) {
  if (places < 0 || places > T_DEC_SCALE) return false;
  if (places == T_DEC_SCALE) { *out = a; return true; }
  t_u128 d = dec__pow10[T_DEC_SCALE - places];
  bool neg = a.units < 0;
  t_u128 mag = dec__abs(a.units);
  t_u128 q = dec__round_q(mag / d, mag % d, d, neg, r);
  return dec__make(neg, q * d, out);
}

bool t_dec_mul_i64(t_dec a, int64_t k, t_dec *out) {
  bool neg = (a.units < 0) != (k < 0);
  uint64_t km = k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
  dec__u256 p = dec__mul_128(dec__abs(a.units), km);
  if (p.hi != 0) return false;
  return dec__make(neg, p.lo, out);
}

bool t_dec_to_i64(t_dec a, t_round r, int64_t *out) {
  bool neg = a.units < 0;
  t_u128 mag = dec__abs(a.units);
  t_u128 q = dec__round_q(mag / DEC__ONE, mag % DEC__ONE, DEC__ONE, neg, r);
  if (neg) {
    if (q > (t_u128)INT64_MAX + 1) return false;
    *out = (int64_t)((uint64_t)0 - (uint64_t)q);
  } else {
    if (q > (t_u128)INT64_MAX) return false;
    *out = (int64_t)q;
  }
  return true;
}

bool t_dec_from_units(__int128 units, t_dec *out) {
  /* the int128 minimum has no positive twin; it is out of range anyway */
  if (units < -(__int128)(DEC__LIMIT - 1)) return false;
  return dec__make(units < 0, dec__abs(units), out);
}

/*
** {======================================================
** Text
** =======================================================
*/

static bool dec__digit(char c) { return c >= '0' && c <= '9'; }

tally_status t_dec_parse(const char *s, size_t len, t_dec *out, tally_error *err) {
  size_t i = 0;
  bool neg = false;
  if (i < len && s[i] == '-') { neg = true; i++; }
  size_t int_start = i;
  while (i < len && dec__digit(s[i])) i++;
  size_t int_end = i;
  if (int_end == int_start) {
    const char *what = i < len ? "a digit" : "a number";
    return t_error_at(err, TALLY_ERR_INPUT, s, len, i, "invalid decimal: expected %s", what);
  }
  size_t frac_start = i, frac_end = i;
  if (i < len && s[i] == '.') {
    frac_start = ++i;
    while (i < len && dec__digit(s[i])) i++;
    frac_end = i;
    if (frac_end == frac_start)
      return t_error_at(err, TALLY_ERR_INPUT, s, len, i, "invalid decimal: expected a digit after '.'");
  }
  if (i < len)
    return t_error_at(err, TALLY_ERR_INPUT, s, len, i, "invalid decimal: unexpected '%c'", s[i]);
  if (frac_end - frac_start > T_DEC_SCALE)
    return t_error_at(err, TALLY_ERR_RANGE, s, len, frac_start + T_DEC_SCALE,
                      "decimal has more than %d fractional digits", T_DEC_SCALE);
  size_t lead = int_start;
  while (lead < int_end - 1 && s[lead] == '0') lead++; /* leading zeros carry no size */
  if (int_end - lead > T_DEC_INT_DIGITS)
    return t_error_at(err, TALLY_ERR_RANGE, s, len, int_start,
                      "decimal is too large (more than %d integer digits)", T_DEC_INT_DIGITS);
  t_u128 mag = 0;
  for (size_t k = lead; k < int_end; k++) mag = mag * 10 + (unsigned)(s[k] - '0');
  size_t nfrac = frac_end - frac_start;
  for (size_t k = frac_start; k < frac_end; k++) mag = mag * 10 + (unsigned)(s[k] - '0');
  mag *= dec__pow10[T_DEC_SCALE - nfrac];
  dec__make(neg, mag, out); /* 27 + 9 digits always fit */
  return TALLY_OK;
}

size_t t_dec_format(t_dec d, char *out) {
  char tmp[T_DEC_FMT_MAX];
  size_t n = 0, len = 0;
  t_u128 mag = dec__abs(d.units);
  uint64_t frac = (uint64_t)(mag % DEC__ONE);
  t_u128 ip = mag / DEC__ONE;
  if (mag != 0 && d.units < 0) out[len++] = '-';
  while (ip >> 64 != 0) { tmp[n++] = (char)('0' + (int)(ip % 10)); ip /= 10; }
  uint64_t small = (uint64_t)ip; /* 64-bit steps once it fits: no 128-bit division */
  do { tmp[n++] = (char)('0' + (int)(small % 10)); small /= 10; } while (small != 0);
  while (n > 0) out[len++] = tmp[--n];
  if (frac != 0) {
    int digits = T_DEC_SCALE;
    while (frac % 10 == 0) { frac /= 10; digits--; }
    out[len++] = '.';
    for (int k = digits - 1; k >= 0; k--) { out[len + (size_t)k] = (char)('0' + frac % 10); frac /= 10; }
    len += (size_t)digits;
  }
  out[len] = 0;
  return len;
}

/* }====================================================== */
