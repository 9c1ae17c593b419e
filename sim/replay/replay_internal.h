/* Shared by the files of sim/replay; not part of the public API.
 *
 *   heap.c     the binary heap behind the event queue and the ready queues
 *   dram.c     the DMA (bursts, round-robin issue, outstanding limit, row misses) and the
 *              built-in DRAM model behind the NpDramModel interface
 *   sram.c     per-bank work reservation (bank conflicts)
 *   compute.c  engine cycles: SCALE-Sim systolic formulas, vector/CPU throughput
 *   energy.c   the energy breakdown
 *   replay.c   the event loop, the host API, stats
 */
#ifndef NPUSIM_REPLAY_INTERNAL_H
#define NPUSIM_REPLAY_INTERNAL_H

#include "replay/replay.h"

/* ---- heap.c: a min-heap of (key, val) pairs, ordered by key then val ---- */

typedef struct RHeapItem {
  int64_t key, val;
} RHeapItem;

typedef struct RHeap {
  RHeapItem *items;
  size_t n, capacity;
} RHeap;

void rheap_push(RHeap *heap, int64_t key, int64_t val);
RHeapItem rheap_pop(RHeap *heap); /* heap must not be empty */
static inline bool rheap_empty(const RHeap *heap) { return heap->n == 0; }
static inline const RHeapItem *rheap_top(const RHeap *heap) { return heap->n ? &heap->items[0] : NULL; }
void rheap_free(RHeap *heap);

/* ---- dram.c ---- */

/* One LOAD or STORE in the DMA, from activation until its last burst is answered. */
typedef struct Transfer {
  int32_t cmd;
  bool write;
  int64_t start;          /* activation cycle */
  int64_t bursts;         /* total */
  int64_t issued;         /* bursts issued */
  int64_t answered;       /* bursts whose completion tick is known */
  int64_t max_end_tick;   /* latest completion among answered bursts */
  int64_t row_misses;
  /* walking the runs */
  int64_t runs, run_base, run_extra; /* run r has run_base bytes, +1 when r < run_extra */
  int64_t run, run_burst, run_offset; /* current run, burst index in it, its first byte's offset */
  int64_t channel;        /* of the next burst: channels interleave by burst */
  int64_t phase, row_pos; /* the transfer's address, and the next burst's, within a row span */
  int64_t sram_finish;    /* when its SRAM bank work is done */
  int64_t sram_work;      /* its largest per-bank work */
} Transfer;

typedef struct Dma {
  const NpArch *arch;
  const NpCommand *cmds;      /* the schedule's */
  const NpDramModel *model;   /* the host's, or &builtin */
  NpDramModel builtin;
  int64_t channels, burst_bytes, max_outstanding, latency, row_span, row_miss;
  int64_t burst_ticks;        /* data-bus time of one burst on one channel */
  int64_t *bus_free_tick;     /* built-in model: per channel */
  /* transfers: a pool of slots */
  Transfer *slots;
  size_t n_slots, slots_capacity;
  int32_t *free_slots;
  size_t n_free, free_capacity;
  /* issue queue: slots with bursts left, front issues next (round-robin by rotation) */
  int32_t *queue;
  size_t q_head, q_len, q_capacity;
  /* bursts in flight, in issue order: their completion cycle, or -1 while a host has not
   * answered. Request id r sits at (ring_head + r - ring_first_id) % ring_capacity. */
  int64_t *ring;
  size_t ring_head, ring_len, ring_capacity;
  uint64_t ring_first_id;     /* request id of the oldest burst in flight */
  int64_t pending_host;       /* issued, answer not yet known (host model) */
  bool overflow;              /* a DRAM time passed NP_REPLAY_MAX_TICKS (the replay stops) */
  uint64_t next_request_id;
} Dma;

void dma_init(Dma *dma, const NpArch *arch, const NpCommand *cmds, const NpDramModel *host_model);
void dma_free(Dma *dma);
/* A new transfer of cmd, active from cycle now; returns its slot. */
int32_t dma_activate(Dma *dma, const NpCommand *cmd, int64_t now);
/* Retires bursts whose data is in by cycle now, then issues bursts round-robin while slots
 * are free; then keeps doing so at each later cycle a slot frees, as long as that cycle lies
 * before *horizon (the replay's next event, which done() may move earlier). For each
 * transfer whose bursts are all answered, calls done(user, slot). */
typedef void (*TransferDone)(void *user, int32_t slot);
void dma_issue(Dma *dma, int64_t now, const int64_t *horizon, TransferDone done, void *user);
/* The cycle the DMA next needs to run (a slot frees while bursts wait), or NP_REPLAY_IDLE. */
int64_t dma_wake_cycle(const Dma *dma);
/* A host's late answer to request id, of the transfer in slot. Returns false when the
 * request is not pending or done_tick lies before cycle now. */
bool dma_answer(Dma *dma, int32_t slot, uint64_t id, int64_t now, int64_t done_tick, TransferDone done, void *user);
void dma_release(Dma *dma, int32_t slot);
/* A transfer's DRAM time with the channels to itself (docs/timing.md, "DRAM stall"). */
int64_t dma_alone_cycles(const Dma *dma, const Transfer *t);
static inline int64_t ticks_to_cycles_ceil(int64_t ticks) {
  return (ticks + NP_REPLAY_TICKS_PER_CYCLE - 1) >> NP_REPLAY_TICK_BITS;
}

/* ---- sram.c ---- */

typedef struct Sram {
  int64_t banks, width, ports;
  int64_t *bank_free; /* cycle each bank's reserved work ends */
} Sram;

/* The work a command puts on each bank it touches (accesses / ports, in cycles). */
typedef struct BankWork {
  uint64_t read_banks, write_banks;
  int64_t read_lines_per_bank, write_lines_per_bank;
} BankWork;

void sram_init(Sram *sram, const NpSram *config);
void sram_free(Sram *sram);
BankWork sram_work_of(const Sram *sram, const NpCommand *cmd);
/* Cycles of work one bank gets from w (0 if it is not touched). */
int64_t sram_bank_cycles(const Sram *sram, const BankWork *w, int bank);
int64_t sram_max_cycles(const Sram *sram, const BankWork *w);
/* Reserves w's work on its banks from cycle now, each bank after the work already queued on
 * it. Returns the cycle the last bank finishes (now when there is no work) and sets
 * *conflict when a bank was still busy at now. */
int64_t sram_reserve(Sram *sram, const BankWork *w, int64_t now, bool *conflict);

/* ---- energy.c ---- */

typedef struct EnergyCounts {
  int64_t macs[NP_ENERGY_TABLE_COUNT][NP_DTYPE_COUNT]; /* by the table that prices them, dtype */
  int64_t elements[NP_ENERGY_TABLE_COUNT][NP_DTYPE_COUNT];
  int64_t sram_read_bytes, sram_write_bytes, dram_read_bytes, dram_write_bytes;
  int64_t syncs;
} EnergyCounts;

void energy_breakdown(const NpArch *arch, const EnergyCounts *counts, int64_t cycles, NpEnergyBreakdown *out);

#endif
