/*
** exports_ledger.c - the ledger for js-bindings/ledger.mjs. A session
** handle holds scratch memory and the last output text; it may also own
** one incremental tally_ledger (one customer and item). Entries and
** purchases cross as JSON (the shapes of the CLI, core/ledger/ledger_json.c)
** and answers come back as JSON text: one crossing per call.
*/
#include "wasm.h"
#include "tally/ledger.h"
#include "../core/ledger/ledger_internal.h"
#include "../core/ledger/ledger_json.h"
#include "../core/util/buf.h"
#include "../core/util/error.h"
#include "../core/util/json.h"
#include "../core/util/mem.h"

typedef struct wasm_ledger {
  tally_ledger *l;    /* NULL for a session without history */
  t_arena arena;
  t_buf out;
  t_buf scratch;
} wasm_ledger;

static int32_t ledger__status(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (st == TALLY_OK) t_error_clear(e);
  else if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

/* The output text, or NULL (error area) when writing it ran out of memory. */
static const char *ledger__out(wasm_ledger *w) {
  if (w->out.failed) {
    ledger__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_NOMEM, "out of memory"));
    return NULL;
  }
  ledger__status(TALLY_OK);
  return t_buf_cstr(&w->out);
}

static void ledger__begin(wasm_ledger *w) {
  t_error_clear(tally_wasm_error_area());
  t_arena_reset(&w->arena);
  t_buf_clear(&w->out);
}

TALLY_WASM_EXPORT(tally_wasm_ledger_new)
wasm_ledger *tally_wasm_ledger_new(int32_t with_history) {
  const tally_allocator *a = tally_wasm_allocator();
  wasm_ledger *w = t_calloc(a, 1, sizeof *w);
  if (!w) { ledger__status(TALLY_ERR_NOMEM); return NULL; }
  t_arena_init(&w->arena, a, 0);
  t_buf_init(&w->out, a);
  t_buf_init(&w->scratch, a);
  if (with_history && tally_ledger_new(a, &w->l, tally_wasm_error_area())) {
    t_free(a, w, sizeof *w);
    ledger__status(TALLY_ERR_NOMEM);
    return NULL;
  }
  ledger__status(TALLY_OK);
  return w;
}

TALLY_WASM_EXPORT(tally_wasm_ledger_free)
void tally_wasm_ledger_free(wasm_ledger *w) {
  if (!w) return;
  tally_ledger_free(w->l);
  t_arena_free(&w->arena);
  t_buf_free(&w->out);
  t_buf_free(&w->scratch);
  t_free(tally_wasm_allocator(), w, sizeof *w);
}

TALLY_WASM_EXPORT(tally_wasm_ledger_out_len)
size_t tally_wasm_ledger_out_len(wasm_ledger *w) { return w->out.len; }

TALLY_WASM_EXPORT(tally_wasm_ledger_count)
uint32_t tally_wasm_ledger_count(wasm_ledger *w) { return (uint32_t)tally_ledger_count(w->l); }

static tally_status ledger__parse(wasm_ledger *w, const char *json, size_t len, t_json **v) {
  return t_json_parse(&w->arena, json, len, NULL, v, tally_wasm_error_area());
}

/* One entry (JSON object, customer and item not needed); its id in transfer slot 0. */
TALLY_WASM_EXPORT(tally_wasm_ledger_add)
int32_t tally_wasm_ledger_add(wasm_ledger *w, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  ledger__begin(w);
  if (!w->l) return ledger__status(t_error_set(err, TALLY_ERR_USAGE, "this session has no history"));
  t_json *v;
  tally_ledger_entry e;
  uint32_t id = TALLY_LEDGER_NO_ID;
  tally_status st = ledger__parse(w, json, len, &v);
  if (!st) st = t_ledger_json_entry(v, false, &e, err);
  if (!st) st = tally_ledger_add(w->l, &e, &id, err);
  tally_wasm_transfer_area()[0] = id;
  return ledger__status(st);
}

TALLY_WASM_EXPORT(tally_wasm_ledger_state_at)
const char *tally_wasm_ledger_state_at(wasm_ledger *w, int64_t at) {
  ledger__begin(w);
  tally_ledger_state s;
  if (!w->l) { ledger__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_USAGE, "this session has no history")); return NULL; }
  if (ledger__status(tally_ledger_state_at(w->l, at, &s, tally_wasm_error_area()))) return NULL;
  t_buf_putc(&w->out, '{');
  t_ledger_json_write_state(&w->out, &s);
  t_buf_putc(&w->out, '}');
  return ledger__out(w);
}

/* amount: decimal text; key: (ptr, len) with has_key = 0 for none. */
TALLY_WASM_EXPORT(tally_wasm_ledger_spend)
const char *tally_wasm_ledger_spend(wasm_ledger *w, int64_t at, const char *amount, size_t amount_len,
                                    const char *key, size_t key_len, int32_t has_key) {
  tally_error *err = tally_wasm_error_area();
  ledger__begin(w);
  if (!w->l) { ledger__status(t_error_set(err, TALLY_ERR_USAGE, "this session has no history")); return NULL; }
  tally_decimal d;
  tally_ledger_spend_result r;
  if (ledger__status(tally_decimal_parse(amount, amount_len, &d, err))) return NULL;
  if (ledger__status(tally_ledger_spend(w->l, at, d, has_key ? (key ? key : "") : NULL, has_key ? key_len : 0, &r, err)))
    return NULL;
  t_buf_puts(&w->out, r.accepted ? "{\"accepted\":true,\"id\":" : "{\"accepted\":false,\"id\":");
  if (r.accepted) t_buf_put_u64(&w->out, r.id);
  else t_buf_puts(&w->out, "null");
  t_buf_puts(&w->out, ",\"available\":");
  t_ledger_json_write_dec(&w->out, r.available);
  t_buf_puts(&w->out, ",\"shortfall\":");
  t_ledger_json_write_dec(&w->out, r.shortfall);
  t_buf_putc(&w->out, '}');
  return ledger__out(w);
}

/* [{"t","balance","available","owed","expired"}] */
TALLY_WASM_EXPORT(tally_wasm_ledger_timeline)
const char *tally_wasm_ledger_timeline(wasm_ledger *w, int64_t until) {
  ledger__begin(w);
  const tally_ledger_point *p;
  size_t n;
  if (!w->l) { ledger__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_USAGE, "this session has no history")); return NULL; }
  if (ledger__status(tally_ledger_timeline(w->l, until, &p, &n, tally_wasm_error_area()))) return NULL;
  t_buf_putc(&w->out, '[');
  for (size_t i = 0; i < n; i++) {
    t_buf_puts(&w->out, i ? ",{\"t\":" : "{\"t\":");
    t_buf_put_i64(&w->out, p[i].t);
    t_buf_puts(&w->out, ",\"balance\":");
    t_ledger_json_write_dec(&w->out, p[i].balance);
    t_buf_puts(&w->out, ",\"available\":");
    t_ledger_json_write_dec(&w->out, p[i].available);
    t_buf_puts(&w->out, ",\"owed\":");
    t_ledger_json_write_dec(&w->out, p[i].owed);
    t_buf_puts(&w->out, ",\"expired\":");
    t_ledger_json_write_dec(&w->out, p[i].expired);
    t_buf_putc(&w->out, '}');
  }
  t_buf_putc(&w->out, ']');
  return ledger__out(w);
}

/* [{"removal","grant","t","qty"}] (entry ids) */
TALLY_WASM_EXPORT(tally_wasm_ledger_consumption)
const char *tally_wasm_ledger_consumption(wasm_ledger *w, int64_t until) {
  ledger__begin(w);
  const tally_ledger_use *u;
  size_t n;
  if (!w->l) { ledger__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_USAGE, "this session has no history")); return NULL; }
  if (ledger__status(tally_ledger_consumption(w->l, until, &u, &n, tally_wasm_error_area()))) return NULL;
  t_buf_putc(&w->out, '[');
  for (size_t i = 0; i < n; i++) {
    t_buf_puts(&w->out, i ? ",{\"removal\":" : "{\"removal\":");
    t_buf_put_u64(&w->out, u[i].removal);
    t_buf_puts(&w->out, ",\"grant\":");
    t_buf_put_u64(&w->out, u[i].grant);
    t_buf_puts(&w->out, ",\"t\":");
    t_buf_put_i64(&w->out, u[i].t);
    t_buf_puts(&w->out, ",\"qty\":");
    t_ledger_json_write_dec(&w->out, u[i].qty);
    t_buf_putc(&w->out, '}');
  }
  t_buf_putc(&w->out, ']');
  return ledger__out(w);
}

/*
** Many customers: a JSON array of entries (with customer and item) to
** {"results":[{"customer","item",...state}],"errors":[{"index","kind","message"}]}.
** An element of the wrong shape is an error of its own, like a bad line.
*/
TALLY_WASM_EXPORT(tally_wasm_ledger_balances)
const char *tally_wasm_ledger_balances(wasm_ledger *w, const char *json, size_t len, int64_t at) {
  tally_error *err = tally_wasm_error_area();
  const tally_allocator *a = tally_wasm_allocator();
  ledger__begin(w);
  t_json *v;
  if (ledger__status(ledger__parse(w, json, len, &v))) return NULL;
  if (v->type != T_JSON_ARRAY) {
    ledger__status(t_error_set(err, TALLY_ERR_INPUT, "expected an array of entries"));
    return NULL;
  }
  size_t n = v->u.arr.len;
  tally_ledger_entry *es = t_arena_alloc(&w->arena, (n ? n : 1) * sizeof *es);
  uint32_t *gid = t_arena_alloc(&w->arena, (n ? n : 1) * sizeof *gid);
  if (!es || !gid) { ledger__status(t_error_set(err, TALLY_ERR_NOMEM, "out of memory")); return NULL; }
  t_ledger_groups g;
  t_ledger_groups_init(&g, a);
  tally_ledger_balances bal;
  t_memset(&bal, 0, sizeof bal);
  bal.alloc_ = *a;
  tally_status st = TALLY_OK;
  t_buf errs;
  t_buf_init(&errs, a);
  size_t kept = 0;
  for (size_t i = 0; i < n && !st; i++) {
    tally_error e;
    t_error_clear(&e);
    tally_status s = t_ledger_json_entry(v->u.arr.items[i], true, &es[kept], &e);
    if (!s) s = t_ledger_groups_add(&g, es, kept, &gid[kept], &e);
    if (s == TALLY_OK) {
      if (gid[kept] != T_LEDGER_DUPLICATE) kept++;
      continue;
    }
    if (s == TALLY_ERR_NOMEM) { st = s; break; }
    if (s == TALLY_ERR_RANGE) e.code = TALLY_ERR_INPUT;
    t_buf_puts(&errs, errs.len ? ",{\"index\":" : "{\"index\":");
    t_buf_put_u64(&errs, i);
    t_buf_puts(&errs, ",\"kind\":");
    t_json_write_string(&errs, tally_status_kind(e.code), t_strlen(tally_status_kind(e.code)));
    t_buf_puts(&errs, ",\"message\":");
    t_json_write_string(&errs, e.message, t_strlen(e.message));
    t_buf_putc(&errs, '}');
  }
  if (!st) st = t_ledger_groups_compute(&g, es, gid, kept, at, &bal, err);
  if (!st) {
    t_buf_puts(&w->out, "{\"results\":[");
    for (size_t i = 0; i < bal.n_results; i++) {
      const tally_ledger_result *r = &bal.results[i];
      t_buf_puts(&w->out, i ? ",{\"customer\":" : "{\"customer\":");
      t_json_write_string(&w->out, r->customer, r->customer_len);
      t_buf_puts(&w->out, ",\"item\":");
      t_json_write_string(&w->out, r->item, r->item_len);
      t_buf_putc(&w->out, ',');
      t_ledger_json_write_state(&w->out, &r->state);
      t_buf_putc(&w->out, '}');
    }
    t_buf_puts(&w->out, "],\"errors\":[");
    t_buf_append(&w->out, errs.ptr, errs.len);
    t_buf_puts(&w->out, "]}");
    if (errs.failed) w->out.failed = true;
  } else if (st == TALLY_ERR_NOMEM) {
    t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  t_buf_free(&errs);
  tally_ledger_balances_free(&bal);
  t_ledger_groups_free(&g);
  if (ledger__status(st)) return NULL;
  return ledger__out(w);
}

/* One purchase (JSON object) to the JSON array of the entries it grants up to horizon. */
TALLY_WASM_EXPORT(tally_wasm_ledger_expand)
const char *tally_wasm_ledger_expand(wasm_ledger *w, const char *json, size_t len, int64_t horizon) {
  tally_error *err = tally_wasm_error_area();
  const tally_allocator *a = tally_wasm_allocator();
  ledger__begin(w);
  t_json *v;
  tally_ledger_purchase p;
  t_str customer, key;
  tally_ledger_grant *g = NULL;
  size_t n = 0;
  tally_status st = ledger__parse(w, json, len, &v);
  if (!st) st = t_ledger_json_purchase(&w->arena, v, &p, &customer, &key, err);
  if (!st) st = tally_ledger_expand(a, &p, horizon, &g, &n, err);
  if (st == TALLY_ERR_RANGE) err->code = st = TALLY_ERR_INPUT;
  if (ledger__status(st)) return NULL;
  t_buf_putc(&w->out, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) t_buf_putc(&w->out, ',');
    t_ledger_json_write_grant(&w->out, &w->scratch, customer, key, &p, &g[i]);
  }
  t_buf_putc(&w->out, ']');
  tally_ledger_grants_free(a, g, n);
  if (w->scratch.failed) w->out.failed = true;
  return ledger__out(w);
}
