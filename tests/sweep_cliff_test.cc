// Cliff search (sim/sweep/cliff.h) on a two-layer graph whose residency steps are worked out
// by hand from docs/lowering.md ("Residency"), with the lowering tests' config: one-byte
// banks and alignment 1, so the SRAM granule is one byte and the step lands on an exact size.
#include <gtest/gtest.h>

#include <string>

#include "lower_support.h"
#include "support/cli.h"
#include "support/files.h"
#include "sweep/cliff.h"

namespace {

// x: 2x2x64 = 256 B; a: 1x1 conv 64 -> 128 (weights 8192 B), y = 512 B; b: 1x1 conv
// 128 -> 32 (weights 4096 B), z = 128 B. Peak activation working set P: layer a reads 256
// and writes 512 = 768 (b: 512 + 128 = 640). All weights resident when
// 8192 + 4096 + 768 = 13056 <= capacity. At 13055 the greedy budget is 13055 - 768 = 12287:
// both layers save one DRAM byte per SRAM byte, the tie goes to the larger (a, 8192), and b
// (4096) no longer fits: b's weights stream. A warm inference then moves x in and z out
// (384 B) at 13056, and 384 + 4096 = 4480 B at 13055.
const char *kTwo = R"(graph two
input x int8 1x2x2x64
conv a x -> y out=128 kernel=1x1 bias=no
conv b y -> z out=32 kernel=1x1 bias=no
output z
)";

struct Search {
  GraphPtr graph;
  NpCliffSearch s{};
  Search(const char *metric) : graph(parse_graph(kTwo)) {
    s.base = NpPointBase{kTestConfig, strlen(kTestConfig), "<test config>", graph.get()};
    char err[256];
    EXPECT_TRUE(np_axis_range_parse("sram.capacity_bytes=8KiB..32KiB", &s.axis, err, sizeof err)) << err;
    s.metric = metric;
  }
};

TEST(SweepCliff, DramBytesStepAtTheExactSramSizeAndNameTheLayer) {
  Search search("dram_bytes");
  NpCliff *cliffs;
  size_t n;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_cliff_find(&search.s, &cliffs, &n, &diag));
  np_diag_free(&diag);
  // In 8 KiB..32 KiB: the step at 13056 and the one at 8192 + 768 = 8960, where a's 8192 B
  // no longer fit the budget and b takes the SRAM instead.
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(cliffs[1].x_before, 13055);
  EXPECT_EQ(cliffs[1].x_after, 13056);
  EXPECT_EQ(cliffs[1].m_before, 4480);
  EXPECT_EQ(cliffs[1].m_after, 384);
  ASSERT_GE(cliffs[1].n_causes, 1u);
  // Causes read from the smaller SRAM to the larger: there b's weights become resident.
  EXPECT_EQ(std::string(cliffs[1].causes[0]).rfind("layer 'b': weights become resident", 0), 0u)
      << cliffs[1].causes[0];
  EXPECT_EQ(cliffs[0].x_after, 8960);
  EXPECT_NE(std::string(cliffs[0].causes[0]).find("layer 'a': weights become resident"), std::string::npos);
  np_cliffs_free(cliffs, n);
}

TEST(SweepCliff, WarmLatencyCliffFromTheCommandLine) {
  std::string graph = write_scratch("two.npg", kTwo);
  std::string config = write_scratch("test.yaml", kTestConfig);
  CliResult r = run_npusim("cliff " + graph + " --config " + config +
                           " --axis sram.capacity_bytes=12KiB..16KiB --threshold 1.1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 cliff in warm_ms along sram.capacity_bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("between 13055 (12.7 KiB) and 13056 (12.8 KiB)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cause: layer 'b': weights become resident in SRAM (4.0 KiB no longer streamed from DRAM)"),
            std::string::npos)
      << r.out;
}

TEST(SweepCliff, FitFindsTheLargestSizeUnderADramBudget) {
  // Widening the hidden layer y (128 round(s) channels) keeps warm DRAM traffic at x in +
  // z out = 384 B while all weights and the peak working set fit the 64 KiB SRAM: at s = 3,
  // weights (64 + 32) x 384 = 36864 B and P = 256 + 1536 = 1792 B, 38656 B in all: the
  // largest value tried (HI) meets the budget. A budget of 100 B fails even at s = 1.
  std::string graph = write_scratch("two.npg", kTwo);
  std::string config = write_scratch("test.yaml", kTestConfig);
  CliResult r = run_npusim("fit " + graph + " --config " + config +
                           " --budget dram_bytes=384 --axis model.channel_scale=1..3 --step 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("largest model.channel_scale meeting dram_bytes <= 384: 3"), std::string::npos) << r.out;
  // A budget nothing meets: exit 1 (1..2: 384 B at every sample).
  CliResult none = run_npusim("fit " + graph + " --config " + config +
                              " --budget dram_bytes=100 --axis model.channel_scale=1..2 --step 0.5");
  EXPECT_EQ(none.exit_code, 1) << none.err << none.out;
}

TEST(SweepCliff, BadAxisAndMetricAreUsageErrors) {
  CliResult r = run_npusim("cliff models/micro/conv3x3.npg --axis sram.capacity_bytes=4MiB");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("KEY=LO..HI"), std::string::npos) << r.err;
  r = run_npusim("cliff models/micro/conv3x3.npg --axis sram.capacity_bytes=1MiB..4MiB --metric speed");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown metric 'speed'"), std::string::npos) << r.err;
}

// docs/sweeps.md's example: MobileNetV2 int8 steps near 4.96 MiB where features.2's
// depthwise output no longer stays in SRAM. No weight changes residency there, so a re-tile
// alone would hide the cause: the activation round trip must be named, with its size from
// the tensor's shape, 56 x 56 x 96 int8 = 301,056 B = 294.0 KiB, stored by the depthwise conv
// and loaded by the 1x1 projection after it.
TEST(SweepCliff, AnActivationThatLeavesTheSramIsNamed) {
  CliResult r = run_npusim("cliff " + source_path("models/mobilenet_v2.onnx") +
                           " --dtype int8 --set dram.bandwidth_gb_per_s=2 --axis sram.capacity_bytes=4.5MiB..5.5MiB "
                           "--samples 3 --threshold 1.1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Read from the smaller SRAM to the larger: the round trip goes away.
  EXPECT_NE(r.out.find("cause: layer '/features/features.2/conv/conv.1/conv.1.0/Conv': activations through DRAM down "
                       "from 294.0 KiB to 0 B every inference (0 B read, 294.0 KiB written before)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cause: layer '/features/features.2/conv/conv.2/Conv': activations through DRAM down from "
                       "294.0 KiB to 0 B every inference (294.0 KiB read, 0 B written before)"),
            std::string::npos)
      << r.out;
}

}  // namespace
