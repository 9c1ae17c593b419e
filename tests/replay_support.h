// Hand-built schedules and inline configs for the replay tests.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "arch/arch.h"
#include "lower/schedule.h"
#include "replay/replay.h"
}

// A small accelerator: 1 GHz, a 4x4 int8 array (npu, 0), two 16-lane vector units (vec 1,
// vec2 2), a 4-lane CPU (cpu 3); 4 SRAM banks of 8 bytes, one port; DRAM 8 B/cycle
// (8 GB/s at 1 GHz), 64-byte bursts, 10 cycles latency, one channel, 16 outstanding.
inline const char *kSmallArch = R"(
name: small
clock_mhz: 1000
data_types: {int8: 1, fp16: 2}
default_dtype: int8
engines:
  - name: npu
    kind: mac_array
    rows: 4
    cols: 4
    dataflow: ws
    dtypes: {int8: 1, fp16: 0.5}
  - name: vec
    kind: vector
    lanes: 16
  - name: vec2
    kind: vector
    lanes: 16
  - name: cpu
    kind: cpu
    lanes: 4
sram:
  capacity_bytes: 64KiB
  banks: 4
  bank_width_bytes: 8
  ports_per_bank: 1
dram:
  bandwidth_gb_per_s: 8
  burst_bytes: 64
  latency_cycles: 10
  channels: 1
  max_outstanding_bursts: 16
sync:
  cycles:
    mac_array: {vector: 32, cpu: 100}
    vector: {mac_array: 32}
    cpu: {mac_array: 50}
)";

enum { kNpu = 0, kVec = 1, kVec2 = 2, kCpu = 3 };

inline NpArch load_arch(const std::string &yaml, std::vector<std::string> sets = {}) {
  std::vector<const char *> ptrs;
  for (auto &s : sets) ptrs.push_back(s.c_str());
  NpArch arch;
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_arch_load_text(yaml.data(), yaml.size(), "test.yaml", ptrs.data(), ptrs.size(), &arch, &diag);
  std::string msgs;
  for (size_t i = 0; i < diag.count; i++) msgs += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
  EXPECT_TRUE(ok) << msgs;
  return arch;
}

// Appends commands; ids are positions, layer 0 unless told.
struct SchedBuilder {
  std::vector<NpCommand> cmds;
  std::vector<int32_t> deps;
  std::vector<NpLayerPlan> layers;
  NpSchedule s{};

  int add(NpCommand c, std::vector<int> d) {
    c.id = (int32_t)cmds.size();
    c.first_dep = (int32_t)deps.size();
    c.n_deps = (int32_t)d.size();
    for (int x : d) deps.push_back(x);
    while ((size_t)c.layer >= layers.size()) {
      NpLayerPlan plan{};
      plan.engine = c.kind == NP_CMD_COMPUTE ? c.engine : 0;
      layers.push_back(plan);
    }
    if (c.kind == NP_CMD_COMPUTE) layers[c.layer].engine = c.engine;
    cmds.push_back(c);
    return c.id;
  }
  int load(int64_t bytes, uint64_t banks, std::vector<int> d = {}, int layer = 0, int64_t addr = 0, int64_t runs = 1) {
    NpCommand c{};
    c.kind = NP_CMD_LOAD;
    c.layer = layer;
    c.bytes = bytes;
    c.banks = banks;
    c.dram_addr = addr;
    c.dram_runs = runs;
    c.engine = -1;
    return add(c, d);
  }
  int store(int64_t bytes, uint64_t banks, std::vector<int> d = {}, int layer = 0) {
    NpCommand c{};
    c.kind = NP_CMD_STORE;
    c.layer = layer;
    c.bytes = bytes;
    c.banks = banks;
    c.dram_runs = 1;
    c.engine = -1;
    return add(c, d);
  }
  int gemm(int engine, int64_t m, int64_t k, int64_t n, std::vector<int> d = {}, int layer = 0, int64_t batch = 1,
           NpDtype dtype = NP_DTYPE_INT8) {
    NpCommand c{};
    c.kind = NP_CMD_COMPUTE;
    c.layer = layer;
    c.engine = engine;
    c.op_class = NP_CLASS_MATRIX;
    c.dtype = dtype;
    c.gemm = {m, n, k, batch};
    c.macs = m * n * k * batch;
    return add(c, d);
  }
  int vec(int engine, int64_t elements, std::vector<int> d = {}, int layer = 0,
          NpOpClass cls = NP_CLASS_ELEMENTWISE) {
    NpCommand c{};
    c.kind = NP_CMD_COMPUTE;
    c.layer = layer;
    c.engine = engine;
    c.op_class = cls;
    c.dtype = NP_DTYPE_INT8;
    c.elements = elements;
    return add(c, d);
  }
  int sync(int from, int to, std::vector<int> d = {}, int layer = 0) {
    NpCommand c{};
    c.kind = NP_CMD_SYNC;
    c.layer = layer;
    c.from_engine = from;
    c.to_engine = to;
    return add(c, d);
  }
  NpCommand &cmd(int id) { return cmds[id]; }
  const NpSchedule *get() {
    s = NpSchedule{};
    s.cmds = cmds.data();
    s.n_cmds = cmds.size();
    s.deps = deps.data();
    s.n_deps = deps.size();
    s.layers = layers.data();
    s.n_layers = layers.size();
    s.dtype = NP_DTYPE_INT8;
    return &s;
  }
};

// A replay's stats and its per-command records.
struct ReplayRun {
  bool ok = false;
  std::string errors;
  NpStats stats{};
  std::vector<NpCommandTiming> records;
  ReplayRun() = default;
  ReplayRun(const ReplayRun &) = delete;
  ~ReplayRun() { np_stats_free(&stats); }
  const NpCommandTiming &rec(int cmd) const {
    for (auto &r : records)
      if (r.cmd == cmd) return r;
    static NpCommandTiming none{};
    ADD_FAILURE() << "no record for command " << cmd;
    return none;
  }
};

inline void record_timing(void *user, const NpCommandTiming *t) {
  static_cast<std::vector<NpCommandTiming> *>(user)->push_back(*t);
}

inline void replay(const NpSchedule *s, const NpArch &arch, ReplayRun &run, const NpDramModel *dram = nullptr) {
  NpReplayOptions opt{};
  opt.on_command = record_timing;
  opt.user = &run.records;
  opt.dram = dram;
  NpDiag diag;
  np_diag_init(&diag);
  run.ok = np_replay_run(s, &arch, &opt, &run.stats, &diag);
  for (size_t i = 0; i < diag.count; i++) run.errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}
