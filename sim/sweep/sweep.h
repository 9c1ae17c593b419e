/* Sweeps: many (model, config) points, each lowered and replayed, written as one table.
 *
 * Takes: a sweep spec (YAML: a base config, models, axes over config keys and model
 * what-ifs; docs/sweeps.md), or single points built by a caller (cliff search, fit).
 * Gives: per point the metrics architects compare (warm and cold latency, energy, SRAM
 * peak, DRAM bytes, fallbacks) or a status and message when the point cannot run; the
 * whole sweep as CSV or JSON Lines rows in point order, whatever the thread count, each row
 * appended and flushed as soon as the rows before it are; resume and shard bookkeeping;
 * the merge of shard files.
 *
 * Determinism: the same spec gives the same bytes, whatever --jobs or sharding.
 */
#ifndef NPUSIM_SWEEP_SWEEP_H
#define NPUSIM_SWEEP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "simulate/simulate.h"
#include "util/diag.h"
#include "whatif/whatif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- one point ---- */

typedef struct NpPointMetrics {
  double warm_ms, cold_ms;  /* one inference with resident weights already in SRAM / without */
  double energy_uj;         /* of a warm inference (the steady state), dynamic + static */
  int64_t sram_peak_bytes;  /* of the warm schedule */
  int64_t dram_bytes;       /* read + written by a warm inference */
  int64_t fallbacks;        /* ops that left the accelerator */
  int64_t resident_weight_bytes;
  double uncached_ms, cached_ms; /* the launch: flash read, compile, cold inference (simulate.h) */
  double area_mm2;          /* the config's silicon area (np_arch_area_mm2); 0 without area figures */
  double est_warm_ms;       /* the cost model's estimate of warm_ms (NpSchedule.est_cycles at the clock):
                               a step in warm_ms it does not show is the estimate's error, not the search's */
  /* What the point ran on: the effective config's name and hash (np_schedule_config_hash). */
  char config_name[NP_ARCH_NAME_MAX];
  uint64_t config_hash;
} NpPointMetrics;

/* Simulates graph on arch with options (np_simulate: lowered cold and warm, both replayed, no
 * trace) and fills *out. When warm_schedule is not
 * NULL it receives the warm schedule (free it with np_schedule_free) for a caller that
 * compares points. False with errors in diag. */
bool np_point_evaluate(const NpGraph *graph, const NpArch *arch, const NpSimOptions *options, NpPointMetrics *out,
                       NpSchedule *warm_schedule, NpDiag *diag);

/* One metric: a result column of sweeps, and what cliff, fit and pareto search along. Adding a
 * metric is one row of np_point_metrics (point.c); the CSV and JSONL columns, the lists in
 * messages and the name lookups all come from it. */
typedef struct NpPointMetricInfo {
  const char *name;     /* the column: "warm_ms" */
  bool whole;           /* a count (written as an integer), else a real */
  double (*value)(const NpPointMetrics *m);
} NpPointMetricInfo;

extern const NpPointMetricInfo np_point_metrics[];
extern const size_t np_point_metric_count;

/* The metric named name (NULL for another name). */
const NpPointMetricInfo *np_point_metric_find(const char *name);
/* The metric by name; false for another name. */
bool np_point_metric(const NpPointMetrics *m, const char *name, double *value);
/* "warm_ms, cold_ms, ..." for messages (malloc'd: free it). */
char *np_point_metric_list(void);

/* ---- the spec ---- */

/* The model what-if axes; every other axis key is a config key path, as --set takes it. */
#define NP_AXIS_CHANNEL_SCALE "model.channel_scale"
#define NP_AXIS_RESOLUTION "model.resolution"
#define NP_AXIS_DTYPE "model.dtype"
#define NP_AXIS_WEIGHT_BITS "model.weight_bits"
/* True for one of the NP_AXIS_* keys. */
bool np_model_axis_known(const char *key);
/* "model.channel_scale, model.resolution, ..." for messages. */
extern const char np_model_axis_list[];
#define NP_SWEEP_MAX_POINTS 10000000
/* A config axis is a spec error (a misspelt key) when none of its first this-many values
 * loads on the base config; later failures are per-point `bad_config` rows. */
#define NP_SWEEP_AXIS_VALUES_CHECKED 8
#define NP_SWEEP_MAX_FILE_BYTES (1 << 20)

typedef struct NpSweepAxis {
  char *key;       /* config key path or one of NP_AXIS_* */
  char **values;   /* as they go to --set (or to the what-if parser) */
  size_t n_values;
  int dim;         /* the product dimension it belongs to (axes of one zip group share it) */
} NpSweepAxis;

/* A base config: what a point's overrides and axis values go on top of. */
typedef struct NpSweepConfig {
  char *path;           /* resolved against the spec's folder; NULL: the built-in default */
  char *text;           /* its YAML, read at parse time (the embedded default's when no file) */
  size_t len;
  char *source;         /* the name its errors use */
} NpSweepConfig;

/* At most this many configs under `configs:` (a device folder has a handful). */
#define NP_SWEEP_MAX_CONFIGS 256

typedef struct NpSweepSpec {
  char *source;         /* the spec file, for messages */
  NpSweepConfig *configs; /* `config:` (one; the built-in default without it) or `configs:` (a list of */
  size_t n_configs;       /* files or a folder's *.yaml, *.yml in name order) */
  bool configs_axis;    /* `configs:` was given: rows carry a config_file column */
  char **sets;          /* fixed overrides "key=value" under `set:` */
  size_t n_sets;
  char **models;        /* model paths, resolved against the spec's folder */
  char **model_labels;  /* as written in the spec (the `model` column) */
  size_t n_models;
  NpSweepAxis *axes;    /* in spec order */
  size_t n_axes;
  size_t n_dims;        /* product dimensions after the model: axes, a zip group counting once */
  size_t *dim_sizes;
  size_t *dim_strides;  /* points between two steps of a dimension (models: n_points / n_models, configs:
                           n_points / n_models / n_configs) */
  size_t n_points;
} NpSweepSpec;

/* Parses spec text; `dir` is the folder relative paths in it are taken from ("" or NULL: as
 * written). Every problem is reported as "source:line:col: error: ..." with the source line
 * and a caret. */
bool np_sweep_spec_parse(const char *text, size_t len, const char *source, const char *dir, NpSweepSpec *out,
                         NpDiag *diag);
bool np_sweep_spec_load(const char *path, NpSweepSpec *out, NpDiag *diag);
void np_sweep_spec_free(NpSweepSpec *spec);

/* Point p (0-based, < n_points): its model index and each axis's value (values[i] for
 * axis i; pointers into the spec). The model is the outermost loop, then the base config,
 * then the axes in spec order (a zip group at its place), the last varying fastest. */
size_t np_sweep_point(const NpSweepSpec *spec, size_t p, const char **values);
/* Point p's base config: an index into spec->configs. */
size_t np_sweep_point_config(const NpSweepSpec *spec, size_t p);

/* ---- points from axis values ---- */

/* A point's inputs resolved from key=value pairs: config overrides and model what-ifs. */
typedef struct NpPointSetup {
  const char **sets;    /* config overrides (pointers to the caller's strings) */
  size_t n_sets, sets_capacity;
  NpWhatIf whatif;
  NpDtype dtype;        /* NP_DTYPE_UNKNOWN: the arch default */
  int weight_bits;      /* NpLowerOptions.weight_bits; 0: the weights' dtype */
} NpPointSetup;

/* Adds "key=value": a model axis updates the what-if or dtype (false with a reason in err
 * for a bad value), any other key becomes a config override (the string must outlive the
 * setup). */
bool np_point_setup_add(NpPointSetup *setup, const char *key_eq_value, char *err, size_t err_size);
void np_point_setup_free(NpPointSetup *setup);

/* The status of a point that did not run: "ok", "bad_config", "bad_model", "error". */
typedef enum NpPointStatus { NP_POINT_OK = 0, NP_POINT_BAD_CONFIG, NP_POINT_BAD_MODEL, NP_POINT_ERROR } NpPointStatus;
const char *np_point_status_name(NpPointStatus status);

/* Everything one point needs: the base config text, the model's graph, the setup. Runs the
 * point and gives its status (message: the first line of the first error, malloc'd, or NULL
 * when ok). warm_schedule as for np_point_evaluate. */
typedef struct NpPointBase {
  const char *config_text; /* the base config YAML */
  size_t config_len;
  const char *config_source;
  const NpGraph *graph;
  int64_t max_bursts;      /* NpSimOptions.max_bursts of every point; 0: the default bound */
  NpLowerCache *lower_cache; /* NpSimOptions.lower_cache: the calling thread's (may be NULL) */
  NpArchParseCache *parse_cache; /* the calling thread's: the base config parsed once (may be NULL) */
} NpPointBase;
NpPointStatus np_point_run(const NpPointBase *base, const NpPointSetup *setup, NpPointMetrics *out,
                           NpSchedule *warm_schedule, char **message);

/* ---- running a sweep ---- */

typedef enum NpSweepFormat { NP_SWEEP_CSV = 0, NP_SWEEP_JSONL } NpSweepFormat;

/* The format a file name asks for: .jsonl/.ndjson give JSONL, anything else CSV. */
NpSweepFormat np_sweep_format_from_path(const char *path);

/* The points of shard k of n (0 <= k < n): p with p % n == k, in order. */
size_t np_sweep_shard_size(size_t n_points, size_t shard, size_t n_shards);
static inline size_t np_sweep_shard_point(size_t i, size_t shard, size_t n_shards) { return i * n_shards + shard; }

typedef void (*NpSweepProgress)(void *user, size_t done, size_t total);
/* Takes one row (or the CSV header) instead of the output file; false stops the sweep. */
typedef bool (*NpSweepRowSink)(void *user, const char *row);

typedef struct NpSweepRun {
  int jobs;               /* worker threads, at least 1 */
  int64_t max_bursts;     /* NpPointBase.max_bursts: a point past it is a failed row */
  size_t shard, n_shards; /* 0 and 1: everything */
  size_t skip;            /* rows of this shard already in the output (resume) */
  NpSweepFormat format;
  bool header;            /* write the CSV header first */
  FILE *out;              /* rows are written and flushed here, in order */
  const char *out_name;   /* its name for messages; NULL: standard output */
  NpGraph **graphs;       /* the spec's models from np_sweep_load_models; NULL: loaded here */
  NpSweepProgress progress; /* may be NULL; called with the output lock held */
  void *user;
  NpSweepRowSink on_row;  /* when not NULL, rows go here (in order, under the lock), not to out */
  void *row_user;
} NpSweepRun;

/* The CSV header line (with '\n'), malloc'd. */
char *np_sweep_csv_header(const NpSweepSpec *spec);
/* Whether a table of a sweep's rows shows a column: the point, model, axes and metrics are
 * shown; status, message and what made the row (model_file, config_hash, set, npusim_version)
 * are left to the file. */
bool np_sweep_column_shown(const char *name);

/* Checks a spec without running it: every point's config (the base, the spec's overrides and
 * the point's axis values) loads. False with the first points that fail in diag and their
 * count in *bad. */
bool np_sweep_check(const NpSweepSpec *spec, size_t *bad, NpDiag *diag);

/* Every model of the spec (graphs[i] for spec->models[i]), loaded and checked before an
 * output is opened; NULL with errors in diag when one cannot be loaded. */
NpGraph **np_sweep_load_models(const NpSweepSpec *spec, NpDiag *diag);
void np_sweep_free_models(const NpSweepSpec *spec, NpGraph **graphs);

/* Loads every model (unless run->graphs has them), then runs the shard's points from `skip` on.
 * False with errors in diag when a model or the base config cannot be read, or writing
 * fails; a point that cannot run is a row with its status, not a failure. */
bool np_sweep_execute(const NpSweepSpec *spec, const NpSweepRun *run, NpDiag *diag);

/* Resume: checks what an earlier run left in `text` (len bytes) against the shard's
 * expected rows. Gives the complete rows found (*rows) and the bytes they span with the
 * header (*keep: a torn last line is cut off). False with an error naming `path` when the
 * file belongs to another spec or shard. */
bool np_sweep_resume_scan(const NpSweepSpec *spec, const NpSweepRun *run, const char *path, const char *text,
                          size_t len, size_t *rows, size_t *keep, NpDiag *diag);

/* Merge: the rows of shard files (same format, same header) in point order, as text
 * (malloc'd). False with an error naming the file for a header mismatch, a duplicate point
 * or a gap (a shard missing or unfinished). */
char *np_sweep_merge(const char *const *paths, size_t n_paths, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
