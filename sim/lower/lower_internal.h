/* Shared by the files of sim/lower; not part of the public API.
 *
 * The lowering runs in passes over one Lower context:
 *   place.c      tensors -> values (aliases of free ops resolved), ops -> layers (engine,
 *                by first fit or by the tiler's estimate on each capable engine; fused ops,
 *                fallback reason), each layer's tiling geometry
 *   tile.c       the tile search for one layer under an SRAM budget
 *   residency.c  which weights stay resident, which activations stay on chip, SRAM offsets
 *   emit.c       the command stream
 *   lower.c      np_lower() itself, DRAM layout, hashing, freeing
 */
#ifndef NPUSIM_LOWER_INTERNAL_H
#define NPUSIM_LOWER_INTERNAL_H

#include <math.h>

#include "lower/schedule.h"

#define LOWER_MAX_EXTRAS 4 /* extra streamed operands of one layer (fused adds, binary ops) */

/* A tensor as the schedule sees it: a free op's output is the same value as its input. */
typedef struct LValue {
  int tensor;            /* the root tensor (graph index) */
  NpDtype dtype;         /* effective: floating tensors take the schedule's data type */
  int64_t bytes;         /* effective bytes */
  int producer;          /* layer index; -1 for a graph input */
  int last_use;          /* last layer reading it (-1: none) */
  bool graph_output;
  bool cpu_consumer;     /* read by a layer on an engine that cannot read SRAM */
  bool sram_consumer;    /* read by a layer on an engine that can */
  bool on_chip;          /* kept in SRAM from producer to last consumer */
  bool needs_dram;       /* has a copy in DRAM (graph input/output, spilled, crossing) */
  int64_t sram_offset;   /* when on_chip */
  int64_t ring_rows;     /* > 0: a cascade's intermediate, kept on chip in a rolling buffer of
                            this many rows (row r at r mod ring_rows); 0: whole (cascade.c) */
  int64_t dram_addr;     /* when needs_dram */
  /* emission */
  int32_t ready_chip;    /* command after which it is complete in SRAM (-1: none yet) */
  int32_t ready_dram;    /* command after which it is complete in DRAM (-1: from the start) */
  int producer_engine;   /* engine of the producing layer; -1 for graph inputs */
} LValue;

typedef enum LFamily {
  FAMILY_CPU = 0, /* one COMPUTE on an engine that cannot read SRAM */
  FAMILY_WINDOW,  /* NHWC output tiles with an input window (conv, gemm, matmul, pools) */
  FAMILY_ROWS     /* output rows of a 2-D view [rows x last dim] (other vector ops) */
} LFamily;

/* One streamed or broadcast operand besides the primary input and the weights. */
typedef struct LExtra {
  int value;
  bool broadcast; /* smaller than the output: loaded once and kept */
} LExtra;

/* What the tiler needs of a layer. Window family: output batch x out_h x out_w x out_c,
 * reading in_h x in_w x in_c through a kh x kw window. Rows family: out_h = rows,
 * out_w = 1, out_c = the last dim, and the input is streamed in proportion to output rows. */
typedef struct LGeometry {
  LFamily family;
  bool matrix;
  int64_t batch, out_h, out_w, out_c;
  int64_t in_h, in_w, in_c;
  int64_t kh, kw, sh, sw, dh, dw, pad_t, pad_l;
  bool transposed;     /* ConvTranspose: input rows are those that reach the output tile */
  int64_t groups;      /* 1: every output channel reads every input channel */
  bool split_channels; /* the output channel dim may be tiled */
  int64_t in_eb, out_eb;
  int64_t in_total;    /* bytes of the primary input (0: none) */
  int64_t out_total;   /* bytes of the primary output */
  /* weights (or a MatMul's B operand), blocked by (out-channel chunk, in-channel chunk) */
  int64_t w_pair_bits; /* bits per (out channel, in channel of its group): kh*kw*(stored width) */
  int64_t w_other;     /* bias, fused ops' weights and a compressed weight's table, split by
                          output channel */
  int64_t w_total;
  bool w_batched;      /* B operand with a batch dim: one block set per batch index */
  bool w_rows_major;   /* K x N layout (gemm/matmul) rather than OHWI */
  bool w_packed;       /* constant weights the compiler packs in tile order: each block one run */
  int64_t work_total;  /* MACs (matrix) or elements, split over the tiles */
} LGeometry;

/* Bytes of `pairs` (out channel, in channel) weight pairs: a block's size rounds up, an
 * offset into the packed weights down (sub-byte widths share bytes at block edges). */
static inline int64_t lower_pair_bytes(const LGeometry *g, int64_t pairs) { return (pairs * g->w_pair_bits + 7) / 8; }
static inline int64_t lower_pair_offset(const LGeometry *g, int64_t pairs) { return pairs * g->w_pair_bits / 8; }

/* A tiling: tile sizes, loop order and what it costs. */
typedef struct LTilePlan {
  bool feasible;
  int64_t th, tw, tc, tk;
  int order;           /* 0: spatial loops outside channel loops; 1: channel loops outside */
  int64_t nr, nc, nco, nci;
  int64_t n_tiles;
  int64_t dram_bytes;  /* loads + stores this layer makes (excluding resident weights) */
  int64_t w_dram_bytes; /* the weights' share of dram_bytes */
  int64_t staging;     /* SRAM bytes of its tile buffers (aligned, double-buffered) */
  double utilization;
  int64_t commands;
  int64_t pad_waste;
  double est_cycles;   /* the cost model's estimate of the layer's time (estimate.c) */
  double est_tail;     /* of which after its last LOAD: the computes after it and the last store */
  /* buffer sizes and slot counts: input, weights, output, extras */
  int64_t buf_bytes[3 + LOWER_MAX_EXTRAS];
  int buf_slots[3 + LOWER_MAX_EXTRAS];
} LTilePlan;

enum { BUF_IN = 0, BUF_W = 1, BUF_OUT = 2, BUF_EXTRA = 3 };

/* A tile search's answer, kept for the budgets that give the very same answer: the search
 * with any budget in [lo, hi) and the same operand placement (`key`) chooses the same plan
 * (lo: the plan's own staging; hi: the least staging the search refused as over its budget). */
typedef struct LTileMemo {
  unsigned key;
  int64_t lo, hi;
  LTilePlan plan;
} LTileMemo;

#define LOWER_TILE_MEMOS 8
#define LOWER_BAND_MEMOS 32 /* a cascade's search tries up to 8 budgets for each of ~20 row tiles */

/* A layer's tile candidates and what the search needs of them that never changes (tile.c). */
typedef struct LTileSpace LTileSpace;

typedef struct LLayer {
  int op;
  int engine;
  uint64_t kernel;     /* NpLayerPlan.kernel once the first emission worked it out; 0: not yet */
  bool sram_engine;    /* the engine can read SRAM */
  NpOpClass cls;
  NpDtype dtype;
  char *reason;
  int *fused;
  int n_fused;
  int in_value;        /* primary input value (-1: none) */
  int b_value;         /* MatMul B operand value (-1: none) */
  LExtra extras[LOWER_MAX_EXTRAS];
  int n_extras;
  int *weights;        /* weight tensor indices (main weight first when there is one) */
  int n_weights;
  int64_t weight_bytes;
  bool resident;
  int out_value;       /* primary output value */
  int *other_outputs;  /* further output values (Split, ...) */
  int n_other_outputs;
  LGeometry geo;
  LTilePlan plan;
  int64_t act_base;    /* SRAM offset where its staging buffers start */
  int64_t w_base;      /* SRAM offset of its weight buffer's slots (the staging's top part) */
  bool prefetch;       /* its first weight block loads during the previous SRAM layer */
  int64_t min_staging; /* staging of the smallest tile with everything in DRAM */
  bool cascade_head;   /* runs band by band with the next layer, which reads its output from a
                          rolling buffer (cascade.c); that layer is the cascade's tail */
  bool cascade_tail;
  LTileSpace *space;   /* made at its first tile search, shared by every layer of the same
                          shape (tile.c): its candidates, compute table and recent answers */
  /* placement (place.c): how its engine was chosen, the first fit, and the estimates of
   * every capable accelerator engine when it was chosen by them */
  NpPlacedBy placed_by;
  int first_fit;
  NpPlacementEstimate *estimates;
  int n_estimates;
} LLayer;

/* The DRAM and SRAM constants the cost model's transfer formulas use, worked out once per
 * lowering (estimate.c): ticks are NP_DRAM_TICKS_PER_CYCLE a cycle. */
typedef struct LRates {
  double burst, channels, latency_ticks, burst_ticks, interval_ticks; /* bursts leave one an interval */
  double row_span, miss_ticks; /* a row of every channel; one row miss (0: no row model) */
  double bank_width, banks, ports;
  bool bus; /* the bandwidth is positive */
} LRates;

typedef struct Lower {
  const NpGraph *graph;
  const NpArch *arch;
  LRates rates;
  NpDtype dtype;
  bool warm;
  NpDiag *diag;
  int *root;             /* tensor -> root tensor (free ops alias), -1 for non-data */
  int *value_of;         /* root tensor -> value index, -1 */
  LValue *values;
  size_t n_values, values_cap;
  int *op_layer;         /* op -> layer index, -1 (free/folded/fused) */
  LLayer *layers;
  size_t n_layers, layers_cap;
  int64_t align;         /* buffer alignment: max(sram.alignment_bytes, bank width) */
  int64_t resident_bytes;
  int64_t model_weight_bytes; /* every weight tensor once, as stored */
  int64_t *weight_dram;  /* weight tensor -> DRAM address (-1) */
  int64_t *weight_sram;  /* weight tensor -> SRAM offset when resident (-1) */
  int *weight_bits;      /* tensor -> the width a weight is stored at; 0: its dtype's */
  int64_t crossings;
  struct LTileSpaces *spaces; /* tile.c: the layers' tile spaces, one per distinct shape */
  uint64_t config_hash;       /* np_schedule_config_hash(arch), for both emissions of a pair */
  bool spaces_borrowed;       /* spaces belong to an NpLowerCache, not to this lowering */
} Lower;

/* estimate.c: the cost model */

/* fmax and fmin as glibc's x86-64 ones answer (the second operand on a tie, the other one
 * when one is NaN), inline: the tile searches take thousands of them per layer, and the
 * library's are calls. */
static inline double lower_max(double a, double b) { return a > b || b != b ? a : b; }
static inline double lower_min(double a, double b) { return a < b || b != b ? a : b; }

/* One transfer's time alone (latency, bursts, row misses, the outstanding limit, its SRAM
 * side) and its data-bus time, which concurrent transfers share. */
typedef struct LTransfer {
  double cycles, bus_cycles, sram_lines;
  double bursts; /* lower_transfer's; a floor's least count */
} LTransfer;
void lower_rates(const NpArch *arch, LRates *r);
LTransfer lower_transfer(const LRates *r, double bytes, double runs);
/* A lower bound of the summed time (cycles) and bus time of `count` transfers moving `bytes`
 * in `runs` runs in all, however the bytes and runs split between them (inline: the tile
 * searches bound every group of candidates with it). Each transfer takes lat + bt +
 * (bursts - 1) x interval + its misses over the channels, with at least one burst and one
 * row miss a run and a burst per burst_bytes; the interval is at most lat + bt, so the sum
 * over transfers is at least count x (lat + bt - interval) + (all bursts) x interval + (all
 * misses) / channels. */
static inline LTransfer lower_transfers_floor(const LRates *r, double count, double bytes, double runs) {
  LTransfer t = {0, 0, 0, 0};
  if (bytes <= 0 || count <= 0 || !r->bus) return t;
  if (runs < count) runs = count;
  double bursts = lower_max(runs, bytes / r->burst), miss_ticks = runs * r->miss_ticks;
  t.cycles = (count * (r->latency_ticks + r->burst_ticks - r->interval_ticks) + bursts * r->interval_ticks +
              miss_ticks / r->channels) / NP_DRAM_TICKS_PER_CYCLE;
  t.bus_cycles = (bursts * r->burst_ticks + miss_ticks) / r->channels / NP_DRAM_TICKS_PER_CYCLE;
  t.bursts = bursts;
  t.sram_lines = bytes / r->bank_width;
  double sram = t.sram_lines / (r->banks * r->ports);
  if (sram > t.cycles) t.cycles = sram;
  return t;
}

/* The transfers of one buffer over a layer: `count` of `bytes` in all, `runs` runs each;
 * `first` and `last` are the bytes of its first and last transfer (the first and the last
 * tile's blocks). */
typedef struct LStream {
  int64_t count;
  double bytes, runs, first, last;
  bool store;
  int buf; /* the buffer it fills or empties (tile.c) */
} LStream;

typedef struct LEstimate {
  double cycles, compute, dma, sram;
  double tail; /* what follows the last LOAD: the computes after it and the last store */
} LEstimate;
/* The loop levels of the tile loop nest (tile.c): order 0 is n, r, c, co, ci; order 1 is
 * co, n, r, c, ci. */
enum { V_N = 0, V_R, V_C, V_CO, V_CI, V_COUNT };
#define LOWER_LEVELS V_COUNT
extern const int lower_loop_levels[2][LOWER_LEVELS];
/* The compute part of a tile plan (its tile sizes; not its loop order): engine or bank
 * cycles summed over the tiles, the last tile's, and the SRAM lines the tiles move.
 * group[o][d]: the cycles of the last tiles of loop order o whose loops down to level d are
 * at their last trip (every loop inside d runs through), the tiles that follow the last
 * reload of a block that changes at level d; before[o][d]: the same tiles one trip of level
 * d earlier. */
typedef struct LCompute {
  double cycles, last, lines;
  double group[2][LOWER_LEVELS], before[2][LOWER_LEVELS];
} LCompute;
/* A tile size, all the compute part reads of a candidate. */
typedef struct LTileSizes {
  int64_t th, tw, tc, tk;
} LTileSizes;
LCompute lower_estimate_compute(const Lower *L, const LLayer *ly, const LTileSizes *p);
/* Estimated cycles of layer ly whose tiles compute as `compute` and move `streams`, in plan
 * p's loop order. */
LEstimate lower_estimate_plan(const Lower *L, const LCompute *compute, const LTilePlan *p, const LStream *streams,
                              int n_streams);

/* Each layer's estimate in the emitted schedule: its plan's, plus its SYNCs and (cold) the
 * loads of its resident weights; CPU layers by their engine's formula. */
void lower_estimate_schedule(const Lower *L, NpSchedule *s);

/* place.c */
bool lower_place(Lower *L);
NpDtype lower_effective_dtype(const Lower *L, NpDtype dtype);
/* Bytes of a tensor as the accelerator stores it: in the effective dtype, and for a
 * compressed weight at its width with its table (np_weight_stored_bytes). */
int64_t lower_tensor_bytes(const Lower *L, int tensor);
/* Bits of one element of a tensor as stored: its width when compressed, else 8 x its
 * effective dtype's bytes. */
int lower_tensor_bits(const Lower *L, int tensor);
/* Sets L->weight_bits: the model's width for a weight that has one, else `fallback` for the
 * main weight of every matrix op (0: none). */
void lower_weight_widths(Lower *L, int fallback);
/* Moves a layer to the CPU fallback with `reason` (taken over). */
void lower_set_cpu(Lower *L, LLayer *ly, char *reason);

/* tile.c */
int64_t lower_align(const Lower *L, int64_t bytes);
/* The best tiling of layer ly with `budget` SRAM bytes for its buffers, given where its
 * operands are now (values' on_chip / needs_dram, the layer's `resident`). Remembers its
 * answer in its tile space, which layers of the same shape share. */
LTilePlan lower_tile(const Lower *L, LLayer *ly, int64_t budget);
/* The same with every operand in DRAM and no weights resident, whatever the values say: what
 * the first tile search of residency.c sees, so that the two share its answer. Placement
 * compares engines by it. */
LTilePlan lower_tile_in_dram(const Lower *L, LLayer *ly, int64_t budget);
/* A floor under lower_tile_in_dram's estimate at any budget: the work at the engine's peak
 * rate, and the bus time and SRAM bank time of moving every operand once (the input as far
 * as its windows reach). */
double lower_tile_floor(const Lower *L, LLayer *ly);
/* The tile spaces this lowering uses: the cache's (emptied first when its engines or SRAM
 * banks differ from L's arch, its remembered answers dropped always), or with no cache its
 * own. */
void lower_tile_spaces_open(Lower *L, NpLowerCache *cache);
void lower_tile_spaces_free(Lower *L);
/* The smallest tiling's buffers with every operand in DRAM; -1 when the layer cannot be tiled. */
int64_t lower_min_staging(const Lower *L, const LLayer *ly);
/* Input rows [first, first+count) an output-row range [r0, r1) reads. */
void lower_input_span(const LGeometry *g, bool rows, int64_t o0, int64_t o1, int64_t *first, int64_t *count);

/* The best tiling with output tiles of exactly `rows` rows whose loops run band by band
 * (the row loop outermost: loop order 0, or one output-channel tile), as a cascade needs.
 * Remembered in the tile space apart from lower_tile's answers. `rows` must be one of the
 * layer's row candidates (lower_tile_rows). */
LTilePlan lower_tile_banded(const Lower *L, LLayer *ly, int64_t budget, int64_t rows);
/* The layer's row-tile candidates, largest first; their count. */
int lower_tile_rows(const Lower *L, LLayer *ly, const int64_t **rows);

/* cascade.c */
/* Where a row of a value sits in its SRAM copy: a cascade's rolling buffer wraps. */
static inline int64_t lower_ring_row(const LValue *x, int64_t row) { return x->ring_rows > 0 ? row % x->ring_rows : row; }
/* Forms the cascades that make the network faster, once every layer is tiled (residency.c):
 * re-tiles both layers of each, moves their buffers above the rolling buffer and keeps the
 * intermediate on chip. */
void lower_cascade(Lower *L);
/* The input rows a tile of rows [r0, r0 + rc) of a cascade's tail reads end before this row
 * of its head's output: the head must have computed that many rows before it runs. */
int64_t lower_cascade_rows_needed(const LLayer *tail, int64_t r0, int64_t rc);

/* residency.c */
void lower_plan_memory(Lower *L);
/* Bytes of a layer's weight buffer slots, from w_base up (0: its weights do not stream). */
int64_t lower_weight_buffer_bytes(const Lower *L, const LLayer *ly);

/* emit.c */
void lower_emit(Lower *L, NpSchedule *s);

#endif
