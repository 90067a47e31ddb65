/*
** json.h - strict RFC 8259 JSON: a reader that builds a tree in an arena,
** and a writer that appends to a t_buf. The core may use no JSON library
** (the wasm build has no libc), so this is the one JSON implementation of
** every host.
**
** Reader: UTF-8 is validated (also inside strings); escapes are decoded
** (\uD83D\uDE00 pairs become one code point, a lone surrogate is an error);
** numbers keep their source text so that each consumer reads them exactly
** (int64, decimal, double); object members keep source order and
** duplicates (callers decide what a duplicate means). Errors say what was
** expected and where (byte offset, line, column).
*/
#ifndef TALLY_UTIL_JSON_H
#define TALLY_UTIL_JSON_H

#include "base.h"
#include "mem.h"
#include "buf.h"

typedef enum t_json_type {
  T_JSON_NULL,
  T_JSON_BOOL,
  T_JSON_NUMBER,
  T_JSON_STRING,
  T_JSON_ARRAY,
  T_JSON_OBJECT
} t_json_type;

typedef struct t_json t_json;

typedef struct t_json_member {
  t_str key;       /* decoded */
  t_json *value;
} t_json_member;

struct t_json {
  t_json_type type;
  size_t offset;   /* byte offset of the value's first byte in the source */
  union {
    bool b;
    struct {
      t_str text;  /* the number as written, e.g. "-12.5e3" */
      bool is_integer; /* no fraction and no exponent */
    } num;
    t_str str;     /* decoded UTF-8, NUL-terminated in the arena */
    struct { t_json **items; size_t len; } arr;
    struct { t_json_member *items; size_t len; } obj;
  } u;
};

#define T_JSON_DEFAULT_MAX_DEPTH 128

typedef struct t_json_limits {
  uint32_t max_depth;  /* 0 = T_JSON_DEFAULT_MAX_DEPTH */
} t_json_limits;

/*
** Parses exactly one JSON value (surrounding white space allowed) from
** src[0..len). On error returns TALLY_ERR_JSON (or TALLY_ERR_LIMIT for
** depth, TALLY_ERR_NOMEM) and fills err with message and position.
*/
TALLY_INTERNAL tally_status t_json_parse(t_arena *ar, const char *src, size_t len,
                                         const t_json_limits *limits, t_json **out, tally_error *err);

/* The first member named key, or NULL (also when obj is not an object). */
TALLY_INTERNAL const t_json *t_json_get(const t_json *obj, const char *key);

/* Integer value of a number without fraction/exponent that fits int64. */
TALLY_INTERNAL bool t_json_as_i64(const t_json *v, int64_t *out);

/*
** Writer. Strings are escaped as JavaScript's JSON.stringify does:
** \" \\ \b \f \n \r \t, other control characters as \u00xx (lower-case
** hex), everything else (all non-ASCII) as is. Input must be valid UTF-8.
*/
TALLY_INTERNAL void t_json_write_string(t_buf *b, const char *s, size_t len);
/* Writes a parsed value back in compact form (numbers as written). */
TALLY_INTERNAL void t_json_write_value(t_buf *b, const t_json *v);

#endif
