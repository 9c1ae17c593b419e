/* What `npusim run`, `check`, `report` and `schedule` share: MODEL with its what-ifs (--scale-channels,
 * --resolution: cli_model.h), --config/--set, --dtype, and turning them into an
 * NpRunReport (sim/report/report.h). */
#ifndef NPUSIM_CLI_CLI_RUN_H
#define NPUSIM_CLI_CLI_RUN_H

#include "cli/cli_config.h"
#include "cli/cli_model.h"
#include "report/report.h"
#include "sustain/sustain.h"

typedef struct NpCliRun {
  const char *command;    /* "run" or "check", for messages */
  const char *model;
  NpModelOptions model_options;
  NpConfigOptions config;
  const char *dtype;      /* NULL: the config's default_dtype */
  int weight_bits;        /* --weight-bits; 0: the weights' dtype */
} NpCliRun;

enum { NP_CLI_DTYPE = NP_CLI_SHARED + 20, NP_CLI_WEIGHT_BITS };
extern const NpCliOption np_cli_dtype_options[];
/* The tables of a run-like command's shared options: config, model what-ifs, --dtype,
 * --weight-bits. */
#define NP_CLI_RUN_TABLES np_cli_config_options, np_cli_model_options, np_cli_dtype_options

/* Records --config, --set, --scale-channels, --resolution, --dtype or --weight-bits and returns 1; 0 for
 * another key; -1 after printing a usage error. */
int np_cli_run_take(NpCliRun *run, int key, const char *value);

/* Takes the positionals np_cli_parse left, argv[first..argc): exactly one MODEL. Returns -1
 * to go on, or NP_EXIT_BAD_INPUT after a usage error. */
int np_cli_run_take_model(NpCliRun *run, int argc, char **argv, int first);

/* The data type --dtype names, NP_DTYPE_UNKNOWN without one. Returns 0, or prints why the
 * config has no such type and returns NP_EXIT_BAD_INPUT. */
int np_cli_run_resolve_dtype(const NpCliRun *run, const NpArch *arch, NpDtype *dtype);

/* --fps, --seconds, --late: a sustained run's (npusim sustain, and check's p99_ms and
 * throttle_s budgets). */
enum { NP_CLI_FPS = NP_CLI_SHARED + 40, NP_CLI_SECONDS, NP_CLI_LATE };
extern const NpCliOption np_cli_sustain_options[];
/* A number above 0 (at most 1e12) from an option's value into *out: 1, or -1 after a usage
 * error naming the option. */
int np_cli_positive_number(const NpCliRun *run, const char *name, const char *value, double *out);
/* The defaults: 30 fps for 600 s, late frames dropped. */
void np_cli_sustain_defaults(NpSustainOptions *options);
/* Records one of those into options and returns 1; 0 for another key; -1 after a usage error. */
int np_cli_sustain_take(const NpCliRun *run, NpSustainOptions *options, int key, const char *value);

/* Loads config and model and runs them sustained at options (its dtype and weight width come
 * from run). Returns 0 with *result filled and the model's and config's names copied, or
 * prints the errors and returns NP_EXIT_BAD_INPUT. */
int np_cli_run_sustained(const NpCliRun *run, NpSustainOptions *options, NpSustainResult *result, char *model,
                         size_t model_size, char *config, size_t config_size);

/* Loads config and model and runs them. Returns 0 with *report filled, or prints the errors
 * and returns NP_EXIT_BAD_INPUT. */
int np_cli_run_model(const NpCliRun *run, const NpRunOptions *options, NpRunReport *report);

/* Prints "npusim CMD: MESSAGE" and a pointer to --help; returns NP_EXIT_BAD_INPUT. */
int np_cli_run_usage_error(const NpCliRun *run, const char *message);

#endif
