#include "cli/cli_model.h"

#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "util/diag.h"

const NpCliOption np_cli_model_options[] = {
    {"scale-channels", NP_CLI_SCALE_CHANNELS, "S",
     "multiply every hidden channel count by S (a width multiplier; graph\n"
     "inputs and outputs keep theirs; rounded, at least 1)"},
    {"resolution", NP_CLI_RESOLUTION, "R", "run at input resolution R (192) or HxW (160x224)"},
    {NULL, 0, NULL, NULL},
};

int np_cli_model_take(NpModelOptions *options, int key, const char *value) {
  char err[256];
  if (key == NP_CLI_SCALE_CHANNELS) {
    if (!np_whatif_parse_scale(value, &options->whatif.channel_scale, err, sizeof err)) {
      fprintf(stderr, "npusim: --scale-channels: %s\n", err);
      return -1;
    }
    return 1;
  }
  if (key == NP_CLI_RESOLUTION) {
    if (!np_whatif_parse_resolution(value, &options->whatif.height, &options->whatif.width, err, sizeof err)) {
      fprintf(stderr, "npusim: --resolution: %s\n", err);
      return -1;
    }
    return 1;
  }
  return 0;
}

NpGraph *np_cli_load_model(const char *path, const NpModelOptions *options) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_model_load(path, &diag);
  if (graph != NULL && !np_whatif_is_identity(&options->whatif)) {
    NpGraph *changed = np_whatif_apply(graph, &options->whatif, &diag);
    np_graph_free(graph);
    graph = changed;
  }
  if (graph == NULL) np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return graph;
}
