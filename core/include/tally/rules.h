/*
** tally/rules.h - sign-up rules: a rule set of CEL conditions that reject,
** allow, restrict or log a sign-up (spec: signup-rules.md).
**
** A rule set is loaded once from its JSON form into an immutable
** tally_rules (conditions parsed, checked against the sign-up context's
** declared types, and compiled), then evaluated against any number of
** sign-ups. Evaluation needs a tally_rules_scratch per thread: it holds the
** per-evaluation memory, reset on every call, so nothing grows with the
** number of sign-ups.
*/
#ifndef TALLY_RULES_H
#define TALLY_RULES_H

#include "tally.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_rules tally_rules;
typedef struct tally_rules_scratch tally_rules_scratch;

typedef enum tally_action {
  TALLY_ACTION_NONE = 0,   /* a rule whose action is invalid */
  TALLY_ACTION_ALLOW,
  TALLY_ACTION_REJECT,
  TALLY_ACTION_RESTRICT,
  TALLY_ACTION_LOG
} tally_action;

typedef enum tally_decision {
  TALLY_DECISION_ALLOW,
  TALLY_DECISION_REJECT,
  TALLY_DECISION_DEFAULT_ALLOW,
  TALLY_DECISION_DEFAULT_REJECT
} tally_decision;

typedef enum tally_rule_status {
  TALLY_RULE_MATCHED,
  TALLY_RULE_NOT_MATCHED,
  TALLY_RULE_ERROR,
  TALLY_RULE_DISABLED,
  TALLY_RULE_MISSING_CONDITION
} tally_rule_status;

/* A string view; NULL ptr with len 0 is the empty string. */
typedef struct tally_text {
  const char *ptr;
  size_t len;
} tally_text;

/*
** A raw sign-up, as the host has it. Strings are borrowed for the call and
** need not be normalised: the core derives the context (trimmed, lower-cased
** email, its domain, upper-cased country code; see signup-rules.md).
** Scores must be integers 0..100 (has_* false means 0).
*/
typedef struct tally_signup {
  tally_text email;
  tally_text auth_method;
  tally_text oauth_provider;
  tally_text country_code;
  tally_text ip;
  int64_t bot;
  int64_t free_trial_abuse;
} tally_signup;

/* One record per rule visited, in order, up to the deciding rule. */
typedef struct tally_rule_evaluation {
  uint32_t rule;            /* index in rule order (tally_rules_id) */
  tally_rule_status status;
  tally_action action;
  const char *message;      /* status error only, else NULL */
} tally_rule_evaluation;

/* Valid until the next evaluation with the same scratch. */
typedef struct tally_rules_result {
  tally_decision decision;
  bool allowed;
  int32_t restricted_by;    /* rule index, or -1 */
  const uint32_t *matched;  /* indices of matching rules, in order */
  size_t nmatched;
  const tally_rule_evaluation *evaluations;
  size_t nevaluations;
} tally_rules_result;

/*
** Loads a rule set for evaluation. A rule that does not validate is kept
** with status error (its message says why) and never matches; only a rule
** set that is not a JSON object of the right shape (or has a duplicate id)
** fails, with TALLY_ERR_JSON or TALLY_ERR_INPUT.
*/
TALLY_API tally_status tally_rules_load(const tally_allocator *alloc, const char *json, size_t len,
                                        tally_rules **out, tally_error *err);
TALLY_API void tally_rules_free(tally_rules *rules);

/* Rules in evaluation order: priority descending, ties by id (bytes). */
TALLY_API size_t tally_rules_count(const tally_rules *rules);
TALLY_API const char *tally_rules_id(const tally_rules *rules, size_t index);

TALLY_API tally_status tally_rules_scratch_new(const tally_allocator *alloc, tally_rules_scratch **out);
TALLY_API void tally_rules_scratch_free(tally_rules_scratch *scratch);

/* TALLY_ERR_INPUT when a score is outside 0..100. */
TALLY_API tally_status tally_rules_eval(const tally_rules *rules, tally_rules_scratch *scratch,
                                        const tally_signup *signup, tally_rules_result *out, tally_error *err);

/*
** {====== Batches: many sign-ups, loaded once, evaluated against rule sets
** (the dashboard preview re-evaluates the same rows after every edit).
*/
typedef struct tally_signup_batch tally_signup_batch;

TALLY_API tally_status tally_signup_batch_new(const tally_allocator *alloc, tally_signup_batch **out);
TALLY_API void tally_signup_batch_free(tally_signup_batch *batch);
/* Derives the context of one sign-up and keeps a copy; TALLY_ERR_INPUT for a bad score. */
TALLY_API tally_status tally_signup_batch_add(tally_signup_batch *batch, const tally_signup *signup,
                                              tally_error *err);
TALLY_API size_t tally_signup_batch_count(const tally_signup_batch *batch);

typedef struct tally_rules_row {
  uint8_t decision;         /* tally_decision */
  int32_t decided_by;       /* rule index of a terminal match, or -1 */
  int32_t restricted_by;    /* rule index, or -1 */
} tally_rules_row;

/* Counts for the dashboard; the arrays have tally_rules_count entries. */
typedef struct tally_rules_summary {
  uint64_t rows;
  uint64_t decisions[4];    /* by tally_decision */
  uint64_t restricted;
  const uint64_t *matched;  /* per rule: sign-ups it matched */
  const uint64_t *decided;  /* per rule: sign-ups it decided */
  const uint64_t *errors;   /* per rule: evaluation errors */
} tally_rules_summary;

/*
** Evaluates every sign-up of the batch. rows (may be NULL) receives one
** entry per sign-up; the summary's arrays live in the scratch until its
** next use.
*/
TALLY_API tally_status tally_rules_eval_batch(const tally_rules *rules, tally_rules_scratch *scratch,
                                              const tally_signup_batch *batch, tally_rules_row *rows,
                                              tally_rules_summary *summary, tally_error *err);

/* }====== */

/* Lower-case strings of the enums, as the JSON forms write them. */
TALLY_API const char *tally_decision_name(tally_decision d);
TALLY_API const char *tally_rule_status_name(tally_rule_status s);
TALLY_API const char *tally_action_name(tally_action a);

#ifdef __cplusplus
}
#endif

#endif
