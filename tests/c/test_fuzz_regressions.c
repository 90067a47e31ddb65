/*
** test_fuzz_regressions.c - replays every reproducer the fuzzers found
** (every file under tests/fuzz/regressions/<target>/) through the very code of its fuzz
** target (tests/fuzz/<target>.c, compiled in here with its entry point
** renamed), plus the seed corpora, so that a fixed finding stays fixed.
** A target traps on a broken property, and the sanitizer build reports
** leaks and memory errors, so a regression fails this test.
**
** Files named open-* are findings not fixed yet: skipped (and listed)
** unless TALLY_REPLAY_OPEN=1. Runs from the repository root (ctest does).
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput replay_cel_parse
#include "../fuzz/fuzz_cel_parse.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_cel_eval
#include "../fuzz/fuzz_cel_eval.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_json
#include "../fuzz/fuzz_json.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_jsonl
#include "../fuzz/fuzz_jsonl.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_decimal
#include "../fuzz/fuzz_decimal.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_ledger
#include "../fuzz/fuzz_ledger.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_billing
#include "../fuzz/fuzz_billing.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_rules
#include "../fuzz/fuzz_rules.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput replay_regex
#include "../fuzz/fuzz_regex.c"
#undef LLVMFuzzerTestOneInput

typedef int (*replay_fn)(const uint8_t *data, size_t size);

static const struct {
  const char *name;
  replay_fn fn;
} targets[] = {
  {"fuzz_cel_parse", replay_cel_parse}, {"fuzz_cel_eval", replay_cel_eval}, {"fuzz_json", replay_json},
  {"fuzz_jsonl", replay_jsonl},         {"fuzz_decimal", replay_decimal},   {"fuzz_ledger", replay_ledger},
  {"fuzz_billing", replay_billing},     {"fuzz_rules", replay_rules},       {"fuzz_regex", replay_regex},
};

static int replayed, skipped;

static void replay_dir(const char *dir, replay_fn fn, int open_too) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (strncmp(de->d_name, "open-", 5) == 0 && !open_too) {
      printf("skipped open finding %s/%s\n", dir, de->d_name);
      skipped++;
      continue;
    }
    /* Open findings may need a path their target keeps closed while fuzzing. */
    fz_replay_open = strncmp(de->d_name, "open-", 5) == 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
      n += got;
      if (n == cap) {
        uint8_t *nb = realloc(buf, cap *= 2);
        if (!nb) { free(buf); buf = NULL; }
        buf = nb;
      }
    }
    fclose(f);
    if (!buf) continue;
    fn(buf, n);
    free(buf);
    replayed++;
  }
  closedir(d);
}

int main(void) {
  const char *env = getenv("TALLY_REPLAY_OPEN");
  int open_too = env && env[0] == '1';
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", targets[i].name);
    replay_dir(dir, targets[i].fn, open_too);
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", targets[i].name);
    replay_dir(dir, targets[i].fn, open_too);
  }
  printf("test_fuzz_regressions: %d inputs replayed, %d open findings skipped\n", replayed, skipped);
  return replayed > 0 ? 0 : 1;
}
