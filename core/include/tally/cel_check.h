/*
** cel_check.h - the CEL type checker: declare what an expression may use,
** then learn its type, every type error with its position, and the
** variables and fields it reads.
**
**   tally_cel_checker *chk;   tally_cel_checker_new(&alloc, &chk);
**   tally_cel_checker_declare(chk, "email", "string", &err);
**   static const tally_cel_field rs[] = {{"bot", "int"}, {"free_trial_abuse", "int"}};
**   tally_cel_checker_declare_object(chk, "riskScores", "tally.RiskScores", rs, 2, &err);
**   tally_cel_check_result *res;
**   st = tally_cel_check(chk, src, len, "bool", &res, &err);
**   tally_cel_check_result_type(res)          -> "bool"
**   tally_cel_check_result_error(res, i, ...) -> every error, positioned
**   tally_cel_check_result_reference(res, i)  -> "riskScores.bot", ...
**   tally_cel_check_result_free(res);  tally_cel_checker_free(chk);
**
** Type names are cel-go's: int uint double bool string bytes null_type dyn
** list(int) map(string, dyn) type(int) google.protobuf.Timestamp
** google.protobuf.Duration optional_type(int), a declared object's name,
** <T> or a single capital letter (T, A, K1) for a type parameter, and
** wrapper(int) for a nullable int. Error messages are cel-go's ("undeclared
** reference to 'x' (in container '')", "found no matching overload for
** '_>_' applied to '(int, string)'", "undefined field 'bots'").
**
** A checker is immutable while checks run: threads may share it.
*/
#ifndef TALLY_CEL_CHECK_H
#define TALLY_CEL_CHECK_H

#include "tally.h"
#include "cel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_cel_checker tally_cel_checker;
typedef struct tally_cel_check_result tally_cel_check_result;

/*
** Libraries whose functions the checker knows: the TALLY_CEL_LIB_* flags
** of cel.h (one set of flags for checker and evaluator); all on by default.
*/
#define TALLY_CEL_LIB_STANDARD TALLY_CEL_LIB_STD
#define TALLY_CEL_LIB_ALL 0x5fu  /* std, strings, math, encoders, optionals, network */

/* A field of an object type: name and type string (both NUL-terminated). */
typedef struct tally_cel_field {
  const char *name;
  const char *type;
} tally_cel_field;

/* ** {====== Environment */

TALLY_API tally_status tally_cel_checker_new(const tally_allocator *alloc, tally_cel_checker **out);
TALLY_API void tally_cel_checker_free(tally_cel_checker *chk);

/* Declares a variable (name may be qualified: "request.auth") of a type. */
TALLY_API tally_status tally_cel_checker_declare(tally_cel_checker *chk, const char *name, const char *type,
                                                 tally_error *err);
/* Declares an object type (message-like, with typed fields). */
TALLY_API tally_status tally_cel_checker_declare_type(tally_cel_checker *chk, const char *type_name,
                                                      const tally_cel_field *fields, size_t nfields,
                                                      tally_error *err);
/* Both at once: the object type and a variable of that type. */
TALLY_API tally_status tally_cel_checker_declare_object(tally_cel_checker *chk, const char *name,
                                                        const char *type_name, const tally_cel_field *fields,
                                                        size_t nfields, tally_error *err);
/*
** Declares one overload of a function: params (a member function's
** receiver first) and result are type strings; type parameters make it
** generic ("list(T)" -> "T").
*/
TALLY_API tally_status tally_cel_checker_declare_function(tally_cel_checker *chk, const char *name,
                                                          const char *overload_id, bool member,
                                                          const char *const *params, size_t nparams,
                                                          const char *result, tally_error *err);
/* The container ("com.example") names are resolved against. */
TALLY_API tally_status tally_cel_checker_set_container(tally_cel_checker *chk, const char *name,
                                                       tally_error *err);
/* TALLY_CEL_LIB_* flags; standard is always on. */
TALLY_API void tally_cel_checker_set_libraries(tally_cel_checker *chk, unsigned libs);
/* Ordering across int, uint and double (1 < 1.5); on by default, as in the evaluator. */
TALLY_API void tally_cel_checker_set_cross_type_comparisons(tally_cel_checker *chk, bool enabled);

/* }====== */

/* ** {====== Checking */

/*
** Parses and checks src[0..len). expected_type, when not NULL, is the type
** the result must have ("bool" for a rule condition; dyn passes, since it
** is checked at run time).
**
** TALLY_OK: *out holds the result. TALLY_ERR_CHECK: *out holds the result
** with its errors, err the first one. TALLY_ERR_PARSE, TALLY_ERR_LIMIT,
** TALLY_ERR_NOMEM, TALLY_ERR_INPUT (bad expected_type): *out is NULL.
*/
TALLY_API tally_status tally_cel_check(const tally_cel_checker *chk, const char *src, size_t len,
                                       const char *expected_type, tally_cel_check_result **out,
                                       tally_error *err);
TALLY_API void tally_cel_check_result_free(tally_cel_check_result *res);

/* The deduced type of the whole expression ("error" when checking failed). */
TALLY_API const char *tally_cel_check_result_type(const tally_cel_check_result *res);

TALLY_API size_t tally_cel_check_result_error_count(const tally_cel_check_result *res);
/* Error i: message (NUL-terminated), byte offset, 1-based line and column (code points). */
TALLY_API const char *tally_cel_check_result_error(const tally_cel_check_result *res, size_t i,
                                                   size_t *offset, uint32_t *line, uint32_t *column);

typedef enum tally_cel_reference_kind {
  TALLY_CEL_REF_VARIABLE = 0,  /* a declared variable: "email", "request.auth" */
  TALLY_CEL_REF_FIELD = 1      /* a field of an object or map read through a variable */
} tally_cel_reference_kind;

/*
** What the expression reads, in source order: `path` is the dotted path
** from the variable ("riskScores.bot"; a field reached some other way is
** just its name), offset and length the span of the name in the source
** (for a field, the field name after the dot).
*/
typedef struct tally_cel_reference {
  tally_cel_reference_kind kind;
  const char *path;
  size_t offset;
  size_t length;
  uint32_t line;
  uint32_t column;
} tally_cel_reference;

TALLY_API size_t tally_cel_check_result_reference_count(const tally_cel_check_result *res);
TALLY_API const tally_cel_reference *tally_cel_check_result_reference(const tally_cel_check_result *res,
                                                                      size_t i);

/* }====== */

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CEL_CHECK_H */
