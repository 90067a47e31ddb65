/*
** fuzz_util.h - helpers shared by the libFuzzer targets: a malloc-backed
** allocator (so ASan sees every block), a trap macro (a broken property
** must show up as a crash, not a return code), and a driver that pushes
** bytes through the CLI library exactly as the native tool does.
*/
#ifndef TALLY_FUZZ_UTIL_H
#define TALLY_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tally/tally.h"
#include "tally/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_EXPECT(c) do { if (!(c)) __builtin_trap(); } while (0)

static inline void *fz_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static inline tally_allocator fz_allocator(void) {
  tally_allocator a = {fz_alloc_fn, NULL};
  return a;
}

/*
** Runs `tally <argv...>` over data, fed in two chunks split at `split`
** (clamped), and checks that the output is a sequence of whole lines.
** Returns false when the arguments were refused (a usage error).
*/
static inline bool fz_run_cli(int argc, const char *const *argv, const char *file, size_t file_len,
                              const uint8_t *data, size_t size, size_t split) {
  tally_allocator a = fz_allocator();
  tally_cli *cli = tally_cli_new(&a);
  if (!cli) return false;
  tally_error err;
  bool ok = false;
  if (tally_cli_args(cli, argc, argv, &err) != TALLY_OK) goto done;
  for (size_t i = 0; i < tally_cli_file_count(cli); i++)
    FZ_EXPECT(tally_cli_file_set(cli, i, file ? file : "", file ? file_len : 0) == TALLY_OK);
  if (tally_cli_start(cli, &err) != TALLY_OK) goto done;
  ok = true;
  if (split > size) split = size;
  FZ_EXPECT(tally_cli_feed(cli, (const char *)data, split, &err) == TALLY_OK);
  FZ_EXPECT(tally_cli_feed(cli, (const char *)data + split, size - split, &err) == TALLY_OK);
  FZ_EXPECT(tally_cli_finish(cli, &err) == TALLY_OK);
  size_t n;
  const char *out = tally_cli_output(cli, &n);
  FZ_EXPECT(n == 0 || out[n - 1] == '\n');
done:
  tally_cli_free(cli);
  return ok;
}

/*
** Set by the replay test (tests/c/test_fuzz_regressions.c) while it replays
** an open finding: the targets then take the paths they avoid while fuzzing.
*/
static int fz_replay_open __attribute__((unused));

#endif
