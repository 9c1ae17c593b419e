// Weight residency at the boundary, worked by hand (docs/lowering.md, "Residency").
#include "lower_support.h"

namespace {

// 1x1 conv 16 -> 16 on 8x8: input 1024 B, output 1024 B, weights 16*16 = 256 B.
const char *kPointwise = R"(graph pw
input x int8 1x8x8x16
conv c x -> y out=16 kernel=1x1 bias=no
output y
)";

TEST(LowerResidency, WeightsThatFitExactlyStayResident) {
  GraphPtr g = parse_graph(kPointwise);
  // Weights 256 + peak activation working set (1024 in + 1024 out) = 2304 bytes.
  NpArch arch = load_arch({"sram.capacity_bytes=2304"});
  Lowered warm, cold;
  lower(g.get(), arch, true, &warm);
  lower(g.get(), arch, false, &cold);
  ASSERT_TRUE(warm.ok) << warm.errors;
  EXPECT_TRUE(warm.layer(0).weights_resident);
  EXPECT_EQ(warm.s.resident_weight_bytes, 256);
  // The 2048 bytes left hold input and output whole: one tile, no weight traffic when warm.
  EXPECT_EQ(warm.layer(0).n_tiles, 1);
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 2048);
  EXPECT_EQ(cold.s.dram_read_bytes + cold.s.dram_write_bytes, 2048 + 256);
  EXPECT_EQ(warm.s.sram_peak_bytes, 2304);
}

TEST(LowerResidency, OneByteLessAndTheWarmScheduleStreamsWeights) {
  GraphPtr g = parse_graph(kPointwise);
  NpArch arch = load_arch({"sram.capacity_bytes=2303"});
  Lowered warm, cold;
  lower(g.get(), arch, true, &warm);
  lower(g.get(), arch, false, &cold);
  ASSERT_TRUE(warm.ok) << warm.errors;
  // 256 + 2048 > 2303, and the greedy budget 2303 - 2048 = 255 < 256: not resident.
  EXPECT_FALSE(warm.layer(0).weights_resident);
  EXPECT_EQ(warm.s.resident_weight_bytes, 0);
  // Warm traffic rises by the weights, read once (a 1x1 conv split by rows re-reads
  // nothing): 2048 + 256 = 2304.
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 2048 + 256);
  // Nothing is resident, so cold loads nothing more than warm.
  EXPECT_EQ(cold.s.dram_read_bytes, warm.s.dram_read_bytes);
  EXPECT_EQ(cold.s.n_cmds, warm.s.n_cmds);
  // Rows: 2*128*th + 2*128*th + 256 <= 2303 -> th <= 3.99: th = 3 (rows of 8 split 3,3,2).
  EXPECT_EQ(warm.layer(0).tile_rows, 3);
  EXPECT_EQ(warm.layer(0).n_tiles, 3);
  EXPECT_LE(warm.s.sram_peak_bytes, 2303);
}

// Two layers whose weights cannot both stay: the greedy keeps the one that saves more DRAM
// bytes per SRAM byte. conv a: 1x1, 16 -> 16 (256 B); conv b: 1x1, 16 -> 64 (1024 B).
TEST(LowerResidency, GreedyPrefersMoreSavingPerByteThenLarger) {
  GraphPtr g = parse_graph(R"(graph two
input x int8 1x8x8x16
conv a x -> y out=16 kernel=1x1 bias=no
conv b y -> z out=64 kernel=1x1 bias=no
output z
)");
  // Peak activations: layer b reads 1024, writes 4096 = 5120. All weights: 1280.
  // Capacity 5120 + 1024 = 6144: not all (6400 > 6144); budget 1024. Both read their
  // weights once when streamed (saving 1 byte per byte): the tie goes to the larger, b.
  NpArch arch = load_arch({"sram.capacity_bytes=6144"});
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_FALSE(l.layer(0).weights_resident);
  EXPECT_TRUE(l.layer(1).weights_resident);
  EXPECT_EQ(l.s.resident_weight_bytes, 1024);
}

}  // namespace

// Compressed weights (docs/timing.md, "Compressed weights"): the same 1x1 conv with its 256
// int8 weights palettized to 4 bits takes ceil(256 x 4 / 8) = 128 bytes of indices plus a
// palette of 2^4 = 16 entries of 1 byte: 144 bytes.
namespace compressed {

TEST(LowerResidency, PalettizedWeightsBecomeResidentWhereInt8OnesStream) {
  GraphPtr g = parse_graph(kPointwise);
  // 2303 bytes: at int8 not resident (256 + 2048 > 2303, the test above); at 4 bits
  // 144 + 2048 = 2192 <= 2303: resident.
  NpArch arch = load_arch({"sram.capacity_bytes=2303"});
  Lowered int8_warm, warm, cold;
  lower(g.get(), arch, true, &int8_warm, 0);
  lower(g.get(), arch, true, &warm, 4);
  lower(g.get(), arch, false, &cold, 4);
  ASSERT_TRUE(warm.ok && cold.ok && int8_warm.ok) << warm.errors << cold.errors << int8_warm.errors;
  EXPECT_FALSE(int8_warm.layer(0).weights_resident);
  EXPECT_TRUE(warm.layer(0).weights_resident);
  EXPECT_EQ(warm.layer(0).weight_bytes, 144);
  EXPECT_EQ(warm.layer(0).weight_bits, 4);
  EXPECT_EQ(warm.s.weight_bits, 4);
  EXPECT_EQ(warm.s.resident_weight_bytes, 144);
  // Warm: input and output only (1024 + 1024); cold adds the one load of the 144 bytes.
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 2048);
  EXPECT_EQ(cold.s.dram_read_bytes + cold.s.dram_write_bytes, 2048 + 144);
  EXPECT_EQ(warm.s.sram_peak_bytes, 144 + 2048);
  // Compute stays int8 (the engine's dtype): the same MACs in the same type.
  for (size_t i = 0; i < warm.s.n_cmds; i++) {
    if (warm.s.cmds[i].kind == NP_CMD_COMPUTE) {
      EXPECT_EQ(warm.s.cmds[i].dtype, NP_DTYPE_INT8);
    }
  }
}

TEST(LowerResidency, PalettizedWeightsOneByteShortStreamAtTheirWidth) {
  GraphPtr g = parse_graph(kPointwise);
  // 2191 < 2192, and the greedy budget 2191 - 2048 = 143 < 144: streamed, 144 bytes a warm
  // inference (read once, as at int8).
  NpArch arch = load_arch({"sram.capacity_bytes=2191"});
  Lowered warm;
  lower(g.get(), arch, true, &warm, 4);
  ASSERT_TRUE(warm.ok) << warm.errors;
  EXPECT_FALSE(warm.layer(0).weights_resident);
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 2048 + 144);
  int64_t weight_loads = 0;
  for (size_t i = 0; i < warm.s.n_cmds; i++)
    if (warm.s.cmds[i].kind == NP_CMD_LOAD && warm.s.cmds[i].data == NP_DATA_WEIGHT) weight_loads += warm.s.cmds[i].bytes;
  EXPECT_EQ(weight_loads, 144);
}

TEST(LowerResidency, TheTextGraphsPerLayerWidthWinsOverTheRunsWidth) {
  // weight_bits=2 on the layer: 256 x 2 / 8 = 64 bytes plus a 2^2 = 4-entry palette: 68,
  // whatever the run's width (4 would give 144).
  GraphPtr g = parse_graph(R"(graph pw
input x int8 1x8x8x16
conv c x -> y out=16 kernel=1x1 bias=no weight_bits=2
output y
)");
  NpArch arch = load_arch({"sram.capacity_bytes=64KiB"});
  Lowered l;
  lower(g.get(), arch, true, &l, 4);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_EQ(l.layer(0).weight_bytes, 68);
  EXPECT_EQ(l.layer(0).weight_bits, 2);
  EXPECT_EQ(l.s.resident_weight_bytes, 68);
}

TEST(LowerResidency, AWidthNotBelowTheDtypesStoresWeightsAsTheyAre) {
  // int8 weights at 8 bits: nothing to compress, no table.
  GraphPtr g = parse_graph(kPointwise);
  NpArch arch = load_arch();
  Lowered l;
  lower(g.get(), arch, true, &l, 8);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_EQ(l.layer(0).weight_bytes, 256);
  EXPECT_EQ(l.layer(0).weight_bits, 0);
}

TEST(LowerResidency, ABadWidthIsRefused) {
  GraphPtr g = parse_graph(kPointwise);
  NpArch arch = load_arch();
  Lowered l;
  lower(g.get(), arch, true, &l, 3);
  EXPECT_FALSE(l.ok);
  EXPECT_NE(l.errors.find("weight bits 3: expected 8, 6, 4 or 2"), std::string::npos) << l.errors;
}

}  // namespace compressed
