/* The model's side of an RTL comparison: replay a schedule and write its trace.
 *
 * Takes: a schedule, the arch it was lowered for, a path. Gives: a `.npt.zst` trace (source
 * model) with one primary record per command, the same unit conventions as the RTL harness
 * writes: COMPUTE on its engine, SYNC on the receiving engine, LOAD/STORE on the DMA channel
 * of its first burst. Header-only so that both the Verilator harness (rtl/harness) and the
 * golden-trace test (tests/rtl_golden_test.cc, built without Verilator) use the same mapping.
 */
#ifndef NPUSIM_RTL_MODEL_TRACE_H
#define NPUSIM_RTL_MODEL_TRACE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The trace header both sides write for (schedule, arch). */
static inline NpTraceHeader np_rtl_trace_header(const NpSchedule *schedule, const NpArch *arch, NpTraceSource source) {
  NpTraceHeader h;
  memset(&h, 0, sizeof h);
  h.source = source;
  h.clock_mhz = arch->clock_mhz;
  char *yaml = np_arch_to_yaml(arch);
  h.config_hash = np_trace_hash(NP_TRACE_HASH_SEED, yaml, strlen(yaml));
  free(yaml);
  h.schedule_hash = schedule->hash;
  snprintf(h.config_name, sizeof h.config_name, "%s", arch->name);
  return h;
}

/* The DMA channel of a transfer's first burst (docs/timing.md, "Bursts"). */
static inline uint16_t np_rtl_first_channel(const NpArch *arch, const NpCommand *c) {
  int64_t burst = arch->dram.burst_bytes > 0 ? arch->dram.burst_bytes : 1;
  int64_t channels = arch->dram.channels > 0 ? arch->dram.channels : 1;
  return (uint16_t)((c->dram_addr / burst) % channels);
}

static inline NpTraceRecord np_rtl_model_record(const NpSchedule *schedule, const NpArch *arch,
                                                const NpCommandTiming *t) {
  const NpCommand *c = &schedule->cmds[t->cmd];
  NpTraceRecord r;
  memset(&r, 0, sizeof r);
  r.command = (uint32_t)t->cmd;
  r.layer = (uint32_t)(t->layer >= 0 ? t->layer : 0);
  r.kind = (NpTraceKind)t->kind;
  r.start = (uint64_t)t->start;
  r.end = (uint64_t)t->end;
  if (c->kind == NP_CMD_LOAD || c->kind == NP_CMD_STORE) {
    r.unit_kind = NP_TRACE_UNIT_DMA;
    r.unit = np_rtl_first_channel(arch, c);
    r.bytes = (uint64_t)t->bytes;
    r.bursts = (uint64_t)t->bursts;
  } else {
    r.unit_kind = NP_TRACE_UNIT_ENGINE;
    r.unit = (uint16_t)t->engine;
    if (c->kind == NP_CMD_COMPUTE) r.bytes = (uint64_t)(c->sram_read_bytes + c->sram_write_bytes);
  }
  r.stall[NP_TRACE_STALL_DRAM] = (uint64_t)t->stall[NP_STALL_DRAM];
  r.stall[NP_TRACE_STALL_BANK_CONFLICT] = (uint64_t)t->stall[NP_STALL_SRAM_BANK];
  r.stall[NP_TRACE_STALL_UNIT] = (uint64_t)t->stall[NP_STALL_UNIT];
  return r;
}

typedef struct NpRtlModelTraceCtx {
  const NpSchedule *schedule;
  const NpArch *arch;
  NpTraceWriter *writer;
} NpRtlModelTraceCtx;

static inline void np_rtl_model_trace_cb(void *user, const NpCommandTiming *t) {
  NpRtlModelTraceCtx *ctx = (NpRtlModelTraceCtx *)user;
  NpTraceRecord r = np_rtl_model_record(ctx->schedule, ctx->arch, t);
  np_trace_write(ctx->writer, &r);
}

/* Replays schedule on arch and writes the model trace to path. False with errors in diag.
 * *stats (may be NULL) receives the replay's stats; free them with np_stats_free(). */
static inline bool np_rtl_write_model_trace(const NpSchedule *schedule, const NpArch *arch, const char *path,
                                            NpStats *stats, NpDiag *diag) {
  NpTraceHeader h = np_rtl_trace_header(schedule, arch, NP_TRACE_SOURCE_MODEL);
  NpTraceWriter *w = np_trace_writer_open(path, &h, diag);
  if (!w) return false;
  NpRtlModelTraceCtx ctx = {schedule, arch, w};
  NpReplayOptions options;
  memset(&options, 0, sizeof options);
  options.on_command = np_rtl_model_trace_cb;
  options.user = &ctx;
  NpStats local;
  NpStats *out = stats ? stats : &local;
  if (!np_replay_run(schedule, arch, &options, out, diag)) {
    np_trace_writer_abort(w);
    return false;
  }
  if (!stats) np_stats_free(&local);
  return np_trace_writer_close(w, diag);
}

#ifdef __cplusplus
}
#endif
#endif
