/*
** eval.c - the evaluator: walks the compiled node tree (program.h).
**
** CEL errors are values; only two things stop an evaluation outright, a
** limit (cost, size, memory) and running out of memory: those set
** st->failed, and every caller returns as soon as it sees it, so && || ?:
** and @not_strictly_false can never absorb them.
*/
#include "cel/program.h"
#include "cel/ext.h"
#include "util/buf.h"

/*
** The dispatcher stays small (constants, locals and selections are the
** common nodes); the heavy cases live out of line, so that each level of
** recursion does not pay for their frames.
*/
#define T_CEL_NOINLINE __attribute__((noinline))

/*
** {======================================================
** Errors and cost
** =======================================================
*/

t_cel_val t_cel_fail(t_cel_eval *st, tally_status code, size_t offset, const char *fmt, ...) {
  char tmp[TALLY_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  /* The arena may be what ran out: the message must not need it. */
  bool was_over = st->ar->over_limit;
  size_t limit = st->ar->limit;
  st->ar->limit = 0;
  t_cel_val v = t_cel_errorf(st->ar, code, offset, "%s", tmp);
  st->ar->limit = limit;
  st->ar->over_limit = was_over;
  if (!st->failed) {
    st->failed = true;
    st->fatal = v;
  }
  return st->fatal;
}

t_cel_val t_cel_nomem(t_cel_eval *st, size_t offset) {
  if (st->ar->over_limit)
    return t_cel_fail(st, TALLY_ERR_LIMIT, offset, "evaluation memory limit exceeded (%zu bytes)", st->ar->limit);
  return t_cel_fail(st, TALLY_ERR_NOMEM, offset, "out of memory");
}

t_cel_val t_cel_error(t_cel_eval *st, size_t offset, const char *fmt, ...) {
  char tmp[TALLY_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  t_cel_val v = t_cel_errorf(st->ar, TALLY_ERR_EVAL, offset, "%s", tmp);
  if (v.u.err->code == TALLY_ERR_NOMEM) return t_cel_nomem(st, offset);
  return v;
}

t_cel_val t_cel_no_overload(t_cel_eval *st, size_t offset, const char *fn, const t_cel_val *args,
                            size_t nargs) {
  char sig[256];
  size_t n = 0;
  for (size_t i = 0; i < nargs && n < sizeof sig - 64; i++)
    n += t_snprintf(sig + n, sizeof sig - n, "%s%s", i ? ", " : "", t_cel_type_name_of(args[i]));
  sig[n] = 0;
  return t_cel_error(st, offset, "no matching overload for '%s' applied to '(%s)'", fn, sig);
}

bool t_cel_charge(t_cel_eval *st, uint64_t units, size_t offset) {
  st->cost += units;
  if (t_unlikely(st->cost > st->max_cost)) {
    t_cel_fail(st, TALLY_ERR_LIMIT, offset, "evaluation cost limit exceeded (%llu)",
               (unsigned long long)st->max_cost);
    return false;
  }
  return true;
}

/* }====================================================== */

t_cel_val t_cel_select(t_cel_eval *st, t_cel_val v, t_str field, bool test_only, size_t offset) {
  if (v.kind == T_CEL_V_MAP) {
    const t_cel_val *r = t_cel_map_get_str(v.u.m, field);
    if (test_only) return t_cel_bool(r != NULL);
    if (!r) return t_cel_error(st, offset, "no such key: %S", field);
    return *r;
  }
  if (v.kind == T_CEL_V_ERROR) return v;
  if (v.kind == T_CEL_V_OPTIONAL) return t_cel_opt_select(st, v, field, test_only, offset);
  return t_cel_error(st, offset, "type '%s' does not support field selection", t_cel_type_name_of(v));
}

/* A variable looked up by name: not in a slot of this context (eval__var). */
T_CEL_NOINLINE static t_cel_val eval__var_by_name(t_cel_eval *st, const t_cel_node *n) {
  const t_cel_val *v = t_cel_context_lookup(st->ctx, n->u.var.name, n->u.var.hash);
  if (v) return *v;
  return t_cel_error(st, n->offset, "no such attribute: %S", n->u.var.name);
}

/*
** A context made for the program's env holds the variable in the slot of
** its declaration (api.c binds it there): no name to hash or compare. An
** unbound slot takes the lookup, which finds it unbound too.
*/
static inline t_cel_val eval__var(t_cel_eval *st, const t_cel_node *n) {
  uint32_t s = n->u.var.slot;
  if (s < st->nslots && (st->bound[s >> 6] >> (s & 63) & 1)) return st->slots[s];
  return eval__var_by_name(st, n);
}

static t_cel_val eval__call(t_cel_eval *st, const t_cel_node *n, int depth);
static t_cel_val eval__logic(t_cel_eval *st, const t_cel_node *n, int depth, bool is_and);
static t_cel_val eval__select(t_cel_eval *st, const t_cel_node *n, int depth);
static t_cel_val eval__nsf(t_cel_eval *st, const t_cel_node *n, int depth);

/*
** The commonest nodes (constants, variables, comprehension variables,
** selections, calls, && || and the @not_strictly_false of comprehension
** conditions), dispatched where they are needed instead
** of through a call of t_cel_eval_node: the same depth check, cost and
** value, without that function's frame.
*/
static inline t_cel_val eval__operand(t_cel_eval *st, const t_cel_node *n, int depth) {
  switch ((t_cel_op)n->op) {
  case T_OP_CONST:
  case T_OP_VAR:
  case T_OP_LOCAL:
  case T_OP_SELECT:
  case T_OP_HAS:
  case T_OP_CALL:
  case T_OP_AND:
  case T_OP_OR:
  case T_OP_NSF:
    if (t_unlikely(depth > T_CEL_MAX_DEPTH)) break;
    if (t_unlikely(++st->cost > st->max_cost)) {
      t_cel_charge(st, 0, n->offset);
      return st->fatal;
    }
    if (n->op == T_OP_CONST) return n->u.c;
    if (n->op == T_OP_VAR) return eval__var(st, n);
    if (n->op == T_OP_LOCAL) return st->locals[n->u.slot];
    if (n->op == T_OP_CALL) return eval__call(st, n, depth);
    if (n->op == T_OP_SELECT || n->op == T_OP_HAS) return eval__select(st, n, depth);
    if (n->op == T_OP_NSF) return eval__nsf(st, n, depth);
    return eval__logic(st, n, depth, n->op == T_OP_AND);
  default: break;
  }
  return t_cel_eval_node(st, n, depth);
}

T_CEL_NOINLINE static t_cel_val eval__nsf(t_cel_eval *st, const t_cel_node *n, int depth) {
  t_cel_val v = eval__operand(st, n->u.call.args[0], depth + 1);
  if (st->failed) return st->fatal;
  return v.kind == T_CEL_V_BOOL ? v : t_cel_bool(true);
}

T_CEL_NOINLINE static t_cel_val eval__select(t_cel_eval *st, const t_cel_node *n, int depth) {
  t_cel_val v = eval__operand(st, n->u.sel.operand, depth + 1);
  if (v.kind == T_CEL_V_ERROR) return v;
  return t_cel_select(st, v, n->u.sel.field, n->op == T_OP_HAS, n->offset);
}

static t_cel_val eval__var_dyn(t_cel_eval *st, const t_cel_node *n) {
  for (uint32_t c = 0; c < n->n; c++) {
    const t_cel_cand *cand = &n->u.dyn.cands[c];
    const t_cel_val *b = t_cel_context_lookup(st->ctx, cand->name, cand->hash);
    if (!b) continue;
    t_cel_val v = *b;
    for (uint32_t i = cand->nsel; i < n->u.dyn.nfields; i++) {
      bool last = i + 1 == n->u.dyn.nfields;
      v = t_cel_select(st, v, n->u.dyn.fields[i], last && n->u.dyn.test_only, n->offset);
      if (v.kind == T_CEL_V_ERROR) return v;
    }
    return v;
  }
  return t_cel_error(st, n->offset, "no such attribute: %S", n->u.dyn.cands[n->n - 1].name);
}

T_CEL_NOINLINE static t_cel_val eval__logic(t_cel_eval *st, const t_cel_node *n, int depth, bool is_and) {
  t_cel_val l = eval__operand(st, n->u.call.args[0], depth + 1);
  if (st->failed) return st->fatal;
  if (l.kind == T_CEL_V_BOOL && l.u.b != is_and) return l;
  t_cel_val r = eval__operand(st, n->u.call.args[1], depth + 1);
  if (st->failed) return st->fatal;
  if (r.kind == T_CEL_V_BOOL && r.u.b != is_and) return r;
  if (l.kind == T_CEL_V_BOOL && r.kind == T_CEL_V_BOOL) return l;
  if (l.kind == T_CEL_V_ERROR) return l;
  if (r.kind == T_CEL_V_ERROR) return r;
  t_cel_val args[2] = {l, r};
  return t_cel_no_overload(st, n->offset, is_and ? "_&&_" : "_||_", args, 2);
}

T_CEL_NOINLINE static t_cel_val eval__list(t_cel_eval *st, const t_cel_node *n, int depth) {
  if (n->n > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "list size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, n->n, n->offset)) return st->fatal;
  t_cel_list *l = t_cel_list_new(st->ar, n->n);
  if (!l) return t_cel_nomem(st, n->offset);
  for (uint32_t i = 0; i < n->n; i++) {
    t_cel_val v = t_cel_eval_node(st, n->u.call.args[i], depth + 1);
    if (v.kind == T_CEL_V_ERROR) return v;
    l->items[l->len++] = v;
  }
  t_cel_val r;
  r.kind = T_CEL_V_LIST;
  r.u.l = l;
  return r;
}

T_CEL_NOINLINE static t_cel_val eval__map(t_cel_eval *st, const t_cel_node *n, int depth) {
  if (n->n > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "map size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, n->n, n->offset)) return st->fatal;
  t_cel_map *m = t_cel_map_new(st->ar, n->n);
  if (!m) return t_cel_nomem(st, n->offset);
  for (uint32_t i = 0; i < n->n; i++) {
    t_cel_val k = t_cel_eval_node(st, n->u.map.keys[i], depth + 1);
    if (k.kind == T_CEL_V_ERROR) return k;
    t_cel_val v = t_cel_eval_node(st, n->u.map.vals[i], depth + 1);
    if (v.kind == T_CEL_V_ERROR) return v;
    if (!t_cel_key_ok(k))
      return t_cel_error(st, n->u.map.keys[i]->offset, "unsupported key type: %s", t_cel_type_name_of(k));
    t_cel_put p = t_cel_map_put(st->ar, m, k, v);
    if (p == T_CEL_PUT_NOMEM) return t_cel_nomem(st, n->offset);
    if (p == T_CEL_PUT_DUP) return t_cel_error(st, n->u.map.keys[i]->offset, "Failed with repeated key");
  }
  t_cel_val r;
  r.kind = T_CEL_V_MAP;
  r.u.m = m;
  return r;
}

T_CEL_NOINLINE static t_cel_val eval__comp(t_cel_eval *st, const t_cel_node *n, int depth) {
  t_cel_val range = t_cel_eval_node(st, n->u.comp.range, depth + 1);
  if (range.kind == T_CEL_V_ERROR) return range;
  size_t count;
  if (range.kind == T_CEL_V_LIST) count = range.u.l->len;
  else if (range.kind == T_CEL_V_MAP) count = range.u.m->len;
  else return t_cel_error(st, n->u.comp.range->offset, "expression of type '%s' cannot be range of a comprehension",
                        t_cel_type_name_of(range));
  t_cel_val accu = t_cel_eval_node(st, n->u.comp.init, depth + 1);
  if (st->failed) return st->fatal;
  t_cel_val *locals = st->locals;
  locals[n->u.comp.accu] = accu;
  bool two = n->u.comp.v2 != UINT32_MAX;
  const t_cel_node *cond = n->u.comp.cond;
  bool always = cond->op == T_OP_CONST && cond->u.c.kind == T_CEL_V_BOOL && cond->u.c.u.b;
  for (size_t i = 0; i < count; i++) {
    if (!t_cel_charge(st, 1, n->offset)) return st->fatal;
    if (range.kind == T_CEL_V_LIST) {
      if (two) {
        locals[n->u.comp.v1] = t_cel_int((int64_t)i);
        locals[n->u.comp.v2] = range.u.l->items[i];
      } else {
        locals[n->u.comp.v1] = range.u.l->items[i];
      }
    } else {
      locals[n->u.comp.v1] = range.u.m->keys[i];
      if (two) locals[n->u.comp.v2] = range.u.m->vals[i];
    }
    /* map and filter loop on a constant true: no need to evaluate it */
    if (!always) {
      t_cel_val c = eval__operand(st, n->u.comp.cond, depth + 1);
      if (st->failed) return st->fatal;
      if (!(c.kind == T_CEL_V_BOOL && c.u.b)) break;
    }
    t_cel_val s = eval__operand(st, n->u.comp.step, depth + 1);
    if (st->failed) return st->fatal;
    locals[n->u.comp.accu] = s;
  }
  return t_cel_eval_node(st, n->u.comp.result, depth + 1);
}

/*
** `accu + [x]` in a macro's step appends in place: the accumulator starts
** as a constant (the compiler checks), so the first append copies it into
** a list owned by this slot, which nothing else can see until the loop ends.
*/
T_CEL_NOINLINE static t_cel_val eval__append(t_cel_eval *st, const t_cel_node *n, int depth) {
  t_cel_val *slot = &st->locals[n->u.app.accu];
  t_cel_val accu = *slot;
  if (accu.kind == T_CEL_V_ERROR) return accu;
  t_cel_val tmp[8];
  t_cel_val *vals = n->n <= 8 ? tmp : t_arena_alloc(st->ar, n->n * sizeof(t_cel_val));
  if (!vals) return t_cel_nomem(st, n->offset);
  for (uint32_t i = 0; i < n->n; i++) {
    vals[i] = t_cel_eval_node(st, n->u.app.elems[i], depth + 1);
    if (vals[i].kind == T_CEL_V_ERROR) return vals[i];
  }
  if (accu.kind != T_CEL_V_LIST) {
    t_cel_val args[2] = {accu, t_cel_null()};
    args[1].kind = T_CEL_V_LIST;
    return t_cel_no_overload(st, n->offset, "_+_", args, 2);
  }
  t_cel_list *l = accu.u.l;
  if (l->len + n->n > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "list size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, n->n, n->offset)) return st->fatal;
  if (l->owner != slot) {
    t_cel_list *c = t_cel_list_new(st->ar, l->len + n->n < 8 ? 8 : (l->len + n->n) * 2);
    if (!c) return t_cel_nomem(st, n->offset);
    if (l->len) t_memcpy(c->items, l->items, l->len * sizeof(t_cel_val));
    c->len = l->len;
    c->owner = slot;
    l = c;
  }
  for (uint32_t i = 0; i < n->n; i++)
    if (!t_cel_list_push(st->ar, l, vals[i])) return t_cel_nomem(st, n->offset);
  t_cel_val r;
  r.kind = T_CEL_V_LIST;
  r.u.l = l;
  return r;
}

/*
** The commonest binary calls (comparisons of two ints; a string `in` a
** constant list of strings; equality, prefix, suffix and containment of
** two strings) answered without the generic dispatch; every other
** pairing of kinds, errors included, goes through t_cel_call. Results and
** cost are those of the generic path.
*/
static inline bool eval__fast2(t_cel_eval *st, const t_cel_node *n, const t_cel_val *a, t_cel_val *out) {
  if (a[0].kind == T_CEL_V_INT && a[1].kind == T_CEL_V_INT) {
    int64_t x = a[0].u.i, y = a[1].u.i;
    switch (n->fn) {
    case T_FN_EQ: *out = t_cel_bool(x == y); return true;
    case T_FN_NE: *out = t_cel_bool(x != y); return true;
    case T_FN_LT: *out = t_cel_bool(x < y); return true;
    case T_FN_LE: *out = t_cel_bool(x <= y); return true;
    case T_FN_GT: *out = t_cel_bool(x > y); return true;
    case T_FN_GE: *out = t_cel_bool(x >= y); return true;
    default: return false;
    }
  }
  if (n->fn == T_FN_IN && n->u.call.set && a[0].kind == T_CEL_V_STRING && a[1].kind == T_CEL_V_LIST) {
    if (!t_cel_charge(st, a[1].u.l->len, n->offset)) *out = st->fatal;
    else *out = t_cel_bool(t_cel_strset_has(n->u.call.set, t_cel_sv(a[0])));
    return true;
  }
  if (a[0].kind == T_CEL_V_STRING && a[1].kind == T_CEL_V_STRING) {
    t_str x = t_cel_sv(a[0]), y = t_cel_sv(a[1]);
    switch (n->fn) {
    case T_FN_EQ:
    case T_FN_NE:
      if (!t_cel_charge(st, x.len / 64, n->offset)) break;
      *out = t_cel_bool(t_cel_str_eq(x, y) == (n->fn == T_FN_EQ));
      return true;
    case T_FN_STARTS_WITH:
      if (!t_cel_charge(st, 1 + x.len / 16, n->offset)) break;
      *out = t_cel_bool(t_cel_str_starts(x, y));
      return true;
    case T_FN_CONTAINS:
      if (!t_cel_charge(st, 1 + x.len / 16, n->offset)) break;
      *out = t_cel_bool(t_cel_str_contains(x, y));
      return true;
    case T_FN_ENDS_WITH:
      if (!t_cel_charge(st, 1 + x.len / 16, n->offset)) break;
      *out = t_cel_bool(t_cel_str_ends(x, y));
      return true;
    default: return false;
    }
    *out = st->fatal;
    return true;
  }
  return false;
}

T_CEL_NOINLINE static t_cel_val eval__call(t_cel_eval *st, const t_cel_node *n, int depth) {
  t_cel_val tmp[4];
  t_cel_val *args = n->n <= 4 ? tmp : t_arena_alloc(st->ar, n->n * sizeof(t_cel_val));
  if (!args) return t_cel_nomem(st, n->offset);
  for (uint32_t i = 0; i < n->n; i++) {
    args[i] = eval__operand(st, n->u.call.args[i], depth + 1);
    if (args[i].kind == T_CEL_V_ERROR) return args[i];
  }
  t_cel_val r;
  if (n->n == 2 && eval__fast2(st, n, args, &r)) return r;
  if (n->n == 1 && args[0].kind == T_CEL_V_BOOL && n->fn == T_FN_NOT) return t_cel_bool(!args[0].u.b);
  if (n->n == 1 && args[0].kind == T_CEL_V_STRING && n->fn == T_FN_SIZE) {
    /* as stdlib.c's size() */
    if (!t_cel_charge(st, t_cel_sv(args[0]).len / 16, n->offset)) return st->fatal;
    return t_cel_int((int64_t)t_cel_string_size(t_cel_sv(args[0])));
  }
  return t_cel_call(st, n, args, n->n);
}

t_cel_val t_cel_eval_node(t_cel_eval *st, const t_cel_node *n, int depth) {
  if (t_unlikely(depth > T_CEL_MAX_DEPTH))
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "expression nests too deeply (limit is %d)", T_CEL_MAX_DEPTH);
  if (t_unlikely(++st->cost > st->max_cost)) {
    t_cel_charge(st, 0, n->offset);
    return st->fatal;
  }
  switch ((t_cel_op)n->op) {
  case T_OP_CONST: return n->u.c;
  case T_OP_VAR: return eval__var(st, n);
  case T_OP_VAR_DYN: return eval__var_dyn(st, n);
  case T_OP_LOCAL: return st->locals[n->u.slot];
  case T_OP_SELECT:
  case T_OP_HAS: return eval__select(st, n, depth);
  case T_OP_AND: return eval__logic(st, n, depth, true);
  case T_OP_OR: return eval__logic(st, n, depth, false);
  case T_OP_COND: {
    t_cel_val c = t_cel_eval_node(st, n->u.call.args[0], depth + 1);
    if (c.kind == T_CEL_V_ERROR) return c;
    if (c.kind != T_CEL_V_BOOL) return t_cel_no_overload(st, n->offset, "_?_:_", &c, 1);
    return t_cel_eval_node(st, n->u.call.args[c.u.b ? 1 : 2], depth + 1);
  }
  case T_OP_NSF: return eval__nsf(st, n, depth);
  case T_OP_CALL: return eval__call(st, n, depth);
  case T_OP_LIST: return eval__list(st, n, depth);
  case T_OP_MAP: return eval__map(st, n, depth);
  case T_OP_COMP: return eval__comp(st, n, depth);
  case T_OP_APPEND: return eval__append(st, n, depth);
  case T_OP_ERROR: return t_cel_error(st, n->offset, "%s", n->u.msg);
  }
  return t_cel_error(st, n->offset, "internal error: bad node");
}
