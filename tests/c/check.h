/*
** check.h - the tiny harness of the C unit tests. Each tests/c/test_*.c is
** one executable: it calls CHECK* in plain functions run by RUN(), and ends
** main with `return check_report("name");`, which prints
** "name: N passed, N failed" and returns non-zero on any failure.
** Tests may use libc (stdio, stdlib, string); the core may not.
*/
#ifndef TALLY_TESTS_CHECK_H
#define TALLY_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "tally/tally.h"

static int check_passed_, check_failed_;

#define CHECK(cond) do { \
  if (cond) check_passed_++; \
  else { check_failed_++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
  const char *g_ = (got), *w_ = (want); \
  if (g_ && w_ && strcmp(g_, w_) == 0) check_passed_++; \
  else { check_failed_++; fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_INT(got, want) do { \
  long long g_ = (long long)(got), w_ = (long long)(want); \
  if (g_ == w_) check_passed_++; \
  else { check_failed_++; fprintf(stderr, "%s:%d: got %lld, want %lld (%s)\n", __FILE__, __LINE__, g_, w_, #got); } \
} while (0)

#define RUN(fn) do { fn(); } while (0)

static inline int check_report(const char *name) {
  printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

/*
** A counting allocator: tests use it to prove that everything allocated is
** freed, and to fail the n-th allocation (fail_at, 1-based; 0 = never).
*/
typedef struct check_alloc {
  size_t live_bytes, live_blocks, calls, fail_at;
} check_alloc;

static void *check_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  check_alloc *c = ud;
  if (nsize == 0) {
    if (ptr) { c->live_bytes -= osize; c->live_blocks--; free(ptr); }
    return NULL;
  }
  c->calls++;
  if (c->fail_at && c->calls == c->fail_at) return NULL;
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  if (!ptr) c->live_blocks++;
  c->live_bytes += nsize - osize;
  return p;
}

static inline tally_allocator check_allocator(check_alloc *c) {
  tally_allocator a = {check_alloc_fn, c};
  return a;
}

#endif
