/* ONNX tensors: data types, shapes from the file, and the few payloads the importer reads. */
#include <string.h>

#include "onnx/onnx_internal.h"
#include "util/mem.h"

bool onnx_dtype(int32_t onnx_type, NpDtype *out) {
  switch (onnx_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *out = NP_DTYPE_FP32; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: *out = NP_DTYPE_UINT8; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: *out = NP_DTYPE_INT8; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: /* same width: what the simulator counts */
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: *out = NP_DTYPE_INT16; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *out = NP_DTYPE_INT32; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: *out = NP_DTYPE_INT64; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: *out = NP_DTYPE_BOOL; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: *out = NP_DTYPE_FP16; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: *out = NP_DTYPE_BF16; return true;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: *out = NP_DTYPE_FP64; return true;
    default: return false; /* UNDEFINED, string, complex, and anything newer than ONNX 1.12 */
  }
}

bool onnx_check_dims(OnnxImport *im, const char *what, const int64_t *dims, size_t rank) {
  if (rank > NP_MAX_RANK) return onnx_error(im, "%s has rank %zu (at most %d is supported)", what, rank, NP_MAX_RANK);
  int64_t elements = 1;
  for (size_t i = 0; i < rank; i++) {
    if (dims[i] < 0) return onnx_error(im, "%s has a negative dimension (%lld at axis %zu)", what, (long long)dims[i], i);
    if (!np_mul_i64(elements, dims[i], &elements) || elements > NP_TENSOR_MAX_ELEMENTS)
      return onnx_error(im, "%s is too large (more than %lld elements)", what, (long long)NP_TENSOR_MAX_ELEMENTS);
  }
  return true;
}

static uint64_t load_le(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

const char *onnx_dtype_problem(int32_t onnx_type) {
  return onnx_type == ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED ? "has data type UNDEFINED" : "has an unsupported data type";
}

static bool raw_payload(const Onnx__TensorProto *t, int64_t count, int width) {
  return t->has_raw_data && count <= INT64_MAX / width && t->raw_data.len == (size_t)(count * width);
}

static bool payload_in_file(const Onnx__TensorProto *t) {
  return !(t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL);
}

bool onnx_tensor_ints(const Onnx__TensorProto *t, int64_t count, int64_t *out) {
  if (!payload_in_file(t)) return false;
  if (count == 0) return true;
  if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
    if (raw_payload(t, count, 8)) {
      for (int64_t i = 0; i < count; i++) out[i] = (int64_t)load_le(t->raw_data.data + 8 * i, 8);
      return true;
    }
    if (t->n_int64_data != (size_t)count) return false;
    memcpy(out, t->int64_data, (size_t)count * sizeof *out);
    return true;
  }
  if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT32) {
    if (raw_payload(t, count, 4)) {
      for (int64_t i = 0; i < count; i++) out[i] = (int32_t)(uint32_t)load_le(t->raw_data.data + 4 * i, 4);
      return true;
    }
    if (t->n_int32_data != (size_t)count) return false;
    for (int64_t i = 0; i < count; i++) out[i] = t->int32_data[i];
    return true;
  }
  return false;
}

bool onnx_tensor_floats(const Onnx__TensorProto *t, int64_t count, double *out) {
  if (!payload_in_file(t)) return false;
  if (count == 0) return true;
  if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
    if (raw_payload(t, count, 4)) {
      for (int64_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)load_le(t->raw_data.data + 4 * i, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        out[i] = f;
      }
      return true;
    }
    if (t->n_float_data != (size_t)count) return false;
    for (int64_t i = 0; i < count; i++) out[i] = t->float_data[i];
    return true;
  }
  if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE) {
    if (raw_payload(t, count, 8)) {
      for (int64_t i = 0; i < count; i++) {
        uint64_t bits = load_le(t->raw_data.data + 8 * i, 8);
        memcpy(&out[i], &bits, sizeof out[i]);
      }
      return true;
    }
    if (t->n_double_data != (size_t)count) return false;
    memcpy(out, t->double_data, (size_t)count * sizeof *out);
    return true;
  }
  return false;
}
