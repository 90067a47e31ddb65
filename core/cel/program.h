/*
** program.h - the compiled form of a CEL expression and the structures
** shared by the compiler (compile.c), the evaluator (eval.c), the standard
** library (stdlib.c) and the API (context.c).
**
** The compiler turns the AST into a tree of nodes in which identifiers are
** resolved (to a variable name with its hash, or to a comprehension slot),
** functions to a number, constant subtrees folded and constant regular
** expressions compiled. The tree is immutable: evaluation keeps all its
** state in a t_cel_eval on the stack and in the context.
*/
#ifndef TALLY_CEL_PROGRAM_H
#define TALLY_CEL_PROGRAM_H

#include "tally/cel.h"
#include "cel/value.h"
#include "cel/ast.h"
#include "util/vec.h"

#define T_CEL_LIMIT_MAX_COST 200000u
#define T_CEL_LIMIT_MAX_STRING (1u << 20)
#define T_CEL_LIMIT_MAX_LIST 100000u
#define T_CEL_LIMIT_MAX_MEMORY ((size_t)64 << 20)
#define T_CEL_LIMIT_MAX_SOURCE 100000u
/* Recursion bound of compile and eval (the parser bounds AST depth lower). */
#define T_CEL_MAX_DEPTH 500

/* An entry of an env's name index: a declaration's hash and number + 1 (0 = empty). */
typedef struct t_cel_decl_ref {
  uint32_t hash;
  uint32_t index1;
} t_cel_decl_ref;

struct tally_cel_env {
  tally_allocator alloc;
  /*
  ** Declared variable names (owned copies), in declaration order, which
  ** never changes: a declaration's number is its slot in the contexts made
  ** for the env (tally_cel_context_new_for_env).
  */
  T_VEC(t_str) decls;
  t_cel_decl_ref *decl_index; /* open addressing over decls, cap a power of two */
  size_t decl_index_cap;
  t_str container;           /* owned copy, may be empty */
  bool dynamic;
  bool no_macros;
  tally_cel_limits limits;
  unsigned libs;             /* extension libraries (TALLY_CEL_LIB_*) enabled, see ext.h */
  /*
  ** Made by the first typed declaration (api.c): from then on every
  ** compilation is checked first, untyped names being dyn there.
  */
  struct tally_cel_checker *checker;
  t_str result_type;         /* owned; the type a checked expression must have, or empty */
};

/*
** ORDER FN: t_cel_fn_names in stdlib.c lists the names in this order.
*/
typedef enum t_cel_fn {
  T_FN_ADD, T_FN_SUB, T_FN_MUL, T_FN_DIV, T_FN_MOD, T_FN_NEG, T_FN_NOT,
  T_FN_EQ, T_FN_NE, T_FN_LT, T_FN_LE, T_FN_GT, T_FN_GE,
  T_FN_INDEX, T_FN_IN,
  T_FN_SIZE, T_FN_CONTAINS, T_FN_STARTS_WITH, T_FN_ENDS_WITH, T_FN_MATCHES,
  T_FN_INT, T_FN_UINT, T_FN_DOUBLE, T_FN_STRING, T_FN_BYTES, T_FN_BOOL, T_FN_DYN, T_FN_TYPE,
  T_FN_TIMESTAMP, T_FN_DURATION,
  T_FN_GET_FULL_YEAR, T_FN_GET_MONTH, T_FN_GET_DAY_OF_YEAR, T_FN_GET_DAY_OF_MONTH,
  T_FN_GET_DATE, T_FN_GET_DAY_OF_WEEK, T_FN_GET_HOURS, T_FN_GET_MINUTES,
  T_FN_GET_SECONDS, T_FN_GET_MILLISECONDS,
  T_FN_MAP_INSERT,
  T_FN__COUNT
} t_cel_fn;

/* The operator and function names of cel-go, by t_cel_fn. */
TALLY_INTERNAL extern const char *const t_cel_fn_names[T_FN__COUNT];

typedef enum t_cel_op {
  T_OP_CONST,
  T_OP_VAR,          /* a declared variable: its context slot, else looked up by name */
  T_OP_VAR_DYN,      /* an undeclared name: candidates tried at evaluation */
  T_OP_LOCAL,        /* a comprehension variable */
  T_OP_SELECT,
  T_OP_HAS,
  T_OP_AND,
  T_OP_OR,
  T_OP_COND,
  T_OP_NSF,          /* @not_strictly_false */
  T_OP_CALL,
  T_OP_LIST,
  T_OP_MAP,
  T_OP_COMP,
  T_OP_APPEND,       /* accu + [elems]: in-place append to the accumulator */
  T_OP_ERROR         /* known at compile time to fail (e.g. message construction) */
} t_cel_op;

typedef struct t_cel_node t_cel_node;

/* A candidate name of an undeclared identifier chain, consuming nsel selections. */
typedef struct t_cel_cand {
  t_str name;
  uint32_t hash;
  uint32_t nsel;
} t_cel_cand;

#define T_CEL_NODE_MEMBER 1u   /* call written as target.fn(...) */
#define T_CEL_NODE_INPLACE 2u  /* cel.@mapInsert on an accumulator: may insert in place */

struct t_cel_node {
  uint8_t op;
  uint8_t flags;
  uint16_t fn;
  uint32_t n;                /* call args, list elements, map entries, candidates */
  size_t offset;
  union {
    t_cel_val c;
    struct { t_str name; uint32_t hash; uint32_t slot; } var;  /* slot: the declaration's number */
    struct {
      const t_cel_cand *cands;
      const t_str *fields;   /* all selections after the root identifier */
      uint32_t nfields;
      bool test_only;        /* has() on the last field */
    } dyn;
    uint32_t slot;
    struct { t_cel_node *operand; t_str field; } sel;
    struct {
      t_cel_node **args;
      const void *regex;
      const struct t_cel_strset *set;  /* `in` over a constant list of strings */
      uint32_t accu;
    } call;
    struct { t_cel_node **keys; t_cel_node **vals; } map;
    struct {
      t_cel_node *range, *init, *cond, *step, *result;
      uint32_t v1, v2, accu;  /* v2 == UINT32_MAX: one variable */
    } comp;
    struct { t_cel_node **elems; uint32_t accu; } app;
    const char *msg;
  } u;
};

/*
** The strings of a constant list, hashed at compile time, so that
** `x in ["a", "b", ...]` probes instead of scanning (cel-go's optimizer does
** the same). Slots hold an index + 1 into items (0 = empty); only a string
** can equal a string, so other operands keep the generic scan.
*/
typedef struct t_cel_strset {
  const t_cel_val *items;
  uint32_t mask;
  uint32_t slots[];
} t_cel_strset;

TALLY_INTERNAL bool t_cel_strset_has(const t_cel_strset *set, t_str s);
/* size() of a string value: its code points. */
TALLY_INTERNAL size_t t_cel_string_size(t_str s);

struct tally_cel_program {
  tally_allocator alloc;
  const tally_cel_env *env;  /* whose declaration numbers the T_OP_VAR nodes hold */
  t_arena arena;             /* AST, nodes and constants */
  t_cel_node *root;
  const char *source;        /* copy, for error positions */
  size_t source_len;
  uint32_t nlocals;
  tally_cel_limits limits;
  struct t_cel_regex_link *regexes;  /* constant patterns, freed with the program */
};

typedef struct t_cel_regex_link {
  struct t_cel_regex_link *next;
  struct tally_regex *re;
} t_cel_regex_link;

/* A variable bound by name (not a declaration of the context's env). */
typedef struct t_cel_binding {
  t_str name;                /* in the binding arena; ptr NULL = empty slot */
  uint32_t hash;
  t_cel_val value;
} t_cel_binding;

/*
** A context is one allocation: this struct, then the bound bits of its
** slots and the slots, then the first chunk of the binding arena, so that
** thousands of pre-bound contexts stay small and each is read from a few
** neighbouring cache lines. The fields every evaluation reads come last,
** next to the slots and the values; binding's own come first.
*/
struct tally_cel_context {
  tally_allocator alloc;
  t_arena bind_arena;        /* activation values, until clear */
  t_cel_binding *binds;      /* other names: open addressing, cap a power of two */
  size_t nbinds, bind_cap;
  struct tally_regex_cache *re_cache; /* DFA states for `matches`, made on first use */
  void *first_chunk;         /* the binding arena's first chunk, inside this allocation */
  size_t first_chunk_size;
  size_t size;               /* of this allocation */
  bool first_chunk_used;
  uint32_t bind_next;        /* the slot after the last one bound: the next bind's first guess */
  t_cel_val *locals;         /* comprehension slots, when the stack's are too few */
  size_t locals_cap;
  t_arena eval_arena;        /* reset by every evaluation */
  /*
  ** The last result lives here rather than in the evaluation arena, so that
  ** an evaluation that allocates nothing never touches (or grows) the arena.
  */
  tally_cel_value result;
  const tally_cel_env *env;  /* the env whose declarations have slots, or NULL */
  t_cel_val *slots;          /* the value of declaration i of env, for i < nslots */
  uint64_t *bound;           /* bit i: slot i holds a value */
  uint32_t nslots;
};

/* The state of one evaluation. */
typedef struct t_cel_eval {
  const tally_cel_program *prog;
  tally_cel_context *ctx;    /* NULL when folding constants at compile time */
  t_arena *ar;
  t_cel_val *locals;
  /* The context's slots when it was made for the program's env, else nslots 0. */
  const t_cel_val *slots;
  const uint64_t *bound;
  uint32_t nslots;
  uint64_t cost, max_cost;
  size_t max_str, max_list;
  t_cel_val fatal;           /* a limit or out-of-memory error stops everything */
  bool failed;
} t_cel_eval;

TALLY_INTERNAL uint32_t t_cel_hash_name(t_str s);
/* The number of env's declaration of name, or -1. */
TALLY_INTERNAL int32_t t_cel_env_find(const tally_cel_env *env, t_str name, uint32_t hash);
/* A variable's value by name (slot or name table), or NULL when unbound. */
TALLY_INTERNAL const t_cel_val *t_cel_context_lookup(const tally_cel_context *ctx, t_str name, uint32_t hash);

/* Evaluates a node; errors are values, st->failed marks a fatal one. */
TALLY_INTERNAL t_cel_val t_cel_eval_node(t_cel_eval *st, const t_cel_node *n, int depth);

/* A fatal error (limit or memory): recorded in st, returned as a value. */
TALLY_INTERNAL t_cel_val t_cel_fail(t_cel_eval *st, tally_status code, size_t offset, const char *fmt, ...);
TALLY_INTERNAL t_cel_val t_cel_nomem(t_cel_eval *st, size_t offset);
/* An ordinary CEL error value. */
TALLY_INTERNAL t_cel_val t_cel_error(t_cel_eval *st, size_t offset, const char *fmt, ...);
/* "no matching overload for 'f' applied to '(int, string)'" */
TALLY_INTERNAL t_cel_val t_cel_no_overload(t_cel_eval *st, size_t offset, const char *fn,
                                           const t_cel_val *args, size_t nargs);
/* Charges cost; false (and a fatal limit error) when over the budget. */
TALLY_INTERNAL bool t_cel_charge(t_cel_eval *st, uint64_t units, size_t offset);

/* Calls builtin fn on evaluated arguments (for member calls the target is args[0]). */
TALLY_INTERNAL t_cel_val t_cel_call(t_cel_eval *st, const t_cel_node *n, t_cel_val *args, size_t nargs);
/* The function number of a name, or -1. */
TALLY_INTERNAL int t_cel_fn_lookup(t_str name);
/* Whether fn accepts nargs arguments, as a member call or not. */
TALLY_INTERNAL bool t_cel_fn_arity_ok(int fn, bool member, size_t nargs);

/* Selection of a field on a value (maps: key lookup; has: presence). */
TALLY_INTERNAL t_cel_val t_cel_select(t_cel_eval *st, t_cel_val v, t_str field, bool test_only, size_t offset);

/* An empty program holding a copy of the source (api.c). */
TALLY_INTERNAL tally_status t_cel_program_new(const tally_cel_env *env, const char *src, size_t len,
                                              tally_cel_program **out, tally_error *err);

/* matches.c: regexes compiled with a program (freed with it), and `matches`. */
TALLY_INTERNAL tally_status t_cel_regex_prepare(tally_cel_program *prog, t_str pattern, const void **out,
                                                tally_error *err);
TALLY_INTERNAL void t_cel_regex_free_all(tally_cel_program *prog);
TALLY_INTERNAL void t_cel_context_free_regex(tally_cel_context *ctx);
TALLY_INTERNAL t_cel_val t_cel_matches(t_cel_eval *st, const t_cel_node *n, t_str text, t_str pattern);

/* Compiles an AST (the program's arena owns the nodes). */
TALLY_INTERNAL tally_status t_cel_compile_ast(const tally_cel_env *env, tally_cel_program *prog,
                                              const t_cel_ast *ast, tally_error *err);

/* Typed JSON (interfaces.md): value -> text, and JSON tree -> value. */
TALLY_INTERNAL bool t_cel_write_typed(t_buf *b, t_cel_val v, int depth);
struct t_json;
TALLY_INTERNAL tally_status t_cel_read_typed(t_arena *ar, const struct t_json *j, t_cel_val *out, int depth,
                                             tally_error *err);
TALLY_INTERNAL tally_status t_cel_read_plain(t_arena *ar, const struct t_json *j, t_cel_val *out, int depth,
                                             tally_error *err);

#endif
