#include "cli/cli_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/diag.h"
#include "util/mem.h"

const NpCliOption np_cli_config_options[] = {
    {"config", NP_CLI_CONFIG, "FILE",
     "accelerator config (YAML); default: the built-in phone-NPU config\n(configs/phone-npu.yaml)"},
    {"set", NP_CLI_SET, "KEY=VALUE",
     "override one config key, after the file; repeatable, later wins.\n"
     "KEY is a dotted path; engines are named: --set engines.ane.rows=32,\n"
     "--set sram.capacity_bytes=2MiB, --set dram.bandwidth_gb_per_s=17GB/s"},
    {NULL, 0, NULL, NULL},
};

int np_cli_config_take(NpConfigOptions *options, int key, const char *value) {
  if (key == NP_CLI_CONFIG) {
    if (value[0] == '\0') {
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
  if (key == NP_CLI_SET) {
    if (strchr(value, '=') == NULL || value[0] == '=') {
      fprintf(stderr, "npusim: --set needs KEY=VALUE, e.g. --set sram.capacity_bytes=2MiB (got '%s')\n", value);
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
