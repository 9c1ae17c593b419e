// The model against the committed golden RTL traces (traces/, made by tools/rtl_golden with
// the Verilator harness): runs without Verilator. For every benchmark of
// traces/rtl_golden.manifest, the replay of traces/NAME.schedule.json must match
// traces/NAME.rtl.npt.zst: cycle for cycle for the micro-benchmarks (tolerance 0), within 2%
// per layer and 1% in total for the DS-CNN (the bar; docs/validation.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "../rtl/harness/model_trace.h"
#include "support/files.h"

extern "C" {
#include "util/file.h"
}

namespace {

struct Bench {
  std::string name, input;
  double tol = 0;
  std::vector<std::string> sets;
};

std::vector<Bench> manifest() {
  std::vector<Bench> out;
  std::istringstream in(read_file(source_path("traces/rtl_golden.manifest")));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    Bench b;
    f >> b.name >> b.input >> b.tol;
    std::string w;
    while (f >> w)
      if (w != "--set") b.sets.push_back(w);
    out.push_back(b);
  }
  return out;
}

TEST(RtlGolden, ManifestListsEveryMicroBenchmark) {
  std::vector<std::string> names;
  for (auto &b : manifest()) names.push_back(b.name);
  for (const char *want : {"dma_single", "dma_concurrent", "dma_outstanding", "bank_conflict", "sync", "gemm_ws",
                           "gemm_os", "ds_cnn_kws"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

class RtlGoldenBench : public ::testing::TestWithParam<Bench> {};

TEST_P(RtlGoldenBench, ModelMatchesRtlTrace) {
  const Bench &b = GetParam();
  NpDiag diag;
  np_diag_init(&diag);
  std::vector<const char *> sets;
  for (auto &s : b.sets) sets.push_back(s.c_str());
  NpArch arch;
  ASSERT_TRUE(np_arch_load_file(source_path("configs/rtl-small.yaml").c_str(), sets.data(), sets.size(), &arch, &diag))
      << (diag.count ? diag.messages[0] : "");
  std::string schedule_path = source_path("traces/" + b.name + ".schedule.json");
  size_t len = 0;
  char *text = np_read_file(schedule_path.c_str(), 1 << 26, "schedule", &len, &diag);
  ASSERT_NE(text, nullptr) << (diag.count ? diag.messages[0] : "");
  NpSchedule schedule;
  bool ok = np_schedule_from_json(text, len, schedule_path.c_str(), &schedule, &diag);
  free(text);
  ASSERT_TRUE(ok) << (diag.count ? diag.messages[0] : "");
  std::string model_trace = scratch_dir() + "/" + b.name + ".model.npt.zst";
  ok = np_rtl_write_model_trace(&schedule, &arch, model_trace.c_str(), nullptr, &diag);
  size_t n_cmds = schedule.n_cmds;
  np_schedule_free(&schedule);
  ASSERT_TRUE(ok) << (diag.count ? diag.messages[0] : "");

  NpTraceDiff d;
  NpTraceDiffOptions opt{0, b.tol};
  std::string golden = source_path("traces/" + b.name + ".rtl.npt.zst");
  ASSERT_TRUE(np_trace_diff(model_trace.c_str(), golden.c_str(), &opt, &d, &diag))
      << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  EXPECT_EQ(d.b_header.source, NP_TRACE_SOURCE_RTL);
  EXPECT_EQ(d.n_commands, n_cmds);
  EXPECT_TRUE(d.agree) << b.name << ": " << d.n_outside << " commands outside tolerance, " << d.n_only_a
                       << " only in the model, " << d.n_only_b << " only in the RTL trace";
  uint64_t a_total = 0, b_total = 0;
  for (size_t i = 0; i < d.n_commands; i++) {
    a_total = std::max(a_total, d.commands[i].a_end);
    b_total = std::max(b_total, d.commands[i].b_end);
  }
  if (b.tol == 0) {
    EXPECT_EQ(a_total, b_total);
  } else {
    for (size_t i = 0; i < d.n_layers; i++)
      EXPECT_LE(std::fabs(d.layers[i].rel), 0.02) << "layer " << d.layers[i].layer;
    ASSERT_GT(a_total, 0u);
    EXPECT_LE(std::fabs(((double)b_total - (double)a_total) / (double)a_total), 0.01);
  }
  np_trace_diff_free(&d);
}

INSTANTIATE_TEST_SUITE_P(Traces, RtlGoldenBench, ::testing::ValuesIn(manifest()),
                         [](const ::testing::TestParamInfo<Bench> &info) { return info.param.name; });

}  // namespace
