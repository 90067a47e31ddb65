/*
** mem.h - allocation through the host's tally_allocator, and the arena used
** for per-call scratch memory (reset, not freed piece by piece).
*/
#ifndef TALLY_UTIL_MEM_H
#define TALLY_UTIL_MEM_H

#include "base.h"

static inline void *t_alloc(const tally_allocator *a, size_t n) {
  return a->fn(a->ud, NULL, 0, n);
}
static inline void *t_realloc(const tally_allocator *a, void *p, size_t osize, size_t nsize) {
  return a->fn(a->ud, p, osize, nsize);
}
static inline void t_free(const tally_allocator *a, void *p, size_t osize) {
  if (p) a->fn(a->ud, p, osize, 0);
}
/* Zeroed allocation; NULL on overflow of n * size or out of memory. */
TALLY_INTERNAL void *t_calloc(const tally_allocator *a, size_t n, size_t size);

/* Copies len bytes and appends a NUL; NULL when out of memory. */
TALLY_INTERNAL char *t_strndup(const tally_allocator *a, const char *s, size_t len);

/*
** An arena: bump allocation from chunks obtained from the allocator. Reset
** keeps the first chunk (so a steady workload stops allocating); free
** returns everything. Alignment is 16 bytes. An optional byte limit turns
** runaway growth into a clean failure (t_arena_alloc returns NULL and sets
** `over_limit`, so callers can tell a limit from out-of-memory).
*/
typedef struct t_arena_chunk t_arena_chunk;

typedef struct t_arena {
  tally_allocator alloc;
  t_arena_chunk *head;   /* current chunk (newest) */
  size_t used_total;     /* bytes handed out since the last reset */
  size_t limit;          /* 0 = no limit */
  size_t chunk_size;     /* default chunk payload size */
  bool over_limit;
} t_arena;

TALLY_INTERNAL void t_arena_init(t_arena *ar, const tally_allocator *alloc, size_t chunk_size);
TALLY_INTERNAL void *t_arena_alloc(t_arena *ar, size_t n);
TALLY_INTERNAL void *t_arena_calloc(t_arena *ar, size_t n);
TALLY_INTERNAL char *t_arena_strndup(t_arena *ar, const char *s, size_t len);
TALLY_INTERNAL void t_arena_reset(t_arena *ar);
TALLY_INTERNAL void t_arena_free(t_arena *ar);

/* A position to return to: everything allocated after it is released. */
typedef struct t_arena_mark {
  t_arena_chunk *chunk;
  size_t used;
  size_t used_total;
} t_arena_mark;

TALLY_INTERNAL t_arena_mark t_arena_save(const t_arena *ar);
TALLY_INTERNAL void t_arena_restore(t_arena *ar, t_arena_mark m);

#endif
