/* npusim trace dump|stats|perfetto|diff: look into, summarize, convert and compare traces. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "trace/trace.h"
#include "util/diag.h"

static const char trace_usage[] =
    "usage: npusim trace <dump|stats|perfetto|diff> ...\n"
    "\n"
    "Traces (.npt.zst) record how each command of a schedule executed: its unit (engine, DMA\n"
    "channel or SRAM bank), start and end cycle, bytes, bursts and stall cycles by cause. The\n"
    "model and the RTL harness write the same format (docs/formats.md, \"Trace\").\n"
    "\n"
    "  npusim trace dump FILE [--limit N] [--csv]     the header, then one line per record\n"
    "  npusim trace stats FILE                        totals, per kind and unit busy cycles, stalls\n"
    "  npusim trace perfetto FILE -o OUT.json         a timeline for ui.perfetto.dev\n"
    "  npusim trace diff A B [--tol-cycles N] [--tol-rel X] [--json]\n"
    "                                                 compare B against reference A\n"
    "\n"
    "`npusim trace <subcommand> --help` explains each. docs/traces.md has examples.\n"
    "exit status: 0 ok, 1 diff found a difference beyond tolerance, 2 bad usage or a bad trace.\n";

static const char dump_usage[] =
    "usage: npusim trace dump FILE [--limit N] [--csv]\n"
    "\n"
    "Prints the trace header, then one line per record in file order: command id, layer, kind,\n"
    "unit, start and end cycle, cycles (end - start), bytes, bursts and stall cycles by cause\n"
    "(dram, bank conflict, dependency, outstanding-burst limit, busy unit; docs/formats.md\n"
    "defines them).\n"
    "The whole file is always read, so a truncated or corrupt trace is reported even with --limit.\n"
    "\n"
    "options:\n"
    "  --limit N   print the first N records only (the rest are counted)\n"
    "  --csv       records only, as CSV with a header row (stable column names)\n"
    "  -h, --help  this text\n"
    "\n"
    "example:\n"
    "  npusim trace dump run.npt.zst --limit 20\n";

static const char stats_usage[] =
    "usage: npusim trace stats FILE\n"
    "\n"
    "Summarizes a trace: record count, the cycle span (first start to last end) and its time at\n"
    "the header's clock, records, cycles and bytes per command kind, per unit busy cycles (the\n"
    "union of its records' intervals, so overlapping transfers count once) and utilization\n"
    "(busy / span), and stall totals by cause.\n"
    "\n"
    "example:\n"
    "  npusim trace stats run.npt.zst\n";

static const char perfetto_usage[] =
    "usage: npusim trace perfetto FILE -o OUT.json\n"
    "\n"
    "Writes the trace as Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing\n"
    "open: one process per unit kind (engines, DMA channels, SRAM banks), one track per unit,\n"
    "one slice per record, with ts and dur in microseconds (cycles / clock MHz) and the command\n"
    "id, layer, bytes, bursts and stalls as arguments. A unit whose records overlap in time gets\n"
    "extra tracks (\"dma 0 #2\"). OUT.json is written to a temporary file and renamed.\n"
    "\n"
    "options:\n"
    "  -o, --output OUT.json  where to write (required)\n"
    "  -h, --help             this text\n"
    "\n"
    "example:\n"
    "  npusim trace perfetto run.npt.zst -o run.json   # then open run.json in ui.perfetto.dev\n";

static const char diff_usage[] =
    "usage: npusim trace diff A B [--tol-cycles N] [--tol-rel X] [--json]\n"
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
    "\n"
    "options:\n"
    "  --tol-cycles N  absolute tolerance in cycles (default 0)\n"
    "  --tol-rel X     relative tolerance, a fraction: 0.02 is 2% (default 0)\n"
    "  --json          machine-readable output (schema \"npusim.trace-diff/1\")\n"
    "  -h, --help      this text\n"
    "\n"
    "example:\n"
    "  npusim trace diff model.npt.zst rtl.npt.zst --tol-rel 0.02\n"
    "\n"
    "exit status: 0 every command matched and within tolerance, 1 otherwise, 2 bad usage or a\n"
    "missing, truncated or corrupt trace.\n";

static int usage_error(const char *sub, const char *fmt, const char *arg) {
  fprintf(stderr, "npusim trace%s%s: ", sub ? " " : "", sub ? sub : "");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nsee `npusim trace%s%s --help`\n", sub ? " " : "", sub ? sub : "");
  return NP_EXIT_BAD_INPUT;
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

static void print_record(FILE *out, const NpTraceRecord *r, bool csv) {
  const char *fmt = csv ? "%" PRIu32 ",%" PRIu32 ",%s,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                          ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n"
                        : "%8" PRIu32 " %6" PRIu32 " %-8s %-6s %5u %12" PRIu64 " %12" PRIu64 " %9" PRIu64
                          " %10" PRIu64 " %7" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n";
  fprintf(out, fmt, r->command, r->layer, np_trace_kind_name(r->kind), np_trace_unit_kind_name(r->unit_kind),
          (unsigned)r->unit, r->start, r->end, r->end - r->start, r->bytes, r->bursts, r->stall[NP_TRACE_STALL_DRAM],
          r->stall[NP_TRACE_STALL_BANK_CONFLICT], r->stall[NP_TRACE_STALL_DEPENDENCY], r->stall[NP_TRACE_STALL_OUTSTANDING],
          r->stall[NP_TRACE_STALL_UNIT]);
}

static int trace_dump(int argc, char **argv) {
  static const struct option long_options[] = {
      {"limit", required_argument, NULL, 'l'},
      {"csv", no_argument, NULL, 'c'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  uint64_t limit = UINT64_MAX;
  bool csv = false;
  int c;
  while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
    switch (c) {
      case 'l':
        if (!parse_u64(optarg, &limit)) return usage_error("dump", "--limit: '%s' is not a count", optarg);
        break;
      case 'c': csv = true; break;
      case 'h': fputs(dump_usage, stdout); return NP_EXIT_OK;
      case ':': return usage_error("dump", "option '%s' needs a value", argv[optind - 1]);
      default: return usage_error("dump", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind + 1 != argc) return usage_error("dump", "%s", "expected one FILE");
  const char *path = argv[optind];

  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(path, &diag);
  if (!reader) return fail_with(&diag);
  if (csv) {
    puts("command,layer,kind,unit_kind,unit,start,end,cycles,bytes,bursts,"
         "stall_dram,stall_bank_conflict,stall_dependency,stall_outstanding,stall_unit");
  } else {
    print_header_lines(stdout, path, np_trace_reader_header(reader));
    printf("\n%8s %6s %-8s %-6s %5s %12s %12s %9s %10s %7s %9s %9s %9s %9s %9s\n", "command", "layer", "kind", "unit",
           "index", "start", "end", "cycles", "bytes", "bursts", "dram", "bank", "dep", "outst", "unitwait");
  }
  NpTraceRecord record;
  uint64_t n = 0;
  int status;
  while ((status = np_trace_read(reader, &record, &diag)) == 1) {
    if (n < limit) print_record(stdout, &record, csv);
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
  static const struct option long_options[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
    if (c == 'h') {
      fputs(stats_usage, stdout);
      return NP_EXIT_OK;
    }
    return usage_error("stats", "unknown option '%s'", argv[optind - 1]);
  }
  if (optind + 1 != argc) return usage_error("stats", "%s", "expected one FILE");
  const char *path = argv[optind];

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
    char name[32];
    snprintf(name, sizeof name, "%s %u", np_trace_unit_kind_name(u->kind), (unsigned)u->unit);
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

static int trace_perfetto(int argc, char **argv) {
  static const struct option long_options[] = {
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *out_path = NULL;
  int c;
  while ((c = getopt_long(argc, argv, ":ho:", long_options, NULL)) != -1) {
    switch (c) {
      case 'o': out_path = optarg; break;
      case 'h': fputs(perfetto_usage, stdout); return NP_EXIT_OK;
      case ':': return usage_error("perfetto", "option '%s' needs a value", argv[optind - 1]);
      default: return usage_error("perfetto", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind + 1 != argc) return usage_error("perfetto", "%s", "expected one FILE");
  if (!out_path) return usage_error("perfetto", "%s", "missing -o OUT.json");
  NpDiag diag;
  np_diag_init(&diag);
  if (!np_trace_to_perfetto(argv[optind], out_path, &diag)) return fail_with(&diag);
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
  return json_pack("{s:s, s:s, s:s, s:f, s:s, s:s}", "file", path, "source", np_trace_source_name(h->source), "config",
                   h->config_name, "clock_mhz", h->clock_mhz, "config_hash", config_hash, "schedule_hash",
                   schedule_hash);
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
    printf("\nper layer\n%6s %14s %14s %12s %9s\n", "layer", "A cycles", "B cycles", "delta", "rel");
    for (size_t i = 0; i < d->n_layers; i++) {
      const NpTraceLayerDelta *l = &d->layers[i];
      printf("%6" PRIu32 " %14" PRIu64 " %14" PRIu64 " %+12" PRId64 " %+8.2f%%\n", l->layer, l->a_cycles, l->b_cycles,
             l->delta, 100.0 * l->rel);
    }
  }
  printf("\n%s\n", d->agree ? "agree: every command within tolerance"
                            : "DISAGREE: commands outside tolerance or present in one trace only");
}

static int trace_diff(int argc, char **argv) {
  static const struct option long_options[] = {
      {"tol-cycles", required_argument, NULL, 'c'},
      {"tol-rel", required_argument, NULL, 'r'},
      {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  NpTraceDiffOptions options = {0, 0.0};
  bool json = false;
  int c;
  while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
    switch (c) {
      case 'c':
        if (!parse_u64(optarg, &options.tol_cycles))
          return usage_error("diff", "--tol-cycles: '%s' is not a non-negative whole number", optarg);
        break;
      case 'r': {
        char *end;
        options.tol_rel = strtod(optarg, &end);
        if (!optarg[0] || *end || !isfinite(options.tol_rel) || options.tol_rel < 0)
          return usage_error("diff", "--tol-rel: '%s' is not a non-negative fraction (0.02 is 2%%)", optarg);
        break;
      }
      case 'j': json = true; break;
      case 'h': fputs(diff_usage, stdout); return NP_EXIT_OK;
      case ':': return usage_error("diff", "option '%s' needs a value", argv[optind - 1]);
      default: return usage_error("diff", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind + 2 != argc) return usage_error("diff", "%s", "expected two traces, A (the reference) and B");
  const char *path_a = argv[optind], *path_b = argv[optind + 1];
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceDiff d;
  if (!np_trace_diff(path_a, path_b, &options, &d, &diag)) return fail_with(&diag);
  if (json)
    print_diff_json(&d, path_a, path_b);
  else
    print_diff_text(&d, path_a, path_b);
  int rc = d.agree ? NP_EXIT_OK : NP_EXIT_FAIL;
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
    if (strcmp(argv[1], subcommands[i].name) == 0) {
      opterr = 0;
      optind = 1;
      return subcommands[i].run(argc - 1, argv + 1);
    }
  return usage_error(NULL, "unknown subcommand '%s' (dump, stats, perfetto or diff)", argv[1]);
}
