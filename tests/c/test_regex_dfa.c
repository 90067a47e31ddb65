/*
** test_regex_dfa.c - the eager DFA (core/regex/edfa.c) against the lazy
** DFA and the Pike VM: random patterns over a small alphabet with every
** construct the DFAs treat specially (^ $ \A \z \b \B, (?m) (?s) (?i),
** UTF-8 and invalid bytes, empty-width loops), random subjects, and every
** boolean entry point (search, full match, find's "is there a match").
** Then the size bound: a pattern just within it gets an eager DFA, one
** beyond falls back to the lazy DFA and still answers right.
*/
#include "check.h"
#include "tally/regex.h"
#include "regex/prog.h"

static check_alloc counts;
static tally_allocator A;
static tally_regex_cache *cache;

static uint32_t seed = 0x2545f491u;

static uint32_t rnd(uint32_t n) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed % n;
}

typedef struct buf {
  char s[512];
  size_t len;
} buf;

static void put(buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n < sizeof b->s) {
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
  }
}

/* A random pattern of about `depth` levels. */
static void gen(buf *b, int depth) {
  static const char *const atoms[] = {"a", "b", "c", "A", "\\n", "_", " ", "é", "1", ".", "[a-c]", "[^a]", "\\w",
                                      "\\W", "\\d", "\\s", "\\pL", "[é-ü]", "(?i:b)", "^", "$", "\\A", "\\z", "\\b",
                                      "\\B", "(?m:^)", "(?m:$)", "(?s:.)", "\\x{FFFD}", "[^\\n]"};
  uint32_t r = rnd(depth > 0 ? 10 : 4);
  if (r < 4 || depth <= 0) {
    put(b, atoms[rnd(T_ARRAY_LEN(atoms))]);
  } else if (r < 6) {
    gen(b, depth - 1);
    gen(b, depth - 1);
  } else if (r < 7) {
    put(b, rnd(2) ? "(" : "(?:");
    gen(b, depth - 1);
    put(b, "|");
    gen(b, depth - 1);
    put(b, ")");
  } else {
    static const char *const reps[] = {"*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,2}", "{2,}"};
    put(b, "(?:");
    gen(b, depth - 1);
    put(b, ")");
    put(b, reps[rnd(T_ARRAY_LEN(reps))]);
  }
}

static size_t subject(char *s, size_t cap) {
  static const char *const pieces[] = {"a", "b", "c", "A", "\n", "_", " ", "é", "ü", "1", "\xff", "\xc3", "B"};
  size_t n = 0, want = rnd(12);
  for (size_t i = 0; i < want; i++) {
    const char *p = pieces[rnd(T_ARRAY_LEN(pieces))];
    size_t k = strlen(p);
    if (n + k >= cap) break;
    memcpy(s + n, p, k);
    n += k;
  }
  s[n] = 0;
  return n;
}

static int eager_patterns, mismatches;

/* One pattern under one flag set against several subjects: eager, lazy and NFA must agree. */
static void compare(const char *pat, size_t plen, unsigned flags) {
  tally_regex *eager, *lazy;
  if (tally_regex_compile(&A, pat, plen, flags, &eager, NULL) != TALLY_OK) return;
  CHECK(tally_regex_compile(&A, pat, plen, flags | TALLY_REGEX_LAZY, &lazy, NULL) == TALLY_OK);
  CHECK(tally_regex_uses_cache(lazy));
  if (!tally_regex_uses_cache(eager)) eager_patterns++;
  for (int k = 0; k < 12; k++) {
    char s[64];
    size_t n = subject(s, sizeof s);
    bool e, d, p;
    CHECK(tally_regex_search(eager, NULL, s, n, &e) == TALLY_OK);
    CHECK(tally_regex_search(lazy, cache, s, n, &d) == TALLY_OK);
    CHECK(tally_regex_search(lazy, NULL, s, n, &p) == TALLY_OK);
    bool ok = e == d && e == p;
    bool fe, fd, fp;
    CHECK(tally_regex_match_full(eager, NULL, s, n, &fe) == TALLY_OK);
    CHECK(tally_regex_match_full(lazy, cache, s, n, &fd) == TALLY_OK);
    CHECK(tally_regex_match_full(lazy, NULL, s, n, &fp) == TALLY_OK);
    ok = ok && fe == fd && fe == fp;
    /* find: from 0 (the eager DFA decides) and from inside (it decides when there are no assertions) */
    for (size_t from = 0; from <= n; from += 1 + n / 3) {
      tally_regex_span se[2] = {{0, 0}, {0, 0}}, sp[2] = {{0, 0}, {0, 0}};
      bool me, mp;
      CHECK(tally_regex_find(eager, NULL, s, n, from, se, 2, &me) == TALLY_OK);
      CHECK(tally_regex_find(lazy, NULL, s, n, from, sp, 2, &mp) == TALLY_OK);
      ok = ok && me == mp && (!me || memcmp(se, sp, sizeof se) == 0);
    }
    if (!ok && mismatches++ < 10)
      fprintf(stderr, "  /%.*s/ flags %u on \"%s\": search eager %d lazy %d nfa %d, full %d %d %d\n", (int)plen, pat,
              flags, s, e, d, p, fe, fd, fp);
    CHECK(ok);
  }
  tally_regex_free(eager);
  tally_regex_free(lazy);
}

static void test_random(void) {
  static const unsigned flag_sets[] = {0, TALLY_REGEX_CASELESS, TALLY_REGEX_MULTILINE, TALLY_REGEX_DOTALL,
                                       TALLY_REGEX_MULTILINE | TALLY_REGEX_DOTALL | TALLY_REGEX_UNGREEDY};
  for (int i = 0; i < 3000; i++) {
    buf b = {{0}, 0};
    gen(&b, 1 + (int)rnd(5));
    compare(b.s, b.len, flag_sets[rnd(T_ARRAY_LEN(flag_sets))]);
  }
  /* Most random patterns are small enough: the comparison is not vacuous. */
  CHECK(eager_patterns > 2000);
}

/* Patterns from sign-up rules, and the constructs the eager DFA handles specially. */
static void test_known(void) {
  static const char *const pats[] = {
      "^[a-z.]+[0-9]{2,}@(gmail|yahoo|outlook)\\.com$", "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
      "@(mailinator|tempmail|yopmail)\\.(com|net)$", "\\btest\\b", "\\Btest", "(?m)^b$", "(?s)a.b", "a.b",
      "^$", "", "\\A\\z", "(?m)$\\n^", "x*", "(?i)straße", "\\pL+\\d", "[^a]+$", "\\b", "\\B", "^\\b", "$\\b"};
  static const char *const subjects[] = {
      "zoe12@gmail.com", "ravi@yahoo.com", "john.doe99@outlook.com", "x@mailinator.com", "a test here",
      "atest", "a\nb\nc", "a\nb", "", "straSSe", "é1", "\xff\xfe", "contest", "b\n", "\n"};
  for (size_t i = 0; i < T_ARRAY_LEN(pats); i++) {
    tally_regex *eager, *lazy;
    CHECK(tally_regex_compile(&A, pats[i], strlen(pats[i]), 0, &eager, NULL) == TALLY_OK);
    CHECK(tally_regex_compile(&A, pats[i], strlen(pats[i]), TALLY_REGEX_LAZY, &lazy, NULL) == TALLY_OK);
    CHECK(!tally_regex_uses_cache(eager));
    for (size_t j = 0; j < T_ARRAY_LEN(subjects); j++) {
      size_t n = strlen(subjects[j]);
      bool e, p, fe, fp;
      CHECK(tally_regex_search(eager, NULL, subjects[j], n, &e) == TALLY_OK);
      CHECK(tally_regex_search(lazy, NULL, subjects[j], n, &p) == TALLY_OK);
      CHECK(tally_regex_match_full(eager, NULL, subjects[j], n, &fe) == TALLY_OK);
      CHECK(tally_regex_match_full(lazy, NULL, subjects[j], n, &fp) == TALLY_OK);
      if (e != p || fe != fp) fprintf(stderr, "  /%s/ on \"%s\": %d/%d %d/%d\n", pats[i], subjects[j], e, p, fe, fp);
      CHECK(e == p && fe == fp);
    }
    tally_regex_free(eager);
    tally_regex_free(lazy);
  }
}

/*
** (a|b)*a(a|b){k} needs 2^(k+1) states for a search and as many anchored
** ones for a full match: k = 5 fits the bound (131 states), k = 6 does not
** and must fall back to the lazy DFA.
*/
static void test_bound(void) {
  for (int k = 5; k <= 8; k++) {
    char pat[32];
    snprintf(pat, sizeof pat, "(a|b)*a(a|b){%d}", k);
    tally_regex *re;
    CHECK(tally_regex_compile(&A, pat, strlen(pat), 0, &re, NULL) == TALLY_OK);
    bool eager = !tally_regex_uses_cache(re);
    if (eager) {
      CHECK(re->dfa_states <= TALLY_REGEX_EAGER_STATES);
      CHECK(re->dfa_len * sizeof(uint32_t) <= TALLY_REGEX_EAGER_BYTES);
    }
    CHECK(eager == (k <= 5));
    char s[300];
    for (int t = 0; t < 50; t++) {
      size_t n = rnd(sizeof s - 1);
      for (size_t i = 0; i < n; i++) s[i] = rnd(2) ? 'a' : 'b';
      bool m1, m2, m3;
      CHECK(tally_regex_search(re, cache, s, n, &m1) == TALLY_OK);
      CHECK(tally_regex_search(re, NULL, s, n, &m2) == TALLY_OK);
      /* the answer, directly: an 'a' k + 1 characters before the end */
      m3 = n >= (size_t)k + 1 && memchr(s, 'a', n - (size_t)k) != NULL;
      CHECK(m1 == m3 && m2 == m3);
    }
    tally_regex_free(re);
  }
  /*
  ** Few states, but each walks a chain of 999 assertions: the construction's
  ** work budget stops it (compile time stays bounded), the lazy DFA serves.
  */
  {
    const char *pat = "(?:a|b)*a(?:a|b){5}(?:\\B){999}c";
    tally_regex *slow;
    CHECK(tally_regex_compile(&A, pat, strlen(pat), 0, &slow, NULL) == TALLY_OK);
    CHECK(tally_regex_uses_cache(slow));
    bool m1, m2;
    CHECK(tally_regex_search(slow, cache, "bbabbbbbc", 9, &m1) == TALLY_OK && m1);
    CHECK(tally_regex_search(slow, NULL, "bbabbbbb c", 10, &m2) == TALLY_OK && !m2);
    tally_regex_free(slow);
  }
  /* Many classes (1549): rows are large, so the byte bound decides before the state bound. */
  tally_regex *re;
  CHECK(tally_regex_compile(&A, "\\pL\\pN\\pL\\pN\\pL\\pN\\pL\\pN", 24, 0, &re, NULL) == TALLY_OK);
  CHECK(tally_regex_uses_cache(re));
  bool m;
  CHECK(tally_regex_search(re, cache, "x\xc3\xa9" "1a2b3c4", 10, &m) == TALLY_OK && m);
  tally_regex_free(re);
}

/* Every allocation of the eager construction may fail: NOMEM, never a leak. */
static void test_out_of_memory(void) {
  const char *pat = "^[a-z.]+[0-9]{2,}@(gmail|yahoo|outlook)\\.com$";
  for (size_t k = 1; k < 100; k++) {
    check_alloc c = {0};
    tally_allocator fa = check_allocator(&c);
    c.fail_at = k;
    tally_regex *re = NULL;
    tally_status st = tally_regex_compile(&fa, pat, strlen(pat), 0, &re, NULL);
    CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
    CHECK((st == TALLY_OK) == (re != NULL));
    if (re) {
      bool m;
      CHECK(tally_regex_search(re, NULL, "ab12@gmail.com", 14, &m) == TALLY_OK && m);
      tally_regex_free(re);
    }
    CHECK_INT(c.live_blocks, 0);
    if (st == TALLY_OK) break;
  }
}

int main(void) {
  A = check_allocator(&counts);
  CHECK(tally_regex_cache_new(&A, 0, &cache) == TALLY_OK);
  RUN(test_random);
  RUN(test_known);
  RUN(test_bound);
  RUN(test_out_of_memory);
  tally_regex_cache_free(cache);
  CHECK_INT(counts.live_blocks, 0);
  CHECK_INT(counts.live_bytes, 0);
  printf("eager DFAs: %d of 3000 random patterns\n", eager_patterns);
  return check_report("test_regex_dfa");
}
