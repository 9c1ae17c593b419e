/* npusim sustain MODEL --fps F --seconds S [--late drop|queue] [--battery-wh W] [--json|--csv]
 * [--svg FILE] [-o FILE]: the model at a frame rate for minutes on a die that heats and
 * throttles down the config's DVFS table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/cli_run.h"
#include "cli/commands.h"
#include "report/views.h"
#include "sustain/sustain.h"
#include "util/diag.h"

static const char sustain_synopsis[] =
    "usage: npusim sustain MODEL [--fps F] [--seconds S] [--late drop|queue] [--battery-wh W]\n"
    "                            [--config FILE] [--set KEY=VALUE]... [--dtype T] [--weight-bits B]\n"
    "                            [--json|--csv] [--svg PLOT.svg] [-o FILE]\n"
    "\n"
    "Runs the model at F frames a second for S seconds on the config's lumped thermal model:\n"
    "the energy model's power heats the die, and above the throttle temperature the clock\n"
    "steps down the config's DVFS table, so frames take longer. Reports the time to first\n"
    "throttle, p50/p95/p99 frame latency, dropped and late frames, average power and (with\n"
    "--battery-wh) the battery share per hour. The model is simulated once per clock step it\n"
    "reaches. docs/timing.md, \"Sustained runs\", has the formulas.\n"
    "\n";
static const char sustain_epilogue[] =
    "examples:\n"
    "  npusim sustain models/mobilenet_v2.onnx --fps 30 --seconds 600\n"
    "  npusim sustain models/mobilenet_v2.onnx --fps 60 --seconds 600 --late queue --csv -o series.csv\n"
    "  npusim sustain models/micro/distilbert.npg --fps 30 --seconds 300 --svg thermal.svg --battery-wh 12\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config (or one without `thermal`), or a model that cannot run.\n";

enum { OPT_BATTERY = NP_CLI_OWN, OPT_JSON, OPT_CSV, OPT_SVG };

static const NpCliOption sustain_options[] = {
    {"battery-wh", OPT_BATTERY, "W", "battery capacity in Wh: report the share of it an hour takes"},
    {"json", OPT_JSON, NULL, "the summary as JSON (schema \"" NP_SUSTAIN_JSON_SCHEMA "\")"},
    {"csv", OPT_CSV, NULL, "the time series: one row per frame (t_s,temp_c,clock_mhz,latency_ms,dropped)"},
    {"svg", OPT_SVG, "FILE", "plot temperature, clock and latency over time to FILE"},
    {"output", 'o', "FILE", "write the report to FILE (atomically) instead of stdout"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const sustain_tables[] = {NP_CLI_RUN_TABLES, np_cli_sustain_options, sustain_options, NULL};
static const NpCliCommand sustain_command = {"sustain", sustain_synopsis, sustain_tables, sustain_epilogue};

typedef struct SustainArgs {
  NpCliRun run;
  NpSustainOptions options;
  bool json, csv;
  const char *svg, *output;
} SustainArgs;

static int take_sustain_option(void *user, int key, const char *value) {
  SustainArgs *a = user;
  int taken = np_cli_run_take(&a->run, key, value);
  if (taken == 0) taken = np_cli_sustain_take(&a->run, &a->options, key, value);
  if (taken == 0 && key == OPT_BATTERY) taken = np_cli_positive_number(&a->run, "--battery-wh", value, &a->options.battery_wh);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  switch (key) {
    case OPT_JSON: a->json = true; return -1;
    case OPT_CSV: a->csv = true; return -1;
    case OPT_SVG: a->svg = value; return -1;
    case 'o': a->output = value; return -1;
    default: return -1;
  }
}

static int parse_args(int argc, char **argv, SustainArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "sustain";
  np_cli_sustain_defaults(&a->options);
  int first;
  int rc = np_cli_parse(&sustain_command, argc, argv, take_sustain_option, a, &first);
  if (rc < 0) rc = np_cli_run_take_model(&a->run, argc, argv, first);
  if (rc >= 0) return rc;
  if (a->json && a->csv) return np_cli_run_usage_error(&a->run, "--json and --csv exclude each other");
  if ((a->svg && a->svg[0] == '\0') || (a->output && a->output[0] == '\0'))
    return np_cli_run_usage_error(&a->run, "an empty file name");
  int64_t frames = np_sustain_frame_count(a->options.fps, a->options.seconds);
  if (frames < 0) {
    char message[200];
    snprintf(message, sizeof message, "--fps must be at most %g and --seconds at most %g (a week)", NP_SUSTAIN_MAX_FPS,
             NP_SUSTAIN_MAX_SECONDS);
    return np_cli_run_usage_error(&a->run, message);
  }
  if (frames > NP_SUSTAIN_LARGE_FRAMES)
    fprintf(stderr, "npusim sustain: %lld frames: the frame loop takes about %.0f s, and --csv writes a row for each\n",
            (long long)frames, (double)frames * 1e-7);
  return -1;
}

static int write_out(const char *path, const char *text) {
  if (path == NULL) {
    fputs(text, stdout);
    return np_cli_stdout_ok() ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
  }
  return np_cli_write_file(path, text) ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

static int report(const SustainArgs *a, const NpSustainResult *r, const char *model, const char *config) {
  int rc = NP_EXIT_OK;
  if (a->svg) {
    char *svg = np_sustain_svg(r, model);
    if (!np_cli_write_file(a->svg, svg)) rc = NP_EXIT_BAD_INPUT;
    free(svg);
  }
  if (rc != NP_EXIT_OK) return rc;
  char *text = a->csv    ? np_sustain_csv(r)
               : a->json ? np_sustain_json(r, &a->options, model, config)
                         : np_sustain_text(r, &a->options, model, config);
  rc = write_out(a->output, text);
  free(text);
  return rc;
}

int cmd_sustain(int argc, char **argv) {
  SustainArgs a;
  int rc = parse_args(argc, argv, &a);
  if (rc < 0) {
    NpSustainResult r;
    char model[256], config[NP_ARCH_NAME_MAX];
    rc = np_cli_run_sustained(&a.run, &a.options, &r, model, sizeof model, config, sizeof config);
    if (rc == NP_EXIT_OK) {
      rc = report(&a, &r, model, config);
      np_sustain_result_free(&r);
    }
  }
  np_cli_config_options_free(&a.run.config);
  return rc;
}
