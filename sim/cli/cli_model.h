/* The model what-if options any MODEL-taking command shares: --scale-channels S and
 * --resolution R (sim/whatif/whatif.h).
 *
 * A command collects them while it walks argv (np_cli_model_option), then loads the model
 * with np_cli_load_model: np_model_load, then the what-ifs when any was given. */
#ifndef NPUSIM_CLI_CLI_MODEL_H
#define NPUSIM_CLI_CLI_MODEL_H

#include "graph/graph.h"
#include "whatif/whatif.h"

typedef struct NpModelOptions {
  NpWhatIf whatif; /* zero: the model as it is */
} NpModelOptions;

/* Help lines for these options, to paste into a command's --help. */
extern const char np_cli_model_help[];

/* Looks at argv[*i]: when it is --scale-channels/--resolution (also --opt=value), records
 * it, advances *i past its value and returns 1; returns 0 for another argument; prints a
 * usage error to stderr and returns -1 for a missing or bad value. */
int np_cli_model_option(NpModelOptions *options, int argc, char **argv, int *i);

/* Loads the model and applies the what-ifs. NULL after printing every error to stderr (the
 * command then exits with NP_EXIT_BAD_INPUT). */
NpGraph *np_cli_load_model(const char *path, const NpModelOptions *options);

#endif
