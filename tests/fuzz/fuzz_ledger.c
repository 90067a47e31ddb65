/*
** fuzz_ledger.c - libFuzzer entry for the ledger's JSON inputs.
**
** Input: byte 0 = mode and time, then JSON Lines. Bit 0 picks the command
** (`tally ledger balance --at T` or `tally ledger expand --horizon T`),
** bits 1..3 pick T from a table of interesting times. The same lines are
** also read as entries of one history and fed to the incremental
** tally_ledger and to tally_ledger_balances_compute: the two must agree on
** the state at T (they are two implementations of one semantics), and the
** timeline and consumption rows must be computable.
*/
#include "fuzz_util.h"
#include "tally/ledger.h"
#include "ledger/ledger_json.h"

static const char *const fz_times[] = {"0", "15", "100", "1000000", "864000000", "5184000000",
                                       "-1", "9223372036854775807"};
static const int64_t fz_times_i[] = {0, 15, 100, 1000000, 864000000, 5184000000LL, -1, INT64_MAX};

static bool fz_same_dec(tally_decimal a, tally_decimal b) { return a.hi == b.hi && a.lo == b.lo; }

static void fz_histories(const tally_allocator *a, const char *p, size_t n, int64_t at) {
  tally_ledger *l;
  tally_error err;
  if (tally_ledger_new(a, &l, &err) != TALLY_OK) return;
  tally_ledger_entry entries[64];
  size_t ne = 0;
  t_arena ar;
  t_arena_init(&ar, a, 0);
  const char *end = p + n;
  while (p < end && ne < 64) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    t_json *v;
    tally_ledger_entry e;
    if (t_json_parse(&ar, p, len, NULL, &v, &err) == TALLY_OK && t_ledger_json_entry(v, false, &e, &err) == TALLY_OK) {
      e.customer = "c";
      e.customer_len = 1;
      e.item = "i";
      e.item_len = 1;
      entries[ne++] = e;
      tally_status st = tally_ledger_add(l, &e, NULL, &err);
      if (st) FZ_EXPECT(err.code == st && err.message[0]);
    }
    p += len + (nl != NULL);
  }
  tally_ledger_state s1;
  tally_ledger_balances bal;
  if (tally_ledger_state_at(l, at, &s1, &err) == TALLY_OK &&
      tally_ledger_balances_compute(a, entries, ne, at, &bal, &err) == TALLY_OK) {
    if (bal.n_results == 1) {
      const tally_ledger_state *s2 = &bal.results[0].state;
      FZ_EXPECT(fz_same_dec(s1.balance, s2->balance) && fz_same_dec(s1.available, s2->available) &&
                fz_same_dec(s1.owed, s2->owed) && fz_same_dec(s1.expired, s2->expired));
      FZ_EXPECT(s1.has_next_expiry == s2->has_next_expiry && s1.has_credits == s2->has_credits);
      if (s1.has_next_expiry) FZ_EXPECT(s1.next_expiry == s2->next_expiry);
    } else {
      FZ_EXPECT(tally_ledger_count(l) == 0);
    }
    tally_ledger_balances_free(&bal);
  }
  const tally_ledger_point *pts;
  const tally_ledger_use *uses;
  size_t np, nu;
  (void)tally_ledger_timeline(l, at, &pts, &np, &err);
  (void)tally_ledger_consumption(l, at, &uses, &nu, &err);
  tally_ledger_spend_result sr;
  (void)tally_ledger_spend(l, at, tally_decimal_from_int(7), "spend", 5, &sr, &err);
  t_arena_free(&ar);
  tally_ledger_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  unsigned mode = data[0];
  unsigned ti = (mode >> 1) & 7;
  /* Expansion is bounded at a million grants, but that is slow under ASan:
     keep the horizon finite so the fuzzer explores instead of waiting. */
  if ((mode & 1) && ti > 5) ti = 5;
  const char *argv[4] = {"ledger", (mode & 1) ? "expand" : "balance", (mode & 1) ? "--horizon" : "--at",
                         fz_times[ti]};
  FZ_EXPECT(fz_run_cli(4, argv, NULL, 0, data + 1, size - 1, mode * 31u % size));
  if (!(mode & 1)) {
    tally_allocator a = fz_allocator();
    fz_histories(&a, (const char *)data + 1, size - 1, fz_times_i[ti]);
  }
  return 0;
}
