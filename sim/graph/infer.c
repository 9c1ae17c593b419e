/* Shape inference: shared helpers, the per-kind table, and the elementwise and unary ops. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

void np_shape_text(int rank, const int64_t *dims, char text[NP_SHAPE_TEXT_MAX]) {
  size_t used = 0;
  text[used++] = '[';
  for (int i = 0; i < rank && used < NP_SHAPE_TEXT_MAX - 24; i++) {
    if (dims[i] == -1) {
      used += (size_t)snprintf(text + used, NP_SHAPE_TEXT_MAX - used, "%s?", i ? "," : "");
    } else {
      used += (size_t)snprintf(text + used, NP_SHAPE_TEXT_MAX - used, "%s%lld", i ? "," : "", (long long)dims[i]);
    }
  }
  snprintf(text + used, NP_SHAPE_TEXT_MAX - used, "]");
}

bool np_op_error(NpInferCtx *c, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *what = np_xvasprintf(fmt, args);
  va_end(args);
  np_diag_add(c->diag, "%s: error: node '%s' (%s): %s", c->graph->source, c->op->name, c->op->op_type, what);
  free(what);
  return false;
}

NpTensor *np_op_input(const NpInferCtx *c, int i) {
  if (i < 0 || i >= c->op->n_inputs || c->op->inputs[i] < 0) return NULL;
  return &c->graph->tensors[c->op->inputs[i]];
}

NpTensor *np_op_output(const NpInferCtx *c, int i) {
  if (i < 0 || i >= c->op->n_outputs || c->op->outputs[i] < 0) return NULL;
  return &c->graph->tensors[c->op->outputs[i]];
}

bool np_op_require_inputs(NpInferCtx *c, int min, int max) {
  if (c->op->n_inputs > max) return np_op_error(c, "takes at most %d inputs, has %d", max, c->op->n_inputs);
  for (int i = 0; i < min; i++) {
    if (np_op_input(c, i) == NULL) return np_op_error(c, "needs at least %d inputs, input %d is missing", min, i);
  }
  if (c->op->n_outputs < 1 || np_op_output(c, 0) == NULL) return np_op_error(c, "has no output");
  return true;
}

bool np_op_set_output(NpInferCtx *c, int i, int rank, const int64_t *dims, NpDtype dtype) {
  NpTensor *t = np_op_output(c, i);
  if (t == NULL) return true;
  char shape[NP_SHAPE_TEXT_MAX];
  if (rank < 0 || rank > NP_MAX_RANK)
    return np_op_error(c, "output '%s' would have rank %d (at most %d)", t->name, rank, NP_MAX_RANK);
  for (int d = 0; d < rank; d++) {
    if (dims[d] < 0) {
      np_shape_text(rank, dims, shape);
      return np_op_error(c, "output '%s' would have a negative dim %lld (shape %s)", t->name, (long long)dims[d],
                         shape);
    }
  }
  int64_t elements;
  if (!np_shape_elements(rank, dims, &elements) || elements > NP_TENSOR_MAX_ELEMENTS) {
    np_shape_text(rank, dims, shape);
    return np_op_error(c, "output '%s' would have shape %s, more than 2^40 elements", t->name, shape);
  }
  t->rank = rank;
  memset(t->dims, 0, sizeof t->dims);
  memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
  t->elements = elements;
  t->shape_known = true;
  if (dtype != NP_DTYPE_UNKNOWN) t->dtype = dtype;
  np_tensor_update_bytes(t);
  return true;
}

bool np_op_axis(NpInferCtx *c, int64_t axis, int rank, const char *what, int *out) {
  if (axis < -(int64_t)rank || axis >= rank)
    return np_op_error(c, "%s %lld is outside [%d, %d] for rank %d", what, (long long)axis, -rank, rank - 1, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return true;
}

bool np_op_const_ints(NpInferCtx *c, int i, const char *what, const int64_t **values, int64_t *count) {
  const NpTensor *t = np_op_input(c, i);
  if (t == NULL) return np_op_error(c, "the %s input is missing", what);
  if (t->values == NULL)
    return np_op_error(c, "the %s input '%s' is not a constant with known integer values", what, t->name);
  *values = t->values;
  *count = t->elements;
  return true;
}

bool np_broadcast_dims(int rank_a, const int64_t *a, int rank_b, const int64_t *b, int *rank_out, int64_t *out) {
  int rank = rank_a > rank_b ? rank_a : rank_b;
  for (int i = 0; i < rank; i++) {
    /* Align from the right; a missing leading dim acts as 1. */
    int64_t da = i < rank - rank_a ? 1 : a[i - (rank - rank_a)];
    int64_t db = i < rank - rank_b ? 1 : b[i - (rank - rank_b)];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  *rank_out = rank;
  return true;
}

bool np_op_broadcast(NpInferCtx *c, int rank_a, const int64_t *a, int rank_b, const int64_t *b, int *rank_out,
                     int64_t *out) {
  if (np_broadcast_dims(rank_a, a, rank_b, b, rank_out, out)) return true;
  char sa[NP_SHAPE_TEXT_MAX], sb[NP_SHAPE_TEXT_MAX];
  np_shape_text(rank_a, a, sa);
  np_shape_text(rank_b, b, sb);
  return np_op_error(c, "shapes %s and %s do not broadcast", sa, sb);
}

NpDtype np_op_data_dtype(const NpInferCtx *c) {
  const NpTensor *t = np_op_input(c, 0);
  return t ? t->dtype : NP_DTYPE_UNKNOWN;
}

/* ---- elementwise and unary ops ---- */

/* Add, Sub, Mul, Div, Pow: multidirectional broadcasting; the output takes input 0's type. */
static bool infer_binary(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 2)) return false;
  const NpTensor *a = np_op_input(c, 0), *b = np_op_input(c, 1);
  int64_t dims[NP_MAX_RANK];
  int rank = 0;
  if (!np_op_broadcast(c, a->rank, a->dims, b->rank, b->dims, &rank, dims)) return false;
  return np_op_set_output(c, 0, rank, dims, a->dtype);
}

/* One data input (others optional: Clip's bounds, Dropout's ratio); outputs keep its shape.
 * Dropout's optional mask is bool. */
static bool infer_same_shape(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 3)) return false;
  const NpTensor *x = np_op_input(c, 0);
  if (!np_op_set_output(c, 0, x->rank, x->dims, x->dtype)) return false;
  if (c->op->kind == NP_OP_DROPOUT) return np_op_set_output(c, 1, x->rank, x->dims, NP_DTYPE_BOOL);
  if (c->op->n_outputs > 1) return np_op_error(c, "has %d outputs, expected 1", c->op->n_outputs);
  return true;
}

static bool infer_softmax(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int axis;
  int64_t given = c->op->attrs.axis == NP_AXIS_UNSET ? -1 : c->op->attrs.axis;
  if (x->rank == 0) return np_op_error(c, "input '%s' is a scalar", x->name);
  if (!np_op_axis(c, given, x->rank, "axis", &axis)) return false;
  return np_op_set_output(c, 0, x->rank, x->dims, x->dtype);
}

static bool infer_cast(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  NpDtype to = c->op->attrs.to;
  if (to == NP_DTYPE_UNKNOWN) {
    const NpTensor *y = np_op_output(c, 0);
    to = y->dtype != NP_DTYPE_UNKNOWN ? y->dtype : x->dtype;
  }
  return np_op_set_output(c, 0, x->rank, x->dims, to);
}

/* The importer gives a Constant's output its shape (and values when small). */
static bool infer_constant(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 0, 0)) return false;
  const NpTensor *y = np_op_output(c, 0);
  if (!y->shape_known) return np_op_error(c, "output '%s' has no shape (the value attribute is missing)", y->name);
  return true;
}

/* Outside the supported set: the file's declared output shapes are the only source. */
static bool infer_opaque(NpInferCtx *c) {
  for (int i = 0; i < c->op->n_outputs; i++) {
    const NpTensor *y = np_op_output(c, i);
    if (y == NULL) continue;
    bool known = y->has_declared_shape;
    for (int d = 0; known && d < y->declared_rank; d++) known = y->declared_dims[d] >= 0;
    if (!known)
      return np_op_error(c, "cannot infer its shapes: not a supported op and the file declares no shape for its "
                            "output '%s'",
                         y->name);
    if (!np_op_set_output(c, i, y->declared_rank, y->declared_dims, NP_DTYPE_UNKNOWN)) return false;
  }
  return true;
}

static const NpInferFn infer_table[NP_OP_KIND_COUNT] = {
    [NP_OP_CONV] = np_infer_conv,
    [NP_OP_CONV_TRANSPOSE] = np_infer_conv_transpose,
    [NP_OP_GEMM] = np_infer_gemm,
    [NP_OP_MATMUL] = np_infer_matmul,
    [NP_OP_MAXPOOL] = np_infer_pool,
    [NP_OP_AVGPOOL] = np_infer_pool,
    [NP_OP_GLOBAL_AVGPOOL] = np_infer_global_pool,
    [NP_OP_ADD] = infer_binary,
    [NP_OP_SUB] = infer_binary,
    [NP_OP_MUL] = infer_binary,
    [NP_OP_DIV] = infer_binary,
    [NP_OP_POW] = infer_binary,
    [NP_OP_RELU] = infer_same_shape,
    [NP_OP_CLIP] = infer_same_shape,
    [NP_OP_SIGMOID] = infer_same_shape,
    [NP_OP_HARD_SIGMOID] = infer_same_shape,
    [NP_OP_HARD_SWISH] = infer_same_shape,
    [NP_OP_TANH] = infer_same_shape,
    [NP_OP_ERF] = infer_same_shape,
    [NP_OP_SQRT] = infer_same_shape,
    [NP_OP_IDENTITY] = infer_same_shape,
    [NP_OP_DROPOUT] = infer_same_shape,
    [NP_OP_CAST] = infer_cast,
    [NP_OP_SOFTMAX] = infer_softmax,
    [NP_OP_LAYER_NORM] = np_infer_layer_norm,
    [NP_OP_BATCH_NORM] = np_infer_batch_norm,
    [NP_OP_REDUCE_MEAN] = np_infer_reduce_mean,
    [NP_OP_CONCAT] = np_infer_concat,
    [NP_OP_SPLIT] = np_infer_split,
    [NP_OP_SLICE] = np_infer_slice,
    [NP_OP_RESHAPE] = np_infer_reshape,
    [NP_OP_FLATTEN] = np_infer_flatten,
    [NP_OP_TRANSPOSE] = np_infer_transpose,
    [NP_OP_SQUEEZE] = np_infer_squeeze,
    [NP_OP_UNSQUEEZE] = np_infer_unsqueeze,
    [NP_OP_CONSTANT] = infer_constant,
    [NP_OP_SHAPE] = np_infer_shape,
    [NP_OP_GATHER] = np_infer_gather,
    [NP_OP_RESIZE] = np_infer_resize,
    [NP_OP_PAD] = np_infer_pad,
    [NP_OP_EXPAND] = np_infer_expand,
    [NP_OP_OPAQUE] = infer_opaque,
};

NpInferFn np_infer_fn(NpOpKind kind) {
  return (kind >= 0 && kind < NP_OP_KIND_COUNT && infer_table[kind]) ? infer_table[kind] : infer_opaque;
}
