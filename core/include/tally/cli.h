/*
** cli.h - the tally command-line tool as a library, for hosts.
**
** The whole CLI (argument parsing, usage errors, JSON Lines splitting, the
** per-line "json" errors, every command) lives in the core, so that the
** native tool and the WebAssembly one print the same bytes. A host only
** moves bytes:
**
**   tally_cli *cli = tally_cli_new(&alloc);
**   st = tally_cli_args(cli, argc - 1, argv + 1, &err);   // usage -> exit 2
**   for (i = 0; i < tally_cli_file_count(cli); i++)        // --rules FILE ...
**     tally_cli_file_set(cli, i, bytes, len);              // unreadable -> exit 2
**   st = tally_cli_start(cli, &err);                       // usage -> exit 2
**   while (tally_cli_wants_input(cli) && (n = read(...)))
**     tally_cli_feed(cli, chunk, n, &err), write(tally_cli_output(...)), tally_cli_output_clear(cli);
**   tally_cli_finish(cli, &err); write(tally_cli_output(...));
**   tally_cli_free(cli);
**
** Exit status: 0 when every line was processed (even with per-line errors),
** 2 for a usage error (the message goes to stderr, followed by
** tally_cli_usage), 1 when the run itself failed (out of memory).
*/
#ifndef TALLY_CLI_H
#define TALLY_CLI_H

#include "tally.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tally_cli tally_cli;

/* A new, empty run; NULL when out of memory. */
TALLY_API tally_cli *tally_cli_new(const tally_allocator *alloc);
TALLY_API void tally_cli_free(tally_cli *cli);

/*
** The arguments after the program name: command words, then flags
** ("--at 5", "--at=5", "--summary"), or "--help" / "--version". A usage
** error returns TALLY_ERR_USAGE with the reason in err.
*/
TALLY_API tally_status tally_cli_args(tally_cli *cli, int argc, const char *const *argv, tally_error *err);

/* The file flags given: the host reads each path and hands over the bytes. */
TALLY_API size_t tally_cli_file_count(const tally_cli *cli);
/* The path as given on the command line (NUL-terminated), or NULL. */
TALLY_API const char *tally_cli_file_path(const tally_cli *cli, size_t i);
/* The flag name of file i ("--rules"), or NULL. */
TALLY_API const char *tally_cli_file_flag(const tally_cli *cli, size_t i);
/* Copies the file's bytes; TALLY_ERR_NOMEM or TALLY_ERR_USAGE (bad i). */
TALLY_API tally_status tally_cli_file_set(tally_cli *cli, size_t i, const char *bytes, size_t len);

/* Starts the command (a bad flag value or file is TALLY_ERR_USAGE). */
TALLY_API tally_status tally_cli_start(tally_cli *cli, tally_error *err);

/* False for --help and --version: do not read stdin. */
TALLY_API bool tally_cli_wants_input(const tally_cli *cli);

/*
** Input bytes in chunks of any size; complete lines are processed at once
** and their output appended. Only running out of memory is an error.
*/
TALLY_API tally_status tally_cli_feed(tally_cli *cli, const char *bytes, size_t len, tally_error *err);
/* End of input: the last line without '\n', then the command's summary. */
TALLY_API tally_status tally_cli_finish(tally_cli *cli, tally_error *err);

/* The output produced so far (not NUL-terminated), and its reset. */
TALLY_API const char *tally_cli_output(const tally_cli *cli, size_t *len);
TALLY_API void tally_cli_output_clear(tally_cli *cli);

/* The usage text (NUL-terminated, owned by cli): commands and their flags. */
TALLY_API const char *tally_cli_usage(tally_cli *cli);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CLI_H */
