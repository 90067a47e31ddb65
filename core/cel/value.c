/*
** value.c - CEL values: names of kinds and types, error values, lists and
** insertion-ordered maps, and CEL's equality and ordering, which compare
** numbers across int, uint and double exactly (no lossy int -> double).
*/
#include "cel/value.h"
#include "util/buf.h"
#include "util/double.h"

/* ORDER KIND */
static const char *const value__kind_names[] = {
  "null_type", "bool", "int", "uint", "double", "string", "bytes", "list", "map", "type",
  T_CEL_TYPE_TIMESTAMP, T_CEL_TYPE_DURATION, "optional_type", "error", "net.IP", "net.CIDR"
};

const char *t_cel_kind_name(t_cel_kind k) {
  return (unsigned)k < T_ARRAY_LEN(value__kind_names) ? value__kind_names[k] : "?";
}

const char *t_cel_type_name_of(t_cel_val v) {
  return t_cel_kind_name(v.kind);
}

const char *t_cel_type_lookup(t_str name) {
  for (size_t i = 0; i < T_ARRAY_LEN(value__kind_names); i++)
    if (i != T_CEL_V_ERROR && t_str_eq_cstr(name, value__kind_names[i])) return value__kind_names[i];
  return NULL;
}

t_cel_val t_cel_errorf(t_arena *ar, tally_status code, size_t offset, const char *fmt, ...) {
  static const t_cel_err nomem = {TALLY_ERR_NOMEM, 0, "out of memory"};
  char tmp[TALLY_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t n = t_vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  t_cel_val v;
  v.kind = T_CEL_V_ERROR;
  t_cel_err *e = t_arena_alloc(ar, sizeof *e);
  char *msg = e ? t_arena_strndup(ar, tmp, n) : NULL;
  if (!e || !msg) {
    v.u.err = &nomem;
    return v;
  }
  e->code = code;
  e->offset = offset;
  e->message = msg;
  v.u.err = e;
  return v;
}

/*
** {======================================================
** Lists and maps
** =======================================================
*/

t_cel_list *t_cel_list_new(t_arena *ar, size_t cap) {
  t_cel_list *l = t_arena_alloc(ar, sizeof *l);
  if (!l) return NULL;
  l->len = 0;
  l->cap = cap;
  l->owner = NULL;
  l->items = NULL;
  if (cap) {
    if (cap > SIZE_MAX / sizeof(t_cel_val)) return NULL;
    l->items = t_arena_alloc(ar, cap * sizeof(t_cel_val));
    if (!l->items) return NULL;
  }
  return l;
}

bool t_cel_list_push(t_arena *ar, t_cel_list *l, t_cel_val v) {
  if (l->len == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 4;
    if (ncap > SIZE_MAX / sizeof(t_cel_val)) return false;
    t_cel_val *items = t_arena_alloc(ar, ncap * sizeof(t_cel_val));
    if (!items) return false;
    if (l->len) t_memcpy(items, l->items, l->len * sizeof(t_cel_val));
    l->items = items;
    l->cap = ncap;
  }
  l->items[l->len++] = v;
  return true;
}

t_cel_map *t_cel_map_new(t_arena *ar, size_t cap) {
  t_cel_map *m = t_arena_calloc(ar, sizeof *m);
  if (!m) return NULL;
  if (cap) {
    if (cap > SIZE_MAX / sizeof(t_cel_val)) return NULL;
    m->keys = t_arena_alloc(ar, cap * sizeof(t_cel_val));
    m->vals = t_arena_alloc(ar, cap * sizeof(t_cel_val));
    if (!m->keys || !m->vals) return NULL;
    m->cap = cap;
  }
  return m;
}

/*
** Keys that compare equal must hash equal: 1, 1u (and 1.0 at lookup) all
** hash as the number one, so integers hash by their value.
*/
static uint32_t value__hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

static uint32_t value__hash_str(t_str s) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.ptr[i]) * 16777619u;
  return h;
}

static uint32_t value__hash_key(t_cel_val k) {
  switch (k.kind) {
  case T_CEL_V_INT: return value__hash_u64((uint64_t)k.u.i);
  case T_CEL_V_UINT: return value__hash_u64(k.u.u);
  case T_CEL_V_BOOL: return k.u.b ? 0x9e3779b9u : 0x7f4a7c15u;
  case T_CEL_V_STRING: return value__hash_str(t_cel_sv(k));
  default: return 0;
  }
}

/* Map keys and field names are short: a loop beats a call to memcmp. */
/* Key equality: numbers by value, strings by bytes, bools. */
static bool value__key_eq(t_cel_val a, t_cel_val b) {
  if (a.kind == T_CEL_V_STRING) return b.kind == T_CEL_V_STRING && a.aux == b.aux && t_cel_bytes_eq(a.u.s, b.u.s, a.aux);
  if (a.kind == T_CEL_V_BOOL) return b.kind == T_CEL_V_BOOL && a.u.b == b.u.b;
  if (a.kind == T_CEL_V_INT) {
    if (b.kind == T_CEL_V_INT) return a.u.i == b.u.i;
    if (b.kind == T_CEL_V_UINT) return a.u.i >= 0 && (uint64_t)a.u.i == b.u.u;
    return false;
  }
  if (a.kind == T_CEL_V_UINT) {
    if (b.kind == T_CEL_V_UINT) return a.u.u == b.u.u;
    if (b.kind == T_CEL_V_INT) return b.u.i >= 0 && (uint64_t)b.u.i == a.u.u;
  }
  return false;
}

static bool value__map_reindex(t_arena *ar, t_cel_map *m, size_t need) {
  size_t cap = 16;
  while (cap < need * 2) cap *= 2;
  uint32_t *index = t_arena_calloc(ar, cap * sizeof(uint32_t));
  if (!index) return false;
  for (size_t i = 0; i < m->len; i++) {
    size_t slot = value__hash_key(m->keys[i]) & (cap - 1);
    while (index[slot]) slot = (slot + 1) & (cap - 1);
    index[slot] = (uint32_t)(i + 1);
  }
  m->index = index;
  m->index_cap = cap;
  return true;
}

static const t_cel_val *value__map_find(const t_cel_map *m, t_cel_val key, size_t *at) {
  if (m->index) {
    size_t mask = m->index_cap - 1, slot = value__hash_key(key) & mask;
    for (; m->index[slot]; slot = (slot + 1) & mask) {
      size_t i = m->index[slot] - 1;
      if (value__key_eq(m->keys[i], key)) {
        if (at) *at = i;
        return &m->vals[i];
      }
    }
    return NULL;
  }
  for (size_t i = 0; i < m->len; i++) {
    if (value__key_eq(m->keys[i], key)) {
      if (at) *at = i;
      return &m->vals[i];
    }
  }
  return NULL;
}

t_cel_put t_cel_map_put(t_arena *ar, t_cel_map *m, t_cel_val key, t_cel_val val) {
  if (value__map_find(m, key, NULL)) return T_CEL_PUT_DUP;
  if (m->len == m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 4;
    if (ncap > UINT32_MAX - 1) return T_CEL_PUT_NOMEM;
    t_cel_val *keys = t_arena_alloc(ar, ncap * sizeof(t_cel_val));
    t_cel_val *vals = t_arena_alloc(ar, ncap * sizeof(t_cel_val));
    if (!keys || !vals) return T_CEL_PUT_NOMEM;
    if (m->len) {
      t_memcpy(keys, m->keys, m->len * sizeof(t_cel_val));
      t_memcpy(vals, m->vals, m->len * sizeof(t_cel_val));
    }
    m->keys = keys;
    m->vals = vals;
    m->cap = ncap;
  }
  m->keys[m->len] = key;
  m->vals[m->len] = val;
  m->len++;
  if (m->len >= T_CEL_MAP_INDEX_MIN) {
    if (!m->index || m->len * 2 > m->index_cap) {
      if (!value__map_reindex(ar, m, m->len)) return T_CEL_PUT_NOMEM;
    } else {
      size_t mask = m->index_cap - 1, slot = value__hash_key(key) & mask;
      while (m->index[slot]) slot = (slot + 1) & mask;
      m->index[slot] = (uint32_t)m->len;
    }
  }
  return T_CEL_PUT_OK;
}

const t_cel_val *t_cel_map_get(const t_cel_map *m, t_cel_val key) {
  if (key.kind == T_CEL_V_DOUBLE) {
    /* A double finds an integer key of the same value. */
    int64_t i;
    uint64_t u;
    if (t_cel_double_to_int(key.u.d, &i) && (double)i == key.u.d) return value__map_find(m, t_cel_int(i), NULL);
    if (t_cel_double_to_uint(key.u.d, &u) && (double)u == key.u.d) return value__map_find(m, t_cel_uint(u), NULL);
    return NULL;
  }
  if (!t_cel_key_ok(key)) return NULL;
  return value__map_find(m, key, NULL);
}

/* A field selection (`m.bot`): small maps are scanned comparing strings only. */
const t_cel_val *t_cel_map_get_str(const t_cel_map *m, t_str key) {
  if (m->index) return value__map_find(m, t_cel_string(key), NULL);
  for (size_t i = 0; i < m->len; i++) {
    const t_cel_val *k = &m->keys[i];
    if (k->kind == T_CEL_V_STRING && k->aux == key.len && t_cel_bytes_eq(k->u.s, key.ptr, key.len))
      return &m->vals[i];
  }
  return NULL;
}

/* }====================================================== */

/*
** {======================================================
** Numbers
** =======================================================
*/

#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

bool t_cel_double_to_int(double d, int64_t *out) {
  /* cel-go rejects both ends: -2^63 is an overflow too. NaN fails here. */
  if (!(d > -TWO63 && d < TWO63)) return false;
  *out = (int64_t)d;
  return true;
}

bool t_cel_double_to_uint(double d, uint64_t *out) {
  if (!(d >= 0.0 && d < TWO64)) return false;
  *out = (uint64_t)d;
  return true;
}

/*
** Exact: when d lies in int64's range it is truncated to t; a double beyond
** 2^53 has no fraction, so t == d there, and below 2^53 (double)t is exact.
** One exception keeps cel-go's answer (the conformance suite tests it):
** the double 2^63, just past the range, is compared with the integer
** rounded to a double, so 9223372036854775807 and 9223372036854775808.0
** compare equal; likewise 2^64 for uint.
*/
int t_cel_cmp_int_double(int64_t i, double d) {
  if (d < -TWO63) return 1;
  if (d == TWO63) return (double)i < d ? -1 : 0;
  if (d > TWO63) return -1;
  int64_t t = (int64_t)d;
  if (i < t) return -1;
  if (i > t) return 1;
  double td = (double)t;
  return d > td ? -1 : (d < td ? 1 : 0);
}

int t_cel_cmp_uint_double(uint64_t u, double d) {
  if (d < 0) return 1;
  if (d == TWO64) return (double)u < d ? -1 : 0;
  if (d > TWO64) return -1;
  uint64_t t = (uint64_t)d;
  if (u < t) return -1;
  if (u > t) return 1;
  double td = (double)t;
  return d > td ? -1 : (d < td ? 1 : 0);
}

static int value__cmp_int_uint(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  return (uint64_t)i < u ? -1 : ((uint64_t)i > u ? 1 : 0);
}

static bool value__is_num(t_cel_kind k) {
  return k == T_CEL_V_INT || k == T_CEL_V_UINT || k == T_CEL_V_DOUBLE;
}

static t_cel_order value__cmp_num(t_cel_val a, t_cel_val b) {
  int c;
  switch (a.kind) {
  case T_CEL_V_INT:
    if (b.kind == T_CEL_V_INT) c = a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
    else if (b.kind == T_CEL_V_UINT) c = value__cmp_int_uint(a.u.i, b.u.u);
    else {
      if (t_dbl_is_nan(b.u.d)) return T_CEL_UNORDERED;
      c = t_cel_cmp_int_double(a.u.i, b.u.d);
    }
    break;
  case T_CEL_V_UINT:
    if (b.kind == T_CEL_V_UINT) c = a.u.u < b.u.u ? -1 : a.u.u > b.u.u;
    else if (b.kind == T_CEL_V_INT) c = -value__cmp_int_uint(b.u.i, a.u.u);
    else {
      if (t_dbl_is_nan(b.u.d)) return T_CEL_UNORDERED;
      c = t_cel_cmp_uint_double(a.u.u, b.u.d);
    }
    break;
  default: /* double */
    if (t_dbl_is_nan(a.u.d)) return T_CEL_UNORDERED;
    if (b.kind == T_CEL_V_DOUBLE) {
      if (t_dbl_is_nan(b.u.d)) return T_CEL_UNORDERED;
      c = a.u.d < b.u.d ? -1 : a.u.d > b.u.d;
    } else if (b.kind == T_CEL_V_INT) {
      c = -t_cel_cmp_int_double(b.u.i, a.u.d);
    } else {
      c = -t_cel_cmp_uint_double(b.u.u, a.u.d);
    }
    break;
  }
  return (t_cel_order)c;
}

/* }====================================================== */

t_cel_order t_cel_compare(t_cel_val a, t_cel_val b) {
  if (value__is_num(a.kind) && value__is_num(b.kind)) return value__cmp_num(a, b);
  if (a.kind != b.kind) return T_CEL_NO_ORDER;
  switch (a.kind) {
  case T_CEL_V_BOOL: return (t_cel_order)((int)a.u.b - (int)b.u.b);
  case T_CEL_V_STRING:
  case T_CEL_V_BYTES: return (t_cel_order)t_str_cmp(t_cel_sv(a), t_cel_sv(b));
  case T_CEL_V_TIMESTAMP: return (t_cel_order)t_time_cmp(t_cel_tsv(a), t_cel_tsv(b));
  case T_CEL_V_DURATION: return (t_cel_order)t_dur_cmp(t_cel_durv(a), t_cel_durv(b));
  default: return T_CEL_NO_ORDER;
  }
}

int t_cel_equal(t_cel_val a, t_cel_val b, int depth) {
  if (depth > T_CEL_MAX_VALUE_DEPTH) return -1;
  if (value__is_num(a.kind) && value__is_num(b.kind)) return value__cmp_num(a, b) == T_CEL_EQ;
  if (a.kind != b.kind) return 0;
  switch (a.kind) {
  case T_CEL_V_NULL: return 1;
  case T_CEL_V_BOOL: return a.u.b == b.u.b;
  case T_CEL_V_STRING:
  case T_CEL_V_BYTES: return t_cel_str_eq(t_cel_sv(a), t_cel_sv(b));
  case T_CEL_V_TYPE: return a.u.type == b.u.type || t_str_eq_cstr((t_str){a.u.type, t_strlen(a.u.type)}, b.u.type);
  case T_CEL_V_TIMESTAMP: return t_time_cmp(t_cel_tsv(a), t_cel_tsv(b)) == 0;
  case T_CEL_V_DURATION: return t_dur_cmp(t_cel_durv(a), t_cel_durv(b)) == 0;
  case T_CEL_V_LIST: {
    if (a.u.l->len != b.u.l->len) return 0;
    for (size_t i = 0; i < a.u.l->len; i++) {
      int e = t_cel_equal(a.u.l->items[i], b.u.l->items[i], depth + 1);
      if (e != 1) return e;
    }
    return 1;
  }
  case T_CEL_V_MAP: {
    if (a.u.m->len != b.u.m->len) return 0;
    for (size_t i = 0; i < a.u.m->len; i++) {
      const t_cel_val *bv = t_cel_map_get(b.u.m, a.u.m->keys[i]);
      if (!bv) return 0;
      int e = t_cel_equal(a.u.m->vals[i], *bv, depth + 1);
      if (e != 1) return e;
    }
    return 1;
  }
  case T_CEL_V_OPTIONAL:
    if (!a.u.opt || !b.u.opt) return a.u.opt == b.u.opt;
    return t_cel_equal(*a.u.opt, *b.u.opt, depth + 1);
  case T_CEL_V_IP:
  case T_CEL_V_CIDR: return a.aux == b.aux && t_memcmp(a.u.s, b.u.s, 16) == 0;
  default: return 0;
  }
}
