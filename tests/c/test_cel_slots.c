/*
** test_cel_slots.c - contexts made for an env (tally_cel_context_new_for_env)
** keep a declared variable in its declaration's slot, and programs of that
** env read the slot instead of looking the name up. Whatever the path, the
** answers must be those of a plain context bound by name: the same values
** and the same errors, after rebinding and clearing, with programs of
** another env, with names the env does not declare (dynamic envs),
** qualified names and containers, and declarations made after the context.
** A context is also one allocation while its activation is small.
*/
#include "check_cel.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static check_alloc counter;
static tally_allocator alloc;
static tally_error err;
static char got[4096];

/* "value json" or "ERR kind message" */
static const char *eval(const tally_cel_env *env, tally_cel_context *ctx, const char *src) {
  return check_cel_eval(env, ctx, src, 0, &err, got, sizeof got);
}

static void declare(tally_cel_env *env, const char *name) {
  CHECK_INT(tally_cel_env_declare(env, name, strlen(name), &err), TALLY_OK);
}

static void bind_json(tally_cel_context *ctx, const char *json) {
  CHECK_INT(tally_cel_context_bind_json(ctx, json, strlen(json), false, &err), TALLY_OK);
}

/* src gives the same answer with both contexts (and, when want is set, that one). */
static void same(const tally_cel_env *env, tally_cel_context *plain, tally_cel_context *slotted, const char *src,
                 const char *want) {
  char a[4096];
  snprintf(a, sizeof a, "%s", eval(env, plain, src));
  eval(env, slotted, src);
  if (strcmp(a, got) != 0) printf("  %s:\n    plain:   %s\n    slotted: %s\n", src, a, got);
  CHECK_STR(got, a);
  if (want) CHECK_STR(got, want);
}

#define T "{\"type\":\"bool\",\"value\":true}"
#define F "{\"type\":\"bool\",\"value\":false}"
#define INT(n) "{\"type\":\"int\",\"value\":\"" #n "\"}"

static const char *const EXPRS[] = {
  "x", "x + 1", "s.startsWith('ab')", "m.bot > 80 || m.fta >= 70", "has(m.bot)", "has(m.nope)", "m.nope",
  "l.exists(v, v == x)", "[x, x].map(v, v * 2)", "a.b.c", "a.b.c.d", "unbound", "unbound.f", "x + unbound",
  "unbound || true", "s == '' ? x : -x", "size(s) + size(l)", "type(x) == int",
};

static void test_same_answers(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  const char *names[] = {"x", "s", "m", "l", "a.b.c", "unbound"};
  for (size_t i = 0; i < N_OF(names); i++) declare(env, names[i]);
  tally_cel_context *plain, *slotted;
  CHECK_INT(tally_cel_context_new(&alloc, &plain), TALLY_OK);
  CHECK_INT(tally_cel_context_new_for_env(env, &slotted), TALLY_OK);
  const char *vars = "{\"x\": 7, \"s\": \"abc\", \"m\": {\"bot\": 81, \"fta\": 3}, \"l\": [1, 7], "
                     "\"a.b.c\": {\"d\": true}}";
  bind_json(plain, vars);
  bind_json(slotted, vars);
  for (size_t i = 0; i < N_OF(EXPRS); i++) same(env, plain, slotted, EXPRS[i], NULL);
  same(env, plain, slotted, "x", INT(7));
  same(env, plain, slotted, "m.bot > 80 || m.fta >= 70", T);
  same(env, plain, slotted, "unbound", "ERR eval no such attribute: unbound");
  same(env, plain, slotted, "a.b.c.d", T);

  /* rebinding replaces the value, and allocates nothing for a slot */
  size_t calls = counter.calls, live = counter.live_bytes;
  CHECK_INT(tally_cel_context_bind_int(slotted, "x", 1, 8, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(slotted, "unbound", 7, 1, &err), TALLY_OK);
  CHECK(counter.calls == calls && counter.live_bytes == live);
  CHECK_INT(tally_cel_context_bind_int(plain, "x", 1, 8, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(plain, "unbound", 7, 1, &err), TALLY_OK);
  for (size_t i = 0; i < N_OF(EXPRS); i++) same(env, plain, slotted, EXPRS[i], NULL);
  same(env, plain, slotted, "x + unbound", INT(9));

  /* clear forgets slots and names alike */
  tally_cel_context_clear(plain);
  tally_cel_context_clear(slotted);
  for (size_t i = 0; i < N_OF(EXPRS); i++) same(env, plain, slotted, EXPRS[i], NULL);
  same(env, plain, slotted, "x", "ERR eval no such attribute: x");
  bind_json(plain, "{\"x\": 1, \"s\": \"\"}");
  bind_json(slotted, "{\"x\": 1, \"s\": \"\"}");
  for (size_t i = 0; i < N_OF(EXPRS); i++) same(env, plain, slotted, EXPRS[i], NULL);
  same(env, plain, slotted, "s == '' ? x : -x", INT(1));

  /* a declaration made after the context: bound by name there, same answers */
  declare(env, "late");
  CHECK_INT(tally_cel_context_bind_int(plain, "late", 4, 5, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(slotted, "late", 4, 5, &err), TALLY_OK);
  same(env, plain, slotted, "late + x", INT(6));
  tally_cel_context *fresh; /* made after it: a slot */
  CHECK_INT(tally_cel_context_new_for_env(env, &fresh), TALLY_OK);
  CHECK_STR(eval(env, fresh, "late"), "ERR eval no such attribute: late");
  CHECK_INT(tally_cel_context_bind_int(fresh, "late", 4, 5, &err), TALLY_OK);
  CHECK_STR(eval(env, fresh, "late"), INT(5));
  tally_cel_context_free(fresh);

  tally_cel_context_free(plain);
  tally_cel_context_free(slotted);
  tally_cel_env_free(env);
}

/* Programs of another env (other declaration numbers) look names up. */
static void test_other_env(void) {
  tally_cel_env *env1, *env2, *dyn;
  CHECK_INT(tally_cel_env_new(&alloc, &env1), TALLY_OK);
  CHECK_INT(tally_cel_env_new(&alloc, &env2), TALLY_OK);
  CHECK_INT(tally_cel_env_new(&alloc, &dyn), TALLY_OK);
  declare(env1, "x");
  declare(env1, "y");
  declare(env2, "y"); /* y is number 0 here, 1 in env1 */
  declare(env2, "z");
  declare(env2, "x");
  tally_cel_env_set_dynamic(dyn, true);
  tally_cel_context *ctx;
  CHECK_INT(tally_cel_context_new_for_env(env1, &ctx), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(ctx, "x", 1, 1, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(ctx, "y", 1, 2, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(ctx, "z", 1, 3, &err), TALLY_OK); /* not env1's: by name */
  CHECK_INT(tally_cel_context_bind_int(ctx, "w.v", 3, 4, &err), TALLY_OK);
  CHECK_STR(eval(env1, ctx, "x * 100 + y * 10"), INT(120));
  CHECK_STR(eval(env2, ctx, "x * 100 + y * 10 + z"), INT(123));
  CHECK_STR(eval(env1, ctx, "z"), "ERR check undeclared reference to 'z' (in container '')");
  /* a dynamic env finds slots and names alike, and qualified names */
  CHECK_STR(eval(dyn, ctx, "x * 1000 + y * 100 + z * 10 + w.v"), "{\"type\":\"int\",\"value\":\"1234\"}");
  CHECK_STR(eval(dyn, ctx, "nope"), "ERR eval no such attribute: nope");
  CHECK_STR(eval(dyn, ctx, "has(w.v)"), "ERR eval no such attribute: w"); /* has() selects v on w */
  tally_cel_context_clear(ctx);
  CHECK_STR(eval(env2, ctx, "y"), "ERR eval no such attribute: y");
  CHECK_STR(eval(dyn, ctx, "y"), "ERR eval no such attribute: y");
  CHECK_STR(eval(dyn, ctx, "z"), "ERR eval no such attribute: z");
  /* a plain context with a program of env1 */
  tally_cel_context *plain;
  CHECK_INT(tally_cel_context_new(&alloc, &plain), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(plain, "y", 1, 2, &err), TALLY_OK);
  CHECK_STR(eval(env1, plain, "y"), INT(2));
  CHECK_STR(eval(env1, plain, "x"), "ERR eval no such attribute: x");
  tally_cel_context_free(plain);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env1);
  tally_cel_env_free(env2);
  tally_cel_env_free(dyn);
}

/* Containers resolve to declared qualified names, which have slots too. */
static void test_container(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  CHECK_INT(tally_cel_env_set_container(env, "com.example", 11, &err), TALLY_OK);
  declare(env, "com.example.x");
  declare(env, "x");
  declare(env, "a.b");
  tally_cel_context *plain, *slotted;
  CHECK_INT(tally_cel_context_new(&alloc, &plain), TALLY_OK);
  CHECK_INT(tally_cel_context_new_for_env(env, &slotted), TALLY_OK);
  const char *vars = "{\"com.example.x\": 1, \"x\": 2, \"a.b\": {\"c\": 3}}";
  bind_json(plain, vars);
  bind_json(slotted, vars);
  same(env, plain, slotted, "x", INT(1));
  same(env, plain, slotted, ".x", INT(2));
  same(env, plain, slotted, "com.example.x", INT(1));
  same(env, plain, slotted, "a.b.c", INT(3));
  same(env, plain, slotted, "a.b.d", NULL);
  tally_cel_context_clear(slotted);
  tally_cel_context_clear(plain);
  CHECK_INT(tally_cel_context_bind_int(plain, "x", 1, 2, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_int(slotted, "x", 1, 2, &err), TALLY_OK);
  same(env, plain, slotted, "x", "ERR eval no such attribute: com.example.x");
  same(env, plain, slotted, ".x", INT(2));
  tally_cel_context_free(plain);
  tally_cel_context_free(slotted);
  tally_cel_env_free(env);
}

/* Typed declarations are declarations like the others. */
static void test_typed(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  declare(env, "d");
  CHECK_INT(tally_cel_env_declare_typed(env, "n", 1, "int", &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare_typed(env, "d", 1, "string", &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare_typed(env, "m", 1, "map(string, int)", &err), TALLY_OK);
  tally_cel_context *ctx;
  CHECK_INT(tally_cel_context_new_for_env(env, &ctx), TALLY_OK);
  bind_json(ctx, "{\"n\": 4, \"d\": \"ab\", \"m\": {\"k\": 5}}");
  CHECK_STR(eval(env, ctx, "n + m.k + size(d)"), "{\"type\":\"int\",\"value\":\"11\"}");
  CHECK_STR(eval(env, ctx, "m.j"), "ERR eval no such key: j");
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
}

/* More declarations than one word of bound bits. */
static void test_many(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  char name[16];
  for (int i = 0; i < 150; i++) {
    snprintf(name, sizeof name, "v%d", i);
    declare(env, name);
  }
  declare(env, "v7"); /* again: still number 7 */
  tally_cel_context *ctx;
  CHECK_INT(tally_cel_context_new_for_env(env, &ctx), TALLY_OK);
  for (int i = 0; i < 150; i += 2) {
    snprintf(name, sizeof name, "v%d", i);
    CHECK_INT(tally_cel_context_bind_int(ctx, name, strlen(name), i, &err), TALLY_OK);
  }
  CHECK_STR(eval(env, ctx, "v0 + v64 + v128 + v148"), "{\"type\":\"int\",\"value\":\"340\"}");
  CHECK_STR(eval(env, ctx, "v65"), "ERR eval no such attribute: v65");
  CHECK_STR(eval(env, ctx, "v149"), "ERR eval no such attribute: v149");
  tally_cel_context_clear(ctx);
  CHECK_STR(eval(env, ctx, "v64"), "ERR eval no such attribute: v64");
  /* binding in declaration order (guessed), backwards, and repeating a name */
  for (int order = 0; order < 3; order++) {
    tally_cel_context_clear(ctx);
    for (int k = 0; k < 150; k++) {
      int i = order == 1 ? 149 - k : order == 2 ? k / 2 : k;
      snprintf(name, sizeof name, "v%d", i);
      CHECK_INT(tally_cel_context_bind_int(ctx, name, strlen(name), i * 10 + order, &err), TALLY_OK);
    }
    char src[64], want[64];
    for (int i = 0; i < 150; i += 7) {
      snprintf(src, sizeof src, "v%d", i);
      if (order == 2 && i >= 75) snprintf(want, sizeof want, "ERR eval no such attribute: v%d", i);
      else snprintf(want, sizeof want, "{\"type\":\"int\",\"value\":\"%d\"}", i * 10 + order);
      CHECK_STR(eval(env, ctx, src), want);
    }
  }
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
}

/*
** A sign-up's activation lives in the context's own allocation; a bigger
** one spills into chunks from the host, which clear keeps or frees.
*/
static void test_one_allocation(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  declare(env, "email");
  declare(env, "riskScores");
  tally_cel_context *ctx;
  size_t calls = counter.calls;
  CHECK_INT(tally_cel_context_new_for_env(env, &ctx), TALLY_OK);
  CHECK_INT(tally_cel_context_bind_string(ctx, "email", 5, "ann@example.com", 15, &err), TALLY_OK);
  tally_cel_value *m = tally_cel_value_map(ctx);
  CHECK_INT(tally_cel_map_insert(ctx, m, tally_cel_value_string(ctx, "bot", 3), tally_cel_value_int(ctx, 90), &err),
            TALLY_OK);
  CHECK_INT(tally_cel_context_bind(ctx, "riskScores", 10, m, &err), TALLY_OK);
  CHECK_INT(counter.calls - calls, 1);
  CHECK_STR(eval(env, ctx, "riskScores.bot > 80 && email.endsWith('.com')"), T);
  calls = counter.calls;
  CHECK_INT(tally_cel_context_bind_int(ctx, "riskScores", 10, 1, &err), TALLY_OK);
  CHECK(counter.calls == calls);
  char big[3000];
  memset(big, 'a', sizeof big);
  for (int round = 0; round < 3; round++) {
    CHECK_INT(tally_cel_context_bind_string(ctx, "email", 5, big, sizeof big, &err), TALLY_OK);
    CHECK_STR(eval(env, ctx, "size(email)"), "{\"type\":\"int\",\"value\":\"3000\"}");
    tally_cel_context_clear(ctx);
    CHECK_INT(tally_cel_context_bind_string(ctx, "email", 5, "b@c.d", 5, &err), TALLY_OK);
    CHECK_STR(eval(env, ctx, "email"), "{\"type\":\"string\",\"value\":\"b@c.d\"}");
    tally_cel_context_clear(ctx);
  }
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
}

/* bind_json keeps the values, not the JSON tree they were read from. */
static void test_bind_json_tree(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  tally_cel_env_set_dynamic(env, true);
  for (int slotted = 0; slotted < 2; slotted++) {
    tally_cel_context *ctx;
    if (slotted) declare(env, "s");
    CHECK_INT(slotted ? tally_cel_context_new_for_env(env, &ctx) : tally_cel_context_new(&alloc, &ctx), TALLY_OK);
    static char json[20000];
    /* a big tree for small values: typed values ignore other members */
    size_t n = (size_t)snprintf(json, sizeof json, "{\"s\": {\"type\": \"string\", \"value\": \"a\\u00e9\", \"pad\": [");
    for (int i = 0; i < 2000; i++) n += (size_t)snprintf(json + n, sizeof json - n, "%s%d", i ? "," : "", i % 10);
    n += (size_t)snprintf(json + n, sizeof json - n, "]}, \"l\": {\"type\": \"list\", \"value\": [{\"type\": \"string\", \"value\": \"two\"}]}}");
    size_t live = counter.live_bytes;
    CHECK_INT(tally_cel_context_bind_json(ctx, json, n, true, &err), TALLY_OK);
    CHECK(counter.live_bytes - live < 1024);
    memset(json, 'x', n); /* the values do not point into the text either */
    CHECK_STR(eval(env, ctx, "s + l[0]"), "{\"type\":\"string\",\"value\":\"a\u00e9two\"}");
    const char *plain = "{\"m\": {\"k\\n\": [1, \"\\u00e9\"]}}";
    CHECK_INT(tally_cel_context_bind_json(ctx, plain, strlen(plain), false, &err), TALLY_OK);
    CHECK_STR(eval(env, ctx, "m['k\\n'][1]"), "{\"type\":\"string\",\"value\":\"\u00e9\"}");
    const char *typed = "{\"t\": {\"type\": \"type\", \"value\": \"my.Type\"}, "
                        "\"u\": {\"type\": \"string\", \"value\": \"\\u00e9\"}}";
    CHECK_INT(tally_cel_context_bind_json(ctx, typed, strlen(typed), true, &err), TALLY_OK);
    CHECK_STR(eval(env, ctx, "u"), "{\"type\":\"string\",\"value\":\"\u00e9\"}");
    CHECK_STR(eval(env, ctx, "t"), "{\"type\":\"type\",\"value\":\"my.Type\"}");
    /* errors leave nothing behind either */
    live = counter.live_bytes;
    CHECK_INT(tally_cel_context_bind_json(ctx, "{\"a\": [1, ", 9, false, &err), TALLY_ERR_JSON);
    CHECK_INT(tally_cel_context_bind_json(ctx, "[1]", 3, false, &err), TALLY_ERR_INPUT);
    CHECK(counter.live_bytes == live);
    tally_cel_context_free(ctx);
  }
  tally_cel_env_free(env);
}

int main(void) {
  alloc = check_allocator(&counter);
  tally_cel_env *probe_env;
  tally_cel_program *probe;
  CHECK_INT(tally_cel_env_new(&alloc, &probe_env), TALLY_OK);
  bool have_parser = tally_cel_compile(probe_env, "1", 1, &probe, &err) == TALLY_OK;
  if (have_parser) tally_cel_program_free(probe);
  tally_cel_env_free(probe_env);
  if (have_parser) {
    RUN(test_same_answers);
    RUN(test_other_env);
    RUN(test_container);
    RUN(test_typed);
    RUN(test_many);
    RUN(test_one_allocation);
    RUN(test_bind_json_tree);
  } else {
    printf("test_cel_slots: parser not built in, skipped (%s)\n", err.message);
  }
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_cel_slots");
}
