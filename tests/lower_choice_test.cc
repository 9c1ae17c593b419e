// Placement by estimated time (docs/lowering.md, "Placement"): among the accelerator engines
// whose rules accept an op, the one whose layer the cost model estimates fastest, the SYNCs
// into it included; ties keep placement order; `placement_choice: first_fit` keeps the first.
//
// The config's memories never limit (as configs/ideal.yaml), so every estimate here is the
// engine's cycles formula (docs/timing.md) plus one cycle per transfer:
// - a transfer: latency 0, one burst of at most 4 KiB on the bus for
//   burst_ticks = ceil(4096 x 64 x 65536 / 1e6) = 17180 ticks, and cycle(17180) = 1; its SRAM
//   side is one 4 KiB bank line at 16 ports: 1 cycle;
// - a layer of one tile: its first tile's LOADs (input, weights), its COMPUTE, its STORE,
//   one after another: 1 + 1 + compute + 1 = compute + 3 (docs/lowering.md, "Cost model");
//   splitting it into more tiles only adds fill and drain on the array, and ties on time are
//   decided by fewer commands, so one tile is the plan;
// - bank time: a tile reads and writes a few 4 KiB lines over 64 banks: 1 cycle, under every
//   engine's cycles.
#include "lower_support.h"

#include <cmath>
#include <string>

extern "C" {
#include "report/views.h"
}

namespace {

const char *kChoiceConfig = R"(name: choice-test
clock_mhz: 1000
data_types: {int8: 1}
default_dtype: int8
engines:
  - name: npu
    kind: mac_array
    rows: 8
    cols: 8
    dataflow: ws
    rules: {ops: [matrix]}
  - name: npu2
    kind: mac_array
    rows: 8
    cols: 8
    dataflow: ws
    rules: {ops: [matrix]}
  - name: vec
    kind: vector
    lanes: 16
    rules: {ops: [Conv, pool, elementwise, data_movement, free]}
  - name: cpu
    kind: cpu
    lanes: 4
placement: [npu, vec, cpu]
sram: {capacity_bytes: 16MiB, banks: 64, bank_width_bytes: 4KiB, ports_per_bank: 16, alignment_bytes: 1}
dram: {bandwidth_gb_per_s: 1000000, burst_bytes: 4KiB, latency_cycles: 0, channels: 64, max_outstanding_bursts: 1048576}
)";

// A 3x3 depthwise conv, pad 1, over 8x8x16 int8: 8 x 8 x 16 x 9 = 9216 MACs; input and output
// 1024 B, weights 16 x 9 = 144 B.
// - npu (8x8, ws, depthwise: systolic): each channel is a GEMM of M = 64 pixels, K = 9 taps,
//   N = 1: ceil(9 / 8) x ceil(1 / 8) = 2 folds of 2R + C + M - 2 = 16 + 8 + 64 - 2 = 86 cycles,
//   172 a channel, 16 x 172 = 2752 cycles; estimate 2752 + 3 = 2755.
// - vec (16 lanes; throughput.matrix defaults to lanes): ceil(9216 / 16) = 576 cycles;
//   estimate 576 + 3 = 579.
const char *kDepthwise = "graph dw\ninput x int8 1x8x8x16\ndwconv d x -> y kernel=3x3 pad=1 bias=no\noutput y\n";

// A ReLU (the vector unit's alone: the arrays take matrix ops) and then a 1x1 conv 16 -> 16
// over 8x8: 8 x 8 x 16 x 16 = 16384 MACs; input and output 1024 B, weights 256 B.
// - npu: M = 64, K = 16, N = 16: ceil(16 / 8) x ceil(16 / 8) = 4 folds of 86 = 344 cycles;
//   estimate 344 + 3 = 347, plus the SYNC vec -> npu its input needs.
// - vec: ceil(16384 / 16) = 1024 cycles; estimate 1027, no SYNC (the ReLU ran there).
const char *kReluConv =
    "graph rc\ninput x int8 1x8x8x16\nrelu r x -> a\nconv c a -> y out=16 kernel=1x1 bias=no\noutput y\n";

struct Choice {
  GraphPtr g;
  NpArch arch{};
  Lowered l;
};

void lower_with(const char *graph, const std::vector<std::string> &sets, Choice *c) {
  c->g = parse_graph(graph);
  ASSERT_TRUE(c->g);
  c->arch = load_arch(sets, kChoiceConfig);
  lower(c->g.get(), c->arch, true, &c->l);
  ASSERT_TRUE(c->l.ok) << c->l.errors;
}

int engine(const NpArch &arch, const char *name) { return np_arch_find_engine(&arch, name); }

std::string view(const Choice &c) {
  char *text = np_schedule_view_text(&c.l.s, c.g.get(), nullptr, 0);
  std::string s = text;
  free(text);
  return s;
}

TEST(LowerChoice, DepthwiseGoesToTheVectorUnitByEstimate) {
  Choice c;
  lower_with(kDepthwise, {}, &c);
  ASSERT_EQ(c.l.s.n_layers, 1u);
  const NpLayerPlan &p = c.l.layer(0);
  EXPECT_EQ(p.engine, engine(c.arch, "vec"));
  EXPECT_TRUE(p.on_accelerator);
  EXPECT_EQ(p.placed_by, NP_PLACED_ESTIMATE);
  EXPECT_EQ(p.first_fit_engine, engine(c.arch, "npu"));
  ASSERT_EQ(p.n_placement_estimates, 2);  // npu2 is not in placement
  EXPECT_EQ(p.placement_estimates[0].engine, engine(c.arch, "npu"));
  EXPECT_DOUBLE_EQ(p.placement_estimates[0].cycles, 2755);
  EXPECT_FALSE(p.placement_estimates[0].floor);
  EXPECT_EQ(p.placement_estimates[1].engine, engine(c.arch, "vec"));
  EXPECT_DOUBLE_EQ(p.placement_estimates[1].cycles, 579);
  EXPECT_DOUBLE_EQ(p.placement_estimates[1].sync_cycles, 0);
  EXPECT_NE(view(c).find("      placed by estimate: engines.vec 579 cycles < engines.npu 2755 cycles (first fit)\n"),
            std::string::npos)
      << view(c);
  // The warm replay: the weights stay resident (the SRAM holds them), so it is the estimate
  // less their 1-cycle LOAD: 1 + 576 + 1.
  EXPECT_EQ(replayed_cycles(c.l, c.arch), 578);
}

TEST(LowerChoice, TheScheduleJsonKeepsTheEstimates) {
  Choice c;
  lower_with(kDepthwise, {}, &c);
  char *json = np_schedule_to_json(&c.l.s, c.g.get());
  std::string text = json;
  EXPECT_NE(text.find("\"placed_by\":\"estimate\",\"first_fit_engine\":0,\"placement_estimates\":[{\"engine\":0,"
                      "\"cycles\":2755"),
            std::string::npos)
      << text;
  NpSchedule back;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_schedule_from_json(json, strlen(json), "<json>", &back, &diag)) << diag.messages[0];
  free(json);
  np_diag_free(&diag);
  EXPECT_EQ(back.layers[0].placed_by, NP_PLACED_ESTIMATE);
  EXPECT_EQ(back.layers[0].first_fit_engine, 0);
  ASSERT_EQ(back.layers[0].n_placement_estimates, 2);
  EXPECT_DOUBLE_EQ(back.layers[0].placement_estimates[1].cycles, 579);
  np_schedule_free(&back);
}

TEST(LowerChoice, FirstFitKeepsTheFirstEngine) {
  Choice c;
  lower_with(kDepthwise, {"placement_choice=first_fit"}, &c);
  const NpLayerPlan &p = c.l.layer(0);
  EXPECT_EQ(p.engine, engine(c.arch, "npu"));
  EXPECT_EQ(p.placed_by, NP_PLACED_FIRST_FIT);
  EXPECT_EQ(p.n_placement_estimates, 0);
  EXPECT_EQ(view(c).find("placed by"), std::string::npos);
  EXPECT_EQ(replayed_cycles(c.l, c.arch), 2754);  // 1 + 2752 + 1, as above
}

// npu and npu2 are the same array: 2755 cycles each. The tie goes to the one placement lists
// first, both ways round.
TEST(LowerChoice, ATieKeepsPlacementOrder) {
  for (const char *order : {"[npu, npu2, cpu]", "[npu2, npu, cpu]"}) {
    Choice c;
    lower_with(kDepthwise, {std::string("placement=") + order}, &c);
    const NpLayerPlan &p = c.l.layer(0);
    int first = c.arch.placement[0];
    EXPECT_EQ(p.engine, first) << order;
    EXPECT_EQ(p.first_fit_engine, first) << order;
    EXPECT_EQ(p.placed_by, NP_PLACED_ESTIMATE) << order;
    ASSERT_EQ(p.n_placement_estimates, 2) << order;
    EXPECT_EQ(p.placement_estimates[0].engine, first) << order;
    EXPECT_DOUBLE_EQ(p.placement_estimates[0].cycles, 2755) << order;
    EXPECT_DOUBLE_EQ(p.placement_estimates[1].cycles, 2755) << order;
    EXPECT_EQ(view(c).find("placed by"), std::string::npos) << order;  // the first fit won
  }
}

// Without a SYNC cost the array wins, 347 against the vector unit's floor of 1024 cycles (its
// work at its peak rate, 16384 / 16): already no better, so the conv is not tiled there.
// At 1000 cycles a vec -> npu SYNC makes the array 1347, and the vector unit, tiled, 1027.
TEST(LowerChoice, TheSyncIntoALayerCounts) {
  {
    Choice c;
    lower_with(kReluConv, {}, &c);
    ASSERT_EQ(c.l.s.n_layers, 2u);
    const NpLayerPlan &p = c.l.layer(1);
    EXPECT_EQ(p.engine, engine(c.arch, "npu"));
    ASSERT_EQ(p.n_placement_estimates, 2);
    EXPECT_DOUBLE_EQ(p.placement_estimates[0].cycles, 347);
    EXPECT_TRUE(p.placement_estimates[1].floor);
    EXPECT_DOUBLE_EQ(p.placement_estimates[1].cycles, 1024);
    EXPECT_EQ(c.l.count(NP_CMD_SYNC), 1u);
  }
  {
    Choice c;
    lower_with(kReluConv, {"sync.cycles.vector.mac_array=1000"}, &c);
    const NpLayerPlan &p = c.l.layer(1);
    EXPECT_EQ(p.engine, engine(c.arch, "vec"));
    ASSERT_EQ(p.n_placement_estimates, 2);
    EXPECT_DOUBLE_EQ(p.placement_estimates[0].cycles, 1347);
    EXPECT_DOUBLE_EQ(p.placement_estimates[0].sync_cycles, 1000);
    EXPECT_FALSE(p.placement_estimates[1].floor);
    EXPECT_DOUBLE_EQ(p.placement_estimates[1].cycles, 1027);
    EXPECT_EQ(c.l.count(NP_CMD_SYNC), 0u);  // both layers on vec
    EXPECT_NE(view(c).find("placed by estimate: engines.vec 1027 cycles < engines.npu 1347 cycles (first fit)"),
              std::string::npos)
        << view(c);
  }
}

// The same conv with a second ReLU after it, on an array that fuses it (fuse_activations):
// - npu: the conv and the ReLU in one layer, 344 + 3 = 347 cycles (the fused ReLU adds no
//   cycles of its own), and a 700-cycle vec -> npu SYNC: 1047;
// - vec: the conv alone, 1027, and the ReLU as a layer of its own after it, on its first fit
//   (vec): 1024 elements / 16 lanes = 64 cycles, plus its LOAD and STORE, 66; no SYNCs: 1093.
// Counted without the ReLU's layer, the vector unit's 1027 would win.
TEST(LowerChoice, AnOpAnotherEngineFusesCountsAsItsOwnLayer) {
  const char *graph = "graph rcr\ninput x int8 1x8x8x16\nrelu r x -> a\nconv c a -> y out=16 kernel=1x1 bias=no\n"
                      "relu r2 y -> z\noutput z\n";
  Choice c;
  lower_with(graph, {"engines.npu.fuse_activations=true", "sync.cycles.vector.mac_array=700"}, &c);
  ASSERT_EQ(c.l.s.n_layers, 2u);
  const NpLayerPlan &p = c.l.layer(1);
  EXPECT_EQ(p.engine, engine(c.arch, "npu"));
  EXPECT_EQ(p.n_fused, 1);
  ASSERT_EQ(p.n_placement_estimates, 2);
  EXPECT_DOUBLE_EQ(p.placement_estimates[0].cycles, 1047);
  EXPECT_DOUBLE_EQ(p.placement_estimates[0].sync_cycles, 700);
  EXPECT_DOUBLE_EQ(p.placement_estimates[0].unfused_cycles, 0);
  EXPECT_FALSE(p.placement_estimates[1].floor);
  EXPECT_DOUBLE_EQ(p.placement_estimates[1].cycles, 1093);
  EXPECT_DOUBLE_EQ(p.placement_estimates[1].unfused_cycles, 66);
}

TEST(LowerChoice, TheConfigKeyReadsWritesAndRefuses) {
  NpArch arch = load_arch({}, kChoiceConfig);
  EXPECT_EQ(arch.placement_choice, NP_PLACEMENT_LEAST_TIME);
  char *yaml = np_arch_to_yaml(&arch);
  EXPECT_NE(std::string(yaml).find("\nplacement_choice: least_time\n"), std::string::npos) << yaml;
  free(yaml);
  NpDiag diag;
  np_diag_init(&diag);
  const char *bad[] = {"placement_choice=fastest"};
  EXPECT_FALSE(np_arch_load_text(kChoiceConfig, strlen(kChoiceConfig), "c.yaml", bad, 1, &arch, &diag));
  ASSERT_GT(diag.count, 0u);
  std::string message = diag.messages[0];
  EXPECT_NE(message.find("placement_choice: unknown value 'fastest'"), std::string::npos) << message;
  EXPECT_NE(message.find("one of least_time, first_fit"), std::string::npos) << message;
  np_diag_free(&diag);
}

}  // namespace
