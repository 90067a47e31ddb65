/*
** ext_encoders.c - cel-go's encoders extension: base64.encode(bytes) and
** base64.decode(string), decoding as cel-go does (padded, else unpadded).
*/
#include "cel/ext.h"
#include "util/base64.h"

#define BAD() return t_cel_ext_bad(st, n, a, nargs)

static t_cel_val enc_encode(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_BYTES) BAD();
  t_str s = t_cel_sv(a[0]);
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, T_CEL_V_STRING, t_b64_encoded_len(s.len), &out);
  if (v.kind == T_CEL_V_ERROR) return v;
  t_b64_encode(s.ptr, s.len, out);
  return v;
}

static t_cel_val enc_decode(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  t_str s = t_cel_sv(a[0]);
  char *out;
  t_cel_val v = t_cel_ext_new_str(st, n->offset, T_CEL_V_BYTES, t_b64_decoded_max(s.len), &out);
  if (v.kind == T_CEL_V_ERROR) return v;
  size_t len, at;
  if (t_b64_decode(s.ptr, s.len, T_B64_CEL, (uint8_t *)out, &len, &at) != TALLY_OK)
    return t_cel_error(st, n->offset, "illegal base64 data at input byte %zu", at);
  v.aux = (uint32_t)len;
  return v;
}

static const t_cel_ext_fn enc__fns[] = {
  {"base64.encode", false, 1, 1, enc_encode},
  {"base64.decode", false, 1, 1, enc_decode},
};

const t_cel_ext_lib t_cel_ext_encoders_lib = {TALLY_CEL_LIB_ENCODERS, enc__fns, T_ARRAY_LEN(enc__fns)};
