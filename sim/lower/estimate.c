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
 *   its two chains (every load then the computes after the last one; the first tile's
 *   loads, its whole blocks, then every compute), plus its last STORE; while a STORE drains,
 *   the next tiles' LOADs share the channels with it and their computes wait (store_sharing).
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
  LTransfer t = {0, 0, 0, 0};
  if (bytes <= 0) return t;
  double C = r->channels, bt = r->burst_ticks;
  if (runs < 1) runs = 1;
  double run_bytes = bytes / runs;
  double per_run = ceil(run_bytes / r->burst), bursts = runs * per_run;
  t.bursts = bursts;
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

const int lower_loop_levels[2][LOWER_LEVELS] = {{V_N, V_R, V_C, V_CO, V_CI}, {V_CO, V_N, V_R, V_C, V_CI}};

/* Which trips of a loop a set of tiles takes. */
typedef enum { TRIPS_ALL, TRIPS_LAST, TRIPS_BEFORE_LAST } Trips;

/* One loop's tile sizes (whole and remainder, size[1] 0 when there is none), how many trips
 * have each, and the cycles of every tile shape (rows, cols, channels, chunk; the first
 * chunk of an output tile reads no partial sums). */
typedef struct ShapeTable {
  int64_t count[V_COUNT][2];
  double first[2][2][2][2], later[2][2][2][2];
} ShapeTable;

/* How many trips of each size the set takes of a loop of count[0] whole and count[1]
 * remainder trips: every one, the last or the one before it. */
static void trips_taken(const int64_t count[2], Trips which, int64_t take[2]) {
  int64_t n = count[0] + count[1];
  take[0] = take[1] = 0;
  if (which == TRIPS_ALL) {
    take[0] = count[0], take[1] = count[1];
  } else if (which == TRIPS_LAST) {
    take[count[1] > 0 ? 1 : 0] = 1;
  } else if (n >= 2) {
    take[0] = 1; /* the remainder, if any, is the last trip */
  }
}

/* The compute cycles of the tiles whose loops take the trips `which` says. */
static double shape_sum(const ShapeTable *t, const Trips which[V_COUNT]) {
  int64_t take[V_COUNT][2];
  for (int v = 0; v < V_COUNT; v++) trips_taken(t->count[v], which[v], take[v]);
  /* the chunk index of a lone chunk trip: the first chunk reads no partial sums */
  int64_t chunks = t->count[V_CI][0] + t->count[V_CI][1];
  bool lone_first = which[V_CI] == TRIPS_LAST ? chunks == 1 : which[V_CI] == TRIPS_BEFORE_LAST && chunks == 2;
  int64_t batch = take[V_N][0];
  double sum = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 2; c++) {
        int64_t tiles = batch * take[V_R][a] * take[V_C][b] * take[V_CO][c];
        if (tiles == 0) continue;
        for (int d = 0; d < 2; d++) {
          int64_t n = take[V_CI][d];
          if (n == 0) continue;
          if (which[V_CI] != TRIPS_ALL)
            sum += (double)tiles * (lone_first ? t->first[a][b][c][d] : t->later[a][b][c][d]);
          else /* one first chunk per output tile, a whole one */
            sum += (double)tiles * (d == 0 ? t->first[a][b][c][d] + (double)(n - 1) * t->later[a][b][c][d]
                                           : (double)n * t->later[a][b][c][d]);
        }
      }
  return sum;
}

/* Sum of compute cycles over the layer's tiles; `last` gets one tile's (the last), `lines`
 * the SRAM bank lines they all read and write, `group` and `before` the tiles after each
 * level's last reload and one trip before them (LCompute). */
static double compute_cycles(const Lower *L, const LLayer *ly, const LTileSizes *p, LCompute *out) {
  const LGeometry *g = &ly->geo;
  bool dense = g->family == FAMILY_WINDOW && g->groups <= 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t rs[2], cs[2], ks[2], is[2];
  ShapeTable t;
  memset(&t, 0, sizeof t);
  t.count[V_N][0] = g->batch;
  dim_sizes(g->out_h, p->th, rs, t.count[V_R]);
  dim_sizes(g->out_w, p->tw, cs, t.count[V_C]);
  dim_sizes(g->out_c, p->tc, ks, t.count[V_CO]);
  if (dense) {
    dim_sizes(cig, p->tk, is, t.count[V_CI]);
  } else {
    is[0] = cig, t.count[V_CI][0] = 1, is[1] = 0, t.count[V_CI][1] = 0;
  }
  const int64_t *rn = t.count[V_R], *cn = t.count[V_C], *kn = t.count[V_CO], *in = t.count[V_CI];
  double sum = 0;
  out->last = out->lines = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 2; c++)
        for (int d = 0; d < 2; d++) {
          int64_t count = rn[a] * cn[b] * kn[c] * in[d] * g->batch;
          if (count == 0) continue;
          /* the first chunk of an output tile (always a whole one) reads no partial sums */
          int64_t firsts = d == 0 ? rn[a] * cn[b] * kn[c] * g->batch : 0;
          Shape s = {rs[a], cs[b], ks[c], dense ? is[d] : cig};
          TileWork w = tile_work(L, ly, &s);
          double first_lines = 0, later_lines = 0;
          double first = firsts > 0 ? tile_cycles(L, &w, true, &first_lines) : 0;
          double later = count > firsts ? tile_cycles(L, &w, false, &later_lines) : 0;
          t.first[a][b][c][d] = first, t.later[a][b][c][d] = later;
          sum += (double)firsts * first + (double)(count - firsts) * later;
          out->lines += (double)firsts * first_lines + (double)(count - firsts) * later_lines;
          out->last = count > firsts ? later : first;
        }
  /* order 1 differs from order 0 only with more than one output-channel tile and spatial
   * tile and one input-channel chunk (tile.c, distinct_orders); a level of one trip is never
   * the last LOAD's (last_load_level), and its tiles are those of the level above it */
  int64_t trips[V_COUNT];
  for (int v = 0; v < V_COUNT; v++) trips[v] = t.count[v][0] + t.count[v][1];
  bool orders = trips[V_CO] > 1 && trips[V_N] * trips[V_R] * trips[V_C] > 1 && trips[V_CI] == 1;
  for (int o = 0; o < (orders ? 2 : 1); o++) {
    Trips which[V_COUNT] = {TRIPS_ALL, TRIPS_ALL, TRIPS_ALL, TRIPS_ALL, TRIPS_ALL};
    double above = sum;
    int deepest = -1; /* the deepest level of more than one trip: below it, the last tile */
    for (int d = 0; d < LOWER_LEVELS; d++)
      if (trips[lower_loop_levels[o][d]] > 1) deepest = d;
    for (int d = 0; d < LOWER_LEVELS; d++) {
      int v = lower_loop_levels[o][d];
      out->before[o][d] = 0;
      if (trips[v] <= 1) {
        out->group[o][d] = above;
        which[v] = TRIPS_LAST;
        continue;
      }
      which[v] = TRIPS_BEFORE_LAST;
      out->before[o][d] = shape_sum(&t, which);
      which[v] = TRIPS_LAST;
      out->group[o][d] = above = d == deepest ? out->last : shape_sum(&t, which);
    }
  }
  if (!orders) {
    memcpy(out->group[1], out->group[0], sizeof out->group[0]);
    memcpy(out->before[1], out->before[0], sizeof out->before[0]);
  }
  return sum;
}

/* ---------------------------------------------------------------- the layer */

LCompute lower_estimate_compute(const Lower *L, const LLayer *ly, const LTileSizes *p) {
  LCompute c;
  c.cycles = compute_cycles(L, ly, p, &c);
  return c;
}

/* The loop level whose last trip makes the last LOAD, in plan p: the outermost level down to
 * which the loops' trips multiply to the most loads any stream makes (that stream reloads at
 * every trip of it, and every other stream at some of them). -1: no stream loads more than
 * once, and its one LOAD comes before every tile. */
static int last_load_level(const LTilePlan *p, int64_t most) {
  if (most <= 1) return -1;
  int64_t spatial = p->nr * p->nc * p->nco * p->nci;
  int64_t trips[V_COUNT] = {spatial > 0 ? p->n_tiles / spatial : 1, p->nr, p->nc, p->nco, p->nci};
  int64_t product = 1;
  for (int l = 0; l < LOWER_LEVELS; l++) {
    product *= trips[lower_loop_levels[p->order][l]];
    if (product >= most) return l;
  }
  return LOWER_LEVELS - 1;
}

/* The cycles the tiles lose while an output STORE shares the DRAM with the next tiles'
 * LOADs. The DMA issues their bursts in turn, so on every channel each LOAD burst waits for a
 * STORE burst (its bus time and its row miss): a tile's LOADs take L' = L + (n / C) x t_s, L
 * their time alone, n their bursts, t_s a STORE burst's time on its channel. The STORE lasts D
 * = B_s + (D / L') x b, its bus time B_s and the tiles' LOAD bus time b over the D / L' tiles
 * that load meanwhile; with two slots a tile's compute waits for its LOADs, so each of those
 * tiles takes max(compute, L') for max(compute, L). Every STORE but the last has tiles after
 * it. */
static double store_sharing(const Lower *L, const LTilePlan *p, double compute, double load_chain, double load_bursts,
                            double load_bus, int64_t stores, double store_bus, double store_bursts) {
  if (stores < 2 || p->n_tiles <= stores || store_bursts <= 0 || load_bursts <= 0) return 0;
  double tiles = (double)p->n_tiles, C = L->rates.channels;
  double alone = load_chain / tiles, per_tile_bus = load_bus / tiles;
  double shared = alone + load_bursts / tiles / C * (store_bus / (store_bursts / C));
  if (per_tile_bus >= shared) return 0;
  double during = store_bus / (1 - per_tile_bus / shared);
  double waiting = lower_min(during / shared, tiles / (double)stores);
  double per_tile = compute / tiles;
  double lost = lower_max(per_tile, shared) - lower_max(per_tile, alone);
  return (double)(stores - 1) * waiting * lost;
}

LEstimate lower_estimate_plan(const Lower *L, const LCompute *compute, const LTilePlan *p, const LStream *streams,
                              int n_streams) {
  LEstimate e;
  memset(&e, 0, sizeof e);
  e.compute = compute->cycles;
  double last_compute = compute->last, lines = compute->lines;
  double first_loads = 0, load_chain = 0, store_chain = 0, bus = 0, last_store = 0, last_loads = 0;
  double load_bursts = 0, load_bus = 0, store_bus = 0, store_bursts = 0;
  int64_t stores = 0, most = 0;
  for (int i = 0; i < n_streams; i++)
    if (!streams[i].store && streams[i].bytes > 0 && streams[i].count > most) most = streams[i].count;
  for (int i = 0; i < n_streams; i++) {
    const LStream *s = &streams[i];
    if (s->count <= 0 || s->bytes <= 0) continue;
    LTransfer one = lower_transfer(&L->rates, s->bytes / (double)s->count, s->runs);
    bus += one.bus_cycles * (double)s->count;
    lines += one.sram_lines * (double)s->count;
    if (s->store) {
      store_chain += one.cycles * (double)s->count;
      last_store = one.cycles;
      stores = s->count, store_bus = one.bus_cycles, store_bursts = one.bursts;
    } else {
      load_chain += one.cycles * (double)s->count;
      load_bursts += one.bursts * (double)s->count, load_bus += one.bus_cycles * (double)s->count;
      /* the first tile's blocks are whole ones; the last tile's may be remainders */
      double mean = s->bytes / (double)s->count;
      bool first = s->first > 0 && s->first != mean, last = s->last > 0 && s->last != mean;
      first_loads += first ? lower_transfer(&L->rates, s->first, s->runs).cycles : one.cycles;
      if (s->count == most) last_loads += last ? lower_transfer(&L->rates, s->last, s->runs).cycles : one.cycles;
    }
  }
  /* After the last LOAD the tiles that use its blocks compute; with two slots they also wait
   * for the tiles of the blocks before, whose compute began when those loaded: the layer
   * takes the longer of the LOADs then the last blocks' tiles, and the LOADs but the last
   * then the tiles of the last two blocks. */
  int level = last_load_level(p, most);
  double after_loads = last_compute;
  if (most > 0) {
    after_loads = level < 0 ? e.compute : compute->group[p->order][level];
    if (level >= 0) after_loads = lower_max(after_loads, compute->before[p->order][level] + after_loads - last_loads);
  }
  e.dma = lower_max(lower_max(load_chain, store_chain), bus);
  double stores_before_last = store_chain - last_store;
  double dma_bound = lower_max(load_chain + after_loads, lower_max(stores_before_last, bus - last_store) + last_compute);
  double shared = store_sharing(L, p, e.compute, load_chain, load_bursts, load_bus, stores, store_bus, store_bursts);
  e.cycles = lower_max(first_loads + e.compute + shared, dma_bound) + last_store;
  e.tail = after_loads + last_store;
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
 * own, while the tiles after that LOAD compute and store: that tail hides up to as much of them
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
