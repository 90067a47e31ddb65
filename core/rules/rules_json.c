/*
** rules_json.c - JSON adapters of the rules engine.
*/
#include "rules_json.h"
#include "../util/error.h"
#include "../util/mem.h"

static tally_status text_field(const t_json *obj, const char *name, tally_text *out, tally_error *err) {
  const t_json *v = t_json_get(obj, name);
  out->ptr = NULL;
  out->len = 0;
  if (!v || v->type == T_JSON_NULL) return TALLY_OK;
  if (v->type != T_JSON_STRING) return t_error_set(err, TALLY_ERR_INPUT, "\"%s\" must be a string or null", name);
  out->ptr = v->u.str.ptr;
  out->len = v->u.str.len;
  return TALLY_OK;
}

static tally_status score_field(const t_json *scores, const char *name, int64_t *out, tally_error *err) {
  *out = 0;
  const t_json *v = scores ? t_json_get(scores, name) : NULL;
  if (!v || v->type == T_JSON_NULL) return TALLY_OK;
  int64_t x;
  if (!t_json_as_i64(v, &x) || x < 0 || x > 100)
    return t_error_set(err, TALLY_ERR_INPUT, "riskScores.%s must be an integer from 0 to 100", name);
  *out = x;
  return TALLY_OK;
}

tally_status t_rules_signup_from_json(const t_json *v, tally_signup *out, tally_error *err) {
  t_memset(out, 0, sizeof *out);
  if (v->type != T_JSON_OBJECT) return t_error_set(err, TALLY_ERR_INPUT, "a sign-up must be a JSON object");
  tally_status st;
  if ((st = text_field(v, "email", &out->email, err)) != TALLY_OK) return st;
  if ((st = text_field(v, "authMethod", &out->auth_method, err)) != TALLY_OK) return st;
  if ((st = text_field(v, "oauthProvider", &out->oauth_provider, err)) != TALLY_OK) return st;
  if ((st = text_field(v, "countryCode", &out->country_code, err)) != TALLY_OK) return st;
  if ((st = text_field(v, "ip", &out->ip, err)) != TALLY_OK) return st;
  const t_json *scores = t_json_get(v, "riskScores");
  if (scores && scores->type != T_JSON_NULL && scores->type != T_JSON_OBJECT)
    return t_error_set(err, TALLY_ERR_INPUT, "\"riskScores\" must be an object");
  if (scores && scores->type == T_JSON_NULL) scores = NULL;
  if ((st = score_field(scores, "bot", &out->bot, err)) != TALLY_OK) return st;
  return score_field(scores, "free_trial_abuse", &out->free_trial_abuse, err);
}

static void write_id(t_buf *b, const tally_rules *rs, size_t i) {
  const t_rule *r = &rs->rules[i];
  t_json_write_string(b, r->id, r->id_len);
}

void t_rules_write_result(t_buf *b, const tally_rules *rs, const tally_rules_result *r) {
  t_buf_puts(b, "{\"decision\":\"");
  t_buf_puts(b, tally_decision_name(r->decision));
  t_buf_puts(b, r->allowed ? "\",\"allowed\":true,\"restrictedBy\":" : "\",\"allowed\":false,\"restrictedBy\":");
  if (r->restricted_by >= 0) write_id(b, rs, (size_t)r->restricted_by);
  else t_buf_puts(b, "null");
  t_buf_puts(b, ",\"matched\":[");
  for (size_t i = 0; i < r->nmatched; i++) {
    if (i) t_buf_putc(b, ',');
    write_id(b, rs, r->matched[i]);
  }
  t_buf_puts(b, "],\"evaluations\":[");
  for (size_t i = 0; i < r->nevaluations; i++) {
    const tally_rule_evaluation *e = &r->evaluations[i];
    if (i) t_buf_putc(b, ',');
    t_buf_puts(b, "{\"ruleId\":");
    write_id(b, rs, e->rule);
    t_buf_printf(b, ",\"status\":\"%s\",\"action\":", tally_rule_status_name(e->status));
    const char *an = tally_action_name(e->action);
    if (an) t_buf_printf(b, "\"%s\"", an);
    else t_buf_puts(b, "null");
    if (e->message) {
      t_buf_puts(b, ",\"message\":");
      t_json_write_string(b, e->message, t_strlen(e->message));
    }
    t_buf_putc(b, '}');
  }
  t_buf_puts(b, "]}");
}

tally_status t_rules_summary_init(t_rules_summary *s, const tally_allocator *a, size_t nrules) {
  t_memset(s, 0, sizeof *s);
  s->nrules = nrules;
  s->matched = t_calloc(a, nrules ? nrules * 3 : 1, sizeof(uint64_t));
  if (!s->matched) return TALLY_ERR_NOMEM;
  s->decided = s->matched + nrules;
  s->errors = s->decided + nrules;
  return TALLY_OK;
}

void t_rules_summary_free(t_rules_summary *s, const tally_allocator *a) {
  t_free(a, s->matched, (s->nrules ? s->nrules * 3 : 1) * sizeof(uint64_t));
  s->matched = s->decided = s->errors = NULL;
}

void t_rules_summary_add(t_rules_summary *s, const tally_rules_result *r) {
  s->rows++;
  s->decisions[r->decision]++;
  if (r->restricted_by >= 0) s->restricted++;
  for (size_t i = 0; i < r->nevaluations; i++) {
    const tally_rule_evaluation *e = &r->evaluations[i];
    if (e->status == TALLY_RULE_MATCHED) s->matched[e->rule]++;
    if (e->status == TALLY_RULE_ERROR) s->errors[e->rule]++;
  }
  if ((r->decision == TALLY_DECISION_ALLOW || r->decision == TALLY_DECISION_REJECT) && r->nevaluations)
    s->decided[r->evaluations[r->nevaluations - 1].rule]++;
}

void t_rules_summary_view(const t_rules_summary *s, tally_rules_summary *out) {
  out->rows = s->rows;
  for (int i = 0; i < 4; i++) out->decisions[i] = s->decisions[i];
  out->restricted = s->restricted;
  out->matched = s->matched;
  out->decided = s->decided;
  out->errors = s->errors;
}

void t_rules_summary_write(t_buf *b, const tally_rules *rs, const tally_rules_summary *s) {
  t_buf_printf(b, "{\"rows\":%llu,\"decisions\":{\"allow\":%llu,\"reject\":%llu,\"default-allow\":%llu,"
                  "\"default-reject\":%llu},\"restricted\":%llu,\"rules\":{",
               (unsigned long long)s->rows, (unsigned long long)s->decisions[TALLY_DECISION_ALLOW],
               (unsigned long long)s->decisions[TALLY_DECISION_REJECT],
               (unsigned long long)s->decisions[TALLY_DECISION_DEFAULT_ALLOW],
               (unsigned long long)s->decisions[TALLY_DECISION_DEFAULT_REJECT], (unsigned long long)s->restricted);
  for (size_t i = 0; i < rs->n; i++) {
    if (i) t_buf_putc(b, ',');
    write_id(b, rs, i);
    t_buf_printf(b, ":{\"matched\":%llu,\"decided\":%llu,\"errors\":%llu}", (unsigned long long)s->matched[i],
                 (unsigned long long)s->decided[i], (unsigned long long)s->errors[i]);
  }
  t_buf_puts(b, "}}");
}

void t_rules_write_issues(t_buf *b, const t_rules_issues *issues) {
  if (!issues->len) { t_buf_puts(b, "{\"ok\":true}"); return; }
  t_buf_puts(b, "{\"ok\":false,\"errors\":[");
  for (size_t i = 0; i < issues->len; i++) {
    const t_rules_issue *is = &issues->items[i];
    if (i) t_buf_putc(b, ',');
    t_buf_puts(b, "{\"ruleId\":");
    if (is->rule_id) t_json_write_string(b, is->rule_id, t_strlen(is->rule_id));
    else t_buf_puts(b, "null");
    t_buf_printf(b, ",\"field\":\"%s\",\"message\":", is->field);
    t_json_write_string(b, is->message ? is->message : "", is->message ? t_strlen(is->message) : 0);
    if (is->line) t_buf_printf(b, ",\"line\":%u,\"column\":%u", is->line, is->column);
    t_buf_putc(b, '}');
  }
  t_buf_puts(b, "]}");
}
