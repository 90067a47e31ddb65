/*
** vec.c - growth for T_VEC.
*/
#include "vec.h"

bool t_vec_grow_(const tally_allocator *a, void **items, size_t *cap, size_t need, size_t elem) {
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) { ncap = need; break; }
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / elem) return false;
  void *p = t_realloc(a, *items, *cap * elem, ncap * elem);
  if (!p) return false;
  *items = p;
  *cap = ncap;
  return true;
}
