/* ONNX importer: any bytes as an .onnx file (protobuf wire format, then graph building,
 * shape inference and finalize). */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "onnx/onnx_import.h"

NP_FUZZ_TARGET(onnx) {
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *graph = np_onnx_import_buffer(data, size, "fuzz.onnx", &diag);
  np_fuzz_check_diag("onnx", graph != NULL, &diag, "fuzz.onnx", true);
  np_graph_free(graph);
  np_diag_free(&diag);
  return 0;
}
