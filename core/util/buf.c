/*
** buf.c - growable buffer and the core's own small formatter.
*/
#include "buf.h"
#include "mem.h"

void t_buf_init(t_buf *b, const tally_allocator *alloc) {
  b->ptr = NULL;
  b->len = 0;
  b->cap = 0;
  b->alloc = alloc;
  b->failed = false;
}

void t_buf_free(t_buf *b) {
  if (b->ptr) t_free(b->alloc, b->ptr, b->cap);
  b->ptr = NULL;
  b->len = b->cap = 0;
}

bool t_buf_reserve(t_buf *b, size_t n) {
  if (b->failed) return false;
  if (b->cap - b->len > n) return true; /* keep one byte for t_buf_cstr */
  size_t want = b->len + n + 1;
  if (want < b->len) { b->failed = true; return false; }
  size_t cap = b->cap ? b->cap : 64;
  while (cap < want) {
    if (cap > SIZE_MAX / 2) { cap = want; break; }
    cap *= 2;
  }
  char *p = t_realloc(b->alloc, b->ptr, b->cap, cap);
  if (!p) { b->failed = true; return false; }
  b->ptr = p;
  b->cap = cap;
  return true;
}

void t_buf_append(t_buf *b, const void *p, size_t n) {
  if (!n || !t_buf_reserve(b, n)) return;
  t_memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

void t_buf_putc(t_buf *b, char c) {
  if (!t_buf_reserve(b, 1)) return;
  b->ptr[b->len++] = c;
}

void t_buf_puts(t_buf *b, const char *s) { t_buf_append(b, s, t_strlen(s)); }

size_t t_fmt_u64(char *out, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

size_t t_fmt_i64(char *out, int64_t v) {
  if (v < 0) {
    out[0] = '-';
    return 1 + t_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
  }
  return t_fmt_u64(out, (uint64_t)v);
}

void t_buf_put_i64(t_buf *b, int64_t v) {
  char tmp[24];
  t_buf_append(b, tmp, t_fmt_i64(tmp, v));
}

void t_buf_put_u64(t_buf *b, uint64_t v) {
  char tmp[24];
  t_buf_append(b, tmp, t_fmt_u64(tmp, v));
}

/* The formatter writes through a sink so that t_buf and fixed arrays share it. */
typedef struct sink {
  t_buf *buf;
  char *dst;
  size_t cap, len;
} sink;

static void sink_put(sink *s, const char *p, size_t n) {
  if (s->buf) { t_buf_append(s->buf, p, n); return; }
  for (size_t i = 0; i < n; i++) {
    if (s->len + 1 < s->cap) s->dst[s->len] = p[i];
    s->len++;
  }
}

static void vformat(sink *s, const char *fmt, va_list ap) {
  const char *p = fmt;
  char tmp[32];
  while (*p) {
    const char *q = p;
    while (*q && *q != '%') q++;
    if (q > p) sink_put(s, p, (size_t)(q - p));
    if (!*q) break;
    q++; /* past % */
    int lmod = 0; /* 1 = l, 2 = ll, 3 = z */
    bool star = false;
    if (q[0] == '.' && q[1] == '*') { star = true; q += 2; }
    if (*q == 'l') { lmod = 1; q++; if (*q == 'l') { lmod = 2; q++; } }
    else if (*q == 'z') { lmod = 3; q++; }
    switch (*q) {
      case 's': {
        if (star) {
          int n = va_arg(ap, int);
          const char *str = va_arg(ap, const char *);
          if (n > 0 && str) sink_put(s, str, (size_t)n);
        } else {
          const char *str = va_arg(ap, const char *);
          if (!str) str = "(null)";
          sink_put(s, str, t_strlen(str));
        }
        break;
      }
      case 'S': {
        t_str str = va_arg(ap, t_str);
        if (str.len) sink_put(s, str.ptr, str.len);
        break;
      }
      case 'd': case 'i': {
        int64_t v = lmod == 2 ? va_arg(ap, long long) : lmod == 1 ? va_arg(ap, long) : lmod == 3 ? (int64_t)va_arg(ap, size_t) : va_arg(ap, int);
        sink_put(s, tmp, t_fmt_i64(tmp, v));
        break;
      }
      case 'u': case 'x': {
        uint64_t v = lmod == 2 ? va_arg(ap, unsigned long long) : lmod == 1 ? va_arg(ap, unsigned long) : lmod == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
        if (*q == 'u') sink_put(s, tmp, t_fmt_u64(tmp, v));
        else {
          char hex[20];
          size_t n = 0;
          do { hex[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
          for (size_t i = 0; i < n; i++) tmp[i] = hex[n - 1 - i];
          sink_put(s, tmp, n);
        }
        break;
      }
      case 'c': { char c = (char)va_arg(ap, int); sink_put(s, &c, 1); break; }
      case '%': sink_put(s, "%", 1); break;
      case 0: return;
      default: sink_put(s, q - 1, 2); break;
    }
    p = q + 1;
  }
}

void t_buf_vprintf(t_buf *b, const char *fmt, va_list ap) {
  sink s = {b, NULL, 0, 0};
  vformat(&s, fmt, ap);
}

void t_buf_printf(t_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  t_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

const char *t_buf_cstr(t_buf *b) {
  if (!t_buf_reserve(b, 1)) return "";
  b->ptr[b->len] = 0;
  return b->ptr;
}

size_t t_vsnprintf(char *dst, size_t cap, const char *fmt, va_list ap) {
  sink s = {NULL, dst, cap, 0};
  vformat(&s, fmt, ap);
  if (cap) dst[s.len < cap ? s.len : cap - 1] = 0;
  return s.len < cap ? s.len : (cap ? cap - 1 : 0);
}

size_t t_snprintf(char *dst, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = t_vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
  return n;
}
