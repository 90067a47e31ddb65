/*
** unparse.h - AST -> CEL source text that parses back to the same AST
** (same debug string): minimal parentheses, macros shown as written
** (from t_cel_ast.macro_calls), `&&`/`||` chains flat when the parser's
** balancing reproduces them. Used by the rules engine and for messages.
**
**   t_buf b; t_buf_init(&b, alloc);
**   if (t_cel_unparse(&b, &ast, &err) == TALLY_OK) ... b.ptr, b.len ...
*/
#ifndef TALLY_CEL_UNPARSE_H
#define TALLY_CEL_UNPARSE_H

#include "../util/buf.h"
#include "ast.h"

/*
** Appends the source of ast->root to b. Fails with TALLY_ERR_USAGE for
** trees no source can produce (a comprehension that is not a recorded
** macro, a field name that cannot be written even with backticks), and
** TALLY_ERR_NOMEM when b failed to grow.
*/
TALLY_INTERNAL tally_status t_cel_unparse(t_buf *b, const t_cel_ast *ast, tally_error *err);

/* The same for one node of an AST (macro calls looked up in ast). */
TALLY_INTERNAL tally_status t_cel_unparse_expr(t_buf *b, const t_cel_ast *ast, const t_cel_expr *e,
                                               tally_error *err);

#endif
