/* consumer.c - proves that the installed headers and library link. */
#include <stdio.h>
#include <string.h>
#include "tally/tally.h"
#include "tally/cli.h"
#include "tally/malloc.h"

int main(void) {
  if (strcmp(tally_status_kind(TALLY_ERR_PARSE), "parse") != 0) return 1;
  tally_allocator a = tally_malloc_allocator();
  tally_cli *cli = tally_cli_new(&a);
  if (!cli) return 1;
  const char *argv[] = {"json", "format"};
  tally_error err;
  if (tally_cli_args(cli, 2, argv, &err) || tally_cli_start(cli, &err)) return 1;
  if (tally_cli_feed(cli, "[1, 2]\n", 7, &err) || tally_cli_finish(cli, &err)) return 1;
  size_t len;
  const char *out = tally_cli_output(cli, &len);
  int ok = len == 6 && memcmp(out, "[1,2]\n", 6) == 0;
  tally_cli_free(cli);
  printf("consumer: %s (tally %s)\n", ok ? "ok" : "FAILED", TALLY_VERSION);
  return ok ? 0 : 1;
}
