/* Residency: which layers' weights stay in SRAM across inferences, which activations stay on
 * chip from producer to last consumer, and where everything sits in the SRAM.
 *
 * SRAM map: resident weights from offset 0; on-chip activations above them (first fit over
 * lifetimes); each layer's tile buffers above the activations live while it runs, its weight
 * buffer last, moved up past the previous layer's buffers when the SRAM has room, so that
 * its first weight block can load while that layer still runs (prefetch). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

/* Layers whose smallest tile does not fit the SRAM at all leave the accelerator. */
static void fall_back_untileable(Lower *L) {
  int64_t capacity = L->arch->sram.capacity_bytes;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    ly->min_staging = lower_min_staging(L, ly);
    if (ly->min_staging <= capacity) continue;
    const NpOp *op = &L->graph->ops[ly->op];
    char cap[32];
    np_format_size(capacity, cap, sizeof cap);
    lower_set_cpu(L, ly,
                  np_xasprintf("%s '%s': one output tile of the smallest size needs %lld bytes of SRAM buffers, "
                               "more than sram.capacity_bytes %s",
                               np_op_kind_name(op->kind), op->name, (long long)ly->min_staging, cap));
  }
}

static void mark_use(Lower *L, int v, int layer, bool sram) {
  if (v < 0) return;
  LValue *x = &L->values[v];
  if (layer > x->last_use) x->last_use = layer;
  if (sram)
    x->sram_consumer = true;
  else
    x->cpu_consumer = true;
}

static void refresh_needs_dram(Lower *L) {
  for (size_t v = 0; v < L->n_values; v++) {
    LValue *x = &L->values[v];
    bool cpu_made = x->producer >= 0 && !L->layers[x->producer].sram_engine;
    x->needs_dram = !x->on_chip || x->graph_output || x->cpu_consumer || x->producer < 0 || cpu_made;
  }
}

static void collect_uses(Lower *L) {
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    mark_use(L, ly->in_value, (int)i, ly->sram_engine);
    mark_use(L, ly->b_value, (int)i, ly->sram_engine);
    for (int k = 0; k < ly->n_extras; k++) mark_use(L, ly->extras[k].value, (int)i, ly->sram_engine);
  }
  refresh_needs_dram(L);
}

/* Bytes of a layer's weight tensors not yet given an SRAM home, aligned. */
static int64_t new_weight_bytes(const Lower *L, const LLayer *ly) {
  int64_t sum = 0;
  for (int k = 0; k < ly->n_weights; k++)
    if (L->weight_sram[ly->weights[k]] < 0) sum += lower_align(L, lower_tensor_bytes(L, ly->weights[k]));
  return sum;
}

static void make_resident(Lower *L, LLayer *ly) {
  ly->resident = true;
  for (int k = 0; k < ly->n_weights; k++) {
    int t = ly->weights[k];
    if (L->weight_sram[t] >= 0) continue;
    L->weight_sram[t] = L->resident_bytes;
    L->resident_bytes += lower_align(L, lower_tensor_bytes(L, t));
  }
}

/* ---------------------------------------------------------------- activations */

typedef struct Placed {
  int value;
  int64_t offset, end; /* SRAM bytes [offset, end) */
  int first, last;     /* layers */
} Placed;

/* Where each SRAM layer's tiles go and whether its first weight block loads during the
 * previous SRAM layer: per layer, for the prefetch passes (plan_prefetch). */
typedef struct Layout {
  LTilePlan *plan;
  int64_t *act_base, *w_base;
  bool *prefetch;
} Layout;

typedef struct Memory {
  int64_t *top;   /* per layer: end of the highest on-chip activation live at it */
  Placed *placed;
  size_t n_placed, placed_cap;
  Layout trial;   /* network_estimate's */
} Memory;

static int64_t budget_at(const Lower *L, const Memory *m, int layer, int64_t top) {
  (void)m;
  return L->arch->sram.capacity_bytes - lower_align(L, top > L->layers[layer].act_base ? top : L->layers[layer].act_base);
}

/* Lowest offset at or above the resident weights where `size` bytes overlap no placed value
 * live during [first, last]. */
static int64_t first_fit(const Lower *L, const Memory *m, int first, int last, int64_t size) {
  int64_t offset = lower_align(L, L->resident_bytes);
  bool moved = true;
  while (moved) {
    moved = false;
    for (size_t i = 0; i < m->n_placed; i++) {
      const Placed *p = &m->placed[i];
      if (p->last < first || p->first > last) continue;
      if (offset < p->end && p->offset < offset + size) {
        offset = lower_align(L, p->end);
        moved = true;
      }
    }
  }
  return offset;
}

#define ON_CHIP_TIE 1e-9 /* relative: estimates closer than this are equal */

/* Tries to keep value v on chip: kept when every SRAM layer of its lifetime can still be
 * tiled and they take less estimated time (or as much, moving fewer DRAM bytes). */
static void try_on_chip(Lower *L, Memory *m, int v, LTilePlan *plans) {
  LValue *x = &L->values[v];
  int first = x->producer, last = x->last_use;
  int64_t size = lower_align(L, x->bytes);
  int64_t offset = first_fit(L, m, first, last, size);
  int64_t end = offset + size;
  if (end > L->arch->sram.capacity_bytes) return;
  int span = last - first + 1;
  LTilePlan *trial = np_xmalloc((size_t)span * sizeof *trial);
  x->on_chip = true;
  x->needs_dram = x->graph_output || x->cpu_consumer;
  int64_t bytes_delta = 0;
  double time_delta = 0, time = 0;
  bool ok = true;
  for (int l = first; l <= last && ok; l++) {
    LLayer *ly = &L->layers[l];
    if (!ly->sram_engine) continue;
    int64_t top = m->top[l] > end ? m->top[l] : end;
    trial[l - first] = lower_tile(L, ly, budget_at(L, m, l, top));
    ok = trial[l - first].feasible;
    bytes_delta += trial[l - first].dram_bytes - plans[l].dram_bytes;
    time_delta += trial[l - first].est_cycles - plans[l].est_cycles;
    time += plans[l].est_cycles;
  }
  /* kept when the layers of its lifetime take less estimated time (the cost model); at
   * equal time, when they move fewer DRAM bytes (energy) */
  double tie = ON_CHIP_TIE * (time > 1 ? time : 1);
  if (ok && (time_delta < -tie || (time_delta <= tie && bytes_delta < 0))) {
    for (int l = first; l <= last; l++) {
      if (!L->layers[l].sram_engine) continue;
      plans[l] = trial[l - first];
      if (end > m->top[l]) m->top[l] = end;
    }
    x->sram_offset = offset;
    np_grow((void **)&m->placed, &m->placed_cap, m->n_placed + 1, sizeof *m->placed);
    m->placed[m->n_placed++] = (Placed){v, offset, end, first, last};
  } else {
    x->on_chip = false;
    x->needs_dram = true;
  }
  free(trial);
}

typedef struct Offer {
  int value;
  double density; /* DRAM cycles its round trips take, per byte and layer of its lifetime */
} Offer;

static int compare_offers(const void *pa, const void *pb) {
  const Offer *a = pa, *b = pb;
  if (a->density != b->density) return a->density > b->density ? -1 : 1;
  return a->value - b->value;
}

/* The activations that may stay on chip, in the order they are offered the SRAM: the most
 * DRAM time a byte of SRAM saves over its lifetime first (one store, and a load per SRAM
 * consumer), as a knapsack is filled by value per weight. Nothing in that order depends on
 * the SRAM size. In producer order, a short-lived value early in the network that one more
 * KiB first admits could take the place of a later one that saves far more. */
static Offer *activation_offers(Lower *L, size_t *n) {
  int *loads = np_xcalloc(L->n_values + 1, sizeof *loads);
  for (size_t i = 0; i < L->n_layers; i++) {
    const LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    if (ly->in_value >= 0) loads[ly->in_value]++;
    if (ly->b_value >= 0) loads[ly->b_value]++;
    for (int k = 0; k < ly->n_extras; k++)
      if (ly->extras[k].value >= 0) loads[ly->extras[k].value]++;
  }
  Offer *offers = np_xmalloc((L->n_layers + 1) * sizeof *offers);
  *n = 0;
  for (size_t i = 0; i < L->n_layers; i++) {
    const LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    int v = ly->out_value;
    const LValue *x = &L->values[v];
    if (!x->sram_consumer || x->last_use <= (int)i) continue;
    double bytes = (double)lower_align(L, x->bytes);
    double trips = lower_transfer(&L->rates, (double)x->bytes, 1).cycles * (1 + loads[v]);
    double density = bytes > 0 ? trips / (bytes * (x->last_use - (int)i + 1)) : 0; /* no NaN in the sort */
    offers[(*n)++] = (Offer){v, density};
  }
  qsort(offers, *n, sizeof *offers, compare_offers);
  free(loads);
  return offers;
}

/* ---------------------------------------------------------------- weights */

typedef struct Candidate {
  int layer;
  int64_t bytes; /* SRAM it would take */
  double load;   /* cycles one load of its weights takes: the least residency saves a warm run */
} Candidate;

/* More load time per byte first (small layers pay the latency more); then smaller; then the
 * earlier layer. Nothing here depends on the SRAM size, so a larger SRAM sees the same order. */
static int compare_candidates(const void *pa, const void *pb) {
  const Candidate *a = pa, *b = pb;
  double lhs = a->load * (double)b->bytes, rhs = b->load * (double)a->bytes;
  if (lhs != rhs) return lhs > rhs ? -1 : 1;
  if (a->bytes != b->bytes) return a->bytes < b->bytes ? -1 : 1;
  return a->layer - b->layer;
}

/* What layer l's tiles may use under `resident` bytes of weights and the on-chip
 * activations above them. */
static int64_t tile_budget(const Lower *L, const Memory *m, size_t l, int64_t resident) {
  return L->arch->sram.capacity_bytes - lower_align(L, lower_align(L, resident) + m->top[l]);
}

/* The SRAM a streamed layer's weight buffer takes under plan p (0: resident weights, or
 * none). */
static int64_t plan_weight_buffer_bytes(const Lower *L, const LLayer *ly, const LTilePlan *p) {
  if (!ly->sram_engine || ly->b_value >= 0 || p->buf_slots[BUF_W] <= 0) return 0;
  return lower_align(L, p->buf_bytes[BUF_W]) * p->buf_slots[BUF_W];
}

/* Whether a layer under plan p issues a LOAD of its own in a warm inference (an operand in
 * DRAM, or weights past the prefetched first block): the next layer's prefetch starts after
 * the first of them (emit.c's anchor) and may use the layer's tail. A layer without one
 * anchors it at its first COMPUTE, and the prefetch waits for that tile: no tail is counted. */
static bool loads_own_operands(const Lower *L, const LLayer *ly, const LTilePlan *p, bool prefetched) {
  if (p->w_dram_bytes > (prefetched ? p->buf_bytes[BUF_W] : 0)) return true;
  if (ly->in_value >= 0 && !L->values[ly->in_value].on_chip) return true;
  if (ly->b_value >= 0 && !L->values[ly->b_value].on_chip) return true;
  for (int k = 0; k < ly->n_extras; k++)
    if (ly->extras[k].value >= 0 && !L->values[ly->extras[k].value].on_chip) return true;
  return false;
}

/* A layer tiled to leave the next SRAM layer's weight buffer room above it, when the time
 * that costs it is less than the first weight block's load it lets that layer hide (up to
 * this layer's tail, after its last LOAD, where the prefetch runs). */
static void leave_room_for_prefetch(Lower *L, Layout *t) {
  int64_t capacity = L->arch->sram.capacity_bytes;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    size_t j = i + 1;
    while (j < L->n_layers && !L->layers[j].sram_engine) j++;
    if (j == L->n_layers) break;
    if (ly->cascade_head || ly->cascade_tail || L->layers[j].cascade_head) continue; /* no prefetch there */
    int64_t room = plan_weight_buffer_bytes(L, &L->layers[j], &t->plan[j]);
    if (room == 0 || t->act_base[i] + t->plan[i].staging + room <= capacity) continue;
    LTilePlan reserved = lower_tile(L, ly, capacity - room - t->act_base[i]);
    if (!reserved.feasible) continue;
    double block = lower_transfer(&L->rates, (double)t->plan[j].buf_bytes[BUF_W], 1).cycles;
    double gain = fmin(block, reserved.est_tail);
    if (reserved.est_cycles - t->plan[i].est_cycles < gain) t->plan[i] = reserved;
  }
}

/* Each SRAM layer's weight buffer goes above the rest of its staging and above everything
 * the previous SRAM layer uses when that fits under the capacity: nothing the previous layer
 * touches overlaps it then (the activations live at either layer sit below both layers'
 * staging), and the layer's first weight block may load while the previous layer runs.
 * Otherwise the buffer closes the staging, where the tiler counted it. Returns the cycles
 * those loads hide as the schedule's estimate counts them: each up to the previous SRAM
 * layer's tail. */
static double place_weight_buffers(Lower *L, Layout *t) {
  int64_t prev_end = 0; /* the previous SRAM layer's highest SRAM byte + 1 */
  double hidden = 0, previous_tail = 0;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    const LTilePlan *p = &t->plan[i];
    t->prefetch[i] = false;
    if (!ly->sram_engine) continue;
    int64_t weights = plan_weight_buffer_bytes(L, ly, p);
    int64_t rest = t->act_base[i] + p->staging - weights;
    int64_t above = lower_align(L, rest > prev_end ? rest : prev_end);
    /* a cascade's layers start together: neither runs beside a previous layer alone */
    bool cascaded = ly->cascade_head || ly->cascade_tail;
    t->prefetch[i] = !cascaded && weights > 0 && above + weights <= L->arch->sram.capacity_bytes;
    t->w_base[i] = t->prefetch[i] ? above : rest;
    prev_end = t->w_base[i] + weights > rest ? t->w_base[i] + weights : rest;
    if (t->prefetch[i]) hidden += fmin(lower_transfer(&L->rates, (double)p->buf_bytes[BUF_W], 1).cycles, previous_tail);
    previous_tail = loads_own_operands(L, ly, p, t->prefetch[i]) ? p->est_tail : 0;
  }
  return hidden;
}

/* The prefetch passes over the tile plans of t: the cycles the prefetches hide. */
static double plan_prefetch(Lower *L, Layout *t) {
  leave_room_for_prefetch(L, t);
  return place_weight_buffers(L, t);
}

static Layout layout_new(size_t n) {
  return (Layout){np_xcalloc(n + 1, sizeof(LTilePlan)), np_xcalloc(n + 1, sizeof(int64_t)),
                  np_xcalloc(n + 1, sizeof(int64_t)), np_xcalloc(n + 1, sizeof(bool))};
}

static void layout_free(Layout *t) {
  free(t->plan);
  free(t->act_base);
  free(t->w_base);
  free(t->prefetch);
}

/* The estimated cycles of every SRAM layer under `resident` bytes of weights, tiled below
 * the activations (INFINITY: some layer no longer fits); its DRAM bytes in *bytes. The
 * prefetches are planned as the final schedule's are and their hidden load time counted:
 * resident weights take SRAM from them too, and a choice blind to that can cost more time
 * than it saves. */
static double network_estimate(Lower *L, Memory *m, int64_t resident, int64_t *bytes) {
  Layout *t = &m->trial;
  double cycles = 0;
  *bytes = 0;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    t->plan[i] = lower_tile(L, ly, tile_budget(L, m, i, resident));
    if (!t->plan[i].feasible) return INFINITY;
    t->act_base[i] = lower_align(L, lower_align(L, resident) + m->top[i]);
    *bytes += t->plan[i].dram_bytes;
  }
  double hidden = plan_prefetch(L, t);
  for (size_t i = 0; i < L->n_layers; i++)
    if (L->layers[i].sram_engine) cycles += t->plan[i].est_cycles;
  return cycles - hidden;
}

#define RESIDENCY_TIE 1e-9 /* relative: estimates closer than this are equal */

/* The layers whose weights may stay resident, in their order (compare_candidates). */
static Candidate *weight_candidates(Lower *L, size_t *n) {
  Candidate *c = np_xmalloc((L->n_layers + 1) * sizeof *c);
  *n = 0;
  if (!L->arch->sram.weights_resident) return c; /* every inference streams them (sram.weights_resident) */
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine || ly->b_value >= 0 || ly->n_weights == 0 || ly->weight_bytes == 0) continue;
    int64_t bytes = new_weight_bytes(L, ly);
    if (bytes > 0) c[(*n)++] = (Candidate){(int)i, bytes, lower_transfer(&L->rates, (double)bytes, 1).cycles};
  }
  qsort(c, *n, sizeof *c, compare_candidates);
  return c;
}

/* Which layers' weights stay in SRAM, below the on-chip activations already planned. The
 * candidates come in an order that does not depend on the SRAM size, and the resident set is
 * the prefix of that order under which the whole network's estimate is least (at equal
 * time, the longer prefix: fewer DRAM bytes). The SRAM weights take is SRAM every layer's
 * tiles lose, so filling it can make a streamed layer slower than its weights save; and with
 * a larger SRAM every prefix tiles at least as well, so the least of them never rises. Then
 * each candidate in turn joins the set or leaves it when that alone makes the network
 * faster: a small layer early in the order can squeeze a big one that a later candidate does
 * not, and a larger SRAM whose best prefix takes both must still find the set without it. */
static void choose_resident_weights(Lower *L, Memory *m, const Candidate *c, size_t n) {
  if (n == 0) return;
  int64_t bytes_best, bytes_k, resident = 0;
  double best = network_estimate(L, m, 0, &bytes_best);
  size_t best_k = 0;
  for (size_t k = 0; k < n; k++) {
    L->layers[c[k].layer].resident = true;
    resident += c[k].bytes;
    double est = network_estimate(L, m, resident, &bytes_k);
    if (est == INFINITY) break; /* a longer prefix leaves even less */
    double tie = RESIDENCY_TIE * (best > 1 ? best : 1);
    if (est < best - tie || (est <= best + tie && bytes_k <= bytes_best)) best = est, bytes_best = bytes_k, best_k = k + 1;
  }
  for (size_t k = 0; k < n; k++) L->layers[c[k].layer].resident = k < best_k;
  /* then every candidate once more, in order: one out of the set joins it, one in it leaves
   * it, when that alone makes the network faster */
  resident = 0;
  for (size_t k = 0; k < best_k; k++) resident += c[k].bytes;
  for (size_t k = 0; k < n; k++) {
    LLayer *ly = &L->layers[c[k].layer];
    int64_t toggled = ly->resident ? resident - c[k].bytes : resident + c[k].bytes;
    ly->resident = !ly->resident;
    double est = network_estimate(L, m, toggled, &bytes_k);
    double tie = RESIDENCY_TIE * (best > 1 ? best : 1);
    if (est < best - tie || (est <= best + tie && bytes_k < bytes_best)) {
      best = est, bytes_best = bytes_k, resident = toggled;
    } else {
      ly->resident = !ly->resident;
    }
  }
}

int64_t lower_weight_buffer_bytes(const Lower *L, const LLayer *ly) {
  return plan_weight_buffer_bytes(L, ly, &ly->plan);
}

/* The rest of the plan once the resident flags are set: the weights' SRAM homes (in
 * candidate order), the activations above them, every layer's tiles, the cascades and the
 * prefetches. Returns the SRAM layers' planned cycles less what the prefetches hide. */
static double finish_plan(Lower *L, Memory *m, const Candidate *c, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (L->layers[c[k].layer].resident) make_resident(L, &L->layers[c[k].layer]);
  int64_t base = lower_align(L, L->resident_bytes);
  for (size_t v = 0; v < L->n_values; v++)
    if (L->values[v].on_chip) L->values[v].sram_offset += base;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    ly->act_base = lower_align(L, base + m->top[i]);
    if (ly->sram_engine) ly->plan = lower_tile(L, ly, L->arch->sram.capacity_bytes - ly->act_base);
  }
  lower_cascade(L);
  Layout *t = &m->trial;
  for (size_t i = 0; i < L->n_layers; i++) {
    t->act_base[i] = L->layers[i].act_base;
    t->plan[i] = L->layers[i].plan;
  }
  double cycles = -plan_prefetch(L, t);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    ly->prefetch = t->prefetch[i];
    if (!ly->sram_engine) continue;
    ly->plan = t->plan[i];
    ly->w_base = t->w_base[i];
    cycles += ly->plan.est_cycles;
  }
  return cycles;
}

/* What finish_plan changes, to compare two finished plans. */
typedef struct Finished {
  LLayer *layers;
  LValue *values;
  int64_t *weight_sram;
  int64_t resident_bytes;
} Finished;

static Finished finished_new(const Lower *L) {
  return (Finished){np_xmalloc((L->n_layers + 1) * sizeof(LLayer)), np_xmalloc((L->n_values + 1) * sizeof(LValue)),
                    np_xmalloc((L->graph->n_tensors + 1) * sizeof(int64_t)), 0};
}

static void finished_take(Finished *f, const Lower *L) {
  memcpy(f->layers, L->layers, L->n_layers * sizeof *f->layers);
  memcpy(f->values, L->values, L->n_values * sizeof *f->values);
  memcpy(f->weight_sram, L->weight_sram, L->graph->n_tensors * sizeof *f->weight_sram);
  f->resident_bytes = L->resident_bytes;
}

static void finished_put_back(const Finished *f, Lower *L) {
  memcpy(L->layers, f->layers, L->n_layers * sizeof *f->layers);
  memcpy(L->values, f->values, L->n_values * sizeof *f->values);
  memcpy(L->weight_sram, f->weight_sram, L->graph->n_tensors * sizeof *f->weight_sram);
  L->resident_bytes = f->resident_bytes;
}

static void finished_free(Finished *f) {
  free(f->layers);
  free(f->values);
  free(f->weight_sram);
}

#define FINISH_TRIALS 3 /* the chosen set less its last 1, 2 and 3 candidates (6 removed no more inversions) */

/* The resident set is chosen by an estimate taken before the cascades (a cascade pass per
 * trial would cost more than the whole choice), and weights that squeeze a cascade's bands
 * or a layer's tiles there can cost more than they save. So the plan is finished with the
 * chosen set and with that set less its last candidates (in candidate order) one by one, and
 * the one of fewest planned cycles stays (at equal cycles, the larger set). */
static void choose_final(Lower *L, Memory *m, const Candidate *c, size_t n) {
  if (n == 0) { /* no weights may stay resident (or no layers): one plan */
    finish_plan(L, m, c, n);
    return;
  }
  Finished before = finished_new(L), best = finished_new(L);
  finished_take(&before, L);
  double least = finish_plan(L, m, c, n);
  finished_take(&best, L);
  for (int r = 0; r < FINISH_TRIALS; r++) {
    finished_put_back(&before, L);
    long last = -1;
    for (size_t k = 0; k < n; k++)
      if (L->layers[c[k].layer].resident) last = (long)k;
    if (last < 0) break;
    L->layers[c[last].layer].resident = false;
    finished_take(&before, L);
    double cycles = finish_plan(L, m, c, n);
    if (cycles < least - RESIDENCY_TIE * (least > 1 ? least : 1)) least = cycles, finished_take(&best, L);
  }
  finished_put_back(&best, L);
  finished_free(&before);
  finished_free(&best);
}

/* Activations first, each kept on chip where that is faster, offered the SRAM in the order
 * of activation_offers; then the weights that make the network faster still stay resident
 * below them, and the activations move up above; the plan is finished (cascades, prefetches)
 * for that set and a few smaller ones, and the fastest kept (choose_final). */
void lower_plan_memory(Lower *L) {
  size_t n_tensors = L->graph->n_tensors;
  L->weight_sram = np_xmalloc((n_tensors + 1) * sizeof *L->weight_sram);
  for (size_t t = 0; t < n_tensors; t++) L->weight_sram[t] = -1;
  fall_back_untileable(L);
  collect_uses(L);
  Memory m = {0};
  m.top = np_xcalloc(L->n_layers + 1, sizeof *m.top);
  m.trial = layout_new(L->n_layers);
  LTilePlan *plans = np_xcalloc(L->n_layers + 1, sizeof *plans);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    ly->act_base = 0;
    if (ly->sram_engine) plans[i] = lower_tile(L, ly, L->arch->sram.capacity_bytes);
  }
  size_t n_offers;
  Offer *offers = activation_offers(L, &n_offers);
  for (size_t k = 0; k < n_offers; k++) try_on_chip(L, &m, offers[k].value, plans);
  free(offers);
  size_t n_candidates;
  Candidate *candidates = weight_candidates(L, &n_candidates);
  choose_resident_weights(L, &m, candidates, n_candidates);
  choose_final(L, &m, candidates, n_candidates);
  free(candidates);
  free(plans);
  free(m.top);
  free(m.placed);
  layout_free(&m.trial);
}
