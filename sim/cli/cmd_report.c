/* npusim report MODEL [--config F] [--set k=v]... [--dtype T] [--sweep RESULTS.csv --x C --y C]
 * [--cliff KEY=LO..HI] -o report.html: one self-contained offline HTML page (inline CSS and
 * SVG, no script, no external URL) with the run's tables and plots, a sweep's Pareto front
 * and a cliff plot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/cli_run.h"
#include "cli/commands.h"
#include "model/model.h"
#include "plot/plot.h"
#include "report/views.h"
#include "util/file.h"
#include "util/mem.h"

static const char report_usage_head[] =
    "usage: npusim report MODEL [--config FILE] [--set KEY=VALUE]... [--dtype T] [--scale-channels S]\n"
    "                           [--resolution R] [--sweep RESULTS.csv [--x COL] [--y COL] [--z COL]\n"
    "                           [--max COL]...] [--cliff KEY=LO..HI [--metric M] [--samples N]\n"
    "                           [--threshold R]] [--title TEXT] -o REPORT.html\n"
    "\n"
    "Writes one self-contained HTML page (inline CSS and SVG; no script and no external\n"
    "link, so it opens offline and can be mailed or archived): latency cold and warm, energy by\n"
    "term, the per-layer table and the per-layer energy plot, the ops off the accelerator, the\n"
    "SRAM peak; with --sweep the Pareto front of a sweep's results (scatter and table); with\n"
    "--cliff the metric along an axis with every cliff marked and its cause. docs/report.md.\n"
    "\n"
    "options:\n";
static const char report_usage_tail[] =
    "  --sweep FILE       a sweep's CSV results: add its Pareto front\n"
    "  --x COL, --y COL   the front's columns (default energy_mj and warm_ms); --z COL groups,\n"
    "  --max COL          maximise COL instead of minimising it\n"
    "  --cliff KEY=LO..HI add a cliff search along this axis (as `npusim cliff --axis`)\n"
    "  --metric M         the cliff search's metric (default warm_ms)\n"
    "  --samples N        the cliff search's coarse samples (default 24)\n"
    "  --threshold R      the cliff search's step ratio (default 1.2)\n"
    "  --title TEXT       the page's title (default: the model's name)\n"
    "  -o FILE            the HTML file to write (atomically)\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim report models/mobilenet_v2.onnx --dtype int8 -o mobilenet.html\n"
    "  npusim report models/mobilenet_v2.onnx --dtype int8 --sweep sram.csv --x energy_mj --y warm_ms \\\n"
    "      --cliff sram.capacity_bytes=1MiB..8MiB -o mobilenet.html\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, config, model or results file.\n";

typedef struct ReportArgs {
  NpCliRun run;
  const char *output, *title;
  const char *sweep;
  NpParetoQuery query;
  const char *max[2];
  int n_max;
  bool cliff_given;
  NpAxisRange cliff;
  const char *metric;
  int samples;
  double threshold;
} ReportArgs;

static int usage(const ReportArgs *a, const char *message) { return np_cli_run_usage_error(&a->run, message); }

/* Takes the value of argv[*i]; NULL after a usage error. */
static const char *value_of(ReportArgs *a, int argc, char **argv, int *i) {
  if (*i + 1 < argc && argv[*i + 1][0] != '\0') return argv[++*i];
  char message[128];
  snprintf(message, sizeof message, "%.60s needs a value", argv[*i]);
  usage(a, message);
  return NULL;
}

static int parse_option(ReportArgs *a, int argc, char **argv, int *i) {
  const char *arg = argv[*i];
  static const char *const simple[] = {"-o", "--output", "--title", "--sweep", "--x", "--y", "--z"};
  const char **slots[] = {&a->output, &a->output, &a->title, &a->sweep, &a->query.x, &a->query.y, &a->query.z};
  for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++) {
    if (strcmp(arg, simple[k]) != 0) continue;
    return (*slots[k] = value_of(a, argc, argv, i)) ? -1 : NP_EXIT_BAD_INPUT;
  }
  const char *v;
  char *end, err[256];
  if (strcmp(arg, "--max") == 0) {
    if (a->n_max == 2) return usage(a, "--max at most twice");
    return (a->max[a->n_max++] = value_of(a, argc, argv, i)) ? -1 : NP_EXIT_BAD_INPUT;
  }
  if (strcmp(arg, "--metric") == 0) return (a->metric = value_of(a, argc, argv, i)) ? -1 : NP_EXIT_BAD_INPUT;
  if (strcmp(arg, "--cliff") == 0) {
    if (!(v = value_of(a, argc, argv, i))) return NP_EXIT_BAD_INPUT;
    if (!np_axis_range_parse(v, &a->cliff, err, sizeof err)) return usage(a, err);
    a->cliff_given = true;
    return -1;
  }
  if (strcmp(arg, "--samples") == 0) {
    if (!(v = value_of(a, argc, argv, i))) return NP_EXIT_BAD_INPUT;
    long n = strtol(v, &end, 10);
    if (*end || n < 3 || n > 4096) return usage(a, "--samples needs 3..4096");
    a->samples = (int)n;
    return -1;
  }
  if (strcmp(arg, "--threshold") == 0) {
    if (!(v = value_of(a, argc, argv, i))) return NP_EXIT_BAD_INPUT;
    a->threshold = strtod(v, &end);
    if (*end || !(a->threshold > 1 && a->threshold < 1e6)) return usage(a, "--threshold needs a ratio above 1");
    return -1;
  }
  char message[160];
  snprintf(message, sizeof message, "unknown option '%.100s'", arg);
  return usage(a, message);
}

static int parse_args(int argc, char **argv, ReportArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "report";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      printf("%s%s%s%s%s", report_usage_head, np_cli_config_help, np_cli_model_help, np_cli_dtype_help,
             report_usage_tail);
      return NP_EXIT_OK;
    }
    int taken = np_cli_run_argument(&a->run, argc, argv, &i);
    if (taken < 0) return NP_EXIT_BAD_INPUT;
    if (taken > 0) continue;
    int rc = parse_option(a, argc, argv, &i);
    if (rc >= 0) return rc;
  }
  if (a->run.model == NULL) return usage(a, "missing MODEL");
  if (a->output == NULL) return usage(a, "missing -o REPORT.html");
  if ((a->query.x || a->query.y || a->query.z || a->n_max) && !a->sweep)
    return usage(a, "--x, --y, --z and --max go with --sweep RESULTS.csv");
  if ((a->metric || a->samples || a->threshold > 0) && !a->cliff_given)
    return usage(a, "--metric, --samples and --threshold go with --cliff KEY=LO..HI");
  if (!a->query.x) a->query.x = "energy_mj";
  if (!a->query.y) a->query.y = "warm_ms";
  for (int k = 0; k < a->n_max; k++) {
    if (strcmp(a->max[k], a->query.x) == 0)
      a->query.maximize_x = true;
    else if (strcmp(a->max[k], a->query.y) == 0)
      a->query.maximize_y = true;
    else
      return usage(a, "--max names a column that is neither --x nor --y");
  }
  return -1;
}

/* ---- the inputs ---- */

typedef struct Inputs {
  NpRunReport report;
  bool have_report;
  double *layer_uj;
  NpCsvTable table;
  NpParetoResult pareto;
  bool have_pareto;
  NpCliffSearch search;
  NpReportCurve curve;
  NpCliff *cliffs;
  size_t n_cliffs;
  bool have_cliffs;
  char *config_text;
  NpGraph *graph;
  const char **sets;
} Inputs;

static int load_sweep(const ReportArgs *a, Inputs *in) {
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_csv_load(a->sweep, &in->table, &diag);
  if (ok) {
    ok = np_pareto_compute(&in->table, &a->query, &in->pareto, &diag);
    if (!ok) np_csv_free(&in->table);
  }
  in->have_pareto = ok;
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok ? -1 : NP_EXIT_BAD_INPUT;
}

/* The cliff search runs on the model with its what-ifs applied, the config with every --set,
 * and the run's data type. */
static int search_cliffs(const ReportArgs *a, Inputs *in) {
  NpDiag diag;
  np_diag_init(&diag);
  size_t len = 0;
  const char *path = a->run.config.config_path;
  if (path) {
    in->config_text = np_read_file(path, NP_ARCH_MAX_FILE_BYTES, "config", &len, &diag);
  } else {
    const char *text = np_arch_default_text(&len); /* sets len: not in the same call as its use */
    in->config_text = np_xstrndup(text, len);
  }
  if (in->config_text) in->graph = np_cli_load_model(a->run.model, &a->run.model_options);
  size_t n_sets = a->run.config.n_sets;
  in->sets = np_xmalloc((n_sets + 1) * sizeof *in->sets);
  for (size_t i = 0; i < n_sets; i++) in->sets[i] = a->run.config.sets[i];
  char dtype_set[64];
  if (a->run.dtype) {
    snprintf(dtype_set, sizeof dtype_set, "%s=%.40s", NP_AXIS_DTYPE, a->run.dtype);
    in->sets[n_sets++] = dtype_set;
  }
  bool ok = in->graph != NULL;
  if (ok) {
    in->search = (NpCliffSearch){{in->config_text, len, path ? path : NP_ARCH_DEFAULT_SOURCE, in->graph},
                                 in->sets,
                                 n_sets,
                                 a->cliff,
                                 a->metric ? a->metric : "warm_ms",
                                 a->samples,
                                 a->threshold,
                                 np_report_curve_add,
                                 &in->curve};
    ok = np_cliff_find(&in->search, &in->cliffs, &in->n_cliffs, &diag);
    in->search.sets = NULL; /* dtype_set lives on this stack frame only */
  }
  in->have_cliffs = ok;
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok ? -1 : NP_EXIT_BAD_INPUT;
}

static void free_inputs(Inputs *in) {
  if (in->have_report) np_run_report_free(&in->report);
  free(in->layer_uj);
  if (in->have_pareto) {
    np_pareto_free(&in->pareto);
    np_csv_free(&in->table);
  }
  np_cliffs_free(in->cliffs, in->n_cliffs);
  np_report_curve_free(&in->curve);
  free(in->config_text);
  free(in->sets);
  np_graph_free(in->graph);
}

int cmd_report(int argc, char **argv) {
  ReportArgs a;
  int rc = parse_args(argc, argv, &a);
  Inputs in;
  memset(&in, 0, sizeof in);
  if (rc < 0 && a.sweep) rc = load_sweep(&a, &in); /* the cheap checks first */
  if (rc < 0) {
    NpRunOptions options = {0};
    rc = np_cli_run_model(&a.run, &options, &in.report);
    in.have_report = rc == NP_EXIT_OK;
    rc = in.have_report ? -1 : rc;
  }
  if (rc < 0) {
    NpArch arch;
    rc = np_cli_load_config(&a.run.config, &arch) == NP_EXIT_OK ? -1 : NP_EXIT_BAD_INPUT;
    if (rc < 0) in.layer_uj = np_layer_energy_uj(&in.report.warm, &arch);
  }
  if (rc < 0 && a.cliff_given) rc = search_cliffs(&a, &in);
  if (rc < 0) {
    NpHtmlSweep sweep = {a.sweep, &in.table, &a.query, &in.pareto};
    NpHtmlCliffs cliffs = {&in.search, &in.curve, in.cliffs, in.n_cliffs};
    NpHtmlReport page = {a.title, &in.report, in.layer_uj, in.have_pareto ? &sweep : NULL,
                         in.have_cliffs ? &cliffs : NULL};
    char *html = np_report_html(&page);
    rc = np_cli_write_file(a.output, html) ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
    free(html);
  }
  free_inputs(&in);
  np_cli_config_options_free(&a.run.config);
  return rc;
}
