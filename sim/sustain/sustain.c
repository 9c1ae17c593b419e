/* The frame loop of a sustained run and its steps from the simulator (docs/timing.md,
 * "Sustained runs"). */
#include "sustain/sustain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/simulate.h"
#include "util/mem.h"

int64_t np_sustain_frame_count(double fps, double seconds) {
  if (!(fps > 0 && fps <= NP_SUSTAIN_MAX_FPS) || !(seconds > 0 && seconds <= NP_SUSTAIN_MAX_SECONDS)) return -1;
  return (int64_t)ceil(fps * seconds - 1e-9);
}

double np_thermal_after(double temp_c, double p_w, double dt, double resistance, double capacitance, double ambient_c) {
  double steady = ambient_c + p_w * resistance;
  return steady + (temp_c - steady) * exp(-dt / (resistance * capacitance));
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of the values at or below it. */
static double percentile(const double *sorted, int64_t n, double p) {
  if (n == 0) return 0;
  int64_t rank = (int64_t)ceil(p / 100.0 * (double)n);
  if (rank < 1) rank = 1;
  return sorted[rank - 1];
}

typedef struct Loop {
  const NpSustainModel *m;
  NpSustainResult *out;
  NpDiag *diag;
  double period, busy_until, temp, energy_j;
  int k;
} Loop;

static const NpSustainStep *step_at(Loop *L, int k) {
  if (!L->out->step_used[k]) {
    if (!L->m->step(L->m->user, k, &L->out->steps[k], L->diag)) return NULL;
    L->out->step_used[k] = true;
  }
  return &L->out->steps[k];
}

/* The governor, at a frame's arrival: one step down above the throttle temperature, one up
 * below throttle - hysteresis. */
static void govern(Loop *L, double t) {
  const NpSustainModel *m = L->m;
  if (L->temp > m->throttle_c && L->k + 1 < m->n_steps) {
    if (!L->out->throttled) L->out->first_throttle_s = t;
    L->out->throttled = true;
    L->k++;
  } else if (L->temp < m->throttle_c - m->hysteresis_c && L->k > 0) {
    L->k--;
  }
}

/* Serves frame i (arrival t) at the current step; its energy heats the die over its interval. */
static bool frame(Loop *L, int64_t i, const NpSustainOptions *o, double *latencies) {
  double t = (double)i * L->period;
  govern(L, t);
  const NpSustainStep *s = step_at(L, L->k);
  if (!s) return false;
  NpSustainSample *x = &L->out->samples[i];
  x->t_s = t, x->temp_c = L->temp, x->mhz = s->mhz;
  double service = s->latency_ms / 1000.0, dynamic_j = 0;
  bool busy = L->busy_until > t + 1e-12;
  if (busy && o->late == NP_LATE_DROP) {
    x->dropped = true;
    L->out->dropped++;
  } else {
    double wait = busy ? L->busy_until - t : 0;
    L->busy_until = t + wait + service;
    x->latency_ms = wait * 1000.0 + s->latency_ms;
    latencies[L->out->served++] = x->latency_ms;
    if (x->latency_ms > L->period * 1000.0 * (1 + 1e-12)) L->out->late++;
    dynamic_j = s->dynamic_uj * 1e-6;
  }
  double accelerator_w = dynamic_j / L->period + s->static_mw / 1000.0;
  double p_w = accelerator_w + L->m->other_w;
  L->energy_j += accelerator_w * L->period;
  L->temp = np_thermal_after(L->temp, p_w, L->period, L->m->resistance, L->m->capacitance, L->m->ambient_c);
  if (L->temp > L->out->max_temp_c) L->out->max_temp_c = L->temp;
  return true;
}

static void summarize(Loop *L, const NpSustainOptions *o, double *latencies) {
  NpSustainResult *r = L->out;
  qsort(latencies, (size_t)r->served, sizeof *latencies, compare_doubles);
  r->p50_ms = percentile(latencies, r->served, 50);
  r->p95_ms = percentile(latencies, r->served, 95);
  r->p99_ms = percentile(latencies, r->served, 99);
  r->max_ms = r->served ? latencies[r->served - 1] : 0;
  r->final_temp_c = L->temp;
  double seconds = (double)r->frames * L->period;
  r->avg_power_mw = seconds > 0 ? L->energy_j / seconds * 1000.0 : 0;
  if (o->battery_wh > 0) {
    r->has_battery = true;
    r->battery_share_per_hour = r->avg_power_mw / 1000.0 / o->battery_wh; /* W x 1 h / Wh */
  }
  const NpSustainStep *full = &r->steps[0];
  double full_w = full->dynamic_uj * 1e-6 * fmin(o->fps, 1000.0 / fmax(full->latency_ms, 1e-12)) +
                  full->static_mw / 1000.0 + L->m->other_w;
  r->steady_temp_c = L->m->ambient_c + full_w * L->m->resistance;
}

bool np_sustain_run(const NpSustainModel *model, const NpSustainOptions *options, NpSustainResult *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  int64_t frames = np_sustain_frame_count(options->fps, options->seconds);
  if (frames < 0) {
    np_diag_add(diag, "sustain: error: --fps must be in (0, %g] and --seconds in (0, %g], got %g and %g",
                NP_SUSTAIN_MAX_FPS, NP_SUSTAIN_MAX_SECONDS, options->fps, options->seconds);
    return false;
  }
  if (model->n_steps < 1 || model->n_steps > NP_ARCH_MAX_DVFS || !(model->resistance > 0) || !(model->capacitance > 0)) {
    np_diag_add(diag, "sustain: error: the thermal model needs resistance and capacitance above 0 and 1 to %d DVFS steps",
                NP_ARCH_MAX_DVFS);
    return false;
  }
  out->n_steps = model->n_steps;
  out->frames = frames;
  out->samples = np_xcalloc((size_t)frames + 1, sizeof *out->samples);
  out->n_samples = (size_t)frames;
  double *latencies = np_xmalloc(((size_t)frames + 1) * sizeof *latencies);
  Loop L = {model, out, diag, 1.0 / options->fps, 0, model->ambient_c, 0, 0};
  out->max_temp_c = model->ambient_c;
  bool ok = step_at(&L, 0) != NULL;
  for (int64_t i = 0; ok && i < frames; i++) ok = frame(&L, i, options, latencies);
  if (ok) summarize(&L, options, latencies);
  free(latencies);
  if (!ok) np_sustain_result_free(out);
  return ok;
}

void np_sustain_result_free(NpSustainResult *result) {
  if (!result) return;
  free(result->samples);
  memset(result, 0, sizeof *result);
}

/* ---- steps from the simulator ---- */

typedef struct Simulated {
  const NpGraph *graph;
  const NpArch *arch;
  const NpSustainOptions *options;
} Simulated;

static bool simulate_step(void *user, int k, NpSustainStep *out, NpDiag *diag) {
  const Simulated *s = user;
  const NpThermal *t = &s->arch->thermal;
  NpArch *arch = np_xmalloc(sizeof *arch); /* large: off the stack */
  *arch = *s->arch;
  np_arch_set_clock(arch, t->dvfs_mhz[k]);
  NpSimOptions sim_options = {s->options->dtype, NULL, false, s->options->weight_bits, s->options->max_bursts, NULL,
                              NULL, NULL};
  NpSimulation sim;
  bool ok = np_simulate(s->graph, arch, &sim_options, &sim, diag);
  if (ok) {
    const NpEnergyBreakdown *e = &sim.warm_stats.energy;
    double v = t->dvfs_volts[0] > 0 ? t->dvfs_volts[k] / t->dvfs_volts[0] : 1;
    out->mhz = t->dvfs_mhz[k];
    out->latency_ms = sim.warm_stats.ms;
    out->dynamic_uj = (e->total_uj - e->static_uj) * v * v;
    out->static_mw = sim.warm_stats.ms > 0 ? e->static_uj / sim.warm_stats.ms : 0; /* uJ / ms = mW */
    np_simulation_free(&sim);
  }
  free(arch);
  return ok;
}

bool np_sustain(const NpGraph *graph, const NpArch *arch, const NpSustainOptions *options, NpSustainResult *out,
                NpDiag *diag) {
  memset(out, 0, sizeof *out);
  const NpThermal *t = &arch->thermal;
  if (!t->given || t->n_dvfs < 1) {
    np_diag_add(diag, "%s: error: the config has no thermal section (resistance, capacitance, ambient, throttle, "
                "dvfs: docs/config.md) to sustain a run on", arch->origin);
    return false;
  }
  Simulated s = {graph, arch, options};
  NpSustainModel m = {t->resistance.value, t->capacitance.value, t->ambient.value, t->throttle.value,
                      t->hysteresis.given ? t->hysteresis.value : 0,
                      t->other_power.given ? t->other_power.value : 0,
                      t->n_dvfs, simulate_step, &s};
  return np_sustain_run(&m, options, out, diag);
}
