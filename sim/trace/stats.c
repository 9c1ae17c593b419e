/* npusim trace stats: totals per command kind and per unit, busy cycles as the union of each
 * unit's intervals (units with concurrent transfers are not counted twice). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"
#include "util/mem.h"

#define UNITS_PER_KIND 65536 /* unit indices are 16-bit */

typedef struct Interval {
  uint32_t unit_slot;
  uint64_t start, end;
} Interval;

/* Intervals pile up until there are `compact_at` of them, then are merged into the disjoint
 * busy runs of each unit, so memory follows the number of busy runs, not of records. */
#define COMPACT_AT_LEAST ((size_t)1 << 20)

typedef struct StatsBuild {
  NpTraceStats *stats;
  int32_t *slot_of[NP_TRACE_UNIT_KIND_COUNT]; /* unit index -> index in stats->units, -1 none */
  size_t units_capacity;
  Interval *intervals;
  size_t n_intervals, intervals_capacity, compact_at;
} StatsBuild;

static void compact_intervals(StatsBuild *b);

static size_t unit_slot(StatsBuild *b, NpTraceUnitKind kind, uint16_t unit) {
  if (!b->slot_of[kind]) {
    b->slot_of[kind] = np_xmalloc(UNITS_PER_KIND * sizeof *b->slot_of[kind]);
    for (size_t i = 0; i < UNITS_PER_KIND; i++) b->slot_of[kind][i] = -1;
  }
  if (b->slot_of[kind][unit] < 0) {
    NpTraceStats *s = b->stats;
    np_grow((void **)&s->units, &b->units_capacity, s->n_units + 1, sizeof *s->units);
    memset(&s->units[s->n_units], 0, sizeof s->units[s->n_units]);
    s->units[s->n_units].kind = kind;
    s->units[s->n_units].unit = unit;
    b->slot_of[kind][unit] = (int32_t)s->n_units++;
  }
  return (size_t)b->slot_of[kind][unit];
}

/* Sums saturate: a hostile file cannot wrap a total into a small number. */
static void add_sat(uint64_t *total, uint64_t v) {
  if (__builtin_add_overflow(*total, v, total)) *total = UINT64_MAX;
}

static bool visit_record(void *ctx, const NpTraceRecord *r, NpDiag *diag) {
  (void)diag;
  StatsBuild *b = ctx;
  NpTraceStats *s = b->stats;
  if (s->records == 0 || r->start < s->first_start) s->first_start = r->start;
  if (s->records == 0 || r->end > s->last_end) s->last_end = r->end;
  s->records++;
  add_sat(&s->bytes, r->bytes);
  add_sat(&s->bursts, r->bursts);

  /* A command kind's totals are its commands' (primary records): a COMPUTE split over 16
   * cores is one COMPUTE of its own duration, not 17. The units below take every record. */
  NpTraceKindStats detail = {0}, *k = np_trace_is_primary(r) ? &s->kinds[r->kind] : &detail;
  k->records++;
  add_sat(&k->cycles, r->end - r->start);
  add_sat(&k->bytes, r->bytes);

  size_t slot = unit_slot(b, r->unit_kind, r->unit);
  NpTraceUnitStats *u = &s->units[slot];
  u->records++;
  add_sat(&u->bytes, r->bytes);
  for (int i = 0; i < NP_TRACE_STALL_COUNT; i++) {
    add_sat(&s->stall[i], r->stall[i]);
    add_sat(&k->stall[i], r->stall[i]);
    add_sat(&u->stall[i], r->stall[i]);
  }
  if (b->n_intervals >= b->compact_at) compact_intervals(b);
  np_grow((void **)&b->intervals, &b->intervals_capacity, b->n_intervals + 1, sizeof *b->intervals);
  b->intervals[b->n_intervals++] = (Interval){(uint32_t)slot, r->start, r->end};
  return true;
}

static int compare_intervals(const void *pa, const void *pb) {
  const Interval *a = pa, *b = pb;
  if (a->unit_slot != b->unit_slot) return a->unit_slot < b->unit_slot ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return (a->end > b->end) - (a->end < b->end);
}

/* Sorts the intervals by (unit, start) and merges those that overlap or touch into one: the
 * union per unit is the same, and the list is as long as the units' busy runs. The next
 * compaction waits until the list has doubled, so the sorting stays O(n log n) in all. */
static void compact_intervals(StatsBuild *b) {
  if (b->n_intervals > 1) qsort(b->intervals, b->n_intervals, sizeof *b->intervals, compare_intervals);
  size_t kept = 0;
  for (size_t i = 0; i < b->n_intervals; i++) {
    const Interval *iv = &b->intervals[i];
    Interval *last = kept ? &b->intervals[kept - 1] : NULL;
    if (last && last->unit_slot == iv->unit_slot && iv->start <= last->end) {
      if (iv->end > last->end) last->end = iv->end;
    } else {
      b->intervals[kept++] = *iv;
    }
  }
  /* When merging halves the list no more, its runs are mostly distinct: sorting them again
   * and again would only cost time, so they wait for the final sweep. */
  size_t before = b->n_intervals;
  b->n_intervals = kept;
  if (2 * kept > before)
    b->compact_at = SIZE_MAX;
  else
    b->compact_at = 2 * kept > COMPACT_AT_LEAST ? 2 * kept : COMPACT_AT_LEAST;
}

/* One sweep over the compacted intervals: busy = length of their union. */
static void add_busy_cycles(StatsBuild *b) {
  compact_intervals(b);
  size_t i = 0;
  while (i < b->n_intervals) {
    uint32_t slot = b->intervals[i].unit_slot;
    uint64_t busy = 0, run_start = b->intervals[i].start, run_end = b->intervals[i].end;
    for (; i < b->n_intervals && b->intervals[i].unit_slot == slot; i++) {
      const Interval *iv = &b->intervals[i];
      if (iv->start > run_end) {
        busy += run_end - run_start;
        run_start = iv->start;
        run_end = iv->end;
      } else if (iv->end > run_end) {
        run_end = iv->end;
      }
    }
    busy += run_end - run_start;
    b->stats->units[slot].busy_cycles = busy;
  }
}

static int compare_units(const void *pa, const void *pb) {
  const NpTraceUnitStats *a = pa, *b = pb;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  return (a->unit > b->unit) - (a->unit < b->unit);
}

bool np_trace_stats(const char *path, NpTraceStats *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  StatsBuild b = {.stats = out, .compact_at = COMPACT_AT_LEAST};
  bool ok = np_trace_for_each(path, &out->header, visit_record, &b, diag);
  if (ok) {
    add_busy_cycles(&b);
    uint64_t span = out->last_end - out->first_start;
    for (size_t i = 0; i < out->n_units; i++)
      out->units[i].utilization = span ? (double)out->units[i].busy_cycles / (double)span : 0.0;
    if (out->n_units > 1) qsort(out->units, out->n_units, sizeof *out->units, compare_units);
  }
  for (int k = 0; k < NP_TRACE_UNIT_KIND_COUNT; k++) free(b.slot_of[k]);
  free(b.intervals);
  if (!ok) np_trace_stats_free(out);
  return ok;
}

void np_trace_stats_free(NpTraceStats *stats) {
  np_trace_header_free(&stats->header);
  free(stats->units);
  stats->units = NULL;
  stats->n_units = 0;
}
