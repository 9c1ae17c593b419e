/* Views: the model, its schedule, a sweep and a cliff search rendered for people.
 *
 * Takes: a finalized NpGraph, an NpSchedule, an NpRunReport (report.h), a sweep's results
 * with their Pareto front (sim/sweep/pareto.h) and a cliff search's curve and cliffs
 * (sim/sweep/cliff.h). Gives: malloc'd NUL-terminated text (free it): the `npusim graph`
 * table and JSON, the `npusim schedule` text, SVG plots of a Pareto front and of a metric
 * along an axis with its cliffs, and the self-contained HTML report (docs/report.md).
 * Nothing here prints; the CLI writes what these return.
 *
 * Determinism: the same inputs give the same bytes.
 */
#ifndef NPUSIM_REPORT_VIEWS_H
#define NPUSIM_REPORT_VIEWS_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/graph.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "report/report.h"
#include "sustain/sustain.h"
#include "sweep/cliff.h"
#include "sweep/pareto.h"
#include "util/csv.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_GRAPH_JSON_SCHEMA "npusim.graph/1"

/* ---- the graph (docs/graph.md) ---- */

/* The table of executed ops (NHWC shapes, MACs, bytes) and the totals. dtype: the compute
 * type the byte columns were set to (NP_DTYPE_UNKNOWN: the model's own). */
char *np_graph_view_text(const NpGraph *graph, NpDtype dtype);
/* The same as JSON (schema NP_GRAPH_JSON_SCHEMA, docs/formats.md), ending in a newline;
 * NULL when the JSON cannot be produced. */
char *np_graph_view_json(const NpGraph *graph, NpDtype dtype);

/* ---- the schedule (docs/lowering.md) ---- */

/* Summary, layers, fallbacks, residency and the first `commands` commands (-1: all). Each
 * layer shows the cost model's estimate beside its span in `replayed` (NULL: not replayed,
 * shown as "-"). */
char *np_schedule_view_text(const NpSchedule *schedule, const NpGraph *graph, const NpStats *replayed,
                            long long commands);

/* ---- plots ---- */

/* Every (axis value, metric) a cliff search evaluated: hook np_report_curve_add and the
 * curve into NpCliffSearch.on_point / on_point_user. */
typedef struct NpReportCurve {
  double *x, *m;
  size_t n, capacity;
} NpReportCurve;
void np_report_curve_add(void *curve, double x, double metric);
void np_report_curve_free(NpReportCurve *curve);

/* The metric along the axis with every cliff marked and labelled by its first cause. */
char *np_report_cliff_svg(const NpCliffSearch *search, const NpReportCurve *curve, const NpCliff *cliffs,
                          size_t n_cliffs, const char *model);
/* One line for a cliff: "x1.85 between 3.25 MiB and 3.25 MiB: warm_ms 1.2 -> 2.2". */
char *np_report_cliff_summary(const NpCliffSearch *search, const NpCliff *cliff);
/* An axis value for people: sizes as "3.25 MiB (3407872)", others as the axis writes them. */
void np_report_axis_value(const NpAxisRange *axis, double x, char *out, size_t size);

/* A sustained run (sim/sustain): the human summary, JSON (schema NP_SUSTAIN_JSON_SCHEMA), the
 * time series as CSV (t_s,temp_c,clock_mhz,latency_ms,dropped: one row per frame) and an SVG
 * of temperature, clock and latency over time. */
#define NP_SUSTAIN_JSON_SCHEMA "npusim.sustain/1"
char *np_sustain_text(const NpSustainResult *r, const NpSustainOptions *o, const char *model, const char *config);
char *np_sustain_json(const NpSustainResult *r, const NpSustainOptions *o, const char *model, const char *config);
char *np_sustain_csv(const NpSustainResult *r);
char *np_sustain_svg(const NpSustainResult *r, const char *model);

/* Every point of a sweep table with the front highlighted. */
char *np_report_pareto_svg(const NpCsvTable *table, const NpParetoQuery *query, const NpParetoResult *result);

/* ---- the HTML report (docs/report.md) ---- */

typedef struct NpHtmlSweep {
  const char *path;             /* the results file, as the page names it */
  const NpCsvTable *table;
  const NpParetoQuery *query;
  const NpParetoResult *result;
} NpHtmlSweep;

typedef struct NpHtmlCliffs {
  const NpCliffSearch *search;
  const NpReportCurve *curve;
  const NpCliff *cliffs;
  size_t n_cliffs;
} NpHtmlCliffs;

typedef struct NpHtmlReport {
  const char *title;            /* NULL: the model file's name */
  const NpRunReport *run;       /* its warm_breakdown gives the energy per layer */
  const NpHtmlSweep *sweep;     /* NULL: no Pareto section */
  const NpHtmlCliffs *cliffs;   /* NULL: no cliff section */
} NpHtmlReport;

/* The whole page: summary, energy, fallbacks, the sweep's front, the cliffs, the layers. */
char *np_report_html(const NpHtmlReport *page);

#ifdef __cplusplus
}
#endif
#endif
