/* The model's side of an RTL comparison: replay a schedule and write its trace.
 *
 * Takes: a schedule, the arch it was lowered for, a path. Gives: a `.npt.zst` trace (source
 * model) written by the library's one mapping (np_sim_replay_traced), with the unit
 * conventions the RTL side follows too: COMPUTE on its engine, SYNC on the receiving engine,
 * LOAD/STORE on the DMA channel of its first burst. Header-only so that both the Verilator
 * harness (rtl/harness) and the golden-trace test (tests/rtl_golden_test.cc, built without
 * Verilator) use it.
 */
#ifndef NPUSIM_RTL_MODEL_TRACE_H
#define NPUSIM_RTL_MODEL_TRACE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "simulate/simulate.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The trace header both sides write for (schedule, arch), with the engine and layer names the
 * model's traces carry (the schedule alone gives no op types). Free its names with
 * np_sim_trace_names_free(&header.names) once the writer is open. */
static inline NpTraceHeader np_rtl_trace_header(const NpSchedule *schedule, const NpArch *arch, NpTraceSource source) {
  NpTraceHeader header = np_sim_trace_header(schedule, arch, source);
  np_sim_trace_names(schedule, NULL, arch, &header.names);
  return header;
}

/* The DMA track of a transfer: the DRAM channel of its first burst (docs/timing.md,
 * "Bursts"), as the library's model traces use. */
static inline uint16_t np_rtl_first_channel(const NpArch *arch, const NpCommand *c) {
  int64_t burst = arch->dram.burst_bytes > 0 ? arch->dram.burst_bytes : 1;
  int64_t channels = arch->dram.channels > 0 ? arch->dram.channels : 1;
  return (uint16_t)((c->dram_addr / burst) % channels);
}

/* Replays schedule on arch and writes the model trace to path, through the library's one
 * mapping (sim/simulate/simulate.h). *stats (may be NULL) receives the replay's stats; free them
 * with np_stats_free(). */
static inline bool np_rtl_write_model_trace(const NpSchedule *schedule, const NpArch *arch, const char *path,
                                            NpStats *stats, NpDiag *diag) {
  NpStats local;
  NpStats *out = stats ? stats : &local;
  if (!np_sim_replay_traced(schedule, arch, path, out, NULL, diag)) return false;
  if (!stats) np_stats_free(&local);
  return true;
}

#ifdef __cplusplus
}
#endif
#endif
