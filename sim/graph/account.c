/* Layouts and per-op accounting: MACs, elements, weight/input/output bytes, layout moves.
 *
 * Layout rule: every rank-4 activation or graph input is NHWC; weights, constants and
 * tensors of any other rank are plain row-major in their logical order.
 */
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

static void assign_layouts(NpGraph *g) {
  for (size_t i = 0; i < g->n_tensors; i++) {
    NpTensor *t = &g->tensors[i];
    bool activation = t->role == NP_TENSOR_ACTIVATION || t->role == NP_TENSOR_INPUT;
    t->layout = (activation && t->shape_known && t->rank == 4) ? NP_LAYOUT_NHWC : NP_LAYOUT_PLAIN;
  }
}

/* Logical axes in memory order, leaving out unit dims (they do not change the order). */
static int memory_axes(const NpTensor *t, int *axes) {
  static const int nhwc[4] = {0, 2, 3, 1};
  int n = 0;
  for (int i = 0; i < t->rank; i++) {
    int axis = t->layout == NP_LAYOUT_NHWC ? nhwc[i] : i;
    if (t->dims[axis] != 1) axes[n++] = axis;
  }
  return n;
}

/* Whether memory order differs from logical order: NHWC with more than one pixel and channel. */
static bool reordered(const NpTensor *t) {
  int64_t h = t->dims[2], w = t->dims[3];
  return t->layout == NP_LAYOUT_NHWC && h >= 1 && w >= 1 && (h > 1 || w > 1) && t->dims[1] > 1;
}

static bool same_shape_and_layout(const NpTensor *a, const NpTensor *b) {
  return a->rank == b->rank && a->layout == b->layout && memcmp(a->dims, b->dims, (size_t)a->rank * sizeof *a->dims) == 0;
}

/* Reshape-like ops keep the logical row-major order of the elements; the data moves when the
 * memory order of either side is not its logical order. */
static bool reshape_moves(const NpTensor *in, const NpTensor *out) {
  return (reordered(in) || reordered(out)) && !same_shape_and_layout(in, out);
}

/* A Transpose moves data unless, in memory, the non-unit axes come out in the same order. */
static bool transpose_moves(const NpOp *op, const NpTensor *in, const NpTensor *out) {
  int perm[NP_MAX_RANK], in_axes[NP_MAX_RANK], out_axes[NP_MAX_RANK];
  for (int i = 0; i < in->rank; i++) perm[i] = in->rank - 1 - i;
  if (op->attrs.has_ints && op->attrs.n_ints == in->rank) {
    for (int i = 0; i < in->rank; i++) perm[i] = (int)op->attrs.ints[i];
  }
  int n_in = memory_axes(in, in_axes), n_out = memory_axes(out, out_axes);
  if (n_in != n_out) return true;
  for (int i = 0; i < n_out; i++) {
    if (perm[out_axes[i]] != in_axes[i]) return true;
  }
  return false;
}

static int64_t layout_move_bytes(const NpGraph *g, const NpOp *op) {
  if (op->n_inputs < 1 || op->n_outputs < 1 || op->inputs[0] < 0 || op->outputs[0] < 0) return 0;
  const NpTensor *in = &g->tensors[op->inputs[0]], *out = &g->tensors[op->outputs[0]];
  switch (op->kind) {
    case NP_OP_RESHAPE:
    case NP_OP_FLATTEN:
    case NP_OP_SQUEEZE:
    case NP_OP_UNSQUEEZE:
      return reshape_moves(in, out) ? out->bytes : 0;
    case NP_OP_TRANSPOSE:
      return transpose_moves(op, in, out) ? out->bytes : 0;
    default:
      return 0;
  }
}

static int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t r;
  return np_mul_i64(a, b, &r) ? r : INT64_MAX;
}

/* Multiply-accumulates: output elements times the reduction length of each. */
static int64_t op_macs(const NpGraph *g, const NpOp *op) {
  if (op->n_inputs < 2 || op->inputs[0] < 0 || op->inputs[1] < 0 || op->outputs[0] < 0) return 0;
  const NpTensor *x = &g->tensors[op->inputs[0]], *w = &g->tensors[op->inputs[1]];
  const NpTensor *y = &g->tensors[op->outputs[0]];
  switch (op->kind) {
    case NP_OP_CONV: /* per output: (C/group) * kh * kw = weight elements / out-channels */
      return w->dims[0] ? saturating_mul(y->elements, w->elements / w->dims[0]) : 0;
    case NP_OP_CONV_TRANSPOSE: /* per input: (M/group) * kh * kw = weight elements / in-channels */
      return w->dims[0] ? saturating_mul(x->elements, w->elements / w->dims[0]) : 0;
    case NP_OP_GEMM:
      return saturating_mul(y->elements, op->attrs.trans_a ? x->dims[0] : x->dims[1]);
    case NP_OP_MATMUL:
      return saturating_mul(y->elements, x->dims[x->rank - 1]);
    default:
      return 0;
  }
}

static void account_op(NpGraph *g, NpOp *op) {
  op->macs = op->elements = op->weight_bytes = op->input_bytes = op->output_bytes = op->layout_move_bytes = 0;
  if (op->folded) return;
  for (int k = 0; k < op->n_inputs; k++) {
    if (op->inputs[k] < 0) continue;
    const NpTensor *t = &g->tensors[op->inputs[k]];
    if (t->role == NP_TENSOR_WEIGHT) {
      op->weight_bytes += t->bytes;
    } else if (t->role != NP_TENSOR_CONST) {
      op->input_bytes += t->bytes;
    }
  }
  int64_t out_elements = 0;
  for (int k = 0; k < op->n_outputs; k++) {
    if (op->outputs[k] < 0) continue;
    op->output_bytes += g->tensors[op->outputs[k]].bytes;
    out_elements += g->tensors[op->outputs[k]].elements;
  }
  if (np_op_class(op->kind) != NP_CLASS_NONE) op->elements = out_elements;
  op->macs = op_macs(g, op);
  op->layout_move_bytes = layout_move_bytes(g, op);
}

void np_graph_account(NpGraph *graph) {
  assign_layouts(graph);
  for (size_t i = 0; i < graph->n_ops; i++) account_op(graph, &graph->ops[i]);
}
