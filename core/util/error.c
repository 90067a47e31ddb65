/*
** error.c - error filling and source positions.
*/
#include "error.h"
#include "buf.h"

const char *tally_status_kind(tally_status s) {
  switch (s) {
    case TALLY_OK: return "ok";
    case TALLY_ERR_NOMEM: return "nomem";
    case TALLY_ERR_PARSE: return "parse";
    case TALLY_ERR_CHECK: return "check";
    case TALLY_ERR_EVAL: return "eval";
    case TALLY_ERR_LIMIT: return "limit";
    case TALLY_ERR_JSON: return "json";
    case TALLY_ERR_INPUT: return "input";
    case TALLY_ERR_CONFLICT: return "conflict";
    case TALLY_ERR_USAGE: return "usage";
    case TALLY_ERR_RANGE: return "range";
  }
  return "unknown";
}

void t_error_clear(tally_error *err) {
  if (!err) return;
  err->code = TALLY_OK;
  err->line = err->column = 0;
  err->offset = 0;
  err->message[0] = 0;
}

tally_status t_error_set(tally_error *err, tally_status code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  err->line = err->column = 0;
  err->offset = 0;
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void t_locate(const char *src, size_t len, size_t offset, uint32_t *line, uint32_t *column) {
  uint32_t l = 1, c = 1;
  if (offset > len) offset = len;
  for (size_t i = 0; i < offset; i++) {
    unsigned char ch = (unsigned char)src[i];
    if (ch == '\n') { l++; c = 1; }
    else if ((ch & 0xC0) != 0x80) c++; /* count code points, not bytes */
  }
  *line = l;
  *column = c;
}

tally_status t_error_at(tally_error *err, tally_status code, const char *src, size_t src_len,
                        size_t offset, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  err->offset = offset;
  t_locate(src, src_len, offset, &err->line, &err->column);
  return code;
}
