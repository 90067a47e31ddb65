/*
** unicode.h - the Unicode tables of the regex engine, generated at build
** time by tools/gen-unicode.mjs from Debian's unicode-data (see gen.cmake).
*/
#ifndef TALLY_REGEX_UNICODE_H
#define TALLY_REGEX_UNICODE_H

#include "util/base.h"

/* A general category or script: n sorted, disjoint [lo, hi] pairs. */
typedef struct t_re_utable {
  const char *name;
  const uint32_t *ranges;
  uint32_t n;
} t_re_utable;

TALLY_INTERNAL extern const char t_re_unicode_version[];
TALLY_INTERNAL extern const t_re_utable t_re_unicode_tables[];
TALLY_INTERNAL extern const size_t t_re_unicode_tables_len;
TALLY_INTERNAL extern const uint32_t t_re_fold_orbit[][2];
TALLY_INTERNAL extern const size_t t_re_fold_orbit_len;

#endif
