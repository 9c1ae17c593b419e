/* ONNX import: an .onnx file (or its bytes) into a finalized Graph.
 *
 * Takes: an ONNX model (protobuf, IR version 3 or later) whose default-domain opset is
 * 7 to 17 (11 to 17 is the tested range; see docs/onnx.md). Full models and shape-only
 * models both work: weight payloads are never needed, only their dims and data type, so
 * initializers whose float payloads were cleared or whose external data is absent import
 * the same. Gives: a graph (sim/graph/graph.h) that np_graph_finalize() has checked, with
 * shapes inferred; or NULL with one-line errors in diag, each naming the file (and the node
 * when there is one): "<path>: error: node 'conv1' (Conv): ...".
 *
 * What becomes what:
 *  - initializers -> NP_TENSOR_WEIGHT (shape and dtype only); int64/int32 initializers of up to
 *    NP_CONST_MAX_VALUES values whose payload is present -> NP_TENSOR_CONST with values
 *    (Reshape shapes, pads, axes, Slice starts ...); float initializers of up to
 *    ONNX_MAX_FLOAT_VALUES (64) values -> WEIGHT with `fvalues` (Resize scales, Clip bounds).
 *  - Constant nodes are not ops: their output tensor is the constant, as for an initializer.
 *  - graph inputs that are also initializers are weights; a symbolic dim (dim_param) of a
 *    graph input is taken as 1 (batch 1).
 *  - value_info and graph outputs -> declared shapes (-1 for symbolic dims) that finalize checks.
 *  - ops outside the supported set, and ops of other domains, -> opaque ops.
 *
 * Limits: files over NP_ONNX_MAX_FILE_BYTES are refused before reading, as are more than
 * NP_GRAPH_MAX_OPS nodes, rank over NP_MAX_RANK, tensors over NP_TENSOR_MAX_ELEMENTS
 * elements, and message nesting (graphs inside attributes) deeper than 100 levels.
 */
#ifndef NPUSIM_ONNX_ONNX_IMPORT_H
#define NPUSIM_ONNX_ONNX_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_ONNX_MAX_FILE_BYTES (INT64_C(2) << 30) /* 2 GiB, protobuf's own message limit */
#define NP_ONNX_MIN_OPSET 7
#define NP_ONNX_MAX_OPSET 17

/* Reads and imports a file (fopen/fread). */
NpGraph *np_onnx_import_file(const char *path, NpDiag *diag);
/* Imports a model from memory; source_name names it in messages. */
NpGraph *np_onnx_import_buffer(const uint8_t *data, size_t size, const char *source_name, NpDiag *diag);

/* Two-step import, for callers that pin graph inputs to known values before shape
 * inference (the ONNX test suite feeds a Reshape's shape or a Slice's starts that way):
 * parse into a graph that is NOT finalized, bind inputs, then call np_graph_finalize()
 * (and np_graph_free() whatever it returns). */
NpGraph *np_onnx_parse_file(const char *path, NpDiag *diag);
NpGraph *np_onnx_parse_buffer(const uint8_t *data, size_t size, const char *source_name, NpDiag *diag);
/* Turns graph input `name` into a constant holding `count` values (which must equal its
 * element count): integer values make it NP_TENSOR_CONST; float values make it a WEIGHT with
 * fvalues. It stops being a graph input. False with an error when there is no such input,
 * the count differs, or count exceeds NP_CONST_MAX_VALUES. */
bool np_onnx_bind_input_ints(NpGraph *graph, const char *name, const int64_t *values, int64_t count, NpDiag *diag);
bool np_onnx_bind_input_floats(NpGraph *graph, const char *name, const double *values, int64_t count, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
