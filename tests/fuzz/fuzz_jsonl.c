/*
** fuzz_jsonl.c - libFuzzer entry for the JSON reader and writer through the
** CLI dispatcher (`tally json format`): line splitting, the per-line JSON
** errors, and the round trip (what the writer prints must parse again and
** print the same). Run by `npm run fuzz`.
*/
#include <stdlib.h>
#include <string.h>
#include "tally/cli.h"
#include "tally/malloc.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const char *text, size_t len) {
  tally_allocator a = tally_malloc_allocator();
  t_arena ar;
  t_arena_init(&ar, &a, 0);
  t_json *v;
  tally_error err;
  if (t_json_parse(&ar, text, len, NULL, &v, &err) == TALLY_OK) {
    t_buf b1, b2;
    t_buf_init(&b1, &a);
    t_buf_init(&b2, &a);
    t_json_write_value(&b1, v);
    t_json *w;
    if (t_json_parse(&ar, b1.ptr, b1.len, NULL, &w, &err) != TALLY_OK) abort();
    t_json_write_value(&b2, w);
    if (b1.len != b2.len || memcmp(b1.ptr, b2.ptr, b1.len) != 0) abort();
    t_buf_free(&b1);
    t_buf_free(&b2);
  }
  t_arena_free(&ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  round_trip((const char *)data, size);
  tally_allocator a = tally_malloc_allocator();
  tally_cli *cli = tally_cli_new(&a);
  if (!cli) return 0;
  tally_error err;
  const char *argv[] = {"json", "format"};
  if (tally_cli_args(cli, 2, argv, &err) || tally_cli_start(cli, &err)) abort();
  /* Two chunks, split in the middle, to exercise the pending-line path. */
  size_t half = size / 2;
  if (tally_cli_feed(cli, (const char *)data, half, &err)) abort();
  if (tally_cli_feed(cli, (const char *)data + half, size - half, &err)) abort();
  if (tally_cli_finish(cli, &err)) abort();
  size_t n;
  const char *out = tally_cli_output(cli, &n);
  /* Every output line is valid JSON. */
  const char *p = out, *end = out + n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) abort();
    round_trip(p, (size_t)(nl - p));
    p = nl + 1;
  }
  tally_cli_free(cli);
  return 0;
}
