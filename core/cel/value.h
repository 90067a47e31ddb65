/*
** value.h - CEL runtime values: a small tagged union. Strings, bytes,
** lists and maps point into an arena (the evaluation's, the activation's or
** the program's); errors are values too, so that && || and ?: can absorb
** them, and become a tally_error only at the API edge.
*/
#ifndef TALLY_CEL_VALUE_H
#define TALLY_CEL_VALUE_H

#include "util/base.h"
#include "util/mem.h"
#include "util/buf.h"
#include "time/time.h"

/* ORDER KIND: t_cel_kind_names in value.c follows this enumeration. */
typedef enum t_cel_kind {
  T_CEL_V_NULL,
  T_CEL_V_BOOL,
  T_CEL_V_INT,
  T_CEL_V_UINT,
  T_CEL_V_DOUBLE,
  T_CEL_V_STRING,
  T_CEL_V_BYTES,
  T_CEL_V_LIST,
  T_CEL_V_MAP,
  T_CEL_V_TYPE,
  T_CEL_V_TIMESTAMP,
  T_CEL_V_DURATION,
  T_CEL_V_OPTIONAL,   /* slot kept for the optionals extension */
  T_CEL_V_ERROR,
  T_CEL_V_IP,         /* network extension: u.s -> 16 address bytes, aux = family (4, 6) */
  T_CEL_V_CIDR        /* network extension: as an ip, aux = family | prefix length << 8 */
} t_cel_kind;

typedef struct t_cel_list t_cel_list;
typedef struct t_cel_map t_cel_map;
typedef struct t_cel_err t_cel_err;

/* The public tally_cel_value is this struct (see tally/cel.h). */
typedef struct tally_cel_value t_cel_val;

/*
** 16 bytes, so that values travel in registers: a string's or bytes'
** length and a timestamp's or duration's nanoseconds live in `aux` (a
** string is therefore shorter than 4 GiB: the API and the limits see to
** it), the pointer or seconds in the union.
*/
struct tally_cel_value {
  t_cel_kind kind;
  uint32_t aux;
  union {
    bool b;
    int64_t i;               /* also the seconds of a timestamp or duration */
    uint64_t u;
    double d;
    const char *s;           /* string (valid UTF-8) or bytes; aux bytes */
    t_cel_list *l;
    t_cel_map *m;
    const char *type;        /* a type value: its cel-go name */
    const t_cel_val *opt;    /* NULL when the optional is empty */
    const t_cel_err *err;
  } u;
};

_Static_assert(sizeof(struct tally_cel_value) == 16, "a value is 16 bytes on every target");

/* The longest string or bytes a value holds. */
#define T_CEL_MAX_STR ((size_t)UINT32_MAX)

/*
** A list. `owner` marks a list that a comprehension may append to in place
** (its accumulator): no one else holds it, so growth by doubling is safe.
*/
struct t_cel_list {
  size_t len, cap;
  const void *owner;
  t_cel_val *items;
};

/*
** A map keeps insertion order (typed JSON writes it so). Small maps are
** scanned; from T_CEL_MAP_INDEX_MIN entries an open-addressing index of
** entry numbers (plus one; zero is empty) speeds up lookups.
*/
#define T_CEL_MAP_INDEX_MIN 9

struct t_cel_map {
  size_t len, cap;
  const void *owner;         /* as t_cel_list's: an accumulator's own map */
  t_cel_val *keys;
  t_cel_val *vals;
  uint32_t *index;
  size_t index_cap;          /* a power of two, or 0 */
};

struct t_cel_err {
  tally_status code;         /* TALLY_ERR_EVAL, or TALLY_ERR_LIMIT/NOMEM */
  size_t offset;             /* byte offset in the source */
  const char *message;
};

/* Type names, as cel-go spells them. */
#define T_CEL_TYPE_TIMESTAMP "google.protobuf.Timestamp"
#define T_CEL_TYPE_DURATION "google.protobuf.Duration"

static inline t_cel_val t_cel_null(void) { t_cel_val v; v.kind = T_CEL_V_NULL; v.aux = 0; v.u.i = 0; return v; }
static inline t_cel_val t_cel_bool(bool b) { t_cel_val v; v.kind = T_CEL_V_BOOL; v.aux = 0; v.u.i = 0; v.u.b = b; return v; }
static inline t_cel_val t_cel_int(int64_t i) { t_cel_val v; v.kind = T_CEL_V_INT; v.aux = 0; v.u.i = i; return v; }
static inline t_cel_val t_cel_uint(uint64_t u) { t_cel_val v; v.kind = T_CEL_V_UINT; v.aux = 0; v.u.u = u; return v; }
static inline t_cel_val t_cel_double(double d) { t_cel_val v; v.kind = T_CEL_V_DOUBLE; v.aux = 0; v.u.d = d; return v; }
/* s.len must not exceed T_CEL_MAX_STR. */
static inline t_cel_val t_cel_string(t_str s) { t_cel_val v; v.kind = T_CEL_V_STRING; v.aux = (uint32_t)s.len; v.u.s = s.ptr; return v; }
static inline t_cel_val t_cel_bytes(t_str s) { t_cel_val v; v.kind = T_CEL_V_BYTES; v.aux = (uint32_t)s.len; v.u.s = s.ptr; return v; }
static inline t_cel_val t_cel_type(const char *name) { t_cel_val v; v.kind = T_CEL_V_TYPE; v.aux = 0; v.u.type = name; return v; }
static inline t_cel_val t_cel_ts(t_timestamp ts) {
  t_cel_val v; v.kind = T_CEL_V_TIMESTAMP; v.aux = (uint32_t)ts.nsec; v.u.i = ts.sec; return v;
}
static inline t_cel_val t_cel_dur(t_duration d) {
  t_cel_val v; v.kind = T_CEL_V_DURATION; v.aux = (uint32_t)d.nsec; v.u.i = d.sec; return v;
}
static inline t_str t_cel_sv(t_cel_val v) { t_str s = {v.u.s, v.aux}; return s; }
static inline t_timestamp t_cel_tsv(t_cel_val v) { t_timestamp t = {v.u.i, (int32_t)v.aux}; return t; }
static inline t_duration t_cel_durv(t_cel_val v) { t_duration d = {v.u.i, (int32_t)v.aux}; return d; }
/*
** Keys, field and variable names are short: up to 16 bytes are compared
** as two overlapping words (or half-words), with no library call or loop.
*/
static inline bool t_cel_bytes_eq(const char *a, const char *b, size_t n) {
  if (n >= 8) {
    if (n > 16) return t_memcmp(a, b, n) == 0;
    uint64_t x0, y0, x1, y1;
    t_memcpy(&x0, a, 8);
    t_memcpy(&y0, b, 8);
    t_memcpy(&x1, a + n - 8, 8);
    t_memcpy(&y1, b + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n >= 4) {
    uint32_t x0, y0, x1, y1;
    t_memcpy(&x0, a, 4);
    t_memcpy(&y0, b, 4);
    t_memcpy(&x1, a + n - 4, 4);
    t_memcpy(&y1, b + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return false;
  return true;
}

static inline bool t_cel_str_eq(t_str a, t_str b) { return a.len == b.len && t_cel_bytes_eq(a.ptr, b.ptr, a.len); }

/*
** Whether hay contains needle: eight positions at a time are skipped when
** none holds the needle's first byte (the bytes equal to it become zero,
** and the classic zero-byte test sees whether any is), the others
** compared one by one.
*/
static inline bool t_cel_str_contains(t_str hay, t_str needle) {
  if (needle.len == 0) return true;
  if (needle.len > hay.len) return false;
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  unsigned char c0 = (unsigned char)needle.ptr[0];
  size_t last = hay.len - needle.len, i = 0;
  while (i <= last) {
    if (last - i >= 7) {
      uint64_t w;
      t_memcpy(&w, hay.ptr + i, 8);
      w ^= ones * c0;
      if (((w - ones) & ~w & highs) == 0) {
        i += 8;
        continue;
      }
    }
    if ((unsigned char)hay.ptr[i] == c0 && t_cel_bytes_eq(hay.ptr + i + 1, needle.ptr + 1, needle.len - 1)) return true;
    i++;
  }
  return false;
}

static inline bool t_cel_str_starts(t_str s, t_str p) { return p.len <= s.len && t_cel_bytes_eq(s.ptr, p.ptr, p.len); }
static inline bool t_cel_str_ends(t_str s, t_str p) {
  return p.len <= s.len && t_cel_bytes_eq(s.ptr + s.len - p.len, p.ptr, p.len);
}

static inline bool t_cel_is_error(t_cel_val v) { return v.kind == T_CEL_V_ERROR; }

/* The kind's name for messages ("int", "list", "google.protobuf.Timestamp"). */
TALLY_INTERNAL const char *t_cel_kind_name(t_cel_kind k);
/* The cel-go type name of a value's type (type(v)). */
TALLY_INTERNAL const char *t_cel_type_name_of(t_cel_val v);
/* The static type value named `name` ("int", "list", ...), or NULL. */
TALLY_INTERNAL const char *t_cel_type_lookup(t_str name);

/* An error value whose message is formatted into the arena. */
TALLY_INTERNAL t_cel_val t_cel_errorf(t_arena *ar, tally_status code, size_t offset, const char *fmt, ...);

/* ** {====== Lists and maps (allocated in an arena) */

TALLY_INTERNAL t_cel_list *t_cel_list_new(t_arena *ar, size_t cap);
/* Appends, growing by doubling; false when out of memory. */
TALLY_INTERNAL bool t_cel_list_push(t_arena *ar, t_cel_list *l, t_cel_val v);

TALLY_INTERNAL t_cel_map *t_cel_map_new(t_arena *ar, size_t cap);

/* Whether a value may be a map key (int, uint, bool, string). */
static inline bool t_cel_key_ok(t_cel_val k) {
  return k.kind == T_CEL_V_INT || k.kind == T_CEL_V_UINT || k.kind == T_CEL_V_BOOL || k.kind == T_CEL_V_STRING;
}

typedef enum t_cel_put {
  T_CEL_PUT_OK,
  T_CEL_PUT_DUP,     /* the key was present (the value is left as it was) */
  T_CEL_PUT_NOMEM
} t_cel_put;

/* Inserts key (which must satisfy t_cel_key_ok). */
TALLY_INTERNAL t_cel_put t_cel_map_put(t_arena *ar, t_cel_map *m, t_cel_val key, t_cel_val val);
/* Finds key, numeric kinds compared by value (1, 1u and 1.0 are one key). */
TALLY_INTERNAL const t_cel_val *t_cel_map_get(const t_cel_map *m, t_cel_val key);
TALLY_INTERNAL const t_cel_val *t_cel_map_get_str(const t_cel_map *m, t_str key);

/* }====== */

/* ** {====== Equality and ordering */

#define T_CEL_MAX_VALUE_DEPTH 128

/*
** CEL equality: numbers compare across int, uint and double by value;
** other different kinds are unequal. Returns 1 (equal), 0 (not), or -1 when
** values nest deeper than T_CEL_MAX_VALUE_DEPTH.
*/
TALLY_INTERNAL int t_cel_equal(t_cel_val a, t_cel_val b, int depth);

typedef enum t_cel_order {
  T_CEL_LT = -1,
  T_CEL_EQ = 0,
  T_CEL_GT = 1,
  T_CEL_UNORDERED = 2,   /* a NaN is involved */
  T_CEL_NO_ORDER = 3     /* the kinds have no ordering overload */
} t_cel_order;

TALLY_INTERNAL t_cel_order t_cel_compare(t_cel_val a, t_cel_val b);

/* Exact comparisons between numeric kinds. */
TALLY_INTERNAL int t_cel_cmp_int_double(int64_t i, double d);   /* d not NaN */
TALLY_INTERNAL int t_cel_cmp_uint_double(uint64_t u, double d); /* d not NaN */

/* double -> integer conversions with exact range checks; false when out of range or NaN. */
TALLY_INTERNAL bool t_cel_double_to_int(double d, int64_t *out);
TALLY_INTERNAL bool t_cel_double_to_uint(double d, uint64_t *out);

/* }====== */

#endif
