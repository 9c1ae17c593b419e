// One LOAD through the SystemC module on memories of known latency and bandwidth: its cycles
// worked out by hand from docs/timing.md ("DRAM": bursts, issue with bounded outstanding,
// retire in order; the built-in model's per-burst formula, which the example memory applies).
//
// The LOAD: 1024 bytes from DRAM address 0 into four SRAM banks on rtl-small.
//   bursts: ceil(1024 / 64) = 16, one channel, at most O = 4 in flight.
//   SRAM: ceil(1024 / 8) = 128 lines over 4 banks = 32 lines per bank, one port: 32 cycles,
//   below every DRAM time here, so the LOAD ends when its last burst is done.
// Matching memory (L = 10 cycles, 8 B/cycle: a burst holds the bus 64 / 8 = 8 cycles):
//   O x 8 = 32 >= L + 8 = 18, so bursts issued as slots free keep the bus busy:
//   end = L + 16 x 8 = 138 cycles.
#include "systemc_support.h"

using namespace npusim_test;

namespace {

constexpr int64_t kLoadBytes = 1024;
constexpr int64_t kMatchingCycles = 10 + 16 * 8;

struct LoadRun {
  npusim::InferenceResult result;
  int64_t standalone = -1;
  uint64_t json_bytes = 0;
};

// Runs the LOAD on a memory with the given latency (cycles) and bytes per cycle.
void run_load(uint64_t latency_cycles, uint64_t bytes_per_cycle, LoadRun &out) {
  NpArch arch = rtl_small();
  OneLoad load(arch, kLoadBytes);
  out.standalone = standalone_cycles(*load.schedule, arch);
  std::vector<uint8_t> buffer = npusim::make_command_buffer(*load.schedule);
  out.json_bytes = buffer.size() - npusim::kCommandHeaderBytes;
  sc_core::sc_time period(10, sc_core::SC_NS);
  npusim::MemoryTiming memory;
  memory.latency = period * double(latency_cycles);
  memory.bytes_per_beat = bytes_per_cycle;
  memory.beat_time = period;
  memory.burst_bytes = 64;
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
  npusim::Platform platform("platform", arch, memory, [&](npusim::Host &host) {
    out.result = host.infer(kRegs, kCmdAddr, kDramBase, buffer);
  });
  sc_core::sc_start();
  EXPECT_EQ(out.result.status, uint32_t(npusim::State::kDone)) << platform.npu.error_message();
}

}  // namespace

TEST(SystemcTiming, LoadOnTheConfigsMemoryMatchesTheHandWorkedCycles) {
  LoadRun run;
  run_load(10, 8, run);
  EXPECT_EQ(run.standalone, kMatchingCycles);
  EXPECT_EQ(int64_t(run.result.cycles), kMatchingCycles);
  EXPECT_EQ(run.result.fetch_cycles, rtl_small_fetch_cycles(run.json_bytes));
}

// Half the bandwidth and 2.5x the latency: L = 25, 4 B/cycle, so a burst holds the bus
// 64 / 4 = 16 cycles. O x 16 = 64 >= L + 16 = 41: still bandwidth-bound,
// end = 25 + 16 x 16 = 281 cycles, 281 - 138 = 143 more than on the config's memory.
TEST(SystemcTiming, SlowerBandwidthAddsTheHandWorkedCycles) {
  LoadRun run;
  run_load(25, 4, run);
  EXPECT_EQ(int64_t(run.result.cycles), 281);
  EXPECT_EQ(int64_t(run.result.cycles) - kMatchingCycles, 143);
  EXPECT_EQ(run.standalone, kMatchingCycles);  // the standalone replay keeps the config's DRAM
}

// Ten times the latency at the config's bandwidth: L = 100, 8 cycles per burst.
// O x 8 = 32 < L + 8 = 108: the outstanding limit binds. Bursts 0-3 issue at 0 and are done
// at 108, 116, 124, 132; burst 4 issues when burst 0 retires (108) and is done at
// max(108 + 100, 132) + 8 = 216; in general the k-th group of four (k = 0..3) is done at
// 108 (k + 1) + 0, 8, 16, 24. The last burst: 4 x 108 + 24 = 456 cycles, 318 more than 138.
TEST(SystemcTiming, LongerLatencyHitsTheOutstandingLimit) {
  LoadRun run;
  run_load(100, 8, run);
  EXPECT_EQ(int64_t(run.result.cycles), 456);
  EXPECT_EQ(int64_t(run.result.cycles) - kMatchingCycles, 318);
}
