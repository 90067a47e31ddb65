/*
** stdlib.c - CEL's standard functions and operators, dispatched on the
** function number the compiler resolved and on the kinds of the evaluated
** arguments. Semantics and error wording follow cel-go: int64/uint64
** overflow is an error, division and modulo by zero are errors, doubles
** follow IEEE 754.
*/
#include "cel/program.h"
#include "cel/ext.h"
#include "util/double.h"
#include "util/utf8.h"

/* ORDER FN */
const char *const t_cel_fn_names[T_FN__COUNT] = {
  "_+_", "_-_", "_*_", "_/_", "_%_", "-_", "!_",
  "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_",
  "_[_]", "@in",
  "size", "contains", "startsWith", "endsWith", "matches",
  "int", "uint", "double", "string", "bytes", "bool", "dyn", "type",
  "timestamp", "duration",
  "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth",
  "getDate", "getDayOfWeek", "getHours", "getMinutes",
  "getSeconds", "getMilliseconds",
  "cel.@mapInsert"
};

/* Arity: [global min, global max, member min, member max]; -1 = not allowed. */
static const signed char stdlib__arity[T_FN__COUNT][4] = {
  {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {1, 1, -1, -1}, {1, 1, -1, -1},
  {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1}, {2, 2, -1, -1},
  {2, 2, -1, -1}, {2, 2, -1, -1},
  {1, 1, 0, 0}, {-1, -1, 1, 1}, {-1, -1, 1, 1}, {-1, -1, 1, 1}, {2, 2, 1, 1},
  {1, 1, -1, -1}, {1, 1, -1, -1}, {1, 1, -1, -1}, {1, 1, -1, -1}, {1, 1, -1, -1}, {1, 1, -1, -1},
  {1, 1, -1, -1}, {1, 1, -1, -1},
  {1, 1, -1, -1}, {1, 1, -1, -1},
  {-1, -1, 0, 1}, {-1, -1, 0, 1}, {-1, -1, 0, 1}, {-1, -1, 0, 1},
  {-1, -1, 0, 1}, {-1, -1, 0, 1}, {-1, -1, 0, 1}, {-1, -1, 0, 1},
  {-1, -1, 0, 1}, {-1, -1, 0, 1},
  {2, 3, -1, -1}
};

int t_cel_fn_lookup(t_str name) {
  for (int i = 0; i < T_FN__COUNT; i++)
    if (t_str_eq_cstr(name, t_cel_fn_names[i])) return i;
  if (t_str_eq_cstr(name, "@mapInsert")) return T_FN_MAP_INSERT;
  return -1;
}

bool t_cel_fn_arity_ok(int fn, bool member, size_t nargs) {
  const signed char *a = stdlib__arity[fn] + (member ? 2 : 0);
  return a[0] >= 0 && nargs >= (size_t)a[0] && nargs <= (size_t)a[1];
}

/*
** {======================================================
** Helpers
** =======================================================
*/

static const char *stdlib__name(unsigned fn) {
  return fn < T_FN__COUNT ? t_cel_fn_names[fn] : "?";
}

#define BAD() return t_cel_no_overload(st, n->offset, stdlib__name(n->fn), a, nargs)

static t_cel_val stdlib__overflow(t_cel_eval *st, size_t offset) {
  return t_cel_error(st, offset, "integer overflow");
}

/* A new string or bytes value of len bytes, charged and size-checked (shared with the extensions). */
static t_cel_val stdlib__new_str(t_cel_eval *st, size_t offset, t_cel_kind kind, size_t len, char **out) {
  return t_cel_ext_new_str(st, offset, kind, len, out);
}

static t_cel_val stdlib__str_copy(t_cel_eval *st, size_t offset, t_cel_kind kind, const char *s, size_t len) {
  char *p;
  t_cel_val v = stdlib__new_str(st, offset, kind, len, &p);
  if (v.kind == T_CEL_V_ERROR) return v;
  if (len) t_memcpy(p, s, len);
  return v;
}

static t_cel_val stdlib__status_err(t_cel_eval *st, size_t offset, tally_status s, const tally_error *e) {
  if (s == TALLY_ERR_NOMEM) return t_cel_nomem(st, offset);
  return t_cel_error(st, offset, "%s", e->message);
}

/* Go's strconv.ParseInt(s, 10, 64) / ParseUint(s, 10, 64). */
static bool stdlib__parse_u64(const char *s, size_t len, uint64_t *out) {
  if (len == 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool stdlib__parse_i64(const char *s, size_t len, int64_t *out) {
  bool neg = false;
  if (len && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s++;
    len--;
  }
  uint64_t u;
  if (!stdlib__parse_u64(s, len, &u)) return false;
  if (neg) {
    if (u > (uint64_t)INT64_MAX + 1) return false;
    *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
  } else {
    if (u > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)u;
  }
  return true;
}

/* }====================================================== */

/*
** {======================================================
** Arithmetic
** =======================================================
*/

static t_cel_val stdlib__concat(t_cel_eval *st, const t_cel_node *n, t_cel_val x, t_cel_val y) {
  size_t len = t_cel_sv(x).len + t_cel_sv(y).len;
  char *p;
  t_cel_val v = stdlib__new_str(st, n->offset, x.kind, len, &p);
  if (v.kind == T_CEL_V_ERROR) return v;
  if (t_cel_sv(x).len) t_memcpy(p, t_cel_sv(x).ptr, t_cel_sv(x).len);
  if (t_cel_sv(y).len) t_memcpy(p + t_cel_sv(x).len, t_cel_sv(y).ptr, t_cel_sv(y).len);
  return v;
}

static t_cel_val stdlib__list_concat(t_cel_eval *st, const t_cel_node *n, t_cel_val x, t_cel_val y) {
  if (y.u.l->len == 0) return x;
  if (x.u.l->len == 0) return y;
  size_t len = x.u.l->len + y.u.l->len;
  if (len > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "list size limit exceeded (%zu)", st->max_list);
  if (!t_cel_charge(st, len, n->offset)) return st->fatal;
  t_cel_list *l = t_cel_list_new(st->ar, len);
  if (!l) return t_cel_nomem(st, n->offset);
  t_memcpy(l->items, x.u.l->items, x.u.l->len * sizeof(t_cel_val));
  t_memcpy(l->items + x.u.l->len, y.u.l->items, y.u.l->len * sizeof(t_cel_val));
  l->len = len;
  t_cel_val v;
  v.kind = T_CEL_V_LIST;
  v.u.l = l;
  return v;
}

static t_cel_val stdlib__time_result(t_cel_eval *st, size_t offset, tally_status s, const tally_error *e) {
  if (s == TALLY_ERR_RANGE) return t_cel_error(st, offset, "%s", e->message[0] ? e->message : "timestamp out of range");
  return stdlib__status_err(st, offset, s, e);
}

static t_cel_val stdlib__add(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0], y = a[1];
  tally_error e;
  e.message[0] = 0;
  if (x.kind != y.kind) {
    if (x.kind == T_CEL_V_TIMESTAMP && y.kind == T_CEL_V_DURATION) {
      t_timestamp r;
      tally_status s = t_time_add(t_cel_tsv(x), t_cel_durv(y), &r, &e);
      return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_ts(r);
    }
    if (x.kind == T_CEL_V_DURATION && y.kind == T_CEL_V_TIMESTAMP) {
      t_timestamp r;
      tally_status s = t_time_add(t_cel_tsv(y), t_cel_durv(x), &r, &e);
      return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_ts(r);
    }
    BAD();
  }
  switch (x.kind) {
  case T_CEL_V_INT: {
    int64_t r;
    if (__builtin_add_overflow(x.u.i, y.u.i, &r)) return stdlib__overflow(st, n->offset);
    return t_cel_int(r);
  }
  case T_CEL_V_UINT: {
    uint64_t r;
    if (__builtin_add_overflow(x.u.u, y.u.u, &r)) return stdlib__overflow(st, n->offset);
    return t_cel_uint(r);
  }
  case T_CEL_V_DOUBLE: return t_cel_double(x.u.d + y.u.d);
  case T_CEL_V_STRING:
  case T_CEL_V_BYTES: return stdlib__concat(st, n, x, y);
  case T_CEL_V_LIST: return stdlib__list_concat(st, n, x, y);
  case T_CEL_V_DURATION: {
    t_duration r;
    tally_status s = t_dur_add(t_cel_durv(x), t_cel_durv(y), &r, &e);
    return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_dur(r);
  }
  default: BAD();
  }
}

static t_cel_val stdlib__sub(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0], y = a[1];
  tally_error e;
  e.message[0] = 0;
  if (x.kind == T_CEL_V_TIMESTAMP && y.kind == T_CEL_V_DURATION) {
    t_timestamp r;
    tally_status s = t_time_sub(t_cel_tsv(x), t_cel_durv(y), &r, &e);
    return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_ts(r);
  }
  if (x.kind != y.kind) BAD();
  switch (x.kind) {
  case T_CEL_V_INT: {
    int64_t r;
    if (__builtin_sub_overflow(x.u.i, y.u.i, &r)) return stdlib__overflow(st, n->offset);
    return t_cel_int(r);
  }
  case T_CEL_V_UINT: {
    uint64_t r;
    if (__builtin_sub_overflow(x.u.u, y.u.u, &r)) return stdlib__overflow(st, n->offset);
    return t_cel_uint(r);
  }
  case T_CEL_V_DOUBLE: return t_cel_double(x.u.d - y.u.d);
  case T_CEL_V_TIMESTAMP: {
    t_duration r;
    tally_status s = t_time_diff(t_cel_tsv(x), t_cel_tsv(y), &r, &e);
    return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_dur(r);
  }
  case T_CEL_V_DURATION: {
    t_duration r;
    tally_status s = t_dur_sub(t_cel_durv(x), t_cel_durv(y), &r, &e);
    return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_dur(r);
  }
  default: BAD();
  }
}

static t_cel_val stdlib__muldiv(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0], y = a[1];
  if (x.kind != y.kind) BAD();
  int fn = n->fn;
  switch (x.kind) {
  case T_CEL_V_INT: {
    int64_t r;
    if (fn == T_FN_MUL) {
      if (__builtin_mul_overflow(x.u.i, y.u.i, &r)) return stdlib__overflow(st, n->offset);
      return t_cel_int(r);
    }
    if (y.u.i == 0) return t_cel_error(st, n->offset, fn == T_FN_DIV ? "division by zero" : "modulus by zero");
    if (y.u.i == -1 && x.u.i == INT64_MIN) return stdlib__overflow(st, n->offset);
    return t_cel_int(fn == T_FN_DIV ? x.u.i / y.u.i : x.u.i % y.u.i);
  }
  case T_CEL_V_UINT: {
    uint64_t r;
    if (fn == T_FN_MUL) {
      if (__builtin_mul_overflow(x.u.u, y.u.u, &r)) return stdlib__overflow(st, n->offset);
      return t_cel_uint(r);
    }
    if (y.u.u == 0) return t_cel_error(st, n->offset, fn == T_FN_DIV ? "division by zero" : "modulus by zero");
    return t_cel_uint(fn == T_FN_DIV ? x.u.u / y.u.u : x.u.u % y.u.u);
  }
  case T_CEL_V_DOUBLE:
    if (fn == T_FN_MUL) return t_cel_double(x.u.d * y.u.d);
    if (fn == T_FN_DIV) return t_cel_double(x.u.d / y.u.d);
    BAD();
  default: BAD();
  }
}

/* }====================================================== */

/*
** {======================================================
** Indexing and membership
** =======================================================
*/

/* A key or index for messages: strings as text, numbers in decimal. */
static void stdlib__key_text(t_cel_val k, char *out, size_t cap) {
  switch (k.kind) {
  case T_CEL_V_STRING: t_snprintf(out, cap, "%.*s", (int)T_MIN(t_cel_sv(k).len, 200), t_cel_sv(k).ptr); break;
  case T_CEL_V_INT: t_snprintf(out, cap, "%lld", (long long)k.u.i); break;
  case T_CEL_V_UINT: t_snprintf(out, cap, "%llu", (unsigned long long)k.u.u); break;
  case T_CEL_V_BOOL: t_snprintf(out, cap, "%s", k.u.b ? "true" : "false"); break;
  case T_CEL_V_DOUBLE: t_dbl_format(k.u.d, &t_dbl_style_go, out); break;
  default: t_snprintf(out, cap, "%s", t_cel_type_name_of(k)); break;
  }
}

static t_cel_val stdlib__index(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0], k = a[1];
  char kt[T_DBL_FMT_MAX + 200];
  if (x.kind == T_CEL_V_OPTIONAL) return t_cel_opt_index(st, n, x, k);
  if (x.kind == T_CEL_V_LIST) {
    int64_t i;
    if (k.kind == T_CEL_V_INT) i = k.u.i;
    else if (k.kind == T_CEL_V_UINT) i = k.u.u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)k.u.u;
    else if (k.kind == T_CEL_V_DOUBLE) {
      if (!t_cel_double_to_int(k.u.d, &i) || (double)i != k.u.d) {
        stdlib__key_text(k, kt, sizeof kt);
        return t_cel_error(st, n->offset, "unsupported index value: %s", kt);
      }
    } else BAD();
    if (i < 0 || (uint64_t)i >= x.u.l->len)
      return t_cel_error(st, n->offset, "index out of range: %lld (list size %zu)", (long long)i, x.u.l->len);
    return x.u.l->items[i];
  }
  if (x.kind == T_CEL_V_MAP) {
    if (!t_cel_key_ok(k) && k.kind != T_CEL_V_DOUBLE) BAD();
    const t_cel_val *v = t_cel_map_get(x.u.m, k);
    if (!v) {
      stdlib__key_text(k, kt, sizeof kt);
      return t_cel_error(st, n->offset, "no such key: %s", kt);
    }
    return *v;
  }
  BAD();
}

bool t_cel_strset_has(const t_cel_strset *set, t_str s) {
  for (uint32_t j = t_cel_hash_name(s) & set->mask; set->slots[j]; j = (j + 1) & set->mask) {
    if (t_cel_str_eq(t_cel_sv(set->items[set->slots[j] - 1]), s)) return true;
  }
  return false;
}

static t_cel_val stdlib__in(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0], c = a[1];
  if (c.kind == T_CEL_V_LIST) {
    if (!t_cel_charge(st, c.u.l->len, n->offset)) return st->fatal;
    if (n->u.call.set && x.kind == T_CEL_V_STRING) return t_cel_bool(t_cel_strset_has(n->u.call.set, t_cel_sv(x)));
    for (size_t i = 0; i < c.u.l->len; i++) {
      int e = t_cel_equal(x, c.u.l->items[i], 0);
      if (e < 0) return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "values nest too deeply");
      if (e) return t_cel_bool(true);
    }
    return t_cel_bool(false);
  }
  if (c.kind == T_CEL_V_MAP) {
    if (!t_cel_key_ok(x) && x.kind != T_CEL_V_DOUBLE) return t_cel_bool(false);
    return t_cel_bool(t_cel_map_get(c.u.m, x) != NULL);
  }
  BAD();
}

/* }====================================================== */

/*
** {======================================================
** Strings
** =======================================================
*/

static t_cel_val stdlib__strfn(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING) BAD();
  t_str s = t_cel_sv(a[0]), p = t_cel_sv(a[1]);
  if (!t_cel_charge(st, 1 + s.len / 16, n->offset)) return st->fatal;
  switch (n->fn) {
  case T_FN_CONTAINS: return t_cel_bool(t_cel_str_contains(s, p));
  case T_FN_STARTS_WITH: return t_cel_bool(t_cel_str_starts(s, p));
  default: return t_cel_bool(t_cel_str_ends(s, p));
  }
}

/* }====================================================== */

/*
** {======================================================
** Conversions
** =======================================================
*/

static t_cel_val stdlib__to_int(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  int64_t i;
  switch (x.kind) {
  case T_CEL_V_INT: return x;
  case T_CEL_V_UINT:
    if (x.u.u > (uint64_t)INT64_MAX) return t_cel_error(st, n->offset, "integer overflow: int range error");
    return t_cel_int((int64_t)x.u.u);
  case T_CEL_V_DOUBLE:
    if (!t_cel_double_to_int(x.u.d, &i)) return t_cel_error(st, n->offset, "integer overflow: int range error");
    return t_cel_int(i);
  case T_CEL_V_STRING:
    if (!stdlib__parse_i64(t_cel_sv(x).ptr, t_cel_sv(x).len, &i))
      return t_cel_error(st, n->offset, "type conversion error from 'string' to 'int'");
    return t_cel_int(i);
  case T_CEL_V_TIMESTAMP: return t_cel_int(t_cel_tsv(x).sec);
  default: BAD();
  }
}

static t_cel_val stdlib__to_uint(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  uint64_t u;
  switch (x.kind) {
  case T_CEL_V_UINT: return x;
  case T_CEL_V_INT:
    if (x.u.i < 0) return t_cel_error(st, n->offset, "integer overflow: uint range error");
    return t_cel_uint((uint64_t)x.u.i);
  case T_CEL_V_DOUBLE:
    if (!t_cel_double_to_uint(x.u.d, &u)) return t_cel_error(st, n->offset, "integer overflow: uint range error");
    return t_cel_uint(u);
  case T_CEL_V_STRING:
    if (!stdlib__parse_u64(t_cel_sv(x).ptr, t_cel_sv(x).len, &u)) /* Go's ParseUint: no sign */
      return t_cel_error(st, n->offset, "type conversion error from 'string' to 'uint'");
    return t_cel_uint(u);
  default: BAD();
  }
}

static t_cel_val stdlib__to_double(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  switch (x.kind) {
  case T_CEL_V_DOUBLE: return x;
  case T_CEL_V_INT: return t_cel_double((double)x.u.i);
  case T_CEL_V_UINT: return t_cel_double((double)x.u.u);
  case T_CEL_V_STRING: {
    double d;
    if (t_dbl_parse_all(t_cel_sv(x).ptr, t_cel_sv(x).len, T_DBL_GO, &d) != TALLY_OK)
      return t_cel_error(st, n->offset, "type conversion error from 'string' to 'double'");
    return t_cel_double(d);
  }
  default: BAD();
  }
}

static t_cel_val stdlib__to_string(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  char tmp[T_DBL_FMT_MAX];
  size_t len;
  switch (x.kind) {
  case T_CEL_V_STRING: return x;
  case T_CEL_V_INT: len = t_fmt_i64(tmp, x.u.i); break;
  case T_CEL_V_UINT: len = t_fmt_u64(tmp, x.u.u); break;
  case T_CEL_V_DOUBLE: len = t_dbl_format(x.u.d, &t_dbl_style_go, tmp); break;
  case T_CEL_V_BOOL: len = t_snprintf(tmp, sizeof tmp, "%s", x.u.b ? "true" : "false"); break;
  case T_CEL_V_TIMESTAMP: len = t_time_format(t_cel_tsv(x), tmp); break;
  case T_CEL_V_DURATION: len = t_dur_format(t_cel_durv(x), tmp); break;
  case T_CEL_V_IP:
  case T_CEL_V_CIDR: len = t_cel_net_format(x, tmp); break;
  case T_CEL_V_BYTES:
    if (t_utf8_validate(t_cel_sv(x).ptr, t_cel_sv(x).len) != t_cel_sv(x).len)
      return t_cel_error(st, n->offset, "invalid UTF-8 in bytes, cannot convert to string");
    return t_cel_string(t_cel_sv(x));
  default: BAD();
  }
  return stdlib__str_copy(st, n->offset, T_CEL_V_STRING, tmp, len);
}

static t_cel_val stdlib__to_bool(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  t_cel_val x = a[0];
  if (x.kind == T_CEL_V_BOOL) return x;
  if (x.kind != T_CEL_V_STRING) BAD();
  for (size_t i = 0; i < T_ARRAY_LEN(yes); i++) {
    if (t_str_eq_cstr(t_cel_sv(x), yes[i])) return t_cel_bool(true);
    if (t_str_eq_cstr(t_cel_sv(x), no[i])) return t_cel_bool(false);
  }
  return t_cel_error(st, n->offset, "type conversion error from 'string' to 'bool'");
}

static t_cel_val stdlib__to_timestamp(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  tally_error e;
  e.message[0] = 0;
  t_timestamp ts;
  tally_status s;
  switch (x.kind) {
  case T_CEL_V_TIMESTAMP: return x;
  case T_CEL_V_STRING: s = t_time_parse(t_cel_sv(x).ptr, t_cel_sv(x).len, &ts, &e); break;
  case T_CEL_V_INT: s = t_time_from_unix(x.u.i, 0, &ts, &e); break;
  default: BAD();
  }
  return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_ts(ts);
}

static t_cel_val stdlib__to_duration(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  tally_error e;
  e.message[0] = 0;
  t_duration d;
  switch (x.kind) {
  case T_CEL_V_DURATION: return x;
  case T_CEL_V_STRING: {
    tally_status s = t_dur_parse(t_cel_sv(x).ptr, t_cel_sv(x).len, &d, &e);
    return s ? stdlib__time_result(st, n->offset, s, &e) : t_cel_dur(d);
  }
  default: BAD();
  }
}

/* }====================================================== */

static t_cel_val stdlib__time_get(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  int fn = n->fn;
  if (x.kind == T_CEL_V_DURATION && nargs == 1) {
    switch (fn) {
    case T_FN_GET_HOURS: return t_cel_int(t_dur_hours(t_cel_durv(x)));
    case T_FN_GET_MINUTES: return t_cel_int(t_dur_minutes(t_cel_durv(x)));
    case T_FN_GET_SECONDS: return t_cel_int(t_dur_seconds(t_cel_durv(x)));
    case T_FN_GET_MILLISECONDS: return t_cel_int(t_dur_millis(t_cel_durv(x)));
    default: BAD();
    }
  }
  if (x.kind != T_CEL_V_TIMESTAMP) BAD();
  if (nargs == 2 && a[1].kind != T_CEL_V_STRING) BAD();
  static const t_time_field fields[] = {
    T_TIME_FULL_YEAR, T_TIME_MONTH, T_TIME_DAY_OF_YEAR, T_TIME_DAY_OF_MONTH, T_TIME_DATE,
    T_TIME_DAY_OF_WEEK, T_TIME_HOURS, T_TIME_MINUTES, T_TIME_SECONDS, T_TIME_MILLISECONDS
  };
  tally_error e;
  e.message[0] = 0;
  int64_t out;
  tally_status s = t_time_get(t_cel_tsv(x), fields[fn - T_FN_GET_FULL_YEAR], nargs == 2 ? t_cel_sv(a[1]).ptr : NULL,
                              nargs == 2 ? t_cel_sv(a[1]).len : 0, &out, &e);
  if (s) return stdlib__status_err(st, n->offset, s, &e);
  return t_cel_int(out);
}

/*
** The code points of a string value (valid UTF-8): its bytes less those
** that continue a sequence (10xxxxxx), counted a word at a time.
*/
size_t t_cel_string_size(t_str s) {
  const unsigned char *p = (const unsigned char *)s.ptr;
  size_t n = s.len, cont = 0, i = 0;
  const uint64_t ones = 0x0101010101010101ull;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    t_memcpy(&w, p + i, 8);
    /* bit 7 set and bit 6 clear, moved to bit 0 of each byte; then summed */
    uint64_t c = ((w >> 7) & ~(w >> 6)) & ones;
    cont += (size_t)((c * ones) >> 56);
  }
  for (; i < n; i++) cont += (p[i] & 0xC0) == 0x80;
  return n - cont;
}

static t_cel_val stdlib__size(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  t_cel_val x = a[0];
  switch (x.kind) {
  case T_CEL_V_STRING:
    if (!t_cel_charge(st, t_cel_sv(x).len / 16, n->offset)) return st->fatal;
    return t_cel_int((int64_t)t_cel_string_size(t_cel_sv(x)));
  case T_CEL_V_BYTES: return t_cel_int((int64_t)t_cel_sv(x).len);
  case T_CEL_V_LIST: return t_cel_int((int64_t)x.u.l->len);
  case T_CEL_V_MAP: return t_cel_int((int64_t)x.u.m->len);
  default: BAD();
  }
}

static t_cel_val stdlib__map_insert(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_MAP) BAD();
  if (nargs == 2 && a[1].kind != T_CEL_V_MAP) BAD();
  if (nargs == 3 && !t_cel_key_ok(a[1])) BAD();
  const t_cel_map *src = a[0].u.m;
  size_t add = nargs == 3 ? 1 : a[1].u.m->len;
  if (src->len + add > st->max_list)
    return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "map size limit exceeded (%zu)", st->max_list);
  /*
  ** An accumulator (the compiler checked that it starts as a constant) is
  ** copied once into a map owned by its slot, then grown in place.
  */
  const void *slot = (n->flags & T_CEL_NODE_INPLACE) ? (const void *)&st->locals[n->u.call.accu] : NULL;
  t_cel_map *m;
  if (slot && src->owner == slot) {
    if (!t_cel_charge(st, add, n->offset)) return st->fatal;
    m = (t_cel_map *)src;
  } else {
    if (!t_cel_charge(st, src->len + add, n->offset)) return st->fatal;
    m = t_cel_map_new(st->ar, src->len + add);
    if (!m) return t_cel_nomem(st, n->offset);
    for (size_t i = 0; i < src->len; i++)
      if (t_cel_map_put(st->ar, m, src->keys[i], src->vals[i]) != T_CEL_PUT_OK) return t_cel_nomem(st, n->offset);
    m->owner = slot;
  }
  for (size_t i = 0; i < add; i++) {
    t_cel_val k = nargs == 3 ? a[1] : a[1].u.m->keys[i];
    t_cel_val v = nargs == 3 ? a[2] : a[1].u.m->vals[i];
    t_cel_put p = t_cel_map_put(st->ar, m, k, v);
    if (p == T_CEL_PUT_NOMEM) return t_cel_nomem(st, n->offset);
    if (p == T_CEL_PUT_DUP) {
      char kt[T_DBL_FMT_MAX + 200];
      stdlib__key_text(k, kt, sizeof kt);
      return t_cel_error(st, n->offset, "insert failed: key %s already exists", kt);
    }
  }
  t_cel_val r;
  r.kind = T_CEL_V_MAP;
  r.u.m = m;
  return r;
}

t_cel_val t_cel_call(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (n->fn >= T_CEL_EXT_BASE) return t_cel_ext_call(st, n, a, nargs);
  switch ((t_cel_fn)n->fn) {
  case T_FN_ADD: return stdlib__add(st, n, a, nargs);
  case T_FN_SUB: return stdlib__sub(st, n, a, nargs);
  case T_FN_MUL:
  case T_FN_DIV:
  case T_FN_MOD: return stdlib__muldiv(st, n, a, nargs);
  case T_FN_NEG:
    if (a[0].kind == T_CEL_V_INT) {
      if (a[0].u.i == INT64_MIN) return stdlib__overflow(st, n->offset);
      return t_cel_int(-a[0].u.i);
    }
    if (a[0].kind == T_CEL_V_DOUBLE) return t_cel_double(-a[0].u.d);
    BAD();
  case T_FN_NOT:
    if (a[0].kind != T_CEL_V_BOOL) BAD();
    return t_cel_bool(!a[0].u.b);
  case T_FN_EQ:
  case T_FN_NE: {
    /* Comparing aggregates walks them: charge by size. */
    if (a[0].kind == T_CEL_V_LIST && a[1].kind == T_CEL_V_LIST && !t_cel_charge(st, a[0].u.l->len, n->offset))
      return st->fatal;
    if (a[0].kind == T_CEL_V_MAP && a[1].kind == T_CEL_V_MAP && !t_cel_charge(st, a[0].u.m->len, n->offset))
      return st->fatal;
    if ((a[0].kind == T_CEL_V_STRING || a[0].kind == T_CEL_V_BYTES) && !t_cel_charge(st, t_cel_sv(a[0]).len / 64, n->offset))
      return st->fatal;
    int e = t_cel_equal(a[0], a[1], 0);
    if (e < 0) return t_cel_fail(st, TALLY_ERR_LIMIT, n->offset, "values nest too deeply");
    return t_cel_bool((e == 1) == (n->fn == T_FN_EQ));
  }
  case T_FN_LT:
  case T_FN_LE:
  case T_FN_GT:
  case T_FN_GE: {
    t_cel_order o = t_cel_compare(a[0], a[1]);
    if (o == T_CEL_NO_ORDER) BAD();
    if (o == T_CEL_UNORDERED) return t_cel_bool(false);
    switch (n->fn) {
    case T_FN_LT: return t_cel_bool(o == T_CEL_LT);
    case T_FN_LE: return t_cel_bool(o != T_CEL_GT);
    case T_FN_GT: return t_cel_bool(o == T_CEL_GT);
    default: return t_cel_bool(o != T_CEL_LT);
    }
  }
  case T_FN_INDEX: return stdlib__index(st, n, a, nargs);
  case T_FN_IN: return stdlib__in(st, n, a, nargs);
  case T_FN_SIZE: return stdlib__size(st, n, a, nargs);
  case T_FN_CONTAINS:
  case T_FN_STARTS_WITH:
  case T_FN_ENDS_WITH: return stdlib__strfn(st, n, a, nargs);
  case T_FN_MATCHES:
    if (a[0].kind != T_CEL_V_STRING || a[1].kind != T_CEL_V_STRING) BAD();
    return t_cel_matches(st, n, t_cel_sv(a[0]), t_cel_sv(a[1]));
  case T_FN_INT: return stdlib__to_int(st, n, a, nargs);
  case T_FN_UINT: return stdlib__to_uint(st, n, a, nargs);
  case T_FN_DOUBLE: return stdlib__to_double(st, n, a, nargs);
  case T_FN_STRING: return stdlib__to_string(st, n, a, nargs);
  case T_FN_BYTES:
    if (a[0].kind == T_CEL_V_BYTES) return a[0];
    if (a[0].kind == T_CEL_V_STRING) return t_cel_bytes(t_cel_sv(a[0]));
    BAD();
  case T_FN_BOOL: return stdlib__to_bool(st, n, a, nargs);
  case T_FN_DYN: return a[0];
  case T_FN_TYPE: return t_cel_type(t_cel_type_name_of(a[0]));
  case T_FN_TIMESTAMP: return stdlib__to_timestamp(st, n, a, nargs);
  case T_FN_DURATION: return stdlib__to_duration(st, n, a, nargs);
  case T_FN_GET_FULL_YEAR:
  case T_FN_GET_MONTH:
  case T_FN_GET_DAY_OF_YEAR:
  case T_FN_GET_DAY_OF_MONTH:
  case T_FN_GET_DATE:
  case T_FN_GET_DAY_OF_WEEK:
  case T_FN_GET_HOURS:
  case T_FN_GET_MINUTES:
  case T_FN_GET_SECONDS:
  case T_FN_GET_MILLISECONDS: return stdlib__time_get(st, n, a, nargs);
  case T_FN_MAP_INSERT: return stdlib__map_insert(st, n, a, nargs);
  case T_FN__COUNT: break;
  }
  BAD();
}
