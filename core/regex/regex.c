/*
** regex.c - the public regex API (tally/regex.h): compile, query groups,
** and the three ways to match, each trying the eager DFA when the regex
** has one, else the lazy DFA when the caller gave a cache, and finishing
** with the Pike VM when it must.
*/
#include "regex/prog.h"
#include "regex/unicode.h"
#include "util/error.h"

static uint64_t fingerprint(const char *s, size_t len, unsigned flags) {
  uint64_t h = 14695981039346656037ull ^ flags;
  for (size_t i = 0; i < len; i++) {
    h ^= (uint8_t)s[i];
    h *= 1099511628211ull;
  }
  return h ^ ((uint64_t)len << 32);
}

static bool copy_names(tally_regex *re, const char *src, const t_re_parse_result *res) {
  if (res->names.len == 0) return true;
  size_t total = 0;
  for (size_t i = 0; i < res->names.len; i++) total += res->names.items[i].len;
  re->names = t_alloc(&re->alloc, total);
  re->name_of = t_alloc(&re->alloc, res->names.len * sizeof(t_re_group_name));
  if (!re->names || !re->name_of) return false;
  re->names_len = total;
  re->nnames = res->names.len;
  size_t at = 0;
  for (size_t i = 0; i < res->names.len; i++) {
    t_re_group_name g = res->names.items[i];
    t_memcpy(re->names + at, src + g.offset, g.len);
    re->name_of[i] = (t_re_group_name){g.group, at, g.len};
    at += g.len;
  }
  return true;
}

tally_status tally_regex_compile(const tally_allocator *alloc, const char *pattern, size_t len, unsigned flags,
                                 tally_regex **out, tally_error *err) {
  *out = NULL;
  if (!pattern && len) return t_error_set(err, TALLY_ERR_USAGE, "regex pattern is NULL");
  if (!pattern) pattern = "";
  t_arena ar;
  t_arena_init(&ar, alloc, 4096);
  t_re_parse_result res = {0};
  tally_status st = t_re_parse(alloc, &ar, pattern, len, flags, &res, err);
  tally_regex *re = NULL;
  if (st == TALLY_OK) {
    re = t_calloc(alloc, 1, sizeof *re);
    if (!re) {
      st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory compiling a regular expression");
    } else {
      re->alloc = *alloc;
      re->ngroups = res.ngroups;
      re->fingerprint = fingerprint(pattern, len, flags);
      re->flags = flags;
      re->pattern_len = len;
      re->pattern = len ? t_alloc(alloc, len) : NULL;
      if (len && re->pattern) t_memcpy(re->pattern, pattern, len);
      if (len && !re->pattern) st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory compiling a regular expression");
      else st = t_re_compile(re, res.root, pattern, len, err);
      if (st == TALLY_OK && !copy_names(re, pattern, &res))
        st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory compiling a regular expression");
      if (st == TALLY_OK && !(flags & TALLY_REGEX_LAZY) && t_re_edfa_build(re) != TALLY_OK)
        st = t_error_set(err, TALLY_ERR_NOMEM, "out of memory compiling a regular expression");
    }
  }
  t_arena_free(&ar);
  t_vec_free(alloc, &res.names);
  if (st != TALLY_OK) {
    tally_regex_free(re);
    return st;
  }
  *out = re;
  return TALLY_OK;
}

void tally_regex_free(tally_regex *re) {
  if (!re) return;
  tally_allocator a = re->alloc;
  t_free(&a, re->prog, re->prog_cap * sizeof(t_re_inst));
  t_free(&a, re->ranges, re->ranges_cap * sizeof(uint32_t));
  t_free(&a, re->bounds, re->bounds_cap * sizeof(uint32_t));
  t_free(&a, re->names, re->names_len);
  t_free(&a, re->name_of, re->nnames * sizeof(t_re_group_name));
  t_free(&a, re->pattern, re->pattern_len);
  t_free(&a, re->dfa, re->dfa_len * sizeof(uint32_t));
  t_free(&a, re, sizeof *re);
}

bool tally_regex_uses_cache(const tally_regex *re) {
  return re->dfa == NULL;
}

size_t tally_regex_group_count(const tally_regex *re) {
  return re->ngroups;
}

const char *tally_regex_group_name(const tally_regex *re, size_t i, size_t *len) {
  for (size_t k = 0; k < re->nnames; k++) {
    if (re->name_of[k].group == i) {
      if (len) *len = re->name_of[k].len;
      return re->names + re->name_of[k].offset;
    }
  }
  if (len) *len = 0;
  return NULL;
}

size_t tally_regex_group_index(const tally_regex *re, const char *name, size_t len) {
  for (size_t k = 0; k < re->nnames; k++) {
    const t_re_group_name *g = &re->name_of[k];
    if (g->len == len && (len == 0 || t_memcmp(re->names + g->offset, name, len) == 0)) return g->group;
  }
  return 0;
}

const char *tally_regex_unicode_version(void) {
  return t_re_unicode_version;
}

static tally_status run_bool(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len,
                             t_re_mode mode, bool *matched) {
  *matched = false;
  if (!s) {
    if (len) return TALLY_ERR_USAGE;
    s = "";
  }
  if (re->dfa) {
    *matched = t_re_edfa_run(re, s, len, 0, mode);
    return TALLY_OK;
  }
  if (cache) {
    bool done;
    tally_status st = t_re_dfa(re, cache, s, len, 0, mode, matched, &done);
    if (st != TALLY_OK || done) return st;
  }
  return t_re_pike(re, cache ? t_re_cache_alloc(cache) : &re->alloc, s, len, 0, mode, NULL, 0, matched);
}

tally_status tally_regex_search(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len,
                                bool *matched) {
  return run_bool(re, cache, s, len, T_RE_MODE_SEARCH, matched);
}

tally_status tally_regex_match_full(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len,
                                    bool *matched) {
  return run_bool(re, cache, s, len, T_RE_MODE_FULL, matched);
}

tally_status tally_regex_find(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len, size_t from,
                              tally_regex_span *spans, size_t nspans, bool *matched) {
  *matched = false;
  if (!s) {
    if (len) return TALLY_ERR_USAGE;
    s = "";
  }
  if (from > len) return TALLY_OK;
  const tally_allocator *alloc = cache ? t_re_cache_alloc(cache) : &re->alloc;
  /* The eager DFA's start state assumes the start of text, which only assertions could tell. */
  if (re->dfa && (from == 0 || !re->has_assert)) {
    if (!t_re_edfa_run(re, s, len, from, T_RE_MODE_FIND)) return TALLY_OK;
  } else if (cache) {
    /* Most subjects do not match: the DFA says so without the NFA's cost. */
    bool done, any;
    tally_status st = t_re_dfa(re, cache, s, len, from, T_RE_MODE_FIND, &any, &done);
    if (st != TALLY_OK) return st;
    if (done && !any) return TALLY_OK;
  }
  size_t groups = (size_t)re->ngroups + 1;
  size_t nslots = 2 * (nspans < groups ? (nspans ? nspans : 1) : groups);
  size_t *slots = t_alloc(alloc, nslots * sizeof(size_t));
  if (!slots) return TALLY_ERR_NOMEM;
  tally_status st = t_re_pike(re, alloc, s, len, from, T_RE_MODE_FIND, slots, nslots, matched);
  if (st == TALLY_OK && *matched) {
    for (size_t i = 0; i < nspans; i++) {
      if (2 * i + 1 < nslots && slots[2 * i] != SIZE_MAX && slots[2 * i + 1] != SIZE_MAX) {
        spans[i].start = slots[2 * i];
        spans[i].end = slots[2 * i + 1];
      } else {
        spans[i].start = spans[i].end = SIZE_MAX;
      }
    }
  }
  t_free(alloc, slots, nslots * sizeof(size_t));
  return st;
}
