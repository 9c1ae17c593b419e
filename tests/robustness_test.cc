// Resource bounds (issue 9): a model that asks for absurd sizes (10^12-element tensors,
// 10^6 layers, 64-dimensional tensors) or nests without end is refused with a message that
// names the file, before memory is spent on it, and no input drives a recursion deep.
// These models are built here (ONNX through support/onnx_builder.h or as raw protobuf wire
// bytes, text graphs as text); docs/robustness.md lists the limits they exercise.
// Not timed: a refusal that came after spending the memory or the time would show up as an
// out-of-memory or a ctest timeout (300 s) rather than as a slow pass.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/files.h"
#include "support/onnx_builder.h"

extern "C" {
#include "arch/arch.h"
#include "graph/graph.h"
#include "graph/textgraph.h"
#include "lower/schedule.h"
#include "onnx/onnx_import.h"
}

namespace {

struct Outcome {
  bool ok = false;
  std::vector<std::string> errors;
  size_t dropped = 0;
  std::string first() const { return errors.empty() ? "" : errors[0]; }
};

Outcome collect(NpGraph *g, NpDiag *diag) {
  Outcome o;
  o.ok = g != nullptr;
  for (size_t i = 0; i < diag->count; i++) o.errors.push_back(diag->messages[i]);
  o.dropped = diag->dropped;
  np_graph_free(g);
  np_diag_free(diag);
  return o;
}

Outcome import_onnx(const std::string &bytes) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_onnx_import_buffer(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "big.onnx", &diag);
  return collect(g, &diag);
}

Outcome parse_npg(const std::string &text) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_textgraph_parse(text.data(), text.size(), "big.npg", &diag);
  return collect(g, &diag);
}

// A model x -> Relu -> z with x (and z) of the given dims.
std::string relu_model(const std::vector<int64_t> &dims) {
  OnnxModelDesc m;
  m.inputs.push_back({"x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, {}, true});
  m.nodes.push_back({"r", "Relu", {"x"}, {"z"}, {}, ""});
  m.outputs.push_back({"z", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {}, {}, false});
  return pack_model(m);
}

// Protobuf wire bytes: a varint, and one length-delimited field.
void put_varint(std::string &out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out += char(v ? b | 0x80 : b);
  } while (v);
}
std::string field(int number, const std::string &payload) {
  std::string out;
  put_varint(out, uint64_t(number) << 3 | 2);
  put_varint(out, payload.size());
  return out + payload;
}
std::string varint_field(int number, uint64_t value) {
  std::string out;
  put_varint(out, uint64_t(number) << 3);
  put_varint(out, value);
  return out;
}

// ModelProto (ir_version 8, opset 13) around the GraphProto payload `graph`.
std::string model_around(const std::string &graph) {
  std::string opset = field(1, "") + varint_field(2, 13);   // OperatorSetIdProto{domain "", version 13}
  return varint_field(1, 8) + field(8, opset) + field(7, graph);  // ir_version, opset_import, graph
}

// ValueInfoProto `name` of type float tensor with dims.
std::string value_info(const std::string &name, const std::vector<int64_t> &dims) {
  std::string shape;
  for (int64_t d : dims) shape += field(1, varint_field(1, uint64_t(d)));  // Dimension{dim_value}
  std::string tensor_type = varint_field(1, 1) + field(2, shape);         // elem_type FLOAT, shape
  return field(1, name) + field(2, field(1, tensor_type));                 // name, TypeProto{tensor_type}
}

// A chain of n Relu nodes t0 -> t1 -> ... -> tn; `reversed` lists the nodes last-first, so
// that putting them in order needs a full topological sort.
std::string relu_chain_model(int n, bool reversed) {
  std::vector<std::string> nodes(n);
  for (int i = 0; i < n; i++) {
    std::string node = field(1, "t" + std::to_string(i)) + field(2, "t" + std::to_string(i + 1)) + field(4, "Relu");
    nodes[reversed ? n - 1 - i : i] = field(1, node);  // GraphProto.node
  }
  std::string graph;
  for (const std::string &node : nodes) graph += node;
  graph += field(11, value_info("t0", {1, 4}));                     // GraphProto.input
  graph += field(12, value_info("t" + std::to_string(n), {1, 4}));  // GraphProto.output
  return model_around(graph);
}

// ---- ONNX ----

TEST(RobustnessOnnx, TensorOfTenToTheThirteenElementsIsRefused) {
  // 10 x 1000^4 = 10^13 elements > NP_TENSOR_MAX_ELEMENTS (2^40 ~ 1.1e12): refused at the
  // input, before any op.
  Outcome o = import_onnx(relu_model({10, 1000, 1000, 1000, 1000}));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.first().rfind("big.onnx: error: graph input 'x' is too large", 0), 0u) << o.first();
}

TEST(RobustnessOnnx, TensorJustOverTheElementLimitIsRefused) {
  // 2^40 elements is the limit itself (accepted: the graph keeps shapes, not data);
  // 2^40 + 2^20 (one more row of 2^20) is refused.
  EXPECT_TRUE(import_onnx(relu_model({int64_t(1) << 20, int64_t(1) << 20})).ok);
  Outcome o = import_onnx(relu_model({(int64_t(1) << 20) + 1, int64_t(1) << 20}));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.first().rfind("big.onnx: error: graph input 'x' is too large", 0), 0u) << o.first();
}

TEST(RobustnessOnnx, ABroadcastThatMakesAnOversizedTensorIsRefused) {
  // [2^21, 1] + [1, 2^21] broadcasts to 2^42 elements: each input is small (2^21), the output
  // is not, so the bound must hold during shape inference too.
  OnnxModelDesc m;
  m.inputs.push_back({"a", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {int64_t(1) << 21, 1}, {}, true});
  m.inputs.push_back({"b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, int64_t(1) << 21}, {}, true});
  m.nodes.push_back({"add", "Add", {"a", "b"}, {"c"}, {}, ""});
  m.outputs.push_back({"c", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {}, {}, false});
  Outcome o = import_onnx(pack_model(m));
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.first().rfind("big.onnx: error: ", 0), 0u) << o.first();
  EXPECT_NE(o.first().find("'add'"), std::string::npos) << o.first();
}

TEST(RobustnessOnnx, SixtyFourDimensionalInputIsRefused) {
  Outcome o = import_onnx(relu_model(std::vector<int64_t>(64, 1)));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.first(), "big.onnx: error: graph input 'x' has rank 64 (at most 8 is supported)");
}

TEST(RobustnessOnnx, ReshapeToSixtyFourDimensionsIsRefused) {
  // The rank comes from a constant shape tensor of 64 ones, not from a declared shape: the
  // bound must hold in shape inference as well as at the graph's edges.
  OnnxModelDesc m;
  m.inputs.push_back({"x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 1}, {}, true});
  m.initializers.push_back({"shape", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, {64}, std::vector<int64_t>(64, 1)});
  m.nodes.push_back({"reshape", "Reshape", {"x", "shape"}, {"y"}, {}, ""});
  m.outputs.push_back({"y", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {}, {}, false});
  Outcome o = import_onnx(pack_model(m));
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.first().rfind("big.onnx: error: node 'reshape' (Reshape): ", 0), 0u) << o.first();
}

TEST(RobustnessOnnx, AMillionLayersAreRefused) {
  // 10^6 nodes > NP_GRAPH_MAX_OPS (200000). The file is ~25 MB of wire bytes.
  Outcome o = import_onnx(relu_chain_model(1000000, false));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.first(), "big.onnx: error: the graph has 1000000 nodes (at most 200000 are supported)");
}

TEST(RobustnessOnnx, TheLongestAllowedChainInReverseOrderImports) {
  // NP_GRAPH_MAX_OPS nodes, each the input of the one listed before it: a topological sort that
  // recursed once per node would overflow the stack here (8 MB stack / 200000 frames leaves
  // 40 bytes a frame); a loop does not.
  Outcome o = import_onnx(relu_chain_model(NP_GRAPH_MAX_OPS, true));
  EXPECT_TRUE(o.ok) << o.first();
}

TEST(RobustnessOnnx, NamesWithControlCharactersStayOnOneLineInShapeErrors) {
  // An unknown op whose output shape nobody declares fails in shape inference (in the graph
  // library, not the importer); its name and op type come from the file and must not break
  // the one-line message (found by fuzz_onnx: tests/fuzz/regressions/onnx/).
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"mys\ntery", "Fancy\nActivation", {"y"}, {"z"}, {}, ""};
  m.outputs[0].has_shape = false;
  Outcome o = import_onnx(pack_model(m));
  EXPECT_FALSE(o.ok);
  ASSERT_FALSE(o.errors.empty());
  for (const std::string &e : o.errors) EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// ---- text graphs ----

TEST(RobustnessTextGraph, TensorOfTenToTheThirteenElementsIsRefused) {
  Outcome o = parse_npg("input x fp32 10x1000x1000x1000x1000\nrelu r x -> y\n");
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.first().rfind("big.npg:1:", 0), 0u) << o.first();
}

TEST(RobustnessTextGraph, AConvWhoseOutputIsOversizedIsRefused) {
  // Input 1x1024x1024x1 (2^20 elements) is fine; out=2^21 channels makes a 2^41-element output.
  Outcome o = parse_npg("input x int8 1x1024x1024x1\nconv c x -> y out=2097152 kernel=1\n");
  EXPECT_FALSE(o.ok);
  ASSERT_FALSE(o.errors.empty());
  EXPECT_EQ(o.first().rfind("big.npg:", 0), 0u) << o.first();
}

TEST(RobustnessTextGraph, SixtyFourDimensionalInputIsRefused) {
  std::string shape = "1";
  for (int i = 1; i < 64; i++) shape += "x1";
  Outcome o = parse_npg("input x fp32 " + shape + "\nrelu r x -> y\n");
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.errors.size(), 1u);
  // The shape starts at column 14 ("input x fp32 " is 13 bytes); each "1x" is 2 bytes, so the
  // ninth dim, the first one too many, is at 14 + 2 * 8 = 30.
  EXPECT_EQ(o.first(), "big.npg:1:30: error: input: more than 8 dims");
}

TEST(RobustnessTextGraph, AMillionLayersAreRefusedWithBoundedMessages) {
  // 10^6 relu lines (~25 MB of text): more than NP_GRAPH_MAX_OPS ops. Refused, and the
  // diagnostics stay bounded (at most NP_DIAG_MAX_KEPT kept, the rest counted).
  std::string text = "input t0 int8 1x4\n";
  text.reserve(30u << 20);
  for (int i = 0; i < 1000000; i++)
    text += "relu r" + std::to_string(i) + " t" + std::to_string(i) + " -> t" + std::to_string(i + 1) + "\n";
  Outcome o = parse_npg(text);
  EXPECT_FALSE(o.ok);
  ASSERT_FALSE(o.errors.empty());
  EXPECT_LE(o.errors.size(), size_t(NP_DIAG_MAX_KEPT));
  EXPECT_EQ(o.first().rfind("big.npg:", 0), 0u) << o.first();
  EXPECT_NE(o.first().find("200000"), std::string::npos) << o.first();
}

// ---- configs ----

TEST(RobustnessConfig, DeepNestingIsAnErrorNotACrash) {
  // 100000 nested flow sequences and mappings: a recursive YAML reader would overflow the stack.
  for (const std::string &open : {std::string("["), std::string("{a: ")}) {
    std::string text = "name: ";
    for (int i = 0; i < 100000; i++) text += open;
    NpArch *arch = new NpArch;
    NpDiag diag;
    np_diag_init(&diag);
    EXPECT_FALSE(np_arch_load_text(text.data(), text.size(), "deep.yaml", nullptr, 0, arch, &diag));
    ASSERT_GT(diag.count, 0u);
    EXPECT_EQ(std::string(diag.messages[0]).rfind("deep.yaml:", 0), 0u) << diag.messages[0];
    np_diag_free(&diag);
    delete arch;
  }
}

TEST(RobustnessConfig, OversizedFileIsRefusedBeforeParsing) {
  // NP_ARCH_MAX_FILE_BYTES + 1 bytes of a comment.
  std::string path = write_scratch("big.yaml", "#" + std::string(NP_ARCH_MAX_FILE_BYTES, 'x'));
  NpArch *arch = new NpArch;
  NpDiag diag;
  np_diag_init(&diag);
  EXPECT_FALSE(np_arch_load_file(path.c_str(), nullptr, 0, arch, &diag));
  ASSERT_EQ(diag.count, 1u);
  EXPECT_EQ(std::string(diag.messages[0]).rfind(path + ": error: ", 0), 0u) << diag.messages[0];
  np_diag_free(&diag);
  delete arch;
}

// The scheduler's bound: a 10^12-element input (1 x 10^6 x 1000 x 1000, int8, under the
// graph's 2^40 limit) convolved in tiles that 4 MiB of SRAM allows would need far more than
// NP_SCHEDULE_MAX_COMMANDS commands (each output tile is at most 4 MiB, so at least
// 10^12 / 2^22 ~ 238,000 tiles of output alone, each with its loads; before the bound, the
// fuzzer's run reached 23.6 GB). It is refused before any command is built, naming the layer.
TEST(RobustnessLower, AScheduleOverTheCommandLimitIsRefusedBeforeItIsBuilt) {
  const std::string text = "input x int8 1x1000000x1000x1000\nconv c x -> y out=1000 kernel=3x3 pad=1\n";
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_textgraph_parse(text.data(), text.size(), "big.npg", &diag);
  ASSERT_NE(g, nullptr) << (diag.count ? diag.messages[0] : "");
  NpArch arch;
  ASSERT_TRUE(np_arch_load_default(nullptr, 0, &arch, &diag));
  NpSchedule s;
  NpLowerOptions options = {false, NP_DTYPE_INT8, 0, NULL};
  EXPECT_FALSE(np_lower(g, &arch, &options, &s, &diag));
  ASSERT_EQ(diag.count, 1u);
  EXPECT_NE(std::string(diag.messages[0]).find("big.npg: error: layer 'c' would take the schedule past 1048576 commands"),
            std::string::npos)
      << diag.messages[0];
  np_graph_free(g);
  np_diag_free(&diag);
}

}  // namespace
