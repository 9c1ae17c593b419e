// A thin C++ wrapper over the graph builder API, for tests that build graphs by hand.
#ifndef NPUSIM_TESTS_GRAPH_BUILDER_H
#define NPUSIM_TESTS_GRAPH_BUILDER_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "graph/graph.h"
}

using Dims = std::vector<int64_t>;

struct TestGraph {
  NpGraph *g;
  NpDiag diag;

  TestGraph() : g(np_graph_new("test", "test.onnx")) { np_diag_init(&diag); }
  ~TestGraph() {
    np_graph_free(g);
    np_diag_free(&diag);
  }
  TestGraph(const TestGraph &) = delete;
  TestGraph &operator=(const TestGraph &) = delete;

  int tensor(const std::string &name, NpTensorRole role, const Dims &dims, NpDtype dtype = NP_DTYPE_FP32) {
    int t = np_graph_add_tensor(g, name.c_str(), dtype, role, &diag);
    EXPECT_GE(t, 0) << errors();
    EXPECT_TRUE(np_tensor_set_shape(g, t, (int)dims.size(), dims.data(), &diag)) << errors();
    return t;
  }
  int input(const std::string &name, const Dims &dims, NpDtype dtype = NP_DTYPE_FP32) {
    int t = tensor(name, NP_TENSOR_INPUT, dims, dtype);
    np_graph_mark_input(g, t);
    return t;
  }
  int weight(const std::string &name, const Dims &dims) { return tensor(name, NP_TENSOR_WEIGHT, dims); }
  // An integer constant; a scalar when dims is empty.
  int ints(const std::string &name, const Dims &dims, const std::vector<int64_t> &values) {
    int t = tensor(name, NP_TENSOR_CONST, dims, NP_DTYPE_INT64);
    EXPECT_TRUE(np_tensor_set_values(g, t, values.data(), nullptr, (int64_t)values.size(), &diag)) << errors();
    return t;
  }
  // A 1-D integer constant.
  int ints1(const std::string &name, const std::vector<int64_t> &values) {
    return ints(name, Dims{(int64_t)values.size()}, values);
  }
  int reals1(const std::string &name, const std::vector<double> &values) {
    int t = tensor(name, NP_TENSOR_WEIGHT, Dims{(int64_t)values.size()});
    EXPECT_TRUE(np_tensor_set_values(g, t, nullptr, values.data(), (int64_t)values.size(), &diag)) << errors();
    return t;
  }
  int find_or_add(const std::string &name) {
    if (name.empty()) return -1;
    int t = np_graph_find_tensor(g, name.c_str());
    return t >= 0 ? t : np_graph_add_tensor(g, name.c_str(), NP_DTYPE_UNKNOWN, NP_TENSOR_ACTIVATION, &diag);
  }
  // Adds an op; inputs and outputs by name ("" = omitted), outputs created when new.
  int op(const std::string &type, const std::string &name, const std::vector<std::string> &ins,
         const std::vector<std::string> &outs, const std::function<void(NpAttrs &)> &set = nullptr) {
    NpAttrs a;
    np_attrs_init(&a);
    if (set) set(a);
    std::vector<int> in, out;
    for (const auto &n : ins) in.push_back(n.empty() ? -1 : np_graph_find_tensor(g, n.c_str()));
    for (const auto &n : outs) out.push_back(find_or_add(n));
    return np_graph_add_op(g, name.c_str(), type.c_str(), &a, in.data(), (int)in.size(), out.data(), (int)out.size(),
                           &diag);
  }
  bool finalize() { return np_graph_finalize(g, &diag); }
  const NpTensor &t(const std::string &name) {
    int i = np_graph_find_tensor(g, name.c_str());
    EXPECT_GE(i, 0) << name;
    return g->tensors[i < 0 ? 0 : i];
  }
  Dims shape(const std::string &name) {
    const NpTensor &x = t(name);
    if (!x.shape_known) return Dims{-99};
    return Dims(x.dims, x.dims + x.rank);
  }
  const NpOp &node(int index) { return g->ops[index]; }
  std::string errors() const {
    std::string s;
    for (size_t i = 0; i < diag.count; i++) s += std::string(diag.messages[i]) + "\n";
    return s;
  }
};

// attrs->ints is taken over by the graph: allocate it with malloc.
inline void set_ints(NpAttrs &a, const std::vector<int64_t> &v) {
  a.ints = (int64_t *)malloc((v.empty() ? 1 : v.size()) * sizeof(int64_t));
  if (!v.empty()) memcpy(a.ints, v.data(), v.size() * sizeof(int64_t));
  a.n_ints = (int)v.size();
  a.has_ints = true;
}

#endif
