/*
** cmd.h - the interface between the CLI dispatcher (cli.c) and one command
** ("cel run", "ledger balance", ...). The CLI's whole logic lives in the
** core, so the native tally and the WebAssembly tally.mjs give
** byte-identical output by construction: the hosts only move bytes.
**
** The dispatcher reads JSON Lines (a trailing \r ignored, blank lines
** skipped), answers a line that is not JSON with a "json" error itself, and
** hands each parsed line to the command. A command writes complete output
** lines (each ending in '\n') with the t_cli_* helpers.
*/
#ifndef TALLY_CLI_CMD_H
#define TALLY_CLI_CMD_H

#include "../util/base.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/json.h"

/* The same object as the public tally_cli (tally/cli.h). */
typedef struct tally_cli t_cli;

typedef enum t_flag_kind {
  T_FLAG_BOOL,   /* --summary                       */
  T_FLAG_VALUE,  /* --at 1000                       */
  T_FLAG_FILE    /* --rules FILE: the host reads the file and hands over
                    its bytes; unreadable is exit 2 (usage)            */
} t_flag_kind;

typedef struct t_flag_spec {
  const char *name;      /* "--at" */
  t_flag_kind kind;
  bool required;
} t_flag_spec;

typedef struct t_cmd {
  const char *name;           /* "ledger balance" (words joined by one space) */
  const t_flag_spec *flags;   /* terminated by {NULL} */
  /*
  ** Called once after the flags (and files) are in. A failure here is bad
  ** usage (exit 2): for example an invalid --rules file or a bad --at.
  */
  tally_status (*start)(t_cli *cli, void **state, tally_error *err);
  /* One input line, already parsed; line_no is 1-based. */
  void (*line)(t_cli *cli, void *state, const t_json *value, const char *text, size_t len, uint64_t line_no);
  /* After the last line: commands that aggregate write their output here. */
  void (*finish)(t_cli *cli, void *state);
  void (*destroy)(t_cli *cli, void *state);
} t_cmd;

/* The allocator of the run. */
TALLY_INTERNAL const tally_allocator *t_cli_alloc(t_cli *cli);
/* A per-line arena, reset by the dispatcher before each line. */
TALLY_INTERNAL t_arena *t_cli_line_arena(t_cli *cli);
/* The output buffer; a command appends whole lines. */
TALLY_INTERNAL t_buf *t_cli_out(t_cli *cli);
/* Flag lookup: value text (or file bytes) and whether it was given. */
TALLY_INTERNAL bool t_cli_flag(t_cli *cli, const char *name, t_str *value);

/*
** Writes {"error":{"kind":K,"message":M,"inputLine":N}} plus "line" and
** "column" when err has a position (err->line > 0). `extra`, when not NULL,
** is raw JSON members inserted after "message" (e.g. "\"ruleId\":\"x\"").
*/
TALLY_INTERNAL void t_cli_write_error(t_cli *cli, const tally_error *err, uint64_t line_no, const char *extra);

/*
** The registry (commands.c): every command of the tool, in usage order.
** To add one, see the comment at the top of commands.c.
*/
TALLY_INTERNAL extern const t_cmd *const t_cli_commands[];
TALLY_INTERNAL extern const size_t t_cli_command_count;

/* Replaces the registry for one run (tests); call before tally_cli_args. */
TALLY_INTERNAL void t_cli_use_commands(t_cli *cli, const t_cmd *const *cmds, size_t n);

/* The 1-based number of the input line being processed (0 in finish). */
TALLY_INTERNAL uint64_t t_cli_line_no(t_cli *cli);

#endif
