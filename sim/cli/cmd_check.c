/* npusim check MODEL --budget key=number,... [--config F] [--set k=v]... [--dtype T] [--json]:
 * exit 0 when every budget holds, 1 when any is broken, 2 for bad usage or input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_run.h"
#include "cli/commands.h"
#include "report/report.h"
#include "util/diag.h"

static const char check_synopsis[] =
    "usage: npusim check MODEL --budget KEY=NUMBER[,KEY=NUMBER]... [--config FILE] [--set KEY=VALUE]...\n"
    "                          [--scale-channels S] [--resolution R] [--dtype T] [--json]\n"
    "\n"
    "Runs the model as `npusim run` does and holds it to budgets, for a model team's CI. Every\n"
    "budget is printed with its status and margin; a broken one reads e.g.\n"
    "  FAIL  latency_ms: 41.2 ms > budget 33 ms (over by 8.2 ms, 24.8%)\n"
    "\n"
    "budgets (each holds when the value is at most the number, throttle_s at least; docs/run.md):\n"
    "  latency_ms       warm latency (every inference after the first), ms\n"
    "  latency_cold_ms  cold latency (the first inference, loading resident weights), ms\n"
    "  sram_mib         SRAM peak, MiB (1 MiB = 1048576 bytes)\n"
    "  energy_mj        energy of one warm inference, mJ\n"
    "  power_mw         average power of warm inferences back to back, mW\n"
    "  fallback_ops     ops that run off the accelerator\n"
    "  p99_ms           p99 frame latency of a sustained run (--fps, --seconds: npusim sustain), ms\n"
    "  throttle_s       time to the first thermal throttle of that run, s: holds when at least\n"
    "                   the number (a run that never throttles counts its whole length)\n"
    "\n";
static const char check_epilogue[] =
    "examples:\n"
    "  npusim check models/mobilenet_v2.onnx --budget latency_ms=33,sram_mib=4,energy_mj=2,fallback_ops=0\n"
    "  npusim check models/ds_cnn_kws.onnx --config configs/ethos-u55-like.yaml --budget latency_cold_ms=50\n"
    "\n"
    "exit status: 0 every budget holds, 1 a budget is broken, 2 bad usage (an unknown budget, a\n"
    "bad number), a bad config, a model that cannot be loaded, or an energy budget on a config\n"
    "without the energy figures to judge it.\n";

enum { OPT_BUDGET = NP_CLI_OWN, OPT_JSON };

static const NpCliOption check_options[] = {
    {"budget", OPT_BUDGET, "LIST", "budgets, comma-separated; repeatable"},
    {"json", OPT_JSON, NULL, "the verdict as JSON (schema \"" NP_CHECK_JSON_SCHEMA "\")"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const check_tables[] = {check_options, NP_CLI_RUN_TABLES, np_cli_sustain_options, NULL};
static const NpCliCommand check_command = {"check", check_synopsis, check_tables, check_epilogue};

typedef struct CheckArgs {
  NpCliRun run;
  NpBudgets budgets;
  NpSustainOptions sustain;
  bool have_budget;
  bool json;
} CheckArgs;

static int add_budgets(CheckArgs *a, const char *text) {
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_budgets_parse(text, &a->budgets, &diag);
  for (size_t i = 0; i < diag.count; i++) fprintf(stderr, "npusim check: %s\n", diag.messages[i]);
  np_diag_free(&diag);
  a->have_budget = true;
  return ok ? -1 : NP_EXIT_BAD_INPUT;
}

static int take_check_option(void *user, int key, const char *value) {
  CheckArgs *a = user;
  int taken = np_cli_run_take(&a->run, key, value);
  if (taken == 0) taken = np_cli_sustain_take(&a->run, &a->sustain, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  if (key == OPT_JSON) a->json = true;
  if (key == OPT_BUDGET) return add_budgets(a, value);
  return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_check_args(int argc, char **argv, CheckArgs *a) {
  memset(a, 0, sizeof *a);
  a->run.command = "check";
  np_cli_sustain_defaults(&a->sustain);
  int first;
  int rc = np_cli_parse(&check_command, argc, argv, take_check_option, a, &first);
  if (rc < 0) rc = np_cli_run_take_model(&a->run, argc, argv, first);
  if (rc >= 0) return rc;
  if (!a->have_budget)
    return np_cli_run_usage_error(&a->run, "no --budget given (e.g. --budget latency_ms=33,fallback_ops=0)");
  return -1;
}

static void print_verdict(const NpRunReport *report, const NpBudgetResult *results, int n, int broken) {
  printf("check: %s (%s) on %s, %s\n", report->model_name, report->model_source, report->config_name,
         np_dtype_name(report->dtype));
  for (int i = 0; i < n; i++) printf("  %-4s  %s\n", results[i].holds ? "ok" : "FAIL", results[i].message);
  if (broken)
    printf("FAIL: %d of %d budget%s broken\n", broken, n, n == 1 ? "" : "s");
  else
    printf("ok: %s %d budget%s hold%s\n", n == 1 ? "the" : "all", n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}

static int check_report(const CheckArgs *a, const NpRunReport *report) {
  NpBudgetResult results[NP_BUDGET_COUNT];
  int n = 0;
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_budgets_check(report, &a->budgets, results, &n, &diag);
  if (!ok) np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  if (!ok) return NP_EXIT_BAD_INPUT;
  int broken = 0;
  for (int i = 0; i < n; i++) broken += !results[i].holds;
  if (a->json) {
    char *text = np_budgets_json(report, results, n);
    fputs(text, stdout);
    np_cli_stdout_ok();
    free(text);
  } else {
    print_verdict(report, results, n, broken);
  }
  return broken ? NP_EXIT_FAIL : NP_EXIT_OK;
}

static bool needs_sustain(const NpBudgets *b) {
  for (int k = 0; k < NP_BUDGET_COUNT; k++)
    if (b->set[k] && np_budget_needs_sustain((NpBudgetKey)k)) return true;
  return false;
}

/* The sustained run's figures into the report, for p99_ms and throttle_s. */
static int add_sustain(CheckArgs *a, NpRunReport *report) {
  NpSustainResult r;
  char model[256], config[NP_ARCH_NAME_MAX];
  int rc = np_cli_run_sustained(&a->run, &a->sustain, &r, model, sizeof model, config, sizeof config);
  if (rc != NP_EXIT_OK) return rc;
  report->has_sustain = true;
  report->sustain_seconds = a->sustain.seconds;
  report->sustain_p99_ms = r.p99_ms;
  report->sustain_throttle_s = r.throttled ? r.first_throttle_s : a->sustain.seconds;
  np_sustain_result_free(&r);
  return NP_EXIT_OK;
}

int cmd_check(int argc, char **argv) {
  CheckArgs a;
  int rc = parse_check_args(argc, argv, &a);
  if (rc < 0) {
    NpRunReport report;
    NpRunOptions options;
    memset(&options, 0, sizeof options);
    rc = np_cli_run_model(&a.run, &options, &report);
    if (rc == NP_EXIT_OK) {
      if (needs_sustain(&a.budgets)) rc = add_sustain(&a, &report);
      if (rc == NP_EXIT_OK) rc = check_report(&a, &report);
      np_run_report_free(&report);
    }
  }
  np_cli_config_options_free(&a.run.config);
  return rc;
}
