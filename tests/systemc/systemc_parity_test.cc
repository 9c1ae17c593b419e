// The SystemC module against the standalone replay: with a memory whose latency and bandwidth
// are the config's DRAM, an inference through SystemC takes exactly as many cycles as
// `npusim run` reports and np_replay_run computes. They agree because both are the same replay
// engine (sim/replay): the module answers each DRAM burst with the time the memory target
// returns, and the example memory computes that time with the built-in model's formula
// (docs/timing.md, "The built-in DRAM model": start = max(issue + L, bus free), done = start
// + one burst) on rtl-small's one channel, in whole 10 ns cycles that SystemC time holds
// exactly. The expected cycles come from np_replay_run and from the npusim binary in the same
// test, not from a constant.
#include "systemc_support.h"

using namespace npusim_test;

namespace {

struct Outcome {
  npusim::InferenceResult result;
  NpStats stats{};
  int64_t standalone = -1;
  int64_t cli = -1;  // `npusim run --json`
  uint64_t json_bytes = 0;
  sc_core::sc_time period;
};

// Lowers `model` for rtl-small, runs it through the platform with a matching memory.
void run_model(const std::string &model, bool warm, const sc_core::sc_time &quantum, Outcome &out) {
  NpArch arch = rtl_small();
  Lowered lowered;
  lower_model(model, arch, warm, lowered);
  ASSERT_TRUE(lowered.ok);
  ASSERT_GT(lowered.schedule.n_cmds, 0u);
  out.standalone = standalone_cycles(lowered.schedule, arch);
  ASSERT_GT(out.standalone, 0);
  out.cli = npusim_run_cycles(model, "configs/rtl-small.yaml", warm);
  std::vector<uint8_t> buffer = npusim::make_command_buffer(lowered.schedule);
  out.json_bytes = buffer.size() - npusim::kCommandHeaderBytes;

  tlm::tlm_global_quantum::instance().set(quantum);
  sc_core::sc_time period(10, sc_core::SC_NS);
  npusim::Platform platform("platform", arch, npusim::matching_memory(arch, period), [&](npusim::Host &host) {
    out.result = host.infer(kRegs, kCmdAddr, kDramBase, buffer);
  });
  ASSERT_EQ(platform.npu.clock_period(), period);  // 1 / 100 MHz
  sc_core::sc_start();
  out.period = platform.npu.clock_period();
  out.stats = platform.npu.stats();
  out.stats.layers = nullptr;  // owned by the module, gone with it
  out.stats.n_layers = 0;
  EXPECT_EQ(platform.npu.error_message(), "");
}

void expect_parity(const Outcome &o) {
  EXPECT_EQ(o.result.status, uint32_t(npusim::State::kDone));
  EXPECT_EQ(o.result.error, 0u);
  EXPECT_EQ(o.result.irq_status, npusim::reg::kIrqDone);
  EXPECT_EQ(int64_t(o.result.cycles), o.standalone);
  EXPECT_EQ(int64_t(o.result.cycles), o.cli);
  EXPECT_EQ(o.stats.cycles, o.standalone);
  EXPECT_EQ(o.result.fetch_cycles, rtl_small_fetch_cycles(o.json_bytes));
  // The interrupt rises when the last command ends: doorbell, fetch, then the inference
  // (every time here is a whole number of 10 ns cycles, so no clock-edge rounding).
  EXPECT_EQ(o.result.interrupt - o.result.doorbell, o.period * double(o.result.fetch_cycles + o.result.cycles));
}

}  // namespace

TEST(SystemcParity, DsCnnColdOnRtlSmallTakesTheStandaloneCycles) {
  Outcome o;
  run_model("models/ds_cnn_kws.onnx", false, sc_core::sc_time(1, sc_core::SC_US), o);
  expect_parity(o);
}

TEST(SystemcParity, DsCnnWarmOnRtlSmallTakesTheStandaloneCycles) {
  Outcome o;
  run_model("models/ds_cnn_kws.onnx", true, sc_core::sc_time(1, sc_core::SC_US), o);
  expect_parity(o);
}

// A zero global quantum makes the module sync at every replay event: same cycles.
TEST(SystemcParity, ZeroQuantumGivesTheSameCycles) {
  Outcome o;
  run_model("models/micro/dwconv.npg", false, sc_core::SC_ZERO_TIME, o);
  expect_parity(o);
}
