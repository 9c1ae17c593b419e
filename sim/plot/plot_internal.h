/* What the chart files share: the plot frame (a data rectangle with two scaled axes) and
 * SVG element helpers. */
#ifndef NPUSIM_PLOT_PLOT_INTERNAL_H
#define NPUSIM_PLOT_PLOT_INTERNAL_H

#include "plot/plot.h"

#define PLOT_FONT "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""
#define PLOT_INK "#222"
#define PLOT_GRID "#e3e6ea"
#define PLOT_MUTED "#9aa3ad"

/* One axis as drawn: data range [lo, hi] maps to pixels [p0, p1]; values are divided by
 * scale (a bytes axis in MiB: 2^20) before ticks are chosen. */
typedef struct Scale {
  double lo, hi;
  double p0, p1;
  double scale;
  NpPlotTicks ticks;
  const char *unit_name; /* "MiB" for a bytes axis, NULL otherwise */
  bool log;              /* log2 scale: lo, hi and the ticks are exponents of 2 */
} Scale;

/* Fits a scale to data in [lo, hi] (in raw units); zero_based starts it at 0 when lo >= 0. */
void scale_fit(Scale *s, const NpPlotAxis *axis, double lo, double hi, bool zero_based, double p0, double p1);
/* The same on a log2 scale (lo > 0): ticks at powers of two. */
void scale_fit_log(Scale *s, const NpPlotAxis *axis, double lo, double hi, double p0, double p1);
double scale_px(const Scale *s, double value);

/* The frame: grid lines, ticks with labels and the axis titles. */
typedef struct Frame {
  double left, top, right, bottom; /* the data rectangle in pixels */
  Scale x, y;
} Frame;
void frame_draw(NpBuf *b, const Frame *f, const NpPlotAxis *x_axis, const NpPlotAxis *y_axis, bool x_ticks);

void svg_begin(NpBuf *b, double width, double height, const char *title);
void svg_end(NpBuf *b);
/* <text> at (x, y) with an anchor ("start", "middle", "end") and extra attributes. */
void svg_text(NpBuf *b, double x, double y, const char *anchor, const char *attrs, const char *text);
/* A <title> child with escaped text (hover). */
void svg_title(NpBuf *b, const char *text);
/* Appends tick value v (already divided by the scale) with the ticks' decimals. */
void format_tick(char *out, size_t size, double v, int decimals);

/* Colours for series and groups, cycling. */
const char *plot_colour(size_t i);

#endif
