/* Model loading: a model file of either kind into a finalized graph.
 *
 * Takes: a path to an ONNX model (.onnx) or a text graph (.npg). Other extensions are
 * sniffed: a file whose first statement line starts with "#", "graph" or "input" is a text
 * graph; anything else is tried as ONNX. Gives: the graph from np_onnx_import_file() or
 * np_textgraph_load(), or NULL with the loader's errors in diag (each naming the file).
 * Every command that takes a MODEL argument loads it through here.
 */
#ifndef NPUSIM_MODEL_MODEL_H
#define NPUSIM_MODEL_MODEL_H

#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum NpModelKind { NP_MODEL_UNKNOWN = 0, NP_MODEL_ONNX, NP_MODEL_TEXTGRAPH } NpModelKind;

/* The kind a path's extension names (case-insensitive), or NP_MODEL_UNKNOWN. */
NpModelKind np_model_kind_from_path(const char *path);
NpGraph *np_model_load(const char *path, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
