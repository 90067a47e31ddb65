/*
** lexer.h - CEL tokens (cel-spec langdef "Syntax"), and the decoding of
** literal tokens into values. The lexer only finds token extents; literal
** text is decoded on demand by the parser, which owns the arena.
**
**   t_cel_lexer lx;
**   t_cel_lex_init(&lx, src, len);
**   t_cel_token tk = t_cel_lex_next(&lx);   // T_TOK_EOF at the end
*/
#ifndef TALLY_CEL_LEXER_H
#define TALLY_CEL_LEXER_H

#include "../util/base.h"
#include "../util/mem.h"

/* ORDER TOKEN: t_cel_tok_kind and t_cel_tok_name (lexer.c) must agree. */
typedef enum t_cel_tok_kind {
  T_TOK_EOF,
  T_TOK_ERROR,       /* a character that starts no token, or a bad literal */
  T_TOK_IDENT,
  T_TOK_ESC_IDENT,   /* `field-name` */
  T_TOK_INT,
  T_TOK_UINT,
  T_TOK_DOUBLE,
  T_TOK_STRING,
  T_TOK_BYTES,
  T_TOK_TRUE,
  T_TOK_FALSE,
  T_TOK_NULL,
  T_TOK_IN,
  T_TOK_LPAREN,
  T_TOK_RPAREN,
  T_TOK_LBRACKET,
  T_TOK_RBRACKET,
  T_TOK_LBRACE,
  T_TOK_RBRACE,
  T_TOK_DOT,
  T_TOK_COMMA,
  T_TOK_COLON,
  T_TOK_QUESTION,
  T_TOK_PLUS,
  T_TOK_MINUS,
  T_TOK_STAR,
  T_TOK_SLASH,
  T_TOK_PERCENT,
  T_TOK_NOT,
  T_TOK_EQ,
  T_TOK_NE,
  T_TOK_LT,
  T_TOK_LE,
  T_TOK_GT,
  T_TOK_GE,
  T_TOK_AND,
  T_TOK_OR
} t_cel_tok_kind;

typedef struct t_cel_token {
  t_cel_tok_kind kind;
  size_t start, end;     /* byte range in the source */
  const char *error;     /* T_TOK_ERROR: what is wrong (static text) */
  size_t error_offset;   /* T_TOK_ERROR: where exactly */
} t_cel_token;

typedef struct t_cel_lexer {
  const char *src;
  size_t len;
  size_t pos;
} t_cel_lexer;

TALLY_INTERNAL void t_cel_lex_init(t_cel_lexer *lx, const char *src, size_t len);
TALLY_INTERNAL t_cel_token t_cel_lex_next(t_cel_lexer *lx);
/* A short human name of a token kind: "')'", "identifier", "end of input". */
TALLY_INTERNAL const char *t_cel_tok_name(t_cel_tok_kind k);

/* The words reserved by the language definition (not usable as names). */
TALLY_INTERNAL bool t_cel_is_reserved(t_str word);

/*
** Decoding of literal tokens. On failure each returns TALLY_ERR_PARSE and
** sets *msg (static text) and *at (byte offset of the fault).
*/
TALLY_INTERNAL tally_status t_cel_lit_int(const char *src, const t_cel_token *tk, bool negative, int64_t *out,
                                          const char **msg);
TALLY_INTERNAL tally_status t_cel_lit_uint(const char *src, const t_cel_token *tk, uint64_t *out,
                                           const char **msg);
TALLY_INTERNAL tally_status t_cel_lit_double(const char *src, const t_cel_token *tk, bool negative, double *out,
                                             const char **msg);
/* Strings (UTF-8 text) and bytes: quotes, prefixes and escapes processed. */
TALLY_INTERNAL tally_status t_cel_lit_string(t_arena *ar, const char *src, const t_cel_token *tk, t_str *out,
                                             const char **msg, size_t *at);

#endif
