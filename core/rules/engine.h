/*
** engine.h - internal entry points of the evaluation walk, shared by the
** C API, the JSON adapters (rules_json.c) and the CLI.
*/
#ifndef TALLY_RULES_ENGINE_H
#define TALLY_RULES_ENGINE_H

#include "tally/rules.h"
#include "condition.h"

/* Derives the context; strings of ctx point into the scratch or the input. */
TALLY_INTERNAL tally_status t_rules_derive(tally_rules_scratch *s, const tally_signup *in, t_signup_ctx *ctx,
                                           tally_error *err);
/* The ordered walk on an already derived context (the override form). */
TALLY_INTERNAL tally_status t_rules_eval_ctx(const tally_rules *rs, tally_rules_scratch *s, const t_signup_ctx *ctx,
                                             tally_rules_result *out, tally_error *err);

typedef struct t_rules_summary t_rules_summary;
/* Gives the scratch another condition scratch; returns the one it had. */
TALLY_INTERNAL t_cond_scratch *t_rules_scratch_swap_cond(tally_rules_scratch *s, t_cond_scratch *cond);
/* Copies a summary's counts into the scratch, for the public form. */
TALLY_INTERNAL tally_status t_rules_scratch_keep_summary(tally_rules_scratch *s, const t_rules_summary *sum,
                                                         tally_rules_summary *out, tally_error *err);

#endif
