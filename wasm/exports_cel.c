/*
** exports_cel.c - CEL for js-bindings: environments, programs compiled
** once, contexts that hold an activation and are reused across
** evaluations. Results cross as typed JSON text (NUL-terminated, in the
** context, valid until its next evaluation); scalars can be bound without
** JSON so that a hot loop allocates nothing.
*/
#include "wasm.h"
#include "tally/cel.h"
#include "../core/util/error.h"

static int32_t cel__status(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (st == TALLY_OK) t_error_clear(e);
  else if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_new)
tally_cel_env *tally_wasm_cel_env_new(void) {
  tally_cel_env *env;
  if (cel__status(tally_cel_env_new(tally_wasm_allocator(), &env))) return NULL;
  return env;
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_free)
void tally_wasm_cel_env_free(tally_cel_env *env) { tally_cel_env_free(env); }

TALLY_WASM_EXPORT(tally_wasm_cel_env_declare)
int32_t tally_wasm_cel_env_declare(tally_cel_env *env, const char *name, size_t len) {
  return cel__status(tally_cel_env_declare(env, name, len, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_set_container)
int32_t tally_wasm_cel_env_set_container(tally_cel_env *env, const char *name, size_t len) {
  return cel__status(tally_cel_env_set_container(env, name, len, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_set_dynamic)
void tally_wasm_cel_env_set_dynamic(tally_cel_env *env, int32_t on) { tally_cel_env_set_dynamic(env, on != 0); }

TALLY_WASM_EXPORT(tally_wasm_cel_compile)
tally_cel_program *tally_wasm_cel_compile(tally_cel_env *env, const char *src, size_t len) {
  tally_cel_program *prog;
  if (cel__status(tally_cel_compile(env, src, len, &prog, tally_wasm_error_area()))) return NULL;
  return prog;
}

TALLY_WASM_EXPORT(tally_wasm_cel_program_free)
void tally_wasm_cel_program_free(tally_cel_program *prog) { tally_cel_program_free(prog); }

TALLY_WASM_EXPORT(tally_wasm_cel_context_new)
tally_cel_context *tally_wasm_cel_context_new(void) {
  tally_cel_context *ctx;
  if (cel__status(tally_cel_context_new(tally_wasm_allocator(), &ctx))) return NULL;
  return ctx;
}

/* A context for env's programs: declared variables live in slots (see tally/cel.h). */
TALLY_WASM_EXPORT(tally_wasm_cel_context_new_for_env)
tally_cel_context *tally_wasm_cel_context_new_for_env(const tally_cel_env *env) {
  tally_cel_context *ctx;
  if (cel__status(tally_cel_context_new_for_env(env, &ctx))) return NULL;
  return ctx;
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_free)
void tally_wasm_cel_context_free(tally_cel_context *ctx) { tally_cel_context_free(ctx); }

TALLY_WASM_EXPORT(tally_wasm_cel_context_clear)
void tally_wasm_cel_context_clear(tally_cel_context *ctx) { tally_cel_context_clear(ctx); }

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_json)
int32_t tally_wasm_cel_context_bind_json(tally_cel_context *ctx, const char *json, size_t len, int32_t typed) {
  return cel__status(tally_cel_context_bind_json(ctx, json, len, typed != 0, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_int)
int32_t tally_wasm_cel_context_bind_int(tally_cel_context *ctx, const char *name, size_t len, int64_t v) {
  return cel__status(tally_cel_context_bind_int(ctx, name, len, v, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_double)
int32_t tally_wasm_cel_context_bind_double(tally_cel_context *ctx, const char *name, size_t len, double v) {
  return cel__status(tally_cel_context_bind_double(ctx, name, len, v, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_string)
int32_t tally_wasm_cel_context_bind_string(tally_cel_context *ctx, const char *name, size_t len, const char *s,
                                           size_t slen) {
  return cel__status(tally_cel_context_bind_string(ctx, name, len, s, slen, tally_wasm_error_area()));
}

/* The result's typed JSON (NUL-terminated, valid until ctx's next evaluation; its length in transfer slot 0), or NULL. */
TALLY_WASM_EXPORT(tally_wasm_cel_eval_json)
const char *tally_wasm_cel_eval_json(const tally_cel_program *prog, tally_cel_context *ctx) {
  tally_error *err = tally_wasm_error_area();
  const tally_cel_value *v;
  const char *json;
  size_t len;
  if (cel__status(tally_cel_eval(prog, ctx, &v, err))) return NULL;
  if (cel__status(tally_cel_value_to_json(ctx, v, &json, &len, err))) return NULL;
  tally_wasm_transfer_area()[0] = len;
  return json;
}

/*
** Evaluates for a boolean without building text: 1 true, 0 false, -1 when
** the result is not a bool, -2 on an error (in the error area).
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_bool)
int32_t tally_wasm_cel_eval_bool(const tally_cel_program *prog, tally_cel_context *ctx) {
  const tally_cel_value *v;
  if (cel__status(tally_cel_eval(prog, ctx, &v, tally_wasm_error_area()))) return -2;
  if (tally_cel_value_type(v) != TALLY_CEL_BOOL) return -1;
  return tally_cel_value_get_bool(v) ? 1 : 0;
}

/* ---- typed envs, libraries, limits, bulk evaluation (js-bindings/cel.mjs) ---- */

#include "tally/cel_check.h"
#include "../core/util/buf.h"
#include "../core/util/json.h"
#include "../core/util/mem.h"

#define CEL_MAX_FIELDS 256

/* fields: nfields "name\0type\0" pairs back to back, as JS packs them. */
static const char *cel__fields(const char *packed, size_t nfields, tally_cel_field *out) {
  const char *p = packed;
  for (size_t i = 0; i < nfields; i++) {
    out[i].name = p;
    p += __builtin_strlen(p) + 1;
    out[i].type = p;
    p += __builtin_strlen(p) + 1;
  }
  return p;
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_declare_typed)
int32_t tally_wasm_cel_env_declare_typed(tally_cel_env *env, const char *name, size_t len, const char *type) {
  return cel__status(tally_cel_env_declare_typed(env, name, len, type, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_declare_type)
int32_t tally_wasm_cel_env_declare_type(tally_cel_env *env, const char *type_name, const char *fields,
                                        size_t nfields) {
  tally_error *err = tally_wasm_error_area();
  tally_cel_field f[CEL_MAX_FIELDS];
  if (nfields > CEL_MAX_FIELDS)
    return cel__status(t_error_set(err, TALLY_ERR_USAGE, "too many fields (limit is %d)", CEL_MAX_FIELDS));
  cel__fields(fields, nfields, f);
  return cel__status(tally_cel_env_declare_type(env, type_name, f, nfields, err));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_set_result_type)
int32_t tally_wasm_cel_env_set_result_type(tally_cel_env *env, const char *type) {
  return cel__status(tally_cel_env_set_result_type(env, type, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_enable)
int32_t tally_wasm_cel_env_enable(tally_cel_env *env, uint32_t libs) {
  return cel__status(tally_cel_env_enable(env, libs, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_env_disable)
void tally_wasm_cel_env_disable(tally_cel_env *env, uint32_t libs) { tally_cel_env_disable(env, libs); }

TALLY_WASM_EXPORT(tally_wasm_cel_env_set_macros)
void tally_wasm_cel_env_set_macros(tally_cel_env *env, int32_t on) { tally_cel_env_set_macros(env, on != 0); }

TALLY_WASM_EXPORT(tally_wasm_cel_env_set_limits)
void tally_wasm_cel_env_set_limits(tally_cel_env *env, uint64_t max_cost, size_t max_string, size_t max_list,
                                   size_t max_memory, size_t max_source) {
  tally_cel_limits l = {max_cost, max_string, max_list, max_memory, max_source};
  tally_cel_env_set_limits(env, &l);
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_uint)
int32_t tally_wasm_cel_context_bind_uint(tally_cel_context *ctx, const char *name, size_t len, uint64_t v) {
  return cel__status(tally_cel_context_bind_uint(ctx, name, len, v, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_context_bind_bool)
int32_t tally_wasm_cel_context_bind_bool(tally_cel_context *ctx, const char *name, size_t len, int32_t v) {
  return cel__status(tally_cel_context_bind_bool(ctx, name, len, v != 0, tally_wasm_error_area()));
}

/* Clears ctx and binds the members of a JSON object (none for len 0). */
static tally_status cel__rebind(tally_cel_context *ctx, const char *json, size_t len, int32_t typed,
                                tally_error *err) {
  tally_cel_context_clear(ctx);
  if (len == 0) return TALLY_OK;
  return tally_cel_context_bind_json(ctx, json, len, typed != 0, err);
}

/*
** One crossing per evaluation: clear, bind the JSON object, evaluate, and
** the result's typed JSON (as tally_wasm_cel_eval_json), or NULL.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_with)
const char *tally_wasm_cel_eval_with(const tally_cel_program *prog, tally_cel_context *ctx, const char *json,
                                     size_t len, int32_t typed) {
  if (cel__status(cel__rebind(ctx, json, len, typed, tally_wasm_error_area()))) return NULL;
  return tally_wasm_cel_eval_json(prog, ctx);
}

/* The same for a boolean: 1, 0, -1 (not a bool), -2 (error). */
TALLY_WASM_EXPORT(tally_wasm_cel_eval_bool_with)
int32_t tally_wasm_cel_eval_bool_with(const tally_cel_program *prog, tally_cel_context *ctx, const char *json,
                                      size_t len, int32_t typed) {
  if (cel__status(cel__rebind(ctx, json, len, typed, tally_wasm_error_area()))) return -2;
  return tally_wasm_cel_eval_bool(prog, ctx);
}

/* The next row of a batch: [*pos, end of line), with a trailing \r dropped. */
static bool cel__next_row(const char *text, size_t len, size_t *pos, const char **row, size_t *rlen) {
  if (*pos >= len) return false;
  size_t s = *pos, e = s;
  while (e < len && text[e] != '\n') e++;
  *pos = e + 1;
  *row = text + s;
  *rlen = e - s;
  if (*rlen && text[e - 1] == '\r') (*rlen)--;
  return true;
}

/* {"error":{"kind","message"[,"line","column","offset"]}} for a failed row (also for exports_rows.c). */
void tally_wasm_cel_write_error(t_buf *b, const tally_error *e);
void tally_wasm_cel_write_error(t_buf *b, const tally_error *e) {
  t_buf_puts(b, "{\"error\":{\"kind\":");
  const char *kind = tally_status_kind(e->code);
  t_json_write_string(b, kind, __builtin_strlen(kind));
  t_buf_puts(b, ",\"message\":");
  t_json_write_string(b, e->message, __builtin_strlen(e->message));
  if (e->line) t_buf_printf(b, ",\"line\":%u,\"column\":%u,\"offset\":%u", e->line, e->column, e->offset);
  t_buf_puts(b, "}}");
}

/*
** Evaluates prog once per row of JSON Lines text (each line a JSON object of
** bindings, plain or typed; an empty line binds nothing; a final newline
** ends the last row). Returns a JSON array, one element per row: the typed
** result or {"error": ...}; a bad row does not stop the others. The array
** is a new allocation (free it with tally_wasm_free), its length in
** transfer slot 0, its row count in slot 1. NULL when out of memory.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_batch)
char *tally_wasm_cel_eval_batch(const tally_cel_program *prog, tally_cel_context *ctx, const char *text,
                                size_t len, int32_t typed) {
  tally_error *err = tally_wasm_error_area();
  uint64_t *slots = tally_wasm_transfer_area();
  t_buf b;
  t_buf_init(&b, tally_wasm_allocator());
  t_buf_putc(&b, '[');
  size_t pos = 0, rows = 0;
  const char *row;
  size_t rlen;
  while (!b.failed && cel__next_row(text, len, &pos, &row, &rlen)) {
    if (rows++) t_buf_putc(&b, ',');
    const tally_cel_value *v;
    const char *json;
    size_t jlen;
    tally_status st = cel__rebind(ctx, row, rlen, typed, err);
    if (!st) st = tally_cel_eval(prog, ctx, &v, err);
    if (!st) st = tally_cel_value_to_json(ctx, v, &json, &jlen, err);
    if (st == TALLY_ERR_NOMEM) break;
    if (st) tally_wasm_cel_write_error(&b, err);
    else t_buf_append(&b, json, jlen);
  }
  t_buf_putc(&b, ']');
  t_buf_putc(&b, 0);
  if (b.failed || pos < len) {
    t_buf_free(&b);
    cel__status(t_error_set(err, TALLY_ERR_NOMEM, "out of memory"));
    return NULL;
  }
  cel__status(TALLY_OK);
  slots[0] = b.len - 1;
  slots[1] = rows;
  return b.ptr;
}

/*
** For boolean programs: out[i] = 1 true, 0 false, -1 not a bool, -2 an
** error, for each row (out has room for every row: count them first, one
** per line). Returns the number of rows, or -1 when out of memory.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_eval_batch_bool)
int32_t tally_wasm_cel_eval_batch_bool(const tally_cel_program *prog, tally_cel_context *ctx, const char *text,
                                       size_t len, int32_t typed, int8_t *out, size_t cap) {
  tally_error *err = tally_wasm_error_area();
  size_t pos = 0, rows = 0;
  const char *row;
  size_t rlen;
  while (rows < cap && cel__next_row(text, len, &pos, &row, &rlen)) {
    const tally_cel_value *v;
    tally_status st = cel__rebind(ctx, row, rlen, typed, err);
    if (!st) st = tally_cel_eval(prog, ctx, &v, err);
    if (st == TALLY_ERR_NOMEM) return cel__status(st), -1;
    out[rows++] = st ? -2 : tally_cel_value_type(v) != TALLY_CEL_BOOL ? -1 : tally_cel_value_get_bool(v) ? 1 : 0;
  }
  cel__status(TALLY_OK);
  return (int32_t)rows;
}
