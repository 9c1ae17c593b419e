/* Engine kinds and dataflows, one row each: the keys a kind takes, what it runs unless its
 * rules say otherwise, its cycles formula (docs/timing.md), its array size and how its work
 * is priced. docs/hacking.md, "Adding an engine kind or a dataflow", walks through a new row. */
#include <math.h>
#include <stddef.h>

#include "arch/arch.h"
#include "util/mem.h"

/* ---- dataflows: SCALE-Sim v2's compute model (scalesim/compute/systolic_compute_{ws,os,is}.py) ----
 * The GEMM is cut into folds that fit the R x C array; each fold costs the rows of its demand
 * matrices: operand fill, the streamed dimension, and the drain. */

static int64_t folds_times(int64_t a, int64_t r, int64_t b, int64_t c, int64_t per_fold, int64_t batch) {
  int64_t folds, cycles;
  if (!np_mul_i64(np_ceil_div_i64(a, r), np_ceil_div_i64(b, c), &folds) || !np_mul_i64(folds, per_fold, &cycles) ||
      !np_mul_i64(cycles, batch, &cycles))
    return NP_CYCLES_OVERFLOW;
  return cycles;
}

/* Weights K x N pinned in R x C; M input rows stream through. */
static int64_t ws_cycles(int64_t R, int64_t C, NpGemmShape g) {
  return folds_times(g.k, R, g.n, C, 2 * R + C + g.m - 2, g.batch);
}

/* Outputs M x N pinned; K streams. */
static int64_t os_cycles(int64_t R, int64_t C, NpGemmShape g) {
  return folds_times(g.m, R, g.n, C, R + C + g.k - 2, g.batch);
}

/* Inputs K x M pinned; N filter columns stream. */
static int64_t is_cycles(int64_t R, int64_t C, NpGemmShape g) {
  return folds_times(g.k, R, g.m, C, 2 * R + C + g.n - 2, g.batch);
}

static const NpDataflowOps dataflows[NP_DATAFLOW_COUNT] = {
    [NP_DATAFLOW_WS] = {"ws", ws_cycles},
    [NP_DATAFLOW_OS] = {"os", os_cycles},
    [NP_DATAFLOW_IS] = {"is", is_cycles},
};

const NpDataflowOps *np_dataflow_ops(NpDataflow dataflow) {
  return dataflow >= 0 && dataflow < NP_DATAFLOW_COUNT ? &dataflows[dataflow] : NULL;
}

/* 1 when the formulas may run on these sizes; else what to return instead: 0 when a size is
 * not positive, NP_CYCLES_OVERFLOW when one is so large a fold's cycles could overflow. */
static int64_t sizes_check(int64_t rows, int64_t cols, NpGemmShape g) {
  if (rows <= 0 || cols <= 0 || g.m <= 0 || g.n <= 0 || g.k <= 0) return 0;
  /* Below these, a fold's cycles (a few array sides plus one GEMM side) fit in 62 bits. */
  const int64_t side_max = INT64_C(1) << 40, gemm_max = INT64_C(1) << 60;
  if (rows > side_max || cols > side_max || g.m > gemm_max || g.n > gemm_max || g.k > gemm_max)
    return NP_CYCLES_OVERFLOW;
  return 1;
}

int64_t np_dataflow_cycles(int64_t rows, int64_t cols, NpDataflow dataflow, NpGemmShape g) {
  const NpDataflowOps *ops = np_dataflow_ops(dataflow);
  if (g.batch <= 0) g.batch = 1;
  if (ops == NULL) return NP_CYCLES_CANNOT;
  int64_t check = sizes_check(rows, cols, g);
  return check == 1 ? ops->cycles(rows, cols, g) : check;
}

/* ---- depthwise modes of a mac_array (docs/timing.md, "Depthwise") ---- */

static int64_t product3(int64_t a, int64_t b, int64_t c) {
  int64_t ab, abc;
  if (!np_mul_i64(a, b, &ab) || !np_mul_i64(ab, c, &abc)) return NP_CYCLES_OVERFLOW;
  return abc;
}

/* Each channel a GEMM with one column: the dataflow's formula, one array column in use. */
static int64_t systolic_depthwise(const NpEngine *e, NpGemmShape g) {
  return np_dataflow_cycles(e->rows, e->cols, e->dataflow, g);
}

/* Outputs M x channels pinned (pixels down the R rows, channels across the C columns), each
 * column fed its own channel's inputs and taps; the K taps stream: SCALE-Sim's os fold with
 * the channels in the place of N. */
static int64_t channelwise_depthwise(const NpEngine *e, NpGemmShape g) {
  int64_t R = e->rows, C = e->cols;
  return folds_times(g.m, R, g.batch, C, R + C + g.k - 2, 1);
}

/* Channels across the lanes, one MAC per lane per cycle: every pixel and tap in turn. */
static int64_t simd_depthwise(const NpEngine *e, NpGemmShape g) {
  return product3(np_ceil_div_i64(g.batch, e->depthwise_lanes), g.m, g.k);
}

/* Vela's per-block depthwise model (ethosu/vela/npu_performance.py,
 * estimate_conv_pooling_cycles), with the tile as one block: per micro-block depth slice and
 * per step of 4 kernel taps, 4 cycles per micro-block of the slice, at least the write-back
 * of 4 x ublock_depth cycles. */
#define VELA_DW_TAPS_PER_STEP 4
#define VELA_CYCLES_PER_UBLOCK 4
static int64_t output_block_depthwise(const NpEngine *e, NpGemmShape g) {
  int64_t ublocks = np_ceil_div_i64(g.m, e->ublock_pixels);
  int64_t per_step = VELA_CYCLES_PER_UBLOCK * (ublocks > e->ublock_depth ? ublocks : e->ublock_depth);
  return product3(np_ceil_div_i64(g.batch, e->ublock_depth), np_ceil_div_i64(g.k, VELA_DW_TAPS_PER_STEP), per_step);
}

static const NpDepthwiseOps depthwise_modes[NP_DEPTHWISE_COUNT] = {
    [NP_DEPTHWISE_SYSTOLIC] = {"systolic", {NULL, NULL}, systolic_depthwise},
    [NP_DEPTHWISE_CHANNELWISE] = {"channelwise", {NULL, NULL}, channelwise_depthwise},
    [NP_DEPTHWISE_SIMD] = {"simd", {"depthwise_lanes", NULL}, simd_depthwise},
    [NP_DEPTHWISE_OUTPUT_BLOCK] = {"output_block", {"ublock_pixels", "ublock_depth"}, output_block_depthwise},
};

const NpDepthwiseOps *np_depthwise_ops(NpDepthwise depthwise) {
  return depthwise >= 0 && depthwise < NP_DEPTHWISE_COUNT ? &depthwise_modes[depthwise] : NULL;
}

/* ---- shared by the kinds ---- */

static int64_t divide_by_rate(double work, double per_cycle) {
  if (work <= 0) return 0;
  if (!(per_cycle > 0)) return NP_CYCLES_CANNOT;
  double cycles = ceil(work / per_cycle);
  return cycles < 9.2e18 ? (int64_t)cycles : NP_CYCLES_OVERFLOW;
}

/* Work at the engine's throughput for its class: MACs for matrix ops, elements otherwise. */
static int64_t throughput_cycles(const NpEngine *e, const NpEngineWork *w) {
  double work = (double)(w->op_class == NP_CLASS_MATRIX ? w->macs : w->elements);
  return divide_by_rate(work, np_engine_elements_per_cycle(e, w->op_class, w->dtype));
}

static void price_by_class(const NpEngineWork *w, int64_t *macs, int64_t *elements) {
  *macs = w->op_class == NP_CLASS_MATRIX ? w->macs : 0;
  *elements = w->op_class == NP_CLASS_MATRIX ? 0 : w->elements;
}

static void lanes_throughput(NpEngine *e) {
  for (int c = 0; c < NP_ARCH_OP_CLASSES; c++) e->throughput[c] = (double)e->lanes;
}

static int64_t no_array(const NpEngine *e) {
  (void)e;
  return 0;
}

/* ---- mac_array ---- */

static const char *dataflow_key_name(int v) {
  return v >= 0 && v < NP_DATAFLOW_COUNT ? dataflows[v].name : NULL;
}

static const char *depthwise_key_name(int v) {
  return v >= 0 && v < NP_DEPTHWISE_COUNT ? depthwise_modes[v].name : NULL;
}

static const char *compute_width_key_name(int v) {
  static const char *const names[NP_COMPUTE_WIDTH_COUNT] = {"dtype", "weight_bits"};
  return v >= 0 && v < NP_COMPUTE_WIDTH_COUNT ? names[v] : NULL;
}

static int64_t engine_cores(const NpEngine *e) { return e->cores > 1 ? e->cores : 1; }

/* Base cycles of a GEMM (batch at least 1) whose sizes sizes_check let through, on one
 * array: its dataflow's formula, or its depthwise mode's for channelwise work (N = 1). */
static int64_t checked_array_cycles(const NpEngine *e, NpGemmShape g) {
  if (g.n == 1) {
    const NpDepthwiseOps *ops = np_depthwise_ops(e->depthwise);
    return ops ? ops->cycles(e, g) : NP_CYCLES_CANNOT;
  }
  const NpDataflowOps *ops = np_dataflow_ops(e->dataflow);
  return ops ? ops->cycles(e->rows, e->cols, g) : NP_CYCLES_CANNOT;
}

/* The same for any sizes: 0 or NP_CYCLES_OVERFLOW where sizes_check says so. */
static int64_t one_array_cycles(const NpEngine *e, NpGemmShape g) {
  if (g.batch <= 0) g.batch = 1;
  int64_t check = sizes_check(e->rows, e->cols, g);
  return check == 1 ? checked_array_cycles(e, g) : check;
}

/* ---- cores: one COMPUTE split across identical arrays (docs/timing.md, "Cores") ----
 * The GEMM is cut along one dim into equal shares, one per core, that run side by side; the
 * COMPUTE takes its largest share's cycles, plus core_sync_cycles when more than one core
 * had a share. Each dim that can be cut is tried (output channels N, output pixels M, the
 * channels or groups of `batch`, the reduction K), and the one that takes the fewest cycles
 * wins (the first in that order on a tie). A cut of K leaves each core partial sums of all
 * M x N x batch outputs, added up in a tree: ceil(log2(cores in use)) steps, each passing
 * the partial sums at `cols` values per cycle. SRAM banks and DRAM stay shared: the bank and
 * DMA times of the COMPUTE and its transfers are those of the whole tile. */

static int64_t ceil_log2(int64_t v) {
  int64_t steps = 0;
  while ((INT64_C(1) << steps) < v) steps++;
  return steps;
}

/* The dims a COMPUTE may be cut along, in the order they are tried. */
typedef enum CoreCut { CUT_N = 0, CUT_M, CUT_BATCH, CUT_K, CUT_COUNT } CoreCut;

static int64_t *cut_dim(NpGemmShape *g, CoreCut cut) {
  switch (cut) {
    case CUT_N: return &g->n;
    case CUT_M: return &g->m;
    case CUT_BATCH: return &g->batch;
    default: return &g->k;
  }
}

/* Base cycles of g cut along `cut` in shares of ceil(dim / cores); a cut of K adds up the
 * cores' partial sums. NP_CYCLES_OVERFLOW also for a dim of 1 (nothing to cut). `checked`:
 * the whole g passed sizes_check, so every share does (each dim at least 1 and at most the
 * whole tile's). */
static int64_t split_cycles(const NpEngine *e, NpGemmShape g, CoreCut cut, int64_t cores, bool checked) {
  int64_t *dim = cut_dim(&g, cut), whole = *dim;
  if (whole <= 1) return NP_CYCLES_OVERFLOW;
  int64_t outputs = cut == CUT_K ? product3(g.m, g.n, g.batch) : 0;
  int64_t share = np_ceil_div_i64(whole, cores), used = np_ceil_div_i64(whole, share);
  *dim = share;
  int64_t cycles = checked ? checked_array_cycles(e, g) : one_array_cycles(e, g);
  if (cycles < 0 || outputs < 0) return cycles < 0 ? cycles : outputs;
  int64_t adds = cut == CUT_K ? ceil_log2(used) * np_ceil_div_i64(outputs, e->cols) : 0;
  if (!np_add_i64(cycles, e->core_sync_cycles, &cycles) || !np_add_i64(cycles, adds, &cycles))
    return NP_CYCLES_OVERFLOW;
  return cycles;
}

/* The base cycles of g on the cores, and in *chosen the cut that gives them (-1: the whole
 * tile on one core, when there is one core or nothing can be cut). */
static int64_t cores_cycles(const NpEngine *e, NpGemmShape g, int *chosen) {
  int64_t cores = engine_cores(e);
  if (g.batch <= 0) g.batch = 1;
  *chosen = -1;
  int64_t best = one_array_cycles(e, g); /* one core, when nothing can be cut */
  if (cores == 1 || best < 0) return best;
  bool checked = sizes_check(e->rows, e->cols, g) == 1;
  for (int cut = 0; cut < CUT_COUNT; cut++) {
    int64_t cycles = split_cycles(e, g, (CoreCut)cut, cores, checked);
    if (cycles == NP_CYCLES_CANNOT) return NP_CYCLES_CANNOT;
    if (cycles >= 0 && (*chosen < 0 || cycles < best)) best = cycles, *chosen = cut;
  }
  return best;
}

static bool array_gemm(const NpEngineWork *w) {
  const NpGemmShape *g = &w->gemm;
  return w->op_class == NP_CLASS_MATRIX && g->m > 0 && g->n > 0 && g->k > 0;
}

/* A GEMM by its dataflow's formula, channelwise work (N = 1) by its depthwise mode, split
 * across the cores; other work at the class throughput. */
static int64_t array_cycles(const NpEngine *e, const NpEngineWork *w) {
  if (!array_gemm(w)) return throughput_cycles(e, w);
  double rate = e->dtype_rate[w->dtype];
  if (!(rate > 0)) return NP_CYCLES_CANNOT;
  int cut;
  int64_t base = cores_cycles(e, w->gemm, &cut);
  if (base < 0) return base;
  return divide_by_rate((double)base, rate);
}

/* Each core's share of a GEMM under the cut array_cycles takes: the shares of ceil(dim /
 * cores), the last one what is left, each at its own array cycles over the rate. The sync
 * and a K cut's adds come after them (in the COMPUTE's cycles, not a core's). */
static int array_core_shares(const NpEngine *e, const NpEngineWork *w, int64_t *cycles, int max) {
  if (!array_gemm(w)) {
    cycles[0] = throughput_cycles(e, w);
    return cycles[0] < 0 ? 0 : 1;
  }
  double rate = e->dtype_rate[w->dtype];
  NpGemmShape g = w->gemm;
  if (g.batch <= 0) g.batch = 1;
  int cut;
  int64_t base = cores_cycles(e, g, &cut);
  if (!(rate > 0) || base < 0) return 0;
  if (cut < 0) {
    cycles[0] = divide_by_rate((double)base, rate);
    return 1;
  }
  int64_t *dim = cut_dim(&g, (CoreCut)cut), whole = *dim;
  int64_t share = np_ceil_div_i64(whole, engine_cores(e)), used = np_ceil_div_i64(whole, share);
  int n = used < max ? (int)used : max;
  for (int i = 0; i < n; i++) {
    *dim = i + 1 < used ? share : whole - (used - 1) * share;
    int64_t share_base = one_array_cycles(e, g);
    cycles[i] = share_base < 0 ? share_base : divide_by_rate((double)share_base, rate);
  }
  return n;
}

static int64_t array_pes(const NpEngine *e) { return e->rows * e->cols * engine_cores(e); }

static void array_throughput(NpEngine *e) {
  for (int c = 0; c < NP_ARCH_OP_CLASSES; c++) e->throughput[c] = 0;
  e->throughput[NP_CLASS_MATRIX] = (double)array_pes(e);
}

#define ARRAY_SIDE_MAX 65536
static const NpEngineKey array_keys[] = {
    {"rows", true, 1, ARRAY_SIDE_MAX, 1, offsetof(NpEngine, rows), NULL, false},
    {"cols", true, 1, ARRAY_SIDE_MAX, 1, offsetof(NpEngine, cols), NULL, false},
    {"dataflow", false, 0, NP_DATAFLOW_COUNT - 1, NP_DATAFLOW_WS, offsetof(NpEngine, dataflow), dataflow_key_name,
     false},
    {"depthwise", false, 0, NP_DEPTHWISE_COUNT - 1, NP_DEPTHWISE_SYSTOLIC, offsetof(NpEngine, depthwise),
     depthwise_key_name, true},
    {"depthwise_lanes", false, 1, INT64_C(1) << 20, 0, offsetof(NpEngine, depthwise_lanes), NULL, true},
    {"ublock_pixels", false, 1, 4096, 0, offsetof(NpEngine, ublock_pixels), NULL, true},
    {"ublock_depth", false, 1, 4096, 0, offsetof(NpEngine, ublock_depth), NULL, true},
    {"cores", false, 1, 256, 1, offsetof(NpEngine, cores), NULL, true},
    {"core_sync_cycles", false, 0, 1000000, 0, offsetof(NpEngine, core_sync_cycles), NULL, true},
    {"compute_width", false, 0, NP_COMPUTE_WIDTH_COUNT - 1, NP_COMPUTE_DTYPE, offsetof(NpEngine, compute_width),
     compute_width_key_name, true},
};
static const char *const array_ops[] = {"matrix"};

/* ---- vector, cpu, gpu ---- */

static const NpEngineKey lane_keys[] = {
    {"lanes", true, 1, INT64_C(1) << 20, 1, offsetof(NpEngine, lanes), NULL, false},
};
static const char *const vector_ops[] = {"pool", "elementwise", "transcendental", "data_movement", "reduction", "free"};

/* A GPU: MACs per cycle for matrix ops, lanes for every other class; it runs every class
 * but opaque ops (`other`), which stay on the CPU. */
static const NpEngineKey gpu_keys[] = {
    {"lanes", true, 1, INT64_C(1) << 20, 1, offsetof(NpEngine, lanes), NULL, false},
    {"macs_per_cycle", true, 1, INT64_C(1) << 30, 1, offsetof(NpEngine, macs_per_cycle), NULL, false},
};
static const char *const gpu_ops[] = {"matrix",        "pool",      "elementwise", "transcendental",
                                      "data_movement", "reduction", "free"};

static void gpu_throughput(NpEngine *e) {
  lanes_throughput(e);
  e->throughput[NP_CLASS_MATRIX] = (double)e->macs_per_cycle;
}

#define N_OF(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* Columns: name, keys, default ops, fallback, can_read_sram, off_accelerator,
 * compiles_kernels, the functions, the energy table. */
static const NpEngineKindOps kinds[NP_ENGINE_KIND_COUNT] = {
    [NP_ENGINE_MAC_ARRAY] = {"mac_array", array_keys, N_OF(array_keys), array_ops, N_OF(array_ops), false, true,
                             false, false, array_throughput, array_cycles, array_pes, price_by_class, NP_ENERGY_TABLE_ENGINE,
                             array_core_shares},
    [NP_ENGINE_VECTOR] = {"vector", lane_keys, N_OF(lane_keys), vector_ops, N_OF(vector_ops), false, true, false,
                          false, lanes_throughput, throughput_cycles, no_array, price_by_class, NP_ENERGY_TABLE_ENGINE, NULL},
    [NP_ENGINE_CPU] = {"cpu", lane_keys, N_OF(lane_keys), NULL, 0, true, false, true, false, lanes_throughput,
                       throughput_cycles, no_array, price_by_class, NP_ENERGY_TABLE_ENGINE, NULL},
    [NP_ENGINE_GPU] = {"gpu", gpu_keys, N_OF(gpu_keys), gpu_ops, N_OF(gpu_ops), false, false, true, true,
                       gpu_throughput, throughput_cycles, no_array, price_by_class, NP_ENERGY_TABLE_GPU, NULL},
};

const NpEngineKindOps *np_engine_kind_ops(NpEngineKind kind) {
  return kind >= 0 && kind < NP_ENGINE_KIND_COUNT ? &kinds[kind] : NULL;
}

bool np_engine_off_accelerator(const NpEngine *engine) {
  const NpEngineKindOps *ops = np_engine_kind_ops(engine->kind);
  return !engine->can_read_sram || (ops != NULL && ops->off_accelerator);
}

const NpEnergyFigure *np_energy_mac_figures(const NpEnergy *energy, NpEnergyTable table) {
  return table == NP_ENERGY_TABLE_GPU ? energy->gpu_mac : energy->mac;
}

const NpEnergyFigure *np_energy_element_figures(const NpEnergy *energy, NpEnergyTable table) {
  return table == NP_ENERGY_TABLE_GPU ? energy->gpu_element : energy->element;
}

const char *np_energy_mac_key(NpEnergyTable table) { return table == NP_ENERGY_TABLE_GPU ? "gpu_mac" : "mac"; }

const char *np_energy_element_key(NpEnergyTable table) {
  return table == NP_ENERGY_TABLE_GPU ? "gpu_element" : "element";
}

NpEnergyTable np_engine_energy_table(const NpEngine *engine) {
  const NpEngineKindOps *ops = np_engine_kind_ops(engine->kind);
  return ops ? ops->energy_table : NP_ENERGY_TABLE_ENGINE;
}

int64_t np_engine_cycles(const NpEngine *engine, const NpEngineWork *work) {
  if (work->dtype <= NP_DTYPE_UNKNOWN || work->dtype >= NP_DTYPE_COUNT) return NP_CYCLES_CANNOT;
  const NpEngineKindOps *ops = np_engine_kind_ops(engine->kind);
  return ops ? ops->cycles(engine, work) : NP_CYCLES_CANNOT;
}

int np_engine_core_shares(const NpEngine *engine, const NpEngineWork *work, int64_t *cycles, int max) {
  if (work->dtype <= NP_DTYPE_UNKNOWN || work->dtype >= NP_DTYPE_COUNT || max < 1) return 0;
  const NpEngineKindOps *ops = np_engine_kind_ops(engine->kind);
  if (ops && ops->core_shares) return ops->core_shares(engine, work, cycles, max);
  int64_t whole = np_engine_cycles(engine, work);
  if (whole < 0) return 0;
  cycles[0] = whole;
  return 1;
}
