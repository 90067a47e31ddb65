/*
** condition.h - one rule's CEL condition, compiled against the declared
** sign-up context (signup-rules.md, "Context"), and its evaluation. This is
** the only file of the rules engine that talks to the CEL module.
*/
#ifndef TALLY_RULES_CONDITION_H
#define TALLY_RULES_CONDITION_H

#include "../util/base.h"

/* The derived context of one sign-up; strings borrowed. */
typedef struct t_signup_ctx {
  t_str email, email_domain, auth_method, oauth_provider, country_code, ip;
  int64_t bot, free_trial_abuse;
} t_signup_ctx;

typedef struct t_rule_cond t_rule_cond;       /* immutable once compiled */
typedef struct t_cond_scratch t_cond_scratch; /* per-thread evaluation state */
typedef struct t_cond_env t_cond_env;         /* the declared context; outlives its conditions */

TALLY_INTERNAL tally_status t_cond_env_new(const tally_allocator *alloc, t_cond_env **out);
TALLY_INTERNAL void t_cond_env_free(const tally_allocator *alloc, t_cond_env *env);

/*
** Parses, checks (against the context's types; the result must be bool)
** and compiles src. Errors carry the position inside src.
*/
TALLY_INTERNAL tally_status t_rule_cond_compile(const tally_allocator *alloc, const t_cond_env *env,
                                                const char *src, size_t len,
                                                t_rule_cond **out, tally_error *err);
TALLY_INTERNAL void t_rule_cond_free(const tally_allocator *alloc, t_rule_cond *cond);
/* The context variables the condition reads, as a bit set (one bit per variable). */
TALLY_INTERNAL uint32_t t_rule_cond_reads(const t_rule_cond *cond);

/*
** A scratch's CEL context is plain (bound by name: it serves any rule set)
** when env is NULL; made for env otherwise, so that env's conditions read
** the variables from slots. Such a scratch must not outlive env.
*/
TALLY_INTERNAL tally_status t_cond_scratch_new(const tally_allocator *alloc, const t_cond_env *env,
                                               t_cond_scratch **out);
TALLY_INTERNAL void t_cond_scratch_free(const tally_allocator *alloc, t_cond_scratch *s);

/*
** Makes ctx the activation of the following evaluations (the strings must
** stay alive until the next call).
*/
TALLY_INTERNAL void t_cond_scratch_bind(t_cond_scratch *s, const t_signup_ctx *ctx, uint32_t reads);

/*
** 1 when the condition holds, 0 when not, -1 on an evaluation error or a
** non-bool result (err->message says which). The message stays valid until
** the next call with the same scratch.
*/
TALLY_INTERNAL int t_rule_cond_eval(const t_rule_cond *cond, t_cond_scratch *s, tally_error *err);

#endif
