/* The pipeline: lower cold and warm, replay both, optionally trace one of them. */
#include "simulate/simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---------------------------------------------------------------- trace */

/* Streams the replay's per-command records into a trace writer. */
typedef struct TraceSink {
  NpTraceWriter *writer;
  const NpSchedule *schedule;
  const NpArch *arch;
  int64_t engine_free[NP_ARCH_MAX_ENGINES]; /* end of the last COMPUTE seen on each engine */
} TraceSink;

static uint64_t nonneg(int64_t v) { return v > 0 ? (uint64_t)v : 0; }

/* The DRAM channel of a transfer's first burst (docs/timing.md, "Bursts"): its DMA track. */
static uint16_t first_channel(const NpArch *arch, const NpCommand *cmd) {
  int64_t burst = arch->dram.burst_bytes > 0 ? arch->dram.burst_bytes : 1;
  int64_t channels = arch->dram.channels > 0 ? arch->dram.channels : 1;
  return (uint16_t)((cmd->dram_addr / burst) % channels);
}

/* docs/run.md ("Trace"): how a replay record becomes a trace record. */
static void trace_record(TraceSink *sink, const NpCommandTiming *t, NpTraceRecord *r) {
  memset(r, 0, sizeof *r);
  r->command = (uint32_t)t->cmd;
  r->layer = (uint32_t)t->layer;
  r->kind = (NpTraceKind)t->kind;
  r->start = nonneg(t->start);
  r->end = nonneg(t->end);
  r->bursts = nonneg(t->bursts);
  r->stall[NP_TRACE_STALL_DRAM] = nonneg(t->stall[NP_STALL_DRAM]);
  r->stall[NP_TRACE_STALL_BANK_CONFLICT] = nonneg(t->stall[NP_STALL_SRAM_BANK]);
  r->stall[NP_TRACE_STALL_UNIT] = nonneg(t->stall[NP_STALL_UNIT]);
  const NpCommand *cmd = &sink->schedule->cmds[t->cmd];
  int64_t *engine_free = sink->engine_free;
  switch (t->kind) {
    case NP_CMD_LOAD:
    case NP_CMD_STORE:
      r->unit_kind = NP_TRACE_UNIT_DMA;
      r->unit = first_channel(sink->arch, cmd);
      r->bytes = nonneg(t->bytes);
      break;
    case NP_CMD_COMPUTE: {
      r->unit_kind = NP_TRACE_UNIT_ENGINE;
      r->unit = (uint16_t)t->engine;
      r->bytes = nonneg(cmd->sram_read_bytes) + nonneg(cmd->sram_write_bytes);
      /* The engine was free from its previous COMPUTE's end; what it then waited for its
       * dependencies is the dependency stall (0 when it was still busy at `ready`). */
      int64_t free_at = engine_free[t->engine] < t->start ? engine_free[t->engine] : t->start;
      r->stall[NP_TRACE_STALL_DEPENDENCY] = nonneg(t->ready - free_at);
      if (t->end > engine_free[t->engine]) engine_free[t->engine] = t->end;
      break;
    }
    case NP_CMD_SYNC:
      r->unit_kind = NP_TRACE_UNIT_ENGINE;
      r->unit = (uint16_t)t->engine;
      break;
  }
}

/* A COMPUTE on an engine of more than one core adds a record per core that had a share of
 * it: from the COMPUTE's start for that share's cycles (docs/timing.md, "Cores"), so that
 * idle and unevenly loaded cores show. The sync and a K cut's adds after the shares, and
 * any bank time beyond them, are the engine's record alone. */
static void trace_cores(TraceSink *sink, const NpTraceRecord *compute, int engine_index) {
  const NpEngine *engine = &sink->arch->engines[engine_index];
  if (engine->cores <= 1) return;
  int64_t cycles[NP_TRACE_CORES_PER_ENGINE];
  NpEngineWork work = np_command_work(&sink->schedule->cmds[compute->command]);
  int n = np_engine_core_shares(engine, &work, cycles, NP_TRACE_CORES_PER_ENGINE);
  for (int core = 0; core < n; core++) {
    if (cycles[core] < 0) continue;
    NpTraceRecord r;
    memset(&r, 0, sizeof r);
    r.command = compute->command;
    r.layer = compute->layer;
    r.kind = NP_TRACE_COMPUTE;
    r.unit_kind = NP_TRACE_UNIT_CORE;
    r.unit = np_trace_core_unit(engine_index, core);
    r.start = compute->start;
    uint64_t span = compute->end - compute->start;
    r.end = r.start + ((uint64_t)cycles[core] < span ? (uint64_t)cycles[core] : span);
    (void)np_trace_write(sink->writer, &r);
  }
}

static void trace_command(void *user, const NpCommandTiming *timing) {
  TraceSink *sink = user;
  NpTraceRecord record;
  trace_record(sink, timing, &record);
  (void)np_trace_write(sink->writer, &record); /* the writer keeps the first error for close */
  if (timing->kind == NP_CMD_COMPUTE) trace_cores(sink, &record, timing->engine);
}

NpTraceHeader np_sim_trace_header(const NpSchedule *schedule, const NpArch *arch, NpTraceSource source) {
  NpTraceHeader header;
  memset(&header, 0, sizeof header);
  header.source = source;
  header.clock_mhz = arch->clock_mhz;
  char *yaml = np_arch_to_yaml(arch);
  header.config_hash = np_trace_hash(NP_TRACE_HASH_SEED, yaml, strlen(yaml));
  free(yaml);
  header.schedule_hash = schedule->hash;
  snprintf(header.config_name, sizeof header.config_name, "%s", arch->name);
  return header;
}

void np_sim_trace_names(const NpSchedule *schedule, const NpGraph *graph, const NpArch *arch, NpTraceNames *names) {
  names->n_engines = (uint32_t)arch->n_engines;
  names->n_layers = (uint32_t)schedule->n_layers;
  names->engines = np_xcalloc(names->n_engines ? names->n_engines : 1, sizeof *names->engines);
  names->layers = np_xcalloc(names->n_layers ? names->n_layers : 1, sizeof *names->layers);
  names->layer_ops = np_xcalloc(names->n_layers ? names->n_layers : 1, sizeof *names->layer_ops);
  static char empty[] = "";
  for (uint32_t e = 0; e < names->n_engines; e++) names->engines[e] = (char *)arch->engines[e].name;
  for (uint32_t i = 0; i < names->n_layers; i++) {
    const NpLayerPlan *p = &schedule->layers[i];
    names->layers[i] = p->name ? p->name : empty;
    bool known = graph && p->op >= 0 && (size_t)p->op < graph->n_ops;
    names->layer_ops[i] = known ? (char *)np_op_kind_name(graph->ops[p->op].kind) : empty;
  }
}

void np_sim_trace_names_free(NpTraceNames *names) {
  free(names->engines);
  free(names->layers);
  free(names->layer_ops);
}

static bool replay_traced(const NpSchedule *schedule, const NpGraph *graph, const NpArch *arch, const char *path,
                          const NpReplayOptions *progress, NpStats *stats, uint64_t *records, NpDiag *diag) {
  NpTraceHeader header = np_sim_trace_header(schedule, arch, NP_TRACE_SOURCE_MODEL);
  np_sim_trace_names(schedule, graph, arch, &header.names);
  TraceSink sink = {.writer = np_trace_writer_open(path, &header, diag), .schedule = schedule, .arch = arch};
  np_sim_trace_names_free(&header.names); /* the writer has written them */
  if (!sink.writer) return false;
  NpReplayOptions options = *progress;
  options.on_command = trace_command;
  options.user = &sink;
  if (!np_replay_run(schedule, arch, &options, stats, diag)) {
    np_trace_writer_abort(sink.writer);
    return false;
  }
  if (records) *records = np_trace_writer_count(sink.writer);
  if (!np_trace_writer_close(sink.writer, diag)) {
    np_stats_free(stats);
    return false;
  }
  return true;
}

bool np_sim_replay_traced(const NpSchedule *schedule, const NpArch *arch, const char *path, NpStats *stats,
                          uint64_t *records, NpDiag *diag) {
  NpReplayOptions none = {0};
  return replay_traced(schedule, NULL, arch, path, &none, stats, records, diag);
}

/* ---------------------------------------------------------------- cost */

/* "under a second", "40 s", "12 minutes", "2.1 hours" */
static void describe_seconds(double s, char *out, size_t size) {
  if (s < 1) snprintf(out, size, "under a second");
  else if (s < 120) snprintf(out, size, "%.0f s", s);
  else if (s < 7200) snprintf(out, size, "%.0f minutes", s / 60);
  else snprintf(out, size, "%.1f hours", s / 3600);
}

bool np_sim_check_cost(const NpSchedule *const *schedules, size_t n, const NpArch *arch, int64_t max_bursts,
                       int64_t *bursts, NpDiag *diag) {
  int64_t total = 0;
  size_t commands = 0;
  for (size_t i = 0; i < n; i++) {
    if (!np_add_i64(total, np_replay_bursts(schedules[i], arch), &total)) total = INT64_MAX;
    commands += schedules[i]->n_cmds;
  }
  if (bursts) *bursts = total;
  int64_t bound = max_bursts > 0 ? max_bursts : NP_SIM_MAX_BURSTS_DEFAULT;
  if (total <= bound) return true;
  char time[32];
  describe_seconds((double)total / NP_SIM_BURSTS_PER_SECOND, time, sizeof time);
  np_diag_add(diag, "replay: config '%s': replaying would issue %lld DRAM bursts over %zu commands, about %s, "
              "more than the bound of %lld bursts; --max-bursts %lld allows it", arch->name, (long long)total,
              commands, time, (long long)bound, (long long)total);
  return false;
}

/* ---------------------------------------------------------------- pipeline */

/* Both replays' bursts as one count for NpSimOptions.progress. */
typedef struct Progress {
  NpSimProgress report;
  void *user;
  int64_t before, total; /* bursts of the replays already done; of both */
} Progress;

static void replay_progress(void *user, int64_t bursts_done) {
  Progress *p = user;
  p->report(p->user, p->before + bursts_done, p->total);
}

static bool replay_one(const NpSchedule *schedule, const NpGraph *graph, const NpArch *arch, const char *trace_path,
                       Progress *progress, NpStats *stats, uint64_t *records, NpDiag *diag) {
  NpReplayOptions options = {0};
  if (progress->report) {
    options.on_progress = replay_progress;
    options.progress_user = progress;
  }
  bool ok = trace_path ? replay_traced(schedule, graph, arch, trace_path, &options, stats, records, diag)
                       : np_replay_run(schedule, arch, &options, stats, diag);
  progress->before += ok ? stats->bursts : 0;
  return ok;
}

bool np_simulate(const NpGraph *graph, const NpArch *arch, const NpSimOptions *options, NpSimulation *out,
                 NpDiag *diag) {
  memset(out, 0, sizeof *out);
  NpSimOptions defaults = {NP_DTYPE_UNKNOWN, NULL, false, 0, 0, NULL, NULL, NULL};
  if (!options) options = &defaults;
  NpLowerOptions lower_options = {false, options->dtype, options->weight_bits, options->lower_cache};
  if (!np_lower_pair(graph, arch, &lower_options, &out->cold, &out->warm, diag)) return false;
  const NpSchedule *both[] = {&out->cold, &out->warm};
  Progress progress = {options->progress, options->progress_user, 0, 0};
  bool ok = np_sim_check_cost(both, 2, arch, options->max_bursts, &progress.total, diag);
  if (ok && progress.report) progress.report(progress.user, 0, progress.total);
  const char *trace = options->trace_path;
  ok = ok && (options->trace_warm
                  ? replay_one(&out->cold, graph, arch, NULL, &progress, &out->cold_stats, NULL, diag) &&
                        replay_one(&out->warm, graph, arch, trace, &progress, &out->warm_stats, &out->trace_records,
                                   diag)
                  : replay_one(&out->warm, graph, arch, NULL, &progress, &out->warm_stats, NULL, diag) &&
                        replay_one(&out->cold, graph, arch, trace, &progress, &out->cold_stats, &out->trace_records,
                                   diag));
  if (ok && progress.report) progress.report(progress.user, progress.total, progress.total);
  if (!ok) np_simulation_free(out);
  return ok;
}

void np_simulation_free(NpSimulation *sim) {
  if (!sim) return;
  np_stats_free(&sim->cold_stats);
  np_stats_free(&sim->warm_stats);
  np_schedule_free(&sim->cold);
  np_schedule_free(&sim->warm);
  memset(sim, 0, sizeof *sim);
}
