/* Constant folding, in the same topological pass as inference.
 *
 * An op whose inputs all have known values (integer `values` or floating `fvalues`) is
 * computed here: its outputs become NP_TENSOR_CONST with values and the op is marked folded.
 * Shape always folds (every shape is static). An op none of whose inputs is an activation or
 * graph input but whose values are not computed (a Transpose or Cast of a weight, the Identity
 * an exporter puts on a shared bias) is folded too: its outputs become WEIGHT tensors, which
 * the accounting counts as parameters of the ops that read them.
 *
 * Value folds are index maps: each output element names the input element it copies
 * (Identity, Reshape, Transpose, Slice, Gather, Expand, ...), or combines two (Add, ...).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

/* Values of one tensor as the fold sees them. */
typedef struct Vals {
  const int64_t *ints;
  const double *reals;
} Vals;

static Vals vals_of(const NpTensor *t) { return (Vals){t->values, t->fvalues}; }
static bool has_vals(const NpTensor *t) { return t->values != NULL || t->fvalues != NULL; }
static double real_at(Vals v, int64_t i) { return v.ints ? (double)v.ints[i] : v.reals[i]; }

/* Row-major strides of dims. */
static void strides_of(int rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= dims[d];
  }
}

/* src[i] = base + sum(index_d * stride_d) over the multi-index of output element i. */
static void strided_map(int rank, const int64_t *dims, int64_t base, const int64_t *stride, int64_t n,
                        int64_t *src) {
  int64_t index[NP_MAX_RANK] = {0};
  for (int64_t i = 0; i < n; i++) {
    int64_t at = base;
    for (int d = 0; d < rank; d++) at += index[d] * stride[d];
    src[i] = at;
    for (int d = rank - 1; d >= 0; d--) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
}

/* Strides that read `in` broadcast to the output shape (0 along broadcast axes). */
static void broadcast_strides(const NpTensor *in, const NpTensor *out, int64_t *stride) {
  int64_t in_strides[NP_MAX_RANK];
  strides_of(in->rank, in->dims, in_strides);
  int lead = out->rank - in->rank;
  for (int d = 0; d < out->rank; d++) {
    int k = d - lead;
    stride[d] = (k < 0 || in->dims[k] == 1) ? 0 : in_strides[k];
  }
}

/* ---- index maps, one per copying op; false when the op does not copy this way ---- */

static void map_same_order(NpInferCtx *c, const NpTensor *out, int64_t *src) {
  (void)c;
  for (int64_t i = 0; i < out->elements; i++) src[i] = i;
}

static void map_transpose(NpInferCtx *c, const NpTensor *out, int64_t *src) {
  const NpTensor *x = np_op_input(c, 0);
  int perm[NP_MAX_RANK];
  int64_t in_strides[NP_MAX_RANK], stride[NP_MAX_RANK];
  np_transpose_perm(c, x->rank, perm); /* validated by inference */
  strides_of(x->rank, x->dims, in_strides);
  for (int d = 0; d < x->rank; d++) stride[d] = in_strides[perm[d]];
  strided_map(out->rank, out->dims, 0, stride, out->elements, src);
}

static void map_slice(NpInferCtx *c, const NpTensor *out, int64_t *src) {
  const NpTensor *x = np_op_input(c, 0);
  const NpTensor *starts = np_op_input(c, 1), *ends = np_op_input(c, 2);
  const NpTensor *axes = np_op_input(c, 3), *steps = np_op_input(c, 4);
  int64_t in_strides[NP_MAX_RANK], stride[NP_MAX_RANK], base = 0;
  strides_of(x->rank, x->dims, in_strides);
  memcpy(stride, in_strides, sizeof stride);
  for (int64_t i = 0; i < starts->elements; i++) {
    int64_t axis = axes ? axes->values[i] : i, step = steps ? steps->values[i] : 1, first;
    if (axis < 0) axis += x->rank;
    np_slice_axis(x->dims[axis], starts->values[i], ends->values[i], step, &first);
    base += first * in_strides[axis];
    stride[axis] = in_strides[axis] * step;
  }
  strided_map(out->rank, out->dims, base, stride, out->elements, src);
}

static void map_expand(NpInferCtx *c, const NpTensor *out, int64_t *src) {
  int64_t stride[NP_MAX_RANK];
  broadcast_strides(np_op_input(c, 0), out, stride);
  strided_map(out->rank, out->dims, 0, stride, out->elements, src);
}

static void map_gather(NpInferCtx *c, const NpTensor *out, int64_t *src) {
  const NpTensor *x = np_op_input(c, 0), *idx = np_op_input(c, 1);
  int64_t axis = c->op->attrs.axis == NP_AXIS_UNSET ? 0 : c->op->attrs.axis;
  if (axis < 0) axis += x->rank;
  int64_t inner = 1, dim = x->dims[axis];
  for (int d = (int)axis + 1; d < x->rank; d++) inner *= x->dims[d];
  int64_t per_outer = idx->elements * inner, i = 0;
  for (int64_t outer = 0; per_outer > 0 && i < out->elements; outer++) {
    for (int64_t k = 0; k < idx->elements; k++) {
      int64_t at = idx->values[k] < 0 ? idx->values[k] + dim : idx->values[k];
      for (int64_t j = 0; j < inner; j++) src[i++] = (outer * dim + at) * inner + j;
    }
  }
}

typedef void (*MapFn)(NpInferCtx *c, const NpTensor *out, int64_t *src);

static MapFn map_for(const NpOp *op) {
  switch (op->kind) {
    case NP_OP_IDENTITY:
    case NP_OP_DROPOUT:
    case NP_OP_CAST:
    case NP_OP_RESHAPE:
    case NP_OP_FLATTEN:
    case NP_OP_SQUEEZE:
    case NP_OP_UNSQUEEZE:
      return map_same_order;
    case NP_OP_TRANSPOSE:
      return map_transpose;
    case NP_OP_SLICE:
      return map_slice;
    case NP_OP_EXPAND:
      return map_expand;
    case NP_OP_GATHER:
      return map_gather;
    default:
      return NULL;
  }
}

/* ---- storing results ---- */

static void make_const(NpTensor *t, int64_t *ints, double *reals) {
  free(t->values);
  free(t->fvalues);
  t->values = ints;
  t->fvalues = reals;
  t->role = NP_TENSOR_CONST;
}

static bool integer_dtype(NpDtype d) { return !np_dtype_is_float(d) && d != NP_DTYPE_UNKNOWN; }

/* Copies x's values through src into out, converting for Cast's target type. */
static bool store_mapped(NpInferCtx *c, Vals in, NpTensor *out, const int64_t *src) {
  size_t n = (size_t)out->elements;
  bool want_ints = c->op->kind == NP_OP_CAST ? integer_dtype(out->dtype) : in.ints != NULL;
  if (!want_ints) {
    double *reals = np_xmalloc((n ? n : 1) * sizeof *reals);
    for (size_t i = 0; i < n; i++) reals[i] = real_at(in, src[i]);
    make_const(out, NULL, reals);
    return true;
  }
  int64_t *ints = np_xmalloc((n ? n : 1) * sizeof *ints);
  for (size_t i = 0; i < n; i++) {
    if (in.ints) {
      ints[i] = in.ints[src[i]];
      continue;
    }
    double r = trunc(in.reals[src[i]]);
    if (!(fabs(r) < 9.2e18)) {
      free(ints);
      return np_op_error(c, "value %g does not fit the integer type", in.reals[src[i]]);
    }
    ints[i] = (int64_t)r;
  }
  if (out->dtype == NP_DTYPE_BOOL) {
    for (size_t i = 0; i < n; i++) ints[i] = ints[i] != 0;
  }
  make_const(out, ints, NULL);
  return true;
}

static bool fold_mapped(NpInferCtx *c, MapFn map) {
  NpTensor *out = np_op_output(c, 0);
  int64_t *src = np_xmalloc((size_t)(out->elements ? out->elements : 1) * sizeof *src);
  map(c, out, src);
  bool ok = store_mapped(c, vals_of(np_op_input(c, 0)), out, src);
  free(src);
  return ok;
}

static bool fold_shape(NpInferCtx *c) {
  const NpTensor *x = np_op_input(c, 0);
  NpTensor *out = np_op_output(c, 0);
  int64_t first, count;
  np_shape_range(x->rank, c->op->attrs.start, c->op->attrs.end, &first, &count);
  int64_t *ints = np_xmalloc((size_t)(count ? count : 1) * sizeof *ints);
  for (int64_t i = 0; i < count; i++) ints[i] = x->dims[first + i];
  make_const(out, ints, NULL);
  return true;
}

static bool fold_concat(NpInferCtx *c) {
  NpTensor *out = np_op_output(c, 0);
  bool reals = false;
  for (int k = 0; k < c->op->n_inputs; k++) reals |= np_op_input(c, k)->values == NULL;
  int axis = (int)(c->op->attrs.axis < 0 ? c->op->attrs.axis + out->rank : c->op->attrs.axis);
  int64_t outer = 1, inner = 1, i = 0;
  for (int d = 0; d < axis; d++) outer *= out->dims[d];
  for (int d = axis + 1; d < out->rank; d++) inner *= out->dims[d];
  size_t n = (size_t)out->elements;
  int64_t *ints = reals ? NULL : np_xmalloc((n ? n : 1) * sizeof *ints);
  double *fl = reals ? np_xmalloc((n ? n : 1) * sizeof *fl) : NULL;
  for (int64_t o = 0; o < outer; o++) {
    for (int k = 0; k < c->op->n_inputs; k++) {
      const NpTensor *t = np_op_input(c, k);
      int64_t block = t->dims[axis] * inner;
      for (int64_t j = 0; j < block; j++, i++) {
        if (reals) {
          fl[i] = real_at(vals_of(t), o * block + j);
        } else {
          ints[i] = t->values[o * block + j];
        }
      }
    }
  }
  make_const(out, ints, fl);
  return true;
}

static bool int_arith(NpInferCtx *c, int64_t a, int64_t b, int64_t *r) {
  switch (c->op->kind) {
    case NP_OP_ADD:
      if (np_add_i64(a, b, r)) return true;
      break;
    case NP_OP_SUB:
      if (!__builtin_sub_overflow(a, b, r)) return true;
      break;
    case NP_OP_MUL:
      if (np_mul_i64(a, b, r)) return true;
      break;
    default: /* NP_OP_DIV: C truncation, as ONNX's integer Div */
      if (b == 0) return np_op_error(c, "integer division by zero while folding constants");
      if (a == INT64_MIN && b == -1) break;
      *r = a / b;
      return true;
  }
  return np_op_error(c, "integer overflow while folding constants");
}

static double real_arith(NpOpKind kind, double a, double b) {
  switch (kind) {
    case NP_OP_ADD: return a + b;
    case NP_OP_SUB: return a - b;
    case NP_OP_MUL: return a * b;
    default: return a / b;
  }
}

static bool fold_arith(NpInferCtx *c) {
  const NpTensor *a = np_op_input(c, 0), *b = np_op_input(c, 1);
  NpTensor *out = np_op_output(c, 0);
  size_t n = (size_t)out->elements;
  int64_t sa[NP_MAX_RANK], sb[NP_MAX_RANK];
  int64_t *ia = np_xmalloc((n ? n : 1) * sizeof *ia), *ib = np_xmalloc((n ? n : 1) * sizeof *ib);
  broadcast_strides(a, out, sa);
  broadcast_strides(b, out, sb);
  strided_map(out->rank, out->dims, 0, sa, out->elements, ia);
  strided_map(out->rank, out->dims, 0, sb, out->elements, ib);
  bool ints = a->values && b->values && !np_dtype_is_float(out->dtype), ok = true;
  int64_t *iv = ints ? np_xmalloc((n ? n : 1) * sizeof *iv) : NULL;
  double *rv = ints ? NULL : np_xmalloc((n ? n : 1) * sizeof *rv);
  for (size_t i = 0; ok && i < n; i++) {
    if (ints) {
      ok = int_arith(c, a->values[ia[i]], b->values[ib[i]], &iv[i]);
    } else {
      rv[i] = real_arith(c->op->kind, real_at(vals_of(a), ia[i]), real_at(vals_of(b), ib[i]));
    }
  }
  free(ia);
  free(ib);
  if (!ok) {
    free(iv);
    return false;
  }
  make_const(out, iv, rv);
  return true;
}

/* ---- deciding what folds ---- */

static bool all_inputs_have_values(const NpInferCtx *c) {
  for (int k = 0; k < c->op->n_inputs; k++) {
    const NpTensor *t = np_op_input(c, k);
    if (t && !has_vals(t)) return false;
  }
  return true;
}

/* Value folds keep every output of at most NP_CONST_MAX_VALUES elements. */
static bool outputs_fit(const NpInferCtx *c) {
  for (int i = 0; i < c->op->n_outputs; i++) {
    const NpTensor *t = np_op_output(c, i);
    if (t && t->elements > NP_CONST_MAX_VALUES) return false;
  }
  return true;
}

/* Folds by value; *done false when this kind (or these inputs) cannot be computed here. */
static bool fold_values(NpInferCtx *c, bool *done) {
  *done = true;
  NpOpKind kind = c->op->kind;
  if (kind == NP_OP_SHAPE) return fold_shape(c);
  *done = false;
  if (c->op->n_inputs == 0 || !all_inputs_have_values(c) || !outputs_fit(c)) return true;
  if (kind == NP_OP_DROPOUT && np_op_output(c, 1) != NULL) return true;
  *done = true;
  MapFn map = map_for(c->op);
  if (map) {
    /* Index inputs (shape, axes, starts, indices) must be integers. */
    for (int k = 1; k < c->op->n_inputs; k++) {
      const NpTensor *t = np_op_input(c, k);
      if (t && t->values == NULL && kind != NP_OP_DROPOUT) return *done = false, true;
    }
    return fold_mapped(c, map);
  }
  switch (kind) {
    case NP_OP_CONCAT: return fold_concat(c);
    case NP_OP_ADD:
    case NP_OP_SUB:
    case NP_OP_MUL:
    case NP_OP_DIV: return fold_arith(c);
    default: *done = false; return true;
  }
}

static bool reads_activation(const NpInferCtx *c) {
  for (int k = 0; k < c->op->n_inputs; k++) {
    const NpTensor *t = np_op_input(c, k);
    if (t && (t->role == NP_TENSOR_ACTIVATION || t->role == NP_TENSOR_INPUT || t->is_graph_input)) return true;
  }
  return false;
}

static void outputs_become_weights(NpInferCtx *c) {
  for (int i = 0; i < c->op->n_outputs; i++) {
    NpTensor *t = np_op_output(c, i);
    if (t && t->role != NP_TENSOR_CONST) t->role = NP_TENSOR_WEIGHT;
  }
}

bool np_fold_op(NpInferCtx *c) {
  if (c->op->kind == NP_OP_CONSTANT) {
    NpTensor *t = np_op_output(c, 0);
    t->role = t->values ? NP_TENSOR_CONST : NP_TENSOR_WEIGHT;
    c->op->folded = true;
    return true;
  }
  bool done;
  if (!fold_values(c, &done)) return false;
  if (!done) {
    if (c->op->n_inputs == 0 || reads_activation(c)) return true;
    outputs_become_weights(c);
  }
  c->op->folded = true;
  return true;
}
