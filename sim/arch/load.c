/* Loading a config: YAML parsing with positions, --set overrides, and error reporting.
 * The schema (which keys mean what) is in schema.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/arch_internal.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/utf8.h"

extern const char np_embedded_default_config[];
extern const size_t np_embedded_default_config_len;

const char *np_arch_default_text(size_t *len) {
  if (len) *len = np_embedded_default_config_len;
  return np_embedded_default_config;
}

/* ---- positions and messages ---- */

/* The position of a node: a scalar's own token; a mapping or sequence has none in this
 * libfyaml, so its first scalar descendant stands in (where a block collection starts). */
static const struct fy_mark *node_mark(struct fy_node *node) {
  while (node != NULL) {
    switch (fy_node_get_type(node)) {
    case FYNT_SCALAR: {
      struct fy_token *token = fy_node_get_scalar_token(node);
      return token ? fy_token_start_mark(token) : NULL;
    }
    case FYNT_MAPPING: {
      void *iter = NULL;
      struct fy_node_pair *pair = fy_node_mapping_iterate(node, &iter);
      node = pair ? fy_node_pair_key(pair) : NULL;
      break;
    }
    case FYNT_SEQUENCE: {
      void *iter = NULL;
      node = fy_node_sequence_iterate(node, &iter);
      break;
    }
    default:
      return NULL;
    }
  }
  return NULL;
}

/* Index of the --set a node came from (it or an ancestor was put there by one), or -1. */
static long set_origin(const NpArchLoader *loader, struct fy_node *node) {
  if (loader->n_origins == 0) return -1;
  for (int depth = 0; node != NULL && depth < 64; depth++) {
    for (size_t k = 0; k < loader->n_origins; k++)
      if (loader->origins[k].node == node) return (long)loader->origins[k].set_index;
    node = fy_node_get_parent(node);
  }
  return -1;
}

/* A long source line is echoed as a window of this many bytes around the column (with "..."
 * where it is cut), so the line and its caret fit a message line (NP_DIAG_LINE_MAX). */
#define SOURCE_WINDOW 160

static size_t next_char(const char *text, size_t i, size_t end) {
  i++;
  while (i < end && ((unsigned char)text[i] & 0xC0) == 0x80) i++; /* UTF-8 continuation */
  return i;
}

/* Appends the source line that starts at line_start, and a caret under column `column`
 * (0-based, in characters; tabs are kept so the caret lines up). */
static void append_source_line(NpBuf *buf, const char *text, size_t len, size_t line_start, int column) {
  size_t line_end = line_start;
  while (line_end < len && text[line_end] != '\n' && text[line_end] != '\r') line_end++;
  size_t at = line_start; /* the byte the caret points at */
  for (int c = 0; c < column && at < line_end; c++) at = next_char(text, at, line_end);
  size_t from = line_start, to = line_end;
  if (line_end - line_start > SOURCE_WINDOW) {
    while (from + SOURCE_WINDOW / 2 < at) from = next_char(text, from, line_end);
    to = from;
    while (to < line_end && to - from < SOURCE_WINDOW) to = next_char(text, to, line_end);
  }
  const char *cut = "...";
  np_buf_puts(buf, "\n");
  if (from > line_start) np_buf_puts(buf, cut);
  np_buf_append(buf, text + from, to - from);
  if (to < line_end) np_buf_puts(buf, cut);
  np_buf_puts(buf, "\n");
  if (from > line_start) np_buf_puts(buf, "   ");
  for (size_t i = from; i < at; i = next_char(text, i, line_end)) np_buf_puts(buf, text[i] == '\t' ? "\t" : " ");
  np_buf_puts(buf, "^");
}

static size_t line_start_of(const char *text, size_t len, int line) {
  size_t pos = 0;
  for (int l = 0; l < line && pos < len; pos++)
    if (text[pos] == '\n') l++;
  return pos < len ? pos : len;
}

bool np_yaml_text_check(const char *text, size_t len, const char *source, int64_t max_bytes, const char *what,
                        NpDiag *diag) {
  if ((int64_t)len > max_bytes) {
    np_diag_add(diag, "%s: error: the %s is larger than %lld bytes; is it the right file?", source, what,
                (long long)max_bytes);
    return false;
  }
  if (memchr(text, '\0', len) != NULL) {
    np_diag_add(diag, "%s: error: not a text file (it contains a NUL byte)", source);
    return false;
  }
  size_t bad_byte = np_utf8_invalid_at(text, len);
  if (bad_byte == len) return true;
  int line = 0, column = 0;
  for (size_t i = 0; i < bad_byte; i++) {
    if (text[i] == '\n') line++, column = 0;
    else column++;
  }
  np_diag_add(diag, "%s:%d:%d: error: not valid UTF-8 text (byte 0x%02x); YAML files must be UTF-8", source, line + 1,
              column + 1, (unsigned char)text[bad_byte]);
  return false;
}

bool np_yaml_node_position(struct fy_node *node, int *line, int *column) {
  const struct fy_mark *mark = node_mark(node);
  if (mark == NULL) return false;
  *line = mark->line;
  *column = mark->column;
  return true;
}

void np_yaml_source_excerpt(NpBuf *buf, const char *text, size_t len, int line, int column) {
  append_source_line(buf, text, len, line_start_of(text, len, line), column);
}

/* Errors are held until the load ends, then given to the caller sorted by position (the
 * schema checks keys in its own order, readers want them in file order). */
static void add_error(NpArchLoader *loader, int line, int column, char *text) {
  loader->errors++;
  if (loader->n_pending >= NP_DIAG_MAX_KEPT) { /* only counted, like NpDiag does */
    loader->n_dropped++;
    free(text);
    return;
  }
  np_grow((void **)&loader->pending, &loader->pending_capacity, loader->n_pending + 1, sizeof *loader->pending);
  loader->pending[loader->n_pending] = (NpPendingError){line, column, loader->n_pending, text};
  loader->n_pending++;
}

static void add_unplaced(NpArchLoader *loader, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  add_error(loader, -1, -1, np_xvasprintf(fmt, args));
  va_end(args);
}

/* "source:line:col: error: message" + source line + caret; line and column 0-based. */
static void report_at(NpArchLoader *loader, int line, int column, const char *message) {
  if (loader->n_pending >= NP_DIAG_MAX_KEPT) { /* counted only: skip the formatting */
    add_error(loader, line, column, NULL);
    return;
  }
  NpBuf buf = {0};
  np_buf_printf(&buf, "%s:%d:%d: error: %s", loader->source, line + 1, column + 1, message);
  if (loader->text != NULL && line >= 0)
    append_source_line(&buf, loader->text, loader->len, line_start_of(loader->text, loader->len, line), column);
  add_error(loader, line, column, buf.data);
}

static int compare_pending(const void *pa, const void *pb) {
  const NpPendingError *a = pa, *b = pb;
  bool placed_a = a->line >= 0, placed_b = b->line >= 0;
  if (placed_a != placed_b) return placed_a ? -1 : 1;
  if (placed_a && a->line != b->line) return a->line < b->line ? -1 : 1;
  if (placed_a && a->column != b->column) return a->column < b->column ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void flush_errors(NpArchLoader *loader) {
  if (loader->n_pending > 1) qsort(loader->pending, loader->n_pending, sizeof *loader->pending, compare_pending);
  for (size_t i = 0; i < loader->n_pending; i++) {
    np_diag_add(loader->diag, "%s", loader->pending[i].text);
    free(loader->pending[i].text);
  }
  loader->diag->dropped += loader->n_dropped;
  free(loader->pending);
  loader->pending = NULL;
  loader->n_pending = 0;
}

void np_arch_error(NpArchLoader *loader, struct fy_node *at, struct fy_node *fallback, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *message = np_xvasprintf(fmt, args);
  va_end(args);
  long set = set_origin(loader, at ? at : fallback);
  const struct fy_mark *mark = NULL;
  if (set < 0) {
    mark = at ? node_mark(at) : NULL;
    if (mark == NULL && fallback != NULL) mark = node_mark(fallback);
  }
  if (set >= 0) {
    add_unplaced(loader, "--set %s: error: %s", loader->sets[set], message);
  } else if (mark != NULL) {
    report_at(loader, mark->line, mark->column, message);
  } else {
    add_unplaced(loader, "%s: error: %s", loader->source, message);
  }
  free(message);
}

/* ---- parsing ---- */

static void discard_output(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag, (void)user, (void)buf, (void)len;
}

static struct fy_diag *quiet_diag(void) {
  struct fy_diag_cfg cfg;
  fy_diag_cfg_default(&cfg);
  cfg.fp = NULL;
  cfg.output_fn = discard_output;
  struct fy_diag *diag = fy_diag_create(&cfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  return diag;
}

/* Copies libfyaml's collected errors (1-based positions) into our format. */
static void report_syntax_errors(NpArchLoader *loader, struct fy_diag *diag) {
  void *iter = NULL;
  struct fy_diag_error *e;
  size_t before = loader->errors;
  while ((e = fy_diag_errors_iterate(diag, &iter)) != NULL) {
    if (e->type < FYET_ERROR) continue;
    char *message = np_xasprintf("YAML syntax: %s", e->msg ? e->msg : "invalid input");
    if (e->line > 0)
      report_at(loader, e->line - 1, e->column > 0 ? e->column - 1 : 0, message);
    else {
      add_unplaced(loader, "%s: error: %s", loader->source, message);
    }
    free(message);
  }
  if (loader->errors == before) {
    add_unplaced(loader, "%s: error: YAML syntax: the file could not be parsed", loader->source);
  }
}

static bool parse_document(NpArchLoader *loader) {
  struct fy_diag *diag = quiet_diag();
  if (diag == NULL) {
    add_unplaced(loader, "%s: error: out of memory setting up the YAML parser", loader->source);
    return false;
  }
  /* Collected errors are freed only by fy_diag_destroy(), so the loader keeps the diag and
   * destroys it last (loader_free). */
  loader->yaml_diag = diag;
  struct fy_parse_cfg cfg = {.search_path = NULL, .flags = FYPCF_QUIET, .userdata = NULL, .diag = diag};
  loader->parser = fy_parser_create(&cfg);
  if (loader->parser == NULL || fy_parser_set_string(loader->parser, loader->text, loader->len) != 0) {
    add_unplaced(loader, "%s: error: cannot set up the YAML parser", loader->source);
    return false;
  }
  loader->doc = fy_parse_load_document(loader->parser);
  bool ok = true;
  if (fy_parser_get_stream_error(loader->parser)) {
    ok = false;
  } else if (loader->doc != NULL) {
    struct fy_document *second = fy_parse_load_document(loader->parser);
    if (second != NULL) {
      struct fy_node *root = fy_document_root(second);
      const struct fy_mark *mark = root ? node_mark(root) : NULL;
      const char *message = "a config holds one YAML document; found a second one";
      if (mark)
        report_at(loader, mark->line, mark->column, message);
      else {
        add_unplaced(loader, "%s: error: %s", loader->source, message);
      }
      fy_parse_document_destroy(loader->parser, second);
    } else if (fy_parser_get_stream_error(loader->parser)) {
      ok = false;
    }
  }
  if (!ok) report_syntax_errors(loader, diag);
  if (ok && loader->errors == 0 && (loader->doc == NULL || fy_document_root(loader->doc) == NULL)) {
    add_unplaced(loader, "%s: error: the config is empty (see docs/config.md for the keys it needs)",
                loader->source);
  }
  return loader->errors == 0;
}

/* ---- --set overrides ---- */

static void remember_origin(NpArchLoader *loader, struct fy_node *node, size_t set_index) {
  np_grow((void **)&loader->origins, &loader->origins_capacity, loader->n_origins + 1, sizeof *loader->origins);
  loader->origins[loader->n_origins++] = (NpSetOrigin){node, set_index};
}

static void set_error(NpArchLoader *loader, size_t set_index, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void set_error(NpArchLoader *loader, size_t set_index, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *message = np_xvasprintf(fmt, args);
  va_end(args);
  add_unplaced(loader, "--set %s: error: %s", loader->sets[set_index], message);
  free(message);
}

/* The engine (an item of the engines list) whose name is `name`, or NULL. */
static struct fy_node *find_named_item(struct fy_node *sequence, const char *name) {
  void *iter = NULL;
  struct fy_node *item;
  while ((item = fy_node_sequence_iterate(sequence, &iter)) != NULL) {
    if (fy_node_get_type(item) != FYNT_MAPPING) continue;
    const char *item_name = fy_node_mapping_lookup_scalar0_by_simple_key(item, "name", (size_t)-1);
    if (item_name && strcmp(item_name, name) == 0) return item;
  }
  return NULL;
}

static void list_item_names(struct fy_node *sequence, NpBuf *out) {
  void *iter = NULL;
  struct fy_node *item;
  int n = 0;
  while ((item = fy_node_sequence_iterate(sequence, &iter)) != NULL) {
    const char *item_name =
        fy_node_get_type(item) == FYNT_MAPPING ? fy_node_mapping_lookup_scalar0_by_simple_key(item, "name", (size_t)-1) : NULL;
    if (item_name) np_buf_printf(out, "%s%s", n++ ? ", " : "", item_name);
  }
  if (n == 0) np_buf_puts(out, "none");
}

/* Parses the value of one override as YAML (so `[Conv, Gemm]` is a list) into the document. */
static struct fy_node *parse_set_value(NpArchLoader *loader, size_t set_index, const char *value) {
  struct fy_diag *diag = quiet_diag();
  if (diag == NULL) return NULL;
  struct fy_parse_cfg cfg = {.search_path = NULL, .flags = FYPCF_QUIET, .userdata = NULL, .diag = diag};
  struct fy_document *value_doc = value[0] ? fy_document_build_from_string(&cfg, value, strlen(value)) : NULL;
  struct fy_node *copy = NULL;
  if (value[0] == '\0') { /* "key=": an empty value, reported as missing by the schema */
    copy = fy_node_create_scalar_copy(loader->doc, "", 0);
  } else if (value_doc == NULL) {
    void *iter = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &iter);
    set_error(loader, set_index, "the value is not valid YAML: %s", e && e->msg ? e->msg : "cannot parse it");
  } else {
    struct fy_node *root = fy_document_root(value_doc);
    copy = root ? fy_node_copy(loader->doc, root) : fy_node_create_scalar_copy(loader->doc, "", 0);
    fy_document_destroy(value_doc);
  }
  fy_diag_destroy(diag); /* frees the collected errors too (fy_diag_unref would not) */
  return copy;
}

/* The pair of mapping `node` whose key is the plain text `key`. Keys are compared as text:
 * libfyaml's lookup-by-string parses the key as YAML, which fails (and prints) for keys
 * like " a" and never finds them. */
static struct fy_node_pair *find_key(struct fy_node *node, const char *key) {
  void *iter = NULL;
  struct fy_node_pair *pair;
  size_t key_len = strlen(key);
  while ((pair = fy_node_mapping_iterate(node, &iter)) != NULL) {
    size_t len = 0;
    const char *text = fy_node_get_scalar(fy_node_pair_key(pair), &len);
    if (text != NULL && len == key_len && memcmp(text, key, len) == 0) return pair;
  }
  return NULL;
}

/* Appends key: value to a mapping; on failure frees both, so nothing leaks. */
static void append_pair(NpArchLoader *loader, size_t set_index, struct fy_node *mapping, const char *key,
                        struct fy_node *value) {
  struct fy_node *key_node = fy_node_create_scalar_copy(loader->doc, key, strlen(key));
  remember_origin(loader, key_node, set_index);
  if (key_node == NULL || fy_node_mapping_append(mapping, key_node, value) != 0) {
    set_error(loader, set_index, "cannot add the key '%s'", key);
    fy_node_free(key_node);
    fy_node_free(value);
  }
}

/* Applies "a.b.c=value": walks the path from the root, creating missing sections, and puts
 * the value at the last key. Items of a list (engines) are addressed by their name. */
static void apply_set(NpArchLoader *loader, size_t set_index) {
  const char *set = loader->sets[set_index];
  size_t set_len = strlen(set);
  if (np_utf8_invalid_at(set, set_len) != set_len) {
    set_error(loader, set_index, "not valid UTF-8 text");
    return;
  }
  const char *eq = strchr(set, '=');
  if (eq == NULL || eq == set) {
    set_error(loader, set_index, "expected key.path=value, e.g. --set sram.capacity_bytes=2MiB");
    return;
  }
  char *path = np_xstrndup(set, (size_t)(eq - set));
  size_t path_len = strlen(path);
  if (path[0] == '.' || path[path_len - 1] == '.' || strstr(path, "..") != NULL) {
    set_error(loader, set_index, "empty key in path '%s'", path);
    free(path);
    return;
  }
  struct fy_node *node = fy_document_root(loader->doc);
  char *segment = path;
  char walked[256] = "";
  while (node != NULL) {
    char *dot = strchr(segment, '.');
    if (dot) *dot = '\0';
    if (*segment == '\0') {
      set_error(loader, set_index, "empty key in path '%.*s'", (int)(eq - set), set);
      break;
    }
    size_t walked_len = strlen(walked);
    snprintf(walked + walked_len, sizeof walked - walked_len, "%s%s", walked_len ? "." : "", segment);
    if (fy_node_get_type(node) == FYNT_SEQUENCE) {
      struct fy_node *item = find_named_item(node, segment);
      if (item == NULL) {
        NpBuf names = {0};
        list_item_names(node, &names);
        set_error(loader, set_index, "no engine named '%s' (engines: %s)", segment, np_buf_str(&names));
        np_buf_free(&names);
        break;
      }
      if (dot == NULL) {
        set_error(loader, set_index, "'%s' is a whole engine; set one of its keys, e.g. %s.rows=32", walked, walked);
        break;
      }
      node = item;
      segment = dot + 1;
      continue;
    }
    if (fy_node_get_type(node) != FYNT_MAPPING) {
      set_error(loader, set_index, "cannot set '%s': its parent is a value, not a section", walked);
      break;
    }
    struct fy_node_pair *pair = find_key(node, segment);
    if (dot == NULL) { /* the last key: put the value */
      struct fy_node *value = parse_set_value(loader, set_index, eq + 1);
      if (value == NULL) break;
      remember_origin(loader, value, set_index);
      if (pair)
        fy_node_pair_set_value(pair, value);
      else
        append_pair(loader, set_index, node, segment, value);
      break;
    }
    struct fy_node *next = pair ? fy_node_pair_value(pair) : NULL;
    bool is_collection = next && (fy_node_get_type(next) == FYNT_MAPPING || fy_node_get_type(next) == FYNT_SEQUENCE);
    if (!is_collection) { /* missing, empty or a scalar: make it a section */
      struct fy_node *section = fy_node_create_mapping(loader->doc);
      remember_origin(loader, section, set_index);
      if (pair) {
        fy_node_pair_set_value(pair, section);
        remember_origin(loader, fy_node_pair_key(pair), set_index);
      } else {
        append_pair(loader, set_index, node, segment, section);
        if (find_key(node, segment) == NULL) break;
      }
      next = section;
    }
    node = next;
    segment = dot + 1;
  }
  free(path);
}

/* ---- entry points ---- */

/* Frees the loader's document, parser and YAML diag (its errors stay pending). */
static void loader_free_parse(NpArchLoader *loader) {
  if (loader->doc) {
    if (loader->parser)
      fy_parse_document_destroy(loader->parser, loader->doc);
    else
      fy_document_destroy(loader->doc); /* a parse cache's copy */
  }
  if (loader->parser) fy_parser_destroy(loader->parser);
  if (loader->yaml_diag) fy_diag_destroy(loader->yaml_diag);
  loader->doc = NULL, loader->parser = NULL, loader->yaml_diag = NULL;
}

static void loader_free(NpArchLoader *loader) {
  flush_errors(loader);
  loader_free_parse(loader);
  free(loader->origins);
}

static NpArchLoader loader_new(const char *text, size_t len, const char *source_name, const char *const *sets,
                               size_t n_sets, NpDiag *diag) {
  return (NpArchLoader){.source = source_name ? source_name : "<config>",
                        .text = text,
                        .len = len,
                        .diag = diag,
                        .sets = sets,
                        .n_sets = n_sets};
}

/* The sets on the parsed document, then the build. */
static bool load_document(NpArchLoader *loader, NpArch *arch) {
  if (fy_node_get_type(fy_document_root(loader->doc)) == FYNT_MAPPING)
    for (size_t k = 0; k < loader->n_sets; k++) apply_set(loader, k);
  bool ok = np_arch_build(loader, arch) && loader->errors == 0;
  if (ok) snprintf(arch->origin, sizeof arch->origin, "%s", loader->source);
  return ok;
}

bool np_arch_load_text(const char *text, size_t len, const char *source_name, const char *const *sets,
                       size_t n_sets, NpArch *arch, NpDiag *diag) {
  memset(arch, 0, sizeof *arch);
  NpArchLoader loader = loader_new(text, len, source_name, sets, n_sets, diag);
  bool ok = np_yaml_text_check(text, len, loader.source, NP_ARCH_MAX_FILE_BYTES, "config", diag) &&
            parse_document(&loader) && load_document(&loader, arch);
  loader_free(&loader);
  if (!ok) memset(arch, 0, sizeof *arch);
  return ok;
}

/* ---- the parse cache ---- */

#define PARSE_CACHE_TEXTS 8

typedef struct ParsedText {
  char *text; /* a copy: the parse's tokens point into it */
  size_t len;
  struct fy_parser *parser;
  struct fy_document *doc; /* as parsed: loads work on copies */
  struct fy_diag *yaml_diag;
} ParsedText;

struct NpArchParseCache {
  ParsedText texts[PARSE_CACHE_TEXTS];
  int n, next; /* filled; the one replaced next */
};

NpArchParseCache *np_arch_parse_cache_new(void) { return np_xcalloc(1, sizeof(NpArchParseCache)); }

static void parsed_text_free(ParsedText *t) {
  if (t->doc) fy_parse_document_destroy(t->parser, t->doc);
  if (t->parser) fy_parser_destroy(t->parser);
  if (t->yaml_diag) fy_diag_destroy(t->yaml_diag);
  free(t->text);
  memset(t, 0, sizeof *t);
}

void np_arch_parse_cache_free(NpArchParseCache *cache) {
  if (cache == NULL) return;
  for (int i = 0; i < cache->n; i++) parsed_text_free(&cache->texts[i]);
  free(cache);
}

static const ParsedText *find_parsed(NpArchParseCache *cache, const char *text, size_t len) {
  for (int i = 0; i < cache->n; i++) {
    const ParsedText *t = &cache->texts[i];
    if (t->len == len && memcmp(t->text, text, len) == 0) return t;
  }
  return NULL;
}

/* Parses a copy of the loader's text and keeps the parse in the cache, in place of the
 * oldest; NULL (the errors reported) when it does not parse. */
static const ParsedText *parse_and_keep(NpArchParseCache *cache, NpArchLoader *loader) {
  const char *text = loader->text;
  char *copy = np_xmalloc(loader->len + 1);
  memcpy(copy, text, loader->len);
  copy[loader->len] = '\0';
  loader->text = copy;
  bool parsed = parse_document(loader);
  loader->text = text; /* the same bytes, for the messages */
  if (!parsed) {
    loader_free_parse(loader);
    free(copy);
    return NULL;
  }
  ParsedText *t = &cache->texts[cache->next];
  cache->next = (cache->next + 1) % PARSE_CACHE_TEXTS;
  if (cache->n < PARSE_CACHE_TEXTS) cache->n++;
  parsed_text_free(t);
  *t = (ParsedText){copy, loader->len, loader->parser, loader->doc, loader->yaml_diag};
  loader->parser = NULL, loader->doc = NULL, loader->yaml_diag = NULL;
  return t;
}

bool np_arch_load_parsed(NpArchParseCache *cache, const char *text, size_t len, const char *source_name,
                         const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag) {
  if (cache == NULL) return np_arch_load_text(text, len, source_name, sets, n_sets, arch, diag);
  memset(arch, 0, sizeof *arch);
  NpArchLoader loader = loader_new(text, len, source_name, sets, n_sets, diag);
  const ParsedText *known = find_parsed(cache, text, len);
  if (known == NULL && np_yaml_text_check(text, len, loader.source, NP_ARCH_MAX_FILE_BYTES, "config", diag))
    known = parse_and_keep(cache, &loader);
  bool ok = false;
  if (known) {
    /* the sets go on a copy; its nodes keep the parse's tokens, and so their positions */
    loader.doc = fy_document_clone(known->doc);
    if (loader.doc == NULL)
      add_unplaced(&loader, "%s: error: out of memory copying the parsed config", loader.source);
    else
      ok = load_document(&loader, arch);
  }
  loader_free(&loader);
  if (!ok) memset(arch, 0, sizeof *arch);
  return ok;
}

bool np_arch_load_file(const char *path, const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag) {
  memset(arch, 0, sizeof *arch);
  size_t len = 0;
  char *text = np_read_file(path, NP_ARCH_MAX_FILE_BYTES, "config", &len, diag);
  if (!text) return false;
  bool ok = np_arch_load_text(text, len, path, sets, n_sets, arch, diag);
  free(text);
  return ok;
}

bool np_arch_load_default(const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag) {
  return np_arch_load_text(np_embedded_default_config, np_embedded_default_config_len, NP_ARCH_DEFAULT_SOURCE, sets,
                           n_sets, arch, diag);
}
