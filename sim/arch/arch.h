/* Arch: the accelerator description, loaded from a YAML config.
 *
 * Takes: a config (a file, text, or the phone-NPU default compiled into the binary) and any
 * `--set key.path=value` overrides. Gives: a checked NpArch, plain data with fixed-size
 * arrays (copy it with `=`), that the lowering and the replay read; or every error in the
 * input, each as "file:line:col: error: ..." with the source line and a caret (or
 * "--set k=v: error: ..." for an override), in an NpDiag. np_arch_to_yaml() writes an NpArch
 * back as YAML that loads to the same NpArch. docs/config.md documents every key.
 *
 * Units. All times are in accelerator clock cycles; sizes in bytes; energy in pJ; power in mW.
 * DRAM bandwidth is kept as written (GB/s, decimal) and converted to bytes per cycle at the
 * clock (dram.bytes_per_cycle). Engine throughputs are per accelerator cycle, whatever clock
 * the engine really runs at (a CPU at 3 GHz next to a 1 GHz NPU does 3x its per-clock work
 * in one NPU cycle: write that).
 */
#ifndef NPUSIM_ARCH_ARCH_H
#define NPUSIM_ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_ARCH_MAX_ENGINES 16
#define NP_ARCH_MAX_BANKS 64       /* sram.banks: a schedule names a command's banks in a 64-bit mask */
#define NP_ARCH_NAME_MAX 32        /* engine and config names, with the NUL */
#define NP_ARCH_TEXT_MAX 256       /* description, energy sources, origin, with the NUL */
#define NP_ARCH_MAX_RULE_OPS 48    /* entries in one engine's rules.ops list */
#define NP_ARCH_OP_CLASSES (NP_CLASS_OTHER + 1)
#define NP_ARCH_MAX_FILE_BYTES (1 << 20) /* a config file larger than this is refused */

typedef enum NpEngineKind {
  NP_ENGINE_MAC_ARRAY = 0,
  NP_ENGINE_VECTOR,
  NP_ENGINE_CPU,
  NP_ENGINE_GPU,
  NP_ENGINE_KIND_COUNT
} NpEngineKind;

/* Systolic-array dataflow: weight-, output- or input-stationary (SCALE-Sim's ws/os/is). */
typedef enum NpDataflow { NP_DATAFLOW_WS = 0, NP_DATAFLOW_OS, NP_DATAFLOW_IS, NP_DATAFLOW_COUNT } NpDataflow;

/* How a mac_array runs channelwise work: a GEMM with N = 1, which is what a depthwise conv tile
 * is (`batch` channels, each an M x K by K x 1 product). docs/timing.md, "Depthwise". */
typedef enum NpDepthwise {
  NP_DEPTHWISE_SYSTOLIC = 0, /* as any GEMM, by the dataflow: one column of the array in use */
  NP_DEPTHWISE_CHANNELWISE,  /* channels across the columns, output pixels down the rows */
  NP_DEPTHWISE_SIMD,         /* channels across depthwise_lanes SIMD lanes, one MAC per lane */
  NP_DEPTHWISE_OUTPUT_BLOCK, /* Ethos-U: output micro-blocks, 4 kernel taps per step (Vela) */
  NP_DEPTHWISE_COUNT
} NpDepthwise;

/* What width a mac_array's matrix ops compute at: the op's data type, or (for a weight stored
 * at 8 bits, NpTensor.storage_bits or --weight-bits) int8 when the engine computes int8: weight
 * and activations at its int8 rate. docs/timing.md, "Compressed weights". */
typedef enum NpComputeWidth {
  NP_COMPUTE_DTYPE = 0,    /* weights expand to the op's dtype as they are read */
  NP_COMPUTE_WEIGHT_BITS,  /* 8-bit weights compute in int8 */
  NP_COMPUTE_WIDTH_COUNT
} NpComputeWidth;

/* How placement picks among the accelerator engines whose rules accept an op (config
 * `placement_choice`; docs/lowering.md, "Placement"). */
typedef enum NpPlacementChoice {
  NP_PLACEMENT_LEAST_TIME = 0, /* the one of least estimated time; ties to placement order */
  NP_PLACEMENT_FIRST_FIT,      /* the first in placement order */
  NP_PLACEMENT_CHOICE_COUNT
} NpPlacementChoice;

/* The matrix view of a COMPUTE tile on a MAC array, as the published systolic-array model
 * (SCALE-Sim) takes it: `batch` independent GEMMs of an M x K by K x N product (a depthwise
 * conv tile is `channels` GEMMs with N = 1). For a conv tile: M = output pixels of the tile,
 * N = output channels of the tile, K = kernel_h * kernel_w * input-channel chunk. */
typedef struct NpGemmShape {
  int64_t m, n, k, batch;
} NpGemmShape;

/* What an engine accepts. A limit of 0 means "no limit" (the key was not given). */
typedef struct NpEngineRules {
  bool accepts[NP_OP_KIND_COUNT];            /* resolved from ops[] */
  char ops[NP_ARCH_MAX_RULE_OPS][NP_ARCH_NAME_MAX]; /* as written: ONNX op types or class names */
  int n_ops;
  int64_t max_kernel_h, max_kernel_w;
  int64_t max_stride;   /* either spatial direction */
  int64_t max_dilation; /* either spatial direction */
  int64_t max_channels; /* input and output channels of the op */
} NpEngineRules;

typedef struct NpEngine {
  char name[NP_ARCH_NAME_MAX];
  NpEngineKind kind;
  int64_t rows, cols;       /* mac_array: the PE grid; 0 for other kinds */
  NpDataflow dataflow;      /* mac_array */
  NpDepthwise depthwise;    /* mac_array: how it runs channelwise work */
  int64_t depthwise_lanes;  /* mac_array with depthwise simd: its lanes; 0 otherwise */
  int64_t ublock_pixels, ublock_depth; /* mac_array with depthwise output_block: the output
                               micro-block (width x height pixels, channels); 0 otherwise */
  int64_t cores;            /* mac_array: identical rows x cols arrays a COMPUTE is split across
                               (docs/timing.md, "Cores"); 1 (or 0, read as 1) for one array */
  int64_t core_sync_cycles; /* mac_array: cycles a COMPUTE split over more than one core adds
                               for the cores to finish together */
  NpComputeWidth compute_width; /* mac_array: the width its matrix ops compute at */
  int64_t lanes;            /* vector, cpu, gpu: elements per cycle at rate 1; 0 for mac_array */
  int64_t macs_per_cycle;   /* gpu: MACs per cycle of matrix ops at rate 1; 0 for other kinds */
  /* Per data type: the rate multiplier (MACs or elements per cycle x this); 0 when the engine
   * does not compute in that type. Index by NpDtype. */
  double dtype_rate[NP_DTYPE_COUNT];
  /* Per op class (index by NpOpClass), at rate 1: elements per cycle, or MACs per cycle for
   * NP_CLASS_MATRIX. 0 when the engine cannot run that class. A mac_array's matrix entry is
   * rows x cols. */
  double throughput[NP_ARCH_OP_CLASSES];
  bool throughput_given[NP_ARCH_OP_CLASSES]; /* written in the file (not from lanes) */
  bool can_read_sram;     /* false: tensors reach it through DRAM (see sync.through_dram) */
  bool fuse_activations;  /* elementwise ops after a matrix op fuse into it */
  bool has_rules;         /* false for cpu engines: they accept every op */
  NpEngineRules rules;
} NpEngine;

typedef struct NpSram {
  int64_t capacity_bytes;
  int64_t banks;
  int64_t bank_width_bytes; /* bytes one access of one bank moves (a power of two) */
  int64_t bank_bytes;       /* derived: capacity_bytes / banks */
  int64_t bank_depth;       /* derived: bank_bytes / bank_width_bytes (rows per bank) */
  int64_t ports_per_bank;   /* accesses per bank per cycle */
  int64_t alignment_bytes;  /* buffers start at multiples of this (a power of two) */
  bool weights_resident;    /* weights may stay in the SRAM across inferences; when false every
                               inference reads them from DRAM again */
  bool cascade;             /* the lowering may run two layers band by band, their intermediate
                               in a rolling SRAM buffer (docs/lowering.md, "Cascading") */
} NpSram;

typedef struct NpDram {
  double bandwidth_gb_per_s; /* as written, 1 GB = 1e9 bytes */
  double bytes_per_cycle;    /* derived: bandwidth at the accelerator clock */
  int64_t burst_bytes;
  int64_t latency_cycles;    /* request to first data */
  int64_t channels;
  int64_t max_outstanding_bursts;
  int64_t row_bytes;         /* 0: no row-buffer model */
  int64_t row_miss_cycles;   /* extra cycles for a burst that opens a new row */
} NpDram;

typedef struct NpSync {
  int64_t cycles[NP_ENGINE_KIND_COUNT][NP_ENGINE_KIND_COUNT]; /* [from kind][to kind] */
  /* A tensor crossing between an engine that can read the SRAM and one that cannot is
   * stored to DRAM and loaded back. */
  bool through_dram;
} NpSync;

/* One sourced number (an energy, or a fixed cost's time) with where it comes from. `given`
 * is false when the config has none. */
typedef struct NpEnergyFigure {
  bool given;
  double value;                  /* pJ, pJ per byte, mW, us or GB/s: the unit its key names, as written */
  char source[NP_ARCH_TEXT_MAX]; /* a paper, a datasheet, or "assumption" */
  int64_t node_nm;               /* technology node the number belongs to (energies only) */
  double vdd;                    /* supply voltage the number belongs to; 0 when not given */
  double at_node;                /* derived: the number at the part's node (energy.node): value
                                    scaled when vdd is given, value otherwise. What is priced. */
} NpEnergyFigure;

/* The node and supply voltage the part is built at, to which energies per event that give
 * their own node_nm and vdd are scaled (docs/timing.md, "Node scaling"). */
typedef struct NpEnergyNode {
  bool given;
  int64_t nm;
  double vdd;
  char source[NP_ARCH_TEXT_MAX];
} NpEnergyNode;

/* Which figures price an engine's MACs and elements (its kind's row says): the accelerator's
 * `mac` and `element`, or a GPU's `gpu_mac` and `gpu_element`. */
typedef enum NpEnergyTable { NP_ENERGY_TABLE_ENGINE = 0, NP_ENERGY_TABLE_GPU, NP_ENERGY_TABLE_COUNT } NpEnergyTable;

typedef struct NpEnergy {
  NpEnergyNode node;
  NpEnergyFigure mac[NP_DTYPE_COUNT];     /* pJ per MAC, by data type */
  NpEnergyFigure element[NP_DTYPE_COUNT]; /* pJ per element on a vector/cpu engine */
  NpEnergyFigure gpu_mac[NP_DTYPE_COUNT];     /* pJ per MAC on a gpu engine */
  NpEnergyFigure gpu_element[NP_DTYPE_COUNT]; /* pJ per element on a gpu engine */
  NpEnergyFigure sram_read, sram_write;   /* pJ per byte */
  NpEnergyFigure dram_read, dram_write;   /* pJ per byte */
  NpEnergyFigure sync;                    /* pJ per SYNC */
  NpEnergyFigure sram_static;             /* mW */
  NpEnergyFigure engine_static[NP_ARCH_MAX_ENGINES]; /* mW, by engine index */
} NpEnergy;

/* Time outside the command stream (docs/timing.md, "Fixed costs"), in us. */
typedef struct NpFixedCosts {
  NpEnergyFigure per_inference; /* every inference: host dispatch, link round trip */
  NpEnergyFigure per_segment;   /* each time the graph leaves the accelerator for a fallback engine */
  NpEnergyFigure per_program;   /* once, in the cold inference: loading the compiled program */
} NpFixedCosts;

/* A model's first launch before its first inference (docs/timing.md, "Cold start"). */
typedef struct NpColdStart {
  NpEnergyFigure storage_read;        /* GB/s: reading the weights from flash */
  NpEnergyFigure compile_per_op;      /* us per op the on-device compiler lowers */
  NpEnergyFigure compile_per_program; /* us once per model: the compiler's fixed part */
  NpEnergyFigure compile_per_kernel;  /* us per distinct kernel on an engine whose kind compiles
                                         kernels (a GPU's shaders) */
} NpColdStart;

/* The die's lumped thermal model and its DVFS table (docs/timing.md, "Sustained runs"). */
#define NP_ARCH_MAX_DVFS 16
typedef struct NpThermal {
  bool given;                     /* the config has a thermal section */
  NpEnergyFigure resistance;      /* C per W, die to ambient */
  NpEnergyFigure capacitance;     /* J per C */
  NpEnergyFigure ambient;         /* C */
  NpEnergyFigure throttle;        /* C: above it the clock steps down */
  NpEnergyFigure hysteresis;      /* C: the clock steps back up below throttle - this (0 when absent) */
  NpEnergyFigure other_power;     /* W the rest of the device draws into the same thermal mass (0 when absent) */
  double dvfs_mhz[NP_ARCH_MAX_DVFS];   /* clock steps, highest first (strictly falling) */
  double dvfs_volts[NP_ARCH_MAX_DVFS]; /* their supply voltages; 0 when the table gives none */
  int n_dvfs;
  char dvfs_source[NP_ARCH_TEXT_MAX];
} NpThermal;
/* Silicon area figures (docs/config.md, "area"), each at its node_nm and scaled to
 * energy.node when that is given. */
typedef struct NpArea {
  NpEnergyFigure mac;         /* um2 per PE (MAC) of a mac_array, every core's */
  NpEnergyFigure vector_lane; /* um2 per lane of a vector engine */
  NpEnergyFigure sram;        /* um2 per KiB of SRAM capacity, macro overheads included */
  NpEnergyFigure fixed;       /* mm2: DMA, sequencer and the rest that does not scale with size */
} NpArea;

typedef struct NpArch {
  char name[NP_ARCH_NAME_MAX];
  char description[NP_ARCH_TEXT_MAX];
  char origin[NP_ARCH_TEXT_MAX]; /* where it came from (file or "<embedded phone-npu.yaml>") */
  double clock_mhz;
  /* Data types the accelerator knows, in file order, with their sizes (dtype_bytes is 0 for
   * a type not listed). */
  NpDtype data_types[NP_DTYPE_COUNT];
  int n_data_types;
  int dtype_bytes[NP_DTYPE_COUNT];
  NpDtype default_dtype; /* what float models run in unless a command says otherwise */
  NpEngine engines[NP_ARCH_MAX_ENGINES];
  int n_engines;
  int fallback_engine;   /* index of the first cpu engine in placement order (there always is one) */
  /* The engines placement offers each op to, in order (config `placement`; without it every
   * engine in file order). An engine not in the list runs nothing. */
  int placement[NP_ARCH_MAX_ENGINES];
  int n_placement;
  bool placement_given;  /* the config has a placement list (written back by np_arch_to_yaml) */
  NpPlacementChoice placement_choice; /* among the accelerator engines that accept an op */
  NpSram sram;
  NpDram dram;
  NpSync sync;
  NpEnergy energy;
  NpFixedCosts fixed;
  NpColdStart cold_start;
  NpThermal thermal;
  NpArea area;
} NpArch;

/* ---- loading ---- */

/* Each loader fills *arch (zeroed first) and returns true, or returns false with every error
 * in diag. `sets` are "key.path=value" overrides applied in order on top of the config. */
bool np_arch_load_text(const char *text, size_t len, const char *source_name, const char *const *sets,
                       size_t n_sets, NpArch *arch, NpDiag *diag);
bool np_arch_load_file(const char *path, const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag);
/* The embedded configs/phone-npu.yaml, source name NP_ARCH_DEFAULT_SOURCE. */
bool np_arch_load_default(const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag);
#define NP_ARCH_DEFAULT_SOURCE "<embedded phone-npu.yaml>"
/* The bytes of the embedded default config (NUL-terminated), and their count. */
const char *np_arch_default_text(size_t *len);

/* Config texts parsed once for one thread that loads them many times with different sets (a
 * sweep worker's points): np_arch_load_parsed gives what np_arch_load_text gives, errors and
 * their positions included, and parses a text only the first time the cache sees it, working
 * on a copy of that document after. One cache per thread: documents and their copies share
 * libfyaml's token references, which are not counted atomically. Keeps a few texts (the
 * caller keeps them alive while the cache lives); a text that does not parse is not kept. */
typedef struct NpArchParseCache NpArchParseCache;
NpArchParseCache *np_arch_parse_cache_new(void);
void np_arch_parse_cache_free(NpArchParseCache *cache);
bool np_arch_load_parsed(NpArchParseCache *cache, const char *text, size_t len, const char *source_name,
                         const char *const *sets, size_t n_sets, NpArch *arch, NpDiag *diag);

/* ---- writing ---- */

/* The config as YAML (malloc'd; free it): every key, defaults included, in a fixed order,
 * so that equal NpArch values give equal bytes and the text loads back to the same NpArch. */
char *np_arch_to_yaml(const NpArch *arch);
/* True when a and b describe the same accelerator (all fields but `origin`). */
bool np_arch_same(const NpArch *a, const NpArch *b);

/* ---- queries ---- */

const char *np_engine_kind_name(NpEngineKind kind); /* "mac_array", "vector", "cpu", "gpu" */
/* True when the engine's ops are off the accelerator: its kind says so (cpu, gpu) or it
 * cannot read the SRAM. Reports count them as fallbacks. */
bool np_engine_off_accelerator(const NpEngine *engine);
const char *np_dataflow_name(NpDataflow dataflow);   /* "ws", "os", "is" */
const char *np_depthwise_name(NpDepthwise depthwise); /* "systolic", "channelwise", ... */
const char *np_placement_choice_name(NpPlacementChoice choice); /* "least_time", "first_fit" */
const char *np_op_class_name(NpOpClass cls);         /* "matrix", "pool", ... as in configs */
int np_arch_find_engine(const NpArch *arch, const char *name); /* index, or -1 */
/* MACs per cycle of a matrix op in dtype (0 when the engine lacks the type or the class). */
double np_engine_macs_per_cycle(const NpEngine *engine, NpDtype dtype);
/* Elements (MACs for NP_CLASS_MATRIX) per cycle of an op of class cls in dtype. */
double np_engine_elements_per_cycle(const NpEngine *engine, NpOpClass cls, NpDtype dtype);
/* Stillmaker and Baas's energy per operation at a node and supply voltage, relative (their
 * fitted polynomial in vdd; sim/arch/node.c). Nodes below 7 nm take 7 nm's polynomial, above
 * 130 nm 130 nm's; between the table's nodes the energy is interpolated linearly in nm. */
double np_node_energy(int64_t nm, double vdd);
/* Moves the accelerator's clock to mhz (> 0) and what follows from it (DRAM bytes per
 * cycle); a DVFS step. */
void np_arch_set_clock(NpArch *arch, double mhz);
/* Stillmaker and Baas's area of a layout at a node relative to 45 nm (sim/arch/node.c), with
 * the same bounds and interpolation as np_node_energy. */
double np_node_area(int64_t nm);
/* The accelerator's silicon area in mm2 from its area figures (docs/config.md, "area"): the
 * mac_arrays' PEs, the vector engines' lanes, the SRAM and the fixed part, each at the part's
 * node; cpu engines are the host's and not counted. 0 when the config gives no area figure. */
double np_arch_area_mm2(const NpArch *arch);
/* A fixed cost in cycles at the clock: us x clock_mhz to the nearest cycle; 0 when not given. */
int64_t np_arch_fixed_cycles(const NpArch *arch, const NpEnergyFigure *cost);

/* ---- engine kinds and dataflows: one row each (sim/arch/kinds.c) ----
 * Everything that varies by kind or dataflow is read from these rows: the config keys, what
 * the kind runs unless its rules say otherwise, its cycles formula, its array size, and how
 * its work is priced. docs/hacking.md says how to add a row. */

#define NP_CYCLES_CANNOT (-1)   /* the engine cannot run the work (no throughput or rate) */
#define NP_CYCLES_OVERFLOW (-2) /* the cycle count does not fit in 64 bits */

/* One COMPUTE as an engine sees it. */
typedef struct NpEngineWork {
  NpOpClass op_class;
  NpDtype dtype;
  NpGemmShape gemm; /* matrix ops on a mac_array; zero otherwise */
  int64_t macs;     /* matrix ops */
  int64_t elements; /* other ops: output elements */
} NpEngineWork;

/* A whole-number or named config key that only engines of some kinds take. It fills the
 * int64_t (or, with names, the enum) field at `offset` in NpEngine. */
typedef struct NpEngineKey {
  const char *name;
  bool required;
  int64_t min, max, fallback;  /* range; the value that stands in for a bad or absent one */
  size_t offset;
  const char *(*name_of)(int value); /* an enum's names (value 0, 1, ... until NULL); NULL: a number */
  bool omit_default; /* np_arch_to_yaml leaves it out when it holds its fallback */
} NpEngineKey;

typedef struct NpEngineKindOps {
  const char *name; /* as configs write it */
  const NpEngineKey *keys; /* the keys only this kind takes, in the order np_arch_to_yaml writes them */
  int n_keys;
  const char *const *default_ops; /* rules.ops when the config gives none */
  int n_default_ops;
  bool fallback;      /* runs every op, takes no rules; the first one is the CPU fallback */
  bool can_read_sram; /* the default of can_read_sram */
  bool off_accelerator; /* its ops count as off the accelerator (fallbacks), whatever its SRAM access */
  bool compiles_kernels; /* a first launch compiles one kernel per distinct op it runs
                            (cold_start.compile_per_kernel) */
  /* throughput[] before the config's throughput map: per class, elements per cycle at rate 1. */
  void (*default_throughput)(NpEngine *engine);
  /* Engine cycles of the work; NP_CYCLES_CANNOT or NP_CYCLES_OVERFLOW. */
  int64_t (*cycles)(const NpEngine *engine, const NpEngineWork *work);
  /* PEs of its arrays, all cores (MACs per cycle at rate 1), for utilization; 0: not an array. */
  int64_t (*array_pes)(const NpEngine *engine);
  /* How its work is priced: MACs at mac[dtype], elements at element[dtype] of its table. */
  void (*priced_work)(const NpEngineWork *work, int64_t *macs, int64_t *elements);
  NpEnergyTable energy_table;
  /* Kinds with cores: how a COMPUTE spreads over them (np_engine_core_shares); NULL: one unit. */
  int (*core_shares)(const NpEngine *engine, const NpEngineWork *work, int64_t *cycles, int max);
} NpEngineKindOps;

typedef struct NpDataflowOps {
  const char *name; /* as configs write it */
  /* Base cycles (before the dtype rate) of gemm on a rows x cols array; all sizes > 0 and
   * checked small enough that the formula cannot overflow before folds x batch. */
  int64_t (*cycles)(int64_t rows, int64_t cols, NpGemmShape gemm);
} NpDataflowOps;

/* A mac_array's way of running channelwise work (GEMMs with N = 1). */
typedef struct NpDepthwiseOps {
  const char *name;        /* as configs write it after `depthwise:` */
  const char *needs[2];    /* the keys this mode needs (and only it takes); NULL-padded */
  /* Base cycles (before the dtype rate) of gemm (n = 1, batch channels, all sizes > 0 and
   * checked as for np_dataflow_cycles) on engine. */
  int64_t (*cycles)(const NpEngine *engine, NpGemmShape gemm);
} NpDepthwiseOps;

/* The row of a kind, dataflow or depthwise mode; NULL when out of range. */
const NpEngineKindOps *np_engine_kind_ops(NpEngineKind kind);
const NpDataflowOps *np_dataflow_ops(NpDataflow dataflow);
const NpDepthwiseOps *np_depthwise_ops(NpDepthwise depthwise);
/* The dataflow's base cycles of gemm (batch 0 counts as 1) on a rows x cols array: 0 when a
 * size is not positive, NP_CYCLES_OVERFLOW when it does not fit in 64 bits. */
int64_t np_dataflow_cycles(int64_t rows, int64_t cols, NpDataflow dataflow, NpGemmShape gemm);
/* Engine cycles of work on engine (its kind's formula); NP_CYCLES_CANNOT or _OVERFLOW. */
int64_t np_engine_cycles(const NpEngine *engine, const NpEngineWork *work);
/* The cores that work keeps busy on engine and each one's cycles, in cycles[0..n) (n at most
 * max): one core with the whole np_engine_cycles on an engine of one core or a tile that
 * cannot be cut (docs/timing.md, "Cores"). 0 when the engine cannot run the work. */
int np_engine_core_shares(const NpEngine *engine, const NpEngineWork *work, int64_t *cycles, int max);

/* The per-dtype figures of a table: energy.mac / energy.element, or energy.gpu_mac /
 * energy.gpu_element; and their names as configs write them. */
const NpEnergyFigure *np_energy_mac_figures(const NpEnergy *energy, NpEnergyTable table);
const NpEnergyFigure *np_energy_element_figures(const NpEnergy *energy, NpEnergyTable table);
const char *np_energy_mac_key(NpEnergyTable table);     /* "mac", "gpu_mac" */
const char *np_energy_element_key(NpEnergyTable table); /* "element", "gpu_element" */
/* The table that prices engine's work (its kind's). */
NpEnergyTable np_engine_energy_table(const NpEngine *engine);

/* DRAM data-bus time is kept in ticks of 1 / NP_DRAM_TICKS_PER_CYCLE cycle (docs/timing.md,
 * "Ticks"), so that a burst need not take a whole number of cycles. */
#define NP_DRAM_TICK_BITS 16
#define NP_DRAM_TICKS_PER_CYCLE ((int64_t)1 << NP_DRAM_TICK_BITS)
/* Ticks one burst holds one channel's data bus: ceil(burst x channels x ticks / bytes per
 * cycle), at least 1; infinite without bandwidth (sim/arch/dram.c; the replay's DMA, which
 * bounds it, and the lowering's cost model). */
double np_dram_burst_ticks(const NpDram *dram);

/* ---- YAML positions (shared with the sweep spec parser, sim/sweep) ---- */

struct fy_node;
struct NpBuf;
/* Where a YAML node starts, 0-based; a mapping or sequence is placed at its first scalar.
 * False when the node has no position. */
/* Checks text before a YAML parser sees it: at most max_bytes, no NUL byte, valid UTF-8
 * (libfyaml 0.7.12 loops forever on a '%' directive holding an invalid byte). False with
 * one error naming source (and the line:col of a bad byte); `what` names the file's kind. */
bool np_yaml_text_check(const char *text, size_t len, const char *source, int64_t max_bytes, const char *what,
                        NpDiag *diag);
bool np_yaml_node_position(struct fy_node *node, int *line, int *column);
/* Appends "\n<the source line>\n<a caret under column>" (0-based line and column), the
 * excerpt every config error shows. */
void np_yaml_source_excerpt(struct NpBuf *buf, const char *text, size_t len, int line, int column);

/* ---- units (also used by the sweep) ----
 * Each parser takes the whole text and, on failure, returns false and writes a one-line
 * reason naming the text into err (err_size bytes). */
/* Sizes in bytes: "4096", "64B", "512KiB", "4MiB", "1.5MB" (KB/MB/GB/TB are decimal,
 * KiB/MiB/GiB/TiB binary); must be a whole, non-negative number of bytes. */
bool np_parse_size(const char *text, int64_t *bytes, char *err, size_t err_size);
/* Bandwidth in GB/s: "34.1GB/s", "0.5GB/s", "800MB/s", "1GiB/s", or a plain number of GB/s. */
bool np_parse_bandwidth(const char *text, double *gb_per_s, char *err, size_t err_size);
/* Frequency in MHz: "1.2GHz", "800MHz", "32kHz", "1e9Hz", or a plain number of MHz. */
bool np_parse_frequency(const char *text, double *mhz, char *err, size_t err_size);
/* A plain finite real number ("0.25", "-3", "1e-3"); no unit. */
bool np_parse_real(const char *text, double *value, char *err, size_t err_size);
/* A plain whole number ("16", "-2"); no unit, no fraction, within int64. */
bool np_parse_int(const char *text, int64_t *value, char *err, size_t err_size);
/* Writes bytes the way configs show them: "4MiB", "64", "1536" (exact; binary units only
 * when they divide). */
void np_format_size(int64_t bytes, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif
#endif
