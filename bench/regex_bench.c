/*
** regex_bench.c - shows that the regex engine's time is linear in the
** input on the classic backtracking killers:
**   (a?){n}a{n} against a^n, n up to 1000 (time ~ program x input = n^2,
**     where a backtracker needs 2^n);
**   (x+x+)+y against x^N and (a|aa)*c against a^N, N from 1 KB to 1 MB
**     (no match; time grows linearly, ns/byte stays flat).
** Each case runs with a DFA cache (the normal path: the first search,
** which builds the states, and the average of repeated ones) and without
** (the NFA alone). CPU time, so the figures hold on a busy machine. Prints a table, or with --json one JSON object per case, which
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

static void run(const char *name, const char *pattern, char fill, size_t n, size_t bytes) {
  tally_regex *re;
  tally_error err;
  if (tally_regex_compile(&A, pattern, strlen(pattern), 0, &re, &err) != TALLY_OK) {
    fprintf(stderr, "%s: %s\n", pattern, err.message);
    exit(1);
  }
  char *s = malloc(bytes + 1);
  memset(s, fill, bytes);
  s[bytes] = 0;
  tally_regex_cache *cache;
  tally_regex_cache_new(&A, 0, &cache);
  bool m1, m2;
  /* The first search builds the DFA states; later ones mostly reuse them. */
  double t0 = now_ns();
  tally_regex_search(re, cache, s, bytes, &m1);
  double cold = now_ns() - t0;
  double dfa = time_search(re, cache, s, bytes, &m1);
  double nfa = time_search(re, NULL, s, bytes, &m2);
  if (m1 != m2) {
    fprintf(stderr, "%s: DFA and NFA disagree\n", pattern);
    exit(1);
  }
  if (json) {
    printf("{\"case\":\"%s\",\"pattern\":\"%s\",\"fill\":\"%c\",\"n\":%zu,\"bytes\":%zu,\"match\":%s,"
           "\"ns\":%.0f,\"ns_first\":%.0f,\"ns_nfa\":%.0f}\n",
           name, pattern, fill, n, bytes, m1 ? "true" : "false", dfa, cold, nfa);
  } else {
    printf("%-22.22s %8zu B %-5s  DFA %11.0f ns (%8.2f ns/B)  first %11.0f ns  NFA only %11.0f ns (%8.2f ns/B)\n",
           pattern, bytes, m1 ? "match" : "no", dfa, dfa / (double)bytes, cold, nfa, nfa / (double)bytes);
  }
  fflush(stdout);
  free(s);
  tally_regex_cache_free(cache);
  tally_regex_free(re);
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
  return 0;
}
