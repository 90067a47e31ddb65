/*
** ext_strings.c - cel-go's strings extension (ext/strings.go, format as
** in formatting_v2.go): indices and lengths count code points, as CEL's
** size() does; case mapping is ASCII only; trim() removes Unicode white
** space as Go's strings.TrimSpace.
*/
#include "cel/ext.h"
#include "util/double.h"
#include "util/utf8.h"

#define BAD() return t_cel_ext_bad(st, n, a, nargs)

/*
** {======================================================
** Helpers
** =======================================================
*/

/* Byte offset of code point index cp in s, or SIZE_MAX when cp is past the end. */
static size_t str__byte_at(t_str s, int64_t cp) {
  size_t i = 0;
  for (int64_t k = 0; k < cp; k++) {
    if (i >= s.len) return SIZE_MAX;
    uint32_t c;
    size_t w = t_utf8_decode(s.ptr + i, s.len - i, &c);
    i += w ? w : 1;
  }
  return i;
}

static int64_t str__count(const char *p, size_t len) { return (int64_t)t_utf8_count(p, len); }

/* Moves a finished buffer into the evaluation arena. */
static t_cel_val str__from_buf(t_cel_eval *st, const t_cel_node *n, t_buf *b, t_cel_kind kind) {
  if (b->failed) {
    t_buf_free(b);
    return t_cel_nomem(st, n->offset);
  }
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, kind, b->len, &out);
  if (v.kind != T_CEL_V_ERROR && b->len) t_memcpy(out, b->ptr, b->len);
  t_buf_free(b);
  return v;
}

static t_cel_val str__range(t_cel_eval *st, const t_cel_node *n, int64_t i) {
  return t_cel_error(st, n->offset, "index out of range: %lld", (long long)i);
}

/* }====================================================== */

/*
** {======================================================
** Functions
** =======================================================
*/

static t_cel_val str_char_at(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_INT) BAD();
  t_str s = t_cel_sv(a[0]);
  int64_t i = a[1].u.i;
  if (!t_cel_charge(st, 1 + s.len / 16, n->offset)) return st->fatal;
  size_t at = i < 0 ? SIZE_MAX : str__byte_at(s, i);
  if (at == SIZE_MAX) return str__range(st, n, i);
  if (at == s.len) return t_cel_string((t_str){"", 0});
  uint32_t c;
  size_t w = t_utf8_decode(s.ptr + at, s.len - at, &c);
  return t_cel_string((t_str){s.ptr + at, w ? w : 1});
}

static bool str__match_at(t_str s, size_t at, t_str sub) {
  return at + sub.len <= s.len && (sub.len == 0 || t_memcmp(s.ptr + at, sub.ptr, sub.len) == 0);
}

static t_cel_val str_index_of(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING || (nargs == 3 && a[2].kind != T_CEL_V_INT)) BAD();
  t_str s = t_cel_sv(a[0]), sub = t_cel_sv(a[1]);
  int64_t off = nargs == 3 ? a[2].u.i : 0;
  if (!t_cel_charge(st, 1 + s.len / 8, n->offset)) return st->fatal;
  int64_t len = str__count(s.ptr, s.len);
  if (off < 0 || off > len) return str__range(st, n, off);
  if (sub.len == 0) return t_cel_int(off);
  size_t i = str__byte_at(s, off);
  for (int64_t cp = off; i < s.len; cp++) {
    if (str__match_at(s, i, sub)) return t_cel_int(cp);
    uint32_t c;
    size_t w = t_utf8_decode(s.ptr + i, s.len - i, &c);
    i += w ? w : 1;
  }
  return t_cel_int(-1);
}

static t_cel_val str_last_index_of(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING || (nargs == 3 && a[2].kind != T_CEL_V_INT)) BAD();
  t_str s = t_cel_sv(a[0]), sub = t_cel_sv(a[1]);
  if (!t_cel_charge(st, 1 + s.len / 8, n->offset)) return st->fatal;
  int64_t len = str__count(s.ptr, s.len);
  int64_t off = nargs == 3 ? a[2].u.i : len;
  if (off < 0 || off > len) return str__range(st, n, off);
  if (sub.len == 0) return t_cel_int(off);
  int64_t best = -1, cp = 0;
  for (size_t i = 0; i < s.len && cp <= off; cp++) {
    if (str__match_at(s, i, sub)) best = cp;
    uint32_t c;
    size_t w = t_utf8_decode(s.ptr + i, s.len - i, &c);
    i += w ? w : 1;
  }
  return t_cel_int(best);
}

static t_cel_val str_case(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs, bool upper) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  t_str s = t_cel_sv(a[0]);
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, T_CEL_V_STRING, s.len, &out);
  if (v.kind == T_CEL_V_ERROR) return v;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = (char)(c + 32);
    out[i] = c;
  }
  return v;
}

static t_cel_val str_lower(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return str_case(st, n, a, nargs, false);
}

static t_cel_val str_upper(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  return str_case(st, n, a, nargs, true);
}

/* Go's strings.Replace(s, old, new, limit); limit < 0 means all. */
static t_cel_val str_replace(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING || a[2].kind != T_CEL_V_STRING ||
      (nargs == 4 && a[3].kind != T_CEL_V_INT))
    BAD();
  t_str s = t_cel_sv(a[0]), from = t_cel_sv(a[1]), to = t_cel_sv(a[2]);
  int64_t limit = nargs == 4 ? a[3].u.i : -1;
  if (!t_cel_charge(st, 1 + s.len / 8, n->offset)) return st->fatal;
  if (limit == 0 || (from.len == 0 && to.len == 0)) return a[0];
  t_buf b;
  t_buf_init(&b, &st->ar->alloc);
  size_t i = 0;
  int64_t done = 0;
  if (from.len == 0) {
    /* An empty pattern matches before every code point and at the end. */
    for (;;) {
      if (limit >= 0 && done >= limit) break;
      t_buf_append(&b, to.ptr, to.len);
      done++;
      if (i >= s.len) break;
      uint32_t c;
      size_t w = t_utf8_decode(s.ptr + i, s.len - i, &c);
      w = w ? w : 1;
      t_buf_append(&b, s.ptr + i, w);
      i += w;
      if (b.len > st->max_str) break;
    }
  } else {
    while (i < s.len && (limit < 0 || done < limit)) {
      if (str__match_at(s, i, from)) {
        t_buf_append(&b, to.ptr, to.len);
        i += from.len;
        done++;
        if (b.len > st->max_str) break;
      } else {
        t_buf_putc(&b, s.ptr[i++]);
      }
    }
  }
  if (i < s.len) t_buf_append(&b, s.ptr + i, s.len - i);
  return str__from_buf(st, n, &b, T_CEL_V_STRING);
}

/* Go's strings.SplitN(s, sep, limit); limit < 0 means all. */
static t_cel_val str_split(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING || (nargs == 3 && a[2].kind != T_CEL_V_INT)) BAD();
  t_str s = t_cel_sv(a[0]), sep = t_cel_sv(a[1]);
  int64_t limit = nargs == 3 ? a[2].u.i : -1;
  if (!t_cel_charge(st, 1 + s.len / 8, n->offset)) return st->fatal;
  t_cel_list *l = t_cel_list_new(st->ar, 0);
  if (!l) return t_cel_nomem(st, n->offset);
  t_cel_val r;
  r.kind = T_CEL_V_LIST;
  r.aux = 0;
  r.u.l = l;
  if (limit == 0) return r;
  size_t i = 0, start = 0;
  for (;;) {
    if (l->len >= st->max_list)
      return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "list size limit exceeded (%zu)", st->max_list);
    bool last = limit > 0 && (int64_t)l->len == limit - 1;
    if (sep.len == 0) {
      /* explode into code points; the last piece takes the rest */
      if (start >= s.len) break;
      size_t end = s.len;
      if (!last) {
        uint32_t c;
        size_t w = t_utf8_decode(s.ptr + start, s.len - start, &c);
        end = start + (w ? w : 1);
      }
      if (!t_cel_list_push(st->ar, l, t_cel_string((t_str){s.ptr + start, end - start}))) return t_cel_nomem(st, n->offset);
      start = end;
      continue;
    }
    size_t found = SIZE_MAX;
    if (!last)
      for (i = start; i + sep.len <= s.len; i++)
        if (str__match_at(s, i, sep)) {
          found = i;
          break;
        }
    size_t end = found == SIZE_MAX ? s.len : found;
    if (!t_cel_list_push(st->ar, l, t_cel_string((t_str){s.ptr + start, end - start}))) return t_cel_nomem(st, n->offset);
    if (found == SIZE_MAX) break;
    start = found + sep.len;
  }
  return r;
}

static t_cel_val str_substring(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_INT || (nargs == 3 && a[2].kind != T_CEL_V_INT)) BAD();
  t_str s = t_cel_sv(a[0]);
  if (!t_cel_charge(st, 1 + s.len / 16, n->offset)) return st->fatal;
  int64_t len = str__count(s.ptr, s.len), from = a[1].u.i, to = nargs == 3 ? a[2].u.i : len;
  if (from < 0 || from > len) return str__range(st, n, from);
  if (to < 0 || to > len) return str__range(st, n, to);
  if (to < from)
    return t_cel_error(st, n->offset, "invalid substring range. start: %lld, end: %lld", (long long)from, (long long)to);
  size_t b0 = str__byte_at(s, from), b1 = str__byte_at(s, to);
  return t_cel_string((t_str){s.ptr + b0, b1 - b0});
}

static t_cel_val str_trim(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  /* Go's strings.TrimSpace, as cel-go: unicode.IsSpace is White_Space. */
  return t_cel_string(t_utf8_trim_space(t_cel_sv(a[0])));
}

static t_cel_val str_join(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_LIST || (nargs == 2 && a[1].kind != T_CEL_V_STRING)) BAD();
  const t_cel_list *l = a[0].u.l;
  t_str sep = nargs == 2 ? t_cel_sv(a[1]) : (t_str){"", 0};
  size_t total = 0;
  for (size_t i = 0; i < l->len; i++) {
    if (l->items[i].kind != T_CEL_V_STRING) BAD();
    total += t_cel_sv(l->items[i]).len + (i ? sep.len : 0);
  }
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, T_CEL_V_STRING, total, &out);
  if (v.kind == T_CEL_V_ERROR) return v;
  size_t k = 0;
  for (size_t i = 0; i < l->len; i++) {
    if (i && sep.len) {
      t_memcpy(out + k, sep.ptr, sep.len);
      k += sep.len;
    }
    t_str e = t_cel_sv(l->items[i]);
    if (e.len) t_memcpy(out + k, e.ptr, e.len);
    k += e.len;
  }
  return v;
}

static t_cel_val str_reverse(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  t_str s = t_cel_sv(a[0]);
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, T_CEL_V_STRING, s.len, &out);
  if (v.kind == T_CEL_V_ERROR) return v;
  size_t i = 0;
  while (i < s.len) {
    uint32_t c;
    size_t w = t_utf8_decode(s.ptr + i, s.len - i, &c);
    w = w ? w : 1;
    t_memcpy(out + s.len - i - w, s.ptr + i, w);
    i += w;
  }
  return v;
}

static t_cel_val str_quote(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  t_str s = t_cel_sv(a[0]);
  t_buf b;
  t_buf_init(&b, &st->ar->alloc);
  t_buf_putc(&b, '"');
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    switch (c) {
    case '\a': t_buf_puts(&b, "\\a"); break;
    case '\b': t_buf_puts(&b, "\\b"); break;
    case '\f': t_buf_puts(&b, "\\f"); break;
    case '\n': t_buf_puts(&b, "\\n"); break;
    case '\r': t_buf_puts(&b, "\\r"); break;
    case '\t': t_buf_puts(&b, "\\t"); break;
    case '\v': t_buf_puts(&b, "\\v"); break;
    case '\\': t_buf_puts(&b, "\\\\"); break;
    case '"': t_buf_puts(&b, "\\\""); break;
    default: t_buf_putc(&b, c); break;
    }
  }
  t_buf_putc(&b, '"');
  return str__from_buf(st, n, &b, T_CEL_V_STRING);
}

/* }====================================================== */

/*
** {======================================================
** format
** =======================================================
*/

typedef struct fmt__state {
  t_cel_eval *st;
  const t_cel_node *n;
  t_buf *b;
  char err[200];             /* set on a formatting error */
} fmt__state;

static bool fmt__fail(fmt__state *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(f->err, sizeof f->err, fmt, ap);
  va_end(ap);
  return false;
}

static void fmt__special(t_buf *b, double d) {
  t_buf_puts(b, t_dbl_is_nan(d) ? "NaN" : d < 0 ? "-Infinity" : "Infinity");
}

/* Go's strconv.FormatFloat(d, 'f', -1, 64): the shortest digits, never an exponent. */
static void fmt__shortest_fixed(t_buf *b, double d) {
  if (!t_dbl_is_finite(d)) {
    fmt__special(b, d);
    return;
  }
  if (t_dbl_signbit(d)) t_buf_putc(b, '-');
  char digits[17];
  int point;
  int nd = t_dbl_shortest(d, digits, &point);
  if (nd == 0) {
    t_buf_putc(b, '0');
    return;
  }
  if (point <= 0) {
    t_buf_puts(b, "0.");
    for (int i = 0; i < -point; i++) t_buf_putc(b, '0');
    t_buf_append(b, digits, (size_t)nd);
    return;
  }
  for (int i = 0; i < point; i++) t_buf_putc(b, i < nd ? digits[i] : '0');
  if (nd > point) {
    t_buf_putc(b, '.');
    t_buf_append(b, digits + point, (size_t)(nd - point));
  }
}

static void fmt__radix(t_buf *b, uint64_t u, bool neg, unsigned radix, bool upper) {
  const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char tmp[70];
  size_t k = sizeof tmp;
  do {
    tmp[--k] = dig[u % radix];
    u /= radix;
  } while (u);
  if (neg) tmp[--k] = '-';
  t_buf_append(b, tmp + k, sizeof tmp - k);
}

static void fmt__int(t_buf *b, t_cel_val v, unsigned radix, bool upper) {
  if (v.kind == T_CEL_V_INT)
    fmt__radix(b, v.u.i < 0 ? 0 - (uint64_t)v.u.i : (uint64_t)v.u.i, v.u.i < 0, radix, upper);
  else
    fmt__radix(b, v.u.u, false, radix, upper);
}

static bool fmt__string(fmt__state *f, t_cel_val v, int depth);

/* A map entry's key and value as %s text, for sorting. */
typedef struct fmt__entry {
  size_t key, key_len, val, val_len; /* offsets into the scratch buffer */
} fmt__entry;

static bool fmt__map(fmt__state *f, const t_cel_map *m, int depth) {
  t_buf scratch;
  t_buf_init(&scratch, &f->st->ar->alloc);
  fmt__entry *ents = m->len ? t_arena_alloc(f->st->ar, m->len * sizeof *ents) : NULL;
  if (m->len && !ents) return fmt__fail(f, "out of memory");
  t_buf *saved = f->b;
  f->b = &scratch;
  bool ok = true;
  for (size_t i = 0; i < m->len && ok; i++) {
    ents[i].key = scratch.len;
    ok = fmt__string(f, m->keys[i], depth + 1);
    ents[i].key_len = scratch.len - ents[i].key;
    ents[i].val = scratch.len;
    ok = ok && fmt__string(f, m->vals[i], depth + 1);
    ents[i].val_len = scratch.len - ents[i].val;
  }
  f->b = saved;
  if (ok && scratch.failed) ok = fmt__fail(f, "out of memory");
  if (ok) {
    /* insertion sort by key text: maps made by an evaluation are small */
    for (size_t i = 1; i < m->len; i++) {
      fmt__entry e = ents[i];
      t_str ke = {scratch.ptr + e.key, e.key_len};
      size_t j = i;
      while (j > 0 && t_str_cmp((t_str){scratch.ptr + ents[j - 1].key, ents[j - 1].key_len}, ke) > 0) {
        ents[j] = ents[j - 1];
        j--;
      }
      ents[j] = e;
    }
    t_buf_putc(f->b, '{');
    for (size_t i = 0; i < m->len; i++) {
      if (i) t_buf_puts(f->b, ", ");
      t_buf_append(f->b, scratch.ptr + ents[i].key, ents[i].key_len);
      t_buf_puts(f->b, ": ");
      t_buf_append(f->b, scratch.ptr + ents[i].val, ents[i].val_len);
    }
    t_buf_putc(f->b, '}');
  }
  t_buf_free(&scratch);
  return ok;
}

static bool fmt__string(fmt__state *f, t_cel_val v, int depth) {
  if (depth > T_CEL_MAX_VALUE_DEPTH) return fmt__fail(f, "values nest too deeply");
  if (f->b->len > f->st->max_str) return true; /* the caller reports the size limit */
  char tmp[T_DBL_FMT_MAX];
  switch (v.kind) {
  case T_CEL_V_NULL: t_buf_puts(f->b, "null"); return true;
  case T_CEL_V_BOOL: t_buf_puts(f->b, v.u.b ? "true" : "false"); return true;
  case T_CEL_V_INT: t_buf_put_i64(f->b, v.u.i); return true;
  case T_CEL_V_UINT: t_buf_put_u64(f->b, v.u.u); return true;
  case T_CEL_V_DOUBLE: fmt__shortest_fixed(f->b, v.u.d); return true;
  case T_CEL_V_STRING:
  case T_CEL_V_BYTES: t_buf_append(f->b, v.u.s, v.aux); return true;
  case T_CEL_V_TYPE: t_buf_puts(f->b, v.u.type); return true;
  case T_CEL_V_TIMESTAMP: t_buf_append(f->b, tmp, t_time_format(t_cel_tsv(v), tmp)); return true;
  case T_CEL_V_DURATION: {
    /* seconds as Go's 'f' -1 of Duration.Seconds(), then "s" */
    t_duration d = t_cel_durv(v);
    double secs = (double)d.sec + (double)d.nsec / 1e9;
    fmt__shortest_fixed(f->b, secs);
    t_buf_putc(f->b, 's');
    return true;
  }
  case T_CEL_V_LIST:
    t_buf_putc(f->b, '[');
    for (size_t i = 0; i < v.u.l->len; i++) {
      if (i) t_buf_puts(f->b, ", ");
      if (!fmt__string(f, v.u.l->items[i], depth + 1)) return false;
    }
    t_buf_putc(f->b, ']');
    return true;
  case T_CEL_V_MAP: return fmt__map(f, v.u.m, depth);
  case T_CEL_V_IP:
  case T_CEL_V_CIDR: {
    char ns[T_CEL_NET_FMT_MAX];
    t_buf_append(f->b, ns, t_cel_net_format(v, ns));
    return true;
  }
  default:
    return fmt__fail(f,
                     "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, "
                     "durations, and timestamps, was given %s",
                     t_cel_type_name_of(v));
  }
}

static bool fmt__clause(fmt__state *f, char verb, int prec, t_cel_val v) {
  const char *tn = t_cel_type_name_of(v);
  bool is_int = v.kind == T_CEL_V_INT || v.kind == T_CEL_V_UINT;
  switch (verb) {
  case 's': return fmt__string(f, v, 0);
  case 'd':
    if (is_int) fmt__int(f->b, v, 10, false);
    else if (v.kind == T_CEL_V_DOUBLE && !t_dbl_is_finite(v.u.d)) fmt__special(f->b, v.u.d);
    else return fmt__fail(f, "decimal clause can only be used on integers, was given %s", tn);
    return true;
  case 'f':
  case 'e': {
    double d;
    if (v.kind == T_CEL_V_DOUBLE) d = v.u.d;
    else if (v.kind == T_CEL_V_INT) d = (double)v.u.i;
    else if (v.kind == T_CEL_V_UINT) d = (double)v.u.u;
    else if (verb == 'f') return fmt__fail(f, "fixed-point clause can only be used on doubles, was given %s", tn);
    else return fmt__fail(f, "scientific clause can only be used on doubles, was given %s", tn);
    if (!t_dbl_is_finite(d)) fmt__special(f->b, d);
    else if (verb == 'f') t_dbl_format_fixed(f->b, d, prec, NULL);
    else t_dbl_format_exp(f->b, d, prec, NULL);
    return true;
  }
  case 'b':
    if (v.kind == T_CEL_V_BOOL) t_buf_putc(f->b, v.u.b ? '1' : '0');
    else if (is_int) fmt__int(f->b, v, 2, false);
    else return fmt__fail(f, "only integers and bools can be formatted as binary, was given %s", tn);
    return true;
  case 'o':
    if (!is_int) return fmt__fail(f, "octal clause can only be used on integers, was given %s", tn);
    fmt__int(f->b, v, 8, false);
    return true;
  case 'x':
  case 'X': {
    bool upper = verb == 'X';
    if (is_int) {
      fmt__int(f->b, v, 16, upper);
      return true;
    }
    if (v.kind != T_CEL_V_STRING && v.kind != T_CEL_V_BYTES)
      return fmt__fail(f, "only integers, byte buffers, and strings can be formatted as hex, was given %s", tn);
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (uint32_t i = 0; i < v.aux; i++) {
      unsigned char c = (unsigned char)v.u.s[i];
      t_buf_putc(f->b, dig[c >> 4]);
      t_buf_putc(f->b, dig[c & 15]);
    }
    return true;
  }
  default: return false;
  }
}

static bool fmt__verb_ok(char c) {
  return c == 's' || c == 'd' || c == 'f' || c == 'e' || c == 'b' || c == 'o' || c == 'x' || c == 'X';
}

static t_cel_val str_format(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_LIST) BAD();
  t_str s = t_cel_sv(a[0]);
  const t_cel_list *args = a[1].u.l;
  if (!t_cel_charge(st, 1 + s.len / 8 + args->len, n->offset)) return st->fatal;
  t_buf b;
  t_buf_init(&b, &st->ar->alloc);
  fmt__state f = {st, n, &b, {0}};
  size_t argi = 0;
  for (size_t i = 0; i < s.len;) {
    if (b.len > st->max_str) break;
    if (s.ptr[i] != '%') {
      t_buf_putc(&b, s.ptr[i++]);
      continue;
    }
    if (i + 1 < s.len && s.ptr[i + 1] == '%') {
      t_buf_putc(&b, '%');
      i += 2;
      continue;
    }
    if (i + 1 >= s.len) {
      t_buf_free(&b);
      return t_cel_error(st, n->offset, "unexpected end of string");
    }
    if (argi >= args->len) {
      t_buf_free(&b);
      return t_cel_error(st, n->offset, "index %zu out of range", argi);
    }
    i++;
    int prec = 6;
    if (s.ptr[i] == '.') {
      i++;
      size_t start = i;
      long p = 0;
      while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9') {
        if (p < 100000) p = p * 10 + (s.ptr[i] - '0');
        i++;
      }
      if (i >= s.len || i == start) {
        t_buf_free(&b);
        return t_cel_error(st, n->offset, "could not parse formatting clause: error while parsing precision");
      }
      if (p > 100) {
        t_buf_free(&b);
        return t_cel_error(st, n->offset,
                           "could not parse formatting clause: error while parsing precision: precision %ld exceeds "
                           "maximum allowed precision 100", p);
      }
      prec = (int)p;
    }
    uint32_t verb;
    size_t w = t_utf8_decode(s.ptr + i, s.len - i, &verb);
    w = w ? w : 1;
    if (verb > 127 || !fmt__verb_ok((char)verb)) {
      t_buf_free(&b);
      return t_cel_error(st, n->offset, "could not parse formatting clause: unrecognized formatting clause \"%.*s\"",
                         (int)w, s.ptr + i);
    }
    i += w;
    if (!fmt__clause(&f, (char)verb, prec, args->items[argi++])) {
      t_buf_free(&b);
      if (t_str_eq_cstr((t_str){f.err, t_strlen(f.err)}, "out of memory")) return t_cel_nomem(st, n->offset);
      return t_cel_error(st, n->offset, "error during formatting: %s", f.err);
    }
  }
  if (b.len > st->max_str) {
    t_buf_free(&b);
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "string size limit exceeded (%zu bytes)", st->max_str);
  }
  return str__from_buf(st, n, &b, T_CEL_V_STRING);
}

/* }====================================================== */

static const t_cel_ext_fn str__fns[] = {
  {"charAt", true, 1, 1, str_char_at},
  {"indexOf", true, 1, 2, str_index_of},
  {"lastIndexOf", true, 1, 2, str_last_index_of},
  {"lowerAscii", true, 0, 0, str_lower},
  {"upperAscii", true, 0, 0, str_upper},
  {"replace", true, 2, 3, str_replace},
  {"split", true, 1, 2, str_split},
  {"substring", true, 1, 2, str_substring},
  {"trim", true, 0, 0, str_trim},
  {"join", true, 0, 1, str_join},
  {"reverse", true, 0, 0, str_reverse},
  {"format", true, 1, 1, str_format},
  {"strings.quote", false, 1, 1, str_quote},
};

const t_cel_ext_lib t_cel_ext_strings_lib = {TALLY_CEL_LIB_STRINGS, str__fns, T_ARRAY_LEN(str__fns)};
