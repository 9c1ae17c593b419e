/* npusim: the command-line front end. Dispatches to one subcommand per file in sim/cli/. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "npusim.h"

typedef struct Command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
    {"run", cmd_run, "simulate a model: latency cold and warm, energy, per-layer figures, fallbacks, SRAM peak"},
    {"sustain", cmd_sustain, "a model at a frame rate for minutes: thermal throttling, p99 frame latency, power"},
    {"check", cmd_check, "hold a model to budgets (latency, SRAM, energy, fallbacks): exit 1 when one is broken"},
    {"sweep", cmd_sweep, "run every point of a sweep spec (configs x model what-ifs) to CSV/JSONL; shard, resume, merge"},
    {"cliff", cmd_cliff, "find latency cliffs along one axis (SRAM size, channel scale...) and the layers that cause them"},
    {"fit", cmd_fit, "the largest channel scale or resolution (or other axis value) that meets a budget"},
    {"pareto", cmd_pareto, "the Pareto front of a sweep's results (two metrics, optionally one front per group)"},
    {"report", cmd_report, "one self-contained HTML page: tables and plots of a run, a sweep's front, a cliff"},
    {"graph", cmd_graph, "show a model's layers: shapes (NHWC), MACs, weight and activation bytes"},
    {"config", cmd_config, "show the effective accelerator config, or check config files"},
    {"trace", cmd_trace, "dump, summarize, convert (Perfetto) and diff execution traces (.npt.zst)"},
    {"schedule", cmd_schedule, "lower a model to the accelerator: placement, tiling, residency, command stream"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_usage(FILE *out) {
  fputs("usage: npusim <command> [options]\n\n"
        "npusim is a cycle-approximate simulator of a neural-network accelerator: it lowers a\n"
        "model (ONNX or a text graph) to an NHWC tile schedule and replays it against an\n"
        "accelerator config (YAML; a phone-NPU default is built in).\n\n"
        "commands:\n",
        out);
  for (size_t i = 0; i < n_commands; i++) fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fputs("\n`npusim <command> --help` explains a command and its options; `npusim --version` prints the\n"
        "version and the config schema this build reads.\n"
        "examples:\n"
        "  npusim run models/mobilenet_v2.onnx\n"
        "  npusim check models/mobilenet_v2.onnx --budget latency_ms=33,sram_mib=4,fallback_ops=0\n"
        "  npusim graph models/mobilenet_v2.onnx\n"
        "  npusim graph models/resnet50.onnx --json\n"
        "  npusim config show --set sram.capacity_bytes=2MiB\n",
        out);
}

static int stdout_errno; /* why the first write to stdout failed, 0 while none has */

bool np_cli_stdout_ok(void) {
  if (!ferror(stdout)) return true;
  if (stdout_errno == 0) stdout_errno = errno;
  return false;
}

/* Reports go through stdout's buffer, so a full disk shows up at the latest when it is flushed
 * here; a cut-off report must never end in exit 0. */
static int finish_stdout(int code) {
  bool failed = ferror(stdout) != 0;
  int err = stdout_errno;
  if (fflush(stdout) != 0) {
    failed = true;
    if (err == 0) err = errno;
  }
  if (fclose(stdout) != 0 && !failed) failed = true, err = errno;
  if (!failed) return code;
  fprintf(stderr, "npusim: error: cannot write standard output: %s\n", err ? strerror(err) : "a write failed");
  return NP_EXIT_BAD_INPUT;
}

static const Command *find_command(const char *name) {
  for (size_t i = 0; i < n_commands; i++)
    if (strcmp(name, commands[i].name) == 0) return &commands[i];
  return NULL;
}

static int unknown_command(const char *name) {
  fprintf(stderr, "npusim: unknown command '%s'\n\n", name);
  print_usage(stderr);
  return NP_EXIT_BAD_INPUT;
}

static int run_command(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return NP_EXIT_BAD_INPUT;
  }
  const char *name = argv[1];
  if (strcmp(name, "help") == 0 && argc >= 3) { /* npusim help run: run's --help */
    const Command *command = find_command(argv[2]);
    char help[] = "--help";
    char *help_argv[] = {argv[2], help, NULL};
    return command ? command->run(2, help_argv) : unknown_command(argv[2]);
  }
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    print_usage(stdout);
    return NP_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0) {
    printf("npusim %s\nconfig schema %s\n", npusim_version(), npusim_config_schema());
    return NP_EXIT_OK;
  }
  const Command *command = find_command(name);
  return command ? command->run(argc - 1, argv + 1) : unknown_command(name);
}

int main(int argc, char **argv) { return finish_stdout(run_command(argc, argv)); }
