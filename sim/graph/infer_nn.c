/* Shape inference of the network ops: convolutions, pools, Gemm/MatMul and normalizations.
 *
 * Spatial attributes are 2-D (index 0 = H, 1 = W); a 1-D op (rank-3 input N,C,W) uses index
 * 1 only. Conv/pool effective pads are written back into attrs.pad so that later stages see
 * the padding auto_pad implies.
 */
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

/* One spatial axis of a sliding window (Conv, pools). */
typedef struct Window {
  int64_t in, kernel, stride, dilation;
  int64_t pad_begin, pad_end; /* in: explicit pads; out: effective pads */
} Window;

static bool check_window_attrs(NpInferCtx *c, const Window *w, const char *axis) {
  if (w->kernel < 1) return np_op_error(c, "kernel %s is %lld (must be at least 1)", axis, (long long)w->kernel);
  if (w->stride < 1) return np_op_error(c, "stride %s is %lld (must be at least 1)", axis, (long long)w->stride);
  if (w->dilation < 1)
    return np_op_error(c, "dilation %s is %lld (must be at least 1)", axis, (long long)w->dilation);
  if (w->pad_begin < 0 || w->pad_end < 0) return np_op_error(c, "negative pads on axis %s", axis);
  return true;
}

/* The dilated kernel extent (k-1)*d+1, checked. */
static bool effective_kernel(NpInferCtx *c, const Window *w, int64_t *extent) {
  if (!np_mul_i64(w->kernel - 1, w->dilation, extent) || !np_add_i64(*extent, 1, extent))
    return np_op_error(c, "kernel %lld with dilation %lld overflows", (long long)w->kernel, (long long)w->dilation);
  return true;
}

/* ONNX's output size of a window over one axis. SAME_* keeps ceil(in/stride) outputs and
 * splits the padding that needs, the odd one at the end (UPPER) or start (LOWER). With
 * ceil_mode, a last window that would start in the end padding is dropped (PyTorch's and
 * current ONNX's rule). */
static bool window_output(NpInferCtx *c, Window *w, NpAutoPad auto_pad, int ceil_mode, const char *axis,
                          int64_t *out) {
  if (!check_window_attrs(c, w, axis)) return false;
  int64_t extent;
  if (!effective_kernel(c, w, &extent)) return false;
  if (auto_pad == NP_AUTOPAD_SAME_UPPER || auto_pad == NP_AUTOPAD_SAME_LOWER) {
    *out = np_ceil_div_i64(w->in, w->stride);
    int64_t needed = 0;
    if (*out > 0 && (!np_mul_i64(*out - 1, w->stride, &needed) || !np_add_i64(needed, extent, &needed)))
      return np_op_error(c, "padding on axis %s overflows", axis);
    int64_t total = needed > w->in ? needed - w->in : 0;
    w->pad_begin = auto_pad == NP_AUTOPAD_SAME_UPPER ? total / 2 : total - total / 2;
    w->pad_end = total - w->pad_begin;
    return true;
  }
  if (auto_pad == NP_AUTOPAD_VALID) w->pad_begin = w->pad_end = 0;
  int64_t padded;
  if (!np_add_i64(w->in, w->pad_begin, &padded) || !np_add_i64(padded, w->pad_end, &padded))
    return np_op_error(c, "padded input on axis %s overflows", axis);
  if (extent > padded)
    return np_op_error(c, "kernel extent %lld on axis %s is larger than the padded input %lld", (long long)extent,
                       axis, (long long)padded);
  int64_t span = padded - extent;
  *out = (ceil_mode ? np_ceil_div_i64(span, w->stride) : span / w->stride) + 1;
  if (ceil_mode && (*out - 1) * w->stride >= w->in + w->pad_begin) (*out)--;
  return true;
}

/* Rank-3 (1-D) or rank-4 (2-D) input for a spatial op; returns the first attr index used. */
static bool spatial_rank(NpInferCtx *c, const NpTensor *x, int *first_attr) {
  if (x->rank != 3 && x->rank != 4)
    return np_op_error(c, "input '%s' has rank %d; only 1-D (rank 3) and 2-D (rank 4) are supported", x->name,
                       x->rank);
  *first_attr = x->rank == 4 ? 0 : 1;
  return true;
}

static const char *const axis_names[2] = {"H", "W"};

/* Runs window_output over the spatial axes of x into out_dims[2..] and writes the
 * effective pads back into the op's attrs. */
static bool windows_over(NpInferCtx *c, const NpTensor *x, const int64_t *kernel, int ceil_mode, int64_t *out_dims) {
  NpAttrs *a = &c->op->attrs;
  int first = 0;
  if (!spatial_rank(c, x, &first)) return false;
  for (int s = first; s < 2; s++) {
    Window w = {x->dims[2 + s - first], kernel[s], a->stride[s], a->dilation[s], a->pad[s], a->pad[s + 2]};
    if (!window_output(c, &w, a->auto_pad, ceil_mode, axis_names[s], &out_dims[2 + s - first])) return false;
    a->pad[s] = w.pad_begin;
    a->pad[s + 2] = w.pad_end;
    a->kernel[s] = kernel[s];
  }
  return true;
}

bool np_infer_conv(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 3)) return false;
  const NpTensor *x = np_op_input(c, 0), *w = np_op_input(c, 1), *b = np_op_input(c, 2);
  NpAttrs *a = &c->op->attrs;
  int first = 0;
  if (!spatial_rank(c, x, &first)) return false;
  if (w->rank != x->rank)
    return np_op_error(c, "weight '%s' has rank %d, input '%s' rank %d", w->name, w->rank, x->name, x->rank);
  int64_t channels = x->dims[1], out_channels = w->dims[0];
  if (a->group < 1) return np_op_error(c, "group is %lld (must be at least 1)", (long long)a->group);
  int64_t expected;
  if (!np_mul_i64(w->dims[1], a->group, &expected) || expected != channels)
    return np_op_error(c, "input '%s' has %lld channels but weight '%s' expects %lld per group x group %lld",
                       x->name, (long long)channels, w->name, (long long)w->dims[1], (long long)a->group);
  if (out_channels % a->group != 0)
    return np_op_error(c, "group %lld does not divide the %lld output channels", (long long)a->group,
                       (long long)out_channels);
  if (b && (b->rank != 1 || b->dims[0] != out_channels))
    return np_op_error(c, "bias '%s' must have shape [%lld]", b->name, (long long)out_channels);
  int64_t kernel[2] = {1, 1};
  for (int s = first; s < 2; s++) {
    kernel[s] = w->dims[2 + s - first];
    if (a->kernel[s] != 0 && a->kernel[s] != kernel[s])
      return np_op_error(c, "kernel_shape %lld on axis %s disagrees with weight '%s' (%lld)",
                         (long long)a->kernel[s], axis_names[s], w->name, (long long)kernel[s]);
  }
  int64_t dims[4] = {x->dims[0], out_channels, 1, 1};
  if (!windows_over(c, x, kernel, 0, dims)) return false;
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

/* ONNX ConvTranspose: out = stride*(in-1) + output_padding + extent - pads, or the given
 * output_shape (pads then follow from it), or in*stride with SAME_*. */
static bool transposed_axis(NpInferCtx *c, int s, int64_t in, int64_t kernel, const int64_t *given, int64_t *out) {
  NpAttrs *a = &c->op->attrs;
  Window w = {in, kernel, a->stride[s], a->dilation[s], a->pad[s], a->pad[s + 2]};
  if (!check_window_attrs(c, &w, axis_names[s])) return false;
  int64_t extent, full, opad = a->output_padding[s];
  int64_t limit = w.stride > w.dilation ? w.stride : w.dilation;
  if (opad < 0 || opad >= limit)
    return np_op_error(c, "output_padding %lld on axis %s must be in [0, max(stride, dilation) = %lld)",
                       (long long)opad, axis_names[s], (long long)limit);
  if (!effective_kernel(c, &w, &extent) || !np_mul_i64(w.stride, in - 1, &full) || !np_add_i64(full, opad, &full) ||
      !np_add_i64(full, extent, &full))
    return np_op_error(c, "output size on axis %s overflows", axis_names[s]);
  bool same = a->auto_pad == NP_AUTOPAD_SAME_UPPER || a->auto_pad == NP_AUTOPAD_SAME_LOWER;
  if (given || same) {
    int64_t target = 0;
    if (given) {
      target = *given;
    } else if (!np_mul_i64(in, w.stride, &target)) {
      return np_op_error(c, "output size on axis %s overflows", axis_names[s]);
    }
    int64_t total = full - target;
    if (total < 0) {
      /* A larger output than the input reaches: the extra is output padding (as in ONNX's
       * reference), recorded in output_padding with zero pads. */
      a->output_padding[s] = opad - total;
      total = 0;
    }
    bool upper = a->auto_pad == NP_AUTOPAD_SAME_UPPER;
    a->pad[s] = upper ? total / 2 : total - total / 2;
    a->pad[s + 2] = total - a->pad[s];
    *out = target;
  } else {
    if (a->auto_pad == NP_AUTOPAD_VALID) a->pad[s] = a->pad[s + 2] = 0;
    *out = full - a->pad[s] - a->pad[s + 2];
  }
  a->kernel[s] = kernel;
  if (*out < 1) return np_op_error(c, "output size on axis %s would be %lld", axis_names[s], (long long)*out);
  return true;
}

bool np_infer_conv_transpose(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 3)) return false;
  const NpTensor *x = np_op_input(c, 0), *w = np_op_input(c, 1), *b = np_op_input(c, 2);
  NpAttrs *a = &c->op->attrs;
  int first = 0;
  if (!spatial_rank(c, x, &first)) return false;
  if (w->rank != x->rank)
    return np_op_error(c, "weight '%s' has rank %d, input '%s' rank %d", w->name, w->rank, x->name, x->rank);
  if (a->group < 1) return np_op_error(c, "group is %lld (must be at least 1)", (long long)a->group);
  if (w->dims[0] != x->dims[1])
    return np_op_error(c, "input '%s' has %lld channels but weight '%s' has %lld input channels", x->name,
                       (long long)x->dims[1], w->name, (long long)w->dims[0]);
  if (x->dims[1] % a->group != 0)
    return np_op_error(c, "group %lld does not divide the %lld input channels", (long long)a->group,
                       (long long)x->dims[1]);
  int64_t out_channels;
  if (!np_mul_i64(w->dims[1], a->group, &out_channels))
    return np_op_error(c, "output channels overflow");
  if (b && (b->rank != 1 || b->dims[0] != out_channels))
    return np_op_error(c, "bias '%s' must have shape [%lld]", b->name, (long long)out_channels);
  int spatial = x->rank - 2;
  if (a->has_ints && a->n_ints != spatial && a->n_ints != x->rank)
    return np_op_error(c, "output_shape has %d values, expected %d", a->n_ints, spatial);
  int64_t dims[4] = {x->dims[0], out_channels, 1, 1};
  for (int s = first; s < 2; s++) {
    int k = 2 + s - first;
    const int64_t *given = a->has_ints ? &a->ints[a->n_ints - spatial + (k - 2)] : NULL;
    if (a->kernel[s] != 0 && a->kernel[s] != w->dims[k])
      return np_op_error(c, "kernel_shape %lld on axis %s disagrees with weight '%s' (%lld)",
                         (long long)a->kernel[s], axis_names[s], w->name, (long long)w->dims[k]);
    if (!transposed_axis(c, s, x->dims[k], w->dims[k], given, &dims[k])) return false;
  }
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

bool np_infer_pool(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  NpAttrs *a = &c->op->attrs;
  int first = 0;
  if (!spatial_rank(c, x, &first)) return false;
  for (int s = first; s < 2; s++) {
    if (a->kernel[s] < 1) return np_op_error(c, "kernel_shape is missing or not positive");
  }
  int64_t dims[4] = {x->dims[0], x->dims[1], 1, 1};
  int64_t kernel[2] = {a->kernel[0], a->kernel[1]};
  if (first == 1) kernel[0] = 1;
  if (!windows_over(c, x, kernel, a->ceil_mode, dims)) return false;
  if (!np_op_set_output(c, 0, x->rank, dims, x->dtype)) return false;
  if (c->op->kind == NP_OP_MAXPOOL) return np_op_set_output(c, 1, x->rank, dims, NP_DTYPE_INT64);
  return true;
}

bool np_infer_global_pool(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 1, 1)) return false;
  const NpTensor *x = np_op_input(c, 0);
  if (x->rank < 3) return np_op_error(c, "input '%s' has rank %d (needs N, C and spatial dims)", x->name, x->rank);
  int64_t dims[NP_MAX_RANK];
  for (int i = 0; i < x->rank; i++) dims[i] = i < 2 ? x->dims[i] : 1;
  return np_op_set_output(c, 0, x->rank, dims, x->dtype);
}

bool np_infer_gemm(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 3)) return false;
  const NpTensor *a = np_op_input(c, 0), *b = np_op_input(c, 1), *bias = np_op_input(c, 2);
  if (a->rank != 2 || b->rank != 2)
    return np_op_error(c, "inputs '%s' and '%s' must be rank 2 (have %d and %d)", a->name, b->name, a->rank,
                       b->rank);
  const NpAttrs *at = &c->op->attrs;
  int64_t m = at->trans_a ? a->dims[1] : a->dims[0], k = at->trans_a ? a->dims[0] : a->dims[1];
  int64_t kb = at->trans_b ? b->dims[1] : b->dims[0], n = at->trans_b ? b->dims[0] : b->dims[1];
  if (k != kb)
    return np_op_error(c, "inner dims differ: A gives K=%lld, B gives K=%lld (transA=%d transB=%d)", (long long)k,
                       (long long)kb, at->trans_a, at->trans_b);
  int64_t dims[2] = {m, n};
  if (bias) {
    int64_t out[NP_MAX_RANK];
    int rank;
    if (bias->rank > 2 || !np_broadcast_dims(2, dims, bias->rank, bias->dims, &rank, out) || out[0] != m ||
        out[1] != n)
      return np_op_error(c, "bias '%s' does not broadcast to [%lld,%lld]", bias->name, (long long)m, (long long)n);
  }
  return np_op_set_output(c, 0, 2, dims, a->dtype);
}

/* numpy matmul: 1-D operands gain (and then lose) a unit dim; batch dims broadcast. */
bool np_infer_matmul(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 2)) return false;
  const NpTensor *a = np_op_input(c, 0), *b = np_op_input(c, 1);
  if (a->rank < 1 || b->rank < 1) return np_op_error(c, "an input is a scalar");
  int64_t ad[NP_MAX_RANK + 1], bd[NP_MAX_RANK + 1];
  int ar = a->rank, br = b->rank;
  if (ar == 1) {
    ad[0] = 1, ad[1] = a->dims[0], ar = 2;
  } else {
    memcpy(ad, a->dims, (size_t)ar * sizeof *ad);
  }
  if (br == 1) {
    bd[0] = b->dims[0], bd[1] = 1, br = 2;
  } else {
    memcpy(bd, b->dims, (size_t)br * sizeof *bd);
  }
  if (ad[ar - 1] != bd[br - 2])
    return np_op_error(c, "inner dims differ: '%s' has K=%lld, '%s' has K=%lld", a->name, (long long)ad[ar - 1],
                       b->name, (long long)bd[br - 2]);
  int64_t dims[NP_MAX_RANK + 2];
  int rank;
  if (!np_op_broadcast(c, ar - 2, ad, br - 2, bd, &rank, dims)) return false;
  if (a->rank > 1) dims[rank++] = ad[ar - 2];
  if (b->rank > 1) dims[rank++] = bd[br - 1];
  return np_op_set_output(c, 0, rank, dims, a->dtype);
}

bool np_infer_batch_norm(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 5, 5)) return false;
  const NpTensor *x = np_op_input(c, 0);
  if (x->rank < 2) return np_op_error(c, "input '%s' has rank %d (needs N and C)", x->name, x->rank);
  int64_t channels = x->dims[1];
  for (int i = 1; i < 5; i++) {
    const NpTensor *p = np_op_input(c, i);
    if (p->rank != 1 || p->dims[0] != channels)
      return np_op_error(c, "parameter '%s' must have shape [%lld]", p->name, (long long)channels);
  }
  if (!np_op_set_output(c, 0, x->rank, x->dims, x->dtype)) return false;
  for (int i = 1; i < c->op->n_outputs && i < 5; i++) {
    if (!np_op_set_output(c, i, 1, &channels, x->dtype)) return false;
  }
  return true;
}

/* Y keeps X's shape; the optional Mean and InvStdDev keep the leading dims, 1 for the rest. */
bool np_infer_layer_norm(NpInferCtx *c) {
  if (!np_op_require_inputs(c, 2, 3)) return false;
  const NpTensor *x = np_op_input(c, 0);
  int axis;
  int64_t given = c->op->attrs.axis == NP_AXIS_UNSET ? -1 : c->op->attrs.axis;
  if (x->rank == 0) return np_op_error(c, "input '%s' is a scalar", x->name);
  if (!np_op_axis(c, given, x->rank, "axis", &axis)) return false;
  for (int i = 1; i < 3; i++) {
    const NpTensor *p = np_op_input(c, i);
    int64_t out[NP_MAX_RANK];
    int rank;
    if (p == NULL) continue;
    if (p->rank > x->rank - axis ||
        !np_broadcast_dims(x->rank - axis, x->dims + axis, p->rank, p->dims, &rank, out) ||
        memcmp(out, x->dims + axis, (size_t)rank * sizeof *out) != 0)
      return np_op_error(c, "parameter '%s' does not broadcast to the normalized dims", p->name);
  }
  if (!np_op_set_output(c, 0, x->rank, x->dims, x->dtype)) return false;
  int64_t stats[NP_MAX_RANK];
  for (int i = 0; i < x->rank; i++) stats[i] = i < axis ? x->dims[i] : 1;
  for (int i = 1; i < 3; i++) {
    if (!np_op_set_output(c, i, x->rank, stats, NP_DTYPE_FP32)) return false;
  }
  return true;
}
