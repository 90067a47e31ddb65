/*
** unparse.c - AST -> CEL text (see unparse.h). The printer works by
** precedence levels; a child is parenthesized only where the grammar
** would otherwise read it differently, including the parser's own
** rewrites: `-` before a number is folded into the literal and runs of
** `-`/`!` cancel, so a negation of a number or of a negation gets
** parentheses.
*/
#include "unparse.h"
#include "../util/double.h"
#include "../util/error.h"

/* Precedence levels, loosest first. */
enum { P_COND = 1, P_OR, P_AND, P_REL, P_ADD, P_MUL, P_UNARY, P_MEMBER };

typedef struct unparser {
  t_buf *b;
  const t_cel_ast *ast;
  tally_error *err;
  tally_status status;
} unparser;

static void fail(unparser *u, const char *msg) {
  if (u->status) return;
  u->status = t_error_set(u->err, TALLY_ERR_USAGE, "cannot write the expression as CEL: %s", msg);
}

static const t_cel_expr *macro_call(const unparser *u, const t_cel_expr *e) {
  /* Only these kinds are macro expansions (the optMap family gives a conditional). */
  bool maybe = e->kind == T_CEL_COMPREHENSION || (e->kind == T_CEL_SELECT && e->u.select.test_only) ||
               (e->kind == T_CEL_CALL && t_str_eq_cstr(e->u.call.function, "_?_:_"));
  if (!maybe) return NULL;
  for (size_t i = 0; i < u->ast->nmacro_calls; i++)
    if (u->ast->macro_calls[i].expr_id == e->id) return u->ast->macro_calls[i].call;
  return NULL;
}

typedef struct binop {
  const char *fn, *text;
  int prec;
} binop;

static const binop binops[] = {
  {"_||_", " || ", P_OR}, {"_&&_", " && ", P_AND},
  {"_<_", " < ", P_REL}, {"_<=_", " <= ", P_REL}, {"_>_", " > ", P_REL}, {"_>=_", " >= ", P_REL},
  {"_==_", " == ", P_REL}, {"_!=_", " != ", P_REL}, {"@in", " in ", P_REL},
  {"_+_", " + ", P_ADD}, {"_-_", " - ", P_ADD},
  {"_*_", " * ", P_MUL}, {"_/_", " / ", P_MUL}, {"_%_", " % ", P_MUL},
};

static const binop *find_binop(const t_cel_expr *e) {
  if (e->kind != T_CEL_CALL || e->u.call.target || e->u.call.nargs != 2) return NULL;
  for (size_t i = 0; i < T_ARRAY_LEN(binops); i++)
    if (t_str_eq_cstr(e->u.call.function, binops[i].fn)) return &binops[i];
  return NULL;
}

static bool is_call(const t_cel_expr *e, const char *fn, size_t nargs) {
  return e->kind == T_CEL_CALL && !e->u.call.target && e->u.call.nargs == nargs && t_str_eq_cstr(e->u.call.function, fn);
}

/* The precedence level at which a node prints. */
static int prec_of(const unparser *u, const t_cel_expr *e) {
  if (macro_call(u, e)) return P_MEMBER;
  if (e->kind != T_CEL_CALL) return P_MEMBER;
  if (is_call(e, "_?_:_", 3)) return P_COND;
  const binop *op = find_binop(e);
  if (op) return op->prec;
  if (is_call(e, "!_", 1) || is_call(e, "-_", 1)) return P_UNARY;
  return P_MEMBER;
}

static void node(unparser *u, const t_cel_expr *e);

static void child(unparser *u, const t_cel_expr *e, bool parens) {
  if (parens) t_buf_putc(u->b, '(');
  node(u, e);
  if (parens) t_buf_putc(u->b, ')');
}

static bool is_plain_ident(t_str s) {
  if (!s.len) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    bool alpha = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return !t_str_eq_cstr(s, "true") && !t_str_eq_cstr(s, "false") && !t_str_eq_cstr(s, "null") &&
         !t_str_eq_cstr(s, "in");
}

static void field_name(unparser *u, t_str f) {
  if (is_plain_ident(f)) {
    t_buf_append(u->b, f.ptr, f.len);
    return;
  }
  for (size_t i = 0; i < f.len; i++) {
    char c = f.ptr[i];
    bool ok = c == '_' || c == '.' || c == '-' || c == '/' || c == ' ' || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) {
      fail(u, "a field name has characters that backticks cannot quote");
      return;
    }
  }
  if (!f.len) {
    fail(u, "empty field name");
    return;
  }
  t_buf_putc(u->b, '`');
  t_buf_append(u->b, f.ptr, f.len);
  t_buf_putc(u->b, '`');
}

static void quote(unparser *u, t_str s, bool bytes) {
  static const char hex[] = "0123456789abcdef";
  if (bytes) t_buf_putc(u->b, 'b');
  t_buf_putc(u->b, '"');
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    switch (c) {
      case '\\': t_buf_puts(u->b, "\\\\"); continue;
      case '"': t_buf_puts(u->b, "\\\""); continue;
      case '\n': t_buf_puts(u->b, "\\n"); continue;
      case '\r': t_buf_puts(u->b, "\\r"); continue;
      case '\t': t_buf_puts(u->b, "\\t"); continue;
      default: break;
    }
    /* Text keeps its UTF-8 as is; bytes show everything non-ASCII as \x. */
    if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
      char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      t_buf_append(u->b, esc, 4);
    } else {
      t_buf_putc(u->b, (char)c);
    }
  }
  t_buf_putc(u->b, '"');
}

static void constant(unparser *u, const t_cel_expr *e) {
  char num[T_DBL_FMT_MAX];
  switch (e->u.c.kind) {
    case T_CEL_CONST_NULL: t_buf_puts(u->b, "null"); break;
    case T_CEL_CONST_BOOL: t_buf_puts(u->b, e->u.c.v.b ? "true" : "false"); break;
    case T_CEL_CONST_INT: t_buf_put_i64(u->b, e->u.c.v.i); break;
    case T_CEL_CONST_UINT:
      t_buf_put_u64(u->b, e->u.c.v.u);
      t_buf_putc(u->b, 'u');
      break;
    case T_CEL_CONST_DOUBLE: {
      double d = e->u.c.v.d;
      if (!t_dbl_is_finite(d)) {
        fail(u, "a non-finite double literal");
        return;
      }
      size_t n = t_dbl_format(d, &t_dbl_style_json, num);
      t_buf_append(u->b, num, n);
      /* "1" would read back as an int: keep it a double. */
      bool has_mark = false;
      for (size_t i = 0; i < n; i++)
        if (num[i] == '.' || num[i] == 'e' || num[i] == 'E') has_mark = true;
      if (!has_mark) t_buf_puts(u->b, ".0");
      break;
    }
    case T_CEL_CONST_STRING: quote(u, e->u.c.v.s, false); break;
    case T_CEL_CONST_BYTES: quote(u, e->u.c.v.s, true); break;
  }
}

/* A number the parser would fold a preceding '-' into. */
static bool is_number(const t_cel_expr *e) {
  return e->kind == T_CEL_CONST && (e->u.c.kind == T_CEL_CONST_INT || e->u.c.kind == T_CEL_CONST_DOUBLE);
}

/*
** Does e print starting with a number (its leftmost operand)? Then a '-'
** written before it would fold into that number.
*/
static bool starts_with_number(const unparser *u, const t_cel_expr *e) {
  for (;;) {
    const t_cel_expr *mc = macro_call(u, e);
    if (mc) {
      if (!mc->u.call.target) return false;
      e = mc->u.call.target;
    } else if (e->kind == T_CEL_SELECT && !e->u.select.test_only) {
      e = e->u.select.operand;
    } else if (e->kind == T_CEL_CALL && e->u.call.target) {
      e = e->u.call.target;
    } else if (is_call(e, "_[_]", 2) || is_call(e, "_[?_]", 2) || is_call(e, "_?._", 2)) {
      e = e->u.call.args[0];
    } else {
      return is_number(e);
    }
  }
}

static void args(unparser *u, t_cel_expr *const *a, size_t n) {
  t_buf_putc(u->b, '(');
  for (size_t i = 0; i < n; i++) {
    if (i) t_buf_puts(u->b, ", ");
    node(u, a[i]);
  }
  t_buf_putc(u->b, ')');
}

/* Operand of member access, call target or index: needs member level. */
static void operand(unparser *u, const t_cel_expr *e) { child(u, e, prec_of(u, e) < P_MEMBER); }

/*
** `&&`/`||`: collect the leaves of the chain; when the parser's balancing
** of those leaves gives this very tree, print them flat.
*/
static size_t count_leaves(const t_cel_expr *e, const char *fn) {
  if (!is_call(e, fn, 2)) return 1;
  return count_leaves(e->u.call.args[0], fn) + count_leaves(e->u.call.args[1], fn);
}

/* Does e have the shape the balancer builds for leaves lo..hi+1 (ops lo..hi)? */
static bool balanced_shape(const t_cel_expr *e, const char *fn, size_t lo, size_t hi) {
  if (!is_call(e, fn, 2)) return false;
  size_t mid = (lo + hi + 1) / 2;
  const t_cel_expr *l = e->u.call.args[0], *r = e->u.call.args[1];
  if (mid == lo ? is_call(l, fn, 2) : !balanced_shape(l, fn, lo, mid - 1)) return false;
  if (mid == hi ? is_call(r, fn, 2) : !balanced_shape(r, fn, mid + 1, hi)) return false;
  return true;
}

static void leaves(unparser *u, const t_cel_expr *e, const binop *op) {
  if (is_call(e, op->fn, 2)) {
    leaves(u, e->u.call.args[0], op);
    t_buf_puts(u->b, op->text);
    leaves(u, e->u.call.args[1], op);
    return;
  }
  child(u, e, prec_of(u, e) <= op->prec);
}

static void call(unparser *u, const t_cel_expr *e) {
  t_cel_expr *const *a = e->u.call.args;
  size_t n = e->u.call.nargs;
  const binop *op = find_binop(e);
  if (op && op->prec <= P_AND) {
    size_t nl = count_leaves(e, op->fn);
    if (balanced_shape(e, op->fn, 0, nl - 2)) {
      leaves(u, e, op);
    } else {
      child(u, a[0], prec_of(u, a[0]) <= op->prec);
      t_buf_puts(u->b, op->text);
      child(u, a[1], prec_of(u, a[1]) <= op->prec);
    }
    return;
  }
  if (op) {
    child(u, a[0], prec_of(u, a[0]) < op->prec);
    t_buf_puts(u->b, op->text);
    child(u, a[1], prec_of(u, a[1]) <= op->prec);
    return;
  }
  if (is_call(e, "_?_:_", 3)) {
    child(u, a[0], prec_of(u, a[0]) <= P_COND);
    t_buf_puts(u->b, " ? ");
    child(u, a[1], prec_of(u, a[1]) <= P_COND);
    t_buf_puts(u->b, " : ");
    node(u, a[2]);
    return;
  }
  if (is_call(e, "!_", 1) || is_call(e, "-_", 1)) {
    bool neg = e->u.call.function.ptr[0] == '-';
    t_buf_putc(u->b, neg ? '-' : '!');
    bool parens = prec_of(u, a[0]) < P_MEMBER || (neg && starts_with_number(u, a[0])) ||
                  (a[0]->kind == T_CEL_CALL && (is_call(a[0], "!_", 1) || is_call(a[0], "-_", 1)));
    child(u, a[0], parens);
    return;
  }
  if (is_call(e, "_[_]", 2) || is_call(e, "_[?_]", 2)) {
    operand(u, a[0]);
    t_buf_puts(u->b, e->u.call.function.ptr[2] == '?' ? "[?" : "[");
    node(u, a[1]);
    t_buf_putc(u->b, ']');
    return;
  }
  if (is_call(e, "_?._", 2) && a[1]->kind == T_CEL_CONST && a[1]->u.c.kind == T_CEL_CONST_STRING) {
    operand(u, a[0]);
    t_buf_puts(u->b, ".?");
    field_name(u, a[1]->u.c.v.s);
    return;
  }
  if (e->u.call.target) {
    operand(u, e->u.call.target);
    t_buf_putc(u->b, '.');
  }
  t_buf_append(u->b, e->u.call.function.ptr, e->u.call.function.len);
  args(u, a, n);
}


/*
** The identifiers "@it:i:j" and "@ac:i:j" are what the parser makes of
** cel.iterVar(i, j) and cel.accuVar(i, j) (the block extension's names):
** they are written back in that form, which parses again.
*/
static void unparse_ident(unparser *u, t_str name) {
  if (name.len > 4 && name.ptr[0] == '@' && (name.ptr[1] == 'i' || name.ptr[1] == 'a') && name.ptr[3] == ':') {
    const char *colon = NULL;
    for (size_t i = 4; i < name.len; i++)
      if (name.ptr[i] == ':') { colon = name.ptr + i; break; }
    if (colon) {
      t_buf_puts(u->b, name.ptr[1] == 'i' ? "cel.iterVar(" : "cel.accuVar(");
      t_buf_append(u->b, name.ptr + 4, (size_t)(colon - (name.ptr + 4)));
      t_buf_puts(u->b, ", ");
      t_buf_append(u->b, colon + 1, (size_t)(name.ptr + name.len - colon - 1));
      t_buf_putc(u->b, ')');
      return;
    }
  }
  t_buf_append(u->b, name.ptr, name.len);
}

static void node(unparser *u, const t_cel_expr *e) {
  if (u->status) return;
  const t_cel_expr *mc = macro_call(u, e);
  if (mc) {
    if (mc->u.call.target) {
      operand(u, mc->u.call.target);
      t_buf_putc(u->b, '.');
    }
    t_buf_append(u->b, mc->u.call.function.ptr, mc->u.call.function.len);
    args(u, mc->u.call.args, mc->u.call.nargs);
    return;
  }
  switch (e->kind) {
    case T_CEL_CONST: constant(u, e); break;
    case T_CEL_IDENT: unparse_ident(u, e->u.ident.name); break;
    case T_CEL_SELECT:
      if (e->u.select.test_only) {
        t_buf_puts(u->b, "has(");
        operand(u, e->u.select.operand);
        t_buf_putc(u->b, '.');
        field_name(u, e->u.select.field);
        t_buf_putc(u->b, ')');
        break;
      }
      operand(u, e->u.select.operand);
      t_buf_puts(u->b, e->u.select.optional ? ".?" : ".");
      field_name(u, e->u.select.field);
      break;
    case T_CEL_CALL: call(u, e); break;
    case T_CEL_LIST:
      t_buf_putc(u->b, '[');
      for (size_t i = 0; i < e->u.list.nelems; i++) {
        if (i) t_buf_puts(u->b, ", ");
        for (size_t k = 0; k < e->u.list.noptional; k++)
          if (e->u.list.optional_indices[k] == i) t_buf_putc(u->b, '?');
        node(u, e->u.list.elems[i]);
      }
      t_buf_putc(u->b, ']');
      break;
    case T_CEL_MAP: case T_CEL_STRUCT:
      if (e->kind == T_CEL_STRUCT) t_buf_append(u->b, e->u.map.message_name.ptr, e->u.map.message_name.len);
      t_buf_putc(u->b, '{');
      for (size_t i = 0; i < e->u.map.nentries; i++) {
        const t_cel_entry *en = &e->u.map.entries[i];
        if (i) t_buf_puts(u->b, ", ");
        if (en->optional) t_buf_putc(u->b, '?');
        if (e->kind == T_CEL_STRUCT) field_name(u, en->field);
        else node(u, en->key);
        t_buf_puts(u->b, ": ");
        node(u, en->value);
      }
      t_buf_putc(u->b, '}');
      break;
    case T_CEL_COMPREHENSION: fail(u, "a comprehension that is not a macro call"); break;
  }
}

tally_status t_cel_unparse_expr(t_buf *b, const t_cel_ast *ast, const t_cel_expr *e, tally_error *err) {
  unparser u = {b, ast, err, TALLY_OK};
  node(&u, e);
  if (u.status) return u.status;
  if (b->failed) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status t_cel_unparse(t_buf *b, const t_cel_ast *ast, tally_error *err) {
  return t_cel_unparse_expr(b, ast, ast->root, err);
}
