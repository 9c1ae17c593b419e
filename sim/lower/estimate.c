/* The cost model: how many cycles a layer takes under a tile plan, from the replay's own
 * formulas in closed form (docs/lowering.md, "Cost model"; docs/timing.md for the formulas).
 *
 * - compute: every tile's GEMM through the engine's cycles formula (np_engine_cycles: folds
 *   with their fill and drain on a MAC array, elements over throughput elsewhere), or its
 *   SRAM bank time when that is longer;
 * - DMA: each transfer's bursts (short ones included), its runs' row misses, the latency,
 *   the channels and the outstanding-burst limit;
 * - overlap: LOADs run one after another, as do COMPUTEs and STOREs, and double buffering
 *   lets the next tile's LOAD run beside this tile's COMPUTE, so a layer takes the longer of
 *   its two chains (loads then the last compute; the first loads then every compute), plus
 *   its last STORE.
 * Tiles of a layer come in at most two sizes per dim (whole and remainder), so every sum
 * here is over at most 16 tile shapes, whatever the number of tiles. */
#include <math.h>
#include <string.h>

#include "lower/lower_internal.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---------------------------------------------------------------- DRAM transfers */

void lower_rates(const NpArch *arch, LRates *r) {
  const NpDram *d = &arch->dram;
  const NpSram *s = &arch->sram;
  memset(r, 0, sizeof *r);
  r->burst = (double)(d->burst_bytes > 0 ? d->burst_bytes : 1);
  r->channels = (double)(d->channels > 0 ? d->channels : 1);
  double outstanding = (double)(d->max_outstanding_bursts > 0 ? d->max_outstanding_bursts : 1);
  r->latency_ticks = (double)d->latency_cycles * NP_DRAM_TICKS_PER_CYCLE;
  r->burst_ticks = np_dram_burst_ticks(d);
  /* bursts leave at the pace of the channels' buses, or of the outstanding limit when a
   * burst's round trip is longer than that many bursts of bus time */
  r->interval_ticks = lower_max(r->burst_ticks / r->channels, (r->latency_ticks + r->burst_ticks) / outstanding);
  r->row_span = (double)d->row_bytes * r->channels;
  r->miss_ticks = d->row_bytes > 0 ? (double)d->row_miss_cycles * NP_DRAM_TICKS_PER_CYCLE : 0;
  r->bank_width = (double)s->bank_width_bytes;
  r->banks = (double)s->banks;
  r->ports = (double)(s->ports_per_bank > 0 ? s->ports_per_bank : 1);
  r->bus = d->bytes_per_cycle > 0;
}

LTransfer lower_transfer(const LRates *r, double bytes, double runs) {
  LTransfer t = {0, 0, 0};
  if (bytes <= 0) return t;
  double C = r->channels, bt = r->burst_ticks;
  if (runs < 1) runs = 1;
  double run_bytes = bytes / runs;
  double per_run = ceil(run_bytes / r->burst), bursts = runs * per_run;
  /* each run opens a row on every channel it touches, and one more each time it crosses
   * a row of row_bytes x channels bytes */
  double misses = r->miss_ticks > 0 ? runs * (lower_min(C, per_run) + floor(run_bytes / r->row_span) * C) : 0;
  double miss_ticks = misses * r->miss_ticks;
  double ticks = r->latency_ticks + bt + (bursts - 1) * r->interval_ticks + miss_ticks / C;
  t.cycles = ceil(ticks / NP_DRAM_TICKS_PER_CYCLE);
  t.bus_cycles = (ceil(bursts / C) * bt + miss_ticks / C) / NP_DRAM_TICKS_PER_CYCLE;
  /* the SRAM side: the bytes spread over the banks they touch */
  double lines = ceil(bytes / r->bank_width);
  double sram = ceil(ceil(lines / lower_min(r->banks, lines)) / r->ports);
  if (sram > t.cycles) t.cycles = sram;
  t.sram_lines = lines;
  return t;
}

/* ---------------------------------------------------------------- compute */

/* The cycles an SRAM bank set needs for one COMPUTE reading and writing these bytes: the
 * lines spread over the banks they can use (docs/timing.md, "SRAM banks"). */
static double bank_cycles(const NpSram *s, double read, double write, double *lines_out) {
  double lines = ceil(read / (double)s->bank_width_bytes) + ceil(write / (double)s->bank_width_bytes);
  *lines_out = lines;
  if (lines <= 0) return 0;
  double banks = lower_min((double)s->banks, lines), ports = (double)(s->ports_per_bank > 0 ? s->ports_per_bank : 1);
  return ceil(ceil(lines / banks) / ports);
}

/* Input rows (or columns) a tile of `tile` outputs reads, unclipped by the image. */
static int64_t window_extent(int64_t tile, int64_t stride, int64_t kernel, int64_t dilation, int64_t extent) {
  return min64((tile - 1) * stride + (kernel - 1) * dilation + 1, extent);
}

/* One tile shape: rows x cols x out-channels x in-channel chunk. */
typedef struct Shape {
  int64_t rc, cc, tcn, tkn;
} Shape;

/* One tile shape's COMPUTE: the engine's cycles, and the SRAM bytes it reads (partial sums
 * apart) and writes. */
typedef struct TileWork {
  double engine, read, write;
} TileWork;

static TileWork tile_work(const Lower *L, const LLayer *ly, const Shape *t) {
  const LGeometry *g = &ly->geo;
  const NpEngine *e = &L->arch->engines[ly->engine];
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  int64_t cpg = g->groups > 1 ? g->out_c / g->groups : 1, cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t volume = t->rc * t->cc * t->tcn * (dense ? t->tkn : 1);
  int64_t volume_total = g->batch * g->out_h * g->out_w * g->out_c * (dense ? g->in_c : 1);
  double work = volume_total > 0 ? (double)g->work_total * (double)volume / (double)volume_total : 0;
  NpGemmShape gemm = {0, 0, 0, 0};
  if (ly->cls == NP_CLASS_MATRIX && g->matrix) {
    int64_t groups_in_tile = g->groups > 1 ? t->tcn / cpg : 1;
    gemm.m = t->rc * t->cc;
    gemm.n = g->groups > 1 ? cpg : t->tcn;
    gemm.batch = groups_in_tile;
    int64_t mnb = gemm.m * gemm.n * gemm.batch;
    gemm.k = g->transposed ? (mnb > 0 ? (int64_t)ceil(work / (double)mnb) : 0) : g->kh * g->kw * (dense ? t->tkn : cig);
  }
  int64_t units = (int64_t)ceil(work);
  NpEngineWork w = {ly->cls, ly->dtype, gemm, ly->cls == NP_CLASS_MATRIX ? units : 0, ly->cls == NP_CLASS_MATRIX ? 0 : units};
  int64_t engine = np_engine_cycles(e, &w);
  TileWork tw = {engine < 0 ? 1e18 : (double)engine, 0, 0};
  /* SRAM bytes the COMPUTE reads and writes */
  int64_t in_eb = g->in_eb, out_bytes = t->rc * t->cc * t->tcn * g->out_eb;
  double read = 0;
  if (g->in_total > 0) {
    if (g->family == FAMILY_WINDOW) {
      int64_t chunk = dense ? t->tkn : t->tcn / cpg * cig;
      int64_t rows = g->transposed ? g->in_h : window_extent(t->rc, g->sh, g->kh, g->dh, g->in_h);
      int64_t cols = g->transposed ? g->in_w : window_extent(t->cc, g->sw, g->kw, g->dw, g->in_w);
      read += (double)(rows * cols * chunk * in_eb);
    } else {
      read += (double)g->in_total * (double)t->rc / (double)max64(g->out_h, 1);
    }
  }
  if (g->w_total > 0) read += (double)g->w_total * (double)t->tcn / (double)max64(g->out_c, 1) *
                              (dense ? (double)t->tkn / (double)max64(cig, 1) : 1.0);
  for (int i = 0; i < ly->n_extras; i++)
    read += ly->extras[i].broadcast ? 0 : (double)out_bytes;
  tw.read = read, tw.write = (double)out_bytes;
  return tw;
}

/* A tile's compute time: the engine's, or its SRAM bank time when that is longer; all but
 * the first chunk of an output tile also read its partial sums. */
static double tile_cycles(const Lower *L, const TileWork *w, bool first_chunk, double *lines) {
  double read = w->read + (first_chunk ? 0 : w->write);
  double bank = bank_cycles(&L->arch->sram, read, w->write, lines);
  return w->engine > bank ? w->engine : bank;
}

/* The two sizes of a tiled dim and how many tiles have each. */
static void dim_sizes(int64_t extent, int64_t tile, int64_t size[2], int64_t count[2]) {
  size[0] = tile, count[0] = extent / tile;
  size[1] = extent % tile, count[1] = size[1] > 0 ? 1 : 0;
}

/* Sum of compute cycles over the layer's tiles; `last` gets one tile's (the last), `lines`
 * the SRAM bank lines they all read and write. */
static double compute_cycles(const Lower *L, const LLayer *ly, const LTileSizes *p, double *last, double *lines) {
  const LGeometry *g = &ly->geo;
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t rs[2], rn[2], cs[2], cn[2], ks[2], kn[2], is[2], in[2];
  dim_sizes(g->out_h, p->th, rs, rn);
  dim_sizes(g->out_w, p->tw, cs, cn);
  dim_sizes(g->out_c, p->tc, ks, kn);
  if (dense) {
    dim_sizes(cig, p->tk, is, in);
  } else {
    is[0] = cig, in[0] = 1, is[1] = 0, in[1] = 0;
  }
  double sum = 0;
  *last = *lines = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 2; c++)
        for (int d = 0; d < 2; d++) {
          int64_t count = rn[a] * cn[b] * kn[c] * in[d] * g->batch;
          if (count == 0) continue;
          /* the first chunk of an output tile (always a whole one) reads no partial sums */
          int64_t firsts = d == 0 ? rn[a] * cn[b] * kn[c] * g->batch : 0;
          Shape t = {rs[a], cs[b], ks[c], dense ? is[d] : cig};
          TileWork w = tile_work(L, ly, &t);
          double first_lines = 0, later_lines = 0;
          double first = firsts > 0 ? tile_cycles(L, &w, true, &first_lines) : 0;
          double later = count > firsts ? tile_cycles(L, &w, false, &later_lines) : 0;
          sum += (double)firsts * first + (double)(count - firsts) * later;
          *lines += (double)firsts * first_lines + (double)(count - firsts) * later_lines;
          *last = count > firsts ? later : first;
        }
  return sum;
}

/* ---------------------------------------------------------------- the layer */

LCompute lower_estimate_compute(const Lower *L, const LLayer *ly, const LTileSizes *p) {
  LCompute c;
  c.cycles = compute_cycles(L, ly, p, &c.last, &c.lines);
  return c;
}

LEstimate lower_estimate_plan(const Lower *L, const LCompute *compute, const LStream *streams,
                              int n_streams) {
  LEstimate e;
  memset(&e, 0, sizeof e);
  e.compute = compute->cycles;
  double last_compute = compute->last, lines = compute->lines;
  double first_loads = 0, load_chain = 0, store_chain = 0, bus = 0, last_store = 0;
  for (int i = 0; i < n_streams; i++) {
    const LStream *s = &streams[i];
    if (s->count <= 0 || s->bytes <= 0) continue;
    LTransfer one = lower_transfer(&L->rates, s->bytes / (double)s->count, s->runs);
    bus += one.bus_cycles * (double)s->count;
    lines += one.sram_lines * (double)s->count;
    if (s->store) {
      store_chain += one.cycles * (double)s->count;
      last_store = one.cycles;
    } else {
      load_chain += one.cycles * (double)s->count;
      first_loads += one.cycles;
    }
  }
  e.dma = lower_max(lower_max(load_chain, store_chain), bus);
  double stores_before_last = store_chain - last_store;
  double dma_bound = lower_max(load_chain, lower_max(stores_before_last, bus - last_store)) + last_compute;
  e.cycles = lower_max(first_loads + e.compute, dma_bound) + last_store;
  e.tail = last_compute + last_store;
  /* commands that overlap in time still share the banks: every line the layer moves takes
   * a bank port for a cycle */
  const NpSram *sr = &L->arch->sram;
  e.sram = lines / ((double)sr->banks * (double)(sr->ports_per_bank > 0 ? sr->ports_per_bank : 1));
  if (e.sram > e.cycles) e.cycles = e.sram;
  return e;
}

/* What one emitted command adds to its layer's estimate beyond the tile plan. */
static double command_extra(const Lower *L, const LLayer *ly, const NpCommand *c) {
  const NpArch *a = L->arch;
  switch (c->kind) {
    case NP_CMD_SYNC: return (double)a->sync.cycles[a->engines[c->from_engine].kind][a->engines[c->to_engine].kind];
    case NP_CMD_LOAD: /* a layer with resident weights loads weights only in a cold schedule */
      return c->data == NP_DATA_WEIGHT && ly->resident ? lower_transfer(&L->rates, (double)c->bytes, 1).cycles : 0;
    case NP_CMD_COMPUTE:
      if (ly->sram_engine) return 0;
      NpEngineWork w = {c->op_class, c->dtype, c->gemm, c->macs, c->elements};
      int64_t cycles = np_engine_cycles(&a->engines[c->engine], &w);
      return cycles > 0 ? (double)cycles : 0;
    case NP_CMD_STORE: return 0;
  }
  return 0;
}

int64_t np_schedule_accelerator_cuts(const NpSchedule *s, const NpArch *arch) {
  int64_t runs = 0;
  bool any_accelerated = false, in_run = false;
  for (size_t i = 0; i < s->n_layers; i++) {
    int32_t e = s->layers[i].engine;
    bool off = e >= 0 && e < arch->n_engines && np_engine_off_accelerator(&arch->engines[e]);
    if (off && !in_run) runs++;
    in_run = off;
    any_accelerated |= !off;
  }
  return any_accelerated ? runs : 0;
}

/* What the replay adds after the last command (docs/timing.md, "Fixed costs"). */
static double fixed_cycles(const NpArch *arch, const NpSchedule *s) {
  const NpFixedCosts *f = &arch->fixed;
  return (double)np_arch_fixed_cycles(arch, &f->per_inference) +
         (double)np_schedule_accelerator_cuts(s, arch) * (double)np_arch_fixed_cycles(arch, &f->per_segment) +
         (s->warm ? 0.0 : (double)np_arch_fixed_cycles(arch, &f->per_program));
}

/* A layer's prefetch LOADs run after the previous SRAM layer's first and last LOADs of its
 * own, while its last tile computes and stores: that tail hides up to as much of them
 * (docs/lowering.md, "Prefetch"). A layer with no LOAD of its own holds them until its first
 * COMPUTE ends (emit.c's anchor): none of its time is counted. The schedule's estimate adds
 * the fixed costs. */
void lower_estimate_schedule(const Lower *L, NpSchedule *s) {
  s->est_cycles = 0;
  double previous = 0; /* the previous SRAM layer's tail */
  for (size_t i = 0; i < s->n_layers; i++) {
    const LLayer *ly = &L->layers[i];
    NpLayerPlan *p = &s->layers[i];
    double est = ly->sram_engine ? ly->plan.est_cycles : 0, prefetch = 0;
    bool own_load = false;
    for (int32_t k = 0; k < p->n_cmds; k++) {
      const NpCommand *c = &s->cmds[p->first_cmd + k];
      if (c->layer != (int32_t)i) continue; /* the other layer of a cascade */
      est += command_extra(L, ly, c);
      if (c->prefetch) prefetch += lower_transfer(&L->rates, (double)c->bytes, (double)c->dram_runs).cycles;
      own_load |= c->kind == NP_CMD_LOAD && !c->prefetch;
    }
    est -= lower_min(prefetch, previous);
    p->est_cycles = est;
    s->est_cycles += est;
    s->prefetch_bytes += p->prefetch_bytes;
    if (ly->sram_engine) previous = own_load ? ly->plan.est_tail : 0;
  }
  s->est_cycles += fixed_cycles(L->arch, s);
}
