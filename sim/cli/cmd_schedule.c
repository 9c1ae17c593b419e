/* npusim schedule MODEL [--config F] [--set k=v]... [--json] [--warm|--cold] [--dtype T]
 * [--commands N|all]: the lowered schedule: placement, tiling, residency, SRAM peak and the
 * command stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/cli_config.h"
#include "cli/commands.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "model/model.h"
#include "replay/replay.h"
#include "report/views.h"
#include "util/diag.h"
#include "util/mem.h"

static const char schedule_usage_head[] =
    "usage: npusim schedule MODEL [--config FILE] [--set KEY=VALUE]... [--json] [--warm|--cold]\n"
    "                             [--dtype T] [--commands N|all]\n"
    "\n"
    "Lowers a model onto the accelerator and shows the schedule one inference executes: the\n"
    "engine of every layer (and why an op left the accelerator), the ops fused into it, its\n"
    "NHWC tile and tile count, array utilization, which weights stay resident in SRAM, the\n"
    "DRAM traffic, the SRAM peak against capacity, and the LOAD / STORE / COMPUTE / SYNC\n"
    "command stream with dependencies. docs/lowering.md explains the decisions;\n"
    "docs/formats.md (\"Schedule\") the JSON.\n"
    "\n"
    "options:\n";
static const char schedule_usage_tail[] =
    "  --json             the whole schedule as JSON (schema \"" NP_SCHEDULE_JSON_SCHEMA "\"), every command\n"
    "  --cold             the first inference: resident weights are loaded too (default)\n"
    "  --warm             a later inference: resident weights are already in SRAM\n"
    "  --dtype T          compute floating-point tensors in T (one of the config's data_types);\n"
    "                     default: the config's default_dtype\n"
    "  --commands N|all   commands to list in the text form (default 40)\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim schedule models/micro/conv3x3.npg\n"
    "  npusim schedule models/resnet50.onnx --set sram.capacity_bytes=256KiB --warm\n"
    "  npusim schedule models/micro/gemm.npg --config configs/rtl-small.yaml --json > gemm.json\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config or a model that cannot be loaded.\n";

typedef struct ScheduleOptions {
  const char *model;
  NpConfigOptions config;
  bool json;
  bool warm;
  const char *dtype;
  long long commands; /* -1: all */
} ScheduleOptions;

static int usage_error(const char *fmt, const char *arg) {
  fputs("npusim schedule: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nsee `npusim schedule --help`\n", stderr);
  return NP_EXIT_BAD_INPUT;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, ScheduleOptions *o) {
  memset(o, 0, sizeof *o);
  o->commands = 40;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int taken = np_cli_config_option(&o->config, argc, argv, &i);
    if (taken < 0) return NP_EXIT_BAD_INPUT;
    if (taken > 0) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(schedule_usage_head, stdout);
      fputs(np_cli_config_help, stdout);
      fputs(schedule_usage_tail, stdout);
      return NP_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (strcmp(a, "--warm") == 0) {
      o->warm = true;
    } else if (strcmp(a, "--cold") == 0) {
      o->warm = false;
    } else if (strcmp(a, "--dtype") == 0 || strncmp(a, "--dtype=", 8) == 0) {
      if (a[7] == '=') {
        o->dtype = a + 8;
      } else if (i + 1 < argc) {
        o->dtype = argv[++i];
      } else {
        return usage_error("%s needs a data type", a);
      }
    } else if (strcmp(a, "--commands") == 0 || strncmp(a, "--commands=", 11) == 0) {
      const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL) return usage_error("%s needs a count or 'all'", a);
      if (strcmp(v, "all") == 0) {
        o->commands = -1;
      } else {
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        if (end == v || *end != '\0' || n < 0) return usage_error("--commands: '%s' is not a count or 'all'", v);
        o->commands = n;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("unknown option '%s'", a);
    } else if (o->model == NULL) {
      o->model = a;
    } else {
      return usage_error("one MODEL only; '%s' is extra", a);
    }
  }
  if (o->model == NULL) return usage_error("%s", "missing MODEL");
  return -1;
}

int cmd_schedule(int argc, char **argv) {
  ScheduleOptions o;
  int rc = parse_options(argc, argv, &o);
  if (rc >= 0) {
    np_cli_config_options_free(&o.config);
    return rc;
  }
  NpArch arch;
  rc = np_cli_load_config(&o.config, &arch);
  np_cli_config_options_free(&o.config);
  if (rc != 0) return rc;
  NpLowerOptions lo = {o.warm, NP_DTYPE_UNKNOWN};
  if (o.dtype) {
    lo.dtype = np_dtype_from_name(o.dtype);
    if (lo.dtype == NP_DTYPE_UNKNOWN || arch.dtype_bytes[lo.dtype] == 0) {
      fprintf(stderr, "npusim schedule: --dtype %s: not one of the config's data_types (", o.dtype);
      for (int i = 0; i < arch.n_data_types; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", np_dtype_name(arch.data_types[i]));
      fputs(")\n", stderr);
      return NP_EXIT_BAD_INPUT;
    }
  }
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_model_load(o.model, &diag);
  if (g == NULL) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    return NP_EXIT_BAD_INPUT;
  }
  NpSchedule s;
  if (!np_lower(g, &arch, &lo, &s, &diag)) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    np_graph_free(g);
    return NP_EXIT_BAD_INPUT;
  }
  if (o.json) {
    char *text = np_schedule_to_json(&s, g);
    fputs(text, stdout);
    np_cli_stdout_ok();
    free(text);
  } else {
    NpStats stats;
    NpReplayOptions replay_options = {0};
    bool replayed = np_replay_run(&s, &arch, &replay_options, &stats, &diag);
    char *text = np_schedule_view_text(&s, g, replayed ? &stats : NULL, o.commands);
    if (replayed) np_stats_free(&stats);
    fputs(text, stdout);
    np_cli_stdout_ok();
    free(text);
  }
  np_schedule_free(&s);
  np_graph_free(g);
  np_diag_free(&diag);
  return NP_EXIT_OK;
}
