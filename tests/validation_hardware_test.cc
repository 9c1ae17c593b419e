// Against hardware (docs/validation.md, "Against hardware"): published whole-network figures of
// the parts the shipped configs name, each with its source. These are anchors, not targets:
// no config number was fitted to them (every number has its own source in the config). A
// row passes when npusim's figure is within 1.5x of the published one, either way. Rows that
// are not yet within 1.5x are listed in docs/validation.md with the reason, not here.
#include <cmath>

#include "run_support.h"

namespace {

struct Anchor {
  const char *name;
  const char *args;      // npusim run arguments
  double published_ms;   // warm latency the source reports
  const char *source;
};

const Anchor kAnchors[] = {
    // Coral, "Edge TPU performance benchmarks" (coral.ai/docs/edgetpu/benchmarks): MobileNet v2
    // 224x224, 2.6 ms per inference (the reading of that table).
    {"coral_mobilenet_v2", "models/mobilenet_v2.onnx --config configs/edge-tpu-like.yaml --dtype int8", 2.6,
     "coral.ai Edge TPU performance benchmarks, MobileNet v2 224"},
    // Same table: ResNet-50 at 299x299, 56 ms on the Dev Board, whose Edge TPU sits on PCIe as
    // the config's does (49 ms is the USB 3.0 accelerator's).
    {"coral_resnet50_299", "models/resnet50.onnx --config configs/edge-tpu-like.yaml --dtype int8 --resolution 299",
     56.0, "coral.ai Edge TPU performance benchmarks, ResNet-50 299, Dev Board"},
    // Arm ML embedded evaluation kit (docs/use_cases/img_class.md): MobileNetV2 int8 on an
    // Ethos-U55-128, 7,346,172 NPU cycles = 14.7 ms at 500 MHz.
    {"u55_128_mobilenet_v2", "models/mobilenet_v2.onnx --config configs/ethos-u55-128.yaml --dtype int8", 14.7,
     "Arm ML embedded evaluation kit, img_class, Ethos-U55-128"},
    // Apple ML Research, "Deploying Transformers on the Apple Neural Engine": DistilBERT at
    // sequence length 128 in 3.47 ms (A15; phone-npu is an A14-class config).
    {"ane_distilbert", "models/micro/distilbert.npg", 3.47, "Apple ML Research, Transformers on the ANE, DistilBERT"},
};

class AgainstHardware : public ::testing::TestWithParam<Anchor> {};

TEST_P(AgainstHardware, WarmLatencyWithinOneAndAHalfTimesThePublishedFigure) {
  const Anchor &a = GetParam();
  CliResult r = run_npusim(std::string("run ") + a.args + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  double ms = jnum(j.get(), {"latency", "warm_ms"});
  double ratio = ms / a.published_ms;
  EXPECT_LE(ratio, 1.5) << a.source << ": npusim " << ms << " ms, published " << a.published_ms << " ms";
  EXPECT_GE(ratio, 1.0 / 1.5) << a.source << ": npusim " << ms << " ms, published " << a.published_ms << " ms";
}

INSTANTIATE_TEST_SUITE_P(Published, AgainstHardware, ::testing::ValuesIn(kAnchors),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(AgainstHardware, DistilBertGraphHasTheHandCountedMacsAndWeights) {
  // models/micro/distilbert.npg, per layer: Q, K, V 3 x 128 x 768 x 768 = 226,492,416; scores
  // and context 2 x 12 heads x 128 x 64 x 128 = 25,165,824; output projection 128 x 768 x 768
  // = 75,497,472; FFN 2 x 128 x 768 x 3072 = 603,979,776: 931,135,488; x 6 = 5,586,812,928.
  // Parameters per layer: 4 x (768 x 768 + 768) + 768 x 3072 + 3072 + 3072 x 768 + 768
  // = 2,362,368 + 4,722,432 = 7,084,800; x 6 = 42,508,800.
  CliResult r = run_npusim("graph models/micro/distilbert.npg --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"totals", "macs"}), 5586812928LL);
  EXPECT_EQ(jint(j.get(), {"totals", "params"}), 42508800LL);
}

}  // namespace
