/*
** debug.c - cel-go's debug string of an AST, as written by cel-go's
** parser tests and by @bufbuild/cel-spec's toDebugString with the
** KindAdorner, which is what the cel-spec parsing cases expect. Macros
** print as their expansion (__comprehension__), as there.
*/
#include "debug.h"
#include "../util/double.h"
#include "../util/utf8.h"

typedef struct writer {
  t_buf *b;
  int indent;
  bool line_start;
  bool adorn;
} writer;

static void w_append(writer *w, const char *s, size_t n) {
  if (w->line_start) {
    w->line_start = false;
    for (int i = 0; i < w->indent; i++) t_buf_append(w->b, "  ", 2);
  }
  t_buf_append(w->b, s, n);
}

static void w_puts(writer *w, const char *s) { w_append(w, s, t_strlen(s)); }
static void w_str(writer *w, t_str s) { w_append(w, s.ptr ? s.ptr : "", s.len); }

static void w_line(writer *w) {
  t_buf_putc(w->b, '\n');
  w->line_start = true;
}

static const char *kind_name(const t_cel_expr *e) {
  switch (e->kind) {
    case T_CEL_CONST:
      switch (e->u.c.kind) {
        case T_CEL_CONST_NULL: return "*expr.Constant_NullValue";
        case T_CEL_CONST_BOOL: return "*expr.Constant_BoolValue";
        case T_CEL_CONST_INT: return "*expr.Constant_Int64Value";
        case T_CEL_CONST_UINT: return "*expr.Constant_Uint64Value";
        case T_CEL_CONST_DOUBLE: return "*expr.Constant_DoubleValue";
        case T_CEL_CONST_STRING: return "*expr.Constant_StringValue";
        case T_CEL_CONST_BYTES: return "*expr.Constant_BytesValue";
      }
      break;
    case T_CEL_IDENT: return "*expr.Expr_IdentExpr";
    case T_CEL_SELECT: return e->u.select.optional ? "*expr.Expr_CallExpr" : "*expr.Expr_SelectExpr";
    case T_CEL_CALL: return "*expr.Expr_CallExpr";
    case T_CEL_LIST: return "*expr.Expr_ListExpr";
    case T_CEL_MAP: case T_CEL_STRUCT: return "*expr.Expr_StructExpr";
    case T_CEL_COMPREHENSION: return "*expr.Expr_ComprehensionExpr";
  }
  return "?";
}

static void adorn(writer *w, const char *kind) {
  if (!w->adorn) return;
  w_puts(w, "^#");
  w_puts(w, kind);
  w_puts(w, "#");
}

/* The escape of one byte or ASCII code point, as cel-go's quoting. */
static void escape_byte(writer *w, unsigned v) {
  char tmp[8];
  switch (v) {
    case 0x07: w_puts(w, "\\a"); return;
    case 0x08: w_puts(w, "\\b"); return;
    case 0x09: w_puts(w, "\\t"); return;
    case 0x0a: w_puts(w, "\\n"); return;
    case 0x0b: w_puts(w, "\\v"); return;
    case 0x0c: w_puts(w, "\\f"); return;
    case 0x0d: w_puts(w, "\\r"); return;
    case 0x22: w_puts(w, "\\\""); return;
    case 0x5c: w_puts(w, "\\\\"); return;
    default: break;
  }
  static const char hex[] = "0123456789abcdef";
  tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hex[(v >> 4) & 15], tmp[3] = hex[v & 15];
  w_append(w, tmp, 4);
}

/*
** Printable as in the reference (letters, marks within text, numbers,
** symbols, punctuation, the ASCII space): an approximation that escapes
** controls, format characters, separators other than ' ', and noncharacters.
*/
static bool printable(uint32_t c) {
  if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0)) return false;
  if (c == '\\' || c == '"') return false;
  if (c == 0xad || c == 0x1680 || c == 0x180e || (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
      (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) || c == 0xfffd)
    return false;
  if ((c & 0xfffe) == 0xfffe || (c >= 0xfdd0 && c <= 0xfdef)) return false;
  if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000) return false; /* private use */
  return true;
}

static void quote_string(writer *w, t_str s) {
  w_puts(w, "\"");
  size_t i = 0;
  while (i < s.len) {
    uint32_t cp;
    size_t n = t_utf8_decode(s.ptr + i, s.len - i, &cp);
    if (n == 0) n = 1, cp = 0xfffd;
    if (printable(cp)) {
      w_append(w, s.ptr + i, n);
    } else if (cp < 0x80) {
      escape_byte(w, cp);
    } else {
      static const char hex[] = "0123456789abcdef";
      char tmp[12];
      int digits = cp < 0x10000 ? 4 : 8;
      tmp[0] = '\\', tmp[1] = digits == 4 ? 'u' : 'U';
      for (int d = 0; d < digits; d++) tmp[2 + d] = hex[(cp >> (4 * (digits - 1 - d))) & 15];
      w_append(w, tmp, (size_t)(2 + digits));
    }
    i += n;
  }
  w_puts(w, "\"");
}

static void quote_bytes(writer *w, t_str s) {
  w_puts(w, "b\"");
  size_t i = 0;
  while (i < s.len) {
    uint32_t cp;
    size_t n = t_utf8_decode(s.ptr + i, s.len - i, &cp);
    if (n > 0 && printable(cp)) {
      w_append(w, s.ptr + i, n);
      i += n;
    } else {
      escape_byte(w, (unsigned char)s.ptr[i]);
      i++;
    }
  }
  w_puts(w, "\"");
}

/* JavaScript's digits below 1e6, exponent form (two exponent digits at least) above. */
static void format_double(writer *w, double v) {
  char out[T_DBL_FMT_MAX];
  double mag = v < 0 ? -v : v;
  if (!t_dbl_is_finite(v) || mag < 1e6) {
    size_t n = t_dbl_format(v, &t_dbl_style_json, out);
    w_append(w, out, n);
    return;
  }
  char digits[17];
  int point;
  int nd = t_dbl_shortest(v, digits, &point);
  size_t k = 0;
  if (v < 0) out[k++] = '-';
  out[k++] = digits[0];
  if (nd > 1) {
    out[k++] = '.';
    for (int i = 1; i < nd; i++) out[k++] = digits[i];
  }
  out[k++] = 'e';
  out[k++] = '+';
  int x = point - 1;
  if (x < 10) out[k++] = '0';
  char num[8];
  size_t m = t_fmt_i64(num, x);
  for (size_t i = 0; i < m; i++) out[k++] = num[i];
  w_append(w, out, k);
}

static void constant(writer *w, const t_cel_expr *e) {
  char num[32];
  switch (e->u.c.kind) {
    case T_CEL_CONST_NULL: w_puts(w, "null"); break;
    case T_CEL_CONST_BOOL: w_puts(w, e->u.c.v.b ? "true" : "false"); break;
    case T_CEL_CONST_INT: w_append(w, num, t_fmt_i64(num, e->u.c.v.i)); break;
    case T_CEL_CONST_UINT:
      w_append(w, num, t_fmt_u64(num, e->u.c.v.u));
      w_puts(w, "u");
      break;
    case T_CEL_CONST_DOUBLE: format_double(w, e->u.c.v.d); break;
    case T_CEL_CONST_STRING: quote_string(w, e->u.c.v.s); break;
    case T_CEL_CONST_BYTES: quote_bytes(w, e->u.c.v.s); break;
  }
}

static void expr(writer *w, const t_cel_expr *e);

static void call_args(writer *w, t_cel_expr *const *args, size_t n) {
  w_puts(w, "(");
  if (n) {
    w->indent++;
    w_line(w);
    for (size_t i = 0; i < n; i++) {
      if (i) {
        w_puts(w, ",");
        w_line(w);
      }
      expr(w, args[i]);
    }
    w->indent--;
    w_line(w);
  }
  w_puts(w, ")");
}

static void comprehension(writer *w, const t_cel_expr *e) {
  w_puts(w, "__comprehension__(");
  w->indent++;
  w_line(w);
  w_puts(w, "// Variable");
  w_line(w);
  w_str(w, e->u.comp.iter_var);
  w_puts(w, ",");
  w_line(w);
  if (e->u.comp.iter_var2.len) {
    w_puts(w, "// Variable2");
    w_line(w);
    w_str(w, e->u.comp.iter_var2);
    w_puts(w, ",");
    w_line(w);
  }
  w_puts(w, "// Target");
  w_line(w);
  expr(w, e->u.comp.iter_range);
  w_puts(w, ",");
  w_line(w);
  w_puts(w, "// Accumulator");
  w_line(w);
  w_str(w, e->u.comp.accu_var);
  w_puts(w, ",");
  w_line(w);
  w_puts(w, "// Init");
  w_line(w);
  expr(w, e->u.comp.accu_init);
  w_puts(w, ",");
  w_line(w);
  w_puts(w, "// LoopCondition");
  w_line(w);
  expr(w, e->u.comp.loop_cond);
  w_puts(w, ",");
  w_line(w);
  w_puts(w, "// LoopStep");
  w_line(w);
  expr(w, e->u.comp.loop_step);
  w_puts(w, ",");
  w_line(w);
  w_puts(w, "// Result");
  w_line(w);
  expr(w, e->u.comp.result);
  w_puts(w, ")");
  w->indent--;
}

static void expr(writer *w, const t_cel_expr *e) {
  switch (e->kind) {
    case T_CEL_CONST: constant(w, e); break;
    case T_CEL_IDENT: w_str(w, e->u.ident.name); break;
    case T_CEL_SELECT:
      if (e->u.select.optional) {
        /* cel-go's AST form: _?._(operand, "field") */
        w_puts(w, "_?._(");
        w->indent++;
        w_line(w);
        expr(w, e->u.select.operand);
        w_puts(w, ",");
        w_line(w);
        quote_string(w, e->u.select.field);
        adorn(w, "*expr.Constant_StringValue");
        w->indent--;
        w_line(w);
        w_puts(w, ")");
        break;
      }
      expr(w, e->u.select.operand);
      w_puts(w, ".");
      w_str(w, e->u.select.field);
      if (e->u.select.test_only) w_puts(w, "~test-only~");
      break;
    case T_CEL_CALL:
      if (e->u.call.target) {
        expr(w, e->u.call.target);
        w_puts(w, ".");
      }
      w_str(w, e->u.call.function);
      call_args(w, e->u.call.args, e->u.call.nargs);
      break;
    case T_CEL_LIST:
      w_puts(w, "[");
      if (e->u.list.nelems) {
        w_line(w);
        w->indent++;
        for (size_t i = 0; i < e->u.list.nelems; i++) {
          if (i) {
            w_puts(w, ",");
            w_line(w);
          }
          for (size_t k = 0; k < e->u.list.noptional; k++)
            if (e->u.list.optional_indices[k] == i) w_puts(w, "?");
          expr(w, e->u.list.elems[i]);
        }
        w->indent--;
        w_line(w);
      }
      w_puts(w, "]");
      break;
    case T_CEL_MAP: case T_CEL_STRUCT:
      if (e->kind == T_CEL_STRUCT) w_str(w, e->u.map.message_name);
      w_puts(w, "{");
      if (e->u.map.nentries) {
        w_line(w);
        w->indent++;
        for (size_t i = 0; i < e->u.map.nentries; i++) {
          const t_cel_entry *en = &e->u.map.entries[i];
          if (i) {
            w_puts(w, ",");
            w_line(w);
          }
          if (en->optional) w_puts(w, "?");
          if (e->kind == T_CEL_STRUCT) w_str(w, en->field);
          else expr(w, en->key);
          w_puts(w, ":");
          expr(w, en->value);
          adorn(w, "*expr.Expr_CreateStruct_Entry");
        }
        w->indent--;
        w_line(w);
      }
      w_puts(w, "}");
      break;
    case T_CEL_COMPREHENSION: comprehension(w, e); break;
  }
  adorn(w, kind_name(e));
}

void t_cel_debug_string(t_buf *b, const t_cel_expr *e, bool adorn_kinds) {
  writer w = {b, 0, true, adorn_kinds};
  expr(&w, e);
}
