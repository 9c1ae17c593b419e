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

TEST(LowerResidency, OneByteLessAndTheTilesShrinkAroundTheWeights) {
  GraphPtr g = parse_graph(kPointwise);
  NpArch arch = load_arch({"sram.capacity_bytes=2303"});
  Lowered warm, cold;
  lower(g.get(), arch, true, &warm);
  lower(g.get(), arch, false, &cold);
  ASSERT_TRUE(warm.ok) << warm.errors;
  // Input and output no longer fit whole beside the weights, so the conv splits by rows:
  // resident, the tiles get 2303 - 256 = 2047 B: 2*128*th (in) + 2*128*th (out) <= 2047 ->
  // th <= 3.99; streamed, the weights take a 256-byte slot of the same 2303: th <= 3.99 too.
  // Rows of 8 split 3,3,2 either way, and resident saves the weights' LOAD every inference:
  // they stay (docs/lowering.md, "Residency").
  EXPECT_TRUE(warm.layer(0).weights_resident);
  EXPECT_EQ(warm.s.resident_weight_bytes, 256);
  EXPECT_EQ(warm.layer(0).tile_rows, 3);
  EXPECT_EQ(warm.layer(0).n_tiles, 3);
  // A 1x1 conv split by rows re-reads nothing: warm traffic stays 2048, cold adds the weights.
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 2048);
  EXPECT_EQ(cold.s.dram_read_bytes + cold.s.dram_write_bytes, 2048 + 256);
  EXPECT_LE(warm.s.sram_peak_bytes, 2303);
}

// Two layers: conv a: 1x1, 16 -> 16 (256 B of weights); conv b: 1x1, 16 -> 64 (1024 B).
// Activations are planned first: y (8x8x16 = 1024 B) stays on chip. At 6400 B both layers'
// weights (1280) fit beside y (1024) with every layer untiled (a: x 1024 B; b: z 4096 B):
// 1280 + 1024 + 4096 = 6400, so keeping them only removes their LOADs, and both stay.
// At 6144, a's 256 B first (more load time per byte: the latency weighs more on fewer bytes)
// would leave b 6144 - 1280 - 1024 = 3840 B for z 4096 + its weights: b would have to
// tile. Keeping b's alone leaves 6144 - 1024 - 1024 = 4096 B: z whole, and a streams its
// 256 B beside x (1280 B): nothing is tiled, so b stays and a streams.
const char *kPointwisePair = R"(graph two
input x int8 1x8x8x16
conv a x -> y out=16 kernel=1x1 bias=no
conv b y -> z out=64 kernel=1x1 bias=no
output z
)";

TEST(LowerResidency, BothStayWhenNoTileHasToShrink) {
  GraphPtr g = parse_graph(kPointwisePair);
  NpArch arch = load_arch({"sram.capacity_bytes=6400"});
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_TRUE(l.layer(0).weights_resident);
  EXPECT_TRUE(l.layer(1).weights_resident);
  EXPECT_EQ(l.s.resident_weight_bytes, 1280);
  EXPECT_EQ(l.layer(0).n_tiles, 1);
  EXPECT_EQ(l.layer(1).n_tiles, 1);
  // Warm: x in and z out, nothing else.
  EXPECT_EQ(l.s.dram_read_bytes, 1024);
  EXPECT_EQ(l.s.dram_write_bytes, 4096);
}

TEST(LowerResidency, AWeightThatWouldSqueezeABigLayerStreams) {
  GraphPtr g = parse_graph(kPointwisePair);
  NpArch arch = load_arch({"sram.capacity_bytes=6144"});
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_FALSE(l.layer(0).weights_resident);
  EXPECT_TRUE(l.layer(1).weights_resident);
  EXPECT_EQ(l.s.resident_weight_bytes, 1024);
  EXPECT_EQ(l.layer(0).n_tiles, 1);
  EXPECT_EQ(l.layer(1).n_tiles, 1);
  EXPECT_EQ(l.s.dram_read_bytes, 1024 + 256);
}

// sram.weights_resident: false (a U55 in Vela's Shared_Sram mode, weights in flash). At 6400 B
// both layers' weights would stay (BothStayWhenNoTileHasToShrink); here none may. y still
// stays on chip (activations are planned first, 1024 B at offset 0); a then has 6400 - 1024
// = 5376 B for x 1024 + its weights 256, b the same 5376 for its weights 1024 + z 4096 =
// 5120: neither tiles, so each weight is read once. Warm and cold both read x and both
// weights, 1024 + 256 + 1024 = 2304 B, and write z, 4096 B.
TEST(LowerResidency, WeightsNeverResidentAreReadEveryInference) {
  GraphPtr g = parse_graph(kPointwisePair);
  NpArch arch = load_arch({"sram.capacity_bytes=6400", "sram.weights_resident=false"});
  Lowered warm, cold;
  lower(g.get(), arch, true, &warm);
  lower(g.get(), arch, false, &cold);
  ASSERT_TRUE(warm.ok && cold.ok) << warm.errors << cold.errors;
  EXPECT_FALSE(warm.layer(0).weights_resident);
  EXPECT_FALSE(warm.layer(1).weights_resident);
  EXPECT_EQ(warm.s.resident_weight_bytes, 0);
  EXPECT_EQ(warm.layer(0).n_tiles, 1);
  EXPECT_EQ(warm.layer(1).n_tiles, 1);
  EXPECT_EQ(warm.s.dram_read_bytes, 1024 + 256 + 1024);
  EXPECT_EQ(warm.s.dram_write_bytes, 4096);
  EXPECT_EQ(cold.s.dram_read_bytes, warm.s.dram_read_bytes);
  EXPECT_EQ(cold.s.dram_write_bytes, warm.s.dram_write_bytes);
}

}  // namespace

// Compressed weights (docs/timing.md, "Compressed weights"): the same 1x1 conv with its 256
// int8 weights palettized to 4 bits takes ceil(256 x 4 / 8) = 128 bytes of indices plus a
// palette of 2^4 = 16 entries of 1 byte: 144 bytes.
namespace compressed {

// The two convs above at 4 bits: a's 256 weights take 128 bytes and a 16-entry palette,
// 144 B; b's 1024 take 512 + 16 = 528 B: 672 B in all. At 6144 B both fit beside y (1024)
// and z whole (4096) with nothing tiled, 672 + 1024 + 4096 = 5792 <= 6144, where at int8
// a's 256 B would have squeezed b (AWeightThatWouldSqueezeABigLayerStreams).
TEST(LowerResidency, PalettizedWeightsBecomeResidentWhereInt8OnesStream) {
  GraphPtr g = parse_graph(kPointwisePair);
  NpArch arch = load_arch({"sram.capacity_bytes=6144"});
  Lowered int8_warm, warm, cold;
  lower(g.get(), arch, true, &int8_warm, 0);
  lower(g.get(), arch, true, &warm, 4);
  lower(g.get(), arch, false, &cold, 4);
  ASSERT_TRUE(warm.ok && cold.ok && int8_warm.ok) << warm.errors << cold.errors << int8_warm.errors;
  EXPECT_FALSE(int8_warm.layer(0).weights_resident);
  EXPECT_TRUE(warm.layer(0).weights_resident);
  EXPECT_TRUE(warm.layer(1).weights_resident);
  EXPECT_EQ(warm.layer(0).weight_bytes, 144);
  EXPECT_EQ(warm.layer(1).weight_bytes, 528);
  EXPECT_EQ(warm.layer(0).weight_bits, 4);
  EXPECT_EQ(warm.s.weight_bits, 4);
  EXPECT_EQ(warm.s.resident_weight_bytes, 672);
  // Warm: input and output only (1024 + 4096); cold adds the one load of the 672 bytes.
  EXPECT_EQ(warm.s.dram_read_bytes + warm.s.dram_write_bytes, 1024 + 4096);
  EXPECT_EQ(cold.s.dram_read_bytes + cold.s.dram_write_bytes, 1024 + 4096 + 672);
  // Compute stays int8 (the engine's dtype): the same MACs in the same type.
  for (size_t i = 0; i < warm.s.n_cmds; i++) {
    if (warm.s.cmds[i].kind == NP_CMD_COMPUTE) {
      EXPECT_EQ(warm.s.cmds[i].dtype, NP_DTYPE_INT8);
    }
  }
}

// To the byte: at 5792 B the 4-bit weights, y and z whole fill the SRAM exactly.
TEST(LowerResidency, PalettizedWeightsFitToTheByte) {
  GraphPtr g = parse_graph(kPointwisePair);
  NpArch arch = load_arch({"sram.capacity_bytes=5792"});
  Lowered warm;
  lower(g.get(), arch, true, &warm, 4);
  ASSERT_TRUE(warm.ok) << warm.errors;
  EXPECT_TRUE(warm.layer(0).weights_resident);
  EXPECT_TRUE(warm.layer(1).weights_resident);
  EXPECT_EQ(warm.layer(0).n_tiles, 1);
  EXPECT_EQ(warm.layer(1).n_tiles, 1);
  EXPECT_EQ(warm.s.sram_peak_bytes, 5792);
  int64_t weight_loads = 0;
  for (size_t i = 0; i < warm.s.n_cmds; i++)
    if (warm.s.cmds[i].kind == NP_CMD_LOAD && warm.s.cmds[i].data == NP_DATA_WEIGHT) weight_loads += warm.s.cmds[i].bytes;
  EXPECT_EQ(weight_loads, 0);
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
