// Helpers for the SystemC suites: configs, schedules and one run of the example platform.
// Every TEST that calls run_platform() elaborates SystemC once, so it must run in its own
// process (ctest does that: gtest_discover_tests registers each TEST on its own).
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "platform.h"
#include "replay_support.h"
#include "support/cli.h"
#include "support/files.h"
#include "systemc/command_buffer.h"

#include <jansson.h>

extern "C" {
#include "model/model.h"
}

namespace npusim_test {

// Where the example platform keeps things (memory map in sim/systemc/example/platform.h).
constexpr uint64_t kDramBase = 0x100000;  // the schedule's DRAM address 0
constexpr uint64_t kCmdAddr = 0x10000;    // the command buffer
constexpr uint64_t kRegs = npusim::kRegsBase;

inline std::string diag_text(const NpDiag &diag) {
  std::string text;
  for (size_t i = 0; i < diag.count; i++) text += std::string(diag.messages[i]) + "\n";
  return text;
}

// configs/rtl-small.yaml: 100 MHz (10 ns cycles); DRAM 8 B/cycle, 64-byte bursts (8 cycles
// each), latency 10 cycles, one channel, 4 bursts outstanding, no row model; SRAM 4 banks of
// 8-byte lines, one port.
inline NpArch rtl_small() {
  NpArch arch{};
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_arch_load_file(source_path("configs/rtl-small.yaml").c_str(), nullptr, 0, &arch, &diag);
  EXPECT_TRUE(ok) << diag_text(diag);
  np_diag_free(&diag);
  return arch;
}

// A lowered model; owns its schedule.
struct Lowered {
  NpSchedule schedule{};
  bool ok = false;
  Lowered() = default;
  Lowered(const Lowered &) = delete;
  ~Lowered() { np_schedule_free(&schedule); }
};

inline void lower_model(const std::string &model, const NpArch &arch, bool warm, Lowered &out) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_model_load(source_path(model).c_str(), &diag);
  NpLowerOptions options{warm, NP_DTYPE_UNKNOWN, 0, nullptr};
  out.ok = graph && np_lower(graph, &arch, &options, &out.schedule, &diag);
  EXPECT_TRUE(out.ok) << diag_text(diag);
  np_graph_free(graph);
  np_diag_free(&diag);
}

// The standalone replay's cycles (np_replay_run with the built-in DRAM model).
inline int64_t standalone_cycles(const NpSchedule &schedule, const NpArch &arch) {
  NpStats stats{};
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_replay_run(&schedule, &arch, nullptr, &stats, &diag);
  EXPECT_TRUE(ok) << diag_text(diag);
  int64_t cycles = ok ? stats.cycles : -1;
  np_stats_free(&stats);
  np_diag_free(&diag);
  return cycles;
}

// The cycles `npusim run MODEL --config CONFIG --json` reports for the cold or warm inference
// (-1 when it fails or the JSON lacks them).
inline int64_t npusim_run_cycles(const std::string &model, const std::string &config, bool warm) {
  CliResult run = run_npusim("run " + model + " --config " + config + " --json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json_error_t error;
  json_t *root = json_loads(run.out.c_str(), 0, &error);
  EXPECT_NE(root, nullptr) << error.text;
  json_t *cycles = json_object_get(json_object_get(root, warm ? "warm" : "cold"), "cycles");
  int64_t value = json_is_integer(cycles) ? int64_t(json_integer_value(cycles)) : -1;
  json_decref(root);
  return value;
}

// One LOAD of `bytes` from DRAM address 0 into all four SRAM banks, as a schedule lowered for
// `arch` (its config name and hash, so that the module accepts it).
struct OneLoad {
  SchedBuilder builder;
  const NpSchedule *schedule = nullptr;
  OneLoad(const NpArch &arch, int64_t bytes) {
    builder.load(bytes, 0xF);
    schedule = builder.get();
    builder.s.n_engines = arch.n_engines;
    for (int e = 0; e < arch.n_engines; e++)
      snprintf(builder.s.engine_names[e], NP_ARCH_NAME_MAX, "%s", arch.engines[e].name);
    snprintf(builder.s.config_name, sizeof builder.s.config_name, "%s", arch.name);
    builder.s.config_hash = npusim::config_hash(arch);
  }
};

inline sc_core::sc_time cycles(const npusim::Platform &p, uint64_t n) {
  return sc_core::sc_time::from_value(p.npu.clock_period().value() * n);
}

// Writes the command buffer and the address registers (no doorbell).
inline void prepare(npusim::Host &host, const std::vector<uint8_t> &buffer) {
  host.write_block(kCmdAddr, buffer);
  host.write32(kRegs + npusim::reg::kCmdAddrLo, uint32_t(kCmdAddr));
  host.write32(kRegs + npusim::reg::kCmdAddrHi, 0);
  host.write32(kRegs + npusim::reg::kDramBaseLo, uint32_t(kDramBase));
  host.write32(kRegs + npusim::reg::kDramBaseHi, 0);
}

// Cycles the module takes to read a command buffer holding `json_bytes` of schedule, on a
// memory that matches rtl-small (L = 10, a 64-byte burst = 8 cycles, 4 outstanding): the
// 16-byte header is one burst read alone, L + 8; then n = ceil(json_bytes / 64) bursts,
// issued up to 4 at a time; 4 x 8 = 32 >= L + 8 = 18, so the bus never idles and the last
// one is done L + 8n after the first is issued. Total 2L + 8 + 8n = 28 + 8n.
inline uint64_t rtl_small_fetch_cycles(uint64_t json_bytes) { return 28 + 8 * ((json_bytes + 63) / 64); }

}  // namespace npusim_test
