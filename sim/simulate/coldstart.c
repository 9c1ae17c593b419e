/* A model's launch: flash read and compile before the cold inference (docs/timing.md,
 * "Cold start"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/simulate.h"
#include "util/mem.h"

static void note_missing(NpColdStartTimes *out, const NpEnergyFigure *f, const char *key) {
  if (f->given) return;
  size_t n = strlen(out->missing);
  snprintf(out->missing + n, sizeof out->missing - n, "%scold_start.%s", n ? ", " : "", key);
}

static int64_t compiled_ops(const NpSchedule *s) {
  int64_t ops = 0;
  for (size_t i = 0; i < s->n_layers; i++) ops += 1 + s->layers[i].n_fused;
  return ops;
}

static int by_value(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

/* Distinct kernels among the layers on engines whose kind compiles kernels. */
static int64_t compiled_kernels(const NpSchedule *s, const NpArch *arch) {
  uint64_t *kernels = np_xmalloc((s->n_layers + 1) * sizeof *kernels);
  size_t n = 0;
  for (size_t i = 0; i < s->n_layers; i++) {
    int e = s->layers[i].engine;
    if (e >= 0 && e < arch->n_engines && np_engine_kind_ops(arch->engines[e].kind)->compiles_kernels)
      kernels[n++] = s->layers[i].kernel;
  }
  qsort(kernels, n, sizeof *kernels, by_value);
  int64_t distinct = 0;
  for (size_t i = 0; i < n; i++) distinct += i == 0 || kernels[i] != kernels[i - 1];
  free(kernels);
  return distinct;
}

static double figure_or_zero(const NpEnergyFigure *f) { return f->given ? f->value : 0; }

void np_sim_cold_start(const NpSimulation *sim, const NpArch *arch, NpColdStartTimes *out) {
  const NpColdStart *c = &arch->cold_start;
  memset(out, 0, sizeof *out);
  out->flash_bytes = sim->cold.model_weight_bytes;
  out->compiled_ops = compiled_ops(&sim->cold);
  out->compiled_kernels = compiled_kernels(&sim->cold, arch);
  /* bytes / (GB/s x 1e9) s = bytes / (GB/s x 1e6) ms */
  if (c->storage_read.given && c->storage_read.value > 0)
    out->read_ms = (double)out->flash_bytes / (c->storage_read.value * 1e6);
  double compile_us = figure_or_zero(&c->compile_per_program) +
                      (double)out->compiled_ops * figure_or_zero(&c->compile_per_op) +
                      (double)out->compiled_kernels * figure_or_zero(&c->compile_per_kernel);
  out->compile_ms = compile_us / 1000.0;
  out->warm_ms = sim->warm_stats.ms;
  out->cached_ms = out->read_ms + sim->cold_stats.ms;
  out->uncached_ms = out->cached_ms + out->compile_ms;
  note_missing(out, &c->storage_read, "storage_read");
  note_missing(out, &c->compile_per_op, "compile_per_op");
  note_missing(out, &c->compile_per_program, "compile_per_program");
  if (out->compiled_kernels > 0) note_missing(out, &c->compile_per_kernel, "compile_per_kernel");
}
