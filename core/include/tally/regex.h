/*
** regex.h - regular expressions with RE2 syntax and semantics, matched in
** time linear in the input (no backtracking). Used by CEL's `matches` and
** the strings extension.
**
**   tally_regex *re;
**   tally_error err;
**   if (tally_regex_compile(&alloc, "a+b", 3, 0, &re, &err) != TALLY_OK) ...
**   bool hit;
**   tally_regex_search(re, cache_or_NULL, "xaab", 4, &hit);   (hit == true)
**   tally_regex_free(re);
**
** A compiled regex is immutable: several threads may use it at once. When
** the pattern's whole DFA is small (at most TALLY_REGEX_EAGER_STATES
** states and TALLY_REGEX_EAGER_BYTES of table: typical validation and
** sign-up patterns), compile builds all of it and searches use it without
** any cache (tally_regex_uses_cache() says false): no warm-up, no memory
** per caller. Otherwise the lazily built DFA keeps its states in a
** tally_regex_cache, which belongs to one thread at a time (one per
** evaluation context, say). It may serve any number of regexes, but holds
** the states of one program at a time (it restarts when given a regex
** with another pattern or flags), so one cache per hot regex is best. Its
** memory is bounded (max_bytes); when the states do not fit, the search
** finishes on the NFA. Passing NULL as the cache then runs the NFA (Pike
** VM) only: still linear, about ten times slower.
**
** Subjects are UTF-8; an invalid byte reads as U+FFFD and consumes one
** byte, as in RE2 and Go. Offsets are in bytes.
**
** Limits (errors of kind TALLY_ERR_LIMIT, or TALLY_ERR_PARSE for repeat
** counts as RE2 reports them): pattern at most TALLY_REGEX_MAX_PATTERN
** bytes, group nesting depth TALLY_REGEX_MAX_DEPTH, at most
** TALLY_REGEX_MAX_PROGRAM instructions (RE2's default memory budget allows
** more; ten thousand keeps a Pike VM step and a DFA state small), repeat
** counts at most 1000, and nested counted repeats multiplying to at most
** 1000 ((a{10}){100} is fine, (a{100}){100} is not), as in RE2.
**
** \p{..} tables and (?i) case folding follow Unicode 15.0.0 (generated at
** build time from Debian's unicode-data: tally_regex_unicode_version()).
*/
#ifndef TALLY_REGEX_H
#define TALLY_REGEX_H

#include "tally/tally.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_REGEX_MAX_PATTERN 65536
#define TALLY_REGEX_MAX_DEPTH 200
#define TALLY_REGEX_MAX_PROGRAM 10000
#define TALLY_REGEX_MAX_REPEAT 1000
/* Default byte budget of a cache's DFA states before it falls back to the NFA. */
#define TALLY_REGEX_CACHE_DEFAULT (1u << 20)
/*
** Bounds of the DFA built at compile time: beyond either, the regex uses
** the lazy DFA and a cache. Sized from measured patterns: sign-up and
** validation patterns need 5 to 60 states of 12 to 60 classes (under
** 8 KiB); a list of eight disposable domains 190 states (30 KiB). A
** state costs about 0.1 us to build, so a pattern whose DFA explodes
** spends ~35 us of compile time before falling back (a work budget caps
** odder cases near 0.2 ms); classes come from the pattern's ranges, so
** \p{L} (1,300 classes) leaves room for a dozen states.
*/
#define TALLY_REGEX_EAGER_STATES 256
#define TALLY_REGEX_EAGER_BYTES (64u << 10)

/* Compile flags: the same as starting the pattern with (?i), (?m), ... */
#define TALLY_REGEX_CASELESS  0x1u  /* (?i) */
#define TALLY_REGEX_MULTILINE 0x2u  /* (?m) */
#define TALLY_REGEX_DOTALL    0x4u  /* (?s) */
#define TALLY_REGEX_UNGREEDY  0x8u  /* (?U) */
#define TALLY_REGEX_LITERAL   0x10u /* the pattern is a literal string */
/*
** Build no DFA at compile time, even when small: for a pattern compiled
** for one search (a cache, if given, still serves repeated compiles of
** the same pattern).
*/
#define TALLY_REGEX_LAZY      0x20u

typedef struct tally_regex tally_regex;
typedef struct tally_regex_cache tally_regex_cache;

/* A submatch: [start, end) byte offsets; both SIZE_MAX when it did not take part. */
typedef struct tally_regex_span {
  size_t start;
  size_t end;
} tally_regex_span;

/*
** Compiles a pattern (UTF-8, len bytes). On failure returns the status and
** fills err (when non-NULL) with a message and the byte offset, line and
** column of the offending construct; *out is set to NULL.
*/
TALLY_API tally_status tally_regex_compile(const tally_allocator *alloc, const char *pattern, size_t len,
                                           unsigned flags, tally_regex **out, tally_error *err);
TALLY_API void tally_regex_free(tally_regex *re);

/* Number of capturing groups (group 0, the whole match, not counted). */
TALLY_API size_t tally_regex_group_count(const tally_regex *re);
/* Name of group i (1-based), or NULL when unnamed; *len gets its length. */
TALLY_API const char *tally_regex_group_name(const tally_regex *re, size_t i, size_t *len);
/* Index of the group called name, or 0 when there is none. */
TALLY_API size_t tally_regex_group_index(const tally_regex *re, const char *name, size_t len);

/*
** Whether searches with re use the cache they are given: false when its
** DFA was built at compile time, so a caller may skip creating one.
*/
TALLY_API bool tally_regex_uses_cache(const tally_regex *re);

/* A DFA cache of at most max_bytes (0 = TALLY_REGEX_CACHE_DEFAULT). */
TALLY_API tally_status tally_regex_cache_new(const tally_allocator *alloc, size_t max_bytes, tally_regex_cache **out);
TALLY_API void tally_regex_cache_free(tally_regex_cache *cache);

/*
** Unanchored search, CEL's `matches`: *matched tells whether the pattern
** matches some substring. Fails only with TALLY_ERR_NOMEM (or
** TALLY_ERR_LIMIT when the NFA's scratch memory would be unreasonable).
*/
TALLY_API tally_status tally_regex_search(const tally_regex *re, tally_regex_cache *cache, const char *s,
                                          size_t len, bool *matched);

/* Whether the whole subject matches (as if the pattern were ^(?:...)$). */
TALLY_API tally_status tally_regex_match_full(const tally_regex *re, tally_regex_cache *cache, const char *s,
                                              size_t len, bool *matched);

/*
** The leftmost-first match (RE2/Perl preference) starting the search at
** byte offset `from` (the text before it still counts for ^, \b ...).
** Fills spans[0..nspans): spans[0] is the whole match, spans[i] group i;
** groups beyond nspans are not tracked (pass nspans = 1 for just the
** match). When there is no match, *matched is false and spans are
** untouched. To list every match, continue from the previous match's end,
** or one code point further when that match was empty (as RE2/Go do).
*/
TALLY_API tally_status tally_regex_find(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len,
                                        size_t from, tally_regex_span *spans, size_t nspans, bool *matched);

/* The Unicode version of the \p tables and case folding ("15.0.0"). */
TALLY_API const char *tally_regex_unicode_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_REGEX_H */
