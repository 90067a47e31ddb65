/*
** cmd_json.c - `tally json format`: each line re-serialised compactly.
** It is the smallest command that exercises the whole pipeline (hosts,
** line splitting, the JSON reader and writer), so the golden tests and
** both hosts can be checked before any business command exists.
*/
#include "cmd.h"

static void json_format_line(t_cli *cli, void *state, const t_json *value, const char *text, size_t len,
                             uint64_t line_no) {
  (void)state; (void)text; (void)len; (void)line_no;
  t_buf *out = t_cli_out(cli);
  t_json_write_value(out, value);
  t_buf_putc(out, '\n');
}

static const t_flag_spec json_format_flags[] = {{NULL, T_FLAG_BOOL, false}};

const t_cmd t_cmd_json_format = {"json format", json_format_flags, NULL, json_format_line, NULL, NULL};
