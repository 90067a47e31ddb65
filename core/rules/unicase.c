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

bool t_unicode_is_space(uint32_t cp) {
  /* PropList.txt White_Space; stable across Unicode versions since 6.3. */
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}
