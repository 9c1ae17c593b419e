/* npusim sweep SPEC.yaml [-o FILE] [--jobs N] [--resume] [--shard K/N] [--quiet]
 * npusim sweep merge SHARD... -o FILE
 * Runs every point of a sweep spec, rows in point order, appended and flushed one by one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_options.h"
#include "cli/cli_progress.h"
#include "cli/cli_run.h"
#include "cli/commands.h"
#include "sweep/sweep.h"
#include "util/diag.h"
#include "util/file.h"
#include "util/outfile.h"

static const char sweep_synopsis[] =
    "usage: npusim sweep SPEC.yaml [-o FILE.csv|FILE.jsonl] [--jobs N] [--resume] [--shard K/N] [--quiet]\n"
    "       npusim sweep merge SHARD... -o FILE\n"
    "\n"
    "Runs every point of a sweep spec (the product of its axes: config keys, and the model\n"
    "what-ifs model.channel_scale, model.resolution, model.dtype) and writes one row per point:\n"
    "point, model, model_file (absolute), the axis values (sizes in bytes), status, warm_ms,\n"
    "cold_ms, energy_uj, sram_peak_bytes, dram_bytes, fallbacks, then what made the row: config,\n"
    "config_hash, set (the spec's overrides), npusim_version; and message. Reals have 17\n"
    "significant digits. Rows come in point order whatever --jobs is; each is appended and\n"
    "flushed as soon as the rows before it are. A point whose config or model what-if is\n"
    "invalid gets its status and message; the sweep goes on. docs/sweeps.md has the spec.\n"
    "\n";
static const char sweep_epilogue[] =
    "merge: the rows of shard files in point order, as the unsharded run writes them.\n"
    "\n"
    "examples:\n"
    "  npusim sweep configs/sweeps/sram-mobilenet.yaml -o sram.csv\n"
    "  npusim sweep configs/sweeps/sram-mobilenet.yaml --shard 0/2 -o shard0.csv   # one job of two\n"
    "  npusim sweep configs/sweeps/sram-mobilenet.yaml --shard 1/2 -o shard1.csv\n"
    "  npusim sweep merge shard0.csv shard1.csv -o all.csv\n"
    "  npusim sweep configs/sweeps/sram-mobilenet.yaml --check\n"
    "\n"
    "exit status: 0 ok (failed points are rows, not errors), 2 bad usage, a bad spec, a model\n"
    "that cannot be loaded, or an output that cannot be written.\n";

enum { OPT_RESUME = NP_CLI_OWN, OPT_SHARD, OPT_CHECK };

static const NpCliOption sweep_options[] = {
    {"output", 'o', "FILE", "write here (.jsonl: JSON Lines, else CSV); default: stdout"},
    {"jobs", 'j', "N", "worker threads (default: every core)"},
    {"resume", OPT_RESUME, NULL,
     "keep the rows FILE already holds and run only the rest; the file ends\nequal to an uninterrupted run's"},
    {"shard", OPT_SHARD, "K/N",
     "run only points p with p % N = K (0 <= K < N). Without it, taken from\n"
     "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_COUNT, or\n"
     "JOB_COMPLETION_INDEX / NPUSIM_SHARDS (Kubernetes Indexed Job), when set"},
    {"quiet", 'q', NULL, "no progress bar (it shows only on a terminal anyway)"},
    {"check", OPT_CHECK, NULL,
     "check the spec without running it: it parses, its models load and every\npoint's config loads; writes nothing"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const sweep_tables[] = {sweep_options, np_cli_bound_options, np_cli_progress_options, NULL};
static const NpCliCommand sweep_command = {"sweep", sweep_synopsis, sweep_tables, sweep_epilogue};

static const char merge_synopsis[] =
    "usage: npusim sweep merge SHARD... -o FILE\n"
    "\n"
    "Writes the rows of shard files (`npusim sweep --shard K/N`) in point order, as the\n"
    "unsharded run writes them.\n"
    "\n";

static const NpCliOption merge_options[] = {
    {"output", 'o', "FILE", "the merged file to write (atomically)"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const merge_tables[] = {merge_options, NULL};
static const NpCliCommand merge_command = {"sweep merge", merge_synopsis, merge_tables, sweep_epilogue};

typedef struct SweepOptions {
  const char *spec;
  const char *out;
  long jobs;
  bool resume, quiet, shard_given, check, progress;
  int64_t max_bursts;
  size_t shard, n_shards;
} SweepOptions;

static int usage_error(const char *message, const char *arg) {
  return np_cli_usage_error(&sweep_command, "%s%s%s", message, arg ? ": " : "", arg ? arg : "");
}

static bool parse_count(const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool parse_shard(const char *text, size_t *k, size_t *n) {
  const char *slash = strchr(text, '/');
  if (slash == NULL) return false;
  char first[32];
  size_t len = (size_t)(slash - text);
  if (len == 0 || len >= sizeof first) return false;
  memcpy(first, text, len);
  first[len] = '\0';
  long a, b;
  if (!parse_count(first, 0, 1000000, &a) || !parse_count(slash + 1, 1, 1000000, &b) || a >= b) return false;
  *k = (size_t)a;
  *n = (size_t)b;
  return true;
}

/* The shard an array job gives through its environment; -1 on a bad value, 0 when none. */
static int shard_from_environment(SweepOptions *o) {
  const char *id = getenv("SLURM_ARRAY_TASK_ID"), *count = getenv("SLURM_ARRAY_TASK_COUNT");
  long a, b, min = 0;
  if (id && count) {
    const char *min_text = getenv("SLURM_ARRAY_TASK_MIN");
    if (!parse_count(id, 0, 100000000, &a) || !parse_count(count, 1, 1000000, &b) ||
        (min_text && !parse_count(min_text, 0, 100000000, &min)) || a < min || a - min >= b) {
      fputs("npusim sweep: SLURM_ARRAY_TASK_ID/_MIN/_COUNT do not name a shard (use --array=0-N-1 or --shard)\n",
            stderr);
      return -1;
    }
    o->shard = (size_t)(a - min), o->n_shards = (size_t)b;
    return 1;
  }
  id = getenv("JOB_COMPLETION_INDEX");
  if (id) {
    count = getenv("NPUSIM_SHARDS");
    if (count == NULL || !parse_count(id, 0, 1000000, &a) || !parse_count(count, 1, 1000000, &b) || a >= b) {
      fputs("npusim sweep: JOB_COMPLETION_INDEX is set: set NPUSIM_SHARDS to the Job's completions (and the index "
            "below it), or pass --shard K/N\n",
            stderr);
      return -1;
    }
    o->shard = (size_t)a, o->n_shards = (size_t)b;
    return 1;
  }
  return 0;
}

static int take_sweep_option(void *user, int key, const char *value) {
  SweepOptions *o = user;
  switch (key) {
    case 'o': o->out = value; break;
    case 'j':
      if (!parse_count(value, 1, 1024, &o->jobs)) return usage_error("--jobs needs a thread count 1..1024", value);
      break;
    case OPT_RESUME: o->resume = true; break;
    case 'q': o->quiet = true; break;
    case OPT_CHECK: o->check = true; break;
    case NP_CLI_PROGRESS: o->progress = true; break;
    case NP_CLI_MAX_BURSTS: return np_cli_max_bursts_parse("sweep", value, &o->max_bursts) < 0 ? NP_EXIT_BAD_INPUT : -1;
    case OPT_SHARD:
      if (!parse_shard(value, &o->shard, &o->n_shards)) return usage_error("--shard needs K/N with 0 <= K < N", value);
      o->shard_given = true;
      break;
    default: break;
  }
  return -1;
}

static int parse_options(int argc, char **argv, SweepOptions *o) {
  memset(o, 0, sizeof *o);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = cores > 0 ? cores : 1;
  o->n_shards = 1;
  int first;
  int rc = np_cli_parse(&sweep_command, argc, argv, take_sweep_option, o, &first);
  if (rc >= 0) return rc;
  if (first + 1 < argc) return usage_error("one spec at a time", argv[first + 1]);
  if (first < argc) o->spec = argv[first];
  if (o->spec == NULL) return usage_error("which sweep spec? (npusim sweep SPEC.yaml)", NULL);
  if (o->resume && o->out == NULL) return usage_error("--resume needs -o FILE", NULL);
  if (!o->shard_given && shard_from_environment(o) < 0) return NP_EXIT_BAD_INPUT;
  return -1;
}

/* ---- progress ---- */

static void show_progress(void *user, size_t done, size_t total) {
  np_cli_progress_show(user, (double)done, (double)total);
}

/* ---- the run ---- */

/* Cuts a file to resume down to the complete rows of this sweep it holds. */
static bool keep_resumable_rows(const SweepOptions *o, const NpSweepSpec *spec, NpSweepRun *run, int fd,
                                NpDiag *diag) {
  size_t len, rows, keep;
  char *text = np_read_file(o->out, INT64_C(1) << 34, "sweep result", &len, diag);
  if (text == NULL) return false;
  bool ok = np_sweep_resume_scan(spec, run, o->out, text, len, &rows, &keep, diag);
  free(text);
  if (!ok) return false;
  if (ftruncate(fd, (off_t)keep) != 0) {
    np_diag_add(diag, "%s: error: cannot cut off the unfinished row: %s", o->out, strerror(errno));
    return false;
  }
  run->skip = rows;
  run->header = keep == 0;
  return true;
}

/* Opens the output, once the spec and its models are known to be good: locked against a
 * second writer, emptied (or, with --resume, cut to the rows it keeps), appended to. */
static FILE *open_output(const SweepOptions *o, const NpSweepSpec *spec, NpSweepRun *run, NpDiag *diag) {
  if (o->out == NULL) return stdout;
  int fd = open(o->out, (o->resume ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    np_diag_add(diag, "%s: error: cannot open for writing: %s", o->out, strerror(errno));
    return NULL;
  }
  struct stat st;
  bool ok = fstat(fd, &st) == 0;
  if (ok && S_ISREG(st.st_mode)) {
    /* A FIFO or a device is written as it is: nothing to lock, cut or resume. */
    ok = np_file_lock(fd, o->out, diag);
    if (ok && o->resume) {
      ok = keep_resumable_rows(o, spec, run, fd, diag);
    } else if (ok && ftruncate(fd, 0) != 0) {
      np_diag_add(diag, "%s: error: cannot empty the file: %s", o->out, strerror(errno));
      ok = false;
    }
  } else if (ok && o->resume) {
    np_diag_add(diag, "%s: error: --resume needs a regular file to read back", o->out);
    ok = false;
  }
  FILE *out = ok ? fdopen(fd, "a") : NULL;
  if (ok && out == NULL) np_diag_add(diag, "%s: error: cannot open for writing: %s", o->out, strerror(errno));
  if (out == NULL) close(fd);
  return out;
}

/* --check: the spec, its models and every point's config, and nothing run or written. */
static int check_sweep(const SweepOptions *o, const NpSweepSpec *spec, NpDiag *diag) {
  NpGraph **graphs = np_sweep_load_models(spec, diag);
  size_t bad = 0;
  bool ok = graphs != NULL && np_sweep_check(spec, &bad, diag);
  np_diag_print(diag, stderr);
  if (ok) {
    printf("%s: ok (%zu points: %zu model%s", o->spec, spec->n_points, spec->n_models, spec->n_models == 1 ? "" : "s");
    if (spec->configs_axis) printf(" x %zu config%s", spec->n_configs, spec->n_configs == 1 ? "" : "s");
    for (size_t i = 0; i < spec->n_axes; i++) printf(" x %zu %s", spec->axes[i].n_values, spec->axes[i].key);
    printf("; every point's config loads)\n");
    np_cli_stdout_ok();
  } else if (graphs != NULL) {
    fprintf(stderr, "%s: %zu of %zu points have a config that does not load\n", o->spec, bad, spec->n_points);
  }
  np_sweep_free_models(spec, graphs);
  return ok ? NP_EXIT_OK : NP_EXIT_BAD_INPUT;
}

static int run_sweep(const SweepOptions *o) {
  NpDiag diag;
  np_diag_init(&diag);
  NpSweepSpec spec;
  if (!np_sweep_spec_load(o->spec, &spec, &diag)) {
    np_diag_print(&diag, stderr);
    np_diag_free(&diag);
    return NP_EXIT_BAD_INPUT;
  }
  if (o->check) {
    int code = check_sweep(o, &spec, &diag);
    np_diag_free(&diag);
    np_sweep_spec_free(&spec);
    return code;
  }
  NpSweepRun run = {.jobs = (int)o->jobs,
                    .max_bursts = o->max_bursts,
                    .shard = o->shard,
                    .n_shards = o->n_shards,
                    .format = np_sweep_format_from_path(o->out),
                    .header = true,
                    .out_name = o->out};
  int code = NP_EXIT_BAD_INPUT;
  run.graphs = np_sweep_load_models(&spec, &diag);
  FILE *out = run.graphs ? open_output(o, &spec, &run, &diag) : NULL;
  if (out != NULL) {
    code = NP_EXIT_OK;
    NpCliProgress progress;
    np_cli_progress_start(&progress, "points", (double)run.skip, o->progress);
    if (!o->quiet && progress.on && out != stdout) {
      run.progress = show_progress;
      run.user = &progress;
    }
    run.out = out;
    if (!np_sweep_execute(&spec, &run, &diag)) code = NP_EXIT_BAD_INPUT;
    if (out != stdout && fclose(out) != 0 && code == NP_EXIT_OK) {
      np_diag_add(&diag, "%s: error: cannot write: %s", o->out, strerror(errno));
      code = NP_EXIT_BAD_INPUT;
    }
  }
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  np_sweep_free_models(&spec, run.graphs);
  np_sweep_spec_free(&spec);
  return code;
}

static int take_merge_option(void *user, int key, const char *value) {
  if (key == 'o') *(const char **)user = value;
  return -1;
}

static int run_merge(int argc, char **argv) {
  const char *out = NULL;
  int first;
  int rc = np_cli_parse(&merge_command, argc, argv, take_merge_option, &out, &first);
  if (rc >= 0) return rc;
  const char *const *inputs = (const char *const *)argv + first;
  size_t n = (size_t)(argc - first);
  if (out == NULL || n == 0) return np_cli_usage_error(&merge_command, "merge needs shard files and -o FILE");
  NpDiag diag;
  np_diag_init(&diag);
  char *text = np_sweep_merge(inputs, n, &diag);
  int code = NP_EXIT_BAD_INPUT;
  NpOutFile file;
  if (text != NULL && np_outfile_open(&file, out, &diag)) {
    if (fputs(text, file.fp) < 0) {
      np_diag_add(&diag, "%s: error: cannot write: %s", out, strerror(errno));
      np_outfile_abort(&file);
    } else if (np_outfile_commit(&file, &diag)) {
      code = NP_EXIT_OK;
    }
  }
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  free(text);
  return code;
}

int cmd_sweep(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "merge") == 0) return run_merge(argc - 1, argv + 1);
  SweepOptions o;
  int code = parse_options(argc, argv, &o);
  if (code >= 0) return code;
  return run_sweep(&o);
}
