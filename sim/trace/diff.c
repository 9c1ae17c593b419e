/* npusim trace diff: trace B against reference A, command by command (primary records only),
 * with per-layer spans, error summaries and the worst ten. Records are read as a stream into
 * a table by command id (memory bounded by the commands, not the records); never a pairwise
 * search. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower/schedule.h"
#include "trace/trace_internal.h"
#include "util/mem.h"

/* A command's primary record, at its id's place in a CmdTable. */
typedef struct Cmd {
  bool present;
  uint32_t layer;
  NpTraceKind kind;
  uint64_t start, end;
} Cmd;

/* One trace's primary records indexed by command id. Every trace comes from a schedule, so
 * ids stay below NP_SCHEDULE_MAX_COMMANDS and the table is bounded by the commands, however
 * many records the file holds: a second record for a command is refused as it comes. */
typedef struct CmdTable {
  const char *path;
  Cmd *items;
  size_t n, capacity; /* n: the highest id seen + 1 */
} CmdTable;

static bool collect_primary(void *ctx, const NpTraceRecord *r, NpDiag *diag) {
  if (!np_trace_is_primary(r)) return true;
  CmdTable *t = ctx;
  if (r->command >= NP_SCHEDULE_MAX_COMMANDS) {
    np_diag_add(diag, "%s: error: command %" PRIu32 ": ids stop below %lld, the most commands a schedule has", t->path,
                r->command, (long long)NP_SCHEDULE_MAX_COMMANDS);
    return false;
  }
  if (r->command >= t->n) {
    size_t n = (size_t)r->command + 1;
    np_grow((void **)&t->items, &t->capacity, n, sizeof *t->items);
    memset(t->items + t->n, 0, (n - t->n) * sizeof *t->items);
    t->n = n;
  }
  Cmd *c = &t->items[r->command];
  if (c->present) {
    np_diag_add(diag, "%s: error: command %" PRIu32 " has two records on engines or DMA channels (one expected)",
                t->path, r->command);
    return false;
  }
  *c = (Cmd){true, r->layer, r->kind, r->start, r->end};
  return true;
}

static bool load_commands(const char *path, NpTraceHeader *header, CmdTable *table, NpDiag *diag) {
  table->path = path;
  return np_trace_for_each(path, header, collect_primary, table, diag);
}

static int64_t signed_delta(uint64_t b, uint64_t a) {
  return b >= a ? (int64_t)(b - a) : -(int64_t)(a - b);
}

static uint64_t abs_delta(int64_t d) { return d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d; }

static bool within(int64_t delta, uint64_t reference, const NpTraceDiffOptions *o) {
  uint64_t magnitude = abs_delta(delta);
  return magnitude <= o->tol_cycles || (double)magnitude <= o->tol_rel * (double)reference;
}

static NpTraceCommandDelta match(uint32_t command, const Cmd *a, const Cmd *b, const NpTraceDiffOptions *o) {
  NpTraceCommandDelta d = {.command = command, .layer = a->layer, .kind = a->kind,
                           .a_start = a->start, .a_end = a->end, .b_start = b->start, .b_end = b->end};
  d.d_start = signed_delta(b->start, a->start);
  d.d_end = signed_delta(b->end, a->end);
  d.d_duration = signed_delta(b->end - b->start, a->end - a->start);
  d.within = within(d.d_duration, a->end - a->start, o) && within(d.d_end, a->end, o);
  return d;
}

static bool has(const CmdTable *t, size_t id) { return id < t->n && t->items[id].present; }

/* Walks both tables by id once: matched commands, and the ids only one side has. */
static void merge(const CmdTable *a, const CmdTable *b, NpTraceDiff *out) {
  size_t cap_m = 0, cap_a = 0, cap_b = 0, n = a->n > b->n ? a->n : b->n;
  for (size_t id = 0; id < n; id++) {
    bool in_a = has(a, id), in_b = has(b, id);
    if (in_a && in_b) {
      np_grow((void **)&out->commands, &cap_m, out->n_commands + 1, sizeof *out->commands);
      out->commands[out->n_commands++] = match((uint32_t)id, &a->items[id], &b->items[id], &out->options);
    } else if (in_a) {
      np_grow((void **)&out->only_a, &cap_a, out->n_only_a + 1, sizeof *out->only_a);
      out->only_a[out->n_only_a++] = (uint32_t)id;
    } else if (in_b) {
      np_grow((void **)&out->only_b, &cap_b, out->n_only_b + 1, sizeof *out->only_b);
      out->only_b[out->n_only_b++] = (uint32_t)id;
    }
  }
}

static void summarize_errors(NpTraceDiff *out) {
  double sum_duration = 0, sum_end = 0;
  for (size_t i = 0; i < out->n_commands; i++) {
    const NpTraceCommandDelta *d = &out->commands[i];
    uint64_t ad = abs_delta(d->d_duration), ae = abs_delta(d->d_end);
    if (ad > out->max_abs_duration) out->max_abs_duration = ad;
    if (ae > out->max_abs_end) out->max_abs_end = ae;
    sum_duration += (double)ad;
    sum_end += (double)ae;
    if (!d->within) out->n_outside++;
  }
  if (out->n_commands) {
    out->mean_abs_duration = sum_duration / (double)out->n_commands;
    out->mean_abs_end = sum_end / (double)out->n_commands;
  }
}

static int compare_worst(const void *pa, const void *pb) {
  const NpTraceCommandDelta *a = pa, *b = pb;
  uint64_t da = abs_delta(a->d_duration), db = abs_delta(b->d_duration);
  if (da != db) return da > db ? -1 : 1;
  uint64_t ea = abs_delta(a->d_end), eb = abs_delta(b->d_end);
  if (ea != eb) return ea > eb ? -1 : 1;
  return (a->command > b->command) - (a->command < b->command);
}

static int compare_layer(const void *pa, const void *pb) {
  const NpTraceCommandDelta *a = pa, *b = pb;
  if (a->layer != b->layer) return a->layer < b->layer ? -1 : 1;
  return (a->command > b->command) - (a->command < b->command);
}

static NpTraceCommandDelta *sorted_copy(const NpTraceDiff *out, int (*compare)(const void *, const void *)) {
  NpTraceCommandDelta *copy = np_xmalloc((out->n_commands ? out->n_commands : 1) * sizeof *copy);
  if (out->n_commands) memcpy(copy, out->commands, out->n_commands * sizeof *copy);
  if (out->n_commands > 1) qsort(copy, out->n_commands, sizeof *copy, compare);
  return copy;
}

static void pick_worst(NpTraceDiff *out) {
  NpTraceCommandDelta *order = sorted_copy(out, compare_worst);
  for (size_t i = 0; i < out->n_commands && out->n_worst < 10; i++) {
    if (order[i].d_duration == 0 && order[i].d_end == 0) break;
    out->worst[out->n_worst++] = order[i];
  }
  free(order);
}

/* A layer's cycles: from its first matched command's start to its last one's end. */
static void layer_deltas(NpTraceDiff *out) {
  NpTraceCommandDelta *order = sorted_copy(out, compare_layer);
  size_t capacity = 0;
  for (size_t i = 0; i < out->n_commands;) {
    const NpTraceCommandDelta *d = &order[i];
    uint32_t layer = d->layer;
    uint64_t a_first = d->a_start, a_last = d->a_end, b_first = d->b_start, b_last = d->b_end;
    for (; i < out->n_commands && order[i].layer == layer; i++) {
      d = &order[i];
      if (d->a_start < a_first) a_first = d->a_start;
      if (d->a_end > a_last) a_last = d->a_end;
      if (d->b_start < b_first) b_first = d->b_start;
      if (d->b_end > b_last) b_last = d->b_end;
    }
    NpTraceLayerDelta l = {.layer = layer, .a_cycles = a_last - a_first, .b_cycles = b_last - b_first};
    l.delta = signed_delta(l.b_cycles, l.a_cycles);
    l.rel = l.a_cycles ? (double)l.delta / (double)l.a_cycles : 0.0;
    np_grow((void **)&out->layers, &capacity, out->n_layers + 1, sizeof *out->layers);
    out->layers[out->n_layers++] = l;
  }
  free(order);
}

bool np_trace_diff(const char *path_a, const char *path_b, const NpTraceDiffOptions *options, NpTraceDiff *out,
                   NpDiag *diag) {
  memset(out, 0, sizeof *out);
  out->options = *options;
  CmdTable a = {0}, b = {0};
  bool ok = load_commands(path_a, &out->a_header, &a, diag);
  ok = load_commands(path_b, &out->b_header, &b, diag) && ok; /* report both files' problems */
  if (ok) {
    merge(&a, &b, out);
    summarize_errors(out);
    pick_worst(out);
    layer_deltas(out);
    out->agree = out->n_outside == 0 && out->n_only_a == 0 && out->n_only_b == 0;
  }
  free(a.items);
  free(b.items);
  if (!ok) np_trace_diff_free(out);
  return ok;
}

void np_trace_diff_free(NpTraceDiff *diff) {
  np_trace_header_free(&diff->a_header);
  np_trace_header_free(&diff->b_header);
  free(diff->commands);
  free(diff->layers);
  free(diff->only_a);
  free(diff->only_b);
  memset(diff, 0, sizeof *diff);
}
