/*
** test_billing.c - usage billing math (spec billing.md): every worked
** vector, window boundaries, UTC anchors, keys, zero limits, rounding to
** the cent, credits with expiry, price tiers, the binary and window-sum
** paths, the JSON statement, and a failing-allocation loop.
*/
#include "check.h"
#include "tally/billing.h"
#include "tally/decimal.h"

#define DAY 86400000LL
#define WEEK (7 * DAY)

static check_alloc counts;
static tally_allocator A;

static tally_decimal D(const char *s) {
  tally_decimal d;
  tally_error e;
  if (tally_decimal_parse(s, strlen(s), &d, &e) != TALLY_OK) {
    fprintf(stderr, "bad decimal in test: %s\n", s);
    exit(2);
  }
  return d;
}

/* Canonical text of a decimal, in one of a few rotating buffers. */
static const char *S(tally_decimal d) {
  static char bufs[8][TALLY_DECIMAL_TEXT_MAX];
  static int k;
  char *b = bufs[k++ & 7];
  tally_decimal_format(d, b);
  return b;
}

/* A 30-day period from 0 with `included` 30 and refresh 0.25/day. */
static tally_billing_request base_request(void) {
  tally_billing_request r;
  tally_billing_request_init(&r);
  r.entity = "org:acme";
  r.entity_len = 8;
  r.period_start = 0;
  r.period_end = 30 * DAY;
  r.now = 30 * DAY;
  r.plan.included = D("30");
  r.plan.has_refresh = true;
  r.plan.refresh_per_seat = D("0.25");
  return r;
}

static tally_billing *open_bill(const tally_billing_request *r) {
  tally_billing *b = NULL;
  tally_error e;
  tally_status s = tally_billing_new(&A, r, &b, &e);
  if (s) fprintf(stderr, "tally_billing_new: %s\n", e.message);
  CHECK_INT(s, TALLY_OK);
  return b;
}

static void row(tally_billing *b, int64_t t, const char *cost, const char *user, const char *key) {
  tally_error e;
  tally_status s = tally_billing_add_row(b, t, D(cost), user, user ? strlen(user) : 0, key, key ? strlen(key) : 0, &e);
  if (s) fprintf(stderr, "add_row: %s\n", e.message);
  CHECK_INT(s, TALLY_OK);
}

static tally_billing_statement compute(tally_billing *b) {
  tally_billing_statement st;
  tally_error e;
  tally_status s = tally_billing_compute(b, &st, &e);
  if (s) fprintf(stderr, "compute: %s\n", e.message);
  CHECK_INT(s, TALLY_OK);
  return st;
}

/*
** {======================================================
** Worked vectors
** =======================================================
*/

static void test_refresh_vectors(void) {
  /* 0.25/day, day totals 0.50, 0.10, 1.00: refresh 0.60 */
  tally_billing_request r = base_request();
  tally_billing *b = open_bill(&r);
  row(b, 0 * DAY + 5, "0.30", "u1", NULL);
  row(b, 0 * DAY + 9, "0.20", "u2", NULL);
  row(b, 1 * DAY, "0.10", "u1", NULL);
  row(b, 2 * DAY + 100, "1.00", NULL, NULL);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.refresh), "0.6");
  CHECK_STR(S(st.raw), "1.6");
  CHECK_STR(S(st.effective), "1");
  CHECK_INT(tally_billing_window_count(b), 3);
  int64_t ws;
  tally_decimal wu, wr;
  tally_billing_window_get(b, 1, &ws, &wu, &wr);
  CHECK_INT(ws, DAY);
  CHECK_STR(S(wu), "0.1");
  CHECK_STR(S(wr), "0.1");
  CHECK_INT(tally_billing_user_count(b), 2);
  const char *name;
  size_t len;
  tally_decimal u;
  tally_billing_user_get(b, 0, &name, &len, &u);
  CHECK(len == 2 && memcmp(name, "u1", 2) == 0);
  CHECK_STR(S(u), "0.4");
  tally_billing_free(b);

  /* 1.00/seat, 3 seats, one day of 2.00: refresh 2.00 */
  r = base_request();
  r.plan.refresh_per_seat = D("1");
  r.plan.seats = 3;
  b = open_bill(&r);
  row(b, 3 * DAY, "2.00", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.refresh), "2");
  tally_billing_free(b);

  /* 1.00/seat, 2 seats, one day of 50.00: refresh 2.00 */
  r.plan.seats = 2;
  b = open_bill(&r);
  row(b, 3 * DAY, "50.00", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.refresh), "2");
  CHECK_STR(S(st.effective), "48");
  tally_billing_free(b);

  /* no rows: refresh 0 */
  b = open_bill(&r);
  st = compute(b);
  CHECK_STR(S(st.refresh), "0");
  CHECK_STR(S(st.raw), "0");
  CHECK_INT(tally_billing_window_count(b), 0);
  tally_billing_free(b);
}

static void every_day(tally_billing *b, const char *cost) {
  for (int d = 0; d < 30; d++) row(b, d * DAY + 3600000, cost, "u1", NULL);
}

static void test_statement_vectors(void) {
  tally_billing_request r = base_request();
  tally_billing *b = open_bill(&r);
  every_day(b, "1");
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "30");
  CHECK_STR(S(st.refresh), "7.5");
  CHECK_STR(S(st.effective), "22.5");
  CHECK_STR(S(st.overage), "0");
  CHECK_STR(S(st.included), "30");
  CHECK_STR(S(st.limit), "30");
  CHECK_INT(st.percent_used, 7500);
  CHECK_INT(st.status, TALLY_BILLING_OK);
  tally_billing_free(b);

  b = open_bill(&r);
  every_day(b, "2");
  st = compute(b);
  CHECK_STR(S(st.raw), "60");
  CHECK_STR(S(st.refresh), "7.5");
  CHECK_STR(S(st.effective), "52.5");
  CHECK_STR(S(st.overage), "22.5");
  CHECK_INT(st.percent_used, 10000);
  CHECK_INT(st.status, TALLY_BILLING_EXCEEDED);
  tally_billing_free(b);

  /* 5 seats: included 150, allowance 1.25 per pooled day */
  r.plan.seats = 5;
  b = open_bill(&r);
  every_day(b, "2");
  st = compute(b);
  CHECK_STR(S(st.included), "150");
  CHECK_STR(S(st.refresh), "37.5");
  CHECK_STR(S(st.effective), "22.5");
  CHECK_INT(st.percent_used, 1500);
  tally_billing_free(b);

  /* warning: 80% of a limit of 50 */
  r = base_request();
  r.plan.has_limit = true;
  r.plan.limit = D("50");
  r.plan.has_refresh = false;
  r.now = 10 * DAY;
  b = open_bill(&r);
  row(b, 1, "40", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.limit), "50");
  CHECK_INT(st.percent_used, 8000);
  CHECK_INT(st.status, TALLY_BILLING_WARNING);
  tally_billing_free(b);
}

/* A statement with overage driven by the baseline (no included, no refresh). */
static tally_billing_statement threshold_step(const char *overage, const char *billed, const char *credits,
                                              bool close, tally_billing **keep) {
  tally_billing_request r;
  tally_billing_request_init(&r);
  r.entity = "org:acme";
  r.entity_len = 8;
  r.period_start = 0;
  r.period_end = 30 * DAY;
  r.now = 10 * DAY;
  r.baseline = D(overage);
  r.billed = D(billed);
  r.credits = D(credits);
  r.close = close;
  tally_billing *b = open_bill(&r);
  tally_billing_statement st = compute(b);
  if (keep) *keep = b;
  else tally_billing_free(b);
  return st;
}

static void test_threshold_sequence(void) {
  tally_billing *b;
  tally_billing_statement st = threshold_step("99", "0", "0", false, NULL);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
  CHECK_STR(S(st.billed), "0");

  st = threshold_step("100", "0", "0", false, &b);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_THRESHOLD);
  CHECK_INT(st.amount_cents, 10000);
  CHECK_STR(S(st.amount), "100");
  CHECK_STR(st.invoice_key, "threshold:org:acme:0:10000");
  CHECK_STR(S(st.billed), "100");
  tally_billing_free(b);

  st = threshold_step("180", "100", "0", false, NULL);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
  CHECK_STR(S(st.billed), "100");

  st = threshold_step("205", "100", "0", false, &b);
  CHECK_INT(st.amount_cents, 10500);
  CHECK_STR(st.invoice_key, "threshold:org:acme:0:20500");
  CHECK_STR(S(st.billed), "205");
  tally_billing_free(b);

  st = threshold_step("230", "205", "0", true, &b);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_CLOSE);
  CHECK_INT(st.amount_cents, 2500);
  CHECK_STR(st.invoice_key, "close:org:acme:0");
  CHECK_STR(S(st.billed), "230");
  CHECK(st.closing);
  tally_billing_free(b);

  /* credits 30, unbilled 120 */
  st = threshold_step("120", "0", "30", false, &b);
  CHECK_STR(S(st.credits_applied), "30");
  CHECK_STR(S(st.amount), "90");
  CHECK_INT(st.amount_cents, 9000);
  CHECK_STR(S(st.billed), "120");
  CHECK_STR(S(st.credits), "0");
  CHECK_STR(st.invoice_key, "threshold:org:acme:0:12000");
  tally_billing_free(b);

  /* credits cover everything: no invoice, but the credits still count */
  st = threshold_step("150", "0", "500", false, NULL);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
  CHECK_STR(S(st.credits_applied), "150");
  CHECK_STR(S(st.credits), "350");
  CHECK_STR(S(st.billed), "150");

  /* closing because now >= end, with nothing left to bill */
  st = threshold_step("0", "0", "0", false, NULL);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
}

/*
** {======================================================
** Edges
** =======================================================
*/

static void test_rounding(void) {
  tally_billing *b;
  /* a tie at half a cent rounds up; the key uses billed after */
  tally_billing_statement st = threshold_step("100.125", "0", "0", false, &b);
  CHECK_INT(st.amount_cents, 10013);
  CHECK_STR(S(st.amount), "100.125");
  CHECK_STR(S(st.billed), "100.13");
  CHECK_STR(st.invoice_key, "threshold:org:acme:0:10013");
  tally_billing_free(b);
  /* just under the tie rounds down; the sub-cent rest waits */
  st = threshold_step("100.124999999", "0", "0", false, NULL);
  CHECK_INT(st.amount_cents, 10012);
  CHECK_STR(S(st.billed), "100.12");
  /* closing: 0.005 left is one cent */
  st = threshold_step("100.125", "100.12", "0", true, &b);
  CHECK_STR(S(st.amount), "0.005");
  CHECK_INT(st.amount_cents, 1);
  CHECK_STR(S(st.billed), "100.13");
  tally_billing_free(b);
  /* closing: 0.004 left rounds to no invoice, billed unchanged */
  st = threshold_step("100.124", "100.12", "0", true, NULL);
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
  CHECK_INT(st.amount_cents, 0);
  CHECK_STR(S(st.billed), "100.12");
  /* threshold key with a sub-cent billed before: 0.004 + 100 -> 10000.4 cents -> 10000 */
  st = threshold_step("100.008", "0.004", "0", false, &b);
  CHECK_INT(st.amount_cents, 10000);
  CHECK_STR(S(st.billed), "100.004");
  CHECK_STR(st.invoice_key, "threshold:org:acme:0:10000");
  tally_billing_free(b);
}

static void test_boundaries(void) {
  tally_billing_request r = base_request();
  r.now = 5 * DAY;
  tally_billing *b = open_bill(&r);
  row(b, -1, "1", "early", NULL);           /* before start */
  row(b, 0, "0.5", "u", NULL);              /* exactly at start: window 0 */
  row(b, DAY - 1, "0.5", "u", NULL);        /* last ms of window 0 */
  row(b, DAY, "0.125", "u", NULL);          /* exactly at a window start: window 1 */
  row(b, 5 * DAY - 1, "0.0625", "u", NULL); /* the ms before now */
  row(b, 5 * DAY, "100", "late", NULL);     /* exactly at now: not counted */
  row(b, 30 * DAY, "100", "late", NULL);    /* exactly at period end */
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "1.1875");
  CHECK_STR(S(st.refresh), "0.4375");
  CHECK_INT(st.rows, 4);
  CHECK_INT(tally_billing_user_count(b), 1);
  CHECK_INT(tally_billing_window_count(b), 3);
  int64_t ws;
  tally_billing_window_get(b, 2, &ws, NULL, NULL);
  CHECK_INT(ws, 4 * DAY);
  CHECK(!st.closing);
  tally_billing_free(b);

  /* at the period end with now past it: cap is the end, and it closes */
  r.now = 40 * DAY;
  b = open_bill(&r);
  row(b, 30 * DAY - 1, "1", NULL, NULL);
  row(b, 30 * DAY, "1", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.raw), "1");
  CHECK(st.closing);
  tally_billing_free(b);

  /* an empty period counts nothing */
  r.period_end = 0;
  b = open_bill(&r);
  row(b, 0, "1", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.raw), "0");
  tally_billing_free(b);
}

static void test_utc_anchor(void) {
  /* Period from Wednesday 2024-01-03 12:00 UTC; weeks start on Monday. */
  const int64_t wed_noon = 1704283200000LL;      /* 2024-01-03T12:00:00Z */
  const int64_t monday = 1704672000000LL;        /* 2024-01-08T00:00:00Z */
  tally_billing_request r = base_request();
  r.period_start = wed_noon;
  r.period_end = wed_noon + 30 * DAY;
  r.now = r.period_end;
  r.plan.refresh_per_seat = D("1");
  r.plan.window = TALLY_BILLING_WINDOW_WEEK;
  r.plan.anchor = TALLY_BILLING_ANCHOR_UTC;
  tally_billing *b = open_bill(&r);
  row(b, monday - 1, "0.75", NULL, NULL);        /* Sunday 23:59:59.999 */
  row(b, wed_noon, "0.75", NULL, NULL);          /* same (partial) first week */
  row(b, monday, "0.5", NULL, NULL);             /* Monday 00:00 starts week 2 */
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.refresh), "1.5");               /* min(1.5, 1) + min(0.5, 1) */
  CHECK_INT(tally_billing_window_count(b), 2);
  int64_t ws;
  tally_billing_window_get(b, 0, &ws, NULL, NULL);
  CHECK_INT(ws, monday - WEEK);                  /* the Monday before the period */
  tally_billing_window_get(b, 1, &ws, NULL, NULL);
  CHECK_INT(ws, monday);
  tally_billing_free(b);

  /* anchored at the period, the same rows fall in one window (Wed to Wed) */
  r.plan.anchor = TALLY_BILLING_ANCHOR_PERIOD;
  b = open_bill(&r);
  row(b, monday - 1, "0.75", NULL, NULL);
  row(b, wed_noon, "0.75", NULL, NULL);
  row(b, monday, "0.5", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.refresh), "1");
  tally_billing_free(b);

  /* UTC days: midnight splits 23:59:59.999 from 00:00 */
  r.plan.anchor = TALLY_BILLING_ANCHOR_UTC;
  r.plan.window = TALLY_BILLING_WINDOW_DAY;
  b = open_bill(&r);
  row(b, wed_noon + 12 * 3600000 - 1, "2", NULL, NULL);
  row(b, wed_noon + 12 * 3600000, "2", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.refresh), "2");
  tally_billing_window_get(b, 0, &ws, NULL, NULL);
  CHECK_INT(ws, wed_noon - 12 * 3600000);
  tally_billing_free(b);

  /* a length in ms is aligned to the epoch: 7 days from Thursday 1970-01-01 */
  r.plan.window = TALLY_BILLING_WINDOW_MS;
  r.plan.window_ms = WEEK;
  b = open_bill(&r);
  row(b, wed_noon, "1", NULL, NULL);
  st = compute(b);
  tally_billing_window_get(b, 0, &ws, NULL, NULL);
  CHECK_INT(ws % WEEK, 0);
  CHECK_INT(ws, 1704326400000LL - WEEK);          /* Thursday 2023-12-28 */
  tally_billing_free(b);

  /* an hour window anchored at the period */
  r.plan.anchor = TALLY_BILLING_ANCHOR_PERIOD;
  r.plan.window_ms = 3600000;
  b = open_bill(&r);
  row(b, wed_noon + 3600000 - 1, "2", NULL, NULL);
  row(b, wed_noon + 3600000, "2", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.refresh), "2");
  tally_billing_free(b);
}

static void test_keys(void) {
  tally_billing_request r = base_request();
  r.now = 10 * DAY;
  tally_billing *b = open_bill(&r);
  row(b, 1000, "1", "u1", "evt-1");
  row(b, 1000, "1.0", "u1", "evt-1");          /* identical (1 == 1.0): counts once */
  row(b, 2000, "1", "u1", NULL);               /* no key: never deduplicated */
  row(b, 2000, "1", "u1", NULL);
  row(b, 20 * DAY, "7", NULL, "evt-late");     /* not counted, but remembered */
  tally_error e;
  tally_status s = tally_billing_add_row(b, 1000, D("2"), "u1", 2, "evt-1", 5, &e);
  CHECK_INT(s, TALLY_ERR_CONFLICT);
  CHECK(strstr(e.message, "evt-1") != NULL);
  s = tally_billing_add_row(b, 1000, D("1"), "u2", 2, "evt-1", 5, &e);
  CHECK_INT(s, TALLY_ERR_CONFLICT);
  s = tally_billing_add_row(b, 1000, D("1"), NULL, 0, "evt-1", 5, &e);
  CHECK_INT(s, TALLY_ERR_CONFLICT);
  /* a conflict against a row that did not count is still a conflict */
  s = tally_billing_add_row(b, 3000, D("7"), NULL, 0, "evt-late", 8, &e);
  CHECK_INT(s, TALLY_ERR_CONFLICT);
  CHECK(strstr(e.message, "evt-late") != NULL);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "3");
  CHECK_INT(st.conflicts, 4);
  CHECK_INT(st.rows, 3);
  tally_billing_free(b);

  /* keys switched off: every row counts */
  r.keys = false;
  b = open_bill(&r);
  row(b, 1000, "1", NULL, "evt-1");
  row(b, 1000, "2", NULL, "evt-1");
  st = compute(b);
  CHECK_STR(S(st.raw), "3");
  CHECK_INT(st.conflicts, 0);
  tally_billing_free(b);
}

static void test_zero_limits(void) {
  tally_billing_request r = base_request();
  r.plan.included = D("0");
  r.plan.has_refresh = false;
  r.now = DAY;
  tally_billing *b = open_bill(&r);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.limit), "0");
  CHECK_INT(st.percent_used, 10000);
  CHECK_INT(st.status, TALLY_BILLING_EXCEEDED);
  tally_billing_free(b);

  /* a limit of 0 below included: included is in force */
  r.plan.included = D("10");
  r.plan.has_limit = true;
  r.plan.limit = D("0");
  b = open_bill(&r);
  row(b, 5, "3.33333", NULL, NULL);
  st = compute(b);
  CHECK_STR(S(st.limit), "10");
  CHECK_INT(st.percent_used, 3333);             /* floor */
  CHECK_INT(st.status, TALLY_BILLING_OK);
  tally_billing_free(b);

  /* effective exactly at the limit: exceeded at 10000 */
  b = open_bill(&r);
  row(b, 5, "10", NULL, NULL);
  st = compute(b);
  CHECK_INT(st.percent_used, 10000);
  CHECK_INT(st.status, TALLY_BILLING_EXCEEDED);
  tally_billing_free(b);

  /* huge amounts do not overflow the percentage */
  r.plan.included = D("0");
  r.plan.limit = D("900000000000000000000000000");
  r.billed = D("899999999999999999999999999.999999999");  /* nothing to invoice */
  b = open_bill(&r);
  row(b, 5, "899999999999999999999999999.999999999", NULL, NULL);
  st = compute(b);
  CHECK_INT(st.percent_used, 9999);
  tally_billing_free(b);
}

static void test_credit_grants(void) {
  tally_billing_grant g[6] = {
    {"a", 1, {0}, 0, true, 50 * DAY},           /* 10, expires later */
    {"b", 1, {0}, 0, false, 0},                 /* 50, never */
    {"c", 1, {0}, 1, true, 20 * DAY},           /* 20, expires soonest */
    {"d", 1, {0}, 0, true, 10 * DAY},           /* expires exactly at now: gone */
    {"e", 1, {0}, 10 * DAY, false, 0},          /* granted at now: counts */
    {"f", 1, {0}, 10 * DAY + 1, false, 0},      /* granted after now */
  };
  g[0].amount = D("10");
  g[1].amount = D("50");
  g[2].amount = D("20");
  g[3].amount = D("100");
  g[4].amount = D("1");
  g[5].amount = D("1000");
  tally_billing_request r;
  tally_billing_request_init(&r);
  r.entity = "org:acme";
  r.entity_len = 8;
  r.period_end = 30 * DAY;
  r.now = 10 * DAY;
  r.baseline = D("125");
  r.use_grants = true;
  r.grants = g;
  r.n_grants = 6;
  tally_billing *b = open_bill(&r);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.credits_applied), "81");
  CHECK_STR(S(st.credits), "0");
  CHECK_STR(S(st.amount), "44");
  CHECK_STR(S(st.billed), "125");
  /* soonest expiry first: c, a, then never-expiring by grant time: b, e */
  CHECK_INT(tally_billing_grant_use_count(b), 4);
  size_t idx;
  tally_decimal taken;
  tally_billing_grant_use_get(b, 0, &idx, &taken);
  CHECK_INT(idx, 2);
  CHECK_STR(S(taken), "20");
  tally_billing_grant_use_get(b, 1, &idx, &taken);
  CHECK_INT(idx, 0);
  tally_billing_grant_use_get(b, 2, &idx, &taken);
  CHECK_INT(idx, 1);
  tally_billing_grant_use_get(b, 3, &idx, &taken);
  CHECK_INT(idx, 4);
  tally_billing_free(b);

  /* partly spent: 25 of the 81 available */
  r.baseline = D("100");
  r.billed = D("75");
  r.plan.threshold = D("10");
  b = open_bill(&r);
  st = compute(b);
  CHECK_STR(S(st.credits_applied), "25");
  CHECK_STR(S(st.credits), "56");
  CHECK_INT(st.invoice, TALLY_BILLING_INVOICE_NONE);
  CHECK_INT(tally_billing_grant_use_count(b), 2);
  tally_billing_grant_use_get(b, 1, &idx, &taken);
  CHECK_INT(idx, 0);
  CHECK_STR(S(taken), "5");
  tally_billing_free(b);

  /* a repeated grant key: identical is ignored, different is a conflict */
  tally_billing_grant twice[2] = {{"k", 1, {0}, 0, false, 0}, {"k", 1, {0}, 0, false, 0}};
  twice[0].amount = D("5");
  twice[1].amount = D("5.0");
  r.grants = twice;
  r.n_grants = 2;
  b = open_bill(&r);
  st = compute(b);
  CHECK_STR(S(st.credits_applied), "5");
  tally_billing_free(b);
  twice[1].amount = D("6");
  tally_error e;
  CHECK_INT(tally_billing_new(&A, &r, &b, &e), TALLY_ERR_CONFLICT);
}

static void test_invalid(void) {
  tally_error e;
  tally_billing *b;
  tally_billing_request r = base_request();
  r.period_end = -1;
  CHECK_INT(tally_billing_new(&A, &r, &b, &e), TALLY_ERR_INPUT);
  CHECK(b == NULL);
  r = base_request();
  r.plan.window = TALLY_BILLING_WINDOW_MS;
  r.plan.window_ms = 59999;
  CHECK_INT(tally_billing_new(&A, &r, &b, &e), TALLY_ERR_INPUT);
  r.plan.window_ms = 60000;
  CHECK_INT(tally_billing_new(&A, &r, &b, &e), TALLY_OK);
  tally_billing_free(b);
  const char *fields[] = {"baseline", "billed", "credits", "included", "limit", "perSeat", "threshold"};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    r = base_request();
    tally_decimal neg = D("-0.000000001");
    switch (i) {
      case 0: r.baseline = neg; break;
      case 1: r.billed = neg; break;
      case 2: r.credits = neg; break;
      case 3: r.plan.included = neg; break;
      case 4: r.plan.has_limit = true; r.plan.limit = neg; break;
      case 5: r.plan.refresh_per_seat = neg; break;
      case 6: r.plan.threshold = neg; break;
    }
    CHECK_INT(tally_billing_new(&A, &r, &b, &e), TALLY_ERR_INPUT);
    CHECK(strstr(e.message, fields[i]) != NULL);
  }
  r = base_request();
  b = open_bill(&r);
  CHECK_INT(tally_billing_add_row(b, 0, D("-1"), NULL, 0, NULL, 0, &e), TALLY_ERR_INPUT);
  CHECK_INT(tally_billing_add_window(b, DAY + 1, D("1"), &e), TALLY_ERR_INPUT);
  CHECK_INT(tally_billing_add_window(b, DAY, D("-1"), &e), TALLY_ERR_INPUT);
  tally_billing_free(b);
}

/*
** {======================================================
** Binary rows, columns and window sums
** =======================================================
*/

static void test_binary_rows(void) {
  tally_billing_request r = base_request();
  r.now = 10 * DAY;
  tally_billing *b = open_bill(&r);
  uint32_t u1, u2;
  tally_error e;
  CHECK_INT(tally_billing_user_id(b, "u1", 2, &u1, &e), TALLY_OK);
  CHECK_INT(tally_billing_user_id(b, "u2", 2, &u2, &e), TALLY_OK);
  uint32_t again;
  CHECK_INT(tally_billing_user_id(b, "u1", 2, &again, &e), TALLY_OK);
  CHECK_INT(again, u1);
  tally_billing_row rows[5] = {
    {0, 500000000, 0, 5, "evt-1"},              /* 0.5 */
    {0, 500000000, 0, 5, "evt-1"},              /* duplicate */
    {1, 250000000, 0, 5, "evt-1"},              /* conflict (t) */
    {DAY, 2000000000, 1, 0, NULL},
    {11 * DAY, 9, TALLY_BILLING_NO_USER, 0, NULL},
  };
  rows[0].user = u1;
  rows[1].user = u1;
  rows[2].user = u1;
  rows[3].user = u2;
  size_t conflicts[5], nc = 99;
  CHECK_INT(tally_billing_add_rows(b, rows, 5, conflicts, &nc, &e), TALLY_OK);
  CHECK_INT(nc, 1);
  CHECK_INT(conflicts[0], 2);
  /* a bad batch adds nothing */
  tally_billing_row badrows[2] = {{0, 1, TALLY_BILLING_NO_USER, 0, NULL}, {0, -1, TALLY_BILLING_NO_USER, 0, NULL}};
  CHECK_INT(tally_billing_add_rows(b, badrows, 2, NULL, NULL, &e), TALLY_ERR_INPUT);
  badrows[1].cost = 1;
  badrows[1].user = 7;
  CHECK_INT(tally_billing_add_rows(b, badrows, 2, NULL, NULL, &e), TALLY_ERR_INPUT);
  int64_t ts[3] = {2 * DAY, 2 * DAY + 1, 20 * DAY};
  int64_t cs[3] = {100000000, 100000000, 100000000};
  uint32_t us[3] = {u2, TALLY_BILLING_NO_USER, u1};
  CHECK_INT(tally_billing_add_columns(b, ts, cs, us, 3, &e), TALLY_OK);
  CHECK_INT(tally_billing_add_columns(b, ts, cs, NULL, 3, &e), TALLY_OK);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "2.9");       /* 0.5 + 2 + 4 x 0.1 (20d is after now) */
  CHECK_STR(S(st.refresh), "0.75");  /* 0.25 a day over three days */
  CHECK_INT(st.conflicts, 1);
  tally_decimal u;
  tally_billing_user_get(b, 1, NULL, NULL, &u);
  CHECK_STR(S(u), "2.1");
  tally_billing_free(b);
}

/* Many keyed rows over several batches: the table grows, repeats count once. */
static void test_many_keys(void) {
  tally_billing_request r = base_request();
  tally_billing *b = open_bill(&r);
  enum { N = 30000, DISTINCT = 10000 };
  static char keys[N][12];
  static tally_billing_row rows[N];
  for (int i = 0; i < N; i++) {
    int k = i % DISTINCT;
    int len = snprintf(keys[i], sizeof keys[i], "k%d", k);
    rows[i] = (tally_billing_row){(int64_t)k * 1000, 1000000, TALLY_BILLING_NO_USER, (uint32_t)len, keys[i]};
  }
  rows[N - 1].cost = 2000000;   /* one conflicting repeat */
  tally_error e;
  size_t conflicts[4096], nc, total_conflicts = 0;
  for (int i = 0; i < N; i += 4096) {
    size_t n = N - i < 4096 ? (size_t)(N - i) : 4096;
    CHECK_INT(tally_billing_add_rows(b, rows + i, n, conflicts, &nc, &e), TALLY_OK);
    total_conflicts += nc;
  }
  CHECK_INT(total_conflicts, 1);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "10");
  CHECK_INT(st.rows, DISTINCT);
  CHECK_INT(st.conflicts, 1);
  tally_billing_free(b);
}

/* The same usage as rows and as window sums gives the same statement. */
static void test_window_sums(void) {
  tally_billing_request r = base_request();
  r.now = 20 * DAY;
  tally_billing *rows = open_bill(&r), *sums = open_bill(&r);
  tally_error e;
  for (int d = 0; d < 25; d++) {
    char cost[32];
    snprintf(cost, sizeof cost, "%d.%d", d % 3, d);
    row(rows, d * DAY + 7, cost, NULL, NULL);
    row(rows, d * DAY + 8, "0.05", NULL, NULL);
    tally_decimal a = D(cost);
    if (d < 20) {
      CHECK_INT(tally_billing_add_window(sums, d * DAY, a, &e), TALLY_OK);
      CHECK_INT(tally_billing_add_window(sums, d * DAY, D("0.05"), &e), TALLY_OK);
    } else {
      /* windows from now on hold no counted usage: ignored */
      CHECK_INT(tally_billing_add_window(sums, d * DAY, a, &e), TALLY_OK);
    }
  }
  CHECK_INT(tally_billing_add_window(sums, -DAY, D("5"), &e), TALLY_OK);   /* before the period */
  tally_billing_statement a = compute(rows), b = compute(sums);
  CHECK_STR(S(a.raw), S(b.raw));
  CHECK_STR(S(a.refresh), S(b.refresh));
  CHECK_STR(S(a.effective), S(b.effective));
  CHECK_INT(tally_billing_window_count(rows), tally_billing_window_count(sums));
  CHECK_INT(tally_billing_user_count(sums), 0);
  tally_billing_free(rows);
  tally_billing_free(sums);
}

/* Minute windows over a year: the sparse table, unordered rows. */
static void test_sparse_windows(void) {
  tally_billing_request r = base_request();
  r.period_end = 365 * DAY;
  r.now = r.period_end;
  r.plan.window = TALLY_BILLING_WINDOW_MS;
  r.plan.window_ms = 60000;
  r.plan.refresh_per_seat = D("0.001");
  tally_billing *b = open_bill(&r);
  tally_error e;
  int64_t t[4000], c[4000];
  for (int i = 0; i < 4000; i++) {
    t[i] = ((int64_t)(i * 7919) % 4000) * 3600000 + (i % 3);  /* hour starts, scrambled */
    c[i] = 1000000;  /* 0.001 */
  }
  CHECK_INT(tally_billing_add_columns(b, t, c, NULL, 4000, &e), TALLY_OK);
  CHECK_INT(tally_billing_add_columns(b, t, c, NULL, 4000, &e), TALLY_OK);
  tally_billing_statement st = compute(b);
  CHECK_STR(S(st.raw), "8");
  CHECK_STR(S(st.refresh), "4");
  CHECK_INT(tally_billing_window_count(b), 4000);
  int64_t prev = -1, ws;
  bool ordered = true;
  for (size_t i = 0; i < tally_billing_window_count(b); i++) {
    tally_billing_window_get(b, i, &ws, NULL, NULL);
    if (ws <= prev) ordered = false;
    prev = ws;
  }
  CHECK(ordered);
  tally_billing_free(b);
}

/*
** {======================================================
** Price tiers
** =======================================================
*/

static void test_tiers(void) {
  tally_billing_tier t[3] = {
    {true, {0}, {0}, {0}}, {true, {0}, {0}, {0}}, {false, {0}, {0}, {0}},
  };
  t[0].up_to = D("1000");
  t[0].unit_price = D("0");
  t[0].unit_size = D("1");
  t[1].up_to = D("10000");
  t[1].unit_price = D("0.5");
  t[1].unit_size = D("100");
  t[2].unit_price = D("0.3");
  t[2].unit_size = D("100");
  tally_decimal p;
  tally_error e;
  CHECK_INT(tally_billing_price(t, 3, D("12345"), &p, &e), TALLY_OK);
  CHECK_STR(S(p), "52.2");
  CHECK_INT(tally_billing_price(t, 3, D("0"), &p, &e), TALLY_OK);
  CHECK_STR(S(p), "0");
  CHECK_INT(tally_billing_price(t, 3, D("1001"), &p, &e), TALLY_OK);
  CHECK_STR(S(p), "0.5");
  CHECK_INT(tally_billing_price(t, 3, D("10000"), &p, &e), TALLY_OK);
  CHECK_STR(S(p), "45");
  /* units past the last upTo use the last tier */
  CHECK_INT(tally_billing_price(t, 2, D("10100.5"), &p, &e), TALLY_OK);
  CHECK_STR(S(p), "46");
  CHECK_INT(tally_billing_price(t, 3, D("-1"), &p, &e), TALLY_ERR_INPUT);
  t[1].up_to = D("1000");
  CHECK_INT(tally_billing_price(t, 3, D("5"), &p, &e), TALLY_ERR_INPUT);
  CHECK_INT(tally_billing_price(t, 0, D("5"), &p, &e), TALLY_ERR_INPUT);
}

/*
** {======================================================
** JSON
** =======================================================
*/

static void check_json(const char *req, const char *want) {
  char *out = NULL;
  size_t len = 0;
  tally_error e;
  tally_status s = tally_billing_bill_json(&A, req, strlen(req), &out, &len, &e);
  if (s) {
    char got[700];
    snprintf(got, sizeof got, "error %d: %s", (int)s, e.message);
    CHECK_STR(got, want);
    return;
  }
  CHECK_STR(out, want);
  tally_billing_text_free(&A, out, len);
}

static void check_json_error(const char *req, tally_status want, const char *needle) {
  char *out = NULL;
  size_t len = 0;
  tally_error e;
  tally_status s = tally_billing_bill_json(&A, req, strlen(req), &out, &len, &e);
  CHECK_INT(s, want);
  if (s == TALLY_OK) tally_billing_text_free(&A, out, len);
  else if (!strstr(e.message, needle)) CHECK_STR(e.message, needle);
}

static void test_json(void) {
  check_json("{\"entity\": \"org:acme\", \"period\": {\"start\": 0, \"end\": 2592000000}, \"now\": 864000000,"
             " \"usage\": [{\"t\": 1000, \"cost\": \"0.0125\", \"user\": \"u1\", \"key\": \"evt-1\"}],"
             " \"baseline\": \"0\","
             " \"plan\": {\"included\": \"30\", \"seats\": 1, \"limit\": \"50\", \"warningPercent\": 80, \"threshold\": \"100\","
             " \"refresh\": {\"perSeat\": \"0.25\", \"window\": \"day\", \"anchor\": \"period\"}},"
             " \"billed\": \"0\", \"credits\": \"0\", \"close\": false}",
             "{\"entity\":\"org:acme\",\"raw\":\"0.0125\",\"byUser\":{\"u1\":\"0.0125\"},\"refresh\":\"0.0125\","
             "\"effective\":\"0\",\"included\":\"30\",\"overage\":\"0\",\"limit\":\"50\",\"percentUsed\":0,"
             "\"status\":\"ok\",\"invoice\":null,\"billed\":\"0\",\"credits\":\"0\",\"creditsApplied\":\"0\"}");
  /* closing, with credits as grants */
  check_json("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":100000},\"now\":100000,"
             "\"usage\":[{\"t\":1,\"cost\":150,\"user\":\"b\"},{\"t\":2,\"cost\":\"0.5\",\"user\":\"a\"},{\"t\":3,\"cost\":1}],"
             "\"plan\":{\"included\":\"1\"},\"credits\":[{\"key\":\"g\",\"amount\":\"30\",\"grantedAt\":0,\"expiresAt\":200000}]}",
             "{\"entity\":\"e\",\"raw\":\"151.5\",\"byUser\":{\"a\":\"0.5\",\"b\":\"150\"},\"refresh\":\"0\","
             "\"effective\":\"151.5\",\"included\":\"1\",\"overage\":\"150.5\",\"limit\":\"1\",\"percentUsed\":10000,"
             "\"status\":\"exceeded\",\"invoice\":{\"kind\":\"close\",\"amount\":\"120.5\",\"amountCents\":12050,"
             "\"key\":\"close:e:0\"},\"billed\":\"150.5\",\"credits\":\"0\",\"creditsApplied\":\"30\","
             "\"lastPeriodCost\":\"151.5\",\"lastPeriodCostByUser\":{\"a\":\"0.5\",\"b\":\"150\"}}");
  /* window sums, UTC weeks */
  check_json("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":2592000000},\"now\":1000000000,"
             "\"windows\":[{\"start\":-259200000,\"usage\":\"3\"},{\"start\":345600000,\"usage\":\"0.5\"}],"
             "\"plan\":{\"included\":\"10\",\"refresh\":{\"perSeat\":\"1\",\"window\":\"week\",\"anchor\":\"utc\"}}}",
             "{\"entity\":\"e\",\"raw\":\"3.5\",\"byUser\":{},\"refresh\":\"1.5\",\"effective\":\"2\","
             "\"included\":\"10\",\"overage\":\"0\",\"limit\":\"10\",\"percentUsed\":2000,\"status\":\"ok\","
             "\"invoice\":null,\"billed\":\"0\",\"credits\":\"0\",\"creditsApplied\":\"0\"}");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,"
                   "\"usage\":[{\"t\":1,\"cost\":1,\"key\":\"k1\"},{\"t\":2,\"cost\":1,\"key\":\"k1\"}]}",
                   TALLY_ERR_CONFLICT, "k1");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,\"usage\":[{\"t\":1,\"cost\":\"-1\"}]}",
                   TALLY_ERR_INPUT, "usage[0].cost");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,\"usage\":[{\"t\":1,\"cost\":1.5}]}",
                   TALLY_ERR_INPUT, "usage[0].cost");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":10,\"end\":0},\"now\":5}", TALLY_ERR_INPUT, "period");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,"
                   "\"plan\":{\"refresh\":{\"perSeat\":\"1\",\"window\":59999}}}", TALLY_ERR_INPUT, "one minute");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,\"billed\":-1}", TALLY_ERR_INPUT,
                   "billed");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10},\"now\":5,"
                   "\"credits\":[{\"amount\":\"-2\"}]}", TALLY_ERR_INPUT, "credits[0].amount");
  check_json_error("{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":10}}", TALLY_ERR_INPUT, "now");
  check_json_error("[1]", TALLY_ERR_INPUT, "object");
  check_json_error("{", TALLY_ERR_JSON, "");

  char *out;
  size_t len;
  tally_error e;
  const char *price = "{\"units\": \"12345\", \"tiers\": [{\"upTo\": \"1000\", \"unitPrice\": \"0\"},"
                      " {\"upTo\": \"10000\", \"unitPrice\": \"0.5\", \"unitSize\": \"100\"},"
                      " {\"unitPrice\": \"0.3\", \"unitSize\": \"100\"}]}";
  CHECK_INT(tally_billing_price_json(&A, price, strlen(price), &out, &len, &e), TALLY_OK);
  CHECK_STR(out, "{\"price\":\"52.2\"}");
  tally_billing_text_free(&A, out, len);
}

/*
** {======================================================
** Out of memory at every allocation
** =======================================================
*/

static tally_status one_run(const tally_allocator *a) {
  const char *req = "{\"entity\":\"e\",\"period\":{\"start\":0,\"end\":2592000000},\"now\":2592000000,"
                    "\"usage\":[{\"t\":1,\"cost\":150,\"user\":\"b\",\"key\":\"x\"},{\"t\":86400000,\"cost\":\"0.5\",\"user\":\"a\",\"key\":\"y\"}],"
                    "\"plan\":{\"included\":\"1\",\"refresh\":{\"perSeat\":\"1\"}},"
                    "\"credits\":[{\"key\":\"g\",\"amount\":\"30\"}]}";
  char *out;
  size_t len;
  tally_error e;
  tally_status s = tally_billing_bill_json(a, req, strlen(req), &out, &len, &e);
  if (s == TALLY_OK) tally_billing_text_free(a, out, len);
  return s;
}

/* The streaming C API: keyed binary rows, sparse windows, users, compute. */
static tally_status stream_run(const tally_allocator *a) {
  tally_billing_request r = base_request();
  r.period_end = 365 * DAY;
  r.now = r.period_end;
  r.plan.window = TALLY_BILLING_WINDOW_MS;
  r.plan.window_ms = 60000;
  tally_billing *b;
  tally_error e;
  tally_status s = tally_billing_new(a, &r, &b, &e);
  if (s) return s;
  uint32_t u;
  if ((s = tally_billing_user_id(b, "u", 1, &u, &e))) goto done;
  static char keys[300][8];
  tally_billing_row rows[300];
  for (int i = 0; i < 300; i++) {
    int len = snprintf(keys[i], sizeof keys[i], "k%d", i % 200);
    rows[i] = (tally_billing_row){(int64_t)i * 3600000, 1000, u, (uint32_t)len, keys[i]};
  }
  size_t nc;
  if ((s = tally_billing_add_rows(b, rows, 300, NULL, &nc, &e))) goto done;
  tally_billing_statement st;
  s = tally_billing_compute(b, &st, &e);
done:
  tally_billing_free(b);
  return s;
}

static void test_alloc_failures(void) {
  tally_status (*runs[2])(const tally_allocator *) = {one_run, stream_run};
  for (int k = 0; k < 2; k++) {
    bool done = false;
    for (size_t n = 1; n < 500 && !done; n++) {
      check_alloc c = {0, 0, 0, n};
      tally_allocator a = check_allocator(&c);
      tally_status s = runs[k](&a);
      if (s == TALLY_OK) done = true;
      else CHECK_INT(s, TALLY_ERR_NOMEM);
      CHECK_INT(c.live_blocks, 0);
      CHECK_INT(c.live_bytes, 0);
    }
    CHECK(done);
  }
}

#undef RUN
#define RUN(fn) do { fn(); if (counts.live_blocks) fprintf(stderr, "%s leaks %zu blocks\n", #fn, counts.live_blocks); } while (0)

int main(void) {
  A = check_allocator(&counts);
  RUN(test_refresh_vectors);
  RUN(test_statement_vectors);
  RUN(test_threshold_sequence);
  RUN(test_rounding);
  RUN(test_boundaries);
  RUN(test_utc_anchor);
  RUN(test_keys);
  RUN(test_zero_limits);
  RUN(test_credit_grants);
  RUN(test_invalid);
  RUN(test_binary_rows);
  RUN(test_many_keys);
  RUN(test_window_sums);
  RUN(test_sparse_windows);
  RUN(test_tiers);
  RUN(test_json);
  RUN(test_alloc_failures);
  CHECK_INT(counts.live_blocks, 0);
  CHECK_INT(counts.live_bytes, 0);
  return check_report("billing");
}
