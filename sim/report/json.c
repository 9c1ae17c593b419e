/* The run report as JSON (schema "npusim.run/1", docs/formats.md "npusim run --json"). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/json.h"
#include "util/mem.h"

static json_t *hex64(uint64_t v) {
  char text[24];
  snprintf(text, sizeof text, "0x%016" PRIx64, v);
  return np_json_string(text);
}

static void set(json_t *obj, const char *key, json_t *value) { json_object_set_new(obj, key, value); }
static void set_int(json_t *obj, const char *key, int64_t v) { set(obj, key, json_integer((json_int_t)v)); }
static void set_real(json_t *obj, const char *key, double v) { set(obj, key, np_json_real(v)); }

static json_t *stalls_json(const int64_t *stall) {
  json_t *o = json_object();
  for (int k = 0; k < NP_STALL_COUNT; k++) set_int(o, np_stall_cause_name((NpStallCause)k), stall[k]);
  return o;
}

char *np_report_json_text(json_t *root) {
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17));
  json_decref(root);
  if (!text) return np_xstrdup("");
  char *out = np_xasprintf("%s\n", text);
  free(text);
  return out;
}

/* "a, b, c" -> ["a", "b", "c"] */
static json_t *missing_json(const char *missing) {
  json_t *list = json_array();
  const char *p = missing;
  while (*p) {
    const char *end = strstr(p, ", ");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    json_array_append_new(list, json_stringn(p, n));
    p += n;
    if (end) p += 2;
  }
  return list;
}

static json_t *energy_json(const NpEnergyBreakdown *e) {
  json_t *o = json_object();
  set_real(o, "mac_uj", e->mac_uj);
  set_real(o, "vector_uj", e->vector_uj);
  set_real(o, "sram_read_uj", e->sram_read_uj);
  set_real(o, "sram_write_uj", e->sram_write_uj);
  set_real(o, "dram_read_uj", e->dram_read_uj);
  set_real(o, "dram_write_uj", e->dram_write_uj);
  set_real(o, "sync_uj", e->sync_uj);
  set_real(o, "static_uj", e->static_uj);
  set_real(o, "dynamic_uj", e->dynamic_uj);
  set_real(o, "total_uj", e->total_uj);
  set_real(o, "fj_per_mac", e->fj_per_mac);
  set_real(o, "avg_power_mw", e->avg_power_mw);
  return o;
}

static json_t *engines_json(const NpRunReport *r, const NpStats *s) {
  json_t *list = json_array();
  for (int e = 0; e < r->n_engines; e++) {
    const NpEngineStats *es = &s->engines[e];
    json_t *o = json_object();
    set(o, "name", np_json_string(r->engine_names[e]));
    set_int(o, "busy_cycles", es->busy_cycles);
    set_real(o, "busy_fraction", es->busy_fraction);
    set_int(o, "commands", es->commands);
    set_int(o, "macs", es->macs);
    set_int(o, "elements", es->elements);
    json_array_append_new(list, o);
  }
  return list;
}

/* One inference (cold or warm). */
static json_t *inference_json(const NpRunReport *r, const NpSchedule *sched, const NpStats *s) {
  json_t *o = json_object();
  set_int(o, "cycles", s->cycles);
  set_real(o, "ms", s->ms);
  json_t *fixed = json_object();
  set_int(fixed, "cycles", s->fixed_cycles);
  set_int(fixed, "per_inference_cycles", s->fixed_inference_cycles);
  set_int(fixed, "per_segment_cycles", s->fixed_segment_cycles);
  set_int(fixed, "per_program_cycles", s->fixed_program_cycles);
  set_int(fixed, "segments", s->segments);
  set(o, "fixed_costs", fixed);
  set(o, "schedule_hash", hex64(sched->hash));
  set_int(o, "commands", s->commands);
  set_int(o, "macs", s->macs);
  set_int(o, "elements", s->elements);
  set_int(o, "dram_read_bytes", s->dram_read_bytes);
  set_int(o, "dram_write_bytes", s->dram_write_bytes);
  set_int(o, "sram_read_bytes", s->sram_read_bytes);
  set_int(o, "sram_write_bytes", s->sram_write_bytes);
  set_int(o, "bursts", s->bursts);
  set_int(o, "row_misses", s->row_misses);
  set_int(o, "syncs", s->syncs);
  set_int(o, "bank_conflicts", s->bank_conflicts);
  set_int(o, "prefetch_bytes", sched->prefetch_bytes);
  set_int(o, "prefetch_hidden_cycles", s->prefetch_hidden_cycles);
  set(o, "stall_cycles", stalls_json(s->stall));
  set(o, "energy", energy_json(&s->energy));
  set(o, "engines", engines_json(r, s));
  return o;
}

static json_t *layer_energy_json(const NpLayerBreakdown *b) {
  json_t *o = json_object();
  for (int t = 0; t < NP_TERM_COUNT; t++) set_real(o, np_layer_energy_keys[t], b->energy_uj[t]);
  set_real(o, "dynamic_uj", b->dynamic_uj);
  return o;
}

static json_t *layer_run_json(const NpLayerPlan *plan, const NpLayerStats *l, const NpLayerBreakdown *b) {
  json_t *o = json_object();
  set_int(o, "start_cycle", l->start);
  set_int(o, "end_cycle", l->end);
  set_int(o, "cycles", l->cycles);
  set(o, "limit", np_json_string(np_limit_name(l->limit)));
  set_int(o, "compute_cycles", l->compute_cycles);
  set_int(o, "dram_cycles", l->dram_cycles);
  set_int(o, "sram_cycles", l->sram_cycles);
  set_int(o, "sync_cycles", l->sync_cycles);
  set_int(o, "prefetch_bytes", plan->prefetch_bytes);
  set_int(o, "prefetch_hidden_cycles", l->prefetch_hidden_cycles);
  set_real(o, "array_utilization", l->utilization);
  set_int(o, "dram_read_bytes", l->dram_read_bytes);
  set_int(o, "dram_write_bytes", l->dram_write_bytes);
  set_int(o, "sram_read_bytes", l->sram_read_bytes);
  set_int(o, "sram_write_bytes", l->sram_write_bytes);
  set_int(o, "weight_dram_read_bytes", b->weight_dram_read_bytes);
  set_int(o, "activation_dram_read_bytes", b->activation_dram_read_bytes);
  set_int(o, "activation_dram_write_bytes", b->activation_dram_write_bytes);
  set_real(o, "time_share", b->time_share);
  set_real(o, "dram_gb_per_s", b->dram_gb_per_s);
  set_real(o, "sram_gb_per_s", b->sram_gb_per_s);
  set_int(o, "commands", plan->n_cmds);
  set(o, "stall_cycles", stalls_json(l->stall));
  set(o, "energy", layer_energy_json(b));
  return o;
}

static json_t *layers_json(const NpRunReport *r) {
  json_t *list = json_array();
  for (size_t i = 0; i < r->cold.n_layers; i++) {
    const NpLayerPlan *p = &r->cold.layers[i];
    const NpLayerStats *c = np_report_layer(&r->cold_stats, i), *w = np_report_layer(&r->warm_stats, i);
    if (!c || !w || i >= r->warm.n_layers) break;
    json_t *o = json_object();
    set_int(o, "index", (int64_t)i);
    set(o, "name", np_json_string(p->name ? p->name : ""));
    set(o, "op", np_json_string(r->layers[i].op_kind));
    set(o, "op_class", np_json_string(np_op_class_name(p->op_class)));
    set(o, "engine", np_json_string(r->engine_names[p->engine]));
    set(o, "on_accelerator", json_boolean(p->on_accelerator));
    set(o, "fallback_reason", p->fallback_reason ? np_json_string(p->fallback_reason) : json_null());
    json_t *fused = json_array();
    for (int32_t k = 0; k < r->layers[i].n_fused; k++) {
      json_t *f = json_object();
      set(f, "name", np_json_string(r->layers[i].fused[k].name));
      set(f, "op", np_json_string(r->layers[i].fused[k].kind));
      json_array_append_new(fused, f);
    }
    set(o, "fused", fused);
    set_int(o, "macs", w->macs);
    set_int(o, "elements", w->elements);
    set_int(o, "weight_bytes", p->weight_bytes);
    set_int(o, "weight_bits", p->weight_bits);
    set(o, "weights_resident", json_boolean(p->weights_resident));
    set_int(o, "n_tiles", p->n_tiles);
    set_real(o, "planned_array_utilization", p->array_utilization);
    set_int(o, "sram_peak_bytes", p->sram_peak_bytes);
    set(o, "cold", layer_run_json(p, c, &r->cold_breakdown[i]));
    set(o, "warm", layer_run_json(&r->warm.layers[i], w, &r->warm_breakdown[i]));
    json_array_append_new(list, o);
  }
  return list;
}

static json_t *fallbacks_json(const NpRunReport *r) {
  json_t *list = json_array();
  for (size_t i = 0; i < r->cold.n_layers; i++) {
    const NpLayerPlan *p = &r->cold.layers[i];
    if (p->on_accelerator) continue;
    json_t *o = json_object();
    set_int(o, "layer", (int64_t)i);
    set(o, "name", np_json_string(p->name ? p->name : ""));
    set(o, "op", np_json_string(r->layers[i].op_kind));
    set(o, "engine", np_json_string(r->engine_names[p->engine]));
    set(o, "reason", p->fallback_reason ? np_json_string(p->fallback_reason) : json_null());
    json_array_append_new(list, o);
  }
  return list;
}

json_t *np_fallback_summary_json(const NpRunReport *r) {
  NpFallbackSummary f;
  np_run_fallbacks(r, &f);
  json_t *o = json_object();
  set_int(o, "ops", f.ops);
  set_int(o, "layers", f.layers);
  set_real(o, "warm_time_share", f.warm_time_share);
  json_t *list = json_array();
  for (size_t i = 0; i < f.n_groups; i++) {
    const NpFallbackGroup *g = &f.groups[i];
    json_t *e = json_object();
    set(e, "engine", np_json_string(r->engine_names[g->engine]));
    set(e, "reason", np_json_string(g->reason));
    set_int(e, "ops", g->ops);
    set_int(e, "layers", g->layers);
    set_int(e, "first_layer", (int64_t)g->first_layer);
    json_array_append_new(list, e);
  }
  set(o, "by_reason", list);
  np_fallback_summary_free(&f);
  return o;
}

static json_t *sram_json(const NpRunReport *r) {
  json_t *o = json_object();
  int64_t peak = np_run_sram_peak_bytes(r);
  set_int(o, "capacity_bytes", r->cold.sram_capacity_bytes);
  set_int(o, "peak_bytes", peak);
  set_real(o, "peak_fraction", r->cold.sram_capacity_bytes ? (double)peak / (double)r->cold.sram_capacity_bytes : 0);
  set_int(o, "resident_weight_bytes", r->cold.resident_weight_bytes);
  return o;
}

static json_t *cold_start_json(const NpRunReport *r) {
  const NpColdStartTimes *c = &r->cold_start;
  json_t *o = json_object();
  set_int(o, "flash_bytes", c->flash_bytes);
  set_int(o, "compiled_ops", c->compiled_ops);
  set_int(o, "compiled_kernels", c->compiled_kernels);
  set_real(o, "read_ms", c->read_ms);
  set_real(o, "compile_ms", c->compile_ms);
  set_real(o, "uncached_ms", c->uncached_ms);
  set_real(o, "cached_ms", c->cached_ms);
  set_real(o, "warm_ms", c->warm_ms);
  set(o, "prewarm", json_boolean(r->prewarm));
  set_real(o, "first_request_ms", r->first_request_ms);
  set(o, "missing", missing_json(c->missing));
  return o;
}

static json_t *battery_json(const NpRunReport *r) {
  if (!r->has_battery) return json_null();
  json_t *o = json_object();
  set_real(o, "inferences_per_day", r->per_day);
  set_real(o, "battery_wh", r->battery_wh);
  set_real(o, "share_per_day", r->battery_share_per_day);
  return o;
}

static json_t *trace_json(const NpRunReport *r) {
  if (!r->trace_path) return json_null();
  json_t *o = json_object();
  set(o, "path", np_json_string(r->trace_path));
  set(o, "inference", np_json_string(r->trace_warm ? "warm" : "cold"));
  set_int(o, "records", (int64_t)r->trace_records);
  return o;
}

char *np_run_report_json(const NpRunReport *r) {
  json_t *root = json_object();
  set(root, "schema", np_json_string(NP_RUN_JSON_SCHEMA));
  json_t *model = json_object();
  set(model, "name", np_json_string(r->model_name));
  set(model, "source", np_json_string(r->model_source));
  set(root, "model", model);
  json_t *config = json_object();
  set(config, "name", np_json_string(r->config_name));
  set(config, "hash", hex64(r->config_hash));
  set_real(config, "clock_mhz", r->clock_mhz);
  json_t *engines = json_array();
  for (int e = 0; e < r->n_engines; e++) {
    json_t *eng = json_object();
    set(eng, "name", np_json_string(r->engine_names[e]));
    set(eng, "kind", np_json_string(np_engine_kind_name(r->engine_kinds[e])));
    json_array_append_new(engines, eng);
  }
  set(config, "engines", engines);
  set(root, "config", config);
  set(root, "dtype", np_json_string(np_dtype_name(r->dtype)));
  set_int(root, "weight_bits", r->cold.weight_bits);
  json_t *latency = json_object();
  set_int(latency, "cold_cycles", r->cold_stats.cycles);
  set_real(latency, "cold_ms", r->cold_stats.ms);
  set_int(latency, "warm_cycles", r->warm_stats.cycles);
  set_real(latency, "warm_ms", r->warm_stats.ms);
  set(root, "latency", latency);
  set_real(root, "throughput_per_s", r->throughput_per_s);
  set_real(root, "area_mm2", r->area_mm2);
  set(root, "sram", sram_json(r));
  set_int(root, "fallback_ops", r->cold.fallback_ops);
  set(root, "fallbacks", fallbacks_json(r));
  set(root, "fallback_summary", np_fallback_summary_json(r));
  set(root, "energy_missing", missing_json(r->warm_stats.energy.missing));
  set(root, "cold_start", cold_start_json(r));
  set(root, "battery", battery_json(r));
  set(root, "cold", inference_json(r, &r->cold, &r->cold_stats));
  set(root, "warm", inference_json(r, &r->warm, &r->warm_stats));
  set(root, "layers", layers_json(r));
  set(root, "trace", trace_json(r));
  return np_report_json_text(root);
}
