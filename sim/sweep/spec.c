/* The sweep spec: YAML in, the axes and their values out (docs/sweeps.md, "Spec"). */
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"

#define MAX_RANGE_STEPS 100000

typedef struct SpecParser {
  const char *source;
  const char *text;
  size_t len;
  const char *dir;
  NpDiag *diag;
  size_t errors;
  NpSweepSpec *spec;
  size_t axes_capacity;
} SpecParser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void spec_error(SpecParser *p, struct fy_node *at, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *message = np_xvasprintf(fmt, args);
  va_end(args);
  int line, column;
  NpBuf buf = {0};
  if (at != NULL && np_yaml_node_position(at, &line, &column)) {
    np_buf_printf(&buf, "%s:%d:%d: error: %s", p->source, line + 1, column + 1, message);
    np_yaml_source_excerpt(&buf, p->text, p->len, line, column);
  } else {
    np_buf_printf(&buf, "%s: error: %s", p->source, message);
  }
  np_diag_add(p->diag, "%s", np_buf_str(&buf));
  np_buf_free(&buf);
  free(message);
  p->errors++;
}

static const char *scalar(struct fy_node *node) {
  return node && fy_node_get_type(node) == FYNT_SCALAR ? fy_node_get_scalar0(node) : NULL;
}

static char *resolve_path(const SpecParser *p, const char *path) {
  if (path[0] == '/' || p->dir == NULL || p->dir[0] == '\0') return np_xstrdup(path);
  return np_xasprintf("%s/%s", p->dir, path);
}

/* ---- values ---- */

typedef enum NumKind { NUM_INT, NUM_SIZE, NUM_REAL } NumKind;

static bool parse_number(const char *text, double *value, NumKind *kind) {
  char err[160];
  int64_t i;
  if (np_parse_int(text, &i, err, sizeof err)) {
    *value = (double)i, *kind = NUM_INT;
    return true;
  }
  if (np_parse_size(text, &i, err, sizeof err)) {
    *value = (double)i, *kind = NUM_SIZE;
    return true;
  }
  if (np_parse_real(text, value, err, sizeof err)) {
    *kind = NUM_REAL;
    return true;
  }
  return false;
}

static void push_value(NpSweepAxis *axis, size_t *capacity, char *value) {
  np_grow((void **)&axis->values, capacity, axis->n_values + 1, sizeof *axis->values);
  axis->values[axis->n_values++] = value;
}

static char *format_number(double v, NumKind kind) {
  if (kind == NUM_REAL) return np_xasprintf("%.6g", v);
  int64_t whole = (int64_t)llround(v);
  if (kind == NUM_INT) return np_xasprintf("%lld", (long long)whole);
  char text[64];
  np_format_size(whole, text, sizeof text);
  return np_xstrdup(text);
}

/* {range: [LO, HI], steps: N | step: S} or {log: [LO, HI], steps: N}. */
static bool parse_range(SpecParser *p, struct fy_node *node, NpSweepAxis *axis) {
  struct fy_node *bounds = NULL, *steps_node = NULL, *step_node = NULL;
  bool log_scale = false;
  void *iter = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(node, &iter)) != NULL) {
    const char *k = scalar(fy_node_pair_key(pair));
    struct fy_node *v = fy_node_pair_value(pair);
    if (k && (strcmp(k, "range") == 0 || strcmp(k, "log") == 0) && bounds == NULL) {
      bounds = v;
      log_scale = strcmp(k, "log") == 0;
    } else if (k && strcmp(k, "steps") == 0) {
      steps_node = v;
    } else if (k && strcmp(k, "step") == 0) {
      step_node = v;
    } else {
      spec_error(p, fy_node_pair_key(pair), "axis '%s': unknown range key '%s' (a range is {range: [LO, HI], steps: N}, "
                 "{range: [LO, HI], step: S} or {log: [LO, HI], steps: N})", axis->key, k ? k : "?");
      return false;
    }
  }
  if (bounds == NULL || fy_node_get_type(bounds) != FYNT_SEQUENCE || fy_node_sequence_item_count(bounds) != 2) {
    spec_error(p, bounds ? bounds : node, "axis '%s': a range needs `range: [LO, HI]` or `log: [LO, HI]`", axis->key);
    return false;
  }
  struct fy_node *lo_node = fy_node_sequence_get_by_index(bounds, 0), *hi_node = fy_node_sequence_get_by_index(bounds, 1);
  double lo, hi;
  NumKind lo_kind, hi_kind;
  if (!scalar(lo_node) || !parse_number(scalar(lo_node), &lo, &lo_kind)) {
    spec_error(p, lo_node, "axis '%s': range start is not a number or a size", axis->key);
    return false;
  }
  if (!scalar(hi_node) || !parse_number(scalar(hi_node), &hi, &hi_kind)) {
    spec_error(p, hi_node, "axis '%s': range end is not a number or a size", axis->key);
    return false;
  }
  NumKind kind = (lo_kind == NUM_REAL || hi_kind == NUM_REAL) ? NUM_REAL
                 : (lo_kind == NUM_SIZE || hi_kind == NUM_SIZE) ? NUM_SIZE
                                                                : NUM_INT;
  if (lo > hi) {
    spec_error(p, lo_node, "axis '%s': range start %s is above its end %s", axis->key, scalar(lo_node), scalar(hi_node));
    return false;
  }
  if (log_scale && lo <= 0) {
    spec_error(p, lo_node, "axis '%s': a log range must start above 0", axis->key);
    return false;
  }
  int64_t steps = 0;
  double step = 0;
  char err[160];
  if (step_node != NULL && steps_node == NULL && !log_scale) {
    NumKind step_kind;
    if (!scalar(step_node) || !parse_number(scalar(step_node), &step, &step_kind) || !(step > 0)) {
      spec_error(p, step_node, "axis '%s': step must be a number or a size above 0", axis->key);
      return false;
    }
    double n = floor((hi - lo) / step + 1e-9) + 1;
    if (n > MAX_RANGE_STEPS) {
      spec_error(p, step_node, "axis '%s': more than %d values", axis->key, MAX_RANGE_STEPS);
      return false;
    }
    steps = (int64_t)n;
  } else if (steps_node != NULL && step_node == NULL) {
    if (!scalar(steps_node) || !np_parse_int(scalar(steps_node), &steps, err, sizeof err) || steps < 1 ||
        steps > MAX_RANGE_STEPS || (steps == 1 && lo != hi)) {
      spec_error(p, steps_node, "axis '%s': steps must be a whole number 2..%d (1 when LO = HI)", axis->key,
                 MAX_RANGE_STEPS);
      return false;
    }
  } else {
    spec_error(p, node, "axis '%s': a range needs exactly one of `steps: N` (values, ends included) or `step: S`%s",
               axis->key, log_scale ? " (a log range takes steps)" : "");
    return false;
  }
  size_t capacity = 0;
  char *last = NULL;
  for (int64_t i = 0; i < steps; i++) {
    double v;
    if (step > 0)
      v = lo + step * (double)i;
    else if (steps == 1)
      v = lo;
    else if (log_scale)
      v = lo * pow(hi / lo, (double)i / (double)(steps - 1));
    else
      v = lo + (hi - lo) * (double)i / (double)(steps - 1);
    if (i == steps - 1 && step == 0) v = hi; /* the end exactly, whatever the rounding */
    char *text = format_number(v, kind);
    if (last && strcmp(last, text) == 0) { /* whole-number ranges can round two steps together */
      free(text);
      continue;
    }
    push_value(axis, &capacity, text);
    last = text;
  }
  return true;
}

/* A model axis's values are checked now: a bad one is a spec error, not a failed point. */
static bool check_model_value(SpecParser *p, struct fy_node *at, const NpSweepAxis *axis, const char *value) {
  if (strncmp(axis->key, "model.", 6) != 0) return true;
  NpPointSetup setup = {0};
  char *kv = np_xasprintf("%s=%s", axis->key, value);
  char err[256];
  bool ok = np_point_setup_add(&setup, kv, err, sizeof err);
  if (!ok) spec_error(p, at, "%s", err);
  free(kv);
  np_point_setup_free(&setup);
  return ok;
}

static bool parse_axis_values(SpecParser *p, struct fy_node *node, NpSweepAxis *axis) {
  if (fy_node_get_type(node) == FYNT_MAPPING) {
    if (!parse_range(p, node, axis)) return false;
  } else if (fy_node_get_type(node) == FYNT_SEQUENCE && fy_node_sequence_item_count(node) > 0) {
    size_t capacity = 0;
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(node, &iter)) != NULL) {
      const char *v = scalar(item);
      if (v == NULL || v[0] == '\0') {
        spec_error(p, item, "axis '%s': each value must be a plain scalar", axis->key);
        return false;
      }
      if (!check_model_value(p, item, axis, v)) return false;
      push_value(axis, &capacity, np_xstrdup(v));
    }
    return true;
  } else {
    spec_error(p, node, "axis '%s': expected a list of values [a, b, ...] or a range {range: [LO, HI], steps: N}",
               axis->key);
    return false;
  }
  for (size_t i = 0; i < axis->n_values; i++)
    if (!check_model_value(p, node, axis, axis->values[i])) return false;
  return true;
}

static NpSweepAxis *add_axis(SpecParser *p, struct fy_node *key_node, const char *key, int dim) {
  NpSweepSpec *s = p->spec;
  for (size_t i = 0; i < s->n_axes; i++) {
    if (strcmp(s->axes[i].key, key) == 0) {
      spec_error(p, key_node, "axis '%s' appears twice", key);
      return NULL;
    }
  }
  if (strncmp(key, "model.", 6) == 0 && !np_model_axis_known(key)) {
    spec_error(p, key_node, "unknown model axis '%s' (model axes: %s; models go under `models:`)", key,
               np_model_axis_list);
    return NULL;
  }
  if (key[0] == '\0' || strchr(key, '=') != NULL || strchr(key, ',') != NULL || strchr(key, '"') != NULL) {
    spec_error(p, key_node, "axis key '%s' is not a config key path", key);
    return NULL;
  }
  np_grow((void **)&s->axes, &p->axes_capacity, s->n_axes + 1, sizeof *s->axes);
  NpSweepAxis *axis = &s->axes[s->n_axes++];
  memset(axis, 0, sizeof *axis);
  axis->key = np_xstrdup(key);
  axis->dim = dim;
  return axis;
}

static bool parse_zip(SpecParser *p, struct fy_node *node, size_t *n_dims) {
  if (fy_node_get_type(node) != FYNT_SEQUENCE) {
    spec_error(p, node, "`zip` takes a list of groups, each a mapping of axes with equally many values");
    return false;
  }
  void *iter = NULL;
  struct fy_node *group;
  while ((group = fy_node_sequence_iterate(node, &iter)) != NULL) {
    if (fy_node_get_type(group) != FYNT_MAPPING || fy_node_mapping_item_count(group) == 0) {
      spec_error(p, group, "a zip group is a mapping of axes, e.g. {clock_mhz: [500, 1000], dram.bandwidth_gb_per_s: [8, 16]}");
      return false;
    }
    int dim = (int)(*n_dims)++;
    size_t count = 0;
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(group, &it)) != NULL) {
      const char *key = scalar(fy_node_pair_key(pair));
      NpSweepAxis *axis = key ? add_axis(p, fy_node_pair_key(pair), key, dim) : NULL;
      if (axis == NULL || !parse_axis_values(p, fy_node_pair_value(pair), axis)) return false;
      if (count != 0 && axis->n_values != count) {
        spec_error(p, fy_node_pair_key(pair), "zip group: axis '%s' has %zu values, the group's first axis %zu", key,
                   axis->n_values, count);
        return false;
      }
      count = axis->n_values;
    }
  }
  return true;
}

static bool parse_axes(SpecParser *p, struct fy_node *node) {
  if (fy_node_get_type(node) != FYNT_MAPPING) {
    spec_error(p, node, "`axes` is a mapping from a config key (or model.channel_scale, model.resolution, model.dtype) "
               "to its values");
    return false;
  }
  size_t n_dims = 0;
  void *iter = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(node, &iter)) != NULL) {
    struct fy_node *key_node = fy_node_pair_key(pair);
    const char *key = scalar(key_node);
    if (key == NULL) {
      spec_error(p, key_node, "axis keys are plain scalars");
      return false;
    }
    if (strcmp(key, "zip") == 0) {
      if (!parse_zip(p, fy_node_pair_value(pair), &n_dims)) return false;
      continue;
    }
    NpSweepAxis *axis = add_axis(p, key_node, key, (int)n_dims++);
    if (axis == NULL || !parse_axis_values(p, fy_node_pair_value(pair), axis)) return false;
  }
  p->spec->n_dims = n_dims;
  return true;
}

/* A list item that names a file: its path, or NULL after an error naming `what`. */
static const char *path_item(SpecParser *p, struct fy_node *item, const char *what) {
  const char *path = scalar(item);
  if (path != NULL && path[0] != '\0') return path;
  spec_error(p, item, "a %s is a file path", what);
  return NULL;
}

static bool parse_models(SpecParser *p, struct fy_node *node) {
  NpSweepSpec *s = p->spec;
  size_t cap = 0, cap2 = 0;
  if (scalar(node) != NULL) {
    np_grow((void **)&s->models, &cap, 1, sizeof *s->models);
    np_grow((void **)&s->model_labels, &cap2, 1, sizeof *s->model_labels);
    s->model_labels[0] = np_xstrdup(scalar(node));
    s->models[0] = resolve_path(p, scalar(node));
    s->n_models = 1;
    return true;
  }
  if (fy_node_get_type(node) != FYNT_SEQUENCE || fy_node_sequence_item_count(node) == 0) {
    spec_error(p, node, "`models` is a model file or a list of them");
    return false;
  }
  void *iter = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(node, &iter)) != NULL) {
    const char *path = path_item(p, item, "model");
    if (path == NULL) return false;
    np_grow((void **)&s->models, &cap, s->n_models + 1, sizeof *s->models);
    np_grow((void **)&s->model_labels, &cap2, s->n_models + 1, sizeof *s->model_labels);
    s->model_labels[s->n_models] = np_xstrdup(path);
    s->models[s->n_models++] = resolve_path(p, path);
  }
  return true;
}

static bool parse_sets(SpecParser *p, struct fy_node *node) {
  NpSweepSpec *s = p->spec;
  if (fy_node_get_type(node) != FYNT_MAPPING) {
    spec_error(p, node, "`set` is a mapping of config keys to values, applied to every point before the axes");
    return false;
  }
  size_t cap = 0;
  void *iter = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(node, &iter)) != NULL) {
    const char *k = scalar(fy_node_pair_key(pair)), *v = scalar(fy_node_pair_value(pair));
    if (k == NULL || v == NULL) {
      spec_error(p, k ? fy_node_pair_value(pair) : fy_node_pair_key(pair), "`set` entries are `key.path: value`");
      return false;
    }
    np_grow((void **)&s->sets, &cap, s->n_sets + 1, sizeof *s->sets);
    s->sets[s->n_sets++] = np_xasprintf("%s=%s", k, v);
  }
  return true;
}

static NpSweepConfig *add_config(NpSweepSpec *s, size_t *capacity) {
  np_grow((void **)&s->configs, capacity, s->n_configs + 1, sizeof *s->configs);
  NpSweepConfig *c = &s->configs[s->n_configs++];
  memset(c, 0, sizeof *c);
  return c;
}

/* Reads the config at resolved path (taken) into the next entry; the error names node. */
static bool read_config(SpecParser *p, struct fy_node *node, char *path, size_t *capacity) {
  NpSweepConfig *c = add_config(p->spec, capacity);
  c->path = path;
  c->source = np_xstrdup(path);
  NpDiag local;
  np_diag_init(&local);
  c->text = np_read_file(path, NP_ARCH_MAX_FILE_BYTES, "config", &c->len, &local);
  if (c->text == NULL) spec_error(p, node, "%s", local.count ? local.messages[0] : "cannot read the config");
  np_diag_free(&local);
  return c->text != NULL;
}

static bool load_base_config(SpecParser *p, struct fy_node *node) {
  size_t capacity = 0;
  if (node == NULL) {
    size_t len;
    const char *text = np_arch_default_text(&len);
    NpSweepConfig *c = add_config(p->spec, &capacity);
    c->text = np_xstrndup(text, len);
    c->len = len;
    c->source = np_xstrdup(NP_ARCH_DEFAULT_SOURCE);
    return true;
  }
  const char *path = scalar(node);
  if (path == NULL || path[0] == '\0') {
    spec_error(p, node, "`config` is an accelerator config file (leave it out for the built-in default)");
    return false;
  }
  return read_config(p, node, resolve_path(p, path), &capacity);
}

/* `configs: FOLDER`: its *.yaml and *.yml files, in name order. */
static bool load_config_folder(SpecParser *p, struct fy_node *node, const char *folder) {
  static const char *const suffixes[] = {".yaml", ".yml", NULL};
  char *dir = resolve_path(p, folder);
  char **paths = NULL;
  size_t n = 0, capacity = 0;
  NpDiag local;
  np_diag_init(&local);
  bool ok = np_list_files(dir, suffixes, NP_SWEEP_MAX_CONFIGS, &paths, &n, &local);
  if (!ok) spec_error(p, node, "%s", local.count ? local.messages[0] : "cannot read the folder");
  if (ok && n == 0) spec_error(p, node, "%s: no configs (*.yaml, *.yml) in this folder", dir);
  np_diag_free(&local);
  for (size_t i = 0; i < n; i++)
    if (!read_config(p, node, paths[i], &capacity)) ok = false;
  free(paths); /* the configs own the strings */
  free(dir);
  return ok && n > 0;
}

/* `configs:` a list of config files, or a folder of them: the base config becomes a dimension
 * of the sweep (after the model, before the axes). */
static bool load_base_configs(SpecParser *p, struct fy_node *node) {
  p->spec->configs_axis = true;
  const char *folder = scalar(node);
  if (folder != NULL && folder[0] != '\0') return load_config_folder(p, node, folder);
  if (fy_node_get_type(node) != FYNT_SEQUENCE || fy_node_sequence_item_count(node) == 0 ||
      fy_node_sequence_item_count(node) > NP_SWEEP_MAX_CONFIGS) {
    spec_error(p, node, "`configs` is a folder of configs or a list of 1 to %d config files", NP_SWEEP_MAX_CONFIGS);
    return false;
  }
  size_t capacity = 0;
  bool ok = true;
  void *iter = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(node, &iter)) != NULL) {
    const char *path = path_item(p, item, "config");
    if (path == NULL || !read_config(p, item, resolve_path(p, path), &capacity)) ok = false;
  }
  return ok;
}

/* Whether "key=value" on top of the spec's overrides loads on any base config; the first
 * failure's messages into *first when it is still empty. */
static bool loads_on_any_config(const NpSweepSpec *s, const char **sets, NpArch *arch, NpDiag *first) {
  for (size_t c = 0; c < s->n_configs; c++) {
    const NpSweepConfig *base = &s->configs[c];
    NpDiag diag;
    np_diag_init(&diag);
    bool ok = np_arch_load_text(base->text, base->len, base->source, sets, s->n_sets + 1, arch, &diag);
    if (!ok && first->count == 0) {
      *first = diag;
    } else {
      np_diag_free(&diag);
    }
    if (ok) return true;
  }
  return false;
}

/* An axis none of whose values loads on any base config names a key the configs lack (or
 * values they never take): a spec error, at the key. Points with some bad values are rows. */
static void check_config_axes(SpecParser *p, struct fy_node *axes_node) {
  NpSweepSpec *s = p->spec;
  for (size_t i = 0; i < s->n_axes; i++) {
    NpSweepAxis *axis = &s->axes[i];
    if (strncmp(axis->key, "model.", 6) == 0) continue;
    NpDiag first;
    np_diag_init(&first);
    bool any = false;
    const char **sets = np_xmalloc((s->n_sets + 1) * sizeof *sets);
    for (size_t k = 0; k < s->n_sets; k++) sets[k] = s->sets[k];
    NpArch *arch = np_xmalloc(sizeof *arch);
    /* A misspelt key fails for every value; trying them all would load the config once per
     * value (a fuzzer's 20,000-value axis took seconds), so only the first few are tried. */
    size_t tried = axis->n_values < NP_SWEEP_AXIS_VALUES_CHECKED ? axis->n_values : NP_SWEEP_AXIS_VALUES_CHECKED;
    for (size_t v = 0; v < tried && !any; v++) {
      char *kv = np_xasprintf("%s=%s", axis->key, axis->values[v]);
      sets[s->n_sets] = kv;
      any = loads_on_any_config(s, sets, arch, &first);
      free(kv);
    }
    if (!any) {
      struct fy_node *key_node = NULL;
      void *iter = NULL;
      struct fy_node_pair *pair;
      while ((pair = fy_node_mapping_iterate(axes_node, &iter)) != NULL && key_node == NULL) {
        const char *k = scalar(fy_node_pair_key(pair));
        if (k && strcmp(k, axis->key) == 0) key_node = fy_node_pair_key(pair);
      }
      const char *why = first.count ? first.messages[0] : "invalid";
      spec_error(p, key_node ? key_node : axes_node, "axis '%s': no value gives a valid config; the first: %.*s",
                 axis->key, (int)strcspn(why, "\n"), why);
    }
    free(arch);
    free(sets);
    np_diag_free(&first);
  }
}

static bool count_points(SpecParser *p, struct fy_node *root) {
  NpSweepSpec *s = p->spec;
  s->dim_sizes = np_xcalloc(s->n_dims + 1, sizeof *s->dim_sizes);
  s->dim_strides = np_xcalloc(s->n_dims + 1, sizeof *s->dim_strides);
  for (size_t i = 0; i < s->n_axes; i++) s->dim_sizes[s->axes[i].dim] = s->axes[i].n_values;
  size_t total = 1;
  for (size_t d = s->n_dims; d-- > 0;) {
    s->dim_strides[d] = total;
    if (s->dim_sizes[d] == 0 || total > NP_SWEEP_MAX_POINTS / s->dim_sizes[d]) total = NP_SWEEP_MAX_POINTS + 1;
    else total *= s->dim_sizes[d];
  }
  size_t outer = s->n_models * s->n_configs; /* each at most a few hundred */
  if (total > NP_SWEEP_MAX_POINTS / outer || total * outer > NP_SWEEP_MAX_POINTS) {
    spec_error(p, root, "the sweep has more than %d points; split it into several specs", NP_SWEEP_MAX_POINTS);
    return false;
  }
  s->n_points = total * outer;
  return true;
}

enum { TOP_CONFIG, TOP_SET, TOP_MODELS, TOP_MODEL, TOP_AXES, TOP_CONFIGS, TOP_COUNT };
static const char *const top_keys[TOP_COUNT] = {"config", "set", "models", "model", "axes", "configs"};

/* Two top-level keys that say the same thing differently. */
static bool exclusive(SpecParser *p, struct fy_node_pair *pair, struct fy_node **found, size_t i, size_t a, size_t b) {
  if ((i == a && found[b]) || (i == b && found[a])) {
    spec_error(p, fy_node_pair_key(pair), "give `%s` or `%s`, not both", top_keys[a], top_keys[b]);
    return false;
  }
  return true;
}

static bool parse_root(SpecParser *p, struct fy_node *root) {
  if (root == NULL || fy_node_get_type(root) != FYNT_MAPPING) {
    spec_error(p, root, "a sweep spec is a mapping with `models` and `axes` (and optionally `config`, `set`)");
    return false;
  }
  struct fy_node *found[TOP_COUNT] = {0};
  void *iter = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(root, &iter)) != NULL) {
    const char *k = scalar(fy_node_pair_key(pair));
    size_t i = 0;
    while (k && i < TOP_COUNT && strcmp(k, top_keys[i]) != 0) i++;
    if (k == NULL || i == TOP_COUNT) {
      spec_error(p, fy_node_pair_key(pair), "unknown key '%s' (a sweep spec has config or configs, set, models, axes)",
                 k ? k : "?");
      continue;
    }
    if (!exclusive(p, pair, found, i, TOP_MODELS, TOP_MODEL) || !exclusive(p, pair, found, i, TOP_CONFIG, TOP_CONFIGS))
      continue;
    found[i] = fy_node_pair_value(pair);
  }
  if (p->errors) return false;
  struct fy_node *models = found[TOP_MODELS] ? found[TOP_MODELS] : found[TOP_MODEL];
  if (models == NULL) spec_error(p, root, "the spec names no model (`models: [path.onnx, ...]`)");
  if (found[TOP_AXES] == NULL) spec_error(p, root, "the spec has no `axes`");
  if (p->errors) return false;
  bool configs = found[TOP_CONFIGS] ? load_base_configs(p, found[TOP_CONFIGS]) : load_base_config(p, found[TOP_CONFIG]);
  if (!configs) return false;
  if (found[TOP_SET] && !parse_sets(p, found[TOP_SET])) return false;
  if (!parse_models(p, models) || !parse_axes(p, found[TOP_AXES])) return false;
  if (p->spec->n_axes == 0) {
    spec_error(p, found[TOP_AXES], "`axes` is empty");
    return false;
  }
  check_config_axes(p, found[TOP_AXES]);
  return p->errors == 0 && count_points(p, root);
}

static void discard_output(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag, (void)user, (void)buf, (void)len;
}

bool np_sweep_spec_parse(const char *text, size_t len, const char *source, const char *dir, NpSweepSpec *out,
                         NpDiag *diag) {
  memset(out, 0, sizeof *out);
  out->source = np_xstrdup(source);
  SpecParser p = {source, text, len, dir, diag, 0, out, 0};
  if (!np_yaml_text_check(text, len, source, NP_ARCH_MAX_FILE_BYTES, "sweep spec", diag)) return false;
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = discard_output;
  struct fy_diag *ydiag = fy_diag_create(&dcfg);
  if (ydiag) fy_diag_set_collect_errors(ydiag, true);
  struct fy_parse_cfg cfg = {.search_path = NULL, .flags = FYPCF_QUIET, .userdata = NULL, .diag = ydiag};
  struct fy_document *doc = ydiag ? fy_document_build_from_string(&cfg, text, len) : NULL;
  bool ok = false;
  if (doc == NULL) {
    void *iter = NULL;
    struct fy_diag_error *e;
    while (ydiag && (e = fy_diag_errors_iterate(ydiag, &iter)) != NULL) {
      if (e->type < FYET_ERROR) continue;
      NpBuf buf = {0};
      np_buf_printf(&buf, "%s:%d:%d: error: YAML syntax: %s", source, e->line, e->column, e->msg ? e->msg : "invalid");
      if (e->line > 0) np_yaml_source_excerpt(&buf, text, len, e->line - 1, e->column > 0 ? e->column - 1 : 0);
      np_diag_add(diag, "%s", np_buf_str(&buf));
      np_buf_free(&buf);
      p.errors++;
    }
    if (p.errors == 0) np_diag_add(diag, "%s: error: YAML syntax: the spec could not be parsed", source);
  } else {
    ok = parse_root(&p, fy_document_root(doc));
    fy_document_destroy(doc);
  }
  if (ydiag) fy_diag_destroy(ydiag);
  if (!ok) {
    np_sweep_spec_free(out);
    out->source = NULL;
  }
  return ok;
}

bool np_sweep_spec_load(const char *path, NpSweepSpec *out, NpDiag *diag) {
  size_t len;
  memset(out, 0, sizeof *out);
  char *text = np_read_file(path, NP_SWEEP_MAX_FILE_BYTES, "sweep spec", &len, diag);
  if (text == NULL) return false;
  const char *slash = strrchr(path, '/');
  char *dir = slash ? np_xstrndup(path, (size_t)(slash - path)) : np_xstrdup("");
  bool ok = np_sweep_spec_parse(text, len, path, dir, out, diag);
  free(dir);
  free(text);
  return ok;
}

static void free_strings(char **strings, size_t n) {
  for (size_t i = 0; i < n; i++) free(strings[i]);
  free(strings);
}

void np_sweep_spec_free(NpSweepSpec *spec) {
  free(spec->source);
  for (size_t i = 0; i < spec->n_configs; i++) {
    free(spec->configs[i].path);
    free(spec->configs[i].text);
    free(spec->configs[i].source);
  }
  free(spec->configs);
  free_strings(spec->sets, spec->n_sets);
  free_strings(spec->models, spec->n_models);
  free_strings(spec->model_labels, spec->n_models);
  for (size_t i = 0; i < spec->n_axes; i++) {
    free(spec->axes[i].key);
    free_strings(spec->axes[i].values, spec->axes[i].n_values);
  }
  free(spec->axes);
  free(spec->dim_sizes);
  free(spec->dim_strides);
  memset(spec, 0, sizeof *spec);
}

size_t np_sweep_point_config(const NpSweepSpec *spec, size_t p) {
  size_t per_model = spec->n_points / spec->n_models, per_config = per_model / spec->n_configs;
  return (p % per_model) / per_config;
}

size_t np_sweep_point(const NpSweepSpec *spec, size_t p, const char **values) {
  size_t per_model = spec->n_points / spec->n_models;
  size_t rest = p % (per_model / spec->n_configs);
  for (size_t i = 0; i < spec->n_axes; i++) {
    const NpSweepAxis *axis = &spec->axes[i];
    size_t d = (size_t)axis->dim;
    values[i] = axis->values[(rest / spec->dim_strides[d]) % spec->dim_sizes[d]];
  }
  return p / per_model;
}
