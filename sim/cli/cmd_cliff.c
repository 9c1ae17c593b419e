/* npusim cliff MODEL --axis KEY=LO..HI [--metric M] [--samples N] [--threshold R] ...:
 * every step of a metric along one axis, to the axis's granularity, with its cause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/cli_search.h"
#include "cli/commands.h"
#include "report/views.h"
#include "util/fmt.h"

static const char cliff_synopsis[] =
    "usage: npusim cliff MODEL --axis KEY=LO..HI [--metric M] [--samples N] [--threshold R]\n"
    "                    [--step S] [--config FILE] [--set KEY=VALUE]... [--dtype T] [--svg PLOT.svg]\n"
    "\n"
    "Finds every latency cliff (or a step in another metric) along one axis: samples the\n"
    "axis coarsely, then bisects between neighbouring samples whose metric differs by the\n"
    "threshold ratio or more, down to two values one granule apart. Each cliff is shown with\n"
    "the value before and after, the ratio, and its cause, from diffing the two warm\n"
    "schedules: weights that stop being resident, layers that fall back or re-tile.\n"
    "\n";
static const char cliff_epilogue[] =
    "examples:\n"
    "  npusim cliff models/mobilenet_v2.onnx --axis sram.capacity_bytes=512KiB..16MiB --dtype int8\n"
    "  npusim cliff models/ds_cnn_kws.onnx --config configs/ethos-u55-like.yaml --axis model.channel_scale=0.25..2\n"
    "\n"
    "exit status: 0 ok (with or without cliffs), 2 bad usage, config or model.\n";

enum { OPT_SAMPLES = NP_CLI_OWN, OPT_THRESHOLD, OPT_SVG };

static const NpCliOption cliff_options[] = {
    {"samples", OPT_SAMPLES, "N", "coarse samples (default 24; geometric when HI/LO >= 16)"},
    {"threshold", OPT_THRESHOLD, "R", "a cliff is a step of at least this ratio (default 1.2)"},
    {"svg", OPT_SVG, "FILE", "also plot the metric along the axis, each cliff marked with its cause"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const cliff_tables[] = {NP_CLI_SEARCH_TABLES, cliff_options, NULL};
static const NpCliCommand cliff_command = {"cliff", cliff_synopsis, cliff_tables, cliff_epilogue};

typedef struct CliffArgs {
  NpSearchOptions search;
  long samples;
  double threshold;
  const char *svg;
} CliffArgs;

static int take_cliff_option(void *user, int key, const char *value) {
  CliffArgs *a = user;
  int taken = np_cli_search_take(&a->search, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  char *end;
  switch (key) {
    case OPT_SAMPLES:
      a->samples = strtol(value, &end, 10);
      if (*end || end == value || a->samples < 3 || a->samples > 4096)
        return np_cli_usage_error(&cliff_command, "--samples needs 3..4096 (got '%s')", value);
      break;
    case OPT_THRESHOLD:
      a->threshold = strtod(value, &end);
      if (*end || end == value || !(a->threshold > 1 && a->threshold < 1e6))
        return np_cli_usage_error(&cliff_command, "--threshold needs a ratio above 1, e.g. 1.2 (got '%s')", value);
      break;
    case OPT_SVG:
      if (value[0] == '\0') return np_cli_usage_error(&cliff_command, "--svg needs a file name");
      a->svg = value;
      break;
    default: break;
  }
  return -1;
}

static void print_x(const NpAxisRange *axis, double x) {
  char text[64];
  if (axis->integer && strstr(axis->key, "bytes") != NULL) {
    np_format_size((int64_t)x, text, sizeof text);
    char human[NP_FMT_LEN];
    printf("%s (%s)", text, np_fmt_bytes((int64_t)x, human));
  } else {
    np_axis_format(axis, x, text, sizeof text);
    fputs(text, stdout);
    np_cli_stdout_ok();
  }
}

int cmd_cliff(int argc, char **argv) {
  CliffArgs a;
  memset(&a, 0, sizeof a);
  a.search.command = "cliff";
  int first;
  int code = np_cli_parse(&cliff_command, argc, argv, take_cliff_option, &a, &first);
  if (code < 0) code = np_cli_search_take_model(&a.search, argc, argv, first);
  NpCliffSearch search;
  if (code < 0) code = np_cli_search_begin(&a.search, &search);
  if (code < 0) {
    search.samples = (int)a.samples;
    search.threshold = a.threshold;
    NpReportCurve curve = {0};
    if (a.svg) {
      search.on_point = np_report_curve_add;
      search.on_point_user = &curve;
    }
    NpDiag diag;
    np_diag_init(&diag);
    NpCliff *cliffs;
    size_t n;
    if (!np_cliff_find(&search, &cliffs, &n, &diag)) {
      np_diag_print(&diag, stderr);
      code = NP_EXIT_BAD_INPUT;
    } else {
      printf("%s: %zu cliff%s in %s along %s\n", a.search.model, n, n == 1 ? "" : "s", search.metric, search.axis.key);
      for (size_t i = 0; i < n; i++) {
        const NpCliff *c = &cliffs[i];
        printf("\ncliff %zu: %s between ", i + 1, search.axis.key);
        print_x(&search.axis, c->x_before);
        fputs(" and ", stdout);
        print_x(&search.axis, c->x_after);
        printf("\n  %s %.6g -> %.6g (x%.2f)\n", search.metric, c->m_before, c->m_after, c->ratio);
        for (size_t k = 0; k < c->n_causes; k++) printf("  cause: %s\n", c->causes[k]);
      }
      code = NP_EXIT_OK;
      if (a.svg) {
        char *text = np_report_cliff_svg(&search, &curve, cliffs, n, a.search.model);
        if (!np_cli_write_file(a.svg, text)) code = NP_EXIT_BAD_INPUT;
        free(text);
      }
      np_cliffs_free(cliffs, n);
    }
    np_diag_free(&diag);
    np_report_curve_free(&curve);
  }
  np_cli_search_free(&a.search);
  return code;
}
