// Cascading (docs/lowering.md, "Cascading"), worked by hand on the test config of
// lower_support.h: one SRAM bank of 1-byte lines (alignment 1), an 8x8 int8 ws array,
// DRAM 8 B/cycle (8 GB/s at 1 GHz), 64-byte bursts, latency 100.
#include "lower_support.h"

namespace {

// x 2x8x4 = 64 B -> a (1x1, 4 -> 32, weights 128 B) -> y 2x8x32 = 512 B -> b (1x1, 32 -> 4,
// weights 128 B) -> z 2x8x4 = 64 B.
const char *kPair = R"(graph pair
input x int8 1x2x8x4
conv a x -> y out=32 kernel=1x1 bias=no
conv b y -> z out=4 kernel=1x1 bias=no
output z
)";

// The pair lowered warm.
void lower_pair(const NpGraph *g, const NpArch &arch, Lowered *l) {
  lower(g, arch, true, l);
  ASSERT_TRUE(l->ok) << l->errors;
}

// At 576 B both weights stay resident (0..255) and y cascades in bands of one row: b's band
// r reads row r of y only (a 1x1 kernel has no halo), so before a's tile of row 1 the band of
// row 0 runs and the rolling buffer holds one row: 8 x 32 = 256 B at 256..511. a's tiles are
// 1 row x 4 cols (x blocks of 16 B, two slots at 512, 528), b's too (z blocks of 16 B, two
// slots at 544, 560): 256 + 256 + 32 + 32 = 576, the whole SRAM.
TEST(LowerCascade, TwoConvsRunBandByBandWithTheIntermediateInSram) {
  GraphPtr g = parse_graph(kPair);
  NpArch arch = load_arch({"sram.capacity_bytes=576"});
  Lowered l;
  lower_pair(g.get(), arch, &l);
  const NpLayerPlan &a = l.layer(0), &b = l.layer(1);
  EXPECT_TRUE(a.weights_resident);
  EXPECT_TRUE(b.weights_resident);
  EXPECT_EQ(a.cascade_into, 1);
  EXPECT_EQ(a.cascade_band_rows, 1);
  EXPECT_EQ(a.cascade_buffer_bytes, 256);
  EXPECT_EQ(b.cascade_into, -1);
  EXPECT_EQ(a.sram_base, 512);
  EXPECT_EQ(b.sram_base, 544);
  EXPECT_EQ(a.tile_rows, 1);
  EXPECT_EQ(a.tile_cols, 4);
  EXPECT_EQ(b.tile_rows, 1);
  EXPECT_EQ(b.tile_cols, 4);
  EXPECT_EQ(l.s.sram_peak_bytes, 576);
  // y never goes to DRAM: a warm inference reads x and writes z.
  EXPECT_EQ(a.dram_read_bytes, 64);
  EXPECT_EQ(a.dram_write_bytes, 0);
  EXPECT_EQ(b.dram_read_bytes, 0);
  EXPECT_EQ(b.dram_write_bytes, 64);
  // The stream interleaves: a row 0 (2 tiles), b row 0 (2 tiles, 2 stores), a row 1, b row 1.
  ASSERT_EQ(l.s.n_cmds, 16u);
  const int layers[16] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
  const NpCmdKind kinds[16] = {NP_CMD_LOAD, NP_CMD_COMPUTE, NP_CMD_LOAD, NP_CMD_COMPUTE, NP_CMD_COMPUTE,
                               NP_CMD_STORE, NP_CMD_COMPUTE, NP_CMD_STORE, NP_CMD_LOAD, NP_CMD_COMPUTE,
                               NP_CMD_LOAD, NP_CMD_COMPUTE, NP_CMD_COMPUTE, NP_CMD_STORE, NP_CMD_COMPUTE,
                               NP_CMD_STORE};
  for (int i = 0; i < 16; i++) {
    EXPECT_EQ(l.s.cmds[i].layer, layers[i]) << "command " << i;
    EXPECT_EQ(l.s.cmds[i].kind, kinds[i]) << "command " << i;
  }
  // Timing (docs/timing.md). A 16-byte transfer is one burst: DRAM done 100 + 8 = 108 after
  // its start, and 16 cycles of work on the one bank. a's tile (GEMM M 4 x K 4 x N 32: 1 x 4
  // folds of 2x8 + 8 + 4 - 2 = 26, 104 cycles) reads x 16 + weights 128 B and writes 4 x 32 =
  // 128 B: 272 bank cycles; b's (M 4 x K 32 x N 4, 4 folds, 104) reads y 128 + weights 128
  // and writes 16: 272. Bank work is reserved at a command's start, in id order:
  //   0 LOAD   0: bank 0..16, ends 108      1 COMPUTE 108: bank 108..380, ends 380
  //   2 LOAD 108: bank 380..396, ends 396   3 COMPUTE 396: bank 396..668, ends 668
  //   8 LOAD 396 (slot 0, read by 1): bank 668..684, ends 684
  //   4 COMPUTE 668 (after 3): bank 684..956, ends 956
  //  10 LOAD 684: bank 956..972, ends 972  5 STORE 956: bank 972..988, DRAM 1064, ends 1064
  //   6 COMPUTE 956: bank 988..1260, ends 1260
  //   7 STORE 1260: bank 1260..1276, ends 1368   9 COMPUTE 1260 (after 6): bank 1276..1548
  //  11 COMPUTE 1548..1820   12 COMPUTE 1820..2092 (b row 1)
  //  13 STORE 2092: bank 2092..2108, ends 2200   14 COMPUTE 2092: bank 2108..2380
  //  15 STORE 2380: DRAM 2488.
  EXPECT_EQ(replayed_cycles(l, arch), 2488);
}

// Without cascading the same SRAM sends y through DRAM: a stores its 512 B and b loads them.
TEST(LowerCascade, OffTheIntermediateGoesThroughDram) {
  GraphPtr g = parse_graph(kPair);
  NpArch on = load_arch({"sram.capacity_bytes=576"});
  NpArch off = load_arch({"sram.capacity_bytes=576", "sram.cascade=false"});
  Lowered cascaded, apart;
  lower_pair(g.get(), on, &cascaded);
  lower_pair(g.get(), off, &apart);
  EXPECT_EQ(apart.layer(0).cascade_into, -1);
  EXPECT_EQ(apart.layer(0).dram_write_bytes, 512);
  EXPECT_EQ(apart.layer(1).dram_read_bytes, 512);
  // The lowering chose the cascade because its estimate was less; the replay agrees.
  EXPECT_LT(cascaded.s.est_cycles, apart.s.est_cycles);
  EXPECT_LT(replayed_cycles(cascaded, on), replayed_cycles(apart, off));
}

// The rolling buffer needs at least one row of y (256 B): with 256 B of SRAM nothing is left
// for the buffers, and no cascade forms.
TEST(LowerCascade, NoCascadeWhenTheRollingBufferLeavesNoRoom) {
  GraphPtr g = parse_graph(kPair);
  NpArch arch = load_arch({"sram.capacity_bytes=256"});
  Lowered l;
  lower_pair(g.get(), arch, &l);
  EXPECT_EQ(l.layer(0).cascade_into, -1);
  EXPECT_EQ(l.layer(0).dram_write_bytes, 512);
}

// The schedule JSON keeps the cascade (docs/formats.md, "Schedule").
TEST(LowerCascade, TheScheduleJsonRecordsIt) {
  GraphPtr g = parse_graph(kPair);
  NpArch arch = load_arch({"sram.capacity_bytes=576"});
  Lowered l;
  lower_pair(g.get(), arch, &l);
  char *json = np_schedule_to_json(&l.s, g.get());
  ASSERT_NE(json, nullptr);
  std::string text = json;
  free(json);
  EXPECT_NE(text.find("\"cascade\""), std::string::npos);
  NpSchedule back;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_schedule_from_json(text.data(), text.size(), "<test>", &back, &diag))
      << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  EXPECT_EQ(back.layers[0].cascade_into, 1);
  EXPECT_EQ(back.layers[0].cascade_band_rows, 1);
  EXPECT_EQ(back.layers[0].cascade_buffer_bytes, 256);
  EXPECT_EQ(back.layers[1].cascade_into, -1);
  np_schedule_free(&back);
}

}  // namespace
