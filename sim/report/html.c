/* The HTML report (`npusim report`, docs/report.md): one self-contained offline page, inline
 * CSS and SVG, no script and no external link. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npusim.h"
#include "plot/plot.h"
#include "report/views.h"
#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"


static const char page_style[] =
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;color:#222;background:#f6f7f9;margin:0}\n"
    "main{max-width:1120px;margin:0 auto;padding:20px 28px 40px;background:#fff}\n"
    "h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:30px 0 10px;border-bottom:2px solid #e3e6ea;"
    "padding-bottom:4px}\n"
    "p.sub{color:#555;margin:0 0 12px}\n"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0 14px}\n"
    "th,td{padding:4px 9px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}\n"
    "th{background:#eef1f4;font-weight:600}tr:nth-child(even) td{background:#fafbfc}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.name{max-width:280px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\n"
    "table.layers,table.results{font-size:12px}\n"
    "table.layers td,table.layers th,table.results td,table.results th{padding:3px 5px}\n"
    "table.layers td,table.results td{white-space:nowrap}\n"
    "table.kv th{background:none;width:190px}\n"
    ".bad{color:#b22}.good{color:#2a7a2a}\n"
    "svg{max-width:100%;height:auto;display:block;margin:8px 0;border:1px solid #e3e6ea}\n"
    "ul.causes{margin:0;padding-left:18px}\n"
    "div.wide{overflow-x:auto;max-width:100%}\n"
    "footer{color:#777;font-size:12px;margin-top:30px}\n";

static void esc(NpBuf *b, const char *text) { np_xml_escape(b, text ? text : ""); }

static void cell(NpBuf *b, const char *cls, const char *text) {
  np_buf_printf(b, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
  esc(b, text);
  np_buf_puts(b, "</td>");
}

static void num_cell(NpBuf *b, const char *fmt, double v) {
  char text[64];
  snprintf(text, sizeof text, fmt, v);
  cell(b, "num", text);
}

/* A results cell as a table shows it: a real (the files hold 17 digits) to 6 significant
 * digits, right-aligned with the other numbers; anything else as it is. */
static void result_cell(NpBuf *b, const char *text) {
  char *end = NULL;
  double v = text[0] ? strtod(text, &end) : 0;
  bool number = end != NULL && end != text && *end == '\0' && isfinite(v);
  if (number && strpbrk(text, ".eE") != NULL) {
    num_cell(b, "%.6g", v);
    return;
  }
  cell(b, number ? "num" : NULL, text);
}

static void bytes_cell(NpBuf *b, int64_t bytes) {
  char text[NP_FMT_LEN];
  cell(b, "num", np_fmt_bytes(bytes, text));
}

static void header_row(NpBuf *b, const char *const *names, const bool *numeric, size_t n) {
  np_buf_puts(b, "<thead><tr>");
  for (size_t i = 0; i < n; i++) {
    np_buf_printf(b, "<th%s>", numeric && numeric[i] ? " class=\"num\"" : "");
    esc(b, names[i]);
    np_buf_puts(b, "</th>");
  }
  np_buf_puts(b, "</tr></thead>\n");
}

static void kv_row(NpBuf *b, const char *key, const char *value) {
  np_buf_puts(b, "<tr><th>");
  esc(b, key);
  np_buf_puts(b, "</th>");
  cell(b, NULL, value);
  np_buf_puts(b, "</tr>\n");
}

static void section(NpBuf *b, const char *id, const char *title) {
  np_buf_printf(b, "<section id=\"%s\">\n<h2>", id);
  esc(b, title);
  np_buf_puts(b, "</h2>\n");
}

static void put_summary(NpBuf *b, const NpRunReport *r) {
  const NpStats *c = &r->cold_stats, *w = &r->warm_stats;
  char t[256], x[NP_FMT_LEN], y[NP_FMT_LEN], z[NP_FMT_LEN];
  section(b, "summary", "Summary");
  np_buf_puts(b, "<table class=\"kv\">\n");
  snprintf(t, sizeof t, "%.4f ms (%" PRId64 " cycles): the first inference, which loads the resident weights", c->ms,
           c->cycles);
  kv_row(b, "latency, cold", t);
  snprintf(t, sizeof t, "%.4f ms (%" PRId64 " cycles): every later inference", w->ms, w->cycles);
  kv_row(b, "latency, warm", t);
  snprintf(t, sizeof t, "%.1f inferences/s (warm, back to back)", r->throughput_per_s);
  kv_row(b, "throughput", t);
  snprintf(t, sizeof t, "%.3f uJ warm, %.3f uJ cold; %.1f mW average (warm)", w->energy.total_uj, c->energy.total_uj,
           w->energy.avg_power_mw);
  kv_row(b, "energy per inference", t);
  int64_t peak = np_run_sram_peak_bytes(r);
  double share = r->cold.sram_capacity_bytes > 0 ? 100.0 * (double)peak / (double)r->cold.sram_capacity_bytes : 0;
  snprintf(t, sizeof t, "%s of %s (%.1f%%); resident weights %s", np_fmt_bytes(peak, x),
           np_fmt_bytes(r->cold.sram_capacity_bytes, y), share, np_fmt_bytes(r->cold.resident_weight_bytes, z));
  kv_row(b, "SRAM peak", t);
  snprintf(t, sizeof t, "%s read, %s written per warm inference", np_fmt_bytes(w->dram_read_bytes, x),
           np_fmt_bytes(w->dram_write_bytes, y));
  kv_row(b, "DRAM traffic", t);
  snprintf(t, sizeof t, "%" PRId64 " of %zu layers", np_run_fallback_layers(r), r->warm.n_layers);
  kv_row(b, "layers off the accelerator", t);
  if (w->energy.missing[0]) kv_row(b, "energy figures missing (counted as 0)", w->energy.missing);
  np_buf_puts(b, "</table>\n</section>\n");
}

static void put_energy(NpBuf *b, const NpRunReport *r, const double *layer_uj) {
  const NpEnergyBreakdown *c = &r->cold_stats.energy, *w = &r->warm_stats.energy;
  section(b, "energy", "Energy per inference");
  static const char *const cols[] = {"term", "cold (uJ)", "warm (uJ)"};
  static const bool numeric[] = {false, true, true};
  np_buf_puts(b, "<table>\n");
  header_row(b, cols, numeric, 3);
  const struct {
    const char *name;
    double cold, warm;
  } rows[] = {{"MAC", c->mac_uj, w->mac_uj},           {"vector", c->vector_uj, w->vector_uj},
              {"SRAM read", c->sram_read_uj, w->sram_read_uj}, {"SRAM write", c->sram_write_uj, w->sram_write_uj},
              {"DRAM read", c->dram_read_uj, w->dram_read_uj}, {"DRAM write", c->dram_write_uj, w->dram_write_uj},
              {"sync", c->sync_uj, w->sync_uj},         {"static", c->static_uj, w->static_uj},
              {"total", c->total_uj, w->total_uj}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    np_buf_puts(b, "<tr>");
    cell(b, NULL, rows[i].name);
    num_cell(b, "%.3f", rows[i].cold);
    num_cell(b, "%.3f", rows[i].warm);
    np_buf_puts(b, "</tr>\n");
  }
  np_buf_puts(b, "</table>\n");
  size_t n = r->warm.n_layers;
  const char **labels = np_xmalloc((n ? n : 1) * sizeof *labels);
  for (size_t i = 0; i < n; i++) labels[i] = r->warm.layers[i].name ? r->warm.layers[i].name : "?";
  NpPlotStacked plot = {"Dynamic energy per layer, warm inference (static power not split by layer)",
                        "layer (numbered as in the table of layers)",
                        {"energy (uJ)", NP_PLOT_NUMBER},
                        labels,
                        n,
                        np_energy_term_names,
                        NP_TERM_COUNT,
                        layer_uj};
  char *svg = np_plot_stacked_svg(&plot);
  np_buf_puts(b, svg);
  free(svg);
  free(labels);
  np_buf_puts(b, "</section>\n");
}

/* The tail of a long layer name, which tells layers apart ("…/conv.1/conv.1.0/Conv"), with
 * the whole name on hover. */
#define LAYER_NAME_SHOWN 30

static void name_cell(NpBuf *b, const char *name) {
  size_t len = strlen(name), start = len > LAYER_NAME_SHOWN ? len - LAYER_NAME_SHOWN : 0;
  while (start > 0 && ((unsigned char)name[start] & 0xC0) == 0x80) start++; /* a UTF-8 boundary */
  np_buf_puts(b, "<td class=\"name\" title=\"");
  esc(b, name);
  np_buf_puts(b, start > 0 ? "\">\xE2\x80\xA6" : "\">"); /* U+2026 HORIZONTAL ELLIPSIS */
  esc(b, name + start);
  np_buf_puts(b, "</td>");
}

static void put_layers(NpBuf *b, const NpRunReport *r, const double *layer_uj) {
  section(b, "layers", "Layers (warm inference)");
  np_buf_puts(b, "<p class=\"sub\">Numbered as in <code>npusim run --per-layer</code>; hover a name for all of it.</p>\n");
  static const char *const cols[] = {"#",        "layer",    "op",         "engine", "cycles", "limit",     "array",
                                     "weights",  "resident", "tile HxWxC", "DRAM",   "SRAM peak", "energy uJ"};
  static const bool numeric[] = {true, false, false, false, true, false, true, true, false, false, true, true, true};
  np_buf_puts(b, "<table class=\"layers\">\n");
  header_row(b, cols, numeric, sizeof cols / sizeof cols[0]);
  const NpSchedule *s = &r->warm;
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    const NpLayerStats *l = i < r->warm_stats.n_layers ? &r->warm_stats.layers[i] : NULL;
    char text[96];
    np_buf_puts(b, "<tr>");
    num_cell(b, "%.0f", (double)i);
    name_cell(b, p->name ? p->name : "");
    cell(b, NULL, i < r->cold.n_layers && r->layers ? r->layers[i].op_kind : "");
    cell(b, NULL, p->engine >= 0 && p->engine < r->n_engines ? r->engine_names[p->engine] : "?");
    num_cell(b, "%.0f", l ? (double)l->cycles : 0);
    cell(b, NULL, l ? np_limit_name(l->limit) : "");
    snprintf(text, sizeof text, "%.0f%%", 100.0 * p->array_utilization);
    cell(b, "num", p->array_utilization > 0 ? text : "");
    bytes_cell(b, p->weight_bytes);
    cell(b, NULL, p->weight_bytes == 0 ? "" : p->weights_resident ? "yes" : "streamed");
    if (p->on_accelerator && p->n_tiles > 0)
      snprintf(text, sizeof text, "%" PRId64 "x%" PRId64 "x%" PRId64 " x%" PRId64, p->tile_rows, p->tile_cols,
               p->tile_channels, p->n_tiles);
    else
      snprintf(text, sizeof text, "%s", p->on_accelerator ? "" : "off the accelerator");
    cell(b, NULL, text);
    bytes_cell(b, p->dram_read_bytes + p->dram_write_bytes);
    bytes_cell(b, p->sram_peak_bytes);
    double sum = 0;
    for (int t = 0; t < NP_TERM_COUNT; t++) sum += layer_uj[i * NP_TERM_COUNT + (size_t)t];
    num_cell(b, "%.3f", sum);
    np_buf_puts(b, "</tr>\n");
  }
  np_buf_puts(b, "</table>\n</section>\n");
}

/* Each layer's warm time as one bar coloured by what limits it. */
static void put_layer_time(NpBuf *b, const NpRunReport *r, const char **labels) {
  enum { N_LIMITS = NP_LIMIT_SYNC + 1 };
  size_t n = r->warm.n_layers;
  const char *names[N_LIMITS];
  for (int k = 0; k < N_LIMITS; k++) names[k] = np_limit_name((NpLimit)k);
  double *ms = np_xcalloc((n ? n : 1) * N_LIMITS, sizeof *ms);
  for (size_t i = 0; i < n && i < r->warm_stats.n_layers; i++) {
    const NpLayerStats *l = &r->warm_stats.layers[i];
    if (r->clock_mhz > 0) ms[i * N_LIMITS + (size_t)l->limit] = (double)l->cycles / (r->clock_mhz * 1e3);
  }
  NpPlotStacked plot = {"Time per layer, warm inference, coloured by what limits the layer",
                        "layer (numbered as in the table of layers)",
                        {"time (ms)", NP_PLOT_NUMBER},
                        labels,
                        n,
                        names,
                        N_LIMITS,
                        ms};
  char *svg = np_plot_stacked_svg(&plot);
  np_buf_puts(b, svg);
  free(svg);
  free(ms);
}

/* SRAM in use over the warm inference, as a step: between two layer boundaries, the largest
 * SRAM peak of the layers running then (layers overlap while the next one prefetches). */
typedef struct SramEvent {
  double t;
  bool end; /* the layer ends here; else it starts */
  size_t layer;
} SramEvent;

/* By time, starts before ends, so a layer of no time is added and taken away at once. */
static int compare_events(const void *a, const void *b) {
  const SramEvent *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (x->end != y->end) return x->end ? 1 : -1;
  return (x->layer > y->layer) - (x->layer < y->layer);
}

/* One sweep over the layers' starts and ends, keeping the layers running (a few at a time). */
static size_t sram_steps(const NpRunReport *r, size_t n, double *x, double *y) {
  double to_ms = r->clock_mhz > 0 ? 1.0 / (r->clock_mhz * 1e3) : 0;
  SramEvent *ev = np_xmalloc((2 * n + 1) * sizeof *ev);
  for (size_t i = 0; i < n; i++) {
    ev[2 * i] = (SramEvent){(double)r->warm_stats.layers[i].start * to_ms, false, i};
    ev[2 * i + 1] = (SramEvent){(double)r->warm_stats.layers[i].end * to_ms, true, i};
  }
  if (2 * n > 1) qsort(ev, 2 * n, sizeof *ev, compare_events);
  size_t *running = np_xmalloc((n ? n : 1) * sizeof *running), n_running = 0, m = 0;
  for (size_t k = 0; k < 2 * n;) {
    double t = ev[k].t;
    for (; k < 2 * n && ev[k].t == t; k++) {
      if (!ev[k].end) {
        running[n_running++] = ev[k].layer;
        continue;
      }
      for (size_t j = 0; j < n_running; j++)
        if (running[j] == ev[k].layer) {
          running[j] = running[--n_running];
          break;
        }
    }
    double in_use = 0;
    for (size_t j = 0; j < n_running; j++) in_use = fmax(in_use, (double)r->warm.layers[running[j]].sram_peak_bytes);
    x[m] = t, y[m] = in_use, m++;
  }
  free(running);
  free(ev);
  return m;
}

static void put_sram_over_time(NpBuf *b, const NpRunReport *r) {
  size_t n = r->warm.n_layers < r->warm_stats.n_layers ? r->warm.n_layers : r->warm_stats.n_layers;
  double *x = np_xmalloc((2 * n + 1) * sizeof *x), *y = np_xmalloc((2 * n + 1) * sizeof *y);
  size_t m = sram_steps(r, n, x, y);
  NpPlotLine plot = {"SRAM in use over the warm inference (the peak of the layers running)",
                     {"time (ms)", NP_PLOT_NUMBER},
                     {"SRAM in use", NP_PLOT_BYTES},
                     x,
                     y,
                     m,
                     NULL,
                     0,
                     false,
                     true};
  char *svg = np_plot_line_svg(&plot);
  np_buf_puts(b, svg);
  free(svg);
  free(x);
  free(y);
}

static void put_timeline(NpBuf *b, const NpRunReport *r) {
  section(b, "time", "Where the time goes");
  size_t n = r->warm.n_layers;
  const char **labels = np_xmalloc((n ? n : 1) * sizeof *labels);
  for (size_t i = 0; i < n; i++) labels[i] = r->warm.layers[i].name ? r->warm.layers[i].name : "?";
  put_layer_time(b, r, labels);
  put_sram_over_time(b, r);
  free(labels);
  np_buf_puts(b, "</section>\n");
}

static void put_fallbacks(NpBuf *b, const NpRunReport *r) {
  section(b, "fallbacks", "Ops off the accelerator");
  const NpSchedule *s = &r->warm;
  size_t n = 0;
  for (size_t i = 0; i < s->n_layers; i++) n += !s->layers[i].on_accelerator;
  if (n == 0) {
    np_buf_puts(b, "<p class=\"good\">None: every layer runs on the accelerator.</p>\n</section>\n");
    return;
  }
  static const char *const cols[] = {"#", "layer", "engine", "why"};
  static const bool numeric[] = {true, false, false, false};
  np_buf_puts(b, "<table>\n");
  header_row(b, cols, numeric, 4);
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    if (p->on_accelerator) continue;
    np_buf_puts(b, "<tr>");
    num_cell(b, "%.0f", (double)i);
    name_cell(b, p->name ? p->name : "");
    cell(b, NULL, p->engine >= 0 && p->engine < r->n_engines ? r->engine_names[p->engine] : "?");
    cell(b, NULL, p->fallback_reason ? p->fallback_reason : "no reason given");
    np_buf_puts(b, "</tr>\n");
  }
  np_buf_puts(b, "</table>\n</section>\n");
}

static void put_pareto(NpBuf *b, const NpHtmlSweep *sweep) {
  const NpCsvTable *t = sweep->table;
  const NpParetoQuery *q = sweep->query;
  const NpParetoResult *res = sweep->result;
  section(b, "pareto", "Pareto front of the sweep");
  np_buf_puts(b, "<p class=\"sub\">");
  np_buf_printf(b, "%zu of %zu points of ", res->n_front, res->n_points);
  esc(b, sweep->path);
  np_buf_printf(b, " are on the front (%s ", q->maximize_x ? "maximising" : "minimising");
  esc(b, q->x);
  np_buf_printf(b, ", %s ", q->maximize_y ? "maximising" : "minimising");
  esc(b, q->y);
  np_buf_puts(b, ")");
  if (res->n_skipped) np_buf_printf(b, "; %zu rows that did not run are left out", res->n_skipped);
  np_buf_puts(b, ".</p>\n");
  char *svg = np_report_pareto_svg(t, q, res);
  np_buf_puts(b, svg);
  free(svg);
  np_buf_puts(b, "<div class=\"wide\"><table class=\"results\">\n<thead><tr>");
  for (size_t c = 0; c < t->n_cols; c++) {
    if (!np_sweep_column_shown(t->header[c])) continue;
    np_buf_puts(b, "<th>");
    esc(b, t->header[c]);
    np_buf_puts(b, "</th>");
  }
  np_buf_puts(b, "</tr></thead>\n");
  for (size_t i = 0; i < res->n_points; i++) {
    if (!res->points[i].on_front) continue;
    np_buf_puts(b, "<tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
      if (!np_sweep_column_shown(t->header[c])) continue;
      result_cell(b, np_csv_cell(t, res->points[i].row, c));
    }
    np_buf_puts(b, "</tr>\n");
  }
  np_buf_puts(b, "</table></div>\n</section>\n");
}

static void put_cliffs(NpBuf *b, const NpHtmlCliffs *found, const char *model) {
  const NpCliffSearch *s = found->search;
  const NpCliff *cliffs = found->cliffs;
  size_t n = found->n_cliffs;
  section(b, "cliffs", "Latency cliffs");
  char *svg = np_report_cliff_svg(s, found->curve, cliffs, n, model);
  np_buf_puts(b, svg);
  free(svg);
  if (n == 0) {
    np_buf_printf(b, "<p>No step of %.2fx or more in ", s->threshold > 1 ? s->threshold : 1.2);
    esc(b, s->metric);
    np_buf_puts(b, " along ");
    esc(b, s->axis.key);
    np_buf_puts(b, ".</p>\n</section>\n");
    return;
  }
  static const char *const cols[] = {"#", "between", "and", "before", "after", "ratio", "cause"};
  static const bool numeric[] = {true, true, true, true, true, true, false};
  np_buf_puts(b, "<table>\n");
  header_row(b, cols, numeric, 7);
  for (size_t i = 0; i < n; i++) {
    const NpCliff *c = &cliffs[i];
    char before[96], after[96];
    np_report_axis_value(&s->axis, c->x_before, before, sizeof before);
    np_report_axis_value(&s->axis, c->x_after, after, sizeof after);
    np_buf_puts(b, "<tr>");
    num_cell(b, "%.0f", (double)(i + 1));
    cell(b, "num", before);
    cell(b, "num", after);
    num_cell(b, "%.6g", c->m_before);
    num_cell(b, "%.6g", c->m_after);
    num_cell(b, "x%.2f", c->ratio);
    np_buf_puts(b, "<td><ul class=\"causes\">");
    for (size_t k = 0; k < c->n_causes; k++) {
      np_buf_puts(b, "<li>");
      esc(b, c->causes[k]);
      np_buf_puts(b, "</li>");
    }
    np_buf_puts(b, "</ul></td></tr>\n");
  }
  np_buf_puts(b, "</table>\n</section>\n");
}

/* The warm inference's dynamic energy by layer and term, laid out as np_layer_energy_uj gives it. */
static double *warm_layer_energy(const NpRunReport *r) {
  size_t n = r->warm.n_layers;
  double *uj = np_xcalloc((n ? n : 1) * NP_TERM_COUNT, sizeof *uj);
  for (size_t i = 0; i < n && r->warm_breakdown; i++)
    for (int t = 0; t < NP_TERM_COUNT; t++) uj[i * NP_TERM_COUNT + (size_t)t] = r->warm_breakdown[i].energy_uj[t];
  return uj;
}

char *np_report_html(const NpHtmlReport *page) {
  const NpRunReport *r = page->run;
  double *layer_uj = warm_layer_energy(r);
  NpBuf b = {0};
  const char *slash = strrchr(r->model_source, '/');
  const char *title = page->title ? page->title : slash ? slash + 1 : r->model_source; /* graph names are often generic */
  np_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>npusim report: ");
  esc(&b, title);
  np_buf_printf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>npusim report: ", page_style);
  esc(&b, title);
  np_buf_puts(&b, "</h1>\n<p class=\"sub\">model ");
  esc(&b, r->model_source);
  np_buf_puts(&b, " on ");
  esc(&b, r->config_name);
  np_buf_printf(&b, " (config hash %016" PRIx64 ") at %g MHz, computing in %s</p>\n", r->config_hash, r->clock_mhz,
                np_dtype_name(r->dtype));
  put_summary(&b, r);
  put_timeline(&b, r);
  put_energy(&b, r, layer_uj);
  put_fallbacks(&b, r);
  if (page->sweep) put_pareto(&b, page->sweep);
  if (page->cliffs) put_cliffs(&b, page->cliffs, r->model_name);
  put_layers(&b, r, layer_uj);
  np_buf_puts(&b, "<footer>Written by npusim " NPUSIM_VERSION_STRING
                  ". Figures: docs/run.md; timing and energy model: docs/timing.md.</footer>\n</main>\n</body>\n</html>\n");
  free(layer_uj);
  return np_buf_take(&b);
}

