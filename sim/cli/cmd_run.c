/* npusim run MODEL [--config F] [--set k=v]... [--dtype T] [--json|--csv] [--per-layer]
 * [--per-day N --battery-wh W] [--trace FILE [--trace-warm]] [-o FILE]: latency cold and
 * warm, throughput, energy, per-layer and per-engine figures, fallbacks, SRAM peak. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_run.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "report/report.h"
#include "util/diag.h"

static const char run_usage_head[] =
    "usage: npusim run MODEL [--config FILE] [--set KEY=VALUE]... [--scale-channels S] [--resolution R]\n"
    "                        [--dtype T] [--json|--csv]\n"
    "                        [--per-layer] [--per-day N --battery-wh W] [--trace FILE.npt.zst]\n"
    "                        [--trace-warm] [-o FILE]\n"
    "\n"
    "Simulates a model (ONNX or a text graph) on the accelerator and reports: latency of the\n"
    "first (cold) and of every later (warm) inference in cycles and ms, throughput, the SRAM\n"
    "peak against capacity, DRAM traffic, energy per inference in uJ by term with fJ per MAC\n"
    "and average power, how busy each engine is, which ops run off the accelerator and why,\n"
    "and (--per-layer) every layer's cycles, limiting resource, array utilization, DRAM bytes\n"
    "and SRAM peak. docs/run.md explains every figure; docs/formats.md the JSON.\n"
    "\n"
    "options:\n";
static const char run_usage_tail[] =
    "  --json             the whole report as JSON (schema \"" NP_RUN_JSON_SCHEMA "\"), every layer\n"
    "  --csv              CSV: one summary row, or one row per layer with --per-layer\n"
    "  --per-layer        add the table of layers (text) / one CSV row per layer\n"
    "  --per-day N        inferences a day, and\n"
    "  --battery-wh W     battery capacity in Wh: report the share of the battery a day takes\n"
    "  --trace FILE       write the cold inference's execution trace (.npt.zst, docs/traces.md)\n"
    "  --trace-warm       trace the warm inference instead\n"
    "  -o FILE            write the report to FILE (atomically) instead of stdout\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim run models/mobilenet_v2.onnx\n"
    "  npusim run models/resnet50.onnx --per-layer --set sram.capacity_bytes=2MiB\n"
    "  npusim run models/ds_cnn_kws.onnx --config configs/ethos-u55-like.yaml --per-day 86400 --battery-wh 0.5\n"
    "  npusim run models/micro/conv3x3.npg --json -o conv3x3.json --trace conv3x3.npt.zst\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config, or a model that cannot be loaded or run.\n";

typedef enum RunFormat { FORMAT_TEXT = 0, FORMAT_JSON, FORMAT_CSV } RunFormat;

typedef struct RunArgs {
  NpCliRun run;
  RunFormat format;
  bool per_layer;
  NpRunOptions options;
  bool have_per_day, have_battery;
  const char *output;
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

/* The value of "--name VALUE" or "--name=VALUE"; NULL (after a usage error) when missing. */
static const char *take_value(RunArgs *a, const char *name, int argc, char **argv, int *i) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (arg[n] == '=') return arg + n + 1;
  if (*i + 1 < argc) return argv[++*i];
  char message[128];
  snprintf(message, sizeof message, "%s needs a value", name);
  np_cli_run_usage_error(&a->run, message);
  return NULL;
}

static bool is_option(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_number_option(RunArgs *a, const char *name, int argc, char **argv, int *i, double *out) {
  const char *v = take_value(a, name, argc, argv, i);
  if (!v) return NP_EXIT_BAD_INPUT;
  if (!parse_positive(v, out)) {
    char message[256];
    snprintf(message, sizeof message, "%s: '%.100s' is not a number from %g to %g", name, v, NUMBER_OPTION_MIN,
             NUMBER_OPTION_MAX);
    return np_cli_run_usage_error(&a->run, message);
  }
  return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_run_args(int argc, char **argv, RunArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "run";
  char message[256];
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    int taken = np_cli_run_argument(&a->run, argc, argv, &i);
    if (taken < 0) return NP_EXIT_BAD_INPUT;
    if (taken > 0) continue;
    int rc = -1;
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(run_usage_head, stdout);
      fputs(np_cli_config_help, stdout);
      fputs(np_cli_model_help, stdout);
      fputs(np_cli_dtype_help, stdout);
      fputs(run_usage_tail, stdout);
      return NP_EXIT_OK;
    } else if (strcmp(arg, "--json") == 0 || strcmp(arg, "--csv") == 0) {
      RunFormat f = arg[2] == 'j' ? FORMAT_JSON : FORMAT_CSV;
      if (a->format != FORMAT_TEXT && a->format != f)
        return np_cli_run_usage_error(&a->run, "--json and --csv exclude each other");
      a->format = f;
    } else if (strcmp(arg, "--per-layer") == 0) {
      a->per_layer = true;
    } else if (strcmp(arg, "--trace-warm") == 0) {
      a->options.trace_warm = true;
    } else if (is_option(arg, "--per-day")) {
      rc = parse_number_option(a, "--per-day", argc, argv, &i, &a->options.per_day);
      a->have_per_day = true;
    } else if (is_option(arg, "--battery-wh")) {
      rc = parse_number_option(a, "--battery-wh", argc, argv, &i, &a->options.battery_wh);
      a->have_battery = true;
    } else if (is_option(arg, "--trace")) {
      if (!(a->options.trace_path = take_value(a, "--trace", argc, argv, &i))) return NP_EXIT_BAD_INPUT;
    } else if (strcmp(arg, "-o") == 0 || is_option(arg, "--output")) {
      const char *name = arg[1] == 'o' ? "-o" : "--output";
      if (arg[1] == 'o' && i + 1 >= argc) return np_cli_run_usage_error(&a->run, "-o needs a file name");
      a->output = arg[1] == 'o' ? argv[++i] : take_value(a, name, argc, argv, &i);
      if (!a->output) return NP_EXIT_BAD_INPUT;
    } else {
      snprintf(message, sizeof message, "unknown option '%.100s'", arg);
      return np_cli_run_usage_error(&a->run, message);
    }
    if (rc >= 0) return rc;
  }
  if (a->run.model == NULL) return np_cli_run_usage_error(&a->run, "missing MODEL");
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

int cmd_run(int argc, char **argv) {
  RunArgs a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc < 0) {
    NpRunReport report;
    rc = np_cli_run_model(&a.run, &a.options, &report);
    if (rc == NP_EXIT_OK) {
      char *text = render(&a, &report);
      rc = write_output(a.output, text);
      free(text);
      np_run_report_free(&report);
    }
  }
  np_cli_config_options_free(&a.run.config);
  return rc;
}
