// More of a resource never gives a slower warm inference (docs/lowering.md, "Monotone in
// resources"): the lowering can always reuse the smaller machine's plan, and it picks the
// least estimated time. Sampled scans along SRAM, bandwidth and outstanding bursts, each step
// allowed 0.5% (the estimate is not the replay); and a bigger network (resolution, width)
// never runs faster by more than 2%. tools/bench --scan runs the dense scans whole.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "arch/arch.h"
#include "lower/schedule.h"
#include "model/model.h"
#include "replay/replay.h"
#include "support/files.h"
#include "whatif/whatif.h"

namespace {

std::string diag_text(const NpDiag *d) {
  char *t = np_diag_text(d);
  std::string s = t ? t : "";
  free(t);
  return s;
}

// Warm cycles of `model` on the built-in config (or `config`, a file under the source tree)
// with overrides.
int64_t warm_cycles(const NpGraph *g, const std::vector<std::string> &set_list, const char *config = nullptr,
                    NpDtype dtype = NP_DTYPE_UNKNOWN) {
  NpDiag diag;
  np_diag_init(&diag);
  std::vector<const char *> sets;
  for (const std::string &x : set_list) sets.push_back(x.c_str());
  NpArch arch;
  if (config)
    EXPECT_TRUE(np_arch_load_file(source_path(config).c_str(), sets.data(), sets.size(), &arch, &diag)) << config;
  else
    EXPECT_TRUE(np_arch_load_default(sets.data(), sets.size(), &arch, &diag));
  NpLowerOptions lo = {true, dtype, 0, NULL};
  NpSchedule s;
  EXPECT_TRUE(np_lower(g, &arch, &lo, &s, &diag)) << diag_text(&diag);
  NpReplayOptions ro{};
  NpStats stats;
  EXPECT_TRUE(np_replay_run(&s, &arch, &ro, &stats, &diag)) << diag_text(&diag);
  int64_t cycles = stats.cycles;
  np_stats_free(&stats);
  np_schedule_free(&s);
  np_diag_free(&diag);
  return cycles;
}

void expect_monotone(const char *model, const std::string &key, const std::vector<std::string> &values,
                     const char *config = nullptr, NpDtype dtype = NP_DTYPE_UNKNOWN) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_model_load(source_path(model).c_str(), &diag);
  ASSERT_NE(g, nullptr) << model;
  int64_t before = -1;
  std::string prev;
  for (const std::string &v : values) {
    int64_t now = warm_cycles(g, {key + "=" + v}, config, dtype);
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

// The Edge TPU scan of configs/sweeps/scan-mobilenet-edge-tpu.yaml sampled: every 64 KiB
// from 2 to 4 MiB, and the steps that were 0.6-0.7% slower when the weights were chosen by
// bytes saved (2905 -> 2906, 3056 -> 3057, 3755 -> 3756 KiB).
TEST(LowerMonotone, MoreSramNeverSlowerMobileNetV2Int8OnEdgeTpu) {
  std::vector<std::string> sizes;
  for (int kib = 2048; kib <= 4096; kib += 64) {
    sizes.push_back(std::to_string(kib) + "KiB");
    for (int step : {2905, 3056, 3755})
      if (step > kib && step < kib + 64) {
        sizes.push_back(std::to_string(step) + "KiB");
        sizes.push_back(std::to_string(step + 1) + "KiB");
      }
  }
  expect_monotone("models/mobilenet_v2.onnx", "sram.capacity_bytes", sizes, "configs/edge-tpu-like.yaml", NP_DTYPE_INT8);
}

// Steps of the dense scans that were inversions and that the lowering now gets right, each
// checked against the 0.5% the rule allows (tools/bench --scan found them; docs/lowering.md):
// MobileNetV2 fp16 at 912 -> 913 KiB (x1.0115) and 1085 -> 1086 KiB (x1.0125), where one more
// candidate's resident weights squeezed a cascade (the plan is now finished for smaller
// resident sets too); ResNet-18 at 336 -> 344 KiB (x1.013), where the cost model missed the
// weight LOADs that wait behind a STORE.
TEST(LowerMonotone, MoreSramNeverSlowerAtTheStepsOnceInverted) {
  expect_monotone("models/mobilenet_v2.onnx", "sram.capacity_bytes", {"912KiB", "913KiB"});
  expect_monotone("models/mobilenet_v2.onnx", "sram.capacity_bytes", {"1085KiB", "1086KiB"});
  expect_monotone("models/resnet18.onnx", "sram.capacity_bytes", {"336KiB", "344KiB"});
}

// A bigger network is never faster (2%): the input resolution 2, 32, 64, ..., 224 and the
// channel scale 0.25 to 2 by 0.25, on every zoo network that takes the what-if.
void expect_growing(const char *model) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_model_load(source_path(model).c_str(), &diag);
  ASSERT_NE(g, nullptr) << model;
  std::vector<NpWhatIf> steps;
  for (int r : {2, 32, 64, 96, 128, 160, 192, 224}) steps.push_back(NpWhatIf{0, r, r});
  for (int q = 1; q <= 8; q++) steps.push_back(NpWhatIf{0.25 * q, 0, 0});
  int64_t before = -1;
  for (size_t i = 0; i < steps.size(); i++) {
    if (i == 8) before = -1; /* the scale series starts anew */
    NpDiag why;
    np_diag_init(&why);
    NpGraph *w = np_whatif_apply(g, &steps[i], &why);
    np_diag_free(&why);
    if (w == nullptr) continue; /* a network that bakes in its size: nothing to compare */
    int64_t now = warm_cycles(w, {});
    np_graph_free(w);
    if (before > 0) {
      EXPECT_GE((double)now, (double)before * 0.98)
          << model << ": resolution " << steps[i].height << ", scale " << steps[i].channel_scale << ": " << before
          << " -> " << now << " warm cycles";
    }
    before = now;
  }
  np_graph_free(g);
  np_diag_free(&diag);
}

TEST(LowerMonotone, BiggerNetworksAreNeverFasterMobileNets) {
  expect_growing("models/mobilenet_v2.onnx");
  expect_growing("models/mobilenet_v3_small.onnx");
}

TEST(LowerMonotone, BiggerNetworksAreNeverFasterResNets) {
  expect_growing("models/resnet18.onnx");
  expect_growing("models/resnet50.onnx");
}

TEST(LowerMonotone, BiggerNetworksAreNeverFasterTheRest) {
  for (const char *m : {"models/efficientnet_b0.onnx", "models/squeezenet1_1.onnx", "models/unet_portrait.onnx",
                        "models/ds_cnn_kws.onnx", "models/lraspp_mobilenet_v3_large.onnx"})
    expect_growing(m);
}

TEST(LowerMonotone, MoreBandwidthNeverSlowerMobileNetV2) {
  expect_monotone("models/mobilenet_v2.onnx", "dram.bandwidth_gb_per_s", {"4", "8", "12", "17", "25", "34.1", "48", "64"});
}

TEST(LowerMonotone, MoreOutstandingBurstsNeverSlowerResNet18) {
  expect_monotone("models/resnet18.onnx", "dram.max_outstanding_bursts", {"1", "2", "4", "8", "16", "32", "64", "128"});
}

}  // namespace
