/* Energy (docs/timing.md, "Energy"): per-event counts times the config's table, plus static
 * power over the elapsed time. pJ -> uJ is x 1e-6; mW over `cycles` at clock_mhz is
 * mW x cycles / (clock_mhz x 1e3) uJ. */
#include <stdio.h>
#include <string.h>

#include "replay/replay_internal.h"

static void note_missing(NpEnergyBreakdown *out, const char *name) {
  size_t len = strlen(out->missing);
  snprintf(out->missing + len, sizeof out->missing - len, "%s%s", len ? ", " : "", name);
}

static double priced(const NpEnergyFigure *figure, int64_t count, const char *name, NpEnergyBreakdown *out) {
  if (count <= 0) return 0;
  if (!figure->given) {
    note_missing(out, name);
    return 0;
  }
  return (double)count * figure->at_node * 1e-6;
}

void energy_breakdown(const NpArch *arch, const EnergyCounts *c, int64_t cycles, NpEnergyBreakdown *out) {
  const NpEnergy *e = &arch->energy;
  memset(out, 0, sizeof *out);
  int64_t macs = 0;
  char name[64];
  for (int t = 0; t < NP_ENERGY_TABLE_COUNT; t++) {
    NpEnergyTable table = (NpEnergyTable)t;
    const NpEnergyFigure *mac = np_energy_mac_figures(e, table), *element = np_energy_element_figures(e, table);
    for (int d = 1; d < NP_DTYPE_COUNT; d++) {
      snprintf(name, sizeof name, "%s.%s", np_energy_mac_key(table), np_dtype_name((NpDtype)d));
      out->mac_uj += priced(&mac[d], c->macs[t][d], name, out);
      snprintf(name, sizeof name, "%s.%s", np_energy_element_key(table), np_dtype_name((NpDtype)d));
      out->vector_uj += priced(&element[d], c->elements[t][d], name, out);
      macs += c->macs[t][d];
    }
  }
  out->sram_read_uj = priced(&e->sram_read, c->sram_read_bytes, "sram_read", out);
  out->sram_write_uj = priced(&e->sram_write, c->sram_write_bytes, "sram_write", out);
  out->dram_read_uj = priced(&e->dram_read, c->dram_read_bytes, "dram_read", out);
  out->dram_write_uj = priced(&e->dram_write, c->dram_write_bytes, "dram_write", out);
  out->sync_uj = priced(&e->sync, c->syncs, "sync", out);
  double static_mw = e->sram_static.given ? e->sram_static.value : 0;
  for (int i = 0; i < arch->n_engines; i++)
    if (e->engine_static[i].given) static_mw += e->engine_static[i].value;
  if (arch->clock_mhz > 0) out->static_uj = static_mw * (double)cycles / (arch->clock_mhz * 1e3);
  out->dynamic_uj = out->mac_uj + out->vector_uj + out->sram_read_uj + out->sram_write_uj + out->dram_read_uj +
                    out->dram_write_uj + out->sync_uj;
  out->total_uj = out->dynamic_uj + out->static_uj;
  if (macs > 0) out->fj_per_mac = out->total_uj * 1e9 / (double)macs;
  if (cycles > 0 && arch->clock_mhz > 0) out->avg_power_mw = out->total_uj * arch->clock_mhz * 1e3 / (double)cycles;
}

double np_battery_share_per_day(double energy_uj, double per_day, double battery_wh) {
  if (!(battery_wh > 0)) return 0;
  return energy_uj * 1e-6 * per_day / (battery_wh * 3600.0);
}
