/*
** rules_bench.c - sign-up rules natively: single-sign-up latency and batch
** throughput (sign-ups x rules per second) of a rule set over generated
** sign-ups. Prints one JSON line.
**
** usage: rules_bench RULES.json SIGNUPS.jsonl [repetitions=5]
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tally/rules.h"
#include "rules/rules_json.h"
#include "util/json.h"
#include "util/mem.h"

static void *xalloc(void *ud, void *p, size_t o, size_t n) {
  (void)ud;
  (void)o;
  if (!n) { free(p); return NULL; }
  return realloc(p, n);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
  b[n] = 0;
  *len = (size_t)n;
  return b;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rules_bench RULES.json SIGNUPS.jsonl [repetitions]\n");
    return 2;
  }
  int reps = argc > 3 ? atoi(argv[3]) : 5;
  if (reps < 1) reps = 1;
  tally_allocator a = {xalloc, NULL};
  size_t rlen, slen;
  char *rules_json = slurp(argv[1], &rlen);
  char *text = slurp(argv[2], &slen);
  tally_error err;
  tally_rules *rs;
  double t0 = now_s();
  if (tally_rules_load(&a, rules_json, rlen, &rs, &err) != TALLY_OK) {
    fprintf(stderr, "rules: %s\n", err.message);
    return 1;
  }
  double load_s = now_s() - t0;

  /* Parse the sign-ups once; their strings stay in the arena. */
  t_arena ar;
  t_arena_init(&ar, &a, 1 << 20);
  size_t cap = 1024, n = 0;
  tally_signup *su = malloc(cap * sizeof *su);
  for (char *p = text; p < text + slen;) {
    char *e = memchr(p, '\n', (size_t)(text + slen - p));
    if (!e) e = text + slen;
    if (e > p) {
      t_json *v;
      if (t_json_parse(&ar, p, (size_t)(e - p), NULL, &v, &err) == TALLY_OK &&
          t_rules_signup_from_json(v, &su[n], &err) == TALLY_OK) {
        if (++n == cap) su = realloc(su, (cap *= 2) * sizeof *su);
      }
    }
    p = e + 1;
  }

  tally_rules_scratch *s;
  tally_rules_scratch_new(&a, &s);
  size_t nrules = tally_rules_count(rs);

  /* Single sign-ups: derive the context and walk the rules, one call each. */
  double *single = malloc((size_t)reps * sizeof *single);
  uint64_t rejected = 0;
  for (int r = 0; r < reps; r++) {
    tally_rules_result res;
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
      tally_rules_eval(rs, s, &su[i], &res, &err);
      rejected += res.decision == TALLY_DECISION_REJECT;
    }
    single[r] = (now_s() - t0) / (double)n;
  }
  qsort(single, (size_t)reps, sizeof *single, cmp_double);

  /* Batch: contexts derived once, the preview's workload. */
  tally_signup_batch *b;
  tally_signup_batch_new(&a, &b);
  for (size_t i = 0; i < n; i++) tally_signup_batch_add(b, &su[i], &err);
  tally_rules_row *rows = malloc(n * sizeof *rows);
  double *batch = malloc((size_t)reps * sizeof *batch);
  tally_rules_summary sum;
  for (int r = 0; r < reps; r++) {
    t0 = now_s();
    tally_rules_eval_batch(rs, s, b, rows, &sum, &err);
    batch[r] = now_s() - t0;
  }
  qsort(batch, (size_t)reps, sizeof *batch, cmp_double);
  double med_single = single[reps / 2], med_batch = batch[reps / 2];
  printf("{\"bench\":\"rules\",\"host\":\"native\",\"signups\":%zu,\"rules\":%zu,\"load_ms\":%.3f,"
         "\"single_ns_per_signup\":%.1f,\"batch_ms\":%.3f,\"signup_rules_per_s\":%.0f,\"rejected\":%llu}\n",
         n, nrules, load_s * 1e3, med_single * 1e9, med_batch * 1e3, (double)n * (double)nrules / med_batch,
         (unsigned long long)(rejected / (uint64_t)reps));
  tally_signup_batch_free(b);
  tally_rules_scratch_free(s);
  tally_rules_free(rs);
  t_arena_free(&ar);
  free(su);
  free(rows);
  free(single);
  free(batch);
  free(text);
  free(rules_json);
  return 0;
}
