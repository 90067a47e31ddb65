/*
** time.h - timestamps, durations, civil time and time zones for CEL.
**
** The behaviour follows cel-go, which leans on Go's time package:
** timestamp(string) is Go's time.Parse(time.RFC3339, s); duration(string)
** is time.ParseDuration; string(duration) is the seconds with the fraction
** trimmed and an "s"; a zone argument is an IANA name (Go's LoadLocation,
** case-sensitive) or a "[+-]HH:MM" offset. Zone data is compiled in at
** build time (tools/gen-tzdata.mjs), so no file system is needed.
**
** Ranges: a timestamp lies in 0001-01-01T00:00:00Z ..
** 9999-12-31T23:59:59.999999999Z. A duration is what Go's time.Duration
** holds, an int64 count of nanoseconds (about +-292 years): cel-go, cel-es
** and the conformance suite all reject a timestamp difference of ten
** thousand years, so the wider protobuf range (+-10000 years) would not
** match them. Leaving a range is TALLY_ERR_RANGE; bad text TALLY_ERR_EVAL.
** All arithmetic is exact integer arithmetic; the one float64 step is
** string(duration), which reproduces cel-go's own float64 rounding.
** Nothing here allocates.
*/
#ifndef TALLY_TIME_H
#define TALLY_TIME_H

#include "util/base.h"

/* A point in time: seconds since 1970-01-01T00:00:00Z plus 0..999999999 ns. */
typedef struct t_timestamp {
  int64_t sec;
  int32_t nsec;
} t_timestamp;

/*
** A span of time: seconds plus nanoseconds, both of the same sign (as
** google.protobuf.Duration), |nsec| <= 999999999.
*/
typedef struct t_duration {
  int64_t sec;
  int32_t nsec;
} t_duration;

#define T_TIME_MIN_SEC (-62135596800LL)  /* 0001-01-01T00:00:00Z */
#define T_TIME_MAX_SEC 253402300799LL    /* 9999-12-31T23:59:59Z */
#define T_TIME_NANOS 1000000000

/* Buffer sizes (with the NUL) for the formatters. */
#define T_TIMESTAMP_FMT_MAX 40
#define T_DURATION_FMT_MAX 32

/* ** {====== Timestamps */

TALLY_INTERNAL bool t_time_valid(t_timestamp ts);

/* Seconds (and nanos 0..999999999) since the epoch; range-checked. */
TALLY_INTERNAL tally_status t_time_from_unix(int64_t sec, int32_t nsec, t_timestamp *out,
                                             tally_error *err);

/*
** RFC 3339 as Go's time.Parse(time.RFC3339, s) reads it: "2009-02-13T23:31:30Z",
** a fraction of any length after '.' or ',' (digits past the ninth are
** dropped), "Z" or "+hh:mm"/"-hh:mm". Upper-case T and Z only, as Go.
** TALLY_ERR_EVAL for malformed text, TALLY_ERR_RANGE outside the years 1..9999.
*/
TALLY_INTERNAL tally_status t_time_parse(const char *s, size_t len, t_timestamp *out,
                                         tally_error *err);

/*
** RFC 3339 in UTC with the fraction trimmed of trailing zeros, as cel-go's
** string(timestamp): "2009-02-13T23:31:30Z", "2009-02-13T23:31:30.5Z".
** out holds T_TIMESTAMP_FMT_MAX bytes; writes a NUL, returns the length.
*/
TALLY_INTERNAL size_t t_time_format(t_timestamp ts, char *out);

TALLY_INTERNAL int t_time_cmp(t_timestamp a, t_timestamp b);

/* ts + d, ts - d, a - b; TALLY_ERR_RANGE when the result leaves its range. */
TALLY_INTERNAL tally_status t_time_add(t_timestamp ts, t_duration d, t_timestamp *out, tally_error *err);
TALLY_INTERNAL tally_status t_time_sub(t_timestamp ts, t_duration d, t_timestamp *out, tally_error *err);
TALLY_INTERNAL tally_status t_time_diff(t_timestamp a, t_timestamp b, t_duration *out, tally_error *err);

/* }====== */

/* ** {====== Durations */

TALLY_INTERNAL bool t_dur_valid(t_duration d);

/* Every int64 nanosecond count is a valid duration. */
TALLY_INTERNAL t_duration t_dur_from_nanos(int64_t ns);
/* The nanosecond count (always fits, by the range above). */
TALLY_INTERNAL int64_t t_dur_to_nanos(t_duration d);
/* Whole seconds; TALLY_ERR_RANGE beyond the int64-nanosecond range. */
TALLY_INTERNAL tally_status t_dur_from_seconds(int64_t sec, t_duration *out, tally_error *err);

/*
** Go's time.ParseDuration: "1h2m3.5s", "-1.5h", "100ms", "1us", "1µs",
** "1ns", "0", "+5m". Units ns us µs μs ms s m h. Fractions are exact.
*/
TALLY_INTERNAL tally_status t_dur_parse(const char *s, size_t len, t_duration *out, tally_error *err);

/*
** cel-go's string(duration), strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
** + "s": "1.5s", "3600s", "-0.000000001s", "0s"; past ~15 significant
** digits the float64 shows ("9223372036.854776s"). out holds
** T_DURATION_FMT_MAX bytes; writes a NUL, returns the length.
*/
TALLY_INTERNAL size_t t_dur_format(t_duration d, char *out);

TALLY_INTERNAL int t_dur_cmp(t_duration a, t_duration b);
TALLY_INTERNAL tally_status t_dur_add(t_duration a, t_duration b, t_duration *out, tally_error *err);
TALLY_INTERNAL tally_status t_dur_sub(t_duration a, t_duration b, t_duration *out, tally_error *err);
TALLY_INTERNAL tally_status t_dur_neg(t_duration a, t_duration *out, tally_error *err);

/*
** CEL's duration accessors: getHours, getMinutes, getSeconds truncate the
** total toward zero; getMilliseconds is the millisecond part of the
** fraction (123.321456789s -> 321), as the conformance suite expects.
*/
TALLY_INTERNAL int64_t t_dur_hours(t_duration d);
TALLY_INTERNAL int64_t t_dur_minutes(t_duration d);
TALLY_INTERNAL int64_t t_dur_seconds(t_duration d);
TALLY_INTERNAL int64_t t_dur_millis(t_duration d);
/* The whole duration in milliseconds, truncated (cel-go's getMilliseconds). */
TALLY_INTERNAL int64_t t_dur_total_millis(t_duration d);

/* }====== */

/* ** {====== Civil time (proleptic Gregorian) */

/* Days since 1970-01-01 of year/month(1-12)/day(1-31); any int64-safe year. */
TALLY_INTERNAL int64_t t_time_days_from_civil(int64_t year, int month, int day);
TALLY_INTERNAL void t_time_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
TALLY_INTERNAL bool t_time_is_leap(int64_t year);
TALLY_INTERNAL int t_time_days_in_month(int64_t year, int month);

/* A broken-down local time. */
typedef struct t_civil {
  int64_t year;      /* getFullYear */
  int month;         /* 1..12 (getMonth is month - 1) */
  int day;           /* 1..31 (getDate; getDayOfMonth is day - 1) */
  int hour, minute, second;
  int32_t nsec;      /* getMilliseconds is nsec / 1000000 */
  int wday;          /* 0 = Sunday (getDayOfWeek) */
  int yday;          /* 0-based day of the year (getDayOfYear) */
  int32_t offset;    /* seconds east of UTC that were applied */
} t_civil;

/* Civil time of ts at a fixed offset (seconds east of UTC). */
TALLY_INTERNAL void t_time_civil(t_timestamp ts, int32_t offset, t_civil *out);

/* }====== */

/* ** {====== Zones */

/*
** A resolved zone: a fixed offset, or an entry of the compiled tz table.
** Plain value, nothing to free.
*/
typedef struct t_zone {
  int32_t fixed;     /* the offset when index < 0 */
  int32_t index;     /* zone data index, or -1 for a fixed offset */
} t_zone;

/*
** Resolves a CEL zone argument as cel-go does: text without ':' is an IANA
** name ("" and "UTC" are UTC; "Local" is taken as UTC, there is no host
** zone here); text with ':' is "[+-]H...:MM", hours and minutes read as
** Go's Atoi, minutes 0..59. TALLY_ERR_EVAL for an unknown name.
*/
TALLY_INTERNAL tally_status t_zone_lookup(const char *name, size_t len, t_zone *out, tally_error *err);

/* UTC offset (seconds east) of the zone at an instant. */
TALLY_INTERNAL int32_t t_zone_offset_at(t_zone z, int64_t unix_sec);

/* Civil time of ts in the zone named by `name` (t_zone_lookup + t_time_civil). */
TALLY_INTERNAL tally_status t_time_civil_in(t_timestamp ts, const char *name, size_t len,
                                            t_civil *out, tally_error *err);

/* CEL's timestamp accessors, by field. */
typedef enum t_time_field {
  T_TIME_FULL_YEAR,     /* getFullYear */
  T_TIME_MONTH,         /* getMonth, 0-based */
  T_TIME_DAY_OF_YEAR,   /* getDayOfYear, 0-based */
  T_TIME_DATE,          /* getDate, 1-based */
  T_TIME_DAY_OF_MONTH,  /* getDayOfMonth, 0-based */
  T_TIME_DAY_OF_WEEK,   /* getDayOfWeek, Sunday = 0 */
  T_TIME_HOURS,         /* getHours */
  T_TIME_MINUTES,       /* getMinutes */
  T_TIME_SECONDS,       /* getSeconds */
  T_TIME_MILLISECONDS   /* getMilliseconds */
} t_time_field;

TALLY_INTERNAL int64_t t_time_field_of(const t_civil *c, t_time_field f);

/*
** One accessor call: zone may be NULL (UTC, the one-argument form) or the
** zone argument's text.
*/
TALLY_INTERNAL tally_status t_time_get(t_timestamp ts, t_time_field f, const char *zone, size_t zone_len,
                                       int64_t *out, tally_error *err);

/* }====== */

#endif
