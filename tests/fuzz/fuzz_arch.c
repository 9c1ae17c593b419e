/* Accelerator config loader: a YAML config plus `--set` overrides.
 *
 * Input layout: the YAML text, then optionally a NUL byte and NUL-separated "key.path=value"
 * overrides (at most MAX_SETS). An empty YAML part loads the embedded default config, so
 * overrides are also fuzzed on top of a complete config. A config that loads must write back
 * as YAML that loads to the same NpArch (the round trip arch.h promises). */
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "util/mem.h"

#define MAX_SETS 8

/* Splits the bytes after the first NUL into NUL-terminated override strings (copied). */
static size_t split_sets(const uint8_t *data, size_t size, size_t text_len, char *sets[MAX_SETS]) {
  size_t n = 0;
  size_t pos = text_len + 1;
  while (pos < size && n < MAX_SETS) {
    const uint8_t *end = memchr(data + pos, '\0', size - pos);
    size_t len = end ? (size_t)(end - (data + pos)) : size - pos;
    sets[n] = np_xmalloc(len + 1);
    memcpy(sets[n], data + pos, len);
    sets[n][len] = '\0';
    n++;
    pos += len + 1;
  }
  return n;
}

static void check_round_trip(const NpArch *arch) {
  char *yaml = np_arch_to_yaml(arch);
  NpArch *again = np_xmalloc(sizeof *again);
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_arch_load_text(yaml, strlen(yaml), "round-trip.yaml", NULL, 0, again, &diag);
  NP_FUZZ_CHECK("arch", ok, "the YAML written for a loaded config loads back");
  NP_FUZZ_CHECK("arch", !ok || np_arch_same(arch, again), "the YAML written for a loaded config loads to the same NpArch");
  np_diag_free(&diag);
  free(again);
  free(yaml);
}

NP_FUZZ_TARGET(arch) {
  const uint8_t *nul = size ? memchr(data, '\0', size) : NULL;
  size_t text_len = nul ? (size_t)(nul - data) : size;
  char *sets[MAX_SETS];
  size_t n_sets = nul ? split_sets(data, size, text_len, sets) : 0;

  NpArch *arch = np_xmalloc(sizeof *arch); /* large: keep it off the stack */
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = text_len == 0 ? np_arch_load_default((const char *const *)sets, n_sets, arch, &diag)
                          : np_arch_load_text((const char *)data, text_len, "fuzz.yaml", (const char *const *)sets, n_sets,
                                              arch, &diag);
  np_fuzz_check_diag("arch", ok, &diag, text_len == 0 ? NP_ARCH_DEFAULT_SOURCE : "fuzz.yaml", false);
  if (ok) check_round_trip(arch);

  np_diag_free(&diag);
  free(arch);
  for (size_t i = 0; i < n_sets; i++) free(sets[i]);
  return 0;
}
