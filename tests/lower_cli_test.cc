// npusim schedule: runs on every model in models/ with the default config and with 256 KiB
// and 64 MiB of SRAM; JSON is deterministic; bad usage exits 2.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"

namespace {

bool ends_with(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::string> models() {
  std::vector<std::string> out;
  for (const char *dir : {"models", "models/micro"}) {
    DIR *d = opendir(source_path(dir).c_str());
    if (!d) continue;
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (ends_with(name, ".onnx") || ends_with(name, ".npg")) out.push_back(std::string(dir) + "/" + name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LowerCli, EveryModelOnThreeSramSizes) {
  std::vector<std::string> all = models();
  ASSERT_GE(all.size(), 10u);
  for (const std::string &m : all)
    for (const char *set : {"", " --set sram.capacity_bytes=256KiB", " --set sram.capacity_bytes=64MiB"}) {
      CliResult r = run_npusim("schedule " + m + set + " --commands 5");
      EXPECT_EQ(r.exit_code, 0) << m << set << "\n" << r.err;
      EXPECT_NE(r.out.find("SRAM peak"), std::string::npos) << m << set;
      EXPECT_EQ(r.err, "") << m << set;
    }
}

TEST(LowerCli, JsonIsDeterministic) {
  CliResult a = run_npusim("schedule models/micro/chain.npg --json --warm");
  CliResult b = run_npusim("schedule models/micro/chain.npg --json --warm");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.rfind("{\"schema\":\"npusim.schedule/1\"", 0), 0u);
  EXPECT_NE(a.out.find("\"warm\":true"), std::string::npos);
}

TEST(LowerCli, BadUsageExitsTwo) {
  EXPECT_EQ(run_npusim("schedule").exit_code, 2);
  EXPECT_EQ(run_npusim("schedule models/micro/chain.npg --bogus").exit_code, 2);
  CliResult r = run_npusim("schedule models/micro/chain.npg --dtype int4");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dtype int4"), std::string::npos);
  EXPECT_EQ(run_npusim("schedule models/micro/chain.npg --commands many").exit_code, 2);
  EXPECT_EQ(run_npusim("schedule models/none.onnx").exit_code, 2);
  EXPECT_EQ(run_npusim("schedule models/micro/chain.npg --set sram.capacity_bytes=-1").exit_code, 2);
}

TEST(LowerCli, TextListsFallbacksWithReasons) {
  CliResult r = run_npusim("schedule models/ds_cnn_kws.onnx --commands all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kernel height 25 exceeds engines.planar.rules.max_kernel_h 13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fused: Relu"), std::string::npos);
}

}  // namespace
