/* npusim config: show the effective accelerator config, or check config files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/cli_config.h"
#include "cli/commands.h"

static void print_help(FILE *out) {
  fputs("usage: npusim config show [--config FILE] [--set KEY=VALUE]...\n"
        "       npusim config check FILE... [--set KEY=VALUE]...\n\n"
        "An accelerator config (YAML) describes the clock, data types, engines (MAC arrays,\n"
        "vector units, a CPU fallback) and the rules that decide which ops they accept, the\n"
        "SRAM banks, DRAM, sync costs and the energy table. docs/config.md documents every key.\n\n"
        "  show    print the effective config as YAML: the file (or the built-in default) with\n"
        "          every --set applied. The output is itself a valid config.\n"
        "  check   validate files; prints every error as file:line:col with the source line.\n"
        "          Exit 0 when all are valid, 2 when any is not.\n\n"
        "options:\n",
        out);
  fputs(np_cli_config_help, out);
  fputs("\nexamples:\n"
        "  npusim config show                                   # the built-in phone-NPU default\n"
        "  npusim config show --config configs/ethos-u55-like.yaml\n"
        "  npusim config show --set sram.capacity_bytes=2MiB --set engines.ane.rows=32\n"
        "  npusim config show --set dram.bandwidth_gb_per_s=17GB/s > slow-dram.yaml\n"
        "  npusim config check configs/*.yaml\n",
        out);
}

static bool is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

static int config_show(int argc, char **argv) {
  NpConfigOptions options = {0};
  int status = NP_EXIT_OK;
  for (int i = 1; i < argc && status == NP_EXIT_OK; i++) {
    if (is_help(argv[i])) {
      print_help(stdout);
      np_cli_config_options_free(&options);
      return NP_EXIT_OK;
    }
    int taken = np_cli_config_option(&options, argc, argv, &i);
    if (taken < 0) status = NP_EXIT_BAD_INPUT;
    if (taken == 0) {
      fprintf(stderr, "npusim config show: unexpected argument '%s' (see npusim config --help)\n", argv[i]);
      status = NP_EXIT_BAD_INPUT;
    }
  }
  NpArch *arch = NULL;
  if (status == NP_EXIT_OK) {
    arch = malloc(sizeof *arch);
    if (arch == NULL) {
      fputs("npusim: out of memory\n", stderr);
      status = NP_EXIT_BAD_INPUT;
    } else {
      status = np_cli_load_config(&options, arch);
    }
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

static int config_check(int argc, char **argv) {
  NpConfigOptions options = {0};
  const char **files = calloc((size_t)argc, sizeof *files);
  size_t n_files = 0;
  int status = files ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
  for (int i = 1; i < argc && status == NP_EXIT_OK; i++) {
    if (is_help(argv[i])) {
      print_help(stdout);
      free(files);
      np_cli_config_options_free(&options);
      return NP_EXIT_OK;
    }
    int taken = np_cli_config_option(&options, argc, argv, &i);
    if (taken < 0) status = NP_EXIT_BAD_INPUT;
    if (taken > 0 && options.config_path) {
      fputs("npusim config check: name the files directly: npusim config check FILE...\n", stderr);
      status = NP_EXIT_BAD_INPUT;
    }
    if (taken == 0) {
      if (argv[i][0] == '-' && argv[i][1] != '\0') {
        fprintf(stderr, "npusim config check: unknown option '%s' (see npusim config --help)\n", argv[i]);
        status = NP_EXIT_BAD_INPUT;
      } else {
        files[n_files++] = argv[i];
      }
    }
  }
  if (status == NP_EXIT_OK && n_files == 0) {
    fputs("npusim config check: name at least one config file, e.g. npusim config check configs/*.yaml\n", stderr);
    status = NP_EXIT_BAD_INPUT;
  }
  NpArch *arch = status == NP_EXIT_OK ? malloc(sizeof *arch) : NULL;
  for (size_t f = 0; arch && f < n_files; f++) {
    NpDiag diag;
    np_diag_init(&diag);
    if (np_arch_load_file(files[f], options.sets, options.n_sets, arch, &diag)) {
      printf("%s: ok (%s: %d engines, %g MHz)\n", files[f], arch->name, arch->n_engines, arch->clock_mhz);
    } else {
      np_diag_print(&diag, stderr);
      status = NP_EXIT_BAD_INPUT;
    }
    np_diag_free(&diag);
  }
  free(arch);
  free(files);
  np_cli_config_options_free(&options);
  return status;
}

int cmd_config(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return NP_EXIT_BAD_INPUT;
  }
  const char *action = argv[1];
  if (is_help(action) || strcmp(action, "help") == 0) {
    print_help(stdout);
    return NP_EXIT_OK;
  }
  if (strcmp(action, "show") == 0) return config_show(argc - 1, argv + 1);
  if (strcmp(action, "check") == 0) return config_check(argc - 1, argv + 1);
  fprintf(stderr, "npusim config: unknown action '%s' (use show or check)\n\n", action);
  print_help(stderr);
  return NP_EXIT_BAD_INPUT;
}
