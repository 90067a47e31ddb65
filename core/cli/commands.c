/*
** commands.c - the registry of CLI commands, in the order `tally --help`
** lists them.
**
** To add a command (say `ledger balance`):
**   1. in core/cli/cmd_ledger.c define it (see cmd.h and cmd_json.c):
**        static const t_flag_spec balance_flags[] = {{"--at", T_FLAG_VALUE, true}, {NULL}};
**        const t_cmd t_cmd_ledger_balance = {"ledger balance", balance_flags,
**                                            balance_start, balance_line, balance_finish, balance_destroy};
**   2. here, add one declaration and one line in the table:
**        extern const t_cmd t_cmd_ledger_balance;
**        &t_cmd_ledger_balance,
** Keep one line per command so that parallel edits merge cleanly.
*/
#include "cmd.h"

extern const t_cmd t_cmd_json_format;
extern const t_cmd t_cmd_cel_run;
extern const t_cmd t_cmd_cel_check;
extern const t_cmd t_cmd_bill;
extern const t_cmd t_cmd_price;
extern const t_cmd t_cmd_ledger_balance;
extern const t_cmd t_cmd_ledger_expand;
extern const t_cmd t_cmd_rules_eval;
extern const t_cmd t_cmd_rules_validate;
extern const t_cmd t_cmd_rules_tree;

const t_cmd *const t_cli_commands[] = {
  &t_cmd_json_format,
  &t_cmd_cel_run,
  &t_cmd_cel_check,
  &t_cmd_bill,
  &t_cmd_price,
  &t_cmd_ledger_balance,
  &t_cmd_ledger_expand,
  &t_cmd_rules_eval,
  &t_cmd_rules_validate,
  &t_cmd_rules_tree,
};

const size_t t_cli_command_count = T_ARRAY_LEN(t_cli_commands);
