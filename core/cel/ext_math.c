/*
** ext_math.c - cel-go's math extension (ext/math.go): greatest and least
** across int, uint and double (compared exactly, as CEL's ordering does),
** rounding, classification, abs/sign/sqrt and the bit operations. No
** <math.h> in the core: rounding works on the double's integer part,
** exact below 2^52, and above it a double has no fraction.
*/
#include "cel/ext.h"
#include "util/double.h"

#define BAD() return t_cel_ext_bad(st, n, a, nargs)

static bool math__num(t_cel_val v) {
  return v.kind == T_CEL_V_INT || v.kind == T_CEL_V_UINT || v.kind == T_CEL_V_DOUBLE;
}

/* math.@max / math.@min and the greatest/least spellings: arguments or one list. */
static t_cel_val math__extreme(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs, bool max) {
  const char *name = max ? "math.@max" : "math.@min";
  const t_cel_val *vals = a;
  size_t count = nargs;
  if (nargs == 1 && a[0].kind == T_CEL_V_LIST) {
    vals = a[0].u.l->items;
    count = a[0].u.l->len;
    if (count == 0) return t_cel_error(st, n->offset, "%s(list) argument must not be empty", name);
    if (!t_cel_charge(st, count, n->offset)) return st->fatal;
  }
  if (count == 0) return t_cel_error(st, n->offset, "%s() requires at least one argument", max ? "math.greatest" : "math.least");
  t_cel_val best = vals[0];
  if (!math__num(best)) return t_cel_error(st, n->offset, "no such overload: %s", name);
  for (size_t i = 1; i < count; i++) {
    if (!math__num(vals[i])) return t_cel_error(st, n->offset, "no such overload: %s", name);
    t_cel_order o = t_cel_compare(best, vals[i]);
    if (o == (max ? T_CEL_LT : T_CEL_GT)) best = vals[i];
  }
  return best;
}

static t_cel_val math_max(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__extreme(st, n, a, nargs, true);
}

static t_cel_val math_min(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__extreme(st, n, a, nargs, false);
}

#define TWO52 4503599627370496.0

/* The integer part, keeping the sign of zero (-0.5 -> -0). */
static double math__trunc(double d) {
  if (!(d > -TWO52 && d < TWO52)) return d; /* NaN, infinities, no fraction */
  double t = (double)(int64_t)d;
  if (t == 0 && t_dbl_signbit(d)) t = -0.0;
  return t;
}

static double math__with_sign(double t, double of) {
  if (t == 0 && t_dbl_signbit(of)) return -0.0;
  return t;
}

typedef enum { MATH_CEIL, MATH_FLOOR, MATH_ROUND, MATH_TRUNC } math__mode;

static t_cel_val math__rounding(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs, math__mode m) {
  if (a[0].kind != T_CEL_V_DOUBLE) BAD();
  double d = a[0].u.d, t = math__trunc(d);
  if (t != d && d > -TWO52 && d < TWO52) {
    switch (m) {
    case MATH_CEIL: if (t < d) t = math__with_sign(t + 1, d); break;
    case MATH_FLOOR: if (t > d) t = t - 1; break;
    case MATH_ROUND: {
      double frac = d - t; /* exact */
      if (frac >= 0.5) t += 1;
      else if (frac <= -0.5) t -= 1;
      t = math__with_sign(t, d);
      break;
    }
    case MATH_TRUNC: break;
    }
  }
  return t_cel_double(t);
}

static t_cel_val math_ceil(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__rounding(st, n, a, nargs, MATH_CEIL);
}
static t_cel_val math_floor(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__rounding(st, n, a, nargs, MATH_FLOOR);
}
static t_cel_val math_round(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__rounding(st, n, a, nargs, MATH_ROUND);
}
static t_cel_val math_trunc(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__rounding(st, n, a, nargs, MATH_TRUNC);
}

static t_cel_val math_is_inf(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_DOUBLE) BAD();
  return t_cel_bool(t_dbl_is_inf(a[0].u.d));
}

static t_cel_val math_is_nan(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_DOUBLE) BAD();
  return t_cel_bool(t_dbl_is_nan(a[0].u.d));
}

static t_cel_val math_is_finite(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_DOUBLE) BAD();
  return t_cel_bool(t_dbl_is_finite(a[0].u.d));
}

static t_cel_val math_abs(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  switch (a[0].kind) {
  case T_CEL_V_INT:
    if (a[0].u.i == INT64_MIN) return t_cel_error(st, n->offset, "integer overflow");
    return t_cel_int(a[0].u.i < 0 ? -a[0].u.i : a[0].u.i);
  case T_CEL_V_UINT: return a[0];
  case T_CEL_V_DOUBLE: return t_cel_double(t_dbl_from_bits(t_dbl_bits(a[0].u.d) & ~((uint64_t)1 << 63)));
  default: BAD();
  }
}

static t_cel_val math_sign(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  switch (a[0].kind) {
  case T_CEL_V_INT: return t_cel_int(a[0].u.i > 0 ? 1 : a[0].u.i < 0 ? -1 : 0);
  case T_CEL_V_UINT: return t_cel_uint(a[0].u.u ? 1 : 0);
  case T_CEL_V_DOUBLE: {
    double d = a[0].u.d;
    if (t_dbl_is_nan(d)) return a[0];
    return t_cel_double(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
  }
  default: BAD();
  }
}

/*
** The correctly rounded square root of a positive finite double, bit by
** bit (the compiler's sqrt may be a libm call, and the core has no libm):
** d = m * 2^e with e even, M = m * 2^2t has 110 bits, and the restoring
** square root of M, 55 bits, is rounded half-even to 53.
*/
static double math__sqrt(double d) {
  uint64_t bits = t_dbl_bits(d), m = bits & (((uint64_t)1 << 52) - 1);
  int exp = (int)((bits >> 52) & 0x7ff), e;
  if (exp == 0) {
    e = -1074;
  } else {
    m |= (uint64_t)1 << 52;
    e = exp - 1075;
  }
  if (e & 1) {
    m <<= 1;
    e -= 1;
  }
  int len = 64 - __builtin_clzll(m);
  int t = (110 - len) / 2;
  uint64_t q = 0, r = 0;
  for (int i = 0; i < 55; i++) {
    int sh = 108 - 2 * i - 2 * t;
    uint64_t pair = sh >= 0 ? (m >> sh) & 3 : sh == -1 ? (m << 1) & 3 : 0;
    r = (r << 2) | pair;
    uint64_t trial = (q << 2) | 1;
    q <<= 1;
    if (r >= trial) {
      r -= trial;
      q |= 1;
    }
  }
  uint64_t q53 = q >> 2;
  bool half = (q >> 1) & 1, sticky = (q & 1) || r != 0;
  if (half && (sticky || (q53 & 1))) q53++;
  int E = e / 2 - t + 2;
  if (q53 == (uint64_t)1 << 53) {
    q53 >>= 1;
    E++;
  }
  return t_dbl_from_bits((uint64_t)(E + 52 + 1023) << 52 | (q53 & (((uint64_t)1 << 52) - 1)));
}

static t_cel_val math_sqrt(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  double d;
  switch (a[0].kind) {
  case T_CEL_V_INT: d = (double)a[0].u.i; break;
  case T_CEL_V_UINT: d = (double)a[0].u.u; break;
  case T_CEL_V_DOUBLE: d = a[0].u.d; break;
  default: BAD();
  }
  if (d < 0 || t_dbl_is_nan(d)) return t_cel_double(T_DBL_NAN);
  if (d == 0 || t_dbl_is_inf(d)) return t_cel_double(d);
  return t_cel_double(math__sqrt(d));
}

typedef enum { BIT_AND, BIT_OR, BIT_XOR } math__bitop;

static t_cel_val math__bits(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs, math__bitop op) {
  if (a[0].kind != a[1].kind || (a[0].kind != T_CEL_V_INT && a[0].kind != T_CEL_V_UINT)) BAD();
  uint64_t x = a[0].u.u, y = a[1].u.u, r = op == BIT_AND ? x & y : op == BIT_OR ? x | y : x ^ y;
  return a[0].kind == T_CEL_V_INT ? t_cel_int((int64_t)r) : t_cel_uint(r);
}

static t_cel_val math_bit_and(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__bits(st, n, a, nargs, BIT_AND);
}
static t_cel_val math_bit_or(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__bits(st, n, a, nargs, BIT_OR);
}
static t_cel_val math_bit_xor(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__bits(st, n, a, nargs, BIT_XOR);
}

static t_cel_val math_bit_not(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind == T_CEL_V_INT) return t_cel_int(~a[0].u.i);
  if (a[0].kind == T_CEL_V_UINT) return t_cel_uint(~a[0].u.u);
  BAD();
}

/* Shifts of 64 or more give 0; an int shifts right without its sign, as in cel-go. */
static t_cel_val math__shift(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs, bool left) {
  if ((a[0].kind != T_CEL_V_INT && a[0].kind != T_CEL_V_UINT) || a[1].kind != T_CEL_V_INT) BAD();
  int64_t s = a[1].u.i;
  if (s < 0)
    return t_cel_error(st, n->offset, "math.bitShift%s() negative offset: %lld", left ? "Left" : "Right", (long long)s);
  uint64_t x = a[0].u.u, r = s >= 64 ? 0 : left ? x << s : x >> s;
  return a[0].kind == T_CEL_V_INT ? t_cel_int((int64_t)r) : t_cel_uint(r);
}

static t_cel_val math_shl(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__shift(st, n, a, nargs, true);
}
static t_cel_val math_shr(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return math__shift(st, n, a, nargs, false);
}

static const t_cel_ext_fn math__fns[] = {
  {"math.greatest", false, 1, 255, math_max},
  {"math.least", false, 1, 255, math_min},
  {"math.@max", false, 1, 255, math_max},
  {"math.@min", false, 1, 255, math_min},
  {"math.ceil", false, 1, 1, math_ceil},
  {"math.floor", false, 1, 1, math_floor},
  {"math.round", false, 1, 1, math_round},
  {"math.trunc", false, 1, 1, math_trunc},
  {"math.isInf", false, 1, 1, math_is_inf},
  {"math.isNaN", false, 1, 1, math_is_nan},
  {"math.isFinite", false, 1, 1, math_is_finite},
  {"math.abs", false, 1, 1, math_abs},
  {"math.sign", false, 1, 1, math_sign},
  {"math.sqrt", false, 1, 1, math_sqrt},
  {"math.bitAnd", false, 2, 2, math_bit_and},
  {"math.bitOr", false, 2, 2, math_bit_or},
  {"math.bitXor", false, 2, 2, math_bit_xor},
  {"math.bitNot", false, 1, 1, math_bit_not},
  {"math.bitShiftLeft", false, 2, 2, math_shl},
  {"math.bitShiftRight", false, 2, 2, math_shr},
};

const t_cel_ext_lib t_cel_ext_math_lib = {TALLY_CEL_LIB_MATH, math__fns, T_ARRAY_LEN(math__fns)};
