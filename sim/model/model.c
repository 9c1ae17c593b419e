/* Model loading: pick the ONNX importer or the text graph parser for a file. */
#include "model/model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "graph/textgraph.h"
#include "onnx/onnx_import.h"
#include "util/file.h"

/* Enough of a file's start to tell a text graph (leading comments and blank lines fit). */
#define SNIFF_BYTES 4096

NpModelKind np_model_kind_from_path(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  if (!dot) return NP_MODEL_UNKNOWN;
  if (strcasecmp(dot, ".onnx") == 0) return NP_MODEL_ONNX;
  if (strcasecmp(dot, ".npg") == 0) return NP_MODEL_TEXTGRAPH;
  return NP_MODEL_UNKNOWN;
}

/* Reads the first bytes of a file: false (with an error naming it) when it cannot be read. */
static bool read_start(const char *path, char *buf, size_t size, size_t *len, NpDiag *diag) {
  FILE *f = np_open_regular(path, diag);
  if (!f) return false;
  *len = fread(buf, 1, size, f);
  bool ok = !ferror(f);
  if (!ok) np_diag_add(diag, "%s: error: cannot read: %s", path, strerror(errno));
  fclose(f);
  return ok;
}

/* The reason in a loader's message, without its "<path>: error: " prefix. */
static const char *reason_of(const char *message, const char *path) {
  size_t n = strlen(path);
  if (strncmp(message, path, n) == 0 && strncmp(message + n, ": error: ", 9) == 0) return message + n + 9;
  return message;
}

static NpGraph *load_unknown_kind(const char *path, NpDiag *diag) {
  char start[SNIFF_BYTES];
  size_t len = 0;
  if (!read_start(path, start, sizeof start, &len, diag)) return NULL;
  if (np_textgraph_sniff(start, len)) return np_textgraph_load(path, diag);
  NpDiag onnx_diag;
  np_diag_init(&onnx_diag);
  NpGraph *graph = np_onnx_import_file(path, &onnx_diag);
  if (!graph) {
    const char *why = onnx_diag.count ? reason_of(onnx_diag.messages[0], path) : "unreadable";
    np_diag_add(diag,
                "%s: error: unknown model format: not a text graph (its first line is not `graph`, `input` or a "
                "`#` comment) and not ONNX (%s)",
                path, why);
  }
  np_diag_free(&onnx_diag);
  return graph;
}

NpGraph *np_model_load(const char *path, NpDiag *diag) {
  switch (np_model_kind_from_path(path)) {
    case NP_MODEL_ONNX: return np_onnx_import_file(path, diag);
    case NP_MODEL_TEXTGRAPH: return np_textgraph_load(path, diag);
    case NP_MODEL_UNKNOWN: break;
  }
  return load_unknown_kind(path, diag);
}
