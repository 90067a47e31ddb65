/*
** exports_check.c - the CEL type checker for js-bindings/cel.mjs: check an
** expression against a CEL env's declarations (Env.check) or against a
** standalone checker declared from a type_env (Checker). A result crosses
** as one JSON text, so that the dashboard gets the type, every error and
** every reference (for highlighting) in a single call:
**
**   {"type": "bool" | null,
**    "errors": [{"kind", "message", "offset", "line", "column"}],
**    "references": [{"kind": "variable" | "field", "path", "offset", "length", "line", "column"}]}
*/
#include "wasm.h"
#include "tally/cel_check.h"
#include "../core/cel/program.h"
#include "../core/cel/checker.h"
#include "../core/util/buf.h"
#include "../core/util/error.h"
#include "../core/util/json.h"

static int32_t check__status(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (st == TALLY_OK) t_error_clear(e);
  else if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

static void check__str(t_buf *b, const char *s) { t_json_write_string(b, s, t_strlen(s)); }

static void check__error(t_buf *b, const char *kind, const char *msg, size_t offset, uint32_t line, uint32_t col) {
  t_buf_puts(b, "{\"kind\":");
  check__str(b, kind);
  t_buf_puts(b, ",\"message\":");
  check__str(b, msg);
  t_buf_printf(b, ",\"offset\":%zu,\"line\":%u,\"column\":%u}", offset, line, col);
}

/*
** The result text of a check that returned st (res NULL unless OK or
** CHECK), in a new allocation; its length in transfer slot 0. A parse or
** limit error is the one error of the result. NULL (and the error area)
** for anything else.
*/
static char *check__result(tally_status st, const tally_cel_check_result *res, const tally_error *err) {
  if (st != TALLY_OK && st != TALLY_ERR_CHECK && st != TALLY_ERR_PARSE && st != TALLY_ERR_LIMIT) {
    check__status(st);
    return NULL;
  }
  t_buf b;
  t_buf_init(&b, tally_wasm_allocator());
  t_buf_puts(&b, "{\"type\":");
  if (res && tally_cel_check_result_error_count(res) == 0) check__str(&b, tally_cel_check_result_type(res));
  else t_buf_puts(&b, "null");
  t_buf_puts(&b, ",\"errors\":[");
  if (!res) {
    check__error(&b, tally_status_kind(st), err->message, err->offset, err->line, err->column);
  } else {
    for (size_t i = 0; i < tally_cel_check_result_error_count(res); i++) {
      size_t off;
      uint32_t line, col;
      const char *msg = tally_cel_check_result_error(res, i, &off, &line, &col);
      if (i) t_buf_putc(&b, ',');
      check__error(&b, "check", msg, off, line, col);
    }
  }
  t_buf_puts(&b, "],\"references\":[");
  size_t nrefs = res ? tally_cel_check_result_reference_count(res) : 0;
  for (size_t i = 0; i < nrefs; i++) {
    const tally_cel_reference *r = tally_cel_check_result_reference(res, i);
    if (i) t_buf_putc(&b, ',');
    t_buf_puts(&b, r->kind == TALLY_CEL_REF_FIELD ? "{\"kind\":\"field\",\"path\":" : "{\"kind\":\"variable\",\"path\":");
    check__str(&b, r->path);
    t_buf_printf(&b, ",\"offset\":%zu,\"length\":%zu,\"line\":%u,\"column\":%u}", r->offset, r->length, r->line,
                 r->column);
  }
  t_buf_puts(&b, "]}");
  t_buf_putc(&b, 0);
  if (b.failed) {
    t_buf_free(&b);
    check__status(t_error_set(tally_wasm_error_area(), TALLY_ERR_NOMEM, "out of memory"));
    return NULL;
  }
  check__status(TALLY_OK);
  tally_wasm_transfer_area()[0] = b.len - 1;
  return b.ptr;
}

static char *check__run(const tally_cel_checker *chk, const char *src, size_t len, const char *expected) {
  tally_error err;
  t_error_clear(&err);
  tally_cel_check_result *res = NULL;
  tally_status st = tally_cel_check(chk, src, len, expected, &res, &err);
  if (st != TALLY_OK && st != TALLY_ERR_CHECK && st != TALLY_ERR_PARSE && st != TALLY_ERR_LIMIT)
    *tally_wasm_error_area() = err;
  char *out = check__result(st, res, &err);
  tally_cel_check_result_free(res);
  return out;
}

/* ---- against a CEL env ------------------------------------------------------ */

/*
** The env's own checker when it has typed declarations; otherwise a
** temporary one in which its variables are dyn (and with its container
** and libraries), so that an untyped env can be checked too.
*/
TALLY_WASM_EXPORT(tally_wasm_cel_env_check)
char *tally_wasm_cel_env_check(const tally_cel_env *env, const char *src, size_t len, const char *expected) {
  if (env->checker) return check__run(env->checker, src, len, expected);
  tally_error *err = tally_wasm_error_area();
  tally_cel_checker *chk;
  if (tally_cel_checker_new(tally_wasm_allocator(), &chk)) {
    check__status(TALLY_ERR_NOMEM);
    return NULL;
  }
  tally_cel_checker_set_libraries(chk, env->libs);
  tally_status st = TALLY_OK;
  if (env->container.ptr) st = tally_cel_checker_set_container(chk, env->container.ptr, err);
  for (size_t i = 0; i < env->decls.len && !st; i++) st = tally_cel_checker_declare(chk, env->decls.items[i].ptr, "dyn", err);
  char *out = NULL;
  if (st) check__status(st);
  else out = check__run(chk, src, len, expected);
  tally_cel_checker_free(chk);
  return out;
}

/* ---- standalone checkers ----------------------------------------------------- */

TALLY_WASM_EXPORT(tally_wasm_cel_checker_new)
tally_cel_checker *tally_wasm_cel_checker_new(void) {
  tally_cel_checker *chk;
  if (check__status(tally_cel_checker_new(tally_wasm_allocator(), &chk))) return NULL;
  return chk;
}

TALLY_WASM_EXPORT(tally_wasm_cel_checker_free)
void tally_wasm_cel_checker_free(tally_cel_checker *chk) { tally_cel_checker_free(chk); }

/* Declarations as the `type_env` of `tally cel check` (a JSON array). */
TALLY_WASM_EXPORT(tally_wasm_cel_checker_declare_json)
int32_t tally_wasm_cel_checker_declare_json(tally_cel_checker *chk, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  t_arena ar;
  t_arena_init(&ar, tally_wasm_allocator(), 4096);
  t_json *root;
  tally_status st = t_json_parse(&ar, json, len, NULL, &root, err);
  if (!st) st = t_cel_checker_declare_json(chk, root, err);
  t_arena_free(&ar);
  return check__status(st);
}

TALLY_WASM_EXPORT(tally_wasm_cel_checker_set_container)
int32_t tally_wasm_cel_checker_set_container(tally_cel_checker *chk, const char *name) {
  return check__status(tally_cel_checker_set_container(chk, name, tally_wasm_error_area()));
}

TALLY_WASM_EXPORT(tally_wasm_cel_checker_set_libraries)
void tally_wasm_cel_checker_set_libraries(tally_cel_checker *chk, uint32_t libs) {
  tally_cel_checker_set_libraries(chk, libs);
}

TALLY_WASM_EXPORT(tally_wasm_cel_checker_check)
char *tally_wasm_cel_checker_check(const tally_cel_checker *chk, const char *src, size_t len, const char *expected) {
  return check__run(chk, src, len, expected);
}
