/* What the plotting commands share (pareto --svg, cliff --svg, report): the Pareto scatter
 * and the cliff plot built from their results, the metric curve a cliff search collects on
 * its way, and writing a text file atomically (sim/util/outfile.h). */
#ifndef NPUSIM_CLI_CLI_PLOTS_H
#define NPUSIM_CLI_CLI_PLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep/cliff.h"
#include "sweep/pareto.h"

/* Every (axis value, metric) a cliff search evaluated: hook np_cli_curve_add and the curve
 * into NpCliffSearch.on_point / on_point_user. */
typedef struct NpCliCurve {
  double *x, *m;
  size_t n, capacity;
} NpCliCurve;
void np_cli_curve_add(void *curve, double x, double metric);
void np_cli_curve_free(NpCliCurve *curve);

/* The metric along the axis with every cliff marked and labelled by its first cause. */
char *np_cli_cliff_svg(const NpCliffSearch *search, const NpCliCurve *curve, const NpCliff *cliffs, size_t n_cliffs,
                       const char *model);
/* One line for a cliff: "x1.85 between 3.25 MiB and 3.25 MiB: warm_ms 1.2 -> 2.2". */
char *np_cli_cliff_summary(const NpCliffSearch *search, const NpCliff *cliff);
/* An axis value for people: sizes as "3.25 MiB (3407872)", others as the axis writes them. */
void np_cli_axis_value(const NpAxisRange *axis, double x, char *out, size_t size);

/* Every point of a sweep table with the front highlighted. */
char *np_cli_pareto_svg(const NpCsvTable *table, const NpParetoQuery *query, const NpParetoResult *result);

/* Writes text to path through a temporary file; prints errors, false on failure. */
bool np_cli_write_file(const char *path, const char *text);

#endif
