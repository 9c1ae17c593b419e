/* The human report of a run: what `npusim run` prints. Every number carries its unit. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/buf.h"
#include "util/fmt.h"

static double percent(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

static void put_header(NpBuf *b, const NpRunReport *r) {
  np_buf_printf(b, "run: %s (%s) on %s at %g MHz, %s", r->model_name, r->model_source, r->config_name,
                r->clock_mhz, np_dtype_name(r->dtype));
  if (r->cold.weight_bits > 0) np_buf_printf(b, ", weights stored at %d bits", r->cold.weight_bits);
  np_buf_puts(b, "\n\n");
}

static void put_latency(NpBuf *b, const NpRunReport *r) {
  const NpStats *c = &r->cold_stats, *w = &r->warm_stats;
  np_buf_printf(b, "latency      cold %" PRId64 " cycles = %.4f ms (first inference: loads the resident weights)\n",
                c->cycles, c->ms);
  np_buf_printf(b, "             warm %" PRId64 " cycles = %.4f ms (every later inference)\n", w->cycles, w->ms);
  if (c->fixed_cycles > 0 || w->fixed_cycles > 0)
    np_buf_printf(b,
                  "fixed costs  included above: %" PRId64 " cycles per inference, %" PRId64
                  " per program (cold only), %" PRId64 " segment%s x %" PRId64 "\n",
                  w->fixed_inference_cycles, c->fixed_program_cycles, w->segments, w->segments == 1 ? "" : "s",
                  w->segments > 0 ? w->fixed_segment_cycles / w->segments : 0);
  np_buf_printf(b, "throughput   %.1f inferences/s (warm, back to back)\n", r->throughput_per_s);
  if (r->area_mm2 > 0) np_buf_printf(b, "area         %.3f mm2 (the config's area figures at its node)\n", r->area_mm2);
}

static void put_cold_start(NpBuf *b, const NpRunReport *r) {
  const NpColdStartTimes *c = &r->cold_start;
  char flash[NP_FMT_LEN];
  np_fmt_bytes(c->flash_bytes, flash);
  char kernels[64] = "";
  if (c->compiled_kernels > 0) snprintf(kernels, sizeof kernels, ", %" PRId64 " GPU kernels", c->compiled_kernels);
  np_buf_printf(b,
                "launch       uncached %.4f ms = flash read %.4f ms (%s of weights) + compile %.4f ms (%" PRId64
                " ops%s) + cold inference\n",
                c->uncached_ms, c->read_ms, flash, c->compile_ms, c->compiled_ops, kernels);
  np_buf_printf(b, "             cached   %.4f ms (compiled model on disk: flash read + cold inference)\n", c->cached_ms);
  np_buf_printf(b, "             warm     %.4f ms\n", c->warm_ms);
  if (r->prewarm)
    np_buf_printf(b, "prewarm      first request %.4f ms: read and compile (%.4f ms) done in the background\n",
                  r->first_request_ms, c->read_ms + c->compile_ms);
  if (c->missing[0]) np_buf_printf(b, "             the config lacks %s: counted as 0\n", c->missing);
}

/* Weight LOADs that ran while earlier layers did: their bytes, and the time hidden. */
static void put_prefetch(NpBuf *b, const NpRunReport *r) {
  if (r->cold.prefetch_bytes == 0 && r->warm.prefetch_bytes == 0) return;
  char cold[NP_FMT_LEN], warm[NP_FMT_LEN];
  np_fmt_bytes(r->cold.prefetch_bytes, cold);
  np_fmt_bytes(r->warm.prefetch_bytes, warm);
  np_buf_printf(b,
                "prefetch     weights loaded during the layer before: cold %s, %" PRId64 " cycles hidden; warm %s, %" PRId64
                " cycles hidden\n",
                cold, r->cold_stats.prefetch_hidden_cycles, warm, r->warm_stats.prefetch_hidden_cycles);
}

static void put_memory(NpBuf *b, const NpRunReport *r) {
  char peak[NP_FMT_LEN], cap[NP_FMT_LEN], res[NP_FMT_LEN], crd[NP_FMT_LEN], cwr[NP_FMT_LEN], wrd[NP_FMT_LEN], wwr[NP_FMT_LEN];
  int64_t peak_bytes = np_run_sram_peak_bytes(r);
  np_fmt_bytes(peak_bytes, peak);
  np_fmt_bytes(r->cold.sram_capacity_bytes, cap);
  np_fmt_bytes(r->cold.resident_weight_bytes, res);
  np_fmt_bytes(r->cold_stats.dram_read_bytes, crd);
  np_fmt_bytes(r->cold_stats.dram_write_bytes, cwr);
  np_fmt_bytes(r->warm_stats.dram_read_bytes, wrd);
  np_fmt_bytes(r->warm_stats.dram_write_bytes, wwr);
  np_buf_printf(b, "SRAM peak    %s of %s (%.1f%%); resident weights %s\n", peak, cap,
                percent((double)peak_bytes, (double)r->cold.sram_capacity_bytes), res);
  np_buf_printf(b, "DRAM         cold %s read, %s written; warm %s read, %s written (per inference)\n", crd, cwr,
                wrd, wwr);
  put_prefetch(b, r);
  np_buf_puts(b, "\n");
}

static void put_energy(NpBuf *b, const NpRunReport *r) {
  const NpEnergyBreakdown *c = &r->cold_stats.energy, *w = &r->warm_stats.energy;
  np_buf_puts(b, "energy per inference (uJ)      cold          warm\n");
  struct {
    const char *name;
    double cold, warm;
  } rows[] = {
      {"MAC", c->mac_uj, w->mac_uj},
      {"vector", c->vector_uj, w->vector_uj},
      {"SRAM read", c->sram_read_uj, w->sram_read_uj},
      {"SRAM write", c->sram_write_uj, w->sram_write_uj},
      {"DRAM read", c->dram_read_uj, w->dram_read_uj},
      {"DRAM write", c->dram_write_uj, w->dram_write_uj},
      {"sync", c->sync_uj, w->sync_uj},
      {"static", c->static_uj, w->static_uj},
      {"total", c->total_uj, w->total_uj},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    np_buf_printf(b, "  %-24s %12.3f  %12.3f\n", rows[i].name, rows[i].cold, rows[i].warm);
  np_buf_printf(b, "  %-24s %12.1f  %12.1f\n", "fJ per MAC", c->fj_per_mac, w->fj_per_mac);
  np_buf_printf(b, "  %-24s %12.1f  %12.1f\n", "average power (mW)", c->avg_power_mw, w->avg_power_mw);
  if (w->missing[0])
    np_buf_printf(b, "  missing from the config's energy table (counted as 0): %s\n", w->missing);
  if (r->has_battery)
    np_buf_printf(b, "  battery: %g warm inferences a day take %.4f%% of a %g Wh battery\n", r->per_day,
                  100.0 * r->battery_share_per_day, r->battery_wh);
  np_buf_puts(b, "\n");
}

static void put_engines(NpBuf *b, const NpRunReport *r) {
  np_buf_puts(b, "engines (busy = share of the inference an engine runs a COMPUTE)\n");
  for (int e = 0; e < r->n_engines; e++) {
    const NpEngineStats *c = &r->cold_stats.engines[e], *w = &r->warm_stats.engines[e];
    np_buf_printf(b, "  %-12s %-10s busy cold %5.1f%%, warm %5.1f%% (%" PRId64 " cycles warm)\n", r->engine_names[e],
                  np_engine_kind_name(r->engine_kinds[e]), 100.0 * c->busy_fraction, 100.0 * w->busy_fraction,
                  w->busy_cycles);
  }
  np_buf_puts(b, "\n");
}

void np_fallback_group_text(NpBuf *b, const NpRunReport *r, const NpFallbackGroup *g, bool aligned) {
  const NpLayerPlan *first = &r->cold.layers[g->first_layer];
  np_buf_printf(b, "%*" PRId64 " op%s on %s: %s (first: layer %zu '%s')", aligned ? 4 : 0, g->ops,
                g->ops == 1 ? (aligned ? " " : "") : "s", r->engine_names[g->engine], g->reason, g->first_layer,
                first->name ? first->name : "");
}

static void put_fallbacks(NpBuf *b, const NpRunReport *r) {
  NpFallbackSummary f;
  np_run_fallbacks(r, &f);
  if (f.layers == 0) {
    np_buf_puts(b, "every layer runs on the accelerator\n");
  } else {
    np_buf_printf(b, "off the accelerator: %" PRId64 " op%s in %" PRId64 " layer%s, %.1f%% of the warm inference\n",
                  f.ops, f.ops == 1 ? "" : "s", f.layers, f.layers == 1 ? "" : "s", 100.0 * f.warm_time_share);
    for (size_t i = 0; i < f.n_groups; i++) {
      np_buf_puts(b, "  ");
      np_fallback_group_text(b, r, &f.groups[i], true);
      np_buf_puts(b, "\n");
    }
  }
  np_fallback_summary_free(&f);
}

static void put_layers(NpBuf *b, const NpRunReport *r) {
  np_buf_puts(b, "\nlayers (warm inference; cold cycles where they differ; util = MAC-array utilization)\n");
  np_buf_printf(b, "%4s  %-32s %-18s %-8s %12s %12s %-9s %6s %11s %11s\n", "#", "layer", "op", "engine",
                "warm cycles", "cold cycles", "limit", "util", "DRAM bytes", "SRAM peak");
  for (size_t i = 0; i < r->warm.n_layers; i++) {
    const NpLayerPlan *p = &r->warm.layers[i];
    const NpLayerStats *w = np_report_layer(&r->warm_stats, i), *c = np_report_layer(&r->cold_stats, i);
    if (!w || !c) break;
    char util[16] = "-", dram[NP_FMT_LEN], peak[NP_FMT_LEN], cold[24] = "";
    if (w->utilization > 0) snprintf(util, sizeof util, "%.1f%%", 100.0 * w->utilization);
    np_fmt_bytes(w->dram_read_bytes + w->dram_write_bytes, dram);
    np_fmt_bytes(p->sram_peak_bytes, peak);
    if (c->cycles != w->cycles) snprintf(cold, sizeof cold, "%" PRId64, c->cycles);
    const char *name = p->name ? p->name : "";
    size_t len = strlen(name);
    np_buf_printf(b, "%4zu  %-32.32s %-18s %-8s %12" PRId64 " %12s %-9s %6s %11s %11s\n", i,
                  len > 32 ? name + len - 32 : name, r->layers[i].op_kind, r->engine_names[p->engine], w->cycles,
                  cold, np_limit_name(w->limit), util, dram, peak);
  }
}

char *np_run_report_text(const NpRunReport *report, bool per_layer) {
  NpBuf b = {0};
  put_header(&b, report);
  put_latency(&b, report);
  put_cold_start(&b, report);
  put_memory(&b, report);
  put_energy(&b, report);
  put_engines(&b, report);
  put_fallbacks(&b, report);
  if (per_layer) put_layers(&b, report);
  if (report->trace_path)
    np_buf_printf(&b, "\ntrace: %s (%s inference, %" PRIu64 " records)\n", report->trace_path,
                  report->trace_warm ? "warm" : "cold", report->trace_records);
  return b.data;
}
