/* Pareto fronts of sweep results: the points no other point beats on both of two metrics.
 *
 * Takes: a results table (sim/util/csv.h; the sweep's CSV columns, docs/sweeps.md), the two
 * columns compared (each minimised unless asked to be maximised) and optionally a third that
 * groups the rows, one front per group. Rows whose `status` column (when there is one) is not
 * "ok" did not run and are left out.
 * Gives: the non-dominated rows, groups in order (numeric order when every group value is a
 * number, else text order), within a group from the best x to the worst, ties by row order: the same table
 * gives the same front. Cells are numbers, or sizes as configs write them ("4MiB").
 * O(n log n): sort by x, then one sweep keeping the best y so far.
 */
#ifndef NPUSIM_SWEEP_PARETO_H
#define NPUSIM_SWEEP_PARETO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/csv.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NpParetoQuery {
  const char *x, *y;       /* column names */
  const char *z;           /* NULL: one front over every row */
  bool maximize_x, maximize_y;
} NpParetoQuery;

typedef struct NpParetoPoint {
  size_t row;              /* index into the table's rows */
  double x, y;             /* as in the table (not negated for maximising) */
  size_t group;            /* index into NpParetoResult.groups (0 without z) */
  bool on_front;
} NpParetoPoint;

typedef struct NpParetoResult {
  NpParetoPoint *points;   /* every row that ran, groups in order, then x ascending, ties by row */
  size_t n_points;
  size_t n_front;          /* points with on_front */
  size_t n_skipped;        /* rows whose status was not "ok" */
  char **groups;           /* the z values in order (one "" group without z) */
  size_t n_groups;
} NpParetoResult;

/* Computes the fronts. False with an error in diag naming the file, line and column: a
 * column that is not in the table (the message lists those that are), a cell that is not a
 * finite number, x and y naming the same column. */
bool np_pareto_compute(const NpCsvTable *table, const NpParetoQuery *query, NpParetoResult *out, NpDiag *diag);
void np_pareto_free(NpParetoResult *result);

/* The core on plain numbers (both minimised): marks on_front[i] for the non-dominated
 * points among n; a point is dominated when another is no worse on both and better on one
 * (equal points do not dominate each other). Returns the front's size. */
size_t np_pareto_mark(const double *x, const double *y, size_t n, bool *on_front);

#ifdef __cplusplus
}
#endif
#endif
