// The scenario the cliff finder exists for, at a size worked out by hand: a model whose warm
// latency steps up when one byte less SRAM makes its weights stream. The graph and config
// are run_latency_test.cc's (kCliffGraph on kTinyArch), where the step is derived from
// docs/lowering.md ("Residency") and docs/timing.md: the conv's 256 B of weights stay
// resident from 1536 B of SRAM up; at 1535 B they stream with the first chunk prefetched
// during the pool, and the warm inference takes 1088 cycles instead of 1084 (that chunk's
// SRAM write waits 4 cycles behind the pool's last tile on the one bank). At 1000 MHz that
// is 1.088 us against 1.084 us, a ratio of 1088 / 1084 = 1.0037. Below 1408 B the chunk has
// no room above the pool's buffers and is not prefetched: 1102 cycles, a step of
// 1102 / 1088 = 1.0129 at 1407 -> 1408.
//
// (This file once held MobileNetV2 int8 on edge-tpu-like, whose classifier step was mostly
// the old tiler reading a streamed Gemm in 64-byte runs; with the cost model choosing the
// tiles, that step is no longer a cliff of 1.2x.)
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "graph/textgraph.h"
#include "run_support.h"
#include "sweep/cliff.h"

namespace {

// Finds the one cliff of `axis` and checks its bytes, latencies and that a cause names the
// conv with `word`.
void expect_one_step(const char *axis, double threshold, int64_t before, int64_t after, double m_before,
                     double m_after, const char *word) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_textgraph_parse(kCliffGraph, strlen(kCliffGraph), "<cliff>", &diag);
  ASSERT_NE(graph, nullptr);
  ASSERT_TRUE(np_graph_finalize(graph, &diag));
  NpCliffSearch s{};
  s.base = NpPointBase{kTinyArch, strlen(kTinyArch), "<tiny>", graph, 0, nullptr, nullptr};
  char err[256];
  ASSERT_TRUE(np_axis_range_parse(axis, &s.axis, err, sizeof err)) << err;
  s.metric = "warm_ms";
  s.samples = 3;
  s.threshold = threshold;
  NpCliff *cliffs = nullptr;
  size_t n = 0;
  ASSERT_TRUE(np_cliff_find(&s, &cliffs, &n, &diag));
  np_diag_free(&diag);
  ASSERT_EQ(n, 1u);
  const NpCliff &step = cliffs[0];
  EXPECT_EQ(step.x_before, before);
  EXPECT_EQ(step.x_after, after);
  EXPECT_NEAR(step.m_before, m_before * 1e-6, 1e-12);
  EXPECT_NEAR(step.m_after, m_after * 1e-6, 1e-12);
  EXPECT_NEAR(step.ratio, m_before / m_after, 1e-9);
  bool named = false;
  for (size_t k = 0; k < step.n_causes; k++) named |= std::string(step.causes[k]).find("layer 'c'") != std::string::npos &&
                                                      std::string(step.causes[k]).find(word) != std::string::npos;
  EXPECT_TRUE(named) << "no cause names the conv's weights";
  np_cliffs_free(cliffs, n);
  np_graph_free(graph);
}

// Three coarse samples (1500, 1550, 1600); halving narrows 1500..1550 to one byte.
TEST(CliffSeed, TheResidencyStepIsFoundToTheByte) {
  expect_one_step("sram.capacity_bytes=1500..1600", 1.003, 1535, 1536, 1088, 1084, "become resident");
}

// Samples 1350, 1400, 1450; halving narrows 1400..1450 to 1407..1408.
TEST(CliffSeed, ThePrefetchStepIsFoundToTheByte) {
  expect_one_step("sram.capacity_bytes=1350..1450", 1.01, 1407, 1408, 1102, 1088, "first weight block prefetched");
}

TEST(CliffSeed, TheCommandPrintsTheCauseAndPlotsIt) {
  std::string model = write_scratch("cliff.npg", kCliffGraph);
  std::string config = write_scratch("tiny.yaml", kTinyArch);
  std::string svg = scratch_dir() + "/cliff.svg";
  CliResult r = run_npusim("cliff " + model + " --config " + config +
                           " --axis sram.capacity_bytes=1500..1600 --samples 3 --threshold 1.003 --svg " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // From the smaller SRAM to the larger: the conv's weights become resident.
  EXPECT_NE(r.out.find("cause: layer 'c': weights become resident in SRAM (256 B no longer streamed from DRAM)"),
            std::string::npos)
      << r.out;
  std::string plot = read_file(svg);
  EXPECT_NE(plot.find("sram.capacity_bytes"), std::string::npos);
  EXPECT_NE(plot.find("layer &#39;c&#39;: weights become resident"), std::string::npos) << plot;
  EXPECT_NE(plot.find("warm latency (ms)"), std::string::npos);
}

}  // namespace
