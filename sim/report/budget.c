/* Budgets: "latency_ms=33,sram_mib=4,..." parsed and checked against a run (npusim check). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/mem.h"

static const struct {
  const char *name, *unit;
  bool at_least; /* holds when the value is at least the limit */
  bool sustained; /* judged on a sustained run */
} budget_info[NP_BUDGET_COUNT] = {
    [NP_BUDGET_LATENCY_MS] = {"latency_ms", "ms", false, false},
    [NP_BUDGET_LATENCY_COLD_MS] = {"latency_cold_ms", "ms", false, false},
    [NP_BUDGET_SRAM_MIB] = {"sram_mib", "MiB", false, false},
    [NP_BUDGET_ENERGY_UJ] = {"energy_uj", "uJ", false, false},
    [NP_BUDGET_POWER_MW] = {"power_mw", "mW", false, false},
    [NP_BUDGET_FALLBACK_OPS] = {"fallback_ops", "ops", false, false},
    [NP_BUDGET_P99_MS] = {"p99_ms", "ms", false, true},
    [NP_BUDGET_THROTTLE_S] = {"throttle_s", "s", true, true},
};

bool np_budget_needs_sustain(NpBudgetKey key) { return key < NP_BUDGET_COUNT && budget_info[key].sustained; }

const char *np_budget_key_name(NpBudgetKey key) { return key < NP_BUDGET_COUNT ? budget_info[key].name : "?"; }
const char *np_budget_unit(NpBudgetKey key) { return key < NP_BUDGET_COUNT ? budget_info[key].unit : "?"; }

/* Older names: the budget in another unit, its limit times scale in the budget's own. */
static const struct {
  const char *name;
  NpBudgetKey key;
  double scale;
} budget_aliases[] = {
    {"energy_mj", NP_BUDGET_ENERGY_UJ, 1000.0}, /* energy was budgeted in mJ; reports give uJ */
};

static bool name_is(const char *known, const char *name, size_t len) {
  return strlen(known) == len && strncmp(known, name, len) == 0;
}

/* The budget a name gives, and the factor from its unit to the budget's; -1 when unknown. */
static int budget_key_from_name(const char *name, size_t len, double *scale) {
  *scale = 1;
  for (int k = 0; k < NP_BUDGET_COUNT; k++)
    if (name_is(budget_info[k].name, name, len)) return k;
  for (size_t i = 0; i < sizeof budget_aliases / sizeof budget_aliases[0]; i++) {
    if (!name_is(budget_aliases[i].name, name, len)) continue;
    *scale = budget_aliases[i].scale;
    return (int)budget_aliases[i].key;
  }
  return -1;
}

static void known_keys(char *out, size_t size) {
  NpBuf b = {0};
  for (int k = 0; k < NP_BUDGET_COUNT; k++) np_buf_printf(&b, "%s%s", k ? ", " : "", budget_info[k].name);
  snprintf(out, size, "%s", np_buf_str(&b));
  np_buf_free(&b);
}

/* A finite, non-negative decimal number and nothing else ("33", "4.5", "2e-3"). */
static bool parse_limit(const char *text, double *out) {
  if (text[0] == '\0' || strchr("+-. \t", text[0]) != NULL || strpbrk(text, "xXnNiI") != NULL) return false;
  errno = 0;
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

static bool parse_item(const char *item, NpBudgets *budgets, NpDiag *diag) {
  const char *eq = strchr(item, '=');
  if (item[0] == '\0') {
    np_diag_add(diag, "--budget: error: an empty item (write key=number, separated by commas)");
    return false;
  }
  if (eq == NULL) {
    np_diag_add(diag, "--budget: error: '%s' is not key=number (e.g. latency_ms=33)", item);
    return false;
  }
  double scale;
  int key = budget_key_from_name(item, (size_t)(eq - item), &scale);
  if (key < 0) {
    char known[256];
    known_keys(known, sizeof known);
    np_diag_add(diag, "--budget: error: unknown budget '%.*s' (known: %s)", (int)(eq - item), item, known);
    return false;
  }
  double limit;
  if (!parse_limit(eq + 1, &limit)) {
    np_diag_add(diag, "--budget: error: %s: '%s' is not a number >= 0 (in %s)", budget_info[key].name, eq + 1,
                budget_info[key].unit);
    return false;
  }
  if (key == NP_BUDGET_FALLBACK_OPS && limit != floor(limit)) {
    np_diag_add(diag, "--budget: error: fallback_ops: '%s' is not a whole number of ops", eq + 1);
    return false;
  }
  if (budgets->set[key]) {
    np_diag_add(diag, "--budget: error: %s is given twice", budget_info[key].name);
    return false;
  }
  budgets->set[key] = true;
  budgets->limit[key] = limit * scale;
  return true;
}

bool np_budgets_parse(const char *text, NpBudgets *budgets, NpDiag *diag) {
  bool ok = true;
  char *copy = np_xstrdup(text);
  char *item = copy;
  for (;;) {
    char *comma = strchr(item, ',');
    if (comma) *comma = '\0';
    ok = parse_item(item, budgets, diag) && ok;
    if (!comma) break;
    item = comma + 1;
  }
  free(copy);
  return ok;
}

static double budget_value(const NpRunReport *r, NpBudgetKey key) {
  switch (key) {
    case NP_BUDGET_LATENCY_MS:
      return r->warm_stats.ms;
    case NP_BUDGET_LATENCY_COLD_MS:
      return r->cold_stats.ms;
    case NP_BUDGET_SRAM_MIB:
      return (double)np_run_sram_peak_bytes(r) / 1048576.0;
    case NP_BUDGET_ENERGY_UJ:
      return r->warm_stats.energy.total_uj;
    case NP_BUDGET_POWER_MW:
      return r->warm_stats.energy.avg_power_mw;
    case NP_BUDGET_FALLBACK_OPS:
      return (double)r->cold.fallback_ops;
    case NP_BUDGET_P99_MS:
      return r->sustain_p99_ms;
    case NP_BUDGET_THROTTLE_S:
      return r->sustain_throttle_s;
    case NP_BUDGET_COUNT:
      break;
  }
  return 0;
}

static void describe(NpBudgetResult *res) {
  const char *name = budget_info[res->key].name, *unit = budget_info[res->key].unit;
  double diff = fabs(res->value - res->limit);
  char share[32] = "";
  if (res->limit > 0) snprintf(share, sizeof share, ", %.3g%%", 100.0 * diff / res->limit);
  bool at_least = budget_info[res->key].at_least;
  if (res->holds)
    snprintf(res->message, sizeof res->message, "%s: %.6g %s %s budget %.6g %s (%.6g %s to spare%s)", name,
             res->value, unit, at_least ? ">=" : "<=", res->limit, unit, diff, unit, share);
  else
    snprintf(res->message, sizeof res->message, "%s: %.6g %s %s budget %.6g %s (%s by %.6g %s%s)", name, res->value,
             unit, at_least ? "<" : ">", res->limit, unit, at_least ? "short" : "over", diff, unit, share);
}

/* Appends ": Kind 'name', ..." for the layers off the accelerator, as many as fit. */
static void name_fallbacks(const NpRunReport *r, char *message, size_t size) {
  size_t used = strlen(message);
  int64_t total = np_run_fallback_layers(r), named = 0;
  const size_t tail = 32; /* room for ", and 123456 more" */
  for (size_t i = 0; i < r->cold.n_layers; i++) {
    const NpLayerPlan *p = &r->cold.layers[i];
    if (p->on_accelerator) continue;
    char item[160];
    snprintf(item, sizeof item, "%s%s '%s'", named ? ", " : ": ", r->layers[i].op_kind, p->name ? p->name : "");
    if (used + strlen(item) + tail >= size) break;
    memcpy(message + used, item, strlen(item) + 1);
    used += strlen(item);
    named++;
  }
  if (named < total) snprintf(message + used, size - used, "%sand %" PRId64 " more", named ? ", " : ": ", total - named);
}

bool np_budgets_check(const NpRunReport *report, const NpBudgets *budgets, NpBudgetResult *results, int *n,
                      NpDiag *diag) {
  *n = 0;
  const char *missing = report->warm_stats.energy.missing;
  bool ok = true;
  for (int k = 0; k < NP_BUDGET_COUNT; k++) {
    if (!budgets->set[k]) continue;
    if ((k == NP_BUDGET_ENERGY_UJ || k == NP_BUDGET_POWER_MW) && missing[0]) {
      np_diag_add(diag,
                  "%s: error: cannot check %s: config '%s' has no energy figures for %s (add them under `energy:`, "
                  "docs/config.md)",
                  report->model_source, budget_info[k].name, report->config_name, missing);
      ok = false;
      continue;
    }
    if (budget_info[k].sustained && !report->has_sustain) {
      np_diag_add(diag, "%s: error: %s needs a sustained run (npusim check --fps F --seconds S)", report->model_source,
                  budget_info[k].name);
      ok = false;
      continue;
    }
    NpBudgetResult *res = &results[(*n)++];
    memset(res, 0, sizeof *res);
    res->key = (NpBudgetKey)k;
    res->value = budget_value(report, (NpBudgetKey)k);
    res->limit = budgets->limit[k];
    res->holds = budget_info[k].at_least ? res->value >= res->limit : res->value <= res->limit;
    describe(res);
    if (k == NP_BUDGET_FALLBACK_OPS && !res->holds) name_fallbacks(report, res->message, sizeof res->message);
  }
  return ok;
}

json_t *np_budget_results_json(const NpBudgetResult *results, int n, bool *pass_out) {
  bool pass = true;
  json_t *list = json_array();
  for (int i = 0; i < n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "key", np_json_string(budget_info[results[i].key].name));
    json_object_set_new(o, "unit", np_json_string(budget_info[results[i].key].unit));
    json_object_set_new(o, "value", np_json_real(results[i].value));
    json_object_set_new(o, "budget", np_json_real(results[i].limit));
    json_object_set_new(o, "holds", json_boolean(results[i].holds));
    json_object_set_new(o, "message", np_json_string(results[i].message));
    json_array_append_new(list, o);
    pass = pass && results[i].holds;
  }
  *pass_out = pass;
  return list;
}

char *np_budgets_json(const NpRunReport *report, const NpBudgetResult *results, int n) {
  json_t *root = json_object();
  json_object_set_new(root, "schema", np_json_string(NP_CHECK_JSON_SCHEMA));
  json_object_set_new(root, "model", np_json_string(report->model_name));
  json_object_set_new(root, "source", np_json_string(report->model_source));
  json_object_set_new(root, "config", np_json_string(report->config_name));
  json_object_set_new(root, "dtype", np_json_string(np_dtype_name(report->dtype)));
  bool pass;
  json_t *list = np_budget_results_json(results, n, &pass);
  json_object_set_new(root, "pass", json_boolean(pass));
  json_object_set_new(root, "budgets", list);
  return np_report_json_text(root);
}
