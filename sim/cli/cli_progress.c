#include "cli/cli_progress.h"

#include <stdio.h>
#include <unistd.h>

#include "simulate/simulate.h"

static double seconds_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
}

void np_cli_progress_start(NpCliProgress *p, const char *unit, double first_done, bool asked) {
  p->unit = unit;
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  p->last = -1;
  p->first_done = first_done;
  p->on = asked || isatty(fileno(stderr));
}

void np_cli_progress_show(NpCliProgress *p, double done, double total) {
  if (!p->on) return;
  double t = seconds_since(&p->start);
  if (done < total && p->last >= 0 && t - p->last < 0.1) return;
  p->last = t;
  double rate = t > 0 ? (done - p->first_done) / t : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  int width = 30, filled = total > 0 ? (int)((double)width * done / total) : width;
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r[%s] %.0f/%.0f %s  %.3g/s  ETA %d:%02d ", bar, done, total, p->unit, rate, (int)eta / 60,
          (int)eta % 60);
  if (done >= total) fputc('\n', stderr);
  fflush(stderr);
}

void np_cli_progress_replay(void *progress, int64_t done, int64_t total) {
  NpCliProgress *p = progress;
  if (p->last < 0) { /* the replays start: the rate counts from here, not from the lowering */
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    if ((double)total / NP_SIM_BURSTS_PER_SECOND <= NP_CLI_PROGRESS_AFTER_S) p->on = false;
  }
  np_cli_progress_show(p, (double)done, (double)total);
}
