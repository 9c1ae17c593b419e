// The graph core: builder checks, topological order, errors, folding, layout and accounting.
// Expected numbers are worked out by hand from the formulas in docs/graph.md.
#include <gtest/gtest.h>

#include "graph_builder.h"

namespace {

bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// ---- tables and builder ----

TEST(GraphTables, DtypesAndOpKinds) {
  EXPECT_EQ(np_dtype_bytes(NP_DTYPE_INT8), 1);
  EXPECT_EQ(np_dtype_bytes(NP_DTYPE_FP16), 2);
  EXPECT_EQ(np_dtype_bytes(NP_DTYPE_FP32), 4);
  EXPECT_EQ(np_dtype_bytes(NP_DTYPE_UNKNOWN), 0);
  EXPECT_EQ(np_dtype_from_name("int16"), NP_DTYPE_INT16);
  EXPECT_EQ(np_dtype_from_name("float"), NP_DTYPE_UNKNOWN);
  EXPECT_STREQ(np_dtype_name(NP_DTYPE_BF16), "bf16");
  for (int k = 0; k < NP_OP_OPAQUE; k++) EXPECT_EQ(np_op_kind_from_onnx(np_op_kind_name((NpOpKind)k)), k);
  EXPECT_EQ(np_op_kind_from_onnx("NonMaxSuppression"), NP_OP_OPAQUE);
  EXPECT_EQ(np_op_class(NP_OP_CONV), NP_CLASS_MATRIX);
  EXPECT_EQ(np_op_class(NP_OP_MAXPOOL), NP_CLASS_POOL);
  EXPECT_EQ(np_op_class(NP_OP_IDENTITY), NP_CLASS_NONE);
  EXPECT_EQ(np_op_class(NP_OP_OPAQUE), NP_CLASS_OTHER);
  NpAttrs a;
  np_attrs_init(&a);
  EXPECT_EQ(a.stride[0], 1);
  EXPECT_EQ(a.dilation[1], 1);
  EXPECT_EQ(a.group, 1);
  EXPECT_EQ(a.keepdims, 1);
  EXPECT_EQ(a.axis, NP_AXIS_UNSET);
  EXPECT_FLOAT_EQ(a.alpha, 1.0f);
  EXPECT_EQ(a.end, INT64_MAX);
}

TEST(GraphBuilder, NamesLookupAndDuplicates) {
  TestGraph tg;
  int x = tg.input("x", {1, 3, 8, 8});
  EXPECT_EQ(np_graph_find_tensor(tg.g, "x"), x);
  EXPECT_EQ(np_graph_find_tensor(tg.g, "nope"), -1);
  EXPECT_EQ(np_graph_add_tensor(tg.g, "x", NP_DTYPE_FP32, NP_TENSOR_ACTIVATION, &tg.diag), -1);
  EXPECT_TRUE(has(tg.errors(), "test.onnx: error: tensor 'x' is defined twice"));
  np_graph_mark_input(tg.g, x);  // twice is harmless
  EXPECT_EQ(tg.g->n_inputs, 1u);
  // 4 bytes x 3*8*8
  EXPECT_EQ(tg.t("x").bytes, 768);
}

TEST(GraphBuilder, SecondProducerAndBadIndexAreErrors) {
  TestGraph tg;
  tg.input("x", {4});
  EXPECT_GE(tg.op("Relu", "r1", {"x"}, {"y"}), 0);
  EXPECT_EQ(tg.op("Relu", "r2", {"x"}, {"y"}, [](NpAttrs &a) { set_ints(a, {1, 2}); }), -1);  // ints freed
  EXPECT_TRUE(has(tg.errors(), "node 'r2' (Relu): output 'y' is already produced by node 'r1'")) << tg.errors();
  int bad = 12345;
  int out = np_graph_find_tensor(tg.g, "y");
  EXPECT_EQ(np_graph_add_op(tg.g, "r3", "Relu", nullptr, &bad, 1, &out, 1, &tg.diag), -1);
  EXPECT_TRUE(has(tg.errors(), "node 'r3' (Relu): input 0 is not a tensor index"));
}

TEST(GraphBuilder, UnnamedNodesGetTypeAndIndex) {
  TestGraph tg;
  tg.input("x", {4});
  int i = tg.op("Relu", "", {"x"}, {"y"});
  EXPECT_STREQ(tg.node(i).name, "Relu_0");
}

TEST(GraphBuilder, SetShapeRejectsNegativeRankAndOverflow) {
  TestGraph tg;
  int t = np_graph_add_tensor(tg.g, "t", NP_DTYPE_FP32, NP_TENSOR_INPUT, &tg.diag);
  int64_t neg[2] = {3, -2};
  EXPECT_FALSE(np_tensor_set_shape(tg.g, t, 2, neg, &tg.diag));
  EXPECT_TRUE(has(tg.errors(), "tensor 't': negative dim in shape [3,-2]")) << tg.errors();
  int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};  // 2^80 elements: overflows int64
  EXPECT_FALSE(np_tensor_set_shape(tg.g, t, 2, huge, &tg.diag));
  EXPECT_TRUE(has(tg.errors(), "tensor 't': shape [1099511627776,1099511627776] has more than 2^40 elements"));
  int64_t over[2] = {INT64_C(1) << 21, INT64_C(1) << 20};  // 2^41 > 2^40, no overflow
  EXPECT_FALSE(np_tensor_set_shape(tg.g, t, 2, over, &tg.diag));
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_FALSE(np_tensor_set_shape(tg.g, t, 9, nine, &tg.diag));
  EXPECT_FALSE(tg.t("t").shape_known);
  int64_t limit[2] = {INT64_C(1) << 20, INT64_C(1) << 20};  // exactly 2^40 is allowed
  EXPECT_TRUE(np_tensor_set_shape(tg.g, t, 2, limit, &tg.diag));
}

// ---- order and structural errors ----

TEST(GraphOrder, KahnOrdersOpsGivenOutOfOrder) {
  TestGraph tg;
  tg.input("x", {4});
  tg.find_or_add("a");
  int second = tg.op("Relu", "second", {"a"}, {"b"});
  int first = tg.op("Relu", "first", {"x"}, {"a"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  ASSERT_EQ(tg.g->n_order, 2u);
  EXPECT_EQ(tg.g->order[0], first);
  EXPECT_EQ(tg.g->order[1], second);
  EXPECT_EQ(tg.shape("b"), (Dims{4}));
}

TEST(GraphOrder, CycleIsAnErrorNamingANodeOnIt) {
  TestGraph tg;
  tg.input("x", {4});
  tg.find_or_add("t1");
  tg.find_or_add("t2");
  tg.op("Relu", "before", {"x"}, {"t0"});
  tg.op("Add", "loop_a", {"t0", "t2"}, {"t1"});
  tg.op("Relu", "loop_b", {"t1"}, {"t2"});
  tg.op("Relu", "after", {"t2"}, {"t3"});  // downstream of the cycle, not on it
  EXPECT_FALSE(tg.finalize());
  std::string e = tg.errors();
  EXPECT_TRUE(has(e, "test.onnx: error: node 'loop_a' (Add): is on a cycle") ||
              has(e, "test.onnx: error: node 'loop_b' (Relu): is on a cycle"))
      << e;
  EXPECT_EQ(tg.diag.count, 1u);
}

TEST(GraphOrder, InputThatNothingProducesIsAnError) {
  TestGraph tg;
  tg.input("x", {4});
  tg.find_or_add("ghost");
  tg.op("Add", "add3", {"x", "ghost"}, {"y"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_TRUE(has(tg.errors(), "test.onnx: error: node 'add3' (Add): input 'ghost' is produced by no node and is not "
                               "a graph input, initializer or constant"))
      << tg.errors();
}

TEST(GraphOrder, ErrorsInOneBranchDoNotCascade) {
  TestGraph tg;
  tg.input("x", {2, 3});
  tg.input("b", {4});
  tg.op("Add", "bad", {"x", "b"}, {"y"});
  tg.op("Relu", "downstream", {"y"}, {"z"});
  tg.op("Relu", "fine", {"x"}, {"w"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_EQ(tg.diag.count, 1u) << tg.errors();
  EXPECT_EQ(tg.shape("w"), (Dims{2, 3}));
}

// ---- overflow, declared shapes, opaque ops ----

TEST(GraphInfer, OutputOverLimitIsAnErrorNamingTheNode) {
  TestGraph tg;
  tg.input("a", {INT64_C(1) << 21, INT64_C(1) << 19});  // 2^40 elements each: at the limit
  tg.input("b", {INT64_C(1) << 19, INT64_C(1) << 21});
  tg.op("MatMul", "mm", {"a", "b"}, {"y"});  // [2^21, 2^21] = 2^42 elements
  tg.input("s", {1});
  tg.ints1("big", {INT64_C(1) << 40, INT64_C(1) << 40});
  tg.op("Expand", "ex", {"s", "big"}, {"e"});  // 2^80: overflows
  EXPECT_FALSE(tg.finalize());
  EXPECT_TRUE(has(tg.errors(), "node 'mm' (MatMul): output 'y' would have shape [2097152,2097152], more than 2^40"))
      << tg.errors();
  EXPECT_TRUE(has(tg.errors(), "node 'ex' (Expand): output 'e' would have shape")) << tg.errors();
}

TEST(GraphInfer, DeclaredShapeDisagreementIsAnError) {
  TestGraph tg;
  tg.input("x", {1, 3, 4, 4});
  tg.op("Relu", "r", {"x"}, {"y"});
  tg.op("Relu", "r2", {"x"}, {"y2"});
  int64_t wrong[4] = {1, 3, 5, 5}, symbolic[4] = {-1, 3, 4, 4};
  ASSERT_TRUE(np_tensor_declare_shape(tg.g, np_graph_find_tensor(tg.g, "y"), 4, wrong, &tg.diag));
  ASSERT_TRUE(np_tensor_declare_shape(tg.g, np_graph_find_tensor(tg.g, "y2"), 4, symbolic, &tg.diag));
  EXPECT_FALSE(tg.finalize());
  EXPECT_TRUE(has(tg.errors(),
                  "test.onnx: error: node 'r' (Relu): output 'y' has inferred shape [1,3,4,4] but the file declares "
                  "[1,3,5,5]"))
      << tg.errors();
  EXPECT_EQ(tg.diag.count, 1u);  // the symbolic batch dim of y2 agrees
}

TEST(GraphInfer, OpaqueOpTakesDeclaredShapesOrFails) {
  {
    TestGraph tg;
    tg.input("x", {1, 8});
    tg.op("TopK", "topk", {"x"}, {"v"});
    int64_t declared[2] = {1, 3};
    np_tensor_declare_shape(tg.g, np_graph_find_tensor(tg.g, "v"), 2, declared, &tg.diag);
    tg.op("Relu", "after", {"v"}, {"w"});
    ASSERT_TRUE(tg.finalize()) << tg.errors();
    EXPECT_EQ(tg.shape("w"), (Dims{1, 3}));
    EXPECT_EQ(tg.node(0).kind, NP_OP_OPAQUE);
  }
  {
    TestGraph tg;
    tg.input("x", {1, 8});
    tg.op("TopK", "topk", {"x"}, {"v"});
    int64_t partial[2] = {1, -1};
    np_tensor_declare_shape(tg.g, np_graph_find_tensor(tg.g, "v"), 2, partial, &tg.diag);
    EXPECT_FALSE(tg.finalize());
    EXPECT_EQ(tg.errors(),
              "test.onnx: error: node 'topk' (TopK): cannot infer its shapes: not a supported "
              "op and the file declares no shape for its output 'v'\n");
  }
}

// ---- folding ----

// x [2,3,4,4] -> Shape = [2,3,4,4] -> Gather(0) = 2 -> Unsqueeze = [2] -> Concat([2],[-1]) = [2,-1]
// -> Reshape(x) = [2, 96/2 = 48]
TEST(GraphFold, ShapeGatherUnsqueezeConcatReshapeChain) {
  TestGraph tg;
  tg.input("x", {2, 3, 4, 4});
  tg.ints("i0", {}, {0});
  tg.ints1("ax0", {0});
  tg.ints1("minus1", {-1});
  int shape = tg.op("Shape", "shape", {"x"}, {"s"});
  int gather = tg.op("Gather", "gather", {"s", "i0"}, {"n"}, [](NpAttrs &a) { a.axis = 0; });
  int unsq = tg.op("Unsqueeze", "unsq", {"n", "ax0"}, {"n1"});
  int cat = tg.op("Concat", "cat", {"n1", "minus1"}, {"target"}, [](NpAttrs &a) { a.axis = 0; });
  int reshape = tg.op("Reshape", "reshape", {"x", "target"}, {"y"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_TRUE(tg.node(shape).folded);
  EXPECT_TRUE(tg.node(gather).folded);
  EXPECT_TRUE(tg.node(unsq).folded);
  EXPECT_TRUE(tg.node(cat).folded);
  EXPECT_FALSE(tg.node(reshape).folded);
  const NpTensor &target = tg.t("target");
  ASSERT_EQ(target.role, NP_TENSOR_CONST);
  ASSERT_NE(target.values, nullptr);
  EXPECT_EQ(target.values[0], 2);
  EXPECT_EQ(target.values[1], -1);
  EXPECT_EQ(tg.shape("n"), (Dims{}));
  EXPECT_EQ(tg.shape("y"), (Dims{2, 48}));
  NpGraphTotals totals = np_graph_totals(tg.g);
  EXPECT_EQ(totals.ops, 1);  // only the Reshape runs
  EXPECT_EQ(tg.node(gather).output_bytes, 0);  // folded ops count nothing
}

// Shape [2,3,4,4] -> Slice[0:2] = [2,3]; Gather(2) * Gather(3) = 16 -> Unsqueeze -> Concat = [2,3,16]
TEST(GraphFold, SliceAndIntegerArithmetic) {
  TestGraph tg;
  tg.input("x", {2, 3, 4, 4});
  tg.ints1("z", {0});
  tg.ints1("two", {2});
  tg.ints("i2", {}, {2});
  tg.ints("i3", {}, {3});
  tg.ints1("ax0", {0});
  tg.op("Shape", "shape", {"x"}, {"s"});
  tg.op("Slice", "head", {"s", "z", "two"}, {"nc"});
  tg.op("Gather", "gh", {"s", "i2"}, {"h"});
  tg.op("Gather", "gw", {"s", "i3"}, {"w"});
  tg.op("Mul", "hw", {"h", "w"}, {"hw"});
  tg.op("Unsqueeze", "u", {"hw", "ax0"}, {"hw1"});
  tg.op("Concat", "cat", {"nc", "hw1"}, {"target"}, [](NpAttrs &a) { a.axis = 0; });
  tg.op("Reshape", "r", {"x", "target"}, {"y"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("y"), (Dims{2, 3, 16}));
  EXPECT_EQ(tg.t("hw").values[0], 16);
}

TEST(GraphFold, IntegerDivisionByZeroIsAnError) {
  TestGraph tg;
  tg.ints1("six", {6});
  tg.ints1("zero", {0});
  tg.op("Div", "div0", {"six", "zero"}, {"q"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_TRUE(has(tg.errors(), "node 'div0' (Div): integer division by zero")) << tg.errors();
}

TEST(GraphFold, ConstantNodeAndIdentityOfAWeight) {
  TestGraph tg;
  tg.input("x", {1, 8, 4, 4});
  int k = tg.tensor("k", NP_TENSOR_ACTIVATION, {2}, NP_DTYPE_INT64);
  int64_t kv[2] = {1, -1};
  ASSERT_TRUE(np_tensor_set_values(tg.g, k, kv, nullptr, 2, &tg.diag));
  int constant = tg.op("Constant", "const", {}, {"k"});
  int reshape = tg.op("Reshape", "flat", {"x", "k"}, {"y"});
  tg.weight("w", {16, 8, 1, 1});
  tg.weight("bias", {16});
  int ident = tg.op("Identity", "dedup", {"bias"}, {"bias2"});
  int conv = tg.op("Conv", "conv", {"x", "w", "bias2"}, {"c"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_TRUE(tg.node(constant).folded);
  EXPECT_EQ(tg.shape("y"), (Dims{1, 128}));
  EXPECT_FALSE(tg.node(reshape).folded);
  EXPECT_TRUE(tg.node(ident).folded);
  EXPECT_EQ(tg.t("bias2").role, NP_TENSOR_WEIGHT);
  // weights: 16*8*1*1 + 16 = 144 elements, 576 bytes
  EXPECT_EQ(tg.node(conv).weight_bytes, 576);
  NpGraphTotals totals = np_graph_totals(tg.g);
  EXPECT_EQ(totals.params, 144);
  EXPECT_EQ(totals.weight_bytes, 576);
}

// ---- accounting ----

TEST(GraphAccount, ConvAndGemmMacsAndBytes) {
  TestGraph tg;
  tg.input("x", {1, 64, 56, 56});
  tg.weight("w", {128, 16, 3, 3});
  tg.input("a", {1, 1280});
  tg.weight("fc", {1000, 1280});
  tg.weight("fcb", {1000});
  int conv = tg.op("Conv", "conv", {"x", "w"}, {"y"}, [](NpAttrs &a) {
    a.group = 4;
    a.pad[0] = a.pad[1] = a.pad[2] = a.pad[3] = 1;
  });
  int gemm = tg.op("Gemm", "gemm", {"a", "fc", "fcb"}, {"z"}, [](NpAttrs &a) { a.trans_b = 1; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  const NpOp &c = tg.node(conv);
  // N*Ho*Wo*Cout*(Cin/group)*kh*kw = 1*56*56*128*16*3*3 = 3136*128*144 = 57,802,752
  EXPECT_EQ(c.macs, 57802752);
  EXPECT_EQ(c.weight_bytes, 128 * 16 * 9 * 4);     // 73,728
  EXPECT_EQ(c.input_bytes, 64 * 56 * 56 * 4);      // 802,816
  EXPECT_EQ(c.output_bytes, 128 * 56 * 56 * 4);    // 1,605,632
  EXPECT_EQ(c.elements, 128 * 56 * 56);
  const NpOp &g = tg.node(gemm);
  EXPECT_EQ(g.macs, 1280000);                      // M*N*K = 1*1000*1280
  EXPECT_EQ(g.weight_bytes, (1280000 + 1000) * 4); // B and bias
  NpGraphTotals t = np_graph_totals(tg.g);
  EXPECT_EQ(t.macs, 57802752 + 1280000);
  EXPECT_EQ(t.params, 128 * 16 * 9 + 1280000 + 1000);
  EXPECT_EQ(t.ops, 2);
}

TEST(GraphAccount, DepthwiseTransposedAndBatchedMatmulMacs) {
  TestGraph tg;
  tg.input("x", {1, 32, 112, 112});
  tg.weight("wd", {32, 1, 3, 3});
  tg.input("u", {1, 16, 7, 7});
  tg.weight("wt", {16, 4, 3, 3});
  tg.input("a", {2, 3, 4, 8});
  tg.weight("b", {8, 5});
  int dw = tg.op("Conv", "dw", {"x", "wd"}, {"y"}, [](NpAttrs &a) {
    a.group = 32;
    a.stride[0] = a.stride[1] = 2;
    a.pad[0] = a.pad[1] = a.pad[2] = a.pad[3] = 1;
  });
  int ct = tg.op("ConvTranspose", "ct", {"u", "wt"}, {"v"}, [](NpAttrs &a) { a.group = 2; });
  int mm = tg.op("MatMul", "mm", {"a", "b"}, {"m"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.node(dw).macs, 56 * 56 * 32 * 1 * 9);  // 903,168
  EXPECT_EQ(tg.node(ct).macs, 7 * 7 * 16 * 4 * 9);    // per input pixel and channel: (Cout/g)*kh*kw = 28,224
  EXPECT_EQ(tg.node(mm).macs, 2 * 3 * 4 * 5 * 8);     // batch*M*N*K = 960
}

TEST(GraphAccount, DropoutAndIdentityCountNoWork) {
  TestGraph tg;
  tg.input("x", {1, 100});
  int d = tg.op("Dropout", "drop", {"x"}, {"y"});
  int i = tg.op("Identity", "id", {"y"}, {"z"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.node(d).macs, 0);
  EXPECT_EQ(tg.node(d).elements, 0);
  EXPECT_EQ(tg.node(i).elements, 0);
  EXPECT_FALSE(tg.node(i).folded);
}

TEST(GraphAccount, LayoutMovesOfFlattenReshapeTranspose) {
  TestGraph tg;
  tg.input("big", {1, 512, 7, 7});
  tg.input("pooled", {1, 512, 1, 1});
  tg.input("p", {4, 1, 6});
  tg.input("t", {1, 128, 768});
  tg.ints1("heads", {1, 128, 12, 64});
  int f1 = tg.op("Flatten", "f1", {"big"}, {"fb"});
  int f2 = tg.op("Flatten", "f2", {"pooled"}, {"fp"});
  int t1 = tg.op("Transpose", "t1", {"p"}, {"pt1"}, [](NpAttrs &a) { set_ints(a, {1, 0, 2}); });
  int t2 = tg.op("Transpose", "t2", {"p"}, {"pt2"}, [](NpAttrs &a) { set_ints(a, {2, 1, 0}); });
  int r = tg.op("Reshape", "split_heads", {"t", "heads"}, {"th"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.t("big").layout, NP_LAYOUT_NHWC);
  EXPECT_EQ(tg.t("fb").layout, NP_LAYOUT_PLAIN);
  int64_t phys[NP_MAX_RANK];
  ASSERT_EQ(np_tensor_physical_dims(&tg.t("big"), phys), 4);
  EXPECT_EQ((Dims(phys, phys + 4)), (Dims{1, 7, 7, 512}));
  // NHWC 1x7x7x512 read as NCHW order: every byte moves, 512*7*7*4 = 100,352
  EXPECT_EQ(tg.node(f1).layout_move_bytes, 100352);
  // 1x1x1x512: NHWC and NCHW orders agree, nothing moves
  EXPECT_EQ(tg.node(f2).layout_move_bytes, 0);
  // [4,1,6] -> [1,4,6]: only a unit axis moves
  EXPECT_EQ(tg.node(t1).layout_move_bytes, 0);
  // [4,1,6] -> [6,1,4]: 24 floats reorder = 96 bytes
  EXPECT_EQ(tg.node(t2).layout_move_bytes, 96);
  // plain [1,128,768] into a rank-4 NHWC tensor with C=128, H*W=768: 128*768*4 = 393,216
  EXPECT_EQ(tg.node(r).layout_move_bytes, 393216);
}

TEST(GraphAccount, ComputeDtypeChangesFloatBytesOnly) {
  TestGraph tg;
  tg.input("x", {1, 8, 4, 4});
  tg.weight("w", {8, 8, 1, 1});
  tg.ints1("shape", {1, -1});
  int conv = tg.op("Conv", "conv", {"x", "w"}, {"y"});
  tg.op("Reshape", "r", {"y", "shape"}, {"z"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.node(conv).weight_bytes, 64 * 4);
  np_graph_set_compute_dtype(tg.g, NP_DTYPE_INT8);
  EXPECT_EQ(tg.node(conv).weight_bytes, 64);       // 8*8 int8
  EXPECT_EQ(tg.node(conv).output_bytes, 128);      // 8*4*4 int8
  EXPECT_EQ(tg.t("shape").dtype, NP_DTYPE_INT64);  // integer constants keep their type
  EXPECT_EQ(np_graph_totals(tg.g).weight_bytes, 64);
}

TEST(GraphFinalize, SameGraphSameResult) {
  auto build = [](TestGraph &tg) {
    tg.input("x", {1, 3, 32, 32});
    tg.weight("w", {16, 3, 3, 3});
    tg.op("Conv", "c", {"x", "w"}, {"y"});
    tg.op("GlobalAveragePool", "gap", {"y"}, {"p"});
    tg.op("Flatten", "f", {"p"}, {"z"});
    EXPECT_TRUE(tg.finalize()) << tg.errors();
  };
  TestGraph a, b;
  build(a);
  build(b);
  NpGraphTotals ta = np_graph_totals(a.g), tb = np_graph_totals(b.g);
  EXPECT_EQ(memcmp(&ta, &tb, sizeof ta), 0);
  // 30*30*16*27 = 388,800
  EXPECT_EQ(ta.macs, 388800);
}

}  // namespace
