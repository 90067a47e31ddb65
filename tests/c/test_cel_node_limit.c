/*
** test_cel_node_limit.c - the parser bounds the number of nodes an
** expression expands to: a chain of optMap macros copies its target at
** every link (2^n nodes for n links), which the depth limit alone let
** through (fuzz finding 3: 308 bytes took 53 s and 9.7 GB).
*/
#include "check.h"
#include "cel/parser.h"
#include "util/mem.h"

static void test_chain(void) {
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  t_arena ar;
  t_arena_init(&ar, &a, 0);
  char src[1024] = "x";
  for (int i = 0; i < 22; i++) strcat(src, ".optMap(c, c)");
  t_cel_ast ast;
  tally_error err;
  CHECK_INT(t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err), TALLY_ERR_LIMIT);
  CHECK(strstr(err.message, "too large") != NULL);
  CHECK(err.line == 1 && err.column > 1);
  /* A short chain is fine. */
  t_arena_reset(&ar);
  strcpy(src, "x");
  for (int i = 0; i < 5; i++) strcat(src, ".optMap(c, c)");
  CHECK_INT(t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err), TALLY_OK);
  t_arena_free(&ar);
  CHECK_INT(ca.live_blocks, 0);
}

int main(void) {
  RUN(test_chain);
  return check_report("cel_node_limit");
}
