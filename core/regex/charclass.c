/*
** charclass.c - character classes as sorted range lists: building,
** merging, complement, and closure under Unicode simple case folding.
*/
#include "regex/prog.h"
#include "regex/unicode.h"
#include "util/utf8.h"

bool t_re_cc_add(const tally_allocator *a, t_re_cc *cc, uint32_t lo, uint32_t hi) {
  if (!t_vec_reserve(a, cc, 2)) return false;
  cc->items[cc->len++] = lo;
  cc->items[cc->len++] = hi;
  return true;
}

bool t_re_cc_add_list(const tally_allocator *a, t_re_cc *cc, const uint32_t *ranges, size_t n) {
  if (!t_vec_reserve(a, cc, 2 * n)) return false;
  for (size_t i = 0; i < 2 * n; i++) cc->items[cc->len++] = ranges[i];
  return true;
}

/* Heapsort: classes can have thousands of ranges, and the core avoids recursion. */
static void sift_pairs(uint32_t *v, size_t start, size_t end) {
  size_t root = start;
  while (2 * root + 1 < end) {
    size_t child = 2 * root + 1;
    if (child + 1 < end && v[2 * (child + 1)] > v[2 * child]) child++;
    if (v[2 * root] >= v[2 * child]) return;
    uint32_t lo = v[2 * root], hi = v[2 * root + 1];
    v[2 * root] = v[2 * child];
    v[2 * root + 1] = v[2 * child + 1];
    v[2 * child] = lo;
    v[2 * child + 1] = hi;
    root = child;
  }
}

static void sort_pairs(uint32_t *v, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift_pairs(v, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    uint32_t lo = v[0], hi = v[1];
    v[0] = v[2 * end];
    v[1] = v[2 * end + 1];
    v[2 * end] = lo;
    v[2 * end + 1] = hi;
    sift_pairs(v, 0, end);
  }
}

static void sift_u32(uint32_t *v, size_t start, size_t end) {
  size_t root = start;
  while (2 * root + 1 < end) {
    size_t child = 2 * root + 1;
    if (child + 1 < end && v[child + 1] > v[child]) child++;
    if (v[root] >= v[child]) return;
    uint32_t t = v[root];
    v[root] = v[child];
    v[child] = t;
    root = child;
  }
}

void t_re_sort_u32(uint32_t *v, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift_u32(v, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    uint32_t t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift_u32(v, 0, end);
  }
}

void t_re_cc_normalize(t_re_cc *cc) {
  size_t n = cc->len / 2;
  if (n < 2) return;
  uint32_t *v = cc->items;
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = v[2 * i] > v[2 * i - 1];
  if (sorted) {
    /* already sorted and disjoint; may still be adjacent */
  } else {
    sort_pairs(v, n);
  }
  size_t w = 0;
  for (size_t i = 1; i < n; i++) {
    uint32_t lo = v[2 * i], hi = v[2 * i + 1];
    if (lo <= v[2 * w + 1] + 1) {
      if (hi > v[2 * w + 1]) v[2 * w + 1] = hi;
    } else {
      w++;
      v[2 * w] = lo;
      v[2 * w + 1] = hi;
    }
  }
  cc->len = 2 * (w + 1);
}

bool t_re_cc_negate(const tally_allocator *a, t_re_cc *cc) {
  size_t n = cc->len / 2;
  /* The complement has at most n + 1 ranges. */
  if (!t_vec_reserve(a, cc, 2)) return false;
  uint32_t *v = cc->items;
  uint32_t next = 0;
  size_t w = 0;
  /* In place: range i of the result ends just before input range i starts. */
  for (size_t i = 0; i < n; i++) {
    uint32_t lo = v[2 * i], hi = v[2 * i + 1];
    if (lo > next) {
      v[2 * w] = next;
      v[2 * w + 1] = lo - 1;
      w++;
    }
    next = hi + 1;
  }
  if (next <= T_RE_MAX_RUNE) {
    v[2 * w] = next;
    v[2 * w + 1] = T_RE_MAX_RUNE;
    w++;
  }
  cc->len = 2 * w;
  return true;
}

/* First orbit entry with code point >= c. */
static size_t orbit_lower_bound(uint32_t c) {
  size_t lo = 0, hi = t_re_fold_orbit_len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t_re_fold_orbit[mid][0] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

uint32_t t_re_fold_next(uint32_t c) {
  size_t i = orbit_lower_bound(c);
  if (i < t_re_fold_orbit_len && t_re_fold_orbit[i][0] == c) return t_re_fold_orbit[i][1];
  return c;
}

bool t_re_cc_fold(const tally_allocator *a, t_re_cc *cc) {
  t_re_cc_normalize(cc);
  size_t n = cc->len / 2;
  for (size_t r = 0; r < n; r++) {
    uint32_t lo = cc->items[2 * r], hi = cc->items[2 * r + 1];
    for (size_t i = orbit_lower_bound(lo); i < t_re_fold_orbit_len && t_re_fold_orbit[i][0] <= hi; i++) {
      /* Walk the orbit: members outside [lo, hi] are the ones to add. */
      uint32_t start = t_re_fold_orbit[i][0];
      for (uint32_t c = t_re_fold_orbit[i][1]; c != start; c = t_re_fold_next(c)) {
        if ((c < lo || c > hi) && !t_re_cc_add(a, cc, c, c)) return false;
      }
    }
  }
  t_re_cc_normalize(cc);
  return true;
}

bool t_re_ranges_has(const uint32_t *r, size_t n, uint32_t c) {
  if (n <= 8) {
    for (size_t i = 0; i < n; i++) {
      if (c < r[2 * i]) return false;
      if (c <= r[2 * i + 1]) return true;
    }
    return false;
  }
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c < r[2 * mid]) hi = mid;
    else if (c > r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

uint32_t t_re_decode(const char *s, size_t len, size_t i, size_t *width) {
  uint8_t b = (uint8_t)s[i];
  if (b < 0x80) {
    *width = 1;
    return b;
  }
  uint32_t c;
  size_t w = 0;
  /* Inline the common well-formed cases; the shared decoder handles the rest. */
  if (b >= 0xC2 && b <= 0xDF && i + 1 < len && ((uint8_t)s[i + 1] & 0xC0) == 0x80) {
    *width = 2;
    return ((uint32_t)(b & 0x1F) << 6) | ((uint8_t)s[i + 1] & 0x3F);
  }
  w = t_utf8_decode(s + i, len - i, &c);
  if (w == 0) {
    *width = 1;
    return 0xFFFD;
  }
  *width = w;
  return c;
}
