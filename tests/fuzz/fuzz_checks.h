/* Checks shared by the harnesses: what every parser's diagnostics must look like. */
#ifndef NPUSIM_TESTS_FUZZ_FUZZ_CHECKS_H
#define NPUSIM_TESTS_FUZZ_FUZZ_CHECKS_H

#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "util/diag.h"

static inline bool np_fuzz_starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* A parser fails exactly when it gives no result, and then says why; every message names
 * where it comes from: the source name, or (for config overrides) "--set ". */
static inline void np_fuzz_check_diag(const char *target, bool have_result, const NpDiag *diag, const char *source,
                                      bool one_line) {
  NP_FUZZ_CHECK(target, have_result != np_diag_failed(diag), "a result comes back exactly when there is no error");
  for (size_t i = 0; i < diag->count; i++) {
    const char *m = diag->messages[i];
    NP_FUZZ_CHECK(target, np_fuzz_starts_with(m, source) || np_fuzz_starts_with(m, "--set "),
                  "every message starts with the source name");
    NP_FUZZ_CHECK(target, strstr(m, "error: ") != NULL, "every message says 'error: '");
    if (one_line) NP_FUZZ_CHECK(target, strchr(m, '\n') == NULL, "every message is one line");
  }
}

#endif
