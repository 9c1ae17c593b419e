/* The DMA and the built-in DRAM model (docs/timing.md, "DRAM").
 *
 * The DMA cuts each transfer into bursts and issues them round-robin over the active
 * transfers while fewer than max_outstanding_bursts are in flight. Whoever answers a burst
 * (the built-in model here, or a host) says when its last byte has moved; the burst's slot
 * frees at that cycle. A transfer is done when every burst of it is answered. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay_internal.h"
#include "util/mem.h"

/* ---- the built-in DRAM model: per channel, a FIFO data bus ---- */

static bool builtin_request(void *user, const NpDramRequest *req, int64_t *done_tick) {
  Dma *dma = user;
  int64_t ready = (req->issue_cycle + dma->latency) * NP_REPLAY_TICKS_PER_CYCLE;
  int64_t start = ready > dma->bus_free_tick[req->channel] ? ready : dma->bus_free_tick[req->channel];
  if (req->row_miss) start += dma->row_miss * NP_REPLAY_TICKS_PER_CYCLE;
  int64_t end = start + dma->burst_ticks; /* each term is at most NP_REPLAY_MAX_TICKS: no overflow */
  if (end > NP_REPLAY_MAX_TICKS) {
    dma->overflow = true;
    end = NP_REPLAY_MAX_TICKS;
  }
  dma->bus_free_tick[req->channel] = end;
  *done_tick = end;
  return true;
}

void dma_init(Dma *dma, const NpArch *arch, const NpCommand *cmds, const NpDramModel *host_model) {
  memset(dma, 0, sizeof *dma);
  dma->arch = arch;
  dma->cmds = cmds;
  dma->channels = arch->dram.channels > 0 ? arch->dram.channels : 1;
  dma->burst_bytes = arch->dram.burst_bytes > 0 ? arch->dram.burst_bytes : 1;
  dma->max_outstanding = arch->dram.max_outstanding_bursts > 0 ? arch->dram.max_outstanding_bursts : 1;
  dma->latency = arch->dram.latency_cycles;
  dma->row_span = arch->dram.row_bytes > 0 ? arch->dram.row_bytes * dma->channels : 0;
  dma->row_miss = arch->dram.row_miss_cycles;
  /* A burst longer than the whole replay's span stops the replay at its first burst. */
  double ticks = np_dram_burst_ticks(&arch->dram);
  dma->burst_ticks = ticks < (double)NP_REPLAY_MAX_TICKS ? (int64_t)ticks : NP_REPLAY_MAX_TICKS;
  dma->bus_free_tick = np_xcalloc((size_t)dma->channels, sizeof *dma->bus_free_tick);
  dma->builtin.request = builtin_request;
  dma->builtin.user = dma;
  dma->model = host_model ? host_model : &dma->builtin;
}

void dma_free(Dma *dma) {
  free(dma->bus_free_tick);
  free(dma->slots);
  free(dma->free_slots);
  free(dma->queue);
  free(dma->ring);
  memset(dma, 0, sizeof *dma);
}

/* ---- rings: the issue queue of slots, and the bursts in flight ---- */

/* Doubles a full ring's storage (or makes `initial` items), unwrapped to start at index 0.
 * Capacities stay powers of two (`initial` is one), so an index wraps with a mask: a
 * division per burst was most of the replay's time. */
static void ring_grow(void **items, size_t *head, size_t len, size_t *capacity, size_t item_size, size_t initial) {
  size_t old = *capacity, grown = old ? old * 2 : initial;
  char *to = np_xmalloc(grown * item_size);
  const char *from = *items;
  for (size_t i = 0; i < len; i++) memcpy(to + i * item_size, from + ((*head + i) % old) * item_size, item_size);
  free(*items);
  *items = to;
  *head = 0;
  *capacity = grown;
}

static void queue_push(Dma *dma, int32_t slot) {
  if (dma->q_len == dma->q_capacity)
    ring_grow((void **)&dma->queue, &dma->q_head, dma->q_len, &dma->q_capacity, sizeof *dma->queue, 16);
  dma->queue[(dma->q_head + dma->q_len) & (dma->q_capacity - 1)] = slot;
  dma->q_len++;
}

static int32_t queue_pop(Dma *dma) {
  int32_t slot = dma->queue[dma->q_head];
  dma->q_head = (dma->q_head + 1) & (dma->q_capacity - 1);
  dma->q_len--;
  return slot;
}

/* ---- bursts in flight, oldest first ---- */

static void ring_push(Dma *dma, int64_t done_cycle) {
  if (dma->ring_len == dma->ring_capacity)
    ring_grow((void **)&dma->ring, &dma->ring_head, dma->ring_len, &dma->ring_capacity, sizeof *dma->ring, 64);
  dma->ring[(dma->ring_head + dma->ring_len) & (dma->ring_capacity - 1)] = done_cycle;
  dma->ring_len++;
}

/* Slots free in issue order: the oldest burst retires once it and every older one are in. */
static void ring_retire(Dma *dma, int64_t now) {
  while (dma->ring_len > 0) {
    int64_t done = dma->ring[dma->ring_head];
    if (done < 0 || done > now) break;
    dma->ring_head = (dma->ring_head + 1) & (dma->ring_capacity - 1);
    dma->ring_len--;
    dma->ring_first_id++;
  }
}

/* ---- transfers ---- */

static int64_t bursts_of(int64_t bytes, int64_t burst) { return bytes > 0 ? np_ceil_div_i64(bytes, burst) : 0; }

/* The runs a transfer is cut into: at least 1, at most one per byte. */
static int64_t runs_of(int64_t bytes, int64_t runs) {
  if (runs < 1) runs = 1;
  return bytes > 0 && runs > bytes ? bytes : runs;
}

int64_t np_transfer_bursts(int64_t bytes, int64_t runs, int64_t burst_bytes) {
  if (bytes <= 0) return 0;
  if (burst_bytes < 1) burst_bytes = 1;
  runs = runs_of(bytes, runs);
  int64_t base = bytes / runs, extra = bytes % runs;
  return extra * bursts_of(base + 1, burst_bytes) + (runs - extra) * bursts_of(base, burst_bytes);
}

int64_t np_replay_bursts(const NpSchedule *schedule, const NpArch *arch) {
  int64_t total = 0;
  for (size_t i = 0; i < schedule->n_cmds; i++) {
    const NpCommand *c = &schedule->cmds[i];
    if (c->kind != NP_CMD_LOAD && c->kind != NP_CMD_STORE) continue;
    int64_t n = np_transfer_bursts(c->bytes, c->dram_runs, arch->dram.burst_bytes);
    if (!np_add_i64(total, n, &total)) return INT64_MAX; /* saturates: far past any bound */
  }
  return total;
}

int32_t dma_activate(Dma *dma, const NpCommand *cmd, int64_t now) {
  int32_t slot;
  if (dma->n_free > 0) {
    slot = dma->free_slots[--dma->n_free];
  } else {
    np_grow((void **)&dma->slots, &dma->slots_capacity, dma->n_slots + 1, sizeof *dma->slots);
    slot = (int32_t)dma->n_slots++;
  }
  Transfer *t = &dma->slots[slot];
  memset(t, 0, sizeof *t);
  t->cmd = cmd->id;
  t->write = cmd->kind == NP_CMD_STORE;
  t->start = now;
  int64_t bytes = cmd->bytes > 0 ? cmd->bytes : 0;
  int64_t runs = runs_of(bytes, cmd->dram_runs);
  t->runs = runs;
  t->run_base = bytes / runs;
  t->run_extra = bytes % runs;
  t->bursts = np_transfer_bursts(bytes, runs, dma->burst_bytes);
  int64_t addr = cmd->dram_addr > 0 ? cmd->dram_addr : 0;
  t->channel = (addr / dma->burst_bytes) % dma->channels;
  t->phase = t->row_pos = dma->row_span > 0 ? addr % dma->row_span : 0;
  t->max_end_tick = now * NP_REPLAY_TICKS_PER_CYCLE;
  if (t->bursts > 0) queue_push(dma, slot);
  return slot;
}

void dma_release(Dma *dma, int32_t slot) {
  np_grow((void **)&dma->free_slots, &dma->free_capacity, dma->n_free + 1, sizeof *dma->free_slots);
  dma->free_slots[dma->n_free++] = slot;
}

static int64_t run_bytes(const Transfer *t, int64_t run) { return t->run_base + (run < t->run_extra ? 1 : 0); }

/* Row model: a burst opens a row when it is among the first `channels` bursts of its run
 * (the first on its channel) or when the previous burst of its run on its channel, `channels`
 * bursts back, lay in another row. Rows span row_bytes x channels of address (channels
 * interleave by burst), and every run starts at the transfer's phase in the row span. Burst
 * by burst, without a division: the previous burst on this channel lies in another row when
 * the span from it to here holds a row boundary, that is when that span is a whole row or
 * more, or the position here within the row is less than it. */
static bool opens_row(const Dma *dma, const Transfer *t) {
  if (dma->row_span == 0) return false;
  if (t->run_burst < dma->channels) return true;
  int64_t back = dma->channels * dma->burst_bytes;
  return back >= dma->row_span || t->row_pos < back;
}

/* Moves the row position to the next burst of the run, or to the start of the next run. */
static void advance_row(const Dma *dma, Transfer *t, bool next_run) {
  if (dma->row_span == 0) return;
  if (next_run) {
    t->row_pos = t->phase;
    return;
  }
  t->row_pos += dma->burst_bytes;
  if (t->row_pos >= dma->row_span) t->row_pos %= dma->row_span;
}

/* A host may answer past the span the replay times: that stops the replay. */
static int64_t within_span(Dma *dma, int64_t done_tick) {
  if (done_tick <= NP_REPLAY_MAX_TICKS) return done_tick;
  dma->overflow = true;
  return NP_REPLAY_MAX_TICKS;
}

static void answered(Dma *dma, int32_t slot, int64_t done_tick, TransferDone done, void *user) {
  Transfer *t = &dma->slots[slot];
  t->answered++;
  if (done_tick > t->max_end_tick) t->max_end_tick = done_tick;
  if (t->answered == t->bursts) done(user, slot);
}

static void issue_one(Dma *dma, const NpCommand *cmd, int32_t slot, int64_t now, TransferDone done, void *user) {
  Transfer *t = &dma->slots[slot];
  int64_t len = run_bytes(t, t->run);
  int64_t offset = t->run_burst * dma->burst_bytes;
  int64_t bytes = len - offset < dma->burst_bytes ? len - offset : dma->burst_bytes;
  NpDramRequest req = {
      .id = dma->next_request_id++,
      .cmd = t->cmd,
      .write = t->write,
      .addr = (cmd->dram_addr > 0 ? cmd->dram_addr : 0) + t->run_offset + offset,
      .bytes = bytes,
      .channel = (int32_t)t->channel,
      .row_miss = opens_row(dma, t),
      .issue_cycle = now,
  };
  if (req.row_miss) t->row_misses++;
  t->issued++;
  if (++t->channel == dma->channels) t->channel = 0;
  bool next_run = offset + bytes >= len;
  if (next_run) {
    t->run_offset += len;
    t->run++;
    t->run_burst = 0;
  } else {
    t->run_burst++;
  }
  advance_row(dma, t, next_run);
  int64_t done_tick;
  if (dma->model->request(dma->model->user, &req, &done_tick)) {
    done_tick = within_span(dma, done_tick);
    if (done_tick < now * NP_REPLAY_TICKS_PER_CYCLE) done_tick = now * NP_REPLAY_TICKS_PER_CYCLE;
    ring_push(dma, ticks_to_cycles_ceil(done_tick));
    answered(dma, slot, done_tick, done, user);
  } else {
    ring_push(dma, -1);
    dma->pending_host++;
  }
}

static void issue_at(Dma *dma, int64_t now, TransferDone done, void *user) {
  ring_retire(dma, now);
  while (dma->q_len > 0 && (int64_t)dma->ring_len < dma->max_outstanding) {
    int32_t slot = queue_pop(dma);
    Transfer *t = &dma->slots[slot];
    if (t->issued + 1 < t->bursts) queue_push(dma, slot); /* round-robin: back of the queue */
    issue_one(dma, &dma->cmds[t->cmd], slot, now, done, user);
  }
}

void dma_issue(Dma *dma, int64_t now, const int64_t *horizon, TransferDone done, void *user) {
  issue_at(dma, now, done, user);
  /* Between the replay's events only the DMA acts: run it ahead without visiting the loop. */
  for (;;) {
    int64_t wake = dma_wake_cycle(dma);
    if (wake == NP_REPLAY_IDLE || wake >= *horizon || dma->overflow) break;
    issue_at(dma, wake > now ? wake : now, done, user);
  }
}

int64_t dma_wake_cycle(const Dma *dma) {
  if (dma->q_len == 0 || dma->ring_len == 0) return NP_REPLAY_IDLE;
  return dma->ring[dma->ring_head]; /* -1 (unanswered) is NP_REPLAY_IDLE */
}

bool dma_answer(Dma *dma, int32_t slot, uint64_t id, int64_t now, int64_t done_tick, TransferDone done, void *user) {
  if (slot < 0 || (size_t)slot >= dma->n_slots || id < dma->ring_first_id ||
      id - dma->ring_first_id >= dma->ring_len || done_tick < now * NP_REPLAY_TICKS_PER_CYCLE)
    return false;
  int64_t *entry = &dma->ring[(dma->ring_head + (id - dma->ring_first_id)) & (dma->ring_capacity - 1)];
  if (*entry >= 0) return false;
  done_tick = within_span(dma, done_tick);
  *entry = ticks_to_cycles_ceil(done_tick);
  dma->pending_host--;
  answered(dma, slot, done_tick, done, user);
  return true;
}

int64_t dma_alone_cycles(const Dma *dma, const Transfer *t) {
  if (t->bursts == 0) return 0;
  int64_t per_channel_bursts = np_ceil_div_i64(t->bursts, dma->channels);
  int64_t per_channel_misses = np_ceil_div_i64(t->row_misses, dma->channels);
  int64_t bus, misses, ticks;
  if (!np_mul_i64(per_channel_bursts, dma->burst_ticks, &bus) ||
      !np_mul_i64(per_channel_misses, dma->row_miss * NP_REPLAY_TICKS_PER_CYCLE, &misses) ||
      !np_add_i64(bus, misses, &ticks) || ticks > NP_REPLAY_MAX_TICKS)
    ticks = NP_REPLAY_MAX_TICKS; /* the transfer itself then passes the span and stops the replay */
  return dma->latency + ticks_to_cycles_ceil(ticks);
}
