/* The schedule view (`npusim schedule`): placement, tiling, residency, SRAM peak and the
 * command stream of one lowered inference, as text (docs/lowering.md). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/views.h"
#include "util/buf.h"
#include "util/fmt.h"

/* ---------------------------------------------------------------- text */

static void print_summary(const NpSchedule *s, const NpGraph *g, NpBuf *b) {
  char cap[NP_FMT_LEN], peak[NP_FMT_LEN], res[NP_FMT_LEN], rd[NP_FMT_LEN], wr[NP_FMT_LEN];
  np_fmt_bytes(s->sram_capacity_bytes, cap);
  np_fmt_bytes(s->sram_peak_bytes, peak);
  np_fmt_bytes(s->resident_weight_bytes, res);
  np_fmt_bytes(s->dram_read_bytes, rd);
  np_fmt_bytes(s->dram_write_bytes, wr);
  size_t kinds[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < s->n_cmds; i++) kinds[s->cmds[i].kind]++;
  np_buf_printf(b, "schedule: %s (%s) on config %s, %s, %s inference\n", g->name, g->source, s->config_name,
          np_dtype_name(s->dtype), s->warm ? "warm" : "cold");
  np_buf_printf(b, "  SRAM peak       %s of %s (%.1f%%)\n", peak, cap,
          s->sram_capacity_bytes ? 100.0 * (double)s->sram_peak_bytes / (double)s->sram_capacity_bytes : 0.0);
  np_buf_printf(b, "  resident        %s of weights\n", res);
  np_buf_printf(b, "  DRAM            %s read, %s written (%" PRId64 " + %" PRId64 " bytes)\n", rd, wr,
          s->dram_read_bytes, s->dram_write_bytes);
  np_buf_printf(b, "  fallback ops    %" PRId64 "; crossings %" PRId64 "; syncs %" PRId64 "\n", s->fallback_ops,
          s->crossings, s->syncs);
  np_buf_printf(b, "  commands        %zu (LOAD %zu, STORE %zu, COMPUTE %zu, SYNC %zu); hash 0x%016" PRIx64 "\n\n",
          s->n_cmds, kinds[0], kinds[1], kinds[2], kinds[3], s->hash);
}

/* The estimate's error against a replayed span, as "+3.1%"; "-" without one. */
static void format_error(double estimate, int64_t replayed, char *out, size_t size) {
  if (replayed <= 0)
    snprintf(out, size, "-");
  else
    snprintf(out, size, "%+.1f%%", 100.0 * (estimate - (double)replayed) / (double)replayed);
}

/* "placed by estimate: engines.vec 579 cycles < engines.npu 2755 cycles (first fit)", for a
 * layer the estimate moved off its first fit: the chosen engine, then the others in placement
 * order. */
static void print_placement(const NpSchedule *s, const NpLayerPlan *p, NpBuf *b) {
  if (p->placed_by != NP_PLACED_ESTIMATE || p->engine == p->first_fit_engine) return;
  const NpPlacementEstimate *chosen = NULL;
  for (int32_t k = 0; k < p->n_placement_estimates; k++)
    if (p->placement_estimates[k].engine == p->engine) chosen = &p->placement_estimates[k];
  if (chosen == NULL) return;
  np_buf_printf(b, "      placed by estimate: engines.%s %.0f cycles", s->engine_names[chosen->engine], chosen->cycles);
  int others = 0;
  for (int32_t k = 0; k < p->n_placement_estimates; k++) {
    const NpPlacementEstimate *e = &p->placement_estimates[k];
    if (e == chosen) continue;
    np_buf_printf(b, "%s engines.%s ", others++ ? "," : " <", s->engine_names[e->engine]);
    if (isinf(e->cycles))
      np_buf_puts(b, "(no tile fits)");
    else
      np_buf_printf(b, "%s%.0f cycles", e->floor ? "at least " : "", e->cycles);
    if (e->engine == p->first_fit_engine) np_buf_puts(b, " (first fit)");
  }
  np_buf_puts(b, "\n");
}

static void print_layers(const NpSchedule *s, const NpGraph *g, const NpStats *replayed, NpBuf *b) {
  np_buf_puts(b, "layers (tile = output rows x cols x channels / input-channel chunk; util = planned MAC-array "
        "utilization; est = the cost model's cycles, which chose the plan; replay = the replayed span)\n");
  np_buf_printf(b, "%4s  %-40s %-18s %-8s %-20s %7s %6s %10s %4s %11s %11s %11s %12s %12s %7s\n", "#", "layer", "op",
                "engine", "tile", "tiles", "util", "weights", "res", "DRAM read", "DRAM write", "SRAM peak", "est",
                "replay", "error");
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    const NpOp *op = &g->ops[p->op];
    char tile[48] = "-", w[NP_FMT_LEN] = "-", rd[NP_FMT_LEN], wr[NP_FMT_LEN], pk[NP_FMT_LEN], util[16] = "-";
    if (p->on_accelerator)
      snprintf(tile, sizeof tile, "%lldx%lldx%lld/%lld", (long long)p->tile_rows, (long long)p->tile_cols,
               (long long)p->tile_channels, (long long)p->tile_in_channels);
    if (p->weight_bytes) np_fmt_bytes(p->weight_bytes, w);
    if (p->array_utilization > 0) snprintf(util, sizeof util, "%.1f%%", 100.0 * p->array_utilization);
    np_fmt_bytes(p->dram_read_bytes, rd);
    np_fmt_bytes(p->dram_write_bytes, wr);
    np_fmt_bytes(p->sram_peak_bytes, pk);
    const char *name = op->name;
    size_t len = strlen(name);
    int64_t span = replayed && i < replayed->n_layers ? replayed->layers[i].cycles : -1;
    char actual[24] = "-", err[16];
    if (span >= 0) snprintf(actual, sizeof actual, "%lld", (long long)span);
    format_error(p->est_cycles, span, err, sizeof err);
    np_buf_printf(b, "%4zu  %-40.40s %-18s %-8s %-20s %7lld %6s %10s %4s %11s %11s %11s %12.0f %12s %7s\n", i,
            len > 40 ? name + len - 40 : name, np_op_kind_name(op->kind), s->engine_names[p->engine], tile,
            (long long)p->n_tiles, util, w, p->weight_bytes ? (p->weights_resident ? "yes" : "no") : "-", rd, wr, pk,
            p->est_cycles, actual, err);
    if (p->n_fused > 0) {
      np_buf_puts(b, "      fused:");
      for (int k = 0; k < p->n_fused; k++)
        np_buf_printf(b, " %s '%s'", np_op_kind_name(g->ops[p->fused_ops[k]].kind), g->ops[p->fused_ops[k]].name);
      np_buf_puts(b, "\n");
    }
    print_placement(s, p, b);
    if (p->pad_waste_bytes > 0) np_buf_printf(b, "      pad waste: %lld bytes of SRAM buffers\n", (long long)p->pad_waste_bytes);
  }
  np_buf_puts(b, "\n");
  if (replayed) {
    char err[16];
    format_error(s->est_cycles, replayed->cycles, err, sizeof err);
    np_buf_printf(b, "cost model: %.0f cycles estimated, %lld replayed (%s)\n\n", s->est_cycles,
                  (long long)replayed->cycles, err);
  }
}

static void print_fallbacks(const NpSchedule *s, NpBuf *b) {
  int64_t n = 0;
  for (size_t i = 0; i < s->n_layers; i++) n += !s->layers[i].on_accelerator;
  if (n == 0) {
    np_buf_puts(b, "every layer runs on the accelerator\n\n");
    return;
  }
  np_buf_printf(b, "off the accelerator (%lld layers):\n", (long long)n);
  for (size_t i = 0; i < s->n_layers; i++)
    if (!s->layers[i].on_accelerator)
      np_buf_printf(b, "  %4zu  %s\n", i, s->layers[i].fallback_reason ? s->layers[i].fallback_reason : "(no reason)");
  np_buf_puts(b, "\n");
}

static void print_residency(const NpSchedule *s, NpBuf *b) {
  int64_t res_layers = 0, res_bytes = 0, str_layers = 0, str_bytes = 0;
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    if (!p->on_accelerator || p->weight_bytes == 0) continue;
    if (p->weights_resident)
      res_layers++, res_bytes += p->weight_bytes;
    else
      str_layers++, str_bytes += p->weight_bytes;
  }
  char resident[NP_FMT_LEN], streamed[NP_FMT_LEN];
  np_fmt_bytes(res_bytes, resident);
  np_fmt_bytes(str_bytes, streamed);
  np_buf_printf(b, "residency: weights of %lld layers stay in SRAM (%s); %lld layers stream theirs from DRAM (%s)\n\n",
                (long long)res_layers, resident, (long long)str_layers, streamed);
}

/* One line per cascade: which layers, their bands, the rolling buffer's SRAM. */
static void print_cascades(const NpSchedule *s, NpBuf *b) {
  bool any = false;
  for (size_t i = 0; i + 1 < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    if (p->cascade_into != (int32_t)i + 1) continue;
    char buffer[NP_FMT_LEN];
    np_fmt_bytes(p->cascade_buffer_bytes, buffer);
    np_buf_printf(b, "cascade: %s -> %s, bands of %lld rows, intermediate kept in SRAM (%s)\n", p->name,
                  s->layers[i + 1].name, (long long)p->cascade_band_rows, buffer);
    any = true;
  }
  if (any) np_buf_puts(b, "\n");
}

static void print_command(const NpSchedule *s, const NpCommand *c, NpBuf *b) {
  np_buf_printf(b, "%6d %-7s L%-4d", c->id, np_cmd_kind_name(c->kind), c->layer);
  switch (c->kind) {
    case NP_CMD_LOAD:
    case NP_CMD_STORE:
      np_buf_printf(b, " %-10s %8lld B  dram 0x%08llx (%lld run%s)  sram 0x%06llx banks 0x%llx",
              c->data == NP_DATA_WEIGHT ? "weight" : "activation", (long long)c->bytes, (long long)c->dram_addr,
              (long long)c->dram_runs, c->dram_runs == 1 ? "" : "s", (long long)c->sram_offset,
              (unsigned long long)c->banks);
      break;
    case NP_CMD_COMPUTE:
      np_buf_printf(b, " %-8s %-14s %-5s tile %lldx%lldx%lld/%lld", s->engine_names[c->engine], np_op_class_name(c->op_class),
              np_dtype_name(c->dtype), (long long)c->tile_rows, (long long)c->tile_cols, (long long)c->tile_channels,
              (long long)c->tile_in_channels);
      if (c->macs) np_buf_printf(b, " macs %lld", (long long)c->macs);
      if (c->gemm.m) np_buf_printf(b, " gemm %lldx%lldx%lld", (long long)c->gemm.m, (long long)c->gemm.n, (long long)c->gemm.k);
      if (c->gemm.batch > 1) np_buf_printf(b, "x%lld", (long long)c->gemm.batch);
      if (c->elements) np_buf_printf(b, " elements %lld", (long long)c->elements);
      if (c->dram_read_bytes || c->dram_write_bytes)
        np_buf_printf(b, " dram r/w %lld/%lld B", (long long)c->dram_read_bytes, (long long)c->dram_write_bytes);
      break;
    case NP_CMD_SYNC:
      np_buf_printf(b, " %s -> %s", s->engine_names[c->from_engine], s->engine_names[c->to_engine]);
      break;
  }
  if (c->n_deps) {
    np_buf_puts(b, "  after");
    const int32_t *d = np_command_deps(s, c);
    for (int32_t k = 0; k < c->n_deps; k++) np_buf_printf(b, "%s%d", k ? "," : " ", d[k]);
  }
  np_buf_puts(b, "\n");
}

static void print_commands(const NpSchedule *s, long long limit, NpBuf *b) {
  size_t n = limit < 0 || (size_t)limit > s->n_cmds ? s->n_cmds : (size_t)limit;
  if (n < s->n_cmds)
    np_buf_printf(b, "commands (first %zu of %zu; --commands all lists every one):\n", n, s->n_cmds);
  else
    np_buf_printf(b, "commands (%zu):\n", s->n_cmds);
  for (size_t i = 0; i < n; i++) print_command(s, &s->cmds[i], b);
}

char *np_schedule_view_text(const NpSchedule *s, const NpGraph *g, const NpStats *replayed, long long commands) {
  NpBuf b = {0};
  print_summary(s, g, &b);
  print_layers(s, g, replayed, &b);
  print_fallbacks(s, &b);
  print_residency(s, &b);
  print_cascades(s, &b);
  print_commands(s, commands, &b);
  return np_buf_take(&b);
}
