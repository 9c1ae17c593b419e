#include "cli/cli_model.h"

#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "util/diag.h"

const char np_cli_model_help[] =
    "  --scale-channels S multiply every hidden channel count by S (a width multiplier; graph\n"
    "                     inputs and outputs keep theirs; rounded, at least 1)\n"
    "  --resolution R     run at input resolution R (192) or HxW (160x224)\n";

/* The value of "--name VALUE" or "--name=VALUE"; *matched tells whether argv[*i] is --name. */
static const char *option_value(const char *name, int argc, char **argv, int *i, bool *matched) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  *matched = strncmp(arg, name, n) == 0 && (arg[n] == '=' || arg[n] == '\0');
  if (!*matched) return NULL;
  if (arg[n] == '=') return arg + n + 1;
  return *i + 1 < argc ? argv[++*i] : NULL;
}

int np_cli_model_option(NpModelOptions *options, int argc, char **argv, int *i) {
  char err[256];
  bool matched;
  const char *value = option_value("--scale-channels", argc, argv, i, &matched);
  if (matched) {
    if (value == NULL || !np_whatif_parse_scale(value, &options->whatif.channel_scale, err, sizeof err)) {
      fprintf(stderr, "npusim: --scale-channels: %s\n", value ? err : "needs a scale, e.g. 0.5");
      return -1;
    }
    return 1;
  }
  value = option_value("--resolution", argc, argv, i, &matched);
  if (matched) {
    if (value == NULL ||
        !np_whatif_parse_resolution(value, &options->whatif.height, &options->whatif.width, err, sizeof err)) {
      fprintf(stderr, "npusim: --resolution: %s\n", value ? err : "needs a size, e.g. 192 or 160x224");
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
