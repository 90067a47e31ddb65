/*
** tally.h - shared types of the tally core: status codes, errors, the
** allocator. Every module header (cel.h, regex.h, rules.h, ledger.h,
** billing.h) includes this one.
**
** The core is pure C11 with no I/O and no global mutable state. All memory
** comes from a tally_allocator passed in by the host, so the same code runs
** natively (malloc, see native/) and in WebAssembly (wasm/heap.c).
*/
#ifndef TALLY_H
#define TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_VERSION_MAJOR 0
#define TALLY_VERSION_MINOR 1
#define TALLY_VERSION_PATCH 0
#define TALLY_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define TALLY_API __attribute__((visibility("default")))
#define TALLY_INTERNAL __attribute__((visibility("hidden")))
#else
#define TALLY_API
#define TALLY_INTERNAL
#endif

/*
** Status codes. Never renumber: the numbers cross the wasm boundary.
** The error kind strings of spec/interfaces.md map one to one.
*/
typedef enum tally_status {
  TALLY_OK = 0,
  TALLY_ERR_NOMEM = 1,    /* the allocator returned NULL            ("nomem") */
  TALLY_ERR_PARSE = 2,    /* CEL or regex source does not parse     ("parse") */
  TALLY_ERR_CHECK = 3,    /* type check failed                      ("check") */
  TALLY_ERR_EVAL = 4,     /* evaluation error                       ("eval") */
  TALLY_ERR_LIMIT = 5,    /* a documented limit was reached         ("limit") */
  TALLY_ERR_JSON = 6,     /* not valid JSON                         ("json") */
  TALLY_ERR_INPUT = 7,    /* valid JSON of the wrong shape/values   ("input") */
  TALLY_ERR_CONFLICT = 8, /* duplicate key with different content   ("conflict") */
  TALLY_ERR_USAGE = 9,    /* bad API or CLI usage                   ("usage") */
  TALLY_ERR_RANGE = 10    /* numeric overflow / out of range        ("range") */
} tally_status;

/* The kind string of a status ("parse", "eval", ...); never NULL. */
TALLY_API const char *tally_status_kind(tally_status s);

#define TALLY_ERROR_MESSAGE_MAX 512

/*
** An error: filled by every fallible call given a non-NULL pointer. The
** message is copied into the struct, so it never dangles. `offset` is a byte
** offset into the source text; `line` and `column` are 1-based, columns in
** code points; all three are 0 when the error has no position.
*/
typedef struct tally_error {
  tally_status code;
  uint32_t line;
  uint32_t column;
  size_t offset;
  char message[TALLY_ERROR_MESSAGE_MAX];
} tally_error;

/*
** The allocator, as Lua's lua_Alloc: fn(ud, NULL, 0, n) allocates,
** fn(ud, p, old, n) reallocates, fn(ud, p, old, 0) frees and returns NULL.
** Returning NULL for n > 0 means out of memory; the core reports
** TALLY_ERR_NOMEM and never aborts.
*/
typedef void *(*tally_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef struct tally_allocator {
  tally_alloc_fn fn;
  void *ud;
} tally_allocator;

#ifdef __cplusplus
}
#endif

#endif /* TALLY_H */
