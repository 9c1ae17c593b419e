/* Options shared by the commands that search one axis (cliff, fit): MODEL, --axis
 * KEY=LO..HI, --metric, --step, --config/--set, --dtype and the model what-ifs as fixed
 * settings. np_cli_search_begin() loads the base config text and the model. */
#ifndef NPUSIM_CLI_CLI_SEARCH_H
#define NPUSIM_CLI_CLI_SEARCH_H

#include "cli/cli_config.h"
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
  /* Filled by np_cli_search_begin. */
  char *config_text;
  size_t config_len;
  NpGraph *graph;
  const char **sets;     /* config --set values then fixed model settings */
  size_t n_sets;
} NpSearchOptions;

extern const char np_cli_search_help[];

/* As np_cli_config_option: 1 taken, 0 not one of these, -1 a usage error (printed). */
int np_cli_search_option(NpSearchOptions *o, int argc, char **argv, int *i);
/* An argument no option took: the model, or a usage error (printed, NP_EXIT_BAD_INPUT) for
 * an unknown option or a second model. -1 to go on. */
int np_cli_search_positional(NpSearchOptions *o, const char *arg);
/* Checks the options, reads the config text and loads the model, and fills *search (its
 * samples/threshold left 0). Returns -1 to go on, or the exit code after printing errors. */
int np_cli_search_begin(NpSearchOptions *o, NpCliffSearch *search);
void np_cli_search_free(NpSearchOptions *o);

#endif
