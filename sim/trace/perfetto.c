/* npusim trace perfetto: Chrome trace-event JSON (the format ui.perfetto.dev and
 * chrome://tracing open). Processes are unit kinds, threads are units; slices are "X"
 * complete events with ts and dur in microseconds (cycles / clock_mhz). Events are written one
 * by one, so the JSON never exists whole in memory. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace_internal.h"
#include "util/mem.h"
#include "util/outfile.h"

#define MAX_LANES 32 /* per unit; beyond this, overlapping slices share the last lane */

typedef struct Loaded {
  NpTraceRecord *records;
  size_t n, capacity;
} Loaded;

static bool collect(void *ctx, const NpTraceRecord *r, NpDiag *diag) {
  (void)diag;
  Loaded *l = ctx;
  np_grow((void **)&l->records, &l->capacity, l->n + 1, sizeof *l->records);
  l->records[l->n++] = *r;
  return true;
}

static int cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

static int compare_by_track_time(const void *pa, const void *pb) {
  const NpTraceRecord *a = pa, *b = pb;
  if (a->unit_kind != b->unit_kind) return a->unit_kind < b->unit_kind ? -1 : 1;
  if (a->unit != b->unit) return a->unit < b->unit ? -1 : 1;
  int c = cmp_u64(a->start, b->start);
  if (c) return c;
  c = cmp_u64(b->end, a->end); /* longer first: an enclosing slice before what it encloses */
  if (c) return c;
  return cmp_u64(a->command, b->command);
}

/* Lanes per record: first-fit over the unit's lanes, records sorted by start. */
static uint8_t *assign_lanes(const NpTraceRecord *records, size_t n) {
  uint8_t *lane = np_xmalloc(n ? n : 1);
  uint64_t lane_end[MAX_LANES];
  int n_lanes = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || records[i].unit_kind != records[i - 1].unit_kind || records[i].unit != records[i - 1].unit)
      n_lanes = 0;
    int chosen = -1;
    for (int k = 0; k < n_lanes && chosen < 0; k++)
      if (lane_end[k] <= records[i].start) chosen = k;
    if (chosen < 0 && n_lanes < MAX_LANES) {
      chosen = n_lanes++;
      lane_end[chosen] = 0;
    }
    if (chosen < 0) chosen = MAX_LANES - 1; /* saturated: share the last lane */
    if (records[i].end > lane_end[chosen]) lane_end[chosen] = records[i].end;
    lane[i] = (uint8_t)chosen;
  }
  return lane;
}

static int pid_of(NpTraceUnitKind kind) { return (int)kind + 1; }
/* Never 0 and never a pid: Perfetto's importer files tid 0's slices under the thread whose
 * tid equals the pid (merging two tracks). Units < 65536 x 32 lanes fit below 2^21. */
static json_int_t tid_of(const NpTraceRecord *r, int lane) {
  return ((json_int_t)pid_of(r->unit_kind) << 24) + (json_int_t)r->unit * MAX_LANES + lane + 1;
}

/* A cycle as whole nanoseconds. Perfetto rounds ts and dur to nanoseconds separately, so a
 * slice written as (start, end - start) in fractional microseconds can end 1 ns after the
 * next one starts on the same track, and Perfetto drops the overlapping one. Rounding both
 * ends once, and writing dur as their difference, keeps back-to-back slices back to back. */
static double cycle_ns(uint64_t cycle, double clock_mhz) { return nearbyint((double)cycle * 1000.0 / clock_mhz); }

static const char *process_name(NpTraceUnitKind kind) {
  static const char *const names[] = {"engines", "DMA channels", "SRAM banks", "cores"};
  return names[kind];
}

/* Writes one JSON value and a separator; takes ownership of it. */
/* Events go out one by one, comma-separated. A value jansson could not build (NULL: a number
 * that is not finite) fails the file instead of leaving a hole in the list. */
typedef struct Emitter {
  FILE *fp;
  bool first, failed;
} Emitter;

static void emit(Emitter *e, json_t *value) {
  if (value == NULL || e->failed) {
    e->failed = true;
    json_decref(value);
    return;
  }
  if (!e->first) fputs(",\n", e->fp);
  e->first = false;
  json_dumpf(value, e->fp, JSON_COMPACT | JSON_REAL_PRECISION(15)); /* whole ns print exactly: 0.013, not 0.0129999… */
  json_decref(value);
}

static json_t *metadata(const char *what, int pid, json_int_t tid, json_t *args) {
  return json_pack("{s:s, s:s, s:i, s:I, s:o}", "name", what, "ph", "M", "pid", pid, "tid", tid, "args", args);
}

/* Names every process (unit kind) and thread (unit lane) that has slices. */
static void emit_tracks(Emitter *e, const NpTraceHeader *h, const NpTraceRecord *records, const uint8_t *lanes,
                        size_t n) {
  bool kind_named[NP_TRACE_UNIT_KIND_COUNT] = {false};
  bool lane_named[MAX_LANES];
  for (size_t i = 0; i < n; i++) {
    const NpTraceRecord *r = &records[i];
    int pid = pid_of(r->unit_kind);
    if (!kind_named[r->unit_kind]) {
      kind_named[r->unit_kind] = true;
      emit(e, metadata("process_name", pid, 0, json_pack("{s:s}", "name", process_name(r->unit_kind))));
      emit(e, metadata("process_sort_index", pid, 0, json_pack("{s:i}", "sort_index", pid)));
    }
    if (i == 0 || r->unit_kind != records[i - 1].unit_kind || r->unit != records[i - 1].unit)
      memset(lane_named, 0, sizeof lane_named);
    if (lane_named[lanes[i]]) continue;
    lane_named[lanes[i]] = true;
    char unit[NP_TRACE_NAME_MAX + 16], name[NP_TRACE_NAME_MAX + 24];
    np_trace_unit_label(h, r->unit_kind, r->unit, unit, sizeof unit);
    if (lanes[i] == 0)
      snprintf(name, sizeof name, "%s", unit);
    else
      snprintf(name, sizeof name, "%s #%d", unit, lanes[i] + 1);
    json_int_t tid = tid_of(r, lanes[i]);
    emit(e, metadata("thread_name", pid, tid, json_pack("{s:s}", "name", name)));
    emit(e, metadata("thread_sort_index", pid, tid, json_pack("{s:I}", "sort_index", tid)));
  }
}

/* A slice is named by its layer and kind ("/conv1/Conv COMPUTE"), or by kind and command in
 * a trace without names ("COMPUTE #12"); the layer's op goes into the arguments. */
static json_t *slice(const NpTraceHeader *h, const NpTraceRecord *r, int lane) {
  const char *layer = np_trace_layer_name(h, r->layer), *op = np_trace_layer_op(h, r->layer);
  char *name = layer ? np_xasprintf("%s %s", layer, np_trace_kind_name(r->kind))
                     : np_xasprintf("%s #%u", np_trace_kind_name(r->kind), (unsigned)r->command);
  json_t *args = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:I}", "command", (json_int_t)r->command, "layer",
                           (json_int_t)r->layer, "kind", np_trace_kind_name(r->kind), "start_cycle",
                           (json_int_t)r->start, "end_cycle", (json_int_t)r->end, "bytes", (json_int_t)r->bytes,
                           "bursts", (json_int_t)r->bursts);
  if (layer) json_object_set_new(args, "layer_name", json_string(layer));
  if (op && op[0]) json_object_set_new(args, "op", json_string(op));
  for (int s = 0; s < NP_TRACE_STALL_COUNT; s++) {
    char key[32];
    snprintf(key, sizeof key, "stall_%s", np_trace_stall_name((NpTraceStall)s));
    json_object_set_new(args, key, json_integer((json_int_t)r->stall[s]));
  }
  double start_ns = cycle_ns(r->start, h->clock_mhz), end_ns = cycle_ns(r->end, h->clock_mhz);
  json_t *event = json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:f, s:o}", "name", name, "cat", np_trace_kind_name(r->kind),
                            "ph", "X", "pid", pid_of(r->unit_kind), "tid", tid_of(r, lane), "ts", start_ns / 1000.0,
                            "dur", (end_ns - start_ns) / 1000.0, "args", args);
  free(name);
  return event;
}

static json_t *trace_info(const NpTraceHeader *h) {
  char config_hash[20], schedule_hash[20];
  snprintf(config_hash, sizeof config_hash, "%016llx", (unsigned long long)h->config_hash);
  snprintf(schedule_hash, sizeof schedule_hash, "%016llx", (unsigned long long)h->schedule_hash);
  return json_pack("{s:s, s:s, s:f, s:s, s:s, s:s}", "generator", "npusim trace perfetto", "config", h->config_name,
                   "clock_mhz", h->clock_mhz, "source", np_trace_source_name(h->source), "config_hash", config_hash,
                   "schedule_hash", schedule_hash);
}

bool np_trace_to_perfetto(const char *path, const char *out_path, NpDiag *diag) {
  Loaded loaded = {0};
  NpTraceHeader header;
  if (!np_trace_for_each(path, &header, collect, &loaded, diag)) {
    free(loaded.records);
    np_trace_header_free(&header);
    return false;
  }
  if (loaded.n > 1) qsort(loaded.records, loaded.n, sizeof *loaded.records, compare_by_track_time);
  uint8_t *lanes = assign_lanes(loaded.records, loaded.n);

  NpOutFile out;
  bool ok = np_outfile_open(&out, out_path, diag);
  if (ok) {
    Emitter e = {out.fp, true, false};
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":", out.fp);
    json_t *info = trace_info(&header);
    if (info == NULL) e.failed = true;
    json_dumpf(info, out.fp, JSON_COMPACT);
    json_decref(info);
    fputs(",\"traceEvents\":[\n", out.fp);
    emit_tracks(&e, &header, loaded.records, lanes, loaded.n);
    for (size_t i = 0; i < loaded.n; i++) emit(&e, slice(&header, &loaded.records[i], lanes[i]));
    fputs("\n]}\n", out.fp);
    if (e.failed) {
      np_diag_add(diag, "%s: error: an event time is not a finite number (clock_mhz %g)", path, header.clock_mhz);
      np_outfile_abort(&out);
      ok = false;
    } else {
      ok = np_outfile_commit(&out, diag);
    }
  }
  free(lanes);
  free(loaded.records);
  np_trace_header_free(&header);
  return ok;
}
