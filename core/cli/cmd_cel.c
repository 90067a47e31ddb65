/*
** cmd_cel.c - `tally cel run`: each line {"expr", "bindings", "container",
** "type_env", "disable_check", "disable_macros"} is compiled and evaluated;
** the output is {"value": typed} or an error with its kind and position.
**
** With a type_env the expression is type-checked first (tally/cel_check.h)
** unless disable_check is true. Variables are declared from the bindings
** and from type_env's idents, so an unknown name is reported at compile
** time, with its position; with disable_check it is an evaluation error
** instead, which && || ?: may absorb.
*/
#include "cmd.h"
#include "util/error.h"
#include "cel/program.h"
#include "cel/checker.h"
#include "tally/cel_check.h"

typedef struct cel__run {
  tally_cel_context *ctx;
} cel__run;

static tally_status cel_run_start(t_cli *cli, void **state, tally_error *err) {
  const tally_allocator *a = t_cli_alloc(cli);
  cel__run *r = t_calloc(a, 1, sizeof *r);
  if (!r) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  if (tally_cel_context_new(a, &r->ctx) != TALLY_OK) {
    t_free(a, r, sizeof *r);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  *state = r;
  return TALLY_OK;
}

static void cel_run_destroy(t_cli *cli, void *state) {
  cel__run *r = state;
  if (!r) return;
  tally_cel_context_free(r->ctx);
  t_free(t_cli_alloc(cli), r, sizeof *r);
}

/* Declares and binds what the line gives; TALLY_OK or an error in err. */
static tally_status cel__setup(cel__run *r, tally_cel_env *env, const t_json *line, tally_error *err) {
  const t_json *container = t_json_get(line, "container");
  if (container && container->type != T_JSON_NULL) {
    if (container->type != T_JSON_STRING) return t_error_set(err, TALLY_ERR_INPUT, "\"container\" must be a string");
    tally_status s = tally_cel_env_set_container(env, container->u.str.ptr, container->u.str.len, err);
    if (s) return s;
  }
  /* Unchecked: unknown names and functions fail at evaluation, absorbably. */
  const t_json *unchecked = t_json_get(line, "disable_check");
  if (unchecked && unchecked->type == T_JSON_BOOL) tally_cel_env_set_dynamic(env, unchecked->u.b);
  const t_json *macros = t_json_get(line, "disable_macros");
  if (macros && macros->type == T_JSON_BOOL) tally_cel_env_set_macros(env, !macros->u.b);
  const t_json *type_env = t_json_get(line, "type_env");
  if (type_env && type_env->type != T_JSON_NULL) {
    if (type_env->type != T_JSON_ARRAY) return t_error_set(err, TALLY_ERR_INPUT, "\"type_env\" must be an array");
    for (size_t i = 0; i < type_env->u.arr.len; i++) {
      const t_json *d = type_env->u.arr.items[i];
      const t_json *name = t_json_get(d, "name"), *kind = t_json_get(d, "kind");
      if (!name || name->type != T_JSON_STRING)
        return t_error_set(err, TALLY_ERR_INPUT, "a type_env declaration needs a \"name\"");
      if (kind && kind->type == T_JSON_STRING && !t_str_eq_cstr(kind->u.str, "ident")) continue;
      if (t_json_get(d, "function")) continue;
      tally_status s = tally_cel_env_declare(env, name->u.str.ptr, name->u.str.len, err);
      if (s) return s;
    }
  }
  const t_json *bindings = t_json_get(line, "bindings");
  if (bindings && bindings->type != T_JSON_NULL) {
    if (bindings->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "\"bindings\" must be an object");
    for (size_t i = 0; i < bindings->u.obj.len; i++) {
      const t_json_member *m = &bindings->u.obj.items[i];
      t_cel_val v;
      tally_status s = t_cel_read_typed(&r->ctx->bind_arena, m->value, &v, 0, err);
      if (s) {
        char msg[TALLY_ERROR_MESSAGE_MAX];
        t_snprintf(msg, sizeof msg, "%s", err->message);
        return t_error_set(err, s, "binding '%S': %s", m->key, msg);
      }
      if (!s) s = tally_cel_env_declare(env, m->key.ptr, m->key.len, err);
      if (!s) s = tally_cel_context_bind(r->ctx, m->key.ptr, m->key.len, &v, err);
      if (s) return s;
    }
  }
  return TALLY_OK;
}

/*
** With a type_env (and no disable_check) the expression is type-checked
** first, as cel-go's conformance runner does: a check error is the
** answer, and evaluation happens only for well-typed expressions.
*/
static tally_status cel__check(t_cli *cli, const t_json *line, const t_json *expr, tally_error *err) {
  const t_json *type_env = t_json_get(line, "type_env");
  const t_json *unchecked = t_json_get(line, "disable_check");
  if (!type_env || type_env->type != T_JSON_ARRAY || type_env->u.arr.len == 0) return TALLY_OK;
  if (unchecked && unchecked->type == T_JSON_BOOL && unchecked->u.b) return TALLY_OK;
  tally_cel_checker *chk;
  if (tally_cel_checker_new(t_cli_alloc(cli), &chk) != TALLY_OK) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  tally_status s = TALLY_OK;
  const t_json *container = t_json_get(line, "container");
  if (container && container->type == T_JSON_STRING) {
    s = tally_cel_checker_set_container(chk, container->u.str.ptr, err);
    if (s == TALLY_ERR_USAGE) err->code = s = TALLY_ERR_INPUT;
  }
  if (!s) s = t_cel_checker_declare_json(chk, type_env, err);
  tally_cel_check_result *res = NULL;
  if (!s) s = tally_cel_check(chk, expr->u.str.ptr, expr->u.str.len, NULL, &res, err);
  tally_cel_check_result_free(res);
  tally_cel_checker_free(chk);
  return s;
}

static void cel_run_line(t_cli *cli, void *state, const t_json *line, const char *text, size_t len,
                         uint64_t line_no) {
  (void)text; (void)len;
  cel__run *r = state;
  tally_error err;
  t_error_clear(&err);
  const t_json *expr = t_json_get(line, "expr");
  if (line->type != T_JSON_OBJECT || !expr || expr->type != T_JSON_STRING) {
    t_error_set(&err, TALLY_ERR_INPUT, "each line must be an object with an \"expr\" string");
    t_cli_write_error(cli, &err, line_no, NULL);
    return;
  }
  tally_cel_context_clear(r->ctx);
  tally_cel_env *env;
  if (tally_cel_env_new(t_cli_alloc(cli), &env) != TALLY_OK) {
    t_error_set(&err, TALLY_ERR_NOMEM, "out of memory");
    t_cli_write_error(cli, &err, line_no, NULL);
    return;
  }
  /* cel-go's conformance runner enables every extension library. */
  tally_cel_env_enable(env, TALLY_CEL_LIB_EXTENSIONS, NULL);
  tally_cel_program *prog = NULL;
  const tally_cel_value *v;
  const char *json;
  size_t jlen;
  tally_status s = cel__check(cli, line, expr, &err);
  if (!s) s = cel__setup(r, env, line, &err);
  if (!s) s = tally_cel_compile(env, expr->u.str.ptr, expr->u.str.len, &prog, &err);
  if (!s) s = tally_cel_eval(prog, r->ctx, &v, &err);
  if (!s) s = tally_cel_value_to_json(r->ctx, v, &json, &jlen, &err);
  if (s) {
    t_cli_write_error(cli, &err, line_no, NULL);
  } else {
    t_buf *out = t_cli_out(cli);
    t_buf_puts(out, "{\"value\":");
    t_buf_append(out, json, jlen);
    t_buf_puts(out, "}\n");
  }
  tally_cel_program_free(prog);
  tally_cel_env_free(env);
}

static const t_flag_spec cel_run_flags[] = {{NULL, T_FLAG_BOOL, false}};

const t_cmd t_cmd_cel_run = {"cel run", cel_run_flags, cel_run_start, cel_run_line, NULL, cel_run_destroy};
