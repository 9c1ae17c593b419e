// The launch: uncached, cached and warm (docs/timing.md, "Cold start"), and compressed
// weights on the run's figures, worked out by hand on the tiny config (run_support.h).
#include <cmath>
#include <string>

#include "run_support.h"

namespace {

// 1 GB/s of flash, 1 ms per program and 10 us per compiled op (assumptions, all).
const std::string kLaunch = R"(cold_start:
  storage_read: {gb_per_s: 1, source: assumption}
  compile_per_program: {us: 1000, source: assumption}
  compile_per_op: {us: 10, source: assumption}
)";

TEST(RunLaunch, UncachedIsFlashReadPlusCompilePlusTheColdInference) {
  JsonPtr j = run_json(kGemmGraph, std::string(kTinyArch) + kLaunch);
  ASSERT_TRUE(j.get());
  double cold_ms = jnum(j.get(), {"latency", "cold_ms"}), warm_ms = jnum(j.get(), {"latency", "warm_ms"});
  // The 16x16 int8 GEMM has 256 weight bytes: read in 256 / (1 GB/s x 1e6) = 0.000256 ms.
  EXPECT_EQ(jint(j.get(), {"cold_start", "flash_bytes"}), 256);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "read_ms"}), 0.000256);
  // One op: compile = (1000 + 1 x 10) us = 1.01 ms.
  EXPECT_EQ(jint(j.get(), {"cold_start", "compiled_ops"}), 1);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "compile_ms"}), 1.01);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "uncached_ms"}), 0.000256 + 1.01 + cold_ms);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "cached_ms"}), 0.000256 + cold_ms);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "warm_ms"}), warm_ms);
  // Without --prewarm the first request is the uncached launch.
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "first_request_ms"}), 0.000256 + 1.01 + cold_ms);
  EXPECT_EQ(json_array_size(at(j.get(), {"cold_start", "missing"})), 0u);
}

TEST(RunLaunch, PrewarmLeavesTheColdInferenceForTheFirstRequest) {
  JsonPtr j = run_json(kGemmGraph, std::string(kTinyArch) + kLaunch, "--prewarm");
  ASSERT_TRUE(j.get());
  EXPECT_TRUE(json_is_true(at(j.get(), {"cold_start", "prewarm"})));
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "first_request_ms"}), jnum(j.get(), {"latency", "cold_ms"}));
}

TEST(RunLaunch, FusedOpsAreCompiledAndCompressedWeightsReadLess) {
  // conv + relu (fused): 2 ops compile in (1000 + 2 x 10) us = 1.02 ms. The 256 int8 weights
  // at 4 bits are ceil(256 x 4 / 8) + 2^4 x 1 = 144 bytes on flash.
  JsonPtr j = run_json(R"(graph cr
input x int8 1x8x8x16
conv c x -> y out=16 kernel=1 bias=no
relu r y -> z
output z
)",
                       std::string(kTinyArch) + kLaunch, "--weight-bits 4");
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"cold_start", "compiled_ops"}), 2);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "compile_ms"}), 1.02);
  EXPECT_EQ(jint(j.get(), {"cold_start", "flash_bytes"}), 144);
  EXPECT_EQ(jint(j.get(), {"weight_bits"}), 4);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "weight_bits"}), 4);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "weight_bytes"}), 144);
}

TEST(RunLaunch, AConfigWithoutColdStartNamesWhatIsMissing) {
  JsonPtr j = run_json(kGemmGraph, kTinyArch);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(json_array_size(at(j.get(), {"cold_start", "missing"})), 3u);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "uncached_ms"}), jnum(j.get(), {"latency", "cold_ms"}));
}

TEST(RunLaunch, BadColdStartFiguresAreConfigErrors) {
  CliResult r = run_on(kGemmGraph, std::string(kTinyArch) + "cold_start:\n  storage_read: {gb_per_s: 0, source: x}\n", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("arch.yaml:33:18: error: cold_start.storage_read: must be above 0 GB/s"), std::string::npos)
      << r.err;
  r = run_on(kGemmGraph, std::string(kTinyArch) + "cold_start:\n  compile_per_op: {us: 5}\n", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("source"), std::string::npos) << r.err;
}

TEST(RunLaunch, ABadWeightWidthIsAUsageError) {
  CliResult r = run_on(kGemmGraph, kTinyArch, "--weight-bits 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--weight-bits: weight bits '5': expected 8, 6, 4 or 2, or dtype"), std::string::npos) << r.err;
}

}  // namespace
