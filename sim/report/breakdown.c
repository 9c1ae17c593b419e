/* Per-layer breakdowns of one inference: what the layer statistics leave to be worked out. */
#include <stdlib.h>

#include "report/report.h"
#include "util/mem.h"

const char *const np_layer_energy_keys[NP_TERM_COUNT] = {"mac_uj",        "vector_uj",    "sram_read_uj", "sram_write_uj",
                                                          "dram_read_uj", "dram_write_uj", "sync_uj"};

/* Average bandwidth in GB/s of bytes moved over cycles at clock_mhz (0 for no time). */
static double gb_per_s(int64_t bytes, int64_t cycles, double clock_mhz) {
  return cycles > 0 ? (double)bytes * clock_mhz / (double)cycles / 1e3 : 0;
}

/* DRAM bytes by what they carry, from the commands: LOADs of weights, LOADs of activations
 * and the DRAM traffic of a COMPUTE on an engine that cannot read the SRAM, STOREs. */
static void split_bytes(const NpSchedule *s, NpLayerBreakdown *out) {
  for (size_t i = 0; i < s->n_cmds; i++) {
    const NpCommand *c = &s->cmds[i];
    if (c->layer < 0 || (size_t)c->layer >= s->n_layers) continue;
    NpLayerBreakdown *b = &out[c->layer];
    if (c->kind == NP_CMD_LOAD && c->data == NP_DATA_WEIGHT) b->weight_dram_read_bytes += c->bytes;
    if (c->kind == NP_CMD_LOAD && c->data == NP_DATA_ACTIVATION) b->activation_dram_read_bytes += c->bytes;
    if (c->kind == NP_CMD_STORE) b->activation_dram_write_bytes += c->bytes;
    if (c->kind == NP_CMD_COMPUTE) {
      b->activation_dram_read_bytes += c->dram_read_bytes;
      b->activation_dram_write_bytes += c->dram_write_bytes;
    }
  }
}

NpLayerBreakdown *np_layer_breakdowns(const NpSchedule *s, const NpStats *stats, const NpArch *arch) {
  NpLayerBreakdown *out = np_xcalloc(s->n_layers ? s->n_layers : 1, sizeof *out);
  double *uj = np_layer_energy_uj(s, arch);
  split_bytes(s, out);
  for (size_t i = 0; i < s->n_layers && i < stats->n_layers; i++) {
    const NpLayerStats *l = &stats->layers[i];
    NpLayerBreakdown *b = &out[i];
    for (int t = 0; t < NP_TERM_COUNT; t++) {
      b->energy_uj[t] = uj[i * NP_TERM_COUNT + (size_t)t];
      b->dynamic_uj += b->energy_uj[t];
    }
    b->time_share = stats->cycles > 0 ? (double)l->cycles / (double)stats->cycles : 0;
    b->dram_gb_per_s = gb_per_s(l->dram_read_bytes + l->dram_write_bytes, l->cycles, arch->clock_mhz);
    b->sram_gb_per_s = gb_per_s(l->sram_read_bytes + l->sram_write_bytes, l->cycles, arch->clock_mhz);
  }
  free(uj);
  return out;
}
