/* Model what-ifs: the same network at another input resolution or channel width.
 *
 * Takes: a finalized NpGraph (from any importer) and an NpWhatIf. Gives: a new, finalized
 * graph with the transform applied consistently (weights, group counts and every inferred
 * shape follow), or NULL with an error naming the graph's file and the node at fault.
 *
 * Input resolution: every rank-4 graph input gets the new height and width; weights are
 * unchanged and shape inference runs again. A model that bakes a spatial size into a
 * constant (a Reshape to a fixed shape, a Gemm over a flattened feature map) cannot follow,
 * and that is the error.
 *
 * Channel scale (a width multiplier, as MobileNet's alpha): every hidden channel count is
 * multiplied by the scale and rounded to the nearest whole number, at least 1 (half rounds
 * away from zero). A hidden channel count is the output channels of a Conv,
 * ConvTranspose, Gemm or MatMul-with-weights, unless that count is tied to one the network
 * fixes: the channels of a graph input, or of a graph output (the classifier's classes).
 * "Tied" follows the tensors: an elementwise op, pooling, normalization or activation keeps
 * its input's channels; an Add or Mul of two tensors ties their channels together (a
 * residual Add onto a graph input keeps that block at the input's width); a depthwise Conv
 * keeps its input's channels (its group count follows); a Concat along channels has the sum
 * of its inputs' channels; a Flatten or Reshape keeps the per-channel factor. Weights follow
 * their op's input and output channels (conv OIHW, Gemm K x N, biases, BatchNorm and
 * per-channel Mul/Add operands). Grouped (non-depthwise) convolutions, channel Splits and
 * Slices, activation-by-activation MatMuls and ops outside the supported set are errors.
 *
 * Identity: scale 1 and no resolution give a copy of the graph.
 */
#ifndef NPUSIM_WHATIF_WHATIF_H
#define NPUSIM_WHATIF_WHATIF_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_WHATIF_MAX_RESOLUTION 65536
#define NP_WHATIF_MIN_SCALE 1e-3
#define NP_WHATIF_MAX_SCALE 1e3

typedef struct NpWhatIf {
  double channel_scale;      /* 0 or 1: unchanged */
  int64_t height, width;     /* input resolution; 0: unchanged */
} NpWhatIf;

/* True when w changes nothing. */
bool np_whatif_is_identity(const NpWhatIf *w);

/* The transformed graph (see above), or NULL with errors in diag. Resolution is applied
 * first, then the channel scale. The result's name and source are the input's. */
NpGraph *np_whatif_apply(const NpGraph *graph, const NpWhatIf *w, NpDiag *diag);

/* The hidden channel count a scale gives: max(1, round(channels * scale)). */
int64_t np_whatif_scale_channels(int64_t channels, double scale);

/* Parses "192" (square) or "192x256" (height x width) into h, w. False with a one-line
 * reason in err otherwise (both must be 1..NP_WHATIF_MAX_RESOLUTION). */
bool np_whatif_parse_resolution(const char *text, int64_t *height, int64_t *width, char *err, size_t err_size);
/* Parses a channel scale: a real in [NP_WHATIF_MIN_SCALE, NP_WHATIF_MAX_SCALE]. */
bool np_whatif_parse_scale(const char *text, double *scale, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif
