/* Plots: the pictures architects would rather look at than read, as SVG text.
 *
 * Takes: plain arrays of numbers and labels (a metric against a sweep axis with its cliffs,
 * per-layer energy by term, two metrics of many sweep points with the Pareto front marked).
 * Gives: self-contained SVG documents (malloc'd text) with axes, ticks at round values,
 * units, a title and a legend; every label is XML-escaped, and hovering a mark shows its
 * details (an SVG <title>, no script). The same SVG text goes into files and, inline, into
 * the HTML report. Same input, same bytes: numbers are printed with fixed precision.
 *
 * Also the per-layer energy the stacked plot shows: the replay's per-event energy model
 * (docs/timing.md, "Energy") applied to each layer's commands.
 */
#ifndef NPUSIM_PLOT_PLOT_H
#define NPUSIM_PLOT_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "util/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- text ---- */

/* Appends text escaped for XML and HTML (& < > " '); bytes that are not well-formed UTF-8
 * and control characters XML forbids become U+FFFD. */
void np_xml_escape(NpBuf *buf, const char *text);

/* ---- axes ---- */

typedef enum NpPlotUnit {
  NP_PLOT_NUMBER = 0, /* ticks as plain numbers */
  NP_PLOT_BYTES       /* values in bytes, shown in the binary unit (KiB, MiB, GiB) that suits the range */
} NpPlotUnit;

typedef struct NpPlotAxis {
  const char *title;  /* e.g. "warm latency (ms)"; a bytes axis gets its unit appended */
  NpPlotUnit unit;
} NpPlotAxis;

#define NP_PLOT_MAX_TICKS 32

/* Ticks at round values (1, 2 or 5 x 10^k apart) covering [lo, hi] with about `target` of
 * them: the first at or below lo, the last at or above hi. */
typedef struct NpPlotTicks {
  double first, step;
  int count;
  int decimals;       /* digits after the point the labels need */
} NpPlotTicks;
void np_plot_ticks(double lo, double hi, int target, NpPlotTicks *out);

/* ---- charts ---- */

/* A vertical mark on a line plot, e.g. a cliff. */
typedef struct NpPlotMarker {
  double x;
  const char *label;  /* a short line shown in the list under the plot */
  const char *detail; /* longer text shown on hover (may be NULL) */
} NpPlotMarker;

/* A metric against an axis: points (each a dot) joined by a line, markers drawn as numbered
 * dashed lines with their labels listed under the plot; numbers of markers closer than their
 * circles' width go on further rows, so they never overlap. x need not be sorted. log_x draws
 * x on a log scale with ticks at powers of two (for geometric samples; x must be positive). */
typedef struct NpPlotLine {
  const char *title;
  NpPlotAxis x_axis, y_axis;
  const double *x, *y;
  size_t n;
  const NpPlotMarker *markers;
  size_t n_markers;
  bool log_x;
  bool step;          /* a value held from each x to the next: a step line, no dots */
} NpPlotLine;
char *np_plot_line_svg(const NpPlotLine *plot);

/* Stacked bars: one bar per item (a layer), one segment per series (an energy term, or what
 * limits a layer with one segment per bar). values[bar * n_series + series], each >= 0. Bars
 * are numbered from 0 on the x axis, as the text report numbers layers; bar_labels name them
 * on hover. */
typedef struct NpPlotStacked {
  const char *title;
  const char *x_title;
  NpPlotAxis y_axis;
  const char *const *bar_labels;
  size_t n_bars;
  const char *const *series_names;
  size_t n_series;
  const double *values;
} NpPlotStacked;
char *np_plot_stacked_svg(const NpPlotStacked *plot);

/* A scatter of points with some highlighted (the Pareto front): highlighted points of a
 * group are drawn in the group's colour and joined in x order; the others in grey.
 * group may be NULL (one group); labels (hover text) may be NULL. */
typedef struct NpPlotScatter {
  const char *title;
  NpPlotAxis x_axis, y_axis;
  const double *x, *y;
  const bool *highlight;
  const size_t *group;
  const char *const *group_names; /* n_groups names for the legend (NULL: "front") */
  size_t n_groups;
  const char *const *labels;
  size_t n;
} NpPlotScatter;
char *np_plot_scatter_svg(const NpPlotScatter *plot);

/* ---- per-layer energy ---- */

typedef enum NpEnergyTerm {
  NP_TERM_MAC = 0, NP_TERM_VECTOR, NP_TERM_SRAM_READ, NP_TERM_SRAM_WRITE, NP_TERM_DRAM_READ, NP_TERM_DRAM_WRITE,
  NP_TERM_SYNC, NP_TERM_COUNT
} NpEnergyTerm;
extern const char *const np_energy_term_names[NP_TERM_COUNT]; /* "MAC", "vector", "SRAM read", ... */

/* Dynamic energy of each layer of schedule by term, in uJ: out[layer * NP_TERM_COUNT + term]
 * (malloc'd, schedule->n_layers rows), counted per command as the replay counts it. Figures
 * the config's energy table lacks count 0 (the run report lists them). Static power is not
 * split by layer. */
double *np_layer_energy_uj(const NpSchedule *schedule, const NpArch *arch);

#ifdef __cplusplus
}
#endif
#endif
