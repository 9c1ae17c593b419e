/* The config schema: every key, its type, unit, default and range, and the checks across
 * keys. Walks the parsed document once, reports every problem, and fills an NpArch.
 * docs/config.md is the user-facing description of the same rules. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/arch_internal.h"
#include "util/closest.h"
#include "util/buf.h"
#include "util/mem.h"

#define TEXT_MAX 1024 /* longest scalar we look at */

/* A mapping being read: its node, where to point for errors about the whole section, and
 * its dotted path as --set writes it. */
typedef struct Section {
  NpArchLoader *L;
  struct fy_node *map;   /* NULL when absent */
  struct fy_node *where; /* the key naming it, or the mapping itself */
  char path[192];
} Section;

static const char *const class_names[NP_ARCH_OP_CLASSES] = {
    [NP_CLASS_MATRIX] = "matrix",         [NP_CLASS_POOL] = "pool",
    [NP_CLASS_ELEMENTWISE] = "elementwise", [NP_CLASS_TRANSCENDENTAL] = "transcendental",
    [NP_CLASS_DATA_MOVEMENT] = "data_movement", [NP_CLASS_REDUCTION] = "reduction",
    [NP_CLASS_NONE] = "free",             [NP_CLASS_OTHER] = "other",
};

const char *np_engine_kind_name(NpEngineKind kind) {
  const NpEngineKindOps *ops = np_engine_kind_ops(kind);
  return ops ? ops->name : "unknown";
}
const char *np_dataflow_name(NpDataflow dataflow) {
  const NpDataflowOps *ops = np_dataflow_ops(dataflow);
  return ops ? ops->name : "unknown";
}
const char *np_depthwise_name(NpDepthwise depthwise) {
  const NpDepthwiseOps *ops = np_depthwise_ops(depthwise);
  return ops ? ops->name : "unknown";
}

static const char *const placement_choice_names[NP_PLACEMENT_CHOICE_COUNT] = {
    [NP_PLACEMENT_LEAST_TIME] = "least_time", [NP_PLACEMENT_FIRST_FIT] = "first_fit"};

const char *np_placement_choice_name(NpPlacementChoice choice) {
  return choice >= 0 && choice < NP_PLACEMENT_CHOICE_COUNT ? placement_choice_names[choice] : "unknown";
}

/* The kinds' names in table order, NULL-terminated. */
static void engine_kind_names(const char *names[NP_ENGINE_KIND_COUNT + 1]) {
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) names[k] = np_engine_kind_ops((NpEngineKind)k)->name;
  names[NP_ENGINE_KIND_COUNT] = NULL;
}
const char *np_op_class_name(NpOpClass cls) {
  return cls >= 0 && cls < NP_ARCH_OP_CLASSES ? class_names[cls] : "unknown";
}

/* ---- small helpers ---- */

static void join_path(char *out, size_t size, const char *parent, const char *key) {
  snprintf(out, size, "%s%s%s", parent, parent[0] ? "." : "", key);
}

static const char *node_kind_text(struct fy_node *node) {
  switch (fy_node_get_type(node)) {
  case FYNT_MAPPING:
    return "a mapping";
  case FYNT_SEQUENCE:
    return "a list";
  default:
    return "a value";
  }
}

static bool is_null_scalar(struct fy_node *node) {
  if (node == NULL) return true;
  if (fy_node_get_type(node) != FYNT_SCALAR || fy_node_get_style(node) != FYNS_PLAIN) return false;
  const char *s = fy_node_get_scalar0(node);
  return s == NULL || s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
         strcmp(s, "NULL") == 0;
}

/* Offset of the first byte a terminal would act on (a C0 control but tab and line break, DEL),
 * or len: values reach terminals in reports and messages. */
static size_t first_control_char(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return i;
  }
  return len;
}

/* Copies a scalar's text into buf. Reports and returns NULL for a missing value, an alias,
 * a collection, or text too long for `max` bytes (with the NUL). */
static const char *scalar_text(NpArchLoader *L, struct fy_node *value, struct fy_node *key, const char *path,
                               const char *expected, char *buf, size_t max) {
  if (value == NULL || is_null_scalar(value)) {
    np_arch_error(L, value, key, "%s: missing value (expected %s)", path, expected);
    return NULL;
  }
  if (fy_node_get_type(value) != FYNT_SCALAR) {
    np_arch_error(L, value, key, "%s: expected %s, got %s", path, expected, node_kind_text(value));
    return NULL;
  }
  if (fy_node_get_style(value) == FYNS_ALIAS) {
    np_arch_error(L, value, key, "%s: aliases (*name) are not supported in configs; write the value", path);
    return NULL;
  }
  size_t len;
  const char *s = fy_node_get_scalar(value, &len);
  if (s == NULL) s = "", len = 0;
  if (len >= max) {
    np_arch_error(L, value, key, "%s: value too long (at most %zu characters)", path, max - 1);
    return NULL;
  }
  if (memchr(s, '\0', len) != NULL) {
    np_arch_error(L, value, key, "%s: the value contains a NUL character", path);
    return NULL;
  }
  size_t control = first_control_char(s, len);
  if (control < len) {
    np_arch_error(L, value, key, "%s: the value contains a control character (byte 0x%02x at offset %zu)", path,
                  (unsigned char)s[control], control);
    return NULL;
  }
  memcpy(buf, s, len);
  buf[len] = '\0';
  return buf;
}

static bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

/* ---- sections ---- */

/* Opens `value` (found under `key`) as a section; checks it is a mapping whose keys are all
 * in known[] (NULL-terminated; NULL: any key, checked by the caller). */
static bool open_section(NpArchLoader *L, Section *s, struct fy_node *key, struct fy_node *value, const char *path,
                         const char *const *known) {
  memset(s, 0, sizeof *s);
  s->L = L;
  s->where = key ? key : value;
  snprintf(s->path, sizeof s->path, "%s", path);
  if (value == NULL || is_null_scalar(value)) {
    np_arch_error(L, value, key, "%s: missing value (expected a mapping of keys)", path[0] ? path : "config");
    return false;
  }
  if (fy_node_get_type(value) != FYNT_MAPPING) {
    np_arch_error(L, value, key, "%s: expected a mapping of keys, got %s", path[0] ? path : "the config",
                  node_kind_text(value));
    return false;
  }
  s->map = value;
  void *iter = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(value, &iter)) != NULL) {
    struct fy_node *k = fy_node_pair_key(pair);
    if (k == NULL || fy_node_get_type(k) != FYNT_SCALAR || fy_node_get_style(k) == FYNS_ALIAS) {
      np_arch_error(L, k, key, "%s: keys must be plain words", path[0] ? path : "config");
      continue;
    }
    if (known == NULL) continue;
    const char *name = fy_node_get_scalar0(k);
    if (name == NULL) name = "";
    size_t n_known = 0;
    bool found = false;
    for (; known[n_known]; n_known++)
      if (strcmp(known[n_known], name) == 0) found = true;
    if (found) continue;
    const char *near = np_closest_name(name, known, n_known);
    char prefix[224] = "";
    if (path[0]) snprintf(prefix, sizeof prefix, "%s: ", path);
    if (near) {
      np_arch_error(L, k, NULL, "%sunknown key '%s'; did you mean '%s'?", prefix, name, near);
    } else {
      NpBuf list = {0};
      for (size_t i = 0; i < n_known; i++) np_buf_printf(&list, "%s%s", i ? ", " : "", known[i]);
      np_arch_error(L, k, NULL, "%sunknown key '%s' (known keys: %s)", prefix, name, np_buf_str(&list));
      np_buf_free(&list);
    }
  }
  return true;
}

/* The value of `key` in the section (NULL when absent); *key_node gets the key. */
static struct fy_node *lookup(const Section *s, const char *key, struct fy_node **key_node) {
  if (key_node) *key_node = NULL;
  if (s->map == NULL) return NULL;
  struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(s->map, key, (size_t)-1);
  if (pair == NULL) return NULL;
  if (key_node) *key_node = fy_node_pair_key(pair);
  struct fy_node *value = fy_node_pair_value(pair);
  /* A key with no value at all: return the key so the caller reports "missing value". */
  return value;
}

static bool has_key(const Section *s, const char *key) {
  return s->map && fy_node_mapping_lookup_pair_by_string(s->map, key, (size_t)-1) != NULL;
}

static void missing_key(const Section *s, const char *key, const char *hint) {
  np_arch_error(s->L, s->where, NULL, "%s%smissing required key '%s'%s", s->path, s->path[0] ? ": " : "", key,
                hint ? hint : "");
}

/* Fetches the scalar text of key; false when absent (reported if required) or bad. */
static bool get_text(const Section *s, const char *key, bool required, const char *expected, char *buf, size_t max,
                     struct fy_node **value_out, char *path_out, size_t path_size) {
  struct fy_node *key_node;
  struct fy_node *value = lookup(s, key, &key_node);
  join_path(path_out, path_size, s->path, key);
  if (value_out) *value_out = value;
  if (key_node == NULL) {
    if (required) missing_key(s, key, NULL);
    return false;
  }
  return scalar_text(s->L, value, key_node, path_out, expected, buf, max) != NULL;
}

static bool get_int(const Section *s, const char *key, bool required, int64_t min, int64_t max, int64_t *out) {
  char text[TEXT_MAX], path[256], err[256];
  struct fy_node *value;
  if (!get_text(s, key, required, "a whole number", text, sizeof text, &value, path, sizeof path)) return false;
  int64_t v;
  if (!np_parse_int(text, &v, err, sizeof err)) {
    np_arch_error(s->L, value, NULL, "%s: %s", path, err);
    return false;
  }
  if (v < min || v > max) {
    np_arch_error(s->L, value, NULL, "%s: must be %s %lld, got %s", path, v < min ? "at least" : "at most",
                  (long long)(v < min ? min : max), text);
    return false;
  }
  *out = v;
  return true;
}

static bool get_size(const Section *s, const char *key, bool required, int64_t min, int64_t max, bool power_of_two,
                     int64_t *out) {
  char text[TEXT_MAX], path[256], err[320], bound[32];
  struct fy_node *value;
  if (!get_text(s, key, required, "a size in bytes", text, sizeof text, &value, path, sizeof path)) return false;
  int64_t v;
  if (!np_parse_size(text, &v, err, sizeof err)) {
    np_arch_error(s->L, value, NULL, "%s: %s", path, err);
    return false;
  }
  if (v < min || v > max) {
    np_format_size(v < min ? min : max, bound, sizeof bound);
    np_arch_error(s->L, value, NULL, "%s: must be %s %s bytes, got %s", path, v < min ? "at least" : "at most", bound,
                  text);
    return false;
  }
  if (power_of_two && !is_power_of_two(v)) {
    np_arch_error(s->L, value, NULL, "%s: must be a power of two, got %s", path, text);
    return false;
  }
  *out = v;
  return true;
}

typedef bool (*RealParser)(const char *text, double *value, char *err, size_t err_size);

/* A real number in [min, max], or (min, max] when min_exclusive. */
static bool get_real_with(const Section *s, const char *key, bool required, RealParser parse, const char *expected,
                          double min, bool min_exclusive, double max, double *out) {
  char text[TEXT_MAX], path[256], err[320], bound[40];
  struct fy_node *value;
  if (!get_text(s, key, required, expected, text, sizeof text, &value, path, sizeof path)) return false;
  double v;
  if (!parse(text, &v, err, sizeof err)) {
    np_arch_error(s->L, value, NULL, "%s: %s", path, err);
    return false;
  }
  if (min_exclusive ? !(v > min) : !(v >= min)) {
    np_arch_format_real(min, bound, sizeof bound);
    np_arch_error(s->L, value, NULL, "%s: must be %s %s, got %s", path, min_exclusive ? "greater than" : "at least",
                  bound, text);
    return false;
  }
  if (v > max) {
    np_arch_format_real(max, bound, sizeof bound);
    np_arch_error(s->L, value, NULL, "%s: must be at most %s, got %s", path, bound, text);
    return false;
  }
  *out = v;
  return true;
}

static bool get_real(const Section *s, const char *key, bool required, double min, bool min_exclusive, double max,
                     double *out) {
  return get_real_with(s, key, required, np_parse_real, "a number", min, min_exclusive, max, out);
}

static bool get_bool(const Section *s, const char *key, bool *out) {
  char text[TEXT_MAX], path[256];
  struct fy_node *value;
  if (!get_text(s, key, false, "true or false", text, sizeof text, &value, path, sizeof path)) return false;
  if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0)
    *out = true;
  else if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0)
    *out = false;
  else {
    np_arch_error(s->L, value, NULL, "%s: expected true or false, got '%s'", path, text);
    return false;
  }
  return true;
}

static bool get_string(const Section *s, const char *key, bool required, char *out, size_t size) {
  char path[256];
  struct fy_node *value;
  char text[TEXT_MAX];
  if (!get_text(s, key, required, "a string", text, size < sizeof text ? size : sizeof text, &value, path,
                sizeof path))
    return false;
  size_t n = strnlen(text, size - 1); /* get_text already bounded it to size */
  memcpy(out, text, n);
  out[n] = '\0';
  return true;
}

/* One of names[0..n); *out gets its index. */
static bool get_enum(const Section *s, const char *key, bool required, const char *const *names, size_t n, int *out) {
  char text[TEXT_MAX], path[256];
  struct fy_node *value;
  NpBuf list = {0};
  for (size_t i = 0; i < n; i++) np_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
  char expected[160];
  snprintf(expected, sizeof expected, "one of %s", np_buf_str(&list));
  bool ok = get_text(s, key, required, expected, text, sizeof text, &value, path, sizeof path);
  if (ok) {
    ok = false;
    for (size_t i = 0; i < n; i++)
      if (strcmp(text, names[i]) == 0) *out = (int)i, ok = true;
    if (!ok) {
      const char *near = np_closest_name(text, names, n);
      if (near)
        np_arch_error(s->L, value, NULL, "%s: unknown value '%s'; did you mean '%s'? (one of %s)", path, text, near,
                      np_buf_str(&list));
      else
        np_arch_error(s->L, value, NULL, "%s: unknown value '%s' (one of %s)", path, text, np_buf_str(&list));
    }
  }
  np_buf_free(&list);
  return ok;
}

/* Opens the optional subsection `key` of s. False when absent or not a mapping. */
static bool open_child(const Section *s, const char *key, bool required, const char *const *known, Section *child) {
  struct fy_node *key_node;
  struct fy_node *value = lookup(s, key, &key_node);
  char path[256];
  join_path(path, sizeof path, s->path, key);
  if (key_node == NULL) {
    memset(child, 0, sizeof *child);
    child->L = s->L;
    if (required) missing_key(s, key, NULL);
    return false;
  }
  return open_section(s->L, child, key_node, value, path, known);
}

/* Iterates the pairs of a section whose keys are names (data types, classes, engines). */
typedef struct NamedPair {
  const char *name;
  struct fy_node *key;
  struct fy_node *value;
} NamedPair;

static bool next_named(const Section *s, void **iter, NamedPair *out) {
  struct fy_node_pair *pair;
  while (s->map && (pair = fy_node_mapping_iterate(s->map, iter)) != NULL) {
    out->key = fy_node_pair_key(pair);
    out->value = fy_node_pair_value(pair);
    if (out->key == NULL || fy_node_get_type(out->key) != FYNT_SCALAR) continue; /* reported by open_section */
    out->name = fy_node_get_scalar0(out->key);
    if (out->name) return true;
  }
  return false;
}

/* Reports an unknown name among candidates with a suggestion. */
static void unknown_name(NpArchLoader *L, struct fy_node *at, const char *path, const char *what, const char *name,
                         const char *const *candidates, size_t n) {
  const char *near = np_closest_name(name, candidates, n);
  NpBuf list = {0};
  for (size_t i = 0; i < n; i++) np_buf_printf(&list, "%s%s", i ? ", " : "", candidates[i]);
  if (near)
    np_arch_error(L, at, NULL, "%s: unknown %s '%s'; did you mean '%s'?", path, what, name, near);
  else
    np_arch_error(L, at, NULL, "%s: unknown %s '%s' (known: %s)", path, what, name, np_buf_str(&list));
  np_buf_free(&list);
}

/* A value under a named key, read as one number through a one-key section. */
static bool named_real(NpArchLoader *L, const Section *s, const NamedPair *p, double min, bool min_exclusive,
                       double max, double *out) {
  char text[TEXT_MAX], path[256], err[256], bound[40];
  join_path(path, sizeof path, s->path, p->name);
  if (scalar_text(L, p->value, p->key, path, "a number", text, sizeof text) == NULL) return false;
  double v;
  if (!np_parse_real(text, &v, err, sizeof err)) {
    np_arch_error(L, p->value, NULL, "%s: %s", path, err);
    return false;
  }
  if ((min_exclusive ? !(v > min) : !(v >= min)) || v > max) {
    bool low = min_exclusive ? !(v > min) : !(v >= min);
    np_arch_format_real(low ? min : max, bound, sizeof bound);
    np_arch_error(L, p->value, NULL, "%s: must be %s %s, got %s", path,
                  low ? (min_exclusive ? "greater than" : "at least") : "at most", bound, text);
    return false;
  }
  *out = v;
  return true;
}

/* ---- data types ---- */

static size_t all_dtype_names(const char **names) {
  size_t n = 0;
  for (int d = NP_DTYPE_UNKNOWN + 1; d < NP_DTYPE_COUNT; d++) names[n++] = np_dtype_name((NpDtype)d);
  return n;
}

static size_t arch_dtype_names(const NpArch *arch, const char **names) {
  for (int i = 0; i < arch->n_data_types; i++) names[i] = np_dtype_name(arch->data_types[i]);
  return (size_t)arch->n_data_types;
}

static void read_data_types(NpArchLoader *L, const Section *root, NpArch *arch) {
  Section s;
  if (!open_child(root, "data_types", true, NULL, &s)) return;
  void *iter = NULL;
  NamedPair p;
  const char *names[NP_DTYPE_COUNT];
  size_t n_names = all_dtype_names(names);
  while (next_named(&s, &iter, &p)) {
    NpDtype d = np_dtype_from_name(p.name);
    char path[256];
    join_path(path, sizeof path, s.path, p.name);
    if (d == NP_DTYPE_UNKNOWN) {
      unknown_name(L, p.key, s.path, "data type", p.name, names, n_names);
      continue;
    }
    char text[TEXT_MAX], err[256];
    if (scalar_text(L, p.value, p.key, path, "a size in bytes", text, sizeof text) == NULL) continue;
    int64_t bytes;
    if (!np_parse_size(text, &bytes, err, sizeof err)) {
      np_arch_error(L, p.value, NULL, "%s: %s", path, err);
      continue;
    }
    if (bytes != np_dtype_bytes(d)) {
      np_arch_error(L, p.value, NULL, "%s: %s is %d byte%s, got %s", path, p.name, np_dtype_bytes(d),
                    np_dtype_bytes(d) == 1 ? "" : "s", text);
      continue;
    }
    arch->data_types[arch->n_data_types++] = d;
    arch->dtype_bytes[d] = (int)bytes;
  }
  if (arch->n_data_types == 0 && L->errors == 0)
    np_arch_error(L, s.where, NULL, "data_types: name at least one data type with its size, e.g. {int8: 1, fp16: 2}");
}

/* Reports `name` when it is not one of the config's data types; else gives its NpDtype. */
static bool known_dtype(NpArchLoader *L, const NpArch *arch, struct fy_node *at, const char *path, const char *name,
                        NpDtype *out) {
  NpDtype d = np_dtype_from_name(name);
  if (d != NP_DTYPE_UNKNOWN && arch->dtype_bytes[d] > 0) {
    *out = d;
    return true;
  }
  const char *names[NP_DTYPE_COUNT];
  size_t n = arch_dtype_names(arch, names);
  NpBuf list = {0};
  for (size_t i = 0; i < n; i++) np_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
  const char *near = np_closest_name(name, names, n);
  if (near)
    np_arch_error(L, at, NULL, "%s: data type '%s' is not in data_types (%s); did you mean '%s'?", path, name,
                  np_buf_str(&list), near);
  else
    np_arch_error(L, at, NULL, "%s: data type '%s' is not in data_types (%s)", path, name, np_buf_str(&list));
  np_buf_free(&list);
  return false;
}

static void read_default_dtype(NpArchLoader *L, const Section *root, NpArch *arch) {
  char text[TEXT_MAX], path[256];
  struct fy_node *value;
  arch->default_dtype = arch->n_data_types > 0 ? arch->data_types[0] : NP_DTYPE_UNKNOWN;
  if (!get_text(root, "default_dtype", false, "a data type name", text, sizeof text, &value, path, sizeof path))
    return;
  NpDtype d;
  if (arch->n_data_types > 0 && known_dtype(L, arch, value, path, text, &d)) arch->default_dtype = d;
}

/* ---- engines ---- */

#define MAX_KIND_KEYS 32
static const char *const engine_common_keys[] = {"dtypes", "throughput", "can_read_sram", "fuse_activations", "rules"};

/* The keys an engine may have: name, kind, every kind's own keys (in table order, each once),
 * then the keys all kinds share. NULL-terminated. */
static void engine_keys(const char *keys[MAX_KIND_KEYS]) {
  int n = 0;
  keys[n++] = "name";
  keys[n++] = "kind";
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) {
    const NpEngineKindOps *ops = np_engine_kind_ops((NpEngineKind)k);
    for (int i = 0; i < ops->n_keys; i++) {
      bool seen = false;
      for (int j = 0; j < n; j++) seen |= strcmp(keys[j], ops->keys[i].name) == 0;
      if (!seen && n < MAX_KIND_KEYS - 6) keys[n++] = ops->keys[i].name;
    }
  }
  for (size_t i = 0; i < sizeof engine_common_keys / sizeof engine_common_keys[0]; i++) keys[n++] = engine_common_keys[i];
  keys[n] = NULL;
}
static const char *const rule_keys[] = {"ops", "max_kernel_h", "max_kernel_w", "max_stride", "max_dilation",
                                        "max_channels", NULL};

static bool valid_engine_name(const char *name) {
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) return false;
  for (const char *c = name; *c; c++)
    if (!(*c == '_' || *c == '-' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
      return false;
  return true;
}

/* Marks the op kinds an entry of rules.ops names: a class, "all", or an ONNX op type. */
static bool resolve_rule_op(const char *name, bool accepts[NP_OP_KIND_COUNT]) {
  if (strcmp(name, "all") == 0) {
    for (int k = 0; k < NP_OP_KIND_COUNT; k++) accepts[k] = true;
    return true;
  }
  for (int c = 0; c < NP_ARCH_OP_CLASSES; c++)
    if (strcmp(name, class_names[c]) == 0) {
      for (int k = 0; k < NP_OP_KIND_COUNT; k++)
        if ((int)np_op_class((NpOpKind)k) == c) accepts[k] = true;
      return true;
    }
  for (int k = 0; k < NP_OP_OPAQUE; k++)
    if (strcmp(name, np_op_kind_name((NpOpKind)k)) == 0) {
      accepts[k] = true;
      return true;
    }
  return false;
}

static void unknown_rule_op(NpArchLoader *L, struct fy_node *at, const char *path, const char *name) {
  const char *candidates[NP_OP_KIND_COUNT + NP_ARCH_OP_CLASSES + 1];
  size_t n = 0;
  for (int k = 0; k < NP_OP_OPAQUE; k++) candidates[n++] = np_op_kind_name((NpOpKind)k);
  for (int c = 0; c < NP_ARCH_OP_CLASSES; c++) candidates[n++] = class_names[c];
  candidates[n++] = "all";
  const char *near = np_closest_name(name, candidates, n);
  if (near)
    np_arch_error(L, at, NULL, "%s: unknown op kind '%s'; did you mean '%s'?", path, name, near);
  else
    np_arch_error(L, at, NULL,
                  "%s: unknown op kind '%s' (write an ONNX op type such as Conv or MaxPool, a class: matrix, pool, "
                  "elementwise, transcendental, data_movement, reduction, free, other, or all)",
                  path, name);
}

static void set_default_rule_ops(NpEngine *e) {
  const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
  const char *const *ops = kind->default_ops;
  int n = kind->n_default_ops;
  e->rules.n_ops = 0;
  memset(e->rules.accepts, 0, sizeof e->rules.accepts);
  for (int i = 0; i < n; i++) {
    snprintf(e->rules.ops[e->rules.n_ops++], NP_ARCH_NAME_MAX, "%s", ops[i]);
    resolve_rule_op(ops[i], e->rules.accepts);
  }
}

/* Reads rules.ops; each entry must resolve and its class must have a throughput here. */
static void read_rule_ops(NpArchLoader *L, const Section *rules, NpEngine *e, const char *engine_path) {
  struct fy_node *key;
  struct fy_node *list = lookup(rules, "ops", &key);
  char path[256];
  join_path(path, sizeof path, rules->path, "ops");
  if (key == NULL) return; /* the defaults stay */
  if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE) {
    np_arch_error(L, list, key, "%s: expected a list of op kinds, e.g. [Conv, Gemm, elementwise], got %s", path,
                  list && !is_null_scalar(list) ? node_kind_text(list) : "nothing");
    return;
  }
  e->rules.n_ops = 0;
  memset(e->rules.accepts, 0, sizeof e->rules.accepts);
  void *iter = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(list, &iter)) != NULL) {
    char text[TEXT_MAX];
    if (scalar_text(L, item, key, path, "an op kind", text, sizeof text) == NULL) continue;
    bool accepts[NP_OP_KIND_COUNT] = {false};
    if (!resolve_rule_op(text, accepts)) {
      unknown_rule_op(L, item, path, text);
      continue;
    }
    if (e->rules.n_ops >= NP_ARCH_MAX_RULE_OPS) {
      np_arch_error(L, item, NULL, "%s: at most %d entries", path, NP_ARCH_MAX_RULE_OPS);
      break;
    }
    for (int k = 0; k < NP_OP_KIND_COUNT; k++) {
      if (!accepts[k]) continue;
      NpOpClass cls = np_op_class((NpOpKind)k);
      if (cls != NP_CLASS_NONE && e->throughput[cls] <= 0) {
        bool is_op_kind = np_op_kind_from_onnx(text) != NP_OP_OPAQUE;
        np_arch_error(L, item, NULL,
                      "%s: '%s' %s %s op%s, but %s has no throughput.%s (a mac_array runs only matrix ops unless "
                      "its throughput names another class)",
                      path, text, is_op_kind ? "is a" : "includes", class_names[cls], is_op_kind ? "" : "s",
                      engine_path, class_names[cls]);
        break;
      }
      e->rules.accepts[k] = true;
    }
    snprintf(e->rules.ops[e->rules.n_ops++], NP_ARCH_NAME_MAX, "%.31s", text);
  }
  if (e->rules.n_ops == 0 && L->errors == 0)
    np_arch_error(L, list, key, "%s: an engine with rules must accept at least one op kind", path);
}

static void read_rules(NpArchLoader *L, const Section *es, NpEngine *e) {
  const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
  e->has_rules = !kind->fallback;
  if (kind->fallback) {
    for (int k = 0; k < NP_OP_KIND_COUNT; k++) e->rules.accepts[k] = true;
    if (has_key(es, "rules")) {
      struct fy_node *key;
      lookup(es, "rules", &key);
      np_arch_error(L, key, NULL, "%s.rules: a %s engine is the fallback and accepts every op; rules apply to the other kinds",
                    es->path, kind->name);
    }
    return;
  }
  set_default_rule_ops(e);
  Section rules;
  if (!open_child(es, "rules", false, rule_keys, &rules)) return;
  read_rule_ops(L, &rules, e, es->path);
  const int64_t limit = INT64_C(1) << 20;
  get_int(&rules, "max_kernel_h", false, 1, limit, &e->rules.max_kernel_h);
  get_int(&rules, "max_kernel_w", false, 1, limit, &e->rules.max_kernel_w);
  get_int(&rules, "max_stride", false, 1, limit, &e->rules.max_stride);
  get_int(&rules, "max_dilation", false, 1, limit, &e->rules.max_dilation);
  get_int(&rules, "max_channels", false, 1, limit, &e->rules.max_channels);
}

static void read_engine_dtypes(NpArchLoader *L, const Section *es, const NpArch *arch, NpEngine *e) {
  Section s;
  if (!open_child(es, "dtypes", false, NULL, &s)) {
    if (s.map == NULL && !has_key(es, "dtypes"))
      for (int i = 0; i < arch->n_data_types; i++) e->dtype_rate[arch->data_types[i]] = 1.0;
    return;
  }
  void *iter = NULL;
  NamedPair p;
  int n = 0;
  while (next_named(&s, &iter, &p)) {
    NpDtype d;
    if (!known_dtype(L, arch, p.key, s.path, p.name, &d)) continue;
    double rate;
    if (named_real(L, &s, &p, 0, true, 1024, &rate)) e->dtype_rate[d] = rate, n++;
  }
  if (n == 0 && L->errors == 0)
    np_arch_error(L, s.where, NULL, "%s: name at least one data type with its rate, e.g. {int8: 1}", s.path);
}

static void read_throughput(NpArchLoader *L, const Section *es, NpEngine *e) {
  const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
  kind->default_throughput(e);
  bool array = kind->array_pes(e) > 0;
  Section s;
  if (!open_child(es, "throughput", false, NULL, &s)) return;
  void *iter = NULL;
  NamedPair p;
  while (next_named(&s, &iter, &p)) {
    int cls = -1;
    for (int c = 0; c < NP_ARCH_OP_CLASSES; c++)
      if (strcmp(p.name, class_names[c]) == 0) cls = c;
    if (cls < 0) {
      unknown_name(L, p.key, s.path, "op class", p.name, class_names, NP_ARCH_OP_CLASSES);
      continue;
    }
    if (cls == NP_CLASS_MATRIX && array) {
      np_arch_error(L, p.key, NULL, "%s.matrix: a %s's matrix throughput is its array; set its shape instead",
                    s.path, kind->name);
      continue;
    }
    double v;
    if (named_real(L, &s, &p, 0, true, 1e9, &v)) {
      e->throughput[cls] = v;
      e->throughput_given[cls] = true;
    }
  }
}

/* The depthwise mode's own keys: each it needs is given, and no other mode's is. */
static void check_depthwise_keys(const Section *es, const NpEngine *e) {
  const NpDepthwiseOps *mode = np_depthwise_ops(e->depthwise);
  for (int m = 0; m < NP_DEPTHWISE_COUNT; m++) {
    const NpDepthwiseOps *other = np_depthwise_ops((NpDepthwise)m);
    for (int i = 0; i < 2 && other->needs[i]; i++) {
      const char *key = other->needs[i];
      bool given = has_key(es, key);
      if (other == mode && !given) {
        struct fy_node *at;
        lookup(es, "depthwise", &at);
        np_arch_error(es->L, at, NULL, "%s.depthwise: %s needs %s", es->path, mode->name, key);
      } else if (other != mode && given) {
        struct fy_node *at;
        lookup(es, key, &at);
        np_arch_error(es->L, at, NULL, "%s.%s: applies only with depthwise: %s (this one is %s)", es->path, key,
                      other->name, mode->name);
      }
    }
  }
}

static bool kind_takes(const NpEngineKindOps *kind, const char *key) {
  for (int i = 0; i < kind->n_keys; i++)
    if (strcmp(kind->keys[i].name, key) == 0) return true;
  return false;
}

/* "mac_array" or "vector and cpu": the kinds that take key, for messages. */
static void kinds_taking(const char *key, char *out, size_t size) {
  const char *names[NP_ENGINE_KIND_COUNT];
  int n = 0;
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++)
    if (kind_takes(np_engine_kind_ops((NpEngineKind)k), key)) names[n++] = np_engine_kind_name((NpEngineKind)k);
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < n && used < size; i++)
    used += (size_t)snprintf(out + used, size - used, "%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", names[i]);
}

static void read_kind_key(const Section *es, const NpEngineKey *k, NpEngine *e) {
  char *field = (char *)e + k->offset;
  if (k->name_of == NULL) {
    int64_t *value = (int64_t *)(void *)field;
    *value = k->fallback;
    get_int(es, k->name, k->required, k->min, k->max, value);
    return;
  }
  const char *names[MAX_KIND_KEYS];
  int n = 0;
  while (n < MAX_KIND_KEYS && k->name_of(n)) names[n] = k->name_of(n), n++;
  int value = (int)k->fallback;
  get_enum(es, k->name, k->required, names, (size_t)n, &value);
  *(int *)(void *)field = value;
}

/* The keys of the engine's kind, and an error for each key of another kind. A bad value is
 * reported and the key's fallback stands in, so that later checks do not pile on. */
static void read_kind_keys(const Section *es, NpEngine *e) {
  const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
  for (int i = 0; i < kind->n_keys; i++) read_kind_key(es, &kind->keys[i], e);
  if (kind_takes(kind, "depthwise")) check_depthwise_keys(es, e);
  const char *known[MAX_KIND_KEYS];
  engine_keys(known);
  for (int i = 2; known[i]; i++) {
    if (kind_takes(kind, known[i]) || !has_key(es, known[i])) continue;
    bool own_key = false;
    for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) own_key |= kind_takes(np_engine_kind_ops((NpEngineKind)k), known[i]);
    if (!own_key) continue;
    char takers[96];
    kinds_taking(known[i], takers, sizeof takers);
    struct fy_node *key;
    lookup(es, known[i], &key);
    np_arch_error(es->L, key, NULL, "%s.%s: applies only to %s engines (this one is %s)", es->path, known[i], takers,
                  kind->name);
  }
}

static void read_engine(NpArchLoader *L, struct fy_node *item, int index, NpArch *arch, struct fy_node **name_nodes) {
  /* Name the engine in messages by its name when it has a usable one, as --set does. */
  char path[64];
  const char *early_name =
      fy_node_get_type(item) == FYNT_MAPPING ? fy_node_mapping_lookup_scalar0_by_simple_key(item, "name", (size_t)-1) : NULL;
  if (early_name && strlen(early_name) < NP_ARCH_NAME_MAX && valid_engine_name(early_name))
    snprintf(path, sizeof path, "engines.%s", early_name);
  else
    snprintf(path, sizeof path, "engines[%d]", index);
  Section es;
  const char *known[MAX_KIND_KEYS];
  engine_keys(known);
  if (!open_section(L, &es, NULL, item, path, known)) return;
  NpEngine *e = &arch->engines[arch->n_engines];
  memset(e, 0, sizeof *e);
  struct fy_node *name_node = NULL;
  if (get_string(&es, "name", true, e->name, sizeof e->name)) {
    name_node = lookup(&es, "name", NULL);
    if (!valid_engine_name(e->name)) {
      np_arch_error(L, name_node, NULL,
                    "%s.name: '%s' is not a valid engine name (use letters, digits, '_' and '-', starting with a "
                    "letter: it appears in --set paths such as engines.<name>.rows)",
                    es.path, e->name);
      e->name[0] = '\0';
    } else {
      for (int j = 0; j < arch->n_engines; j++)
        if (strcmp(arch->engines[j].name, e->name) == 0) {
          const struct fy_token *t = name_nodes[j] ? fy_node_get_scalar_token(name_nodes[j]) : NULL;
          const struct fy_mark *m = t ? fy_token_start_mark((struct fy_token *)t) : NULL;
          if (m)
            np_arch_error(L, name_node, NULL, "engines: duplicate engine name '%s' (the first is at line %d)", e->name,
                          m->line + 1);
          else
            np_arch_error(L, name_node, NULL, "engines: duplicate engine name '%s'", e->name);
          break;
        }
      snprintf(es.path, sizeof es.path, "engines.%s", e->name);
    }
  }
  int kind = -1;
  const char *kind_names[NP_ENGINE_KIND_COUNT + 1];
  engine_kind_names(kind_names);
  if (!get_enum(&es, "kind", true, kind_names, NP_ENGINE_KIND_COUNT, &kind)) {
    /* Without a kind nothing else can be checked sensibly. */
    return;
  }
  e->kind = (NpEngineKind)kind;
  read_kind_keys(&es, e);
  read_engine_dtypes(L, &es, arch, e);
  read_throughput(L, &es, e);
  e->can_read_sram = np_engine_kind_ops(e->kind)->can_read_sram;
  get_bool(&es, "can_read_sram", &e->can_read_sram);
  get_bool(&es, "fuse_activations", &e->fuse_activations);
  read_rules(L, &es, e);
  name_nodes[arch->n_engines] = name_node;
  arch->n_engines++;
}

static int first_fallback(const NpArch *arch);

/* The first engine of a fallback kind in file order, or -1. */
static int first_fallback_any(const NpArch *arch) {
  for (int i = 0; i < arch->n_engines; i++)
    if (np_engine_kind_ops(arch->engines[i].kind)->fallback) return i;
  return -1;
}

static void read_engines(NpArchLoader *L, const Section *root, NpArch *arch) {
  struct fy_node *key;
  struct fy_node *list = lookup(root, "engines", &key);
  if (key == NULL) {
    missing_key(root, "engines", NULL);
    return;
  }
  if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE) {
    np_arch_error(L, list, key, "engines: expected a list of engines (- name: ..., kind: ...), got %s",
                  list && !is_null_scalar(list) ? node_kind_text(list) : "nothing");
    return;
  }
  struct fy_node *name_nodes[NP_ARCH_MAX_ENGINES] = {NULL};
  void *iter = NULL;
  struct fy_node *item;
  int index = 0;
  while ((item = fy_node_sequence_iterate(list, &iter)) != NULL) {
    if (arch->n_engines >= NP_ARCH_MAX_ENGINES) {
      np_arch_error(L, item, key, "engines: at most %d engines", NP_ARCH_MAX_ENGINES);
      break;
    }
    read_engine(L, item, index++, arch, name_nodes);
  }
  arch->n_placement = arch->n_engines;
  for (int i = 0; i < arch->n_engines; i++) arch->placement[i] = i;
  if (arch->n_engines == index && first_fallback(arch) < 0)
    np_arch_error(L, key, NULL,
                  "engines: no engine of kind cpu; every config needs a CPU fallback engine for the ops the "
                  "accelerator cannot run");
}

/* The first engine of a fallback kind in placement order, or -1. */
static int first_fallback(const NpArch *arch) {
  for (int i = 0; i < arch->n_placement; i++)
    if (np_engine_kind_ops(arch->engines[arch->placement[i]].kind)->fallback) return arch->placement[i];
  return -1;
}

/* Engines and kinds, the names a placement entry may be. */
static size_t placement_names(const NpArch *arch, const char *names[NP_ARCH_MAX_ENGINES + NP_ENGINE_KIND_COUNT]) {
  size_t n = 0;
  for (int i = 0; i < arch->n_engines; i++) names[n++] = arch->engines[i].name;
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) names[n++] = np_engine_kind_name((NpEngineKind)k);
  return n;
}

/* One placement entry: an engine's name, or a kind (its engines in file order). */
static void add_placement_entry(NpArchLoader *L, struct fy_node *item, const char *text, NpArch *arch,
                                bool listed[NP_ARCH_MAX_ENGINES]) {
  int engine = np_arch_find_engine(arch, text), matched = 0;
  for (int i = 0; i < arch->n_engines; i++) {
    bool match = engine >= 0 ? i == engine : strcmp(np_engine_kind_name(arch->engines[i].kind), text) == 0;
    if (!match) continue;
    matched++;
    if (listed[i]) {
      np_arch_error(L, item, NULL, "placement: engine '%s' is listed twice ('%s')", arch->engines[i].name, text);
      continue;
    }
    listed[i] = true;
    arch->placement[arch->n_placement++] = i;
  }
  if (matched > 0) return;
  const char *names[NP_ARCH_MAX_ENGINES + NP_ENGINE_KIND_COUNT];
  size_t n = placement_names(arch, names);
  bool kind = false;
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) kind |= strcmp(np_engine_kind_name((NpEngineKind)k), text) == 0;
  if (kind)
    np_arch_error(L, item, NULL, "placement: no engine of kind %s in engines", text);
  else
    unknown_name(L, item, "placement", "engine or kind", text, names, n);
}

/* placement: the engines, by name or kind, that ops are offered to, in order. */
static void read_placement(NpArchLoader *L, const Section *root, NpArch *arch) {
  struct fy_node *key, *list = lookup(root, "placement", &key);
  if (key != NULL && arch->n_engines > 0) {
    if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE || fy_node_sequence_item_count(list) < 1) {
      np_arch_error(L, list, key, "placement: expected a list of engine names or kinds, e.g. [mac_array, gpu, cpu]");
      return;
    }
    bool listed[NP_ARCH_MAX_ENGINES] = {false};
    arch->n_placement = 0;
    arch->placement_given = true;
    void *iter = NULL;
    struct fy_node *item;
    char text[TEXT_MAX];
    while ((item = fy_node_sequence_iterate(list, &iter)) != NULL)
      if (scalar_text(L, item, key, "placement", "an engine name or kind", text, sizeof text))
        add_placement_entry(L, item, text, arch, listed);
  }
  arch->fallback_engine = first_fallback(arch);
  if (arch->placement_given && arch->fallback_engine < 0 && first_fallback_any(arch) >= 0)
    np_arch_error(L, key, NULL, "placement: names no cpu engine; the CPU fallback (engines.%s) must be in it",
                  arch->engines[first_fallback_any(arch)].name);
}

/* ---- memories, sync ---- */

static const char *const sram_keys[] = {"capacity_bytes", "banks", "bank_width_bytes", "bank_bytes", "ports_per_bank",
                                        "alignment_bytes", "weights_resident", "cascade", NULL};
static const char *const dram_keys[] = {"bandwidth_gb_per_s", "burst_bytes", "latency_cycles", "channels",
                                        "max_outstanding_bursts", "row_bytes", "row_miss_cycles", NULL};

static void read_sram(NpArchLoader *L, const Section *root, NpArch *arch) {
  Section s;
  if (!open_child(root, "sram", true, sram_keys, &s)) return;
  NpSram *m = &arch->sram;
  bool ok = get_size(&s, "capacity_bytes", true, 1, INT64_C(1) << 44, false, &m->capacity_bytes);
  ok &= get_int(&s, "banks", true, 1, NP_ARCH_MAX_BANKS, &m->banks);
  ok &= get_size(&s, "bank_width_bytes", true, 1, 65536, true, &m->bank_width_bytes);
  m->ports_per_bank = 1;
  get_int(&s, "ports_per_bank", false, 1, 16, &m->ports_per_bank);
  m->alignment_bytes = m->bank_width_bytes;
  get_size(&s, "alignment_bytes", false, 1, INT64_C(1) << 20, true, &m->alignment_bytes);
  m->weights_resident = true;
  get_bool(&s, "weights_resident", &m->weights_resident);
  m->cascade = true;
  get_bool(&s, "cascade", &m->cascade);
  int64_t bank_bytes = 0;
  bool bank_bytes_given = get_size(&s, "bank_bytes", false, 1, INT64_C(1) << 44, false, &bank_bytes);
  if (!ok) return;
  char a[32], b[32], c[32];
  int64_t product;
  if (bank_bytes_given) {
    if (!np_mul_i64(m->banks, bank_bytes, &product) || product != m->capacity_bytes) {
      np_format_size(bank_bytes, a, sizeof a);
      np_format_size(m->capacity_bytes, c, sizeof c);
      if (np_mul_i64(m->banks, bank_bytes, &product))
        np_format_size(product, b, sizeof b);
      else
        snprintf(b, sizeof b, "too much");
      np_arch_error(L, lookup(&s, "bank_bytes", NULL), NULL,
                    "sram: banks x bank_bytes = %lld x %s = %s, but capacity_bytes is %s", (long long)m->banks, a, b,
                    c);
      return;
    }
  }
  int64_t row = m->banks * m->bank_width_bytes; /* both bounded: no overflow */
  if (m->capacity_bytes % row != 0) {
    np_format_size(m->capacity_bytes, a, sizeof a);
    np_arch_error(L, lookup(&s, "capacity_bytes", NULL), NULL,
                  "sram.capacity_bytes: %s does not split into %lld banks of whole %lld-byte rows (make it a "
                  "multiple of banks x bank_width_bytes = %lld)",
                  a, (long long)m->banks, (long long)m->bank_width_bytes, (long long)row);
    return;
  }
  m->bank_bytes = m->capacity_bytes / m->banks;
  m->bank_depth = m->bank_bytes / m->bank_width_bytes;
}

static void read_dram(NpArchLoader *L, const Section *root, NpArch *arch) {
  Section s;
  if (!open_child(root, "dram", true, dram_keys, &s)) return;
  NpDram *m = &arch->dram;
  if (get_real_with(&s, "bandwidth_gb_per_s", true, np_parse_bandwidth, "a bandwidth (e.g. 34.1GB/s)", 0, true, 1e7,
                    &m->bandwidth_gb_per_s) &&
      arch->clock_mhz > 0)
    m->bytes_per_cycle = m->bandwidth_gb_per_s * 1e3 / arch->clock_mhz;
  get_size(&s, "burst_bytes", true, 1, INT64_C(1) << 20, true, &m->burst_bytes);
  get_int(&s, "latency_cycles", true, 0, INT64_C(1000000000), &m->latency_cycles);
  m->channels = 1;
  get_int(&s, "channels", false, 1, 64, &m->channels);
  m->max_outstanding_bursts = 16;
  get_int(&s, "max_outstanding_bursts", false, 1, INT64_C(1) << 20, &m->max_outstanding_bursts);
  bool has_row = has_key(&s, "row_bytes"), has_miss = has_key(&s, "row_miss_cycles");
  if (has_row != has_miss) {
    struct fy_node *key;
    lookup(&s, has_row ? "row_bytes" : "row_miss_cycles", &key);
    np_arch_error(L, key, NULL, "dram: row_bytes and row_miss_cycles go together; %s is missing",
                  has_row ? "row_miss_cycles" : "row_bytes");
    return;
  }
  if (has_row) {
    if (get_size(&s, "row_bytes", true, 1, INT64_C(1) << 30, true, &m->row_bytes) && m->burst_bytes > 0 &&
        m->row_bytes < m->burst_bytes)
      np_arch_error(L, lookup(&s, "row_bytes", NULL), NULL, "dram.row_bytes: must be at least burst_bytes (%lld), got %lld",
                    (long long)m->burst_bytes, (long long)m->row_bytes);
    get_int(&s, "row_miss_cycles", true, 0, 1000000, &m->row_miss_cycles);
  }
}

static void read_sync(const Section *root, NpArch *arch) {
  static const char *const sync_keys[] = {"cycles", "through_dram", NULL};
  arch->sync.through_dram = true;
  Section s;
  if (!open_child(root, "sync", false, sync_keys, &s)) return;
  get_bool(&s, "through_dram", &arch->sync.through_dram);
  Section cycles;
  const char *kinds[NP_ENGINE_KIND_COUNT + 1];
  engine_kind_names(kinds);
  if (!open_child(&s, "cycles", false, kinds, &cycles)) return;
  for (int from = 0; from < NP_ENGINE_KIND_COUNT; from++) {
    Section row;
    if (!open_child(&cycles, kinds[from], false, kinds, &row)) continue;
    for (int to = 0; to < NP_ENGINE_KIND_COUNT; to++)
      get_int(&row, kinds[to], false, 0, INT64_C(1000000000), &arch->sync.cycles[from][to]);
  }
}

/* ---- energy ---- */

static const char *const energy_keys[] = {"node",       "mac",        "element",     "gpu_mac",
                                          "gpu_element", "sram_read", "sram_write",  "dram_read",
                                          "dram_write", "sync",       "sram_static", "engine_static", NULL};

/* A supply voltage, in V: within what CMOS runs at. */
#define VDD_MIN 0.3
#define VDD_MAX 2.0

/* One figure: {<unit key>: number, source: text, node_nm: whole number}; without node_nm for
 * a time (`us`) or a rate (`gb_per_s`). An energy per event (pJ, pJ per byte) may give its
 * vdd, to be scaled to energy.node. */
bool np_arch_unit_has_node(const char *unit_key) {
  static const char *const without_node[] = {"us", "gb_per_s", "c_per_w", "j_per_c", "c", "w"};
  for (size_t i = 0; i < sizeof without_node / sizeof without_node[0]; i++)
    if (strcmp(unit_key, without_node[i]) == 0) return false;
  return true;
}

static void read_figure(NpArchLoader *L, struct fy_node *key, struct fy_node *value, const char *path,
                        const char *unit_key, NpEnergyFigure *out) {
  bool with_node = np_arch_unit_has_node(unit_key), per_event = strncmp(unit_key, "pj", 2) == 0;
  const char *const known[] = {unit_key, "source", with_node ? "node_nm" : NULL, per_event ? "vdd" : NULL, NULL};
  Section s;
  if (!open_section(L, &s, key, value, path, known)) return;
  NpEnergyFigure f = {0};
  bool ok = get_real(&s, unit_key, true, 0, false, 1e9, &f.value);
  if (!has_key(&s, "source")) {
    missing_key(&s, "source", with_node ? " (every energy number needs a source: a paper, a datasheet, or \"assumption\")"
                                        : " (every time and rate needs a source: a paper, a measurement, or \"assumption\")");
    ok = false;
  } else if (get_string(&s, "source", true, f.source, sizeof f.source)) {
    if (f.source[0] == '\0') {
      np_arch_error(L, lookup(&s, "source", NULL), NULL,
                    "%s.source: is empty (name a paper, a datasheet, or write \"assumption\")", path);
      ok = false;
    }
  } else {
    ok = false;
  }
  if (!with_node) {
  } else if (!has_key(&s, "node_nm")) {
    missing_key(&s, "node_nm", " (the technology node, in nm, that the number belongs to)");
    ok = false;
  } else {
    ok &= get_int(&s, "node_nm", true, 1, 1000, &f.node_nm);
  }
  if (per_event && has_key(&s, "vdd")) ok &= get_real(&s, "vdd", true, VDD_MIN, false, VDD_MAX, &f.vdd);
  if (ok) {
    f.given = true;
    f.at_node = f.value;
    *out = f;
  }
}

/* energy.node: {nm: whole number, vdd: volts, source: text}. */
static void read_energy_node(const Section *energy, NpEnergyNode *node) {
  static const char *const known[] = {"nm", "vdd", "source", NULL};
  Section s;
  if (!open_child(energy, "node", false, known, &s)) return;
  NpEnergyNode n = {0};
  bool ok = get_int(&s, "nm", true, 1, 1000, &n.nm);
  ok &= get_real(&s, "vdd", true, VDD_MIN, false, VDD_MAX, &n.vdd);
  ok &= get_string(&s, "source", true, n.source, sizeof n.source);
  if (ok) {
    n.given = true;
    *node = n;
  }
}

/* Every energy per event that gives its vdd, at energy.node (Stillmaker and Baas's ratio). */
static void scale_to_node(NpArchLoader *L, const Section *energy, NpEnergy *en) {
  NpEnergyFigure *figures[4 * NP_DTYPE_COUNT + 6];
  const char *names[4 * NP_DTYPE_COUNT + 6];
  int n = 0;
  for (int d = 0; d < NP_DTYPE_COUNT; d++) {
    figures[n] = &en->mac[d], names[n++] = "mac";
    figures[n] = &en->element[d], names[n++] = "element";
    figures[n] = &en->gpu_mac[d], names[n++] = "gpu_mac";
    figures[n] = &en->gpu_element[d], names[n++] = "gpu_element";
  }
  NpEnergyFigure *singles[] = {&en->sram_read, &en->sram_write, &en->dram_read, &en->dram_write, &en->sync};
  const char *single_names[] = {"sram_read", "sram_write", "dram_read", "dram_write", "sync"};
  for (int i = 0; i < 5; i++) figures[n] = singles[i], names[n++] = single_names[i];
  for (int i = 0; i < n; i++) {
    NpEnergyFigure *f = figures[i];
    if (!f->given || f->vdd <= 0) continue;
    if (!en->node.given) {
      np_arch_error(L, energy->where, NULL,
                    "%s.%s: gives vdd, to be scaled to the part's node, but energy.node is not given "
                    "(e.g. node: {nm: 5, vdd: 0.75, source: ...})",
                    energy->path, names[i]);
      return;
    }
    f->at_node = f->value * np_node_energy(en->node.nm, en->node.vdd) / np_node_energy(f->node_nm, f->vdd);
  }
}

static void read_figure_child(NpArchLoader *L, const Section *parent, const char *key, const char *unit_key,
                              NpEnergyFigure *out) {
  struct fy_node *key_node;
  struct fy_node *value = lookup(parent, key, &key_node);
  if (key_node == NULL) return;
  char path[256];
  join_path(path, sizeof path, parent->path, key);
  read_figure(L, key_node, value, path, unit_key, out);
}

/* energy.mac / energy.element: a figure per data type. */
static void read_dtype_figures(NpArchLoader *L, const Section *energy, const char *key, const NpArch *arch,
                               NpEnergyFigure figures[NP_DTYPE_COUNT]) {
  Section s;
  if (!open_child(energy, key, false, NULL, &s)) return;
  void *iter = NULL;
  NamedPair p;
  while (next_named(&s, &iter, &p)) {
    NpDtype d;
    if (!known_dtype(L, arch, p.key, s.path, p.name, &d)) continue;
    char path[256];
    join_path(path, sizeof path, s.path, p.name);
    read_figure(L, p.key, p.value, path, "pj", &figures[d]);
  }
}

static void read_engine_static(NpArchLoader *L, const Section *energy, NpArch *arch) {
  Section s;
  if (!open_child(energy, "engine_static", false, NULL, &s) || arch->n_engines == 0) return;
  const char *names[NP_ARCH_MAX_ENGINES];
  for (int i = 0; i < arch->n_engines; i++) names[i] = arch->engines[i].name;
  void *iter = NULL;
  NamedPair p;
  while (next_named(&s, &iter, &p)) {
    int index = np_arch_find_engine(arch, p.name);
    if (index < 0) {
      unknown_name(L, p.key, s.path, "engine", p.name, names, (size_t)arch->n_engines);
      continue;
    }
    char path[256];
    join_path(path, sizeof path, s.path, p.name);
    read_figure(L, p.key, p.value, path, "mw", &arch->energy.engine_static[index]);
  }
}

static void read_energy(NpArchLoader *L, const Section *root, NpArch *arch) {
  Section s;
  if (!open_child(root, "energy", false, energy_keys, &s)) return;
  NpEnergy *en = &arch->energy;
  read_energy_node(&s, &en->node);
  read_dtype_figures(L, &s, "mac", arch, en->mac);
  read_dtype_figures(L, &s, "element", arch, en->element);
  read_dtype_figures(L, &s, "gpu_mac", arch, en->gpu_mac);
  read_dtype_figures(L, &s, "gpu_element", arch, en->gpu_element);
  read_figure_child(L, &s, "sram_read", "pj_per_byte", &en->sram_read);
  read_figure_child(L, &s, "sram_write", "pj_per_byte", &en->sram_write);
  read_figure_child(L, &s, "dram_read", "pj_per_byte", &en->dram_read);
  read_figure_child(L, &s, "dram_write", "pj_per_byte", &en->dram_write);
  read_figure_child(L, &s, "sync", "pj", &en->sync);
  read_figure_child(L, &s, "sram_static", "mw", &en->sram_static);
  read_engine_static(L, &s, arch);
  scale_to_node(L, &s, en);
}

/* ---- the whole config ---- */

static void read_fixed_costs(NpArchLoader *L, const Section *root, NpArch *arch) {
  static const char *const keys[] = {"per_inference", "per_segment", "per_program", NULL};
  Section s;
  if (!open_child(root, "fixed_costs", false, keys, &s)) return;
  read_figure_child(L, &s, "per_inference", "us", &arch->fixed.per_inference);
  read_figure_child(L, &s, "per_segment", "us", &arch->fixed.per_segment);
  read_figure_child(L, &s, "per_program", "us", &arch->fixed.per_program);
}

static void read_area(NpArchLoader *L, const Section *root, NpArch *arch) {
  static const char *const keys[] = {"mac", "vector_lane", "sram", "fixed", NULL};
  Section s;
  if (!open_child(root, "area", false, keys, &s)) return;
  read_figure_child(L, &s, "mac", "um2", &arch->area.mac);
  read_figure_child(L, &s, "vector_lane", "um2", &arch->area.vector_lane);
  read_figure_child(L, &s, "sram", "um2_per_kib", &arch->area.sram);
  read_figure_child(L, &s, "fixed", "mm2", &arch->area.fixed);
}

static void read_cold_start(NpArchLoader *L, const Section *root, NpArch *arch) {
  static const char *const keys[] = {"storage_read", "compile_per_op", "compile_per_program", "compile_per_kernel",
                                     NULL};
  Section s;
  if (!open_child(root, "cold_start", false, keys, &s)) return;
  read_figure_child(L, &s, "storage_read", "gb_per_s", &arch->cold_start.storage_read);
  read_figure_child(L, &s, "compile_per_op", "us", &arch->cold_start.compile_per_op);
  read_figure_child(L, &s, "compile_per_program", "us", &arch->cold_start.compile_per_program);
  read_figure_child(L, &s, "compile_per_kernel", "us", &arch->cold_start.compile_per_kernel);
  if (arch->cold_start.storage_read.given && !(arch->cold_start.storage_read.value > 0))
    np_arch_error(L, lookup(&s, "storage_read", NULL), NULL,
                  "cold_start.storage_read: must be above 0 GB/s (the weights could never be read)");
}

/* thermal.dvfs.<key>: a list of numbers, each read by parse and above 0. Returns the count, or
 * -1 after an error. */
static int read_number_list(const Section *s, const char *key, RealParser parse, double *out, int max) {
  struct fy_node *key_node, *list = lookup(s, key, &key_node);
  char path[256];
  join_path(path, sizeof path, s->path, key);
  if (key_node == NULL) return 0;
  if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE || fy_node_sequence_item_count(list) < 1) {
    np_arch_error(s->L, list, key_node, "%s: expected a list of numbers [a, b, ...]", path);
    return -1;
  }
  if (fy_node_sequence_item_count(list) > max) {
    np_arch_error(s->L, list, key_node, "%s: at most %d steps", path, max);
    return -1;
  }
  void *iter = NULL;
  struct fy_node *item;
  int n = 0;
  char text[TEXT_MAX], err[256];
  while ((item = fy_node_sequence_iterate(list, &iter)) != NULL) {
    if (!scalar_text(s->L, item, key_node, path, "a number", text, sizeof text)) return -1;
    if (!parse(text, &out[n], err, sizeof err) || !(out[n] > 0)) {
      np_arch_error(s->L, item, key_node, "%s: '%s' is not a number above 0", path, text);
      return -1;
    }
    n++;
  }
  return n;
}

static void read_dvfs(NpArchLoader *L, const Section *thermal, NpThermal *t) {
  static const char *const keys[] = {"mhz", "volts", "source", NULL};
  Section s;
  if (!open_child(thermal, "dvfs", true, keys, &s)) return;
  struct fy_node *mhz_key;
  lookup(&s, "mhz", &mhz_key);
  if (mhz_key == NULL) missing_key(&s, "mhz", " (the clock steps, highest first)");
  if (!has_key(&s, "source")) missing_key(&s, "source", " (a datasheet, a measurement, or \"assumption\")");
  get_string(&s, "source", false, t->dvfs_source, sizeof t->dvfs_source);
  int n = read_number_list(&s, "mhz", np_parse_frequency, t->dvfs_mhz, NP_ARCH_MAX_DVFS);
  int nv = read_number_list(&s, "volts", np_parse_real, t->dvfs_volts, NP_ARCH_MAX_DVFS);
  if (n <= 0) return;
  t->n_dvfs = n;
  for (int i = 1; i < n; i++) {
    if (t->dvfs_mhz[i] < t->dvfs_mhz[i - 1]) continue;
    np_arch_error(L, mhz_key, NULL, "thermal.dvfs.mhz: the steps must fall, highest first (step %d, %g MHz, is not below %g MHz)",
                  i + 1, t->dvfs_mhz[i], t->dvfs_mhz[i - 1]);
    return;
  }
  if (nv > 0 && nv != n)
    np_arch_error(L, mhz_key, NULL, "thermal.dvfs.volts: %d values for %d clock steps (one per step)", nv, n);
}

static void read_thermal(NpArchLoader *L, const Section *root, NpArch *arch) {
  static const char *const keys[] = {"resistance", "capacitance", "ambient",     "throttle",
                                     "hysteresis", "other_power", "dvfs",        NULL};
  Section s;
  if (!open_child(root, "thermal", false, keys, &s)) return;
  NpThermal *t = &arch->thermal;
  t->given = true;
  const char *required[] = {"resistance", "capacitance", "ambient", "throttle"};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (!has_key(&s, required[i])) missing_key(&s, required[i], NULL);
  read_figure_child(L, &s, "resistance", "c_per_w", &t->resistance);
  read_figure_child(L, &s, "capacitance", "j_per_c", &t->capacitance);
  read_figure_child(L, &s, "ambient", "c", &t->ambient);
  read_figure_child(L, &s, "throttle", "c", &t->throttle);
  read_figure_child(L, &s, "hysteresis", "c", &t->hysteresis);
  read_figure_child(L, &s, "other_power", "w", &t->other_power);
  const struct {
    const char *key;
    const NpEnergyFigure *f;
  } positive[] = {{"resistance", &t->resistance}, {"capacitance", &t->capacitance}};
  for (size_t i = 0; i < 2; i++)
    if (positive[i].f->given && !(positive[i].f->value > 0))
      np_arch_error(L, lookup(&s, positive[i].key, NULL), NULL,
                    "thermal.%s: must be above 0 (a die with zero %s has no steady state)", positive[i].key,
                    positive[i].key);
  if (t->throttle.given && t->ambient.given && !(t->throttle.value > t->ambient.value))
    np_arch_error(L, lookup(&s, "throttle", NULL), NULL, "thermal.throttle: %g C is not above the ambient %g C",
                  t->throttle.value, t->ambient.value);
  read_dvfs(L, &s, t);
}

static const char *const root_keys[] = {"name",        "description", "clock_mhz", "data_types", "default_dtype",
                                        "engines",     "placement",   "placement_choice", "sram", "dram",
                                        "sync",        "fixed_costs", "cold_start", "thermal", "energy",
                                        "area",        NULL};

bool np_arch_build(NpArchLoader *L, NpArch *arch) {
  struct fy_node *root = fy_document_root(L->doc);
  Section s;
  if (root == NULL || fy_node_get_type(root) != FYNT_MAPPING) {
    np_arch_error(L, root, NULL,
                  "the config must be a mapping of keys (name, clock_mhz, data_types, engines, sram, dram, ...), "
                  "got %s",
                  root ? node_kind_text(root) : "nothing");
    return false;
  }
  size_t errors_before = L->errors;
  open_section(L, &s, NULL, root, "", root_keys);
  if (get_string(&s, "name", true, arch->name, sizeof arch->name)) {
    if (arch->name[0] == '\0') np_arch_error(L, lookup(&s, "name", NULL), NULL, "name: is empty");
    if (strpbrk(arch->name, "\t\n")) np_arch_error(L, lookup(&s, "name", NULL), NULL, "name: must be one line without tabs");
  }
  get_string(&s, "description", false, arch->description, sizeof arch->description);
  get_real_with(&s, "clock_mhz", true, np_parse_frequency, "a frequency (e.g. 1.2GHz, 800MHz)", 0, true, 1e5,
                &arch->clock_mhz);
  read_data_types(L, &s, arch);
  read_default_dtype(L, &s, arch);
  if (arch->n_data_types > 0)
    read_engines(L, &s, arch);
  else if (!has_key(&s, "engines"))
    missing_key(&s, "engines", NULL);
  read_placement(L, &s, arch);
  int choice = NP_PLACEMENT_LEAST_TIME;
  if (get_enum(&s, "placement_choice", false, placement_choice_names, NP_PLACEMENT_CHOICE_COUNT, &choice))
    arch->placement_choice = (NpPlacementChoice)choice;
  read_sram(L, &s, arch);
  read_dram(L, &s, arch);
  read_sync(&s, arch);
  read_fixed_costs(L, &s, arch);
  read_cold_start(L, &s, arch);
  read_thermal(L, &s, arch);
  if (arch->n_data_types > 0) read_energy(L, &s, arch);
  read_area(L, &s, arch);
  return L->errors == errors_before;
}

/* ---- queries ---- */

int np_arch_find_engine(const NpArch *arch, const char *name) {
  for (int i = 0; i < arch->n_engines; i++)
    if (strcmp(arch->engines[i].name, name) == 0) return i;
  return -1;
}

double np_engine_macs_per_cycle(const NpEngine *engine, NpDtype dtype) {
  return np_engine_elements_per_cycle(engine, NP_CLASS_MATRIX, dtype);
}

double np_engine_elements_per_cycle(const NpEngine *engine, NpOpClass cls, NpDtype dtype) {
  if (cls < 0 || cls >= NP_ARCH_OP_CLASSES || dtype <= NP_DTYPE_UNKNOWN || dtype >= NP_DTYPE_COUNT) return 0;
  return engine->throughput[cls] * engine->dtype_rate[dtype];
}

void np_arch_set_clock(NpArch *arch, double mhz) {
  arch->clock_mhz = mhz;
  arch->dram.bytes_per_cycle = arch->dram.bandwidth_gb_per_s * 1e3 / mhz;
}

int64_t np_arch_fixed_cycles(const NpArch *arch, const NpEnergyFigure *cost) {
  return cost->given ? (int64_t)llround(cost->value * arch->clock_mhz) : 0;
}

bool np_arch_same(const NpArch *a, const NpArch *b) {
  /* Loaders zero the struct before filling it, so padding and unused bytes compare equal. */
  return memcmp(a, b, offsetof(NpArch, origin)) == 0 &&
         memcmp((const char *)a + offsetof(NpArch, clock_mhz), (const char *)b + offsetof(NpArch, clock_mhz),
                sizeof(NpArch) - offsetof(NpArch, clock_mhz)) == 0;
}
