/*
** test_cel_typed_env.c - typed declarations on a tally_cel_env: compile
** checks types first (errors are TALLY_ERR_CHECK with a position), untyped
** envs behave as before, declarations may come in any order, an expected
** result type is enforced, and allocation failures at every step leak
** nothing.
*/
#include "check.h"
#include "tally/cel.h"
#include "tally/cel_check.h"

static check_alloc counter;
static tally_allocator alloc;

static tally_cel_env *typed_env(void) {
  tally_cel_env *env;
  tally_error err;
  CHECK(tally_cel_env_new(&alloc, &env) == TALLY_OK);
  static const tally_cel_field rs[] = {{"bot", "int"}, {"free_trial_abuse", "int"}};
  CHECK_INT(tally_cel_env_declare_typed(env, "email", 5, "string", &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare_typed(env, "tags", 4, "map(string, int)", &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare_object(env, "riskScores", 10, "tally.RiskScores", rs, 2, &err), TALLY_OK);
  return env;
}

/* Compiles; returns the status, with the error's line and column in err. */
static tally_status compile(tally_cel_env *env, const char *src, tally_error *err) {
  tally_cel_program *prog = NULL;
  tally_status st = tally_cel_compile(env, src, strlen(src), &prog, err);
  tally_cel_program_free(prog);
  return st;
}

static void test_checked_compile(void) {
  tally_cel_env *env = typed_env();
  tally_error err;
  CHECK_INT(compile(env, "email.endsWith('@x.com') && riskScores.bot > 50", &err), TALLY_OK);
  CHECK_INT(compile(env, "tags['a'] + 1 == 2", &err), TALLY_OK);

  CHECK_INT(compile(env, "emial == 'a'", &err), TALLY_ERR_CHECK);
  CHECK_STR(err.message, "undeclared reference to 'emial' (in container '')");
  CHECK_INT(err.line, 1);
  CHECK_INT(err.column, 1);

  CHECK_INT(compile(env, "email > 5", &err), TALLY_ERR_CHECK);
  CHECK_STR(err.message, "found no matching overload for '_>_' applied to '(string, int)'");
  CHECK_INT(err.column, 7);

  CHECK_INT(compile(env, "riskScores.bots > 1", &err), TALLY_ERR_CHECK);
  CHECK_STR(err.message, "undefined field 'bots'");

  CHECK_INT(compile(env, "\n  size(email, 1) == 2", &err), TALLY_ERR_CHECK);
  CHECK_INT(err.line, 2);

  CHECK_INT(compile(env, "email == (", &err), TALLY_ERR_PARSE);
  tally_cel_env_free(env);
}

/* A compiled typed program evaluates as an untyped one does. */
static void test_checked_eval(void) {
  tally_cel_env *env = typed_env();
  tally_error err;
  const char *src = "riskScores.bot > 50 || email.endsWith('@tempmail.com')";
  tally_cel_program *prog;
  CHECK_INT(tally_cel_compile(env, src, strlen(src), &prog, &err), TALLY_OK);
  tally_cel_context *ctx;
  CHECK(tally_cel_context_new(&alloc, &ctx) == TALLY_OK);
  const char *json = "{\"email\":\"a@tempmail.com\",\"riskScores\":{\"bot\":10,\"free_trial_abuse\":0}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, json, strlen(json), false, &err), TALLY_OK);
  const tally_cel_value *out;
  CHECK_INT(tally_cel_eval(prog, ctx, &out, &err), TALLY_OK);
  CHECK(tally_cel_value_type(out) == TALLY_CEL_BOOL && tally_cel_value_get_bool(out));
  tally_cel_context_free(ctx);
  tally_cel_program_free(prog);
  tally_cel_env_free(env);
}

static void test_untyped_unchanged(void) {
  tally_cel_env *env;
  tally_error err;
  CHECK(tally_cel_env_new(&alloc, &env) == TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "x", 1, &err), TALLY_OK);
  /* x is dyn: anything goes until evaluation */
  CHECK_INT(compile(env, "x > 5 && x.foo == 'a'", &err), TALLY_OK);
  CHECK_INT(compile(env, "y > 5", &err), TALLY_ERR_CHECK);
  tally_cel_env_free(env);
}

/* Untyped names are dyn once typing is on, whichever comes first. */
static void test_mixed_order(void) {
  tally_cel_env *env;
  tally_error err;
  CHECK(tally_cel_env_new(&alloc, &env) == TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "a", 1, &err), TALLY_OK);
  CHECK_INT(tally_cel_env_set_container(env, "com.example", 11, &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare_typed(env, "n", 1, "int", &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "b", 1, &err), TALLY_OK);
  CHECK_INT(compile(env, "a.x + b.y > n", &err), TALLY_OK);
  CHECK_INT(compile(env, "n + 'a'", &err), TALLY_ERR_CHECK);
  /* a name first declared dyn may be given a type */
  CHECK_INT(tally_cel_env_declare_typed(env, "a", 1, "string", &err), TALLY_OK);
  CHECK_INT(compile(env, "a.x", &err), TALLY_ERR_CHECK);
  CHECK_INT(compile(env, "a.size() > n", &err), TALLY_OK);
  /* but not two different types */
  CHECK_INT(tally_cel_env_declare_typed(env, "a", 1, "int", &err), TALLY_ERR_USAGE);
  CHECK_INT(tally_cel_env_declare_typed(env, "c", 1, "list(", &err) != TALLY_OK, 1);
  /* the container is the checker's too */
  CHECK_INT(tally_cel_env_declare_typed(env, "com.example.q", 13, "int", &err), TALLY_OK);
  CHECK_INT(compile(env, "q + 1", &err), TALLY_OK);
  tally_cel_env_free(env);
}

static void test_result_type_and_libs(void) {
  tally_cel_env *env = typed_env();
  tally_error err;
  CHECK_INT(tally_cel_env_set_result_type(env, "bool", &err), TALLY_OK);
  CHECK_INT(compile(env, "email == 'a'", &err), TALLY_OK);
  CHECK_INT(compile(env, "dyn(email)", &err), TALLY_OK);
  CHECK_INT(compile(env, "email", &err), TALLY_ERR_CHECK);
  CHECK_INT(tally_cel_env_set_result_type(env, NULL, &err), TALLY_OK);
  CHECK_INT(compile(env, "email", &err), TALLY_OK);
  /* extension functions need their library, for the checker too */
  CHECK_INT(compile(env, "email.lowerAscii() == 'a'", &err), TALLY_ERR_CHECK);
  /* dynamic envs skip checking */
  tally_cel_env_set_dynamic(env, true);
  CHECK_INT(compile(env, "undeclared + 1", &err), TALLY_OK);
  tally_cel_env_free(env);
}

/* Every allocation failing in turn: a clean NOMEM (or success), no leak. */
static void test_alloc_failures(void) {
  bool done = false;
  for (size_t n = 1; n < 5000 && !done; n++) {
    check_alloc c = {0, 0, 0, n};
    tally_allocator a = check_allocator(&c);
    tally_error err;
    tally_cel_env *env = NULL;
    tally_status st = tally_cel_env_new(&a, &env);
    static const tally_cel_field rs[] = {{"bot", "int"}};
    if (!st) st = tally_cel_env_declare(env, "u", 1, &err);
    if (!st) st = tally_cel_env_declare_object(env, "riskScores", 10, "tally.RiskScores", rs, 1, &err);
    if (!st) st = tally_cel_env_set_result_type(env, "bool", &err);
    tally_cel_program *prog = NULL;
    const char *src = "riskScores.bot > 50 && u.x == 1 && [1, 2].all(i, i > 0)";
    if (!st) st = tally_cel_compile(env, src, strlen(src), &prog, &err);
    CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
    if (st == TALLY_OK) done = true;
    tally_cel_program_free(prog);
    tally_cel_env_free(env);
    CHECK_INT(c.live_blocks, 0);
  }
  CHECK(done);
}

int main(void) {
  alloc = check_allocator(&counter);
  RUN(test_checked_compile);
  RUN(test_checked_eval);
  RUN(test_untyped_unchanged);
  RUN(test_mixed_order);
  RUN(test_result_type_and_libs);
  RUN(test_alloc_failures);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_cel_typed_env");
}
