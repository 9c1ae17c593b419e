/* ONNX import: protobuf bytes -> ModelProto (protobuf-c) -> NpGraph -> np_graph_finalize(). */
#include "onnx/onnx_import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx_internal.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"

/* Control characters in names from the file would break the one-line message. */
static void add_one_line(NpDiag *diag, char *message) {
  for (char *c = message; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
  np_diag_add(diag, "%s", message);
  free(message);
}

bool onnx_error(OnnxImport *im, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *text = np_xvasprintf(fmt, args);
  va_end(args);
  add_one_line(im->diag, np_xasprintf("%s: error: %s", im->source, text));
  free(text);
  return false;
}

bool onnx_node_error(OnnxImport *im, const char *node, const char *op_type, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *text = np_xvasprintf(fmt, args);
  va_end(args);
  add_one_line(im->diag, np_xasprintf("%s: error: node '%s' (%s): %s", im->source, node, op_type, text));
  free(text);
  return false;
}

static bool is_default_domain(const char *domain) {
  return domain == NULL || domain[0] == '\0' || strcmp(domain, "ai.onnx") == 0;
}

static bool read_opset(OnnxImport *im, const Onnx__ModelProto *model) {
  bool found = false;
  for (size_t i = 0; i < model->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *op = model->opset_import[i];
    if (!is_default_domain(op->domain) || !op->has_version) continue;
    im->opset = op->version;
    found = true;
  }
  if (!found) return onnx_error(im, "model declares no opset for the default ONNX domain");
  if (im->opset < NP_ONNX_MIN_OPSET || im->opset > NP_ONNX_MAX_OPSET)
    return onnx_error(im, "opset %lld is not supported (supported: %d to %d)", (long long)im->opset, NP_ONNX_MIN_OPSET,
                      NP_ONNX_MAX_OPSET);
  return true;
}

/* ---- Tensors with known contents: initializers, Constant nodes ---------------------------- */

/* A payload in raw_data must be exactly the bytes its dims and type need; an empty one is a
 * payload stripped from a shape-only model. */
static bool raw_data_fits(OnnxImport *im, const char *label, const Onnx__TensorProto *t, NpDtype dtype, int64_t count) {
  if (!t->has_raw_data || t->raw_data.len == 0) return true;
  int64_t need = count * np_dtype_bytes(dtype); /* count <= 2^40, at most 8 bytes each */
  if ((uint64_t)t->raw_data.len == (uint64_t)need) return true;
  NpBuf dims = {0};
  for (size_t i = 0; i < t->n_dims; i++) np_buf_printf(&dims, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
  onnx_error(im, "%s: raw_data holds %zu bytes, but dims [%s] of %s need %lld", label, t->raw_data.len,
             np_buf_str(&dims), np_dtype_name(dtype), (long long)need);
  np_buf_free(&dims);
  return false;
}

/* Adds a tensor named `name` from a TensorProto: a CONST with values for small integer
 * tensors, a WEIGHT (with fvalues when small and float) otherwise. `label` names it in
 * errors and is freed here. Returns its index or -1. */
static int add_tensor_from_proto(OnnxImport *im, const char *name, const Onnx__TensorProto *t, char *label) {
  NpDtype dtype;
  bool ok = onnx_dtype(t->data_type, &dtype);
  if (!ok) onnx_error(im, "%s %s (%d)", label, onnx_dtype_problem(t->data_type), (int)t->data_type);
  else ok = onnx_check_dims(im, label, t->dims, t->n_dims);
  int64_t count = 1;
  if (ok) {
    for (size_t i = 0; i < t->n_dims; i++) count *= t->dims[i]; /* checked by onnx_check_dims */
    ok = raw_data_fits(im, label, t, dtype, count);
  }
  free(label);
  if (!ok) return -1;

  int64_t *ints = NULL;
  double *floats = NULL;
  bool integer = dtype == NP_DTYPE_INT64 || dtype == NP_DTYPE_INT32;
  bool floating = dtype == NP_DTYPE_FP32 || dtype == NP_DTYPE_FP64;
  if (integer && count <= NP_CONST_MAX_VALUES) {
    ints = np_xmalloc((size_t)(count ? count : 1) * sizeof *ints);
    if (!onnx_tensor_ints(t, count, ints)) {
      free(ints);
      ints = NULL; /* payload stripped or external: an ordinary weight */
    }
  } else if (floating && count <= ONNX_MAX_FLOAT_VALUES) {
    floats = np_xmalloc((size_t)(count ? count : 1) * sizeof *floats);
    if (!onnx_tensor_floats(t, count, floats)) {
      free(floats);
      floats = NULL;
    }
  }
  int index = np_graph_add_tensor(im->graph, name, dtype, NP_TENSOR_WEIGHT, im->diag);
  ok = index >= 0 && np_tensor_set_shape(im->graph, index, (int)t->n_dims, t->dims, im->diag);
  if (ok && (ints || floats)) ok = np_tensor_set_values(im->graph, index, ints, floats, count, im->diag);
  free(ints);
  free(floats);
  return ok ? index : -1;
}

static bool add_initializers(OnnxImport *im, const Onnx__GraphProto *g) {
  for (size_t i = 0; i < g->n_initializer; i++) {
    const Onnx__TensorProto *t = g->initializer[i];
    if (!t->name || !t->name[0]) return onnx_error(im, "initializer #%zu has no name", i);
    if (np_graph_find_tensor(im->graph, t->name) >= 0) return onnx_error(im, "initializer '%s' is defined twice", t->name);
    if (add_tensor_from_proto(im, t->name, t, np_xasprintf("initializer '%s'", t->name)) < 0) return false;
  }
  for (size_t i = 0; i < g->n_sparse_initializer; i++) {
    const Onnx__SparseTensorProto *s = g->sparse_initializer[i];
    const char *name = s->values ? s->values->name : NULL;
    if (!name || !name[0]) return onnx_error(im, "sparse initializer #%zu has no name", i);
    if (np_graph_find_tensor(im->graph, name) >= 0) return onnx_error(im, "initializer '%s' is defined twice", name);
    /* Only its dense shape matters: a weight whose payload is never read. */
    Onnx__TensorProto dense = ONNX__TENSOR_PROTO__INIT;
    dense.n_dims = s->n_dims;
    dense.dims = s->dims;
    dense.has_data_type = true;
    dense.data_type = s->values->data_type;
    dense.has_data_location = true;
    dense.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    if (add_tensor_from_proto(im, name, &dense, np_xasprintf("sparse initializer '%s'", name)) < 0) return false;
  }
  return true;
}

/* value_int(s) / value_float(s) of a Constant node, as a TensorProto view. */
static bool constant_value(const Onnx__NodeProto *node, Onnx__TensorProto *view, int64_t *scalar_dim) {
  const Onnx__AttributeProto *a;
  *scalar_dim = 0;
  if ((a = onnx_find_attr(node, "value_int")) && a->has_i) {
    view->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    view->n_int64_data = 1;
    view->int64_data = (int64_t *)&a->i;
  } else if ((a = onnx_find_attr(node, "value_ints"))) {
    view->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    view->n_int64_data = a->n_ints;
    view->int64_data = a->ints;
    *scalar_dim = (int64_t)a->n_ints;
    view->n_dims = 1;
  } else if ((a = onnx_find_attr(node, "value_float")) && a->has_f) {
    view->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    view->n_float_data = 1;
    view->float_data = (float *)&a->f;
  } else if ((a = onnx_find_attr(node, "value_floats"))) {
    view->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    view->n_float_data = a->n_floats;
    view->float_data = a->floats;
    *scalar_dim = (int64_t)a->n_floats;
    view->n_dims = 1;
  } else {
    return false;
  }
  view->has_data_type = true;
  view->dims = scalar_dim;
  return true;
}

/* A Constant node is not kept as an op: its output is a constant tensor like an initializer. */
static bool add_constant_node(OnnxImport *im, const Onnx__NodeProto *node, const char *name) {
  if (node->n_output != 1 || !node->output[0][0])
    return onnx_node_error(im, name, node->op_type, "a Constant must have exactly one output");
  const char *out = node->output[0];
  if (np_graph_find_tensor(im->graph, out) >= 0)
    return onnx_node_error(im, name, node->op_type, "output '%s' is already defined elsewhere in the graph", out);
  const Onnx__AttributeProto *value = onnx_find_attr(node, "value");
  char *label = np_xasprintf("node '%s' (%s): value '%s'", name, node->op_type, out);
  if (value && value->t) return add_tensor_from_proto(im, out, value->t, label) >= 0;
  Onnx__TensorProto view = ONNX__TENSOR_PROTO__INIT;
  int64_t dim;
  if (!constant_value(node, &view, &dim)) {
    free(label);
    return onnx_node_error(im, name, node->op_type, "only tensor, int(s) and float(s) values are supported");
  }
  return add_tensor_from_proto(im, out, &view, label) >= 0;
}

/* ---- Graph inputs and declared shapes -------------------------------------------------------- */

static const Onnx__TypeProto__Tensor *tensor_type(const Onnx__ValueInfoProto *vi) {
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) return NULL;
  return vi->type->tensor_type;
}

static bool add_graph_inputs(OnnxImport *im, const Onnx__GraphProto *g) {
  for (size_t i = 0; i < g->n_input; i++) {
    const Onnx__ValueInfoProto *vi = g->input[i];
    if (!vi->name || !vi->name[0]) return onnx_error(im, "graph input #%zu has no name", i);
    int existing = np_graph_find_tensor(im->graph, vi->name);
    if (existing >= 0) {
      if (im->graph->tensors[existing].role == NP_TENSOR_INPUT)
        return onnx_error(im, "graph input '%s' is listed twice", vi->name);
      continue; /* also an initializer: a weight */
    }
    const Onnx__TypeProto__Tensor *tt = tensor_type(vi);
    if (!tt) return onnx_error(im, "graph input '%s' is not a tensor", vi->name);
    NpDtype dtype;
    if (!onnx_dtype(tt->elem_type, &dtype))
      return onnx_error(im, "graph input '%s' %s (%d)", vi->name, onnx_dtype_problem(tt->elem_type), (int)tt->elem_type);
    if (!tt->shape) return onnx_error(im, "graph input '%s' has no shape", vi->name);
    int64_t dims[NP_MAX_RANK + 1];
    size_t rank = tt->shape->n_dim;
    char *label = np_xasprintf("graph input '%s'", vi->name);
    for (size_t d = 0; d < rank && d <= NP_MAX_RANK; d++) {
      const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
      dims[d] = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ? dim->dim_value : 1; /* symbolic -> 1 */
    }
    bool ok = onnx_check_dims(im, label, dims, rank);
    free(label);
    if (!ok) return false;
    int index = np_graph_add_tensor(im->graph, vi->name, dtype, NP_TENSOR_INPUT, im->diag);
    if (index < 0 || !np_tensor_set_shape(im->graph, index, (int)rank, dims, im->diag)) return false;
    np_graph_mark_input(im->graph, index);
  }
  return true;
}

/* Records the shape the file declares for an op's output (value_info, graph outputs). */
static bool declare_shape(OnnxImport *im, int index, const Onnx__ValueInfoProto *vi) {
  const Onnx__TypeProto__Tensor *tt = tensor_type(vi);
  NpTensor *t = &im->graph->tensors[index];
  if (!tt || t->role != NP_TENSOR_ACTIVATION) return true;
  NpDtype dtype;
  if (t->dtype == NP_DTYPE_UNKNOWN && tt->has_elem_type && onnx_dtype(tt->elem_type, &dtype)) t->dtype = dtype;
  if (!tt->shape) return true;
  size_t rank = tt->shape->n_dim;
  if (rank > NP_MAX_RANK)
    return onnx_error(im, "tensor '%s' is declared with rank %zu (at most %d is supported)", vi->name, rank, NP_MAX_RANK);
  int64_t dims[NP_MAX_RANK];
  for (size_t d = 0; d < rank; d++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
    bool known = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    if (known && dim->dim_value < 0)
      return onnx_error(im, "tensor '%s' is declared with a negative dimension (%lld at axis %zu)", vi->name,
                        (long long)dim->dim_value, d);
    dims[d] = known ? dim->dim_value : -1;
  }
  return np_tensor_declare_shape(im->graph, index, (int)rank, dims, im->diag);
}

static bool add_graph_outputs_and_value_info(OnnxImport *im, const Onnx__GraphProto *g) {
  for (size_t i = 0; i < g->n_value_info; i++) {
    const Onnx__ValueInfoProto *vi = g->value_info[i];
    int index = vi->name ? np_graph_find_tensor(im->graph, vi->name) : -1;
    if (index >= 0 && !declare_shape(im, index, vi)) return false; /* value_info of unknown names is unused */
  }
  if (g->n_output == 0) return onnx_error(im, "the graph has no outputs");
  for (size_t i = 0; i < g->n_output; i++) {
    const Onnx__ValueInfoProto *vi = g->output[i];
    int index = vi->name && vi->name[0] ? np_graph_find_tensor(im->graph, vi->name) : -1;
    if (index < 0)
      return onnx_error(im, "graph output '%s' is not produced by any node, input or initializer", vi->name ? vi->name : "");
    if (!declare_shape(im, index, vi)) return false;
    np_graph_mark_output(im->graph, index);
  }
  return true;
}

/* ---- Nodes ------------------------------------------------------------------------------------ */

static char *node_display_name(const Onnx__NodeProto *node, size_t index) {
  if (node->name && node->name[0]) return np_xstrdup(node->name);
  return np_xasprintf("%s_%zu", node->op_type, index);
}

static bool is_constant_node(const Onnx__NodeProto *node) {
  return is_default_domain(node->domain) && strcmp(node->op_type, "Constant") == 0;
}

/* Pass 1: every node output becomes a tensor, so that inputs can be resolved in any order
 * (finalize then sorts, and reports cycles). */
static bool add_node_outputs(OnnxImport *im, const Onnx__GraphProto *g) {
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *node = g->node[i];
    if (!node->op_type || !node->op_type[0]) return onnx_error(im, "node #%zu has no op_type", i);
    char *name = node_display_name(node, i);
    bool ok = true;
    if (is_constant_node(node)) {
      ok = add_constant_node(im, node, name);
    } else {
      for (size_t o = 0; ok && o < node->n_output; o++) {
        const char *out = node->output[o];
        if (!out[0]) continue; /* an omitted optional output */
        if (np_graph_find_tensor(im->graph, out) >= 0)
          ok = onnx_node_error(im, name, node->op_type, "output '%s' is already defined elsewhere in the graph", out);
        else
          ok = np_graph_add_tensor(im->graph, out, NP_DTYPE_UNKNOWN, NP_TENSOR_ACTIVATION, im->diag) >= 0;
      }
    }
    free(name);
    if (!ok) return false;
  }
  return true;
}

/* Older opsets gave some values as attributes that later ones take as inputs (Slice < 10,
 * Pad < 11). We turn them into constant inputs, so that finalize sees one form. */
static int synth_const_input(OnnxImport *im, const char *node_name, const char *what, const int64_t *values, size_t n) {
  char *name = np_xasprintf("%s::%s", node_name, what);
  int index = np_graph_add_tensor(im->graph, name, NP_DTYPE_INT64, NP_TENSOR_CONST, im->diag);
  free(name);
  int64_t dim = (int64_t)n;
  if (index < 0 || !np_tensor_set_shape(im->graph, index, 1, &dim, im->diag) ||
      !np_tensor_set_values(im->graph, index, values, NULL, dim, im->diag))
    return -1;
  return index;
}

typedef struct NodeInputs {
  int *items;
  int n;
} NodeInputs;

static bool append_attr_as_input(OnnxImport *im, const Onnx__NodeProto *node, const char *name, const char *attr,
                                 NodeInputs *in, bool required) {
  const Onnx__AttributeProto *a = onnx_find_attr(node, attr);
  if (!a) {
    if (required) return onnx_node_error(im, name, node->op_type, "attribute '%s' is required", attr);
    return true;
  }
  if (a->n_ints > NP_MAX_RANK * 2)
    return onnx_node_error(im, name, node->op_type, "attribute '%s' has %zu values (at most %d)", attr, a->n_ints,
                           NP_MAX_RANK * 2);
  int index = synth_const_input(im, name, attr, a->ints, a->n_ints);
  if (index < 0) return false;
  in->items[in->n++] = index;
  return true;
}

static bool resolve_inputs(OnnxImport *im, const Onnx__NodeProto *node, const char *name, NpOpKind kind, NodeInputs *in) {
  /* Room for the attribute-to-input rewrites below (at most 3 extra). */
  in->items = np_xmalloc((node->n_input + 4) * sizeof *in->items);
  in->n = 0;
  for (size_t i = 0; i < node->n_input; i++) {
    const char *input = node->input[i];
    int index = -1;
    if (input[0]) {
      index = np_graph_find_tensor(im->graph, input);
      if (index < 0)
        return onnx_node_error(im, name, node->op_type,
                               "input '%s' is not produced by any node and is not a graph input or initializer", input);
    }
    in->items[in->n++] = index;
  }
  if (kind == NP_OP_SLICE && im->opset < 10 && in->n == 1)
    return append_attr_as_input(im, node, name, "starts", in, true) && append_attr_as_input(im, node, name, "ends", in, true) &&
           append_attr_as_input(im, node, name, "axes", in, false);
  if (kind == NP_OP_PAD && im->opset < 11 && in->n == 1) return append_attr_as_input(im, node, name, "pads", in, true);
  if (kind == NP_OP_RESIZE && im->opset < 11 && in->n == 2) { /* Resize-10: (X, scales) */
    in->items[2] = in->items[1];
    in->items[1] = -1;
    in->n = 3;
  }
  return true;
}

/* Clip's bounds are inputs from opset 11 on: take them when they are known scalars. */
static void clip_bounds_from_inputs(const NpGraph *graph, const NodeInputs *in, NpAttrs *attrs) {
  for (int i = 1; i <= 2 && i < in->n; i++) {
    if (in->items[i] < 0) continue;
    const NpTensor *t = &graph->tensors[in->items[i]];
    if (!t->shape_known || t->elements != 1) continue;
    float *bound = i == 1 ? &attrs->clip_min : &attrs->clip_max;
    if (t->fvalues) *bound = (float)t->fvalues[0];
    else if (t->values) *bound = (float)t->values[0];
  }
}

static bool add_node_op(OnnxImport *im, const Onnx__NodeProto *node, size_t index) {
  bool default_domain = is_default_domain(node->domain);
  NpOpKind kind = default_domain ? np_op_kind_from_onnx(node->op_type) : NP_OP_OPAQUE;
  char *name = node_display_name(node, index);
  char *op_type = default_domain ? np_xstrdup(node->op_type) : np_xasprintf("%s.%s", node->domain, node->op_type);
  NpAttrs attrs;
  NodeInputs in = {NULL, 0};
  int *outputs = np_xmalloc((node->n_output ? node->n_output : 1) * sizeof *outputs);
  int n_outputs = 0;
  for (size_t o = 0; o < node->n_output; o++)
    outputs[n_outputs++] = node->output[o][0] ? np_graph_find_tensor(im->graph, node->output[o]) : -1;
  while (n_outputs > 0 && outputs[n_outputs - 1] < 0) n_outputs--; /* trailing omitted outputs */

  bool ok = onnx_node_attrs(im, node, name, kind, &attrs);
  if (ok) ok = resolve_inputs(im, node, name, kind, &in);
  if (ok) {
    if (kind == NP_OP_CLIP) clip_bounds_from_inputs(im->graph, &in, &attrs);
    if (kind == NP_OP_CAST && n_outputs > 0) im->graph->tensors[outputs[0]].dtype = attrs.to;
    ok = np_graph_add_op(im->graph, name, op_type, &attrs, in.items, in.n, outputs, n_outputs, im->diag) >= 0;
  } else {
    free(attrs.ints);
  }
  free(in.items);
  free(outputs);
  free(op_type);
  free(name);
  return ok;
}

static bool add_nodes(OnnxImport *im, const Onnx__GraphProto *g) {
  if (g->n_node > NP_GRAPH_MAX_OPS)
    return onnx_error(im, "the graph has %zu nodes (at most %d are supported)", g->n_node, NP_GRAPH_MAX_OPS);
  if (!add_node_outputs(im, g)) return false;
  for (size_t i = 0; i < g->n_node; i++)
    if (!is_constant_node(g->node[i]) && !add_node_op(im, g->node[i], i)) return false;
  return true;
}

/* ---- Entry points ----------------------------------------------------------------------------- */

/* Names exporters give every graph: they say nothing about the model. */
static const char *const generic_graph_names[] = {"torch_jit", "torch-jit-export", "main_graph", "main", "graph",
                                                  "tf2onnx", "onnx", "model"};

static bool is_generic_name(const char *name) {
  if (name == NULL || name[0] == '\0') return true;
  for (size_t i = 0; i < sizeof generic_graph_names / sizeof generic_graph_names[0]; i++)
    if (strcmp(name, generic_graph_names[i]) == 0) return true;
  return false;
}

/* The graph's own name, or for a generic one the file's stem ("models/resnet18.onnx" ->
 * "resnet18"). Malloc'd. */
static char *model_name(const char *graph_name, const char *source) {
  if (!is_generic_name(graph_name)) return np_xstrdup(graph_name);
  const char *slash = source ? strrchr(source, '/') : NULL, *base = slash ? slash + 1 : source;
  if (base == NULL || base[0] == '\0' || base[0] == '<') return np_xstrdup(graph_name && graph_name[0] ? graph_name : "onnx");
  const char *dot = strrchr(base, '.');
  size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
  return np_xstrndup(base, len);
}

static NpGraph *graph_from_model(OnnxImport *im, const Onnx__ModelProto *model) {
  if (!model->graph) {
    onnx_error(im, "the model has no graph");
    return NULL;
  }
  if (!read_opset(im, model)) return NULL;
  const Onnx__GraphProto *g = model->graph;
  char *name = model_name(g->name, im->source);
  im->graph = np_graph_new(name, im->source);
  free(name);
  if (add_initializers(im, g) && add_graph_inputs(im, g) && add_nodes(im, g) && add_graph_outputs_and_value_info(im, g))
    return im->graph;
  np_graph_free(im->graph);
  im->graph = NULL;
  return NULL;
}

NpGraph *np_onnx_parse_buffer(const uint8_t *data, size_t size, const char *source_name, NpDiag *diag) {
  OnnxImport im = {source_name ? source_name : "<onnx>", diag, NULL, 0};
  if (size == 0) {
    onnx_error(&im, "the file is empty (not an ONNX model)");
    return NULL;
  }
  if ((uint64_t)size > (uint64_t)NP_ONNX_MAX_FILE_BYTES) {
    onnx_error(&im, "the model is larger than %lld bytes", (long long)NP_ONNX_MAX_FILE_BYTES);
    return NULL;
  }
  if (!onnx_nesting_within(data, size, ONNX_MAX_NESTING)) {
    onnx_error(&im, "the model nests graphs or types more than %d levels deep", ONNX_MAX_NESTING);
    return NULL;
  }
  Onnx__ModelProto *model = onnx__model_proto__unpack(NULL, size, data);
  if (!model) {
    onnx_error(&im, "not a valid ONNX model (protobuf parse failed)");
    return NULL;
  }
  NpGraph *graph = graph_from_model(&im, model);
  onnx__model_proto__free_unpacked(model, NULL);
  return graph;
}

NpGraph *np_onnx_parse_file(const char *path, NpDiag *diag) {
  size_t size = 0;
  uint8_t *data = (uint8_t *)np_read_file(path, NP_ONNX_MAX_FILE_BYTES, "model", &size, diag);
  if (!data) return NULL;
  NpGraph *graph = np_onnx_parse_buffer(data, size, path, diag);
  free(data);
  return graph;
}

static NpGraph *finalized(NpGraph *graph, NpDiag *diag) {
  if (graph && !np_graph_finalize(graph, diag)) {
    np_graph_free(graph);
    return NULL;
  }
  return graph;
}

NpGraph *np_onnx_import_buffer(const uint8_t *data, size_t size, const char *source_name, NpDiag *diag) {
  return finalized(np_onnx_parse_buffer(data, size, source_name, diag), diag);
}

NpGraph *np_onnx_import_file(const char *path, NpDiag *diag) { return finalized(np_onnx_parse_file(path, diag), diag); }

/* ---- Binding inputs to values ----------------------------------------------------------------- */

static int bindable_input(NpGraph *graph, const char *name, int64_t count, NpDiag *diag) {
  int index = np_graph_find_tensor(graph, name);
  if (index < 0 || graph->tensors[index].role != NP_TENSOR_INPUT) {
    np_diag_add(diag, "%s: error: cannot bind '%s': not a graph input", graph->source, name);
    return -1;
  }
  const NpTensor *t = &graph->tensors[index];
  if (!t->shape_known || t->elements != count || count > NP_CONST_MAX_VALUES) {
    np_diag_add(diag, "%s: error: cannot bind '%s': %lld values given for %lld elements (at most %d)", graph->source, name,
                (long long)count, (long long)t->elements, NP_CONST_MAX_VALUES);
    return -1;
  }
  size_t kept = 0;
  for (size_t i = 0; i < graph->n_inputs; i++)
    if (graph->inputs[i] != index) graph->inputs[kept++] = graph->inputs[i];
  graph->n_inputs = kept;
  graph->tensors[index].is_graph_input = false;
  return index;
}

bool np_onnx_bind_input_ints(NpGraph *graph, const char *name, const int64_t *values, int64_t count, NpDiag *diag) {
  int index = bindable_input(graph, name, count, diag);
  return index >= 0 && np_tensor_set_values(graph, index, values, NULL, count, diag); /* becomes CONST */
}

bool np_onnx_bind_input_floats(NpGraph *graph, const char *name, const double *values, int64_t count, NpDiag *diag) {
  int index = bindable_input(graph, name, count, diag);
  if (index < 0) return false;
  graph->tensors[index].role = NP_TENSOR_WEIGHT;
  return np_tensor_set_values(graph, index, NULL, values, count, diag);
}
