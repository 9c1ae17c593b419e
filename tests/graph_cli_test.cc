// `npusim graph`: the per-layer table, the JSON report (parsed back with jansson and checked
// against hand-worked values), exit codes for bad input, and a real network.
#include <gtest/gtest.h>
#include <jansson.h>

#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"

namespace {

struct Json {
  json_t *root = nullptr;
  explicit Json(const std::string &text) {
    json_error_t error;
    root = json_loads(text.c_str(), 0, &error);
    if (!root) ADD_FAILURE() << "bad JSON: " << error.text << " at line " << error.line << "\n" << text;
  }
  ~Json() { json_decref(root); }
};

json_t *at(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  EXPECT_NE(v, nullptr) << "missing key " << key;
  return v;
}
long long integer(json_t *obj, const char *key) { return json_integer_value(at(obj, key)); }
std::string str(json_t *obj, const char *key) {
  const char *s = json_string_value(at(obj, key));
  return s ? s : "<not a string>";
}
std::vector<long long> dims(json_t *tensor) {
  std::vector<long long> out;
  size_t i;
  json_t *v;
  json_array_foreach(at(tensor, "shape"), i, v) out.push_back(json_integer_value(v));
  return out;
}

typedef std::vector<std::string> Cells;

// A table line cut into cells: columns are separated by two or more spaces.
Cells split_cells(const std::string &line) {
  Cells cells;
  size_t i = line.find_first_not_of(' ');
  while (i != std::string::npos && i < line.size()) {
    size_t gap = line.find("  ", i);
    cells.push_back(line.substr(i, gap == std::string::npos ? std::string::npos : gap - i));
    i = gap == std::string::npos ? gap : line.find_first_not_of(' ', gap);
  }
  return cells;
}

// The cells of the table row whose second column (the layer name) is `name`; empty if none.
Cells row_of(const std::string &out, const std::string &name, std::string *line_out = nullptr) {
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(pos, end - pos);
    Cells cells = split_cells(line);
    if (cells.size() > 2 && cells[1] == name) {
      if (line_out) *line_out = line;
      return cells;
    }
    pos = end + 1;
  }
  return Cells();
}

TEST(GraphCli, Conv3x3Table) {
  CliResult r = run_npusim("graph models/micro/conv3x3.npg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("model: conv3x3 (models/micro/conv3x3.npg)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inputs: x int8 1x56x56x64"), std::string::npos) << r.out;
  // 0, conv1, Conv, input 1x56x56x64, output 1x56x56x64 (56 = (56+2-3)/1+1),
  // MACs 56*56*64*64*9 = 115,605,504 -> 115.6M; weights 36,864 + 256 (int32 bias) = 37,120 B
  // = 36.25 KiB -> 36.2 KiB; output 56*56*64 = 200,704 B = 196.0 KiB; no layout move.
  EXPECT_EQ(row_of(r.out, "conv1"),
            (Cells{"0", "conv1", "Conv", "1x56x56x64", "1x56x56x64", "115.6M", "36.2 KiB", "196.0 KiB"}))
      << r.out;
  // Totals, with exact figures: params 64*64*9 + 64 = 36,928.
  EXPECT_NE(r.out.find("totals: 1 op\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(115,605,504)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(36,928)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(37,120 bytes)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(200,704 bytes)"), std::string::npos) << r.out;
}

TEST(GraphCli, TableColumnsAlign) {
  CliResult r = run_npusim("graph models/micro/chain.npg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The header's "MACs" title is right-aligned over the numbers: every row's MACs cell ends
  // in the same column as the title.
  size_t header = r.out.find("\n#  name");
  ASSERT_NE(header, std::string::npos) << r.out;
  std::string title = r.out.substr(header + 1, r.out.find('\n', header + 1) - header - 1);
  size_t macs_end = title.find("MACs") + 4;
  for (const char *name : {"c1", "d1", "c2", "fc"}) {
    std::string row;
    ASSERT_FALSE(row_of(r.out, name, &row).empty()) << name << "\n" << r.out;
    ASSERT_GT(row.size(), macs_end);
    EXPECT_NE(row[macs_end - 1], ' ') << name << ": " << row;
    EXPECT_EQ(row[macs_end], ' ') << name << ": " << row;
  }
  // conv, relu, dwconv, add, maxpool, conv, globalavgpool, flatten, gemm, softmax: 10 ops.
  EXPECT_NE(r.out.find("totals: 10 ops\n"), std::string::npos) << r.out;
}

TEST(GraphCli, Conv3x3Json) {
  CliResult r = run_npusim("graph models/micro/conv3x3.npg --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j(r.out);
  ASSERT_TRUE(j.root);
  EXPECT_EQ(str(j.root, "schema"), "npusim.graph/1");
  EXPECT_EQ(str(j.root, "model"), "conv3x3");
  EXPECT_EQ(str(j.root, "source"), "models/micro/conv3x3.npg");
  EXPECT_TRUE(json_is_null(at(j.root, "compute_dtype")));
  json_t *layers = at(j.root, "layers");
  ASSERT_EQ(json_array_size(layers), 1u);
  json_t *l = json_array_get(layers, 0);
  EXPECT_EQ(integer(l, "index"), 0);
  EXPECT_EQ(str(l, "name"), "conv1");
  EXPECT_EQ(str(l, "op"), "Conv");
  json_t *in = json_array_get(at(l, "inputs"), 0);
  ASSERT_EQ(json_array_size(at(l, "inputs")), 1u);  // the weights are listed apart
  EXPECT_EQ(str(in, "name"), "x");
  EXPECT_EQ(dims(in), (std::vector<long long>{1, 56, 56, 64}));
  EXPECT_EQ(str(in, "dtype"), "int8");
  EXPECT_EQ(str(in, "layout"), "NHWC");
  json_t *w = json_array_get(at(l, "weights"), 0);
  ASSERT_EQ(json_array_size(at(l, "weights")), 2u);
  EXPECT_EQ(str(w, "name"), "conv1.weight");
  EXPECT_EQ(integer(w, "bytes"), 64 * 64 * 9);
  EXPECT_EQ(str(json_array_get(at(l, "weights"), 1), "dtype"), "int32");
  json_t *out = json_array_get(at(l, "outputs"), 0);
  EXPECT_EQ(str(out, "name"), "y");
  EXPECT_EQ(dims(out), (std::vector<long long>{1, 56, 56, 64}));
  // Hand-worked: see Conv3x3Table.
  EXPECT_EQ(integer(l, "macs"), 115605504);
  EXPECT_EQ(integer(l, "weight_bytes"), 37120);
  EXPECT_EQ(integer(l, "input_bytes"), 200704);
  EXPECT_EQ(integer(l, "output_bytes"), 200704);
  EXPECT_EQ(integer(l, "layout_move_bytes"), 0);
  EXPECT_EQ(integer(j.root, "folded_ops"), 0);
  json_t *t = at(j.root, "totals");
  EXPECT_EQ(integer(t, "ops"), 1);
  EXPECT_EQ(integer(t, "macs"), 115605504);
  EXPECT_EQ(integer(t, "params"), 36928);
  EXPECT_EQ(integer(t, "weight_bytes"), 37120);
  EXPECT_EQ(integer(t, "activation_bytes"), 200704);
  // The model's inputs and outputs.
  EXPECT_EQ(str(json_array_get(at(j.root, "inputs"), 0), "name"), "x");
  EXPECT_EQ(str(json_array_get(at(j.root, "outputs"), 0), "name"), "y");
}

TEST(GraphCli, ChainJsonLayersInOrder) {
  CliResult r = run_npusim("graph models/micro/chain.npg --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j(r.out);
  ASSERT_TRUE(j.root);
  json_t *layers = at(j.root, "layers");
  const char *names[] = {"c1", "r1", "d1", "a1", "p1", "c2", "gap", "f", "fc", "sm"};
  ASSERT_EQ(json_array_size(layers), 10u);
  for (size_t i = 0; i < 10; i++) EXPECT_EQ(str(json_array_get(layers, i), "name"), names[i]);
  // maxpool 2x2 s2: (56-2)/2+1 = 28; 1x1 conv to 128: MACs 28*28*128*64 = 6,422,528.
  json_t *c2 = json_array_get(layers, 5);
  EXPECT_EQ(dims(json_array_get(at(c2, "inputs"), 0)), (std::vector<long long>{1, 28, 28, 64}));
  EXPECT_EQ(integer(c2, "macs"), 6422528);
  // The residual add reads two 56x56x64 int8 tensors: 2 * 200,704 bytes.
  EXPECT_EQ(integer(json_array_get(layers, 3), "input_bytes"), 401408);
  // Classifier: flatten 1x1x1x128 -> 1x128 (one pixel: nothing moves), gemm 1x128 -> 1x10:
  // MACs 128*10 = 1,280; weights 1,280 int8 + 10 int32 = 1,320 bytes.
  json_t *f = json_array_get(layers, 7), *fc = json_array_get(layers, 8);
  EXPECT_EQ(dims(json_array_get(at(f, "outputs"), 0)), (std::vector<long long>{1, 128}));
  EXPECT_EQ(str(json_array_get(at(f, "outputs"), 0), "layout"), "plain");
  EXPECT_EQ(integer(f, "layout_move_bytes"), 0);
  EXPECT_EQ(integer(fc, "macs"), 1280);
  EXPECT_EQ(integer(fc, "weight_bytes"), 1320);
}

TEST(GraphCli, LayoutMoveIsMarked) {
  std::string path = write_scratch("move.npg",
                                   "input x int8 1x7x7x64\n"
                                   "flatten f x -> v\n"  // 7*7*64 = 3,136 bytes reordered
                                   "gemm fc v -> y n=10\n");
  CliResult r = run_npusim("graph '" + path + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // No MACs, no weights; output 3,136 B = 3.0625 KiB -> 3.1 KiB, and the same bytes moved.
  EXPECT_EQ(row_of(r.out, "f"), (Cells{"0", "f", "Flatten", "1x7x7x64", "1x3136", "-", "-", "3.1 KiB", "3.1 KiB"}))
      << r.out;
  EXPECT_NE(r.out.find("layout move: "), std::string::npos) << r.out;
  CliResult j = run_npusim("graph '" + path + "' --json");
  Json doc(j.out);
  ASSERT_TRUE(doc.root);
  EXPECT_EQ(integer(json_array_get(at(doc.root, "layers"), 0), "layout_move_bytes"), 3136);
}

TEST(GraphCli, DtypeOverrideChangesFloatBytesOnly) {
  std::string path = write_scratch("fp32.npg", "input a fp32 128x256\ngemm g a -> b n=512 bias=no\n");
  CliResult fp = run_npusim("graph '" + path + "' --json");
  CliResult q = run_npusim("graph '" + path + "' --json --dtype int8");
  ASSERT_EQ(fp.exit_code, 0) << fp.err;
  ASSERT_EQ(q.exit_code, 0) << q.err;
  Json a(fp.out), b(q.out);
  ASSERT_TRUE(a.root && b.root);
  // 256*512 weights: 4 bytes each in fp32 = 524,288; 1 byte in int8 = 131,072.
  EXPECT_EQ(integer(at(a.root, "totals"), "weight_bytes"), 524288);
  EXPECT_EQ(integer(at(b.root, "totals"), "weight_bytes"), 131072);
  EXPECT_EQ(integer(at(b.root, "totals"), "macs"), 128 * 512 * 256);
  EXPECT_EQ(str(b.root, "compute_dtype"), "int8");
}

TEST(GraphCli, SameInputSameOutput) {
  CliResult a = run_npusim("graph models/micro/chain.npg --json");
  CliResult b = run_npusim("graph models/micro/chain.npg --json");
  EXPECT_EQ(a.out, b.out);
  CliResult c = run_npusim("graph models/micro/chain.npg");
  CliResult d = run_npusim("graph models/micro/chain.npg");
  EXPECT_EQ(c.out, d.out);
}

TEST(GraphCli, BadInputExitsTwo) {
  CliResult missing = run_npusim("graph models/micro/no_such_model.npg");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, "models/micro/no_such_model.npg: error: cannot open: No such file or directory\n");

  std::string bad = write_scratch("bad.npg", "input x int8 1x4x4x8\nconv c1 q -> y out=8 kernel=1\n");
  CliResult r = run_npusim("graph '" + bad + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(bad + ":2:9: error: unknown tensor 'q'", 0), 0u) << r.err;

  std::string junk = write_scratch("junk.bin", std::string("\x01\x02garbage\xff", 10));
  CliResult u = run_npusim("graph '" + junk + "'");
  EXPECT_EQ(u.exit_code, 2);
  EXPECT_EQ(u.err.rfind(junk + ": error: unknown model format", 0), 0u) << u.err;
}

TEST(GraphCli, SniffsTextGraphsWithOtherExtensions) {
  std::string path = write_scratch("layer.txt", "# a text graph under another name\ninput x int8 1x4x4x8\nrelu r x -> y\n");
  CliResult r = run_npusim("graph '" + path + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Relu"), std::string::npos) << r.out;
}

TEST(GraphCli, UsageAndHelp) {
  CliResult help = run_npusim("graph --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.out.rfind("usage: npusim graph MODEL", 0), 0u) << help.out;
  EXPECT_NE(help.out.find("--json"), std::string::npos);
  EXPECT_NE(help.out.find("--dtype"), std::string::npos);
  EXPECT_EQ(run_npusim("graph -h").exit_code, 0);
  CliResult none = run_npusim("graph");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("missing MODEL"), std::string::npos) << none.err;
  CliResult opt = run_npusim("graph models/micro/gemm.npg --jsn");
  EXPECT_EQ(opt.exit_code, 2);
  EXPECT_NE(opt.err.find("unknown option '--jsn'"), std::string::npos) << opt.err;
  CliResult dt = run_npusim("graph models/micro/gemm.npg --dtype int4");
  EXPECT_EQ(dt.exit_code, 2);
  EXPECT_NE(dt.err.find("unknown type 'int4'"), std::string::npos) << dt.err;
  EXPECT_EQ(run_npusim("graph models/micro/gemm.npg --dtype").exit_code, 2);
  EXPECT_EQ(run_npusim("graph a.npg b.npg").exit_code, 2);
}

// MobileNetV2 at 224x224: the first conv is 3x3 stride 2 to 32 channels, so its output is
// ceil(224/2) = 112 pixels square: 1x112x112x32 in NHWC (known from the architecture).
TEST(GraphCli, MobileNetV2FirstConv) {
  CliResult r = run_npusim("graph models/mobilenet_v2.onnx --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j(r.out);
  ASSERT_TRUE(j.root);
  json_t *first = json_array_get(at(j.root, "layers"), 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(str(first, "op"), "Conv");
  EXPECT_EQ(dims(json_array_get(at(first, "inputs"), 0)), (std::vector<long long>{1, 224, 224, 3}));
  EXPECT_EQ(dims(json_array_get(at(first, "outputs"), 0)), (std::vector<long long>{1, 112, 112, 32}));
  // 112*112*32 outputs * 3*3*3 reduction = 10,838,016 MACs.
  EXPECT_EQ(integer(first, "macs"), 10838016);
  CliResult table = run_npusim("graph models/mobilenet_v2.onnx");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  Cells first_row = row_of(table.out, str(first, "name"));
  ASSERT_GE(first_row.size(), 6u) << table.out.substr(0, 2000);
  EXPECT_EQ(first_row[0], "0");
  EXPECT_EQ(first_row[3], "1x224x224x3");
  EXPECT_EQ(first_row[4], "1x112x112x32");
  EXPECT_EQ(first_row[5], "10.8M");
}

}  // namespace
