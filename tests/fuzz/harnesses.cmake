# The fuzz harnesses, one per input parser: <name> builds tests/fuzz/fuzz_<name>.c, seeds from
# tests/fuzz/corpus/<name>/, regressions in tests/fuzz/regressions/<name>/. Adding a harness
# is one line here. Read by tests/fuzz/CMakeLists.txt (the libFuzzer build) and by
# tests/fuzz/regression.cmake (fuzz_regression_test in the ordinary test build).
set(NPUSIM_FUZZ_HARNESSES
  onnx
  arch
  textgraph
  schedule
  trace
  sweep
)
