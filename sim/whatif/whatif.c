/* Model what-ifs: rebuild a graph with new input dims or channel counts and finalize it again.
 *
 * Both transforms work the same way: decide the new dims of every source tensor (graph
 * inputs, weights) and any changed attribute (a depthwise conv's group), then rebuild the
 * graph from the original ops and let np_graph_finalize() infer every activation again. */
#include "whatif/whatif.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "util/mem.h"

bool np_whatif_is_identity(const NpWhatIf *w) {
  return (w->channel_scale == 0 || w->channel_scale == 1) && w->height == 0 && w->width == 0;
}

int64_t np_whatif_scale_channels(int64_t channels, double scale) {
  double scaled = round((double)channels * scale);
  return scaled < 1 ? 1 : (int64_t)scaled;
}

/* A whole number 1..NP_WHATIF_MAX_RESOLUTION at *p; advances *p past it. */
static bool parse_side(const char **p, int64_t *out) {
  int64_t v = 0;
  const char *q = *p;
  while (*q >= '0' && *q <= '9' && v <= NP_WHATIF_MAX_RESOLUTION) v = v * 10 + (*q++ - '0');
  if (q == *p || v < 1 || v > NP_WHATIF_MAX_RESOLUTION) return false;
  *p = q;
  *out = v;
  return true;
}

bool np_whatif_parse_resolution(const char *text, int64_t *height, int64_t *width, char *err, size_t err_size) {
  const char *p = text;
  int64_t h = 0, w = 0;
  bool ok = parse_side(&p, &h);
  if (ok && *p == 'x') {
    p++;
    ok = parse_side(&p, &w);
  } else {
    w = h;
  }
  if (!ok || *p != '\0') {
    snprintf(err, err_size, "resolution '%s': expected SIZE or HEIGHTxWIDTH, each 1..%d (e.g. 192 or 160x224)", text,
             NP_WHATIF_MAX_RESOLUTION);
    return false;
  }
  *height = h;
  *width = w;
  return true;
}

bool np_whatif_parse_scale(const char *text, double *scale, char *err, size_t err_size) {
  double v;
  if (!np_parse_real(text, &v, err, err_size)) return false;
  if (!(v >= NP_WHATIF_MIN_SCALE && v <= NP_WHATIF_MAX_SCALE)) {
    snprintf(err, err_size, "channel scale '%s': must lie in [%g, %g]", text, NP_WHATIF_MIN_SCALE, NP_WHATIF_MAX_SCALE);
    return false;
  }
  *scale = v;
  return true;
}

/* ---- rebuilding ---- */

/* What changes: dims of source tensors, group of ops, values of shape constants. */
typedef struct Plan {
  int64_t (*dims)[NP_MAX_RANK]; /* per tensor; used for inputs, weights and constants */
  int64_t *group;               /* per op; 0: keep */
  int64_t **values;             /* per tensor; NULL: keep (owned) */
} Plan;

static Plan plan_new(const NpGraph *g) {
  Plan p;
  p.dims = np_xmalloc((g->n_tensors ? g->n_tensors : 1) * sizeof *p.dims);
  for (size_t t = 0; t < g->n_tensors; t++) memcpy(p.dims[t], g->tensors[t].dims, sizeof p.dims[t]);
  p.group = np_xcalloc(g->n_ops ? g->n_ops : 1, sizeof *p.group);
  p.values = np_xcalloc(g->n_tensors ? g->n_tensors : 1, sizeof *p.values);
  return p;
}

static void plan_free(const NpGraph *g, Plan *p) {
  for (size_t t = 0; t < g->n_tensors; t++) free(p->values[t]);
  free(p->values);
  free(p->dims);
  free(p->group);
}

/* A tensor an op computes (its dims come from inference), as opposed to a source tensor. */
static bool is_computed(const NpGraph *g, const NpTensor *t) {
  return t->producer >= 0 && g->ops[t->producer].kind != NP_OP_CONSTANT;
}

static bool add_source_tensor(NpGraph *out, const NpTensor *s, const int64_t *dims, const int64_t *values,
                              NpDiag *diag) {
  NpTensorRole role = s->is_graph_input ? NP_TENSOR_INPUT : s->role;
  int idx = np_graph_add_tensor(out, s->name, s->dtype, role, diag);
  if (idx < 0) return false;
  out->tensors[idx].storage_bits = s->storage_bits;
  if (!s->shape_known) return true;
  if (!np_tensor_set_shape(out, idx, s->rank, dims, diag)) return false;
  const NpTensor *t = &out->tensors[idx];
  if (values != NULL) return np_tensor_set_values(out, idx, values, NULL, t->elements, diag);
  if (s->values != NULL) return np_tensor_set_values(out, idx, s->values, NULL, t->elements, diag);
  if (s->fvalues != NULL) return np_tensor_set_values(out, idx, NULL, s->fvalues, t->elements, diag);
  return true;
}

static bool add_op_copy(NpGraph *out, const NpOp *op, int64_t group, NpDiag *diag) {
  NpAttrs attrs = op->attrs;
  if (op->attrs.n_ints > 0) {
    attrs.ints = np_xmalloc((size_t)op->attrs.n_ints * sizeof *attrs.ints);
    memcpy(attrs.ints, op->attrs.ints, (size_t)op->attrs.n_ints * sizeof *attrs.ints);
  } else {
    attrs.ints = NULL;
  }
  if (group > 0) attrs.group = group;
  return np_graph_add_op(out, op->name, op->op_type, &attrs, op->inputs, op->n_inputs, op->outputs, op->n_outputs,
                         diag) >= 0;
}

/* The graph again from its ops, with the plan's source dims, then finalized. Errors are
 * prefixed with `what` (the transform) so a failed re-inference says why it was run. */
static NpGraph *rebuild(const NpGraph *g, const Plan *plan, const char *what, NpDiag *diag) {
  NpDiag local;
  np_diag_init(&local);
  NpGraph *out = np_graph_new(g->name, g->source);
  bool ok = true;
  for (size_t t = 0; t < g->n_tensors && ok; t++) {
    const NpTensor *s = &g->tensors[t];
    if (is_computed(g, s))
      ok = np_graph_add_tensor(out, s->name, s->dtype, NP_TENSOR_ACTIVATION, &local) >= 0;
    else
      ok = add_source_tensor(out, s, plan->dims[t], plan->values[t], &local);
  }
  for (size_t i = 0; i < g->n_ops && ok; i++) ok = add_op_copy(out, &g->ops[i], plan->group[i], &local);
  for (size_t i = 0; i < g->n_inputs && ok; i++) np_graph_mark_input(out, g->inputs[i]);
  for (size_t i = 0; i < g->n_outputs && ok; i++) np_graph_mark_output(out, g->outputs[i]);
  if (ok) ok = np_graph_finalize(out, &local);
  if (!ok) {
    for (size_t i = 0; i < local.count; i++) np_diag_add(diag, "%s [after %s]", local.messages[i], what);
    if (local.dropped) np_diag_add(diag, "%s: ... and %zu more errors [after %s]", g->source, local.dropped, what);
    if (local.count + local.dropped == 0) np_diag_add(diag, "%s: error: %s failed", g->source, what);
    np_graph_free(out);
    out = NULL;
  }
  np_diag_free(&local);
  return out;
}

/* Refuses ops whose output shapes come from the file rather than from inference. */
static bool check_inferable(const NpGraph *g, const char *what, NpDiag *diag) {
  for (size_t i = 0; i < g->n_ops; i++) {
    const NpOp *op = &g->ops[i];
    if (op->kind != NP_OP_OPAQUE) continue;
    np_diag_add(diag,
                "%s: error: node '%s' (%s): %s needs shapes inferred again, but this op is outside the supported "
                "set (its shapes come from the file)",
                g->source, op->name, op->op_type, what);
    return false;
  }
  return true;
}

/* ---- resolution ---- */

static NpGraph *apply_resolution(const NpGraph *g, int64_t height, int64_t width, NpDiag *diag) {
  char what[96];
  snprintf(what, sizeof what, "resolution %lldx%lld", (long long)height, (long long)width);
  if (!check_inferable(g, what, diag)) return NULL;
  Plan plan = plan_new(g);
  int images = 0;
  for (size_t i = 0; i < g->n_inputs; i++) {
    const NpTensor *t = &g->tensors[g->inputs[i]];
    if (t->rank != 4) continue;
    plan.dims[g->inputs[i]][2] = height;
    plan.dims[g->inputs[i]][3] = width;
    images++;
  }
  NpGraph *out = NULL;
  if (images == 0)
    np_diag_add(diag, "%s: error: %s: the model has no image input (N x H x W x C) whose size could change", g->source,
                what);
  else
    out = rebuild(g, &plan, what, diag);
  plan_free(g, &plan);
  return out;
}

/* ---- channel scale ---- */

/* Channel classes: sets of tensors whose channel axis must keep one count. */
typedef enum ClassKind { CLASS_SCALED = 0, CLASS_SUM = 1, CLASS_FIXED = 2 } ClassKind;

typedef struct Class {
  int parent;
  ClassKind kind;
  int64_t old_count;
  int64_t new_count; /* -1 until computed */
  bool visiting;
  int op;            /* CLASS_SUM: the Concat whose inputs it sums */
} Class;

typedef struct Scaler {
  const NpGraph *g;
  double scale;
  Class *classes;
  size_t n_classes, capacity;
  int *cls;          /* per tensor: class, -1 for none */
  int64_t *factor;   /* per tensor: channel-axis size = factor x class count */
  NpDiag *diag;
} Scaler;

static int channel_axis(int rank) { return rank == 4 ? 1 : rank - 1; }

static int64_t axis_size(const NpTensor *t) { return t->rank > 0 ? t->dims[channel_axis(t->rank)] : 1; }

static bool is_activation(const NpTensor *t) { return t->role == NP_TENSOR_ACTIVATION || t->role == NP_TENSOR_INPUT; }

static int new_class(Scaler *s, ClassKind kind, int64_t old_count, int op) {
  np_grow((void **)&s->classes, &s->capacity, s->n_classes + 1, sizeof *s->classes);
  s->classes[s->n_classes] = (Class){(int)s->n_classes, kind, old_count, -1, false, op};
  return (int)s->n_classes++;
}

static int find_root(Scaler *s, int c) {
  while (s->classes[c].parent != c) {
    s->classes[c].parent = s->classes[s->classes[c].parent].parent;
    c = s->classes[c].parent;
  }
  return c;
}

/* Merges two classes; the one whose count is decided more firmly (fixed, then a sum) leads. */
static void unite(Scaler *s, int a, int b) {
  a = find_root(s, a);
  b = find_root(s, b);
  if (a == b) return;
  if (s->classes[b].kind > s->classes[a].kind) {
    int t = a;
    a = b;
    b = t;
  }
  s->classes[b].parent = a;
}

static bool refuse(Scaler *s, const NpOp *op, const char *why) {
  np_diag_add(s->diag, "%s: error: node '%s' (%s): channel scale %g: %s", s->g->source, op->name, op->op_type,
              s->scale, why);
  return false;
}

/* Gives tensor t the class c with its channel-axis size as a whole multiple of c's count. */
static bool join(Scaler *s, const NpOp *op, int t, int c) {
  int64_t size = axis_size(&s->g->tensors[t]), count = s->classes[find_root(s, c)].old_count;
  if (count <= 0 || size % count != 0)
    return refuse(s, op, "cannot follow the channels through this op (its output's channel axis is not a whole "
                         "multiple of its input's channels)");
  s->cls[t] = c;
  s->factor[t] = size / count;
  return true;
}

/* The first input that is an activation (not a weight or constant), or -1. */
static int first_activation(const Scaler *s, const NpOp *op) {
  for (int k = 0; k < op->n_inputs; k++)
    if (op->inputs[k] >= 0 && is_activation(&s->g->tensors[op->inputs[k]])) return op->inputs[k];
  return -1;
}

static bool weight_input(const Scaler *s, const NpOp *op, int k) {
  return k < op->n_inputs && op->inputs[k] >= 0 && !is_activation(&s->g->tensors[op->inputs[k]]);
}

static bool classify_matrix(Scaler *s, const NpOp *op, int x, int y) {
  const NpTensor *xt = &s->g->tensors[x], *yt = &s->g->tensors[y];
  switch (op->kind) {
  case NP_OP_CONV:
    if (op->attrs.group == 1) break;
    if (op->attrs.group == xt->dims[1] && yt->dims[1] == xt->dims[1]) return join(s, op, y, s->cls[x]);
    return refuse(s, op, "grouped convolutions (other than depthwise) cannot be scaled");
  case NP_OP_CONV_TRANSPOSE:
    if (op->attrs.group != 1) return refuse(s, op, "grouped transposed convolutions cannot be scaled");
    break;
  case NP_OP_GEMM:
    if (op->attrs.trans_a) return refuse(s, op, "a Gemm with transA cannot be scaled");
    if (!weight_input(s, op, 1)) return refuse(s, op, "a Gemm of two activations cannot be scaled");
    break;
  default: /* MatMul */
    if (!weight_input(s, op, 1) || s->g->tensors[op->inputs[1]].rank != 2)
      return refuse(s, op, "only a MatMul by a 2-D weight can be scaled");
    break;
  }
  return join(s, op, y, new_class(s, CLASS_SCALED, axis_size(yt), -1));
}

static bool classify_binary(Scaler *s, const NpOp *op, int y) {
  const NpTensor *yt = &s->g->tensors[y];
  int ycls = -1;
  for (int k = 0; k < op->n_inputs; k++) {
    int a = op->inputs[k];
    if (a < 0 || !is_activation(&s->g->tensors[a]) || s->cls[a] < 0) continue;
    const NpTensor *at = &s->g->tensors[a];
    if (at->rank != yt->rank || axis_size(at) != axis_size(yt)) continue; /* broadcast along channels */
    if (ycls < 0) {
      if (!join(s, op, y, s->cls[a])) return false;
      ycls = s->cls[a];
    } else if (s->factor[a] == s->factor[y]) {
      unite(s, ycls, s->cls[a]);
    }
  }
  if (ycls < 0) return refuse(s, op, "no input has the output's channels");
  return true;
}

static bool classify_concat(Scaler *s, const NpOp *op, int y) {
  const NpTensor *yt = &s->g->tensors[y];
  int64_t axis = op->attrs.axis < 0 ? op->attrs.axis + yt->rank : op->attrs.axis;
  for (int k = 0; k < op->n_inputs; k++) {
    int a = op->inputs[k];
    if (a >= 0 && (!is_activation(&s->g->tensors[a]) || s->cls[a] < 0))
      return refuse(s, op, "a Concat with a constant operand cannot be scaled");
  }
  if (axis != channel_axis(yt->rank)) {
    for (int k = 1; k < op->n_inputs; k++)
      if (op->inputs[k] >= 0) unite(s, s->cls[op->inputs[0]], s->cls[op->inputs[k]]);
    return join(s, op, y, s->cls[op->inputs[0]]);
  }
  return join(s, op, y, new_class(s, CLASS_SUM, axis_size(yt), (int)(op - s->g->ops)));
}

/* Every other op keeps its (first activation) input's channels on each output. */
static bool classify_op(Scaler *s, const NpOp *op) {
  int x = first_activation(s, op);
  if (x < 0 || s->cls[x] < 0) return true; /* works on constants only */
  if (op->kind == NP_OP_OPAQUE) return refuse(s, op, "this op is outside the supported set");
  int y = op->n_outputs > 0 ? op->outputs[0] : -1;
  if (y < 0) return true;
  switch (np_op_class(op->kind)) {
  case NP_CLASS_MATRIX: return classify_matrix(s, op, x, y);
  default: break;
  }
  switch (op->kind) {
  case NP_OP_ADD:
  case NP_OP_SUB:
  case NP_OP_MUL:
  case NP_OP_DIV:
  case NP_OP_POW: return classify_binary(s, op, y);
  case NP_OP_CONCAT: return classify_concat(s, op, y);
  case NP_OP_SPLIT:
  case NP_OP_SLICE:
  case NP_OP_GATHER:
    if (axis_size(&s->g->tensors[y]) != axis_size(&s->g->tensors[x]))
      return refuse(s, op, "splitting or slicing the channels cannot be scaled");
    break;
  default: break;
  }
  for (int i = 0; i < op->n_outputs; i++)
    if (op->outputs[i] >= 0 && !join(s, op, op->outputs[i], s->cls[x])) return false;
  return true;
}

static int64_t class_count(Scaler *s, int c);

static int64_t tensor_count(Scaler *s, int t) {
  int64_t count = class_count(s, s->cls[t]);
  int64_t size;
  if (count < 0 || !np_mul_i64(count, s->factor[t], &size)) return -1;
  return size;
}

/* A class's new count: fixed ones keep theirs, scaled ones scale, sums add their parts. */
static int64_t class_count(Scaler *s, int c) {
  Class *k = &s->classes[find_root(s, c)];
  if (k->new_count >= 0) return k->new_count;
  if (k->visiting) return -1;
  k->visiting = true;
  int64_t count = 0;
  if (k->kind == CLASS_FIXED) {
    count = k->old_count;
  } else if (k->kind == CLASS_SCALED) {
    count = np_whatif_scale_channels(k->old_count, s->scale);
  } else {
    const NpOp *op = &s->g->ops[k->op];
    for (int i = 0; i < op->n_inputs && count >= 0; i++) {
      int64_t part = op->inputs[i] >= 0 ? tensor_count(s, op->inputs[i]) : 0;
      if (part < 0 || !np_add_i64(count, part, &count)) count = -1;
    }
  }
  k = &s->classes[find_root(s, c)]; /* the array may not move here, but stay safe */
  k->visiting = false;
  k->new_count = count;
  return count;
}

/* The weight a (possibly folded) Identity chain forwards, or -1 when t is no weight. */
static int weight_source(const NpGraph *g, int t) {
  for (int depth = 0; t >= 0 && depth < 64; depth++) {
    const NpTensor *x = &g->tensors[t];
    if (!is_computed(g, x)) return x->role == NP_TENSOR_WEIGHT ? t : -1;
    const NpOp *op = &g->ops[x->producer];
    if ((op->kind != NP_OP_IDENTITY && op->kind != NP_OP_DROPOUT) || op->n_inputs < 1) return -1;
    t = op->inputs[0];
  }
  return -1;
}

static void set_weight_dim(Scaler *s, Plan *plan, const NpOp *op, int k, int dim, int64_t value) {
  if (k >= op->n_inputs || op->inputs[k] < 0) return;
  int w = weight_source(s->g, op->inputs[k]);
  if (w < 0 || dim < 0 || dim >= s->g->tensors[w].rank) return;
  plan->dims[w][dim] = value;
}

/* Per-channel operands of an elementwise op: the weight dim that lines up with the output's
 * channel axis, when it spans the channels. */
static void plan_broadcast_weights(Scaler *s, Plan *plan, const NpOp *op, int y) {
  const NpTensor *yt = &s->g->tensors[y];
  int cax = channel_axis(yt->rank);
  for (int k = 0; k < op->n_inputs; k++) {
    if (!weight_input(s, op, k)) continue;
    const NpTensor *w = &s->g->tensors[op->inputs[k]];
    int dim = cax - (yt->rank - w->rank);
    if (dim >= 0 && w->dims[dim] == yt->dims[cax] && w->dims[dim] != 1)
      set_weight_dim(s, plan, op, k, dim, tensor_count(s, y));
  }
}

static void plan_op_weights(Scaler *s, Plan *plan, const NpOp *op, size_t index) {
  int x = first_activation(s, op), y = op->n_outputs > 0 ? op->outputs[0] : -1;
  if (x < 0 || y < 0 || s->cls[x] < 0 || s->cls[y] < 0) return;
  int64_t cin = tensor_count(s, x), cout = tensor_count(s, y);
  switch (op->kind) {
  case NP_OP_CONV:
    set_weight_dim(s, plan, op, 1, 0, cout);
    if (op->attrs.group == 1) {
      set_weight_dim(s, plan, op, 1, 1, cin);
    } else {
      plan->group[index] = cin;
    }
    set_weight_dim(s, plan, op, 2, 0, cout);
    break;
  case NP_OP_CONV_TRANSPOSE:
    set_weight_dim(s, plan, op, 1, 0, cin);
    set_weight_dim(s, plan, op, 1, 1, cout);
    set_weight_dim(s, plan, op, 2, 0, cout);
    break;
  case NP_OP_GEMM:
  case NP_OP_MATMUL:
    set_weight_dim(s, plan, op, 1, op->attrs.trans_b ? 1 : 0, cin);
    set_weight_dim(s, plan, op, 1, op->attrs.trans_b ? 0 : 1, cout);
    if (op->kind == NP_OP_GEMM) plan_broadcast_weights(s, plan, op, y);
    break;
  case NP_OP_BATCH_NORM:
    for (int k = 1; k < 5; k++) set_weight_dim(s, plan, op, k, 0, cin);
    break;
  case NP_OP_LAYER_NORM:
  case NP_OP_ADD:
  case NP_OP_SUB:
  case NP_OP_MUL:
  case NP_OP_DIV:
  case NP_OP_POW: plan_broadcast_weights(s, plan, op, y); break;
  default: break;
  }
}

/* A Reshape to a constant shape names the old channel count: let it infer that dim. */
static void plan_reshape(Scaler *s, Plan *plan, const NpOp *op) {
  if (op->kind != NP_OP_RESHAPE || op->n_inputs < 2 || op->inputs[1] < 0 || op->n_outputs < 1) return;
  int shape = op->inputs[1], y = op->outputs[0];
  const NpTensor *st = &s->g->tensors[shape], *yt = &s->g->tensors[y];
  if (is_computed(s->g, st) || st->values == NULL || st->elements != yt->rank || s->cls[y] < 0) return;
  int cax = channel_axis(yt->rank);
  for (int64_t i = 0; i < st->elements; i++)
    if (st->values[i] == -1) return;
  if (plan->values[shape] == NULL) {
    plan->values[shape] = np_xmalloc((size_t)st->elements * sizeof *plan->values[shape]);
    memcpy(plan->values[shape], st->values, (size_t)st->elements * sizeof *st->values);
  }
  plan->values[shape][cax] = -1;
}

static NpGraph *apply_channel_scale(const NpGraph *g, double scale, NpDiag *diag) {
  char what[64];
  snprintf(what, sizeof what, "channel scale %g", scale);
  if (!check_inferable(g, what, diag)) return NULL;
  Scaler s = {g, scale, NULL, 0, 0, NULL, NULL, diag};
  size_t nt = g->n_tensors ? g->n_tensors : 1;
  s.cls = np_xmalloc(nt * sizeof *s.cls);
  s.factor = np_xmalloc(nt * sizeof *s.factor);
  for (size_t t = 0; t < g->n_tensors; t++) s.cls[t] = -1, s.factor[t] = 1;
  for (size_t i = 0; i < g->n_inputs; i++) {
    int t = g->inputs[i];
    s.cls[t] = new_class(&s, CLASS_FIXED, axis_size(&g->tensors[t]), -1);
  }
  bool ok = true;
  for (size_t i = 0; i < g->n_order && ok; i++) {
    const NpOp *op = &g->ops[g->order[i]];
    if (!op->folded) ok = classify_op(&s, op);
  }
  for (size_t i = 0; i < g->n_outputs && ok; i++) {
    int c = s.cls[g->outputs[i]];
    if (c >= 0 && s.classes[find_root(&s, c)].kind == CLASS_SCALED) s.classes[find_root(&s, c)].kind = CLASS_FIXED;
  }
  NpGraph *out = NULL;
  if (ok) {
    Plan plan = plan_new(g);
    for (size_t i = 0; i < g->n_order; i++) {
      const NpOp *op = &g->ops[g->order[i]];
      if (op->folded) continue;
      plan_op_weights(&s, &plan, op, (size_t)g->order[i]);
      plan_reshape(&s, &plan, op);
    }
    out = rebuild(g, &plan, what, diag);
    plan_free(g, &plan);
  }
  free(s.classes);
  free(s.cls);
  free(s.factor);
  return out;
}

/* ---- entry ---- */

static NpGraph *copy_graph(const NpGraph *g, NpDiag *diag) {
  Plan plan = plan_new(g);
  NpGraph *out = rebuild(g, &plan, "copying the graph", diag);
  plan_free(g, &plan);
  return out;
}

NpGraph *np_whatif_apply(const NpGraph *graph, const NpWhatIf *w, NpDiag *diag) {
  if (!graph->finalized) {
    np_diag_add(diag, "%s: error: what-if on a graph that is not finalized", graph->source);
    return NULL;
  }
  bool resize = w->height > 0 || w->width > 0;
  bool rescale = w->channel_scale != 0 && w->channel_scale != 1;
  if (resize && (w->height <= 0 || w->width <= 0 || w->height > NP_WHATIF_MAX_RESOLUTION ||
                 w->width > NP_WHATIF_MAX_RESOLUTION)) {
    np_diag_add(diag, "%s: error: resolution %lldx%lld: each side must be 1..%d", graph->source,
                (long long)w->height, (long long)w->width, NP_WHATIF_MAX_RESOLUTION);
    return NULL;
  }
  if (rescale && !(w->channel_scale >= NP_WHATIF_MIN_SCALE && w->channel_scale <= NP_WHATIF_MAX_SCALE)) {
    np_diag_add(diag, "%s: error: channel scale %g: must lie in [%g, %g]", graph->source, w->channel_scale,
                NP_WHATIF_MIN_SCALE, NP_WHATIF_MAX_SCALE);
    return NULL;
  }
  if (!resize && !rescale) return copy_graph(graph, diag);
  NpGraph *resized = resize ? apply_resolution(graph, w->height, w->width, diag) : NULL;
  if (resize && resized == NULL) return NULL;
  if (!rescale) return resized;
  NpGraph *scaled = apply_channel_scale(resized ? resized : graph, w->channel_scale, diag);
  np_graph_free(resized);
  return scaled;
}
