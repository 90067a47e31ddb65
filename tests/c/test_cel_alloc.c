/*
** test_cel_alloc.c - running out of memory anywhere in CEL (env, compile,
** bind, eval, typed JSON) is a clean TALLY_ERR_NOMEM, never a crash or a
** leak: the n-th allocation fails for n = 1, 2, ... until a run succeeds
** (Lua's testalloc), and the counting allocator ends at zero every time;
** with plain contexts and contexts made for the env alike.
*/
#include "check.h"
#include "tally/cel.h"

static const char *const exprs[] = {
  "[1, 2, 3].map(x, x * n).filter(y, y > 2).size() == 2 && {'a': s}.a + 'x' == 'hix'",
  "{'k': 1, 'j': 2}.transformMap(k, v, v * 10) == {'k': 10, 'j': 20} && 'abc'.matches('b+')",
  "string(timestamp('2009-02-13T23:31:30Z') + duration('1.5s')) + string(1.5) + string(b'hi')",
  "[1, 2].all(x, x > 0) ? m.list[0] : 0",
};

/*
** One full round, with a context made for the env (slots) or a plain one;
** returns the first failing status (TALLY_OK when all went through).
*/
static tally_status round_trip(const tally_allocator *a, const char *src, char *out, size_t cap, bool for_env) {
  tally_cel_env *env = NULL;
  tally_cel_context *ctx = NULL;
  tally_cel_program *prog = NULL;
  tally_error err;
  const tally_cel_value *v;
  const char *json;
  tally_status s = tally_cel_env_new(a, &env);
  if (!s) s = tally_cel_env_declare(env, "n", 1, &err);
  if (!s) s = tally_cel_env_declare(env, "s", 1, &err);
  if (!s) s = tally_cel_env_declare(env, "m", 1, &err);
  if (!s) s = tally_cel_compile(env, src, strlen(src), &prog, &err);
  if (!s) s = for_env ? tally_cel_context_new_for_env(env, &ctx) : tally_cel_context_new(a, &ctx);
  if (!s) s = tally_cel_context_bind_int(ctx, "n", 1, 2, &err);
  if (!s) s = tally_cel_context_bind_string(ctx, "s", 1, "hi", 2, &err);
  if (!s) {
    const char *m = "{\"m\": {\"type\": \"map\", \"value\": [[{\"type\": \"string\", \"value\": \"list\"},"
                    " {\"type\": \"list\", \"value\": [{\"type\": \"int\", \"value\": \"7\"}]}]]}}";
    s = tally_cel_context_bind_json(ctx, m, strlen(m), true, &err);
  }
  if (!s) s = tally_cel_eval(prog, ctx, &v, &err);
  if (!s) s = tally_cel_value_to_json(ctx, v, &json, NULL, &err);
  if (!s) snprintf(out, cap, "%s", json);
  tally_cel_program_free(prog);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  return s;
}

static void test_alloc_failures(void) {
  for (size_t e = 0; e < 2 * sizeof exprs / sizeof exprs[0]; e++) {
    bool for_env = e & 1;
    char want[1024], got[1024];
    check_alloc c = {0};
    tally_allocator a = check_allocator(&c);
    CHECK_INT(round_trip(&a, exprs[e / 2], want, sizeof want, for_env), TALLY_OK);
    CHECK_INT(c.live_bytes, 0);
    size_t total = c.calls;
    bool bad = false;
    for (size_t n = 1; n <= total + 1 && !bad; n++) {
      check_alloc f = {0};
      f.fail_at = n;
      tally_allocator fa = check_allocator(&f);
      tally_status s = round_trip(&fa, exprs[e / 2], got, sizeof got, for_env);
      if (s != TALLY_OK && s != TALLY_ERR_NOMEM) {
        fprintf(stderr, "expr %zu, failing allocation %zu: status %d\n", e, n, (int)s);
        bad = true;
      }
      if (s == TALLY_OK && strcmp(got, want) != 0) {
        fprintf(stderr, "expr %zu, failing allocation %zu: got %s\n", e, n, got);
        bad = true;
      }
      if (f.live_bytes != 0 || f.live_blocks != 0) {
        fprintf(stderr, "expr %zu, failing allocation %zu: %zu bytes leaked\n", e, n, f.live_bytes);
        bad = true;
      }
    }
    CHECK(!bad);
  }
}

int main(void) {
  RUN(test_alloc_failures);
  return check_report("test_cel_alloc");
}
