#include "cli/cli_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "model/model.h"
#include "util/file.h"
#include "util/mem.h"

const NpCliOption np_cli_search_options[] = {
    {"axis", NP_CLI_AXIS, "KEY=LO..HI",
     "the axis searched: a config key (sram.capacity_bytes=512KiB..16MiB) or\nmodel.channel_scale / model.resolution"},
    {"metric", NP_CLI_METRIC, "M",
     "warm_ms (default), cold_ms, energy_uj, sram_peak_bytes, dram_bytes, fallbacks,\nuncached_ms, cached_ms, area_mm2, est_warm_ms (energy_mj: energy_uj in mJ)"},
    {"step", NP_CLI_STEP, "S",
     "the axis granularity (default: one SRAM row across all banks for\n"
     "sram.capacity_bytes, 1 for other whole-number keys, 0.01 for channel scale)"},
    {NULL, 0, NULL, NULL},
};

static void add_fixed(NpSearchOptions *o, char *kv) {
  o->fixed = np_xrealloc(o->fixed, (o->n_fixed + 1) * sizeof *o->fixed);
  o->fixed[o->n_fixed++] = kv;
}

int np_cli_search_take_model(NpSearchOptions *o, int argc, char **argv, int first) {
  if (first + 1 < argc) {
    fprintf(stderr, "npusim %s: one model at a time ('%s' is extra)\n", o->command, argv[first + 1]);
    return NP_EXIT_BAD_INPUT;
  }
  if (first < argc) o->model = argv[first];
  return -1;
}

static int parse_step(NpSearchOptions *o, const char *value) {
  char err[160];
  int64_t bytes;
  if (np_parse_size(value, &bytes, err, sizeof err) && bytes > 0) {
    o->step = (double)bytes;
  } else if (!np_parse_real(value, &o->step, err, sizeof err) || !(o->step > 0)) {
    fprintf(stderr, "npusim %s: --step: '%s' is not a positive number\n", o->command, value);
    return -1;
  }
  return 1;
}

int np_cli_search_take(NpSearchOptions *o, int key, const char *value) {
  int taken = np_cli_config_take(&o->config, key, value);
  if (taken != 0) return taken;
  /* The what-ifs are fixed model settings at every point of the search. */
  static const struct {
    int key;
    const char *setting;
  } fixed[] = {{NP_CLI_SCALE_CHANNELS, NP_AXIS_CHANNEL_SCALE}, {NP_CLI_RESOLUTION, NP_AXIS_RESOLUTION},
               {NP_CLI_DTYPE, NP_AXIS_DTYPE}, {NP_CLI_WEIGHT_BITS, NP_AXIS_WEIGHT_BITS}};
  for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
    if (key != fixed[k].key) continue;
    add_fixed(o, np_xasprintf("%s=%s", fixed[k].setting, value));
    return 1;
  }
  char err[256];
  switch (key) {
    case NP_CLI_AXIS:
      if (!np_axis_range_parse(value, &o->axis, err, sizeof err)) {
        fprintf(stderr, "npusim %s: --axis: %s\n", o->command, err);
        return -1;
      }
      o->axis_given = true;
      return 1;
    case NP_CLI_METRIC: o->metric = value; return 1;
    case NP_CLI_STEP: return parse_step(o, value);
    case NP_CLI_MAX_BURSTS: return np_cli_max_bursts_parse(o->command, value, &o->max_bursts);
    default: return 0;
  }
}

int np_cli_search_begin(NpSearchOptions *o, NpCliffSearch *search) {
  if (o->model == NULL || !o->axis_given) {
    fprintf(stderr, "npusim %s: needs MODEL and --axis KEY=LO..HI\nsee `npusim %s --help`\n", o->command, o->command);
    return NP_EXIT_BAD_INPUT;
  }
  NpDiag diag;
  np_diag_init(&diag);
  if (o->config.config_path) {
    o->config_text = np_read_file(o->config.config_path, NP_ARCH_MAX_FILE_BYTES, "config", &o->config_len, &diag);
  } else {
    const char *text = np_arch_default_text(&o->config_len);
    o->config_text = np_xstrndup(text, o->config_len);
  }
  if (o->config_text != NULL) o->graph = np_model_load(o->model, &diag);
  if (o->graph == NULL) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    return NP_EXIT_BAD_INPUT;
  }
  np_diag_free(&diag);
  o->sets = np_xmalloc((o->config.n_sets + o->n_fixed + 1) * sizeof *o->sets);
  for (size_t i = 0; i < o->config.n_sets; i++) o->sets[o->n_sets++] = o->config.sets[i];
  for (size_t i = 0; i < o->n_fixed; i++) o->sets[o->n_sets++] = o->fixed[i];
  /* Check the fixed settings once, so a typo is a usage error rather than empty results. */
  NpPointSetup setup = {0};
  char err[256];
  for (size_t i = 0; i < o->n_sets; i++) {
    if (!np_point_setup_add(&setup, o->sets[i], err, sizeof err)) {
      fprintf(stderr, "npusim %s: %s\n", o->command, err);
      np_point_setup_free(&setup);
      return NP_EXIT_BAD_INPUT;
    }
  }
  np_point_setup_free(&setup);
  memset(search, 0, sizeof *search);
  o->lower_cache = np_lower_cache_new();
  o->parse_cache = np_arch_parse_cache_new();
  search->base = (NpPointBase){o->config_text, o->config_len,
                               o->config.config_path ? o->config.config_path : NP_ARCH_DEFAULT_SOURCE, o->graph,
                               o->max_bursts, o->lower_cache, o->parse_cache};
  search->sets = o->sets;
  search->n_sets = o->n_sets;
  search->axis = o->axis;
  search->axis.step = o->step;
  search->metric = o->metric ? o->metric : "warm_ms";
  return -1;
}

void np_cli_search_free(NpSearchOptions *o) {
  for (size_t i = 0; i < o->n_fixed; i++) free((char *)o->fixed[i]);
  free(o->fixed);
  free(o->sets);
  free(o->config_text);
  np_graph_free(o->graph);
  np_lower_cache_free(o->lower_cache);
  np_arch_parse_cache_free(o->parse_cache);
  np_cli_config_options_free(&o->config);
}
