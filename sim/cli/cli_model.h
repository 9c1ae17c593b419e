/* The model what-if options any MODEL-taking command shares: --scale-channels S and
 * --resolution R (sim/whatif/whatif.h).
 *
 * A command lists np_cli_model_options among its option tables, hands the options it is
 * given to np_cli_model_take, then loads the model
 * with np_cli_load_model: np_model_load, then the what-ifs when any was given. */
#ifndef NPUSIM_CLI_CLI_MODEL_H
#define NPUSIM_CLI_CLI_MODEL_H

#include "cli/cli_options.h"
#include "graph/graph.h"
#include "whatif/whatif.h"

typedef struct NpModelOptions {
  NpWhatIf whatif; /* zero: the model as it is */
} NpModelOptions;

enum { NP_CLI_SCALE_CHANNELS = NP_CLI_SHARED + 10, NP_CLI_RESOLUTION };
extern const NpCliOption np_cli_model_options[];

/* Records --scale-channels or --resolution and returns 1; 0 for another key; -1 after
 * printing why the value is bad. */
int np_cli_model_take(NpModelOptions *options, int key, const char *value);

/* Loads the model and applies the what-ifs. NULL after printing every error to stderr (the
 * command then exits with NP_EXIT_BAD_INPUT). */
NpGraph *np_cli_load_model(const char *path, const NpModelOptions *options);

#endif
