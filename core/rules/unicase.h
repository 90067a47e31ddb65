/*
** unicase.h - Unicode simple lower-case mapping, for
** normalising e-mail addresses the same way in every host (JavaScript's
** toLowerCase uses full mappings and the host's own Unicode version).
** The table is generated at build time (tools/gen-lowercase.mjs).
*/
#ifndef TALLY_RULES_UNICASE_H
#define TALLY_RULES_UNICASE_H

#include "../util/base.h"

typedef struct t_case_run {
  uint32_t first;   /* first code point of the run */
  uint16_t count;   /* code points in the run */
  uint8_t stride;   /* 1 or 2 */
  int32_t delta;    /* lower = cp + delta */
} t_case_run;

extern const t_case_run t_lower_runs[];
extern const unsigned t_lower_runs_len;
extern const char t_unicode_version[];

TALLY_INTERNAL uint32_t t_unicode_lower(uint32_t cp);

#endif
