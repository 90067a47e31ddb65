/*
** lexer.c - CEL lexical analysis and literal decoding, after the grammar of
** cel-spec's langdef.md (CEL.g4 in cel-go). Tokens are found with maximal
** munch, as the ANTLR lexer does, so `1.all` is INT DOT IDENT and `.5` is a
** DOUBLE.
*/
#include "lexer.h"
#include "../util/double.h"
#include "../util/utf8.h"

/* ORDER TOKEN */
static const char *const tok_names[] = {
  "end of input", "invalid token", "identifier", "escaped identifier", "integer literal",
  "unsigned integer literal", "double literal", "string literal", "bytes literal",
  "'true'", "'false'", "'null'", "'in'",
  "'('", "')'", "'['", "']'", "'{'", "'}'", "'.'", "','", "':'", "'?'",
  "'+'", "'-'", "'*'", "'/'", "'%'", "'!'",
  "'=='", "'!='", "'<'", "'<='", "'>'", "'>='", "'&&'", "'||'",
};

const char *t_cel_tok_name(t_cel_tok_kind k) {
  if ((size_t)k < T_ARRAY_LEN(tok_names)) return tok_names[k];
  return "token";
}

static const char *const reserved_words[] = {
  "as", "break", "const", "continue", "else", "for", "function", "if", "import",
  "let", "loop", "package", "namespace", "return", "var", "void", "while",
};

bool t_cel_is_reserved(t_str word) {
  for (size_t i = 0; i < T_ARRAY_LEN(reserved_words); i++)
    if (t_str_eq_cstr(word, reserved_words[i])) return true;
  return false;
}

void t_cel_lex_init(t_cel_lexer *lx, const char *src, size_t len) {
  lx->src = src;
  lx->len = len;
  lx->pos = 0;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_ident_start(int c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_ident_char(int c) { return is_ident_start(c) || is_digit(c); }

static int hex_val(int c) {
  if (c <= '9') return c - '0';
  if (c >= 'a') return c - 'a' + 10;
  return c - 'A' + 10;
}

/* Byte at i, or -1 past the end (so lookahead needs no bounds checks). */
static int at(const t_cel_lexer *lx, size_t i) {
  return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static t_cel_token tok(t_cel_tok_kind k, size_t start, size_t end) {
  t_cel_token t = {k, start, end, NULL, 0};
  return t;
}

static t_cel_token tok_error(size_t start, size_t end, const char *msg, size_t where) {
  t_cel_token t = {T_TOK_ERROR, start, end, msg, where};
  return t;
}

static size_t skip_space(const t_cel_lexer *lx, size_t p) {
  for (;;) {
    int c = at(lx, p);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') p++;
    else if (c == '/' && at(lx, p + 1) == '/') {
      while (p < lx->len && lx->src[p] != '\n') p++;
    } else return p;
  }
}

/* [eE][+-]?digits at p: its length, or 0. */
static size_t exponent_len(const t_cel_lexer *lx, size_t p) {
  int c = at(lx, p);
  if (c != 'e' && c != 'E') return 0;
  size_t q = p + 1;
  if (at(lx, q) == '+' || at(lx, q) == '-') q++;
  if (!is_digit(at(lx, q))) return 0;
  while (is_digit(at(lx, q))) q++;
  return q - p;
}

static t_cel_token lex_number(t_cel_lexer *lx, size_t s) {
  size_t p = s;
  if (at(lx, p) == '0' && at(lx, p + 1) == 'x' && is_hex(at(lx, p + 2))) {
    p += 2;
    while (is_hex(at(lx, p))) p++;
    if (at(lx, p) == 'u' || at(lx, p) == 'U') return lx->pos = p + 1, tok(T_TOK_UINT, s, p + 1);
    return lx->pos = p, tok(T_TOK_INT, s, p);
  }
  bool dbl = false;
  while (is_digit(at(lx, p))) p++;
  if (at(lx, p) == '.' && is_digit(at(lx, p + 1))) {
    dbl = true;
    p++;
    while (is_digit(at(lx, p))) p++;
  }
  size_t e = exponent_len(lx, p);
  if (e) dbl = true, p += e;
  if (dbl) return lx->pos = p, tok(T_TOK_DOUBLE, s, p);
  if (at(lx, p) == 'u' || at(lx, p) == 'U') return lx->pos = p + 1, tok(T_TOK_UINT, s, p + 1);
  return lx->pos = p, tok(T_TOK_INT, s, p);
}

/*
** A string or bytes literal starting at s (after any r/b prefix, at q).
** Escapes are only skipped here; t_cel_lit_string checks them.
*/
static t_cel_token lex_string(t_cel_lexer *lx, size_t s, size_t q, bool raw, bool bytes) {
  char quote = lx->src[q];
  bool triple = at(lx, q + 1) == quote && at(lx, q + 2) == quote;
  size_t p = q + (triple ? 3 : 1);
  t_cel_tok_kind kind = bytes ? T_TOK_BYTES : T_TOK_STRING;
  for (;;) {
    int c = at(lx, p);
    if (c < 0) {
      lx->pos = lx->len;
      return tok_error(s, lx->len, "unterminated string literal", s);
    }
    if (c == '\\' && !raw) {
      if (p + 1 >= lx->len) {
        lx->pos = lx->len;
        return tok_error(s, lx->len, "unterminated string literal", s);
      }
      p += 2;
      continue;
    }
    if (!triple && (c == '\n' || c == '\r')) {
      lx->pos = p;
      return tok_error(s, p, "unterminated string literal (a newline needs a triple-quoted string)", p);
    }
    if (c == quote) {
      if (!triple) return lx->pos = p + 1, tok(kind, s, p + 1);
      if (at(lx, p + 1) == quote && at(lx, p + 2) == quote) return lx->pos = p + 3, tok(kind, s, p + 3);
    }
    p++;
  }
}

t_cel_token t_cel_lex_next(t_cel_lexer *lx) {
  size_t s = skip_space(lx, lx->pos);
  lx->pos = s;
  int c = at(lx, s);
  if (c < 0) return tok(T_TOK_EOF, s, s);
  int n = at(lx, s + 1);

  /* String prefixes: r, b, rb, br in any case. */
  if (c == 'r' || c == 'R' || c == 'b' || c == 'B') {
    bool raw = c == 'r' || c == 'R', bytes = !raw;
    size_t q = s + 1;
    if (n == 'r' || n == 'R' || n == 'b' || n == 'B') {
      bool raw2 = n == 'r' || n == 'R';
      if (raw2 != raw) {
        raw = bytes = true;
        q = s + 2;
      }
    }
    if (at(lx, q) == '"' || at(lx, q) == '\'') return lex_string(lx, s, q, raw, bytes);
  }
  if (is_ident_start(c)) {
    size_t p = s + 1;
    while (is_ident_char(at(lx, p))) p++;
    lx->pos = p;
    t_str w = {lx->src + s, p - s};
    if (t_str_eq_cstr(w, "true")) return tok(T_TOK_TRUE, s, p);
    if (t_str_eq_cstr(w, "false")) return tok(T_TOK_FALSE, s, p);
    if (t_str_eq_cstr(w, "null")) return tok(T_TOK_NULL, s, p);
    if (t_str_eq_cstr(w, "in")) return tok(T_TOK_IN, s, p);
    return tok(T_TOK_IDENT, s, p);
  }
  if (is_digit(c) || (c == '.' && is_digit(n))) return lex_number(lx, s);
  if (c == '"' || c == '\'') return lex_string(lx, s, s, false, false);
  if (c == '`') {
    size_t p = s + 1;
    for (;;) {
      int d = at(lx, p);
      if (is_ident_char(d) || d == '.' || d == '-' || d == '/' || d == ' ') p++;
      else break;
    }
    if (at(lx, p) == '`' && p > s + 1) return lx->pos = p + 1, tok(T_TOK_ESC_IDENT, s, p + 1);
    lx->pos = p < lx->len ? p + 1 : p;
    return tok_error(s, lx->pos, "invalid escaped identifier (allowed: letters, digits, '_', '.', '-', '/', ' ')", p);
  }

  t_cel_tok_kind k;
  size_t w = 1;
  switch (c) {
    case '(': k = T_TOK_LPAREN; break;
    case ')': k = T_TOK_RPAREN; break;
    case '[': k = T_TOK_LBRACKET; break;
    case ']': k = T_TOK_RBRACKET; break;
    case '{': k = T_TOK_LBRACE; break;
    case '}': k = T_TOK_RBRACE; break;
    case '.': k = T_TOK_DOT; break;
    case ',': k = T_TOK_COMMA; break;
    case ':': k = T_TOK_COLON; break;
    case '?': k = T_TOK_QUESTION; break;
    case '+': k = T_TOK_PLUS; break;
    case '-': k = T_TOK_MINUS; break;
    case '*': k = T_TOK_STAR; break;
    case '/': k = T_TOK_SLASH; break;
    case '%': k = T_TOK_PERCENT; break;
    case '!':
      if (n == '=') k = T_TOK_NE, w = 2;
      else k = T_TOK_NOT;
      break;
    case '=':
      if (n != '=') goto bad;
      k = T_TOK_EQ, w = 2;
      break;
    case '<':
      if (n == '=') k = T_TOK_LE, w = 2;
      else k = T_TOK_LT;
      break;
    case '>':
      if (n == '=') k = T_TOK_GE, w = 2;
      else k = T_TOK_GT;
      break;
    case '&':
      if (n != '&') goto bad;
      k = T_TOK_AND, w = 2;
      break;
    case '|':
      if (n != '|') goto bad;
      k = T_TOK_OR, w = 2;
      break;
    default: goto bad;
  }
  lx->pos = s + w;
  return tok(k, s, s + w);

bad: {
    /* One whole code point, so the message can show the character. */
    uint32_t cp;
    size_t cl = t_utf8_decode(lx->src + s, lx->len - s, &cp);
    if (cl == 0) cl = 1;
    lx->pos = s + cl;
    const char *msg = "unexpected character";
    if (c == '&') msg = "unexpected character (did you mean '&&'?)";
    else if (c == '|') msg = "unexpected character (did you mean '||'?)";
    else if (c == '=') msg = "unexpected character (did you mean '=='?)";
    return tok_error(s, s + cl, msg, s);
  }
}

/*
** {======================================================
** Literal decoding
** =======================================================
*/

tally_status t_cel_lit_int(const char *src, const t_cel_token *tk, bool negative, int64_t *out, const char **msg) {
  const char *p = src + tk->start, *e = src + tk->end;
  unsigned base = 10;
  if (e - p > 2 && p[0] == '0' && p[1] == 'x') base = 16, p += 2;
  uint64_t v = 0, lim = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; p < e; p++) {
    uint64_t d = (uint64_t)hex_val((unsigned char)*p);
    if (v > (lim - d) / base) {
      *msg = "invalid int literal (out of the 64-bit range)";
      return TALLY_ERR_PARSE;
    }
    v = v * base + d;
  }
  if (negative) *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  else *out = (int64_t)v;
  return TALLY_OK;
}

tally_status t_cel_lit_uint(const char *src, const t_cel_token *tk, uint64_t *out, const char **msg) {
  const char *p = src + tk->start, *e = src + tk->end - 1; /* without the u */
  unsigned base = 10;
  if (e - p > 2 && p[0] == '0' && p[1] == 'x') base = 16, p += 2;
  uint64_t v = 0;
  for (; p < e; p++) {
    uint64_t d = (uint64_t)hex_val((unsigned char)*p);
    if (v > (UINT64_MAX - d) / base) {
      *msg = "invalid uint literal (out of the 64-bit range)";
      return TALLY_ERR_PARSE;
    }
    v = v * base + d;
  }
  *out = v;
  return TALLY_OK;
}

tally_status t_cel_lit_double(const char *src, const t_cel_token *tk, bool negative, double *out,
                              const char **msg) {
  double d;
  tally_status s = t_dbl_parse_all(src + tk->start, tk->end - tk->start, T_DBL_CEL, &d);
  if (s != TALLY_OK) {
    *msg = s == TALLY_ERR_RANGE ? "invalid double literal (out of range)" : "invalid double literal";
    return TALLY_ERR_PARSE;
  }
  *out = negative ? -d : d;
  return TALLY_OK;
}

static tally_status lit_fail(const char **msg, size_t *at_out, const char *m, size_t where) {
  *msg = m;
  *at_out = where;
  return TALLY_ERR_PARSE;
}

tally_status t_cel_lit_string(t_arena *ar, const char *src, const t_cel_token *tk, t_str *out, const char **msg,
                              size_t *at_out) {
  size_t p = tk->start;
  bool raw = false, bytes = tk->kind == T_TOK_BYTES;
  while (src[p] != '"' && src[p] != '\'') {
    if (src[p] == 'r' || src[p] == 'R') raw = true;
    p++;
  }
  char quote = src[p];
  size_t ql = (tk->end - p >= 6 && src[p + 1] == quote && src[p + 2] == quote) ? 3 : 1;
  size_t b = p + ql, e = tk->end - ql;
  /* Decoded text is never longer than the source text. */
  char *buf = t_arena_alloc(ar, e - b + 1);
  if (!buf) return TALLY_ERR_NOMEM;
  size_t n = 0;
  if (raw) {
    t_memcpy(buf, src + b, e - b);
    n = e - b;
  } else {
    size_t i = b;
    while (i < e) {
      unsigned char c = (unsigned char)src[i];
      if (c != '\\') {
        buf[n++] = (char)c;
        i++;
        continue;
      }
      size_t esc = i;
      int k = i + 1 < e ? (unsigned char)src[i + 1] : -1;
      i += 2;
      char simple = 0;
      switch (k) {
        case 'a': simple = '\a'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'v': simple = '\v'; break;
        case '\\': case '\'': case '"': case '`': case '?': simple = (char)k; break;
        default: break;
      }
      if (simple) {
        buf[n++] = simple;
        continue;
      }
      uint32_t v = 0;
      size_t digits = 0;
      bool is_code_point = true; /* else a raw byte (bytes literals) */
      if (k == 'x' || k == 'X') {
        digits = 2;
        is_code_point = !bytes;
      } else if (k == 'u') {
        digits = 4;
      } else if (k == 'U') {
        digits = 8;
      } else if (k >= '0' && k <= '3') {
        if (i + 1 < e && src[i] >= '0' && src[i] <= '7' && src[i + 1] >= '0' && src[i + 1] <= '7') {
          v = (uint32_t)((k - '0') * 64 + (src[i] - '0') * 8 + (src[i + 1] - '0'));
          i += 2;
        } else {
          return lit_fail(msg, at_out, "invalid octal escape (three octal digits, at most \\377)", esc);
        }
        if (bytes) {
          buf[n++] = (char)v;
        } else {
          n += t_utf8_encode(v, buf + n);
        }
        continue;
      } else {
        return lit_fail(msg, at_out, "invalid escape sequence", esc);
      }
      if (bytes && (k == 'u' || k == 'U'))
        return lit_fail(msg, at_out, "unicode escapes (\\u, \\U) are not allowed in bytes literals", esc);
      for (size_t d = 0; d < digits; d++, i++) {
        if (i >= e || !is_hex((unsigned char)src[i]))
          return lit_fail(msg, at_out, "invalid escape sequence (too few hex digits)", esc);
        v = v * 16 + (uint32_t)hex_val((unsigned char)src[i]);
      }
      if (!is_code_point) {
        buf[n++] = (char)v;
        continue;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return lit_fail(msg, at_out, "invalid unicode code point", esc);
      n += t_utf8_encode(v, buf + n);
    }
  }
  buf[n] = 0;
  out->ptr = buf;
  out->len = n;
  return TALLY_OK;
}

/* }====================================================== */
