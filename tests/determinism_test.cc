// Determinism on the whole zoo (issue 9): the same inputs give byte-identical reports, JSON,
// CSV and traces across runs, and byte-identical sweep results whatever the thread count.
// Nothing here is compared with a stored output: each figure is compared with itself, run
// again, which is what determinism means.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"

namespace {

std::vector<std::string> zoo() {
  std::vector<std::string> models;
  for (const char *dir : {"models", "models/micro"}) {
    for (const auto &entry : std::filesystem::directory_iterator(source_path(dir))) {
      std::string ext = entry.path().extension().string();
      if (ext == ".onnx" || ext == ".npg") models.push_back(std::string(dir) + "/" + entry.path().filename().string());
    }
  }
  std::sort(models.begin(), models.end());
  return models;
}

TEST(Determinism, EveryZooModelGivesTheSameBytesTwice) {
  std::vector<std::string> models = zoo();
  ASSERT_GE(models.size(), 14u);  // ten ONNX networks and four text graphs
  for (const std::string &model : models) {
    for (const char *format : {"", " --json", " --csv --per-layer"}) {
      CliResult a = run_npusim("run " + model + format);
      CliResult b = run_npusim("run " + model + format);
      ASSERT_EQ(a.exit_code, 0) << model << format << ": " << a.err;
      EXPECT_EQ(a.out, b.out) << model << format;
    }
    std::string ta = scratch_dir() + "/a.npt.zst", tb = scratch_dir() + "/b.npt.zst";
    ASSERT_EQ(run_npusim("run " + model + " --trace " + ta + " --json").exit_code, 0) << model;
    ASSERT_EQ(run_npusim("run " + model + " --trace " + tb + " --json").exit_code, 0) << model;
    std::string trace_a = read_file(ta);
    EXPECT_FALSE(trace_a.empty()) << model;
    EXPECT_EQ(trace_a, read_file(tb)) << model << ": traces differ";
  }
}

TEST(Determinism, ASweepOverTheZooIsTheSameWhateverTheThreadCount) {
  std::string spec = "models: [";
  std::vector<std::string> models = zoo();
  for (size_t i = 0; i < models.size(); i++) spec += (i ? ", " : "") + source_path(models[i]);
  spec += "]\naxes:\n  sram.capacity_bytes: [1MiB, 4MiB]\n";
  std::string path = write_scratch("zoo.yaml", spec);
  std::string one = scratch_dir() + "/one.csv", two = scratch_dir() + "/two.csv";
  CliResult a = run_npusim("sweep " + path + " --jobs 1 -o " + one);
  CliResult b = run_npusim("sweep " + path + " --jobs 2 -o " + two);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::string rows = read_file(one);
  // A header and one row per point: every model at two SRAM sizes.
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), static_cast<long>(1 + 2 * models.size()));
  EXPECT_EQ(rows, read_file(two));
}

}  // namespace
