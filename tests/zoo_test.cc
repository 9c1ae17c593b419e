// The model zoo (models/*.onnx) through the ONNX importer: every file imports cleanly, its
// MAC and parameter totals match published figures and our own independent counts, and a few
// layers have the shapes worked out by hand.
//
// Where the expected numbers come from:
//  - Published: torchvision's weight metadata (`_ops`, shown as "GFLOPS" in its docs but
//    really GMACs, and `num_params`), quoted in models/README.md with the source files.
//  - Counted: tools/export_models.py --stats, which counts MACs and parameters from the
//    PyTorch modules with forward hooks (conv: output elements x in/groups x kh x kw; linear:
//    rows x in x out; matmul: batch x M x N x K), independently of the ONNX files and of
//    npusim. "Params" there is the count after BatchNorm folding, which is what the file holds.
//  - Shapes: worked by hand from each layer's kernel, stride and padding (comments below).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "onnx/onnx_import.h"
#include "support/files.h"
#include "util/diag.h"

namespace {

// A zoo file imported for one test; the graph is NULL when the import failed.
class ZooModel {
 public:
  explicit ZooModel(const std::string &file) : path_(source_path("models/" + file)) {
    np_diag_init(&diag_);
    graph_ = np_onnx_import_file(path_.c_str(), &diag_);
  }
  ~ZooModel() {
    np_graph_free(graph_);
    np_diag_free(&diag_);
  }
  ZooModel(const ZooModel &) = delete;
  ZooModel &operator=(const ZooModel &) = delete;

  const NpGraph *graph() const { return graph_; }
  std::string errors() const {
    std::string text;
    for (size_t i = 0; i < diag_.count; i++) text += std::string(diag_.messages[i]) + "\n";
    return text;
  }
  bool ok() const { return graph_ != nullptr && !np_diag_failed(&diag_); }

  // The output tensor of the n-th (0-based) executed op of `kind` in topological order.
  const NpTensor *output_of(NpOpKind kind, int n = 0) const {
    for (size_t i = 0; i < graph_->n_order; i++) {
      const NpOp &op = graph_->ops[graph_->order[i]];
      if (op.kind != kind || op.folded) continue;
      if (n-- == 0) return &graph_->tensors[op.outputs[0]];
    }
    return nullptr;
  }
  const NpOp *op(NpOpKind kind, int n = 0) const {
    for (size_t i = 0; i < graph_->n_order; i++) {
      const NpOp &op = graph_->ops[graph_->order[i]];
      if (op.kind == kind && !op.folded && n-- == 0) return &op;
    }
    return nullptr;
  }
  // MACs of the n-th executed op of `kind`, or -1 when there is no such op.
  int64_t macs(NpOpKind kind, int n = 0) const {
    const NpOp *found = op(kind, n);
    return found ? found->macs : -1;
  }
  const NpTensor *graph_output(size_t i = 0) const {
    return i < graph_->n_outputs ? &graph_->tensors[graph_->outputs[i]] : nullptr;
  }

 private:
  std::string path_;
  NpDiag diag_;
  NpGraph *graph_ = nullptr;
};

std::vector<int64_t> physical_dims(const NpTensor *t) {
  if (t == nullptr) return {};
  int64_t dims[NP_MAX_RANK];
  int rank = np_tensor_physical_dims(t, dims);
  return std::vector<int64_t>(dims, dims + rank);
}

std::vector<int64_t> logical_dims(const NpTensor *t) {
  if (t == nullptr) return {};
  return std::vector<int64_t>(t->dims, t->dims + t->rank);
}

using Dims = std::vector<int64_t>;

// Imports a file and stops the test (with the importer's messages) when it fails.
#define IMPORT_OR_FAIL(var, file)                                      \
  ZooModel var(file);                                                  \
  ASSERT_TRUE(var.ok()) << "importing " << (file) << ":\n" << var.errors()

struct CountedFigures {
  const char *file;
  int64_t macs;
  int64_t params;  // after BatchNorm folding, as stored in the file
};

// Names the model in test listings (gtest would otherwise print the struct's bytes).
void PrintTo(const CountedFigures &figures, std::ostream *out) { *out << figures.file; }

// From `tools/export_models.py --stats` (see the header comment and models/README.md).
const CountedFigures kCounted[] = {
    {"mobilenet_v2.onnx", 300774272, 3487816},
    {"mobilenet_v3_small.onnx", 56510400, 2536800},
    {"resnet18.onnx", 1814073344, 11684712},
    {"resnet50.onnx", 4089184256, 25530472},
    {"efficientnet_b0.onnx", 385814752, 5267540},
    {"squeezenet1_1.onnx", 349151936, 1235496},
    {"lraspp_mobilenet_v3_large.onnx", 2086219688, 3209210},
    {"ds_cnn_kws.onnx", 2656768, 22604},
    {"unet_portrait.onnx", 3032481792, 1941105},
    {"bert_encoder.onnx", 436207616, 3159040},
};

// Our MAC counts use the same definition as the graph (multiply-accumulates of Conv,
// ConvTranspose, Gemm and MatMul), so they must agree exactly. Parameters get 0.1%: the
// importer keeps small float constants (MobileNetV2's 35 pairs of Clip bounds, the encoder's
// 16 GELU and attention-scale scalars) as weight tensors, which PyTorch's parameter count does
// not include; a missing weight tensor of any layer here is far above 0.1%.
constexpr double kParamsTolerance = 0.001;

// Published figures are rounded (GMACs to three decimals, "about 4.1 G"), and the file holds
// BatchNorm-folded parameters: ResNet-50 loses 26,560 of 25,557,032 (0.10%), MobileNetV2
// 17,056 of 3,504,872 (0.49%), ResNet-18 4,800 (0.04%). 2% covers both with margin, and is the
// tolerance issue 2 asks `npusim graph models/resnet50.onnx --json` to meet.
constexpr double kPublishedTolerance = 0.02;

void expect_within(const char *what, int64_t actual, double expected, double tolerance) {
  EXPECT_NEAR(static_cast<double>(actual), expected, expected * tolerance)
      << what << ": " << actual << " vs expected " << expected << " (tolerance " << tolerance * 100 << "%)";
}

TEST(Zoo, EveryFileInModelsIsCoveredHere) {
  std::set<std::string> covered;
  for (const auto &m : kCounted) covered.insert(m.file);
  std::set<std::string> present;
  for (const auto &entry : std::filesystem::directory_iterator(source_path("models")))
    if (entry.path().extension() == ".onnx") present.insert(entry.path().filename().string());
  EXPECT_EQ(present, covered) << "models/ and the table in tests/zoo_test.cc disagree";
}

class ZooTotals : public ::testing::TestWithParam<CountedFigures> {};

TEST_P(ZooTotals, ImportsAndMatchesCountedTotals) {
  const CountedFigures &expected = GetParam();
  IMPORT_OR_FAIL(model, expected.file);
  EXPECT_TRUE(model.graph()->finalized);
  NpGraphTotals totals = np_graph_totals(model.graph());
  EXPECT_EQ(totals.macs, expected.macs);
  expect_within("params", totals.params, static_cast<double>(expected.params), kParamsTolerance);
  for (size_t i = 0; i < model.graph()->n_tensors; i++) {
    const NpTensor &t = model.graph()->tensors[i];
    EXPECT_TRUE(t.shape_known) << expected.file << ": tensor '" << t.name << "' has no inferred shape";
  }
}

std::string file_stem(const ::testing::TestParamInfo<CountedFigures> &info) {
  std::string name = info.param.file;
  return name.substr(0, name.find('.'));
}

INSTANTIATE_TEST_SUITE_P(Models, ZooTotals, ::testing::ValuesIn(kCounted), file_stem);

TEST(ZooPublished, ResNet50) {
  IMPORT_OR_FAIL(model, "resnet50.onnx");
  NpGraphTotals totals = np_graph_totals(model.graph());
  expect_within("MACs", totals.macs, 4.089e9, kPublishedTolerance);      // torchvision: 4.089 GFLOPS
  expect_within("params", totals.params, 25557032, kPublishedTolerance);  // num_params
}

TEST(ZooPublished, ResNet18) {
  IMPORT_OR_FAIL(model, "resnet18.onnx");
  NpGraphTotals totals = np_graph_totals(model.graph());
  expect_within("MACs", totals.macs, 1.814e9, kPublishedTolerance);
  expect_within("params", totals.params, 11689512, kPublishedTolerance);
}

TEST(ZooPublished, MobileNetV2) {
  IMPORT_OR_FAIL(model, "mobilenet_v2.onnx");
  NpGraphTotals totals = np_graph_totals(model.graph());
  expect_within("MACs", totals.macs, 0.301e9, kPublishedTolerance);  // docs: 0.30 GFLOPS
  expect_within("params", totals.params, 3504872, kPublishedTolerance);
}

// Per-layer shapes, in memory order (NHWC for 4-D activations).

TEST(ZooShapes, MobileNetV2) {
  IMPORT_OR_FAIL(model, "mobilenet_v2.onnx");
  // First conv: 3x3, stride 2, pad 1, 32 filters on 224x224: (224 + 2 - 3) / 2 + 1 = 112.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV)), (Dims{1, 112, 112, 32}));
  const NpOp *conv = model.op(NP_OP_CONV);
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->macs, INT64_C(112) * 112 * 32 * (3 * 3 * 3));  // 10,838,016
  // Second conv: the depthwise 3x3 of the first block, stride 1: 32 channels, 9 MACs each.
  const NpOp *dw = model.op(NP_OP_CONV, 1);
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->attrs.group, 32);
  EXPECT_EQ(dw->macs, INT64_C(112) * 112 * 32 * 9);
  // Global pooling of the 7x7x1280 map (224 / 32 = 7), then the classifier.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_GLOBAL_AVGPOOL)), (Dims{1, 1, 1, 1280}));
  EXPECT_EQ(physical_dims(model.graph_output()), (Dims{1, 1000}));
}

TEST(ZooShapes, ResNet50) {
  IMPORT_OR_FAIL(model, "resnet50.onnx");
  // conv1 7x7 stride 2 pad 3: (224 + 6 - 7) / 2 + 1 = 112; max-pool 3x3 stride 2 pad 1:
  // (112 + 2 - 3) / 2 + 1 = 56.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV)), (Dims{1, 112, 112, 64}));
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_MAXPOOL)), (Dims{1, 56, 56, 64}));
  // The last of the 53 convs: layer4's 1x1 expansion to 2048 channels at 224 / 32 = 7.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV, 52)), (Dims{1, 7, 7, 2048}));
  // fc: 2048 x 1000 MACs.
  const NpOp *fc = model.op(NP_OP_GEMM);
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->macs, INT64_C(2048) * 1000);
}

TEST(ZooShapes, SqueezeNetOddSizesAndCeilMode) {
  IMPORT_OR_FAIL(model, "squeezenet1_1.onnx");
  // 3x3 stride 2, no padding, on 224: (224 - 3) / 2 + 1 = 111 (odd).
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV)), (Dims{1, 111, 111, 64}));
  // Max-pool 3x3 stride 2 with ceil_mode: ceil((111 - 3) / 2) + 1 = 55.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_MAXPOOL)), (Dims{1, 55, 55, 64}));
  // Fire module: squeeze to 16, expand 1x1 and 3x3 to 64 each, concatenated on channels.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONCAT)), (Dims{1, 55, 55, 128}));
}

TEST(ZooShapes, DsCnnAsymmetricPad) {
  IMPORT_OR_FAIL(model, "ds_cnn_kws.onnx");
  // Pad 4 rows above, 5 below, 1 column each side: 49 + 9 = 58, 10 + 2 = 12.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_PAD)), (Dims{1, 58, 12, 1}));
  // 10x4 conv, stride 2, no padding: (58 - 10) / 2 + 1 = 25, (12 - 4) / 2 + 1 = 5.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV)), (Dims{1, 25, 5, 64}));
  EXPECT_EQ(model.macs(NP_OP_CONV), INT64_C(25) * 5 * 64 * 10 * 4);  // 320,000
  EXPECT_EQ(model.macs(NP_OP_CONV, 1), INT64_C(25) * 5 * 64 * 9);    // depthwise: 72,000
  EXPECT_EQ(model.macs(NP_OP_CONV, 2), INT64_C(25) * 5 * 64 * 64);   // pointwise: 512,000
  // 25x5 average pool over the whole map.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_AVGPOOL)), (Dims{1, 1, 1, 64}));
  EXPECT_EQ(physical_dims(model.graph_output()), (Dims{1, 12}));
}

TEST(ZooShapes, UNetTransposedConvAndSkips) {
  IMPORT_OR_FAIL(model, "unet_portrait.onnx");
  // Four 2x2 max-pools: 256 -> 16 at the 256-channel bottleneck; the first 2x2 stride-2
  // ConvTranspose doubles it to 32 with 128 channels, and the Concat with the 32x32x128 skip
  // gives 256 channels.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV_TRANSPOSE)), (Dims{1, 32, 32, 128}));
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONCAT)), (Dims{1, 32, 32, 256}));
  // Every input pixel of 16x16x256 meets 128 x 2 x 2 weights: 33,554,432 MACs.
  EXPECT_EQ(model.macs(NP_OP_CONV_TRANSPOSE), INT64_C(16) * 16 * 256 * 128 * 2 * 2);
  EXPECT_EQ(physical_dims(model.graph_output()), (Dims{1, 256, 256, 1}));
}

TEST(ZooShapes, LrasppResizeSizesFromFoldedShapeOps) {
  IMPORT_OR_FAIL(model, "lraspp_mobilenet_v3_large.onnx");
  // The Resize sizes come from Shape -> Slice -> Concat with a constant, which the importer
  // must fold. In torchvision's LRASPPHead the high branch (output stride 16 with the dilated
  // backbone: 520 -> 260 -> 130 -> 65 -> 33, as (65 + 2 - 3) / 2 + 1 = 33), reduced to 128
  // channels and gated, is resized to the low branch's size (output stride 8: 65) before its
  // classifier; the final Resize takes the 21 class maps (Pascal VOC with background) back to
  // the input size.
  const NpOp *resize = model.op(NP_OP_RESIZE);
  ASSERT_NE(resize, nullptr);
  EXPECT_EQ(physical_dims(&model.graph()->tensors[resize->inputs[0]]), (Dims{1, 33, 33, 128}));
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_RESIZE)), (Dims{1, 65, 65, 128}));
  EXPECT_EQ(physical_dims(model.graph_output()), (Dims{1, 520, 520, 21}));
  // First conv: 3x3 stride 2 pad 1 on 520: (520 + 2 - 3) / 2 + 1 = 260.
  EXPECT_EQ(physical_dims(model.output_of(NP_OP_CONV)), (Dims{1, 260, 260, 16}));
}

TEST(ZooShapes, BertEncoderAttention) {
  IMPORT_OR_FAIL(model, "bert_encoder.onnx");
  // Logical dims: attention scores are heads x seq x seq = 4 x 128 x 128 per layer.
  EXPECT_EQ(logical_dims(model.output_of(NP_OP_SOFTMAX)), (Dims{1, 4, 128, 128}));
  // The first MatMul is one of the Q/K/V projections, 128 x 256 x 256 MACs each.
  EXPECT_EQ(model.macs(NP_OP_MATMUL, 0), INT64_C(128) * 256 * 256);
  // The first rank-4 MatMul is Q x K^T of layer 0: 4 heads x 128 x 128 x 64.
  const NpOp *scores = nullptr;
  for (int i = 0; const NpOp *op = model.op(NP_OP_MATMUL, i); i++) {
    if (model.graph()->tensors[op->outputs[0]].rank == 4) {
      scores = op;
      break;
    }
  }
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(logical_dims(&model.graph()->tensors[scores->outputs[0]]), (Dims{1, 4, 128, 128}));
  EXPECT_EQ(scores->macs, INT64_C(4) * 128 * 128 * 64);
  EXPECT_EQ(logical_dims(model.output_of(NP_OP_LAYER_NORM)), (Dims{1, 128, 256}));
  EXPECT_EQ(logical_dims(model.graph_output()), (Dims{1, 128, 256}));
}

}  // namespace
