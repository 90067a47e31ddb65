/*
** compile.c - syntax tree to program (Thompson's construction). Code is
** emitted in sequence, so a consuming instruction continues at pc + 1 and
** only SPLIT and JMP carry targets; forward targets are patched once the
** code they skip has been emitted. Counted repeats copy their operand,
** which is why the program size is checked at every emission: x{1000}
** nested three deep stops at TALLY_REGEX_MAX_PROGRAM, not at 10^9.
**
** Layout: SAVE 0, body, SAVE 1, MATCH. The matchers make the search
** unanchored by starting a thread at pc 0 at every position.
*/
#include "regex/prog.h"
#include "util/error.h"

typedef struct compiler {
  tally_regex *re;
  const tally_allocator *alloc;
  T_VEC(t_re_inst) prog;
  T_VEC(uint32_t) ranges;
  const char *src;
  size_t len;
  tally_error *err;
  tally_status status;
  /* Where each recently compiled class went in the pool: x{1000} copies one node. */
  const t_re_node *seen[16];
  uint32_t seen_off[16];
} compiler;

/* The range pool's limit (uint32 values): 16 MiB, well above real patterns. */
#define MAX_POOL (4u << 20)

/* Depth of the tree that the recursive pass accepts: a group adds at most four levels. */
#define MAX_TREE_DEPTH (4 * TALLY_REGEX_MAX_DEPTH + 16)

static bool fail(compiler *c, tally_status code) {
  if (c->status != TALLY_OK) return false;
  c->status = code;
  if (code == TALLY_ERR_NOMEM) t_error_set(c->err, code, "out of memory compiling a regular expression");
  else if (code == TALLY_ERR_LIMIT)
    t_error_at(c->err, code, c->src, c->len, 0, "regular expression too large (the program limit is %d instructions)",
               TALLY_REGEX_MAX_PROGRAM);
  return false;
}

static bool emit(compiler *c, uint32_t op, uint32_t x, uint32_t y) {
  if (c->prog.len >= TALLY_REGEX_MAX_PROGRAM) return fail(c, TALLY_ERR_LIMIT);
  t_re_inst in = {op, x, y};
  if (!t_vec_push(c->alloc, &c->prog, in)) return fail(c, TALLY_ERR_NOMEM);
  return true;
}

static uint32_t pc(compiler *c) {
  return (uint32_t)c->prog.len;
}

static bool comp(compiler *c, const t_re_node *n, int depth);

static bool comp_class(compiler *c, const t_re_node *n) {
  if (n->nranges == 1 && n->ranges[0] == 0 && n->ranges[1] == T_RE_MAX_RUNE) return emit(c, T_RE_OP_ANY, 0, 0);
  if (n->nranges == 2 && n->ranges[0] == 0 && n->ranges[1] == '\n' - 1 && n->ranges[2] == '\n' + 1 &&
      n->ranges[3] == T_RE_MAX_RUNE)
    return emit(c, T_RE_OP_ANYNL, 0, 0);
  size_t slot = ((uintptr_t)n >> 4) % T_ARRAY_LEN(c->seen);
  if (c->seen[slot] == n) return emit(c, T_RE_OP_RANGES, c->seen_off[slot], n->nranges);
  uint32_t off = (uint32_t)c->ranges.len;
  if (c->ranges.len + 2 * (size_t)n->nranges > MAX_POOL) return fail(c, TALLY_ERR_LIMIT);
  c->seen[slot] = n;
  c->seen_off[slot] = off;
  if (!t_vec_reserve(c->alloc, &c->ranges, 2 * (size_t)n->nranges)) return fail(c, TALLY_ERR_NOMEM);
  for (uint32_t i = 0; i < 2 * n->nranges; i++) c->ranges.items[c->ranges.len++] = n->ranges[i];
  return emit(c, T_RE_OP_RANGES, off, n->nranges);
}

/* Whether n can match the empty string (assertions count as empty). Depth as comp. */
static bool nullable(const t_re_node *n, int depth) {
  if (depth > MAX_TREE_DEPTH) return true;
  switch (n->kind) {
  case T_RE_N_EMPTY:
  case T_RE_N_ASSERT: return true;
  case T_RE_N_CLASS:
  case T_RE_N_ANY:
  case T_RE_N_ANYNL: return false;
  case T_RE_N_CAT:
    for (const t_re_node *k = n->first; k; k = k->next)
      if (!nullable(k, depth + 1)) return false;
    return true;
  case T_RE_N_ALT:
    for (const t_re_node *k = n->first; k; k = k->next)
      if (nullable(k, depth + 1)) return true;
    return false;
  case T_RE_N_REPEAT: return n->min == 0 || nullable(n->first, depth + 1);
  case T_RE_N_CAPTURE: return nullable(n->first, depth + 1);
  }
  return true;
}

/*
** x{min,max}: min copies, then max - min optional copies that may all skip to the end. */
static bool comp_repeat(compiler *c, const t_re_node *n, int depth) {
  const t_re_node *e = n->first;
  if (n->max < 0) {
    if (n->min == 0 && nullable(e, depth)) {
      /*
      ** x* with x able to match empty compiles as (x+)?, so an empty
      ** iteration ends the loop instead of dying on the revisit, which
      ** would hand the priority to a longer, lower-priority path. This is
      ** the order RE2 and Perl give (Go issue 46123).
      */
      uint32_t split = pc(c);
      if (!emit(c, T_RE_OP_SPLIT, 0, 0) || !comp(c, e, depth)) return false;
      uint32_t body = split + 1, end = pc(c) + 1;
      if (!emit(c, T_RE_OP_SPLIT, n->greedy ? body : end, n->greedy ? end : body)) return false;
      c->prog.items[split].x = n->greedy ? body : end;
      c->prog.items[split].y = n->greedy ? end : body;
      return true;
    }
    if (n->min == 0) {
      uint32_t split = pc(c);
      if (!emit(c, T_RE_OP_SPLIT, 0, 0) || !comp(c, e, depth) || !emit(c, T_RE_OP_JMP, split, 0)) return false;
      uint32_t body = split + 1, end = pc(c);
      c->prog.items[split].x = n->greedy ? body : end;
      c->prog.items[split].y = n->greedy ? end : body;
      return true;
    }
    for (int32_t i = 0; i < n->min - 1; i++)
      if (!comp(c, e, depth)) return false;
    uint32_t body = pc(c);
    if (!comp(c, e, depth)) return false;
    uint32_t end = pc(c) + 1;
    return emit(c, T_RE_OP_SPLIT, n->greedy ? body : end, n->greedy ? end : body);
  }
  for (int32_t i = 0; i < n->min; i++)
    if (!comp(c, e, depth)) return false;
  uint32_t first_split = pc(c);
  for (int32_t i = n->min; i < n->max; i++) {
    /* x is the chain to patch: the previous optional copy's SPLIT. */
    if (!emit(c, T_RE_OP_SPLIT, 0, 0) || !comp(c, e, depth)) return false;
  }
  /* Patch every SPLIT emitted above: one per optional copy, found by walking. */
  uint32_t end = pc(c);
  uint32_t at = first_split;
  for (int32_t i = n->min; i < n->max; i++) {
    uint32_t body = at + 1;
    c->prog.items[at].x = n->greedy ? body : end;
    c->prog.items[at].y = n->greedy ? end : body;
    /* the next SPLIT follows this copy of e: its length is the same each time */
    at += (end - first_split) / (uint32_t)(n->max - n->min);
  }
  return true;
}

static bool comp(compiler *c, const t_re_node *n, int depth) {
  if (depth > MAX_TREE_DEPTH) {
    if (c->status == TALLY_OK) {
      c->status = TALLY_ERR_LIMIT;
      t_error_set(c->err, TALLY_ERR_LIMIT, "regular expression nested too deeply");
    }
    return false;
  }
  depth++;
  switch (n->kind) {
  case T_RE_N_EMPTY:
    return true;
  case T_RE_N_CLASS:
    return comp_class(c, n);
  case T_RE_N_ANY:
    return emit(c, T_RE_OP_ANY, 0, 0);
  case T_RE_N_ANYNL:
    return emit(c, T_RE_OP_ANYNL, 0, 0);
  case T_RE_N_ASSERT:
    c->re->has_assert = true;
    return emit(c, T_RE_OP_ASSERT, n->arg, 0);
  case T_RE_N_CAT:
    for (const t_re_node *k = n->first; k; k = k->next)
      if (!comp(c, k, depth)) return false;
    return true;
  case T_RE_N_ALT: {
    /* SPLIT L1 L2; L1: a; JMP end; L2: SPLIT ... ; the JMPs chain through x until patched. */
    uint32_t chain = UINT32_MAX;
    for (const t_re_node *k = n->first; k; k = k->next) {
      if (!k->next) {
        if (!comp(c, k, depth)) return false;
        break;
      }
      uint32_t split = pc(c);
      if (!emit(c, T_RE_OP_SPLIT, split + 1, 0) || !comp(c, k, depth)) return false;
      uint32_t jmp = pc(c);
      if (!emit(c, T_RE_OP_JMP, chain, 0)) return false;
      chain = jmp;
      c->prog.items[split].y = pc(c);
    }
    uint32_t end = pc(c);
    while (chain != UINT32_MAX) {
      uint32_t prev = c->prog.items[chain].x;
      c->prog.items[chain].x = end;
      chain = prev;
    }
    return true;
  }
  case T_RE_N_REPEAT:
    return comp_repeat(c, n, depth);
  case T_RE_N_CAPTURE:
    return emit(c, T_RE_OP_SAVE, 2 * n->arg, 0) && comp(c, n->first, depth) &&
           emit(c, T_RE_OP_SAVE, 2 * n->arg + 1, 0);
  }
  return true;
}

/*
** The class boundaries: every range start and end + 1, plus \n and the
** word characters, which the assertions look at.
*/
static bool build_classes(compiler *c) {
  static const uint32_t fixed[] = {'\n', '\n' + 1, '0', '9' + 1, 'A', 'Z' + 1, '_', '_' + 1, 'a', 'z' + 1, 0x80};
  tally_regex *re = c->re;
  size_t cap = c->ranges.len + T_ARRAY_LEN(fixed);
  uint32_t *b = t_alloc(c->alloc, cap * sizeof *b);
  if (!b) return fail(c, TALLY_ERR_NOMEM);
  /*
  ** ASCII bounds (most of them) go to a bitmap, which sorts and dedupes
  ** them for free; only the others need sorting.
  */
  uint32_t ascii[4] = {0};
  size_t n = 0;
#define ADD_BOUND(v) do { uint32_t v_ = (v); if (v_ < 128) ascii[v_ >> 5] |= 1u << (v_ & 31); else b[n++] = v_; } while (0)
  for (size_t i = 0; i < T_ARRAY_LEN(fixed); i++) ADD_BOUND(fixed[i]);
  for (size_t i = 0; i < c->ranges.len; i += 2) {
    if (c->ranges.items[i] > 0) ADD_BOUND(c->ranges.items[i]);
    if (c->ranges.items[i + 1] < T_RE_MAX_RUNE) ADD_BOUND(c->ranges.items[i + 1] + 1);
  }
#undef ADD_BOUND
  t_re_sort_u32(b, n);
  size_t nascii = 0;
  for (int k = 0; k < 4; k++) nascii += (size_t)__builtin_popcount(ascii[k]);
  t_memmove(b + nascii, b, n * sizeof *b);
  size_t w = 0;
  for (uint32_t ch = 0; ch < 128; ch++)
    if (ascii[ch >> 5] >> (ch & 31) & 1) b[w++] = ch;
  for (size_t i = nascii; i < nascii + n; i++)
    if (w == 0 || b[i] != b[w - 1]) b[w++] = b[i];
  re->bounds = b;
  re->nbounds = (uint32_t)w;
  re->nclasses = (uint32_t)w + 1;
  re->bounds_cap = cap;
  uint32_t k = 0;
  for (uint32_t ch = 0; ch < 128; ch++) {
    while (k < re->nbounds && re->bounds[k] <= ch) k++;
    re->ascii_class[ch] = k;
  }
  return true;
}

tally_status t_re_compile(tally_regex *re, const t_re_node *root, const char *src, size_t len, tally_error *err) {
  compiler c = {0};
  c.re = re;
  c.alloc = &re->alloc;
  c.src = src;
  c.len = len;
  c.err = err;
  if (emit(&c, T_RE_OP_SAVE, 0, 0) && comp(&c, root, 0) && emit(&c, T_RE_OP_SAVE, 1, 0) &&
      emit(&c, T_RE_OP_MATCH, 0, 0) && build_classes(&c)) {
    re->prog = c.prog.items;
    re->nprog = (uint32_t)c.prog.len;
    /* A leading ^ or \A: searches need not start a thread past offset 0. */
    re->anchor_start = re->prog[1].op == T_RE_OP_ASSERT && re->prog[1].x == T_RE_BOT;
    re->prog_cap = c.prog.cap;
    re->ranges = c.ranges.items;
    re->nranges = c.ranges.len;
    re->ranges_cap = c.ranges.cap;
    return TALLY_OK;
  }
  t_vec_free(c.alloc, &c.prog);
  t_vec_free(c.alloc, &c.ranges);
  return c.status;
}
