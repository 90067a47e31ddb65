/*
** test_limits.c - every documented limit (docs/limits.md) trips with a
** TALLY_ERR_LIMIT (or, for regex repeat counts, the parse error RE2 gives)
** and a message that names it; raising or lowering the limit where it can
** be changed moves the boundary; and deeply nested input of every kind
** (CEL, JSON, typed bindings, regexes, rule sets, ledger and billing
** lines) fails cleanly, with nothing leaked.
*/
#include <time.h>
#include "check.h"
#include "tally/cel.h"
#include "tally/regex.h"
#include "tally/rules.h"
#include "tally/billing.h"
#include "tally/cli.h"

/* ** {====== helpers */

static char *repeat(const char *head, const char *unit, size_t n, const char *mid, const char *unit2, size_t n2,
                    const char *tail) {
  size_t len = strlen(head) + strlen(unit) * n + strlen(mid) + strlen(unit2) * n2 + strlen(tail);
  char *s = malloc(len + 1), *p = s;
  if (!s) abort();
  p += sprintf(p, "%s", head);
  for (size_t i = 0; i < n; i++) p += sprintf(p, "%s", unit);
  p += sprintf(p, "%s", mid);
  for (size_t i = 0; i < n2; i++) p += sprintf(p, "%s", unit2);
  sprintf(p, "%s", tail);
  return s;
}

/* Just a CEL run: env with x declared (and bound to json, plain, when given). */
typedef struct run_result {
  tally_status status;
  tally_error err;
  char value[256];
  double seconds;
} run_result;

static run_result run(const char *src, size_t len, const tally_cel_limits *lim, const char *json) {
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  run_result r;
  memset(&r, 0, sizeof r);
  tally_cel_env *env = NULL;
  tally_cel_context *ctx = NULL;
  tally_cel_program *prog = NULL;
  const tally_cel_value *v;
  const char *out;
  clock_t t0 = clock();
  tally_status s = tally_cel_env_new(&a, &env);
  if (!s && lim) tally_cel_env_set_limits(env, lim);
  if (!s) s = tally_cel_env_declare(env, "x", 1, &r.err);
  if (!s) s = tally_cel_context_new(&a, &ctx);
  if (!s && json) s = tally_cel_context_bind_json(ctx, json, strlen(json), false, &r.err);
  if (!s) s = tally_cel_compile(env, src, len, &prog, &r.err);
  if (!s) s = tally_cel_eval(prog, ctx, &v, &r.err);
  if (!s) s = tally_cel_value_to_json(ctx, v, &out, NULL, &r.err);
  if (!s) snprintf(r.value, sizeof r.value, "%s", out);
  r.seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
  tally_cel_program_free(prog);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  r.status = s;
  CHECK_INT(c.live_bytes, 0);
  return r;
}

static run_result run_cstr(const char *src, const tally_cel_limits *lim) {
  return run(src, strlen(src), lim, NULL);
}

/* A limit error: the status, the code in err, and a message containing `word`. */
#define CHECK_LIMIT(r, word) do { \
  CHECK_INT((r).status, TALLY_ERR_LIMIT); \
  CHECK_INT((r).err.code, TALLY_ERR_LIMIT); \
  if (!strstr((r).err.message, (word))) { \
    fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (r).err.message, (word)); \
    check_failed_++; \
  } else check_passed_++; \
} while (0)

/* }====== */

/* ** {====== CEL */

static void test_source_length(void) {
  /* A string literal of exactly the limit compiles; one byte more does not. */
  char *src = repeat("'", "a", 100000 - 2, "'", "", 0, "");
  run_result r = run_cstr(src, NULL);
  CHECK_INT(r.status, TALLY_OK);
  free(src);
  src = repeat("'", "a", 100000 - 1, "'", "", 0, "");
  r = run_cstr(src, NULL);
  CHECK_LIMIT(r, "too long");
  CHECK(strstr(r.err.message, "100000") != NULL);
  free(src);
  /* max_source_len moves the boundary both ways. */
  tally_cel_limits lim = {0};
  lim.max_source_len = 10;
  r = run_cstr("1 + 2 + 34", &lim);
  CHECK_INT(r.status, TALLY_OK);
  r = run_cstr("1 + 2 + 345", &lim);
  CHECK_LIMIT(r, "too long");
  lim.max_source_len = 300000;
  src = repeat("'", "a", 200000, "'", "", 0, "");
  r = run_cstr(src, &lim);
  CHECK_INT(r.status, TALLY_OK);
  free(src);
}

static void test_parse_depth(void) {
  /* Every way of nesting, a thousand deep: a limit error with a position. */
  static const struct { const char *open, *mid, *close; } kinds[] = {
    {"(", "1", ")"}, {"[", "1", "]"}, {"{1: ", "1", "}"}, {"size(", "'a'", ")"}, {"-(", "1", ")"},
    {"!(", "true", ")"}, {"x[", "0", "]"}, {"true ? 1 : ", "2", ""}, {"[1].map(y, ", "y", ")"},
    {"1 + ", "1", ""}, {"", "x", ".a"}, {"true == (", "true", ")"}, {"'a'.contains(", "'a'", ")"},
  };
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    char *src = repeat("", kinds[k].open, 1000, kinds[k].mid, kinds[k].close, 1000, "");
    run_result r = run_cstr(src, NULL);
    CHECK_LIMIT(r, "nest");
    CHECK(r.err.line == 1 && r.err.column > 0);
    if (r.status != TALLY_ERR_LIMIT) fprintf(stderr, "  (nesting kind %zu: %s)\n", k, kinds[k].open);
    CHECK(r.seconds < 1.0);
    free(src);
  }
  /* && and || chains are balanced, as cel-go does: a thousand terms are fine. */
  char *chain = repeat("", "1 < 2 && ", 1000, "true", "", 0, "");
  run_result rc = run_cstr(chain, NULL);
  CHECK_INT(rc.status, TALLY_OK);
  free(chain);
  /* Well under the limit is fine. */
  char *src = repeat("", "(", 100, "1", ")", 100, "");
  run_result r = run_cstr(src, NULL);
  CHECK_INT(r.status, TALLY_OK);
  free(src);
  /* Ten thousand deep: still the same clean error, and quickly. */
  src = repeat("", "[", 10000, "", "]", 10000, "");
  r = run_cstr(src, NULL);
  CHECK_LIMIT(r, "nest");
  free(src);
}

static void test_cost(void) {
  /* Five nested map() over ten elements would be 100,000 results. */
  const char *five = "[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b, "
                     "[0,1,2,3,4,5,6,7,8,9].map(c, [0,1,2,3,4,5,6,7,8,9].map(d, "
                     "[0,1,2,3,4,5,6,7,8,9].map(e, a + b + c + d + e)))))";
  run_result r = run_cstr(five, NULL);
  CHECK_LIMIT(r, "cost");
  CHECK(strstr(r.err.message, "200000") != NULL);
  CHECK(r.err.column > 0);
  CHECK(r.seconds < 2.0);
  /* Two deep is cheap; a lowered max_cost stops it. */
  const char *two = "[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b, a * b)).size()";
  r = run_cstr(two, NULL);
  CHECK_INT(r.status, TALLY_OK);
  CHECK_STR(r.value, "{\"type\":\"int\",\"value\":\"10\"}");
  tally_cel_limits lim = {0};
  lim.max_cost = 50;
  r = run_cstr(two, &lim);
  CHECK_LIMIT(r, "cost");
  /* Four deep (10,000 results) fits the default. */
  const char *four = "[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b, "
                     "[0,1,2,3,4,5,6,7,8,9].map(c, [0,1,2,3,4,5,6,7,8,9].map(d, a + b + c + d)))).size()";
  r = run_cstr(four, NULL);
  CHECK_INT(r.status, TALLY_OK);
  CHECK_STR(r.value, "{\"type\":\"int\",\"value\":\"10\"}");
  /* A long all() over a bound list is stopped too. */
  r = run_cstr("[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, [0,1,2,3,4,5,6,7,8,9].all(c, "
               "[0,1,2,3,4,5,6,7,8,9].all(d, [0,1,2,3,4,5,6,7,8,9].all(e, [0,1,2,3,4,5,6,7,8,9].all(f, a + b + c + d + e + f >= 0))))))",
               NULL);
  CHECK_LIMIT(r, "cost");
  /* Raising max_cost lets the five-deep map through. */
  lim.max_cost = 100000000;
  r = run_cstr(five, &lim);
  CHECK_INT(r.status, TALLY_OK);
}

/* s doubled n times by nested cel.bind, starting from a 32-byte string. */
static char *doubling(int n) {
  char *src = malloc(64 + 40 * (size_t)n), *p = src;
  p += sprintf(p, "cel.bind(s0, '0123456789abcdef0123456789abcdef', ");
  for (int i = 1; i <= n; i++) p += sprintf(p, "cel.bind(s%d, s%d + s%d, ", i, i - 1, i - 1);
  p += sprintf(p, "size(s%d)", n);
  for (int i = 0; i <= n; i++) p += sprintf(p, ")");
  return src;
}

static void test_value_sizes(void) {
  tally_cel_limits lim = {0};
  lim.max_cost = 1000000000;
  /* 32 x 2^14 = 512 KiB fits the default 1 MiB; 2^16 does not. */
  char *src = doubling(14);
  run_result r = run_cstr(src, &lim);
  CHECK_INT(r.status, TALLY_OK);
  CHECK_STR(r.value, "{\"type\":\"int\",\"value\":\"524288\"}");
  free(src);
  src = doubling(16);
  r = run_cstr(src, &lim);
  CHECK_LIMIT(r, "string size");
  CHECK(strstr(r.err.message, "1048576") != NULL);
  /* With the default cost limit the same growth stops even sooner. */
  r = run_cstr(src, NULL);
  CHECK_INT(r.status, TALLY_ERR_LIMIT);
  free(src);
  /* max_string_bytes lowered. */
  lim.max_string_bytes = 100;
  src = doubling(1);
  r = run_cstr(src, &lim);
  CHECK_INT(r.status, TALLY_OK);
  free(src);
  src = doubling(2);
  r = run_cstr(src, &lim);
  CHECK_LIMIT(r, "string size");
  free(src);
  r = run_cstr("b'0123456789012345678901234567890123456789012345678901234567890' + "
               "b'0123456789012345678901234567890123456789012345678901234567890'", &lim);
  CHECK_LIMIT(r, "size");

  /* Lists: a bound list of 60,000 doubled is over the default 100,000. */
  char *json = repeat("{\"x\": [", "1,", 59999, "1]}", "", 0, "");
  lim.max_string_bytes = 0;
  r = run("size(x + x)", 11, &lim, json);
  CHECK_LIMIT(r, "list size");
  CHECK(strstr(r.err.message, "100000") != NULL);
  r = run("size(x + [1])", 13, &lim, json);
  CHECK_INT(r.status, TALLY_OK);
  free(json);
  lim.max_list_len = 5;
  r = run_cstr("[1, 2, 3] + [4, 5]", &lim);
  CHECK_INT(r.status, TALLY_OK);
  r = run_cstr("[1, 2, 3] + [4, 5, 6]", &lim);
  CHECK_LIMIT(r, "list size");
  r = run_cstr("[1, 2, 3, 4, 5, 6].map(i, i)", &lim);
  CHECK_LIMIT(r, "list size");
  r = run_cstr("{1: 1, 2: 2, 3: 3, 4: 4, 5: 5}.transformMap(k, v, v) == {}", &lim);
  CHECK_INT(r.status, TALLY_OK);
  r = run_cstr("{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}", &lim);
  CHECK_LIMIT(r, "size");

  /* Evaluation memory: a small arena trips before the string limit. */
  tally_cel_limits mem = {0};
  mem.max_cost = 1000000000;
  mem.max_eval_memory = 64 * 1024;
  src = doubling(13);
  r = run_cstr(src, &mem);
  CHECK_LIMIT(r, "memory");
  mem.max_eval_memory = 0;
  r = run_cstr(src, &mem);
  CHECK_INT(r.status, TALLY_OK);
  free(src);
}

/* }====== */

/* ** {====== Regular expressions */

static tally_status re_compile(const char *pat, size_t len, tally_error *err) {
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  tally_regex *re = NULL;
  tally_status s = tally_regex_compile(&a, pat, len, 0, &re, err);
  tally_regex_free(re);
  CHECK_INT(c.live_bytes, 0);
  return s;
}

static void test_regex(void) {
  tally_error err;
  /* Program size: one instruction per literal. */
  char *pat = repeat("", "ab", 4000, "", "", 0, "");
  CHECK_INT(re_compile(pat, strlen(pat), &err), TALLY_OK);
  free(pat);
  pat = repeat("", "ab", 6000, "", "", 0, "");
  CHECK_INT(re_compile(pat, strlen(pat), &err), TALLY_ERR_LIMIT);
  CHECK(strstr(err.message, "too large") && strstr(err.message, "10000"));
  free(pat);
  /* Repeat counts: at most 1000, also when nested counts multiply. */
  CHECK_INT(re_compile("a{1000}", 7, &err), TALLY_OK);
  CHECK_INT(re_compile("a{1001}", 7, &err), TALLY_ERR_PARSE);
  CHECK(strstr(err.message, "repeat count") != NULL);
  CHECK_INT(re_compile("(a{100}){100}", 13, &err), TALLY_ERR_PARSE);
  CHECK(strstr(err.message, "repeat count") != NULL);
  /* Counted repeats that multiply a large body hit the program limit. */
  CHECK_INT(re_compile("[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}"
                       "[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}[a-z0-9]{1000}x", 141, &err),
            TALLY_ERR_LIMIT);
  /* Nesting depth and pattern length. */
  pat = repeat("", "(", 1000, "a", ")", 1000, "");
  CHECK_INT(re_compile(pat, strlen(pat), &err), TALLY_ERR_LIMIT);
  CHECK(strstr(err.message, "nested too deeply") != NULL);
  free(pat);
  pat = repeat("", "(?:", 100000, "a", ")", 100000, "");
  CHECK_INT(re_compile(pat, strlen(pat), &err), TALLY_ERR_LIMIT);
  free(pat);
  pat = repeat("", "a", 65537, "", "", 0, "");
  CHECK_INT(re_compile(pat, strlen(pat), &err), TALLY_ERR_LIMIT);
  CHECK(strstr(err.message, "too long") != NULL);
  free(pat);
  /* Through CEL: a constant pattern fails at compile time with the same message. */
  pat = repeat("'a'.matches('", "ab", 6000, "')", "", 0, "");
  run_result r = run_cstr(pat, NULL);
  CHECK_LIMIT(r, "too large");
  free(pat);
}

/* }====== */

/* ** {====== JSON and typed values */

static void test_json_depth(void) {
  /* Plain bindings: 128 levels of JSON are allowed, 129 are not (the outer object is one). */
  char *json = repeat("{\"x\": ", "[", 127, "1", "]", 127, "}");
  run_result r = run("size(x)", 7, NULL, json);
  CHECK_INT(r.status, TALLY_OK);
  free(json);
  json = repeat("{\"x\": ", "[", 128, "1", "]", 128, "}");
  r = run("size(x)", 7, NULL, json);
  CHECK_LIMIT(r, "JSON nesting");
  CHECK(strstr(r.err.message, "128") != NULL);
  free(json);
  json = repeat("{\"x\": ", "{\"a\": ", 100000, "1", "}", 100000, "}");
  r = run("size(x)", 7, NULL, json);
  CHECK_LIMIT(r, "nesting");
  free(json);

  /* Typed bindings: nested lists, each level two JSON levels deep. */
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  tally_cel_context *ctx;
  CHECK_INT(tally_cel_context_new(&a, &ctx), TALLY_OK);
  tally_error err;
  json = repeat("{\"x\": ", "{\"type\": \"list\", \"value\": [", 70, "", "]}", 70, "}");
  CHECK_INT(tally_cel_context_bind_json(ctx, json, strlen(json), true, &err), TALLY_ERR_LIMIT);
  free(json);
  json = repeat("{\"x\": ", "{\"type\": \"list\", \"value\": [", 40, "", "]}", 40, "}");
  CHECK_INT(tally_cel_context_bind_json(ctx, json, strlen(json), true, &err), TALLY_OK);
  free(json);
  /* A map nests a key-value pair: three JSON levels per level. */
  json = repeat("{\"x\": ", "{\"type\": \"map\", \"value\": [[{\"type\": \"int\", \"value\": \"1\"}, ", 60,
                "{\"type\": \"null\"}", "]]}", 60, "}");
  CHECK_INT(tally_cel_context_bind_json(ctx, json, strlen(json), true, &err), TALLY_ERR_LIMIT);
  CHECK(err.message[0] != 0);
  free(json);
  tally_cel_context_free(ctx);
  CHECK_INT(c.live_bytes, 0);
}

/* }====== */

/* ** {====== Deep input through every JSON door */

/* Runs the CLI over input; returns the output (malloc'd, NUL-terminated). */
static char *cli_run(int argc, const char *const *argv, const char *file, const char *input) {
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  tally_cli *cli = tally_cli_new(&a);
  tally_error err;
  char *res = NULL;
  CHECK(cli != NULL);
  if (!cli) return calloc(1, 1);
  CHECK_INT(tally_cli_args(cli, argc, argv, &err), TALLY_OK);
  for (size_t i = 0; i < tally_cli_file_count(cli); i++) tally_cli_file_set(cli, i, file, strlen(file));
  if (tally_cli_start(cli, &err) != TALLY_OK) {
    res = malloc(strlen(err.message) + 16);
    sprintf(res, "start: %s", err.message);
  } else {
    CHECK_INT(tally_cli_feed(cli, input, strlen(input), &err), TALLY_OK);
    CHECK_INT(tally_cli_finish(cli, &err), TALLY_OK);
    size_t n;
    const char *out = tally_cli_output(cli, &n);
    res = malloc(n + 1);
    memcpy(res, out, n);
    res[n] = 0;
  }
  tally_cli_free(cli);
  CHECK_INT(c.live_bytes, 0);
  return res;
}

static void check_contains(const char *got, const char *want, int line) {
  if (strstr(got, want)) check_passed_++;
  else {
    check_failed_++;
    fprintf(stderr, "test_limits.c:%d: output \"%.300s\" lacks \"%s\"\n", line, got, want);
  }
}
#define CHECK_HAS(got, want) check_contains((got), (want), __LINE__)

static void test_deep_everywhere(void) {
  char *deep = repeat("", "[", 5000, "", "]", 5000, "\n");
  char *deep_obj = repeat("{\"customer\": \"c\", \"item\": \"i\", \"t\": 1, \"qty\": ", "{\"a\": ", 5000, "1", "}",
                          5000, "}\n");
  const char *json_fmt[] = {"json", "format"};
  char *out = cli_run(2, json_fmt, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  CHECK_HAS(out, "nesting deeper than 128");
  free(out);

  const char *ledger[] = {"ledger", "balance", "--at", "10"};
  out = cli_run(4, ledger, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  out = cli_run(4, ledger, NULL, deep_obj);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  const char *expand[] = {"ledger", "expand", "--horizon", "10"};
  out = cli_run(4, expand, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);

  const char *bill[] = {"bill"};
  out = cli_run(1, bill, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  const char *price[] = {"price"};
  out = cli_run(1, price, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  char *text = NULL;
  size_t tlen;
  tally_error err;
  CHECK_INT(tally_billing_bill_json(&a, deep, strlen(deep), &text, &tlen, &err), TALLY_ERR_LIMIT);
  CHECK(text == NULL);
  CHECK_INT(tally_billing_price_json(&a, deep, strlen(deep), &text, &tlen, &err), TALLY_ERR_LIMIT);

  /* cel run: a deep line, deep typed bindings, a deep expression. */
  const char *cel_run[] = {"cel", "run"};
  out = cli_run(2, cel_run, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  char *line = repeat("{\"expr\": \"x\", \"bindings\": {\"x\": ", "{\"type\": \"list\", \"value\": [", 70, "",
                      "]}", 70, "}}\n");
  out = cli_run(2, cel_run, NULL, line);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  free(line);
  line = repeat("{\"expr\": \"", "(", 3000, "1", ")", 3000, "\"}\n");
  out = cli_run(2, cel_run, NULL, line);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  CHECK_HAS(out, "nests too deeply");
  free(out);
  const char *cel_check[] = {"cel", "check"};
  out = cli_run(2, cel_check, NULL, line);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  free(line);

  /* Rule sets: deep JSON is refused; a deep condition is a rule in error. */
  tally_rules *rules = NULL;
  CHECK(tally_rules_load(&a, deep, strlen(deep), &rules, &err) != TALLY_OK);
  CHECK(rules == NULL);
  CHECK(err.message[0] != 0);
  char *rs = repeat("{\"defaultAction\": \"allow\", \"rules\": {\"r\": {\"enabled\": true, \"priority\": 1, "
                    "\"condition\": \"", "(", 3000, "true", ")", 3000,
                    "\", \"action\": {\"type\": \"reject\"}}}}");
  CHECK_INT(tally_rules_load(&a, rs, strlen(rs), &rules, &err), TALLY_OK);
  if (rules) {
    tally_rules_scratch *sc;
    CHECK_INT(tally_rules_scratch_new(&a, &sc), TALLY_OK);
    tally_signup su;
    memset(&su, 0, sizeof su);
    su.email.ptr = "a@b.co";
    su.email.len = 6;
    tally_rules_result res;
    CHECK_INT(tally_rules_eval(rules, sc, &su, &res, &err), TALLY_OK);
    CHECK_INT(res.nevaluations, 1);
    if (res.nevaluations == 1) {
      CHECK_INT(res.evaluations[0].status, TALLY_RULE_ERROR);
      CHECK(res.evaluations[0].message && strstr(res.evaluations[0].message, "nests too deeply"));
    }
    CHECK(res.allowed);
    tally_rules_scratch_free(sc);
    tally_rules_free(rules);
  }
  const char *validate[] = {"rules", "validate"};
  char *rs_line = malloc(strlen(rs) + 2);
  sprintf(rs_line, "%s\n", rs);
  out = cli_run(2, validate, NULL, rs_line);
  CHECK_HAS(out, "nests too deeply");
  free(out);
  const char *tree[] = {"rules", "tree"};
  out = cli_run(2, tree, NULL, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  const char *eval[] = {"rules", "eval", "--rules", "r.json"};
  out = cli_run(4, eval, rs, deep);
  CHECK_HAS(out, "\"kind\":\"limit\"");
  free(out);
  free(rs_line);
  free(rs);
  CHECK_INT(c.live_bytes, 0);
  free(deep);
  free(deep_obj);
}

/* }====== */

int main(void) {
  RUN(test_source_length);
  RUN(test_parse_depth);
  RUN(test_cost);
  RUN(test_value_sizes);
  RUN(test_regex);
  RUN(test_json_depth);
  RUN(test_deep_everywhere);
  return check_report("test_limits");
}
