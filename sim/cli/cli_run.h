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
  int64_t max_bursts;     /* --max-bursts; 0: NP_SIM_MAX_BURSTS_DEFAULT */
  bool progress;          /* --progress: draw it even when stderr is not a terminal */
} NpCliRun;

enum { NP_CLI_DTYPE = NP_CLI_SHARED + 20, NP_CLI_WEIGHT_BITS };
extern const NpCliOption np_cli_dtype_options[];
/* --max-bursts N (every command that replays) and --progress (those that run one model). */
enum { NP_CLI_MAX_BURSTS = NP_CLI_SHARED + 50, NP_CLI_PROGRESS };
extern const NpCliOption np_cli_bound_options[];
extern const NpCliOption np_cli_progress_options[];
/* --max-bursts' value: a whole number from 1 to 2^62 (1e12 is fine) into *out. 1, or -1
 * after a usage error naming the command. */
int np_cli_max_bursts_parse(const char *command, const char *value, int64_t *out);
/* The tables of a run-like command's shared options: config, model what-ifs, --dtype,
 * --weight-bits, --max-bursts, --progress. */
#define NP_CLI_RUN_TABLES \
  np_cli_config_options, np_cli_model_options, np_cli_dtype_options, np_cli_bound_options, np_cli_progress_options

/* Records an option of NP_CLI_RUN_TABLES and returns 1; 0 for
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

/* Loads config and model and runs them, with a progress bar on stderr for a long replay
 * (cli_progress.h). Returns 0 with *report filled, or prints the errors and returns
 * NP_EXIT_BAD_INPUT. */
int np_cli_run_model(const NpCliRun *run, const NpRunOptions *options, NpRunReport *report);

/* Prints "npusim CMD: MESSAGE" and a pointer to --help; returns NP_EXIT_BAD_INPUT. */
int np_cli_run_usage_error(const NpCliRun *run, const char *message);

#endif
