/*
** compile.c - from the AST (ast.h) to the evaluator's node tree
** (program.h): names are resolved against the env's declarations and
** container once, so evaluation never searches; functions become numbers
** with their argument count checked; constant subtrees are evaluated here;
** `accu + [x]` in a comprehension becomes an in-place append.
*/
#include "cel/program.h"
#include "cel/ext.h"
#include "util/error.h"

typedef struct compile__scope {
  t_str name;
  uint32_t slot;
  bool is_accu;
  bool const_init;           /* the accumulator starts as a constant */
} compile__scope;

typedef struct compile__state {
  const tally_cel_env *env;
  tally_cel_program *prog;
  t_arena *ar;
  tally_error *err;
  tally_status status;
  compile__scope scopes[64];
  uint32_t nscopes;
  uint32_t nslots;           /* slots live now */
} compile__state;

#define MAX_SCOPES 64

static t_cel_node *compile__expr(compile__state *cs, const t_cel_expr *e, int depth);

static t_cel_node *compile__fail(compile__state *cs, tally_status code, size_t offset, const char *fmt, ...) {
  if (cs->status == TALLY_OK) {
    char tmp[TALLY_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    t_vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    cs->status = code;
    t_error_at(cs->err, code, cs->prog->source, cs->prog->source_len, offset, "%s", tmp);
  }
  return NULL;
}

static t_cel_node *compile__nomem(compile__state *cs) {
  return compile__fail(cs, TALLY_ERR_NOMEM, 0, "out of memory");
}

static t_cel_node *compile__node(compile__state *cs, t_cel_op op, size_t offset) {
  t_cel_node *n = t_arena_calloc(cs->ar, sizeof *n);
  if (!n) return compile__nomem(cs);
  n->op = (uint8_t)op;
  n->offset = offset;
  return n;
}

static t_cel_node **compile__array(compile__state *cs, size_t count) {
  if (count == 0) count = 1;
  t_cel_node **a = t_arena_calloc(cs->ar, count * sizeof *a);
  if (!a) compile__nomem(cs);
  return a;
}

/*
** {======================================================
** Constant folding
** =======================================================
*/

static bool compile__all_const(t_cel_node **a, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (a[i]->op != T_OP_CONST) return false;
  return true;
}

/*
** Evaluates a node whose operands are all constants, with the program's
** arena; an error result is left to evaluation time, where it carries its
** position and may be absorbed by && || ?:.
*/
static t_cel_node *compile__fold(compile__state *cs, t_cel_node *n) {
  t_cel_eval st;
  t_memset(&st, 0, sizeof st);
  st.prog = cs->prog;
  st.ar = cs->ar;
  st.max_cost = UINT64_MAX / 2;
  st.max_str = cs->prog->limits.max_string_bytes;
  st.max_list = cs->prog->limits.max_list_len;
  t_cel_val v = t_cel_eval_node(&st, n, 0);
  if (st.failed) {
    if (st.fatal.u.err->code == TALLY_ERR_NOMEM) return compile__nomem(cs);
    return n;
  }
  if (v.kind == T_CEL_V_ERROR) return n;
  n->op = T_OP_CONST;
  n->u.c = v;
  n->n = 0;
  return n;
}

/* }====================================================== */

/*
** {======================================================
** Names
** =======================================================
*/

static const compile__scope *compile__local(compile__state *cs, t_str name) {
  for (uint32_t i = cs->nscopes; i-- > 0;)
    if (t_str_eq(cs->scopes[i].name, name)) return &cs->scopes[i];
  return NULL;
}


/* prefix + "." + name (prefix may be empty), in the program arena. */
static t_str compile__join(compile__state *cs, t_str prefix, t_str name) {
  size_t len = prefix.len + (prefix.len ? 1 : 0) + name.len;
  char *p = t_arena_alloc(cs->ar, len + 1);
  if (!p) {
    compile__nomem(cs);
    return (t_str){NULL, 0};
  }
  size_t k = 0;
  if (prefix.len) {
    t_memcpy(p, prefix.ptr, prefix.len);
    p[prefix.len] = '.';
    k = prefix.len + 1;
  }
  if (name.len) t_memcpy(p + k, name.ptr, name.len);
  p[len] = 0;
  return (t_str){p, len};
}

/*
** The candidate names of an identifier chain root.f1...fk, as cel-go's
** checker tries them: longest qualified name first, and for each, the
** container and its parents from the most qualified to the root. A
** leading '.' names the root scope only.
*/
static t_cel_cand *compile__candidates(compile__state *cs, t_str root, const t_str *fields, uint32_t nfields,
                                       bool test_only, uint32_t *ncands) {
  bool absolute = root.len && root.ptr[0] == '.';
  if (absolute) {
    root.ptr++;
    root.len--;
  }
  t_str cont = absolute ? (t_str){"", 0} : cs->env->container;
  uint32_t nprefix = 1;
  for (size_t i = 0; i < cont.len; i++) nprefix += cont.ptr[i] == '.';
  if (cont.len) nprefix++;
  uint32_t maxk = test_only && nfields ? nfields - 1 : nfields;
  t_cel_cand *c = t_arena_alloc(cs->ar, (size_t)(maxk + 1) * nprefix * sizeof *c);
  if (!c) {
    compile__nomem(cs);
    return NULL;
  }
  uint32_t count = 0;
  for (uint32_t k = maxk + 1; k-- > 0;) {
    t_str qname = root;
    for (uint32_t i = 0; i < k; i++) {
      qname = compile__join(cs, qname, fields[i]);
      if (!qname.ptr) return NULL;
    }
    /* Container prefixes: "a.b.c", "a.b", "a", "". */
    size_t plen = cont.len;
    for (;;) {
      t_str name = compile__join(cs, (t_str){cont.ptr, plen}, qname);
      if (!name.ptr) return NULL;
      c[count].name = name;
      c[count].hash = t_cel_hash_name(name);
      c[count].nsel = k;
      count++;
      if (plen == 0) break;
      while (plen > 0 && cont.ptr[plen - 1] != '.') plen--;
      if (plen > 0) plen--;
    }
  }
  *ncands = count;
  return c;
}

/*
** A chain of selections ending in an identifier that is not a
** comprehension variable: resolved as a (possibly qualified) name.
*/
static t_cel_node *compile__name(compile__state *cs, const t_cel_expr *e, int depth) {
  t_str fields[64];
  uint32_t nfields = 0;
  bool test_only = e->kind == T_CEL_SELECT && e->u.select.test_only;
  const t_cel_expr *x = e;
  while (x->kind == T_CEL_SELECT && !x->u.select.optional) {
    if (nfields == T_ARRAY_LEN(fields)) return compile__fail(cs, TALLY_ERR_LIMIT, e->offset, "name too long");
    fields[nfields++] = x->u.select.field;
    x = x->u.select.operand;
  }
  /* fields were collected outermost first */
  for (uint32_t i = 0; i < nfields / 2; i++) {
    t_str t = fields[i];
    fields[i] = fields[nfields - 1 - i];
    fields[nfields - 1 - i] = t;
  }
  t_str root = x->u.ident.name;
  uint32_t ncands;
  t_cel_cand *cands = compile__candidates(cs, root, fields, nfields, test_only, &ncands);
  if (!cands) return NULL;
  for (uint32_t i = 0; i < ncands; i++) {
    int32_t decl = t_cel_env_find(cs->env, cands[i].name, cands[i].hash);
    if (decl < 0) continue;
    t_cel_node *n = compile__node(cs, T_OP_VAR, x->offset);
    if (!n) return NULL;
    n->u.var.name = cands[i].name;
    n->u.var.hash = cands[i].hash;
    n->u.var.slot = (uint32_t)decl;
    /* The selections the name did not take, innermost first. */
    const t_cel_expr *sels[64];
    uint32_t nsels = 0;
    for (const t_cel_expr *y = e; y != x && nsels < nfields - cands[i].nsel; y = y->u.select.operand)
      sels[nsels++] = y;
    while (nsels-- > 0) {
      const t_cel_expr *s = sels[nsels];
      t_cel_node *sn = compile__node(cs, s->u.select.test_only ? T_OP_HAS : T_OP_SELECT, s->offset);
      if (!sn) return NULL;
      sn->u.sel.operand = n;
      sn->u.sel.field = s->u.select.field;
      n = sn;
    }
    return n;
  }
  /* Type names: int, list, google.protobuf.Timestamp, ... */
  if (!test_only) {
    t_str full = root.len && root.ptr[0] == '.' ? (t_str){root.ptr + 1, root.len - 1} : root;
    for (uint32_t i = 0; i < nfields; i++) {
      full = compile__join(cs, full, fields[i]);
      if (!full.ptr) return NULL;
    }
    const char *type = t_cel_type_lookup(full);
    if (type && !t_str_eq_cstr(full, "error")) {
      t_cel_node *n = compile__node(cs, T_OP_CONST, x->offset);
      if (n) n->u.c = t_cel_type(type);
      return n;
    }
  }
  if (cs->env->dynamic) {
    t_cel_node *n = compile__node(cs, T_OP_VAR_DYN, x->offset);
    if (!n) return NULL;
    t_str *fcopy = t_arena_alloc(cs->ar, (nfields ? nfields : 1) * sizeof(t_str));
    if (!fcopy) return compile__nomem(cs);
    if (nfields) t_memcpy(fcopy, fields, nfields * sizeof(t_str));
    n->n = ncands;
    n->u.dyn.cands = cands;
    n->u.dyn.fields = fcopy;
    n->u.dyn.nfields = nfields;
    n->u.dyn.test_only = test_only;
    return n;
  }
  (void)depth;
  /* Report the root's simplest name, as cel-go does. */
  t_str shown = cands[ncands - 1].name;
  for (uint32_t i = 0; i < ncands; i++)
    if (cands[i].nsel == 0 && (i + 1 == ncands || cands[i + 1].nsel != 0)) shown = cands[i].name;
  return compile__fail(cs, TALLY_ERR_CHECK, x->offset, "undeclared reference to '%S' (in container '%S')", shown,
                       cs->env->container);
}

/* }====================================================== */

/*
** Without checking (a dynamic env), what a checker would reject becomes an
** error at evaluation time, where && || ?: may still absorb it (cel-go's
** "unbound function" conformance cases).
*/
static t_cel_node *compile__error_node(compile__state *cs, size_t offset, const char *fmt, ...) {
  char tmp[TALLY_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t len = t_vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  t_cel_node *n = compile__node(cs, T_OP_ERROR, offset);
  if (!n) return NULL;
  if (!(n->u.msg = t_arena_strndup(cs->ar, tmp, len))) return compile__nomem(cs);
  return n;
}

static bool compile__is_name_chain(compile__state *cs, const t_cel_expr *e) {
  while (e->kind == T_CEL_SELECT && !e->u.select.optional) e = e->u.select.operand;
  if (e->kind != T_CEL_IDENT) return false;
  t_str name = e->u.ident.name;
  if (name.len && name.ptr[0] == '.') return true;
  return compile__local(cs, name) == NULL;
}

/*
** target.fn(...) where target is a chain of names (math.greatest,
** base64.encode, ip.isCanonical) may name a global extension function:
** cel-go's checker tries the qualified name first. Then the call loses
** its target; returns the function number or -1.
*/
static int compile__ext_qualified(compile__state *cs, const t_cel_expr *e, const t_cel_expr **target) {
  if (!*target || !compile__is_name_chain(cs, *target)) return -1;
  char buf[128];
  size_t len = e->u.call.function.len;
  const t_cel_expr *x = *target;
  t_str parts[8];
  size_t nparts = 0;
  for (;;) {
    if (nparts == T_ARRAY_LEN(parts)) return -1;
    if (x->kind == T_CEL_IDENT) {
      parts[nparts++] = x->u.ident.name;
      break;
    }
    parts[nparts++] = x->u.select.field;
    x = x->u.select.operand;
  }
  for (size_t i = 0; i < nparts; i++) len += parts[i].len + 1;
  if (len >= sizeof buf) return -1;
  size_t k = 0;
  for (size_t i = nparts; i-- > 0;) {
    t_memcpy(buf + k, parts[i].ptr, parts[i].len);
    k += parts[i].len;
    buf[k++] = '.';
  }
  t_memcpy(buf + k, e->u.call.function.ptr, e->u.call.function.len);
  k += e->u.call.function.len;
  int fn = t_cel_ext_lookup(cs->env->libs, (t_str){buf, k}, false, e->u.call.nargs, NULL);
  if (fn >= 0) *target = NULL;
  return fn;
}

/*
** cel.block([e0, e1, ...], r) of the bindings extension (block_ext):
** written out as nested cel.bind comprehensions, binding e_i to
** "@index<i>" in turn, so that cel.index(i) is a local variable.
*/
static t_cel_node *compile__block(compile__state *cs, const t_cel_expr *e, int depth) {
  const t_cel_expr *list = e->u.call.args[0];
  if (list->kind != T_CEL_LIST || list->u.list.noptional)
    return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "cel.block() needs a list literal of expressions");
  t_cel_expr *empty = t_arena_calloc(cs->ar, sizeof *empty), *no = t_arena_calloc(cs->ar, sizeof *no);
  if (!empty || !no) return compile__nomem(cs);
  empty->kind = T_CEL_LIST;
  empty->offset = e->offset;
  no->kind = T_CEL_CONST;
  no->offset = e->offset;
  no->u.c.kind = T_CEL_CONST_BOOL;
  const t_cel_expr *body = e->u.call.args[1];
  for (size_t i = list->u.list.nelems; i-- > 0;) {
    char name[32];
    size_t len = t_snprintf(name, sizeof name, "@index%zu", i);
    t_cel_expr *c = t_arena_calloc(cs->ar, sizeof *c), *step = t_arena_calloc(cs->ar, sizeof *step);
    char *copy = t_arena_strndup(cs->ar, name, len);
    if (!c || !step || !copy) return compile__nomem(cs);
    step->kind = T_CEL_IDENT;
    step->offset = e->offset;
    step->u.ident.name = (t_str){copy, len};
    c->kind = T_CEL_COMPREHENSION;
    c->offset = e->offset;
    c->u.comp.iter_var = T_STR("#unused");
    c->u.comp.iter_range = empty;
    c->u.comp.accu_var = step->u.ident.name;
    c->u.comp.accu_init = list->u.list.elems[i];
    c->u.comp.loop_cond = no;
    c->u.comp.loop_step = step;
    c->u.comp.result = (t_cel_expr *)body;
    body = c;
  }
  return compile__expr(cs, body, depth + 1);
}

/* cel.index(i) inside a cel.block. */
static t_cel_node *compile__block_index(compile__state *cs, const t_cel_expr *e) {
  const t_cel_expr *a = e->u.call.args[0];
  char name[32];
  size_t len = a->kind == T_CEL_CONST && a->u.c.kind == T_CEL_CONST_INT && a->u.c.v.i >= 0
                   ? t_snprintf(name, sizeof name, "@index%lld", (long long)a->u.c.v.i) : 0;
  const compile__scope *sc = len ? compile__local(cs, (t_str){name, len}) : NULL;
  if (!sc) return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "cel.index() outside of its cel.block");
  t_cel_node *n = compile__node(cs, T_OP_LOCAL, e->offset);
  if (n) n->u.slot = sc->slot;
  return n;
}

/* For `x in [constant strings]`: hashes the list once (program.h); false only when out of memory. */
static bool compile__strset(compile__state *cs, t_cel_node *n) {
  const t_cel_node *c = n->u.call.args[1];
  if (c->op != T_OP_CONST || c->u.c.kind != T_CEL_V_LIST) return true;
  const t_cel_list *l = c->u.c.u.l;
  if (l->len < 3 || l->len > (1u << 20)) return true;
  for (size_t i = 0; i < l->len; i++)
    if (l->items[i].kind != T_CEL_V_STRING) return true;
  size_t cap = 8;
  while (cap < l->len * 2) cap *= 2;
  t_cel_strset *set = t_arena_calloc(cs->ar, sizeof *set + cap * sizeof(uint32_t));
  if (!set) return compile__nomem(cs) != NULL;
  set->items = l->items;
  set->mask = (uint32_t)(cap - 1);
  for (size_t i = 0; i < l->len; i++) {
    uint32_t j = t_cel_hash_name(t_cel_sv(l->items[i])) & set->mask;
    while (set->slots[j]) j = (j + 1) & set->mask;
    set->slots[j] = (uint32_t)i + 1;
  }
  n->u.call.set = set;
  return true;
}

static t_cel_node *compile__call(compile__state *cs, const t_cel_expr *e, int depth) {
  t_str fname = e->u.call.function;
  if (e->u.call.target && e->u.call.target->kind == T_CEL_IDENT && t_str_eq_cstr(e->u.call.target->u.ident.name, "cel") &&
      (cs->env->libs & TALLY_CEL_LIB_BINDINGS) && !compile__local(cs, T_STR("cel"))) {
    if (t_str_eq_cstr(fname, "block") && e->u.call.nargs == 2) return compile__block(cs, e, depth);
    if (t_str_eq_cstr(fname, "index") && e->u.call.nargs == 1) return compile__block_index(cs, e);
  }
  const t_cel_expr *target = e->u.call.target;
  size_t nargs = e->u.call.nargs + (target ? 1 : 0);
  t_cel_op op = T_OP_CALL;
  int fn = -1;
  if (t_str_eq_cstr(fname, "_&&_")) op = T_OP_AND;
  else if (t_str_eq_cstr(fname, "_||_")) op = T_OP_OR;
  else if (t_str_eq_cstr(fname, "_?_:_")) op = T_OP_COND;
  else if (t_str_eq_cstr(fname, "@not_strictly_false") || t_str_eq_cstr(fname, "__not_strictly_false__"))
    op = T_OP_NSF;
  else {
    fn = compile__ext_qualified(cs, e, &target);
    if (fn >= 0) nargs = e->u.call.nargs;
    if (fn < 0) fn = t_cel_fn_lookup(fname);
    if (fn < 0 && t_str_eq_cstr(fname, "in")) fn = T_FN_IN;
    bool ext_arity_bad = false;
    if (fn < 0) fn = t_cel_ext_lookup(cs->env->libs, fname, target != NULL, e->u.call.nargs, &ext_arity_bad);
    if (fn < 0 && !ext_arity_bad) {
      if (cs->env->dynamic) return compile__error_node(cs, e->offset, "unbound function '%S'", fname);
      return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "undeclared reference to '%S' (in container '%S')", fname,
                           cs->env->container);
    }
    if (fn < 0 || (fn < T_FN__COUNT && !t_cel_fn_arity_ok(fn, target != NULL, e->u.call.nargs))) {
      if (cs->env->dynamic)
        return compile__error_node(cs, e->offset, "no matching overload for '%S' with %zu argument%s%s", fname,
                                   e->u.call.nargs, e->u.call.nargs == 1 ? "" : "s", target ? " as a method" : "");
      return compile__fail(cs, TALLY_ERR_CHECK, e->offset,
                           "no matching overload for '%S' with %zu argument%s%s", fname, e->u.call.nargs,
                           e->u.call.nargs == 1 ? "" : "s", target ? " as a method" : "");
    }
  }
  if (op != T_OP_CALL) {
    size_t want = op == T_OP_COND ? 3 : op == T_OP_NSF ? 1 : 2;
    if (target || nargs != want)
      return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "wrong number of arguments to '%S'", fname);
  }

  /* accu + [x, ...] inside a comprehension whose accumulator starts constant. */
  if (fn == T_FN_ADD && !target) {
    const t_cel_expr *l = e->u.call.args[0], *r = e->u.call.args[1];
    if (l->kind == T_CEL_IDENT && r->kind == T_CEL_LIST && r->u.list.noptional == 0) {
      const compile__scope *sc = compile__local(cs, l->u.ident.name);
      if (sc && sc->is_accu && sc->const_init) {
        t_cel_node *n = compile__node(cs, T_OP_APPEND, e->offset);
        if (!n) return NULL;
        n->n = (uint32_t)r->u.list.nelems;
        n->u.app.accu = sc->slot;
        n->u.app.elems = compile__array(cs, r->u.list.nelems);
        if (!n->u.app.elems) return NULL;
        for (size_t i = 0; i < r->u.list.nelems; i++)
          if (!(n->u.app.elems[i] = compile__expr(cs, r->u.list.elems[i], depth + 1))) return NULL;
        return n;
      }
    }
  }

  t_cel_node *n = compile__node(cs, op, e->offset);
  if (!n) return NULL;
  if (fn == T_FN_MAP_INSERT && e->u.call.nargs >= 2 && e->u.call.args[0]->kind == T_CEL_IDENT) {
    const compile__scope *sc = compile__local(cs, e->u.call.args[0]->u.ident.name);
    if (sc && sc->is_accu && sc->const_init) {
      n->flags |= T_CEL_NODE_INPLACE;
      n->u.call.accu = sc->slot;
    }
  }
  n->fn = (uint16_t)(fn < 0 ? 0 : fn);
  n->flags |= target ? T_CEL_NODE_MEMBER : 0;
  n->n = (uint32_t)nargs;
  n->u.call.args = compile__array(cs, nargs);
  if (!n->u.call.args) return NULL;
  size_t k = 0;
  if (target && !(n->u.call.args[k++] = compile__expr(cs, target, depth + 1))) return NULL;
  for (size_t i = 0; i < e->u.call.nargs; i++)
    if (!(n->u.call.args[k++] = compile__expr(cs, e->u.call.args[i], depth + 1))) return NULL;

  /* A constant pattern is compiled once, with the program. */
  if (fn == T_FN_MATCHES && n->u.call.args[nargs - 1]->op == T_OP_CONST &&
      n->u.call.args[nargs - 1]->u.c.kind == T_CEL_V_STRING) {
    t_str pat = t_cel_sv(n->u.call.args[nargs - 1]->u.c);
    tally_error rerr;
    tally_status s = t_cel_regex_prepare(cs->prog, pat, &n->u.call.regex, &rerr);
    if (s == TALLY_ERR_NOMEM) return compile__nomem(cs);
    if (s)
      return compile__fail(cs, s == TALLY_ERR_LIMIT ? TALLY_ERR_LIMIT : TALLY_ERR_PARSE,
                           n->u.call.args[nargs - 1]->offset, "%s", rerr.message);
  }

  if (fn == T_FN_IN && nargs == 2 && !compile__strset(cs, n)) return NULL;

  /* Partial folding of the logic operators. */
  if (op == T_OP_COND && n->u.call.args[0]->op == T_OP_CONST && n->u.call.args[0]->u.c.kind == T_CEL_V_BOOL)
    return n->u.call.args[n->u.call.args[0]->u.c.u.b ? 1 : 2];
  if ((op == T_OP_AND || op == T_OP_OR) && !compile__all_const(n->u.call.args, 2)) {
    for (int i = 0; i < 2; i++) {
      const t_cel_node *a = n->u.call.args[i];
      if (a->op == T_OP_CONST && a->u.c.kind == T_CEL_V_BOOL) {
        if (a->u.c.u.b == (op == T_OP_OR)) return n->u.call.args[i]; /* true || x, false && x */
      }
    }
  }
  if (compile__all_const(n->u.call.args, nargs)) return compile__fold(cs, n);
  return n;
}

static t_cel_node *compile__comp(compile__state *cs, const t_cel_expr *e, int depth) {
  t_cel_node *n = compile__node(cs, T_OP_COMP, e->offset);
  if (!n) return NULL;
  if (!(n->u.comp.range = compile__expr(cs, e->u.comp.iter_range, depth + 1))) return NULL;
  if (!(n->u.comp.init = compile__expr(cs, e->u.comp.accu_init, depth + 1))) return NULL;
  if (cs->nscopes + 3 > MAX_SCOPES)
    return compile__fail(cs, TALLY_ERR_LIMIT, e->offset, "comprehensions nest too deeply (limit is %d)", MAX_SCOPES / 3);
  uint32_t saved_scopes = cs->nscopes, saved_slots = cs->nslots;
  bool two = e->u.comp.iter_var2.len > 0;
  n->u.comp.accu = cs->nslots++;
  n->u.comp.v1 = cs->nslots++;
  n->u.comp.v2 = two ? cs->nslots++ : UINT32_MAX;
  if (cs->nslots > cs->prog->nlocals) cs->prog->nlocals = cs->nslots;
  compile__scope *acc = &cs->scopes[cs->nscopes++];
  acc->name = e->u.comp.accu_var;
  acc->slot = n->u.comp.accu;
  acc->is_accu = true;
  acc->const_init = n->u.comp.init->op == T_OP_CONST;
  uint32_t accu_scopes = cs->nscopes;
  compile__scope *v1 = &cs->scopes[cs->nscopes++];
  v1->name = e->u.comp.iter_var;
  v1->slot = n->u.comp.v1;
  v1->is_accu = v1->const_init = false;
  if (two) {
    compile__scope *v2 = &cs->scopes[cs->nscopes++];
    v2->name = e->u.comp.iter_var2;
    v2->slot = n->u.comp.v2;
    v2->is_accu = v2->const_init = false;
  }
  if (!(n->u.comp.cond = compile__expr(cs, e->u.comp.loop_cond, depth + 1))) return NULL;
  if (!(n->u.comp.step = compile__expr(cs, e->u.comp.loop_step, depth + 1))) return NULL;
  cs->nscopes = accu_scopes;
  if (!(n->u.comp.result = compile__expr(cs, e->u.comp.result, depth + 1))) return NULL;
  cs->nscopes = saved_scopes;
  cs->nslots = saved_slots;
  return n;
}

/*
** The optional syntax becomes calls of the optionals extension (see
** ext_optional.c): a.?b is "_?._"(a, "b"), [?x] "@optlist" and {?k: v}
** "@optmap" (keys and values alternating), with the optional positions
** flagged in u.call.regex.
*/
static t_cel_node *compile__optional(compile__state *cs, const t_cel_expr *e, int depth) {
  const char *name = e->kind == T_CEL_SELECT ? "_?._" : e->kind == T_CEL_LIST ? "@optlist" : "@optmap";
  size_t count = e->kind == T_CEL_SELECT ? 2 : e->kind == T_CEL_LIST ? e->u.list.nelems : 2 * e->u.map.nentries;
  int fn = t_cel_ext_lookup(cs->env->libs, (t_str){name, t_strlen(name)}, false, count, NULL);
  if (fn < 0)
    return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "optional syntax needs the optionals extension library");
  t_cel_node *n = compile__node(cs, T_OP_CALL, e->offset);
  if (!n) return NULL;
  n->fn = (uint16_t)fn;
  n->n = (uint32_t)count;
  if (!(n->u.call.args = compile__array(cs, count))) return NULL;
  uint8_t *flags = t_arena_calloc(cs->ar, count ? count : 1);
  if (!flags) return compile__nomem(cs);
  n->u.call.regex = flags;
  if (e->kind == T_CEL_SELECT) {
    if (!(n->u.call.args[0] = compile__expr(cs, e->u.select.operand, depth + 1))) return NULL;
    t_cel_node *f = compile__node(cs, T_OP_CONST, e->offset);
    if (!f) return NULL;
    f->u.c = t_cel_string(e->u.select.field);
    n->u.call.args[1] = f;
  } else if (e->kind == T_CEL_LIST) {
    for (size_t i = 0; i < e->u.list.noptional; i++)
      if (e->u.list.optional_indices[i] < count) flags[e->u.list.optional_indices[i]] = 1;
    for (size_t i = 0; i < count; i++)
      if (!(n->u.call.args[i] = compile__expr(cs, e->u.list.elems[i], depth + 1))) return NULL;
  } else {
    for (size_t i = 0; i < e->u.map.nentries; i++) {
      const t_cel_entry *en = &e->u.map.entries[i];
      flags[i] = en->optional;
      if (!(n->u.call.args[2 * i] = compile__expr(cs, en->key, depth + 1))) return NULL;
      if (!(n->u.call.args[2 * i + 1] = compile__expr(cs, en->value, depth + 1))) return NULL;
    }
  }
  if (compile__all_const(n->u.call.args, count)) return compile__fold(cs, n);
  return n;
}

static t_cel_node *compile__expr(compile__state *cs, const t_cel_expr *e, int depth) {
  if (depth > T_CEL_MAX_DEPTH)
    return compile__fail(cs, TALLY_ERR_LIMIT, e->offset, "expression nests too deeply (limit is %d)", T_CEL_MAX_DEPTH);
  t_cel_node *n;
  switch (e->kind) {
  case T_CEL_CONST:
    n = compile__node(cs, T_OP_CONST, e->offset);
    if (!n) return NULL;
    switch (e->u.c.kind) {
    case T_CEL_CONST_NULL: n->u.c = t_cel_null(); break;
    case T_CEL_CONST_BOOL: n->u.c = t_cel_bool(e->u.c.v.b); break;
    case T_CEL_CONST_INT: n->u.c = t_cel_int(e->u.c.v.i); break;
    case T_CEL_CONST_UINT: n->u.c = t_cel_uint(e->u.c.v.u); break;
    case T_CEL_CONST_DOUBLE: n->u.c = t_cel_double(e->u.c.v.d); break;
    case T_CEL_CONST_STRING: n->u.c = t_cel_string(e->u.c.v.s); break;
    case T_CEL_CONST_BYTES: n->u.c = t_cel_bytes(e->u.c.v.s); break;
    }
    return n;
  case T_CEL_IDENT: {
    t_str name = e->u.ident.name;
    const compile__scope *sc = (name.len && name.ptr[0] == '.') ? NULL : compile__local(cs, name);
    if (sc) {
      n = compile__node(cs, T_OP_LOCAL, e->offset);
      if (n) n->u.slot = sc->slot;
      return n;
    }
    return compile__name(cs, e, depth);
  }
  case T_CEL_SELECT:
    if (e->u.select.optional) return compile__optional(cs, e, depth);
    if (compile__is_name_chain(cs, e)) return compile__name(cs, e, depth);
    n = compile__node(cs, e->u.select.test_only ? T_OP_HAS : T_OP_SELECT, e->offset);
    if (!n) return NULL;
    n->u.sel.field = e->u.select.field;
    if (!(n->u.sel.operand = compile__expr(cs, e->u.select.operand, depth + 1))) return NULL;
    if (n->u.sel.operand->op == T_OP_CONST) return compile__fold(cs, n);
    return n;
  case T_CEL_CALL: return compile__call(cs, e, depth);
  case T_CEL_LIST:
    if (e->u.list.noptional) return compile__optional(cs, e, depth);
    n = compile__node(cs, T_OP_LIST, e->offset);
    if (!n) return NULL;
    n->n = (uint32_t)e->u.list.nelems;
    if (!(n->u.call.args = compile__array(cs, e->u.list.nelems))) return NULL;
    for (size_t i = 0; i < e->u.list.nelems; i++)
      if (!(n->u.call.args[i] = compile__expr(cs, e->u.list.elems[i], depth + 1))) return NULL;
    if (compile__all_const(n->u.call.args, n->n)) return compile__fold(cs, n);
    return n;
  case T_CEL_MAP: {
    for (size_t i = 0; i < e->u.map.nentries; i++)
      if (e->u.map.entries[i].optional) return compile__optional(cs, e, depth);
    n = compile__node(cs, T_OP_MAP, e->offset);
    if (!n) return NULL;
    size_t count = e->u.map.nentries;
    n->n = (uint32_t)count;
    if (!(n->u.map.keys = compile__array(cs, count)) || !(n->u.map.vals = compile__array(cs, count))) return NULL;
    bool all_const = true;
    for (size_t i = 0; i < count; i++) {
      const t_cel_entry *en = &e->u.map.entries[i];
      if (en->optional)
        return compile__fail(cs, TALLY_ERR_CHECK, en->offset, "optional map entries need the optionals extension");
      if (!(n->u.map.keys[i] = compile__expr(cs, en->key, depth + 1))) return NULL;
      if (!(n->u.map.vals[i] = compile__expr(cs, en->value, depth + 1))) return NULL;
      all_const = all_const && n->u.map.keys[i]->op == T_OP_CONST && n->u.map.vals[i]->op == T_OP_CONST;
    }
    if (all_const) return compile__fold(cs, n);
    return n;
  }
  case T_CEL_STRUCT:
    return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "unknown type '%S': message types are not supported",
                         e->u.map.message_name);
  case T_CEL_COMPREHENSION: return compile__comp(cs, e, depth);
  }
  return compile__fail(cs, TALLY_ERR_CHECK, e->offset, "unknown expression kind");
}

tally_status t_cel_compile_ast(const tally_cel_env *env, tally_cel_program *prog, const t_cel_ast *ast,
                               tally_error *err) {
  compile__state cs;
  t_memset(&cs, 0, sizeof cs);
  cs.env = env;
  cs.prog = prog;
  cs.ar = &prog->arena;
  cs.err = err;
  t_cel_node *root = ast->root ? compile__expr(&cs, ast->root, 0) : NULL;
  if (!root) {
    if (cs.status == TALLY_OK) return t_error_set(err, TALLY_ERR_PARSE, "empty expression");
    return cs.status;
  }
  prog->root = root;
  return TALLY_OK;
}
