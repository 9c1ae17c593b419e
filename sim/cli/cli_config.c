#include "cli/cli_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/diag.h"
#include "util/mem.h"

const char np_cli_config_help[] =
    "  --config FILE      accelerator config (YAML); default: the built-in phone-NPU config\n"
    "                     (configs/phone-npu.yaml)\n"
    "  --set KEY=VALUE    override one config key, after the file; repeatable, later wins.\n"
    "                     KEY is a dotted path; engines are named: --set engines.npu.rows=32,\n"
    "                     --set sram.capacity_bytes=2MiB, --set dram.bandwidth_gb_per_s=17GB/s\n";

/* The value of an option given as "--name VALUE" or "--name=VALUE"; NULL when absent. */
static const char *option_value(const char *name, int argc, char **argv, int *i, bool *matched) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  *matched = false;
  if (strncmp(arg, name, n) != 0) return NULL;
  if (arg[n] == '=') {
    *matched = true;
    return arg + n + 1;
  }
  if (arg[n] != '\0') return NULL;
  *matched = true;
  if (*i + 1 >= argc) return NULL;
  return argv[++*i];
}

int np_cli_config_option(NpConfigOptions *options, int argc, char **argv, int *i) {
  bool matched;
  const char *value = option_value("--config", argc, argv, i, &matched);
  if (matched) {
    if (value == NULL || value[0] == '\0') {
      fputs("npusim: --config needs a file name\n", stderr);
      return -1;
    }
    if (options->config_path != NULL) {
      fprintf(stderr, "npusim: --config given twice ('%s' and '%s'); use --set to change keys\n", options->config_path,
              value);
      return -1;
    }
    options->config_path = value;
    return 1;
  }
  value = option_value("--set", argc, argv, i, &matched);
  if (matched) {
    if (value == NULL || strchr(value, '=') == NULL || value[0] == '=') {
      fprintf(stderr, "npusim: --set needs KEY=VALUE, e.g. --set sram.capacity_bytes=2MiB%s%s%s\n",
              value ? " (got '" : "", value ? value : "", value ? "')" : "");
      return -1;
    }
    np_grow((void **)&options->sets, &options->sets_capacity, options->n_sets + 1, sizeof *options->sets);
    options->sets[options->n_sets++] = value;
    return 1;
  }
  return 0;
}

int np_cli_load_config(const NpConfigOptions *options, NpArch *arch) {
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = options->config_path
                ? np_arch_load_file(options->config_path, options->sets, options->n_sets, arch, &diag)
                : np_arch_load_default(options->sets, options->n_sets, arch, &diag);
  if (!ok) np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

void np_cli_config_options_free(NpConfigOptions *options) {
  free(options->sets);
  memset(options, 0, sizeof *options);
}
