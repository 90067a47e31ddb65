/*
** tally/decimal.h - the public form of an exact decimal amount, shared by
** the ledger and billing APIs: a signed 128-bit integer count of 10^-9
** units (two's complement, split in two halves so that the header needs no
** compiler extension). Magnitudes stay below 10^27.
*/
#ifndef TALLY_DECIMAL_H
#define TALLY_DECIMAL_H

#include "tally.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_DECIMAL_SCALE 9
#define TALLY_DECIMAL_TEXT_MAX 48 /* bytes for tally_decimal_format, NUL included */

typedef struct tally_decimal {
  int64_t hi;   /* upper 64 bits (sign) */
  uint64_t lo;  /* lower 64 bits */
} tally_decimal;

/* Strict text: -?digits(.digits)?, at most 9 fractional digits. */
TALLY_API tally_status tally_decimal_parse(const char *text, size_t len, tally_decimal *out, tally_error *err);
/* Canonical text ("22", "0.5", "-15"); returns the length, writes a NUL. */
TALLY_API size_t tally_decimal_format(tally_decimal d, char out[TALLY_DECIMAL_TEXT_MAX]);
TALLY_API tally_decimal tally_decimal_from_int(int64_t v);
/* -1, 0 or 1. */
TALLY_API int tally_decimal_cmp(tally_decimal a, tally_decimal b);
/* True when |d| < 10^27 (what parse produces and the APIs accept). */
TALLY_API bool tally_decimal_is_valid(tally_decimal d);

#ifdef __cplusplus
}
#endif

#endif
