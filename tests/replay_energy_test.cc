// Energy and determinism (docs/timing.md, "Energy"). The expected energy is worked by hand
// from the table below and the hand-worked cycle count; the arithmetic is in the comments.
#include <cstring>

#include "replay_support.h"

static std::string energy_arch() {
  return std::string(kSmallArch) + R"(
energy:
  mac:
    int8: {pj: 0.25, source: assumption, node_nm: 7}
  element:
    int8: {pj: 0.5, source: assumption, node_nm: 7}
  sram_read: {pj_per_byte: 1, source: assumption, node_nm: 7}
  sram_write: {pj_per_byte: 2, source: assumption, node_nm: 7}
  dram_read: {pj_per_byte: 10, source: assumption, node_nm: 7}
  dram_write: {pj_per_byte: 20, source: assumption, node_nm: 7}
  sync: {pj: 1000, source: assumption, node_nm: 7}
  sram_static: {mw: 10, source: assumption, node_nm: 7}
  engine_static:
    npu: {mw: 40, source: assumption, node_nm: 7}
)";
}

// LOAD 1000 B -> npu GEMM 10x6x5 (reads 90 B, writes 50 B) -> SYNC npu->vec -> vec 100
// elements (reads 100 B, writes 100 B) -> STORE 100 B.
static void small_network(SchedBuilder &b) {
  int ld = b.load(1000, 0x1);
  int g = b.gemm(kNpu, 10, 6, 5, {ld});
  b.cmd(g).sram_read_bytes = 90, b.cmd(g).banks_read = 0x2;
  b.cmd(g).sram_write_bytes = 50, b.cmd(g).banks_written = 0x4;
  int s = b.sync(kNpu, kVec, {g}, 1);
  int v = b.vec(kVec, 100, {s}, 1);
  b.cmd(v).sram_read_bytes = 100, b.cmd(v).banks_read = 0x2;
  b.cmd(v).sram_write_bytes = 100, b.cmd(v).banks_written = 0x4;
  b.store(100, 0x4, {v}, 1);
}

TEST(ReplayEnergy, SmallNetworkByHand) {
  NpArch arch = load_arch(energy_arch());
  SchedBuilder b;
  small_network(b);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  // Cycles: LOAD 16 bursts: 10 + 16 x 8 = 138 (bank work 125 < 138). GEMM ws 80 (bank work
  // ceil(90/8) = 12 < 80): 218. SYNC mac_array->vector 32: 250. vec ceil(100/16) = 7 cycles,
  // bank work 13 lines read on bank 1 and 13 written on bank 2 -> 13: 263. STORE 2 bursts:
  // 10 + 16 = 26: 289.
  ASSERT_EQ(run.stats.cycles, 289);
  const NpEnergyBreakdown &e = run.stats.energy;
  // pJ: MACs 300 x 0.25 = 75; elements 100 x 0.5 = 50; SRAM read (90 + 100 + 100) x 1 = 290;
  // SRAM write (1000 + 50 + 100) x 2 = 2300; DRAM read 1000 x 10 = 10000; DRAM write
  // 100 x 20 = 2000; sync 1 x 1000 = 1000. Sum 15715 pJ = 0.015715 uJ.
  EXPECT_NEAR(e.mac_uj, 75e-6, 1e-15);
  EXPECT_NEAR(e.vector_uj, 50e-6, 1e-15);
  EXPECT_NEAR(e.sram_read_uj, 290e-6, 1e-15);
  EXPECT_NEAR(e.sram_write_uj, 2300e-6, 1e-15);
  EXPECT_NEAR(e.dram_read_uj, 10000e-6, 1e-15);
  EXPECT_NEAR(e.dram_write_uj, 2000e-6, 1e-15);
  EXPECT_NEAR(e.sync_uj, 1000e-6, 1e-15);
  EXPECT_NEAR(e.dynamic_uj, 0.015715, 1e-12);
  // Static: (10 + 40) mW over 289 ns = 50e-3 W x 289e-9 s = 14.45e-9 J = 0.01445 uJ.
  EXPECT_NEAR(e.static_uj, 0.01445, 1e-12);
  EXPECT_NEAR(e.total_uj, 0.030165, 1e-12);
  // 0.030165 uJ / 300 MACs = 30165 fJ / 300... = 0.030165e9 fJ / 300 = 100550 fJ per MAC.
  EXPECT_NEAR(e.fj_per_mac, 100550, 1e-6);
  // 30.165 nJ over 289 ns = 0.104377... W.
  EXPECT_NEAR(e.avg_power_mw, 30.165 / 289 * 1000, 1e-9);
  EXPECT_STREQ(e.missing, "");
}

TEST(ReplayEnergy, MissingFiguresAreNamed) {
  NpArch arch = load_arch(kSmallArch);  // no energy table
  SchedBuilder b;
  small_network(b);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.energy.total_uj, 0);
  EXPECT_STREQ(run.stats.energy.missing, "mac.int8, element.int8, sram_read, sram_write, dram_read, dram_write, sync");
}

TEST(ReplayEnergy, BatteryShare) {
  // 1000 uJ x 3600 inferences a day = 3.6 J; a 1 Wh battery holds 3600 J: 0.1 %.
  EXPECT_DOUBLE_EQ(np_battery_share_per_day(1000, 3600, 1), 0.001);
}

static bool same_records(const std::vector<NpCommandTiming> &a, const std::vector<NpCommandTiming> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof a[0]) == 0;
}

TEST(ReplayDeterminism, TwoRunsGiveIdenticalStatsAndRecords) {
  NpArch arch = load_arch(energy_arch(), {"dram.channels=2", "dram.row_bytes=128", "dram.row_miss_cycles=3",
                                          "dram.max_outstanding_bursts=3"});
  SchedBuilder b;
  // Three tiles of a layer, double-buffered, with conflicting banks and shared DRAM.
  int prev = -1;
  for (int t = 0; t < 3; t++) {
    std::vector<int> d;
    if (prev >= 0) d.push_back(prev);
    int x = b.load(700 + 13 * t, 0x3, {}, 0, 4096 * t + 32, 3);
    int w = b.load(300, 0x6, {}, 0);
    d.push_back(x), d.push_back(w);
    int g = b.gemm(kNpu, 10 + t, 6, 5, d);
    b.cmd(g).sram_read_bytes = 360, b.cmd(g).banks_read = 0x3;
    int v = b.vec(kVec, 90, {g}, 0);
    b.cmd(v).sram_read_bytes = 200, b.cmd(v).banks_read = 0x6;
    b.store(200, 0xC, {v});
    prev = g;
  }
  ReplayRun a, c;
  replay(b.get(), arch, a);
  replay(b.get(), arch, c);
  ASSERT_TRUE(a.ok && c.ok) << a.errors << c.errors;
  EXPECT_TRUE(same_records(a.records, c.records));
  EXPECT_EQ(a.stats.cycles, c.stats.cycles);
  EXPECT_EQ(std::memcmp(&a.stats.energy, &c.stats.energy, sizeof a.stats.energy), 0);
  ASSERT_EQ(a.stats.n_layers, c.stats.n_layers);
  EXPECT_EQ(std::memcmp(a.stats.layers, c.stats.layers, a.stats.n_layers * sizeof *a.stats.layers), 0);
  EXPECT_EQ(a.records.size(), b.cmds.size());
}
