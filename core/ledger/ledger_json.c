/*
** ledger_json.c - reading and writing the ledger's JSON shapes (see
** ledger_json.h). Messages name the field; callers add which line or entry.
*/
#include "ledger_json.h"
#include "ledger_internal.h"
#include "../util/error.h"

tally_status t_ledger_json_int(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && s[i] == '-') { neg = true; i++; }
  if (i == n) return TALLY_ERR_INPUT;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return TALLY_ERR_INPUT;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (lim - d) / 10) return TALLY_ERR_INPUT;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return TALLY_OK;
}

tally_status t_ledger_json_amount(const t_json *v, tally_decimal *out) {
  t_str text;
  if (v->type == T_JSON_NUMBER && v->u.num.is_integer) text = v->u.num.text;
  else if (v->type == T_JSON_STRING) text = v->u.str;
  else return TALLY_ERR_INPUT;
  t_dec d;
  tally_error ignored;
  tally_status st = t_dec_parse(text.ptr ? text.ptr : "", text.len, &d, &ignored);
  if (st) return st == TALLY_ERR_RANGE ? st : TALLY_ERR_INPUT;
  *out = t_dec_to_public(d);
  return TALLY_OK;
}

/* Optional member: absent or null gives *has = false. */
static bool json__opt_i64(const t_json *obj, const char *name, bool *has, int64_t *out) {
  const t_json *v = t_json_get(obj, name);
  *has = false;
  if (!v || v->type == T_JSON_NULL) return true;
  if (!t_json_as_i64(v, out)) return false;
  *has = true;
  return true;
}

static bool json__req_str(const t_json *obj, const char *name, t_str *out) {
  const t_json *v = t_json_get(obj, name);
  if (!v || v->type != T_JSON_STRING) return false;
  out->ptr = v->u.str.ptr ? v->u.str.ptr : "";
  out->len = v->u.str.len;
  return true;
}

#define JSON__BAD(msg) return t_error_set(err, TALLY_ERR_INPUT, "%s", msg)

tally_status t_ledger_json_entry(const t_json *v, bool names, tally_ledger_entry *e, tally_error *err) {
  t_memset(e, 0, sizeof *e);
  t_str s;
  if (v->type != T_JSON_OBJECT) JSON__BAD("an entry must be a JSON object");
  if (names) {
    if (!json__req_str(v, "customer", &s)) JSON__BAD("customer must be a string");
    e->customer = s.ptr;
    e->customer_len = s.len;
    if (!json__req_str(v, "item", &s)) JSON__BAD("item must be a string");
    e->item = s.ptr;
    e->item_len = s.len;
  }
  const t_json *t = t_json_get(v, "t");
  if (!t || !t_json_as_i64(t, &e->t)) JSON__BAD("t must be an integer (milliseconds since the epoch)");
  const t_json *q = t_json_get(v, "qty");
  tally_status qs = q ? t_ledger_json_amount(q, &e->qty) : TALLY_ERR_INPUT;
  if (qs == TALLY_ERR_RANGE) JSON__BAD("qty out of range (at most 27 integer digits and 9 fractional digits)");
  if (qs) JSON__BAD("qty must be an integer or a decimal string (-?digits[.digits])");
  if (!json__opt_i64(v, "expiresAt", &e->has_expiry, &e->expires_at)) JSON__BAD("expiresAt must be an integer or null");
  if (!json__opt_i64(v, "seq", &e->has_seq, &e->seq)) JSON__BAD("seq must be an integer or null");
  const t_json *k = t_json_get(v, "key");
  if (k && k->type == T_JSON_STRING) {
    e->key = k->u.str.ptr ? k->u.str.ptr : "";
    e->key_len = k->u.str.len;
  } else if (k && k->type != T_JSON_NULL) {
    JSON__BAD("key must be a string or null");
  }
  return TALLY_OK;
}

static bool json__repeat(const t_json *r, tally_ledger_product_item *it) {
  it->repeat = TALLY_LEDGER_REPEAT_NONE;
  it->repeat_n = 0;
  if (!r || r->type == T_JSON_NULL) return true;
  if (r->type != T_JSON_ARRAY || r->u.arr.len != 2) return false;
  const t_json *u = r->u.arr.items[1];
  if (!t_json_as_i64(r->u.arr.items[0], &it->repeat_n) || it->repeat_n < 1 || u->type != T_JSON_STRING) return false;
  if (t_str_eq_cstr(u->u.str, "day")) it->repeat = TALLY_LEDGER_REPEAT_DAY;
  else if (t_str_eq_cstr(u->u.str, "week")) it->repeat = TALLY_LEDGER_REPEAT_WEEK;
  else if (t_str_eq_cstr(u->u.str, "month")) it->repeat = TALLY_LEDGER_REPEAT_MONTH;
  else if (t_str_eq_cstr(u->u.str, "year")) it->repeat = TALLY_LEDGER_REPEAT_YEAR;
  else return false;
  return true;
}

static bool json__expires(const t_json *x, tally_ledger_expires *out) {
  *out = TALLY_LEDGER_EXPIRES_NEVER;
  if (!x || x->type == T_JSON_NULL) return true;
  if (x->type != T_JSON_STRING) return false;
  if (t_str_eq_cstr(x->u.str, "never")) return true;
  if (t_str_eq_cstr(x->u.str, "when-purchase-expires")) *out = TALLY_LEDGER_EXPIRES_WITH_PURCHASE;
  else if (t_str_eq_cstr(x->u.str, "when-repeated")) *out = TALLY_LEDGER_EXPIRES_WHEN_REPEATED;
  else return false;
  return true;
}

tally_status t_ledger_json_purchase(t_arena *ar, const t_json *v, tally_ledger_purchase *p, t_str *customer,
                                    t_str *key, tally_error *err) {
  t_memset(p, 0, sizeof *p);
  if (v->type != T_JSON_OBJECT) JSON__BAD("a purchase must be a JSON object");
  if (!json__req_str(v, "customer", customer)) JSON__BAD("customer must be a string");
  if (!json__req_str(v, "key", key)) JSON__BAD("key must be a string");
  const t_json *c = t_json_get(v, "createdAt");
  if (!c || !t_json_as_i64(c, &p->created_at)) JSON__BAD("createdAt must be an integer (milliseconds since the epoch)");
  if (!json__opt_i64(v, "endedAt", &p->has_end, &p->ended_at)) JSON__BAD("endedAt must be an integer or null");
  const t_json *q = t_json_get(v, "quantity");
  p->quantity = tally_decimal_from_int(1);
  if (q && q->type != T_JSON_NULL && (t_ledger_json_amount(q, &p->quantity) || t_ledger_units(p->quantity) < 0))
    JSON__BAD("quantity must be a non-negative integer or decimal string");
  const t_json *items = t_json_get(v, "items");
  if (!items || items->type != T_JSON_ARRAY) JSON__BAD("items must be an array");
  size_t n = items->u.arr.len;
  tally_ledger_product_item *its = NULL;
  if (n) {
    its = t_arena_calloc(ar, n * sizeof *its);
    if (!its) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const t_json *it = items->u.arr.items[i];
    t_str name;
    const t_json *iq = it->type == T_JSON_OBJECT ? t_json_get(it, "quantity") : NULL;
    if (it->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "items[%zu] must be an object", i);
    if (!json__req_str(it, "item", &name))
      return t_error_set(err, TALLY_ERR_INPUT, "items[%zu].item must be a string", i);
    if (!iq || t_ledger_json_amount(iq, &its[i].quantity) || t_ledger_units(its[i].quantity) < 0)
      return t_error_set(err, TALLY_ERR_INPUT, "items[%zu].quantity must be a non-negative integer or decimal string", i);
    if (!json__repeat(t_json_get(it, "repeat"), &its[i]))
      return t_error_set(err, TALLY_ERR_INPUT,
                         "items[%zu].repeat must be null or [n, \"day\"|\"week\"|\"month\"|\"year\"] with n >= 1", i);
    if (!json__expires(t_json_get(it, "expires"), &its[i].expires))
      return t_error_set(err, TALLY_ERR_INPUT,
                         "items[%zu].expires must be \"never\", \"when-purchase-expires\" or \"when-repeated\"", i);
    its[i].item = name.ptr;
    its[i].item_len = name.len;
  }
  p->items = its;
  p->n_items = n;
  return TALLY_OK;
}

void t_ledger_json_write_dec(t_buf *b, tally_decimal d) {
  char tmp[TALLY_DECIMAL_TEXT_MAX];
  size_t n = tally_decimal_format(d, tmp);
  t_buf_putc(b, '"');
  t_buf_append(b, tmp, n);
  t_buf_putc(b, '"');
}

void t_ledger_json_write_state(t_buf *b, const tally_ledger_state *st) {
  t_buf_puts(b, "\"balance\":");
  t_ledger_json_write_dec(b, st->balance);
  t_buf_puts(b, ",\"available\":");
  t_ledger_json_write_dec(b, st->available);
  t_buf_puts(b, ",\"owed\":");
  t_ledger_json_write_dec(b, st->owed);
  t_buf_puts(b, ",\"expired\":");
  t_ledger_json_write_dec(b, st->expired);
  t_buf_puts(b, ",\"nextExpiry\":");
  if (st->has_next_expiry) t_buf_put_i64(b, st->next_expiry);
  else t_buf_puts(b, "null");
  t_buf_puts(b, st->has_credits ? ",\"hasCredits\":true" : ",\"hasCredits\":false");
}

void t_ledger_json_write_grant(t_buf *b, t_buf *scratch, t_str customer, t_str key, const tally_ledger_purchase *p,
                               const tally_ledger_grant *g) {
  const tally_ledger_product_item *it = &p->items[g->item];
  t_buf_puts(b, "{\"customer\":");
  t_json_write_string(b, customer.ptr, customer.len);
  t_buf_puts(b, ",\"item\":");
  t_json_write_string(b, it->item, it->item_len);
  t_buf_puts(b, ",\"t\":");
  t_buf_put_i64(b, g->t);
  t_buf_puts(b, ",\"qty\":");
  t_ledger_json_write_dec(b, g->qty);
  t_buf_puts(b, ",\"expiresAt\":");
  if (g->has_expiry) t_buf_put_i64(b, g->expires_at);
  else t_buf_puts(b, "null");
  t_buf_puts(b, ",\"key\":");
  t_buf_clear(scratch);
  t_buf_printf(scratch, "%S:%S:%llu", key, (t_str){it->item, it->item_len}, (unsigned long long)g->k);
  t_json_write_string(b, scratch->ptr ? scratch->ptr : "", scratch->len);
  t_buf_putc(b, '}');
}
