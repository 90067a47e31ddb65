/*
** engine.c - the sign-up context and the ordered walk over the rules
** (signup-rules.md, "Evaluation" and "Context").
*/
#include "engine.h"
#include "ruleset.h"
#include "unicase.h"
#include "rules_json.h"
#include "../util/buf.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "../util/vec.h"

struct tally_rules_scratch {
  tally_allocator alloc;
  t_cond_scratch *cond;
  t_buf email;                 /* normalised e-mail */
  char country[2];
  T_VEC(uint32_t) matched;
  T_VEC(tally_rule_evaluation) evals;
  t_buf messages;              /* error messages of this evaluation, NUL-separated */
  T_VEC(size_t) message_offsets;
  T_VEC(uint64_t) summary_counts;  /* a batch summary's per-rule arrays */
};

const char *tally_decision_name(tally_decision d) {
  switch (d) {
    case TALLY_DECISION_ALLOW: return "allow";
    case TALLY_DECISION_REJECT: return "reject";
    case TALLY_DECISION_DEFAULT_ALLOW: return "default-allow";
    case TALLY_DECISION_DEFAULT_REJECT: return "default-reject";
  }
  return "?";
}

const char *tally_rule_status_name(tally_rule_status s) {
  switch (s) {
    case TALLY_RULE_MATCHED: return "matched";
    case TALLY_RULE_NOT_MATCHED: return "not_matched";
    case TALLY_RULE_ERROR: return "error";
    case TALLY_RULE_DISABLED: return "disabled";
    case TALLY_RULE_MISSING_CONDITION: return "missing_condition";
  }
  return "?";
}

const char *tally_action_name(tally_action a) {
  switch (a) {
    case TALLY_ACTION_NONE: return NULL;
    case TALLY_ACTION_ALLOW: return "allow";
    case TALLY_ACTION_REJECT: return "reject";
    case TALLY_ACTION_RESTRICT: return "restrict";
    case TALLY_ACTION_LOG: return "log";
  }
  return NULL;
}

tally_status tally_rules_scratch_new(const tally_allocator *alloc, tally_rules_scratch **out) {
  tally_rules_scratch *s = t_calloc(alloc, 1, sizeof *s);
  if (!s) return TALLY_ERR_NOMEM;
  s->alloc = *alloc;
  t_buf_init(&s->email, &s->alloc);
  t_buf_init(&s->messages, &s->alloc);
  if (t_cond_scratch_new(&s->alloc, NULL, &s->cond) != TALLY_OK) {
    t_free(alloc, s, sizeof *s);
    return TALLY_ERR_NOMEM;
  }
  *out = s;
  return TALLY_OK;
}

void tally_rules_scratch_free(tally_rules_scratch *s) {
  if (!s) return;
  tally_allocator a = s->alloc;
  t_cond_scratch_free(&a, s->cond);
  t_buf_free(&s->email);
  t_buf_free(&s->messages);
  t_vec_free(&a, &s->matched);
  t_vec_free(&a, &s->evals);
  t_vec_free(&a, &s->message_offsets);
  t_vec_free(&a, &s->summary_counts);
  t_free(&a, s, sizeof *s);
}

/* Trims Unicode white space and lower-cases with the simple mapping. */
static t_str normalise_email(t_buf *b, t_str in) {
  in = t_utf8_trim_space(in);
  t_buf_clear(b);
  for (size_t i = 0; i < in.len;) {
    uint32_t cp;
    size_t n = t_utf8_decode(in.ptr + i, in.len - i, &cp);
    if (!n) { t_buf_putc(b, in.ptr[i]); i++; continue; } /* hosts pass valid UTF-8; keep bytes otherwise */
    char enc[4];
    t_buf_append(b, enc, t_utf8_encode(t_unicode_lower(cp), enc));
    i += n;
  }
  t_str r = {b->ptr ? b->ptr : "", b->len};
  return r;
}

static t_str text_of(tally_text t) {
  t_str s = {t.ptr ? t.ptr : "", t.ptr ? t.len : 0};
  return s;
}

tally_status t_rules_derive(tally_rules_scratch *s, const tally_signup *in, t_signup_ctx *ctx, tally_error *err) {
  if (in->bot < 0 || in->bot > 100)
    return t_error_set(err, TALLY_ERR_INPUT, "riskScores.bot must be an integer from 0 to 100");
  if (in->free_trial_abuse < 0 || in->free_trial_abuse > 100)
    return t_error_set(err, TALLY_ERR_INPUT, "riskScores.free_trial_abuse must be an integer from 0 to 100");
  /* Conditions see these strings without a copy: they must be valid UTF-8. */
  static const char *const NAMES[] = {"email", "authMethod", "oauthProvider", "countryCode", "ip"};
  const tally_text *texts[] = {&in->email, &in->auth_method, &in->oauth_provider, &in->country_code, &in->ip};
  for (size_t i = 0; i < T_ARRAY_LEN(NAMES); i++) {
    t_str t = text_of(*texts[i]);
    if (t_utf8_validate(t.ptr, t.len) != t.len)
      return t_error_set(err, TALLY_ERR_INPUT, "\"%s\" is not valid UTF-8", NAMES[i]);
  }
  ctx->email = normalise_email(&s->email, text_of(in->email));
  if (s->email.failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  ctx->email_domain = T_STR("");
  for (size_t i = ctx->email.len; i > 0; i--) {
    if (ctx->email.ptr[i - 1] == '@') {
      ctx->email_domain = (t_str){ctx->email.ptr + i, ctx->email.len - i};
      break;
    }
  }
  ctx->auth_method = text_of(in->auth_method);
  ctx->oauth_provider = text_of(in->oauth_provider);
  ctx->ip = text_of(in->ip);
  /* Country: trimmed, upper-cased, kept only when two letters A-Z. */
  t_str cc = text_of(in->country_code);
  size_t a = 0, z = cc.len;
  while (a < z && (cc.ptr[a] == ' ' || (cc.ptr[a] >= 0x09 && cc.ptr[a] <= 0x0D))) a++;
  while (z > a && (cc.ptr[z - 1] == ' ' || (cc.ptr[z - 1] >= 0x09 && cc.ptr[z - 1] <= 0x0D))) z--;
  ctx->country_code = T_STR("");
  if (z - a == 2) {
    for (int i = 0; i < 2; i++) {
      char c = cc.ptr[a + i];
      if (c >= 'a' && c <= 'z') c = (char)(c - 32);
      s->country[i] = c;
    }
    if (s->country[0] >= 'A' && s->country[0] <= 'Z' && s->country[1] >= 'A' && s->country[1] <= 'Z')
      ctx->country_code = (t_str){s->country, 2};
  }
  ctx->bot = in->bot;
  ctx->free_trial_abuse = in->free_trial_abuse;
  return TALLY_OK;
}

static void push_eval(tally_rules_scratch *s, uint32_t rule, tally_rule_status st, tally_action action,
                      const char *message, bool *nomem) {
  tally_rule_evaluation ev = {rule, st, action, NULL};
  if (message) {
    size_t off = s->messages.len;
    t_buf_append(&s->messages, message, t_strlen(message) + 1);
    if (!t_vec_push(&s->alloc, &s->message_offsets, off)) *nomem = true;
    ev.message = (const char *)(uintptr_t)1; /* fixed up once the buffer stops moving */
  }
  if (!t_vec_push(&s->alloc, &s->evals, ev)) *nomem = true;
}

tally_status t_rules_eval_ctx(const tally_rules *rs, tally_rules_scratch *s, const t_signup_ctx *ctx,
                              tally_rules_result *out, tally_error *err) {
  s->matched.len = 0;
  s->evals.len = 0;
  s->message_offsets.len = 0;
  t_buf_clear(&s->messages);
  t_cond_scratch_bind(s->cond, ctx, rs->reads);
  bool nomem = false;
  int32_t restricted = -1;
  tally_decision decision = rs->default_reject ? TALLY_DECISION_DEFAULT_REJECT : TALLY_DECISION_DEFAULT_ALLOW;
  for (uint32_t i = 0; i < rs->n && !nomem; i++) {
    const t_rule *r = &rs->rules[i];
    if (!r->enabled) { push_eval(s, i, TALLY_RULE_DISABLED, r->action, NULL, &nomem); continue; }
    if (!r->has_condition) { push_eval(s, i, TALLY_RULE_MISSING_CONDITION, r->action, NULL, &nomem); continue; }
    if (r->error) { push_eval(s, i, TALLY_RULE_ERROR, r->action, r->error, &nomem); continue; }
    tally_error cerr;
    t_error_clear(&cerr);
    int m = t_rule_cond_eval(r->cond, s->cond, &cerr);
    if (m < 0) {
      if (cerr.code == TALLY_ERR_NOMEM) { nomem = true; break; }
      push_eval(s, i, TALLY_RULE_ERROR, r->action, cerr.message, &nomem);
      continue;
    }
    if (!m) { push_eval(s, i, TALLY_RULE_NOT_MATCHED, r->action, NULL, &nomem); continue; }
    push_eval(s, i, TALLY_RULE_MATCHED, r->action, NULL, &nomem);
    if (!t_vec_push(&s->alloc, &s->matched, i)) nomem = true;
    if (r->action == TALLY_ACTION_RESTRICT && restricted < 0) restricted = (int32_t)i;
    if (r->action == TALLY_ACTION_ALLOW) { decision = TALLY_DECISION_ALLOW; break; }
    if (r->action == TALLY_ACTION_REJECT) { decision = TALLY_DECISION_REJECT; break; }
  }
  if (nomem || s->messages.failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < s->evals.len; i++)
    if (s->evals.items[i].message) s->evals.items[i].message = s->messages.ptr + s->message_offsets.items[k++];
  out->decision = decision;
  out->allowed = decision == TALLY_DECISION_ALLOW || decision == TALLY_DECISION_DEFAULT_ALLOW;
  /* A restriction applies to a sign-up that is let in. */
  out->restricted_by = out->allowed ? restricted : -1;
  out->matched = s->matched.items;
  out->nmatched = s->matched.len;
  out->evaluations = s->evals.items;
  out->nevaluations = s->evals.len;
  return TALLY_OK;
}

tally_status tally_rules_eval(const tally_rules *rs, tally_rules_scratch *s, const tally_signup *signup,
                              tally_rules_result *out, tally_error *err) {
  t_signup_ctx ctx;
  tally_status st = t_rules_derive(s, signup, &ctx, err);
  if (st != TALLY_OK) return st;
  return t_rules_eval_ctx(rs, s, &ctx, out, err);
}

t_cond_scratch *t_rules_scratch_swap_cond(tally_rules_scratch *s, t_cond_scratch *cond) {
  t_cond_scratch *old = s->cond;
  s->cond = cond;
  return old;
}

tally_status t_rules_scratch_keep_summary(tally_rules_scratch *s, const t_rules_summary *sum, tally_rules_summary *out,
                                          tally_error *err) {
  size_t n = sum->nrules;
  s->summary_counts.len = 0;
  if (!t_vec_reserve(&s->alloc, &s->summary_counts, 3 * n + 1)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  uint64_t *p = s->summary_counts.items;
  for (size_t i = 0; i < n; i++) {
    p[i] = sum->matched[i];
    p[n + i] = sum->decided[i];
    p[2 * n + i] = sum->errors[i];
  }
  t_rules_summary_view(sum, out);
  out->matched = p;
  out->decided = p + n;
  out->errors = p + 2 * n;
  return TALLY_OK;
}
