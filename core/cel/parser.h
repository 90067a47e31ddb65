/*
** parser.h - CEL source text -> AST (ast.h), with macros expanded as
** cel-go's parser does. Nodes are allocated in the caller's arena and stay
** valid until it is reset; the AST borrows `src`.
**
**   t_cel_ast ast;
**   if (t_cel_parse(&arena, src, len, NULL, &ast, &err) != TALLY_OK) ... err ...
**
** A zeroed t_cel_parse_options (or NULL) means: the defaults below, every
** macro of cel-go's standard and extension libraries, optional syntax and
** backtick-quoted names on.
*/
#ifndef TALLY_CEL_PARSER_H
#define TALLY_CEL_PARSER_H

#include "../util/base.h"
#include "../util/mem.h"
#include "ast.h"

#define T_CEL_DEFAULT_MAX_SOURCE 100000u
#define T_CEL_DEFAULT_MAX_DEPTH 250u
/* Nodes an expression may expand to: base + per source byte (TALLY_ERR_LIMIT past it). */
#define T_CEL_MAX_NODES_BASE 10000u
#define T_CEL_MAX_NODES_PER_BYTE 16u

/* Macro families, for t_cel_parse_options.no_macro_sets. */
enum {
  T_CEL_MACROS_TWO_VAR = 1 << 0,   /* all/exists/existsOne(i, v, p), transformList/Map/MapEntry */
  T_CEL_MACROS_BIND = 1 << 1,      /* cel.bind(v, init, e) */
  T_CEL_MACROS_OPTIONAL = 1 << 2   /* opt.optMap(v, e), opt.optFlatMap(v, e) */
};

typedef struct t_cel_parse_options {
  size_t max_source_len;       /* bytes; 0 = T_CEL_DEFAULT_MAX_SOURCE */
  /*
  ** Nesting limit (0 = T_CEL_DEFAULT_MAX_DEPTH): bounds both the parser's
  ** recursion and the height of the resulting AST (operator chains such as
  ** a + a + ... + a count one level per operator, macro expansions count
  ** their generated nodes), so every later recursive pass is bounded too.
  ** Exceeding it is TALLY_ERR_LIMIT.
  */
  uint32_t max_depth;
  bool disable_macros;         /* no macro at all: has(), all() ... stay calls */
  unsigned no_macro_sets;      /* T_CEL_MACROS_* families to leave out */
  bool no_optional_syntax;     /* reject a.?b, a[?b], [?x], {?k: v} */
  bool no_escaped_idents;      /* reject a.`b-c` */
} t_cel_parse_options;

/*
** Parses src[0..len). On success fills *out and returns TALLY_OK. Otherwise
** returns TALLY_ERR_PARSE (syntax, bad literal, bad macro use),
** TALLY_ERR_LIMIT (length or nesting) or TALLY_ERR_NOMEM, with the first
** error and its position in *err.
*/
TALLY_INTERNAL tally_status t_cel_parse(t_arena *ar, const char *src, size_t len, const t_cel_parse_options *opts,
                                        t_cel_ast *out, tally_error *err);

/* The macro call recorded for an expanded node id, or NULL. */
TALLY_INTERNAL const t_cel_macro_call *t_cel_ast_macro_call(const t_cel_ast *ast, uint32_t id);

#endif
