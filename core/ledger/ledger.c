/*
** ledger.c - one (customer, item) history kept up to date incrementally
** (tally_ledger in tally/ledger.h).
**
** Entries are stored by id (arrival order) and ordered by an index array
** sorted by (t, seq, id). The state after all entries is kept, and so are
** checkpoints: copies of the state after the first `pos` entries. A new
** checkpoint is taken when as many entries as the state has lots have
** arrived since the last one (and at least LEDGER__CKPT_MIN), so their
** total size stays linear in the history. An entry appended at the end is
** one step of the state machine. An entry inserted in the middle replays
** from the checkpoint before it, and stops at the first later checkpoint
** whose stored state the replay meets again: everything after that point
** is unchanged.
*/
#include "ledger_internal.h"
#include "../util/error.h"

#define LEDGER__CKPT_MIN 32

typedef struct ledger__ent {
  __int128 qty;
  int64_t t, seq, exp;      /* seq 0 when absent; exp T_LEDGER_NEVER when absent */
  uint32_t key_off, key_len;
  bool has_key, has_seq, has_exp;
} ledger__ent;

typedef struct ledger__ckpt {
  size_t pos;               /* entries applied (in sorted order) */
  t_ledger_run run;
} ledger__ckpt;

typedef struct ledger__debt {
  uint32_t ord;
  __int128 amount;
} ledger__debt;

struct tally_ledger {
  tally_allocator alloc;
  ledger__ent *ents;        /* by id */
  size_t n, ents_cap;
  uint32_t *order;          /* ids sorted by (t, seq, id) */
  size_t order_cap;
  char *keys;               /* key bytes of every keyed entry */
  size_t keys_len, keys_cap;
  uint32_t *keytab;         /* id + 1; 0 empty */
  size_t keytab_cap, n_keyed;
  ledger__ckpt *ckpts;      /* by increasing pos */
  size_t n_ckpts, ckpts_cap;
  t_ledger_run final;       /* after every entry */
  t_ledger_run scratch;
  bool dirty;               /* final/ckpts are stale (a replay ran out of memory) */
  size_t replayed;          /* entries replayed by the last insert */
  __int128 granted, removed;
  /* outputs of timeline and consumption */
  tally_ledger_point *points;
  size_t n_points, points_cap;
  tally_ledger_use *uses;
  size_t n_uses, uses_cap;
  ledger__debt *debts;
  size_t n_debts, debts_cap;
};

/* Grows *p (elements of size elem) to hold need; false on NOMEM. */
static bool ledger__grow(const tally_allocator *a, void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > SIZE_MAX / 2 / elem) return false;
    c *= 2;
  }
  void *q = t_realloc(a, *p, *cap * elem, c * elem);
  if (!q) return false;
  *p = q;
  *cap = c;
  return true;
}

tally_status tally_ledger_new(const tally_allocator *alloc, tally_ledger **out, tally_error *err) {
  if (!alloc || !alloc->fn || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_new: NULL argument");
  tally_ledger *l = t_calloc(alloc, 1, sizeof *l);
  if (!l) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  l->alloc = *alloc;
  t_ledger_run_init(&l->final, &l->alloc);
  t_ledger_run_init(&l->scratch, &l->alloc);
  *out = l;
  return TALLY_OK;
}

void tally_ledger_free(tally_ledger *l) {
  if (!l) return;
  const tally_allocator *a = &l->alloc;
  for (size_t i = 0; i < l->n_ckpts; i++) t_ledger_run_free(&l->ckpts[i].run);
  t_free(a, l->ckpts, l->ckpts_cap * sizeof *l->ckpts);
  t_ledger_run_free(&l->final);
  t_ledger_run_free(&l->scratch);
  t_free(a, l->ents, l->ents_cap * sizeof *l->ents);
  t_free(a, l->order, l->order_cap * sizeof *l->order);
  t_free(a, l->keys, l->keys_cap);
  t_free(a, l->keytab, l->keytab_cap * sizeof *l->keytab);
  t_free(a, l->points, l->points_cap * sizeof *l->points);
  t_free(a, l->uses, l->uses_cap * sizeof *l->uses);
  t_free(a, l->debts, l->debts_cap * sizeof *l->debts);
  tally_allocator copy = l->alloc;
  t_free(&copy, l, sizeof *l);
}

size_t tally_ledger_count(const tally_ledger *l) { return l ? l->n : 0; }

size_t t_ledger_replayed(const tally_ledger *l) { return l->replayed; }

/*
** {======================================================
** Keys
** =======================================================
*/

static uint32_t ledger__key_find(const tally_ledger *l, const char *key, size_t len, uint64_t h) {
  if (!l->keytab_cap) return TALLY_LEDGER_NO_ID;
  size_t mask = l->keytab_cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint32_t v = l->keytab[i];
    if (!v) return TALLY_LEDGER_NO_ID;
    const ledger__ent *e = &l->ents[v - 1];
    if (e->key_len == len && (len == 0 || t_memcmp(l->keys + e->key_off, key, len) == 0)) return v - 1;
  }
}

static void ledger__key_put(tally_ledger *l, uint32_t id, uint64_t h) {
  size_t mask = l->keytab_cap - 1;
  size_t i = (size_t)h & mask;
  while (l->keytab[i]) i = (i + 1) & mask;
  l->keytab[i] = id + 1;
}

/* Room for one more key; rehashes when half full. */
static bool ledger__key_reserve(tally_ledger *l, size_t key_len) {
  if (!ledger__grow(&l->alloc, (void **)&l->keys, &l->keys_cap, l->keys_len + key_len, 1)) return false;
  if ((l->n_keyed + 1) * 2 <= l->keytab_cap) return true;
  size_t cap = l->keytab_cap ? l->keytab_cap * 2 : 16;
  uint32_t *t = t_calloc(&l->alloc, cap, sizeof *t);
  if (!t) return false;
  uint32_t *old = l->keytab;
  size_t old_cap = l->keytab_cap;
  l->keytab = t;
  l->keytab_cap = cap;
  for (size_t i = 0; i < old_cap; i++) {
    if (!old[i]) continue;
    const ledger__ent *e = &l->ents[old[i] - 1];
    ledger__key_put(l, old[i] - 1, t_ledger_hash(l->keys + e->key_off, e->key_len, 0));
  }
  t_free(&l->alloc, old, old_cap * sizeof *old);
  return true;
}

/* } */

static void ledger__to_public(const tally_ledger *l, const ledger__ent *e, tally_ledger_entry *out) {
  t_memset(out, 0, sizeof *out);
  out->t = e->t;
  out->qty = t_ledger_public(e->qty);
  out->has_expiry = e->has_exp;
  out->expires_at = e->has_exp ? e->exp : 0;
  out->has_seq = e->has_seq;
  out->seq = e->seq;
  if (e->has_key) {
    /* An empty key may have stored no bytes at all: keys is then NULL. */
    out->key = e->key_len ? l->keys + e->key_off : "";
    out->key_len = e->key_len;
  }
}

tally_status tally_ledger_entry_get(const tally_ledger *l, uint32_t id, tally_ledger_entry *out, tally_error *err) {
  if (!l || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_entry_get: NULL argument");
  if (id >= l->n) return t_error_set(err, TALLY_ERR_INPUT, "no entry with id %u", (unsigned)id);
  ledger__to_public(l, &l->ents[id], out);
  return TALLY_OK;
}

/*
** {======================================================
** Replay
** =======================================================
*/

/* Sorted position before which every entry sorts before (t, seq, id=new). */
static size_t ledger__upper(const tally_ledger *l, int64_t t, int64_t seq) {
  size_t lo = 0, hi = l->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const ledger__ent *e = &l->ents[l->order[mid]];
    if (e->t < t || (e->t == t && e->seq <= seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Number of entries with t <= at. */
static size_t ledger__count_through(const tally_ledger *l, int64_t at) {
  size_t lo = 0, hi = l->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->ents[l->order[mid]].t <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static inline bool ledger__apply(t_ledger_run *r, const ledger__ent *e, uint32_t id, const t_ledger_hooks *h) {
  t_ledger_run_expire_before(r, e->t);
  if (e->qty > 0) return t_ledger_run_grant(r, e->t, e->seq, e->exp, e->qty, id);
  if (e->qty < 0) t_ledger_run_remove(r, e->t, -e->qty, id, h);
  return true;
}

/* Index of the last checkpoint with pos <= p, or SIZE_MAX when none. */
static size_t ledger__ckpt_before(const tally_ledger *l, size_t p) {
  size_t lo = 0, hi = l->n_ckpts;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->ckpts[mid].pos <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo ? lo - 1 : SIZE_MAX;
}

/* Loads into scratch the state after the first p sorted entries. */
static bool ledger__state_after(tally_ledger *l, size_t p) {
  size_t c = ledger__ckpt_before(l, p);
  size_t i = 0;
  t_ledger_run_reset(&l->scratch);
  if (c != SIZE_MAX) {
    if (!t_ledger_run_copy(&l->scratch, &l->ckpts[c].run)) return false;
    i = l->ckpts[c].pos;
  }
  for (; i < p; i++)
    if (!ledger__apply(&l->scratch, &l->ents[l->order[i]], l->order[i], NULL)) return false;
  return true;
}

static bool ledger__maybe_ckpt(tally_ledger *l) {
  size_t last = l->n_ckpts ? l->ckpts[l->n_ckpts - 1].pos : 0;
  size_t gap = T_MAX((size_t)LEDGER__CKPT_MIN, l->final.n);
  if (l->n - last < gap) return true;
  if (!ledger__grow(&l->alloc, (void **)&l->ckpts, &l->ckpts_cap, l->n_ckpts + 1, sizeof *l->ckpts)) return false;
  ledger__ckpt *c = &l->ckpts[l->n_ckpts];
  c->pos = l->n;
  t_ledger_run_init(&c->run, &l->alloc);
  if (!t_ledger_run_copy(&c->run, &l->final)) { t_ledger_run_free(&c->run); return false; }
  l->n_ckpts++;
  return true;
}

/* Full recomputation: the final state and fresh checkpoints. */
static tally_status ledger__rebuild(tally_ledger *l, tally_error *err) {
  for (size_t i = 0; i < l->n_ckpts; i++) t_ledger_run_free(&l->ckpts[i].run);
  l->n_ckpts = 0;
  t_ledger_run_reset(&l->final);
  size_t n = l->n;
  l->dirty = true;
  for (size_t i = 0; i < n; i++) {
    if (!ledger__apply(&l->final, &l->ents[l->order[i]], l->order[i], NULL))
      return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    l->n = i + 1;   /* the checkpoint policy looks at the entries applied */
    bool ok = ledger__maybe_ckpt(l);
    l->n = n;
    if (!ok) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  l->dirty = false;
  return TALLY_OK;
}

/*
** The entry at sorted position p was just inserted (checkpoints after it
** already shifted). Replays from the checkpoint before p; at each later
** checkpoint, a state equal to the stored one ends the work, a different
** one replaces it.
*/
static bool ledger__reflow(tally_ledger *l, size_t p) {
  size_t c = ledger__ckpt_before(l, p);
  size_t i = 0, j = 0;
  t_ledger_run_reset(&l->scratch);
  if (c != SIZE_MAX) {
    if (!t_ledger_run_copy(&l->scratch, &l->ckpts[c].run)) return false;
    i = l->ckpts[c].pos;
    j = c + 1;
  }
  for (;; i++) {
    if (j < l->n_ckpts && l->ckpts[j].pos == i && i > p) {
      if (t_ledger_run_same_lots(&l->scratch, &l->ckpts[j].run)) {
        /*
        ** Same lots and debt: what follows is the same, except that the
        ** expired total is off by a constant (a lot that expired with more
        ** or less in it). Shift the later stored totals and stop.
        */
        __int128 d = l->scratch.expired - l->ckpts[j].run.expired;
        if (d) {
          for (size_t k = j; k < l->n_ckpts; k++) l->ckpts[k].run.expired += d;
          l->final.expired += d;
        }
        return true;
      }
      if (!t_ledger_run_copy(&l->ckpts[j].run, &l->scratch)) return false;
      j++;
    }
    if (i == l->n) break;
    l->replayed++;
    if (!ledger__apply(&l->scratch, &l->ents[l->order[i]], l->order[i], NULL)) return false;
  }
  t_ledger_run tmp = l->final;
  l->final = l->scratch;
  l->scratch = tmp;
  return true;
}

/* } */

/* Validation and placement shared by add and spend. */
static tally_status ledger__insert(tally_ledger *l, const tally_ledger_entry *e, uint32_t *id, tally_error *err) {
  tally_status st = t_ledger_check_entry(e, err);
  if (st) return st;
  uint64_t kh = 0;
  if (e->key) {
    kh = t_ledger_hash(e->key, e->key_len, 0);
    uint32_t prev = ledger__key_find(l, e->key, e->key_len, kh);
    if (prev != TALLY_LEDGER_NO_ID) {
      tally_ledger_entry old;
      ledger__to_public(l, &l->ents[prev], &old);
      if (!t_ledger_same_entry(&old, e))
        return t_error_set(err, TALLY_ERR_CONFLICT, "key \"%.*s\" is already used by a different entry",
                           (int)T_MIN(e->key_len, 200), e->key);
      if (id) *id = prev;
      return TALLY_OK;
    }
  }
  __int128 q = t_ledger_units(e->qty);
  __int128 granted = l->granted, removed = l->removed;
  if (q > 0) granted += q;
  else removed -= q;
  if (granted >= T_LEDGER_LIMIT || removed >= T_LEDGER_LIMIT)
    return t_error_set(err, TALLY_ERR_RANGE, "overflow: the total of %s would reach 10^27",
                       q > 0 ? "grants" : "removals");
  if (l->n >= UINT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many entries in one ledger");
  if (!ledger__grow(&l->alloc, (void **)&l->ents, &l->ents_cap, l->n + 1, sizeof *l->ents) ||
      !ledger__grow(&l->alloc, (void **)&l->order, &l->order_cap, l->n + 1, sizeof *l->order) ||
      (e->key && !ledger__key_reserve(l, e->key_len)))
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");

  uint32_t nid = (uint32_t)l->n;
  ledger__ent *x = &l->ents[nid];
  x->qty = q;
  x->t = e->t;
  x->has_seq = e->has_seq;
  x->seq = e->has_seq ? e->seq : 0;
  x->has_exp = e->has_expiry;
  x->exp = e->has_expiry ? e->expires_at : T_LEDGER_NEVER;
  x->has_key = e->key != NULL;
  x->key_off = x->key_len = 0;
  if (e->key) {
    x->key_off = (uint32_t)l->keys_len;
    x->key_len = (uint32_t)e->key_len;
    if (e->key_len) t_memcpy(l->keys + l->keys_len, e->key, e->key_len);
    l->keys_len += e->key_len;
    ledger__key_put(l, nid, kh);
    l->n_keyed++;
  }
  l->granted = granted;
  l->removed = removed;

  size_t p = ledger__upper(l, x->t, x->seq);
  if (p < l->n) t_memmove(l->order + p + 1, l->order + p, (l->n - p) * sizeof *l->order);
  l->order[p] = nid;
  l->n++;
  if (id) *id = nid;

  /* From here the entry is in; a failure only marks the states stale. */
  l->replayed = 0;
  if (l->dirty) return TALLY_OK;
  if (p == l->n - 1) {
    l->replayed = 1;
    if (!ledger__apply(&l->final, x, nid, NULL) || !ledger__maybe_ckpt(l)) l->dirty = true;
    return TALLY_OK;
  }
  for (size_t k = 0; k < l->n_ckpts; k++)
    if (l->ckpts[k].pos > p) l->ckpts[k].pos++;
  if (!ledger__reflow(l, p)) l->dirty = true;
  return TALLY_OK;
}

tally_status tally_ledger_add(tally_ledger *l, const tally_ledger_entry *e, uint32_t *id, tally_error *err) {
  if (!l || !e) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_add: NULL argument");
  if (id) *id = TALLY_LEDGER_NO_ID;
  return ledger__insert(l, e, id, err);
}

static tally_status ledger__fresh(tally_ledger *l, tally_error *err) {
  return l->dirty ? ledger__rebuild(l, err) : TALLY_OK;
}

tally_status tally_ledger_state_at(tally_ledger *l, int64_t at, tally_ledger_state *out, tally_error *err) {
  if (!l || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_state_at: NULL argument");
  tally_status st = ledger__fresh(l, err);
  if (st) return st;
  size_t q = ledger__count_through(l, at);
  if (q == l->n) {
    t_ledger_run_state(&l->final, at, out);
    return TALLY_OK;
  }
  if (!ledger__state_after(l, q)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_ledger_run_state(&l->scratch, at, out);
  return TALLY_OK;
}

tally_status tally_ledger_spend(tally_ledger *l, int64_t at, tally_decimal amount, const char *key, size_t key_len,
                                tally_ledger_spend_result *out, tally_error *err) {
  if (!l || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_spend: NULL argument");
  t_memset(out, 0, sizeof *out);
  out->id = TALLY_LEDGER_NO_ID;
  __int128 need = t_ledger_units(amount);
  if (!t_ledger_valid_units(need) || need <= 0)
    return t_error_set(err, TALLY_ERR_INPUT, "amount to spend must be > 0 and below 10^27");
  tally_ledger_entry e;
  t_memset(&e, 0, sizeof e);
  e.t = at;
  e.qty = t_ledger_public(-need);
  e.key = key;
  e.key_len = key_len;
  if (key) {
    /* a replayed spend that was accepted before is answered as such */
    uint32_t prev = ledger__key_find(l, key, key_len, t_ledger_hash(key, key_len, 0));
    if (prev != TALLY_LEDGER_NO_ID) {
      uint32_t id;
      tally_status st = ledger__insert(l, &e, &id, err);
      if (st) return st;
      out->accepted = true;
      out->id = id;
      return TALLY_OK;
    }
  }
  tally_status st = ledger__fresh(l, err);
  if (st) return st;
  if (!ledger__state_after(l, ledger__upper(l, at, 0))) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  __int128 can = t_ledger_run_spendable(&l->scratch, at);
  out->available = t_ledger_public(can);
  if (need > can) {
    out->shortfall = t_ledger_public(need - can);
    return TALLY_OK;
  }
  st = ledger__insert(l, &e, &out->id, err);
  if (st) return st;
  out->accepted = true;
  return TALLY_OK;
}

/*
** {======================================================
** Timeline and consumption: a full replay with reports
** =======================================================
*/

typedef struct ledger__explain {
  tally_ledger *l;
  bool failed;
} ledger__explain;

static void ledger__use(void *ud, uint32_t removal, uint32_t grant, int64_t t, __int128 qty) {
  ledger__explain *x = ud;
  tally_ledger *l = x->l;
  if (!ledger__grow(&l->alloc, (void **)&l->uses, &l->uses_cap, l->n_uses + 1, sizeof *l->uses)) {
    x->failed = true;
    return;
  }
  tally_ledger_use *u = &l->uses[l->n_uses++];
  u->removal = removal;
  u->grant = grant;
  u->t = t;
  u->qty = t_ledger_public(qty);
}

static void ledger__point(ledger__explain *x, const t_ledger_run *r, int64_t t) {
  tally_ledger *l = x->l;
  if (!ledger__grow(&l->alloc, (void **)&l->points, &l->points_cap, l->n_points + 1, sizeof *l->points)) {
    x->failed = true;
    return;
  }
  tally_ledger_point *p = &l->points[l->n_points++];
  p->t = t;
  p->available = t_ledger_public(r->avail);
  p->owed = t_ledger_public(r->owed);
  p->balance = t_ledger_public(r->avail - r->owed);
  p->expired = t_ledger_public(r->expired);
}

static void ledger__expire_through(t_ledger_run *r, int64_t t) {
  t_ledger_run_expire_before(r, t == INT64_MAX ? INT64_MAX : t + 1);
}

/* Points for every expiry instant in (after, before). */
static void ledger__expiry_points(ledger__explain *x, t_ledger_run *r, int64_t before) {
  while (r->n && r->lots[0].exp < before) {
    int64_t e = r->lots[0].exp;
    ledger__expire_through(r, e);
    ledger__point(x, r, e);
  }
}

static tally_status ledger__explain_run(tally_ledger *l, int64_t until, tally_error *err) {
  tally_status st = ledger__fresh(l, err);
  if (st) return st;
  ledger__explain x = {l, false};
  t_ledger_hooks hooks = {&x, ledger__use};
  t_ledger_run *r = &l->scratch;
  t_ledger_run_reset(r);
  l->n_points = l->n_uses = l->n_debts = 0;
  size_t head = 0;   /* first unpaid debt */
  size_t q = ledger__count_through(l, until);
  bool have_prev = false;
  int64_t prev = 0;
  for (size_t i = 0; i < q && !x.failed; i++) {
    uint32_t id = l->order[i];
    const ledger__ent *e = &l->ents[id];
    if (have_prev && e->t != prev) {
      ledger__expire_through(r, prev);
      ledger__point(&x, r, prev);
      ledger__expiry_points(&x, r, e->t);
    }
    have_prev = true;
    prev = e->t;
    t_ledger_run_expire_before(r, e->t);
    if (e->qty > 0 && e->exp > e->t) {
      /* the grant pays the oldest debts first */
      __int128 pay = T_MIN(e->qty, r->owed);
      while (pay > 0 && head < l->n_debts) {
        ledger__debt *d = &l->debts[head];
        __int128 take = T_MIN(pay, d->amount);
        ledger__use(&x, d->ord, id, e->t, take);
        d->amount -= take;
        pay -= take;
        if (d->amount == 0) head++;
      }
      if (!t_ledger_run_grant(r, e->t, e->seq, e->exp, e->qty, id)) x.failed = true;
    } else if (e->qty < 0) {
      __int128 owed0 = r->owed;
      t_ledger_run_remove(r, e->t, -e->qty, id, &hooks);
      if (r->owed > owed0) {
        if (!ledger__grow(&l->alloc, (void **)&l->debts, &l->debts_cap, l->n_debts + 1, sizeof *l->debts)) {
          x.failed = true;
          break;
        }
        l->debts[l->n_debts].ord = id;
        l->debts[l->n_debts].amount = r->owed - owed0;
        l->n_debts++;
      }
    }
  }
  if (have_prev && !x.failed) {
    ledger__expire_through(r, prev);
    ledger__point(&x, r, prev);
  }
  if (!x.failed) {
    ledger__expiry_points(&x, r, until == INT64_MAX ? INT64_MAX : until + 1);
  }
  if (x.failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status tally_ledger_timeline(tally_ledger *l, int64_t until, const tally_ledger_point **points, size_t *n,
                                   tally_error *err) {
  if (!l || !points || !n) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_timeline: NULL argument");
  tally_status st = ledger__explain_run(l, until, err);
  if (st) return st;
  *points = l->points;
  *n = l->n_points;
  return TALLY_OK;
}

tally_status tally_ledger_consumption(tally_ledger *l, int64_t until, const tally_ledger_use **uses, size_t *n,
                                      tally_error *err) {
  if (!l || !uses || !n) return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_consumption: NULL argument");
  tally_status st = ledger__explain_run(l, until, err);
  if (st) return st;
  *uses = l->uses;
  *n = l->n_uses;
  return TALLY_OK;
}

/* } */
