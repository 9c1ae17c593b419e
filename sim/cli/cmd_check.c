/* npusim check MODEL --budget key=number,... [--config F | --devices DIR] [--set k=v]... [--dtype T]
 * [--json | --csv]: exit 0 when every budget holds (on every device), 1 when any is broken, 2 for
 * bad usage or input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_run.h"
#include "cli/commands.h"
#include "report/report.h"
#include "util/diag.h"
#include "util/file.h"
#include "util/mem.h"

/* More device configs than this in one folder is a mistake (a folder of sweep outputs?). */
#define CHECK_MAX_DEVICES 256

static const char check_synopsis[] =
    "usage: npusim check MODEL --budget KEY=NUMBER[,KEY=NUMBER]... [--config FILE | --devices DIR]\n"
    "                          [--set KEY=VALUE]... [--scale-channels S] [--resolution R] [--dtype T]\n"
    "                          [--json | --csv]\n"
    "\n"
    "Runs the model as `npusim run` does and holds it to budgets, for a model team's CI. Every\n"
    "budget is printed with its status and margin; a broken one reads e.g.\n"
    "  FAIL  latency_ms: 41.2 ms > budget 33 ms (over by 8.2 ms, 24.8%)\n"
    "With --devices DIR it runs the model on every config in DIR (*.yaml, *.yml, in name order;\n"
    "configs/devices/ holds one per Apple neural-engine generation) and prints a row per device:\n"
    "cold and warm latency, how much stays on the accelerator (and why not), SRAM peak, energy and\n"
    "each budget's verdict. --set applies to every device.\n"
    "\n"
    "budgets (each holds when the value is at most the number, throttle_s at least; docs/run.md):\n"
    "  latency_ms       warm latency (every inference after the first), ms\n"
    "  latency_cold_ms  cold latency (the first inference, loading resident weights), ms\n"
    "  sram_mib         SRAM peak, MiB (1 MiB = 1048576 bytes)\n"
    "  energy_uj        energy of one warm inference, uJ (energy_mj: the same in mJ)\n"
    "  power_mw         average power of warm inferences back to back, mW\n"
    "  fallback_ops     ops that run off the accelerator\n"
    "  p99_ms           p99 frame latency of a sustained run (--fps, --seconds: npusim sustain), ms\n"
    "  throttle_s       time to the first thermal throttle of that run, s: holds when at least\n"
    "                   the number (a run that never throttles counts its whole length)\n"
    "\n";
static const char check_epilogue[] =
    "examples:\n"
    "  npusim check models/mobilenet_v2.onnx --budget latency_ms=33,sram_mib=4,energy_uj=2000,fallback_ops=0\n"
    "  npusim check models/ds_cnn_kws.onnx --config configs/ethos-u55-like.yaml --budget latency_cold_ms=50\n"
    "  npusim check models/mobilenet_v2.onnx --devices configs/devices --budget latency_ms=33,fallback_ops=0\n"
    "\n"
    "exit status: 0 every budget holds (on every device), 1 a budget is broken, 2 bad usage (an\n"
    "unknown budget, a bad number), a bad config, a device folder without configs, a model that\n"
    "cannot be loaded, or an energy budget on a config without the energy figures to judge it.\n";

enum { OPT_BUDGET = NP_CLI_OWN, OPT_JSON, OPT_CSV, OPT_DEVICES };

static const NpCliOption check_options[] = {
    {"budget", OPT_BUDGET, "LIST", "budgets, comma-separated; repeatable"},
    {"devices", OPT_DEVICES, "DIR", "check on every config in DIR (*.yaml, *.yml), a row per device"},
    {"json", OPT_JSON, NULL,
     "the verdict as JSON (schema \"" NP_CHECK_JSON_SCHEMA "\"; with --devices\n\"" NP_CHECK_DEVICES_JSON_SCHEMA "\")"},
    {"csv", OPT_CSV, NULL, "with --devices: the matrix as CSV, a row per device"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const check_tables[] = {check_options, NP_CLI_RUN_TABLES, np_cli_sustain_options, NULL};
static const NpCliCommand check_command = {"check", check_synopsis, check_tables, check_epilogue};

typedef struct CheckArgs {
  NpCliRun run;
  NpBudgets budgets;
  NpSustainOptions sustain;
  const char *devices; /* --devices DIR */
  bool have_budget;
  bool json, csv;
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
  if (key == OPT_CSV) a->csv = true;
  if (key == OPT_DEVICES) a->devices = value;
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
  if (a->devices && a->run.config.config_path)
    return np_cli_run_usage_error(&a->run, "--devices DIR and --config FILE: give one (the folder's configs are the devices)");
  if (a->csv && !a->devices) return np_cli_run_usage_error(&a->run, "--csv goes with --devices DIR");
  if (a->csv && a->json) return np_cli_run_usage_error(&a->run, "--json or --csv, not both");
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

/* The budgets checked against report into results (room for NP_BUDGET_COUNT): 0, or
 * NP_EXIT_BAD_INPUT after printing why a budget cannot be judged. */
static int judge(const NpBudgets *budgets, const NpRunReport *report, NpBudgetResult *results, int *n) {
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_budgets_check(report, budgets, results, n, &diag);
  if (!ok) np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

static int check_report(const CheckArgs *a, const NpRunReport *report) {
  NpBudgetResult results[NP_BUDGET_COUNT];
  int n = 0;
  if (judge(&a->budgets, report, results, &n) != NP_EXIT_OK) return NP_EXIT_BAD_INPUT;
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
static int add_sustain(const NpCliRun *run, const NpSustainOptions *sustain, NpRunReport *report) {
  NpSustainResult r;
  NpSustainOptions options = *sustain;
  char model[256], config[NP_ARCH_NAME_MAX];
  int rc = np_cli_run_sustained(run, &options, &r, model, sizeof model, config, sizeof config);
  if (rc != NP_EXIT_OK) return rc;
  report->has_sustain = true;
  report->sustain_seconds = options.seconds;
  report->sustain_p99_ms = r.p99_ms;
  report->sustain_throttle_s = r.throttled ? r.first_throttle_s : options.seconds;
  np_sustain_result_free(&r);
  return NP_EXIT_OK;
}

/* The model run on run's config (and sustained, when a budget needs it): 0 with *report filled,
 * else the exit code, with nothing to free. */
static int run_checked(const CheckArgs *a, const NpCliRun *run, NpRunReport *report) {
  NpRunOptions options;
  memset(&options, 0, sizeof options);
  int rc = np_cli_run_model(run, &options, report);
  if (rc == NP_EXIT_OK && needs_sustain(&a->budgets)) {
    rc = add_sustain(run, &a->sustain, report);
    if (rc != NP_EXIT_OK) np_run_report_free(report);
  }
  return rc;
}

/* ---- --devices: the same check on every config of a folder ---- */

typedef struct Device {
  NpCliRun run;            /* a copy of the command's, on this device's config */
  char *name;              /* the file's name less .yaml / .yml */
  NpRunReport report;
  bool ran;
  NpBudgetResult results[NP_BUDGET_COUNT];
  int n_results;
} Device;

static char *device_name(const char *path) {
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  return np_xasprintf("%.*s", (int)(dot ? dot - base : (long)strlen(base)), base);
}

/* The folder's configs, every one loaded before anything runs, so a broken one stops the check
 * at once (each named with file:line:col). Returns -1 to go on, else the exit code. */
static int find_devices(const CheckArgs *a, Device **out, size_t *n) {
  static const char *const suffixes[] = {".yaml", ".yml", NULL};
  char **paths;
  NpDiag diag;
  np_diag_init(&diag);
  bool listed = np_list_files(a->devices, suffixes, CHECK_MAX_DEVICES, &paths, n, &diag);
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  if (!listed) return NP_EXIT_BAD_INPUT;
  if (*n == 0) {
    fprintf(stderr, "%s: error: no device configs (*.yaml, *.yml) in this folder\n", a->devices);
    free(paths);
    return NP_EXIT_BAD_INPUT;
  }
  Device *d = np_xcalloc(*n, sizeof *d);
  int rc = -1;
  for (size_t i = 0; i < *n; i++) {
    NpArch arch;
    d[i].run = a->run;
    d[i].run.config.config_path = paths[i];
    d[i].name = device_name(paths[i]);
    if (np_cli_load_config(&d[i].run.config, &arch) != NP_EXIT_OK) rc = NP_EXIT_BAD_INPUT; /* printed */
  }
  free(paths); /* the strings now belong to the devices */
  *out = d;
  return rc;
}

static void free_devices(Device *d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (d[i].ran) np_run_report_free(&d[i].report);
    free((char *)d[i].run.config.config_path);
    free(d[i].name);
  }
  free(d);
}

static int print_devices(const CheckArgs *a, const Device *d, size_t n) {
  NpDeviceCheck *rows = np_xcalloc(n, sizeof *rows);
  size_t broken = 0;
  for (size_t i = 0; i < n; i++) {
    rows[i] = (NpDeviceCheck){d[i].name, d[i].run.config.config_path, &d[i].report, d[i].results, d[i].n_results};
    broken += !np_device_check_passes(&rows[i]);
  }
  char *text = a->json  ? np_devices_json(a->devices, rows, n)
               : a->csv ? np_devices_csv(rows, n)
                        : np_devices_text(a->devices, rows, n);
  fputs(text, stdout);
  np_cli_stdout_ok();
  free(text);
  free(rows);
  return broken ? NP_EXIT_FAIL : NP_EXIT_OK;
}

static int check_devices(const CheckArgs *a) {
  Device *d = NULL;
  size_t n = 0;
  int rc = find_devices(a, &d, &n);
  for (size_t i = 0; rc < 0 && i < n; i++) {
    int r = run_checked(a, &d[i].run, &d[i].report);
    d[i].ran = r == NP_EXIT_OK;
    if (r == NP_EXIT_OK) r = judge(&a->budgets, &d[i].report, d[i].results, &d[i].n_results);
    if (r != NP_EXIT_OK) rc = r;
  }
  if (rc < 0) rc = print_devices(a, d, n);
  free_devices(d, n);
  return rc;
}

int cmd_check(int argc, char **argv) {
  CheckArgs a;
  int rc = parse_check_args(argc, argv, &a);
  if (rc < 0 && a.devices) {
    rc = check_devices(&a);
  } else if (rc < 0) {
    NpRunReport report;
    rc = run_checked(&a, &a.run, &report);
    if (rc == NP_EXIT_OK) {
      rc = check_report(&a, &report);
      np_run_report_free(&report);
    }
  }
  np_cli_config_options_free(&a.run.config);
  return rc;
}
