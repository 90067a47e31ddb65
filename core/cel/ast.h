/*
** ast.h - the CEL abstract syntax tree, shared by the parser (parser.c),
** the checker, the compiler/evaluator and the rules engine's tree
** conversion. Its shape follows cel-go's Expr (google.api.expr.v1alpha1):
** operators are calls to functions with cel-go's operator names, and
** macros are expanded by the parser into comprehensions, so every later pass
** sees one small set of node kinds.
**
** Nodes live in the parse arena (t_arena) and are immutable after parsing.
*/
#ifndef TALLY_CEL_AST_H
#define TALLY_CEL_AST_H

#include "../util/base.h"

typedef enum t_cel_expr_kind {
  T_CEL_CONST,          /* literal                                    */
  T_CEL_IDENT,          /* name (may be qualified: "a.b" is SELECT)   */
  T_CEL_SELECT,         /* operand.field, or has(operand.field)       */
  T_CEL_CALL,           /* function(args) or target.function(args)    */
  T_CEL_LIST,           /* [a, b, ?c]                                 */
  T_CEL_MAP,            /* {k: v, ?k2: v2}                            */
  T_CEL_STRUCT,         /* Msg{field: v} (message construction)       */
  T_CEL_COMPREHENSION   /* expanded macro                             */
} t_cel_expr_kind;

typedef enum t_cel_const_kind {
  T_CEL_CONST_NULL,
  T_CEL_CONST_BOOL,
  T_CEL_CONST_INT,
  T_CEL_CONST_UINT,
  T_CEL_CONST_DOUBLE,
  T_CEL_CONST_STRING,  /* decoded UTF-8 text */
  T_CEL_CONST_BYTES    /* decoded bytes      */
} t_cel_const_kind;

typedef struct t_cel_expr t_cel_expr;

typedef struct t_cel_entry {
  t_cel_expr *key;     /* map: key expression; struct: NULL           */
  t_str field;         /* struct: field name; map: empty              */
  t_cel_expr *value;
  bool optional;       /* ?key: value                                 */
  uint32_t id;
  size_t offset;
} t_cel_entry;

struct t_cel_expr {
  t_cel_expr_kind kind;
  uint32_t id;         /* unique within a parse, from 1, in creation order  */
  size_t offset;       /* byte offset in the source of the node's anchor:
                          the operator token for operators, the '(' of
                          calls, the '.' of selections, the first byte of
                          literals and identifiers (as cel-go)              */
  union {
    struct {
      t_cel_const_kind kind;
      union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        t_str s;       /* string or bytes */
      } v;
    } c;
    struct { t_str name; } ident;
    struct {
      t_cel_expr *operand;
      t_str field;
      bool test_only;  /* has() */
      bool optional;   /* operand.?field (function "_?._" in cel-go)   */
    } select;
    struct {
      t_str function;  /* "_+_", "_&&_", "_?_:_", "_[_]", "!_", "-_",
                          "@in", "_==_", "size", "contains", ...
                          optional syntax: "_?._" and "_[?_]"           */
      t_cel_expr *target; /* receiver for member calls, else NULL */
      t_cel_expr **args;
      size_t nargs;
    } call;
    struct {
      t_cel_expr **elems;
      size_t nelems;
      size_t *optional_indices; /* indices of ?elem entries */
      size_t noptional;
    } list;
    struct {
      t_str message_name;       /* struct only */
      t_cel_entry *entries;
      size_t nentries;
    } map;                      /* T_CEL_MAP and T_CEL_STRUCT */
    struct {
      t_str iter_var;
      t_str iter_var2;          /* empty unless a two-variable macro */
      t_cel_expr *iter_range;
      t_str accu_var;           /* "@result" as in cel-go */
      t_cel_expr *accu_init;
      t_cel_expr *loop_cond;
      t_cel_expr *loop_step;
      t_cel_expr *result;
    } comp;
  } u;
  uint32_t height;     /* 1 for leaves, else 1 + the tallest child; the
                          parser bounds it (t_cel_parse_options.max_depth),
                          so recursive passes over the AST are bounded */
};

/*
** For every expanded macro the parser records the original call, so tools
** (the rules engine's tree view, error messages) can show what was written.
*/
typedef struct t_cel_macro_call {
  uint32_t expr_id;    /* id of the comprehension (or select, for has) */
  t_cel_expr *call;    /* the call as written */
} t_cel_macro_call;

typedef struct t_cel_ast {
  t_cel_expr *root;
  const char *source;  /* borrowed from the caller of the parser */
  size_t source_len;
  uint32_t next_id;
  t_cel_macro_call *macro_calls;
  size_t nmacro_calls;
} t_cel_ast;

#endif
