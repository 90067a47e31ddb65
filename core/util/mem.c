/*
** mem.c - allocator helpers and the arena.
*/
#include "mem.h"

struct t_arena_chunk {
  t_arena_chunk *prev;
  size_t cap;   /* payload bytes */
  size_t used;  /* payload bytes used */
  /* payload follows, 16-byte aligned */
};

#define T_CHUNK_HDR ((sizeof(t_arena_chunk) + 15u) & ~(size_t)15u)

void *t_calloc(const tally_allocator *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = t_alloc(a, n * size);
  if (p) t_memset(p, 0, n * size);
  return p;
}

char *t_strndup(const tally_allocator *a, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = t_alloc(a, len + 1);
  if (!p) return NULL;
  if (len) t_memcpy(p, s, len);
  p[len] = 0;
  return p;
}

void t_arena_init(t_arena *ar, const tally_allocator *alloc, size_t chunk_size) {
  ar->alloc = *alloc;
  ar->head = NULL;
  ar->used_total = 0;
  ar->limit = 0;
  ar->chunk_size = chunk_size ? chunk_size : 16384;
  ar->over_limit = false;
}

static unsigned char *chunk_payload(t_arena_chunk *c) {
  return (unsigned char *)c + T_CHUNK_HDR;
}

void *t_arena_alloc(t_arena *ar, size_t n) {
  size_t need = (n + 15u) & ~(size_t)15u;
  if (need < n) return NULL;
  if (ar->limit && (need > ar->limit || ar->used_total > ar->limit - need)) {
    ar->over_limit = true;
    return NULL;
  }
  t_arena_chunk *c = ar->head;
  if (!c || c->cap - c->used < need) {
    /* A chunk kept by reset (or a later one left by restore) may fit. */
    size_t cap = ar->chunk_size;
    if (c && cap < c->cap * 2 && c->cap * 2 <= (1u << 24)) cap = c->cap * 2;
    if (cap < need) cap = need;
    if (cap > SIZE_MAX - T_CHUNK_HDR) return NULL;
    t_arena_chunk *nc = t_alloc(&ar->alloc, T_CHUNK_HDR + cap);
    if (!nc) return NULL;
    nc->prev = c;
    nc->cap = cap;
    nc->used = 0;
    ar->head = nc;
    c = nc;
  }
  void *p = chunk_payload(c) + c->used;
  c->used += need;
  ar->used_total += need;
  return p;
}

void *t_arena_calloc(t_arena *ar, size_t n) {
  void *p = t_arena_alloc(ar, n);
  if (p && n) t_memset(p, 0, n);
  return p;
}

char *t_arena_strndup(t_arena *ar, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = t_arena_alloc(ar, len + 1);
  if (!p) return NULL;
  if (len) t_memcpy(p, s, len);
  p[len] = 0;
  return p;
}

/* Frees chunks newer than `keep` (NULL frees all). */
static void free_until(t_arena *ar, t_arena_chunk *keep) {
  t_arena_chunk *c = ar->head;
  while (c && c != keep) {
    t_arena_chunk *prev = c->prev;
    t_free(&ar->alloc, c, T_CHUNK_HDR + c->cap);
    c = prev;
  }
  ar->head = c;
}

void t_arena_reset(t_arena *ar) {
  /* Keep only the biggest chunk, so a steady workload stops allocating. */
  t_arena_chunk *big = NULL;
  for (t_arena_chunk *c = ar->head; c; c = c->prev)
    if (!big || c->cap > big->cap) big = c;
  t_arena_chunk *c = ar->head;
  while (c) {
    t_arena_chunk *prev = c->prev;
    if (c != big) t_free(&ar->alloc, c, T_CHUNK_HDR + c->cap);
    c = prev;
  }
  ar->head = big;
  if (big) {
    big->prev = NULL;
    big->used = 0;
  }
  ar->used_total = 0;
  ar->over_limit = false;
}

void t_arena_free(t_arena *ar) {
  free_until(ar, NULL);
  ar->used_total = 0;
  ar->over_limit = false;
}

t_arena_mark t_arena_save(const t_arena *ar) {
  t_arena_mark m = {ar->head, ar->head ? ar->head->used : 0, ar->used_total};
  return m;
}

void t_arena_restore(t_arena *ar, t_arena_mark m) {
  free_until(ar, m.chunk);
  if (ar->head) ar->head->used = m.used;
  ar->used_total = m.used_total;
  ar->over_limit = false;
}
