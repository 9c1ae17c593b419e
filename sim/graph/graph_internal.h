/* Internal to sim/graph: what the builder, finalize, inference, folding and accounting share.
 *
 * Takes: one op of a graph being finalized. Gives: helpers that read its inputs, set its
 * outputs with every dim checked, and report errors in the one-line form
 * "<source>: error: node '<name>' (<OpType>): <what>".
 */
#ifndef NPUSIM_GRAPH_GRAPH_INTERNAL_H
#define NPUSIM_GRAPH_GRAPH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

#define NP_OP_MAX_IO 4096     /* inputs or outputs of one op (a Concat of many tensors) */
#define NP_SHAPE_TEXT_MAX 192 /* "[d0,d1,...]" with NP_MAX_RANK int64 dims fits */

typedef struct NpInferCtx {
  NpGraph *graph;
  NpOp *op;
  NpDiag *diag;
} NpInferCtx;

bool np_dtype_is_float(NpDtype dtype);
/* Product of dims; false on a negative dim or overflow. */
bool np_shape_elements(int rank, const int64_t *dims, int64_t *elements);
void np_tensor_update_bytes(NpTensor *t);
/* Writes "[1,3,224,224]" (-1 shown as "?") into text. */
void np_shape_text(int rank, const int64_t *dims, char text[NP_SHAPE_TEXT_MAX]);

/* ---- helpers for per-op inference (infer.c) ---- */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
bool np_op_error(NpInferCtx *c, const char *fmt, ...); /* always returns false */
/* Input i, or NULL when omitted or beyond n_inputs. */
NpTensor *np_op_input(const NpInferCtx *c, int i);
NpTensor *np_op_output(const NpInferCtx *c, int i);
/* Requires at least min inputs present (non-omitted) at the first min positions and at most
 * max inputs in all. */
bool np_op_require_inputs(NpInferCtx *c, int min, int max);
/* Checks each dim (negative, overflow, NP_TENSOR_MAX_ELEMENTS) and sets output i; an omitted
 * output is skipped. dtype NP_DTYPE_UNKNOWN keeps the output's preset dtype. */
bool np_op_set_output(NpInferCtx *c, int i, int rank, const int64_t *dims, NpDtype dtype);
/* Normalizes axis (negative counts from the end) against rank; error naming `what`. */
bool np_op_axis(NpInferCtx *c, int64_t axis, int rank, const char *what, int *out);
/* The integer values of constant input i (an error naming `what` when it has none). */
bool np_op_const_ints(NpInferCtx *c, int i, const char *what, const int64_t **values, int64_t *count);
/* Multidirectional (numpy) broadcast of a and b into out; false when incompatible. */
bool np_broadcast_dims(int rank_a, const int64_t *a, int rank_b, const int64_t *b, int *rank_out, int64_t *out);
/* The same, reporting an error naming both shapes. */
bool np_op_broadcast(NpInferCtx *c, int rank_a, const int64_t *a, int rank_b, const int64_t *b, int *rank_out,
                     int64_t *out);
/* The dtype of the first non-constant-shape input (the data input). */
NpDtype np_op_data_dtype(const NpInferCtx *c);

typedef bool (*NpInferFn)(NpInferCtx *c);
/* Per-kind shape and dtype inference; every input present is shape_known. */
NpInferFn np_infer_fn(NpOpKind kind);

/* infer_nn.c */
bool np_infer_conv(NpInferCtx *c);
bool np_infer_conv_transpose(NpInferCtx *c);
bool np_infer_pool(NpInferCtx *c);
bool np_infer_global_pool(NpInferCtx *c);
bool np_infer_gemm(NpInferCtx *c);
bool np_infer_matmul(NpInferCtx *c);
bool np_infer_batch_norm(NpInferCtx *c);
bool np_infer_layer_norm(NpInferCtx *c);

/* infer_data.c */
bool np_infer_concat(NpInferCtx *c);
bool np_infer_split(NpInferCtx *c);
bool np_infer_slice(NpInferCtx *c);
bool np_infer_reshape(NpInferCtx *c);
bool np_infer_flatten(NpInferCtx *c);
bool np_infer_transpose(NpInferCtx *c);
bool np_infer_squeeze(NpInferCtx *c);
bool np_infer_unsqueeze(NpInferCtx *c);
bool np_infer_shape(NpInferCtx *c);
bool np_infer_gather(NpInferCtx *c);
bool np_infer_resize(NpInferCtx *c);
bool np_infer_pad(NpInferCtx *c);
bool np_infer_expand(NpInferCtx *c);
bool np_infer_reduce_mean(NpInferCtx *c);

/* Slice bounds of one axis after ONNX's clamping rules; returns the output length. */
int64_t np_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first);
/* Shape's [start, end) range of dims after clamping to rank. */
void np_shape_range(int rank, int64_t start, int64_t end, int64_t *first, int64_t *count);
/* The resolved Transpose permutation (default: reversed axes) into perm; error if invalid. */
bool np_transpose_perm(NpInferCtx *c, int rank, int *perm);

/* ---- folding (fold.c) ---- */
/* When every input of the (already inferred) op has known values, computes its outputs'
 * values, makes them constants and sets op->folded. False only on an error. */
bool np_fold_op(NpInferCtx *c);

/* ---- layout and accounting (account.c) ---- */
/* Sets every tensor's layout and every op's macs/elements/bytes; run after inference and
 * again when dtypes change. */
void np_graph_account(NpGraph *graph);

#endif
