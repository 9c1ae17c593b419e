/* The public API (sim/include/npusim.h): handles over the stages, errors as text. */
#include "npusim.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "model/model.h"
#include "graph/textgraph.h"
#include "report/report.h"
#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/mem.h"
#include "whatif/whatif.h"

struct npusim_model {
  NpGraph *graph;
};

struct npusim_config {
  NpArch arch;
};

struct npusim_run {
  NpRunReport report;
  npusim_result result;
  npusim_layer *layers;
};

const char *npusim_version(void) { return NPUSIM_VERSION_STRING; }
const char *npusim_config_schema(void) { return NPUSIM_CONFIG_SCHEMA; }
void npusim_free(void *p) { free(p); }

/* Hands diag's messages to the caller (when it asked) and frees them; returns ok. */
static bool finish(bool ok, NpDiag *diag, char **error) {
  if (error) *error = ok ? NULL : np_diag_text(diag);
  np_diag_free(diag);
  return ok;
}

/* ---- models ---- */

static npusim_model *wrap_graph(NpGraph *graph) {
  if (!graph) return NULL;
  npusim_model *model = np_xmalloc(sizeof *model);
  model->graph = graph;
  return model;
}

npusim_model *npusim_model_load(const char *path, char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = path ? np_model_load(path, &diag) : NULL;
  if (!path) np_diag_add(&diag, "error: no model path given");
  finish(graph != NULL, &diag, error);
  return wrap_graph(graph);
}

npusim_model *npusim_model_parse(const char *text, size_t len, const char *source, char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_textgraph_parse(text ? text : "", text ? len : 0, source ? source : "<text graph>", &diag);
  finish(graph != NULL, &diag, error);
  return wrap_graph(graph);
}

void npusim_model_free(npusim_model *model) {
  if (!model) return;
  np_graph_free(model->graph);
  free(model);
}

const char *npusim_model_name(const npusim_model *model) {
  return model->graph->name ? model->graph->name : "";
}

/* ---- configs ---- */

npusim_config *npusim_config_load(const char *path, const char *const *sets, size_t n_sets, char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  npusim_config *config = np_xmalloc(sizeof *config);
  bool ok = path ? np_arch_load_file(path, sets, n_sets, &config->arch, &diag)
                 : np_arch_load_default(sets, n_sets, &config->arch, &diag);
  if (finish(ok, &diag, error)) return config;
  free(config);
  return NULL;
}

npusim_config *npusim_config_parse(const char *yaml, size_t len, const char *source, const char *const *sets,
                                   size_t n_sets, char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  npusim_config *config = np_xmalloc(sizeof *config);
  bool ok = np_arch_load_text(yaml ? yaml : "", yaml ? len : 0, source ? source : "<config>", sets, n_sets,
                              &config->arch, &diag);
  if (finish(ok, &diag, error)) return config;
  free(config);
  return NULL;
}

void npusim_config_free(npusim_config *config) { free(config); }

char *npusim_config_yaml(const npusim_config *config) { return np_arch_to_yaml(&config->arch); }

/* ---- simulating ---- */

/* The compute type by name, one the config declares; NP_DTYPE_UNKNOWN (and an error) if not. */
static bool resolve_dtype(const char *name, const NpArch *arch, NpDtype *dtype, NpDiag *diag) {
  *dtype = NP_DTYPE_UNKNOWN;
  if (name == NULL) return true;
  *dtype = np_dtype_from_name(name);
  if (*dtype != NP_DTYPE_UNKNOWN && arch->dtype_bytes[*dtype] != 0) return true;
  NpBuf known = {0};
  for (int i = 0; i < arch->n_data_types; i++)
    np_buf_printf(&known, "%s%s", i ? ", " : "", np_dtype_name(arch->data_types[i]));
  np_diag_add(diag, "--dtype %s: not one of the config's data_types (%s)", name, np_buf_str(&known));
  np_buf_free(&known);
  return false;
}

/* The what-ifs of options, checked as --scale-channels and --resolution check them. */
static bool whatif_from(const npusim_options *o, NpWhatIf *w, NpDiag *diag) {
  memset(w, 0, sizeof *w);
  if (o->channel_scale != 0 && !(o->channel_scale >= NP_WHATIF_MIN_SCALE && o->channel_scale <= NP_WHATIF_MAX_SCALE)) {
    np_diag_add(diag, "--scale-channels: channel scale '%g': must lie in [%g, %g]", o->channel_scale,
                NP_WHATIF_MIN_SCALE, NP_WHATIF_MAX_SCALE);
    return false;
  }
  bool no_size = o->height == 0 && o->width == 0;
  bool size_ok = o->height >= 1 && o->height <= NP_WHATIF_MAX_RESOLUTION && o->width >= 1 &&
                 o->width <= NP_WHATIF_MAX_RESOLUTION;
  if (!no_size && !size_ok) {
    np_diag_add(diag, "--resolution: %lldx%lld: height and width must both lie in 1..%d", (long long)o->height,
                (long long)o->width, NP_WHATIF_MAX_RESOLUTION);
    return false;
  }
  w->channel_scale = o->channel_scale;
  w->height = o->height;
  w->width = o->width;
  return true;
}

static void describe(npusim_run *run) {
  const NpRunReport *r = &run->report;
  npusim_result *out = &run->result;
  out->model = r->model_name;
  out->config = r->config_name;
  out->dtype = np_dtype_name(r->dtype);
  out->clock_mhz = r->clock_mhz;
  out->cold_cycles = r->cold_stats.cycles;
  out->warm_cycles = r->warm_stats.cycles;
  out->cold_ms = r->cold_stats.ms;
  out->warm_ms = r->warm_stats.ms;
  out->throughput_per_s = r->throughput_per_s;
  out->cold_energy_uj = r->cold_stats.energy.total_uj;
  out->warm_energy_uj = r->warm_stats.energy.total_uj;
  out->warm_power_mw = r->warm_stats.energy.avg_power_mw;
  out->sram_peak_bytes = np_run_sram_peak_bytes(r);
  out->sram_capacity_bytes = r->cold.sram_capacity_bytes;
  out->resident_weight_bytes = r->cold.resident_weight_bytes;
  out->dram_read_bytes = r->warm_stats.dram_read_bytes;
  out->dram_write_bytes = r->warm_stats.dram_write_bytes;
  out->fallback_layers = np_run_fallback_layers(r);
  out->battery_share_per_day = r->has_battery ? r->battery_share_per_day : 0;
  size_t n = r->warm.n_layers;
  run->layers = np_xcalloc(n ? n : 1, sizeof *run->layers);
  for (size_t i = 0; i < n; i++) {
    const NpLayerPlan *p = &r->warm.layers[i];
    npusim_layer *l = &run->layers[i];
    l->name = p->name ? p->name : "";
    l->op = i < r->cold.n_layers ? r->layers[i].op_kind : "";
    l->engine = p->engine >= 0 && p->engine < r->n_engines ? r->engine_names[p->engine] : "";
    l->on_accelerator = p->on_accelerator;
    l->fallback_reason = p->on_accelerator ? NULL : p->fallback_reason;
    l->cycles = i < r->warm_stats.n_layers ? r->warm_stats.layers[i].cycles : 0;
    l->ms = r->clock_mhz > 0 ? (double)l->cycles / (r->clock_mhz * 1e3) : 0;
    l->weight_bytes = p->weight_bytes;
    l->weights_resident = p->weights_resident;
    l->dram_bytes = p->dram_read_bytes + p->dram_write_bytes;
    l->sram_peak_bytes = p->sram_peak_bytes;
  }
  out->n_layers = n;
  out->layers = run->layers;
}

npusim_run *npusim_simulate(const npusim_model *model, const npusim_config *config, const npusim_options *options,
                            char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  npusim_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!options) options = &defaults;
  NpRunOptions run_options = {NP_DTYPE_UNKNOWN,     options->trace_path, options->trace_warm != 0, options->per_day,
                              options->battery_wh,  options->weight_bits, false,                    options->max_bursts,
                              NULL,                 NULL};
  NpWhatIf whatif;
  NpGraph *changed = NULL;
  bool ok = model && config;
  if (!ok) np_diag_add(&diag, "error: npusim_simulate needs a model and a config");
  ok = ok && resolve_dtype(options->dtype, &config->arch, &run_options.dtype, &diag) &&
       whatif_from(options, &whatif, &diag);
  if (ok && !np_whatif_is_identity(&whatif)) ok = (changed = np_whatif_apply(model->graph, &whatif, &diag)) != NULL;
  npusim_run *run = np_xcalloc(1, sizeof *run);
  ok = ok && np_run(changed ? changed : model->graph, &config->arch, NULL, &run_options, &run->report, &diag);
  np_graph_free(changed);
  if (!finish(ok, &diag, error)) {
    free(run);
    return NULL;
  }
  describe(run);
  return run;
}

void npusim_run_free(npusim_run *run) {
  if (!run) return;
  np_run_report_free(&run->report);
  free(run->layers);
  free(run);
}

const npusim_result *npusim_run_result(const npusim_run *run) { return &run->result; }
char *npusim_run_json(const npusim_run *run) { return np_run_report_json(&run->report); }
char *npusim_run_csv(const npusim_run *run, int per_layer) { return np_run_report_csv(&run->report, per_layer != 0); }
char *npusim_run_text(const npusim_run *run, int per_layer) { return np_run_report_text(&run->report, per_layer != 0); }

/* ---- budgets ---- */

int npusim_check(const npusim_run *run, const char *budgets, char **verdict_json, char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  if (verdict_json) *verdict_json = NULL;
  NpBudgets parsed;
  memset(&parsed, 0, sizeof parsed);
  NpBudgetResult results[NP_BUDGET_COUNT];
  int n = 0;
  bool ok = np_budgets_parse(budgets ? budgets : "", &parsed, &diag) &&
            np_budgets_check(&run->report, &parsed, results, &n, &diag);
  if (!finish(ok, &diag, error)) return -1;
  if (verdict_json) *verdict_json = np_budgets_json(&run->report, results, n);
  for (int i = 0; i < n; i++)
    if (!results[i].holds) return 0;
  return 1;
}

/* ---- sweeps ---- */

typedef struct RowForward {
  npusim_row_fn on_row;
  void *user;
  bool header_pending; /* the first call is the CSV header, not a row */
  long long rows;
} RowForward;

static bool forward_row(void *user, const char *row) {
  RowForward *f = user;
  if (f->header_pending)
    f->header_pending = false;
  else
    f->rows++;
  return f->on_row(f->user, row) == 0;
}

long long npusim_sweep(const char *spec_path, const npusim_sweep_options *options, npusim_row_fn on_row, void *user,
                       char **error) {
  NpDiag diag;
  np_diag_init(&diag);
  npusim_sweep_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!options) options = &defaults;
  NpSweepSpec spec;
  if (!spec_path || !on_row) {
    np_diag_add(&diag, "error: npusim_sweep needs a spec path and a row callback");
    finish(false, &diag, error);
    return -1;
  }
  if (!np_sweep_spec_load(spec_path, &spec, &diag)) {
    finish(false, &diag, error);
    return -1;
  }
  NpSweepFormat format = options->format == NPUSIM_SWEEP_JSONL ? NP_SWEEP_JSONL : NP_SWEEP_CSV;
  bool header = format == NP_SWEEP_CSV && !options->no_header;
  RowForward forward = {on_row, user, header, 0};
  NpSweepRun run = {.jobs = options->jobs > 0 ? options->jobs : 1,
                    .n_shards = 1,
                    .format = format,
                    .header = header,
                    .out_name = spec_path,
                    .on_row = forward_row,
                    .row_user = &forward};
  run.graphs = np_sweep_load_models(&spec, &diag);
  bool ok = run.graphs != NULL && np_sweep_execute(&spec, &run, &diag);
  np_sweep_free_models(&spec, run.graphs);
  np_sweep_spec_free(&spec);
  return finish(ok, &diag, error) ? forward.rows : -1;
}
