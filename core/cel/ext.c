/*
** ext.c - the registry of cel-go's extension libraries: function lookup
** for the compiler, dispatch for the evaluator, and helpers the library
** files share.
*/
#include "cel/ext.h"

/* ORDER LIBS: a function's number encodes its library's place here. */
static const t_cel_ext_lib *const ext__libs[] = {
  &t_cel_ext_strings_lib, &t_cel_ext_math_lib, &t_cel_ext_encoders_lib,
  &t_cel_ext_optional_lib, &t_cel_ext_network_lib,
};

int t_cel_ext_lookup(unsigned libs, t_str name, bool member, size_t nargs, bool *arity_bad) {
  if (arity_bad) *arity_bad = false;
  for (size_t l = 0; l < T_ARRAY_LEN(ext__libs); l++) {
    const t_cel_ext_lib *lib = ext__libs[l];
    if (!(libs & lib->flag)) continue;
    for (size_t i = 0; i < lib->count; i++) {
      const t_cel_ext_fn *f = &lib->fns[i];
      if (f->member != member || !t_str_eq_cstr(name, f->name)) continue;
      if (nargs < f->min || (f->max != 255 && nargs > f->max)) {
        if (arity_bad) *arity_bad = true;
        continue;
      }
      if (arity_bad) *arity_bad = false;
      return (int)(T_CEL_EXT_BASE + l * T_CEL_EXT_LIB_MAX + i);
    }
  }
  return -1;
}

static const t_cel_ext_fn *ext__fn(unsigned fn) {
  if (fn < T_CEL_EXT_BASE) return NULL;
  size_t l = (fn - T_CEL_EXT_BASE) / T_CEL_EXT_LIB_MAX, i = (fn - T_CEL_EXT_BASE) % T_CEL_EXT_LIB_MAX;
  if (l >= T_ARRAY_LEN(ext__libs) || i >= ext__libs[l]->count) return NULL;
  return &ext__libs[l]->fns[i];
}

const char *t_cel_ext_name(unsigned fn) {
  const t_cel_ext_fn *f = ext__fn(fn);
  return f ? f->name : "?";
}

t_cel_val t_cel_ext_bad(t_cel_eval *st, const t_cel_node *n, const t_cel_val *a, size_t nargs) {
  return t_cel_no_overload(st, n->offset, t_cel_ext_name(n->fn), a, nargs);
}

t_cel_val t_cel_ext_call(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  const t_cel_ext_fn *f = ext__fn(n->fn);
  if (!f) return t_cel_error(st, n->offset, "internal error: unknown extension function %u", (unsigned)n->fn);
  return f->impl(st, n, a, nargs);
}

t_cel_val t_cel_ext_new_str(t_cel_eval *st, size_t offset, t_cel_kind kind, size_t len, char **out) {
  if (len > st->max_str)
    return t_cel_fail(st, TALLY_ERR_LIMIT, offset, "string size limit exceeded (%zu bytes)", st->max_str);
  if (!t_cel_charge(st, 1 + len / 16, offset)) return st->fatal;
  char *p = t_arena_alloc(st->ar, len ? len : 1);
  if (!p) return t_cel_nomem(st, offset);
  *out = p;
  t_cel_val v;
  v.kind = kind;
  v.u.s = p;
  v.aux = (uint32_t)len;
  return v;
}
