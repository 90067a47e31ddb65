/*
** accum.h - the usage accumulator behind tally_billing (internal). usage.c
** adds rows and window sums, refresh.c places times in refresh windows,
** credits.c spends credit grants, statement.c computes the statement,
** statement_json.c reads requests and writes statements as JSON.
**
** Money inside is a count of 10^-9 units in an __int128 (as t_dec). Sums
** stay far from the int128 range: every addend is below 10^36 (10^27, the
** decimal limit), and once the total passes 10^36 nothing more is added and
** the statement reports the overflow (per-user and per-window sums are at
** most the total, since costs are never negative).
*/
#ifndef TALLY_BILLING_ACCUM_H
#define TALLY_BILLING_ACCUM_H

#include "tally/billing.h"
#include "../util/base.h"
#include "../util/mem.h"
#include "../util/buf.h"
#include "../util/decimal.h"

typedef __int128 t_bill_amt;

/* 10^36 units = 10^27: the magnitude limit of t_dec. */
#define T_BILL_AMT_MAX (((t_bill_amt)1000000000000000000LL) * (t_bill_amt)1000000000000000000LL)

static inline t_bill_amt t_bill_from_pub(tally_decimal d) {
  return (t_bill_amt)(((unsigned __int128)(uint64_t)d.hi << 64) | (unsigned __int128)d.lo);
}
static inline tally_decimal t_bill_to_pub(t_bill_amt v) {
  tally_decimal d;
  unsigned __int128 u = (unsigned __int128)v;
  d.hi = (int64_t)(uint64_t)(u >> 64);
  d.lo = (uint64_t)u;
  return d;
}
static inline t_dec t_bill_dec(t_bill_amt v) { t_dec d; d.units = v; return d; }

/* Refresh windows: where a time falls (refresh.c). */
typedef struct t_bill_windows {
  bool on;                 /* the plan has a refresh allowance */
  int64_t len;             /* window length in ms (>= 60,000) */
  int64_t base;            /* start of the window holding period.start */
  uint64_t recip;          /* floor(2^64 / len): division by multiplication */
  uint64_t recip32;        /* floor(2^32 / len): the same within 2^32 ms (49 days) of base */
  uint64_t count;          /* windows from base up to cap (0 when nothing counts) */
} t_bill_windows;

TALLY_INTERNAL tally_status t_bill_windows_init(t_bill_windows *w, const tally_billing_plan *plan, int64_t start,
                                                int64_t cap, tally_error *err);

/* Index of the window of t, for base <= t (every counted row). */
static inline uint64_t t_bill_window_of(const t_bill_windows *w, int64_t t) {
  uint64_t d = (uint64_t)t - (uint64_t)w->base, q;
  /* a 64-bit product where it suffices: 32-bit targets (wasm32) have no
  ** cheap 128-bit one */
  if (t_likely(d >> 32 == 0)) q = (d * w->recip32) >> 32;
  else q = (uint64_t)(((unsigned __int128)d * w->recip) >> 64);
  uint64_t r = d - q * (uint64_t)w->len;
  if (r >= (uint64_t)w->len) q++;  /* the estimate is low by at most one */
  return q;
}

typedef struct t_bill_user {
  const char *name;        /* in the accumulator's arena */
  size_t len;
  t_bill_amt sum;
  bool counted;
} t_bill_user;

/*
** Idempotency keys: an open-addressing table of 8-byte slots (eight to a
** cache line, so that a probe for a new key usually costs one miss)
** pointing into blocks of the first row of each key. Blocks, not one
** growing array: nothing is copied when keys keep coming, and memory
** (which at 10^7 keys is what costs, in page faults) stays near what is used.
*/
typedef struct t_bill_kslot {
  uint32_t tag;            /* high half of the key's hash */
  uint32_t entry;          /* entry index + 1; 0: empty slot */
} t_bill_kslot;

typedef struct t_bill_key {
  const char *key;         /* in the accumulator's arena */
  int64_t t;
  uint64_t cost_lo;        /* the cost as two halves: 40 bytes, not 48 */
  int64_t cost_hi;
  uint32_t user;
  uint32_t len;
} t_bill_key;

#define T_BILL_KEY_BLOCK_BITS 16
#define T_BILL_KEY_BLOCK ((size_t)1 << T_BILL_KEY_BLOCK_BITS)

/* A window of the sparse table (long periods with short windows). */
typedef struct t_bill_wslot {
  uint64_t idx;            /* window index + 1; 0: empty slot */
  t_bill_amt sum;
} t_bill_wslot;

typedef struct t_bill_win {
  int64_t start;
  t_bill_amt usage;
} t_bill_win;

typedef struct t_bill_grant {
  const char *key;
  size_t key_len;
  t_bill_amt amount;
  int64_t granted_at;
  bool has_expiry;
  int64_t expires_at;
  size_t index;            /* position in the request */
} t_bill_grant;

typedef struct t_bill_grant_use {
  size_t index;
  t_bill_amt taken;
} t_bill_grant_use;

/* Windows are dense arrays up to this many, a hash table past it. */
#define T_BILL_DENSE_MAX 65536u

struct tally_billing {
  tally_allocator alloc;
  t_arena arena;           /* key, user and entity bytes */
  const char *entity;
  size_t entity_len;
  int64_t start, end, now, cap;
  bool closing;
  bool keys_on;
  tally_billing_plan plan;
  t_bill_amt baseline, billed, credits;
  t_bill_amt included_total, limit, allowance;

  t_bill_windows win;
  t_bill_amt *wsum;        /* dense: win.count sums */
  uint8_t *wtouched;       /* dense: 1 when the window holds counted usage */
  t_bill_wslot *wslots;    /* sparse */
  size_t wslot_cap, wslot_len;

  t_bill_amt total;        /* counted usage (rows and window sums) */
  bool overflow;           /* a sum left the decimal range */
  uint64_t rows, conflicts;

  t_bill_user *users;
  size_t n_users, users_cap;
  uint32_t *user_slots;    /* hash of user ids by name; UINT32_MAX empty */
  size_t user_slot_cap;

  t_bill_kslot *kslots;
  size_t kslot_cap;
  t_bill_key **key_blocks;
  size_t n_key_blocks, key_blocks_cap, key_block0_cap, n_keys;

  t_bill_grant *grants;
  size_t n_grants, grants_cap;

  /* Results of the last compute. */
  t_buf invoice_key;
  uint32_t *user_order;    /* counted users sorted by name */
  size_t n_user_order, n_user_order_cap;
  t_bill_win *wins;        /* windows with usage, in order */
  size_t n_win, win_cap;
  t_bill_grant_use *uses;
  size_t n_uses;
};

TALLY_INTERNAL uint64_t t_bill_hash(const char *s, size_t len);

/* usage.c */
TALLY_INTERNAL tally_status t_bill_new(const tally_allocator *alloc, const tally_billing_request *req,
                                       tally_billing **out, tally_error *err);
TALLY_INTERNAL tally_status t_bill_user_intern(tally_billing *b, const char *name, size_t len, uint32_t *id,
                                               tally_error *err);
/*
** One row with a cost already checked to be in [0, 10^36). Returns
** TALLY_OK, TALLY_ERR_CONFLICT (left out, counted; err names the key) or
** TALLY_ERR_NOMEM.
*/
TALLY_INTERNAL tally_status t_bill_add(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user,
                                       const char *key, size_t key_len, tally_error *err);
/* The same with the key's hash already known (t_bill_hash), and room for
** the key reserved by t_bill_keys_reserve. */
TALLY_INTERNAL tally_status t_bill_add_hashed(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user,
                                              const char *key, size_t key_len, uint64_t hash, tally_error *err);
TALLY_INTERNAL bool t_bill_keys_reserve(tally_billing *b, size_t more);
TALLY_INTERNAL tally_status t_bill_add_window(tally_billing *b, int64_t start, t_bill_amt usage, tally_error *err);

/* refresh.c: the windows with usage, in order, into b->wins. */
TALLY_INTERNAL tally_status t_bill_collect_windows(tally_billing *b, tally_error *err);

/*
** credits.c: the credits available at `now` and, when `spend`, what is
** applied to `unbilled` (min of both), with the grants used in b->uses.
*/
TALLY_INTERNAL tally_status t_bill_credits_use(tally_billing *b, t_bill_amt unbilled, bool spend,
                                               t_bill_amt *available, t_bill_amt *applied, tally_error *err);

/* statement.c */
TALLY_INTERNAL tally_status t_bill_compute(tally_billing *b, tally_billing_statement *st, tally_error *err);

/*
** statement_json.c: one parsed request line in, one output line appended
** to out (without newline). `ar` is scratch memory for the call.
*/
struct t_json;
TALLY_INTERNAL tally_status t_bill_json_bill(const tally_allocator *alloc, t_arena *ar, const struct t_json *req,
                                             t_buf *out, tally_error *err);
TALLY_INTERNAL tally_status t_bill_json_price(t_arena *ar, const struct t_json *req, t_buf *out, tally_error *err);
/*
** Streaming (wasm exports): open an accumulator from a request (its usage
** and windows included; "keys": false switches keys off, here as in
** t_bill_json_bill), add rows (a
** conflicting row is left out and its index written to conflicts[], room
** for every row) or windows, and write the statement followed by a second
** line {"rows", "conflicts", "windows": [{start, usage, refresh}],
** "grantUses": [{grant, taken}]}.
*/
TALLY_INTERNAL tally_status t_bill_json_open(const tally_allocator *alloc, t_arena *ar, const struct t_json *req,
                                             tally_billing **out, tally_error *err);
TALLY_INTERNAL tally_status t_bill_json_add_rows(tally_billing *b, const struct t_json *rows, uint32_t *conflicts,
                                                 size_t *n_conflicts, tally_error *err);
TALLY_INTERNAL tally_status t_bill_json_add_windows(tally_billing *b, const struct t_json *wins, tally_error *err);
TALLY_INTERNAL tally_status t_bill_json_statement(tally_billing *b, t_buf *out, tally_error *err);

#endif
