/* Simulate: the one pipeline from a model and an accelerator to timings, cold and warm.
 *
 * Takes: a finalized NpGraph (sim/graph/graph.h), an NpArch (sim/arch/arch.h) and options
 * (the compute data type; optionally a trace of one inference).
 * Gives: an NpSimulation: the graph lowered twice (sim/lower/schedule.h; cold: the first
 * inference, which loads the resident weights; warm: every later one) and both schedules
 * replayed (sim/replay/replay.h); with a trace path, one of the two replays streamed to a
 * trace file (sim/trace/trace.h). Every front end runs a model through here: `npusim run`,
 * `check`, `report`, sweeps and cliff searches, the public API (sim/include/npusim.h) and
 * with it the Python module.
 *
 * Determinism: the same graph, arch and options give the same schedules, stats and trace
 * bytes. Failures leave nothing allocated in *out and no file at the trace path.
 */
#ifndef NPUSIM_SIMULATE_SIMULATE_H
#define NPUSIM_SIMULATE_SIMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "trace/trace.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The replay's cost, known from the schedules before it starts (docs/timing.md, "Replay
 * cost"): it is O((commands + bursts) x log), and bursts dominate. A simulation whose
 * replays would issue more DRAM bursts than its bound is refused before they start. */
#define NP_SIM_MAX_BURSTS_DEFAULT INT64_C(1000000000) /* about half a minute of replay */
/* The replay's pace, the slow end of what tools/bench measures on one core (31-58 million
 * bursts a second, docs/performance.md): bursts / NP_SIM_BURSTS_PER_SECOND is the expected
 * replay time in seconds. */
#define NP_SIM_BURSTS_PER_SECOND 3.0e7

/* How far the replays have come: bursts done of total (both replays together), called with
 * 0 before the first starts, now and then during them, and with total at the end. */
typedef void (*NpSimProgress)(void *user, int64_t done, int64_t total);

typedef struct NpSimOptions {
  NpDtype dtype;          /* compute data type; NP_DTYPE_UNKNOWN: the arch's default */
  const char *trace_path; /* write a trace of one inference here (NULL: none) */
  bool trace_warm;        /* trace the warm inference instead of the cold one */
  int weight_bits;        /* NpLowerOptions.weight_bits: the matrix weights' stored width; 0: their dtype's */
  int64_t max_bursts;     /* refuse replays of more DRAM bursts; 0: NP_SIM_MAX_BURSTS_DEFAULT */
  NpSimProgress progress; /* may be NULL */
  void *progress_user;
  NpLowerCache *lower_cache; /* NpLowerOptions.cache (may be NULL) */
} NpSimOptions;

typedef struct NpSimulation {
  NpSchedule cold, warm;  /* the two schedules; same layers in the same order */
  NpStats cold_stats, warm_stats;
  uint64_t trace_records; /* records written to the trace (0 without one) */
} NpSimulation;

/* Lowers graph cold and warm, replays both and fills *out (options NULL: defaults). The
 * traced inference replays last, so a failure before it leaves no trace file. False with
 * errors in diag: the lowering or the replay refused, or the trace could not be written. */
bool np_simulate(const NpGraph *graph, const NpArch *arch, const NpSimOptions *options, NpSimulation *out,
                 NpDiag *diag);
void np_simulation_free(NpSimulation *sim);

/* The DRAM bursts that replaying the n schedules on arch issues, in *bursts (np_replay_bursts,
 * summed). False, with the estimate, the expected time and the option that allows it in diag,
 * when that is more than max_bursts (0: NP_SIM_MAX_BURSTS_DEFAULT). */
bool np_sim_check_cost(const NpSchedule *const *schedules, size_t n, const NpArch *arch, int64_t max_bursts,
                       int64_t *bursts, NpDiag *diag);

/* ---- cold start (docs/timing.md, "Cold start") ---- */

/* A model's launch in three parts: `uncached` (weights read from flash, the model compiled,
 * then the cold inference), `cached` (the compiled model on disk: read and the cold
 * inference) and `warm` (every later inference). */
typedef struct NpColdStartTimes {
  int64_t flash_bytes;     /* every weight as stored (compressed ones at their width) */
  int64_t compiled_ops;    /* ops the compiler lowers: each layer's main and fused ops */
  int64_t compiled_kernels; /* distinct kernels (NpLayerPlan.kernel) on engines whose kind
                               compiles kernels (a GPU's shaders) */
  double read_ms;          /* flash_bytes at cold_start.storage_read */
  double compile_ms;       /* compile_per_program + compiled_ops x compile_per_op
                              + compiled_kernels x compile_per_kernel */
  double uncached_ms, cached_ms, warm_ms;
  char missing[160];       /* cold_start keys the config lacks (they count as 0), ", "-separated */
} NpColdStartTimes;

/* The launch times of a simulation on arch. */
void np_sim_cold_start(const NpSimulation *sim, const NpArch *arch, NpColdStartTimes *out);

/* ---- traces (docs/run.md, "Trace") ----
 * The one mapping from the replay's per-command timings to trace records: `npusim run
 * --trace` and the RTL comparison's model side (rtl/harness) both write through it. */

/* The header of a trace of schedule on arch (clock, config and schedule hashes, name; no name
 * table: np_sim_trace_names adds it). */
NpTraceHeader np_sim_trace_header(const NpSchedule *schedule, const NpArch *arch, NpTraceSource source);
/* The names a trace's records index: the arch's engines, the schedule's layers and, with a
 * graph (may be NULL), their op types. The arrays are malloc'd and the strings lent: free
 * with np_sim_trace_names_free once the writer is open (it has written them by then). */
void np_sim_trace_names(const NpSchedule *schedule, const NpGraph *graph, const NpArch *arch, NpTraceNames *names);
void np_sim_trace_names_free(NpTraceNames *names);
/* Replays schedule on arch and streams one record per command to a trace at path (committed
 * only on success). *stats gets the replay's stats (free with np_stats_free); *records (may
 * be NULL) the record count. False with errors in diag, and no file at path. */
bool np_sim_replay_traced(const NpSchedule *schedule, const NpArch *arch, const char *path, NpStats *stats,
                          uint64_t *records, NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
