// Small configs and graphs for the `npusim run` / `npusim check` tests, and a JSON helper.
#pragma once
#include <gtest/gtest.h>
#include <jansson.h>

#include <memory>
#include <string>

#include "support/cli.h"
#include "support/files.h"

// A config small enough to work whole runs out by hand (docs/timing.md):
//  - 1 GHz, so 1 cycle = 1 ns and ms = cycles / 1e6;
//  - npu: a 4x4 int8 weight-stationary array; it also pools at 16 elements per cycle;
//    it takes Conv, Gemm, MatMul and MaxPool, so a Softmax falls back to the CPU;
//  - cpu: 4 elements per cycle; cannot read the SRAM;
//  - SRAM: one bank, 1 byte wide, 16 ports: 16 bytes per cycle for any command, and
//    capacity can be set to the byte;
//  - DRAM: 8 B/cycle (8 GB/s at 1 GHz), 64-byte bursts (8 cycles each), 10 cycles of
//    latency, one channel: a transfer of n bursts alone takes 10 + 8n cycles;
//  - sync: mac_array -> cpu 100 cycles, cpu -> mac_array 50 cycles.
inline const char *kTinyArch = R"(name: tiny
clock_mhz: 1000
data_types: {int8: 1, int32: 4}
default_dtype: int8
engines:
  - name: npu
    kind: mac_array
    rows: 4
    cols: 4
    dataflow: ws
    dtypes: {int8: 1}
    throughput: {pool: 16}
    rules: {ops: [Conv, Gemm, MatMul, MaxPool]}
  - name: cpu
    kind: cpu
    lanes: 4
sram:
  capacity_bytes: 64KiB
  banks: 1
  bank_width_bytes: 1
  ports_per_bank: 16
dram:
  bandwidth_gb_per_s: 8
  burst_bytes: 64
  latency_cycles: 10
  channels: 1
  max_outstanding_bursts: 16
sync:
  cycles:
    mac_array: {cpu: 100}
    cpu: {mac_array: 50}
)";

// Two layers around a residency step, worked out in run_latency_test.cc: a 4x4 max pool feeding
// a 1x1 conv 16 -> 16 whose 256 B of weights are resident from 1536 B of SRAM up.
inline const char *kCliffGraph = R"(graph cliff
input x int8 1x16x16x16
maxpool p x -> y kernel=4 stride=4
conv c y -> z out=16 kernel=1 bias=no
output z
)";

// The energy table the energy tests price with (pJ, pJ/byte, mW; all assumptions).
inline const char *kTinyEnergy = R"(energy:
  mac:
    int8: {pj: 0.5, source: assumption, node_nm: 7}
  element:
    int8: {pj: 1, source: assumption, node_nm: 7}
  sram_read: {pj_per_byte: 0.25, source: assumption, node_nm: 7}
  sram_write: {pj_per_byte: 0.5, source: assumption, node_nm: 7}
  dram_read: {pj_per_byte: 10, source: assumption, node_nm: 7}
  dram_write: {pj_per_byte: 20, source: assumption, node_nm: 7}
  sync: {pj: 1000, source: assumption, node_nm: 7}
  sram_static: {mw: 1, source: assumption, node_nm: 7}
  engine_static:
    npu: {mw: 4, source: assumption, node_nm: 7}
)";

// One GEMM 16x16 by 16x16, int8, no bias: input 256 B, weights 256 B, output 256 B,
// 4096 MACs.
inline const char *kGemmGraph = R"(graph g
input x int8 16x16
gemm fc x -> y n=16 bias=no
output y
)";

struct JsonPtr {
  json_t *p = nullptr;
  JsonPtr() = default;
  explicit JsonPtr(json_t *j) : p(j) {}
  JsonPtr(const JsonPtr &) = delete;
  JsonPtr(JsonPtr &&o) noexcept : p(o.p) { o.p = nullptr; }
  ~JsonPtr() { json_decref(p); }
  json_t *get() const { return p; }
};

inline JsonPtr parse_json(const std::string &text) {
  json_error_t error;
  json_t *j = json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES, &error);
  EXPECT_NE(j, nullptr) << "not JSON: " << error.text << " at line " << error.line << "\n" << text.substr(0, 400);
  return JsonPtr(j);
}

// The value at a path of object keys and array indices, e.g. at(j, {"latency", "cold_cycles"}).
inline json_t *at(json_t *j, std::initializer_list<std::string> path) {
  for (const std::string &k : path) {
    if (j == nullptr) break;
    if (json_is_array(j))
      j = json_array_get(j, std::stoul(k));
    else
      j = json_object_get(j, k.c_str());
  }
  EXPECT_NE(j, nullptr) << "missing JSON path";
  return j;
}

inline long long jint(json_t *j, std::initializer_list<std::string> path) {
  json_t *v = at(j, path);
  EXPECT_TRUE(json_is_integer(v));
  return json_integer_value(v);
}

inline double jnum(json_t *j, std::initializer_list<std::string> path) {
  json_t *v = at(j, path);
  EXPECT_TRUE(json_is_number(v));
  return json_number_value(v);
}

inline std::string jstr(json_t *j, std::initializer_list<std::string> path) {
  json_t *v = at(j, path);
  EXPECT_TRUE(json_is_string(v));
  return json_is_string(v) ? json_string_value(v) : "";
}

// Writes graph and config to scratch files and runs `npusim run <graph> --config <cfg> <extra>`.
inline CliResult run_on(const std::string &graph, const std::string &config, const std::string &extra) {
  std::string g = write_scratch("model.npg", graph);
  std::string c = write_scratch("arch.yaml", config);
  return run_npusim("run '" + g + "' --config '" + c + "' " + extra);
}

// `npusim run --json` on a graph and config: the parsed report (exit 0 expected).
inline JsonPtr run_json(const std::string &graph, const std::string &config, const std::string &extra = "") {
  CliResult r = run_on(graph, config, "--json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_json(r.out);
}
