#!/usr/bin/python3
"""Export the model zoo (models/*.onnx) as shape-only ONNX files.

Run by hand, never in setup or CI:

    /usr/bin/python3 tools/export_models.py            # export every model to models/
    /usr/bin/python3 tools/export_models.py resnet50   # export only the named models
    /usr/bin/python3 tools/export_models.py --stats    # print MACs and parameters, no export
    /usr/bin/python3 tools/export_models.py --list     # list the model names

It needs Debian's python3-torch (1.13), python3-torchvision (0.14), python3-onnx and
python3-numpy, which is why it runs under /usr/bin/python3. Nothing is downloaded: every
network is built with weights=None, its parameters and BatchNorm statistics are filled with
seeded random values (untrained, identical zero biases would be de-duplicated by the exporter
into Identity nodes), and it is exported in eval mode with constant folding, so BatchNorm is
folded into the preceding convolution. The float weight payloads are then cleared by
tools/strip_weights.py, which keeps names, dims, data types and small integer tensors: each
file is tens of KB.

Every export is checked with onnx.checker (before stripping) and onnx.shape_inference (after),
and its op types must lie within the set npusim's importer supports; the op histogram of each
model is printed.

--stats counts MACs and parameters from the PyTorch modules with forward hooks, independently
of the ONNX files and of npusim: Conv2d MACs = output elements * (in_channels / groups) * kh *
kw; ConvTranspose2d MACs = input elements * (out_channels / groups) * kh * kw; Linear MACs =
in_features * out_features * rows; MatMul MACs = batch * M * N * K. "params" is the PyTorch
parameter count (what torchvision publishes); "params (BN folded)" is what the ONNX file holds
after BatchNorm folding: each BatchNorm's weight and bias (2 per channel) become one bias per
channel of the convolution before it. models/README.md and tests/zoo_test.cc quote these.
"""

import argparse
import collections
import io
import math
import os
import sys
import warnings

import onnx
import torch
import torchvision
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strip_weights  # noqa: E402  (tools/strip_weights.py, next to this file)

# torch 1.13 flags g.op() inside an autograd.Function symbolic as deprecated in 1.14; this
# script targets Debian's 1.13.
warnings.filterwarnings("ignore", category=FutureWarning, message=".*_graph_op.*")

DEFAULT_OPSET = 13
SEED = 20240611

# Op types the npusim ONNX importer supports (issue 2); an export outside this set fails.
SUPPORTED_OPS = {
    "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool",
    "Add", "Sub", "Mul", "Div", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
    "Erf", "Softmax", "LayerNormalization", "ReduceMean", "Pow", "Sqrt", "Concat", "Split",
    "Slice", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Constant",
    "Shape", "Gather", "Resize", "Pad", "BatchNormalization", "Dropout", "Cast", "Expand",
}


# ---------------------------------------------------------------------------------------
# Networks defined here (the torchvision ones come from torchvision.models).


class _ZeroPad(torch.autograd.Function):
    """Zero padding that exports as one ONNX Pad with constant pads (nn.ZeroPad2d exports a
    ConstantOfShape/Concat subgraph computing the pads at run time)."""

    @staticmethod
    def forward(ctx, x, left, right, top, bottom):
        return nn.functional.pad(x, (left, right, top, bottom))

    @staticmethod
    def symbolic(g, x, left, right, top, bottom):
        pads = torch.tensor([0, 0, top, left, 0, 0, bottom, right], dtype=torch.int64)
        return g.op("Pad", x, g.op("Constant", value_t=pads), mode_s="constant")


class ZeroPad(nn.Module):
    def __init__(self, left, right, top, bottom):
        super().__init__()
        self.pads = (left, right, top, bottom)

    def forward(self, x):
        return _ZeroPad.apply(x, *self.pads)


class DSCNN(nn.Module):
    """Keyword spotting DS-CNN, the small variant ("DS-CNN-S") of Zhang, Suda, Lai, Chandra,
    "Hello Edge: Keyword Spotting on Microcontrollers", arXiv:1711.07128 (2017).

    Input: 1x1x49x10 MFCC features (49 frames of 40 ms at a 20 ms stride over one second,
    10 coefficients). A 10x4 convolution with 64 channels, stride 2 and TensorFlow "SAME"
    padding (asymmetric: 4 rows above, 5 below, 1 column each side, so it is an explicit Pad),
    then 4 depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, 64 channels, each
    followed by BatchNorm and ReLU), average pooling over the remaining 25x5 map, and a fully
    connected layer to 12 classes (silence, unknown and 10 keywords of Speech Commands)."""

    CHANNELS = 64
    BLOCKS = 4
    CLASSES = 12

    def __init__(self):
        super().__init__()
        c = self.CHANNELS
        layers = [
            ZeroPad(1, 1, 4, 5),  # left, right, top, bottom: "SAME" for 49x10, stride 2
            nn.Conv2d(1, c, kernel_size=(10, 4), stride=2, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(),
        ]
        for _ in range(self.BLOCKS):
            layers += [
                nn.Conv2d(c, c, kernel_size=3, padding=1, groups=c, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.Conv2d(c, c, kernel_size=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
            ]
        # count_include_pad=False: with nothing to pad it means the same, and torch then exports
        # no all-zero Pad in front of the AveragePool.
        layers.append(nn.AvgPool2d(kernel_size=(25, 5), count_include_pad=False))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, self.CLASSES)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def conv_bn_relu(in_channels, out_channels):
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    ]


class DoubleConv(nn.Sequential):
    def __init__(self, in_channels, out_channels):
        super().__init__(*conv_bn_relu(in_channels, out_channels),
                         *conv_bn_relu(out_channels, out_channels))


class UNetPortrait(nn.Module):
    """A small U-Net for portrait (person/background) segmentation, after Ronneberger, Fischer,
    Brox, "U-Net: Convolutional Networks for Biomedical Image Segmentation", MICCAI 2015,
    scaled down the way mobile portrait-matting nets are: base 16 channels instead of 64,
    "same" padding, BatchNorm after every convolution.

    Input 1x3x256x256. Four levels of 2x2 max-pool down-sampling (16, 32, 64, 128 channels,
    bottleneck 256 at 16x16), each level two 3x3 conv+BN+ReLU; the decoder up-samples with
    2x2 stride-2 ConvTranspose, concatenates the encoder skip (Concat on channels) and applies
    two 3x3 convs; a 1x1 conv to one channel and a Sigmoid give the 1x1x256x256 mask."""

    BASE = 16
    LEVELS = 4

    def __init__(self):
        super().__init__()
        widths = [self.BASE << i for i in range(self.LEVELS + 1)]  # 16 32 64 128 256
        self.down = nn.ModuleList()
        in_channels = 3
        for width in widths[:-1]:
            self.down.append(DoubleConv(in_channels, width))
            in_channels = width
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(widths[-2], widths[-1])
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for level in reversed(range(self.LEVELS)):
            self.up.append(nn.ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2))
            self.merge.append(DoubleConv(2 * widths[level], widths[level]))
        self.head = nn.Conv2d(widths[0], 1, kernel_size=1)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], dim=1))
        return torch.sigmoid(self.head(x))


class MatMul(nn.Module):
    """torch.matmul as a module, so that the MAC-counting hooks see it."""

    def forward(self, a, b):
        return torch.matmul(a, b)


class SelfAttention(nn.Module):
    def __init__(self, seq, hidden, heads):
        super().__init__()
        self.seq, self.hidden, self.heads = seq, hidden, heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)
        self.scores = MatMul()
        self.context = MatMul()
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        # Fixed shapes (batch 1) so that every Reshape gets a constant shape: no Shape ops.
        split = (1, self.seq, self.heads, self.head_dim)
        q = self.query(x).reshape(split).permute(0, 2, 1, 3)  # 1 x heads x seq x dim
        k = self.key(x).reshape(split).permute(0, 2, 3, 1)    # 1 x heads x dim x seq
        v = self.value(x).reshape(split).permute(0, 2, 1, 3)  # 1 x heads x seq x dim
        scores = self.scores(q, k) * (1.0 / math.sqrt(self.head_dim))
        context = self.context(self.softmax(scores), v)       # 1 x heads x seq x dim
        context = context.permute(0, 2, 1, 3).reshape(1, self.seq, self.hidden)
        return self.output(context)


class EncoderLayer(nn.Module):
    def __init__(self, seq, hidden, heads, ffn):
        super().__init__()
        self.attention = SelfAttention(seq, hidden, heads)
        self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.gelu = nn.GELU()  # exact (erf) GELU, as in BERT
        self.ffn_out = nn.Linear(ffn, hidden)
        self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x):
        x = self.norm1(x + self.attention(x))  # post-LN, as in BERT
        return self.norm2(x + self.ffn_out(self.gelu(self.ffn_in(x))))


class BertEncoder(nn.Module):
    """A BERT-style transformer encoder, the size of BERT-Mini (Turc, Chang, Lee, Toutanova,
    "Well-Read Students Learn Better", arXiv:1908.08962, 2019; architecture of Devlin et al.,
    "BERT", NAACL 2019): 4 post-LN layers, hidden 256, 4 heads of 64, FFN 1024 with erf-GELU,
    sequence length 128. The input is the already embedded sequence (1x128x256), so there is
    no embedding lookup, and there is no attention mask: the exported graph stays within
    MatMul/Add/Reshape/Transpose/Softmax/LayerNormalization/Erf. Exported at opset 17, where
    LayerNorm is the single LayerNormalization op."""

    SEQ, HIDDEN, HEADS, FFN, LAYERS = 128, 256, 4, 1024, 4

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(*[EncoderLayer(self.SEQ, self.HIDDEN, self.HEADS, self.FFN)
                                      for _ in range(self.LAYERS)])

    def forward(self, x):
        return self.layers(x)


class SegmentationOutput(nn.Module):
    """torchvision's segmentation models return a dict; export its "out" tensor only."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


# ---------------------------------------------------------------------------------------
# The zoo: name -> how to build it, its input, its opset, and where it comes from.

Entry = collections.namedtuple("Entry", "build input_shape opset source")


def torchvision_entry(function, input_shape=(1, 3, 224, 224)):
    return Entry(lambda: function(weights=None), input_shape, DEFAULT_OPSET,
                 f"torchvision {torchvision.__version__} models.{function.__name__}(weights=None)")


ZOO = {
    "mobilenet_v2": torchvision_entry(torchvision.models.mobilenet_v2),
    "mobilenet_v3_small": torchvision_entry(torchvision.models.mobilenet_v3_small),
    "resnet18": torchvision_entry(torchvision.models.resnet18),
    "resnet50": torchvision_entry(torchvision.models.resnet50),
    "efficientnet_b0": torchvision_entry(torchvision.models.efficientnet_b0),
    "squeezenet1_1": torchvision_entry(torchvision.models.squeezenet1_1),
    "lraspp_mobilenet_v3_large": Entry(
        lambda: SegmentationOutput(torchvision.models.segmentation.lraspp_mobilenet_v3_large(
            weights=None, weights_backbone=None)),
        (1, 3, 520, 520), DEFAULT_OPSET,
        f"torchvision {torchvision.__version__} models.segmentation.lraspp_mobilenet_v3_large"
        "(weights=None, weights_backbone=None), 21 classes, 'out' head only"),
    "ds_cnn_kws": Entry(DSCNN, (1, 1, 49, 10), DEFAULT_OPSET,
                        "DS-CNN-S of Zhang et al. 2017, 'Hello Edge' (defined in this script)"),
    "unet_portrait": Entry(UNetPortrait, (1, 3, 256, 256), DEFAULT_OPSET,
                           "U-Net after Ronneberger et al. 2015, base 16 (defined in this script)"),
    "bert_encoder": Entry(BertEncoder, (1, 128, 256), 17,
                          "BERT-Mini-sized encoder, Turc et al. 2019 / Devlin et al. 2019 "
                          "(defined in this script)"),
}


def build(name):
    """Builds a zoo model in eval mode with seeded random parameters and BN statistics."""
    torch.manual_seed(SEED)
    model = ZOO[name].build()
    randomize(model)
    return model.eval()


def randomize(model):
    """Distinct random values everywhere, so the exporter finds no identical tensors to merge."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=generator) - 0.5)
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(torch.rand(module.running_mean.shape, generator=generator) - 0.5)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)


# ---------------------------------------------------------------------------------------
# Counting MACs and parameters from the PyTorch modules.


def count_stats(model, input_shape):
    """Runs the model once with forward hooks and returns a dict of totals."""
    totals = collections.Counter()

    def conv_hook(module, inputs, output):
        kh, kw = module.kernel_size
        totals["macs"] += output.numel() * (module.in_channels // module.groups) * kh * kw
        totals["matrix_ops"] += 1

    def conv_transpose_hook(module, inputs, output):
        kh, kw = module.kernel_size
        totals["macs"] += inputs[0].numel() * (module.out_channels // module.groups) * kh * kw
        totals["matrix_ops"] += 1

    def linear_hook(module, inputs, output):
        rows = inputs[0].numel() // module.in_features
        totals["macs"] += rows * module.in_features * module.out_features
        totals["matrix_ops"] += 1

    def matmul_hook(module, inputs, output):
        a, b = inputs
        batch = output.numel() // (output.shape[-2] * output.shape[-1])
        totals["macs"] += batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
        totals["matrix_ops"] += 1

    hooks = {nn.Conv2d: conv_hook, nn.ConvTranspose2d: conv_transpose_hook,
             nn.Linear: linear_hook, MatMul: matmul_hook}
    handles = []
    for module in model.modules():
        hook = hooks.get(type(module))
        if hook:
            handles.append(module.register_forward_hook(hook))
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            totals["bn_channels"] += module.num_features
    with torch.no_grad():
        model(torch.zeros(input_shape))
    for handle in handles:
        handle.remove()
    totals["params"] = sum(p.numel() for p in model.parameters())
    # Every BatchNorm here follows a bias-free convolution: folding turns its weight and bias
    # (2 per channel) into the convolution's bias (1 per channel).
    totals["params_folded"] = totals["params"] - totals["bn_channels"]
    return totals


# ---------------------------------------------------------------------------------------
# Export.


def export_onnx(model, input_shape, opset):
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(input_shape), buffer, opset_version=opset,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.EVAL)
    return onnx.load_from_string(buffer.getvalue())


def op_histogram(model):
    return collections.Counter(node.op_type for node in model.graph.node)


def float_initializer_elements(model):
    total = 0
    for tensor in model.graph.initializer:
        if tensor.data_type in strip_weights.FLOAT_TYPES:
            total += strip_weights.element_count(tensor)
    return total


def export_one(name, out_dir):
    entry = ZOO[name]
    model = build(name)
    stats = count_stats(model, entry.input_shape)
    onnx_model = export_onnx(model, entry.input_shape, entry.opset)
    onnx.checker.check_model(onnx_model, full_check=True)
    histogram = op_histogram(onnx_model)
    unsupported = sorted(set(histogram) - SUPPORTED_OPS)
    if unsupported:
        raise SystemExit(f"{name}: ops outside npusim's supported set: {', '.join(unsupported)}")
    stored = float_initializer_elements(onnx_model)
    onnx_model.doc_string = f"npusim model zoo: {entry.source}; input {list(entry.input_shape)}"
    cleared = strip_weights.strip_model(onnx_model, out_dir)
    onnx.shape_inference.infer_shapes(onnx_model, check_type=True, strict_mode=True)
    path = os.path.join(out_dir, f"{name}.onnx")
    data = onnx_model.SerializeToString()
    with open(path, "wb") as handle:
        handle.write(data)
    print(f"{name}: {path}, {len(data)} bytes, opset {entry.opset}, input {list(entry.input_shape)}, "
          f"{cleared} tensors cleared")
    print(f"  MACs {stats['macs']}, params {stats['params']}, params (BN folded) "
          f"{stats['params_folded']}, float initializer elements in the file {stored}")
    print("  ops: " + ", ".join(f"{op} {count}" for op, count in sorted(histogram.items())))


def print_stats(names):
    print("| model | input | MACs | params | params (BN folded) | matrix ops |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in names:
        entry = ZOO[name]
        stats = count_stats(build(name), entry.input_shape)
        shape = "x".join(str(d) for d in entry.input_shape)
        print(f"| {name} | {shape} | {stats['macs']:,} | {stats['params']:,} | "
              f"{stats['params_folded']:,} | {stats['matrix_ops']} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", help="models to export (default: all)")
    parser.add_argument("--stats", action="store_true", help="print MACs and params only")
    parser.add_argument("--list", action="store_true", help="list the model names")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "models"),
                        help="output folder (default: models/ of this checkout)")
    args = parser.parse_args()
    if args.list:
        print("\n".join(ZOO))
        return 0
    unknown = [name for name in args.models if name not in ZOO]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)} (see --list)")
    names = args.models or list(ZOO)
    if args.stats:
        print_stats(names)
        return 0
    out_dir = os.path.normpath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        export_one(name, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
