/*
** parser_impl.h - the parser's state and node builders, shared by
** parser.c (the grammar) and macros.c (macro expansion). Not for other
** modules: they see only parser.h and ast.h.
*/
#ifndef TALLY_CEL_PARSER_IMPL_H
#define TALLY_CEL_PARSER_IMPL_H

#include "parser.h"
#include "lexer.h"

typedef struct t_cel_parser {
  t_arena *ar;
  const char *src;
  size_t len;
  t_cel_lexer lx;
  t_cel_token tk;              /* the current (lookahead) token */
  t_cel_parse_options opt;
  uint32_t depth;              /* parse_expr nesting */
  uint32_t next_id;
  tally_error *err;
  tally_status status;         /* first failure; TALLY_OK while parsing goes on */
  t_cel_macro_call *calls;     /* recorded macro calls (arena, grown by doubling) */
  size_t ncalls, calls_cap;
} t_cel_parser;

/* Records the first error (later ones are dropped); always returns NULL. */
TALLY_INTERNAL void *t_cel__fail(t_cel_parser *p, tally_status code, size_t offset, const char *fmt, ...);

/* Node builders. All return NULL after recording an error (nomem, limit). */
TALLY_INTERNAL t_cel_expr *t_cel__node(t_cel_parser *p, t_cel_expr_kind kind, size_t offset);
TALLY_INTERNAL t_cel_expr *t_cel__seal(t_cel_parser *p, t_cel_expr *e);
TALLY_INTERNAL t_cel_expr *t_cel__ident(t_cel_parser *p, size_t offset, t_str name);
TALLY_INTERNAL t_cel_expr *t_cel__bool(t_cel_parser *p, size_t offset, bool v);
TALLY_INTERNAL t_cel_expr *t_cel__int(t_cel_parser *p, size_t offset, int64_t v);
TALLY_INTERNAL t_cel_expr *t_cel__select(t_cel_parser *p, size_t offset, t_cel_expr *operand, t_str field,
                                         bool test_only, bool optional);
TALLY_INTERNAL t_cel_expr *t_cel__call(t_cel_parser *p, size_t offset, const char *fn, t_cel_expr *target,
                                       t_cel_expr *const *args, size_t nargs);
TALLY_INTERNAL t_cel_expr *t_cel__call_str(t_cel_parser *p, size_t offset, t_str fn, t_cel_expr *target,
                                           t_cel_expr *const *args, size_t nargs);
TALLY_INTERNAL t_cel_expr *t_cel__list(t_cel_parser *p, size_t offset, t_cel_expr *const *elems, size_t n);
TALLY_INTERNAL t_cel_expr *t_cel__empty_map(t_cel_parser *p, size_t offset);
TALLY_INTERNAL t_cel_expr *t_cel__comp(t_cel_parser *p, size_t offset, t_str iter_var, t_str iter_var2,
                                       t_cel_expr *range, t_str accu_var, t_cel_expr *init, t_cel_expr *cond,
                                       t_cel_expr *step, t_cel_expr *result);

/*
** Macro expansion of the call `target.name(args)` (target NULL for global
** calls) whose '(' is at offset. Returns the expansion; NULL with
** p->status still TALLY_OK when no macro applies (the caller builds a
** plain call); NULL with p->status set on a bad macro use.
*/
TALLY_INTERNAL t_cel_expr *t_cel__expand_macro(t_cel_parser *p, size_t offset, t_cel_expr *target, t_str name,
                                               t_cel_expr **args, size_t nargs);

#endif
