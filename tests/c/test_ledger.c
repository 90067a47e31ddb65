/*
** test_ledger.c - the ledger: every worked vector of spec ledger.md (through
** the incremental tally_ledger and the batch), input validation, strict
** spending, consumption rows and timeline, products, and a property test
** over thousands of random histories against a naive reference, entered in
** random order (incremental inserts) and in pieces.
*/
#include "check.h"
#include "tally/ledger.h"
#include "ledger/ledger_internal.h"   /* t_ledger_replayed */

#define NEVER INT64_MIN   /* "no expiry" in the tables below */
#define DAY 86400000LL

typedef struct row {
  const char *qty;
  int64_t t;
  int64_t exp;
} row;

static check_alloc counter;
static tally_allocator A;

static char *copy_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  memcpy(p, s, n);
  return p;
}

static tally_decimal dec(const char *s) {
  tally_decimal d;
  tally_error err;
  if (tally_decimal_parse(s, strlen(s), &d, &err) != TALLY_OK) {
    fprintf(stderr, "bad decimal %s\n", s);
    exit(2);
  }
  return d;
}

static const char *fmt(tally_decimal d, char *buf) {
  tally_decimal_format(d, buf);
  return buf;
}

static tally_ledger_entry mk(const char *customer, const char *item, const char *qty, int64_t t, int64_t exp) {
  tally_ledger_entry e;
  memset(&e, 0, sizeof e);
  e.customer = customer;
  e.customer_len = strlen(customer);
  e.item = item;
  e.item_len = strlen(item);
  e.qty = dec(qty);
  e.t = t;
  if (exp != NEVER) {
    e.has_expiry = true;
    e.expires_at = exp;
  }
  return e;
}

/* Balance at `at` of rows, through a tally_ledger and through the batch. */
static void check_balance(const row *rows, size_t n, int64_t at, const char *want, int line) {
  char b1[64], b2[64];
  tally_ledger *l = NULL;
  tally_error err;
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  tally_ledger_entry *es = calloc(n ? n : 1, sizeof *es);
  for (size_t i = 0; i < n; i++) {
    es[i] = mk("c", "i", rows[i].qty, rows[i].t, rows[i].exp);
    CHECK(tally_ledger_add(l, &es[i], NULL, &err) == TALLY_OK);
  }
  tally_ledger_state s;
  CHECK(tally_ledger_state_at(l, at, &s, &err) == TALLY_OK);
  if (strcmp(fmt(s.balance, b1), want) != 0) fprintf(stderr, "vector at line %d\n", line);
  CHECK_STR(fmt(s.balance, b1), want);
  tally_ledger_free(l);

  tally_ledger_balances bal;
  CHECK(tally_ledger_balances_compute(&A, es, n, at, &bal, &err) == TALLY_OK);
  CHECK_INT(bal.n_results, 1);
  CHECK_INT(bal.n_errors, 0);
  if (bal.n_results == 1) CHECK_STR(fmt(bal.results[0].state.balance, b2), want);
  tally_ledger_balances_free(&bal);
  free(es);
}

#define BAL(rows, at, want) check_balance(rows, sizeof(rows) / sizeof(rows[0]), at, want, __LINE__)

static void test_vectors(void) {
  static const row v1[] = {{"100", 1000, NEVER}};
  BAL(v1, 1000, "100");
  static const row v2[] = {{"10", 1000, 5000}, {"20", 1000, 3000}, {"-8", 2000, NEVER}};
  BAL(v2, 2000, "22");
  static const row v3[] = {{"20", 1000, 3000}, {"10", 1000, 5000}, {"-8", 3500, NEVER}};
  BAL(v3, 3500, "2");
  static const row v4[] = {{"100", 1000, NEVER}, {"-30", 2000, NEVER}};
  BAL(v4, 2000, "70");
  static const row v5[] = {{"50", 1000, 3000}, {"30", 1000, NEVER}};
  BAL(v5, 4000, "30");
  static const row v6[] = {{"10", 1000, NEVER}, {"-25", 2000, NEVER}};
  BAL(v6, 2000, "-15");
  static const row v7[] = {{"10", 1, NEVER}, {"-25", 2, NEVER}, {"20", 3, NEVER}};
  BAL(v7, 3, "5");
  static const row v8[] = {{"50", 0, 1000}, {"30", 1, NEVER}, {"-40", 2, NEVER}, {"-60", 3, NEVER}, {"25", 4, NEVER}};
  BAL(v8, 1000, "5");
  static const row v9[] = {{"30", 1000, 2000}, {"50", 1000, 4000}, {"20", 1000, NEVER}, {"-10", 1500, NEVER}};
  BAL(v9, 3000, "70");
  static const row v10[] = {{"100", 0, NEVER}, {"-60", 1, NEVER}, {"50", 2, 10}};
  BAL(v10, 10, "40");
  static const row v11[] = {{"-5", 0, NEVER}, {"10", 1, 3}};
  BAL(v11, 2, "5");
  BAL(v11, 3, "0");

  static const row v12[] = {{"-70", 47, NEVER}, {"60", 40, 45}, {"100", 10, 50}, {"-20", 5, NEVER},
                            {"50", 48, 60},     {"-30", 25, NEVER}, {"40", 20, NEVER}, {"-50", 44, NEVER},
                            {"30", 46, NEVER},  {"-70", 35, NEVER}};
  static const int64_t at12[] = {0, 5, 10, 20, 25, 35, 40, 44, 45, 46, 47, 48, 59, 60, 70};
  static const char *want12[] = {"0", "-20", "80", "120", "90", "20", "80", "30", "20", "50", "-20", "30", "30", "0", "0"};
  for (size_t i = 0; i < sizeof at12 / sizeof at12[0]; i++) BAL(v12, at12[i], want12[i]);
}

/* The full state of vector 2 and the outputs other than balance. */
static void test_state_fields(void) {
  tally_ledger *l;
  tally_error err;
  char b[64];
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  tally_ledger_entry e = mk("c", "i", "10", 1000, 5000);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  e = mk("c", "i", "20", 1000, 3000);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  e = mk("c", "i", "-8", 2000, NEVER);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  tally_ledger_state s;
  CHECK(tally_ledger_state_at(l, 2000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.available, b), "22");
  CHECK_STR(fmt(s.owed, b), "0");
  CHECK_STR(fmt(s.expired, b), "0");
  CHECK(s.has_next_expiry && s.next_expiry == 3000);
  CHECK(s.has_credits);
  CHECK(tally_ledger_state_at(l, 3000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "10");
  CHECK_STR(fmt(s.expired, b), "12");
  CHECK(s.has_next_expiry && s.next_expiry == 5000);
  CHECK(tally_ledger_state_at(l, 5000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "0");
  CHECK_STR(fmt(s.expired, b), "22");
  CHECK(!s.has_next_expiry && !s.has_credits);
  CHECK(tally_ledger_state_at(l, 999, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "0");

  /* vector 6: debt */
  tally_ledger_free(l);
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  e = mk("c", "i", "10", 1000, NEVER);
  tally_ledger_add(l, &e, NULL, &err);
  e = mk("c", "i", "-25", 2000, NEVER);
  tally_ledger_add(l, &e, NULL, &err);
  CHECK(tally_ledger_state_at(l, 2000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.owed, b), "15");
  CHECK_STR(fmt(s.available, b), "0");
  CHECK(!s.has_credits);
  /* a void grant adds nothing, not even to expired */
  e = mk("c", "i", "7", 3000, 3000);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  CHECK(tally_ledger_state_at(l, 4000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "-15");
  CHECK_STR(fmt(s.expired, b), "0");
  /* fractional quantities stay exact */
  e = mk("c", "i", "15.000000001", 5000, NEVER);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  CHECK(tally_ledger_state_at(l, 5000, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "0.000000001");
  tally_ledger_free(l);
}

static void test_validation(void) {
  tally_ledger *l;
  tally_error err;
  uint32_t id;
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  tally_ledger_entry e = mk("c", "i", "-5", 10, 20);
  CHECK_INT(tally_ledger_add(l, &e, &id, &err), TALLY_ERR_INPUT);
  CHECK(strstr(err.message, "removal") != NULL);
  CHECK_INT(tally_ledger_count(l), 0);

  e = mk("c", "i", "5", 10, NEVER);
  e.key = "k1";
  e.key_len = 2;
  CHECK_INT(tally_ledger_add(l, &e, &id, &err), TALLY_OK);
  CHECK_INT(id, 0);
  tally_ledger_entry same = mk("c", "i", "5.0", 10, NEVER);
  same.key = "k1";
  same.key_len = 2;
  CHECK_INT(tally_ledger_add(l, &same, &id, &err), TALLY_OK);
  CHECK_INT(id, 0);
  CHECK_INT(tally_ledger_count(l), 1);
  tally_ledger_entry other = mk("c", "i", "6", 10, NEVER);
  other.key = "k1";
  other.key_len = 2;
  CHECK_INT(tally_ledger_add(l, &other, &id, &err), TALLY_ERR_CONFLICT);
  CHECK(strstr(err.message, "k1") != NULL);
  other.qty = dec("5");
  other.has_expiry = true;
  other.expires_at = 99;
  CHECK_INT(tally_ledger_add(l, &other, &id, &err), TALLY_ERR_CONFLICT);

  /* a rejected entry claims no key */
  tally_ledger_entry bad = mk("c", "i", "-1", 10, 50);
  bad.key = "k2";
  bad.key_len = 2;
  CHECK_INT(tally_ledger_add(l, &bad, &id, &err), TALLY_ERR_INPUT);
  bad.has_expiry = false;
  CHECK_INT(tally_ledger_add(l, &bad, &id, &err), TALLY_OK);
  CHECK_INT(id, 1);

  /* out-of-range qty and overflowing totals */
  tally_ledger_entry big = mk("c", "i", "0", 0, NEVER);
  big.qty.hi = INT64_MAX;
  CHECK_INT(tally_ledger_add(l, &big, &id, &err), TALLY_ERR_INPUT);
  big = mk("c", "i", "600000000000000000000000000", 0, NEVER);
  CHECK_INT(tally_ledger_add(l, &big, &id, &err), TALLY_OK);
  CHECK_INT(tally_ledger_add(l, &big, &id, &err), TALLY_ERR_RANGE);
  big = mk("c", "i", "-999999999999999999999999998", 0, NEVER);
  CHECK_INT(tally_ledger_add(l, &big, &id, &err), TALLY_OK);
  CHECK_INT(tally_ledger_add(l, &big, &id, &err), TALLY_ERR_RANGE);
  tally_ledger_free(l);

  /* the batch: errors by index, the rest computed; duplicates ignored */
  tally_ledger_entry es[6];
  es[0] = mk("a", "x", "10", 0, NEVER);
  es[0].key = "g";
  es[0].key_len = 1;
  es[1] = mk("a", "x", "-1", 0, 5);
  es[2] = es[0];
  es[3] = mk("a", "x", "11", 0, NEVER);
  es[3].key = "g";
  es[3].key_len = 1;
  es[4] = mk("b", "x", "3", 0, NEVER);
  es[4].key = "g";  /* keys are scoped to (customer, item) */
  es[4].key_len = 1;
  es[5] = mk("a", "y", "-2", 100, NEVER);
  tally_ledger_balances bal;
  char b[64];
  CHECK(tally_ledger_balances_compute(&A, es, 6, 50, &bal, &err) == TALLY_OK);
  CHECK_INT(bal.n_errors, 2);
  CHECK_INT(bal.errors[0].index, 1);
  CHECK_INT(bal.errors[0].error.code, TALLY_ERR_INPUT);
  CHECK_INT(bal.errors[1].index, 3);
  CHECK_INT(bal.errors[1].error.code, TALLY_ERR_CONFLICT);
  CHECK_INT(bal.n_results, 3);
  CHECK(bal.results[0].customer_len == 1 && bal.results[0].customer[0] == 'a' && bal.results[0].item[0] == 'x');
  CHECK_STR(fmt(bal.results[0].state.balance, b), "10");
  CHECK(bal.results[1].customer[0] == 'a' && bal.results[1].item[0] == 'y');
  CHECK_STR(fmt(bal.results[1].state.balance, b), "0");  /* after `at`: zeros */
  CHECK(bal.results[2].customer[0] == 'b');
  CHECK_STR(fmt(bal.results[2].state.balance, b), "3");
  tally_ledger_balances_free(&bal);
}

static void test_spend(void) {
  tally_ledger *l;
  tally_error err;
  char b[64];
  tally_ledger_spend_result r;
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  tally_ledger_entry e = mk("c", "i", "10", 0, 100);
  tally_ledger_add(l, &e, NULL, &err);
  e = mk("c", "i", "4", 0, NEVER);
  tally_ledger_add(l, &e, NULL, &err);
  CHECK(tally_ledger_spend(l, 50, dec("5"), "s1", 2, &r, &err) == TALLY_OK);
  CHECK(r.accepted);
  CHECK_INT(r.id, 2);
  CHECK_STR(fmt(r.available, b), "14");
  CHECK(tally_ledger_spend(l, 50, dec("10"), "s2", 2, &r, &err) == TALLY_OK);
  CHECK(!r.accepted);
  CHECK_STR(fmt(r.available, b), "9");
  CHECK_STR(fmt(r.shortfall, b), "1");
  /* a lot expiring at 100 still serves a removal at 100, not at 101 */
  CHECK(tally_ledger_spend(l, 101, dec("5"), NULL, 0, &r, &err) == TALLY_OK);
  CHECK(!r.accepted);
  CHECK_STR(fmt(r.available, b), "4");
  CHECK(tally_ledger_spend(l, 100, dec("9"), NULL, 0, &r, &err) == TALLY_OK);
  CHECK(r.accepted);
  /* replaying an accepted spend with its key is accepted, not applied twice */
  CHECK(tally_ledger_spend(l, 50, dec("5"), "s1", 2, &r, &err) == TALLY_OK);
  CHECK(r.accepted && r.id == 2);
  tally_ledger_state s;
  CHECK(tally_ledger_state_at(l, 200, &s, &err) == TALLY_OK);
  CHECK_STR(fmt(s.balance, b), "0");
  CHECK_STR(fmt(s.expired, b), "0");
  CHECK(tally_ledger_spend(l, 200, dec("0"), NULL, 0, &r, &err) == TALLY_ERR_INPUT);
  tally_ledger_free(l);
}

static void test_consumption_timeline(void) {
  tally_ledger *l;
  tally_error err;
  char b[64];
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  /* vector 8, ids 0..4 */
  static const row v8[] = {{"50", 0, 1000}, {"30", 1, NEVER}, {"-40", 2, NEVER}, {"-60", 3, NEVER}, {"25", 4, NEVER}};
  for (int i = 0; i < 5; i++) {
    tally_ledger_entry e = mk("c", "i", v8[i].qty, v8[i].t, v8[i].exp);
    tally_ledger_add(l, &e, NULL, &err);
  }
  const tally_ledger_use *u;
  size_t n;
  CHECK(tally_ledger_consumption(l, 2000, &u, &n, &err) == TALLY_OK);
  CHECK_INT(n, 4);
  if (n == 4) {
    CHECK(u[0].removal == 2 && u[0].grant == 0 && u[0].t == 2);
    CHECK_STR(fmt(u[0].qty, b), "40");
    CHECK(u[1].removal == 3 && u[1].grant == 0);
    CHECK_STR(fmt(u[1].qty, b), "10");
    CHECK(u[2].removal == 3 && u[2].grant == 1);
    CHECK_STR(fmt(u[2].qty, b), "30");
    CHECK(u[3].removal == 3 && u[3].grant == 4 && u[3].t == 4);
    CHECK_STR(fmt(u[3].qty, b), "20");
  }
  const tally_ledger_point *p;
  CHECK(tally_ledger_timeline(l, 2000, &p, &n, &err) == TALLY_OK);
  /* instants 0,1,2,3,4 and no expiry (the lot expiring at 1000 is empty) */
  CHECK_INT(n, 5);
  if (n == 5) {
    CHECK(p[3].t == 3);
    CHECK_STR(fmt(p[3].balance, b), "-20");
    CHECK_STR(fmt(p[4].balance, b), "5");
  }
  tally_ledger_free(l);

  /* vector 2: an expiry instant of its own */
  CHECK(tally_ledger_new(&A, &l, &err) == TALLY_OK);
  static const row v2[] = {{"10", 1000, 5000}, {"20", 1000, 3000}, {"-8", 2000, NEVER}};
  for (int i = 0; i < 3; i++) {
    tally_ledger_entry e = mk("c", "i", v2[i].qty, v2[i].t, v2[i].exp);
    tally_ledger_add(l, &e, NULL, &err);
  }
  CHECK(tally_ledger_timeline(l, 4000, &p, &n, &err) == TALLY_OK);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK(p[0].t == 1000 && p[1].t == 2000 && p[2].t == 3000);
    CHECK_STR(fmt(p[2].balance, b), "10");
    CHECK_STR(fmt(p[2].expired, b), "12");
  }
  CHECK(tally_ledger_timeline(l, 9000, &p, &n, &err) == TALLY_OK);
  CHECK_INT(n, 4);
  tally_ledger_free(l);
}

/*
** {======================================================
** Properties over random histories
** =======================================================
*/

static uint64_t rng_state = 0x1234567887654321u;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

typedef struct ref_ent {
  int64_t t, seq, exp, q;   /* q in whole units; exp INT64_MAX = never */
  int ord;
} ref_ent;

/* The reference: a plain sorted list and linear scans, written from the spec. */
static void reference(const ref_ent *in, int n, int64_t at, int64_t out[4]) {
  ref_ent *e = malloc(sizeof *e * (size_t)(n ? n : 1));
  memcpy(e, in, sizeof *e * (size_t)n);
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0; j--) {
      ref_ent *a = &e[j - 1], *b = &e[j];
      bool swap = a->t > b->t || (a->t == b->t && (a->seq > b->seq || (a->seq == b->seq && a->ord > b->ord)));
      if (!swap) break;
      ref_ent x = *a; *a = *b; *b = x;
    }
  int64_t lot_q[6000], lot_exp[6000], lot_t[6000], lot_seq[6000], lot_ord[6000];
  int nl = 0;
  int64_t owed = 0, expired = 0;
  for (int i = 0; i <= n; i++) {
    int64_t now = i < n ? e[i].t : at;
    if (i < n && now > at) now = at, i = n;
    for (int k = 0; k < nl; k++)
      if (lot_q[k] > 0 && (i < n ? lot_exp[k] < now : lot_exp[k] <= now)) { expired += lot_q[k]; lot_q[k] = 0; }
    if (i == n) break;
    if (e[i].q > 0) {
      if (e[i].exp <= e[i].t) continue;
      int64_t x = e[i].q - owed;
      if (x > 0) {
        owed = 0;
        lot_q[nl] = x; lot_exp[nl] = e[i].exp; lot_t[nl] = e[i].t; lot_seq[nl] = e[i].seq; lot_ord[nl] = e[i].ord;
        nl++;
      } else owed = -x;
    } else if (e[i].q < 0) {
      int64_t need = -e[i].q;
      while (need > 0) {
        int best = -1;
        for (int k = 0; k < nl; k++) {
          if (lot_q[k] == 0) continue;
          if (best < 0) { best = k; continue; }
          int64_t ka[4] = {lot_exp[k], lot_t[k], lot_seq[k], lot_ord[k]}, kb[4] = {lot_exp[best], lot_t[best], lot_seq[best], lot_ord[best]};
          for (int z = 0; z < 4; z++) if (ka[z] != kb[z]) { if (ka[z] < kb[z]) best = k; break; }
        }
        if (best < 0) break;
        int64_t take = lot_q[best] < need ? lot_q[best] : need;
        lot_q[best] -= take;
        need -= take;
      }
      owed += need;
    }
  }
  int64_t avail = 0;
  for (int k = 0; k < nl; k++) avail += lot_q[k];
  out[0] = avail - owed;
  out[1] = avail;
  out[2] = owed;
  out[3] = expired;
  free(e);
}

static bool dec_eq(tally_decimal d, int64_t v) { return tally_decimal_cmp(d, tally_decimal_from_int(v)) == 0; }

static void check_state(const tally_ledger_state *s, const int64_t want[4], int *fails) {
  bool ok = dec_eq(s->balance, want[0]) && dec_eq(s->available, want[1]) && dec_eq(s->owed, want[2]) &&
            dec_eq(s->expired, want[3]);
  /* invariants: never both lots and debt; balance = available - owed */
  tally_decimal zero = tally_decimal_from_int(0);
  ok = ok && !(tally_decimal_cmp(s->available, zero) > 0 && tally_decimal_cmp(s->owed, zero) > 0);
  ok = ok && s->has_credits == (tally_decimal_cmp(s->available, zero) > 0);
  if (!ok) (*fails)++;
}

static void test_properties(void) {
  int fails = 0, histories = 3000;
  tally_error err;
  for (int h = 0; h < histories; h++) {
    int n = (int)rnd_in(0, h < 2500 ? 40 : 300);
    int64_t span = rnd_in(5, 400);
    ref_ent *r = malloc(sizeof *r * (size_t)(n ? n : 1));
    tally_ledger_entry *es = malloc(sizeof *es * (size_t)(n ? n : 1));
    char qbuf[32];
    for (int i = 0; i < n; i++) {
      r[i].t = rnd_in(0, span);
      r[i].seq = rnd() % 4 == 0 ? rnd_in(0, 3) : 0;
      r[i].q = rnd() % 3 == 0 ? -rnd_in(1, 60) : rnd_in(0, 50);
      r[i].exp = (r[i].q > 0 && rnd() % 2) ? r[i].t + rnd_in(-5, span / 2 + 1) : INT64_MAX;
      r[i].ord = i;
      snprintf(qbuf, sizeof qbuf, "%lld", (long long)r[i].q);
      es[i] = mk("c", "i", qbuf, r[i].t, r[i].exp == INT64_MAX ? NEVER : r[i].exp);
      if (r[i].seq) { es[i].has_seq = true; es[i].seq = r[i].seq; }
    }
    /* the ledger, fed in input order: ids follow input order */
    tally_ledger *l;
    tally_ledger_new(&A, &l, &err);
    for (int i = 0; i < n; i++)
      if (tally_ledger_add(l, &es[i], NULL, &err) != TALLY_OK) fails++;
    for (int q = 0; q < 6; q++) {
      int64_t at = q == 5 ? span * 3 : rnd_in(-1, span + 5);
      int64_t want[4];
      reference(r, n, at, want);
      tally_ledger_state s;
      if (tally_ledger_state_at(l, at, &s, &err) != TALLY_OK) fails++;
      check_state(&s, want, &fails);
      tally_ledger_balances bal;
      if (tally_ledger_balances_compute(&A, es, (size_t)n, at, &bal, &err) != TALLY_OK) fails++;
      if (n && bal.n_results == 1) check_state(&bal.results[0].state, want, &fails);
      else if (n) fails++;
      tally_ledger_balances_free(&bal);
    }
    /*
    ** The same history split differently: a prefix first, queried (which
    ** builds checkpoints), then the rest in time order reversed, so most
    ** are inserts in the middle. The final states must agree at every time.
    ** Ids differ from input order here, so ties among equal (t, seq) would
    ** change meaning: the reference is fed the ids the ledger assigns.
    */
    tally_ledger *m;
    tally_ledger_new(&A, &m, &err);
    int cut = n ? (int)rnd_in(0, n) : 0;
    ref_ent *r2 = malloc(sizeof *r2 * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < cut; i++) {
      tally_ledger_add(m, &es[i], NULL, &err);
      r2[k] = r[i]; r2[k].ord = k; k++;
      if (i % 7 == 0) { tally_ledger_state s; tally_ledger_state_at(m, r[i].t, &s, &err); }
    }
    for (int i = n - 1; i >= cut; i--) {
      tally_ledger_add(m, &es[i], NULL, &err);
      r2[k] = r[i]; r2[k].ord = k; k++;
    }
    for (int q = 0; q < 4; q++) {
      int64_t at = rnd_in(-1, span + 5);
      int64_t want[4];
      reference(r2, n, at, want);
      tally_ledger_state s;
      if (tally_ledger_state_at(m, at, &s, &err) != TALLY_OK) fails++;
      check_state(&s, want, &fails);
    }
    tally_ledger_free(l);
    tally_ledger_free(m);
    free(r);
    free(r2);
    free(es);
  }
  CHECK_INT(fails, 0);
  printf("properties: %d random histories\n", histories);
}

/*
** Incremental inserts against full recomputation on long histories (many
** checkpoints): random entries inserted at random times, comparing with a
** ledger rebuilt from scratch in sorted order after every few inserts.
*/
static void test_incremental_vs_full(void) {
  int fails = 0;
  tally_error err;
  for (int round = 0; round < 40; round++) {
    int n = 600;
    tally_ledger_entry *es = malloc(sizeof *es * (size_t)n);
    ref_ent *r = malloc(sizeof *r * (size_t)n);
    char qbuf[32];
    tally_ledger *l;
    tally_ledger_new(&A, &l, &err);
    for (int i = 0; i < n; i++) {
      r[i].t = i < n / 2 ? i * 10 : rnd_in(0, n * 10);  /* append, then insert in the middle */
      r[i].seq = 0;
      r[i].q = rnd() % 3 == 0 ? -rnd_in(1, 40) : rnd_in(1, 30);
      r[i].exp = (r[i].q > 0 && rnd() % 2) ? r[i].t + rnd_in(1, 300) : INT64_MAX;
      r[i].ord = i;
      snprintf(qbuf, sizeof qbuf, "%lld", (long long)r[i].q);
      es[i] = mk("c", "i", qbuf, r[i].t, r[i].exp == INT64_MAX ? NEVER : r[i].exp);
      tally_ledger_add(l, &es[i], NULL, &err);
      if (i % 50 == 49 || i == n - 1) {
        int64_t at = rnd_in(0, n * 10 + 400);
        int64_t want[4];
        reference(r, i + 1, at, want);
        tally_ledger_state s;
        if (tally_ledger_state_at(l, at, &s, &err) != TALLY_OK) fails++;
        check_state(&s, want, &fails);
        reference(r, i + 1, INT64_MAX - 1, want);
        if (tally_ledger_state_at(l, INT64_MAX - 1, &s, &err) != TALLY_OK) fails++;
        check_state(&s, want, &fails);
      }
    }
    tally_ledger_free(l);
    free(es);
    free(r);
  }
  CHECK_INT(fails, 0);
}


/*
** An insert near the start of a long history replays only until the state
** meets a stored checkpoint again: here a grant that expires unused.
*/
static void test_insert_stops_early(void) {
  enum { N = 5000 };
  static ref_ent r[N + 2];
  tally_error err;
  char qbuf[32];
  tally_ledger *l;
  tally_ledger_new(&A, &l, &err);
  int n = 0;
  for (int i = 0; i < N; i++, n++) {
    r[i].t = 10 * i + 10;
    r[i].seq = 0;
    r[i].q = i % 2 ? -3 : 5;
    r[i].exp = i % 2 ? INT64_MAX : r[i].t + 40;
    r[i].ord = i;
    snprintf(qbuf, sizeof qbuf, "%lld", (long long)r[i].q);
    tally_ledger_entry e = mk("c", "i", qbuf, r[i].t, r[i].exp == INT64_MAX ? NEVER : r[i].exp);
    tally_ledger_add(l, &e, NULL, &err);
  }
  int64_t want[4];
  tally_ledger_state s;
  int fails = 0;
  /* an unused grant at the start, expiring before the next entry */
  r[n] = (ref_ent){1, 0, 3, 7, n};
  tally_ledger_entry e = mk("c", "i", "7", 1, 3);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  n++;
  CHECK(t_ledger_replayed(l) < 100);
  printf("insert at the start of %d entries: %zu replayed\n", N, t_ledger_replayed(l));
  reference(r, n, INT64_MAX - 1, want);
  CHECK(tally_ledger_state_at(l, INT64_MAX - 1, &s, &err) == TALLY_OK);
  check_state(&s, want, &fails);
  reference(r, n, 20000, want);
  CHECK(tally_ledger_state_at(l, 20000, &s, &err) == TALLY_OK);
  check_state(&s, want, &fails);
  /* a permanent grant changes everything after it: a full replay, still exact */
  r[n] = (ref_ent){25, 0, INT64_MAX, 2, n};
  e = mk("c", "i", "2", 25, NEVER);
  CHECK(tally_ledger_add(l, &e, NULL, &err) == TALLY_OK);
  n++;
  CHECK(t_ledger_replayed(l) > N - 10);
  reference(r, n, INT64_MAX - 1, want);
  CHECK(tally_ledger_state_at(l, INT64_MAX - 1, &s, &err) == TALLY_OK);
  check_state(&s, want, &fails);
  CHECK_INT(fails, 0);
  tally_ledger_free(l);
}


/*
** Many customers in one batch, with names shared (one copy per name) or
** copied per entry: every group equals its own tally_ledger.
*/
static void test_batch_groups(void) {
  int fails = 0;
  tally_error err;
  static const char *cust[] = {"alice", "bob", "carol-with-a-longer-name", "", "d"};
  static const char *items[] = {"credits", "seats"};
  for (int round = 0; round < 300; round++) {
    int n = (int)rnd_in(0, 400);
    bool copies = round % 2;
    tally_ledger_entry *es = calloc((size_t)(n ? n : 1), sizeof *es);
    char **owned = calloc((size_t)(n ? n : 1) * 2, sizeof *owned);
    char qbuf[32];
    for (int i = 0; i < n; i++) {
      const char *c = cust[rnd() % 5], *it = items[rnd() % 2];
      int64_t t = rnd_in(0, 300), q = rnd() % 3 == 0 ? -rnd_in(1, 50) : rnd_in(0, 40);
      int64_t exp = q > 0 && rnd() % 2 ? t + rnd_in(-3, 100) : NEVER;
      snprintf(qbuf, sizeof qbuf, "%lld", (long long)q);
      if (copies) {
        owned[2 * i] = copy_str(c);
        owned[2 * i + 1] = copy_str(it);
        c = owned[2 * i];
        it = owned[2 * i + 1];
      }
      es[i] = mk(c, it, qbuf, t, exp);
      if (rnd() % 5 == 0) { es[i].has_seq = true; es[i].seq = rnd_in(-2, 2); }
    }
    int64_t at = rnd_in(0, 320);
    tally_ledger_balances bal;
    if (tally_ledger_balances_compute(&A, es, (size_t)n, at, &bal, &err) != TALLY_OK) fails++;
    for (size_t r = 0; r < bal.n_results; r++) {
      const tally_ledger_result *res = &bal.results[r];
      if (r > 0) {
        const tally_ledger_result *p = &bal.results[r - 1];
        int c = memcmp(p->customer, res->customer, p->customer_len < res->customer_len ? p->customer_len : res->customer_len);
        if (c > 0 || (c == 0 && p->customer_len > res->customer_len)) fails++;
      }
      tally_ledger *l;
      tally_ledger_new(&A, &l, &err);
      for (int i = 0; i < n; i++)
        if (es[i].customer_len == res->customer_len && memcmp(es[i].customer, res->customer, res->customer_len) == 0 &&
            es[i].item_len == res->item_len && memcmp(es[i].item, res->item, res->item_len) == 0)
          tally_ledger_add(l, &es[i], NULL, &err);
      tally_ledger_state s;
      tally_ledger_state_at(l, at, &s, &err);
      if (tally_decimal_cmp(s.balance, res->state.balance) || tally_decimal_cmp(s.expired, res->state.expired) ||
          tally_decimal_cmp(s.owed, res->state.owed) || s.has_next_expiry != res->state.has_next_expiry ||
          (s.has_next_expiry && s.next_expiry != res->state.next_expiry))
        fails++;
      tally_ledger_free(l);
    }
    tally_ledger_balances_free(&bal);
    for (int i = 0; i < 2 * n; i++) free(owned[i]);
    free(owned);
    free(es);
  }
  CHECK_INT(fails, 0);
}

/* } */

/* Every allocation failing in turn: a clean NOMEM, no leak, no crash. */
static void test_alloc_failures(void) {
  static const row v12[] = {{"-70", 47, NEVER}, {"60", 40, 45}, {"100", 10, 50}, {"-20", 5, NEVER},
                            {"50", 48, 60},     {"-30", 25, NEVER}, {"40", 20, NEVER}, {"-50", 44, NEVER},
                            {"30", 46, NEVER},  {"-70", 35, NEVER}};
  tally_ledger_entry es[10];
  for (int i = 0; i < 10; i++) es[i] = mk(i % 2 ? "a" : "b", "x", v12[i].qty, v12[i].t, v12[i].exp);
  for (size_t fail = 1; fail < 200; fail++) {
    check_alloc c = {0, 0, 0, fail};
    tally_allocator a = check_allocator(&c);
    tally_error err;
    tally_ledger *l = NULL;
    if (tally_ledger_new(&a, &l, &err) == TALLY_OK) {
      for (int i = 0; i < 10; i++) tally_ledger_add(l, &es[i], NULL, &err);
      tally_ledger_state s;
      tally_status st = tally_ledger_state_at(l, 46, &s, &err);
      CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
      const tally_ledger_use *u;
      size_t n;
      st = tally_ledger_consumption(l, 100, &u, &n, &err);
      CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
      tally_ledger_free(l);
    }
    tally_ledger_balances bal;
    tally_status st = tally_ledger_balances_compute(&a, es, 10, 46, &bal, &err);
    CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
    if (st == TALLY_OK) tally_ledger_balances_free(&bal);
    CHECK_INT(c.live_blocks, 0);
  }
}


/*
** {======================================================
** Products: the worked vectors of spec ledger.md
** =======================================================
*/

typedef struct expanded {
  tally_ledger_entry e[64];
  char items[64][16];
  size_t n;
} expanded;

static void expand_into(expanded *x, const char *customer, const tally_ledger_purchase *p, int64_t horizon) {
  tally_ledger_grant *g;
  size_t n;
  tally_error err;
  CHECK(tally_ledger_expand(&A, p, horizon, &g, &n, &err) == TALLY_OK);
  for (size_t i = 0; i < n && x->n < 64; i++) {
    const tally_ledger_product_item *it = &p->items[g[i].item];
    tally_ledger_entry *e = &x->e[x->n];
    memset(e, 0, sizeof *e);
    snprintf(x->items[x->n], sizeof x->items[0], "%.*s", (int)it->item_len, it->item);
    e->customer = customer;
    e->customer_len = strlen(customer);
    e->item = x->items[x->n];
    e->item_len = strlen(e->item);
    e->t = g[i].t;
    e->qty = g[i].qty;
    e->has_expiry = g[i].has_expiry;
    e->expires_at = g[i].expires_at;
    x->n++;
  }
  tally_ledger_grants_free(&A, g, n);
}

static const char *balance_of(const expanded *x, const char *item, int64_t at, char *buf) {
  tally_ledger_balances bal;
  tally_error err;
  strcpy(buf, "0");
  CHECK(tally_ledger_balances_compute(&A, x->e, x->n, at, &bal, &err) == TALLY_OK);
  for (size_t i = 0; i < bal.n_results; i++)
    if (bal.results[i].item_len == strlen(item) && memcmp(bal.results[i].item, item, strlen(item)) == 0)
      tally_decimal_format(bal.results[i].state.balance, buf);
  tally_ledger_balances_free(&bal);
  return buf;
}

static tally_ledger_product_item pitem(const char *name, const char *qty, tally_ledger_repeat rep, int64_t n,
                                       tally_ledger_expires ex) {
  tally_ledger_product_item it;
  memset(&it, 0, sizeof it);
  it.item = name;
  it.item_len = strlen(name);
  it.quantity = dec(qty);
  it.repeat = rep;
  it.repeat_n = n;
  it.expires = ex;
  return it;
}

static tally_ledger_purchase purchase(int64_t created, int64_t ended, const tally_ledger_product_item *items, size_t n) {
  tally_ledger_purchase p;
  memset(&p, 0, sizeof p);
  p.created_at = created;
  p.has_end = ended != NEVER;
  p.ended_at = ended;
  p.quantity = dec("1");
  p.items = items;
  p.n_items = n;
  return p;
}

static void test_products(void) {
  char b[64];
  /* quota 100 every 7 days, when-repeated, ended 14d */
  {
    tally_ledger_product_item it = pitem("quota", "100", TALLY_LEDGER_REPEAT_DAY, 7, TALLY_LEDGER_EXPIRES_WHEN_REPEATED);
    tally_ledger_purchase p = purchase(0, 14 * DAY, &it, 1);
    expanded x = {0};
    expand_into(&x, "c", &p, 100 * DAY);
    CHECK_INT(x.n, 2);
    CHECK(x.e[0].t == 0 && x.e[1].t == 7 * DAY && x.e[0].expires_at == 7 * DAY && x.e[1].expires_at == 14 * DAY);
    CHECK_STR(balance_of(&x, "quota", 7 * DAY, b), "100");
    CHECK_STR(balance_of(&x, "quota", 14 * DAY - 1, b), "100");
    CHECK_STR(balance_of(&x, "quota", 14 * DAY, b), "0");
    CHECK_STR(balance_of(&x, "quota", 30 * DAY, b), "0");
  }
  /* quota 200 every month, when-repeated, ended 45d */
  {
    tally_ledger_product_item it = pitem("quota", "200", TALLY_LEDGER_REPEAT_MONTH, 1, TALLY_LEDGER_EXPIRES_WHEN_REPEATED);
    tally_ledger_purchase p = purchase(0, 45 * DAY, &it, 1);
    expanded x = {0};
    expand_into(&x, "c", &p, 100 * DAY);
    CHECK_INT(x.n, 2);
    CHECK_STR(balance_of(&x, "quota", 0, b), "200");
    CHECK_STR(balance_of(&x, "quota", 30 * DAY, b), "200");
    CHECK_STR(balance_of(&x, "quota", 45 * DAY, b), "0");
  }
  /* energy: two purchases ending at 10d and 30d, removal -40 at 5d */
  {
    tally_ledger_product_item a = pitem("energy", "100", TALLY_LEDGER_REPEAT_NONE, 0, TALLY_LEDGER_EXPIRES_WITH_PURCHASE);
    tally_ledger_product_item c = pitem("energy", "200", TALLY_LEDGER_REPEAT_NONE, 0, TALLY_LEDGER_EXPIRES_WITH_PURCHASE);
    tally_ledger_purchase p1 = purchase(0, 10 * DAY, &a, 1), p2 = purchase(1000, 30 * DAY, &c, 1);
    expanded x = {0};
    expand_into(&x, "c", &p1, 100 * DAY);
    expand_into(&x, "c", &p2, 100 * DAY);
    x.e[x.n] = mk("c", "energy", "-40", 5 * DAY, NEVER);
    x.n++;
    CHECK_STR(balance_of(&x, "energy", 5 * DAY, b), "260");
    CHECK_STR(balance_of(&x, "energy", 10 * DAY, b), "200");
    CHECK_STR(balance_of(&x, "energy", 30 * DAY, b), "0");
  }
  /* two items: tokens end with the purchase, permanent stays */
  {
    tally_ledger_product_item its[2] = {
        pitem("tokens", "100", TALLY_LEDGER_REPEAT_NONE, 0, TALLY_LEDGER_EXPIRES_WITH_PURCHASE),
        pitem("permanent", "50", TALLY_LEDGER_REPEAT_NONE, 0, TALLY_LEDGER_EXPIRES_NEVER)};
    tally_ledger_purchase p = purchase(0, 5000, its, 2);
    expanded x = {0};
    expand_into(&x, "c", &p, 100 * DAY);
    CHECK_INT(x.n, 2);
    CHECK_STR(balance_of(&x, "tokens", 5000, b), "0");
    CHECK_STR(balance_of(&x, "permanent", 5000, b), "50");
    CHECK_STR(balance_of(&x, "tokens", 4999, b), "100");
  }
  /* multipliers, the horizon without an end, and a purchase that ends before it starts */
  {
    tally_ledger_product_item it = pitem("seats", "2.5", TALLY_LEDGER_REPEAT_WEEK, 1, TALLY_LEDGER_EXPIRES_NEVER);
    tally_ledger_purchase p = purchase(DAY, NEVER, &it, 1);
    p.quantity = dec("3");
    expanded x = {0};
    expand_into(&x, "c", &p, 15 * DAY);
    CHECK_INT(x.n, 3);
    CHECK_STR(balance_of(&x, "seats", 15 * DAY, b), "22.5");
    CHECK(!x.e[2].has_expiry && x.e[2].t == 15 * DAY);
    tally_ledger_purchase q = purchase(DAY, DAY, &it, 1);
    expanded y = {0};
    expand_into(&y, "c", &q, 15 * DAY);
    CHECK_INT(y.n, 0);
    /* when-repeated without an end: each expires at the next grant */
    tally_ledger_product_item w = pitem("w", "1", TALLY_LEDGER_REPEAT_DAY, 1, TALLY_LEDGER_EXPIRES_WHEN_REPEATED);
    tally_ledger_purchase r = purchase(0, NEVER, &w, 1);
    expanded z = {0};
    expand_into(&z, "c", &r, 2 * DAY);
    CHECK_INT(z.n, 3);
    CHECK(z.e[2].has_expiry && z.e[2].expires_at == 3 * DAY);
    CHECK_STR(balance_of(&z, "w", 2 * DAY, b), "1");
    /* too many grants is a limit, not a hang */
    tally_ledger_product_item ms = pitem("ms", "1", TALLY_LEDGER_REPEAT_DAY, 1, TALLY_LEDGER_EXPIRES_NEVER);
    tally_ledger_purchase big = purchase(0, NEVER, &ms, 1);
    tally_ledger_grant *g;
    size_t n;
    tally_error err;
    CHECK_INT(tally_ledger_expand(&A, &big, INT64_MAX, &g, &n, &err), TALLY_ERR_LIMIT);
  }
}

/* } */

int main(void) {
  A = check_allocator(&counter);
  RUN(test_vectors);
  RUN(test_state_fields);
  RUN(test_validation);
  RUN(test_spend);
  RUN(test_consumption_timeline);
  RUN(test_products);
  RUN(test_properties);
  RUN(test_incremental_vs_full);
  RUN(test_insert_stops_early);
  RUN(test_batch_groups);
  RUN(test_alloc_failures);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_ledger");
}
