/*
** base.h - what every core file includes. The core is freestanding: it may
** include only the compiler's own headers (stddef, stdint, stdbool, limits,
** float, stdarg), because the wasm32 build has no libc. Memory and string
** helpers go through compiler builtins, which become calls to the few libc
** functions that wasm/libc.c provides.
*/
#ifndef TALLY_UTIL_BASE_H
#define TALLY_UTIL_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <limits.h>
#include <stdarg.h>

#include "tally/tally.h"

#define t_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define t_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define t_memset(d, c, n) __builtin_memset((d), (c), (n))
#define t_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#define t_strlen(s) __builtin_strlen(s)

#define t_likely(x) __builtin_expect(!!(x), 1)
#define t_unlikely(x) __builtin_expect(!!(x), 0)

#define T_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define T_MIN(a, b) ((a) < (b) ? (a) : (b))
#define T_MAX(a, b) ((a) > (b) ? (a) : (b))

/* A borrowed byte string: not NUL-terminated. */
typedef struct t_str {
  const char *ptr;
  size_t len;
} t_str;

#define T_STR(lit) ((t_str){(lit), sizeof(lit) - 1})

static inline bool t_str_eq(t_str a, t_str b) {
  return a.len == b.len && (a.len == 0 || t_memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool t_str_eq_cstr(t_str a, const char *b) {
  size_t n = t_strlen(b);
  return a.len == n && (n == 0 || t_memcmp(a.ptr, b, n) == 0);
}

/* Byte-order comparison, as memcmp then length. */
static inline int t_str_cmp(t_str a, t_str b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? t_memcmp(a.ptr, b.ptr, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

#endif
