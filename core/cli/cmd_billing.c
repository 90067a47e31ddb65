/*
** cmd_billing.c - `tally bill` (one statement request per line, one
** statement per line) and `tally price` (one {"units", "tiers"} per line,
** one {"price"} per line). Spec interfaces.md, "Billing"; the JSON work
** lives in core/billing/statement_json.c so that every host shares it.
** A line that cannot be computed (a conflicting key, a negative amount)
** gets its error line, and the next line goes on.
*/
#include "cmd.h"
#include "../billing/accum.h"

static const t_flag_spec no_flags[] = {{NULL, T_FLAG_BOOL, false}};

static void billing__line(t_cli *cli, const t_json *value, uint64_t line_no, bool bill) {
  t_buf *out = t_cli_out(cli);
  size_t mark = out->len;
  tally_error err;
  err.code = TALLY_OK;
  err.line = err.column = 0;
  err.offset = 0;
  err.message[0] = 0;
  tally_status s = bill ? t_bill_json_bill(t_cli_alloc(cli), t_cli_line_arena(cli), value, out, &err)
                        : t_bill_json_price(t_cli_line_arena(cli), value, out, &err);
  if (s) {
    if (!out->failed) out->len = mark;  /* drop a half-written line */
    err.line = err.column = 0;          /* input errors have no source position */
    t_cli_write_error(cli, &err, line_no, NULL);
    return;
  }
  t_buf_putc(out, '\n');
}

static void billing__bill(t_cli *cli, void *state, const t_json *value, const char *text, size_t len,
                          uint64_t line_no) {
  (void)state, (void)text, (void)len;
  billing__line(cli, value, line_no, true);
}

static void billing__price(t_cli *cli, void *state, const t_json *value, const char *text, size_t len,
                           uint64_t line_no) {
  (void)state, (void)text, (void)len;
  billing__line(cli, value, line_no, false);
}

const t_cmd t_cmd_bill = {"bill", no_flags, NULL, billing__bill, NULL, NULL};
const t_cmd t_cmd_price = {"price", no_flags, NULL, billing__price, NULL, NULL};
