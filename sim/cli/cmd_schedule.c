/* npusim schedule MODEL [--config F] [--set k=v]... [--json] [--warm|--cold] [--dtype T]
 * [--commands N|all]: the lowered schedule: placement, tiling, residency, SRAM peak and the
 * command stream. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli/cli_config.h"
#include "util/fmt.h"
#include "cli/commands.h"
#include "graph/graph.h"
#include "lower/schedule.h"
#include "model/model.h"
#include "util/diag.h"
#include "util/mem.h"

static const char schedule_usage_head[] =
    "usage: npusim schedule MODEL [--config FILE] [--set KEY=VALUE]... [--json] [--warm|--cold]\n"
    "                             [--dtype T] [--commands N|all]\n"
    "\n"
    "Lowers a model onto the accelerator and shows the schedule one inference executes: the\n"
    "engine of every layer (and why an op left the accelerator), the ops fused into it, its\n"
    "NHWC tile and tile count, array utilization, which weights stay resident in SRAM, the\n"
    "DRAM traffic, the SRAM peak against capacity, and the LOAD / STORE / COMPUTE / SYNC\n"
    "command stream with dependencies. docs/lowering.md explains the decisions;\n"
    "docs/formats.md (\"Schedule\") the JSON.\n"
    "\n"
    "options:\n";
static const char schedule_usage_tail[] =
    "  --json             the whole schedule as JSON (schema \"" NP_SCHEDULE_JSON_SCHEMA "\"), every command\n"
    "  --cold             the first inference: resident weights are loaded too (default)\n"
    "  --warm             a later inference: resident weights are already in SRAM\n"
    "  --dtype T          compute floating-point tensors in T (one of the config's data_types);\n"
    "                     default: the config's default_dtype\n"
    "  --commands N|all   commands to list in the text form (default 40)\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim schedule models/micro/conv3x3.npg\n"
    "  npusim schedule models/resnet50.onnx --set sram.capacity_bytes=256KiB --warm\n"
    "  npusim schedule models/micro/gemm.npg --config configs/rtl-small.yaml --json > gemm.json\n"
    "\n"
    "exit status: 0 ok, 2 bad usage, a bad config or a model that cannot be loaded.\n";

typedef struct ScheduleOptions {
  const char *model;
  NpConfigOptions config;
  bool json;
  bool warm;
  const char *dtype;
  long long commands; /* -1: all */
} ScheduleOptions;

static int usage_error(const char *fmt, const char *arg) {
  fputs("npusim schedule: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nsee `npusim schedule --help`\n", stderr);
  return NP_EXIT_BAD_INPUT;
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, ScheduleOptions *o) {
  memset(o, 0, sizeof *o);
  o->commands = 40;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int taken = np_cli_config_option(&o->config, argc, argv, &i);
    if (taken < 0) return NP_EXIT_BAD_INPUT;
    if (taken > 0) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(schedule_usage_head, stdout);
      fputs(np_cli_config_help, stdout);
      fputs(schedule_usage_tail, stdout);
      return NP_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (strcmp(a, "--warm") == 0) {
      o->warm = true;
    } else if (strcmp(a, "--cold") == 0) {
      o->warm = false;
    } else if (strcmp(a, "--dtype") == 0 || strncmp(a, "--dtype=", 8) == 0) {
      if (a[7] == '=') {
        o->dtype = a + 8;
      } else if (i + 1 < argc) {
        o->dtype = argv[++i];
      } else {
        return usage_error("%s needs a data type", a);
      }
    } else if (strcmp(a, "--commands") == 0 || strncmp(a, "--commands=", 11) == 0) {
      const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL) return usage_error("%s needs a count or 'all'", a);
      if (strcmp(v, "all") == 0) {
        o->commands = -1;
      } else {
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        if (end == v || *end != '\0' || n < 0) return usage_error("--commands: '%s' is not a count or 'all'", v);
        o->commands = n;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("unknown option '%s'", a);
    } else if (o->model == NULL) {
      o->model = a;
    } else {
      return usage_error("one MODEL only; '%s' is extra", a);
    }
  }
  if (o->model == NULL) return usage_error("%s", "missing MODEL");
  return -1;
}

/* ---------------------------------------------------------------- text */

static void print_summary(const NpSchedule *s, const NpGraph *g, FILE *out) {
  char cap[NP_FMT_LEN], peak[NP_FMT_LEN], res[NP_FMT_LEN], rd[NP_FMT_LEN], wr[NP_FMT_LEN];
  np_fmt_bytes(s->sram_capacity_bytes, cap);
  np_fmt_bytes(s->sram_peak_bytes, peak);
  np_fmt_bytes(s->resident_weight_bytes, res);
  np_fmt_bytes(s->dram_read_bytes, rd);
  np_fmt_bytes(s->dram_write_bytes, wr);
  size_t kinds[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < s->n_cmds; i++) kinds[s->cmds[i].kind]++;
  fprintf(out, "schedule: %s (%s) on config %s, %s, %s inference\n", g->name, g->source, s->config_name,
          np_dtype_name(s->dtype), s->warm ? "warm" : "cold");
  fprintf(out, "  SRAM peak       %s of %s (%.1f%%)\n", peak, cap,
          s->sram_capacity_bytes ? 100.0 * (double)s->sram_peak_bytes / (double)s->sram_capacity_bytes : 0.0);
  fprintf(out, "  resident        %s of weights\n", res);
  fprintf(out, "  DRAM            %s read, %s written (%" PRId64 " + %" PRId64 " bytes)\n", rd, wr,
          s->dram_read_bytes, s->dram_write_bytes);
  fprintf(out, "  fallback ops    %" PRId64 "; crossings %" PRId64 "; syncs %" PRId64 "\n", s->fallback_ops,
          s->crossings, s->syncs);
  fprintf(out, "  commands        %zu (LOAD %zu, STORE %zu, COMPUTE %zu, SYNC %zu); hash 0x%016" PRIx64 "\n\n",
          s->n_cmds, kinds[0], kinds[1], kinds[2], kinds[3], s->hash);
}

static void print_layers(const NpSchedule *s, const NpGraph *g, FILE *out) {
  fputs("layers (tile = output rows x cols x channels / input-channel chunk; util = planned MAC-array "
        "utilization)\n",
        out);
  fprintf(out, "%4s  %-40s %-18s %-8s %-20s %7s %6s %10s %4s %11s %11s %11s\n", "#", "layer", "op", "engine", "tile",
          "tiles", "util", "weights", "res", "DRAM read", "DRAM write", "SRAM peak");
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
    fprintf(out, "%4zu  %-40.40s %-18s %-8s %-20s %7lld %6s %10s %4s %11s %11s %11s\n", i,
            len > 40 ? name + len - 40 : name, np_op_kind_name(op->kind), s->engine_names[p->engine], tile,
            (long long)p->n_tiles, util, w, p->weight_bytes ? (p->weights_resident ? "yes" : "no") : "-", rd, wr, pk);
    if (p->n_fused > 0) {
      fputs("      fused:", out);
      for (int k = 0; k < p->n_fused; k++)
        fprintf(out, " %s '%s'", np_op_kind_name(g->ops[p->fused_ops[k]].kind), g->ops[p->fused_ops[k]].name);
      fputc('\n', out);
    }
    if (p->pad_waste_bytes > 0) fprintf(out, "      pad waste: %lld bytes of SRAM buffers\n", (long long)p->pad_waste_bytes);
  }
  fputc('\n', out);
}

static void print_fallbacks(const NpSchedule *s, FILE *out) {
  int64_t n = 0;
  for (size_t i = 0; i < s->n_layers; i++) n += !s->layers[i].on_accelerator;
  if (n == 0) {
    fputs("every layer runs on the accelerator\n\n", out);
    return;
  }
  fprintf(out, "off the accelerator (%lld layers):\n", (long long)n);
  for (size_t i = 0; i < s->n_layers; i++)
    if (!s->layers[i].on_accelerator)
      fprintf(out, "  %4zu  %s\n", i, s->layers[i].fallback_reason ? s->layers[i].fallback_reason : "(no reason)");
  fputc('\n', out);
}

static void print_residency(const NpSchedule *s, FILE *out) {
  int64_t res_layers = 0, res_bytes = 0, str_layers = 0, str_bytes = 0;
  for (size_t i = 0; i < s->n_layers; i++) {
    const NpLayerPlan *p = &s->layers[i];
    if (!p->on_accelerator || p->weight_bytes == 0) continue;
    if (p->weights_resident)
      res_layers++, res_bytes += p->weight_bytes;
    else
      str_layers++, str_bytes += p->weight_bytes;
  }
  char a[32], b[32];
  np_fmt_bytes(res_bytes, a);
  np_fmt_bytes(str_bytes, b);
  fprintf(out, "residency: weights of %lld layers stay in SRAM (%s); %lld layers stream theirs from DRAM (%s)\n\n",
          (long long)res_layers, a, (long long)str_layers, b);
}

static void print_command(const NpSchedule *s, const NpCommand *c, FILE *out) {
  fprintf(out, "%6d %-7s L%-4d", c->id, np_cmd_kind_name(c->kind), c->layer);
  switch (c->kind) {
    case NP_CMD_LOAD:
    case NP_CMD_STORE:
      fprintf(out, " %-10s %8lld B  dram 0x%08llx (%lld run%s)  sram 0x%06llx banks 0x%llx",
              c->data == NP_DATA_WEIGHT ? "weight" : "activation", (long long)c->bytes, (long long)c->dram_addr,
              (long long)c->dram_runs, c->dram_runs == 1 ? "" : "s", (long long)c->sram_offset,
              (unsigned long long)c->banks);
      break;
    case NP_CMD_COMPUTE:
      fprintf(out, " %-8s %-14s %-5s tile %lldx%lldx%lld/%lld", s->engine_names[c->engine], np_op_class_name(c->op_class),
              np_dtype_name(c->dtype), (long long)c->tile_rows, (long long)c->tile_cols, (long long)c->tile_channels,
              (long long)c->tile_in_channels);
      if (c->macs) fprintf(out, " macs %lld", (long long)c->macs);
      if (c->gemm.m) fprintf(out, " gemm %lldx%lldx%lld", (long long)c->gemm.m, (long long)c->gemm.n, (long long)c->gemm.k);
      if (c->gemm.batch > 1) fprintf(out, "x%lld", (long long)c->gemm.batch);
      if (c->elements) fprintf(out, " elements %lld", (long long)c->elements);
      if (c->dram_read_bytes || c->dram_write_bytes)
        fprintf(out, " dram r/w %lld/%lld B", (long long)c->dram_read_bytes, (long long)c->dram_write_bytes);
      break;
    case NP_CMD_SYNC:
      fprintf(out, " %s -> %s", s->engine_names[c->from_engine], s->engine_names[c->to_engine]);
      break;
  }
  if (c->n_deps) {
    fputs("  after", out);
    const int32_t *d = np_command_deps(s, c);
    for (int32_t k = 0; k < c->n_deps; k++) fprintf(out, "%s%d", k ? "," : " ", d[k]);
  }
  fputc('\n', out);
}

static void print_commands(const NpSchedule *s, long long limit, FILE *out) {
  size_t n = limit < 0 || (size_t)limit > s->n_cmds ? s->n_cmds : (size_t)limit;
  if (n < s->n_cmds)
    fprintf(out, "commands (first %zu of %zu; --commands all lists every one):\n", n, s->n_cmds);
  else
    fprintf(out, "commands (%zu):\n", s->n_cmds);
  for (size_t i = 0; i < n; i++) print_command(s, &s->cmds[i], out);
}

int cmd_schedule(int argc, char **argv) {
  ScheduleOptions o;
  int rc = parse_options(argc, argv, &o);
  if (rc >= 0) {
    np_cli_config_options_free(&o.config);
    return rc;
  }
  NpArch arch;
  rc = np_cli_load_config(&o.config, &arch);
  np_cli_config_options_free(&o.config);
  if (rc != 0) return rc;
  NpLowerOptions lo = {o.warm, NP_DTYPE_UNKNOWN};
  if (o.dtype) {
    lo.dtype = np_dtype_from_name(o.dtype);
    if (lo.dtype == NP_DTYPE_UNKNOWN || arch.dtype_bytes[lo.dtype] == 0) {
      fprintf(stderr, "npusim schedule: --dtype %s: not one of the config's data_types (", o.dtype);
      for (int i = 0; i < arch.n_data_types; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", np_dtype_name(arch.data_types[i]));
      fputs(")\n", stderr);
      return NP_EXIT_BAD_INPUT;
    }
  }
  NpDiag diag;
  np_diag_init(&diag);
  NpGraph *g = np_model_load(o.model, &diag);
  if (g == NULL) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    return NP_EXIT_BAD_INPUT;
  }
  NpSchedule s;
  if (!np_lower(g, &arch, &lo, &s, &diag)) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    np_graph_free(g);
    return NP_EXIT_BAD_INPUT;
  }
  if (o.json) {
    char *text = np_schedule_to_json(&s, g);
    fputs(text, stdout);
    np_cli_stdout_ok();
    free(text);
  } else {
    print_summary(&s, g, stdout);
    print_layers(&s, g, stdout);
    print_fallbacks(&s, stdout);
    print_residency(&s, stdout);
    print_commands(&s, o.commands, stdout);
    np_cli_stdout_ok();
  }
  np_schedule_free(&s);
  np_graph_free(g);
  np_diag_free(&diag);
  return NP_EXIT_OK;
}
