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
  uint32_t reads;              /* bit i: the condition reads VARIABLES[i] */
};

struct t_cond_scratch {
  tally_cel_context *ctx;
  const t_signup_ctx *bound;   /* the sign-up whose values the context holds */
  uint32_t reads;              /* the variables bound's rule set reads */
  uint32_t fresh;              /* bit i: VARIABLES[i] holds bound's value */
  bool named;                  /* the names are bound: later sign-ups rebind in place */
  t_cel_val *bot, *fta;        /* the riskScores map's values, updated in place */
};

/* ORDER CONTEXT: the sign-up context of signup-rules.md. */
static const char *const VARIABLES[] = {
  "email", "emailDomain", "authMethod", "oauthProvider", "countryCode", "riskScores", "ip",
};
enum { V_RISK_SCORES = 5, V_ALL = (1u << T_ARRAY_LEN(VARIABLES)) - 1 };

/* The string variables' values in a derived sign-up, by VARIABLES index. */
static t_str signup_str(const t_signup_ctx *c, unsigned i) {
  switch (i) {
  case 0: return c->email;
  case 1: return c->email_domain;
  case 2: return c->auth_method;
  case 3: return c->oauth_provider;
  case 4: return c->country_code;
  default: return c->ip;
  }
}

/*
** The variables a program reads, as VARIABLES bits: a sign-up binds only
** those its rules need. A name outside the context (which the checker does
** not let through) would make every variable count.
*/
static uint32_t reads_of(const tally_cel_program *prog) {
  const char *names[T_ARRAY_LEN(VARIABLES) + 1];
  size_t lens[T_ARRAY_LEN(VARIABLES) + 1];
  size_t n = tally_cel_program_variables(prog, names, lens, T_ARRAY_LEN(names));
  if (n > T_ARRAY_LEN(VARIABLES)) return V_ALL;
  uint32_t bits = 0;
  for (size_t k = 0; k < n; k++) {
    size_t i = 0;
    while (i < T_ARRAY_LEN(VARIABLES) && !(t_strlen(VARIABLES[i]) == lens[k] &&
                                          t_memcmp(VARIABLES[i], names[k], lens[k]) == 0))
      i++;
    if (i == T_ARRAY_LEN(VARIABLES)) return V_ALL;
    bits |= 1u << i;
  }
  return bits;
}

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
  c->reads = reads_of(c->prog);
  *out = c;
  return TALLY_OK;
}

uint32_t t_rule_cond_reads(const t_rule_cond *cond) { return cond->reads; }

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

void t_cond_scratch_bind(t_cond_scratch *s, const t_signup_ctx *ctx, uint32_t reads) {
  s->bound = ctx;
  s->reads = reads;
  s->fresh = 0;
}

/*
** Binding is deferred until a condition reads a variable, and covers only
** the variables the rule set reads, so a sign-up costs what its rules use.
** The names and the riskScores map are made once per scratch; each sign-up
** then rebinds the same names to strings it owns (valid UTF-8, checked when
** the context was derived) without copying them, and updates the scores in
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

static tally_status bind_now(t_cond_scratch *s, uint32_t need, tally_error *err) {
  const t_signup_ctx *c = s->bound;
  tally_status st;
  if (!s->named && (st = bind_names(s, err)) != TALLY_OK) return st;
  for (unsigned i = 0; i < T_ARRAY_LEN(VARIABLES); i++) {
    if (!(need >> i & 1)) continue;
    if (i == V_RISK_SCORES) {
      *s->bot = t_cel_int(c->bot);
      *s->fta = t_cel_int(c->free_trial_abuse);
    } else if ((st = bind_str(s, VARIABLES[i], signup_str(c, i), err)) != TALLY_OK) {
      return st;
    }
  }
  s->fresh |= need;
  return TALLY_OK;
}

int t_rule_cond_eval(const t_rule_cond *cond, t_cond_scratch *s, tally_error *err) {
  /* All the rule set reads at once, in declaration order (binding guesses the next one). */
  if (cond->reads & ~s->fresh && bind_now(s, (s->reads | cond->reads) & ~s->fresh, err) != TALLY_OK) return -1;
  const tally_cel_value *v;
  if (tally_cel_eval(cond->prog, s->ctx, &v, err) != TALLY_OK) return -1;
  if (tally_cel_value_type(v) != TALLY_CEL_BOOL) {
    t_error_set(err, TALLY_ERR_EVAL, "the condition gave a value that is not a bool");
    return -1;
  }
  return tally_cel_value_get_bool(v) ? 1 : 0;
}
