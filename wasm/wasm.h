/*
** wasm.h - shared by the wasm/ files: the export attribute, the heap
** allocator, and the transfer areas through which exports hand back
** errors and out-parameters (one call at a time, like tree-sitter's
** TRANSFER_BUFFER). The core never includes this: it does not know wasm
** exists. Modules add their exports in wasm/exports_<module>.c and list
** them in wasm/exports.txt.
*/
#ifndef TALLY_WASM_H
#define TALLY_WASM_H

#include "tally/tally.h"

#define TALLY_WASM_EXPORT(name) __attribute__((export_name(#name)))

/* The allocator of the wasm host (wasm/heap.c). */
const tally_allocator *tally_wasm_allocator(void);

/* Heap statistics, for leak tests: bytes and blocks currently allocated. */
size_t tally_wasm_heap_live_bytes_(void);
size_t tally_wasm_heap_live_blocks_(void);
/* Bytes of linear memory obtained so far (high-water mark of the heap). */
size_t tally_wasm_heap_size_(void);

/*
** The error transfer area: every export that returns a tally_status fills
** it (cleared on success). Its layout is tally_error's on wasm32:
** code u32 @0, line u32 @4, column u32 @8, offset u32 @12, message @16
** (NUL-terminated UTF-8, at most 512 bytes).
*/
tally_error *tally_wasm_error_area(void);

/* A general out-parameter area: TALLY_WASM_TRANSFER_SLOTS 64-bit slots. */
#define TALLY_WASM_TRANSFER_SLOTS 32
uint64_t *tally_wasm_transfer_area(void);

#endif
