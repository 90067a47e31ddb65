/*
** products.c - the grants a purchase of a product makes (spec ledger.md,
** "Grants from products"): item quantity x purchase quantity, repeats of
** fixed length anchored at createdAt, every grant strictly before endedAt,
** and the three expiry modes. The result is ordinary ledger entries.
*/
#include "ledger_internal.h"
#include "../util/error.h"

static const int64_t products__unit_ms[] = {
  0,                      /* TALLY_LEDGER_REPEAT_NONE  (ORDER tally_ledger_repeat) */
  86400000LL,             /* DAY */
  7LL * 86400000LL,       /* WEEK */
  30LL * 86400000LL,      /* MONTH */
  365LL * 86400000LL,     /* YEAR */
};

/* Number of grants of an item: k = 0.. with t_k = created + k*interval <= last. */
static uint64_t products__count(int64_t created, int64_t interval, int64_t last) {
  if (last < created) return 0;
  if (!interval) return 1;
  uint64_t span = (uint64_t)((unsigned __int128)((__int128)last - created));
  return span / (uint64_t)interval + 1;
}

static bool products__by_time(const void *ctx, uint32_t a, uint32_t b) {
  const tally_ledger_grant *g = ctx;
  return g[a].t < g[b].t;
}

tally_status tally_ledger_expand(const tally_allocator *alloc, const tally_ledger_purchase *p, int64_t horizon,
                                 tally_ledger_grant **grants, size_t *n, tally_error *err) {
  if (!alloc || !alloc->fn || !p || !grants || !n || (p->n_items && !p->items))
    return t_error_set(err, TALLY_ERR_USAGE, "tally_ledger_expand: NULL argument");
  *grants = NULL;
  *n = 0;
  t_dec mult;
  if (!t_dec_from_public(p->quantity, &mult) || t_dec_is_neg(mult))
    return t_error_set(err, TALLY_ERR_INPUT, "purchase quantity must be a decimal >= 0");
  /* every grant is strictly before endedAt and at or before the horizon */
  int64_t last = horizon;
  if (p->has_end) {
    if (p->ended_at <= p->created_at) return TALLY_OK;  /* ends before it starts: nothing */
    if (p->ended_at - 1 < last) last = p->ended_at - 1;
  }

  uint64_t total = 0;
  for (size_t i = 0; i < p->n_items; i++) {
    const tally_ledger_product_item *it = &p->items[i];
    t_dec q;
    if (!t_dec_from_public(it->quantity, &q) || t_dec_is_neg(q))
      return t_error_set(err, TALLY_ERR_INPUT, "item %zu: quantity must be a decimal >= 0", i);
    if ((unsigned)it->repeat >= T_ARRAY_LEN(products__unit_ms))
      return t_error_set(err, TALLY_ERR_INPUT, "item %zu: unknown repeat unit", i);
    if ((unsigned)it->expires > TALLY_LEDGER_EXPIRES_WHEN_REPEATED)
      return t_error_set(err, TALLY_ERR_INPUT, "item %zu: unknown expires mode", i);
    int64_t interval = 0;
    if (it->repeat != TALLY_LEDGER_REPEAT_NONE) {
      int64_t unit = products__unit_ms[it->repeat];
      if (it->repeat_n < 1 || it->repeat_n > INT64_MAX / unit)
        return t_error_set(err, TALLY_ERR_INPUT, "item %zu: repeat count must be a positive integer in range", i);
      interval = it->repeat_n * unit;
    }
    total += products__count(p->created_at, interval, last);
    if (total > TALLY_LEDGER_EXPAND_MAX)
      return t_error_set(err, TALLY_ERR_LIMIT, "a purchase expands to more than %d grants up to the horizon",
                         TALLY_LEDGER_EXPAND_MAX);
  }
  if (!total) return TALLY_OK;

  tally_ledger_grant *g = t_alloc(alloc, (size_t)total * sizeof *g);
  uint32_t *idx = t_alloc(alloc, 2 * (size_t)total * sizeof *idx);
  tally_ledger_grant *sorted = t_alloc(alloc, (size_t)total * sizeof *sorted);
  if (!g || !idx || !sorted) {
    t_free(alloc, g, (size_t)total * sizeof *g);
    t_free(alloc, idx, 2 * (size_t)total * sizeof *idx);
    t_free(alloc, sorted, (size_t)total * sizeof *sorted);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  size_t m = 0;
  tally_status st = TALLY_OK;
  for (size_t i = 0; i < p->n_items && !st; i++) {
    const tally_ledger_product_item *it = &p->items[i];
    int64_t interval = it->repeat ? it->repeat_n * products__unit_ms[it->repeat] : 0;
    t_dec q, amount;
    t_dec_from_public(it->quantity, &q);
    if (!t_dec_mul(q, mult, T_ROUND_HALF_EVEN, &amount)) {
      st = t_error_set(err, TALLY_ERR_RANGE, "item %zu: quantity x purchase quantity is out of range", i);
      break;
    }
    uint64_t count = products__count(p->created_at, interval, last);
    for (uint64_t k = 0; k < count; k++) {
      tally_ledger_grant *x = &g[m++];
      x->item = i;
      x->k = k;
      x->t = (int64_t)((__int128)p->created_at + (__int128)k * interval);
      x->qty = t_dec_to_public(amount);
      x->has_expiry = false;
      x->expires_at = 0;
      if (it->expires == TALLY_LEDGER_EXPIRES_WITH_PURCHASE ||
          (it->expires == TALLY_LEDGER_EXPIRES_WHEN_REPEATED && !interval)) {
        x->has_expiry = p->has_end;
        x->expires_at = p->has_end ? p->ended_at : 0;
      } else if (it->expires == TALLY_LEDGER_EXPIRES_WHEN_REPEATED) {
        __int128 next = (__int128)x->t + interval;
        if (p->has_end && p->ended_at < next) next = p->ended_at;
        if (next <= INT64_MAX) {
          x->has_expiry = true;
          x->expires_at = (int64_t)next;
        }
      }
    }
  }
  if (st) {
    t_free(alloc, g, (size_t)total * sizeof *g);
    t_free(alloc, idx, 2 * (size_t)total * sizeof *idx);
    t_free(alloc, sorted, (size_t)total * sizeof *sorted);
    return st;
  }
  /* time order; the sort is stable, so equal times keep the items' order */
  for (size_t i = 0; i < m; i++) idx[i] = (uint32_t)i;
  t_ledger_sort_u32(idx, idx + m, m, products__by_time, g);
  for (size_t i = 0; i < m; i++) sorted[i] = g[idx[i]];
  t_free(alloc, g, (size_t)total * sizeof *g);
  t_free(alloc, idx, 2 * (size_t)total * sizeof *idx);
  *grants = sorted;
  *n = m;
  return TALLY_OK;
}

void tally_ledger_grants_free(const tally_allocator *alloc, tally_ledger_grant *grants, size_t n) {
  if (alloc && grants) t_free(alloc, grants, (n ? n : 1) * sizeof *grants);
}
