/*
** tally/billing.h - usage billing math: the period statement of one
** billing entity (raw usage, refresh allowance, effective usage, limit
** status, overage, threshold and closing invoices), and graduated price
** tiers. Semantics: spec billing.md.
**
** The host feeds usage to a tally_billing accumulator, in any order and in
** as many batches as it likes; memory grows with the distinct idempotency
** keys, users and refresh windows, never with the rows. Three ways in:
**
**   tally_billing_add_row      one row, decimal cost, user and key as text
**   tally_billing_add_rows     binary rows (cost in 10^-9 units, interned
**                              user ids, optional keys): no allocation per
**                              row unless a new key or window appears
**   tally_billing_add_window   a pre-aggregated sum per refresh window, as
**                              a database computes it (docs/billing-sql.md)
**
** then tally_billing_compute gives the statement. A statement can be
** computed any number of times while rows keep coming.
**
**   tally_billing_request req;
**   tally_billing_request_init(&req);
**   req.entity = "org:acme"; req.entity_len = 8;
**   req.period_start = 0; req.period_end = 2592000000; req.now = 864000000;
**   ... req.plan.included = tally_decimal_from_int(30); ...
**   tally_billing *b;
**   if (tally_billing_new(&alloc, &req, &b, &err)) ...
**   tally_billing_add_rows(b, rows, n, NULL, NULL, &err);
**   tally_billing_statement st;
**   tally_billing_compute(b, &st, &err);
**   tally_billing_free(b);
**
** Amounts are tally_decimal (exact, 9 fractional digits); binary rows carry
** costs as int64 counts of 10^-9 units, the same scale.
*/
#ifndef TALLY_BILLING_H
#define TALLY_BILLING_H

#include "tally.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Section - Plans and requests */

typedef enum tally_billing_window_unit {
  TALLY_BILLING_WINDOW_DAY = 0,   /* 86,400,000 ms; UTC anchor: midnight */
  TALLY_BILLING_WINDOW_WEEK = 1,  /* 7 days; UTC anchor: Monday 00:00 */
  TALLY_BILLING_WINDOW_MS = 2     /* window_ms; UTC anchor: aligned to the epoch */
} tally_billing_window_unit;

typedef enum tally_billing_anchor {
  TALLY_BILLING_ANCHOR_PERIOD = 0, /* windows start at period.start */
  TALLY_BILLING_ANCHOR_UTC = 1
} tally_billing_anchor;

#define TALLY_BILLING_MIN_WINDOW_MS 60000

typedef struct tally_billing_plan {
  tally_decimal included;        /* per seat */
  int64_t seats;                 /* default 1 */
  bool has_limit;
  tally_decimal limit;           /* limit in force: max(limit, included x seats) */
  int64_t warning_percent;       /* default 80 */
  tally_decimal threshold;       /* default 100 */
  bool has_refresh;
  tally_decimal refresh_per_seat;
  tally_billing_window_unit window;
  int64_t window_ms;             /* only for TALLY_BILLING_WINDOW_MS */
  tally_billing_anchor anchor;
} tally_billing_plan;

/* A credit grant, spent soonest expiry first (spec ledger.md). */
typedef struct tally_billing_grant {
  const char *key;               /* may be NULL: never deduplicated */
  size_t key_len;
  tally_decimal amount;
  int64_t granted_at;
  bool has_expiry;
  int64_t expires_at;
} tally_billing_grant;

typedef struct tally_billing_request {
  const char *entity;            /* borrowed for tally_billing_new only */
  size_t entity_len;
  int64_t period_start, period_end, now;
  tally_decimal baseline;
  tally_billing_plan plan;
  tally_decimal billed;
  /* Credits: a plain balance, or (use_grants) a list of grants. */
  tally_decimal credits;
  bool use_grants;
  const tally_billing_grant *grants;  /* borrowed for tally_billing_new only */
  size_t n_grants;
  bool close;                    /* close even if now < period_end */
  /*
  ** Idempotency keys are checked and deduplicated (default true). A host
  ** that deduplicates upstream switches them off: keys are then ignored.
  */
  bool keys;
} tally_billing_request;

/* Fills the defaults: seats 1, warning 80, threshold 100, keys on, zeros. */
TALLY_API void tally_billing_request_init(tally_billing_request *req);

/* Section - The accumulator */

typedef struct tally_billing tally_billing;

/*
** Validates the request (negative amounts, a period ending before it
** starts, a window under one minute, conflicting grant keys) and copies
** what it keeps. TALLY_ERR_INPUT / TALLY_ERR_CONFLICT / TALLY_ERR_NOMEM.
*/
TALLY_API tally_status tally_billing_new(const tally_allocator *alloc, const tally_billing_request *req,
                                         tally_billing **out, tally_error *err);
TALLY_API void tally_billing_free(tally_billing *b);

#define TALLY_BILLING_NO_USER UINT32_MAX

/* The id of a user name for binary rows (the same name gives the same id). */
TALLY_API tally_status tally_billing_user_id(tally_billing *b, const char *name, size_t len, uint32_t *id,
                                             tally_error *err);

/*
** A binary row. `cost` is in 10^-9 units (1 = 0.000000001) and must not be
** negative; `user` an id from tally_billing_user_id or TALLY_BILLING_NO_USER;
** `key` NULL for a row without key.
*/
typedef struct tally_billing_row {
  int64_t t;
  int64_t cost;
  uint32_t user;
  uint32_t key_len;
  const char *key;
} tally_billing_row;

/*
** Adds a batch. The batch is validated first: a negative cost or an unknown
** user id rejects the whole batch (TALLY_ERR_INPUT, the message names the
** row index) and adds nothing. A row whose key was seen with a different
** t, cost or user is a conflict: it is left out, its index (within the
** batch) is written to conflicts[] when conflicts is not NULL (room for n),
** *n_conflicts counts them, and the statement's `conflicts` grows; the call
** still returns TALLY_OK, so that the host decides.
*/
TALLY_API tally_status tally_billing_add_rows(tally_billing *b, const tally_billing_row *rows, size_t n,
                                              size_t *conflicts, size_t *n_conflicts, tally_error *err);

/*
** Columns instead of rows, without keys (the typed-array path of the JS
** bindings). `user` may be NULL (no user for any row).
*/
TALLY_API tally_status tally_billing_add_columns(tally_billing *b, const int64_t *t, const int64_t *cost,
                                                 const uint32_t *user, size_t n, tally_error *err);

/*
** One row with a decimal cost. `user` NULL for none, `key` NULL for none.
** A conflicting key returns TALLY_ERR_CONFLICT naming the key; the row is
** left out and counted in the statement's `conflicts`.
*/
TALLY_API tally_status tally_billing_add_row(tally_billing *b, int64_t t, tally_decimal cost, const char *user,
                                             size_t user_len, const char *key, size_t key_len, tally_error *err);

/*
** A pre-aggregated sum of counted usage in the refresh window starting at
** `start` (a window boundary; with no refresh in the plan any time will do).
** Sums for the same window add up. No per-user figures come from these.
*/
TALLY_API tally_status tally_billing_add_window(tally_billing *b, int64_t start, tally_decimal usage,
                                                tally_error *err);

/* Section - The statement */

typedef enum tally_billing_status {
  TALLY_BILLING_OK = 0,
  TALLY_BILLING_WARNING = 1,
  TALLY_BILLING_EXCEEDED = 2
} tally_billing_status;

typedef enum tally_billing_invoice_kind {
  TALLY_BILLING_INVOICE_NONE = 0,
  TALLY_BILLING_INVOICE_THRESHOLD = 1,
  TALLY_BILLING_INVOICE_CLOSE = 2
} tally_billing_invoice_kind;

typedef struct tally_billing_statement {
  tally_decimal raw, refresh, effective, included, overage, limit;
  int64_t percent_used;          /* basis points, 0..10000 */
  tally_billing_status status;
  tally_billing_invoice_kind invoice;
  tally_decimal amount;          /* exact */
  int64_t amount_cents;          /* round half up */
  const char *invoice_key;       /* NUL-terminated; owned by the accumulator, valid until the next compute */
  size_t invoice_key_len;
  tally_decimal billed;          /* after this statement */
  tally_decimal credits;         /* available after this statement */
  tally_decimal credits_applied;
  bool closing;                  /* lastPeriodCost = raw; per user: tally_billing_user_get */
  uint64_t conflicts;            /* conflicting rows left out */
  uint64_t rows;                 /* rows counted (duplicates once) */
} tally_billing_statement;

TALLY_API tally_status tally_billing_compute(tally_billing *b, tally_billing_statement *out, tally_error *err);

/* Users with counted rows, sorted by name (UTF-8 bytes). */
TALLY_API size_t tally_billing_user_count(const tally_billing *b);
TALLY_API void tally_billing_user_get(const tally_billing *b, size_t i, const char **name, size_t *name_len,
                                      tally_decimal *usage);

/*
** Refresh windows holding counted usage, in time order (none when the plan
** has no refresh): start, usage in the window, refresh granted there.
*/
TALLY_API size_t tally_billing_window_count(const tally_billing *b);
TALLY_API void tally_billing_window_get(const tally_billing *b, size_t i, int64_t *start, tally_decimal *usage,
                                        tally_decimal *refresh);

/*
** Credit grants used by the last compute (soonest expiry first): one entry
** per grant taken from, with the grant's index in the request.
*/
TALLY_API size_t tally_billing_grant_use_count(const tally_billing *b);
TALLY_API void tally_billing_grant_use_get(const tally_billing *b, size_t i, size_t *grant_index, tally_decimal *taken);

/* Section - JSON (the `tally bill` and `tally price` lines) */

/*
** One statement request as JSON (billing.md) in, the statement JSON out
** (without a trailing newline). *out is allocated with alloc; free it with
** tally_billing_text_free. On error nothing is allocated.
*/
TALLY_API tally_status tally_billing_bill_json(const tally_allocator *alloc, const char *json, size_t len,
                                               char **out, size_t *out_len, tally_error *err);
/* {"units", "tiers"} in, {"price": "..."} out. */
TALLY_API tally_status tally_billing_price_json(const tally_allocator *alloc, const char *json, size_t len,
                                                char **out, size_t *out_len, tally_error *err);
TALLY_API void tally_billing_text_free(const tally_allocator *alloc, char *text, size_t len);

/* Section - Graduated price tiers */

typedef struct tally_billing_tier {
  bool has_up_to;                /* only the last tier may have none */
  tally_decimal up_to;           /* cumulative units from zero */
  tally_decimal unit_price;
  tally_decimal unit_size;       /* > 0; 1 by default */
} tally_billing_tier;

/* sum over tiers of ceil(units in tier / unit_size) x unit_price. */
TALLY_API tally_status tally_billing_price(const tally_billing_tier *tiers, size_t n, tally_decimal units,
                                           tally_decimal *price, tally_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_BILLING_H */
