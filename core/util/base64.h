/*
** base64.h - RFC 4648 base64, standard alphabet ('+', '/'), padded output.
**
** Bytes cross the JSON interfaces as padded base64, and CEL's
** base64.encode/decode (cel-go's encoders extension) use the same alphabet.
** Decoding is strict by default; flags relax it to what cel-go accepts.
*/
#ifndef TALLY_UTIL_BASE64_H
#define TALLY_UTIL_BASE64_H

#include "base.h"
#include "buf.h"

enum {
  T_B64_PAD_OPTIONAL = 1 << 0,  /* also accept text with no padding at all ("YQ") */
  T_B64_SKIP_NEWLINES = 1 << 1, /* ignore '\r' and '\n' anywhere */
  T_B64_LAX_BITS = 1 << 2,      /* accept non-zero unused bits in the last symbol ("YR==") */
  T_B64_STRICT = 0,
  /* cel-go's base64.decode: Go's StdEncoding, retried as RawStdEncoding. */
  T_B64_CEL = T_B64_PAD_OPTIONAL | T_B64_SKIP_NEWLINES | T_B64_LAX_BITS
};

/* Length of the padded encoding of n bytes (no NUL). */
static inline size_t t_b64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
/* An upper bound on the bytes decoded from n characters. */
static inline size_t t_b64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

/* Writes t_b64_encoded_len(n) characters (no NUL); returns that length. */
TALLY_INTERNAL size_t t_b64_encode(const void *src, size_t n, char *out);
TALLY_INTERNAL void t_b64_buf_encode(t_buf *b, const void *src, size_t n);

/*
** Decodes text into out (room for t_b64_decoded_max(len) bytes) and sets
** *out_len. Returns TALLY_OK or TALLY_ERR_INPUT with *err_offset at the
** first offending byte (len when the text ends too early: "Y", "YQ=").
** err_offset may be NULL.
*/
TALLY_INTERNAL tally_status t_b64_decode(const char *text, size_t len, unsigned flags, uint8_t *out,
                                         size_t *out_len, size_t *err_offset);
/* The same, appending to a buffer (TALLY_ERR_NOMEM when it cannot grow;
** on an input error nothing is appended). */
TALLY_INTERNAL tally_status t_b64_buf_decode(t_buf *b, const char *text, size_t len, unsigned flags,
                                             size_t *err_offset);

#endif
