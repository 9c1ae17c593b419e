// Helpers for the lowering tests: a small hand-checkable config, text graphs, and lowering.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "arch/arch.h"
#include "graph/graph.h"
#include "graph/textgraph.h"
#include "lower/schedule.h"
#include "replay/replay.h"
#include "util/diag.h"

// One byte per bank line and alignment 1, so that buffer sizes in the tests are exact:
// an 8x8 int8 weight-stationary array, a vector unit, and the CPU fallback.
inline const char *kTestConfig = R"(name: lower-test
clock_mhz: 1000
data_types: {int8: 1, int16: 2, int32: 4}
default_dtype: int8
engines:
  - name: npu
    kind: mac_array
    rows: 8
    cols: 8
    dataflow: ws
    dtypes: {int8: 1}
    fuse_activations: true
    rules: {ops: [matrix], max_kernel_h: 3, max_kernel_w: 3, max_stride: 2, max_dilation: 1, max_channels: 256}
  - name: vec
    kind: vector
    lanes: 16
    dtypes: {int8: 1}
    rules: {ops: [pool, elementwise, data_movement, free], max_kernel_h: 3, max_kernel_w: 3, max_stride: 2}
  - name: cpu
    kind: cpu
    lanes: 4
    dtypes: {int8: 1, int16: 1, int32: 1}
sram: {capacity_bytes: 64KiB, banks: 1, bank_width_bytes: 1, alignment_bytes: 1}
dram: {bandwidth_gb_per_s: 8GB/s, burst_bytes: 64, latency_cycles: 100}
sync:
  cycles:
    mac_array: {cpu: 500}
    cpu: {mac_array: 500}
)";

// The two convs of the cliff tests (sweep_cliff_test.cc, cliff_dense_test.cc, report_html_test.cc).
// x: 2x2x64 = 256 B; a: 1x1 conv 64 -> 128 (weights 8192 B), y = 512 B; b: 1x1 conv
// 128 -> 32 (weights 4096 B), z = 128 B. y stays on chip (512 B). Both layers' weights
// (12288 B) stay resident once they fit beside it with every layer untiled: 12288 + 512 +
// x 256 = 13056 B (b needs only z's 128). Below 12288 + 512 = 12800 B they cannot both stay.
// In between the tiles of a shrink around the resident weights (its input cut into chunks of
// input channels) until streaming a's 8192 B is faster. A warm inference then moves x in
// and z out (384 B) with both resident, and 8192 + 384 = 8576 B with a streamed.
inline const char *kTwoConvs = R"(graph two
input x int8 1x2x2x64
conv a x -> y out=128 kernel=1x1 bias=no
conv b y -> z out=32 kernel=1x1 bias=no
output z
)";

struct GraphDeleter {
  void operator()(NpGraph *g) const { np_graph_free(g); }
};
using GraphPtr = std::unique_ptr<NpGraph, GraphDeleter>;

inline GraphPtr parse_graph(const std::string &text) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_textgraph_parse(text.data(), text.size(), "<test>", &diag);
  std::string errors;
  for (size_t i = 0; i < diag.count; i++) errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
  EXPECT_NE(g, nullptr) << errors;
  return GraphPtr(g);
}

// The test config (or `text`) with --set style overrides.
inline NpArch load_arch(const std::vector<std::string> &sets = {}, const char *text = kTestConfig) {
  std::vector<const char *> ptrs;
  for (const auto &s : sets) ptrs.push_back(s.c_str());
  NpArch arch;
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_arch_load_text(text, strlen(text), "<test config>", ptrs.data(), ptrs.size(), &arch, &diag);
  std::string errors;
  for (size_t i = 0; i < diag.count; i++) errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
  EXPECT_TRUE(ok) << errors;
  return arch;
}

// Owns a schedule.
struct Lowered {
  NpSchedule s{};
  bool ok = false;
  std::string errors;
  Lowered() = default;
  Lowered(const Lowered &) = delete;
  Lowered &operator=(const Lowered &) = delete;
  ~Lowered() { np_schedule_free(&s); }
  const NpLayerPlan &layer(size_t i) const { return s.layers[i]; }
  size_t count(NpCmdKind kind, int layer = -1) const {
    size_t n = 0;
    for (size_t i = 0; i < s.n_cmds; i++)
      if (s.cmds[i].kind == kind && (layer < 0 || s.cmds[i].layer == layer)) n++;
    return n;
  }
  int64_t layer_dram(size_t i) const { return s.layers[i].dram_read_bytes + s.layers[i].dram_write_bytes; }
};

// weight_bits: NpLowerOptions.weight_bits (0: weights as their dtype).
inline void lower(const NpGraph *g, const NpArch &arch, bool warm, Lowered *out, int weight_bits = 0) {
  NpDiag diag;
  np_diag_init(&diag);
  NpLowerOptions options = {warm, NP_DTYPE_UNKNOWN, weight_bits, NULL};
  out->ok = np_lower(g, &arch, &options, &out->s, &diag);
  for (size_t i = 0; i < diag.count; i++) out->errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}

// The cycles the replay measures for a lowered schedule (-1, with a test failure, if it fails).
inline int64_t replayed_cycles(const Lowered &l, const NpArch &arch) {
  NpReplayOptions opt{};
  NpStats stats{};
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_replay_run(&l.s, &arch, &opt, &stats, &diag);
  EXPECT_TRUE(ok) << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  int64_t cycles = ok ? stats.cycles : -1;
  if (ok) np_stats_free(&stats);
  return cycles;
}
