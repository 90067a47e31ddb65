/*
** fuzz_cel_parse.c - libFuzzer entry for the CEL front end: lexer, parser
** and macro expansion on arbitrary bytes. Errors must be well formed (a
** known status, a message, a position inside the source). What parses is
** unparsed and parsed again: the unparser promises the same AST, so the
** two debug strings must be equal.
*/
#include "fuzz_util.h"
#include "cel/parser.h"
#include "cel/unparse.h"
#include "cel/debug.h"
#include "util/buf.h"

static void parse_check_error(const tally_error *err, tally_status st, size_t len) {
  FZ_EXPECT(err->code == st);
  FZ_EXPECT(st == TALLY_ERR_PARSE || st == TALLY_ERR_LIMIT || st == TALLY_ERR_NOMEM);
  FZ_EXPECT(err->message[0] != 0);
  FZ_EXPECT(err->offset <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  tally_allocator a = fz_allocator();
  t_arena ar;
  t_arena_init(&ar, &a, 0);
  const char *src = (const char *)data;
  t_cel_ast ast;
  tally_error err;
  tally_status st = t_cel_parse(&ar, src, size, NULL, &ast, &err);
  if (st != TALLY_OK) {
    parse_check_error(&err, st, size);
    t_arena_free(&ar);
    return 0;
  }
  t_buf dbg1, dbg2, text;
  t_buf_init(&dbg1, &a);
  t_buf_init(&dbg2, &a);
  t_buf_init(&text, &a);
  t_cel_debug_string(&dbg1, ast.root, false);
  if (t_cel_unparse(&text, &ast, &err) == TALLY_OK) {
    t_cel_ast again;
    st = t_cel_parse(&ar, text.ptr, text.len, NULL, &again, &err);
    /* The unparser may add parentheses, so a tree near the limit may not fit. */
    FZ_EXPECT(st == TALLY_OK || st == TALLY_ERR_LIMIT);
    if (st == TALLY_OK) {
      t_cel_debug_string(&dbg2, again.root, false);
      FZ_EXPECT(dbg1.len == dbg2.len && memcmp(dbg1.ptr, dbg2.ptr, dbg1.len) == 0);
    }
  }
  /* Macros off and optional syntax off must fail cleanly or succeed, too. */
  t_cel_parse_options opt;
  memset(&opt, 0, sizeof opt);
  opt.disable_macros = true;
  opt.no_optional_syntax = true;
  opt.max_depth = 32;
  st = t_cel_parse(&ar, src, size, &opt, &ast, &err);
  if (st != TALLY_OK) parse_check_error(&err, st, size);
  t_buf_free(&dbg1);
  t_buf_free(&dbg2);
  t_buf_free(&text);
  t_arena_free(&ar);
  return 0;
}
