/* Tiling: for one layer, the NHWC output tile (rows x cols x out-channels, and an
 * input-channel chunk) and loop order whose buffers fit an SRAM budget, chosen by least
 * estimated time (estimate.c), then least DRAM traffic, then fewest commands
 * (docs/lowering.md).
 *
 * The loop nest is n, r, c, co, ci (order 0, spatial outside) or co, n, r, c, ci (order 1).
 * A buffer is reloaded when the block it holds changes from one iteration to the next; the
 * counts below are closed forms of that rule and emit.c follows the same rule, so the
 * traffic planned here is the traffic the command stream moves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

#define KEY(v) (1u << (v))

int64_t lower_align(const Lower *L, int64_t bytes) {
  int64_t a = L->align > 0 ? L->align : 1;
  if ((a & (a - 1)) == 0 && bytes >= 0) return (bytes + a - 1) & ~(a - 1); /* the same, without a division */
  return (bytes + a - 1) / a * a;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static int64_t ceil_div_signed(int64_t a, int64_t b) { return -floor_div(-a, b); }

void lower_input_span(const LGeometry *g, bool rows, int64_t o0, int64_t o1, int64_t *first, int64_t *count) {
  int64_t k = rows ? g->kh : g->kw, s = rows ? g->sh : g->sw, d = rows ? g->dh : g->dw;
  int64_t pad = rows ? g->pad_t : g->pad_l, extent = rows ? g->in_h : g->in_w;
  int64_t lo, hi; /* inclusive */
  if (g->transposed) {
    lo = ceil_div_signed(o0 + pad - (k - 1) * d, s);
    hi = floor_div(o1 - 1 + pad, s);
  } else {
    lo = o0 * s - pad;
    hi = (o1 - 1) * s - pad + (k - 1) * d;
  }
  lo = max64(lo, 0);
  hi = min64(hi, extent - 1);
  *first = lo;
  *count = hi >= lo ? hi - lo + 1 : 0;
}

/* Sum and largest input extent over the tiles of one spatial dim. */
static void span_stats(const LGeometry *g, bool rows, int64_t tile, int64_t *sum, int64_t *max) {
  int64_t out = rows ? g->out_h : g->out_w;
  *sum = *max = 0;
  for (int64_t o = 0; o < out; o += tile) {
    int64_t first, count;
    lower_input_span(g, rows, o, min64(o + tile, out), &first, &count);
    *sum += count;
    *max = max64(*max, count);
  }
}

/* Loads of a buffer whose block depends on the loop variables in `key`, and how many times
 * the whole operand is swept (loops outside the innermost varying key loop that are not in
 * the key repeat it). */
static void loads_and_repeat(int order, const int64_t trips[V_COUNT], unsigned key, int64_t *loads, int64_t *repeat) {
  int deepest = -1;
  for (int i = 0; i < V_COUNT; i++) {
    int v = lower_loop_levels[order][i];
    if ((key & KEY(v)) && trips[v] > 1) deepest = i;
  }
  *loads = *repeat = 1;
  for (int i = 0; i <= deepest; i++) {
    int v = lower_loop_levels[order][i];
    *loads *= trips[v];
    if (!(key & KEY(v))) *repeat *= trips[v];
  }
}

typedef struct Operands {
  bool in_dram, w_dram, out_store, out_stage;
  int n_extras;
  bool ex_dram[LOWER_MAX_EXTRAS], ex_bcast[LOWER_MAX_EXTRAS];
  int64_t ex_total[LOWER_MAX_EXTRAS];
} Operands;

static Operands operands(const Lower *L, const LLayer *ly, bool all_dram) {
  Operands o;
  memset(&o, 0, sizeof o);
  const LValue *V = L->values;
  o.in_dram = ly->in_value >= 0 && ly->geo.in_total > 0 && (all_dram || !V[ly->in_value].on_chip);
  if (ly->b_value >= 0)
    o.w_dram = all_dram || !V[ly->b_value].on_chip;
  else
    o.w_dram = ly->geo.w_total > 0 && (all_dram || !ly->resident);
  const LValue *out = &V[ly->out_value];
  o.out_store = all_dram || out->needs_dram;
  o.out_stage = o.out_store && (all_dram || !out->on_chip);
  o.n_extras = ly->n_extras;
  for (int i = 0; i < ly->n_extras; i++) {
    const LValue *x = &V[ly->extras[i].value];
    o.ex_dram[i] = all_dram || !x->on_chip;
    o.ex_bcast[i] = ly->extras[i].broadcast;
    o.ex_total[i] = x->bytes;
  }
  return o;
}

typedef struct Spans {
  int64_t sum_rows, max_rows, sum_cols, max_cols;
} Spans;

/* Planned utilization of the MAC array: MAC-weighted mean over the tiles of
 * (mapped rows x mapped cols) / (the array area those folds occupy). */
static double utilization(const Lower *L, const LLayer *ly, int64_t th, int64_t tw, int64_t tc, int64_t tk) {
  const LGeometry *g = &ly->geo;
  if (!g->matrix) return 0.0;
  const NpEngine *e = &L->arch->engines[ly->engine];
  int64_t R = e->rows, C = e->cols;
  int64_t cpg = g->groups > 1 ? g->out_c / g->groups : 0; /* out channels per group */
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t sizes[4][2], counts[4][2];
  int64_t dims[4] = {g->out_h, g->out_w, g->out_c, g->groups > 1 ? cig : cig};
  int64_t tiles[4] = {th, tw, tc, g->groups > 1 ? cig : tk};
  for (int d = 0; d < 4; d++) {
    sizes[d][0] = tiles[d], counts[d][0] = dims[d] / tiles[d];
    sizes[d][1] = dims[d] % tiles[d], counts[d][1] = sizes[d][1] > 0 ? 1 : 0;
  }
  double sum = 0, weight_sum = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 2; c++)
        for (int d = 0; d < 2; d++) {
          double count = (double)counts[0][a] * (double)counts[1][b] * (double)counts[2][c] * (double)counts[3][d];
          if (count == 0) continue;
          int64_t m = sizes[0][a] * sizes[1][b];
          int64_t n = cpg ? cpg : sizes[2][c];
          int64_t k = g->kh * g->kw * sizes[3][d];
          int64_t x, y;
          switch (e->dataflow) {
            case NP_DATAFLOW_OS: x = m, y = n; break;
            case NP_DATAFLOW_IS: x = k, y = m; break;
            default: x = k, y = n; break;
          }
          double u = (double)(x * y) / ((double)np_ceil_div_i64(x, R) * (double)R * (double)np_ceil_div_i64(y, C) * (double)C);
          double w = count * (double)m * (double)sizes[2][c] * (double)k;
          sum += w * u;
          weight_sum += w;
        }
  return weight_sum > 0 ? sum / weight_sum : 0.0;
}

/* Trip counts of the loop nest for a tile size. */
static void trip_counts(const LGeometry *g, int64_t th, int64_t tw, int64_t tc, int64_t tk, int64_t trips[V_COUNT]) {
  bool grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  trips[V_N] = g->batch;
  trips[V_R] = np_ceil_div_i64(g->out_h, th);
  trips[V_C] = np_ceil_div_i64(g->out_w, tw);
  trips[V_CO] = np_ceil_div_i64(g->out_c, tc);
  trips[V_CI] = (grouped || g->family != FAMILY_WINDOW) ? 1 : np_ceil_div_i64(cig, tk);
}

/* The loop orders that differ for these trips; a plan the same but for its order loses to
 * order 0's (better's last criterion). With one output-channel tile, or one spatial tile,
 * order 1 is order 0 (moving a loop of one trip changes nothing); with more than one
 * input-channel chunk, every block whose key holds ci (input, weights) changes at every
 * step in both orders, and those without it (output, extras) hold every other loop in
 * their key: each buffer loads as often, and repeats as often, either way. */
static int distinct_orders(int n_orders, const int64_t trips[V_COUNT]) {
  return trips[V_CO] > 1 && trips[V_N] * trips[V_R] * trips[V_C] > 1 && trips[V_CI] == 1 ? n_orders : 1;
}

/* What the loop nest moves: DRAM bytes (the weights' share apart) and the loads of each
 * buffer (0: the operand has no buffer). Depends on the tile size only through the trips
 * and the input spans. */
typedef struct Traffic {
  int64_t dram, w_dram;
  int64_t loads[BUF_EXTRA + LOWER_MAX_EXTRAS];
  int64_t bytes[BUF_EXTRA + LOWER_MAX_EXTRAS]; /* what each buffer moves; BUF_OUT: the stores */
} Traffic;

static void plan_traffic(const LGeometry *g, const Operands *o, const Spans *sp, const int64_t trips[V_COUNT],
                         int order, Traffic *t) {
  bool grouped = g->groups > 1;
  int64_t loads, repeat;
  memset(t, 0, sizeof *t);
  if (o->in_dram) {
    unsigned key = grouped ? KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CO) : KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CI);
    int64_t sweep;
    if (g->family == FAMILY_WINDOW) {
      sweep = g->batch * sp->sum_rows * sp->sum_cols * g->in_c * g->in_eb;
    } else {
      key = KEY(V_R);
      sweep = g->in_total;
    }
    loads_and_repeat(order, trips, key, &loads, &repeat);
    t->bytes[BUF_IN] = sweep * repeat;
    t->loads[BUF_IN] = loads;
  }
  /* weights, or a MatMul's B operand */
  if (o->w_dram) {
    unsigned key = KEY(V_CO) | KEY(V_CI) | (g->w_batched ? KEY(V_N) : 0);
    loads_and_repeat(order, trips, key, &loads, &repeat);
    t->bytes[BUF_W] = t->w_dram = g->w_total * repeat;
    t->loads[BUF_W] = loads;
  }
  if (o->out_store) t->bytes[BUF_OUT] = g->out_total;
  /* extra operands: streamed with each output tile, or broadcast (loaded once) */
  for (int i = 0; i < o->n_extras; i++) {
    if (!o->ex_dram[i]) continue;
    unsigned key = o->ex_bcast[i] ? 0 : KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CO);
    loads_and_repeat(order, trips, key, &loads, &repeat);
    t->bytes[BUF_EXTRA + i] = o->ex_total[i] * repeat;
    t->loads[BUF_EXTRA + i] = loads;
  }
  for (int b = 0; b < BUF_EXTRA + o->n_extras; b++) t->dram += t->bytes[b];
}

__extension__ typedef __int128 wide;

/* ceil(total x part / whole) without the product overflowing: a tile's share of an operand. */
static int64_t share_of(int64_t total, int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  int64_t product;
  if (np_mul_i64(total, part, &product) && product <= INT64_MAX - whole) return (product + whole - 1) / whole;
  wide q = ((wide)total * part + whole - 1) / whole;
  return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

/* The block (one buffer slot) of each operand that has a buffer; 0 for the others. Every
 * block grows with each tile dim. */
static void block_bytes(const LGeometry *g, const Operands *o, const Spans *sp, int64_t th, int64_t tw, int64_t tc,
                        int64_t tk, int64_t bytes[BUF_EXTRA + LOWER_MAX_EXTRAS]) {
  bool grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t out_elements = g->batch * g->out_h * g->out_w * g->out_c;
  int64_t tile_elements = th * tw * tc;
  memset(bytes, 0, (BUF_EXTRA + LOWER_MAX_EXTRAS) * sizeof *bytes);
  if (o->in_dram) {
    if (g->family == FAMILY_WINDOW) {
      int64_t chunk = grouped ? tc / (g->out_c / g->groups) * cig : tk;
      bytes[BUF_IN] = sp->max_rows * sp->max_cols * chunk * g->in_eb;
    } else {
      bytes[BUF_IN] = share_of(g->in_total, th, g->out_h);
    }
  }
  if (o->w_dram) {
    int64_t chunk = grouped ? cig : tk;
    bytes[BUF_W] = g->family == FAMILY_WINDOW ? lower_pair_bytes(g, tc * chunk) + share_of(g->w_other, tc, g->out_c)
                                              : g->w_total;
    if (g->w_batched) bytes[BUF_W] = lower_pair_bytes(g, tc * chunk);
  }
  if (o->out_stage)
    bytes[BUF_OUT] = g->family == FAMILY_WINDOW ? tile_elements * g->out_eb : share_of(g->out_total, th, g->out_h);
  for (int i = 0; i < o->n_extras; i++)
    if (o->ex_dram[i])
      bytes[BUF_EXTRA + i] = o->ex_bcast[i] ? o->ex_total[i] : share_of(o->ex_total[i], tile_elements, out_elements);
}

static bool has_buffer(const Operands *o, int b) {
  switch (b) {
    case BUF_IN: return o->in_dram;
    case BUF_W: return o->w_dram;
    case BUF_OUT: return o->out_stage;
    default: return o->ex_dram[b - BUF_EXTRA];
  }
}

/* Contiguous runs of one NHWC block of rows x cols x chans in a tensor `width` columns and
 * `depth` channels wide (emit.c cuts transfers the same way). */
static double block_runs(double rows, double cols, bool narrow, int64_t chans, int64_t depth) {
  if (chans < depth) return rows * cols;
  return narrow ? rows : 1;
}

/* What plan_streams reads of a candidate: its tile sizes and trip counts (the DMA floors
 * have no plan to take them from). */
typedef struct TileDims {
  int64_t th, tw, tc, tk, nr, nc, nco;
} TileDims;

static int64_t last_trip(int64_t extent, int64_t tile, int64_t trips) { return extent - (trips - 1) * tile; }

static int64_t out_elements(const LGeometry *g) { return g->batch * g->out_h * g->out_w * g->out_c; }

/* The last tile's output elements: the remainder, if any, of every dim. */
static int64_t last_tile_elements(const LGeometry *g, const LTilePlan *p) {
  return last_trip(g->out_h, p->th, p->nr) * last_trip(g->out_w, p->tw, p->nc) * last_trip(g->out_c, p->tc, p->nco);
}

/* The input bytes the first and the last tile load: their rows and columns with the halo,
 * clipped at the image, of their channel chunk. */
static void first_last_input(const LGeometry *g, const LTilePlan *p, double *first, double *last) {
  if (g->family != FAMILY_WINDOW) {
    *first = (double)share_of(g->in_total, p->th, g->out_h);
    *last = (double)share_of(g->in_total, last_trip(g->out_h, p->th, p->nr), g->out_h);
    return;
  }
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t r0, rn, c0, cn, first_chunk, last_chunk;
  if (g->groups > 1) {
    int64_t cpg = g->out_c / g->groups;
    first_chunk = p->tc / cpg * cig, last_chunk = last_trip(g->out_c, p->tc, p->nco) / cpg * cig;
  } else {
    first_chunk = p->tk, last_chunk = last_trip(cig, p->tk, p->nci);
  }
  lower_input_span(g, true, 0, min64(p->th, g->out_h), &r0, &rn);
  lower_input_span(g, false, 0, min64(p->tw, g->out_w), &c0, &cn);
  *first = (double)(rn * cn * first_chunk * g->in_eb);
  lower_input_span(g, true, (p->nr - 1) * p->th, g->out_h, &r0, &rn);
  lower_input_span(g, false, (p->nc - 1) * p->tw, g->out_w, &c0, &cn);
  *last = (double)(rn * cn * last_chunk * g->in_eb);
}

/* The weight block of the last tile: its output channels by its input-channel chunk, with
 * their bias when that chunk is the only one (the bias comes with the first). */
static int64_t last_weight_block(const LGeometry *g, const LTilePlan *p) {
  if (g->family != FAMILY_WINDOW) return g->w_total;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t co = last_trip(g->out_c, p->tc, p->nco), chunk = g->groups > 1 ? cig : last_trip(cig, p->tk, p->nci);
  int64_t pairs = lower_pair_bytes(g, co * chunk);
  if (g->w_batched) return pairs;
  return pairs + (p->nci == 1 ? share_of(g->w_other, co, g->out_c) : 0);
}

/* The transfers a candidate makes, buffer by buffer, for the cost model; with `least_runs`,
 * a weight transfer counts as one run (the least any tiling gives). */
static int plan_streams(const LLayer *ly, const Operands *o, const Spans *sp, const TileDims *p, const Traffic *t,
                        bool least_runs, LStream *streams) {
  const LGeometry *g = &ly->geo;
  bool window = g->family == FAMILY_WINDOW, grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1), cpg = grouped ? g->out_c / g->groups : 1;
  double out_runs = window ? block_runs((double)p->th, (double)p->tw, p->tw < g->out_w, p->tc, g->out_c) : 1;
  int n = 0;
  for (int b = 0; b < BUF_EXTRA + o->n_extras; b++) {
    LStream *x = &streams[n];
    x->store = b == BUF_OUT;
    x->count = b == BUF_OUT ? (o->out_store ? g->batch * p->nr * p->nc * p->nco : 0) : t->loads[b];
    x->bytes = (double)t->bytes[b];
    if (x->count <= 0 || t->bytes[b] <= 0) continue;
    x->buf = b;
    x->first = x->last = 0; /* the floors need neither: stream_ends */
    if (b == BUF_IN) {
      int64_t chunk = grouped ? p->tc / cpg * cig : p->tk;
      double rows = (double)sp->sum_rows / (double)p->nr, cols = (double)sp->sum_cols / (double)p->nc;
      x->runs = window ? block_runs(rows, cols, sp->max_cols < g->in_w, chunk, g->in_c) : 1;
    } else if (b == BUF_W) {
      bool bias = g->w_other > 0 && !g->w_batched;
      if (least_runs)
        x->runs = 1;
      else if (!window)
        x->runs = ly->n_weights > 0 ? ly->n_weights : 1;
      else if (g->w_packed)
        x->runs = 1.0 + bias;
      else if (g->w_rows_major)
        x->runs = (double)(p->tc < g->out_c ? p->tk : 1) + bias;
      else
        x->runs = (double)(p->tk < cig && !grouped ? p->tc * g->kh * g->kw : 1) + bias;
    } else if (b == BUF_OUT) {
      x->runs = out_runs;
    } else {
      x->runs = o->ex_bcast[b - BUF_EXTRA] ? 1 : out_runs;
    }
    n++;
  }
  return n;
}

/* The bytes of each stream's first and last transfer under plan p: the first tile's blocks
 * (whole ones, its input rows clipped at the image) and the last tile's (remainders). */
static void stream_ends(const LLayer *ly, const Operands *o, const LTilePlan *p, LStream *streams, int n_streams) {
  const LGeometry *g = &ly->geo;
  for (int i = 0; i < n_streams; i++) {
    LStream *x = &streams[i];
    int b = x->buf;
    if (x->store) continue;
    x->first = (double)p->buf_bytes[b];
    if (b == BUF_IN) {
      first_last_input(g, p, &x->first, &x->last);
    } else if (b == BUF_W) {
      x->last = (double)last_weight_block(g, p);
    } else {
      int e = b - BUF_EXTRA;
      x->last = o->ex_bcast[e] ? (double)o->ex_total[e]
                               : (double)share_of(o->ex_total[e], last_tile_elements(g, p), out_elements(g));
    }
  }
}

/* Costs one candidate (traffic, buffers, commands), all but its time and utilization. */
static LTilePlan evaluate_costs(const Lower *L, const LLayer *ly, const Operands *o, const Spans *sp, int64_t th,
                                int64_t tw, int64_t tc, int64_t tk, int order, Traffic *traffic) {
  const LGeometry *g = &ly->geo;
  LTilePlan p;
  memset(&p, 0, sizeof p);
  p.th = th, p.tw = tw, p.tc = tc, p.tk = tk, p.order = order;
  int64_t trips[V_COUNT];
  trip_counts(g, th, tw, tc, tk, trips);
  p.nr = trips[V_R], p.nc = trips[V_C], p.nco = trips[V_CO], p.nci = trips[V_CI];
  p.n_tiles = g->batch * p.nr * p.nc * p.nco * p.nci;
  int64_t out_tiles = g->batch * p.nr * p.nc * p.nco;
  Traffic t;
  plan_traffic(g, o, sp, trips, order, &t);
  block_bytes(g, o, sp, th, tw, tc, tk, p.buf_bytes);
  p.commands = p.n_tiles + (o->out_store ? out_tiles : 0);
  for (int b = 0; b < BUF_EXTRA + o->n_extras; b++) {
    if (!has_buffer(o, b)) continue;
    if (b == BUF_OUT) {
      p.buf_slots[b] = out_tiles > 1 ? 2 : 1;
    } else {
      p.commands += t.loads[b];
      p.buf_slots[b] = t.loads[b] > 1 ? 2 : 1;
    }
    int64_t aligned = lower_align(L, p.buf_bytes[b]);
    p.staging += aligned * p.buf_slots[b];
    p.pad_waste += (aligned - p.buf_bytes[b]) * p.buf_slots[b];
  }
  p.dram_bytes = t.dram;
  p.w_dram_bytes = t.w_dram;
  if (traffic) *traffic = t;
  return p;
}

/* Costs one candidate, all but its time. */
static LTilePlan evaluate(const Lower *L, const LLayer *ly, const Operands *o, const Spans *sp, int64_t th, int64_t tw,
                          int64_t tc, int64_t tk, int order) {
  LTilePlan p = evaluate_costs(L, ly, o, sp, th, tw, tc, tk, order, NULL);
  p.utilization = utilization(L, ly, th, tw, tc, tk);
  return p;
}

/* Candidate sizes for a dim of extent d in steps of unit: d itself, d split in 2..8 equal
 * parts, and powers of two; largest first, at most `max`. */
static int dim_candidates(int64_t d, int64_t unit, int64_t *out, int max) {
  int n = 0;
  if (unit < 1) unit = 1;
  int64_t pool[64];
  int np = 0;
  pool[np++] = d;
  for (int64_t k = 2; k <= 8; k++) pool[np++] = np_ceil_div_i64(np_ceil_div_i64(d, k), unit) * unit;
  for (int64_t p = unit; p < d && np < 64; p *= 2) pool[np++] = p;
  for (int i = 0; i < np; i++) {
    int64_t v = pool[i] < unit ? unit : pool[i];
    if (v > d) v = d;
    bool seen = false;
    for (int j = 0; j < n && !seen; j++) seen = out[j] == v;
    if (!seen && n < max) out[n++] = v;
  }
  /* largest first */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && out[j] > out[j - 1]; j--) {
      int64_t t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return n;
}

#define MAX_CANDIDATES 20

/* What the tile search of a layer enumerates, and what does not depend on the budget or on
 * where the operands are: worked out at the layer's first search. */
/* Every layer keeps one until lowering ends, so its arrays have the candidates' own lengths
 * (a 200,000-layer chain kept 5 KB a layer at the largest lengths). */
#define SHAPE_KEY_MAX (40 + 2 * LOWER_MAX_EXTRAS)

struct LTileSpace {
  int64_t key[SHAPE_KEY_MAX]; /* the layer shape it serves (shape_key) */
  int key_len;
  LTileMemo memos[LOWER_TILE_MEMOS]; /* recent answers (lower_tile) */
  int n_memos, next_memo;
  LTileMemo band_memos[LOWER_BAND_MEMOS]; /* recent banded answers (lower_tile_banded), the
                                             row tile in their key */
  int n_band_memos, next_band_memo;
  int n_rows, n_cols, n_chans, n_ins, n_orders;
  int64_t *rows, *cols, *chans, *ins;
  Spans *row_spans, *col_spans; /* n_rows and n_cols: rows' and cols' halves set */
  double compute_floor; /* no tiling computes faster: the work at the engine's peak rate */
  /* The compute part of each tile size depends on nothing a search changes: kept per spatial
   * tile (n_rows x n_cols), made at its first visit, n_chans x n_ins entries each (cycles < 0:
   * not yet worked out). */
  LCompute **computed;
  size_t bytes; /* what this space's arrays and tables hold (a lower cache's bound) */
};

static void tile_space_free(LTileSpace *t) {
  if (t == NULL) return;
  for (int i = 0; i < t->n_rows * t->n_cols; i++) free(t->computed[i]);
  free(t->computed);
  free(t->rows);
  free(t->cols);
  free(t->chans);
  free(t->ins);
  free(t->row_spans);
  free(t->col_spans);
  free(t);
}

/* The first n values (at least one slot). */
static int64_t *kept_values(const int64_t *values, int n) {
  int64_t *copy = np_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *copy);
  memcpy(copy, values, (size_t)(n > 0 ? n : 1) * sizeof *copy);
  return copy;
}

/* The work at the engine's peak rate: a lower bound of the compute cycles of any tiling. A
 * dense matrix op does at most one MAC per PE of the array a cycle (a fold of an R x C array
 * holds R x C PEs); other ops run at their class's rate. Depthwise modes have their own
 * formulas: no floor (0) for them. */
static double compute_floor(const Lower *L, const LLayer *ly) {
  const NpEngine *e = &L->arch->engines[ly->engine];
  const LGeometry *g = &ly->geo;
  double rate;
  if (g->matrix) {
    const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
    int64_t pes = kind ? kind->array_pes(e) : 0;
    if (pes <= 0 || g->groups > 1) return 0.0;
    rate = (double)pes * e->dtype_rate[ly->dtype];
  } else {
    rate = np_engine_elements_per_cycle(e, ly->cls, ly->dtype);
  }
  return rate > 0 ? (double)g->work_total / rate : 0.0;
}

/* Everything of a layer that a tile search reads (its geometry, engine, data type, class,
 * weight tensors and extra operands): layers with equal keys get the same answers, which
 * repeated blocks (ResNet's bottlenecks, MobileNet's inverted residuals) share. */
static int shape_key(const Lower *L, const LLayer *ly, int64_t key[SHAPE_KEY_MAX]) {
  const LGeometry *g = &ly->geo;
  const int64_t fields[] = {g->family, g->matrix, g->batch, g->out_h, g->out_w, g->out_c, g->in_h, g->in_w, g->in_c,
                            g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pad_t, g->pad_l, g->transposed, g->groups,
                            g->split_channels, g->in_eb, g->out_eb, g->in_total, g->out_total, g->w_pair_bits,
                            g->w_other, g->w_total, g->w_batched, g->w_rows_major, g->w_packed, g->work_total,
                            ly->engine, ly->dtype, ly->cls, ly->n_weights, ly->n_extras};
  int n = 0;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) key[n++] = fields[i];
  for (int i = 0; i < ly->n_extras; i++) {
    key[n++] = ly->extras[i].broadcast;
    key[n++] = L->values[ly->extras[i].value].bytes;
  }
  return n;
}

/* The tile spaces of one lowering: an open-addressing table by shape key. */
struct LTileSpaces {
  LTileSpace **slots;
  size_t size, used;
};

static uint64_t hash_key(const int64_t *key, int n) {
  return np_schedule_fnv1a(key, (size_t)n * sizeof *key, NP_FNV1A_SEED);
}

static void spaces_insert(struct LTileSpaces *sp, LTileSpace *t) {
  size_t i = hash_key(t->key, t->key_len) & (sp->size - 1);
  while (sp->slots[i]) i = (i + 1) & (sp->size - 1);
  sp->slots[i] = t;
  sp->used++;
}

static void spaces_grow(struct LTileSpaces *sp) {
  struct LTileSpaces old = *sp;
  sp->size = old.size ? 2 * old.size : 64;
  sp->slots = np_xcalloc(sp->size, sizeof *sp->slots);
  sp->used = 0;
  for (size_t i = 0; i < old.size; i++)
    if (old.slots[i]) spaces_insert(sp, old.slots[i]);
  free(old.slots);
}

static LTileSpace *spaces_find(const struct LTileSpaces *sp, const int64_t *key, int n) {
  if (sp->size == 0) return NULL;
  for (size_t i = hash_key(key, n) & (sp->size - 1); sp->slots[i]; i = (i + 1) & (sp->size - 1)) {
    const LTileSpace *t = sp->slots[i];
    if (t->key_len == n && memcmp(t->key, key, (size_t)n * sizeof *key) == 0) return sp->slots[i];
  }
  return NULL;
}

static void spaces_clear(struct LTileSpaces *sp) {
  for (size_t i = 0; i < sp->size; i++) tile_space_free(sp->slots[i]);
  free(sp->slots);
  memset(sp, 0, sizeof *sp);
}

/* Everything of the arch that a tile space's tables read besides the layer's shape: the
 * engines (compute cycles and floors), the SRAM banks (bank cycles) and the alignment. */
typedef struct SpaceContext {
  NpEngine engines[NP_ARCH_MAX_ENGINES];
  int n_engines;
  int64_t banks, bank_width_bytes, ports_per_bank, align;
} SpaceContext;

static SpaceContext space_context(const Lower *L) {
  SpaceContext c;
  memset(&c, 0, sizeof c); /* the padding too: contexts are compared with memcmp */
  const NpArch *a = L->arch;
  memcpy(c.engines, a->engines, (size_t)a->n_engines * sizeof a->engines[0]);
  c.n_engines = a->n_engines;
  c.banks = a->sram.banks, c.bank_width_bytes = a->sram.bank_width_bytes;
  c.ports_per_bank = a->sram.ports_per_bank, c.align = L->align;
  return c;
}

/* A cache whose tables grew past this (a sweep over resolutions or channel scales makes new
 * shapes at every point, and a shape's compute tables reach megabytes) starts again rather
 * than grow without bound. A whole MobileNetV2 or ResNet-50 lowering fills a few MB. */
#define CACHE_MAX_BYTES ((size_t)16 << 20)

struct NpLowerCache {
  struct LTileSpaces spaces;
  SpaceContext context;
};

NpLowerCache *np_lower_cache_new(void) { return np_xcalloc(1, sizeof(NpLowerCache)); }

void np_lower_cache_free(NpLowerCache *cache) {
  if (cache == NULL) return;
  spaces_clear(&cache->spaces);
  free(cache);
}

/* The remembered answers depend on the DRAM, the sync costs and the budgets of the lowering
 * that found them: a new lowering starts without them. Returns the bytes the spaces hold. */
static size_t forget_answers(struct LTileSpaces *sp) {
  size_t bytes = sp->size * sizeof *sp->slots;
  for (size_t i = 0; i < sp->size; i++) {
    LTileSpace *t = sp->slots[i];
    if (t == NULL) continue;
    t->n_memos = t->next_memo = t->n_band_memos = t->next_band_memo = 0;
    bytes += t->bytes;
  }
  return bytes;
}

void lower_tile_spaces_open(Lower *L, NpLowerCache *cache) {
  if (cache == NULL) {
    L->spaces = np_xcalloc(1, sizeof(struct LTileSpaces));
    L->spaces_borrowed = false;
    return;
  }
  SpaceContext context = space_context(L);
  if (memcmp(&context, &cache->context, sizeof context) != 0 || forget_answers(&cache->spaces) > CACHE_MAX_BYTES) {
    spaces_clear(&cache->spaces);
    cache->context = context;
  }
  L->spaces = &cache->spaces;
  L->spaces_borrowed = true;
}

void lower_tile_spaces_free(Lower *L) {
  struct LTileSpaces *sp = L->spaces;
  L->spaces = NULL;
  if (sp == NULL || L->spaces_borrowed) return;
  spaces_clear(sp);
  free(sp);
}

static LTileSpace *tile_space(const Lower *L, const LLayer *ly) {
  const LGeometry *g = &ly->geo;
  LTileSpace *t = np_xcalloc(1, sizeof *t);
  bool grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t rows[MAX_CANDIDATES] = {0}, cols[MAX_CANDIDATES] = {0}, chans[MAX_CANDIDATES] = {0}, ins[MAX_CANDIDATES] = {0};
  t->n_rows = dim_candidates(g->out_h, 1, rows, MAX_CANDIDATES);
  t->n_cols = dim_candidates(g->out_w, 1, cols, MAX_CANDIDATES);
  int64_t unit = grouped ? g->out_c / g->groups : 1;
  t->n_chans = g->split_channels ? dim_candidates(g->out_c, unit, chans, MAX_CANDIDATES) : 1;
  if (!g->split_channels) chans[0] = g->out_c;
  t->n_ins = (g->family == FAMILY_WINDOW && !grouped && g->matrix) ? dim_candidates(cig, 1, ins, MAX_CANDIDATES) : 1;
  if (t->n_ins == 1) ins[0] = cig > 0 ? cig : 1;
  t->rows = kept_values(rows, t->n_rows);
  t->cols = kept_values(cols, t->n_cols);
  t->chans = kept_values(chans, t->n_chans);
  t->ins = kept_values(ins, t->n_ins);
  t->row_spans = np_xcalloc((size_t)(t->n_rows > 0 ? t->n_rows : 1), sizeof *t->row_spans);
  t->col_spans = np_xcalloc((size_t)(t->n_cols > 0 ? t->n_cols : 1), sizeof *t->col_spans);
  t->computed = np_xcalloc((size_t)(t->n_rows * t->n_cols > 0 ? t->n_rows * t->n_cols : 1), sizeof *t->computed);
  t->n_orders = g->family == FAMILY_WINDOW ? 2 : 1;
  if (g->family == FAMILY_WINDOW) {
    for (int r = 0; r < t->n_rows; r++) span_stats(g, true, t->rows[r], &t->row_spans[r].sum_rows, &t->row_spans[r].max_rows);
    for (int c = 0; c < t->n_cols; c++) span_stats(g, false, t->cols[c], &t->col_spans[c].sum_cols, &t->col_spans[c].max_cols);
  }
  t->compute_floor = compute_floor(L, ly);
  t->bytes = sizeof *t + (size_t)(t->n_rows + t->n_cols + t->n_chans + t->n_ins) * sizeof(int64_t) +
             (size_t)(t->n_rows + t->n_cols) * sizeof(Spans) + (size_t)(t->n_rows * t->n_cols) * sizeof *t->computed;
  return t;
}

/* The layer's tile space: the one its shape already has, or a new one. */
static LTileSpace *shared_space(const Lower *L, const LLayer *ly) {
  int64_t key[SHAPE_KEY_MAX];
  int n = shape_key(L, ly, key);
  struct LTileSpaces *sp = L->spaces;
  LTileSpace *t = spaces_find(sp, key, n);
  if (t) return t;
  t = tile_space(L, ly);
  memcpy(t->key, key, (size_t)n * sizeof *key);
  t->key_len = n;
  if (2 * (sp->used + 1) > sp->size) spaces_grow(sp);
  spaces_insert(sp, t);
  return t;
}

/* Estimated times closer than this (relative) tie, and the next criterion decides. */
#define EST_TIE 1e-9

/* a better than b: less estimated time; then less DRAM traffic (the energy that varies with
 * the tiling); then fewer commands; then less SRAM; then the earlier candidate in the
 * enumeration (larger tiles). A total order: no two different plans tie. */
static bool better(const LTilePlan *a, const LTilePlan *b) {
  if (!b->feasible) return a->feasible;
  if (!a->feasible) return false;
  double tie = EST_TIE * (b->est_cycles > 1 ? b->est_cycles : 1);
  if (a->est_cycles < b->est_cycles - tie) return true;
  if (a->est_cycles > b->est_cycles + tie) return false;
  if (a->dram_bytes != b->dram_bytes) return a->dram_bytes < b->dram_bytes;
  if (a->commands != b->commands) return a->commands < b->commands;
  if (a->staging != b->staging) return a->staging < b->staging;
  /* the rest is the enumeration order (larger dims first, order 0 first), so that the
   * answer does not depend on the order candidates are visited in */
  const int64_t ka[5] = {a->th, a->tw, a->tc, a->tk, -a->order}, kb[5] = {b->th, b->tw, b->tc, b->tk, -b->order};
  for (int i = 0; i < 5; i++)
    if (ka[i] != kb[i]) return ka[i] > kb[i];
  return false;
}

/* The tile search is a branch and bound over the enumeration (rows, cols, out channels, in
 * channels, loop order; each dim largest first). It visits the candidates in that order and
 * keeps the same running best as costing every one would, skipping only groups of
 * candidates none of which can replace it:
 * - staging: every block grows with each tile dim, so the buffers of the smallest channel
 *   and chunk sizes, one slot each, bound the staging of a whole group from below; a group
 *   above the budget holds no feasible candidate;
 * - time: no candidate takes less than the layer's work at the engine's peak rate, nor less
 *   than its DRAM bytes over the bandwidth. For a fixed spatial tile a smaller channel tile
 *   or chunk never moves fewer bytes (every trip count shrinks as a tile dim grows, and a
 *   repeat never falls when a trip count rises), so once a channel size's floor exceeds the
 *   best estimate, every smaller size's does too. */
typedef struct Search {
  const Lower *L;
  const LLayer *ly;
  const LTileSpace *t;
  const Operands *o;
  int64_t budget;
  int64_t band; /* > 0: only tiles of this many rows whose row loop is outermost (a cascade) */
  LTilePlan best;
  /* The least staging (or staging floor) turned down as over the budget: with any budget
   * from the answer's own staging up to, not including, this one the answer is the same
   * (search). */
  int64_t hi;
} Search;

/* Whether `staging` exceeds the budget; a refusal narrows the range of budgets that refuse
 * the same candidates. */
static bool over_budget(Search *s, int64_t staging) {
  if (staging <= s->budget) return false;
  if (staging < s->hi) s->hi = staging;
  return true;
}

/* Staging of the candidate's blocks at one slot each: a lower bound for every candidate
 * with these or larger dims. */
static int64_t staging_floor(const Search *s, const Spans *sp, int64_t th, int64_t tw, int64_t tc, int64_t tk) {
  int64_t bytes[BUF_EXTRA + LOWER_MAX_EXTRAS];
  block_bytes(&s->ly->geo, s->o, sp, th, tw, tc, tk, bytes);
  int64_t sum = 0;
  for (int b = 0; b < BUF_EXTRA + s->o->n_extras; b++)
    if (has_buffer(s->o, b)) sum += lower_align(s->L, bytes[b]);
  return sum;
}

/* Lower bounds of a group of candidates: of their estimated time and of their DRAM bytes. */
typedef struct Floor {
  double cycles;
  int64_t bytes;
} Floor;

/* Whether no candidate above these floors can beat the best: slower, or no faster (within
 * the tie) and moving more bytes. Candidates that tie on time are common (every tile size
 * with the same folds computes alike), and the bytes decide them. */
static bool floor_loses(const Search *s, Floor f) {
  if (!s->best.feasible) return false;
  double tie = EST_TIE * (s->best.est_cycles > 1 ? s->best.est_cycles : 1);
  if (f.cycles > s->best.est_cycles + tie) return true;
  return f.cycles >= s->best.est_cycles - tie && f.bytes > s->best.dram_bytes;
}

/* The least DMA time of a candidate's streams: LOADs run one after another and so do
 * STOREs, and all of them share the bus; every transfer pays the latency and every run at
 * least a burst and a row miss (lower_transfers_floor). */
static double chain_floor(const LRates *rates, const LStream *streams, int n_streams) {
  double load_chain = 0, store_chain = 0, bus = 0;
  for (int i = 0; i < n_streams; i++) {
    const LStream *x = &streams[i];
    LTransfer f = lower_transfers_floor(rates, (double)x->count, x->bytes, x->runs * (double)x->count);
    *(x->store ? &store_chain : &load_chain) += f.cycles;
    bus += f.bus_cycles;
  }
  return lower_max(lower_max(load_chain, store_chain), bus);
}

/* The least time of the first tile's loads and the last tile's store: each transfer pays the
 * latency and moves its bytes (the first block of a load, the mean of the stores) no faster
 * than the bandwidth. */
static double ends_floor(const NpDram *d, const LStream *streams, int n_streams) {
  if (!(d->bytes_per_cycle > 0)) return 0.0;
  double lat = (double)d->latency_cycles, sum = 0;
  for (int i = 0; i < n_streams; i++) {
    const LStream *x = &streams[i];
    if (x->count <= 0 || x->bytes <= 0) continue;
    double bytes = !x->store && x->first > 0 && x->count > 1 ? x->first : x->bytes / (double)x->count;
    sum += lat + bytes / d->bytes_per_cycle;
  }
  return sum;
}

/* The floors of every candidate with this spatial tile and these or smaller channel sizes,
 * in either loop order: DMA time (chain_floor) and DRAM bytes. Every transfer count, byte
 * total and run count of the input, output and extra streams only grows as the channel sizes
 * shrink; a weight transfer is counted as one run, the least any can be. */
static Floor dram_floor(const Search *s, const Spans *sp, int64_t th, int64_t tw, int64_t tc, int64_t tk) {
  const LGeometry *g = &s->ly->geo;
  int64_t trips[V_COUNT];
  trip_counts(g, th, tw, tc, tk, trips);
  TileDims p = {th, tw, tc, tk, trips[V_R], trips[V_C], trips[V_CO]};
  Floor least = {INFINITY, INT64_MAX};
  for (int order = 0; order < distinct_orders(s->t->n_orders, trips); order++) {
    Traffic t;
    plan_traffic(g, s->o, sp, trips, order, &t);
    LStream streams[BUF_EXTRA + LOWER_MAX_EXTRAS];
    int n = plan_streams(s->ly, s->o, sp, &p, &t, true, streams);
    least.cycles = lower_min(least.cycles, chain_floor(&s->L->rates, streams, n));
    if (t.dram < least.bytes) least.bytes = t.dram;
  }
  return least;
}

static Floor with_time(Floor f, double cycles) { return (Floor){lower_max(f.cycles, cycles), f.bytes}; }

/* The entry of the compute table for tile sizes (r, c, k, i); cycles < 0: not worked out. */
static LCompute *compute_entry(const Search *s, int r, int c, int k, int i) {
  LTileSpace *t = s->ly->space;
  LCompute **slot = &t->computed[r * t->n_cols + c];
  if (*slot == NULL) {
    size_t n = (size_t)t->n_chans * (size_t)t->n_ins;
    *slot = np_xmalloc(n * sizeof **slot);
    for (size_t j = 0; j < n; j++) (*slot)[j].cycles = -1;
    t->bytes += n * sizeof **slot;
  }
  return &(*slot)[k * t->n_ins + i];
}

static LCompute tile_compute(const Search *s, int r, int c, int k, int i) {
  LCompute *known = compute_entry(s, r, c, k, i);
  if (known->cycles >= 0) return *known;
  const LTileSpace *t = s->t;
  LTileSizes p = {t->rows[r], t->cols[c], t->chans[k], t->ins[i]};
  *known = lower_estimate_compute(s->L, s->ly, &p);
  return *known;
}

/* The least time the SRAM banks need for `lines` bank lines: every port serves one a cycle. */
static double bank_floor(const Search *s, double lines) {
  const NpSram *sr = &s->L->arch->sram;
  return lines / ((double)sr->banks * (double)(sr->ports_per_bank > 0 ? sr->ports_per_bank : 1));
}

/* The floors of one tile size with its compute known: the last tile computes after the DMA
 * chains (in either order), and every tile's compute and bank lines take their time. */
static Floor with_compute(const Search *s, Floor dma, const LCompute *c) {
  return (Floor){lower_max(dma.cycles + c->last, lower_max(c->cycles, bank_floor(s, c->lines))), dma.bytes};
}

/* Costs the loop orders of one tile size and keeps any that beats the best. */
static void try_tile(Search *s, const Spans *sp, int64_t th, int64_t tw, int64_t tc, int64_t tk,
                     const LCompute *compute) {
  int64_t trips[V_COUNT];
  trip_counts(&s->ly->geo, th, tw, tc, tk, trips);
  for (int order = 0; order < distinct_orders(s->t->n_orders, trips); order++) {
    Traffic t;
    LTilePlan p = evaluate_costs(s->L, s->ly, s->o, sp, th, tw, tc, tk, order, &t);
    if (s->band > 0 && order == 1 && p.nco > 1) continue; /* channel tiles outside the rows */
    if (over_budget(s, p.staging)) continue;
    p.feasible = true;
    /* the estimate is at least the DMA chains and then the last tile's compute (the
     * computes after the last LOAD include it), and at least the first tile's loads, every
     * compute and the last store one after another */
    LStream streams[BUF_EXTRA + LOWER_MAX_EXTRAS];
    TileDims dims = {th, tw, tc, tk, p.nr, p.nc, p.nco};
    int n_streams = plan_streams(s->ly, s->o, sp, &dims, &t, false, streams);
    stream_ends(s->ly, s->o, &p, streams, n_streams);
    double serial = compute->cycles + ends_floor(&s->L->arch->dram, streams, n_streams);
    double banks = bank_floor(s, compute->lines + (double)p.dram_bytes / (double)s->L->arch->sram.bank_width_bytes);
    double chains = chain_floor(&s->L->rates, streams, n_streams) + compute->last;
    if (floor_loses(s, (Floor){lower_max(lower_max(serial, banks), chains), p.dram_bytes})) continue;
    LEstimate e = lower_estimate_plan(s->L, compute, &p, streams, n_streams);
    p.est_cycles = e.cycles, p.est_tail = e.tail;
    if (better(&p, &s->best)) s->best = p;
  }
}

/* The candidates with one spatial tile. Cutting the channels into smaller tiles never
 * lowers the compute (every formula's fold or lane count is a ceiling, and a ceiling of a
 * sum is at most the sum of the ceilings), so the whole channels' compute bounds them all.
 * Not so with core splits: a tile's shares can fold worse than two smaller tiles' do
 * (docs/performance.md, "Cheaper searches"), so this bound can skip the best tile. */
static void search_spatial(Search *s, const Spans *sp, int r, int c) {
  const LTileSpace *t = s->t;
  int64_t th = t->rows[r], tw = t->cols[c];
  int64_t min_tc = t->chans[t->n_chans - 1], min_tk = t->ins[t->n_ins - 1];
  if (over_budget(s, staging_floor(s, sp, th, tw, min_tc, min_tk))) return;
  LCompute whole = tile_compute(s, r, c, 0, 0);
  Floor largest = dram_floor(s, sp, th, tw, t->chans[0], t->ins[0]);
  if (floor_loses(s, with_time(largest, lower_max(whole.cycles, t->compute_floor)))) return;
  for (int k = 0; k < t->n_chans; k++) {
    int64_t tc = t->chans[k];
    Floor dma = k == 0 ? largest : dram_floor(s, sp, th, tw, tc, t->ins[0]);
    if (floor_loses(s, dma)) break;
    /* (the smallest sizes' floors were checked already: the spatial tile's and this size's) */
    if (tc != min_tc && over_budget(s, staging_floor(s, sp, th, tw, tc, min_tk))) continue;
    for (int i = 0; i < t->n_ins; i++) {
      int64_t tk = t->ins[i];
      if (tk != min_tk && over_budget(s, staging_floor(s, sp, th, tw, tc, tk))) continue;
      /* a compute already in the table may rule the candidate out before its DMA floor */
      const LCompute *known = compute_entry(s, r, c, k, i);
      if (i > 0 && known->cycles >= 0 && floor_loses(s, (Floor){lower_max(known->cycles, bank_floor(s, known->lines)), 0}))
        continue;
      if (i > 0) dma = dram_floor(s, sp, th, tw, tc, tk);
      if (i > 0 && floor_loses(s, dma)) break;
      LCompute compute = tile_compute(s, r, c, k, i);
      if (floor_loses(s, with_compute(s, dma, &compute))) continue;
      try_tile(s, sp, th, tw, tc, tk, &compute);
    }
  }
}

static int index_of(const int64_t *values, int n, int64_t v) {
  for (int i = 0; i < n; i++)
    if (values[i] == v) return i;
  return -1;
}

/* Costs the candidate with plan p's tile sizes (both loop orders). */
static void try_candidate(Search *s, const LTilePlan *p) {
  const LTileSpace *t = s->t;
  int r = index_of(t->rows, t->n_rows, p->th), c = index_of(t->cols, t->n_cols, p->tw);
  int k = index_of(t->chans, t->n_chans, p->tc), i = index_of(t->ins, t->n_ins, p->tk);
  if (r < 0 || c < 0 || k < 0 || i < 0) return;
  Spans sp = {t->row_spans[r].sum_rows, t->row_spans[r].max_rows, t->col_spans[c].sum_cols, t->col_spans[c].max_cols};
  if (over_budget(s, staging_floor(s, &sp, p->th, p->tw, p->tc, p->tk))) return;
  LCompute compute = tile_compute(s, r, c, k, i);
  try_tile(s, &sp, p->th, p->tw, p->tc, p->tk, &compute);
}

/* The candidates with the r-th row tile. Partial-width tiles only once a tile is down to one
 * row: full rows are contiguous. */
static void search_row(Search *s, int r) {
  const LTileSpace *t = s->t;
  int col_limit = (t->rows[r] == 1 || s->ly->geo.out_h == 1) ? t->n_cols : 1;
  for (int c = 0; c < col_limit; c++) {
    Spans sp = {t->row_spans[r].sum_rows, t->row_spans[r].max_rows, t->col_spans[c].sum_cols, t->col_spans[c].max_cols};
    search_spatial(s, &sp, r, c);
  }
}

static LTilePlan search(const Lower *L, const LLayer *ly, const Operands *o, unsigned key, int64_t budget,
                        int64_t band, int64_t *lo, int64_t *hi) {
  const LTileSpace *t = ly->space;
  Search s;
  memset(&s, 0, sizeof s);
  s.L = L, s.ly = ly, s.t = t, s.o = o, s.budget = budget, s.band = band;
  s.hi = INT64_MAX;
  /* Start from the best of the layer's remembered answers for the same operand placement (and
   * row tile, banded) that still fit: the order is total, so the answer is the same, and the
   * bounds prune sooner. */
  const LTileMemo *memos = band > 0 ? t->band_memos : t->memos;
  int n_memos = band > 0 ? t->n_band_memos : t->n_memos;
  for (int i = 0; i < n_memos; i++) {
    const LTilePlan *m = &memos[i].plan;
    if (memos[i].key != key || !m->feasible || m->staging > budget || !better(m, &s.best)) continue;
    s.best = *m;
  }
  /* Without one, the tile sizes the shape chose with its operands elsewhere are costed first
   * with these: a candidate like any other, visited early so that the bounds bite. */
  for (int i = 0; i < t->n_memos && !s.best.feasible && band == 0; i++)
    if (t->memos[i].key != key && t->memos[i].plan.feasible) try_candidate(&s, &t->memos[i].plan);
  for (int r = 0; r < t->n_rows; r++)
    if (band == 0 || t->rows[r] == band) search_row(&s, r);
  /* The answer P is the best of the candidates that fit the budget. With a budget B in
   * [P's staging, hi) P still fits, every candidate or group refused here is refused again
   * (its staging, or floor, is at least hi > B), and every other candidate was costed or
   * ruled out as no better than a running best, which P is at least as good as: P is the
   * answer under B too (as far as the bounds hold: see search_spatial's whole-channel one in
   * docs/performance.md, "Cheaper searches"). */
  *lo = s.best.feasible ? s.best.staging : INT64_MIN, *hi = s.hi;
  if (s.best.feasible) s.best.utilization = utilization(L, ly, s.best.th, s.best.tw, s.best.tc, s.best.tk);
  return s.best;
}

/* Where the operands are, as one number: the search depends on nothing else that changes. */
static unsigned operands_key(const Operands *o) {
  unsigned key = (unsigned)o->in_dram | (unsigned)o->w_dram << 1 | (unsigned)o->out_store << 2 |
                 (unsigned)o->out_stage << 3;
  for (int i = 0; i < o->n_extras; i++) key |= (unsigned)o->ex_dram[i] << (4 + i);
  return key;
}

/* The remembered answer for this key whose budgets hold `budget`, if any. */
static const LTilePlan *recall(const LTileMemo *memos, int n, unsigned key, int64_t budget) {
  for (int i = 0; i < n; i++)
    if (memos[i].key == key && memos[i].lo <= budget && budget < memos[i].hi) return &memos[i].plan;
  return NULL;
}

static void remember(LTileMemo *memos, int *n, int *next, int capacity, unsigned key, int64_t lo, int64_t hi,
                     const LTilePlan *plan) {
  LTileMemo *m = &memos[*next];
  *next = (*next + 1) % capacity;
  if (*n < capacity) (*n)++;
  m->key = key, m->lo = lo, m->hi = hi, m->plan = *plan;
}

static LTilePlan tile_with(const Lower *L, LLayer *ly, int64_t budget, bool all_dram) {
  if (!ly->space) ly->space = shared_space(L, ly);
  LTileSpace *t = ly->space;
  Operands o = operands(L, ly, all_dram);
  unsigned key = operands_key(&o);
  const LTilePlan *known = recall(t->memos, t->n_memos, key, budget);
  if (known) return *known;
  int64_t lo, hi;
  LTilePlan plan = search(L, ly, &o, key, budget, 0, &lo, &hi);
  remember(t->memos, &t->n_memos, &t->next_memo, LOWER_TILE_MEMOS, key, lo, hi, &plan);
  return plan;
}

LTilePlan lower_tile(const Lower *L, LLayer *ly, int64_t budget) { return tile_with(L, ly, budget, false); }

LTilePlan lower_tile_in_dram(const Lower *L, LLayer *ly, int64_t budget) { return tile_with(L, ly, budget, true); }

/* Bytes every tiling with all operands in DRAM moves at least: the input its windows reach
 * (the union of the tiles' windows is the whole output's), the weights, the extra operands,
 * each once, and the output. */
static double least_dram_bytes(const Lower *L, const LLayer *ly) {
  const LGeometry *g = &ly->geo;
  double bytes = (double)(g->w_total + g->out_total);
  if (g->in_total > 0 && g->family == FAMILY_WINDOW) {
    int64_t r0, rows, c0, cols;
    lower_input_span(g, true, 0, g->out_h, &r0, &rows);
    lower_input_span(g, false, 0, g->out_w, &c0, &cols);
    bytes += (double)g->batch * (double)rows * (double)cols * (double)g->in_c * (double)g->in_eb;
  } else {
    bytes += (double)g->in_total;
  }
  for (int i = 0; i < ly->n_extras; i++) bytes += (double)L->values[ly->extras[i].value].bytes;
  return bytes;
}

double lower_tile_floor(const Lower *L, LLayer *ly) {
  if (!ly->space) ly->space = shared_space(L, ly);
  LTransfer once = lower_transfers_floor(&L->rates, 1, least_dram_bytes(L, ly), 1);
  const NpSram *sr = &L->arch->sram;
  double banks = once.sram_lines / ((double)sr->banks * (double)(sr->ports_per_bank > 0 ? sr->ports_per_bank : 1));
  return lower_max(ly->space->compute_floor, lower_max(once.bus_cycles, banks));
}

LTilePlan lower_tile_banded(const Lower *L, LLayer *ly, int64_t budget, int64_t rows) {
  if (!ly->space) ly->space = shared_space(L, ly);
  LTileSpace *t = ly->space;
  Operands o = operands(L, ly, false);
  int r = index_of(t->rows, t->n_rows, rows);
  unsigned key = operands_key(&o) | (unsigned)(r + 1) << 16; /* the operands take the low bits */
  const LTilePlan *known = recall(t->band_memos, t->n_band_memos, key, budget);
  if (known) return *known;
  int64_t lo, hi;
  LTilePlan plan = search(L, ly, &o, key, budget, rows, &lo, &hi);
  remember(t->band_memos, &t->n_band_memos, &t->next_band_memo, LOWER_BAND_MEMOS, key, lo, hi, &plan);
  return plan;
}

int lower_tile_rows(const Lower *L, LLayer *ly, const int64_t **rows) {
  if (!ly->space) ly->space = shared_space(L, ly);
  *rows = ly->space->rows;
  return ly->space->n_rows;
}

int64_t lower_min_staging(const Lower *L, const LLayer *ly) {
  const LGeometry *g = &ly->geo;
  Operands o = operands(L, ly, true);
  Spans sp = {0, 0, 0, 0};
  if (g->family == FAMILY_WINDOW) {
    span_stats(g, true, 1, &sp.sum_rows, &sp.max_rows);
    span_stats(g, false, 1, &sp.sum_cols, &sp.max_cols);
  }
  int64_t unit = g->groups > 1 ? g->out_c / g->groups : 1;
  int64_t tc = g->split_channels ? unit : g->out_c;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t tk = (g->family == FAMILY_WINDOW && g->groups <= 1 && g->matrix) ? 1 : (cig > 0 ? cig : 1);
  LTilePlan p = evaluate(L, ly, &o, &sp, 1, 1, tc, tk, 0);
  return p.staging;
}
