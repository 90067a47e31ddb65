/*
** run.c - the ledger's state machine for one (customer, item): grants,
** removals and expiry over a heap of lots (ledger_internal.h), plus the
** small helpers every driver needs (entry checks, hashing, sorting).
*/
#include "ledger_internal.h"
#include "../util/error.h"

void t_ledger_run_init(t_ledger_run *r, const tally_allocator *alloc) {
  t_memset(r, 0, sizeof *r);
  r->alloc = alloc;
}

void t_ledger_run_free(t_ledger_run *r) {
  t_free(r->alloc, r->lots, r->cap * sizeof *r->lots);
  r->lots = NULL;
  r->n = r->cap = 0;
}

void t_ledger_run_reset(t_ledger_run *r) {
  r->n = 0;
  r->avail = r->owed = r->expired = 0;
}

static bool run__reserve(t_ledger_run *r, size_t need) {
  if (need <= r->cap) return true;
  size_t cap = r->cap ? r->cap : 8;
  while (cap < need) {
    if (cap > SIZE_MAX / 2 / sizeof *r->lots) return false;
    cap *= 2;
  }
  t_ledger_lot *p = t_realloc(r->alloc, r->lots, r->cap * sizeof *r->lots, cap * sizeof *r->lots);
  if (!p) return false;
  r->lots = p;
  r->cap = cap;
  return true;
}

bool t_ledger_run_copy(t_ledger_run *dst, const t_ledger_run *src) {
  if (!run__reserve(dst, src->n)) return false;
  if (src->n) t_memcpy(dst->lots, src->lots, src->n * sizeof *src->lots);
  dst->n = src->n;
  dst->avail = src->avail;
  dst->owed = src->owed;
  dst->expired = src->expired;
  return true;
}

/* Spending order: soonest expiry first (never last), then grant time, seq, entry order. */
static inline bool lot__before(const t_ledger_lot *a, const t_ledger_lot *b) {
  if (a->exp != b->exp) return a->exp < b->exp;
  if (a->t != b->t) return a->t < b->t;
  if (a->seq != b->seq) return a->seq < b->seq;
  return a->ord < b->ord;
}

static void heap__up(t_ledger_lot *h, size_t i) {
  t_ledger_lot x = h[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!lot__before(&x, &h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static void heap__down(t_ledger_lot *h, size_t n, size_t i) {
  t_ledger_lot x = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && lot__before(&h[c + 1], &h[c])) c++;
    if (!lot__before(&h[c], &x)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

static void heap__pop(t_ledger_run *r) {
  r->n--;
  if (r->n) {
    r->lots[0] = r->lots[r->n];
    heap__down(r->lots, r->n, 0);
  }
}

/*
** Runs are compared as sets of lots: two runs that reached the same lots by
** different paths may hold them in different heap layouts. Identical
** layouts (the usual case) are one memcmp; otherwise lots are matched by
** ord, which is unique.
*/
bool t_ledger_run_equal(const t_ledger_run *a, const t_ledger_run *b) {
  return a->expired == b->expired && t_ledger_run_same_lots(a, b);
}

bool t_ledger_run_same_lots(const t_ledger_run *a, const t_ledger_run *b) {
  if (a->n != b->n || a->avail != b->avail || a->owed != b->owed) return false;
  if (a->n && t_memcmp(a->lots, b->lots, a->n * sizeof *a->lots) == 0) return true;
  for (size_t i = 0; i < a->n; i++) {
    const t_ledger_lot *x = &a->lots[i];
    bool found = false;
    if (b->lots[i].ord == x->ord) found = b->lots[i].rem == x->rem;
    else {
      for (size_t j = 0; j < b->n; j++) {
        if (b->lots[j].ord == x->ord) { found = b->lots[j].rem == x->rem; break; }
      }
    }
    if (!found) return false;
  }
  return true;
}

void t_ledger_run_expire_before(t_ledger_run *r, int64_t t) {
  while (r->n && r->lots[0].exp < t) {
    r->expired += r->lots[0].rem;
    r->avail -= r->lots[0].rem;
    heap__pop(r);
  }
}

bool t_ledger_run_grant(t_ledger_run *r, int64_t t, int64_t seq, int64_t exp, __int128 qty, uint32_t ord) {
  if (exp <= t) return true;  /* void: expires before it starts */
  if (r->owed) {
    if (qty <= r->owed) { r->owed -= qty; return true; }
    qty -= r->owed;
    r->owed = 0;
  }
  if (r->n == r->cap && !run__reserve(r, r->n + 1)) return false;
  t_ledger_lot *l = &r->lots[r->n];
  l->rem = qty;
  l->exp = exp;
  l->t = t;
  l->seq = seq;
  l->ord = ord;
  heap__up(r->lots, r->n);
  r->n++;
  r->avail += qty;
  return true;
}

void t_ledger_run_remove(t_ledger_run *r, int64_t t, __int128 need, uint32_t ord, const t_ledger_hooks *h) {
  while (need > 0 && r->n) {
    t_ledger_lot *top = &r->lots[0];
    __int128 take = top->rem < need ? top->rem : need;
    if (h && h->use) h->use(h->ud, ord, top->ord, t, take);
    need -= take;
    r->avail -= take;
    top->rem -= take;
    if (top->rem == 0) heap__pop(r);
  }
  r->owed += need;
}

void t_ledger_run_state(const t_ledger_run *r, int64_t at, tally_ledger_state *out) {
  __int128 gone = 0;
  int64_t next = T_LEDGER_NEVER;
  for (size_t i = 0; i < r->n; i++) {
    const t_ledger_lot *l = &r->lots[i];
    if (l->exp <= at) gone += l->rem;
    else if (l->exp < next) next = l->exp;
  }
  __int128 avail = r->avail - gone;
  out->available = t_ledger_public(avail);
  out->owed = t_ledger_public(r->owed);
  out->balance = t_ledger_public(avail - r->owed);
  out->expired = t_ledger_public(r->expired + gone);
  out->has_next_expiry = next != T_LEDGER_NEVER;
  out->next_expiry = out->has_next_expiry ? next : 0;
  out->has_credits = avail > 0;
}

__int128 t_ledger_run_spendable(const t_ledger_run *r, int64_t at) {
  if (r->owed) return 0;
  __int128 s = 0;
  for (size_t i = 0; i < r->n; i++)
    if (r->lots[i].exp >= at) s += r->lots[i].rem;
  return s;
}

/*
** {======================================================
** Helpers
** =======================================================
*/

tally_status t_ledger_check_entry(const tally_ledger_entry *e, tally_error *err) {
  __int128 q = t_ledger_units(e->qty);
  if (!t_ledger_valid_units(q))
    return t_error_set(err, TALLY_ERR_INPUT, "qty out of range (magnitude must stay below 10^27)");
  if (q < 0 && e->has_expiry)
    return t_error_set(err, TALLY_ERR_INPUT, "a removal cannot have expiresAt (removals are permanent)");
  if (e->key == NULL && e->key_len)
    return t_error_set(err, TALLY_ERR_USAGE, "key is NULL but key_len is not 0");
  return TALLY_OK;
}

bool t_ledger_same_entry(const tally_ledger_entry *a, const tally_ledger_entry *b) {
  if (a->t != b->t || t_ledger_units(a->qty) != t_ledger_units(b->qty)) return false;
  if (a->has_expiry != b->has_expiry || (a->has_expiry && a->expires_at != b->expires_at)) return false;
  if (a->has_seq != b->has_seq || (a->has_seq && a->seq != b->seq)) return false;
  return true;
}

static inline uint64_t hash__mix(uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93u;
  h ^= h >> 32;
  return h;
}

uint64_t t_ledger_hash(const char *p, size_t n, uint64_t seed) {
  uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15u);
  uint64_t a, b;
  if (n <= 16) {
    /* short names (the usual case): two loads, overlapping when n < 16 */
    if (n >= 8) {
      t_memcpy(&a, p, 8);
      t_memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t x, y;
      t_memcpy(&x, p, 4);
      t_memcpy(&y, p + n - 4, 4);
      a = x;
      b = y;
    } else {
      a = n ? ((uint64_t)(unsigned char)p[0] << 16) | ((uint64_t)(unsigned char)p[n / 2] << 8) |
                  (unsigned char)p[n - 1]
            : 0;
      b = 0;
    }
    h = (h ^ a) * 0x9e3779b97f4a7c15u;
    h = (h ^ (h >> 29) ^ b) * 0xbf58476d1ce4e5b9u;
    return hash__mix(h);
  }
  while (n > 8) {
    t_memcpy(&a, p, 8);
    h = (h ^ a) * 0x9e3779b97f4a7c15u;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  t_memcpy(&a, p + n - 8, 8);  /* the last 8 bytes, overlapping the previous load */
  h = (h ^ a) * 0xbf58476d1ce4e5b9u;
  return hash__mix(h);
}

/* Bottom-up merge sort: no recursion, stable, O(n log n). */
void t_ledger_sort_u32(uint32_t *a, uint32_t *tmp, size_t n, t_ledger_less_fn less, const void *ctx) {
  /* short runs by insertion first */
  const size_t run = 16;
  for (size_t s = 0; s < n; s += run) {
    size_t e = T_MIN(n, s + run);
    for (size_t i = s + 1; i < e; i++) {
      uint32_t x = a[i];
      size_t j = i;
      while (j > s && less(ctx, x, a[j - 1])) { a[j] = a[j - 1]; j--; }
      a[j] = x;
    }
  }
  uint32_t *src = a, *dst = tmp;
  for (size_t w = run; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = T_MIN(n, lo + w), hi = T_MIN(n, lo + 2 * w);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = less(ctx, src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    uint32_t *x = src; src = dst; dst = x;
  }
  if (src != a) t_memcpy(a, src, n * sizeof *a);
}
