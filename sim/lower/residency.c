/* Residency: which layers' weights stay in SRAM across inferences, which activations stay on
 * chip from producer to last consumer, and where everything sits in the SRAM.
 *
 * SRAM map: resident weights from offset 0; on-chip activations above them (first fit over
 * lifetimes); each layer's tile buffers above the activations live while it runs. */
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

__extension__ typedef __int128 wide;

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

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

/* The activation bytes a layer reads and writes: its activation working set. */
static int64_t activation_working_set(const Lower *L, const LLayer *ly) {
  int64_t sum = 0;
  if (ly->in_value >= 0) sum += lower_align(L, L->values[ly->in_value].bytes);
  if (ly->b_value >= 0) sum += lower_align(L, L->values[ly->b_value].bytes);
  for (int k = 0; k < ly->n_extras; k++) sum += lower_align(L, L->values[ly->extras[k].value].bytes);
  sum += lower_align(L, L->values[ly->out_value].bytes);
  for (int k = 0; k < ly->n_other_outputs; k++) sum += lower_align(L, L->values[ly->other_outputs[k]].bytes);
  return sum;
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

typedef struct Candidate {
  int layer;
  int64_t bytes;   /* SRAM it would take */
  int64_t streamed; /* DRAM bytes per inference its weights cost when not resident */
} Candidate;

/* Higher saving per byte first; then larger; then earlier layer. */
static int compare_candidates(const void *pa, const void *pb) {
  const Candidate *a = pa, *b = pb;
  wide lhs = (wide)a->streamed * b->bytes, rhs = (wide)b->streamed * a->bytes;
  if (lhs != rhs) return lhs > rhs ? -1 : 1;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return a->layer - b->layer;
}

/* All weights stay when they fit beside the peak activation working set; otherwise the
 * layers whose weights save the most DRAM traffic per SRAM byte, greedily. */
static void choose_resident_weights(Lower *L) {
  int64_t capacity = L->arch->sram.capacity_bytes;
  int64_t peak_activations = 0, max_min_staging = 0, all_weights = 0;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    peak_activations = max64(peak_activations, activation_working_set(L, ly));
    max_min_staging = max64(max_min_staging, ly->min_staging);
  }
  /* count shared weight tensors once */
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine || ly->b_value >= 0 || ly->n_weights == 0) continue;
    for (int k = 0; k < ly->n_weights; k++)
      if (L->weight_sram[ly->weights[k]] == -1) {
        L->weight_sram[ly->weights[k]] = -2;
        all_weights += lower_align(L, lower_tensor_bytes(L, ly->weights[k]));
      }
  }
  for (size_t t = 0; t < L->graph->n_tensors; t++)
    if (L->weight_sram[t] == -2) L->weight_sram[t] = -1;
  if (all_weights + max64(peak_activations, max_min_staging) <= capacity) {
    for (size_t i = 0; i < L->n_layers; i++) {
      LLayer *ly = &L->layers[i];
      if (ly->sram_engine && ly->b_value < 0 && ly->n_weights > 0) make_resident(L, ly);
    }
    return;
  }
  int64_t budget = capacity - max64(peak_activations, max_min_staging);
  if (budget <= 0) return;
  Candidate *c = np_xmalloc((L->n_layers + 1) * sizeof *c);
  size_t n = 0;
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine || ly->b_value >= 0 || ly->n_weights == 0 || ly->weight_bytes == 0) continue;
    /* what its weights cost when streamed, tiled in the SRAM residency would leave */
    LTilePlan p = lower_tile(L, ly, capacity - budget);
    c[n].layer = (int)i;
    c[n].bytes = new_weight_bytes(L, ly);
    c[n].streamed = p.feasible ? p.w_dram_bytes : ly->weight_bytes;
    if (c[n].bytes > 0) n++;
  }
  qsort(c, n, sizeof *c, compare_candidates);
  int64_t used = 0;
  for (size_t i = 0; i < n; i++) {
    LLayer *ly = &L->layers[c[i].layer];
    int64_t bytes = new_weight_bytes(L, ly);
    if (used + bytes > budget) continue;
    used += bytes;
    make_resident(L, ly);
  }
  free(c);
}

/* ---------------------------------------------------------------- activations */

typedef struct Placed {
  int value;
  int64_t offset, end; /* SRAM bytes [offset, end) */
  int first, last;     /* layers */
} Placed;

typedef struct Memory {
  int64_t *top;   /* per layer: end of the highest on-chip activation live at it */
  Placed *placed;
  size_t n_placed, placed_cap;
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
    /* values whose lifetime ended can no longer collide: drop them */
    size_t keep = 0;
    for (size_t i = 0; i < m->n_placed; i++)
      if (m->placed[i].last >= first) m->placed[keep++] = m->placed[i];
    m->n_placed = keep;
  } else {
    x->on_chip = false;
    x->needs_dram = true;
  }
  free(trial);
}

void lower_plan_memory(Lower *L) {
  size_t n_tensors = L->graph->n_tensors;
  L->weight_sram = np_xmalloc((n_tensors + 1) * sizeof *L->weight_sram);
  for (size_t t = 0; t < n_tensors; t++) L->weight_sram[t] = -1;
  fall_back_untileable(L);
  collect_uses(L);
  choose_resident_weights(L);
  Memory m = {0};
  m.top = np_xmalloc((L->n_layers + 1) * sizeof *m.top);
  LTilePlan *plans = np_xcalloc(L->n_layers + 1, sizeof *plans);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    ly->act_base = lower_align(L, L->resident_bytes);
    m.top[i] = ly->act_base;
    if (ly->sram_engine) plans[i] = lower_tile(L, ly, L->arch->sram.capacity_bytes - ly->act_base);
  }
  /* values in producer order (layers are in execution order) */
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    if (!ly->sram_engine) continue;
    int v = ly->out_value;
    LValue *x = &L->values[v];
    if (x->sram_consumer && x->last_use > (int)i) try_on_chip(L, &m, v, plans);
  }
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    ly->act_base = lower_align(L, m.top[i]);
    if (ly->sram_engine) ly->plan = plans[i];
  }
  free(plans);
  free(m.top);
  free(m.placed);
}
