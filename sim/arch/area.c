/* The accelerator's silicon area from its sourced area figures (docs/config.md, "area"). */
#include "arch/arch.h"

/* um2 (or mm2 for the fixed part) of one unit of what the figure prices, at the part's node. */
static double at_part_node(const NpArch *arch, const NpEnergyFigure *f) {
  if (!f->given) return 0;
  if (!arch->energy.node.given) return f->value;
  return f->value * np_node_area(arch->energy.node.nm) / np_node_area(f->node_nm);
}

double np_arch_area_mm2(const NpArch *arch) {
  const NpArea *a = &arch->area;
  double pes = 0, lanes = 0;
  for (int i = 0; i < arch->n_engines; i++) {
    const NpEngine *e = &arch->engines[i];
    const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
    if (kind->fallback) continue; /* the host CPU */
    int64_t array = kind->array_pes(e);
    if (array > 0)
      pes += (double)array;
    else
      lanes += (double)e->lanes;
  }
  double kib = (double)arch->sram.capacity_bytes / 1024.0;
  double um2 = pes * at_part_node(arch, &a->mac) + lanes * at_part_node(arch, &a->vector_lane) +
               kib * at_part_node(arch, &a->sram);
  return um2 * 1e-6 + at_part_node(arch, &a->fixed);
}
