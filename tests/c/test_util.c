/*
** test_util.c - the core's base utilities: arena, buffer, formatter, typed
** vector, UTF-8 codec, error positions. Each test also checks that the
** counting allocator ends at zero.
*/
#include "check.h"
#include "util/mem.h"
#include "util/buf.h"
#include "util/vec.h"
#include "util/utf8.h"
#include "util/error.h"

static check_alloc counter;
static tally_allocator alloc;

static void test_arena(void) {
  t_arena ar;
  t_arena_init(&ar, &alloc, 64);
  char *a = t_arena_alloc(&ar, 1);
  char *b = t_arena_alloc(&ar, 17);
  CHECK(a && b);
  CHECK(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
  CHECK(b >= a + 16);
  /* Bigger than a chunk. */
  char *big = t_arena_alloc(&ar, 1000);
  CHECK(big != NULL);
  memset(big, 'x', 1000);
  char *z = t_arena_calloc(&ar, 40);
  CHECK(z && z[0] == 0 && z[39] == 0);
  CHECK_STR(t_arena_strndup(&ar, "hello world", 5), "hello");
  /* Save and restore release what came after. */
  t_arena_mark m = t_arena_save(&ar);
  size_t used = ar.used_total;
  for (int i = 0; i < 100; i++) CHECK(t_arena_alloc(&ar, 100) != NULL);
  t_arena_restore(&ar, m);
  CHECK_INT(ar.used_total, used);
  /* Reset keeps one chunk: a steady workload stops allocating. */
  t_arena_reset(&ar);
  CHECK_INT(ar.used_total, 0);
  size_t calls = counter.calls;
  for (int round = 0; round < 10; round++) {
    for (int i = 0; i < 5; i++) CHECK(t_arena_alloc(&ar, 100) != NULL);
    t_arena_reset(&ar);
  }
  CHECK(counter.calls - calls <= 1);
  /* A limit is reported apart from out-of-memory. */
  ar.limit = 256;
  CHECK(t_arena_alloc(&ar, 200) != NULL);
  CHECK(t_arena_alloc(&ar, 100) == NULL);
  CHECK(ar.over_limit);
  CHECK(t_arena_alloc(&ar, SIZE_MAX) == NULL);
  t_arena_reset(&ar);
  CHECK(!ar.over_limit);
  ar.limit = 0;
  t_arena_free(&ar);
  CHECK_INT(counter.live_blocks, 0);

  /* Out of memory: NULL, never a crash. */
  check_alloc c = {0};
  tally_allocator failing = check_allocator(&c);
  c.fail_at = 1;
  t_arena ar2;
  t_arena_init(&ar2, &failing, 64);
  CHECK(t_arena_alloc(&ar2, 10) == NULL);
  CHECK(!ar2.over_limit);
  t_arena_free(&ar2);
  CHECK_INT(c.live_blocks, 0);
}

static const char *fmt(const char *f, ...) {
  static char out[256];
  va_list ap;
  va_start(ap, f);
  t_vsnprintf(out, sizeof out, f, ap);
  va_end(ap);
  return out;
}

static void test_formatter(void) {
  CHECK_STR(fmt("%s|%d|%u|%x|%c|%%", "str", -42, 42u, 255u, 'z'), "str|-42|42|ff|z|%");
  CHECK_STR(fmt("%ld %lu %lld %llu %zu", -1L, 2UL, (long long)INT64_MIN, (unsigned long long)UINT64_MAX, (size_t)7),
            "-1 2 -9223372036854775808 18446744073709551615 7");
  CHECK_STR(fmt("[%.*s]", 3, "abcdef"), "[abc]");
  CHECK_STR(fmt("[%.*s]", 0, "abc"), "[]");
  t_str s = T_STR("t_str");
  CHECK_STR(fmt("<%S>", s), "<t_str>");
  CHECK_STR(fmt("%s", (const char *)NULL), "(null)");
  CHECK_STR(fmt("%d %d", INT_MIN, INT_MAX), "-2147483648 2147483647");
  CHECK_STR(fmt("%x", 0u), "0");
  CHECK_STR(fmt("%q"), "%q");
  CHECK_STR(fmt("end%"), "end");

  /* Truncation always NUL-terminates and reports what was written. */
  char small[5];
  CHECK_INT(t_snprintf(small, sizeof small, "%s", "abcdefgh"), 4);
  CHECK_STR(small, "abcd");
  CHECK_INT(t_snprintf(small, 1, "xyz"), 0);
  CHECK_STR(small, "");

  char num[24];
  CHECK_INT(t_fmt_u64(num, 0), 1);
  CHECK_STR(num, "0");
  t_fmt_i64(num, INT64_MIN);
  CHECK_STR(num, "-9223372036854775808");
}

static void test_buf(void) {
  t_buf b;
  t_buf_init(&b, &alloc);
  CHECK_STR(t_buf_cstr(&b), "");
  t_buf_puts(&b, "a");
  t_buf_putc(&b, 'b');
  t_buf_append(&b, "cde", 2);
  t_buf_put_i64(&b, -5);
  t_buf_put_u64(&b, 18446744073709551615ULL);
  t_buf_printf(&b, "|%s=%d", "k", 1);
  CHECK_STR(t_buf_cstr(&b), "abcd-518446744073709551615|k=1");
  CHECK_INT(b.len, strlen("abcd-518446744073709551615|k=1"));
  for (int i = 0; i < 10000; i++) t_buf_putc(&b, 'x');
  CHECK_INT(b.len, 30 + 10000);
  t_buf_clear(&b);
  CHECK_INT(b.len, 0);
  t_buf_free(&b);
  t_buf_free(&b); /* twice is fine */

  /* A failed allocation sticks: later appends are ignored. */
  check_alloc c = {0};
  tally_allocator failing = check_allocator(&c);
  t_buf f;
  t_buf_init(&f, &failing);
  t_buf_puts(&f, "ok");
  c.fail_at = c.calls + 1;
  for (int i = 0; i < 100; i++) t_buf_puts(&f, "more text");
  CHECK(f.failed);
  size_t at_failure = f.len;
  CHECK(at_failure < 2 + 100 * 9);
  t_buf_puts(&f, "ignored");
  CHECK_INT(f.len, at_failure);
  CHECK_STR(t_buf_cstr(&f), "");
  t_buf_free(&f);
  CHECK_INT(c.live_blocks, 0);
}

static void test_vec(void) {
  T_VEC(int) v = {0};
  for (int i = 0; i < 1000; i++) CHECK(t_vec_push(&alloc, &v, i) || 0);
  CHECK_INT(v.len, 1000);
  CHECK_INT(v.items[999], 999);
  t_vec_free(&alloc, &v);
  CHECK(v.items == NULL && v.len == 0);

  check_alloc c = {0};
  tally_allocator failing = check_allocator(&c);
  c.fail_at = 2;
  T_VEC(int) w = {0};
  bool ok = true;
  for (int i = 0; i < 100 && ok; i++) ok = t_vec_push(&failing, &w, i);
  CHECK(!ok);
  CHECK_INT(w.len, 8);
  t_vec_free(&failing, &w);
  CHECK_INT(c.live_blocks, 0);
}

static void test_utf8(void) {
  uint32_t cp;
  CHECK_INT(t_utf8_decode("A", 1, &cp), 1);
  CHECK_INT(cp, 'A');
  CHECK_INT(t_utf8_decode("\xc3\xa9", 2, &cp), 2);
  CHECK_INT(cp, 0xe9);
  CHECK_INT(t_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
  CHECK_INT(cp, 0x20ac);
  CHECK_INT(t_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
  CHECK_INT(cp, 0x10ffff);
  /* Invalid: overlongs, surrogates, out of range, truncated, stray bytes. */
  CHECK_INT(t_utf8_decode("\xc0\x80", 2, &cp), 0);
  CHECK_INT(t_utf8_decode("\xc1\xbf", 2, &cp), 0);
  CHECK_INT(t_utf8_decode("\xe0\x9f\xbf", 3, &cp), 0);
  CHECK_INT(t_utf8_decode("\xf0\x8f\xbf\xbf", 4, &cp), 0);
  CHECK_INT(t_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
  CHECK_INT(t_utf8_decode("\xed\xbf\xbf", 3, &cp), 0);
  CHECK_INT(t_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
  CHECK_INT(t_utf8_decode("\xf5\x80\x80\x80", 4, &cp), 0);
  CHECK_INT(t_utf8_decode("\xe2\x82", 2, &cp), 0);
  CHECK_INT(t_utf8_decode("\xe2\x82\xac", 2, &cp), 0);
  CHECK_INT(t_utf8_decode("\x80", 1, &cp), 0);
  CHECK_INT(t_utf8_decode("\xc3\x28", 2, &cp), 0);
  CHECK_INT(t_utf8_decode("", 0, &cp), 0);
  /* Encode round trips at the boundaries. */
  const uint32_t cps[] = {0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff};
  for (size_t i = 0; i < T_ARRAY_LEN(cps); i++) {
    char out[4];
    size_t n = t_utf8_encode(cps[i], out);
    uint32_t back = 0xffffffff;
    CHECK_INT(t_utf8_decode(out, n, &back), n);
    CHECK_INT(back, cps[i]);
  }
  CHECK_INT(t_utf8_validate("ab\xc3\xa9", 4), 4);
  CHECK_INT(t_utf8_validate("ab\xc3", 3), 2);
  CHECK_INT(t_utf8_validate("ab\xff" "cd", 5), 2);
  CHECK_INT(t_utf8_count("a\xc3\xa9\xf0\x9f\x98\x80", 7), 3);

  /* Trimming White_Space: ASCII, NEL, NBSP, U+2000..U+200A, U+3000; not ZWSP (U+200B). */
  struct { const char *in, *want; } trims[] = {
    {" \t\n\v\f\ra b\r\n", "a b"},
    {"\xc2\x85\xc2\xa0x\xe3\x80\x80", "x"},
    {"\xe2\x80\x80\xe2\x80\x8ax\xe2\x80\xa8\xe2\x80\xa9", "x"},
    {"\xe2\x80\x8bx\xe2\x80\x8b", "\xe2\x80\x8bx\xe2\x80\x8b"},
    {"   ", ""},
    {"", ""},
    /* Invalid UTF-8 is not space: trimming stops at a stray continuation byte, */
    {" \xc2\xa0\x80 ", "\x80"},
    /* and a trailing NBSP followed by one is kept whole. */
    {"x\xc2\xa0\x80", "x\xc2\xa0\x80"},
    {"\xff a", "\xff a"},
  };
  for (size_t i = 0; i < T_ARRAY_LEN(trims); i++) {
    t_str t = t_utf8_trim_space((t_str){trims[i].in, strlen(trims[i].in)});
    CHECK_INT(t.len, strlen(trims[i].want));
    CHECK(memcmp(t.ptr, trims[i].want, t.len) == 0);
  }
  CHECK(t_utf8_is_space(0x1680) && t_utf8_is_space(0x205F) && !t_utf8_is_space(0x180E) && !t_utf8_is_space(0xFEFF));
}

static void test_error(void) {
  tally_error err;
  t_error_clear(&err);
  CHECK_INT(err.code, TALLY_OK);
  CHECK_INT(t_error_set(&err, TALLY_ERR_INPUT, "bad %s #%d", "row", 3), TALLY_ERR_INPUT);
  CHECK_STR(err.message, "bad row #3");
  CHECK_INT(err.line, 0);
  CHECK_INT(t_error_set(NULL, TALLY_ERR_EVAL, "x"), TALLY_ERR_EVAL);
  /* Positions: 1-based, columns in code points. */
  const char *src = "ab\n\xc3\xa9\xf0\x9f\x98\x80x";
  /*                   line 2: é 😀 x -> x is column 3 */
  CHECK_INT(t_error_at(&err, TALLY_ERR_PARSE, src, strlen(src), 9, "here"), TALLY_ERR_PARSE);
  CHECK_INT(err.line, 2);
  CHECK_INT(err.column, 3);
  CHECK_INT(err.offset, 9);
  uint32_t line, col;
  t_locate(src, strlen(src), 0, &line, &col);
  CHECK(line == 1 && col == 1);
  t_locate(src, strlen(src), 1000, &line, &col);
  CHECK(line == 2 && col == 4);
  CHECK_STR(tally_status_kind(TALLY_ERR_CONFLICT), "conflict");
  CHECK_STR(tally_status_kind((tally_status)99), "unknown");
  /* Long messages are cut, never overflowed. */
  char longtext[2000];
  memset(longtext, 'y', sizeof longtext - 1);
  longtext[sizeof longtext - 1] = 0;
  t_error_set(&err, TALLY_ERR_INPUT, "%s", longtext);
  CHECK_INT(strlen(err.message), TALLY_ERROR_MESSAGE_MAX - 1);
}

int main(void) {
  alloc = check_allocator(&counter);
  RUN(test_arena);
  RUN(test_formatter);
  RUN(test_buf);
  RUN(test_vec);
  RUN(test_utf8);
  RUN(test_error);
  CHECK_INT(counter.live_blocks, 0);
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_util");
}
