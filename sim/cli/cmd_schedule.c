/* npusim schedule MODEL [--config F] [--set k=v]... [--scale-channels S] [--resolution R]
 * [--json] [--warm|--cold] [--dtype T] [--commands N|all]: the lowered schedule: placement, tiling, residency, SRAM peak and the
 * command stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/cli_run.h"
#include "cli/commands.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "simulate/simulate.h"
#include "report/views.h"
#include "util/diag.h"
#include "util/mem.h"

static const char schedule_synopsis[] =
    "usage: npusim schedule MODEL [--config FILE] [--set KEY=VALUE]... [--scale-channels S] [--resolution R]\n"
    "                             [--dtype T] [--json] [--warm|--cold] [--commands N|all]\n"
    "\n"
    "Lowers a model onto the accelerator and shows the schedule one inference executes: the\n"
    "engine of every layer (and why an op left the accelerator), the ops fused into it, its\n"
    "NHWC tile and tile count, array utilization, which weights stay resident in SRAM, the\n"
    "DRAM traffic, the SRAM peak against capacity, and the LOAD / STORE / COMPUTE / SYNC\n"
    "command stream with dependencies. The what-ifs change the model as `npusim run` does.\n"
    "docs/lowering.md explains the decisions; docs/formats.md (\"Schedule\") the JSON.\n"
    "\n";
static const char schedule_epilogue[] =
    "examples:\n"
    "  npusim schedule models/micro/conv3x3.npg\n"
    "  npusim schedule models/resnet50.onnx --set sram.capacity_bytes=256KiB --warm\n"
    "  npusim schedule models/mobilenet_v2.onnx --resolution 160 --scale-channels 0.5 --dtype int8\n"
    "  npusim schedule models/micro/gemm.npg --config configs/rtl-small.yaml --json > gemm.json\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config or a model that cannot be loaded.\n";

enum { OPT_JSON = NP_CLI_OWN, OPT_COLD, OPT_WARM, OPT_COMMANDS };

static const NpCliOption schedule_options[] = {
    {"json", OPT_JSON, NULL, "the whole schedule as JSON (schema \"" NP_SCHEDULE_JSON_SCHEMA "\"), every command"},
    {"cold", OPT_COLD, NULL, "the first inference: resident weights are loaded too (default)"},
    {"warm", OPT_WARM, NULL, "a later inference: resident weights are already in SRAM"},
    {"commands", OPT_COMMANDS, "N|all", "commands to list in the text form (default 40)"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const schedule_tables[] = {NP_CLI_RUN_TABLES, schedule_options, NULL};
static const NpCliCommand schedule_command = {"schedule", schedule_synopsis, schedule_tables, schedule_epilogue};

typedef struct ScheduleOptions {
  NpCliRun run;
  bool json;
  bool warm;
  long long commands; /* -1: all */
} ScheduleOptions;

static int take_schedule_option(void *user, int key, const char *value) {
  ScheduleOptions *o = user;
  int taken = np_cli_run_take(&o->run, key, value);
  if (taken != 0) return taken < 0 ? NP_EXIT_BAD_INPUT : -1;
  if (key == OPT_JSON) o->json = true;
  if (key == OPT_COLD || key == OPT_WARM) o->warm = key == OPT_WARM;
  if (key != OPT_COMMANDS) return -1;
  if (strcmp(value, "all") == 0) {
    o->commands = -1;
    return -1;
  }
  char *end = NULL;
  long long n = strtoll(value, &end, 10);
  if (end == value || *end != '\0' || n < 0)
    return np_cli_usage_error(&schedule_command, "--commands: '%s' is not a count or 'all'", value);
  o->commands = n;
  return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, ScheduleOptions *o) {
  memset(o, 0, sizeof *o);
  o->run.command = "schedule";
  o->commands = 40;
  int first;
  int rc = np_cli_parse(&schedule_command, argc, argv, take_schedule_option, o, &first);
  return rc < 0 ? np_cli_run_take_model(&o->run, argc, argv, first) : rc;
}

/* Prints the schedule; the text form with the replayed figures, so false (nothing printed)
 * when that replay would be longer than --max-bursts allows. */
static bool print_schedule(const ScheduleOptions *o, const NpSchedule *s, const NpGraph *g, const NpArch *arch,
                           NpDiag *diag) {
  char *text;
  if (o->json) {
    text = np_schedule_to_json(s, g);
  } else {
    if (!np_sim_check_cost(&s, 1, arch, o->run.max_bursts, NULL, diag)) return false;
    NpStats stats;
    NpReplayOptions replay_options = {0};
    bool replayed = np_replay_run(s, arch, &replay_options, &stats, diag);
    text = np_schedule_view_text(s, g, replayed ? &stats : NULL, o->commands);
    if (replayed) np_stats_free(&stats);
  }
  fputs(text, stdout);
  np_cli_stdout_ok();
  free(text);
  return true;
}

/* The effective config and the lowering options; -1 to go on, else the exit code. */
static int load_target(const ScheduleOptions *o, NpArch *arch, NpLowerOptions *lo) {
  int rc = np_cli_load_config(&o->run.config, arch);
  if (rc == NP_EXIT_OK) rc = np_cli_run_resolve_dtype(&o->run, arch, &lo->dtype);
  lo->warm = o->warm;
  lo->weight_bits = o->run.weight_bits;
  return rc == NP_EXIT_OK ? -1 : rc;
}

int cmd_schedule(int argc, char **argv) {
  ScheduleOptions o;
  NpArch arch;
  NpLowerOptions lo = {false, NP_DTYPE_UNKNOWN, 0, NULL};
  int rc = parse_options(argc, argv, &o);
  if (rc < 0) rc = load_target(&o, &arch, &lo);
  np_cli_config_options_free(&o.run.config);
  if (rc >= 0) return rc;
  NpGraph *g = np_cli_load_model(o.run.model, &o.run.model_options); /* prints its errors */
  if (g == NULL) return NP_EXIT_BAD_INPUT;
  NpDiag diag;
  np_diag_init(&diag);
  NpSchedule s;
  if (np_lower(g, &arch, &lo, &s, &diag)) {
    rc = print_schedule(&o, &s, g, &arch, &diag) ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
    if (rc != NP_EXIT_OK) np_diag_print(&diag, stderr);
    np_schedule_free(&s);
  } else {
    np_diag_print(&diag, stderr);
    rc = NP_EXIT_BAD_INPUT;
  }
  np_graph_free(g);
  np_diag_free(&diag);
  return rc;
}
