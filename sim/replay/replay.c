/* The event loop (docs/timing.md): commands become ready when their deps are done, start
 * when their unit can take them, and end at a time their unit's formula gives. Only times at
 * which something happens are visited. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay_internal.h"
#include "util/mem.h"

typedef struct CmdState {
  int64_t ready, start;
  int64_t work;        /* COMPUTE: engine cycles; SYNC: its cost; transfer: unshared DRAM time */
  int64_t sram_cycles;
  int64_t stall[NP_STALL_COUNT];
  int32_t deps_left;
  int32_t slot;        /* transfer slot while in the DMA, else -1 */
} CmdState;

typedef struct EngineState {
  bool busy;
  RHeap ready;         /* (command id, 0): the lowest ready id starts first */
} EngineState;

typedef struct LayerAcc {
  bool started;
  bool prefetched;                 /* a prefetch LOAD of it has started */
  int64_t prefetch_start, prefetch_end; /* first start and last end of its prefetch LOADs */
  int32_t transfers_active;
  int64_t transfers_since;
} LayerAcc;

struct NpReplay {
  const NpSchedule *schedule;
  const NpArch *arch;
  NpReplayOptions options;
  CmdState *cs;
  int32_t *succ_first, *succ; /* dependents, CSR */
  RHeap events;               /* (end cycle, command id) */
  RHeap new_transfers;        /* (command id, 0): ready LOAD/STORE waiting for the next start phase */
  EngineState engines[NP_ARCH_MAX_ENGINES];
  Dma dma;
  Sram sram;
  int64_t now;
  int64_t horizon;            /* the next event's cycle, for the DMA's run-ahead */
  bool primed;                /* cycle 0's start phase has run */
  bool overflow;              /* a command would end past NP_REPLAY_MAX_CYCLES: the replay stops */
  size_t done;
  int32_t *starting;
  size_t starting_capacity;
  /* accumulated stats */
  NpStats st;
  LayerAcc *layer_acc;
  EnergyCounts counts;
};

const char *np_stall_cause_name(NpStallCause cause) {
  static const char *const names[NP_STALL_COUNT] = {"unit", "dram", "sram_bank"};
  return cause >= 0 && cause < NP_STALL_COUNT ? names[cause] : "unknown";
}

const char *np_limit_name(NpLimit limit) {
  static const char *const names[] = {"none", "compute", "dram", "sram_bank", "sync"};
  return limit >= NP_LIMIT_NONE && limit <= NP_LIMIT_SYNC ? names[limit] : "unknown";
}

/* ---- checking the schedule against the arch ---- */

static bool banks_fit(const NpReplay *r, uint64_t banks) {
  int64_t n = r->arch->sram.banks;
  return n >= 64 || (banks >> n) == 0;
}

/* Checks command i against the arch (np_schedule_check has checked its structure) and fills
 * its fixed costs. What it finds is a mismatch with the config: messages name the config's
 * file and the key. */
static bool check_command(NpReplay *r, size_t i, NpDiag *diag) {
  const NpSchedule *s = r->schedule;
  const NpArch *arch = r->arch;
  const char *src = arch->origin;
  const NpCommand *c = &s->cmds[i];
  CmdState *cs = &r->cs[i];
  bool ok = true;
  switch (c->kind) {
  case NP_CMD_LOAD:
  case NP_CMD_STORE:
    if (c->bytes < 0 || c->dram_runs < 0 || c->dram_addr < 0) {
      np_schedule_command_error(diag, src, s, c, "negative bytes (%lld), dram_runs (%lld) or dram_addr (%lld)",
                                (long long)c->bytes, (long long)c->dram_runs, (long long)c->dram_addr);
      ok = false;
    }
    if (!banks_fit(r, c->banks)) {
      np_schedule_command_error(diag, src, s, c, "names SRAM banks beyond sram.banks (%lld)", (long long)arch->sram.banks);
      ok = false;
    }
    break;
  case NP_CMD_COMPUTE:
    if (!banks_fit(r, c->banks_read | c->banks_written)) {
      np_schedule_command_error(diag, src, s, c, "names SRAM banks beyond sram.banks (%lld)", (long long)arch->sram.banks);
      ok = false;
    }
    if (c->macs < 0 || c->elements < 0 || c->sram_read_bytes < 0 || c->sram_write_bytes < 0) {
      np_schedule_command_error(diag, src, s, c, "negative MACs, elements or SRAM bytes");
      return false;
    }
    cs->work = np_compute_cycles(&arch->engines[c->engine], c);
    if (cs->work == -1) {
      const char *engine = arch->engines[c->engine].name;
      np_schedule_command_error(diag, src, s, c,
                                "engine '%s' cannot run class '%s' in %s: engines.%s.dtypes and engines.%s.throughput "
                                "give it no rate",
                                engine, np_op_class_name(c->op_class), np_dtype_name(c->dtype), engine, engine);
      ok = false;
    } else if (cs->work < 0) {
      np_schedule_command_error(diag, src, s, c, "its cycle count does not fit in 64 bits");
      ok = false;
    }
    break;
  case NP_CMD_SYNC:
    cs->work = arch->sync.cycles[arch->engines[c->from_engine].kind][arch->engines[c->to_engine].kind];
    break;
  }
  cs->deps_left = c->n_deps;
  cs->slot = -1;
  return ok;
}

static void build_dependents(NpReplay *r) {
  const NpSchedule *s = r->schedule;
  r->succ_first = np_xcalloc(s->n_cmds + 1, sizeof *r->succ_first);
  for (size_t i = 0; i < s->n_cmds; i++) {
    const int32_t *deps = np_command_deps(s, &s->cmds[i]);
    for (int32_t d = 0; d < s->cmds[i].n_deps; d++) r->succ_first[deps[d] + 1]++;
  }
  for (size_t i = 0; i < s->n_cmds; i++) r->succ_first[i + 1] += r->succ_first[i];
  size_t total = (size_t)r->succ_first[s->n_cmds];
  r->succ = np_xmalloc((total ? total : 1) * sizeof *r->succ);
  int32_t *fill = np_xmalloc((s->n_cmds + 1) * sizeof *fill);
  memcpy(fill, r->succ_first, (s->n_cmds + 1) * sizeof *fill);
  for (size_t i = 0; i < s->n_cmds; i++) { /* ascending i: each list comes out in id order */
    const int32_t *deps = np_command_deps(s, &s->cmds[i]);
    for (int32_t d = 0; d < s->cmds[i].n_deps; d++) r->succ[fill[deps[d]]++] = (int32_t)i;
  }
  free(fill);
}

/* ---- per-layer bookkeeping ---- */

static NpLayerStats *layer_of(NpReplay *r, const NpCommand *c) {
  return c->layer >= 0 ? &r->st.layers[c->layer] : NULL;
}

static void layer_started(NpReplay *r, const NpCommand *c, int64_t t) {
  NpLayerStats *l = layer_of(r, c);
  if (!l) return;
  LayerAcc *acc = &r->layer_acc[c->layer];
  if (c->prefetch) {
    if (!acc->prefetched) acc->prefetch_start = t;
    acc->prefetched = true;
  } else if (!acc->started) {
    acc->started = true;
    l->start = t;
  }
  if (c->kind == NP_CMD_LOAD || c->kind == NP_CMD_STORE) {
    if (acc->transfers_active++ == 0) acc->transfers_since = t;
  }
}

static void layer_ended(NpReplay *r, const NpCommand *c, const CmdState *cs, int64_t t) {
  NpLayerStats *l = layer_of(r, c);
  if (!l) return;
  LayerAcc *acc = &r->layer_acc[c->layer];
  if (t > l->end) l->end = t;
  if (c->prefetch && t > acc->prefetch_end) acc->prefetch_end = t;
  for (int k = 0; k < NP_STALL_COUNT; k++) l->stall[k] += cs->stall[k];
  l->sram_cycles += cs->sram_cycles;
  switch (c->kind) {
  case NP_CMD_LOAD:
  case NP_CMD_STORE:
    if (--acc->transfers_active == 0) l->dram_cycles += t - acc->transfers_since;
    if (c->kind == NP_CMD_LOAD) {
      l->dram_read_bytes += c->bytes;
      l->sram_write_bytes += c->bytes;
    } else {
      l->dram_write_bytes += c->bytes;
      l->sram_read_bytes += c->bytes;
    }
    break;
  case NP_CMD_COMPUTE:
    l->compute_cycles += cs->work;
    if (c->op_class == NP_CLASS_MATRIX)
      l->macs += c->macs;
    else
      l->elements += c->elements;
    l->sram_read_bytes += c->sram_read_bytes;
    l->sram_write_bytes += c->sram_write_bytes;
    break;
  case NP_CMD_SYNC:
    l->sync_cycles += cs->work;
    break;
  }
}

/* ---- command life: ready, start, end ---- */

static void push_end(NpReplay *r, int32_t cmd, int64_t end) {
  if (end > NP_REPLAY_MAX_CYCLES) {
    r->overflow = true;
    end = NP_REPLAY_MAX_CYCLES;
  }
  rheap_push(&r->events, end, cmd);
  if (end < r->horizon) r->horizon = end;
}

static void make_ready(NpReplay *r, int32_t id, int64_t t) {
  const NpCommand *c = &r->schedule->cmds[id];
  CmdState *cs = &r->cs[id];
  cs->ready = t;
  switch (c->kind) {
  case NP_CMD_SYNC: /* a pure delay: it holds no unit */
    cs->start = t;
    layer_started(r, c, t);
    push_end(r, id, t + cs->work);
    break;
  case NP_CMD_COMPUTE:
    rheap_push(&r->engines[c->engine].ready, id, 0);
    break;
  case NP_CMD_LOAD:
  case NP_CMD_STORE:
    rheap_push(&r->new_transfers, id, 0);
    break;
  }
}

/* Every burst of the transfer in `slot` is answered: its end is known. */
static void transfer_answered(void *user, int32_t slot) {
  NpReplay *r = user;
  const Transfer *t = &r->dma.slots[slot];
  CmdState *cs = &r->cs[t->cmd];
  int64_t dram_end = ticks_to_cycles_ceil(t->max_end_tick);
  if (dram_end < t->start) dram_end = t->start;
  int64_t natural = dram_end > t->start + t->sram_work ? dram_end : t->start + t->sram_work;
  int64_t end = natural > t->sram_finish ? natural : t->sram_finish;
  cs->work = dma_alone_cycles(&r->dma, t);
  int64_t over = dram_end - t->start - cs->work;
  cs->stall[NP_STALL_DRAM] = over > 0 ? over : 0;
  cs->stall[NP_STALL_SRAM_BANK] = end - natural;
  push_end(r, t->cmd, end);
}

static void start_command(NpReplay *r, int32_t id, int64_t t) {
  const NpCommand *c = &r->schedule->cmds[id];
  CmdState *cs = &r->cs[id];
  cs->start = t;
  layer_started(r, c, t);
  BankWork w = sram_work_of(&r->sram, c);
  cs->sram_cycles = sram_max_cycles(&r->sram, &w);
  bool conflict;
  int64_t sram_finish = sram_reserve(&r->sram, &w, t, &conflict);
  if (conflict) r->st.bank_conflicts++;
  if (c->kind == NP_CMD_COMPUTE) {
    cs->stall[NP_STALL_UNIT] = t - cs->ready;
    int64_t alone = cs->work > cs->sram_cycles ? cs->work : cs->sram_cycles;
    int64_t end = t + cs->work > sram_finish ? t + cs->work : sram_finish;
    cs->stall[NP_STALL_SRAM_BANK] = end - (t + alone) > 0 ? end - (t + alone) : 0;
    push_end(r, id, end);
    return;
  }
  cs->slot = dma_activate(&r->dma, c, t);
  Transfer *tr = &r->dma.slots[cs->slot];
  tr->sram_finish = sram_finish;
  tr->sram_work = cs->sram_cycles;
  if (tr->bursts == 0) transfer_answered(r, cs->slot);
}

static int compare_ids(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Starts, in id order, every ready command whose unit can take it at cycle t: one per idle
 * engine, every ready transfer. Then, unless a zero-length command ends at t too (another
 * round at t follows), lets the DMA issue bursts: once per cycle, after every transfer that
 * starts in the cycle has joined its queue, as the RTL's DMA does (docs/timing.md). */
static void start_phase(NpReplay *r, int64_t t) {
  size_t n = 0;
  for (int e = 0; e < r->arch->n_engines; e++) {
    EngineState *es = &r->engines[e];
    if (es->busy || rheap_empty(&es->ready)) continue;
    es->busy = true;
    np_grow((void **)&r->starting, &r->starting_capacity, n + 1, sizeof *r->starting);
    r->starting[n++] = (int32_t)rheap_pop(&es->ready).key;
  }
  while (!rheap_empty(&r->new_transfers)) {
    np_grow((void **)&r->starting, &r->starting_capacity, n + 1, sizeof *r->starting);
    r->starting[n++] = (int32_t)rheap_pop(&r->new_transfers).key;
  }
  if (n > 1) qsort(r->starting, n, sizeof *r->starting, compare_ids);
  for (size_t i = 0; i < n; i++) start_command(r, r->starting[i], t);
  r->horizon = rheap_empty(&r->events) ? INT64_MAX : rheap_top(&r->events)->key;
  if (r->horizon > t) dma_issue(&r->dma, t, &r->horizon, transfer_answered, r);
}

static void emit_record(NpReplay *r, const NpCommand *c, const CmdState *cs, int64_t end, const Transfer *t) {
  if (!r->options.on_command) return;
  NpCommandTiming rec = {
      .cmd = c->id,
      .kind = c->kind,
      .layer = c->layer,
      .engine = c->kind == NP_CMD_COMPUTE ? c->engine : c->kind == NP_CMD_SYNC ? c->to_engine : -1,
      .ready = cs->ready,
      .start = cs->start,
      .end = end,
      .work = cs->work,
      .sram_cycles = cs->sram_cycles,
  };
  if (t) {
    rec.bytes = c->bytes;
    rec.bursts = t->bursts;
    rec.row_misses = t->row_misses;
    rec.banks = c->banks;
  } else if (c->kind == NP_CMD_COMPUTE) {
    rec.banks = c->banks_read | c->banks_written;
  }
  memcpy(rec.stall, cs->stall, sizeof rec.stall);
  r->options.on_command(r->options.user, &rec);
}

/* The MACs and elements of a COMPUTE as its engine's kind prices them. */
static void priced_work(const NpReplay *r, const NpCommand *c, int64_t *macs, int64_t *elements) {
  NpEngineWork work = np_command_work(c);
  np_engine_kind_ops(r->arch->engines[c->engine].kind)->priced_work(&work, macs, elements);
}

static void count_energy_events(NpReplay *r, const NpCommand *c) {
  EnergyCounts *k = &r->counts;
  switch (c->kind) {
  case NP_CMD_LOAD:
    k->dram_read_bytes += c->bytes;
    k->sram_write_bytes += c->bytes;
    break;
  case NP_CMD_STORE:
    k->sram_read_bytes += c->bytes;
    k->dram_write_bytes += c->bytes;
    break;
  case NP_CMD_COMPUTE: {
    int64_t macs, elements;
    priced_work(r, c, &macs, &elements);
    NpEnergyTable table = np_engine_energy_table(&r->arch->engines[c->engine]);
    k->macs[table][c->dtype] += macs;
    k->elements[table][c->dtype] += elements;
    k->sram_read_bytes += c->sram_read_bytes;
    k->sram_write_bytes += c->sram_write_bytes;
    break;
  }
  case NP_CMD_SYNC:
    k->syncs++;
    break;
  }
}

static void end_command(NpReplay *r, int32_t id, int64_t t) {
  const NpCommand *c = &r->schedule->cmds[id];
  CmdState *cs = &r->cs[id];
  const Transfer *tr = cs->slot >= 0 ? &r->dma.slots[cs->slot] : NULL;
  NpStats *st = &r->st;
  if (t > st->cycles) st->cycles = t;
  for (int k = 0; k < NP_STALL_COUNT; k++) st->stall[k] += cs->stall[k];
  count_energy_events(r, c);
  if (c->kind == NP_CMD_COMPUTE) {
    NpEngineStats *es = &st->engines[c->engine];
    es->busy_cycles += t - cs->start;
    es->commands++;
    int64_t macs, elements;
    priced_work(r, c, &macs, &elements);
    es->macs += macs;
    es->elements += elements;
    r->engines[c->engine].busy = false;
  }
  if (tr) {
    st->bursts += tr->bursts;
    st->row_misses += tr->row_misses;
  }
  layer_ended(r, c, cs, t);
  emit_record(r, c, cs, t, tr);
  if (tr) {
    dma_release(&r->dma, cs->slot);
    cs->slot = -1;
  }
  r->done++;
  for (int32_t i = r->succ_first[id]; i < r->succ_first[id + 1]; i++) {
    int32_t next = r->succ[i];
    if (--r->cs[next].deps_left == 0) make_ready(r, next, t);
  }
}

/* ---- the API ---- */

NpReplay *np_replay_new(const NpSchedule *schedule, const NpArch *arch, const NpReplayOptions *options,
                        NpDiag *diag) {
  if (arch->n_engines < 1 || arch->n_engines > NP_ARCH_MAX_ENGINES) {
    np_diag_add(diag, "replay: config '%s' has %d engines (1 to %d allowed)", arch->name, arch->n_engines,
                NP_ARCH_MAX_ENGINES);
    return NULL;
  }
  NpReplay *r = np_xcalloc(1, sizeof *r);
  r->schedule = schedule;
  r->arch = arch;
  if (options) r->options = *options;
  r->cs = np_xcalloc(schedule->n_cmds ? schedule->n_cmds : 1, sizeof *r->cs);
  bool ok = np_schedule_check(schedule, arch->n_engines, NULL, diag);
  for (size_t i = 0; i < schedule->n_cmds && ok; i++) ok = check_command(r, i, diag);
  if (!ok) {
    free(r->cs);
    free(r);
    return NULL;
  }
  build_dependents(r);
  dma_init(&r->dma, arch, schedule->cmds, r->options.dram);
  sram_init(&r->sram, &arch->sram);
  r->st.warm = schedule->warm;
  r->st.commands = (int64_t)schedule->n_cmds;
  r->st.n_layers = schedule->n_layers;
  r->st.layers = np_xcalloc(schedule->n_layers ? schedule->n_layers : 1, sizeof *r->st.layers);
  r->layer_acc = np_xcalloc(schedule->n_layers ? schedule->n_layers : 1, sizeof *r->layer_acc);
  for (size_t l = 0; l < schedule->n_layers; l++) {
    r->st.layers[l].engine = schedule->layers[l].engine;
    r->st.layers[l].sram_peak_bytes = schedule->layers[l].sram_peak_bytes;
  }
  r->st.n_engines = arch->n_engines;
  for (size_t i = 0; i < schedule->n_cmds; i++)
    if (r->cs[i].deps_left == 0) make_ready(r, (int32_t)i, 0);
  return r;
}

int64_t np_replay_next_cycle(const NpReplay *r) {
  if (!r->primed) return 0;
  int64_t next = NP_REPLAY_IDLE;
  if (!rheap_empty(&r->events)) next = rheap_top(&r->events)->key;
  int64_t wake = dma_wake_cycle(&r->dma);
  if (wake != NP_REPLAY_IDLE && (next == NP_REPLAY_IDLE || wake < next)) next = wake;
  if (next != NP_REPLAY_IDLE && next < r->now) next = r->now;
  return next;
}

bool np_replay_advance(NpReplay *r) {
  int64_t t = np_replay_next_cycle(r);
  if (t == NP_REPLAY_IDLE || r->overflow || r->dma.overflow) return false;
  r->primed = true;
  r->now = t;
  while (!rheap_empty(&r->events) && rheap_top(&r->events)->key == t) {
    RHeapItem ev = rheap_pop(&r->events);
    end_command(r, (int32_t)ev.val, t);
  }
  start_phase(r, t);
  return true;
}

bool np_replay_dram_complete(NpReplay *r, const NpDramRequest *request, int64_t done_tick) {
  if (request->cmd < 0 || (size_t)request->cmd >= r->schedule->n_cmds) return false;
  int32_t slot = r->cs[request->cmd].slot;
  if (slot < 0) return false;
  r->horizon = rheap_empty(&r->events) ? INT64_MAX : rheap_top(&r->events)->key;
  return dma_answer(&r->dma, slot, request->id, r->now, done_tick, transfer_answered, r);
}

int64_t np_replay_now(const NpReplay *r) { return r->now; }

bool np_replay_finished(const NpReplay *r) { return r->done == r->schedule->n_cmds; }

static NpLimit limit_of(const NpLayerStats *l) {
  int64_t busy[] = {l->compute_cycles, l->dram_cycles, l->sram_cycles, l->sync_cycles};
  NpLimit names[] = {NP_LIMIT_COMPUTE, NP_LIMIT_DRAM, NP_LIMIT_SRAM_BANK, NP_LIMIT_SYNC};
  NpLimit best = NP_LIMIT_NONE;
  int64_t most = 0;
  for (int i = 0; i < 4; i++)
    if (busy[i] > most) most = busy[i], best = names[i];
  return best;
}

/* docs/timing.md, "Fixed costs": added after the last command. */
static void add_fixed_costs(const NpReplay *r, NpStats *out) {
  const NpFixedCosts *f = &r->arch->fixed;
  out->segments = np_schedule_accelerator_cuts(r->schedule, r->arch);
  out->fixed_inference_cycles = np_arch_fixed_cycles(r->arch, &f->per_inference);
  out->fixed_program_cycles = r->schedule->warm ? 0 : np_arch_fixed_cycles(r->arch, &f->per_program);
  /* Each cost is at most 1e9 us x 1e5 MHz = 1e14 cycles; a count of cuts that pushes the sum
   * past int64 saturates instead of wrapping. */
  int64_t sum;
  if (np_mul_i64(out->segments, np_arch_fixed_cycles(r->arch, &f->per_segment), &out->fixed_segment_cycles) &&
      np_add_i64(out->fixed_inference_cycles, out->fixed_segment_cycles, &sum) &&
      np_add_i64(sum, out->fixed_program_cycles, &sum) && np_add_i64(out->cycles, sum, &out->cycles))
    out->fixed_cycles = sum;
  else
    out->fixed_cycles = out->cycles = INT64_MAX;
}

/* A layer's prefetch LOADs run while earlier layers still do: its span starts when they
 * have ended (or at its own first command, if that is sooner), and the prefetch time before
 * that is hidden. */
static void credit_prefetch(const LayerAcc *acc, int64_t earlier_done, NpLayerStats *l) {
  if (!acc->prefetched) return;
  int64_t from = acc->prefetch_start > earlier_done ? acc->prefetch_start : earlier_done;
  if (!acc->started || from < l->start) l->start = from;
  int64_t hidden_until = acc->prefetch_end < earlier_done ? acc->prefetch_end : earlier_done;
  l->prefetch_hidden_cycles = hidden_until > acc->prefetch_start ? hidden_until - acc->prefetch_start : 0;
}

void np_replay_stats(const NpReplay *r, NpStats *out) {
  *out = r->st;
  add_fixed_costs(r, out);
  out->layers = np_xmalloc((r->st.n_layers ? r->st.n_layers : 1) * sizeof *out->layers);
  memcpy(out->layers, r->st.layers, r->st.n_layers * sizeof *out->layers);
  out->ms = r->arch->clock_mhz > 0 ? (double)out->cycles / (r->arch->clock_mhz * 1e3) : 0;
  const EnergyCounts *k = &r->counts;
  out->dram_read_bytes = k->dram_read_bytes;
  out->dram_write_bytes = k->dram_write_bytes;
  out->sram_read_bytes = k->sram_read_bytes;
  out->sram_write_bytes = k->sram_write_bytes;
  out->syncs = k->syncs;
  out->macs = out->elements = 0;
  for (int t = 0; t < NP_ENERGY_TABLE_COUNT; t++)
    for (int d = 0; d < NP_DTYPE_COUNT; d++) out->macs += k->macs[t][d], out->elements += k->elements[t][d];
  for (int e = 0; e < out->n_engines; e++)
    out->engines[e].busy_fraction = out->cycles > 0 ? (double)out->engines[e].busy_cycles / (double)out->cycles : 0;
  int64_t earlier_done = 0; /* when every layer before this one had ended */
  for (size_t i = 0; i < out->n_layers; i++) {
    NpLayerStats *l = &out->layers[i];
    credit_prefetch(&r->layer_acc[i], earlier_done, l);
    out->prefetch_hidden_cycles += l->prefetch_hidden_cycles;
    if (l->end > earlier_done) earlier_done = l->end;
    l->cycles = l->end - l->start;
    l->limit = limit_of(l);
    double peak = 0; /* MACs per cycle of the layer's array */
    if (l->engine >= 0 && l->engine < r->arch->n_engines) {
      const NpEngine *e = &r->arch->engines[l->engine];
      NpDtype dtype = r->schedule->dtype;
      double rate = dtype > NP_DTYPE_UNKNOWN && dtype < NP_DTYPE_COUNT ? e->dtype_rate[dtype] : 1;
      peak = (double)np_engine_kind_ops(e->kind)->array_pes(e) * rate;
    }
    l->utilization = peak > 0 && l->compute_cycles > 0 ? (double)l->macs / (peak * (double)l->compute_cycles) : 0;
  }
  energy_breakdown(r->arch, k, out->cycles, &out->energy);
}

void np_replay_free(NpReplay *r) {
  if (!r) return;
  free(r->cs);
  free(r->succ_first);
  free(r->succ);
  rheap_free(&r->events);
  rheap_free(&r->new_transfers);
  for (int e = 0; e < NP_ARCH_MAX_ENGINES; e++) rheap_free(&r->engines[e].ready);
  dma_free(&r->dma);
  sram_free(&r->sram);
  free(r->starting);
  free(r->st.layers);
  free(r->layer_acc);
  free(r);
}

void np_stats_free(NpStats *stats) {
  free(stats->layers);
  stats->layers = NULL;
  stats->n_layers = 0;
}

bool np_replay_run(const NpSchedule *schedule, const NpArch *arch, const NpReplayOptions *options, NpStats *out,
                   NpDiag *diag) {
  memset(out, 0, sizeof *out);
  NpReplay *r = np_replay_new(schedule, arch, options, diag);
  if (!r) return false;
  NpReplayProgress progress = options ? options->on_progress : NULL;
  uint64_t next_report = NP_REPLAY_PROGRESS_BURSTS;
  while (np_replay_advance(r)) {
    uint64_t issued = r->dma.next_request_id;
    if (progress && issued >= next_report) {
      progress(options->progress_user, (int64_t)issued);
      next_report = issued + NP_REPLAY_PROGRESS_BURSTS;
    }
  }
  bool ok = np_replay_finished(r) && !r->overflow && !r->dma.overflow;
  if (r->dma.overflow)
    np_diag_add(diag, "replay: config '%s': DRAM transfers run past 2^45 cycles, the longest run the replay times "
                "(dram.latency_cycles %lld, dram.bandwidth_gb_per_s %g, dram.max_outstanding_bursts %lld); raise "
                "the bandwidth or outstanding bursts, or lower the latency", arch->name,
                (long long)arch->dram.latency_cycles, arch->dram.bandwidth_gb_per_s,
                (long long)arch->dram.max_outstanding_bursts);
  else if (r->overflow)
    np_diag_add(diag, "replay: config '%s': the run passes 2^45 cycles, the longest run the replay times (an engine "
                "too slow for the work: see its throughput keys)", arch->name);
  else if (!ok)
    np_diag_add(diag, "replay: stopped at cycle %lld with %zu of %zu commands done: the DRAM model left requests "
                      "unanswered", (long long)r->now, r->done, schedule->n_cmds);
  else
    np_replay_stats(r, out);
  np_replay_free(r);
  return ok;
}
