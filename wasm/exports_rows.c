/*
** exports_rows.c - rows of bindings in a compact binary form, for
** js-bindings/cel.mjs. Converting a JS object to JSON text and parsing it
** again here cost more than evaluating most expressions; instead JS writes
** only the members the program reads (tally_cel_program_variables), as
** tagged scalars, straight into wasm memory, and these exports bind them
** through the public API. Values the form does not cover travel as the
** JSON text of the older exports, row by row, so results do not depend on
** which form a row took.
**
** All numbers little-endian, unaligned:
**   row   := kind u32:len payload[len]
**   kind 0: payload = u32:n (u32:name-index value){n}   binary members
**   kind 1: payload = a plain JSON object's text
**   kind 2: payload = a typed JSON object's text
**   value := 0 null | 1 false | 2 true | 3 f64 (an integer: int)
**          | 4 f64 (double) | 5 u32:len utf8[len] (string)
**          | 6 u32:n scalar{n} (list) | 7 u32:n (u32:len utf8[len] scalar){n} (map, string keys)
** where scalar is any value but a list or a map. name-index points into
** the names table of tally_wasm_cel_program_vars: u32 pairs (ptr, len).
*/
#include "wasm.h"
#include "tally/cel.h"
#include "../core/util/buf.h"
#include "../core/util/error.h"
#include "../core/util/mem.h"

typedef struct rows__in {
  const uint8_t *p, *end;
  bool bad; /* malformed */
} rows__in;

static bool rows__u8(rows__in *in, uint8_t *out) {
  if (in->p >= in->end) return false;
  *out = *in->p++;
  return true;
}

static bool rows__u32(rows__in *in, uint32_t *out) {
  if (in->end - in->p < 4) return false;
  *out = (uint32_t)in->p[0] | (uint32_t)in->p[1] << 8 | (uint32_t)in->p[2] << 16 | (uint32_t)in->p[3] << 24;
  in->p += 4;
  return true;
}

static bool rows__f64(rows__in *in, double *out) {
  if (in->end - in->p < 8) return false;
  __builtin_memcpy(out, in->p, 8); /* wasm32 is little-endian */
  in->p += 8;
  return true;
}

static bool rows__bytes(rows__in *in, const char **s, uint32_t *len) {
  if (!rows__u32(in, len) || (size_t)(in->end - in->p) < *len) return false;
  *s = (const char *)in->p;
  in->p += *len;
  return true;
}

static tally_status rows__bad(rows__in *in, tally_error *err) {
  in->bad = true;
  return t_error_set(err, TALLY_ERR_INPUT, "malformed binary row");
}

/* JS writes only integers of at most 53 bits with tag 3; anything else is a bad row, not UB. */
static bool rows__int(double d, int64_t *out) {
  if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0)) return false;
  *out = (int64_t)d;
  return true;
}

/* A scalar (tag already read) as a new value of ctx, or NULL (in->bad set when the row is malformed). */
static tally_cel_value *rows__scalar(tally_cel_context *ctx, rows__in *in, uint8_t tag) {
  double d;
  int64_t i;
  const char *s;
  uint32_t n;
  switch (tag) {
  case 0: return tally_cel_value_null(ctx);
  case 1:
  case 2: return tally_cel_value_bool(ctx, tag == 2);
  case 3:
    if (rows__f64(in, &d) && rows__int(d, &i)) return tally_cel_value_int(ctx, i);
    break;
  case 4:
    if (rows__f64(in, &d)) return tally_cel_value_double(ctx, d);
    break;
  case 5:
    if (rows__bytes(in, &s, &n)) return tally_cel_value_string(ctx, s, n);
    break;
  }
  in->bad = true;
  return NULL;
}

static tally_status rows__item(tally_cel_context *ctx, rows__in *in, tally_cel_value **out, tally_error *err) {
  uint8_t tag;
  if (!rows__u8(in, &tag)) return rows__bad(in, err);
  *out = rows__scalar(ctx, in, tag);
  return in->bad ? rows__bad(in, err) : TALLY_OK;
}

/* A member's value: scalars through the allocation-free shorthands, lists and maps one level deep. */
static tally_status rows__member(tally_cel_context *ctx, const char *name, size_t nlen, rows__in *in,
                                 tally_error *err) {
  uint8_t tag;
  double d;
  int64_t i;
  const char *s;
  uint32_t n;
  tally_status st;
  if (!rows__u8(in, &tag)) return rows__bad(in, err);
  switch (tag) {
  case 1:
  case 2: return tally_cel_context_bind_bool(ctx, name, nlen, tag == 2, err);
  case 3:
    if (!rows__f64(in, &d) || !rows__int(d, &i)) return rows__bad(in, err);
    return tally_cel_context_bind_int(ctx, name, nlen, i, err);
  case 4:
    if (!rows__f64(in, &d)) return rows__bad(in, err);
    return tally_cel_context_bind_double(ctx, name, nlen, d, err);
  case 5:
    if (!rows__bytes(in, &s, &n)) return rows__bad(in, err);
    return tally_cel_context_bind_string(ctx, name, nlen, s, n, err);
  case 6: {
    if (!rows__u32(in, &n)) return rows__bad(in, err);
    tally_cel_value *list = tally_cel_value_list(ctx), *item;
    for (uint32_t k = 0; k < n; k++) {
      if ((st = rows__item(ctx, in, &item, err))) return st;
      if ((st = tally_cel_list_append(ctx, list, item, err))) return st;
    }
    return tally_cel_context_bind(ctx, name, nlen, list, err);
  }
  case 7: {
    if (!rows__u32(in, &n)) return rows__bad(in, err);
    tally_cel_value *map = tally_cel_value_map(ctx), *val;
    for (uint32_t k = 0; k < n; k++) {
      uint32_t klen;
      if (!rows__bytes(in, &s, &klen)) return rows__bad(in, err);
      tally_cel_value *key = tally_cel_value_string(ctx, s, klen);
      if ((st = rows__item(ctx, in, &val, err))) return st;
      if ((st = tally_cel_map_insert(ctx, map, key, val, err))) return st;
    }
    return tally_cel_context_bind(ctx, name, nlen, map, err);
  }
  default: {
    tally_cel_value *v = rows__scalar(ctx, in, tag);
    if (in->bad) return rows__bad(in, err);
    return tally_cel_context_bind(ctx, name, nlen, v, err);
  }
  }
}

/* Clears ctx and binds the next row of in (names: nnames u32 pairs ptr, len). */
static tally_status rows__bind(tally_cel_context *ctx, const uint32_t *names, uint32_t nnames, rows__in *in,
                               tally_error *err) {
  tally_cel_context_clear(ctx);
  uint8_t kind;
  uint32_t len, n;
  if (!rows__u8(in, &kind) || !rows__u32(in, &len) || (size_t)(in->end - in->p) < len) return rows__bad(in, err);
  /* the row's extent is known: a failure inside it leaves the next row readable */
  rows__in row = {in->p, in->p + len, false};
  in->p += len;
  if (kind == 1 || kind == 2) return tally_cel_context_bind_json(ctx, (const char *)row.p, len, kind == 2, err);
  if (kind != 0 || !rows__u32(&row, &n)) return rows__bad(&row, err);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t idx;
    if (!rows__u32(&row, &idx) || idx >= nnames) return rows__bad(&row, err);
    const char *name = (const char *)(uintptr_t)names[2 * idx];
    tally_status st = rows__member(ctx, name, names[2 * idx + 1], &row, err);
    if (st) return st;
  }
  return row.p == row.end ? TALLY_OK : rows__bad(&row, err);
}

static int32_t rows__status(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (st == TALLY_OK) t_error_clear(e);
  else if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

/*
** The names table of prog (tally_cel_program_variables): u32 pairs (ptr,
** len) pointing into prog, a new allocation (tally_wasm_free it), the
** count in transfer slot 0; NULL when out of memory.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_program_vars)
uint32_t *tally_wasm_cel_program_vars(const tally_cel_program *prog) {
  const tally_allocator *a = tally_wasm_allocator();
  size_t n = tally_cel_program_variables(prog, NULL, NULL, 0);
  uint32_t *table = n == (size_t)-1 ? NULL : t_alloc(a, 2 * n * sizeof(uint32_t) + 1);
  const char **names = table ? t_alloc(a, n * sizeof *names + 1) : NULL;
  size_t *lens = names ? t_alloc(a, n * sizeof *lens + 1) : NULL;
  bool ok = lens && tally_cel_program_variables(prog, names, lens, n) == n;
  for (size_t i = 0; ok && i < n; i++) {
    table[2 * i] = (uint32_t)(uintptr_t)names[i];
    table[2 * i + 1] = (uint32_t)lens[i];
  }
  if (names) t_free(a, names, n * sizeof *names + 1);
  if (lens) t_free(a, lens, n * sizeof *lens + 1);
  if (!ok) {
    if (table) t_free(a, table, 2 * n * sizeof(uint32_t) + 1);
    rows__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_NOMEM, "out of memory"));
    return NULL;
  }
  tally_wasm_transfer_area()[0] = n;
  rows__status(TALLY_OK);
  return table;
}

/* 1 true, 0 false, -1 not a bool, -2 an error (in err). */
static int32_t rows__eval_bool(const tally_cel_program *prog, tally_cel_context *ctx, const uint32_t *names,
                               uint32_t nnames, rows__in *in, tally_status *st, tally_error *err) {
  const tally_cel_value *v;
  *st = rows__bind(ctx, names, nnames, in, err);
  if (!*st) *st = tally_cel_eval(prog, ctx, &v, err);
  if (*st) return -2;
  return tally_cel_value_type(v) != TALLY_CEL_BOOL ? -1 : tally_cel_value_get_bool(v) ? 1 : 0;
}

/* One row: clears ctx, binds it, evaluates for a boolean (as tally_wasm_cel_eval_bool_with). */
TALLY_WASM_EXPORT(tally_wasm_cel_eval_row_bool)
int32_t tally_wasm_cel_eval_row_bool(const tally_cel_program *prog, tally_cel_context *ctx, const uint32_t *names,
                                     uint32_t nnames, const uint8_t *row, size_t len) {
  rows__in in = {row, row + len, false};
  tally_status st;
  int32_t r = rows__eval_bool(prog, ctx, names, nnames, &in, &st, tally_wasm_error_area());
  rows__status(st);
  return r;
}

/* One row to the typed JSON of its result (as tally_wasm_cel_eval_with), or NULL. */
TALLY_WASM_EXPORT(tally_wasm_cel_eval_row)
const char *tally_wasm_cel_eval_row(const tally_cel_program *prog, tally_cel_context *ctx, const uint32_t *names,
                                    uint32_t nnames, const uint8_t *row, size_t len) {
  tally_error *err = tally_wasm_error_area();
  rows__in in = {row, row + len, false};
  const tally_cel_value *v;
  const char *json;
  size_t jlen;
  tally_status st = rows__bind(ctx, names, nnames, &in, err);
  if (!st) st = tally_cel_eval(prog, ctx, &v, err);
  if (!st) st = tally_cel_value_to_json(ctx, v, &json, &jlen, err);
  if (rows__status(st)) return NULL;
  tally_wasm_transfer_area()[0] = jlen;
  return json;
}

/*
** Rows back to back: out[i] = 1 | 0 | -1 | -2 for each of at most cap rows.
** Returns the number of rows, or -1 when out of memory or when a row's
** header is malformed (the rows after it cannot be found). The first failed row's
** index is in transfer slot 1 (UINT64_MAX when none) and its error in the
** error area.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_rows_bool)
int32_t tally_wasm_cel_eval_rows_bool(const tally_cel_program *prog, tally_cel_context *ctx, const uint32_t *names,
                                      uint32_t nnames, const uint8_t *rows, size_t len, int8_t *out, size_t cap) {
  tally_error *err = tally_wasm_error_area(), first;
  uint64_t *slots = tally_wasm_transfer_area();
  rows__in in = {rows, rows + len, false};
  size_t n = 0;
  bool failed = false;
  slots[1] = UINT64_MAX;
  while (n < cap && in.p < in.end) {
    tally_status st;
    int8_t r = (int8_t)rows__eval_bool(prog, ctx, names, nnames, &in, &st, err);
    if (st == TALLY_ERR_NOMEM || in.bad) return rows__status(st), -1;
    if (r == -2 && !failed) {
      failed = true;
      first = *err;
      slots[1] = n;
    }
    out[n++] = r;
  }
  if (failed) *err = first;
  else t_error_clear(err);
  return (int32_t)n;
}

void tally_wasm_cel_write_error(t_buf *b, const tally_error *e); /* exports_cel.c */

/*
** Rows back to back (at most cap) to a JSON array with one element per
** row, as tally_wasm_cel_eval_batch: the typed result or {"error": ...}.
** A new allocation (tally_wasm_free it), its length in transfer slot 0 and
** its row count in slot 1; NULL when out of memory or when a row's header
** is malformed.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_rows)
char *tally_wasm_cel_eval_rows(const tally_cel_program *prog, tally_cel_context *ctx, const uint32_t *names,
                               uint32_t nnames, const uint8_t *rows, size_t len, size_t cap) {
  tally_error *err = tally_wasm_error_area();
  uint64_t *slots = tally_wasm_transfer_area();
  rows__in in = {rows, rows + len, false};
  size_t n = 0;
  t_buf b;
  t_buf_init(&b, tally_wasm_allocator());
  t_buf_putc(&b, '[');
  tally_status st = TALLY_OK;
  while (!b.failed && n < cap && in.p < in.end) {
    const tally_cel_value *v;
    const char *json;
    size_t jlen;
    if (n++) t_buf_putc(&b, ',');
    st = rows__bind(ctx, names, nnames, &in, err);
    if (!st) st = tally_cel_eval(prog, ctx, &v, err);
    if (!st) st = tally_cel_value_to_json(ctx, v, &json, &jlen, err);
    if (st == TALLY_ERR_NOMEM || in.bad) break;
    if (st) tally_wasm_cel_write_error(&b, err);
    else t_buf_append(&b, json, jlen);
    st = TALLY_OK;
  }
  t_buf_putc(&b, ']');
  t_buf_putc(&b, 0);
  if (b.failed || st) {
    t_buf_free(&b);
    if (!st || st == TALLY_ERR_NOMEM) t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    rows__status(err->code);
    return NULL;
  }
  rows__status(TALLY_OK);
  slots[0] = b.len - 1;
  slots[1] = n;
  return b.ptr;
}
