/*
** parser.c - recursive-descent parser for CEL (the grammar of cel-spec's
** langdef.md / CEL.g4), building the AST of ast.h as cel-go's parser does:
** operators become calls ("_+_", "_&&_", ...), `-` in front of a number is
** folded into the literal, even runs of `!` or `-` cancel, `&&`/`||`
** chains become balanced trees, and macros are expanded (macros.c).
**
** Recursion is bounded by max_depth; left-associative chains are built in
** loops, and every node's height is checked against the same limit.
*/
#include "parser_impl.h"
#include "../util/buf.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "../util/vec.h"

/*
** Error paths and the bulkier productions stay out of line, so the frames
** on the recursive path (parse_expr ... parse_primary) stay small: the
** wasm stack is small.
*/
#define T_NOINLINE __attribute__((noinline))

/*
** {======================================================
** Errors and node builders
** =======================================================
*/

T_NOINLINE void *t_cel__fail(t_cel_parser *p, tally_status code, size_t offset, const char *fmt, ...) {
  if (p->status != TALLY_OK) return NULL;
  p->status = code;
  if (code == TALLY_ERR_NOMEM) {
    t_error_set(p->err, code, "out of memory");
    return NULL;
  }
  char msg[TALLY_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  t_error_at(p->err, code, p->src, p->len, offset, "%s", msg);
  return NULL;
}

T_NOINLINE static void *nomem(t_cel_parser *p) { return t_cel__fail(p, TALLY_ERR_NOMEM, 0, "out of memory"); }

t_cel_expr *t_cel__node(t_cel_parser *p, t_cel_expr_kind kind, size_t offset) {
  if (p->status) return NULL;
  /*
  ** The depth limit bounds height, not size: a macro that copies its
  ** target (optMap, optFlatMap) doubles the tree at each link of a chain.
  ** Node count is bounded by the source length instead.
  */
  if (p->next_id >= T_CEL_MAX_NODES_BASE + T_CEL_MAX_NODES_PER_BYTE * p->len)
    return t_cel__fail(p, TALLY_ERR_LIMIT, offset, "expression too large: more than %zu nodes after macro expansion",
                       (size_t)(T_CEL_MAX_NODES_BASE + T_CEL_MAX_NODES_PER_BYTE * p->len));
  t_cel_expr *e = t_arena_calloc(p->ar, sizeof *e);
  if (!e) return nomem(p);
  e->kind = kind;
  e->id = ++p->next_id;
  e->offset = offset;
  e->height = 1;
  return e;
}

static uint32_t h_of(const t_cel_expr *e) { return e ? e->height : 0; }

/* Computes the height from the children and enforces the depth limit. */
t_cel_expr *t_cel__seal(t_cel_parser *p, t_cel_expr *e) {
  if (!e) return NULL;
  uint32_t h = 0;
  switch (e->kind) {
    case T_CEL_CONST: case T_CEL_IDENT: break;
    case T_CEL_SELECT: h = h_of(e->u.select.operand); break;
    case T_CEL_CALL:
      h = h_of(e->u.call.target);
      for (size_t i = 0; i < e->u.call.nargs; i++) h = T_MAX(h, h_of(e->u.call.args[i]));
      break;
    case T_CEL_LIST:
      for (size_t i = 0; i < e->u.list.nelems; i++) h = T_MAX(h, h_of(e->u.list.elems[i]));
      break;
    case T_CEL_MAP: case T_CEL_STRUCT:
      for (size_t i = 0; i < e->u.map.nentries; i++) {
        h = T_MAX(h, h_of(e->u.map.entries[i].key));
        h = T_MAX(h, h_of(e->u.map.entries[i].value));
      }
      break;
    case T_CEL_COMPREHENSION:
      h = T_MAX(h, h_of(e->u.comp.iter_range));
      h = T_MAX(h, h_of(e->u.comp.accu_init));
      h = T_MAX(h, h_of(e->u.comp.loop_cond));
      h = T_MAX(h, h_of(e->u.comp.loop_step));
      h = T_MAX(h, h_of(e->u.comp.result));
      break;
  }
  e->height = h + 1;
  if (e->height > p->opt.max_depth)
    return t_cel__fail(p, TALLY_ERR_LIMIT, e->offset, "expression nests too deeply (limit is %u levels)",
                       (unsigned)p->opt.max_depth);
  return e;
}

t_cel_expr *t_cel__ident(t_cel_parser *p, size_t offset, t_str name) {
  t_cel_expr *e = t_cel__node(p, T_CEL_IDENT, offset);
  if (e) e->u.ident.name = name;
  return e;
}

t_cel_expr *t_cel__bool(t_cel_parser *p, size_t offset, bool v) {
  t_cel_expr *e = t_cel__node(p, T_CEL_CONST, offset);
  if (e) e->u.c.kind = T_CEL_CONST_BOOL, e->u.c.v.b = v;
  return e;
}

t_cel_expr *t_cel__int(t_cel_parser *p, size_t offset, int64_t v) {
  t_cel_expr *e = t_cel__node(p, T_CEL_CONST, offset);
  if (e) e->u.c.kind = T_CEL_CONST_INT, e->u.c.v.i = v;
  return e;
}

t_cel_expr *t_cel__select(t_cel_parser *p, size_t offset, t_cel_expr *operand, t_str field, bool test_only,
                          bool optional) {
  if (!operand) return NULL;
  t_cel_expr *e = t_cel__node(p, T_CEL_SELECT, offset);
  if (!e) return NULL;
  e->u.select.operand = operand;
  e->u.select.field = field;
  e->u.select.test_only = test_only;
  e->u.select.optional = optional;
  return t_cel__seal(p, e);
}

t_cel_expr *t_cel__call_str(t_cel_parser *p, size_t offset, t_str fn, t_cel_expr *target, t_cel_expr *const *args,
                            size_t nargs) {
  for (size_t i = 0; i < nargs; i++)
    if (!args[i]) return NULL;
  t_cel_expr *e = t_cel__node(p, T_CEL_CALL, offset);
  if (!e) return NULL;
  e->u.call.function = fn;
  e->u.call.target = target;
  if (nargs) {
    e->u.call.args = t_arena_alloc(p->ar, nargs * sizeof *args);
    if (!e->u.call.args) return nomem(p);
    t_memcpy(e->u.call.args, args, nargs * sizeof *args);
  }
  e->u.call.nargs = nargs;
  return t_cel__seal(p, e);
}

t_cel_expr *t_cel__call(t_cel_parser *p, size_t offset, const char *fn, t_cel_expr *target, t_cel_expr *const *args,
                        size_t nargs) {
  t_str s = {fn, t_strlen(fn)};
  return t_cel__call_str(p, offset, s, target, args, nargs);
}

t_cel_expr *t_cel__list(t_cel_parser *p, size_t offset, t_cel_expr *const *elems, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!elems[i]) return NULL;
  t_cel_expr *e = t_cel__node(p, T_CEL_LIST, offset);
  if (!e) return NULL;
  if (n) {
    e->u.list.elems = t_arena_alloc(p->ar, n * sizeof *elems);
    if (!e->u.list.elems) return nomem(p);
    t_memcpy(e->u.list.elems, elems, n * sizeof *elems);
  }
  e->u.list.nelems = n;
  return t_cel__seal(p, e);
}

t_cel_expr *t_cel__empty_map(t_cel_parser *p, size_t offset) { return t_cel__node(p, T_CEL_MAP, offset); }

t_cel_expr *t_cel__comp(t_cel_parser *p, size_t offset, t_str iter_var, t_str iter_var2, t_cel_expr *range,
                        t_str accu_var, t_cel_expr *init, t_cel_expr *cond, t_cel_expr *step, t_cel_expr *result) {
  if (!range || !init || !cond || !step || !result) return NULL;
  t_cel_expr *e = t_cel__node(p, T_CEL_COMPREHENSION, offset);
  if (!e) return NULL;
  e->u.comp.iter_var = iter_var;
  e->u.comp.iter_var2 = iter_var2;
  e->u.comp.iter_range = range;
  e->u.comp.accu_var = accu_var;
  e->u.comp.accu_init = init;
  e->u.comp.loop_cond = cond;
  e->u.comp.loop_step = step;
  e->u.comp.result = result;
  return t_cel__seal(p, e);
}

/* }====================================================== */

/*
** {======================================================
** Tokens
** =======================================================
*/

static void advance(t_cel_parser *p) { p->tk = t_cel_lex_next(&p->lx); }

static bool accept(t_cel_parser *p, t_cel_tok_kind k) {
  if (p->tk.kind != k) return false;
  advance(p);
  return true;
}

static t_str tok_text(const t_cel_parser *p, const t_cel_token *t) {
  t_str s = {p->src + t->start, t->end - t->start};
  return s;
}

/*
** How a token is shown in messages: its text in quotes (cut after 24
** bytes, on a character boundary), or "end of input".
*/
T_NOINLINE static void describe(const t_cel_parser *p, const t_cel_token *t, char *out, size_t cap) {
  if (t->kind == T_TOK_EOF) {
    t_snprintf(out, cap, "end of input");
    return;
  }
  size_t n = t->end - t->start;
  const char *s = p->src + t->start;
  bool cut = false;
  if (n > 24) {
    n = 24;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    cut = true;
  }
  t_str w = {s, n};
  const char *hint = "";
  if (t->kind == T_TOK_IDENT) {
    if (t_str_eq_cstr(w, "and")) hint = " (CEL writes 'and' as '&&')";
    else if (t_str_eq_cstr(w, "or")) hint = " (CEL writes 'or' as '||')";
    else if (t_str_eq_cstr(w, "not")) hint = " (CEL writes 'not' as '!')";
  }
  t_snprintf(out, cap, "'%.*s%s'%s", (int)n, s, cut ? "..." : "", hint);
}

/* The error for an unexpected current token (a lexer error is reported as such). */
T_NOINLINE static void *unexpected(t_cel_parser *p, const char *expected) {
  if (p->tk.kind == T_TOK_ERROR) {
    char d[96];
    describe(p, &p->tk, d, sizeof d);
    if (p->tk.error_offset == p->tk.start)
      return t_cel__fail(p, TALLY_ERR_PARSE, p->tk.start, "%s: %s", p->tk.error, d);
    return t_cel__fail(p, TALLY_ERR_PARSE, p->tk.error_offset, "%s", p->tk.error);
  }
  char d[96];
  describe(p, &p->tk, d, sizeof d);
  return t_cel__fail(p, TALLY_ERR_PARSE, p->tk.start, "expected %s, found %s", expected, d);
}

/*
** Expects the closing token of a bracket opened at open_offset; `more`
** when a ',' could have continued the list there instead.
*/
T_NOINLINE static bool expect_close(t_cel_parser *p, t_cel_tok_kind k, size_t open_offset, bool more) {
  if (accept(p, k)) return true;
  if (p->tk.kind == T_TOK_ERROR) {
    unexpected(p, "");
    return false;
  }
  uint32_t line, col;
  t_locate(p->src, p->len, open_offset, &line, &col);
  char d[96];
  describe(p, &p->tk, d, sizeof d);
  t_cel__fail(p, TALLY_ERR_PARSE, p->tk.start, "expected %s%s to close '%c' at %u:%u, found %s", more ? "',' or " : "",
              t_cel_tok_name(k), p->src[open_offset], (unsigned)line, (unsigned)col, d);
  return false;
}

/* }====================================================== */

/*
** {======================================================
** Grammar
** =======================================================
*/

static t_cel_expr *parse_expr(t_cel_parser *p);

typedef T_VEC(t_cel_expr *) expr_vec;
typedef T_VEC(size_t) off_vec;

/*
** cel-go's balancer: a chain t0 op t1 op ... tn becomes a balanced tree,
** which keeps `a && b && ... && z` shallow.
*/
static t_cel_expr *balance(t_cel_parser *p, const char *fn, t_cel_expr **terms, const size_t *ops, size_t lo,
                           size_t hi) {
  size_t mid = (lo + hi + 1) / 2;
  t_cel_expr *args[2];
  args[0] = mid == lo ? terms[mid] : balance(p, fn, terms, ops, lo, mid - 1);
  if (!args[0]) return NULL;
  args[1] = mid == hi ? terms[mid + 1] : balance(p, fn, terms, ops, mid + 1, hi);
  if (!args[1]) return NULL;
  return t_cel__call(p, ops[mid], fn, NULL, args, 2);
}

static t_cel_expr *parse_relation(t_cel_parser *p);
static t_cel_expr *parse_and(t_cel_parser *p);

/* A `||` (is_or) or `&&` chain. */
static t_cel_expr *parse_logical(t_cel_parser *p, bool is_or) {
  t_cel_tok_kind op = is_or ? T_TOK_OR : T_TOK_AND;
  t_cel_expr *first = is_or ? parse_and(p) : parse_relation(p);
  if (!first || p->tk.kind != op) return first;
  const tally_allocator *a = &p->ar->alloc;
  expr_vec terms = {0};
  off_vec ops = {0};
  t_cel_expr *res = NULL;
  if (!t_vec_push(a, &terms, first)) goto oom;
  while (p->tk.kind == op) {
    if (!t_vec_push(a, &ops, p->tk.start)) goto oom;
    advance(p);
    t_cel_expr *t = is_or ? parse_and(p) : parse_relation(p);
    if (!t) goto done;
    if (!t_vec_push(a, &terms, t)) goto oom;
  }
  res = balance(p, is_or ? "_||_" : "_&&_", terms.items, ops.items, 0, ops.len - 1);
  goto done;
oom:
  nomem(p);
done:
  t_vec_free(a, &terms);
  t_vec_free(a, &ops);
  return res;
}

static t_cel_expr *parse_and(t_cel_parser *p) { return parse_logical(p, false); }

static t_cel_expr *parse_additive(t_cel_parser *p);

static t_cel_expr *parse_relation(t_cel_parser *p) {
  t_cel_expr *l = parse_additive(p);
  while (l) {
    const char *fn;
    switch (p->tk.kind) {
      case T_TOK_LT: fn = "_<_"; break;
      case T_TOK_LE: fn = "_<=_"; break;
      case T_TOK_GT: fn = "_>_"; break;
      case T_TOK_GE: fn = "_>=_"; break;
      case T_TOK_EQ: fn = "_==_"; break;
      case T_TOK_NE: fn = "_!=_"; break;
      case T_TOK_IN: fn = "@in"; break;
      default: return l;
    }
    size_t off = p->tk.start;
    advance(p);
    t_cel_expr *args[2] = {l, parse_additive(p)};
    l = t_cel__call(p, off, fn, NULL, args, 2);
  }
  return l;
}

static t_cel_expr *parse_unary(t_cel_parser *p);

static t_cel_expr *parse_multiplicative(t_cel_parser *p) {
  t_cel_expr *l = parse_unary(p);
  while (l) {
    const char *fn;
    switch (p->tk.kind) {
      case T_TOK_STAR: fn = "_*_"; break;
      case T_TOK_SLASH: fn = "_/_"; break;
      case T_TOK_PERCENT: fn = "_%_"; break;
      default: return l;
    }
    size_t off = p->tk.start;
    advance(p);
    t_cel_expr *args[2] = {l, parse_unary(p)};
    l = t_cel__call(p, off, fn, NULL, args, 2);
  }
  return l;
}

static t_cel_expr *parse_additive(t_cel_parser *p) {
  t_cel_expr *l = parse_multiplicative(p);
  while (l) {
    const char *fn;
    switch (p->tk.kind) {
      case T_TOK_PLUS: fn = "_+_"; break;
      case T_TOK_MINUS: fn = "_-_"; break;
      default: return l;
    }
    size_t off = p->tk.start;
    advance(p);
    t_cel_expr *args[2] = {l, parse_multiplicative(p)};
    l = t_cel__call(p, off, fn, NULL, args, 2);
  }
  return l;
}

static t_cel_expr *parse_member(t_cel_parser *p, size_t neg_offset, bool negative);

/*
** `!`/`-` runs: an even run cancels (cel-go), an odd one is one call. A
** single `-` directly before a number is the number's sign, which is how
** -9223372036854775808 is written.
*/
static t_cel_expr *parse_unary(t_cel_parser *p) {
  t_cel_tok_kind k = p->tk.kind;
  if (k != T_TOK_NOT && k != T_TOK_MINUS) return parse_member(p, 0, false);
  size_t off = p->tk.start, n = 0;
  while (p->tk.kind == k) n++, advance(p);
  if (k == T_TOK_MINUS && n == 1 && (p->tk.kind == T_TOK_INT || p->tk.kind == T_TOK_DOUBLE))
    return parse_member(p, off, true);
  t_cel_expr *m = parse_member(p, 0, false);
  if (!m || n % 2 == 0) return m;
  return t_cel__call(p, off, k == T_TOK_NOT ? "!_" : "-_", NULL, &m, 1);
}

/* expr (',' expr)* up to the closing token, which is consumed. */
static bool parse_args(t_cel_parser *p, t_cel_tok_kind close, size_t open_offset, expr_vec *out) {
  const tally_allocator *a = &p->ar->alloc;
  if (accept(p, close)) return true;
  for (;;) {
    t_cel_expr *e = parse_expr(p);
    if (!e) return false;
    if (!t_vec_push(a, out, e)) return nomem(p), false;
    if (accept(p, T_TOK_COMMA)) continue;
    return expect_close(p, close, open_offset, true);
  }
}

/* Builds a call (or its macro expansion) from the collected arguments. */
static t_cel_expr *finish_call(t_cel_parser *p, size_t off, t_str name, t_cel_expr *target, expr_vec *args) {
  t_cel_expr *e = NULL;
  if (!p->opt.disable_macros) {
    e = t_cel__expand_macro(p, off, target, name, args->items, args->len);
    if (!e && p->status) return NULL;
  }
  if (!e) e = t_cel__call_str(p, off, name, target, args->items, args->len);
  return e;
}

static t_cel_expr *call_with_args(t_cel_parser *p, size_t off, t_str name, t_cel_expr *target) {
  expr_vec args = {0};
  t_cel_expr *e = NULL;
  if (parse_args(p, T_TOK_RPAREN, off, &args)) e = finish_call(p, off, name, target, &args);
  t_vec_free(&p->ar->alloc, &args);
  return e;
}

/* A field name after '.' or in a message literal: IDENT or `escaped`. */
static bool parse_field_name(t_cel_parser *p, t_str *out) {
  if (p->tk.kind == T_TOK_IDENT) {
    *out = tok_text(p, &p->tk);
    advance(p);
    return true;
  }
  if (p->tk.kind == T_TOK_ESC_IDENT) {
    if (p->opt.no_escaped_idents) {
      t_cel__fail(p, TALLY_ERR_PARSE, p->tk.start, "unsupported syntax: '`' (escaped field names are disabled)");
      return false;
    }
    out->ptr = p->src + p->tk.start + 1;
    out->len = p->tk.end - p->tk.start - 2;
    advance(p);
    return true;
  }
  unexpected(p, "a field name");
  return false;
}

static bool optional_allowed(t_cel_parser *p, size_t off, const char *what) {
  if (!p->opt.no_optional_syntax) return true;
  t_cel__fail(p, TALLY_ERR_PARSE, off, "unsupported syntax '%s' (optional syntax is disabled)", what);
  return false;
}

static t_cel_expr *parse_primary(t_cel_parser *p, size_t neg_offset, bool negative);

static t_cel_expr *parse_member(t_cel_parser *p, size_t neg_offset, bool negative) {
  t_cel_expr *e = parse_primary(p, neg_offset, negative);
  while (e) {
    size_t off = p->tk.start;
    if (accept(p, T_TOK_DOT)) {
      bool opt = false;
      if (p->tk.kind == T_TOK_QUESTION) {
        if (!optional_allowed(p, off, ".?")) return NULL;
        opt = true;
        advance(p);
      }
      bool plain = p->tk.kind == T_TOK_IDENT;
      t_str field;
      if (!parse_field_name(p, &field)) return NULL;
      if (plain && !opt && p->tk.kind == T_TOK_LPAREN) {
        size_t open = p->tk.start;
        advance(p);
        e = call_with_args(p, open, field, e);
      } else {
        e = t_cel__select(p, off, e, field, false, opt);
      }
    } else if (accept(p, T_TOK_LBRACKET)) {
      bool opt = false;
      if (p->tk.kind == T_TOK_QUESTION) {
        if (!optional_allowed(p, off, "[?")) return NULL;
        opt = true;
        advance(p);
      }
      t_cel_expr *args[2] = {e, parse_expr(p)};
      if (!args[1] || !expect_close(p, T_TOK_RBRACKET, off, false)) return NULL;
      e = t_cel__call(p, off, opt ? "_[?_]" : "_[_]", NULL, args, 2);
    } else {
      break;
    }
  }
  return e;
}

T_NOINLINE static t_cel_expr *parse_literal(t_cel_parser *p, size_t neg_offset, bool negative) {
  t_cel_token tk = p->tk;
  size_t off = negative ? neg_offset : tk.start;
  t_cel_expr *e = t_cel__node(p, T_CEL_CONST, off);
  if (!e) return NULL;
  const char *msg = NULL;
  size_t at = tk.start;
  tally_status s = TALLY_OK;
  switch (tk.kind) {
    case T_TOK_INT:
      e->u.c.kind = T_CEL_CONST_INT;
      s = t_cel_lit_int(p->src, &tk, negative, &e->u.c.v.i, &msg);
      break;
    case T_TOK_UINT:
      e->u.c.kind = T_CEL_CONST_UINT;
      s = t_cel_lit_uint(p->src, &tk, &e->u.c.v.u, &msg);
      break;
    case T_TOK_DOUBLE:
      e->u.c.kind = T_CEL_CONST_DOUBLE;
      s = t_cel_lit_double(p->src, &tk, negative, &e->u.c.v.d, &msg);
      break;
    case T_TOK_STRING: case T_TOK_BYTES:
      e->u.c.kind = tk.kind == T_TOK_STRING ? T_CEL_CONST_STRING : T_CEL_CONST_BYTES;
      s = t_cel_lit_string(p->ar, p->src, &tk, &e->u.c.v.s, &msg, &at);
      break;
    case T_TOK_TRUE: case T_TOK_FALSE:
      e->u.c.kind = T_CEL_CONST_BOOL;
      e->u.c.v.b = tk.kind == T_TOK_TRUE;
      break;
    default:
      e->u.c.kind = T_CEL_CONST_NULL;
      break;
  }
  if (s == TALLY_ERR_NOMEM) return nomem(p);
  if (s != TALLY_OK) return t_cel__fail(p, TALLY_ERR_PARSE, negative ? off : at, "%s", msg);
  advance(p);
  return e;
}

/*
** After a (possibly dotted) name: is this `a.b.C{`, a message literal? The
** lexer is cheap to rewind, so look ahead on a copy.
*/
T_NOINLINE static bool message_ahead(const t_cel_parser *p) {
  t_cel_lexer lx = p->lx;
  t_cel_token t = p->tk; /* the first IDENT */
  for (;;) {
    t = t_cel_lex_next(&lx);
    if (t.kind == T_TOK_LBRACE) return true;
    if (t.kind != T_TOK_DOT) return false;
    t = t_cel_lex_next(&lx);
    if (t.kind != T_TOK_IDENT) return false;
  }
}

/* The grammar allows a lone trailing comma in empty literals: [,] {,} Msg{,}. */
static void skip_lone_comma(t_cel_parser *p, t_cel_tok_kind close) {
  if (p->tk.kind != T_TOK_COMMA) return;
  t_cel_lexer lx = p->lx;
  if (t_cel_lex_next(&lx).kind == close) advance(p);
}

/*
** The entries of a map literal {k: v, ?k2: v2} or of a message construction
** Msg{f: v, ?g: w} (is_struct), after the '{'; fills e and seals it.
*/
static t_cel_expr *parse_entries(t_cel_parser *p, t_cel_expr *e, size_t open, bool is_struct) {
  T_VEC(t_cel_entry) ents = {0};
  const tally_allocator *a = &p->ar->alloc;
  bool ok = true;
  skip_lone_comma(p, T_TOK_RBRACE);
  while (p->tk.kind != T_TOK_RBRACE) {
    t_cel_entry en;
    t_memset(&en, 0, sizeof en);
    if (p->tk.kind == T_TOK_QUESTION) {
      if (!optional_allowed(p, p->tk.start, "?")) { ok = false; break; }
      en.optional = true;
      advance(p);
    }
    if (is_struct) {
      if (p->tk.kind != T_TOK_IDENT && p->tk.kind != T_TOK_ESC_IDENT) {
        unexpected(p, en.optional ? "a field name" : "a field name or '}'");
        ok = false;
        break;
      }
      if (!parse_field_name(p, &en.field)) { ok = false; break; }
    } else if (!(en.key = parse_expr(p))) {
      ok = false;
      break;
    }
    en.offset = p->tk.start;
    if (p->tk.kind != T_TOK_COLON) {
      unexpected(p, is_struct ? "':'" : "':' after a map key");
      ok = false;
      break;
    }
    advance(p);
    en.id = ++p->next_id;
    if (!(en.value = parse_expr(p))) { ok = false; break; }
    if (!t_vec_push(a, &ents, en)) { nomem(p); ok = false; break; }
    if (!accept(p, T_TOK_COMMA)) break;
  }
  if (ok) ok = expect_close(p, T_TOK_RBRACE, open, true);
  if (ok && ents.len) {
    e->u.map.entries = t_arena_alloc(p->ar, ents.len * sizeof *ents.items);
    if (!e->u.map.entries) ok = false, nomem(p);
    else t_memcpy(e->u.map.entries, ents.items, ents.len * sizeof *ents.items);
  }
  e->u.map.nentries = ents.len;
  t_vec_free(a, &ents);
  return ok ? t_cel__seal(p, e) : NULL;
}

T_NOINLINE static t_cel_expr *parse_message(t_cel_parser *p, bool leading_dot) {
  /* The qualified name, copied without whitespace between the parts. */
  t_buf name;
  t_buf_init(&name, &p->ar->alloc);
  if (leading_dot) t_buf_putc(&name, '.');
  for (;;) {
    t_str part = tok_text(p, &p->tk);
    t_buf_append(&name, part.ptr, part.len);
    advance(p);
    if (!accept(p, T_TOK_DOT)) break;
    t_buf_putc(&name, '.');
  }
  char *msg_name = name.failed ? NULL : t_arena_strndup(p->ar, name.ptr ? name.ptr : "", name.len);
  t_buf_free(&name);
  if (!msg_name) return nomem(p);
  size_t open = p->tk.start;
  advance(p); /* '{' */
  t_cel_expr *e = t_cel__node(p, T_CEL_STRUCT, open);
  if (!e) return NULL;
  e->u.map.message_name.ptr = msg_name;
  e->u.map.message_name.len = t_strlen(msg_name);
  return parse_entries(p, e, open, true);
}

T_NOINLINE static t_cel_expr *parse_map(t_cel_parser *p) {
  size_t open = p->tk.start;
  advance(p);
  t_cel_expr *e = t_cel__node(p, T_CEL_MAP, open);
  if (!e) return NULL;
  return parse_entries(p, e, open, false);
}

T_NOINLINE static t_cel_expr *parse_list(t_cel_parser *p) {
  size_t open = p->tk.start;
  advance(p);
  expr_vec elems = {0};
  off_vec opts = {0};
  const tally_allocator *a = &p->ar->alloc;
  bool ok = true;
  skip_lone_comma(p, T_TOK_RBRACKET);
  while (p->tk.kind != T_TOK_RBRACKET) {
    if (p->tk.kind == T_TOK_QUESTION) {
      if (!optional_allowed(p, p->tk.start, "?")) { ok = false; break; }
      advance(p);
      if (!t_vec_push(a, &opts, elems.len)) { nomem(p); ok = false; break; }
    }
    t_cel_expr *x = parse_expr(p);
    if (!x) { ok = false; break; }
    if (!t_vec_push(a, &elems, x)) { nomem(p); ok = false; break; }
    if (!accept(p, T_TOK_COMMA)) break;
  }
  t_cel_expr *e = NULL;
  if (ok && expect_close(p, T_TOK_RBRACKET, open, true)) {
    e = t_cel__list(p, open, elems.items, elems.len);
    if (e && opts.len) {
      e->u.list.optional_indices = t_arena_alloc(p->ar, opts.len * sizeof *opts.items);
      if (!e->u.list.optional_indices) e = nomem(p);
      else {
        t_memcpy(e->u.list.optional_indices, opts.items, opts.len * sizeof *opts.items);
        e->u.list.noptional = opts.len;
      }
    }
  }
  t_vec_free(a, &elems);
  t_vec_free(a, &opts);
  return e;
}

static t_cel_expr *parse_primary(t_cel_parser *p, size_t neg_offset, bool negative) {
  if (negative) return parse_literal(p, neg_offset, true);
  size_t start = p->tk.start;
  if (p->tk.kind == T_TOK_MINUS) {
    /* A signed literal in member position, as after '!' in `!-1`. */
    t_cel_lexer save = p->lx;
    t_cel_token t = t_cel_lex_next(&save);
    if (t.kind == T_TOK_INT || t.kind == T_TOK_DOUBLE) {
      advance(p);
      return parse_literal(p, start, true);
    }
  }
  switch (p->tk.kind) {
    case T_TOK_INT: case T_TOK_UINT: case T_TOK_DOUBLE: case T_TOK_STRING: case T_TOK_BYTES:
    case T_TOK_TRUE: case T_TOK_FALSE: case T_TOK_NULL:
      return parse_literal(p, 0, false);
    case T_TOK_LPAREN: {
      advance(p);
      t_cel_expr *e = parse_expr(p);
      if (!e || !expect_close(p, T_TOK_RPAREN, start, false)) return NULL;
      return e;
    }
    case T_TOK_LBRACKET: return parse_list(p);
    case T_TOK_LBRACE: return parse_map(p);
    case T_TOK_DOT: case T_TOK_IDENT: {
      bool dot = accept(p, T_TOK_DOT);
      if (p->tk.kind != T_TOK_IDENT) return unexpected(p, "an identifier after the leading '.'");
      if (message_ahead(p)) return parse_message(p, dot);
      t_str name = tok_text(p, &p->tk);
      size_t id_off = p->tk.start;
      if (t_cel_is_reserved(name))
        return t_cel__fail(p, TALLY_ERR_PARSE, id_off, "reserved identifier: %S", name);
      if (dot) {
        /* cel-go keeps the leading dot in the name: ".a" is the root-scoped a. */
        if (id_off == start + 1) {
          name.ptr = p->src + start;
        } else { /* space between '.' and the name */
          char *s = t_arena_alloc(p->ar, name.len + 1);
          if (!s) return nomem(p);
          s[0] = '.';
          t_memcpy(s + 1, name.ptr, name.len);
          name.ptr = s;
        }
        name.len++;
      }
      advance(p);
      if (p->tk.kind == T_TOK_LPAREN) {
        size_t open = p->tk.start;
        advance(p);
        return call_with_args(p, open, name, NULL);
      }
      return t_cel__ident(p, id_off, name);
    }
    default:
      return unexpected(p, "an expression");
  }
}

static t_cel_expr *parse_or(t_cel_parser *p) { return parse_logical(p, true); }

/* cond ? a : b, right-associative; the depth limit is checked here. */
static t_cel_expr *parse_expr(t_cel_parser *p) {
  if (p->status) return NULL;
  if (++p->depth > p->opt.max_depth) {
    p->depth--;
    return t_cel__fail(p, TALLY_ERR_LIMIT, p->tk.start, "expression nests too deeply (limit is %u levels)",
                       (unsigned)p->opt.max_depth);
  }
  t_cel_expr *c = parse_or(p);
  if (c && p->tk.kind == T_TOK_QUESTION) {
    size_t off = p->tk.start;
    advance(p);
    t_cel_expr *args[3] = {c, parse_or(p), NULL};
    if (args[1] && p->tk.kind != T_TOK_COLON) {
      unexpected(p, "':' of the conditional");
      args[1] = NULL;
    }
    if (args[1]) {
      advance(p);
      args[2] = parse_expr(p);
    }
    c = args[2] ? t_cel__call(p, off, "_?_:_", NULL, args, 3) : NULL;
  }
  p->depth--;
  return c;
}

/* }====================================================== */

tally_status t_cel_parse(t_arena *ar, const char *src, size_t len, const t_cel_parse_options *opts, t_cel_ast *out,
                         tally_error *err) {
  t_memset(out, 0, sizeof *out);
  t_cel_parser p;
  t_memset(&p, 0, sizeof p);
  if (opts) p.opt = *opts;
  if (!p.opt.max_source_len) p.opt.max_source_len = T_CEL_DEFAULT_MAX_SOURCE;
  if (!p.opt.max_depth) p.opt.max_depth = T_CEL_DEFAULT_MAX_DEPTH;
  p.ar = ar;
  p.src = src;
  p.len = len;
  p.err = err;
  if (len > p.opt.max_source_len)
    return t_error_set(err, TALLY_ERR_LIMIT, "expression too long: %zu bytes (limit is %zu)", len,
                       p.opt.max_source_len);
  size_t bad = t_utf8_validate(src, len);
  if (bad < len) return t_error_at(err, TALLY_ERR_PARSE, src, len, bad, "invalid UTF-8 in the expression");
  t_cel_lex_init(&p.lx, src, len);
  advance(&p);
  t_cel_expr *root = parse_expr(&p);
  if (root && p.tk.kind != T_TOK_EOF) {
    if (p.tk.kind == T_TOK_ERROR) unexpected(&p, "");
    else {
      char d[96];
      describe(&p, &p.tk, d, sizeof d);
      t_cel__fail(&p, TALLY_ERR_PARSE, p.tk.start, "expected end of input (or an operator), found %s", d);
    }
    root = NULL;
  }
  if (!root) {
    if (p.status == TALLY_OK) nomem(&p);
    return p.status;
  }
  out->root = root;
  out->source = src;
  out->source_len = len;
  out->next_id = p.next_id + 1;
  out->macro_calls = p.calls;
  out->nmacro_calls = p.ncalls;
  return TALLY_OK;
}

const t_cel_macro_call *t_cel_ast_macro_call(const t_cel_ast *ast, uint32_t id) {
  for (size_t i = 0; i < ast->nmacro_calls; i++)
    if (ast->macro_calls[i].expr_id == id) return &ast->macro_calls[i];
  return NULL;
}
