/*
** test_base64.c - base64 encode/decode, strict and cel-go compatible.
*/
#include "check.h"
#include "util/base64.h"

static char enc_buf[256];
static const char *enc(const char *s, size_t n) {
  size_t m = t_b64_encode(s, n, enc_buf);
  CHECK(m == t_b64_encoded_len(n));
  enc_buf[m] = 0;
  return enc_buf;
}

/* Decodes to a C string, or "ERR@<offset>". */
static char dec_buf[256];
static const char *dec(const char *s, unsigned flags) {
  uint8_t out[256];
  size_t n = 0, off = 12345;
  size_t len = strlen(s);
  CHECK(t_b64_decoded_max(len) <= sizeof out);
  if (t_b64_decode(s, len, flags, out, &n, &off) != TALLY_OK) {
    snprintf(dec_buf, sizeof dec_buf, "ERR@%zu", off);
    return dec_buf;
  }
  CHECK(n <= t_b64_decoded_max(len));
  memcpy(dec_buf, out, n);
  dec_buf[n] = 0;
  return dec_buf;
}

static void test_encode(void) {
  /* RFC 4648 test vectors */
  CHECK_STR(enc("", 0), "");
  CHECK_STR(enc("f", 1), "Zg==");
  CHECK_STR(enc("fo", 2), "Zm8=");
  CHECK_STR(enc("foo", 3), "Zm9v");
  CHECK_STR(enc("foob", 4), "Zm9vYg==");
  CHECK_STR(enc("fooba", 5), "Zm9vYmE=");
  CHECK_STR(enc("foobar", 6), "Zm9vYmFy");
  CHECK_STR(enc("\xfb\xff", 2), "+/8=");
  CHECK_STR(enc("\0\0\0", 3), "AAAA");
  CHECK_STR(enc("hello", 5), "aGVsbG8=");
}

static void test_decode_strict(void) {
  CHECK_STR(dec("", T_B64_STRICT), "");
  CHECK_STR(dec("Zg==", T_B64_STRICT), "f");
  CHECK_STR(dec("Zm8=", T_B64_STRICT), "fo");
  CHECK_STR(dec("Zm9v", T_B64_STRICT), "foo");
  CHECK_STR(dec("Zm9vYmFy", T_B64_STRICT), "foobar");
  CHECK_STR(dec("+/8=", T_B64_STRICT), "\xfb\xff");
  /* bad characters: URL alphabet, spaces, newlines, NUL-free junk */
  CHECK_STR(dec("-_8=", T_B64_STRICT), "ERR@0");
  CHECK_STR(dec("Zm 9v", T_B64_STRICT), "ERR@2");
  CHECK_STR(dec("Zm9v\n", T_B64_STRICT), "ERR@4");
  CHECK_STR(dec("Zm9\xc3\xa9", T_B64_STRICT), "ERR@3");
  /* bad padding */
  CHECK_STR(dec("Zg", T_B64_STRICT), "ERR@2");       /* missing */
  CHECK_STR(dec("Zg=", T_B64_STRICT), "ERR@3");      /* short */
  CHECK_STR(dec("Zg===", T_B64_STRICT), "ERR@4");    /* long */
  CHECK_STR(dec("Zm8==", T_B64_STRICT), "ERR@4");
  CHECK_STR(dec("Z===", T_B64_STRICT), "ERR@1");     /* one symbol cannot make a byte */
  CHECK_STR(dec("Z", T_B64_STRICT), "ERR@1");
  CHECK_STR(dec("====", T_B64_STRICT), "ERR@0");
  CHECK_STR(dec("Zg==Zg==", T_B64_STRICT), "ERR@4"); /* data after padding */
  CHECK_STR(dec("Zm=v", T_B64_STRICT), "ERR@3");
  CHECK_STR(dec("Zh==", T_B64_STRICT), "ERR@1");     /* non-zero unused bits */
  CHECK_STR(dec("Zm9=", T_B64_STRICT), "ERR@2");
}

/* What cel-go's base64.decode accepts (checked against Go's encoding/base64). */
static void test_decode_cel(void) {
  static const struct { const char *in, *out; } t[] = {
    {"", ""}, {"Y", "ERR@1"}, {"YQ", "a"}, {"YQ=", "ERR@3"}, {"YQ==", "a"}, {"YR==", "a"},
    {"YR", "a"}, {"YWI", "ab"}, {"YWI=", "ab"}, {"YWJ=", "ab"}, {"YWJ", "ab"},
    {"Y Q==", "ERR@1"}, {"YQ==\n", "a"}, {"Y\nQ==", "a"}, {"\r\nYQ\n==", "a"},
    {"YQ==YQ==", "ERR@4"}, {"YQ=\n=", "a"}, {"YWJj", "abc"}, {"YW=j", "ERR@3"},
    {"====", "ERR@0"}, {"Y===", "ERR@1"}, {"-_8=", "ERR@0"}, {"+/8=", "\xfb\xff"},
    {"YQ\n", "a"}, {"YQ===", "ERR@4"}, {"YWJjZA==", "abcd"}, {"YWJjZA", "abcd"},
    {"YWJjZA=", "ERR@7"}, {"YWJjZB==", "abcd"}, {"AAE=", "\0\x01"}, {"\n", ""},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const char *got = dec(t[i].in, T_B64_CEL);
    if (strcmp(got, t[i].out) != 0) fprintf(stderr, "cel case %zu \"%s\"\n", i, t[i].in);
    CHECK_STR(got, t[i].out);
  }
  CHECK_STR(dec("YQ", T_B64_PAD_OPTIONAL), "a");
  CHECK_STR(dec("YR", T_B64_PAD_OPTIONAL), "ERR@1");
  CHECK_STR(dec("YR==", T_B64_LAX_BITS), "a");
}

static uint64_t rng_state = 88172645463325252u;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state;
}

static void test_round_trip(void) {
  check_alloc ca = {0};
  tally_allocator a = check_allocator(&ca);
  int bad = 0;
  for (int i = 0; i < 2000; i++) {
    uint8_t src[100];
    size_t n = (size_t)(rng() % sizeof src);
    for (size_t k = 0; k < n; k++) src[k] = (uint8_t)rng();
    t_buf e, d;
    t_buf_init(&e, &a);
    t_buf_init(&d, &a);
    t_b64_buf_encode(&e, src, n);
    if (e.len != t_b64_encoded_len(n)) bad++;
    if (t_b64_buf_decode(&d, e.ptr, e.len, T_B64_STRICT, NULL) != TALLY_OK) bad++;
    else if (d.len != n || (n && memcmp(d.ptr, src, n) != 0)) bad++;
    /* unpadded form decodes under PAD_OPTIONAL */
    size_t m = e.len;
    while (m > 0 && e.ptr[m - 1] == '=') m--;
    t_buf_clear(&d);
    if (t_b64_buf_decode(&d, e.ptr, m, T_B64_CEL, NULL) != TALLY_OK || d.len != n ||
        (n && memcmp(d.ptr, src, n) != 0)) bad++;
    if (m != e.len && t_b64_buf_decode(&d, e.ptr, m, T_B64_STRICT, NULL) != TALLY_ERR_INPUT) bad++;
    t_buf_free(&e);
    t_buf_free(&d);
  }
  CHECK_INT(bad, 0);
  CHECK_INT(ca.live_blocks, 0);
  /* out of memory is reported, not crashed on */
  ca.fail_at = ca.calls + 1;
  t_buf d;
  t_buf_init(&d, &a);
  CHECK(t_b64_buf_decode(&d, "Zm9v", 4, T_B64_STRICT, NULL) == TALLY_ERR_NOMEM);
  t_buf_free(&d);
  CHECK_INT(ca.live_blocks, 0);
}

int main(void) {
  RUN(test_encode);
  RUN(test_decode_strict);
  RUN(test_decode_cel);
  RUN(test_round_trip);
  return check_report("test_base64");
}
