/*
** regex_driver.c - the native side of the differential regex test
** (tests/js/regex-diff.test.mjs). Reads JSON Lines on stdin:
**   {"pattern": "...", "input": "...", "mode": "search"|"full"|"find"}
** (mode optional, default search) and writes one line per input:
**   {"match":true}  or  {"match":false}  or  {"error":"parse","message":"..."}
** In find mode a match also gives "span":[start,end] in bytes and
** "groups":[[start,end] or null, ...] for groups 1..15.
** Three matchers run: the regex as compiled (its DFA built at compile time
** when small), the lazy DFA with a cache (TALLY_REGEX_LAZY) and the NFA
** alone (the lazy regex without a cache); a disagreement between them is
** reported as {"error":"internal",...}.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "tally/regex.h"

static void *alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, char c) {
  if (b->len + 1 >= b->cap) {
    b->cap = b->cap ? 2 * b->cap : 256;
    b->p = realloc(b->p, b->cap);
    if (!b->p) exit(2);
  }
  b->p[b->len++] = c;
}

static void sb_utf8(sbuf *b, unsigned long c) {
  if (c < 0x80) sb_put(b, (char)c);
  else if (c < 0x800) {
    sb_put(b, (char)(0xC0 | (c >> 6)));
    sb_put(b, (char)(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    sb_put(b, (char)(0xE0 | (c >> 12)));
    sb_put(b, (char)(0x80 | ((c >> 6) & 0x3F)));
    sb_put(b, (char)(0x80 | (c & 0x3F)));
  } else {
    sb_put(b, (char)(0xF0 | (c >> 18)));
    sb_put(b, (char)(0x80 | ((c >> 12) & 0x3F)));
    sb_put(b, (char)(0x80 | ((c >> 6) & 0x3F)));
    sb_put(b, (char)(0x80 | (c & 0x3F)));
  }
}

static int hex4(const char *s, unsigned long *v) {
  *v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return 0;
    *v = *v * 16 + (unsigned long)d;
  }
  return 1;
}

/* The string value of "key" in a flat JSON object line; 0 when absent. */
static int json_get(const char *line, const char *key, sbuf *out) {
  out->len = 0;
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = line;
  for (;;) {
    p = strstr(p, pat);
    if (!p) return 0;
    const char *q = p + strlen(pat);
    while (*q == ' ') q++;
    if (*q == ':') {
      p = q + 1;
      break;
    }
    p = q;
  }
  while (*p == ' ') p++;
  if (*p != '"') return 0;
  p++;
  while (*p && *p != '"') {
    if (*p != '\\') {
      sb_put(out, *p++);
      continue;
    }
    p++;
    switch (*p) {
    case 'n': sb_put(out, '\n'); p++; break;
    case 't': sb_put(out, '\t'); p++; break;
    case 'r': sb_put(out, '\r'); p++; break;
    case 'b': sb_put(out, '\b'); p++; break;
    case 'f': sb_put(out, '\f'); p++; break;
    case 'u': {
      unsigned long v, lo;
      if (!hex4(p + 1, &v)) return 0;
      p += 5;
      if (v >= 0xD800 && v < 0xDC00 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
      sb_utf8(out, v);
      break;
    }
    default: sb_put(out, *p++); break;
    }
  }
  return 1;
}

static void json_escape(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
}

int main(void) {
  tally_allocator alloc = {alloc_fn, NULL};
  tally_regex_cache *cache;
  if (tally_regex_cache_new(&alloc, 0, &cache) != TALLY_OK) return 2;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  sbuf pat = {0}, in = {0}, mode = {0};
  while ((n = getline(&line, &cap, stdin)) > 0) {
    if (!json_get(line, "pattern", &pat) || !json_get(line, "input", &in)) {
      printf("{\"error\":\"input\",\"message\":\"bad line\"}\n");
      continue;
    }
    if (!json_get(line, "mode", &mode)) mode.len = 0;
    tally_regex *re;
    tally_error err;
    tally_status st = tally_regex_compile(&alloc, pat.p ? pat.p : "", pat.len, 0, &re, &err);
    if (st != TALLY_OK) {
      printf("{\"error\":\"%s\",\"offset\":%zu,\"message\":\"", tally_status_kind(st), err.offset);
      json_escape(err.message);
      printf("\"}\n");
      continue;
    }
    tally_regex *lazy;
    if (tally_regex_compile(&alloc, pat.p ? pat.p : "", pat.len, TALLY_REGEX_LAZY, &lazy, &err) != TALLY_OK) {
      printf("{\"error\":\"internal\",\"message\":\"compiles only without TALLY_REGEX_LAZY\"}\n");
      tally_regex_free(re);
      continue;
    }
    const char *s = in.p ? in.p : "";
    bool m1 = false, m2 = false, m4 = false;
    tally_status s1, s2, s4;
    if (mode.len == 4 && memcmp(mode.p, "full", 4) == 0) {
      s1 = tally_regex_match_full(re, cache, s, in.len, &m1);
      s2 = tally_regex_match_full(lazy, NULL, s, in.len, &m2);
      s4 = tally_regex_match_full(lazy, cache, s, in.len, &m4);
    } else {
      s1 = tally_regex_search(re, cache, s, in.len, &m1);
      s2 = tally_regex_search(lazy, NULL, s, in.len, &m2);
      s4 = tally_regex_search(lazy, cache, s, in.len, &m4);
    }
    tally_regex_span sp[16];
    size_t nsp = tally_regex_group_count(re) + 1;
    if (nsp > 16) nsp = 16;
    bool m3 = false;
    tally_status s3 = tally_regex_find(re, cache, s, in.len, 0, sp, nsp, &m3);
    if (s1 != TALLY_OK || s2 != TALLY_OK || s3 != TALLY_OK || s4 != TALLY_OK) {
      tally_status bad = s1 != TALLY_OK ? s1 : s2 != TALLY_OK ? s2 : s3 != TALLY_OK ? s3 : s4;
      printf("{\"error\":\"%s\"}\n", tally_status_kind(bad));
    } else if (m1 != m2 || m1 != m4 || (mode.len != 4 && m1 != m3)) {
      printf("{\"error\":\"internal\",\"message\":\"dfa %d nfa %d lazy %d find %d\"}\n", m1, m2, m4, m3);
    } else if (m1 && mode.len == 4 && memcmp(mode.p, "find", 4) == 0) {
      printf("{\"match\":true,\"span\":[%zu,%zu],\"groups\":[", sp[0].start, sp[0].end);
      for (size_t i = 1; i < nsp; i++) {
        if (sp[i].start == SIZE_MAX) printf("%snull", i > 1 ? "," : "");
        else printf("%s[%zu,%zu]", i > 1 ? "," : "", sp[i].start, sp[i].end);
      }
      printf("]}\n");
    } else {
      printf("{\"match\":%s}\n", m1 ? "true" : "false");
    }
    fflush(stdout);
    tally_regex_free(lazy);
    tally_regex_free(re);
  }
  free(line);
  free(pat.p);
  free(in.p);
  free(mode.p);
  tally_regex_cache_free(cache);
  return 0;
}
