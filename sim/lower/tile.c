/* Tiling: for one layer, the NHWC output tile (rows x cols x out-channels, and an
 * input-channel chunk) and loop order whose buffers fit an SRAM budget, chosen by least DRAM
 * traffic, then best array utilization, then fewest commands (docs/lowering.md).
 *
 * The loop nest is n, r, c, co, ci (order 0, spatial outside) or co, n, r, c, ci (order 1).
 * A buffer is reloaded when the block it holds changes from one iteration to the next; the
 * counts below are closed forms of that rule and emit.c follows the same rule, so the
 * traffic planned here is the traffic the command stream moves. */
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

enum { V_N = 0, V_R, V_C, V_CO, V_CI, V_COUNT };
#define KEY(v) (1u << (v))

static const int loop_levels[2][V_COUNT] = {{V_N, V_R, V_C, V_CO, V_CI}, {V_CO, V_N, V_R, V_C, V_CI}};

int64_t lower_align(const Lower *L, int64_t bytes) {
  int64_t a = L->align > 0 ? L->align : 1;
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
    int v = loop_levels[order][i];
    if ((key & KEY(v)) && trips[v] > 1) deepest = i;
  }
  *loads = *repeat = 1;
  for (int i = 0; i <= deepest; i++) {
    int v = loop_levels[order][i];
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

/* Costs one candidate. */
static LTilePlan evaluate(const Lower *L, const LLayer *ly, const Operands *o, const Spans *sp, int64_t th, int64_t tw,
                          int64_t tc, int64_t tk, int order) {
  const LGeometry *g = &ly->geo;
  LTilePlan p;
  memset(&p, 0, sizeof p);
  p.th = th, p.tw = tw, p.tc = tc, p.tk = tk, p.order = order;
  bool grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  p.nr = np_ceil_div_i64(g->out_h, th);
  p.nc = np_ceil_div_i64(g->out_w, tw);
  p.nco = np_ceil_div_i64(g->out_c, tc);
  p.nci = (grouped || g->family != FAMILY_WINDOW) ? 1 : np_ceil_div_i64(cig, tk);
  int64_t trips[V_COUNT] = {g->batch, p.nr, p.nc, p.nco, p.nci};
  p.n_tiles = g->batch * p.nr * p.nc * p.nco * p.nci;
  int64_t out_tiles = g->batch * p.nr * p.nc * p.nco;
  int64_t out_elements = g->batch * g->out_h * g->out_w * g->out_c;
  int64_t tile_elements = th * tw * tc;
  int64_t loads, repeat, dram = 0, commands = p.n_tiles;

  /* input */
  if (o->in_dram) {
    unsigned key = grouped ? KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CO) : KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CI);
    int64_t sweep, block;
    if (g->family == FAMILY_WINDOW) {
      int64_t chunk = grouped ? tc / (g->out_c / g->groups) * cig : tk;
      sweep = g->batch * sp->sum_rows * sp->sum_cols * g->in_c * g->in_eb;
      block = sp->max_rows * sp->max_cols * chunk * g->in_eb;
    } else {
      key = KEY(V_R);
      sweep = g->in_total;
      block = np_ceil_div_i64(g->in_total * th, g->out_h);
    }
    loads_and_repeat(order, trips, key, &loads, &repeat);
    dram += sweep * repeat;
    commands += loads;
    p.buf_bytes[BUF_IN] = block;
    p.buf_slots[BUF_IN] = loads > 1 ? 2 : 1;
  }
  /* weights, or a MatMul's B operand */
  if (o->w_dram) {
    unsigned key = KEY(V_CO) | KEY(V_CI) | (g->w_batched ? KEY(V_N) : 0);
    int64_t chunk = grouped ? cig : tk;
    int64_t block = g->family == FAMILY_WINDOW ? tc * chunk * g->w_per_pair + np_ceil_div_i64(g->w_other * tc, g->out_c)
                                               : g->w_total;
    if (g->w_batched) block = tc * chunk * g->w_per_pair;
    loads_and_repeat(order, trips, key, &loads, &repeat);
    dram += g->w_total * repeat;
    p.w_dram_bytes = g->w_total * repeat;
    commands += loads;
    p.buf_bytes[BUF_W] = block;
    p.buf_slots[BUF_W] = loads > 1 ? 2 : 1;
  }
  /* output */
  if (o->out_store) {
    dram += g->out_total;
    commands += out_tiles;
  }
  if (o->out_stage) {
    p.buf_bytes[BUF_OUT] = g->family == FAMILY_WINDOW ? tile_elements * g->out_eb : np_ceil_div_i64(g->out_total * th, g->out_h);
    p.buf_slots[BUF_OUT] = out_tiles > 1 ? 2 : 1;
  }
  /* extra operands: streamed with each output tile, or broadcast (loaded once) */
  for (int i = 0; i < o->n_extras; i++) {
    if (!o->ex_dram[i]) continue;
    unsigned key = o->ex_bcast[i] ? 0 : KEY(V_N) | KEY(V_R) | KEY(V_C) | KEY(V_CO);
    loads_and_repeat(order, trips, key, &loads, &repeat);
    dram += o->ex_total[i] * repeat;
    commands += loads;
    p.buf_bytes[BUF_EXTRA + i] = o->ex_bcast[i] ? o->ex_total[i] : np_ceil_div_i64(o->ex_total[i] * tile_elements, out_elements);
    p.buf_slots[BUF_EXTRA + i] = loads > 1 ? 2 : 1;
  }
  for (int b = 0; b < BUF_EXTRA + o->n_extras; b++) {
    if (p.buf_slots[b] == 0) continue;
    int64_t aligned = lower_align(L, p.buf_bytes[b]);
    p.staging += aligned * p.buf_slots[b];
    p.pad_waste += (aligned - p.buf_bytes[b]) * p.buf_slots[b];
  }
  p.dram_bytes = dram;
  p.commands = commands;
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

/* a better than b: less traffic, then higher utilization, then fewer commands, then less
 * SRAM; equal plans keep the earlier (larger) candidate. */
static bool better(const LTilePlan *a, const LTilePlan *b) {
  if (!b->feasible) return a->feasible;
  if (!a->feasible) return false;
  if (a->dram_bytes != b->dram_bytes) return a->dram_bytes < b->dram_bytes;
  if (a->utilization > b->utilization + 1e-12) return true;
  if (a->utilization < b->utilization - 1e-12) return false;
  if (a->commands != b->commands) return a->commands < b->commands;
  return a->staging < b->staging;
}

#define MAX_CANDIDATES 20

static LTilePlan search(const Lower *L, const LLayer *ly, const Operands *o, int64_t budget) {
  const LGeometry *g = &ly->geo;
  LTilePlan best;
  memset(&best, 0, sizeof best);
  bool grouped = g->groups > 1;
  int64_t cig = g->in_c / (g->groups > 0 ? g->groups : 1);
  int64_t rows[MAX_CANDIDATES], cols[MAX_CANDIDATES], chans[MAX_CANDIDATES], ins[MAX_CANDIDATES];
  int n_rows = dim_candidates(g->out_h, 1, rows, MAX_CANDIDATES);
  int n_cols = dim_candidates(g->out_w, 1, cols, MAX_CANDIDATES);
  int64_t unit = grouped ? g->out_c / g->groups : 1;
  int n_chans = g->split_channels ? dim_candidates(g->out_c, unit, chans, MAX_CANDIDATES) : 1;
  if (!g->split_channels) chans[0] = g->out_c;
  int n_ins = (g->family == FAMILY_WINDOW && !grouped && g->matrix) ? dim_candidates(cig, 1, ins, MAX_CANDIDATES) : 1;
  if (n_ins == 1) ins[0] = cig > 0 ? cig : 1;
  int n_orders = g->family == FAMILY_WINDOW ? 2 : 1;
  Spans colspans[MAX_CANDIDATES];
  for (int c = 0; c < n_cols; c++)
    if (g->family == FAMILY_WINDOW) span_stats(g, false, cols[c], &colspans[c].sum_cols, &colspans[c].max_cols);
  for (int r = 0; r < n_rows; r++) {
    Spans sp = {0, 0, 0, 0};
    if (g->family == FAMILY_WINDOW) span_stats(g, true, rows[r], &sp.sum_rows, &sp.max_rows);
    /* partial-width tiles only once a tile is down to one row: full rows are contiguous */
    int col_limit = (rows[r] == 1 || g->out_h == 1) ? n_cols : 1;
    for (int c = 0; c < col_limit; c++) {
      sp.sum_cols = colspans[c].sum_cols, sp.max_cols = colspans[c].max_cols;
      for (int k = 0; k < n_chans; k++)
        for (int i = 0; i < n_ins; i++)
          for (int order = 0; order < n_orders; order++) {
            LTilePlan p = evaluate(L, ly, o, &sp, rows[r], cols[c], chans[k], ins[i], order);
            p.feasible = p.staging <= budget;
            if (better(&p, &best)) best = p;
          }
    }
  }
  return best;
}

LTilePlan lower_tile(const Lower *L, const LLayer *ly, int64_t budget) {
  Operands o = operands(L, ly, false);
  return search(L, ly, &o, budget);
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
