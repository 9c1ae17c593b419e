/* The options every config-taking command shares: --config FILE and --set key.path=value.
 *
 * A command lists np_cli_config_options among its option tables (cli_options.h), hands the
 * options it is given to np_cli_config_take, then loads the
 * effective config with np_cli_load_config: the file (or the embedded phone-NPU default
 * when no --config is given) with every --set applied in order on top. */
#ifndef NPUSIM_CLI_CLI_CONFIG_H
#define NPUSIM_CLI_CLI_CONFIG_H

#include <stddef.h>

#include "arch/arch.h"
#include "cli/cli_options.h"

typedef struct NpConfigOptions {
  const char *config_path; /* NULL: the embedded default */
  const char **sets;       /* "key.path=value", in command-line order */
  size_t n_sets, sets_capacity;
} NpConfigOptions;

enum { NP_CLI_CONFIG = NP_CLI_SHARED, NP_CLI_SET };
extern const NpCliOption np_cli_config_options[];

/* Records --config or --set and returns 1; 0 for another key; -1 after printing a usage
 * error (an empty file name, a second --config, a --set without KEY=VALUE). */
int np_cli_config_take(NpConfigOptions *options, int key, const char *value);

/* Loads the effective config into *arch. Returns 0, or prints every error to stderr and
 * returns NP_EXIT_BAD_INPUT (2). */
int np_cli_load_config(const NpConfigOptions *options, NpArch *arch);

void np_cli_config_options_free(NpConfigOptions *options);

#endif
