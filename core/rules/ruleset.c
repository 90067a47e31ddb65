/*
** ruleset.c - loading and validating a rule set (signup-rules.md, "Rule set").
*/
#include "ruleset.h"
#include "../util/buf.h"
#include "../util/error.h"
#include "../util/json.h"
#include "../util/utf8.h"

static bool valid_id(t_str id) {
  /* ^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$ */
  if (id.len == 0 || id.len > 63) return false;
  for (size_t i = 0; i < id.len; i++) {
    char c = id.ptr[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

static bool only_space(t_str s) { return t_utf8_trim_space(s).len == 0; }

typedef struct builder {
  const tally_allocator *alloc;
  const t_cond_env *env;
  t_rules_issues *issues;
  bool nomem;
} builder;

static char *dup_str(builder *b, const char *s, size_t len) {
  char *p = t_strndup(b->alloc, s, len);
  if (!p) b->nomem = true;
  return p;
}

static void add_issue(builder *b, t_str rule_id, bool has_rule, const char *field, const char *message,
                      uint32_t line, uint32_t column) {
  if (!b->issues) return;
  t_rules_issue is = {0};
  is.rule_id = has_rule ? dup_str(b, rule_id.ptr, rule_id.len) : NULL;
  is.field = field;
  is.message = dup_str(b, message, t_strlen(message));
  is.line = line;
  is.column = column;
  if (!t_vec_push(b->alloc, b->issues, is)) b->nomem = true;
}

/* Records the first problem of a rule: its status is then error. */
static void rule_problem(builder *b, t_rule *r, const char *field, const char *message, uint32_t line,
                         uint32_t column) {
  t_str id = {r->id, r->id_len};
  add_issue(b, id, true, field, message, line, column);
  if (!r->error) {
    t_buf m;
    t_buf_init(&m, b->alloc);
    if (line) t_buf_printf(&m, "%s: %s (line %u, column %u)", field, message, line, column);
    else t_buf_printf(&m, "%s: %s", field, message);
    r->error = dup_str(b, t_buf_cstr(&m), m.len);
    t_buf_free(&m);
  }
}

static void load_rule(builder *b, t_rule *r, const t_json *v) {
  char msg[256];
  r->action = TALLY_ACTION_NONE;
  if (!valid_id((t_str){r->id, r->id_len}))
    rule_problem(b, r, "id", "a rule id must match ^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$", 0, 0);
  if (v->type != T_JSON_OBJECT) {
    rule_problem(b, r, "rule", "a rule must be a JSON object", 0, 0);
    return;
  }
  const t_json *enabled = t_json_get(v, "enabled");
  if (enabled && enabled->type == T_JSON_BOOL) r->enabled = enabled->u.b;
  else if (enabled && enabled->type != T_JSON_NULL) rule_problem(b, r, "enabled", "must be true or false", 0, 0);

  const t_json *prio = t_json_get(v, "priority");
  if (prio && prio->type != T_JSON_NULL) {
    int64_t p;
    if (!t_json_as_i64(prio, &p) || p < 0) rule_problem(b, r, "priority", "must be an integer >= 0", 0, 0);
    else r->priority = p;
  }

  const t_json *name = t_json_get(v, "displayName");
  if (name && name->type != T_JSON_STRING && name->type != T_JSON_NULL)
    rule_problem(b, r, "displayName", "must be a string", 0, 0);

  const t_json *action = t_json_get(v, "action");
  const t_json *type = action && action->type == T_JSON_OBJECT ? t_json_get(action, "type") : NULL;
  if (!action || action->type != T_JSON_OBJECT) {
    rule_problem(b, r, "action", "must be an object with a \"type\"", 0, 0);
  } else if (!type || type->type != T_JSON_STRING) {
    rule_problem(b, r, "action.type", "must be one of allow, reject, restrict, log", 0, 0);
  } else {
    static const char *const NAMES[] = {"allow", "reject", "restrict", "log"};
    for (size_t i = 0; i < 4; i++)
      if (t_str_eq_cstr(type->u.str, NAMES[i])) r->action = (tally_action)(i + 1);
    if (r->action == TALLY_ACTION_NONE) {
      t_snprintf(msg, sizeof msg, "unknown action '%S': must be one of allow, reject, restrict, log", type->u.str);
      rule_problem(b, r, "action.type", msg, 0, 0);
    }
    const t_json *m = t_json_get(action, "message");
    if (m && m->type != T_JSON_STRING && m->type != T_JSON_NULL)
      rule_problem(b, r, "action.message", "must be a string", 0, 0);
  }

  const t_json *cond = t_json_get(v, "condition");
  if (!cond || cond->type == T_JSON_NULL || (cond->type == T_JSON_STRING && only_space(cond->u.str))) {
    r->has_condition = false;
    return;
  }
  if (cond->type != T_JSON_STRING) {
    r->has_condition = true;
    rule_problem(b, r, "condition", "must be a string of CEL", 0, 0);
    return;
  }
  r->has_condition = true;
  tally_error cerr;
  t_error_clear(&cerr);
  tally_status st = t_rule_cond_compile(b->alloc, b->env, cond->u.str.ptr, cond->u.str.len, &r->cond, &cerr);
  if (st == TALLY_ERR_NOMEM) { b->nomem = true; return; }
  if (st != TALLY_OK) {
    r->cond = NULL;
    rule_problem(b, r, "condition", cerr.message, cerr.line, cerr.column);
  }
}

/* Priority descending, then id in byte order. */
static bool rule_before(const t_rule *a, const t_rule *b) {
  if (a->priority != b->priority) return a->priority > b->priority;
  return t_str_cmp((t_str){a->id, a->id_len}, (t_str){b->id, b->id_len}) < 0;
}

static void sort_rules(t_rule *r, size_t n) {
  /* Insertion sort is stable and rule sets are small (hundreds at most). */
  for (size_t i = 1; i < n; i++) {
    t_rule x = r[i];
    size_t j = i;
    while (j > 0 && rule_before(&x, &r[j - 1])) { r[j] = r[j - 1]; j--; }
    r[j] = x;
  }
}

tally_status t_rules_build(const tally_allocator *alloc, const char *json, size_t len, tally_rules **out,
                           t_rules_issues *issues, tally_error *err) {
  *out = NULL;
  t_arena ar;
  t_arena_init(&ar, alloc, 0);
  t_json *root;
  tally_status st = t_json_parse(&ar, json, len, NULL, &root, err);
  if (st != TALLY_OK) { t_arena_free(&ar); return st; }
  builder b = {alloc, NULL, issues, false};
  if (root->type != T_JSON_OBJECT) {
    t_arena_free(&ar);
    return t_error_set(err, TALLY_ERR_INPUT, "a rule set must be a JSON object with \"rules\"");
  }
  tally_rules *rs = t_calloc(alloc, 1, sizeof *rs);
  if (!rs) { t_arena_free(&ar); return t_error_set(err, TALLY_ERR_NOMEM, "out of memory"); }
  rs->alloc = *alloc;
  if (t_cond_env_new(alloc, &rs->env) != TALLY_OK) {
    t_arena_free(&ar);
    tally_rules_free(rs);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  b.env = rs->env;
  st = TALLY_OK;
  const t_json *def = t_json_get(root, "defaultAction");
  if (def && def->type != T_JSON_NULL) {
    if (def->type == T_JSON_STRING && t_str_eq_cstr(def->u.str, "reject")) rs->default_reject = true;
    else if (!(def->type == T_JSON_STRING && t_str_eq_cstr(def->u.str, "allow"))) {
      add_issue(&b, T_STR(""), false, "defaultAction", "must be \"allow\" or \"reject\"", 0, 0);
      st = t_error_set(err, TALLY_ERR_INPUT, "defaultAction must be \"allow\" or \"reject\"");
    }
  }
  const t_json *rules = t_json_get(root, "rules");
  if (rules && rules->type != T_JSON_OBJECT && rules->type != T_JSON_NULL) {
    add_issue(&b, T_STR(""), false, "rules", "must be an object of rules keyed by id", 0, 0);
    if (st == TALLY_OK) st = t_error_set(err, TALLY_ERR_INPUT, "\"rules\" must be an object of rules keyed by id");
  } else if (rules && rules->type == T_JSON_OBJECT && rules->u.obj.len) {
    size_t n = rules->u.obj.len;
    rs->rules = t_calloc(alloc, n, sizeof *rs->rules);
    if (!rs->rules) b.nomem = true;
    else rs->cap = n;
    for (size_t i = 0; i < n && !b.nomem; i++) {
      const t_json_member *m = &rules->u.obj.items[i];
      for (size_t j = 0; j < i; j++) {
        if (t_str_eq(rules->u.obj.items[j].key, m->key)) {
          char msg[200];
          t_snprintf(msg, sizeof msg, "the rule id '%S' is given twice", m->key);
          add_issue(&b, m->key, true, "id", msg, 0, 0);
          if (st == TALLY_OK) st = t_error_set(err, TALLY_ERR_INPUT, "%s", msg);
          break;
        }
      }
      t_rule *r = &rs->rules[rs->n++];
      r->id = dup_str(&b, m->key.ptr, m->key.len);
      r->id_len = m->key.len;
      if (!b.nomem) load_rule(&b, r, m->value);
    }
  }
  t_arena_free(&ar);
  if (b.nomem) {
    tally_rules_free(rs);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  sort_rules(rs->rules, rs->n);
  if (st != TALLY_OK) {
    tally_rules_free(rs);
    return st;
  }
  for (size_t i = 0; i < rs->n; i++)
    if (rs->rules[i].cond) rs->reads |= t_rule_cond_reads(rs->rules[i].cond);
  *out = rs;
  return TALLY_OK;
}

void t_rules_issues_free(const tally_allocator *alloc, t_rules_issues *issues) {
  for (size_t i = 0; i < issues->len; i++) {
    t_rules_issue *is = &issues->items[i];
    if (is->rule_id) t_free(alloc, is->rule_id, t_strlen(is->rule_id) + 1);
    if (is->message) t_free(alloc, is->message, t_strlen(is->message) + 1);
  }
  t_vec_free(alloc, issues);
}

tally_status tally_rules_load(const tally_allocator *alloc, const char *json, size_t len, tally_rules **out,
                              tally_error *err) {
  return t_rules_build(alloc, json, len, out, NULL, err);
}

void tally_rules_free(tally_rules *rs) {
  if (!rs) return;
  const tally_allocator *a = &rs->alloc;
  for (size_t i = 0; i < rs->n; i++) {
    t_rule *r = &rs->rules[i];
    if (r->id) t_free(a, r->id, r->id_len + 1);
    if (r->error) t_free(a, r->error, t_strlen(r->error) + 1);
    if (r->cond) t_rule_cond_free(a, r->cond);
  }
  tally_allocator copy = *a;
  if (rs->env) t_cond_env_free(&copy, rs->env);
  t_free(&copy, rs->rules, rs->cap * sizeof *rs->rules);
  t_free(&copy, rs, sizeof *rs);
}

size_t tally_rules_count(const tally_rules *rs) { return rs->n; }

const char *tally_rules_id(const tally_rules *rs, size_t i) { return i < rs->n ? rs->rules[i].id : NULL; }
