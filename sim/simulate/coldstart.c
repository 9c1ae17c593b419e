/* A model's launch: flash read and compile before the cold inference (docs/timing.md,
 * "Cold start"). */
#include <stdio.h>
#include <string.h>

#include "simulate/simulate.h"

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

void np_sim_cold_start(const NpSimulation *sim, const NpArch *arch, NpColdStartTimes *out) {
  const NpColdStart *c = &arch->cold_start;
  memset(out, 0, sizeof *out);
  out->flash_bytes = sim->cold.model_weight_bytes;
  out->compiled_ops = compiled_ops(&sim->cold);
  /* bytes / (GB/s x 1e9) s = bytes / (GB/s x 1e6) ms */
  if (c->storage_read.given && c->storage_read.value > 0)
    out->read_ms = (double)out->flash_bytes / (c->storage_read.value * 1e6);
  double compile_us = (c->compile_per_program.given ? c->compile_per_program.value : 0) +
                      (double)out->compiled_ops * (c->compile_per_op.given ? c->compile_per_op.value : 0);
  out->compile_ms = compile_us / 1000.0;
  out->warm_ms = sim->warm_stats.ms;
  out->cached_ms = out->read_ms + sim->cold_stats.ms;
  out->uncached_ms = out->cached_ms + out->compile_ms;
  note_missing(out, &c->storage_read, "storage_read");
  note_missing(out, &c->compile_per_op, "compile_per_op");
  note_missing(out, &c->compile_per_program, "compile_per_program");
}
