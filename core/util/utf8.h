/*
** utf8.h - UTF-8 decoding, encoding and validation (RFC 3629: no
** surrogates, no overlongs, at most U+10FFFF).
*/
#ifndef TALLY_UTIL_UTF8_H
#define TALLY_UTIL_UTF8_H

#include "base.h"

/*
** Decodes one code point at s[0..len); stores it in *cp and returns its byte
** length, or 0 when the bytes there are not valid UTF-8 (or len is 0).
*/
TALLY_INTERNAL size_t t_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp (must be valid) into out[4]; returns the byte length. */
TALLY_INTERNAL size_t t_utf8_encode(uint32_t cp, char *out);
/* Offset of the first invalid byte, or len when all is valid. */
TALLY_INTERNAL size_t t_utf8_validate(const char *s, size_t len);
/* Number of code points of valid UTF-8 text. */
TALLY_INTERNAL size_t t_utf8_count(const char *s, size_t len);
/* Unicode's White_Space property (PropList.txt; stable since Unicode 6.3). */
TALLY_INTERNAL bool t_utf8_is_space(uint32_t cp);
/*
** s without its leading and trailing White_Space code points. Invalid
** UTF-8 is not white space, so trimming stops there.
*/
TALLY_INTERNAL t_str t_utf8_trim_space(t_str s);

#endif
