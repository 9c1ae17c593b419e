// Sweep spec parsing: lists, linear and log ranges, zip groups, several base configs, point
// order, and errors at file:line:col. Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "run_support.h"
#include "sweep/sweep.h"

namespace {

struct Parsed {
  NpSweepSpec spec{};
  bool ok = false;
  std::string errors;
  ~Parsed() {
    if (ok) np_sweep_spec_free(&spec);
  }
};

// dir: the folder the spec's paths are taken from ("": as written).
void parse(const std::string &text, const std::string &dir, Parsed *out) {
  NpDiag diag;
  np_diag_init(&diag);
  out->ok = np_sweep_spec_parse(text.data(), text.size(), "spec.yaml", dir.c_str(), &out->spec, &diag);
  for (size_t i = 0; i < diag.count; i++) out->errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}

void parse(const std::string &text, Parsed *out) { parse(text, "", out); }

std::vector<std::string> values(const NpSweepAxis &axis) {
  return std::vector<std::string>(axis.values, axis.values + axis.n_values);
}

std::string point(const NpSweepSpec &s, size_t p) {
  std::vector<const char *> v(s.n_axes);
  size_t m = np_sweep_point(&s, p, v.data());
  std::string text = s.model_labels[m];
  for (const char *x : v) text += std::string(" ") + x;
  return text;
}

TEST(SweepSpec, ListsAndRanges) {
  Parsed p;
  parse(R"(models: [a.npg]
axes:
  sram.capacity_bytes: {log: [512KiB, 4MiB], steps: 4}
  dram.bandwidth_gb_per_s: {range: [8, 32], steps: 4}
  model.channel_scale: {range: [0.25, 1], step: 0.25}
  model.dtype: [int8, fp16]
)", &p);
  ASSERT_TRUE(p.ok) << p.errors;
  ASSERT_EQ(p.spec.n_axes, 4u);
  // 512 KiB x 2^(i) for i = 0..3 (ratio (4 MiB / 512 KiB)^(1/3) = 2).
  EXPECT_EQ(values(p.spec.axes[0]), (std::vector<std::string>{"512KiB", "1MiB", "2MiB", "4MiB"}));
  // 8 + 24 i / 3 = 8, 16, 24, 32.
  EXPECT_EQ(values(p.spec.axes[1]), (std::vector<std::string>{"8", "16", "24", "32"}));
  EXPECT_EQ(values(p.spec.axes[2]), (std::vector<std::string>{"0.25", "0.5", "0.75", "1"}));
  // 4 x 4 x 4 x 2 = 128 points, the last axis fastest.
  EXPECT_EQ(p.spec.n_points, 128u);
  EXPECT_EQ(point(p.spec, 0), "a.npg 512KiB 8 0.25 int8");
  EXPECT_EQ(point(p.spec, 1), "a.npg 512KiB 8 0.25 fp16");
  EXPECT_EQ(point(p.spec, 2), "a.npg 512KiB 8 0.5 int8");
  EXPECT_EQ(point(p.spec, 127), "a.npg 4MiB 32 1 fp16");
}

TEST(SweepSpec, ZipGroupsMoveTogetherAndModelsAreOutermost) {
  Parsed p;
  parse(R"(models: [a.npg, b.npg]
axes:
  sram.capacity_bytes: [1MiB, 2MiB]
  zip:
    - clock_mhz: [500, 1000, 2000]
      dram.bandwidth_gb_per_s: [8, 16, 32]
)", &p);
  ASSERT_TRUE(p.ok) << p.errors;
  // 2 models x 2 sizes x 3 zipped pairs = 12.
  EXPECT_EQ(p.spec.n_points, 12u);
  EXPECT_EQ(point(p.spec, 0), "a.npg 1MiB 500 8");
  EXPECT_EQ(point(p.spec, 1), "a.npg 1MiB 1000 16");
  EXPECT_EQ(point(p.spec, 3), "a.npg 2MiB 500 8");
  EXPECT_EQ(point(p.spec, 6), "b.npg 1MiB 500 8");
  EXPECT_EQ(point(p.spec, 11), "b.npg 2MiB 2000 32");
}

TEST(SweepSpec, LogRangeOfWholeNumbersDropsRepeats) {
  Parsed p;
  // 1 x 4^(i/4): 1, 1.41, 2, 2.83, 4 -> rounded 1, 1, 2, 3, 4 -> 1, 2, 3, 4.
  parse("models: [a.npg]\naxes:\n  engines.ane.rows: {log: [1, 4], steps: 5}\n", &p);
  ASSERT_TRUE(p.ok) << p.errors;
  EXPECT_EQ(values(p.spec.axes[0]), (std::vector<std::string>{"1", "2", "3", "4"}));
}

void expect_error(const std::string &text, const std::string &where, const std::string &what) {
  Parsed p;
  parse(text, &p);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.errors.find("spec.yaml:" + where + ": error:"), std::string::npos) << p.errors;
  EXPECT_NE(p.errors.find(what), std::string::npos) << p.errors;
}

TEST(SweepSpec, BadKeysAndValuesNameLineAndColumn) {
  // An unknown config key: no value of the axis loads; reported at the key (line 3, col 3).
  expect_error("models: [a.npg]\naxes:\n  sram.capcity_bytes: [1MiB]\n", "3:3", "sram.capcity_bytes");
  // An unknown model axis.
  expect_error("models: [a.npg]\naxes:\n  model.width: [1]\n", "3:3", "unknown model axis");
  // A bad what-if value, at the value: "  model.channel_scale: [1, " is 27 characters.
  expect_error("models: [a.npg]\naxes:\n  model.channel_scale: [1, -2]\n", "3:28", "channel scale");
  // The data types are listed from the dtype table, every one of them.
  expect_error("models: [a.npg]\naxes:\n  model.dtype: [int9]\n", "3:17",
               "not a data type (int8, uint8, int16, int32, int64, fp16, bf16, fp32, fp64 or bool)");
  // An unknown top-level key.
  expect_error("models: [a.npg]\naxis:\n  x: [1]\n", "2:1", "unknown key 'axis'");
  // A zip group whose axes differ in length, at the second axis's key.
  expect_error("models: [a.npg]\naxes:\n  zip:\n    - clock_mhz: [1, 2]\n      sram.banks: [4]\n", "5:7",
               "zip group");
  // Ranges: start above end (at "9", column 23); log from 0 (at "0", column 21); steps
  // missing (the mapping is placed at its first key, column 15).
  expect_error("models: [a.npg]\naxes:\n  clock_mhz: {range: [9, 1], steps: 3}\n", "3:23", "above its end");
  expect_error("models: [a.npg]\naxes:\n  clock_mhz: {log: [0, 1], steps: 3}\n", "3:21", "log range");
  expect_error("models: [a.npg]\naxes:\n  clock_mhz: {range: [1, 9]}\n", "3:15", "steps");
  // A YAML syntax error.
  expect_error("models: [a.npg\naxes: {}\n", "3:1", "YAML syntax");
  // A duplicate axis.
  expect_error("models: [a.npg]\naxes:\n  clock_mhz: [1]\n  zip:\n    - clock_mhz: [2]\n", "5:7", "twice");
}


// ---- `configs:` several base configs (a list, or a folder such as configs/devices) ----
// The configs: run_support.h's tiny config and a copy at half the clock with half the DRAM
// bandwidth (the same 8 bytes a cycle), on which the GEMM of kGemmGraph takes the same 500
// cycles warm (run_latency_test.cc): 0.0005 ms at 1000 MHz, 0.001 ms at 500 MHz.

std::string half_clock() {
  std::string arch = kTinyArch;
  arch.replace(arch.find("clock_mhz: 1000"), 15, "clock_mhz: 500");
  arch.replace(arch.find("bandwidth_gb_per_s: 8"), 21, "bandwidth_gb_per_s: 4");
  arch.replace(arch.find("name: tiny"), 10, "name: half");
  return arch;
}

// A folder "devs" with the two configs (and a file that is not one) next to the model.
std::string scratch_with_devices() {
  std::string dir = scratch_dir();
  std::filesystem::create_directories(dir + "/devs");
  write_scratch("devs/b-tiny.yaml", kTinyArch);
  write_scratch("devs/a-half.yml", half_clock());
  write_scratch("devs/README", "not a config");
  write_scratch("g.npg", kGemmGraph);
  return dir;
}

TEST(SweepConfigs, AFolderIsADimensionAfterTheModel) {
  std::string dir = scratch_with_devices();
  Parsed p;
  parse("configs: devs\nmodels: [g.npg, g.npg]\naxes:\n  sram.banks: [1, 2, 4]\n", dir, &p);
  ASSERT_TRUE(p.ok) << p.errors;
  // The folder's two configs in name order (a-half.yml before b-tiny.yaml; README left out).
  ASSERT_EQ(p.spec.n_configs, 2u);
  EXPECT_EQ(std::filesystem::path(p.spec.configs[0].path).filename(), "a-half.yml");
  EXPECT_EQ(std::filesystem::path(p.spec.configs[1].path).filename(), "b-tiny.yaml");
  // 2 models x 2 configs x 3 values = 12 points; point 4 is model 0, config 1, value 1 (4 = 1 x 3 + 1),
  // point 7 model 1, config 0, value 1 (7 = 6 + 1).
  EXPECT_EQ(p.spec.n_points, 12u);
  const char *v[1];
  EXPECT_EQ(np_sweep_point(&p.spec, 4, v), 0u);
  EXPECT_EQ(np_sweep_point_config(&p.spec, 4), 1u);
  EXPECT_STREQ(v[0], "2");
  EXPECT_EQ(np_sweep_point(&p.spec, 7, v), 1u);
  EXPECT_EQ(np_sweep_point_config(&p.spec, 7), 0u);
  EXPECT_STREQ(v[0], "2");
}

TEST(SweepConfigs, AListOfFiles) {
  std::string dir = scratch_with_devices();
  Parsed p;
  parse("configs: [devs/b-tiny.yaml, devs/a-half.yml]\nmodel: g.npg\naxes:\n  sram.banks: [1]\n", dir, &p);
  ASSERT_TRUE(p.ok) << p.errors;
  ASSERT_EQ(p.spec.n_configs, 2u);  // in the order written
  EXPECT_EQ(std::filesystem::path(p.spec.configs[0].path).filename(), "b-tiny.yaml");
  EXPECT_EQ(p.spec.n_points, 2u);
}

TEST(SweepConfigs, ErrorsNameTheSpecLineAndColumn) {
  std::string dir = scratch_with_devices();
  struct Case {
    const char *spec, *error;
  };
  const Case cases[] = {
      // Line 2: "configs: [devs/none.yaml]"; the item starts at column 11.
      {"model: g.npg\nconfigs: [devs/none.yaml]\naxes: {sram.banks: [1]}\n", "spec.yaml:2:11: error: "},
      {"model: g.npg\nconfigs: devs/README\naxes: {sram.banks: [1]}\n", "spec.yaml:2:10: error: "},
      // An empty flow list has no position in libfyaml's tree: the message names the spec only.
      {"model: g.npg\nconfigs: []\naxes: {sram.banks: [1]}\n", "error: `configs` is a folder of configs or a list"},
      // Line 3 col 1: the second of `config` and `configs`.
      {"model: g.npg\nconfig: devs/b-tiny.yaml\nconfigs: devs\naxes: {sram.banks: [1]}\n",
       "spec.yaml:3:1: error: give `config` or `configs`, not both"},
  };
  for (const Case &c : cases) {
    Parsed p;
    parse(c.spec, dir, &p);
    EXPECT_FALSE(p.ok) << c.spec;
    EXPECT_NE(p.errors.find(c.error), std::string::npos) << c.spec << "\n" << p.errors;
  }
  // A folder without configs.
  std::filesystem::create_directories(dir + "/empty");
  Parsed p;
  parse("model: g.npg\nconfigs: empty\naxes: {sram.banks: [1]}\n", dir, &p);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.errors.find("no configs (*.yaml, *.yml) in this folder"), std::string::npos) << p.errors;
}

TEST(SweepConfigs, RowsNameTheirConfigFileAndRunOnIt) {
  std::string dir = scratch_with_devices();
  std::string spec = write_scratch("s.yaml", "configs: devs\nmodel: g.npg\naxes:\n  sram.banks: [1]\n");
  CliResult r = run_npusim("sweep '" + spec + "' --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> rows = split_text(r.out, '\n');
  ASSERT_EQ(rows.size(), 3u) << r.out;
  std::vector<std::string> header = split_text(rows[0], ',');
  ASSERT_GE(header.size(), 4u);
  EXPECT_EQ(header[3], "config_file");
  auto col = [&header](const std::string &name) {
    for (size_t i = 0; i < header.size(); i++)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  std::vector<std::string> half = split_text(rows[1], ','), tiny = split_text(rows[2], ',');
  EXPECT_EQ(half[col("config_file")], dir + "/devs/a-half.yml");
  EXPECT_EQ(half[col("config")], "half");
  EXPECT_DOUBLE_EQ(std::stod(half[col("warm_ms")]), 500 / 500e3);
  EXPECT_EQ(tiny[col("config")], "tiny");
  EXPECT_DOUBLE_EQ(std::stod(tiny[col("warm_ms")]), 500 / 1e6);
  // A spec with one `config:` keeps the columns it always had.
  std::string one = write_scratch("one.yaml", "config: devs/b-tiny.yaml\nmodel: g.npg\naxes:\n  sram.banks: [1]\n");
  r = run_npusim("sweep '" + one + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("config_file"), std::string::npos) << r.out;
}

TEST(SweepConfigs, AnAxisOneConfigLacksIsARowNotASpecError) {
  // engines.npu.rows exists on both; a config without the npu engine would give bad_config rows.
  std::string dir = scratch_with_devices();
  std::string cpu_only = std::string(kTinyArch);
  size_t start = cpu_only.find("  - name: npu"), end = cpu_only.find("  - name: cpu");
  cpu_only.erase(start, end - start);
  write_scratch("devs/c-cpu.yaml", cpu_only);
  std::string spec = write_scratch("s.yaml", "configs: devs\nmodel: g.npg\naxes:\n  engines.npu.rows: [4]\n");
  CliResult r = run_npusim("sweep '" + spec + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> rows = split_text(r.out, '\n');
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_NE(rows[3].find(",bad_config,"), std::string::npos) << rows[3];
  EXPECT_NE(rows[1].find(",ok,"), std::string::npos) << rows[1];
}

TEST(SweepConfigs, TheShippedDeviceSweepChecks) {
  // configs/sweeps/devices-mobilenet.yaml: the 7 device configs x 3 weight widths = 21 points.
  CliResult r = run_npusim("sweep configs/sweeps/devices-mobilenet.yaml --check");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (21 points: 1 model x 7 configs x 3 model.weight_bits"), std::string::npos) << r.out;
}

}  // namespace
