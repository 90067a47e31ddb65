/*
** cel_parse.c - the native side of tests/js/cel-parsing.test.mjs: parses
** CEL expressions and prints cel-go's debug string of the AST. JSON Lines
** on stdin, one object per line:
**   {"expr": "...", "max_depth": 32, "optional_syntax": false,
**    "escaped_idents": false, "macros": false, "two_var_macros": false,
**    "bind_macro": false, "optional_macros": false, "unparse": true}
** (everything but expr optional; defaults are the parser's), and one line
** out per input:
**   {"debug": "...", "unparse": "..."}   (unparse only when asked)
**   {"error": {"kind": "parse", "message": "...", "line": 1, "column": 5}}
** Reparsing the unparsed text must give the same debug string; a mismatch
** is reported as {"error": {"kind": "unparse", ...}}.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/mem.h"
#include "util/buf.h"
#include "util/json.h"
#include "cel/parser.h"
#include "cel/debug.h"
#include "cel/unparse.h"

static void *alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static bool flag(const t_json *req, const char *key, bool dflt) {
  const t_json *v = t_json_get(req, key);
  return v && v->type == T_JSON_BOOL ? v->u.b : dflt;
}

static void put_error(t_buf *out, const char *kind, const tally_error *err) {
  t_buf_printf(out, "{\"error\":{\"kind\":\"%s\",\"message\":", kind);
  t_json_write_string(out, err->message, strlen(err->message));
  t_buf_printf(out, ",\"line\":%u,\"column\":%u}}", (unsigned)err->line, (unsigned)err->column);
}

static void handle(t_arena *ar, const char *line, size_t len, t_buf *out) {
  tally_error err;
  memset(&err, 0, sizeof err);
  t_json *req;
  if (t_json_parse(ar, line, len, NULL, &req, &err) != TALLY_OK) {
    put_error(out, "json", &err);
    return;
  }
  const t_json *ex = t_json_get(req, "expr");
  if (!ex || ex->type != T_JSON_STRING) {
    t_buf_puts(out, "{\"error\":{\"kind\":\"usage\",\"message\":\"missing \\\"expr\\\"\",\"line\":0,\"column\":0}}");
    return;
  }
  t_cel_parse_options opts;
  memset(&opts, 0, sizeof opts);
  int64_t depth;
  const t_json *d = t_json_get(req, "max_depth");
  if (d && t_json_as_i64(d, &depth) && depth > 0) opts.max_depth = (uint32_t)depth;
  opts.no_optional_syntax = !flag(req, "optional_syntax", true);
  opts.no_escaped_idents = !flag(req, "escaped_idents", true);
  opts.disable_macros = !flag(req, "macros", true);
  if (!flag(req, "two_var_macros", true)) opts.no_macro_sets |= T_CEL_MACROS_TWO_VAR;
  if (!flag(req, "bind_macro", true)) opts.no_macro_sets |= T_CEL_MACROS_BIND;
  if (!flag(req, "optional_macros", true)) opts.no_macro_sets |= T_CEL_MACROS_OPTIONAL;
  t_cel_ast ast;
  tally_status s = t_cel_parse(ar, ex->u.str.ptr, ex->u.str.len, &opts, &ast, &err);
  if (s != TALLY_OK) {
    put_error(out, tally_status_kind(s), &err);
    return;
  }
  t_buf dbg;
  t_buf_init(&dbg, &ar->alloc);
  t_cel_debug_string(&dbg, ast.root, true);
  if (flag(req, "unparse", false)) {
    t_buf src;
    t_buf_init(&src, &ar->alloc);
    s = t_cel_unparse(&src, &ast, &err);
    if (s == TALLY_OK) {
      t_cel_ast again;
      s = t_cel_parse(ar, src.ptr ? src.ptr : "", src.len, &opts, &again, &err);
      if (s == TALLY_OK) {
        t_buf dbg2;
        t_buf_init(&dbg2, &ar->alloc);
        t_cel_debug_string(&dbg2, again.root, true);
        if (dbg2.len != dbg.len || memcmp(dbg2.ptr, dbg.ptr, dbg.len) != 0) {
          snprintf(err.message, sizeof err.message, "reparse differs: %.*s", (int)(src.len > 400 ? 400 : src.len),
                   src.ptr);
          err.line = err.column = 0;
          s = TALLY_ERR_PARSE;
        }
        t_buf_free(&dbg2);
      } else {
        char m[TALLY_ERROR_MESSAGE_MAX + 400];
        snprintf(m, sizeof m, "unparsed text does not parse (%.200s): %.*s", err.message,
                 (int)(src.len > 250 ? 250 : src.len), src.ptr ? src.ptr : "");
        m[sizeof err.message - 1] = 0;
        memcpy(err.message, m, sizeof err.message);
      }
    }
    if (s != TALLY_OK) {
      put_error(out, "unparse", &err);
    } else {
      t_buf_puts(out, "{\"debug\":");
      t_json_write_string(out, dbg.ptr ? dbg.ptr : "", dbg.len);
      t_buf_puts(out, ",\"unparse\":");
      t_json_write_string(out, src.ptr ? src.ptr : "", src.len);
      t_buf_puts(out, "}");
    }
    t_buf_free(&src);
  } else {
    t_buf_puts(out, "{\"debug\":");
    t_json_write_string(out, dbg.ptr ? dbg.ptr : "", dbg.len);
    t_buf_puts(out, "}");
  }
  t_buf_free(&dbg);
}

int main(void) {
  tally_allocator a = {alloc_fn, NULL};
  t_arena ar;
  t_arena_init(&ar, &a, 0);
  t_buf out;
  t_buf_init(&out, &a);
  size_t cap = 1 << 16, len = 0;
  char *line = malloc(cap);
  int c;
  if (!line) return 2;
  for (;;) {
    c = getchar();
    if (c == EOF || c == '\n') {
      if (len > 0) {
        t_buf_clear(&out);
        handle(&ar, line, len, &out);
        fwrite(out.ptr, 1, out.len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        t_arena_reset(&ar);
      }
      len = 0;
      if (c == EOF) break;
      continue;
    }
    if (len + 1 >= cap) {
      cap *= 2;
      char *nl = realloc(line, cap);
      if (!nl) return 2;
      line = nl;
    }
    line[len++] = (char)c;
  }
  free(line);
  t_buf_free(&out);
  t_arena_free(&ar);
  return 0;
}
