/* Trace: how each command of a schedule executed, as a compressed binary event stream.
 *
 * Takes: NpTraceRecords, one per command (plus optional SRAM-bank occupancy records), from
 * the replay's per-command callback or from the RTL harness, and a header naming the clock,
 * the config and the schedule they came from. Gives: a `.npt.zst` file (one zstd frame, frame
 * checksum on, readable by `zstd -dc`) holding a fixed-size little-endian header, fixed-size
 * records and a trailer with the record count and a checksum of the records; a streaming
 * reader that detects and names every way such a file can be wrong (not zstd, not a trace,
 * unsupported version, truncated, corrupt, impossible values); and the analyses behind
 * `npusim trace`: stats, a Chrome/Perfetto trace-event JSON view, and a tolerance diff.
 * The byte layout is documented in docs/formats.md ("Trace").
 *
 * Memory: the writer and the reader use fixed buffers whatever the run length. Stats holds
 * each unit's busy runs and diff a table by command id (commands stay below
 * NP_SCHEDULE_MAX_COMMANDS), however many records a file has; Perfetto holds a few words per
 * record (it sorts).
 * Determinism: the same header and records give the same file, byte for byte.
 * Files are written to a temporary name beside the target and renamed on success, so a
 * failed run never leaves a half-written file where a good one was expected.
 */
#ifndef NPUSIM_TRACE_TRACE_H
#define NPUSIM_TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the format ---- */

#define NP_TRACE_MAGIC "NPTRACE" /* 8 bytes with its NUL */
#define NP_TRACE_TRAILER_MAGIC "NPTEND" /* 8 bytes, NUL-padded */
#define NP_TRACE_VERSION 2             /* 2 adds the name table; version 1 files still read */
#define NP_TRACE_HEADER_BYTES 80
#define NP_TRACE_RECORD_BYTES 88
#define NP_TRACE_TRAILER_BYTES 88 /* the size of a record: the reader tells them apart by the first byte */
#define NP_TRACE_NAME_MAX 32          /* config name field, with its NUL (= NP_ARCH_NAME_MAX) */
/* Bounds of the name table, checked before anything is allocated. */
#define NP_TRACE_MAX_ENGINES 256
#define NP_TRACE_MAX_LAYERS (1u << 20)
#define NP_TRACE_MAX_NAMES_BYTES (64u << 20)
#define NP_TRACE_ZSTD_LEVEL 6         /* fixed: the same records give the same bytes */
#define NP_TRACE_ZSTD_WINDOW_LOG 21   /* writer's window (2 MiB) */
#define NP_TRACE_ZSTD_WINDOW_LOG_MAX 23 /* the reader refuses frames asking for more */

typedef enum NpTraceSource { NP_TRACE_SOURCE_MODEL = 0, NP_TRACE_SOURCE_RTL = 1 } NpTraceSource;

/* Same values as NpCmdKind (sim/lower/schedule.h). */
typedef enum NpTraceKind {
  NP_TRACE_LOAD = 0,
  NP_TRACE_STORE,
  NP_TRACE_COMPUTE,
  NP_TRACE_SYNC,
  NP_TRACE_KIND_COUNT
} NpTraceKind;

/* The resource a record occupied. A command's primary record is on an engine (COMPUTE, SYNC:
 * the receiving engine) or a DMA channel (LOAD, STORE: the DRAM channel). A command may add
 * records on SRAM banks (the window it accessed that bank) and, a COMPUTE on an engine of more
 * than one core, on the cores that had a share of it (np_trace_core_unit); those are occupancy
 * detail. */
typedef enum NpTraceUnitKind {
  NP_TRACE_UNIT_ENGINE = 0,
  NP_TRACE_UNIT_DMA,
  NP_TRACE_UNIT_BANK,
  NP_TRACE_UNIT_CORE,
  NP_TRACE_UNIT_KIND_COUNT
} NpTraceUnitKind;

/* A core record's unit: its engine's index x 256 + the core (cores: at most 256). */
#define NP_TRACE_CORES_PER_ENGINE 256
static inline uint16_t np_trace_core_unit(int engine, int core) {
  return (uint16_t)(engine * NP_TRACE_CORES_PER_ENGINE + core);
}

/* Stall cycles by cause. dram, bank_conflict and outstanding are cycles lost inside
 * [start, end), so their sum never exceeds end - start. dependency and unit are waits before
 * start: dependency from when the command could have started on its unit until its last
 * dependency (a SYNC handoff included) completed; unit from when its dependencies were done
 * until its unit was free (the replay's NP_STALL_UNIT). */
typedef enum NpTraceStall {
  NP_TRACE_STALL_DRAM = 0,      /* a transfer slowed by DRAM bandwidth shared with others, row misses */
  NP_TRACE_STALL_BANK_CONFLICT, /* accesses serialized behind another stream on the same SRAM bank */
  NP_TRACE_STALL_DEPENDENCY,    /* waiting for earlier commands (before start) */
  NP_TRACE_STALL_OUTSTANDING,   /* waiting for a free slot under dram.max_outstanding_bursts */
  NP_TRACE_STALL_UNIT,          /* ready, but its engine or DMA channel was busy (before start) */
  NP_TRACE_STALL_COUNT
} NpTraceStall;

/* The clocks a trace may name, 1 Hz to 1 THz: any 64-bit cycle count is then a finite time
 * in every unit the tools print (ns, us, ms). */
#define NP_TRACE_MIN_CLOCK_MHZ 1e-6
#define NP_TRACE_MAX_CLOCK_MHZ 1e6

/* What the indices in records name: engines by unit index, layers by record layer. A writer
 * lends the strings; a reader's header owns them (np_trace_header_free). Empty (all zero)
 * for a version-1 trace, or when the writer had no names. */
typedef struct NpTraceNames {
  uint32_t n_engines, n_layers;
  char **engines;         /* n_engines names: "ane" */
  char **layers;          /* n_layers layer names: "/conv1/Conv" */
  char **layer_ops;       /* n_layers op types: "Conv" */
} NpTraceNames;

typedef struct NpTraceHeader {
  uint16_t version;       /* the reader fills it; the writer writes NP_TRACE_VERSION */
  NpTraceSource source;
  double clock_mhz;       /* NP_TRACE_MIN/MAX_CLOCK_MHZ: cycles to time (1 cycle = 1 / clock_mhz us) */
  uint64_t config_hash;   /* of the config the run used (e.g. np_trace_hash of its YAML) */
  uint64_t schedule_hash; /* NpSchedule.hash */
  char config_name[NP_TRACE_NAME_MAX]; /* NUL-terminated */
  NpTraceNames names;
} NpTraceHeader;

/* The name of engine `unit` / of layer `layer` and its op, or NULL when the trace has none. */
const char *np_trace_engine_name(const NpTraceHeader *header, uint32_t unit);
const char *np_trace_layer_name(const NpTraceHeader *header, uint32_t layer);
const char *np_trace_layer_op(const NpTraceHeader *header, uint32_t layer);
/* A unit as tracks and tables show it: the engine's name ("ane"; "engine 0" without names),
 * "dma ch2", "bank 3". */
void np_trace_unit_label(const NpTraceHeader *header, NpTraceUnitKind kind, uint32_t unit, char *out, size_t size);
/* Frees the names a reader gave a header (np_trace_stats, np_trace_diff and
 * np_trace_for_each copies own theirs). */
void np_trace_header_free(NpTraceHeader *header);

typedef struct NpTraceRecord {
  uint32_t command;       /* NpCommand.id */
  uint32_t layer;         /* NpCommand.layer */
  NpTraceKind kind;
  NpTraceUnitKind unit_kind;
  uint16_t unit;          /* engine index, DMA channel or SRAM bank */
  uint64_t start, end;    /* cycles; end >= start, end exclusive */
  uint64_t bytes;         /* DRAM bytes moved (LOAD/STORE) or SRAM bytes touched (COMPUTE) */
  uint64_t bursts;        /* DRAM bursts (LOAD/STORE); 0 otherwise */
  uint64_t stall[NP_TRACE_STALL_COUNT];
} NpTraceRecord;

const char *np_trace_kind_name(NpTraceKind kind);           /* "LOAD", "STORE", "COMPUTE", "SYNC" */
const char *np_trace_unit_kind_name(NpTraceUnitKind kind);  /* "engine", "dma", "bank" */
const char *np_trace_stall_name(NpTraceStall stall); /* "dram", "bank_conflict", "dependency", "outstanding", "unit" */
const char *np_trace_source_name(NpTraceSource source);     /* "model", "rtl" */

/* 64-bit FNV-1a of len bytes, continuing from `hash` (start with NP_TRACE_HASH_SEED). The
 * trailer's record checksum is this over every record's bytes, in file order. */
#define NP_TRACE_HASH_SEED UINT64_C(0xcbf29ce484222325)
uint64_t np_trace_hash(uint64_t hash, const void *data, size_t len);

/* Why a record is impossible, or NULL when it is valid (writer and reader share this). */
const char *np_trace_record_problem(const NpTraceRecord *record);

/* ---- writing ---- */

typedef struct NpTraceWriter NpTraceWriter;

/* Starts a trace at `path` (written to a temporary file beside it until close). NULL with an
 * error in diag when the header is invalid or the file cannot be created. */
NpTraceWriter *np_trace_writer_open(const char *path, const NpTraceHeader *header, NpDiag *diag);
/* Appends one record. False when the record is impossible or writing failed; the writer then
 * refuses everything else and close reports the first error. */
bool np_trace_write(NpTraceWriter *writer, const NpTraceRecord *record);
uint64_t np_trace_writer_count(const NpTraceWriter *writer);
/* Finishes the trace and renames it to its path. False with the error in diag (and the
 * temporary file removed) when anything failed. Frees the writer either way. */
bool np_trace_writer_close(NpTraceWriter *writer, NpDiag *diag);
/* Drops the trace: removes the temporary file, leaves `path` as it was, frees the writer. */
void np_trace_writer_abort(NpTraceWriter *writer);

/* ---- reading ---- */

typedef struct NpTraceReader NpTraceReader;

/* Opens a trace and reads its header. NULL with "FILE: error: ..." in diag when the file is
 * missing, not zstd, not a trace, of another version, truncated or corrupt. */
NpTraceReader *np_trace_reader_open(const char *path, NpDiag *diag);
const NpTraceHeader *np_trace_reader_header(const NpTraceReader *reader);
/* 1: a record in *record; 0: the clean end (trailer, count and checksum verified); -1: an
 * error in diag (the reader then returns -1 for good). A caller that acts on the records
 * only trusts them after it has seen 0. */
int np_trace_read(NpTraceReader *reader, NpTraceRecord *record, NpDiag *diag);
void np_trace_reader_close(NpTraceReader *reader);

/* ---- analyses (npusim trace stats | perfetto | diff) ---- */

typedef struct NpTraceUnitStats {
  NpTraceUnitKind kind;
  uint16_t unit;
  uint64_t records;
  uint64_t busy_cycles;   /* length of the union of its records' [start, end) */
  double utilization;     /* busy_cycles / (span end - span start); 0 for an empty span */
  uint64_t bytes;
  uint64_t stall[NP_TRACE_STALL_COUNT];
} NpTraceUnitStats;

typedef struct NpTraceKindStats {
  uint64_t records;
  uint64_t cycles;        /* sum of end - start */
  uint64_t bytes;
  uint64_t stall[NP_TRACE_STALL_COUNT];
} NpTraceKindStats;

typedef struct NpTraceStats {
  NpTraceHeader header;
  uint64_t records;
  uint64_t first_start, last_end; /* the span; both 0 when there are no records */
  NpTraceKindStats kinds[NP_TRACE_KIND_COUNT];
  NpTraceUnitStats *units; /* sorted by (kind, unit) */
  size_t n_units;
  uint64_t bytes;
  uint64_t bursts;
  uint64_t stall[NP_TRACE_STALL_COUNT];
} NpTraceStats;

bool np_trace_stats(const char *path, NpTraceStats *out, NpDiag *diag);
void np_trace_stats_free(NpTraceStats *stats);

/* Converts a trace to Chrome trace-event JSON (docs/traces.md) written to `out_path`
 * atomically. Tracks: one per engine, DMA channel and SRAM bank (a unit whose records
 * overlap in time gets extra lanes, "dma 0 #2", because trace viewers need slices on one
 * track to nest). */
bool np_trace_to_perfetto(const char *path, const char *out_path, NpDiag *diag);

typedef struct NpTraceDiffOptions {
  uint64_t tol_cycles; /* a delta within this many cycles is within tolerance */
  double tol_rel;      /* ... or within this fraction of the reference (A's) value */
} NpTraceDiffOptions;

typedef struct NpTraceCommandDelta {
  uint32_t command, layer;
  NpTraceKind kind;
  uint64_t a_start, a_end, b_start, b_end;
  int64_t d_start, d_end, d_duration; /* B - A */
  bool within;                        /* duration and end within tolerance */
} NpTraceCommandDelta;

typedef struct NpTraceLayerDelta {
  uint32_t layer;
  uint64_t a_cycles, b_cycles; /* last end - first start of the layer's matched commands */
  int64_t delta;               /* B - A */
  double rel;                  /* delta / a_cycles (0 when a_cycles is 0) */
} NpTraceLayerDelta;

typedef struct NpTraceDiff {
  NpTraceHeader a_header, b_header;
  NpTraceDiffOptions options;
  NpTraceCommandDelta *commands; /* matched, by command id */
  size_t n_commands;
  size_t n_outside;              /* matched commands outside tolerance */
  NpTraceLayerDelta *layers;     /* by layer */
  size_t n_layers;
  uint32_t *only_a, *only_b;     /* command ids present in one trace only */
  size_t n_only_a, n_only_b;
  uint64_t max_abs_duration, max_abs_end;
  double mean_abs_duration, mean_abs_end;
  NpTraceCommandDelta worst[10]; /* the largest |d_duration|, then |d_end| (non-zero ones) */
  size_t n_worst;
  bool agree;                    /* every command matched and within tolerance */
} NpTraceDiff;

/* Compares the primary records (engine and DMA units) of trace B against reference A. A
 * delta is within tolerance when |delta| <= tol_cycles or |delta| <= tol_rel * reference,
 * where reference is A's duration (for the duration delta) or A's end cycle (for the end
 * delta). False with errors in diag on bad input (either file, a command with two primary
 * records, a command id of NP_SCHEDULE_MAX_COMMANDS or more). Reads each file once, holding
 * one entry per command id. */
bool np_trace_diff(const char *path_a, const char *path_b, const NpTraceDiffOptions *options, NpTraceDiff *out,
                   NpDiag *diag);
void np_trace_diff_free(NpTraceDiff *diff);

#ifdef __cplusplus
}
#endif
#endif
