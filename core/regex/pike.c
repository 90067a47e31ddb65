/*
** pike.c - the Pike VM: a Thompson NFA simulation that carries submatch
** positions in each thread. Threads are kept in priority order and a pc is
** added at most once per position, so the work is O(program x input) and
** the first thread to reach MATCH is the leftmost-first (Perl/RE2) match.
**
** The epsilon closure uses an explicit stack (no recursion: programs have
** up to TALLY_REGEX_MAX_PROGRAM instructions); SAVE pushes an undo entry so
** the sibling branch of a SPLIT sees the slots as they were.
*/
#include "regex/prog.h"

/* A sparse set of pcs in insertion (= priority) order, with slots per entry. */
typedef struct thread_list {
  uint32_t *sparse;
  uint32_t *dense;
  size_t *slots;   /* n x nslots */
  uint32_t n;
} thread_list;

typedef struct stack_entry {
  uint32_t pc;     /* UINT32_MAX: restore slot `slot` to `value` */
  uint32_t slot;
  size_t value;
} stack_entry;

typedef struct pike {
  const tally_regex *re;
  const char *s;
  size_t len;
  size_t nslots;
  thread_list lists[2];
  stack_entry *stack;
  size_t *cur;
} pike;

static bool list_has(const thread_list *l, uint32_t pc) {
  uint32_t i = l->sparse[pc];
  return i < l->n && l->dense[i] == pc;
}

/* Adds the closure of pc at byte offset pos, with slots from p->cur, to l. */
static void add_thread(pike *p, thread_list *l, uint32_t pc0, size_t pos) {
  const t_re_inst *prog = p->re->prog;
  uint32_t ctx = p->re->has_assert ? t_re_context(p->s, p->len, pos) : 0;
  size_t top = 0;
  p->stack[top++] = (stack_entry){pc0, 0, 0};
  while (top > 0) {
    stack_entry e = p->stack[--top];
    if (e.pc == UINT32_MAX) {
      p->cur[e.slot] = e.value;
      continue;
    }
    uint32_t pc = e.pc;
    for (;;) {
      if (list_has(l, pc)) break;
      uint32_t i = l->n++;
      l->sparse[pc] = i;
      l->dense[i] = pc;
      const t_re_inst *in = &prog[pc];
      if (in->op == T_RE_OP_JMP) {
        pc = in->x;
      } else if (in->op == T_RE_OP_SPLIT) {
        p->stack[top++] = (stack_entry){in->y, 0, 0};
        pc = in->x;
      } else if (in->op == T_RE_OP_SAVE) {
        if (in->x < p->nslots) {
          p->stack[top++] = (stack_entry){UINT32_MAX, in->x, p->cur[in->x]};
          p->cur[in->x] = pos;
        }
        pc++;
      } else if (in->op == T_RE_OP_ASSERT) {
        if ((ctx & in->x) != in->x) break;
        pc++;
      } else {
        /* consuming or MATCH: a thread lives here */
        if (p->nslots) t_memcpy(l->slots + (size_t)i * p->nslots, p->cur, p->nslots * sizeof(size_t));
        break;
      }
    }
  }
}

tally_status t_re_pike(const tally_regex *re, const tally_allocator *alloc, const char *s, size_t len, size_t from,
                       t_re_mode mode, size_t *slots, size_t nslots, bool *matched) {
  *matched = false;
  if (mode != T_RE_MODE_FIND) nslots = 0;
  size_t n = re->nprog;
  /* Scratch: two lists, the stack (each pc pushes at most a branch and an undo), the slots. */
  if (nslots && n * nslots > ((size_t)64 << 20) / (2 * sizeof(size_t))) return TALLY_ERR_LIMIT;
  size_t bytes = 4 * n * sizeof(uint32_t) + (2 * n + 2) * sizeof(stack_entry) + (2 * n + 1) * nslots * sizeof(size_t);
  char *mem = t_alloc(alloc, bytes);
  if (!mem) return TALLY_ERR_NOMEM;
  /* Sparse sets tolerate garbage, but keep sanitizers and wasm deterministic. */
  t_memset(mem, 0, 4 * n * sizeof(uint32_t));
  pike p = {re, s, len, nslots, {{0}}, NULL, NULL};
  char *at = mem;
  p.stack = (stack_entry *)at;
  at += (2 * n + 2) * sizeof(stack_entry);
  for (int k = 0; k < 2; k++) {
    p.lists[k].slots = (size_t *)at;
    at += n * nslots * sizeof(size_t);
  }
  p.cur = (size_t *)at;
  at += nslots * sizeof(size_t);
  for (int k = 0; k < 2; k++) {
    p.lists[k].sparse = (uint32_t *)at;
    at += n * sizeof(uint32_t);
    p.lists[k].dense = (uint32_t *)at;
    at += n * sizeof(uint32_t);
  }
  thread_list *clist = &p.lists[0], *nlist = &p.lists[1];
  size_t pos = from;
  for (;;) {
    if (!*matched && ((mode != T_RE_MODE_FULL && !re->anchor_start) || pos == from)) {
      for (size_t k = 0; k < nslots; k++) p.cur[k] = SIZE_MAX;
      add_thread(&p, clist, 0, pos);
    }
    if (clist->n == 0 && (*matched || mode == T_RE_MODE_FULL || re->anchor_start)) break;
    size_t w = 0;
    uint32_t c = pos < len ? t_re_decode(s, len, pos, &w) : 0;
    for (uint32_t i = 0; i < clist->n; i++) {
      uint32_t pc = clist->dense[i];
      const t_re_inst *in = &re->prog[pc];
      if (in->op == T_RE_OP_MATCH) {
        if (mode == T_RE_MODE_FULL && pos != len) continue;
        *matched = true;
        if (mode != T_RE_MODE_FIND) goto done;
        t_memcpy(slots, clist->slots + (size_t)i * nslots, nslots * sizeof(size_t));
        break;  /* lower-priority threads lose to this match */
      }
      if (pos < len && in->op <= T_RE_OP_ANYNL && t_re_inst_matches(re, in, c)) {
        if (nslots) t_memcpy(p.cur, clist->slots + (size_t)i * nslots, nslots * sizeof(size_t));
        add_thread(&p, nlist, pc + 1, pos + w);
      }
    }
    thread_list *t = clist;
    clist = nlist;
    nlist = t;
    nlist->n = 0;
    if (pos >= len) break;
    pos += w;
  }
done:
  t_free(alloc, mem, bytes);
  return TALLY_OK;
}
