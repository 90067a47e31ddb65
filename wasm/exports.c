/*
** exports.c - the base ABI of tally.wasm: memory, the error and transfer
** areas, heap statistics, and the CLI (tally/cli.h) for
** js-bindings/bin/tally.mjs. wasm/exports.txt documents every export.
** Pointers and sizes are u32; statuses are tally_status numbers, with the
** details in the error area.
*/
#include "wasm.h"
#include "tally/cli.h"

static tally_error error_area;
static uint64_t transfer_area[TALLY_WASM_TRANSFER_SLOTS];

tally_error *tally_wasm_error_area(void) { return &error_area; }
uint64_t *tally_wasm_transfer_area(void) { return transfer_area; }

/* Clears the error area on success so that JS never reads a stale error. */
static int32_t done(tally_status st) {
  if (st == TALLY_OK) {
    error_area.code = TALLY_OK;
    error_area.line = error_area.column = 0;
    error_area.offset = 0;
    error_area.message[0] = 0;
  } else if (error_area.code != st) {
    error_area.code = st;
    error_area.line = error_area.column = 0;
    error_area.offset = 0;
    const char *kind = tally_status_kind(st);
    size_t n = __builtin_strlen(kind);
    __builtin_memcpy(error_area.message, kind, n + 1);
  }
  return (int32_t)st;
}

/* ---- memory --------------------------------------------------------------- */

TALLY_WASM_EXPORT(tally_wasm_alloc)
void *tally_wasm_alloc(size_t n) {
  const tally_allocator *a = tally_wasm_allocator();
  return a->fn(a->ud, NULL, 0, n ? n : 1);
}

TALLY_WASM_EXPORT(tally_wasm_free)
void tally_wasm_free(void *p) {
  const tally_allocator *a = tally_wasm_allocator();
  if (p) a->fn(a->ud, p, 0, 0);
}

TALLY_WASM_EXPORT(tally_wasm_error)
tally_error *tally_wasm_error(void) { return &error_area; }

TALLY_WASM_EXPORT(tally_wasm_transfer)
uint64_t *tally_wasm_transfer(void) { return transfer_area; }

TALLY_WASM_EXPORT(tally_wasm_heap_live_bytes)
size_t tally_wasm_heap_live_bytes(void) { return tally_wasm_heap_live_bytes_(); }

TALLY_WASM_EXPORT(tally_wasm_heap_live_blocks)
size_t tally_wasm_heap_live_blocks(void) { return tally_wasm_heap_live_blocks_(); }

TALLY_WASM_EXPORT(tally_wasm_heap_size)
size_t tally_wasm_heap_size(void) { return tally_wasm_heap_size_(); }

TALLY_WASM_EXPORT(tally_wasm_version)
const char *tally_wasm_version(void) { return TALLY_VERSION; }

TALLY_WASM_EXPORT(tally_wasm_status_kind)
const char *tally_wasm_status_kind(int32_t st) { return tally_status_kind((tally_status)st); }

/* ---- CLI ------------------------------------------------------------------ */

TALLY_WASM_EXPORT(tally_wasm_cli_new)
tally_cli *tally_wasm_cli_new(void) {
  tally_cli *cli = tally_cli_new(tally_wasm_allocator());
  done(cli ? TALLY_OK : TALLY_ERR_NOMEM);
  return cli;
}

TALLY_WASM_EXPORT(tally_wasm_cli_free)
void tally_wasm_cli_free(tally_cli *cli) { tally_cli_free(cli); }

#define CLI_MAX_ARGS 256

/* args: argc strings, each NUL-terminated, back to back in len bytes. */
TALLY_WASM_EXPORT(tally_wasm_cli_args)
int32_t tally_wasm_cli_args(tally_cli *cli, const char *args, size_t len) {
  const char *argv[CLI_MAX_ARGS];
  int argc = 0;
  size_t i = 0;
  while (i < len) {
    if (argc == CLI_MAX_ARGS) {
      error_area.code = TALLY_ERR_USAGE;
      __builtin_memcpy(error_area.message, "too many arguments", 19);
      return done(TALLY_ERR_USAGE);
    }
    argv[argc++] = args + i;
    while (i < len && args[i]) i++;
    i++;
  }
  return done(tally_cli_args(cli, argc, argv, &error_area));
}

TALLY_WASM_EXPORT(tally_wasm_cli_file_count)
size_t tally_wasm_cli_file_count(tally_cli *cli) { return tally_cli_file_count(cli); }

TALLY_WASM_EXPORT(tally_wasm_cli_file_path)
const char *tally_wasm_cli_file_path(tally_cli *cli, size_t i) { return tally_cli_file_path(cli, i); }

TALLY_WASM_EXPORT(tally_wasm_cli_file_flag)
const char *tally_wasm_cli_file_flag(tally_cli *cli, size_t i) { return tally_cli_file_flag(cli, i); }

TALLY_WASM_EXPORT(tally_wasm_cli_file_set)
int32_t tally_wasm_cli_file_set(tally_cli *cli, size_t i, const char *bytes, size_t len) {
  return done(tally_cli_file_set(cli, i, bytes, len));
}

TALLY_WASM_EXPORT(tally_wasm_cli_start)
int32_t tally_wasm_cli_start(tally_cli *cli) { return done(tally_cli_start(cli, &error_area)); }

TALLY_WASM_EXPORT(tally_wasm_cli_wants_input)
int32_t tally_wasm_cli_wants_input(tally_cli *cli) { return tally_cli_wants_input(cli); }

TALLY_WASM_EXPORT(tally_wasm_cli_feed)
int32_t tally_wasm_cli_feed(tally_cli *cli, const char *bytes, size_t len) {
  return done(tally_cli_feed(cli, bytes, len, &error_area));
}

TALLY_WASM_EXPORT(tally_wasm_cli_finish)
int32_t tally_wasm_cli_finish(tally_cli *cli) { return done(tally_cli_finish(cli, &error_area)); }

TALLY_WASM_EXPORT(tally_wasm_cli_output)
const char *tally_wasm_cli_output(tally_cli *cli) {
  size_t len;
  return tally_cli_output(cli, &len);
}

TALLY_WASM_EXPORT(tally_wasm_cli_output_len)
size_t tally_wasm_cli_output_len(tally_cli *cli) {
  size_t len;
  tally_cli_output(cli, &len);
  return len;
}

TALLY_WASM_EXPORT(tally_wasm_cli_output_clear)
void tally_wasm_cli_output_clear(tally_cli *cli) { tally_cli_output_clear(cli); }

TALLY_WASM_EXPORT(tally_wasm_cli_usage)
const char *tally_wasm_cli_usage(tally_cli *cli) { return tally_cli_usage(cli); }
