/*
** typed_json.c - CEL values as JSON, both directions: the typed form of
** interfaces.md ({"type":"int","value":"5"}), which keeps int, uint and
** double, bytes and strings, timestamps and durations apart, and plain
** JSON for hosts that ask for it (integers that fit int64 are ints, other
** numbers doubles, objects string-keyed maps).
*/
#include "cel/program.h"
#include "cel/ext.h"
#include "util/json.h"
#include "util/double.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/utf8.h"

/*
** {======================================================
** Writing
** =======================================================
*/

static void tj__head(t_buf *b, const char *type) {
  t_buf_puts(b, "{\"type\":\"");
  t_buf_puts(b, type);
  t_buf_puts(b, "\"");
}

bool t_cel_write_typed(t_buf *b, t_cel_val v, int depth) {
  char tmp[T_DBL_FMT_MAX];
  if (depth > T_CEL_MAX_VALUE_DEPTH) return false;
  switch (v.kind) {
  case T_CEL_V_NULL: tj__head(b, "null"); break;
  case T_CEL_V_BOOL:
    tj__head(b, "bool");
    t_buf_puts(b, v.u.b ? ",\"value\":true" : ",\"value\":false");
    break;
  case T_CEL_V_INT:
    tj__head(b, "int");
    t_buf_puts(b, ",\"value\":\"");
    t_buf_put_i64(b, v.u.i);
    t_buf_putc(b, '"');
    break;
  case T_CEL_V_UINT:
    tj__head(b, "uint");
    t_buf_puts(b, ",\"value\":\"");
    t_buf_put_u64(b, v.u.u);
    t_buf_putc(b, '"');
    break;
  case T_CEL_V_DOUBLE: {
    tj__head(b, "double");
    t_buf_puts(b, ",\"value\":");
    size_t n = t_dbl_format(v.u.d, &t_dbl_style_json, tmp);
    if (t_dbl_is_finite(v.u.d)) t_buf_append(b, tmp, n);
    else t_json_write_string(b, tmp, n);
    break;
  }
  case T_CEL_V_STRING:
    tj__head(b, "string");
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, t_cel_sv(v).ptr, t_cel_sv(v).len);
    break;
  case T_CEL_V_BYTES:
    tj__head(b, "bytes");
    t_buf_puts(b, ",\"value\":\"");
    t_b64_buf_encode(b, t_cel_sv(v).ptr, t_cel_sv(v).len);
    t_buf_putc(b, '"');
    break;
  case T_CEL_V_LIST:
    tj__head(b, "list");
    t_buf_puts(b, ",\"value\":[");
    for (size_t i = 0; i < v.u.l->len; i++) {
      if (i) t_buf_putc(b, ',');
      if (!t_cel_write_typed(b, v.u.l->items[i], depth + 1)) return false;
    }
    t_buf_putc(b, ']');
    break;
  case T_CEL_V_MAP:
    tj__head(b, "map");
    t_buf_puts(b, ",\"value\":[");
    for (size_t i = 0; i < v.u.m->len; i++) {
      t_buf_puts(b, i ? ",[" : "[");
      if (!t_cel_write_typed(b, v.u.m->keys[i], depth + 1)) return false;
      t_buf_putc(b, ',');
      if (!t_cel_write_typed(b, v.u.m->vals[i], depth + 1)) return false;
      t_buf_putc(b, ']');
    }
    t_buf_putc(b, ']');
    break;
  case T_CEL_V_TYPE:
    tj__head(b, "type");
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, v.u.type, t_strlen(v.u.type));
    break;
  case T_CEL_V_TIMESTAMP: {
    char ts[T_TIMESTAMP_FMT_MAX];
    size_t n = t_time_format(t_cel_tsv(v), ts);
    tj__head(b, "timestamp");
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, ts, n);
    break;
  }
  case T_CEL_V_DURATION: {
    char ds[T_DURATION_FMT_MAX];
    size_t n = t_dur_format(t_cel_durv(v), ds);
    tj__head(b, "duration");
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, ds, n);
    break;
  }
  case T_CEL_V_OPTIONAL:
    tj__head(b, "optional");
    if (v.u.opt) {
      t_buf_puts(b, ",\"value\":");
      if (!t_cel_write_typed(b, *v.u.opt, depth + 1)) return false;
    }
    break;
  case T_CEL_V_IP:
  case T_CEL_V_CIDR: {
    char ns[T_CEL_NET_FMT_MAX];
    size_t n = t_cel_net_format(v, ns);
    tj__head(b, t_cel_kind_name(v.kind));
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, ns, n);
    break;
  }
  case T_CEL_V_ERROR:
    tj__head(b, "error");
    t_buf_puts(b, ",\"value\":");
    t_json_write_string(b, v.u.err->message, t_strlen(v.u.err->message));
    break;
  }
  t_buf_putc(b, '}');
  return true;
}

/* }====================================================== */

/*
** {======================================================
** Reading
** =======================================================
*/

static tally_status tj__bad(tally_error *err, const t_json *j, const char *what) {
  return t_error_set(err, TALLY_ERR_INPUT, "invalid typed value at byte %zu: %s", j ? j->offset : (size_t)0, what);
}

static tally_status tj__nomem(tally_error *err) {
  return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
}

static bool tj__parse_u64(t_str s, uint64_t *out) {
  if (s.len == 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] < '0' || s.ptr[i] > '9') return false;
    unsigned d = (unsigned)(s.ptr[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool tj__parse_i64(t_str s, int64_t *out) {
  bool neg = s.len && s.ptr[0] == '-';
  uint64_t u;
  if (!tj__parse_u64(neg ? (t_str){s.ptr + 1, s.len - 1} : s, &u)) return false;
  if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX) return false;
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return true;
}

/* An integer given as a decimal string or as a JSON integer. */
static t_str tj__int_text(const t_json *v) {
  if (v->type == T_JSON_STRING) return v->u.str;
  if (v->type == T_JSON_NUMBER && v->u.num.is_integer) return v->u.num.text;
  return (t_str){NULL, 0};
}

/* Strings and bytes of a value are shorter than 4 GiB (value.h). */
static bool tj__long(t_str s) { return s.len > T_CEL_MAX_STR; }

/*
** A value's text is copied into ar, so that a caller may free the JSON
** tree once read (a context keeps only the values it binds).
*/
static tally_status tj__string(t_arena *ar, t_str s, t_cel_val *out, tally_error *err) {
  if (tj__long(s)) return t_error_set(err, TALLY_ERR_LIMIT, "string too long");
  char *p = t_arena_strndup(ar, s.ptr, s.len);
  if (!p) return tj__nomem(err);
  *out = t_cel_string((t_str){p, s.len});
  return TALLY_OK;
}

tally_status t_cel_read_typed(t_arena *ar, const t_json *j, t_cel_val *out, int depth, tally_error *err) {
  if (depth > T_CEL_MAX_VALUE_DEPTH) return t_error_set(err, TALLY_ERR_LIMIT, "typed value nests too deeply");
  if (j->type != T_JSON_OBJECT) return tj__bad(err, j, "expected an object {\"type\", \"value\"}");
  const t_json *type = t_json_get(j, "type");
  const t_json *v = t_json_get(j, "value");
  if (!type || type->type != T_JSON_STRING) return tj__bad(err, j, "missing \"type\"");
  t_str t = type->u.str;
  if (t_str_eq_cstr(t, "null")) {
    *out = t_cel_null();
    return TALLY_OK;
  }
  if (t_str_eq_cstr(t, "optional")) {
    out->kind = T_CEL_V_OPTIONAL;
    out->u.opt = NULL;
    if (!v) return TALLY_OK;
    t_cel_val *inner = t_arena_alloc(ar, sizeof *inner);
    if (!inner) return tj__nomem(err);
    tally_status s = t_cel_read_typed(ar, v, inner, depth + 1, err);
    if (s) return s;
    out->u.opt = inner;
    return TALLY_OK;
  }
  if (!v) return tj__bad(err, j, "missing \"value\"");
  if (t_str_eq_cstr(t, "net.IP") || t_str_eq_cstr(t, "net.CIDR")) {
    if (v->type != T_JSON_STRING || !t_cel_net_parse(ar, t.len == 8, v->u.str, out))
      return tj__bad(err, v, "not an IP address or CIDR range");
    return TALLY_OK;
  }
  if (t_str_eq_cstr(t, "bool")) {
    if (v->type != T_JSON_BOOL) return tj__bad(err, v, "a bool needs true or false");
    *out = t_cel_bool(v->u.b);
  } else if (t_str_eq_cstr(t, "int")) {
    int64_t i;
    if (!tj__parse_i64(tj__int_text(v), &i)) return tj__bad(err, v, "an int needs a decimal string in int64 range");
    *out = t_cel_int(i);
  } else if (t_str_eq_cstr(t, "uint")) {
    uint64_t u;
    if (!tj__parse_u64(tj__int_text(v), &u)) return tj__bad(err, v, "a uint needs a decimal string in uint64 range");
    *out = t_cel_uint(u);
  } else if (t_str_eq_cstr(t, "double")) {
    double d;
    if (v->type == T_JSON_NUMBER) {
      tally_status s = t_dbl_parse_all(v->u.num.text.ptr, v->u.num.text.len, T_DBL_JSON, &d);
      if (s != TALLY_OK && s != TALLY_ERR_RANGE) return tj__bad(err, v, "bad number");
    } else if (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "NaN")) {
      d = T_DBL_NAN;
    } else if (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "Infinity")) {
      d = T_DBL_INF;
    } else if (v->type == T_JSON_STRING && t_str_eq_cstr(v->u.str, "-Infinity")) {
      d = -T_DBL_INF;
    } else {
      return tj__bad(err, v, "a double needs a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    }
    *out = t_cel_double(d);
  } else if (t_str_eq_cstr(t, "string")) {
    if (v->type != T_JSON_STRING) return tj__bad(err, v, "a string needs a JSON string");
    tally_status s = tj__string(ar, v->u.str, out, err);
    if (s) return s;
  } else if (t_str_eq_cstr(t, "bytes")) {
    if (v->type != T_JSON_STRING) return tj__bad(err, v, "bytes need a base64 string");
    if (tj__long(v->u.str)) return t_error_set(err, TALLY_ERR_LIMIT, "bytes too long");
    uint8_t *p = t_arena_alloc(ar, t_b64_decoded_max(v->u.str.len));
    if (!p) return tj__nomem(err);
    size_t n;
    if (t_b64_decode(v->u.str.ptr, v->u.str.len, T_B64_STRICT, p, &n, NULL) != TALLY_OK)
      return tj__bad(err, v, "bytes need padded standard base64");
    *out = t_cel_bytes((t_str){(const char *)p, n});
  } else if (t_str_eq_cstr(t, "list")) {
    if (v->type != T_JSON_ARRAY) return tj__bad(err, v, "a list needs an array");
    t_cel_list *l = t_cel_list_new(ar, v->u.arr.len);
    if (!l) return tj__nomem(err);
    for (size_t i = 0; i < v->u.arr.len; i++) {
      tally_status s = t_cel_read_typed(ar, v->u.arr.items[i], &l->items[i], depth + 1, err);
      if (s) return s;
      l->len++;
    }
    out->kind = T_CEL_V_LIST;
    out->u.l = l;
  } else if (t_str_eq_cstr(t, "map")) {
    if (v->type != T_JSON_ARRAY) return tj__bad(err, v, "a map needs an array of [key, value] pairs");
    t_cel_map *m = t_cel_map_new(ar, v->u.arr.len);
    if (!m) return tj__nomem(err);
    for (size_t i = 0; i < v->u.arr.len; i++) {
      const t_json *pair = v->u.arr.items[i];
      if (pair->type != T_JSON_ARRAY || pair->u.arr.len != 2) return tj__bad(err, pair, "a map entry is [key, value]");
      t_cel_val k, val;
      tally_status s = t_cel_read_typed(ar, pair->u.arr.items[0], &k, depth + 1, err);
      if (!s) s = t_cel_read_typed(ar, pair->u.arr.items[1], &val, depth + 1, err);
      if (s) return s;
      if (!t_cel_key_ok(k)) return tj__bad(err, pair, "map keys are int, uint, bool or string");
      t_cel_put p = t_cel_map_put(ar, m, k, val);
      if (p == T_CEL_PUT_NOMEM) return tj__nomem(err);
      if (p == T_CEL_PUT_DUP) return tj__bad(err, pair, "duplicate map key");
    }
    out->kind = T_CEL_V_MAP;
    out->u.m = m;
  } else if (t_str_eq_cstr(t, "timestamp")) {
    if (v->type != T_JSON_STRING) return tj__bad(err, v, "a timestamp needs an RFC 3339 string");
    t_timestamp ts;
    tally_error e;
    if (t_time_parse(v->u.str.ptr, v->u.str.len, &ts, &e) != TALLY_OK) return tj__bad(err, v, e.message);
    *out = t_cel_ts(ts);
  } else if (t_str_eq_cstr(t, "duration")) {
    if (v->type != T_JSON_STRING) return tj__bad(err, v, "a duration needs a string such as \"1.5s\"");
    t_duration d;
    tally_error e;
    if (t_dur_parse(v->u.str.ptr, v->u.str.len, &d, &e) != TALLY_OK) return tj__bad(err, v, e.message);
    *out = t_cel_dur(d);
  } else if (t_str_eq_cstr(t, "type")) {
    if (v->type != T_JSON_STRING) return tj__bad(err, v, "a type needs its name");
    const char *name = t_cel_type_lookup(v->u.str);
    if (!name && !(name = t_arena_strndup(ar, v->u.str.ptr, v->u.str.len))) return tj__nomem(err);
    *out = t_cel_type(name);
  } else {
    return tj__bad(err, type, "unknown type");
  }
  return TALLY_OK;
}

tally_status t_cel_read_plain(t_arena *ar, const t_json *j, t_cel_val *out, int depth, tally_error *err) {
  if (depth > T_CEL_MAX_VALUE_DEPTH) return t_error_set(err, TALLY_ERR_LIMIT, "value nests too deeply");
  switch (j->type) {
  case T_JSON_NULL: *out = t_cel_null(); break;
  case T_JSON_BOOL: *out = t_cel_bool(j->u.b); break;
  case T_JSON_NUMBER: {
    int64_t i;
    if (j->u.num.is_integer && t_json_as_i64(j, &i)) {
      *out = t_cel_int(i);
    } else {
      double d;
      tally_status s = t_dbl_parse_all(j->u.num.text.ptr, j->u.num.text.len, T_DBL_JSON, &d);
      if (s != TALLY_OK && s != TALLY_ERR_RANGE) return tj__bad(err, j, "bad number");
      *out = t_cel_double(d);
    }
    break;
  }
  case T_JSON_STRING: {
    tally_status s = tj__string(ar, j->u.str, out, err);
    if (s) return s;
    break;
  }
  case T_JSON_ARRAY: {
    t_cel_list *l = t_cel_list_new(ar, j->u.arr.len);
    if (!l) return tj__nomem(err);
    for (size_t i = 0; i < j->u.arr.len; i++) {
      tally_status s = t_cel_read_plain(ar, j->u.arr.items[i], &l->items[i], depth + 1, err);
      if (s) return s;
      l->len++;
    }
    out->kind = T_CEL_V_LIST;
    out->u.l = l;
    break;
  }
  case T_JSON_OBJECT: {
    t_cel_map *m = t_cel_map_new(ar, j->u.obj.len);
    if (!m) return tj__nomem(err);
    for (size_t i = 0; i < j->u.obj.len; i++) {
      t_cel_val k, v;
      tally_status s = tj__string(ar, j->u.obj.items[i].key, &k, err);
      if (!s) s = t_cel_read_plain(ar, j->u.obj.items[i].value, &v, depth + 1, err);
      if (s) return s;
      t_cel_put p = t_cel_map_put(ar, m, k, v);
      if (p == T_CEL_PUT_NOMEM) return tj__nomem(err);
      if (p == T_CEL_PUT_DUP) return tj__bad(err, j->u.obj.items[i].value, "duplicate object key");
    }
    out->kind = T_CEL_V_MAP;
    out->u.m = m;
    break;
  }
  }
  return TALLY_OK;
}

/* }====================================================== */
