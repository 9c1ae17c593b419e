/* Sustain: a model run at a frame rate for minutes, on a die that heats and throttles.
 *
 * Takes: a finalized NpGraph, an NpArch with a `thermal` section (a lumped die: resistance,
 * capacitance, ambient, throttle temperature, and the DVFS table) and options (frame rate,
 * duration, what a late frame does). Gives: an NpSustainResult: the time to first throttle,
 * frame latency percentiles, dropped and late frames, average power, the battery share per
 * hour, and one sample per frame (time, temperature, clock, latency) for CSV and plots.
 *
 * The model is simulated once per DVFS step it reaches (the warm inference at that clock),
 * not once per frame: the frame loop is O(frames) arithmetic. The thermal state moves
 * exactly (an exponential per frame interval at the interval's mean power), so a constant
 * load gives the continuous step response. docs/timing.md, "Sustained runs", has the
 * formulas. Same inputs, same result, bit for bit.
 */
#ifndef NPUSIM_SUSTAIN_SUSTAIN_H
#define NPUSIM_SUSTAIN_SUSTAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_SUSTAIN_MAX_FPS 10000.0
#define NP_SUSTAIN_MAX_SECONDS (7.0 * 24 * 3600) /* a week */
#define NP_SUSTAIN_LARGE_FRAMES 10000000         /* above this the CLI says how long it will take */

typedef enum NpLatePolicy {
  NP_LATE_DROP = 0, /* a frame that arrives while the engine still runs the last one is dropped */
  NP_LATE_QUEUE     /* it waits its turn: its latency includes the wait */
} NpLatePolicy;

typedef struct NpSustainOptions {
  double fps;            /* frames per second, (0, NP_SUSTAIN_MAX_FPS] */
  double seconds;        /* duration, (0, NP_SUSTAIN_MAX_SECONDS] */
  NpLatePolicy late;
  NpDtype dtype;         /* compute dtype; NP_DTYPE_UNKNOWN: the arch's default */
  int weight_bits;       /* as NpLowerOptions.weight_bits */
  double battery_wh;     /* > 0: report the battery share per hour */
  int64_t max_bursts;    /* NpSimOptions.max_bursts of each step's simulation; 0: the default */
} NpSustainOptions;

/* One DVFS step as the frame loop sees it. */
typedef struct NpSustainStep {
  double mhz;
  double latency_ms;     /* a warm inference at this clock */
  double dynamic_uj;     /* its dynamic energy, scaled by (V / V_first)^2 when the table has volts */
  double static_mw;      /* static power (energy table), drawn all the time */
} NpSustainStep;

/* The thermal model and the steps; steps[k] is filled on first use by `step` (the frame
 * loop reaches only the steps it needs). */
typedef struct NpSustainModel {
  double resistance, capacitance, ambient_c, throttle_c, hysteresis_c;
  double other_w;        /* power the rest of the device adds, whatever the clock */
  int n_steps;
  bool (*step)(void *user, int k, NpSustainStep *out, NpDiag *diag);
  void *user;
} NpSustainModel;

typedef struct NpSustainSample {
  double t_s;            /* the frame's arrival */
  double temp_c;         /* die temperature at arrival */
  double mhz;            /* the clock the frame ran at (the governor's choice at arrival) */
  double latency_ms;     /* arrival to end; 0 when dropped */
  bool dropped;
} NpSustainSample;

typedef struct NpSustainResult {
  int64_t frames, served, dropped, late; /* late: served frames whose latency exceeds 1/fps */
  bool throttled;
  double first_throttle_s;               /* the first step down (0 when never) */
  double p50_ms, p95_ms, p99_ms, max_ms; /* of served frames (nearest rank) */
  double max_temp_c, final_temp_c;
  double steady_temp_c;                  /* where the full-clock load would settle: ambient + P R */
  double avg_power_mw;                   /* the accelerator's (energy model), without other_power */
  bool has_battery;
  double battery_share_per_hour;         /* avg power x 1 h / battery Wh: the accelerator's share */
  NpSustainStep steps[NP_ARCH_MAX_DVFS];
  bool step_used[NP_ARCH_MAX_DVFS];
  int n_steps;
  NpSustainSample *samples;              /* one per frame */
  size_t n_samples;
} NpSustainResult;

/* Frames in a run of `seconds` at `fps`: ceil(fps x seconds), -1 when either is out of range. */
int64_t np_sustain_frame_count(double fps, double seconds);

/* The frame loop on a model (tests give one by hand). False with an error in diag when a
 * step cannot be evaluated or the options are out of range. */
bool np_sustain_run(const NpSustainModel *model, const NpSustainOptions *options, NpSustainResult *out,
                    NpDiag *diag);
/* The whole run: arch's thermal section, steps by simulating graph at each clock. False with
 * errors in diag (no thermal section, options out of range, a lowering or replay failure). */
bool np_sustain(const NpGraph *graph, const NpArch *arch, const NpSustainOptions *options, NpSustainResult *out,
                NpDiag *diag);
void np_sustain_result_free(NpSustainResult *result);

/* Die temperature after dt seconds at constant power p_w from temp_c:
 * T_ss + (T - T_ss) e^(-dt / (R C)), T_ss = ambient + p_w R. */
double np_thermal_after(double temp_c, double p_w, double dt, double resistance, double capacitance, double ambient_c);

#ifdef __cplusplus
}
#endif
#endif
