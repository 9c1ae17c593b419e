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

struct Search {
  GraphPtr graph;
  NpCliffSearch s{};
  Search(const char *metric) : graph(parse_graph(kTwoConvs)) {
    s.base = NpPointBase{kTestConfig, strlen(kTestConfig), "<test config>", graph.get(), 0, nullptr, nullptr};
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
  // In 8 KiB..32 KiB DRAM traffic steps twice, each somewhere in (12800, 13056] and one byte
  // wide. Below, a's 8 KiB of weights stream and b's 4 KiB stay: x in + z out + a's weights =
  // 256 + 128 + 8192 = 8576 B. Then a's weights become resident and b's stream, prefetched
  // while a runs (the estimate counts the load hidden, docs/lowering.md "Residency"): 384 +
  // 4096 = 4480 B. Then both stay: 384 B.
  ASSERT_EQ(n, 2u);
  const int64_t bytes[] = {8576, 4480, 384};
  for (size_t i = 0; i < n; i++) {
    EXPECT_GT(cliffs[i].x_before, 12800 - 1);
    EXPECT_LE(cliffs[i].x_after, 13056);
    EXPECT_EQ(cliffs[i].x_after - cliffs[i].x_before, 1);
    EXPECT_EQ(cliffs[i].m_before, bytes[i]);
    EXPECT_EQ(cliffs[i].m_after, bytes[i + 1]);
    ASSERT_GE(cliffs[i].n_causes, 1u);
  }
  // Causes read from the smaller SRAM to the larger: a's weights become resident as b's stop
  // being so, then b's become resident.
  EXPECT_EQ(std::string(cliffs[0].causes[0]).rfind("layer 'a': weights become resident", 0), 0u)
      << cliffs[0].causes[0];
  ASSERT_GE(cliffs[0].n_causes, 2u);
  EXPECT_EQ(std::string(cliffs[0].causes[1]).rfind("layer 'b': weights no longer resident", 0), 0u)
      << cliffs[0].causes[1];
  EXPECT_EQ(std::string(cliffs[1].causes[0]).rfind("layer 'b': weights become resident", 0), 0u)
      << cliffs[1].causes[0];
  np_cliffs_free(cliffs, n);
}

// The pair of tests/lower_cascade_test.cc (x 2x8x4 -> a, 1x1 to 32 channels -> y 2x8x32 -> b,
// 1x1 to 4): along the SRAM a cascade forms, y kept in a rolling buffer of one row, 8 x 32 =
// 256 B (a 1x1 kernel has no halo, so a band of b's one row reads one row of y: that file
// works it out), and later breaks, when y fits on chip whole. Each is a cause of its step.
TEST(SweepCliff, ACascadeThatFormsAndOneThatBreaksAreCauses) {
  GraphPtr g = parse_graph(R"(graph pair
input x int8 1x2x8x4
conv a x -> y out=32 kernel=1x1 bias=no
conv b y -> z out=4 kernel=1x1 bias=no
output z
)");
  NpCliffSearch s{};
  s.base = NpPointBase{kTestConfig, strlen(kTestConfig), "<test config>", g.get(), 0, nullptr, nullptr};
  char err[256];
  ASSERT_TRUE(np_axis_range_parse("sram.capacity_bytes=400..2000", &s.axis, err, sizeof err)) << err;
  s.metric = "warm_ms";
  s.threshold = 1.05;
  NpCliff *cliffs;
  size_t n;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_cliff_find(&s, &cliffs, &n, &diag));
  np_diag_free(&diag);
  const std::string forms = "layer 'a': cascade forms into 'b' (bands of 1 row, its output kept in a 256 B rolling "
                            "buffer in SRAM)";
  const std::string breaks = "layer 'a': cascade into 'b' breaks (the two run one after the other)";
  int64_t formed_at = -1, broke_at = -1;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < cliffs[i].n_causes; k++) {
      if (cliffs[i].causes[k] == forms) formed_at = (int64_t)cliffs[i].x_after;
      if (cliffs[i].causes[k] == breaks) broke_at = (int64_t)cliffs[i].x_after;
    }
  np_cliffs_free(cliffs, n);
  EXPECT_GT(formed_at, 0) << "no cliff names the cascade forming";
  EXPECT_GT(broke_at, formed_at) << "no cliff after it names the cascade breaking";
}

TEST(SweepCliff, WarmLatencyCliffFromTheCommandLine) {
  std::string graph = write_scratch("two.npg", kTwoConvs);
  std::string config = write_scratch("test.yaml", kTestConfig);
  CliResult r = run_npusim("cliff " + graph + " --config " + config +
                           " --axis sram.capacity_bytes=12KiB..16KiB --threshold 1.1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // At 13056 a's input (256 B) fits whole beside the resident weights and y: one tile. One
  // byte less and its input is cut into chunks of input channels: the candidates of 64 are
  // 64, 32, 22, ...; 2 x 128 B slots of 32 channels need 256 > 255, so 3 chunks of 22.
  EXPECT_NE(r.out.find("between 13055 (12.7 KiB) and 13056 (12.8 KiB)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cause: layer 'a': re-tiled from 2x2x128 (in 22), 3 tiles, to 2x2x128 (in 64), 1 tiles"),
            std::string::npos)
      << r.out;
}

TEST(SweepCliff, FitFindsTheLargestSizeUnderADramBudget) {
  // Widening the hidden layer y (128 round(s) channels) keeps warm DRAM traffic at x in +
  // z out = 384 B while all weights and the peak working set fit the 64 KiB SRAM: at s = 3,
  // weights (64 + 32) x 384 = 36864 B and P = 256 + 1536 = 1792 B, 38656 B in all: the
  // largest value tried (HI) meets the budget. A budget of 100 B fails even at s = 1.
  std::string graph = write_scratch("two.npg", kTwoConvs);
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
  // The message lists the metrics from their table (area_mm2 and est_warm_ms included), not by hand.
  EXPECT_NE(r.err.find("area_mm2, est_warm_ms)"), std::string::npos) << r.err;
}

// Energy is in uJ in every output, as `run` gives it; energy_mj, its name when sweeps gave mJ,
// is still a metric (for cliff, fit and their budgets), a thousandth of it, but no column.
TEST(SweepCliff, EnergyIsAMetricInMicrojoulesAndTheOldNameStillReads) {
  NpPointMetrics m{};
  m.energy_uj = 1234.5;
  double uj = 0, mj = 0;
  ASSERT_TRUE(np_point_metric(&m, "energy_uj", &uj));
  ASSERT_TRUE(np_point_metric(&m, "energy_mj", &mj));
  EXPECT_DOUBLE_EQ(uj, 1234.5);
  EXPECT_DOUBLE_EQ(mj, 1.2345);
  char *names = np_point_metric_list();
  std::string list = names;
  free(names);
  EXPECT_NE(list.find("energy_uj"), std::string::npos) << list;
  EXPECT_EQ(list.find("energy_mj"), std::string::npos) << list;
}

// Two max pools with no weights: x 16x16x16 = 4096 B -> p1 -> y 8x8x16 = 1024 B -> p2 -> z
// 4x4x16 = 256 B. Off chip, y is stored by p1 and loaded by p2: 6400 B of DRAM traffic
// against 4096 + 256 = 4352 B on chip. y can stay once it fits beside p1's smallest tiles,
// one output pixel of 16 channels (a 2x2x16 = 64-byte input block, 2 slots): 1024 + 128 =
// 1152 B, and it does there. No weight changes residency, so a re-tile alone would hide the
// cause: the round trip must be named, with the bytes each layer read and wrote before.
// (Cascaded, p2 would read y band by band from a rolling buffer and y would never go
// through DRAM: sram.cascade is off here.)
TEST(SweepCliff, AnActivationThatLeavesTheSramIsNamed) {
  std::string graph = write_scratch("pools.npg", R"(graph pools
input x int8 1x16x16x16
maxpool p1 x -> y kernel=2 stride=2
maxpool p2 y -> z kernel=2 stride=2
output z
)");
  std::string config = write_scratch("test.yaml", kTestConfig);
  CliResult r = run_npusim("cliff " + graph + " --config " + config +
                           " --axis sram.capacity_bytes=1KiB..8KiB --metric dram_bytes --threshold 1.1 --set sram.cascade=false");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("between 1151 (1.1 KiB) and 1152 (1.1 KiB)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dram_bytes 6400 -> 4352"), std::string::npos) << r.out;
  // Read from the smaller SRAM to the larger: the round trip goes away.
  EXPECT_NE(r.out.find("cause: layer 'p1': activations through DRAM down from 5.0 KiB to 4.0 KiB every inference "
                       "(4.0 KiB read, 1.0 KiB written before)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cause: layer 'p2': activations through DRAM down from 1.2 KiB to 256 B every inference "
                       "(1.0 KiB read, 256 B written before)"),
            std::string::npos)
      << r.out;
}

}  // namespace
