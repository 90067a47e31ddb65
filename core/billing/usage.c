/*
** usage.c - the usage accumulator: rows and window sums go in, sums per
** window, per user and in total come out. Memory grows with the distinct
** keys, users and windows, never with the rows: a row is folded into the
** sums as it arrives, and only its key (when it has one) is remembered, so
** that a repeat counts once and a conflicting repeat is caught.
*/
#include "accum.h"
#include "../util/error.h"

/*
** A word-at-a-time multiply-xorshift hash: keys are short ids (event ids,
** user names) and this is on the per-row path.
*/
uint64_t t_bill_hash(const char *s, size_t len) {
  const uint64_t m = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (len * m);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    t_memcpy(&w, s + i, 8);
    h = (h ^ w) * m;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  for (size_t k = 0; i + k < len; k++) w |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
  h = (h ^ w) * m;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

static bool amount_ok(t_bill_amt v) { return v >= 0 && v < T_BILL_AMT_MAX; }

static tally_status check_amount(t_bill_amt v, const char *what, tally_error *err) {
  if (v < 0) return t_error_set(err, TALLY_ERR_INPUT, "%s: negative amount", what);
  if (v >= T_BILL_AMT_MAX) return t_error_set(err, TALLY_ERR_RANGE, "%s: amount out of range", what);
  return TALLY_OK;
}

static tally_status validate_request(const tally_billing_request *req, tally_error *err) {
  tally_status s;
  const tally_billing_plan *p = &req->plan;
  if (!req->entity && req->entity_len) return t_error_set(err, TALLY_ERR_USAGE, "entity: NULL with a length");
  if (req->period_end < req->period_start)
    return t_error_set(err, TALLY_ERR_INPUT, "period: end %lld is before start %lld", (long long)req->period_end,
                       (long long)req->period_start);
  if ((s = check_amount(t_bill_from_pub(req->baseline), "baseline", err))) return s;
  if ((s = check_amount(t_bill_from_pub(req->billed), "billed", err))) return s;
  if ((s = check_amount(t_bill_from_pub(p->included), "plan.included", err))) return s;
  if (p->seats < 0) return t_error_set(err, TALLY_ERR_INPUT, "plan.seats: negative");
  if (p->has_limit && (s = check_amount(t_bill_from_pub(p->limit), "plan.limit", err))) return s;
  if (p->warning_percent < 0) return t_error_set(err, TALLY_ERR_INPUT, "plan.warningPercent: negative");
  if ((s = check_amount(t_bill_from_pub(p->threshold), "plan.threshold", err))) return s;
  if (p->has_refresh && (s = check_amount(t_bill_from_pub(p->refresh_per_seat), "plan.refresh.perSeat", err)))
    return s;
  if (!req->use_grants) {
    if ((s = check_amount(t_bill_from_pub(req->credits), "credits", err))) return s;
  } else {
    if (req->n_grants && !req->grants) return t_error_set(err, TALLY_ERR_USAGE, "grants: NULL with a count");
    for (size_t i = 0; i < req->n_grants; i++) {
      t_bill_amt a = t_bill_from_pub(req->grants[i].amount);
      if (a < 0) return t_error_set(err, TALLY_ERR_INPUT, "credits[%zu].amount: negative amount", i);
      if (a >= T_BILL_AMT_MAX) return t_error_set(err, TALLY_ERR_RANGE, "credits[%zu].amount: out of range", i);
    }
  }
  return TALLY_OK;
}

/* Grants keep their first occurrence; an identical repeat is dropped, a
** different one is a conflict (ledger.md). Quadratic, but grant lists are
** short; a hash table would be the change if they were not. */
static tally_status copy_grants(tally_billing *b, const tally_billing_request *req, tally_error *err) {
  if (!req->use_grants || !req->n_grants) return TALLY_OK;
  b->grants = t_calloc(&b->alloc, req->n_grants, sizeof *b->grants);
  if (!b->grants) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  b->grants_cap = req->n_grants;
  for (size_t i = 0; i < req->n_grants; i++) {
    const tally_billing_grant *g = &req->grants[i];
    t_bill_grant ng;
    ng.key = NULL;
    ng.key_len = 0;
    ng.amount = t_bill_from_pub(g->amount);
    ng.granted_at = g->granted_at;
    ng.has_expiry = g->has_expiry;
    ng.expires_at = g->has_expiry ? g->expires_at : 0;
    ng.index = i;
    bool dup = false;
    if (g->key) {
      for (size_t j = 0; j < b->n_grants; j++) {
        const t_bill_grant *o = &b->grants[j];
        if (!o->key || o->key_len != g->key_len || t_memcmp(o->key, g->key, g->key_len) != 0) continue;
        if (o->amount != ng.amount || o->granted_at != ng.granted_at || o->has_expiry != ng.has_expiry ||
            o->expires_at != ng.expires_at)
          return t_error_set(err, TALLY_ERR_CONFLICT, "credits[%zu]: conflicting key \"%.*s\"", i,
                             (int)g->key_len, g->key);
        dup = true;
        break;
      }
      if (dup) continue;
      ng.key = t_arena_strndup(&b->arena, g->key, g->key_len);
      if (!ng.key) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
      ng.key_len = g->key_len;
    }
    b->grants[b->n_grants++] = ng;
  }
  return TALLY_OK;
}

tally_status t_bill_new(const tally_allocator *alloc, const tally_billing_request *req, tally_billing **out,
                        tally_error *err) {
  *out = NULL;
  tally_status s = validate_request(req, err);
  if (s) return s;
  tally_billing *b = t_calloc(alloc, 1, sizeof *b);
  if (!b) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  b->alloc = *alloc;
  t_arena_init(&b->arena, &b->alloc, 0);
  t_buf_init(&b->invoice_key, &b->alloc);
  b->start = req->period_start;
  b->end = req->period_end;
  b->now = req->now;
  b->cap = T_MIN(req->now, req->period_end);
  b->closing = req->close || req->now >= req->period_end;
  b->keys_on = req->keys;
  b->plan = req->plan;
  b->baseline = t_bill_from_pub(req->baseline);
  b->billed = t_bill_from_pub(req->billed);
  b->credits = req->use_grants ? 0 : t_bill_from_pub(req->credits);
  b->entity = "";
  if (req->entity_len) {
    b->entity = t_arena_strndup(&b->arena, req->entity, req->entity_len);
    if (!b->entity) { s = t_error_set(err, TALLY_ERR_NOMEM, "out of memory"); goto fail; }
  }
  b->entity_len = req->entity_len;

  t_dec inc, lim, allow;
  if (!t_dec_mul_i64(t_bill_dec(t_bill_from_pub(req->plan.included)), req->plan.seats, &inc) ||
      !amount_ok(inc.units)) {
    s = t_error_set(err, TALLY_ERR_RANGE, "plan: included x seats out of range");
    goto fail;
  }
  b->included_total = inc.units;
  lim = inc;
  if (req->plan.has_limit) lim = t_dec_max(t_bill_dec(t_bill_from_pub(req->plan.limit)), inc);
  b->limit = lim.units;
  if (req->plan.has_refresh) {
    if (!t_dec_mul_i64(t_bill_dec(t_bill_from_pub(req->plan.refresh_per_seat)), req->plan.seats, &allow) ||
        !amount_ok(allow.units)) {
      s = t_error_set(err, TALLY_ERR_RANGE, "plan.refresh: perSeat x seats out of range");
      goto fail;
    }
    b->allowance = allow.units;
  }
  if ((s = t_bill_windows_init(&b->win, &req->plan, b->start, b->cap, err))) goto fail;
  if (b->win.on && b->win.count && b->win.count <= T_BILL_DENSE_MAX) {
    b->wsum = t_calloc(&b->alloc, (size_t)b->win.count, sizeof *b->wsum);
    b->wtouched = t_calloc(&b->alloc, (size_t)b->win.count, 1);
    if (!b->wsum || !b->wtouched) { s = t_error_set(err, TALLY_ERR_NOMEM, "out of memory"); goto fail; }
  }
  if ((s = copy_grants(b, req, err))) goto fail;
  *out = b;
  return TALLY_OK;
fail:
  tally_billing_free(b);
  return s;
}

void tally_billing_free(tally_billing *b) {
  if (!b) return;
  const tally_allocator *a = &b->alloc;
  if (b->wsum) t_free(a, b->wsum, (size_t)b->win.count * sizeof *b->wsum);
  if (b->wtouched) t_free(a, b->wtouched, (size_t)b->win.count);
  t_free(a, b->wslots, b->wslot_cap * sizeof *b->wslots);
  t_free(a, b->users, b->users_cap * sizeof *b->users);
  t_free(a, b->user_slots, b->user_slot_cap * sizeof *b->user_slots);
  for (size_t i = 0; i < b->n_key_blocks; i++)
    t_free(a, b->key_blocks[i], (i ? T_BILL_KEY_BLOCK : b->key_block0_cap) * sizeof(t_bill_key));
  t_free(a, b->key_blocks, b->key_blocks_cap * sizeof *b->key_blocks);
  t_free(a, b->kslots, b->kslot_cap * sizeof *b->kslots);
  t_free(a, b->grants, b->grants_cap * sizeof *b->grants);
  t_free(a, b->user_order, b->n_user_order_cap * sizeof *b->user_order);
  t_free(a, b->wins, b->win_cap * sizeof *b->wins);
  t_free(a, b->uses, b->n_grants * sizeof *b->uses);
  t_buf_free(&b->invoice_key);
  t_arena_free(&b->arena);
  tally_allocator copy = *a;
  t_free(&copy, b, sizeof *b);
}

/*
** {======================================================
** Users
** =======================================================
*/

static bool user_slots_grow(tally_billing *b) {
  size_t cap = b->user_slot_cap ? b->user_slot_cap * 2 : 16;
  uint32_t *slots = t_alloc(&b->alloc, cap * sizeof *slots);
  if (!slots) return false;
  t_memset(slots, 0xff, cap * sizeof *slots);
  for (size_t i = 0; i < b->n_users; i++) {
    size_t j = (size_t)t_bill_hash(b->users[i].name, b->users[i].len) & (cap - 1);
    while (slots[j] != UINT32_MAX) j = (j + 1) & (cap - 1);
    slots[j] = (uint32_t)i;
  }
  t_free(&b->alloc, b->user_slots, b->user_slot_cap * sizeof *slots);
  b->user_slots = slots;
  b->user_slot_cap = cap;
  return true;
}

tally_status t_bill_user_intern(tally_billing *b, const char *name, size_t len, uint32_t *id, tally_error *err) {
  if (b->user_slot_cap) {
    size_t j = (size_t)t_bill_hash(name, len) & (b->user_slot_cap - 1);
    for (; b->user_slots[j] != UINT32_MAX; j = (j + 1) & (b->user_slot_cap - 1)) {
      const t_bill_user *u = &b->users[b->user_slots[j]];
      if (u->len == len && (len == 0 || t_memcmp(u->name, name, len) == 0)) {
        *id = b->user_slots[j];
        return TALLY_OK;
      }
    }
  }
  if (b->n_users >= UINT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many users");
  if (b->n_users == b->users_cap) {
    size_t cap = b->users_cap ? b->users_cap * 2 : 8;
    t_bill_user *u = t_realloc(&b->alloc, b->users, b->users_cap * sizeof *u, cap * sizeof *u);
    if (!u) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    b->users = u;
    b->users_cap = cap;
  }
  if ((b->n_users + 1) * 2 > b->user_slot_cap && !user_slots_grow(b))
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  char *copy = t_arena_strndup(&b->arena, name, len);
  if (!copy) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_bill_user *u = &b->users[b->n_users];
  u->name = copy;
  u->len = len;
  u->sum = 0;
  u->counted = false;
  size_t j = (size_t)t_bill_hash(name, len) & (b->user_slot_cap - 1);
  while (b->user_slots[j] != UINT32_MAX) j = (j + 1) & (b->user_slot_cap - 1);
  b->user_slots[j] = (uint32_t)b->n_users;
  *id = (uint32_t)b->n_users++;
  return TALLY_OK;
}

/*
** {======================================================
** Keys
** =======================================================
*/

static inline t_bill_key *key_at(const tally_billing *b, size_t i) {
  return &b->key_blocks[i >> T_BILL_KEY_BLOCK_BITS][i & (T_BILL_KEY_BLOCK - 1)];
}

/* Room for `more` new keys: blocks for them, and a table at most half full. */
bool t_bill_keys_reserve(tally_billing *b, size_t more) {
  size_t need = b->n_keys + more;
  if (need < more || need >= UINT32_MAX) return false;
  /* the first block grows by doubling, so that a few keys take little memory */
  if (b->key_block0_cap < T_BILL_KEY_BLOCK && need > b->key_block0_cap) {
    size_t cap = b->key_block0_cap ? b->key_block0_cap : 64;
    while (cap < need && cap < T_BILL_KEY_BLOCK) cap *= 2;
    if (!b->key_blocks) {
      b->key_blocks = t_alloc(&b->alloc, 8 * sizeof *b->key_blocks);
      if (!b->key_blocks) return false;
      b->key_blocks_cap = 8;
    }
    t_bill_key *blk = t_realloc(&b->alloc, b->n_key_blocks ? b->key_blocks[0] : NULL,
                                b->key_block0_cap * sizeof *blk, cap * sizeof *blk);
    if (!blk) return false;
    b->key_blocks[0] = blk;
    b->n_key_blocks = 1;
    b->key_block0_cap = cap;
  }
  while (b->n_key_blocks * T_BILL_KEY_BLOCK < need) {
    if (b->n_key_blocks == b->key_blocks_cap) {
      size_t cap = b->key_blocks_cap * 2;
      t_bill_key **bl = t_realloc(&b->alloc, b->key_blocks, b->key_blocks_cap * sizeof *bl, cap * sizeof *bl);
      if (!bl) return false;
      b->key_blocks = bl;
      b->key_blocks_cap = cap;
    }
    t_bill_key *blk = t_alloc(&b->alloc, T_BILL_KEY_BLOCK * sizeof *blk);
    if (!blk) return false;
    b->key_blocks[b->n_key_blocks++] = blk;
  }
  if (need * 2 > b->kslot_cap) {
    size_t cap = b->kslot_cap ? b->kslot_cap : 128;
    while (cap < need * 2) cap *= 2;
    t_bill_kslot *slots = t_calloc(&b->alloc, cap, sizeof *slots);
    if (!slots) return false;
    /* the entries are in arrival order, their keys next to each other in
    ** the arena: rehashing from them reads memory in order */
    for (size_t i = 0; i < b->n_keys; i++) {
      const t_bill_key *k = key_at(b, i);
      uint64_t h = t_bill_hash(k->key, k->len);
      size_t j = (size_t)h & (cap - 1);
      while (slots[j].entry) j = (j + 1) & (cap - 1);
      slots[j].tag = (uint32_t)(h >> 32);
      slots[j].entry = (uint32_t)(i + 1);
    }
    t_free(&b->alloc, b->kslots, b->kslot_cap * sizeof *slots);
    b->kslots = slots;
    b->kslot_cap = cap;
  }
  return true;
}

static inline t_bill_amt key_cost(const t_bill_key *k) {
  return (t_bill_amt)(((unsigned __int128)(uint64_t)k->cost_hi << 64) | k->cost_lo);
}

/*
** The first row of a key wins. Returns TALLY_OK with *fresh set when the
** key is new (the row counts), TALLY_OK with *fresh clear for an identical
** repeat, TALLY_ERR_CONFLICT for a different one. Room is reserved.
*/
static tally_status key_check(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user, const char *key,
                              size_t len, uint64_t h, bool *fresh, tally_error *err) {
  *fresh = false;
  size_t mask = b->kslot_cap - 1, j = (size_t)h & mask;
  uint32_t tag = (uint32_t)(h >> 32);
  for (; b->kslots[j].entry; j = (j + 1) & mask) {
    if (b->kslots[j].tag != tag) continue;
    const t_bill_key *k = key_at(b, b->kslots[j].entry - 1);
    if (k->len != len || (len && t_memcmp(k->key, key, len) != 0)) continue;
    t_bill_amt kc = key_cost(k);
    if (k->t == t && kc == cost && k->user == user) return TALLY_OK;
    return t_error_set(err, TALLY_ERR_CONFLICT, "conflicting key \"%.*s\": a row with this key differs in %s",
                       (int)len, key, k->t != t ? "t" : kc != cost ? "cost" : "user");
  }
  char *copy = t_arena_strndup(&b->arena, key, len);
  if (!copy) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_bill_key *k = key_at(b, b->n_keys);
  k->key = copy;
  k->t = t;
  k->cost_lo = (uint64_t)(unsigned __int128)cost;
  k->cost_hi = (int64_t)(uint64_t)((unsigned __int128)cost >> 64);
  k->user = user;
  k->len = (uint32_t)len;
  b->kslots[j].tag = tag;
  b->kslots[j].entry = (uint32_t)++b->n_keys;
  *fresh = true;
  return TALLY_OK;
}

/*
** {======================================================
** Adding usage
** =======================================================
*/

static bool wslots_grow(tally_billing *b) {
  size_t cap = b->wslot_cap ? b->wslot_cap * 2 : 1024;
  t_bill_wslot *w = t_calloc(&b->alloc, cap, sizeof *w);
  if (!w) return false;
  for (size_t i = 0; i < b->wslot_cap; i++) {
    if (!b->wslots[i].idx) continue;
    size_t j = (size_t)(b->wslots[i].idx * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
    while (w[j].idx) j = (j + 1) & (cap - 1);
    w[j] = b->wslots[i];
  }
  t_free(&b->alloc, b->wslots, b->wslot_cap * sizeof *w);
  b->wslots = w;
  b->wslot_cap = cap;
  return true;
}

static bool window_add(tally_billing *b, uint64_t idx, t_bill_amt cost) {
  if (b->wsum) {
    b->wsum[idx] += cost;
    b->wtouched[idx] = 1;
    return true;
  }
  if ((b->wslot_len + 1) * 2 > b->wslot_cap && !wslots_grow(b)) return false;
  uint64_t k = idx + 1;
  size_t j = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (b->wslot_cap - 1);
  while (b->wslots[j].idx && b->wslots[j].idx != k) j = (j + 1) & (b->wslot_cap - 1);
  if (!b->wslots[j].idx) {
    b->wslots[j].idx = k;
    b->wslots[j].sum = 0;
    b->wslot_len++;
  }
  b->wslots[j].sum += cost;
  return true;
}

static inline void sum_add(tally_billing *b, t_bill_amt *sum, t_bill_amt v) {
  *sum += v;
  if (*sum >= T_BILL_AMT_MAX) b->overflow = true;
}

static tally_status count_row(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user, tally_error *err) {
  /* once over the range the statement is an error: stop adding before
  ** decimal-sized costs could reach the int128 limit */
  if (t < b->start || t >= b->cap || b->overflow) return TALLY_OK;
  if (b->win.on && !window_add(b, t_bill_window_of(&b->win, t), cost))
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  sum_add(b, &b->total, cost);
  if (user != TALLY_BILLING_NO_USER) {
    b->users[user].sum += cost;  /* at most the total, which is checked */
    b->users[user].counted = true;
  }
  b->rows++;
  return TALLY_OK;
}

tally_status t_bill_add_hashed(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user, const char *key,
                               size_t key_len, uint64_t hash, tally_error *err) {
  if (key && b->keys_on) {
    bool fresh;
    tally_status s = key_check(b, t, cost, user, key, key_len, hash, &fresh, err);
    if (s == TALLY_ERR_CONFLICT) b->conflicts++;
    if (s || !fresh) return s;
  }
  return count_row(b, t, cost, user, err);
}

tally_status t_bill_add(tally_billing *b, int64_t t, t_bill_amt cost, uint32_t user, const char *key,
                        size_t key_len, tally_error *err) {
  if (!key || !b->keys_on) return count_row(b, t, cost, user, err);
  if (key_len >= UINT32_MAX) return t_error_set(err, TALLY_ERR_LIMIT, "key longer than 4 GiB");
  if (!t_bill_keys_reserve(b, 1)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return t_bill_add_hashed(b, t, cost, user, key, key_len, t_bill_hash(key, key_len), err);
}

tally_status t_bill_add_window(tally_billing *b, int64_t start, t_bill_amt usage, tally_error *err) {
  if (usage < 0) return t_error_set(err, TALLY_ERR_INPUT, "window usage: negative amount");
  if (usage >= T_BILL_AMT_MAX) return t_error_set(err, TALLY_ERR_RANGE, "window usage: out of range");
  if (b->overflow) return TALLY_OK;
  if (!b->win.on) {
    /* no refresh: a window is just a partial sum of the period */
    if (start >= b->cap) return TALLY_OK;
    sum_add(b, &b->total, usage);
    return TALLY_OK;
  }
  __int128 d = (__int128)start - b->win.base;
  if (d % b->win.len != 0)
    return t_error_set(err, TALLY_ERR_INPUT, "window start %lld is not a window boundary", (long long)start);
  /* a window wholly before the period or from cap on holds no counted usage */
  if (d < 0 || (uint64_t)(d / b->win.len) >= b->win.count) return TALLY_OK;
  if (!window_add(b, (uint64_t)(d / b->win.len), usage)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  sum_add(b, &b->total, usage);
  return TALLY_OK;
}

/*
** {======================================================
** Public entry points
** =======================================================
*/

void tally_billing_request_init(tally_billing_request *req) {
  t_memset(req, 0, sizeof *req);
  req->plan.seats = 1;
  req->plan.warning_percent = 80;
  req->plan.threshold = tally_decimal_from_int(100);
  req->plan.window = TALLY_BILLING_WINDOW_DAY;
  req->plan.anchor = TALLY_BILLING_ANCHOR_PERIOD;
  req->keys = true;
}

tally_status tally_billing_new(const tally_allocator *alloc, const tally_billing_request *req, tally_billing **out,
                               tally_error *err) {
  if (!alloc || !req || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_billing_new: NULL argument");
  return t_bill_new(alloc, req, out, err);
}

tally_status tally_billing_user_id(tally_billing *b, const char *name, size_t len, uint32_t *id, tally_error *err) {
  if (!name && len) return t_error_set(err, TALLY_ERR_USAGE, "user: NULL with a length");
  return t_bill_user_intern(b, name ? name : "", len, id, err);
}

tally_status tally_billing_add_row(tally_billing *b, int64_t t, tally_decimal cost, const char *user,
                                   size_t user_len, const char *key, size_t key_len, tally_error *err) {
  t_bill_amt c = t_bill_from_pub(cost);
  tally_status s = check_amount(c, "cost", err);
  if (s) return s;
  uint32_t uid = TALLY_BILLING_NO_USER;
  if (user && (s = t_bill_user_intern(b, user, user_len, &uid, err))) return s;
  return t_bill_add(b, t, c, uid, key, key_len, err);
}

tally_status tally_billing_add_window(tally_billing *b, int64_t start, tally_decimal usage, tally_error *err) {
  return t_bill_add_window(b, start, t_bill_from_pub(usage), err);
}

/*
** The hot loop of binary rows without keys: dense windows, no allocation,
** no branch besides the counting test. Sums of int64 costs cannot leave the
** int128 range here; the decimal range is checked at the end of the batch.
** One body, two layouts (rows and columns), hence the macro.
*/
#define T_BILL_ADD_PLAIN(T_AT, C_AT, U_AT)                         \
  do {                                                             \
    const int64_t start_ = b->start, cap_ = b->cap;                \
    t_bill_amt total_ = 0;                                         \
    uint64_t rows_ = 0;                                            \
    t_bill_user *u_ = b->users;                                    \
    t_bill_amt *wsum_ = b->wsum;                                   \
    uint8_t *touched_ = b->wtouched;                               \
    const t_bill_windows w_ = b->win;                              \
    for (size_t i = 0; i < n; i++) {                               \
      int64_t t_ = (T_AT);                                         \
      if (t_ < start_ || t_ >= cap_) continue;                     \
      int64_t c_ = (C_AT);                                         \
      uint32_t id_ = (U_AT);                                       \
      total_ += c_;                                                \
      rows_++;                                                     \
      if (wsum_) {                                                 \
        uint64_t idx_ = t_bill_window_of(&w_, t_);                 \
        wsum_[idx_] += c_;                                         \
        touched_[idx_] = 1;                                        \
      }                                                            \
      if (id_ != TALLY_BILLING_NO_USER) {                          \
        u_[id_].sum += c_;                                         \
        u_[id_].counted = true;                                    \
      }                                                            \
    }                                                              \
    b->rows += rows_;                                              \
    plain_done(b, total_);                                         \
  } while (0)

/* Costs are never negative, so every sum per user or window is at most
** the total: checking the total checks them all. */
static void plain_done(tally_billing *b, t_bill_amt total) { sum_add(b, &b->total, total); }

/* A batch is checked whole before any of it counts, so that a bad row
** leaves the sums as they were. */
#define T_BILL_VALIDATE(C_AT, U_AT)                                                                \
  do {                                                                                             \
    int64_t neg_ = 0;                                                                              \
    uint32_t bad_ = 0;                                                                             \
    for (size_t i = 0; i < n; i++) {                                                               \
      uint32_t id_ = (U_AT);                                                                       \
      neg_ |= (C_AT);                                                                              \
      bad_ |= id_ >= b->n_users && id_ != TALLY_BILLING_NO_USER;                                   \
    }                                                                                              \
    if (neg_ < 0 || bad_)                                                                          \
      for (size_t i = 0; i < n; i++) {                                                             \
        uint32_t id_ = (U_AT);                                                                     \
        if ((C_AT) < 0) return t_error_set(err, TALLY_ERR_INPUT, "row %zu: negative cost", i);     \
        if (id_ >= b->n_users && id_ != TALLY_BILLING_NO_USER)                                     \
          return t_error_set(err, TALLY_ERR_INPUT, "row %zu: unknown user id %u", i, (unsigned)id_); \
      }                                                                                            \
  } while (0)

tally_status tally_billing_add_rows(tally_billing *b, const tally_billing_row *rows, size_t n, size_t *conflicts,
                                    size_t *n_conflicts, tally_error *err) {
  if (n_conflicts) *n_conflicts = 0;
  if (!n) return TALLY_OK;
  T_BILL_VALIDATE(rows[i].cost, rows[i].user);
  bool any_key = false;
  if (b->keys_on)
    for (size_t i = 0; i < n && !any_key; i++) any_key = rows[i].key != NULL;
  if (!any_key && (b->wsum || !b->win.on)) {
    T_BILL_ADD_PLAIN(rows[i].t, rows[i].cost, rows[i].user);
    return TALLY_OK;
  }
  /*
  ** Keyed rows: the table is reserved for the whole batch up front, and
  ** the hash of row i + T_BILL_AHEAD is computed and its slot prefetched
  ** while row i is handled, so that the table's cache misses overlap.
  */
  if (!t_bill_keys_reserve(b, n)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  enum { T_BILL_AHEAD = 16 };
  uint64_t ring[T_BILL_AHEAD];
  size_t mask = b->kslot_cap - 1;
  for (size_t i = 0; i < n && i < T_BILL_AHEAD; i++) {
    ring[i] = rows[i].key ? t_bill_hash(rows[i].key, rows[i].key_len) : 0;
    __builtin_prefetch(&b->kslots[ring[i] & mask]);
  }
  size_t nc = 0;
  for (size_t i = 0; i < n; i++) {
    const tally_billing_row *r = &rows[i];
    uint64_t h = ring[i % T_BILL_AHEAD];
    size_t ahead = i + T_BILL_AHEAD;
    if (ahead < n) {
      uint64_t ha = rows[ahead].key ? t_bill_hash(rows[ahead].key, rows[ahead].key_len) : 0;
      ring[ahead % T_BILL_AHEAD] = ha;
      __builtin_prefetch(&b->kslots[ha & mask]);
    }
    tally_error scratch;
    tally_status s = t_bill_add_hashed(b, r->t, r->cost, r->user, r->key, r->key_len, h, &scratch);
    if (s == TALLY_ERR_CONFLICT) {
      if (conflicts) conflicts[nc] = i;
      nc++;
      continue;
    }
    if (s) {
      if (err) *err = scratch;
      if (n_conflicts) *n_conflicts = nc;
      return s;
    }
  }
  if (n_conflicts) *n_conflicts = nc;
  return TALLY_OK;
}

tally_status tally_billing_add_columns(tally_billing *b, const int64_t *t, const int64_t *cost, const uint32_t *user,
                                       size_t n, tally_error *err) {
  if (!n) return TALLY_OK;
  T_BILL_VALIDATE(cost[i], user ? user[i] : TALLY_BILLING_NO_USER);
  if (b->wsum || !b->win.on) {
    if (user) T_BILL_ADD_PLAIN(t[i], cost[i], user[i]);
    else T_BILL_ADD_PLAIN(t[i], cost[i], TALLY_BILLING_NO_USER);
    return TALLY_OK;
  }
  for (size_t i = 0; i < n; i++) {
    tally_status s = count_row(b, t[i], cost[i], user ? user[i] : TALLY_BILLING_NO_USER, err);
    if (s) return s;
  }
  return TALLY_OK;
}
