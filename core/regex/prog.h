/*
** prog.h - the regex engine's internal interface: the syntax tree built by
** the parser, character classes, the compiled program shared by the Pike
** VM and the lazy DFA, and the compiled regex object itself.
**
** Pipeline: parse.c (pattern -> t_re_node tree in an arena, flags already
** applied: case folding expanded into classes, ^/$ resolved) -> compile.c
** (tree -> t_re_inst program, Thompson construction with sequential
** emission) -> dfa.c (does it match?) and pike.c (where, with groups).
*/
#ifndef TALLY_REGEX_PROG_H
#define TALLY_REGEX_PROG_H

#include "util/base.h"
#include "util/mem.h"
#include "util/vec.h"
#include "tally/regex.h"

#define T_RE_MAX_RUNE 0x10FFFFu

/* Empty-width assertions, as bits: a position satisfies a set of them. */
enum {
  T_RE_BOL = 1,      /* (?m)^ : start of text or after \n */
  T_RE_EOL = 2,      /* (?m)$ : end of text or before \n */
  T_RE_BOT = 4,      /* \A, ^ */
  T_RE_EOT = 8,      /* \z, $ */
  T_RE_WORDB = 16,   /* \b (ASCII word characters) */
  T_RE_NWORDB = 32   /* \B */
};

/*
** What a DFA state knows besides its program positions (dfa.c and edfa.c
** build the same states): the assertions need the previous character.
*/
enum {
  T_RE_PREV_BOT = 1,     /* at the start of the text */
  T_RE_PREV_NL = 2,      /* the previous character was \n */
  T_RE_PREV_WORD = 4,    /* the previous character was a word character */
  T_RE_UNANCHORED = 8    /* pc 0 is added to every closure */
};

/* ---- character classes: sorted, disjoint [lo, hi] pairs ---- */

typedef T_VEC(uint32_t) t_re_cc;   /* flat: lo0, hi0, lo1, hi1, ... */

TALLY_INTERNAL bool t_re_cc_add(const tally_allocator *a, t_re_cc *cc, uint32_t lo, uint32_t hi);
TALLY_INTERNAL bool t_re_cc_add_list(const tally_allocator *a, t_re_cc *cc, const uint32_t *ranges, size_t n);
/* Sorts and merges; afterwards the pairs are disjoint and non-adjacent. */
TALLY_INTERNAL void t_re_cc_normalize(t_re_cc *cc);
/* Complement within [0, U+10FFFF]; cc must be normalized. */
TALLY_INTERNAL bool t_re_cc_negate(const tally_allocator *a, t_re_cc *cc);
/* Adds every member of the case-folding orbit of every code point; normalizes. */
TALLY_INTERNAL bool t_re_cc_fold(const tally_allocator *a, t_re_cc *cc);
/* The next member of c's simple case-folding orbit (c itself when none). */
TALLY_INTERNAL uint32_t t_re_fold_next(uint32_t c);
/* Whether c is in the n sorted pairs at r. */
TALLY_INTERNAL bool t_re_ranges_has(const uint32_t *r, size_t n, uint32_t c);
/* In-place ascending sort of n 32-bit values (heapsort: no recursion). */
TALLY_INTERNAL void t_re_sort_u32(uint32_t *v, size_t n);

/* ---- syntax tree ---- */

typedef enum t_re_kind {
  T_RE_N_EMPTY,    /* matches the empty string */
  T_RE_N_CLASS,    /* one code point from ranges (literals are classes) */
  T_RE_N_ANY,      /* any code point */
  T_RE_N_ANYNL,    /* any code point but \n */
  T_RE_N_ASSERT,   /* empty-width assertion `arg` */
  T_RE_N_CAT,      /* children in sequence */
  T_RE_N_ALT,      /* children as alternatives, first preferred */
  T_RE_N_REPEAT,   /* child {min, max}; max < 0 = unbounded */
  T_RE_N_CAPTURE   /* child as group `arg` */
} t_re_kind;

typedef struct t_re_node t_re_node;
struct t_re_node {
  t_re_kind kind;
  bool greedy;
  int32_t min, max;
  uint32_t arg;
  uint32_t nranges;       /* pairs */
  const uint32_t *ranges;
  t_re_node *first;       /* children */
  t_re_node *last;
  t_re_node *next;        /* sibling */
};

typedef struct t_re_group_name {
  uint32_t group;
  size_t offset, len;     /* in the pattern */
} t_re_group_name;

typedef struct t_re_parse_result {
  t_re_node *root;
  uint32_t ngroups;
  T_VEC(t_re_group_name) names;
} t_re_parse_result;

/* Parses into nodes allocated from ar; names are allocated with alloc. */
TALLY_INTERNAL tally_status t_re_parse(const tally_allocator *alloc, t_arena *ar, const char *src, size_t len,
                                       unsigned flags, t_re_parse_result *res, tally_error *err);

/* ---- program ---- */

typedef enum t_re_op {
  T_RE_OP_RANGES,  /* consume a code point in ranges[x .. x+2y) */
  T_RE_OP_ANY,     /* consume any code point */
  T_RE_OP_ANYNL,   /* consume any code point but \n */
  T_RE_OP_SPLIT,   /* continue at x (preferred) and at y */
  T_RE_OP_JMP,     /* continue at x */
  T_RE_OP_SAVE,    /* record the position in slot x */
  T_RE_OP_ASSERT,  /* continue when assertion x holds */
  T_RE_OP_MATCH
} t_re_op;
/* Consuming instructions always continue at pc + 1. */

typedef struct t_re_inst {
  uint32_t op;
  uint32_t x, y;
} t_re_inst;

struct tally_regex {
  tally_allocator alloc;
  t_re_inst *prog;
  uint32_t nprog;
  size_t prog_cap;         /* allocated sizes, for t_free */
  uint32_t *ranges;        /* pool of pairs referenced by RANGES */
  size_t nranges;          /* uint32 values in the pool */
  size_t ranges_cap;
  size_t bounds_cap;
  /*
  ** Code points are grouped into classes that every instruction treats
  ** alike (including \n and word characters, for the assertions): the
  ** DFA keeps one transition per class. bounds are the sorted class
  ** starts; class(c) = number of bounds <= c.
  */
  uint32_t *bounds;
  uint32_t nbounds;
  uint32_t nclasses;
  uint32_t ascii_class[128];
  bool has_assert;
  bool anchor_start;       /* every match starts at the text's start (^, \A first) */
  /*
  ** The eager DFA (edfa.c), NULL when the program's DFA is too big: rows
  ** of nclasses + 1 entries (the last for end of text). An entry is the
  ** next row's offset << 2, bit 1 set when that state is dead, bit 0 set
  ** when MATCH was reached before the character (at end of text: before
  ** the end). Read-only after compile, so shared by every thread.
  */
  uint32_t *dfa;
  size_t dfa_len;          /* entries */
  uint32_t dfa_states;
  uint32_t dfa_search;     /* start rows: search (and find from 0), */
  uint32_t dfa_full;       /* full match */
  uint32_t ngroups;
  char *names;             /* copies of the group names, back to back */
  size_t names_len;
  t_re_group_name *name_of;  /* per group name, offsets into names */
  size_t nnames;
  uint64_t fingerprint;    /* of pattern and flags: a cache's quick identity check */
  char *pattern;           /* a copy: same pattern and flags = same program */
  size_t pattern_len;
  unsigned flags;
};

/* Builds the program of re from the tree; fills prog, ranges and classes. */
TALLY_INTERNAL tally_status t_re_compile(tally_regex *re, const t_re_node *root, const char *src, size_t len,
                                         tally_error *err);

static inline bool t_re_is_word(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static inline uint32_t t_re_class_of(const tally_regex *re, uint32_t c) {
  if (c < 128) return re->ascii_class[c];
  size_t lo = 0, hi = re->nbounds;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (re->bounds[mid] <= c) lo = mid + 1;
    else hi = mid;
  }
  return (uint32_t)lo;
}

static inline bool t_re_inst_matches(const tally_regex *re, const t_re_inst *in, uint32_t c) {
  switch (in->op) {
  case T_RE_OP_RANGES: return t_re_ranges_has(re->ranges + in->x, in->y, c);
  case T_RE_OP_ANY: return true;
  case T_RE_OP_ANYNL: return c != '\n';
  default: return false;
  }
}

/* Decodes the code point at s[i] (i < len); invalid bytes read as U+FFFD, width 1. */
TALLY_INTERNAL uint32_t t_re_decode(const char *s, size_t len, size_t i, size_t *width);

/* The assertions that hold at byte offset p. */
static inline uint32_t t_re_context(const char *s, size_t len, size_t p) {
  uint32_t f = 0;
  uint32_t prev = p > 0 ? (uint8_t)s[p - 1] : 0x110000u;
  uint32_t next = p < len ? (uint8_t)s[p] : 0x110000u;
  if (p == 0) f |= T_RE_BOT | T_RE_BOL;
  else if (prev == '\n') f |= T_RE_BOL;
  if (p == len) f |= T_RE_EOT | T_RE_EOL;
  else if (next == '\n') f |= T_RE_EOL;
  f |= (t_re_is_word(prev) != t_re_is_word(next)) ? T_RE_WORDB : T_RE_NWORDB;
  return f;
}

/* ---- matchers ---- */

typedef enum t_re_mode {
  T_RE_MODE_SEARCH,   /* unanchored; any match will do */
  T_RE_MODE_FULL,     /* anchored at from, must end at len */
  T_RE_MODE_FIND      /* unanchored, leftmost-first, with submatches */
} t_re_mode;

/*
** The Pike VM: slots[0 .. nslots) receive submatch offsets (SIZE_MAX when
** unset) in FIND mode; nslots may be 0 in the other modes.
*/
TALLY_INTERNAL tally_status t_re_pike(const tally_regex *re, const tally_allocator *alloc, const char *s, size_t len,
                                      size_t from, t_re_mode mode, size_t *slots, size_t nslots, bool *matched);

/*
** The lazy DFA, SEARCH or FULL mode (FIND mode: tells whether a match
** starts at or after from). Returns TALLY_OK with *done = false when the
** cache ran out of room: the caller then runs the Pike VM.
*/
TALLY_INTERNAL tally_status t_re_dfa(const tally_regex *re, tally_regex_cache *cache, const char *s, size_t len,
                                     size_t from, t_re_mode mode, bool *matched, bool *done);

/*
** Builds re->dfa when the whole DFA stays within TALLY_REGEX_EAGER_STATES
** and TALLY_REGEX_EAGER_BYTES (else leaves it NULL). Fails only for memory.
*/
TALLY_INTERNAL tally_status t_re_edfa_build(tally_regex *re);

/*
** Runs the eager DFA from byte offset from: SEARCH and FIND modes tell
** whether a match starts at or after from (from must be 0 or the program
** free of assertions, since the start state assumes the start of text),
** FULL whether the whole subject matches.
*/
TALLY_INTERNAL bool t_re_edfa_run(const tally_regex *re, const char *s, size_t len, size_t from, t_re_mode mode);

/* The allocator of a cache (the NFA's scratch comes from it too). */
TALLY_INTERNAL const tally_allocator *t_re_cache_alloc(const tally_regex_cache *cache);

#endif
