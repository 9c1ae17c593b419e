// ONNX import against Debian's libonnx-testdata: for every test model built only from ops we
// support, the output shapes we infer must equal the shapes of the expected outputs shipped
// with the test (test_data_set_0/output_*.pb). The expected shapes are ONNX's reference
// results, not ours. Models are discovered at test time, one parameterized test each.
//
// Which models: node/test_* with a single node, and pytorch-converted / pytorch-operator
// models whose nodes are all supported ops. Inputs an op needs as values (a Reshape's shape,
// Slice's starts, Resize's scales ...) are bound from test_data_set_0/input_*.pb.
//
// Models we refuse by design are not skipped silently: each must fail with the documented
// message (docs/onnx.md), so the refusals are checked too:
//  - opset outside 7..17 (e.g. GlobalAveragePool and HardSigmoid tests declare opsets 1 and 6);
//  - 3-D (volumetric) convolution and pooling: the graph keeps 1-D and 2-D spatial attributes;
//  - casts to or from STRING, a type the simulator cannot represent;
//  - graph inputs that are sequences or optionals, not tensors.
// Models outside the op list (Upsample, LeakyReLU ...) are not selected at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support/files.h"

extern "C" {
#include "graph/graph.h"
#include "onnx.pb-c.h"
#include "onnx/onnx_import.h"
}

namespace fs = std::filesystem;

namespace {

struct ModelDeleter {
  void operator()(Onnx__ModelProto *m) const { onnx__model_proto__free_unpacked(m, nullptr); }
};
struct TensorDeleter {
  void operator()(Onnx__TensorProto *t) const { onnx__tensor_proto__free_unpacked(t, nullptr); }
};
using ModelPtr = std::unique_ptr<Onnx__ModelProto, ModelDeleter>;
using TensorPtr = std::unique_ptr<Onnx__TensorProto, TensorDeleter>;

ModelPtr load_model(const std::string &path) {
  std::string bytes = read_file(path);
  return ModelPtr(onnx__model_proto__unpack(nullptr, bytes.size(), reinterpret_cast<const uint8_t *>(bytes.data())));
}

TensorPtr load_tensor(const std::string &path) {
  std::string bytes = read_file(path);
  if (bytes.empty()) return nullptr;
  return TensorPtr(onnx__tensor_proto__unpack(nullptr, bytes.size(), reinterpret_cast<const uint8_t *>(bytes.data())));
}

bool default_domain(const char *domain) { return !domain || !domain[0] || std::string(domain) == "ai.onnx"; }

int64_t default_opset(const Onnx__ModelProto *m) {
  for (size_t i = 0; i < m->n_opset_import; i++)
    if (default_domain(m->opset_import[i]->domain)) return m->opset_import[i]->version;
  return -1;
}

bool supported_op(const Onnx__NodeProto *n) {
  return default_domain(n->domain) && np_op_kind_from_onnx(n->op_type) != NP_OP_OPAQUE;
}

// Input positions whose values decide output shapes, per op (ONNX opset 11-17 signatures).
const std::map<std::string, std::set<size_t>> &value_inputs() {
  static const std::map<std::string, std::set<size_t>> table = {
      {"Reshape", {1}}, {"Slice", {1, 2, 3, 4}}, {"Pad", {1}},       {"Split", {1}},
      {"Squeeze", {1}}, {"Unsqueeze", {1}},      {"Expand", {1}},    {"Resize", {1, 2, 3}},
      {"ReduceMean", {1}}, {"Gather", {}},       {"Clip", {1, 2}},   {"ConstantOfShape", {0}}};
  return table;
}

// Why a model is refused by design (docs/onnx.md), or "" when it should import.
std::string expected_refusal(const Onnx__ModelProto *m) {
  int64_t opset = default_opset(m);
  if (opset < NP_ONNX_MIN_OPSET || opset > NP_ONNX_MAX_OPSET) return "is not supported (supported: 7 to 17)";
  for (size_t i = 0; i < m->graph->n_input; i++) {
    const Onnx__TypeProto *t = m->graph->input[i]->type;
    if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) return "is not a tensor";
    if (t->tensor_type->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__STRING) return "unsupported data type";
  }
  for (size_t i = 0; i < m->graph->n_node; i++) {
    const Onnx__NodeProto *n = m->graph->node[i];
    std::string op = n->op_type;
    for (size_t a = 0; a < n->n_attribute; a++) {
      const Onnx__AttributeProto *attr = n->attribute[a];
      std::string name = attr->name;
      if ((name == "kernel_shape" || name == "strides" || name == "dilations") && attr->n_ints > 2)
        return "-D spatial ops are not supported";
      if (op == "Cast" && name == "to" && attr->i == ONNX__TENSOR_PROTO__DATA_TYPE__STRING) return "cannot cast to";
    }
  }
  // Volumetric convolution given without kernel_shape: finalize refuses the rank-5 input.
  const Onnx__TypeProto *first = m->graph->n_input ? m->graph->input[0]->type : nullptr;
  std::string op0 = m->graph->node[0]->op_type;
  if ((op0 == "Conv" || op0 == "ConvTranspose") && first && first->tensor_type->shape &&
      first->tensor_type->shape->n_dim == 5)
    return "has rank 5; only 1-D (rank 3) and 2-D (rank 4) are supported";
  return "";
}

struct Case {
  std::string dir;   // the test's directory
  std::string name;  // gtest-safe name
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.dir; }

bool selected(const std::string &dir, bool single_node_only) {
  ModelPtr m = load_model(dir + "/model.onnx");
  if (!m || !m->graph || m->graph->n_node == 0) return false;
  if (single_node_only && m->graph->n_node != 1) return false;
  for (size_t i = 0; i < m->graph->n_node; i++)
    if (!supported_op(m->graph->node[i])) return false;
  return fs::exists(dir + "/test_data_set_0/output_0.pb");
}

std::vector<Case> discover_cases() {
  std::vector<Case> cases;
  const struct { const char *folder; bool single_node_only; } sources[] = {
      {"node", true}, {"pytorch-converted", false}, {"pytorch-operator", false}};
  for (const auto &source : sources) {
    fs::path root = fs::path(ONNX_TESTDATA_DIR) / source.folder;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    std::vector<std::string> dirs;
    for (const auto &entry : fs::directory_iterator(root, ec))
      if (entry.is_directory() && entry.path().filename().string().rfind("test_", 0) == 0) dirs.push_back(entry.path().string());
    std::sort(dirs.begin(), dirs.end());  // same order, same test names, every run
    for (const auto &dir : dirs) {
      if (!selected(dir, source.single_node_only)) continue;
      std::string name = std::string(source.folder) + "_" + fs::path(dir).filename().string();
      for (char &c : name)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      cases.push_back({dir, name});
    }
  }
  return cases;
}

const std::vector<Case> &all_cases() {
  static const std::vector<Case> cases = discover_cases();
  return cases;
}

std::string messages(const NpDiag &d) {
  std::string s;
  for (size_t i = 0; i < d.count; i++) s += std::string(d.messages[i]) + "\n";
  return s;
}

std::string dims_text(int rank, const int64_t *dims) {
  std::string s = "[";
  for (int i = 0; i < rank; i++) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// Binds the test's input values where the op needs them as constants.
void bind_value_inputs(NpGraph *g, const Onnx__ModelProto *m, const std::string &dir, NpDiag *diag) {
  const Onnx__GraphProto *graph = m->graph;
  if (graph->n_node != 1) return;
  const Onnx__NodeProto *node = graph->node[0];
  auto it = value_inputs().find(node->op_type);
  if (it == value_inputs().end()) return;
  // input_<k>.pb goes with the k-th graph input that is not an initializer.
  std::vector<std::string> graph_inputs;
  for (size_t i = 0; i < graph->n_input; i++) {
    bool init = false;
    for (size_t j = 0; j < graph->n_initializer; j++) init |= std::string(graph->initializer[j]->name) == graph->input[i]->name;
    if (!init) graph_inputs.push_back(graph->input[i]->name);
  }
  for (size_t pos : it->second) {
    if (pos >= node->n_input || !node->input[pos][0]) continue;
    auto found = std::find(graph_inputs.begin(), graph_inputs.end(), node->input[pos]);
    if (found == graph_inputs.end()) continue;
    size_t k = found - graph_inputs.begin();
    TensorPtr t = load_tensor(dir + "/test_data_set_0/input_" + std::to_string(k) + ".pb");
    ASSERT_TRUE(t) << "cannot read input " << k;
    int64_t count = 1;
    for (size_t d = 0; d < t->n_dims; d++) count *= t->dims[d];
    const char *name = node->input[pos];
    if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 || t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT32) {
      std::vector<int64_t> v(count);
      for (int64_t i = 0; i < count; i++) {
        if (t->has_raw_data && t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) memcpy(&v[i], t->raw_data.data + 8 * i, 8);
        else if (t->has_raw_data) { int32_t x; memcpy(&x, t->raw_data.data + 4 * i, 4); v[i] = x; }
        else if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) v[i] = t->int64_data[i];
        else v[i] = t->int32_data[i];
      }
      ASSERT_TRUE(np_onnx_bind_input_ints(g, name, v.data(), count, diag)) << messages(*diag);
    } else if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
      std::vector<double> v(count);
      for (int64_t i = 0; i < count; i++) {
        float x;
        if (t->has_raw_data) memcpy(&x, t->raw_data.data + 4 * i, 4);
        else x = t->float_data[i];
        v[i] = x;
      }
      ASSERT_TRUE(np_onnx_bind_input_floats(g, name, v.data(), count, diag)) << messages(*diag);
    }
  }
}

class OnnxTestdata : public ::testing::TestWithParam<Case> {};

TEST_P(OnnxTestdata, InferredOutputShapesMatchReference) {
  const std::string dir = GetParam().dir;
  const std::string path = dir + "/model.onnx";
  ModelPtr m = load_model(path);
  ASSERT_TRUE(m);
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_onnx_parse_file(path.c_str(), &diag);
  std::string refusal = expected_refusal(m.get());
  if (!refusal.empty()) {
    // Refused by design: the importer must say so, naming the file.
    if (g) {
      bool ok = np_graph_finalize(g, &diag);
      np_graph_free(g);
      EXPECT_FALSE(ok) << "expected a refusal containing '" << refusal << "'";
    }
    ASSERT_GE(diag.count, 1u);
    EXPECT_NE(std::string(diag.messages[0]).find(path + ": error: "), std::string::npos) << messages(diag);
    EXPECT_NE(std::string(diag.messages[0]).find(refusal), std::string::npos) << messages(diag);
    np_diag_free(&diag);
    return;
  }
  ASSERT_TRUE(g) << messages(diag);
  bind_value_inputs(g, m.get(), dir, &diag);
  bool ok = np_graph_finalize(g, &diag);
  EXPECT_TRUE(ok) << messages(diag);
  if (ok) {
    for (size_t k = 0; k < m->graph->n_output; k++) {
      TensorPtr expected = load_tensor(dir + "/test_data_set_0/output_" + std::to_string(k) + ".pb");
      if (!expected) continue;  // an optional output the test does not ship
      int t = np_graph_find_tensor(g, m->graph->output[k]->name);
      ASSERT_GE(t, 0) << m->graph->output[k]->name;
      const NpTensor &out = g->tensors[t];
      ASSERT_TRUE(out.shape_known) << out.name;
      EXPECT_EQ(dims_text(out.rank, out.dims), dims_text((int)expected->n_dims, expected->dims))
          << "output " << k << " '" << out.name << "'";
    }
  }
  np_graph_free(g);
  np_diag_free(&diag);
}

INSTANTIATE_TEST_SUITE_P(Libonnx, OnnxTestdata, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case> &info) { return info.param.name; });

TEST(OnnxTestdataCoverage, ChecksAFewHundredModels) {
  size_t refused = 0;
  std::map<std::string, int> reasons;
  for (const Case &c : all_cases()) {
    std::string why = expected_refusal(load_model(c.dir + "/model.onnx").get());
    if (why.empty()) continue;
    refused++;
    reasons[why]++;
  }
  std::printf("libonnx-testdata: %zu models checked: %zu imported and shapes compared, %zu refusals by design\n",
              all_cases().size(), all_cases().size() - refused, refused);
  for (const auto &r : reasons) std::printf("  %3d refused: ...%s\n", r.second, r.first.c_str());
  // libonnx-testdata 1.12 has 290 single-node models of our ops, plus converted PyTorch modules.
  EXPECT_GE(all_cases().size() - refused, 250u);
}

}  // namespace

// ---- Importer behaviour on small hand-built models (support/onnx_builder.h) -------------------
// Expected shapes are worked out by hand from the ONNX operator definitions in the comments.

#include "support/onnx_builder.h"

namespace {

struct Imported {
  NpGraph *graph = nullptr;
  std::string errors;
  Imported(const OnnxModelDesc &m) {
    std::string bytes = pack_model(m);
    NpDiag diag;
    np_diag_init(&diag);
    graph = np_onnx_import_buffer(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "m.onnx", &diag);
    errors = messages(diag);
    np_diag_free(&diag);
  }
  ~Imported() { np_graph_free(graph); }
  const NpTensor &tensor(const char *name) const {
    int t = np_graph_find_tensor(graph, name);
    EXPECT_GE(t, 0) << name;
    return graph->tensors[t < 0 ? 0 : t];
  }
  const NpOp *op(const char *name) const {
    for (size_t i = 0; i < graph->n_ops; i++)
      if (std::string(graph->ops[i].name) == name) return &graph->ops[i];
    ADD_FAILURE() << "no op " << name;
    return nullptr;
  }
  std::string dims(const char *name) const {
    const NpTensor &t = tensor(name);
    return dims_text(t.rank, t.dims);
  }
};

OnnxAttrDesc ints_attr(const std::string &name, std::vector<int64_t> values) {
  OnnxAttrDesc a;
  a.name = name;
  a.ints = std::move(values);
  return a;
}

OnnxAttrDesc int_attr(const std::string &name, int64_t value) {
  OnnxAttrDesc a;
  a.name = name;
  a.kind = OnnxAttrDesc::INT;
  a.i = value;
  return a;
}

std::string le64(std::vector<int64_t> values) {
  std::string s;
  for (int64_t v : values)
    for (int b = 0; b < 8; b++) s += char((uint64_t(v) >> (8 * b)) & 0xff);
  return s;
}

const int32_t F32 = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, I64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;

TEST(OnnxImport, ShapeOnlyWeightsImportWithoutPayload) {
  Imported g(small_conv_model());  // W has dims and type but no payload
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.tensor("W").role, NP_TENSOR_WEIGHT);
  EXPECT_EQ(g.dims("W"), "[4,3,3,3]");
  EXPECT_EQ(g.dims("z"), "[1,4,8,8]");  // (8 + 1 + 1 - 3) / 1 + 1 = 8
  EXPECT_EQ(g.graph->n_inputs, 1u);
}

TEST(OnnxImport, ExternalDataThatIsAbsentIsNotNeeded) {
  OnnxModelDesc m = small_conv_model();
  m.initializers[0].external = true;
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.tensor("W").role, NP_TENSOR_WEIGHT);
}

TEST(OnnxImport, SmallIntegerInitializersBecomeConstants) {
  // Reshape x[1,3,8,8] by [1,-1] -> [1,192]; the shape arrives once as int64_data, once as raw.
  for (bool raw : {false, true}) {
    OnnxModelDesc m = small_conv_model();
    OnnxTensorDesc shape{"shape", I64, {2}, {}, {}};
    if (raw) shape.raw_data = le64({1, -1});
    else shape.int64_data = {1, -1};
    m.initializers.push_back(shape);
    m.nodes = {{"flat", "Reshape", {"x", "shape"}, {"z"}, {}, ""}};
    m.outputs[0].dims = {1, 192};
    Imported g(m);
    ASSERT_TRUE(g.graph) << g.errors;
    const NpTensor &s = g.tensor("shape");
    EXPECT_EQ(s.role, NP_TENSOR_CONST);
    ASSERT_TRUE(s.values);
    EXPECT_EQ(s.values[0], 1);
    EXPECT_EQ(s.values[1], -1);
    EXPECT_EQ(g.dims("z"), "[1,192]");
  }
}

TEST(OnnxImport, ConstantNodesAreConstantsNotOps) {
  OnnxModelDesc m = small_conv_model();
  OnnxAttrDesc value;
  value.name = "value";
  value.kind = OnnxAttrDesc::TENSOR;
  value.t = {"", I64, {3}, {1, 3, 64}, {}};
  m.nodes = {{"c", "Constant", {}, {"shape"}, {value}, ""}, {"r", "Reshape", {"x", "shape"}, {"z"}, {}, ""}};
  m.outputs[0].dims = {1, 3, 64};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.tensor("shape").role, NP_TENSOR_CONST);
  EXPECT_EQ(g.dims("z"), "[1,3,64]");
  EXPECT_EQ(g.graph->n_ops, 1u);  // only the Reshape
}

TEST(OnnxImport, ClipBoundsFromFloatConstants) {
  // ReLU6 as PyTorch exports it: Clip(y, Constant 0.0, Constant 6.0).
  OnnxModelDesc m = small_conv_model();
  OnnxAttrDesc lo, hi;
  lo.name = hi.name = "value";
  lo.kind = hi.kind = OnnxAttrDesc::TENSOR;
  lo.t = {"", F32, {}, {}, {0.0f}};
  hi.t = {"", F32, {}, {}, {6.0f}};
  m.nodes[1] = {"relu6", "Clip", {"y", "lo", "hi"}, {"z"}, {}, ""};
  m.nodes.insert(m.nodes.begin(), {{"c0", "Constant", {}, {"lo"}, {lo}, ""}, {"c6", "Constant", {}, {"hi"}, {hi}, ""}});
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *clip = g.op("relu6");
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->attrs.clip_min, 0.0f);
  EXPECT_EQ(clip->attrs.clip_max, 6.0f);
}

TEST(OnnxImport, SymbolicBatchIsOneAndDeclaredSymbolicDimsAreUnknown) {
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].symbols = {"batch"};
  m.outputs[0].symbols = {"batch"};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.dims("x"), "[1,3,8,8]");
  const NpTensor &z = g.tensor("z");
  ASSERT_TRUE(z.has_declared_shape);
  EXPECT_EQ(z.declared_dims[0], -1);
  EXPECT_EQ(z.declared_dims[1], 4);
}

TEST(OnnxImport, DeclaredShapeThatDisagreesIsAnErrorNamingTheNode) {
  OnnxModelDesc m = small_conv_model();
  m.value_info.push_back({"y", F32, {1, 4, 7, 8}, {}, true});  // conv1 really gives [1,4,8,8]
  Imported g(m);
  EXPECT_FALSE(g.graph);
  EXPECT_NE(g.errors.find("m.onnx: error: node 'conv1' (Conv)"), std::string::npos) << g.errors;
}

TEST(OnnxImport, InitializersListedAsInputsAreWeights) {
  OnnxModelDesc m = small_conv_model();
  m.inputs.push_back({"W", F32, {4, 3, 3, 3}, {}, true});  // IR < 4 style
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.graph->n_inputs, 1u);
  EXPECT_EQ(g.tensor("W").role, NP_TENSOR_WEIGHT);
}

TEST(OnnxImport, UnnamedNodesGetOpTypeAndIndex) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1].name = "";
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_TRUE(g.op("Relu_1"));
}

TEST(OnnxImport, PadsBecomeTopLeftBottomRight) {
  // ONNX pads [H_begin, W_begin, H_end, W_end] = [1,2,3,4]: H = 8+1+3-3+1 = 10, W = 8+2+4-3+1 = 12.
  OnnxModelDesc m = small_conv_model();
  m.nodes[0].attrs = {ints_attr("pads", {1, 2, 3, 4}), ints_attr("strides", {1, 1})};
  m.outputs[0].dims = {1, 4, 10, 12};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *conv = g.op("conv1");
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->attrs.pad[0], 1);
  EXPECT_EQ(conv->attrs.pad[1], 2);
  EXPECT_EQ(conv->attrs.pad[2], 3);
  EXPECT_EQ(conv->attrs.pad[3], 4);
  EXPECT_EQ(g.dims("z"), "[1,4,10,12]");
}

TEST(OnnxImport, OneDimensionalConvUsesTheWidth) {
  // x[1,3,16], W[4,3,5], stride 2, pads [2,2]: (16 + 4 - 5) / 2 + 1 = 8.
  OnnxModelDesc m;
  m.inputs.push_back({"x", F32, {1, 3, 16}, {}, true});
  m.initializers.push_back({"W", F32, {4, 3, 5}, {}, {}});
  m.nodes.push_back({"c", "Conv", {"x", "W"}, {"z"}, {ints_attr("strides", {2}), ints_attr("pads", {2, 2})}, ""});
  m.outputs.push_back({"z", F32, {1, 4, 8}, {}, true});
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *conv = g.op("c");
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->attrs.stride[0], 1);
  EXPECT_EQ(conv->attrs.stride[1], 2);
  EXPECT_EQ(conv->attrs.pad[0], 0);
  EXPECT_EQ(conv->attrs.pad[1], 2);
  EXPECT_EQ(conv->attrs.pad[3], 2);
  EXPECT_EQ(g.dims("z"), "[1,4,8]");
}

TEST(OnnxImport, Opset9SliceAttributesBecomeConstantInputs) {
  // Slice-1..9 takes starts/ends/axes as attributes: H rows [2, 6) of x[1,3,8,8] -> [1,3,4,8].
  OnnxModelDesc m = small_conv_model();
  m.opset = 9;
  m.nodes = {{"s", "Slice", {"x"}, {"z"}, {ints_attr("starts", {2}), ints_attr("ends", {6}), ints_attr("axes", {2})}, ""}};
  m.outputs[0].dims = {1, 3, 4, 8};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *s = g.op("s");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->n_inputs, 4);
  EXPECT_EQ(g.dims("z"), "[1,3,4,8]");
}

TEST(OnnxImport, OtherDomainsAreOpaqueWithDeclaredShapes) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"gelu", "Gelu", {"y"}, {"z"}, {}, "com.microsoft"};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *op = g.op("gelu");
  ASSERT_TRUE(op);
  EXPECT_EQ(op->kind, NP_OP_OPAQUE);
  EXPECT_STREQ(op->op_type, "com.microsoft.Gelu");
  EXPECT_EQ(g.dims("z"), "[1,4,8,8]");
}

TEST(OnnxImport, CastSetsTheOutputType) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"half", "Cast", {"y"}, {"z"}, {int_attr("to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16)}, ""};
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  EXPECT_EQ(g.op("half")->attrs.to, NP_DTYPE_FP16);
  EXPECT_EQ(g.tensor("z").dtype, NP_DTYPE_FP16);
}

TEST(OnnxImport, OpAttributesAndDefaults) {
  // Gemm x[1,192] (from Flatten) by W[10,192] with transB: [1,10]; alpha from the file, beta 1.
  OnnxModelDesc m = small_conv_model();
  m.initializers = {{"W", F32, {10, 192}, {}, {}}};
  OnnxAttrDesc alpha;
  alpha.name = "alpha";
  alpha.kind = OnnxAttrDesc::FLOAT;
  alpha.f = 0.5f;
  m.nodes = {{"flat", "Flatten", {"x"}, {"f"}, {}, ""},
             {"fc", "Gemm", {"f", "W"}, {"g"}, {int_attr("transB", 1), alpha}, ""},
             {"sm", "Softmax", {"g"}, {"z"}, {}, ""}};
  m.outputs[0].dims = {1, 10};
  m.opset = 11;
  Imported g(m);
  ASSERT_TRUE(g.graph) << g.errors;
  const NpOp *fc = g.op("fc");
  ASSERT_TRUE(fc);
  EXPECT_EQ(fc->attrs.trans_b, 1);
  EXPECT_EQ(fc->attrs.trans_a, 0);
  EXPECT_EQ(fc->attrs.alpha, 0.5f);
  EXPECT_EQ(fc->attrs.beta, 1.0f);
  EXPECT_EQ(g.op("sm")->attrs.axis, 1);  // Softmax before opset 13 defaults to axis 1
  EXPECT_EQ(g.dims("z"), "[1,10]");
}

TEST(OnnxImport, BindingRefusesWhatIsNotAGraphInput) {
  std::string bytes = pack_model(small_conv_model());
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_onnx_parse_buffer(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "m.onnx", &diag);
  ASSERT_TRUE(g);
  int64_t v[2] = {1, 2};
  EXPECT_FALSE(np_onnx_bind_input_ints(g, "W", v, 2, &diag));
  EXPECT_FALSE(np_onnx_bind_input_ints(g, "x", v, 2, &diag));  // x has 192 elements
  ASSERT_EQ(diag.count, 2u);
  EXPECT_STREQ(diag.messages[0], "m.onnx: error: cannot bind 'W': not a graph input");
  np_graph_free(g);
  np_diag_free(&diag);
}

}  // namespace
