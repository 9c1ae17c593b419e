// Engine timing, SRAM banks and SYNC (docs/timing.md). Expected values are worked by hand
// from the formulas there; the arithmetic is in the comments.
#include "replay_support.h"

// A 4x4 array with memories that never limit it: 1e6 B/cycle DRAM, zero latency, 4 KiB
// bank lines with 16 ports. A LOAD of a few bytes then takes one cycle (ceil of a fraction).
static const char *kIdealArch = R"(
name: ideal4
clock_mhz: 1000
data_types: {int8: 1}
default_dtype: int8
engines:
  - name: npu
    kind: mac_array
    rows: 4
    cols: 4
    dataflow: ws
  - name: cpu
    kind: cpu
    lanes: 1024
sram:
  capacity_bytes: 1GiB
  banks: 4
  bank_width_bytes: 4KiB
  ports_per_bank: 16
dram:
  bandwidth_gb_per_s: 1000000
  burst_bytes: 4KiB
  latency_cycles: 0
  channels: 1
  max_outstanding_bursts: 1024
)";

// GEMM M = 10, K = 6, N = 5 on R = C = 4 (SCALE-Sim v2, docs/timing.md):
//   ws: ceil(K/R) ceil(N/C) = 2 x 2 = 4 folds of 2R + C + M - 2 = 8 + 4 + 10 - 2 = 20 -> 80
//   os: ceil(M/R) ceil(N/C) = 3 x 2 = 6 folds of R + C + K - 2 = 4 + 4 + 6 - 2 = 12   -> 72
//   is: ceil(K/R) ceil(M/C) = 2 x 3 = 6 folds of 2R + C + N - 2 = 8 + 4 + 5 - 2 = 15  -> 90
struct DataflowCase {
  const char *name;
  int64_t cycles;
};

class ReplayGemm : public ::testing::TestWithParam<DataflowCase> {};

TEST_P(ReplayGemm, IdealMemoryComputeCyclesEqualTheFormula) {
  const DataflowCase &p = GetParam();
  NpArch arch = load_arch(kIdealArch, {std::string("engines.npu.dataflow=") + p.name});
  SchedBuilder b;
  int w = b.load(30, 0x1);  // weights K x N = 30 B
  int x = b.load(60, 0x2);  // inputs M x K = 60 B
  int c = b.gemm(kNpu, 10, 6, 5, {w, x});
  b.store(50, 0x4, {c});  // outputs M x N
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(c).end - run.rec(c).start, p.cycles);
  EXPECT_EQ(run.rec(c).work, p.cycles);
  EXPECT_EQ(run.stats.layers[0].compute_cycles, p.cycles);
  // Transfers: one burst holds the bus ceil(4096 x 65536 / 1e6) = 269 ticks (0.004 cycle);
  // each LOAD/STORE ends within its first cycle -> 1 cycle. Total = 1 + compute + 1.
  EXPECT_EQ(run.stats.cycles, 1 + p.cycles + 1);
  EXPECT_EQ(run.stats.layers[0].limit, NP_LIMIT_COMPUTE);
  // utilization = MACs / (R C cycles) = 300 / (16 x cycles)
  EXPECT_DOUBLE_EQ(run.stats.layers[0].utilization, 300.0 / (16.0 * (double)p.cycles));
}

INSTANTIATE_TEST_SUITE_P(Dataflows, ReplayGemm,
                         ::testing::Values(DataflowCase{"ws", 80}, DataflowCase{"os", 72}, DataflowCase{"is", 90}),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(ReplayCompute, SystolicFormulaOnExactFits) {
  // M = 8, K = 4, N = 4 on 4x4: ws 1 fold of 8 + 4 + 8 - 2 = 18; os 2 x 1 folds of
  // 4 + 4 + 4 - 2 = 10 -> 20; is 1 x 2 folds of 8 + 4 + 4 - 2 = 14 -> 28.
  NpGemmShape g = {8, 4, 4, 1};
  EXPECT_EQ(np_systolic_cycles(4, 4, NP_DATAFLOW_WS, g), 18);
  EXPECT_EQ(np_systolic_cycles(4, 4, NP_DATAFLOW_OS, g), 20);
  EXPECT_EQ(np_systolic_cycles(4, 4, NP_DATAFLOW_IS, g), 28);
  // Depthwise: batch 3 GEMMs of M = 9, K = 9, N = 1 (ws): ceil(9/4) x 1 = 3 folds of
  // 8 + 4 + 9 - 2 = 19 -> 57 per GEMM, 171 for 3.
  EXPECT_EQ(np_systolic_cycles(4, 4, NP_DATAFLOW_WS, NpGemmShape{9, 1, 9, 3}), 171);
}

// Depthwise modes (docs/timing.md, "Depthwise"): 3 channels of M = 9 output pixels, K = 9
// taps, N = 1, on the ideal 4x4 array; MACs = 3 x 9 x 9 = 243.
struct DepthwiseCase {
  const char *name;
  std::vector<std::string> sets;
  int64_t cycles;
};

class ReplayDepthwise : public ::testing::TestWithParam<DepthwiseCase> {};

TEST_P(ReplayDepthwise, ChannelwiseWorkTakesItsModesFormula) {
  const DepthwiseCase &p = GetParam();
  NpArch arch = load_arch(kIdealArch, p.sets);
  SchedBuilder b;
  int c = b.gemm(kNpu, 9, 9, 1, {}, 0, 3);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(c).work, p.cycles);
  EXPECT_EQ(run.stats.cycles, p.cycles);
  EXPECT_DOUBLE_EQ(run.stats.layers[0].utilization, 243.0 / (16.0 * (double)p.cycles));
}

INSTANTIATE_TEST_SUITE_P(
    Modes, ReplayDepthwise,
    ::testing::Values(
        // systolic (ws): per channel ceil(9/4) x ceil(1/4) = 3 folds of 2R + C + M - 2 = 19: 57; x 3 = 171.
        DepthwiseCase{"systolic", {}, 171},
        // channelwise: ceil(M/R) x ceil(channels/C) = 3 x 1 folds of R + C + K - 2 = 15: 45.
        DepthwiseCase{"channelwise", {"engines.npu.depthwise=channelwise"}, 45},
        // simd, 2 lanes: ceil(3/2) = 2 channel groups x M x K = 2 x 9 x 9 = 162.
        DepthwiseCase{"simd", {"engines.npu.depthwise=simd", "engines.npu.depthwise_lanes=2"}, 162},
        // output_block, 4-pixel x 2-channel micro-blocks: ceil(9/4) = 3 micro-blocks per slice;
        // per 4-tap step 4 x max(3, 2) = 12; ceil(3/2) = 2 slices x ceil(9/4) = 3 steps x 12 = 72.
        DepthwiseCase{"output_block",
                      {"engines.npu.depthwise=output_block", "engines.npu.ublock_pixels=4",
                       "engines.npu.ublock_depth=2"},
                      72},
        // output_block, 4 x 8 micro-blocks: 3 micro-blocks, so the write-back floor of 4 x 8 = 32
        // holds each step: ceil(3/8) = 1 slice x 3 steps x 32 = 96.
        DepthwiseCase{"output_block_writeback",
                      {"engines.npu.depthwise=output_block", "engines.npu.ublock_pixels=4",
                       "engines.npu.ublock_depth=8"},
                      96}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(ReplayCompute, DepthwiseModeLeavesGemmsWithSeveralColumnsToTheDataflow) {
  // N = 5 is not channelwise: the ws formula of ReplayGemm (80 cycles) holds under any mode.
  NpArch arch = load_arch(kIdealArch, {"engines.npu.depthwise=channelwise"});
  SchedBuilder b;
  int c = b.gemm(kNpu, 10, 6, 5);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(c).work, 80);
}

// Cores (docs/timing.md, "Cores"): the COMPUTE cut along N, M, batch or K, one share per
// core, the fewest cycles winning; core_sync_cycles once more than one core has a share; a
// cut of K adds ceil(log2(cores used)) x ceil(M x N x batch / C) cycles of partial sums.
struct CoresCase {
  const char *name;
  std::vector<std::string> sets;
  int64_t m, k, n, batch, macs, cycles;
};

class ReplayCores : public ::testing::TestWithParam<CoresCase> {};

TEST_P(ReplayCores, ComputeTakesTheFastestCut) {
  const CoresCase &p = GetParam();
  NpArch arch = load_arch(kIdealArch, p.sets);
  SchedBuilder b;
  int c = b.gemm(kNpu, p.m, p.k, p.n, {}, 0, p.batch);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(c).work, p.cycles);
  EXPECT_EQ(run.stats.cycles, p.cycles);
  // utilization counts every core's PEs: MACs / (cores x R x C x cycles)
  int64_t cores = arch.engines[0].cores;
  EXPECT_DOUBLE_EQ(run.stats.layers[0].utilization, (double)p.macs / (double)(cores * 16 * p.cycles));
}

INSTANTIATE_TEST_SUITE_P(
    Cuts, ReplayCores,
    ::testing::Values(
        // M = 10, K = 6, N = 5 (ws 80 on one core), 2 cores, sync 3. N in shares of 3: 2 x 1
        // folds of 20 = 40 + 3 = 43; M in 5: 2 x 2 folds of 2R + C + 5 - 2 = 15: 60 + 3 = 63;
        // K in 3: 1 x 2 folds of 20 = 40 + 3 + log2(2) x ceil(50 / 4) = 13: 56. N wins: 43.
        CoresCase{"n", {"engines.npu.cores=2", "engines.npu.core_sync_cycles=3"}, 10, 6, 5, 1, 300, 43},
        // M = 4, K = 32, N = 4 (ws: 8 folds of 14 = 112 on one core), 4 cores, sync 1. N in 1:
        // 8 x 14 + 1 = 113; M in 1: 8 folds of 8 + 4 + 1 - 2 = 11: 88 + 1 = 89; K in 8: 2 folds
        // of 14 = 28 + 1 + log2(4) x ceil(16 / 4) = 8: 37. K wins: 37.
        CoresCase{"k", {"engines.npu.cores=4", "engines.npu.core_sync_cycles=1"}, 4, 32, 4, 1, 512, 37},
        // Depthwise (systolic ws), 3 channels of M = 9, K = 9: 171 on one core (ReplayDepthwise).
        // 3 cores: M in 3: 3 folds of 8 + 4 + 3 - 2 = 13, x 3 channels = 117; batch in 1: 57;
        // K in 3: 1 fold of 19 x 3 = 57 + log2(3) = 2 steps x ceil(27 / 4) = 7: 71. Batch wins
        // (sync 0): 57.
        CoresCase{"batch", {"engines.npu.cores=3"}, 9, 9, 1, 3, 243, 57},
        // One core: the dataflow's formula as ever (ReplayGemm's ws 80), whatever the sync.
        CoresCase{"one", {"engines.npu.cores=1", "engines.npu.core_sync_cycles=50"}, 10, 6, 5, 1, 300, 80}),
    [](const auto &info) { return std::string(info.param.name); });

// Fixed costs (docs/timing.md, "Fixed costs") on the small arch at 1000 MHz: per inference
// 2 us = 2000 cycles, per segment 0.5 us = 500, per program 1.2 us = 1200 (cold only).
static const std::vector<std::string> kFixedCosts = {
    "fixed_costs.per_inference.us=2", "fixed_costs.per_inference.source=assumption",
    "fixed_costs.per_segment.us=0.5", "fixed_costs.per_segment.source=assumption",
    "fixed_costs.per_program.us=1.2", "fixed_costs.per_program.source=assumption"};

TEST(ReplayFixedCosts, AddedAfterTheLastCommandPerInferenceSegmentAndProgram) {
  NpArch arch = load_arch(kSmallArch, kFixedCosts);
  // Layers: 0 vec, 1 cpu, 2 npu, 3 cpu, 4 cpu: two runs of cpu layers after accelerator
  // layers = 2 segments. Each COMPUTE of 100 elements: vec ceil(100/16) = 7, cpu
  // ceil(100/4) = 25; the npu GEMM of ReplayGemm 80 cycles. Chained: 7 + 25 + 80 + 25 + 25 = 162.
  SchedBuilder b;
  int a = b.vec(kVec, 100, {}, 0);
  int c1 = b.vec(kCpu, 100, {a}, 1);
  int g = b.gemm(kNpu, 10, 6, 5, {c1}, 2);
  int c2 = b.vec(kCpu, 100, {g}, 3);
  b.vec(kCpu, 100, {c2}, 4);
  const NpSchedule *s = b.get();
  ReplayRun cold;
  replay(s, arch, cold);
  ASSERT_TRUE(cold.ok) << cold.errors;
  EXPECT_EQ(cold.stats.segments, 2);
  EXPECT_EQ(cold.stats.fixed_inference_cycles, 2000);
  EXPECT_EQ(cold.stats.fixed_segment_cycles, 1000);  // 2 x 500
  EXPECT_EQ(cold.stats.fixed_program_cycles, 1200);
  EXPECT_EQ(cold.stats.fixed_cycles, 4200);
  EXPECT_EQ(cold.stats.cycles, 162 + 4200);
  EXPECT_DOUBLE_EQ(cold.stats.ms, 4362.0 / 1e6);
  // Warm: no program load: 162 + 2000 + 1000 = 3162.
  b.s.warm = true;
  ReplayRun warm;
  replay(&b.s, arch, warm);
  ASSERT_TRUE(warm.ok) << warm.errors;
  EXPECT_EQ(warm.stats.fixed_program_cycles, 0);
  EXPECT_EQ(warm.stats.cycles, 3162);
}

TEST(ReplayFixedCosts, AllOnTheCpuHasNoSegmentAndNoCostsNoCycles) {
  // Only cpu layers: the graph never leaves an accelerator, so no segment; per inference still.
  NpArch arch = load_arch(kSmallArch, kFixedCosts);
  SchedBuilder b;
  b.vec(kCpu, 100);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.segments, 0);
  EXPECT_EQ(run.stats.cycles, 25 + 2000 + 1200);
  // Without fixed_costs in the config nothing is added.
  NpArch plain = load_arch(kSmallArch);
  ReplayRun none;
  replay(b.get(), plain, none);
  EXPECT_EQ(none.stats.fixed_cycles, 0);
  EXPECT_EQ(none.stats.cycles, 25);
}

TEST(ReplayCompute, DtypeRateScalesArrayCycles) {
  // fp16 runs at rate 0.5 on the small arch's npu: ceil(80 / 0.5) = 160 cycles.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.gemm(kNpu, 10, 6, 5, {}, 0, 1, NP_DTYPE_FP16);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 160);
}

TEST(ReplayCompute, SameGemmIsMemoryBoundWhenBandwidthIsCut) {
  // 1 GB/s at 1 GHz = 1 B/cycle: the 640 B input LOAD is 10 bursts of 64 cycles each
  // (latency 0): 640 cycles. The WS GEMM (80 cycles) follows: 720 in all. The layer's DRAM
  // time (640) beats its compute (80): limited by DRAM.
  NpArch arch = load_arch(kIdealArch, {"dram.bandwidth_gb_per_s=1", "dram.burst_bytes=64"});
  SchedBuilder b;
  int x = b.load(640, 0x1);
  b.gemm(kNpu, 10, 6, 5, {x});
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 720);
  EXPECT_EQ(run.stats.layers[0].dram_cycles, 640);
  EXPECT_EQ(run.stats.layers[0].compute_cycles, 80);
  EXPECT_EQ(run.stats.layers[0].limit, NP_LIMIT_DRAM);
}

TEST(ReplayCompute, VectorAndCpuCyclesFromThroughput) {
  // vec: 16 lanes: ceil(100 / 16) = 7 cycles. cpu: 4 lanes: ceil(100 / 4) = 25. In a chain:
  // 7 + 25 = 32.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  int v = b.vec(kVec, 100);
  b.vec(kCpu, 100, {v}, 1);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(0).work, 7);
  EXPECT_EQ(run.rec(1).work, 25);
  EXPECT_EQ(run.stats.cycles, 32);
}

TEST(ReplayCompute, OneEngineRunsOneCommandAtATimeLowestIdFirst) {
  // Two 7-cycle commands ready at 0 on vec: 0 runs 0..7, 1 waits (unit stall 7), 7..14.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.vec(kVec, 100);
  b.vec(kVec, 100);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(1).start, 7);
  EXPECT_EQ(run.rec(1).stall[NP_STALL_UNIT], 7);
  EXPECT_EQ(run.stats.cycles, 14);
  EXPECT_EQ(run.stats.engines[kVec].busy_cycles, 14);
  EXPECT_DOUBLE_EQ(run.stats.engines[kVec].busy_fraction, 1.0);
}

TEST(ReplaySram, BankConflictBetweenTwoStreamsSerializes) {
  // Two vector commands on two engines, both ready at 0, each reading 800 B from bank 0:
  // ceil(800 / 8) = 100 lines = 100 cycles of bank work (1 port). Compute: ceil(160 / 16) =
  // 10 cycles. Command 0 reserves bank 0 for 0..100 and ends at max(10, 100) = 100. Command 1
  // finds bank 0 busy: its work runs 100..200, so it ends at 200, 100 cycles later than
  // alone (max(10, 100) = 100): a bank stall of 100, one conflict.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  int a = b.vec(kVec, 160);
  int c = b.vec(kVec2, 160);
  b.cmd(a).sram_read_bytes = 800, b.cmd(a).banks_read = 0x1;
  b.cmd(c).sram_read_bytes = 800, b.cmd(c).banks_read = 0x1;
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(a).end, 100);
  EXPECT_EQ(run.rec(c).end, 200);
  EXPECT_EQ(run.rec(c).stall[NP_STALL_SRAM_BANK], 100);
  EXPECT_EQ(run.stats.bank_conflicts, 1);
  EXPECT_EQ(run.stats.stall[NP_STALL_SRAM_BANK], 100);
  EXPECT_EQ(run.stats.layers[0].limit, NP_LIMIT_SRAM_BANK);  // 200 bank cycles > 20 compute

  // The same on different banks: no conflict, both end at 100.
  b.cmd(c).banks_read = 0x2;
  ReplayRun apart;
  replay(b.get(), arch, apart);
  ASSERT_TRUE(apart.ok) << apart.errors;
  EXPECT_EQ(apart.rec(c).end, 100);
  EXPECT_EQ(apart.stats.bank_conflicts, 0);
}

TEST(ReplaySram, BytesSpreadOverBanksAndPorts) {
  // 800 B read over banks 0-3: ceil(100 lines / 4) = 25 per bank; with 2 ports ceil(25/2) = 13.
  NpArch arch = load_arch(kSmallArch, {"sram.ports_per_bank=2"});
  SchedBuilder b;
  int a = b.vec(kVec, 16);
  b.cmd(a).sram_read_bytes = 800, b.cmd(a).banks_read = 0xF;
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(a).sram_cycles, 13);
  EXPECT_EQ(run.stats.cycles, 13);  // > 1 compute cycle
}

TEST(ReplaySync, SyncCostsTheConfiguredCycles) {
  // npu GEMM (ws 80) -> SYNC mac_array->cpu (100) -> cpu 40 elements (ceil(40/4) = 10)
  // -> SYNC cpu->mac_array (50) -> npu GEMM (80): 80 + 100 + 10 + 50 + 80 = 320.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  int g1 = b.gemm(kNpu, 10, 6, 5, {}, 0);
  int s1 = b.sync(kNpu, kCpu, {g1}, 1);
  int c = b.vec(kCpu, 40, {s1}, 1);
  int s2 = b.sync(kCpu, kNpu, {c}, 1);
  b.gemm(kNpu, 10, 6, 5, {s2}, 2);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(s1).end - run.rec(s1).start, 100);
  EXPECT_EQ(run.rec(s2).end - run.rec(s2).start, 50);
  EXPECT_EQ(run.stats.cycles, 320);
  EXPECT_EQ(run.stats.syncs, 2);
  EXPECT_EQ(run.stats.layers[1].sync_cycles, 150);
  EXPECT_EQ(run.stats.layers[1].limit, NP_LIMIT_SYNC);  // 150 sync > 10 compute
}

TEST(ReplaySync, FallbackOpPaysSyncsAndTheDramRoundTrip) {
  // A CPU op between two NPU layers, tensors through DRAM: npu GEMM (80), STORE 640 B
  // (10 bursts: 10 + 10 x 8 = 90), SYNC npu->cpu (100), cpu op (ceil(40/4) = 10), SYNC
  // cpu->npu (50), LOAD 640 B (90), npu GEMM (80): 80 + 90 + 100 + 10 + 50 + 90 + 80 = 500.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  int g1 = b.gemm(kNpu, 10, 6, 5, {}, 0);
  int st = b.store(640, 0x1, {g1}, 0);
  int s1 = b.sync(kNpu, kCpu, {st}, 1);
  int c = b.vec(kCpu, 40, {s1}, 1);
  int s2 = b.sync(kCpu, kNpu, {c}, 1);
  int ld = b.load(640, 0x1, {s2}, 2);
  b.gemm(kNpu, 10, 6, 5, {ld}, 2);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 500);
  EXPECT_EQ(run.stats.dram_read_bytes, 640);
  EXPECT_EQ(run.stats.dram_write_bytes, 640);
  EXPECT_EQ(run.stats.layers[1].cycles, 160);  // 100 + 10 + 50
}

TEST(ReplayCheck, BadSchedulesAreRefusedWithTheCommandNamed) {
  NpArch arch = load_arch(kSmallArch);
  auto refused = [&](SchedBuilder &b, const char *needle) {
    NpDiag diag;
    np_diag_init(&diag);
    NpStats st;
    EXPECT_FALSE(np_replay_run(b.get(), &arch, nullptr, &st, &diag));
    ASSERT_GE(diag.count, 1u);
    EXPECT_NE(std::string(diag.messages[0]).find(needle), std::string::npos) << diag.messages[0];
    np_diag_free(&diag);
  };
  {
    SchedBuilder b;
    b.vec(kVec, 10);
    b.deps.push_back(1);  // command 0 waits for itself... set below
    b.cmd(0).n_deps = 1;
    refused(b, "command 0 (COMPUTE, layer 0): depends on command 1, which is not an earlier command");
  }
  {
    SchedBuilder b;
    b.vec(kVec, 10);
    b.cmd(0).engine = 9;
    refused(b, "engine 9 does not exist");
  }
  {
    // Every command belongs to a layer: np_schedule_check (schedule JSON, RTL harness) refuses
    // layer -1, and the replay, which runs the same check, must too.
    SchedBuilder b;
    b.vec(kVec, 10);
    b.cmd(0).layer = -1;
    refused(b, "command 0 (COMPUTE, layer -1): layer -1 does not exist (the schedule has 1 layers)");
    NpDiag diag;
    np_diag_init(&diag);
    EXPECT_FALSE(np_schedule_check(b.get(), arch.n_engines, "s.json", &diag));
    ASSERT_EQ(diag.count, 1u);  // named by the file it came from
    EXPECT_STREQ(diag.messages[0], "s.json: error: command 0 (COMPUTE, layer -1): layer -1 does not exist (the schedule has 1 layers)");
    np_diag_free(&diag);
  }
  {
    SchedBuilder b;
    b.load(10, uint64_t(1) << 5);
    refused(b, "banks beyond sram.banks (4)");
  }
  {
    SchedBuilder b;
    b.vec(kNpu, 10);  // the array has no elementwise throughput
    refused(b, "engine 'npu' cannot run class 'elementwise' in int8");
  }
}

TEST(ReplayCheck, AMismatchWithTheConfigNamesItsFileAndKey) {
  // The replay's own checks are against the config: the message starts with the config's
  // source (load_arch calls it test.yaml) and names the keys to change.
  NpArch arch = load_arch(kSmallArch);
  auto first_error = [&](SchedBuilder &b) {
    NpDiag diag;
    np_diag_init(&diag);
    NpStats st;
    EXPECT_FALSE(np_replay_run(b.get(), &arch, nullptr, &st, &diag));
    std::string m = diag.count ? diag.messages[0] : "";
    np_diag_free(&diag);
    return m;
  };
  SchedBuilder b;
  b.vec(kNpu, 10);
  EXPECT_EQ(first_error(b),
            "test.yaml: error: command 0 (COMPUTE, layer 0): engine 'npu' cannot run class 'elementwise' in int8: "
            "engines.npu.dtypes and engines.npu.throughput give it no rate");
  SchedBuilder l;
  l.load(10, uint64_t(1) << 5);
  EXPECT_EQ(first_error(l), "test.yaml: error: command 0 (LOAD, layer 0): names SRAM banks beyond sram.banks (4)");
}
