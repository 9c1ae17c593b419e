// Placement: fallback reasons for each rule of the config, fusion, and the DRAM round trip
// with SYNCs around an op that leaves the accelerator.
#include "lower_support.h"

#include <string>

namespace {

std::string reason_of(const std::string &graph, const std::vector<std::string> &sets = {}) {
  GraphPtr g = parse_graph(graph);
  if (!g) return "<no graph>";
  NpArch arch = load_arch(sets);
  Lowered l;
  lower(g.get(), arch, true, &l);
  EXPECT_TRUE(l.ok) << l.errors;
  for (size_t i = 0; i < l.s.n_layers; i++)
    if (!l.layer(i).on_accelerator) {
      EXPECT_EQ(l.layer(i).engine, arch.fallback_engine);
      return l.layer(i).fallback_reason ? l.layer(i).fallback_reason : "<null>";
    }
  return "<on the accelerator>";
}

std::string conv_graph(const std::string &input, const std::string &options) {
  return "graph g\ninput x " + input + "\nconv c x -> y " + options + " bias=no\noutput y\n";
}

TEST(LowerPlace, OpKindNotInRules) {
  EXPECT_EQ(reason_of("graph g\ninput x int8 1x4x4x8\nsoftmax sm x -> y\noutput y\n"),
            "Softmax 'sm': Softmax is not in engines.npu.rules.ops [matrix]");
}

TEST(LowerPlace, KernelHeightAndWidth) {
  EXPECT_EQ(reason_of(conv_graph("int8 1x8x8x8", "out=8 kernel=5x3")),
            "Conv 'c': kernel height 5 exceeds engines.npu.rules.max_kernel_h 3");
  EXPECT_EQ(reason_of(conv_graph("int8 1x8x8x8", "out=8 kernel=3x5")),
            "Conv 'c': kernel width 5 exceeds engines.npu.rules.max_kernel_w 3");
}

TEST(LowerPlace, StrideAndDilation) {
  EXPECT_EQ(reason_of(conv_graph("int8 1x16x16x8", "out=8 kernel=3x3 stride=4")),
            "Conv 'c': stride 4 exceeds engines.npu.rules.max_stride 2");
  EXPECT_EQ(reason_of(conv_graph("int8 1x16x16x8", "out=8 kernel=3x3 dilation=2 pad=2")),
            "Conv 'c': dilation 2 exceeds engines.npu.rules.max_dilation 1");
}

TEST(LowerPlace, Channels) {
  EXPECT_EQ(reason_of(conv_graph("int8 1x4x4x8", "out=300 kernel=1x1")),
            "Conv 'c': 300 output channels exceed engines.npu.rules.max_channels 256");
  EXPECT_EQ(reason_of(conv_graph("int8 1x4x4x260", "out=8 kernel=1x1")),
            "Conv 'c': 260 input channels exceed engines.npu.rules.max_channels 256");
}

TEST(LowerPlace, DataType) {
  EXPECT_EQ(reason_of(conv_graph("int16 1x4x4x8", "out=8 kernel=1x1")),
            "Conv 'c': engines.npu.dtypes has no int16 (it computes int8)");
}

TEST(LowerPlace, NoTilingFitsTheSram) {
  // The smallest tile of a 3x3 conv over 8 channels: input window 3*3*1 B, weights 9 B,
  // output 1 B, each double-buffered = 38 B, more than 32 bytes of SRAM.
  EXPECT_EQ(reason_of(conv_graph("int8 1x8x8x8", "out=8 kernel=3x3 pad=1"), {"sram.capacity_bytes=32"}),
            "Conv 'c': one output tile of the smallest size needs 38 bytes of SRAM buffers, more "
            "than sram.capacity_bytes 32");
}

TEST(LowerPlace, ReluAfterConvFusesAndListsIt) {
  GraphPtr g = parse_graph(R"(graph f
input x int8 1x8x8x8
conv c x -> y out=8 kernel=1x1 bias=no
relu r y -> z
add a z x -> s
output s
)");
  NpArch arch = load_arch();
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  ASSERT_EQ(l.s.n_layers, 1u);  // relu and add ran in the conv's output stage
  ASSERT_EQ(l.layer(0).n_fused, 2);
  EXPECT_STREQ(g->ops[l.layer(0).fused_ops[0]].name, "r");
  EXPECT_STREQ(g->ops[l.layer(0).fused_ops[1]].name, "a");
  // The add reads x again: input 512 B twice (as the conv's input and the add's operand).
  EXPECT_EQ(l.s.dram_read_bytes, 512 + 512);
}

TEST(LowerPlace, NoFusionWhenTheEngineDoesNotFuse) {
  GraphPtr g = parse_graph(R"(graph f
input x int8 1x8x8x8
conv c x -> y out=8 kernel=1x1 bias=no
relu r y -> z
output z
)");
  NpArch arch = load_arch({"engines.npu.fuse_activations=false"});
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  ASSERT_EQ(l.s.n_layers, 2u);
  EXPECT_EQ(l.layer(1).engine, 1);  // vec
  EXPECT_EQ(l.s.syncs, 1);          // npu -> vec
}

// conv (npu) -> dilated conv (cpu: dilation 2 > 1) -> conv (npu), 8x8x16 int8 activations
// of 1024 B each.
TEST(LowerPlace, DramRoundTripAndSyncsAroundAFallback) {
  GraphPtr g = parse_graph(R"(graph mid
input x int8 1x8x8x16
conv c1 x -> y out=16 kernel=1x1 bias=no
conv c2 y -> z out=16 kernel=3x3 dilation=2 pad=2 bias=no
conv c3 z -> w out=16 kernel=1x1 bias=no
output w
)");
  NpArch arch = load_arch();
  Lowered l;
  lower(g.get(), arch, true, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  ASSERT_EQ(l.s.n_layers, 3u);
  EXPECT_TRUE(l.layer(0).on_accelerator);
  EXPECT_FALSE(l.layer(1).on_accelerator);
  EXPECT_TRUE(l.layer(2).on_accelerator);
  EXPECT_EQ(l.s.fallback_ops, 1);
  // y crosses npu -> cpu, z crosses cpu -> npu: two crossings, one SYNC each way.
  EXPECT_EQ(l.s.crossings, 2);
  EXPECT_EQ(l.s.syncs, 2);
  EXPECT_EQ(l.count(NP_CMD_SYNC, 1), 1u);
  EXPECT_EQ(l.count(NP_CMD_SYNC, 2), 1u);
  // y goes out (STORE 1024 B) although an accelerator layer could have kept it...
  EXPECT_EQ(l.layer(0).dram_write_bytes, 1024);
  // ... the CPU reads y and its weights (16*16*9 = 2304 B) from DRAM and writes z ...
  EXPECT_EQ(l.layer(1).dram_read_bytes, 1024 + 2304);
  EXPECT_EQ(l.layer(1).dram_write_bytes, 1024);
  // ... and c3 loads z back (its weights are resident, warm): 1024 in, 1024 out.
  EXPECT_EQ(l.layer(2).dram_read_bytes, 1024);
  // The chain of dependencies: STORE y -> SYNC -> CPU COMPUTE -> SYNC -> LOAD z.
  const NpCommand *cmds = l.s.cmds;
  const NpLayerPlan &cpu = l.layer(1);
  ASSERT_EQ(cpu.n_cmds, 2);
  const NpCommand &sync1 = cmds[cpu.first_cmd], &compute = cmds[cpu.first_cmd + 1];
  EXPECT_EQ(sync1.kind, NP_CMD_SYNC);
  EXPECT_EQ(sync1.from_engine, 0);
  EXPECT_EQ(sync1.to_engine, 2);
  ASSERT_EQ(sync1.n_deps, 1);
  EXPECT_EQ(cmds[np_command_deps(&l.s, &sync1)[0]].kind, NP_CMD_STORE);
  ASSERT_EQ(compute.n_deps, 1);
  EXPECT_EQ(np_command_deps(&l.s, &compute)[0], sync1.id);
  const NpCommand &sync2 = cmds[l.layer(2).first_cmd];
  EXPECT_EQ(sync2.kind, NP_CMD_SYNC);
  EXPECT_EQ(sync2.from_engine, 2);
  EXPECT_EQ(sync2.to_engine, 0);
  EXPECT_EQ(np_command_deps(&l.s, &sync2)[0], compute.id);
  const NpCommand &load = cmds[l.layer(2).first_cmd + 1];
  EXPECT_EQ(load.kind, NP_CMD_LOAD);
  EXPECT_EQ(load.bytes, 1024);
  bool waits_for_sync = false;
  for (int32_t k = 0; k < load.n_deps; k++) waits_for_sync |= np_command_deps(&l.s, &load)[k] == sync2.id;
  EXPECT_TRUE(waits_for_sync);
}

}  // namespace
