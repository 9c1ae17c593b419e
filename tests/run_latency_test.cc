// Whole runs through `npusim run --json`, latencies worked by hand from docs/timing.md and the
// lowering rules of docs/lowering.md on the tiny config of run_support.h.
#include "run_support.h"

namespace {

// Cold vs warm with resident weights. The GEMM's weights (256 B) and activations fit in
// 64 KiB: everything is resident, one tile (lowering.md, "Residency" and "Tiling").
// Cold schedule: LOAD weights -> LOAD input (a LOAD waits for the previous LOAD of its
// layer) -> COMPUTE -> STORE. Warm: the same without the weight LOAD.
//   LOAD 256 B = 4 bursts alone: 10 + 4 x 8 = 42 cycles (SRAM work 256 / 16 = 16 < 42).
//   COMPUTE ws on 4x4, M = 16 rows, K = 16, N = 16: folds ceil(16/4) x ceil(16/4) = 16,
//   each 2R + C + M - 2 = 8 + 4 + 16 - 2 = 26 cycles: 416 cycles (SRAM work: reads 256 input
//   + 256 weights, writes 256 output = 768 B / 16 = 48 < 416).
//   STORE 256 B: 42 cycles.
// Cold: 42 + 42 + 416 + 42 = 542 cycles; warm: 42 + 416 + 42 = 500 cycles.
TEST(RunLatency, ColdAndWarmWithResidentWeights) {
  JsonPtr j = run_json(kGemmGraph, kTinyArch);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"latency", "cold_cycles"}), 542);
  EXPECT_EQ(jint(j.get(), {"latency", "warm_cycles"}), 500);
  // 1 GHz: 542 cycles = 542 ns = 0.000542 ms.
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"latency", "cold_ms"}), 542 / 1e6);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"latency", "warm_ms"}), 500 / 1e6);
  // Warm inferences back to back: 1 s / 500 ns = 2,000,000 per second.
  EXPECT_NEAR(jnum(j.get(), {"throughput_per_s"}), 2e6, 1e-6);
  EXPECT_EQ(jint(j.get(), {"sram", "resident_weight_bytes"}), 256);
  // Weights, input and output each in SRAM at once: 768 B peak of 65536.
  EXPECT_EQ(jint(j.get(), {"sram", "peak_bytes"}), 768);
  EXPECT_EQ(jint(j.get(), {"sram", "capacity_bytes"}), 65536);
  // The one layer: compute-bound (416 compute cycles against 84 / 42 cycles of DRAM), and the
  // 16x16x16 GEMM fills the 4x4 array in every fold: utilization 4096 / (16 x 416)
  // = 4096 / 6656 (the fill and drain cycles are PE-cycles without MACs).
  EXPECT_EQ(jstr(j.get(), {"layers", "0", "warm", "limit"}), "compute");
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "cycles"}), 500);
  EXPECT_NEAR(jnum(j.get(), {"layers", "0", "warm", "array_utilization"}), 4096.0 / 6656.0, 1e-12);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "dram_read_bytes"}), 256);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "cold", "dram_read_bytes"}), 512);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "dram_write_bytes"}), 256);
  // The npu holds its COMPUTE for 416 of the 500 warm cycles.
  EXPECT_EQ(jint(j.get(), {"warm", "engines", "0", "busy_cycles"}), 416);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"warm", "engines", "0", "busy_fraction"}), 416.0 / 500.0);
}

// The cliff. A 4x4 max pool (x 1x16x16x16 = 4096 B -> y 1x4x4x16 = 256 B) feeds a 1x1 conv
// 16 -> 16 (weights 256 B, output z 256 B). Residency (lowering.md): y stays on chip first;
// then the conv's weights stay resident below it when the network's estimate falls, and
// the SRAM they take is SRAM the pool's tiles lose. The pool is cut into tiles of one output
// row of 2 pixels (4 input rows of 8 pixels, 512 B, 4 runs of 128 B) for 8 tiles, 2 slots:
// 1024 B. Resident weights 256 + y 256 + 1024 = 1536 B fit from 1536 B up; at 1535 keeping
// them would cut the pool into 16 tiles of 256 B (a chain of 16 LOADs of 10 + 8 + 3 x 8 = 42:
// 672 + 17, then 416 + 42: 1147 cycles), slower than streaming the weights, which the
// compiler does. The warm inference (tiny: 8 B/cycle, 64-byte bursts of 8 cycles, latency 10,
// one 1-byte bank with 16 ports):
//   LOAD k: 8 bursts: 10 + 8 + 7 x 8 = 74 (SRAM 512 / 16 = 32); LOADs run in order
//   pool tile: (512 + 32) / 16 = 34 bank cycles; tile k [74 (k + 1), 74 (k + 1) + 34), the
//   next LOAD's SRAM work fitting after it inside its 74 cycles: the pool ends at 592 + 34 = 626
//   resident: conv in one tile, GEMM M = 16 pixels, K = 16, N = 16 on 4x4 ws: 16 folds of
//         2*4 + 4 + 16 - 2 = 26: 416 cycles (SRAM 768 / 16 = 48)               -> 1042
//   streamed: the compiler packs the weights in tile order, so an input-channel chunk of
//         4 is one 64-byte run: 4 chunks, each LOAD 10 + 8 = 18 cycles, each COMPUTE
//         K = 4: 4 folds of 26 = 104 cycles (its SRAM: at most 640 / 16 = 40). LOAD 0
//         [626, 644); the computes run back to back [644, 1060), each next LOAD
//         (18 cycles) hidden behind the compute before it                     -> 1060
//   STORE z 256 B: 10 + 4 x 8 = 42
// Resident warm: 1042 + 42 = 1084; streamed warm: 1060 + 42 = 1102.
// That streamed case is below 1408 B. From 1408 B the conv's weight buffer (2 slots of 64 B)
// fits above the pool's buffers, which end at 256 + 1024 = 1280 (1280 + 128 = 1408), and its
// first chunk is prefetched (lowering.md, "Prefetch"): its LOAD waits for the pool's last
// LOAD (it ends at 8 x 74 = 592), moves its 64 B in [592, 610), and its SRAM write (64 / 16
// = 4 bank cycles) waits behind the pool's last tile on the one bank, [592, 626): it ends
// at 630. The conv computes [630, 1046) and stores: 1046 + 42 = 1088. The step at 1536
// is then the bank wait, 1088 - 1084 = 4 cycles.
TEST(RunLatency, OneByteBelowTheResidencyBudgetWeightsStream) {
  JsonPtr fits = run_json(kCliffGraph, kTinyArch, "--set sram.capacity_bytes=1536");
  JsonPtr over = run_json(kCliffGraph, kTinyArch, "--set sram.capacity_bytes=1535");
  JsonPtr bare = run_json(kCliffGraph, kTinyArch, "--set sram.capacity_bytes=1407");
  JsonPtr pre = run_json(kCliffGraph, kTinyArch, "--set sram.capacity_bytes=1408");
  ASSERT_TRUE(fits.get() && over.get() && bare.get() && pre.get());
  EXPECT_TRUE(json_is_true(at(fits.get(), {"layers", "1", "weights_resident"})));
  EXPECT_TRUE(json_is_false(at(over.get(), {"layers", "1", "weights_resident"})));
  EXPECT_EQ(jint(fits.get(), {"latency", "warm_cycles"}), 1084);
  EXPECT_EQ(jint(over.get(), {"latency", "warm_cycles"}), 1088);
  EXPECT_EQ(jint(pre.get(), {"latency", "warm_cycles"}), 1088);
  EXPECT_EQ(jint(bare.get(), {"latency", "warm_cycles"}), 1102);
  EXPECT_EQ(jint(bare.get(), {"latency", "warm_cycles"}) - jint(pre.get(), {"latency", "warm_cycles"}), 10 + 8 - 4);
  // The prefetched chunk: 64 B, in flight from 592 to 630, of which the 34 cycles before the
  // pool ends at 626 are hidden behind it; the conv waits for the other 4.
  EXPECT_EQ(jint(pre.get(), {"layers", "1", "warm", "prefetch_bytes"}), 64);
  EXPECT_EQ(jint(pre.get(), {"layers", "1", "warm", "prefetch_hidden_cycles"}), 626 - 592);
  EXPECT_EQ(jint(bare.get(), {"layers", "1", "warm", "prefetch_bytes"}), 0);
  // Cold: the resident weights (256 B) are prefetched too: their LOAD [592, 634) alone, its
  // SRAM write (256 / 16 = 16 bank cycles) behind the pool's last tile: 626 + 16 = 642; then
  // the conv's one tile and the store: 642 + 416 + 42 = 1100. Streamed, warm equals cold.
  EXPECT_EQ(jint(fits.get(), {"latency", "cold_cycles"}), 1100);
  EXPECT_EQ(jint(over.get(), {"latency", "cold_cycles"}), 1088);
  // Warm DRAM reads: x alone (4096) when resident, x + weights (4352) when streamed.
  EXPECT_EQ(jint(fits.get(), {"warm", "dram_read_bytes"}), 4096);
  EXPECT_EQ(jint(over.get(), {"warm", "dram_read_bytes"}), 4352);
}

// fit along an axis the metric falls with. On the cliff graph above, warm latency falls from
// 1102 cycles (below 1408 B: the conv's weights stream, none prefetched) to 1088 (1408: its
// first chunk prefetched) and 1084 (1536: resident), as the test above works out, and to 1078
// from 2560 B (resident 256 + y 256 + 2 x 1024 B: the pool in 4 tiles of one output row, 620
// cycles instead of 626). With a budget of 1090 cycles (0.00109 ms at 1 GHz) the answer is
// the smallest capacity meeting it, 1408 (the tiny config's granule is 1 bank x 1 byte). Bisection that assumed the metric grows saw LO break
// the budget and answered "none fits".
TEST(RunLatency, FitAlongAFallingMetricGivesTheSmallestValueThatMeetsTheBudget) {
  std::string g = write_scratch("cliff.npg", kCliffGraph);
  std::string c = write_scratch("arch.yaml", kTinyArch);
  CliResult r = run_npusim("fit '" + g + "' --config '" + c +
                           "' --budget warm_ms=0.00109 --axis sram.capacity_bytes=1400..8192");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("smallest sram.capacity_bytes meeting warm_ms <= 0.00109: 1408 (warm_ms 0.001088)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("not monotone"), std::string::npos) << r.out;
}

// A fallback op between two NPU layers. GEMM g1 -> Softmax sm -> GEMM g2 (16x16 int8, no
// bias). Softmax is not in the npu's rules, so it runs on the CPU, which cannot read the SRAM:
// g1 stores its output, a SYNC hands over (mac_array -> cpu: 100 cycles), the CPU computes,
// a SYNC hands back (cpu -> mac_array: 50 cycles) and g2 loads the CPU's result
// (docs/timing.md, "SYNC and fallback"). Warm (weights resident):
//   LOAD x 42 -> 42; g1 416 -> 458; STORE a 42 -> 500; SYNC 100 -> 600;
//   Softmax on the CPU: 256 elements / 4 per cycle = 64 -> 664; SYNC 50 -> 714;
//   LOAD b 42 -> 756; g2 416 -> 1172; STORE y 42 -> 1214.
// Cold adds g1's weight LOAD (42 cycles, before its input LOAD). g2's weight LOAD is a
// prefetch (lowering.md, "Prefetch"): it follows g1's last LOAD, its DRAM part [84, 126),
// its SRAM write (256 / 16 = 16 bank cycles) queued behind g1's COMPUTE's (768 / 16 = 48):
// it ends at 84 + 48 + 16 = 148, all 64 cycles hidden behind g1. Cold: 1214 + 42 = 1256.
const char *kFallbackGraph = R"(graph fb
input x int8 16x16
gemm g1 x -> a n=16 bias=no
softmax sm a -> b
gemm g2 b -> y n=16 bias=no
output y
)";

TEST(RunLatency, FallbackBetweenTwoNpuLayersPaysSyncsAndTheDramRoundTrip) {
  JsonPtr j = run_json(kFallbackGraph, kTinyArch);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"latency", "warm_cycles"}), 1214);
  EXPECT_EQ(jint(j.get(), {"latency", "cold_cycles"}), 1256);
  EXPECT_EQ(jint(j.get(), {"layers", "2", "cold", "prefetch_bytes"}), 256);
  EXPECT_EQ(jint(j.get(), {"layers", "2", "cold", "prefetch_hidden_cycles"}), 148 - 84);
  // The SYNCs cost what the config says: 100 + 50 cycles, two of them.
  EXPECT_EQ(jint(j.get(), {"warm", "syncs"}), 2);
  EXPECT_EQ(jint(j.get(), {"layers", "1", "warm", "sync_cycles"}), 100);
  EXPECT_EQ(jint(j.get(), {"layers", "2", "warm", "sync_cycles"}), 50);
  // The round trip: a (256 B) stored by g1 and b (256 B) loaded by g2, besides x and y.
  EXPECT_EQ(jint(j.get(), {"warm", "dram_read_bytes"}), 512);
  EXPECT_EQ(jint(j.get(), {"warm", "dram_write_bytes"}), 512);
  // The fallback is listed with its reason.
  EXPECT_EQ(jint(j.get(), {"fallback_ops"}), 1);
  json_t *fallbacks = at(j.get(), {"fallbacks"});
  ASSERT_EQ(json_array_size(fallbacks), 1u);
  EXPECT_EQ(jstr(fallbacks, {"0", "name"}), "sm");
  EXPECT_EQ(jstr(fallbacks, {"0", "engine"}), "cpu");
  EXPECT_EQ(jstr(fallbacks, {"0", "reason"}), "Softmax 'sm': Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]");
  EXPECT_TRUE(json_is_false(at(j.get(), {"layers", "1", "on_accelerator"})));
  // The CPU runs 64 of the 1214 warm cycles.
  EXPECT_EQ(jint(j.get(), {"warm", "engines", "1", "busy_cycles"}), 64);
}

// A CPU engine that shares the accelerator's SRAM (a Cortex-M55 beside an Ethos-U55) is still
// off the accelerator: its ops count as fallbacks, with their reason, grouped by that reason.
TEST(RunLatency, CpuThatReadsTheSramIsStillOffTheAccelerator) {
  std::string arch = kTinyArch;
  arch.replace(arch.find("    lanes: 4\n"), 13, "    lanes: 4\n    can_read_sram: true\n");
  const char *graph = R"(graph fb2
input x int8 16x16
gemm g1 x -> a n=16 bias=no
softmax s1 a -> b
softmax s2 b -> c
gemm g2 c -> y n=16 bias=no
output y
)";
  JsonPtr j = run_json(graph, arch.c_str());
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"fallback_ops"}), 2);
  EXPECT_TRUE(json_is_false(at(j.get(), {"layers", "1", "on_accelerator"})));
  EXPECT_TRUE(json_is_true(at(j.get(), {"layers", "0", "on_accelerator"})));
  EXPECT_EQ(jstr(j.get(), {"fallbacks", "1", "reason"}),
            "Softmax 's2': Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]");
  EXPECT_EQ(jint(j.get(), {"fallback_summary", "ops"}), 2);
  json_t *groups = at(j.get(), {"fallback_summary", "by_reason"});
  ASSERT_EQ(json_array_size(groups), 1u);
  EXPECT_EQ(jstr(groups, {"0", "reason"}), "Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]");
  EXPECT_EQ(jint(groups, {"0", "ops"}), 2);
  EXPECT_EQ(jint(groups, {"0", "first_layer"}), 1);
  CliResult r = run_on(graph, arch.c_str(), "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("every layer runs on the accelerator"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   2 ops on cpu: Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool] "
                       "(first: layer 1 's1')\n"),
            std::string::npos)
      << r.out;
}

// The same through the human report: both latencies with units, the fallback and its reason.
TEST(RunLatency, TextReportNamesUnitsAndFallbacks) {
  CliResult r = run_on(kFallbackGraph, kTinyArch, "--per-layer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cold 1256 cycles = 0.0013 ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warm 1214 cycles = 0.0012 ms"), std::string::npos) << r.out;
  // The Softmax layer spans its SYNC and its CPU time, 500 -> 664 warm: 164 / 1214 = 13.5%.
  EXPECT_NE(r.out.find("off the accelerator: 1 op in 1 layer, 13.5% of the warm inference"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("   1 op  on cpu: Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool] "
                       "(first: layer 1 'sm')"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SRAM peak"), std::string::npos);
  EXPECT_NE(r.out.find("inferences/s"), std::string::npos);
  EXPECT_NE(r.out.find("energy per inference (uJ)"), std::string::npos);
  // The config has no energy table: the report says which figures are missing.
  EXPECT_NE(r.out.find("missing from the config's energy table"), std::string::npos) << r.out;
  // --per-layer: one row per layer, with its limiting resource.
  EXPECT_NE(r.out.find("g1"), std::string::npos);
  EXPECT_NE(r.out.find("Softmax"), std::string::npos);
}

// configs/ethos-u55-like.yaml keeps no weights in the SRAM (sram.weights_resident: false, Vela's
// Shared_Sram: weights in flash). models/micro/conv3x3.npg's weights are 64 x 64 x 3 x 3 int8 =
// 36,864 B and 64 int32 biases = 256 B: 37,120 B, read from flash by the warm run as by the
// cold one. The same config with the weights allowed to stay (2 MiB holds them easily) reads
// exactly those 37,120 B less when warm.
TEST(RunLatency, TheU55ReadsEveryWeightFromFlashEveryInference) {
  const std::string run = "run models/micro/conv3x3.npg --config configs/ethos-u55-like.yaml --json";
  CliResult r = run_npusim(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jint(j.get(), {"sram", "resident_weight_bytes"}), 0);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "weight_bytes"}), 37120);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "weight_dram_read_bytes"}), 37120);
  EXPECT_EQ(jint(j.get(), {"warm", "dram_read_bytes"}), jint(j.get(), {"cold", "dram_read_bytes"}));
  CliResult kept = run_npusim(run + " --set sram.weights_resident=true");
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  JsonPtr k = parse_json(kept.out);
  ASSERT_TRUE(k.get());
  EXPECT_EQ(jint(k.get(), {"sram", "resident_weight_bytes"}), 37120);
  EXPECT_EQ(jint(j.get(), {"warm", "dram_read_bytes"}) - jint(k.get(), {"warm", "dram_read_bytes"}), 37120);
}

}  // namespace
