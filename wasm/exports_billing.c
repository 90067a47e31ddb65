/*
** exports_billing.c - usage billing for js-bindings/billing.mjs. One-shot
** statements and prices go JSON in, JSON out. A streaming accumulator
** handle bundles the tally_billing with a scratch arena, the output buffer
** and the conflict indexes of the last batch (JavaScript is
** single-threaded per instance). Typed-array batches arrive as columns
** already copied into wasm memory by JS: one crossing per batch.
*/
#include "wasm.h"
#include "tally/billing.h"
#include "../core/billing/accum.h"
#include "../core/util/buf.h"
#include "../core/util/error.h"
#include "../core/util/json.h"
#include "../core/util/mem.h"

typedef struct wasm_bill {
  tally_billing *b;
  t_arena arena;
  t_buf out;
  uint32_t *conflicts;
  size_t conflicts_cap;
} wasm_bill;

static int32_t bill__status(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (st == TALLY_OK) t_error_clear(e);
  else if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

/*
** One JSON line in, the answer out: kind 0 = statement, 1 = price. The
** text is NUL-terminated and valid until the next call on this handle.
*/
static const char *bill__oneshot(wasm_bill *w, int kind, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  t_arena_reset(&w->arena);
  t_buf_clear(&w->out);
  t_json *v;
  tally_status st = t_json_parse(&w->arena, json, len, NULL, &v, err);
  if (!st) st = kind == 0 ? t_bill_json_bill(tally_wasm_allocator(), &w->arena, v, &w->out, err)
                          : t_bill_json_price(&w->arena, v, &w->out, err);
  if (bill__status(st)) return NULL;
  return t_buf_cstr(&w->out);
}

/* A handle for one-shot calls: no accumulator, just the buffers. */
TALLY_WASM_EXPORT(tally_wasm_billing_session)
wasm_bill *tally_wasm_billing_session(void) {
  const tally_allocator *a = tally_wasm_allocator();
  wasm_bill *w = t_calloc(a, 1, sizeof *w);
  if (!w) { bill__status(TALLY_ERR_NOMEM); return NULL; }
  t_arena_init(&w->arena, a, 0);
  t_buf_init(&w->out, a);
  bill__status(TALLY_OK);
  return w;
}

TALLY_WASM_EXPORT(tally_wasm_billing_free)
void tally_wasm_billing_free(wasm_bill *w) {
  if (!w) return;
  const tally_allocator *a = tally_wasm_allocator();
  tally_billing_free(w->b);
  t_arena_free(&w->arena);
  t_buf_free(&w->out);
  t_free(a, w->conflicts, w->conflicts_cap * sizeof *w->conflicts);
  t_free(a, w, sizeof *w);
}

TALLY_WASM_EXPORT(tally_wasm_billing_bill)
const char *tally_wasm_billing_bill(wasm_bill *w, const char *json, size_t len) {
  return bill__oneshot(w, 0, json, len);
}

TALLY_WASM_EXPORT(tally_wasm_billing_price)
const char *tally_wasm_billing_price(wasm_bill *w, const char *json, size_t len) {
  return bill__oneshot(w, 1, json, len);
}

/* Length of the last text returned (statement, price). */
TALLY_WASM_EXPORT(tally_wasm_billing_out_len)
size_t tally_wasm_billing_out_len(wasm_bill *w) { return w->out.len; }

/* Opens the accumulator of a session from a request (usage and windows included). */
TALLY_WASM_EXPORT(tally_wasm_billing_open)
int32_t tally_wasm_billing_open(wasm_bill *w, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  t_arena_reset(&w->arena);
  tally_billing_free(w->b);
  w->b = NULL;
  t_json *v;
  tally_status st = t_json_parse(&w->arena, json, len, NULL, &v, err);
  if (!st) st = t_bill_json_open(tally_wasm_allocator(), &w->arena, v, &w->b, err);
  return bill__status(st);
}

/* The id of a user name for addColumns; written to transfer slot 0. */
TALLY_WASM_EXPORT(tally_wasm_billing_user_id)
int32_t tally_wasm_billing_user_id(wasm_bill *w, const char *name, size_t len) {
  uint32_t id = TALLY_BILLING_NO_USER;
  tally_status st = tally_billing_user_id(w->b, name, len, &id, tally_wasm_error_area());
  tally_wasm_transfer_area()[0] = id;
  return bill__status(st);
}

/* Columns t (i64), cost (i64, 10^-9 units), user (u32 or NULL), n rows; no keys. */
TALLY_WASM_EXPORT(tally_wasm_billing_add_columns)
int32_t tally_wasm_billing_add_columns(wasm_bill *w, const int64_t *t, const int64_t *cost, const uint32_t *user,
                                       size_t n) {
  return bill__status(tally_billing_add_columns(w->b, t, cost, user, n, tally_wasm_error_area()));
}

static bool bill__conflicts_room(wasm_bill *w, size_t n) {
  if (n <= w->conflicts_cap) return true;
  const tally_allocator *a = tally_wasm_allocator();
  uint32_t *c = t_realloc(a, w->conflicts, w->conflicts_cap * sizeof *c, n * sizeof *c);
  if (!c) return false;
  w->conflicts = c;
  w->conflicts_cap = n;
  return true;
}

/*
** Keyed columns: as add_columns plus the keys, back to back in `keys`;
** key_end[i] is where key i ends (it starts where key i - 1 ended), with
** bit 31 set for a row without a key. Conflicting rows are left out and
** reported as by add_rows_json (transfer slots 0 and 1).
*/
TALLY_WASM_EXPORT(tally_wasm_billing_add_keyed)
int32_t tally_wasm_billing_add_keyed(wasm_bill *w, const int64_t *t, const int64_t *cost, const uint32_t *user,
                                     const char *keys, const uint32_t *key_end, size_t n) {
  enum { CHUNK = 1024 };
  tally_error *err = tally_wasm_error_area();
  uint64_t *tr = tally_wasm_transfer_area();
  t_error_clear(err);
  tr[0] = 0;
  tr[1] = 0;
  if (!bill__conflicts_room(w, n)) return bill__status(t_error_set(err, TALLY_ERR_NOMEM, "out of memory"));
  /* the whole batch is checked first, so that a bad row adds none of it */
  for (size_t i = 0; i < n; i++) {
    if (cost[i] < 0) return bill__status(t_error_set(err, TALLY_ERR_INPUT, "row %zu: negative cost", i));
    if (user && user[i] >= w->b->n_users && user[i] != TALLY_BILLING_NO_USER)
      return bill__status(t_error_set(err, TALLY_ERR_INPUT, "row %zu: unknown user id %u", i, (unsigned)user[i]));
  }
  tally_billing_row rows[CHUNK];
  size_t found[CHUNK];
  size_t nc = 0;
  uint32_t from = 0;
  for (size_t i = 0; i < n; i += CHUNK) {
    size_t m = n - i < CHUNK ? n - i : CHUNK;
    for (size_t k = 0; k < m; k++) {
      uint32_t end = key_end[i + k] & 0x7fffffffu;
      rows[k].t = t[i + k];
      rows[k].cost = cost[i + k];
      rows[k].user = user ? user[i + k] : TALLY_BILLING_NO_USER;
      rows[k].key = (key_end[i + k] >> 31) ? NULL : keys + from;
      rows[k].key_len = end - from;
      from = end;
    }
    size_t got;
    tally_status st = tally_billing_add_rows(w->b, rows, m, found, &got, err);
    for (size_t k = 0; k < got; k++) w->conflicts[nc++] = (uint32_t)(i + found[k]);
    if (st) return bill__status(st);
  }
  tr[0] = nc;
  tr[1] = (uint64_t)(uintptr_t)w->conflicts;
  return bill__status(TALLY_OK);
}

/*
** Rows as a JSON array [{t, cost, user, key}]. Conflicting rows are left
** out: transfer slot 0 gets their count, slot 1 the address of their
** indexes (u32, valid until the next call).
*/
TALLY_WASM_EXPORT(tally_wasm_billing_add_rows_json)
int32_t tally_wasm_billing_add_rows_json(wasm_bill *w, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  uint64_t *tr = tally_wasm_transfer_area();
  t_error_clear(err);
  tr[0] = 0;
  tr[1] = 0;
  t_arena_reset(&w->arena);
  t_json *v;
  tally_status st = t_json_parse(&w->arena, json, len, NULL, &v, err);
  if (st) return bill__status(st);
  if (v->type != T_JSON_ARRAY) return bill__status(t_error_set(err, TALLY_ERR_INPUT, "rows: expected an array"));
  size_t n = v->u.arr.len;
  if (!bill__conflicts_room(w, n)) return bill__status(t_error_set(err, TALLY_ERR_NOMEM, "out of memory"));
  size_t nc = 0;
  st = t_bill_json_add_rows(w->b, v, w->conflicts, &nc, err);
  tr[0] = nc;
  tr[1] = (uint64_t)(uintptr_t)w->conflicts;
  return bill__status(st);
}

/* Window sums as a JSON array [{start, usage}]. */
TALLY_WASM_EXPORT(tally_wasm_billing_add_windows_json)
int32_t tally_wasm_billing_add_windows_json(wasm_bill *w, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  t_arena_reset(&w->arena);
  t_json *v;
  tally_status st = t_json_parse(&w->arena, json, len, NULL, &v, err);
  if (!st) st = t_bill_json_add_windows(w->b, v, err);
  return bill__status(st);
}

/* The statement line, '\n', then {rows, conflicts, windows, grantUses}. */
TALLY_WASM_EXPORT(tally_wasm_billing_statement)
const char *tally_wasm_billing_statement(wasm_bill *w) {
  t_buf_clear(&w->out);
  if (bill__status(t_bill_json_statement(w->b, &w->out, tally_wasm_error_area()))) return NULL;
  return t_buf_cstr(&w->out);
}
