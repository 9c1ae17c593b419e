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

static const char report_synopsis[] =
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
    "\n";
static const char report_epilogue[] =
    "examples:\n"
    "  npusim report models/mobilenet_v2.onnx --dtype int8 -o mobilenet.html\n"
    "  npusim report models/mobilenet_v2.onnx --dtype int8 --sweep sram.csv --x energy_uj --y warm_ms \\\n"
    "      --cliff sram.capacity_bytes=1MiB..8MiB -o mobilenet.html\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, config, model or results file.\n";

enum { OPT_TITLE = NP_CLI_OWN, OPT_SWEEP, OPT_X, OPT_Y, OPT_Z, OPT_MAX, OPT_CLIFF, OPT_METRIC, OPT_SAMPLES, OPT_THRESHOLD };

static const NpCliOption report_options[] = {
    {"sweep", OPT_SWEEP, "FILE", "a sweep's CSV results: add its Pareto front"},
    {"x", OPT_X, "COL", "the front's first column (default energy_uj)"},
    {"y", OPT_Y, "COL", "the front's second column (default warm_ms)"},
    {"z", OPT_Z, "COL", "one front per value of this column"},
    {"max", OPT_MAX, "COL", "maximise COL instead of minimising it"},
    {"cliff", OPT_CLIFF, "KEY=LO..HI", "add a cliff search along this axis (as `npusim cliff --axis`)"},
    {"metric", OPT_METRIC, "M", "the cliff search's metric (default warm_ms)"},
    {"samples", OPT_SAMPLES, "N", "the cliff search's coarse samples (default 24)"},
    {"threshold", OPT_THRESHOLD, "R", "the cliff search's step ratio (default 1.2)"},
    {"title", OPT_TITLE, "TEXT", "the page's title (default: the model's name)"},
    {"output", 'o', "FILE", "the HTML file to write (atomically)"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const report_tables[] = {NP_CLI_RUN_TABLES, report_options, NULL};
static const NpCliCommand report_command = {"report", report_synopsis, report_tables, report_epilogue};

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

static int take_report_option(void *user, int key, const char *value) {
  ReportArgs *a = user;
  int taken = np_cli_run_take(&a->run, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  char *end, err[256];
  switch (key) {
    case 'o': a->output = value; break;
    case OPT_TITLE: a->title = value; break;
    case OPT_SWEEP: a->sweep = value; break;
    case OPT_X: a->query.x = value; break;
    case OPT_Y: a->query.y = value; break;
    case OPT_Z: a->query.z = value; break;
    case OPT_METRIC: a->metric = value; break;
    case OPT_MAX:
      if (a->n_max == 2) return usage(a, "--max at most twice");
      a->max[a->n_max++] = value;
      break;
    case OPT_CLIFF:
      if (!np_axis_range_parse(value, &a->cliff, err, sizeof err)) return usage(a, err);
      a->cliff_given = true;
      break;
    case OPT_SAMPLES: {
      long n = strtol(value, &end, 10);
      if (*end || end == value || n < 3 || n > 4096) return usage(a, "--samples needs 3..4096");
      a->samples = (int)n;
      break;
    }
    case OPT_THRESHOLD:
      a->threshold = strtod(value, &end);
      if (*end || end == value || !(a->threshold > 1 && a->threshold < 1e6))
        return usage(a, "--threshold needs a ratio above 1");
      break;
    default: break;
  }
  return -1;
}

static int parse_args(int argc, char **argv, ReportArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "report";
  int first;
  int rc = np_cli_parse(&report_command, argc, argv, take_report_option, a, &first);
  if (rc < 0) rc = np_cli_run_take_model(&a->run, argc, argv, first);
  if (rc >= 0) return rc;
  if (a->output == NULL) return usage(a, "missing -o REPORT.html");
  if ((a->query.x || a->query.y || a->query.z || a->n_max) && !a->sweep)
    return usage(a, "--x, --y, --z and --max go with --sweep RESULTS.csv");
  if ((a->metric || a->samples || a->threshold > 0) && !a->cliff_given)
    return usage(a, "--metric, --samples and --threshold go with --cliff KEY=LO..HI");
  if (!a->query.x) a->query.x = "energy_uj";
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
  in->sets = np_xmalloc((n_sets + 2) * sizeof *in->sets);
  for (size_t i = 0; i < n_sets; i++) in->sets[i] = a->run.config.sets[i];
  char dtype_set[64], bits_set[64];
  if (a->run.dtype) {
    snprintf(dtype_set, sizeof dtype_set, "%s=%.40s", NP_AXIS_DTYPE, a->run.dtype);
    in->sets[n_sets++] = dtype_set;
  }
  if (a->run.weight_bits) {
    snprintf(bits_set, sizeof bits_set, "%s=%d", NP_AXIS_WEIGHT_BITS, a->run.weight_bits);
    in->sets[n_sets++] = bits_set;
  }
  bool ok = in->graph != NULL;
  if (ok) {
    NpLowerCache *cache = np_lower_cache_new();
    NpArchParseCache *parsed = np_arch_parse_cache_new();
    in->search = (NpCliffSearch){{in->config_text, len, path ? path : NP_ARCH_DEFAULT_SOURCE, in->graph,
                                  a->run.max_bursts, cache, parsed},
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
    in->search.base.lower_cache = NULL, in->search.base.parse_cache = NULL;
    np_lower_cache_free(cache);
    np_arch_parse_cache_free(parsed);
  }
  in->have_cliffs = ok;
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok ? -1 : NP_EXIT_BAD_INPUT;
}

static void free_inputs(Inputs *in) {
  if (in->have_report) np_run_report_free(&in->report);
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
  if (rc < 0 && a.cliff_given) rc = search_cliffs(&a, &in);
  if (rc < 0) {
    NpHtmlSweep sweep = {a.sweep, &in.table, &a.query, &in.pareto};
    NpHtmlCliffs cliffs = {&in.search, &in.curve, in.cliffs, in.n_cliffs};
    NpHtmlReport page = {a.title, &in.report, in.have_pareto ? &sweep : NULL, in.have_cliffs ? &cliffs : NULL};
    char *html = np_report_html(&page);
    rc = np_cli_write_file(a.output, html) ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
    free(html);
  }
  free_inputs(&in);
  np_cli_config_options_free(&a.run.config);
  return rc;
}
