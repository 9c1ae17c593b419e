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
