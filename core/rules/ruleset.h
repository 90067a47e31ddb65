/*
** ruleset.h - the loaded rule set and its validation report.
*/
#ifndef TALLY_RULES_RULESET_H
#define TALLY_RULES_RULESET_H

#include "tally/rules.h"
#include "../util/base.h"
#include "../util/vec.h"
#include "condition.h"

typedef struct t_rule {
  char *id;
  size_t id_len;
  bool enabled;
  int64_t priority;
  tally_action action;
  bool has_condition;       /* false: missing (absent, empty or white space) */
  t_rule_cond *cond;        /* NULL when missing or invalid */
  char *error;              /* why the rule does not validate, or NULL */
} t_rule;

struct tally_rules {
  tally_allocator alloc;
  t_rule *rules;            /* in evaluation order */
  size_t n;
  size_t cap;              /* allocated entries of rules */
  bool default_reject;
  t_cond_env *env;
  uint32_t reads;           /* the context variables its conditions read (t_rule_cond_reads) */
};

/* One validation finding, as `tally rules validate` reports it. */
typedef struct t_rules_issue {
  char *rule_id;            /* NULL for the rule set itself */
  const char *field;        /* "condition", "action.type", "priority", ... */
  char *message;
  uint32_t line, column;    /* 0 when the finding has no position */
} t_rules_issue;

typedef T_VEC(t_rules_issue) t_rules_issues;

/*
** Builds the rule set from JSON. Every finding goes to `issues` (when not
** NULL); findings about single rules leave those rules with status error.
** Returns an error only when the JSON is not a rule set at all, or when
** a finding concerns the set itself (the first one fills err).
*/
TALLY_INTERNAL tally_status t_rules_build(const tally_allocator *alloc, const char *json, size_t len,
                                          tally_rules **out, t_rules_issues *issues, tally_error *err);
TALLY_INTERNAL void t_rules_issues_free(const tally_allocator *alloc, t_rules_issues *issues);

#endif
