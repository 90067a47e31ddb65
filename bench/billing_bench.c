/*
** billing_bench.c - usage rows per second for one statement through the C
** API: binary rows with keys switched off (the target path), columns, and
** binary rows with a unique key each. Rows are unsorted, spread over a
** 30-day period with daily refresh windows and 1,000 users, fed in batches.
**
** Environment: BENCH_ROWS (default 10,000,000), BENCH_REPEAT (default 3,
** the best run is reported), BENCH_BATCH (default 65,536),
** BENCH_FILTER (substring of the case names: "plain", "columns", "keys").
*/
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tally/billing.h"

#define DAY 86400000LL

static void *bench_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  size_t *calls = ud;
  (void)osize;
  if (nsize == 0) { free(ptr); return NULL; }
  (*calls)++;
  return realloc(ptr, nsize);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t env_size(const char *name, size_t def) {
  const char *v = getenv(name);
  return v && *v ? (size_t)strtoull(v, NULL, 10) : def;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

typedef enum { CASE_PLAIN, CASE_COLUMNS, CASE_KEYS } bench_case;
static const char *case_names[] = {"plain", "columns", "keys"};

static size_t n_rows, batch;
static tally_billing_row *rows;
static int64_t *col_t, *col_cost;
static uint32_t *col_user;
static char *key_bytes;

static double run(bench_case c, size_t *calls, char *raw) {
  tally_allocator alloc = {bench_alloc, calls};
  tally_billing_request req;
  tally_billing_request_init(&req);
  req.entity = "org:bench";
  req.entity_len = 9;
  req.period_start = 0;
  req.period_end = 30 * DAY;
  req.now = 30 * DAY;
  req.plan.included = tally_decimal_from_int(30);
  req.plan.has_refresh = true;
  req.plan.refresh_per_seat = tally_decimal_from_int(1);
  req.keys = c == CASE_KEYS;
  tally_billing *b;
  tally_error err;
  if (tally_billing_new(&alloc, &req, &b, &err)) { fprintf(stderr, "new: %s\n", err.message); exit(1); }
  uint32_t uid;
  for (int u = 0; u < 1000; u++) {
    char name[16];
    int len = snprintf(name, sizeof name, "user-%d", u);
    tally_billing_user_id(b, name, (size_t)len, &uid, &err);
  }
  double t0 = now_s();
  for (size_t i = 0; i < n_rows; i += batch) {
    size_t n = n_rows - i < batch ? n_rows - i : batch;
    tally_status s = c == CASE_COLUMNS ? tally_billing_add_columns(b, col_t + i, col_cost + i, col_user + i, n, &err)
                                       : tally_billing_add_rows(b, rows + i, n, NULL, NULL, &err);
    if (s) { fprintf(stderr, "add: %s\n", err.message); exit(1); }
  }
  tally_billing_statement st;
  if (tally_billing_compute(b, &st, &err)) { fprintf(stderr, "compute: %s\n", err.message); exit(1); }
  double dt = now_s() - t0;
  tally_decimal_format(st.raw, raw);
  tally_billing_free(b);
  return dt;
}

int main(void) {
  n_rows = env_size("BENCH_ROWS", 10000000);
  batch = env_size("BENCH_BATCH", 65536);
  size_t repeat = env_size("BENCH_REPEAT", 3);
  const char *filter = getenv("BENCH_FILTER");
  if (!batch) batch = 65536;
  rows = malloc(n_rows * sizeof *rows);
  col_t = malloc(n_rows * sizeof *col_t);
  col_cost = malloc(n_rows * sizeof *col_cost);
  col_user = malloc(n_rows * sizeof *col_user);
  key_bytes = malloc(n_rows * 16);
  if (!rows || !col_t || !col_cost || !col_user || !key_bytes) { fprintf(stderr, "out of memory\n"); return 1; }
  for (size_t i = 0; i < n_rows; i++) {
    int64_t t = (int64_t)(next() % (uint64_t)(30 * DAY));
    int64_t cost = (int64_t)(next() % 10000000);   /* up to 0.01 */
    uint32_t user = (uint32_t)(next() % 1000);
    char *k = key_bytes + i * 16;
    int len = snprintf(k, 16, "evt-%zu", i);
    rows[i] = (tally_billing_row){t, cost, user, (uint32_t)len, k};
    col_t[i] = t;
    col_cost[i] = cost;
    col_user[i] = user;
  }
  printf("billing bench: %zu unsorted rows, 30 daily windows, 1000 users, batches of %zu\n", n_rows, batch);
  for (int c = 0; c < 3; c++) {
    if (filter && *filter && !strstr(case_names[c], filter)) continue;
    double best = 0;
    size_t calls = 0;
    char raw[TALLY_DECIMAL_TEXT_MAX] = "";
    for (size_t r = 0; r < repeat; r++) {
      calls = 0;
      double dt = run((bench_case)c, &calls, raw);
      if (r == 0 || dt < best) best = dt;
    }
    printf("  %-8s %8.1f M rows/s  (%.3f s, %.2f ns/row, %zu allocator calls, raw %s)\n", case_names[c],
           (double)n_rows / best / 1e6, best, best * 1e9 / (double)n_rows, calls, raw);
  }
  free(rows);
  free(col_t);
  free(col_cost);
  free(col_user);
  free(key_bytes);
  return 0;
}
