/* npusim_bench_replay MODEL [--config F] [--runs N] [--warm]: lowers MODEL once, replays it N
 * times, and prints one line: model, commands, median replay time (ms), commands per second,
 * simulated cycles, peak RSS (KiB). Used by tools/bench; not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "model/model.h"
#include "replay/replay.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *model = NULL, *config = NULL;
  int runs = 11;
  bool warm = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      config = argv[++i];
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--warm") == 0)
      warm = true;
    else
      model = argv[i];
  }
  if (!model || runs < 1) {
    fputs("usage: npusim_bench_replay MODEL [--config F] [--runs N] [--warm]\n", stderr);
    return 2;
  }
  NpDiag diag;
  np_diag_init(&diag);
  NpArch arch;
  bool ok = config ? np_arch_load_file(config, NULL, 0, &arch, &diag) : np_arch_load_default(NULL, 0, &arch, &diag);
  NpGraph *graph = ok ? np_model_load(model, &diag) : NULL;
  NpSchedule schedule;
  NpLowerOptions lower = {.warm = warm, .dtype = NP_DTYPE_UNKNOWN};
  if (!graph || !np_lower(graph, &arch, &lower, &schedule, &diag)) {
    np_diag_print(&diag, stderr);
    return 2;
  }
  double *times = malloc((size_t)runs * sizeof *times);
  NpStats stats;
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    if (!np_replay_run(&schedule, &arch, NULL, &stats, &diag)) {
      np_diag_print(&diag, stderr);
      return 2;
    }
    times[r] = now_ms() - t0;
    if (r + 1 < runs) np_stats_free(&stats);
  }
  qsort(times, (size_t)runs, sizeof *times, compare_doubles);
  double median = times[runs / 2];
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("%s\t%zu\t%lld\t%.3f\t%.0f\t%lld\t%ld\n", model, schedule.n_cmds, (long long)stats.bursts, median,
         median > 0 ? (double)schedule.n_cmds / (median / 1e3) : 0, (long long)stats.cycles, usage.ru_maxrss);
  np_stats_free(&stats);
  free(times);
  np_schedule_free(&schedule);
  np_graph_free(graph);
  np_diag_free(&diag);
  return 0;
}
