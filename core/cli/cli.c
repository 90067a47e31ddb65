/*
** cli.c - the command-line dispatcher: arguments, flags, usage text, JSON
** Lines splitting and the per-line "json" errors. Commands (cmd.h) only see
** parsed lines; hosts (native/tally_main.c, js-bindings/bin/tally.mjs) only
** move bytes. Keeping every decision here is what makes the two tools print
** identical output.
*/
#include "tally/cli.h"
#include "cmd.h"
#include "../util/error.h"
#include "../util/utf8.h"

typedef struct cli_flag {
  const t_flag_spec *spec;
  bool given;
  bool loaded;     /* file bytes handed over */
  char *text;      /* value text, or file bytes once loaded */
  size_t len;
  char *path;      /* file flags: the path given */
} cli_flag;

typedef enum cli_mode { CLI_RUN, CLI_HELP, CLI_VERSION } cli_mode;

struct tally_cli {
  tally_allocator alloc;
  const t_cmd *cmd;
  const t_cmd *const *commands;  /* the registry (t_cli_commands unless a test swaps it) */
  size_t ncommands;
  cli_mode mode;
  cli_flag *flags;
  size_t nflags;
  void *state;
  bool started, finished;
  bool nomem;      /* a line ran out of memory: the run fails */
  uint64_t line_no;
  t_arena line_arena;
  t_buf out;
  t_buf pending;   /* a line split across feed chunks */
  t_buf usage;
};

#define CLI_LINE_ARENA_CHUNK 65536

tally_cli *tally_cli_new(const tally_allocator *alloc) {
  tally_cli *cli = t_alloc(alloc, sizeof *cli);
  if (!cli) return NULL;
  t_memset(cli, 0, sizeof *cli);
  cli->alloc = *alloc;
  cli->commands = t_cli_commands;
  cli->ncommands = t_cli_command_count;
  t_arena_init(&cli->line_arena, &cli->alloc, CLI_LINE_ARENA_CHUNK);
  t_buf_init(&cli->out, &cli->alloc);
  t_buf_init(&cli->pending, &cli->alloc);
  t_buf_init(&cli->usage, &cli->alloc);
  return cli;
}

static void cli__free_flags(tally_cli *cli) {
  for (size_t i = 0; i < cli->nflags; i++) {
    cli_flag *f = &cli->flags[i];
    if (f->text) t_free(&cli->alloc, f->text, f->len + 1);
    if (f->path) t_free(&cli->alloc, f->path, t_strlen(f->path) + 1);
  }
  t_free(&cli->alloc, cli->flags, cli->nflags * sizeof *cli->flags);
  cli->flags = NULL;
  cli->nflags = 0;
}

void tally_cli_free(tally_cli *cli) {
  if (!cli) return;
  if (cli->started && cli->cmd && cli->cmd->destroy) cli->cmd->destroy(cli, cli->state);
  cli__free_flags(cli);
  t_arena_free(&cli->line_arena);
  t_buf_free(&cli->out);
  t_buf_free(&cli->pending);
  t_buf_free(&cli->usage);
  tally_allocator a = cli->alloc;
  t_free(&a, cli, sizeof *cli);
}

/*
** {======================================================
** Arguments
** =======================================================
*/

/* Does argv[0..) start with the words of name? Returns the word count or 0. */
static int cli__match(const char *name, int argc, const char *const *argv) {
  int words = 0;
  const char *p = name;
  while (*p) {
    const char *e = p;
    while (*e && *e != ' ') e++;
    if (words >= argc) return 0;
    size_t n = (size_t)(e - p);
    if (t_strlen(argv[words]) != n || t_memcmp(argv[words], p, n) != 0) return 0;
    words++;
    p = *e ? e + 1 : e;
  }
  return words;
}

static bool cli__is(const char *arg, const char *lit) {
  size_t n = t_strlen(lit);
  return t_strlen(arg) == n && t_memcmp(arg, lit, n) == 0;
}

static tally_status cli__usage(tally_error *err, const char *fmt, const char *a, const char *b) {
  return t_error_set(err, TALLY_ERR_USAGE, fmt, a, b ? b : "");
}

/* Appends the commands whose first word is `word` to the message: a hint. */
static void cli__suggest(const tally_cli *cli, const char *word, tally_error *err) {
  if (!err) return;
  size_t n = t_strlen(err->message), wl = t_strlen(word);
  const char *sep = " (did you mean: ";
  for (size_t i = 0; i < cli->ncommands; i++) {
    const char *name = cli->commands[i]->name;
    if (t_strlen(name) <= wl || name[wl] != ' ' || t_memcmp(name, word, wl) != 0) continue;
    n += t_snprintf(err->message + n, sizeof err->message - n, "%s%s", sep, name);
    sep = ", ";
  }
  if (sep[0] == ',') t_snprintf(err->message + n, sizeof err->message - n, "?)");
}

tally_status tally_cli_args(tally_cli *cli, int argc, const char *const *argv, tally_error *err) {
  t_error_clear(err);
  if (cli->cmd || cli->mode != CLI_RUN) return t_error_set(err, TALLY_ERR_USAGE, "arguments already given");
  for (int i = 0; i < argc; i++) {
    if (cli__is(argv[i], "--help") || cli__is(argv[i], "-h") || (i == 0 && cli__is(argv[i], "help"))) {
      cli->mode = CLI_HELP;
      return TALLY_OK;
    }
  }
  if (argc >= 1 && cli__is(argv[0], "--version")) {
    cli->mode = CLI_VERSION;
    return TALLY_OK;
  }
  if (argc < 1) return t_error_set(err, TALLY_ERR_USAGE, "missing command");
  if (argv[0][0] == '-') return cli__usage(err, "expected a command before flag '%s'", argv[0], NULL);

  int best = 0;
  for (size_t i = 0; i < cli->ncommands; i++) {
    int n = cli__match(cli->commands[i]->name, argc, argv);
    if (n > best) { best = n; cli->cmd = cli->commands[i]; }
  }
  if (!cli->cmd) {
    if (argc >= 2 && argv[1][0] != '-') cli__usage(err, "unknown command '%s %s'", argv[0], argv[1]);
    else cli__usage(err, "unknown command '%s'%s", argv[0], NULL);
    cli__suggest(cli, argv[0], err);
    return TALLY_ERR_USAGE;
  }

  const t_cmd *cmd = cli->cmd;
  size_t n = 0;
  while (cmd->flags && cmd->flags[n].name) n++;
  if (n) {
    cli->flags = t_calloc(&cli->alloc, n, sizeof *cli->flags);
    if (!cli->flags) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    cli->nflags = n;
    for (size_t i = 0; i < n; i++) cli->flags[i].spec = &cmd->flags[i];
  }

  for (int i = best; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') return cli__usage(err, "unexpected argument '%s' for '%s'", arg, cmd->name);
    const char *eq = arg;
    while (*eq && *eq != '=') eq++;
    size_t name_len = (size_t)(eq - arg);
    cli_flag *f = NULL;
    for (size_t k = 0; k < cli->nflags; k++) {
      const char *fn = cli->flags[k].spec->name;
      if (t_strlen(fn) == name_len && t_memcmp(fn, arg, name_len) == 0) f = &cli->flags[k];
    }
    if (!f) {
      char name[64];
      t_snprintf(name, sizeof name, "%.*s", (int)T_MIN(name_len, 60), arg);
      return cli__usage(err, "unknown flag '%s' for '%s'", name, cmd->name);
    }
    if (f->given) return cli__usage(err, "flag %s given more than once", f->spec->name, NULL);
    f->given = true;
    if (f->spec->kind == T_FLAG_BOOL) {
      if (*eq) return cli__usage(err, "flag %s takes no value", f->spec->name, NULL);
      continue;
    }
    const char *val;
    if (*eq) val = eq + 1;
    else if (i + 1 < argc) val = argv[++i];
    else return cli__usage(err, "flag %s needs a value", f->spec->name, NULL);
    char *copy = t_strndup(&cli->alloc, val, t_strlen(val));
    if (!copy) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    if (f->spec->kind == T_FLAG_FILE) {
      f->path = copy;
    } else {
      f->text = copy;
      f->len = t_strlen(val);
    }
  }
  for (size_t k = 0; k < cli->nflags; k++)
    if (cli->flags[k].spec->required && !cli->flags[k].given)
      return cli__usage(err, "missing required flag %s for '%s'", cli->flags[k].spec->name, cmd->name);
  return TALLY_OK;
}

/* The i-th file flag that was given. */
static cli_flag *cli__file(const tally_cli *cli, size_t i) {
  for (size_t k = 0; k < cli->nflags; k++) {
    cli_flag *f = &cli->flags[k];
    if (f->spec->kind == T_FLAG_FILE && f->given) {
      if (i == 0) return f;
      i--;
    }
  }
  return NULL;
}

size_t tally_cli_file_count(const tally_cli *cli) {
  size_t n = 0;
  for (size_t k = 0; k < cli->nflags; k++)
    if (cli->flags[k].spec->kind == T_FLAG_FILE && cli->flags[k].given) n++;
  return n;
}

const char *tally_cli_file_path(const tally_cli *cli, size_t i) {
  cli_flag *f = cli__file(cli, i);
  return f ? f->path : NULL;
}

const char *tally_cli_file_flag(const tally_cli *cli, size_t i) {
  cli_flag *f = cli__file(cli, i);
  return f ? f->spec->name : NULL;
}

tally_status tally_cli_file_set(tally_cli *cli, size_t i, const char *bytes, size_t len) {
  cli_flag *f = cli__file(cli, i);
  if (!f) return TALLY_ERR_USAGE;
  char *copy = t_strndup(&cli->alloc, len ? bytes : "", len);
  if (!copy) return TALLY_ERR_NOMEM;
  if (f->text) t_free(&cli->alloc, f->text, f->len + 1);
  f->text = copy;
  f->len = len;
  f->loaded = true;
  return TALLY_OK;
}

tally_status tally_cli_start(tally_cli *cli, tally_error *err) {
  t_error_clear(err);
  if (cli->mode == CLI_HELP) {
    t_buf_puts(&cli->out, tally_cli_usage(cli));
    return cli->out.failed ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory") : TALLY_OK;
  }
  if (cli->mode == CLI_VERSION) {
    t_buf_puts(&cli->out, "tally " TALLY_VERSION "\n");
    return cli->out.failed ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory") : TALLY_OK;
  }
  if (!cli->cmd) return t_error_set(err, TALLY_ERR_USAGE, "no command");
  if (cli->started) return t_error_set(err, TALLY_ERR_USAGE, "already started");
  for (size_t k = 0; k < cli->nflags; k++) {
    cli_flag *f = &cli->flags[k];
    if (f->spec->kind == T_FLAG_FILE && f->given && !f->loaded)
      return t_error_set(err, TALLY_ERR_USAGE, "cannot read %s file '%s'", f->spec->name, f->path);
  }
  cli->state = NULL;
  if (cli->cmd->start) {
    tally_error local;
    tally_error *e = err ? err : &local;
    t_error_clear(e);
    tally_status st = cli->cmd->start(cli, &cli->state, e);
    if (st) {
      /* Any failure to start is bad usage, except running out of memory. */
      e->code = st == TALLY_ERR_NOMEM ? TALLY_ERR_NOMEM : TALLY_ERR_USAGE;
      if (!e->message[0])
        t_snprintf(e->message, sizeof e->message, st == TALLY_ERR_NOMEM ? "out of memory" : "cannot start '%s'",
                   cli->cmd->name);
      return e->code;
    }
  }
  cli->started = true;
  return TALLY_OK;
}

bool tally_cli_wants_input(const tally_cli *cli) {
  return cli->mode == CLI_RUN;
}

/*
** {======================================================
** JSON Lines
** =======================================================
*/

static bool cli__blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  return true;
}

static void cli__line(tally_cli *cli, const char *text, size_t len) {
  cli->line_no++;
  if (len && text[len - 1] == '\r') len--;
  if (cli__blank(text, len)) return;
  t_arena_reset(&cli->line_arena);
  t_json *v = NULL;
  tally_error e;
  t_error_clear(&e);
  tally_status st = t_json_parse(&cli->line_arena, text, len, NULL, &v, &e);
  if (st == TALLY_ERR_NOMEM) {
    cli->nomem = true;
    return;
  }
  if (st) {
    /* A JSON error's position is within the input line: say it in words. */
    tally_error shown = e;
    shown.line = shown.column = 0;
    shown.offset = 0;
    if (st == TALLY_ERR_JSON || st == TALLY_ERR_LIMIT)
      t_snprintf(shown.message, sizeof shown.message, "%s at column %u", e.message, (unsigned)e.column);
    t_cli_write_error(cli, &shown, cli->line_no, NULL);
    return;
  }
  cli->cmd->line(cli, cli->state, v, text, len, cli->line_no);
}

static tally_status cli__check_out(tally_cli *cli, tally_error *err) {
  if (cli->out.failed || cli->pending.failed || cli->nomem) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status tally_cli_feed(tally_cli *cli, const char *bytes, size_t len, tally_error *err) {
  t_error_clear(err);
  if (cli->mode != CLI_RUN) return TALLY_OK;
  if (!cli->started || cli->finished) return t_error_set(err, TALLY_ERR_USAGE, "the command is not running");
  while (len) {
    const char *nl = __builtin_memchr(bytes, '\n', len);
    if (!nl) {
      t_buf_append(&cli->pending, bytes, len);
      break;
    }
    size_t n = (size_t)(nl - bytes);
    if (cli->pending.len) {
      t_buf_append(&cli->pending, bytes, n);
      if (cli->pending.failed) break;
      cli__line(cli, cli->pending.ptr, cli->pending.len);
      cli->pending.len = 0;
    } else {
      cli__line(cli, bytes, n);
    }
    bytes += n + 1;
    len -= n + 1;
    if (cli->out.failed || cli->nomem) break;
  }
  return cli__check_out(cli, err);
}

tally_status tally_cli_finish(tally_cli *cli, tally_error *err) {
  t_error_clear(err);
  if (cli->mode != CLI_RUN) return TALLY_OK;
  if (!cli->started || cli->finished) return t_error_set(err, TALLY_ERR_USAGE, "the command is not running");
  if (cli->pending.len) {
    cli__line(cli, cli->pending.ptr, cli->pending.len);
    cli->pending.len = 0;
  }
  cli->finished = true;
  uint64_t last = cli->line_no;
  cli->line_no = 0;
  if (cli->cmd->finish) cli->cmd->finish(cli, cli->state);
  cli->line_no = last;
  return cli__check_out(cli, err);
}

const char *tally_cli_output(const tally_cli *cli, size_t *len) {
  *len = cli->out.len;
  return cli->out.ptr ? cli->out.ptr : "";
}

void tally_cli_output_clear(tally_cli *cli) {
  t_buf_clear(&cli->out);
}

const char *tally_cli_usage(tally_cli *cli) {
  t_buf *b = &cli->usage;
  t_buf_clear(b);
  t_buf_puts(b, "usage: tally <command> [flags] < input.jsonl > output.jsonl\n"
                "Reads JSON Lines on stdin, writes JSON Lines on stdout.\n\ncommands:\n");
  for (size_t i = 0; i < cli->ncommands; i++) {
    const t_cmd *c = cli->commands[i];
    t_buf_printf(b, "  %s", c->name);
    for (const t_flag_spec *f = c->flags; f && f->name; f++) {
      const char *open = f->required ? "" : "[", *close = f->required ? "" : "]";
      if (f->kind == T_FLAG_BOOL) t_buf_printf(b, " %s%s%s", open, f->name, close);
      else if (f->kind == T_FLAG_FILE) t_buf_printf(b, " %s%s FILE%s", open, f->name, close);
      else {
        t_buf_printf(b, " %s%s ", open, f->name);
        for (const char *p = f->name; *p; p++)
          if (*p != '-') t_buf_putc(b, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
        t_buf_puts(b, close);
      }
    }
    t_buf_putc(b, '\n');
  }
  t_buf_puts(b, "\nexit status: 0 when every line was processed (even with per-line errors),\n"
                "2 for bad usage (unknown command or flag, missing flag, unreadable file).\n");
  return t_buf_cstr(b);
}

/*
** {======================================================
** The command side (cmd.h)
** =======================================================
*/

const tally_allocator *t_cli_alloc(t_cli *cli) { return &cli->alloc; }
t_arena *t_cli_line_arena(t_cli *cli) { return &cli->line_arena; }
t_buf *t_cli_out(t_cli *cli) { return &cli->out; }
uint64_t t_cli_line_no(t_cli *cli) { return cli->line_no; }

void t_cli_use_commands(t_cli *cli, const t_cmd *const *cmds, size_t n) {
  cli->commands = cmds;
  cli->ncommands = n;
}

bool t_cli_flag(t_cli *cli, const char *name, t_str *value) {
  for (size_t k = 0; k < cli->nflags; k++) {
    cli_flag *f = &cli->flags[k];
    if (!t_str_eq_cstr((t_str){f->spec->name, t_strlen(f->spec->name)}, name)) continue;
    if (value) {
      value->ptr = f->text ? f->text : "";
      value->len = f->text ? f->len : 0;
    }
    return f->given;
  }
  if (value) { value->ptr = ""; value->len = 0; }
  return false;
}

void t_cli_write_error(t_cli *cli, const tally_error *err, uint64_t line_no, const char *extra) {
  t_buf *b = &cli->out;
  t_buf_puts(b, "{\"error\":{\"kind\":");
  t_json_write_string(b, tally_status_kind(err->code), t_strlen(tally_status_kind(err->code)));
  t_buf_puts(b, ",\"message\":");
  /*
  ** Messages may quote user input, cut at a byte limit: invalid bytes
  ** become U+FFFD so that the output line stays valid UTF-8.
  */
  char clean[TALLY_ERROR_MESSAGE_MAX * 3];
  size_t n = 0, mlen = t_strlen(err->message);
  for (size_t i = 0; i < mlen;) {
    uint32_t cp;
    size_t k = t_utf8_decode(err->message + i, mlen - i, &cp);
    if (k) { t_memcpy(clean + n, err->message + i, k); n += k; i += k; }
    else { t_memcpy(clean + n, "\xEF\xBF\xBD", 3); n += 3; i++; }
  }
  t_json_write_string(b, clean, n);
  if (extra && *extra) {
    t_buf_putc(b, ',');
    t_buf_puts(b, extra);
  }
  if (line_no) {
    t_buf_puts(b, ",\"inputLine\":");
    t_buf_put_u64(b, line_no);
  }
  if (err->line > 0) {
    t_buf_puts(b, ",\"line\":");
    t_buf_put_u64(b, err->line);
    t_buf_puts(b, ",\"column\":");
    t_buf_put_u64(b, err->column);
  }
  t_buf_puts(b, "}}\n");
}
