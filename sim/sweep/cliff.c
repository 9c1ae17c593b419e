/* Cliff search by coarse sampling and halving; causes by diffing adjacent schedules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/cliff.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/mem.h"

#define MAX_SAMPLES 4096
#define MAX_RETILES_LISTED 4

bool np_axis_range_parse(const char *text, NpAxisRange *range, char *err, size_t err_size) {
  memset(range, 0, sizeof *range);
  const char *eq = strchr(text, '='), *dots = eq ? strstr(eq + 1, "..") : NULL;
  if (eq == NULL || eq == text || dots == NULL) {
    snprintf(err, err_size, "axis '%s': expected KEY=LO..HI, e.g. sram.capacity_bytes=512KiB..16MiB", text);
    return false;
  }
  char lo_text[64], hi_text[64];
  size_t lo_len = (size_t)(dots - eq - 1);
  if (lo_len == 0 || lo_len >= sizeof lo_text || strlen(dots + 2) == 0 || strlen(dots + 2) >= sizeof hi_text) {
    snprintf(err, err_size, "axis '%s': expected KEY=LO..HI", text);
    return false;
  }
  memcpy(lo_text, eq + 1, lo_len);
  lo_text[lo_len] = '\0';
  strcpy(hi_text, dots + 2);
  int64_t a, b;
  char why[160];
  if (np_parse_size(lo_text, &a, why, sizeof why) && np_parse_size(hi_text, &b, why, sizeof why)) {
    range->lo = (double)a, range->hi = (double)b, range->integer = true;
  } else if (!np_parse_real(lo_text, &range->lo, why, sizeof why) || !np_parse_real(hi_text, &range->hi, why, sizeof why)) {
    snprintf(err, err_size, "axis '%s': LO and HI must be numbers or sizes (%s)", text, why);
    return false;
  }
  if (!(range->lo < range->hi)) {
    snprintf(err, err_size, "axis '%s': LO must be below HI", text);
    return false;
  }
  if ((size_t)(eq - text) >= sizeof range->key) {
    snprintf(err, err_size, "axis '%s': the key is too long", text);
    return false;
  }
  memcpy(range->key, text, (size_t)(eq - text));
  range->key[eq - text] = '\0';
  return true;
}

void np_axis_format(const NpAxisRange *range, double x, char *out, size_t out_size) {
  if (range->integer)
    snprintf(out, out_size, "%lld", (long long)llround(x));
  else
    snprintf(out, out_size, "%.6g", x);
}

/* ---- evaluating one value ---- */

/* Runs the point at x. When it does not run and *why is NULL, *why gets the reason (malloc'd);
 * why may be NULL. */
static bool evaluate_why(const NpCliffSearch *s, double x, double *metric, NpSchedule *schedule, char **why) {
  char value[64];
  np_axis_format(&s->axis, x, value, sizeof value);
  char *kv = np_xasprintf("%s=%s", s->axis.key, value);
  NpPointSetup setup = {0};
  char err[256];
  bool ok = true;
  for (size_t i = 0; i < s->n_sets && ok; i++) ok = np_point_setup_add(&setup, s->sets[i], err, sizeof err);
  ok = ok && np_point_setup_add(&setup, kv, err, sizeof err);
  char *message = ok ? NULL : np_xstrdup(err);
  if (ok) {
    NpPointMetrics m;
    ok = np_point_run(&s->base, &setup, &m, schedule, &message) == NP_POINT_OK && np_point_metric(&m, s->metric, metric);
    if (ok && s->on_point) s->on_point(s->on_point_user, x, *metric);
  }
  if (!ok && why && *why == NULL) {
    *why = message ? message : np_xasprintf("metric '%s' is not known", s->metric);
    message = NULL;
  }
  free(message);
  np_point_setup_free(&setup);
  free(kv);
  return ok;
}

static bool evaluate(const NpCliffSearch *s, double x, double *metric, NpSchedule *schedule) {
  return evaluate_why(s, x, metric, schedule, NULL);
}

/* The lattice: x(k) = lo + k * step, k = 0..last. */
typedef struct Lattice {
  double lo, step;
  int64_t last;
} Lattice;

static double lattice_x(const Lattice *l, int64_t k) { return l->lo + (double)k * l->step; }

static double default_step(const NpCliffSearch *s) {
  const NpAxisRange *a = &s->axis;
  if (strcmp(a->key, "sram.capacity_bytes") == 0) {
    /* Capacities split into banks of whole rows: one row across all banks is the granule. */
    NpArch *arch = np_xmalloc(sizeof *arch);
    NpDiag diag;
    np_diag_init(&diag);
    double step = 1;
    if (np_arch_load_text(s->base.config_text, s->base.config_len, s->base.config_source, NULL, 0, arch, &diag))
      step = (double)(arch->sram.banks * arch->sram.bank_width_bytes);
    np_diag_free(&diag);
    free(arch);
    return step;
  }
  if (a->integer) return 1;
  if (strcmp(a->key, NP_AXIS_CHANNEL_SCALE) == 0) return 0.01;
  return (a->hi - a->lo) / 1000;
}

static bool make_lattice(const NpCliffSearch *s, Lattice *l, NpDiag *diag) {
  double step = s->axis.step > 0 ? s->axis.step : default_step(s);
  if (s->axis.integer) step = fmax(1, round(step));
  double lo = s->axis.lo;
  if (s->axis.integer && strcmp(s->axis.key, "sram.capacity_bytes") == 0) lo = ceil(lo / step) * step;
  double count = floor((s->axis.hi - lo) / step + 1e-9);
  if (!(count >= 1) || count > 1e15) {
    np_diag_add(diag, "error: cliff axis %s: step %g leaves %g steps between %g and %g (need 1 to 1e15)", s->axis.key,
                step, count, lo, s->axis.hi);
    return false;
  }
  *l = (Lattice){lo, step, (int64_t)count};
  return true;
}

static double step_ratio(double a, double b) {
  double hi = fmax(a, b), lo = fmin(a, b);
  return lo > 0 ? hi / lo : (hi > 0 ? INFINITY : 1);
}

/* ---- causes ---- */

static const NpLayerPlan *plan_of_op(const NpSchedule *s, const int32_t *index, int32_t op, int32_t n) {
  return op >= 0 && op < n && index[op] >= 0 ? &s->layers[index[op]] : NULL;
}

/* The activation bytes a layer's LOADs read from and STOREs write to DRAM. */
static void activation_traffic(const NpSchedule *s, const NpLayerPlan *l, int64_t *read, int64_t *written) {
  *read = *written = 0;
  for (int32_t i = l->first_cmd; i < l->first_cmd + l->n_cmds && i >= 0 && (size_t)i < s->n_cmds; i++) {
    const NpCommand *c = &s->cmds[i];
    if (c->data != NP_DATA_ACTIVATION) continue;
    if (c->kind == NP_CMD_LOAD) *read += c->bytes;
    if (c->kind == NP_CMD_STORE) *written += c->bytes;
  }
}

static const char *layer_name(const NpSchedule *s, int32_t layer) {
  return layer >= 0 && (size_t)layer < s->n_layers && s->layers[layer].name ? s->layers[layer].name : "?";
}

static void add_cause(NpCliff *c, char *text) {
  c->causes = np_xrealloc(c->causes, (c->n_causes + 1) * sizeof *c->causes);
  c->causes[c->n_causes++] = text;
}

/* What changed from the schedule at the smaller axis value (`from`) to the one at the larger
 * (`to`), layer by layer, in the words of the change: causes read in the axis's direction,
 * whether the metric steps up or down. */
static void diff_schedules(NpCliff *c, const NpSchedule *from, const NpSchedule *to) {
  int32_t n = 0;
  for (size_t i = 0; i < from->n_layers; i++) n = from->layers[i].op + 1 > n ? from->layers[i].op + 1 : n;
  for (size_t i = 0; i < to->n_layers; i++) n = to->layers[i].op + 1 > n ? to->layers[i].op + 1 : n;
  int32_t *index = np_xmalloc((size_t)(n ? n : 1) * sizeof *index);
  for (int32_t i = 0; i < n; i++) index[i] = -1;
  for (size_t i = 0; i < to->n_layers; i++) index[to->layers[i].op] = (int32_t)i;
  size_t retiles = 0;
  char a[NP_FMT_LEN];
  for (int pass = 0; pass < 4; pass++) {
    for (size_t i = 0; i < from->n_layers; i++) {
      const NpLayerPlan *b = &from->layers[i], *w = plan_of_op(to, index, b->op, n);
      if (w == NULL) continue;
      const char *name = b->name ? b->name : "?";
      if (pass == 0 && b->weights_resident && !w->weights_resident) {
        add_cause(c, np_xasprintf("layer '%s': weights no longer resident in SRAM (%s streamed from DRAM every inference)",
                                  name, np_fmt_bytes(w->weight_bytes, a)));
      } else if (pass == 0 && !b->weights_resident && w->weights_resident) {
        add_cause(c, np_xasprintf("layer '%s': weights become resident in SRAM (%s no longer streamed from DRAM)", name,
                                  np_fmt_bytes(w->weight_bytes, a)));
      } else if (pass == 0 && b->weights_resident == w->weights_resident &&
                 (b->prefetch_bytes > 0) != (w->prefetch_bytes > 0)) {
        if (w->prefetch_bytes > 0)
          add_cause(c, np_xasprintf("layer '%s': first weight block prefetched (%s loaded while the layer before "
                                    "runs)", name, np_fmt_bytes(w->prefetch_bytes, a)));
        else
          add_cause(c, np_xasprintf("layer '%s': first weight block no longer prefetched (no room for its %s above "
                                    "the layer before's buffers)", name, np_fmt_bytes(b->prefetch_bytes, a)));
      } else if (pass == 1 && (b->on_accelerator != w->on_accelerator || b->engine != w->engine)) {
        if (!w->on_accelerator)
          add_cause(c, np_xasprintf("layer '%s': fell back to %s: %s", name, to->engine_names[w->engine],
                                    w->fallback_reason ? w->fallback_reason : "no reason given"));
        else
          add_cause(c, np_xasprintf("layer '%s': moved from engine %s to %s", name, from->engine_names[b->engine],
                                    to->engine_names[w->engine]));
      } else if (pass == 1 && (b->cascade_into >= 0) != (w->cascade_into >= 0)) {
        if (w->cascade_into >= 0)
          add_cause(c, np_xasprintf("layer '%s': cascade forms into '%s' (bands of %lld row%s, its output kept in a "
                                    "%s rolling buffer in SRAM)",
                                    name, layer_name(to, w->cascade_into), (long long)w->cascade_band_rows,
                                    w->cascade_band_rows == 1 ? "" : "s", np_fmt_bytes(w->cascade_buffer_bytes, a)));
        else
          add_cause(c, np_xasprintf("layer '%s': cascade into '%s' breaks (the two run one after the other)", name,
                                    layer_name(from, b->cascade_into)));
      } else if (pass == 2) {
        /* An activation that no longer fits on chip round-trips through DRAM: its producer
         * stores it and its readers load it back, with no residency change to show for it. */
        int64_t b_read, b_written, w_read, w_written;
        activation_traffic(from, b, &b_read, &b_written);
        activation_traffic(to, w, &w_read, &w_written);
        if (w_read + w_written != b_read + b_written) {
          /* the split into read and written is the side that moves more */
          bool up = w_read + w_written > b_read + b_written;
          char before[NP_FMT_LEN], read[NP_FMT_LEN], written[NP_FMT_LEN];
          add_cause(c, np_xasprintf("layer '%s': activations through DRAM %s from %s to %s every inference (%s read, "
                                    "%s written %s)",
                                    name, up ? "up" : "down", np_fmt_bytes(b_read + b_written, before),
                                    np_fmt_bytes(w_read + w_written, a), np_fmt_bytes(up ? w_read : b_read, read),
                                    np_fmt_bytes(up ? w_written : b_written, written), up ? "after" : "before"));
        }
      } else if (pass == 3 && w->on_accelerator &&
                 (b->tile_rows != w->tile_rows || b->tile_cols != w->tile_cols || b->tile_channels != w->tile_channels ||
                  b->tile_in_channels != w->tile_in_channels)) {
        if (retiles++ < MAX_RETILES_LISTED)
          add_cause(c, np_xasprintf("layer '%s': re-tiled from %lldx%lldx%lld (in %lld), %lld tiles, to %lldx%lldx%lld "
                                    "(in %lld), %lld tiles",
                                    name, (long long)b->tile_rows, (long long)b->tile_cols, (long long)b->tile_channels,
                                    (long long)b->tile_in_channels, (long long)b->n_tiles, (long long)w->tile_rows,
                                    (long long)w->tile_cols, (long long)w->tile_channels,
                                    (long long)w->tile_in_channels, (long long)w->n_tiles));
      }
    }
  }
  if (retiles > MAX_RETILES_LISTED)
    add_cause(c, np_xasprintf("... and %zu more layers re-tiled", retiles - MAX_RETILES_LISTED));
  if (c->n_causes == 0) add_cause(c, np_xstrdup("no layer's placement, residency or tiling changed"));
  free(index);
}

/* ---- the search ---- */

typedef struct Sample {
  int64_t k;
  double m;
} Sample;

static bool record_cliff(const NpCliffSearch *s, const Lattice *l, Sample a, Sample b, NpCliff *c) {
  NpSchedule sa, sb;
  double ma, mb;
  if (!evaluate(s, lattice_x(l, a.k), &ma, &sa)) return false;
  if (!evaluate(s, lattice_x(l, b.k), &mb, &sb)) {
    np_schedule_free(&sa);
    return false;
  }
  memset(c, 0, sizeof *c);
  c->x_before = lattice_x(l, a.k);
  c->x_after = lattice_x(l, b.k);
  c->m_before = ma;
  c->m_after = mb;
  c->ratio = step_ratio(ma, mb);
  diff_schedules(c, &sa, &sb);
  np_schedule_free(&sa);
  np_schedule_free(&sb);
  return true;
}

bool np_axis_geometric(double lo, double hi) { return lo > 0 && hi / lo >= 16; }

/* Every step of the threshold or more inside [a, b], down to adjacent lattice points, in
 * axis order. Both halves of an interval are searched, so two steps between one pair of
 * samples are both found; a half whose ends differ by less than the threshold holds no step
 * of it when the metric is monotone between them. */
typedef struct Found {
  NpCliff *cliffs;
  size_t n, capacity;
} Found;

static void find_steps(const NpCliffSearch *s, const Lattice *l, double threshold, Sample a, Sample b, Found *f) {
  if (step_ratio(a.m, b.m) < threshold) return;
  if (b.k - a.k == 1) {
    np_grow((void **)&f->cliffs, &f->capacity, f->n + 1, sizeof *f->cliffs);
    if (record_cliff(s, l, a, b, &f->cliffs[f->n])) f->n++;
    return;
  }
  Sample mid = {a.k + (b.k - a.k) / 2, 0};
  if (!evaluate(s, lattice_x(l, mid.k), &mid.m, NULL)) return;
  find_steps(s, l, threshold, a, mid, f);
  find_steps(s, l, threshold, mid, b, f);
}

/* Coarse sample positions: geometric when the range spans a factor of 16 or more. */
static size_t sample_positions(const NpCliffSearch *s, const Lattice *l, int64_t *ks) {
  int n = s->samples > 1 ? (s->samples > MAX_SAMPLES ? MAX_SAMPLES : s->samples) : 24;
  double hi = lattice_x(l, l->last);
  bool geometric = np_axis_geometric(l->lo, hi);
  size_t count = 0;
  for (int i = 0; i < n; i++) {
    double f = (double)i / (double)(n - 1), x = geometric ? l->lo * pow(hi / l->lo, f) : l->lo + f * (hi - l->lo);
    int64_t k = (int64_t)llround((x - l->lo) / l->step);
    if (k < 0) k = 0;
    if (k > l->last) k = l->last;
    if (count == 0 || ks[count - 1] != k) ks[count++] = k;
  }
  return count;
}

bool np_cliff_find(const NpCliffSearch *s, NpCliff **cliffs, size_t *n_cliffs, NpDiag *diag) {
  *cliffs = NULL;
  *n_cliffs = 0;
  double probe;
  NpPointMetrics none = {0};
  if (!np_point_metric(&none, s->metric, &probe)) {
    char *names = np_point_metric_list();
    np_diag_add(diag, "error: unknown metric '%s' (%s)", s->metric, names);
    free(names);
    return false;
  }
  Lattice l;
  if (!make_lattice(s, &l, diag)) return false;
  double threshold = s->threshold > 1 ? s->threshold : 1.2;
  int64_t ks[MAX_SAMPLES];
  size_t n = sample_positions(s, &l, ks);
  Sample *samples = np_xmalloc(n * sizeof *samples);
  size_t valid = 0;
  char *why = NULL; /* the first value's reason not to run */
  for (size_t i = 0; i < n; i++) {
    Sample x = {ks[i], 0};
    if (evaluate_why(s, lattice_x(&l, x.k), &x.m, NULL, &why)) samples[valid++] = x;
  }
  if (valid == 0) {
    np_diag_add(diag, "error: cliff: no value of %s in %g..%g gives a point that runs; the first: %.*s", s->axis.key,
                s->axis.lo, s->axis.hi, (int)strcspn(why, "\n"), why);
    free(why);
    free(samples);
    return false;
  }
  free(why);
  Found found = {NULL, 0, 0};
  for (size_t i = 0; i + 1 < valid; i++) find_steps(s, &l, threshold, samples[i], samples[i + 1], &found);
  *cliffs = found.cliffs;
  *n_cliffs = found.n;
  free(samples);
  return true;
}

void np_cliffs_free(NpCliff *cliffs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < cliffs[i].n_causes; k++) free(cliffs[i].causes[k]);
    free(cliffs[i].causes);
  }
  free(cliffs);
}

/* The coarse samples of fit: about `samples` lattice indices, 0 and last among them. */
static int64_t *fit_sample_indices(const NpCliffSearch *s, const Lattice *l, int *n) {
  int want = s->samples >= 3 ? s->samples : 24;
  if ((int64_t)want > l->last + 1) want = (int)(l->last + 1);
  int64_t *k = np_xmalloc((size_t)want * sizeof *k);
  *n = 0;
  for (int i = 0; i < want; i++) {
    int64_t v = want == 1 ? 0 : (int64_t)llround((double)l->last * i / (want - 1));
    if (*n == 0 || v > k[*n - 1]) k[(*n)++] = v;
  }
  return k;
}

/* Rising where the trend is falling or the reverse, beyond rounding: the first such pair. */
static bool find_against(const Sample *m, int n, bool falls, int *at) {
  for (int i = 0; i + 1 < n; i++) {
    double d = m[i + 1].m - m[i].m, tol = 1e-9 * fmax(fabs(m[i].m), fabs(m[i + 1].m));
    if (falls ? d > tol : d < -tol) {
      *at = i;
      return true;
    }
  }
  return false;
}

/* Bisects between lattice indices `meets` (within budget) and `breaks` (not, or does not run)
 * to the adjacent pair; returns the index that meets. */
static Sample fit_bisect(const NpCliffSearch *s, const Lattice *l, Sample meets, int64_t breaks, double budget) {
  while (llabs(breaks - meets.k) > 1) {
    Sample mid = {meets.k + (breaks - meets.k) / 2, 0};
    if (evaluate(s, lattice_x(l, mid.k), &mid.m, NULL) && mid.m <= budget)
      meets = mid;
    else
      breaks = mid.k;
  }
  return meets;
}

bool np_fit_find(const NpCliffSearch *s, double budget, NpFit *fit, NpDiag *diag) {
  memset(fit, 0, sizeof *fit);
  fit->monotone = true;
  Lattice l;
  if (!make_lattice(s, &l, diag)) return false;
  int n;
  int64_t *k = fit_sample_indices(s, &l, &n);
  Sample *m = np_xcalloc((size_t)n, sizeof *m);
  bool *runs = np_xcalloc((size_t)n, sizeof *runs);
  char *why = NULL; /* why the first value does not run */
  for (int i = 0; i < n; i++) {
    m[i].k = k[i];
    runs[i] = evaluate_why(s, lattice_x(&l, k[i]), &m[i].m, NULL, i == 0 ? &why : NULL);
  }
  free(k);
  fit->samples = n;
  if (!runs[0]) {
    np_diag_add(diag, "error: fit: the point at %s=%g does not run: %.*s", s->axis.key, lattice_x(&l, 0),
                (int)strcspn(why, "\n"), why);
    free(why);
    free(m);
    free(runs);
    return false;
  }
  free(why);
  int last_run = 0;
  for (int i = 0; i < n; i++)
    if (runs[i]) last_run = i;
  /* A model grows along its what-if axes: the answer is the largest model that fits. A config
   * key's direction comes from the samples (more SRAM is faster, more latency slower). */
  bool model_axis = strncmp(s->axis.key, "model.", 6) == 0;
  fit->falls = !model_axis && m[last_run].m < m[0].m;
  int at;
  if (find_against(m, last_run + 1, fit->falls, &at)) {
    fit->monotone = false;
    fit->against_x[0] = lattice_x(&l, m[at].k), fit->against_m[0] = m[at].m;
    fit->against_x[1] = lattice_x(&l, m[at + 1].k), fit->against_m[1] = m[at + 1].m;
  }
  /* The sample to start from: the last meeting the budget (growing) or the first (falling). */
  int best = -1;
  for (int i = 0; i < n; i++) {
    if (!runs[i] || m[i].m > budget) continue;
    if (best < 0 || !fit->falls) best = i;
  }
  if (best >= 0) {
    int next = fit->falls ? best - 1 : best + 1;
    Sample answer = m[best];
    if (next >= 0 && next < n) answer = fit_bisect(s, &l, m[best], m[next].k, budget);
    fit->found = true;
    fit->value = lattice_x(&l, answer.k);
    fit->metric = answer.m;
  }
  free(m);
  free(runs);
  return true;
}
