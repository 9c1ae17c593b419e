/* The options every config-taking command shares: --config FILE and --set key.path=value.
 *
 * A command collects them while it walks argv (np_cli_config_option), then loads the
 * effective config with np_cli_load_config: the file (or the embedded phone-NPU default
 * when no --config is given) with every --set applied in order on top. */
#ifndef NPUSIM_CLI_CLI_CONFIG_H
#define NPUSIM_CLI_CLI_CONFIG_H

#include <stddef.h>

#include "arch/arch.h"

typedef struct NpConfigOptions {
  const char *config_path; /* NULL: the embedded default */
  const char **sets;       /* "key.path=value", in command-line order */
  size_t n_sets, sets_capacity;
} NpConfigOptions;

/* Help lines for these options, to paste into a command's --help. */
extern const char np_cli_config_help[];

/* Looks at argv[*i]: when it is --config/--set (also --config=F, --set=k=v), records it,
 * advances *i past its value and returns 1; returns 0 when it is another argument; prints a
 * usage error to stderr and returns -1 when the option is malformed (missing value, a second
 * --config). */
int np_cli_config_option(NpConfigOptions *options, int argc, char **argv, int *i);

/* Loads the effective config into *arch. Returns 0, or prints every error to stderr and
 * returns NP_EXIT_BAD_INPUT (2). */
int np_cli_load_config(const NpConfigOptions *options, NpArch *arch);

void np_cli_config_options_free(NpConfigOptions *options);

#endif
