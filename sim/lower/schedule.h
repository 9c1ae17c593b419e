/* Lowering: place every op on an engine, tile it in NHWC under the SRAM banks, and emit the
 * schedule: the command stream one inference executes.
 *
 * Takes: a finalized NpGraph (sim/graph/graph.h) and an NpArch (sim/arch/arch.h).
 * Gives: an NpSchedule: per-layer plans (engine, why an op left the accelerator, which ops
 * fused into it, tile sizes, weight residency, DRAM bytes, SRAM peak, array utilization) and
 * an ordered stream of LOAD / STORE / COMPUTE / SYNC commands with dependencies, for a cold
 * or a warm inference. The replay (sim/replay), the RTL harness (rtl/) and the SystemC model
 * (sim/systemc) all execute this same stream; its JSON form is versioned (docs/formats.md).
 *
 * Determinism: the same graph and arch give the same schedule, byte for byte.
 */
#ifndef NPUSIM_LOWER_SCHEDULE_H
#define NPUSIM_LOWER_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_SCHEDULE_JSON_SCHEMA "npusim.schedule/1"
#define NP_SCHEDULE_MAX_BANKS NP_ARCH_MAX_BANKS /* bank sets are 64-bit masks */
/* A schedule longer than this is refused before it is built: a command costs ~200 bytes in
 * memory, so this bounds a hostile model (a 10^12-element tensor in tiny tiles) to a few
 * hundred MB. ResNet-50 with 256 KiB of SRAM needs ~33,000. */
#define NP_SCHEDULE_MAX_COMMANDS (INT64_C(1) << 20)

typedef enum NpCmdKind { NP_CMD_LOAD = 0, NP_CMD_STORE, NP_CMD_COMPUTE, NP_CMD_SYNC } NpCmdKind;

/* What a LOAD or STORE moves. */
typedef enum NpData { NP_DATA_WEIGHT = 0, NP_DATA_ACTIVATION } NpData;

typedef struct NpCommand {
  int32_t id;             /* its index in the stream; stable for the same graph and arch */
  NpCmdKind kind;
  int32_t layer;          /* index into NpSchedule.layers */
  int32_t first_dep;      /* deps[first_dep .. first_dep + n_deps): ids of earlier commands */
  int32_t n_deps;

  /* LOAD (DRAM -> SRAM) and STORE (SRAM -> DRAM) */
  NpData data;
  int64_t bytes;
  int64_t dram_addr;      /* byte address in the flat DRAM image (docs/lowering.md) */
  int64_t dram_runs;      /* contiguous DRAM runs the transfer is made of (1 for one block;
                             an NHWC tile narrower than the tensor has one run per row) */
  int64_t sram_offset;    /* byte address in the SRAM (banks interleaved by bank width) */
  uint64_t banks;         /* SRAM banks written (LOAD) or read (STORE): bit i = bank i */
  bool prefetch;          /* a weight LOAD issued before its layer starts, while the previous
                             accelerator layer still runs (docs/lowering.md, "Prefetch") */

  /* COMPUTE */
  int32_t engine;         /* index into NpArch.engines */
  NpOpClass op_class;
  NpDtype dtype;          /* the data type the engine computes in */
  int64_t tile_rows, tile_cols, tile_channels, tile_in_channels; /* NHWC output tile, input-channel chunk */
  NpGemmShape gemm;       /* matrix ops on a mac_array; zero otherwise */
  int64_t macs;           /* matrix ops */
  int64_t elements;       /* vector-class ops: output elements processed */
  int64_t sram_read_bytes, sram_write_bytes;
  uint64_t banks_read, banks_written;
  int64_t dram_read_bytes, dram_write_bytes; /* added: COMPUTE on an engine that cannot read the
                             SRAM (CPU fallback) reads its operands from and writes its result
                             to DRAM directly; 0 for engines that read the SRAM */

  /* SYNC (handoff from one engine to another) */
  int32_t from_engine, to_engine;
} NpCommand;

/* How placement chose a layer's engine (docs/lowering.md, "Placement"). */
typedef enum NpPlacedBy {
  NP_PLACED_ONLY = 0,   /* one accelerator engine accepts the op */
  NP_PLACED_ESTIMATE,   /* several do: the one of least estimated time (placement_choice: least_time) */
  NP_PLACED_FIRST_FIT,  /* several do: the first in placement order (placement_choice: first_fit) */
  NP_PLACED_FALLBACK,   /* off the accelerator (fallback_reason says why) */
  NP_PLACED_BY_COUNT
} NpPlacedBy;
const char *np_placed_by_name(NpPlacedBy by); /* "only", "estimate", "first_fit", "fallback" */

/* One capable engine's estimate for a layer, as placement compared them: the cost model's
 * cycles for the layer tiled on it (every operand in DRAM, the whole SRAM for its buffers),
 * of which `sync_cycles` are the SYNCs from its producers' engines, and `unfused_cycles` the
 * layers of their own that the elementwise ops another candidate fuses take after it on an
 * engine that does not fuse them; INFINITY when no tile fits. With `floor`, `cycles` is only
 * a lower bound (its work at the engine's peak rate, or every operand's bytes moved once),
 * which already lost to an earlier engine's estimate, so the layer was not tiled there. */
typedef struct NpPlacementEstimate {
  int32_t engine;
  bool floor;
  double cycles;
  double sync_cycles;
  double unfused_cycles;
} NpPlacementEstimate;

typedef struct NpLayerPlan {
  int32_t op;               /* graph op index (the layer's main op) */
  int32_t engine;           /* index into NpArch.engines */
  bool on_accelerator;      /* false: fell back to a cpu engine (whatever its SRAM access) or to
                               an engine that cannot read the SRAM */
  char *fallback_reason;    /* why it left the accelerator (NULL when it did not), e.g.
                               "Conv 'stage3.conv2': dilation 4 exceeds npu.max_dilation 2" */
  uint64_t kernel;          /* the kernel it runs, as a hash of its ops' kinds, attributes and
                               tensor shapes and its compute type: layers with equal values run
                               one kernel (a GPU compiles it once, docs/timing.md "Cold start") */
  int32_t *fused_ops;       /* graph op indices fused into this layer */
  int32_t n_fused;
  /* Tiling (accelerator layers): output tile and input-channel chunk, and the tile count. */
  int64_t tile_rows, tile_cols, tile_channels, tile_in_channels;
  int64_t n_tiles;
  double array_utilization; /* MACs / (PE-cycles the tiles occupy), planned; 0 off arrays */
  int64_t pad_waste_bytes;  /* SRAM bytes lost to channels that do not fill a bank line */
  int64_t weight_bytes;     /* as stored: compressed weights at their width, with their table */
  int32_t weight_bits;      /* the width its main weight is stored at; 0: its dtype's */
  bool weights_resident;    /* kept in SRAM across inferences */
  bool weights_packed;      /* the DRAM copy is packed in the order the tiles read it: blocks of
                               (output-channel tile x input-channel chunk), each contiguous */
  int64_t dram_read_bytes, dram_write_bytes; /* this schedule's (cold or warm) */
  int64_t sram_peak_bytes;  /* highest SRAM use while this layer runs */
  int32_t first_cmd, n_cmds;
  /* Added. */
  char *name;               /* the main op's name (owned) */
  NpOpClass op_class;       /* the class the engine runs it as */
  int32_t loop_order;       /* 0: spatial tiles outside channel chunks; 1: channel chunks outside */
  int64_t staging_bytes;    /* SRAM bytes of its tile buffers (aligned, double-buffered) */
  int64_t sram_base;        /* where its tile buffers start in the SRAM */
  int64_t planned_dram_bytes; /* the tiler's count of its loads and stores: equals
                               dram_read + dram_write less cold resident-weight loads */
  double est_cycles;        /* the cost model's estimate of the layer's span (docs/lowering.md,
                               "Cost model"): what the lowering chose its plan by */
  int64_t prefetch_bytes;   /* weight bytes its prefetch LOADs bring in during the previous layer */
  /* Placement: how the engine was chosen, the first engine in placement order that accepts
   * the op, and (placed by estimate) every capable accelerator engine's estimate in placement
   * order (owned; NULL when there are none). */
  NpPlacedBy placed_by;
  int32_t first_fit_engine;
  NpPlacementEstimate *placement_estimates;
  int32_t n_placement_estimates;
  /* Cascading (docs/lowering.md, "Cascading"): this layer's output goes, band by band, to the
   * next layer through a rolling SRAM buffer and never to DRAM; the two layers' commands
   * interleave, each range [first_cmd, first_cmd + n_cmds) holding some of the other's. */
  int32_t cascade_into;     /* the layer it cascades into (the next one); -1: none */
  int64_t cascade_band_rows; /* that layer's output rows per band */
  int64_t cascade_buffer_bytes; /* the rolling buffer's SRAM bytes (from sram_base of this layer's
                               cascade: rows of its output) */
} NpLayerPlan;

/* What one lowering works out about its layers' tile spaces that the next lowering of the
 * same engines and SRAM banks can reuse: the candidate tile sizes of every layer shape and
 * their compute cycles. A sweep lowers the same model hundreds of times on configs that
 * differ in a few keys; with one cache per thread, a point whose engines and banks match the
 * previous point's starts from those tables. The answers are the same with or without it
 * (the tables are pure functions of the shape, the engine and the banks, and the searches'
 * remembered answers are dropped at every lowering, so nothing depends on which points came
 * before). Not thread-safe: one per thread. */
typedef struct NpLowerCache NpLowerCache;
NpLowerCache *np_lower_cache_new(void);
void np_lower_cache_free(NpLowerCache *cache);

typedef struct NpLowerOptions {
  bool warm;                /* a warm inference: resident weights are already in SRAM */
  NpDtype dtype;            /* compute data type; NP_DTYPE_UNKNOWN: the arch's default */
  int weight_bits;          /* width the matrix ops' weights are stored at (8, 6, 4, 2) unless
                               the model gives one (NpTensor.storage_bits); 0: their dtype's */
  NpLowerCache *cache;      /* may be NULL: tables kept from earlier lowerings (above) */
} NpLowerOptions;

typedef struct NpSchedule {
  bool warm;
  NpDtype dtype;
  int weight_bits;                  /* NpLowerOptions.weight_bits */
  NpLayerPlan *layers;
  size_t n_layers;
  NpCommand *cmds;
  size_t n_cmds;
  int32_t *deps;
  size_t n_deps;
  int64_t sram_capacity_bytes;
  int64_t sram_peak_bytes;          /* never above capacity */
  int64_t resident_weight_bytes;
  int64_t model_weight_bytes;       /* every weight tensor once, as stored: what a first launch
                                       reads from flash */
  int64_t crossings;                /* tensors that crossed between SRAM and non-SRAM engines */
  int64_t fallback_ops;
  int64_t dram_read_bytes, dram_write_bytes;
  uint64_t hash;                    /* of the command stream (trace headers) */
  /* Added. */
  char config_name[NP_ARCH_NAME_MAX]; /* NpArch.name */
  uint64_t config_hash;             /* FNV-1a 64 of np_arch_to_yaml(arch) */
  int64_t syncs;                    /* SYNC commands */
  double est_cycles;                /* the cost model's estimate: its layers' estimates summed,
                                       and the fixed costs (docs/timing.md, "Fixed costs") */
  int64_t prefetch_bytes;           /* weight bytes prefetched during earlier layers, summed */
  char engine_names[NP_ARCH_MAX_ENGINES][NP_ARCH_NAME_MAX]; /* NpArch.engines[i].name */
  int n_engines;
} NpSchedule;

/* Lowers graph onto arch. Returns false with errors in diag (an op no engine, not even the
 * CPU fallback, can run; a layer no tiling fits is not an error: it falls back, with that
 * reason). */
bool np_lower(const NpGraph *graph, const NpArch *arch, const NpLowerOptions *options, NpSchedule *out,
              NpDiag *diag);
/* The cold and the warm schedule at once (options->warm is ignored): byte for byte what two
 * np_lower calls give, for half the planning, since they differ only in the command stream.
 * On failure both are empty. */
bool np_lower_pair(const NpGraph *graph, const NpArch *arch, const NpLowerOptions *options, NpSchedule *cold,
                   NpSchedule *warm, NpDiag *diag);
void np_schedule_free(NpSchedule *schedule);

/* The ids command `cmd` waits for (NULL when it waits for none: a schedule without any
 * dependency has no dep list, and NULL + 0 is undefined). */
static inline const int32_t *np_command_deps(const NpSchedule *s, const NpCommand *cmd) {
  return cmd->n_deps > 0 ? s->deps + cmd->first_dep : NULL;
}

const char *np_cmd_kind_name(NpCmdKind kind); /* "LOAD", "STORE", "COMPUTE", "SYNC" */

/* ---- added: JSON form (docs/formats.md, "Schedule") ---- */

/* FNV-1a 64-bit hash of bytes (config and schedule hashes use it). */
uint64_t np_schedule_fnv1a(const void *data, size_t len, uint64_t seed);
#define NP_FNV1A_SEED UINT64_C(0xcbf29ce484222325)

/* The schedule as JSON text (schema NP_SCHEDULE_JSON_SCHEMA), malloc'd; free it. graph
 * (may be NULL) supplies op names for fused ops and the model name. Deterministic. */
char *np_schedule_to_json(const NpSchedule *schedule, const NpGraph *graph);
/* Reads what np_schedule_to_json wrote. On failure returns false with an error naming
 * `source` and the JSON path at fault in diag; *out is then empty. */
bool np_schedule_from_json(const char *text, size_t len, const char *source, NpSchedule *out, NpDiag *diag);
/* Checks the stream's structure: ids equal positions, kinds known, every command's layer in
 * [0, n_layers), deps inside the dep list and pointing backwards, engines below n_engines.
 * The one structural check: the JSON reader, the RTL harness and the replay all run it. False
 * with the first problem in diag, naming `source` (the file it came from; NULL: "schedule")
 * and the command. */
bool np_schedule_check(const NpSchedule *schedule, int n_engines, const char *source, NpDiag *diag);
/* Adds "SOURCE: error: command ID (KIND, layer L 'op'): <message>" to diag, the form every
 * schedule check's errors take (source NULL: "schedule"; the op's name when the layer has one);
 * returns false. */
bool np_schedule_command_error(NpDiag *diag, const char *source, const NpSchedule *schedule, const NpCommand *c,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The config_hash np_lower() gives a schedule lowered for arch: FNV-1a 64 of np_arch_to_yaml. */
uint64_t np_schedule_config_hash(const NpArch *arch);
/* The maximal runs of layers on engines off the accelerator (cpu, gpu) in a schedule that has
 * some layer on it: each is a cut where the graph leaves the accelerator and comes back, and
 * pays fixed_costs.per_segment. */
int64_t np_schedule_accelerator_cuts(const NpSchedule *schedule, const NpArch *arch);
/* A schedule read from `source` must have been lowered for arch (the same config name and
 * hash): its tiles, banks and engines were chosen for that config only. False with both
 * names and hashes in diag. */
bool np_schedule_check_config(const NpSchedule *schedule, const NpArch *arch, const char *source, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
