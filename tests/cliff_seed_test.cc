// The seed's scenario: a mid-size mobile network in int8 whose warm latency steps up sharply
// once the SRAM falls below what its weights need, with the cause printed. MobileNetV2 int8
// (3,487,886 parameters: 3.33 MiB of weights) on configs/edge-tpu-like.yaml, where weights
// that do not fit the on-chip SRAM stream over PCIe Gen2 x1 at 0.5 GB/s (docs/sweeps.md).
//
// Worked out by hand (docs/lowering.md "Residency", docs/timing.md "Bursts"):
// - The classifier Gemm holds the largest weights: 1280 x 1000 int8 = 1,280,000 B (1.22 MiB).
// - P, the largest activation working set, is features.2's 1x1 expand: 112x112x16 in
//   (200,704 B) + 112x112x96 out (1,204,224 B) = 1.34 MiB. All weights are resident above
//   W + P = 3.33 + 1.34 = 4.67 MiB; the classifier can be resident only while the budget
//   capacity - P holds it, from 1.22 + 1.34 = 2.56 MiB up. Its step lies in 2.56..4.67 MiB.
// - Streamed, it costs at least its bytes over the link, 1,280,000 B / 0.5 GB/s = 2.56 ms,
//   and at most its bursts at full length: tiled 64 output columns at a time, each of its 16
//   loads reads 1281 rows of 64 B, and a short burst holds the link for a whole 256-B burst
//   (docs/timing.md): 16 x 1281 x 256 B / 0.5 GB/s = 10.49 ms. The layers that become
//   resident in its place only take time off, so the step is at most that.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "model/model.h"
#include "support/cli.h"
#include "support/files.h"
#include "sweep/cliff.h"

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

TEST(CliffSeed, MobileNetV2Int8StepsWhenTheClassifierWeightsStream) {
  std::string config = read_file(source_path("configs/edge-tpu-like.yaml"));
  ASSERT_FALSE(config.empty());
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_model_load(source_path("models/mobilenet_v2.onnx").c_str(), &diag);
  ASSERT_NE(graph, nullptr);
  NpCliffSearch s{};
  s.base = NpPointBase{config.c_str(), config.size(), "configs/edge-tpu-like.yaml", graph};
  const char *sets[] = {"model.dtype=int8"};
  s.sets = sets;
  s.n_sets = 1;
  char err[256];
  // Three coarse samples (2, 3, 4 MiB) keep the test fast; bisection does the rest.
  ASSERT_TRUE(np_axis_range_parse("sram.capacity_bytes=2MiB..4MiB", &s.axis, err, sizeof err)) << err;
  s.metric = "warm_ms";
  s.samples = 3;
  NpCliff *cliffs = nullptr;
  size_t n = 0;
  ASSERT_TRUE(np_cliff_find(&s, &cliffs, &n, &diag));
  np_diag_free(&diag);
  ASSERT_GE(n, 1u);
  const NpCliff *step = nullptr;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < cliffs[i].n_causes; k++)
      if (std::string(cliffs[i].causes[k]).find("layer '/classifier/classifier.1/Gemm': weights no longer resident") !=
          std::string::npos)
        step = &cliffs[i];
  ASSERT_NE(step, nullptr) << "no cliff names the classifier's weights";
  EXPECT_GE(step->x_before, 2.56 * kMiB);
  EXPECT_LE(step->x_after, 4.67 * kMiB);
  EXPECT_EQ(step->x_after - step->x_before, 16 * 64);  // one SRAM row across the 16 banks of 64 B
  // Less SRAM (x_before) is slower by the classifier's streaming.
  double rise = step->m_before - step->m_after;
  EXPECT_GE(rise, 2.56) << step->m_before << " -> " << step->m_after;
  EXPECT_LE(rise, 10.49) << step->m_before << " -> " << step->m_after;
  EXPECT_GE(step->ratio, 1.2);
  np_cliffs_free(cliffs, n);
  np_graph_free(graph);
}

TEST(CliffSeed, TheCommandPrintsTheCauseAndPlotsIt) {
  std::string svg = scratch_dir() + "/cliff.svg";
  CliResult r = run_npusim("cliff models/mobilenet_v2.onnx --config configs/edge-tpu-like.yaml --dtype int8 "
                           "--axis sram.capacity_bytes=2MiB..4MiB --samples 3 --svg " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cause: layer '/classifier/classifier.1/Gemm': weights no longer resident in SRAM "
                       "(1.22 MiB streamed from DRAM every inference)"),
            std::string::npos)
      << r.out;
  std::string plot = read_file(svg);
  EXPECT_NE(plot.find("sram.capacity_bytes (MiB)"), std::string::npos);
  EXPECT_NE(plot.find("weights no longer resident in SRAM (1.22 MiB streamed"), std::string::npos);
  EXPECT_NE(plot.find("warm latency (ms)"), std::string::npos);
}

}  // namespace
