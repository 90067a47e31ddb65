/*
** test_cel_run.c - CEL from source text through the public API
** (tally/cel.h): results, the messages and positions of the common
** mistakes (unknown variable or function, wrong argument types, unbalanced
** brackets, bad escapes), limits, and no growth over many evaluations.
*/
#include "check_cel.h"

static check_alloc counter;
static tally_allocator alloc;
static tally_cel_env *env;
static tally_cel_context *ctx;
static tally_error err;
static char got[4096];

/* "value json" or "ERR kind line:col message" */
static const char *eval(const char *src) { return check_cel_eval(env, ctx, src, 1, &err, got, sizeof got); }

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static void test_values(void) {
  CHECK_STR(eval("1 + 2 * 3"), "{\"type\":\"int\",\"value\":\"7\"}");
  CHECK_STR(eval("[1, 2, 3].map(x, x * x).filter(y, y > 1)"),
            "{\"type\":\"list\",\"value\":[{\"type\":\"int\",\"value\":\"4\"},{\"type\":\"int\",\"value\":\"9\"}]}");
  CHECK_STR(eval("{'a': 1}.all(k, v, k == 'a' && v == 1)"), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(eval("string(1.0 / 3.0)"), "{\"type\":\"string\",\"value\":\"0.3333333333333333\"}");
  CHECK_STR(eval("duration('1h') + duration('30m')"), "{\"type\":\"duration\",\"value\":\"5400s\"}");
  CHECK_STR(eval("user.age >= 18 && user.country in ['FR', 'DE']"), "{\"type\":\"bool\",\"value\":true}");
}

static void test_errors(void) {
  /* unknown variable, at its position */
  const char *r = eval("1 + nope");
  CHECK_STR(r, "ERR check 1:5 undeclared reference to 'nope' (in container '')");
  /* unknown function */
  r = eval("\n  frob(1)");
  CHECK(starts(r, "ERR check 2:") && strstr(r, "undeclared reference to 'frob'"));
  /* wrong argument types, at the operator */
  CHECK_STR(eval("1 + 'a'"), "ERR eval 1:3 no matching overload for '_+_' applied to '(int, string)'");
  CHECK_STR(eval("size(true)"), "ERR eval 1:5 no matching overload for 'size' applied to '(bool)'");
  /* unbalanced brackets and bad escapes are parse errors with a position */
  r = eval("(1 + 2");
  CHECK(starts(r, "ERR parse 1:"));
  r = eval("[1, 2");
  CHECK(starts(r, "ERR parse 1:"));
  r = eval("'a\\qb'");
  CHECK(starts(r, "ERR parse 1:"));
  /* evaluation errors */
  CHECK_STR(eval("10 / (5 - 5)"), "ERR eval 1:4 division by zero");
  CHECK_STR(eval("{'a': 1}.b"), "ERR eval 1:9 no such key: b");
  CHECK_STR(eval("[1][3]"), "ERR eval 1:4 index out of range: 3 (list size 1)");
  CHECK_STR(eval("9223372036854775807 + 1"), "ERR eval 1:21 integer overflow");
}

static void test_limits(void) {
  const char *r = eval("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, "
                       "[1,2,3,4,5,6,7,8,9,10].map(d, [1,2,3,4,5,6,7,8,9,10].map(e, e)))))");
  CHECK(starts(r, "ERR limit ") && strstr(r, "cost limit"));
  tally_cel_limits lim = {0};
  lim.max_string_bytes = 64;
  tally_cel_env_set_limits(env, &lim);
  r = eval("'0123456789012345678901234567890123456789' + '0123456789012345678901234567890123456789'");
  CHECK(starts(r, "ERR limit ") && strstr(r, "string size limit"));
  lim.max_string_bytes = 0;
  tally_cel_env_set_limits(env, &lim);
}

static void test_many(void) {
  tally_cel_program *prog;
  const char *src = "user.age + i > 20 && user.country.startsWith('F')";
  CHECK_INT(tally_cel_compile(env, src, strlen(src), &prog, &err), TALLY_OK);
  size_t base = 0;
  for (int i = 0; i < 100000; i++) {
    tally_cel_context_bind_int(ctx, "i", 1, i, &err);
    const tally_cel_value *v;
    if (tally_cel_eval(prog, ctx, &v, &err) != TALLY_OK || tally_cel_value_type(v) != TALLY_CEL_BOOL) {
      CHECK(0);
      break;
    }
    if (i == 10) base = counter.live_bytes;
  }
  CHECK(counter.live_bytes <= base);
  tally_cel_program_free(prog);
}

int main(void) {
  alloc = check_allocator(&counter);
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  CHECK_INT(tally_cel_context_new(&alloc, &ctx), TALLY_OK);
  tally_cel_env_declare(env, "user", 4, &err);
  tally_cel_env_declare(env, "i", 1, &err);
  const char *user = "{\"user\": {\"age\": 30, \"country\": \"FR\"}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, user, strlen(user), false, &err), TALLY_OK);
  tally_cel_program *probe;
  if (tally_cel_compile(env, "1", 1, &probe, &err) == TALLY_OK) {
    tally_cel_program_free(probe);
    RUN(test_values);
    RUN(test_errors);
    RUN(test_limits);
    RUN(test_many);
  } else {
    printf("test_cel_run: parser not built in, skipped (%s)\n", err.message);
  }
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_cel_run");
}
