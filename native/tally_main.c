/*
** tally_main.c - the native host of the tally CLI. Everything the tool
** decides lives in the core (tally/cli.h); this file only reads the files
** named by flags, streams stdin in, and writes the output out, so that
** js-bindings/bin/tally.mjs can produce the same bytes over wasm.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally/cli.h"
#include "tally/malloc.h"

#define CHUNK 65536

static int fail_usage(tally_cli *cli, const char *message) {
  fprintf(stderr, "tally: %s\n\n%s", message, tally_cli_usage(cli));
  tally_cli_free(cli);
  return 2;
}

static int fail_run(tally_cli *cli, const char *message) {
  fprintf(stderr, "tally: %s\n", message);
  tally_cli_free(cli);
  return 1;
}

static int flush_output(tally_cli *cli) {
  size_t len;
  const char *out = tally_cli_output(cli, &len);
  if (len && fwrite(out, 1, len, stdout) != len) return -1;
  tally_cli_output_clear(cli);
  return 0;
}

/* Whole file into memory; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    char *grown = realloc(buf, cap * 2);
    if (!grown) { free(buf); buf = NULL; errno = ENOMEM; break; }
    buf = grown;
    cap *= 2;
  }
  if (buf && ferror(f)) { int e = errno; free(buf); buf = NULL; errno = e ? e : EIO; }
  fclose(f);
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  tally_allocator alloc = tally_malloc_allocator();
  tally_error err;
  tally_cli *cli = tally_cli_new(&alloc);
  if (!cli) { fputs("tally: out of memory\n", stderr); return 1; }

  tally_status st = tally_cli_args(cli, argc - 1, (const char *const *)argv + 1, &err);
  if (st == TALLY_ERR_USAGE) return fail_usage(cli, err.message);
  if (st) return fail_run(cli, err.message);

  for (size_t i = 0; i < tally_cli_file_count(cli); i++) {
    const char *path = tally_cli_file_path(cli, i);
    size_t len;
    char *bytes = read_file(path, &len);
    if (!bytes) {
      char msg[1024];
      snprintf(msg, sizeof msg, "cannot read %s file '%s': %s", tally_cli_file_flag(cli, i), path, strerror(errno));
      return fail_usage(cli, msg);
    }
    st = tally_cli_file_set(cli, i, bytes, len);
    free(bytes);
    if (st) return fail_run(cli, "out of memory");
  }

  st = tally_cli_start(cli, &err);
  if (st == TALLY_ERR_USAGE) return fail_usage(cli, err.message);
  if (st) return fail_run(cli, err.message);
  if (flush_output(cli)) return fail_run(cli, "cannot write to stdout");

  if (tally_cli_wants_input(cli)) {
    static char chunk[CHUNK];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
      st = tally_cli_feed(cli, chunk, n, &err);
      if (flush_output(cli)) return fail_run(cli, "cannot write to stdout");
      if (st) return fail_run(cli, err.message);
    }
    if (ferror(stdin)) return fail_run(cli, "cannot read stdin");
    st = tally_cli_finish(cli, &err);
    if (flush_output(cli)) return fail_run(cli, "cannot write to stdout");
    if (st) return fail_run(cli, err.message);
  }
  tally_cli_free(cli);
  return fflush(stdout) == 0 ? 0 : 1;
}
