/* A command's options, declared once: the same tables drive getopt_long and --help.
 *
 * A command names its own table, then the shared ones it takes (cli_config.h, cli_model.h,
 * cli_run.h, cli_search.h). np_cli_parse walks argv with getopt_long, so every command takes
 * --opt=value and --opt value, a unique prefix of a long name, and -- to end the options; it
 * hands each option to the command in command-line order and leaves the positionals. */
#ifndef NPUSIM_CLI_CLI_OPTIONS_H
#define NPUSIM_CLI_CLI_OPTIONS_H

#include <stdio.h>

typedef struct NpCliOption {
  const char *name;  /* the long name without "--"; NULL ends a table */
  int key;           /* handed to the command: a letter for an option with that short form
                        (-o), else NP_CLI_OWN + n, or a shared key (NP_CLI_SHARED and up) */
  const char *value; /* the value's name in --help ("FILE"); NULL for a flag */
  const char *help;  /* what it does; a '\n' starts a continuation line */
} NpCliOption;

/* Keys of a command's own long-only options start here; the shared tables' at NP_CLI_SHARED. */
enum { NP_CLI_OWN = 256, NP_CLI_SHARED = 1000 };

typedef struct NpCliCommand {
  const char *name;                 /* "run", "trace diff": in messages */
  const char *synopsis;             /* usage lines and what the command does, before the options */
  const NpCliOption *const *tables; /* NULL-terminated; -h/--help is added to the last */
  const char *epilogue;             /* after the options: examples, exit status; may be NULL */
} NpCliCommand;

/* Takes one option: value is NULL for a flag. Returns -1 to go on, or the exit code (after
 * printing why). */
typedef int (*NpCliTake)(void *user, int key, const char *value);

/* Parses argv[1..argc) (argv[0] names the command; argv may be permuted). -h/--help prints
 * the help and returns 0. An unknown option (with the nearest known one), an ambiguous
 * prefix, a missing value or a value given to a flag is a usage error: printed, 2.
 * Otherwise -1, with the positionals in order in argv[*first..argc). */
int np_cli_parse(const NpCliCommand *command, int argc, char **argv, NpCliTake take, void *user, int *first);

void np_cli_print_help(const NpCliCommand *command, FILE *out);

/* Prints "npusim NAME: MESSAGE" and a pointer to --help; returns NP_EXIT_BAD_INPUT. */
int np_cli_usage_error(const NpCliCommand *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
