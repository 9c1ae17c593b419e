/* Options shared by the commands that search one axis (cliff, fit): MODEL, --axis
 * KEY=LO..HI, --metric, --step, --config/--set, --dtype and the model what-ifs as fixed
 * settings. np_cli_search_begin() loads the base config text and the model. */
#ifndef NPUSIM_CLI_CLI_SEARCH_H
#define NPUSIM_CLI_CLI_SEARCH_H

#include "cli/cli_config.h"
#include "cli/cli_run.h"
#include "sweep/cliff.h"

typedef struct NpSearchOptions {
  const char *command;   /* "cliff" or "fit", for messages */
  const char *model;
  NpConfigOptions config;
  const char **fixed;    /* model.* settings as key=value (owned strings) */
  size_t n_fixed;
  NpAxisRange axis;
  bool axis_given;
  const char *metric;
  double step;
  int64_t max_bursts;    /* --max-bursts: every point's bound; 0: the default */
  /* Filled by np_cli_search_begin. */
  char *config_text;
  size_t config_len;
  NpGraph *graph;
  const char **sets;     /* config --set values then fixed model settings */
  size_t n_sets;
  NpLowerCache *lower_cache; /* every point's (NpPointBase.lower_cache) */
  NpArchParseCache *parse_cache; /* every point's (NpPointBase.parse_cache) */
} NpSearchOptions;

enum { NP_CLI_AXIS = NP_CLI_SHARED + 30, NP_CLI_METRIC, NP_CLI_STEP };
extern const NpCliOption np_cli_search_options[];
/* The tables of a search command's shared options: the axis, the config, fixed what-ifs. */
#define NP_CLI_SEARCH_TABLES \
  np_cli_search_options, np_cli_config_options, np_cli_model_options, np_cli_dtype_options, np_cli_bound_options

/* Records a shared option of these tables and returns 1 (the what-ifs and --dtype become
 * fixed model.* settings); 0 for another key; -1 after printing a usage error. */
int np_cli_search_take(NpSearchOptions *o, int key, const char *value);
/* The positionals np_cli_parse left: exactly one MODEL. -1 to go on, else the exit code. */
int np_cli_search_take_model(NpSearchOptions *o, int argc, char **argv, int first);
/* Checks the options, reads the config text and loads the model, and fills *search (its
 * samples/threshold left 0). Returns -1 to go on, or the exit code after printing errors. */
int np_cli_search_begin(NpSearchOptions *o, NpCliffSearch *search);
void np_cli_search_free(NpSearchOptions *o);

#endif
