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

/* The result's typed JSON (NUL-terminated, valid until ctx's next evaluation), or NULL. */
TALLY_WASM_EXPORT(tally_wasm_cel_eval_json)
const char *tally_wasm_cel_eval_json(const tally_cel_program *prog, tally_cel_context *ctx) {
  tally_error *err = tally_wasm_error_area();
  const tally_cel_value *v;
  const char *json;
  if (cel__status(tally_cel_eval(prog, ctx, &v, err))) return NULL;
  if (cel__status(tally_cel_value_to_json(ctx, v, &json, NULL, err))) return NULL;
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
