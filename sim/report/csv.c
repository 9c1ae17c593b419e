/* The run report as CSV (RFC 4180; column names in docs/run.md, "CSV"). */
#include <inttypes.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/buf.h"

/* A text field, quoted when it holds a comma, quote or line break. */
static void put_text(NpBuf *b, const char *text) {
  if (strpbrk(text, ",\"\r\n") == NULL) {
    np_buf_puts(b, text);
    return;
  }
  np_buf_puts(b, "\"");
  for (const char *p = text; *p; p++) {
    if (*p == '"') np_buf_puts(b, "\"");
    np_buf_append(b, p, 1);
  }
  np_buf_puts(b, "\"");
}

static void put_common(NpBuf *b, const NpRunReport *r) {
  put_text(b, r->model_name);
  np_buf_puts(b, ",");
  put_text(b, r->config_name);
  np_buf_printf(b, ",%s", np_dtype_name(r->dtype));
}

static const char summary_header[] =
    "model,config,dtype,cold_cycles,cold_ms,warm_cycles,warm_ms,throughput_per_s,sram_peak_bytes,"
    "sram_capacity_bytes,resident_weight_bytes,fallback_ops,cold_dram_read_bytes,cold_dram_write_bytes,"
    "warm_dram_read_bytes,warm_dram_write_bytes,macs,cold_energy_uj,warm_energy_uj,warm_mac_uj,warm_vector_uj,"
    "warm_sram_read_uj,warm_sram_write_uj,warm_dram_read_uj,warm_dram_write_uj,warm_sync_uj,warm_static_uj,"
    "warm_fj_per_mac,warm_avg_power_mw,battery_share_per_day,energy_missing,model_file,weight_bits,uncached_ms,"
    "cached_ms,first_request_ms\n";

static void put_summary(NpBuf *b, const NpRunReport *r) {
  const NpStats *c = &r->cold_stats, *w = &r->warm_stats;
  const NpEnergyBreakdown *e = &w->energy;
  np_buf_puts(b, summary_header);
  put_common(b, r);
  np_buf_printf(b, ",%" PRId64 ",%.17g,%" PRId64 ",%.17g,%.17g", c->cycles, c->ms, w->cycles, w->ms,
                r->throughput_per_s);
  np_buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, np_run_sram_peak_bytes(r),
                r->cold.sram_capacity_bytes, r->cold.resident_weight_bytes, r->cold.fallback_ops);
  np_buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, c->dram_read_bytes,
                c->dram_write_bytes, w->dram_read_bytes, w->dram_write_bytes, w->macs);
  np_buf_printf(b, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", c->energy.total_uj,
                e->total_uj, e->mac_uj, e->vector_uj, e->sram_read_uj, e->sram_write_uj, e->dram_read_uj,
                e->dram_write_uj, e->sync_uj, e->static_uj, e->fj_per_mac, e->avg_power_mw);
  if (r->has_battery)
    np_buf_printf(b, ",%.17g,", r->battery_share_per_day);
  else
    np_buf_puts(b, ",,");
  put_text(b, e->missing);
  np_buf_puts(b, ",");
  put_text(b, r->model_source);
  np_buf_printf(b, ",%d,%.17g,%.17g,%.17g\n", r->cold.weight_bits, r->cold_start.uncached_ms, r->cold_start.cached_ms,
                r->first_request_ms);
}

static const char layer_header[] =
    "model,config,dtype,layer,name,op,op_class,engine,on_accelerator,cold_cycles,warm_cycles,limit,"
    "array_utilization,macs,elements,weight_bytes,weights_resident,cold_dram_read_bytes,cold_dram_write_bytes,"
    "warm_dram_read_bytes,warm_dram_write_bytes,sram_peak_bytes,fallback_reason,model_file,"
    "warm_time_share,warm_compute_cycles,warm_dram_cycles,warm_sram_cycles,warm_sync_cycles,"
    "warm_stall_unit_cycles,warm_stall_dram_cycles,warm_stall_sram_bank_cycles,"
    "warm_weight_dram_read_bytes,warm_activation_dram_read_bytes,warm_activation_dram_write_bytes,"
    "warm_sram_read_bytes,warm_sram_write_bytes,warm_dram_gb_per_s,warm_sram_gb_per_s,"
    "warm_mac_uj,warm_vector_uj,warm_sram_read_uj,warm_sram_write_uj,warm_dram_read_uj,warm_dram_write_uj,"
    "warm_sync_uj,warm_dynamic_uj,weight_bits\n";

/* The warm inference's breakdown of a layer: its time, cycles by resource and stall, bytes by
 * what they carry, bandwidths and energy. */
static void put_layer_breakdown(NpBuf *b, const NpLayerStats *w, const NpLayerBreakdown *d) {
  np_buf_printf(b, ",%.17g,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, d->time_share, w->compute_cycles,
                w->dram_cycles, w->sram_cycles, w->sync_cycles);
  for (int k = 0; k < NP_STALL_COUNT; k++) np_buf_printf(b, ",%" PRId64, w->stall[k]);
  np_buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.17g,%.17g",
                d->weight_dram_read_bytes, d->activation_dram_read_bytes, d->activation_dram_write_bytes,
                w->sram_read_bytes, w->sram_write_bytes, d->dram_gb_per_s, d->sram_gb_per_s);
  for (int t = 0; t < NP_TERM_COUNT; t++) np_buf_printf(b, ",%.17g", d->energy_uj[t]);
  np_buf_printf(b, ",%.17g", d->dynamic_uj);
}

static void put_layers(NpBuf *b, const NpRunReport *r) {
  np_buf_puts(b, layer_header);
  for (size_t i = 0; i < r->warm.n_layers; i++) {
    const NpLayerPlan *p = &r->warm.layers[i];
    const NpLayerStats *c = np_report_layer(&r->cold_stats, i), *w = np_report_layer(&r->warm_stats, i);
    if (!c || !w) break;
    put_common(b, r);
    np_buf_printf(b, ",%zu,", i);
    put_text(b, p->name ? p->name : "");
    np_buf_printf(b, ",%s,%s,", r->layers[i].op_kind, np_op_class_name(p->op_class));
    put_text(b, r->engine_names[p->engine]);
    np_buf_printf(b, ",%s,%" PRId64 ",%" PRId64 ",%s,%.17g,%" PRId64 ",%" PRId64 ",%" PRId64 ",%s",
                  p->on_accelerator ? "true" : "false", c->cycles, w->cycles, np_limit_name(w->limit), w->utilization,
                  w->macs, w->elements, p->weight_bytes, p->weights_resident ? "true" : "false");
    np_buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",", c->dram_read_bytes,
                  c->dram_write_bytes, w->dram_read_bytes, w->dram_write_bytes, p->sram_peak_bytes);
    put_text(b, p->fallback_reason ? p->fallback_reason : "");
    np_buf_puts(b, ",");
    put_text(b, r->model_source);
    put_layer_breakdown(b, w, &r->warm_breakdown[i]);
    np_buf_printf(b, ",%d\n", p->weight_bits);
  }
}

char *np_run_report_csv(const NpRunReport *report, bool per_layer) {
  NpBuf b = {0};
  if (per_layer)
    put_layers(&b, report);
  else
    put_summary(&b, report);
  return b.data;
}
