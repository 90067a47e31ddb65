/*
** vec.h - a typed growable array (tree-sitter's Array(T)) whose growth goes
** through the host allocator. Push returns false when out of memory.
**
**   T_VEC(int) v = {0};
**   if (!t_vec_push(alloc, &v, 5)) return TALLY_ERR_NOMEM;
**   t_vec_free(alloc, &v);
*/
#ifndef TALLY_UTIL_VEC_H
#define TALLY_UTIL_VEC_H

#include "mem.h"

#define T_VEC(T) struct { T *items; size_t len, cap; }

TALLY_INTERNAL bool t_vec_grow_(const tally_allocator *a, void **items, size_t *cap, size_t need, size_t elem);

#define t_vec_reserve(a, v, n) \
  ((v)->len + (n) <= (v)->cap || t_vec_grow_((a), (void **)&(v)->items, &(v)->cap, (v)->len + (n), sizeof(*(v)->items)))

#define t_vec_push(a, v, x) \
  (t_vec_reserve((a), (v), 1) ? ((v)->items[(v)->len++] = (x), true) : false)

#define t_vec_free(a, v) \
  do { t_free((a), (v)->items, (v)->cap * sizeof(*(v)->items)); (v)->items = NULL; (v)->len = (v)->cap = 0; } while (0)

#endif
