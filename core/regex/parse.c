/*
** parse.c - RE2 syntax to a syntax tree. Flags are applied while parsing:
** (?i) expands literals and classes into their case-folding closure, (?s)
** picks the kind of `.`, (?m) the kind of ^ and $, (?U) flips greediness,
** so the compiler never sees a flag. Constructs RE2 refuses (backrefs,
** lookaround, possessive or stacked repeats, \C, \Z) are errors with the
** offending position, worded like RE2/Go's messages plus a reason.
**
** Recursive descent: only groups recurse, bounded by TALLY_REGEX_MAX_DEPTH.
*/
#include "regex/prog.h"
#include "regex/unicode.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/utf8.h"

/* The syntax tree's memory limit: big classes repeated many times stop here. */
#define T_RE_MAX_TREE_MIB 16

typedef struct parser {
  const tally_allocator *alloc;
  t_arena *ar;
  const char *src;
  size_t len, pos;
  unsigned flags;
  uint32_t depth;
  t_re_parse_result *res;
  tally_error *err;
  tally_status status;
  t_re_cc tmp;  /* one class item (a group, a range) before it joins cls */
  t_re_cc cls;  /* the class being built */
} parser;

/* A marker for "(?flags)": it changes the flags and matches nothing. */
static const t_re_node flags_only_;
#define FLAGS_ONLY ((t_re_node *)&flags_only_)

static void *fail(parser *p, tally_status code, size_t at, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  t_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p->status == TALLY_OK) {
    p->status = code;
    t_error_at(p->err, code, p->src, p->len, at, "%s", msg);
  }
  return NULL;
}

static void *nomem(parser *p) {
  if (p->ar->over_limit) return fail(p, TALLY_ERR_LIMIT, 0, "regular expression too large (its syntax tree exceeds %d MiB)", T_RE_MAX_TREE_MIB);
  if (p->status == TALLY_OK) {
    p->status = TALLY_ERR_NOMEM;
    t_error_set(p->err, TALLY_ERR_NOMEM, "out of memory compiling a regular expression");
  }
  return NULL;
}

/*
** The text of the pattern from `from` to the current position, for
** messages: at most 64 bytes, cut at a code point boundary so the message
** stays valid UTF-8.
*/
static int span_len(const parser *p, size_t from) {
  size_t n = p->pos > from ? p->pos - from : 0;
  if (n > 64) {
    n = 64;
    while (n > 0 && ((uint8_t)p->src[from + n] & 0xC0) == 0x80) n--;
  } else {
    /* the error may have stopped inside a character: take all of it */
    while (from + n < p->len && ((uint8_t)p->src[from + n] & 0xC0) == 0x80) n++;
  }
  return (int)n;
}
#define SPAN(p, from) span_len((p), (from)), (p)->src + (from)

static t_re_node *new_node(parser *p, t_re_kind kind) {
  t_re_node *n = t_arena_calloc(p->ar, sizeof *n);
  if (!n) return nomem(p);
  n->kind = kind;
  n->greedy = true;
  return n;
}

static void append(t_re_node *parent, t_re_node *child) {
  child->next = NULL;
  if (parent->last) parent->last->next = child;
  else parent->first = child;
  parent->last = child;
}

static t_re_node *class_node(parser *p, const t_re_cc *cc) {
  t_re_node *n = new_node(p, T_RE_N_CLASS);
  if (!n) return NULL;
  size_t bytes = cc->len * sizeof(uint32_t);
  uint32_t *r = bytes ? t_arena_alloc(p->ar, bytes) : NULL;
  if (bytes && !r) return nomem(p);
  if (bytes) t_memcpy(r, cc->items, bytes);
  n->ranges = r;
  n->nranges = (uint32_t)(cc->len / 2);
  return n;
}

static t_re_node *literal(parser *p, uint32_t c) {
  p->tmp.len = 0;
  if (!t_re_cc_add(p->alloc, &p->tmp, c, c)) return nomem(p);
  if ((p->flags & TALLY_REGEX_CASELESS) && !t_re_cc_fold(p->alloc, &p->tmp)) return nomem(p);
  return class_node(p, &p->tmp);
}

/*
** {======================================================
** Named classes: Perl, POSIX, Unicode
** =======================================================
*/

static const uint32_t cls_digit[] = {'0', '9'};
static const uint32_t cls_space[] = {'\t', '\n', '\f', '\r', ' ', ' '};
static const uint32_t cls_word[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};

static const uint32_t px_alnum[] = {'0', '9', 'A', 'Z', 'a', 'z'};
static const uint32_t px_alpha[] = {'A', 'Z', 'a', 'z'};
static const uint32_t px_ascii[] = {0, 0x7F};
static const uint32_t px_blank[] = {'\t', '\t', ' ', ' '};
static const uint32_t px_cntrl[] = {0, 0x1F, 0x7F, 0x7F};
static const uint32_t px_graph[] = {'!', '~'};
static const uint32_t px_lower[] = {'a', 'z'};
static const uint32_t px_print[] = {' ', '~'};
static const uint32_t px_punct[] = {'!', '/', ':', '@', '[', '`', '{', '~'};
static const uint32_t px_space[] = {'\t', '\r', ' ', ' '};
static const uint32_t px_upper[] = {'A', 'Z'};
static const uint32_t px_xdigit[] = {'0', '9', 'A', 'F', 'a', 'f'};

typedef struct named_class {
  const char *name;
  const uint32_t *ranges;
  size_t n;
} named_class;

#define NC(name, t) {name, t, T_ARRAY_LEN(t) / 2}
static const named_class posix_classes[] = {
  NC("alnum", px_alnum), NC("alpha", px_alpha), NC("ascii", px_ascii), NC("blank", px_blank),
  NC("cntrl", px_cntrl), NC("digit", cls_digit), NC("graph", px_graph), NC("lower", px_lower),
  NC("print", px_print), NC("punct", px_punct), NC("space", px_space), NC("upper", px_upper),
  NC("word", cls_word), NC("xdigit", px_xdigit),
};
#undef NC

static const uint32_t any_rune[] = {0, T_RE_MAX_RUNE};

/* Adds a named class to cls: folded under (?i) first, then negated. */
static bool add_group(parser *p, const uint32_t *ranges, size_t n, bool negate) {
  p->tmp.len = 0;
  if (!t_re_cc_add_list(p->alloc, &p->tmp, ranges, n)) return nomem(p), false;
  if (p->flags & TALLY_REGEX_CASELESS) {
    if (!t_re_cc_fold(p->alloc, &p->tmp)) return nomem(p), false;
  } else {
    t_re_cc_normalize(&p->tmp);
  }
  if (negate && !t_re_cc_negate(p->alloc, &p->tmp)) return nomem(p), false;
  if (!t_re_cc_add_list(p->alloc, &p->cls, p->tmp.items, p->tmp.len / 2)) return nomem(p), false;
  return true;
}

static bool name_eq(const char *s, size_t n, const char *name) {
  return t_strlen(name) == n && t_memcmp(s, name, n) == 0;
}

static const t_re_utable *unicode_table(const char *name, size_t n) {
  size_t lo = 0, hi = t_re_unicode_tables_len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    t_str a = {t_re_unicode_tables[mid].name, t_strlen(t_re_unicode_tables[mid].name)};
    int c = t_str_cmp(a, (t_str){name, n});
    if (c == 0) return &t_re_unicode_tables[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

/* \d \D \s \S \w \W at p->pos (the backslash): adds to cls. */
static bool perl_class(parser *p) {
  char e = p->src[p->pos + 1];
  p->pos += 2;
  bool neg = e >= 'A' && e <= 'Z';
  switch (e | 0x20) {
  case 'd': return add_group(p, cls_digit, T_ARRAY_LEN(cls_digit) / 2, neg);
  case 's': return add_group(p, cls_space, T_ARRAY_LEN(cls_space) / 2, neg);
  default: return add_group(p, cls_word, T_ARRAY_LEN(cls_word) / 2, neg);
  }
}

/* \pN, \p{Name}, \p{^Name}, \PN at p->pos: adds to cls. */
static bool unicode_class(parser *p) {
  size_t start = p->pos;
  bool neg = p->src[p->pos + 1] == 'P';
  p->pos += 2;
  if (p->pos >= p->len) return fail(p, TALLY_ERR_PARSE, start, "invalid character class range: `%.*s`", SPAN(p, start)), false;
  const char *name;
  size_t n;
  if (p->src[p->pos] == '{') {
    size_t q = p->pos + 1;
    while (q < p->len && p->src[q] != '}') q++;
    if (q >= p->len) {
      p->pos = p->len;
      return fail(p, TALLY_ERR_PARSE, start, "invalid character class range: `%.*s` (missing })", SPAN(p, start)), false;
    }
    name = p->src + p->pos + 1;
    n = q - p->pos - 1;
    p->pos = q + 1;
    if (n > 0 && name[0] == '^') {
      neg = !neg;
      name++;
      n--;
    }
  } else {
    uint32_t c;
    size_t w = t_utf8_decode(p->src + p->pos, p->len - p->pos, &c);
    name = p->src + p->pos;
    n = w ? w : 1;
    p->pos += n;
  }
  if (name_eq(name, n, "Any")) return add_group(p, any_rune, 1, neg);
  const t_re_utable *t = unicode_table(name, n);
  if (!t) return fail(p, TALLY_ERR_PARSE, start, "invalid character class range: `%.*s` (unknown Unicode class)", SPAN(p, start)), false;
  return add_group(p, t->ranges, t->n, neg);
}

/* }====================================================== */

static bool is_alnum(int c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int hex_val(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/*
** One escaped code point at p->pos (the backslash): \n \x41 \x{263a}
** \101 \. ... Returns it, or a negative number after reporting an error.
*/
static int32_t escape_char(parser *p) {
  size_t start = p->pos;
  if (p->pos + 1 >= p->len) {
    p->pos = p->len;
    fail(p, TALLY_ERR_PARSE, start, "trailing backslash at end of expression");
    return -1;
  }
  uint8_t e = (uint8_t)p->src[p->pos + 1];
  p->pos += 2;
  switch (e) {
  case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    if (p->pos >= p->len || p->src[p->pos] < '0' || p->src[p->pos] > '7') {
      fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `%.*s` (backreferences are not supported)", SPAN(p, start));
      return -1;
    }
    /* an octal escape */
    /* fallthrough */
  case '0': {
    int32_t v = e - '0';
    for (int i = 0; i < 2 && p->pos < p->len && p->src[p->pos] >= '0' && p->src[p->pos] <= '7'; i++)
      v = v * 8 + (p->src[p->pos++] - '0');
    return v;
  }
  case '8': case '9':
    fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `%.*s` (backreferences are not supported)", SPAN(p, start));
    return -1;
  case 'x': {
    if (p->pos < p->len && p->src[p->pos] == '{') {
      p->pos++;
      int32_t v = 0;
      size_t digits = 0;
      while (p->pos < p->len && hex_val(p->src[p->pos]) >= 0) {
        v = v * 16 + hex_val(p->src[p->pos++]);
        digits++;
        if (v > (int32_t)T_RE_MAX_RUNE) break;
      }
      if (digits == 0 || v > (int32_t)T_RE_MAX_RUNE || p->pos >= p->len || p->src[p->pos] != '}') {
        while (p->pos < p->len && p->src[p->pos] != '}') p->pos++;
        if (p->pos < p->len) p->pos++;
        fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `%.*s`", SPAN(p, start));
        return -1;
      }
      p->pos++;
      return v;
    }
    if (p->pos + 2 > p->len || hex_val(p->src[p->pos]) < 0 || hex_val(p->src[p->pos + 1]) < 0) {
      fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `%.*s`", SPAN(p, start));
      return -1;
    }
    int32_t v = hex_val(p->src[p->pos]) * 16 + hex_val(p->src[p->pos + 1]);
    p->pos += 2;
    return v;
  }
  case 'a': return 7;
  case 'f': return '\f';
  case 'n': return '\n';
  case 'r': return '\r';
  case 't': return '\t';
  case 'v': return '\v';
  default:
    if (e < 0x80 && !is_alnum(e)) return e;
    if (e >= 0x80) {
      uint32_t c;
      size_t w = t_utf8_decode(p->src + p->pos - 1, p->len - p->pos + 1, &c);
      if (w > 1) p->pos += w - 1;
    }
    if (e == 'C') fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `\\C` (matching single bytes is not supported)");
    else if (e == 'Z') fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `\\Z` (not supported; use \\z)");
    else fail(p, TALLY_ERR_PARSE, start, "invalid escape sequence: `%.*s`", SPAN(p, start));
    return -1;
  }
}

/* A code point inside [...]: a literal or an escape. */
static int32_t class_char(parser *p) {
  if (p->src[p->pos] == '\\') return escape_char(p);
  uint32_t c;
  size_t w = t_utf8_decode(p->src + p->pos, p->len - p->pos, &c);
  p->pos += w ? w : 1;  /* the pattern was validated: w > 0 */
  return (int32_t)c;
}

static t_re_node *parse_class(parser *p) {
  size_t start = p->pos;
  p->pos++;
  p->cls.len = 0;
  bool neg = false;
  if (p->pos < p->len && p->src[p->pos] == '^') {
    neg = true;
    p->pos++;
  }
  bool first = true;
  for (;;) {
    if (p->pos >= p->len) {
      return fail(p, TALLY_ERR_PARSE, start, "missing closing ]: `%.*s`", SPAN(p, start));
    }
    char c = p->src[p->pos];
    if (c == ']' && !first) {
      p->pos++;
      break;
    }
    first = false;
    if (c == '[' && p->pos + 1 < p->len && p->src[p->pos + 1] == ':') {
      /* As re2js: the ':' of "[:" may start the closing ":]" too, so "[:]" is a bad name. */
      size_t q = p->pos + 1;
      while (q + 1 < p->len && !(p->src[q] == ':' && p->src[q + 1] == ']')) q++;
      if (q + 1 < p->len) {
        size_t item = p->pos;
        const char *name = p->src + p->pos + 2;
        size_t n = q > p->pos + 2 ? q - p->pos - 2 : 0;
        bool pneg = n > 0 && name[0] == '^';
        if (pneg) name++, n--;
        p->pos = q + 2;
        const named_class *nc = NULL;
        for (size_t i = 0; i < T_ARRAY_LEN(posix_classes); i++)
          if (name_eq(name, n, posix_classes[i].name)) nc = &posix_classes[i];
        if (!nc) return fail(p, TALLY_ERR_PARSE, item, "invalid character class range: `%.*s`", SPAN(p, item));
        if (!add_group(p, nc->ranges, nc->n, pneg)) return NULL;
        continue;
      }
    }
    if (c == '\\' && p->pos + 1 < p->len) {
      char e = p->src[p->pos + 1];
      if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
        if (!perl_class(p)) return NULL;
        continue;
      }
      if (e == 'p' || e == 'P') {
        if (!unicode_class(p)) return NULL;
        continue;
      }
    }
    size_t item = p->pos;
    int32_t lo = class_char(p);
    if (lo < 0) return NULL;
    int32_t hi = lo;
    if (p->pos + 1 < p->len && p->src[p->pos] == '-' && p->src[p->pos + 1] != ']') {
      p->pos++;
      hi = class_char(p);
      if (hi < 0) return NULL;
      if (hi < lo) return fail(p, TALLY_ERR_PARSE, item, "invalid character class range: `%.*s`", SPAN(p, item));
    }
    if (p->flags & TALLY_REGEX_CASELESS) {
      p->tmp.len = 0;
      if (!t_re_cc_add(p->alloc, &p->tmp, (uint32_t)lo, (uint32_t)hi) || !t_re_cc_fold(p->alloc, &p->tmp) ||
          !t_re_cc_add_list(p->alloc, &p->cls, p->tmp.items, p->tmp.len / 2))
        return nomem(p);
    } else if (!t_re_cc_add(p->alloc, &p->cls, (uint32_t)lo, (uint32_t)hi)) {
      return nomem(p);
    }
  }
  t_re_cc_normalize(&p->cls);
  if (neg && !t_re_cc_negate(p->alloc, &p->cls)) return nomem(p);
  return class_node(p, &p->cls);
}

/*
** {======================================================
** Groups and flags
** =======================================================
*/

static t_re_node *parse_alt(parser *p);

static bool valid_name_char(char c) {
  return c == '_' || is_alnum((unsigned char)c);
}

/* The body of a group whose '(' ... prefix has been read; ends at ')'. */
static t_re_node *group_body(parser *p, size_t start, unsigned flags) {
  if (++p->depth > TALLY_REGEX_MAX_DEPTH)
    return fail(p, TALLY_ERR_LIMIT, start, "regular expression nested too deeply (limit is %d)", TALLY_REGEX_MAX_DEPTH);
  unsigned saved = p->flags;
  p->flags = flags;
  t_re_node *body = parse_alt(p);
  p->flags = saved;
  p->depth--;
  if (!body) return NULL;
  if (p->pos >= p->len || p->src[p->pos] != ')') return fail(p, TALLY_ERR_PARSE, start, "missing closing ): `%.*s`", SPAN(p, start));
  p->pos++;
  return body;
}

static t_re_node *capture(parser *p, t_re_node *body, uint32_t index) {
  if (!body) return NULL;
  t_re_node *n = new_node(p, T_RE_N_CAPTURE);
  if (!n) return NULL;
  n->arg = index;
  append(n, body);
  return n;
}

static t_re_node *parse_group(parser *p) {
  size_t start = p->pos;
  const char *s = p->src;
  p->pos++;
  if (p->pos >= p->len || s[p->pos] != '?') {
    uint32_t index = ++p->res->ngroups;
    return capture(p, group_body(p, start, p->flags), index);
  }
  size_t rest = p->len - p->pos;
  /* Named groups: (?P<name>re) and (?<name>re). */
  if ((rest >= 3 && s[p->pos + 1] == 'P' && s[p->pos + 2] == '<') ||
      (rest >= 3 && s[p->pos + 1] == '<' && s[p->pos + 2] != '=' && s[p->pos + 2] != '!')) {
    size_t name_at = p->pos + (s[p->pos + 1] == 'P' ? 3 : 2);
    size_t q = name_at;
    while (q < p->len && s[q] != '>') q++;
    if (q >= p->len) {
      p->pos = p->len;
      return fail(p, TALLY_ERR_PARSE, start, "invalid named capture: `%.*s`", SPAN(p, start));
    }
    p->pos = q + 1;
    if (q == name_at) return fail(p, TALLY_ERR_PARSE, start, "invalid named capture: `%.*s` (empty name)", SPAN(p, start));
    for (size_t i = name_at; i < q; i++)
      if (!valid_name_char(s[i])) return fail(p, TALLY_ERR_PARSE, start, "invalid named capture: `%.*s`", SPAN(p, start));
    t_str name = {s + name_at, q - name_at};
    for (size_t i = 0; i < p->res->names.len; i++) {
      t_re_group_name *g = &p->res->names.items[i];
      if (t_str_eq(name, (t_str){s + g->offset, g->len}))
        return fail(p, TALLY_ERR_PARSE, start, "duplicate capture group name: `%.*s`", SPAN(p, start));
    }
    uint32_t index = ++p->res->ngroups;
    t_re_group_name g = {index, name_at, name.len};
    if (!t_vec_push(p->alloc, &p->res->names, g)) return nomem(p);
    return capture(p, group_body(p, start, p->flags), index);
  }
  if (rest >= 2) {
    char c = s[p->pos + 1];
    const char *why = NULL;
    size_t n = 2;
    if (c == '=' || c == '!') why = "lookahead is not supported";
    else if (c == '<') why = "lookbehind is not supported", n = 3;
    else if (c == 'P' && rest >= 3 && s[p->pos + 2] == '=') why = "backreferences are not supported", n = 3;
    else if (c == 'P' && rest >= 3 && s[p->pos + 2] == '>') why = "recursion is not supported", n = 3;
    else if (c == '>') why = "atomic groups are not supported";
    else if (c == '#') why = "comments are not supported";
    else if (c == '|') why = "branch reset is not supported";
    else if (c == '(') why = "conditionals are not supported";
    else if (c == 'R' || (c >= '0' && c <= '9') || c == '&' || c == '+') why = "recursion is not supported";
    if (why) {
      p->pos = T_MIN(p->pos + n, p->len);
      return fail(p, TALLY_ERR_PARSE, start, "invalid or unsupported Perl syntax: `%.*s` (%s)", SPAN(p, start), why);
    }
  }
  /* Flags: (?imsU-imsU) or (?imsU-imsU:re). */
  p->pos++;
  unsigned flags = p->flags;
  bool negated = false, saw = false;
  while (p->pos < p->len) {
    char c = s[p->pos++];
    unsigned bit = 0;
    switch (c) {
    case 'i': bit = TALLY_REGEX_CASELESS; break;
    case 'm': bit = TALLY_REGEX_MULTILINE; break;
    case 's': bit = TALLY_REGEX_DOTALL; break;
    case 'U': bit = TALLY_REGEX_UNGREEDY; break;
    case '-':
      if (negated) goto bad;
      negated = true;
      saw = false;
      continue;
    case ':':
    case ')':
      if (negated && !saw) goto bad;
      if (c == ')') {
        p->flags = flags;
        return FLAGS_ONLY;
      }
      return group_body(p, start, flags);
    default:
      goto bad;
    }
    saw = true;
    if (negated) flags &= ~bit;
    else flags |= bit;
  }
bad:
  return fail(p, TALLY_ERR_PARSE, start, "invalid or unsupported Perl syntax: `%.*s`", SPAN(p, start));
}

/* }====================================================== */

static t_re_node *assertion(parser *p, uint32_t kind) {
  t_re_node *n = new_node(p, T_RE_N_ASSERT);
  if (n) n->arg = kind;
  return n;
}

static t_re_node *parse_atom(parser *p) {
  const char *s = p->src;
  size_t start = p->pos;
  switch (s[p->pos]) {
  case '(':
    return parse_group(p);
  case '[':
    return parse_class(p);
  case '.':
    p->pos++;
    return new_node(p, (p->flags & TALLY_REGEX_DOTALL) ? T_RE_N_ANY : T_RE_N_ANYNL);
  case '^':
    p->pos++;
    return assertion(p, (p->flags & TALLY_REGEX_MULTILINE) ? T_RE_BOL : T_RE_BOT);
  case '$':
    p->pos++;
    return assertion(p, (p->flags & TALLY_REGEX_MULTILINE) ? T_RE_EOL : T_RE_EOT);
  case '\\':
    if (p->pos + 1 < p->len) {
      switch (s[p->pos + 1]) {
      case 'A': p->pos += 2; return assertion(p, T_RE_BOT);
      case 'z': p->pos += 2; return assertion(p, T_RE_EOT);
      case 'b': p->pos += 2; return assertion(p, T_RE_WORDB);
      case 'B': p->pos += 2; return assertion(p, T_RE_NWORDB);
      case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
        p->cls.len = 0;
        if (!perl_class(p)) return NULL;
        t_re_cc_normalize(&p->cls);
        return class_node(p, &p->cls);
      case 'p': case 'P':
        p->cls.len = 0;
        if (!unicode_class(p)) return NULL;
        t_re_cc_normalize(&p->cls);
        return class_node(p, &p->cls);
      default:
        break;
      }
    }
    {
      int32_t c = escape_char(p);
      if (c < 0) return NULL;
      return literal(p, (uint32_t)c);
    }
  default: {
    uint32_t c;
    size_t w = t_utf8_decode(s + p->pos, p->len - p->pos, &c);
    if (!w) return fail(p, TALLY_ERR_PARSE, start, "invalid UTF-8 in the pattern");
    p->pos += w;
    return literal(p, c);
  }
  }
}

/* Digits of a repeat count: no leading zeros (as RE2), capped above the limit. */
static bool repeat_int(parser *p, int32_t *v) {
  size_t start = p->pos;
  int32_t n = 0;
  while (p->pos < p->len && p->src[p->pos] >= '0' && p->src[p->pos] <= '9') {
    if (n <= 100000) n = n * 10 + (p->src[p->pos] - '0');
    p->pos++;
  }
  if (p->pos == start) return false;
  if (p->pos - start >= 2 && p->src[start] == '0') return false;
  *v = n;
  return true;
}

/*
** A repetition operator at p->pos: * + ? {n} {n,} {n,m}. Returns false
** (position unchanged) when there is none; a '{' that does not form a
** count is a literal.
*/
static bool repeat_op(parser *p, int32_t *min, int32_t *max) {
  if (p->pos >= p->len) return false;
  char c = p->src[p->pos];
  if (c == '*' || c == '+' || c == '?') {
    p->pos++;
    *min = c == '+' ? 1 : 0;
    *max = c == '?' ? 1 : -1;
    return true;
  }
  if (c != '{') return false;
  size_t start = p->pos;
  p->pos++;
  if (!repeat_int(p, min)) goto literal;
  *max = *min;
  if (p->pos < p->len && p->src[p->pos] == ',') {
    p->pos++;
    if (p->pos < p->len && p->src[p->pos] == '}') *max = -1;
    else if (!repeat_int(p, max)) goto literal;
  }
  if (p->pos >= p->len || p->src[p->pos] != '}') goto literal;
  p->pos++;
  return true;
literal:
  p->pos = start;
  return false;
}

/*
** RE2's rule for nested counted repeats: dividing 1000 by each {n,m}'s
** count (m, or n when unbounded) on the way down must never reach a count
** larger than what is left, so (a{10}){100} is fine, ((a{10}){10}){11} is
** not. The tree below a group is at most 4 x TALLY_REGEX_MAX_DEPTH deep.
*/
static bool repeat_size_ok(const t_re_node *n, int32_t budget, int depth) {
  if (depth > 4 * TALLY_REGEX_MAX_DEPTH + 16) return true;
  if (n->kind == T_RE_N_REPEAT && n->arg) {
    if (n->max == 0) return true;  /* x{0} matches empty whatever x is */
    int32_t m = n->max < 0 ? n->min : n->max;
    if (m > budget) return false;
    if (m > 0) budget /= m;
  }
  for (const t_re_node *k = n->first; k; k = k->next)
    if (!repeat_size_ok(k, budget, depth + 1)) return false;
  return true;
}

/* Wraps *atom in a REPEAT when a repetition operator follows; false on error. */
static bool parse_repeat(parser *p, t_re_node **atom) {
  size_t op_at = p->pos;
  int32_t min, max;
  if (!repeat_op(p, &min, &max)) return true;
  if (min > TALLY_REGEX_MAX_REPEAT || max > TALLY_REGEX_MAX_REPEAT || (max >= 0 && max < min))
    return fail(p, TALLY_ERR_PARSE, op_at, "invalid repeat count: `%.*s` (counts go up to %d)", SPAN(p, op_at),
                TALLY_REGEX_MAX_REPEAT), false;
  bool greedy = true;
  if (p->pos < p->len && p->src[p->pos] == '?') {
    greedy = false;
    p->pos++;
  }
  if (p->flags & TALLY_REGEX_UNGREEDY) greedy = !greedy;
  size_t after = p->pos;
  int32_t m2, x2;
  if (repeat_op(p, &m2, &x2))
    return fail(p, TALLY_ERR_PARSE, op_at, "invalid nested repetition operator: `%.*s`%s", SPAN(p, op_at),
                p->src[after] == '+' ? " (possessive quantifiers are not supported)" : ""), false;
  t_re_node *rep = new_node(p, T_RE_N_REPEAT);
  if (!rep) return false;
  rep->min = min;
  rep->max = max;
  rep->greedy = greedy;
  rep->arg = p->src[op_at] == '{';  /* a counted repeat */
  append(rep, *atom);
  if (rep->arg && (min >= 2 || max >= 2) && !repeat_size_ok(rep, TALLY_REGEX_MAX_REPEAT, 0))
    return fail(p, TALLY_ERR_PARSE, op_at, "invalid repeat count: `%.*s` (nested counted repeats multiply to more than %d)",
                (int)(after - op_at), p->src + op_at, TALLY_REGEX_MAX_REPEAT), false;
  *atom = rep;
  return true;
}

static t_re_node *parse_concat(parser *p) {
  t_re_node *cat = new_node(p, T_RE_N_CAT);
  if (!cat) return NULL;
  while (p->pos < p->len && p->src[p->pos] != '|' && p->src[p->pos] != ')') {
    size_t start = p->pos;
    int32_t min, max;
    if (repeat_op(p, &min, &max))
      return fail(p, TALLY_ERR_PARSE, start, "missing argument to repetition operator: `%.*s`", SPAN(p, start));
    t_re_node *atom;
    if (p->pos + 1 < p->len && p->src[p->pos] == '\\' && p->src[p->pos + 1] == 'Q') {
      /* \Q...\E: literal text; a repeat after it applies to the last character. */
      p->pos += 2;
      size_t end = p->pos;
      while (end < p->len && !(p->src[end] == '\\' && end + 1 < p->len && p->src[end + 1] == 'E')) end++;
      atom = NULL;
      while (p->pos < end) {
        if (atom) append(cat, atom);
        uint32_t c;
        size_t w = t_utf8_decode(p->src + p->pos, end - p->pos, &c);
        if (!w) return fail(p, TALLY_ERR_PARSE, p->pos, "invalid UTF-8 in the pattern");
        p->pos += w;
        atom = literal(p, c);
        if (!atom) return NULL;
      }
      p->pos = end < p->len ? end + 2 : end;
      if (!atom) continue;
    } else {
      atom = parse_atom(p);
      if (!atom) return NULL;
      if (atom == FLAGS_ONLY) {
        /*
        ** As in RE2/Go, a repeat right after (?flags) applies to the item
        ** before it: a(?i)* is a*. Wrap that item in place.
        */
        if (cat->last && p->pos < p->len && (p->src[p->pos] == '*' || p->src[p->pos] == '+' ||
                                              p->src[p->pos] == '?' || p->src[p->pos] == '{')) {
          t_re_node *inner = new_node(p, T_RE_N_EMPTY);
          if (!inner) return NULL;
          *inner = *cat->last;
          inner->next = NULL;
          t_re_node *wrapped = inner;
          if (!parse_repeat(p, &wrapped)) return NULL;
          if (wrapped != inner) *cat->last = *wrapped;
        }
        continue;
      }
    }
    if (!parse_repeat(p, &atom)) return NULL;
    append(cat, atom);
  }
  if (!cat->first) cat->kind = T_RE_N_EMPTY;
  else if (cat->first == cat->last) return cat->first;
  return cat;
}

static t_re_node *parse_alt(parser *p) {
  t_re_node *c = parse_concat(p);
  if (!c) return NULL;
  if (p->pos >= p->len || p->src[p->pos] != '|') return c;
  t_re_node *alt = new_node(p, T_RE_N_ALT);
  if (!alt) return NULL;
  append(alt, c);
  while (p->pos < p->len && p->src[p->pos] == '|') {
    p->pos++;
    c = parse_concat(p);
    if (!c) return NULL;
    append(alt, c);
  }
  return alt;
}

tally_status t_re_parse(const tally_allocator *alloc, t_arena *ar, const char *src, size_t len, unsigned flags,
                        t_re_parse_result *res, tally_error *err) {
  parser p = {0};
  p.alloc = alloc;
  p.ar = ar;
  p.src = src;
  p.len = len;
  p.flags = flags;
  p.res = res;
  p.err = err;
  res->root = NULL;
  res->ngroups = 0;
  ar->limit = (size_t)T_RE_MAX_TREE_MIB << 20;
  if (len > TALLY_REGEX_MAX_PATTERN) {
    fail(&p, TALLY_ERR_LIMIT, 0, "regular expression too long (%zu bytes; the limit is %d)", len,
         TALLY_REGEX_MAX_PATTERN);
    return p.status;
  }
  size_t bad = t_utf8_validate(src, len);
  if (bad < len) {
    fail(&p, TALLY_ERR_PARSE, bad, "invalid UTF-8 in the pattern");
    return p.status;
  }
  if (flags & TALLY_REGEX_LITERAL) {
    t_re_node *cat = new_node(&p, T_RE_N_CAT);
    while (cat && p.pos < len) {
      uint32_t c;
      p.pos += t_utf8_decode(src + p.pos, len - p.pos, &c);
      t_re_node *lit = literal(&p, c);
      if (!lit) break;
      append(cat, lit);
    }
    res->root = cat;
  } else {
    res->root = parse_alt(&p);
    if (res->root && p.pos < len) fail(&p, TALLY_ERR_PARSE, p.pos, "unexpected )");
  }
  t_vec_free(alloc, &p.tmp);
  t_vec_free(alloc, &p.cls);
  return p.status;
}
