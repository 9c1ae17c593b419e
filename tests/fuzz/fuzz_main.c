/* The libFuzzer side of np_fuzz_fail(): a failed harness check is a crash. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

void np_fuzz_fail(const char *target, const char *file, int line, const char *what) {
  fprintf(stderr, "%s:%d: fuzz_%s: check failed: %s\n", file, line, target, what);
  abort();
}
