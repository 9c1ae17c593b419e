/* npusim run MODEL [--config F] [--set k=v]... [--dtype T] [--json|--csv] [--per-layer]
 * [--per-day N --battery-wh W] [--trace FILE [--trace-warm]] [-o FILE]: latency cold and
 * warm, throughput, energy, per-layer and per-engine figures, fallbacks, SRAM peak. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_run.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "report/report.h"
#include "report/views.h"
#include "util/mem.h"
#include "util/diag.h"

static const char run_synopsis[] =
    "usage: npusim run MODEL [--config FILE] [--set KEY=VALUE]... [--scale-channels S] [--resolution R]\n"
    "                        [--dtype T] [--weight-bits B] [--prewarm] [--json|--csv]\n"
    "                        [--per-layer] [--per-day N --battery-wh W] [--trace FILE.npt.zst]\n"
    "                        [--trace-warm] [-o FILE | --output-dir DIR]\n"
    "\n"
    "Simulates a model (ONNX or a text graph) on the accelerator and reports: latency of the\n"
    "first (cold) and of every later (warm) inference in cycles and ms, throughput, the SRAM\n"
    "peak against capacity, DRAM traffic, energy per inference in uJ by term with fJ per MAC\n"
    "and average power, how busy each engine is, which ops run off the accelerator and why,\n"
    "and (--per-layer) every layer's cycles, limiting resource, array utilization, DRAM bytes\n"
    "and SRAM peak. docs/run.md explains every figure; docs/formats.md the JSON.\n"
    "\n"
    "--output-dir DIR writes every output of the one simulation into DIR (made if missing):\n"
    "run.txt (the text report with the layer table), run.json, run.csv (the summary row),\n"
    "layers.csv (one row per layer), run.npt.zst (the trace; --trace-warm for the warm\n"
    "inference) and report.html (the page `npusim report` writes), each written atomically.\n"
    "\n";
static const char run_epilogue[] =
    "examples:\n"
    "  npusim run models/mobilenet_v2.onnx\n"
    "  npusim run models/resnet50.onnx --per-layer --set sram.capacity_bytes=2MiB\n"
    "  npusim run models/ds_cnn_kws.onnx --config configs/ethos-u55-like.yaml --per-day 86400 --battery-wh 0.5\n"
    "  npusim run models/micro/conv3x3.npg --json -o conv3x3.json --trace conv3x3.npt.zst\n"
    "  npusim run models/micro/conv3x3.npg --trace conv3x3-warm.npt.zst --trace-warm\n"
    "  npusim run models/mobilenet_v2.onnx --dtype int8 --output-dir mobilenet-run\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config, or a model that cannot be loaded or run.\n";

enum {
  OPT_JSON = NP_CLI_OWN,
  OPT_CSV,
  OPT_PER_LAYER,
  OPT_PER_DAY,
  OPT_BATTERY_WH,
  OPT_TRACE,
  OPT_TRACE_WARM,
  OPT_OUTPUT_DIR,
  OPT_PREWARM
};

static const NpCliOption run_options[] = {
    {"json", OPT_JSON, NULL, "the whole report as JSON (schema \"" NP_RUN_JSON_SCHEMA "\"), every layer"},
    {"csv", OPT_CSV, NULL, "CSV: one summary row, or one row per layer with --per-layer"},
    {"per-layer", OPT_PER_LAYER, NULL, "add the table of layers (text) / one CSV row per layer"},
    {"per-day", OPT_PER_DAY, "N", "inferences a day, and"},
    {"battery-wh", OPT_BATTERY_WH, "W", "battery capacity in Wh: report the share of the battery a day takes"},
    {"trace", OPT_TRACE, "FILE", "write the cold inference's execution trace (.npt.zst, docs/traces.md)"},
    {"trace-warm", OPT_TRACE_WARM, NULL, "trace the warm inference instead"},
    {"output", 'o', "FILE", "write the report to FILE (atomically) instead of stdout"},
    {"output-dir", OPT_OUTPUT_DIR, "DIR", "write text, JSON, CSV (summary and layers), trace and HTML into DIR"},
    {"prewarm", OPT_PREWARM, NULL,
     "what-if: the launch (flash read, compile) happens in the background before\n"
     "the first request, which then takes the cold inference only"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const run_tables[] = {NP_CLI_RUN_TABLES, run_options, NULL};
static const NpCliCommand run_command = {"run", run_synopsis, run_tables, run_epilogue};

typedef enum RunFormat { FORMAT_TEXT = 0, FORMAT_JSON, FORMAT_CSV } RunFormat;

typedef struct RunArgs {
  NpCliRun run;
  RunFormat format;
  bool per_layer;
  NpRunOptions options;
  bool have_per_day, have_battery;
  const char *output;
  const char *output_dir;
  char *dir_trace; /* DIR/run.npt.zst with --output-dir */
} RunArgs;

/* A positive, finite decimal number. */
#define NUMBER_OPTION_MIN 1e-9
#define NUMBER_OPTION_MAX 1e12

static bool parse_positive(const char *text, double *out) {
  if (text[0] == '\0' || strpbrk(text, "xXnNiI \t") != NULL) return false;
  errno = 0;
  char *end = NULL;
  double v = strtod(text, &end);
  /* Bounded so that battery shares stay finite numbers in every report (JSON has no infinity). */
  if (end == text || *end != '\0' || !(v >= NUMBER_OPTION_MIN && v <= NUMBER_OPTION_MAX)) return false;
  *out = v;
  return true;
}

static int parse_number_option(RunArgs *a, const char *name, const char *v, double *out) {
  if (!parse_positive(v, out)) {
    char message[256];
    snprintf(message, sizeof message, "%s: '%.100s' is not a number from %g to %g", name, v, NUMBER_OPTION_MIN,
             NUMBER_OPTION_MAX);
    return np_cli_run_usage_error(&a->run, message);
  }
  return -1;
}

static int set_format(RunArgs *a, RunFormat format) {
  if (a->format != FORMAT_TEXT && a->format != format)
    return np_cli_run_usage_error(&a->run, "--json and --csv exclude each other");
  a->format = format;
  return -1;
}

static int take_run_option(void *user, int key, const char *value) {
  RunArgs *a = user;
  int taken = np_cli_run_take(&a->run, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  switch (key) {
    case OPT_JSON: return set_format(a, FORMAT_JSON);
    case OPT_CSV: return set_format(a, FORMAT_CSV);
    case OPT_PER_LAYER: a->per_layer = true; return -1;
    case OPT_TRACE_WARM: a->options.trace_warm = true; return -1;
    case OPT_PER_DAY: a->have_per_day = true; return parse_number_option(a, "--per-day", value, &a->options.per_day);
    case OPT_BATTERY_WH:
      a->have_battery = true;
      return parse_number_option(a, "--battery-wh", value, &a->options.battery_wh);
    case OPT_TRACE: a->options.trace_path = value; return -1;
    case 'o': a->output = value; return -1;
    case OPT_OUTPUT_DIR: a->output_dir = value; return -1;
    case OPT_PREWARM: a->options.prewarm = true; return -1;
    default: return -1;
  }
}

/* Returns -1 to go on, else the exit code. */
static int parse_run_args(int argc, char **argv, RunArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "run";
  int first;
  int rc = np_cli_parse(&run_command, argc, argv, take_run_option, a, &first);
  if (rc < 0) rc = np_cli_run_take_model(&a->run, argc, argv, first);
  if (rc >= 0) return rc;
  if (a->output_dir && (a->output || a->format != FORMAT_TEXT || a->options.trace_path || a->per_layer))
    return np_cli_run_usage_error(&a->run, "--output-dir writes every format itself: leave out -o, --json, --csv, "
                                           "--per-layer and --trace");
  if (a->output_dir && a->output_dir[0] == '\0') return np_cli_run_usage_error(&a->run, "an empty directory name");
  if (a->output_dir) a->options.trace_path = a->dir_trace = np_xasprintf("%s/run.npt.zst", a->output_dir);
  if (a->have_per_day != a->have_battery)
    return np_cli_run_usage_error(&a->run, "--per-day and --battery-wh go together (inferences a day, battery Wh)");
  if (a->options.trace_warm && !a->options.trace_path)
    return np_cli_run_usage_error(&a->run, "--trace-warm needs --trace FILE");
  if (a->options.trace_path && a->output && strcmp(a->options.trace_path, a->output) == 0)
    return np_cli_run_usage_error(&a->run, "--trace and -o name the same file");
  if ((a->options.trace_path && a->options.trace_path[0] == '\0') || (a->output && a->output[0] == '\0'))
    return np_cli_run_usage_error(&a->run, "an empty file name");
  return -1;
}

static char *render(const RunArgs *a, const NpRunReport *report) {
  switch (a->format) {
    case FORMAT_JSON:
      return np_run_report_json(report);
    case FORMAT_CSV:
      return np_run_report_csv(report, a->per_layer);
    case FORMAT_TEXT:
      break;
  }
  return np_run_report_text(report, a->per_layer);
}

static int write_output(const char *path, const char *text) {
  if (path == NULL) {
    fputs(text, stdout);
    np_cli_stdout_ok();
    return NP_EXIT_OK;
  }
  return np_cli_write_file(path, text) ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

/* The files --output-dir writes, each from the same report. */
static char *render_text(const NpRunReport *r) { return np_run_report_text(r, true); }
static char *render_summary_csv(const NpRunReport *r) { return np_run_report_csv(r, false); }
static char *render_layers_csv(const NpRunReport *r) { return np_run_report_csv(r, true); }
static char *render_html(const NpRunReport *r) {
  NpHtmlReport page = {NULL, r, NULL, NULL};
  return np_report_html(&page);
}

static const struct {
  const char *name;
  char *(*render)(const NpRunReport *report);
} dir_outputs[] = {
    {"run.txt", render_text},           {"run.json", np_run_report_json}, {"run.csv", render_summary_csv},
    {"layers.csv", render_layers_csv}, {"report.html", render_html},
};

/* Makes DIR unless it is there: before the run, so that a bad directory costs no simulation. */
static int make_output_dir(const RunArgs *a) {
  struct stat st;
  if (mkdir(a->output_dir, 0777) == 0 || (errno == EEXIST && stat(a->output_dir, &st) == 0 && S_ISDIR(st.st_mode)))
    return -1;
  fprintf(stderr, "npusim run: --output-dir %s: %s\n", a->output_dir,
          errno == EEXIST ? "exists and is not a directory" : strerror(errno));
  return NP_EXIT_BAD_INPUT;
}

static int write_output_dir(const RunArgs *a, const NpRunReport *report) {
  int rc = NP_EXIT_OK;
  for (size_t i = 0; i < sizeof dir_outputs / sizeof dir_outputs[0] && rc == NP_EXIT_OK; i++) {
    char *path = np_xasprintf("%s/%s", a->output_dir, dir_outputs[i].name);
    char *text = dir_outputs[i].render(report);
    if (!np_cli_write_file(path, text)) rc = NP_EXIT_BAD_INPUT;
    free(text);
    free(path);
  }
  return rc;
}

int cmd_run(int argc, char **argv) {
  RunArgs a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc < 0 && a.output_dir) rc = make_output_dir(&a);
  if (rc < 0) {
    NpRunReport report;
    rc = np_cli_run_model(&a.run, &a.options, &report);
    if (rc == NP_EXIT_OK && a.output_dir) {
      rc = write_output_dir(&a, &report);
      np_run_report_free(&report);
    } else if (rc == NP_EXIT_OK) {
      char *text = render(&a, &report);
      rc = write_output(a.output, text);
      free(text);
      np_run_report_free(&report);
    }
  }
  free(a.dir_trace);
  np_cli_config_options_free(&a.run.config);
  return rc;
}
