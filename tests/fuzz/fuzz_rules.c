/*
** fuzz_rules.c - libFuzzer entry for the rule-set loader (tally_rules_load)
** and what follows a successful load: evaluation of a few fixed sign-ups.
** Also drives `tally rules validate` and `tally rules tree` with the same
** bytes as JSON Lines, and `tally rules eval --rules <input>` with a fixed
** sign-up line.
*/
#include "fuzz_util.h"
#include "tally/rules.h"

static tally_text fz_text(const char *s) {
  tally_text t = {s, strlen(s)};
  return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) return 0;
  tally_allocator a = fz_allocator();
  tally_rules *rules = NULL;
  tally_error err;
  tally_status st = tally_rules_load(&a, (const char *)data, size, &rules, &err);
  if (st != TALLY_OK) {
    FZ_EXPECT(err.code == st && err.message[0]);
  } else {
    tally_rules_scratch *scratch;
    if (tally_rules_scratch_new(&a, &scratch) == TALLY_OK) {
      tally_signup s;
      memset(&s, 0, sizeof s);
      s.email = fz_text("  Ann@Example.COM ");
      s.auth_method = fz_text("oauth");
      s.oauth_provider = fz_text("google");
      s.country_code = fz_text("de");
      s.ip = fz_text("10.0.0.1");
      s.bot = 42;
      tally_rules_result r;
      for (int i = 0; i < 2; i++) {
        st = tally_rules_eval(rules, scratch, &s, &r, &err);
        FZ_EXPECT(st == TALLY_OK);
        FZ_EXPECT(r.nevaluations <= tally_rules_count(rules));
        s.email = fz_text("x@tempmail.org");
        s.free_trial_abuse = 100;
      }
      tally_rules_scratch_free(scratch);
    }
    for (size_t i = 0; i < tally_rules_count(rules); i++) FZ_EXPECT(tally_rules_id(rules, i) != NULL);
    tally_rules_free(rules);
  }
  /* A refused rule set is a usage error of `rules eval --rules` (finding 1 was its leak). */
  {
    static const char signup[] = "{\"email\":\"a@b.co\",\"authMethod\":\"password\",\"countryCode\":\"US\"}\n";
    const char *ev[4] = {"rules", "eval", "--rules", "r.json"};
    bool started = fz_run_cli(4, ev, (const char *)data, size, (const uint8_t *)signup, sizeof signup - 1, 5);
    FZ_EXPECT(started == (st == TALLY_OK));
  }
  const char *va[2] = {"rules", "validate"};
  FZ_EXPECT(fz_run_cli(2, va, NULL, 0, data, size, size / 3));
  const char *tr[2] = {"rules", "tree"};
  FZ_EXPECT(fz_run_cli(2, tr, NULL, 0, data, size, size / 2));
  return 0;
}
