// Model what-ifs (sim/whatif): channel scale and input resolution on text graphs, with every
// expected dim worked out by hand from the rules in whatif.h.
#include <gtest/gtest.h>

#include <string>

#include "graph/graph.h"
#include "graph/textgraph.h"
#include "whatif/whatif.h"

namespace {

struct Loaded {
  NpGraph *g = nullptr;
  std::string errors;
  ~Loaded() { np_graph_free(g); }
};

void parse(const std::string &text, Loaded *out) {
  NpDiag diag;
  np_diag_init(&diag);
  out->g = np_textgraph_parse(text.data(), text.size(), "<test>", &diag);
  for (size_t i = 0; i < diag.count; i++) out->errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}

void apply(const NpGraph *g, NpWhatIf w, Loaded *out) {
  NpDiag diag;
  np_diag_init(&diag);
  out->g = np_whatif_apply(g, &w, &diag);
  for (size_t i = 0; i < diag.count; i++) out->errors += std::string(diag.messages[i]) + "\n";
  np_diag_free(&diag);
}

const NpTensor &tensor(const NpGraph *g, const char *name) {
  int t = np_graph_find_tensor(g, name);
  EXPECT_GE(t, 0) << name;
  return g->tensors[t];
}

std::string dims(const NpTensor &t) {
  std::string s;
  for (int i = 0; i < t.rank; i++) s += (i ? "x" : "") + std::to_string(t.dims[i]);
  return s;
}

int64_t group_of(const NpGraph *g, const char *op) {
  for (size_t i = 0; i < g->n_ops; i++)
    if (std::string(g->ops[i].name) == op) return g->ops[i].attrs.group;
  return -1;
}

// A small MobileNet-like body: conv, depthwise, pointwise, pooling and a classifier.
const char *kNet = R"(graph net
input x int8 1x8x8x16
conv c1 x -> y out=32 kernel=3 pad=1
dwconv d1 y -> z kernel=3 pad=1
conv c2 z -> w out=64 kernel=1
globalavgpool g w -> p
flatten f p -> v
gemm fc v -> o n=10
output o
)";

TEST(WhatIf, HalfWidthScalesHiddenChannelsAndTheirWeights) {
  Loaded base, half;
  parse(kNet, &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0.5, 0, 0}, &half);
  ASSERT_NE(half.g, nullptr) << half.errors;
  // c1: 32 -> 16 out channels; its weight (OIHW) 16 x 16 (input kept) x 3 x 3, bias 16.
  EXPECT_EQ(dims(tensor(half.g, "c1.weight")), "16x16x3x3");
  EXPECT_EQ(dims(tensor(half.g, "c1.bias")), "16");
  // d1 follows its input: 16 channels, group 16, weight 16 x 1 x 3 x 3.
  EXPECT_EQ(dims(tensor(half.g, "d1.weight")), "16x1x3x3");
  EXPECT_EQ(group_of(half.g, "d1"), 16);
  // c2: 64 -> 32, reading 16: weight 32 x 16 x 1 x 1.
  EXPECT_EQ(dims(tensor(half.g, "c2.weight")), "32x16x1x1");
  // The classifier keeps its 10 classes: weight K x N = 32 x 10; output 1 x 10.
  EXPECT_EQ(dims(tensor(half.g, "fc.weight")), "32x10");
  EXPECT_EQ(dims(tensor(half.g, "o")), "1x10");
  // The graph input keeps its 16 channels (logical NCHW 1x16x8x8).
  EXPECT_EQ(dims(tensor(half.g, "x")), "1x16x8x8");
}

TEST(WhatIf, WidthRoundsToNearestAndNeverBelowOne) {
  // 32 x 1.4 = 44.8 -> 45; 64 x 1.4 = 89.6 -> 90.
  Loaded base, wide, thin;
  parse(kNet, &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {1.4, 0, 0}, &wide);
  ASSERT_NE(wide.g, nullptr) << wide.errors;
  EXPECT_EQ(dims(tensor(wide.g, "c1.weight")), "45x16x3x3");
  EXPECT_EQ(dims(tensor(wide.g, "c2.weight")), "90x45x1x1");
  EXPECT_EQ(dims(tensor(wide.g, "fc.weight")), "90x10");
  // 32 x 0.01 = 0.32 -> 0, raised to 1; 64 x 0.01 = 0.64 -> 1.
  apply(base.g, {0.01, 0, 0}, &thin);
  ASSERT_NE(thin.g, nullptr) << thin.errors;
  EXPECT_EQ(dims(tensor(thin.g, "c1.weight")), "1x16x3x3");
  EXPECT_EQ(dims(tensor(thin.g, "c2.weight")), "1x1x1x1");
  EXPECT_EQ(np_whatif_scale_channels(32, 1.4), 45);
  EXPECT_EQ(np_whatif_scale_channels(3, 0.5), 2);  // 1.5 rounds away from zero
}

TEST(WhatIf, AResidualOntoTheInputKeepsTheInputWidth) {
  // c1's output is added (through d1) to the graph input x: tied to x's 64 channels, so c1
  // keeps 64; c2 (128, then pooled into the classifier) is hidden: 64.
  Loaded base, half;
  parse(R"(input x int8 1x8x8x64
conv c1 x -> y out=64 kernel=3 pad=1
dwconv d1 y -> z kernel=3 pad=1
add a1 z x -> s
conv c2 s -> t out=128 kernel=1 bias=no
globalavgpool gap t -> g
flatten f g -> v
gemm fc v -> logits n=10
output logits
)", &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0.5, 0, 0}, &half);
  ASSERT_NE(half.g, nullptr) << half.errors;
  EXPECT_EQ(dims(tensor(half.g, "c1.weight")), "64x64x3x3");
  EXPECT_EQ(dims(tensor(half.g, "c2.weight")), "64x64x1x1");
  EXPECT_EQ(dims(tensor(half.g, "fc.weight")), "64x10");
}

TEST(WhatIf, ConcatAddsItsScaledParts) {
  // a: 16 -> 8, b: 24 -> 12; the concat has 20 channels, and c reads 20.
  Loaded base, half;
  parse(R"(input x int8 1x4x4x8
conv a x -> ya out=16 kernel=1
conv b x -> yb out=24 kernel=1
concat cat ya yb -> y
conv c y -> z out=4 kernel=1
output z
)", &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0.5, 0, 0}, &half);
  ASSERT_NE(half.g, nullptr) << half.errors;
  EXPECT_EQ(dims(tensor(half.g, "y")), "1x20x4x4");
  EXPECT_EQ(dims(tensor(half.g, "c.weight")), "4x20x1x1");
}

TEST(WhatIf, ResolutionChangesEveryFeatureMap) {
  // 8x8 -> 16x12: stride-1 same-padded convs keep 16x12; the pooled classifier is unchanged.
  Loaded base, big;
  parse(kNet, &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0, 16, 12}, &big);
  ASSERT_NE(big.g, nullptr) << big.errors;
  EXPECT_EQ(dims(tensor(big.g, "x")), "1x16x16x12");
  EXPECT_EQ(dims(tensor(big.g, "w")), "1x64x16x12");
  EXPECT_EQ(dims(tensor(big.g, "o")), "1x10");
  // MACs of c1: 16*12 pixels x 32 out x 16*9 = 884,736.
  for (size_t i = 0; i < big.g->n_ops; i++) {
    if (std::string(big.g->ops[i].name) == "c1") {
      EXPECT_EQ(big.g->ops[i].macs, 884736);
    }
  }
}

TEST(WhatIf, AClassifierOverAFlattenedMapCannotChangeResolution) {
  Loaded base, big;
  parse(R"(input x int8 1x2x2x8
flatten f x -> v
gemm fc v -> o n=4
output o
)", &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0, 4, 4}, &big);
  EXPECT_EQ(big.g, nullptr);
  // The error names the file and the Gemm whose weight no longer fits, and the transform.
  EXPECT_NE(big.errors.find("<test>"), std::string::npos) << big.errors;
  EXPECT_NE(big.errors.find("fc"), std::string::npos) << big.errors;
  EXPECT_NE(big.errors.find("resolution 4x4"), std::string::npos) << big.errors;
}

TEST(WhatIf, GroupedConvolutionIsAClearError) {
  Loaded base, half;
  parse(R"(input x int8 1x4x4x8
conv g1 x -> y out=8 kernel=1 groups=2
output y
)", &base);
  ASSERT_NE(base.g, nullptr) << base.errors;
  apply(base.g, {0.5, 0, 0}, &half);
  EXPECT_EQ(half.g, nullptr);
  EXPECT_NE(half.errors.find("node 'g1'"), std::string::npos) << half.errors;
}

TEST(WhatIf, ParsesResolutionAndScale) {
  char err[256];
  int64_t h, w;
  double s;
  EXPECT_TRUE(np_whatif_parse_resolution("192", &h, &w, err, sizeof err));
  EXPECT_EQ(h, 192);
  EXPECT_EQ(w, 192);
  EXPECT_TRUE(np_whatif_parse_resolution("160x224", &h, &w, err, sizeof err));
  EXPECT_EQ(h, 160);
  EXPECT_EQ(w, 224);
  EXPECT_FALSE(np_whatif_parse_resolution("0", &h, &w, err, sizeof err));
  EXPECT_FALSE(np_whatif_parse_resolution("160x", &h, &w, err, sizeof err));
  EXPECT_FALSE(np_whatif_parse_resolution("x160", &h, &w, err, sizeof err));
  EXPECT_FALSE(np_whatif_parse_resolution("99999999999999999999", &h, &w, err, sizeof err));
  EXPECT_TRUE(np_whatif_parse_scale("1.4", &s, err, sizeof err));
  EXPECT_EQ(s, 1.4);
  EXPECT_FALSE(np_whatif_parse_scale("0", &s, err, sizeof err));
  EXPECT_FALSE(np_whatif_parse_scale("abc", &s, err, sizeof err));
}

}  // namespace
