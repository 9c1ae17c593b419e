// The Verilator harness: executes a schedule on the RTL (rtl/np_top.sv) and writes its trace.
//
// Takes: a schedule (sim/lower/schedule.h) and the arch it was lowered for. Gives: an RTL
// trace (.npt.zst, source rtl, same format and unit conventions as the model's, see
// model_trace.h), the run's cycles, and the MAC array's numerical check: every output the
// array produced compared against a C reference GEMM over the same memory image.
//
// Who does what: the harness compiles the schedule into the command image (docs/formats.md,
// "RTL command image"), writes it and the MAC operands into the RTL, releases reset and
// clocks it. The RTL does the rest: its sequencer (rtl/np_seq.sv) tracks dependencies,
// starts and ends commands and times SYNCs from the configured costs; the DMA and DRAM
// responder time LOAD/STORE, the SRAM arbiter every bank access, the MAC array every matrix
// COMPUTE (and computes its values). COMPUTEs on engines that are not in RTL (vector, CPU)
// take the cycles of docs/timing.md's formula, which the harness puts in their image rows.
// The harness turns each command the sequencer ends into a trace record.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include "arch/arch.h"
#include "lower/schedule.h"
}

struct RtlRunResult {
  int64_t cycles = 0;             // last command end
  int64_t array_commands = 0;     // COMPUTEs run on the RTL MAC array
  int64_t outputs_checked = 0;    // array outputs compared with the C reference
  int64_t output_mismatches = 0;  // ... that differed
  int64_t unchecked_commands = 0; // array COMPUTEs whose M exceeds the ws accumulator depth
  int64_t bank_conflicts = 0;     // commands the arbiter reported a conflict for
  std::string error;              // set when the run failed
};

// Runs schedule on the RTL. trace_path may be empty (no trace). False with result->error set
// when the schedule or arch does not fit the RTL's capacities or the run does not finish.
bool np_rtl_run(const NpSchedule *schedule, const NpArch *arch, const std::string &trace_path, RtlRunResult *result);
