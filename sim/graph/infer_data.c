/* Shape inference of the data-movement and shape ops: Concat, Split, Slice, Reshape,
 * Flatten, Transpose, Squeeze, Unsqueeze, Shape, Gather, Resize, Pad, Expand, ReduceMean.
 *
 * Axes, sizes and shapes given as inputs must be constants with known values by the time
 * the op is reached: the topological pass folds Shape/Gather/Concat chains first.
 */
#include <math.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

static int64_t default_axis(const NpInferCtx *c, int64_t fallback) {
  return c->op->attrs.axis == NP_AXIS_UNSET ? fallback : c->op->attrs.axis;
}

/* Axes from input `input` (opset 13+) or else from the ints attribute; *count = -1 when
 * neither gives any. */
static bool axes_list(NpInferCtx *c, int input, const int64_t **axes, int64_t *count) {
  if (np_op_input(c, input) != NULL) return np_op_const_ints(c, input, "axes", axes, count);
  *axes = c->op->attrs.ints;
  *count = c->op->attrs.has_ints ? c->op->attrs.n_ints : -1;
  return true;
}

/* Normalizes n axes against rank into mask (one flag per axis); rejects repeats. */
static bool axes_mask(NpInferCtx *c, const int64_t *axes, int64_t n, int rank, bool mask[NP_MAX_RANK]) {
  memset(mask, 0, NP_MAX_RANK * sizeof *mask);
  for (int64_t i = 0; i < n; i++) {
    int axis;
    if (!np_op_axis(c, axes[i], rank, "axis", &axis)) return false;
    if (mask[axis]) return np_op_error(c, "axis %lld is repeated", (long long)axes[i]);
    mask[axis] = true;
  }
  return true;
}

bool np_infer_concat(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, NP_OP_MAX_IO)) return false;
  const NpTensor *first = np_op_input(c, 0);
  if (c->op->attrs.axis == NP_AXIS_UNSET) return np_op_error(c, "the axis attribute is missing");
  if (first->rank == 0) return np_op_error(c, "input '%s' is a scalar", first->name);
  int axis;
  if (!np_op_axis(c, c->op->attrs.axis, first->rank, "axis", &axis)) return false;
  int64_t dims[NP_MAX_RANK];
  memcpy(dims, first->dims, sizeof dims);
  for (int i = 1; i < c->op->n_inputs; i++) {
    const NpTensor *t = np_op_input(c, i);
    if (t == NULL) return np_op_error(c, "input %d is missing", i);
    if (t->rank != first->rank)
      return np_op_error(c, "input '%s' has rank %d, input '%s' rank %d", t->name, t->rank, first->name,
                         first->rank);
    for (int d = 0; d < t->rank; d++) {
      if (d != axis && t->dims[d] != dims[d])
        return np_op_error(c, "input '%s' has dim %d = %lld, input '%s' has %lld", t->name, d,
                           (long long)t->dims[d], first->name, (long long)dims[d]);
    }
    if (!np_add_i64(dims[axis], t->dims[axis], &dims[axis])) return np_op_error(c, "the concatenated dim overflows");
  }
  return np_op_set_output(c, 0, first->rank, dims, first->dtype);
}

bool np_infer_split(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int axis, n_out = c->op->n_outputs;
  if (x->rank == 0) return np_op_error(c, "input '%s' is a scalar", x->name);
  if (!np_op_axis(c, default_axis(c, 0), x->rank, "axis", &axis)) return false;
  const int64_t *split;
  int64_t n_split;
  if (!axes_list(c, 1, &split, &n_split)) return false;
  int64_t dim = x->dims[axis], total = 0;
  if (n_split >= 0 && n_split != n_out)
    return np_op_error(c, "split has %lld sizes for %d outputs", (long long)n_split, n_out);
  if (n_split < 0 && dim % n_out != 0)
    return np_op_error(c, "dim %lld of axis %d does not split equally into %d outputs", (long long)dim, axis, n_out);
  for (int i = 0; i < n_out; i++) {
    int64_t size = n_split >= 0 ? split[i] : dim / n_out;
    if (size < 0) return np_op_error(c, "split size %lld is negative", (long long)size);
    if (!np_add_i64(total, size, &total)) return np_op_error(c, "split sizes overflow");
    int64_t dims[NP_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = size;
    if (!np_op_set_output(c, i, x->rank, dims, x->dtype)) return false;
  }
  if (total != dim)
    return np_op_error(c, "split sizes add up to %lld, but axis %d has %lld", (long long)total, axis, (long long)dim);
  return true;
}

static int64_t clamp_i64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static int64_t ceil_div_positive(int64_t a, int64_t b) { return a / b + (a % b != 0); }

int64_t np_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first) {
  if (start < 0) start += dim; /* cannot overflow: start < 0 <= dim */
  if (end < 0) end += dim;
  if (step > 0) {
    start = clamp_i64(start, 0, dim);
    end = clamp_i64(end, 0, dim);
    *first = start;
    return end > start ? ceil_div_positive(end - start, step) : 0;
  }
  start = clamp_i64(start, 0, dim - 1);
  end = clamp_i64(end, -1, dim - 1);
  *first = start;
  int64_t back = step == INT64_MIN ? INT64_MAX : -step;
  return start > end ? ceil_div_positive(start - end, back) : 0;
}

bool np_infer_slice(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 3, 5)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
  int64_t n, n_ends, n_axes = -1, n_steps = -1;
  if (!np_op_const_ints(c, 1, "starts", &starts, &n) || !np_op_const_ints(c, 2, "ends", &ends, &n_ends)) return false;
  if (np_op_input(c, 3) && !np_op_const_ints(c, 3, "axes", &axes, &n_axes)) return false;
  if (np_op_input(c, 4) && !np_op_const_ints(c, 4, "steps", &steps, &n_steps)) return false;
  if (n_ends != n || (axes && n_axes != n) || (steps && n_steps != n))
    return np_op_error(c, "starts, ends, axes and steps differ in length");
  if (n > x->rank) return np_op_error(c, "%lld axes sliced on a rank-%d input", (long long)n, x->rank);
  int64_t dims[NP_MAX_RANK];
  bool seen[NP_MAX_RANK] = {false};
  memcpy(dims, x->dims, sizeof dims);
  for (int64_t i = 0; i < n; i++) {
    int axis;
    int64_t first, step = steps ? steps[i] : 1;
    if (!np_op_axis(c, axes ? axes[i] : i, x->rank, "axis", &axis)) return false;
    if (seen[axis]) return np_op_error(c, "axis %d is sliced twice", axis);
    seen[axis] = true;
    if (step == 0) return np_op_error(c, "step of axis %d is 0", axis);
    dims[axis] = np_slice_axis(x->dims[axis], starts[i], ends[i], step, &first);
  }
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

bool np_infer_reshape(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *shape;
  int64_t n;
  if (!np_op_const_ints(c, 1, "shape", &shape, &n)) return false;
  if (n > NP_MAX_RANK) return np_op_error(c, "target shape has %lld dims (at most %d)", (long long)n, NP_MAX_RANK);
  int64_t dims[NP_MAX_RANK], known = 1;
  int infer_at = -1;
  for (int i = 0; i < n; i++) {
    dims[i] = shape[i];
    if (shape[i] == 0 && !c->op->attrs.allowzero) {
      if (i >= x->rank) return np_op_error(c, "target dim %d is 0 (copy) but the input has rank %d", i, x->rank);
      dims[i] = x->dims[i];
    } else if (shape[i] == -1) {
      if (infer_at >= 0) return np_op_error(c, "target shape has more than one -1");
      infer_at = i;
      continue;
    } else if (shape[i] < 0) {
      return np_op_error(c, "target dim %d is %lld", i, (long long)shape[i]);
    }
    if (!np_mul_i64(known, dims[i], &known)) return np_op_error(c, "target shape overflows");
  }
  if (infer_at >= 0) {
    if (known == 0 || x->elements % known != 0)
      return np_op_error(c, "cannot infer the -1 dim: %lld elements into parts of %lld", (long long)x->elements,
                         (long long)known);
    dims[infer_at] = x->elements / known;
    known = x->elements;
  }
  if (known != x->elements) {
    char from[NP_SHAPE_TEXT_MAX], to[NP_SHAPE_TEXT_MAX];
    np_shape_text(x->rank, x->dims, from);
    np_shape_text((int)n, dims, to);
    return np_op_error(c, "cannot reshape %s (%lld elements) to %s", from, (long long)x->elements, to);
  }
  return np_op_set_output(c, 0, (int)n, dims, x->dtype);
}

bool np_infer_flatten(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int64_t axis = default_axis(c, 1);
  if (axis < -x->rank || axis > x->rank)
    return np_op_error(c, "axis %lld is outside [%d, %d]", (long long)axis, -x->rank, x->rank);
  if (axis < 0) axis += x->rank;
  int64_t dims[2];
  if (!np_shape_elements((int)axis, x->dims, &dims[0]) ||
      !np_shape_elements(x->rank - (int)axis, x->dims + axis, &dims[1]))
    return np_op_error(c, "flattened dims overflow");
  return np_op_set_output(c, 0, 2, dims, x->dtype);
}

bool np_transpose_perm(NpInferCtx *c, int rank, int *perm) {
  const NpAttrs *a = &c->op->attrs;
  if (!a->has_ints) {
    for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
    return true;
  }
  if (a->n_ints != rank) return np_op_error(c, "perm has %d entries for a rank-%d input", a->n_ints, rank);
  bool used[NP_MAX_RANK] = {false};
  for (int i = 0; i < rank; i++) {
    int64_t p = a->ints[i];
    if (p < 0 || p >= rank || used[p]) return np_op_error(c, "perm is not a permutation of 0..%d", rank - 1);
    used[p] = true;
    perm[i] = (int)p;
  }
  return true;
}

bool np_infer_transpose(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int perm[NP_MAX_RANK];
  if (!np_transpose_perm(c, x->rank, perm)) return false;
  int64_t dims[NP_MAX_RANK];
  for (int i = 0; i < x->rank; i++) dims[i] = x->dims[perm[i]];
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

bool np_infer_squeeze(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *axes;
  int64_t n;
  bool mask[NP_MAX_RANK];
  if (!axes_list(c, 1, &axes, &n)) return false;
  if (n >= 0) {
    if (!axes_mask(c, axes, n, x->rank, mask)) return false;
  } else {
    for (int i = 0; i < x->rank; i++) mask[i] = x->dims[i] == 1;
  }
  int64_t dims[NP_MAX_RANK];
  int rank = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!mask[i]) {
      dims[rank++] = x->dims[i];
    } else if (x->dims[i] != 1) {
      return np_op_error(c, "cannot squeeze axis %d of size %lld", i, (long long)x->dims[i]);
    }
  }
  return np_op_set_output(c, 0, rank, dims, x->dtype);
}

bool np_infer_unsqueeze(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *axes;
  int64_t n;
  if (!axes_list(c, 1, &axes, &n)) return false;
  if (n < 0) return np_op_error(c, "axes are missing");
  if (x->rank + n > NP_MAX_RANK)
    return np_op_error(c, "output rank %lld is over %d", (long long)(x->rank + n), NP_MAX_RANK);
  int rank = x->rank + (int)n;
  bool mask[NP_MAX_RANK];
  if (!axes_mask(c, axes, n, rank, mask)) return false;
  int64_t dims[NP_MAX_RANK];
  for (int i = 0, from = 0; i < rank; i++) dims[i] = mask[i] ? 1 : x->dims[from++];
  return np_op_set_output(c, 0, rank, dims, x->dtype);
}

/* Shape (opset 15 start/end, clamped to the rank). */
void np_shape_range(int rank, int64_t start, int64_t end, int64_t *first, int64_t *count) {
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = clamp_i64(start, 0, rank);
  end = clamp_i64(end, 0, rank);
  *first = start;
  *count = end > start ? end - start : 0;
}

bool np_infer_shape(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int64_t first, count;
  np_shape_range(x->rank, c->op->attrs.start, c->op->attrs.end, &first, &count);
  return np_op_set_output(c, 0, 1, &count, NP_DTYPE_INT64);
}

/* out = data.dims[:axis] + indices.dims + data.dims[axis+1:] */
bool np_infer_gather(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 2)) return false;
  const NpTensor *x = np_op_input(c, 0), *idx = np_op_input(c, 1);
  int axis;
  if (x->rank == 0) return np_op_error(c, "data '%s' is a scalar", x->name);
  if (!np_op_axis(c, default_axis(c, 0), x->rank, "axis", &axis)) return false;
  if (x->rank - 1 + idx->rank > NP_MAX_RANK) return np_op_error(c, "output rank is over %d", NP_MAX_RANK);
  if (idx->values) {
    for (int64_t i = 0; i < idx->elements; i++) {
      int64_t v = idx->values[i];
      if (v < -x->dims[axis] || v >= x->dims[axis])
        return np_op_error(c, "index %lld is out of range for dim %lld", (long long)v, (long long)x->dims[axis]);
    }
  }
  int64_t dims[NP_MAX_RANK];
  int rank = 0;
  for (int i = 0; i < axis; i++) dims[rank++] = x->dims[i];
  for (int i = 0; i < idx->rank; i++) dims[rank++] = idx->dims[i];
  for (int i = axis + 1; i < x->rank; i++) dims[rank++] = x->dims[i];
  return np_op_set_output(c, 0, rank, dims, x->dtype);
}

/* Resize: sizes when given (non-empty), else floor(in * scale). Opset 10 (and Upsample
 * style) passes scales as input 1. */
bool np_infer_resize(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 4)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int scales_at = c->op->n_inputs == 2 ? 1 : 2;
  const NpTensor *scales = np_op_input(c, scales_at), *sizes = np_op_input(c, 3);
  int64_t dims[NP_MAX_RANK];
  if (sizes && sizes->elements > 0) {
    if (sizes->values == NULL) return np_op_error(c, "sizes '%s' is not a constant with known values", sizes->name);
    if (sizes->elements != x->rank)
      return np_op_error(c, "sizes has %lld values for a rank-%d input", (long long)sizes->elements, x->rank);
    memcpy(dims, sizes->values, (size_t)x->rank * sizeof *dims);
    return np_op_set_output(c, 0, x->rank, dims, x->dtype);
  }
  if (scales == NULL || scales->elements == 0) return np_op_error(c, "neither scales nor sizes is given");
  if (scales->fvalues == NULL && scales->values == NULL)
    return np_op_error(c, "scales '%s' is not a constant with known values", scales->name);
  if (scales->elements != x->rank)
    return np_op_error(c, "scales has %lld values for a rank-%d input", (long long)scales->elements, x->rank);
  for (int i = 0; i < x->rank; i++) {
    double scale = scales->fvalues ? scales->fvalues[i] : (double)scales->values[i];
    double size = floor((double)x->dims[i] * scale);
    if (!(scale > 0) || !(size < (double)NP_TENSOR_MAX_ELEMENTS))
      return np_op_error(c, "scale %g on axis %d is not usable", scale, i);
    dims[i] = (int64_t)size;
  }
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

/* Pad: pads from input 1 (opset 11+) or the ints attribute; optional axes input 3. */
bool np_infer_pad(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 4)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *pads, *axes = NULL;
  int64_t n, n_axes = x->rank;
  if (!axes_list(c, 1, &pads, &n)) return false;
  if (n < 0) return np_op_error(c, "pads are missing");
  if (np_op_input(c, 3) && !np_op_const_ints(c, 3, "axes", &axes, &n_axes)) return false;
  if (n != 2 * n_axes)
    return np_op_error(c, "pads has %lld values, expected %lld", (long long)n, (long long)(2 * n_axes));
  int64_t dims[NP_MAX_RANK];
  memcpy(dims, x->dims, sizeof dims);
  for (int64_t i = 0; i < n_axes; i++) {
    int axis = (int)i;
    if (axes && !np_op_axis(c, axes[i], x->rank, "axis", &axis)) return false;
    if (!np_add_i64(dims[axis], pads[i], &dims[axis]) || !np_add_i64(dims[axis], pads[i + n_axes], &dims[axis]))
      return np_op_error(c, "padded dim overflows");
  }
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

bool np_infer_expand(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *shape;
  int64_t n;
  if (!np_op_const_ints(c, 1, "shape", &shape, &n)) return false;
  if (n > NP_MAX_RANK) return np_op_error(c, "shape has %lld dims (at most %d)", (long long)n, NP_MAX_RANK);
  for (int64_t i = 0; i < n; i++) {
    if (shape[i] < 0) return np_op_error(c, "shape dim %lld is negative", (long long)i);
  }
  int64_t dims[NP_MAX_RANK];
  int rank;
  if (!np_op_broadcast(c, x->rank, x->dims, (int)n, shape, &rank, dims)) return false;
  return np_op_set_output(c, 0, rank, dims, x->dtype);
}

bool np_infer_reduce_mean(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 2)) return false;
  const NpTensor *x = np_op_input(c, 0);
  const int64_t *axes;
  int64_t n;
  bool mask[NP_MAX_RANK];
  if (!axes_list(c, 1, &axes, &n)) return false;
  if (n > 0) {
    if (!axes_mask(c, axes, n, x->rank, mask)) return false;
  } else {
    for (int i = 0; i < NP_MAX_RANK; i++) mask[i] = true;
  }
  int64_t dims[NP_MAX_RANK];
  int rank = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!mask[i]) {
      dims[rank++] = x->dims[i];
    } else if (c->op->attrs.keepdims) {
      dims[rank++] = 1;
    }
  }
  return np_op_set_output(c, 0, rank, dims, x->dtype);
}
