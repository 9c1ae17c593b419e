/* The sweep and cliff plots: a Pareto scatter and a metric curve with its cliffs marked. */
#include "report/views.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"

void np_report_curve_add(void *user, double x, double metric) {
  NpReportCurve *c = user;
  if (c->n == c->capacity) {
    c->capacity = c->capacity ? 2 * c->capacity : 64;
    c->x = np_xrealloc(c->x, c->capacity * sizeof *c->x);
    c->m = np_xrealloc(c->m, c->capacity * sizeof *c->m);
  }
  c->x[c->n] = x;
  c->m[c->n++] = metric;
}

void np_report_curve_free(NpReportCurve *c) {
  free(c->x);
  free(c->m);
  memset(c, 0, sizeof *c);
}

static bool is_bytes_axis(const NpAxisRange *axis) { return axis->integer && strstr(axis->key, "bytes") != NULL; }

void np_report_axis_value(const NpAxisRange *axis, double x, char *out, size_t size) {
  if (is_bytes_axis(axis)) {
    char human[NP_FMT_LEN];
    snprintf(out, size, "%s (%lld)", np_fmt_bytes((int64_t)llround(x), human), (long long)llround(x));
  } else {
    np_axis_format(axis, x, out, size);
  }
}

/* The metric as an axis title and unit. */
static NpPlotAxis metric_axis(const char *metric) {
  static const struct {
    const char *name, *title;
    NpPlotUnit unit;
  } known[] = {{"warm_ms", "warm latency (ms)", NP_PLOT_NUMBER},
               {"cold_ms", "cold latency (ms)", NP_PLOT_NUMBER},
               {"energy_uj", "energy per inference (uJ)", NP_PLOT_NUMBER},
               {"energy_mj", "energy per inference (mJ)", NP_PLOT_NUMBER}, /* older sweep files */
               {"sram_peak_bytes", "SRAM peak", NP_PLOT_BYTES},
               {"dram_bytes", "DRAM traffic per inference", NP_PLOT_BYTES},
               {"fallbacks", "ops off the accelerator", NP_PLOT_NUMBER}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(metric, known[i].name) == 0) return (NpPlotAxis){known[i].title, known[i].unit};
  return (NpPlotAxis){metric, NP_PLOT_NUMBER};
}

/* A results column as an axis: a metric's title, or the column's name (bytes when it says so). */
static NpPlotAxis column_axis(const char *column) {
  NpPlotAxis axis = metric_axis(column);
  if (strstr(column, "bytes") != NULL) axis.unit = NP_PLOT_BYTES;
  return axis;
}

char *np_report_cliff_summary(const NpCliffSearch *s, const NpCliff *c) {
  char before[96], after[96];
  np_report_axis_value(&s->axis, c->x_before, before, sizeof before);
  np_report_axis_value(&s->axis, c->x_after, after, sizeof after);
  return np_xasprintf("x%.2f between %s and %s: %s %.4g -> %.4g", c->ratio, before, after, s->metric, c->m_before,
                      c->m_after);
}

/* The cause to show in one line: weights that stopped being resident, a layer that fell
 * back or activations that left the SRAM say most; otherwise the first. */
static const char *telling_cause(const NpCliff *c) {
  for (size_t k = 0; k < c->n_causes; k++)
    if (strstr(c->causes[k], "no longer resident") || strstr(c->causes[k], "fell back") ||
        strstr(c->causes[k], "activations through DRAM up"))
      return c->causes[k];
  return c->n_causes ? c->causes[0] : "no cause found";
}

char *np_report_cliff_svg(const NpCliffSearch *s, const NpReportCurve *curve, const NpCliff *cliffs, size_t n_cliffs,
                       const char *model) {
  NpPlotMarker *markers = np_xcalloc(n_cliffs ? n_cliffs : 1, sizeof *markers);
  for (size_t i = 0; i < n_cliffs; i++) {
    const NpCliff *c = &cliffs[i];
    char *summary = np_report_cliff_summary(s, c);
    NpBuf detail = {0};
    np_buf_puts(&detail, summary);
    for (size_t k = 0; k < c->n_causes; k++) np_buf_printf(&detail, "\ncause: %s", c->causes[k]);
    markers[i].x = (c->x_before + c->x_after) / 2;
    char at[NP_FMT_LEN + 32];
    if (is_bytes_axis(&s->axis))
      np_fmt_bytes((int64_t)llround(c->x_after), at);
    else
      np_axis_format(&s->axis, c->x_after, at, sizeof at);
    markers[i].label = np_xasprintf("x%.2f at %s (%.4g -> %.4g): %s", c->ratio, at, c->m_before, c->m_after,
                                    telling_cause(c));
    markers[i].detail = np_buf_take(&detail);
    free(summary);
  }
  char *title = np_xasprintf("%s: %s along %s, %zu cliff%s", model, s->metric, s->axis.key, n_cliffs,
                             n_cliffs == 1 ? "" : "s");
  NpPlotLine plot = {title,
                     {s->axis.key, is_bytes_axis(&s->axis) ? NP_PLOT_BYTES : NP_PLOT_NUMBER},
                     metric_axis(s->metric),
                     curve->x,
                     curve->m,
                     curve->n,
                     markers,
                     n_cliffs,
                     np_axis_geometric(s->axis.lo, s->axis.hi),
                     false};
  char *svg = np_plot_line_svg(&plot);
  for (size_t i = 0; i < n_cliffs; i++) {
    free((char *)markers[i].label);
    free((char *)markers[i].detail);
  }
  free(markers);
  free(title);
  return svg;
}

char *np_report_pareto_svg(const NpCsvTable *t, const NpParetoQuery *q, const NpParetoResult *r) {
  size_t n = r->n_points;
  double *x = np_xmalloc((n ? n : 1) * sizeof *x), *y = np_xmalloc((n ? n : 1) * sizeof *y);
  bool *front = np_xmalloc((n ? n : 1) * sizeof *front);
  size_t *group = np_xmalloc((n ? n : 1) * sizeof *group);
  char **labels = np_xmalloc((n ? n : 1) * sizeof *labels);
  long point_col = np_csv_column(t, "point");
  for (size_t i = 0; i < n; i++) {
    const NpParetoPoint *p = &r->points[i];
    x[i] = p->x, y[i] = p->y, front[i] = p->on_front, group[i] = p->group;
    labels[i] = np_xasprintf("point %s: %s %.6g, %s %.6g%s", point_col >= 0 ? np_csv_cell(t, p->row, (size_t)point_col) : "?",
                             q->x, p->x, q->y, p->y, p->on_front ? " (on the front)" : "");
  }
  char *title = np_xasprintf("Pareto front: %s against %s", q->y, q->x);
  NpPlotScatter plot = {title,
                        column_axis(q->x),
                        column_axis(q->y),
                        x, y, front, group, q->z ? (const char *const *)r->groups : NULL, r->n_groups,
                        (const char *const *)labels, n};
  char *svg = np_plot_scatter_svg(&plot);
  for (size_t i = 0; i < n; i++) free(labels[i]);
  free(labels);
  free(title);
  free(x);
  free(y);
  free(front);
  free(group);
  return svg;
}

