/* The three charts: a metric along an axis with cliffs, stacked per-layer bars, a scatter
 * with the Pareto front. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"
#include "util/mem.h"

#define WIDTH 880.0
#define PLOT_LEFT 84.0
#define PLOT_RIGHT (WIDTH - 24.0)
#define PLOT_TOP 48.0
#define MARKER_LINE 17.0
#define MAX_MARKERS_LISTED 12
#define MAX_LABEL_CHARS 132
#define MARKER_SPACING 20.0 /* a marker's circle is 18 px wide */
#define MAX_MARKER_ROWS 4

static void range_of(const double *v, size_t n, double *lo, double *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(v[i])) continue;
    if (v[i] < *lo) *lo = v[i];
    if (v[i] > *hi) *hi = v[i];
  }
  if (*lo > *hi) *lo = 0, *hi = 1;
}

static char *finish(NpBuf *b) {
  svg_end(b);
  return np_buf_take(b);
}

/* A label cut to max_chars bytes (at a UTF-8 boundary) with "..." when longer. */
static void clip_label(char *out, size_t size, const char *text, size_t max_chars) {
  size_t len = strlen(text);
  if (len <= max_chars && len < size) {
    memcpy(out, text, len + 1);
    return;
  }
  size_t cut = max_chars < size - 4 ? max_chars : size - 4;
  while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
  memcpy(out, text, cut);
  memcpy(out + cut, "...", 4);
}

/* ---- line ---- */

typedef struct XY {
  double x, y;
} XY;

static int compare_xy(const void *a, const void *b) {
  const XY *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->y > q->y) - (p->y < q->y);
}

/* The row of a marker's numbered circle: the first whose last circle is a circle's width
 * away, so that the numbers of close cliffs stack instead of overlapping. */
static int marker_row(double *row_end, int *n_rows, double px) {
  for (int r = 0; r < *n_rows; r++)
    if (px - row_end[r] >= MARKER_SPACING) {
      row_end[r] = px;
      return r;
    }
  if (*n_rows < MAX_MARKER_ROWS) {
    row_end[*n_rows] = px;
    return (*n_rows)++;
  }
  return MAX_MARKER_ROWS - 1;
}

static void draw_markers(NpBuf *b, const NpPlotLine *p, const Frame *f, double list_top) {
  char number[24], label[MAX_LABEL_CHARS + 8];
  double row_end[MAX_MARKER_ROWS];
  int n_rows = 0;
  for (size_t i = 0; i < p->n_markers; i++) {
    const NpPlotMarker *m = &p->markers[i];
    double px = scale_px(&f->x, m->x);
    if (!isfinite(px) || px < f->left - 0.5 || px > f->right + 0.5) continue;
    double cy = f->top + 1 + MARKER_SPACING * marker_row(row_end, &n_rows, px);
    snprintf(number, sizeof number, "%zu", i + 1);
    np_buf_puts(b, "<g class=\"marker\">");
    if (m->detail) svg_title(b, m->detail);
    np_buf_printf(b,
                  "\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" stroke-width=\"1.5\" "
                  "stroke-dasharray=\"5 4\"/>\n<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"#d62728\"/>\n",
                  px, cy + 9, px, f->bottom, px, cy);
    svg_text(b, px, cy + 4, "middle", "fill=\"#fff\" font-weight=\"bold\" font-size=\"11\"", number);
    np_buf_puts(b, "</g>\n");
  }
  size_t listed = p->n_markers < MAX_MARKERS_LISTED ? p->n_markers : MAX_MARKERS_LISTED;
  for (size_t i = 0; i < listed; i++) {
    char line[MAX_LABEL_CHARS + 24];
    clip_label(label, sizeof label, p->markers[i].label ? p->markers[i].label : "", MAX_LABEL_CHARS);
    snprintf(line, sizeof line, "%zu  %s", i + 1, label);
    np_buf_puts(b, "<g>");
    if (p->markers[i].detail) svg_title(b, p->markers[i].detail);
    svg_text(b, 16, list_top + MARKER_LINE * (double)i, "start", "fill=\"" PLOT_INK "\"", line);
    np_buf_puts(b, "</g>\n");
  }
  if (p->n_markers > listed) {
    snprintf(label, sizeof label, "... and %zu more", p->n_markers - listed);
    svg_text(b, 16, list_top + MARKER_LINE * (double)listed, "start", "fill=\"" PLOT_INK "\"", label);
  }
}

char *np_plot_line_svg(const NpPlotLine *p) {
  size_t listed = p->n_markers < MAX_MARKERS_LISTED ? p->n_markers : MAX_MARKERS_LISTED;
  double plot_bottom = 360, list_top = plot_bottom + 70;
  double height = list_top + (p->n_markers ? MARKER_LINE * (double)(listed + (p->n_markers > listed)) : 0) + 6;
  XY *pts = np_xmalloc((p->n ? p->n : 1) * sizeof *pts);
  size_t n = 0;
  for (size_t i = 0; i < p->n; i++)
    if (isfinite(p->x[i]) && isfinite(p->y[i])) pts[n++] = (XY){p->x[i], p->y[i]};
  qsort(pts, n, sizeof *pts, compare_xy);
  double xs_lo, xs_hi, ys_lo, ys_hi;
  range_of(p->x, p->n, &xs_lo, &xs_hi);
  range_of(p->y, p->n, &ys_lo, &ys_hi);
  Frame f = {.left = PLOT_LEFT, .top = PLOT_TOP + 12, .right = PLOT_RIGHT, .bottom = plot_bottom};
  if (p->log_x && xs_lo > 0)
    scale_fit_log(&f.x, &p->x_axis, xs_lo, xs_hi, f.left, f.right);
  else
    scale_fit(&f.x, &p->x_axis, xs_lo, xs_hi, false, f.left, f.right);
  scale_fit(&f.y, &p->y_axis, ys_lo, ys_hi, true, f.bottom, f.top);
  NpBuf b = {0};
  svg_begin(&b, WIDTH, height, p->title);
  frame_draw(&b, &f, &p->x_axis, &p->y_axis, true);
  if (n > 0) {
    np_buf_puts(&b, "<polyline class=\"series\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < n; i++) {
      if (p->step && i > 0) /* hold the previous value up to this x */
        np_buf_printf(&b, " %.1f,%.1f", scale_px(&f.x, pts[i].x), scale_px(&f.y, pts[i - 1].y));
      np_buf_printf(&b, "%s%.1f,%.1f", i ? " " : "", scale_px(&f.x, pts[i].x), scale_px(&f.y, pts[i].y));
    }
    np_buf_puts(&b, "\"/>\n");
  }
  if (n > 0 && !p->step) {
    np_buf_puts(&b, "<g fill=\"#1f77b4\">\n");
    for (size_t i = 0; i < n; i++)
      np_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n", scale_px(&f.x, pts[i].x),
                    scale_px(&f.y, pts[i].y));
    np_buf_puts(&b, "</g>\n");
  }
  draw_markers(&b, p, &f, list_top);
  free(pts);
  return finish(&b);
}

/* ---- stacked bars ---- */

static void legend(NpBuf *b, const char *const *names, const char *const *colours, size_t n, double x, double y) {
  for (size_t i = 0; i < n; i++) {
    double lx = x + 124.0 * (double)(i % 6), ly = y + 18.0 * (double)(i / 6);
    np_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"11\" height=\"11\" fill=\"%s\"/>\n", lx, ly - 10,
                  colours[i]);
    svg_text(b, lx + 16, ly, "start", "fill=\"" PLOT_INK "\"", names[i]);
  }
}

char *np_plot_stacked_svg(const NpPlotStacked *p) {
  size_t legend_rows = (p->n_series + 5) / 6;
  double top = PLOT_TOP + 18.0 * (double)legend_rows + 12, bottom = top + 300, height = bottom + 58;
  double peak = 0;
  for (size_t i = 0; i < p->n_bars; i++) {
    double sum = 0;
    for (size_t s = 0; s < p->n_series; s++) sum += fmax(0, p->values[i * p->n_series + s]);
    peak = fmax(peak, sum);
  }
  NpPlotAxis x_axis = {p->x_title, NP_PLOT_NUMBER};
  Frame f = {.left = PLOT_LEFT, .top = top, .right = PLOT_RIGHT, .bottom = bottom};
  scale_fit(&f.y, &p->y_axis, 0, peak > 0 ? peak : 1, true, f.bottom, f.top);
  f.x = (Scale){0, 1, f.left, f.right, 1, {0, 1, 0, 0}, NULL, false};
  NpBuf b = {0};
  svg_begin(&b, WIDTH, height, p->title);
  const char **colours = np_xmalloc((p->n_series ? p->n_series : 1) * sizeof *colours);
  for (size_t s = 0; s < p->n_series; s++) colours[s] = plot_colour(s);
  legend(&b, p->series_names, colours, p->n_series, PLOT_LEFT, PLOT_TOP);
  frame_draw(&b, &f, &x_axis, &p->y_axis, false);
  double slot = p->n_bars ? (f.right - f.left) / (double)p->n_bars : 0, bar = slot * 0.8;
  size_t every = p->n_bars > 24 ? (p->n_bars + 23) / 24 : 1; /* about 24 numbered ticks at most */
  char number[32], hover[512];
  for (size_t i = 0; i < p->n_bars; i++) {
    double x0 = f.left + slot * (double)i + (slot - bar) / 2, base = 0;
    const char *name = p->bar_labels && p->bar_labels[i] ? p->bar_labels[i] : "";
    np_buf_puts(&b, "<g class=\"bar\">\n");
    for (size_t s = 0; s < p->n_series; s++) {
      double v = fmax(0, p->values[i * p->n_series + s]);
      if (v <= 0) continue;
      double y1 = scale_px(&f.y, base), y0 = scale_px(&f.y, base + v);
      np_buf_printf(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">", x0, y0, bar,
                    fmax(0, y1 - y0), colours[s]);
      snprintf(hover, sizeof hover, "%zu %s: %s %.4g", i, name, p->series_names[s], v);
      svg_title(&b, hover);
      np_buf_puts(&b, "</rect>\n");
      base += v;
    }
    np_buf_puts(&b, "</g>\n");
    if (i % every == 0 || i + 1 == p->n_bars) {
      double cx = x0 + bar / 2;
      snprintf(number, sizeof number, "%zu", i);
      np_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" PLOT_INK "\"/>\n", cx,
                    f.bottom, cx, f.bottom + 4);
      svg_text(&b, cx, f.bottom + 17, "middle", "fill=\"" PLOT_INK "\"", number);
    }
  }
  free(colours);
  return finish(&b);
}

/* ---- scatter ---- */

typedef struct Ranked {
  double x, y;
  size_t index;
} Ranked;

static int compare_ranked(const void *a, const void *b) {
  const Ranked *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return (p->index > q->index) - (p->index < q->index);
}

static void point(NpBuf *b, const NpPlotScatter *p, const Frame *f, size_t i, double r, const char *fill) {
  np_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">", scale_px(&f->x, p->x[i]),
                scale_px(&f->y, p->y[i]), r, fill);
  if (p->labels && p->labels[i]) svg_title(b, p->labels[i]);
  np_buf_puts(b, "</circle>\n");
}

char *np_plot_scatter_svg(const NpPlotScatter *p) {
  size_t n_groups = p->n_groups ? p->n_groups : 1;
  size_t legend_items = n_groups + 1, legend_rows = (legend_items + 5) / 6;
  double top = PLOT_TOP + 18.0 * (double)legend_rows + 12, bottom = top + 380, height = bottom + 58;
  double x_lo, x_hi, y_lo, y_hi;
  range_of(p->x, p->n, &x_lo, &x_hi);
  range_of(p->y, p->n, &y_lo, &y_hi);
  Frame f = {.left = PLOT_LEFT, .top = top, .right = PLOT_RIGHT, .bottom = bottom};
  scale_fit(&f.x, &p->x_axis, x_lo, x_hi, false, f.left, f.right);
  scale_fit(&f.y, &p->y_axis, y_lo, y_hi, false, f.bottom, f.top);
  NpBuf b = {0};
  svg_begin(&b, WIDTH, height, p->title);
  const char **names = np_xmalloc(legend_items * sizeof *names), **colours = np_xmalloc(legend_items * sizeof *colours);
  char **owned = np_xcalloc(n_groups, sizeof *owned);
  for (size_t g = 0; g < n_groups; g++) {
    owned[g] = p->group_names ? np_xasprintf("front: %s", p->group_names[g]) : np_xstrdup("Pareto front");
    names[g] = owned[g];
    colours[g] = plot_colour(g);
  }
  names[n_groups] = "dominated points";
  colours[n_groups] = PLOT_MUTED;
  legend(&b, names, colours, legend_items, PLOT_LEFT, PLOT_TOP);
  frame_draw(&b, &f, &p->x_axis, &p->y_axis, true);
  np_buf_puts(&b, "<g class=\"dominated\" opacity=\"0.75\">\n");
  for (size_t i = 0; i < p->n; i++)
    if (!(p->highlight && p->highlight[i]) && isfinite(p->x[i]) && isfinite(p->y[i])) point(&b, p, &f, i, 3, PLOT_MUTED);
  np_buf_puts(&b, "</g>\n");
  Ranked *front = np_xmalloc((p->n ? p->n : 1) * sizeof *front);
  for (size_t g = 0; g < n_groups; g++) {
    size_t m = 0;
    for (size_t i = 0; i < p->n; i++)
      if (p->highlight && p->highlight[i] && (p->group ? p->group[i] : 0) == g && isfinite(p->x[i]) &&
          isfinite(p->y[i]))
        front[m++] = (Ranked){p->x[i], p->y[i], i};
    if (m == 0) continue;
    qsort(front, m, sizeof *front, compare_ranked);
    np_buf_printf(&b, "<g class=\"front\">\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                  colours[g]);
    for (size_t k = 0; k < m; k++)
      np_buf_printf(&b, "%s%.1f,%.1f", k ? " " : "", scale_px(&f.x, front[k].x), scale_px(&f.y, front[k].y));
    np_buf_puts(&b, "\"/>\n");
    for (size_t k = 0; k < m; k++) point(&b, p, &f, front[k].index, 4.5, colours[g]);
    np_buf_puts(&b, "</g>\n");
  }
  free(front);
  for (size_t g = 0; g < n_groups; g++) free(owned[g]);
  free(owned);
  free(names);
  free(colours);
  return finish(&b);
}
