/* npusim: the library's public API, for programs that simulate models without the CLI.
 *
 * One model (ONNX or text graph) and one accelerator config (a YAML file, the built-in
 * phone-NPU default, and key=value overrides) go in; one simulation (cold and warm, optionally
 * traced) comes out, as plain structs and as the very JSON `npusim run --json` prints. Budgets
 * are checked as `npusim check` does, and a sweep spec runs with a callback per row. The CLI,
 * the Python module and the SystemC example are users of the same calls.
 *
 * Conventions:
 *  - every call that can fail takes `char **error` (may be NULL). On failure it returns NULL
 *    (or a negative number) and, when error is not NULL, sets *error to the messages the CLI
 *    prints on stderr for the same input, one per line, each naming the file:line:col, key,
 *    op or tensor at fault; free it with npusim_free(). On success *error is set to NULL.
 *  - text the library returns (JSON, CSV, YAML, messages) is malloc'd, NUL-terminated and
 *    freed with npusim_free().
 *  - handles are independent: calls on different handles may run in parallel threads; a
 *    handle itself is not to be used by two threads at once (models and configs may be
 *    shared by concurrent npusim_simulate calls, which only read them).
 *  - same input, same output, byte for byte.
 *
 * Stability (docs/library.md): within a major version, calls, struct fields and their order,
 * and the JSON/CSV schemas keep their meaning; new calls and new fields at the end of a
 * struct may be added in minor versions. Everything outside this header is internal.
 */
#ifndef NPUSIM_H
#define NPUSIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPUSIM_VERSION_MAJOR 0
#define NPUSIM_VERSION_MINOR 1
#define NPUSIM_VERSION_PATCH 0
#define NPUSIM_VERSION_STRING "0.1.0"
/* The accelerator config format this build reads (docs/config.md). */
#define NPUSIM_CONFIG_SCHEMA "npusim.config/1"
/* The schema of npusim_result_json (docs/formats.md, "npusim run --json"). */
#define NPUSIM_RUN_JSON_SCHEMA "npusim.run/1"

/* "MAJOR.MINOR.PATCH" of the library actually linked (may differ from the header's). */
const char *npusim_version(void);
/* NPUSIM_CONFIG_SCHEMA of the library actually linked. */
const char *npusim_config_schema(void);
/* Frees what the library returned: text, error messages. NULL is fine. */
void npusim_free(void *p);

/* ---- models ---- */

typedef struct npusim_model npusim_model;

/* Loads an ONNX model (.onnx) or a text graph (.npg; other extensions are sniffed). */
npusim_model *npusim_model_load(const char *path, char **error);
/* A text graph from memory; source names it in messages. */
npusim_model *npusim_model_parse(const char *text, size_t len, const char *source, char **error);
void npusim_model_free(npusim_model *model);
/* The graph's name (the ONNX graph name or the text graph's `graph` line). */
const char *npusim_model_name(const npusim_model *model);

/* ---- configs ---- */

typedef struct npusim_config npusim_config;

/* A config file (path NULL: the built-in default, configs/phone-npu.yaml) with overrides
 * "key.path=value" applied in order on top, as `--config path --set ...` does. */
npusim_config *npusim_config_load(const char *path, const char *const *sets, size_t n_sets, char **error);
/* The same from YAML text in memory; source names it in messages. */
npusim_config *npusim_config_parse(const char *yaml, size_t len, const char *source, const char *const *sets,
                                   size_t n_sets, char **error);
void npusim_config_free(npusim_config *config);
/* The effective config as YAML (what `npusim config show` prints); free it. */
char *npusim_config_yaml(const npusim_config *config);

/* ---- simulating ---- */

typedef struct npusim_options {
  const char *dtype;       /* compute data type ("int8", "fp16", ...); NULL: the config's default */
  double channel_scale;    /* what-if: multiply hidden channel counts (0 or 1: unchanged) */
  int64_t height, width;   /* what-if: input resolution (0: unchanged) */
  const char *trace_path;  /* write a trace (.npt.zst) of one inference here; NULL: none */
  int trace_warm;          /* non-zero: trace the warm inference instead of the cold one */
  double per_day;          /* inferences per day and battery capacity (Wh): with both > 0 */
  double battery_wh;       /* the result gives the battery share per day */
  int weight_bits;         /* store the matrix weights at 8, 6, 4 or 2 bits; 0: their dtype's */
  int64_t max_bursts;      /* refuse, before replaying, a run whose replays would issue more DRAM
                              bursts (counted from the schedules); 0: 10^9 */
} npusim_options;

typedef struct npusim_layer {
  const char *name;            /* the layer's main op */
  const char *op;              /* its ONNX op type */
  const char *engine;          /* the engine it runs on */
  int on_accelerator;          /* 0: it falls back (fallback_reason says why) */
  const char *fallback_reason; /* NULL when on the accelerator */
  int64_t cycles;              /* warm inference */
  double ms;
  int64_t weight_bytes;
  int weights_resident;        /* its weights stay in SRAM across inferences */
  int64_t dram_bytes;          /* read + written, warm */
  int64_t sram_peak_bytes;
} npusim_layer;

typedef struct npusim_result {
  const char *model;             /* the graph's name */
  const char *config;            /* the config's name */
  const char *dtype;             /* the compute data type used */
  double clock_mhz;
  int64_t cold_cycles, warm_cycles;
  double cold_ms, warm_ms;       /* first inference (loads resident weights) / every later one */
  double throughput_per_s;       /* warm inferences back to back */
  double cold_energy_uj, warm_energy_uj;
  double warm_power_mw;          /* average over a warm inference */
  int64_t sram_peak_bytes;       /* the larger of the two inferences' */
  int64_t sram_capacity_bytes;
  int64_t resident_weight_bytes;
  int64_t dram_read_bytes, dram_write_bytes; /* warm */
  int64_t fallback_layers;       /* layers off the accelerator */
  double battery_share_per_day;  /* 0 unless per_day and battery_wh were given */
  size_t n_layers;
  const npusim_layer *layers;    /* in execution order */
} npusim_result;

typedef struct npusim_run npusim_run;

/* Lowers the model onto the config cold and warm, replays both (and traces one when asked).
 * options NULL: defaults. The model and config are only read. */
npusim_run *npusim_simulate(const npusim_model *model, const npusim_config *config, const npusim_options *options,
                            char **error);
void npusim_run_free(npusim_run *run);
/* The figures; owned by run. */
const npusim_result *npusim_run_result(const npusim_run *run);
/* The same bytes as `npusim run --json` (schema NPUSIM_RUN_JSON_SCHEMA); free it. */
char *npusim_run_json(const npusim_run *run);
/* The same bytes as `npusim run --csv` (per_layer: `--csv --per-layer`); free it. */
char *npusim_run_csv(const npusim_run *run, int per_layer);
/* The same bytes as `npusim run` (per_layer: `--per-layer`); free it. */
char *npusim_run_text(const npusim_run *run, int per_layer);

/* ---- budgets ---- */

/* Checks "key=number,..." budgets (as `npusim check --budget` takes them: latency_ms,
 * latency_cold_ms, sram_mib, energy_uj (energy_mj: in mJ), power_mw, fallback_ops) against a run. Returns 1 when
 * every budget holds, 0 when one is broken, -1 with *error for bad budgets or a budget that
 * cannot be judged. *verdict_json (may be NULL) gets the `npusim check --json` bytes. */
int npusim_check(const npusim_run *run, const char *budgets, char **verdict_json, char **error);

/* ---- sweeps ---- */

typedef enum npusim_sweep_format { NPUSIM_SWEEP_CSV = 0, NPUSIM_SWEEP_JSONL = 1 } npusim_sweep_format;

/* Called once per row, in point order, never by two threads at once (maybe not by the
 * caller's thread): row is one CSV or JSON Lines record with its newline, exactly as
 * `npusim sweep` writes it; the CSV header comes first as a row of its own. Return 0 to go
 * on, anything else to stop the sweep. */
typedef int (*npusim_row_fn)(void *user, const char *row);

typedef struct npusim_sweep_options {
  int jobs;                    /* worker threads (0 or 1: one) */
  npusim_sweep_format format;
  int no_header;               /* non-zero: no CSV header row */
} npusim_sweep_options;

/* Runs every point of a sweep spec (docs/sweeps.md). Returns the number of rows given to
 * on_row (the header not counted), or -1 with *error when the spec, its config or a model
 * cannot be read, or on_row stopped the sweep. A point that cannot run is a row with its
 * status and message, not an error. options NULL: defaults. */
long long npusim_sweep(const char *spec_path, const npusim_sweep_options *options, npusim_row_fn on_row, void *user,
                       char **error);

#ifdef __cplusplus
}
#endif
#endif
