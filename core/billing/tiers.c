/*
** tiers.c - graduated price tiers for metered units (MAU, GB, calls):
** each tier prices ceil(units in tier / unitSize) x unitPrice; upTo counts
** units from zero, and units past the last upTo fall in the last tier.
*/
#include "accum.h"
#include "../util/error.h"

tally_status tally_billing_price(const tally_billing_tier *tiers, size_t n, tally_decimal units_pub,
                                 tally_decimal *price, tally_error *err) {
  t_bill_amt units = t_bill_from_pub(units_pub);
  if (units < 0) return t_error_set(err, TALLY_ERR_INPUT, "units: negative amount");
  if (units >= T_BILL_AMT_MAX) return t_error_set(err, TALLY_ERR_RANGE, "units: out of range");
  if (n == 0 || !tiers) return t_error_set(err, TALLY_ERR_INPUT, "tiers: at least one tier is needed");
  t_bill_amt prev = 0;
  for (size_t i = 0; i < n; i++) {
    const tally_billing_tier *t = &tiers[i];
    t_bill_amt up = t_bill_from_pub(t->up_to), unit_price = t_bill_from_pub(t->unit_price);
    t_bill_amt size = t_bill_from_pub(t->unit_size);
    if (!t->has_up_to && i + 1 < n) return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu]: only the last tier may omit upTo", i);
    if (t->has_up_to && (up < 0 || up >= T_BILL_AMT_MAX))
      return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu].upTo: negative or out of range", i);
    if (t->has_up_to && up <= prev && i > 0)
      return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu].upTo: tiers must be ordered by increasing upTo", i);
    if (t->has_up_to) prev = up;
    if (unit_price < 0 || unit_price >= T_BILL_AMT_MAX)
      return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu].unitPrice: negative or out of range", i);
    if (size <= 0 || size >= T_BILL_AMT_MAX)
      return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu].unitSize: must be positive", i);
  }
  t_dec total = t_dec_zero();
  t_bill_amt from = 0;
  for (size_t i = 0; i < n && from < units; i++) {
    const tally_billing_tier *t = &tiers[i];
    bool last = i + 1 == n;
    t_bill_amt to = units;
    if (!last && t_bill_from_pub(t->up_to) < units) to = t_bill_from_pub(t->up_to);
    if (to <= from) continue;
    t_bill_amt in_tier = to - from, size = t_bill_from_pub(t->unit_size);
    t_bill_amt blocks = in_tier / size + (in_tier % size != 0);
    t_dec part;
    if (blocks > INT64_MAX || !t_dec_mul_i64(t_bill_dec(t_bill_from_pub(t->unit_price)), (int64_t)blocks, &part) ||
        !t_dec_add(total, part, &total) || total.units >= T_BILL_AMT_MAX)
      return t_error_set(err, TALLY_ERR_RANGE, "price: out of range");
    from = to;
  }
  *price = t_bill_to_pub(total.units);
  return TALLY_OK;
}
