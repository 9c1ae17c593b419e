/* Text graphs (.npg): hand-written layers and micro-benchmarks, one statement per line.
 *
 * Takes: the text of a .npg file (format in docs/formats.md, "Text graph"). Shapes are
 * written in NHWC, the accelerator's view; the parser converts them to the graph's logical
 * (ONNX) order, creates each op's weights as WEIGHT tensors of the right shape, builds the
 * ops with the builder API of graph.h and finalizes the graph.
 * Gives: a finalized NpGraph, or NULL with every problem in diag as
 * "file:line:col: error: ...", one per problem (parsing goes on after an error).
 *
 *   graph conv_chain
 *   input x int8 1x56x56x64                        # NHWC
 *   conv c1 x -> y out=64 kernel=3x3 stride=1 pad=1
 *   relu r1 y -> z
 *   output z
 */
#ifndef NPUSIM_GRAPH_TEXTGRAPH_H
#define NPUSIM_GRAPH_TEXTGRAPH_H

#include <stddef.h>

#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest text graph file np_textgraph_load() reads. */
#define NP_TEXTGRAPH_MAX_FILE_BYTES (64u << 20)

/* Parses len bytes of text (need not be NUL-terminated; any bytes are safe). source names
 * the text in messages and in graph->source, e.g. the file path or "<text>". */
NpGraph *np_textgraph_parse(const char *text, size_t len, const char *source, NpDiag *diag);
/* Reads and parses a .npg file; a file that cannot be read is an error naming it. */
NpGraph *np_textgraph_load(const char *path, NpDiag *diag);
/* True when text looks like a text graph: its first statement line (blank lines skipped)
 * starts with "#", "graph" or "input". Used to pick a loader for files of unknown kind. */
bool np_textgraph_sniff(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
