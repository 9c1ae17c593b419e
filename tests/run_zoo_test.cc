// npusim run on every model in models/ with the embedded default config: exit 0, a complete
// report, and a trace the writer accepted (its stall accounting lies inside each record).
#include <algorithm>
#include <filesystem>
#include <vector>

#include "run_support.h"

extern "C" {
#include "trace/trace.h"
}

namespace {

std::vector<std::string> zoo() {
  std::vector<std::string> models;
  for (const char *dir : {"models", "models/micro"})
    for (const auto &entry : std::filesystem::directory_iterator(source_path(dir))) {
      std::string ext = entry.path().extension().string();
      if (ext == ".onnx" || ext == ".npg") models.push_back(std::string(dir) + "/" + entry.path().filename().string());
    }
  std::sort(models.begin(), models.end());
  return models;
}

TEST(RunZoo, EveryModelRunsOnTheDefaultConfig) {
  std::vector<std::string> models = zoo();
  ASSERT_GE(models.size(), 14u);  // ten networks and four micro-benchmarks
  for (const std::string &model : models) {
    std::string trace = scratch_dir() + "/t.npt.zst";
    CliResult r = run_npusim("run " + model + " --json --trace '" + trace + "'");
    ASSERT_EQ(r.exit_code, 0) << model << ": " << r.err;
    JsonPtr j = parse_json(r.out);
    ASSERT_TRUE(j.get()) << model;
    long long cold = jint(j.get(), {"latency", "cold_cycles"}), warm = jint(j.get(), {"latency", "warm_cycles"});
    EXPECT_GT(warm, 0) << model;
    // Warm leaves resident weight LOADs out; with nothing else changed it is never slower.
    EXPECT_LE(warm, cold) << model;
    EXPECT_LE(jint(j.get(), {"sram", "peak_bytes"}), jint(j.get(), {"sram", "capacity_bytes"})) << model;
    // One primary record per command; the built-in config's 16-core array adds a record per
    // core a COMPUTE kept busy, which the per-kind totals do not count again.
    long long commands = jint(j.get(), {"cold", "commands"});
    EXPECT_GE(jint(j.get(), {"trace", "records"}), commands) << model;
    // The trace reads back to its end (count and checksum verified).
    CliResult stats = run_npusim("trace stats '" + trace + "'");
    EXPECT_EQ(stats.exit_code, 0) << model << ": " << stats.err;
    NpDiag diag;
    np_diag_init(&diag);
    NpTraceStats s;
    ASSERT_TRUE(np_trace_stats(trace.c_str(), &s, &diag)) << model;
    np_diag_free(&diag);
    EXPECT_EQ((long long)s.records, jint(j.get(), {"trace", "records"})) << model;
    uint64_t primary = 0;
    for (int k = 0; k < NP_TRACE_KIND_COUNT; k++) primary += s.kinds[k].records;
    EXPECT_EQ((long long)primary, commands) << model;
    np_trace_stats_free(&s);
    // The text report too.
    CliResult text = run_npusim("run " + model);
    EXPECT_EQ(text.exit_code, 0) << model << ": " << text.err;
    EXPECT_NE(text.out.find("latency      cold "), std::string::npos) << model;
  }
}

}  // namespace
