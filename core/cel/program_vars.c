/*
** program_vars.c - the names a compiled program can look up in the
** activation. A binding layer that is handed whole records (a JS object,
** a JSON row) needs to convert only these members: nothing else can change
** the result. The walk follows the compiled tree, where identifiers are
** already resolved, so it sees exactly the lookups the evaluator makes.
*/
#include "cel/program.h"

typedef T_VEC(t_cel_cand) pv__names;

typedef struct pv__walk {
  const tally_allocator *alloc;
  pv__names names;
  bool nomem;
} pv__walk;

/* Distinct names only: programs name a handful of variables, so a scan beats a hash set. */
static void pv__add(pv__walk *w, t_str name, uint32_t hash) {
  for (size_t i = 0; i < w->names.len; i++)
    if (w->names.items[i].hash == hash && t_str_eq(w->names.items[i].name, name)) return;
  t_cel_cand c = {name, hash, 0};
  if (!t_vec_push(w->alloc, &w->names, c)) w->nomem = true;
}

static void pv__node(pv__walk *w, const t_cel_node *n);

static void pv__nodes(pv__walk *w, t_cel_node *const *ns, size_t count) {
  for (size_t i = 0; ns && i < count; i++) pv__node(w, ns[i]);
}

/* Recursion is bounded by the compiled tree's depth, which compile bounds (T_CEL_MAX_DEPTH). */
static void pv__node(pv__walk *w, const t_cel_node *n) {
  if (!n || w->nomem) return;
  switch ((t_cel_op)n->op) {
  case T_OP_CONST:
  case T_OP_LOCAL:
  case T_OP_ERROR: return;
  case T_OP_VAR: pv__add(w, n->u.var.name, n->u.var.hash); return;
  case T_OP_VAR_DYN:
    for (uint32_t i = 0; i < n->n; i++) pv__add(w, n->u.dyn.cands[i].name, n->u.dyn.cands[i].hash);
    return;
  case T_OP_SELECT:
  case T_OP_HAS: pv__node(w, n->u.sel.operand); return;
  case T_OP_AND:
  case T_OP_OR: pv__nodes(w, n->u.call.args, 2); return;
  case T_OP_COND: pv__nodes(w, n->u.call.args, 3); return;
  case T_OP_NSF: pv__nodes(w, n->u.call.args, 1); return;
  case T_OP_CALL:
  case T_OP_LIST: pv__nodes(w, n->u.call.args, n->n); return;
  case T_OP_MAP:
    pv__nodes(w, n->u.map.keys, n->n);
    pv__nodes(w, n->u.map.vals, n->n);
    return;
  case T_OP_COMP:
    pv__node(w, n->u.comp.range);
    pv__node(w, n->u.comp.init);
    pv__node(w, n->u.comp.cond);
    pv__node(w, n->u.comp.step);
    pv__node(w, n->u.comp.result);
    return;
  case T_OP_APPEND: pv__nodes(w, n->u.app.elems, n->n); return;
  }
}

size_t tally_cel_program_variables(const tally_cel_program *prog, const char **names, size_t *lens, size_t cap) {
  pv__walk w = {&prog->alloc, {0}, false};
  pv__node(&w, prog->root);
  size_t count = w.nomem ? (size_t)-1 : w.names.len;
  for (size_t i = 0; !w.nomem && i < count && i < cap; i++) {
    names[i] = w.names.items[i].name.ptr;
    lens[i] = w.names.items[i].name.len;
  }
  t_vec_free(&prog->alloc, &w.names);
  return count;
}
