/*
** dfa.c - the lazily built DFA (after RE2's dfa.cc, written from the idea):
** a DFA state is the set of program positions alive after some input plus
** what the assertions need to know about the previous character. States
** and their transitions are built on first use and kept in the caller's
** tally_regex_cache, so a compiled regex stays immutable and shareable.
**
** Transitions are per character class (see prog.h), plus one for end of
** text. Computing a transition takes the epsilon closure of the state's
** positions given the next character (so ^ $ \b can be decided), notes
** whether MATCH was reached, then steps over the character.
**
** Memory is bounded: states live in an arena with a byte limit. When it
** fills, the cache is emptied and the caller finishes with the Pike VM,
** so the time stays linear however many states a pattern could need.
*/
#include "regex/prog.h"

typedef struct dstate {
  uint32_t hash;
  uint32_t flags;
  uint32_t n;
  /*
  ** nclasses + 1 entries (the last for end of text): 0 unknown, else the
  ** next state's address with bit 0 set when MATCH was reached before the
  ** character (for end of text, any non-zero value).
  */
  uintptr_t *next;
  uint32_t pcs[];
} dstate;

struct tally_regex_cache {
  tally_allocator alloc;
  size_t max_bytes;
  /* which program the states belong to: its pattern and flags */
  uint64_t fingerprint;
  uint32_t nprog, nclasses;
  unsigned flags;
  char *pattern;
  size_t pattern_len;
  uint32_t resets;    /* times the budget ran out for this program */
  t_arena arena;
  dstate **states;
  uint32_t nstates, states_cap;
  uint32_t *table;    /* open addressing: state index + 1, 0 empty */
  uint32_t table_cap;
  /* scratch sized for nprog */
  uint32_t *sparse, *dense, *stack, *kernel;
  size_t scratch_n;
};

/* After this many budget overflows for one program, go straight to the NFA. */
#define MAX_RESETS 4

tally_status tally_regex_cache_new(const tally_allocator *alloc, size_t max_bytes, tally_regex_cache **out) {
  *out = NULL;
  tally_regex_cache *c = t_alloc(alloc, sizeof *c);
  if (!c) return TALLY_ERR_NOMEM;
  t_memset(c, 0, sizeof *c);
  c->alloc = *alloc;
  c->max_bytes = max_bytes ? max_bytes : TALLY_REGEX_CACHE_DEFAULT;
  /* Small at first (one cache per evaluation context); the arena doubles as states are added. */
  t_arena_init(&c->arena, &c->alloc, 2 * 1024);
  c->arena.limit = c->max_bytes;
  *out = c;
  return TALLY_OK;
}

const tally_allocator *t_re_cache_alloc(const tally_regex_cache *c) {
  return &c->alloc;
}

static void free_scratch(tally_regex_cache *c) {
  t_free(&c->alloc, c->sparse, c->scratch_n * 4 * sizeof(uint32_t) + 2 * sizeof(uint32_t));
  c->sparse = c->dense = c->stack = c->kernel = NULL;
  c->scratch_n = 0;
}

void tally_regex_cache_free(tally_regex_cache *c) {
  if (!c) return;
  t_arena_free(&c->arena);
  t_free(&c->alloc, c->states, c->states_cap * sizeof(dstate *));
  t_free(&c->alloc, c->table, c->table_cap * sizeof(uint32_t));
  free_scratch(c);
  t_free(&c->alloc, c->pattern, c->pattern_len);
  tally_allocator a = c->alloc;
  t_free(&a, c, sizeof *c);
}

static void reset_states(tally_regex_cache *c) {
  t_arena_reset(&c->arena);
  c->arena.over_limit = false;
  c->nstates = 0;
  if (c->table) t_memset(c->table, 0, c->table_cap * sizeof(uint32_t));
}

/* Points the cache at re's program, dropping states of another one. */
static bool same_program(const tally_regex_cache *c, const tally_regex *re) {
  return c->fingerprint == re->fingerprint && c->nprog == re->nprog && c->nclasses == re->nclasses &&
         c->flags == re->flags && c->pattern_len == re->pattern_len &&
         (re->pattern_len == 0 || t_memcmp(c->pattern, re->pattern, re->pattern_len) == 0);
}

static bool bind(tally_regex_cache *c, const tally_regex *re) {
  if (!c->nprog || !same_program(c, re)) {
    /* Another program (compiled regexes carry no identity but their source). */
    reset_states(c);
    t_free(&c->alloc, c->pattern, c->pattern_len);
    c->pattern = NULL;
    c->pattern_len = 0;
    c->nprog = 0;
    if (re->pattern_len) {
      c->pattern = t_alloc(&c->alloc, re->pattern_len);
      if (!c->pattern) return false;
      t_memcpy(c->pattern, re->pattern, re->pattern_len);
    }
    c->pattern_len = re->pattern_len;
    c->fingerprint = re->fingerprint;
    c->flags = re->flags;
    c->nprog = re->nprog;
    c->nclasses = re->nclasses;
    c->resets = 0;
  }
  if (c->scratch_n < re->nprog) {
    free_scratch(c);
    size_t n = re->nprog;
    /* sparse, dense, kernel: n each; stack: 2n + 2 (a pc pushes at most two) */
    c->sparse = t_alloc(&c->alloc, n * 4 * sizeof(uint32_t) + 2 * sizeof(uint32_t));
    if (!c->sparse) return false;
    t_memset(c->sparse, 0, n * sizeof(uint32_t));
    c->dense = c->sparse + n;
    c->kernel = c->dense + n;
    c->stack = c->kernel + n;
    c->scratch_n = n;
  }
  return true;
}

static uint32_t hash_state(uint32_t flags, const uint32_t *pcs, uint32_t n) {
  uint32_t h = 2166136261u ^ flags;
  h *= 16777619u;
  for (uint32_t i = 0; i < n; i++) {
    h ^= pcs[i];
    h *= 16777619u;
  }
  return h;
}

typedef enum { FOUND, FULL, NOMEM } intern_result;

/* Finds or creates the state (flags, pcs[0..n)); *index gets its index. */
static intern_result intern(tally_regex_cache *c, uint32_t flags, const uint32_t *pcs, uint32_t n, uint32_t *index) {
  uint32_t h = hash_state(flags, pcs, n);
  if (c->table_cap) {
    uint32_t mask = c->table_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t e = c->table[i];
      if (!e) break;
      dstate *s = c->states[e - 1];
      if (s->hash == h && s->flags == flags && s->n == n && (n == 0 || t_memcmp(s->pcs, pcs, n * sizeof(uint32_t)) == 0)) {
        *index = e - 1;
        return FOUND;
      }
    }
  }
  /* New state: room in the arena (the budget), the index array and the table. */
  size_t size = sizeof(dstate) + n * sizeof(uint32_t);
  size_t tsize = ((size_t)c->nclasses + 1) * sizeof(uintptr_t);
  size_t overhead = 3 * sizeof(uint32_t) + sizeof(dstate *);  /* table and index, amortized */
  if (c->arena.used_total + size + tsize + overhead * (c->nstates + 1) > c->max_bytes) return FULL;
  dstate *s = t_arena_alloc(&c->arena, size);
  uintptr_t *next = s ? t_arena_alloc(&c->arena, tsize) : NULL;
  if (!s || !next) return c->arena.over_limit ? FULL : NOMEM;
  if (c->nstates == c->states_cap) {
    uint32_t ncap = c->states_cap ? 2 * c->states_cap : 64;
    dstate **ns = t_realloc(&c->alloc, c->states, c->states_cap * sizeof(dstate *), ncap * sizeof(dstate *));
    if (!ns) return NOMEM;
    c->states = ns;
    c->states_cap = ncap;
  }
  if (2 * (c->nstates + 1) > c->table_cap) {
    uint32_t ncap = c->table_cap ? 2 * c->table_cap : 128;
    uint32_t *nt = t_alloc(&c->alloc, ncap * sizeof(uint32_t));
    if (!nt) return NOMEM;
    t_memset(nt, 0, ncap * sizeof(uint32_t));
    for (uint32_t k = 0; k < c->nstates; k++) {
      uint32_t j = c->states[k]->hash & (ncap - 1);
      while (nt[j]) j = (j + 1) & (ncap - 1);
      nt[j] = k + 1;
    }
    t_free(&c->alloc, c->table, c->table_cap * sizeof(uint32_t));
    c->table = nt;
    c->table_cap = ncap;
  }
  s->hash = h;
  s->flags = flags;
  s->n = n;
  s->next = next;
  t_memset(next, 0, tsize);
  if (n) t_memcpy(s->pcs, pcs, n * sizeof(uint32_t));
  uint32_t j = h & (c->table_cap - 1);
  while (c->table[j]) j = (j + 1) & (c->table_cap - 1);
  c->table[j] = c->nstates + 1;
  c->states[c->nstates] = s;
  *index = c->nstates++;
  return FOUND;
}

static bool set_add(tally_regex_cache *c, uint32_t *n, uint32_t pc) {
  uint32_t i = c->sparse[pc];
  if (i < *n && c->dense[i] == pc) return false;
  c->sparse[pc] = *n;
  c->dense[(*n)++] = pc;
  return true;
}

/*
** The transition of state s on character ch (or end of text when ch >
** U+10FFFF) of class cls. Stores and returns the entry (see dstate.next).
*/
static intern_result transition(tally_regex_cache *c, const tally_regex *re, dstate *s, uint32_t cls, uint32_t ch,
                                 uintptr_t *entry) {
  uint32_t flags = s->flags;
  bool eot = ch > T_RE_MAX_RUNE;
  /* The assertions that hold between the previous character and ch. */
  uint32_t ctx = 0;
  if (flags & T_RE_PREV_BOT) ctx |= T_RE_BOT | T_RE_BOL;
  if (flags & T_RE_PREV_NL) ctx |= T_RE_BOL;
  if (eot) ctx |= T_RE_EOT | T_RE_EOL;
  else if (ch == '\n') ctx |= T_RE_EOL;
  bool next_word = !eot && t_re_is_word(ch);
  ctx |= (((flags & T_RE_PREV_WORD) != 0) != next_word) ? T_RE_WORDB : T_RE_NWORDB;

  uint32_t nset = 0, top = 0;
  bool matched = false;
  const t_re_inst *prog = re->prog;
  if (flags & T_RE_UNANCHORED) c->stack[top++] = 0;
  for (uint32_t i = s->n; i-- > 0;) c->stack[top++] = s->pcs[i];
  uint32_t nk = 0;
  while (top > 0) {
    uint32_t pc = c->stack[--top];
    if (!set_add(c, &nset, pc)) continue;
    const t_re_inst *in = &prog[pc];
    switch (in->op) {
    case T_RE_OP_JMP: c->stack[top++] = in->x; break;
    case T_RE_OP_SPLIT:
      c->stack[top++] = in->y;
      c->stack[top++] = in->x;
      break;
    case T_RE_OP_SAVE: c->stack[top++] = pc + 1; break;
    case T_RE_OP_ASSERT:
      if ((ctx & in->x) == in->x) c->stack[top++] = pc + 1;
      break;
    case T_RE_OP_MATCH: matched = true; break;
    default:
      if (!eot && t_re_inst_matches(re, in, ch)) c->kernel[nk++] = pc + 1;
      break;
    }
  }
  if (eot) {
    *entry = 2u | (matched ? 1u : 0u);
    s->next[cls] = *entry;
    return FOUND;
  }
  /* Consuming instructions are distinct, so their successors are too; sort for a canonical key. */
  t_re_sort_u32(c->kernel, nk);
  uint32_t nflags = flags & T_RE_UNANCHORED;
  if (re->has_assert) {
    if (ch == '\n') nflags |= T_RE_PREV_NL;
    if (next_word) nflags |= T_RE_PREV_WORD;
  }
  uint32_t ni;
  intern_result r = intern(c, nflags, c->kernel, nk, &ni);
  if (r != FOUND) return r;
  *entry = (uintptr_t)c->states[ni] | (matched ? 1u : 0u);
  s->next[cls] = *entry;
  return FOUND;
}

tally_status t_re_dfa(const tally_regex *re, tally_regex_cache *c, const char *s, size_t len, size_t from,
                      t_re_mode mode, bool *matched, bool *done) {
  *matched = false;
  *done = false;
  if (!bind(c, re)) return TALLY_ERR_NOMEM;
  if (c->resets >= MAX_RESETS) return TALLY_OK;
  bool anchored = mode == T_RE_MODE_FULL || re->anchor_start;
  uint32_t flags = anchored ? 0 : T_RE_UNANCHORED;
  if (re->has_assert) {
    if (from == 0) flags |= T_RE_PREV_BOT;
    else {
      uint8_t b = (uint8_t)s[from - 1];
      if (b == '\n') flags |= T_RE_PREV_NL;
      if (t_re_is_word(b)) flags |= T_RE_PREV_WORD;
    }
  }
  uint32_t start_pc = 0, si;
  intern_result r = intern(c, flags, &start_pc, anchored ? 1 : 0, &si);
  size_t pos = from;
  /* In FULL mode only the end of text may accept: mask the match bit until then. */
  uint32_t match_bit = mode == T_RE_MODE_FULL ? 0 : 1;
  uintptr_t e = 0;
  if (r == FOUND) {
    dstate *st = c->states[si];
    while (pos < len) {
      uint8_t b = (uint8_t)s[pos];
      uint32_t ch, cls;
      size_t w = 1;
      if (b < 0x80) ch = b, cls = re->ascii_class[b];
      else ch = t_re_decode(s, len, pos, &w), cls = t_re_class_of(re, ch);
      e = st->next[cls];
      if (t_unlikely(!e)) {
        r = transition(c, re, st, cls, ch, &e);
        if (r != FOUND) break;
      }
      if (e & match_bit) {
        *matched = true;
        *done = true;
        return TALLY_OK;
      }
      st = (dstate *)(e & ~(uintptr_t)1);
      if (anchored && st->n == 0) {
        *done = true;  /* dead: nothing can match any more */
        return TALLY_OK;
      }
      pos += w;
    }
    if (r == FOUND) {
      e = st->next[re->nclasses];
      if (!e) r = transition(c, re, st, re->nclasses, T_RE_MAX_RUNE + 1, &e);
      if (r == FOUND) {
        *matched = (e & 1) != 0;
        *done = true;
        return TALLY_OK;
      }
    }
  }
  if (r == NOMEM) return TALLY_ERR_NOMEM;
  /* The budget ran out: start afresh next time, and let the NFA finish this search. */
  reset_states(c);
  c->resets++;
  return TALLY_OK;
}
