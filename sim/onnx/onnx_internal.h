/* Internal to sim/onnx: shared by the importer's source files, not a public interface. */
#ifndef NPUSIM_ONNX_ONNX_INTERNAL_H
#define NPUSIM_ONNX_ONNX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "onnx.pb-c.h"
#include "util/diag.h"

/* Message nesting deeper than this is refused before protobuf-c (which recurses) sees it. */
#define ONNX_MAX_NESTING 100
/* Attribute arrays longer than this are refused (no supported op needs more). */
#define ONNX_MAX_ATTR_INTS 1024
/* Floating-point constants up to this many values are read (Resize scales, Clip bounds). */
#define ONNX_MAX_FLOAT_VALUES 64

typedef struct OnnxImport {
  const char *source; /* the path, for messages */
  NpDiag *diag;
  NpGraph *graph;
  int64_t opset;      /* of the default domain */
} OnnxImport;

#if defined(__GNUC__)
#define ONNX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ONNX_PRINTF(a, b)
#endif

/* "<source>: error: <message>". Always returns false, so callers can `return onnx_error(...)`. */
bool onnx_error(OnnxImport *im, const char *fmt, ...) ONNX_PRINTF(2, 3);
/* "<source>: error: node '<name>' (<op_type>): <message>". Returns false. */
bool onnx_node_error(OnnxImport *im, const char *node, const char *op_type, const char *fmt, ...) ONNX_PRINTF(4, 5);

/* onnx_wire.c: true unless the buffer nests graphs (in attributes) or types (in sequence, map
 * and optional types) more than max_levels deep, counting the graph and type levels, not the
 * protobuf messages between them. Malformed wire data is left to the protobuf parser and
 * passes. */
bool onnx_nesting_within(const uint8_t *data, size_t size, int max_levels);

/* onnx_tensor.c */
/* Our dtype for an ONNX TensorProto.DataType; false for types we cannot represent
 * (string, complex). uint16/32/64 map to the signed type of the same width. */
bool onnx_dtype(int32_t onnx_type, NpDtype *out);
/* Why onnx_dtype refused the type, for "<what> <why> (<type>)": "has data type UNDEFINED"
 * (a tensor must declare one) or "has an unsupported data type". */
const char *onnx_dtype_problem(int32_t onnx_type);
/* Checks a shape from the file (rank, no negative dims, element count within limits);
 * `what` names it in the error ("initializer 'w'"). */
bool onnx_check_dims(OnnxImport *im, const char *what, const int64_t *dims, size_t rank);
/* Reads exactly `count` integer values of an INT64 or INT32 tensor from int64_data,
 * int32_data or little-endian raw_data. False when the payload is absent or does not match. */
bool onnx_tensor_ints(const Onnx__TensorProto *t, int64_t count, int64_t *out);
/* The same for FLOAT and DOUBLE tensors. */
bool onnx_tensor_floats(const Onnx__TensorProto *t, int64_t count, double *out);

/* onnx_attrs.c: the node's attributes in our terms, with the op's ONNX defaults; errors
 * name the node. `name` is the node's display name. */
bool onnx_node_attrs(OnnxImport *im, const Onnx__NodeProto *node, const char *name, NpOpKind kind, NpAttrs *attrs);
/* Finds an attribute by name, or NULL. */
const Onnx__AttributeProto *onnx_find_attr(const Onnx__NodeProto *node, const char *name);

#endif
