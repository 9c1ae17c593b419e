// Shape inference per op, against shapes worked out by hand from the ONNX formulas:
//   window ops: out = floor((in + pad_begin + pad_end - ((k-1)*d+1)) / s) + 1
//   SAME_*:     out = ceil(in / s), total pad = max(0, (out-1)*s + (k-1)*d+1 - in)
//   ConvTranspose: out = s*(in-1) + output_padding + (k-1)*d+1 - pad_begin - pad_end
#include <gtest/gtest.h>

#include "graph_builder.h"

namespace {

void pads(NpAttrs &a, int64_t top, int64_t left, int64_t bottom, int64_t right) {
  a.pad[0] = top, a.pad[1] = left, a.pad[2] = bottom, a.pad[3] = right;
}

// ---- Conv ----

TEST(InferConv, Stride2OddInputWithAndWithoutPads) {
  TestGraph tg;
  tg.input("x", {1, 3, 225, 225});
  tg.weight("w", {32, 3, 3, 3});
  tg.op("Conv", "padded", {"x", "w"}, {"y1"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    pads(a, 1, 1, 1, 1);
  });
  tg.op("Conv", "unpadded", {"x", "w"}, {"y2"}, [](NpAttrs &a) { a.stride[0] = a.stride[1] = 2; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // (225 + 2 - 3) / 2 + 1 = 112 + 1 = 113
  EXPECT_EQ(tg.shape("y1"), (Dims{1, 32, 113, 113}));
  // floor((225 - 3) / 2) + 1 = 111 + 1 = 112
  EXPECT_EQ(tg.shape("y2"), (Dims{1, 32, 112, 112}));
  // kernel taken from the weight and written back
  EXPECT_EQ(tg.node(0).attrs.kernel[0], 3);
  EXPECT_EQ(tg.node(0).attrs.kernel[1], 3);
}

TEST(InferConv, Dilation) {
  TestGraph tg;
  tg.input("x", {1, 8, 32, 30});
  tg.weight("w", {8, 8, 3, 3});
  tg.op("Conv", "c", {"x", "w"}, {"y"}, [](NpAttrs &a) { a.dilation[0] = 2, a.dilation[1] = 3; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // extent H = (3-1)*2+1 = 5: 32-5+1 = 28; extent W = (3-1)*3+1 = 7: 30-7+1 = 24
  EXPECT_EQ(tg.shape("y"), (Dims{1, 8, 28, 24}));
}

TEST(InferConv, AsymmetricPads) {
  TestGraph tg;
  tg.input("x", {1, 4, 10, 12});
  tg.weight("w", {6, 4, 3, 3});
  tg.op("Conv", "c", {"x", "w"}, {"y"}, [](NpAttrs &a) { pads(a, 0, 1, 2, 0); });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // H: 10 + 0 + 2 - 3 + 1 = 10; W: 12 + 1 + 0 - 3 + 1 = 11
  EXPECT_EQ(tg.shape("y"), (Dims{1, 6, 10, 11}));
}

TEST(InferConv, AutoPadSameUpperAndLower) {
  TestGraph tg;
  tg.input("x", {1, 4, 7, 7});
  tg.weight("w", {4, 4, 4, 4});
  int up = tg.op("Conv", "up", {"x", "w"}, {"yu"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    a.auto_pad = NP_AUTOPAD_SAME_UPPER;
  });
  int low = tg.op("Conv", "low", {"x", "w"}, {"yl"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    a.auto_pad = NP_AUTOPAD_SAME_LOWER;
  });
  int valid = tg.op("Conv", "valid", {"x", "w"}, {"yv"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    a.auto_pad = NP_AUTOPAD_VALID;
    pads(a, 5, 5, 5, 5);  // ignored with VALID
  });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // out = ceil(7/2) = 4; total pad = (4-1)*2 + 4 - 7 = 3
  EXPECT_EQ(tg.shape("yu"), (Dims{1, 4, 4, 4}));
  EXPECT_EQ(tg.shape("yl"), (Dims{1, 4, 4, 4}));
  // SAME_UPPER: 1 before, 2 after; SAME_LOWER: 2 before, 1 after
  EXPECT_EQ(tg.node(up).attrs.pad[0], 1);
  EXPECT_EQ(tg.node(up).attrs.pad[2], 2);
  EXPECT_EQ(tg.node(low).attrs.pad[0], 2);
  EXPECT_EQ(tg.node(low).attrs.pad[2], 1);
  // VALID: floor((7 - 4) / 2) + 1 = 2
  EXPECT_EQ(tg.shape("yv"), (Dims{1, 4, 2, 2}));
  EXPECT_EQ(tg.node(valid).attrs.pad[0], 0);
}

TEST(InferConv, GroupsAndDepthwise) {
  TestGraph tg;
  tg.input("x", {1, 64, 56, 56});
  tg.weight("wg", {128, 16, 3, 3});
  tg.input("xd", {1, 32, 112, 112});
  tg.weight("wd", {32, 1, 3, 3});
  tg.weight("bd", {32});
  tg.op("Conv", "grouped", {"x", "wg"}, {"yg"}, [](NpAttrs &a) {
    a.group = 4;
    pads(a, 1, 1, 1, 1);
  });
  tg.op("Conv", "dw", {"xd", "wd", "bd"}, {"yd"}, [](NpAttrs &a) {
    a.group = 32;
    a.stride[0] = a.stride[1] = 2;
    pads(a, 1, 1, 1, 1);
  });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // 64 channels = 16 per group x 4 groups; 56 + 2 - 3 + 1 = 56
  EXPECT_EQ(tg.shape("yg"), (Dims{1, 128, 56, 56}));
  // floor((112 + 2 - 3) / 2) + 1 = 55 + 1 = 56
  EXPECT_EQ(tg.shape("yd"), (Dims{1, 32, 56, 56}));
}

TEST(InferConv, OneDimensional) {
  TestGraph tg;
  tg.input("x", {1, 4, 100});
  tg.weight("w", {8, 4, 5});
  tg.op("Conv", "c", {"x", "w"}, {"y"}, [](NpAttrs &a) {
    a.stride[1] = 2;
    pads(a, 0, 2, 0, 2);
  });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // floor((100 + 2 + 2 - 5) / 2) + 1 = 49 + 1 = 50
  EXPECT_EQ(tg.shape("y"), (Dims{1, 8, 50}));
}

TEST(InferConv, BadGroupChannelsAndKernelAreErrorsNamingTheNode) {
  {
    TestGraph tg;  // 30 output channels do not split into 4 groups
    tg.input("x", {1, 64, 8, 8});
    tg.weight("w", {30, 16, 3, 3});
    tg.op("Conv", "conv7", {"x", "w"}, {"y"}, [](NpAttrs &a) { a.group = 4; });
    EXPECT_FALSE(tg.finalize());
    EXPECT_NE(tg.errors().find("test.onnx: error: node 'conv7' (Conv): group 4 does not divide"), std::string::npos)
        << tg.errors();
  }
  {
    TestGraph tg;  // 15 x 4 = 60 != 64 input channels
    tg.input("x", {1, 64, 8, 8});
    tg.weight("w", {128, 15, 3, 3});
    tg.op("Conv", "conv8", {"x", "w"}, {"y"}, [](NpAttrs &a) { a.group = 4; });
    EXPECT_FALSE(tg.finalize());
    EXPECT_NE(tg.errors().find("node 'conv8' (Conv): input 'x' has 64 channels"), std::string::npos) << tg.errors();
  }
  {
    TestGraph tg;  // kernel 5 on a 2x2 input padded to 4x4
    tg.input("x", {1, 1, 2, 2});
    tg.weight("w", {1, 1, 5, 5});
    tg.op("Conv", "big", {"x", "w"}, {"y"}, [](NpAttrs &a) { pads(a, 1, 1, 1, 1); });
    EXPECT_FALSE(tg.finalize());
    EXPECT_NE(tg.errors().find("node 'big' (Conv): kernel extent 5 on axis H is larger than the padded input 4"),
              std::string::npos)
        << tg.errors();
  }
  {
    TestGraph tg;  // weight rank 4 on a rank-3 input
    tg.input("x", {1, 4, 10});
    tg.weight("w", {4, 4, 3, 3});
    tg.op("Conv", "rank", {"x", "w"}, {"y"});
    EXPECT_FALSE(tg.finalize());
    EXPECT_NE(tg.errors().find("node 'rank' (Conv): weight 'w' has rank 4"), std::string::npos) << tg.errors();
  }
}

// ---- ConvTranspose ----

TEST(InferConvTranspose, OutputPaddingGroupsOutputShapeAndSame) {
  TestGraph tg;
  tg.input("x", {1, 16, 7, 7});
  tg.weight("w", {16, 4, 3, 3});
  tg.op("ConvTranspose", "up", {"x", "w"}, {"y"}, [](NpAttrs &a) {
    a.group = 2;
    a.stride[0] = a.stride[1] = 2;
    pads(a, 1, 1, 1, 1);
    a.output_padding[0] = a.output_padding[1] = 1;
  });
  int given = tg.op("ConvTranspose", "given", {"x", "w"}, {"y2"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    set_ints(a, {13, 14});
  });
  tg.op("ConvTranspose", "same", {"x", "w"}, {"y3"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    a.auto_pad = NP_AUTOPAD_SAME_UPPER;
  });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // out channels = 4 x group 2 = 8; 2*(7-1) + 1 + 3 - 1 - 1 = 14
  EXPECT_EQ(tg.shape("y"), (Dims{1, 8, 14, 14}));
  // output_shape given: full = 2*6 + 3 = 15; total pad H = 15-13 = 2 -> 1/1, W = 1 -> begin 1, end 0
  EXPECT_EQ(tg.shape("y2"), (Dims{1, 4, 13, 14}));
  EXPECT_EQ(tg.node(given).attrs.pad[0], 1);
  EXPECT_EQ(tg.node(given).attrs.pad[2], 1);
  EXPECT_EQ(tg.node(given).attrs.pad[1], 1);
  EXPECT_EQ(tg.node(given).attrs.pad[3], 0);
  // SAME: out = in * stride = 14
  EXPECT_EQ(tg.shape("y3"), (Dims{1, 4, 14, 14}));
}

TEST(InferConvTranspose, OutputPaddingNotBelowStrideIsAnError) {
  TestGraph tg;
  tg.input("x", {1, 16, 7, 7});
  tg.weight("w", {16, 4, 3, 3});
  tg.op("ConvTranspose", "bad", {"x", "w"}, {"y"}, [](NpAttrs &a) {
    a.stride[0] = a.stride[1] = 2;
    a.output_padding[0] = 2;
  });
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'bad' (ConvTranspose): output_padding 2 on axis H"), std::string::npos)
      << tg.errors();
}

// ---- pools ----

TEST(InferPool, CeilModeDilationPadsAndGlobal) {
  TestGraph tg;
  tg.input("x", {1, 8, 112, 112});
  tg.input("x5", {1, 1, 5, 5});
  tg.input("x10", {1, 1, 10, 10});
  tg.input("x7", {1, 3, 7, 7});
  auto k3s2 = [](NpAttrs &a) {
    a.kernel[0] = a.kernel[1] = 3;
    a.stride[0] = a.stride[1] = 2;
  };
  tg.op("MaxPool", "floor", {"x"}, {"yf"}, k3s2);
  tg.op("MaxPool", "ceil", {"x"}, {"yc"}, [&](NpAttrs &a) {
    k3s2(a);
    a.ceil_mode = 1;
  });
  tg.op("MaxPool", "ceil_drop", {"x5"}, {"yd"}, [](NpAttrs &a) {
    a.kernel[0] = a.kernel[1] = 2;
    a.stride[0] = a.stride[1] = 2;
    pads(a, 1, 1, 1, 1);
    a.ceil_mode = 1;
  });
  tg.op("MaxPool", "dilated", {"x10"}, {"ydil"}, [](NpAttrs &a) {
    a.kernel[0] = a.kernel[1] = 3;
    a.dilation[0] = a.dilation[1] = 2;
  });
  tg.op("AveragePool", "avg", {"x7"}, {"ya"}, [&](NpAttrs &a) {
    k3s2(a);
    pads(a, 1, 1, 1, 1);
  });
  tg.op("GlobalAveragePool", "gap", {"x"}, {"yg"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // floor((112 - 3) / 2) + 1 = 54 + 1 = 55
  EXPECT_EQ(tg.shape("yf"), (Dims{1, 8, 55, 55}));
  // ceil(109 / 2) + 1 = 55 + 1 = 56; last window starts at 110 < 112, kept
  EXPECT_EQ(tg.shape("yc"), (Dims{1, 8, 56, 56}));
  // padded 7: ceil((7 - 2) / 2) + 1 = 4, but window 4 starts at 3*2 = 6 >= 5 + 1 (in the end pad): 3
  EXPECT_EQ(tg.shape("yd"), (Dims{1, 1, 3, 3}));
  // extent (3-1)*2+1 = 5: 10 - 5 + 1 = 6
  EXPECT_EQ(tg.shape("ydil"), (Dims{1, 1, 6, 6}));
  // floor((7 + 2 - 3) / 2) + 1 = 3 + 1 = 4
  EXPECT_EQ(tg.shape("ya"), (Dims{1, 3, 4, 4}));
  EXPECT_EQ(tg.shape("yg"), (Dims{1, 8, 1, 1}));
}

TEST(InferPool, MissingKernelIsAnError) {
  TestGraph tg;
  tg.input("x", {1, 8, 16, 16});
  tg.op("MaxPool", "nokernel", {"x"}, {"y"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'nokernel' (MaxPool): kernel_shape is missing"), std::string::npos);
}

// ---- elementwise ----

TEST(InferElementwise, MultidirectionalBroadcasting) {
  TestGraph tg;
  tg.input("a", {2, 3, 4, 5});
  tg.weight("b", {5});
  tg.input("c", {4, 1, 5});
  tg.input("d", {3, 1});
  tg.weight("s", {});
  tg.op("Add", "add", {"a", "b"}, {"y1"});
  tg.op("Mul", "mul", {"c", "d"}, {"y2"});
  tg.op("Pow", "pow", {"a", "s"}, {"y3"});
  tg.op("Sub", "sub", {"d", "c"}, {"y4"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("y1"), (Dims{2, 3, 4, 5}));
  // [4,1,5] vs [_,3,1]: 4, max(1,3)=3, max(5,1)=5
  EXPECT_EQ(tg.shape("y2"), (Dims{4, 3, 5}));
  EXPECT_EQ(tg.shape("y3"), (Dims{2, 3, 4, 5}));
  EXPECT_EQ(tg.shape("y4"), (Dims{4, 3, 5}));
}

TEST(InferElementwise, IncompatibleBroadcastIsAnError) {
  TestGraph tg;
  tg.input("a", {2, 3});
  tg.input("b", {4});
  tg.op("Add", "add1", {"a", "b"}, {"y"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'add1' (Add): shapes [2,3] and [4] do not broadcast"), std::string::npos)
      << tg.errors();
}

TEST(InferElementwise, UnaryOpsKeepShapeAndDropoutMaskIsBool) {
  TestGraph tg;
  tg.input("x", {1, 16, 8, 8});
  const char *unary[] = {"Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Sqrt", "Identity"};
  int i = 0;
  for (const char *type : unary) tg.op(type, std::string("u") + std::to_string(i), {"x"}, {"y" + std::to_string(i++)});
  tg.op("Clip", "clip", {"x", "", ""}, {"yc"});
  tg.op("Dropout", "drop", {"x"}, {"yd", "mask"});
  tg.op("Softmax", "sm", {"x"}, {"ys"}, [](NpAttrs &a) { a.axis = 1; });
  tg.op("Cast", "cast", {"x"}, {"yi"}, [](NpAttrs &a) { a.to = NP_DTYPE_INT8; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  for (int k = 0; k < i; k++) EXPECT_EQ(tg.shape("y" + std::to_string(k)), (Dims{1, 16, 8, 8}));
  EXPECT_EQ(tg.shape("yc"), (Dims{1, 16, 8, 8}));
  EXPECT_EQ(tg.shape("mask"), (Dims{1, 16, 8, 8}));
  EXPECT_EQ(tg.t("mask").dtype, NP_DTYPE_BOOL);
  EXPECT_EQ(tg.shape("ys"), (Dims{1, 16, 8, 8}));
  EXPECT_EQ(tg.t("yi").dtype, NP_DTYPE_INT8);
  EXPECT_EQ(tg.t("yi").bytes, 1024);  // 16*8*8 elements x 1 byte
}

// ---- matrix ops ----

TEST(InferMatrix, GemmTransposes) {
  TestGraph tg;
  tg.input("a", {1, 1280});
  tg.weight("b", {1000, 1280});
  tg.weight("bias", {1000});
  tg.input("at", {64, 8});
  tg.weight("b2", {64, 16});
  tg.op("Gemm", "fc", {"a", "b", "bias"}, {"y"}, [](NpAttrs &a) { a.trans_b = 1; });
  tg.op("Gemm", "ta", {"at", "b2"}, {"y2"}, [](NpAttrs &a) { a.trans_a = 1; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("y"), (Dims{1, 1000}));  // B^T is [1280,1000]
  EXPECT_EQ(tg.shape("y2"), (Dims{8, 16}));   // A^T is [8,64]
}

TEST(InferMatrix, MatMulBatchedBroadcastAndOneD) {
  TestGraph tg;
  tg.input("a", {2, 1, 4, 8});
  tg.input("b", {3, 8, 5});
  tg.input("v", {8});
  tg.weight("m", {8, 5});
  tg.input("a3", {2, 4, 8});
  tg.op("MatMul", "bm", {"a", "b"}, {"y"});
  tg.op("MatMul", "vm", {"v", "m"}, {"y2"});
  tg.op("MatMul", "mv", {"a3", "v"}, {"y3"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // batch [2,1] with [3] -> [2,3]; then M=4, N=5
  EXPECT_EQ(tg.shape("y"), (Dims{2, 3, 4, 5}));
  EXPECT_EQ(tg.shape("y2"), (Dims{5}));
  EXPECT_EQ(tg.shape("y3"), (Dims{2, 4}));
}

TEST(InferMatrix, MatMulInnerMismatchIsAnError) {
  TestGraph tg;
  tg.input("a", {4, 8});
  tg.input("b", {7, 5});
  tg.op("MatMul", "mm", {"a", "b"}, {"y"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'mm' (MatMul): inner dims differ"), std::string::npos) << tg.errors();
}

// ---- normalizations and reductions ----

TEST(InferNorm, BatchNormLayerNormReduceMean) {
  TestGraph tg;
  tg.input("x", {1, 32, 8, 8});
  for (const char *p : {"sc", "b", "m", "v"}) tg.weight(p, {32});
  tg.input("t", {1, 128, 768});
  tg.weight("g", {768});
  tg.op("BatchNormalization", "bn", {"x", "sc", "b", "m", "v"}, {"ybn"});
  tg.op("LayerNormalization", "ln", {"t", "g", "g"}, {"yln", "mean", "inv"});
  tg.op("ReduceMean", "rm", {"x"}, {"yr"}, [](NpAttrs &a) { set_ints(a, {2, -1}); });
  tg.op("ReduceMean", "rm0", {"x"}, {"yr0"}, [](NpAttrs &a) {
    set_ints(a, {-1});
    a.keepdims = 0;
  });
  tg.ints1("axes", {1});
  tg.op("ReduceMean", "rm18", {"t", "axes"}, {"yr18"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("ybn"), (Dims{1, 32, 8, 8}));
  EXPECT_EQ(tg.shape("yln"), (Dims{1, 128, 768}));
  EXPECT_EQ(tg.shape("mean"), (Dims{1, 128, 1}));
  EXPECT_EQ(tg.shape("yr"), (Dims{1, 32, 1, 1}));  // axes 2 and -1 = 3
  EXPECT_EQ(tg.shape("yr0"), (Dims{1, 32, 8}));
  EXPECT_EQ(tg.shape("yr18"), (Dims{1, 1, 768}));
}

// ---- data movement ----

TEST(InferData, ReshapeZeroAndMinusOne) {
  TestGraph tg;
  tg.input("x", {2, 3, 4, 5});
  tg.ints1("s1", {0, -1, 5});
  tg.ints1("s2", {7, -1});
  tg.op("Reshape", "r1", {"x", "s1"}, {"y1"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // 0 copies dim 0 (2); -1 = 120 / (2*5) = 12
  EXPECT_EQ(tg.shape("y1"), (Dims{2, 12, 5}));

  TestGraph bad;
  bad.input("x", {2, 3, 4, 5});
  bad.ints1("s2", {7, -1});
  bad.op("Reshape", "r2", {"x", "s2"}, {"y2"});
  EXPECT_FALSE(bad.finalize());  // 120 is not a multiple of 7
  EXPECT_NE(bad.errors().find("node 'r2' (Reshape): cannot infer the -1 dim"), std::string::npos) << bad.errors();
}

TEST(InferData, ReshapeAllowZeroKeepsZero) {
  TestGraph tg;
  tg.input("x", {0, 4});
  tg.ints1("s", {4, 0});
  tg.op("Reshape", "r", {"x", "s"}, {"y"}, [](NpAttrs &a) { a.allowzero = 1; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("y"), (Dims{4, 0}));
}

TEST(InferData, SliceNegativeIndicesClampingAndSteps) {
  TestGraph tg;
  tg.input("x", {10, 20, 30});
  tg.ints1("st", {-3, 1});
  tg.ints1("en", {INT64_MAX, -1});
  tg.ints1("ax", {0, 2});
  tg.op("Slice", "s1", {"x", "st", "en", "ax"}, {"y1"});
  tg.ints1("st2", {-1});
  tg.ints1("en2", {INT64_MIN});
  tg.ints1("ax2", {1});
  tg.ints1("sp2", {-2});
  tg.op("Slice", "s2", {"x", "st2", "en2", "ax2", "sp2"}, {"y2"});
  tg.ints1("st3", {0});
  tg.ints1("en3", {1000});
  tg.ints1("sp3", {3});
  tg.op("Slice", "s3", {"x", "st3", "en3", "", "sp3"}, {"y3"});
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  // axis 0: start -3+10 = 7, end clamps to 10 -> 3; axis 2: 1 .. -1+30 = 29 -> 28
  EXPECT_EQ(tg.shape("y1"), (Dims{3, 20, 28}));
  // axis 1, step -2: start 19, end clamps to -1 -> ceil(20/2) = 10
  EXPECT_EQ(tg.shape("y2"), (Dims{10, 10, 30}));
  // axis 0, 0..min(1000,10) step 3 -> ceil(10/3) = 4
  EXPECT_EQ(tg.shape("y3"), (Dims{4, 20, 30}));
}

TEST(InferData, SplitBySizesAttrAndEqually) {
  TestGraph tg;
  tg.input("x", {1, 10, 4});
  tg.ints1("sizes", {3, 7});
  tg.op("Split", "sp_in", {"x", "sizes"}, {"a", "b"}, [](NpAttrs &a) { a.axis = 1; });
  tg.op("Split", "sp_attr", {"x"}, {"c", "d"}, [](NpAttrs &a) {
    a.axis = -2;
    set_ints(a, {2, 8});
  });
  tg.op("Split", "sp_eq", {"x"}, {"e", "f"}, [](NpAttrs &a) { a.axis = 1; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("a"), (Dims{1, 3, 4}));
  EXPECT_EQ(tg.shape("b"), (Dims{1, 7, 4}));
  EXPECT_EQ(tg.shape("c"), (Dims{1, 2, 4}));
  EXPECT_EQ(tg.shape("d"), (Dims{1, 8, 4}));
  EXPECT_EQ(tg.shape("e"), (Dims{1, 5, 4}));  // 10 / 2
  EXPECT_EQ(tg.shape("f"), (Dims{1, 5, 4}));

  TestGraph bad;
  bad.input("x", {1, 10, 4});
  bad.op("Split", "sp3", {"x"}, {"a", "b", "c"}, [](NpAttrs &a) { a.axis = 1; });
  EXPECT_FALSE(bad.finalize());  // 10 does not split into 3
  EXPECT_NE(bad.errors().find("node 'sp3' (Split):"), std::string::npos);
}

TEST(InferData, SqueezeAndUnsqueezeByAttrAndInput) {
  TestGraph tg;
  tg.input("x", {1, 3, 1, 5});
  tg.input("v", {3, 5});
  tg.ints1("ax", {0, 3});
  tg.op("Squeeze", "sq_attr", {"x"}, {"y1"}, [](NpAttrs &a) { set_ints(a, {0, -2}); });
  tg.op("Squeeze", "sq_all", {"x"}, {"y2"});
  tg.op("Unsqueeze", "uq_in", {"v", "ax"}, {"y3"});
  tg.op("Unsqueeze", "uq_neg", {"v"}, {"y4"}, [](NpAttrs &a) { set_ints(a, {-1}); });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("y1"), (Dims{3, 5}));
  EXPECT_EQ(tg.shape("y2"), (Dims{3, 5}));
  // output rank 4, ones at 0 and 3
  EXPECT_EQ(tg.shape("y3"), (Dims{1, 3, 5, 1}));
  EXPECT_EQ(tg.shape("y4"), (Dims{3, 5, 1}));

  TestGraph bad;
  bad.input("x", {1, 3, 1, 5});
  bad.op("Squeeze", "sq", {"x"}, {"y"}, [](NpAttrs &a) { set_ints(a, {1}); });
  EXPECT_FALSE(bad.finalize());
  EXPECT_NE(bad.errors().find("node 'sq' (Squeeze): cannot squeeze axis 1 of size 3"), std::string::npos);
}

TEST(InferData, ConcatFlattenTransposeGatherPadResizeExpandShape) {
  TestGraph tg;
  tg.input("a", {1, 16, 8, 8});
  tg.input("b", {1, 24, 8, 8});
  tg.input("f", {1, 512, 7, 7});
  tg.input("t", {1, 197, 768});
  tg.ints("zero", {}, {0});
  tg.ints1("pads", {0, 0, 1, 2, 0, 0, 3, 4});
  tg.reals1("scales", {1.0, 1.0, 2.0, 0.5});
  tg.ints1("sizes", {1, 16, 5, 6});
  tg.ints1("eshape", {2, 1, 6});
  tg.input("e", {3, 1});
  tg.op("Concat", "cat", {"a", "b"}, {"yc"}, [](NpAttrs &a) { a.axis = 1; });
  tg.op("Flatten", "fl", {"f"}, {"yf"});
  tg.op("Transpose", "tr", {"a"}, {"yt"});
  tg.op("Transpose", "tp", {"a"}, {"ytp"}, [](NpAttrs &a) { set_ints(a, {0, 2, 3, 1}); });
  tg.op("Gather", "cls", {"t", "zero"}, {"yg"}, [](NpAttrs &a) { a.axis = 1; });
  tg.op("Pad", "pad", {"a", "pads"}, {"yp"});
  tg.op("Resize", "rs", {"a", "", "scales"}, {"yrs"});
  tg.op("Resize", "rz", {"a", "", "", "sizes"}, {"yrz"});
  tg.op("Expand", "ex", {"e", "eshape"}, {"ye"});
  tg.op("Shape", "shp", {"f"}, {"ys"}, [](NpAttrs &a) { a.start = -2; });
  ASSERT_TRUE(tg.finalize()) << tg.errors();
  EXPECT_EQ(tg.shape("yc"), (Dims{1, 40, 8, 8}));       // 16 + 24
  EXPECT_EQ(tg.shape("yf"), (Dims{1, 25088}));          // 512*7*7
  EXPECT_EQ(tg.shape("yt"), (Dims{8, 8, 16, 1}));       // default: reversed
  EXPECT_EQ(tg.shape("ytp"), (Dims{1, 8, 8, 16}));
  EXPECT_EQ(tg.shape("yg"), (Dims{1, 768}));            // scalar index drops the axis
  EXPECT_EQ(tg.shape("yp"), (Dims{1, 16, 8 + 1 + 3, 8 + 2 + 4}));
  EXPECT_EQ(tg.shape("yrs"), (Dims{1, 16, 16, 4}));     // floor(8*2), floor(8*0.5)
  EXPECT_EQ(tg.shape("yrz"), (Dims{1, 16, 5, 6}));
  EXPECT_EQ(tg.shape("ye"), (Dims{2, 3, 6}));           // [3,1] with [2,1,6]
  EXPECT_EQ(tg.shape("ys"), (Dims{2}));                 // dims -2.. of a rank-4 shape
  EXPECT_EQ(tg.t("ys").dtype, NP_DTYPE_INT64);
}

TEST(InferData, ConcatMismatchAndMissingAxisAreErrors) {
  TestGraph tg;
  tg.input("a", {1, 16, 8, 8});
  tg.input("b", {1, 24, 4, 8});
  tg.op("Concat", "cat", {"a", "b"}, {"y"}, [](NpAttrs &a) { a.axis = 1; });
  tg.op("Concat", "noaxis", {"a", "a"}, {"y2"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'cat' (Concat): input 'b' has dim 2 = 4"), std::string::npos) << tg.errors();
  EXPECT_NE(tg.errors().find("node 'noaxis' (Concat): the axis attribute is missing"), std::string::npos);
}

TEST(InferData, ShapeInputsThatAreNotConstantsAreErrors) {
  TestGraph tg;
  tg.input("x", {2, 6});
  tg.input("s", {2}, NP_DTYPE_INT64);
  tg.op("Reshape", "dyn", {"x", "s"}, {"y"});
  EXPECT_FALSE(tg.finalize());
  EXPECT_NE(tg.errors().find("node 'dyn' (Reshape): the shape input 's' is not a constant"), std::string::npos)
      << tg.errors();
}

}  // namespace
