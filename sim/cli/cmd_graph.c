/* npusim graph MODEL [--json] [--dtype T]: a model's layers, shapes (NHWC), MACs and bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "graph/graph.h"
#include "model/model.h"
#include "report/views.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/mem.h"

#define GRAPH_JSON_SCHEMA NP_GRAPH_JSON_SCHEMA

static const char graph_synopsis[] =
    "usage: npusim graph MODEL [--json] [--dtype int8|int16|fp16|fp32]\n"
    "\n"
    "Shows a model as the accelerator sees it: one row per executed op, in topological order,\n"
    "with its input and output shapes in NHWC (memory order), its multiply-accumulates, the\n"
    "bytes of its weights and of its output, and any layout move; then the totals.\n"
    "Ops folded at import (Shape, Constant, Gather on constants, ...) are hidden and counted.\n"
    "\n"
    "MODEL is an ONNX file (.onnx) or a text graph (.npg, see docs/formats.md); files with\n"
    "other extensions are recognised by their content.\n"
    "\n";
static const char graph_epilogue[] =
    "columns: MACs in K/M/G (10^3, 10^6, 10^9); bytes in KiB/MiB/GiB (2^10, 2^20, 2^30).\n"
    "\"layout move\" is the bytes an op reorders because it turns an NHWC tensor into a plain\n"
    "row-major one (Flatten, Reshape or Transpose of a feature map).\n"
    "\n"
    "examples:\n"
    "  npusim graph models/mobilenet_v2.onnx\n"
    "  npusim graph models/mobilenet_v2.onnx --dtype int8\n"
    "  npusim graph models/micro/conv3x3.npg --json\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or a model that cannot be loaded (errors on stderr).\n";

enum { OPT_JSON = NP_CLI_OWN, OPT_DTYPE };

static const NpCliOption graph_options[] = {
    {"json", OPT_JSON, NULL, "machine-readable output (schema \"" GRAPH_JSON_SCHEMA "\", docs/formats.md)"},
    {"dtype", OPT_DTYPE, "T",
     "compute floating-point tensors as T (int8, int16, fp16 or fp32): the\n"
     "byte columns change, shapes and MACs do not; integer tensors stay as they are"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const graph_tables[] = {graph_options, NULL};
static const NpCliCommand graph_command = {"graph", graph_synopsis, graph_tables, graph_epilogue};

typedef struct GraphOptions {
  const char *model;
  bool json;
  NpDtype dtype; /* NP_DTYPE_UNKNOWN: keep the model's */
} GraphOptions;

static const char *const compute_dtypes[] = {"int8", "int16", "fp16", "fp32"};
#define N_COMPUTE_DTYPES (sizeof compute_dtypes / sizeof compute_dtypes[0])

static NpDtype parse_compute_dtype(const char *name) {
  for (size_t i = 0; i < N_COMPUTE_DTYPES; i++)
    if (strcmp(name, compute_dtypes[i]) == 0) return np_dtype_from_name(name);
  return NP_DTYPE_UNKNOWN;
}

static int unknown_dtype(const char *name) {
  NpBuf allowed = {0};
  np_buf_put_names(&allowed, compute_dtypes, N_COMPUTE_DTYPES, " or ");
  char *what = np_xasprintf("'%s' (%s)", name, np_buf_str(&allowed));
  np_buf_free(&allowed);
  int rc = np_cli_usage_error(&graph_command, "--dtype: unknown type %s", what);
  free(what);
  return rc;
}

static int take_graph_option(void *user, int key, const char *value) {
  GraphOptions *opts = user;
  if (key == OPT_JSON) opts->json = true;
  if (key != OPT_DTYPE) return -1;
  opts->dtype = parse_compute_dtype(value);
  return opts->dtype == NP_DTYPE_UNKNOWN ? unknown_dtype(value) : -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, GraphOptions *opts) {
  memset(opts, 0, sizeof *opts);
  int first;
  int rc = np_cli_parse(&graph_command, argc, argv, take_graph_option, opts, &first);
  if (rc >= 0) return rc;
  if (first >= argc) return np_cli_usage_error(&graph_command, "missing MODEL (an .onnx or .npg file)");
  if (first + 1 < argc) return np_cli_usage_error(&graph_command, "unexpected argument '%s' (one MODEL only)", argv[first + 1]);
  opts->model = argv[first];
  return -1;
}

int cmd_graph(int argc, char **argv) {
  GraphOptions opts;
  int rc = parse_options(argc, argv, &opts);
  if (rc >= 0) return rc;
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_model_load(opts.model, &diag);
  if (!graph) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    return NP_EXIT_BAD_INPUT;
  }
  np_diag_free(&diag);
  if (opts.dtype != NP_DTYPE_UNKNOWN) np_graph_set_compute_dtype(graph, opts.dtype);
  char *text = opts.json ? np_graph_view_json(graph, opts.dtype) : np_graph_view_text(graph, opts.dtype);
  if (text) {
    fputs(text, stdout);
    np_cli_stdout_ok();
  } else {
    fputs("npusim graph: cannot write the JSON report\n", stderr);
    rc = NP_EXIT_BAD_INPUT;
  }
  free(text);
  np_graph_free(graph);
  return rc >= 0 ? rc : NP_EXIT_OK;
}
