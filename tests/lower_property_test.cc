// Properties of every schedule, over random layers and random configs (fixed seed):
// the SRAM peak stays within capacity, the COMPUTE tiles cover every MAC (or element) of
// their layer exactly once, dependencies point backwards, and the traffic the tiler planned
// is the traffic the commands move.
#include <random>
#include <sstream>

#include "lower_support.h"

namespace {

struct Case {
  std::string graph;
  std::vector<std::string> sets;
};

int pick(std::mt19937 &rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

std::string random_layer(std::mt19937 &rng) {
  std::ostringstream g;
  g << "graph r\n";
  int kind = pick(rng, 0, 5);
  if (kind <= 2) {  // conv (dense, strided, dilated) or depthwise
    int k = pick(rng, 0, 2) * 2 + 1, s = pick(rng, 1, 2), d = pick(rng, 1, 2);
    int h = pick(rng, (k - 1) * d + 1, 24), w = pick(rng, (k - 1) * d + 1, 24), c = pick(rng, 1, 48);
    g << "input x int8 1x" << h << "x" << w << "x" << c << "\n";
    if (kind == 2)
      g << "dwconv l x -> y kernel=" << k << "x" << k << " stride=" << s << " dilation=" << d;
    else
      g << "conv l x -> y out=" << pick(rng, 1, 64) << " kernel=" << k << "x" << k << " stride=" << s
        << " dilation=" << d;
    g << (pick(rng, 0, 1) ? " pad=same" : "") << (pick(rng, 0, 1) ? " bias=no" : "") << "\n";
    if (pick(rng, 0, 1)) {
      g << "relu a y -> z\noutput z\n";
    } else {
      g << "output y\n";
    }
  } else if (kind == 3) {  // gemm
    int m = pick(rng, 1, 64), k = pick(rng, 1, 600), n = pick(rng, 1, 200);
    g << "input a int8 " << m << "x" << k << "\ngemm l a -> b n=" << n << (pick(rng, 0, 1) ? " bias=no" : "")
      << "\noutput b\n";
  } else if (kind == 4) {  // pooling
    int h = pick(rng, 2, 30), w = pick(rng, 2, 30), c = pick(rng, 1, 64);
    g << "input x int8 1x" << h << "x" << w << "x" << c << "\n"
      << (pick(rng, 0, 1) ? "maxpool" : "avgpool") << " l x -> y kernel=2x2 stride=2\noutput y\n";
  } else {  // a small chain with a residual add
    int h = pick(rng, 1, 16), c = pick(rng, 1, 32);
    g << "input x int8 1x" << h << "x" << h << "x" << c << "\n"
      << "conv c1 x -> y out=" << c << " kernel=3x3 pad=1\n"
      << "relu r y -> y1\n"
      << "conv c2 y1 -> z out=" << c << " kernel=1x1 bias=no\n"
      << "add s z x -> t\n"
      << "globalavgpool p t -> q\n"
      << "output q\n";
  }
  return g.str();
}

std::vector<std::string> random_config(std::mt19937 &rng) {
  static const int banks[] = {1, 2, 4, 8, 16};
  static const int widths[] = {1, 4, 8, 16, 64};
  static const int arrays[] = {2, 4, 8, 16, 32};
  static const char *flows[] = {"ws", "os", "is"};
  int b = banks[pick(rng, 0, 4)], w = widths[pick(rng, 0, 4)];
  int64_t rows = pick(rng, 0, 1) ? pick(rng, 2, 64) : pick(rng, 64, 8192);
  std::vector<std::string> sets = {
      "sram.banks=" + std::to_string(b),
      "sram.bank_width_bytes=" + std::to_string(w),
      "sram.alignment_bytes=" + std::to_string(w * (pick(rng, 0, 1) ? 1 : 2)),
      "sram.capacity_bytes=" + std::to_string((int64_t)b * w * rows),
      "engines.npu.rows=" + std::to_string(arrays[pick(rng, 0, 4)]),
      "engines.npu.cols=" + std::to_string(arrays[pick(rng, 0, 4)]),
      std::string("engines.npu.dataflow=") + flows[pick(rng, 0, 2)],
      "engines.npu.rules.max_kernel_h=5",
      "engines.npu.rules.max_kernel_w=5",
      "engines.npu.rules.max_dilation=" + std::to_string(pick(rng, 1, 2)),
      std::string("engines.npu.fuse_activations=") + (pick(rng, 0, 1) ? "true" : "false"),
  };
  return sets;
}

void check_schedule(const NpGraph *g, const NpArch &arch, const Lowered &l, const std::string &what) {
  SCOPED_TRACE(what);
  const NpSchedule &s = l.s;
  EXPECT_LE(s.sram_peak_bytes, arch.sram.capacity_bytes);
  NpDiag diag;
  np_diag_init(&diag);
  EXPECT_TRUE(np_schedule_check(&s, arch.n_engines, nullptr, &diag)) << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  for (size_t i = 0; i < s.n_cmds; i++) {
    const NpCommand &c = s.cmds[i];
    for (int32_t k = 0; k < c.n_deps; k++) ASSERT_LT(np_command_deps(&s, &c)[k], c.id);
    if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE) {
      EXPECT_GE(c.sram_offset, 0);
      EXPECT_LE(c.sram_offset + c.bytes, arch.sram.capacity_bytes) << "command " << c.id;
      EXPECT_GE(c.dram_addr, 0);
      EXPECT_GT(c.bytes, 0);
      EXPECT_NE(c.banks, 0u);
    }
  }
  for (size_t li = 0; li < s.n_layers; li++) {
    const NpLayerPlan &p = s.layers[li];
    const NpOp &op = g->ops[p.op];
    int64_t macs = 0, elements = 0, tiles = 0;
    for (int32_t k = 0; k < p.n_cmds; k++) {
      const NpCommand &c = s.cmds[p.first_cmd + k];
      if (c.layer != (int32_t)li) {  // a cascade's two layers interleave (docs/formats.md)
        bool partner = (p.cascade_into == (int32_t)li + 1 && c.layer == (int32_t)li + 1) ||
                       (li > 0 && s.layers[li - 1].cascade_into == (int32_t)li && c.layer == (int32_t)li - 1);
        ASSERT_TRUE(partner) << "command " << c.id << " of layer " << c.layer << " in layer " << li << "'s range";
        continue;
      }
      if (c.kind == NP_CMD_LOAD) {  // warm: every LOAD fills one of the layer's tile buffers
        EXPECT_GE(c.sram_offset, p.sram_base) << "command " << c.id;
        EXPECT_LE(c.sram_offset + c.bytes, p.sram_base + p.staging_bytes) << "command " << c.id;
      }
      if (c.kind != NP_CMD_COMPUTE) continue;
      tiles++;
      macs += c.macs;
      elements += c.elements;
      if (p.on_accelerator && c.gemm.m > 0 && op.kind != NP_OP_CONV_TRANSPOSE) {
        EXPECT_EQ(c.gemm.m * c.gemm.n * c.gemm.k * c.gemm.batch, c.macs) << "tile " << c.id;
      }
    }
    if (np_op_class(op.kind) == NP_CLASS_MATRIX)
      EXPECT_EQ(macs, op.macs) << op.name;
    else
      EXPECT_EQ(elements, op.elements) << op.name;
    if (p.on_accelerator) {
      EXPECT_EQ(tiles, p.n_tiles) << op.name;
      EXPECT_EQ(p.planned_dram_bytes, p.dram_read_bytes + p.dram_write_bytes) << op.name;
      EXPECT_LE(p.sram_peak_bytes, arch.sram.capacity_bytes);
    }
  }
}

TEST(LowerProperty, RandomLayersOnRandomConfigs) {
  std::mt19937 rng(20240611);
  int on_accelerator = 0, split = 0;
  for (int i = 0; i < 300; i++) {
    std::string text = random_layer(rng);
    std::vector<std::string> sets = random_config(rng);
    GraphPtr g = parse_graph(text);
    ASSERT_TRUE(g) << text;
    NpArch arch = load_arch(sets);
    Lowered warm, again;
    lower(g.get(), arch, true, &warm);
    lower(g.get(), arch, true, &again);
    std::string what = text;
    for (const auto &s : sets) what += " --set " + s;
    ASSERT_TRUE(warm.ok) << what << "\n" << warm.errors;
    check_schedule(g.get(), arch, warm, what);
    EXPECT_EQ(warm.s.hash, again.s.hash) << what;
    for (size_t k = 0; k < warm.s.n_layers; k++) {
      on_accelerator += warm.layer(k).on_accelerator;
      split += warm.layer(k).on_accelerator && warm.layer(k).n_tiles > 1;
    }
    if (HasFailure()) break;
  }
  // The generator must exercise tiling, not only fallbacks.
  EXPECT_GT(on_accelerator, 200);
  EXPECT_GT(split, 50);
}

}  // namespace
