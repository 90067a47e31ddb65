/*
** heap.c - the allocator of the wasm host, over linear memory grown with
** memory.grow. Blocks come in power-of-two size classes, each with its own
** free list, and are never split or merged: a steady workload (the core
** resets arenas rather than freeing piece by piece) reuses the same blocks
** and memory stops growing. The cost is up to 2x slack per block.
*/
#include "wasm.h"

#define HEAP_HDR 16u            /* keeps payloads 16-byte aligned */
#define HEAP_MIN_CLASS 4u       /* 16 bytes */
#define HEAP_MAX_CLASS 30u      /* 1 GiB */
#define HEAP_PAGE 65536u

extern unsigned char __heap_base;

typedef struct free_block { struct free_block *next; } free_block;

static free_block *free_lists[HEAP_MAX_CLASS + 1];
static uintptr_t heap_top, heap_end;
static size_t live_bytes, live_blocks;

static unsigned heap__class(size_t n) {
  if (n <= ((size_t)1 << HEAP_MIN_CLASS)) return HEAP_MIN_CLASS;
  return (unsigned)(32 - __builtin_clz((unsigned)(n - 1)));
}

static void *heap__alloc(size_t n) {
  if (n > ((size_t)1 << HEAP_MAX_CLASS)) return NULL;
  unsigned k = heap__class(n);
  size_t size = (size_t)1 << k;
  unsigned char *block;
  if (free_lists[k]) {
    block = (unsigned char *)free_lists[k] - HEAP_HDR;
    free_lists[k] = free_lists[k]->next;
  } else {
    if (!heap_top) {
      heap_top = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
      heap_end = (uintptr_t)__builtin_wasm_memory_size(0) * HEAP_PAGE;
    }
    size_t need = HEAP_HDR + size;
    if (heap_end - heap_top < need) {
      size_t missing = need - (heap_end - heap_top);
      size_t pages = (missing + HEAP_PAGE - 1) / HEAP_PAGE;
      if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
      heap_end += pages * HEAP_PAGE;
    }
    block = (unsigned char *)heap_top;
    heap_top += need;
    *(uint32_t *)block = k;
  }
  live_bytes += size;
  live_blocks++;
  return block + HEAP_HDR;
}

static void heap__free(void *p) {
  if (!p) return;
  unsigned k = *(uint32_t *)((unsigned char *)p - HEAP_HDR);
  free_block *f = p;
  f->next = free_lists[k];
  free_lists[k] = f;
  live_bytes -= (size_t)1 << k;
  live_blocks--;
}

static void *heap__realloc(void *p, size_t n) {
  if (!p) return heap__alloc(n);
  unsigned k = *(uint32_t *)((unsigned char *)p - HEAP_HDR);
  size_t have = (size_t)1 << k;
  if (n <= have && (k == HEAP_MIN_CLASS || n > have / 4)) return p;
  void *q = heap__alloc(n);
  if (!q) return NULL;
  __builtin_memcpy(q, p, n < have ? n : have);
  heap__free(p);
  return q;
}

static void *heap_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud; (void)osize;
  if (nsize == 0) {
    heap__free(ptr);
    return NULL;
  }
  return heap__realloc(ptr, nsize);
}

static const tally_allocator heap_allocator = {heap_fn, NULL};

const tally_allocator *tally_wasm_allocator(void) { return &heap_allocator; }
size_t tally_wasm_heap_live_bytes_(void) { return live_bytes; }
size_t tally_wasm_heap_live_blocks_(void) { return live_blocks; }
size_t tally_wasm_heap_size_(void) { return heap_top ? (size_t)(heap_top - (uintptr_t)&__heap_base) : 0; }
