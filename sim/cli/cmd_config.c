/* npusim config: show the effective accelerator config, or check config files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/cli_config.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "sweep/sweep.h"
#include "util/file.h"

static const char config_synopsis[] =
    "usage: npusim config show [--config FILE] [--set KEY=VALUE]...\n"
    "       npusim config check FILE... [--set KEY=VALUE]...\n\n"
    "An accelerator config (YAML) describes the clock, data types, engines (MAC arrays,\n"
    "vector units, a CPU fallback) and the rules that decide which ops they accept, the\n"
    "SRAM banks, DRAM, sync costs and the energy table. docs/config.md documents every key.\n\n"
    "  show    print the effective config as YAML: the file (or the built-in default) with\n"
    "          every --set applied. The output is itself a valid config.\n"
    "  check   validate files; prints every error as file:line:col with the source line.\n"
    "          Exit 0 when all are valid, 2 when any is not.\n\n";
static const char config_epilogue[] =
    "examples:\n"
    "  npusim config show                                   # the built-in phone-NPU default\n"
    "  npusim config show --config configs/ethos-u55-like.yaml\n"
    "  npusim config show --set sram.capacity_bytes=2MiB --set engines.ane.rows=32\n"
    "  npusim config show --set dram.bandwidth_gb_per_s=17GB/s > slow-dram.yaml\n"
    "  npusim config check configs/*.yaml\n";

static const NpCliOption *const config_tables[] = {np_cli_config_options, NULL};
static const NpCliCommand show_command = {"config show", config_synopsis, config_tables, config_epilogue};
static const NpCliCommand check_command = {"config check", config_synopsis, config_tables, config_epilogue};

static void print_help(FILE *out) { np_cli_print_help(&show_command, out); }

static int take_config_option(void *user, int key, const char *value) {
  return np_cli_config_take(user, key, value) < 0 ? NP_EXIT_BAD_INPUT : -1;
}

static int config_show(int argc, char **argv) {
  NpConfigOptions options = {0};
  int first;
  int status = np_cli_parse(&show_command, argc, argv, take_config_option, &options, &first);
  if (status < 0 && first < argc)
    status = np_cli_usage_error(&show_command, "unexpected argument '%s'", argv[first]);
  if (status >= 0) {
    np_cli_config_options_free(&options);
    return status;
  }
  status = NP_EXIT_OK;
  NpArch *arch = malloc(sizeof *arch);
  if (arch == NULL) {
    fputs("npusim: out of memory\n", stderr);
    status = NP_EXIT_BAD_INPUT;
  } else {
    status = np_cli_load_config(&options, arch);
  }
  if (status == NP_EXIT_OK) {
    char *yaml = np_arch_to_yaml(arch);
    fputs(yaml, stdout);
    np_cli_stdout_ok();
    free(yaml);
  }
  free(arch);
  np_cli_config_options_free(&options);
  return status;
}

/* Whether a file that is no config is a sweep spec (so the message can say so rather than
 * list the spec's keys as unknown): it has a top-level `axes:` key. */
static bool is_sweep_spec(const char *path) {
  NpDiag diag;
  np_diag_init(&diag);
  size_t len = 0;
  /* np_read_file refuses a FIFO or a device at once, as the config loader did */
  char *text = np_read_file(path, NP_SWEEP_MAX_FILE_BYTES, "sweep spec", &len, &diag);
  bool yes = false;
  for (const char *line = text; line && !yes; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
    yes = strncmp(line, "axes:", 5) == 0;
  free(text);
  np_diag_free(&diag);
  return yes;
}

static int config_check(int argc, char **argv) {
  NpConfigOptions options = {0};
  int first;
  int status = np_cli_parse(&check_command, argc, argv, take_config_option, &options, &first);
  if (status < 0 && options.config_path)
    status = np_cli_usage_error(&check_command, "name the files directly: npusim config check FILE...");
  if (status < 0 && first >= argc)
    status = np_cli_usage_error(&check_command, "name at least one config file, e.g. npusim config check configs/*.yaml");
  if (status >= 0) {
    np_cli_config_options_free(&options);
    return status;
  }
  status = NP_EXIT_OK;
  NpArch *arch = malloc(sizeof *arch);
  for (int f = first; arch && f < argc; f++) {
    NpDiag diag;
    np_diag_init(&diag);
    if (np_arch_load_file(argv[f], options.sets, options.n_sets, arch, &diag)) {
      printf("%s: ok (%s: %d engines, %g MHz)\n", argv[f], arch->name, arch->n_engines, arch->clock_mhz);
    } else if (is_sweep_spec(argv[f])) {
      fprintf(stderr, "%s: error: this is a sweep spec, not an accelerator config: check it with npusim sweep %s --check\n",
              argv[f], argv[f]);
      status = NP_EXIT_BAD_INPUT;
    } else {
      np_diag_print(&diag, stderr);
      status = NP_EXIT_BAD_INPUT;
    }
    np_diag_free(&diag);
  }
  if (arch == NULL) status = NP_EXIT_BAD_INPUT;
  free(arch);
  np_cli_config_options_free(&options);
  return status;
}

int cmd_config(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return NP_EXIT_BAD_INPUT;
  }
  const char *action = argv[1];
  if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0 || strcmp(action, "help") == 0) {
    print_help(stdout);
    return NP_EXIT_OK;
  }
  if (strcmp(action, "show") == 0) return config_show(argc - 1, argv + 1);
  if (strcmp(action, "check") == 0) return config_check(argc - 1, argv + 1);
  fprintf(stderr, "npusim config: unknown action '%s' (use show or check)\n\n", action);
  print_help(stderr);
  return NP_EXIT_BAD_INPUT;
}
