/*
** types.h - CEL types as the checker sees them: representation, parsing of
** cel-go type strings ("map(string, int)"), printing, and the unification
** rules (assignability with type parameters, most-general join) that
** cel-go's checker uses, so that the deduced types match cel-go's.
**
** Types are immutable values; the primitive ones are static constants and
** the rest live in the arena of the check (or of the checker environment for
** declared types). A type parameter is bound through a t_type_subst, an
** append-only list of substitutions that can be rolled back to a mark: that
** is how a failed overload attempt leaves no trace.
*/
#ifndef TALLY_CEL_TYPES_H
#define TALLY_CEL_TYPES_H

#include "../util/base.h"
#include "../util/mem.h"
#include "../util/buf.h"

/* ORDER KIND: t_type__kind_names in types.c follows this order. */
typedef enum t_type_kind {
  T_TYPE_ERROR,
  T_TYPE_DYN,
  T_TYPE_ANY,        /* google.protobuf.Any: behaves as dyn */
  T_TYPE_NULL,
  T_TYPE_BOOL,
  T_TYPE_INT,
  T_TYPE_UINT,
  T_TYPE_DOUBLE,
  T_TYPE_STRING,
  T_TYPE_BYTES,
  T_TYPE_TIMESTAMP,
  T_TYPE_DURATION,
  T_TYPE_LIST,       /* params[0] element                     */
  T_TYPE_MAP,        /* params[0] key, params[1] value        */
  T_TYPE_TYPE,       /* type(T): params[0] or no parameter    */
  T_TYPE_OPAQUE,     /* abstract: optional_type(T), set(T)... */
  T_TYPE_STRUCT,     /* a declared object (message-like) type */
  T_TYPE_PARAM       /* type parameter A, B, _var0            */
} t_type_kind;

typedef struct t_type t_type;
struct t_type {
  t_type_kind kind;
  bool nullable;            /* wrapper(int): a primitive that also accepts null */
  uint16_t nparams;
  t_str name;               /* opaque, struct and param names */
  const t_type *const *params;
};

TALLY_INTERNAL extern const t_type t_type_error, t_type_dyn, t_type_any, t_type_null, t_type_bool,
    t_type_int, t_type_uint, t_type_double, t_type_string, t_type_bytes, t_type_timestamp,
    t_type_duration, t_type_type;

/* Constructors (NULL when out of memory). Params are copied. */
TALLY_INTERNAL const t_type *t_type_list(t_arena *ar, const t_type *elem);
TALLY_INTERNAL const t_type *t_type_map(t_arena *ar, const t_type *key, const t_type *val);
TALLY_INTERNAL const t_type *t_type_type_of(t_arena *ar, const t_type *t);
TALLY_INTERNAL const t_type *t_type_opaque(t_arena *ar, t_str name, const t_type *const *params, size_t n);
TALLY_INTERNAL const t_type *t_type_optional(t_arena *ar, const t_type *t);
TALLY_INTERNAL const t_type *t_type_struct(t_arena *ar, t_str name);
TALLY_INTERNAL const t_type *t_type_param(t_arena *ar, t_str name);
TALLY_INTERNAL const t_type *t_type_wrapper(t_arena *ar, const t_type *prim);

/* The runtime type name: "int", "list", "google.protobuf.Timestamp", a struct's name. */
TALLY_INTERNAL t_str t_type_name(const t_type *t);
TALLY_INTERNAL bool t_type_is_dyn(const t_type *t);         /* dyn or any */
TALLY_INTERNAL bool t_type_is_optional(const t_type *t);
TALLY_INTERNAL bool t_type_exact(const t_type *a, const t_type *b);

/*
** Printing. The check style is cel-go's FormatCELType, used inside error
** messages ("null", "timestamp", "wrapper(int)", "!error!"); the name style
** is what `tally cel check` reports ("null_type", "google.protobuf.Timestamp").
*/
typedef enum t_type_style { T_TYPE_STYLE_CHECK, T_TYPE_STYLE_NAME } t_type_style;
TALLY_INTERNAL void t_type_print(t_buf *b, const t_type *t, t_type_style style);

/*
** Struct types are resolved by name while parsing type strings; the
** resolver says whether a (dotted) name is a declared object type.
*/
typedef bool (*t_type_resolver)(void *ud, t_str name);

/*
** Parses a cel-go type string: int uint double bool string bytes null_type
** dyn any timestamp duration google.protobuf.Timestamp google.protobuf.Duration
** list(T) map(K, V) type(T) optional_type(T) wrapper(P) <T> (type parameter;
** a bare single capital letter, optionally with digits, is one too), a
** declared object name, or name(T, ...) for an abstract type. Returns
** TALLY_ERR_INPUT with a message on a bad string.
*/
TALLY_INTERNAL tally_status t_type_parse(t_arena *ar, const char *s, size_t len, t_type_resolver res,
                                         void *ud, const t_type **out, tally_error *err);

/* ** {====== Substitutions and assignability (cel-go's checker/types.go) */

typedef struct t_type_binding {
  t_str param;
  const t_type *type;
} t_type_binding;

typedef struct t_type_subst {
  t_arena *ar;
  t_type_binding *items;
  size_t len, cap;
  bool oom;
} t_type_subst;

TALLY_INTERNAL const t_type *t_type_subst_find(const t_type_subst *m, const t_type *param);
/* Binds param (later bindings shadow earlier ones); false when out of memory. */
TALLY_INTERNAL bool t_type_subst_add(t_type_subst *m, const t_type *param, const t_type *t);

/*
** Whether a value of type t1 may be used where t2 is expected (or the
** other way round: the relation is cel-go's, symmetric for most kinds). On
** success the bindings it needed stay in m; on failure m is unchanged.
*/
TALLY_INTERNAL bool t_type_assignable(t_type_subst *m, const t_type *t1, const t_type *t2);
TALLY_INTERNAL bool t_type_assignable_list(t_type_subst *m, const t_type *const *l1,
                                           const t_type *const *l2, size_t n);
/* The less specific of two types known to unify. */
TALLY_INTERNAL const t_type *t_type_most_general(const t_type *a, const t_type *b);
/*
** Replaces bound parameters (transitively); unbound ones become dyn when
** to_dyn. Returns t itself when nothing changes; NULL when out of memory.
*/
TALLY_INTERNAL const t_type *t_type_substitute(t_type_subst *m, const t_type *t, bool to_dyn);

/* }====== */

#endif
