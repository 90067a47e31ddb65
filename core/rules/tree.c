/*
** tree.c - CEL condition <-> visual rule tree.
*/
#include "tree.h"
#include "../cel/ast.h"
#include "../cel/parser.h"
#include "../util/error.h"

/*
** {======================================================
** The table of fields and operators (signup-rules.md). The tree can show
** exactly these; everything else is "not representable".
** =======================================================
*/

typedef enum field_kind { FIELD_TEXT, FIELD_CHOICE, FIELD_SCORE } field_kind;

typedef struct field_def {
  const char *name;
  field_kind kind;
} field_def;

static const field_def FIELDS[] = {
  {"email", FIELD_TEXT},
  {"emailDomain", FIELD_TEXT},
  {"countryCode", FIELD_CHOICE},
  {"authMethod", FIELD_CHOICE},
  {"oauthProvider", FIELD_CHOICE},
  {"riskScores.bot", FIELD_SCORE},
  {"riskScores.free_trial_abuse", FIELD_SCORE},
};

/* Operators; ORDER OPS: cel spellings below follow this order. */
typedef enum op_id {
  OP_EQUALS, OP_NOT_EQUALS, OP_CONTAINS, OP_STARTS_WITH, OP_ENDS_WITH, OP_MATCHES, OP_IN_LIST,
  OP_GT, OP_GE, OP_LT, OP_LE, OP_COUNT
} op_id;

static const char *const OP_NAMES[OP_COUNT] = {
  "equals", "not_equals", "contains", "starts_with", "ends_with", "matches", "in_list",
  "greater_than", "greater_or_equal", "less_than", "less_or_equal",
};

/* CEL: the binary operator, or the method name. ORDER OPS */
static const char *const OP_CEL[OP_COUNT] = {
  "==", "!=", "contains", "startsWith", "endsWith", "matches", "in", ">", ">=", "<", "<=",
};

static bool op_allowed(field_kind k, op_id op) {
  switch (k) {
    case FIELD_TEXT: return op <= OP_IN_LIST;
    case FIELD_CHOICE: return op == OP_EQUALS || op == OP_NOT_EQUALS || op == OP_IN_LIST;
    case FIELD_SCORE: return op == OP_EQUALS || op == OP_NOT_EQUALS || op >= OP_GT;
  }
  return false;
}

static const field_def *find_field(t_str name) {
  for (size_t i = 0; i < T_ARRAY_LEN(FIELDS); i++)
    if (t_str_eq_cstr(name, FIELDS[i].name)) return &FIELDS[i];
  return NULL;
}

static int find_op(t_str name) {
  for (int i = 0; i < OP_COUNT; i++)
    if (t_str_eq_cstr(name, OP_NAMES[i])) return i;
  return -1;
}

/* }====================================================== */

void t_rules_quote(t_buf *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  t_buf_putc(out, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '\\': t_buf_puts(out, "\\\\"); break;
      case '"': t_buf_puts(out, "\\\""); break;
      case '\n': t_buf_puts(out, "\\n"); break;
      case '\r': t_buf_puts(out, "\\r"); break;
      case '\t': t_buf_puts(out, "\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          t_buf_append(out, u, 6);
        } else {
          t_buf_putc(out, (char)c);
        }
    }
  }
  t_buf_putc(out, '"');
}

/*
** {======================================================
** CEL to tree
** =======================================================
*/

typedef struct to_tree {
  t_buf *out;
  t_buf *reason;
  bool failed;
} to_tree;

static void not_representable(to_tree *t, const char *fmt, ...) {
  if (t->failed) return;
  t->failed = true;
  va_list ap;
  va_start(ap, fmt);
  t_buf_vprintf(t->reason, fmt, ap);
  va_end(ap);
}

static bool is_call(const t_cel_expr *e, const char *fn, size_t nargs) {
  return e->kind == T_CEL_CALL && !e->u.call.target && e->u.call.nargs == nargs &&
         t_str_eq_cstr(e->u.call.function, fn);
}

/* The tree field name of e (email, riskScores.bot, ...), or NULL. */
static const field_def *field_of(const t_cel_expr *e) {
  if (e->kind == T_CEL_IDENT) {
    const field_def *f = find_field(e->u.ident.name);
    return f && f->kind != FIELD_SCORE ? f : NULL;
  }
  const t_cel_expr *base = NULL;
  t_str sub = {0};
  if (e->kind == T_CEL_SELECT && !e->u.select.test_only && !e->u.select.optional) {
    base = e->u.select.operand;
    sub = e->u.select.field;
  } else if (is_call(e, "_[_]", 2) && e->u.call.args[1]->kind == T_CEL_CONST &&
             e->u.call.args[1]->u.c.kind == T_CEL_CONST_STRING) {
    base = e->u.call.args[0];
    sub = e->u.call.args[1]->u.c.v.s;
  }
  if (!base || base->kind != T_CEL_IDENT || !t_str_eq_cstr(base->u.ident.name, "riskScores")) return NULL;
  if (t_str_eq_cstr(sub, "bot")) return &FIELDS[5];
  if (t_str_eq_cstr(sub, "free_trial_abuse")) return &FIELDS[6];
  return NULL;
}

static bool looks_like_field(const t_cel_expr *e) {
  return e->kind == T_CEL_IDENT || e->kind == T_CEL_SELECT || is_call(e, "_[_]", 2);
}

/* The written name of a field-like expression, for messages ("riskScores.bots"). */
static t_str field_text(const t_cel_expr *e, t_arena *ar) {
  if (e->kind == T_CEL_IDENT) return e->u.ident.name;
  const t_cel_expr *base = NULL;
  t_str sub = T_STR("?");
  if (e->kind == T_CEL_SELECT) {
    base = e->u.select.operand;
    sub = e->u.select.field;
  } else if (e->kind == T_CEL_CALL && e->u.call.nargs == 2 && e->u.call.args[1]->kind == T_CEL_CONST &&
             e->u.call.args[1]->u.c.kind == T_CEL_CONST_STRING) {
    base = e->u.call.args[0];
    sub = e->u.call.args[1]->u.c.v.s;
  }
  if (!base || base->kind != T_CEL_IDENT) return sub;
  t_str b = base->u.ident.name;
  char *p = t_arena_alloc(ar, b.len + 1 + sub.len);
  if (!p) return sub;
  t_memcpy(p, b.ptr, b.len);
  p[b.len] = '.';
  if (sub.len) t_memcpy(p + b.len + 1, sub.ptr, sub.len);
  t_str r = {p, b.len + 1 + sub.len};
  return r;
}

static bool is_string_const(const t_cel_expr *e) {
  return e->kind == T_CEL_CONST && e->u.c.kind == T_CEL_CONST_STRING;
}

static void write_condition_head(to_tree *t, const field_def *f, op_id op) {
  t_buf_puts(t->out, "{\"type\":\"condition\",\"field\":");
  t_json_write_string(t->out, f->name, t_strlen(f->name));
  t_buf_puts(t->out, ",\"operator\":");
  t_json_write_string(t->out, OP_NAMES[op], t_strlen(OP_NAMES[op]));
  t_buf_puts(t->out, ",\"value\":");
}

/* A comparison: one side a field, the other a literal of the field's kind. */
static void convert_compare(to_tree *t, const t_cel_expr *e, op_id op, t_arena *ar) {
  const t_cel_expr *l = e->u.call.args[0], *r = e->u.call.args[1];
  const field_def *f = field_of(l);
  const t_cel_expr *lit = r;
  if (!f && (f = field_of(r)) != NULL) {
    /* 80 < riskScores.bot reads as riskScores.bot > 80 */
    lit = l;
    switch (op) {
      case OP_GT: op = OP_LT; break;
      case OP_GE: op = OP_LE; break;
      case OP_LT: op = OP_GT; break;
      case OP_LE: op = OP_GE; break;
      default: break;
    }
  }
  if (!f) {
    const t_cel_expr *side = looks_like_field(l) ? l : r;
    const t_cel_expr *call = l->kind == T_CEL_CALL && !is_call(l, "_[_]", 2) ? l
                             : r->kind == T_CEL_CALL && !is_call(r, "_[_]", 2) ? r : NULL;
    if (call)
      not_representable(t, "the function '%S' cannot be shown in the tree", call->u.call.function);
    else if (looks_like_field(side))
      not_representable(t, "the field '%S' cannot be shown in the tree", field_text(side, ar));
    else
      not_representable(t, "a comparison needs a field on one side and a value on the other");
    return;
  }
  if (!op_allowed(f->kind, op)) {
    not_representable(t, "the operator '%s' is not available for the field '%s'", OP_CEL[op], f->name);
    return;
  }
  if (f->kind == FIELD_SCORE) {
    if (lit->kind != T_CEL_CONST || lit->u.c.kind != T_CEL_CONST_INT || lit->u.c.v.i < 0 || lit->u.c.v.i > 100) {
      not_representable(t, "'%s' is compared with something other than an integer from 0 to 100", f->name);
      return;
    }
    write_condition_head(t, f, op);
    t_buf_put_i64(t->out, lit->u.c.v.i);
    t_buf_putc(t->out, '}');
    return;
  }
  if (!is_string_const(lit)) {
    not_representable(t, "'%s' is compared with something other than a string literal", f->name);
    return;
  }
  write_condition_head(t, f, op);
  t_json_write_string(t->out, lit->u.c.v.s.ptr, lit->u.c.v.s.len);
  t_buf_putc(t->out, '}');
}

static void convert_in(to_tree *t, const t_cel_expr *e, t_arena *ar) {
  const t_cel_expr *l = e->u.call.args[0], *r = e->u.call.args[1];
  const field_def *f = field_of(l);
  if (!f) {
    if (looks_like_field(l)) not_representable(t, "the field '%S' cannot be shown in the tree", field_text(l, ar));
    else not_representable(t, "'in' needs a field on its left");
    return;
  }
  if (!op_allowed(f->kind, OP_IN_LIST)) {
    not_representable(t, "the operator 'in' is not available for the field '%s'", f->name);
    return;
  }
  if (r->kind != T_CEL_LIST || r->u.list.noptional) {
    not_representable(t, "'in' needs a list of string literals on its right");
    return;
  }
  for (size_t i = 0; i < r->u.list.nelems; i++) {
    if (!is_string_const(r->u.list.elems[i])) {
      not_representable(t, "'in' needs a list of string literals on its right");
      return;
    }
  }
  write_condition_head(t, f, OP_IN_LIST);
  t_buf_putc(t->out, '[');
  for (size_t i = 0; i < r->u.list.nelems; i++) {
    if (i) t_buf_putc(t->out, ',');
    t_str s = r->u.list.elems[i]->u.c.v.s;
    t_json_write_string(t->out, s.ptr, s.len);
  }
  t_buf_puts(t->out, "]}");
}

static void convert_method(to_tree *t, const t_cel_expr *e, op_id op, t_arena *ar) {
  const t_cel_expr *target = e->u.call.target;
  const field_def *f = field_of(target);
  if (!f) {
    if (looks_like_field(target)) not_representable(t, "the field '%S' cannot be shown in the tree", field_text(target, ar));
    else not_representable(t, "the function '%S' is applied to something other than a field", e->u.call.function);
    return;
  }
  if (!op_allowed(f->kind, op)) {
    not_representable(t, "the function '%s' is not available for the field '%s'", OP_CEL[op], f->name);
    return;
  }
  if (e->u.call.nargs != 1 || !is_string_const(e->u.call.args[0])) {
    not_representable(t, "the function '%S' needs one string literal argument", e->u.call.function);
    return;
  }
  write_condition_head(t, f, op);
  t_str s = e->u.call.args[0]->u.c.v.s;
  t_json_write_string(t->out, s.ptr, s.len);
  t_buf_putc(t->out, '}');
}

static void convert(to_tree *t, const t_cel_expr *e, t_arena *ar, int depth);

/* Writes the operands of a chain of one logical operator, flattened. */
static void convert_chain(to_tree *t, const t_cel_expr *e, const char *fn, bool *first, t_arena *ar, int depth) {
  if (t->failed) return;
  if (depth > 200) { not_representable(t, "the condition is nested too deeply for the tree"); return; }
  if (is_call(e, fn, 2)) {
    convert_chain(t, e->u.call.args[0], fn, first, ar, depth + 1);
    convert_chain(t, e->u.call.args[1], fn, first, ar, depth + 1);
    return;
  }
  if (!*first) t_buf_putc(t->out, ',');
  *first = false;
  convert(t, e, ar, depth + 1);
}

static void convert(to_tree *t, const t_cel_expr *e, t_arena *ar, int depth) {
  if (t->failed) return;
  if (depth > 200) { not_representable(t, "the condition is nested too deeply for the tree"); return; }
  switch (e->kind) {
    case T_CEL_CONST:
      if (e->u.c.kind == T_CEL_CONST_BOOL && e->u.c.v.b) {
        t_buf_puts(t->out, "{\"type\":\"group\",\"operator\":\"and\",\"children\":[]}");
        return;
      }
      not_representable(t, "a literal other than 'true' cannot be shown in the tree");
      return;
    case T_CEL_IDENT:
    case T_CEL_SELECT:
      if (e->kind == T_CEL_SELECT && e->u.select.test_only) {
        not_representable(t, "the macro 'has' cannot be shown in the tree");
        return;
      }
      not_representable(t, "a field alone is not a condition: compare '%S' with a value", field_text(e, ar));
      return;
    case T_CEL_CALL: break;
    case T_CEL_COMPREHENSION:
      not_representable(t, "macros (all, exists, map, filter, ...) cannot be shown in the tree");
      return;
    default:
      not_representable(t, "a list, map or message literal is not a condition");
      return;
  }
  t_str fn = e->u.call.function;
  if (!e->u.call.target) {
    bool is_and = is_call(e, "_&&_", 2), is_or = is_call(e, "_||_", 2);
    if (is_and || is_or) {
      t_buf_puts(t->out, is_and ? "{\"type\":\"group\",\"operator\":\"and\",\"children\":["
                                : "{\"type\":\"group\",\"operator\":\"or\",\"children\":[");
      bool first = true;
      convert_chain(t, e, is_and ? "_&&_" : "_||_", &first, ar, depth + 1);
      t_buf_puts(t->out, "]}");
      return;
    }
    static const struct { const char *fn; op_id op; } CMP[] = {
      {"_==_", OP_EQUALS}, {"_!=_", OP_NOT_EQUALS}, {"_>_", OP_GT},
      {"_>=_", OP_GE}, {"_<_", OP_LT}, {"_<=_", OP_LE},
    };
    for (size_t i = 0; i < T_ARRAY_LEN(CMP); i++)
      if (is_call(e, CMP[i].fn, 2)) { convert_compare(t, e, CMP[i].op, ar); return; }
    if (is_call(e, "@in", 2)) { convert_in(t, e, ar); return; }
    if (is_call(e, "!_", 1)) { not_representable(t, "negation ('!') cannot be shown in the tree"); return; }
    if (t_str_eq_cstr(fn, "_?_:_")) { not_representable(t, "the conditional operator ('? :') cannot be shown in the tree"); return; }
    if (fn.len > 1 && (fn.ptr[0] == '_' || fn.ptr[0] == '-' || fn.ptr[0] == '!')) {
      not_representable(t, "this operator cannot be shown in the tree");
      return;
    }
    not_representable(t, "the function '%S' cannot be shown in the tree", fn);
    return;
  }
  static const struct { const char *fn; op_id op; } METHODS[] = {
    {"contains", OP_CONTAINS}, {"startsWith", OP_STARTS_WITH}, {"endsWith", OP_ENDS_WITH}, {"matches", OP_MATCHES},
  };
  for (size_t i = 0; i < T_ARRAY_LEN(METHODS); i++)
    if (t_str_eq_cstr(fn, METHODS[i].fn)) { convert_method(t, e, METHODS[i].op, ar); return; }
  not_representable(t, "the function '%S' cannot be shown in the tree", fn);
}

tally_status t_rules_cel_to_tree(t_arena *ar, const char *src, size_t len, t_buf *out, bool *representable,
                                 t_buf *reason, tally_error *err) {
  t_cel_ast ast;
  tally_status st = t_cel_parse(ar, src, len, NULL, &ast, err);
  if (st != TALLY_OK) return st;
  t_buf tmp;
  t_buf_init(&tmp, &ar->alloc);
  to_tree t = {&tmp, reason, false};
  const t_cel_expr *root = ast.root;
  /* The root is always a group, so a lone condition round-trips. */
  bool group_root = is_call(root, "_&&_", 2) || is_call(root, "_||_", 2) ||
                    (root->kind == T_CEL_CONST && root->u.c.kind == T_CEL_CONST_BOOL && root->u.c.v.b);
  if (!group_root) t_buf_puts(&tmp, "{\"type\":\"group\",\"operator\":\"and\",\"children\":[");
  convert(&t, root, ar, 0);
  if (!group_root) t_buf_puts(&tmp, "]}");
  if (tmp.failed || reason->failed) {
    t_buf_free(&tmp);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  *representable = !t.failed;
  if (!t.failed) t_buf_append(out, tmp.ptr, tmp.len);
  t_buf_free(&tmp);
  return out->failed ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory") : TALLY_OK;
}

/* }====================================================== */

/*
** {======================================================
** Tree to CEL
** =======================================================
*/

static tally_status bad_tree(tally_error *err, const char *path, const char *what) {
  return t_error_set(err, TALLY_ERR_INPUT, "invalid tree at %s: %s", path, what);
}

/* A group of one is its child; returns the node to print in its place. */
static const t_json *unwrap(const t_json *node, int depth) {
  while (depth++ < 1000 && node->type == T_JSON_OBJECT) {
    const t_json *type = t_json_get(node, "type");
    const t_json *children = t_json_get(node, "children");
    if (!type || type->type != T_JSON_STRING || !t_str_eq_cstr(type->u.str, "group")) break;
    if (!children || children->type != T_JSON_ARRAY || children->u.arr.len != 1) break;
    node = children->u.arr.items[0];
  }
  return node;
}

static tally_status emit_condition(const t_json *node, t_buf *out, tally_error *err) {
  const t_json *field = t_json_get(node, "field");
  const t_json *op = t_json_get(node, "operator");
  const t_json *value = t_json_get(node, "value");
  if (!field || field->type != T_JSON_STRING) return bad_tree(err, "condition", "\"field\" must be a string");
  if (!op || op->type != T_JSON_STRING) return bad_tree(err, "condition", "\"operator\" must be a string");
  const field_def *f = find_field(field->u.str);
  if (!f) return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: unknown field '%S'", field->u.str);
  int o = find_op(op->u.str);
  if (o < 0) return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: unknown operator '%S'", op->u.str);
  if (!op_allowed(f->kind, (op_id)o))
    return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the operator '%S' is not available for the field '%s'",
                       op->u.str, f->name);
  if (!value) return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the condition on '%s' has no value", f->name);
  if (f->kind == FIELD_SCORE) {
    int64_t v;
    if (!t_json_as_i64(value, &v) || v < 0 || v > 100)
      return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the value of '%s' must be an integer from 0 to 100", f->name);
    t_buf_printf(out, "%s %s ", f->name, OP_CEL[o]);
    t_buf_put_i64(out, v);
    return TALLY_OK;
  }
  if (o == OP_IN_LIST) {
    if (value->type != T_JSON_ARRAY)
      return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the value of 'in_list' on '%s' must be an array of strings", f->name);
    t_buf_printf(out, "%s in [", f->name);
    for (size_t i = 0; i < value->u.arr.len; i++) {
      const t_json *it = value->u.arr.items[i];
      if (it->type != T_JSON_STRING)
        return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the value of 'in_list' on '%s' must be an array of strings", f->name);
      if (i) t_buf_puts(out, ", ");
      t_rules_quote(out, it->u.str.ptr, it->u.str.len);
    }
    t_buf_putc(out, ']');
    return TALLY_OK;
  }
  if (value->type != T_JSON_STRING)
    return t_error_set(err, TALLY_ERR_INPUT, "invalid tree: the value of '%s' must be a string", f->name);
  if (o == OP_EQUALS || o == OP_NOT_EQUALS) t_buf_printf(out, "%s %s ", f->name, OP_CEL[o]);
  else t_buf_printf(out, "%s.%s(", f->name, OP_CEL[o]);
  t_rules_quote(out, value->u.str.ptr, value->u.str.len);
  if (!(o == OP_EQUALS || o == OP_NOT_EQUALS)) t_buf_putc(out, ')');
  return TALLY_OK;
}

static tally_status emit(const t_json *node, int parent_op, t_buf *out, tally_error *err, int depth) {
  if (depth > 100) return t_error_set(err, TALLY_ERR_LIMIT, "invalid tree: nested deeper than 100 groups");
  node = unwrap(node, 0);
  if (node->type != T_JSON_OBJECT) return bad_tree(err, "node", "each node must be an object");
  const t_json *type = t_json_get(node, "type");
  if (!type || type->type != T_JSON_STRING) return bad_tree(err, "node", "\"type\" must be \"group\" or \"condition\"");
  if (t_str_eq_cstr(type->u.str, "condition")) return emit_condition(node, out, err);
  if (!t_str_eq_cstr(type->u.str, "group")) return bad_tree(err, "node", "\"type\" must be \"group\" or \"condition\"");
  const t_json *op = t_json_get(node, "operator");
  const t_json *children = t_json_get(node, "children");
  if (!op || op->type != T_JSON_STRING || !(t_str_eq_cstr(op->u.str, "and") || t_str_eq_cstr(op->u.str, "or")))
    return bad_tree(err, "group", "\"operator\" must be \"and\" or \"or\"");
  if (!children || children->type != T_JSON_ARRAY) return bad_tree(err, "group", "\"children\" must be an array");
  if (children->u.arr.len == 0) { t_buf_puts(out, "true"); return TALLY_OK; }
  int me = t_str_eq_cstr(op->u.str, "and") ? 1 : 2; /* 0: no parent */
  bool paren = parent_op && parent_op != me && children->u.arr.len > 1;
  if (paren) t_buf_putc(out, '(');
  for (size_t i = 0; i < children->u.arr.len; i++) {
    if (i) t_buf_puts(out, me == 1 ? " && " : " || ");
    tally_status st = emit(children->u.arr.items[i], me, out, err, depth + 1);
    if (st != TALLY_OK) return st;
  }
  if (paren) t_buf_putc(out, ')');
  return TALLY_OK;
}

tally_status t_rules_tree_to_cel(const t_json *tree, t_buf *out, tally_error *err) {
  tally_status st = emit(tree, 0, out, err, 0);
  if (st == TALLY_OK && out->failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return st;
}

/* }====================================================== */
