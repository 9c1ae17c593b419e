/* Sweep spec parser: any bytes as a spec.yaml (model and config paths resolve against the
 * current folder; the loaders behind them are fuzzed on their own). */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "sweep/sweep.h"

NP_FUZZ_TARGET(sweep) {
  NpDiag diag;
  np_diag_init(&diag);
  NpSweepSpec spec;
  memset(&spec, 0, sizeof spec);
  bool ok = np_sweep_spec_parse((const char *)data, size, "fuzz.yaml", "", &spec, &diag);
  /* Errors from a model or config the spec names carry that file's name, not the spec's. */
  NP_FUZZ_CHECK("sweep", ok != np_diag_failed(&diag), "a result comes back exactly when there is no error");
  np_sweep_spec_free(&spec);
  np_diag_free(&diag);
  return 0;
}
