// Builds small ONNX models in tests, through the protobuf-c structs generated from onnx.proto,
// so that importer tests (good and hostile models) need no binary fixtures.
// Describe the model with the *Desc structs; pack_model() returns the serialized bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "onnx.pb-c.h"
}

struct OnnxTensorDesc {  // an initializer or a Constant's value
  OnnxTensorDesc() = default;
  OnnxTensorDesc(std::string name_, int32_t dtype_, std::vector<int64_t> dims_, std::vector<int64_t> int64_data_ = {},
                 std::vector<float> float_data_ = {})
      : name(std::move(name_)), dtype(dtype_), dims(std::move(dims_)), int64_data(std::move(int64_data_)),
        float_data(std::move(float_data_)) {}
  std::string name;
  int32_t dtype = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  std::vector<int64_t> dims;
  std::vector<int64_t> int64_data;  // payload for INT64 tensors (none: shape only)
  std::vector<float> float_data;    // payload for FLOAT tensors (none: shape only)
  std::string raw_data;             // little-endian payload of any type, when non-empty
  bool external = false;            // data_location = EXTERNAL (payload in a file not given)
};

struct OnnxValueDesc {  // a graph input, output or value_info
  std::string name;
  int32_t dtype = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  std::vector<int64_t> dims;         // dim values
  std::vector<std::string> symbols;  // when non-empty, dim i is symbolic if symbols[i] != ""
  bool has_shape = true;
};

struct OnnxAttrDesc {
  std::string name;
  enum Kind { INT, INTS, FLOAT, STRING, TENSOR } kind = INTS;
  int64_t i = 0;
  std::vector<int64_t> ints;
  float f = 0;
  std::string s;
  OnnxTensorDesc t;
};

struct OnnxNodeDesc {
  std::string name, op_type;
  std::vector<std::string> inputs, outputs;
  std::vector<OnnxAttrDesc> attrs;
  std::string domain;
};

struct OnnxModelDesc {
  int64_t opset = 13;  // < 0: no opset_import at all
  bool has_graph = true;
  std::vector<OnnxNodeDesc> nodes;
  std::vector<OnnxTensorDesc> initializers;
  std::vector<OnnxValueDesc> inputs, outputs, value_info;
};

namespace onnx_builder_detail {

// Keeps every struct and string alive until packing is done.
struct Arena {
  std::deque<std::string> strings;
  std::deque<std::vector<int64_t>> int_lists;
  std::deque<std::vector<float>> float_lists;
  std::deque<std::vector<void *>> pointer_lists;
  std::deque<Onnx__TensorProto> tensors;
  std::deque<Onnx__ValueInfoProto> values;
  std::deque<Onnx__TypeProto> types;
  std::deque<Onnx__TypeProto__Tensor> tensor_types;
  std::deque<Onnx__TensorShapeProto> shapes;
  std::deque<Onnx__TensorShapeProto__Dimension> dims;
  std::deque<Onnx__AttributeProto> attrs;
  std::deque<Onnx__NodeProto> nodes;

  char *str(const std::string &s) {
    strings.push_back(s);
    return &strings.back()[0];
  }
  template <typename T>
  T **pointers(std::vector<T *> items) {
    pointer_lists.emplace_back(items.begin(), items.end());
    return reinterpret_cast<T **>(pointer_lists.back().data());
  }
  int64_t *ints(const std::vector<int64_t> &v) {
    int_lists.push_back(v);
    return int_lists.back().data();
  }

  Onnx__TensorProto *tensor(const OnnxTensorDesc &d) {
    tensors.emplace_back();
    Onnx__TensorProto *t = &tensors.back();
    onnx__tensor_proto__init(t);
    t->name = str(d.name);
    t->has_data_type = 1;
    t->data_type = d.dtype;
    t->n_dims = d.dims.size();
    t->dims = ints(d.dims);
    t->n_int64_data = d.int64_data.size();
    t->int64_data = ints(d.int64_data);
    float_lists.push_back(d.float_data);
    t->n_float_data = d.float_data.size();
    t->float_data = float_lists.back().data();
    if (!d.raw_data.empty()) {
      t->has_raw_data = 1;
      t->raw_data.data = reinterpret_cast<uint8_t *>(str(d.raw_data));
      t->raw_data.len = d.raw_data.size();
    }
    if (d.external) {
      t->has_data_location = 1;
      t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    }
    return t;
  }

  Onnx__ValueInfoProto *value(const OnnxValueDesc &d) {
    values.emplace_back();
    Onnx__ValueInfoProto *v = &values.back();
    onnx__value_info_proto__init(v);
    v->name = str(d.name);
    types.emplace_back();
    onnx__type_proto__init(&types.back());
    tensor_types.emplace_back();
    onnx__type_proto__tensor__init(&tensor_types.back());
    types.back().value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    types.back().tensor_type = &tensor_types.back();
    tensor_types.back().has_elem_type = 1;
    tensor_types.back().elem_type = d.dtype;
    if (d.has_shape) {
      shapes.emplace_back();
      onnx__tensor_shape_proto__init(&shapes.back());
      std::vector<Onnx__TensorShapeProto__Dimension *> list;
      for (size_t i = 0; i < d.dims.size(); i++) {
        dims.emplace_back();
        Onnx__TensorShapeProto__Dimension *dim = &dims.back();
        onnx__tensor_shape_proto__dimension__init(dim);
        if (i < d.symbols.size() && !d.symbols[i].empty()) {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          dim->dim_param = str(d.symbols[i]);
        } else {
          dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          dim->dim_value = d.dims[i];
        }
        list.push_back(dim);
      }
      shapes.back().n_dim = list.size();
      shapes.back().dim = pointers(list);
      tensor_types.back().shape = &shapes.back();
    }
    v->type = &types.back();
    return v;
  }

  Onnx__AttributeProto *attr(const OnnxAttrDesc &d) {
    attrs.emplace_back();
    Onnx__AttributeProto *a = &attrs.back();
    onnx__attribute_proto__init(a);
    a->name = str(d.name);
    a->has_type = 1;
    switch (d.kind) {
      case OnnxAttrDesc::INT: a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT; a->has_i = 1; a->i = d.i; break;
      case OnnxAttrDesc::INTS:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        a->n_ints = d.ints.size();
        a->ints = ints(d.ints);
        break;
      case OnnxAttrDesc::FLOAT: a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT; a->has_f = 1; a->f = d.f; break;
      case OnnxAttrDesc::STRING:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        a->has_s = 1;
        a->s.data = reinterpret_cast<uint8_t *>(str(d.s));
        a->s.len = d.s.size();
        break;
      case OnnxAttrDesc::TENSOR: a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR; a->t = tensor(d.t); break;
    }
    return a;
  }

  char **names(const std::vector<std::string> &v) {
    std::vector<char *> list;
    for (const auto &s : v) list.push_back(str(s));
    return pointers(list);
  }

  Onnx__NodeProto *node(const OnnxNodeDesc &d) {
    nodes.emplace_back();
    Onnx__NodeProto *n = &nodes.back();
    onnx__node_proto__init(n);
    n->name = str(d.name);
    n->op_type = str(d.op_type);
    n->domain = str(d.domain);
    n->n_input = d.inputs.size();
    n->input = names(d.inputs);
    n->n_output = d.outputs.size();
    n->output = names(d.outputs);
    std::vector<Onnx__AttributeProto *> list;
    for (const auto &a : d.attrs) list.push_back(attr(a));
    n->n_attribute = list.size();
    n->attribute = pointers(list);
    return n;
  }
};

}  // namespace onnx_builder_detail

inline std::string pack_model(const OnnxModelDesc &d) {
  onnx_builder_detail::Arena arena;
  Onnx__ModelProto model;
  onnx__model_proto__init(&model);
  model.has_ir_version = 1;
  model.ir_version = 8;
  Onnx__OperatorSetIdProto opset;
  onnx__operator_set_id_proto__init(&opset);
  Onnx__OperatorSetIdProto *opsets[] = {&opset};
  if (d.opset >= 0) {
    opset.domain = arena.str("");
    opset.has_version = 1;
    opset.version = d.opset;
    model.n_opset_import = 1;
    model.opset_import = opsets;
  }
  Onnx__GraphProto graph;
  onnx__graph_proto__init(&graph);
  graph.name = arena.str("test");
  std::vector<Onnx__NodeProto *> nodes;
  for (const auto &n : d.nodes) nodes.push_back(arena.node(n));
  graph.n_node = nodes.size();
  graph.node = nodes.data();
  std::vector<Onnx__TensorProto *> inits;
  for (const auto &t : d.initializers) inits.push_back(arena.tensor(t));
  graph.n_initializer = inits.size();
  graph.initializer = inits.data();
  std::vector<Onnx__ValueInfoProto *> inputs, outputs, infos;
  for (const auto &v : d.inputs) inputs.push_back(arena.value(v));
  for (const auto &v : d.outputs) outputs.push_back(arena.value(v));
  for (const auto &v : d.value_info) infos.push_back(arena.value(v));
  graph.n_input = inputs.size();
  graph.input = inputs.data();
  graph.n_output = outputs.size();
  graph.output = outputs.data();
  graph.n_value_info = infos.size();
  graph.value_info = infos.data();
  if (d.has_graph) model.graph = &graph;
  std::string bytes(onnx__model_proto__get_packed_size(&model), '\0');
  onnx__model_proto__pack(&model, reinterpret_cast<uint8_t *>(&bytes[0]));
  return bytes;
}

// A two-op model used as the starting point for tests: x[1,3,8,8] -> Conv 'conv1' (W: 4x3x3x3,
// no payload, pads 1) -> Relu 'relu1' -> z.
inline OnnxModelDesc small_conv_model() {
  OnnxModelDesc m;
  m.inputs.push_back({"x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 3, 8, 8}, {}, true});
  m.initializers.push_back({"W", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {4, 3, 3, 3}, {}, {}});
  OnnxAttrDesc pads;
  pads.name = "pads";
  pads.ints = {1, 1, 1, 1};
  m.nodes.push_back({"conv1", "Conv", {"x", "W"}, {"y"}, {pads}, ""});
  m.nodes.push_back({"relu1", "Relu", {"y"}, {"z"}, {}, ""});
  m.outputs.push_back({"z", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, {1, 4, 8, 8}, {}, true});
  return m;
}
