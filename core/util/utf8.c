/*
** utf8.c - UTF-8 codec.
*/
#include "utf8.h"

size_t t_utf8_decode(const char *s, size_t len, uint32_t *cp) {
  if (!len) return 0;
  const unsigned char *u = (const unsigned char *)s;
  unsigned char c = u[0];
  if (c < 0x80) { *cp = c; return 1; }
  if (c < 0xC2) return 0;
  if (c < 0xE0) {
    if (len < 2 || (u[1] & 0xC0) != 0x80) return 0;
    *cp = ((uint32_t)(c & 0x1F) << 6) | (u[1] & 0x3F);
    return 2;
  }
  if (c < 0xF0) {
    if (len < 3 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80) return 0;
    uint32_t v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return 3;
  }
  if (c < 0xF5) {
    if (len < 4 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80 || (u[3] & 0xC0) != 0x80) return 0;
    uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
                 ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
    if (v < 0x10000 || v > 0x10FFFF) return 0;
    *cp = v;
    return 4;
  }
  return 0;
}

size_t t_utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t t_utf8_validate(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    if ((unsigned char)s[i] < 0x80) { i++; continue; }
    uint32_t cp;
    size_t n = t_utf8_decode(s + i, len - i, &cp);
    if (!n) return i;
    i += n;
  }
  return len;
}

size_t t_utf8_count(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
  return n;
}

bool t_utf8_is_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

t_str t_utf8_trim_space(t_str s) {
  size_t start = 0, end = s.len;
  while (start < end) {
    uint32_t cp;
    size_t n = t_utf8_decode(s.ptr + start, end - start, &cp);
    if (!n || !t_utf8_is_space(cp)) break;
    start += n;
  }
  while (end > start) {
    size_t k = end - 1;
    while (k > start && ((unsigned char)s.ptr[k] & 0xC0) == 0x80) k--;
    uint32_t cp;
    /* The code point must end exactly at `end`: a stray continuation byte is not space. */
    size_t n = t_utf8_decode(s.ptr + k, end - k, &cp);
    if (!n || n != end - k || !t_utf8_is_space(cp)) break;
    end = k;
  }
  return (t_str){s.ptr + start, end - start};
}
