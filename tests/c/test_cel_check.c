/*
** test_cel_check.c - the CEL type checker: type strings, unification,
** deduced types, errors with positions (carets mark the column), the
** references API, the sign-up rule cases the rules engine relies on,
** allocation failure at every step, and the cost of checking next to
** parsing.
*/
#include <time.h>
#include "check.h"
#include "tally/cel_check.h"
#include "cel/checker.h"
#include "cel/parser.h"
#include "util/error.h"
#include "util/json.h"

static check_alloc counter;
static tally_allocator alloc;

/* ** {====== Types */

static const char *print_type(t_arena *ar, const t_type *t, t_type_style style) {
  static char out[256];
  t_buf b;
  t_buf_init(&b, &alloc);
  t_type_print(&b, t, style);
  snprintf(out, sizeof out, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
  t_buf_free(&b);
  (void)ar;
  return out;
}

static void test_type_strings(void) {
  t_arena ar;
  t_arena_init(&ar, &alloc, 4096);
  static const char *const round[] = {
    "int", "list(int)", "map(string, dyn)", "list(map(int, list(bool)))", "type(int)", "optional_type(int)",
    "google.protobuf.Timestamp", "null_type", "wrapper(int)", "set(T)", "bytes"};
  for (size_t i = 0; i < sizeof round / sizeof *round; i++) {
    const t_type *t = NULL;
    tally_error err;
    CHECK_INT(t_type_parse(&ar, round[i], strlen(round[i]), NULL, NULL, &t, &err), TALLY_OK);
    if (t) CHECK_STR(print_type(&ar, t, T_TYPE_STYLE_NAME), round[i]);
  }
  const t_type *t = NULL;
  tally_error err;
  CHECK_INT(t_type_parse(&ar, " map( string ,int ) ", 20, NULL, NULL, &t, &err), TALLY_OK);
  CHECK_STR(print_type(&ar, t, T_TYPE_STYLE_NAME), "map(string, int)");
  CHECK_INT(t_type_parse(&ar, "timestamp", 9, NULL, NULL, &t, &err), TALLY_OK);
  CHECK_STR(print_type(&ar, t, T_TYPE_STYLE_CHECK), "timestamp");
  CHECK_STR(print_type(&ar, t, T_TYPE_STYLE_NAME), "google.protobuf.Timestamp");
  CHECK_INT(t_type_parse(&ar, "<T>", 3, NULL, NULL, &t, &err), TALLY_OK);
  CHECK(t->kind == T_TYPE_PARAM);
  CHECK_INT(t_type_parse(&ar, "strin", 5, NULL, NULL, &t, &err), TALLY_ERR_INPUT);
  CHECK_STR(err.message, "invalid type 'strin': unknown type name");
  CHECK_INT(t_type_parse(&ar, "map(int)", 8, NULL, NULL, &t, &err), TALLY_ERR_INPUT);
  CHECK_INT(t_type_parse(&ar, "list(int", 8, NULL, NULL, &t, &err), TALLY_ERR_INPUT);
  CHECK_INT(t_type_parse(&ar, "list(int))", 10, NULL, NULL, &t, &err), TALLY_ERR_INPUT);
  /* Deep nesting is an error, not a stack overflow. */
  char deep[1200];
  size_t n = 0;
  for (int i = 0; i < 100; i++) n += (size_t)snprintf(deep + n, sizeof deep - n, "list(");
  n += (size_t)snprintf(deep + n, sizeof deep - n, "int");
  for (int i = 0; i < 100; i++) deep[n++] = ')';
  CHECK_INT(t_type_parse(&ar, deep, n, NULL, NULL, &t, &err), TALLY_ERR_INPUT);
  t_arena_free(&ar);
}

static void test_unification(void) {
  t_arena ar;
  t_arena_init(&ar, &alloc, 4096);
  t_type_subst m = {&ar, NULL, 0, 0, false};
  const t_type *a = t_type_param(&ar, T_STR("A"));
  const t_type *la = t_type_list(&ar, a);
  const t_type *li = t_type_list(&ar, &t_type_int);
  /* list(int) against list(A) binds A to int; then A no longer takes a string. */
  CHECK(t_type_assignable(&m, li, la));
  CHECK(t_type_substitute(&m, a, false) == &t_type_int);
  CHECK(!t_type_assignable(&m, &t_type_string, a));
  CHECK(t_type_substitute(&m, a, false) == &t_type_int);
  /* dyn joins anything, and is the more general type. */
  CHECK(t_type_assignable(&m, &t_type_dyn, a));
  CHECK(t_type_most_general(&t_type_dyn, &t_type_int) == &t_type_dyn);
  CHECK(t_type_most_general(&t_type_int, &t_type_dyn) == &t_type_dyn);
  /* null goes where an optional or a timestamp goes, not where an int goes. */
  CHECK(t_type_assignable(&m, &t_type_null, t_type_optional(&ar, &t_type_int)));
  CHECK(t_type_assignable(&m, &t_type_null, &t_type_timestamp));
  CHECK(!t_type_assignable(&m, &t_type_null, &t_type_int));
  CHECK(t_type_assignable(&m, &t_type_null, t_type_wrapper(&ar, &t_type_int)));
  /* The occurs check: B cannot become list(B). */
  const t_type *b = t_type_param(&ar, T_STR("B"));
  CHECK(!t_type_assignable(&m, t_type_list(&ar, b), b));
  CHECK(t_type_substitute(&m, t_type_map(&ar, b, a), true)->params[0] == &t_type_dyn);
  t_arena_free(&ar);
}

/* }====== */

/* ** {====== Checking expressions */

static tally_cel_checker *signup_checker(void) {
  tally_cel_checker *chk = NULL;
  tally_error err;
  CHECK_INT(tally_cel_checker_new(&alloc, &chk), TALLY_OK);
  static const tally_cel_field scores[] = {{"bot", "int"}, {"free_trial_abuse", "int"}};
  CHECK_INT(tally_cel_checker_declare(chk, "email", "string", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "authMethod", "string", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "countryCode", "string", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare_object(chk, "riskScores", "tally.RiskScores", scores, 2, &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "request.headers", "map(string, string)", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "signedUpAt", "google.protobuf.Timestamp", &err), TALLY_OK);
  return chk;
}

/* Checks src; returns the type, or "ERR l:c message" of the first error. */
static const char *check(tally_cel_checker *chk, const char *src, const char *expected) {
  static char out[600];
  tally_cel_check_result *res = NULL;
  tally_error err;
  t_error_clear(&err);
  tally_status st = tally_cel_check(chk, src, strlen(src), expected, &res, &err);
  if (st == TALLY_OK) {
    snprintf(out, sizeof out, "%s", tally_cel_check_result_type(res));
  } else {
    snprintf(out, sizeof out, "ERR %s %u:%u %s", tally_status_kind(st), (unsigned)err.line, (unsigned)err.column,
             err.message);
  }
  if (st == TALLY_OK || st == TALLY_ERR_CHECK) CHECK(res != NULL);
  else CHECK(res == NULL);
  tally_cel_check_result_free(res);
  return out;
}

static void test_types(void) {
  tally_cel_checker *chk = signup_checker();
  CHECK_STR(check(chk, "1 + 2", NULL), "int");
  CHECK_STR(check(chk, "[1, 'a']", NULL), "list(dyn)");
  CHECK_STR(check(chk, "{}", NULL), "map(dyn, dyn)");
  CHECK_STR(check(chk, "[[], [[]]]", NULL), "list(list(list(dyn)))");
  CHECK_STR(check(chk, "null", NULL), "null_type");
  CHECK_STR(check(chk, "type(1)", NULL), "type(int)");
  CHECK_STR(check(chk, "signedUpAt", NULL), "google.protobuf.Timestamp");
  CHECK_STR(check(chk, "signedUpAt - duration('1h')", NULL), "google.protobuf.Timestamp");
  CHECK_STR(check(chk, "signedUpAt.getHours('Europe/Paris')", NULL), "int");
  CHECK_STR(check(chk, "riskScores", NULL), "tally.RiskScores");
  CHECK_STR(check(chk, "riskScores.bot", NULL), "int");
  CHECK_STR(check(chk, "request.headers['ua']", NULL), "string");
  CHECK_STR(check(chk, "request.headers.ua", NULL), "string");
  CHECK_STR(check(chk, "email.split('@')", NULL), "list(string)");
  CHECK_STR(check(chk, "[1, 2].map(x, x * 2.0)", NULL), "ERR check 1:17 found no matching overload for '_*_' applied to '(int, double)'");
  CHECK_STR(check(chk, "[1, 2].map(x, double(x) * 2.0)", NULL), "list(double)");
  CHECK_STR(check(chk, "{'a': 1}.transformMap(k, v, v + 1)", NULL), "map(string, int)");
  CHECK_STR(check(chk, "optional.of(email).orValue('')", NULL), "string");
  CHECK_STR(check(chk, "request.headers.?ua", NULL), "optional_type(string)");
  CHECK_STR(check(chk, "[optional.none(), optional.of(1)]", NULL), "list(optional_type(int))");
  CHECK_STR(check(chk, "math.greatest(1, 2u, 3.0)", NULL), "dyn");
  CHECK_STR(check(chk, "math.greatest(1, 2, 3)", NULL), "int");
  CHECK_STR(check(chk, "base64.encode(b'hi')", NULL), "string");
  CHECK_STR(check(chk, "cel.bind(x, 1, x + 1)", NULL), "int");
  CHECK_STR(check(chk, "dyn(1) + 1", NULL), "int");
  CHECK_STR(check(chk, "type(riskScores) == tally.RiskScores", NULL), "bool");
  CHECK_STR(check(chk, "1 < 1.5 && 2u >= 1", NULL), "bool");
  /* Errors inside macros point into what was written. */
  CHECK_STR(check(chk, "[1].all(e, 0)", NULL),
            /*                 ^ */
            "ERR check 1:12 expected type 'bool' but found 'int'");
  CHECK_STR(check(chk, "email.exists(c, c)", NULL),
            "ERR check 1:1 expression of type 'string' cannot be range of a comprehension (must be list, map, or dynamic)");
  CHECK_STR(check(chk, "[1].exists(y, y > 0) && y < 5", NULL),
            "ERR check 1:25 undeclared reference to 'y' (in container '')");
  CHECK_STR(check(chk, "1 && true", NULL), "ERR check 1:1 expected type 'bool' but found 'int'");
  CHECK_STR(check(chk, "tally.RiskScores{bot: 1}", NULL), "tally.RiskScores");
  CHECK_STR(check(chk, "tally.RiskScores{bot: 'x'}", NULL),
            "ERR check 1:21 expected type of field 'bot' is 'int' but provided type is 'string'");
  CHECK_STR(check(chk, "tally.RiskScores{bat: 1}", NULL), "ERR check 1:21 undefined field 'bat'");
  CHECK_STR(check(chk, "int{}", NULL), "ERR check 1:4 'int' is not a message type");
  CHECK_STR(check(chk, "email{}", NULL), "ERR check 1:6 'string' is not a type");
  tally_cel_checker_set_cross_type_comparisons(chk, false);
  CHECK_STR(check(chk, "1 < 1.5", NULL), "ERR check 1:3 found no matching overload for '_<_' applied to '(int, double)'");
  tally_cel_checker_set_libraries(chk, TALLY_CEL_LIB_STANDARD);
  CHECK_STR(check(chk, "email.lowerAscii()", NULL), "ERR check 1:17 found no matching overload for 'lowerAscii' applied to 'string.()'");
  CHECK_STR(check(chk, "a.?b", NULL), "ERR parse 1:2 unsupported syntax '.?' (optional syntax is disabled)");
  tally_cel_checker_free(chk);
}

/* The validations of the rules engine: each with its line and column. */
static void test_signup_errors(void) {
  tally_cel_checker *chk = signup_checker();
  CHECK_STR(check(chk, "riskScores.bot > 10 && countryCode == 'FR'", "bool"), "bool");
  CHECK_STR(check(chk, "riskScores.bots > 1", "bool"),
            /*         ^ */
            "ERR check 1:11 undefined field 'bots'");
  CHECK_STR(check(chk, "riskScores.bot > \"10\"", "bool"),
            /*              ^ */
            "ERR check 1:16 found no matching overload for '_>_' applied to '(int, string)'");
  CHECK_STR(check(chk, "riskScores.bot + 1", "bool"), "ERR check 1:1 expected type 'bool' but found 'int'");
  CHECK_STR(check(chk, "  email", "bool"), "ERR check 1:3 expected type 'bool' but found 'string'");
  CHECK_STR(check(chk, "request.headers['x'] == 'y' ||\n  emial.endsWith('@x.com')", "bool"),
            "ERR check 2:3 undeclared reference to 'emial' (in container '')");
  CHECK_STR(check(chk, "dyn(email)", "bool"), "dyn");
  CHECK_STR(check(chk, "email.startsWith(1)", NULL),
            "ERR check 1:17 found no matching overload for 'startsWith' applied to 'string.(int)'");
  CHECK_STR(check(chk, "riskScores.bot > ", "bool"), "ERR parse 1:18 expected an expression, found end of input");
  CHECK_STR(check(chk, "1", "strin"), "ERR input 0:0 invalid type 'strin': unknown type name");

  /* Every error is listed, in check order. */
  tally_cel_check_result *res = NULL;
  tally_error err;
  const char *src = "riskScores.bots > 1 && riskScores.free_trial_abuse > 'x'";
  CHECK_INT(tally_cel_check(chk, src, strlen(src), "bool", &res, &err), TALLY_ERR_CHECK);
  CHECK_INT(tally_cel_check_result_error_count(res), 2);
  size_t off;
  uint32_t line, col;
  CHECK_STR(tally_cel_check_result_error(res, 0, &off, &line, &col), "undefined field 'bots'");
  CHECK_INT(col, 11);
  CHECK_STR(tally_cel_check_result_error(res, 1, &off, &line, &col),
            "found no matching overload for '_>_' applied to '(int, string)'");
  CHECK_INT(col, 52);
  CHECK_STR(tally_cel_check_result_type(res), "error");
  tally_cel_check_result_free(res);
  tally_cel_checker_free(chk);
}

static void test_references(void) {
  tally_cel_checker *chk = signup_checker();
  tally_cel_check_result *res = NULL;
  tally_error err;
  const char *src = "email.endsWith('@x.com') && riskScores.bot > 5 &&\n request.headers['ua'] != '' &&"
                    " [1].exists(email, email > 0) && {'k': riskScores}.k.free_trial_abuse > 1";
  CHECK_INT(tally_cel_check(chk, src, strlen(src), "bool", &res, &err), TALLY_OK);
  static const struct { tally_cel_reference_kind kind; const char *path; const char *text; uint32_t line, col; } want[] = {
    {TALLY_CEL_REF_VARIABLE, "email", "email", 1, 1},
    {TALLY_CEL_REF_VARIABLE, "riskScores", "riskScores", 1, 29},
    {TALLY_CEL_REF_FIELD, "riskScores.bot", "bot", 1, 40},
    {TALLY_CEL_REF_VARIABLE, "request.headers", "request.headers", 2, 2},
    {TALLY_CEL_REF_VARIABLE, "riskScores", "riskScores", 2, 71},
    {TALLY_CEL_REF_FIELD, "k", "k", 2, 83},
    {TALLY_CEL_REF_FIELD, "free_trial_abuse", "free_trial_abuse", 2, 85},
  };
  size_t n = tally_cel_check_result_reference_count(res);
  CHECK_INT(n, sizeof want / sizeof *want);
  for (size_t i = 0; i < n && i < sizeof want / sizeof *want; i++) {
    const tally_cel_reference *r = tally_cel_check_result_reference(res, i);
    CHECK_INT(r->kind, want[i].kind);
    CHECK_STR(r->path, want[i].path);
    CHECK_INT(r->line, want[i].line);
    CHECK_INT(r->column, want[i].col);
    CHECK_INT(r->length, strlen(want[i].text));
    CHECK(strncmp(src + r->offset, want[i].text, r->length) == 0);
  }
  CHECK(tally_cel_check_result_reference(res, n) == NULL);
  tally_cel_check_result_free(res);
  tally_cel_checker_free(chk);
}

static void test_declarations(void) {
  tally_cel_checker *chk = NULL;
  tally_error err;
  CHECK_INT(tally_cel_checker_new(&alloc, &chk), TALLY_OK);
  static const char *const p1[] = {"list(T)"};
  CHECK_INT(tally_cel_checker_declare_function(chk, "firstOr", "first_or_list", true,
                                               (const char *const[]){"list(T)", "T"}, 2, "T", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare_function(chk, "set", "set_list", false, p1, 1, "set(T)", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare_function(chk, "set", "set_list", false, p1, 1, "set(T)", &err), TALLY_ERR_USAGE);
  CHECK_INT(tally_cel_checker_declare(chk, "x", "int", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "x", "int", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "x", "string", &err), TALLY_ERR_USAGE);
  CHECK_STR(err.message, "overlapping identifier for name 'x'");
  CHECK_INT(tally_cel_checker_declare(chk, "bad name", "int", &err), TALLY_ERR_USAGE);
  CHECK_INT(tally_cel_checker_declare(chk, "y", "lst", &err), TALLY_ERR_INPUT);
  CHECK_INT(tally_cel_checker_set_container(chk, "com.example", &err), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "com.example.z", "bytes", &err), TALLY_OK);
  CHECK_STR(check(chk, "[1, 2].firstOr(x)", NULL), "int");
  CHECK_STR(check(chk, "[1, 2].firstOr('a')", NULL),
            "ERR check 1:15 found no matching overload for 'firstOr' applied to 'list(int).(string)'");
  CHECK_STR(check(chk, "set([1]) == set([2])", NULL), "bool");
  CHECK_STR(check(chk, "set(['a'])", NULL), "set(string)");
  CHECK_STR(check(chk, "z", NULL), "bytes");
  CHECK_STR(check(chk, "w", NULL), "ERR check 1:1 undeclared reference to 'w' (in container 'com.example')");
  tally_cel_checker_free(chk);
}

/* type_env of `tally cel check`: the interfaces.md shapes and the conformance ones. */
static void test_json_env(void) {
  static const struct { const char *env, *expr, *want; tally_status st; } cases[] = {
    {"[{\"name\":\"x\",\"kind\":\"ident\",\"type\":\"map(string, int)\"}]", "x.a + 1", "int", TALLY_OK},
    {"[{\"name\":\"x\",\"ident\":{\"type\":{\"listType\":{\"elemType\":{\"primitive\":\"UINT64\"}}}}}]",
     "x[0]", "uint", TALLY_OK},
    {"[{\"name\":\"f\",\"function\":{\"overloads\":[{\"overloadId\":\"f_t\",\"params\":[{\"typeParam\":\"T\"}],"
     "\"resultType\":{\"abstractType\":{\"name\":\"box\",\"parameterTypes\":[{\"typeParam\":\"T\"}]}}}]}}]",
     "f(1u)", "box(uint)", TALLY_OK},
    {"[{\"name\":\"g\",\"kind\":\"function\",\"overloads\":[{\"id\":\"g_s\",\"params\":[\"string\"],"
     "\"result\":\"bool\",\"member\":true}]}]", "'a'.g()", "bool", TALLY_OK},
    {"[{\"name\":\"t.O\",\"kind\":\"object\",\"fields\":{\"n\":\"int\",\"self\":\"t.O\"}},"
     "{\"name\":\"o\",\"kind\":\"ident\",\"type\":{\"messageType\":\"t.O\"}}]", "o.self.self.n", "int", TALLY_OK},
    {"[{\"name\":\"x\",\"kind\":\"ident\",\"type\":{\"messageType\":\"t.Nope\"}}]", "x", NULL, TALLY_ERR_INPUT},
    {"[{\"name\":\"x\",\"kind\":\"ident\"}]", "x", NULL, TALLY_ERR_INPUT},
    {"[{\"kind\":\"ident\",\"type\":\"int\"}]", "x", NULL, TALLY_ERR_INPUT},
    {"{}", "x", NULL, TALLY_ERR_INPUT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    t_arena ar;
    t_arena_init(&ar, &alloc, 4096);
    t_json *env = NULL;
    tally_error err;
    CHECK_INT(t_json_parse(&ar, cases[i].env, strlen(cases[i].env), NULL, &env, &err), TALLY_OK);
    tally_cel_checker *chk = NULL;
    CHECK_INT(tally_cel_checker_new(&alloc, &chk), TALLY_OK);
    tally_status st = t_cel_checker_declare_json(chk, env, &err);
    CHECK_INT(st, cases[i].st);
    if (st == TALLY_OK) CHECK_STR(check(chk, cases[i].expr, NULL), cases[i].want);
    tally_cel_checker_free(chk);
    t_arena_free(&ar);
  }
}

/* The checked form the evaluator can use: per-node types and overloads. */
static void test_checked_ast(void) {
  tally_cel_checker *chk = signup_checker();
  t_arena ar;
  t_arena_init(&ar, &alloc, 4096);
  t_cel_ast ast;
  tally_error err;
  const char *src = "size(email) + riskScores.bot > 3 && base64.decode('aGk=') == b'hi'";
  CHECK_INT(t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err), TALLY_OK);
  t_cel_checked ck;
  CHECK_INT(t_cel_check_ast(chk, &ar, &ast, NULL, &ck, &err), TALLY_OK);
  int seen = 0;
  for (uint32_t i = 0; i < ck.nnodes; i++) {
    const t_cel_node_info *n = &ck.nodes[i];
    if (!n->type) continue;
    if (n->noverloads == 1 && t_str_eq_cstr(n->overloads[0]->id, "size_string")) seen |= 1;
    if (n->noverloads == 1 && t_str_eq_cstr(n->overloads[0]->id, "add_int64")) seen |= 2;
    if (n->noverloads == 1 && t_str_eq_cstr(n->overloads[0]->id, "base64_decode_string") &&
        (n->flags & T_CEL_NODE_NAMESPACED) && t_str_eq_cstr(n->ref, "base64.decode"))
      seen |= 4;
    if ((n->flags & T_CEL_NODE_VARIABLE) && t_str_eq_cstr(n->ref, "riskScores") && n->type->kind == T_TYPE_STRUCT)
      seen |= 8;
  }
  CHECK_INT(seen, 15);
  CHECK(ck.result == &t_type_bool);
  t_arena_free(&ar);
  tally_cel_checker_free(chk);
}

/* }====== */

/* ** {====== Limits, memory, cost */

static void test_limits(void) {
  tally_cel_checker *chk = signup_checker();
  /* Parser-deep expressions check without running out of stack. */
  char src[4000];
  size_t n = 0;
  for (int i = 0; i < 200; i++) n += (size_t)snprintf(src + n, sizeof src - n, "[");
  for (int i = 0; i < 200; i++) src[n++] = ']';
  src[n] = 0;
  const char *r = check(chk, src, NULL);
  CHECK(strncmp(r, "list(list(", 10) == 0 || strncmp(r, "ERR limit", 9) == 0);
  tally_cel_checker_free(chk);
}

static void test_alloc_failures(void) {
  const char *src = "riskScores.bot > 3 && [1, 2].map(x, x + 1).exists(y, y == size(email)) && "
                    "optional.of(countryCode).orValue('') != ''";
  size_t ok_at = 0;
  for (size_t fail = 1; fail < 5000 && !ok_at; fail++) {
    check_alloc c = {0, 0, 0, fail};
    tally_allocator a = check_allocator(&c);
    tally_cel_checker *chk = NULL;
    tally_error err;
    tally_status st = tally_cel_checker_new(&a, &chk);
    static const tally_cel_field scores[] = {{"bot", "int"}};
    if (!st) st = tally_cel_checker_declare_object(chk, "riskScores", "tally.RiskScores", scores, 1, &err);
    if (!st) st = tally_cel_checker_declare(chk, "email", "string", &err);
    if (!st) st = tally_cel_checker_declare(chk, "countryCode", "string", &err);
    tally_cel_check_result *res = NULL;
    if (!st) st = tally_cel_check(chk, src, strlen(src), "bool", &res, &err);
    if (st != TALLY_OK && st != TALLY_ERR_NOMEM) {
      CHECK_INT(st, TALLY_ERR_NOMEM);
      fprintf(stderr, "  at allocation %zu: %s\n", fail, err.message);
    }
    if (st == TALLY_OK) {
      ok_at = fail;
      CHECK_STR(tally_cel_check_result_type(res), "bool");
    }
    tally_cel_check_result_free(res);
    tally_cel_checker_free(chk);
    CHECK_INT(c.live_blocks, 0);
  }
  CHECK(ok_at > 1);
}

static double now_sec(void) {
  return (double)clock() / CLOCKS_PER_SEC;
}

/* A sign-up rule: checking it should cost about what parsing it costs. */
static void test_cost(void) {
  tally_cel_checker *chk = signup_checker();
  const char *src = "authMethod == 'oauth' && !(countryCode in ['KP', 'IR', 'SY']) &&\n"
                    "  (riskScores.bot < 80 || email.endsWith('@example.com')) &&\n"
                    "  riskScores.free_trial_abuse <= 50 && size(email) < 200 && !email.matches('^test[0-9]+@')";
  t_arena ar;
  t_arena_init(&ar, &alloc, 65536);
  tally_error err;
  const int rounds = 2000;
  t_cel_ast ast;
  double t0 = now_sec();
  for (int i = 0; i < rounds; i++) {
    t_arena_reset(&ar);
    CHECK_INT(t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err), TALLY_OK);
  }
  double t1 = now_sec();
  for (int i = 0; i < rounds; i++) {
    t_arena_reset(&ar);
    t_cel_checked ck;
    if (t_cel_parse(&ar, src, strlen(src), NULL, &ast, &err) != TALLY_OK ||
        t_cel_check_ast(chk, &ar, &ast, &t_type_bool, &ck, &err) != TALLY_OK) {
      CHECK(0);
      break;
    }
  }
  double t2 = now_sec();
  double parse_us = (t1 - t0) / rounds * 1e6, check_us = (t2 - t1) / rounds * 1e6 - parse_us;
  printf("  sign-up rule: parse %.1f us, check %.1f us\n", parse_us, check_us);
  CHECK(check_us < parse_us * 5 + 5);
  t_arena_free(&ar);
  tally_cel_checker_free(chk);
}

/* }====== */

int main(void) {
  alloc = check_allocator(&counter);
  RUN(test_type_strings);
  RUN(test_unification);
  RUN(test_types);
  RUN(test_signup_errors);
  RUN(test_references);
  RUN(test_declarations);
  RUN(test_json_env);
  RUN(test_checked_ast);
  RUN(test_limits);
  RUN(test_alloc_failures);
  RUN(test_cost);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_cel_check");
}
