/* What `npusim run` and `npusim check` share: MODEL with its what-ifs (--scale-channels,
 * --resolution: cli_model.h), --config/--set, --dtype, and turning them into an
 * NpRunReport (sim/report/report.h). */
#ifndef NPUSIM_CLI_CLI_RUN_H
#define NPUSIM_CLI_CLI_RUN_H

#include "cli/cli_config.h"
#include "cli/cli_model.h"
#include "report/report.h"

typedef struct NpCliRun {
  const char *command;    /* "run" or "check", for messages */
  const char *model;
  NpModelOptions model_options;
  NpConfigOptions config;
  const char *dtype;      /* NULL: the config's default_dtype */
} NpCliRun;

/* Help lines for --dtype. */
extern const char np_cli_dtype_help[];

/* Looks at argv[*i]: --config, --set, --scale-channels, --resolution, --dtype or the MODEL. Returns 1 when it took the
 * argument (advancing *i past a value), 0 when it is another option, -1 after printing a
 * usage error. */
int np_cli_run_argument(NpCliRun *run, int argc, char **argv, int *i);

/* Loads config and model and runs them. Returns 0 with *report filled, or prints the errors
 * and returns NP_EXIT_BAD_INPUT. */
int np_cli_run_model(const NpCliRun *run, const NpRunOptions *options, NpRunReport *report);

/* Prints "npusim CMD: MESSAGE" and a pointer to --help; returns NP_EXIT_BAD_INPUT. */
int np_cli_run_usage_error(const NpCliRun *run, const char *message);

#endif
