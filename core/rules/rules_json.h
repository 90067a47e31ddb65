/*
** rules_json.h - the JSON forms of sign-ups, results, summaries and
** validation reports (spec: interfaces.md, "Sign-up rules"), shared by the
** CLI and the WebAssembly exports so both write the same bytes.
*/
#ifndef TALLY_RULES_JSON_H
#define TALLY_RULES_JSON_H

#include "tally/rules.h"
#include "../util/buf.h"
#include "../util/json.h"
#include "ruleset.h"

/* Reads a raw sign-up object; strings point into the parsed JSON. */
TALLY_INTERNAL tally_status t_rules_signup_from_json(const t_json *v, tally_signup *out, tally_error *err);

/* {"decision","allowed","restrictedBy","matched","evaluations"} */
TALLY_INTERNAL void t_rules_write_result(t_buf *b, const tally_rules *rs, const tally_rules_result *r);

/* Counts for the dashboard: per decision, restricted, per rule. */
typedef struct t_rules_summary {
  uint64_t rows;
  uint64_t decisions[4];       /* by tally_decision */
  uint64_t restricted;
  uint64_t *matched, *decided, *errors; /* per rule index */
  size_t nrules;
} t_rules_summary;

TALLY_INTERNAL tally_status t_rules_summary_init(t_rules_summary *s, const tally_allocator *a, size_t nrules);
TALLY_INTERNAL void t_rules_summary_add(t_rules_summary *s, const tally_rules_result *r);
/* The public form of s, pointing into s. */
TALLY_INTERNAL void t_rules_summary_view(const t_rules_summary *s, tally_rules_summary *out);
/* {"rows","decisions","restricted","rules"} as `rules eval --summary` writes it. */
TALLY_INTERNAL void t_rules_summary_write(t_buf *b, const tally_rules *rs, const tally_rules_summary *s);
TALLY_INTERNAL void t_rules_summary_free(t_rules_summary *s, const tally_allocator *a);

/* {"ok":true} or {"ok":false,"errors":[{"ruleId","field","message","line","column"}]} */
TALLY_INTERNAL void t_rules_write_issues(t_buf *b, const t_rules_issues *issues);

#endif
