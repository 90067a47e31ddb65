/*
** types.c - CEL type representation, type strings, and unification.
**
** The assignability and join rules follow cel-go's checker (types.go and
** common/types): deduced types and error messages must match cel-go's for
** the conformance data to pass, including its quirks (wrapper(int) is
** "exactly" int, null is assignable to abstract, struct, timestamp and
** duration types, the first of two equally specific types wins a join).
*/
#include "types.h"
#include "../util/error.h"

#define T_TYPE_PARSE_MAX_DEPTH 32

const t_type t_type_error = {T_TYPE_ERROR, false, 0, {NULL, 0}, NULL};
const t_type t_type_dyn = {T_TYPE_DYN, false, 0, {NULL, 0}, NULL};
const t_type t_type_any = {T_TYPE_ANY, false, 0, {NULL, 0}, NULL};
const t_type t_type_null = {T_TYPE_NULL, false, 0, {NULL, 0}, NULL};
const t_type t_type_bool = {T_TYPE_BOOL, false, 0, {NULL, 0}, NULL};
const t_type t_type_int = {T_TYPE_INT, false, 0, {NULL, 0}, NULL};
const t_type t_type_uint = {T_TYPE_UINT, false, 0, {NULL, 0}, NULL};
const t_type t_type_double = {T_TYPE_DOUBLE, false, 0, {NULL, 0}, NULL};
const t_type t_type_string = {T_TYPE_STRING, false, 0, {NULL, 0}, NULL};
const t_type t_type_bytes = {T_TYPE_BYTES, false, 0, {NULL, 0}, NULL};
const t_type t_type_timestamp = {T_TYPE_TIMESTAMP, false, 0, {NULL, 0}, NULL};
const t_type t_type_duration = {T_TYPE_DURATION, false, 0, {NULL, 0}, NULL};
const t_type t_type_type = {T_TYPE_TYPE, false, 0, {NULL, 0}, NULL};

/* ORDER KIND */
static const char *const t_type__kind_names[] = {
  "error", "dyn", "google.protobuf.Any", "null_type", "bool", "int", "uint", "double", "string",
  "bytes", "google.protobuf.Timestamp", "google.protobuf.Duration", "list", "map", "type",
  "", "", ""
};

/* ** {====== Construction */

static const t_type *t_type__make(t_arena *ar, t_type_kind kind, t_str name, const t_type *const *params,
                                  size_t n) {
  t_type *t = t_arena_alloc(ar, sizeof(t_type) + n * sizeof(t_type *));
  if (!t) return NULL;
  const t_type **ps = (const t_type **)(void *)(t + 1);
  for (size_t i = 0; i < n; i++) {
    if (!params[i]) return NULL;
    ps[i] = params[i];
  }
  t->kind = kind;
  t->nullable = false;
  t->nparams = (uint16_t)n;
  t->name = name;
  t->params = n ? ps : NULL;
  return t;
}

const t_type *t_type_list(t_arena *ar, const t_type *elem) {
  if (!elem) return NULL;
  return t_type__make(ar, T_TYPE_LIST, (t_str){NULL, 0}, &elem, 1);
}

const t_type *t_type_map(t_arena *ar, const t_type *key, const t_type *val) {
  const t_type *ps[2] = {key, val};
  if (!key || !val) return NULL;
  return t_type__make(ar, T_TYPE_MAP, (t_str){NULL, 0}, ps, 2);
}

const t_type *t_type_type_of(t_arena *ar, const t_type *t) {
  if (!t) return NULL;
  return t_type__make(ar, T_TYPE_TYPE, (t_str){NULL, 0}, &t, 1);
}

const t_type *t_type_opaque(t_arena *ar, t_str name, const t_type *const *params, size_t n) {
  return t_type__make(ar, T_TYPE_OPAQUE, name, params, n);
}

const t_type *t_type_optional(t_arena *ar, const t_type *t) {
  if (!t) return NULL;
  return t_type__make(ar, T_TYPE_OPAQUE, T_STR("optional_type"), &t, 1);
}

const t_type *t_type_struct(t_arena *ar, t_str name) {
  return t_type__make(ar, T_TYPE_STRUCT, name, NULL, 0);
}

const t_type *t_type_param(t_arena *ar, t_str name) {
  return t_type__make(ar, T_TYPE_PARAM, name, NULL, 0);
}

const t_type *t_type_wrapper(t_arena *ar, const t_type *prim) {
  t_type *t = t_arena_alloc(ar, sizeof(t_type));
  if (!t) return NULL;
  *t = *prim;
  t->nullable = true;
  return t;
}

/* }====== */

/* ** {====== Queries and printing */

t_str t_type_name(const t_type *t) {
  if (t->kind == T_TYPE_OPAQUE || t->kind == T_TYPE_STRUCT || t->kind == T_TYPE_PARAM) return t->name;
  const char *s = t_type__kind_names[t->kind];
  return (t_str){s, t_strlen(s)};
}

bool t_type_is_dyn(const t_type *t) { return t->kind == T_TYPE_DYN || t->kind == T_TYPE_ANY; }

static bool t_type__is_dyn_or_error(const t_type *t) { return t_type_is_dyn(t) || t->kind == T_TYPE_ERROR; }

bool t_type_is_optional(const t_type *t) {
  return t->kind == T_TYPE_OPAQUE && t->nparams == 1 && t_str_eq_cstr(t->name, "optional_type");
}

static bool t_type__is_primitive(t_type_kind k) {
  return k == T_TYPE_BOOL || k == T_TYPE_INT || k == T_TYPE_UINT || k == T_TYPE_DOUBLE || k == T_TYPE_STRING ||
         k == T_TYPE_BYTES;
}

/*
** cel-go's IsExactType: kind, runtime name and parameters. A wrapper has
** its primitive's kind and name, so wrapper(int) is exactly int.
*/
/* Only opaque, struct and parameter types carry a name beyond their kind. */
static bool t_type__same_name(const t_type *a, const t_type *b) {
  if (a->kind != T_TYPE_OPAQUE && a->kind != T_TYPE_STRUCT && a->kind != T_TYPE_PARAM) return true;
  return t_str_eq(a->name, b->name);
}

bool t_type_exact(const t_type *a, const t_type *b) {
  if (a == b) return true;
  if (a->kind != b->kind || a->nparams != b->nparams) return false;
  if (!t_type__same_name(a, b)) return false;
  for (uint16_t i = 0; i < a->nparams; i++)
    if (!t_type_exact(a->params[i], b->params[i])) return false;
  return true;
}

void t_type_print(t_buf *b, const t_type *t, t_type_style style) {
  bool check = style == T_TYPE_STYLE_CHECK;
  switch (t->kind) {
  case T_TYPE_ERROR: t_buf_puts(b, check ? "!error!" : "error"); return;
  case T_TYPE_ANY: if (check) { t_buf_puts(b, "any"); return; } break;
  case T_TYPE_NULL: if (check) { t_buf_puts(b, "null"); return; } break;
  case T_TYPE_TIMESTAMP: if (check) { t_buf_puts(b, "timestamp"); return; } break;
  case T_TYPE_DURATION: if (check) { t_buf_puts(b, "duration"); return; } break;
  default: break;
  }
  if (t->nullable && t_type__is_primitive(t->kind)) {
    t_buf_printf(b, "wrapper(%S)", t_type_name(t));
    return;
  }
  t_buf_printf(b, "%S", t_type_name(t));
  if (t->nparams) {
    t_buf_putc(b, '(');
    for (uint16_t i = 0; i < t->nparams; i++) {
      if (i) t_buf_puts(b, ", ");
      t_type_print(b, t->params[i], style);
    }
    t_buf_putc(b, ')');
  }
}

/* }====== */

/* ** {====== Type strings */

typedef struct t_type__parser {
  t_arena *ar;
  const char *s;
  size_t len, pos;
  t_type_resolver res;
  void *ud;
  bool oom;
} t_type__parser;

static void t_type__skip_ws(t_type__parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')) p->pos++;
}

static bool t_type__ident_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* A dotted name; empty when none is there. */
static t_str t_type__name(t_type__parser *p) {
  size_t start = p->pos;
  for (;;) {
    if (p->pos >= p->len || !t_type__ident_char(p->s[p->pos], true)) break;
    while (p->pos < p->len && t_type__ident_char(p->s[p->pos], false)) p->pos++;
    if (p->pos + 1 < p->len && p->s[p->pos] == '.' && t_type__ident_char(p->s[p->pos + 1], true)) {
      p->pos++;
      continue;
    }
    break;
  }
  return (t_str){p->s + start, p->pos - start};
}

static t_str t_type__copy(t_type__parser *p, t_str s) {
  char *c = t_arena_strndup(p->ar, s.ptr, s.len);
  if (!c) { p->oom = true; return (t_str){"", 0}; }
  return (t_str){c, s.len};
}

static bool t_type__looks_like_param(t_str n) {
  if (n.len == 0 || n.ptr[0] < 'A' || n.ptr[0] > 'Z') return false;
  for (size_t i = 1; i < n.len; i++)
    if (n.ptr[i] < '0' || n.ptr[i] > '9') return false;
  return true;
}

typedef struct t_type__simple {
  const char *name;
  const t_type *type;
} t_type__simple;

static const t_type__simple t_type__simples[] = {
  {"int", &t_type_int}, {"uint", &t_type_uint}, {"double", &t_type_double}, {"bool", &t_type_bool},
  {"string", &t_type_string}, {"bytes", &t_type_bytes}, {"null_type", &t_type_null}, {"null", &t_type_null},
  {"dyn", &t_type_dyn}, {"any", &t_type_any}, {"google.protobuf.Any", &t_type_any},
  {"timestamp", &t_type_timestamp}, {"google.protobuf.Timestamp", &t_type_timestamp},
  {"duration", &t_type_duration}, {"google.protobuf.Duration", &t_type_duration}, {"type", &t_type_type},
  {"error", &t_type_error},
};

/* Returns NULL with *msg set on a syntax or arity error. */
static const t_type *t_type__parse(t_type__parser *p, int depth, const char **msg) {
  if (depth > T_TYPE_PARSE_MAX_DEPTH) { *msg = "nested too deeply"; return NULL; }
  t_type__skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == '<') {
    p->pos++;
    t_str n = t_type__name(p);
    if (n.len == 0 || p->pos >= p->len || p->s[p->pos] != '>') { *msg = "bad type parameter"; return NULL; }
    p->pos++;
    const t_type *t = t_type_param(p->ar, t_type__copy(p, n));
    if (!t) p->oom = true;
    return t;
  }
  t_str n = t_type__name(p);
  if (n.len == 0) { *msg = "type name expected"; return NULL; }
  const t_type *args[8];
  size_t nargs = 0;
  bool has_args = false;
  t_type__skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == '(') {
    has_args = true;
    p->pos++;
    t_type__skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ')') {
      p->pos++;
    } else {
      for (;;) {
        if (nargs == T_ARRAY_LEN(args)) { *msg = "too many type arguments"; return NULL; }
        const t_type *a = t_type__parse(p, depth + 1, msg);
        if (!a) return NULL;
        args[nargs++] = a;
        t_type__skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') { p->pos++; continue; }
        if (p->pos < p->len && p->s[p->pos] == ')') { p->pos++; break; }
        *msg = "',' or ')' expected";
        return NULL;
      }
    }
  }
  const t_type *t = NULL;
  if (t_str_eq_cstr(n, "list")) {
    if (!has_args) return t_type_list(p->ar, &t_type_dyn);
    if (nargs != 1) { *msg = "list takes one type argument"; return NULL; }
    t = t_type_list(p->ar, args[0]);
  } else if (t_str_eq_cstr(n, "map")) {
    if (!has_args) return t_type_map(p->ar, &t_type_dyn, &t_type_dyn);
    if (nargs != 2) { *msg = "map takes two type arguments"; return NULL; }
    t = t_type_map(p->ar, args[0], args[1]);
  } else if (t_str_eq_cstr(n, "type") && has_args) {
    if (nargs != 1) { *msg = "type takes one type argument"; return NULL; }
    t = t_type_type_of(p->ar, args[0]);
  } else if (t_str_eq_cstr(n, "wrapper")) {
    if (nargs != 1 || !t_type__is_primitive(args[0]->kind)) { *msg = "wrapper takes a primitive type"; return NULL; }
    t = t_type_wrapper(p->ar, args[0]);
  } else if (has_args) {
    t = t_type_opaque(p->ar, t_type__copy(p, n), args, nargs);
  } else {
    for (size_t i = 0; i < T_ARRAY_LEN(t_type__simples); i++)
      if (t_str_eq_cstr(n, t_type__simples[i].name)) return t_type__simples[i].type;
    if (p->res && p->res(p->ud, n)) {
      t = t_type_struct(p->ar, t_type__copy(p, n));
    } else if (t_type__looks_like_param(n)) {
      t = t_type_param(p->ar, t_type__copy(p, n));
    } else if (t_str_eq_cstr(n, "optional_type")) {
      t = t_type_optional(p->ar, &t_type_dyn);
    } else {
      *msg = "unknown type name";
      return NULL;
    }
  }
  if (!t) p->oom = true;
  return t;
}

tally_status t_type_parse(t_arena *ar, const char *s, size_t len, t_type_resolver res, void *ud,
                          const t_type **out, tally_error *err) {
  t_type__parser p = {ar, s, len, 0, res, ud, false};
  const char *msg = NULL;
  const t_type *t = t_type__parse(&p, 0, &msg);
  if (p.oom) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  if (t) {
    t_type__skip_ws(&p);
    if (p.pos != p.len) { t = NULL; msg = "unexpected text after the type"; }
  }
  if (!t) return t_error_set(err, TALLY_ERR_INPUT, "invalid type '%.*s': %s", (int)len, s, msg);
  *out = t;
  return TALLY_OK;
}

/* }====== */

/* ** {====== Substitutions */

const t_type *t_type_subst_find(const t_type_subst *m, const t_type *param) {
  if (param->kind != T_TYPE_PARAM) return NULL;
  for (size_t i = m->len; i-- > 0;)
    if (t_str_eq(m->items[i].param, param->name)) return m->items[i].type;
  return NULL;
}

bool t_type_subst_add(t_type_subst *m, const t_type *param, const t_type *t) {
  if (m->len == m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    t_type_binding *n = t_arena_alloc(m->ar, ncap * sizeof(*n));
    if (!n) { m->oom = true; return false; }
    if (m->len) t_memcpy(n, m->items, m->len * sizeof(*n));
    m->items = n;
    m->cap = ncap;
  }
  m->items[m->len].param = param->name;
  m->items[m->len].type = t;
  m->len++;
  return true;
}

/* cel-go's isEqualOrLessSpecific. */
static bool t_type__less_specific(const t_type *t1, const t_type *t2) {
  if (t_type_is_dyn(t1) || t1->kind == T_TYPE_PARAM) return true;
  if (t_type_is_dyn(t2) || t2->kind == T_TYPE_PARAM) return false;
  if (t1->kind != t2->kind) return false;
  switch (t1->kind) {
  case T_TYPE_OPAQUE:
    if (!t_str_eq(t1->name, t2->name) || t1->nparams != t2->nparams) return false;
    for (uint16_t i = 0; i < t1->nparams; i++)
      if (!t_type__less_specific(t1->params[i], t2->params[i])) return false;
    return true;
  case T_TYPE_LIST:
    return t_type__less_specific(t1->params[0], t2->params[0]);
  case T_TYPE_MAP:
    return t_type__less_specific(t1->params[0], t2->params[0]) &&
           t_type__less_specific(t1->params[1], t2->params[1]);
  case T_TYPE_TYPE:
    return true;
  default:
    return t_type_exact(t1, t2);
  }
}

const t_type *t_type_most_general(const t_type *a, const t_type *b) {
  return t_type__less_specific(a, b) ? a : b;
}

/* The occurs check: t does not appear in within (through bindings too). */
static bool t_type__not_referenced_in(const t_type_subst *m, const t_type *t, const t_type *within) {
  if (t_type_exact(t, within)) return false;
  switch (within->kind) {
  case T_TYPE_PARAM: {
    const t_type *sub = t_type_subst_find(m, within);
    return sub ? t_type__not_referenced_in(m, t, sub) : true;
  }
  case T_TYPE_OPAQUE: case T_TYPE_LIST: case T_TYPE_MAP: case T_TYPE_TYPE:
    for (uint16_t i = 0; i < within->nparams; i++)
      if (!t_type__not_referenced_in(m, t, within->params[i])) return false;
    return true;
  default:
    return true;
  }
}

static bool t_type__assignable(t_type_subst *m, const t_type *t1, const t_type *t2);

/* cel-go's isValidTypeSubstitution: may t2 (a parameter) stand for t1? */
static bool t_type__valid_substitution(t_type_subst *m, const t_type *t1, const t_type *t2, bool *has_sub) {
  *has_sub = false;
  if (t1->kind == t2->kind && t_type_exact(t1, t2)) { *has_sub = true; return true; }
  const t_type *sub = t_type_subst_find(m, t2);
  if (sub) {
    *has_sub = true;
    if (t1->kind == sub->kind && t_type_exact(t1, sub)) return true;
    if (t_type__assignable(m, t1, sub)) {
      const t_type *general = t_type_most_general(t1, sub);
      if (t_type__not_referenced_in(m, t2, general)) t_type_subst_add(m, t2, general);
      return true;
    }
    return false;
  }
  if (t_type__not_referenced_in(m, t2, t1)) {
    t_type_subst_add(m, t2, t1);
    return true;
  }
  return false;
}

/* common/types IsAssignableType: may a `from` value be used as `to`? */
static bool t_type__accepts(const t_type *to, const t_type *from) {
  if (to->nullable && from->kind == T_TYPE_NULL) return true;
  if (to == from || t_type_is_dyn(to) || to->kind == T_TYPE_PARAM) return true;
  if (to->kind != from->kind || to->nparams != from->nparams) return false;
  if (!t_type__same_name(to, from)) return false;
  for (uint16_t i = 0; i < to->nparams; i++)
    if (!t_type__accepts(to->params[i], from->params[i])) return false;
  return true;
}

static bool t_type__nullable(const t_type *t) {
  switch (t->kind) {
  case T_TYPE_OPAQUE: case T_TYPE_STRUCT: case T_TYPE_ANY: case T_TYPE_DURATION: case T_TYPE_TIMESTAMP:
  case T_TYPE_NULL: case T_TYPE_DYN:
    return true;
  default:
    return t->nullable;
  }
}

static bool t_type__assignable(t_type_subst *m, const t_type *t1, const t_type *t2) {
  if (t2->kind == T_TYPE_PARAM) {
    bool has_sub;
    if (t_type__valid_substitution(m, t1, t2, &has_sub)) return true;
    if (has_sub) return false;
  }
  if (t1->kind == T_TYPE_PARAM) {
    bool has_sub;
    return t_type__valid_substitution(m, t2, t1, &has_sub);
  }
  if (t_type__is_dyn_or_error(t1) || t_type__is_dyn_or_error(t2)) return true;
  if (t1->kind == T_TYPE_NULL) return t_type__nullable(t2);
  if (t2->kind == T_TYPE_NULL) return t_type__nullable(t1);
  switch (t1->kind) {
  case T_TYPE_BOOL: case T_TYPE_BYTES: case T_TYPE_DOUBLE: case T_TYPE_INT: case T_TYPE_STRING:
  case T_TYPE_UINT: case T_TYPE_ANY: case T_TYPE_DURATION: case T_TYPE_TIMESTAMP: case T_TYPE_STRUCT:
    return t_type__accepts(t2, t1);
  case T_TYPE_TYPE:
    return t2->kind == T_TYPE_TYPE;
  case T_TYPE_OPAQUE: case T_TYPE_LIST: case T_TYPE_MAP:
    if (t1->kind != t2->kind || !t_type__same_name(t1, t2) || t1->nparams != t2->nparams)
      return false;
    for (uint16_t i = 0; i < t1->nparams; i++)
      if (!t_type__assignable(m, t1->params[i], t2->params[i])) return false;
    return true;
  default:
    return false;
  }
}

bool t_type_assignable(t_type_subst *m, const t_type *t1, const t_type *t2) {
  size_t mark = m->len;
  if (t_type__assignable(m, t1, t2) && !m->oom) return true;
  m->len = mark;
  return false;
}

bool t_type_assignable_list(t_type_subst *m, const t_type *const *l1, const t_type *const *l2, size_t n) {
  size_t mark = m->len;
  for (size_t i = 0; i < n; i++) {
    if (!t_type__assignable(m, l1[i], l2[i]) || m->oom) {
      m->len = mark;
      return false;
    }
  }
  return true;
}

const t_type *t_type_substitute(t_type_subst *m, const t_type *t, bool to_dyn) {
  const t_type *sub = t_type_subst_find(m, t);
  if (sub) return t_type_substitute(m, sub, to_dyn);
  if (t->kind == T_TYPE_PARAM) return to_dyn ? &t_type_dyn : t;
  if (t->nparams == 0) return t;
  const t_type *ps[8];
  const t_type **params = ps;
  if (t->nparams > T_ARRAY_LEN(ps)) {
    params = t_arena_alloc(m->ar, t->nparams * sizeof(*params));
    if (!params) { m->oom = true; return NULL; }
  }
  bool changed = false;
  for (uint16_t i = 0; i < t->nparams; i++) {
    params[i] = t_type_substitute(m, t->params[i], to_dyn);
    if (!params[i]) return NULL;
    if (params[i] != t->params[i]) changed = true;
  }
  if (!changed) return t;
  const t_type *r = t_type__make(m->ar, t->kind, t->name, params, t->nparams);
  if (!r) { m->oom = true; return NULL; }
  if (t->nullable) ((t_type *)r)->nullable = true;
  return r;
}

/* }====== */
