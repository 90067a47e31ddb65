/*
** unicase.c - lookups in the generated case table.
*/
#include "unicase.h"

uint32_t t_unicode_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  unsigned lo = 0, hi = t_lower_runs_len;
  while (lo < hi) { /* last run whose first <= cp */
    unsigned mid = (lo + hi) / 2;
    if (t_lower_runs[mid].first <= cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return cp;
  const t_case_run *r = &t_lower_runs[lo - 1];
  uint32_t off = cp - r->first;
  if (off % r->stride || off / r->stride >= r->count) return cp;
  return (uint32_t)((int32_t)cp + r->delta);
}
