/*
** test_cel_fastpaths.c - the evaluator's shortcuts must answer exactly as
** the generic paths do: `in` over a constant list of strings (hashed at
** compile time), int comparisons and string equality answered without the
** generic dispatch, and a result kept in the context (an evaluation that
** allocates nothing must not grow the context's arenas).
*/
#include "check_cel.h"

static check_alloc counter;
static tally_allocator alloc;
static tally_cel_env *env;
static tally_cel_context *ctx;
static tally_error err;
static char got[4096];

/* "value json" or "ERR kind message" */
static const char *eval(const char *src) { return check_cel_eval(env, ctx, src, 0, &err, got, sizeof got); }

#define T "{\"type\":\"bool\",\"value\":true}"
#define F "{\"type\":\"bool\",\"value\":false}"

static void test_in_set(void) {
  CHECK_STR(eval("s in ['x', 'abc', 'y', 'z']"), T);
  CHECK_STR(eval("s in ['x', 'ab', 'y', 'z']"), F);
  CHECK_STR(eval("s in ['abc', 'abc', 'abc']"), T);           /* duplicates */
  CHECK_STR(eval("e in ['x', '', 'y']"), T);                   /* empty string */
  CHECK_STR(eval("e in ['x', 'a', 'y']"), F);
  CHECK_STR(eval("'\\u00e9t\\u00e9' in ['a', '\\u00e9t\\u00e9', 'b']"), T);
  CHECK_STR(eval("u in ['a', '\\u00e9t\\u00e9', 'b']"), T);
  /* other kinds never equal a string: the generic scan says false */
  CHECK_STR(eval("i in ['1', '2', '3']"), F);
  CHECK_STR(eval("b'abc' in ['abc', 'x', 'y']"), F);
  CHECK_STR(eval("null in ['a', 'b', 'c']"), F);
  /* heterogeneous lists keep the generic scan */
  CHECK_STR(eval("i in ['a', 1.0, 'c']"), T);
  CHECK_STR(eval("s in ['a', 1, 'abc']"), T);
  /* errors on the left propagate */
  CHECK(strncmp(eval("nope in ['a', 'b', 'c']"), "ERR eval", 8) == 0);
  CHECK(strncmp(eval("m.x in ['a', 'b', 'c']"), "ERR eval", 8) == 0);
  /* many strings */
  char big[8192];
  size_t n = (size_t)snprintf(big, sizeof big, "s in [");
  for (int k = 0; k < 300; k++) n += (size_t)snprintf(big + n, sizeof big - n, "%s'w%d'", k ? ", " : "", k);
  snprintf(big + n, sizeof big - n, ", 'abc']");
  CHECK_STR(eval(big), T);
  big[0] = 'e';
  CHECK_STR(eval(big), F);
}

static void test_fast_calls(void) {
  CHECK_STR(eval("i == 1"), T);
  CHECK_STR(eval("i != 1"), F);
  CHECK_STR(eval("i < 2 && i <= 1 && i > 0 && i >= 1"), T);
  CHECK_STR(eval("i > 1 || i < 1 || i >= 2 || i <= 0"), F);
  CHECK_STR(eval("i == 1.0 && i < 1.5 && i == 1u"), T);        /* mixed kinds: generic */
  CHECK_STR(eval("s == 'abc' && s != 'abd' && e == '' && s != ''"), T);
  CHECK_STR(eval("s == b'abc'"), F);
  CHECK_STR(eval("s < 'abd' && 'b' > s"), T);
  CHECK_STR(eval("s + 'd' == 'abcd'"), T);
  CHECK_STR(eval("s.startsWith('') && s.startsWith('ab') && s.startsWith('abc') && !s.startsWith('abcd')"), T);
  CHECK_STR(eval("s.endsWith('') && s.endsWith('bc') && s.endsWith('abc') && !s.endsWith('xabc')"), T);
  CHECK_STR(eval("!s.startsWith('b') && !s.endsWith('b') && e.startsWith('') && e.endsWith('') && !e.endsWith('a')"), T);
  CHECK_STR(eval("s.contains('') && s.contains('a') && s.contains('bc') && s.contains('abc') && e.contains('')"), T);
  CHECK_STR(eval("s.contains('abcd') || s.contains('cb') || s.contains('ca') || e.contains('a') || s.contains('cc')"), F);
  CHECK_STR(eval("u.contains('t\u00e9') && u.startsWith('\u00e9') && u.endsWith('\u00e9')"), T);
  CHECK(strncmp(eval("s.startsWith(1)"), "ERR eval", 8) == 0);
  CHECK(strncmp(eval("b'abc'.contains('a')"), "ERR", 3) == 0);
  CHECK(strncmp(eval("s < 1"), "ERR eval", 8) == 0);
  CHECK(strncmp(eval("nope == 1"), "ERR eval", 8) == 0);
}

/* The cost of the shortcuts is that of the generic path: a budget just big enough still passes. */
static void test_cost(void) {
  tally_cel_limits lim;
  memset(&lim, 0, sizeof lim);
  const char *src = "s == 'abc' && i < 2 && s in ['x', 'y', 'abc']";
  for (uint64_t budget = 1; budget < 40; budget++) {
    lim.max_cost = budget;
    tally_cel_env_set_limits(env, &lim);
    const char *r = eval(src);
    if (strcmp(r, T) == 0) {
      CHECK(budget > 5);
      break;
    }
    CHECK(strncmp(r, "ERR limit", 9) == 0);
  }
  lim.max_cost = 0;
  tally_cel_env_set_limits(env, &lim);
}

/* size() of strings counts code points a word at a time: every length and position of a multi-byte one. */
static void test_string_size(void) {
  const char *pieces[] = {"a", "\\u00e9", "\\u20ac", "\\U0001F600"};
  for (int len = 0; len < 40; len++) {
    for (int p = 0; p < 4; p++) {
      for (int at = 0; at <= len; at += 3) {
        char src[1024], want[64];
        size_t n = (size_t)snprintf(src, sizeof src, "size('");
        for (int i = 0; i < len; i++) n += (size_t)snprintf(src + n, sizeof src - n, "%s", i == at ? pieces[p] : "x");
        snprintf(src + n, sizeof src - n, "') == %d", len);
        snprintf(want, sizeof want, "%s", T);
        CHECK_STR(eval(src), want);
      }
    }
  }
  CHECK_STR(eval("size('\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9') == 9"), T);
  CHECK_STR(eval("!(s in ['x', 'abc'])"), F);
  CHECK_STR(eval("!(s in ['x', 'ab'])"), T);
  CHECK(strncmp(eval("!i"), "ERR eval no matching overload", 29) == 0);
}

/* contains() skips eight positions at a time: answers agree with a plain search. */
static bool naive_contains(const char *h, const char *n) {
  size_t hl = strlen(h), nl = strlen(n);
  for (size_t i = 0; i + nl <= hl; i++)
    if (memcmp(h + i, n, nl) == 0) return true;
  return nl == 0;
}

static void test_contains(void) {
  static const char *const alphabet[] = {"a", "b", "\xc3\xa9"}; /* é: bytes of 0x80 and up too */
  unsigned seed = 12345;
  for (int round = 0; round < 3000; round++) {
    char hay[128] = "", needle[32] = "", src[512];
    seed = seed * 1103515245u + 12345u;
    int hl = (int)(seed >> 16) % 40, nl = (int)(seed >> 8) % 5;
    for (int i = 0; i < hl; i++) {
      seed = seed * 1103515245u + 12345u;
      strcat(hay, alphabet[(seed >> 16) % ((seed >> 4) % 7 ? 2u : 3u)]);
    }
    for (int i = 0; i < nl; i++) {
      seed = seed * 1103515245u + 12345u;
      strcat(needle, alphabet[(seed >> 16) % ((seed >> 4) % 7 ? 2u : 3u)]);
    }
    snprintf(src, sizeof src, "'%s'.contains('%s')", hay, needle);
    CHECK_STR(eval(src), naive_contains(hay, needle) ? T : F);
  }
  CHECK_STR(eval("'xxxxxxxxxxxxxxxxxxxxxxxxabc'.contains('abc')"), T);
  CHECK_STR(eval("'xxxxxxxxxxxxxxxxxxxxxxxxab'.contains('abc')"), F);
  CHECK_STR(eval("'abcxxxxxxxxxxxxxxxxxxxxxxxxxx'.contains('abc')"), T);
}

/*
** startsWith, endsWith and == compare short strings as overlapping words:
** every length across the 4-, 8- and 16-byte steps, equal or differing in
** one byte at any position, agrees with a byte-by-byte comparison.
*/
static void test_prefix_suffix_eq(void) {
  for (int len = 0; len <= 40; len++) {
    for (int diff = -1; diff < len; diff++) {
      char a[64], b[64], src[512];
      for (int i = 0; i < len; i++) a[i] = b[i] = (char)('a' + (i * 7 + len) % 26);
      if (diff >= 0) b[diff] = b[diff] == 'z' ? 'y' : 'z';
      a[len] = b[len] = 0;
      bool same = diff < 0;
      snprintf(src, sizeof src, "'x%s'.endsWith('%s') == %s && '%sx'.startsWith('%s') == %s && ('%s' == '%s') == %s",
               a, b, same ? "true" : "false", a, b, same ? "true" : "false", a, b, same ? "true" : "false");
      CHECK_STR(eval(src), T);
    }
  }
}

/* Evaluations that allocate nothing leave the context as small as it was. */
static void test_small_context(void) {
  tally_cel_program *prog;
  const char *src = "s in ['x', 'y', 'abc'] && i > 0";
  CHECK_INT(tally_cel_compile(env, src, strlen(src), &prog, &err), TALLY_OK);
  const tally_cel_value *v;
  CHECK_INT(tally_cel_eval(prog, ctx, &v, &err), TALLY_OK);
  size_t before = counter.live_bytes, calls = counter.calls;
  for (int k = 0; k < 100; k++) {
    CHECK_INT(tally_cel_eval(prog, ctx, &v, &err), TALLY_OK);
    CHECK(tally_cel_value_get_bool(v));
  }
  CHECK(counter.live_bytes == before);
  CHECK(counter.calls == calls);
  tally_cel_program_free(prog);
}

int main(void) {
  alloc = check_allocator(&counter);
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  CHECK_INT(tally_cel_context_new(&alloc, &ctx), TALLY_OK);
  tally_cel_env_set_dynamic(env, true);
  const char *vars = "{\"s\": \"abc\", \"e\": \"\", \"i\": 1, \"u\": \"\\u00e9t\\u00e9\", \"m\": {}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, vars, strlen(vars), false, &err), TALLY_OK);
  tally_cel_program *probe;
  if (tally_cel_compile(env, "1", 1, &probe, &err) == TALLY_OK) {
    tally_cel_program_free(probe);
    RUN(test_in_set);
    RUN(test_fast_calls);
    RUN(test_cost);
    RUN(test_string_size);
    RUN(test_contains);
    RUN(test_prefix_suffix_eq);
    RUN(test_small_context);
  } else {
    printf("test_cel_fastpaths: parser not built in, skipped (%s)\n", err.message);
  }
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_cel_fastpaths");
}
