/*
** cel.h - the Common Expression Language: compile once, evaluate many.
**
**   tally_cel_env *env;          tally_cel_env_new(&alloc, &env);
**   tally_cel_env_declare(env, "user", 4, &err);
**   tally_cel_program *prog;     tally_cel_compile(env, src, len, &prog, &err);
**   tally_cel_context *ctx;      tally_cel_context_new(&alloc, &ctx);
**   tally_cel_context_bind(ctx, "user", 4, tally_cel_value_string(ctx, "ann", 3), &err);
**   const tally_cel_value *out;  tally_cel_eval(prog, ctx, &out, &err);
**
** A program is immutable once compiled: threads may share it, each with its
** own context. A context holds the activation (the variables' values, kept
** until tally_cel_context_clear) and an evaluation arena that every
** evaluation resets: a result stays valid until the next evaluation with
** that context. The env must outlive its programs.
*/
#ifndef TALLY_CEL_H
#define TALLY_CEL_H

#include "tally.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_cel_env tally_cel_env;
typedef struct tally_cel_program tally_cel_program;
typedef struct tally_cel_context tally_cel_context;
typedef struct tally_cel_value tally_cel_value;

/* ORDER KIND: the same numbering as the evaluator's value kinds. */
typedef enum tally_cel_type {
  TALLY_CEL_NULL = 0,
  TALLY_CEL_BOOL = 1,
  TALLY_CEL_INT = 2,
  TALLY_CEL_UINT = 3,
  TALLY_CEL_DOUBLE = 4,
  TALLY_CEL_STRING = 5,
  TALLY_CEL_BYTES = 6,
  TALLY_CEL_LIST = 7,
  TALLY_CEL_MAP = 8,
  TALLY_CEL_TYPE = 9,
  TALLY_CEL_TIMESTAMP = 10,
  TALLY_CEL_DURATION = 11,
  TALLY_CEL_OPTIONAL = 12,
  /* 13 is the evaluator's error kind, never a result */
  TALLY_CEL_NET_IP = 14,       /* network extension: tally_cel_value_to_json gives its text */
  TALLY_CEL_NET_CIDR = 15
} tally_cel_type;

/* Limits; a zero field takes the default given beside it. */
typedef struct tally_cel_limits {
  uint64_t max_cost;           /* evaluation steps, weighted by size: 200000 */
  size_t max_string_bytes;     /* size of a string or bytes made: 1 MiB */
  size_t max_list_len;         /* elements of a list or map made: 100000 */
  size_t max_eval_memory;      /* bytes of the evaluation arena: 64 MiB */
  size_t max_source_len;       /* bytes of source text: 100000 */
} tally_cel_limits;

/* ** {====== Environment */

TALLY_API tally_status tally_cel_env_new(const tally_allocator *alloc, tally_cel_env **out);
TALLY_API void tally_cel_env_free(tally_cel_env *env);

/* Declares a variable (of type dyn); a qualified name "a.b.c" is allowed. */
TALLY_API tally_status tally_cel_env_declare(tally_cel_env *env, const char *name, size_t len,
                                             tally_error *err);
/* The container ("com.example") against which names are resolved. */
TALLY_API tally_status tally_cel_env_set_container(tally_cel_env *env, const char *name, size_t len,
                                                   tally_error *err);
/*
** With `dynamic` set, an identifier that is not declared is looked up by
** name in the activation at evaluation time (the default is off: an
** undeclared identifier is a check error at compile time).
*/
TALLY_API void tally_cel_env_set_dynamic(tally_cel_env *env, bool dynamic);
TALLY_API void tally_cel_env_set_limits(tally_cel_env *env, const tally_cel_limits *limits);
/* Disables macro expansion (has, all, exists, map, ...) in the parser. */
TALLY_API void tally_cel_env_set_macros(tally_cel_env *env, bool enabled);

/*
** Typed declarations (type names as in tally/cel_check.h: "string",
** "map(string, int)", a declared object type's name). The first one turns
** checking on for the env: tally_cel_compile then parses, type-checks and
** compiles, and a type error is TALLY_ERR_CHECK with its position.
** Variables declared with tally_cel_env_declare are dyn there. An env
** without typed declarations, or set dynamic, compiles unchecked, as before. Redeclaring a
** name with another type is TALLY_ERR_USAGE. The checker sees the
** libraries enabled on the env (tally_cel_env_enable), as the evaluator.
*/
struct tally_cel_field;
TALLY_API tally_status tally_cel_env_declare_typed(tally_cel_env *env, const char *name, size_t len,
                                                   const char *type, tally_error *err);
/* An object type with typed fields (fields: name/type pairs of tally/cel_check.h). */
TALLY_API tally_status tally_cel_env_declare_type(tally_cel_env *env, const char *type_name,
                                                  const struct tally_cel_field *fields, size_t nfields,
                                                  tally_error *err);
/* Both: the object type and a variable of it. */
TALLY_API tally_status tally_cel_env_declare_object(tally_cel_env *env, const char *name, size_t len,
                                                    const char *type_name, const struct tally_cel_field *fields,
                                                    size_t nfields, tally_error *err);
/*
** The type every expression must have ("bool" for a condition; NULL
** clears it). Turns checking on; dyn passes, checked at run time.
*/
TALLY_API tally_status tally_cel_env_set_result_type(tally_cel_env *env, const char *type, tally_error *err);

/*
** Function libraries. The standard library is always on; cel-go's
** extension libraries (core/cel/ext_*.c) are off until enabled, as in
** cel-go; an unknown flag is TALLY_ERR_USAGE. BINDINGS adds cel.block
** (cel.bind is a parser macro and always there).
*/
#define TALLY_CEL_LIB_STD        0x01u
#define TALLY_CEL_LIB_STRINGS    0x02u  /* charAt, indexOf, split, format ... */
#define TALLY_CEL_LIB_MATH       0x04u  /* math.greatest, math.ceil ... */
#define TALLY_CEL_LIB_ENCODERS   0x08u  /* base64.encode/decode */
#define TALLY_CEL_LIB_OPTIONALS  0x10u  /* optional.of, ?. , [?] ... */
#define TALLY_CEL_LIB_BINDINGS   0x20u  /* cel.bind */
#define TALLY_CEL_LIB_NETWORK    0x40u  /* ip, cidr ... */
#define TALLY_CEL_LIB_EXTENSIONS 0x7eu  /* every extension library */
/* Adds libraries to the env (off by default, as in cel-go); disable takes them away. */
TALLY_API tally_status tally_cel_env_enable(tally_cel_env *env, unsigned libs, tally_error *err);
TALLY_API void tally_cel_env_disable(tally_cel_env *env, unsigned libs);

/* }====== */

/* ** {====== Programs */

/*
** Parses and compiles src[0..len) (checking types first when the env has
** typed declarations). Errors: TALLY_ERR_PARSE (syntax), TALLY_ERR_CHECK
** (undeclared variable or function, wrong argument count or types),
** TALLY_ERR_LIMIT, TALLY_ERR_NOMEM; err carries the position.
*/
TALLY_API tally_status tally_cel_compile(const tally_cel_env *env, const char *src, size_t len,
                                         tally_cel_program **out, tally_error *err);
TALLY_API void tally_cel_program_free(tally_cel_program *prog);

/*
** The variable names prog can look up in the activation, each once, in
** order of first use (for an undeclared dotted name, every candidate:
** "a.b.c", "a.b", "a"); binding any other name cannot change its result.
** Writes the first cap of them (pointers into prog, not NUL-terminated)
** and returns how many there are, or (size_t)-1 when out of memory.
*/
TALLY_API size_t tally_cel_program_variables(const tally_cel_program *prog, const char **names, size_t *lens,
                                             size_t cap);

/* }====== */

/* ** {====== Contexts and activations */

TALLY_API tally_status tally_cel_context_new(const tally_allocator *alloc, tally_cel_context **out);
/*
** A context for env's variables (allocated with env's allocator): binding
** a name that env declares stores the value in that declaration's slot,
** and programs compiled in env read it from there without looking the
** name up, which makes evaluation faster and the context smaller. It
** works with every program, like any context, with the same results and
** errors; names env does not declare (or declares only after the context
** was made) are bound by name as usual. env must outlive the context, and
** binding reads env's declarations: do not declare in env while another
** thread binds into one of its contexts.
*/
TALLY_API tally_status tally_cel_context_new_for_env(const tally_cel_env *env, tally_cel_context **out);
TALLY_API void tally_cel_context_free(tally_cel_context *ctx);
/* Forgets every bound variable, the values made for them and the last result. */
TALLY_API void tally_cel_context_clear(tally_cel_context *ctx);

/*
** Values for the activation, allocated in the context (valid until
** tally_cel_context_clear) and usable with that context only. They return
** NULL when out of memory (or, for strings, on invalid UTF-8, and for
** strings and bytes of 4 GiB or more); passing NULL on to bind or append
** reports the failure.
*/
TALLY_API tally_cel_value *tally_cel_value_null(tally_cel_context *ctx);
TALLY_API tally_cel_value *tally_cel_value_bool(tally_cel_context *ctx, bool v);
TALLY_API tally_cel_value *tally_cel_value_int(tally_cel_context *ctx, int64_t v);
TALLY_API tally_cel_value *tally_cel_value_uint(tally_cel_context *ctx, uint64_t v);
TALLY_API tally_cel_value *tally_cel_value_double(tally_cel_context *ctx, double v);
TALLY_API tally_cel_value *tally_cel_value_string(tally_cel_context *ctx, const char *s, size_t len);
TALLY_API tally_cel_value *tally_cel_value_bytes(tally_cel_context *ctx, const void *p, size_t len);
/* Seconds since the epoch plus 0..999999999 ns; NULL outside 0001..9999. */
TALLY_API tally_cel_value *tally_cel_value_timestamp(tally_cel_context *ctx, int64_t sec, int32_t nsec);
TALLY_API tally_cel_value *tally_cel_value_duration(tally_cel_context *ctx, int64_t nanos);
TALLY_API tally_cel_value *tally_cel_value_list(tally_cel_context *ctx);
TALLY_API tally_cel_value *tally_cel_value_map(tally_cel_context *ctx);
/* Appends to a list made by tally_cel_value_list (the item is copied). */
TALLY_API tally_status tally_cel_list_append(tally_cel_context *ctx, tally_cel_value *list,
                                             const tally_cel_value *item, tally_error *err);
/* Adds to a map; the key is an int, uint, bool or string, not yet present. */
TALLY_API tally_status tally_cel_map_insert(tally_cel_context *ctx, tally_cel_value *map,
                                            const tally_cel_value *key, const tally_cel_value *val,
                                            tally_error *err);

/* Binds (or rebinds) a variable; name may be qualified ("a.b"). */
TALLY_API tally_status tally_cel_context_bind(tally_cel_context *ctx, const char *name, size_t len,
                                              const tally_cel_value *value, tally_error *err);

/*
** Shorthands that bind a scalar without allocating a value (rebinding an
** existing name allocates nothing at all: the loop of a service that
** evaluates row after row does not grow). Strings and bytes are copied into
** the context, until tally_cel_context_clear.
*/
TALLY_API tally_status tally_cel_context_bind_int(tally_cel_context *ctx, const char *name, size_t len, int64_t v,
                                                  tally_error *err);
TALLY_API tally_status tally_cel_context_bind_uint(tally_cel_context *ctx, const char *name, size_t len, uint64_t v,
                                                   tally_error *err);
TALLY_API tally_status tally_cel_context_bind_double(tally_cel_context *ctx, const char *name, size_t len, double v,
                                                     tally_error *err);
TALLY_API tally_status tally_cel_context_bind_bool(tally_cel_context *ctx, const char *name, size_t len, bool v,
                                                   tally_error *err);
TALLY_API tally_status tally_cel_context_bind_string(tally_cel_context *ctx, const char *name, size_t len,
                                                     const char *s, size_t slen, tally_error *err);

/*
** Binds every member of a JSON object. typed: each member is a typed value
** of interfaces.md ({"type":"int","value":"5"}); else plain JSON (integers
** that fit int64 are ints, other numbers doubles, objects string-keyed maps).
*/
TALLY_API tally_status tally_cel_context_bind_json(tally_cel_context *ctx, const char *json, size_t len,
                                                   bool typed, tally_error *err);

/* }====== */

/* ** {====== Evaluation and results */

/*
** Evaluates prog against the context's activation. On TALLY_OK *out is the
** result, valid until the context's next evaluation or clear. Errors:
** TALLY_ERR_EVAL (a CEL error: message and position), TALLY_ERR_LIMIT
** (cost, size or memory), TALLY_ERR_NOMEM.
*/
TALLY_API tally_status tally_cel_eval(const tally_cel_program *prog, tally_cel_context *ctx,
                                      const tally_cel_value **out, tally_error *err);

TALLY_API tally_cel_type tally_cel_value_type(const tally_cel_value *v);
TALLY_API bool tally_cel_value_get_bool(const tally_cel_value *v);
TALLY_API int64_t tally_cel_value_get_int(const tally_cel_value *v);
TALLY_API uint64_t tally_cel_value_get_uint(const tally_cel_value *v);
TALLY_API double tally_cel_value_get_double(const tally_cel_value *v);
/* String or bytes content (not NUL-terminated); also a type's name. */
TALLY_API const char *tally_cel_value_get_string(const tally_cel_value *v, size_t *len);
/* Timestamp: seconds and nanos; duration: total nanoseconds in *sec, 0 in *nsec. */
TALLY_API void tally_cel_value_get_time(const tally_cel_value *v, int64_t *sec, int32_t *nsec);
/* Number of elements of a list or entries of a map. */
TALLY_API size_t tally_cel_value_size(const tally_cel_value *v);
TALLY_API const tally_cel_value *tally_cel_list_get(const tally_cel_value *list, size_t i);
TALLY_API void tally_cel_map_entry(const tally_cel_value *map, size_t i, const tally_cel_value **key,
                                   const tally_cel_value **val);

/*
** The typed JSON text of a value (interfaces.md), NUL-terminated, in the
** context's evaluation arena (valid as long as the result).
*/
TALLY_API tally_status tally_cel_value_to_json(tally_cel_context *ctx, const tally_cel_value *v,
                                               const char **out, size_t *len, tally_error *err);

/* }====== */

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CEL_H */
