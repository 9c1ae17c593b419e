/* The schedule's JSON form (schema "npusim.schedule/1", docs/formats.md "Schedule"):
 * written for the RTL harness and the SystemC model, and read back by them. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "util/json.h"
#include "util/mem.h"

static const char *const data_names[] = {"weight", "activation"};
static const char *const kind_names[] = {"LOAD", "STORE", "COMPUTE", "SYNC"};

static json_t *hex64(uint64_t v) {
  char text[24];
  snprintf(text, sizeof text, "0x%016" PRIx64, v);
  return np_json_string(text);
}

static json_t *int_array(const int64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

static json_t *layer_json(const NpSchedule *s, size_t i, const NpGraph *g) {
  const NpLayerPlan *p = &s->layers[i];
  json_t *o = json_object();
  json_object_set_new(o, "index", json_integer((json_int_t)i));
  json_object_set_new(o, "name", np_json_string(p->name ? p->name : ""));
  json_object_set_new(o, "op", json_integer(p->op));
  json_object_set_new(o, "op_class", np_json_string(np_op_class_name(p->op_class)));
  json_object_set_new(o, "engine", json_integer(p->engine));
  json_object_set_new(o, "on_accelerator", json_boolean(p->on_accelerator));
  json_object_set_new(o, "fallback_reason", p->fallback_reason ? np_json_string(p->fallback_reason) : json_null());
  json_object_set_new(o, "placed_by", np_json_string(np_placed_by_name(p->placed_by)));
  json_object_set_new(o, "first_fit_engine", json_integer(p->first_fit_engine));
  json_t *estimates = json_array();
  for (int32_t k = 0; k < p->n_placement_estimates; k++) {
    const NpPlacementEstimate *e = &p->placement_estimates[k];
    json_t *x = json_object();
    json_object_set_new(x, "engine", json_integer(e->engine));
    json_object_set_new(x, "cycles", isfinite(e->cycles) ? np_json_real(e->cycles) : json_null()); /* null: no tile fits */
    json_object_set_new(x, "floor", json_boolean(e->floor));
    json_object_set_new(x, "sync_cycles", np_json_real(e->sync_cycles));
    json_object_set_new(x, "unfused_cycles", np_json_real(e->unfused_cycles));
    json_array_append_new(estimates, x);
  }
  json_object_set_new(o, "placement_estimates", estimates);
  json_t *fused = json_array();
  for (int k = 0; k < p->n_fused; k++) {
    json_t *f = json_object();
    json_object_set_new(f, "op", json_integer(p->fused_ops[k]));
    int op = p->fused_ops[k];
    bool named = g && op >= 0 && (size_t)op < g->n_ops;
    json_object_set_new(f, "name", named ? np_json_string(g->ops[op].name) : json_null());
    json_object_set_new(f, "kind", named ? np_json_string(np_op_kind_name(g->ops[op].kind)) : json_null());
    json_array_append_new(fused, f);
  }
  json_object_set_new(o, "fused", fused);
  const int64_t tile[] = {p->tile_rows, p->tile_cols, p->tile_channels, p->tile_in_channels};
  json_object_set_new(o, "tile", int_array(tile, 4));
  json_object_set_new(o, "n_tiles", json_integer(p->n_tiles));
  json_object_set_new(o, "loop_order", json_integer(p->loop_order));
  json_object_set_new(o, "array_utilization", np_json_real(p->array_utilization));
  json_object_set_new(o, "pad_waste_bytes", json_integer(p->pad_waste_bytes));
  json_object_set_new(o, "weight_bytes", json_integer(p->weight_bytes));
  json_object_set_new(o, "weights_resident", json_boolean(p->weights_resident));
  json_object_set_new(o, "weights_packed", json_boolean(p->weights_packed));
  json_object_set_new(o, "prefetch_bytes", json_integer(p->prefetch_bytes));
  json_object_set_new(o, "dram_read_bytes", json_integer(p->dram_read_bytes));
  json_object_set_new(o, "dram_write_bytes", json_integer(p->dram_write_bytes));
  json_object_set_new(o, "sram_base", json_integer(p->sram_base));
  json_object_set_new(o, "staging_bytes", json_integer(p->staging_bytes));
  json_object_set_new(o, "sram_peak_bytes", json_integer(p->sram_peak_bytes));
  json_object_set_new(o, "first_cmd", json_integer(p->first_cmd));
  json_object_set_new(o, "n_cmds", json_integer(p->n_cmds));
  if (p->cascade_into == (int32_t)i + 1) { /* 0 in a plan made before the field existed */
    json_t *c = json_object();
    json_object_set_new(c, "into", json_integer(p->cascade_into));
    json_object_set_new(c, "band_rows", json_integer(p->cascade_band_rows));
    json_object_set_new(c, "buffer_bytes", json_integer(p->cascade_buffer_bytes));
    json_object_set_new(o, "cascade", c);
  }
  return o;
}

static json_t *command_json(const NpSchedule *s, const NpCommand *c) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(c->id));
  json_object_set_new(o, "kind", np_json_string(np_cmd_kind_name(c->kind)));
  json_object_set_new(o, "layer", json_integer(c->layer));
  json_t *deps = json_array();
  for (int32_t d = 0; d < c->n_deps; d++) json_array_append_new(deps, json_integer(s->deps[c->first_dep + d]));
  json_object_set_new(o, "deps", deps);
  switch (c->kind) {
    case NP_CMD_LOAD:
    case NP_CMD_STORE:
      json_object_set_new(o, "data", np_json_string(data_names[c->data == NP_DATA_ACTIVATION]));
      json_object_set_new(o, "bytes", json_integer(c->bytes));
      json_object_set_new(o, "dram_addr", json_integer(c->dram_addr));
      json_object_set_new(o, "dram_runs", json_integer(c->dram_runs));
      json_object_set_new(o, "sram_offset", json_integer(c->sram_offset));
      json_object_set_new(o, "banks", hex64(c->banks));
      if (c->prefetch) json_object_set_new(o, "prefetch", json_true());
      break;
    case NP_CMD_COMPUTE: {
      json_object_set_new(o, "engine", json_integer(c->engine));
      json_object_set_new(o, "op_class", np_json_string(np_op_class_name(c->op_class)));
      json_object_set_new(o, "dtype", np_json_string(np_dtype_name(c->dtype)));
      const int64_t tile[] = {c->tile_rows, c->tile_cols, c->tile_channels, c->tile_in_channels};
      json_object_set_new(o, "tile", int_array(tile, 4));
      const int64_t gemm[] = {c->gemm.m, c->gemm.n, c->gemm.k, c->gemm.batch};
      json_object_set_new(o, "gemm", int_array(gemm, 4));
      json_object_set_new(o, "macs", json_integer(c->macs));
      json_object_set_new(o, "elements", json_integer(c->elements));
      json_object_set_new(o, "sram_read_bytes", json_integer(c->sram_read_bytes));
      json_object_set_new(o, "sram_write_bytes", json_integer(c->sram_write_bytes));
      json_object_set_new(o, "banks_read", hex64(c->banks_read));
      json_object_set_new(o, "banks_written", hex64(c->banks_written));
      json_object_set_new(o, "dram_read_bytes", json_integer(c->dram_read_bytes));
      json_object_set_new(o, "dram_write_bytes", json_integer(c->dram_write_bytes));
      break;
    }
    case NP_CMD_SYNC:
      json_object_set_new(o, "from_engine", json_integer(c->from_engine));
      json_object_set_new(o, "to_engine", json_integer(c->to_engine));
      break;
  }
  return o;
}

char *np_schedule_to_json(const NpSchedule *s, const NpGraph *graph) {
  json_t *root = json_object();
  json_object_set_new(root, "schema", np_json_string(NP_SCHEDULE_JSON_SCHEMA));
  json_object_set_new(root, "model", graph ? np_json_string(graph->name) : json_null());
  json_t *config = json_object();
  json_object_set_new(config, "name", np_json_string(s->config_name));
  json_object_set_new(config, "hash", hex64(s->config_hash));
  json_t *engines = json_array();
  for (int i = 0; i < s->n_engines; i++) json_array_append_new(engines, np_json_string(s->engine_names[i]));
  json_object_set_new(config, "engines", engines);
  json_object_set_new(root, "config", config);
  json_object_set_new(root, "dtype", np_json_string(np_dtype_name(s->dtype)));
  json_object_set_new(root, "warm", json_boolean(s->warm));
  json_object_set_new(root, "hash", hex64(s->hash));
  json_t *sram = json_object();
  json_object_set_new(sram, "capacity_bytes", json_integer(s->sram_capacity_bytes));
  json_object_set_new(sram, "peak_bytes", json_integer(s->sram_peak_bytes));
  json_object_set_new(sram, "resident_weight_bytes", json_integer(s->resident_weight_bytes));
  json_object_set_new(root, "sram", sram);
  json_t *totals = json_object();
  json_object_set_new(totals, "commands", json_integer((json_int_t)s->n_cmds));
  json_object_set_new(totals, "dram_read_bytes", json_integer(s->dram_read_bytes));
  json_object_set_new(totals, "dram_write_bytes", json_integer(s->dram_write_bytes));
  json_object_set_new(totals, "crossings", json_integer(s->crossings));
  json_object_set_new(totals, "syncs", json_integer(s->syncs));
  json_object_set_new(totals, "prefetch_bytes", json_integer(s->prefetch_bytes));
  json_object_set_new(totals, "fallback_ops", json_integer(s->fallback_ops));
  json_object_set_new(root, "totals", totals);
  json_t *layers = json_array();
  for (size_t i = 0; i < s->n_layers; i++) json_array_append_new(layers, layer_json(s, i, graph));
  json_object_set_new(root, "layers", layers);
  json_t *cmds = json_array();
  for (size_t i = 0; i < s->n_cmds; i++) json_array_append_new(cmds, command_json(s, &s->cmds[i]));
  json_object_set_new(root, "commands", cmds);
  char *text = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(root);
  if (text == NULL) return np_xstrdup("{}");
  /* jansson's buffer comes from its own allocator: hand back one of ours */
  char *copy = np_xasprintf("%s\n", text);
  free(text);
  return copy;
}

/* ---------------------------------------------------------------- reading */

typedef struct Reader {
  const char *source;
  NpDiag *diag;
  bool failed;
} Reader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(Reader *r, const char *path, const char *fmt, ...) {
  if (r->failed) return; /* the first problem is the one to fix */
  va_list args;
  va_start(args, fmt);
  char *message = np_xvasprintf(fmt, args);
  va_end(args);
  np_diag_add(r->diag, "%s: error: %s: %s", r->source, path, message);
  free(message);
  r->failed = true;
}

static json_t *member(Reader *r, json_t *obj, const char *path, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL) fail(r, path, "missing key \"%s\"", key);
  return v;
}

static int64_t get_int(Reader *r, json_t *obj, const char *path, const char *key, int64_t min, int64_t max) {
  json_t *v = member(r, obj, path, key);
  if (v == NULL) return 0;
  if (!json_is_integer(v)) {
    fail(r, path, "\"%s\" must be a whole number", key);
    return 0;
  }
  int64_t x = json_integer_value(v);
  if (x < min || x > max) {
    fail(r, path, "\"%s\" is %" PRId64 ", outside %" PRId64 "..%" PRId64, key, x, min, max);
    return 0;
  }
  return x;
}

static bool get_bool(Reader *r, json_t *obj, const char *path, const char *key) {
  json_t *v = member(r, obj, path, key);
  if (v && !json_is_boolean(v)) fail(r, path, "\"%s\" must be true or false", key);
  return v && json_is_true(v);
}

/* A member added after version 1 was written: absent reads as false (or 0). */
static bool get_optional_bool(Reader *r, json_t *obj, const char *path, const char *key) {
  return json_object_get(obj, key) ? get_bool(r, obj, path, key) : false;
}

static int64_t get_optional_int(Reader *r, json_t *obj, const char *path, const char *key, int64_t min, int64_t max) {
  return json_object_get(obj, key) ? get_int(r, obj, path, key, min, max) : 0;
}

static const char *get_string(Reader *r, json_t *obj, const char *path, const char *key) {
  json_t *v = member(r, obj, path, key);
  if (v && !json_is_string(v)) {
    fail(r, path, "\"%s\" must be a string", key);
    return NULL;
  }
  return v ? json_string_value(v) : NULL;
}

static uint64_t get_hex(Reader *r, json_t *obj, const char *path, const char *key) {
  const char *text = get_string(r, obj, path, key);
  if (text == NULL) return 0;
  char *end = NULL;
  unsigned long long v = strtoull(text, &end, 16);
  if (strncmp(text, "0x", 2) != 0 || end == text + 2 || *end != '\0') {
    fail(r, path, "\"%s\" must be a hex string such as \"0x00000000000000ff\"", key);
    return 0;
  }
  return (uint64_t)v;
}

static int name_index(const char *text, const char *const *names, int n) {
  for (int i = 0; text && i < n; i++)
    if (strcmp(text, names[i]) == 0) return i;
  return -1;
}

static int op_class_from_name(const char *text) {
  for (int c = 0; text && c < NP_ARCH_OP_CLASSES; c++)
    if (strcmp(text, np_op_class_name((NpOpClass)c)) == 0) return c;
  return -1;
}

static void get_quad(Reader *r, json_t *obj, const char *path, const char *key, int64_t out[4]) {
  json_t *v = member(r, obj, path, key);
  if (v == NULL) return;
  if (!json_is_array(v) || json_array_size(v) != 4) {
    fail(r, path, "\"%s\" must be an array of 4 whole numbers", key);
    return;
  }
  for (size_t i = 0; i < 4; i++) {
    json_t *x = json_array_get(v, i);
    if (!json_is_integer(x) || json_integer_value(x) < 0) {
      fail(r, path, "\"%s\" must be an array of 4 whole numbers", key);
      return;
    }
    out[i] = json_integer_value(x);
  }
}

#define BIG INT64_C(0x3fffffffffffffff)

static double get_real(Reader *r, json_t *obj, const char *path, const char *key) {
  json_t *v = member(r, obj, path, key);
  if (v && !json_is_number(v)) fail(r, path, "\"%s\" must be a number", key);
  return v && json_is_number(v) ? json_number_value(v) : 0;
}

/* Element k of the array `list` (obj's member `key`) as an object, its path in epath; NULL,
 * and the reader failed, when it is not one. */
static json_t *object_at(Reader *r, json_t *list, size_t k, const char *path, const char *key, char *epath,
                         size_t size) {
  snprintf(epath, size, "%s.%s[%zu]", path, key, k);
  json_t *x = json_array_get(list, k);
  if (!json_is_object(x)) {
    fail(r, epath, "must be an object");
    return NULL;
  }
  return x;
}

/* placed_by, first_fit_engine, placement_estimates: added within version 1; absent, the layer
 * reads as placed on its only engine (or as a fallback) with no estimates. */
static void read_placement(Reader *r, json_t *o, const char *path, NpLayerPlan *p) {
  p->placed_by = p->on_accelerator ? NP_PLACED_ONLY : NP_PLACED_FALLBACK;
  p->first_fit_engine = p->engine;
  if (json_object_get(o, "placed_by")) {
    const char *by = get_string(r, o, path, "placed_by");
    int k = 0;
    while (k < NP_PLACED_BY_COUNT && !(by && strcmp(by, np_placed_by_name((NpPlacedBy)k)) == 0)) k++;
    if (k == NP_PLACED_BY_COUNT) fail(r, path, "\"placed_by\" must be only, estimate, first_fit or fallback");
    else p->placed_by = (NpPlacedBy)k;
  }
  if (json_object_get(o, "first_fit_engine"))
    p->first_fit_engine = (int32_t)get_int(r, o, path, "first_fit_engine", 0, NP_ARCH_MAX_ENGINES - 1);
  json_t *list = json_object_get(o, "placement_estimates");
  if (list == NULL) return;
  if (!json_is_array(list) || json_array_size(list) > NP_ARCH_MAX_ENGINES) {
    fail(r, path, "\"placement_estimates\" must be an array of at most %d objects", NP_ARCH_MAX_ENGINES);
    return;
  }
  size_t n = json_array_size(list);
  p->placement_estimates = n ? np_xmalloc(n * sizeof *p->placement_estimates) : NULL;
  for (size_t k = 0; k < n && !r->failed; k++) {
    char epath[96];
    json_t *x = object_at(r, list, k, path, "placement_estimates", epath, sizeof epath);
    if (x == NULL) break;
    NpPlacementEstimate *e = &p->placement_estimates[p->n_placement_estimates++];
    e->engine = (int32_t)get_int(r, x, epath, "engine", 0, NP_ARCH_MAX_ENGINES - 1);
    json_t *cycles = member(r, x, epath, "cycles");
    e->cycles = cycles && json_is_null(cycles) ? INFINITY : get_real(r, x, epath, "cycles");
    e->floor = get_optional_bool(r, x, epath, "floor");
    e->sync_cycles = get_real(r, x, epath, "sync_cycles");
    e->unfused_cycles = json_object_get(x, "unfused_cycles") ? get_real(r, x, epath, "unfused_cycles") : 0;
  }
}

static void read_layer(Reader *r, json_t *o, size_t i, NpLayerPlan *p) {
  char path[48];
  snprintf(path, sizeof path, "layers[%zu]", i);
  if (!json_is_object(o)) {
    fail(r, path, "must be an object");
    return;
  }
  const char *name = get_string(r, o, path, "name");
  p->name = np_xstrdup(name ? name : "");
  p->op = (int32_t)get_int(r, o, path, "op", 0, INT32_MAX);
  int cls = op_class_from_name(get_string(r, o, path, "op_class"));
  if (cls < 0 && !r->failed) fail(r, path, "unknown \"op_class\"");
  p->op_class = cls < 0 ? NP_CLASS_OTHER : (NpOpClass)cls;
  p->engine = (int32_t)get_int(r, o, path, "engine", 0, NP_ARCH_MAX_ENGINES - 1);
  p->on_accelerator = get_bool(r, o, path, "on_accelerator");
  json_t *reason = member(r, o, path, "fallback_reason");
  if (reason && json_is_string(reason))
    p->fallback_reason = np_xstrdup(json_string_value(reason));
  else if (reason && !json_is_null(reason))
    fail(r, path, "\"fallback_reason\" must be a string or null");
  read_placement(r, o, path, p);
  json_t *fused = member(r, o, path, "fused");
  if (fused && !json_is_array(fused)) fail(r, path, "\"fused\" must be an array");
  size_t n_fused = fused && json_is_array(fused) ? json_array_size(fused) : 0;
  p->fused_ops = np_xmalloc((n_fused + 1) * sizeof *p->fused_ops);
  for (size_t k = 0; k < n_fused && !r->failed; k++) {
    char fpath[96];
    json_t *f = object_at(r, fused, k, path, "fused", fpath, sizeof fpath);
    if (f == NULL) break;
    p->fused_ops[p->n_fused++] = (int32_t)get_int(r, f, fpath, "op", 0, INT32_MAX);
  }
  int64_t tile[4] = {0, 0, 0, 0};
  get_quad(r, o, path, "tile", tile);
  p->tile_rows = tile[0], p->tile_cols = tile[1], p->tile_channels = tile[2], p->tile_in_channels = tile[3];
  p->n_tiles = get_int(r, o, path, "n_tiles", 0, BIG);
  p->loop_order = (int32_t)get_int(r, o, path, "loop_order", 0, 1);
  json_t *u = member(r, o, path, "array_utilization");
  if (u && !json_is_number(u)) fail(r, path, "\"array_utilization\" must be a number");
  p->array_utilization = u ? json_number_value(u) : 0;
  p->pad_waste_bytes = get_int(r, o, path, "pad_waste_bytes", 0, BIG);
  p->weight_bytes = get_int(r, o, path, "weight_bytes", 0, BIG);
  p->weights_resident = get_bool(r, o, path, "weights_resident");
  p->weights_packed = get_optional_bool(r, o, path, "weights_packed");
  p->prefetch_bytes = get_optional_int(r, o, path, "prefetch_bytes", 0, BIG);
  p->dram_read_bytes = get_int(r, o, path, "dram_read_bytes", 0, BIG);
  p->dram_write_bytes = get_int(r, o, path, "dram_write_bytes", 0, BIG);
  p->sram_base = get_int(r, o, path, "sram_base", 0, BIG);
  p->staging_bytes = get_int(r, o, path, "staging_bytes", 0, BIG);
  p->sram_peak_bytes = get_int(r, o, path, "sram_peak_bytes", 0, BIG);
  p->first_cmd = (int32_t)get_int(r, o, path, "first_cmd", 0, INT32_MAX);
  p->n_cmds = (int32_t)get_int(r, o, path, "n_cmds", 0, INT32_MAX);
  p->cascade_into = -1;
  json_t *c = json_object_get(o, "cascade");
  if (c && !json_is_object(c)) fail(r, path, "\"cascade\" must be an object");
  if (c && json_is_object(c)) {
    char cpath[96];
    snprintf(cpath, sizeof cpath, "%s.cascade", path);
    p->cascade_into = (int32_t)get_int(r, c, cpath, "into", (int64_t)i + 1, (int64_t)i + 1);
    p->cascade_band_rows = get_int(r, c, cpath, "band_rows", 1, BIG);
    p->cascade_buffer_bytes = get_int(r, c, cpath, "buffer_bytes", 0, BIG);
  }
}

static void read_command(Reader *r, json_t *o, size_t i, NpSchedule *s, size_t *deps_cap) {
  char path[48];
  snprintf(path, sizeof path, "commands[%zu]", i);
  NpCommand *c = &s->cmds[i];
  memset(c, 0, sizeof *c);
  c->engine = c->from_engine = c->to_engine = -1;
  c->dram_addr = c->sram_offset = -1;
  if (!json_is_object(o)) {
    fail(r, path, "must be an object");
    return;
  }
  c->id = (int32_t)get_int(r, o, path, "id", 0, INT32_MAX);
  if (!r->failed && (size_t)c->id != i) fail(r, path, "\"id\" is %d; ids must count up from 0", c->id);
  int kind = name_index(get_string(r, o, path, "kind"), kind_names, 4);
  if (kind < 0 && !r->failed) fail(r, path, "\"kind\" must be LOAD, STORE, COMPUTE or SYNC");
  c->kind = kind < 0 ? NP_CMD_LOAD : (NpCmdKind)kind;
  c->layer = (int32_t)get_int(r, o, path, "layer", 0, (int64_t)s->n_layers - 1);
  json_t *deps = member(r, o, path, "deps");
  if (deps && !json_is_array(deps)) fail(r, path, "\"deps\" must be an array of command ids");
  c->first_dep = (int32_t)s->n_deps;
  size_t n = deps && json_is_array(deps) ? json_array_size(deps) : 0;
  for (size_t d = 0; d < n && !r->failed; d++) {
    json_t *x = json_array_get(deps, d);
    if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) >= (json_int_t)i) {
      fail(r, path, "\"deps\"[%zu] must be the id of an earlier command", d);
      break;
    }
    np_grow((void **)&s->deps, deps_cap, s->n_deps + 1, sizeof *s->deps);
    s->deps[s->n_deps++] = (int32_t)json_integer_value(x);
    c->n_deps++;
  }
  switch (c->kind) {
    case NP_CMD_LOAD:
    case NP_CMD_STORE: {
      int data = name_index(get_string(r, o, path, "data"), data_names, 2);
      if (data < 0 && !r->failed) fail(r, path, "\"data\" must be weight or activation");
      c->data = data == 1 ? NP_DATA_ACTIVATION : NP_DATA_WEIGHT;
      c->bytes = get_int(r, o, path, "bytes", 0, BIG);
      c->dram_addr = get_int(r, o, path, "dram_addr", -1, BIG);
      c->dram_runs = get_int(r, o, path, "dram_runs", 0, BIG);
      c->sram_offset = get_int(r, o, path, "sram_offset", -1, BIG);
      c->banks = get_hex(r, o, path, "banks");
      c->prefetch = get_optional_bool(r, o, path, "prefetch");
      if (c->prefetch && (c->kind != NP_CMD_LOAD || c->data != NP_DATA_WEIGHT))
        fail(r, path, "\"prefetch\" is only for a weight LOAD");
      break;
    }
    case NP_CMD_COMPUTE: {
      c->engine = (int32_t)get_int(r, o, path, "engine", 0, s->n_engines > 0 ? s->n_engines - 1 : 0);
      int cls = op_class_from_name(get_string(r, o, path, "op_class"));
      if (cls < 0 && !r->failed) fail(r, path, "unknown \"op_class\"");
      c->op_class = cls < 0 ? NP_CLASS_OTHER : (NpOpClass)cls;
      const char *dtype = get_string(r, o, path, "dtype");
      c->dtype = dtype ? np_dtype_from_name(dtype) : NP_DTYPE_UNKNOWN;
      if (c->dtype == NP_DTYPE_UNKNOWN && !r->failed) fail(r, path, "unknown \"dtype\"");
      int64_t tile[4] = {0, 0, 0, 0}, gemm[4] = {0, 0, 0, 0};
      get_quad(r, o, path, "tile", tile);
      get_quad(r, o, path, "gemm", gemm);
      c->tile_rows = tile[0], c->tile_cols = tile[1], c->tile_channels = tile[2], c->tile_in_channels = tile[3];
      c->gemm = (NpGemmShape){gemm[0], gemm[1], gemm[2], gemm[3]};
      c->macs = get_int(r, o, path, "macs", 0, BIG);
      c->elements = get_int(r, o, path, "elements", 0, BIG);
      c->sram_read_bytes = get_int(r, o, path, "sram_read_bytes", 0, BIG);
      c->sram_write_bytes = get_int(r, o, path, "sram_write_bytes", 0, BIG);
      c->banks_read = get_hex(r, o, path, "banks_read");
      c->banks_written = get_hex(r, o, path, "banks_written");
      c->dram_read_bytes = get_int(r, o, path, "dram_read_bytes", 0, BIG);
      c->dram_write_bytes = get_int(r, o, path, "dram_write_bytes", 0, BIG);
      break;
    }
    case NP_CMD_SYNC:
      c->from_engine = (int32_t)get_int(r, o, path, "from_engine", 0, s->n_engines > 0 ? s->n_engines - 1 : 0);
      c->to_engine = (int32_t)get_int(r, o, path, "to_engine", 0, s->n_engines > 0 ? s->n_engines - 1 : 0);
      break;
  }
}

static void read_header(Reader *r, json_t *root, NpSchedule *s) {
  const char *schema = get_string(r, root, "schedule", "schema");
  if (schema && strcmp(schema, NP_SCHEDULE_JSON_SCHEMA) != 0)
    fail(r, "schema", "\"%s\" is not \"%s\"", schema, NP_SCHEDULE_JSON_SCHEMA);
  json_t *config = member(r, root, "schedule", "config");
  if (config && json_is_object(config)) {
    const char *name = get_string(r, config, "config", "name");
    snprintf(s->config_name, sizeof s->config_name, "%s", name ? name : "");
    s->config_hash = get_hex(r, config, "config", "hash");
    json_t *engines = member(r, config, "config", "engines");
    if (engines && (!json_is_array(engines) || json_array_size(engines) > NP_ARCH_MAX_ENGINES))
      fail(r, "config.engines", "must be an array of at most %d engine names", NP_ARCH_MAX_ENGINES);
    for (size_t i = 0; !r->failed && engines && i < json_array_size(engines); i++) {
      json_t *e = json_array_get(engines, i);
      if (!json_is_string(e)) {
        fail(r, "config.engines", "must hold engine names");
        break;
      }
      snprintf(s->engine_names[i], NP_ARCH_NAME_MAX, "%s", json_string_value(e));
      s->n_engines = (int)i + 1;
    }
  } else if (config) {
    fail(r, "config", "must be an object");
  }
  const char *dtype = get_string(r, root, "schedule", "dtype");
  s->dtype = dtype ? np_dtype_from_name(dtype) : NP_DTYPE_UNKNOWN;
  if (s->dtype == NP_DTYPE_UNKNOWN && !r->failed) fail(r, "dtype", "unknown data type");
  s->warm = get_bool(r, root, "schedule", "warm");
  s->hash = get_hex(r, root, "schedule", "hash");
  json_t *sram = member(r, root, "schedule", "sram");
  if (sram && json_is_object(sram)) {
    s->sram_capacity_bytes = get_int(r, sram, "sram", "capacity_bytes", 0, BIG);
    s->sram_peak_bytes = get_int(r, sram, "sram", "peak_bytes", 0, BIG);
    s->resident_weight_bytes = get_int(r, sram, "sram", "resident_weight_bytes", 0, BIG);
  } else if (sram) {
    fail(r, "sram", "must be an object");
  }
  json_t *totals = member(r, root, "schedule", "totals");
  if (totals && json_is_object(totals)) {
    s->dram_read_bytes = get_int(r, totals, "totals", "dram_read_bytes", 0, BIG);
    s->dram_write_bytes = get_int(r, totals, "totals", "dram_write_bytes", 0, BIG);
    s->crossings = get_int(r, totals, "totals", "crossings", 0, BIG);
    s->syncs = get_int(r, totals, "totals", "syncs", 0, BIG);
    s->prefetch_bytes = get_optional_int(r, totals, "totals", "prefetch_bytes", 0, BIG);
    s->fallback_ops = get_int(r, totals, "totals", "fallback_ops", 0, BIG);
  } else if (totals) {
    fail(r, "totals", "must be an object");
  }
}

bool np_schedule_from_json(const char *text, size_t len, const char *source, NpSchedule *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  Reader r = {source ? source : "<schedule>", diag, false};
  json_error_t error;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
  if (root == NULL) {
    np_diag_add(diag, "%s:%d:%d: error: not valid JSON: %s", r.source, error.line, error.column, error.text);
    return false;
  }
  if (!json_is_object(root)) {
    fail(&r, "schedule", "the document must be a JSON object");
  } else {
    read_header(&r, root, out);
    json_t *layers = member(&r, root, "schedule", "layers");
    json_t *cmds = member(&r, root, "schedule", "commands");
    if (!r.failed && !json_is_array(layers)) fail(&r, "layers", "must be an array");
    if (!r.failed && !json_is_array(cmds)) fail(&r, "commands", "must be an array");
    if (!r.failed) {
      out->n_layers = json_array_size(layers);
      out->layers = np_xcalloc(out->n_layers + 1, sizeof *out->layers);
      for (size_t i = 0; i < out->n_layers && !r.failed; i++) read_layer(&r, json_array_get(layers, i), i, &out->layers[i]);
    }
    if (!r.failed) {
      size_t n = json_array_size(cmds), deps_cap = 0;
      out->cmds = np_xcalloc(n + 1, sizeof *out->cmds);
      for (size_t i = 0; i < n && !r.failed; i++) {
        read_command(&r, json_array_get(cmds, i), i, out, &deps_cap);
        out->n_cmds = i + 1;
      }
    }
    if (!r.failed) {
      for (size_t i = 0; i < out->n_layers && !r.failed; i++) {
        const NpLayerPlan *p = &out->layers[i];
        if (p->engine >= out->n_engines) fail(&r, "layers", "layer %zu names engine %d of %d", i, p->engine, out->n_engines);
        if ((size_t)p->first_cmd + (size_t)p->n_cmds > out->n_cmds)
          fail(&r, "layers", "layer %zu claims commands beyond the stream", i);
      }
    }
    if (!r.failed && !np_schedule_check(out, out->n_engines, r.source, diag)) r.failed = true;
  }
  json_decref(root);
  if (r.failed) {
    np_schedule_free(out);
    return false;
  }
  return true;
}
