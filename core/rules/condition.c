/*
** condition.c - rule conditions on the CEL module. The context's variables
** are declared once per rule set; each evaluation binds the derived sign-up
** into a CEL context owned by the scratch.
*/
#include "condition.h"
#include "tally/cel.h"
#include "tally/cel_check.h" /* tally_cel_field */
#include "../cel/value.h"
#include "../util/error.h"
#include "../util/mem.h"

struct t_cond_env {
  tally_cel_env *cel;          /* the context's declared types: compiling checks */
};

struct t_rule_cond {
  tally_cel_program *prog;
};

struct t_cond_scratch {
  tally_cel_context *ctx;
  const t_signup_ctx *bound;   /* the sign-up whose values the context holds */
  bool stale;                  /* bound changed since the values were made */
  bool named;                  /* the names are bound: later sign-ups rebind in place */
  t_cel_val *bot, *fta;        /* the riskScores map's values, updated in place */
};

/* ORDER CONTEXT: the sign-up context of signup-rules.md. */
static const char *const VARIABLES[] = {
  "email", "emailDomain", "authMethod", "oauthProvider", "countryCode", "riskScores", "ip",
};

tally_status t_cond_env_new(const tally_allocator *alloc, t_cond_env **out) {
  t_cond_env *e = t_calloc(alloc, 1, sizeof *e);
  if (!e) return TALLY_ERR_NOMEM;
  tally_status st = tally_cel_env_new(alloc, &e->cel);
  /* Typed declarations make every compile a check first: a misspelt field
  ** or a comparison of an int with a string is reported at save time. */
  static const tally_cel_field SCORES[] = {{"bot", "int"}, {"free_trial_abuse", "int"}};
  for (size_t i = 0; st == TALLY_OK && i < T_ARRAY_LEN(VARIABLES); i++) {
    size_t n = t_strlen(VARIABLES[i]);
    if (i == 5) st = tally_cel_env_declare_object(e->cel, VARIABLES[i], n, "tally.RiskScores", SCORES, 2, NULL);
    else st = tally_cel_env_declare_typed(e->cel, VARIABLES[i], n, "string", NULL);
  }
  if (st == TALLY_OK) st = tally_cel_env_set_result_type(e->cel, "bool", NULL);
  if (st == TALLY_OK) st = tally_cel_env_enable(e->cel, TALLY_CEL_LIB_NETWORK, NULL); /* cidr(...).containsIP(ip) */
  if (st != TALLY_OK) {
    t_cond_env_free(alloc, e);
    return st;
  }
  *out = e;
  return TALLY_OK;
}

void t_cond_env_free(const tally_allocator *alloc, t_cond_env *env) {
  if (!env) return;
  tally_cel_env_free(env->cel);
  t_free(alloc, env, sizeof *env);
}

tally_status t_rule_cond_compile(const tally_allocator *alloc, const t_cond_env *env, const char *src, size_t len,
                                 t_rule_cond **out, tally_error *err) {
  t_rule_cond *c = t_calloc(alloc, 1, sizeof *c);
  if (!c) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  tally_status st = tally_cel_compile(env->cel, src, len, &c->prog, err);
  if (st != TALLY_OK) {
    t_free(alloc, c, sizeof *c);
    return st;
  }
  *out = c;
  return TALLY_OK;
}

void t_rule_cond_free(const tally_allocator *alloc, t_rule_cond *cond) {
  if (!cond) return;
  tally_cel_program_free(cond->prog);
  t_free(alloc, cond, sizeof *cond);
}

tally_status t_cond_scratch_new(const tally_allocator *alloc, const t_cond_env *env, t_cond_scratch **out) {
  t_cond_scratch *s = t_calloc(alloc, 1, sizeof *s);
  if (!s) return TALLY_ERR_NOMEM;
  tally_status st = env ? tally_cel_context_new_for_env(env->cel, &s->ctx) : tally_cel_context_new(alloc, &s->ctx);
  if (st != TALLY_OK) {
    t_free(alloc, s, sizeof *s);
    return TALLY_ERR_NOMEM;
  }
  *out = s;
  return TALLY_OK;
}

void t_cond_scratch_free(const tally_allocator *alloc, t_cond_scratch *s) {
  if (!s) return;
  tally_cel_context_free(s->ctx);
  t_free(alloc, s, sizeof *s);
}

void t_cond_scratch_bind(t_cond_scratch *s, const t_signup_ctx *ctx) {
  s->bound = ctx;
  s->stale = true;
}

/*
** Binding is deferred to the first condition evaluated for a sign-up. The
** names and the riskScores map are made once per scratch; each sign-up then
** rebinds the same names to strings it owns (valid UTF-8, checked when the
** context was derived) without copying them, and updates the scores in
** place, so the per-sign-up cost is a handful of stores.
*/
static tally_status bind_str(t_cond_scratch *s, const char *name, t_str v, tally_error *err) {
  t_cel_val x = t_cel_string(v);
  return tally_cel_context_bind(s->ctx, name, t_strlen(name), &x, err);
}

static tally_status bind_names(t_cond_scratch *s, tally_error *err) {
  tally_cel_value *scores = tally_cel_value_map(s->ctx);
  if (!scores) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  tally_status st = tally_cel_map_insert(s->ctx, scores, tally_cel_value_string(s->ctx, "bot", 3),
                                         tally_cel_value_int(s->ctx, 0), err);
  if (st == TALLY_OK)
    st = tally_cel_map_insert(s->ctx, scores, tally_cel_value_string(s->ctx, "free_trial_abuse", 16),
                              tally_cel_value_int(s->ctx, 0), err);
  if (st == TALLY_OK) st = tally_cel_context_bind(s->ctx, "riskScores", 10, scores, err);
  if (st != TALLY_OK) return st;
  s->bot = (t_cel_val *)t_cel_map_get_str(scores->u.m, T_STR("bot"));
  s->fta = (t_cel_val *)t_cel_map_get_str(scores->u.m, T_STR("free_trial_abuse"));
  s->named = true;
  return TALLY_OK;
}

static tally_status bind_now(t_cond_scratch *s, tally_error *err) {
  const t_signup_ctx *c = s->bound;
  tally_status st;
  if (!s->named && (st = bind_names(s, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "email", c->email, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "emailDomain", c->email_domain, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "authMethod", c->auth_method, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "oauthProvider", c->oauth_provider, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "countryCode", c->country_code, err)) != TALLY_OK) return st;
  if ((st = bind_str(s, "ip", c->ip, err)) != TALLY_OK) return st;
  *s->bot = t_cel_int(c->bot);
  *s->fta = t_cel_int(c->free_trial_abuse);
  s->stale = false;
  return TALLY_OK;
}

int t_rule_cond_eval(const t_rule_cond *cond, t_cond_scratch *s, tally_error *err) {
  if (s->stale && bind_now(s, err) != TALLY_OK) return -1;
  const tally_cel_value *v;
  if (tally_cel_eval(cond->prog, s->ctx, &v, err) != TALLY_OK) return -1;
  if (tally_cel_value_type(v) != TALLY_CEL_BOOL) {
    t_error_set(err, TALLY_ERR_EVAL, "the condition gave a value that is not a bool");
    return -1;
  }
  return tally_cel_value_get_bool(v) ? 1 : 0;
}
