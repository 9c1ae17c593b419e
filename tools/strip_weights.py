#!/usr/bin/python3
"""Turn an ONNX model into a shape-only model that npusim can still read.

Usage: tools/strip_weights.py IN.onnx OUT.onnx

npusim needs a model's structure (ops, attributes, tensor names, shapes and data types) and
the values of small integer tensors (Reshape shapes, pads, axes, Resize sizes), but never the
float weights. This script clears the payload of every floating-point initializer, and of
every floating-point Constant node tensor with more than a few elements, keeping its name,
dims and data type. Integer tensors of up to 64 K elements keep their values; larger integer
tensors are cleared too. References to external data files are dropped (an integer tensor
stored externally is read back in first when its data file is present). Subgraphs (If, Loop,
Scan bodies) are handled the same way.

A stripped model no longer passes onnx.checker (an initializer without values is not a
complete TensorProto) and cannot be run by an inference engine; it is for npusim, which
reads shapes only.

Uses /usr/bin/python3 with Debian's python3-onnx. Exit codes: 0 ok, 2 bad usage or input.
"""

import os
import sys
import warnings

import onnx
from onnx import TensorProto
from onnx import external_data_helper

FLOAT_TYPES = {
    TensorProto.FLOAT,
    TensorProto.FLOAT16,
    TensorProto.BFLOAT16,
    TensorProto.DOUBLE,
}
INTEGER_TYPES = {
    TensorProto.INT8,
    TensorProto.UINT8,
    TensorProto.INT16,
    TensorProto.UINT16,
    TensorProto.INT32,
    TensorProto.UINT32,
    TensorProto.INT64,
    TensorProto.UINT64,
    TensorProto.BOOL,
}
MAX_KEPT_INTEGER_ELEMENTS = 65536
# Float Constant nodes this small (scalars such as Clip bounds, Pow exponents, LayerNorm
# epsilons) are kept: they cost nothing and keep the model meaningful.
MAX_KEPT_FLOAT_CONSTANT_ELEMENTS = 8

PAYLOAD_FIELDS = (
    "raw_data",
    "float_data",
    "double_data",
    "int32_data",
    "int64_data",
    "uint64_data",
    "string_data",
)


class StripError(Exception):
    pass


def element_count(tensor):
    count = 1
    for dim in tensor.dims:
        count *= dim
    return count


def clear_payload(tensor):
    for field in PAYLOAD_FIELDS:
        tensor.ClearField(field)


def drop_external_reference(tensor, base_dir, keep_values):
    """Makes an externally stored tensor internal: reads it in when its values are wanted
    and its file exists, otherwise leaves it without values."""
    if tensor.data_location != TensorProto.EXTERNAL:
        return
    if keep_values:
        try:
            external_data_helper.load_external_data_for_tensor(tensor, base_dir)
        except (OSError, ValueError):
            clear_payload(tensor)
    tensor.ClearField("external_data")
    tensor.ClearField("data_location")


def strip_tensor(tensor, base_dir, max_kept_float_elements):
    """Clears one tensor's payload unless it is worth keeping. Returns True when cleared."""
    count = element_count(tensor)
    if tensor.data_type in INTEGER_TYPES:
        keep = count <= MAX_KEPT_INTEGER_ELEMENTS
    elif tensor.data_type in FLOAT_TYPES:
        keep = count <= max_kept_float_elements
    else:
        keep = False
    drop_external_reference(tensor, base_dir, keep)
    if not keep:
        clear_payload(tensor)
    return not keep


def strip_graph(graph, base_dir):
    """Strips a graph's initializers and Constant nodes, recursing into subgraphs.
    Returns the number of tensors cleared."""
    cleared = 0
    for tensor in graph.initializer:
        cleared += strip_tensor(tensor, base_dir, max_kept_float_elements=0)
    for sparse in graph.sparse_initializer:
        cleared += strip_tensor(sparse.values, base_dir, max_kept_float_elements=0)
        drop_external_reference(sparse.indices, base_dir, keep_values=True)
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and node.op_type == "Constant":
                cleared += strip_tensor(attr.t, base_dir, MAX_KEPT_FLOAT_CONSTANT_ELEMENTS)
            elif attr.type == onnx.AttributeProto.TENSOR:
                cleared += strip_tensor(attr.t, base_dir, max_kept_float_elements=0)
            elif attr.type == onnx.AttributeProto.TENSORS:
                for tensor in attr.tensors:
                    cleared += strip_tensor(tensor, base_dir, max_kept_float_elements=0)
            elif attr.type == onnx.AttributeProto.GRAPH:
                cleared += strip_graph(attr.g, base_dir)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attr.graphs:
                    cleared += strip_graph(subgraph, base_dir)
    return cleared


def load_model(path):
    """Reads an ONNX model without its external data; raises StripError when the file is
    missing or is not an ONNX model."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise StripError(f"{path}: cannot read: {err.strerror}") from err
    if not data:
        raise StripError(f"{path}: not an ONNX model: the file is empty")
    model = onnx.ModelProto()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protobuf warns about junk before it fails
            model.ParseFromString(data)
    except Exception as err:  # protobuf raises its own DecodeError (and others on bad UTF-8)
        raise StripError(f"{path}: not an ONNX model: {err}") from err
    # A protobuf parser accepts many byte strings that are not models; a real model has an
    # IR version, an opset and a graph with at least one node.
    if model.ir_version <= 0 or not model.opset_import or len(model.graph.node) == 0:
        raise StripError(f"{path}: not an ONNX model: no IR version, opset or graph nodes")
    return model


def external_data_bytes(model, base_dir):
    """Total size of the existing external data files the model refers to."""
    files = set()
    for tensor in model.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            for entry in tensor.external_data:
                if entry.key == "location":
                    files.add(os.path.join(base_dir, entry.value))
    return sum(os.path.getsize(path) for path in files if os.path.isfile(path))


def strip_model(model, base_dir):
    """Strips a loaded model in place and marks it as shape-only. Returns tensors cleared."""
    cleared = strip_graph(model.graph, base_dir)
    for function in model.functions:
        for node in function.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.TENSOR:
                    cleared += strip_tensor(attr.t, base_dir, MAX_KEPT_FLOAT_CONSTANT_ELEMENTS)
    note = "shape-only: float weight payloads cleared by npusim tools/strip_weights.py"
    if note not in model.doc_string:
        model.doc_string = (model.doc_string + "\n" + note).strip()
    return cleared


def strip_file(in_path, out_path):
    """Strips IN into OUT; returns (bytes before, including external data files, bytes after,
    tensors cleared)."""
    model = load_model(in_path)
    base_dir = os.path.dirname(os.path.abspath(in_path))
    before = os.path.getsize(in_path) + external_data_bytes(model, base_dir)
    cleared = strip_model(model, base_dir)
    data = model.SerializeToString()
    try:
        with open(out_path, "wb") as handle:
            handle.write(data)
    except OSError as err:
        raise StripError(f"{out_path}: cannot write: {err.strerror}") from err
    return before, len(data), cleared


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print("usage: strip_weights.py IN.onnx OUT.onnx", file=sys.stderr)
        return 2
    try:
        before, after, cleared = strip_file(argv[1], argv[2])
    except StripError as err:
        print(f"strip_weights: {err}", file=sys.stderr)
        return 2
    print(f"{argv[1]}: {before} bytes -> {argv[2]}: {after} bytes ({cleared} tensors cleared)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
