/* Placement: values (free ops alias their input), layers (one per executed op that is not
 * fused), the engine of each layer (the first fit in placement order, or among several
 * accelerator engines that accept the op the one of least estimated time) with the reason
 * when it leaves the accelerator, fusion of elementwise ops into the matrix op before them,
 * and each layer's tiling geometry. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/buf.h"
#include "util/mem.h"

static bool is_floating(NpDtype d) {
  return d == NP_DTYPE_FP16 || d == NP_DTYPE_BF16 || d == NP_DTYPE_FP32 || d == NP_DTYPE_FP64;
}

NpDtype lower_effective_dtype(const Lower *L, NpDtype dtype) { return is_floating(dtype) ? L->dtype : dtype; }

int64_t lower_tensor_bytes(const Lower *L, int tensor) {
  const NpTensor *t = &L->graph->tensors[tensor];
  int bits = L->weight_bits ? L->weight_bits[tensor] : 0;
  int64_t bytes = np_weight_stored_bytes(t->elements, bits, np_dtype_bytes(lower_effective_dtype(L, t->dtype)));
  return bytes > 0 ? bytes : 0;
}

int lower_tensor_bits(const Lower *L, int tensor) {
  const NpTensor *t = &L->graph->tensors[tensor];
  int element_bits = 8 * np_dtype_bytes(lower_effective_dtype(L, t->dtype));
  int bits = L->weight_bits ? L->weight_bits[tensor] : 0;
  return bits > 0 && bits < element_bits ? bits : element_bits;
}

/* The payload of a weight (without its table): what is split by (out, in) channel pair. */
static int64_t weight_payload_bytes(const Lower *L, int tensor) {
  const NpTensor *t = &L->graph->tensors[tensor];
  int eb = np_dtype_bytes(lower_effective_dtype(L, t->dtype));
  return lower_tensor_bytes(L, tensor) - np_weight_table_bytes(lower_tensor_bits(L, tensor), eb);
}

void lower_weight_widths(Lower *L, int fallback) {
  const NpGraph *g = L->graph;
  L->weight_bits = np_xmalloc((g->n_tensors + 1) * sizeof *L->weight_bits);
  for (size_t t = 0; t < g->n_tensors; t++)
    L->weight_bits[t] = g->tensors[t].role == NP_TENSOR_WEIGHT ? g->tensors[t].storage_bits : 0;
  if (fallback == 0) return;
  for (size_t i = 0; i < g->n_ops; i++) {
    const NpOp *op = &g->ops[i];
    if (op->folded || np_op_class(op->kind) != NP_CLASS_MATRIX || op->n_inputs < 2 || op->inputs[1] < 0) continue;
    int w = op->inputs[1];
    if (g->tensors[w].role == NP_TENSOR_WEIGHT && L->weight_bits[w] == 0) L->weight_bits[w] = fallback;
  }
}

/* Reshape-like ops that move no data when the layout does not change. */
static bool is_free_kind(NpOpKind kind) {
  return kind == NP_OP_RESHAPE || kind == NP_OP_FLATTEN || kind == NP_OP_SQUEEZE || kind == NP_OP_UNSQUEEZE ||
         kind == NP_OP_IDENTITY || kind == NP_OP_DROPOUT;
}

static bool op_is_alias(const NpOp *op) {
  return is_free_kind(op->kind) && op->layout_move_bytes == 0 && op->n_inputs > 0 && op->inputs[0] >= 0 &&
         op->n_outputs > 0 && op->outputs[0] >= 0;
}

/* An op that runs: not folded, not an alias, not a constant/shape producer. */
static bool op_executes(const NpOp *op) {
  if (op->folded || op_is_alias(op)) return false;
  return np_op_class(op->kind) != NP_CLASS_NONE || op->kind == NP_OP_IDENTITY || op->kind == NP_OP_DROPOUT;
}

static int value_for_root(Lower *L, int root) {
  if (root < 0) return -1;
  if (L->value_of[root] >= 0) return L->value_of[root];
  np_grow((void **)&L->values, &L->values_cap, L->n_values + 1, sizeof *L->values);
  LValue *v = &L->values[L->n_values];
  memset(v, 0, sizeof *v);
  const NpTensor *t = &L->graph->tensors[root];
  v->tensor = root;
  v->dtype = lower_effective_dtype(L, t->dtype);
  v->bytes = lower_tensor_bytes(L, root);
  v->producer = -1;
  v->last_use = -1;
  v->dram_addr = -1;
  v->sram_offset = -1;
  v->ready_chip = v->ready_dram = -1;
  v->producer_engine = -1;
  L->value_of[root] = (int)L->n_values;
  return (int)L->n_values++;
}

/* The value a tensor holds, or -1 for weights, constants and folded results. */
static int value_of_tensor(Lower *L, int tensor) { return tensor < 0 ? -1 : value_for_root(L, L->root[tensor]); }

/* Roots: every activation is its own root, except outputs of free ops, which alias their input. */
static void resolve_aliases(Lower *L) {
  const NpGraph *g = L->graph;
  for (size_t t = 0; t < g->n_tensors; t++) {
    const NpTensor *x = &g->tensors[t];
    bool data = (x->role == NP_TENSOR_ACTIVATION || x->role == NP_TENSOR_INPUT) && x->shape_known;
    if (data && x->role == NP_TENSOR_ACTIVATION && x->producer >= 0 && g->ops[x->producer].folded) data = false;
    L->root[t] = data ? (int)t : -1;
  }
  for (size_t i = 0; i < g->n_order; i++) {
    const NpOp *op = &g->ops[g->order[i]];
    if (op->folded) continue;
    if (op_is_alias(op)) {
      L->root[op->outputs[0]] = L->root[op->inputs[0]];
      for (int k = 1; k < op->n_outputs; k++)
        if (op->outputs[k] >= 0) L->root[op->outputs[k]] = -1; /* Dropout's mask: never read */
    } else if (!op_executes(op)) {
      for (int k = 0; k < op->n_outputs; k++)
        if (op->outputs[k] >= 0) L->root[op->outputs[k]] = -1;
    }
  }
}

/* ---------------------------------------------------------------- rules */

/* Channels an op reads and writes, as rules.max_channels limits them. */
static void op_channels(const NpGraph *g, const NpOp *op, int64_t *in_c, int64_t *out_c) {
  *in_c = *out_c = 0;
  const NpTensor *x = op->n_inputs > 0 && op->inputs[0] >= 0 ? &g->tensors[op->inputs[0]] : NULL;
  const NpTensor *y = op->n_outputs > 0 && op->outputs[0] >= 0 ? &g->tensors[op->outputs[0]] : NULL;
  bool nchw = op->kind == NP_OP_CONV || op->kind == NP_OP_CONV_TRANSPOSE || np_op_class(op->kind) == NP_CLASS_POOL;
  if (x && x->rank >= 1) *in_c = nchw && x->rank >= 2 ? x->dims[1] : (x->layout == NP_LAYOUT_NHWC ? x->dims[1] : x->dims[x->rank - 1]);
  if (y && y->rank >= 1) *out_c = nchw && y->rank >= 2 ? y->dims[1] : (y->layout == NP_LAYOUT_NHWC ? y->dims[1] : y->dims[y->rank - 1]);
}

static bool has_window(NpOpKind kind) {
  return kind == NP_OP_CONV || kind == NP_OP_CONV_TRANSPOSE || kind == NP_OP_MAXPOOL || kind == NP_OP_AVGPOOL;
}

static void list_rule_ops(NpBuf *b, const NpEngine *e) {
  np_buf_puts(b, "[");
  for (int i = 0; i < e->rules.n_ops; i++) np_buf_printf(b, "%s%s", i ? ", " : "", e->rules.ops[i]);
  np_buf_puts(b, "]");
}

static void list_dtypes(NpBuf *b, const NpEngine *e) {
  int n = 0;
  for (int d = 0; d < NP_DTYPE_COUNT; d++)
    if (e->dtype_rate[d] > 0) np_buf_printf(b, "%s%s", n++ ? ", " : "", np_dtype_name((NpDtype)d));
  if (n == 0) np_buf_puts(b, "none");
}

/* False, with *why (when why is not NULL) set to the text of fmt. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static bool refuse(char **why, const char *fmt, ...) {
  if (why == NULL) return false;
  va_list args;
  va_start(args, fmt);
  *why = np_xvasprintf(fmt, args);
  va_end(args);
  return false;
}

/* Whether engine e can run op in dtype; when it cannot and why is not NULL, *why says why.
 * The text names the op, the engine and the config key, so that a model engineer knows what
 * to change. */
static bool rule_accepts(const NpGraph *g, const NpOp *op, const NpEngine *e, NpOpClass cls, NpDtype dtype,
                         char **why) {
  const char *kind = np_op_kind_name(op->kind);
  if (e->has_rules) {
    if (!e->rules.accepts[op->kind]) {
      if (why == NULL) return false;
      NpBuf b = {0};
      np_buf_printf(&b, "%s '%s': %s is not in engines.%s.rules.ops ", kind, op->name, kind, e->name);
      list_rule_ops(&b, e);
      *why = b.data;
      return false;
    }
    if (has_window(op->kind)) {
      const NpAttrs *a = &op->attrs;
      if (e->rules.max_kernel_h && a->kernel[0] > e->rules.max_kernel_h)
        return refuse(why, "%s '%s': kernel height %lld exceeds engines.%s.rules.max_kernel_h %lld", kind, op->name,
                           (long long)a->kernel[0], e->name, (long long)e->rules.max_kernel_h);
      if (e->rules.max_kernel_w && a->kernel[1] > e->rules.max_kernel_w)
        return refuse(why, "%s '%s': kernel width %lld exceeds engines.%s.rules.max_kernel_w %lld", kind, op->name,
                           (long long)a->kernel[1], e->name, (long long)e->rules.max_kernel_w);
      int64_t stride = a->stride[0] > a->stride[1] ? a->stride[0] : a->stride[1];
      if (e->rules.max_stride && stride > e->rules.max_stride)
        return refuse(why, "%s '%s': stride %lld exceeds engines.%s.rules.max_stride %lld", kind, op->name,
                           (long long)stride, e->name, (long long)e->rules.max_stride);
      int64_t dilation = a->dilation[0] > a->dilation[1] ? a->dilation[0] : a->dilation[1];
      if (e->rules.max_dilation && dilation > e->rules.max_dilation)
        return refuse(why, "%s '%s': dilation %lld exceeds engines.%s.rules.max_dilation %lld", kind, op->name,
                           (long long)dilation, e->name, (long long)e->rules.max_dilation);
    }
    if (e->rules.max_channels) {
      int64_t in_c, out_c;
      op_channels(g, op, &in_c, &out_c);
      if (in_c > e->rules.max_channels)
        return refuse(why, "%s '%s': %lld input channels exceed engines.%s.rules.max_channels %lld", kind, op->name,
                           (long long)in_c, e->name, (long long)e->rules.max_channels);
      if (out_c > e->rules.max_channels)
        return refuse(why, "%s '%s': %lld output channels exceed engines.%s.rules.max_channels %lld", kind, op->name,
                           (long long)out_c, e->name, (long long)e->rules.max_channels);
    }
  }
  if (dtype != NP_DTYPE_UNKNOWN && e->dtype_rate[dtype] <= 0) {
    if (why == NULL) return false;
    NpBuf b = {0};
    np_buf_printf(&b, "%s '%s': engines.%s.dtypes has no %s (it computes ", kind, op->name, e->name,
                  np_dtype_name(dtype));
    list_dtypes(&b, e);
    np_buf_puts(&b, ")");
    *why = b.data;
    return false;
  }
  if (e->throughput[cls] <= 0)
    return refuse(why, "%s '%s': engines.%s has no throughput for op class %s", kind, op->name, e->name,
                       np_op_class_name(cls));
  return true;
}

/* Why engine e cannot run op in dtype, or NULL when it can. */
static char *rule_rejection(const NpGraph *g, const NpOp *op, const NpEngine *e, NpOpClass cls, NpDtype dtype) {
  char *why = NULL;
  rule_accepts(g, op, e, cls, dtype, &why);
  return why;
}

/* The data type an op computes in: that of its first activation input (else its output). */
static NpDtype op_dtype(const Lower *L, const NpOp *op) {
  const NpGraph *g = L->graph;
  for (int k = 0; k < op->n_inputs; k++) {
    int t = op->inputs[k];
    if (t >= 0 && (g->tensors[t].role == NP_TENSOR_ACTIVATION || g->tensors[t].role == NP_TENSOR_INPUT))
      return lower_effective_dtype(L, g->tensors[t].dtype);
  }
  for (int k = 0; k < op->n_outputs; k++)
    if (op->outputs[k] >= 0) return lower_effective_dtype(L, g->tensors[op->outputs[k]].dtype);
  return L->dtype;
}

/* A free op that reorders data runs as data movement. */
static NpOpClass op_run_class(const NpOp *op) {
  NpOpClass cls = np_op_class(op->kind);
  return cls == NP_CLASS_NONE ? NP_CLASS_DATA_MOVEMENT : cls;
}

/* Why no accelerator engine took op when none refused it: none is in placement, or none
 * is configured. */
static char *no_accelerator_reason(const NpArch *a, const NpOp *op) {
  const char *kind = np_op_kind_name(op->kind);
  for (int i = 0; i < a->n_engines; i++)
    if (!np_engine_off_accelerator(&a->engines[i]))
      return np_xasprintf("%s '%s': engines.%s is not in placement", kind, op->name, a->engines[i].name);
  return np_xasprintf("%s '%s': no accelerator engine is configured", kind, op->name);
}

/* The reason text past its "Kind 'name': " opening. */
static const char *past_op_prefix(const char *why, const NpOp *op) {
  char *prefix = np_xasprintf("%s '%s': ", np_op_kind_name(op->kind), op->name);
  size_t n = strlen(prefix);
  bool has = strncmp(why, prefix, n) == 0;
  free(prefix);
  return has ? why + n : why;
}

/* Takes *owned (sets it NULL). */
static char *take(char **owned) {
  char *s = *owned;
  *owned = NULL;
  return s;
}

/* Offers op to the engines in placement order and takes the first that accepts it. When
 * that engine is off the accelerator (np_engine_off_accelerator), the reason is that of the
 * first accelerator engine whose rules.ops list the op (the limit it broke), else its
 * op-kind rejection; when an off-accelerator engine before it (a GPU) refused the op too,
 * its reason follows after "; ". */
static int choose_engine(const Lower *L, const NpOp *op, NpDtype dtype, char **reason) {
  const NpArch *a = L->arch;
  char *first_kind_reason = NULL, *first_limit_reason = NULL, *off_reason = NULL;
  int chosen = -1;
  for (int p = 0; p < a->n_placement && chosen < 0; p++) {
    int i = a->placement[p];
    const NpEngine *e = &a->engines[i];
    char *why = rule_rejection(L->graph, op, e, op_run_class(op), dtype);
    bool fallback = np_engine_kind_ops(e->kind)->fallback;
    if (why == NULL) {
      chosen = i;
    } else if (np_engine_off_accelerator(e) && !fallback && off_reason == NULL) {
      off_reason = why;
    } else if (!np_engine_off_accelerator(e) && e->has_rules && e->rules.accepts[op->kind] &&
               first_limit_reason == NULL) {
      first_limit_reason = why;
    } else if (!np_engine_off_accelerator(e) && first_kind_reason == NULL && !fallback) {
      first_kind_reason = why;
    } else {
      free(why);
    }
  }
  if (chosen < 0) chosen = a->fallback_engine;
  if (np_engine_off_accelerator(&a->engines[chosen])) {
    char *accel = first_limit_reason   ? take(&first_limit_reason)
                  : first_kind_reason ? take(&first_kind_reason)
                                      : no_accelerator_reason(a, op);
    if (off_reason) {
      *reason = np_xasprintf("%s; %s", accel, past_op_prefix(off_reason, op));
      free(accel);
    } else {
      *reason = accel;
    }
  }
  free(off_reason);
  free(first_kind_reason);
  free(first_limit_reason);
  return chosen;
}

/* The type a layer computes in on e: an 8-bit weight makes a matrix op int8 on an engine
 * with compute_width: weight_bits that computes int8; otherwise the op's own type. */
static NpDtype compute_dtype(const Lower *L, const NpOp *op, const NpEngine *e, NpDtype dtype) {
  if (e->compute_width != NP_COMPUTE_WEIGHT_BITS || np_op_class(op->kind) != NP_CLASS_MATRIX) return dtype;
  if (op->n_inputs < 2 || op->inputs[1] < 0 || L->graph->tensors[op->inputs[1]].role != NP_TENSOR_WEIGHT)
    return dtype;
  bool int8_weight = lower_tensor_bits(L, op->inputs[1]) == 8 && np_dtype_bytes(dtype) > 1;
  return int8_weight && e->dtype_rate[NP_DTYPE_INT8] > 0 ? NP_DTYPE_INT8 : dtype;
}

/* ---------------------------------------------------------------- consumers */

typedef struct Consumers {
  int *start; /* per root tensor: consumers[start[t] .. start[t+1]) */
  int *ops;
} Consumers;

/* Ops that execute and read each root (an op reading a root twice counts once). */
static void build_consumers(const Lower *L, Consumers *c) {
  const NpGraph *g = L->graph;
  c->start = np_xcalloc(g->n_tensors + 1, sizeof *c->start);
  for (size_t i = 0; i < g->n_order; i++) {
    const NpOp *op = &g->ops[g->order[i]];
    if (!op_executes(op)) continue;
    for (int k = 0; k < op->n_inputs; k++) {
      int r = op->inputs[k] >= 0 ? L->root[op->inputs[k]] : -1;
      bool seen = false;
      for (int j = 0; j < k && !seen; j++) seen = op->inputs[j] >= 0 && L->root[op->inputs[j]] == r;
      if (r >= 0 && !seen) c->start[r + 1]++;
    }
  }
  for (size_t t = 0; t < g->n_tensors; t++) c->start[t + 1] += c->start[t];
  c->ops = np_xmalloc(((size_t)c->start[g->n_tensors] + 1) * sizeof *c->ops);
  int *fill = np_xmalloc((g->n_tensors + 1) * sizeof *fill);
  memcpy(fill, c->start, g->n_tensors * sizeof *fill);
  for (size_t i = 0; i < g->n_order; i++) {
    int o = g->order[i];
    const NpOp *op = &g->ops[o];
    if (!op_executes(op)) continue;
    for (int k = 0; k < op->n_inputs; k++) {
      int r = op->inputs[k] >= 0 ? L->root[op->inputs[k]] : -1;
      bool seen = false;
      for (int j = 0; j < k && !seen; j++) seen = op->inputs[j] >= 0 && L->root[op->inputs[j]] == r;
      if (r >= 0 && !seen) c->ops[fill[r]++] = o;
    }
  }
  free(fill);
}

static void free_consumers(Consumers *c) {
  free(c->start);
  free(c->ops);
}

/* ---------------------------------------------------------------- layers */

static LLayer *new_layer(Lower *L, int op, int engine) {
  np_grow((void **)&L->layers, &L->layers_cap, L->n_layers + 1, sizeof *L->layers);
  LLayer *ly = &L->layers[L->n_layers++];
  memset(ly, 0, sizeof *ly);
  ly->op = op;
  ly->engine = engine;
  ly->sram_engine = L->arch->engines[engine].can_read_sram;
  ly->in_value = ly->b_value = ly->out_value = -1;
  return ly;
}

static void add_weight(LLayer *ly, int tensor, int64_t bytes) {
  for (int i = 0; i < ly->n_weights; i++)
    if (ly->weights[i] == tensor) return;
  ly->weights = np_xrealloc(ly->weights, (size_t)(ly->n_weights + 1) * sizeof *ly->weights);
  ly->weights[ly->n_weights++] = tensor;
  ly->weight_bytes += bytes;
}

/* A fused op's operand is loaded on its own even when the main op reads the same value:
 * the main op's input tile (halo, channel chunk, stride) is not shaped like the output. */
static bool add_extra(LLayer *ly, int value, bool broadcast, bool fused) {
  if (value < 0 || (!fused && (value == ly->in_value || value == ly->b_value))) return true;
  for (int i = 0; i < ly->n_extras; i++)
    if (ly->extras[i].value == value) return true;
  if (ly->n_extras >= LOWER_MAX_EXTRAS) return false;
  ly->extras[ly->n_extras].value = value;
  ly->extras[ly->n_extras].broadcast = broadcast;
  ly->n_extras++;
  return true;
}

/* Whether op (elementwise, after the layer's current output `cur`) can fuse into the layer
 * that runs at order position `pos`: it must be its output's only reader, keep the shape,
 * and read nothing produced after the layer's own op. */
static bool can_fuse(const Lower *L, const Consumers *c, const int *position, int pos, int cur_root,
                     const NpOp *next, int n_extras) {
  const NpGraph *g = L->graph;
  if (np_op_class(next->kind) != NP_CLASS_ELEMENTWISE || next->kind == NP_OP_CAST) return false;
  if (next->n_outputs < 1 || next->outputs[0] < 0 || L->root[next->outputs[0]] < 0) return false;
  const NpTensor *cur = &g->tensors[cur_root];
  if (cur->is_graph_output) return false;
  if (g->tensors[next->outputs[0]].elements != cur->elements) return false;
  int extras = n_extras;
  for (int k = 0; k < next->n_inputs; k++) {
    int t = next->inputs[k];
    if (t < 0 || L->root[t] < 0 || L->root[t] == cur_root) continue;
    int producer = g->tensors[L->root[t]].producer;
    if (producer >= 0 && position[producer] >= pos) return false;
    if (++extras > LOWER_MAX_EXTRAS) return false;
  }
  (void)c;
  return true;
}

static int single_consumer(const Consumers *c, int root) {
  return c->start[root + 1] - c->start[root] == 1 ? c->ops[c->start[root]] : -1;
}

static void add_op_operands(Lower *L, LLayer *ly, const NpOp *op, bool main) {
  const NpGraph *g = L->graph;
  for (int k = 0; k < op->n_inputs; k++) {
    int t = op->inputs[k];
    if (t < 0) continue;
    const NpTensor *x = &g->tensors[t];
    if (x->role == NP_TENSOR_WEIGHT) {
      add_weight(ly, t, lower_tensor_bytes(L, t));
      continue;
    }
    int v = value_of_tensor(L, t);
    if (v < 0) continue;
    if (main && ly->in_value < 0) {
      ly->in_value = v;
    } else if (main && op->kind == NP_OP_MATMUL && k == 1) {
      ly->b_value = v;
    } else {
      int64_t out_elements = g->tensors[op->outputs[0]].elements;
      add_extra(ly, v, x->elements < out_elements && np_op_class(op->kind) == NP_CLASS_ELEMENTWISE, false);
    }
  }
}

static void fuse_followers(Lower *L, LLayer *ly, const Consumers *c, const int *position) {
  const NpGraph *g = L->graph;
  const NpOp *op = &g->ops[ly->op];
  int cur = L->root[op->outputs[0]];
  int pos = position[ly->op];
  while (cur >= 0) {
    int next_index = single_consumer(c, cur);
    if (next_index < 0 || L->op_layer[next_index] != -1) break;
    const NpOp *next = &g->ops[next_index];
    if (!can_fuse(L, c, position, pos, cur, next, ly->n_extras)) break;
    ly->fused = np_xrealloc(ly->fused, (size_t)(ly->n_fused + 1) * sizeof *ly->fused);
    ly->fused[ly->n_fused++] = next_index;
    L->op_layer[next_index] = (int)(ly - L->layers);
    for (int k = 0; k < next->n_inputs; k++) {
      int t = next->inputs[k];
      if (t < 0) continue;
      if (g->tensors[t].role == NP_TENSOR_WEIGHT) {
        add_weight(ly, t, lower_tensor_bytes(L, t));
      } else if (L->root[t] >= 0 && L->root[t] != cur) {
        add_extra(ly, value_of_tensor(L, t), g->tensors[t].elements < g->tensors[cur].elements, true);
      }
    }
    cur = L->root[next->outputs[0]];
  }
  ly->out_value = value_for_root(L, cur);
}

/* ---------------------------------------------------------------- geometry */

static int64_t product(const int64_t *dims, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) p *= dims[i];
  return p;
}

/* N, C, H, W of a rank-3 or rank-4 activation (rank 3: H = 1). */
static void nchw(const NpTensor *t, int64_t *n, int64_t *c, int64_t *h, int64_t *w) {
  *n = t->rank > 0 ? t->dims[0] : 1;
  *c = t->rank > 1 ? t->dims[1] : 1;
  *h = t->rank == 4 ? t->dims[2] : 1;
  *w = t->rank == 4 ? t->dims[3] : (t->rank == 3 ? t->dims[2] : 1);
}

static int64_t value_bytes(const Lower *L, int v) { return v >= 0 ? L->values[v].bytes : 0; }
static int64_t value_eb(const Lower *L, int v) { return v >= 0 ? np_dtype_bytes(L->values[v].dtype) : 0; }

static void window_geometry(Lower *L, LLayer *ly, const NpOp *op) {
  const NpGraph *g = L->graph;
  LGeometry *G = &ly->geo;
  const NpTensor *x = &g->tensors[op->inputs[0]], *y = &g->tensors[op->outputs[0]];
  int64_t n, c, h, w, on, oc, oh, ow;
  nchw(x, &n, &c, &h, &w);
  nchw(y, &on, &oc, &oh, &ow);
  G->family = FAMILY_WINDOW;
  G->batch = on;
  G->out_h = oh, G->out_w = ow, G->out_c = oc;
  G->in_h = h, G->in_w = w, G->in_c = c;
  G->kh = op->attrs.kernel[0] > 0 ? op->attrs.kernel[0] : 1;
  G->kw = op->attrs.kernel[1] > 0 ? op->attrs.kernel[1] : 1;
  G->sh = op->attrs.stride[0], G->sw = op->attrs.stride[1];
  G->dh = op->attrs.dilation[0], G->dw = op->attrs.dilation[1];
  G->pad_t = op->attrs.pad[0], G->pad_l = op->attrs.pad[1];
  G->groups = op->attrs.group > 0 ? op->attrs.group : 1;
  G->split_channels = true;
  if (np_op_class(op->kind) == NP_CLASS_POOL) {
    G->groups = oc;
    if (op->kind == NP_OP_GLOBAL_AVGPOOL) {
      G->kh = h, G->kw = w, G->sh = G->sw = G->dh = G->dw = 1, G->pad_t = G->pad_l = 0;
    }
  }
  if (op->kind == NP_OP_CONV_TRANSPOSE) G->transposed = true;
  if (h == 1 && x->rank == 3) G->kh = 1, G->sh = 1, G->dh = 1, G->pad_t = 0;
  int64_t weight_main = 0;
  if (op->n_inputs > 1 && op->inputs[1] >= 0 && g->tensors[op->inputs[1]].role == NP_TENSOR_WEIGHT) {
    int wt = op->inputs[1];
    G->w_pair_bits = G->kh * G->kw * lower_tensor_bits(L, wt);
    weight_main = weight_payload_bytes(L, wt);
  }
  G->w_total = ly->weight_bytes;
  G->w_other = G->w_total - weight_main;
  G->w_packed = weight_main > 0;
}

static void matrix_geometry(Lower *L, LLayer *ly, const NpOp *op) {
  const NpGraph *g = L->graph;
  LGeometry *G = &ly->geo;
  const NpTensor *x = &g->tensors[op->inputs[0]], *y = &g->tensors[op->outputs[0]];
  G->family = FAMILY_WINDOW;
  int64_t m = y->rank >= 2 ? y->dims[y->rank - 2] : 1, nn = y->rank >= 1 ? y->dims[y->rank - 1] : 1;
  G->batch = y->rank > 2 ? product(y->dims, y->rank - 2) : 1;
  G->out_h = m, G->out_w = 1, G->out_c = nn;
  int64_t k = (y->elements > 0 && op->macs > 0) ? op->macs / y->elements : x->dims[x->rank - 1];
  G->in_h = m, G->in_w = 1, G->in_c = k;
  G->kh = G->kw = G->sh = G->sw = G->dh = G->dw = 1;
  G->groups = 1;
  G->split_channels = true;
  G->w_rows_major = true;
  if (ly->b_value >= 0) {
    const NpTensor *b = &g->tensors[L->values[ly->b_value].tensor];
    G->w_pair_bits = 8 * value_eb(L, ly->b_value);
    G->w_total = value_bytes(L, ly->b_value);
    G->w_batched = b->rank > 2 && product(b->dims, b->rank - 2) > 1;
    G->w_other = 0;
  } else {
    int wt = op->inputs[1];
    int64_t main = (wt >= 0 && g->tensors[wt].role == NP_TENSOR_WEIGHT) ? weight_payload_bytes(L, wt) : 0;
    G->w_pair_bits = wt >= 0 ? lower_tensor_bits(L, wt) : 0;
    G->w_total = ly->weight_bytes;
    G->w_other = G->w_total - main;
    G->w_packed = main > 0; /* repacked offline, so the source layout (transB or not) is moot */
  }
}

static void rows_geometry(Lower *L, LLayer *ly, const NpOp *op) {
  const NpGraph *g = L->graph;
  LGeometry *G = &ly->geo;
  const NpTensor *y = &g->tensors[op->outputs[0]];
  int64_t phys[NP_MAX_RANK];
  int rank = np_tensor_physical_dims(y, phys);
  int64_t last = rank > 0 ? phys[rank - 1] : 1;
  if (last <= 0) last = 1;
  G->family = FAMILY_ROWS;
  G->batch = 1;
  G->out_c = last;
  G->out_h = y->elements / last;
  G->out_w = 1;
  G->in_h = G->out_h, G->in_w = 1, G->in_c = last;
  G->kh = G->kw = G->sh = G->sw = G->dh = G->dw = 1;
  G->groups = 1;
  G->split_channels = false;
  G->w_total = G->w_other = ly->weight_bytes;
}

static void build_geometry(Lower *L, LLayer *ly) {
  const NpOp *op = &L->graph->ops[ly->op];
  LGeometry *G = &ly->geo;
  memset(G, 0, sizeof *G);
  bool window_op = op->kind == NP_OP_CONV || op->kind == NP_OP_CONV_TRANSPOSE || np_op_class(op->kind) == NP_CLASS_POOL;
  const NpTensor *x = op->n_inputs > 0 && op->inputs[0] >= 0 ? &L->graph->tensors[op->inputs[0]] : NULL;
  if (!ly->sram_engine) {
    G->family = FAMILY_CPU;
  } else if (window_op && x && (x->rank == 4 || x->rank == 3) && ly->in_value >= 0) {
    window_geometry(L, ly, op);
  } else if ((op->kind == NP_OP_GEMM || op->kind == NP_OP_MATMUL) && x && x->rank >= 1 && ly->in_value >= 0) {
    matrix_geometry(L, ly, op);
  } else {
    rows_geometry(L, ly, op);
  }
  const NpEngine *engine = &L->arch->engines[ly->engine];
  G->matrix = np_op_class(op->kind) == NP_CLASS_MATRIX && np_engine_kind_ops(engine->kind)->array_pes(engine) > 0 &&
              G->family == FAMILY_WINDOW;
  G->in_eb = value_eb(L, ly->in_value);
  G->out_eb = value_eb(L, ly->out_value);
  G->in_total = value_bytes(L, ly->in_value);
  G->out_total = value_bytes(L, ly->out_value);
  G->work_total = np_op_class(op->kind) == NP_CLASS_MATRIX ? op->macs : op->elements;
  int64_t *dims[] = {&G->batch, &G->out_h, &G->out_w, &G->out_c, &G->in_h, &G->in_w, &G->in_c,
                     &G->kh, &G->kw, &G->sh, &G->sw, &G->dh, &G->dw, &G->groups};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
    if (*dims[i] < 1) *dims[i] = 1;
  if (G->out_c % G->groups != 0 || G->in_c % G->groups != 0) G->groups = 1;
}

void lower_set_cpu(Lower *L, LLayer *ly, char *reason) {
  free(ly->reason);
  ly->reason = reason;
  ly->engine = L->arch->fallback_engine;
  ly->dtype = op_dtype(L, &L->graph->ops[ly->op]);
  ly->sram_engine = false;
  ly->resident = false;
  build_geometry(L, ly);
}

/* Makes op o the next layer, on `engine`: its operands, its compute type, the elementwise
 * ops that fuse into it there, its further outputs. Returns its index. */
static int build_layer(Lower *L, int o, int engine, NpDtype dtype, char *reason, const Consumers *c,
                       const int *position) {
  const NpOp *op = &L->graph->ops[o];
  LLayer *ly = new_layer(L, o, engine);
  int index = (int)(L->n_layers - 1);
  ly->reason = reason;
  ly->cls = op_run_class(op);
  ly->dtype = dtype;
  ly->first_fit = engine;
  L->op_layer[o] = index;
  add_op_operands(L, ly, op, true);
  const NpEngine *e = &L->arch->engines[engine];
  ly->dtype = compute_dtype(L, op, e, dtype);
  if (ly->cls == NP_CLASS_MATRIX && e->fuse_activations && e->can_read_sram) {
    fuse_followers(L, ly, c, position);
    ly = &L->layers[index];
  } else {
    ly->out_value = value_of_tensor(L, op->outputs[0]);
  }
  for (int k = 1; k < op->n_outputs; k++) {
    int v = value_of_tensor(L, op->outputs[k]);
    if (v < 0) continue;
    ly->other_outputs = np_xrealloc(ly->other_outputs, (size_t)(ly->n_other_outputs + 1) * sizeof(int));
    ly->other_outputs[ly->n_other_outputs++] = v;
  }
  return index;
}

/* Takes back the layers and values made since there were `n_layers` and `n_values`. */
static void unbuild_to(Lower *L, size_t n_layers, size_t n_values) {
  while (L->n_layers > n_layers) {
    LLayer *ly = &L->layers[--L->n_layers];
    L->op_layer[ly->op] = -1;
    for (int k = 0; k < ly->n_fused; k++) L->op_layer[ly->fused[k]] = -1;
    free(ly->reason);
    free(ly->fused);
    free(ly->weights);
    free(ly->other_outputs);
    free(ly->estimates);
  }
  for (size_t v = n_values; v < L->n_values; v++) L->value_of[L->values[v].tensor] = -1;
  L->n_values = n_values;
}

/* ---------------------------------------------------------------- choice */

/* The accelerator engines that accept op, from its first fit on in placement order, up to the
 * first engine off the accelerator that accepts it: placement order still decides between
 * the accelerator and what lies beyond it. */
static int capable_engines(const Lower *L, const NpOp *op, NpDtype dtype, int first, int out[NP_ARCH_MAX_ENGINES]) {
  const NpArch *a = L->arch;
  int p = 0, n = 0;
  while (p < a->n_placement && a->placement[p] != first) p++;
  for (; p < a->n_placement; p++) {
    const NpEngine *e = &a->engines[a->placement[p]];
    if (!rule_accepts(L->graph, op, e, op_run_class(op), dtype, NULL)) continue;
    if (np_engine_off_accelerator(e)) break;
    out[n++] = a->placement[p];
  }
  return n;
}

/* The SYNCs a layer waits for on its engine: one per other engine that made a value it
 * reads (emit.c), at sync.cycles[from kind][to kind]. The producers are placed already. */
static double sync_in_cycles(const Lower *L, const LLayer *ly) {
  const NpArch *a = L->arch;
  int reads[3 + LOWER_MAX_EXTRAS], n_reads = 0, seen[3 + LOWER_MAX_EXTRAS], n_seen = 0;
  reads[n_reads++] = ly->in_value;
  reads[n_reads++] = ly->b_value;
  for (int k = 0; k < ly->n_extras; k++) reads[n_reads++] = ly->extras[k].value;
  double cycles = 0;
  for (int i = 0; i < n_reads; i++) {
    if (reads[i] < 0) continue;
    int producer = L->graph->tensors[L->values[reads[i]].tensor].producer;
    int layer = producer >= 0 ? L->op_layer[producer] : -1;
    if (layer < 0 || L->layers[layer].engine == ly->engine) continue;
    int from = L->layers[layer].engine;
    bool counted = false;
    for (int j = 0; j < n_seen && !counted; j++) counted = seen[j] == from;
    if (counted) continue;
    seen[n_seen++] = from;
    cycles += (double)a->sync.cycles[a->engines[from].kind][a->engines[ly->engine].kind];
  }
  return cycles;
}

/* Estimates closer than this (relative) tie, and placement order decides. */
#define PLACE_TIE 1e-9

/* a is less than b beyond the tie; any time is less than none (INFINITY). */
static bool less_time(double a, double b) {
  if (isinf(b)) return !isinf(a);
  return a < b - PLACE_TIE * (b > 1 ? b : 1);
}

/* The time of the last layer built, on its engine, as placement compares: its plan's
 * estimate before residency (lower_tile_in_dram at the whole SRAM; INFINITY when no tile
 * fits), or an engine off the accelerator's cycles formula, and its SYNCs in. */
static double layer_time(Lower *L, double *sync) {
  LLayer *ly = &L->layers[L->n_layers - 1];
  build_geometry(L, ly);
  *sync = sync_in_cycles(L, ly);
  if (!ly->sram_engine) {
    const NpOp *op = &L->graph->ops[ly->op];
    bool matrix = ly->cls == NP_CLASS_MATRIX;
    NpEngineWork w = {ly->cls, ly->dtype, {0, 0, 0, 0}, matrix ? op->macs : 0, matrix ? 0 : op->elements};
    int64_t cycles = np_engine_cycles(&L->arch->engines[ly->engine], &w);
    return (cycles > 0 ? (double)cycles : 0) + *sync;
  }
  LTilePlan plan = lower_tile_in_dram(L, ly, L->arch->sram.capacity_bytes);
  return plan.feasible ? plan.est_cycles + *sync : INFINITY;
}

/* The ops after op o that an engine that fuses (fuse_activations) takes into its layer: the
 * same on every such engine. Copied into *out; their count. */
static int fused_followers(Lower *L, int o, NpDtype dtype, const int *capable, int n, const Consumers *c,
                           const int *position, int **out) {
  *out = NULL;
  for (int k = 0; k < n; k++) {
    const NpEngine *e = &L->arch->engines[capable[k]];
    if (!(op_run_class(&L->graph->ops[o]) == NP_CLASS_MATRIX && e->fuse_activations && e->can_read_sram)) continue;
    size_t n_layers = L->n_layers, n_values = L->n_values;
    int index = build_layer(L, o, capable[k], dtype, NULL, c, position); /* may move L->layers */
    const LLayer *ly = &L->layers[index];
    int count = ly->n_fused;
    *out = np_xmalloc((size_t)(count + 1) * sizeof **out);
    memcpy(*out, ly->fused, (size_t)count * sizeof **out);
    unbuild_to(L, n_layers, n_values);
    return count;
  }
  return 0;
}

/* Op o's layer as it would be on `engine`, estimated and taken back: the tiler's estimate
 * before residency (every operand in DRAM, the whole SRAM for its buffers), which the first
 * tile search of residency.c then finds remembered, plus its SYNCs in; INFINITY when no tile
 * fits. When its floor (lower_tile_floor) plus the SYNCs cannot beat `best`, the layer is
 * not tiled and the estimate is that floor. On an engine that does not fuse the
 * `followers` another candidate fuses, they are built after it as layers of their own, each
 * on its first fit, and their times are added. */
static NpPlacementEstimate estimate_on(Lower *L, int o, int engine, NpDtype dtype, const Consumers *c,
                                       const int *position, double best, const int *followers, int n_followers) {
  size_t n_layers = L->n_layers, n_values = L->n_values;
  int index = build_layer(L, o, engine, dtype, NULL, c, position);
  LLayer *ly = &L->layers[index];
  build_geometry(L, ly);
  NpPlacementEstimate est = {engine, false, INFINITY, sync_in_cycles(L, ly), 0};
  double floor = lower_tile_floor(L, ly) + est.sync_cycles;
  if (!less_time(floor, best)) {
    est.floor = true, est.cycles = floor;
    unbuild_to(L, n_layers, n_values);
    return est;
  }
  double sync;
  est.cycles = layer_time(L, &sync);
  bool unfused = L->layers[index].n_fused == 0;
  for (int k = 0; unfused && k < n_followers && !isinf(est.cycles); k++) {
    const NpOp *f = &L->graph->ops[followers[k]];
    NpDtype f_dtype = op_dtype(L, f);
    char *reason = NULL;
    build_layer(L, followers[k], choose_engine(L, f, f_dtype, &reason), f_dtype, reason, c, position);
    double t = layer_time(L, &sync);
    est.unfused_cycles += t;
    est.cycles += t;
  }
  unbuild_to(L, n_layers, n_values);
  return est;
}

/* Places op o: on its first fit, or, when several accelerator engines accept it and the
 * config chooses by least time, on the one of least estimate (the first of equals). */
static void place_op(Lower *L, int o, const Consumers *c, const int *position) {
  const NpOp *op = &L->graph->ops[o];
  NpDtype dtype = op_dtype(L, op);
  char *reason = NULL;
  int first = choose_engine(L, op, dtype, &reason);
  int capable[NP_ARCH_MAX_ENGINES];
  int n = reason ? 0 : capable_engines(L, op, dtype, first, capable);
  bool estimate = n > 1 && L->arch->placement_choice == NP_PLACEMENT_LEAST_TIME;
  NpPlacementEstimate *est = estimate ? np_xmalloc((size_t)n * sizeof *est) : NULL;
  int *followers = NULL, n_followers = estimate ? fused_followers(L, o, dtype, capable, n, c, position, &followers) : 0;
  int best = 0;
  for (int k = 0; estimate && k < n; k++) {
    est[k] = estimate_on(L, o, capable[k], dtype, c, position, k ? est[best].cycles : INFINITY, followers,
                         n_followers);
    if (less_time(est[k].cycles, est[best].cycles)) best = k;
  }
  free(followers);
  int engine = estimate ? capable[best] : first;
  int index = build_layer(L, o, engine, dtype, reason, c, position); /* may move L->layers */
  LLayer *ly = &L->layers[index];
  ly->first_fit = first;
  ly->placed_by = reason ? NP_PLACED_FALLBACK : estimate ? NP_PLACED_ESTIMATE : n > 1 ? NP_PLACED_FIRST_FIT : NP_PLACED_ONLY;
  ly->estimates = est;
  ly->n_estimates = estimate ? n : 0;
}

bool lower_place(Lower *L) {
  const NpGraph *g = L->graph;
  L->root = np_xmalloc((g->n_tensors + 1) * sizeof *L->root);
  L->value_of = np_xmalloc((g->n_tensors + 1) * sizeof *L->value_of);
  for (size_t t = 0; t < g->n_tensors; t++) L->value_of[t] = -1;
  L->op_layer = np_xmalloc((g->n_ops + 1) * sizeof *L->op_layer);
  for (size_t i = 0; i < g->n_ops; i++) L->op_layer[i] = -1;
  resolve_aliases(L);
  int *position = np_xmalloc((g->n_ops + 1) * sizeof *position);
  for (size_t i = 0; i < g->n_ops; i++) position[i] = -1;
  for (size_t i = 0; i < g->n_order; i++) position[g->order[i]] = (int)i;
  Consumers c;
  build_consumers(L, &c);
  /* graph inputs become values first, in file order */
  for (size_t i = 0; i < g->n_inputs; i++) value_of_tensor(L, g->inputs[i]);
  for (size_t i = 0; i < g->n_order; i++) {
    int o = g->order[i];
    const NpOp *op = &g->ops[o];
    if (!op_executes(op) || L->op_layer[o] != -1) continue;
    if (op->n_outputs < 1 || op->outputs[0] < 0 || L->root[op->outputs[0]] < 0) continue;
    place_op(L, o, &c, position);
  }
  free(position);
  free_consumers(&c);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    build_geometry(L, ly);
    L->values[ly->out_value].producer = (int)i;
    for (int k = 0; k < ly->n_other_outputs; k++) L->values[ly->other_outputs[k]].producer = (int)i;
  }
  for (size_t i = 0; i < g->n_tensors; i++)
    if (g->tensors[i].is_graph_output && L->root[i] >= 0) L->values[value_for_root(L, L->root[i])].graph_output = true;
  return true;
}
