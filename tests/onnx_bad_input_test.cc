// Hostile and broken ONNX files: each must give one error line that names the file (and the
// node when there is one), through the library and through `npusim graph` (exit code 2),
// without crashing, hanging or leaking (run under ASan/UBSan by tools/test).
// The models are built here with the protobuf-c structs (support/onnx_builder.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "support/cli.h"
#include "support/files.h"
#include "support/onnx_builder.h"

extern "C" {
#include "graph/graph.h"
#include "onnx/onnx_import.h"
}

namespace {

// Imports `bytes` as file `name` through the library; returns the first error ("" if none).
std::string import_error(const std::string &bytes, const std::string &source = "bad.onnx") {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_onnx_import_buffer(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), source.c_str(), &diag);
  std::string first = diag.count ? diag.messages[0] : "";
  EXPECT_EQ(g == nullptr, np_diag_failed(&diag)) << "a graph comes back exactly when there is no error";
  np_graph_free(g);
  np_diag_free(&diag);
  return first;
}

std::string import_file_error(const std::string &path) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_onnx_import_file(path.c_str(), &diag);
  std::string first = diag.count ? diag.messages[0] : "";
  EXPECT_EQ(g, nullptr);
  np_graph_free(g);
  np_diag_free(&diag);
  return first;
}

#define EXPECT_ONE_LINE_ERROR(message, must_contain)                                 \
  do {                                                                                \
    const std::string m_ = (message);                                                 \
    EXPECT_EQ(m_.rfind("bad.onnx: error: ", 0), 0u) << m_;                           \
    EXPECT_NE(m_.find(must_contain), std::string::npos) << m_;                        \
    EXPECT_EQ(m_.find('\n'), std::string::npos) << m_;                               \
  } while (0)

OnnxAttrDesc ints_attr(const std::string &name, std::vector<int64_t> values) {
  OnnxAttrDesc a;
  a.name = name;
  a.ints = std::move(values);
  return a;
}

TEST(OnnxBadInput, TheBaselineModelImports) {
  // Control: the model the other cases break imports cleanly (8x8, 3x3 kernel, pads 1 -> 8x8).
  EXPECT_EQ(import_error(pack_model(small_conv_model())), "");
}

TEST(OnnxBadInput, EmptyFile) {
  EXPECT_ONE_LINE_ERROR(import_error(""), "the file is empty");
  std::string path = write_scratch("empty.onnx", "");
  EXPECT_EQ(import_file_error(path), path + ": error: the file is empty (not an ONNX model)");
}

TEST(OnnxBadInput, RandomBytes) {
  std::string bytes(4096, '\0');
  uint32_t state = 12345;  // a fixed LCG: the same bytes every run
  for (char &c : bytes) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 24);
  }
  EXPECT_EQ(import_error(bytes), "bad.onnx: error: not a valid ONNX model (protobuf parse failed)");
}

TEST(OnnxBadInput, TruncatedModel) {
  std::string full = pack_model(small_conv_model());
  EXPECT_EQ(import_error(full.substr(0, full.size() / 2)),
            "bad.onnx: error: not a valid ONNX model (protobuf parse failed)");
  // Every cut: never a crash, always an error naming the file (a cut can land between
  // fields and leave a parsable but incomplete model, so the message varies).
  for (size_t n = 1; n < full.size(); n++) {
    SCOPED_TRACE("cut at " + std::to_string(n));
    EXPECT_ONE_LINE_ERROR(import_error(full.substr(0, n)), "");
  }
}

TEST(OnnxBadInput, NoGraph) {
  OnnxModelDesc m = small_conv_model();
  m.has_graph = false;
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: the model has no graph");
}

TEST(OnnxBadInput, OpsetOutsideTheSupportedRange) {
  for (int64_t opset : {1, 6, 18, 19, 1000}) {
    OnnxModelDesc m = small_conv_model();
    m.opset = opset;
    EXPECT_EQ(import_error(pack_model(m)),
              "bad.onnx: error: opset " + std::to_string(opset) + " is not supported (supported: 7 to 17)");
  }
  OnnxModelDesc m = small_conv_model();
  m.opset = -1;
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "declares no opset");
}

TEST(OnnxBadInput, NegativeDims) {
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].dims = {1, -3, 8, 8};
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: graph input 'x' has a negative dimension (-3 at axis 1)");
  m = small_conv_model();
  m.initializers[0].dims = {4, 3, -1, 3};
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "initializer 'W' has a negative dimension");
  m = small_conv_model();
  m.value_info.push_back({"y", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 4, -8, 8}, {}, true});
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "tensor 'y' is declared with a negative dimension");
}

TEST(OnnxBadInput, AbsurdlyLargeDimsDoNotOverflow) {
  const int64_t huge = INT64_MAX / 2 + 1;  // any product with a dim >= 2 overflows int64
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].dims = {1, 3, huge, 4};
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "graph input 'x' is too large");
  m = small_conv_model();
  m.initializers[0].dims = {huge, huge, 3, 3};
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "initializer 'W' is too large");
  // 2^21 x 2^20 = 2^41 elements: no overflow, but over NP_TENSOR_MAX_ELEMENTS (2^40).
  m = small_conv_model();
  m.inputs[0].dims = {1, 1, int64_t(1) << 21, int64_t(1) << 20};
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "graph input 'x' is too large");
  // A stride that would overflow the output size arithmetic is refused at the node.
  m = small_conv_model();
  m.nodes[0].attrs.push_back(ints_attr("strides", {INT64_MAX, 1}));
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: node 'conv1' (Conv): attribute 'strides' has an out-of-range value 9223372036854775807");
}

TEST(OnnxBadInput, TooManyNodes) {
  OnnxModelDesc m;
  m.inputs.push_back({"t0", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 4}, {}, true});
  const int n = NP_GRAPH_MAX_OPS + 1;
  for (int i = 0; i < n; i++)
    m.nodes.push_back({"", "Relu", {"t" + std::to_string(i)}, {"t" + std::to_string(i + 1)}, {}, ""});
  m.outputs.push_back({"t" + std::to_string(n), ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 4}, {}, true});
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: the graph has 200001 nodes (at most 200000 are supported)");
}

TEST(OnnxBadInput, RankOverTheLimit) {
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].dims = {1, 1, 1, 1, 1, 1, 1, 1, 1};  // rank 9 > NP_MAX_RANK (8)
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: graph input 'x' has rank 9 (at most 8 is supported)");
  m = small_conv_model();
  m.outputs[0].dims.assign(9, 1);
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: tensor 'z' is declared with rank 9 (at most 8 is supported)");
}

TEST(OnnxBadInput, HugeAttributeArrays) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"tr", "Transpose", {"y"}, {"z"}, {ints_attr("perm", std::vector<int64_t>(100000, 0))}, ""};
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: node 'tr' (Transpose): attribute 'perm' has 100000 values (at most 8)");
  m = small_conv_model();
  m.nodes[0].attrs[0] = ints_attr("pads", std::vector<int64_t>(1 << 20, 1));
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "node 'conv1' (Conv): attribute 'pads' has 1048576 values");
}

TEST(OnnxBadInput, ConstantNodeWithABadValue) {
  OnnxModelDesc m = small_conv_model();
  OnnxAttrDesc value;
  value.name = "value";
  value.kind = OnnxAttrDesc::TENSOR;
  value.t = {"", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, {2, -2}};
  m.nodes.insert(m.nodes.begin(), {"k", "Constant", {}, {"c"}, {value}, ""});
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: node 'k' (Constant): value 'c' has a negative dimension (-2 at axis 1)");
  value.t.dims = {};
  value.t.dtype = ONNX__TENSOR_PROTO__DATA_TYPE__STRING;
  m.nodes[0].attrs = {value};
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: node 'k' (Constant): value 'c' has an unsupported data type (8)");
}

TEST(OnnxBadInput, InputThatNothingProduces) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1].inputs = {"nowhere"};
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: node 'relu1' (Relu): input 'nowhere' is not produced by any node and is not a graph input "
            "or initializer");
}

TEST(OnnxBadInput, Cycle) {
  // relu1 reads z, which relu2 makes from relu1's output.
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"relu1", "Relu", {"z"}, {"a"}, {}, ""};
  m.nodes.push_back({"relu2", "Relu", {"a"}, {"z"}, {}, ""});
  std::string e = import_error(pack_model(m));
  EXPECT_ONE_LINE_ERROR(e, "is on a cycle");
  EXPECT_TRUE(e.find("node 'relu1' (Relu)") != std::string::npos || e.find("node 'relu2' (Relu)") != std::string::npos) << e;
}

TEST(OnnxBadInput, UnknownOpWithUnknowableShapes) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"mystery", "FancyActivation", {"y"}, {"z"}, {}, ""};
  m.outputs[0].has_shape = false;
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "node 'mystery' (FancyActivation)");
  // The same op with a declared output shape is kept as an opaque op.
  m.outputs[0].has_shape = true;
  EXPECT_EQ(import_error(pack_model(m)), "");
}

TEST(OnnxBadInput, DuplicatedTensorNames) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1].outputs = {"y"};  // relu1 writes conv1's output
  m.outputs[0].name = "y";
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: node 'relu1' (Relu): output 'y' is already defined elsewhere in the graph");
  m = small_conv_model();
  m.initializers.push_back(m.initializers[0]);
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: initializer 'W' is defined twice");
  m = small_conv_model();
  m.nodes[0].outputs = {"x"};  // a node output named like a graph input
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "node 'conv1' (Conv): output 'x' is already defined");
}

TEST(OnnxBadInput, BadAttributeValues) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[0].attrs.push_back(ints_attr("kernel_shape", {3, 3, 3}));
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: node 'conv1' (Conv): attribute 'pads' has 4 values but the op has 3 spatial axes");
  m.nodes[0].attrs = {ints_attr("kernel_shape", {3, 3, 3})};
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: node 'conv1' (Conv): 3-D spatial ops are not supported (only 1-D and 2-D)");
  m = small_conv_model();
  OnnxAttrDesc group;
  group.name = "group";
  group.kind = OnnxAttrDesc::INT;
  group.i = 0;
  m.nodes[0].attrs.push_back(group);
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: node 'conv1' (Conv): attribute 'group' must be positive, not 0");
  m = small_conv_model();
  OnnxAttrDesc pad;
  pad.name = "auto_pad";
  pad.kind = OnnxAttrDesc::STRING;
  pad.s = "SIDEWAYS";
  m.nodes[0].attrs.push_back(pad);
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: node 'conv1' (Conv): attribute 'auto_pad' has an unknown value 'SIDEWAYS'");
}

TEST(OnnxBadInput, NamesWithControlCharactersStayOnOneLine) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1].name = "evil\nname";
  m.nodes[1].inputs = {"no\rwhere"};
  EXPECT_ONE_LINE_ERROR(import_error(pack_model(m)), "node 'evil?name' (Relu): input 'no?where'");
}

// Wire bytes of one length-delimited field.
std::string field(int number, const std::string &payload) {
  std::string out;
  uint64_t values[] = {uint64_t(number) << 3 | 2, payload.size()};
  for (uint64_t v : values) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out += char(v ? b | 0x80 : b);
    } while (v);
  }
  return out + payload;
}

TEST(OnnxBadInput, DeepNestingIsRefusedBeforeParsing) {
  // Model.graph(7) -> Graph.node(1) -> Node.attribute(5) -> Attribute.g(6) -> Graph ... 5000
  // levels deep: protobuf-c would recurse through all of them.
  std::string graph;
  for (int i = 0; i < 5000; i++) graph = field(1, field(5, field(6, graph)));
  EXPECT_EQ(import_error(field(7, graph)), "bad.onnx: error: the model nests graphs or types more than 100 levels deep");
  // TypeProto.sequence_type(4) -> Sequence.elem_type(1) -> TypeProto ..., in a graph input.
  std::string type;
  for (int i = 0; i < 5000; i++) type = field(4, field(1, type));
  EXPECT_EQ(import_error(field(7, field(11, field(2, type)))),
            "bad.onnx: error: the model nests graphs or types more than 100 levels deep");
}

TEST(OnnxBadInput, NestingCountsGraphLevelsNotProtobufMessages) {
  // Each step Graph.node(1) -> Node.attribute(5) -> Attribute.g(6) is one graph level but
  // three protobuf messages. The model's graph plus 99 steps is 100 graphs deep, the limit:
  // counting messages refused it at about 33 graphs. One more step is refused.
  auto nested = [](int steps) {
    std::string graph;
    for (int i = 0; i < steps; i++) graph = field(1, field(5, field(6, graph)));
    return field(7, graph);
  };
  const std::string too_deep = "bad.onnx: error: the model nests graphs or types more than 100 levels deep";
  EXPECT_NE(import_error(nested(99)), too_deep);
  EXPECT_EQ(import_error(nested(100)), too_deep);
  // Types: TypeProto.sequence_type(4) -> Sequence.elem_type(1) -> TypeProto is one level each,
  // in ValueInfo.type(2) of a graph input (11): 100 types deep passes this check, 101 do not.
  auto typed = [](int levels) {
    std::string type;
    for (int i = 1; i < levels; i++) type = field(4, field(1, type));
    return field(7, field(11, field(2, type)));
  };
  EXPECT_NE(import_error(typed(99)), too_deep);  // the graph is the 100th level
  EXPECT_EQ(import_error(typed(100)), too_deep);
}

TEST(OnnxBadInput, AnUndefinedDataTypeIsRefused) {
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].dtype = ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: graph input 'x' has data type UNDEFINED (0)");
  m = small_conv_model();
  m.initializers[0].dtype = ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
  EXPECT_EQ(import_error(pack_model(m)), "bad.onnx: error: initializer 'W' has data type UNDEFINED (0)");
}

TEST(OnnxBadInput, RawDataOfTheWrongLengthSaysSo) {
  // A Reshape shape of dims [2] in int64 needs 2 x 8 = 16 bytes; 12 were given. The message
  // used to be "not a constant with known integer values", from shape inference.
  OnnxModelDesc m = small_conv_model();
  OnnxTensorDesc shape{"shape", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, {2}};
  shape.raw_data = std::string(12, '\0');
  m.initializers.push_back(shape);
  m.nodes.push_back({"flat", "Reshape", {"z", "shape"}, {"f"}, {}, ""});
  m.outputs[0] = {"f", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 256}, {}, true};
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: initializer 'shape': raw_data holds 12 bytes, but dims [2] of int64 need 16");
  // Float weights too: W is 4 x 3 x 3 x 3 fp32, 108 x 4 = 432 bytes.
  m = small_conv_model();
  m.initializers[0].raw_data = std::string(431, '\0');
  EXPECT_EQ(import_error(pack_model(m)),
            "bad.onnx: error: initializer 'W': raw_data holds 431 bytes, but dims [4, 3, 3, 3] of fp32 need 432");
  m.initializers[0].raw_data = std::string(432, '\0');
  EXPECT_EQ(import_error(pack_model(m)), "");
}

TEST(OnnxBadInput, ALongNameIsCutInTheMessage) {
  // Every message line is at most NP_DIAG_LINE_MAX (300) bytes: a 10,000-byte node name keeps
  // the start and the end of the line.
  OnnxModelDesc m = small_conv_model();
  m.nodes[1].name = std::string(10000, 'n');
  m.nodes[1].inputs = {"nowhere"};
  std::string e = import_error(pack_model(m));
  EXPECT_LE(e.size(), 300u) << e;
  EXPECT_EQ(e.rfind("bad.onnx: error: node 'nnnn", 0), 0u) << e;
  EXPECT_NE(e.find(" ... "), std::string::npos) << e;
  EXPECT_NE(e.find("input 'nowhere'"), std::string::npos) << e;
}

TEST(OnnxBadInput, FilesThatCannotBeRead) {
  EXPECT_EQ(import_file_error("/nonexistent/model.onnx"), "/nonexistent/model.onnx: error: cannot open: No such file or directory");
  std::string dir = scratch_dir();
  EXPECT_EQ(import_file_error(dir), dir + ": error: not a regular file (a directory): npusim reads its inputs from files");
}

// Through the CLI: one line on stderr naming the file, exit code 2, nothing on stdout.
void expect_cli_refuses(const std::string &path, const std::string &must_contain) {
  CliResult r = run_npusim("graph '" + path + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(path + ": error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(OnnxBadInputCli, EmptyFile) { expect_cli_refuses(write_scratch("empty.onnx", ""), "the file is empty"); }

TEST(OnnxBadInputCli, TruncatedModel) {
  std::string full = pack_model(small_conv_model());
  expect_cli_refuses(write_scratch("truncated.onnx", full.substr(0, full.size() / 2)), "protobuf parse failed");
}

TEST(OnnxBadInputCli, Cycle) {
  OnnxModelDesc m = small_conv_model();
  m.nodes[1] = {"relu1", "Relu", {"z"}, {"a"}, {}, ""};
  m.nodes.push_back({"relu2", "Relu", {"a"}, {"z"}, {}, ""});
  expect_cli_refuses(write_scratch("cycle.onnx", pack_model(m)), "is on a cycle");
}

TEST(OnnxBadInputCli, NegativeDims) {
  OnnxModelDesc m = small_conv_model();
  m.inputs[0].dims = {1, 3, -8, 8};
  expect_cli_refuses(write_scratch("negative.onnx", pack_model(m)), "negative dimension");
}

}  // namespace
