#include "cli/cli_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_progress.h"
#include "cli/commands.h"
#include "util/diag.h"

const NpCliOption np_cli_dtype_options[] = {
    {"dtype", NP_CLI_DTYPE, "T",
     "compute floating-point tensors in T (one of the config's data_types);\ndefault: the config's default_dtype"},
    {"weight-bits", NP_CLI_WEIGHT_BITS, "B",
     "store and move the matrix ops' weights at B bits (" NP_WEIGHT_BITS_LIST "; dtype: as\n"
     "they are): palettized below 8, weight-only quantized at 8; compute stays in\n"
     "the dtype. A text graph's per-layer weight_bits= wins"},
    {NULL, 0, NULL, NULL},
};

const NpCliOption np_cli_bound_options[] = {
    {"max-bursts", NP_CLI_MAX_BURSTS, "N",
     "refuse a simulation whose replays would issue more than N DRAM bursts\n"
     "(default 1e9, about 30 s), counted from its schedules before they start"},
    {NULL, 0, NULL, NULL},
};

const NpCliOption np_cli_progress_options[] = {
    {"progress", NP_CLI_PROGRESS, NULL,
     "progress on stderr even when it is not a terminal (on a terminal it shows\n"
     "by itself for a replay expected to take more than 2 s)"},
    {NULL, 0, NULL, NULL},
};

int np_cli_max_bursts_parse(const char *command, const char *value, int64_t *out) {
  char *end = NULL;
  double v = strtod(value, &end);
  if (value[0] != '\0' && *end == '\0' && v >= 1 && v <= 0x1p62 && v == floor(v)) {
    *out = (int64_t)v;
    return 1;
  }
  fprintf(stderr, "npusim %s: --max-bursts: '%.60s' is not a whole number from 1 to 2^62\nsee `npusim %s --help`\n",
          command, value, command);
  return -1;
}

int np_cli_run_usage_error(const NpCliRun *run, const char *message) {
  fprintf(stderr, "npusim %s: %s\nsee `npusim %s --help`\n", run->command, message, run->command);
  return NP_EXIT_BAD_INPUT;
}

int np_cli_run_take(NpCliRun *run, int key, const char *value) {
  int taken = np_cli_config_take(&run->config, key, value);
  if (taken == 0) taken = np_cli_model_take(&run->model_options, key, value);
  if (taken != 0) return taken;
  switch (key) {
    case NP_CLI_DTYPE: run->dtype = value; return 1;
    case NP_CLI_MAX_BURSTS: return np_cli_max_bursts_parse(run->command, value, &run->max_bursts);
    case NP_CLI_PROGRESS: run->progress = true; return 1;
    default: break;
  }
  if (key != NP_CLI_WEIGHT_BITS) return 0;
  char err[160], message[256];
  if (np_weight_bits_parse(value, &run->weight_bits, err, sizeof err)) return 1;
  snprintf(message, sizeof message, "--weight-bits: %s", err);
  np_cli_run_usage_error(run, message);
  return -1;
}

int np_cli_run_take_model(NpCliRun *run, int argc, char **argv, int first) {
  if (first >= argc) return np_cli_run_usage_error(run, "missing MODEL");
  if (first + 1 < argc) {
    char message[256];
    snprintf(message, sizeof message, "one MODEL only; '%.200s' is extra", argv[first + 1]);
    return np_cli_run_usage_error(run, message);
  }
  run->model = argv[first];
  return -1;
}

int np_cli_run_resolve_dtype(const NpCliRun *run, const NpArch *arch, NpDtype *dtype) {
  *dtype = NP_DTYPE_UNKNOWN;
  if (run->dtype == NULL) return NP_EXIT_OK;
  *dtype = np_dtype_from_name(run->dtype);
  if (*dtype != NP_DTYPE_UNKNOWN && arch->dtype_bytes[*dtype] != 0) return NP_EXIT_OK;
  fprintf(stderr, "npusim %s: --dtype %s: not one of the config's data_types (", run->command, run->dtype);
  for (int i = 0; i < arch->n_data_types; i++)
    fprintf(stderr, "%s%s", i ? ", " : "", np_dtype_name(arch->data_types[i]));
  fputs(")\n", stderr);
  return NP_EXIT_BAD_INPUT;
}

const NpCliOption np_cli_sustain_options[] = {
    {"fps", NP_CLI_FPS, "F", "frames a second of the sustained run (default 30), at most 10000"},
    {"seconds", NP_CLI_SECONDS, "S", "how long it runs (default 600), at most a week"},
    {"late", NP_CLI_LATE, "POLICY",
     "drop (default: a frame arriving while the last still runs is dropped)\nor queue (it waits its turn)"},
    {NULL, 0, NULL, NULL},
};

void np_cli_sustain_defaults(NpSustainOptions *options) {
  memset(options, 0, sizeof *options);
  options->fps = 30;
  options->seconds = 600;
}

int np_cli_positive_number(const NpCliRun *run, const char *name, const char *value, double *out) {
  char *end = NULL;
  double v = strtod(value, &end);
  if (value[0] != '\0' && *end == '\0' && v > 0 && v <= 1e12) {
    *out = v;
    return 1;
  }
  char message[160];
  snprintf(message, sizeof message, "%s: '%.60s' is not a number above 0", name, value);
  np_cli_run_usage_error(run, message);
  return -1;
}

int np_cli_sustain_take(const NpCliRun *run, NpSustainOptions *options, int key, const char *value) {
  switch (key) {
    case NP_CLI_FPS: return np_cli_positive_number(run, "--fps", value, &options->fps);
    case NP_CLI_SECONDS: return np_cli_positive_number(run, "--seconds", value, &options->seconds);
    case NP_CLI_LATE:
      if (strcmp(value, "drop") == 0 || strcmp(value, "queue") == 0) {
        options->late = value[0] == 'q' ? NP_LATE_QUEUE : NP_LATE_DROP;
        return 1;
      }
      np_cli_run_usage_error(run, "--late: expected drop or queue");
      return -1;
    default: return 0;
  }
}

int np_cli_run_sustained(const NpCliRun *run, NpSustainOptions *options, NpSustainResult *result, char *model,
                         size_t model_size, char *config, size_t config_size) {
  NpArch arch;
  int rc = np_cli_load_config(&run->config, &arch);
  if (rc == NP_EXIT_OK) rc = np_cli_run_resolve_dtype(run, &arch, &options->dtype);
  if (rc != NP_EXIT_OK) return rc;
  options->weight_bits = run->weight_bits;
  options->max_bursts = run->max_bursts;
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_cli_load_model(run->model, &run->model_options); /* prints its errors */
  bool ok = graph != NULL && np_sustain(graph, &arch, options, result, &diag);
  if (ok) {
    snprintf(model, model_size, "%s", graph->name ? graph->name : run->model);
    snprintf(config, config_size, "%s", arch.name);
  }
  np_diag_print(&diag, stderr);
  np_graph_free(graph);
  np_diag_free(&diag);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

int np_cli_run_model(const NpCliRun *run, const NpRunOptions *options, NpRunReport *report) {
  NpArch arch;
  int rc = np_cli_load_config(&run->config, &arch);
  if (rc != NP_EXIT_OK) return rc;
  NpRunOptions effective = *options;
  rc = np_cli_run_resolve_dtype(run, &arch, &effective.dtype);
  if (rc != NP_EXIT_OK) return rc;
  effective.weight_bits = run->weight_bits;
  effective.max_bursts = run->max_bursts;
  NpCliProgress progress;
  np_cli_progress_start(&progress, "bursts", 0, run->progress);
  if (progress.on) {
    effective.progress = np_cli_progress_replay;
    effective.progress_user = &progress;
  }
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_cli_load_model(run->model, &run->model_options); /* prints its errors */
  bool ok = graph != NULL && np_run(graph, &arch, run->model, &effective, report, &diag);
  np_diag_print(&diag, stderr);
  np_graph_free(graph);
  np_diag_free(&diag);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}
