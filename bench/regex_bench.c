/*
** regex_bench.c - shows that the regex engine's time is linear in the
** input on the classic backtracking killers:
**   (a?){n}a{n} against a^n, n up to 1000 (time ~ program x input = n^2,
**     where a backtracker needs 2^n);
**   (x+x+)+y against x^N and (a|aa)*c against a^N, N from 1 KB to 1 MB
**     (no match; time grows linearly, ns/byte stays flat).
** Each case runs the normal path (the eager DFA when the pattern's DFA is
** small, else the lazy DFA with a cache: the first search, which builds
** the lazy states, and the average of repeated ones), the lazy DFA with a
** cache, and the NFA alone. Last, the sign-up pattern of bench/exprs.json
** on short addresses with a fresh cache every few searches (what a new
** evaluation context pays), eager and lazy (table mode only). CPU time, so the figures hold on a busy machine. Prints a table, or with --json one JSON object per case, which
** bench/regex-vs-js.mjs compares with JavaScript's RegExp.
**
** usage: build/bench/regex_bench [--json] [--quick]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tally/regex.h"

static void *bench_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

/* Process CPU time: the figures stay meaningful on a busy machine. */
static double now_ns(void) {
  return (double)clock() * (1e9 / CLOCKS_PER_SEC);
}

static tally_allocator A = {bench_alloc, NULL};
static int json;

/* Runs one search repeatedly for at least ~40 ms; returns ns per search. */
static double time_search(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len, bool *matched) {
  int reps = 0;
  double start = now_ns(), t;
  do {
    if (tally_regex_search(re, cache, s, len, matched) != TALLY_OK) {
      fprintf(stderr, "search failed\n");
      exit(1);
    }
    reps++;
    t = now_ns() - start;
  } while (t < 40e6 && reps < 1000000);
  return t / reps;
}

static tally_regex *compile(const char *pattern, unsigned flags) {
  tally_regex *re;
  tally_error err;
  if (tally_regex_compile(&A, pattern, strlen(pattern), flags, &re, &err) != TALLY_OK) {
    fprintf(stderr, "%s: %s\n", pattern, err.message);
    exit(1);
  }
  return re;
}

static void run(const char *name, const char *pattern, char fill, size_t n, size_t bytes) {
  /* re: as compiled normally (its eager DFA when small); lazy: without one, for the cache and NFA columns */
  tally_regex *re = compile(pattern, 0), *lazy = compile(pattern, TALLY_REGEX_LAZY);
  bool eager = !tally_regex_uses_cache(re);
  char *s = malloc(bytes + 1);
  memset(s, fill, bytes);
  s[bytes] = 0;
  tally_regex_cache *cache;
  tally_regex_cache_new(&A, 0, &cache);
  bool m1, m2, m3;
  /* The first search builds the lazy DFA's states (none to build for an eager DFA); later ones mostly reuse them. */
  double t0 = now_ns();
  tally_regex_search(re, cache, s, bytes, &m1);
  double cold = now_ns() - t0;
  double dfa = time_search(re, cache, s, bytes, &m1);
  double ldfa = eager ? time_search(lazy, cache, s, bytes, &m3) : dfa;
  double nfa = time_search(lazy, NULL, s, bytes, &m2);
  if (m1 != m2 || (eager && m1 != m3)) {
    fprintf(stderr, "%s: DFA and NFA disagree\n", pattern);
    exit(1);
  }
  if (json) {
    printf("{\"case\":\"%s\",\"pattern\":\"%s\",\"fill\":\"%c\",\"n\":%zu,\"bytes\":%zu,\"match\":%s,"
           "\"eager\":%s,\"ns\":%.0f,\"ns_first\":%.0f,\"ns_lazy\":%.0f,\"ns_nfa\":%.0f}\n",
           name, pattern, fill, n, bytes, m1 ? "true" : "false", eager ? "true" : "false", dfa, cold, ldfa, nfa);
  } else {
    printf("%-22.22s %8zu B %-5s %-5s DFA %11.0f ns (%8.2f ns/B)  first %11.0f ns  lazy DFA %11.0f ns  NFA only %11.0f ns "
           "(%8.2f ns/B)\n",
           pattern, bytes, m1 ? "match" : "no", eager ? "eager" : "lazy", dfa, dfa / (double)bytes, cold, ldfa, nfa,
           nfa / (double)bytes);
  }
  fflush(stdout);
  free(s);
  tally_regex_cache_free(cache);
  tally_regex_free(re);
  tally_regex_free(lazy);
}

/* The sign-up pattern of bench/exprs.json over short e-mail addresses: per-search cost, fresh cache or none. */
static void run_signup(void) {
  static const char *const emails[] = {"zoe1241@gmail.com", "ravi@yahoo.com", "john.doe99@outlook.com",
                                       "x.y.z.12@hotmail.com", "mary77@gmail.co", "ab12@yahoo.com"};
  const char *pattern = "^[a-z.]+[0-9]{2,}@(gmail|yahoo|outlook)\\.com$";
  for (int lazy = 0; lazy < 2; lazy++) {
    tally_regex *re = compile(pattern, lazy ? TALLY_REGEX_LAZY : 0);
    int reps = 0, hits = 0;
    double start = now_ns(), t;
    do {
      /* a fresh cache per search: what a new evaluation context pays */
      tally_regex_cache *cache;
      tally_regex_cache_new(&A, 0, &cache);
      for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        bool m;
        tally_regex_search(re, cache, emails[i], strlen(emails[i]), &m);
        hits += m;
      }
      tally_regex_cache_free(cache);
      reps++;
      t = now_ns() - start;
    } while (t < 40e6);
    double per = t / (reps * (double)(sizeof emails / sizeof emails[0]));
    printf("sign-up pattern, %s DFA, fresh cache per 6 searches: %8.0f ns per search (%d matched)\n",
           lazy ? "lazy" : "eager", per, hits / reps);
    tally_regex_free(re);
  }
}

int main(int argc, char **argv) {
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--quick") == 0) quick = 1;
  }
  if (!json) printf("regex engine (Unicode %s): time per search, DFA with cache and NFA alone\n",
                    tally_regex_unicode_version());
  static const size_t ns[] = {10, 25, 50, 100, 250, 500, 1000};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    char pat[64];
    snprintf(pat, sizeof pat, "(a?){%zu}a{%zu}", ns[i], ns[i]);
    run("a?^n a^n", pat, 'a', ns[i], ns[i]);
  }
  static const size_t sizes[] = {1000, 10000, 100000, 1000000};
  size_t nsizes = quick ? 3 : 4;
  for (size_t i = 0; i < nsizes; i++) run("(x+x+)+y", "(x+x+)+y", 'x', sizes[i], sizes[i]);
  for (size_t i = 0; i < nsizes; i++) run("(a|aa)*c", "(a|aa)*c", 'a', sizes[i], sizes[i]);
  /* Not in --json: bench/regex-vs-js.mjs reads every line as a case of the table above. */
  if (!json) run_signup();
  return 0;
}
