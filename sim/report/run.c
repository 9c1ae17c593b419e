/* A run: the model simulated cold and warm (sim/simulate), described for the writers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "simulate/simulate.h"
#include "util/mem.h"

static void describe_layers(const NpGraph *graph, NpRunReport *out) {
  const NpSchedule *s = &out->cold;
  out->layers = np_xcalloc(s->n_layers ? s->n_layers : 1, sizeof *out->layers);
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    NpRunLayer *l = &out->layers[i];
    l->op_kind = np_op_kind_name(graph->ops[p->op].kind);
    if (p->n_fused > 0) {
      l->fused = np_xcalloc((size_t)p->n_fused, sizeof *l->fused);
      l->n_fused = p->n_fused;
      for (int32_t k = 0; k < p->n_fused; k++) {
        const NpOp *op = &graph->ops[p->fused_ops[k]];
        l->fused[k].kind = np_op_kind_name(op->kind);
        l->fused[k].name = np_xstrdup(op->name);
      }
    }
  }
}

static void fill_summary(const NpGraph *graph, const NpArch *arch, const char *model_source,
                         const NpRunOptions *options, NpRunReport *out) {
  out->model_name = np_xstrdup(graph->name ? graph->name : "");
  out->model_source = np_xstrdup(model_source ? model_source : (graph->source ? graph->source : ""));
  snprintf(out->config_name, sizeof out->config_name, "%s", arch->name);
  out->config_hash = out->cold.config_hash;
  out->clock_mhz = arch->clock_mhz;
  out->dtype = out->cold.dtype;
  out->n_engines = arch->n_engines;
  for (int e = 0; e < arch->n_engines; e++) {
    snprintf(out->engine_names[e], sizeof out->engine_names[e], "%s", arch->engines[e].name);
    out->engine_kinds[e] = arch->engines[e].kind;
  }
  out->throughput_per_s = out->warm_stats.ms > 0 ? 1000.0 / out->warm_stats.ms : 0;
  out->area_mm2 = np_arch_area_mm2(arch);
  if (options->per_day > 0 && options->battery_wh > 0) {
    out->has_battery = true;
    out->per_day = options->per_day;
    out->battery_wh = options->battery_wh;
    out->battery_share_per_day =
        np_battery_share_per_day(out->warm_stats.energy.total_uj, options->per_day, options->battery_wh);
  }
}

bool np_run(const NpGraph *graph, const NpArch *arch, const char *model_source, const NpRunOptions *options,
            NpRunReport *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  NpRunOptions defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!options) options = &defaults;
  NpSimOptions sim_options = {options->dtype,       options->trace_path, options->trace_warm,   options->weight_bits,
                              options->max_bursts,  options->progress,   options->progress_user, NULL};
  NpSimulation sim;
  if (!np_simulate(graph, arch, &sim_options, &sim, diag)) return false;
  np_sim_cold_start(&sim, arch, &out->cold_start);
  out->prewarm = options->prewarm;
  out->first_request_ms = options->prewarm ? sim.cold_stats.ms : out->cold_start.uncached_ms;
  out->cold = sim.cold;
  out->warm = sim.warm;
  out->cold_stats = sim.cold_stats;
  out->warm_stats = sim.warm_stats;
  out->trace_records = sim.trace_records;
  if (options->trace_path) {
    out->trace_path = np_xstrdup(options->trace_path);
    out->trace_warm = options->trace_warm;
  }
  describe_layers(graph, out);
  out->cold_breakdown = np_layer_breakdowns(&out->cold, &out->cold_stats, arch);
  out->warm_breakdown = np_layer_breakdowns(&out->warm, &out->warm_stats, arch);
  fill_summary(graph, arch, model_source, options, out);
  return true;
}

void np_run_report_free(NpRunReport *report) {
  if (!report) return;
  for (size_t i = 0; report->layers && i < report->cold.n_layers; i++) {
    for (int32_t k = 0; k < report->layers[i].n_fused; k++) free(report->layers[i].fused[k].name);
    free(report->layers[i].fused);
  }
  free(report->layers);
  free(report->cold_breakdown);
  free(report->warm_breakdown);
  np_stats_free(&report->cold_stats);
  np_stats_free(&report->warm_stats);
  np_schedule_free(&report->cold);
  np_schedule_free(&report->warm);
  free(report->model_name);
  free(report->model_source);
  free(report->trace_path);
  memset(report, 0, sizeof *report);
}

int64_t np_run_sram_peak_bytes(const NpRunReport *report) {
  return report->cold.sram_peak_bytes > report->warm.sram_peak_bytes ? report->cold.sram_peak_bytes
                                                                     : report->warm.sram_peak_bytes;
}

int64_t np_run_fallback_layers(const NpRunReport *report) {
  int64_t n = 0;
  for (size_t i = 0; i < report->cold.n_layers; i++) n += !report->cold.layers[i].on_accelerator;
  return n;
}
