/*
** tally/ledger.h - grants, removals and expiry of items and credits
** (spec ledger.md): how much of an item a customer has at any time.
**
** Three ways in:
**   - tally_ledger: one (customer, item) history kept up to date as entries
**     arrive, in any time order: appending is cheap, an entry inserted in
**     the middle recomputes from the nearest checkpoint and stops as soon as
**     the state meets the stored one again. It also answers the balance
**     timeline, the consumption rows of every removal, and strict spending.
**   - tally_ledger_balances_compute: many customers and items in one call,
**     entries grouped by (customer, item); the CLI's `ledger balance`.
**   - tally_ledger_expand: the grants of a purchase of a product.
**
** Quantities are tally_decimal (exact, 9 fractional digits); times are
** integer milliseconds. An entry with qty > 0 is a grant, qty < 0 a removal.
*/
#ifndef TALLY_LEDGER_H
#define TALLY_LEDGER_H

#include "tally.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
** One entry. Strings are borrowed for the duration of a call (tally_ledger
** copies the key it keeps). customer and item are read only by the batch
** functions; a tally_ledger holds a single (customer, item).
*/
typedef struct tally_ledger_entry {
  const char *customer;
  size_t customer_len;
  const char *item;
  size_t item_len;
  const char *key;       /* idempotency key; NULL for none */
  size_t key_len;
  int64_t t;             /* when it takes effect */
  int64_t expires_at;    /* grants only, read when has_expiry */
  int64_t seq;           /* orders equal t, read when has_seq (absent sorts as 0) */
  tally_decimal qty;     /* > 0 grant, < 0 removal, 0 no effect */
  bool has_expiry;
  bool has_seq;
} tally_ledger_entry;

/* The state at a time T. */
typedef struct tally_ledger_state {
  tally_decimal balance;    /* available - owed */
  tally_decimal available;  /* sum of lots */
  tally_decimal owed;       /* >= 0; never both owed and lots */
  tally_decimal expired;    /* forfeited up to T */
  int64_t next_expiry;      /* read when has_next_expiry */
  bool has_next_expiry;
  bool has_credits;         /* available > 0 */
} tally_ledger_state;

/* Section - One history, incremental */

typedef struct tally_ledger tally_ledger;

/* Entry ids are 0, 1, 2, ... in the order entries were accepted. */
#define TALLY_LEDGER_NO_ID UINT32_MAX

TALLY_API tally_status tally_ledger_new(const tally_allocator *alloc, tally_ledger **out, tally_error *err);
TALLY_API void tally_ledger_free(tally_ledger *l);

/*
** Adds one entry at its place in time. Returns TALLY_ERR_INPUT (a removal
** with an expiry, an invalid qty), TALLY_ERR_CONFLICT (its key is taken by
** a different entry) or TALLY_ERR_RANGE (totals would reach 10^27); a
** rejected entry changes nothing and claims no key. An identical duplicate
** of a keyed entry is ignored: TALLY_OK with *id the existing entry's id.
** id may be NULL.
*/
TALLY_API tally_status tally_ledger_add(tally_ledger *l, const tally_ledger_entry *e, uint32_t *id, tally_error *err);

/* Number of accepted entries. */
TALLY_API size_t tally_ledger_count(const tally_ledger *l);
/* The accepted entry with this id (its key points into the ledger). */
TALLY_API tally_status tally_ledger_entry_get(const tally_ledger *l, uint32_t id, tally_ledger_entry *out, tally_error *err);

/* State at `at`: every entry with t <= at, then every expiry <= at. */
TALLY_API tally_status tally_ledger_state_at(tally_ledger *l, int64_t at, tally_ledger_state *out, tally_error *err);

/*
** Strict spending: "may this customer spend `amount` (> 0) at `at`?". The
** removal is placed where tally_ledger_add would put it; if the lots live
** at that point cannot cover it (or something is owed), it is refused:
** accepted is false, shortfall says how much is missing and nothing is
** applied. Otherwise it is added like tally_ledger_add (key rules apply).
** Only the balance at `at` is checked, not removals that come later.
*/
typedef struct tally_ledger_spend_result {
  bool accepted;
  uint32_t id;               /* the removal's id when accepted */
  tally_decimal available;   /* what could be spent at that point */
  tally_decimal shortfall;   /* amount - available when refused, else 0 */
} tally_ledger_spend_result;

TALLY_API tally_status tally_ledger_spend(tally_ledger *l, int64_t at, tally_decimal amount, const char *key,
                                          size_t key_len, tally_ledger_spend_result *out, tally_error *err);

/*
** The balance timeline up to `until`: one point per instant at which entries
** apply or lots expire (after both), in time order. The array belongs to
** the ledger and stays valid until the next call on it.
*/
typedef struct tally_ledger_point {
  int64_t t;
  tally_decimal balance, available, owed, expired;
} tally_ledger_point;

TALLY_API tally_status tally_ledger_timeline(tally_ledger *l, int64_t until, const tally_ledger_point **points,
                                             size_t *n, tally_error *err);

/*
** Consumption rows up to `until`: for every removal, the grants it was
** taken from and how much, one row per (removal, grant) use. A removal the
** lots could not cover is paid by later grants (oldest debt first); those
** rows carry the time of the paying grant. Same lifetime as the timeline.
*/
typedef struct tally_ledger_use {
  uint32_t removal;   /* entry id */
  uint32_t grant;     /* entry id */
  int64_t t;          /* when it was taken */
  tally_decimal qty;  /* > 0 */
} tally_ledger_use;

TALLY_API tally_status tally_ledger_consumption(tally_ledger *l, int64_t until, const tally_ledger_use **uses,
                                                size_t *n, tally_error *err);

/* Section - Many customers in one call */

typedef struct tally_ledger_result {
  const char *customer;   /* borrowed from the entries passed in */
  size_t customer_len;
  const char *item;
  size_t item_len;
  tally_ledger_state state;
} tally_ledger_result;

typedef struct tally_ledger_entry_error {
  size_t index;           /* of the entry in the array passed in */
  tally_error error;
} tally_ledger_entry_error;

typedef struct tally_ledger_balances {
  tally_ledger_result *results;       /* sorted by customer, then item (bytes) */
  size_t n_results;
  tally_ledger_entry_error *errors;   /* in entry order */
  size_t n_errors;
  tally_allocator alloc_;             /* private */
  size_t results_cap_, errors_cap_;   /* private */
} tally_ledger_balances;

/*
** The state at `at` of every (customer, item) that has a valid entry (even
** if all of them lie after `at`). Invalid entries are listed in errors and
** skipped; identical keyed duplicates are ignored. Returns an error status
** only for NOMEM or bad arguments. Free with tally_ledger_balances_free.
*/
TALLY_API tally_status tally_ledger_balances_compute(const tally_allocator *alloc, const tally_ledger_entry *entries,
                                                     size_t n, int64_t at, tally_ledger_balances *out,
                                                     tally_error *err);
TALLY_API void tally_ledger_balances_free(tally_ledger_balances *b);

/* Section - Grants from products */

typedef enum tally_ledger_repeat {
  TALLY_LEDGER_REPEAT_NONE = 0,
  TALLY_LEDGER_REPEAT_DAY,     /* 86,400,000 ms */
  TALLY_LEDGER_REPEAT_WEEK,    /* 7 days */
  TALLY_LEDGER_REPEAT_MONTH,   /* 30 days */
  TALLY_LEDGER_REPEAT_YEAR     /* 365 days */
} tally_ledger_repeat;

typedef enum tally_ledger_expires {
  TALLY_LEDGER_EXPIRES_NEVER = 0,
  TALLY_LEDGER_EXPIRES_WITH_PURCHASE,   /* "when-purchase-expires" */
  TALLY_LEDGER_EXPIRES_WHEN_REPEATED    /* "when-repeated" */
} tally_ledger_expires;

typedef struct tally_ledger_product_item {
  const char *item;
  size_t item_len;
  tally_decimal quantity;     /* >= 0 */
  tally_ledger_repeat repeat;
  int64_t repeat_n;           /* >= 1 when repeat is set */
  tally_ledger_expires expires;
} tally_ledger_product_item;

typedef struct tally_ledger_purchase {
  int64_t created_at;
  int64_t ended_at;           /* read when has_end */
  bool has_end;
  tally_decimal quantity;     /* multiplier, >= 0 */
  const tally_ledger_product_item *items;
  size_t n_items;
} tally_ledger_purchase;

/* One grant: item index into the purchase's items and k, its number (0 first). */
typedef struct tally_ledger_grant {
  size_t item;
  uint64_t k;
  int64_t t;
  tally_decimal qty;
  bool has_expiry;
  int64_t expires_at;
} tally_ledger_grant;

/* Most grants one expansion makes before it reports TALLY_ERR_LIMIT. */
#define TALLY_LEDGER_EXPAND_MAX 1000000

/*
** The grants a purchase makes at or before `horizon`, in time order (equal
** times in the order of the items). *grants is allocated with alloc; free
** it with tally_ledger_grants_free.
*/
TALLY_API tally_status tally_ledger_expand(const tally_allocator *alloc, const tally_ledger_purchase *p,
                                           int64_t horizon, tally_ledger_grant **grants, size_t *n,
                                           tally_error *err);
TALLY_API void tally_ledger_grants_free(const tally_allocator *alloc, tally_ledger_grant *grants, size_t n);

#ifdef __cplusplus
}
#endif

#endif
