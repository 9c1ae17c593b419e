/* Emission: the command stream of one inference, layer by layer, following each layer's
 * tiling (tile.c plans the same loads this file emits; see the rule there).
 *
 * Dependencies (docs/lowering.md, "Commands"):
 * - a layer's first LOAD and first COMPUTE wait for its inputs (directly, or through a SYNC
 *   when another engine produced them) and for the previous SRAM layer's last COMPUTE and
 *   STORE (its buffers are reused);
 * - LOADs of a layer are issued in order (each waits for the one before), and a LOAD into a
 *   buffer slot waits for the COMPUTE that last read that slot: with two slots, the LOAD of
 *   tile i+1 overlaps the COMPUTE of tile i;
 * - prefetch: a layer's weight LOADs that come before its first tile (cold resident weights,
 *   and its first streamed weight block when residency.c moved its weight buffer clear of
 *   the previous layer's) wait only for the previous SRAM layer's start and its last LOAD,
 *   as a DMA queue in program order (Vela's) runs them: while that layer's last tiles
 *   compute;
 * - COMPUTEs of a layer run in order and wait for the LOADs of their blocks, and an output
 *   slot is rewritten only after the STORE that read it;
 * - STOREs follow the COMPUTE that finished their tile, in order. */
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

__extension__ typedef __int128 wide;

#define N_BUFS (BUF_EXTRA + LOWER_MAX_EXTRAS)

typedef struct DepSet {
  int32_t *ids;
  size_t n, cap;
} DepSet;

static void dep_add(DepSet *d, int32_t id) {
  if (id < 0) return;
  np_grow((void **)&d->ids, &d->cap, d->n + 1, sizeof *d->ids);
  d->ids[d->n++] = id;
}

static int compare_ids(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

typedef struct Emitter {
  Lower *L;
  NpSchedule *s;
  size_t cmds_cap, deps_cap;
  int32_t prev_compute, prev_store; /* of the previous SRAM layer */
  int32_t anchor;                   /* the previous SRAM layer's first command that waited for
                                       its start: its first LOAD that is no prefetch, else its
                                       first COMPUTE; every earlier layer is done by its end */
  int32_t last_load;                /* the previous SRAM layer's last LOAD */
  bool *weight_loaded;              /* cold: resident weight tensor loaded already */
} Emitter;

/* Appends a command of `kind` with deps (sorted, unique); returns its id. */
static int32_t push(Emitter *E, NpCmdKind kind, int layer, DepSet *deps, const NpCommand *fields) {
  NpSchedule *s = E->s;
  np_grow((void **)&s->cmds, &E->cmds_cap, s->n_cmds + 1, sizeof *s->cmds);
  NpCommand *c = &s->cmds[s->n_cmds];
  *c = *fields;
  c->id = (int32_t)s->n_cmds++;
  c->kind = kind;
  c->layer = layer;
  c->first_dep = (int32_t)s->n_deps;
  c->n_deps = 0;
  if (deps && deps->n) {
    qsort(deps->ids, deps->n, sizeof *deps->ids, compare_ids);
    np_grow((void **)&s->deps, &E->deps_cap, s->n_deps + deps->n, sizeof *s->deps);
    for (size_t i = 0; i < deps->n; i++) {
      if (i > 0 && deps->ids[i] == deps->ids[i - 1]) continue;
      s->deps[s->n_deps++] = deps->ids[i];
      c->n_deps++;
    }
  }
  if (deps) deps->n = 0;
  if (kind == NP_CMD_LOAD) s->layers[layer].dram_read_bytes += c->bytes;
  if (kind == NP_CMD_STORE) s->layers[layer].dram_write_bytes += c->bytes;
  return c->id;
}

static NpCommand blank(void) {
  NpCommand c;
  memset(&c, 0, sizeof c);
  c.engine = c.from_engine = c.to_engine = -1;
  c.dram_addr = c.sram_offset = -1;
  return c;
}

/* Banks a buffer of `bytes` at `offset` touches: from offset/width, up to
 * min(banks, ceil(bytes / width)) banks, wrapping. */
static uint64_t bank_mask(const NpArch *a, int64_t offset, int64_t bytes) {
  if (offset < 0 || bytes <= 0) return 0;
  int64_t width = a->sram.bank_width_bytes, banks = a->sram.banks;
  int64_t first = offset / width, count = np_ceil_div_i64(bytes, width);
  if (count > banks) count = banks;
  uint64_t mask = 0;
  for (int64_t i = 0; i < count; i++) mask |= UINT64_C(1) << ((first + i) % banks);
  return mask;
}

static int64_t share(int64_t total, int64_t from, int64_t to, int64_t whole) {
  if (whole <= 0) return 0;
  return (int64_t)((wide)total * to / whole - (wide)total * from / whole);
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---------------------------------------------------------------- inputs and syncs */

/* Adds to `start` what the layer must wait for before touching value v; values from
 * another engine go through one SYNC per producing engine. */
typedef struct Pending {
  int engine;
  DepSet deps;
} Pending;

static void gather_input(Emitter *E, const LLayer *ly, int v, Pending *pend, int *n_pend, DepSet *start) {
  if (v < 0) return;
  Lower *L = E->L;
  const LValue *x = &L->values[v];
  if (x->producer < 0) return;
  const LLayer *prod = &L->layers[x->producer];
  if (prod->sram_engine != ly->sram_engine) L->crossings++;
  int32_t ready = (ly->sram_engine && x->on_chip) ? x->ready_chip : x->ready_dram;
  if (x->producer_engine == ly->engine) {
    dep_add(start, ready);
    return;
  }
  for (int i = 0; i < *n_pend; i++)
    if (pend[i].engine == x->producer_engine) {
      dep_add(&pend[i].deps, ready);
      return;
    }
  pend[*n_pend].engine = x->producer_engine;
  memset(&pend[*n_pend].deps, 0, sizeof pend[*n_pend].deps);
  dep_add(&pend[*n_pend].deps, ready);
  (*n_pend)++;
}

static void emit_syncs(Emitter *E, const LLayer *ly, int layer, DepSet *start) {
  Pending pend[3 + LOWER_MAX_EXTRAS];
  int n_pend = 0;
  int inputs[3 + LOWER_MAX_EXTRAS], n_inputs = 0;
  inputs[n_inputs++] = ly->in_value;
  inputs[n_inputs++] = ly->b_value;
  for (int k = 0; k < ly->n_extras; k++) inputs[n_inputs++] = ly->extras[k].value;
  for (int i = 0; i < n_inputs; i++) {
    bool seen = false;
    for (int j = 0; j < i && !seen; j++) seen = inputs[j] == inputs[i];
    if (!seen) gather_input(E, ly, inputs[i], pend, &n_pend, start);
  }
  for (int i = 0; i < n_pend; i++) {
    NpCommand c = blank();
    c.from_engine = pend[i].engine;
    c.to_engine = ly->engine;
    dep_add(start, push(E, NP_CMD_SYNC, layer, &pend[i].deps, &c));
    E->s->syncs++;
    free(pend[i].deps.ids);
  }
}

/* ---------------------------------------------------------------- CPU layers */

static NpDtype cpu_dtype(const NpEngine *e, NpDtype want) {
  if (e->dtype_rate[want] > 0) return want;
  if (e->dtype_rate[NP_DTYPE_FP32] > 0) return NP_DTYPE_FP32;
  for (int d = 0; d < NP_DTYPE_COUNT; d++)
    if (e->dtype_rate[d] > 0) return (NpDtype)d;
  return want;
}

static void output_dims(const Lower *L, const LLayer *ly, int64_t *rows, int64_t *cols, int64_t *chans) {
  int64_t phys[NP_MAX_RANK];
  const NpTensor *y = &L->graph->tensors[L->values[ly->out_value].tensor];
  int rank = np_tensor_physical_dims(y, phys);
  *chans = rank > 0 ? phys[rank - 1] : 1;
  *cols = rank > 1 ? phys[rank - 2] : 1;
  *rows = rank > 2 ? phys[rank - 3] : 1;
}

static void emit_cpu_layer(Emitter *E, LLayer *ly, int layer) {
  Lower *L = E->L;
  DepSet start = {0};
  emit_syncs(E, ly, layer, &start);
  NpCommand c = blank();
  c.engine = ly->engine;
  c.op_class = ly->cls;
  c.dtype = cpu_dtype(&L->arch->engines[ly->engine], ly->dtype);
  output_dims(L, ly, &c.tile_rows, &c.tile_cols, &c.tile_channels);
  c.tile_in_channels = ly->geo.in_c;
  const NpOp *op = &L->graph->ops[ly->op];
  if (ly->cls == NP_CLASS_MATRIX)
    c.macs = op->macs;
  else
    c.elements = op->elements;
  int64_t read = ly->weight_bytes;
  if (ly->in_value >= 0) read += L->values[ly->in_value].bytes;
  if (ly->b_value >= 0) read += L->values[ly->b_value].bytes;
  for (int k = 0; k < ly->n_extras; k++) read += L->values[ly->extras[k].value].bytes;
  int64_t write = L->values[ly->out_value].bytes;
  for (int k = 0; k < ly->n_other_outputs; k++) write += L->values[ly->other_outputs[k]].bytes;
  c.dram_read_bytes = read;
  c.dram_write_bytes = write;
  int32_t id = push(E, NP_CMD_COMPUTE, layer, &start, &c);
  E->s->layers[layer].dram_read_bytes += read;
  E->s->layers[layer].dram_write_bytes += write;
  LValue *out = &L->values[ly->out_value];
  out->ready_dram = id;
  out->producer_engine = ly->engine;
  for (int k = 0; k < ly->n_other_outputs; k++) {
    L->values[ly->other_outputs[k]].ready_dram = id;
    L->values[ly->other_outputs[k]].producer_engine = ly->engine;
  }
  free(start.ids);
}

/* ---------------------------------------------------------------- SRAM layers */

typedef struct Tile {
  int64_t n, r0, rc, c0, cc, co0, tcn, k0, tkn;
  int64_t ki, nci;
} Tile;

typedef struct Block {
  int64_t bytes, dram_addr, runs, sram_offset;
} Block;

typedef struct LayerState {
  const LLayer *ly;
  int layer;
  int64_t buf_base[N_BUFS];
  int64_t buf_step[N_BUFS];
  int slots[N_BUFS];
  int64_t key[N_BUFS][4];
  bool has_key[N_BUFS];
  int32_t cur_load[N_BUFS];
  int cur_slot[N_BUFS];
  int64_t cur_bytes[N_BUFS];
  int64_t cur_offset[N_BUFS];
  int64_t loads[N_BUFS];
  int32_t slot_reader[N_BUFS][2];
  int32_t slot_store[2];
  int64_t out_tiles;
  int32_t prev_load, prev_compute, prev_store;
  int32_t first_own_load, first_compute; /* its first LOAD that is no prefetch, first COMPUTE */
  int32_t partner;                       /* in a cascade: the other layer's COMPUTE the next
                                            one waits for (the rows it reads or overwrites) */
  DepSet start;
  bool started_loads, started_computes;
  DepSet resident_loads;
  int64_t volume_done, volume_total;
} LayerState;

/* NHWC address arithmetic on a tensor [n][h][w][c] of element size eb. */
static int64_t nhwc_offset(int64_t h, int64_t w, int64_t c, int64_t eb, int64_t n, int64_t r, int64_t col, int64_t ch) {
  return (((n * h + r) * w + col) * c + ch) * eb;
}

static int64_t nhwc_runs(int64_t w, int64_t c, int64_t rows, int64_t cols, int64_t chans) {
  if (chans < c) return rows * cols;
  if (cols < w) return rows;
  return 1;
}

/* Pushes a LOAD in the layer's order. A prefetch waits for the previous SRAM layer's start
 * (its anchor) and last LOAD rather than for this layer's start. */
static int32_t push_load(Emitter *E, LayerState *st, bool prefetch, DepSet *d, NpCommand *c) {
  dep_add(d, st->prev_load);
  if (prefetch) {
    dep_add(d, E->anchor);
    if (st->prev_load < 0) dep_add(d, E->last_load);
  } else {
    if (!st->started_loads)
      for (size_t i = 0; i < st->start.n; i++) dep_add(d, st->start.ids[i]);
    st->started_loads = true;
  }
  c->prefetch = prefetch;
  int32_t id = push(E, NP_CMD_LOAD, st->layer, d, c);
  st->prev_load = id;
  if (!prefetch && st->first_own_load < 0) st->first_own_load = id;
  if (prefetch) E->s->layers[st->layer].prefetch_bytes += c->bytes;
  return id;
}

static int32_t emit_load(Emitter *E, LayerState *st, int buf, NpData data, const Block *b, bool prefetch) {
  DepSet d = {0};
  int slot = (int)(st->loads[buf] % st->slots[buf]);
  dep_add(&d, st->slot_reader[buf][slot]);
  NpCommand c = blank();
  c.data = data;
  c.bytes = b->bytes;
  c.dram_addr = b->dram_addr;
  c.dram_runs = b->runs;
  c.sram_offset = st->buf_base[buf] + slot * st->buf_step[buf];
  c.banks = bank_mask(E->L->arch, c.sram_offset, c.bytes);
  int32_t id = push_load(E, st, prefetch, &d, &c);
  free(d.ids);
  st->loads[buf]++;
  st->cur_load[buf] = id;
  st->cur_slot[buf] = slot;
  st->cur_bytes[buf] = b->bytes;
  st->cur_offset[buf] = c.sram_offset;
  return id;
}

/* Loads the block a buffer needs when it differs from the one it holds. */
static void need_block(Emitter *E, LayerState *st, int buf, const int64_t key[4], NpData data, const Block *b,
                       bool prefetch) {
  if (st->has_key[buf] && memcmp(st->key[buf], key, sizeof st->key[buf]) == 0) return;
  memcpy(st->key[buf], key, sizeof st->key[buf]);
  st->has_key[buf] = true;
  if (b->bytes > 0) {
    emit_load(E, st, buf, data, b, prefetch);
  } else {
    st->cur_load[buf] = -1;
    st->cur_bytes[buf] = 0;
  }
}

static Block input_block(const Lower *L, const LLayer *ly, const Tile *t) {
  const LGeometry *g = &ly->geo;
  const LValue *x = &L->values[ly->in_value];
  Block b = {0, -1, 1, -1};
  int64_t rel;
  if (g->family == FAMILY_ROWS) {
    int64_t from = share(g->in_total, 0, t->r0, g->out_h);
    b.bytes = share(g->in_total, t->r0, t->r0 + t->rc, g->out_h);
    rel = from;
  } else {
    int64_t ir0, irc, ic0, icc;
    lower_input_span(g, true, t->r0, t->r0 + t->rc, &ir0, &irc);
    lower_input_span(g, false, t->c0, t->c0 + t->cc, &ic0, &icc);
    int64_t ch0 = t->k0, chn = t->tkn;
    if (g->groups > 1) {
      int64_t cpg = g->out_c / g->groups, cig = g->in_c / g->groups;
      ch0 = t->co0 / cpg * cig;
      chn = t->tcn / cpg * cig;
    }
    b.bytes = irc * icc * chn * g->in_eb;
    b.runs = nhwc_runs(g->in_w, g->in_c, irc, icc, chn);
    rel = nhwc_offset(g->in_h, g->in_w, g->in_c, g->in_eb, t->n, lower_ring_row(x, ir0), ic0, ch0);
  }
  b.dram_addr = x->dram_addr >= 0 ? x->dram_addr + rel : -1;
  b.sram_offset = x->on_chip ? x->sram_offset + rel : -1;
  return b;
}

static Block weight_block(const Lower *L, const LLayer *ly, const Tile *t) {
  const LGeometry *g = &ly->geo;
  Block b = {0, -1, 1, -1};
  int64_t rel = 0, base_dram = -1, base_sram = -1;
  if (ly->b_value >= 0) {
    base_dram = L->values[ly->b_value].dram_addr;
    base_sram = L->values[ly->b_value].on_chip ? L->values[ly->b_value].sram_offset : -1;
  } else if (ly->n_weights > 0) {
    base_dram = L->weight_dram[ly->weights[0]];
    base_sram = ly->resident ? L->weight_sram[ly->weights[0]] : -1;
  }
  if (g->family == FAMILY_ROWS) {
    b.bytes = g->w_total;
    b.runs = ly->n_weights > 0 ? ly->n_weights : 1;
  } else if (g->w_packed) {
    /* blocks in tile order, output-channel tiles outside input-channel chunks: a block starts
     * after every block of the output channels before it and the chunks before it in its
     * own output-channel tile */
    bool dense = g->groups <= 1;
    int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
    int64_t k0 = dense ? t->k0 : 0, tkn = dense ? t->tkn : cig;
    b.bytes = lower_pair_bytes(g, t->tcn * tkn);
    b.runs = 1;
    if (k0 == 0 && g->w_other > 0) {
      b.bytes += share(g->w_other, t->co0, t->co0 + t->tcn, g->out_c);
      b.runs += 1;
    }
    rel = lower_pair_offset(g, t->co0 * cig + k0 * t->tcn);
  } else if (g->w_rows_major) {
    int64_t k = g->in_c, n = g->out_c;
    int64_t nb = g->w_batched ? t->n : 0;
    b.bytes = lower_pair_bytes(g, t->tcn * t->tkn);
    if (!g->w_batched && t->k0 == 0 && g->w_other > 0) {
      b.bytes += share(g->w_other, t->co0, t->co0 + t->tcn, g->out_c);
      b.runs = 1;
    } else {
      b.runs = 0;
    }
    b.runs += t->tcn < n ? t->tkn : 1;
    rel = lower_pair_offset(g, nb * k * n + t->k0 * n + t->co0);
  } else {
    int64_t cig = g->in_c / g->groups, khw = g->kh * g->kw;
    int64_t element_bits = khw > 0 ? g->w_pair_bits / khw : 0;
    int64_t k0 = g->groups > 1 ? 0 : t->k0, tkn = g->groups > 1 ? cig : t->tkn;
    b.bytes = lower_pair_bytes(g, t->tcn * tkn);
    b.runs = tkn < cig ? t->tcn * khw : 1;
    if (k0 == 0 && g->w_other > 0) {
      b.bytes += share(g->w_other, t->co0, t->co0 + t->tcn, g->out_c);
      b.runs += 1;
    }
    if (g->transposed)
      rel = (k0 * khw * (g->out_c / g->groups) + t->co0) * element_bits / 8;
    else
      rel = (t->co0 * khw * cig + k0) * element_bits / 8;
  }
  b.dram_addr = base_dram >= 0 ? base_dram + rel : -1;
  b.sram_offset = base_sram >= 0 ? base_sram + rel : -1;
  return b;
}

/* A block shaped like the output tile, of value v (the output itself or a streamed operand). */
static Block output_shaped_block(const Lower *L, const LLayer *ly, const Tile *t, int v) {
  const LGeometry *g = &ly->geo;
  const LValue *x = &L->values[v];
  Block b = {0, -1, 1, -1};
  int64_t rel;
  if (g->family == FAMILY_ROWS) {
    b.bytes = share(x->bytes, t->r0, t->r0 + t->rc, g->out_h);
    rel = share(x->bytes, 0, t->r0, g->out_h);
  } else {
    int64_t eb = np_dtype_bytes(x->dtype);
    b.bytes = t->rc * t->cc * t->tcn * eb;
    b.runs = nhwc_runs(g->out_w, g->out_c, t->rc, t->cc, t->tcn);
    rel = nhwc_offset(g->out_h, g->out_w, g->out_c, eb, t->n, lower_ring_row(x, t->r0), t->c0, t->co0);
  }
  b.dram_addr = x->dram_addr >= 0 ? x->dram_addr + rel : -1;
  b.sram_offset = x->on_chip ? x->sram_offset + rel : -1;
  return b;
}

/* Loads the weight block tile t reads into the weight buffer, unless it holds it already. */
static void need_weights(Emitter *E, LayerState *st, const Tile *t, const Block *b, bool prefetch) {
  const LLayer *ly = st->ly;
  const LGeometry *g = &ly->geo;
  int64_t key[4] = {t->co0, t->k0, g->w_batched ? t->n : 0, 0};
  if (g->family == FAMILY_ROWS) key[0] = key[1] = 0;
  need_block(E, st, BUF_W, key, ly->b_value >= 0 ? NP_DATA_ACTIVATION : NP_DATA_WEIGHT, b, prefetch);
}

/* The tile at loop indices idx of the layer's plan. */
static Tile tile_at(const LLayer *ly, const int64_t idx[V_COUNT]) {
  const LGeometry *g = &ly->geo;
  const LTilePlan *p = &ly->plan;
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  Tile t;
  t.n = idx[V_N];
  t.r0 = idx[V_R] * p->th, t.rc = min64(p->th, g->out_h - t.r0);
  t.c0 = idx[V_C] * p->tw, t.cc = min64(p->tw, g->out_w - t.c0);
  t.co0 = idx[V_CO] * p->tc, t.tcn = min64(p->tc, g->out_c - t.co0);
  t.ki = idx[V_CI], t.nci = p->nci;
  t.k0 = dense ? idx[V_CI] * p->tk : 0;
  t.tkn = dense ? min64(p->tk, cig - t.k0) : cig;
  return t;
}

/* Cold resident weights, and with a prefetch the first tile's weight block: loaded ahead of
 * the layer's start. */
static void emit_prefetches(Emitter *E, LayerState *st) {
  Lower *L = E->L;
  const LLayer *ly = st->ly;
  if (ly->resident && !L->warm) {
    for (int k = 0; k < ly->n_weights; k++) {
      int t = ly->weights[k];
      if (E->weight_loaded[t]) continue;
      E->weight_loaded[t] = true;
      DepSet d = {0};
      NpCommand c = blank();
      c.data = NP_DATA_WEIGHT;
      c.bytes = lower_tensor_bytes(L, t);
      c.dram_addr = L->weight_dram[t];
      c.dram_runs = 1;
      c.sram_offset = L->weight_sram[t];
      c.banks = bank_mask(L->arch, c.sram_offset, c.bytes);
      dep_add(&st->resident_loads, push_load(E, st, true, &d, &c));
      free(d.ids);
    }
  }
  if (ly->prefetch) {
    const int64_t first[V_COUNT] = {0, 0, 0, 0, 0};
    Tile t = tile_at(ly, first);
    Block b = weight_block(L, ly, &t);
    need_weights(E, st, &t, &b, true);
  }
}

static void begin_layer(Emitter *E, LayerState *st, const LLayer *ly, int layer) {
  Lower *L = E->L;
  memset(st, 0, sizeof *st);
  st->ly = ly;
  st->layer = layer;
  st->prev_load = st->prev_compute = st->prev_store = st->partner = -1;
  st->first_own_load = st->first_compute = -1;
  for (int b = 0; b < N_BUFS; b++) {
    st->cur_load[b] = -1;
    st->slot_reader[b][0] = st->slot_reader[b][1] = -1;
  }
  st->slot_store[0] = st->slot_store[1] = -1;
  /* the buffers from act_base in order, but the weights' at w_base (residency.c) */
  int64_t offset = ly->act_base;
  for (int b = 0; b < BUF_EXTRA + ly->n_extras; b++) {
    st->slots[b] = ly->plan.buf_slots[b] > 0 ? ly->plan.buf_slots[b] : 1;
    st->buf_step[b] = lower_align(L, ly->plan.buf_bytes[b]);
    st->buf_base[b] = b == BUF_W ? ly->w_base : offset;
    if (b != BUF_W) offset += st->buf_step[b] * ly->plan.buf_slots[b];
  }
  emit_syncs(E, ly, layer, &st->start);
  dep_add(&st->start, E->prev_compute);
  dep_add(&st->start, E->prev_store);
  emit_prefetches(E, st);
  const LGeometry *g = &ly->geo;
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  st->volume_total = g->batch * g->out_h * g->out_w * g->out_c * (dense ? g->in_c : 1);
}

static void emit_tile(Emitter *E, LayerState *st, const Tile *t) {
  Lower *L = E->L;
  const LLayer *ly = st->ly;
  const LGeometry *g = &ly->geo;
  const LValue *out = &L->values[ly->out_value];
  DepSet d = {0};
  int64_t read_bytes = 0;
  uint64_t banks_read = 0;
  bool in_dram = ly->plan.buf_slots[BUF_IN] > 0;
  bool w_dram = ly->plan.buf_slots[BUF_W] > 0;
  /* input */
  if (ly->in_value >= 0 && g->in_total > 0) {
    Block b = input_block(L, ly, t);
    if (in_dram) {
      int64_t key[4] = {t->n, t->r0, t->c0, g->groups > 1 ? t->co0 : t->k0};
      if (g->family == FAMILY_ROWS) key[3] = 0;
      need_block(E, st, BUF_IN, key, NP_DATA_ACTIVATION, &b, false);
      dep_add(&d, st->cur_load[BUF_IN]);
      read_bytes += st->cur_bytes[BUF_IN];
      banks_read |= bank_mask(L->arch, st->cur_offset[BUF_IN], st->cur_bytes[BUF_IN]);
    } else {
      read_bytes += b.bytes;
      banks_read |= bank_mask(L->arch, b.sram_offset, b.bytes);
    }
  }
  /* weights */
  if (g->w_total > 0 || ly->b_value >= 0) {
    Block b = weight_block(L, ly, t);
    if (w_dram) {
      need_weights(E, st, t, &b, false);
      dep_add(&d, st->cur_load[BUF_W]);
      read_bytes += st->cur_bytes[BUF_W];
      banks_read |= bank_mask(L->arch, st->cur_offset[BUF_W], st->cur_bytes[BUF_W]);
    } else {
      read_bytes += b.bytes;
      banks_read |= bank_mask(L->arch, b.sram_offset, b.bytes);
    }
  }
  /* extra operands */
  for (int i = 0; i < ly->n_extras; i++) {
    int buf = BUF_EXTRA + i;
    const LValue *x = &L->values[ly->extras[i].value];
    Block b;
    if (ly->extras[i].broadcast) {
      b = (Block){x->bytes, x->dram_addr, 1, x->on_chip ? x->sram_offset : -1};
    } else {
      b = output_shaped_block(L, ly, t, ly->extras[i].value);
    }
    if (ly->plan.buf_slots[buf] > 0) {
      int64_t key[4] = {0, 0, 0, 0};
      if (!ly->extras[i].broadcast) key[0] = t->n, key[1] = t->r0, key[2] = t->c0, key[3] = t->co0;
      need_block(E, st, buf, key, NP_DATA_ACTIVATION, &b, false);
      dep_add(&d, st->cur_load[buf]);
      read_bytes += st->cur_bytes[buf];
      banks_read |= bank_mask(L->arch, st->cur_offset[buf], st->cur_bytes[buf]);
    } else {
      read_bytes += b.bytes;
      banks_read |= bank_mask(L->arch, b.sram_offset, b.bytes);
    }
  }
  /* compute */
  Block ob = output_shaped_block(L, ly, t, ly->out_value);
  bool staged = ly->plan.buf_slots[BUF_OUT] > 0;
  int out_slot = staged ? (int)(st->out_tiles % st->slots[BUF_OUT]) : 0;
  int64_t out_offset = staged ? st->buf_base[BUF_OUT] + out_slot * st->buf_step[BUF_OUT] : ob.sram_offset;
  if (staged && t->ki == 0) dep_add(&d, st->slot_store[out_slot]);
  if (!st->started_computes) {
    for (size_t i = 0; i < st->start.n; i++) dep_add(&d, st->start.ids[i]);
    for (size_t i = 0; i < st->resident_loads.n; i++) dep_add(&d, st->resident_loads.ids[i]);
    st->started_computes = true;
  }
  dep_add(&d, st->prev_compute);
  dep_add(&d, st->partner);
  NpCommand c = blank();
  c.engine = ly->engine;
  c.op_class = ly->cls;
  c.dtype = ly->dtype;
  c.tile_rows = t->rc, c.tile_cols = t->cc, c.tile_channels = t->tcn;
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  c.tile_in_channels = dense ? t->tkn : (g->family == FAMILY_WINDOW ? t->tcn / (g->out_c / g->groups) * (g->in_c / g->groups) : t->tcn);
  int64_t volume = t->rc * t->cc * t->tcn * (dense ? t->tkn : 1);
  int64_t work = share(g->work_total, st->volume_done, st->volume_done + volume, st->volume_total);
  st->volume_done += volume;
  if (ly->cls == NP_CLASS_MATRIX) {
    c.macs = work;
    if (g->matrix) {
      int64_t groups_in_tile = g->groups > 1 ? t->tcn / (g->out_c / g->groups) : 1;
      c.gemm.m = t->rc * t->cc;
      c.gemm.n = g->groups > 1 ? g->out_c / g->groups : t->tcn;
      c.gemm.batch = groups_in_tile;
      if (g->transposed) {
        int64_t mnb = c.gemm.m * c.gemm.n * c.gemm.batch;
        c.gemm.k = mnb > 0 ? np_ceil_div_i64(work, mnb) : 0;
      } else {
        c.gemm.k = g->kh * g->kw * c.tile_in_channels / groups_in_tile;
      }
    }
  } else {
    c.elements = work;
  }
  if (t->ki > 0) {
    read_bytes += ob.bytes; /* partial sums */
    banks_read |= bank_mask(L->arch, out_offset, ob.bytes);
  }
  c.sram_read_bytes = read_bytes;
  c.sram_write_bytes = ob.bytes;
  c.banks_read = banks_read;
  c.banks_written = bank_mask(L->arch, out_offset, ob.bytes);
  int32_t id = push(E, NP_CMD_COMPUTE, st->layer, &d, &c);
  st->prev_compute = id;
  if (st->first_compute < 0) st->first_compute = id;
  for (int b = 0; b < BUF_EXTRA + ly->n_extras; b++)
    if (b != BUF_OUT && ly->plan.buf_slots[b] > 0 && st->cur_load[b] >= 0) st->slot_reader[b][st->cur_slot[b]] = id;
  /* store a finished output tile */
  if (t->ki == t->nci - 1) {
    if (out->needs_dram) {
      dep_add(&d, id);
      dep_add(&d, st->prev_store);
      NpCommand s = blank();
      s.data = NP_DATA_ACTIVATION;
      s.bytes = ob.bytes;
      s.dram_addr = ob.dram_addr;
      s.dram_runs = ob.runs;
      s.sram_offset = out_offset;
      s.banks = bank_mask(L->arch, out_offset, ob.bytes);
      st->prev_store = push(E, NP_CMD_STORE, st->layer, &d, &s);
      if (staged) st->slot_store[out_slot] = st->prev_store;
    }
    st->out_tiles++;
  }
  free(d.ids);
}

/* Steps the loop nest of the layer's plan to the next tile; false after the last. */
static bool next_tile(const LLayer *ly, int64_t idx[V_COUNT]) {
  const LTilePlan *p = &ly->plan;
  int64_t trips[V_COUNT] = {ly->geo.batch, p->nr, p->nc, p->nco, p->nci};
  const int *levels = lower_loop_levels[p->order];
  int level = V_COUNT - 1;
  while (level >= 0 && ++idx[levels[level]] == trips[levels[level]]) idx[levels[level--]] = 0;
  return level >= 0;
}

/* After a layer's last tile: its further outputs, and what the next layer waits for. */
static void end_layer(Emitter *E, LayerState *st) {
  Lower *L = E->L;
  const LLayer *ly = st->ly;
  /* further outputs (Split and the like) go to DRAM whole */
  for (int k = 0; k < ly->n_other_outputs; k++) {
    LValue *x = &L->values[ly->other_outputs[k]];
    DepSet d = {0};
    dep_add(&d, st->prev_compute);
    dep_add(&d, st->prev_store);
    NpCommand s = blank();
    s.data = NP_DATA_ACTIVATION;
    s.bytes = x->bytes;
    s.dram_addr = x->dram_addr;
    s.dram_runs = 1;
    s.sram_offset = ly->act_base;
    s.banks = bank_mask(L->arch, s.sram_offset, s.bytes);
    st->prev_store = push(E, NP_CMD_STORE, st->layer, &d, &s);
    x->ready_dram = st->prev_store;
    x->producer_engine = ly->engine;
    free(d.ids);
  }
  LValue *out = &L->values[ly->out_value];
  out->ready_chip = st->prev_compute;
  out->ready_dram = out->needs_dram ? st->prev_store : -1;
  out->producer_engine = ly->engine;
  E->prev_compute = st->prev_compute;
  if (st->prev_store >= 0) E->prev_store = st->prev_store;
  E->anchor = st->first_own_load >= 0 ? st->first_own_load : st->first_compute;
  E->last_load = st->prev_load;
  free(st->start.ids);
  free(st->resident_loads.ids);
}

static void emit_sram_layer(Emitter *E, LLayer *ly, int layer) {
  LayerState st;
  begin_layer(E, &st, ly, layer);
  int64_t idx[V_COUNT] = {0, 0, 0, 0, 0};
  do {
    Tile t = tile_at(ly, idx);
    emit_tile(E, &st, &t);
  } while (next_tile(ly, idx));
  end_layer(E, &st);
}

/* The tail's tiles whose input rows the head has computed (rows below `done`), in order. */
static void emit_tail_tiles(Emitter *E, LayerState *tail, int64_t idx[V_COUNT], bool *more, int64_t done,
                            int32_t head_compute) {
  while (*more) {
    Tile t = tile_at(tail->ly, idx);
    if (lower_cascade_rows_needed(tail->ly, t.r0, t.rc) > done) return;
    tail->partner = head_compute;
    emit_tile(E, tail, &t);
    *more = next_tile(tail->ly, idx);
  }
}

/* A cascade (cascade.c): the head's tiles band by band, each band of the tail as soon as
 * the head has computed the rows it reads; a new band of the head waits for the tail's last
 * COMPUTE, which read the rows of the rolling buffer it overwrites. Both layers start when a
 * lone layer there would; the head's output goes nowhere but the rolling buffer. */
static void emit_cascade(Emitter *E, int head) {
  Lower *L = E->L;
  LLayer *a = &L->layers[head], *b = &L->layers[head + 1];
  LayerState sa, sb;
  begin_layer(E, &sa, a, head);
  L->values[a->out_value].producer_engine = a->engine; /* read on the same engine, band by band */
  begin_layer(E, &sb, b, head + 1);
  int64_t ia[V_COUNT] = {0, 0, 0, 0, 0}, ib[V_COUNT] = {0, 0, 0, 0, 0};
  bool tail_more = true;
  int64_t band = -1;
  do {
    Tile t = tile_at(a, ia);
    if (t.r0 != band) {
      band = t.r0;
      emit_tail_tiles(E, &sb, ib, &tail_more, band, sa.prev_compute);
      sa.partner = sb.prev_compute;
    }
    emit_tile(E, &sa, &t);
  } while (next_tile(a, ia));
  emit_tail_tiles(E, &sb, ib, &tail_more, a->geo.out_h, sa.prev_compute);
  int32_t last_load = sa.prev_load > sb.prev_load ? sa.prev_load : sb.prev_load;
  end_layer(E, &sa);
  end_layer(E, &sb);
  E->last_load = last_load;
}

/* A layer's commands run from its first to its last; a cascade's two layers' interleave. */
static void command_range(NpSchedule *s, int layer, size_t from) {
  NpLayerPlan *plan = &s->layers[layer];
  plan->first_cmd = (int32_t)from;
  plan->n_cmds = 0;
  for (size_t c = from; c < s->n_cmds; c++) {
    if (s->cmds[c].layer != layer) continue;
    if (plan->n_cmds == 0) plan->first_cmd = (int32_t)c;
    plan->n_cmds = (int32_t)(c + 1 - (size_t)plan->first_cmd);
  }
}

void lower_emit(Lower *L, NpSchedule *s) {
  Emitter E;
  memset(&E, 0, sizeof E);
  E.L = L;
  E.s = s;
  E.prev_compute = E.prev_store = E.anchor = E.last_load = -1;
  E.weight_loaded = np_xcalloc(L->graph->n_tensors + 1, sizeof *E.weight_loaded);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    size_t from = s->n_cmds;
    if (ly->cascade_head) {
      emit_cascade(&E, (int)i);
      command_range(s, (int)i, from);
      command_range(s, (int)++i, from);
    } else if (ly->sram_engine) {
      emit_sram_layer(&E, ly, (int)i);
      command_range(s, (int)i, from);
    } else {
      emit_cpu_layer(&E, ly, (int)i);
      command_range(s, (int)i, from);
    }
  }
  for (size_t i = 0; i < L->n_layers; i++) {
    s->dram_read_bytes += s->layers[i].dram_read_bytes;
    s->dram_write_bytes += s->layers[i].dram_write_bytes;
  }
  free(E.weight_loaded);
}
