/* Running a sweep: worker threads claim points in order; finished rows are written in point
 * order (out-of-order completions wait in their slot), each flushed as soon as it can go. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "npusim.h"
#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/file.h"
#include "util/json.h"
#include "util/mem.h"

#define MAX_RESULT_FILE_BYTES (INT64_C(1) << 32)

NpSweepFormat np_sweep_format_from_path(const char *path) {
  size_t n = path ? strlen(path) : 0;
  if ((n >= 6 && strcmp(path + n - 6, ".jsonl") == 0) || (n >= 7 && strcmp(path + n - 7, ".ndjson") == 0))
    return NP_SWEEP_JSONL;
  return NP_SWEEP_CSV;
}

size_t np_sweep_shard_size(size_t n_points, size_t shard, size_t n_shards) {
  if (n_shards == 0 || shard >= n_shards || shard >= n_points) return 0;
  return (n_points - shard + n_shards - 1) / n_shards;
}

/* ---- rows ---- */

/* What made a row, after its axes and metrics: the config the point ran on, the spec's fixed
 * overrides, and the npusim that wrote it. */
static const char *const identity_columns[] = {"config", "config_hash", "set", "npusim_version"};
#define N_IDENTITY_COLUMNS (sizeof identity_columns / sizeof identity_columns[0])

bool np_sweep_column_shown(const char *name) {
  static const char *const hidden[] = {"status",      "message", "model_file",    "config_file",
                                       "config_hash", "set",     "npusim_version"};
  for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
    if (strcmp(name, hidden[i]) == 0) return false;
  return true;
}

char *np_sweep_csv_header(const NpSweepSpec *spec) {
  NpBuf buf = {0};
  np_buf_puts(&buf, "point,model,model_file");
  if (spec->configs_axis) np_buf_puts(&buf, ",config_file");
  for (size_t i = 0; i < spec->n_axes; i++) {
    np_buf_puts(&buf, ",");
    np_csv_put_field(&buf, spec->axes[i].key);
  }
  np_buf_puts(&buf, ",status");
  for (size_t i = 0; i < np_point_metric_count; i++) np_buf_printf(&buf, ",%s", np_point_metrics[i].name);
  for (size_t i = 0; i < N_IDENTITY_COLUMNS; i++) np_buf_printf(&buf, ",%s", identity_columns[i]);
  np_buf_puts(&buf, ",message\n");
  return buf.data; /* the buffer's own allocation: never empty here */
}

/* A config key that names its unit takes values with units ("2MiB", "17GB/s", "1GHz"); its
 * column holds the number in that unit, so that tables load as numbers. */
typedef struct UnitKey {
  const char *suffix;
  bool (*parse)(const char *text, double *value, char *err, size_t err_size);
} UnitKey;

static bool parse_bytes(const char *text, double *value, char *err, size_t err_size) {
  int64_t bytes;
  if (!np_parse_size(text, &bytes, err, err_size)) return false;
  *value = (double)bytes;
  return true;
}

static const UnitKey unit_keys[] = {
    {"_bytes", parse_bytes},
    {"_gb_per_s", np_parse_bandwidth},
    {"_mhz", np_parse_frequency},
};

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The axis value as its column holds it: a number in the key's unit, else as written. */
static void axis_cell(const char *key, const char *value, char *out, size_t out_size) {
  char err[160];
  double v;
  for (size_t i = 0; i < sizeof unit_keys / sizeof unit_keys[0]; i++) {
    if (!ends_with(key, unit_keys[i].suffix) || !unit_keys[i].parse(value, &v, err, sizeof err)) continue;
    snprintf(out, out_size, "%.17g", v);
    return;
  }
  snprintf(out, out_size, "%s", value);
}

/* The spec's fixed overrides as one cell: "key=value;key=value". */
static char *sets_cell(const NpSweepSpec *spec) {
  NpBuf buf = {0};
  np_buf_puts(&buf, "");
  for (size_t i = 0; i < spec->n_sets; i++) np_buf_printf(&buf, "%s%s", i ? ";" : "", spec->sets[i]);
  return np_buf_take(&buf);
}

typedef struct PointRow {
  size_t point;
  const char *model, *model_file;
  const char *config_file; /* NULL unless the spec has `configs:` */
  const char **values;
  NpPointStatus status;
  const NpPointMetrics *m;
  const char *message;
} PointRow;

#define AXIS_CELL_MAX 256

static char *csv_row(const NpSweepSpec *spec, const PointRow *r) {
  NpBuf buf = {0};
  np_buf_printf(&buf, "%zu,", r->point);
  np_csv_put_field(&buf, r->model);
  np_buf_puts(&buf, ",");
  np_csv_put_field(&buf, r->model_file);
  if (r->config_file) {
    np_buf_puts(&buf, ",");
    np_csv_put_field(&buf, r->config_file);
  }
  char cell[AXIS_CELL_MAX];
  for (size_t i = 0; i < spec->n_axes; i++) {
    np_buf_puts(&buf, ",");
    axis_cell(spec->axes[i].key, r->values[i], cell, sizeof cell);
    np_csv_put_field(&buf, cell);
  }
  bool ok = r->status == NP_POINT_OK;
  np_buf_printf(&buf, ",%s", np_point_status_name(r->status));
  for (size_t i = 0; i < np_point_metric_count; i++) {
    const NpPointMetricInfo *k = &np_point_metrics[i];
    if (!ok)
      np_buf_puts(&buf, ",");
    else if (k->whole)
      np_buf_printf(&buf, ",%lld", (long long)k->value(r->m));
    else
      np_buf_printf(&buf, ",%.17g", k->value(r->m));
  }
  np_buf_puts(&buf, ",");
  if (ok) np_csv_put_field(&buf, r->m->config_name);
  if (ok) np_buf_printf(&buf, ",0x%016llx,", (unsigned long long)r->m->config_hash);
  else np_buf_puts(&buf, ",,");
  char *sets = sets_cell(spec);
  np_csv_put_field(&buf, sets);
  free(sets);
  np_buf_printf(&buf, ",%s,", NPUSIM_VERSION_STRING);
  if (!ok) np_csv_put_field(&buf, r->message ? r->message : "");
  np_buf_puts(&buf, "\n");
  return buf.data;
}

/* A number when the cell reads as one, else the text. */
static json_t *json_cell(const char *cell) {
  char *end;
  double v = strtod(cell, &end);
  if (cell[0] == '\0' || *end != '\0' || !isfinite(v)) return np_json_string(cell);
  if (v == floor(v) && fabs(v) < 9e15) return json_integer((json_int_t)v);
  return np_json_real(v);
}

static char *jsonl_row(const NpSweepSpec *spec, const PointRow *r) {
  json_t *o = json_object();
  json_object_set_new(o, "point", json_integer((json_int_t)r->point));
  json_object_set_new(o, "model", np_json_string(r->model));
  json_object_set_new(o, "model_file", np_json_string(r->model_file));
  if (r->config_file) json_object_set_new(o, "config_file", np_json_string(r->config_file));
  char cell[AXIS_CELL_MAX];
  for (size_t i = 0; i < spec->n_axes; i++) {
    axis_cell(spec->axes[i].key, r->values[i], cell, sizeof cell);
    json_object_set_new(o, spec->axes[i].key, json_cell(cell));
  }
  json_object_set_new(o, "status", np_json_string(np_point_status_name(r->status)));
  if (r->status == NP_POINT_OK) {
    for (size_t i = 0; i < np_point_metric_count; i++) {
      const NpPointMetricInfo *k = &np_point_metrics[i];
      double v = k->value(r->m);
      json_object_set_new(o, k->name, k->whole ? json_integer((json_int_t)v) : np_json_real(v));
    }
    json_object_set_new(o, "config", np_json_string(r->m->config_name));
    char hash[24];
    snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)r->m->config_hash);
    json_object_set_new(o, "config_hash", np_json_string(hash));
  }
  json_t *sets = json_array();
  for (size_t i = 0; i < spec->n_sets; i++) json_array_append_new(sets, np_json_string(spec->sets[i]));
  json_object_set_new(o, "set", sets);
  json_object_set_new(o, "npusim_version", np_json_string(NPUSIM_VERSION_STRING));
  if (r->status != NP_POINT_OK) json_object_set_new(o, "message", np_json_string(r->message ? r->message : ""));
  char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(o);
  char *row = np_xasprintf("%s\n", text);
  free(text);
  return row;
}

/* ---- the runner ---- */

typedef struct Runner {
  const NpSweepSpec *spec;
  const NpSweepRun *run;
  NpGraph **graphs;
  char **model_files; /* the models' absolute paths */
  char **config_files; /* the base configs' (NULL for the built-in default) */
  size_t n;           /* points in the shard */
  size_t next_claim;  /* shard-local indices */
  size_t next_write;
  char **rows;        /* finished rows waiting for their turn */
  bool write_failed;
  int write_errno;
  pthread_mutex_t lock;
} Runner;

/* A point's settings: the spec's overrides, then its axis values (kvs[i] "key=value", to be
 * freed). False with the reason in err. */
static bool point_setup(const NpSweepSpec *spec, const char **values, char **kvs, NpPointSetup *setup, char *err,
                        size_t err_size) {
  bool ok = true;
  for (size_t i = 0; i < spec->n_sets && ok; i++) ok = np_point_setup_add(setup, spec->sets[i], err, err_size);
  for (size_t i = 0; i < spec->n_axes; i++) {
    kvs[i] = np_xasprintf("%s=%s", spec->axes[i].key, values[i]);
    if (ok) ok = np_point_setup_add(setup, kvs[i], err, err_size);
  }
  return ok;
}

#define CHECK_POINTS_LISTED 10

bool np_sweep_check(const NpSweepSpec *spec, size_t *bad, NpDiag *diag) {
  const char **values = np_xmalloc((spec->n_axes ? spec->n_axes : 1) * sizeof *values);
  char **kvs = np_xmalloc((spec->n_axes ? spec->n_axes : 1) * sizeof *kvs);
  NpArch *arch = np_xmalloc(sizeof *arch);
  *bad = 0;
  for (size_t p = 0; p < spec->n_points; p++) {
    np_sweep_point(spec, p, values);
    NpPointSetup setup = {0};
    char err[256];
    NpDiag why;
    np_diag_init(&why);
    bool ok = point_setup(spec, values, kvs, &setup, err, sizeof err);
    if (!ok) np_diag_add(&why, "%s", err);
    const NpSweepConfig *base = &spec->configs[np_sweep_point_config(spec, p)];
    if (ok && !np_arch_load_text(base->text, base->len, base->source, setup.sets, setup.n_sets, arch, &why))
      ok = false;
    if (!ok && ++*bad <= CHECK_POINTS_LISTED) {
      char *text = np_diag_text(&why);
      np_diag_add(diag, "%s: error: point %zu: %.*s", spec->source, p, (int)strcspn(text, "\n"), text);
      free(text);
    }
    np_diag_free(&why);
    for (size_t i = 0; i < spec->n_axes; i++) free(kvs[i]);
    np_point_setup_free(&setup);
  }
  if (*bad > CHECK_POINTS_LISTED)
    np_diag_add(diag, "%s: ... and %zu more points whose config does not load", spec->source, *bad - CHECK_POINTS_LISTED);
  free(arch);
  free(kvs);
  free(values);
  return *bad == 0;
}

static char *evaluate_point(const Runner *r, size_t point, NpLowerCache *cache, NpArchParseCache *parsed) {
  const NpSweepSpec *spec = r->spec;
  const char **values = np_xmalloc((spec->n_axes ? spec->n_axes : 1) * sizeof *values);
  char **kvs = np_xmalloc((spec->n_axes ? spec->n_axes : 1) * sizeof *kvs);
  size_t model = np_sweep_point(spec, point, values), config = np_sweep_point_config(spec, point);
  NpPointSetup setup = {0};
  char err[256];
  bool ok = point_setup(spec, values, kvs, &setup, err, sizeof err);
  NpPointMetrics m;
  char *message = NULL;
  NpPointStatus status = NP_POINT_BAD_CONFIG;
  if (ok) {
    const NpSweepConfig *c = &spec->configs[config];
    NpPointBase base = {c->text, c->len, c->source, r->graphs[model], r->run->max_bursts, cache, parsed};
    status = np_point_run(&base, &setup, &m, NULL, &message);
  } else {
    message = np_xstrdup(err);
  }
  const char *name = r->graphs[model]->name ? r->graphs[model]->name : spec->model_labels[model];
  const char *config_file = spec->configs_axis ? r->config_files[config] : NULL;
  PointRow row = {point, name, r->model_files[model], config_file, values, status, &m, message};
  char *text = r->run->format == NP_SWEEP_JSONL ? jsonl_row(spec, &row) : csv_row(spec, &row);
  free(message);
  for (size_t i = 0; i < spec->n_axes; i++) free(kvs[i]);
  free(kvs);
  free(values);
  np_point_setup_free(&setup);
  return text;
}

/* Hands one row (or the header) to the sink or the output. False with errno set (0 when the
 * sink stopped the sweep). */
static bool emit(const NpSweepRun *run, const char *text) {
  if (run->on_row) {
    errno = 0;
    return run->on_row(run->row_user, text);
  }
  return fputs(text, run->out) >= 0 && fflush(run->out) == 0;
}

/* With the lock held: writes every row that is next in order. */
static void write_ready_rows(Runner *r) {
  while (r->next_write < r->n && r->rows[r->next_write] != NULL) {
    char *row = r->rows[r->next_write];
    if (!r->write_failed && !emit(r->run, row)) {
      r->write_failed = true;
      r->write_errno = errno;
    }
    free(row);
    r->rows[r->next_write++] = NULL;
    if (r->run->progress) r->run->progress(r->run->user, r->next_write, r->n);
  }
}

/* Each worker keeps one lower cache over the points it takes: neighbouring points of a sweep
 * mostly share their engines and SRAM banks (sweep.h, NpLowerCache in lower/schedule.h); and
 * one parse cache, so that a base config is parsed once per worker, not once per point. */
static void *worker(void *arg) {
  Runner *r = arg;
  NpLowerCache *cache = np_lower_cache_new();
  NpArchParseCache *parsed = np_arch_parse_cache_new();
  for (;;) {
    pthread_mutex_lock(&r->lock);
    size_t i = r->next_claim;
    bool stop = i >= r->n || r->write_failed;
    if (!stop) r->next_claim++;
    pthread_mutex_unlock(&r->lock);
    if (stop) break;
    char *row = evaluate_point(r, np_sweep_shard_point(i, r->run->shard, r->run->n_shards), cache, parsed);
    pthread_mutex_lock(&r->lock);
    r->rows[i] = row;
    write_ready_rows(r);
    pthread_mutex_unlock(&r->lock);
  }
  np_lower_cache_free(cache);
  np_arch_parse_cache_free(parsed);
  return NULL;
}

NpGraph **np_sweep_load_models(const NpSweepSpec *spec, NpDiag *diag) {
  NpGraph **graphs = np_xcalloc(spec->n_models ? spec->n_models : 1, sizeof *graphs);
  bool ok = true;
  for (size_t i = 0; i < spec->n_models; i++) {
    graphs[i] = np_model_load(spec->models[i], diag);
    ok = ok && graphs[i] != NULL;
  }
  if (!ok) {
    np_sweep_free_models(spec, graphs);
    return NULL;
  }
  return graphs;
}

void np_sweep_free_models(const NpSweepSpec *spec, NpGraph **graphs) {
  if (graphs == NULL) return;
  for (size_t i = 0; i < spec->n_models; i++) np_graph_free(graphs[i]);
  free(graphs);
}

/* The models (and configs) as absolute paths, so that a row names them wherever the table goes. */
static char **absolute_paths(const NpSweepSpec *spec) {
  char **paths = np_xcalloc(spec->n_models ? spec->n_models : 1, sizeof *paths);
  for (size_t i = 0; i < spec->n_models; i++) paths[i] = np_absolute_path(spec->models[i]);
  return paths;
}

static char **absolute_config_paths(const NpSweepSpec *spec) {
  char **paths = np_xcalloc(spec->n_configs ? spec->n_configs : 1, sizeof *paths);
  for (size_t i = 0; i < spec->n_configs; i++)
    paths[i] = spec->configs[i].path ? np_absolute_path(spec->configs[i].path) : np_xstrdup(NP_ARCH_DEFAULT_SOURCE);
  return paths;
}

static void write_error(const NpSweepRun *run, int err, NpDiag *diag) {
  if (run->on_row)
    np_diag_add(diag, "%s: error: the sweep was stopped by its row callback", run->out_name ? run->out_name : "sweep");
  else if (run->out_name)
    np_diag_add(diag, "%s: error: cannot write the sweep results: %s", run->out_name, strerror(err));
  else
    np_diag_add(diag, "error: cannot write the sweep results to standard output: %s", strerror(err));
}

static bool run_points(const NpSweepSpec *spec, const NpSweepRun *run, NpGraph **graphs, size_t n_shards,
                       NpDiag *diag) {
  NpSweepRun local = *run;
  local.n_shards = n_shards;
  Runner r = {spec,
              &local,
              graphs,
              absolute_paths(spec),
              absolute_config_paths(spec),
              np_sweep_shard_size(spec->n_points, run->shard, n_shards),
              0,
              0,
              NULL,
              false,
              0,
              PTHREAD_MUTEX_INITIALIZER};
  r.next_claim = r.next_write = run->skip < r.n ? run->skip : r.n;
  r.rows = np_xcalloc(r.n ? r.n : 1, sizeof *r.rows);
  int jobs = run->jobs < 1 ? 1 : run->jobs;
  if ((size_t)jobs > r.n - r.next_claim) jobs = (int)(r.n - r.next_claim) > 0 ? (int)(r.n - r.next_claim) : 1;
  pthread_t *threads = np_xmalloc((size_t)jobs * sizeof *threads);
  int started = 0;
  for (int j = 1; j < jobs; j++)
    if (pthread_create(&threads[started], NULL, worker, &r) == 0) started++;
  worker(&r); /* the calling thread works too */
  for (int j = 0; j < started; j++) pthread_join(threads[j], NULL);
  free(threads);
  for (size_t i = 0; i < r.n; i++) free(r.rows[i]);
  free(r.rows);
  np_free_paths(r.model_files, spec->n_models);
  np_free_paths(r.config_files, spec->n_configs);
  pthread_mutex_destroy(&r.lock);
  if (r.write_failed) write_error(run, r.write_errno, diag);
  return !r.write_failed;
}

bool np_sweep_execute(const NpSweepSpec *spec, const NpSweepRun *run, NpDiag *diag) {
  size_t n_shards = run->n_shards ? run->n_shards : 1;
  if (run->shard >= n_shards) {
    np_diag_add(diag, "%s: error: shard %zu of %zu does not exist (shards are 0..%zu)", spec->source, run->shard,
                n_shards, n_shards - 1);
    return false;
  }
  NpGraph **graphs = run->graphs ? run->graphs : np_sweep_load_models(spec, diag);
  bool ok = graphs != NULL;
  if (ok && run->header && run->format == NP_SWEEP_CSV) {
    char *header = np_sweep_csv_header(spec);
    ok = emit(run, header);
    if (!ok) write_error(run, errno, diag);
    free(header);
  }
  if (ok) ok = run_points(spec, run, graphs, n_shards, diag);
  if (graphs != run->graphs) np_sweep_free_models(spec, graphs);
  return ok;
}

/* ---- resume ---- */

/* The point number a row starts with (CSV: the first field; JSONL: "point"), or -1. */
static long long row_point(const char *line, size_t len, NpSweepFormat format) {
  if (format == NP_SWEEP_CSV) {
    long long v = 0;
    size_t i = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9' && v < (long long)NP_SWEEP_MAX_POINTS * 10)
      v = v * 10 + (line[i++] - '0');
    return i > 0 && i < len && line[i] == ',' ? v : -1;
  }
  json_error_t error;
  json_t *o = json_loadb(line, len, 0, &error);
  json_t *p = o ? json_object_get(o, "point") : NULL;
  long long v = json_is_integer(p) ? (long long)json_integer_value(p) : -1;
  json_decref(o);
  return v;
}

/* Where the row starting at pos ends (just past its line break), 0 for a torn last row. A CSV
 * field may hold a quoted line break; JSON Lines escape theirs. */
static size_t row_end(const char *text, size_t len, size_t pos, NpSweepFormat format) {
  if (format == NP_SWEEP_CSV) return np_csv_record_end(text, len, pos);
  const char *nl = memchr(text + pos, '\n', len - pos);
  return nl ? (size_t)(nl - text) + 1 : 0;
}

/* Says what is wrong with row `row` (0-based, at byte pos) of a file to resume, and how to recover. */
static void resume_mismatch(const NpSweepRun *run, const char *path, size_t row, size_t pos,
                            long long point, size_t expected_rows, NpDiag *diag) {
  size_t n_shards = run->n_shards ? run->n_shards : 1;
  const char *what = n_shards > 1 ? "this shard of the sweep" : "this sweep";
  if (point < 0)
    np_diag_add(diag, "%s: error: --resume: row %zu (byte %zu on) is not a sweep row: a crash can leave NUL bytes or "
                "a broken row\n  to keep the %zu rows before it and resume: `truncate -s %zu %s`", path, row + 1, pos,
                row, pos, path); /* the command on a line of its own, where a long path leaves it whole */
  else if (row >= expected_rows)
    np_diag_add(diag, "%s: error: --resume: the file has more rows than the %zu points of %s (point %lld follows "
                "the last): it holds another sweep's rows, or two runs wrote to it; remove it or write elsewhere",
                path, expected_rows, what, point);
  else
    np_diag_add(diag, "%s: error: --resume: row %zu is point %lld, but point %zu of %s belongs there (%s); remove the "
                "file or write elsewhere", path, row + 1, point, np_sweep_shard_point(row, run->shard, n_shards), what,
                n_shards > 1 ? "a file of another shard or spec?" : "a file of a shard or of another spec?");
}

bool np_sweep_resume_scan(const NpSweepSpec *spec, const NpSweepRun *run, const char *path, const char *text,
                          size_t len, size_t *rows, size_t *keep, NpDiag *diag) {
  *rows = 0;
  *keep = 0;
  size_t pos = 0;
  if (run->format == NP_SWEEP_CSV && len > 0) {
    char *header = np_sweep_csv_header(spec);
    size_t hlen = strlen(header);
    bool torn = len < hlen && memcmp(text, header, len) == 0;
    bool same = len >= hlen && memcmp(text, header, hlen) == 0;
    free(header);
    if (torn) return true; /* killed while writing the header: start over */
    if (!same) {
      np_diag_add(diag, "%s: error: --resume: the file's header is not this sweep's (another spec?); "
                  "remove it or write elsewhere", path);
      return false;
    }
    pos = *keep = hlen;
  }
  size_t n_shards = run->n_shards ? run->n_shards : 1;
  size_t expected_rows = np_sweep_shard_size(spec->n_points, run->shard, n_shards);
  while (pos < len) {
    size_t end = row_end(text, len, pos, run->format);
    if (end == 0) break; /* a torn last row: cut off and run again */
    long long point = row_point(text + pos, end - 1 - pos, run->format);
    if (point < 0 || *rows >= expected_rows || point != (long long)np_sweep_shard_point(*rows, run->shard, n_shards)) {
      resume_mismatch(run, path, *rows, pos, point, expected_rows, diag);
      return false;
    }
    (*rows)++;
    pos = *keep = end;
  }
  return true;
}

/* ---- merge ---- */

typedef struct MergeRow {
  long long point;
  const char *text;
  size_t len;
  size_t file;
} MergeRow;

static int compare_rows(const void *a, const void *b) {
  const MergeRow *x = a, *y = b;
  return (x->point > y->point) - (x->point < y->point);
}

char *np_sweep_merge(const char *const *paths, size_t n_paths, NpDiag *diag) {
  char **texts = np_xcalloc(n_paths ? n_paths : 1, sizeof *texts);
  MergeRow *rows = NULL;
  size_t n_rows = 0, capacity = 0, header_len = 0;
  const char *header = NULL;
  NpSweepFormat format = NP_SWEEP_CSV;
  bool ok = n_paths > 0;
  if (!ok) np_diag_add(diag, "error: sweep merge: no input files");
  for (size_t f = 0; f < n_paths && ok; f++) {
    size_t len;
    texts[f] = np_read_file(paths[f], MAX_RESULT_FILE_BYTES, "sweep result", &len, diag);
    if (texts[f] == NULL) {
      ok = false;
      break;
    }
    const char *t = texts[f];
    NpSweepFormat this_format = (len > 0 && t[0] == '{') ? NP_SWEEP_JSONL : NP_SWEEP_CSV;
    if (f == 0) format = this_format;
    size_t pos = 0;
    if (this_format == NP_SWEEP_CSV && len > 0) {
      size_t hlen = np_csv_record_end(t, len, 0);
      if (hlen == 0) hlen = len;
      if (header == NULL) {
        header = t, header_len = hlen;
      } else if (hlen != header_len || memcmp(t, header, hlen) != 0) {
        np_diag_add(diag, "%s: error: its header differs from %s's (a shard of another sweep?)", paths[f], paths[0]);
        ok = false;
        break;
      }
      pos = hlen;
    }
    if (this_format != format) {
      np_diag_add(diag, "%s: error: mixes CSV and JSON Lines shards", paths[f]);
      ok = false;
      break;
    }
    while (pos < len && ok) {
      size_t end = row_end(t, len, pos, format);
      if (end == 0) {
        np_diag_add(diag, "%s: error: the last row is incomplete (the shard did not finish; run it again with --resume)",
                    paths[f]);
        ok = false;
        break;
      }
      long long point = row_point(t + pos, end - 1 - pos, format);
      if (point < 0) {
        np_diag_add(diag, "%s: error: the row at byte %zu is not a sweep row (it has no point number; a crash can "
                    "leave NUL bytes): run that shard again", paths[f], pos);
        ok = false;
        break;
      }
      np_grow((void **)&rows, &capacity, n_rows + 1, sizeof *rows);
      rows[n_rows++] = (MergeRow){point, t + pos, end - pos, f};
      pos = end;
    }
  }
  char *out = NULL;
  if (ok) {
    if (n_rows > 1) qsort(rows, n_rows, sizeof *rows, compare_rows);
    for (size_t i = 0; i < n_rows && ok; i++) {
      if (rows[i].point == (long long)i) continue;
      if (i > 0 && rows[i].point == rows[i - 1].point)
        np_diag_add(diag, "%s: error: point %lld is also in %s (the same shard twice?)", paths[rows[i].file],
                    rows[i].point, paths[rows[i - 1].file]);
      else
        np_diag_add(diag, "error: sweep merge: point %zu is in no file (a shard missing or unfinished)", i);
      ok = false;
    }
  }
  if (ok) {
    NpBuf buf = {0};
    if (header) np_buf_append(&buf, header, header_len);
    for (size_t i = 0; i < n_rows; i++) np_buf_append(&buf, rows[i].text, rows[i].len);
    out = np_buf_take(&buf);
  }
  for (size_t f = 0; f < n_paths; f++) free(texts[f]);
  free(texts);
  free(rows);
  return out;
}
