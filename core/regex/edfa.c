/*
** edfa.c - the eager DFA: when a program's whole DFA is small, every state
** is built at compile time into one table kept in the tally_regex. It is
** never written again, so every thread and evaluation context shares it
** without a cache, a lock or a warm-up; a service that evaluates one rule
** on a fresh context pays no state construction at all. Bigger DFAs stay
** with the lazy DFA of dfa.c (cache + NFA fallback).
**
** The states are exactly dfa.c's: the set of program positions alive after
** some input plus the flags the assertions need (previous character was
** \n, a word character, or there was none), with pc 0 added to every
** closure when the search is unanchored. What differs is how transitions
** are computed: dfa.c takes one epsilon closure per (state, class); here a
** state's closure is taken once per kind of next character (\n, word
** character, other, end of text: all an assertion can tell apart), and
** each consuming instruction of the closure marks the classes it accepts
** in a bit mask per class. Classes with equal masks lead to the same next
** state, so a state costs a few closures and a pass over the classes.
**
** Leftmost-first order does not matter: the table only answers whether a
** match exists (find's spans come from the Pike VM).
*/
#include "regex/prog.h"

/* Kinds of next character: the only distinctions the assertions make. */
enum { K_OTHER, K_WORD, K_NL, K_EOT, NKINDS };

/* A closure may hold at most this many consuming instructions (one mask bit each). */
#define MAX_CONSUMING 64

/*
** Instructions visited by all closures together, at most: long chains of
** assertions or empty loops (up to TALLY_REGEX_MAX_PROGRAM) walked from
** every state could otherwise cost milliseconds of compile time. Typical
** patterns visit tens to a few thousand (a \b-delimited list of ten words:
** 4,200); past the budget (about 0.1 ms of work), the lazy DFA serves.
*/
#define MAX_STEPS (1u << 15)

typedef enum { OK, TOO_BIG, NOMEM } build_result;

typedef struct builder {
  tally_regex *re;
  const tally_allocator *a;
  uint32_t stride;                /* nclasses + 1 */
  T_VEC(uint32_t) keys;           /* per state: flags, n, pcs[n] */
  T_VEC(uint32_t) key_at;         /* state -> offset in keys */
  T_VEC(uint32_t) trans;          /* the table being built */
  uint32_t *hash;                 /* open addressing: state + 1, 0 empty */
  uint32_t hash_cap;
  /* scratch: one allocation */
  uint32_t *sparse, *dense, *stack, *consume, *kernel;
  uint32_t *iv_at;                /* per pc: offset of its class intervals in iv, UINT32_MAX unknown */
  uint8_t *kind;                  /* per class */
  uint32_t *order;                /* the classes grouped by kind */
  uint32_t kind_at[NKINDS];       /* where each kind starts in order (K_EOT: the end) */
  uint64_t *mask;                 /* per class: which consuming instructions accept it */
  uint32_t *touched;              /* the classes with a non-empty mask */
  uint32_t ntouched;
  uint32_t steps;                 /* instructions visited by closures so far */
  uint32_t empty[2][K_EOT];       /* entry of the empty kernel, by unanchored and kind; UINT32_MAX unknown */
  uint32_t *tmpl;                 /* 4 rows of those entries, by unanchored and matched */
  bool tmpl_made[4];
  T_VEC(uint32_t) iv;             /* per RANGES pc: count, then [first, last] class pairs */
} builder;

static uint32_t hash_key(uint32_t flags, const uint32_t *pcs, uint32_t n) {
  uint32_t h = 2166136261u ^ flags;
  h *= 16777619u;
  for (uint32_t i = 0; i < n; i++) {
    h ^= pcs[i];
    h *= 16777619u;
  }
  return h;
}

static bool same_key(const builder *b, uint32_t state, uint32_t flags, const uint32_t *pcs, uint32_t n) {
  const uint32_t *k = b->keys.items + b->key_at.items[state];
  return k[0] == flags && k[1] == n && (n == 0 || t_memcmp(k + 2, pcs, n * sizeof(uint32_t)) == 0);
}

/* Finds or adds the state (flags, pcs[0..n)); *row gets its row offset. */
static build_result intern(builder *b, uint32_t flags, const uint32_t *pcs, uint32_t n, uint32_t *row) {
  uint32_t h = hash_key(flags, pcs, n);
  uint32_t mask = b->hash_cap - 1;
  uint32_t i = h & mask;
  for (; b->hash[i]; i = (i + 1) & mask) {
    if (same_key(b, b->hash[i] - 1, flags, pcs, n)) {
      *row = (b->hash[i] - 1) * b->stride;
      return OK;
    }
  }
  uint32_t st = (uint32_t)b->key_at.len;
  if (st + 1 > TALLY_REGEX_EAGER_STATES || ((size_t)st + 1) * b->stride * sizeof(uint32_t) > TALLY_REGEX_EAGER_BYTES)
    return TOO_BIG;
  if (!t_vec_push(b->a, &b->key_at, (uint32_t)b->keys.len) || !t_vec_reserve(b->a, &b->keys, 2 + (size_t)n) ||
      !t_vec_reserve(b->a, &b->trans, b->stride))
    return NOMEM;
  b->keys.items[b->keys.len++] = flags;
  b->keys.items[b->keys.len++] = n;
  if (n) t_memcpy(b->keys.items + b->keys.len, pcs, n * sizeof(uint32_t));
  b->keys.len += n;
  t_memset(b->trans.items + b->trans.len, 0, b->stride * sizeof(uint32_t));
  b->trans.len += b->stride;
  b->hash[i] = st + 1;
  *row = st * b->stride;
  return OK;
}

/* The assertions that hold between a state's previous character and one of kind k. */
static uint32_t context(uint32_t flags, int k) {
  uint32_t ctx = 0;
  if (flags & T_RE_PREV_BOT) ctx |= T_RE_BOT | T_RE_BOL;
  if (flags & T_RE_PREV_NL) ctx |= T_RE_BOL;
  if (k == K_EOT) ctx |= T_RE_EOT | T_RE_EOL;
  else if (k == K_NL) ctx |= T_RE_EOL;
  ctx |= (((flags & T_RE_PREV_WORD) != 0) != (k == K_WORD)) ? T_RE_WORDB : T_RE_NWORDB;
  return ctx;
}

/*
** The closure of state st's positions (plus pc 0 when unanchored) under
** ctx: its consuming instructions go to b->consume in ascending order (*nc
** of them); *matched tells whether MATCH was reached, *asserts whether an
** assertion was met. TOO_BIG past MAX_CONSUMING.
*/
static build_result closure(builder *b, uint32_t st, uint32_t ctx, uint32_t *nc, bool *matched, bool *asserts) {
  const t_re_inst *prog = b->re->prog;
  const uint32_t *key = b->keys.items + b->key_at.items[st];
  uint32_t nset = 0, top = 0, m = 0;
  *matched = *asserts = false;
  if (key[0] & T_RE_UNANCHORED) b->stack[top++] = 0;
  for (uint32_t i = key[1]; i-- > 0;) b->stack[top++] = key[2 + i];
  while (top > 0) {
    uint32_t pc = b->stack[--top];
    uint32_t at = b->sparse[pc];
    if (at < nset && b->dense[at] == pc) continue;
    if (++b->steps > MAX_STEPS) return TOO_BIG;
    b->sparse[pc] = nset;
    b->dense[nset++] = pc;
    const t_re_inst *in = &prog[pc];
    switch (in->op) {
    case T_RE_OP_JMP: b->stack[top++] = in->x; break;
    case T_RE_OP_SPLIT:
      b->stack[top++] = in->y;
      b->stack[top++] = in->x;
      break;
    case T_RE_OP_SAVE: b->stack[top++] = pc + 1; break;
    case T_RE_OP_ASSERT:
      *asserts = true;
      if ((ctx & in->x) == in->x) b->stack[top++] = pc + 1;
      break;
    case T_RE_OP_MATCH: *matched = true; break;
    default:
      if (m == MAX_CONSUMING) return TOO_BIG;
      /* Insertion: the list is short and the search order nearly ascending. */
      uint32_t j = m++;
      for (; j > 0 && b->consume[j - 1] > pc; j--) b->consume[j] = b->consume[j - 1];
      b->consume[j] = pc;
      break;
    }
  }
  *nc = m;
  return OK;
}

/* The classes a RANGES instruction accepts, as runs of consecutive classes (memoized per pc). */
static build_result intervals(builder *b, uint32_t pc, const uint32_t **out) {
  if (b->iv_at[pc] == UINT32_MAX) {
    const t_re_inst *in = &b->re->prog[pc];
    const uint32_t *r = b->re->ranges + in->x;
    if (!t_vec_reserve(b->a, &b->iv, 1 + 2 * (size_t)in->y)) return NOMEM;
    b->iv_at[pc] = (uint32_t)b->iv.len;
    b->iv.items[b->iv.len++] = in->y;
    /* Every range starts a class and ends one (compile.c makes them class bounds). */
    for (uint32_t i = 0; i < in->y; i++) {
      b->iv.items[b->iv.len++] = t_re_class_of(b->re, r[2 * i]);
      b->iv.items[b->iv.len++] = t_re_class_of(b->re, r[2 * i + 1]);
    }
  }
  *out = b->iv.items + b->iv_at[pc];
  return OK;
}

/*
** Sets `bit` in the mask of every class of kind k (any kind when k < 0)
** that instruction pc accepts; classes whose mask was empty are listed in
** b->touched.
*/
static build_result mark(builder *b, uint32_t pc, uint64_t bit, int k) {
  const t_re_inst *in = &b->re->prog[pc];
  const uint8_t *kind = b->kind;
  uint64_t *mask = b->mask;
  if (in->op == T_RE_OP_ANY || in->op == T_RE_OP_ANYNL) {
    uint32_t nl = in->op == T_RE_OP_ANYNL ? b->re->ascii_class['\n'] : UINT32_MAX;
    for (uint32_t c = 0; c < b->re->nclasses; c++) {
      if ((k >= 0 && kind[c] != k) || c == nl) continue;
      if (!mask[c]) b->touched[b->ntouched++] = c;
      mask[c] |= bit;
    }
    return OK;
  }
  const uint32_t *iv;
  if (intervals(b, pc, &iv) != OK) return NOMEM;
  for (uint32_t i = 0; i < iv[0]; i++) {
    for (uint32_t c = iv[1 + 2 * i]; c <= iv[2 + 2 * i]; c++) {
      if (k >= 0 && kind[c] != k) continue;
      if (!mask[c]) b->touched[b->ntouched++] = c;
      mask[c] |= bit;
    }
  }
  return OK;
}

/* The flags of the state after a character of kind k from a state with these flags. */
static uint32_t next_flags(const builder *b, uint32_t flags, uint32_t k) {
  uint32_t nflags = flags & T_RE_UNANCHORED;
  if (b->re->has_assert) nflags |= k == K_NL ? T_RE_PREV_NL : k == K_WORD ? T_RE_PREV_WORD : 0;
  return nflags;
}

/* The entry for the next state (nflags, kernel[0..nk)). */
static build_result entry_for(builder *b, uint32_t nflags, uint32_t nk, uint32_t *entry) {
  /* Nothing alive and nothing to restart: dead whatever the flags say, so one dead state serves all. */
  if (nk == 0 && !(nflags & T_RE_UNANCHORED)) nflags = 0;
  uint32_t next;
  build_result r = intern(b, nflags, b->kernel, nk, &next);
  if (r != OK) return r;
  bool dead = nk == 0 && !(nflags & T_RE_UNANCHORED);
  *entry = next << 2 | (dead ? 2u : 0u);
  return OK;
}

/*
** Fills the entries of the classes cls[0..ncls) in st's row, given the
** closure in b->consume (nc instructions, matched as closure found) and
** the masks that marking it left on the touched classes. Untouched classes
** go where an empty kernel goes; each distinct mask is interned once.
*/
static build_result fill(builder *b, uint32_t st, uint32_t flags, const uint32_t *cls, uint32_t ncls, uint32_t nc,
                         bool matched) {
  uint32_t mbit = matched ? 1u : 0u;
  const uint8_t *kind = b->kind;
  /*
  ** Untouched classes go to the empty kernel's state. Only the kinds of
  ** cls need one (per kind when assertions split the row): an unused state
  ** would cost a row.
  */
  uint32_t u = flags & T_RE_UNANCHORED ? 1 : 0;
  uint32_t *empty = b->empty[u];
  bool all = ncls == b->re->nclasses;
  if (b->ntouched < ncls) {
    uint32_t nkinds = b->re->has_assert ? K_EOT : 1;
    for (uint32_t k = 0; k < nkinds; k++) {
      if (empty[k] != UINT32_MAX || (!all && k != kind[cls[0]])) continue;
      build_result r = entry_for(b, next_flags(b, flags, k), 0, &empty[k]);
      if (r != OK) return r;
    }
  }
  uint32_t *row = b->trans.items + (size_t)st * b->stride;
  if (b->ntouched == ncls) {
    /* every entry comes from the touched classes below */
  } else if (all) {
    /* A row of empty-kernel entries, made once per (unanchored, matched), copied; touched entries are overwritten. */
    uint32_t *tmpl = b->tmpl + (size_t)(2 * u + mbit) * ncls;
    if (!b->tmpl_made[2 * u + mbit]) {
      for (uint32_t c = 0; c < ncls; c++) tmpl[c] = empty[kind[c]] | mbit;
      b->tmpl_made[2 * u + mbit] = true;
    }
    t_memcpy(row, tmpl, ncls * sizeof(uint32_t));
  } else {
    uint32_t e = empty[kind[cls[0]]] | mbit;
    for (uint32_t i = 0; i < ncls; i++) row[cls[i]] = e;
  }
  /* Distinct (kind, mask) pairs seen; a touched class often repeats the previous one's. */
  uint64_t memo_mask[8], last_mask = 0;
  uint32_t memo_kind[8], memo_entry[8], nmemo = 0, last_kind = K_EOT, last_entry = 0;
  for (uint32_t t = 0; t < b->ntouched; t++) {
    uint32_t c = b->touched[t], k = kind[c];
    uint64_t m = b->mask[c];
    b->mask[c] = 0;
    uint32_t entry = UINT32_MAX;
    if (m == last_mask && k == last_kind) entry = last_entry;
    for (uint32_t j = 0; entry == UINT32_MAX && j < nmemo; j++)
      if (memo_mask[j] == m && memo_kind[j] == k) entry = memo_entry[j];
    if (entry == UINT32_MAX) {
      uint32_t nk = 0;
      for (uint32_t j = 0; j < nc; j++)
        if (m >> j & 1) b->kernel[nk++] = b->consume[j] + 1;
      build_result r = entry_for(b, next_flags(b, flags, k), nk, &entry);
      if (r != OK) return r;
      row = b->trans.items + (size_t)st * b->stride;  /* a new state may have moved the table */
      if (nmemo < T_ARRAY_LEN(memo_mask)) {
        memo_mask[nmemo] = m;
        memo_kind[nmemo] = k;
        memo_entry[nmemo++] = entry;
      }
    }
    last_mask = m;
    last_kind = k;
    last_entry = entry;
    row[c] = entry | mbit;
  }
  b->ntouched = 0;
  return OK;
}

/*
** Fills the row of state st. The closure depends on the next character's
** kind only through assertions: when the first closure meets none, it
** serves every class and the end of text.
*/
static build_result expand(builder *b, uint32_t st) {
  uint32_t nclasses = b->re->nclasses;
  uint32_t flags = b->keys.items[b->key_at.items[st]];
  uint32_t nc;
  bool matched, asserts, unused;
  build_result r = closure(b, st, context(flags, K_OTHER), &nc, &matched, &asserts);
  for (int k = 0; r == OK && k < NKINDS; k++) {
    if (k > 0 && asserts) r = closure(b, st, context(flags, k), &nc, &matched, &unused);
    if (r != OK) break;
    if (k == K_EOT) {
      b->trans.items[(size_t)st * b->stride + nclasses] = matched ? 1u : 0u;
      break;
    }
    /* Without assertions in the closure, one pass covers the classes of every kind. */
    int only = asserts ? k : -1;
    const uint32_t *cls = asserts ? b->order + b->kind_at[k] : b->order;
    uint32_t ncls = asserts ? b->kind_at[k + 1] - b->kind_at[k] : nclasses;
    for (uint32_t j = 0; r == OK && j < nc; j++) r = mark(b, b->consume[j], (uint64_t)1 << j, only);
    if (r == OK) r = fill(b, st, flags, cls, ncls, nc, matched);
    if (!asserts) k = K_EOT - 1;
  }
  return r;
}

static build_result build(builder *b) {
  tally_regex *re = b->re;
  uint32_t n = re->nprog, nclasses = re->nclasses;
  /*
  ** sparse, dense, consume, kernel, iv_at: n each; stack: 3n + 2 (a
  ** state's pcs and pc 0, then two per pc added); order, touched, 4 x
  ** tmpl: per class; the state table (at most TALLY_REGEX_EAGER_STATES
  ** entries: a load of one half at worst, never full); then mask and kind.
  */
  uint32_t hash_cap = 2;
  while (hash_cap < 2 * TALLY_REGEX_EAGER_STATES) hash_cap *= 2;
  size_t words = 8 * (size_t)n + 2 + 6 * (size_t)nclasses + hash_cap;
  size_t bytes = (size_t)nclasses * sizeof(uint64_t) + words * sizeof(uint32_t) + nclasses;
  char *mem = t_alloc(b->a, bytes);
  if (!mem) return NOMEM;
  b->mask = (uint64_t *)mem;
  b->sparse = (uint32_t *)(b->mask + nclasses);
  b->dense = b->sparse + n;
  b->consume = b->dense + n;
  b->kernel = b->consume + n;
  b->iv_at = b->kernel + n;
  b->stack = b->iv_at + n;
  b->order = b->stack + 3 * (size_t)n + 2;
  b->touched = b->order + nclasses;
  b->tmpl = b->touched + nclasses;
  b->hash = b->tmpl + 4 * (size_t)nclasses;
  b->hash_cap = hash_cap;
  b->kind = (uint8_t *)(b->hash + hash_cap);
  t_memset(b->mask, 0, nclasses * sizeof(uint64_t));
  t_memset(b->sparse, 0, n * sizeof(uint32_t));
  t_memset(b->iv_at, 0xff, n * sizeof(uint32_t));
  t_memset(b->empty, 0xff, sizeof b->empty);
  uint32_t count[NKINDS] = {0};
  for (uint32_t c = 0; c < nclasses; c++) {
    uint32_t rep = c == 0 ? 0 : re->bounds[c - 1];
    b->kind[c] = !re->has_assert ? K_OTHER : rep == '\n' ? K_NL : t_re_is_word(rep) ? K_WORD : K_OTHER;
    count[b->kind[c]]++;
  }
  b->kind_at[0] = 0;
  for (int k = 1; k < NKINDS; k++) b->kind_at[k] = b->kind_at[k - 1] + count[k - 1];
  uint32_t at[NKINDS];
  t_memcpy(at, b->kind_at, sizeof at);
  for (uint32_t c = 0; c < nclasses; c++) b->order[at[b->kind[c]]++] = c;
  t_memset(b->hash, 0, hash_cap * sizeof(uint32_t));
  build_result r = OK;
  /* Room for a typical DFA at once: growing by doubling from zero would cost more than the build. */
  if (!t_vec_reserve(b->a, &b->trans, 32 * (size_t)b->stride) || !t_vec_reserve(b->a, &b->key_at, 32) ||
      !t_vec_reserve(b->a, &b->keys, 32 * 8) || !t_vec_reserve(b->a, &b->iv, 64))
    r = NOMEM;
  /* Start states, as dfa.c makes them for a search from offset 0. */
  uint32_t bot = re->has_assert ? T_RE_PREV_BOT : 0, zero = 0;
  if (r == OK) r = intern(b, bot | (re->anchor_start ? 0 : T_RE_UNANCHORED), &zero, re->anchor_start ? 1 : 0,
                          &re->dfa_search);
  if (r == OK) r = intern(b, bot, &zero, 1, &re->dfa_full);
  for (uint32_t st = 0; r == OK && st < b->key_at.len; st++) r = expand(b, st);
  t_free(b->a, mem, bytes);
  return r;
}

tally_status t_re_edfa_build(tally_regex *re) {
  builder b = {0};
  b.re = re;
  b.a = &re->alloc;
  b.stride = re->nclasses + 1;
  build_result r = TOO_BIG;
  /* A table with fewer than a handful of rows would not be worth it: skip the attempt. */
  if ((size_t)b.stride * sizeof(uint32_t) * 4 <= TALLY_REGEX_EAGER_BYTES) r = build(&b);
  t_vec_free(b.a, &b.keys);
  t_vec_free(b.a, &b.key_at);
  t_vec_free(b.a, &b.iv);
  if (r == OK) {
    /* Exactly sized: the table lives as long as the regex. */
    uint32_t *t = t_realloc(b.a, b.trans.items, b.trans.cap * sizeof(uint32_t), b.trans.len * sizeof(uint32_t));
    if (t) {
      re->dfa = t;
      re->dfa_len = b.trans.len;
      re->dfa_states = (uint32_t)(b.trans.len / b.stride);
      b.trans.items = NULL;
      b.trans.cap = 0;
    } else {
      r = NOMEM;
    }
  }
  t_vec_free(b.a, &b.trans);
  return r == NOMEM ? TALLY_ERR_NOMEM : TALLY_OK;
}

bool t_re_edfa_run(const tally_regex *re, const char *s, size_t len, size_t from, t_re_mode mode) {
  const uint32_t *t = re->dfa;
  uint32_t row = mode == T_RE_MODE_FULL ? re->dfa_full : re->dfa_search;
  /* A full match is decided at the end only: ignore the match bit until then. */
  uint32_t match_bit = mode == T_RE_MODE_FULL ? 0 : 1;
  size_t pos = from;
  while (pos < len) {
    uint8_t c = (uint8_t)s[pos];
    uint32_t cls;
    if (c < 0x80) {
      cls = re->ascii_class[c];
      pos++;
    } else {
      size_t w;
      cls = t_re_class_of(re, t_re_decode(s, len, pos, &w));
      pos += w;
    }
    uint32_t e = t[row + cls];
    if (e & match_bit) return true;
    if (e & 2) return false;
    row = e >> 2;
  }
  return (t[row + re->nclasses] & 1) != 0;
}
