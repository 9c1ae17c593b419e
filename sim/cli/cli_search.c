#include "cli/cli_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "model/model.h"
#include "util/file.h"
#include "util/mem.h"

const char np_cli_search_help[] =
    "  --axis KEY=LO..HI  the axis searched: a config key (sram.capacity_bytes=512KiB..16MiB) or\n"
    "                     model.channel_scale / model.resolution\n"
    "  --metric M         warm_ms (default), cold_ms, energy_mj, sram_peak_bytes, dram_bytes, fallbacks\n"
    "  --step S           the axis granularity (default: one SRAM row across all banks for\n"
    "                     sram.capacity_bytes, 1 for other whole-number keys, 0.01 for channel scale)\n"
    "  --dtype T          compute in T (e.g. int8); default: the config's default_dtype\n"
    "  --scale-channels S, --resolution R   fixed model what-ifs for every point\n";

static void add_fixed(NpSearchOptions *o, char *kv) {
  o->fixed = np_xrealloc(o->fixed, (o->n_fixed + 1) * sizeof *o->fixed);
  o->fixed[o->n_fixed++] = kv;
}

static int needs_value(const NpSearchOptions *o, const char *name) {
  fprintf(stderr, "npusim %s: %s needs a value\n", o->command, name);
  return -1;
}

int np_cli_search_positional(NpSearchOptions *o, const char *arg) {
  if (arg[0] == '-') {
    fprintf(stderr, "npusim %s: unknown option '%s'\nsee `npusim %s --help`\n", o->command, arg, o->command);
    return NP_EXIT_BAD_INPUT;
  }
  if (o->model != NULL) {
    fprintf(stderr, "npusim %s: one model at a time ('%s')\n", o->command, arg);
    return NP_EXIT_BAD_INPUT;
  }
  o->model = arg;
  return -1;
}

int np_cli_search_option(NpSearchOptions *o, int argc, char **argv, int *i) {
  int taken = np_cli_config_option(&o->config, argc, argv, i);
  if (taken != 0) return taken;
  const char *a = argv[*i];
  static const char *const fixed_options[][2] = {{"--scale-channels", NP_AXIS_CHANNEL_SCALE},
                                                 {"--resolution", NP_AXIS_RESOLUTION},
                                                 {"--dtype", NP_AXIS_DTYPE}};
  for (size_t k = 0; k < 3; k++) {
    if (strcmp(a, fixed_options[k][0]) != 0) continue;
    if (++*i >= argc) return needs_value(o, a);
    add_fixed(o, np_xasprintf("%s=%s", fixed_options[k][1], argv[*i]));
    return 1;
  }
  if (strcmp(a, "--axis") == 0) {
    if (++*i >= argc) return needs_value(o, a);
    char err[256];
    if (!np_axis_range_parse(argv[*i], &o->axis, err, sizeof err)) {
      fprintf(stderr, "npusim %s: --axis: %s\n", o->command, err);
      return -1;
    }
    o->axis_given = true;
    return 1;
  }
  if (strcmp(a, "--metric") == 0) {
    if (++*i >= argc) return needs_value(o, a);
    o->metric = argv[*i];
    return 1;
  }
  if (strcmp(a, "--step") == 0) {
    if (++*i >= argc) return needs_value(o, a);
    char err[160];
    int64_t bytes;
    if (np_parse_size(argv[*i], &bytes, err, sizeof err) && bytes > 0) {
      o->step = (double)bytes;
    } else if (!np_parse_real(argv[*i], &o->step, err, sizeof err) || !(o->step > 0)) {
      fprintf(stderr, "npusim %s: --step: '%s' is not a positive number\n", o->command, argv[*i]);
      return -1;
    }
    return 1;
  }
  return 0;
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
  search->base = (NpPointBase){o->config_text, o->config_len,
                               o->config.config_path ? o->config.config_path : NP_ARCH_DEFAULT_SOURCE, o->graph};
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
  np_cli_config_options_free(&o->config);
}
