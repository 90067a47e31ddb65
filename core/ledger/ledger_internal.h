/*
** ledger_internal.h - the ledger's state machine, shared by the single
** history (ledger.c), the batch (balances.c), the CLI and billing.
**
** A run is the state of one (customer, item): lots in a binary min-heap
** ordered by spending order (soonest expiry first, never last, then
** grant time, seq, entry order), plus owed and expired totals. Amounts are
** __int128 counts of 10^-9 units (t_dec units); validation keeps every
** total below 10^36 units, so the additions here cannot overflow.
**
** Expiry is lazy: before an entry at t the run expires the lots with
** expiry < t (a lot expiring at t still serves entries at t), and a query
** at T expires those <= T.
*/
#ifndef TALLY_LEDGER_INTERNAL_H
#define TALLY_LEDGER_INTERNAL_H

#include "../util/base.h"
#include "../util/mem.h"
#include "../util/decimal.h"
#include "tally/ledger.h"

#define T_LEDGER_NEVER INT64_MAX
/* Units limit of every total: 10^27 in value (t_dec's range). */
#define T_LEDGER_LIMIT ((__int128)1000000000000000000 * (__int128)1000000000000000000)

typedef struct t_ledger_lot {
  __int128 rem;      /* > 0 */
  int64_t exp;       /* T_LEDGER_NEVER for never */
  int64_t t;         /* granted at */
  int64_t seq;
  uint32_t ord;      /* entry order (id) */
} t_ledger_lot;

typedef struct t_ledger_run {
  const tally_allocator *alloc;
  t_ledger_lot *lots;
  size_t n, cap;
  __int128 avail, owed, expired;
} t_ledger_run;

/* Reports from a replay (timeline, consumption); NULL hooks cost nothing. */
typedef struct t_ledger_hooks {
  void *ud;
  /* a removal `removal` took qty from grant `grant` at time t */
  void (*use)(void *ud, uint32_t removal, uint32_t grant, int64_t t, __int128 qty);
} t_ledger_hooks;

TALLY_INTERNAL void t_ledger_run_init(t_ledger_run *r, const tally_allocator *alloc);
TALLY_INTERNAL void t_ledger_run_free(t_ledger_run *r);
TALLY_INTERNAL void t_ledger_run_reset(t_ledger_run *r);
/* dst becomes a copy of src (dst keeps its allocator); false on NOMEM. */
TALLY_INTERNAL bool t_ledger_run_copy(t_ledger_run *dst, const t_ledger_run *src);
/* Same totals and the same lots (as a set). */
TALLY_INTERNAL bool t_ledger_run_equal(const t_ledger_run *a, const t_ledger_run *b);
/* Same lots and owed; expired may differ. */
TALLY_INTERNAL bool t_ledger_run_same_lots(const t_ledger_run *a, const t_ledger_run *b);

/* Expires every lot whose expiry is < t. */
TALLY_INTERNAL void t_ledger_run_expire_before(t_ledger_run *r, int64_t t);

/*
** Applies one entry (qty in units). Grants may allocate (false on NOMEM).
** With hooks, removals report the lots they take from; debt repaid by a
** grant is reported by the caller's debt queue (see ledger.c).
*/
TALLY_INTERNAL bool t_ledger_run_grant(t_ledger_run *r, int64_t t, int64_t seq, int64_t exp, __int128 qty, uint32_t ord);
TALLY_INTERNAL void t_ledger_run_remove(t_ledger_run *r, int64_t t, __int128 need, uint32_t ord, const t_ledger_hooks *h);

/* The outputs at `at` of a run that has applied every entry with t <= at
** (lazily expired): the run is not modified. */
TALLY_INTERNAL void t_ledger_run_state(const t_ledger_run *r, int64_t at, tally_ledger_state *out);

/* What a removal at `at` placed after the run's entries could take. */
TALLY_INTERNAL __int128 t_ledger_run_spendable(const t_ledger_run *r, int64_t at);

static inline __int128 t_ledger_units(tally_decimal d) {
  return (__int128)(((unsigned __int128)(uint64_t)d.hi << 64) | d.lo);
}
static inline tally_decimal t_ledger_public(__int128 u) {
  tally_decimal d;
  d.hi = (int64_t)(u >> 64);
  d.lo = (uint64_t)u;
  return d;
}
static inline bool t_ledger_valid_units(__int128 u) { return u > -T_LEDGER_LIMIT && u < T_LEDGER_LIMIT; }

/*
** Entry checks that do not depend on other entries: qty in range, no expiry
** on a removal. The message names no entry; callers add that.
*/
TALLY_INTERNAL tally_status t_ledger_check_entry(const tally_ledger_entry *e, tally_error *err);
/* Whether two keyed entries are the same (equal values; customer/item/key
** are the caller's business). */
TALLY_INTERNAL bool t_ledger_same_entry(const tally_ledger_entry *a, const tally_ledger_entry *b);

/* A 64-bit hash of bytes (not cryptographic; seeds separate uses). */
TALLY_INTERNAL uint64_t t_ledger_hash(const char *p, size_t n, uint64_t seed);

/* Stable merge sort of indices; less(ctx, a, b) is the order. tmp holds n. */
typedef bool (*t_ledger_less_fn)(const void *ctx, uint32_t a, uint32_t b);
TALLY_INTERNAL void t_ledger_sort_u32(uint32_t *a, uint32_t *tmp, size_t n, t_ledger_less_fn less, const void *ctx);

/*
** {======================================================
** The validator: groups entries by (customer, item), checks keys and
** totals in input order. Shared by the batch and the CLI.
** =======================================================
*/

typedef struct t_ledger_group {
  __int128 granted, removed;  /* totals of accepted entries, for overflow */
  uint64_t hash;
  size_t count;               /* accepted entries */
  int64_t last_t, last_seq;   /* of the last accepted entry */
  bool unsorted;              /* accepted entries came out of (t, seq) order: sort them */
  const char *customer;
  size_t customer_len;
  const char *item;
  size_t item_len;
} t_ledger_group;

/*
** A memo from the addresses of a (customer, item) pair to its group: hosts
** that keep one copy of each name (most C hosts) then skip hashing and
** comparing bytes. Bounded, so hosts with a fresh copy per entry pay only
** one probe.
*/
typedef struct t_ledger_memo {
  const char *customer, *item;
  uint32_t customer_len, item_len;
  uint32_t group;             /* + 1; 0 empty */
} t_ledger_memo;

typedef struct t_ledger_groups {
  const tally_allocator *alloc;
  t_ledger_group *groups;
  size_t n_groups, groups_cap;
  uint32_t *table;             /* group index + 1; 0 empty */
  size_t table_cap;            /* power of two */
  uint32_t *keys;              /* entry index + 1 of keyed entries; 0 empty */
  uint32_t *key_groups;        /* the group of each slot in keys */
  size_t keys_cap, n_keys;
  t_ledger_memo *memo;
  size_t memo_cap, n_memo;
  bool any_seq;                /* some accepted entry has a seq */
} t_ledger_groups;

/* Returned by t_ledger_groups_add for an identical duplicate (ignore it). */
#define T_LEDGER_DUPLICATE UINT32_MAX

TALLY_INTERNAL void t_ledger_groups_init(t_ledger_groups *g, const tally_allocator *alloc);
TALLY_INTERNAL void t_ledger_groups_free(t_ledger_groups *g);
/*
** Validates entries[idx] against the entries accepted before it (entries is
** the caller's array, which may move between calls; only accepted entries
** may be looked up, so the caller must not drop them). On success *group is
** its group index, or T_LEDGER_DUPLICATE. Errors: INPUT, CONFLICT, RANGE,
** NOMEM; a rejected entry claims nothing.
*/
TALLY_INTERNAL tally_status t_ledger_groups_add(t_ledger_groups *g, const tally_ledger_entry *entries, size_t idx,
                                                uint32_t *group, tally_error *err);
/* The same with the hash of the entry's (customer, item) already known. */
TALLY_INTERNAL uint64_t t_ledger_groups_hash(const tally_ledger_entry *e);
TALLY_INTERNAL tally_status t_ledger_groups_add_hashed(t_ledger_groups *g, const tally_ledger_entry *entries,
                                                       size_t idx, uint64_t hash, uint32_t *group, tally_error *err);

/*
** States at `at` of the accepted entries: gid[i] is the group of entries[i]
** or T_LEDGER_DUPLICATE to skip it. out->results gets one row per group,
** sorted by customer then item.
*/
TALLY_INTERNAL tally_status t_ledger_groups_compute(const t_ledger_groups *g, const tally_ledger_entry *entries,
                                                    const uint32_t *gid, size_t n, int64_t at,
                                                    tally_ledger_balances *out, tally_error *err);

/* } */

/* Entries the last tally_ledger_add replayed (tests and benchmarks). */
TALLY_INTERNAL size_t t_ledger_replayed(const tally_ledger *l);

#endif
