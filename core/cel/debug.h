/*
** debug.h - cel-go's "debug string" of an AST (parser/unparser_test's
** ToDebugString with the kind adorner), so cel-go's and cel-spec's parser
** test expectations can be compared text for text.
**
**   a.b(1)  ->  a^#*expr.Expr_IdentExpr#.b(\n  1^#*expr.Constant_Int64Value#\n)^#*expr.Expr_CallExpr#
*/
#ifndef TALLY_CEL_DEBUG_H
#define TALLY_CEL_DEBUG_H

#include "../util/buf.h"
#include "ast.h"

/* Appends the debug form of e to b; `adorn` adds the ^#kind# markers. */
TALLY_INTERNAL void t_cel_debug_string(t_buf *b, const t_cel_expr *e, bool adorn);

#endif
