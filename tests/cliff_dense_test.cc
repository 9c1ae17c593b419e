// The cliff finder against a dense scan (docs/sweeps.md, "Finding cliffs"): on a metric that
// is monotone along the axis, `npusim cliff` reports exactly the steps of the threshold or
// more that evaluating every granule of the axis shows, no more and no fewer, two steps
// between one pair of coarse samples included. Two graphs whose steps are worked out by hand
// elsewhere: the pool + conv of run_latency_test.cc on the tiny config (weights resident
// from 1536 B, the pool's 4-tile plan from 2560 B), and the two convs of
// sweep_cliff_test.cc, whose first layer's input is cut into chunks until 13056 B.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "graph/textgraph.h"
#include "lower_support.h"
#include "run_support.h"
#include "sweep/cliff.h"
#include "sweep/sweep.h"

namespace {

using Step = std::pair<int64_t, int64_t>;

// Warm latency at every capacity lo..hi (one-byte granule: both configs have one 1-byte bank).
std::vector<double> dense_scan(const NpGraph *g, const char *config, int64_t lo, int64_t hi) {
  std::vector<double> warm;
  for (int64_t c = lo; c <= hi; c++) {
    std::string set = "sram.capacity_bytes=" + std::to_string(c);
    const char *sets[] = {set.c_str()};
    NpDiag diag;
    np_diag_init(&diag);
    NpArch arch;
    EXPECT_TRUE(np_arch_load_text(config, strlen(config), "<config>", sets, 1, &arch, &diag));
    NpPointMetrics m;
    EXPECT_TRUE(np_point_evaluate(g, &arch, nullptr, &m, nullptr, &diag)) << set;
    np_diag_free(&diag);
    warm.push_back(m.warm_ms);
  }
  return warm;
}

void expect_cliffs_match_the_scan(const char *graph_text, const char *config, int64_t lo, int64_t hi,
                                  double threshold, size_t at_least) {
  GraphPtr g = parse_graph(graph_text);
  std::vector<double> warm = dense_scan(g.get(), config, lo, hi);
  std::set<Step> dense;
  for (size_t i = 0; i + 1 < warm.size(); i++) {
    // the premise: a staircase, more SRAM never slower (docs/lowering.md)
    EXPECT_LE(warm[i + 1], warm[i] * 1.005) << "at " << lo + (int64_t)i + 1;
    double ratio = std::max(warm[i], warm[i + 1]) / std::min(warm[i], warm[i + 1]);
    if (ratio >= threshold) dense.insert({lo + (int64_t)i, lo + (int64_t)i + 1});
  }
  ASSERT_GE(dense.size(), at_least) << "the scan should hold the steps worked out by hand";
  NpCliffSearch s{};
  s.base = NpPointBase{config, strlen(config), "<config>", g.get(), 0, nullptr, nullptr};
  std::string axis = "sram.capacity_bytes=" + std::to_string(lo) + ".." + std::to_string(hi);
  char err[256];
  ASSERT_TRUE(np_axis_range_parse(axis.c_str(), &s.axis, err, sizeof err)) << err;
  s.metric = "warm_ms";
  s.threshold = threshold;
  NpCliff *cliffs = nullptr;
  size_t n = 0;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_cliff_find(&s, &cliffs, &n, &diag));
  np_diag_free(&diag);
  std::set<Step> found;
  for (size_t i = 0; i < n; i++) found.insert({(int64_t)cliffs[i].x_before, (int64_t)cliffs[i].x_after});
  np_cliffs_free(cliffs, n);
  EXPECT_EQ(found, dense);
}

// Steps of 1102 -> 1088 cycles at 1407 -> 1408 (x1.013, the conv's first weight block
// prefetched), 1088 -> 1084 at 1535 -> 1536 (x1.0037, its weights become resident), both
// worked in run_latency_test.cc, and 1082 -> 1078 at 2559 -> 2560 (x1.0037, the pool in 4
// tiles beside them: 1078, same file), all above a threshold of 1.003 with the default 24 samples. The step of 1084 -> 1082
// at 2431 -> 2432 (x1.0018, the weights stream again, prefetched during the pool, so that the
// pool takes 4 tiles 128 B sooner) is below it.
TEST(CliffDense, TheResidencyAndPoolStepsOfThePoolAndConv) {
  expect_cliffs_match_the_scan(kCliffGraph, kTinyArch, 1400, 3000, 1.003, 3);
}

// As the SRAM grows to 13056 B, a's weights become resident (b's stream, prefetched while a
// runs), then both stay with a's input cut into chunks of 16, then 22 input channels, then
// whole: four steps within 12.6-12.8 KiB, between one pair of samples.
TEST(CliffDense, FourStepsBetweenTwoSamplesOfTheTwoConvs) {
  expect_cliffs_match_the_scan(kTwoConvs, kTestConfig, 12288, 14336, 1.04, 4);
}

}  // namespace
