/*
** base64.c - standard-alphabet base64 (see base64.h).
*/
#include "base64.h"

static const char b64__alphabet[64] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t t_b64_encode(const void *src, size_t n, char *out) {
  const uint8_t *p = src;
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = b64__alphabet[v >> 18];
    out[o++] = b64__alphabet[(v >> 12) & 63];
    out[o++] = b64__alphabet[(v >> 6) & 63];
    out[o++] = b64__alphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    out[o++] = b64__alphabet[v >> 18];
    out[o++] = b64__alphabet[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    out[o++] = b64__alphabet[v >> 18];
    out[o++] = b64__alphabet[(v >> 12) & 63];
    out[o++] = b64__alphabet[(v >> 6) & 63];
    out[o++] = '=';
  }
  return o;
}

void t_b64_buf_encode(t_buf *b, const void *src, size_t n) {
  if (n > (SIZE_MAX - 2) / 4 * 3) { b->failed = true; return; } /* the length would wrap */
  if (!t_buf_reserve(b, t_b64_encoded_len(n))) return;
  b->len += t_b64_encode(src, n, b->ptr + b->len);
}

/* The 6-bit value of a symbol, or -1. */
static int b64__value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

static bool b64__skip(unsigned char c, unsigned flags) {
  return (flags & T_B64_SKIP_NEWLINES) && (c == '\n' || c == '\r');
}

static tally_status b64__fail(size_t *err_offset, size_t at) {
  if (err_offset) *err_offset = at;
  return TALLY_ERR_INPUT;
}

tally_status t_b64_decode(const char *text, size_t len, unsigned flags, uint8_t *out, size_t *out_len,
                          size_t *err_offset) {
  const unsigned char *s = (const unsigned char *)text;
  size_t o = 0, i = 0, last = 0;  /* last: offset of the latest symbol */
  uint32_t acc = 0;
  int q = 0;                      /* symbols in the current quantum */
  *out_len = 0;
  for (; i < len; i++) {
    if (b64__skip(s[i], flags)) continue;
    if (s[i] == '=') break;
    int v = b64__value(s[i]);
    if (v < 0) return b64__fail(err_offset, i);
    acc = acc << 6 | (uint32_t)v;
    last = i;
    if (++q == 4) {
      out[o++] = (uint8_t)(acc >> 16);
      out[o++] = (uint8_t)(acc >> 8);
      out[o++] = (uint8_t)acc;
      acc = 0;
      q = 0;
    }
  }
  /* a final partial quantum: 2 or 3 symbols, then "==" / "=" or nothing */
  if (q == 1) return b64__fail(err_offset, i < len ? i : len);
  if (q == 0 && i < len) return b64__fail(err_offset, i); /* '=' where a symbol belongs */
  if (q > 0) {
    if (i < len) { /* padding: exactly 4 - q '=' */
      int pads = 0;
      for (; i < len; i++) {
        if (b64__skip(s[i], flags)) continue;
        if (s[i] != '=' || pads == 4 - q) return b64__fail(err_offset, i);
        pads++;
      }
      if (pads != 4 - q) return b64__fail(err_offset, len);
    } else if (!(flags & T_B64_PAD_OPTIONAL)) {
      return b64__fail(err_offset, len);
    }
    /* the unused low bits of the last symbol must be zero unless lax */
    uint32_t unused = q == 2 ? (acc & 0xF) : (acc & 0x3);
    if (unused != 0 && !(flags & T_B64_LAX_BITS)) return b64__fail(err_offset, last);
    if (q == 2) {
      out[o++] = (uint8_t)(acc >> 4);
    } else {
      out[o++] = (uint8_t)(acc >> 10);
      out[o++] = (uint8_t)(acc >> 2);
    }
  }
  *out_len = o;
  return TALLY_OK;
}

tally_status t_b64_buf_decode(t_buf *b, const char *text, size_t len, unsigned flags, size_t *err_offset) {
  size_t need = t_b64_decoded_max(len), got;
  if (!t_buf_reserve(b, need)) return TALLY_ERR_NOMEM;
  tally_status st = t_b64_decode(text, len, flags, (uint8_t *)b->ptr + b->len, &got, err_offset);
  if (st == TALLY_OK) b->len += got;
  return st;
}
