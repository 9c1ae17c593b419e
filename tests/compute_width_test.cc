// compute_width (docs/timing.md, "Compressed weights"): a mac_array that computes at its
// weights' width runs an 8-bit weight's matrix op at its int8 rate; otherwise weights expand
// to the op's type. Cycles worked by hand from the ws formula (docs/timing.md, "MAC array").
#include <string>

#include "run_support.h"

namespace {

std::string replaced(std::string text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The tiny config in fp16, its npu computing int8 at twice the fp16 rate (as the A17 Pro's
// neural engine is quoted), with compute_width given by `width`.
std::string width_arch(const std::string &width) {
  std::string arch = replaced(kTinyArch, "data_types: {int8: 1, int32: 4}\ndefault_dtype: int8",
                              "data_types: {int8: 1, fp16: 2}\ndefault_dtype: fp16");
  return replaced(arch, "    dtypes: {int8: 1}\n", "    dtypes: {fp16: 1, int8: 2}\n" + width);
}

const char *kFp16Gemm = R"(graph g
input x fp16 16x16
gemm fc x -> y n=16 bias=no
output y
)";

long long compute_cycles(const std::string &arch, const std::string &options) {
  JsonPtr j = run_json(kFp16Gemm, arch, options);
  if (!j.get()) return -1;
  EXPECT_EQ(jint(j.get(), {"layers", "0", "n_tiles"}), 1);
  return jint(j.get(), {"layers", "0", "warm", "compute_cycles"});
}

// The 16x16x16 GEMM on the 4x4 ws array: ceil(16/4) x ceil(16/4) = 16 folds of
// 2 x 4 + 4 + 16 - 2 = 26 cycles = 416 base cycles. At the fp16 rate 1: 416; at int8's 2:
// ceil(416 / 2) = 208.
TEST(ComputeWidth, EightBitWeightsComputeInInt8OnlyWhenTheEngineSaysSo) {
  EXPECT_EQ(compute_cycles(width_arch(""), ""), 416);
  // Weight-only int8 on an engine that expands weights to fp16: still 416.
  EXPECT_EQ(compute_cycles(width_arch(""), "--weight-bits 8"), 416);
  EXPECT_EQ(compute_cycles(width_arch("    compute_width: dtype\n"), "--weight-bits 8"), 416);
  // The same weights on an engine that computes at their width: int8, 208.
  EXPECT_EQ(compute_cycles(width_arch("    compute_width: weight_bits\n"), "--weight-bits 8"), 208);
  // fp16 weights, or 4-bit palettized ones (looked up to fp16): 416.
  EXPECT_EQ(compute_cycles(width_arch("    compute_width: weight_bits\n"), ""), 416);
  EXPECT_EQ(compute_cycles(width_arch("    compute_width: weight_bits\n"), "--weight-bits 4"), 416);
}

TEST(ComputeWidth, TheKeyIsAMacArraysAndWritesBack) {
  std::string arch = width_arch("    compute_width: weight_bits\n");
  CliResult show = run_npusim("config show --config '" + write_scratch("arch.yaml", arch) + "'");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("    compute_width: weight_bits\n"), std::string::npos) << show.out;
  CliResult bad = run_on(kFp16Gemm, width_arch("    compute_width: weights\n"), "");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("engines.npu.compute_width"), std::string::npos) << bad.err;
  CliResult cpu = run_on(kFp16Gemm, replaced(kTinyArch, "    lanes: 4\n", "    lanes: 4\n    compute_width: dtype\n"), "");
  EXPECT_EQ(cpu.exit_code, 2);
  EXPECT_NE(cpu.err.find("engines.cpu.compute_width: applies only to mac_array engines"), std::string::npos) << cpu.err;
}

}  // namespace
