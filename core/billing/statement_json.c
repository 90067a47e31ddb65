/*
** statement_json.c - the JSON face of billing: a statement request
** (billing.md, "Statement JSON") in, the statement out, and the same for
** price tiers. The CLI commands `tally bill` / `tally price`, the wasm
** exports and tally_billing_bill_json all go through here, so that every
** host writes the same bytes.
**
** Amounts follow the ledger's rules: a JSON integer or a decimal string
** (-?digits[.digits], at most 9 fractional digits); 1.5 as a JSON number
** is refused, because a binary double cannot be trusted with money.
*/
#include "accum.h"
#include "../util/error.h"
#include "../util/json.h"

static tally_status bad(tally_error *err, const char *what, const char *problem) {
  return t_error_set(err, TALLY_ERR_INPUT, "%s: %s", what, problem);
}

static tally_status get_amount(const t_json *v, const char *what, t_bill_amt *out, tally_error *err) {
  t_str text;
  if (v->type == T_JSON_STRING) text = v->u.str;
  else if (v->type == T_JSON_NUMBER && v->u.num.is_integer) text = v->u.num.text;
  else return bad(err, what, "expected a decimal string or an integer");
  t_dec d;
  tally_error scratch;
  tally_status s = t_dec_parse(text.ptr, text.len, &d, &scratch);
  if (s) return t_error_set(err, s, "%s: %s", what, scratch.message);
  if (d.units < 0) return bad(err, what, "negative amount");
  if (d.units >= T_BILL_AMT_MAX) return t_error_set(err, TALLY_ERR_RANGE, "%s: out of range", what);
  *out = d.units;
  return TALLY_OK;
}

/* An optional amount: absent and null leave *out alone. */
static tally_status opt_amount(const t_json *obj, const char *key, const char *what, t_bill_amt *out, bool *given,
                               tally_error *err) {
  const t_json *v = t_json_get(obj, key);
  if (given) *given = false;
  if (!v || v->type == T_JSON_NULL) return TALLY_OK;
  if (given) *given = true;
  return get_amount(v, what, out, err);
}

static tally_status get_int(const t_json *v, const char *what, int64_t *out, tally_error *err) {
  if (!v || v->type != T_JSON_NUMBER || !t_json_as_i64(v, out))
    return bad(err, what, "expected an integer (milliseconds since the epoch)");
  return TALLY_OK;
}

static tally_status opt_string(const t_json *obj, const char *key, const char *what, t_str *out, bool *given,
                               tally_error *err) {
  const t_json *v = t_json_get(obj, key);
  *given = false;
  if (!v || v->type == T_JSON_NULL) return TALLY_OK;
  if (v->type != T_JSON_STRING) return bad(err, what, "expected a string");
  *out = v->u.str;
  *given = true;
  return TALLY_OK;
}

static tally_status read_refresh(const t_json *r, tally_billing_plan *plan, tally_error *err) {
  tally_status s;
  if (r->type != T_JSON_OBJECT) return bad(err, "plan.refresh", "expected an object");
  plan->has_refresh = true;
  t_bill_amt per = 0;
  const t_json *v = t_json_get(r, "perSeat");
  if (!v) return bad(err, "plan.refresh.perSeat", "missing");
  if ((s = get_amount(v, "plan.refresh.perSeat", &per, err))) return s;
  plan->refresh_per_seat = t_bill_to_pub(per);
  v = t_json_get(r, "window");
  if (!v || v->type == T_JSON_NULL || (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "day"))) {
    plan->window = TALLY_BILLING_WINDOW_DAY;
  } else if (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "week")) {
    plan->window = TALLY_BILLING_WINDOW_WEEK;
  } else if (v->type == T_JSON_NUMBER) {
    int64_t ms;
    if (!t_json_as_i64(v, &ms)) return bad(err, "plan.refresh.window", "expected \"day\", \"week\" or milliseconds");
    if (ms < TALLY_BILLING_MIN_WINDOW_MS)
      return t_error_set(err, TALLY_ERR_INPUT, "plan.refresh.window: %lld ms is under one minute (60000 ms)",
                         (long long)ms);
    plan->window = TALLY_BILLING_WINDOW_MS;
    plan->window_ms = ms;
  } else {
    return bad(err, "plan.refresh.window", "expected \"day\", \"week\" or milliseconds");
  }
  v = t_json_get(r, "anchor");
  if (!v || v->type == T_JSON_NULL || (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "period")))
    plan->anchor = TALLY_BILLING_ANCHOR_PERIOD;
  else if (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "utc"))
    plan->anchor = TALLY_BILLING_ANCHOR_UTC;
  else
    return bad(err, "plan.refresh.anchor", "expected \"period\" or \"utc\"");
  return TALLY_OK;
}

static tally_status read_plan(const t_json *p, tally_billing_plan *plan, tally_error *err) {
  tally_status s;
  if (!p || p->type == T_JSON_NULL) return TALLY_OK;
  if (p->type != T_JSON_OBJECT) return bad(err, "plan", "expected an object");
  t_bill_amt a = 0;
  bool given;
  if ((s = opt_amount(p, "included", "plan.included", &a, &given, err))) return s;
  plan->included = t_bill_to_pub(a);
  const t_json *v = t_json_get(p, "seats");
  if (v && v->type != T_JSON_NULL) {
    if (v->type != T_JSON_NUMBER || !t_json_as_i64(v, &plan->seats)) return bad(err, "plan.seats", "expected an integer");
    if (plan->seats < 0) return bad(err, "plan.seats", "negative");
  }
  a = 0;
  if ((s = opt_amount(p, "limit", "plan.limit", &a, &plan->has_limit, err))) return s;
  plan->limit = t_bill_to_pub(a);
  v = t_json_get(p, "warningPercent");
  if (v && v->type != T_JSON_NULL) {
    if (v->type != T_JSON_NUMBER || !t_json_as_i64(v, &plan->warning_percent))
      return bad(err, "plan.warningPercent", "expected an integer");
    if (plan->warning_percent < 0) return bad(err, "plan.warningPercent", "negative");
    if (plan->warning_percent > 1000000) plan->warning_percent = 1000000; /* never a warning; no overflow */
  }
  a = t_bill_from_pub(plan->threshold);
  if ((s = opt_amount(p, "threshold", "plan.threshold", &a, NULL, err))) return s;
  plan->threshold = t_bill_to_pub(a);
  v = t_json_get(p, "refresh");
  if (v && v->type != T_JSON_NULL && (s = read_refresh(v, plan, err))) return s;
  return TALLY_OK;
}

static tally_status read_grants(t_arena *ar, const t_json *c, tally_billing_request *req, tally_error *err) {
  tally_status s;
  req->use_grants = true;
  req->n_grants = c->u.arr.len;
  if (!req->n_grants) return TALLY_OK;
  tally_billing_grant *g = t_arena_calloc(ar, req->n_grants * sizeof *g);
  if (!g) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  req->grants = g;
  char what[64];
  for (size_t i = 0; i < req->n_grants; i++) {
    const t_json *e = c->u.arr.items[i];
    if (e->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "credits[%zu]: expected an object", i);
    t_str key;
    bool given;
    t_snprintf(what, sizeof what, "credits[%zu].key", i);
    if ((s = opt_string(e, "key", what, &key, &given, err))) return s;
    if (given) { g[i].key = key.ptr; g[i].key_len = key.len; }
    t_bill_amt amount;
    const t_json *v = t_json_get(e, "amount");
    t_snprintf(what, sizeof what, "credits[%zu].amount", i);
    if (!v) return bad(err, what, "missing");
    if ((s = get_amount(v, what, &amount, err))) return s;
    g[i].amount = t_bill_to_pub(amount);
    t_snprintf(what, sizeof what, "credits[%zu].grantedAt", i);
    v = t_json_get(e, "grantedAt");
    if (v && v->type != T_JSON_NULL) {
      if ((s = get_int(v, what, &g[i].granted_at, err))) return s;
    } else {
      g[i].granted_at = INT64_MIN;  /* granted before anything */
    }
    t_snprintf(what, sizeof what, "credits[%zu].expiresAt", i);
    v = t_json_get(e, "expiresAt");
    if (v && v->type != T_JSON_NULL) {
      if ((s = get_int(v, what, &g[i].expires_at, err))) return s;
      g[i].has_expiry = true;
    }
  }
  return TALLY_OK;
}

static tally_status read_request(t_arena *ar, const t_json *j, tally_billing_request *req, tally_error *err) {
  tally_status s;
  tally_billing_request_init(req);
  if (j->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "a statement request must be an object");
  const t_json *v = t_json_get(j, "entity");
  if (!v || v->type != T_JSON_STRING) return bad(err, "entity", "expected a string");
  req->entity = v->u.str.ptr;
  req->entity_len = v->u.str.len;
  const t_json *p = t_json_get(j, "period");
  if (!p || p->type != T_JSON_OBJECT) return bad(err, "period", "expected an object {start, end}");
  if ((s = get_int(t_json_get(p, "start"), "period.start", &req->period_start, err))) return s;
  if ((s = get_int(t_json_get(p, "end"), "period.end", &req->period_end, err))) return s;
  if ((s = get_int(t_json_get(j, "now"), "now", &req->now, err))) return s;
  t_bill_amt a = 0;
  if ((s = opt_amount(j, "baseline", "baseline", &a, NULL, err))) return s;
  req->baseline = t_bill_to_pub(a);
  if ((s = read_plan(t_json_get(j, "plan"), &req->plan, err))) return s;
  a = 0;
  if ((s = opt_amount(j, "billed", "billed", &a, NULL, err))) return s;
  req->billed = t_bill_to_pub(a);
  v = t_json_get(j, "credits");
  if (v && v->type == T_JSON_ARRAY) {
    if ((s = read_grants(ar, v, req, err))) return s;
  } else {
    a = 0;
    if ((s = opt_amount(j, "credits", "credits", &a, NULL, err))) return s;
    req->credits = t_bill_to_pub(a);
  }
  v = t_json_get(j, "close");
  if (v && v->type != T_JSON_NULL) {
    if (v->type != T_JSON_BOOL) return bad(err, "close", "expected true or false");
    req->close = v->u.b;
  }
  return TALLY_OK;
}

/*
** Rows [{t, cost, user, key}]. Strict (a request line): a conflicting key
** fails the whole request. Streaming (conflicts != NULL): a conflicting row
** is left out and its index recorded, so that the host decides.
*/
static tally_status read_rows(tally_billing *b, const t_json *rows, uint32_t *conflicts, size_t *n_conflicts,
                              tally_error *err) {
  tally_status s;
  char what[64];
  if (rows->type != T_JSON_ARRAY) return bad(err, "usage", "expected an array of rows");
  for (size_t i = 0; i < rows->u.arr.len; i++) {
    const t_json *r = rows->u.arr.items[i];
    if (r->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "usage[%zu]: expected an object", i);
    int64_t t;
    t_bill_amt cost;
    t_snprintf(what, sizeof what, "usage[%zu].t", i);
    if ((s = get_int(t_json_get(r, "t"), what, &t, err))) return s;
    const t_json *c = t_json_get(r, "cost");
    t_snprintf(what, sizeof what, "usage[%zu].cost", i);
    if (!c) return bad(err, what, "missing");
    if ((s = get_amount(c, what, &cost, err))) return s;
    t_str user = {NULL, 0}, key = {NULL, 0};
    bool has_user, has_key;
    t_snprintf(what, sizeof what, "usage[%zu].user", i);
    if ((s = opt_string(r, "user", what, &user, &has_user, err))) return s;
    t_snprintf(what, sizeof what, "usage[%zu].key", i);
    if ((s = opt_string(r, "key", what, &key, &has_key, err))) return s;
    uint32_t uid = TALLY_BILLING_NO_USER;
    if (has_user && (s = t_bill_user_intern(b, user.ptr, user.len, &uid, err))) return s;
    tally_error scratch;
    s = t_bill_add(b, t, cost, uid, has_key ? key.ptr : NULL, key.len, &scratch);
    if (s == TALLY_ERR_CONFLICT && conflicts) {
      conflicts[(*n_conflicts)++] = (uint32_t)i;
      continue;
    }
    if (s == TALLY_ERR_CONFLICT) return t_error_set(err, s, "usage[%zu]: %s", i, scratch.message);
    if (s) {
      if (err) *err = scratch;
      return s;
    }
  }
  return TALLY_OK;
}

static tally_status read_windows(tally_billing *b, const t_json *wins, tally_error *err) {
  tally_status s;
  char what[64];
  if (wins->type != T_JSON_ARRAY) return bad(err, "windows", "expected an array of {start, usage}");
  for (size_t i = 0; i < wins->u.arr.len; i++) {
    const t_json *w = wins->u.arr.items[i];
    if (w->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "windows[%zu]: expected an object", i);
    int64_t start;
    t_bill_amt usage;
    t_snprintf(what, sizeof what, "windows[%zu].start", i);
    if ((s = get_int(t_json_get(w, "start"), what, &start, err))) return s;
    const t_json *u = t_json_get(w, "usage");
    t_snprintf(what, sizeof what, "windows[%zu].usage", i);
    if (!u) return bad(err, what, "missing");
    if ((s = get_amount(u, what, &usage, err))) return s;
    tally_error scratch;
    if ((s = t_bill_add_window(b, start, usage, &scratch)))
      return t_error_set(err, s, "windows[%zu]: %s", i, scratch.message);
  }
  return TALLY_OK;
}

static tally_status read_usage(tally_billing *b, const t_json *j, tally_error *err) {
  tally_status s;
  const t_json *rows = t_json_get(j, "usage");
  if (rows && rows->type != T_JSON_NULL && (s = read_rows(b, rows, NULL, NULL, err))) return s;
  const t_json *wins = t_json_get(j, "windows");
  if (wins && wins->type != T_JSON_NULL && (s = read_windows(b, wins, err))) return s;
  return TALLY_OK;
}

static void put_amount(t_buf *out, tally_decimal d) {
  char text[T_DEC_FMT_MAX];
  size_t n = t_dec_format(t_bill_dec(t_bill_from_pub(d)), text);
  t_buf_putc(out, '"');
  t_buf_append(out, text, n);
  t_buf_putc(out, '"');
}

static void put_by_user(t_buf *out, const tally_billing *b) {
  t_buf_putc(out, '{');
  for (size_t i = 0; i < tally_billing_user_count(b); i++) {
    const char *name;
    size_t len;
    tally_decimal sum;
    tally_billing_user_get(b, i, &name, &len, &sum);
    if (i) t_buf_putc(out, ',');
    t_json_write_string(out, name, len);
    t_buf_putc(out, ':');
    put_amount(out, sum);
  }
  t_buf_putc(out, '}');
}

static const char *const status_names[] = {"ok", "warning", "exceeded"};

static void write_statement(t_buf *out, const tally_billing *b, const tally_billing_statement *st) {
  t_buf_puts(out, "{\"entity\":");
  t_json_write_string(out, b->entity, b->entity_len);
  t_buf_puts(out, ",\"raw\":");
  put_amount(out, st->raw);
  t_buf_puts(out, ",\"byUser\":");
  put_by_user(out, b);
  t_buf_puts(out, ",\"refresh\":");
  put_amount(out, st->refresh);
  t_buf_puts(out, ",\"effective\":");
  put_amount(out, st->effective);
  t_buf_puts(out, ",\"included\":");
  put_amount(out, st->included);
  t_buf_puts(out, ",\"overage\":");
  put_amount(out, st->overage);
  t_buf_puts(out, ",\"limit\":");
  put_amount(out, st->limit);
  t_buf_puts(out, ",\"percentUsed\":");
  t_buf_put_i64(out, st->percent_used);
  t_buf_puts(out, ",\"status\":\"");
  t_buf_puts(out, status_names[st->status]);
  t_buf_puts(out, "\",\"invoice\":");
  if (st->invoice == TALLY_BILLING_INVOICE_NONE) {
    t_buf_puts(out, "null");
  } else {
    t_buf_puts(out, st->invoice == TALLY_BILLING_INVOICE_CLOSE ? "{\"kind\":\"close\"" : "{\"kind\":\"threshold\"");
    t_buf_puts(out, ",\"amount\":");
    put_amount(out, st->amount);
    t_buf_puts(out, ",\"amountCents\":");
    t_buf_put_i64(out, st->amount_cents);
    t_buf_puts(out, ",\"key\":");
    t_json_write_string(out, st->invoice_key, st->invoice_key_len);
    t_buf_putc(out, '}');
  }
  t_buf_puts(out, ",\"billed\":");
  put_amount(out, st->billed);
  t_buf_puts(out, ",\"credits\":");
  put_amount(out, st->credits);
  t_buf_puts(out, ",\"creditsApplied\":");
  put_amount(out, st->credits_applied);
  if (st->closing) {
    t_buf_puts(out, ",\"lastPeriodCost\":");
    put_amount(out, st->raw);
    t_buf_puts(out, ",\"lastPeriodCostByUser\":");
    put_by_user(out, b);
  }
  t_buf_putc(out, '}');
}

/*
** Over-range and over-precise amounts are wrong values in a request: the
** JSON face reports them as kind "input" (interfaces.md has no "range").
*/
static tally_status as_input(tally_status s, tally_error *err) {
  if (s != TALLY_ERR_RANGE) return s;
  if (err) err->code = TALLY_ERR_INPUT;
  return TALLY_ERR_INPUT;
}

/* The accumulator of a request, its usage and windows added. */
static tally_status json_open(const tally_allocator *alloc, t_arena *ar, const t_json *j, tally_billing **out,
                              tally_error *err) {
  tally_billing_request req;
  *out = NULL;
  tally_status s = read_request(ar, j, &req, err);
  if (s) return s;
  const t_json *k = t_json_get(j, "keys");
  if (k && k->type != T_JSON_NULL) {
    if (k->type != T_JSON_BOOL) return bad(err, "keys", "expected true or false");
    req.keys = k->u.b;
  }
  if ((s = t_bill_new(alloc, &req, out, err))) return s;
  if ((s = read_usage(*out, j, err))) {
    tally_billing_free(*out);
    *out = NULL;
  }
  return s;
}

static tally_status json_bill(const tally_allocator *alloc, t_arena *ar, const t_json *j, t_buf *out,
                              tally_error *err) {
  tally_billing *b;
  tally_status s = json_open(alloc, ar, j, &b, err);
  if (s) return s;
  tally_billing_statement st;
  if (!(s = t_bill_compute(b, &st, err))) {
    write_statement(out, b, &st);
    if (out->failed) s = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  tally_billing_free(b);
  return s;
}

tally_status t_bill_json_bill(const tally_allocator *alloc, t_arena *ar, const t_json *j, t_buf *out,
                              tally_error *err) {
  return as_input(json_bill(alloc, ar, j, out, err), err);
}

static tally_status json_price(t_arena *ar, const t_json *j, t_buf *out, tally_error *err) {
  tally_status s;
  char what[64];
  if (j->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "a price request must be an object");
  const t_json *u = t_json_get(j, "units");
  if (!u) return bad(err, "units", "missing");
  t_bill_amt units;
  if ((s = get_amount(u, "units", &units, err))) return s;
  const t_json *tiers = t_json_get(j, "tiers");
  if (!tiers || tiers->type != T_JSON_ARRAY) return bad(err, "tiers", "expected an array of tiers");
  size_t n = tiers->u.arr.len;
  tally_billing_tier *t = n ? t_arena_calloc(ar, n * sizeof *t) : NULL;
  if (n && !t) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const t_json *e = tiers->u.arr.items[i];
    if (e->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "tiers[%zu]: expected an object", i);
    t_bill_amt a = 0;
    t_snprintf(what, sizeof what, "tiers[%zu].upTo", i);
    if ((s = opt_amount(e, "upTo", what, &a, &t[i].has_up_to, err))) return s;
    t[i].up_to = t_bill_to_pub(a);
    const t_json *p = t_json_get(e, "unitPrice");
    t_snprintf(what, sizeof what, "tiers[%zu].unitPrice", i);
    if (!p) return bad(err, what, "missing");
    if ((s = get_amount(p, what, &a, err))) return s;
    t[i].unit_price = t_bill_to_pub(a);
    a = 1000000000;  /* 1 */
    t_snprintf(what, sizeof what, "tiers[%zu].unitSize", i);
    if ((s = opt_amount(e, "unitSize", what, &a, NULL, err))) return s;
    t[i].unit_size = t_bill_to_pub(a);
  }
  tally_decimal price;
  if ((s = tally_billing_price(t, n, t_bill_to_pub(units), &price, err))) return s;
  t_buf_puts(out, "{\"price\":");
  put_amount(out, price);
  t_buf_putc(out, '}');
  return out->failed ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory") : TALLY_OK;
}

tally_status t_bill_json_price(t_arena *ar, const t_json *j, t_buf *out, tally_error *err) {
  return as_input(json_price(ar, j, out, err), err);
}

/*
** {======================================================
** Streaming through JSON (the wasm exports of the JS bindings)
** =======================================================
*/

tally_status t_bill_json_open(const tally_allocator *alloc, t_arena *ar, const t_json *j, tally_billing **out,
                              tally_error *err) {
  return as_input(json_open(alloc, ar, j, out, err), err);
}

tally_status t_bill_json_add_rows(tally_billing *b, const t_json *rows, uint32_t *conflicts, size_t *n_conflicts,
                                  tally_error *err) {
  *n_conflicts = 0;
  return as_input(read_rows(b, rows, conflicts, n_conflicts, err), err);
}

tally_status t_bill_json_add_windows(tally_billing *b, const t_json *wins, tally_error *err) {
  return as_input(read_windows(b, wins, err), err);
}

tally_status t_bill_json_statement(tally_billing *b, t_buf *out, tally_error *err) {
  tally_billing_statement st;
  tally_status s = t_bill_compute(b, &st, err);
  if (s) return as_input(s, err);
  write_statement(out, b, &st);
  /* what a dashboard draws, after the statement proper */
  t_buf_putc(out, '\n');
  t_buf_puts(out, "{\"rows\":");
  t_buf_put_u64(out, st.rows);
  t_buf_puts(out, ",\"conflicts\":");
  t_buf_put_u64(out, st.conflicts);
  t_buf_puts(out, ",\"windows\":[");
  for (size_t i = 0; i < b->n_win; i++) {
    int64_t start;
    tally_decimal usage, refresh;
    tally_billing_window_get(b, i, &start, &usage, &refresh);
    t_buf_puts(out, i ? ",{\"start\":" : "{\"start\":");
    t_buf_put_i64(out, start);
    t_buf_puts(out, ",\"usage\":");
    put_amount(out, usage);
    t_buf_puts(out, ",\"refresh\":");
    put_amount(out, refresh);
    t_buf_putc(out, '}');
  }
  t_buf_puts(out, "],\"grantUses\":[");
  for (size_t i = 0; i < b->n_uses; i++) {
    t_buf_puts(out, i ? ",{\"grant\":" : "{\"grant\":");
    t_buf_put_u64(out, b->uses[i].index);
    t_buf_puts(out, ",\"taken\":");
    put_amount(out, t_bill_to_pub(b->uses[i].taken));
    t_buf_putc(out, '}');
  }
  t_buf_puts(out, "]}");
  return out->failed ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory") : TALLY_OK;
}

/*
** {======================================================
** Public JSON entry points
** =======================================================
*/

typedef enum { T_BILL_BILL, T_BILL_PRICE } t_bill_json_kind;

static tally_status json_call(t_bill_json_kind kind, const tally_allocator *alloc, const char *json, size_t len,
                              char **out, size_t *out_len, tally_error *err) {
  if (!alloc || !out || !out_len || (!json && len)) return t_error_set(err, TALLY_ERR_USAGE, "NULL argument");
  *out = NULL;
  *out_len = 0;
  t_arena ar;
  t_arena_init(&ar, alloc, 0);
  t_buf buf;
  t_buf_init(&buf, alloc);
  t_json *j;
  tally_status s = t_json_parse(&ar, json ? json : "", len, NULL, &j, err);
  if (!s) s = kind == T_BILL_BILL ? t_bill_json_bill(alloc, &ar, j, &buf, err) : t_bill_json_price(&ar, j, &buf, err);
  if (!s) {
    char *text = t_alloc(alloc, buf.len + 1);
    if (!text) {
      s = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    } else {
      if (buf.len) t_memcpy(text, buf.ptr, buf.len);
      text[buf.len] = 0;
      *out = text;
      *out_len = buf.len;
    }
  }
  t_buf_free(&buf);
  t_arena_free(&ar);
  return s;
}

tally_status tally_billing_bill_json(const tally_allocator *alloc, const char *json, size_t len, char **out,
                                     size_t *out_len, tally_error *err) {
  return json_call(T_BILL_BILL, alloc, json, len, out, out_len, err);
}

tally_status tally_billing_price_json(const tally_allocator *alloc, const char *json, size_t len, char **out,
                                      size_t *out_len, tally_error *err) {
  return json_call(T_BILL_PRICE, alloc, json, len, out, out_len, err);
}

void tally_billing_text_free(const tally_allocator *alloc, char *text, size_t len) {
  if (alloc && text) t_free(alloc, text, len + 1);
}
