/*
** test_cli.c - the CLI dispatcher (core/cli/cli.c, tally/cli.h): argument
** and flag parsing, usage errors, JSON Lines splitting under any chunking,
** per-line errors, the command callbacks, and out-of-memory at every
** allocation. Uses a test registry (t_cli_use_commands) plus the real
** `json format` command.
*/
#include "check.h"
#include "tally/cli.h"
#include "cli/cmd.h"
#include "util/error.h"

extern const t_cmd t_cmd_json_format;

/* A test command: echoes flags at start, counts lines, sums at finish. */
typedef struct echo_state { uint64_t lines; } echo_state;

static tally_status echo_start(t_cli *cli, void **state, tally_error *err) {
  t_str at, file;
  bool has_at = t_cli_flag(cli, "--at", &at);
  if (has_at && at.len == 3 && memcmp(at.ptr, "bad", 3) == 0) {
    snprintf(err->message, sizeof err->message, "--at: not a time");
    return TALLY_ERR_INPUT;
  }
  echo_state *s = t_alloc(t_cli_alloc(cli), sizeof *s);
  if (!s) return TALLY_ERR_NOMEM;
  s->lines = 0;
  *state = s;
  t_buf *out = t_cli_out(cli);
  t_buf_printf(out, "{\"at\":\"%.*s\"", (int)at.len, at.ptr);
  if (t_cli_flag(cli, "--file", &file)) t_buf_printf(out, ",\"file\":\"%.*s\"", (int)file.len, file.ptr);
  t_buf_printf(out, ",\"summary\":%s}\n", t_cli_flag(cli, "--summary", NULL) ? "true" : "false");
  return TALLY_OK;
}

static void echo_line(t_cli *cli, void *state, const t_json *v, const char *text, size_t len, uint64_t line_no) {
  echo_state *s = state;
  if (s) s->lines++;
  if (v->type != T_JSON_OBJECT) {
    tally_error e;
    t_error_set(&e, TALLY_ERR_INPUT, "expected an object");
    t_cli_write_error(cli, &e, line_no, "\"field\":\"x\"");
    return;
  }
  CHECK_INT(t_cli_line_no(cli), line_no);
  CHECK(t_cli_line_arena(cli) != NULL);
  t_buf_printf(t_cli_out(cli), "{\"line\":%llu,\"text\":\"%.*s\"}\n", (unsigned long long)line_no, (int)len, text);
}

static void echo_finish(t_cli *cli, void *state) {
  echo_state *s = state;
  t_buf_printf(t_cli_out(cli), "{\"lines\":%llu}\n", (unsigned long long)s->lines);
}

static void echo_destroy(t_cli *cli, void *state) {
  t_free(t_cli_alloc(cli), state, sizeof(echo_state));
}

static const t_flag_spec echo_flags[] = {
  {"--at", T_FLAG_VALUE, true},
  {"--file", T_FLAG_FILE, false},
  {"--summary", T_FLAG_BOOL, false},
  {NULL, T_FLAG_BOOL, false},
};
static const t_cmd echo_cmd = {"test echo", echo_flags, echo_start, echo_line, echo_finish, echo_destroy};
static const t_cmd echo_short = {"test", NULL, NULL, echo_line, NULL, NULL};
static const t_cmd *const registry[] = {&t_cmd_json_format, &echo_cmd, &echo_short};

static check_alloc counter;
static tally_allocator alloc;

typedef struct run_result {
  tally_status args, start, feed, finish;
  char message[TALLY_ERROR_MESSAGE_MAX];
  char out[8192];
} run_result;

/*
** One run: argv (NULL-terminated), files handed over in order, input fed in
** chunks of `chunk` bytes (0 = all at once).
*/
static run_result run(const char **argv, const char **files, const char *input, size_t chunk) {
  static run_result r;
  memset(&r, 0, sizeof r);
  tally_error err;
  tally_cli *cli = tally_cli_new(&alloc);
  CHECK(cli != NULL);
  t_cli_use_commands(cli, registry, T_ARRAY_LEN(registry));
  int argc = 0;
  while (argv[argc]) argc++;
  size_t o = 0;
  r.args = tally_cli_args(cli, argc, argv, &err);
  if (r.args) { snprintf(r.message, sizeof r.message, "%s", err.message); goto done; }
  for (size_t i = 0; i < tally_cli_file_count(cli) && files && files[i]; i++)
    CHECK_INT(tally_cli_file_set(cli, i, files[i], strlen(files[i])), TALLY_OK);
  r.start = tally_cli_start(cli, &err);
  if (r.start) { snprintf(r.message, sizeof r.message, "%s", err.message); goto done; }
  size_t len = strlen(input), step = chunk ? chunk : (len ? len : 1);
  for (size_t at = 0; at < len && !r.feed; at += step) {
    r.feed = tally_cli_feed(cli, input + at, T_MIN(step, len - at), &err);
    size_t n;
    const char *out = tally_cli_output(cli, &n);
    if (o + n < sizeof r.out) { memcpy(r.out + o, out, n); o += n; }
    tally_cli_output_clear(cli);
  }
  if (!r.feed) r.finish = tally_cli_finish(cli, &err);
  size_t n;
  const char *out = tally_cli_output(cli, &n);
  if (o + n < sizeof r.out) { memcpy(r.out + o, out, n); o += n; }
  r.out[o] = 0;
done:
  tally_cli_free(cli);
  return r;
}

static void test_arguments(void) {
  run_result r;
  r = run((const char *[]){NULL}, NULL, "", 0);
  CHECK_INT(r.args, TALLY_ERR_USAGE);
  CHECK_STR(r.message, "missing command");
  r = run((const char *[]){"nope", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unknown command 'nope'");
  r = run((const char *[]){"json", "nope", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unknown command 'json nope' (did you mean: json format?)");
  r = run((const char *[]){"tes", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unknown command 'tes'");
  r = run((const char *[]){"test", "--at", "1", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unknown flag '--at' for 'test'");
  r = run((const char *[]){"--at", "1", NULL}, NULL, "", 0);
  CHECK_INT(r.args, TALLY_ERR_USAGE);
  r = run((const char *[]){"json", "format", "--at", "1", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unknown flag '--at' for 'json format'");
  r = run((const char *[]){"json", "format", "x", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "unexpected argument 'x' for 'json format'");
  r = run((const char *[]){"test", "echo", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "missing required flag --at for 'test echo'");
  r = run((const char *[]){"test", "echo", "--at", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "flag --at needs a value");
  r = run((const char *[]){"test", "echo", "--at", "1", "--at=2", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "flag --at given more than once");
  r = run((const char *[]){"test", "echo", "--at", "1", "--summary=yes", NULL}, NULL, "", 0);
  CHECK_STR(r.message, "flag --summary takes no value");
  /* The longest command name wins: "test echo" over "test". */
  r = run((const char *[]){"test", "echo", "--at=5", "--summary", NULL}, NULL, "", 0);
  CHECK_INT(r.args, TALLY_OK);
  CHECK(strstr(r.out, "\"at\":\"5\"") && strstr(r.out, "\"summary\":true"));
  r = run((const char *[]){"test", NULL}, NULL, "{}\n", 0);
  CHECK_STR(r.out, "{\"line\":1,\"text\":\"{}\"}\n");
  /* A value may look like a flag when given with "=" or after the flag. */
  r = run((const char *[]){"test", "echo", "--at", "--summary", NULL}, NULL, "", 0);
  CHECK(strstr(r.out, "\"at\":\"--summary\",\"summary\":false") != NULL);
  /* start() failing is a usage error with the command's message. */
  r = run((const char *[]){"test", "echo", "--at", "bad", NULL}, NULL, "", 0);
  CHECK_INT(r.start, TALLY_ERR_USAGE);
  CHECK_STR(r.message, "--at: not a time");
}

static void test_files(void) {
  run_result r;
  r = run((const char *[]){"test", "echo", "--at", "1", "--file", "f.json", NULL},
          (const char *[]){"FILE BYTES", NULL}, "", 0);
  CHECK_INT(r.start, TALLY_OK);
  CHECK(strstr(r.out, "\"file\":\"FILE BYTES\"") != NULL);
  /* A file the host did not hand over cannot start. */
  r = run((const char *[]){"test", "echo", "--at", "1", "--file", "f.json", NULL}, NULL, "", 0);
  CHECK_INT(r.start, TALLY_ERR_USAGE);
  CHECK_STR(r.message, "cannot read --file file 'f.json'");

  tally_cli *cli = tally_cli_new(&alloc);
  t_cli_use_commands(cli, registry, T_ARRAY_LEN(registry));
  tally_error err;
  const char *argv[] = {"test", "echo", "--file=a b.json", "--at", "0"};
  CHECK_INT(tally_cli_args(cli, 5, argv, &err), TALLY_OK);
  CHECK_INT(tally_cli_file_count(cli), 1);
  CHECK_STR(tally_cli_file_path(cli, 0), "a b.json");
  CHECK_STR(tally_cli_file_flag(cli, 0), "--file");
  CHECK(tally_cli_file_path(cli, 1) == NULL);
  CHECK_INT(tally_cli_file_set(cli, 1, "x", 1), TALLY_ERR_USAGE);
  CHECK_INT(tally_cli_file_set(cli, 0, "", 0), TALLY_OK);
  CHECK_INT(tally_cli_start(cli, &err), TALLY_OK);
  /* Feeding before start or after finish is refused. */
  CHECK_INT(tally_cli_finish(cli, &err), TALLY_OK);
  CHECK_INT(tally_cli_feed(cli, "{}\n", 3, &err), TALLY_ERR_USAGE);
  tally_cli_free(cli);
  tally_cli_free(NULL);
}

static void test_lines(void) {
  const char *input = "{\"a\": 1}\r\n\n  \t \r\n[1,\n\"x\"\n{\"b\":\"\xc3\xa9\"}";
  const char *want =
      "{\"at\":\"0\",\"summary\":false}\n"
      "{\"line\":1,\"text\":\"{\"a\": 1}\"}\n"
      "{\"error\":{\"kind\":\"json\",\"message\":\"unexpected end of input, expected a JSON value at column 4\",\"inputLine\":4}}\n"
      "{\"error\":{\"kind\":\"input\",\"message\":\"expected an object\",\"field\":\"x\",\"inputLine\":5}}\n"
      "{\"line\":6,\"text\":\"{\"b\":\"\xc3\xa9\"}\"}\n"
      "{\"lines\":3}\n";
  /* Every chunking gives the same bytes. */
  for (size_t chunk = 0; chunk <= strlen(input); chunk++) {
    run_result r = run((const char *[]){"test", "echo", "--at", "0", NULL}, NULL, input, chunk);
    if (strcmp(r.out, want) != 0) {
      fprintf(stderr, "chunk %zu:\n%s\n", chunk, r.out);
      CHECK_STR(r.out, want);
      break;
    }
    check_passed_++;
  }
  /* json format, the real command. */
  run_result r = run((const char *[]){"json", "format", NULL}, NULL, "[ 1 , {\"k\" : null} ]\n\"\\u00e9\"", 0);
  CHECK_STR(r.out, "[1,{\"k\":null}]\n\"\xc3\xa9\"\n");
  r = run((const char *[]){"json", "format", NULL}, NULL, "", 0);
  CHECK_STR(r.out, "");
  r = run((const char *[]){"json", "format", NULL}, NULL, "\n\n\r\n", 1);
  CHECK_STR(r.out, "");
  /* A line of 100,000 bytes across many chunks. */
  static char big[100010];
  big[0] = '"';
  memset(big + 1, 'z', 100000);
  memcpy(big + 100001, "\"\n", 3);
  r = run((const char *[]){"json", "format", NULL}, NULL, big, 4096);
  CHECK_INT(r.feed, TALLY_OK);
}

static void test_help(void) {
  tally_error err;
  tally_cli *cli = tally_cli_new(&alloc);
  t_cli_use_commands(cli, registry, T_ARRAY_LEN(registry));
  const char *argv[] = {"json", "--help"};
  CHECK_INT(tally_cli_args(cli, 2, argv, &err), TALLY_OK);
  CHECK(!tally_cli_wants_input(cli));
  CHECK_INT(tally_cli_start(cli, &err), TALLY_OK);
  size_t n;
  const char *out = tally_cli_output(cli, &n);
  CHECK(n > 0 && strstr(out, "usage: tally") != NULL);
  CHECK(strstr(tally_cli_usage(cli), "  test echo --at AT [--file FILE] [--summary]\n") != NULL);
  CHECK(strstr(tally_cli_usage(cli), "  json format\n") != NULL);
  tally_cli_free(cli);

  run_result r = run((const char *[]){"--version", NULL}, NULL, "ignored", 0);
  CHECK_STR(r.out, "tally " TALLY_VERSION "\n");
}

static void test_out_of_memory(void) {
  /* Fail each allocation in turn: a clean status, never a leak or crash. */
  const char *input = "{\"a\":[1,2,3]}\n[1,\n{}\n";
  int failures = 0;
  for (size_t fail = 1; fail < 60; fail++) {
    check_alloc c = {0};
    c.fail_at = fail;
    tally_allocator a = check_allocator(&c);
    tally_error err;
    tally_cli *cli = tally_cli_new(&a);
    if (cli) {
      t_cli_use_commands(cli, registry, T_ARRAY_LEN(registry));
      const char *argv[] = {"test", "echo", "--at", "1"};
      tally_status st = tally_cli_args(cli, 4, argv, &err);
      if (!st) st = tally_cli_start(cli, &err);
      if (!st) st = tally_cli_feed(cli, input, strlen(input), &err);
      if (!st) st = tally_cli_finish(cli, &err);
      if (st) {
        failures++;
        CHECK_INT(st, TALLY_ERR_NOMEM);
      }
      tally_cli_free(cli);
    }
    CHECK_INT(c.live_blocks, 0);
  }
  CHECK(failures > 0);
}

int main(void) {
  alloc = check_allocator(&counter);
  RUN(test_arguments);
  RUN(test_files);
  RUN(test_lines);
  RUN(test_help);
  RUN(test_out_of_memory);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_cli");
}
