/* Node attributes into NpAttrs, op by op, with ONNX's defaults for each op. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx_internal.h"
#include "util/mem.h"

typedef struct NodeRef {
  OnnxImport *im;
  const Onnx__NodeProto *node;
  const char *name;
} NodeRef;

const Onnx__AttributeProto *onnx_find_attr(const Onnx__NodeProto *node, const char *name) {
  for (size_t i = 0; i < node->n_attribute; i++)
    if (node->attribute[i]->name && strcmp(node->attribute[i]->name, name) == 0) return node->attribute[i];
  return NULL;
}

#define NODE_ERROR(ref, ...) onnx_node_error((ref)->im, (ref)->name, (ref)->node->op_type, __VA_ARGS__)

static bool attr_int(const NodeRef *ref, const char *name, int64_t *value) {
  const Onnx__AttributeProto *a = onnx_find_attr(ref->node, name);
  if (!a) return true;
  if (!a->has_i) return NODE_ERROR(ref, "attribute '%s' must be an integer", name);
  *value = a->i;
  return true;
}

static bool attr_flag(const NodeRef *ref, const char *name, int *value) {
  int64_t v = *value;
  if (!attr_int(ref, name, &v)) return false;
  if (v != 0 && v != 1) return NODE_ERROR(ref, "attribute '%s' must be 0 or 1, not %lld", name, (long long)v);
  *value = (int)v;
  return true;
}

static bool attr_float(const NodeRef *ref, const char *name, float *value) {
  const Onnx__AttributeProto *a = onnx_find_attr(ref->node, name);
  if (!a) return true;
  if (!a->has_f) return NODE_ERROR(ref, "attribute '%s' must be a float", name);
  *value = a->f;
  return true;
}

/* The attribute's integer list (NULL and 0 when absent); more than max values is an error. */
static bool attr_ints(const NodeRef *ref, const char *name, size_t max, const int64_t **values, size_t *n) {
  const Onnx__AttributeProto *a = onnx_find_attr(ref->node, name);
  *values = NULL;
  *n = 0;
  if (!a) return true;
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
    return NODE_ERROR(ref, "attribute '%s' must be a list of integers", name);
  if (a->n_ints > max) return NODE_ERROR(ref, "attribute '%s' has %zu values (at most %zu)", name, a->n_ints, max);
  *values = a->ints;
  *n = a->n_ints;
  return true;
}

static bool attr_string(const NodeRef *ref, const char *name, char *out, size_t out_size) {
  const Onnx__AttributeProto *a = onnx_find_attr(ref->node, name);
  if (!a) return true;
  if (!a->has_s) return NODE_ERROR(ref, "attribute '%s' must be a string", name);
  if (a->s.len >= out_size || memchr(a->s.data, '\0', a->s.len))
    return NODE_ERROR(ref, "attribute '%s' has an unknown value", name);
  memcpy(out, a->s.data, a->s.len);
  out[a->s.len] = '\0';
  return true;
}

/* Copies a list attribute into attrs->ints (owned by attrs). */
static bool ints_into_attrs(const NodeRef *ref, const char *name, size_t max, NpAttrs *attrs) {
  const int64_t *values;
  size_t n;
  if (!attr_ints(ref, name, max, &values, &n)) return false;
  if (!values) return true;
  free(attrs->ints);
  attrs->ints = np_xmalloc((n ? n : 1) * sizeof *attrs->ints);
  if (n) memcpy(attrs->ints, values, n * sizeof *values);
  attrs->n_ints = (int)n;
  attrs->has_ints = true;
  return true;
}

/* Spatial list attributes: ONNX gives one value per spatial axis (1-D or 2-D here); we keep
 * [height, width] with 1-D ops on the width. */
typedef struct SpatialList {
  const char *name;
  const int64_t *values;
  size_t n;
} SpatialList;

static bool spatial_pair(const NodeRef *ref, const SpatialList *list, int64_t min_value, int64_t out[2]) {
  for (size_t i = 0; i < list->n; i++)
    if (list->values[i] < min_value || list->values[i] > NP_TENSOR_MAX_ELEMENTS)
      return NODE_ERROR(ref, "attribute '%s' has an out-of-range value %lld", list->name, (long long)list->values[i]);
  if (list->n == 1) {
    out[1] = list->values[0];
  } else if (list->n == 2) {
    out[0] = list->values[0];
    out[1] = list->values[1];
  }
  return true;
}

static bool parse_auto_pad(const NodeRef *ref, NpAttrs *attrs) {
  char text[16] = "NOTSET";
  if (!attr_string(ref, "auto_pad", text, sizeof text)) return false;
  if (strcmp(text, "NOTSET") == 0) attrs->auto_pad = NP_AUTOPAD_NOTSET;
  else if (strcmp(text, "SAME_UPPER") == 0) attrs->auto_pad = NP_AUTOPAD_SAME_UPPER;
  else if (strcmp(text, "SAME_LOWER") == 0) attrs->auto_pad = NP_AUTOPAD_SAME_LOWER;
  else if (strcmp(text, "VALID") == 0) attrs->auto_pad = NP_AUTOPAD_VALID;
  else return NODE_ERROR(ref, "attribute 'auto_pad' has an unknown value '%s'", text);
  return true;
}

/* Conv, ConvTranspose, MaxPool, AveragePool. */
static bool spatial_attrs(const NodeRef *ref, NpOpKind kind, NpAttrs *attrs) {
  SpatialList kernel = {"kernel_shape", NULL, 0}, strides = {"strides", NULL, 0}, dilations = {"dilations", NULL, 0},
              pads = {"pads", NULL, 0}, out_pad = {"output_padding", NULL, 0};
  if (!attr_ints(ref, kernel.name, NP_MAX_RANK, &kernel.values, &kernel.n) ||
      !attr_ints(ref, strides.name, NP_MAX_RANK, &strides.values, &strides.n) ||
      !attr_ints(ref, dilations.name, NP_MAX_RANK, &dilations.values, &dilations.n) ||
      !attr_ints(ref, pads.name, 2 * NP_MAX_RANK, &pads.values, &pads.n) ||
      !attr_ints(ref, out_pad.name, NP_MAX_RANK, &out_pad.values, &out_pad.n))
    return false;
  if (pads.n % 2) return NODE_ERROR(ref, "attribute 'pads' must have an even number of values, not %zu", pads.n);
  /* The spatial rank is the length of whichever list is given; they must agree. */
  size_t spatial = 0;
  const SpatialList *lists[] = {&kernel, &strides, &dilations, &out_pad};
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
    if (!lists[i]->n) continue;
    if (spatial && lists[i]->n != spatial)
      return NODE_ERROR(ref, "attribute '%s' has %zu values but the op has %zu spatial axes", lists[i]->name, lists[i]->n, spatial);
    spatial = lists[i]->n;
  }
  if (pads.n && spatial && pads.n != 2 * spatial)
    return NODE_ERROR(ref, "attribute 'pads' has %zu values but the op has %zu spatial axes", pads.n, spatial);
  if (!spatial) spatial = pads.n / 2;
  if (spatial > 2) return NODE_ERROR(ref, "%zu-D spatial ops are not supported (only 1-D and 2-D)", spatial);
  if ((kind == NP_OP_MAXPOOL || kind == NP_OP_AVGPOOL) && !kernel.n)
    return NODE_ERROR(ref, "attribute 'kernel_shape' is required");

  if (!spatial_pair(ref, &kernel, 1, attrs->kernel) || !spatial_pair(ref, &strides, 1, attrs->stride) ||
      !spatial_pair(ref, &dilations, 1, attrs->dilation) || !spatial_pair(ref, &out_pad, 0, attrs->output_padding))
    return false;
  if (kernel.n == 1) attrs->kernel[0] = 1;
  for (size_t i = 0; i < pads.n; i++)
    if (pads.values[i] < 0 || pads.values[i] > NP_TENSOR_MAX_ELEMENTS)
      return NODE_ERROR(ref, "attribute 'pads' has an out-of-range value %lld", (long long)pads.values[i]);
  if (pads.n == 4) {
    attrs->pad[0] = pads.values[0]; /* top: begin of H */
    attrs->pad[1] = pads.values[1]; /* left: begin of W */
    attrs->pad[2] = pads.values[2]; /* bottom: end of H */
    attrs->pad[3] = pads.values[3]; /* right: end of W */
  } else if (pads.n == 2) {
    attrs->pad[0] = attrs->pad[2] = 0;
    attrs->pad[1] = pads.values[0];
    attrs->pad[3] = pads.values[1];
  }
  if (!parse_auto_pad(ref, attrs)) return false;
  if (!attr_int(ref, "group", &attrs->group)) return false;
  if (attrs->group < 1 || attrs->group > NP_TENSOR_MAX_ELEMENTS)
    return NODE_ERROR(ref, "attribute 'group' must be positive, not %lld", (long long)attrs->group);
  if (!attr_flag(ref, "ceil_mode", &attrs->ceil_mode) || !attr_flag(ref, "count_include_pad", &attrs->count_include_pad))
    return false;
  if (kind == NP_OP_CONV_TRANSPOSE) {
    const int64_t *shape;
    size_t n;
    if (!attr_ints(ref, "output_shape", NP_MAX_RANK, &shape, &n)) return false;
    for (size_t i = 0; i < n; i++)
      if (shape[i] < 0 || shape[i] > NP_TENSOR_MAX_ELEMENTS)
        return NODE_ERROR(ref, "attribute 'output_shape' has an out-of-range value %lld", (long long)shape[i]);
    if (!ints_into_attrs(ref, "output_shape", NP_MAX_RANK, attrs)) return false;
  }
  return true;
}

static bool cast_attrs(const NodeRef *ref, NpAttrs *attrs) {
  const Onnx__AttributeProto *a = onnx_find_attr(ref->node, "to");
  if (!a || !a->has_i) return NODE_ERROR(ref, "attribute 'to' (an integer data type) is required");
  if (a->i < INT32_MIN || a->i > INT32_MAX || !onnx_dtype((int32_t)a->i, &attrs->to) || attrs->to == NP_DTYPE_UNKNOWN)
    return NODE_ERROR(ref, "cannot cast to ONNX data type %lld (not supported)", (long long)a->i);
  return true;
}

/* An absent axis stays NP_AXIS_UNSET (finalize applies the op's default), except where the
 * default changed with the opset: Softmax before 13 works on axis 1. */
static bool axis_attrs(const NodeRef *ref, NpOpKind kind, NpAttrs *attrs) {
  if (!onnx_find_attr(ref->node, "axis")) {
    if (kind == NP_OP_CONCAT) return NODE_ERROR(ref, "attribute 'axis' is required");
    if (kind == NP_OP_SOFTMAX && ref->im->opset < 13) attrs->axis = 1;
    return true;
  }
  if (!attr_int(ref, "axis", &attrs->axis)) return false;
  if (attrs->axis < -NP_MAX_RANK || attrs->axis > NP_MAX_RANK)
    return NODE_ERROR(ref, "attribute 'axis' is out of range (%lld)", (long long)attrs->axis);
  return true;
}

bool onnx_node_attrs(OnnxImport *im, const Onnx__NodeProto *node, const char *name, NpOpKind kind, NpAttrs *attrs) {
  NodeRef ref = {im, node, name};
  np_attrs_init(attrs);
  switch (kind) {
    case NP_OP_CONV:
    case NP_OP_CONV_TRANSPOSE:
    case NP_OP_MAXPOOL:
    case NP_OP_AVGPOOL:
      return spatial_attrs(&ref, kind, attrs);
    case NP_OP_GEMM:
      attrs->alpha = attrs->beta = 1.0f;
      return attr_float(&ref, "alpha", &attrs->alpha) && attr_float(&ref, "beta", &attrs->beta) &&
             attr_flag(&ref, "transA", &attrs->trans_a) && attr_flag(&ref, "transB", &attrs->trans_b);
    case NP_OP_HARD_SIGMOID:
      attrs->alpha = 0.2f;
      attrs->beta = 0.5f;
      return attr_float(&ref, "alpha", &attrs->alpha) && attr_float(&ref, "beta", &attrs->beta);
    case NP_OP_CLIP: /* before opset 11 the bounds were attributes; later they are inputs */
      return attr_float(&ref, "min", &attrs->clip_min) && attr_float(&ref, "max", &attrs->clip_max);
    case NP_OP_SOFTMAX:
    case NP_OP_LAYER_NORM:
    case NP_OP_FLATTEN:
    case NP_OP_CONCAT:
    case NP_OP_GATHER:
      return axis_attrs(&ref, kind, attrs);
    case NP_OP_SPLIT: /* split sizes: an attribute before opset 13, an input after */
      return axis_attrs(&ref, kind, attrs) && ints_into_attrs(&ref, "split", ONNX_MAX_ATTR_INTS, attrs);
    case NP_OP_REDUCE_MEAN:
      attrs->keepdims = 1;
      return attr_flag(&ref, "keepdims", &attrs->keepdims) && ints_into_attrs(&ref, "axes", NP_MAX_RANK, attrs);
    case NP_OP_TRANSPOSE:
      return ints_into_attrs(&ref, "perm", NP_MAX_RANK, attrs);
    case NP_OP_SQUEEZE:
    case NP_OP_UNSQUEEZE: /* axes: an attribute before opset 13, an input after */
      return ints_into_attrs(&ref, "axes", NP_MAX_RANK, attrs);
    case NP_OP_RESIZE:
      snprintf(attrs->mode, sizeof attrs->mode, "nearest");
      return attr_string(&ref, "mode", attrs->mode, sizeof attrs->mode);
    case NP_OP_PAD:
      snprintf(attrs->mode, sizeof attrs->mode, "constant");
      return attr_string(&ref, "mode", attrs->mode, sizeof attrs->mode);
    case NP_OP_CAST:
      return cast_attrs(&ref, attrs);
    case NP_OP_SHAPE: /* opset 15: the [start, end) range of dims */
      return attr_int(&ref, "start", &attrs->start) && attr_int(&ref, "end", &attrs->end);
    case NP_OP_RESHAPE:
      return attr_flag(&ref, "allowzero", &attrs->allowzero);
    default:
      return true;
  }
}
