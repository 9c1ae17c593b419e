/* Writing an NpArch as YAML: every key in a fixed order, numbers in their shortest exact
 * form, so that the text loads back to the same NpArch and equal configs give equal bytes. */
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/arch_internal.h"
#include "util/buf.h"

static void put_string(NpBuf *b, const char *s) {
  np_buf_puts(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      np_buf_printf(b, "\\%c", *c);
    else if (*c == '\n')
      np_buf_puts(b, "\\n");
    else if (*c == '\t')
      np_buf_puts(b, "\\t");
    else if (*c < 0x20 || *c == 0x7f)
      np_buf_printf(b, "\\x%02x", *c);
    else
      np_buf_append(b, (const char *)c, 1);
  }
  np_buf_puts(b, "\"");
}

static void put_real(NpBuf *b, double v) {
  char text[40];
  np_arch_format_real(v, text, sizeof text);
  np_buf_puts(b, text);
}

static void put_size(NpBuf *b, int64_t bytes) {
  char text[40];
  np_format_size(bytes, text, sizeof text);
  np_buf_puts(b, text);
}

static const char *yes_no(bool v) { return v ? "true" : "false"; }

static void put_figure(NpBuf *b, const char *unit_key, const NpEnergyFigure *f) {
  np_buf_printf(b, "{%s: ", unit_key);
  put_real(b, f->value);
  np_buf_puts(b, ", source: ");
  put_string(b, f->source);
  if (!np_arch_unit_has_node(unit_key)) {
    np_buf_puts(b, "}\n");
    return;
  }
  np_buf_printf(b, ", node_nm: %lld", (long long)f->node_nm);
  if (f->vdd > 0) {
    np_buf_puts(b, ", vdd: ");
    put_real(b, f->vdd);
  }
  np_buf_puts(b, "}\n");
}

typedef struct NamedFigure {
  const char *key, *unit_key;
  const NpEnergyFigure *f;
} NamedFigure;

/* A section of sourced figures, the given ones only; nothing when none is. */
static void put_figure_section(NpBuf *b, const char *section, const NamedFigure *rows, size_t n) {
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (!rows[i].f->given) continue;
    if (!any) np_buf_printf(b, "%s:\n", section);
    any = true;
    np_buf_printf(b, "  %s: ", rows[i].key);
    put_figure(b, rows[i].unit_key, rows[i].f);
  }
}

static void put_fixed_costs(NpBuf *b, const NpArch *arch) {
  const NamedFigure rows[] = {{"per_inference", "us", &arch->fixed.per_inference},
                              {"per_segment", "us", &arch->fixed.per_segment},
                              {"per_program", "us", &arch->fixed.per_program}};
  put_figure_section(b, "fixed_costs", rows, sizeof rows / sizeof rows[0]);
}

static void put_cold_start(NpBuf *b, const NpArch *arch) {
  const NpColdStart *c = &arch->cold_start;
  const NamedFigure rows[] = {{"storage_read", "gb_per_s", &c->storage_read},
                              {"compile_per_op", "us", &c->compile_per_op},
                              {"compile_per_program", "us", &c->compile_per_program},
                              {"compile_per_kernel", "us", &c->compile_per_kernel}};
  put_figure_section(b, "cold_start", rows, sizeof rows / sizeof rows[0]);
}

static void put_list(NpBuf *b, const char *key, const double *values, int n) {
  np_buf_printf(b, "%s: [", key);
  for (int i = 0; i < n; i++) {
    if (i) np_buf_puts(b, ", ");
    put_real(b, values[i]);
  }
  np_buf_puts(b, "]");
}

static void put_thermal(NpBuf *b, const NpArch *arch) {
  const NpThermal *t = &arch->thermal;
  if (!t->given) return;
  const NamedFigure rows[] = {{"resistance", "c_per_w", &t->resistance},
                              {"capacitance", "j_per_c", &t->capacitance},
                              {"ambient", "c", &t->ambient},
                              {"throttle", "c", &t->throttle},
                              {"hysteresis", "c", &t->hysteresis},
                              {"other_power", "w", &t->other_power}};
  put_figure_section(b, "thermal", rows, sizeof rows / sizeof rows[0]);
  np_buf_puts(b, "  dvfs: {");
  put_list(b, "mhz", t->dvfs_mhz, t->n_dvfs);
  if (t->dvfs_volts[0] > 0) {
    np_buf_puts(b, ", ");
    put_list(b, "volts", t->dvfs_volts, t->n_dvfs);
  }
  np_buf_puts(b, ", source: ");
  put_string(b, t->dvfs_source);
  np_buf_puts(b, "}\n");
}

static void put_area(NpBuf *b, const NpArch *arch) {
  const NpArea *a = &arch->area;
  const NamedFigure rows[] = {{"mac", "um2", &a->mac},
                              {"vector_lane", "um2", &a->vector_lane},
                              {"sram", "um2_per_kib", &a->sram},
                              {"fixed", "mm2", &a->fixed}};
  put_figure_section(b, "area", rows, sizeof rows / sizeof rows[0]);
}

/* The keys of the engine's kind, in its row's order. */
static void put_kind_keys(NpBuf *b, const NpEngine *e) {
  const NpEngineKindOps *kind = np_engine_kind_ops(e->kind);
  for (int i = 0; i < kind->n_keys; i++) {
    const NpEngineKey *k = &kind->keys[i];
    const char *field = (const char *)e + k->offset;
    int64_t value = k->name_of ? *(const int *)(const void *)field : *(const int64_t *)(const void *)field;
    if (k->omit_default && value == k->fallback) continue;
    if (k->name_of)
      np_buf_printf(b, "    %s: %s\n", k->name, k->name_of(*(const int *)(const void *)field));
    else
      np_buf_printf(b, "    %s: %lld\n", k->name, (long long)*(const int64_t *)(const void *)field);
  }
}

static void put_engine(NpBuf *b, const NpArch *arch, const NpEngine *e) {
  np_buf_puts(b, "  - name: ");
  put_string(b, e->name);
  np_buf_printf(b, "\n    kind: %s\n", np_engine_kind_name(e->kind));
  put_kind_keys(b, e);
  np_buf_puts(b, "    dtypes: {");
  int n = 0;
  for (int i = 0; i < arch->n_data_types; i++) {
    NpDtype d = arch->data_types[i];
    if (e->dtype_rate[d] <= 0) continue;
    np_buf_printf(b, "%s%s: ", n++ ? ", " : "", np_dtype_name(d));
    put_real(b, e->dtype_rate[d]);
  }
  np_buf_puts(b, "}\n");
  n = 0;
  for (int c = 0; c < NP_ARCH_OP_CLASSES; c++) {
    if (!e->throughput_given[c]) continue;
    np_buf_printf(b, "%s%s: ", n++ ? ", " : "    throughput: {", np_op_class_name((NpOpClass)c));
    put_real(b, e->throughput[c]);
  }
  if (n) np_buf_puts(b, "}\n");
  np_buf_printf(b, "    can_read_sram: %s\n    fuse_activations: %s\n", yes_no(e->can_read_sram),
                yes_no(e->fuse_activations));
  if (!e->has_rules) return;
  const NpEngineRules *r = &e->rules;
  np_buf_puts(b, "    rules:\n      ops: [");
  for (int i = 0; i < r->n_ops; i++) np_buf_printf(b, "%s%s", i ? ", " : "", r->ops[i]);
  np_buf_puts(b, "]\n");
  const struct {
    const char *key;
    int64_t value;
  } limits[] = {{"max_kernel_h", r->max_kernel_h},
                {"max_kernel_w", r->max_kernel_w},
                {"max_stride", r->max_stride},
                {"max_dilation", r->max_dilation},
                {"max_channels", r->max_channels}};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
    if (limits[i].value > 0) np_buf_printf(b, "      %s: %lld\n", limits[i].key, (long long)limits[i].value);
}

static void put_memories(NpBuf *b, const NpArch *arch) {
  const NpSram *s = &arch->sram;
  np_buf_puts(b, "sram:\n  capacity_bytes: ");
  put_size(b, s->capacity_bytes);
  np_buf_printf(b, "  # %lld banks of ", (long long)s->banks);
  put_size(b, s->bank_bytes);
  np_buf_printf(b, " (%lld rows each)\n  banks: %lld\n  bank_width_bytes: ", (long long)s->bank_depth,
                (long long)s->banks);
  put_size(b, s->bank_width_bytes);
  np_buf_printf(b, "\n  ports_per_bank: %lld\n  alignment_bytes: ", (long long)s->ports_per_bank);
  put_size(b, s->alignment_bytes);
  np_buf_printf(b, "\n  weights_resident: %s", yes_no(s->weights_resident));
  /* written only when off, so that the configs written before the key existed keep their
   * hashes (a schedule names the config it was lowered for by hash) */
  if (!s->cascade) np_buf_puts(b, "\n  cascade: false");
  const NpDram *d = &arch->dram;
  np_buf_puts(b, "\ndram:\n  bandwidth_gb_per_s: ");
  put_real(b, d->bandwidth_gb_per_s);
  np_buf_puts(b, "  # ");
  put_real(b, d->bytes_per_cycle);
  np_buf_puts(b, " bytes per cycle at clock_mhz\n  burst_bytes: ");
  put_size(b, d->burst_bytes);
  np_buf_printf(b, "\n  latency_cycles: %lld\n  channels: %lld\n  max_outstanding_bursts: %lld\n",
                (long long)d->latency_cycles, (long long)d->channels, (long long)d->max_outstanding_bursts);
  if (d->row_bytes > 0) {
    np_buf_puts(b, "  row_bytes: ");
    put_size(b, d->row_bytes);
    np_buf_printf(b, "\n  row_miss_cycles: %lld\n", (long long)d->row_miss_cycles);
  }
}

static void put_sync(NpBuf *b, const NpArch *arch) {
  np_buf_printf(b, "sync:\n  through_dram: %s\n  cycles:  # from kind -> to kind\n", yes_no(arch->sync.through_dram));
  for (int from = 0; from < NP_ENGINE_KIND_COUNT; from++) {
    np_buf_printf(b, "    %s: {", np_engine_kind_name((NpEngineKind)from));
    for (int to = 0; to < NP_ENGINE_KIND_COUNT; to++)
      np_buf_printf(b, "%s%s: %lld", to ? ", " : "", np_engine_kind_name((NpEngineKind)to),
                    (long long)arch->sync.cycles[from][to]);
    np_buf_puts(b, "}\n");
  }
}

static void put_dtype_figures(NpBuf *b, const NpArch *arch, const char *key, const NpEnergyFigure *figures) {
  bool any = false;
  for (int i = 0; i < arch->n_data_types; i++) {
    const NpEnergyFigure *f = &figures[arch->data_types[i]];
    if (!f->given) continue;
    if (!any) np_buf_printf(b, "  %s:\n", key);
    any = true;
    np_buf_printf(b, "    %s: ", np_dtype_name(arch->data_types[i]));
    put_figure(b, "pj", f);
  }
}

static void put_energy(NpBuf *b, const NpArch *arch) {
  const NpEnergy *en = &arch->energy;
  NpBuf body = {0};
  if (en->node.given) {
    np_buf_printf(&body, "  node: {nm: %lld, vdd: ", (long long)en->node.nm);
    put_real(&body, en->node.vdd);
    np_buf_puts(&body, ", source: ");
    put_string(&body, en->node.source);
    np_buf_puts(&body, "}\n");
  }
  put_dtype_figures(&body, arch, "mac", en->mac);
  put_dtype_figures(&body, arch, "element", en->element);
  put_dtype_figures(&body, arch, "gpu_mac", en->gpu_mac);
  put_dtype_figures(&body, arch, "gpu_element", en->gpu_element);
  const struct {
    const char *key, *unit;
    const NpEnergyFigure *f;
  } singles[] = {{"sram_read", "pj_per_byte", &en->sram_read},   {"sram_write", "pj_per_byte", &en->sram_write},
                 {"dram_read", "pj_per_byte", &en->dram_read},   {"dram_write", "pj_per_byte", &en->dram_write},
                 {"sync", "pj", &en->sync},                      {"sram_static", "mw", &en->sram_static}};
  for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
    if (!singles[i].f->given) continue;
    np_buf_printf(&body, "  %s: ", singles[i].key);
    put_figure(&body, singles[i].unit, singles[i].f);
  }
  bool any = false;
  for (int i = 0; i < arch->n_engines; i++) {
    if (!en->engine_static[i].given) continue;
    if (!any) np_buf_puts(&body, "  engine_static:\n");
    any = true;
    np_buf_printf(&body, "    %s: ", arch->engines[i].name);
    put_figure(&body, "mw", &en->engine_static[i]);
  }
  if (body.len > 0) {
    np_buf_puts(b, "energy:\n");
    np_buf_puts(b, np_buf_str(&body));
  }
  np_buf_free(&body);
}

/* Only a placement the config gave: without one, every engine in file order. */
static void put_placement(NpBuf *b, const NpArch *arch) {
  if (!arch->placement_given) return;
  np_buf_puts(b, "placement: [");
  for (int i = 0; i < arch->n_placement; i++)
    np_buf_printf(b, "%s%s", i ? ", " : "", arch->engines[arch->placement[i]].name);
  np_buf_puts(b, "]\n");
}

char *np_arch_to_yaml(const NpArch *arch) {
  NpBuf b = {0};
  np_buf_puts(&b, "name: ");
  put_string(&b, arch->name);
  if (arch->description[0]) {
    np_buf_puts(&b, "\ndescription: ");
    put_string(&b, arch->description);
  }
  np_buf_puts(&b, "\nclock_mhz: ");
  put_real(&b, arch->clock_mhz);
  np_buf_puts(&b, "\ndata_types: {");
  for (int i = 0; i < arch->n_data_types; i++)
    np_buf_printf(&b, "%s%s: %d", i ? ", " : "", np_dtype_name(arch->data_types[i]),
                  arch->dtype_bytes[arch->data_types[i]]);
  np_buf_printf(&b, "}\ndefault_dtype: %s\nengines:\n", np_dtype_name(arch->default_dtype));
  for (int i = 0; i < arch->n_engines; i++) put_engine(&b, arch, &arch->engines[i]);
  put_placement(&b, arch);
  np_buf_printf(&b, "placement_choice: %s\n", np_placement_choice_name(arch->placement_choice));
  put_memories(&b, arch);
  put_sync(&b, arch);
  put_fixed_costs(&b, arch);
  put_cold_start(&b, arch);
  put_thermal(&b, arch);
  put_energy(&b, arch);
  put_area(&b, arch);
  return b.data;
}
