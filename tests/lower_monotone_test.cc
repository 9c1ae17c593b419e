// More of a resource never gives a slower warm inference (docs/lowering.md, "Cost model"): the
// lowering can always reuse the smaller machine's plan, and it picks the least estimated time.
// Sampled scans along three axes of the built-in config, each step allowed 0.5% (the
// estimate is not the replay). tools/bench --scan runs the dense scans.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "model/model.h"
#include "replay/replay.h"
#include "support/files.h"

namespace {

// Warm cycles of `model` on the built-in config with one override.
int64_t warm_cycles(const NpGraph *g, const std::string &set) {
  NpDiag diag;
  np_diag_init(&diag);
  const char *sets[] = {set.c_str()};
  NpArch arch;
  EXPECT_TRUE(np_arch_load_default(sets, 1, &arch, &diag)) << set;
  NpLowerOptions lo = {true, NP_DTYPE_UNKNOWN, 0};
  NpSchedule s;
  EXPECT_TRUE(np_lower(g, &arch, &lo, &s, &diag)) << set;
  NpReplayOptions ro{};
  NpStats stats;
  EXPECT_TRUE(np_replay_run(&s, &arch, &ro, &stats, &diag)) << set;
  int64_t cycles = stats.cycles;
  np_stats_free(&stats);
  np_schedule_free(&s);
  np_diag_free(&diag);
  return cycles;
}

void expect_monotone(const char *model, const std::string &key, const std::vector<std::string> &values) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_model_load(source_path(model).c_str(), &diag);
  ASSERT_NE(g, nullptr) << model;
  int64_t before = -1;
  std::string prev;
  for (const std::string &v : values) {
    int64_t now = warm_cycles(g, key + "=" + v);
    if (before > 0) {
      EXPECT_LE((double)now, (double)before * 1.005) << model << ": " << key << " " << prev << " -> " << v << ": "
                                                    << before << " -> " << now << " warm cycles";
    }
    before = now, prev = v;
  }
  np_graph_free(g);
  np_diag_free(&diag);
}

TEST(LowerMonotone, MoreSramNeverSlowerResNet18) {
  std::vector<std::string> sizes;
  // Every 64 KiB up to 2 MiB (where keeping activations on chip once squeezed other layers'
  // tiles: 384 -> 448, 768 -> 832 and 1536 -> 1600 KiB were slower), then every 512 KiB.
  for (int kib = 256; kib <= 2048; kib += 64) sizes.push_back(std::to_string(kib) + "KiB");
  for (int kib = 2560; kib <= 8192; kib += 512) sizes.push_back(std::to_string(kib) + "KiB");
  expect_monotone("models/resnet18.onnx", "sram.capacity_bytes", sizes);
}

TEST(LowerMonotone, MoreBandwidthNeverSlowerMobileNetV2) {
  expect_monotone("models/mobilenet_v2.onnx", "dram.bandwidth_gb_per_s", {"4", "8", "12", "17", "25", "34.1", "48", "64"});
}

TEST(LowerMonotone, MoreOutstandingBurstsNeverSlowerResNet18) {
  expect_monotone("models/resnet18.onnx", "dram.max_outstanding_bursts", {"1", "2", "4", "8", "16", "32", "64", "128"});
}

}  // namespace
