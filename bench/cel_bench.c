/*
** cel_bench.c - CEL compile time and evaluations per second, natively, on
** the sign-up expressions of bench/exprs.json over the generated contexts
** (bench/contexts.mjs writes both as TSV, so that no parsing is timed and
** the Go and Rust harnesses read the very same input).
**
** Two ways to evaluate, both reported:
**   eval       one context per row, bound before timing: the same setup as
**              the peers' harnesses (activations built ahead), so this is
**              the figure the ratios use;
**   bind+eval  one context for all rows, cleared and bound again per row:
**              what a service does for each sign-up.
** Contexts are made for the env (tally_cel_context_new_for_env), as a
** service that knows its variables would; BENCH_PLAIN_CONTEXT=1 uses
** tally_cel_context_new instead (names looked up at evaluation). The bytes
** each pre-bound context holds are reported too (context_bytes).
** Each: one warm-up pass, then BENCH_REPEAT passes (default 7), median,
** in process CPU time.
** Compile time: the median of BENCH_REPEAT batches of >= 20 ms.
**
** usage: build/bench/cel_bench exprs.tsv contexts.tsv [--json] [--only=eval|bind]
**   --json: one JSON object per expression instead of the table;
**   --only: one evaluation loop, no compile timing (for profiling).
*/
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tally/cel.h"

static size_t alloc_calls;
static size_t live_bytes; /* as the core counts them (it passes the old size back) */

static void *bench_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    if (ptr) live_bytes -= osize;
    free(ptr);
    return NULL;
  }
  alloc_calls++;
  void *p = realloc(ptr, nsize);
  if (p) live_bytes += nsize - (ptr ? osize : 0);
  return p;
}

static const tally_allocator A = {bench_alloc, NULL};

/*
** Process CPU time, not wall time: the machines this runs on are shared,
** and the peers' harnesses measure the same way.
*/
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *xs, int n) {
  qsort(xs, (size_t)n, sizeof *xs, cmp_double);
  return xs[n / 2];
}

static void die(const char *what, const tally_error *err) {
  fprintf(stderr, "cel_bench: %s: %s\n", what, err ? err->message : "");
  exit(1);
}

/* ** {====== Input */

enum { F_EMAIL, F_DOMAIN, F_AUTH, F_PROVIDER, F_COUNTRY, F_BOT, F_FTA, F_IP, NFIELDS };

typedef struct row {
  const char *f[NFIELDS];
  size_t len[NFIELDS];
} row;

static char *read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    perror(path);
    exit(1);
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n + 1 >= cap) buf = realloc(buf, cap *= 2);
    if (!buf) die("out of memory", NULL);
    size_t got = fread(buf + n, 1, cap - n - 1, fp);
    if (got == 0) break;
    n += got;
  }
  fclose(fp);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Splits text in place into lines of tab-separated fields (want of them). */
static size_t split_tsv(char *text, size_t len, int want, row **out) {
  size_t cap = 1024, n = 0;
  row *rows = malloc(cap * sizeof *rows);
  char *p = text, *end = text + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    if (nl > p) {
      if (n == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
      if (!rows) die("out of memory", NULL);
      row *r = &rows[n++];
      char *q = p;
      for (int i = 0; i < want; i++) {
        char *tab = i + 1 < want ? memchr(q, '\t', (size_t)(nl - q)) : NULL;
        char *fe = tab ? tab : nl;
        if (i + 1 < want && !tab) {
          fprintf(stderr, "cel_bench: line %zu: expected %d fields\n", n, want);
          exit(1);
        }
        r->f[i] = q;
        r->len[i] = (size_t)(fe - q);
        *fe = '\0';
        q = fe + 1;
      }
    }
    p = nl + 1;
  }
  *out = rows;
  return n;
}

/* }====== */

static const char *const VAR_NAMES[] = {"email", "emailDomain", "authMethod", "oauthProvider",
                                        "countryCode", "riskScores", "ip"};

/* Binds one row's variables; the map of scores is built in the context. */
static void bind_row(tally_cel_context *ctx, const row *r) {
  static const int str_fields[] = {F_EMAIL, F_DOMAIN, F_AUTH, F_PROVIDER, F_COUNTRY};
  tally_error err;
  for (int i = 0; i < 5; i++) {
    const char *name = VAR_NAMES[i];
    if (tally_cel_context_bind_string(ctx, name, strlen(name), r->f[str_fields[i]], r->len[str_fields[i]], &err))
      die("bind", &err);
  }
  if (tally_cel_context_bind_string(ctx, "ip", 2, r->f[F_IP], r->len[F_IP], &err)) die("bind", &err);
  tally_cel_value *m = tally_cel_value_map(ctx);
  const tally_cel_value *k1 = tally_cel_value_string(ctx, "bot", 3);
  const tally_cel_value *v1 = tally_cel_value_int(ctx, strtoll(r->f[F_BOT], NULL, 10));
  const tally_cel_value *k2 = tally_cel_value_string(ctx, "free_trial_abuse", 16);
  const tally_cel_value *v2 = tally_cel_value_int(ctx, strtoll(r->f[F_FTA], NULL, 10));
  if (!m || !k1 || !v1 || !k2 || !v2) die("out of memory", NULL);
  if (tally_cel_map_insert(ctx, m, k1, v1, &err) || tally_cel_map_insert(ctx, m, k2, v2, &err) ||
      tally_cel_context_bind(ctx, "riskScores", 10, m, &err))
    die("bind", &err);
}

#ifdef BENCH_NO_ENV_CONTEXT /* builds against a core without tally_cel_context_new_for_env */
static tally_status new_context(const tally_cel_env *env, int plain, tally_cel_context **out) {
  (void)env;
  (void)plain;
  return tally_cel_context_new(&A, out);
}
#else
static tally_status new_context(const tally_cel_env *env, int plain, tally_cel_context **out) {
  return plain ? tally_cel_context_new(&A, out) : tally_cel_context_new_for_env(env, out);
}
#endif

typedef struct tally_counts {
  size_t trues, errors;
  char first_error[sizeof(((tally_error *)0)->message)];
} tally_counts;

static void count(tally_status st, const tally_cel_value *v, const tally_error *err, tally_counts *c) {
  if (st == TALLY_OK && tally_cel_value_type(v) == TALLY_CEL_BOOL) {
    c->trues += tally_cel_value_get_bool(v);
    return;
  }
  if (c->errors++ == 0)
    snprintf(c->first_error, sizeof c->first_error, "%s", st ? err->message : "result is not a bool");
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  const char *exprs_path = NULL, *ctx_path = NULL;
  int json = 0, eval_only = 0, bind_only = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--only=eval") == 0) eval_only = 1;
    else if (strcmp(argv[i], "--only=bind") == 0) bind_only = 1;
    else if (!exprs_path) exprs_path = argv[i];
    else if (!ctx_path) ctx_path = argv[i];
  }
  if (!ctx_path) {
    fprintf(stderr, "usage: cel_bench exprs.tsv contexts.tsv [--json]\n");
    return 2;
  }
  int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 7;
  if (repeat < 1) repeat = 1;
  if (repeat > 100000) repeat = 100000;
  double *times = malloc((size_t)repeat * sizeof *times);
  if (!times) die("out of memory", NULL);

  size_t elen, clen;
  char *etext = read_file(exprs_path, &elen), *ctext = read_file(ctx_path, &clen);
  row *exprs, *rows;
  size_t nexpr = split_tsv(etext, elen, 2, &exprs);
  size_t nrows = split_tsv(ctext, clen, NFIELDS, &rows);

  tally_error err;
  tally_cel_env *env;
  if (tally_cel_env_new(&A, &env)) die("env", NULL);
  for (size_t i = 0; i < sizeof VAR_NAMES / sizeof *VAR_NAMES; i++)
    if (tally_cel_env_declare(env, VAR_NAMES[i], strlen(VAR_NAMES[i]), &err)) die("declare", &err);

  /* The activations, built before any timing (as the peers' are). */
  const char *plain_env = getenv("BENCH_PLAIN_CONTEXT");
  int plain = plain_env && *plain_env && strcmp(plain_env, "0") != 0;
  tally_cel_context **ctxs = malloc(nrows * sizeof *ctxs);
  if (!ctxs) die("out of memory", NULL);
  size_t live_before = live_bytes;
  for (size_t i = 0; i < nrows; i++) {
    if (new_context(env, plain, &ctxs[i])) die("out of memory", NULL);
    bind_row(ctxs[i], &rows[i]);
  }
  double context_bytes = nrows ? (double)(live_bytes - live_before) / (double)nrows : 0;
  tally_cel_context *one;
  if (new_context(env, plain, &one)) die("out of memory", NULL);

  if (!json)
    printf("tally CEL, native: %zu %scontexts of %.0f bytes, median of %d passes\n%-16s %12s %14s %14s %7s %6s\n", nrows,
           plain ? "plain " : "", context_bytes, repeat,
           "expression", "compile us", "eval/s", "bind+eval/s", "true", "errors");
  for (size_t e = 0; e < nexpr; e++) {
    const char *name = exprs[e].f[0], *src = exprs[e].f[1];
    size_t src_len = exprs[e].len[1];
    tally_cel_program *prog;
    if (tally_cel_compile(env, src, src_len, &prog, &err)) {
      if (json) {
        printf("{\"name\":");
        json_string(name);
        printf(",\"error\":");
        json_string(err.message);
        printf("}\n");
      } else {
        printf("%-16s compile error: %s\n", name, err.message);
      }
      continue;
    }

    for (int k = 0; k < (eval_only || bind_only ? 0 : repeat); k++) {
      size_t n = 0;
      double t0 = now_s(), t;
      do { /* in runs of 16, so that reading the clock costs little */
        for (int j = 0; j < 16; j++) {
          tally_cel_program *p2;
          if (tally_cel_compile(env, src, src_len, &p2, &err)) die("compile", &err);
          tally_cel_program_free(p2);
        }
        n += 16;
      } while ((t = now_s() - t0) < 0.02);
      times[k] = t / (double)n;
    }
    double compile_us = eval_only || bind_only ? 0 : median(times, repeat) * 1e6;

    tally_counts c = {0};
    double eval_rate = 0;
    for (int k = -1; k < (bind_only ? -1 : repeat); k++) {
      tally_counts pass = {0};
      double t0 = now_s();
      for (size_t i = 0; i < nrows; i++) {
        const tally_cel_value *v;
        tally_status st = tally_cel_eval(prog, ctxs[i], &v, &err);
        count(st, v, &err, &pass);
      }
      if (k >= 0) times[k] = now_s() - t0;
      else c = pass;
    }
    if (!bind_only) eval_rate = (double)nrows / median(times, repeat);

    tally_counts c2 = c;
    double bind_rate = 0;
    for (int k = -1; k < (eval_only ? -1 : repeat); k++) {
      tally_counts pass = {0};
      double t0 = now_s();
      for (size_t i = 0; i < nrows; i++) {
        const tally_cel_value *v;
        tally_cel_context_clear(one);
        bind_row(one, &rows[i]);
        tally_status st = tally_cel_eval(prog, one, &v, &err);
        count(st, v, &err, &pass);
      }
      if (k >= 0) times[k] = now_s() - t0;
      else c2 = pass;
    }
    if (!eval_only) bind_rate = (double)nrows / median(times, repeat);
    if (bind_only) c = c2;
    if (c2.trues != c.trues || c2.errors != c.errors) {
      fprintf(stderr, "cel_bench: %s: bind+eval disagrees with eval (%zu/%zu true)\n", name, c2.trues, c.trues);
      return 1;
    }

    if (json) {
      printf("{\"name\":");
      json_string(name);
      printf(",\"compile_us\":%.3f,\"eval_per_s\":%.0f,\"bind_eval_per_s\":%.0f,\"true\":%zu,\"errors\":%zu", compile_us,
             eval_rate, bind_rate, c.trues, c.errors);
      printf(",\"context_bytes\":%.0f", context_bytes);
      if (c.errors) {
        printf(",\"error\":");
        json_string(c.first_error);
      }
      printf("}\n");
    } else {
      printf("%-16s %12.2f %14.0f %14.0f %7zu %6zu%s%s\n", name, compile_us, eval_rate, bind_rate, c.trues, c.errors,
             c.errors ? "  first error: " : "", c.first_error);
    }
    tally_cel_program_free(prog);
    fflush(stdout);
  }

  for (size_t i = 0; i < nrows; i++) tally_cel_context_free(ctxs[i]);
  tally_cel_context_free(one);
  tally_cel_env_free(env);
  free(ctxs);
  free(times);
  free(exprs);
  free(rows);
  free(etext);
  free(ctext);
  return 0;
}
