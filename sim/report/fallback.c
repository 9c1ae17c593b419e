/* The ops off the accelerator, counted and grouped by the reason they left it. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/mem.h"

/* What a layer's reason says beyond its "Kind 'name': " opening: the part layers share. */
static const char *shared_reason(const NpRunReport *r, size_t layer) {
  const NpLayerPlan *p = &r->cold.layers[layer];
  if (p->fallback_reason == NULL) return "no reason given";
  const char *kind = r->layers[layer].op_kind, *name = p->name ? p->name : "";
  size_t kl = strlen(kind), nl = strlen(name);
  const char *s = p->fallback_reason;
  if (strncmp(s, kind, kl) == 0 && strncmp(s + kl, " '", 2) == 0 && strncmp(s + kl + 2, name, nl) == 0 &&
      strncmp(s + kl + 2 + nl, "': ", 3) == 0)
    return s + kl + 2 + nl + 3;
  return s;
}

typedef struct Keyed {
  const NpRunReport *r;
  size_t layer;
  const char *reason;
} Keyed;

/* Engine, then reason, then layer order: equal reasons on one engine end up side by side. */
static int by_reason(const void *x, const void *y) {
  const Keyed *a = x, *b = y;
  int ea = a->r->cold.layers[a->layer].engine, eb = b->r->cold.layers[b->layer].engine;
  if (ea != eb) return ea < eb ? -1 : 1;
  int c = strcmp(a->reason, b->reason);
  if (c != 0) return c;
  return a->layer < b->layer ? -1 : a->layer > b->layer;
}

static int by_first_layer(const void *x, const void *y) {
  const NpFallbackGroup *a = x, *b = y;
  return a->first_layer < b->first_layer ? -1 : a->first_layer > b->first_layer;
}

static Keyed *fallback_layers(const NpRunReport *r, size_t *n) {
  Keyed *k = np_xmalloc((r->cold.n_layers + 1) * sizeof *k);
  *n = 0;
  for (size_t i = 0; i < r->cold.n_layers; i++)
    if (!r->cold.layers[i].on_accelerator) k[(*n)++] = (Keyed){r, i, shared_reason(r, i)};
  return k;
}

void np_run_fallbacks(const NpRunReport *r, NpFallbackSummary *out) {
  memset(out, 0, sizeof *out);
  size_t n;
  Keyed *k = fallback_layers(r, &n);
  qsort(k, n, sizeof *k, by_reason);
  out->groups = np_xcalloc(n + 1, sizeof *out->groups);
  int64_t fallback_cycles = 0;
  for (size_t i = 0; i < n; i++) {
    const NpLayerPlan *p = &r->cold.layers[k[i].layer];
    if (i == 0 || p->engine != r->cold.layers[k[i - 1].layer].engine || strcmp(k[i].reason, k[i - 1].reason) != 0)
      out->groups[out->n_groups++] = (NpFallbackGroup){k[i].reason, p->engine, 0, 0, k[i].layer};
    NpFallbackGroup *g = &out->groups[out->n_groups - 1];
    g->layers++;
    g->ops += 1 + p->n_fused;
    const NpLayerStats *w = np_report_layer(&r->warm_stats, k[i].layer);
    if (w) fallback_cycles += w->cycles;
  }
  qsort(out->groups, out->n_groups, sizeof *out->groups, by_first_layer);
  out->layers = (int64_t)n;
  out->ops = r->cold.fallback_ops;
  if (r->warm_stats.cycles > 0) out->warm_time_share = (double)fallback_cycles / (double)r->warm_stats.cycles;
  if (out->warm_time_share > 1) out->warm_time_share = 1;
  free(k);
}

void np_fallback_summary_free(NpFallbackSummary *s) {
  free(s->groups);
  memset(s, 0, sizeof *s);
}
