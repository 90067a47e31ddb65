/*
** cmd_rules.c - `tally rules eval|validate|tree` (interfaces.md, "Sign-up rules").
*/
#include "cmd.h"
#include "../rules/engine.h"
#include "../rules/rules_json.h"
#include "../rules/ruleset.h"
#include "../rules/tree.h"
#include "../util/error.h"

/* ** {====== rules eval */

typedef struct eval_state {
  tally_rules *rules;
  tally_rules_scratch *scratch;
  bool summary;
  t_rules_summary sum;
} eval_state;

static tally_status eval_open(t_cli *cli, eval_state *s, t_str file, tally_error *err);
static void eval_destroy(t_cli *cli, void *state);

static tally_status eval_start(t_cli *cli, void **state, tally_error *err) {
  const tally_allocator *a = t_cli_alloc(cli);
  t_str file;
  if (!t_cli_flag(cli, "--rules", &file)) return t_error_set(err, TALLY_ERR_USAGE, "--rules FILE is required");
  eval_state *s = t_calloc(a, 1, sizeof *s);
  if (!s) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  tally_status st = eval_open(cli, s, file, err);
  if (st != TALLY_OK) {
    /* The dispatcher destroys only commands that started. */
    eval_destroy(cli, s);
    return st;
  }
  *state = s;
  return TALLY_OK;
}

static tally_status eval_open(t_cli *cli, eval_state *s, t_str file, tally_error *err) {
  const tally_allocator *a = t_cli_alloc(cli);
  t_str dummy;
  s->summary = t_cli_flag(cli, "--summary", &dummy);
  tally_error lerr;
  t_error_clear(&lerr);
  tally_status st = tally_rules_load(a, file.ptr, file.len, &s->rules, &lerr);
  if (st != TALLY_OK) {
    if (lerr.line) return t_error_set(err, TALLY_ERR_USAGE, "invalid rule set (--rules): %s at line %u, column %u",
                                      lerr.message, lerr.line, lerr.column);
    return t_error_set(err, TALLY_ERR_USAGE, "invalid rule set (--rules): %s", lerr.message);
  }
  if (tally_rules_scratch_new(a, &s->scratch) != TALLY_OK ||
      t_rules_summary_init(&s->sum, a, tally_rules_count(s->rules)) != TALLY_OK)
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

static void eval_line(t_cli *cli, void *state, const t_json *v, const char *text, size_t len, uint64_t line_no) {
  (void)text;
  (void)len;
  eval_state *s = state;
  tally_error err;
  t_error_clear(&err);
  tally_signup su;
  tally_rules_result r;
  tally_status st = t_rules_signup_from_json(v, &su, &err);
  if (st == TALLY_OK) st = tally_rules_eval(s->rules, s->scratch, &su, &r, &err);
  if (st != TALLY_OK) {
    t_cli_write_error(cli, &err, line_no, NULL);
    return;
  }
  if (s->summary) {
    t_rules_summary_add(&s->sum, &r);
    return;
  }
  t_buf *out = t_cli_out(cli);
  t_rules_write_result(out, s->rules, &r);
  t_buf_putc(out, '\n');
}

static void eval_finish(t_cli *cli, void *state) {
  eval_state *s = state;
  if (!s->summary) return;
  t_buf *out = t_cli_out(cli);
  tally_rules_summary view;
  t_rules_summary_view(&s->sum, &view);
  t_rules_summary_write(out, s->rules, &view);
  t_buf_putc(out, '\n');
}

static void eval_destroy(t_cli *cli, void *state) {
  eval_state *s = state;
  if (!s) return;
  const tally_allocator *a = t_cli_alloc(cli);
  if (s->sum.matched) t_rules_summary_free(&s->sum, a);
  tally_rules_scratch_free(s->scratch);
  tally_rules_free(s->rules);
  t_free(a, s, sizeof *s);
}

static const t_flag_spec EVAL_FLAGS[] = {
  {"--rules", T_FLAG_FILE, true},
  {"--summary", T_FLAG_BOOL, false},
  {NULL, T_FLAG_BOOL, false},
};

const t_cmd t_cmd_rules_eval = {"rules eval", EVAL_FLAGS, eval_start, eval_line, eval_finish, eval_destroy};

/* }====== */

/* ** {====== rules validate */

static tally_status none_start(t_cli *cli, void **state, tally_error *err) {
  (void)cli;
  (void)err;
  *state = NULL;
  return TALLY_OK;
}

static void validate_line(t_cli *cli, void *state, const t_json *v, const char *text, size_t len, uint64_t line_no) {
  (void)state;
  (void)v;
  const tally_allocator *a = t_cli_alloc(cli);
  t_rules_issues issues = {0};
  tally_rules *rs = NULL;
  tally_error err;
  t_error_clear(&err);
  tally_status st = t_rules_build(a, text, len, &rs, &issues, &err);
  tally_rules_free(rs);
  t_buf *out = t_cli_out(cli);
  if (st == TALLY_ERR_NOMEM || (st != TALLY_OK && issues.len == 0)) {
    t_cli_write_error(cli, &err, line_no, NULL);
  } else {
    t_rules_write_issues(out, &issues);
    t_buf_putc(out, '\n');
  }
  t_rules_issues_free(a, &issues);
}

static const t_flag_spec NO_FLAGS[] = {{NULL, T_FLAG_BOOL, false}};

const t_cmd t_cmd_rules_validate = {"rules validate", NO_FLAGS, none_start, validate_line, NULL, NULL};

/* }====== */

/* ** {====== rules tree */

static void tree_line(t_cli *cli, void *state, const t_json *v, const char *text, size_t len, uint64_t line_no) {
  (void)state;
  (void)text;
  (void)len;
  tally_error err;
  t_error_clear(&err);
  t_buf *out = t_cli_out(cli);
  const t_json *cond = v->type == T_JSON_OBJECT ? t_json_get(v, "condition") : NULL;
  const t_json *tree = v->type == T_JSON_OBJECT ? t_json_get(v, "tree") : NULL;
  if (cond && cond->type == T_JSON_STRING) {
    t_buf reason;
    t_buf_init(&reason, t_cli_alloc(cli));
    bool ok = false;
    size_t mark = out->len;
    t_buf_puts(out, "{\"tree\":");
    tally_status st = t_rules_cel_to_tree(t_cli_line_arena(cli), cond->u.str.ptr, cond->u.str.len, out, &ok,
                                          &reason, &err);
    if (st != TALLY_OK) {
      out->len = mark;
      t_cli_write_error(cli, &err, line_no, NULL);
    } else if (!ok) {
      out->len = mark;
      t_buf_puts(out, "{\"representable\":false,\"reason\":");
      t_json_write_string(out, reason.ptr ? reason.ptr : "", reason.len);
      t_buf_puts(out, "}\n");
    } else {
      t_buf_puts(out, "}\n");
    }
    t_buf_free(&reason);
    return;
  }
  if (tree && tree->type == T_JSON_OBJECT) {
    size_t mark = out->len;
    t_buf_puts(out, "{\"condition\":");
    t_buf cel;
    t_buf_init(&cel, t_cli_alloc(cli));
    tally_status st = t_rules_tree_to_cel(tree, &cel, &err);
    if (st != TALLY_OK) {
      out->len = mark;
      t_cli_write_error(cli, &err, line_no, NULL);
    } else {
      t_json_write_string(out, cel.ptr ? cel.ptr : "", cel.len);
      t_buf_puts(out, "}\n");
    }
    t_buf_free(&cel);
    return;
  }
  t_error_set(&err, TALLY_ERR_INPUT, "expected {\"condition\": \"...\"} or {\"tree\": {...}}");
  t_cli_write_error(cli, &err, line_no, NULL);
}

const t_cmd t_cmd_rules_tree = {"rules tree", NO_FLAGS, none_start, tree_line, NULL, NULL};

/* }====== */
