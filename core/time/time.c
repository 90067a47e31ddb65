/*
** time.c - timestamps, durations and civil time (see time.h). Zones and
** the compiled tz data are in zone.c.
*/
#include "time/time.h"
#include "util/buf.h"
#include "util/double.h"
#include "util/error.h"

#define NS T_TIME_NANOS

/* Floor division and modulo: pre-1970 instants have negative seconds. */
static int64_t time__fdiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}
static int64_t time__fmod(int64_t a, int64_t b) {
  return a - time__fdiv(a, b) * b;
}

/*
** {======================================================
** Civil time
** =======================================================
*/

bool t_time_is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int t_time_days_in_month(int64_t year, int month) {
  static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return days[month - 1] + (month == 2 && t_time_is_leap(year));
}

/*
** Howard Hinnant's days-from-civil: years counted from March, so the leap
** day ends the year, and 400-year eras of 146097 days.
*/
int64_t t_time_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = time__fdiv(y, 400);
  int64_t yoe = y - era * 400;                                   /* 0..399 */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
  return era * 146097 + doe - 719468;
}

void t_time_civil_from_days(int64_t z, int64_t *year, int *month, int *day) {
  z += 719468;
  int64_t era = time__fdiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = m;
  *year = yoe + era * 400 + (m <= 2);
}

void t_time_civil(t_timestamp ts, int32_t offset, t_civil *out) {
  int64_t local = ts.sec + offset;
  int64_t days = time__fdiv(local, 86400);
  int64_t secs = local - days * 86400;
  t_time_civil_from_days(days, &out->year, &out->month, &out->day);
  out->hour = (int)(secs / 3600);
  out->minute = (int)(secs / 60 % 60);
  out->second = (int)(secs % 60);
  out->nsec = ts.nsec;
  out->wday = (int)time__fmod(days + 4, 7); /* 1970-01-01 was a Thursday */
  out->yday = (int)(days - t_time_days_from_civil(out->year, 1, 1));
  out->offset = offset;
}

int64_t t_time_field_of(const t_civil *c, t_time_field f) {
  switch (f) {
  case T_TIME_FULL_YEAR: return c->year;
  case T_TIME_MONTH: return c->month - 1;
  case T_TIME_DAY_OF_YEAR: return c->yday;
  case T_TIME_DATE: return c->day;
  case T_TIME_DAY_OF_MONTH: return c->day - 1;
  case T_TIME_DAY_OF_WEEK: return c->wday;
  case T_TIME_HOURS: return c->hour;
  case T_TIME_MINUTES: return c->minute;
  case T_TIME_SECONDS: return c->second;
  case T_TIME_MILLISECONDS: return c->nsec / 1000000;
  }
  return 0;
}

/* }====================================================== */

/*
** {======================================================
** Timestamps
** =======================================================
*/

bool t_time_valid(t_timestamp ts) {
  return ts.sec >= T_TIME_MIN_SEC && ts.sec <= T_TIME_MAX_SEC && ts.nsec >= 0 && ts.nsec < NS;
}

static tally_status time__range(tally_error *err) {
  return t_error_set(err, TALLY_ERR_RANGE, "timestamp out of range");
}

tally_status t_time_from_unix(int64_t sec, int32_t nsec, t_timestamp *out, tally_error *err) {
  t_timestamp ts = {sec, nsec};
  if (!t_time_valid(ts)) return time__range(err);
  *out = ts;
  return TALLY_OK;
}

int t_time_cmp(t_timestamp a, t_timestamp b) {
  if (a.sec != b.sec) return a.sec < b.sec ? -1 : 1;
  if (a.nsec != b.nsec) return a.nsec < b.nsec ? -1 : 1;
  return 0;
}

static bool time__digit(char c) { return c >= '0' && c <= '9'; }

/* Exactly n digits at s[*i]; false when they are not there. */
static bool time__fixed(const char *s, size_t len, size_t *i, int n, int *out) {
  int v = 0;
  if (len - *i < (size_t)n) return false;
  for (int k = 0; k < n; k++) {
    char c = s[*i + k];
    if (!time__digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

static bool time__lit(const char *s, size_t len, size_t *i, char c) {
  if (*i >= len || s[*i] != c) return false;
  (*i)++;
  return true;
}

/*
** Go's general layout parser, which time.Parse falls back to when its
** strict RFC 3339 fast path declines: the hour may have one digit, the
** fraction may follow ',' and have any length, offset hours go to 24.
*/
tally_status t_time_parse(const char *s, size_t len, t_timestamp *out, tally_error *err) {
  size_t i = 0;
  int year, month, day, hour = 0, min, sec, nsec = 0;
  const char *what = NULL;
  if (!time__fixed(s, len, &i, 4, &year) || !time__lit(s, len, &i, '-') ||
      !time__fixed(s, len, &i, 2, &month) || !time__lit(s, len, &i, '-') ||
      !time__fixed(s, len, &i, 2, &day) || !time__lit(s, len, &i, 'T'))
    goto bad;
  if (i >= len || !time__digit(s[i])) goto bad;
  hour = s[i++] - '0';
  if (i < len && time__digit(s[i])) hour = hour * 10 + (s[i++] - '0');
  if (!time__lit(s, len, &i, ':') || !time__fixed(s, len, &i, 2, &min) ||
      !time__lit(s, len, &i, ':') || !time__fixed(s, len, &i, 2, &sec))
    goto bad;
  if (i + 1 < len && (s[i] == '.' || s[i] == ',') && time__digit(s[i + 1])) {
    int digits = 0;
    for (i++; i < len && time__digit(s[i]); i++, digits++)
      if (digits < 9) nsec = nsec * 10 + (s[i] - '0');
    for (; digits < 9; digits++) nsec *= 10;
  }
  int offset = 0;
  if (i < len && s[i] == 'Z') {
    i++;
  } else {
    int oh, om;
    if (i >= len || (s[i] != '+' && s[i] != '-')) goto bad;
    char sign = s[i++];
    if (!time__fixed(s, len, &i, 2, &oh) || !time__lit(s, len, &i, ':') ||
        !time__fixed(s, len, &i, 2, &om))
      goto bad;
    if (oh > 24) what = "time zone offset hour";
    else if (om > 60) what = "time zone offset minute";
    offset = (oh * 60 + om) * 60 * (sign == '-' ? -1 : 1);
  }
  if (i != len) goto bad;
  if (month < 1 || month > 12) what = "month";
  else if (day < 1 || day > t_time_days_in_month(year, month)) what = "day";
  else if (hour > 23) what = "hour";
  else if (min > 59) what = "minute";
  else if (sec > 59) what = "second";
  if (what)
    return t_error_set(err, TALLY_ERR_EVAL, "timestamp \"%.*s\": %s out of range",
                       (int)T_MIN(len, 64), s, what);
  int64_t secs = t_time_days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
  return t_time_from_unix(secs, nsec, out, err);
bad:
  return t_error_set(err, TALLY_ERR_EVAL, "timestamp \"%.*s\": not RFC 3339 (want 2006-01-02T15:04:05Z07:00)",
                     (int)T_MIN(len, 64), s);
}

static char *time__put2(char *p, int v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
  return p + 2;
}

/* ".5", ".000000001": the nine digits of nsec without trailing zeros. */
static char *time__put_frac(char *p, int32_t nsec) {
  if (nsec == 0) return p;
  char d[9];
  for (int k = 8; k >= 0; k--) {
    d[k] = (char)('0' + nsec % 10);
    nsec /= 10;
  }
  int n = 9;
  while (d[n - 1] == '0') n--;
  *p++ = '.';
  for (int k = 0; k < n; k++) *p++ = d[k];
  return p;
}

size_t t_time_format(t_timestamp ts, char *out) {
  t_civil c;
  char *p = out;
  t_time_civil(ts, 0, &c);
  /* The valid range keeps the year in 1..9999, four digits. */
  int64_t y = c.year < 0 ? 0 : c.year > 9999 ? 9999 : c.year;
  p = time__put2(p, (int)(y / 100));
  p = time__put2(p, (int)(y % 100));
  *p++ = '-';
  p = time__put2(p, c.month);
  *p++ = '-';
  p = time__put2(p, c.day);
  *p++ = 'T';
  p = time__put2(p, c.hour);
  *p++ = ':';
  p = time__put2(p, c.minute);
  *p++ = ':';
  p = time__put2(p, c.second);
  p = time__put_frac(p, ts.nsec);
  *p++ = 'Z';
  *p = '\0';
  return (size_t)(p - out);
}

tally_status t_time_add(t_timestamp ts, t_duration d, t_timestamp *out, tally_error *err) {
  /* Both operands are range-limited, so the sums below cannot overflow. */
  int64_t sec = ts.sec + d.sec;
  int64_t nsec = (int64_t)ts.nsec + d.nsec;
  if (nsec < 0) { nsec += NS; sec--; }
  else if (nsec >= NS) { nsec -= NS; sec++; }
  return t_time_from_unix(sec, (int32_t)nsec, out, err);
}

tally_status t_time_sub(t_timestamp ts, t_duration d, t_timestamp *out, tally_error *err) {
  t_duration neg = {-d.sec, -d.nsec};
  return t_time_add(ts, neg, out, err);
}

static tally_status dur__range(tally_error *err) {
  return t_error_set(err, TALLY_ERR_RANGE, "duration out of range");
}

tally_status t_time_diff(t_timestamp a, t_timestamp b, t_duration *out, tally_error *err) {
  int64_t sec = a.sec - b.sec, ns;
  if (__builtin_mul_overflow(sec, (int64_t)NS, &ns) ||
      __builtin_add_overflow(ns, (int64_t)a.nsec - b.nsec, &ns))
    return dur__range(err);
  *out = t_dur_from_nanos(ns);
  return TALLY_OK;
}

/* }====================================================== */

/*
** {======================================================
** Durations
** =======================================================
*/

#define DUR_MAX_SEC (INT64_MAX / NS)   /* 9223372036 */
#define DUR_MAX_NSEC (INT64_MAX % NS)  /* 854775807 */

bool t_dur_valid(t_duration d) {
  if (d.nsec <= -NS || d.nsec >= NS) return false;
  if ((d.sec > 0 && d.nsec < 0) || (d.sec < 0 && d.nsec > 0)) return false;
  if (d.sec > DUR_MAX_SEC || (d.sec == DUR_MAX_SEC && d.nsec > DUR_MAX_NSEC)) return false;
  if (d.sec < -DUR_MAX_SEC || (d.sec == -DUR_MAX_SEC && d.nsec < -DUR_MAX_NSEC - 1)) return false;
  return true;
}

t_duration t_dur_from_nanos(int64_t ns) {
  t_duration d = {ns / NS, (int32_t)(ns % NS)};
  return d;
}

int64_t t_dur_to_nanos(t_duration d) {
  /* Valid durations fit: compute in a way that cannot overflow at INT64_MIN. */
  return d.sec * NS + d.nsec;
}

tally_status t_dur_from_seconds(int64_t sec, t_duration *out, tally_error *err) {
  if (sec > DUR_MAX_SEC || sec < -DUR_MAX_SEC) return dur__range(err);
  out->sec = sec;
  out->nsec = 0;
  return TALLY_OK;
}

int t_dur_cmp(t_duration a, t_duration b) {
  int64_t x = t_dur_to_nanos(a), y = t_dur_to_nanos(b);
  return x < y ? -1 : x > y;
}

tally_status t_dur_add(t_duration a, t_duration b, t_duration *out, tally_error *err) {
  int64_t ns;
  if (__builtin_add_overflow(t_dur_to_nanos(a), t_dur_to_nanos(b), &ns)) return dur__range(err);
  *out = t_dur_from_nanos(ns);
  return TALLY_OK;
}

tally_status t_dur_sub(t_duration a, t_duration b, t_duration *out, tally_error *err) {
  int64_t ns;
  if (__builtin_sub_overflow(t_dur_to_nanos(a), t_dur_to_nanos(b), &ns)) return dur__range(err);
  *out = t_dur_from_nanos(ns);
  return TALLY_OK;
}

tally_status t_dur_neg(t_duration a, t_duration *out, tally_error *err) {
  int64_t ns = t_dur_to_nanos(a);
  if (ns == INT64_MIN) return dur__range(err);
  *out = t_dur_from_nanos(-ns);
  return TALLY_OK;
}

int64_t t_dur_hours(t_duration d) { return d.sec / 3600; }
int64_t t_dur_minutes(t_duration d) { return d.sec / 60; }
int64_t t_dur_seconds(t_duration d) { return d.sec; }
int64_t t_dur_millis(t_duration d) { return d.nsec / 1000000; }
int64_t t_dur_total_millis(t_duration d) { return d.sec * 1000 + d.nsec / 1000000; }

/*
** cel-go prints strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s", and
** Seconds() is float64(sec) + float64(nsec)/1e9: the same two IEEE
** operations here, then the shortest digits in fixed notation, so that long
** durations come out rounded exactly as cel-go rounds them.
*/
size_t t_dur_format(t_duration d, char *out) {
  char digits[17], *p = out;
  int point = 0;
  double secs = (double)d.sec + (double)d.nsec / 1e9;
  int n = t_dbl_shortest(secs, digits, &point);
  if (secs < 0) *p++ = '-';
  if (n == 0) {
    *p++ = '0';
  } else if (point <= 0) {
    *p++ = '0';
    *p++ = '.';
    for (int k = point; k < 0; k++) *p++ = '0';
    for (int k = 0; k < n; k++) *p++ = digits[k];
  } else {
    for (int k = 0; k < point; k++) *p++ = k < n ? digits[k] : '0';
    if (point < n) {
      *p++ = '.';
      for (int k = point; k < n; k++) *p++ = digits[k];
    }
  }
  *p++ = 's';
  *p = '\0';
  return (size_t)(p - out);
}

/*
** Go's unit table. "µs" is U+00B5 (micro sign), "μs" U+03BC (Greek mu);
** Go accepts both.
*/
static const struct { const char *name; uint64_t ns; } dur__units[] = {
  {"ns", 1}, {"us", 1000}, {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
  {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000ULL}, {"h", 3600000000000ULL},
};

/*
** time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or a bare "0". The
** total is accumulated as an unsigned magnitude up to 2^63 so that the
** most negative duration parses. A fraction is applied exactly: floor of
** unit x 0.d1d2..dk, folded from the last digit (floor((n + x) / 10) ==
** floor((n + floor(x)) / 10) for integer n), where Go goes through a
** float64; the two agree except at the last nanosecond of rare inputs.
*/
tally_status t_dur_parse(const char *s, size_t len, t_duration *out, tally_error *err) {
  const uint64_t lim = (uint64_t)1 << 63;
  size_t i = 0;
  bool neg = false;
  uint64_t total = 0;
  const char *why = "invalid duration";
  if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (len - i == 1 && s[i] == '0') { out->sec = 0; out->nsec = 0; return TALLY_OK; }
  if (i == len) goto bad;
  while (i < len) {
    uint64_t v = 0;
    bool overflow = false;
    size_t start = i, fstart, fend;
    if (!(s[i] == '.' || time__digit(s[i]))) goto bad;
    for (; i < len && time__digit(s[i]); i++) {
      if (v > (lim - (uint64_t)(s[i] - '0')) / 10) overflow = true;
      else v = v * 10 + (uint64_t)(s[i] - '0');
    }
    bool pre = i > start, post = false;
    fstart = fend = i;
    if (i < len && s[i] == '.') {
      fstart = ++i;
      while (i < len && time__digit(s[i])) i++;
      fend = i;
      post = fend > fstart;
    }
    if (!pre && !post) goto bad;
    if (overflow) goto range;
    size_t ustart = i;
    while (i < len && s[i] != '.' && !time__digit(s[i])) i++;
    if (i == ustart) { why = "missing unit in duration"; goto bad; }
    uint64_t unit = 0;
    for (size_t k = 0; k < T_ARRAY_LEN(dur__units); k++)
      if (t_strlen(dur__units[k].name) == i - ustart &&
          t_memcmp(dur__units[k].name, s + ustart, i - ustart) == 0)
        unit = dur__units[k].ns;
    if (!unit) { why = "unknown unit in duration"; goto bad; }
    if (v > lim / unit) goto range;
    v *= unit;
    uint64_t frac = 0;
    for (size_t k = fend; k > fstart; k--) frac = ((uint64_t)(s[k - 1] - '0') * unit + frac) / 10;
    v += frac;
    if (v > lim) goto range;
    total += v;
    if (total > lim) goto range;
  }
  if (!neg && total > lim - 1) goto range;
  *out = t_dur_from_nanos(neg ? (int64_t)(0 - total) : (int64_t)total);
  return TALLY_OK;
range:
  return t_error_set(err, TALLY_ERR_RANGE, "duration \"%.*s\": out of range", (int)T_MIN(len, 64), s);
bad:
  return t_error_set(err, TALLY_ERR_EVAL, "duration \"%.*s\": %s", (int)T_MIN(len, 64), s, why);
}

/* }====================================================== */
