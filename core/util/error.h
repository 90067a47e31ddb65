/*
** error.h - filling a tally_error. The first error wins: helpers do nothing
** when err is NULL, and callers stop at the first failure.
*/
#ifndef TALLY_UTIL_ERROR_H
#define TALLY_UTIL_ERROR_H

#include "base.h"

/* Sets code and message (formatted as t_buf_printf); no position. Returns code. */
TALLY_INTERNAL tally_status t_error_set(tally_error *err, tally_status code, const char *fmt, ...);

/*
** Sets code, message and a position computed from a byte offset into src:
** line and column are 1-based, the column counted in code points.
*/
TALLY_INTERNAL tally_status t_error_at(tally_error *err, tally_status code, const char *src,
                                       size_t src_len, size_t offset, const char *fmt, ...);

/* Line and column (1-based, code points) of a byte offset. */
TALLY_INTERNAL void t_locate(const char *src, size_t len, size_t offset, uint32_t *line, uint32_t *column);

TALLY_INTERNAL void t_error_clear(tally_error *err);

#endif
