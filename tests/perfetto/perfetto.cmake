# perfetto_import_<case>: the Chrome trace-event JSON of `npusim trace perfetto` imports cleanly
# into Perfetto's own trace processor (tests/perfetto/perfetto_import.mjs, docs/traces.md).
# Registered when node is found; skipped (exit 77) until tools/perfetto_assets has fetched the
# trace processor. Included by tests/CMakeLists.txt.
find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  # input: a model (then optionally a config) to run with --trace, or a committed trace
  function(npusim_perfetto_import_test name input)
    add_test(NAME perfetto_import_${name}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/perfetto_import_test.sh ${NODE_EXECUTABLE}
              $<TARGET_FILE:npusim_cli> ${CMAKE_CURRENT_BINARY_DIR}/perfetto/${name} ${input} ${ARGN})
    set_tests_properties(perfetto_import_${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
  endfunction()
  npusim_perfetto_import_test(resnet50 models/resnet50.onnx)
  npusim_perfetto_import_test(kws_rtl_small models/ds_cnn_kws.onnx configs/rtl-small.yaml)
  npusim_perfetto_import_test(kws_rtl_golden traces/ds_cnn_kws.rtl.npt.zst)  # written by the RTL
else()
  message(STATUS "node not found: the Perfetto import tests (tests/perfetto/) are left out")
endif()
