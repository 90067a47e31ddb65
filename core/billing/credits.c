/*
** credits.c - credits for overage: a plain balance, or credit grants spent
** through the ledger (core/ledger, spec ledger.md): soonest expiry first,
** never-expiring last, ties by earlier grant, then request order.
**
** What is available is the ledger's `available` at `now`. A grant expiring
** exactly at `now` is gone, but the ledger applies the entries of an instant
** before that instant's expiries, so a removal at `now` could still take
** from it: such grants are left out before the ledger sees them.
*/
#include "accum.h"
#include "tally/ledger.h"
#include "../util/error.h"

static tally_status credits__ledger(tally_billing *b, tally_ledger *l, uint32_t *ids, tally_error *err) {
  for (size_t i = 0; i < b->n_grants; i++) {
    const t_bill_grant *g = &b->grants[i];
    ids[i] = TALLY_LEDGER_NO_ID;
    if (g->granted_at > b->now || (g->has_expiry && g->expires_at <= b->now)) continue;
    tally_ledger_entry e;
    t_memset(&e, 0, sizeof e);
    e.t = g->granted_at;
    e.qty = t_bill_to_pub(g->amount);
    e.has_expiry = g->has_expiry;
    e.expires_at = g->expires_at;
    tally_status s = tally_ledger_add(l, &e, &ids[i], err);
    if (s) return s;
  }
  return TALLY_OK;
}

tally_status t_bill_credits_use(tally_billing *b, t_bill_amt unbilled, bool spend, t_bill_amt *available,
                                t_bill_amt *applied, tally_error *err) {
  b->n_uses = 0;
  *applied = 0;
  if (!b->n_grants) {
    *available = b->credits;
    if (spend) *applied = b->credits < unbilled ? b->credits : unbilled;
    return TALLY_OK;
  }
  tally_ledger *l;
  tally_status s = tally_ledger_new(&b->alloc, &l, err);
  if (s) return s;
  uint32_t *ids = t_alloc(&b->alloc, b->n_grants * sizeof *ids);
  if (!ids) {
    tally_ledger_free(l);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  tally_ledger_state st;
  if ((s = credits__ledger(b, l, ids, err)) || (s = tally_ledger_state_at(l, b->now, &st, err))) goto done;
  *available = t_bill_from_pub(st.available);
  if (!spend || unbilled <= 0 || *available <= 0) goto done;
  *applied = *available < unbilled ? *available : unbilled;
  tally_ledger_entry removal;
  t_memset(&removal, 0, sizeof removal);
  removal.t = b->now;
  removal.qty = t_bill_to_pub(-*applied);
  if ((s = tally_ledger_add(l, &removal, NULL, err))) goto done;
  const tally_ledger_use *uses;
  size_t n;
  if ((s = tally_ledger_consumption(l, b->now, &uses, &n, err))) goto done;
  if (!b->uses) {
    b->uses = t_calloc(&b->alloc, b->n_grants, sizeof *b->uses);
    if (!b->uses) { s = t_error_set(err, TALLY_ERR_NOMEM, "out of memory"); goto done; }
  }
  /* one removal, so at most one use per grant */
  for (size_t k = 0; k < n && b->n_uses < b->n_grants; k++)
    for (size_t i = 0; i < b->n_grants; i++)
      if (ids[i] == uses[k].grant) {
        b->uses[b->n_uses].index = b->grants[i].index;
        b->uses[b->n_uses].taken = t_bill_from_pub(uses[k].qty);
        b->n_uses++;
        break;
      }
done:
  t_free(&b->alloc, ids, b->n_grants * sizeof *ids);
  tally_ledger_free(l);
  return s;
}
