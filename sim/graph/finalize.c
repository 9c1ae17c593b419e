/* np_graph_finalize: topological order, then one pass in that order that infers shapes,
 * folds constants and checks declared shapes, then layouts and accounting. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "util/mem.h"

static bool is_source_tensor(const NpTensor *t) {
  return t->is_graph_input || t->role == NP_TENSOR_INPUT || t->role == NP_TENSOR_WEIGHT ||
         t->role == NP_TENSOR_CONST;
}

/* Every op input must come from somewhere: a graph input, an initializer or constant, or an op. */
static bool check_producers(NpGraph *g, NpDiag *diag) {
  bool ok = true;
  for (size_t i = 0; i < g->n_ops; i++) {
    NpOp *op = &g->ops[i];
    for (int k = 0; k < op->n_inputs; k++) {
      if (op->inputs[k] < 0) continue;
      const NpTensor *t = &g->tensors[op->inputs[k]];
      if (t->producer >= 0 || is_source_tensor(t)) continue;
      np_diag_add(diag,
                  "%s: error: node '%s' (%s): input '%s' is produced by no node and is not a graph input, "
                  "initializer or constant",
                  g->source, op->name, op->op_type, t->name);
      ok = false;
    }
  }
  for (size_t i = 0; i < g->n_outputs; i++) {
    const NpTensor *t = &g->tensors[g->outputs[i]];
    if (t->producer >= 0 || is_source_tensor(t)) continue;
    np_diag_add(diag, "%s: error: graph output '%s' is produced by no node", g->source, t->name);
    ok = false;
  }
  return ok;
}

/* True when every op's producers come before it in file order (the usual case). */
static bool file_order_is_topological(const NpGraph *g) {
  for (size_t i = 0; i < g->n_ops; i++) {
    const NpOp *op = &g->ops[i];
    for (int k = 0; k < op->n_inputs; k++) {
      if (op->inputs[k] >= 0 && g->tensors[op->inputs[k]].producer >= (int)i) return false;
    }
  }
  return true;
}

/* Walks producer links among the ops Kahn's algorithm could not emit; every such op has an
 * unemitted producer, so the walk must revisit an op, and that op lies on a cycle. */
static void report_cycle(const NpGraph *g, const bool *emitted, NpDiag *diag) {
  int *visit = np_xmalloc(g->n_ops * sizeof *visit);
  for (size_t i = 0; i < g->n_ops; i++) visit[i] = 0;
  size_t start = 0;
  while (emitted[start]) start++;
  int op = (int)start, via = -1;
  while (!visit[op]) {
    visit[op] = 1;
    const NpOp *o = &g->ops[op];
    for (int k = 0; k < o->n_inputs; k++) {
      int t = o->inputs[k];
      if (t >= 0 && g->tensors[t].producer >= 0 && !emitted[g->tensors[t].producer]) {
        op = g->tensors[t].producer;
        via = t;
        break;
      }
    }
  }
  const NpOp *o = &g->ops[op];
  np_diag_add(diag, "%s: error: node '%s' (%s): is on a cycle (through tensor '%s')", g->source, o->name, o->op_type,
              via >= 0 ? g->tensors[via].name : "?");
  free(visit);
}

/* Kahn's algorithm over op->op edges, linear in ops + edges. */
static bool kahn_order(NpGraph *g, NpDiag *diag) {
  size_t n = g->n_ops;
  int *indegree = np_xcalloc(n, sizeof *indegree);
  size_t *first = np_xcalloc(g->n_tensors + 1, sizeof *first); /* CSR offsets of consumers per tensor */
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < g->ops[i].n_inputs; k++) {
      int t = g->ops[i].inputs[k];
      if (t < 0 || g->tensors[t].producer < 0) continue;
      indegree[i]++;
      first[t + 1]++;
    }
  }
  for (size_t t = 0; t < g->n_tensors; t++) first[t + 1] += first[t];
  size_t *fill = np_xmalloc((g->n_tensors + 1) * sizeof *fill);
  memcpy(fill, first, (g->n_tensors + 1) * sizeof *fill);
  int *consumers = np_xmalloc((first[g->n_tensors] + 1) * sizeof *consumers);
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < g->ops[i].n_inputs; k++) {
      int t = g->ops[i].inputs[k];
      if (t >= 0 && g->tensors[t].producer >= 0) consumers[fill[t]++] = (int)i;
    }
  }
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < n; i++) {
    if (indegree[i] == 0) g->order[tail++] = (int)i;
  }
  while (head < tail) {
    const NpOp *op = &g->ops[g->order[head++]];
    for (int k = 0; k < op->n_outputs; k++) {
      int t = op->outputs[k];
      if (t < 0) continue;
      for (size_t e = first[t]; e < first[t + 1]; e++) {
        if (--indegree[consumers[e]] == 0) g->order[tail++] = consumers[e];
      }
    }
  }
  bool ok = tail == n;
  if (!ok) {
    bool *emitted = np_xcalloc(n, sizeof *emitted);
    for (size_t i = 0; i < tail; i++) emitted[g->order[i]] = true;
    report_cycle(g, emitted, diag);
    free(emitted);
  }
  g->n_order = tail;
  free(indegree);
  free(first);
  free(fill);
  free(consumers);
  return ok;
}

static bool topological_order(NpGraph *g, NpDiag *diag) {
  free(g->order);
  g->order = np_xmalloc((g->n_ops ? g->n_ops : 1) * sizeof *g->order);
  g->n_order = 0;
  if (file_order_is_topological(g)) {
    for (size_t i = 0; i < g->n_ops; i++) g->order[i] = (int)i;
    g->n_order = g->n_ops;
    return true;
  }
  return kahn_order(g, diag);
}

static bool check_sources_have_shapes(NpGraph *g, NpDiag *diag) {
  bool ok = true;
  for (size_t i = 0; i < g->n_inputs; i++) {
    const NpTensor *t = &g->tensors[g->inputs[i]];
    if (t->shape_known) continue;
    np_diag_add(diag, "%s: error: graph input '%s' has no known shape", g->source, t->name);
    ok = false;
  }
  return ok;
}

/* All present inputs have shapes. An activation without one comes from a node that already
 * failed (stay quiet); a source tensor without one is this node's error. */
static bool inputs_ready(NpInferCtx *c, bool *quiet) {
  *quiet = false;
  for (int k = 0; k < c->op->n_inputs; k++) {
    const NpTensor *t = np_op_input(c, k);
    if (t == NULL || t->shape_known) continue;
    if (t->producer >= 0) {
      *quiet = true;
      return false;
    }
    return np_op_error(c, "input '%s' has no known shape", t->name);
  }
  return true;
}

static bool check_declared(NpInferCtx *c) {
  bool ok = true;
  for (int i = 0; i < c->op->n_outputs; i++) {
    const NpTensor *t = np_op_output(c, i);
    if (t == NULL || !t->has_declared_shape || !t->shape_known) continue;
    bool same = t->declared_rank == t->rank;
    for (int d = 0; same && d < t->rank; d++) same = t->declared_dims[d] < 0 || t->declared_dims[d] == t->dims[d];
    if (same) continue;
    char inferred[NP_SHAPE_TEXT_MAX], declared[NP_SHAPE_TEXT_MAX];
    np_shape_text(t->rank, t->dims, inferred);
    np_shape_text(t->declared_rank, t->declared_dims, declared);
    ok = np_op_error(c, "output '%s' has inferred shape %s but the file declares %s", t->name, inferred, declared);
  }
  return ok;
}

static void forget_output_shapes(NpInferCtx *c) {
  for (int i = 0; i < c->op->n_outputs; i++) {
    NpTensor *t = np_op_output(c, i);
    if (t) t->shape_known = false;
  }
}

/* Infers, folds and checks one op; false after reporting an error (or after an upstream one). */
static bool complete_op(NpInferCtx *c) {
  bool quiet;
  bool ok = inputs_ready(c, &quiet) && np_infer_fn(c->op->kind)(c) && np_fold_op(c) && check_declared(c);
  if (!ok && c->op->kind != NP_OP_CONSTANT) forget_output_shapes(c);
  return ok;
}

bool np_graph_finalize(NpGraph *graph, NpDiag *diag) {
  graph->finalized = false;
  /* Both checks run, so that every problem is reported. */
  bool producers_ok = check_producers(graph, diag);
  bool ok = check_sources_have_shapes(graph, diag) && producers_ok;
  if (!ok || !topological_order(graph, diag)) return false;
  for (size_t i = 0; i < graph->n_order; i++) {
    NpInferCtx c = {graph, &graph->ops[graph->order[i]], diag};
    if (!complete_op(&c)) ok = false;
  }
  if (!ok) return false;
  np_graph_account(graph);
  graph->finalized = true;
  return true;
}
