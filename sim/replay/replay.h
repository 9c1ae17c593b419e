/* Replay: execute a schedule against an accelerator's timing model, event by event.
 *
 * Takes: an NpSchedule (sim/lower/schedule.h) and the NpArch it was lowered for.
 * Gives: NpStats: total cycles and ms, per-layer spans with the limiting resource, per-engine
 * busy time, stall cycles by cause, DRAM/SRAM traffic and the energy breakdown; and, through
 * an optional callback, one NpCommandTiming record per command as it completes (traces use
 * it with bounded memory).
 *
 * Time jumps from event to event; nothing walks idle cycles. Every formula is in
 * docs/timing.md; the RTL (rtl/) and the SystemC model (sim/systemc) are held to it.
 *
 * Two ways to drive it:
 *  - np_replay_run(): the standalone replay with the built-in DRAM model.
 *  - np_replay_new() / np_replay_next_cycle() / np_replay_advance() / np_replay_dram_complete():
 *    a host (a SystemC module) steps the same engine and may answer every DRAM burst itself
 *    through an NpDramModel. There is one timing model; only who answers DRAM differs.
 *
 * Determinism: the same schedule and arch give the same stats and records, bit for bit.
 */
#ifndef NPUSIM_REPLAY_REPLAY_H
#define NPUSIM_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DRAM data moves in fractions of a cycle: times inside the DRAM model are in ticks of
 * 1/NP_REPLAY_TICKS_PER_CYCLE cycle (docs/timing.md, "Ticks"). Everything else is in cycles. */
#define NP_REPLAY_TICK_BITS NP_DRAM_TICK_BITS /* sim/arch/arch.h */
#define NP_REPLAY_TICKS_PER_CYCLE ((int64_t)1 << NP_REPLAY_TICK_BITS)
#define NP_REPLAY_IDLE ((int64_t)-1)
/* The longest run the replay times: 2^45 cycles (about 10 hours at 1 GHz). A time past it
 * stops the replay with an error naming the config keys that make it so long; at this bound
 * a time in ticks plus any one latency or burst time still fits in int64. */
#define NP_REPLAY_MAX_CYCLES ((int64_t)1 << 45)
#define NP_REPLAY_MAX_TICKS (NP_REPLAY_MAX_CYCLES << NP_REPLAY_TICK_BITS)

/* Why a command took longer than its own work. */
typedef enum NpStallCause {
  NP_STALL_UNIT = 0,   /* its deps were done but its engine was busy with another command */
  NP_STALL_DRAM,       /* a transfer slower than alone: bandwidth shared, outstanding limit */
  NP_STALL_SRAM_BANK,  /* its SRAM bank work queued behind another command's (a conflict) */
  NP_STALL_COUNT
} NpStallCause;
const char *np_stall_cause_name(NpStallCause cause); /* "unit", "dram", "sram_bank" */

/* The resource that dominated a layer (docs/timing.md, "Limiting resource"). */
typedef enum NpLimit { NP_LIMIT_NONE = 0, NP_LIMIT_COMPUTE, NP_LIMIT_DRAM, NP_LIMIT_SRAM_BANK, NP_LIMIT_SYNC } NpLimit;
const char *np_limit_name(NpLimit limit); /* "none", "compute", "dram", "sram_bank", "sync" */

/* One command as it ran. Units: cycles; a transfer's unit is the DMA. */
typedef struct NpCommandTiming {
  int32_t cmd;
  NpCmdKind kind;
  int32_t layer;
  int32_t engine;          /* COMPUTE: engine index; SYNC: to_engine; LOAD/STORE: -1 (the DMA) */
  int64_t ready;           /* every dep done */
  int64_t start, end;
  int64_t work;            /* COMPUTE: engine cycles; transfer: unshared DRAM time; SYNC: its cost */
  int64_t sram_cycles;     /* the largest per-bank SRAM work of the command */
  int64_t bytes;           /* transfer bytes */
  int64_t bursts, row_misses;
  uint64_t banks;          /* banks the command touched */
  int64_t stall[NP_STALL_COUNT];
} NpCommandTiming;

typedef void (*NpTimingCallback)(void *user, const NpCommandTiming *timing);

/* One DRAM burst the DMA issues. */
typedef struct NpDramRequest {
  uint64_t id;        /* 0, 1, 2... in issue order */
  int32_t cmd;        /* the LOAD or STORE it belongs to */
  bool write;         /* STORE: SRAM -> DRAM */
  int64_t addr;       /* byte address (docs/timing.md, "Bursts") */
  int64_t bytes;      /* at most burst_bytes */
  int32_t channel;
  bool row_miss;      /* opens a new DRAM row (row model on) */
  int64_t issue_cycle;
} NpDramRequest;

/* Who answers DRAM bursts. request() returns true and sets *done_tick (the tick the burst's
 * last byte has moved, at least issue_cycle * NP_REPLAY_TICKS_PER_CYCLE) when it knows at
 * once; or returns false, and the host later calls np_replay_dram_complete(). */
typedef struct NpDramModel {
  bool (*request)(void *user, const NpDramRequest *request, int64_t *done_tick);
  void *user;
} NpDramModel;

/* How far a standalone replay has come: the DRAM bursts issued so far. */
typedef void (*NpReplayProgress)(void *user, int64_t bursts_done);

typedef struct NpReplayOptions {
  NpTimingCallback on_command; /* NULL: no records */
  void *user;
  const NpDramModel *dram;     /* NULL: the built-in model */
  NpReplayProgress on_progress; /* np_replay_run calls it after a cycle with events once another
                                   NP_REPLAY_PROGRESS_BURSTS have been issued; may be NULL */
  void *progress_user;
} NpReplayOptions;
#define NP_REPLAY_PROGRESS_BURSTS (UINT64_C(1) << 20) /* about 30 ms of replay */

typedef struct NpEnergyBreakdown {
  double mac_uj, vector_uj, sram_read_uj, sram_write_uj, dram_read_uj, dram_write_uj, sync_uj, static_uj;
  double dynamic_uj, total_uj;
  double fj_per_mac;       /* total energy / MACs (0 without MACs) */
  double avg_power_mw;     /* total energy / elapsed time */
  /* Energy figures the config lacks but the run needed (counted as 0), e.g. "mac.int16". */
  char missing[256];
} NpEnergyBreakdown;

typedef struct NpLayerStats {
  int32_t engine;
  int64_t start, end, cycles;          /* span: first command start to last command end */
  NpLimit limit;
  int64_t compute_cycles;              /* sum of COMPUTE engine cycles */
  int64_t dram_cycles;                 /* time some transfer of the layer was in flight */
  int64_t sram_cycles;                 /* sum of per-command SRAM bank work */
  int64_t sync_cycles;                 /* sum of SYNC costs */
  int64_t macs, elements;
  double utilization;                  /* MACs / (peak MACs per cycle x compute_cycles) */
  int64_t dram_read_bytes, dram_write_bytes, sram_read_bytes, sram_write_bytes;
  int64_t sram_peak_bytes;             /* from the schedule's plan */
  int64_t stall[NP_STALL_COUNT];
  int64_t prefetch_hidden_cycles;      /* its prefetch LOADs' time before the layers ahead of it
                                          had ended: weight traffic hidden behind them */
} NpLayerStats;

typedef struct NpEngineStats {
  int64_t busy_cycles;                 /* held by a COMPUTE, start to end */
  int64_t commands;
  int64_t macs, elements;
  double busy_fraction;                /* busy_cycles / total cycles */
} NpEngineStats;

typedef struct NpStats {
  bool warm;
  int64_t cycles;                      /* last command end plus fixed_cycles; the run starts at 0 */
  double ms;                           /* cycles / clock */
  /* Fixed costs (docs/timing.md, "Fixed costs"), in cycles, after the last command. */
  int64_t fixed_cycles;                /* their sum: what cycles holds beyond the commands */
  int64_t fixed_inference_cycles, fixed_segment_cycles, fixed_program_cycles;
  int64_t segments;                    /* runs of layers on a fallback engine, between accelerator layers */
  int64_t commands;
  int64_t macs, elements;
  int64_t dram_read_bytes, dram_write_bytes, sram_read_bytes, sram_write_bytes;
  int64_t bursts, row_misses;
  int64_t prefetch_hidden_cycles;      /* the layers' prefetch_hidden_cycles, summed */
  int64_t syncs;
  int64_t bank_conflicts;              /* commands that found one of their banks busy */
  int64_t stall[NP_STALL_COUNT];
  NpLayerStats *layers;                /* one per schedule layer */
  size_t n_layers;
  NpEngineStats engines[NP_ARCH_MAX_ENGINES];
  int n_engines;
  NpEnergyBreakdown energy;
} NpStats;

/* ---- standalone ---- */

/* Replays schedule on arch. Returns false with errors in diag for a schedule that does not
 * fit the arch (a dep on a later command, an engine index out of range, a bank beyond
 * sram.banks, a COMPUTE its engine has no throughput for), or a run longer than
 * NP_REPLAY_MAX_CYCLES. */
bool np_replay_run(const NpSchedule *schedule, const NpArch *arch, const NpReplayOptions *options,
                   NpStats *out, NpDiag *diag);
void np_stats_free(NpStats *stats);

/* ---- host-driven ---- */

typedef struct NpReplay NpReplay;

/* Checks the schedule and prepares the replay at cycle 0 (nothing runs yet). NULL on error.
 * schedule and arch must outlive the replay. */
NpReplay *np_replay_new(const NpSchedule *schedule, const NpArch *arch, const NpReplayOptions *options,
                        NpDiag *diag);
/* The cycle of the next event, or NP_REPLAY_IDLE when nothing is scheduled: the replay is
 * finished, or it waits for the host to complete DRAM requests. */
int64_t np_replay_next_cycle(const NpReplay *replay);
/* Processes every event of the next cycle. Returns false when there was none. */
bool np_replay_advance(NpReplay *replay);
/* The host's answer to a request its NpDramModel left pending. done_tick must not lie
 * before the replay's current cycle. Returns false (and changes nothing) for a request that
 * is not pending or a time in the past. */
bool np_replay_dram_complete(NpReplay *replay, const NpDramRequest *request, int64_t done_tick);
int64_t np_replay_now(const NpReplay *replay);
bool np_replay_finished(const NpReplay *replay);
/* The stats so far (complete once finished). Free with np_stats_free(). */
void np_replay_stats(const NpReplay *replay, NpStats *out);
void np_replay_free(NpReplay *replay);

/* ---- the formulas, for reports and tests ---- */

/* DRAM bursts of a transfer of `bytes` cut into `runs` contiguous runs (at least 1, at most
 * one a byte) of bursts of burst_bytes (docs/timing.md, "Bursts"): the sum over runs of
 * ceil(run_bytes / burst_bytes). */
int64_t np_transfer_bursts(int64_t bytes, int64_t runs, int64_t burst_bytes);
/* Every DRAM burst a replay of schedule on arch issues, counted before it runs (the replay's
 * cost is O((commands + bursts) x log)); INT64_MAX when the count does not fit. */
int64_t np_replay_bursts(const NpSchedule *schedule, const NpArch *arch);

/* Engine cycles of one COMPUTE (docs/timing.md, "MAC array" and "Vector and CPU").
 * -1 when the engine cannot run it (no throughput for its class or dtype); -2 when the count
 * does not fit in int64. */
int64_t np_compute_cycles(const NpEngine *engine, const NpCommand *cmd);
/* The COMPUTE as its engine's cycles and energy rows take it (sim/arch/arch.h). */
NpEngineWork np_command_work(const NpCommand *cmd);
/* SCALE-Sim cycles of batch x (M x K by K x N) on an R x C array at rate 1; -2 on overflow. */
int64_t np_systolic_cycles(int64_t rows, int64_t cols, NpDataflow dataflow, NpGemmShape gemm);
/* Share of a battery (0..1, may exceed 1) that per_day inferences of energy_uj take. */
double np_battery_share_per_day(double energy_uj, double per_day, double battery_wh);

#ifdef __cplusplus
}
#endif
#endif
