/*
** tzdata.h - the shape of the compiled tz tables that tools/gen-tzdata.mjs
** writes (build/gen/tzdata.c) and zone.c reads. If you change a struct
** here, change the generator's output to match (grep TZDATA LAYOUT).
*/
#ifndef TALLY_TIME_TZDATA_H
#define TALLY_TIME_TZDATA_H

#include "util/base.h"

/* TZDATA LAYOUT */
enum { T_TZ_RULE_NONE = 0, T_TZ_RULE_J = 1, T_TZ_RULE_N = 2, T_TZ_RULE_M = 3 };

/* One POSIX TZ transition rule: Jn, n or Mm.w.d, at `time` local seconds. */
typedef struct t_tz_when {
  uint8_t kind, mon, week;
  uint16_t day;
  int32_t time;
} t_tz_when;

/* A footer rule; start.kind == T_TZ_RULE_NONE means standard time only. */
typedef struct t_tz_rule {
  int32_t std, dst;   /* seconds east of UTC */
  t_tz_when start, end;
} t_tz_rule;

typedef struct t_tz_zone {
  uint32_t data;      /* first byte of its transitions in t_tz_data */
  uint16_t ntrans;    /* >= 1 */
  uint16_t initial;   /* t_tz_offsets index in force before the first transition */
  int16_t rule;       /* t_tz_rules index after the last transition, or -1 */
} t_tz_zone;

typedef struct t_tz_name {
  uint32_t name;      /* offset into t_tz_names (NUL-terminated) */
  uint16_t len;
  uint16_t zone;
} t_tz_name;

TALLY_INTERNAL extern const int32_t t_tz_offsets[];
TALLY_INTERNAL extern const uint8_t t_tz_data[];
TALLY_INTERNAL extern const t_tz_rule t_tz_rules[];
TALLY_INTERNAL extern const t_tz_zone t_tz_zones[];
TALLY_INTERNAL extern const char t_tz_names[];
TALLY_INTERNAL extern const t_tz_name t_tz_index[];    /* sorted by name bytes */
TALLY_INTERNAL extern const size_t t_tz_name_count;
TALLY_INTERNAL extern const size_t t_tz_zone_count;

#endif
