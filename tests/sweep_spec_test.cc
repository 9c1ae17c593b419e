// Sweep spec parsing: lists, linear and log ranges, zip groups, point order, and errors at
// file:line:col. Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

void parse(const std::string &text, Parsed *out) {
  NpDiag diag;
  np_diag_init(&diag);
  out->ok = np_sweep_spec_parse(text.data(), text.size(), "spec.yaml", "", &out->spec, &diag);
  for (size_t i = 0; i < diag.count; i++) out->errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}

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

}  // namespace
