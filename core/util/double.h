/*
** double.h - IEEE-754 binary64 <-> text, exact and host-independent.
**
** The core cannot use strtod or printf (wasm has no libc, and libcs differ),
** and the spec wants byte-identical output everywhere. So both directions
** are done here with exact decimal arithmetic: parsing is correctly rounded
** (ties to even), shortest output reads back to the same double and, among
** the shortest candidates, is the closest to it.
*/
#ifndef TALLY_UTIL_DOUBLE_H
#define TALLY_UTIL_DOUBLE_H

#include "base.h"
#include "buf.h"

/*
** {======================================================
** Text -> double
** =======================================================
*/

/*
** Grammar switches for t_dbl_parse. The base grammar is
** digits ('.' digits)? ([eE] [+-]? digits)?; the flags widen or narrow it.
*/
enum {
  T_DBL_SIGN = 1 << 0,              /* a leading '-' */
  T_DBL_PLUS = 1 << 1,              /* a leading '+' as well */
  T_DBL_NO_LEADING_ZEROS = 1 << 2,  /* "01": only "0" is read (JSON) */
  T_DBL_LEADING_DOT = 1 << 3,       /* ".5" */
  T_DBL_TRAILING_DOT = 1 << 4,      /* "1." and "1.e5" */
  T_DBL_SPECIALS = 1 << 5,          /* "inf", "infinity", "nan" in any case */

  /* JSON numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  T_DBL_JSON = T_DBL_SIGN | T_DBL_NO_LEADING_ZEROS,
  /* CEL double literals (the lexer handles '-' as an operator). */
  T_DBL_CEL = T_DBL_LEADING_DOT,
  /* Go's strconv.ParseFloat for decimal text (CEL double(string)); no hex, no '_'. */
  T_DBL_GO = T_DBL_SIGN | T_DBL_PLUS | T_DBL_LEADING_DOT | T_DBL_TRAILING_DOT | T_DBL_SPECIALS
};

/*
** Reads the longest prefix of s[0..len) that is a number under `flags` and
** rounds it to the nearest double (ties to even). An exponent marker not
** followed by digits is not part of the number ("1e" reads "1").
** Returns TALLY_OK; TALLY_ERR_INPUT when no number starts at s (consumed is
** then 0); TALLY_ERR_RANGE when the magnitude overflows (out is then +-Inf
** and consumed is set, so a caller who wants Infinity may take it).
** Underflow is not an error: it gives a subnormal or a signed zero.
** Any number of digits is accepted; the result stays exact.
*/
TALLY_INTERNAL tally_status t_dbl_parse(const char *s, size_t len, unsigned flags, double *out,
                                        size_t *consumed);

/* As t_dbl_parse, but the whole of s must be the number (else TALLY_ERR_INPUT). */
TALLY_INTERNAL tally_status t_dbl_parse_all(const char *s, size_t len, unsigned flags, double *out);

/* }====================================================== */

/*
** {======================================================
** Double -> text
** =======================================================
*/

typedef enum t_dbl_notation {
  /* JavaScript's Number.prototype.toString: "1", "0.1", "1e+21", "1.5e-7",
  ** "123456789012345680000" (exponent form when d.ddd x 10^x has x < -6 or
  ** x >= 21). */
  T_DBL_NOTATION_JS,
  /* Go's strconv.FormatFloat(v, 'g', -1, 64): "1e+06", "1.5e-07", "123456",
  ** "-0.0045" (exponent form when x < -4 or x >= 6; two exponent digits at least). */
  T_DBL_NOTATION_GO
} t_dbl_notation;

/* How a double is spelled. Spellings must be shorter than 32 bytes. */
typedef struct t_dbl_style {
  t_dbl_notation notation;
  bool minus_zero;        /* -0 as "-0" (else "0") */
  const char *nan;
  const char *inf;
  const char *neg_inf;
} t_dbl_style;

/* JSON output of typed values (interfaces.md): JS digits, "-0" kept,
** "NaN" / "Infinity" / "-Infinity" (the writer quotes them). */
TALLY_INTERNAL extern const t_dbl_style t_dbl_style_json;
/* JavaScript's String(number): as above but -0 is "0". */
TALLY_INTERNAL extern const t_dbl_style t_dbl_style_js;
/* CEL string(double), as cel-go: Go 'g' digits, "-0", "NaN", "+Inf", "-Inf". */
TALLY_INTERNAL extern const t_dbl_style t_dbl_style_go;

#define T_DBL_FMT_MAX 64   /* buffer size for t_dbl_format, NUL included */

/* The shortest round-trip text of v in a style; writes a NUL, returns the length. */
TALLY_INTERNAL size_t t_dbl_format(double v, const t_dbl_style *style, char *out);
TALLY_INTERNAL void t_dbl_buf_format(t_buf *b, double v, const t_dbl_style *style);

/*
** The shortest digits of a finite, non-zero |v|: v = 0.d1d2...dn x 10^point.
** Writes n ASCII digits (n <= 17, no NUL) and returns n; 0 for zero, NaN
** and infinities.
*/
TALLY_INTERNAL int t_dbl_shortest(double v, char digits[17], int *point);

/*
** C's "%.*f" and "%.*e" (and Go's 'f' / 'e' with a precision): the exact
** binary value rounded half-even at the requested digit, so "%.3f" of
** 1.0005 is "1.000" (the double is 1.000499999...). A negative value keeps
** its '-' even when it rounds to zero ("-0.00"). prec is clamped to
** 0..1100. NaN and infinities use the style's spellings (NULL = Go's
** "NaN", "+Inf", "-Inf").
*/
TALLY_INTERNAL void t_dbl_format_fixed(t_buf *b, double v, int prec, const t_dbl_style *style);
TALLY_INTERNAL void t_dbl_format_exp(t_buf *b, double v, int prec, const t_dbl_style *style);

/* }====================================================== */

/* Bit-level helpers (no <math.h> in the core). */
static inline uint64_t t_dbl_bits(double v) { uint64_t u; t_memcpy(&u, &v, sizeof u); return u; }
static inline double t_dbl_from_bits(uint64_t u) { double v; t_memcpy(&v, &u, sizeof v); return v; }
static inline bool t_dbl_is_nan(double v) { return v != v; }
static inline bool t_dbl_is_inf(double v) { return (t_dbl_bits(v) << 1) == ((uint64_t)0x7FF << 53); }
static inline bool t_dbl_is_finite(double v) { return ((t_dbl_bits(v) >> 52) & 0x7FF) != 0x7FF; }
static inline bool t_dbl_signbit(double v) { return (t_dbl_bits(v) >> 63) != 0; }
#define T_DBL_INF (__builtin_inf())
#define T_DBL_NAN (__builtin_nan(""))

#endif
