/*
** test_cel_parser.c - the CEL front end: lexer, parser, macros, debug
** strings and the unparser. cel-go's own parser cases run from
** tests/js/cel-parsing.test.mjs; these cover our options, limits, errors,
** offsets and out-of-memory behaviour.
*/
#include "check.h"
#include "util/mem.h"
#include "util/buf.h"
#include "cel/parser.h"
#include "cel/debug.h"
#include "cel/unparse.h"

static check_alloc counts;
static tally_allocator alloc;
static t_arena arena;
static char text[1 << 16];

/* Parses with opts; returns the status and leaves the plain debug string in text. */
static tally_status parse_opts(const char *src, const t_cel_parse_options *opts, t_cel_ast *ast, tally_error *err) {
  t_arena_reset(&arena);
  memset(err, 0, sizeof *err);
  tally_status s = t_cel_parse(&arena, src, strlen(src), opts, ast, err);
  text[0] = 0;
  if (s == TALLY_OK) {
    t_buf b;
    t_buf_init(&b, &alloc);
    t_cel_debug_string(&b, ast->root, false);
    snprintf(text, sizeof text, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
    t_buf_free(&b);
  }
  return s;
}

static const char *dbg(const char *src) {
  t_cel_ast ast;
  tally_error err;
  if (parse_opts(src, NULL, &ast, &err) != TALLY_OK) {
    snprintf(text, sizeof text, "ERROR %s", err.message);
  }
  return text;
}

/* Debug string with newlines and indentation squeezed out, for short expectations. */
static const char *flat(const char *src) {
  dbg(src);
  char *w = text;
  for (const char *r = text; *r; r++) {
    if (*r == '\n') {
      while (r[1] == ' ') r++;
      continue;
    }
    *w++ = *r;
  }
  *w = 0;
  return text;
}

static tally_status parse_err(const char *src, tally_error *err) {
  t_cel_ast ast;
  return parse_opts(src, NULL, &ast, err);
}

static void test_literals(void) {
  CHECK_STR(flat("42"), "42");
  CHECK_STR(flat("0x1F"), "31");
  CHECK_STR(flat("-9223372036854775808"), "-9223372036854775808");
  CHECK_STR(flat("9223372036854775807"), "9223372036854775807");
  CHECK_STR(flat("-0x8000000000000000"), "-9223372036854775808");
  CHECK_STR(flat("18446744073709551615u"), "18446744073709551615u");
  CHECK_STR(flat("0xFFFFFFFFFFFFFFFFU"), "18446744073709551615u");
  CHECK_STR(flat("1.5"), "1.5");
  CHECK_STR(flat("1e3"), "1000");
  CHECK_STR(flat(".5"), "0.5");
  CHECK_STR(flat("-2.5e-3"), "-0.0025");
  CHECK_STR(flat("1e6"), "1e+06");
  CHECK_STR(flat("true && !false"), "_&&_(true,!_(false))");
  CHECK_STR(flat("null"), "null");
  CHECK_STR(flat("'a\\tb\\x41\\101\\u00e9\\U0001F600\\?\\`'"), "\"a\\tbAAé😀?`\"");
  CHECK_STR(flat("b'\\xff\\377a'"), "b\"\\xff\\xffa\"");
  CHECK_STR(flat("r'\\d+' + R\"\\\"\""), "ERROR unterminated string literal: '\"'");
  CHECK_STR(flat("r'\\d+'"), "\"\\\\d+\"");
  CHECK_STR(flat("'''a\n'b'\n'''"), "\"a\\n'b'\\n\"");
  CHECK_STR(flat("\"\"\"x\"y\"\"\""), "\"x\\\"y\"");
  CHECK_STR(flat("br'\\x'"), "b\"\\\\x\"");
  CHECK_STR(flat("'é' // comment\n + \"\""), "_+_(\"é\",\"\")");
  /* Runs of '-' and '!' cancel pairwise; a single '-' folds into a number. */
  CHECK_STR(flat("--a"), "a");
  CHECK_STR(flat("---a"), "-_(a)");
  CHECK_STR(flat("-(1)"), "-_(1)");
  CHECK_STR(flat("-1u"), "-_(1u)");
  CHECK_STR(flat("!-1"), "!_(-1)");
  CHECK_STR(flat("4--4"), "_-_(4,-4)");
  CHECK_STR(flat("-1.f()"), "-1.f()");
}

static void test_literal_errors(void) {
  tally_error err;
  CHECK_INT(parse_err("9223372036854775808", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("18446744073709551616u", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("1e999", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'\\ud800'", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "invalid unicode code point");
  CHECK_INT(err.column, 2);
  CHECK_INT(parse_err("'\\U00110000'", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("b'\\u0041'", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'ab\\q'", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "invalid escape sequence");
  CHECK_INT(err.column, 4);
  CHECK_INT(parse_err("'\\400'", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'\\x4'", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'abc", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'a\nb'", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("1.", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("0x", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("\xff", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "invalid UTF-8 in the expression");
}

static void test_precedence(void) {
  CHECK_STR(flat("a ? b : c ? d : e"), "_?_:_(a,b,_?_:_(c,d,e))");
  CHECK_STR(flat("a || b && c"), "_||_(a,_&&_(b,c))");
  CHECK_STR(flat("a && b == c"), "_&&_(a,_==_(b,c))");
  CHECK_STR(flat("a < b + c"), "_<_(a,_+_(b,c))");
  CHECK_STR(flat("a + b * c - d"), "_-_(_+_(a,_*_(b,c)),d)");
  CHECK_STR(flat("a - b - c"), "_-_(_-_(a,b),c)");
  CHECK_STR(flat("a / b % c"), "_%_(_/_(a,b),c)");
  CHECK_STR(flat("-a.b"), "-_(a.b)");
  CHECK_STR(flat("!a[0]"), "!_(_[_](a,0))");
  CHECK_STR(flat("a in b == c"), "_==_(@in(a,b),c)");
  CHECK_STR(flat("a.b.c(d)[e]"), "_[_](a.b.c(d),e)");
  CHECK_STR(flat("f(a, b)"), "f(a,b)");
  CHECK_STR(flat(".f(a)"), ".f(a)");
  CHECK_STR(flat(".a.b"), ".a.b");
  CHECK_STR(flat(". a"), ".a");
  CHECK_STR(flat("[1, 2,]"), "[1,2]");
  CHECK_STR(flat("[,] + {,}.size() + M{,}.f"), "_+_(_+_([],{}.size()),M{}.f)");
  CHECK_STR(flat("[,,]"), "ERROR expected an expression, found ','");
  CHECK_STR(flat("{'a': 1, 2: b,}"), "{\"a\":1,2:b}");
  CHECK_STR(flat("a.b.Msg{x: 1, `y-z`: 2}"), "a.b.Msg{x:1,y-z:2}");
  CHECK_STR(flat(".Msg{}"), ".Msg{}");
  CHECK_STR(flat("a.?b"), "_?._(a,\"b\")");
  CHECK_STR(flat("a[?0]"), "_[?_](a,0)");
  CHECK_STR(flat("[?a, b]"), "[?a,b]");
  CHECK_STR(flat("{?'k': v}"), "{?\"k\":v}");
  CHECK_STR(flat("a.var"), "a.var");
}

static void test_syntax_errors(void) {
  tally_error err;
  CHECK_INT(parse_err("(a", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected ')' to close '(' at 1:1, found end of input");
  CHECK_INT(err.line, 1);
  CHECK_INT(err.column, 3);
  CHECK_INT(parse_err("f(a,\n  b c)", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected ',' or ')' to close '(' at 1:2, found 'c'");
  CHECK_INT(err.line, 2);
  CHECK_INT(err.column, 5);
  CHECK_INT(parse_err("a and b", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected end of input (or an operator), found 'and' (CEL writes 'and' as '&&')");
  CHECK_INT(parse_err("[1, 2", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected ',' or ']' to close '[' at 1:1, found end of input");
  CHECK_INT(parse_err("a & b", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "unexpected character (did you mean '&&'?): '&'");
  CHECK_INT(parse_err("1 + ", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected an expression, found end of input");
  CHECK_INT(parse_err("a b", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected end of input (or an operator), found 'b'");
  CHECK_INT(parse_err("if", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "reserved identifier: if");
  CHECK_INT(parse_err("a ? b", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("{a}", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("x.true", &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_err("'é' + 😀", &err), TALLY_ERR_PARSE);
  CHECK_INT(err.column, 7); /* columns count code points */
  CHECK_INT(parse_err("has(a)", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "invalid argument to has() macro");
  CHECK_INT(parse_err("x.map(a.b, 1)", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "argument is not an identifier");
  CHECK_INT(parse_err("x.all(k, k, true)", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "duplicate variable name: k");
  CHECK_INT(parse_err("x.all(__result__, true)", &err), TALLY_ERR_PARSE);
  /* A long message token is cut. */
  CHECK_INT(parse_err("a 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", &err), TALLY_ERR_PARSE);
  CHECK_STR(err.message, "expected end of input (or an operator), found ''aaaaaaaaaaaaaaaaaaaaaaa...'");
}

static void test_options(void) {
  t_cel_ast ast;
  tally_error err;
  t_cel_parse_options o;
  memset(&o, 0, sizeof o);
  o.disable_macros = true;
  CHECK_INT(parse_opts("x.all(y, y > 0) && has(a.b)", &o, &ast, &err), TALLY_OK);
  CHECK_STR(text, "_&&_(\n  x.all(\n    y,\n    _>_(\n      y,\n      0\n    )\n  ),\n  has(\n    a.b\n  )\n)");
  CHECK_INT(ast.nmacro_calls, 0);
  memset(&o, 0, sizeof o);
  o.no_optional_syntax = true;
  CHECK_INT(parse_opts("a.?b", &o, &ast, &err), TALLY_ERR_PARSE);
  CHECK_INT(parse_opts("[?a]", &o, &ast, &err), TALLY_ERR_PARSE);
  memset(&o, 0, sizeof o);
  o.no_escaped_idents = true;
  CHECK_INT(parse_opts("a.`b`", &o, &ast, &err), TALLY_ERR_PARSE);
  memset(&o, 0, sizeof o);
  o.no_macro_sets = T_CEL_MACROS_TWO_VAR | T_CEL_MACROS_BIND;
  CHECK_INT(parse_opts("x.all(i, v, true) || cel.bind(a, 1, a)", &o, &ast, &err), TALLY_OK);
  CHECK(strstr(text, "__comprehension__") == NULL);
  memset(&o, 0, sizeof o);
  o.max_source_len = 5;
  CHECK_INT(parse_opts("1 + 2 + 3", &o, &ast, &err), TALLY_ERR_LIMIT);
}

/* Collects every node id of a tree (entries included). */
static void collect_ids(const t_cel_expr *e, uint32_t *ids, size_t *n) {
  if (!e) return;
  ids[(*n)++] = e->id;
  switch (e->kind) {
    case T_CEL_CONST: case T_CEL_IDENT: break;
    case T_CEL_SELECT: collect_ids(e->u.select.operand, ids, n); break;
    case T_CEL_CALL:
      collect_ids(e->u.call.target, ids, n);
      for (size_t i = 0; i < e->u.call.nargs; i++) collect_ids(e->u.call.args[i], ids, n);
      break;
    case T_CEL_LIST:
      for (size_t i = 0; i < e->u.list.nelems; i++) collect_ids(e->u.list.elems[i], ids, n);
      break;
    case T_CEL_MAP: case T_CEL_STRUCT:
      for (size_t i = 0; i < e->u.map.nentries; i++) {
        ids[(*n)++] = e->u.map.entries[i].id;
        collect_ids(e->u.map.entries[i].key, ids, n);
        collect_ids(e->u.map.entries[i].value, ids, n);
      }
      break;
    case T_CEL_COMPREHENSION:
      collect_ids(e->u.comp.iter_range, ids, n);
      collect_ids(e->u.comp.accu_init, ids, n);
      collect_ids(e->u.comp.loop_cond, ids, n);
      collect_ids(e->u.comp.loop_step, ids, n);
      collect_ids(e->u.comp.result, ids, n);
      break;
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void check_unique_ids(const char *src) {
  t_cel_ast ast;
  tally_error err;
  static uint32_t ids[4096];
  size_t n = 0;
  CHECK_INT(parse_opts(src, NULL, &ast, &err), TALLY_OK);
  if (!ast.root) return;
  collect_ids(ast.root, ids, &n);
  qsort(ids, n, sizeof ids[0], cmp_u32);
  bool unique = ids[0] > 0;
  for (size_t i = 1; i < n; i++)
    if (ids[i] == ids[i - 1]) unique = false;
  CHECK(unique);
  CHECK(ids[n - 1] < ast.next_id);
}

static void test_macros(void) {
  check_unique_ids("{'a': [1].map(x, x)}.?a.optMap(v, v.filter(y, y > 0)) && Msg{f: 1}.f == 1");
  check_unique_ids("x.filter(y, y.exists(z, has(z.a))) || cel.bind(a, {1: 2}, a.transformMap(k, v, v))");
  t_cel_ast ast;
  tally_error err;
  CHECK_INT(parse_opts("[1].all(x, x > 0)", NULL, &ast, &err), TALLY_OK);
  CHECK_INT(ast.nmacro_calls, 1);
  CHECK_INT(ast.root->kind, T_CEL_COMPREHENSION);
  CHECK(t_str_eq_cstr(ast.root->u.comp.accu_var, "@result"));
  CHECK(t_cel_ast_macro_call(&ast, ast.root->id) != NULL);
  CHECK(t_str_eq_cstr(t_cel_ast_macro_call(&ast, ast.root->id)->call->u.call.function, "all"));
  CHECK_INT(ast.root->offset, 7); /* the '(' of the call */
  CHECK_STR(flat("m.map(k.x, v)"), "ERROR argument is not an identifier");
  CHECK_STR(flat("x.exists(i, v, i < v)"),
            "__comprehension__(// Variablei,// Variable2v,// Targetx,// Accumulator@result,// Initfalse,"
            "// LoopCondition@not_strictly_false(!_(@result)),// LoopStep_||_(@result,_<_(i,v)),// Result@result)");
  CHECK_STR(flat("x.transformMap(k, v, v + 1)"),
            "__comprehension__(// Variablek,// Variable2v,// Targetx,// Accumulator@result,// Init{},"
            "// LoopConditiontrue,// LoopStepcel.@mapInsert(@result,k,_+_(v,1)),// Result@result)");
  CHECK_STR(flat("x.transformMapEntry(k, v, {k: v})"),
            "__comprehension__(// Variablek,// Variable2v,// Targetx,// Accumulator@result,// Init{},"
            "// LoopConditiontrue,// LoopStepcel.@mapInsert(@result,{k:v}),// Result@result)");
  CHECK_STR(flat("x.transformList(i, v, i > 0, v)"),
            "__comprehension__(// Variablei,// Variable2v,// Targetx,// Accumulator@result,// Init[],"
            "// LoopConditiontrue,// LoopStep_?_:_(_>_(i,0),_+_(@result,[v]),@result),// Result@result)");
  CHECK_STR(flat("cel.bind(a, 1, a + a)"),
            "__comprehension__(// Variable#unused,// Target[],// Accumulatora,// Init1,// LoopConditionfalse,"
            "// LoopStepa,// Result_+_(a,a))");
  CHECK_STR(flat("o.optMap(v, v + 1)"),
            "_?_:_(o.hasValue(),optional.of(__comprehension__(// Variable#unused,// Target[],// Accumulatorv,"
            "// Inito.value(),// LoopConditionfalse,// LoopStepv,// Result_+_(v,1))),optional.none())");
  CHECK_STR(flat("x.bind(a, 1, a)"), "x.bind(a,1,a)");
  CHECK_STR(flat("x.all(y)"), "x.all(y)");
  CHECK_INT(parse_opts("x.filter(y, y.exists(z, has(z.a)))", NULL, &ast, &err), TALLY_OK);
  CHECK_INT(ast.nmacro_calls, 3);
}

static void test_offsets_ids(void) {
  t_cel_ast ast;
  tally_error err;
  CHECK_INT(parse_opts("a + b.c(d)[0]", NULL, &ast, &err), TALLY_OK);
  const t_cel_expr *r = ast.root;
  CHECK_INT(r->offset, 2);
  const t_cel_expr *a = r->u.call.args[0], *idx = r->u.call.args[1];
  CHECK_INT(a->offset, 0);
  CHECK_INT(idx->offset, 10);            /* '[' */
  const t_cel_expr *call = idx->u.call.args[0];
  CHECK_INT(call->offset, 7);            /* '(' */
  CHECK_INT(call->u.call.target->offset, 4); /* the identifier b */
  CHECK(a->id < r->id);
  CHECK(ast.next_id > r->id);
  CHECK_INT(r->height, 4);
  CHECK_INT(parse_opts("a.b", NULL, &ast, &err), TALLY_OK);
  CHECK_INT(ast.root->offset, 1);
  CHECK_INT(parse_opts("-5", NULL, &ast, &err), TALLY_OK);
  CHECK_INT(ast.root->offset, 0);
  CHECK_INT(parse_opts("{1: 2}", NULL, &ast, &err), TALLY_OK);
  CHECK_INT(ast.root->u.map.entries[0].offset, 2); /* ':' */
}

static void test_limits(void) {
  tally_error err;
  char *big = malloc(200001);
  /* 1,000 nested parentheses: a clean limit error. */
  size_t n = 0;
  for (int i = 0; i < 1000; i++) big[n++] = '(';
  big[n++] = '1';
  for (int i = 0; i < 1000; i++) big[n++] = ')';
  big[n] = 0;
  CHECK_INT(parse_err(big, &err), TALLY_ERR_LIMIT);
  CHECK_STR(err.message, "expression nests too deeply (limit is 250 levels)");
  /* Deep lists and unary chains as well. */
  n = 0;
  for (int i = 0; i < 5000; i++) big[n++] = '[';
  big[n] = 0;
  CHECK_INT(parse_err(big, &err), TALLY_ERR_LIMIT);
  n = 0;
  for (int i = 0; i < 5000; i++) big[n++] = '-', big[n++] = '(';
  big[n] = 0;
  CHECK_INT(parse_err(big, &err), TALLY_ERR_LIMIT);
  /* A long + chain is built without recursion but its height is bounded. */
  n = 0;
  for (int i = 0; i < 1000; i++) n += (size_t)sprintf(big + n, "%sa", i ? " + " : "");
  CHECK_INT(parse_err(big, &err), TALLY_ERR_LIMIT);
  n = 0;
  for (int i = 0; i < 200; i++) n += (size_t)sprintf(big + n, "%sa", i ? " + " : "");
  CHECK_INT(parse_err(big, &err), TALLY_OK);
  /* && chains are balanced: 10,000 terms are 15 levels. */
  n = 0;
  for (int i = 0; i < 10000; i++) n += (size_t)sprintf(big + n, "%sa", i ? " && " : "");
  t_cel_ast ast;
  CHECK_INT(parse_opts(big, NULL, &ast, &err), TALLY_OK);
  CHECK(ast.root->height <= 16);
  /* Source length. */
  memset(big, ' ', 100001);
  big[0] = '1';
  big[100001] = 0;
  CHECK_INT(parse_err(big, &err), TALLY_ERR_LIMIT);
  big[100000] = 0;
  CHECK_INT(parse_err(big, &err), TALLY_OK);
  free(big);
}

static void round_trip(const char *src, const char *want) {
  t_cel_ast ast;
  tally_error err;
  if (parse_opts(src, NULL, &ast, &err) != TALLY_OK) {
    CHECK_STR(err.message, "parse");
    return;
  }
  static char first[sizeof text];
  memcpy(first, text, sizeof text);
  t_buf b;
  t_buf_init(&b, &alloc);
  CHECK_INT(t_cel_unparse(&b, &ast, &err), TALLY_OK);
  char *out = malloc(b.len + 1);
  memcpy(out, b.ptr ? b.ptr : "", b.len);
  out[b.len] = 0;
  t_buf_free(&b);
  if (want) CHECK_STR(out, want);
  CHECK_INT(parse_opts(out, NULL, &ast, &err), TALLY_OK);
  CHECK_STR(text, first);
  free(out);
}

static void test_unparse(void) {
  round_trip("a+b*c", "a + b * c");
  round_trip("(a+b)*c", "(a + b) * c");
  round_trip("a-(b-c)", "a - (b - c)");
  round_trip("a || b || c || d || e", "a || b || c || d || e");
  round_trip("a || (b || c)", "a || (b || c)");
  round_trip("(a || b) || c", "a || b || c");
  round_trip("a && (b || c)", "a && (b || c)");
  round_trip("-(1)", "-(1)");
  round_trip("-(-1)", "-(-1)");
  round_trip("-(-a)", "-(-a)");
  round_trip("!(!a)", "!(!a)");
  round_trip("-(-1).f()", "-(-1.f())");
  round_trip("-1.f()", "-1.f()");
  round_trip("1.0 + 2e0 + -0.0 + 1e100", "1.0 + 2.0 + -0.0 + 1e+100");
  round_trip("'a\\nb\"' + b'\\x00\\xffz'", "\"a\\nb\\\"\" + b\"\\x00\\xffz\"");
  round_trip("x.all(y, y > 0) && has(a.b)", "x.all(y, y > 0) && has(a.b)");
  round_trip("x.filter(y, y.exists(z, z == 1)).map(w, w)", "x.filter(y, y.exists(z, z == 1)).map(w, w)");
  round_trip("cel.bind(a, [1], a.exists_one(k, v, v > 0))", "cel.bind(a, [1], a.exists_one(k, v, v > 0))");
  round_trip("a ? b : c ? d : e", "a ? b : c ? d : e");
  round_trip("(a ? b : c) ? d : e", "(a ? b : c) ? d : e");
  round_trip("a.?b[?0] + {?1: [?x]}", "a.?b[?0] + {?1: [?x]}");
  round_trip("Msg{`a-b`: 1, c: 2}.`a-b`", "Msg{`a-b`: 1, c: 2}.`a-b`");
  round_trip(".a.b(.c)", ".a.b(.c)");
  round_trip("a in [1, 2] == (b in c)", "a in [1, 2] == (b in c)");
  round_trip("(a + b).size() + (-a).x", "(a + b).size() + (-a).x");
  round_trip("-9223372036854775808 - 1u", "-9223372036854775808 - 1u");
}

/*
** Random expressions from a small grammar (with redundant parentheses,
** signs and macro forms): whatever parses must unparse to text that
** parses to the same tree, and unparsing that again gives the same text.
*/
static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * 1103515245u + 12345u;
  return (rng_state >> 16) % n;
}

static void gen(char *out, size_t *n, size_t cap, int depth) {
#define PUT(str) do { const char *s_ = (str); size_t l_ = strlen(s_); if (*n + l_ < cap) { memcpy(out + *n, s_, l_); *n += l_; } } while (0)
  static const char *const atoms[] = {"a", "b.c", ".d", "1", "-2", "3u", "1.5", "-0.0", "1e300", "'s\\n'", "b'\\xff'",
                                      "true", "null", "x", "'é'", "-9223372036854775808", "r'\\d'", "[]", "{}"};
  static const char *const bin[] = {" + ", " - ", " * ", " / ", " % ", " == ", " != ", " < ", " <= ", " > ", " >= ",
                                    " in ", " && ", " || "};
  if (depth <= 0) {
    PUT(atoms[rnd(T_ARRAY_LEN(atoms))]);
    return;
  }
  switch (rnd(16)) {
    case 0: case 1: case 2:
      gen(out, n, cap, depth - 1);
      PUT(bin[rnd(T_ARRAY_LEN(bin))]);
      gen(out, n, cap, depth - 1);
      break;
    case 3: PUT("("); gen(out, n, cap, depth - 1); PUT(")"); break;
    case 4: PUT(rnd(2) ? "-" : "!"); if (rnd(2)) PUT("-"); gen(out, n, cap, depth - 1); break;
    case 5: gen(out, n, cap, depth - 1); PUT(" ? "); gen(out, n, cap, depth - 1); PUT(" : "); gen(out, n, cap, depth - 1); break;
    case 6: gen(out, n, cap, depth - 1); PUT(rnd(3) ? ".f" : ".?g"); break;
    case 7: gen(out, n, cap, depth - 1); PUT(rnd(3) ? "[" : "[?"); gen(out, n, cap, depth - 1); PUT("]"); break;
    case 8: PUT("[?"); gen(out, n, cap, depth - 1); PUT(", "); gen(out, n, cap, depth - 1); PUT("]"); break;
    case 9: PUT("{"); gen(out, n, cap, depth - 1); PUT(": "); gen(out, n, cap, depth - 1); PUT(", ?'k': x}"); break;
    case 10: PUT("M.N{f: "); gen(out, n, cap, depth - 1); PUT(", `g-h`: 1}"); break;
    case 11: {
      static const char *const m[] = {".all(v, ", ".exists(v, ", ".exists_one(v, ", ".map(v, ", ".filter(v, ",
                                      ".all(k, v, ", ".transformList(k, v, ", ".transformMap(k, v, ", ".optMap(v, "};
      gen(out, n, cap, depth - 1);
      PUT(m[rnd(T_ARRAY_LEN(m))]);
      gen(out, n, cap, depth - 1);
      PUT(")");
      break;
    }
    case 12: PUT("has("); gen(out, n, cap, depth - 1); PUT(".z)"); break;
    case 13: PUT("cel.bind(w, "); gen(out, n, cap, depth - 1); PUT(", "); gen(out, n, cap, depth - 1); PUT(")"); break;
    case 14: PUT("f("); gen(out, n, cap, depth - 1); PUT(", "); gen(out, n, cap, depth - 1); PUT(")"); break;
    default: gen(out, n, cap, depth - 1); PUT(".size()"); break;
  }
#undef PUT
}

#ifndef RANDOM_ITERS
#define RANDOM_ITERS 3000
#endif

static void test_unparse_random(void) {
  static char src[8192], first[sizeof text], u1[8192];
  int parsed = 0;
  for (int iter = 0; iter < RANDOM_ITERS; iter++) {
    size_t n = 0;
    gen(src, &n, sizeof src - 1, 1 + (int)rnd(5));
    src[n] = 0;
    t_cel_ast ast;
    tally_error err;
    if (parse_opts(src, NULL, &ast, &err) != TALLY_OK) continue;
    parsed++;
    memcpy(first, text, sizeof text);
    t_buf b;
    t_buf_init(&b, &alloc);
    tally_status s = t_cel_unparse(&b, &ast, &err);
    CHECK_INT(s, TALLY_OK);
    snprintf(u1, sizeof u1, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
    t_buf_free(&b);
    if (s != TALLY_OK) continue;
    if (parse_opts(u1, NULL, &ast, &err) != TALLY_OK) {
      fprintf(stderr, "unparse of %s gave %s: %s\n", src, u1, err.message);
      CHECK(0);
      continue;
    }
    if (strcmp(text, first) != 0) {
      fprintf(stderr, "round trip differs: %s -> %s\n", src, u1);
      CHECK(0);
      continue;
    }
    t_buf_init(&b, &alloc);
    CHECK_INT(t_cel_unparse(&b, &ast, &err), TALLY_OK);
    CHECK(b.len == strlen(u1) && memcmp(b.ptr, u1, b.len) == 0);
    t_buf_free(&b);
  }
  CHECK(parsed > 1000);
}

static void test_nomem(void) {
  const char *src = "x.filter(y, y.exists(z, has(z.a))) && [1, 2u, 'a', b'b'].map(q, {q: Msg{f: q}}) "
                    "|| a.b[c] ? -d : 1.5 + e1 + e2 + e3 + e4 + e5 + e6 + e7 + e8";
  check_alloc c2 = {0};
  tally_allocator a2 = check_allocator(&c2);
  int ok = 0, nomem = 0, other = 0;
  for (size_t fail = 1; fail < 200; fail++) {
    memset(&c2, 0, sizeof c2);
    c2.fail_at = fail;
    t_arena ar;
    t_arena_init(&ar, &a2, 256); /* small chunks: many allocations */
    t_cel_ast ast;
    tally_error err;
    tally_status s = t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err);
    if (s == TALLY_OK) ok++;
    else if (s == TALLY_ERR_NOMEM) nomem++;
    else other++;
    t_arena_free(&ar);
    CHECK_INT(c2.live_blocks, 0);
  }
  CHECK(nomem > 10);
  CHECK(ok > 0);
  CHECK_INT(other, 0);
}

int main(void) {
  alloc = check_allocator(&counts);
  t_arena_init(&arena, &alloc, 0);
  RUN(test_literals);
  RUN(test_literal_errors);
  RUN(test_precedence);
  RUN(test_syntax_errors);
  RUN(test_options);
  RUN(test_macros);
  RUN(test_offsets_ids);
  RUN(test_limits);
  RUN(test_unparse);
  RUN(test_unparse_random);
  RUN(test_nomem);
  t_arena_free(&arena);
  CHECK_INT(counts.live_blocks, 0);
  return check_report("test_cel_parser");
}
