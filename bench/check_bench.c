/*
** check_bench.c - how long type checking a sign-up rule takes next to
** parsing it (issue: checking should cost about as much as parsing). Each
** expression of bench/exprs.json is parsed alone, then parsed and checked
** against the sign-up context, many times; prints one JSON line per
** expression and the ratio.
**
** usage: check_bench EXPRS.tsv   (name<TAB>expression per line, as
** bench/run.mjs writes it) or no argument for a built-in 10-clause rule.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tally/cel_check.h"
#include "cel/parser.h"
#include "util/mem.h"

static void *xalloc(void *ud, void *p, size_t o, size_t n) {
  (void)ud;
  (void)o;
  if (!n) { free(p); return NULL; }
  return realloc(p, n);
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char DEFAULT_RULE[] =
  "emailDomain in [\"mailinator.com\", \"tempmail.com\", \"yopmail.com\"] || email.contains(\"+spam\") || "
  "email.startsWith(\"test\") || riskScores.bot > 90 || riskScores.free_trial_abuse > 80 || "
  "(countryCode in [\"RU\", \"CN\"] && authMethod == \"password\") || oauthProvider == \"unknown\" || "
  "email.endsWith(\".ru\") || (riskScores.bot > 50 && riskScores.free_trial_abuse > 50) || ip == \"\"";

static void bench_one(const tally_allocator *a, const tally_cel_checker *chk, const char *name, const char *src) {
  size_t len = strlen(src);
  t_arena ar;
  t_arena_init(&ar, a, 1 << 16);
  tally_error err;
  int n = 20000;
  double best_parse = 1e9, best_check = 1e9;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
      t_cel_ast ast;
      t_arena_reset(&ar);
      if (t_cel_parse(&ar, src, len, NULL, &ast, &err) != TALLY_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        exit(1);
      }
    }
    double parse = (cpu_s() - t0) / n;
    t0 = cpu_s();
    for (int i = 0; i < n; i++) {
      tally_cel_check_result *res;
      if (tally_cel_check(chk, src, len, "bool", &res, &err) != TALLY_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        exit(1);
      }
      tally_cel_check_result_free(res);
    }
    double both = (cpu_s() - t0) / n;
    if (parse < best_parse) best_parse = parse;
    if (both < best_check) best_check = both;
  }
  double check = best_check - best_parse;
  printf("{\"bench\":\"check\",\"name\":\"%s\",\"bytes\":%zu,\"parse_us\":%.3f,\"parse_and_check_us\":%.3f,"
         "\"check_us\":%.3f,\"check_vs_parse\":%.2f}\n",
         name, len, best_parse * 1e6, best_check * 1e6, check * 1e6, check / best_parse);
  t_arena_free(&ar);
}

int main(int argc, char **argv) {
  tally_allocator a = {xalloc, NULL};
  tally_cel_checker *chk;
  tally_error err;
  tally_cel_checker_new(&a, &chk);
  static const char *const STRINGS[] = {"email", "emailDomain", "authMethod", "oauthProvider", "countryCode", "ip"};
  for (size_t i = 0; i < sizeof STRINGS / sizeof *STRINGS; i++) tally_cel_checker_declare(chk, STRINGS[i], "string", &err);
  static const tally_cel_field SCORES[] = {{"bot", "int"}, {"free_trial_abuse", "int"}};
  tally_cel_checker_declare_object(chk, "riskScores", "tally.RiskScores", SCORES, 2, &err);
  if (argc < 2) {
    bench_one(&a, chk, "ten_clauses", DEFAULT_RULE);
  } else {
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    char line[1 << 16];
    while (fgets(line, sizeof line, f)) {
      char *tab = strchr(line, '\t');
      if (!tab) continue;
      *tab = 0;
      char *src = tab + 1;
      src[strcspn(src, "\r\n")] = 0;
      bench_one(&a, chk, line, src);
    }
    fclose(f);
  }
  tally_cel_checker_free(chk);
  return 0;
}
