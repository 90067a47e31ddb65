/*
** fuzz_cel_eval.c - libFuzzer entry for compile + evaluation of arbitrary
** CEL expressions against arbitrary JSON activations, through the public
** API (tally/cel.h).
**
** Input: byte 0 = options (bit 0 typed bindings, bit 1 undeclared names
** resolved at evaluation, bit 2 macros off, bit 3 tight limits), then the
** expression, a NUL, the JSON object of bindings. Every error must be a
** known status with a message; a result must turn into JSON. A program is
** evaluated three times, in a plain context and twice in one made for the
** env (declared names in slots): every result must print the same (slots
** change nothing visible, and evaluation has no hidden state). The expression also goes through the type checker
** (tally/cel_check.h) with typed declarations of the same names.
*/
#include "fuzz_util.h"
#include "tally/cel.h"
#include "tally/cel_check.h"

static void eval_check_error(const tally_error *err, tally_status st) {
  FZ_EXPECT(err->code == st);
  FZ_EXPECT(st >= TALLY_ERR_NOMEM && st <= TALLY_ERR_RANGE);
  FZ_EXPECT(err->message[0] != 0);
}

static void fz_check_types(const tally_allocator *a, const char *src, size_t len, unsigned opts) {
  tally_cel_checker *chk;
  tally_error err;
  if (tally_cel_checker_new(a, &chk) != TALLY_OK) return;
  static const char *const decls[][2] = {{"x", "int"}, {"y", "string"}, {"a", "double"}, {"b", "bool"},
                                         {"m", "map(string, dyn)"}, {"l", "list(int)"}, {"s", "dyn"}};
  for (size_t i = 0; i < sizeof decls / sizeof decls[0]; i++)
    FZ_EXPECT(tally_cel_checker_declare(chk, decls[i][0], decls[i][1], &err) == TALLY_OK);
  tally_cel_checker_set_cross_type_comparisons(chk, (opts & 16) == 0);
  tally_cel_check_result *res = NULL;
  tally_status st = tally_cel_check(chk, src, len, (opts & 32) ? "bool" : NULL, &res, &err);
  if (st == TALLY_OK || st == TALLY_ERR_CHECK) {
    FZ_EXPECT(res != NULL);
    const char *type = tally_cel_check_result_type(res);
    FZ_EXPECT(type != NULL);
    size_t nerr = tally_cel_check_result_error_count(res);
    FZ_EXPECT((st == TALLY_OK) == (nerr == 0));
    for (size_t i = 0; i < nerr; i++) {
      size_t off;
      uint32_t line, col;
      const char *msg = tally_cel_check_result_error(res, i, &off, &line, &col);
      FZ_EXPECT(msg && msg[0] && off <= len);
    }
    for (size_t i = 0; i < tally_cel_check_result_reference_count(res); i++)
      FZ_EXPECT(tally_cel_check_result_reference(res, i) != NULL);
  } else {
    FZ_EXPECT(res == NULL);
    eval_check_error(&err, st);
  }
  tally_cel_check_result_free(res);
  tally_cel_checker_free(chk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  unsigned opts = data[0];
  const char *rest = (const char *)data + 1;
  size_t n = size - 1;
  const char *nul = memchr(rest, 0, n);
  size_t elen = nul ? (size_t)(nul - rest) : n;
  const char *json = nul ? nul + 1 : "{}";
  size_t jlen = nul ? n - elen - 1 : 2;

  tally_allocator a = fz_allocator();
  fz_check_types(&a, rest, elen, opts);
  tally_cel_env *env;
  tally_cel_context *ctx;
  tally_error err;
  if (tally_cel_env_new(&a, &env) != TALLY_OK) return 0;
  if (tally_cel_context_new(&a, &ctx) != TALLY_OK) {
    tally_cel_env_free(env);
    return 0;
  }
  tally_cel_env_set_dynamic(env, (opts & 2) != 0);
  tally_cel_env_set_macros(env, (opts & 4) == 0);
  if (opts & 8) {
    tally_cel_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_cost = 5000;
    lim.max_string_bytes = 4096;
    lim.max_list_len = 256;
    lim.max_eval_memory = 1 << 20;
    lim.max_source_len = 2048;
    tally_cel_env_set_limits(env, &lim);
  }
  /* Common variable names, so that bound values are reachable when checked. */
  static const char *const names[] = {"x", "y", "a", "b", "m", "l", "s"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    FZ_EXPECT(tally_cel_env_declare(env, names[i], 1, &err) == TALLY_OK);
  /* The same activation in a context made for env (declared names in slots): every result must agree. */
  tally_cel_context *ectx;
  if (tally_cel_context_new_for_env(env, &ectx) != TALLY_OK) {
    tally_cel_context_free(ctx);
    tally_cel_env_free(env);
    return 0;
  }
  tally_status st = tally_cel_context_bind_json(ctx, json, jlen, (opts & 1) != 0, &err);
  if (st != TALLY_OK) eval_check_error(&err, st);
  tally_error err2;
  FZ_EXPECT(tally_cel_context_bind_json(ectx, json, jlen, (opts & 1) != 0, &err2) == st);
  tally_cel_program *prog = NULL;
  st = tally_cel_compile(env, rest, elen, &prog, &err);
  if (st != TALLY_OK) {
    eval_check_error(&err, st);
    FZ_EXPECT(prog == NULL);
  } else {
    const tally_cel_value *v;
    char *first = NULL;
    size_t first_len = 0;
    for (int round = 0; round < 3; round++) {
      tally_cel_context *c = round == 0 ? ctx : ectx;
      st = tally_cel_eval(prog, c, &v, &err);
      const char *out;
      size_t olen;
      if (st == TALLY_OK) st = tally_cel_value_to_json(c, v, &out, &olen, &err);
      if (st != TALLY_OK) {
        eval_check_error(&err, st);
        out = err.message;
        olen = strlen(err.message);
      }
      if (round == 0) {
        first = malloc(olen + 1);
        if (!first) break;
        memcpy(first, out, olen);
        first_len = olen;
      } else {
        FZ_EXPECT(olen == first_len && memcmp(first, out, olen) == 0);
      }
    }
    free(first);
  }
  tally_cel_program_free(prog);
  tally_cel_context_free(ectx);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  return 0;
}
