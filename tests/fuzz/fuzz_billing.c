/*
** fuzz_billing.c - libFuzzer entry for billing's JSON inputs: the
** statement request of `tally bill` and the tiers of `tally price`, each
** directly (tally_billing_bill_json / tally_billing_price_json) and through
** the CLI. Byte 0 picks the function; the rest is the JSON. The JSON out
** must be valid JSON, and errors well formed.
*/
#include "fuzz_util.h"
#include "tally/billing.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 16384) return 0;
  tally_allocator a = fz_allocator();
  const char *json = (const char *)data + 1;
  size_t n = size - 1;
  bool price = data[0] & 1;
  char *out = NULL;
  size_t olen = 0;
  tally_error err;
  tally_status st = price ? tally_billing_price_json(&a, json, n, &out, &olen, &err)
                          : tally_billing_bill_json(&a, json, n, &out, &olen, &err);
  if (st != TALLY_OK) {
    FZ_EXPECT(err.code == st && err.message[0] && out == NULL);
  } else {
    t_arena ar;
    t_arena_init(&ar, &a, 0);
    t_json *v;
    FZ_EXPECT(t_json_parse(&ar, out, olen, NULL, &v, &err) == TALLY_OK && v->type == T_JSON_OBJECT);
    t_arena_free(&ar);
    tally_billing_text_free(&a, out, olen);
  }
  const char *argv[1] = {price ? "price" : "bill"};
  FZ_EXPECT(fz_run_cli(1, argv, NULL, 0, data + 1, n, data[0] * 7u % size));
  return 0;
}
