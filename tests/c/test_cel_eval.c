/*
** test_cel_eval.c - the CEL compiler and evaluator on hand-built ASTs (so
** they do not depend on the parser): arithmetic and its errors, exact
** heterogeneous comparisons, error absorption, maps and lists, name
** resolution in containers, comprehensions and the cost limit, the
** activation API, typed JSON, and that evaluations do not leak.
*/
#include "check.h"
#include "tally/cel.h"
#include "cel/program.h"
#include "util/json.h"

static check_alloc counter;
static tally_allocator alloc;
static t_arena ar;   /* AST nodes */
static uint32_t next_id;

static t_cel_expr *node(t_cel_expr_kind k, size_t off) {
  t_cel_expr *e = t_arena_calloc(&ar, sizeof *e);
  e->kind = k;
  e->id = ++next_id;
  e->offset = off;
  return e;
}

static t_str S(const char *s) { return (t_str){s, strlen(s)}; }

static t_cel_expr *I(int64_t v) {
  t_cel_expr *e = node(T_CEL_CONST, 0);
  e->u.c.kind = T_CEL_CONST_INT;
  e->u.c.v.i = v;
  return e;
}
static t_cel_expr *U(uint64_t v) {
  t_cel_expr *e = node(T_CEL_CONST, 0);
  e->u.c.kind = T_CEL_CONST_UINT;
  e->u.c.v.u = v;
  return e;
}
static t_cel_expr *D(double v) {
  t_cel_expr *e = node(T_CEL_CONST, 0);
  e->u.c.kind = T_CEL_CONST_DOUBLE;
  e->u.c.v.d = v;
  return e;
}
static t_cel_expr *B(bool v) {
  t_cel_expr *e = node(T_CEL_CONST, 0);
  e->u.c.kind = T_CEL_CONST_BOOL;
  e->u.c.v.b = v;
  return e;
}
static t_cel_expr *Str(const char *s) {
  t_cel_expr *e = node(T_CEL_CONST, 0);
  e->u.c.kind = T_CEL_CONST_STRING;
  e->u.c.v.s = S(s);
  return e;
}
static t_cel_expr *Id(const char *name, size_t off) {
  t_cel_expr *e = node(T_CEL_IDENT, off);
  e->u.ident.name = S(name);
  return e;
}
static t_cel_expr *Sel(t_cel_expr *op, const char *f, bool test) {
  t_cel_expr *e = node(T_CEL_SELECT, 0);
  e->u.select.operand = op;
  e->u.select.field = S(f);
  e->u.select.test_only = test;
  return e;
}
static t_cel_expr *Call(const char *fn, t_cel_expr *target, size_t n, ...) {
  t_cel_expr *e = node(T_CEL_CALL, 3);
  e->u.call.function = S(fn);
  e->u.call.target = target;
  e->u.call.nargs = n;
  e->u.call.args = t_arena_alloc(&ar, (n ? n : 1) * sizeof(t_cel_expr *));
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) e->u.call.args[i] = va_arg(ap, t_cel_expr *);
  va_end(ap);
  return e;
}
static t_cel_expr *List(size_t n, ...) {
  t_cel_expr *e = node(T_CEL_LIST, 0);
  e->u.list.nelems = n;
  e->u.list.elems = t_arena_alloc(&ar, (n ? n : 1) * sizeof(t_cel_expr *));
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) e->u.list.elems[i] = va_arg(ap, t_cel_expr *);
  va_end(ap);
  return e;
}
/* Map {k1: v1, k2: v2 ...} from 2n arguments. */
static t_cel_expr *Map(size_t n, ...) {
  t_cel_expr *e = node(T_CEL_MAP, 0);
  e->u.map.nentries = n;
  e->u.map.entries = t_arena_calloc(&ar, (n ? n : 1) * sizeof(t_cel_entry));
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    e->u.map.entries[i].key = va_arg(ap, t_cel_expr *);
    e->u.map.entries[i].value = va_arg(ap, t_cel_expr *);
  }
  va_end(ap);
  return e;
}
/* The expansions of cel-go's macros. */
static t_cel_expr *Comp(const char *v1, const char *v2, t_cel_expr *range, t_cel_expr *init, t_cel_expr *cond,
                        t_cel_expr *step, t_cel_expr *result) {
  t_cel_expr *e = node(T_CEL_COMPREHENSION, 0);
  e->u.comp.iter_var = S(v1);
  e->u.comp.iter_var2 = S(v2 ? v2 : "");
  e->u.comp.iter_range = range;
  e->u.comp.accu_var = S("@result");
  e->u.comp.accu_init = init;
  e->u.comp.loop_cond = cond;
  e->u.comp.loop_step = step;
  e->u.comp.result = result;
  return e;
}
static t_cel_expr *MapMacro(t_cel_expr *range, const char *v, t_cel_expr *f) {
  return Comp(v, NULL, range, List(0), B(true), Call("_+_", NULL, 2, Id("@result", 0), List(1, f)), Id("@result", 0));
}
static t_cel_expr *All(t_cel_expr *range, const char *v, const char *v2, t_cel_expr *p) {
  return Comp(v, v2, range, B(true), Call("@not_strictly_false", NULL, 1, Id("@result", 0)),
              Call("_&&_", NULL, 2, Id("@result", 0), p), Id("@result", 0));
}
static t_cel_expr *Exists(t_cel_expr *range, const char *v, t_cel_expr *p) {
  return Comp(v, NULL, range, B(false), Call("@not_strictly_false", NULL, 1, Call("!_", NULL, 1, Id("@result", 0))),
              Call("_||_", NULL, 2, Id("@result", 0), p), Id("@result", 0));
}

static tally_cel_env *env;
static tally_cel_context *ctx;
static char got[4096];
static tally_error err;

/* Compiles and evaluates; returns the typed JSON or "ERR <kind>: <message>". */
static const char *run(t_cel_expr *root) {
  t_cel_ast ast = {0};
  ast.root = root;
  tally_cel_program *prog;
  tally_status s = t_cel_program_new(env, "x", 1, &prog, &err);
  if (!s) {
    s = t_cel_compile_ast(env, prog, &ast, &err);
    if (s) tally_cel_program_free(prog);
  }
  if (s) {
    snprintf(got, sizeof got, "ERR %s: %s", tally_status_kind(s), err.message);
    return got;
  }
  const tally_cel_value *v;
  s = tally_cel_eval(prog, ctx, &v, &err);
  if (s) {
    snprintf(got, sizeof got, "ERR %s: %s", tally_status_kind(s), err.message);
  } else {
    const char *json;
    size_t len;
    s = tally_cel_value_to_json(ctx, v, &json, &len, &err);
    snprintf(got, sizeof got, "%s", s ? "ERR json" : json);
  }
  tally_cel_program_free(prog);
  return got;
}

static const char *bin(const char *op, t_cel_expr *a, t_cel_expr *b) { return run(Call(op, NULL, 2, a, b)); }

static void test_arith(void) {
  CHECK_STR(bin("_+_", I(1), I(2)), "{\"type\":\"int\",\"value\":\"3\"}");
  CHECK_STR(bin("_+_", I(INT64_MAX), I(1)), "ERR eval: integer overflow");
  CHECK_STR(bin("_-_", I(INT64_MIN), I(1)), "ERR eval: integer overflow");
  CHECK_STR(bin("_*_", I(INT64_MAX), I(2)), "ERR eval: integer overflow");
  CHECK_STR(bin("_/_", I(INT64_MIN), I(-1)), "ERR eval: integer overflow");
  CHECK_STR(bin("_%_", I(INT64_MIN), I(-1)), "ERR eval: integer overflow");
  CHECK_STR(bin("_/_", I(1), I(0)), "ERR eval: division by zero");
  CHECK_STR(bin("_%_", I(1), I(0)), "ERR eval: modulus by zero");
  CHECK_STR(bin("_%_", I(-7), I(3)), "{\"type\":\"int\",\"value\":\"-1\"}");
  CHECK_STR(bin("_-_", U(1), U(2)), "ERR eval: integer overflow");
  CHECK_STR(bin("_+_", U(UINT64_MAX), U(0)), "{\"type\":\"uint\",\"value\":\"18446744073709551615\"}");
  CHECK_STR(bin("_/_", D(1), D(0)), "{\"type\":\"double\",\"value\":\"Infinity\"}");
  CHECK_STR(bin("_+_", I(1), U(1)), "ERR eval: no matching overload for '_+_' applied to '(int, uint)'");
  CHECK_STR(run(Call("-_", NULL, 1, I(INT64_MIN))), "ERR eval: integer overflow");
  CHECK_STR(bin("_+_", Str("ab"), Str("c")), "{\"type\":\"string\",\"value\":\"abc\"}");
  CHECK_STR(bin("_+_", List(1, I(1)), List(1, Str("a"))),
            "{\"type\":\"list\",\"value\":[{\"type\":\"int\",\"value\":\"1\"},{\"type\":\"string\",\"value\":\"a\"}]}");
}

static void test_compare(void) {
  CHECK_STR(bin("_==_", I(1), U(1)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_==_", I(1), D(1.0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_==_", I(1), Str("1")), "{\"type\":\"bool\",\"value\":false}");
  CHECK_STR(bin("_<_", I(-1), U(0)), "{\"type\":\"bool\",\"value\":true}");
  /* 2^53 + 1 as int against the double 2^53: exact, not via a lossy conversion */
  CHECK_STR(bin("_>_", I(9007199254740993LL), D(9007199254740992.0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_==_", I(9007199254740993LL), D(9007199254740992.0)), "{\"type\":\"bool\",\"value\":false}");
  /* ... except at 2^63 and 2^64, where the suite wants cel-go's rounding */
  CHECK_STR(bin("_<_", U(UINT64_MAX), D(18446744073709551616.0)), "{\"type\":\"bool\",\"value\":false}");
  CHECK_STR(bin("_>=_", I(INT64_MAX), D(9223372036854775808.0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_<_", I(INT64_MAX - 1024), D(9223372036854775808.0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_==_", D(0.0 / 0.0), D(0.0 / 0.0)), "{\"type\":\"bool\",\"value\":false}");
  CHECK_STR(bin("_<_", Str("a"), I(1)), "ERR eval: no matching overload for '_<_' applied to '(string, int)'");
  CHECK_STR(bin("_==_", List(2, I(1), D(2.0)), List(2, U(1), I(2))), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("_==_", Map(1, Str("a"), I(1)), Map(1, Str("a"), I(1))), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("@in", D(2.0), List(2, I(1), I(2))), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(bin("@in", U(1), Map(1, I(1), Str("x"))), "{\"type\":\"bool\",\"value\":true}");
}

static void test_logic(void) {
  t_cel_expr *boom = Call("_/_", NULL, 2, I(1), I(0));
  CHECK_STR(bin("_||_", boom, B(true)), "{\"type\":\"bool\",\"value\":true}");
  boom = Call("_/_", NULL, 2, I(1), I(0));
  CHECK_STR(bin("_&&_", boom, B(false)), "{\"type\":\"bool\",\"value\":false}");
  boom = Call("_/_", NULL, 2, I(1), I(0));
  CHECK_STR(bin("_&&_", B(true), boom), "ERR eval: division by zero");
  CHECK_STR(run(Call("_?_:_", NULL, 3, B(false), Call("_/_", NULL, 2, I(1), I(0)), I(5))),
            "{\"type\":\"int\",\"value\":\"5\"}");
  CHECK_STR(bin("_&&_", I(1), B(true)), "ERR eval: no matching overload for '_&&_' applied to '(int, bool)'");
}

static void test_maps_lists(void) {
  CHECK_STR(bin("_[_]", Map(2, Str("a"), I(1), I(2), Str("b")), U(2)), "{\"type\":\"string\",\"value\":\"b\"}");
  CHECK_STR(bin("_[_]", Map(1, Str("a"), I(1)), Str("z")), "ERR eval: no such key: z");
  CHECK_STR(bin("_[_]", List(2, I(1), I(2)), I(2)), "ERR eval: index out of range: 2 (list size 2)");
  CHECK_STR(run(Map(2, I(1), I(1), U(1), I(2))), "ERR eval: Failed with repeated key");
  CHECK_STR(run(Sel(Map(1, Str("a"), I(7)), "a", false)), "{\"type\":\"int\",\"value\":\"7\"}");
  CHECK_STR(run(Sel(Map(1, Str("a"), I(7)), "b", true)), "{\"type\":\"bool\",\"value\":false}");
  CHECK_STR(run(Call("size", NULL, 1, Str("h\xc3\xa9llo"))), "{\"type\":\"int\",\"value\":\"5\"}");
  CHECK_STR(run(Map(1, D(1.5), I(1))), "ERR eval: unsupported key type: double");
  /* A big map uses its hash index; int and uint keys meet. */
  t_cel_expr *m = Map(10, I(0), I(0), I(1), I(1), I(2), I(2), I(3), I(3), I(4), I(4), I(5), I(5), I(6), I(6),
                      I(7), I(7), I(8), I(8), I(9), I(90));
  CHECK_STR(bin("_[_]", m, U(9)), "{\"type\":\"int\",\"value\":\"90\"}");
}

static void test_conversions(void) {
  CHECK_STR(run(Call("int", NULL, 1, D(-9223372036854775808.0))), "ERR eval: integer overflow: int range error");
  CHECK_STR(run(Call("int", NULL, 1, D(-3.9))), "{\"type\":\"int\",\"value\":\"-3\"}");
  CHECK_STR(run(Call("uint", NULL, 1, I(-1))), "ERR eval: integer overflow: uint range error");
  CHECK_STR(run(Call("string", NULL, 1, D(1e6))), "{\"type\":\"string\",\"value\":\"1e+06\"}");
  CHECK_STR(run(Call("string", NULL, 1, D(-4.5e-3))), "{\"type\":\"string\",\"value\":\"-0.0045\"}");
  CHECK_STR(run(Call("int", NULL, 1, Str("-42"))), "{\"type\":\"int\",\"value\":\"-42\"}");
  CHECK_STR(run(Call("bool", NULL, 1, Str("TrUe"))), "ERR eval: type conversion error from 'string' to 'bool'");
  CHECK_STR(run(Call("type", NULL, 1, List(0))), "{\"type\":\"type\",\"value\":\"list\"}");
  CHECK_STR(run(Id("int", 0)), "{\"type\":\"type\",\"value\":\"int\"}");
  CHECK_STR(bin("_==_", Call("type", NULL, 1, I(1)), Id("int", 0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(run(Call("string", NULL, 1, Call("timestamp", NULL, 1, Str("2009-02-13T23:31:30.5Z")))),
            "{\"type\":\"string\",\"value\":\"2009-02-13T23:31:30.5Z\"}");
  CHECK_STR(run(Call("getHours", Call("timestamp", NULL, 1, Str("2009-02-13T23:31:30Z")), 1, Str("+05:30"))),
            "{\"type\":\"int\",\"value\":\"5\"}");
  CHECK_STR(bin("_-_", Call("timestamp", NULL, 1, Str("2009-02-13T23:31:30Z")),
                Call("timestamp", NULL, 1, Str("2009-02-13T23:31:29.5Z"))),
            "{\"type\":\"duration\",\"value\":\"0.5s\"}");
}

static void test_names(void) {
  tally_cel_env_declare(env, "x.y", 3, &err);
  tally_cel_env_declare(env, "y", 1, &err);
  tally_cel_env_set_container(env, "x", 1, &err);
  tally_cel_context_bind(ctx, "x.y", 3, tally_cel_value_bool(ctx, true), &err);
  tally_cel_context_bind(ctx, "y", 1, tally_cel_value_string(ctx, "plain", 5), &err);
  CHECK_STR(run(Id("y", 0)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(run(Id(".y", 0)), "{\"type\":\"string\",\"value\":\"plain\"}");
  CHECK_STR(run(Sel(Id("x", 0), "y", false)), "{\"type\":\"bool\",\"value\":true}");
  CHECK_STR(run(Id("nope", 4)), "ERR check: undeclared reference to 'nope' (in container 'x')");
  CHECK_INT(err.line, 1);
  CHECK_STR(run(Call("frobnicate", NULL, 1, I(1))), "ERR check: undeclared reference to 'frobnicate' (in container 'x')");
  CHECK_STR(run(Call("size", NULL, 2, I(1), I(2))), "ERR check: no matching overload for 'size' with 2 arguments");
  /* A comprehension variable shadows the container's name. */
  CHECK_STR(run(Exists(List(1, I(0)), "y", Call("_==_", NULL, 2, Id("y", 0), I(0)))),
            "{\"type\":\"bool\",\"value\":true}");
  tally_cel_env_set_dynamic(env, true);
  CHECK_STR(run(Id("nope", 0)), "ERR eval: no such attribute: nope");
  tally_cel_env_set_dynamic(env, false);
  tally_cel_env_set_container(env, "", 0, &err);
  tally_cel_context_clear(ctx);
}

static void test_comprehensions(void) {
  t_cel_expr *l = List(3, I(1), I(2), I(3));
  CHECK_STR(run(MapMacro(l, "v", Call("_*_", NULL, 2, Id("v", 0), I(2)))),
            "{\"type\":\"list\",\"value\":[{\"type\":\"int\",\"value\":\"2\"},{\"type\":\"int\",\"value\":\"4\"},"
            "{\"type\":\"int\",\"value\":\"6\"}]}");
  /* all() absorbs an error when another element is false */
  t_cel_expr *p = Call("_==_", NULL, 2, Call("_/_", NULL, 2, I(6), Id("v", 0)), I(3));
  CHECK_STR(run(All(List(2, I(0), I(1)), "v", NULL, p)), "{\"type\":\"bool\",\"value\":false}");
  p = Call("_>_", NULL, 2, Call("_/_", NULL, 2, I(6), Id("v", 0)), I(0));
  CHECK_STR(run(All(List(2, I(0), I(1)), "v", NULL, p)), "ERR eval: division by zero");
  /* two variables over a map: all(k, v, k == v) */
  p = Call("_==_", NULL, 2, Id("k", 0), Id("v", 0));
  CHECK_STR(run(All(Map(2, Str("a"), Str("a"), Str("b"), Str("c")), "k", "v", p)),
            "{\"type\":\"bool\",\"value\":false}");
  /* Nested five deep: stops at the cost limit, quickly. */
  t_cel_expr *inner = Id("e", 0);
  const char *vars[] = {"a", "b", "c", "d", "e"};
  for (int i = 4; i >= 0; i--)
    inner = MapMacro(List(10, I(1), I(2), I(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10)), vars[i], inner);
  const char *r = run(inner);
  CHECK(strncmp(r, "ERR limit: evaluation cost limit exceeded", 41) == 0);
}

static void test_activation(void) {
  tally_cel_env_declare(env, "m", 1, &err);
  tally_cel_env_declare(env, "n", 1, &err);
  tally_cel_value *m = tally_cel_value_map(ctx);
  tally_cel_value *lst = tally_cel_value_list(ctx);
  CHECK_INT(tally_cel_list_append(ctx, lst, tally_cel_value_uint(ctx, 7), &err), TALLY_OK);
  CHECK_INT(tally_cel_map_insert(ctx, m, tally_cel_value_string(ctx, "k", 1), lst, &err), TALLY_OK);
  CHECK_INT(tally_cel_map_insert(ctx, m, tally_cel_value_string(ctx, "k", 1), lst, &err), TALLY_ERR_INPUT);
  CHECK_INT(tally_cel_context_bind(ctx, "m", 1, m, &err), TALLY_OK);
  CHECK_INT(tally_cel_context_bind(ctx, "n", 1, tally_cel_value_duration(ctx, 1500000000), &err), TALLY_OK);
  CHECK_STR(run(Call("_[_]", NULL, 2, Sel(Id("m", 0), "k", false), I(0))), "{\"type\":\"uint\",\"value\":\"7\"}");
  CHECK_STR(run(Id("n", 0)), "{\"type\":\"duration\",\"value\":\"1.5s\"}");
  CHECK_STR(run(Sel(Id("m", 0), "zz", false)), "ERR eval: no such key: zz");
  const char *js = "{\"m\": {\"type\":\"map\",\"value\":[[{\"type\":\"int\",\"value\":\"1\"},{\"type\":\"bytes\",\"value\":\"YWJj\"}]]}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, js, strlen(js), true, &err), TALLY_OK);
  CHECK_STR(run(Id("m", 0)),
            "{\"type\":\"map\",\"value\":[[{\"type\":\"int\",\"value\":\"1\"},{\"type\":\"bytes\",\"value\":\"YWJj\"}]]}");
  js = "{\"m\": {\"a\": [1, 2.5, \"x\", null, true]}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, js, strlen(js), false, &err), TALLY_OK);
  CHECK_STR(run(Sel(Id("m", 0), "a", false)),
            "{\"type\":\"list\",\"value\":[{\"type\":\"int\",\"value\":\"1\"},{\"type\":\"double\",\"value\":2.5},"
            "{\"type\":\"string\",\"value\":\"x\"},{\"type\":\"null\"},{\"type\":\"bool\",\"value\":true}]}");
  tally_cel_context_clear(ctx);
}

/* A million-style loop in miniature: repeated evaluations reuse the arena. */
static void test_no_growth(void) {
  tally_cel_env_declare(env, "x", 1, &err);
  t_cel_ast ast = {0};
  ast.root = MapMacro(List(3, Id("x", 0), I(2), I(3)), "v", Call("_+_", NULL, 2, Call("string", NULL, 1, Id("v", 0)), Str("!")));
  tally_cel_program *prog;
  CHECK_INT(t_cel_program_new(env, "x", 1, &prog, &err), TALLY_OK);
  CHECK_INT(t_cel_compile_ast(env, prog, &ast, &err), TALLY_OK);
  size_t after_first = 0;
  for (int i = 0; i < 20000; i++) {
    tally_cel_context_bind(ctx, "x", 1, tally_cel_value_int(ctx, i), &err);
    const tally_cel_value *v;
    if (tally_cel_eval(prog, ctx, &v, &err) != TALLY_OK) { CHECK(0); break; }
    if (i == 0) after_first = counter.live_bytes;
    tally_cel_context_clear(ctx);
  }
  CHECK(counter.live_bytes <= after_first);
  tally_cel_program_free(prog);
}

int main(void) {
  alloc = check_allocator(&counter);
  t_arena_init(&ar, &alloc, 1 << 16);
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  CHECK_INT(tally_cel_context_new(&alloc, &ctx), TALLY_OK);
  RUN(test_arith);
  RUN(test_compare);
  RUN(test_logic);
  RUN(test_maps_lists);
  RUN(test_conversions);
  RUN(test_names);
  RUN(test_comprehensions);
  RUN(test_activation);
  RUN(test_no_growth);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  t_arena_free(&ar);
  CHECK_INT(counter.live_bytes, 0);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_cel_eval");
}
