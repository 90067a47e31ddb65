/*
** fuzz_regex.c - libFuzzer entry for the regex engine: the pattern compiler
** on arbitrary bytes, and the matchers on what compiles. Each pattern is
** compiled twice: as given (the DFA built at compile time when small) and
** with TALLY_REGEX_LAZY, whose lazy DFA runs with a roomy and a tiny cache
** (so the NFA fallback runs too) and whose NULL cache is the Pike VM alone.
** All of them must agree; find's span must be sane and agree with search.
** Any disagreement traps, so the fuzzer reports it as a crash.
**
** Input: byte 0 = compile flags, then the pattern, a NUL, the subject.
** Sizes are capped (pattern 2 KiB, subject 4 KiB) to keep each run fast:
** the time is linear, but O(program x subject).
**
** Run (npm run fuzz does the same through CMake, FUZZ_ONLY=fuzz_regex):
**   node tools/gen-unicode.mjs /tmp/fz/regex_unicode.c
**   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Icore \
**     core/regex/?*.c core/util/{mem,buf,error,utf8,vec}.c /tmp/fz/regex_unicode.c tests/fuzz/fuzz_regex.c -o /tmp/fz/fuzz_regex
**   /tmp/fz/fuzz_regex -max_total_time=600 -max_len=6000 /tmp/fz/corpus tests/fuzz/corpus/fuzz_regex
*/
#include <stdlib.h>
#include <string.h>
#include "tally/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *fz_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

#define EXPECT(c) do { if (!(c)) __builtin_trap(); } while (0)

/* Error messages quote the pattern: they must stay valid UTF-8 (a loose check). */
static int valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0) return 0;
    p++;
    for (int i = 0; i < n; i++, p++)
      if ((*p & 0xC0) != 0x80) return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  tally_allocator a = {fz_alloc, NULL};
  unsigned flags = data[0] & 0x1F;
  const char *rest = (const char *)data + 1;
  size_t n = size - 1;
  const char *nul = memchr(rest, 0, n);
  size_t plen = nul ? (size_t)(nul - rest) : n;
  const char *subj = nul ? nul + 1 : "";
  size_t slen = nul ? n - plen - 1 : 0;
  if (plen > 2048 || slen > 4096) return 0;

  tally_regex *re;
  tally_error err;
  tally_status st = tally_regex_compile(&a, rest, plen, flags, &re, &err);
  if (st != TALLY_OK) {
    EXPECT(re == NULL);
    EXPECT(err.code == st && err.offset <= plen && err.message[0]);
    /* a pattern of invalid UTF-8 is refused before anything quotes it */
    EXPECT(st == TALLY_ERR_NOMEM || valid_utf8(err.message));
    return 0;
  }
  /* The same pattern with the lazy DFA only: it compiles exactly when the first did. */
  tally_regex *lazy;
  EXPECT(tally_regex_compile(&a, rest, plen, flags | TALLY_REGEX_LAZY, &lazy, &err) == TALLY_OK);
  EXPECT(tally_regex_uses_cache(lazy));
  tally_regex_cache *big, *tiny;
  EXPECT(tally_regex_cache_new(&a, 0, &big) == TALLY_OK);
  EXPECT(tally_regex_cache_new(&a, 2048, &tiny) == TALLY_OK);
  bool m1, m2, m3, m4, f1, f2, f3;
  EXPECT(tally_regex_search(re, big, subj, slen, &m1) == TALLY_OK);
  EXPECT(tally_regex_search(lazy, NULL, subj, slen, &m2) == TALLY_OK);
  EXPECT(tally_regex_search(lazy, tiny, subj, slen, &m3) == TALLY_OK);
  EXPECT(tally_regex_search(lazy, big, subj, slen, &m4) == TALLY_OK);
  EXPECT(m1 == m2 && m2 == m3 && m3 == m4);
  EXPECT(tally_regex_match_full(re, big, subj, slen, &f1) == TALLY_OK);
  EXPECT(tally_regex_match_full(lazy, NULL, subj, slen, &f2) == TALLY_OK);
  EXPECT(tally_regex_match_full(lazy, big, subj, slen, &f3) == TALLY_OK);
  EXPECT(f1 == f2 && f2 == f3);
  EXPECT(!f1 || m1);
  tally_regex_span sp[4];
  bool fm;
  size_t ng = tally_regex_group_count(re) + 1;
  EXPECT(tally_regex_find(re, big, subj, slen, 0, sp, ng < 4 ? ng : 4, &fm) == TALLY_OK);
  EXPECT(fm == m1);
  if (fm) EXPECT(sp[0].start <= sp[0].end && sp[0].end <= slen);
  /* a second search from inside the text */
  if (slen > 0) {
    size_t from = (size_t)data[0] % (slen + 1);
    bool fm2;
    EXPECT(tally_regex_find(re, tiny, subj, slen, from, sp, 1, &fm2) == TALLY_OK);
    if (fm2) EXPECT(sp[0].start >= from && sp[0].start <= sp[0].end && sp[0].end <= slen);
  }
  tally_regex_cache_free(big);
  tally_regex_cache_free(tiny);
  tally_regex_free(lazy);
  tally_regex_free(re);
  return 0;
}
