/*
** macros.c - expansion of CEL macros into comprehensions, with the shapes
** of cel-go's parser (parser/macro.go) and extensions (ext/comprehensions.go,
** ext/bindings.go, the optional library), so that the evaluator, debug
** strings and conformance expectations all see the same trees:
**
**   has(a.b)           a.b~test-only~
**   r.all(x, p)        init true,  cond @not_strictly_false(@result),   step @result && p
**   r.exists(x, p)     init false, cond @not_strictly_false(!@result),  step @result || p
**   r.existsOne(x, p)  init 0, cond true, step p ? @result + 1 : @result, result @result == 1
**   r.map(x, f)        init [], cond true, step @result + [f]
**   r.map(x, p, f)     step p ? @result + [f] : @result
**   r.filter(x, p)     step p ? @result + [x] : @result
**   two-variable forms (i, v, ...) and transformList / transformMap /
**   transformMapEntry (step cel.@mapInsert(...)), cel.bind, optMap, optFlatMap.
**
** Every generated node takes the offset of the macro call's '('.
*/
#include "parser_impl.h"
#include "../util/buf.h"

#define ACCU "@result"
/* The accumulator's historic name, which iteration variables may not take. */
#define OLD_ACCU "__result__"

static const t_str accu_name = {ACCU, sizeof ACCU - 1};

static t_cel_expr *accu(t_cel_parser *p, size_t off) { return t_cel__ident(p, off, accu_name); }

static bool record_call(t_cel_parser *p, size_t off, t_cel_expr *expansion, t_cel_expr *target, t_str name,
                        t_cel_expr **args, size_t nargs) {
  if (!expansion) return false;
  /* The call as written: it shares the argument nodes with the expansion. */
  t_cel_expr *call = t_arena_calloc(p->ar, sizeof *call);
  if (!call) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory"), false;
  call->kind = T_CEL_CALL;
  call->id = expansion->id;
  call->offset = off;
  call->u.call.function = name;
  call->u.call.target = target;
  call->u.call.nargs = nargs;
  call->height = expansion->height;
  if (nargs) {
    call->u.call.args = t_arena_alloc(p->ar, nargs * sizeof *args);
    if (!call->u.call.args) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory"), false;
    t_memcpy(call->u.call.args, args, nargs * sizeof *args);
  }
  if (p->ncalls == p->calls_cap) {
    size_t cap = p->calls_cap ? p->calls_cap * 2 : 8;
    t_cel_macro_call *nc = t_arena_alloc(p->ar, cap * sizeof *nc);
    if (!nc) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory"), false;
    if (p->ncalls) t_memcpy(nc, p->calls, p->ncalls * sizeof *nc);
    p->calls = nc;
    p->calls_cap = cap;
  }
  p->calls[p->ncalls].expr_id = expansion->id;
  p->calls[p->ncalls].call = call;
  p->ncalls++;
  return true;
}

/* The iteration variable named by args[i], checked as cel-go does. */
static bool iter_var(t_cel_parser *p, t_cel_expr *arg, const char *not_ident_msg, t_str *out) {
  if (arg->kind != T_CEL_IDENT || (arg->u.ident.name.len && arg->u.ident.name.ptr[0] == '.')) {
    t_cel__fail(p, TALLY_ERR_PARSE, arg->offset, "%s", not_ident_msg);
    return false;
  }
  *out = arg->u.ident.name;
  if (t_str_eq_cstr(*out, OLD_ACCU) || t_str_eq_cstr(*out, ACCU)) {
    t_cel__fail(p, TALLY_ERR_PARSE, arg->offset, "iteration variable overwrites accumulator variable");
    return false;
  }
  return true;
}

#define SIMPLE_NAME "argument must be a simple name"
#define NOT_IDENT "argument is not an identifier"

typedef enum { Q_ALL, Q_EXISTS, Q_EXISTS_ONE } quantifier;

static t_cel_expr *quantify(t_cel_parser *p, size_t off, quantifier q, t_cel_expr *range, t_str v1, t_str v2,
                            t_cel_expr *pred) {
  t_cel_expr *init, *cond, *step, *result, *a2[2];
  switch (q) {
    case Q_ALL:
      init = t_cel__bool(p, off, true);
      a2[0] = accu(p, off);
      cond = t_cel__call(p, off, "@not_strictly_false", NULL, a2, 1);
      a2[0] = accu(p, off), a2[1] = pred;
      step = t_cel__call(p, off, "_&&_", NULL, a2, 2);
      result = accu(p, off);
      break;
    case Q_EXISTS:
      init = t_cel__bool(p, off, false);
      a2[0] = accu(p, off);
      a2[0] = t_cel__call(p, off, "!_", NULL, a2, 1);
      cond = t_cel__call(p, off, "@not_strictly_false", NULL, a2, 1);
      a2[0] = accu(p, off), a2[1] = pred;
      step = t_cel__call(p, off, "_||_", NULL, a2, 2);
      result = accu(p, off);
      break;
    default: {
      init = t_cel__int(p, off, 0);
      cond = t_cel__bool(p, off, true);
      t_cel_expr *a3[3];
      a2[0] = accu(p, off), a2[1] = t_cel__int(p, off, 1);
      a3[0] = pred;
      a3[1] = t_cel__call(p, off, "_+_", NULL, a2, 2);
      a3[2] = accu(p, off);
      step = t_cel__call(p, off, "_?_:_", NULL, a3, 3);
      a2[0] = accu(p, off), a2[1] = t_cel__int(p, off, 1);
      result = t_cel__call(p, off, "_==_", NULL, a2, 2);
      break;
    }
  }
  return t_cel__comp(p, off, v1, v2, range, accu_name, init, cond, step, result);
}

/* step = filter ? step : @result, when there is a filter. */
static t_cel_expr *filtered(t_cel_parser *p, size_t off, t_cel_expr *filter, t_cel_expr *step) {
  if (!filter) return step;
  t_cel_expr *a3[3] = {filter, step, accu(p, off)};
  return t_cel__call(p, off, "_?_:_", NULL, a3, 3);
}

/* @result + [x] */
static t_cel_expr *append(t_cel_parser *p, size_t off, t_cel_expr *x) {
  t_cel_expr *a2[2] = {accu(p, off), t_cel__list(p, off, &x, 1)};
  return t_cel__call(p, off, "_+_", NULL, a2, 2);
}

static bool two_vars(t_cel_parser *p, t_cel_expr **args, const char *msg, t_str *v1, t_str *v2) {
  if (!iter_var(p, args[0], msg, v1) || !iter_var(p, args[1], msg, v2)) return false;
  if (t_str_eq(*v1, *v2)) {
    t_cel__fail(p, TALLY_ERR_PARSE, args[1]->offset, "duplicate variable name: %S", *v2);
    return false;
  }
  return true;
}

/*
** A deep copy with fresh ids, for a subtree a macro uses twice (ids stay
** unique). Recursion is bounded by the subtree's height.
*/
static t_cel_expr *copy(t_cel_parser *p, const t_cel_expr *e) {
  if (!e || p->status) return NULL;
  t_cel_expr *c = t_cel__node(p, e->kind, e->offset);
  if (!c) return NULL;
  uint32_t id = c->id;
  *c = *e;
  c->id = id;
  switch (e->kind) {
    case T_CEL_CONST: case T_CEL_IDENT: break;
    case T_CEL_SELECT: c->u.select.operand = copy(p, e->u.select.operand); break;
    case T_CEL_CALL:
      if (e->u.call.target) c->u.call.target = copy(p, e->u.call.target);
      if (e->u.call.nargs) {
        c->u.call.args = t_arena_alloc(p->ar, e->u.call.nargs * sizeof *c->u.call.args);
        if (!c->u.call.args) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory");
        for (size_t i = 0; i < e->u.call.nargs; i++) c->u.call.args[i] = copy(p, e->u.call.args[i]);
      }
      break;
    case T_CEL_LIST:
      if (e->u.list.nelems) {
        c->u.list.elems = t_arena_alloc(p->ar, e->u.list.nelems * sizeof *c->u.list.elems);
        if (!c->u.list.elems) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory");
        for (size_t i = 0; i < e->u.list.nelems; i++) c->u.list.elems[i] = copy(p, e->u.list.elems[i]);
      }
      break;
    case T_CEL_MAP: case T_CEL_STRUCT:
      if (e->u.map.nentries) {
        c->u.map.entries = t_arena_alloc(p->ar, e->u.map.nentries * sizeof *c->u.map.entries);
        if (!c->u.map.entries) return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory");
        for (size_t i = 0; i < e->u.map.nentries; i++) {
          c->u.map.entries[i] = e->u.map.entries[i];
          c->u.map.entries[i].id = ++p->next_id;
          c->u.map.entries[i].key = e->u.map.entries[i].key ? copy(p, e->u.map.entries[i].key) : NULL;
          c->u.map.entries[i].value = copy(p, e->u.map.entries[i].value);
        }
      }
      break;
    case T_CEL_COMPREHENSION:
      c->u.comp.iter_range = copy(p, e->u.comp.iter_range);
      c->u.comp.accu_init = copy(p, e->u.comp.accu_init);
      c->u.comp.loop_cond = copy(p, e->u.comp.loop_cond);
      c->u.comp.loop_step = copy(p, e->u.comp.loop_step);
      c->u.comp.result = copy(p, e->u.comp.result);
      break;
  }
  return p->status ? NULL : c;
}

/*
** opt.optMap(v, e)     -> opt.hasValue() ? optional.of(cel.bind(v, opt.value(), e)) : optional.none()
** opt.optFlatMap(v, e) -> opt.hasValue() ? cel.bind(v, opt.value(), e) : optional.none()
** (cel.bind written out as its comprehension).
*/
static t_cel_expr *opt_map(t_cel_parser *p, size_t off, t_cel_expr *target, t_cel_expr **args, bool flat) {
  if (args[0]->kind != T_CEL_IDENT) {
    return t_cel__fail(p, TALLY_ERR_PARSE, args[0]->offset, "%s() variable name must be a simple identifier",
                       flat ? "optFlatMap" : "optMap");
  }
  t_str v = args[0]->u.ident.name;
  t_cel_expr *has = t_cel__call(p, off, "hasValue", target, NULL, 0);
  t_cel_expr *val = t_cel__call(p, off, "value", copy(p, target), NULL, 0);
  t_cel_expr *bind = t_cel__comp(p, off, T_STR("#unused"), (t_str){0, 0}, t_cel__list(p, off, NULL, 0), v, val,
                                 t_cel__bool(p, off, false), t_cel__ident(p, off, v), args[1]);
  if (!flat) bind = t_cel__call(p, off, "optional.of", NULL, &bind, 1);
  t_cel_expr *a3[3] = {has, bind, t_cel__call(p, off, "optional.none", NULL, NULL, 0)};
  return t_cel__call(p, off, "_?_:_", NULL, a3, 3);
}

static t_cel_expr *expand(t_cel_parser *p, size_t off, t_cel_expr *target, t_str name, t_cel_expr **args,
                          size_t n) {
  unsigned off_sets = p->opt.no_macro_sets;
  if (!target) {
    if (n == 1 && t_str_eq_cstr(name, "has")) {
      t_cel_expr *a = args[0];
      if (a->kind != T_CEL_SELECT || a->u.select.optional || a->u.select.test_only)
        return t_cel__fail(p, TALLY_ERR_PARSE, a->offset, "invalid argument to has() macro");
      return t_cel__select(p, off, a->u.select.operand, a->u.select.field, true, false);
    }
    return NULL;
  }
  bool two = !(off_sets & T_CEL_MACROS_TWO_VAR);
  t_str v1, v2 = {0, 0};
  bool is_all = t_str_eq_cstr(name, "all"), is_exists = t_str_eq_cstr(name, "exists");
  bool is_one = t_str_eq_cstr(name, "existsOne") || t_str_eq_cstr(name, "exists_one");
  if (is_all || is_exists || is_one) {
    quantifier q = is_all ? Q_ALL : is_exists ? Q_EXISTS : Q_EXISTS_ONE;
    if (n == 2) {
      if (!iter_var(p, args[0], SIMPLE_NAME, &v1)) return NULL;
      return quantify(p, off, q, target, v1, v2, args[1]);
    }
    if (n == 3 && two) {
      if (!two_vars(p, args, SIMPLE_NAME, &v1, &v2)) return NULL;
      return quantify(p, off, q, target, v1, v2, args[2]);
    }
    return NULL;
  }
  if (t_str_eq_cstr(name, "map") && (n == 2 || n == 3)) {
    if (!iter_var(p, args[0], NOT_IDENT, &v1)) return NULL;
    t_cel_expr *step = filtered(p, off, n == 3 ? args[1] : NULL, append(p, off, args[n - 1]));
    return t_cel__comp(p, off, v1, v2, target, accu_name, t_cel__list(p, off, NULL, 0), t_cel__bool(p, off, true),
                       step, accu(p, off));
  }
  if (t_str_eq_cstr(name, "filter") && n == 2) {
    if (!iter_var(p, args[0], NOT_IDENT, &v1)) return NULL;
    t_cel_expr *step = filtered(p, off, args[1], append(p, off, t_cel__ident(p, args[0]->offset, v1)));
    return t_cel__comp(p, off, v1, v2, target, accu_name, t_cel__list(p, off, NULL, 0), t_cel__bool(p, off, true),
                       step, accu(p, off));
  }
  if (two && (n == 3 || n == 4)) {
    bool tl = t_str_eq_cstr(name, "transformList"), tm = t_str_eq_cstr(name, "transformMap");
    bool tme = t_str_eq_cstr(name, "transformMapEntry");
    if (tl || tm || tme) {
      if (!two_vars(p, args, NOT_IDENT, &v1, &v2)) return NULL;
      t_cel_expr *fn = args[n - 1], *filter = n == 4 ? args[2] : NULL, *init, *step;
      if (tl) {
        init = t_cel__list(p, off, NULL, 0);
        step = append(p, off, fn);
      } else {
        init = t_cel__empty_map(p, off);
        t_cel_expr *a3[3] = {accu(p, off), tm ? t_cel__ident(p, off, v1) : fn, fn};
        step = t_cel__call(p, off, "cel.@mapInsert", NULL, a3, tm ? 3 : 2);
      }
      step = filtered(p, off, filter, step);
      return t_cel__comp(p, off, v1, v2, target, accu_name, init, t_cel__bool(p, off, true), step, accu(p, off));
    }
  }
  /*
  ** cel.iterVar(i, j) and cel.accuVar(i, j) name the variables of the
  ** comprehensions inside a cel.block (cel-go's block extension writes
  ** them); they become the identifiers "@it:i:j" and "@ac:i:j", so the
  ** enclosing macro sees a plain variable name.
  */
  if (!(off_sets & T_CEL_MACROS_BIND) && n == 2 && target->kind == T_CEL_IDENT &&
      t_str_eq_cstr(target->u.ident.name, "cel") &&
      (t_str_eq_cstr(name, "iterVar") || t_str_eq_cstr(name, "accuVar"))) {
    for (int i = 0; i < 2; i++)
      if (args[i]->kind != T_CEL_CONST || args[i]->u.c.kind != T_CEL_CONST_INT || args[i]->u.c.v.i < 0)
        return t_cel__fail(p, TALLY_ERR_PARSE, args[i]->offset, "cel.%S() takes two non-negative int literals", name);
    char *buf = t_arena_alloc(p->ar, 48);
    if (!buf) return t_cel__fail(p, TALLY_ERR_NOMEM, off, "out of memory");
    size_t len = t_snprintf(buf, 48, "@%s:%lld:%lld", name.ptr[0] == 'i' ? "it" : "ac",
                            (long long)args[0]->u.c.v.i, (long long)args[1]->u.c.v.i);
    return t_cel__ident(p, off, (t_str){buf, len});
  }
  if (!(off_sets & T_CEL_MACROS_BIND) && n == 3 && t_str_eq_cstr(name, "bind") && target->kind == T_CEL_IDENT &&
      t_str_eq_cstr(target->u.ident.name, "cel")) {
    if (args[0]->kind != T_CEL_IDENT)
      return t_cel__fail(p, TALLY_ERR_PARSE, args[0]->offset, "cel.bind() variable names must be simple identifiers");
    t_str v = args[0]->u.ident.name;
    return t_cel__comp(p, off, T_STR("#unused"), v2, t_cel__list(p, off, NULL, 0), v, args[1],
                       t_cel__bool(p, off, false), t_cel__ident(p, off, v), args[2]);
  }
  if (!(off_sets & T_CEL_MACROS_OPTIONAL) && n == 2) {
    if (t_str_eq_cstr(name, "optMap")) return opt_map(p, off, target, args, false);
    if (t_str_eq_cstr(name, "optFlatMap")) return opt_map(p, off, target, args, true);
  }
  return NULL;
}

t_cel_expr *t_cel__expand_macro(t_cel_parser *p, size_t offset, t_cel_expr *target, t_str name, t_cel_expr **args,
                                size_t nargs) {
  t_cel_expr *e = expand(p, offset, target, name, args, nargs);
  if (!e || p->status) return NULL;
  if (!record_call(p, offset, e, target, name, args, nargs)) return NULL;
  return e;
}
