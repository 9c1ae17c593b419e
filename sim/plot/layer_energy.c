/* Per-layer dynamic energy: each command's events priced from the config's energy table,
 * as the replay counts them for the whole run (sim/replay/energy.c, docs/timing.md). */
#include <string.h>

#include "plot/plot.h"
#include "util/mem.h"

const char *const np_energy_term_names[NP_TERM_COUNT] = {"MAC",       "vector",     "SRAM read", "SRAM write",
                                                         "DRAM read", "DRAM write", "sync"};

/* pJ per unit -> uJ; a figure the config lacks counts 0. */
static double uj(const NpEnergyFigure *figure, int64_t count) {
  return figure->given && count > 0 ? (double)count * figure->at_node * 1e-6 : 0;
}

double *np_layer_energy_uj(const NpSchedule *s, const NpArch *arch) {
  double *out = np_xcalloc((s->n_layers ? s->n_layers : 1) * NP_TERM_COUNT, sizeof *out);
  const NpEnergy *e = &arch->energy;
  for (size_t i = 0; i < s->n_cmds; i++) {
    const NpCommand *c = &s->cmds[i];
    if (c->layer < 0 || (size_t)c->layer >= s->n_layers) continue;
    double *row = out + (size_t)c->layer * NP_TERM_COUNT;
    bool known_dtype = c->dtype > NP_DTYPE_UNKNOWN && c->dtype < NP_DTYPE_COUNT;
    switch (c->kind) {
      case NP_CMD_LOAD:
        row[NP_TERM_DRAM_READ] += uj(&e->dram_read, c->bytes);
        row[NP_TERM_SRAM_WRITE] += uj(&e->sram_write, c->bytes);
        break;
      case NP_CMD_STORE:
        row[NP_TERM_SRAM_READ] += uj(&e->sram_read, c->bytes);
        row[NP_TERM_DRAM_WRITE] += uj(&e->dram_write, c->bytes);
        break;
      case NP_CMD_COMPUTE: {
        NpEnergyTable table = c->engine >= 0 && c->engine < arch->n_engines
                                  ? np_engine_energy_table(&arch->engines[c->engine])
                                  : NP_ENERGY_TABLE_ENGINE;
        if (known_dtype && c->op_class == NP_CLASS_MATRIX)
          row[NP_TERM_MAC] += uj(&np_energy_mac_figures(e, table)[c->dtype], c->macs);
        else if (known_dtype)
          row[NP_TERM_VECTOR] += uj(&np_energy_element_figures(e, table)[c->dtype], c->elements);
        row[NP_TERM_SRAM_READ] += uj(&e->sram_read, c->sram_read_bytes);
        row[NP_TERM_SRAM_WRITE] += uj(&e->sram_write, c->sram_write_bytes);
        break;
      }
      case NP_CMD_SYNC:
        row[NP_TERM_SYNC] += uj(&e->sync, 1);
        break;
    }
  }
  return out;
}
