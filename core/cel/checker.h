/*
** checker.h - the checker's internal interface: the environment behind
** tally_cel_checker, the declaration tables (decls.c), and the checked form
** of an AST that the evaluator's compile step can use.
**
** How types reach the evaluator: t_cel_check_ast fills one t_cel_node_info
** per AST node id. A compile step that has one can
**   - call the overload directly when a call has exactly one candidate
**     (info->overloads[0]->id is cel-go's id: "add_int64", "size_string",
**     "timestamp_to_year_with_tz"), with no run-time type switch;
**   - resolve a qualified variable once (flag T_CEL_NODE_VARIABLE on a
**     SELECT node: "a.b.c" is one variable named info->ref);
**   - treat a member call whose target is a namespace as a global function
**     (T_CEL_NODE_NAMESPACED: `base64.encode(x)` is function info->ref with
**     the call's args only);
**   - skip the "is it a map, a list or an object?" test of a field
**     selection or an index when the operand's type is known.
** Nodes of type dyn (or holding dyn inside) keep run-time dispatch.
*/
#ifndef TALLY_CEL_CHECKER_H
#define TALLY_CEL_CHECKER_H

#include "tally/cel_check.h"
#include "ast.h"
#include "types.h"
#include "../util/vec.h"

enum {
  T_CEL_LIB_STANDARD = TALLY_CEL_LIB_STANDARD,
  T_CEL_LIB_STRINGS = TALLY_CEL_LIB_STRINGS,
  T_CEL_LIB_MATH = TALLY_CEL_LIB_MATH,
  T_CEL_LIB_ENCODERS = TALLY_CEL_LIB_ENCODERS,
  T_CEL_LIB_OPTIONALS = TALLY_CEL_LIB_OPTIONALS,
  T_CEL_LIB_NETWORK = TALLY_CEL_LIB_NETWORK,
  T_CEL_LIB_USER = 1 << 8          /* declared through the API */
};

/* ** {====== Declaration tables (decls.c) */

typedef struct t_cel_decl_row {
  const char *function;
  const char *id;
  bool member;
  const char *sig;     /* see decls.c */
  unsigned lib;
} t_cel_decl_row;

typedef struct t_cel_decl_type {
  const char *name;
  const char *sig;
  unsigned lib;
} t_cel_decl_type;

TALLY_INTERNAL extern const t_cel_decl_row t_cel_decl_rows[];
TALLY_INTERNAL extern const size_t t_cel_decl_row_count;
TALLY_INTERNAL extern const t_cel_decl_type t_cel_decl_types[];
TALLY_INTERNAL extern const size_t t_cel_decl_type_count;
TALLY_INTERNAL const t_type *t_cel_decl_decode(t_arena *ar, const char **p);

/* }====== */

/* ** {====== The environment */

typedef struct t_cel_overload {
  t_str id;
  bool member;
  bool generic;          /* mentions type parameters: instantiated fresh at each use */
  unsigned lib;
  uint16_t nargs;        /* a member overload counts its receiver */
  const t_type **args;
  const t_type *result;
} t_cel_overload;

typedef struct t_cel_function {
  t_str name;
  T_VEC(t_cel_overload) overloads;
} t_cel_function;

typedef struct t_cel_var {
  t_str name;
  const t_type *type;
} t_cel_var;

typedef struct t_cel_object {
  t_str name;
  T_VEC(t_cel_var) fields;
} t_cel_object;

struct tally_cel_checker {
  tally_allocator alloc;
  t_arena ar;                    /* names and types of the declarations */
  T_VEC(t_cel_function) functions;
  uint32_t *fn_index;            /* open addressing by name hash: function index + 1, 0 empty */
  size_t fn_index_cap;           /* a power of two, at least twice the functions */
  T_VEC(t_cel_var) vars;         /* includes the type identifiers (int, list...) */
  T_VEC(t_cel_object) objects;
  t_str container;
  unsigned libs;
  bool cross_type_comparisons;
};

/* Whether a name is a declared object type (a t_type_resolver). */
TALLY_INTERNAL bool t_cel_checker_has_object(void *chk, t_str name);

/*
** Declarations from the JSON `type_env` of the CLI (interfaces.md): an
** array of {"name", "kind": "ident", "type"} / {"name", "kind": "function",
** "overloads": [{"id", "params", "result", "member"}]} / {"name", "kind":
** "object", "fields": {"bot": "int", ...}} (an object type, declared before
** the variables that use it); the conformance
** shapes ({"name", "ident": {"type"}}, {"name", "function": {"overloads":
** [{"overloadId", "params", "resultType", "isInstanceFunction"}]}}) are
** accepted too, and a type may be a type string or a conformance Type
** object ({"primitive": "INT64"}, {"listType": {...}}, ...).
*/
struct t_json;
TALLY_INTERNAL tally_status t_cel_checker_declare_json(tally_cel_checker *chk, const struct t_json *type_env,
                                                       tally_error *err);

/* }====== */

/* ** {====== Checked ASTs */

enum {
  T_CEL_NODE_VARIABLE = 1 << 0,    /* IDENT or SELECT naming a declared variable (ref) */
  T_CEL_NODE_NAMESPACED = 1 << 1,  /* member call that is really the global function ref */
  T_CEL_NODE_TYPE_NAME = 1 << 2,   /* IDENT or SELECT naming a type (int, tally.Obj) */
  T_CEL_NODE_FIELD_PATH = 1 << 3   /* SELECT of a field under a variable: ref is "var.f.g" */
};

typedef struct t_cel_node_info {
  const t_type *type;            /* NULL for ids without a node (never checked) */
  t_str ref;                     /* resolved variable, function or type name; for a
                                    field selection the field's path (see flags) */
  const t_cel_overload *const *overloads;  /* calls: the overloads that match */
  uint16_t noverloads;
  uint8_t flags;
} t_cel_node_info;

typedef struct t_cel_check_error {
  size_t offset;
  char *message;
} t_cel_check_error;

typedef struct t_cel_check_ref {
  tally_cel_reference_kind kind;
  t_str path;
  size_t offset, length;
} t_cel_check_ref;

typedef struct t_cel_checked {
  t_cel_node_info *nodes;        /* indexed by expr id; nnodes = ast->next_id */
  uint32_t nnodes;
  const t_type *result;
  t_cel_check_error *errors;
  size_t nerrors;
  t_cel_check_ref *refs;
  size_t nrefs;
} t_cel_checked;

/*
** Checks an AST; everything is allocated in ar. expected may be NULL.
** Returns TALLY_OK, TALLY_ERR_CHECK (out->errors lists them all; err gets
** the first, positioned in ast->source), TALLY_ERR_LIMIT or TALLY_ERR_NOMEM.
*/
TALLY_INTERNAL tally_status t_cel_check_ast(const tally_cel_checker *chk, t_arena *ar, const t_cel_ast *ast,
                                            const t_type *expected, t_cel_checked *out, tally_error *err);

/*
** The parsed and checked forms behind a public result (valid until it is
** freed), so that a compile step can reuse the check of tally_cel_check.
*/
TALLY_INTERNAL const t_cel_ast *t_cel_check_result_ast(const tally_cel_check_result *res);
TALLY_INTERNAL const t_cel_checked *t_cel_check_result_checked(const tally_cel_check_result *res);

/* }====== */

#endif
