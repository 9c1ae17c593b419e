/* Report: one run of a model on an accelerator, and the views model engineers read.
 *
 * Takes: a finalized NpGraph (sim/graph/graph.h) and an NpArch (sim/arch/arch.h).
 * Gives: an NpRunReport: the model simulated cold and warm (sim/simulate/simulate.h), with
 * latency, throughput, per-layer and per-engine figures, energy, the ops off the accelerator
 * and SRAM peak against capacity; optionally a trace of one inference (sim/trace/trace.h).
 * Writers turn a report into the human table, JSON (schema NP_RUN_JSON_SCHEMA,
 * docs/formats.md) or CSV (docs/run.md); budgets (`npusim check`) are parsed and checked
 * against a report here too.
 *
 * Determinism: the same graph, arch and options give the same report and the same bytes
 * from every writer.
 */
#ifndef NPUSIM_REPORT_REPORT_H
#define NPUSIM_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "plot/plot.h"
#include "replay/replay.h"
#include "simulate/simulate.h"
#include "trace/trace.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_RUN_JSON_SCHEMA "npusim.run/1"
#define NP_CHECK_JSON_SCHEMA "npusim.check/1"

typedef struct NpRunOptions {
  NpDtype dtype;           /* compute data type; NP_DTYPE_UNKNOWN: the arch's default */
  const char *trace_path;  /* write a trace of one inference here (NULL: none) */
  bool trace_warm;         /* trace the warm inference instead of the cold one */
  double per_day;          /* inferences per day and battery capacity (Wh): with both */
  double battery_wh;       /* > 0 the report gives the battery share per day */
  int weight_bits;         /* the matrix weights' stored width (8, 6, 4, 2); 0: their dtype's */
  bool prewarm;            /* what-if: the launch (read, compile) happens before the first request */
  int64_t max_bursts;      /* NpSimOptions.max_bursts: refuse longer replays; 0: the default bound */
  NpSimProgress progress;  /* NpSimOptions.progress; may be NULL */
  void *progress_user;
} NpRunOptions;

/* An op fused into a layer. */
typedef struct NpRunFused {
  const char *kind;        /* ONNX op type (static) */
  char *name;
} NpRunFused;

/* What the graph says about a layer (the schedule has the rest). */
typedef struct NpRunLayer {
  const char *op_kind;     /* the main op's ONNX type (static) */
  NpRunFused *fused;
  int32_t n_fused;
} NpRunLayer;

/* What a layer's NpLayerStats leave to be worked out, for one inference. */
typedef struct NpLayerBreakdown {
  double energy_uj[NP_TERM_COUNT]; /* dynamic energy by term (np_layer_energy_uj); static power is
                                      not split by layer */
  double dynamic_uj;               /* their sum */
  int64_t weight_dram_read_bytes;  /* DRAM bytes by what they carry; the two reads sum to the */
  int64_t activation_dram_read_bytes; /* layer's dram_read_bytes, the write is its dram_write_bytes */
  int64_t activation_dram_write_bytes;
  double time_share;               /* the layer's cycles over the inference's (fixed costs included) */
  double dram_gb_per_s;            /* DRAM and SRAM bytes moved over the layer's span, GB/s (10^9 B/s) */
  double sram_gb_per_s;
} NpLayerBreakdown;

/* The JSON keys of the energy terms: "mac_uj", ..., "sync_uj" (as the run's energy object). */
extern const char *const np_layer_energy_keys[NP_TERM_COUNT];

/* One breakdown per layer of schedule s, replayed into stats on arch (malloc'd). */
NpLayerBreakdown *np_layer_breakdowns(const NpSchedule *s, const NpStats *stats, const NpArch *arch);

typedef struct NpRunReport {
  char *model_name;        /* the graph's name */
  char *model_source;      /* the file it came from */
  char config_name[NP_ARCH_NAME_MAX];
  uint64_t config_hash;    /* FNV-1a 64 of np_arch_to_yaml(arch) */
  double clock_mhz;
  NpDtype dtype;
  int n_engines;
  char engine_names[NP_ARCH_MAX_ENGINES][NP_ARCH_NAME_MAX];
  NpEngineKind engine_kinds[NP_ARCH_MAX_ENGINES];
  NpSchedule cold, warm;   /* the two schedules; same layers in the same order */
  NpStats cold_stats, warm_stats;
  NpRunLayer *layers;      /* cold.n_layers of them */
  NpLayerBreakdown *cold_breakdown, *warm_breakdown; /* one per layer */
  NpColdStartTimes cold_start; /* the launch: uncached, cached, warm */
  bool prewarm;
  double first_request_ms; /* the first request of a launch: uncached, or with prewarm the cold inference */
  /* A sustained run's figures, for the p99_ms and throttle_s budgets (sim/sustain). */
  bool has_sustain;
  double sustain_seconds, sustain_p99_ms;
  double sustain_throttle_s; /* the first step down; the run's length when it never throttled */
  double throughput_per_s; /* warm inferences back to back: 1000 / warm ms */
  double area_mm2;         /* the config's silicon area (np_arch_area_mm2); 0 without area figures */
  bool has_battery;
  double per_day, battery_wh;
  double battery_share_per_day; /* of the warm energy: 0.01 = 1 % of the battery a day */
  char *trace_path;        /* NULL when no trace was written */
  bool trace_warm;
  uint64_t trace_records;
} NpRunReport;

/* Lowers graph (cold and warm), replays both and fills *out. model_source names the model
 * file in reports (NULL: graph->source). False with errors in diag: the lowering or the
 * replay refused, or the trace could not be written (no file is then left at trace_path). */
bool np_run(const NpGraph *graph, const NpArch *arch, const char *model_source, const NpRunOptions *options,
            NpRunReport *out, NpDiag *diag);
void np_run_report_free(NpRunReport *report);

/* SRAM peak of the run: the larger of the two schedules' (bytes). */
int64_t np_run_sram_peak_bytes(const NpRunReport *report);
/* Layers that run off the accelerator. */
int64_t np_run_fallback_layers(const NpRunReport *report);

/* Layers off the accelerator that share an engine and a reason. */
typedef struct NpFallbackGroup {
  const char *reason;      /* the fallback reason less its "Kind 'name': " opening (points into the report) */
  int32_t engine;
  int64_t ops;             /* main and fused ops */
  int64_t layers;
  size_t first_layer;
} NpFallbackGroup;

typedef struct NpFallbackSummary {
  int64_t ops, layers;     /* off the accelerator: on a cpu engine, or one that cannot read the SRAM */
  double warm_time_share;  /* their layers' warm cycles over the warm inference's (0..1) */
  NpFallbackGroup *groups; /* in the order of their first layer */
  size_t n_groups;
} NpFallbackSummary;

/* Counts and groups the report's layers off the accelerator into *out (free with
 * np_fallback_summary_free; it points into report, so free it first). */
void np_run_fallbacks(const NpRunReport *report, NpFallbackSummary *out);
void np_fallback_summary_free(NpFallbackSummary *summary);

/* ---- writers: malloc'd NUL-terminated text; free it ---- */

/* The human report. per_layer adds the table of layers. */
char *np_run_report_text(const NpRunReport *report, bool per_layer);
/* JSON (schema NP_RUN_JSON_SCHEMA), every layer included, 2-space indent, keys in a fixed
 * order, ending in a newline. */
char *np_run_report_json(const NpRunReport *report);
/* CSV with a header row: one summary row, or with per_layer one row per layer. */
char *np_run_report_csv(const NpRunReport *report, bool per_layer);

/* ---- budgets (npusim check) ---- */

typedef enum NpBudgetKey {
  NP_BUDGET_LATENCY_MS = 0,  /* warm latency, ms */
  NP_BUDGET_LATENCY_COLD_MS, /* cold latency, ms */
  NP_BUDGET_SRAM_MIB,        /* SRAM peak, MiB (2^20 bytes) */
  NP_BUDGET_ENERGY_UJ,       /* warm energy per inference, uJ (energy_mj: the same in mJ) */
  NP_BUDGET_POWER_MW,        /* warm average power, mW */
  NP_BUDGET_FALLBACK_OPS,    /* ops off the accelerator */
  NP_BUDGET_P99_MS,          /* p99 frame latency of a sustained run, ms */
  NP_BUDGET_THROTTLE_S,      /* time to first throttle of a sustained run, s: holds when at least the limit */
  NP_BUDGET_COUNT
} NpBudgetKey;

const char *np_budget_key_name(NpBudgetKey key); /* "latency_ms", ... */
const char *np_budget_unit(NpBudgetKey key);     /* "ms", "MiB", "uJ", "mW", "ops", "s" */
/* True for the budgets a sustained run (npusim sustain) judges: p99_ms, throttle_s. */
bool np_budget_needs_sustain(NpBudgetKey key);

typedef struct NpBudgets {
  bool set[NP_BUDGET_COUNT];
  double limit[NP_BUDGET_COUNT];
} NpBudgets;

/* Parses "key=number,key=number..." into *budgets (adding to what is there). False with one
 * error per problem in diag, naming the text at fault: an unknown key (with the known ones),
 * a number that is not a finite non-negative decimal, a key given twice, an empty item. */
bool np_budgets_parse(const char *text, NpBudgets *budgets, NpDiag *diag);

typedef struct NpBudgetResult {
  NpBudgetKey key;
  double value, limit;
  bool holds;              /* value <= limit (throttle_s: value >= limit) */
  char message[512];       /* "latency_ms: 41.2 ms > budget 33 ms (over by 8.2 ms, 24.8%)"; a broken
                              fallback_ops budget names the ops (the first that fit, then "and N more") */
} NpBudgetResult;

/* Checks every set budget against the report, in key order, into results (room for
 * NP_BUDGET_COUNT); *n gets their number. False with an error in diag when a budget cannot be
 * judged (an energy or power budget on a config whose energy table lacks figures the run
 * needed: the figure would be too low). */
bool np_budgets_check(const NpRunReport *report, const NpBudgets *budgets, NpBudgetResult *results, int *n,
                      NpDiag *diag);
/* The verdict as JSON (schema NP_CHECK_JSON_SCHEMA), malloc'd. */
char *np_budgets_json(const NpRunReport *report, const NpBudgetResult *results, int n);

/* ---- the device matrix (npusim check --devices) ---- */

#define NP_CHECK_DEVICES_JSON_SCHEMA "npusim.check.devices/1"

/* One device of a matrix: its config file, the model's run on it and the budgets checked
 * against that run (np_budgets_check; every device of a matrix checks the same budgets). */
typedef struct NpDeviceCheck {
  const char *device;            /* the config file's name less .yaml / .yml: "a17-pro" */
  const char *file;              /* the config file's path */
  const NpRunReport *report;
  const NpBudgetResult *results; /* n_results of them */
  int n_results;
} NpDeviceCheck;

/* True when every budget of the device holds. */
bool np_device_check_passes(const NpDeviceCheck *device);
/* The matrix as the human table: a row per device in the given order (cold and warm ms, how
 * much runs on the accelerator, SRAM peak, energy, each budget's verdict), then why each device
 * that leaves the accelerator does (the fallback groups as `npusim run` prints them), the broken
 * budgets' messages and the verdict. folder names the device folder in the heading. */
char *np_devices_text(const char *folder, const NpDeviceCheck *devices, size_t n);
/* The same as JSON (schema NP_CHECK_DEVICES_JSON_SCHEMA, docs/formats.md). */
char *np_devices_json(const char *folder, const NpDeviceCheck *devices, size_t n);
/* The same as CSV: a header row, then a row per device (docs/run.md, "check --devices"). */
char *np_devices_csv(const NpDeviceCheck *devices, size_t n);

#ifdef __cplusplus
}
#endif
#endif
