/*
** json.c - strict RFC 8259 reader (tree in an arena) and compact writer.
**
** The reader is recursive descent with an explicit depth counter: the depth
** limit is also the bound on recursion, and it is clamped to
** T_JSON_HARD_DEPTH so that no caller-supplied limit can exhaust the small
** wasm stack. Array items and object members are gathered on one scratch
** stack (host allocator) and copied into the arena when their container
** closes, so the tree holds exactly-sized arrays.
*/
#include "json.h"
#include "utf8.h"
#include "error.h"
#include "vec.h"

/* Recursion guard: two C frames per level, a few dozen bytes each. */
#define T_JSON_HARD_DEPTH 4096

typedef struct jparser {
  const char *src;
  size_t len;
  size_t pos;
  uint32_t depth, max_depth;
  t_arena *ar;
  tally_error *err;
  const tally_allocator *alloc;
  T_VEC(t_json *) items;        /* pending array items of open arrays */
  T_VEC(t_json_member) members; /* pending members of open objects */
} jparser;

static tally_status json__fail(jparser *p, tally_status code, size_t at, const char *fmt, ...) {
  if (p->err) {
    va_list ap;
    va_start(ap, fmt);
    p->err->code = code;
    t_vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    p->err->offset = at;
    t_locate(p->src, p->len, at, &p->err->line, &p->err->column);
  }
  return code;
}

static tally_status json__nomem(jparser *p) {
  return json__fail(p, TALLY_ERR_NOMEM, p->pos, "out of memory");
}

static void json__skip_ws(jparser *p) {
  while (p->pos < p->len) {
    char c = p->src[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

/* Names the byte at pos for messages: 'x', a hex escape, or end of input. */
static tally_status json__unexpected(jparser *p, const char *expected) {
  if (p->pos >= p->len)
    return json__fail(p, TALLY_ERR_JSON, p->pos, "unexpected end of input, expected %s", expected);
  unsigned char c = (unsigned char)p->src[p->pos];
  if (c >= 0x20 && c < 0x7f)
    return json__fail(p, TALLY_ERR_JSON, p->pos, "unexpected character '%c', expected %s", (int)c, expected);
  uint32_t cp;
  if (c >= 0x80 && !t_utf8_decode(p->src + p->pos, p->len - p->pos, &cp))
    return json__fail(p, TALLY_ERR_JSON, p->pos, "invalid UTF-8 byte 0x%x", (unsigned)c);
  return json__fail(p, TALLY_ERR_JSON, p->pos, "unexpected character U+%x, expected %s",
                    (unsigned)(c < 0x80 ? c : cp), expected);
}

static t_json *json__new(jparser *p, t_json_type type, size_t offset) {
  t_json *v = t_arena_alloc(p->ar, sizeof *v);
  if (!v) return NULL;
  t_memset(v, 0, sizeof *v);
  v->type = type;
  v->offset = offset;
  return v;
}

static bool json__literal(jparser *p, const char *word) {
  size_t n = t_strlen(word);
  return p->len - p->pos >= n && t_memcmp(p->src + p->pos, word, n) == 0;
}

static int json__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads 4 hex digits after "\u" at p->pos; -1 if malformed. */
static long json__u4(jparser *p, size_t at) {
  if (p->len - at < 4) return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = json__hex(p->src[at + (size_t)i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/*
** A string starting at the opening quote. Decoding never makes text longer
** (every escape is at least as long as its UTF-8), so one allocation of the
** raw length suffices.
*/
static tally_status json__string(jparser *p, t_str *out) {
  size_t start = ++p->pos; /* past the quote */
  size_t end = start;
  bool escapes = false;
  for (;;) {
    if (end >= p->len) return json__fail(p, TALLY_ERR_JSON, start - 1, "unterminated string");
    unsigned char c = (unsigned char)p->src[end];
    if (c == '"') break;
    if (c == '\\') {
      if (end + 1 < p->len && (unsigned char)p->src[end + 1] >= 0x80)
        return json__fail(p, TALLY_ERR_JSON, end, "invalid escape in string");
      escapes = true;
      end += 2;
      continue;
    }
    if (c < 0x20) return json__fail(p, TALLY_ERR_JSON, end, "control character 0x%x in string (must be escaped)", (unsigned)c);
    if (c < 0x80) { end++; continue; }
    uint32_t cp;
    size_t n = t_utf8_decode(p->src + end, p->len - end, &cp);
    if (!n) return json__fail(p, TALLY_ERR_JSON, end, "invalid UTF-8 in string");
    end += n;
  }
  char *dst = t_arena_alloc(p->ar, end - start + 1);
  if (!dst) return json__nomem(p);
  if (!escapes) {
    t_memcpy(dst, p->src + start, end - start);
    dst[end - start] = 0;
    out->ptr = dst;
    out->len = end - start;
    p->pos = end + 1;
    return TALLY_OK;
  }
  size_t o = 0, i = start;
  while (i < end) {
    char c = p->src[i];
    if (c != '\\') { dst[o++] = c; i++; continue; }
    char e = p->src[i + 1];
    switch (e) {
      case '"': dst[o++] = '"'; i += 2; continue;
      case '\\': dst[o++] = '\\'; i += 2; continue;
      case '/': dst[o++] = '/'; i += 2; continue;
      case 'b': dst[o++] = '\b'; i += 2; continue;
      case 'f': dst[o++] = '\f'; i += 2; continue;
      case 'n': dst[o++] = '\n'; i += 2; continue;
      case 'r': dst[o++] = '\r'; i += 2; continue;
      case 't': dst[o++] = '\t'; i += 2; continue;
      case 'u': break;
      default:
        if ((unsigned char)e < 0x20 || (unsigned char)e >= 0x7f)
          return json__fail(p, TALLY_ERR_JSON, i, "invalid escape in string");
        return json__fail(p, TALLY_ERR_JSON, i, "invalid escape '\\%c' in string", (int)e);
    }
    long u = json__u4(p, i + 2);
    if (u < 0 || i + 6 > end) return json__fail(p, TALLY_ERR_JSON, i, "invalid \\u escape (expected 4 hex digits)");
    uint32_t cp = (uint32_t)u;
    size_t esc = 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return json__fail(p, TALLY_ERR_JSON, i, "lone low surrogate \\u%x in string", (unsigned)cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      long lo = -1;
      if (i + 12 <= end && p->src[i + 6] == '\\' && p->src[i + 7] == 'u') lo = json__u4(p, i + 8);
      if (lo < 0xDC00 || lo > 0xDFFF)
        return json__fail(p, TALLY_ERR_JSON, i, "lone high surrogate \\u%x in string", (unsigned)cp);
      cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
      esc = 12;
    }
    o += t_utf8_encode(cp, dst + o);
    i += esc;
  }
  dst[o] = 0;
  out->ptr = dst;
  out->len = o;
  p->pos = end + 1;
  return TALLY_OK;
}

static bool json__digit(jparser *p) {
  return p->pos < p->len && p->src[p->pos] >= '0' && p->src[p->pos] <= '9';
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static tally_status json__number(jparser *p, t_json *v) {
  size_t start = p->pos;
  bool integer = true;
  if (p->src[p->pos] == '-') p->pos++;
  if (!json__digit(p)) return json__unexpected(p, "a digit");
  if (p->src[p->pos] == '0') {
    p->pos++;
    if (json__digit(p)) return json__fail(p, TALLY_ERR_JSON, p->pos - 1, "leading zeros are not allowed in numbers");
  } else {
    while (json__digit(p)) p->pos++;
  }
  if (p->pos < p->len && p->src[p->pos] == '.') {
    integer = false;
    p->pos++;
    if (!json__digit(p)) return json__unexpected(p, "a digit after the decimal point");
    while (json__digit(p)) p->pos++;
  }
  if (p->pos < p->len && (p->src[p->pos] == 'e' || p->src[p->pos] == 'E')) {
    integer = false;
    p->pos++;
    if (p->pos < p->len && (p->src[p->pos] == '+' || p->src[p->pos] == '-')) p->pos++;
    if (!json__digit(p)) return json__unexpected(p, "a digit in the exponent");
    while (json__digit(p)) p->pos++;
  }
  v->u.num.text.ptr = p->src + start;
  v->u.num.text.len = p->pos - start;
  v->u.num.is_integer = integer;
  return TALLY_OK;
}

static tally_status json__value(jparser *p, t_json **out);

static tally_status json__enter(jparser *p) {
  if (p->depth >= p->max_depth)
    return json__fail(p, TALLY_ERR_LIMIT, p->pos, "JSON nesting deeper than %u levels", (unsigned)p->max_depth);
  p->depth++;
  return TALLY_OK;
}

static tally_status json__array(jparser *p, t_json *v) {
  tally_status st = json__enter(p);
  if (st) return st;
  size_t base = p->items.len;
  p->pos++; /* [ */
  json__skip_ws(p);
  if (p->pos < p->len && p->src[p->pos] == ']') {
    p->pos++;
  } else {
    for (;;) {
      t_json *item;
      if ((st = json__value(p, &item))) return st;
      if (!t_vec_push(p->alloc, &p->items, item)) return json__nomem(p);
      json__skip_ws(p);
      if (p->pos < p->len && p->src[p->pos] == ',') { p->pos++; continue; }
      if (p->pos < p->len && p->src[p->pos] == ']') { p->pos++; break; }
      return json__unexpected(p, "',' or ']' after an array element");
    }
  }
  size_t n = p->items.len - base;
  if (n) {
    if (n > SIZE_MAX / sizeof(t_json *)) return json__nomem(p);
    t_json **items = t_arena_alloc(p->ar, n * sizeof *items);
    if (!items) return json__nomem(p);
    t_memcpy(items, p->items.items + base, n * sizeof *items);
    v->u.arr.items = items;
  }
  v->u.arr.len = n;
  p->items.len = base;
  p->depth--;
  return TALLY_OK;
}

static tally_status json__object(jparser *p, t_json *v) {
  tally_status st = json__enter(p);
  if (st) return st;
  size_t base = p->members.len;
  p->pos++; /* { */
  json__skip_ws(p);
  if (p->pos < p->len && p->src[p->pos] == '}') {
    p->pos++;
  } else {
    for (;;) {
      t_json_member m;
      json__skip_ws(p);
      if (p->pos >= p->len || p->src[p->pos] != '"') return json__unexpected(p, "a string key");
      if ((st = json__string(p, &m.key))) return st;
      json__skip_ws(p);
      if (p->pos >= p->len || p->src[p->pos] != ':') return json__unexpected(p, "':' after an object key");
      p->pos++;
      if ((st = json__value(p, &m.value))) return st;
      if (!t_vec_push(p->alloc, &p->members, m)) return json__nomem(p);
      json__skip_ws(p);
      if (p->pos < p->len && p->src[p->pos] == ',') { p->pos++; continue; }
      if (p->pos < p->len && p->src[p->pos] == '}') { p->pos++; break; }
      return json__unexpected(p, "',' or '}' after an object member");
    }
  }
  size_t n = p->members.len - base;
  if (n) {
    if (n > SIZE_MAX / sizeof(t_json_member)) return json__nomem(p);
    t_json_member *items = t_arena_alloc(p->ar, n * sizeof *items);
    if (!items) return json__nomem(p);
    t_memcpy(items, p->members.items + base, n * sizeof *items);
    v->u.obj.items = items;
  }
  v->u.obj.len = n;
  p->members.len = base;
  p->depth--;
  return TALLY_OK;
}

static tally_status json__value(jparser *p, t_json **out) {
  json__skip_ws(p);
  if (p->pos >= p->len) return json__unexpected(p, "a JSON value");
  size_t at = p->pos;
  char c = p->src[at];
  t_json *v;
  tally_status st = TALLY_OK;
  switch (c) {
    case '{':
      if (!(v = json__new(p, T_JSON_OBJECT, at))) return json__nomem(p);
      st = json__object(p, v);
      break;
    case '[':
      if (!(v = json__new(p, T_JSON_ARRAY, at))) return json__nomem(p);
      st = json__array(p, v);
      break;
    case '"':
      if (!(v = json__new(p, T_JSON_STRING, at))) return json__nomem(p);
      st = json__string(p, &v->u.str);
      break;
    case 't': case 'f': case 'n': {
      const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
      if (!json__literal(p, word)) return json__unexpected(p, "a JSON value");
      if (!(v = json__new(p, c == 'n' ? T_JSON_NULL : T_JSON_BOOL, at))) return json__nomem(p);
      v->u.b = c == 't';
      p->pos += t_strlen(word);
      break;
    }
    default:
      if (c != '-' && !(c >= '0' && c <= '9')) return json__unexpected(p, "a JSON value");
      if (!(v = json__new(p, T_JSON_NUMBER, at))) return json__nomem(p);
      st = json__number(p, v);
      break;
  }
  if (st) return st;
  *out = v;
  return TALLY_OK;
}

tally_status t_json_parse(t_arena *ar, const char *src, size_t len, const t_json_limits *limits,
                          t_json **out, tally_error *err) {
  jparser p;
  t_memset(&p, 0, sizeof p);
  p.src = src;
  p.len = len;
  p.ar = ar;
  p.err = err;
  p.alloc = &ar->alloc;
  p.max_depth = limits && limits->max_depth ? limits->max_depth : T_JSON_DEFAULT_MAX_DEPTH;
  if (p.max_depth > T_JSON_HARD_DEPTH) p.max_depth = T_JSON_HARD_DEPTH;
  *out = NULL;
  t_json *v = NULL;
  tally_status st = json__value(&p, &v);
  if (!st) {
    json__skip_ws(&p);
    if (p.pos < p.len) st = json__unexpected(&p, "end of input after the JSON value");
  }
  t_vec_free(p.alloc, &p.items);
  t_vec_free(p.alloc, &p.members);
  if (st && ar->over_limit)
    st = json__fail(&p, TALLY_ERR_LIMIT, p.pos, "JSON input exceeds the memory limit");
  if (!st) *out = v;
  return st;
}

const t_json *t_json_get(const t_json *obj, const char *key) {
  if (!obj || obj->type != T_JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->u.obj.len; i++)
    if (t_str_eq_cstr(obj->u.obj.items[i].key, key)) return obj->u.obj.items[i].value;
  return NULL;
}

bool t_json_as_i64(const t_json *v, int64_t *out) {
  if (!v || v->type != T_JSON_NUMBER || !v->u.num.is_integer) return false;
  const char *s = v->u.num.text.ptr;
  size_t n = v->u.num.text.len, i = 0;
  bool neg = n > 0 && s[0] == '-';
  if (neg) i++;
  if (i >= n) return false;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
  uint64_t acc = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (d > 9) return false;
    if (acc > (limit - d) / 10) return false;
    acc = acc * 10 + d;
  }
  *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return true;
}

/*
** {======================================================
** Writer
** =======================================================
*/

void t_json_write_string(t_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  t_buf_putc(b, '"');
  size_t run = 0; /* start of the pending run of bytes that need no escape */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    t_buf_append(b, s + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': t_buf_append(b, "\\\"", 2); break;
      case '\\': t_buf_append(b, "\\\\", 2); break;
      case '\b': t_buf_append(b, "\\b", 2); break;
      case '\f': t_buf_append(b, "\\f", 2); break;
      case '\n': t_buf_append(b, "\\n", 2); break;
      case '\r': t_buf_append(b, "\\r", 2); break;
      case '\t': t_buf_append(b, "\\t", 2); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        t_buf_append(b, u, 6);
      }
    }
  }
  t_buf_append(b, s + run, len - run);
  t_buf_putc(b, '"');
}

/* Recursion is bounded by the tree depth, which t_json_parse bounds. */
void t_json_write_value(t_buf *b, const t_json *v) {
  switch (v->type) {
    case T_JSON_NULL: t_buf_append(b, "null", 4); break;
    case T_JSON_BOOL: if (v->u.b) t_buf_append(b, "true", 4); else t_buf_append(b, "false", 5); break;
    case T_JSON_NUMBER: t_buf_append(b, v->u.num.text.ptr, v->u.num.text.len); break;
    case T_JSON_STRING: t_json_write_string(b, v->u.str.ptr, v->u.str.len); break;
    case T_JSON_ARRAY:
      t_buf_putc(b, '[');
      for (size_t i = 0; i < v->u.arr.len; i++) {
        if (i) t_buf_putc(b, ',');
        t_json_write_value(b, v->u.arr.items[i]);
      }
      t_buf_putc(b, ']');
      break;
    case T_JSON_OBJECT:
      t_buf_putc(b, '{');
      for (size_t i = 0; i < v->u.obj.len; i++) {
        if (i) t_buf_putc(b, ',');
        t_json_write_string(b, v->u.obj.items[i].key.ptr, v->u.obj.items[i].key.len);
        t_buf_putc(b, ':');
        t_json_write_value(b, v->u.obj.items[i].value);
      }
      t_buf_putc(b, '}');
      break;
  }
}
