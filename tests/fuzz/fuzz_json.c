/*
** fuzz_json.c - libFuzzer entry for the JSON reader (util/json.h) on its
** own: any input either parses or fails with TALLY_ERR_JSON/LIMIT and a
** position inside the text; what parses is written back, and the written
** form parses again to the same bytes. A small depth limit is tried too,
** so the depth check itself is exercised at every level.
*/
#include "fuzz_util.h"
#include "util/json.h"
#include "util/buf.h"

static void fz_round_trip(const tally_allocator *a, const char *src, size_t len, uint32_t depth) {
  t_arena ar;
  t_arena_init(&ar, a, 0);
  t_json_limits lim = {depth};
  t_json *v;
  tally_error err;
  tally_status st = t_json_parse(&ar, src, len, &lim, &v, &err);
  if (st != TALLY_OK) {
    FZ_EXPECT(err.code == st);
    FZ_EXPECT(st == TALLY_ERR_JSON || st == TALLY_ERR_LIMIT || st == TALLY_ERR_NOMEM);
    FZ_EXPECT(err.message[0] && err.offset <= len);
    t_arena_free(&ar);
    return;
  }
  t_buf b1, b2;
  t_buf_init(&b1, a);
  t_buf_init(&b2, a);
  t_json_write_value(&b1, v);
  t_json *w;
  FZ_EXPECT(t_json_parse(&ar, b1.ptr, b1.len, &lim, &w, &err) == TALLY_OK);
  t_json_write_value(&b2, w);
  FZ_EXPECT(b1.len == b2.len && memcmp(b1.ptr, b2.ptr, b1.len) == 0);
  t_buf_free(&b1);
  t_buf_free(&b2);
  t_arena_free(&ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tally_allocator a = fz_allocator();
  fz_round_trip(&a, (const char *)data, size, 0);
  fz_round_trip(&a, (const char *)data, size, 3);
  return 0;
}
