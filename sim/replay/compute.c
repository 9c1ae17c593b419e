/* Engine cycles of a COMPUTE (docs/timing.md, "MAC array" and "Vector and CPU").
 *
 * MAC arrays follow SCALE-Sim v2's compute model (scalesim/compute/systolic_compute_{ws,os,
 * is}.py): the GEMM is cut into folds that fit the R x C array, and each fold costs the
 * rows of its demand matrices: operand fill, the streamed dimension, and the drain. */
#include <math.h>

#include "replay/replay_internal.h"
#include "util/mem.h"

#define OVERFLOW (-2)
#define CANNOT (-1)

static int64_t folds_times(int64_t a, int64_t r, int64_t b, int64_t c, int64_t per_fold, int64_t batch) {
  int64_t folds, cycles;
  if (!np_mul_i64(np_ceil_div_i64(a, r), np_ceil_div_i64(b, c), &folds) || !np_mul_i64(folds, per_fold, &cycles) ||
      !np_mul_i64(cycles, batch, &cycles))
    return OVERFLOW;
  return cycles;
}

int64_t np_systolic_cycles(int64_t rows, int64_t cols, NpDataflow dataflow, NpGemmShape g) {
  int64_t R = rows, C = cols, M = g.m, N = g.n, K = g.k;
  int64_t batch = g.batch > 0 ? g.batch : 1;
  if (R <= 0 || C <= 0 || M <= 0 || N <= 0 || K <= 0) return 0;
  if (R > (INT64_C(1) << 40) || C > (INT64_C(1) << 40) || M > (INT64_C(1) << 60) || N > (INT64_C(1) << 60) ||
      K > (INT64_C(1) << 60))
    return OVERFLOW;
  switch (dataflow) {
  case NP_DATAFLOW_WS: /* weights K x N pinned in R x C; M input rows stream through */
    return folds_times(K, R, N, C, 2 * R + C + M - 2, batch);
  case NP_DATAFLOW_OS: /* outputs M x N pinned; K streams */
    return folds_times(M, R, N, C, R + C + K - 2, batch);
  case NP_DATAFLOW_IS: /* inputs K x M pinned; N filter columns stream */
    return folds_times(K, R, M, C, 2 * R + C + N - 2, batch);
  }
  return CANNOT;
}

static int64_t divide_by_rate(double work, double per_cycle) {
  if (work <= 0) return 0;
  if (!(per_cycle > 0)) return CANNOT;
  double cycles = ceil(work / per_cycle);
  return cycles < 9.2e18 ? (int64_t)cycles : OVERFLOW;
}

int64_t np_compute_cycles(const NpEngine *engine, const NpCommand *cmd) {
  NpDtype dtype = cmd->dtype;
  if (dtype <= NP_DTYPE_UNKNOWN || dtype >= NP_DTYPE_COUNT) return CANNOT;
  bool matrix = cmd->op_class == NP_CLASS_MATRIX;
  const NpGemmShape *g = &cmd->gemm;
  if (matrix && engine->kind == NP_ENGINE_MAC_ARRAY && g->m > 0 && g->n > 0 && g->k > 0) {
    double rate = engine->dtype_rate[dtype];
    if (!(rate > 0)) return CANNOT;
    int64_t base = np_systolic_cycles(engine->rows, engine->cols, engine->dataflow, *g);
    if (base < 0) return base;
    return divide_by_rate((double)base, rate);
  }
  double work = (double)(matrix ? cmd->macs : cmd->elements);
  return divide_by_rate(work, np_engine_elements_per_cycle(engine, cmd->op_class, dtype));
}
