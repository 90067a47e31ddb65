/*
** balances.c - many customers and items in one call: entries are checked
** in input order (keys, totals) while they are grouped by (customer, item)
** in a hash table, then each group is copied into one contiguous block,
** sorted if it is not already in time order, and run through the state
** machine. Nothing is allocated per entry: a few arrays per call.
*/
#include "ledger_internal.h"
#include "../util/error.h"

void t_ledger_groups_init(t_ledger_groups *g, const tally_allocator *alloc) {
  t_memset(g, 0, sizeof *g);
  g->alloc = alloc;
}

void t_ledger_groups_free(t_ledger_groups *g) {
  t_free(g->alloc, g->groups, g->groups_cap * sizeof *g->groups);
  t_free(g->alloc, g->table, g->table_cap * sizeof *g->table);
  t_free(g->alloc, g->keys, g->keys_cap * sizeof *g->keys);
  t_free(g->alloc, g->key_groups, g->keys_cap * sizeof *g->key_groups);
  t_free(g->alloc, g->memo, g->memo_cap * sizeof *g->memo);
  t_memset(g, 0, sizeof *g);
}

uint64_t t_ledger_groups_hash(const tally_ledger_entry *e) {
  uint64_t h = t_ledger_hash(e->customer, e->customer_len, 0x6c65646765720001u);
  return t_ledger_hash(e->item, e->item_len, h);
}

static bool groups__same(const t_ledger_group *g, const tally_ledger_entry *e) {
  if (g->customer_len != e->customer_len || g->item_len != e->item_len) return false;
  if (g->customer != e->customer && g->customer_len && t_memcmp(g->customer, e->customer, g->customer_len)) return false;
  if (g->item != e->item && g->item_len && t_memcmp(g->item, e->item, g->item_len)) return false;
  return true;
}

/* Slot of the entry's group, or of the empty slot where it would go. */
static size_t groups__slot(const t_ledger_groups *g, const tally_ledger_entry *e, uint64_t h) {
  size_t mask = g->table_cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t v = g->table[i];
    if (!v) return i;
    const t_ledger_group *x = &g->groups[v - 1];
    if (x->hash == h && groups__same(x, e)) return i;
  }
}

static bool groups__rehash(t_ledger_groups *g) {
  size_t cap = g->table_cap ? g->table_cap * 2 : 64;
  uint32_t *t = t_calloc(g->alloc, cap, sizeof *t);
  if (!t) return false;
  for (size_t k = 0; k < g->n_groups; k++) {
    size_t i = (size_t)g->groups[k].hash & (cap - 1);
    while (t[i]) i = (i + 1) & (cap - 1);
    t[i] = (uint32_t)k + 1;
  }
  t_free(g->alloc, g->table, g->table_cap * sizeof *g->table);
  g->table = t;
  g->table_cap = cap;
  return true;
}

/* Groups whose entries arrive in time order are computed in one pass, unsorted. */
static inline void bal__track_order(t_ledger_group *x, const tally_ledger_entry *e) {
  int64_t seq = e->has_seq ? e->seq : 0;
  if (e->t < x->last_t || (e->t == x->last_t && seq < x->last_seq)) x->unsorted = true;
  x->last_t = e->t;
  x->last_seq = seq;
}

static uint64_t keys__hash(const tally_ledger_entry *e, uint32_t group) {
  return t_ledger_hash(e->key, e->key_len, 0x6b65790000000000u ^ group);
}

static size_t keys__slot(const t_ledger_groups *g, const tally_ledger_entry *entries, const tally_ledger_entry *e,
                         uint32_t group, uint64_t h) {
  size_t mask = g->keys_cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t v = g->keys[i];
    if (!v) return i;
    const tally_ledger_entry *o = &entries[v - 1];
    if (g->key_groups[i] == group && o->key_len == e->key_len &&
        (e->key_len == 0 || t_memcmp(o->key, e->key, e->key_len) == 0))
      return i;
  }
}

static bool keys__rehash(t_ledger_groups *g, const tally_ledger_entry *entries) {
  size_t cap = g->keys_cap ? g->keys_cap * 2 : 64;
  uint32_t *k = t_calloc(g->alloc, cap, sizeof *k);
  uint32_t *kg = t_calloc(g->alloc, cap, sizeof *kg);
  if (!k || !kg) {
    t_free(g->alloc, k, cap * sizeof *k);
    t_free(g->alloc, kg, cap * sizeof *kg);
    return false;
  }
  for (size_t s = 0; s < g->keys_cap; s++) {
    if (!g->keys[s]) continue;
    size_t i = (size_t)keys__hash(&entries[g->keys[s] - 1], g->key_groups[s]) & (cap - 1);
    while (k[i]) i = (i + 1) & (cap - 1);
    k[i] = g->keys[s];
    kg[i] = g->key_groups[s];
  }
  t_free(g->alloc, g->keys, g->keys_cap * sizeof *g->keys);
  t_free(g->alloc, g->key_groups, g->keys_cap * sizeof *g->key_groups);
  g->keys = k;
  g->key_groups = kg;
  g->keys_cap = cap;
  return true;
}


/*
** {======================================================
** The address memo (see t_ledger_memo)
** =======================================================
*/

static inline uint64_t memo__hash(const tally_ledger_entry *e) {
  uint64_t h = (uint64_t)(uintptr_t)e->customer * 0x9e3779b97f4a7c15u;
  h ^= (uint64_t)(uintptr_t)e->item * 0xbf58476d1ce4e5b9u + e->customer_len * 31 + e->item_len;
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93u;
  return h ^ (h >> 32);
}

static inline bool memo__is(const t_ledger_memo *m, const tally_ledger_entry *e) {
  return m->customer == e->customer && m->item == e->item && m->customer_len == e->customer_len &&
         m->item_len == e->item_len;
}

/* The group of the entry if its addresses are in the memo, else UINT32_MAX. */
static inline uint32_t memo__find(const t_ledger_groups *g, const tally_ledger_entry *e, uint64_t mh) {
  if (!g->memo_cap) return UINT32_MAX;
  size_t mask = g->memo_cap - 1;
  for (size_t i = (size_t)mh & mask;; i = (i + 1) & mask) {
    const t_ledger_memo *m = &g->memo[i];
    if (!m->group) return UINT32_MAX;
    if (memo__is(m, e)) return m->group - 1;
  }
}

/* Remembers the entry's addresses; silently does nothing when full or out of memory. */
static void memo__put(t_ledger_groups *g, const tally_ledger_entry *e, uint64_t mh, uint32_t group) {
  if (e->customer_len > UINT32_MAX || e->item_len > UINT32_MAX) return;
  if (g->n_memo >= 2 * g->n_groups + 1024) return;  /* not a host that shares names */
  if ((g->n_memo + 1) * 2 > g->memo_cap) {
    size_t cap = g->memo_cap ? g->memo_cap * 2 : 256;
    t_ledger_memo *t = t_calloc(g->alloc, cap, sizeof *t);
    if (!t) return;
    for (size_t k = 0; k < g->memo_cap; k++) {
      const t_ledger_memo *m = &g->memo[k];
      if (!m->group) continue;
      tally_ledger_entry key;
      key.customer = m->customer;
      key.item = m->item;
      key.customer_len = m->customer_len;
      key.item_len = m->item_len;
      size_t i = (size_t)memo__hash(&key) & (cap - 1);
      while (t[i].group) i = (i + 1) & (cap - 1);
      t[i] = *m;
    }
    t_free(g->alloc, g->memo, g->memo_cap * sizeof *g->memo);
    g->memo = t;
    g->memo_cap = cap;
  }
  size_t mask = g->memo_cap - 1, i = (size_t)mh & mask;
  while (g->memo[i].group) {
    if (memo__is(&g->memo[i], e)) return;
    i = (i + 1) & mask;
  }
  t_ledger_memo *m = &g->memo[i];
  m->customer = e->customer;
  m->item = e->item;
  m->customer_len = (uint32_t)e->customer_len;
  m->item_len = (uint32_t)e->item_len;
  m->group = group + 1;
  g->n_memo++;
}

/* } */

tally_status t_ledger_groups_add(t_ledger_groups *g, const tally_ledger_entry *entries, size_t idx, uint32_t *group,
                                 tally_error *err) {
  const tally_ledger_entry *e = &entries[idx];
  if ((!e->customer && e->customer_len) || (!e->item && e->item_len))
    return t_error_set(err, TALLY_ERR_USAGE, "customer or item is NULL with a length");
  return t_ledger_groups_add_hashed(g, entries, idx, t_ledger_groups_hash(e), group, err);
}

/*
** The checks of an entry whose group already exists and is known (from the
** memo): keys and totals only. Same contract as t_ledger_groups_add.
*/
static tally_status groups__add_known(t_ledger_groups *g, const tally_ledger_entry *entries, size_t idx, uint32_t gi,
                                      uint32_t *group, tally_error *err) {
  const tally_ledger_entry *e = &entries[idx];
  tally_status st = t_ledger_check_entry(e, err);
  if (st) return st;
  if (idx >= UINT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many entries in one call");
  t_ledger_group *x = &g->groups[gi];
  size_t kslot = 0;
  if (e->key) {
    if ((g->n_keys + 1) * 2 > g->keys_cap && !keys__rehash(g, entries))
      return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    kslot = keys__slot(g, entries, e, gi, keys__hash(e, gi));
    if (g->keys[kslot]) {
      if (t_ledger_same_entry(&entries[g->keys[kslot] - 1], e)) {
        *group = T_LEDGER_DUPLICATE;
        return TALLY_OK;
      }
      return t_error_set(err, TALLY_ERR_CONFLICT, "key \"%.*s\" is already used by a different entry",
                         (int)T_MIN(e->key_len, 200), e->key);
    }
  }
  __int128 q = t_ledger_units(e->qty);
  if (q > 0) {
    if (x->granted + q >= T_LEDGER_LIMIT) goto overflow;
    x->granted += q;
  } else {
    if (x->removed - q >= T_LEDGER_LIMIT) goto overflow;
    x->removed -= q;
  }
  x->count++;
  bal__track_order(x, e);
  if (e->has_seq) g->any_seq = true;
  if (e->key) {
    g->keys[kslot] = (uint32_t)idx + 1;
    g->key_groups[kslot] = gi;
    g->n_keys++;
  }
  *group = gi;
  return TALLY_OK;
overflow:
  return t_error_set(err, TALLY_ERR_RANGE, "overflow: the total of %s of this customer and item would reach 10^27",
                     q > 0 ? "grants" : "removals");
}

tally_status t_ledger_groups_add_hashed(t_ledger_groups *g, const tally_ledger_entry *entries, size_t idx,
                                        uint64_t h, uint32_t *group, tally_error *err) {
  const tally_ledger_entry *e = &entries[idx];
  tally_status st = t_ledger_check_entry(e, err);
  if (st) return st;
  if ((!e->customer && e->customer_len) || (!e->item && e->item_len))
    return t_error_set(err, TALLY_ERR_USAGE, "customer or item is NULL with a length");
  if (idx >= UINT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many entries in one call");
  /* room first, so that a rejected entry leaves nothing behind */
  if ((g->n_groups + 1) * 2 > g->table_cap && !groups__rehash(g)) goto nomem;
  if (g->n_groups == g->groups_cap) {
    size_t cap = g->groups_cap ? g->groups_cap * 2 : 64;
    t_ledger_group *p = t_realloc(g->alloc, g->groups, g->groups_cap * sizeof *p, cap * sizeof *p);
    if (!p) goto nomem;
    g->groups = p;
    g->groups_cap = cap;
  }
  size_t slot = groups__slot(g, e, h);
  uint32_t gi = g->table[slot] ? g->table[slot] - 1 : (uint32_t)g->n_groups;
  bool fresh = g->table[slot] == 0;
  size_t kslot = 0;
  uint64_t kh = 0;
  if (e->key) {
    if ((g->n_keys + 1) * 2 > g->keys_cap && !keys__rehash(g, entries)) goto nomem;
    kh = keys__hash(e, gi);
    kslot = keys__slot(g, entries, e, gi, kh);
    if (!fresh && g->keys[kslot]) {
      if (t_ledger_same_entry(&entries[g->keys[kslot] - 1], e)) {
        *group = T_LEDGER_DUPLICATE;
        return TALLY_OK;
      }
      return t_error_set(err, TALLY_ERR_CONFLICT, "key \"%.*s\" is already used by a different entry",
                         (int)T_MIN(e->key_len, 200), e->key ? e->key : "");
    }
  }
  __int128 q = t_ledger_units(e->qty);
  __int128 granted = fresh ? 0 : g->groups[gi].granted, removed = fresh ? 0 : g->groups[gi].removed;
  if (q > 0) granted += q;
  else removed -= q;
  if (granted >= T_LEDGER_LIMIT || removed >= T_LEDGER_LIMIT)
    return t_error_set(err, TALLY_ERR_RANGE, "overflow: the total of %s of this customer and item would reach 10^27",
                       q > 0 ? "grants" : "removals");
  if (fresh) {
    t_ledger_group *x = &g->groups[gi];
    x->hash = h;
    x->customer = e->customer;
    x->customer_len = e->customer_len;
    x->item = e->item;
    x->item_len = e->item_len;
    x->count = 0;
    g->table[slot] = gi + 1;
    g->n_groups++;
  }
  g->groups[gi].granted = granted;
  g->groups[gi].removed = removed;
  if (fresh) g->groups[gi].unsorted = false;
  else bal__track_order(&g->groups[gi], e);
  g->groups[gi].last_t = e->t;
  g->groups[gi].last_seq = e->has_seq ? e->seq : 0;
  g->groups[gi].count++;
  if (e->has_seq) g->any_seq = true;
  if (e->key) {
    g->keys[kslot] = (uint32_t)idx + 1;
    g->key_groups[kslot] = gi;
    g->n_keys++;
  }
  *group = gi;
  return TALLY_OK;
nomem:
  return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
}

/*
** {======================================================
** Computing the states
** =======================================================
*/

/*
** An entry as the run needs it, contiguous per group: 32 bytes, two to a
** cache line. Seqs, rare, live in a parallel array only when some entry
** has one; the entry order is the position in the group's block.
*/
typedef struct bal__ent {
  int64_t t, exp;
  uint64_t qlo;
  int64_t qhi;
} bal__ent;

static inline __int128 bal__qty(const bal__ent *e) {
  return (__int128)(((unsigned __int128)(uint64_t)e->qhi << 64) | e->qlo);
}

typedef struct bal__block {
  const bal__ent *b;
  const int64_t *seq;   /* NULL: all 0 */
} bal__block;

static bool bal__less(const void *ctx, uint32_t a, uint32_t b) {
  const bal__block *k = ctx;
  const bal__ent *x = k->b + a, *y = k->b + b;
  if (x->t != y->t) return x->t < y->t;
  if (k->seq && k->seq[a] != k->seq[b]) return k->seq[a] < k->seq[b];
  return a < b;
}

static bool bal__name_less(const void *ctx, uint32_t a, uint32_t b) {
  const t_ledger_group *g = ctx;
  t_str ca = {g[a].customer, g[a].customer_len}, cb = {g[b].customer, g[b].customer_len};
  int c = t_str_cmp(ca, cb);
  if (c) return c < 0;
  t_str ia = {g[a].item, g[a].item_len}, ib = {g[b].item, g[b].item_len};
  return t_str_cmp(ia, ib) < 0;
}

static inline bool bal__apply(t_ledger_run *r, const bal__ent *e, int64_t seq, uint32_t ord) {
  t_ledger_run_expire_before(r, e->t);
  __int128 q = bal__qty(e);
  if (q > 0) return t_ledger_run_grant(r, e->t, seq, e->exp, q, ord);
  if (q < 0) t_ledger_run_remove(r, e->t, -q, ord, NULL);
  return true;
}

static void bal__result(const t_ledger_group *gr, const t_ledger_run *run, int64_t at, tally_ledger_result *r) {
  r->customer = gr->customer;
  r->customer_len = gr->customer_len;
  r->item = gr->item;
  r->item_len = gr->item_len;
  t_ledger_run_state(run, at, &r->state);
}

/*
** Each group is copied into one contiguous block (a stable scatter, so a
** block keeps input order), sorted if it is not in time order already,
** and run. Copying costs one random write per entry, but then every run
** works on hot memory: cheaper than keeping 100,000 runs live at once
** (measured both ways in bench/ledger_bench.c).
*/
tally_status t_ledger_groups_compute(const t_ledger_groups *g, const tally_ledger_entry *entries, const uint32_t *gid,
                                     size_t n, int64_t at, tally_ledger_balances *out, tally_error *err) {
  const tally_allocator *a = g->alloc;
  size_t ng = g->n_groups;
  tally_status st = TALLY_OK;
  size_t total = 0, biggest = 0;
  for (size_t k = 0; k < ng; k++) {
    total += g->groups[k].count;
    biggest = T_MAX(biggest, g->groups[k].count);
  }
  size_t *start = t_alloc(a, (ng + 1) * sizeof *start);
  bal__ent *ents = t_alloc(a, (total ? total : 1) * sizeof *ents);
  int64_t *seqs = g->any_seq ? t_alloc(a, (total ? total : 1) * sizeof *seqs) : NULL;
  uint32_t *idx = t_alloc(a, (2 * biggest + 2) * sizeof *idx);
  uint32_t *names = t_alloc(a, (2 * ng + 2) * sizeof *names);
  tally_ledger_result *res = t_alloc(a, (ng ? ng : 1) * sizeof *res);
  t_ledger_run run;
  t_ledger_run_init(&run, a);
  if (!start || !ents || !idx || !names || !res || (g->any_seq && !seqs)) goto nomem;

  size_t acc = 0;
  for (size_t k = 0; k < ng; k++) {
    start[k] = acc;
    acc += g->groups[k].count;
  }
  start[ng] = acc;
  for (size_t i = 0; i < n; i++) {
    uint32_t k = gid[i];
    if (i + 16 < n && gid[i + 16] != T_LEDGER_DUPLICATE) __builtin_prefetch(&ents[start[gid[i + 16]]], 1);
    if (k == T_LEDGER_DUPLICATE) continue;
    const tally_ledger_entry *e = &entries[i];
    size_t pos = start[k]++;
    bal__ent *x = &ents[pos];
    x->t = e->t;
    x->exp = e->has_expiry ? e->expires_at : T_LEDGER_NEVER;
    x->qlo = e->qty.lo;
    x->qhi = e->qty.hi;
    if (seqs) seqs[pos] = e->has_seq ? e->seq : 0;
  }
  for (size_t k = ng; k > 0; k--) start[k] = start[k - 1];
  start[0] = 0;

  for (size_t k = 0; k < ng; k++) {
    bal__ent *b = ents + start[k];
    const int64_t *sq = seqs ? seqs + start[k] : NULL;
    size_t m = start[k + 1] - start[k];
    t_ledger_run_reset(&run);
    if (!g->groups[k].unsorted) {
      for (size_t i = 0; i < m && b[i].t <= at; i++)
        if (!bal__apply(&run, &b[i], sq ? sq[i] : 0, (uint32_t)i)) goto nomem;
    } else {
      bal__block blk = {b, sq};
      for (size_t i = 0; i < m; i++) idx[i] = (uint32_t)i;
      t_ledger_sort_u32(idx, idx + m, m, bal__less, &blk);
      for (size_t i = 0; i < m && b[idx[i]].t <= at; i++)
        if (!bal__apply(&run, &b[idx[i]], sq ? sq[idx[i]] : 0, idx[i])) goto nomem;
    }
    bal__result(&g->groups[k], &run, at, &res[k]);
  }

  for (size_t k = 0; k < ng; k++) names[k] = (uint32_t)k;
  t_ledger_sort_u32(names, names + ng, ng, bal__name_less, g->groups);
  {
    tally_ledger_result *sorted = t_alloc(a, (ng ? ng : 1) * sizeof *sorted);
    if (!sorted) goto nomem;
    for (size_t k = 0; k < ng; k++) sorted[k] = res[names[k]];
    t_free(a, out->results, out->results_cap_ * sizeof *out->results);
    out->results = sorted;
    out->n_results = ng;
    out->results_cap_ = ng ? ng : 1;
  }
  goto done;
nomem:
  st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
done:
  t_ledger_run_free(&run);
  t_free(a, start, (ng + 1) * sizeof *start);
  t_free(a, ents, (total ? total : 1) * sizeof *ents);
  if (seqs) t_free(a, seqs, (total ? total : 1) * sizeof *seqs);
  t_free(a, idx, (2 * biggest + 2) * sizeof *idx);
  t_free(a, names, (2 * ng + 2) * sizeof *names);
  t_free(a, res, (ng ? ng : 1) * sizeof *res);
  return st;
}

/* } */

#define T_BAL_BLOCK 256

static bool bal__push_error(tally_ledger_balances *b, size_t index, const tally_error *e) {
  if (b->n_errors == b->errors_cap_) {
    size_t cap = b->errors_cap_ ? b->errors_cap_ * 2 : 8;
    tally_ledger_entry_error *p =
        t_realloc(&b->alloc_, b->errors, b->errors_cap_ * sizeof *p, cap * sizeof *p);
    if (!p) return false;
    b->errors = p;
    b->errors_cap_ = cap;
  }
  b->errors[b->n_errors].index = index;
  b->errors[b->n_errors].error = *e;
  b->n_errors++;
  return true;
}

tally_status tally_ledger_balances_compute(const tally_allocator *alloc, const tally_ledger_entry *entries, size_t n,
                                           int64_t at, tally_ledger_balances *out, tally_error *err) {
  if (!alloc || !alloc->fn || !out || (n && !entries))
    return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_balances_compute: NULL argument");
  t_memset(out, 0, sizeof *out);
  out->alloc_ = *alloc;
  if (n >= UINT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many entries in one call");
  t_ledger_groups g;
  t_ledger_groups_init(&g, &out->alloc_);
  tally_status st = TALLY_OK;
  uint32_t *gid = t_alloc(alloc, (n ? n : 1) * sizeof *gid);
  if (!gid) {
    st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    goto done;
  }
  /*
  ** Software pipelining: with 100,000 customers the memo and the groups do
  ** not fit in the caches, and their loads are otherwise the whole cost.
  ** While entry j is checked, the memo slot of entry j + 16 and the group
  ** of entry j + 8 are being fetched. Checks stay in input order.
  */
  enum { AHEAD_MEMO = 16, AHEAD_GROUP = 8 };
  uint64_t mh[T_BAL_BLOCK];
  uint32_t known[T_BAL_BLOCK];
  for (size_t base = 0; base < n; base += T_BAL_BLOCK) {
    size_t m = T_MIN((size_t)T_BAL_BLOCK, n - base);
    for (size_t j = 0; j < m; j++) mh[j] = memo__hash(&entries[base + j]);
    for (size_t j = 0; j < m && j < AHEAD_MEMO; j++)
      if (g.memo_cap) __builtin_prefetch(&g.memo[mh[j] & (g.memo_cap - 1)]);
    for (size_t j = 0; j < m && j < AHEAD_GROUP; j++) known[j] = memo__find(&g, &entries[base + j], mh[j]);
    for (size_t j = 0; j < m; j++) {
      if (j + AHEAD_MEMO < m && g.memo_cap) __builtin_prefetch(&g.memo[mh[j + AHEAD_MEMO] & (g.memo_cap - 1)]);
      if (j + AHEAD_GROUP < m) {
        uint32_t k = known[j + AHEAD_GROUP] = memo__find(&g, &entries[base + j + AHEAD_GROUP], mh[j + AHEAD_GROUP]);
        if (k != UINT32_MAX) __builtin_prefetch(&g.groups[k], 1);
      }
      size_t i = base + j;
      const tally_ledger_entry *x = &entries[i];
      tally_error e;
      e.code = TALLY_OK;
      e.line = e.column = 0;
      e.offset = 0;
      e.message[0] = 0;
      tally_status s;
      if (known[j] != UINT32_MAX) {
        s = groups__add_known(&g, entries, i, known[j], &gid[i], &e);
      } else {
        /* a group made since the look-up may have just entered the memo */
        uint32_t k = memo__find(&g, x, mh[j]);
        if (k != UINT32_MAX) s = groups__add_known(&g, entries, i, k, &gid[i], &e);
        else {
          s = t_ledger_groups_add(&g, entries, i, &gid[i], &e);
          if (s == TALLY_OK && gid[i] != T_LEDGER_DUPLICATE) memo__put(&g, x, mh[j], gid[i]);
        }
      }
      if (s == TALLY_OK) continue;
      gid[i] = T_LEDGER_DUPLICATE;
      if (s == TALLY_ERR_INPUT || s == TALLY_ERR_CONFLICT || s == TALLY_ERR_RANGE) {
        if (bal__push_error(out, i, &e)) continue;
        s = t_error_set(&e, TALLY_ERR_NOMEM, "out of memory");
      }
      st = s;
      if (err) *err = e;
      goto done;
    }
  }
  st = t_ledger_groups_compute(&g, entries, gid, n, at, out, err);
done:
  t_free(alloc, gid, (n ? n : 1) * sizeof *gid);
  t_ledger_groups_free(&g);
  if (st) tally_ledger_balances_free(out);
  return st;
}

void tally_ledger_balances_free(tally_ledger_balances *b) {
  if (!b || !b->alloc_.fn) return;
  t_free(&b->alloc_, b->results, b->results_cap_ * sizeof *b->results);
  t_free(&b->alloc_, b->errors, b->errors_cap_ * sizeof *b->errors);
  b->results = NULL;
  b->errors = NULL;
  b->n_results = b->n_errors = b->results_cap_ = b->errors_cap_ = 0;
}
