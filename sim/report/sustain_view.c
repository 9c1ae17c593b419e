/* A sustained run for people and machines: summary text, JSON, the per-frame CSV, and a plot
 * of temperature, clock and latency over time. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "plot/plot.h"
#include "report/report_internal.h"
#include "report/views.h"
#include "util/buf.h"
#include "util/mem.h"

/* Points of each plotted curve at most: a frame series is thinned to this many samples. */
#define SUSTAIN_PLOT_POINTS 1200

static const char *late_name(NpLatePolicy p) { return p == NP_LATE_QUEUE ? "queue" : "drop"; }

char *np_sustain_text(const NpSustainResult *r, const NpSustainOptions *o, const char *model, const char *config) {
  NpBuf b = {0};
  np_buf_printf(&b, "sustain: %s on %s, %g fps for %g s (%" PRId64 " frames; late frames %s)\n\n", model, config,
                o->fps, o->seconds, r->frames, o->late == NP_LATE_QUEUE ? "queue" : "are dropped");
  if (r->throttled)
    np_buf_printf(&b, "throttle     first step down at %.3f s\n", r->first_throttle_s);
  else
    np_buf_puts(&b, "throttle     never\n");
  np_buf_printf(&b, "temperature  max %.2f C, at the end %.2f C (full clock would settle at %.2f C)\n", r->max_temp_c,
                r->final_temp_c, r->steady_temp_c);
  np_buf_printf(&b, "latency      p50 %.4f ms, p95 %.4f ms, p99 %.4f ms, max %.4f ms (%" PRId64 " frames served)\n",
                r->p50_ms, r->p95_ms, r->p99_ms, r->max_ms, r->served);
  np_buf_printf(&b, "frames       %" PRId64 " dropped, %" PRId64 " late (over %.4f ms)\n", r->dropped, r->late,
                1000.0 / o->fps);
  np_buf_printf(&b, "power        %.2f mW average", r->avg_power_mw);
  if (r->has_battery) np_buf_printf(&b, "; %.3f%% of a %g Wh battery per hour", 100.0 * r->battery_share_per_hour, o->battery_wh);
  np_buf_puts(&b, "\nclock steps ");
  for (int k = 0; k < r->n_steps; k++) {
    if (!r->step_used[k]) continue;
    np_buf_printf(&b, " %g MHz: %.4f ms, %.2f uJ dynamic;", r->steps[k].mhz, r->steps[k].latency_ms,
                  r->steps[k].dynamic_uj);
  }
  np_buf_puts(&b, "\n");
  return np_buf_take(&b);
}

char *np_sustain_json(const NpSustainResult *r, const NpSustainOptions *o, const char *model, const char *config) {
  json_t *root = json_object();
  json_object_set_new(root, "schema", json_string(NP_SUSTAIN_JSON_SCHEMA));
  json_object_set_new(root, "model", json_string(model));
  json_object_set_new(root, "config", json_string(config));
  json_object_set_new(root, "fps", json_real(o->fps));
  json_object_set_new(root, "seconds", json_real(o->seconds));
  json_object_set_new(root, "late", json_string(late_name(o->late)));
  json_object_set_new(root, "frames", json_integer(r->frames));
  json_object_set_new(root, "served", json_integer(r->served));
  json_object_set_new(root, "dropped", json_integer(r->dropped));
  json_object_set_new(root, "late_frames", json_integer(r->late));
  json_object_set_new(root, "throttled", json_boolean(r->throttled));
  json_object_set_new(root, "first_throttle_s", r->throttled ? json_real(r->first_throttle_s) : json_null());
  json_object_set_new(root, "p50_ms", json_real(r->p50_ms));
  json_object_set_new(root, "p95_ms", json_real(r->p95_ms));
  json_object_set_new(root, "p99_ms", json_real(r->p99_ms));
  json_object_set_new(root, "max_ms", json_real(r->max_ms));
  json_object_set_new(root, "max_temp_c", json_real(r->max_temp_c));
  json_object_set_new(root, "final_temp_c", json_real(r->final_temp_c));
  json_object_set_new(root, "steady_temp_c", json_real(r->steady_temp_c));
  json_object_set_new(root, "avg_power_mw", json_real(r->avg_power_mw));
  json_object_set_new(root, "battery_share_per_hour", r->has_battery ? json_real(r->battery_share_per_hour) : json_null());
  json_t *steps = json_array();
  for (int k = 0; k < r->n_steps; k++) {
    if (!r->step_used[k]) continue;
    json_t *s = json_object();
    json_object_set_new(s, "mhz", json_real(r->steps[k].mhz));
    json_object_set_new(s, "latency_ms", json_real(r->steps[k].latency_ms));
    json_object_set_new(s, "dynamic_uj", json_real(r->steps[k].dynamic_uj));
    json_object_set_new(s, "static_mw", json_real(r->steps[k].static_mw));
    json_array_append_new(steps, s);
  }
  json_object_set_new(root, "steps", steps);
  return np_report_json_text(root);
}

char *np_sustain_csv(const NpSustainResult *r) {
  NpBuf b = {0};
  np_buf_puts(&b, "t_s,temp_c,clock_mhz,latency_ms,dropped\n");
  for (size_t i = 0; i < r->n_samples; i++) {
    const NpSustainSample *x = &r->samples[i];
    np_buf_printf(&b, "%.17g,%.17g,%.17g,%.17g,%s\n", x->t_s, x->temp_c, x->mhz, x->latency_ms,
                  x->dropped ? "true" : "false");
  }
  return np_buf_take(&b);
}

/* One curve of the plot: a sample field against time, thinned to SUSTAIN_PLOT_POINTS. */
static char *series_svg(const NpSustainResult *r, const char *title, const char *y_title, size_t offset, bool step) {
  size_t stride = r->n_samples / SUSTAIN_PLOT_POINTS + 1, n = 0;
  double *x = np_xmalloc((r->n_samples / stride + 2) * sizeof *x), *y = np_xmalloc((r->n_samples / stride + 2) * sizeof *y);
  for (size_t i = 0; i < r->n_samples; i += stride) {
    const NpSustainSample *s = &r->samples[i];
    x[n] = s->t_s;
    y[n++] = *(const double *)(const void *)((const char *)s + offset);
  }
  NpPlotLine plot = {title, {"time (s)", NP_PLOT_NUMBER}, {y_title, NP_PLOT_NUMBER}, x, y, n, NULL, 0, false, step};
  char *svg = np_plot_line_svg(&plot);
  free(x);
  free(y);
  return svg;
}

/* The three curves one above the other, each an <svg> nested at its offset. */
char *np_sustain_svg(const NpSustainResult *r, const char *model) {
  const struct {
    const char *what, *axis;
    size_t offset;
    bool step;
  } curves[] = {{"die temperature", "temperature (C)", offsetof(NpSustainSample, temp_c), false},
                {"clock", "clock (MHz)", offsetof(NpSustainSample, mhz), true},
                {"frame latency (0: dropped)", "latency (ms)", offsetof(NpSustainSample, latency_ms), true}};
  NpBuf b = {0}, body = {0};
  double y = 0, width = 0;
  for (size_t c = 0; c < 3; c++) {
    char *title = np_xasprintf("%s: %s", model, curves[c].what);
    char *svg = series_svg(r, title, curves[c].axis, curves[c].offset, curves[c].step);
    double w = 0, h = 0;
    const char *open = strstr(svg, "<svg");
    if (open) sscanf(strstr(open, "width=\"") ? strstr(open, "width=\"") + 7 : "0", "%lf", &w);
    if (open) sscanf(strstr(open, "height=\"") ? strstr(open, "height=\"") + 8 : "0", "%lf", &h);
    np_buf_printf(&body, "<svg y=\"%g\"%s", y, open ? open + 4 : "");
    y += h;
    if (w > width) width = w;
    free(svg);
    free(title);
  }
  np_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\">\n", width, y);
  np_buf_puts(&b, np_buf_str(&body));
  np_buf_puts(&b, "</svg>\n");
  np_buf_free(&body);
  return np_buf_take(&b);
}
