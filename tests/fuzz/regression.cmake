# fuzz_regression_test (tests/fuzz_regression_test.cc): the fuzz harnesses compiled with the
# ordinary compiler and run on every file under tests/fuzz/corpus/<name>/ and
# tests/fuzz/regressions/<name>/, in the normal and the sanitizer builds. Included by
# tests/CMakeLists.txt after the per-file test targets exist.
include(${CMAKE_CURRENT_LIST_DIR}/harnesses.cmake)

set(fuzz_targets_inc ${CMAKE_CURRENT_BINARY_DIR}/fuzz_targets.inc)
set(fuzz_targets_text "")
foreach(name ${NPUSIM_FUZZ_HARNESSES})
  target_sources(fuzz_regression_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.c)
  string(APPEND fuzz_targets_text "NP_FUZZ_HARNESS(${name})\n")
endforeach()
file(CONFIGURE OUTPUT ${fuzz_targets_inc} CONTENT "${fuzz_targets_text}")
target_include_directories(fuzz_regression_test PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
target_compile_definitions(fuzz_regression_test PRIVATE NPUSIM_FUZZ_DIR="${CMAKE_CURRENT_LIST_DIR}")
