/*
** malloc_allocator.c - tally_allocator over the C library, for native hosts.
** Lives outside core/ because the core is freestanding.
*/
#include <stdlib.h>
#include "tally/malloc.h"

static void *malloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud; (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

tally_allocator tally_malloc_allocator(void) {
  tally_allocator a = {malloc_fn, NULL};
  return a;
}
