/*
** checker.c - the CEL type checker: infers the type of every node of a
** parsed expression, resolves function overloads (including the generic
** ones, through type parameters and unification in types.c), and reports
** every error with its position, in cel-go's words. The walk mirrors
** cel-go's checker.go so that deduced types agree with cel-go's.
*/
#include "checker.h"
#include "parser.h"
#include "../util/buf.h"
#include "../util/error.h"
#include "../util/json.h"

/* Recursion bound of the walk; the parser bounds AST height lower (250). */
#define T_CEL_CHECK_MAX_DEPTH 500

/* ** {====== The environment */

static t_str t_chk__dup(tally_cel_checker *chk, const char *s, size_t len) {
  char *c = t_arena_strndup(&chk->ar, s, len);
  return c ? (t_str){c, len} : (t_str){NULL, 0};
}

static uint32_t t_chk__hash(t_str s) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.ptr[i]) * 16777619u;
  return h;
}

/* Function lookup runs once per call node: a hash keeps it off the profile. */
static t_cel_function *t_chk__find_function(const tally_cel_checker *chk, t_str name) {
  if (!chk->fn_index_cap) return NULL;
  size_t mask = chk->fn_index_cap - 1;
  for (size_t i = t_chk__hash(name) & mask;; i = (i + 1) & mask) {
    uint32_t slot = chk->fn_index[i];
    if (!slot) return NULL;
    t_cel_function *fn = &chk->functions.items[slot - 1];
    if (t_str_eq(fn->name, name)) return fn;
  }
}

static bool t_chk__index_functions(tally_cel_checker *chk) {
  size_t cap = 64;
  while (cap < chk->functions.len * 2 + 1) cap *= 2;
  if (cap != chk->fn_index_cap) {
    uint32_t *n = t_alloc(&chk->alloc, cap * sizeof *n);
    if (!n) return false;
    t_free(&chk->alloc, chk->fn_index, chk->fn_index_cap * sizeof *chk->fn_index);
    chk->fn_index = n;
    chk->fn_index_cap = cap;
  }
  t_memset(chk->fn_index, 0, cap * sizeof *chk->fn_index);
  for (size_t k = 0; k < chk->functions.len; k++) {
    size_t i = t_chk__hash(chk->functions.items[k].name) & (cap - 1);
    while (chk->fn_index[i]) i = (i + 1) & (cap - 1);
    chk->fn_index[i] = (uint32_t)k + 1;
  }
  return true;
}

static bool t_chk__type_has_params(const t_type *t) {
  if (t->kind == T_TYPE_PARAM) return true;
  for (uint16_t i = 0; i < t->nparams; i++)
    if (t_chk__type_has_params(t->params[i])) return true;
  return false;
}

/* Adds one overload; name and id must already live in the arena (or be static). */
static tally_status t_chk__add_overload(tally_cel_checker *chk, t_str name, t_cel_overload ov) {
  t_cel_function *fn = t_chk__find_function(chk, name);
  if (!fn) {
    t_cel_function nf;
    t_memset(&nf, 0, sizeof nf);
    nf.name = name;
    if (!t_vec_push(&chk->alloc, &chk->functions, nf)) return TALLY_ERR_NOMEM;
    if (!t_chk__index_functions(chk)) {
      chk->functions.len--;
      t_chk__index_functions(chk);
      return TALLY_ERR_NOMEM;
    }
    fn = &chk->functions.items[chk->functions.len - 1];
  }
  ov.generic = t_chk__type_has_params(ov.result);
  for (uint16_t i = 0; i < ov.nargs; i++)
    if (t_chk__type_has_params(ov.args[i])) ov.generic = true;
  if (!t_vec_push(&chk->alloc, &fn->overloads, ov)) return TALLY_ERR_NOMEM;
  return TALLY_OK;
}

static tally_status t_chk__load_tables(tally_cel_checker *chk) {
  for (size_t r = 0; r < t_cel_decl_row_count; r++) {
    const t_cel_decl_row *row = &t_cel_decl_rows[r];
    const t_type *args[8];
    uint16_t n = 0;
    const char *p = row->sig;
    while (*p != '>') {
      if (n == T_ARRAY_LEN(args) || !(args[n++] = t_cel_decl_decode(&chk->ar, &p))) return TALLY_ERR_NOMEM;
    }
    p++;
    t_cel_overload ov;
    t_memset(&ov, 0, sizeof ov);
    ov.id = (t_str){row->id, t_strlen(row->id)};
    ov.member = row->member;
    ov.lib = row->lib;
    ov.nargs = n;
    ov.result = t_cel_decl_decode(&chk->ar, &p);
    ov.args = t_arena_alloc(&chk->ar, (n ? n : 1) * sizeof(*ov.args));
    if (!ov.result || !ov.args) return TALLY_ERR_NOMEM;
    for (uint16_t i = 0; i < n; i++) ov.args[i] = args[i];
    tally_status st = t_chk__add_overload(chk, (t_str){row->function, t_strlen(row->function)}, ov);
    if (st) return st;
  }
  for (size_t i = 0; i < t_cel_decl_type_count; i++) {
    const char *p = t_cel_decl_types[i].sig;
    t_cel_var v = {{t_cel_decl_types[i].name, t_strlen(t_cel_decl_types[i].name)},
                   t_type_type_of(&chk->ar, t_cel_decl_decode(&chk->ar, &p))};
    if (!v.type || !t_vec_push(&chk->alloc, &chk->vars, v)) return TALLY_ERR_NOMEM;
  }
  return TALLY_OK;
}

tally_status tally_cel_checker_new(const tally_allocator *alloc, tally_cel_checker **out) {
  *out = NULL;
  tally_cel_checker *chk = t_alloc(alloc, sizeof *chk);
  if (!chk) return TALLY_ERR_NOMEM;
  t_memset(chk, 0, sizeof *chk);
  chk->alloc = *alloc;
  t_arena_init(&chk->ar, alloc, 16384);
  chk->libs = TALLY_CEL_LIB_ALL;
  chk->cross_type_comparisons = true;
  chk->container = (t_str){"", 0};
  if (t_chk__load_tables(chk) != TALLY_OK) {
    tally_cel_checker_free(chk);
    return TALLY_ERR_NOMEM;
  }
  *out = chk;
  return TALLY_OK;
}

void tally_cel_checker_free(tally_cel_checker *chk) {
  if (!chk) return;
  for (size_t i = 0; i < chk->functions.len; i++) t_vec_free(&chk->alloc, &chk->functions.items[i].overloads);
  for (size_t i = 0; i < chk->objects.len; i++) t_vec_free(&chk->alloc, &chk->objects.items[i].fields);
  t_vec_free(&chk->alloc, &chk->functions);
  t_free(&chk->alloc, chk->fn_index, chk->fn_index_cap * sizeof *chk->fn_index);
  t_vec_free(&chk->alloc, &chk->objects);
  t_vec_free(&chk->alloc, &chk->vars);
  t_arena_free(&chk->ar);
  tally_allocator a = chk->alloc;
  t_free(&a, chk, sizeof *chk);
}

bool t_cel_checker_has_object(void *ud, t_str name) {
  const tally_cel_checker *chk = ud;
  for (size_t i = 0; i < chk->objects.len; i++)
    if (t_str_eq(chk->objects.items[i].name, name)) return true;
  return false;
}

static tally_status t_chk__parse_type(tally_cel_checker *chk, const char *s, const t_type **out, tally_error *err) {
  if (!s) return t_error_set(err, TALLY_ERR_USAGE, "a type is required");
  return t_type_parse(&chk->ar, s, t_strlen(s), t_cel_checker_has_object, chk, out, err);
}

static bool t_chk__valid_name(const char *s) {
  size_t n = s ? t_strlen(s) : 0;
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9') ||
              (c == '.' && i > 0 && i + 1 < n && s[i - 1] != '.');
    if (!ok) return false;
  }
  return true;
}

static tally_status t_chk__declare(tally_cel_checker *chk, const char *name, const t_type *t, tally_error *err) {
  if (!t_chk__valid_name(name)) return t_error_set(err, TALLY_ERR_USAGE, "invalid variable name '%s'", name ? name : "");
  t_str n = {name, t_strlen(name)};
  for (size_t i = 0; i < chk->vars.len; i++) {
    if (t_str_eq(chk->vars.items[i].name, n)) {
      if (t_type_exact(chk->vars.items[i].type, t)) return TALLY_OK;
      return t_error_set(err, TALLY_ERR_USAGE, "overlapping identifier for name '%s'", name);
    }
  }
  t_cel_var v = {t_chk__dup(chk, name, n.len), t};
  if (!v.name.ptr || !t_vec_push(&chk->alloc, &chk->vars, v)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status tally_cel_checker_declare(tally_cel_checker *chk, const char *name, const char *type, tally_error *err) {
  const t_type *t;
  tally_status st = t_chk__parse_type(chk, type, &t, err);
  if (st) return st;
  return t_chk__declare(chk, name, t, err);
}

tally_status tally_cel_checker_declare_type(tally_cel_checker *chk, const char *type_name,
                                            const tally_cel_field *fields, size_t nfields, tally_error *err) {
  if (!t_chk__valid_name(type_name))
    return t_error_set(err, TALLY_ERR_USAGE, "invalid type name '%s'", type_name ? type_name : "");
  t_str tn = {type_name, t_strlen(type_name)};
  if (t_cel_checker_has_object(chk, tn)) return t_error_set(err, TALLY_ERR_USAGE, "type '%s' is already declared", type_name);
  t_cel_object obj;
  t_memset(&obj, 0, sizeof obj);
  obj.name = t_chk__dup(chk, type_name, tn.len);
  if (!obj.name.ptr || !t_vec_push(&chk->alloc, &chk->objects, obj)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  /* Declared before its fields, so that a field may refer to its own type. */
  t_cel_object *o = &chk->objects.items[chk->objects.len - 1];
  for (size_t i = 0; i < nfields; i++) {
    const t_type *ft;
    if (!t_chk__valid_name(fields[i].name)) return t_error_set(err, TALLY_ERR_USAGE, "invalid field name");
    for (const char *c = fields[i].name; *c; c++)
      if (*c == '.') return t_error_set(err, TALLY_ERR_USAGE, "invalid field name '%s'", fields[i].name);
    tally_status st = t_chk__parse_type(chk, fields[i].type, &ft, err);
    if (st) return st;
    t_cel_var f = {t_chk__dup(chk, fields[i].name, t_strlen(fields[i].name)), ft};
    if (!f.name.ptr || !t_vec_push(&chk->alloc, &o->fields, f)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  return TALLY_OK;
}

tally_status tally_cel_checker_declare_object(tally_cel_checker *chk, const char *name, const char *type_name,
                                              const tally_cel_field *fields, size_t nfields, tally_error *err) {
  tally_status st = tally_cel_checker_declare_type(chk, type_name, fields, nfields, err);
  if (st) return st;
  return tally_cel_checker_declare(chk, name, type_name, err);
}

tally_status tally_cel_checker_declare_function(tally_cel_checker *chk, const char *name, const char *overload_id,
                                                bool member, const char *const *params, size_t nparams,
                                                const char *result, tally_error *err) {
  if (!t_chk__valid_name(name)) return t_error_set(err, TALLY_ERR_USAGE, "invalid function name '%s'", name ? name : "");
  if (member && nparams == 0) return t_error_set(err, TALLY_ERR_USAGE, "a member overload needs a receiver type");
  if (nparams > 32) return t_error_set(err, TALLY_ERR_USAGE, "too many parameters");
  t_cel_overload ov;
  t_memset(&ov, 0, sizeof ov);
  const char *id = overload_id && *overload_id ? overload_id : name;
  ov.id = t_chk__dup(chk, id, t_strlen(id));
  ov.member = member;
  ov.lib = T_CEL_LIB_USER;
  ov.nargs = (uint16_t)nparams;
  ov.args = t_arena_alloc(&chk->ar, (nparams ? nparams : 1) * sizeof(*ov.args));
  if (!ov.id.ptr || !ov.args) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < nparams; i++) {
    tally_status st = t_chk__parse_type(chk, params[i], &ov.args[i], err);
    if (st) return st;
  }
  tally_status st = t_chk__parse_type(chk, result, &ov.result, err);
  if (st) return st;
  t_str n = {name, t_strlen(name)};
  t_cel_function *fn = t_chk__find_function(chk, n);
  if (fn) {
    for (size_t i = 0; i < fn->overloads.len; i++)
      if (t_str_eq(fn->overloads.items[i].id, ov.id))
        return t_error_set(err, TALLY_ERR_USAGE, "overload '%s' is already declared", id);
  }
  t_str stored = fn ? fn->name : t_chk__dup(chk, name, n.len);
  if (!stored.ptr || t_chk__add_overload(chk, stored, ov) != TALLY_OK)
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status tally_cel_checker_set_container(tally_cel_checker *chk, const char *name, tally_error *err) {
  if (!name || !*name) {
    chk->container = (t_str){"", 0};
    return TALLY_OK;
  }
  if (!t_chk__valid_name(name)) return t_error_set(err, TALLY_ERR_USAGE, "invalid container name '%s'", name);
  t_str c = t_chk__dup(chk, name, t_strlen(name));
  if (!c.ptr) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  chk->container = c;
  return TALLY_OK;
}

void tally_cel_checker_set_libraries(tally_cel_checker *chk, unsigned libs) {
  chk->libs = (libs & TALLY_CEL_LIB_ALL) | TALLY_CEL_LIB_STANDARD;
}

void tally_cel_checker_set_cross_type_comparisons(tally_cel_checker *chk, bool enabled) {
  chk->cross_type_comparisons = enabled;
}

/* }====== */

/* ** {====== The check */

typedef struct t_chk {
  const tally_cel_checker *env;
  t_arena *ar;
  const t_cel_ast *ast;
  t_type_subst subst;
  t_cel_node_info *nodes;
  uint32_t nnodes;
  t_cel_var *locals;
  size_t nlocals, caplocals;
  t_cel_check_error *errors;
  size_t nerrors, caperrors;
  t_cel_check_ref *refs;
  size_t nrefs, caprefs;
  uint32_t fresh;
  uint32_t depth;
  tally_status status;   /* TALLY_ERR_NOMEM or TALLY_ERR_LIMIT once it happens */
} t_chk;

static bool t_chk__grow(t_chk *c, void **items, size_t *cap, size_t len, size_t elem) {
  if (len < *cap) return true;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *n = t_arena_alloc(c->ar, ncap * elem);
  if (!n) { c->status = TALLY_ERR_NOMEM; return false; }
  if (len) t_memcpy(n, *items, len * elem);
  *items = n;
  *cap = ncap;
  return true;
}

static void t_chk__oom(t_chk *c) {
  if (!c->status) c->status = TALLY_ERR_NOMEM;
}

/* Whether a walk should stop: out of memory or a limit (ordinary errors do not stop it). */
static bool t_chk__failed(t_chk *c) {
  if (c->subst.oom) t_chk__oom(c);
  return c->status != TALLY_OK;
}

/* ** {------ Messages */

static void t_chk__report(t_chk *c, size_t offset, t_buf *b) {
  if (b->failed) { t_chk__oom(c); t_buf_free(b); return; }
  char *m = t_arena_strndup(c->ar, b->ptr ? b->ptr : "", b->len);
  t_buf_free(b);
  if (!m) { t_chk__oom(c); return; }
  if (!t_chk__grow(c, (void **)&c->errors, &c->caperrors, c->nerrors, sizeof *c->errors)) return;
  c->errors[c->nerrors].offset = offset;
  c->errors[c->nerrors].message = m;
  c->nerrors++;
}

static void t_chk__error(t_chk *c, size_t offset, const char *fmt, ...) {
  t_buf b;
  t_buf_init(&b, &c->env->alloc);
  va_list ap;
  va_start(ap, fmt);
  t_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  t_chk__report(c, offset, &b);
}

static void t_chk__type_mismatch(t_chk *c, size_t offset, const t_type *expected, const t_type *actual) {
  t_buf b;
  t_buf_init(&b, &c->env->alloc);
  t_buf_puts(&b, "expected type '");
  t_type_print(&b, expected, T_TYPE_STYLE_CHECK);
  t_buf_puts(&b, "' but found '");
  t_type_print(&b, actual, T_TYPE_STYLE_CHECK);
  t_buf_putc(&b, '\'');
  t_chk__report(c, offset, &b);
}

static void t_chk__undeclared(t_chk *c, size_t offset, t_str name) {
  t_chk__error(c, offset, "undeclared reference to '%S' (in container '%S')", name, c->env->container);
}

/* }------ */

static const t_type *t_chk__fresh(t_chk *c) {
  char buf[32];
  size_t n = t_snprintf(buf, sizeof buf, "_var%u", c->fresh++);
  char *s = t_arena_strndup(c->ar, buf, n);
  const t_type *t = s ? t_type_param(c->ar, (t_str){s, n}) : NULL;
  if (!t) t_chk__oom(c);
  return t ? t : &t_type_error;
}

static const t_type *t_chk__subst(t_chk *c, const t_type *t, bool to_dyn) {
  const t_type *r = t_type_substitute(&c->subst, t, to_dyn);
  if (!r) { t_chk__oom(c); return &t_type_error; }
  return r;
}

static void t_chk__set_type(t_chk *c, const t_cel_expr *e, const t_type *t) {
  if (e->id < c->nnodes) c->nodes[e->id].type = t;
}

static const t_type *t_chk__type_of(t_chk *c, const t_cel_expr *e) {
  const t_type *t = e->id < c->nnodes ? c->nodes[e->id].type : NULL;
  return t ? t : &t_type_error;
}

static t_cel_node_info *t_chk__info(t_chk *c, const t_cel_expr *e) {
  /* Ids start at 1: slot 0 absorbs an out-of-range id instead of a write out of bounds. */
  return e->id < c->nnodes ? &c->nodes[e->id] : &c->nodes[0];
}

static bool t_chk__assignable(t_chk *c, const t_type *t1, const t_type *t2) {
  return t_type_assignable(&c->subst, t1, t2);
}

static void t_chk__assert_type(t_chk *c, const t_cel_expr *e, const t_type *t) {
  if (!t_chk__assignable(c, t, t_chk__type_of(c, e))) t_chk__type_mismatch(c, e->offset, t, t_chk__type_of(c, e));
}

/* ** {------ Names */

/*
** Whether v is the container-qualified candidate prefix "." name, cel-go's
** ResolveCandidateNames in order: "a.b.x", "a.x", "x" for container "a.b".
*/
static bool t_chk__is_candidate(t_str v, t_str prefix, t_str name) {
  if (prefix.len == 0) return t_str_eq(v, name);
  return v.len == prefix.len + 1 + name.len && t_memcmp(v.ptr, prefix.ptr, prefix.len) == 0 &&
         v.ptr[prefix.len] == '.' && t_memcmp(v.ptr + prefix.len + 1, name.ptr, name.len) == 0;
}

/* The next shorter container prefix; false after the empty one. */
static bool t_chk__shorter(t_str *prefix) {
  if (prefix->len == 0) return false;
  size_t i = prefix->len;
  while (i > 0 && prefix->ptr[i - 1] != '.') i--;
  prefix->len = i ? i - 1 : 0;
  return true;
}

typedef enum t_chk_found { T_CHK_NONE, T_CHK_VAR, T_CHK_OBJECT } t_chk_found;

typedef struct t_chk_global {
  t_chk_found kind;
  t_str name;
  const t_type *type;       /* the variable's type, or type(struct) */
  bool user;                /* a declared variable (not a type identifier) */
} t_chk_global;

static size_t t_chk__builtin_var_count(void) { return t_cel_decl_type_count; }

static t_chk_global t_chk__lookup_global(t_chk *c, t_str name) {
  t_chk_global g = {T_CHK_NONE, {NULL, 0}, NULL, false};
  t_str prefix = c->env->container;
  bool absolute = name.len && name.ptr[0] == '.';
  if (absolute) { name.ptr++; name.len--; prefix.len = 0; }
  do {
    for (size_t i = 0; i < c->env->vars.len; i++) {
      const t_cel_var *v = &c->env->vars.items[i];
      if (t_chk__is_candidate(v->name, prefix, name)) {
        g.kind = T_CHK_VAR;
        g.name = v->name;
        g.type = v->type;
        g.user = i >= t_chk__builtin_var_count();
        if (v->type->kind == T_TYPE_TYPE && (c->env->libs & T_CEL_LIB_OPTIONALS) == 0 && !g.user &&
            t_str_eq_cstr(v->name, "optional_type"))
          continue;
        return g;
      }
    }
    for (size_t i = 0; i < c->env->objects.len; i++) {
      const t_cel_object *o = &c->env->objects.items[i];
      if (t_chk__is_candidate(o->name, prefix, name)) {
        g.kind = T_CHK_OBJECT;
        g.name = o->name;
        g.type = t_type_type_of(c->ar, t_type_struct(c->ar, o->name));
        if (!g.type) { t_chk__oom(c); g.type = &t_type_error; }
        return g;
      }
    }
  } while (t_chk__shorter(&prefix));
  return g;
}

static const t_cel_var *t_chk__lookup_local(t_chk *c, t_str name) {
  for (size_t i = c->nlocals; i-- > 0;)
    if (t_str_eq(c->locals[i].name, name)) return &c->locals[i];
  return NULL;
}

static void t_chk__push_local(t_chk *c, t_str name, const t_type *t) {
  if (!t_chk__grow(c, (void **)&c->locals, &c->caplocals, c->nlocals, sizeof *c->locals)) return;
  c->locals[c->nlocals].name = name;
  c->locals[c->nlocals].type = t;
  c->nlocals++;
}

static const t_cel_function *t_chk__lookup_function(t_chk *c, t_str name) {
  t_str prefix = c->env->container;
  if (name.len && name.ptr[0] == '.') { name.ptr++; name.len--; prefix.len = 0; }
  char buf[256];
  do {
    if (prefix.len == 0) return t_chk__find_function(c->env, name);
    if (prefix.len + 1 + name.len <= sizeof buf) {
      t_memcpy(buf, prefix.ptr, prefix.len);
      buf[prefix.len] = '.';
      t_memcpy(buf + prefix.len + 1, name.ptr, name.len);
      const t_cel_function *fn = t_chk__find_function(c->env, (t_str){buf, prefix.len + 1 + name.len});
      if (fn) return fn;
    }
  } while (t_chk__shorter(&prefix));
  return NULL;
}

static const t_cel_object *t_chk__object(t_chk *c, t_str name) {
  for (size_t i = 0; i < c->env->objects.len; i++)
    if (t_str_eq(c->env->objects.items[i].name, name)) return &c->env->objects.items[i];
  return NULL;
}

/*
** The dotted name a select chain spells ("a.b.c"), when it is made only of
** plain selections over an identifier; root gets that identifier.
*/
static bool t_chk__qualified_name(t_chk *c, const t_cel_expr *e, t_str *out, const t_cel_expr **root) {
  size_t len = 0;
  const t_cel_expr *x = e;
  while (x->kind == T_CEL_SELECT) {
    if (x->u.select.test_only || x->u.select.optional) return false;
    len += x->u.select.field.len + 1;
    x = x->u.select.operand;
  }
  if (x->kind != T_CEL_IDENT) return false;
  len += x->u.ident.name.len;
  char *buf = t_arena_alloc(c->ar, len + 1);
  if (!buf) { t_chk__oom(c); return false; }
  size_t end = len;
  buf[len] = 0;
  for (x = e; x->kind == T_CEL_SELECT; x = x->u.select.operand) {
    t_str f = x->u.select.field;
    end -= f.len;
    t_memcpy(buf + end, f.ptr, f.len);
    buf[--end] = '.';
  }
  t_memcpy(buf, x->u.ident.name.ptr, x->u.ident.name.len);
  *out = (t_str){buf, len};
  *root = x;
  return true;
}

static void t_chk__add_ref(t_chk *c, tally_cel_reference_kind kind, t_str path, size_t offset, size_t length) {
  if (!t_chk__grow(c, (void **)&c->refs, &c->caprefs, c->nrefs, sizeof *c->refs)) return;
  c->refs[c->nrefs].kind = kind;
  c->refs[c->nrefs].path = path;
  c->refs[c->nrefs].offset = offset;
  c->refs[c->nrefs].length = length;
  c->nrefs++;
}

/* Where a selected field's name starts: after the '.', a '?' and a backtick. */
static size_t t_chk__field_offset(t_chk *c, const t_cel_expr *e) {
  size_t p = e->offset + 1;
  const char *s = c->ast->source;
  while (p < c->ast->source_len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r' || s[p] == '?'))
    p++;
  if (p < c->ast->source_len && s[p] == '`') p++;
  return p;
}

/* }------ */

static void t_chk__check(t_chk *c, const t_cel_expr *e);

static void t_chk__resolved_var(t_chk *c, const t_cel_expr *e, const t_chk_global *g, size_t start, size_t end) {
  t_cel_node_info *info = t_chk__info(c, e);
  info->ref = g->name;
  if (g->kind == T_CHK_OBJECT || (!g->user && g->type->kind == T_TYPE_TYPE)) {
    info->flags |= T_CEL_NODE_TYPE_NAME;
  } else {
    info->flags |= T_CEL_NODE_VARIABLE;
    t_chk__add_ref(c, TALLY_CEL_REF_VARIABLE, g->name, start, end - start);
  }
  t_chk__set_type(c, e, g->type);
}

static void t_chk__check_ident(t_chk *c, const t_cel_expr *e) {
  t_str name = e->u.ident.name;
  if (!(name.len && name.ptr[0] == '.')) {
    const t_cel_var *local = t_chk__lookup_local(c, name);
    if (local) {
      t_chk__set_type(c, e, local->type);
      t_chk__info(c, e)->ref = local->name;
      return;
    }
  }
  t_chk_global g = t_chk__lookup_global(c, name);
  if (g.kind != T_CHK_NONE) {
    t_chk__resolved_var(c, e, &g, e->offset, e->offset + name.len);
    return;
  }
  t_chk__set_type(c, e, &t_type_error);
  t_chk__undeclared(c, e->offset, name);
}

static const t_type *t_chk__select_field(t_chk *c, const t_cel_expr *e, const t_cel_expr *operand, t_str field,
                                         bool optional) {
  t_chk__check(c, operand);
  const t_type *operand_type = t_chk__subst(c, t_chk__type_of(c, operand), false);
  bool is_opt = t_type_is_optional(operand_type);
  const t_type *target = is_opt ? operand_type->params[0] : operand_type;
  const t_type *result = &t_type_error;
  bool readable = false;
  switch (target->kind) {
  case T_TYPE_MAP:
    result = target->params[1];
    readable = true;
    break;
  case T_TYPE_STRUCT: {
    const t_cel_object *obj = t_chk__object(c, target->name);
    if (!obj) {
      t_chk__error(c, e->offset, "unexpected failed resolution of '%S'", target->name);
      break;
    }
    for (size_t i = 0; i < obj->fields.len; i++) {
      if (t_str_eq(obj->fields.items[i].name, field)) {
        result = obj->fields.items[i].type;
        readable = true;
        break;
      }
    }
    if (!readable) t_chk__error(c, e->offset, "undefined field '%S'", field);
    break;
  }
  case T_TYPE_PARAM:
    t_chk__assignable(c, &t_type_dyn, target);
    result = &t_type_dyn;
    readable = true;
    break;
  default:
    if (target->kind != T_TYPE_ERROR && !t_type_is_dyn(target)) {
      t_buf b;
      t_buf_init(&b, &c->env->alloc);
      t_buf_puts(&b, "type '");
      t_type_print(&b, target, T_TYPE_STYLE_CHECK);
      t_buf_puts(&b, "' does not support field selection");
      t_chk__report(c, e->offset, &b);
    } else {
      readable = true;
    }
    result = &t_type_dyn;
    break;
  }
  if (readable && !t_chk__failed(c)) {
    /* The path of the field from its variable, for the references list. */
    const t_cel_node_info *oi = t_chk__info(c, operand);
    t_str path = field;
    bool under_var = oi->ref.len && (oi->flags & (T_CEL_NODE_VARIABLE | T_CEL_NODE_FIELD_PATH));
    if (under_var) {
      char *p = t_arena_alloc(c->ar, oi->ref.len + 1 + field.len);
      if (!p) { t_chk__oom(c); return &t_type_error; }
      t_memcpy(p, oi->ref.ptr, oi->ref.len);
      p[oi->ref.len] = '.';
      t_memcpy(p + oi->ref.len + 1, field.ptr, field.len);
      path = (t_str){p, oi->ref.len + 1 + field.len};
    }
    t_chk__info(c, e)->ref = path;
    if (under_var) t_chk__info(c, e)->flags |= T_CEL_NODE_FIELD_PATH;
    t_chk__add_ref(c, TALLY_CEL_REF_FIELD, path, t_chk__field_offset(c, e), field.len);
  }
  if (is_opt || optional) {
    result = t_type_optional(c->ar, result);
    if (!result) { t_chk__oom(c); return &t_type_error; }
  }
  return result;
}

static void t_chk__check_select(t_chk *c, const t_cel_expr *e) {
  t_str qname;
  const t_cel_expr *root;
  if (t_chk__qualified_name(c, e, &qname, &root)) {
    t_str first = root->u.ident.name;
    bool local = first.len && first.ptr[0] != '.' && t_chk__lookup_local(c, first) != NULL;
    if (!local) {
      t_chk_global g = t_chk__lookup_global(c, qname);
      if (g.kind != T_CHK_NONE) {
        size_t end = e->offset + 1 + e->u.select.field.len;
        t_chk__resolved_var(c, e, &g, root->offset, end <= c->ast->source_len ? end : c->ast->source_len);
        return;
      }
    }
  }
  const t_type *result = t_chk__select_field(c, e, e->u.select.operand, e->u.select.field, e->u.select.optional);
  if (e->u.select.test_only) result = &t_type_bool;
  t_chk__set_type(c, e, t_chk__subst(c, result, false));
}

/* ** {------ Calls */

static const t_type *t_chk__join(t_chk *c, const t_type *prev, const t_type *cur);

static bool t_chk__is_cross_type(t_str id) {
  static const char *const suffixes[] = {"_int64_double", "_int64_uint64", "_uint64_double", "_uint64_int64",
                                         "_double_int64", "_double_uint64"};
  if (!(id.len > 5 && (t_memcmp(id.ptr, "less", 4) == 0 || (id.len > 8 && t_memcmp(id.ptr, "greater", 7) == 0))))
    return false;
  for (size_t i = 0; i < T_ARRAY_LEN(suffixes); i++) {
    size_t n = t_strlen(suffixes[i]);
    if (id.len > n && t_memcmp(id.ptr + id.len - n, suffixes[i], n) == 0) return true;
  }
  return false;
}

/* Collects the type parameters of t into a fresh-variable substitution. */
static void t_chk__freshen(t_chk *c, t_type_subst *fresh, const t_type *t) {
  if (t->kind == T_TYPE_PARAM) {
    if (!t_type_subst_find(fresh, t) && !t_type_subst_add(fresh, t, t_chk__fresh(c))) t_chk__oom(c);
    return;
  }
  for (uint16_t i = 0; i < t->nparams; i++) t_chk__freshen(c, fresh, t->params[i]);
}

static void t_chk__no_overload(t_chk *c, const t_cel_expr *e, t_str fn, const t_type *const *argt, size_t n,
                               bool member) {
  t_buf b;
  t_buf_init(&b, &c->env->alloc);
  t_buf_printf(&b, "found no matching overload for '%S' applied to '", fn);
  size_t i = 0;
  if (member && n > 0) {
    t_type_print(&b, t_chk__subst(c, argt[0], true), T_TYPE_STYLE_CHECK);
    t_buf_putc(&b, '.');
    i = 1;
  }
  t_buf_putc(&b, '(');
  for (size_t k = i; k < n; k++) {
    if (k > i) t_buf_puts(&b, ", ");
    t_type_print(&b, t_chk__subst(c, argt[k], true), T_TYPE_STYLE_CHECK);
  }
  t_buf_puts(&b, ")'");
  t_chk__report(c, e->offset, &b);
}

static void t_chk__resolve(t_chk *c, const t_cel_expr *e, const t_cel_function *fn, const t_cel_expr *target) {
  size_t nargs = e->u.call.nargs + (target ? 1 : 0);
  const t_type **argt = t_arena_alloc(c->ar, (nargs ? nargs : 1) * sizeof *argt);
  const t_cel_overload **matched = t_arena_alloc(c->ar, (fn->overloads.len ? fn->overloads.len : 1) * sizeof *matched);
  if (!argt || !matched) { t_chk__oom(c); return; }
  size_t k = 0;
  if (target) argt[k++] = t_chk__type_of(c, target);
  for (size_t i = 0; i < e->u.call.nargs; i++) argt[k++] = t_chk__type_of(c, e->u.call.args[i]);

  if (!target && nargs >= 3 && (t_str_eq_cstr(fn->name, "math.greatest") || t_str_eq_cstr(fn->name, "math.least"))) {
    /* As cel-go's macro: math.greatest(a, b, c) is math.@max([a, b, c]). */
    const t_type *elems = NULL;
    for (size_t i = 0; i < nargs; i++) elems = t_chk__join(c, elems, argt[i]);
    argt[0] = t_type_list(c->ar, elems);
    if (!argt[0]) { t_chk__oom(c); return; }
    nargs = 1;
  }
  t_cel_node_info *info = t_chk__info(c, e);
  info->ref = fn->name;
  bool logical = t_str_eq_cstr(fn->name, "_&&_") || t_str_eq_cstr(fn->name, "_||_");
  if (logical && !target) {
    /* cel-go checks the logical operators as variadic: every argument must be bool. */
    bool ok = true;
    for (size_t i = 0; i < nargs; i++) {
      if (!t_chk__assignable(c, argt[i], &t_type_bool)) {
        t_chk__type_mismatch(c, e->u.call.args[i]->offset, &t_type_bool, argt[i]);
        ok = false;
      }
    }
    if (ok && fn->overloads.len) {
      matched[0] = &fn->overloads.items[0];
      info->overloads = matched;
      info->noverloads = 1;
    }
    t_chk__set_type(c, e, ok ? &t_type_bool : &t_type_error);
    return;
  }

  const t_type *result = NULL;
  size_t nmatched = 0;
  for (size_t o = 0; o < fn->overloads.len && !t_chk__failed(c); o++) {
    const t_cel_overload *ov = &fn->overloads.items[o];
    if (ov->lib != T_CEL_LIB_USER && (ov->lib & c->env->libs) == 0) continue;
    if (ov->member != (target != NULL) || ov->nargs != nargs) continue;
    if (!c->env->cross_type_comparisons && t_chk__is_cross_type(ov->id)) continue;
    const t_type *const *cand = (const t_type *const *)ov->args;
    const t_type *ov_result = ov->result;
    if (ov->generic) {
      t_type_subst fresh = {c->ar, NULL, 0, 0, false};
      for (uint16_t i = 0; i < ov->nargs; i++) t_chk__freshen(c, &fresh, ov->args[i]);
      t_chk__freshen(c, &fresh, ov->result);
      const t_type **inst = t_arena_alloc(c->ar, (nargs ? nargs : 1) * sizeof *inst);
      if (!inst || fresh.oom) { t_chk__oom(c); return; }
      for (uint16_t i = 0; i < ov->nargs; i++) {
        inst[i] = t_type_substitute(&fresh, ov->args[i], false);
        if (!inst[i]) { t_chk__oom(c); return; }
      }
      ov_result = t_type_substitute(&fresh, ov->result, false);
      if (!ov_result) { t_chk__oom(c); return; }
      cand = inst;
    }
    if (!t_type_assignable_list(&c->subst, argt, cand, nargs)) continue;
    matched[nmatched++] = ov;
    const t_type *r = t_chk__subst(c, ov_result, false);
    if (!result) result = r;
    else if (!t_type_is_dyn(result) && !t_type_exact(r, result)) result = &t_type_dyn;
  }
  if (t_chk__failed(c)) return;
  if (!result) {
    t_chk__no_overload(c, e, fn->name, argt, nargs, target != NULL);
    t_chk__set_type(c, e, &t_type_error);
    return;
  }
  info->overloads = matched;
  info->noverloads = (uint16_t)nmatched;
  t_chk__set_type(c, e, result);
}

/*
** obj["field"] on an object type with a constant key is read as obj.field:
** hosts hand objects over as string-keyed maps, and the sign-up rules spec
** treats riskScores["bot"] as riskScores.bot. An unknown constant key is an
** undefined field, as with the dot. Returns false when not that case.
*/
static bool t_chk__index_object_field(t_chk *c, const t_cel_expr *e) {
  if (e->u.call.nargs != 2 || !t_str_eq_cstr(e->u.call.function, "_[_]")) return false;
  const t_cel_expr *obj = e->u.call.args[0], *key = e->u.call.args[1];
  if (key->kind != T_CEL_CONST || key->u.c.kind != T_CEL_CONST_STRING) return false;
  const t_type *t = t_chk__subst(c, t_chk__type_of(c, obj), false);
  if (t->kind != T_TYPE_STRUCT) return false;
  const t_cel_object *o = t_chk__object(c, t->name);
  if (!o) return false;
  for (size_t i = 0; i < o->fields.len; i++) {
    if (t_str_eq(o->fields.items[i].name, key->u.c.v.s)) {
      t_chk__set_type(c, e, o->fields.items[i].type);
      return true;
    }
  }
  t_chk__error(c, key->offset, "undefined field '%S'", key->u.c.v.s);
  t_chk__set_type(c, e, &t_type_error);
  return true;
}

/*
** cel.block([e0, e1, ...], r) and cel.index(i) (the bindings extension's
** blocks, compiled as nested bindings in compile.c): e_i is typed with
** e0..e_{i-1} in scope as "@index<k>". Returns false for other calls.
*/
static bool t_chk__check_block(t_chk *c, const t_cel_expr *e) {
  const t_cel_expr *target = e->u.call.target;
  if (!target || target->kind != T_CEL_IDENT || !t_str_eq_cstr(target->u.ident.name, "cel") ||
      t_chk__lookup_local(c, T_STR("cel")) || e->u.call.nargs < 1)
    return false;
  t_str fname = e->u.call.function;
  const t_cel_expr *a0 = e->u.call.args[0];
  char name[32];
  if (t_str_eq_cstr(fname, "index") && e->u.call.nargs == 1) {
    const t_cel_var *v = NULL;
    if (a0->kind == T_CEL_CONST && a0->u.c.kind == T_CEL_CONST_INT && a0->u.c.v.i >= 0)
      v = t_chk__lookup_local(c, (t_str){name, t_snprintf(name, sizeof name, "@index%lld", (long long)a0->u.c.v.i)});
    if (!v) t_chk__error(c, e->offset, "cel.index() outside of its cel.block");
    t_chk__set_type(c, e, v ? v->type : &t_type_error);
    return true;
  }
  if (!t_str_eq_cstr(fname, "block") || e->u.call.nargs != 2 || a0->kind != T_CEL_LIST) return false;
  size_t outer = c->nlocals;
  for (size_t i = 0; i < a0->u.list.nelems && !t_chk__failed(c); i++) {
    t_chk__check(c, a0->u.list.elems[i]);
    if (t_chk__failed(c)) break;
    size_t len = t_snprintf(name, sizeof name, "@index%zu", i);
    char *copy = t_arena_strndup(c->ar, name, len);
    if (!copy) {
      t_chk__oom(c);
      break;
    }
    t_chk__push_local(c, (t_str){copy, len}, t_chk__type_of(c, a0->u.list.elems[i]));
  }
  t_chk__check(c, e->u.call.args[1]);
  c->nlocals = outer;
  if (!t_chk__failed(c)) t_chk__set_type(c, e, t_chk__subst(c, t_chk__type_of(c, e->u.call.args[1]), false));
  return true;
}

static void t_chk__check_call(t_chk *c, const t_cel_expr *e) {
  t_str fname = e->u.call.function;
  if (t_chk__check_block(c, e)) return;
  for (size_t i = 0; i < e->u.call.nargs && !t_chk__failed(c); i++) t_chk__check(c, e->u.call.args[i]);
  if (t_chk__failed(c)) return;
  const t_cel_expr *target = e->u.call.target;
  if (!target && t_chk__index_object_field(c, e)) return;
  if (!target) {
    const t_cel_function *fn = t_chk__lookup_function(c, fname);
    if (!fn) {
      t_chk__undeclared(c, e->offset, fname);
      t_chk__set_type(c, e, &t_type_error);
      return;
    }
    t_chk__resolve(c, e, fn, NULL);
    return;
  }
  /* a.b.f(x) is either the function a.b.f or f with receiver a.b. */
  t_str prefix;
  const t_cel_expr *root;
  if (t_chk__qualified_name(c, target, &prefix, &root)) {
    char *full = t_arena_alloc(c->ar, prefix.len + 1 + fname.len);
    if (!full) { t_chk__oom(c); return; }
    t_memcpy(full, prefix.ptr, prefix.len);
    full[prefix.len] = '.';
    t_memcpy(full + prefix.len + 1, fname.ptr, fname.len);
    const t_cel_function *fn = t_chk__lookup_function(c, (t_str){full, prefix.len + 1 + fname.len});
    if (fn) {
      t_chk__info(c, e)->flags |= T_CEL_NODE_NAMESPACED;
      t_chk__resolve(c, e, fn, NULL);
      return;
    }
  }
  t_chk__check(c, target);
  if (t_chk__failed(c)) return;
  const t_cel_function *fn = t_chk__lookup_function(c, fname);
  if (fn) {
    t_chk__resolve(c, e, fn, target);
    return;
  }
  t_chk__set_type(c, e, &t_type_error);
  t_chk__undeclared(c, e->offset, fname);
}

/* }------ */

/* ** {------ Aggregates and comprehensions */

static const t_type *t_chk__join(t_chk *c, const t_type *prev, const t_type *cur) {
  if (!prev) return cur;
  if (t_chk__assignable(c, prev, cur)) return t_type_most_general(prev, cur);
  return &t_type_dyn;
}

static const t_type *t_chk__unwrap_optional_entry(t_chk *c, const t_cel_expr *v, const t_type *t) {
  if (t_type_is_optional(t)) return t->params[0];
  if (!t_type_is_dyn(t)) {
    const t_type *o = t_type_optional(c->ar, t);
    if (!o) { t_chk__oom(c); return t; }
    t_chk__type_mismatch(c, v->offset, o, t);
  }
  return t;
}

static void t_chk__check_list(t_chk *c, const t_cel_expr *e) {
  const t_type *elems = NULL;
  for (size_t i = 0; i < e->u.list.nelems && !t_chk__failed(c); i++) {
    const t_cel_expr *x = e->u.list.elems[i];
    t_chk__check(c, x);
    const t_type *t = t_chk__type_of(c, x);
    for (size_t k = 0; k < e->u.list.noptional; k++)
      if (e->u.list.optional_indices[k] == i) { t = t_chk__unwrap_optional_entry(c, x, t); break; }
    elems = t_chk__join(c, elems, t);
  }
  if (!elems) elems = t_chk__fresh(c);
  const t_type *t = t_type_list(c->ar, elems);
  if (!t) { t_chk__oom(c); return; }
  t_chk__set_type(c, e, t);
}

static void t_chk__check_map(t_chk *c, const t_cel_expr *e) {
  const t_type *kt = NULL, *vt = NULL;
  for (size_t i = 0; i < e->u.map.nentries && !t_chk__failed(c); i++) {
    const t_cel_entry *en = &e->u.map.entries[i];
    t_chk__check(c, en->key);
    kt = t_chk__join(c, kt, t_chk__type_of(c, en->key));
    t_chk__check(c, en->value);
    const t_type *v = t_chk__type_of(c, en->value);
    if (en->optional) v = t_chk__unwrap_optional_entry(c, en->value, v);
    vt = t_chk__join(c, vt, v);
  }
  if (!kt) { kt = t_chk__fresh(c); vt = t_chk__fresh(c); }
  const t_type *t = t_type_map(c->ar, kt, vt);
  if (!t) { t_chk__oom(c); return; }
  t_chk__set_type(c, e, t);
}

static void t_chk__check_struct(t_chk *c, const t_cel_expr *e) {
  t_str name = e->u.map.message_name;
  t_chk_global g = t_chk__lookup_global(c, name);
  const t_type *result = &t_type_error;
  const t_cel_object *obj = NULL;
  if (g.kind == T_CHK_NONE) {
    t_chk__undeclared(c, e->offset, name);
  } else if (g.type->kind != T_TYPE_TYPE || g.type->nparams != 1) {
    t_buf b;
    t_buf_init(&b, &c->env->alloc);
    t_buf_puts(&b, "'");
    t_type_print(&b, g.type, T_TYPE_STYLE_CHECK);
    t_buf_puts(&b, "' is not a type");
    t_chk__report(c, e->offset, &b);
  } else if (g.type->params[0]->kind != T_TYPE_STRUCT) {
    t_buf b;
    t_buf_init(&b, &c->env->alloc);
    t_buf_puts(&b, "'");
    t_type_print(&b, g.type->params[0], T_TYPE_STYLE_CHECK);
    t_buf_puts(&b, "' is not a message type");
    t_chk__report(c, e->offset, &b);
  } else {
    result = g.type->params[0];
    obj = t_chk__object(c, result->name);
    t_chk__info(c, e)->ref = result->name;
  }
  t_chk__set_type(c, e, result);
  for (size_t i = 0; i < e->u.map.nentries && !t_chk__failed(c); i++) {
    const t_cel_entry *en = &e->u.map.entries[i];
    t_chk__check(c, en->value);
    const t_type *ft = &t_type_error;
    if (obj) {
      bool found = false;
      for (size_t k = 0; k < obj->fields.len; k++)
        if (t_str_eq(obj->fields.items[k].name, en->field)) { ft = obj->fields.items[k].type; found = true; break; }
      if (!found) t_chk__error(c, en->offset, "undefined field '%S'", en->field);
    }
    const t_type *vt = t_chk__type_of(c, en->value);
    if (en->optional) vt = t_chk__unwrap_optional_entry(c, en->value, vt);
    if (!t_chk__assignable(c, ft, vt)) {
      t_buf b;
      t_buf_init(&b, &c->env->alloc);
      t_buf_printf(&b, "expected type of field '%S' is '", en->field);
      t_type_print(&b, ft, T_TYPE_STYLE_CHECK);
      t_buf_puts(&b, "' but provided type is '");
      t_type_print(&b, vt, T_TYPE_STYLE_CHECK);
      t_buf_putc(&b, '\'');
      t_chk__report(c, en->offset, &b);
    }
  }
}

static void t_chk__check_comprehension(t_chk *c, const t_cel_expr *e) {
  const t_cel_expr *range = e->u.comp.iter_range;
  t_chk__check(c, range);
  t_chk__check(c, e->u.comp.accu_init);
  if (t_chk__failed(c)) return;
  const t_type *range_type = t_chk__subst(c, t_chk__type_of(c, range), false);
  const t_type *accu_type = t_chk__type_of(c, e->u.comp.accu_init);
  bool two = e->u.comp.iter_var2.len > 0;
  size_t outer = c->nlocals;
  t_chk__push_local(c, e->u.comp.accu_var, accu_type);
  const t_type *v1, *v2 = NULL;
  switch (range_type->kind) {
  case T_TYPE_LIST:
    v1 = range_type->params[0];
    if (two) { v2 = v1; v1 = &t_type_int; }
    break;
  case T_TYPE_MAP:
    v1 = range_type->params[0];
    if (two) v2 = range_type->params[1];
    break;
  case T_TYPE_DYN: case T_TYPE_ANY: case T_TYPE_ERROR: case T_TYPE_PARAM:
    t_chk__assignable(c, &t_type_dyn, range_type);
    v1 = &t_type_dyn;
    if (two) v2 = &t_type_dyn;
    break;
  default: {
    t_buf b;
    t_buf_init(&b, &c->env->alloc);
    t_buf_puts(&b, "expression of type '");
    t_type_print(&b, range_type, T_TYPE_STYLE_CHECK);
    t_buf_puts(&b, "' cannot be range of a comprehension (must be list, map, or dynamic)");
    t_chk__report(c, range->offset, &b);
    v1 = &t_type_error;
    if (two) v2 = &t_type_error;
    break;
  }
  }
  size_t loop = c->nlocals;
  t_chk__push_local(c, e->u.comp.iter_var, v1);
  if (two) t_chk__push_local(c, e->u.comp.iter_var2, v2);
  t_chk__check(c, e->u.comp.loop_cond);
  if (t_chk__failed(c)) return;
  t_chk__assert_type(c, e->u.comp.loop_cond, &t_type_bool);
  t_chk__check(c, e->u.comp.loop_step);
  if (t_chk__failed(c)) return;
  t_chk__assert_type(c, e->u.comp.loop_step, accu_type);
  c->nlocals = loop;
  t_chk__check(c, e->u.comp.result);
  c->nlocals = outer;
  if (t_chk__failed(c)) return;
  t_chk__set_type(c, e, t_chk__subst(c, t_chk__type_of(c, e->u.comp.result), false));
}

/* }------ */

static void t_chk__check(t_chk *c, const t_cel_expr *e) {
  if (!e || t_chk__failed(c)) return;
  if (++c->depth > T_CEL_CHECK_MAX_DEPTH) {
    c->status = TALLY_ERR_LIMIT;
    c->depth--;
    return;
  }
  switch (e->kind) {
  case T_CEL_CONST: {
    static const t_type *const kinds[] = {&t_type_null, &t_type_bool, &t_type_int, &t_type_uint,
                                          &t_type_double, &t_type_string, &t_type_bytes};
    t_chk__set_type(c, e, kinds[e->u.c.kind]);
    break;
  }
  case T_CEL_IDENT: t_chk__check_ident(c, e); break;
  case T_CEL_SELECT: t_chk__check_select(c, e); break;
  case T_CEL_CALL: t_chk__check_call(c, e); break;
  case T_CEL_LIST: t_chk__check_list(c, e); break;
  case T_CEL_MAP: t_chk__check_map(c, e); break;
  case T_CEL_STRUCT: t_chk__check_struct(c, e); break;
  case T_CEL_COMPREHENSION: t_chk__check_comprehension(c, e); break;
  }
  c->depth--;
}

static size_t t_chk__first_byte(const t_cel_ast *ast) {
  size_t p = 0;
  while (p < ast->source_len && (ast->source[p] == ' ' || ast->source[p] == '\t' || ast->source[p] == '\n' ||
                                 ast->source[p] == '\r'))
    p++;
  return p < ast->source_len ? p : 0;
}

tally_status t_cel_check_ast(const tally_cel_checker *chk, t_arena *ar, const t_cel_ast *ast, const t_type *expected,
                             t_cel_checked *out, tally_error *err) {
  t_memset(out, 0, sizeof *out);
  t_chk c;
  t_memset(&c, 0, sizeof c);
  c.env = chk;
  c.ar = ar;
  c.ast = ast;
  c.subst.ar = ar;
  c.nnodes = ast->next_id + 1;
  c.nodes = t_arena_calloc(ar, c.nnodes * sizeof *c.nodes);
  if (!c.nodes) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_chk__check(&c, ast->root);
  if (c.subst.oom) t_chk__oom(&c);
  if (c.status == TALLY_ERR_LIMIT)
    return t_error_at(err, TALLY_ERR_LIMIT, ast->source, ast->source_len, 0,
                      "expression nested too deeply to check (limit is %d)", T_CEL_CHECK_MAX_DEPTH);
  if (c.status) return t_error_set(err, c.status, "out of memory");
  /* Unbound type parameters end as dyn. */
  for (uint32_t i = 0; i < c.nnodes; i++)
    if (c.nodes[i].type) c.nodes[i].type = t_chk__subst(&c, c.nodes[i].type, true);
  const t_type *result = ast->root ? t_chk__type_of(&c, ast->root) : &t_type_error;
  if (expected && c.nerrors == 0 && !t_chk__assignable(&c, expected, result))
    t_chk__type_mismatch(&c, t_chk__first_byte(ast), expected, result);
  if (c.status) return t_error_set(err, c.status, "out of memory");
  /* References in source order (insertion sort: the list is short and nearly sorted). */
  for (size_t i = 1; i < c.nrefs; i++) {
    t_cel_check_ref r = c.refs[i];
    size_t j = i;
    while (j > 0 && c.refs[j - 1].offset > r.offset) { c.refs[j] = c.refs[j - 1]; j--; }
    c.refs[j] = r;
  }
  out->nodes = c.nodes;
  out->nnodes = c.nnodes;
  out->result = c.nerrors ? &t_type_error : result;
  out->errors = c.errors;
  out->nerrors = c.nerrors;
  out->refs = c.refs;
  out->nrefs = c.nrefs;
  if (c.nerrors)
    return t_error_at(err, TALLY_ERR_CHECK, ast->source, ast->source_len, c.errors[0].offset, "%s",
                      c.errors[0].message);
  return TALLY_OK;
}

/* }====== */

/* ** {====== The public check */

struct tally_cel_check_result {
  tally_allocator alloc;
  t_arena ar;
  t_cel_ast ast;
  t_cel_checked checked;
  const char *type_name;
  tally_cel_reference *refs;
};

void tally_cel_check_result_free(tally_cel_check_result *res) {
  if (!res) return;
  t_arena_free(&res->ar);
  tally_allocator a = res->alloc;
  t_free(&a, res, sizeof *res);
}

tally_status tally_cel_check(const tally_cel_checker *chk, const char *src, size_t len, const char *expected_type,
                             tally_cel_check_result **out, tally_error *err) {
  *out = NULL;
  tally_cel_check_result *res = t_alloc(&chk->alloc, sizeof *res);
  if (!res) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_memset(res, 0, sizeof *res);
  res->alloc = chk->alloc;
  t_arena_init(&res->ar, &chk->alloc, 16384);
  tally_status st;
  const t_type *expected = NULL;
  if (expected_type) {
    st = t_type_parse(&res->ar, expected_type, t_strlen(expected_type), t_cel_checker_has_object, (void *)chk,
                      &expected, err);
    if (st) goto fail;
  }
  t_cel_parse_options po;
  t_memset(&po, 0, sizeof po);
  po.no_optional_syntax = (chk->libs & TALLY_CEL_LIB_OPTIONALS) == 0;
  /* The result outlives the caller's text: the AST and the positions use a copy. */
  char *copy = t_arena_strndup(&res->ar, src ? src : "", src ? len : 0);
  if (!copy) {
    st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    goto fail;
  }
  st = t_cel_parse(&res->ar, copy, len, &po, &res->ast, err);
  if (st) goto fail;
  st = t_cel_check_ast(chk, &res->ar, &res->ast, expected, &res->checked, err);
  if (st && st != TALLY_ERR_CHECK) goto fail;
  t_buf b;
  t_buf_init(&b, &chk->alloc);
  t_type_print(&b, res->checked.result, T_TYPE_STYLE_NAME);
  res->type_name = b.failed ? NULL : t_arena_strndup(&res->ar, b.ptr ? b.ptr : "", b.len);
  t_buf_free(&b);
  res->refs = t_arena_alloc(&res->ar, (res->checked.nrefs ? res->checked.nrefs : 1) * sizeof *res->refs);
  if (!res->type_name || !res->refs) {
    st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    goto fail;
  }
  /* References come in source order: positions are found in one pass. */
  size_t at = 0;
  uint32_t at_line = 1, at_col = 1;
  for (size_t i = 0; i < res->checked.nrefs; i++) {
    const t_cel_check_ref *r = &res->checked.refs[i];
    char *path = t_arena_strndup(&res->ar, r->path.ptr, r->path.len);
    if (!path) {
      st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
      goto fail;
    }
    res->refs[i].kind = r->kind;
    res->refs[i].path = path;
    res->refs[i].offset = r->offset;
    res->refs[i].length = r->length;
    if (r->offset < at) at = 0, at_line = 1, at_col = 1;
    for (size_t end = r->offset < len ? r->offset : len; at < end; at++) {
      unsigned char ch = (unsigned char)src[at];
      if (ch == '\n') at_line++, at_col = 1;
      else if ((ch & 0xC0) != 0x80) at_col++;
    }
    res->refs[i].line = at_line;
    res->refs[i].column = at_col;
  }
  *out = res;
  return st;
fail:
  tally_cel_check_result_free(res);
  return st;
}

const char *tally_cel_check_result_type(const tally_cel_check_result *res) { return res->type_name; }

size_t tally_cel_check_result_error_count(const tally_cel_check_result *res) { return res->checked.nerrors; }

const char *tally_cel_check_result_error(const tally_cel_check_result *res, size_t i, size_t *offset, uint32_t *line,
                                         uint32_t *column) {
  if (i >= res->checked.nerrors) return NULL;
  const t_cel_check_error *e = &res->checked.errors[i];
  uint32_t l = 0, col = 0;
  t_locate(res->ast.source, res->ast.source_len, e->offset, &l, &col);
  if (offset) *offset = e->offset;
  if (line) *line = l;
  if (column) *column = col;
  return e->message;
}

const t_cel_ast *t_cel_check_result_ast(const tally_cel_check_result *res) { return &res->ast; }

const t_cel_checked *t_cel_check_result_checked(const tally_cel_check_result *res) { return &res->checked; }

size_t tally_cel_check_result_reference_count(const tally_cel_check_result *res) { return res->checked.nrefs; }

const tally_cel_reference *tally_cel_check_result_reference(const tally_cel_check_result *res, size_t i) {
  return i < res->checked.nrefs ? &res->refs[i] : NULL;
}

/* }====== */

/* ** {====== Declarations from JSON (the CLI's type_env) */

static const char *t_chk__json_str(const t_json *obj, const char *key) {
  const t_json *v = t_json_get(obj, key);
  return v && v->type == T_JSON_STRING ? v->u.str.ptr : NULL;
}

static const t_type *t_chk__json_primitive(const char *s) {
  static const struct { const char *name; const t_type *type; } prims[] = {
    {"INT64", &t_type_int}, {"UINT64", &t_type_uint}, {"DOUBLE", &t_type_double}, {"BOOL", &t_type_bool},
    {"STRING", &t_type_string}, {"BYTES", &t_type_bytes}};
  for (size_t i = 0; s && i < T_ARRAY_LEN(prims); i++)
    if (t_str_eq_cstr((t_str){s, t_strlen(s)}, prims[i].name)) return prims[i].type;
  return NULL;
}

/* A type given as a string or as a conformance Type object; NULL (err set) when bad. */
static const t_type *t_chk__json_type(tally_cel_checker *chk, const t_json *v, int depth, tally_error *err) {
  t_arena *ar = &chk->ar;
  if (!v) { t_error_set(err, TALLY_ERR_INPUT, "type_env: a type is missing"); return NULL; }
  if (depth > 32) { t_error_set(err, TALLY_ERR_INPUT, "type_env: type nested too deeply"); return NULL; }
  if (v->type == T_JSON_STRING) {
    const t_type *t;
    if (t_type_parse(ar, v->u.str.ptr, v->u.str.len, t_cel_checker_has_object, chk, &t, err)) return NULL;
    return t;
  }
  if (v->type != T_JSON_OBJECT || v->u.obj.len != 1) {
    t_error_set(err, TALLY_ERR_INPUT, "type_env: a type must be a string or a Type object");
    return NULL;
  }
  t_str k = v->u.obj.items[0].key;
  const t_json *x = v->u.obj.items[0].value;
  const t_type *t = NULL;
  const char *s = x->type == T_JSON_STRING ? x->u.str.ptr : NULL;
  if (t_str_eq_cstr(k, "primitive")) {
    t = t_chk__json_primitive(s);
  } else if (t_str_eq_cstr(k, "wrapper")) {
    t = t_chk__json_primitive(s);
    if (t) t = t_type_wrapper(ar, t);
  } else if (t_str_eq_cstr(k, "dyn")) {
    t = &t_type_dyn;
  } else if (t_str_eq_cstr(k, "null")) {
    t = &t_type_null;
  } else if (t_str_eq_cstr(k, "error")) {
    t = &t_type_error;
  } else if (t_str_eq_cstr(k, "wellKnown") && s) {
    t = t_str_eq_cstr(x->u.str, "ANY") ? &t_type_any
      : t_str_eq_cstr(x->u.str, "TIMESTAMP") ? &t_type_timestamp
      : t_str_eq_cstr(x->u.str, "DURATION") ? &t_type_duration : NULL;
  } else if (t_str_eq_cstr(k, "typeParam") && s) {
    t = t_type_param(ar, x->u.str);
  } else if (t_str_eq_cstr(k, "messageType") && s) {
    if (!t_cel_checker_has_object(chk, x->u.str)) {
      t_error_set(err, TALLY_ERR_INPUT, "type_env: undeclared message type '%s'", s);
      return NULL;
    }
    t = t_type_struct(ar, x->u.str);
  } else if (t_str_eq_cstr(k, "listType")) {
    const t_type *el = t_chk__json_type(chk, t_json_get(x, "elemType"), depth + 1, err);
    if (!el) return NULL;
    t = t_type_list(ar, el);
  } else if (t_str_eq_cstr(k, "mapType")) {
    const t_type *kt = t_chk__json_type(chk, t_json_get(x, "keyType"), depth + 1, err);
    const t_type *vt = kt ? t_chk__json_type(chk, t_json_get(x, "valueType"), depth + 1, err) : NULL;
    if (!vt) return NULL;
    t = t_type_map(ar, kt, vt);
  } else if (t_str_eq_cstr(k, "type")) {
    if (x->type == T_JSON_OBJECT && x->u.obj.len == 0) return &t_type_type;
    const t_type *in = t_chk__json_type(chk, x, depth + 1, err);
    if (!in) return NULL;
    t = t_type_type_of(ar, in);
  } else if (t_str_eq_cstr(k, "abstractType")) {
    const char *name = t_chk__json_str(x, "name");
    const t_json *ps = t_json_get(x, "parameterTypes");
    const t_type *params[8];
    size_t n = ps && ps->type == T_JSON_ARRAY ? ps->u.arr.len : 0;
    if (!name || n > T_ARRAY_LEN(params)) {
      t_error_set(err, TALLY_ERR_INPUT, "type_env: bad abstractType");
      return NULL;
    }
    for (size_t i = 0; i < n; i++)
      if (!(params[i] = t_chk__json_type(chk, ps->u.arr.items[i], depth + 1, err))) return NULL;
    t = t_type_opaque(ar, (t_str){name, t_strlen(name)}, params, n);
  } else {
    t_error_set(err, TALLY_ERR_INPUT, "type_env: unsupported type kind '%S'", k);
    return NULL;
  }
  if (!t) {
    if (!err || err->code != TALLY_ERR_NOMEM) t_error_set(err, TALLY_ERR_INPUT, "type_env: bad type '%S'", k);
    return NULL;
  }
  return t;
}

static tally_status t_chk__json_overload(tally_cel_checker *chk, const char *name, const t_json *ov, tally_error *err) {
  const char *id = t_chk__json_str(ov, "id");
  if (!id) id = t_chk__json_str(ov, "overloadId");
  const t_json *member = t_json_get(ov, "member");
  if (!member) member = t_json_get(ov, "isInstanceFunction");
  const t_json *params = t_json_get(ov, "params");
  const t_json *result = t_json_get(ov, "result");
  if (!result) result = t_json_get(ov, "resultType");
  size_t n = params && params->type == T_JSON_ARRAY ? params->u.arr.len : 0;
  if (params && params->type != T_JSON_ARRAY) return t_error_set(err, TALLY_ERR_INPUT, "type_env: params must be an array");
  if (n > 32) return t_error_set(err, TALLY_ERR_INPUT, "type_env: too many parameters");
  bool is_member = member && member->type == T_JSON_BOOL && member->u.b;
  if (is_member && n == 0) return t_error_set(err, TALLY_ERR_INPUT, "type_env: a member overload needs a receiver");
  t_cel_overload o;
  t_memset(&o, 0, sizeof o);
  o.id = t_chk__dup(chk, id ? id : name, t_strlen(id ? id : name));
  o.member = is_member;
  o.lib = T_CEL_LIB_USER;
  o.nargs = (uint16_t)n;
  o.args = t_arena_alloc(&chk->ar, (n ? n : 1) * sizeof *o.args);
  if (!o.id.ptr || !o.args) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    if (!(o.args[i] = t_chk__json_type(chk, params->u.arr.items[i], 0, err))) return err ? err->code : TALLY_ERR_INPUT;
  if (!(o.result = t_chk__json_type(chk, result, 0, err))) return err ? err->code : TALLY_ERR_INPUT;
  t_str nm = {name, t_strlen(name)};
  t_cel_function *fn = t_chk__find_function(chk, nm);
  t_str stored = fn ? fn->name : t_chk__dup(chk, name, nm.len);
  if (!stored.ptr || t_chk__add_overload(chk, stored, o)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status t_cel_checker_declare_json(tally_cel_checker *chk, const t_json *env, tally_error *err) {
  if (!env || env->type == T_JSON_NULL) return TALLY_OK;
  if (env->type != T_JSON_ARRAY) return t_error_set(err, TALLY_ERR_INPUT, "type_env must be an array");
  for (size_t i = 0; i < env->u.arr.len; i++) {
    const t_json *d = env->u.arr.items[i];
    const char *name = t_chk__json_str(d, "name");
    const char *kind = t_chk__json_str(d, "kind");
    const t_json *ident = t_json_get(d, "ident");
    const t_json *function = t_json_get(d, "function");
    if (!name) return t_error_set(err, TALLY_ERR_INPUT, "type_env[%zu]: \"name\" is required", i);
    tally_status st;
    if ((kind && t_str_eq_cstr((t_str){kind, t_strlen(kind)}, "ident")) || ident) {
      const t_type *t = t_chk__json_type(chk, ident ? t_json_get(ident, "type") : t_json_get(d, "type"), 0, err);
      if (!t) return err ? err->code : TALLY_ERR_INPUT;
      st = t_chk__declare(chk, name, t, err);
      if (st == TALLY_ERR_USAGE && err) err->code = st = TALLY_ERR_INPUT;
    } else if ((kind && t_str_eq_cstr((t_str){kind, t_strlen(kind)}, "function")) || function) {
      const t_json *ovs = t_json_get(function ? function : d, "overloads");
      if (!ovs || ovs->type != T_JSON_ARRAY)
        return t_error_set(err, TALLY_ERR_INPUT, "type_env[%zu]: \"overloads\" must be an array", i);
      if (!t_chk__valid_name(name)) return t_error_set(err, TALLY_ERR_INPUT, "type_env[%zu]: invalid name", i);
      st = TALLY_OK;
      for (size_t k = 0; k < ovs->u.arr.len && !st; k++) st = t_chk__json_overload(chk, name, ovs->u.arr.items[k], err);
    } else if (kind && t_str_eq_cstr((t_str){kind, t_strlen(kind)}, "object")) {
      /* {"name": "tally.RiskScores", "kind": "object", "fields": {"bot": "int", ...}} */
      const t_json *fields = t_json_get(d, "fields");
      if (!fields || fields->type != T_JSON_OBJECT)
        return t_error_set(err, TALLY_ERR_INPUT, "type_env[%zu]: \"fields\" must be an object", i);
      st = tally_cel_checker_declare_type(chk, name, NULL, 0, err);
      t_cel_object *o = st ? NULL : &chk->objects.items[chk->objects.len - 1];
      for (size_t k = 0; o && k < fields->u.obj.len && !st; k++) {
        const t_json_member *f = &fields->u.obj.items[k];
        const t_type *ft = t_chk__json_type(chk, f->value, 0, err);
        if (!ft) return err ? err->code : TALLY_ERR_INPUT;
        t_cel_var v = {t_chk__dup(chk, f->key.ptr, f->key.len), ft};
        if (!v.name.ptr || !t_vec_push(&chk->alloc, &o->fields, v)) st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
      }
      if (st == TALLY_ERR_USAGE && err) err->code = st = TALLY_ERR_INPUT;
    } else {
      return t_error_set(err, TALLY_ERR_INPUT, "type_env[%zu]: \"kind\" must be \"ident\", \"function\" or \"object\"", i);
    }
    if (st) return st;
  }
  return TALLY_OK;
}

/* }====== */
