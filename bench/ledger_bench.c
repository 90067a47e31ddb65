/*
** ledger_bench.c - ledger throughput and incremental-insert cost.
**
**   structs   balances at T of BENCH_ENTRIES entries (default 10,000,000)
**             over BENCH_CUSTOMERS customers (100,000) through
**             tally_ledger_balances_compute: entries as structs, in time
**             order (as a host replays them from a database)
**   unsorted  the same entries with shuffled times (every group is sorted)
**   json      BENCH_JSON_ENTRIES (1,000,000) JSON lines through the CLI core
**             (`ledger balance`, in-process, no I/O)
**   insert    BENCH_INSERT_ENTRIES (1,000,000) entries over
**             BENCH_INSERT_CUSTOMERS (10,000) customers held in one
**             tally_ledger each; one entry inserted near the start of one
**             customer's history (a permanent change, and one absorbed by
**             expiry), against recomputing the whole dataset
**
** Entries: BENCH_GRANT_PCT (default 20) percent grants of 100..499, half
** of them expiring within a day, the rest removals of 1..40 (usage is
** most of a ledger); times in ms, one entry per ms overall.
** BENCH_REPEAT (default 3): the best run is reported. BENCH_FILTER: a
** substring of the case names. Prints a table, then one JSON line.
*/
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "tally/ledger.h"
#include "tally/cli.h"
#include "ledger/ledger_internal.h"   /* t_ledger_replayed */

/*
** The host allocator: malloc, except that blocks of 4 MB and more are
** asked for transparent huge pages (BENCH_HUGEPAGES=0 turns that off), as
** a server host would: a call over 10 million entries allocates a few
** hundred MB of scratch, and faulting that in 4 KB pages is otherwise a
** large share of the time.
*/
static size_t alloc_calls;
static bool hugepages = true;
#define BIG_BLOCK ((size_t)4 << 20)

static void *bench_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  bool was_big = hugepages && ptr && osize >= BIG_BLOCK;
  if (nsize == 0) {
    if (was_big) munmap(ptr, osize);
    else free(ptr);
    return NULL;
  }
  alloc_calls++;
  if (!hugepages || (nsize < BIG_BLOCK && !was_big)) return realloc(ptr, nsize);
  void *p;
  if (nsize >= BIG_BLOCK) {
    p = mmap(NULL, nsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    madvise(p, nsize, MADV_HUGEPAGE);
  } else {
    p = malloc(nsize);
    if (!p) return NULL;
  }
  if (ptr) {
    memcpy(p, ptr, osize < nsize ? osize : nsize);
    if (was_big) munmap(ptr, osize);
    else free(ptr);
  }
  return p;
}
static const tally_allocator A = {bench_alloc, NULL};

/*
** CPU time of the process: the figures stay comparable on a shared, busy
** machine (the benchmark is single-threaded, so it equals wall time when
** the machine is idle).
*/
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t env_size(const char *name, size_t def) {
  const char *v = getenv(name);
  return v && *v ? (size_t)strtoull(v, NULL, 10) : def;
}

static bool wanted(const char *name) {
  const char *f = getenv("BENCH_FILTER");
  return !f || !*f || strstr(name, f) != NULL;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t grant_pct = 20;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

typedef struct names {
  char *bytes;
  size_t n, width;
} names;

static names make_names(size_t n) {
  names c;
  c.n = n;
  c.width = 16;
  c.bytes = malloc(n * c.width);
  for (size_t i = 0; i < n; i++) snprintf(c.bytes + i * c.width, c.width, "cus_%08u", (unsigned)(i % 100000000u));
  return c;
}

/* n entries over the customers; customer index i % customers gives each the same count when spread. */
static tally_ledger_entry *make_entries(size_t n, const names *c, bool spread) {
  tally_ledger_entry *e = calloc(n ? n : 1, sizeof *e);
  for (size_t i = 0; i < n; i++) {
    size_t k = spread ? i % c->n : (size_t)(next() % c->n);
    e[i].customer = c->bytes + k * c->width;
    e[i].customer_len = 12;
    e[i].item = "credits";
    e[i].item_len = 7;
    e[i].t = (int64_t)i;
    uint64_t r = next();
    if (r % 100 < grant_pct) {
      e[i].qty = tally_decimal_from_int((int64_t)(r >> 8) % 400 + 100);
      if ((r >> 4) % 2) {
        e[i].has_expiry = true;
        e[i].expires_at = e[i].t + (int64_t)((r >> 20) % 86400000) + 1;
      }
    } else {
      e[i].qty = tally_decimal_from_int(-((int64_t)(r >> 8) % 40 + 1));
    }
  }
  return e;
}

static double best_compute(const tally_ledger_entry *e, size_t n, int64_t at, size_t repeat, size_t *groups) {
  double best = 1e30;
  for (size_t r = 0; r < repeat; r++) {
    tally_ledger_balances b;
    tally_error err;
    double t0 = now_s();
    if (tally_ledger_balances_compute(&A, e, n, at, &b, &err)) {
      fprintf(stderr, "compute failed: %s\n", err.message);
      exit(1);
    }
    double dt = now_s() - t0;
    if (dt < best) best = dt;
    *groups = b.n_results;
    if (b.n_errors) fprintf(stderr, "unexpected errors: %zu\n", b.n_errors);
    tally_ledger_balances_free(&b);
  }
  return best;
}

static double json_case(size_t n, const names *c, size_t repeat, size_t *bytes_out) {
  tally_ledger_entry *e = make_entries(n, c, false);
  size_t cap = n * 120 + 1, len = 0;
  char *text = malloc(cap);
  for (size_t i = 0; i < n; i++) {
    char q[TALLY_DECIMAL_TEXT_MAX];
    tally_decimal_format(e[i].qty, q);
    len += (size_t)snprintf(text + len, cap - len, "{\"customer\":\"%s\",\"item\":\"credits\",\"t\":%lld,\"qty\":%s",
                            e[i].customer, (long long)e[i].t, q);
    if (e[i].has_expiry) len += (size_t)snprintf(text + len, cap - len, ",\"expiresAt\":%lld", (long long)e[i].expires_at);
    len += (size_t)snprintf(text + len, cap - len, "}\n");
  }
  *bytes_out = len;
  char at[32];
  snprintf(at, sizeof at, "%zu", n);
  const char *argv[] = {"ledger", "balance", "--at", at};
  double best = 1e30;
  for (size_t r = 0; r < repeat; r++) {
    tally_error err;
    double t0 = now_s();
    tally_cli *cli = tally_cli_new(&A);
    if (!cli || tally_cli_args(cli, 4, argv, &err) || tally_cli_start(cli, &err)) {
      fprintf(stderr, "cli failed\n");
      exit(1);
    }
    const size_t chunk = 1 << 20;
    for (size_t off = 0; off < len; off += chunk) {
      size_t k = len - off < chunk ? len - off : chunk;
      tally_cli_feed(cli, text + off, k, &err);
      tally_cli_output_clear(cli);
    }
    tally_cli_finish(cli, &err);
    size_t olen;
    tally_cli_output(cli, &olen);
    tally_cli_free(cli);
    double dt = now_s() - t0;
    if (dt < best) best = dt;
  }
  free(text);
  free(e);
  return best;
}

int main(void) {
  size_t n = env_size("BENCH_ENTRIES", 10000000), nc = env_size("BENCH_CUSTOMERS", 100000);
  size_t nj = env_size("BENCH_JSON_ENTRIES", 1000000);
  size_t ni = env_size("BENCH_INSERT_ENTRIES", 1000000), nic = env_size("BENCH_INSERT_CUSTOMERS", 10000);
  size_t repeat = env_size("BENCH_REPEAT", 3);
  grant_pct = env_size("BENCH_GRANT_PCT", 20);
  hugepages = env_size("BENCH_HUGEPAGES", 1) != 0;
  if (!repeat) repeat = 1;
  names c = make_names(nc);
  double structs_rate = 0, unsorted_rate = 0, json_rate = 0, json_mb = 0;
  double insert_us = 0, recompute_ms = 0, rebuild_ms = 0, speedup = 0, replayed_avg = 0;
  double absorbed_us = 0, absorbed_avg = 0;
  size_t groups = 0, calls = 0;

  printf("%-10s %14s %16s %s\n", "case", "entries", "entries/s", "notes");
  if (wanted("structs") || wanted("unsorted")) {
    tally_ledger_entry *e = make_entries(n, &c, false);
    if (wanted("structs")) {
      alloc_calls = 0;
      double dt = best_compute(e, n, (int64_t)n, repeat, &groups);
      calls = alloc_calls / repeat;
      structs_rate = (double)n / dt;
      printf("%-10s %14zu %16.0f %zu groups, %.3f s, %zu allocator calls per run\n", "structs", n, structs_rate, groups,
             dt, calls);
    }
    if (wanted("unsorted")) {
      for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next() % i);
        int64_t t = e[i - 1].t;
        e[i - 1].t = e[j].t;
        e[j].t = t;
        if (e[i - 1].has_expiry) e[i - 1].expires_at = e[i - 1].t + 1000;
        if (e[j].has_expiry) e[j].expires_at = e[j].t + 1000;
      }
      double dt = best_compute(e, n, (int64_t)n, repeat, &groups);
      unsorted_rate = (double)n / dt;
      printf("%-10s %14zu %16.0f %.3f s (times shuffled: every group sorted)\n", "unsorted", n, unsorted_rate, dt);
    }
    free(e);
  }
  if (wanted("json")) {
    size_t bytes;
    double dt = json_case(nj, &c, repeat, &bytes);
    json_rate = (double)nj / dt;
    json_mb = (double)bytes / dt / 1e6;
    printf("%-10s %14zu %16.0f %.3f s, %.1f MB/s of JSON Lines through `ledger balance`\n", "json", nj, json_rate, dt,
           json_mb);
  }
  if (wanted("insert")) {
    names ic = make_names(nic);
    tally_ledger_entry *e = make_entries(ni, &ic, true);
    size_t g;
    recompute_ms = best_compute(e, ni, (int64_t)ni, repeat, &g) * 1e3;
    /* the same dataset as one incremental ledger per customer */
    tally_ledger **ls = calloc(nic, sizeof *ls);
    tally_error err;
    double t0 = now_s();
    for (size_t k = 0; k < nic; k++) tally_ledger_new(&A, &ls[k], &err);
    for (size_t i = 0; i < ni; i++) tally_ledger_add(ls[i % nic], &e[i], NULL, &err);
    rebuild_ms = (now_s() - t0) * 1e3;
    /*
    ** Two kinds of insert just after a customer's third entry: a permanent
    ** +-7, which changes everything after it (the replay runs to the end
    ** of that customer), and a grant that expires unused before the
    ** customer's next entry (the replay stops at the next checkpoint).
    */
    size_t reps = 2000;
    for (int kind = 0; kind < 2; kind++) {
      size_t replayed = 0;
      double total = 0;
      for (size_t r = 0; r < reps; r++) {
        size_t k = (size_t)(next() % nic);
        tally_ledger_entry x;
        memset(&x, 0, sizeof x);
        x.t = (int64_t)k + (int64_t)nic * 2 + 1;
        if (kind == 0) x.qty = tally_decimal_from_int(r % 2 ? 7 : -7);
        else {
          x.qty = tally_decimal_from_int(5);
          x.has_expiry = true;
          x.expires_at = x.t + 1;
        }
        double s0 = now_s();
        tally_ledger_add(ls[k], &x, NULL, &err);
        total += now_s() - s0;
        replayed += t_ledger_replayed(ls[k]);
      }
      double us = total / (double)reps * 1e6, avg = (double)replayed / (double)reps;
      if (kind == 0) {
        insert_us = us;
        replayed_avg = avg;
        speedup = recompute_ms * 1e3 / insert_us;
      } else {
        absorbed_us = us;
        absorbed_avg = avg;
      }
      printf("%-10s %14zu %16s %s insert %.2f us (%.1f entries replayed), full recompute %.1f ms (%zu groups): %.0fx\n",
             "insert", ni, "-", kind ? "absorbed " : "permanent", us, avg, recompute_ms, g,
             recompute_ms * 1e3 / us);
    }
    printf("%-10s %14zu %16s building %zu ledgers entry by entry: %.1f ms\n", "build", ni, "-", nic, rebuild_ms);
    for (size_t k = 0; k < nic; k++) tally_ledger_free(ls[k]);
    free(ls);
    free(e);
    free(ic.bytes);
  }
  printf("{\"bench\":\"ledger\",\"entries\":%zu,\"customers\":%zu,\"structs_entries_per_s\":%.0f,"
         "\"unsorted_entries_per_s\":%.0f,\"allocator_calls\":%zu,\"json_entries\":%zu,\"json_entries_per_s\":%.0f,"
         "\"json_mb_per_s\":%.1f,\"insert_entries\":%zu,\"insert_customers\":%zu,\"insert_us\":%.3f,"
         "\"insert_replayed_avg\":%.1f,\"absorbed_insert_us\":%.3f,\"absorbed_replayed_avg\":%.1f,"
         "\"recompute_ms\":%.3f,\"insert_speedup\":%.0f,\"hugepages\":%s}\n",
         n, nc, structs_rate, unsorted_rate, calls, nj, json_rate, json_mb, ni, nic, insert_us, replayed_avg,
         absorbed_us, absorbed_avg, recompute_ms, speedup, hugepages ? "true" : "false");
  free(c.bytes);
  return 0;
}
