#include "cli/cli_run.h"

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "util/diag.h"

const char np_cli_dtype_help[] =
    "  --dtype T          compute floating-point tensors in T (one of the config's data_types);\n"
    "                     default: the config's default_dtype\n";

int np_cli_run_usage_error(const NpCliRun *run, const char *message) {
  fprintf(stderr, "npusim %s: %s\nsee `npusim %s --help`\n", run->command, message, run->command);
  return NP_EXIT_BAD_INPUT;
}

int np_cli_run_argument(NpCliRun *run, int argc, char **argv, int *i) {
  int taken = np_cli_config_option(&run->config, argc, argv, i);
  if (taken == 0) taken = np_cli_model_option(&run->model_options, argc, argv, i);
  if (taken != 0) return taken;
  const char *a = argv[*i];
  char message[512];
  if (strcmp(a, "--dtype") == 0 || strncmp(a, "--dtype=", 8) == 0) {
    if (a[7] == '=') {
      run->dtype = a + 8;
    } else if (*i + 1 < argc) {
      run->dtype = argv[++*i];
    } else {
      np_cli_run_usage_error(run, "--dtype needs a data type, e.g. --dtype int8");
      return -1;
    }
    return 1;
  }
  if (a[0] == '-' && a[1] != '\0') return 0;
  if (run->model != NULL) {
    snprintf(message, sizeof message, "one MODEL only; '%s' is extra", a);
    np_cli_run_usage_error(run, message);
    return -1;
  }
  run->model = a;
  return 1;
}

static int resolve_dtype(const NpCliRun *run, const NpArch *arch, NpDtype *dtype) {
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

int np_cli_run_model(const NpCliRun *run, const NpRunOptions *options, NpRunReport *report) {
  NpArch arch;
  int rc = np_cli_load_config(&run->config, &arch);
  if (rc != NP_EXIT_OK) return rc;
  NpRunOptions effective = *options;
  rc = resolve_dtype(run, &arch, &effective.dtype);
  if (rc != NP_EXIT_OK) return rc;
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_cli_load_model(run->model, &run->model_options); /* prints its errors */
  bool ok = graph != NULL && np_run(graph, &arch, run->model, &effective, report, &diag);
  np_diag_print(&diag, stderr);
  np_graph_free(graph);
  np_diag_free(&diag);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}
