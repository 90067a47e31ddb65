/*
** test_resources.c - a million evaluations of one compiled program, with
** the variables rebound before each, do not grow memory: after a warm-up
** the counting allocator's live bytes and blocks stay exactly where they
** were (run under ASan's leak checker in the sanitizer build, this also
** shows nothing is lost at the end). The same holds for a rule set
** evaluated against a stream of sign-ups.
**
** TALLY_RESOURCE_EVALS overrides the count (e.g. 10000 for a quick run).
*/
#include "check.h"
#include "tally/cel.h"
#include "tally/rules.h"

static long eval_count(void) {
  const char *s = getenv("TALLY_RESOURCE_EVALS");
  long n = s ? strtol(s, NULL, 10) : 0;
  return n > 0 ? n : 1000000;
}

static const char *const exprs[] = {
  /* arithmetic, strings, a regex, a comprehension, a map: the usual rule shapes */
  ("n % 7 == 3 || (s + '@example.com').matches('^[a-z]+@example[.]com$') && "
   "[1, 2, 3].map(i, i * n).exists(v, v > 100) && {'k': n}.k >= 0"),
  "string(n) + ':' + s == '' ? 0.5 : double(n) / 3.0",
  "[n, n + 1, n + 2].filter(x, x % 2 == 0).size() + size(string(n))",
};

/*
** clear: the documented loop of a service (forget the row, bind the next
** one); without it, only scalars may be rebound, since bound strings are
** copied into the context until it is cleared.
*/
static void cel_million(bool clear) {
  for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
    /* The full million for the first, a tenth for the others (time). */
    long total = clear && e == 0 ? eval_count() : eval_count() / 10;
    check_alloc c = {0};
    tally_allocator a = check_allocator(&c);
    tally_cel_env *env;
    tally_cel_context *ctx;
    tally_cel_program *prog = NULL;
    tally_error err;
    CHECK_INT(tally_cel_env_new(&a, &env), TALLY_OK);
    CHECK_INT(tally_cel_env_declare(env, "n", 1, &err), TALLY_OK);
    CHECK_INT(tally_cel_env_declare(env, "s", 1, &err), TALLY_OK);
    tally_status st = tally_cel_compile(env, exprs[e], strlen(exprs[e]), &prog, &err);
    CHECK_INT(st, TALLY_OK);
    if (st) {
      fprintf(stderr, "compile: %s\n", err.message);
      tally_cel_env_free(env);
      continue;
    }
    CHECK_INT(tally_cel_context_new(&a, &ctx), TALLY_OK);
    static const char *const names[] = {"ann", "bob", "carol", "dave", "eve"};
    size_t warm_bytes = 0, warm_blocks = 0;
    long failures = 0, grew_at = -1;
    for (long i = 0; i < total; i++) {
      const char *nm = names[i % 5];
      const tally_cel_value *v;
      if (clear) tally_cel_context_clear(ctx);
      if (tally_cel_context_bind_int(ctx, "n", 1, i, &err) ||
          ((clear || i == 0) && tally_cel_context_bind_string(ctx, "s", 1, nm, strlen(nm), &err)) ||
          tally_cel_eval(prog, ctx, &v, &err))
        failures++;
      if (i == 999) {
        warm_bytes = c.live_bytes;
        warm_blocks = c.live_blocks;
      } else if (i > 999 && grew_at < 0 && (c.live_bytes > warm_bytes || c.live_blocks > warm_blocks)) {
        grew_at = i;
      }
    }
    CHECK_INT(failures, 0);
    if (grew_at >= 0) fprintf(stderr, "expr %zu: memory grew at evaluation %ld\n", e, grew_at);
    CHECK_INT(grew_at, -1);
    CHECK(c.live_bytes <= warm_bytes && c.live_blocks <= warm_blocks);
    tally_cel_context_free(ctx);
    tally_cel_program_free(prog);
    tally_cel_env_free(env);
    CHECK_INT(c.live_bytes, 0);
    CHECK_INT(c.live_blocks, 0);
  }
}

/* Bound strings are copied into the context: rebinding must reuse, or clear must free. */
static void test_cel_million(void) {
  cel_million(true);
  cel_million(false);
}

static void test_rebind_and_clear(void) {
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  tally_cel_context *ctx;
  tally_error err;
  CHECK_INT(tally_cel_context_new(&a, &ctx), TALLY_OK);
  size_t warm = 0;
  long failures = 0;
  for (long i = 0; i < 100000; i++) {
    char json[64];
    int n = snprintf(json, sizeof json, "{\"x\": [%ld, \"v%ld\"], \"y\": {\"k\": true}}", i, i);
    tally_cel_context_clear(ctx);
    if (tally_cel_context_bind_json(ctx, json, (size_t)n, false, &err) != TALLY_OK) failures++;
    if (i == 99) warm = c.live_bytes;
    if (i > 99 && c.live_bytes > warm) {
      CHECK_INT(c.live_bytes, warm);
      break;
    }
  }
  CHECK_INT(failures, 0);
  tally_cel_context_free(ctx);
  CHECK_INT(c.live_bytes, 0);
}

static void test_rules_stream(void) {
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  const char *rs =
    "{\"defaultAction\": \"allow\", \"rules\": {"
    "\"a\": {\"enabled\": true, \"priority\": 3, \"condition\": \"email.endsWith('@tempmail.com')\", "
    "\"action\": {\"type\": \"reject\"}},"
    "\"b\": {\"enabled\": true, \"priority\": 2, \"condition\": \"emailDomain in ['x.org', 'y.org'] || "
    "countryCode == 'KP'\", \"action\": {\"type\": \"restrict\"}},"
    "\"c\": {\"enabled\": true, \"priority\": 1, \"condition\": \"email.matches('^[0-9]+@')\", "
    "\"action\": {\"type\": \"log\"}}}}";
  tally_rules *rules = NULL;
  tally_rules_scratch *sc = NULL;
  tally_error err;
  CHECK_INT(tally_rules_load(&a, rs, strlen(rs), &rules, &err), TALLY_OK);
  CHECK_INT(tally_rules_scratch_new(&a, &sc), TALLY_OK);
  if (!rules || !sc) return;
  long total = eval_count() / 4;
  size_t warm = 0;
  long grew_at = -1, failures = 0;
  for (long i = 0; i < total; i++) {
    char email[64];
    static const char *const domains[] = {"tempmail.com", "x.org", "example.com", "q.io"};
    int n = snprintf(email, sizeof email, " %ld@%s ", i, domains[i % 4]);
    tally_signup su;
    memset(&su, 0, sizeof su);
    su.email.ptr = email;
    su.email.len = (size_t)n;
    su.country_code.ptr = i % 3 ? "de" : "kp";
    su.country_code.len = 2;
    su.bot = i % 101;
    tally_rules_result r;
    if (tally_rules_eval(rules, sc, &su, &r, &err)) failures++;
    if (i == 999) warm = c.live_bytes;
    else if (i > 999 && grew_at < 0 && c.live_bytes > warm) grew_at = i;
  }
  CHECK_INT(failures, 0);
  CHECK_INT(grew_at, -1);
  tally_rules_scratch_free(sc);
  tally_rules_free(rules);
  CHECK_INT(c.live_bytes, 0);
}

int main(void) {
  RUN(test_cel_million);
  RUN(test_rebind_and_clear);
  RUN(test_rules_stream);
  return check_report("test_resources");
}
