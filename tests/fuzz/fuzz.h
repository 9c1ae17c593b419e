/* Fuzz harnesses: one fuzz_<name>.c per input parser, each feeding arbitrary bytes to one
 * parser and checking what must hold for any input (an error comes back exactly when no result
 * does, every message names the source, nothing leaks).
 *
 * A harness is written once and built twice:
 *  - with clang and -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt, NPUSIM_FUZZ=ON), where
 *    NPUSIM_LIBFUZZER is defined and NP_FUZZ_TARGET also defines LLVMFuzzerTestOneInput;
 *  - into tests/fuzz_regression_test.cc (any compiler), which calls np_fuzz_<name>() on every
 *    committed corpus and regression file, so found bugs stay fixed without clang.
 *
 * Adding a harness: write tests/fuzz/fuzz_<name>.c as
 *     #include "fuzz/fuzz.h"
 *     NP_FUZZ_TARGET(name) { ...parse data/size..., NP_FUZZ_CHECK(cond, "what broke"); return 0; }
 * add <name> to tests/fuzz/harnesses.cmake, and commit seeds under tests/fuzz/corpus/<name>/.
 */
#ifndef NPUSIM_TESTS_FUZZ_FUZZ_H
#define NPUSIM_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called when a harness check fails: under libFuzzer it prints and aborts (a crash libFuzzer
 * records); the regression test records a test failure instead. */
void np_fuzz_fail(const char *target, const char *file, int line, const char *what);

#define NP_FUZZ_CHECK(target, cond, what)                             \
  do {                                                                \
    if (!(cond)) np_fuzz_fail(target, __FILE__, __LINE__, (what));   \
  } while (0)

#ifdef NPUSIM_LIBFUZZER
#define NP_FUZZ_ENTRY(name)                                                     \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                 \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return np_fuzz_##name(data, size); }
#else
#define NP_FUZZ_ENTRY(name)
#endif

#define NP_FUZZ_TARGET(name)                                 \
  int np_fuzz_##name(const uint8_t *data, size_t size);      \
  NP_FUZZ_ENTRY(name)                                        \
  int np_fuzz_##name(const uint8_t *data, size_t size)

#ifdef __cplusplus
}
#endif
#endif
