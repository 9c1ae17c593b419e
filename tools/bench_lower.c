/* npusim_bench_lower MODEL [--config F] [--set KEY=VALUE]... [--runs N]: loads MODEL once, lowers
 * it N times cold and N times warm, and prints one line: model, layers, commands (cold), median
 * cold lowering time (ms), median warm lowering time (ms). Used by tools/bench --lower; not
 * installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "model/model.h"

#define MAX_SETS 16

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median time of `runs` lowerings; the last schedule is left in *out. */
static bool time_lowering(const NpGraph *graph, const NpArch *arch, bool warm, int runs, double *times,
                          double *median, NpSchedule *out, NpDiag *diag) {
  NpLowerOptions options = {.warm = warm, .dtype = NP_DTYPE_UNKNOWN};
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    if (!np_lower(graph, arch, &options, out, diag)) return false;
    times[r] = now_ms() - t0;
    if (r + 1 < runs) np_schedule_free(out);
  }
  qsort(times, (size_t)runs, sizeof *times, compare_doubles);
  *median = times[runs / 2];
  return true;
}

int main(int argc, char **argv) {
  const char *model = NULL, *config = NULL;
  const char *sets[MAX_SETS];
  size_t n_sets = 0;
  int runs = 11;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      config = argv[++i];
    else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < MAX_SETS)
      sets[n_sets++] = argv[++i];
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]);
    else
      model = argv[i];
  }
  if (!model || runs < 1) {
    fputs("usage: npusim_bench_lower MODEL [--config F] [--set KEY=VALUE]... [--runs N]\n", stderr);
    return 2;
  }
  NpDiag diag;
  np_diag_init(&diag);
  NpArch arch;
  bool ok = config ? np_arch_load_file(config, sets, n_sets, &arch, &diag)
                   : np_arch_load_default(sets, n_sets, &arch, &diag);
  NpGraph *graph = ok ? np_model_load(model, &diag) : NULL;
  double *times = malloc((size_t)runs * sizeof *times);
  NpSchedule cold, warm;
  double cold_ms = 0, warm_ms = 0;
  if (!graph || !time_lowering(graph, &arch, false, runs, times, &cold_ms, &cold, &diag)) {
    np_diag_print(&diag, stderr);
    return 2;
  }
  if (!time_lowering(graph, &arch, true, runs, times, &warm_ms, &warm, &diag)) {
    np_diag_print(&diag, stderr);
    return 2;
  }
  printf("%s\t%zu\t%zu\t%.3f\t%.3f\n", model, cold.n_layers, cold.n_cmds, cold_ms, warm_ms);
  free(times);
  np_schedule_free(&cold);
  np_schedule_free(&warm);
  np_graph_free(graph);
  np_diag_free(&diag);
  return 0;
}
