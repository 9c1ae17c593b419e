/* One sweep point: simulated cold and warm (sim/simulate), its metrics collected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/simulate.h"
#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/mem.h"

static double warm_ms(const NpPointMetrics *m) { return m->warm_ms; }
static double cold_ms(const NpPointMetrics *m) { return m->cold_ms; }
static double energy_uj(const NpPointMetrics *m) { return m->energy_uj; }
static double energy_mj(const NpPointMetrics *m) { return m->energy_uj / 1000.0; }
static double sram_peak_bytes(const NpPointMetrics *m) { return (double)m->sram_peak_bytes; }
static double dram_bytes(const NpPointMetrics *m) { return (double)m->dram_bytes; }
static double fallbacks(const NpPointMetrics *m) { return (double)m->fallbacks; }
static double area_mm2(const NpPointMetrics *m) { return m->area_mm2; }
static double uncached_ms(const NpPointMetrics *m) { return m->uncached_ms; }
static double cached_ms(const NpPointMetrics *m) { return m->cached_ms; }
static double est_warm_ms(const NpPointMetrics *m) { return m->est_warm_ms; }

const NpPointMetricInfo np_point_metrics[] = {
    {"warm_ms", false, warm_ms},
    {"cold_ms", false, cold_ms},
    {"energy_uj", false, energy_uj},
    {"sram_peak_bytes", true, sram_peak_bytes},
    {"dram_bytes", true, dram_bytes},
    {"fallbacks", true, fallbacks},
    {"uncached_ms", false, uncached_ms},
    {"cached_ms", false, cached_ms},
    {"area_mm2", false, area_mm2},
    {"est_warm_ms", false, est_warm_ms},
};
const size_t np_point_metric_count = sizeof np_point_metrics / sizeof np_point_metrics[0];

/* Older names cliff, fit and their budgets still take: energy_mj is energy_uj in mJ. They are
 * no columns. */
static const NpPointMetricInfo metric_aliases[] = {
    {"energy_mj", false, energy_mj},
};

const NpPointMetricInfo *np_point_metric_find(const char *name) {
  for (size_t i = 0; i < np_point_metric_count; i++)
    if (strcmp(name, np_point_metrics[i].name) == 0) return &np_point_metrics[i];
  for (size_t i = 0; i < sizeof metric_aliases / sizeof metric_aliases[0]; i++)
    if (strcmp(name, metric_aliases[i].name) == 0) return &metric_aliases[i];
  return NULL;
}

bool np_point_metric(const NpPointMetrics *m, const char *name, double *value) {
  const NpPointMetricInfo *info = np_point_metric_find(name);
  if (info) *value = info->value(m);
  return info != NULL;
}

char *np_point_metric_list(void) {
  const char *names[sizeof np_point_metrics / sizeof np_point_metrics[0]];
  for (size_t i = 0; i < np_point_metric_count; i++) names[i] = np_point_metrics[i].name;
  NpBuf b = {0};
  np_buf_put_names(&b, names, np_point_metric_count, ", ");
  return np_buf_take(&b);
}

bool np_point_evaluate(const NpGraph *graph, const NpArch *arch, const NpSimOptions *options, NpPointMetrics *out,
                       NpSchedule *warm_schedule, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  NpSimulation sim;
  if (!np_simulate(graph, arch, options, &sim, diag)) return false;
  out->warm_ms = sim.warm_stats.ms;
  out->cold_ms = sim.cold_stats.ms;
  out->energy_uj = sim.warm_stats.energy.total_uj;
  out->sram_peak_bytes = sim.warm.sram_peak_bytes;
  out->dram_bytes = sim.warm_stats.dram_read_bytes + sim.warm_stats.dram_write_bytes;
  out->fallbacks = sim.warm.fallback_ops;
  out->resident_weight_bytes = sim.warm.resident_weight_bytes;
  out->area_mm2 = np_arch_area_mm2(arch);
  out->est_warm_ms = sim.warm.est_cycles / (arch->clock_mhz * 1e3);
  snprintf(out->config_name, sizeof out->config_name, "%s", arch->name);
  out->config_hash = sim.warm.config_hash;
  NpColdStartTimes launch;
  np_sim_cold_start(&sim, arch, &launch);
  out->uncached_ms = launch.uncached_ms;
  out->cached_ms = launch.cached_ms;
  if (warm_schedule != NULL) {
    *warm_schedule = sim.warm; /* the caller frees it */
    memset(&sim.warm, 0, sizeof sim.warm);
  }
  np_simulation_free(&sim);
  return true;
}

/* ---- setups ---- */

static const char *const model_axes[] = {NP_AXIS_CHANNEL_SCALE, NP_AXIS_RESOLUTION, NP_AXIS_DTYPE, NP_AXIS_WEIGHT_BITS};
const char np_model_axis_list[] = NP_AXIS_CHANNEL_SCALE ", " NP_AXIS_RESOLUTION ", " NP_AXIS_DTYPE ", " NP_AXIS_WEIGHT_BITS;

bool np_model_axis_known(const char *key) {
  for (size_t i = 0; i < sizeof model_axes / sizeof model_axes[0]; i++)
    if (strcmp(key, model_axes[i]) == 0) return true;
  return false;
}

bool np_point_setup_add(NpPointSetup *setup, const char *kv, char *err, size_t err_size) {
  const char *eq = strchr(kv, '=');
  if (eq == NULL || eq == kv) {
    snprintf(err, err_size, "'%s': expected KEY=VALUE", kv);
    return false;
  }
  size_t klen = (size_t)(eq - kv);
  const char *value = eq + 1;
  if (klen == strlen(NP_AXIS_CHANNEL_SCALE) && strncmp(kv, NP_AXIS_CHANNEL_SCALE, klen) == 0)
    return np_whatif_parse_scale(value, &setup->whatif.channel_scale, err, err_size);
  if (klen == strlen(NP_AXIS_RESOLUTION) && strncmp(kv, NP_AXIS_RESOLUTION, klen) == 0)
    return np_whatif_parse_resolution(value, &setup->whatif.height, &setup->whatif.width, err, err_size);
  if (klen == strlen(NP_AXIS_DTYPE) && strncmp(kv, NP_AXIS_DTYPE, klen) == 0) {
    setup->dtype = np_dtype_from_name(value);
    if (setup->dtype == NP_DTYPE_UNKNOWN) {
      char *names = np_dtype_name_list();
      snprintf(err, err_size, "model.dtype '%s': not a data type (%s)", value, names);
      free(names);
      return false;
    }
    return true;
  }
  if (klen == strlen(NP_AXIS_WEIGHT_BITS) && strncmp(kv, NP_AXIS_WEIGHT_BITS, klen) == 0)
    return np_weight_bits_parse(value, &setup->weight_bits, err, err_size);
  if (klen > 6 && strncmp(kv, "model.", 6) == 0) {
    snprintf(err, err_size, "unknown model axis '%.*s' (model axes: %s)", (int)klen, kv, np_model_axis_list);
    return false;
  }
  np_grow((void **)&setup->sets, &setup->sets_capacity, setup->n_sets + 1, sizeof *setup->sets);
  setup->sets[setup->n_sets++] = kv;
  return true;
}

void np_point_setup_free(NpPointSetup *setup) {
  free(setup->sets);
  memset(setup, 0, sizeof *setup);
}

const char *np_point_status_name(NpPointStatus status) {
  switch (status) {
  case NP_POINT_OK: return "ok";
  case NP_POINT_BAD_CONFIG: return "bad_config";
  case NP_POINT_BAD_MODEL: return "bad_model";
  default: return "error";
  }
}

/* The first line of the first message: a row's message must stay on one line. */
static char *first_line(const NpDiag *diag) {
  if (diag->count == 0) return np_xstrdup("failed (no message)");
  const char *m = diag->messages[0];
  return np_xstrndup(m, strcspn(m, "\r\n"));
}

NpPointStatus np_point_run(const NpPointBase *base, const NpPointSetup *setup, NpPointMetrics *out,
                           NpSchedule *warm_schedule, char **message) {
  NpDiag diag;
  np_diag_init(&diag);
  *message = NULL;
  memset(out, 0, sizeof *out);
  NpArch *arch = np_xmalloc(sizeof *arch); /* large: keep it off small thread stacks */
  NpPointStatus status = NP_POINT_OK;
  NpGraph *owned = NULL;
  NpSimOptions options = {setup->dtype, NULL, false, setup->weight_bits, base->max_bursts, NULL, NULL,
                          base->lower_cache};
  if (!np_arch_load_parsed(base->parse_cache, base->config_text, base->config_len, base->config_source, setup->sets,
                           setup->n_sets, arch, &diag)) {
    status = NP_POINT_BAD_CONFIG;
  } else if (!np_whatif_is_identity(&setup->whatif) &&
             (owned = np_whatif_apply(base->graph, &setup->whatif, &diag)) == NULL) {
    status = NP_POINT_BAD_MODEL;
  } else if (!np_point_evaluate(owned ? owned : base->graph, arch, &options, out, warm_schedule, &diag)) {
    status = NP_POINT_ERROR;
  }
  if (status != NP_POINT_OK) *message = first_line(&diag);
  np_graph_free(owned);
  free(arch);
  np_diag_free(&diag);
  return status;
}
