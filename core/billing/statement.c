/*
** statement.c - the period statement from the accumulated usage: refresh,
** effective usage, the limit status, overage, and the threshold or closing
** invoice with credits applied (spec billing.md, "Statement").
*/
#include "accum.h"
#include "../util/error.h"

/*
** floor(eff x 10000 / limit) capped at 10000, digit by digit so that no
** intermediate leaves the int128 range (eff x 10000 could, limit x 10
** cannot). 10000 when the limit is 0.
*/
static int64_t basis_points(t_bill_amt eff, t_bill_amt limit) {
  if (limit <= 0 || eff >= limit) return 10000;
  t_bill_amt r = eff;
  int64_t q = 0;
  for (int i = 0; i < 4; i++) {
    r *= 10;
    q = q * 10 + (int64_t)(r / limit);
    r %= limit;
  }
  return q > 10000 ? 10000 : q;
}

static int user_cmp(const tally_billing *b, uint32_t x, uint32_t y) {
  t_str a = {b->users[x].name, b->users[x].len}, c = {b->users[y].name, b->users[y].len};
  return t_str_cmp(a, c);
}

static void user_sift(const tally_billing *b, uint32_t *v, size_t i, size_t n) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && user_cmp(b, v[c + 1], v[c]) > 0) c++;
    if (user_cmp(b, v[i], v[c]) >= 0) return;
    uint32_t tmp = v[i]; v[i] = v[c]; v[c] = tmp;
    i = c;
  }
}

/* Counted users sorted by name bytes (heap sort: no recursion, no memory). */
static tally_status order_users(tally_billing *b, tally_error *err) {
  b->n_user_order = 0;
  if (!b->n_users) return TALLY_OK;
  b->user_order = t_alloc(&b->alloc, b->n_users * sizeof *b->user_order);
  if (!b->user_order) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  b->n_user_order_cap = b->n_users;
  uint32_t *v = b->user_order;
  size_t n = 0;
  for (uint32_t i = 0; i < b->n_users; i++)
    if (b->users[i].counted) v[n++] = i;
  if (n > 1) {
    for (size_t i = n / 2; i-- > 0;) user_sift(b, v, i, n);
    for (size_t end = n - 1; end > 0; end--) {
      uint32_t tmp = v[0]; v[0] = v[end]; v[end] = tmp;
      user_sift(b, v, 0, end);
    }
  }
  b->n_user_order = n;
  return TALLY_OK;
}

static tally_status range_error(tally_error *err) {
  return t_error_set(err, TALLY_ERR_RANGE, "amount out of range");
}

tally_status t_bill_compute(tally_billing *b, tally_billing_statement *st, tally_error *err) {
  tally_status s;
  t_memset(st, 0, sizeof *st);
  if (b->overflow) return t_error_set(err, TALLY_ERR_RANGE, "usage: sum out of range");
  /* user_order is sized by n_users; users may have been added since */
  t_free(&b->alloc, b->user_order, b->n_user_order_cap * sizeof *b->user_order);
  b->user_order = NULL;
  b->n_user_order_cap = 0;
  if ((s = order_users(b, err))) return s;
  if ((s = t_bill_collect_windows(b, err))) return s;

  t_dec raw, refresh = t_dec_zero(), eff, over;
  if (!t_dec_add(t_bill_dec(b->baseline), t_bill_dec(b->total), &raw) || raw.units >= T_BILL_AMT_MAX)
    return range_error(err);
  for (size_t i = 0; i < b->n_win; i++) {
    t_bill_amt r = b->wins[i].usage < b->allowance ? b->wins[i].usage : b->allowance;
    refresh.units += r;
    if (refresh.units >= T_BILL_AMT_MAX) return range_error(err);
  }
  eff.units = raw.units - refresh.units;
  if (eff.units < 0) eff.units = 0;
  over.units = eff.units - b->included_total;
  if (over.units < 0) over.units = 0;

  st->raw = t_bill_to_pub(raw.units);
  st->refresh = t_bill_to_pub(refresh.units);
  st->effective = t_bill_to_pub(eff.units);
  st->included = t_bill_to_pub(b->included_total);
  st->overage = t_bill_to_pub(over.units);
  st->limit = t_bill_to_pub(b->limit);
  st->percent_used = basis_points(eff.units, b->limit);
  if (eff.units >= b->limit) st->status = TALLY_BILLING_EXCEEDED;
  else if (b->plan.warning_percent <= 100 && st->percent_used >= b->plan.warning_percent * 100)
    st->status = TALLY_BILLING_WARNING;
  else st->status = TALLY_BILLING_OK;
  st->conflicts = b->conflicts;
  st->rows = b->rows;
  st->closing = b->closing;

  /* The invoice step: the threshold during the period, the close at its end. */
  t_bill_amt unbilled = over.units - b->billed;
  if (unbilled < 0) unbilled = 0;
  bool step = b->closing || unbilled >= t_bill_from_pub(b->plan.threshold);
  t_bill_amt available, applied, billed = b->billed;
  if ((s = t_bill_credits_use(b, unbilled, step, &available, &applied, err))) return s;
  t_buf_clear(&b->invoice_key);
  if (step) {
    t_dec amount = t_bill_dec(unbilled - applied), cents_dec;
    int64_t cents;
    if (!t_dec_mul_i64(amount, 100, &cents_dec) || !t_dec_to_i64(cents_dec, T_ROUND_HALF_UP, &cents))
      return t_error_set(err, TALLY_ERR_RANGE, "invoice: amountCents does not fit 64 bits");
    /* billed grows by what was covered: the sub-cent rest waits */
    t_dec covered;
    covered.units = (t_bill_amt)cents * 10000000;
    billed += applied + covered.units;
    if (billed >= T_BILL_AMT_MAX) return range_error(err);
    st->amount = t_bill_to_pub(amount.units);
    st->amount_cents = cents;
    if (cents > 0) {
      st->invoice = b->closing ? TALLY_BILLING_INVOICE_CLOSE : TALLY_BILLING_INVOICE_THRESHOLD;
      t_buf_puts(&b->invoice_key, b->closing ? "close:" : "threshold:");
      t_buf_append(&b->invoice_key, b->entity, b->entity_len);
      t_buf_putc(&b->invoice_key, ':');
      t_buf_put_i64(&b->invoice_key, b->start);
      if (!b->closing) {
        t_dec billed_cents;
        char text[T_DEC_FMT_MAX];
        if (!t_dec_mul_i64(t_bill_dec(billed), 100, &billed_cents) ||
            !t_dec_round(billed_cents, 0, T_ROUND_HALF_UP, &billed_cents))
          return range_error(err);
        t_buf_putc(&b->invoice_key, ':');
        t_buf_append(&b->invoice_key, text, t_dec_format(billed_cents, text));
      }
      if (b->invoice_key.failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
      st->invoice_key = t_buf_cstr(&b->invoice_key);
      st->invoice_key_len = b->invoice_key.len;
    } else {
      st->amount = t_bill_to_pub(0);
    }
  }
  st->billed = t_bill_to_pub(billed);
  st->credits = t_bill_to_pub(available - applied);
  st->credits_applied = t_bill_to_pub(applied);
  return TALLY_OK;
}

tally_status tally_billing_compute(tally_billing *b, tally_billing_statement *out, tally_error *err) {
  if (!b || !out) return t_error_set(err, TALLY_ERR_USAGE, "tally_billing_compute: NULL argument");
  return t_bill_compute(b, out, err);
}

size_t tally_billing_user_count(const tally_billing *b) { return b->n_user_order; }

void tally_billing_user_get(const tally_billing *b, size_t i, const char **name, size_t *name_len,
                            tally_decimal *usage) {
  const t_bill_user *u = &b->users[b->user_order[i]];
  if (name) *name = u->name;
  if (name_len) *name_len = u->len;
  if (usage) *usage = t_bill_to_pub(u->sum);
}

size_t tally_billing_window_count(const tally_billing *b) { return b->n_win; }

void tally_billing_window_get(const tally_billing *b, size_t i, int64_t *start, tally_decimal *usage,
                              tally_decimal *refresh) {
  const t_bill_win *w = &b->wins[i];
  if (start) *start = w->start;
  if (usage) *usage = t_bill_to_pub(w->usage);
  if (refresh) *refresh = t_bill_to_pub(w->usage < b->allowance ? w->usage : b->allowance);
}

size_t tally_billing_grant_use_count(const tally_billing *b) { return b->n_uses; }

void tally_billing_grant_use_get(const tally_billing *b, size_t i, size_t *grant_index, tally_decimal *taken) {
  if (grant_index) *grant_index = b->uses[i].index;
  if (taken) *taken = t_bill_to_pub(b->uses[i].taken);
}
