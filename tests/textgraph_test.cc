// The text graph parser (sim/graph/textgraph.h): every statement form with hand-worked shapes
// and MACs, every error with its line:col, and junk that must never crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/files.h"

extern "C" {
#include "graph/graph.h"
#include "graph/textgraph.h"
#include "util/diag.h"
}

namespace {

typedef std::vector<int64_t> Dims;

struct Parsed {
  NpGraph *graph = nullptr;
  std::vector<std::string> errors;
  ~Parsed() { np_graph_free(graph); }
  const NpTensor *tensor(const char *name) const {
    int i = np_graph_find_tensor(graph, name);
    return i < 0 ? nullptr : &graph->tensors[i];
  }
  const NpOp *op(const char *name) const {
    for (size_t i = 0; i < graph->n_ops; i++)
      if (std::string(graph->ops[i].name) == name) return &graph->ops[i];
    return nullptr;
  }
  std::string all_errors() const {
    std::string s;
    for (const auto &e : errors) s += e + "\n";
    return s;
  }
};

void parse_into(Parsed &p, const std::string &text) {
  NpDiag diag;
  np_diag_init(&diag);
  p.graph = np_textgraph_parse(text.data(), text.size(), "t.npg", &diag);
  for (size_t i = 0; i < diag.count; i++) p.errors.push_back(diag.messages[i]);
  np_diag_free(&diag);
}

Dims physical(const NpTensor *t) {
  int64_t d[NP_MAX_RANK];
  int r = np_tensor_physical_dims(t, d);
  return Dims(d, d + r);
}
Dims logical(const NpTensor *t) { return Dims(t->dims, t->dims + t->rank); }

#define PARSE_OK(p, text)                          \
  parse_into(p, text);                             \
  ASSERT_NE(p.graph, nullptr) << p.all_errors();   \
  ASSERT_TRUE(p.errors.empty()) << p.all_errors()

// Expects exactly one error, at line:col, whose text contains `what`.
void expect_error(const std::string &text, int line, int col, const std::string &what) {
  Parsed p;
  parse_into(p, text);
  EXPECT_EQ(p.graph, nullptr);
  ASSERT_EQ(p.errors.size(), 1u) << text << "\n" << p.all_errors();
  std::string prefix = "t.npg:" + std::to_string(line) + ":" + std::to_string(col) + ": error: ";
  EXPECT_EQ(p.errors[0].compare(0, prefix.size(), prefix), 0) << p.errors[0] << "\nwanted prefix " << prefix;
  EXPECT_NE(p.errors[0].find(what), std::string::npos) << p.errors[0] << "\nwanted: " << what;
  EXPECT_EQ(p.errors[0].find('\n'), std::string::npos) << "one line per error";
}

// ------------------------------------------------------------------ statement forms

TEST(TextGraph, Conv3x3SamePaddingIsResNetStageOne) {
  Parsed p;
  PARSE_OK(p,
           "graph conv_chain\n"
           "input x int8 1x56x56x64   # NHWC\n"
           "conv c1 x -> y kernel=3x3 stride=1 pad=1 out=64\n");
  EXPECT_STREQ(p.graph->name, "conv_chain");
  const NpTensor *x = p.tensor("x"), *y = p.tensor("y"), *w = p.tensor("c1.weight"), *b = p.tensor("c1.bias");
  ASSERT_TRUE(x && y && w && b);
  // Written NHWC 1x56x56x64 -> logical NCHW 1x64x56x56, physical back to NHWC.
  EXPECT_EQ(logical(x), (Dims{1, 64, 56, 56}));
  EXPECT_EQ(physical(x), (Dims{1, 56, 56, 64}));
  EXPECT_EQ(x->layout, NP_LAYOUT_NHWC);
  // (56 + 1 + 1 - 3) / 1 + 1 = 56.
  EXPECT_EQ(physical(y), (Dims{1, 56, 56, 64}));
  EXPECT_EQ(y->dtype, NP_DTYPE_INT8);
  // ONNX weight layout O, I/group, kh, kw; bias int32 for an int8 conv.
  EXPECT_EQ(logical(w), (Dims{64, 64, 3, 3}));
  EXPECT_EQ(w->role, NP_TENSOR_WEIGHT);
  EXPECT_EQ(w->dtype, NP_DTYPE_INT8);
  EXPECT_EQ(logical(b), (Dims{64}));
  EXPECT_EQ(b->dtype, NP_DTYPE_INT32);
  const NpOp *op = p.op("c1");
  ASSERT_TRUE(op);
  EXPECT_EQ(op->kind, NP_OP_CONV);
  // MACs = 56*56 output pixels * 64 out channels * 64*3*3 reduction = 115,605,504.
  EXPECT_EQ(op->macs, INT64_C(115605504));
  // Weights 64*64*9 = 36,864 bytes + bias 64*4 = 256 -> 37,120.
  EXPECT_EQ(op->weight_bytes, 37120);
  // Input and output 56*56*64 int8 = 200,704 bytes.
  EXPECT_EQ(op->input_bytes, 200704);
  EXPECT_EQ(op->output_bytes, 200704);
  // Without `output`, the result nothing reads is the output.
  ASSERT_EQ(p.graph->n_outputs, 1u);
  EXPECT_EQ(p.graph->outputs[0], np_graph_find_tensor(p.graph, "y"));
  ASSERT_EQ(p.graph->n_inputs, 1u);
}

TEST(TextGraph, ConvWindowArithmetic) {
  Parsed p;
  PARSE_OK(p,
           "input x int8 1x7x7x8\n"
           "conv s2 x -> a out=16 kernel=3 stride=2 pad=1\n"          // (7+2-3)/2+1 = 4
           "conv same x -> b out=16 kernel=3 stride=2 pad=same\n"     // ceil(7/2) = 4
           "conv asym x -> c out=16 kernel=3 stride=2 pad=0,0,1,1\n"  // (7+0+1-3)/2+1 = 3
           "conv valid x -> d out=16 kernel=3 pad=valid\n"            // (7-3)/1+1 = 5
           "conv dil x -> e out=16 kernel=3 dilation=2\n"             // reach 2*2+1 = 5: (7-5)+1 = 3
           "conv rect x -> f out=4 kernel=1x7 pad=0,3,0,3\n"          // H: 7, W: (7+6-7)+1 = 7
           "conv s21 x -> g out=4 kernel=1 stride=2x1\n");            // H: (7-1)/2+1 = 4, W: 7
  EXPECT_EQ(physical(p.tensor("a")), (Dims{1, 4, 4, 16}));
  EXPECT_EQ(physical(p.tensor("b")), (Dims{1, 4, 4, 16}));
  EXPECT_EQ(physical(p.tensor("c")), (Dims{1, 3, 3, 16}));
  EXPECT_EQ(physical(p.tensor("d")), (Dims{1, 5, 5, 16}));
  EXPECT_EQ(physical(p.tensor("e")), (Dims{1, 3, 3, 16}));
  EXPECT_EQ(physical(p.tensor("f")), (Dims{1, 7, 7, 4}));
  EXPECT_EQ(physical(p.tensor("g")), (Dims{1, 4, 7, 4}));
  // 4*4 pixels * 16 out * 8*3*3 = 18,432.
  EXPECT_EQ(p.op("s2")->macs, 18432);
  EXPECT_EQ(logical(p.tensor("rect.weight")), (Dims{4, 8, 1, 7}));
  EXPECT_EQ(p.op("asym")->attrs.pad[2], 1);
  EXPECT_EQ(p.op("dil")->attrs.dilation[1], 2);
  // Seven outputs nobody reads: all are graph outputs, in definition order.
  EXPECT_EQ(p.graph->n_outputs, 7u);
}

TEST(TextGraph, GroupedConvAndNoBias) {
  Parsed p;
  PARSE_OK(p, "input x int8 1x8x8x32\nconv g4 x -> y out=64 kernel=1 groups=4 bias=no\n");
  // Weight 64 x 32/4 x 1 x 1; MACs = 8*8 * 64 * 8 = 32,768; weight bytes 64*8 = 512.
  EXPECT_EQ(logical(p.tensor("g4.weight")), (Dims{64, 8, 1, 1}));
  EXPECT_EQ(p.tensor("g4.bias"), nullptr);
  EXPECT_EQ(p.op("g4")->attrs.group, 4);
  EXPECT_EQ(p.op("g4")->macs, 32768);
  EXPECT_EQ(p.op("g4")->weight_bytes, 512);
}

TEST(TextGraph, WeightBitsMarkTheWeightNotTheBias) {
  Parsed p;
  PARSE_OK(p, "input x fp16 1x8x8x32\nconv c x -> y out=64 kernel=1 weight_bits=4\n"
              "dwconv d y -> z kernel=3 pad=1 weight_bits=6\nflatten f z -> v\ngemm g v -> w n=4 weight_bits=8\n");
  EXPECT_EQ(p.tensor("c.weight")->storage_bits, 4);
  EXPECT_EQ(p.tensor("c.bias")->storage_bits, 0);
  EXPECT_EQ(p.tensor("d.weight")->storage_bits, 6);
  EXPECT_EQ(p.tensor("g.weight")->storage_bits, 8);
}

TEST(TextGraph, DepthwiseConv) {
  Parsed p;
  PARSE_OK(p,
           "input x int8 1x112x112x32\n"
           "dwconv dw1 x -> y kernel=3x3 stride=2 pad=same\n"
           "dwconv dw2 x -> z kernel=3 pad=1 multiplier=2\n");
  // ceil(112/2) = 56; group = 32 channels; weight 32 x 1 x 3 x 3.
  EXPECT_EQ(physical(p.tensor("y")), (Dims{1, 56, 56, 32}));
  EXPECT_EQ(logical(p.tensor("dw1.weight")), (Dims{32, 1, 3, 3}));
  EXPECT_EQ(p.op("dw1")->attrs.group, 32);
  // MACs = 56*56*32 outputs * 9 = 903,168; weights 288 B + bias 32*4 = 128 B.
  EXPECT_EQ(p.op("dw1")->macs, 903168);
  EXPECT_EQ(p.op("dw1")->weight_bytes, 416);
  // Multiplier 2: 64 outputs channels, each from one input channel: 112*112*64*9 = 7,225,344.
  EXPECT_EQ(physical(p.tensor("z")), (Dims{1, 112, 112, 64}));
  EXPECT_EQ(logical(p.tensor("dw2.weight")), (Dims{64, 1, 3, 3}));
  EXPECT_EQ(p.op("dw2")->macs, 7225344);
}

TEST(TextGraph, GemmMxNxK) {
  Parsed p;
  PARSE_OK(p,
           "input a int8 128x256\n"
           "gemm g1 a -> b n=512 m=128 k=256 bias=no\n"
           "input h fp16 4x64\n"
           "gemm g2 h -> o n=10\n");
  EXPECT_EQ(physical(p.tensor("b")), (Dims{128, 512}));
  EXPECT_EQ(p.tensor("b")->layout, NP_LAYOUT_PLAIN);
  // ONNX B is K x N with trans_b = 0.
  EXPECT_EQ(logical(p.tensor("g1.weight")), (Dims{256, 512}));
  EXPECT_EQ(p.op("g1")->kind, NP_OP_GEMM);
  // M*N*K = 128*512*256 = 16,777,216; weights 256*512 int8 = 131,072 bytes.
  EXPECT_EQ(p.op("g1")->macs, INT64_C(16777216));
  EXPECT_EQ(p.op("g1")->weight_bytes, 131072);
  // fp16: weight 64*10*2 = 1,280 B + bias 10*2 = 20 B (float bias keeps the input's type).
  EXPECT_EQ(p.tensor("g2.bias")->dtype, NP_DTYPE_FP16);
  EXPECT_EQ(p.op("g2")->weight_bytes, 1300);
  EXPECT_EQ(p.op("g2")->macs, 4 * 10 * 64);
}

TEST(TextGraph, MatMulPlainAndBatched) {
  Parsed p;
  PARSE_OK(p,
           "input a fp32 64x32\ninput b fp32 32x16\nmatmul m1 a b -> c\n"
           "input q fp32 4x64x32\ninput k fp32 4x32x16\nmatmul m2 q k -> s\n");
  EXPECT_EQ(physical(p.tensor("c")), (Dims{64, 16}));
  EXPECT_EQ(p.op("m1")->macs, 64 * 16 * 32);  // M*N*K = 32,768
  EXPECT_EQ(p.op("m1")->weight_bytes, 0);     // both operands are activations
  EXPECT_EQ(physical(p.tensor("s")), (Dims{4, 64, 16}));
  EXPECT_EQ(p.op("m2")->macs, 4 * 64 * 16 * 32);
}

TEST(TextGraph, Pools) {
  Parsed p;
  PARSE_OK(p,
           "input x int8 1x56x56x64\n"
           "maxpool p1 x -> a kernel=2x2 stride=2\n"     // (56-2)/2+1 = 28
           "avgpool p2 x -> b kernel=3 stride=1 pad=1\n"  // 56
           "maxpool p3 x -> c kernel=3 stride=2 pad=same\n"
           "globalavgpool gap x -> d\n");
  EXPECT_EQ(physical(p.tensor("a")), (Dims{1, 28, 28, 64}));
  EXPECT_EQ(p.op("p1")->kind, NP_OP_MAXPOOL);
  EXPECT_EQ(physical(p.tensor("b")), (Dims{1, 56, 56, 64}));
  EXPECT_EQ(p.op("p2")->kind, NP_OP_AVGPOOL);
  EXPECT_EQ(physical(p.tensor("c")), (Dims{1, 28, 28, 64}));
  EXPECT_EQ(physical(p.tensor("d")), (Dims{1, 1, 1, 64}));
  EXPECT_EQ(p.op("gap")->kind, NP_OP_GLOBAL_AVGPOOL);
  EXPECT_EQ(p.op("p1")->macs, 0);
  EXPECT_EQ(p.op("p1")->output_bytes, 28 * 28 * 64);
}

TEST(TextGraph, ElementwiseBroadcastUnaryAndClip) {
  Parsed p;
  PARSE_OK(p,
           "input x fp16 1x8x8x16\n"
           "input s fp16 1x1x1x16\n"  // per-channel: broadcasts over H and W
           "mul m x s -> a\n"
           "add ad a x -> b\n"
           "sub sb b x -> c\n"
           "div dv c s -> d\n"
           "relu r d -> e\n"
           "clip c6 e -> f min=0 max=6\n"
           "sigmoid sg f -> g\nhardsigmoid hsg g -> h\nhardswish hs h -> i\ntanh th i -> j\nerf ef j -> k\n"
           "sqrt sq k -> l\n"
           "output l\n");
  EXPECT_EQ(physical(p.tensor("a")), (Dims{1, 8, 8, 16}));
  EXPECT_EQ(physical(p.tensor("l")), (Dims{1, 8, 8, 16}));
  EXPECT_EQ(p.op("m")->kind, NP_OP_MUL);
  EXPECT_EQ(p.op("sb")->kind, NP_OP_SUB);
  EXPECT_EQ(p.op("dv")->kind, NP_OP_DIV);
  EXPECT_EQ(p.op("hs")->kind, NP_OP_HARD_SWISH);
  EXPECT_EQ(p.op("c6")->kind, NP_OP_CLIP);
  EXPECT_FLOAT_EQ(p.op("c6")->attrs.clip_min, 0.0f);
  EXPECT_FLOAT_EQ(p.op("c6")->attrs.clip_max, 6.0f);
  // 8*8*16 fp16 outputs = 2,048 bytes; add reads two such tensors.
  EXPECT_EQ(p.op("ad")->output_bytes, 2048);
  EXPECT_EQ(p.op("ad")->input_bytes, 4096);
  ASSERT_EQ(p.graph->n_outputs, 1u);  // `output l`: the explicit list only
}

TEST(TextGraph, ConcatSoftmaxFlattenAxesAreNhwc) {
  Parsed p;
  PARSE_OK(p,
           "input a int8 1x8x8x16\ninput b int8 1x8x8x32\ninput c int8 1x4x8x16\n"
           "concat cc a b -> ab\n"       // default axis: channels -> 1x8x8x48
           "concat ch a c -> ac axis=h\n"  // 1x12x8x16
           "concat cw a a -> aa axis=2\n"  // index 2 of NHWC = w -> 1x8x16x16
           "softmax sm ab -> p\n"
           "flatten f ab -> v\n"           // 1 x (8*8*48 = 3072)
           "softmax sm2 v -> q axis=-1\n");
  EXPECT_EQ(physical(p.tensor("ab")), (Dims{1, 8, 8, 48}));
  EXPECT_EQ(p.op("cc")->attrs.axis, 1);  // NHWC c is logical axis 1
  EXPECT_EQ(physical(p.tensor("ac")), (Dims{1, 12, 8, 16}));
  EXPECT_EQ(p.op("ch")->attrs.axis, 2);
  EXPECT_EQ(physical(p.tensor("aa")), (Dims{1, 8, 16, 16}));
  EXPECT_EQ(p.op("cw")->attrs.axis, 3);
  EXPECT_EQ(p.op("sm")->attrs.axis, 1);
  EXPECT_EQ(physical(p.tensor("v")), (Dims{1, 3072}));
  EXPECT_EQ(p.op("sm2")->attrs.axis, 1);
  // Flattening an NHWC feature map of many pixels and channels reorders all 3,072 bytes.
  EXPECT_EQ(p.op("f")->layout_move_bytes, 3072);
}

TEST(TextGraph, DtypesPerInput) {
  Parsed p;
  PARSE_OK(p,
           "input a int16 1x4x4x8\nconv c1 a -> x out=8 kernel=1\n"
           "input b fp32 1x4x4x8\nconv c2 b -> y out=8 kernel=1\n");
  EXPECT_EQ(p.tensor("x")->dtype, NP_DTYPE_INT16);
  EXPECT_EQ(p.tensor("c1.weight")->dtype, NP_DTYPE_INT16);
  EXPECT_EQ(p.tensor("c1.bias")->dtype, NP_DTYPE_INT32);
  // int16: 64 weights * 2 B + 8 biases * 4 B = 160; fp32: 64*4 + 8*4 = 288.
  EXPECT_EQ(p.op("c1")->weight_bytes, 160);
  EXPECT_EQ(p.op("c2")->weight_bytes, 288);
  EXPECT_EQ(p.tensor("y")->dtype, NP_DTYPE_FP32);
}

TEST(TextGraph, LexicalDetails) {
  Parsed p;
  PARSE_OK(p,
           "# leading comment\r\n"
           "\r\n"
           "   graph\tlex   # trailing\r\n"
           "input x int8 1x4x4x8\r\n"
           "relu r1 x->y\r\n"  // an arrow needs no spaces
           "  \t\n"
           "output y");  // no final newline
  EXPECT_STREQ(p.graph->name, "lex");
  EXPECT_EQ(physical(p.tensor("y")), (Dims{1, 4, 4, 8}));
}

TEST(TextGraph, DefaultNameComesFromTheFileName) {
  std::string path = write_scratch("my_layer.npg", "input x int8 1x2x2x4\nrelu r x -> y\n");
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_textgraph_load(path.c_str(), &diag);
  ASSERT_NE(g, nullptr);
  EXPECT_STREQ(g->name, "my_layer");
  EXPECT_EQ(std::string(g->source), path);
  np_graph_free(g);
  np_diag_free(&diag);
}

TEST(TextGraph, ExampleModelsLoad) {
  for (const char *name : {"conv3x3", "gemm", "dwconv", "chain"}) {
    std::string path = source_path(std::string("models/micro/") + name + ".npg");
    NpDiag diag;
    np_diag_init(&diag);
    NpGraph *g = np_textgraph_load(path.c_str(), &diag);
    EXPECT_NE(g, nullptr) << name << ": " << (diag.count ? diag.messages[0] : "");
    np_graph_free(g);
    np_diag_free(&diag);
  }
}

TEST(TextGraph, Sniff) {
  auto sniff = [](const std::string &s) { return np_textgraph_sniff(s.data(), s.size()); };
  EXPECT_TRUE(sniff("graph g\n"));
  EXPECT_TRUE(sniff("\n\n  input x int8 1x2\n"));
  EXPECT_TRUE(sniff("# hello\n"));
  EXPECT_FALSE(sniff("graphx\n"));
  EXPECT_FALSE(sniff(""));
  EXPECT_FALSE(sniff(std::string("\x08\x07\x12\x04", 4)));  // an ONNX file starts with field 1
}

// ------------------------------------------------------------------ errors

TEST(TextGraphErrors, EachFormWithItsPlace) {
  const std::string in = "input x int8 1x8x8x16\n";  // line 1 of most cases below
  expect_error(in + "frob f x -> y\n", 2, 1, "unknown statement 'frob'");
  expect_error(in + "relu r q -> y\n", 2, 8, "unknown tensor 'q'");
  expect_error(in + "relu r x -> x\n", 2, 13, "tensor 'x' is already defined at line 1");
  expect_error(in + "relu r x -> y\nrelu r y -> z\n", 3, 6, "op 'r' is already defined at line 2");
  expect_error(in + "conv c x -> y out=8 kernel=3 strid=2\n", 2, 30, "unknown option 'strid'");
  expect_error(in + "conv c x -> y out=8 kernel=3 stride=1 stride=2\n", 2, 39, "option 'stride' given twice");
  expect_error(in + "conv c x -> y out=8\n", 2, 1, "missing kernel=");
  expect_error(in + "conv c x -> y kernel=3\n", 2, 1, "missing out=");
  expect_error(in + "conv c x -> y out=8 kernel=3xa\n", 2, 30, "expected a whole number, got 'a'");
  expect_error(in + "conv c x -> y out=99999999999999999999 kernel=1\n", 2, 19, "too large");
  expect_error(in + "conv c x -> y out=0 kernel=1\n", 2, 19, "out of range");
  expect_error(in + "conv c x -> y out=8 kernel=9\n", 2, 28, "kernel height 9");
  expect_error(in + "conv c x -> y out=8 kernel=3 dilation=4\n", 2, 28, "larger than the padded input");
  expect_error(in + "conv c x -> y out=8 kernel=1 groups=3\n", 2, 37, "groups=3 must divide");
  expect_error(in + "conv c x -> y out=8 kernel=1 pad=1,2\n", 2, 34, "expected 1 or 4 values");
  expect_error(in + "conv c x -> y out=8 kernel=1 pad=wide\n", 2, 34, "expected a whole number");
  expect_error(in + "conv c x -> y out=8 kernel=1 bias=maybe\n", 2, 35, "expected yes or no");
  expect_error(in + "conv c x -> y out=8 kernel=1 weight_bits=3\n", 2, 42, "weight_bits=: expected 8, 6, 4 or 2, got '3'");
  expect_error(in + "flatten f x -> v\ngemm g v -> w n=4 weight_bits=four\n", 3, 31, "expected 8, 6, 4 or 2");
  expect_error(in + "conv c x kernel=3 -> y\n", 2, 10, "options go after");
  expect_error(in + "conv c x y\n", 2, 11, "missing `-> OUTPUT`");
  expect_error(in + "conv c x ->\n", 2, 12, "missing output name");
  expect_error(in + "relu r x -> y z\n", 2, 15, "unexpected 'z' after the output");
  expect_error(in + "relu\n", 2, 5, "missing op name");
  expect_error(in + "add a x -> y\n", 2, 7, "takes 2 inputs, got 1");
  expect_error(in + "relu r+ x -> y\n", 2, 7, "invalid character '+' in an op name");
  expect_error(in + "gemm g x -> y n=4\n", 2, 8, "gemm takes an MxK matrix");
  expect_error("input a int8 4x8\ngemm g a -> y n=4 k=9\n", 2, 21, "k=9 but input 'a' is 4x8 (K=8)");
  expect_error("input a int8 4x8\ngemm g a -> y\n", 2, 1, "missing n=");
  expect_error("input a int8 4x8\nconv c a -> y out=1 kernel=1\n", 2, 8, "conv needs an NHWC tensor");
  expect_error("input a int8 4x8\ninput b int8 9x8\nmatmul m a b -> c\n", 3, 12, "inner dims");
  expect_error(in + "input s int8 16\nadd a x s -> y\n", 3, 9, "same rank");
  expect_error(in + "input s int8 1x4x4x16\nadd a x s -> y\n", 3, 9, "do not broadcast");
  expect_error(in + "input s fp32 1x8x8x16\nadd a x s -> y\n", 3, 9, "'s' is fp32 but 'x' is int8");
  expect_error(in + "input s int8 1x8x4x16\nconcat c x s -> y axis=c\n", 3, 12, "does not fit");
  expect_error(in + "softmax s x -> y axis=5\n", 2, 23, "out of range");
  expect_error(in + "concat c x x -> y axis=q\n", 2, 24, "expected a whole number");
  expect_error(in + "clip c x -> y min=abc\n", 2, 19, "expected a number");
  expect_error(in + "relu r x -> y\nrelu s y.weight -> z\n", 3, 8, "unknown tensor");
  expect_error(in + "conv c x -> y out=4 kernel=1\nrelu s c.weight -> z\n", 3, 8, "is a weight");
  expect_error(in + "input c.weight int8 1x2x2x2\nconv c x -> y out=4 kernel=1\n", 3, 6, "already defined at line 2");
  expect_error("input x int4 1x2\nrelu r x -> y\n", 1, 9, "unknown dtype 'int4'");
  expect_error("input x int8 1x0x2\nrelu r x -> y\n", 1, 16, "out of range");
  expect_error("input x int8 1x2x3x4x5x6x7x8x9\nrelu r x -> y\n", 1, 30, "more than 8 dims");
  expect_error("input x int8 1048576x1048576x1048576\nrelu r x -> y\n", 1, 14, "more than");
  expect_error("input x int8\nrelu r x -> y\n", 1, 13, "expected `input NAME DTYPE SHAPE`");
  expect_error("input x int8 1x2x2x1048576\nconv c x -> y out=2097152 kernel=1\n", 2, 6, "weight would have more than");
  expect_error(in + "graph late\nrelu r x -> y\n", 2, 1, "must be the first statement");
  expect_error(in + "relu r x -> y\noutput y y\n", 3, 10, "already an output");
  expect_error(in + "relu r x -> y =z\n", 2, 15, "expected key=value");
  expect_error(in + "relu r x -> y k=1\n", 2, 15, "relu takes no options");
  expect_error(in + std::string("relu r x -> y \x01\n"), 2, 15, "unexpected byte 0x01");
  expect_error(in + "relu r x -> y \xc3\xa9\n", 2, 15, "unexpected byte 0xC3");
  expect_error(in + "relu r x -> y ; relu\n", 2, 15, "unexpected character ';'");
  expect_error(in + "relu r$ x -> y\n", 2, 7, "unexpected character '$'");
}

TEST(TextGraphErrors, NoOpsNoInput) {
  Parsed p;
  parse_into(p, "");
  EXPECT_EQ(p.graph, nullptr);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0], "t.npg: error: no ops: a text graph needs an `input` line and at least one op");
  Parsed q;
  parse_into(q, "# only a comment\ninput x int8 1x2\n");
  EXPECT_EQ(q.graph, nullptr);
  EXPECT_EQ(q.errors.size(), 1u);
}

TEST(TextGraphErrors, AllProblemsReportedWithoutCascades) {
  Parsed p;
  parse_into(p,
             "input x int8 1x8x8x16\n"
             "conv c1 x -> y out=8 kernel=3 strid=1\n"  // 1: bad option; y is never defined...
             "relu r1 y -> z\n"                         // ...so this line stays quiet
             "pool p z -> w\n"                          // 2: unknown statement
             "relu r2 nothing -> v\n");                 // 3: unknown tensor
  EXPECT_EQ(p.graph, nullptr);
  ASSERT_EQ(p.errors.size(), 3u) << p.all_errors();
  EXPECT_EQ(p.errors[0].rfind("t.npg:2:31:", 0), 0u) << p.errors[0];
  EXPECT_EQ(p.errors[1].rfind("t.npg:4:1:", 0), 0u) << p.errors[1];
  EXPECT_EQ(p.errors[2].rfind("t.npg:5:9:", 0), 0u) << p.errors[2];
}

TEST(TextGraphErrors, LongTokensAreQuotedShort) {
  std::string name(100000, 'a');
  Parsed p;
  parse_into(p, "input x int8 1x2\nrelu r " + name + " -> y\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_LT(p.errors[0].size(), 200u);
  EXPECT_NE(p.errors[0].find("aaa...'"), std::string::npos) << p.errors[0];
}

TEST(TextGraphErrors, MissingFile) {
  NpDiag diag;
  np_diag_init(&diag);
  EXPECT_EQ(np_textgraph_load("/nonexistent/x.npg", &diag), nullptr);
  ASSERT_EQ(diag.count, 1u);
  EXPECT_EQ(std::string(diag.messages[0]), "/nonexistent/x.npg: error: cannot open: No such file or directory");
  np_diag_free(&diag);
}

// ------------------------------------------------------------------ junk

// Random bytes, and a valid file with random bytes overwritten: never a crash (the sanitizer
// build turns any out-of-bounds read or overflow into a failure), and a result or errors.
TEST(TextGraphJunk, RandomBytesAndMutationsNeverCrash) {
  std::mt19937 rng(12345);
  const std::string valid = read_file(source_path("models/micro/chain.npg"));
  ASSERT_FALSE(valid.empty());
  const char alphabet[] = "conv x y -> = 0123456789 kernel= out= \n#\x01\xff,x";
  for (int round = 0; round < 400; round++) {
    std::string text;
    if (round % 2 == 0) {
      size_t n = rng() % 600;
      for (size_t i = 0; i < n; i++) text.push_back((char)(round % 4 == 0 ? rng() % 256 : alphabet[rng() % (sizeof alphabet - 1)]));
    } else {
      text = valid;
      for (int k = 0; k < 1 + (int)(rng() % 8); k++) text[rng() % text.size()] = (char)(rng() % 256);
    }
    NpDiag diag;
    np_diag_init(&diag);
    NpGraph *g = np_textgraph_parse(text.data(), text.size(), "junk", &diag);
    EXPECT_TRUE(g != nullptr || np_diag_failed(&diag)) << "a NULL graph always says why";
    np_graph_free(g);
    np_diag_free(&diag);
  }
}

TEST(TextGraphJunk, HugeNumbersAndLines) {
  Parsed a;
  parse_into(a, "input x int8 1x8x8x8\nconv c x -> y out=8 kernel=1048576x1048576 dilation=1048576 pad=1048576\n");
  EXPECT_EQ(a.graph, nullptr);  // reach 2^40 - 2^20 + 1 > padded 2^21 + 8: rejected, not overflowed
  EXPECT_EQ(a.errors.size(), 1u);
  Parsed b;
  parse_into(b, "input x int8 1x8x8x8\nconv c x -> y out=8 kernel=1 stride=1048577\n");
  EXPECT_EQ(b.errors.size(), 1u);
  Parsed c;
  parse_into(c, std::string(1 << 20, ' ') + "\n" + std::string(1 << 16, '\n'));
  EXPECT_EQ(c.graph, nullptr);
  Parsed d;
  parse_into(d, std::string(3, '\0'));
  EXPECT_EQ(d.graph, nullptr);
  EXPECT_EQ(d.errors.size(), 1u);
}

}  // namespace
