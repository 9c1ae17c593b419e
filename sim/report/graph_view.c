/* The graph view (`npusim graph`): a model's executed ops with NHWC shapes, MACs and bytes,
 * as a table or as JSON (docs/graph.md, docs/formats.md). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/views.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- shared helpers */

static bool is_activation_input(const NpTensor *t) {
  return t->role == NP_TENSOR_ACTIVATION || t->role == NP_TENSOR_INPUT;
}

static const char *op_type_of(const NpOp *op) { return op->op_type ? op->op_type : np_op_kind_name(op->kind); }

static size_t count_folded(const NpGraph *g) {
  size_t folded = 0;
  for (size_t i = 0; i < g->n_ops; i++)
    if (g->ops[i].folded) folded++;
  return folded;
}

/* ---------------------------------------------------------------- table */

static void append_shape(NpBuf *b, const NpTensor *t) {
  if (!t->shape_known) {
    np_buf_puts(b, "?");
    return;
  }
  int64_t dims[NP_MAX_RANK];
  int rank = np_tensor_physical_dims(t, dims);
  if (rank == 0) np_buf_puts(b, "scalar");
  for (int i = 0; i < rank; i++) np_buf_printf(b, "%s%" PRId64, i ? "x" : "", dims[i]);
}

/* Shapes of the given tensors, ", "-separated; weights and constants skipped when asked. */
static char *shapes_text(const NpGraph *g, const int *tensors, int n, bool activations_only) {
  NpBuf b = {0};
  bool first = true;
  for (int i = 0; i < n; i++) {
    if (tensors[i] < 0) continue;
    const NpTensor *t = &g->tensors[tensors[i]];
    if (activations_only && !is_activation_input(t)) continue;
    if (!first) np_buf_puts(&b, ", ");
    append_shape(&b, t);
    first = false;
  }
  return np_buf_take(&b);
}

/* Table cells (owned by the table): a count or a size, "-" for zero. */
static char *count_cell(int64_t n) {
  char text[NP_FMT_LEN];
  return np_xstrdup(n ? np_fmt_count(n, text) : "-");
}

static char *bytes_cell(int64_t n) {
  char text[NP_FMT_LEN];
  return np_xstrdup(n ? np_fmt_bytes(n, text) : "-");
}

enum { COL_INDEX, COL_NAME, COL_OP, COL_INPUTS, COL_OUTPUT, COL_MACS, COL_WEIGHTS, COL_OUT_BYTES, COL_MOVE, N_COLS };
static const char *const col_titles[N_COLS] = {"#",     "name",    "op",           "inputs (NHWC)", "output (NHWC)",
                                               "MACs",  "weights", "output bytes", "layout move"};
static const bool col_right[N_COLS] = {true, false, false, false, false, true, true, true, true};

typedef struct Table {
  char **cells; /* rows * N_COLS */
  size_t rows, capacity;
} Table;

static void table_add_row(Table *t, char *cells[N_COLS]) {
  np_grow((void **)&t->cells, &t->capacity, (t->rows + 1) * N_COLS, sizeof *t->cells);
  memcpy(&t->cells[t->rows * N_COLS], cells, N_COLS * sizeof *cells);
  t->rows++;
}

static void table_print(const Table *t, NpBuf *b) {
  size_t width[N_COLS];
  for (int c = 0; c < N_COLS; c++) width[c] = strlen(col_titles[c]);
  for (size_t r = 0; r < t->rows; r++)
    for (int c = 0; c < N_COLS; c++) {
      size_t w = strlen(t->cells[r * N_COLS + c]);
      if (w > width[c]) width[c] = w;
    }
  for (size_t r = 0; r <= t->rows; r++) {
    NpBuf line = {0};
    for (int c = 0; c < N_COLS; c++) {
      const char *cell = r == 0 ? col_titles[c] : t->cells[(r - 1) * N_COLS + c];
      np_buf_printf(&line, "%s%*s%s", c ? "  " : "", col_right[c] ? (int)width[c] : 0, col_right[c] ? cell : "",
                    col_right[c] ? "" : cell);
      if (!col_right[c]) np_buf_printf(&line, "%*s", (int)(width[c] - strlen(cell)), "");
    }
    size_t n = line.len; /* no trailing blanks */
    while (n > 0 && line.data[n - 1] == ' ') n--;
    np_buf_printf(b, "%.*s\n", (int)n, np_buf_str(&line));
    np_buf_free(&line);
  }
}

static void table_free(Table *t) {
  for (size_t i = 0; i < t->rows * N_COLS; i++) free(t->cells[i]);
  free(t->cells);
}

static void print_tensor_list(const NpGraph *g, const char *title, const int *tensors, size_t n, NpBuf *b) {
  np_buf_printf(b, "%s:", title);
  for (size_t i = 0; i < n; i++) {
    const NpTensor *t = &g->tensors[tensors[i]];
    NpBuf shape = {0};
    append_shape(&shape, t);
    np_buf_printf(b, "%s %s %s %s", i ? "," : "", t->name, np_dtype_name(t->dtype), np_buf_str(&shape));
    np_buf_free(&shape);
  }
  np_buf_puts(b, "\n");
}

static void print_total(NpBuf *b, const char *label, int64_t value, bool is_bytes) {
  char human[NP_FMT_LEN], exact[NP_FMT_LEN];
  if (is_bytes)
    np_fmt_bytes(value, human);
  else
    np_fmt_count(value, human);
  np_buf_printf(b, "  %-13s %-10s (%s%s)\n", label, human, np_fmt_grouped(value, exact), is_bytes ? " bytes" : "");
}

char *np_graph_view_text(const NpGraph *g, NpDtype dtype) {
  NpBuf buf = {0}, *b = &buf;
  np_buf_printf(b, "model: %s (%s)\n", g->name, g->source);
  if (dtype != NP_DTYPE_UNKNOWN) np_buf_printf(b, "dtype: floating-point tensors computed as %s\n", np_dtype_name(dtype));
  print_tensor_list(g, "inputs", g->inputs, g->n_inputs, b);
  print_tensor_list(g, "outputs", g->outputs, g->n_outputs, b);
  np_buf_puts(b, "\n");
  Table table = {0};
  bool any_move = false;
  size_t shown = 0;
  for (size_t k = 0; k < g->n_order; k++) {
    const NpOp *op = &g->ops[g->order[k]];
    if (op->folded) continue;
    char *cells[N_COLS] = {
        np_xasprintf("%zu", shown++),
        np_xstrdup(op->name),
        np_xstrdup(op_type_of(op)),
        shapes_text(g, op->inputs, op->n_inputs, true),
        shapes_text(g, op->outputs, op->n_outputs, false),
        count_cell(op->macs),
        bytes_cell(op->weight_bytes),
        bytes_cell(op->output_bytes),
        op->layout_move_bytes ? bytes_cell(op->layout_move_bytes) : np_xstrdup(""),
    };
    any_move |= op->layout_move_bytes > 0;
    table_add_row(&table, cells);
  }
  table_print(&table, b);
  table_free(&table);
  if (any_move) np_buf_puts(b, "layout move: bytes reordered because an NHWC tensor becomes plain row-major\n");

  NpGraphTotals totals = np_graph_totals(g);
  size_t folded = count_folded(g);
  np_buf_printf(b, "\ntotals: %" PRId64 " op%s", totals.ops, totals.ops == 1 ? "" : "s");
  if (folded) np_buf_printf(b, " (%zu folded at import, not shown)", folded);
  np_buf_puts(b, "\n");
  print_total(b, "MACs", totals.macs, false);
  print_total(b, "params", totals.params, false);
  print_total(b, "weights", totals.weight_bytes, true);
  print_total(b, "activations", totals.activation_bytes, true);
  return np_buf_take(b);
}

/* ---------------------------------------------------------------- JSON */

static json_t *json_tensor(const NpGraph *g, int index) {
  const NpTensor *t = &g->tensors[index];
  json_t *shape = json_array();
  int64_t dims[NP_MAX_RANK];
  int rank = t->shape_known ? np_tensor_physical_dims(t, dims) : 0;
  for (int i = 0; i < rank; i++) json_array_append_new(shape, json_integer(dims[i]));
  json_t *obj = json_object();
  json_object_set_new(obj, "name", np_json_string(t->name));
  json_object_set_new(obj, "shape", t->shape_known ? shape : (json_decref(shape), json_null()));
  json_object_set_new(obj, "layout", np_json_string(t->layout == NP_LAYOUT_NHWC ? "NHWC" : "plain"));
  json_object_set_new(obj, "dtype", np_json_string(np_dtype_name(t->dtype)));
  json_object_set_new(obj, "bytes", json_integer(t->bytes));
  return obj;
}

typedef enum TensorPick { PICK_ACTIVATIONS, PICK_WEIGHTS, PICK_ALL } TensorPick;

static json_t *json_tensors(const NpGraph *g, const int *tensors, size_t n, TensorPick pick) {
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    if (tensors[i] < 0) continue;
    const NpTensor *t = &g->tensors[tensors[i]];
    if (pick == PICK_ACTIVATIONS && !is_activation_input(t)) continue;
    if (pick == PICK_WEIGHTS && t->role != NP_TENSOR_WEIGHT) continue;
    json_array_append_new(list, json_tensor(g, tensors[i]));
  }
  return list;
}

static json_t *json_layer(const NpGraph *g, const NpOp *op, size_t index) {
  json_t *layer = json_object();
  json_object_set_new(layer, "index", json_integer((json_int_t)index));
  json_object_set_new(layer, "name", np_json_string(op->name));
  json_object_set_new(layer, "op", np_json_string(op_type_of(op)));
  json_object_set_new(layer, "inputs", json_tensors(g, op->inputs, (size_t)op->n_inputs, PICK_ACTIVATIONS));
  json_object_set_new(layer, "weights", json_tensors(g, op->inputs, (size_t)op->n_inputs, PICK_WEIGHTS));
  json_object_set_new(layer, "outputs", json_tensors(g, op->outputs, (size_t)op->n_outputs, PICK_ALL));
  json_object_set_new(layer, "macs", json_integer(op->macs));
  json_object_set_new(layer, "elements", json_integer(op->elements));
  json_object_set_new(layer, "weight_bytes", json_integer(op->weight_bytes));
  json_object_set_new(layer, "input_bytes", json_integer(op->input_bytes));
  json_object_set_new(layer, "output_bytes", json_integer(op->output_bytes));
  json_object_set_new(layer, "layout_move_bytes", json_integer(op->layout_move_bytes));
  return layer;
}

char *np_graph_view_json(const NpGraph *g, NpDtype dtype) {
  json_t *root = json_object();
  json_object_set_new(root, "schema", np_json_string(NP_GRAPH_JSON_SCHEMA));
  json_object_set_new(root, "model", np_json_string(g->name));
  json_object_set_new(root, "source", np_json_string(g->source));
  json_object_set_new(root, "compute_dtype", dtype != NP_DTYPE_UNKNOWN ? np_json_string(np_dtype_name(dtype)) : json_null());
  json_object_set_new(root, "inputs", json_tensors(g, g->inputs, g->n_inputs, PICK_ALL));
  json_object_set_new(root, "outputs", json_tensors(g, g->outputs, g->n_outputs, PICK_ALL));
  json_t *layers = json_array();
  size_t shown = 0;
  for (size_t k = 0; k < g->n_order; k++) {
    const NpOp *op = &g->ops[g->order[k]];
    if (!op->folded) json_array_append_new(layers, json_layer(g, op, shown++));
  }
  json_object_set_new(root, "layers", layers);
  json_object_set_new(root, "folded_ops", json_integer((json_int_t)count_folded(g)));
  NpGraphTotals totals = np_graph_totals(g);
  json_t *t = json_object();
  json_object_set_new(t, "ops", json_integer(totals.ops));
  json_object_set_new(t, "macs", json_integer(totals.macs));
  json_object_set_new(t, "params", json_integer(totals.params));
  json_object_set_new(t, "weight_bytes", json_integer(totals.weight_bytes));
  json_object_set_new(t, "activation_bytes", json_integer(totals.activation_bytes));
  json_object_set_new(root, "totals", t);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!text) return NULL;
  char *out = np_xasprintf("%s\n", text);
  free(text);
  return out;
}

