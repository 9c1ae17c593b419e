/* SVG building blocks: escaping, round ticks, scaled axes and the plot frame. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/plot_internal.h"
#include "util/utf8.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static void escape_valid(NpBuf *b, const char *text, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    const char *sub = NULL;
    switch (c) {
      case '&': sub = "&amp;"; break;
      case '<': sub = "&lt;"; break;
      case '>': sub = "&gt;"; break;
      case '"': sub = "&quot;"; break;
      case '\'': sub = "&#39;"; break;
      default:
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) sub = replacement;
    }
    if (sub == NULL) continue;
    np_buf_append(b, text + start, i - start);
    np_buf_puts(b, sub);
    start = i + 1;
  }
  np_buf_append(b, text + start, len - start);
}

void np_xml_escape(NpBuf *b, const char *text) {
  size_t len = strlen(text), pos = 0;
  while (pos < len) {
    size_t valid = np_utf8_invalid_at(text + pos, len - pos);
    escape_valid(b, text + pos, valid);
    pos += valid;
    if (pos < len) { /* one malformed byte: replace it and go on after it */
      np_buf_puts(b, replacement);
      pos++;
    }
  }
  if (b->data == NULL) np_buf_append(b, "", 0);
}

/* ---- ticks ---- */

static double nice_step(double raw) {
  double magnitude = pow(10, floor(log10(raw)));
  double f = raw / magnitude;
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * magnitude;
}

void np_plot_ticks(double lo, double hi, int target, NpPlotTicks *out) {
  if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) {
    double t = lo;
    lo = hi, hi = t;
  }
  if (hi == lo) { /* one value: a unit-wide range around it */
    double pad = lo != 0 ? fabs(lo) * 0.5 : 1;
    lo -= pad, hi += pad;
  }
  if (target < 2) target = 2;
  double step = nice_step((hi - lo) / (target - 1));
  double first = floor(lo / step + 1e-9) * step, last = ceil(hi / step - 1e-9) * step;
  int count = (int)llround((last - first) / step) + 1;
  while (count > NP_PLOT_MAX_TICKS) { /* a very uneven request: widen the step */
    step = nice_step(step * 2.01);
    first = floor(lo / step + 1e-9) * step, last = ceil(hi / step - 1e-9) * step;
    count = (int)llround((last - first) / step) + 1;
  }
  int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
  *out = (NpPlotTicks){first, step, count, decimals > 9 ? 9 : decimals};
}

void format_tick(char *out, size_t size, double v, int decimals) {
  if (fabs(v) < 1e-12) v = 0; /* no "-0" */
  if (fabs(v) >= 1e7 || (v != 0 && fabs(v) < 1e-6))
    snprintf(out, size, "%.3g", v);
  else
    snprintf(out, size, "%.*f", decimals, v);
}

/* ---- scales ---- */

static const struct {
  double factor;
  const char *name;
} byte_units[] = {{1, "B"}, {1024, "KiB"}, {1048576, "MiB"}, {1073741824.0, "GiB"}};

/* A bytes axis shows the binary unit that suits its largest value. */
static void pick_unit(Scale *s, const NpPlotAxis *axis, double lo, double hi) {
  s->scale = 1;
  if (axis->unit != NP_PLOT_BYTES) return;
  double top = fmax(fabs(lo), fabs(hi));
  size_t u = 0;
  while (u + 1 < sizeof byte_units / sizeof byte_units[0] && top >= byte_units[u + 1].factor) u++;
  s->scale = byte_units[u].factor;
  s->unit_name = byte_units[u].name;
}

#define MAX_LOG_TICKS 12

void scale_fit_log(Scale *s, const NpPlotAxis *axis, double lo, double hi, double p0, double p1) {
  memset(s, 0, sizeof *s);
  pick_unit(s, axis, lo, hi);
  s->log = true;
  double a = floor(log2(lo / s->scale)), b = ceil(log2(hi / s->scale));
  if (!isfinite(a) || !isfinite(b) || b <= a) a = 0, b = 1;
  int step = 1;
  while ((b - a) / step + 1 > MAX_LOG_TICKS) step *= 2;
  s->ticks = (NpPlotTicks){a, (double)step, (int)((b - a) / step) + 1, 0};
  s->lo = a;
  s->hi = a + step * (s->ticks.count - 1);
  if (s->hi < b) s->hi = b;
  s->p0 = p0;
  s->p1 = p1;
}

void scale_fit(Scale *s, const NpPlotAxis *axis, double lo, double hi, bool zero_based, double p0, double p1) {
  memset(s, 0, sizeof *s);
  pick_unit(s, axis, lo, hi);
  if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
  if (zero_based && lo >= 0) lo = 0;
  np_plot_ticks(lo / s->scale, hi / s->scale, 6, &s->ticks);
  s->lo = s->ticks.first;
  s->hi = s->ticks.first + s->ticks.step * (s->ticks.count - 1);
  s->p0 = p0;
  s->p1 = p1;
}

double scale_px(const Scale *s, double value) {
  double v = s->log ? log2(value / s->scale) : value / s->scale;
  double span = s->hi - s->lo;
  return s->p0 + (span > 0 ? (v - s->lo) / span : 0.5) * (s->p1 - s->p0);
}

/* ---- elements ---- */

void svg_begin(NpBuf *b, double width, double height, const char *title) {
  np_buf_printf(b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                "role=\"img\" " PLOT_FONT " font-size=\"12\">\n",
                width, height, width, height);
  np_buf_puts(b, "<title>");
  np_xml_escape(b, title ? title : "");
  np_buf_puts(b, "</title>\n");
  np_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", width, height);
  if (title) svg_text(b, 12, 22, "start", "font-size=\"15\" font-weight=\"bold\" fill=\"" PLOT_INK "\"", title);
}

void svg_end(NpBuf *b) { np_buf_puts(b, "</svg>\n"); }

void svg_text(NpBuf *b, double x, double y, const char *anchor, const char *attrs, const char *text) {
  np_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor, attrs ? " " : "",
                attrs ? attrs : "");
  np_xml_escape(b, text);
  np_buf_puts(b, "</text>\n");
}

void svg_title(NpBuf *b, const char *text) {
  np_buf_puts(b, "<title>");
  np_xml_escape(b, text);
  np_buf_puts(b, "</title>");
}

static void axis_title(char *out, size_t size, const NpPlotAxis *axis, const Scale *s) {
  const char *title = axis->title ? axis->title : "";
  if (s->unit_name)
    snprintf(out, size, "%s (%s)", title, s->unit_name);
  else
    snprintf(out, size, "%s", title);
}

void frame_draw(NpBuf *b, const Frame *f, const NpPlotAxis *x_axis, const NpPlotAxis *y_axis, bool x_ticks) {
  char label[64], title[256];
  np_buf_puts(b, "<g class=\"grid\" stroke=\"" PLOT_GRID "\" stroke-width=\"1\">\n");
  for (int i = 0; i < f->y.ticks.count; i++) {
    double py = scale_px(&f->y, (f->y.ticks.first + i * f->y.ticks.step) * f->y.scale);
    np_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->left, py, f->right, py);
  }
  np_buf_puts(b, "</g>\n<g class=\"axes\" fill=\"" PLOT_INK "\">\n");
  for (int i = 0; i < f->y.ticks.count; i++) {
    double v = f->y.ticks.first + i * f->y.ticks.step;
    format_tick(label, sizeof label, v, f->y.ticks.decimals);
    svg_text(b, f->left - 6, scale_px(&f->y, v * f->y.scale) + 4, "end", NULL, label);
  }
  if (x_ticks) {
    for (int i = 0; i < f->x.ticks.count; i++) {
      double v = f->x.ticks.first + i * f->x.ticks.step;
      if (f->x.log) v = exp2(v); /* a power of two: 2^-k needs k decimals */
      double px = scale_px(&f->x, v * f->x.scale);
      format_tick(label, sizeof label, v, f->x.log ? (v >= 1 ? 0 : (int)lround(-log2(v))) : f->x.ticks.decimals);
      np_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" PLOT_INK "\"/>\n", px,
                    f->bottom, px, f->bottom + 5);
      svg_text(b, px, f->bottom + 18, "middle", NULL, label);
    }
  }
  np_buf_printf(b,
                "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"" PLOT_INK "\" stroke-width=\"1\"/>\n",
                f->left, f->top, f->bottom, f->right);
  axis_title(title, sizeof title, x_axis, &f->x);
  svg_text(b, (f->left + f->right) / 2, f->bottom + 38, "middle", "font-size=\"13\"", title);
  axis_title(title, sizeof title, y_axis, &f->y);
  np_buf_printf(b, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">",
                f->left - 52, (f->top + f->bottom) / 2);
  np_xml_escape(b, title);
  np_buf_puts(b, "</text>\n</g>\n");
}

const char *plot_colour(size_t i) {
  static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                        "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}
