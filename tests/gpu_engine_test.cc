// The gpu engine kind (docs/timing.md, "GPU"): its cycles, its kernel compile in the uncached
// launch, placement in the config's order with reasons, and its bad input. Every expected
// number is worked out by hand from the formulas in docs/timing.md.
#include <string>

#include "run_support.h"

namespace {

// The tiny config (run_support.h) with a gpu engine after its cpu, so that only `placement`
// puts the gpu first, and a launch's costs (assumptions, all).
std::string gpu_arch(const std::string &gpu_extra, const std::string &placement) {
  std::string arch = kTinyArch;
  size_t at = arch.find("sram:\n");
  arch.insert(at, "  - name: gpu\n    kind: gpu\n" + gpu_extra + placement);
  return arch + R"(cold_start:
  storage_read: {gb_per_s: 1, source: assumption}
  compile_per_program: {us: 1000, source: assumption}
  compile_per_op: {us: 10, source: assumption}
  compile_per_kernel: {us: 500, source: assumption}
)";
}

const std::string kGpu = "    lanes: 8\n    macs_per_cycle: 32\n    rules: {ops: [Sigmoid, Tanh, Gemm]}\n";
const std::string kOrder = "placement: [npu, gpu, cpu]\n";

// Two sigmoids of one shape (one kernel), a tanh (a second kernel), and a relu that neither
// the npu nor the gpu takes.
const char *kChain = R"(graph chain
input x int8 16x16
sigmoid a x -> y
sigmoid b y -> z
tanh c z -> w
relu r w -> v
output v
)";

TEST(GpuEngine, PlacementFollowsTheConfigsOrderWithReasons) {
  JsonPtr j = run_json(kChain, gpu_arch(kGpu, kOrder));
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"layers", "0", "engine"}), "gpu");
  EXPECT_EQ(jstr(j.get(), {"layers", "1", "engine"}), "gpu");
  EXPECT_EQ(jstr(j.get(), {"layers", "2", "engine"}), "gpu");
  EXPECT_EQ(jstr(j.get(), {"layers", "3", "engine"}), "cpu");
  EXPECT_EQ(jstr(j.get(), {"layers", "0", "fallback_reason"}),
            "Sigmoid 'a': Sigmoid is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]");
  // The cpu's reason names the accelerator's refusal, then the gpu's.
  EXPECT_EQ(jstr(j.get(), {"layers", "3", "fallback_reason"}),
            "Relu 'r': Relu is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]; Relu is not in "
            "engines.gpu.rules.ops [Sigmoid, Tanh, Gemm]");
  // GPU ops are off the accelerator, as CPU ops are: all four count.
  EXPECT_EQ(jint(j.get(), {"fallback_ops"}), 4);
  EXPECT_FALSE(json_is_true(at(j.get(), {"layers", "0", "on_accelerator"})));
}

TEST(GpuEngine, WithoutPlacementTheFileOrderPutsTheCpuFirst) {
  JsonPtr j = run_json(kChain, gpu_arch(kGpu, ""));
  ASSERT_TRUE(j.get());
  for (const char *layer : {"0", "1", "2", "3"}) EXPECT_EQ(jstr(j.get(), {"layers", layer, "engine"}), "cpu");
}

TEST(GpuEngine, ElementCyclesAreElementsOverLanesTimesRate) {
  JsonPtr j = run_json(kChain, gpu_arch(kGpu, kOrder));
  ASSERT_TRUE(j.get());
  // 16 x 16 = 256 elements: ceil(256 / (8 lanes x rate 1)) = 32 cycles on the gpu, and
  // ceil(256 / 4) = 64 on the cpu.
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "compute_cycles"}), 32);
  EXPECT_EQ(jint(j.get(), {"layers", "2", "warm", "compute_cycles"}), 32);
  EXPECT_EQ(jint(j.get(), {"layers", "3", "warm", "compute_cycles"}), 64);
  // throughput.transcendental: 2 and int8 at rate 4: ceil(256 / (2 x 4)) = 32 cycles;
  // 3 per cycle: ceil(256 / 3) = 86.
  JsonPtr k = run_json(kChain, gpu_arch(kGpu + "    dtypes: {int8: 4}\n    throughput: {transcendental: 2}\n", kOrder));
  ASSERT_TRUE(k.get());
  EXPECT_EQ(jint(k.get(), {"layers", "0", "warm", "compute_cycles"}), 32);
  JsonPtr m = run_json(kChain, gpu_arch(kGpu + "    throughput: {transcendental: 3}\n", kOrder));
  ASSERT_TRUE(m.get());
  EXPECT_EQ(jint(m.get(), {"layers", "0", "warm", "compute_cycles"}), 86);
}

TEST(GpuEngine, MatrixCyclesAreMacsOverMacsPerCycle) {
  // placement [gpu, cpu] leaves the npu out: the 16x16x16 GEMM's 4096 MACs take
  // ceil(4096 / 32) = 128 cycles on the gpu.
  JsonPtr j = run_json(kGemmGraph, gpu_arch(kGpu, "placement: [gpu, cpu]\n"));
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"layers", "0", "engine"}), "gpu");
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "compute_cycles"}), 128);
  EXPECT_EQ(jstr(j.get(), {"layers", "0", "fallback_reason"}), "Gemm 'fc': engines.npu is not in placement");
}

TEST(GpuEngine, EachDistinctKernelCompilesOnceInTheUncachedLaunchOnly) {
  JsonPtr j = run_json(kChain, gpu_arch(kGpu, kOrder));
  ASSERT_TRUE(j.get());
  // a and b are one kernel (Sigmoid on int8 16x16), c another; r is on the cpu.
  EXPECT_EQ(jint(j.get(), {"cold_start", "compiled_kernels"}), 2);
  // 4 ops: compile = (1000 + 4 x 10 + 2 x 500) us = 2.04 ms; no weights to read.
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "compile_ms"}), 2.04);
  double cold_ms = jnum(j.get(), {"latency", "cold_ms"}), warm_ms = jnum(j.get(), {"latency", "warm_ms"});
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "uncached_ms"}), 2.04 + cold_ms);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "cached_ms"}), cold_ms);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"cold_start", "warm_ms"}), warm_ms);
  // On the cpu alone nothing compiles kernels: (1000 + 4 x 10) us.
  JsonPtr k = run_json(kChain, gpu_arch(kGpu, ""));
  ASSERT_TRUE(k.get());
  EXPECT_EQ(jint(k.get(), {"cold_start", "compiled_kernels"}), 0);
  EXPECT_DOUBLE_EQ(jnum(k.get(), {"cold_start", "compile_ms"}), 1.04);
}

TEST(GpuEngine, TheConfigWritesBackWithItsPlacement) {
  CliResult r = run_on(kChain, gpu_arch(kGpu, kOrder), "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CliResult show = run_npusim("config show --config '" + write_scratch("arch.yaml", gpu_arch(kGpu, kOrder)) + "'");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("    kind: gpu\n    lanes: 8\n    macs_per_cycle: 32\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("placement: [npu, gpu, cpu]\n"), std::string::npos) << show.out;
}

// The GPU's elements at gpu_element, the CPU's at element: the three 256-element GPU ops
// take 768 x 2 pJ = 1536 pJ, the CPU's Relu 256 x 0.5 pJ = 128 pJ; 1664 pJ = 0.001664 uJ.
// Priced at the shared table alone the GPU's would be 768 x 0.5 = 384 pJ.
const std::string kGpuEnergy = R"(energy:
  element:
    int8: {pj: 0.5, source: assumption, node_nm: 7}
  gpu_element:
    int8: {pj: 2, source: assumption, node_nm: 7}
)";

TEST(GpuEngine, ItsWorkIsPricedAtTheGpusEnergyTable) {
  JsonPtr j = run_json(kChain, gpu_arch(kGpu, kOrder) + kGpuEnergy);
  ASSERT_TRUE(j.get());
  EXPECT_NEAR(jnum(j.get(), {"warm", "energy", "vector_uj"}), 1664e-6, 1e-15);
  // Without gpu_element the GPU's elements count 0 and the run names the figure.
  JsonPtr k = run_json(kChain, gpu_arch(kGpu, kOrder) + "energy:\n  element:\n    int8: {pj: 0.5, source: a, node_nm: 7}\n");
  ASSERT_TRUE(k.get());
  EXPECT_NEAR(jnum(k.get(), {"warm", "energy", "vector_uj"}), 128e-6, 1e-15);
  EXPECT_EQ(jstr(k.get(), {"energy_missing", "0"}), "gpu_element.int8");
  CliResult show = run_npusim("config show --config '" + write_scratch("arch.yaml", gpu_arch(kGpu, kOrder) + kGpuEnergy) + "'");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("  gpu_element:\n    int8: {pj: 2, source: \"assumption\", node_nm: 7}\n"), std::string::npos)
      << show.out;
}

void expect_config_error(const std::string &gpu, const std::string &placement, const std::string &message) {
  CliResult r = run_on(kChain, gpu_arch(gpu, placement), "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
}

TEST(GpuEngine, BadThroughputsAndPlacementsAreRefusedByKey) {
  expect_config_error("    lanes: 0\n    macs_per_cycle: 32\n", kOrder, "engines.gpu.lanes: must be at least 1, got 0");
  expect_config_error("    lanes: 8\n    macs_per_cycle: -4\n", kOrder,
                      "engines.gpu.macs_per_cycle: must be at least 1, got -4");
  expect_config_error("    lanes: 8\n", kOrder, "macs_per_cycle");
  expect_config_error(kGpu + "    throughput: {matrix: 0}\n", kOrder, "engines.gpu.throughput.matrix");
  expect_config_error(kGpu, "placement: [npu, gpx, cpu]\n", "placement: unknown engine or kind 'gpx'; did you mean 'gpu'?");
  expect_config_error(kGpu, "placement: [npu, gpu]\n", "placement: names no cpu engine");
  expect_config_error(kGpu, "placement: [npu, gpu, npu, cpu]\n", "placement: engine 'npu' is listed twice");
  expect_config_error(kGpu, "placement: [vector, cpu]\n", "placement: no engine of kind vector in engines");
}

}  // namespace
