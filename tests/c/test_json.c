/*
** test_json.c - the JSON reader and writer (core/util/json.h): RFC 8259
** grammar, UTF-8 validation, escapes and surrogates, the depth limit,
** error positions, duplicate keys, and the writer's escaping. Error
** positions are marked with a caret comment under the input.
*/
#include "check.h"
#include "util/json.h"
#include "util/error.h"

static check_alloc counter;
static tally_allocator alloc;
static t_arena arena;

/* Parses src (NUL-terminated unless len given) and returns the status. */
static tally_status parse_n(const char *src, size_t len, t_json **out, tally_error *err) {
  t_arena_reset(&arena);
  t_error_clear(err);
  return t_json_parse(&arena, src, len, NULL, out, err);
}

static tally_status parse(const char *src, t_json **out, tally_error *err) {
  return parse_n(src, strlen(src), out, err);
}

/* Round trip: the compact re-serialisation of src. */
static const char *format(const char *src) {
  static char text[4096];
  t_json *v;
  tally_error err;
  if (parse(src, &v, &err)) {
    snprintf(text, sizeof text, "ERROR %s: %s @%u:%u", tally_status_kind(err.code), err.message,
             (unsigned)err.line, (unsigned)err.column);
    return text;
  }
  t_buf b;
  t_buf_init(&b, &alloc);
  t_json_write_value(&b, v);
  snprintf(text, sizeof text, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
  t_buf_free(&b);
  return text;
}

/* The error of src: kind, and the 1-based column (code points) it points at. */
static void expect_error(const char *src, tally_status code, uint32_t column, const char *needle, int line) {
  t_json *v;
  tally_error err;
  tally_status st = parse(src, &v, &err);
  if (st != code || err.column != column || (needle && !strstr(err.message, needle))) {
    check_failed_++;
    fprintf(stderr, "%s:%d: %s -> %s '%s' at column %u; want %s at column %u (%s)\n", __FILE__, line, src,
            tally_status_kind(st), err.message, (unsigned)err.column, tally_status_kind(code), (unsigned)column,
            needle ? needle : "");
  } else {
    check_passed_++;
  }
}
#define ERR(src, code, col, needle) expect_error((src), (code), (col), (needle), __LINE__)

static void test_values(void) {
  CHECK_STR(format(" null "), "null");
  CHECK_STR(format("true"), "true");
  CHECK_STR(format("false"), "false");
  CHECK_STR(format("[ 1 , -0 , 0.5 , 1e3 , 1E-3 , -12.5e+30 ]"), "[1,-0,0.5,1e3,1E-3,-12.5e+30]");
  CHECK_STR(format("{ \"a\" : { \"b\" : [ ] } , \"c\" : { } }"), "{\"a\":{\"b\":[]},\"c\":{}}");
  CHECK_STR(format("\t\r\n[\n1\n]\r\n"), "[1]");
  CHECK_STR(format("\"\""), "\"\"");

  t_json *v;
  tally_error err;
  CHECK_INT(parse("{\"n\": 12, \"x\": 1.0, \"e\": 1e2, \"s\": \"hi\"}", &v, &err), TALLY_OK);
  CHECK_INT(v->type, T_JSON_OBJECT);
  CHECK_INT(v->u.obj.len, 4);
  CHECK(t_json_get(v, "n")->u.num.is_integer);
  CHECK(!t_json_get(v, "x")->u.num.is_integer);
  CHECK(!t_json_get(v, "e")->u.num.is_integer);
  CHECK(t_json_get(v, "missing") == NULL);
  CHECK(t_json_get(t_json_get(v, "n"), "n") == NULL);
  CHECK_INT(t_json_get(v, "s")->offset, 35);
  CHECK_STR(t_json_get(v, "s")->u.str.ptr, "hi");
}

static void test_numbers(void) {
  CHECK_STR(format("0"), "0");
  CHECK_STR(format("-0.0e-0"), "-0.0e-0");
  CHECK_STR(format("123456789012345678901234567890"), "123456789012345678901234567890");
  ERR("01", TALLY_ERR_JSON, 1, "leading zeros");
  ERR("-01", TALLY_ERR_JSON, 2, "leading zeros");
  ERR("+1", TALLY_ERR_JSON, 1, "'+'");
  ERR(".5", TALLY_ERR_JSON, 1, "'.'");
  ERR("1.", TALLY_ERR_JSON, 3, "after the decimal point");
  /*  ^ column 3 is the end of input */
  ERR("1.e3", TALLY_ERR_JSON, 3, "after the decimal point");
  ERR("1e", TALLY_ERR_JSON, 3, "exponent");
  ERR("1e+", TALLY_ERR_JSON, 4, "exponent");
  ERR("-", TALLY_ERR_JSON, 2, "digit");
  ERR("- 1", TALLY_ERR_JSON, 2, "digit");
  ERR("0x10", TALLY_ERR_JSON, 2, "end of input");
  ERR("NaN", TALLY_ERR_JSON, 1, NULL);
  ERR("Infinity", TALLY_ERR_JSON, 1, NULL);
  ERR("1_000", TALLY_ERR_JSON, 2, NULL);

  t_json *v;
  tally_error err;
  int64_t i;
  parse("9223372036854775807", &v, &err);
  CHECK(t_json_as_i64(v, &i) && i == INT64_MAX);
  parse("-9223372036854775808", &v, &err);
  CHECK(t_json_as_i64(v, &i) && i == INT64_MIN);
  parse("9223372036854775808", &v, &err);
  CHECK(!t_json_as_i64(v, &i));
  parse("-9223372036854775809", &v, &err);
  CHECK(!t_json_as_i64(v, &i));
  parse("-0", &v, &err);
  CHECK(t_json_as_i64(v, &i) && i == 0);
  parse("1.0", &v, &err);
  CHECK(!t_json_as_i64(v, &i));
  parse("\"1\"", &v, &err);
  CHECK(!t_json_as_i64(v, &i));
}

static void test_strings(void) {
  CHECK_STR(format("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""), "\"\\\" \\\\ / \\b \\f \\n \\r \\t\"");
  CHECK_STR(format("\"\\u0041\\u00e9\\u20AC\""), "\"A\xc3\xa9\xe2\x82\xac\"");
  CHECK_STR(format("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"");
  CHECK_STR(format("\"\\uDBFF\\uDFFF\""), "\"\xf4\x8f\xbf\xbf\"");
  CHECK_STR(format("\"\\u0000\\u001f\\u007f\""), "\"\\u0000\\u001f\x7f\"");
  CHECK_STR(format("\"\\u2028\""), "\"\xe2\x80\xa8\"");
  CHECK_STR(format("\"\xf0\x9f\x98\x80 raw\""), "\"\xf0\x9f\x98\x80 raw\"");

  t_json *v;
  tally_error err;
  CHECK_INT(parse("\"a\\u0000b\"", &v, &err), TALLY_OK);
  CHECK_INT(v->u.str.len, 3);
  CHECK(memcmp(v->u.str.ptr, "a\0b", 4) == 0);

  ERR("\"\\ud800\"", TALLY_ERR_JSON, 2, "lone high surrogate");
  /*    ^ */
  ERR("\"\\ud800x\"", TALLY_ERR_JSON, 2, "lone high surrogate");
  ERR("\"\\ud800\\u0041\"", TALLY_ERR_JSON, 2, "lone high surrogate");
  ERR("\"\\ud800\\ud800\"", TALLY_ERR_JSON, 2, "lone high surrogate");
  ERR("\"ab\\udc00\"", TALLY_ERR_JSON, 4, "lone low surrogate");
  /*      ^ */
  ERR("\"\\u12\"", TALLY_ERR_JSON, 2, "4 hex digits");
  ERR("\"\\u12g4\"", TALLY_ERR_JSON, 2, "4 hex digits");
  ERR("\"\\x\"", TALLY_ERR_JSON, 2, "invalid escape");
  ERR("\"\\\xc3\xa9\"", TALLY_ERR_JSON, 2, "invalid escape");
  ERR("\"\\'\"", TALLY_ERR_JSON, 2, "invalid escape");
  ERR("\"abc", TALLY_ERR_JSON, 1, "unterminated");
  ERR("\"abc\\\"", TALLY_ERR_JSON, 1, "unterminated");
  ERR("\"a\tb\"", TALLY_ERR_JSON, 3, "control character");
  ERR("\"a\nb\"", TALLY_ERR_JSON, 3, "control character");
  ERR("'a'", TALLY_ERR_JSON, 1, NULL);
}

static void test_utf8(void) {
  /* Invalid UTF-8 inside strings: the column points at the bad sequence. */
  ERR("\"\xc0\xaf\"", TALLY_ERR_JSON, 2, "invalid UTF-8");         /* overlong '/' */
  ERR("\"\xe0\x80\xaf\"", TALLY_ERR_JSON, 2, "invalid UTF-8");     /* overlong, 3 bytes */
  ERR("\"\xf0\x80\x80\xaf\"", TALLY_ERR_JSON, 2, "invalid UTF-8"); /* overlong, 4 bytes */
  ERR("\"\xed\xa0\x80\"", TALLY_ERR_JSON, 2, "invalid UTF-8");     /* encoded surrogate U+D800 */
  ERR("\"\xed\xbf\xbf\"", TALLY_ERR_JSON, 2, "invalid UTF-8");     /* encoded surrogate U+DFFF */
  ERR("\"\xf4\x90\x80\x80\"", TALLY_ERR_JSON, 2, "invalid UTF-8"); /* above U+10FFFF */
  ERR("\"ab\xe2\x82\"", TALLY_ERR_JSON, 4, "invalid UTF-8");       /* truncated */
  ERR("\"\xe2\x82", TALLY_ERR_JSON, 2, "invalid UTF-8");           /* truncated at the end */
  ERR("\"\x80\"", TALLY_ERR_JSON, 2, "invalid UTF-8");             /* lone continuation */
  ERR("\"\xff\"", TALLY_ERR_JSON, 2, "invalid UTF-8");
  ERR("\"\xc3\xa9\xc3\"", TALLY_ERR_JSON, 3, "invalid UTF-8");     /* column counts code points */
  /* Outside strings. */
  ERR("\xff", TALLY_ERR_JSON, 1, "invalid UTF-8");
  ERR("[1,\xc3\xa9]", TALLY_ERR_JSON, 4, "U+e9");
  ERR("\xef\xbb\xbf[]", TALLY_ERR_JSON, 1, "U+feff");
}

static void test_structure_errors(void) {
  ERR("", TALLY_ERR_JSON, 1, "end of input");
  ERR("   ", TALLY_ERR_JSON, 4, "end of input");
  ERR("[", TALLY_ERR_JSON, 2, "end of input");
  ERR("[1,]", TALLY_ERR_JSON, 4, "JSON value");
  /*      ^ */
  ERR("[1 2]", TALLY_ERR_JSON, 4, "',' or ']'");
  ERR("{\"a\" 1}", TALLY_ERR_JSON, 6, "':'");
  ERR("{\"a\":1,}", TALLY_ERR_JSON, 8, "string key");
  ERR("{a:1}", TALLY_ERR_JSON, 2, "string key");
  ERR("{\"a\":1 \"b\":2}", TALLY_ERR_JSON, 8, "',' or '}'");
  ERR("{\"a\"}", TALLY_ERR_JSON, 5, "':'");
  ERR("[}", TALLY_ERR_JSON, 2, "JSON value");
  ERR("tru", TALLY_ERR_JSON, 1, "JSON value");
  ERR("nulll", TALLY_ERR_JSON, 5, "end of input after");
  ERR("True", TALLY_ERR_JSON, 1, "JSON value");
  /* Trailing garbage. */
  ERR("[1] [2]", TALLY_ERR_JSON, 5, "end of input after");
  ERR("{} x", TALLY_ERR_JSON, 4, "end of input after");
  ERR("1 2", TALLY_ERR_JSON, 3, "end of input after");
  ERR("\"a\"\"b\"", TALLY_ERR_JSON, 4, "end of input after");
  /* A NUL byte is not white space. */
  t_json *v;
  tally_error err;
  CHECK_INT(parse_n("[1]\0", 4, &v, &err), TALLY_ERR_JSON);
  CHECK_INT(err.offset, 3);
  /* Lines count too. */
  CHECK_INT(parse("[1,\n 2,\n x]", &v, &err), TALLY_ERR_JSON);
  CHECK_INT(err.line, 3);
  CHECK_INT(err.column, 2);
  CHECK_INT(err.offset, 9);
}

static void test_duplicates(void) {
  t_json *v;
  tally_error err;
  CHECK_INT(parse("{\"a\":1,\"b\":2,\"a\":3}", &v, &err), TALLY_OK);
  CHECK_INT(v->u.obj.len, 3);
  CHECK_STR(v->u.obj.items[2].key.ptr, "a");
  CHECK_STR(t_json_get(v, "a")->u.num.text.ptr[0] == '1' ? "first" : "other", "first");
  CHECK_STR(format("{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":1,\"b\":2,\"a\":3}");
  /* Keys are compared decoded. */
  CHECK_INT(parse("{\"\\u0061\":1}", &v, &err), TALLY_OK);
  CHECK(t_json_get(v, "a") != NULL);
}

static void test_depth(void) {
  static char deep[30000];
  t_json *v;
  tally_error err;
  /* 128 levels are fine, 129 are not (the default limit). */
  memset(deep, '[', 128);
  memset(deep + 128, ']', 128);
  CHECK_INT(parse_n(deep, 256, &v, &err), TALLY_OK);
  memset(deep, '[', 129);
  memset(deep + 129, ']', 129);
  CHECK_INT(parse_n(deep, 258, &v, &err), TALLY_ERR_LIMIT);
  CHECK_INT(err.column, 129);
  CHECK(strstr(err.message, "128") != NULL);
  /* 10,000 '[' give a clean limit error, no stack overflow. */
  memset(deep, '[', 10000);
  CHECK_INT(parse_n(deep, 10000, &v, &err), TALLY_ERR_LIMIT);
  memset(deep, '{', 1);
  for (int i = 0; i < 5000; i++) memcpy(deep + 1 + i * 5, "\"a\":{", 5);
  CHECK_INT(parse_n(deep, 1 + 5000 * 5, &v, &err), TALLY_ERR_LIMIT);
  /* A caller's limit, and a huge one clamped to the hard limit. */
  t_json_limits lim = {3};
  t_arena_reset(&arena);
  CHECK_INT(t_json_parse(&arena, "[[[1]]]", 7, &lim, &v, &err), TALLY_OK);
  CHECK_INT(t_json_parse(&arena, "[[[[1]]]]", 9, &lim, &v, &err), TALLY_ERR_LIMIT);
  lim.max_depth = 1000000;
  memset(deep, '[', 10000);
  CHECK_INT(t_json_parse(&arena, deep, 10000, &lim, &v, &err), TALLY_ERR_LIMIT);
  memset(deep, '[', 4096);
  memset(deep + 4096, ']', 4096);
  CHECK_INT(t_json_parse(&arena, deep, 8192, &lim, &v, &err), TALLY_OK);
}

static void test_writer(void) {
  t_buf b;
  t_buf_init(&b, &alloc);
  t_json_write_string(&b, "a\"b\\c\x01\x1f\x7f\xc3\xa9", 10);
  CHECK_STR(t_buf_cstr(&b), "\"a\\\"b\\\\c\\u0001\\u001f\x7f\xc3\xa9\"");
  t_buf_clear(&b);
  t_json_write_string(&b, "", 0);
  CHECK_STR(t_buf_cstr(&b), "\"\"");
  t_buf_clear(&b);
  t_json_write_string(&b, "\b\f\n\r\t/", 6);
  CHECK_STR(t_buf_cstr(&b), "\"\\b\\f\\n\\r\\t/\"");
  t_buf_free(&b);
}

static void test_out_of_memory(void) {
  /* Every allocation failure gives NOMEM and leaks nothing. */
  const char *src = "{\"a\":[1,2,{\"b\":\"\\u00e9\"}],\"c\":[[],[[]]],\"d\":\"xxxxxxxxxxxxxxxx\"}";
  check_alloc c = {0};
  tally_allocator a = check_allocator(&c);
  int nomem = 0, ok = 0;
  for (size_t fail = 1; fail < 40; fail++) {
    c.calls = 0;
    c.fail_at = fail;
    t_arena ar;
    t_arena_init(&ar, &a, 64);
    t_json *v;
    tally_error err;
    tally_status st = t_json_parse(&ar, src, strlen(src), NULL, &v, &err);
    if (st == TALLY_ERR_NOMEM) nomem++;
    else if (st == TALLY_OK) ok++;
    else CHECK_INT(st, TALLY_ERR_NOMEM);
    t_arena_free(&ar);
    CHECK_INT(c.live_blocks, 0);
  }
  CHECK(nomem > 0 && ok > 0);
  /* An arena limit is a limit error, not out of memory. */
  t_arena ar;
  t_arena_init(&ar, &a, 64);
  c.fail_at = 0;
  ar.limit = 256;
  t_json *v;
  tally_error err;
  CHECK_INT(t_json_parse(&ar, src, strlen(src), NULL, &v, &err), TALLY_ERR_LIMIT);
  t_arena_free(&ar);
  CHECK_INT(c.live_blocks, 0);
}

int main(void) {
  alloc = check_allocator(&counter);
  t_arena_init(&arena, &alloc, 0);
  RUN(test_values);
  RUN(test_numbers);
  RUN(test_strings);
  RUN(test_utf8);
  RUN(test_structure_errors);
  RUN(test_duplicates);
  RUN(test_depth);
  RUN(test_writer);
  RUN(test_out_of_memory);
  t_arena_free(&arena);
  CHECK_INT(counter.live_blocks, 0);
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_json");
}
