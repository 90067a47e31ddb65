/*
** test_rules.c - the sign-up rules engine through its C API: context
** derivation, the ordered walk, batches, and memory (nothing leaks, and
** every allocation failure is a clean error).
*/
#include "check.h"
#include "tally/rules.h"

#define TXT(s) ((tally_text){(s), sizeof(s) - 1})

static const char RULES[] =
  "{\"defaultAction\": \"allow\", \"rules\": {"
  "\"disposable\": {\"enabled\": true, \"priority\": 10, \"condition\": \"emailDomain in [\\\"tempmail.com\\\"]\", \"action\": {\"type\": \"reject\"}},"
  "\"digits\": {\"enabled\": true, \"priority\": 5, \"condition\": \"email.matches(\\\"^[0-9]+@\\\")\", \"action\": {\"type\": \"restrict\"}},"
  "\"bot\": {\"enabled\": true, \"priority\": 5, \"condition\": \"riskScores.bot > 80\", \"action\": {\"type\": \"restrict\"}},"
  "\"country\": {\"enabled\": true, \"condition\": \"countryCode == \\\"FR\\\" && email.startsWith(\\\"ä\\\")\", \"action\": {\"type\": \"log\"}},"
  "\"broken\": {\"enabled\": true, \"condition\": \"riskScores.bots > 1\", \"action\": {\"type\": \"reject\"}}"
  "}}";

static void test_walk(void) {
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  tally_rules *rs = NULL;
  tally_error err;
  CHECK_INT(tally_rules_load(&a, RULES, sizeof RULES - 1, &rs, &err), TALLY_OK);
  CHECK_INT(tally_rules_count(rs), 5);
  /* priority descending, ties by id */
  CHECK_STR(tally_rules_id(rs, 0), "disposable");
  CHECK_STR(tally_rules_id(rs, 1), "bot");
  CHECK_STR(tally_rules_id(rs, 2), "digits");
  CHECK_STR(tally_rules_id(rs, 3), "broken");
  CHECK_STR(tally_rules_id(rs, 4), "country");
  tally_rules_scratch *s = NULL;
  CHECK_INT(tally_rules_scratch_new(&a, &s), TALLY_OK);

  tally_signup su = {0};
  su.email = TXT("  12345@Example.COM\xe2\x80\x83");   /* trailing EM SPACE */
  su.bot = 90;
  tally_rules_result r;
  CHECK_INT(tally_rules_eval(rs, s, &su, &r, &err), TALLY_OK);
  CHECK_INT(r.decision, TALLY_DECISION_DEFAULT_ALLOW);
  CHECK(r.allowed);
  CHECK_INT(r.restricted_by, 1); /* bot comes before digits */
  CHECK_INT(r.nmatched, 2);
  CHECK_INT(r.nevaluations, 5);
  CHECK_INT(r.evaluations[3].status, TALLY_RULE_ERROR);
  CHECK(r.evaluations[3].message && strstr(r.evaluations[3].message, "undefined field 'bots'"));

  /* Unicode simple lower-casing of the e-mail, upper-cased country code. */
  su = (tally_signup){0};
  su.email = TXT("\xc3\x84rger@X.FR"); /* Ärger */
  su.country_code = TXT(" fr ");
  CHECK_INT(tally_rules_eval(rs, s, &su, &r, &err), TALLY_OK);
  CHECK_INT(r.nmatched, 1);
  CHECK_INT(r.matched[0], 4);

  /* A terminal reject: restrictedBy is null when the sign-up is not let in. */
  su = (tally_signup){0};
  su.email = TXT("a@tempmail.com");
  su.bot = 99;
  CHECK_INT(tally_rules_eval(rs, s, &su, &r, &err), TALLY_OK);
  CHECK_INT(r.decision, TALLY_DECISION_REJECT);
  CHECK_INT(r.restricted_by, -1);
  CHECK_INT(r.nevaluations, 1);

  su.bot = 101;
  CHECK_INT(tally_rules_eval(rs, s, &su, &r, &err), TALLY_ERR_INPUT);

  tally_rules_scratch_free(s);
  tally_rules_free(rs);
  CHECK_INT(ca.live_blocks, 0);
  CHECK_INT(ca.live_bytes, 0);
}

static void test_batch(void) {
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  tally_rules *rs = NULL;
  tally_rules_scratch *s = NULL;
  tally_signup_batch *b = NULL;
  tally_error err;
  CHECK_INT(tally_rules_load(&a, RULES, sizeof RULES - 1, &rs, &err), TALLY_OK);
  CHECK_INT(tally_rules_scratch_new(&a, &s), TALLY_OK);
  CHECK_INT(tally_signup_batch_new(&a, &b), TALLY_OK);
  for (int i = 0; i < 1000; i++) {
    tally_signup su = {0};
    char email[32];
    snprintf(email, sizeof email, "%d@%s", i, i % 3 ? "ok.com" : "tempmail.com");
    su.email.ptr = email;
    su.email.len = strlen(email);
    su.bot = i % 101;
    CHECK_INT(tally_signup_batch_add(b, &su, &err), TALLY_OK);
  }
  CHECK_INT(tally_signup_batch_count(b), 1000);
  tally_rules_row *rows = calloc(1000, sizeof *rows);
  tally_rules_summary sum;
  CHECK_INT(tally_rules_eval_batch(rs, s, b, rows, &sum, &err), TALLY_OK);
  CHECK_INT(sum.rows, 1000);
  CHECK_INT(sum.decisions[TALLY_DECISION_REJECT], 334);
  CHECK_INT(sum.decided[0], 334);
  CHECK_INT(sum.errors[3], 666);
  CHECK_INT(rows[0].decision, TALLY_DECISION_REJECT);
  CHECK_INT(rows[0].decided_by, 0);
  CHECK_INT(rows[1].decision, TALLY_DECISION_DEFAULT_ALLOW);
  CHECK_INT(rows[1].restricted_by, 2); /* digits-only mailbox */
  /* The same batch evaluated again gives the same counts. */
  CHECK_INT(tally_rules_eval_batch(rs, s, b, NULL, &sum, &err), TALLY_OK);
  CHECK_INT(sum.decisions[TALLY_DECISION_REJECT], 334);
  /*
  ** A batch runs in a context made for its rule set's env, single
  ** evaluations in the scratch's own: both give every row the same
  ** decision, whatever rule set the scratch served in between.
  */
  tally_rules *other = NULL;
  CHECK_INT(tally_rules_load(&a, RULES, sizeof RULES - 1, &other, &err), TALLY_OK);
  CHECK_INT(tally_rules_eval_batch(other, s, b, NULL, &sum, &err), TALLY_OK);
  CHECK_INT(sum.decisions[TALLY_DECISION_REJECT], 334);
  int same = 0;
  for (int i = 0; i < 1000; i++) {
    tally_signup su = {0};
    char email[32];
    snprintf(email, sizeof email, "%d@%s", i, i % 3 ? "ok.com" : "tempmail.com");
    su.email.ptr = email;
    su.email.len = strlen(email);
    su.bot = i % 101;
    tally_rules_result r;
    if (tally_rules_eval(i % 2 ? rs : other, s, &su, &r, &err) == TALLY_OK && (int)r.decision == rows[i].decision &&
        r.restricted_by == rows[i].restricted_by)
      same++;
  }
  CHECK_INT(same, 1000);
  tally_rules_free(other);
  free(rows);
  tally_signup_batch_free(b);
  tally_rules_scratch_free(s);
  tally_rules_free(rs);
  CHECK_INT(ca.live_blocks, 0);
}

/* Fails the n-th allocation for every n until the whole sequence succeeds. */
static void test_alloc_failures(void) {
  int clean = 0;
  for (size_t n = 1; n < 100000; n++) {
    check_alloc ca = {0};
    ca.fail_at = n;
    tally_allocator a = check_allocator(&ca);
    tally_rules *rs = NULL;
    tally_rules_scratch *s = NULL;
    tally_error err;
    tally_status st = tally_rules_load(&a, RULES, sizeof RULES - 1, &rs, &err);
    if (st == TALLY_OK) st = tally_rules_scratch_new(&a, &s);
    tally_rules_result r;
    if (st == TALLY_OK) {
      tally_signup su = {0};
      su.email = TXT("123@tempmail.com");
      st = tally_rules_eval(rs, s, &su, &r, &err);
    }
    tally_rules_scratch_free(s);
    tally_rules_free(rs);
    if (ca.live_blocks != 0) { CHECK_INT(ca.live_blocks, 0); fprintf(stderr, "  leak when allocation %zu fails\n", n); break; }
    /* A failure anywhere is reported as out of memory, or as a rule error
    ** when it happened while compiling one rule's condition. */
    if (st == TALLY_OK && ca.calls < n) { clean = 1; break; }
  }
  CHECK(clean);
}

/*
** A sign-up binds only the variables its rule set reads: two rule sets
** reading different variables, sharing a scratch, each see the values of
** the sign-up at hand, singly and in batches.
*/
static void test_partial_binding(void) {
  static const char DOMAIN[] = "{\"rules\": {\"d\": {\"enabled\": true, \"priority\": 1, "
                               "\"condition\": \"emailDomain == \\\"x.com\\\"\", \"action\": {\"type\": \"reject\"}}}}";
  static const char SCORE[] = "{\"rules\": {\"s\": {\"enabled\": true, \"priority\": 1, "
                              "\"condition\": \"riskScores.bot > 50\", \"action\": {\"type\": \"reject\"}}}}";
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  tally_rules *rd = NULL, *rsc = NULL;
  tally_rules_scratch *s = NULL;
  tally_signup_batch *b = NULL;
  tally_error err;
  CHECK_INT(tally_rules_load(&a, DOMAIN, sizeof DOMAIN - 1, &rd, &err), TALLY_OK);
  CHECK_INT(tally_rules_load(&a, SCORE, sizeof SCORE - 1, &rsc, &err), TALLY_OK);
  CHECK_INT(tally_rules_scratch_new(&a, &s), TALLY_OK);
  CHECK_INT(tally_signup_batch_new(&a, &b), TALLY_OK);
  int right = 0;
  for (int i = 0; i < 200; i++) {
    tally_signup su = {0};
    const char *email = i % 3 ? "a@x.com" : "a@y.com";
    su.email.ptr = email;
    su.email.len = strlen(email);
    su.bot = (i * 37) % 101;
    CHECK_INT(tally_signup_batch_add(b, &su, &err), TALLY_OK);
    tally_rules_result r1, r2;
    if (tally_rules_eval(rd, s, &su, &r1, &err) != TALLY_OK) continue;
    bool d = r1.decision == TALLY_DECISION_REJECT;
    if (tally_rules_eval(rsc, s, &su, &r2, &err) != TALLY_OK) continue;
    if (d == (i % 3 != 0) && (r2.decision == TALLY_DECISION_REJECT) == (su.bot > 50)) right++;
  }
  CHECK_INT(right, 200);
  tally_rules_summary sum;
  CHECK_INT(tally_rules_eval_batch(rsc, s, b, NULL, &sum, &err), TALLY_OK);
  size_t want = 0;
  for (int i = 0; i < 200; i++) want += (i * 37) % 101 > 50;
  CHECK_INT(sum.decisions[TALLY_DECISION_REJECT], want);
  CHECK_INT(tally_rules_eval_batch(rd, s, b, NULL, &sum, &err), TALLY_OK);
  CHECK_INT(sum.decisions[TALLY_DECISION_REJECT], 133);
  tally_signup_batch_free(b);
  tally_rules_scratch_free(s);
  tally_rules_free(rsc);
  tally_rules_free(rd);
  CHECK_INT(ca.live_blocks, 0);
}

int main(void) {
  RUN(test_walk);
  RUN(test_batch);
  RUN(test_partial_binding);
  RUN(test_alloc_failures);
  return check_report("rules");
}
