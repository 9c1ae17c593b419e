/* npusim fit MODEL --budget METRIC=VALUE --axis model.channel_scale=LO..HI ...: the largest
 * axis value whose metric stays within the budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_search.h"
#include "cli/commands.h"

static const char fit_usage_head[] =
    "usage: npusim fit MODEL --budget METRIC=VALUE --axis KEY=LO..HI [--step S]\n"
    "                  [--config FILE] [--set KEY=VALUE]... [--dtype T]\n"
    "\n"
    "Sizes a model under a budget: the largest value of the axis (model.channel_scale or\n"
    "model.resolution, or any config key the metric grows with) in LO..HI, to the axis's\n"
    "granularity, whose metric stays at or below the budget. Bisection assumes the metric\n"
    "grows with the axis. Exit 1 when even LO breaks the budget.\n"
    "\n"
    "options:\n"
    "  --budget M=V       the metric and its limit, e.g. warm_ms=5 or energy_mj=0.8\n";
static const char fit_usage_tail[] =
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim fit models/mobilenet_v2.onnx --budget warm_ms=2 --axis model.channel_scale=0.25..2 --dtype int8\n"
    "  npusim fit models/resnet18.onnx --budget warm_ms=10 --axis model.resolution=96..320 --step 32\n"
    "\n"
    "exit status: 0 a value fits, 1 none does, 2 bad usage, config or model.\n";

int cmd_fit(int argc, char **argv) {
  NpSearchOptions o;
  memset(&o, 0, sizeof o);
  o.command = "fit";
  const char *budget_text = NULL;
  int code = -1;
  for (int i = 1; i < argc && code < 0; i++) {
    int taken = np_cli_search_option(&o, argc, argv, &i);
    if (taken < 0) code = NP_EXIT_BAD_INPUT;
    if (taken != 0) continue;
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      printf("%s%s%s%s", fit_usage_head, np_cli_search_help, np_cli_config_help, fit_usage_tail);
      code = NP_EXIT_OK;
    } else if (strcmp(a, "--budget") == 0 && i + 1 < argc) {
      budget_text = argv[++i];
    } else {
      code = np_cli_search_positional(&o, a);
    }
  }
  double budget = 0;
  if (code < 0) {
    const char *eq = budget_text ? strchr(budget_text, '=') : NULL;
    char *end = NULL;
    if (eq) budget = strtod(eq + 1, &end);
    if (eq == NULL || end == eq + 1 || *end != '\0' || !(budget >= 0)) {
      fprintf(stderr, "npusim fit: needs --budget METRIC=VALUE, e.g. --budget warm_ms=5\n");
      code = NP_EXIT_BAD_INPUT;
    } else {
      static char metric[64];
      snprintf(metric, sizeof metric, "%.*s", (int)(eq - budget_text), budget_text);
      o.metric = metric;
    }
  }
  NpCliffSearch search;
  if (code < 0) code = np_cli_search_begin(&o, &search);
  if (code < 0) {
    NpDiag diag;
    np_diag_init(&diag);
    double best = 0, best_metric = 0;
    bool found = false;
    char value[64];
    if (!np_fit_find(&search, budget, &best, &best_metric, &found, &diag)) {
      np_diag_print(&diag, stderr);
      code = NP_EXIT_BAD_INPUT;
    } else if (!found) {
      np_axis_format(&search.axis, search.axis.lo, value, sizeof value);
      printf("%s: no %s in the range meets %s <= %g (even %s breaks it)\n", o.model, search.axis.key, search.metric,
             budget, value);
      code = NP_EXIT_FAIL;
    } else {
      np_axis_format(&search.axis, best, value, sizeof value);
      printf("%s: largest %s meeting %s <= %g: %s (%s %.6g)\n", o.model, search.axis.key, search.metric, budget, value,
             search.metric, best_metric);
      code = NP_EXIT_OK;
    }
    np_diag_free(&diag);
  }
  np_cli_search_free(&o);
  return code;
}
