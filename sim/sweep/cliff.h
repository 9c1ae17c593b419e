/* Cliff search: where a metric steps along one axis, and which layers make it step.
 *
 * Takes: a base (config text and model graph, sim/sweep/sweep.h), fixed settings, one axis
 * (a config key or a model what-if) with its range and granularity, a metric. Gives: every
 * step of the threshold ratio or more between two values one granule apart: coarse samples
 * first, then between each pair of samples that differ by the threshold or more, both halves
 * of the pair searched in turn, so that on a monotone metric every such step is found; and
 * its cause, from diffing the warm schedules on either side (weights that become or stop
 * being resident, layers that fall back off the accelerator or move engine, activations that
 * start or stop going through DRAM, layers that re-tile).
 * Also the fit search: the largest axis value whose metric stays within a budget.
 */
#ifndef NPUSIM_SWEEP_CLIFF_H
#define NPUSIM_SWEEP_CLIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep/sweep.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_AXIS_KEY_MAX 128

typedef struct NpAxisRange {
  char key[NP_AXIS_KEY_MAX];
  double lo, hi;      /* inclusive */
  double step;        /* granularity; 0: the default (see np_axis_range_parse) */
  bool integer;       /* whole values only (sizes, counts, resolution) */
} NpAxisRange;

/* Parses "KEY=LO..HI" (LO, HI numbers or sizes such as 512KiB). False with a reason in err. */
bool np_axis_range_parse(const char *text, NpAxisRange *range, char *err, size_t err_size);
/* The value text of x on this axis, as --set or the what-if parser takes it. */
void np_axis_format(const NpAxisRange *range, double x, char *out, size_t out_size);

typedef struct NpCliffSearch {
  NpPointBase base;
  const char *const *sets; /* fixed "key=value" settings (config keys and model axes) */
  size_t n_sets;
  NpAxisRange axis;
  const char *metric;      /* np_point_metric_names */
  int samples;             /* coarse samples (default 24) */
  double threshold;        /* a step is a ratio of at least this (default 1.2) */
  /* Optional: called with every axis value evaluated and its metric (samples, bisection
   * steps; a value may come more than once), e.g. to plot the metric along the axis. */
  void (*on_point)(void *user, double x, double metric);
  void *on_point_user;
} NpCliffSearch;

typedef struct NpCliff {
  double x_before, x_after;  /* adjacent axis values, x_before < x_after */
  double m_before, m_after;  /* the metric at each */
  double ratio;              /* max / min of the two */
  char **causes;             /* one line each, most telling first */
  size_t n_causes;
} NpCliff;

/* Finds every cliff along the axis, in axis order. False with errors in diag when the search
 * cannot run (a bad axis or metric, a granularity that makes too many points). */
bool np_cliff_find(const NpCliffSearch *search, NpCliff **cliffs, size_t *n_cliffs, NpDiag *diag);
/* Whether a search samples lo..hi geometrically: the range spans a factor of 16 or more (its
 * plot then has a log axis). */
bool np_axis_geometric(double lo, double hi);
void np_cliffs_free(NpCliff *cliffs, size_t n);

/* What fit found. Along a model axis (channel scale, resolution) the answer is the largest
 * value meeting the budget. Along a config key the metric's direction is judged from coarse
 * samples (the search's `samples`, LO and HI among them): where it grows, the largest value
 * meeting the budget; where it falls (more SRAM, more bandwidth), the smallest. Between the
 * sample meeting the budget and its neighbour that does not, it bisects. */
typedef struct NpFit {
  bool found;               /* false: no sample meets the budget */
  bool falls;               /* the metric falls along the axis: value is the smallest that meets it */
  bool monotone;            /* false: the samples rise and fall; value is the best sample meeting the
                               budget, refined against its neighbour, and others may meet it too */
  double value, metric;     /* the answer and its metric */
  double against_x[2], against_m[2]; /* not monotone: two adjacent samples against the trend */
  int samples;              /* coarse samples evaluated */
} NpFit;

/* Sizes under budget along the axis (to the granularity) into *fit. False with errors in diag
 * when the search cannot run (bad axis or metric, LO does not run). */
bool np_fit_find(const NpCliffSearch *search, double budget, NpFit *fit, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
