/* Cascading (docs/lowering.md, "Cascading"): two consecutive layers A -> B on one engine,
 * where B alone reads A's output and that output would otherwise go through DRAM, run band
 * by band. A computes a band of output rows, B computes the rows of its output those allow,
 * and A's output lives only in a rolling buffer of rows in the SRAM, never in DRAM.
 *
 * A cascade is a pair of tilings whose row loops are outermost: A in tiles of `rows_a` rows,
 * B in bands of `rows_b`. emit.c runs B's band as soon as A has computed every input row it
 * reads (its halo included), and A's next band waits for B's last COMPUTE, so the buffer
 * holds the rows from the first one B still needs to the last one A is writing. Both layers'
 * buffers and the rolling buffer sit in the SRAM at once, above the activations live at
 * either layer. The pair's estimate is its two layers' (each with the intermediate on chip);
 * it forms when that beats the two layers tiled apart. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

int64_t lower_cascade_rows_needed(const LLayer *tail, int64_t r0, int64_t rc) {
  int64_t first, count;
  lower_input_span(&tail->geo, true, r0, r0 + rc, &first, &count);
  return first + count;
}

/* The rows the rolling buffer holds at most, with A in tiles of rows_a rows and B in bands
 * of rows_b, interleaved as emit.c does: before A's tile of rows [r, r + rows_a), every band
 * of B whose input rows end by r has run; the buffer then holds from the first row the next
 * band reads (or r, when that band starts later) to the end of A's tile. */
static int64_t ring_rows(const LLayer *a, const LLayer *b, int64_t rows_a, int64_t rows_b) {
  int64_t h = a->geo.out_h, hb = b->geo.out_h, band = 0, most = 0;
  for (int64_t r = 0; r < h; r += rows_a) {
    while (band < hb && lower_cascade_rows_needed(b, band, min64(rows_b, hb - band)) <= r) band += rows_b;
    int64_t keep = r;
    if (band < hb) {
      int64_t first, count;
      lower_input_span(&b->geo, true, band, min64(band + rows_b, hb), &first, &count);
      keep = min64(keep, first);
    }
    most = max64(most, min64(r + rows_a, h) - keep);
  }
  return most;
}

/* A layer pair that may cascade: one engine, both windowed, one image, B reads A's only
 * output as its primary input and nothing else does (so it would go through DRAM, or stay
 * on chip whole). A layer may head one pair and end another: lower_cascade keeps one. */
static bool eligible(const Lower *L, size_t i) {
  const LLayer *a = &L->layers[i], *b = &L->layers[i + 1];
  if (!a->sram_engine || !b->sram_engine || a->engine != b->engine) return false;
  const LGeometry *ga = &a->geo, *gb = &b->geo;
  if (ga->family != FAMILY_WINDOW || gb->family != FAMILY_WINDOW || ga->batch != 1 || gb->batch != 1) return false;
  if (gb->transposed || a->n_other_outputs > 0 || !a->plan.feasible || !b->plan.feasible) return false;
  int v = a->out_value;
  const LValue *x = &L->values[v];
  if (b->in_value != v || b->b_value == v || x->graph_output || x->cpu_consumer) return false;
  if (x->last_use != (int)(i + 1)) return false;
  for (int k = 0; k < b->n_extras; k++)
    if (b->extras[k].value == v) return false;
  return gb->in_h == ga->out_h && gb->in_w == ga->out_w && gb->in_c == ga->out_c && gb->in_total == x->bytes &&
         gb->out_h > 1;
}

typedef struct Choice {
  bool found;
  double cycles, gain; /* the pair's estimate; what it saves against the layers apart */
  int64_t dram;
  LTilePlan a, b;
  int64_t ring_rows, ring_bytes, base;
  bool spills_input;   /* A's input, kept on chip from the layer before, goes through DRAM */
  LTilePlan producer;  /* then that layer's plan, storing it */
} Choice;

#define CASCADE_TIE 1e-9 /* relative: estimates closer than this are equal */
#define CASCADE_SPLITS 4  /* the budget left beside the rolling buffer is split in quarters */
#define CASCADE_SHRINK 4  /* A's tiles as small as a quarter of B's band are tried */
#define CASCADE_ROWS_MAX 64 /* row candidates of a layer (tile.c makes at most 20) */

/* Whether (cycles, dram) beats the best choice so far: less time, then fewer DRAM bytes;
 * at a tie the earlier candidate stays. */
static bool beats(const Choice *best, double cycles, int64_t dram) {
  if (!best->found) return true;
  double tie = CASCADE_TIE * fmax(best->cycles, 1);
  if (cycles < best->cycles - tie) return true;
  return cycles <= best->cycles + tie && dram < best->dram;
}

/* One pair's search: its layers, the SRAM above the cascade's base, and per row tile a floor
 * of each layer's banded estimate (< 0: not worked out yet). */
typedef struct Search {
  const Lower *L;
  LLayer *a, *b;
  int64_t avail, row_bytes;
  const int64_t *rows_a, *rows_b;
  int n_a, n_b;
  double floor_a[CASCADE_ROWS_MAX], floor_b[CASCADE_ROWS_MAX];
  Choice best;
} Search;

/* The least either layer's banded tiles can take, whatever the other's: with all the SRAM
 * but the rows the rolling buffer must hold for it alone (A's tile of rows_a rows; the input
 * rows of B's band), which it holds at least. INFINITY: they do not fit. */
static double floor_of(Search *s, bool head, int k) {
  double *known = head ? &s->floor_a[k] : &s->floor_b[k];
  if (*known >= 0) return *known;
  LLayer *ly = head ? s->a : s->b;
  int64_t rows = head ? s->rows_a[k] : s->rows_b[k], held = rows, first;
  if (!head) lower_input_span(&s->b->geo, true, 0, min64(rows, s->b->geo.out_h), &first, &held);
  LTilePlan p = lower_tile_banded(s->L, ly, s->avail - lower_align(s->L, held * s->row_bytes), rows);
  *known = p.feasible ? p.est_cycles : INFINITY;
  return *known;
}

/* The best cascade with A in tiles of rows_a rows and B in bands of rows_b: the SRAM beside
 * the rolling buffer is split between the two layers' buffers at each quarter. Every split
 * gives each layer at least as much with more SRAM, so the best never gets slower as the
 * SRAM grows. */
static void try_tiles(Search *s, int ka, int kb) {
  if (!beats(&s->best, floor_of(s, true, ka) + floor_of(s, false, kb), 0)) return;
  const Lower *L = s->L;
  int64_t rows_a = s->rows_a[ka], rows_b = s->rows_b[kb];
  int64_t ring = ring_rows(s->a, s->b, rows_a, rows_b);
  int64_t ring_bytes = lower_align(L, ring * s->row_bytes);
  int64_t rest = s->avail - ring_bytes;
  if (rest <= 0) return;
  /* neither layer does better than with all of it: skip when that cannot win */
  LTilePlan whole_a = lower_tile_banded(L, s->a, rest, rows_a);
  if (!whole_a.feasible) return;
  LTilePlan whole_b = lower_tile_banded(L, s->b, rest, rows_b);
  if (!whole_b.feasible || !beats(&s->best, whole_a.est_cycles + whole_b.est_cycles, 0)) return;
  for (int k = 1; k < CASCADE_SPLITS; k++) {
    int64_t budget_a = rest / CASCADE_SPLITS * k, budget_b = rest - budget_a;
    LTilePlan pa = lower_tile_banded(L, s->a, budget_a, rows_a);
    if (!pa.feasible || !beats(&s->best, pa.est_cycles + whole_b.est_cycles, 0)) continue;
    LTilePlan pb = lower_tile_banded(L, s->b, budget_b, rows_b);
    if (!pb.feasible) break; /* B's share only shrinks from here */
    double cycles = pa.est_cycles + pb.est_cycles;
    int64_t dram = pa.dram_bytes + pb.dram_bytes;
    if (!beats(&s->best, cycles, dram)) continue;
    s->best = (Choice){true, cycles, 0, dram, pa, pb, ring, ring_bytes, 0, false, {0}};
  }
}

/* Every band of B below its height, with A in any of its row tiles up to the rows B's band
 * advances by (rows_b x B's row stride) and down to a quarter of that: smaller ones make the
 * rolling buffer smaller (and A's tiles less efficient). The candidates do not depend on the
 * SRAM size. Each band's largest such tile is tried first,
 * the others after, once the best so far prunes more. */
static void search_bands(Search *s) {
  for (int pass = 0; pass < 2; pass++)
    for (int kb = 0; kb < s->n_b; kb++) {
      if (s->rows_b[kb] >= s->b->geo.out_h) continue;
      int64_t want = max64(1, s->rows_b[kb] * s->b->geo.sh);
      int ka = 0;
      while (ka < s->n_a - 1 && s->rows_a[ka] > want) ka++;
      if (pass == 0)
        try_tiles(s, ka, kb);
      else
        for (ka++; ka < s->n_a && s->rows_a[ka] * CASCADE_SHRINK >= want; ka++) try_tiles(s, ka, kb);
    }
}

/* Where the cascade's SRAM starts at layer l: above the activations live there. When the
 * intermediate is on chip whole, the cascade takes its place: values live at the same time
 * never overlap, so when it is the highest one there, every other lies below its offset. */
static int64_t base_at(const Lower *L, const LLayer *ly, const LValue *x) {
  if (!x->on_chip) return ly->act_base;
  return ly->act_base > x->sram_offset + lower_align(L, x->bytes) ? ly->act_base : x->sram_offset;
}

/* The best cascade of layers i and i + 1 above `base` (best->found: one was found); the
 * layers are left as they were. */
static void search_cascade(Lower *L, size_t i, int64_t base, double apart, Choice *best) {
  LLayer *a = &L->layers[i], *b = &L->layers[i + 1];
  LValue *x = &L->values[a->out_value];
  double tie = CASCADE_TIE * fmax(apart, 1);
  int64_t avail = L->arch->sram.capacity_bytes - base;
  bool was_on_chip = x->on_chip;
  x->on_chip = true, x->needs_dram = false;
  /* The cascade is the two layers tiled with the intermediate on chip, under less SRAM and
   * in bands: no faster than the best of those with all the SRAM. When that is no faster
   * than the layers apart (the store and load they save were hidden), nothing can win. */
  LTilePlan free_a = lower_tile(L, a, avail), free_b = lower_tile(L, b, avail);
  if (free_a.feasible && free_b.feasible && free_a.est_cycles + free_b.est_cycles < apart - tie) {
    Search s;
    memset(&s, 0, sizeof s);
    s.L = L, s.a = a, s.b = b, s.avail = avail, s.row_bytes = x->bytes / a->geo.out_h;
    s.n_a = (int)min64(lower_tile_rows(L, a, &s.rows_a), CASCADE_ROWS_MAX);
    s.n_b = (int)min64(lower_tile_rows(L, b, &s.rows_b), CASCADE_ROWS_MAX);
    for (int k = 0; k < CASCADE_ROWS_MAX; k++) s.floor_a[k] = s.floor_b[k] = -1;
    search_bands(&s);
    *best = s.best;
  }
  x->on_chip = was_on_chip, x->needs_dram = !was_on_chip;
  best->base = base;
}

/* A's input when it may go through DRAM to make room for the cascade: kept on chip, made by
 * the layer just before (on the SRAM) for A alone, and the highest value live at A, so that
 * the cascade can start at its offset. -1 otherwise. */
static int spillable_input(const Lower *L, size_t i) {
  const LLayer *a = &L->layers[i];
  if (i == 0 || a->in_value < 0) return -1;
  const LValue *y = &L->values[a->in_value];
  if (!y->on_chip || y->ring_rows > 0 || y->graph_output || y->cpu_consumer) return -1;
  if (y->producer != (int)i - 1 || y->last_use != (int)i || !L->layers[i - 1].sram_engine) return -1;
  if (a->act_base > y->sram_offset + lower_align(L, y->bytes)) return -1;
  return a->in_value;
}

/* The best cascade of layers i and i + 1 (best->found: one beats their separate plans):
 * above the activations live at them, or, when A's input stays on chip from the layer before
 * and takes the SRAM the cascade needs, with that input stored by its producer and loaded
 * in bands (a larger SRAM that first keeps the input on chip must not lose the cascade the
 * smaller one had). The layers are left as they were. */
static void try_cascade(Lower *L, size_t i, Choice *best) {
  LLayer *a = &L->layers[i], *b = &L->layers[i + 1];
  LValue *x = &L->values[a->out_value];
  double apart = a->plan.est_cycles + b->plan.est_cycles;
  double tie = CASCADE_TIE * fmax(apart, 1);
  search_cascade(L, i, max64(base_at(L, a, x), base_at(L, b, x)), apart, best);
  if (best->found && best->cycles >= apart - tie) best->found = false;
  best->gain = best->found ? apart - best->cycles : 0;
  int v = spillable_input(L, i);
  if (v < 0) return;
  LValue *y = &L->values[v];
  LLayer *p = &L->layers[i - 1];
  y->on_chip = false, y->needs_dram = true;
  Choice spilled;
  memset(&spilled, 0, sizeof spilled);
  LTilePlan producer = lower_tile(L, p, L->arch->sram.capacity_bytes - p->act_base);
  if (producer.feasible) {
    int64_t base = max64(x->on_chip ? base_at(L, a, x) : y->sram_offset, base_at(L, b, x));
    double with = p->plan.est_cycles + apart;
    search_cascade(L, i, base, with - producer.est_cycles, &spilled);
    double gain = spilled.found ? with - producer.est_cycles - spilled.cycles : 0;
    if (spilled.found && gain > best->gain + CASCADE_TIE * fmax(with, 1)) {
      *best = spilled;
      best->gain = gain;
      best->spills_input = true;
      best->producer = producer;
    }
  }
  y->on_chip = true, y->needs_dram = false;
}

static void apply(Lower *L, size_t i, const Choice *c) {
  LLayer *a = &L->layers[i], *b = &L->layers[i + 1];
  LValue *x = &L->values[a->out_value];
  if (c->spills_input) {
    LValue *y = &L->values[a->in_value];
    y->on_chip = false, y->needs_dram = true;
    L->layers[i - 1].plan = c->producer;
  }
  x->on_chip = true, x->needs_dram = false;
  x->ring_rows = c->ring_rows;
  x->sram_offset = c->base;
  a->plan = c->a, b->plan = c->b;
  a->act_base = lower_align(L, c->base + c->ring_bytes);
  b->act_base = a->act_base + c->a.staging;
  a->cascade_head = b->cascade_tail = true;
}

/* Every pair is costed with its layers as tiled apart (a cascade changes nothing outside its
 * two layers), then the set of pairs sharing no layer that saves the most estimated time is
 * kept: along the chain of layers, the best of the first k is the better of the best of the
 * first k - 1 and the best of the first k - 2 with the pair (k - 2, k - 1). Taking pairs
 * greedily in order let an expansion conv and its depthwise conv, gaining little, keep the
 * depthwise conv from cascading into its projection, which gains more. */
void lower_cascade(Lower *L) {
  size_t n = L->n_layers;
  if (!L->arch->sram.cascade || n < 2) return;
  Choice *pairs = np_xcalloc(n, sizeof *pairs);
  double *most = np_xcalloc(n + 1, sizeof *most); /* most[k]: the most the first k layers gain */
  for (size_t i = 0; i + 1 < n; i++)
    if (eligible(L, i)) try_cascade(L, i, &pairs[i]);
  for (size_t k = 2; k <= n; k++) {
    const Choice *c = &pairs[k - 2];
    size_t span = c->spills_input ? 3 : 2; /* the layers it changes: a spill re-tiles the producer */
    double with = c->found && k >= span ? most[k - span] + c->gain : -1;
    most[k] = with > most[k - 1] ? with : most[k - 1];
  }
  for (size_t k = n; k >= 2;) {
    if (pairs[k - 2].found && most[k] > most[k - 1]) {
      apply(L, k - 2, &pairs[k - 2]);
      k -= pairs[k - 2].spills_input ? 3 : 2;
    } else {
      k--;
    }
  }
  free(pairs);
  free(most);
}
