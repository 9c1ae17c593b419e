/* npusim trace dump|stats|perfetto|diff: look into, summarize, convert and compare traces. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "trace/trace.h"
#include "util/diag.h"
#include "util/json.h"

static const char trace_usage[] =
    "usage: npusim trace <dump|stats|perfetto|diff> ...\n"
    "\n"
    "Traces (.npt.zst) record how each command of a schedule executed: its unit (engine, DMA\n"
    "channel or SRAM bank), start and end cycle, bytes, bursts and stall cycles by cause; a\n"
    "COMPUTE on an engine of several cores adds a record per core it kept busy. The model and\n"
    "the RTL harness write the same format (docs/formats.md, \"Trace\").\n"
    "\n"
    "  npusim trace dump FILE [--limit N] [--csv]     the header, then one line per record\n"
    "  npusim trace stats FILE                        totals, per kind and unit busy cycles, stalls\n"
    "  npusim trace perfetto FILE -o OUT.json         a timeline for ui.perfetto.dev\n"
    "  npusim trace diff A B [--tol-cycles N] [--tol-rel X] [--json] [--force]\n"
    "                                                 compare B against reference A\n"
    "\n"
    "`npusim trace <subcommand> --help` explains each. docs/traces.md has more examples.\n"
    "\n"
    "examples:\n"
    "  npusim run models/micro/conv3x3.npg --trace conv3x3.npt.zst\n"
    "  npusim trace stats conv3x3.npt.zst\n"
    "\n"
    "exit status: 0 ok, 1 diff found a difference beyond tolerance, 2 bad usage or a bad trace.\n";

static const char dump_synopsis[] =
    "usage: npusim trace dump FILE [--limit N] [--csv]\n"
    "\n"
    "Prints the trace header, then one line per record in file order: command id, layer, kind,\n"
    "unit, start and end cycle, cycles (end - start), bytes, bursts and stall cycles by cause\n"
    "(dram, bank conflict, dependency, outstanding-burst limit, busy unit; docs/formats.md\n"
    "defines them).\n"
    "The whole file is always read, so a truncated or corrupt trace is reported even with --limit.\n"
    "\n";
static const char dump_epilogue[] =
    "example:\n"
    "  npusim trace dump conv3x3.npt.zst --limit 20   # written by an example in npusim run --help\n";

static const char stats_synopsis[] =
    "usage: npusim trace stats FILE\n"
    "\n"
    "Summarizes a trace: record count, the cycle span (first start to last end) and its time at\n"
    "the header's clock, records, cycles and bytes per command kind, per unit busy cycles (the\n"
    "union of its records' intervals, so overlapping transfers count once) and utilization\n"
    "(busy / span), and stall totals by cause.\n"
    "\n";
static const char stats_epilogue[] =
    "example:\n"
    "  npusim trace stats conv3x3.npt.zst\n";

static const char perfetto_synopsis[] =
    "usage: npusim trace perfetto FILE -o OUT.json\n"
    "\n"
    "Writes the trace as Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing\n"
    "open: one process per unit kind (engines, DMA channels, SRAM banks), one track per unit,\n"
    "one slice per record, with ts and dur in microseconds (cycles / clock MHz) and the command\n"
    "id, layer, bytes, bursts and stalls as arguments. A unit whose records overlap in time gets\n"
    "extra tracks (\"dma 0 #2\"). OUT.json is written to a temporary file and renamed.\n"
    "\n";
static const char perfetto_epilogue[] =
    "example:\n"
    "  npusim trace perfetto conv3x3.npt.zst -o conv3x3.perfetto.json   # then open it in ui.perfetto.dev\n";

static const char diff_synopsis[] =
    "usage: npusim trace diff A B [--tol-cycles N] [--tol-rel X] [--json] [--force]\n"
    "\n"
    "Compares trace B against reference A command by command (matched by command id, using\n"
    "each command's engine or DMA record; SRAM-bank records are not compared). Reports the\n"
    "per-command deltas of start, end and duration (B - A), the per-layer cycle deltas (first\n"
    "start to last end of the layer's commands), the max and mean absolute error, the worst ten\n"
    "commands, and commands present in one trace only.\n"
    "\n"
    "A delta d with reference value r is within tolerance when |d| <= N or |d| <= X * r.\n"
    "A command agrees when its duration delta (r = A's duration) and its end delta (r = A's end\n"
    "cycle) are both within tolerance. The defaults (0, 0) ask for cycle-exact agreement.\n"
    "Traces of different configs or schedules (their headers' hashes differ) are refused, as\n"
    "their commands need not correspond, unless --force is given.\n"
    "\n";
static const char diff_epilogue[] =
    "example:\n"
    "  npusim trace diff conv3x3.npt.zst conv3x3.npt.zst --tol-rel 0.02\n"
    "  npusim trace diff conv3x3.npt.zst conv3x3-warm.npt.zst --force   # cold against warm\n"
    "\n"
    "exit status: 0 every command matched and within tolerance, 1 otherwise, 2 bad usage, a\n"
    "missing, truncated or corrupt trace, or traces of different configs or schedules without --force.\n";

enum { OPT_LIMIT = NP_CLI_OWN, OPT_CSV, OPT_TOL_CYCLES, OPT_TOL_REL, OPT_JSON, OPT_FORCE };

static const NpCliOption dump_options[] = {
    {"limit", OPT_LIMIT, "N", "print the first N records only (the rest are counted)"},
    {"csv", OPT_CSV, NULL, "records only, as CSV with a header row (stable column names)"},
    {NULL, 0, NULL, NULL},
};
static const NpCliOption perfetto_options[] = {
    {"output", 'o', "OUT.json", "where to write (required)"},
    {NULL, 0, NULL, NULL},
};
static const NpCliOption diff_options[] = {
    {"tol-cycles", OPT_TOL_CYCLES, "N", "absolute tolerance in cycles (default 0)"},
    {"tol-rel", OPT_TOL_REL, "X", "relative tolerance, a fraction: 0.02 is 2% (default 0)"},
    {"json", OPT_JSON, NULL, "machine-readable output (schema \"npusim.trace-diff/1\")"},
    {"force", OPT_FORCE, NULL, "compare traces of different configs or schedules anyway"},
    {NULL, 0, NULL, NULL},
};
static const NpCliOption no_options[] = {{NULL, 0, NULL, NULL}};

static const NpCliOption *const dump_tables[] = {dump_options, NULL};
static const NpCliOption *const stats_tables[] = {no_options, NULL};
static const NpCliOption *const perfetto_tables[] = {perfetto_options, NULL};
static const NpCliOption *const diff_tables[] = {diff_options, NULL};
static const NpCliCommand dump_command = {"trace dump", dump_synopsis, dump_tables, dump_epilogue};
static const NpCliCommand stats_command = {"trace stats", stats_synopsis, stats_tables, stats_epilogue};
static const NpCliCommand perfetto_command = {"trace perfetto", perfetto_synopsis, perfetto_tables, perfetto_epilogue};
static const NpCliCommand diff_command = {"trace diff", diff_synopsis, diff_tables, diff_epilogue};

/* A command with options that take no value takes nothing. */
static int take_nothing(void *user, int key, const char *value) {
  (void)user, (void)key, (void)value;
  return -1;
}

static bool parse_u64(const char *text, uint64_t *out) {
  if (!text[0] || text[0] == '-') return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

static int fail_with(NpDiag *diag) {
  np_diag_print(diag, stderr);
  np_diag_free(diag);
  return NP_EXIT_BAD_INPUT;
}

static void print_header_lines(FILE *out, const char *path, const NpTraceHeader *h) {
  fprintf(out, "trace     %s (format version %u, source: %s)\n", path, h->version, np_trace_source_name(h->source));
  fprintf(out, "config    %s (hash %016" PRIx64 ")\n", h->config_name[0] ? h->config_name : "-", h->config_hash);
  fprintf(out, "schedule  hash %016" PRIx64 "\n", h->schedule_hash);
  fprintf(out, "clock     %g MHz\n", h->clock_mhz);
}

/* ---------------------------------------------------------------- dump */

/* The CSV keeps the raw unit index (a core's is engine x 256 + core, np_trace_core_unit)
 * for scripts; the table names the unit as stats and perfetto do ("ane core 3", "dma ch1"). */
static void print_record(FILE *out, const NpTraceHeader *h, const NpTraceRecord *r, bool csv) {
  if (csv) {
    fprintf(out,
            "%" PRIu32 ",%" PRIu32 ",%s,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
            r->command, r->layer, np_trace_kind_name(r->kind), np_trace_unit_kind_name(r->unit_kind), (unsigned)r->unit,
            r->start, r->end, r->end - r->start, r->bytes, r->bursts, r->stall[NP_TRACE_STALL_DRAM],
            r->stall[NP_TRACE_STALL_BANK_CONFLICT], r->stall[NP_TRACE_STALL_DEPENDENCY],
            r->stall[NP_TRACE_STALL_OUTSTANDING], r->stall[NP_TRACE_STALL_UNIT]);
    return;
  }
  char unit[96];
  np_trace_unit_label(h, r->unit_kind, r->unit, unit, sizeof unit);
  fprintf(out,
          "%8" PRIu32 " %6" PRIu32 " %-8s %-16s %12" PRIu64 " %12" PRIu64 " %9" PRIu64 " %10" PRIu64 " %7" PRIu64
          " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
          r->command, r->layer, np_trace_kind_name(r->kind), unit, r->start, r->end, r->end - r->start, r->bytes,
          r->bursts, r->stall[NP_TRACE_STALL_DRAM], r->stall[NP_TRACE_STALL_BANK_CONFLICT],
          r->stall[NP_TRACE_STALL_DEPENDENCY], r->stall[NP_TRACE_STALL_OUTSTANDING], r->stall[NP_TRACE_STALL_UNIT]);
}

typedef struct DumpArgs {
  uint64_t limit;
  bool csv;
} DumpArgs;

static int take_dump_option(void *user, int key, const char *value) {
  DumpArgs *a = user;
  if (key == OPT_CSV) a->csv = true;
  if (key == OPT_LIMIT && !parse_u64(value, &a->limit))
    return np_cli_usage_error(&dump_command, "--limit: '%s' is not a count", value);
  return -1;
}

static int trace_dump(int argc, char **argv) {
  DumpArgs args = {UINT64_MAX, false};
  int first;
  int rc = np_cli_parse(&dump_command, argc, argv, take_dump_option, &args, &first);
  if (rc >= 0) return rc;
  if (first + 1 != argc) return np_cli_usage_error(&dump_command, "expected one FILE");
  const char *path = argv[first];
  uint64_t limit = args.limit;
  bool csv = args.csv;

  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(path, &diag);
  if (!reader) return fail_with(&diag);
  if (csv) {
    puts("command,layer,kind,unit_kind,unit,start,end,cycles,bytes,bursts,"
         "stall_dram,stall_bank_conflict,stall_dependency,stall_outstanding,stall_unit");
  } else {
    print_header_lines(stdout, path, np_trace_reader_header(reader));
    printf("\n%8s %6s %-8s %-16s %12s %12s %9s %10s %7s %9s %9s %9s %9s %9s\n", "command", "layer", "kind", "unit",
           "start", "end", "cycles", "bytes", "bursts", "dram", "bank", "dep", "outst", "unitwait");
  }
  NpTraceRecord record;
  uint64_t n = 0;
  int status;
  while ((status = np_trace_read(reader, &record, &diag)) == 1) {
    if (n < limit) print_record(stdout, np_trace_reader_header(reader), &record, csv);
    n++;
    if (!np_cli_stdout_ok()) break; /* main says why; reading on would only waste time */
  }
  np_trace_reader_close(reader);
  if (status < 0) {
    fflush(stdout);
    return fail_with(&diag);
  }
  if (!csv) {
    if (n > limit) printf("... %" PRIu64 " more records\n", n - limit);
    printf("%" PRIu64 " records\n", n);
  }
  np_diag_free(&diag);
  return NP_EXIT_OK;
}

/* ---------------------------------------------------------------- stats */

static int trace_stats(int argc, char **argv) {
  int first;
  int rc = np_cli_parse(&stats_command, argc, argv, take_nothing, NULL, &first);
  if (rc >= 0) return rc;
  if (first + 1 != argc) return np_cli_usage_error(&stats_command, "expected one FILE");
  const char *path = argv[first];

  NpDiag diag;
  np_diag_init(&diag);
  NpTraceStats s;
  if (!np_trace_stats(path, &s, &diag)) return fail_with(&diag);
  uint64_t span = s.last_end - s.first_start;
  print_header_lines(stdout, path, &s.header);
  printf("records   %" PRIu64 "\n", s.records);
  printf("span      cycles %" PRIu64 " to %" PRIu64 ": %" PRIu64 " cycles, %.3f us\n", s.first_start, s.last_end, span,
         (double)span / s.header.clock_mhz);
  printf("bytes     %" PRIu64 " in %" PRIu64 " bursts\n", s.bytes, s.bursts);

  printf("\n%-8s %9s %14s %14s\n", "kind", "records", "cycles", "bytes");
  for (int k = 0; k < NP_TRACE_KIND_COUNT; k++)
    printf("%-8s %9" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n", np_trace_kind_name((NpTraceKind)k), s.kinds[k].records,
           s.kinds[k].cycles, s.kinds[k].bytes);

  printf("\n%-12s %9s %14s %12s %14s\n", "unit", "records", "busy cycles", "utilization", "bytes");
  for (size_t i = 0; i < s.n_units; i++) {
    const NpTraceUnitStats *u = &s.units[i];
    char name[NP_TRACE_NAME_MAX + 16];
    np_trace_unit_label(&s.header, u->kind, u->unit, name, sizeof name);
    printf("%-12s %9" PRIu64 " %14" PRIu64 " %11.1f%% %14" PRIu64 "\n", name, u->records, u->busy_cycles,
           100.0 * u->utilization, u->bytes);
  }

  printf("\n%-14s %14s\n", "stall cause", "cycles");
  for (int i = 0; i < NP_TRACE_STALL_COUNT; i++)
    printf("%-14s %14" PRIu64 "\n", np_trace_stall_name((NpTraceStall)i), s.stall[i]);
  np_trace_stats_free(&s);
  np_diag_free(&diag);
  return NP_EXIT_OK;
}

/* ---------------------------------------------------------------- perfetto */

static int take_perfetto_option(void *user, int key, const char *value) {
  if (key == 'o') *(const char **)user = value;
  return -1;
}

static int trace_perfetto(int argc, char **argv) {
  const char *out_path = NULL;
  int first;
  int rc = np_cli_parse(&perfetto_command, argc, argv, take_perfetto_option, &out_path, &first);
  if (rc >= 0) return rc;
  if (first + 1 != argc) return np_cli_usage_error(&perfetto_command, "expected one FILE");
  if (!out_path) return np_cli_usage_error(&perfetto_command, "missing -o OUT.json");
  NpDiag diag;
  np_diag_init(&diag);
  if (!np_trace_to_perfetto(argv[first], out_path, &diag)) return fail_with(&diag);
  np_diag_free(&diag);
  return NP_EXIT_OK;
}

/* ---------------------------------------------------------------- diff */

static json_t *delta_json(const NpTraceCommandDelta *d) {
  return json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "command", (json_int_t)d->command,
                   "layer", (json_int_t)d->layer, "kind", np_trace_kind_name(d->kind), "a_start",
                   (json_int_t)d->a_start, "a_end", (json_int_t)d->a_end, "b_start", (json_int_t)d->b_start, "b_end",
                   (json_int_t)d->b_end, "d_start", (json_int_t)d->d_start, "d_end", (json_int_t)d->d_end,
                   "d_duration", (json_int_t)d->d_duration, "within", d->within);
}

static json_t *ids_json(const uint32_t *ids, size_t n) {
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(list, json_integer(ids[i]));
  return list;
}

static json_t *header_json(const char *path, const NpTraceHeader *h) {
  char config_hash[20], schedule_hash[20];
  snprintf(config_hash, sizeof config_hash, "%016" PRIx64, h->config_hash);
  snprintf(schedule_hash, sizeof schedule_hash, "%016" PRIx64, h->schedule_hash);
  /* A path may hold any bytes; the header's name and clock are checked by the reader. */
  return json_pack("{s:o, s:s, s:s, s:f, s:s, s:s}", "file", np_json_string(path), "source",
                   np_trace_source_name(h->source), "config", h->config_name, "clock_mhz", h->clock_mhz,
                   "config_hash", config_hash, "schedule_hash", schedule_hash);
}

static void print_diff_json(const NpTraceDiff *d, const char *path_a, const char *path_b) {
  json_t *commands = json_array(), *worst = json_array(), *layers = json_array();
  for (size_t i = 0; i < d->n_commands; i++) json_array_append_new(commands, delta_json(&d->commands[i]));
  for (size_t i = 0; i < d->n_worst; i++) json_array_append_new(worst, delta_json(&d->worst[i]));
  for (size_t i = 0; i < d->n_layers; i++) {
    const NpTraceLayerDelta *l = &d->layers[i];
    json_array_append_new(layers, json_pack("{s:I, s:I, s:I, s:I, s:f}", "layer", (json_int_t)l->layer, "a_cycles",
                                            (json_int_t)l->a_cycles, "b_cycles", (json_int_t)l->b_cycles, "delta",
                                            (json_int_t)l->delta, "rel", l->rel));
  }
  json_t *root = json_pack(
      "{s:s, s:o, s:o, s:{s:I, s:f}, s:b, s:I, s:I, s:o, s:o, s:{s:I, s:f, s:I, s:f}, s:o, s:o, s:o}", "schema",
      "npusim.trace-diff/1", "a", header_json(path_a, &d->a_header), "b", header_json(path_b, &d->b_header),
      "tolerance", "cycles", (json_int_t)d->options.tol_cycles, "rel", d->options.tol_rel, "agree", d->agree,
      "matched", (json_int_t)d->n_commands, "outside_tolerance", (json_int_t)d->n_outside, "only_in_a",
      ids_json(d->only_a, d->n_only_a), "only_in_b", ids_json(d->only_b, d->n_only_b), "error",
      "max_abs_duration", (json_int_t)d->max_abs_duration, "mean_abs_duration", d->mean_abs_duration, "max_abs_end",
      (json_int_t)d->max_abs_end, "mean_abs_end", d->mean_abs_end, "worst", worst, "layers", layers, "commands",
      commands);
  json_dumpf(root, stdout, JSON_INDENT(2));
  fputc('\n', stdout);
  np_cli_stdout_ok();
  json_decref(root);
}

static void print_ids(const char *label, const uint32_t *ids, size_t n) {
  enum { SHOWN = 20 };
  if (n == 0) return;
  printf("%s (%zu):", label, n);
  for (size_t i = 0; i < n && i < SHOWN; i++) printf(" %" PRIu32, ids[i]);
  if (n > SHOWN) printf(" ...");
  putchar('\n');
}

static void print_delta_row(const NpTraceCommandDelta *d) {
  printf("%8" PRIu32 " %6" PRIu32 " %-8s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %+10" PRId64
         " %+10" PRId64 "  %s\n",
         d->command, d->layer, np_trace_kind_name(d->kind), d->a_start, d->a_end, d->b_start, d->b_end, d->d_duration,
         d->d_end, d->within ? "ok" : "OUTSIDE");
}

static void print_diff_text(const NpTraceDiff *d, const char *path_a, const char *path_b) {
  printf("A (reference)  %s: %s, config %s, %g MHz\n", path_a, np_trace_source_name(d->a_header.source),
         d->a_header.config_name, d->a_header.clock_mhz);
  printf("B              %s: %s, config %s, %g MHz\n", path_b, np_trace_source_name(d->b_header.source),
         d->b_header.config_name, d->b_header.clock_mhz);
  if (d->a_header.schedule_hash != d->b_header.schedule_hash)
    printf("note: the traces come from different schedules (hash %016" PRIx64 " vs %016" PRIx64 ")\n",
           d->a_header.schedule_hash, d->b_header.schedule_hash);
  if (d->a_header.config_hash != d->b_header.config_hash)
    printf("note: the traces come from different configs (hash %016" PRIx64 " vs %016" PRIx64 ")\n",
           d->a_header.config_hash, d->b_header.config_hash);
  printf("tolerance      %" PRIu64 " cycles or %g%% of the reference (duration and end of each command)\n",
         d->options.tol_cycles, 100.0 * d->options.tol_rel);
  printf("matched        %zu commands, %zu outside tolerance\n", d->n_commands, d->n_outside);
  print_ids("only in A", d->only_a, d->n_only_a);
  print_ids("only in B", d->only_b, d->n_only_b);
  printf("duration error max %" PRIu64 " cycles, mean %.3f cycles\n", d->max_abs_duration, d->mean_abs_duration);
  printf("end error      max %" PRIu64 " cycles, mean %.3f cycles\n", d->max_abs_end, d->mean_abs_end);
  if (d->n_worst) {
    printf("\nworst commands\n%8s %6s %-8s %12s %12s %12s %12s %10s %10s\n", "command", "layer", "kind", "A start",
           "A end", "B start", "B end", "d cycles", "d end");
    for (size_t i = 0; i < d->n_worst; i++) print_delta_row(&d->worst[i]);
  }
  if (d->n_layers) {
    printf("\nper layer\n%6s %14s %14s %12s %9s  %s\n", "layer", "A cycles", "B cycles", "delta", "rel", "name");
    for (size_t i = 0; i < d->n_layers; i++) {
      const NpTraceLayerDelta *l = &d->layers[i];
      const char *name = np_trace_layer_name(&d->a_header, l->layer);
      printf("%6" PRIu32 " %14" PRIu64 " %14" PRIu64 " %+12" PRId64 " %+8.2f%%  %s\n", l->layer, l->a_cycles,
             l->b_cycles, l->delta, 100.0 * l->rel, name ? name : "");
    }
  }
  printf("\n%s\n", d->agree ? "agree: every command within tolerance"
                            : "DISAGREE: commands outside tolerance or present in one trace only");
}

typedef struct DiffArgs {
  NpTraceDiffOptions options;
  bool json, force;
} DiffArgs;

static int take_diff_option(void *user, int key, const char *value) {
  DiffArgs *a = user;
  char *end;
  switch (key) {
    case OPT_TOL_CYCLES:
      if (!parse_u64(value, &a->options.tol_cycles))
        return np_cli_usage_error(&diff_command, "--tol-cycles: '%s' is not a non-negative whole number", value);
      break;
    case OPT_TOL_REL:
      a->options.tol_rel = strtod(value, &end);
      if (!value[0] || *end || !isfinite(a->options.tol_rel) || a->options.tol_rel < 0)
        return np_cli_usage_error(&diff_command, "--tol-rel: '%s' is not a non-negative fraction (0.02 is 2%%)", value);
      break;
    case OPT_JSON: a->json = true; break;
    case OPT_FORCE: a->force = true; break;
    default: break;
  }
  return -1;
}

/* Commands of traces of different configs or schedules need not correspond: refused (exit 2)
 * unless --force. -1 when they are traces of the same config and schedule. */
static int refuse_unrelated(const NpTraceDiff *d, const char *path_a, const char *path_b) {
  const NpTraceHeader *a = &d->a_header, *b = &d->b_header;
  if (a->config_hash != b->config_hash)
    fprintf(stderr,
            "npusim trace diff: %s and %s are traces of different configs (%s, hash %016" PRIx64 "; %s, hash %016" PRIx64
            "): their commands need not correspond; pass --force to compare them anyway\n",
            path_a, path_b, a->config_name, a->config_hash, b->config_name, b->config_hash);
  else if (a->schedule_hash != b->schedule_hash)
    fprintf(stderr,
            "npusim trace diff: %s and %s are traces of different schedules (hash %016" PRIx64 " and %016" PRIx64
            "; a cold and a warm inference, or another model or lowering): their commands need not correspond; "
            "pass --force to compare them anyway\n",
            path_a, path_b, a->schedule_hash, b->schedule_hash);
  else
    return -1;
  return NP_EXIT_BAD_INPUT;
}

static int trace_diff(int argc, char **argv) {
  DiffArgs args = {{0, 0.0}, false, false};
  int first;
  int rc = np_cli_parse(&diff_command, argc, argv, take_diff_option, &args, &first);
  if (rc >= 0) return rc;
  if (first + 2 != argc) return np_cli_usage_error(&diff_command, "expected two traces, A (the reference) and B");
  const char *path_a = argv[first], *path_b = argv[first + 1];
  NpTraceDiffOptions options = args.options;
  bool json = args.json;
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceDiff d;
  if (!np_trace_diff(path_a, path_b, &options, &d, &diag)) return fail_with(&diag);
  if (!args.force && (rc = refuse_unrelated(&d, path_a, path_b)) >= 0) {
    np_trace_diff_free(&d);
    np_diag_free(&diag);
    return rc;
  }
  if (json)
    print_diff_json(&d, path_a, path_b);
  else
    print_diff_text(&d, path_a, path_b);
  rc = d.agree ? NP_EXIT_OK : NP_EXIT_FAIL;
  np_trace_diff_free(&d);
  np_diag_free(&diag);
  return rc;
}

/* ---------------------------------------------------------------- dispatch */

int cmd_trace(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
  } subcommands[] = {
      {"dump", trace_dump}, {"stats", trace_stats}, {"perfetto", trace_perfetto}, {"diff", trace_diff},
  };
  if (argc < 2) {
    fputs(trace_usage, stderr);
    return NP_EXIT_BAD_INPUT;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(trace_usage, stdout);
    return NP_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(argv[1], subcommands[i].name) == 0) return subcommands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "npusim trace: unknown subcommand '%s' (dump, stats, perfetto or diff)\nsee `npusim trace --help`\n",
          argv[1]);
  return NP_EXIT_BAD_INPUT;
}
