/*
** malloc.h - the default allocator of native hosts: the C library's
** realloc and free behind a tally_allocator. The core never calls malloc;
** services that have their own allocator pass it instead.
*/
#ifndef TALLY_MALLOC_H
#define TALLY_MALLOC_H

#include "tally/tally.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An allocator over realloc/free (ud unused). */
TALLY_API tally_allocator tally_malloc_allocator(void);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_MALLOC_H */
