/*
** cmd_cel_check.c - `tally cel check`: each line {"expr", "type_env",
** "container"} is parsed and type-checked; the output is {"type": "<name>"}
** (cel-go's type names) or the first error, of kind "parse" or "check",
** with its line and column. A bad type_env is an "input" error. Besides
** the ident and function declarations of interfaces.md, type_env may
** declare object types: {"name": "tally.RiskScores", "kind": "object",
** "fields": {"bot": "int"}}.
** "cross_type_numeric_comparisons": false (optional) turns off ordering
** across int, uint and double, as cel-go's checker option of that name.
*/
#include "cmd.h"
#include "util/error.h"
#include "cel/checker.h"

static void cel_check_line(t_cli *cli, void *state, const t_json *line, const char *text, size_t len,
                           uint64_t line_no) {
  (void)state; (void)text; (void)len;
  tally_error err;
  t_error_clear(&err);
  tally_cel_checker *chk = NULL;
  tally_cel_check_result *res = NULL;
  tally_status st = TALLY_OK;
  const t_json *expr = t_json_get(line, "expr");
  const t_json *container = t_json_get(line, "container");
  if (line->type != T_JSON_OBJECT || !expr || expr->type != T_JSON_STRING) {
    st = t_error_set(&err, TALLY_ERR_INPUT, "a line must be an object with a string \"expr\"");
  } else if (container && container->type != T_JSON_NULL && container->type != T_JSON_STRING) {
    st = t_error_set(&err, TALLY_ERR_INPUT, "\"container\" must be a string");
  } else if (tally_cel_checker_new(t_cli_alloc(cli), &chk) != TALLY_OK) {
    st = t_error_set(&err, TALLY_ERR_NOMEM, "out of memory");
  }
  if (!st && container && container->type == T_JSON_STRING) {
    st = tally_cel_checker_set_container(chk, container->u.str.ptr, &err);
    if (st == TALLY_ERR_USAGE) err.code = st = TALLY_ERR_INPUT;
  }
  const t_json *cross = t_json_get(line, "cross_type_numeric_comparisons");
  if (!st && cross && cross->type == T_JSON_BOOL) tally_cel_checker_set_cross_type_comparisons(chk, cross->u.b);
  if (!st) st = t_cel_checker_declare_json(chk, t_json_get(line, "type_env"), &err);
  if (!st) st = tally_cel_check(chk, expr->u.str.ptr, expr->u.str.len, NULL, &res, &err);
  if (st) {
    t_cli_write_error(cli, &err, line_no, NULL);
  } else {
    t_buf *out = t_cli_out(cli);
    t_buf_puts(out, "{\"type\":");
    const char *name = tally_cel_check_result_type(res);
    t_json_write_string(out, name, t_strlen(name));
    t_buf_puts(out, "}\n");
  }
  tally_cel_check_result_free(res);
  tally_cel_checker_free(chk);
}

static const t_flag_spec cel_check_flags[] = {{NULL, T_FLAG_BOOL, false}};

const t_cmd t_cmd_cel_check = {"cel check", cel_check_flags, NULL, cel_check_line, NULL, NULL};
