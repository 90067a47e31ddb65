/*
** zone.c - time zones: resolving a CEL zone argument and finding the UTC
** offset of a zone at an instant, from the tables that tools/gen-tzdata.mjs
** compiles out of the tz database at build time (see tzdata.h). The build
** defines TALLY_HAVE_TZDATA when it links those tables (core/time/gen.cmake);
** without them only "UTC", "" and fixed offsets resolve.
*/
#include "time/time.h"
#include "time/tzdata.h"
#include "util/buf.h"
#include "util/error.h"

#ifdef TALLY_HAVE_TZDATA

/*
** {======================================================
** The POSIX TZ footer rule, evaluated as Go's tzset does
** =======================================================
*/

static int64_t zone__fdiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* Seconds from the start of `year` (UTC) to the rule's instant; off is the offset in force before it. */
static int64_t zone__rule_time(int64_t year, const t_tz_when *r, int32_t off) {
  int64_t d;
  switch (r->kind) {
  case T_TZ_RULE_J: /* Jn: 1..365, February 29 never counted */
    d = r->day - 1;
    if (t_time_is_leap(year) && d >= 59) d++;
    break;
  case T_TZ_RULE_N: /* n: 0..365 */
    d = r->day;
    break;
  default: { /* Mm.w.d: day d of week w (5 = last) of month m */
    int64_t first = t_time_days_from_civil(year, r->mon, 1);
    int64_t dow = ((first + 4) % 7 + 7) % 7;
    int dim = t_time_days_in_month(year, r->mon);
    d = r->day - dow;
    if (d < 0) d += 7;
    for (int i = 1; i < r->week; i++) {
      if (d + 7 >= dim) break;
      d += 7;
    }
    d += first - t_time_days_from_civil(year, 1, 1);
    break;
  }
  }
  return d * 86400 + r->time - off;
}

/*
** Go compares the seconds into the UTC year with both transitions of that
** year; when the end comes first (southern hemisphere) the roles swap.
*/
static int32_t zone__rule_offset(const t_tz_rule *r, int64_t sec) {
  if (r->start.kind == T_TZ_RULE_NONE) return r->std;
  int64_t year;
  int month, day;
  t_time_civil_from_days(zone__fdiv(sec, 86400), &year, &month, &day);
  int64_t ysec = sec - t_time_days_from_civil(year, 1, 1) * 86400;
  int64_t a = zone__rule_time(year, &r->start, r->std);
  int64_t b = zone__rule_time(year, &r->end, r->dst);
  int32_t std = r->std, dst = r->dst;
  if (b < a) {
    int64_t t = a; a = b; b = t;
    int32_t o = std; std = dst; dst = o;
  }
  return (ysec < a || ysec >= b) ? std : dst;
}

/* }====================================================== */

/*
** {======================================================
** Compiled zones
** =======================================================
*/

static uint64_t zone__varint(const uint8_t **p) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return v;
}

/*
** Go's Location.lookup: before the first transition the zone's first
** standard zone (precomputed as `initial`), then the transitions, and from
** the last one on the footer rule when the zone has one. The transitions
** are a varint stream (encoding in gen-tzdata.mjs), read front to back:
** at most a few hundred per zone, so no index is kept.
*/
static int32_t zone__offset(size_t zi, int64_t sec) {
  const t_tz_zone *z = &t_tz_zones[zi];
  const uint8_t *p = t_tz_data + z->data;
  uint64_t u = zone__varint(&p);
  int64_t when = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
  uint64_t oi = zone__varint(&p);
  if (sec < when) return t_tz_offsets[z->initial];
  for (unsigned i = 1; i < z->ntrans; i++) {
    uint64_t g = zone__varint(&p);
    int64_t gap = !(g & 1) ? (int64_t)(g >> 1) * 3600 : (g & 3) == 1 ? (int64_t)(g >> 2) * 60 : (int64_t)(g >> 2);
    int64_t next;
    if (__builtin_add_overflow(when, gap, &next) || sec < next) return t_tz_offsets[oi];
    when = next;
    oi = zone__varint(&p);
  }
  if (z->rule >= 0) return zone__rule_offset(&t_tz_rules[z->rule], sec);
  return t_tz_offsets[oi];
}

/* Binary search of the sorted name index; -1 when absent. */
static int32_t zone__find(const char *name, size_t len) {
  size_t lo = 0, hi = t_tz_name_count;
  t_str key = {name, len};
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    t_str cand = {t_tz_names + t_tz_index[mid].name, t_tz_index[mid].len};
    int c = t_str_cmp(cand, key);
    if (c == 0) return t_tz_index[mid].zone;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

#else

static int32_t zone__offset(size_t zi, int64_t sec) {
  (void)zi;
  (void)sec;
  return 0;
}

static int32_t zone__find(const char *name, size_t len) {
  (void)name;
  (void)len;
  return -1;
}

#endif

/* }====================================================== */

/* Go's strconv.Atoi: an optional sign and at least one digit, nothing else. */
static bool zone__atoi(const char *s, size_t len, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  int64_t v = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == len) return false;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) return false;
  }
  *out = neg ? -v : v;
  return true;
}

tally_status t_zone_lookup(const char *name, size_t len, t_zone *out, tally_error *err) {
  size_t colon = 0;
  while (colon < len && name[colon] != ':') colon++;
  int shown = (int)T_MIN(len, 64);
  if (colon == len) {
    t_str n = {name, len};
    if (len == 0 || t_str_eq_cstr(n, "UTC") || t_str_eq_cstr(n, "Local")) {
      out->fixed = 0;
      out->index = -1;
      return TALLY_OK;
    }
    int32_t zi = zone__find(name, len);
    if (zi < 0) return t_error_set(err, TALLY_ERR_EVAL, "unknown time zone %.*s", shown, name);
    out->fixed = 0;
    out->index = zi;
    return TALLY_OK;
  }
  /* cel-go: hours and minutes around the first ':', the sign taken from the first byte. */
  int64_t hr, min;
  if (!zone__atoi(name, colon, &hr) || !zone__atoi(name + colon + 1, len - colon - 1, &min))
    return t_error_set(err, TALLY_ERR_EVAL, "invalid time zone offset %.*s", shown, name);
  if (min < 0 || min > 59)
    return t_error_set(err, TALLY_ERR_EVAL, "timezone offset minutes out of range [0, 59]: %.*s", shown, name);
  /* Go would wrap a huge offset around; keep it to what int32 seconds hold. */
  if (hr > 500000 || hr < -500000)
    return t_error_set(err, TALLY_ERR_EVAL, "timezone offset out of range: %.*s", shown, name);
  int64_t minutes = name[0] == '-' ? hr * 60 - min : hr * 60 + min;
  out->fixed = (int32_t)(minutes * 60);
  out->index = -1;
  return TALLY_OK;
}

int32_t t_zone_offset_at(t_zone z, int64_t unix_sec) {
  if (z.index < 0) return z.fixed;
  return zone__offset((size_t)z.index, unix_sec);
}

tally_status t_time_civil_in(t_timestamp ts, const char *name, size_t len, t_civil *out, tally_error *err) {
  t_zone z;
  tally_status st = t_zone_lookup(name, len, &z, err);
  if (st != TALLY_OK) return st;
  t_time_civil(ts, t_zone_offset_at(z, ts.sec), out);
  return TALLY_OK;
}

tally_status t_time_get(t_timestamp ts, t_time_field f, const char *zone, size_t zone_len, int64_t *out,
                        tally_error *err) {
  t_civil c;
  if (zone) {
    tally_status st = t_time_civil_in(ts, zone, zone_len, &c, err);
    if (st != TALLY_OK) return st;
  } else {
    t_time_civil(ts, 0, &c);
  }
  *out = t_time_field_of(&c, f);
  return TALLY_OK;
}
