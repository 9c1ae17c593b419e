/* The graph builder: tensors and ops, name lookup, shapes, and the dtype/op-kind tables. */
#include "graph/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "util/buf.h"
#include "util/mem.h"

/* ---- data types ---- */

static const struct {
  const char *name;
  int bytes;
} dtype_table[NP_DTYPE_COUNT] = {
    [NP_DTYPE_UNKNOWN] = {"unknown", 0}, [NP_DTYPE_INT8] = {"int8", 1},   [NP_DTYPE_UINT8] = {"uint8", 1},
    [NP_DTYPE_INT16] = {"int16", 2},     [NP_DTYPE_INT32] = {"int32", 4}, [NP_DTYPE_INT64] = {"int64", 8},
    [NP_DTYPE_FP16] = {"fp16", 2},       [NP_DTYPE_BF16] = {"bf16", 2},   [NP_DTYPE_FP32] = {"fp32", 4},
    [NP_DTYPE_FP64] = {"fp64", 8},       [NP_DTYPE_BOOL] = {"bool", 1},
};

int np_dtype_bytes(NpDtype dtype) {
  return (dtype >= 0 && dtype < NP_DTYPE_COUNT) ? dtype_table[dtype].bytes : 0;
}

const char *np_dtype_name(NpDtype dtype) {
  return (dtype >= 0 && dtype < NP_DTYPE_COUNT) ? dtype_table[dtype].name : "unknown";
}

NpDtype np_dtype_from_name(const char *name) {
  if (name == NULL) return NP_DTYPE_UNKNOWN;
  for (int d = NP_DTYPE_UNKNOWN + 1; d < NP_DTYPE_COUNT; d++)
    if (strcmp(name, dtype_table[d].name) == 0) return (NpDtype)d;
  return NP_DTYPE_UNKNOWN;
}

char *np_dtype_name_list(void) {
  const char *names[NP_DTYPE_COUNT];
  size_t n = 0;
  for (int d = NP_DTYPE_UNKNOWN + 1; d < NP_DTYPE_COUNT; d++) names[n++] = dtype_table[d].name;
  NpBuf b = {0};
  np_buf_put_names(&b, names, n, " or ");
  return np_buf_take(&b);
}

bool np_weight_bits_valid(int64_t bits) { return bits == 8 || bits == 6 || bits == 4 || bits == 2; }

int64_t np_weight_table_bytes(int bits, int element_bytes) {
  if (!np_weight_bits_valid(bits) || bits >= 8 * element_bytes) return 0;
  int64_t entries = bits == 8 ? 2 : INT64_C(1) << bits; /* scale and zero point, or the palette */
  return entries * element_bytes;
}

int64_t np_weight_stored_bytes(int64_t elements, int bits, int element_bytes) {
  int64_t bytes;
  if (!np_weight_bits_valid(bits) || bits >= 8 * element_bytes)
    return np_mul_i64(elements, element_bytes, &bytes) ? bytes : -1;
  if (!np_mul_i64(elements, bits, &bytes)) return -1;
  return np_ceil_div_i64(bytes, 8) + np_weight_table_bytes(bits, element_bytes);
}

bool np_weight_bits_parse(const char *text, int *bits, char *err, size_t err_size) {
  if (strcmp(text, "dtype") == 0) {
    *bits = 0;
    return true;
  }
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (text[0] < '0' || text[0] > '9' || *end != '\0' || !np_weight_bits_valid(v)) {
    snprintf(err, err_size, "weight bits '%.40s': expected %s, or dtype", text, NP_WEIGHT_BITS_LIST);
    return false;
  }
  *bits = (int)v;
  return true;
}

bool np_dtype_is_float(NpDtype dtype) {
  return dtype == NP_DTYPE_FP16 || dtype == NP_DTYPE_BF16 || dtype == NP_DTYPE_FP32 || dtype == NP_DTYPE_FP64;
}

/* ---- op kinds ---- */

static const struct {
  const char *onnx;
  NpOpClass cls;
} kind_table[NP_OP_KIND_COUNT] = {
    [NP_OP_CONV] = {"Conv", NP_CLASS_MATRIX},
    [NP_OP_CONV_TRANSPOSE] = {"ConvTranspose", NP_CLASS_MATRIX},
    [NP_OP_GEMM] = {"Gemm", NP_CLASS_MATRIX},
    [NP_OP_MATMUL] = {"MatMul", NP_CLASS_MATRIX},
    [NP_OP_MAXPOOL] = {"MaxPool", NP_CLASS_POOL},
    [NP_OP_AVGPOOL] = {"AveragePool", NP_CLASS_POOL},
    [NP_OP_GLOBAL_AVGPOOL] = {"GlobalAveragePool", NP_CLASS_POOL},
    [NP_OP_ADD] = {"Add", NP_CLASS_ELEMENTWISE},
    [NP_OP_SUB] = {"Sub", NP_CLASS_ELEMENTWISE},
    [NP_OP_MUL] = {"Mul", NP_CLASS_ELEMENTWISE},
    [NP_OP_DIV] = {"Div", NP_CLASS_ELEMENTWISE},
    [NP_OP_RELU] = {"Relu", NP_CLASS_ELEMENTWISE},
    [NP_OP_CLIP] = {"Clip", NP_CLASS_ELEMENTWISE},
    [NP_OP_SIGMOID] = {"Sigmoid", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_HARD_SIGMOID] = {"HardSigmoid", NP_CLASS_ELEMENTWISE},
    [NP_OP_HARD_SWISH] = {"HardSwish", NP_CLASS_ELEMENTWISE},
    [NP_OP_TANH] = {"Tanh", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_ERF] = {"Erf", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_SOFTMAX] = {"Softmax", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_LAYER_NORM] = {"LayerNormalization", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_REDUCE_MEAN] = {"ReduceMean", NP_CLASS_REDUCTION},
    [NP_OP_POW] = {"Pow", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_SQRT] = {"Sqrt", NP_CLASS_TRANSCENDENTAL},
    [NP_OP_CONCAT] = {"Concat", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_SPLIT] = {"Split", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_SLICE] = {"Slice", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_RESHAPE] = {"Reshape", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_FLATTEN] = {"Flatten", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_TRANSPOSE] = {"Transpose", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_SQUEEZE] = {"Squeeze", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_UNSQUEEZE] = {"Unsqueeze", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_IDENTITY] = {"Identity", NP_CLASS_NONE},
    [NP_OP_CONSTANT] = {"Constant", NP_CLASS_NONE},
    [NP_OP_SHAPE] = {"Shape", NP_CLASS_NONE},
    [NP_OP_GATHER] = {"Gather", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_RESIZE] = {"Resize", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_PAD] = {"Pad", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_BATCH_NORM] = {"BatchNormalization", NP_CLASS_ELEMENTWISE},
    [NP_OP_DROPOUT] = {"Dropout", NP_CLASS_NONE},
    [NP_OP_CAST] = {"Cast", NP_CLASS_ELEMENTWISE},
    [NP_OP_EXPAND] = {"Expand", NP_CLASS_DATA_MOVEMENT},
    [NP_OP_OPAQUE] = {"Opaque", NP_CLASS_OTHER},
};

const char *np_op_kind_name(NpOpKind kind) {
  return (kind >= 0 && kind < NP_OP_KIND_COUNT) ? kind_table[kind].onnx : "Opaque";
}

NpOpKind np_op_kind_from_onnx(const char *op_type) {
  if (op_type == NULL) return NP_OP_OPAQUE;
  for (int k = 0; k < NP_OP_OPAQUE; k++)
    if (strcmp(op_type, kind_table[k].onnx) == 0) return (NpOpKind)k;
  return NP_OP_OPAQUE;
}

NpOpClass np_op_class(NpOpKind kind) {
  return (kind >= 0 && kind < NP_OP_KIND_COUNT) ? kind_table[kind].cls : NP_CLASS_OTHER;
}

void np_attrs_init(NpAttrs *attrs) {
  memset(attrs, 0, sizeof *attrs);
  attrs->stride[0] = attrs->stride[1] = 1;
  attrs->dilation[0] = attrs->dilation[1] = 1;
  attrs->group = 1;
  attrs->axis = NP_AXIS_UNSET;
  attrs->keepdims = 1;
  attrs->alpha = 1.0f;
  attrs->beta = 1.0f;
  attrs->clip_min = -3.402823466e38f;
  attrs->clip_max = 3.402823466e38f;
  attrs->to = NP_DTYPE_UNKNOWN;
  attrs->start = 0;
  attrs->end = INT64_MAX;
}

/* ---- graph ---- */

NpGraph *np_graph_new(const char *name, const char *source) {
  NpGraph *g = np_xcalloc(1, sizeof *g);
  g->name = np_xstrdup(name ? name : "");
  g->source = np_xstrdup(source ? source : "<graph>");
  np_strmap_init(&g->tensor_index);
  return g;
}

void np_graph_free(NpGraph *graph) {
  if (graph == NULL) return;
  for (size_t i = 0; i < graph->n_tensors; i++) {
    NpTensor *t = &graph->tensors[i];
    free(t->name);
    free(t->values);
    free(t->fvalues);
  }
  for (size_t i = 0; i < graph->n_ops; i++) {
    NpOp *op = &graph->ops[i];
    free(op->name);
    free(op->op_type);
    free(op->attrs.ints);
    free(op->inputs);
    free(op->outputs);
  }
  free(graph->tensors);
  free(graph->ops);
  free(graph->order);
  free(graph->inputs);
  free(graph->outputs);
  np_strmap_free(&graph->tensor_index);
  free(graph->name);
  free(graph->source);
  free(graph);
}

int np_graph_add_tensor(NpGraph *graph, const char *name, NpDtype dtype, NpTensorRole role, NpDiag *diag) {
  if (name == NULL || name[0] == '\0') {
    np_diag_add(diag, "%s: error: a tensor has an empty name", graph->source);
    return -1;
  }
  int existing;
  if (np_strmap_get(&graph->tensor_index, name, &existing)) {
    np_diag_add(diag, "%s: error: tensor '%s' is defined twice", graph->source, name);
    return -1;
  }
  if (graph->n_tensors >= NP_GRAPH_MAX_TENSORS) {
    np_diag_add(diag, "%s: error: tensor '%s': more than %d tensors", graph->source, name, NP_GRAPH_MAX_TENSORS);
    return -1;
  }
  np_grow((void **)&graph->tensors, &graph->tensors_capacity, graph->n_tensors + 1, sizeof *graph->tensors);
  int index = (int)graph->n_tensors++;
  NpTensor *t = &graph->tensors[index];
  memset(t, 0, sizeof *t);
  t->name = np_printable_copy(name);
  t->dtype = (dtype >= 0 && dtype < NP_DTYPE_COUNT) ? dtype : NP_DTYPE_UNKNOWN;
  t->role = role;
  t->producer = -1;
  np_strmap_put(&graph->tensor_index, name, index);
  return index;
}

int np_graph_find_tensor(const NpGraph *graph, const char *name) {
  int index;
  return (name && np_strmap_get(&graph->tensor_index, name, &index)) ? index : -1;
}

static bool valid_tensor(const NpGraph *graph, int tensor) {
  return tensor >= 0 && (size_t)tensor < graph->n_tensors;
}

bool np_shape_elements(int rank, const int64_t *dims, int64_t *elements) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || !np_mul_i64(n, dims[i], &n)) return false;
  }
  *elements = n;
  return true;
}

void np_tensor_update_bytes(NpTensor *t) {
  int64_t bytes = 0;
  /* elements <= 2^40 and dtype bytes <= 8 cannot overflow. */
  if (t->shape_known) bytes = t->elements * np_dtype_bytes(t->dtype);
  t->bytes = bytes;
}

bool np_tensor_set_shape(NpGraph *graph, int tensor, int rank, const int64_t *dims, NpDiag *diag) {
  if (!valid_tensor(graph, tensor)) {
    np_diag_add(diag, "%s: error: no tensor with index %d", graph->source, tensor);
    return false;
  }
  NpTensor *t = &graph->tensors[tensor];
  char shape[NP_SHAPE_TEXT_MAX];
  if (rank < 0 || rank > NP_MAX_RANK) {
    np_diag_add(diag, "%s: error: tensor '%s': rank %d is outside 0..%d", graph->source, t->name, rank,
                NP_MAX_RANK);
    return false;
  }
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0) {
      np_shape_text(rank, dims, shape);
      np_diag_add(diag, "%s: error: tensor '%s': negative dim in shape %s", graph->source, t->name, shape);
      return false;
    }
  }
  int64_t elements;
  if (!np_shape_elements(rank, dims, &elements) || elements > NP_TENSOR_MAX_ELEMENTS) {
    np_shape_text(rank, dims, shape);
    np_diag_add(diag, "%s: error: tensor '%s': shape %s has more than 2^40 elements", graph->source, t->name, shape);
    return false;
  }
  t->rank = rank;
  memset(t->dims, 0, sizeof t->dims);
  for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
  t->elements = elements;
  t->shape_known = true;
  np_tensor_update_bytes(t);
  return true;
}

bool np_tensor_declare_shape(NpGraph *graph, int tensor, int rank, const int64_t *dims, NpDiag *diag) {
  if (!valid_tensor(graph, tensor)) {
    np_diag_add(diag, "%s: error: no tensor with index %d", graph->source, tensor);
    return false;
  }
  NpTensor *t = &graph->tensors[tensor];
  if (rank < 0 || rank > NP_MAX_RANK) {
    np_diag_add(diag, "%s: error: tensor '%s': declared rank %d is outside 0..%d", graph->source, t->name, rank,
                NP_MAX_RANK);
    return false;
  }
  for (int i = 0; i < rank; i++) {
    if (dims[i] < -1) {
      np_diag_add(diag, "%s: error: tensor '%s': declared dim %lld is negative", graph->source, t->name,
                  (long long)dims[i]);
      return false;
    }
  }
  t->has_declared_shape = true;
  t->declared_rank = rank;
  for (int i = 0; i < NP_MAX_RANK; i++) t->declared_dims[i] = i < rank ? dims[i] : 0;
  return true;
}

bool np_tensor_set_values(NpGraph *graph, int tensor, const int64_t *ints, const double *reals, int64_t count,
                          NpDiag *diag) {
  if (!valid_tensor(graph, tensor)) {
    np_diag_add(diag, "%s: error: no tensor with index %d", graph->source, tensor);
    return false;
  }
  NpTensor *t = &graph->tensors[tensor];
  if (!t->shape_known || count != t->elements || count > NP_CONST_MAX_VALUES || (ints == NULL) == (reals == NULL)) {
    np_diag_add(diag, "%s: error: tensor '%s': %lld values for a tensor of %lld elements (at most %d kept)",
                graph->source, t->name, (long long)count, (long long)(t->shape_known ? t->elements : -1),
                NP_CONST_MAX_VALUES);
    return false;
  }
  size_t n = (size_t)count;
  if (ints) {
    free(t->values);
    t->values = np_xmalloc((n ? n : 1) * sizeof *t->values);
    if (n) memcpy(t->values, ints, n * sizeof *ints);
    t->role = NP_TENSOR_CONST;
  } else {
    free(t->fvalues);
    t->fvalues = np_xmalloc((n ? n : 1) * sizeof *t->fvalues);
    if (n) memcpy(t->fvalues, reals, n * sizeof *reals);
  }
  return true;
}

static bool check_op_tensors(NpGraph *graph, const char *name, const char *op_type, const int *list, int n,
                             bool outputs, NpDiag *diag) {
  for (int i = 0; i < n; i++) {
    int t = list[i];
    if (t == -1) continue;
    if (!valid_tensor(graph, t)) {
      np_diag_add(diag, "%s: error: node '%s' (%s): %s %d is not a tensor index", graph->source, name, op_type,
                  outputs ? "output" : "input", i);
      return false;
    }
    if (!outputs) continue;
    const NpTensor *tensor = &graph->tensors[t];
    if (tensor->producer >= 0) {
      np_diag_add(diag, "%s: error: node '%s' (%s): output '%s' is already produced by node '%s'", graph->source,
                  name, op_type, tensor->name, graph->ops[tensor->producer].name);
      return false;
    }
    if (tensor->is_graph_input || tensor->role == NP_TENSOR_INPUT) {
      np_diag_add(diag, "%s: error: node '%s' (%s): output '%s' is a graph input", graph->source, name, op_type,
                  tensor->name);
      return false;
    }
    for (int j = 0; j < i; j++) {
      if (list[j] == t) {
        np_diag_add(diag, "%s: error: node '%s' (%s): output '%s' is listed twice", graph->source, name, op_type,
                    tensor->name);
        return false;
      }
    }
  }
  return true;
}

static int *copy_ints(const int *list, int n) {
  int *copy = np_xmalloc((n > 0 ? (size_t)n : 1) * sizeof *copy);
  if (n > 0) memcpy(copy, list, (size_t)n * sizeof *copy);
  return copy;
}

int np_graph_add_op(NpGraph *graph, const char *name, const char *op_type, const NpAttrs *attrs,
                    const int *inputs, int n_inputs, const int *outputs, int n_outputs, NpDiag *diag) {
  char fallback[64];
  if (op_type == NULL || op_type[0] == '\0') op_type = "?";
  if (name == NULL || name[0] == '\0') {
    snprintf(fallback, sizeof fallback, "%.40s_%zu", op_type, graph->n_ops);
    name = fallback;
  }
  bool ok = true;
  if (graph->n_ops >= NP_GRAPH_MAX_OPS) {
    np_diag_add(diag, "%s: error: node '%s' (%s): more than %d nodes", graph->source, name, op_type,
                NP_GRAPH_MAX_OPS);
    ok = false;
  } else if (n_inputs < 0 || n_outputs < 0 || n_inputs > NP_OP_MAX_IO || n_outputs > NP_OP_MAX_IO) {
    np_diag_add(diag, "%s: error: node '%s' (%s): %d inputs and %d outputs (at most %d each)", graph->source, name,
                op_type, n_inputs, n_outputs, NP_OP_MAX_IO);
    ok = false;
  } else {
    ok = check_op_tensors(graph, name, op_type, inputs, n_inputs, false, diag) &&
         check_op_tensors(graph, name, op_type, outputs, n_outputs, true, diag);
  }
  if (!ok) {
    if (attrs) free(attrs->ints);
    return -1;
  }
  np_grow((void **)&graph->ops, &graph->ops_capacity, graph->n_ops + 1, sizeof *graph->ops);
  int index = (int)graph->n_ops++;
  NpOp *op = &graph->ops[index];
  memset(op, 0, sizeof *op);
  op->name = np_printable_copy(name);
  op->op_type = np_printable_copy(op_type);
  op->kind = np_op_kind_from_onnx(op_type);
  if (attrs) {
    op->attrs = *attrs;
  } else {
    np_attrs_init(&op->attrs);
  }
  op->inputs = copy_ints(inputs, n_inputs);
  op->n_inputs = n_inputs;
  op->outputs = copy_ints(outputs, n_outputs);
  op->n_outputs = n_outputs;
  for (int i = 0; i < n_outputs; i++) {
    if (outputs[i] < 0) continue;
    NpTensor *t = &graph->tensors[outputs[i]];
    t->producer = index;
    if (op->kind != NP_OP_CONSTANT) t->role = NP_TENSOR_ACTIVATION;
  }
  graph->finalized = false;
  return index;
}

void np_graph_mark_input(NpGraph *graph, int tensor) {
  if (!valid_tensor(graph, tensor)) return;
  NpTensor *t = &graph->tensors[tensor];
  if (t->is_graph_input || t->role == NP_TENSOR_WEIGHT || t->role == NP_TENSOR_CONST || t->producer >= 0) return;
  t->is_graph_input = true;
  t->role = NP_TENSOR_INPUT;
  size_t cap = graph->n_inputs;
  np_grow((void **)&graph->inputs, &cap, graph->n_inputs + 1, sizeof *graph->inputs);
  graph->inputs[graph->n_inputs++] = tensor;
}

void np_graph_mark_output(NpGraph *graph, int tensor) {
  if (!valid_tensor(graph, tensor)) return;
  NpTensor *t = &graph->tensors[tensor];
  if (t->is_graph_output) return;
  t->is_graph_output = true;
  size_t cap = graph->n_outputs;
  np_grow((void **)&graph->outputs, &cap, graph->n_outputs + 1, sizeof *graph->outputs);
  graph->outputs[graph->n_outputs++] = tensor;
}

/* ---- queries ---- */

int np_tensor_physical_dims(const NpTensor *t, int64_t out[NP_MAX_RANK]) {
  for (int i = 0; i < t->rank; i++) out[i] = t->dims[i];
  if (t->layout == NP_LAYOUT_NHWC && t->rank == 4) {
    out[1] = t->dims[2];
    out[2] = t->dims[3];
    out[3] = t->dims[1];
  }
  return t->rank;
}

NpGraphTotals np_graph_totals(const NpGraph *graph) {
  NpGraphTotals totals = {0, 0, 0, 0, 0};
  /* A weight shared by several ops is one parameter tensor: count each tensor once. */
  unsigned char *counted = np_xcalloc(graph->n_tensors ? graph->n_tensors : 1, 1);
  for (size_t i = 0; i < graph->n_ops; i++) {
    const NpOp *op = &graph->ops[i];
    if (op->folded) continue;
    totals.ops++;
    totals.macs += op->macs;
    totals.activation_bytes += op->output_bytes;
    for (int k = 0; k < op->n_inputs; k++) {
      int t = op->inputs[k];
      if (t < 0 || counted[t] || graph->tensors[t].role != NP_TENSOR_WEIGHT) continue;
      counted[t] = 1;
      totals.params += graph->tensors[t].elements;
      totals.weight_bytes += graph->tensors[t].bytes;
    }
  }
  free(counted);
  return totals;
}

void np_graph_set_compute_dtype(NpGraph *graph, NpDtype dtype) {
  for (size_t i = 0; i < graph->n_tensors; i++) {
    NpTensor *t = &graph->tensors[i];
    if (t->role == NP_TENSOR_CONST || !np_dtype_is_float(t->dtype)) continue;
    t->dtype = dtype;
    np_tensor_update_bytes(t);
  }
  if (graph->finalized) np_graph_account(graph);
}
