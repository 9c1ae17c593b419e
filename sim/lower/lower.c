/* np_lower: placement, residency, tiling and emission in order; the DRAM layout; the
 * schedule's summary figures and hash. */
#include <stdlib.h>
#include <string.h>

#include "lower/lower_internal.h"
#include "util/mem.h"

const char *np_cmd_kind_name(NpCmdKind kind) {
  switch (kind) {
    case NP_CMD_LOAD: return "LOAD";
    case NP_CMD_STORE: return "STORE";
    case NP_CMD_COMPUTE: return "COMPUTE";
    case NP_CMD_SYNC: return "SYNC";
  }
  return "UNKNOWN";
}

const char *np_placed_by_name(NpPlacedBy by) {
  static const char *const names[NP_PLACED_BY_COUNT] = {
      [NP_PLACED_ONLY] = "only", [NP_PLACED_ESTIMATE] = "estimate", [NP_PLACED_FIRST_FIT] = "first_fit",
      [NP_PLACED_FALLBACK] = "fallback"};
  return by >= 0 && by < NP_PLACED_BY_COUNT ? names[by] : "unknown";
}

uint64_t np_schedule_fnv1a(const void *data, size_t len, uint64_t seed) {
  const unsigned char *p = data;
  uint64_t h = seed;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

static uint64_t hash_i64(uint64_t h, int64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
  return np_schedule_fnv1a(b, sizeof b, h);
}

/* What makes a kernel: the op's kind, attributes (not names or tensor ids) and tensor shapes. */
static uint64_t hash_op_kernel(uint64_t h, const NpGraph *g, const NpOp *op) {
  const NpAttrs *a = &op->attrs;
  const int64_t attrs[] = {op->kind, a->kernel[0], a->kernel[1], a->stride[0], a->stride[1], a->dilation[0],
                           a->dilation[1], a->pad[0], a->pad[1], a->pad[2], a->pad[3], a->output_padding[0],
                           a->output_padding[1], a->group, a->ceil_mode, a->count_include_pad, a->axis,
                           a->keepdims, a->trans_a, a->trans_b, a->to, a->n_ints};
  for (size_t f = 0; f < sizeof attrs / sizeof attrs[0]; f++) h = hash_i64(h, attrs[f]);
  for (int i = 0; i < a->n_ints; i++) h = hash_i64(h, a->ints[i]);
  size_t mode_len = 0;
  while (mode_len < sizeof a->mode && a->mode[mode_len]) mode_len++;
  h = np_schedule_fnv1a(a->mode, mode_len, h);
  int32_t floats[] = {0, 0, 0, 0};
  memcpy(&floats[0], &a->alpha, 4), memcpy(&floats[1], &a->beta, 4);
  memcpy(&floats[2], &a->clip_min, 4), memcpy(&floats[3], &a->clip_max, 4);
  for (int i = 0; i < 4; i++) h = hash_i64(h, floats[i]);
  const int *lists[2] = {op->inputs, op->outputs};
  const int counts[2] = {op->n_inputs, op->n_outputs};
  for (int l = 0; l < 2; l++)
    for (int k = 0; k < counts[l]; k++) {
      const NpTensor *t = lists[l][k] >= 0 ? &g->tensors[lists[l][k]] : NULL;
      h = hash_i64(h, t ? t->rank : -1);
      for (int d = 0; t && d < t->rank; d++) h = hash_i64(h, t->dims[d]);
    }
  return h;
}

/* The identity of a layer's kernel (NpLayerPlan.kernel): its ops and its compute type. */
static uint64_t layer_kernel(const Lower *L, const LLayer *ly) {
  uint64_t h = hash_i64(NP_FNV1A_SEED, ly->dtype);
  h = hash_op_kernel(h, L->graph, &L->graph->ops[ly->op]);
  for (int k = 0; k < ly->n_fused; k++) h = hash_op_kernel(h, L->graph, &L->graph->ops[ly->fused[k]]);
  return h;
}

/* Over the fields that define the stream (not over struct bytes: padding is not data). */
static uint64_t hash_commands(const NpSchedule *s) {
  uint64_t h = NP_FNV1A_SEED;
  h = hash_i64(h, s->warm);
  h = hash_i64(h, s->dtype);
  for (size_t i = 0; i < s->n_cmds; i++) {
    const NpCommand *c = &s->cmds[i];
    const int64_t fields[] = {c->id, c->kind, c->layer, c->n_deps, c->data, c->bytes, c->dram_addr, c->dram_runs,
                              c->sram_offset, (int64_t)c->banks, c->engine, c->op_class, c->dtype, c->tile_rows,
                              c->tile_cols, c->tile_channels, c->tile_in_channels, c->gemm.m, c->gemm.n, c->gemm.k,
                              c->gemm.batch, c->macs, c->elements, c->sram_read_bytes, c->sram_write_bytes,
                              (int64_t)c->banks_read, (int64_t)c->banks_written, c->dram_read_bytes,
                              c->dram_write_bytes, c->from_engine, c->to_engine, c->prefetch};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) h = hash_i64(h, fields[f]);
    for (int32_t d = 0; d < c->n_deps; d++) h = hash_i64(h, s->deps[c->first_dep + d]);
  }
  return h;
}

/* The width the layer's main weight is stored at when compressed, else 0. */
static int layer_weight_bits(const Lower *L, const LLayer *ly) {
  if (ly->n_weights == 0 || ly->geo.w_pair_bits == 0) return 0;
  int w = ly->weights[0];
  int element_bits = 8 * np_dtype_bytes(lower_effective_dtype(L, L->graph->tensors[w].dtype));
  int bits = lower_tensor_bits(L, w);
  return bits < element_bits ? bits : 0;
}

/* DRAM: the weights region from address 0 (each weight tensor once, in first-use order),
 * then the activations region (each value that needs DRAM: graph inputs first, then in
 * production order). Every block starts on a DRAM burst boundary. */
static void layout_dram(Lower *L) {
  int64_t burst = L->arch->dram.burst_bytes > 0 ? L->arch->dram.burst_bytes : 1;
  int64_t addr = 0;
  L->weight_dram = np_xmalloc((L->graph->n_tensors + 1) * sizeof *L->weight_dram);
  for (size_t t = 0; t < L->graph->n_tensors; t++) L->weight_dram[t] = -1;
  for (size_t i = 0; i < L->n_layers; i++) {
    const LLayer *ly = &L->layers[i];
    for (int k = 0; k < ly->n_weights; k++) {
      int t = ly->weights[k];
      if (L->weight_dram[t] >= 0) continue;
      L->weight_dram[t] = addr;
      L->model_weight_bytes += lower_tensor_bytes(L, t);
      addr += np_ceil_div_i64(lower_tensor_bytes(L, t), burst) * burst;
    }
  }
  for (size_t v = 0; v < L->n_values; v++) {
    LValue *x = &L->values[v];
    if (!x->needs_dram) continue;
    x->dram_addr = addr;
    addr += np_ceil_div_i64(x->bytes, burst) * burst;
  }
}

static void fill_plans(Lower *L, NpSchedule *s) {
  s->n_layers = L->n_layers;
  s->layers = np_xcalloc(L->n_layers + 1, sizeof *s->layers);
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    NpLayerPlan *p = &s->layers[i];
    p->op = ly->op;
    p->name = np_xstrdup(L->graph->ops[ly->op].name);
    p->engine = ly->engine;
    p->on_accelerator = !np_engine_off_accelerator(&L->arch->engines[ly->engine]);
    p->fallback_reason = ly->reason ? np_xstrdup(ly->reason) : NULL;
    if (ly->kernel == 0) ly->kernel = layer_kernel(L, ly); /* a hash of 0 is only worked out again */
    p->kernel = ly->kernel;
    p->n_fused = ly->n_fused;
    p->fused_ops = np_xmalloc((size_t)(ly->n_fused + 1) * sizeof *p->fused_ops);
    for (int k = 0; k < ly->n_fused; k++) p->fused_ops[k] = ly->fused[k];
    p->op_class = ly->cls;
    p->weight_bytes = ly->weight_bytes;
    p->weight_bits = layer_weight_bits(L, ly);
    p->weights_resident = ly->resident;
    p->weights_packed = ly->geo.w_packed;
    p->sram_base = ly->act_base;
    p->placed_by = p->on_accelerator ? ly->placed_by : NP_PLACED_FALLBACK;
    p->first_fit_engine = ly->first_fit;
    if (ly->n_estimates > 0) {
      p->n_placement_estimates = ly->n_estimates;
      p->placement_estimates = np_xmalloc((size_t)ly->n_estimates * sizeof *p->placement_estimates);
      memcpy(p->placement_estimates, ly->estimates, (size_t)ly->n_estimates * sizeof *p->placement_estimates);
    }
    p->cascade_into = -1;
    if (ly->cascade_head) {
      const LValue *x = &L->values[ly->out_value];
      const LLayer *tail = &L->layers[i + 1];
      p->cascade_into = (int32_t)(i + 1);
      p->cascade_band_rows = tail->plan.th;
      p->cascade_buffer_bytes = ly->act_base - x->sram_offset;
    }
    if (ly->sram_engine) {
      p->tile_rows = ly->plan.th;
      p->tile_cols = ly->plan.tw;
      p->tile_channels = ly->plan.tc;
      p->tile_in_channels = (ly->geo.family == FAMILY_WINDOW && ly->geo.groups <= 1) ? ly->plan.tk : ly->plan.tc;
      if (ly->geo.family == FAMILY_WINDOW && ly->geo.groups > 1)
        p->tile_in_channels = ly->plan.tc / (ly->geo.out_c / ly->geo.groups) * (ly->geo.in_c / ly->geo.groups);
      p->n_tiles = ly->plan.n_tiles;
      p->array_utilization = ly->plan.utilization;
      p->pad_waste_bytes = ly->plan.pad_waste;
      p->loop_order = ly->plan.order;
      p->staging_bytes = ly->plan.staging;
      p->planned_dram_bytes = ly->plan.dram_bytes;
      p->sram_peak_bytes = ly->prefetch ? ly->w_base + lower_weight_buffer_bytes(L, ly) : ly->act_base + ly->plan.staging;
      if (ly->cascade_head) /* the tail's buffers sit above the head's, in use at once */
        p->sram_peak_bytes = L->layers[i + 1].act_base + L->layers[i + 1].plan.staging;
    } else {
      p->n_tiles = 1;
      p->sram_peak_bytes = ly->act_base;
    }
    if (p->sram_peak_bytes > s->sram_peak_bytes) s->sram_peak_bytes = p->sram_peak_bytes;
    if (!p->on_accelerator) s->fallback_ops += 1 + ly->n_fused;
  }
}

static void free_lower(Lower *L) {
  for (size_t i = 0; i < L->n_layers; i++) {
    LLayer *ly = &L->layers[i];
    free(ly->reason);
    free(ly->fused);
    free(ly->weights);
    free(ly->other_outputs);
    free(ly->estimates);
  }
  lower_tile_spaces_free(L);
  free(L->layers);
  free(L->values);
  free(L->root);
  free(L->value_of);
  free(L->op_layer);
  free(L->weight_dram);
  free(L->weight_sram);
  free(L->weight_bits);
}

static bool check_inputs(const NpGraph *graph, const NpArch *arch, NpDtype dtype, NpDiag *diag) {
  if (!graph->finalized) {
    np_diag_add(diag, "%s: error: the graph is not finalized (np_graph_finalize)", graph->source);
    return false;
  }
  if (arch->n_engines < 1 || arch->fallback_engine < 0 || arch->fallback_engine >= arch->n_engines) {
    np_diag_add(diag, "%s: error: the config has no CPU fallback engine", arch->origin);
    return false;
  }
  if (arch->sram.banks > NP_SCHEDULE_MAX_BANKS) {
    np_diag_add(diag, "%s: error: sram.banks %lld exceeds the %d banks a schedule can name", arch->origin,
                (long long)arch->sram.banks, NP_SCHEDULE_MAX_BANKS);
    return false;
  }
  if (arch->sram.bank_width_bytes < 1 || arch->sram.capacity_bytes < 1) {
    np_diag_add(diag, "%s: error: the SRAM has no capacity", arch->origin);
    return false;
  }
  if (dtype == NP_DTYPE_UNKNOWN || np_dtype_bytes(dtype) == 0) {
    np_diag_add(diag, "%s: error: no compute data type (the config's default_dtype is missing)", arch->origin);
    return false;
  }
  if (arch->dtype_bytes[dtype] == 0) {
    np_diag_add(diag, "%s: error: data type %s is not in the config's data_types", arch->origin, np_dtype_name(dtype));
    return false;
  }
  return true;
}

/* The tiling's planned command count, checked before any command is built. Layers off the
 * accelerator emit a handful of commands each (a COMPUTE, crossings, syncs). */
static bool check_command_budget(const Lower *L) {
  int64_t total = 0;
  for (size_t i = 0; i < L->n_layers && total <= NP_SCHEDULE_MAX_COMMANDS; i++) {
    const LLayer *ly = &L->layers[i];
    int64_t layer = ly->sram_engine ? ly->plan.commands : 8;
    if (layer < 0 || !np_add_i64(total, layer, &total)) total = INT64_MAX;
    if (total > NP_SCHEDULE_MAX_COMMANDS) {
      np_diag_add(L->diag,
                  "%s: error: layer '%s' would take the schedule past %lld commands (it alone needs %lld tiles "
                  "and transfers); the model is too large for this SRAM: shrink the model or raise "
                  "sram.capacity_bytes",
                  L->graph->source, L->graph->ops[ly->op].name, (long long)NP_SCHEDULE_MAX_COMMANDS,
                  (long long)layer);
      return false;
    }
  }
  return true;
}

/* Placement, residency, tiling and the DRAM layout: everything but the command stream,
 * which is all a cold and a warm schedule differ in. */
static bool plan(Lower *L, const NpGraph *graph, const NpArch *arch, const NpLowerOptions *options, NpDiag *diag) {
  NpDtype dtype = options && options->dtype != NP_DTYPE_UNKNOWN ? options->dtype : arch->default_dtype;
  if (!check_inputs(graph, arch, dtype, diag)) return false;
  int weight_bits = options ? options->weight_bits : 0;
  if (weight_bits != 0 && !np_weight_bits_valid(weight_bits)) {
    np_diag_add(diag, "%s: error: weight bits %d: expected %s", graph->source, weight_bits, NP_WEIGHT_BITS_LIST);
    return false;
  }
  memset(L, 0, sizeof *L);
  L->graph = graph;
  L->arch = arch;
  lower_rates(arch, &L->rates);
  L->dtype = dtype;
  L->diag = diag;
  L->align = arch->sram.alignment_bytes > arch->sram.bank_width_bytes ? arch->sram.alignment_bytes
                                                                       : arch->sram.bank_width_bytes;
  if (L->align < 1) L->align = 1;
  lower_tile_spaces_open(L, options ? options->cache : NULL);
  L->config_hash = np_schedule_config_hash(arch);
  lower_weight_widths(L, weight_bits);
  lower_place(L);
  lower_plan_memory(L);
  if (!check_command_budget(L)) {
    free_lower(L);
    return false;
  }
  layout_dram(L);
  return true;
}

/* The command stream of the planned L, cold or warm, and what the schedule says of it. */
static void emit(Lower *L, int weight_bits, bool warm, NpSchedule *out) {
  const NpArch *arch = L->arch;
  memset(out, 0, sizeof *out);
  L->warm = warm;
  L->crossings = 0; /* counted by the emission */
  out->weight_bits = weight_bits;
  out->warm = warm;
  out->dtype = L->dtype;
  out->sram_capacity_bytes = arch->sram.capacity_bytes;
  memcpy(out->config_name, arch->name, sizeof out->config_name);
  out->n_engines = arch->n_engines;
  for (int i = 0; i < arch->n_engines; i++) memcpy(out->engine_names[i], arch->engines[i].name, NP_ARCH_NAME_MAX);
  out->config_hash = L->config_hash;
  fill_plans(L, out);
  lower_emit(L, out);
  lower_estimate_schedule(L, out);
  out->resident_weight_bytes = L->resident_bytes;
  out->model_weight_bytes = L->model_weight_bytes;
  if (L->resident_bytes > out->sram_peak_bytes) out->sram_peak_bytes = L->resident_bytes;
  out->crossings = L->crossings;
  out->hash = hash_commands(out);
}

bool np_lower(const NpGraph *graph, const NpArch *arch, const NpLowerOptions *options, NpSchedule *out,
              NpDiag *diag) {
  memset(out, 0, sizeof *out);
  Lower L;
  if (!plan(&L, graph, arch, options, diag)) return false;
  emit(&L, options ? options->weight_bits : 0, options && options->warm, out);
  free_lower(&L);
  return true;
}

bool np_lower_pair(const NpGraph *graph, const NpArch *arch, const NpLowerOptions *options, NpSchedule *cold,
                   NpSchedule *warm, NpDiag *diag) {
  memset(cold, 0, sizeof *cold);
  memset(warm, 0, sizeof *warm);
  Lower L;
  if (!plan(&L, graph, arch, options, diag)) return false;
  int weight_bits = options ? options->weight_bits : 0;
  /* emission records in each value the commands that make it ready: the warm stream starts
   * from the values as planned, as its own np_lower would */
  LValue *planned = np_xmalloc((L.n_values + 1) * sizeof *planned);
  memcpy(planned, L.values, L.n_values * sizeof *planned);
  emit(&L, weight_bits, false, cold);
  memcpy(L.values, planned, L.n_values * sizeof *planned);
  free(planned);
  emit(&L, weight_bits, true, warm);
  free_lower(&L);
  return true;
}

void np_schedule_free(NpSchedule *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->n_layers; i++) {
    free(s->layers[i].fallback_reason);
    free(s->layers[i].fused_ops);
    free(s->layers[i].name);
    free(s->layers[i].placement_estimates);
  }
  free(s->layers);
  free(s->cmds);
  free(s->deps);
  memset(s, 0, sizeof *s);
}

uint64_t np_schedule_config_hash(const NpArch *arch) {
  char *yaml = np_arch_to_yaml(arch);
  uint64_t hash = np_schedule_fnv1a(yaml, strlen(yaml), NP_FNV1A_SEED);
  free(yaml);
  return hash;
}

bool np_schedule_check_config(const NpSchedule *s, const NpArch *arch, const char *source, NpDiag *diag) {
  uint64_t hash = np_schedule_config_hash(arch);
  if (strcmp(s->config_name, arch->name) == 0 && s->config_hash == hash) return true;
  np_diag_add(diag, "%s: error: the schedule was lowered for config '%.31s' (hash %016llx), not for '%.31s' (hash "
              "%016llx); lower it again for this config (npusim schedule MODEL --config FILE --json)", source,
              s->config_name, (unsigned long long)s->config_hash, arch->name, (unsigned long long)hash);
  return false;
}
