/* Graph: the network as ops and tensors, shapes inferred, with NHWC activations.
 *
 * Takes: ops and tensors added by an importer (sim/onnx, or the text graph parser in
 * sim/graph/textgraph.h), then np_graph_finalize(). Gives: a checked graph in topological
 * order with every tensor's shape, data type and byte size, and per-op MACs, weight bytes,
 * input and output bytes; constant subgraphs (Shape, Gather on constants, ...) folded away.
 *
 * Shapes and layout. Every tensor keeps its dims in ONNX's logical axis order (`dims`,
 * N,C,H,W for 4-D activations), so that ONNX attributes, broadcasting and the file's own
 * value_info apply to them unchanged. Its memory order is `layout`: rank-4 activations are
 * NHWC (the accelerator's layout); everything else is plain row-major in the logical order.
 * np_tensor_physical_dims() gives the dims in memory order (N,H,W,C for NHWC), which is what
 * reports show and what tiling cuts. An op whose output memory order differs from its input's
 * (a Flatten, Reshape or Transpose of an NHWC tensor with more than one pixel and channel)
 * moves data: `layout_move_bytes` counts it.
 *
 * Weights are laid out OHWI for convolutions (out-channels, kernel rows, kernel cols,
 * in-channels per group), IHWO for transposed convolutions, and K x N (row-major, reduction
 * first) for Gemm/MatMul, so that an output-channel slice of the weights is contiguous.
 *
 * All sizes are int64 and checked for overflow; limits are in NP_GRAPH_MAX_*.
 */
#ifndef NPUSIM_GRAPH_GRAPH_H
#define NPUSIM_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"
#include "util/strmap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_MAX_RANK 8
#define NP_GRAPH_MAX_OPS 200000
#define NP_GRAPH_MAX_TENSORS 1000000
#define NP_TENSOR_MAX_ELEMENTS (INT64_C(1) << 40) /* any single tensor */
#define NP_CONST_MAX_VALUES 65536                   /* integer constants kept for folding */

typedef enum NpDtype {
  NP_DTYPE_UNKNOWN = 0,
  NP_DTYPE_INT8,
  NP_DTYPE_UINT8,
  NP_DTYPE_INT16,
  NP_DTYPE_INT32,
  NP_DTYPE_INT64,
  NP_DTYPE_FP16,
  NP_DTYPE_BF16,
  NP_DTYPE_FP32,
  NP_DTYPE_FP64,
  NP_DTYPE_BOOL,
  NP_DTYPE_COUNT
} NpDtype;

int np_dtype_bytes(NpDtype dtype);       /* 0 for UNKNOWN */
const char *np_dtype_name(NpDtype dtype); /* "int8", "fp16", ... */
/* Parses "int8", "int16", "fp16", "fp32", ...; NP_DTYPE_UNKNOWN when not a name. */
NpDtype np_dtype_from_name(const char *name);
/* Every name np_dtype_from_name takes, "int8, uint8, ... or bool" (malloc'd: free it). */
char *np_dtype_name_list(void);

/* Compressed weights (docs/timing.md, "Compressed weights"): a weight stored at fewer bits
 * than its data type, palettized (2, 4 or 6 bits: indices into a table of 2^bits values) or
 * weight-only quantized (8 bits: a scale and a zero point). Computation stays in the data
 * type; only storage and movement shrink. */
#define NP_WEIGHT_BITS_LIST "8, 6, 4 or 2"
/* True for a width weights can be stored at (8, 6, 4 or 2). */
bool np_weight_bits_valid(int64_t bits);
/* Bytes of `elements` weights stored at `bits` when each value is `element_bytes` wide:
 * ceil(elements x bits / 8) of payload, then the table (2^bits entries; 2 for 8 bits) of
 * element_bytes each. A width of 0, or one not below the element's, stores them as they are:
 * elements x element_bytes. -1 on overflow. */
int64_t np_weight_stored_bytes(int64_t elements, int bits, int element_bytes);
/* The table part of that: 0 when the weights are stored as they are. */
int64_t np_weight_table_bytes(int bits, int element_bytes);
/* Parses a width ("4"), or "dtype" (0: as the data type); false with a one-line reason
 * naming the text in err otherwise. */
bool np_weight_bits_parse(const char *text, int *bits, char *err, size_t err_size);

typedef enum NpLayout { NP_LAYOUT_PLAIN = 0, NP_LAYOUT_NHWC } NpLayout;

typedef enum NpTensorRole {
  NP_TENSOR_ACTIVATION = 0, /* produced by an op */
  NP_TENSOR_INPUT,          /* graph input */
  NP_TENSOR_WEIGHT,         /* initializer: parameters (payload not kept) */
  NP_TENSOR_CONST           /* constant whose integer values are known (folded shapes, axes, ...) */
} NpTensorRole;

typedef struct NpTensor {
  char *name;
  NpDtype dtype;
  NpTensorRole role;
  bool is_graph_output;
  bool shape_known;
  int rank;
  int64_t dims[NP_MAX_RANK]; /* logical (ONNX) order */
  NpLayout layout;
  int64_t elements;          /* product of dims, once shape_known */
  int64_t bytes;             /* elements * dtype bytes */
  int storage_bits;          /* WEIGHT tensors: the width they are stored and moved at
                                (np_weight_bits_valid), set by the model file; 0: the dtype's */
  int producer;              /* op index, -1 for inputs, weights and constants */
  int64_t *values;           /* integer values when role == NP_TENSOR_CONST (count = elements) */
  double *fvalues;           /* floating-point values of a small constant whose payload the file
                                holds (Resize scales/roi, Clip bounds; count = elements), or NULL.
                                Set by the importer on WEIGHT tensors; owned (freed) by the graph. */
  bool is_graph_input;       /* added: set by np_graph_mark_input() */
  /* Shape the file declared (value_info / graph output), checked against inference. */
  bool has_declared_shape;
  int declared_rank;
  int64_t declared_dims[NP_MAX_RANK]; /* -1 for a symbolic or unknown dim */
} NpTensor;

/* Dims in memory order: N,H,W,C for NHWC tensors, the logical dims otherwise. Returns rank. */
int np_tensor_physical_dims(const NpTensor *t, int64_t out[NP_MAX_RANK]);

typedef enum NpOpKind {
  NP_OP_CONV,
  NP_OP_CONV_TRANSPOSE,
  NP_OP_GEMM,
  NP_OP_MATMUL,
  NP_OP_MAXPOOL,
  NP_OP_AVGPOOL,
  NP_OP_GLOBAL_AVGPOOL,
  NP_OP_ADD,
  NP_OP_SUB,
  NP_OP_MUL,
  NP_OP_DIV,
  NP_OP_RELU,
  NP_OP_CLIP,
  NP_OP_SIGMOID,
  NP_OP_HARD_SIGMOID,
  NP_OP_HARD_SWISH,
  NP_OP_TANH,
  NP_OP_ERF,
  NP_OP_SOFTMAX,
  NP_OP_LAYER_NORM,
  NP_OP_REDUCE_MEAN,
  NP_OP_POW,
  NP_OP_SQRT,
  NP_OP_CONCAT,
  NP_OP_SPLIT,
  NP_OP_SLICE,
  NP_OP_RESHAPE,
  NP_OP_FLATTEN,
  NP_OP_TRANSPOSE,
  NP_OP_SQUEEZE,
  NP_OP_UNSQUEEZE,
  NP_OP_IDENTITY,
  NP_OP_CONSTANT,
  NP_OP_SHAPE,
  NP_OP_GATHER,
  NP_OP_RESIZE,
  NP_OP_PAD,
  NP_OP_BATCH_NORM,
  NP_OP_DROPOUT,
  NP_OP_CAST,
  NP_OP_EXPAND,
  NP_OP_OPAQUE, /* outside the supported set: shapes come from the file's value_info */
  NP_OP_KIND_COUNT
} NpOpKind;

const char *np_op_kind_name(NpOpKind kind); /* the ONNX op type: "Conv", "MatMul", ... */
/* The kind for an ONNX op type, or NP_OP_OPAQUE when it is outside the supported set. */
NpOpKind np_op_kind_from_onnx(const char *op_type);

/* Broad classes, for engine rules and element throughput. */
typedef enum NpOpClass {
  NP_CLASS_MATRIX,      /* Conv, ConvTranspose, Gemm, MatMul: run on a MAC array */
  NP_CLASS_POOL,        /* MaxPool, AveragePool, GlobalAveragePool */
  NP_CLASS_ELEMENTWISE, /* Add, Mul, Relu, Clip, ... */
  NP_CLASS_TRANSCENDENTAL, /* Sigmoid, Tanh, Erf, Softmax, LayerNorm, Pow, Sqrt, HardSwish... */
  NP_CLASS_DATA_MOVEMENT,  /* Concat, Split, Slice, Transpose, Resize, Pad, Reshape... */
  NP_CLASS_REDUCTION,      /* ReduceMean */
  NP_CLASS_NONE,           /* folded or free (Identity, Dropout, Constant, Shape) */
  NP_CLASS_OTHER           /* opaque ops */
} NpOpClass;
NpOpClass np_op_class(NpOpKind kind);

typedef enum NpAutoPad { NP_AUTOPAD_NOTSET = 0, NP_AUTOPAD_SAME_UPPER, NP_AUTOPAD_SAME_LOWER, NP_AUTOPAD_VALID } NpAutoPad;

/* Attributes, in ONNX's meaning. Spatial attributes are for 2-D (1-D ops use width only,
 * with kernel[0] = stride[0] = dilation[0] = 1). Unused fields keep their defaults. */
typedef struct NpAttrs {
  int64_t kernel[2];   /* kh, kw (Conv: from the weight's shape when not given) */
  int64_t stride[2];   /* default 1 */
  int64_t dilation[2]; /* default 1 */
  int64_t pad[4];      /* top, left, bottom, right (ONNX pads order: begins then ends) */
  int64_t output_padding[2];
  NpAutoPad auto_pad;
  int64_t group;       /* default 1 */
  int ceil_mode;
  int count_include_pad;
  int64_t axis;        /* Concat, Split, Softmax, Flatten, Gather, LayerNorm (as in the file) */
  int keepdims;        /* default 1 */
  int trans_a, trans_b;
  float alpha, beta;   /* Gemm (1,1), HardSigmoid (0.2,0.5), LeakyRelu... */
  float clip_min, clip_max;
  int64_t *ints;       /* perm (Transpose), axes (Squeeze/Unsqueeze/Reduce), split sizes,
                          output_shape (ConvTranspose, spatial dims only, as in the file) */
  int n_ints;
  bool has_ints;
  char mode[16];       /* Resize: nearest/linear/cubic; Pad: constant/reflect/edge */
  NpDtype to;          /* Cast: the target type (the importer also sets it on the output) */
  /* Added fields. */
  int64_t start, end;  /* Shape (opset 15): default 0 and INT64_MAX */
  int allowzero;       /* Reshape (opset 14): default 0 */
} NpAttrs;

/* Added. `axis` holds NP_AXIS_UNSET when the file gives none; the op's ONNX default then
 * applies (Flatten 1, Gather 0, Split 0, Softmax/LayerNorm -1, Concat: required).
 * After np_graph_finalize(), kernel[] holds the kernel (from the weight when not given) and
 * pad[] the effective pads (auto_pad resolved) of every Conv, ConvTranspose and pool. */
#define NP_AXIS_UNSET INT64_MIN

void np_attrs_init(NpAttrs *attrs); /* ONNX defaults */

typedef struct NpOp {
  char *name;        /* node name, or "<op_type>_<index>" when the file gives none */
  NpOpKind kind;
  char *op_type;     /* the type as written in the file (kept for opaque ops) */
  NpAttrs attrs;
  int *inputs;       /* tensor indices; -1 for an omitted optional input */
  int n_inputs;
  int *outputs;
  int n_outputs;
  bool folded;       /* computed at import time (constant subgraph); not executed */
  /* Accounting, filled by np_graph_finalize(). */
  int64_t macs;              /* multiply-accumulates (matrix ops) */
  int64_t elements;          /* output elements processed (vector-class ops) */
  int64_t weight_bytes;      /* bytes of WEIGHT-role inputs */
  int64_t input_bytes;       /* bytes of activation/graph inputs read */
  int64_t output_bytes;      /* bytes written */
  int64_t layout_move_bytes; /* bytes reordered because of NHWC (see above) */
} NpOp;

typedef struct NpGraph {
  char *name;
  char *source;      /* path or "<text>", used in messages */
  NpTensor *tensors;
  size_t n_tensors, tensors_capacity;
  NpOp *ops;
  size_t n_ops, ops_capacity;
  int *order;        /* op indices in topological order (after finalize) */
  size_t n_order;
  int *inputs;       /* graph input tensors (not weights), in file order */
  size_t n_inputs;
  int *outputs;      /* graph output tensors, in file order */
  size_t n_outputs;
  NpStrMap tensor_index; /* name -> tensor index */
  bool finalized;
} NpGraph;

NpGraph *np_graph_new(const char *name, const char *source);
void np_graph_free(NpGraph *graph);

/* Adds a tensor (name copied) with unknown shape; returns its index, or -1 with an error
 * in diag when the name is taken or a limit is reached. */
int np_graph_add_tensor(NpGraph *graph, const char *name, NpDtype dtype, NpTensorRole role, NpDiag *diag);
/* Index of the named tensor, or -1. */
int np_graph_find_tensor(const NpGraph *graph, const char *name);
/* Sets a tensor's shape; false (with an error) for a negative dim, rank > NP_MAX_RANK, or an
 * element count over NP_TENSOR_MAX_ELEMENTS. */
bool np_tensor_set_shape(NpGraph *graph, int tensor, int rank, const int64_t *dims, NpDiag *diag);
/* Added. Records the shape the file declares (value_info / graph output; -1 for a symbolic
 * dim), checked by np_graph_finalize(); false (with an error) for rank > NP_MAX_RANK or a
 * dim below -1. Setting the fields directly is equivalent. */
bool np_tensor_declare_shape(NpGraph *graph, int tensor, int rank, const int64_t *dims, NpDiag *diag);
/* Added. Copies a constant's values (count must equal its elements, once its shape is set,
 * and be at most NP_CONST_MAX_VALUES): ints for integer/bool data (the tensor becomes
 * NP_TENSOR_CONST), or reals (ints NULL) for floating-point data (kept in fvalues, role
 * unchanged). False (with an error) otherwise. */
bool np_tensor_set_values(NpGraph *graph, int tensor, const int64_t *ints, const double *reals, int64_t count,
                          NpDiag *diag);
/* Adds an op (name and op_type copied; inputs/outputs copied; attrs taken over, including
 * attrs->ints, also on failure). An omitted optional input or output is -1. The op becomes
 * the producer of its outputs. Returns its index, or -1 with an error (a bad tensor index, a
 * tensor produced twice, an output that is a graph input, a limit). A Constant op's output
 * keeps the role and values the importer gave it. */
int np_graph_add_op(NpGraph *graph, const char *name, const char *op_type, const NpAttrs *attrs,
                    const int *inputs, int n_inputs, const int *outputs, int n_outputs, NpDiag *diag);
/* Marks a graph input (role becomes NP_TENSOR_INPUT; weights and constants are ignored, so
 * an importer may pass initializers listed as inputs) or output. Marking twice is harmless. */
void np_graph_mark_input(NpGraph *graph, int tensor);
void np_graph_mark_output(NpGraph *graph, int tensor);

/* Checks and completes the graph: topological order (a cycle, or an input nothing
 * produces, is an error naming the node), shape inference for every op, constant folding,
 * checks against declared shapes, layouts, and per-op accounting. Every error names
 * graph->source and the node. Returns false when any error was reported. */
bool np_graph_finalize(NpGraph *graph, NpDiag *diag);

/* Changes the data type of every floating-point activation and weight (not integer
 * constants) to dtype and recomputes bytes: the "run this model in int8" what-if. */
void np_graph_set_compute_dtype(NpGraph *graph, NpDtype dtype);

typedef struct NpGraphTotals {
  int64_t ops;          /* ops executed (not folded) */
  int64_t macs;
  int64_t params;       /* elements of weight tensors */
  int64_t weight_bytes;
  int64_t activation_bytes; /* bytes of all op outputs */
} NpGraphTotals;
NpGraphTotals np_graph_totals(const NpGraph *graph);

#ifdef __cplusplus
}
#endif
#endif
