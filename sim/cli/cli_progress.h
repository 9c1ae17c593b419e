/* A progress bar on stderr, the one every long command draws: sweeps count points, a single
 * simulation counts the DRAM bursts its replays issue (np_simulate's NpSimProgress).
 *
 * It is drawn only when stderr is a terminal or the user asked (--progress), so logs, tests
 * and redirected output see nothing; stdout is never touched. A simulation shows it only when
 * its replays are expected to take more than NP_CLI_PROGRESS_AFTER_S seconds (bursts /
 * NP_SIM_BURSTS_PER_SECOND, sim/simulate/simulate.h). */
#ifndef NPUSIM_CLI_CLI_PROGRESS_H
#define NPUSIM_CLI_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NP_CLI_PROGRESS_AFTER_S 2.0

typedef struct NpCliProgress {
  const char *unit;      /* "points", "bursts" */
  struct timespec start;
  double last;           /* seconds since start of the last redraw; -1: none yet */
  double first_done;     /* done when the run started (a resumed sweep's rows) */
  bool on;               /* drawing (decided by np_cli_progress_start) */
} NpCliProgress;

/* Starts a bar counting unit from first_done; on when asked or stderr is a terminal. */
void np_cli_progress_start(NpCliProgress *p, const char *unit, double first_done, bool asked);
/* Redraws the bar (at most ten times a second; always at done == total, then a newline). */
void np_cli_progress_show(NpCliProgress *p, double done, double total);

/* An NpSimProgress (sim/simulate/simulate.h) for a progress bar begun with
 * np_cli_progress_start(p, "bursts", 0, asked): at its first call it turns the bar off unless
 * the replays are expected to take more than NP_CLI_PROGRESS_AFTER_S. */
void np_cli_progress_replay(void *progress, int64_t done, int64_t total);

#endif
