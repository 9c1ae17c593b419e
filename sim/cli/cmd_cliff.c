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

static const char cliff_usage_head[] =
    "usage: npusim cliff MODEL --axis KEY=LO..HI [--metric M] [--samples N] [--threshold R]\n"
    "                    [--step S] [--config FILE] [--set KEY=VALUE]... [--dtype T] [--svg PLOT.svg]\n"
    "\n"
    "Finds every latency cliff (or a step in another metric) along one axis: samples the\n"
    "axis coarsely, then bisects between neighbouring samples whose metric differs by the\n"
    "threshold ratio or more, down to two values one granule apart. Each cliff is shown with\n"
    "the value before and after, the ratio, and its cause, from diffing the two warm\n"
    "schedules: weights that stop being resident, layers that fall back or re-tile.\n"
    "\n"
    "options:\n";
static const char cliff_usage_tail[] =
    "  --samples N        coarse samples (default 24; geometric when HI/LO >= 16)\n"
    "  --threshold R      a cliff is a step of at least this ratio (default 1.2)\n"
    "  --svg FILE         also plot the metric along the axis, each cliff marked with its cause\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim cliff models/mobilenet_v2.onnx --axis sram.capacity_bytes=512KiB..16MiB --dtype int8\n"
    "  npusim cliff models/resnet18.onnx --axis model.channel_scale=0.25..2 --set sram.capacity_bytes=2MiB\n"
    "\n"
    "exit status: 0 ok (with or without cliffs), 2 bad usage, config or model.\n";

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
  NpSearchOptions o;
  memset(&o, 0, sizeof o);
  o.command = "cliff";
  long samples = 0;
  double threshold = 0;
  const char *svg = NULL;
  int code = -1;
  for (int i = 1; i < argc && code < 0; i++) {
    int taken = np_cli_search_option(&o, argc, argv, &i);
    if (taken < 0) code = NP_EXIT_BAD_INPUT;
    if (taken != 0) continue;
    const char *a = argv[i];
    char *end;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      printf("%s%s%s%s", cliff_usage_head, np_cli_search_help, np_cli_config_help, cliff_usage_tail);
      code = NP_EXIT_OK;
    } else if (strcmp(a, "--samples") == 0 && i + 1 < argc) {
      samples = strtol(argv[++i], &end, 10);
      if (*end || samples < 3 || samples > 4096) {
        fprintf(stderr, "npusim cliff: --samples needs 3..4096\n");
        code = NP_EXIT_BAD_INPUT;
      }
    } else if (strcmp(a, "--threshold") == 0 && i + 1 < argc) {
      threshold = strtod(argv[++i], &end);
      if (*end || !(threshold > 1 && threshold < 1e6)) {
        fprintf(stderr, "npusim cliff: --threshold needs a ratio above 1, e.g. 1.2\n");
        code = NP_EXIT_BAD_INPUT;
      }
    } else if (strcmp(a, "--svg") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
      svg = argv[++i];
    } else {
      code = np_cli_search_positional(&o, a);
    }
  }
  NpCliffSearch search;
  if (code < 0) code = np_cli_search_begin(&o, &search);
  if (code < 0) {
    search.samples = (int)samples;
    search.threshold = threshold;
    NpReportCurve curve = {0};
    if (svg) {
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
      printf("%s: %zu cliff%s in %s along %s\n", o.model, n, n == 1 ? "" : "s", search.metric, search.axis.key);
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
      if (svg) {
        char *text = np_report_cliff_svg(&search, &curve, cliffs, n, o.model);
        if (!np_cli_write_file(svg, text)) code = NP_EXIT_BAD_INPUT;
        free(text);
      }
      np_cliffs_free(cliffs, n);
    }
    np_diag_free(&diag);
    np_report_curve_free(&curve);
  }
  np_cli_search_free(&o);
  return code;
}
