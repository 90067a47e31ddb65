/*
** buf.h - a growable byte buffer on the host allocator, and a small
** printf-like formatter (the core has no libc printf; wasm has none at all).
**
** Formats: %s (NUL-terminated), %.*s (int length, then pointer), %S (t_str),
** %d %i (int), %u (unsigned), %ld %lu, %lld %llu, %zu, %c, %x (unsigned hex),
** %% . No widths or flags other than the %.*s precision.
*/
#ifndef TALLY_UTIL_BUF_H
#define TALLY_UTIL_BUF_H

#include "base.h"

typedef struct t_buf {
  char *ptr;
  size_t len;
  size_t cap;
  const tally_allocator *alloc;
  bool failed;   /* an allocation failed: later appends are ignored */
} t_buf;

TALLY_INTERNAL void t_buf_init(t_buf *b, const tally_allocator *alloc);
TALLY_INTERNAL void t_buf_free(t_buf *b);
static inline void t_buf_clear(t_buf *b) { b->len = 0; b->failed = false; }
/* Ensures room for n more bytes; false (and `failed`) when out of memory. */
TALLY_INTERNAL bool t_buf_reserve(t_buf *b, size_t n);
TALLY_INTERNAL void t_buf_append(t_buf *b, const void *p, size_t n);
TALLY_INTERNAL void t_buf_putc(t_buf *b, char c);
TALLY_INTERNAL void t_buf_puts(t_buf *b, const char *s);
TALLY_INTERNAL void t_buf_put_i64(t_buf *b, int64_t v);
TALLY_INTERNAL void t_buf_put_u64(t_buf *b, uint64_t v);
TALLY_INTERNAL void t_buf_printf(t_buf *b, const char *fmt, ...);
TALLY_INTERNAL void t_buf_vprintf(t_buf *b, const char *fmt, va_list ap);
/* Appends a NUL without counting it in len; returns ptr (or "" on failure). */
TALLY_INTERNAL const char *t_buf_cstr(t_buf *b);

/*
** Fixed-size formatting (truncates, always NUL-terminates); returns the
** length written. Used for error messages.
*/
TALLY_INTERNAL size_t t_snprintf(char *dst, size_t cap, const char *fmt, ...);
TALLY_INTERNAL size_t t_vsnprintf(char *dst, size_t cap, const char *fmt, va_list ap);

/* Decimal text of integers into out (at least 21 bytes); returns length. */
TALLY_INTERNAL size_t t_fmt_u64(char *out, uint64_t v);
TALLY_INTERNAL size_t t_fmt_i64(char *out, int64_t v);

#endif
