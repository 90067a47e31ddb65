/*
** ext.h - cel-go's extension libraries (strings, math, encoders,
** optionals, network) on the evaluator: each library is a table of
** functions; the compiler resolves a call to a number T_CEL_EXT_BASE + k
** when the library is enabled in the env (tally_cel_env_enable), and
** t_cel_call hands such numbers to t_cel_ext_call.
**
**   int fn = t_cel_ext_lookup(env->libs, name, member, nargs, &arity_bad);
**   ... node->fn = fn ...   t_cel_ext_call(st, node, args, nargs)
*/
#ifndef TALLY_CEL_EXT_H
#define TALLY_CEL_EXT_H

#include "cel/program.h"

/* Function numbers at and above this are extension functions. */
#define T_CEL_EXT_BASE 256
/* Every library has at most this many table rows. */
#define T_CEL_EXT_LIB_MAX 64

typedef t_cel_val (*t_cel_ext_impl)(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs);

/*
** One function: its cel-go name (qualified for globals: "math.greatest"),
** whether it is called as receiver.name(...), and how many arguments it
** takes besides the receiver (max 255 = any number).
*/
typedef struct t_cel_ext_fn {
  const char *name;
  bool member;
  uint8_t min, max;
  t_cel_ext_impl impl;
} t_cel_ext_fn;

typedef struct t_cel_ext_lib {
  unsigned flag;             /* TALLY_CEL_LIB_* */
  const t_cel_ext_fn *fns;
  size_t count;
} t_cel_ext_lib;

TALLY_INTERNAL extern const t_cel_ext_lib t_cel_ext_strings_lib;
TALLY_INTERNAL extern const t_cel_ext_lib t_cel_ext_math_lib;
TALLY_INTERNAL extern const t_cel_ext_lib t_cel_ext_encoders_lib;
TALLY_INTERNAL extern const t_cel_ext_lib t_cel_ext_optional_lib;
TALLY_INTERNAL extern const t_cel_ext_lib t_cel_ext_network_lib;

/* Every library flag this build knows (std included). */
#define T_CEL_EXT_ALL_LIBS                                                                        \
  (TALLY_CEL_LIB_STD | TALLY_CEL_LIB_STRINGS | TALLY_CEL_LIB_MATH | TALLY_CEL_LIB_ENCODERS |     \
   TALLY_CEL_LIB_OPTIONALS | TALLY_CEL_LIB_BINDINGS | TALLY_CEL_LIB_NETWORK)

/*
** The number of the function `name` of an enabled library taking nargs
** arguments (the receiver not counted), or -1. *arity_bad tells a known
** name called with the wrong number of arguments from an unknown one.
*/
TALLY_INTERNAL int t_cel_ext_lookup(unsigned libs, t_str name, bool member, size_t nargs, bool *arity_bad);
TALLY_INTERNAL const char *t_cel_ext_name(unsigned fn);
TALLY_INTERNAL t_cel_val t_cel_ext_call(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs);

/* "no matching overload" with the function's name. */
TALLY_INTERNAL t_cel_val t_cel_ext_bad(t_cel_eval *st, const t_cel_node *n, const t_cel_val *a, size_t nargs);
/* A new string or bytes value of len bytes in the evaluation arena (size limit and cost charged). */
TALLY_INTERNAL t_cel_val t_cel_ext_new_str(t_cel_eval *st, size_t offset, t_cel_kind kind, size_t len, char **out);

/* ** {====== Network values (ext_network.c) */

/* Longest text of an ip or cidr value, NUL included. */
#define T_CEL_NET_FMT_MAX 48
/* Go's netip text of an ip or cidr value; returns its length. */
TALLY_INTERNAL size_t t_cel_net_format(t_cel_val v, char out[T_CEL_NET_FMT_MAX]);
/* Equality of two ip or two cidr values. */
TALLY_INTERNAL bool t_cel_net_equal(t_cel_val a, t_cel_val b);
/* Reads the text of an ip ("net.IP") or cidr ("net.CIDR") into the arena; false if it is not one. */
TALLY_INTERNAL bool t_cel_net_parse(t_arena *ar, bool cidr, t_str text, t_cel_val *out);

/* }====== */

/* ** {====== Optionals (ext_optional.c) */

/* Selection on an optional: none stays none (has: false), a map's missing key gives none. */
TALLY_INTERNAL t_cel_val t_cel_opt_select(t_cel_eval *st, t_cel_val v, t_str field, bool test_only, size_t offset);
/* x[?k], and indexing an optional: out of range or missing gives none. */
TALLY_INTERNAL t_cel_val t_cel_opt_index(t_cel_eval *st, const t_cel_node *n, t_cel_val x, t_cel_val k);

/* }====== */

#endif
