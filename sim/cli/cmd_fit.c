/* npusim fit MODEL --budget METRIC=VALUE --axis model.channel_scale=LO..HI ...: the largest
 * axis value whose metric stays within the budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_search.h"
#include "cli/commands.h"

static const char fit_synopsis[] =
    "usage: npusim fit MODEL --budget METRIC=VALUE --axis KEY=LO..HI [--step S]\n"
    "                  [--config FILE] [--set KEY=VALUE]... [--dtype T]\n"
    "\n"
    "Sizes a model or a machine under a budget. Along model.channel_scale or model.resolution\n"
    "the answer is the largest value in LO..HI, to the axis's granularity, whose metric stays\n"
    "at or below the budget. Along a config key it is the largest where the metric grows\n"
    "with the key, the smallest where it falls (more sram.capacity_bytes, more bandwidth),\n"
    "judged from 24 evenly spaced samples; when they rise and fall, fit says so. Exit 1 when\n"
    "no sample meets the budget.\n"
    "\n";
static const char fit_epilogue[] =
    "examples:\n"
    "  npusim fit models/mobilenet_v2.onnx --budget warm_ms=2 --axis model.channel_scale=0.25..2 --dtype int8\n"
    "  npusim fit models/resnet18.onnx --budget warm_ms=10 --axis model.resolution=96..320 --step 32\n"
    "\n"
    "exit status: 0 a value fits, 1 none does, 2 bad usage, config or model.\n";

enum { OPT_BUDGET = NP_CLI_OWN };

static const NpCliOption fit_options[] = {
    {"budget", OPT_BUDGET, "M=V", "the metric and its limit, e.g. warm_ms=5 or energy_uj=800"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const fit_tables[] = {fit_options, NP_CLI_SEARCH_TABLES, NULL};
static const NpCliCommand fit_command = {"fit", fit_synopsis, fit_tables, fit_epilogue};

typedef struct FitArgs {
  NpSearchOptions search;
  const char *budget_text;
} FitArgs;

static int take_fit_option(void *user, int key, const char *value) {
  FitArgs *a = user;
  int taken = np_cli_search_take(&a->search, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  if (key == OPT_BUDGET) a->budget_text = value;
  return -1;
}

static int print_fit(const NpSearchOptions *o, const NpCliffSearch *search, double budget, const NpFit *fit) {
  char a[64], b[64], value[64];
  if (!fit->monotone) {
    np_axis_format(&search->axis, fit->against_x[0], a, sizeof a);
    np_axis_format(&search->axis, fit->against_x[1], b, sizeof b);
    printf("%s: note: %s is not monotone along %s (%.6g at %s, %.6g at %s, against the trend of %d samples): "
           "the answer is the best sample refined against its neighbour; other values may meet the budget too\n",
           o->model, search->metric, search->axis.key, fit->against_m[0], a, fit->against_m[1], b, fit->samples);
  }
  if (!fit->found) {
    printf("%s: no %s in the range meets %s <= %g (none of %d samples does)\n", o->model, search->axis.key,
           search->metric, budget, fit->samples);
    return NP_EXIT_FAIL;
  }
  np_axis_format(&search->axis, fit->value, value, sizeof value);
  printf("%s: %s %s meeting %s <= %g: %s (%s %.6g)\n", o->model, fit->falls ? "smallest" : "largest",
         search->axis.key, search->metric, budget, value, search->metric, fit->metric);
  return NP_EXIT_OK;
}

int cmd_fit(int argc, char **argv) {
  FitArgs args;
  memset(&args, 0, sizeof args);
  args.search.command = "fit";
  int first;
  int code = np_cli_parse(&fit_command, argc, argv, take_fit_option, &args, &first);
  if (code < 0) code = np_cli_search_take_model(&args.search, argc, argv, first);
  NpSearchOptions *o = &args.search;
  const char *budget_text = args.budget_text;
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
      o->metric = metric;
    }
  }
  NpCliffSearch search;
  if (code < 0) code = np_cli_search_begin(o, &search);
  if (code < 0) {
    NpDiag diag;
    np_diag_init(&diag);
    NpFit fit;
    if (!np_fit_find(&search, budget, &fit, &diag)) {
      np_diag_print(&diag, stderr);
      code = NP_EXIT_BAD_INPUT;
    } else {
      code = print_fit(o, &search, budget, &fit);
    }
    np_diag_free(&diag);
  }
  np_cli_search_free(o);
  return code;
}
