/*
** ext_optional.c - cel-go's optional types: optional.of/ofNonZeroValue/
** none, hasValue, value, or, orValue, the a.?b and a[?b] syntax, optional
** list elements and map entries ([?x], {?k: v}), and selection or
** indexing on an optional, which stays optional (cel-go's chaining).
**
** The compiler turns a.?b into a call of "_?._", [?x, y] into "@optlist"
** and {?k: v} into "@optmap" (names no source can spell), with the
** optional positions in the node's aux pointer (u.call.regex).
*/
#include "cel/ext.h"

#define BAD() return t_cel_ext_bad(st, n, a, nargs)

static t_cel_val opt__none(void) {
  t_cel_val v;
  v.kind = T_CEL_V_OPTIONAL;
  v.aux = 0;
  v.u.opt = NULL;
  return v;
}

static t_cel_val opt__of(t_cel_eval *st, size_t offset, t_cel_val x) {
  t_cel_val *p = t_arena_alloc(st->ar, sizeof *p);
  if (!p) return t_cel_nomem(st, offset);
  *p = x;
  t_cel_val v = opt__none();
  v.u.opt = p;
  return v;
}

/* cel-go's IsZeroValue. */
static bool opt__zero(t_cel_val v) {
  switch (v.kind) {
  case T_CEL_V_NULL: return true;
  case T_CEL_V_BOOL: return !v.u.b;
  case T_CEL_V_INT: return v.u.i == 0;
  case T_CEL_V_UINT: return v.u.u == 0;
  case T_CEL_V_DOUBLE: return v.u.d == 0;
  case T_CEL_V_STRING:
  case T_CEL_V_BYTES: return v.aux == 0;
  case T_CEL_V_LIST: return v.u.l->len == 0;
  case T_CEL_V_MAP: return v.u.m->len == 0;
  case T_CEL_V_DURATION:
  case T_CEL_V_TIMESTAMP: return v.u.i == 0 && v.aux == 0;
  default: return false;
  }
}

/*
** {======================================================
** Selection and indexing that yield optionals
** =======================================================
*/

/* x.?field, and x.field on an optional x. */
static t_cel_val opt__select(t_cel_eval *st, t_cel_val x, t_str field, bool test_only, size_t offset) {
  if (x.kind == T_CEL_V_OPTIONAL) {
    if (!x.u.opt) return test_only ? t_cel_bool(false) : x;
    x = *x.u.opt;
  }
  if (x.kind != T_CEL_V_MAP) return t_cel_select(st, x, field, test_only, offset);
  const t_cel_val *r = t_cel_map_get_str(x.u.m, field);
  if (test_only) return t_cel_bool(r != NULL);
  return r ? opt__of(st, offset, *r) : opt__none();
}

t_cel_val t_cel_opt_select(t_cel_eval *st, t_cel_val v, t_str field, bool test_only, size_t offset) {
  return opt__select(st, v, field, test_only, offset);
}

/* x[?k], and x[k] on an optional x. */
t_cel_val t_cel_opt_index(t_cel_eval *st, const t_cel_node *n, t_cel_val x, t_cel_val k) {
  if (x.kind == T_CEL_V_OPTIONAL) {
    if (!x.u.opt) return x;
    x = *x.u.opt;
  }
  if (x.kind == T_CEL_V_LIST) {
    int64_t i;
    if (k.kind == T_CEL_V_INT) i = k.u.i;
    else if (k.kind == T_CEL_V_UINT) i = k.u.u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)k.u.u;
    else if (k.kind == T_CEL_V_DOUBLE && t_cel_double_to_int(k.u.d, &i) && (double)i == k.u.d) {
    } else {
      t_cel_val a[2] = {x, k};
      return t_cel_no_overload(st, n->offset, "_[?_]", a, 2);
    }
    if (i < 0 || (uint64_t)i >= x.u.l->len) return opt__none();
    return opt__of(st, n->offset, x.u.l->items[i]);
  }
  if (x.kind == T_CEL_V_MAP) {
    const t_cel_val *r = t_cel_map_get(x.u.m, k);
    return r ? opt__of(st, n->offset, *r) : opt__none();
  }
  t_cel_val a[2] = {x, k};
  return t_cel_no_overload(st, n->offset, "_[?_]", a, 2);
}

static t_cel_val opt_select(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[1].kind != T_CEL_V_STRING) BAD();
  if (a[0].kind != T_CEL_V_MAP && a[0].kind != T_CEL_V_OPTIONAL) BAD();
  return opt__select(st, a[0], t_cel_sv(a[1]), false, n->offset);
}

static t_cel_val opt_index(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  (void)nargs;
  return t_cel_opt_index(st, n, a[0], a[1]);
}

/* }====================================================== */

/*
** {======================================================
** Functions
** =======================================================
*/

static t_cel_val opt_of(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  (void)nargs;
  return opt__of(st, n->offset, a[0]);
}

static t_cel_val opt_of_non_zero(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  (void)nargs;
  return opt__zero(a[0]) ? opt__none() : opt__of(st, n->offset, a[0]);
}

static t_cel_val opt_none(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  (void)st; (void)n; (void)a; (void)nargs;
  return opt__none();
}

static t_cel_val opt_has_value(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_OPTIONAL) BAD();
  return t_cel_bool(a[0].u.opt != NULL);
}

static t_cel_val opt_value(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_OPTIONAL) BAD();
  if (!a[0].u.opt) return t_cel_error(st, n->offset, "optional.none() dereference");
  return *a[0].u.opt;
}

static t_cel_val opt_or(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_OPTIONAL || a[1].kind != T_CEL_V_OPTIONAL) BAD();
  return a[0].u.opt ? a[0] : a[1];
}

static t_cel_val opt_or_value(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_OPTIONAL) BAD();
  return a[0].u.opt ? *a[0].u.opt : a[1];
}

/* optional.unwrap(list) and list.unwrapOpt(): the values of the present optionals. */
static t_cel_val opt_unwrap(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_LIST) BAD();
  const t_cel_list *src = a[0].u.l;
  if (!t_cel_charge(st, src->len, n->offset)) return st->fatal;
  t_cel_list *l = t_cel_list_new(st->ar, src->len);
  if (!l) return t_cel_nomem(st, n->offset);
  for (size_t i = 0; i < src->len; i++) {
    if (src->items[i].kind != T_CEL_V_OPTIONAL) BAD();
    if (src->items[i].u.opt) l->items[l->len++] = *src->items[i].u.opt;
  }
  t_cel_val r;
  r.kind = T_CEL_V_LIST;
  r.aux = 0;
  r.u.l = l;
  return r;
}

static t_cel_val opt_first(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_LIST) BAD();
  return a[0].u.l->len ? opt__of(st, n->offset, a[0].u.l->items[0]) : opt__none();
}

static t_cel_val opt_last(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_LIST) BAD();
  size_t len = a[0].u.l->len;
  return len ? opt__of(st, n->offset, a[0].u.l->items[len - 1]) : opt__none();
}

/* [a, ?b, c]: flags[i] marks an optional element, kept only when present. */
static t_cel_val opt_list(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  const uint8_t *flags = n->u.call.regex;
  if (nargs > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "list size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, nargs, n->offset)) return st->fatal;
  t_cel_list *l = t_cel_list_new(st->ar, nargs);
  if (!l) return t_cel_nomem(st, n->offset);
  for (size_t i = 0; i < nargs; i++) {
    if (!flags[i]) {
      l->items[l->len++] = a[i];
      continue;
    }
    if (a[i].kind != T_CEL_V_OPTIONAL)
      return t_cel_error(st, n->u.call.args[i]->offset, "cannot unwrap non-optional value of type '%s'",
                         t_cel_type_name_of(a[i]));
    if (a[i].u.opt) l->items[l->len++] = *a[i].u.opt;
  }
  t_cel_val r;
  r.kind = T_CEL_V_LIST;
  r.aux = 0;
  r.u.l = l;
  return r;
}

/* {k: v, ?k2: v2}: arguments are key, value pairs; flags per entry. */
static t_cel_val opt_map(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  const uint8_t *flags = n->u.call.regex;
  size_t count = nargs / 2;
  if (count > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "map size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, count, n->offset)) return st->fatal;
  t_cel_map *m = t_cel_map_new(st->ar, count);
  if (!m) return t_cel_nomem(st, n->offset);
  for (size_t i = 0; i < count; i++) {
    t_cel_val k = a[2 * i], v = a[2 * i + 1];
    size_t koff = n->u.call.args[2 * i]->offset;
    if (!t_cel_key_ok(k)) return t_cel_error(st, koff, "unsupported key type: %s", t_cel_type_name_of(k));
    if (flags[i]) {
      if (v.kind != T_CEL_V_OPTIONAL)
        return t_cel_error(st, koff, "cannot unwrap non-optional value of type '%s'", t_cel_type_name_of(v));
      if (!v.u.opt) continue;
      v = *v.u.opt;
    }
    t_cel_put p = t_cel_map_put(st->ar, m, k, v);
    if (p == T_CEL_PUT_NOMEM) return t_cel_nomem(st, n->offset);
    if (p == T_CEL_PUT_DUP) return t_cel_error(st, koff, "Failed with repeated key");
  }
  t_cel_val r;
  r.kind = T_CEL_V_MAP;
  r.aux = 0;
  r.u.m = m;
  return r;
}

static const t_cel_ext_fn opt__fns[] = {
  {"optional.of", false, 1, 1, opt_of},
  {"optional.ofNonZeroValue", false, 1, 1, opt_of_non_zero},
  {"optional.none", false, 0, 0, opt_none},
  {"hasValue", true, 0, 0, opt_has_value},
  {"value", true, 0, 0, opt_value},
  {"or", true, 1, 1, opt_or},
  {"orValue", true, 1, 1, opt_or_value},
  {"optional.unwrap", false, 1, 1, opt_unwrap},
  {"unwrapOpt", true, 0, 0, opt_unwrap},
  {"first", true, 0, 0, opt_first},
  {"last", true, 0, 0, opt_last},
  {"_?._", false, 2, 2, opt_select},
  {"_[?_]", false, 2, 2, opt_index},
  {"@optlist", false, 0, 255, opt_list},
  {"@optmap", false, 0, 255, opt_map},
};

const t_cel_ext_lib t_cel_ext_optional_lib = {TALLY_CEL_LIB_OPTIONALS, opt__fns, T_ARRAY_LEN(opt__fns)};
