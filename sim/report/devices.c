/* The device matrix: one model's run and budgets on each device of a folder (npusim check
 * --devices), as a table, JSON (docs/formats.md) and CSV (docs/run.md). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/json.h"

bool np_device_check_passes(const NpDeviceCheck *d) {
  for (int i = 0; i < d->n_results; i++)
    if (!d->results[i].holds) return false;
  return true;
}

static size_t broken_devices(const NpDeviceCheck *devices, size_t n) {
  size_t broken = 0;
  for (size_t i = 0; i < n; i++) broken += !np_device_check_passes(&devices[i]);
  return broken;
}

/* all, none or some of the layers on the accelerator. */
static const char *on_accelerator(const NpRunReport *r) {
  int64_t off = np_run_fallback_layers(r);
  return off == 0 ? "all" : off == (int64_t)r->cold.n_layers ? "none" : "part";
}

static bool has_energy(const NpRunReport *r) { return r->warm_stats.energy.missing[0] == '\0'; }
static double energy_uj(const NpRunReport *r) { return r->warm_stats.energy.total_uj; }
static double sram_peak_mib(const NpRunReport *r) { return (double)np_run_sram_peak_bytes(r) / 1048576.0; }

/* ---- the table ---- */

typedef struct Widths {
  int device, config;
} Widths;

static Widths column_widths(const NpDeviceCheck *devices, size_t n) {
  Widths w = {(int)strlen("device"), (int)strlen("config")};
  for (size_t i = 0; i < n; i++) {
    int d = (int)strlen(devices[i].device), c = (int)strlen(devices[i].report->config_name);
    if (d > w.device) w.device = d;
    if (c > w.config) w.config = c;
  }
  return w;
}

static int budget_width(NpBudgetKey key) {
  int len = (int)strlen(np_budget_key_name(key));
  return len > 4 ? len : 4;
}

static void put_heading(NpBuf *b, const NpDeviceCheck *devices, size_t n, Widths w) {
  np_buf_printf(b, "%-*s  %-*s  %-5s  %10s  %10s  %-14s  %8s  %10s", w.device, "device", w.config, "config", "dtype",
                "cold ms", "warm ms", "accelerator", "SRAM MiB", "energy uJ");
  for (int k = 0; n > 0 && k < devices[0].n_results; k++)
    np_buf_printf(b, "  %-*s", budget_width(devices[0].results[k].key), np_budget_key_name(devices[0].results[k].key));
  np_buf_puts(b, "  verdict\n");
}

static void put_row(NpBuf *b, const NpDeviceCheck *d, Widths w) {
  const NpRunReport *r = d->report;
  char accel[32];
  int64_t off = r->cold.fallback_ops;
  if (off == 0)
    snprintf(accel, sizeof accel, "%s", on_accelerator(r));
  else
    snprintf(accel, sizeof accel, "%s, %" PRId64 " off", on_accelerator(r), off);
  np_buf_printf(b, "%-*s  %-*s  %-5s  %10.4f  %10.4f  %-14s  %8.2f", w.device, d->device, w.config, r->config_name,
                np_dtype_name(r->dtype), r->cold_stats.ms, r->warm_stats.ms, accel, sram_peak_mib(r));
  if (has_energy(r))
    np_buf_printf(b, "  %10.1f", energy_uj(r));
  else
    np_buf_printf(b, "  %10s", "-");
  for (int k = 0; k < d->n_results; k++)
    np_buf_printf(b, "  %-*s", budget_width(d->results[k].key), d->results[k].holds ? "ok" : "FAIL");
  np_buf_printf(b, "  %s\n", np_device_check_passes(d) ? "ok" : "FAIL");
}

static void put_fallback_reasons(NpBuf *b, const NpDeviceCheck *devices, size_t n) {
  bool heading = false;
  for (size_t i = 0; i < n; i++) {
    NpFallbackSummary f;
    np_run_fallbacks(devices[i].report, &f);
    for (size_t g = 0; g < f.n_groups; g++) {
      if (!heading) np_buf_puts(b, "\noff the accelerator (as `npusim run` reports it):\n");
      heading = true;
      np_buf_printf(b, "  %s: ", devices[i].device);
      np_fallback_group_text(b, devices[i].report, &f.groups[g], false);
      np_buf_puts(b, "\n");
    }
    np_fallback_summary_free(&f);
  }
}

static void put_broken(NpBuf *b, const NpDeviceCheck *devices, size_t n) {
  size_t broken = broken_devices(devices, n);
  if (broken > 0) np_buf_puts(b, "\nbroken budgets:\n");
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < devices[i].n_results; k++)
      if (!devices[i].results[k].holds) np_buf_printf(b, "  %s: %s\n", devices[i].device, devices[i].results[k].message);
  if (broken > 0) {
    np_buf_printf(b, "FAIL: %zu of %zu device%s break%s a budget\n", broken, n, n == 1 ? "" : "s",
                  broken == 1 ? "s" : "");
    return;
  }
  int budgets = n > 0 ? devices[0].n_results : 0;
  np_buf_printf(b, "\nok: every budget holds on %s %zu device%s (%d budget%s each)\n", n == 1 ? "the" : "all", n,
                n == 1 ? "" : "s", budgets, budgets == 1 ? "" : "s");
}

char *np_devices_text(const char *folder, const NpDeviceCheck *devices, size_t n) {
  NpBuf b = {0};
  const NpRunReport *first = n > 0 ? devices[0].report : NULL;
  np_buf_printf(&b, "check: %s (%s) on %zu device%s in %s\n", first ? first->model_name : "",
                first ? first->model_source : "", n, n == 1 ? "" : "s", folder);
  Widths w = column_widths(devices, n);
  put_heading(&b, devices, n, w);
  for (size_t i = 0; i < n; i++) put_row(&b, &devices[i], w);
  put_fallback_reasons(&b, devices, n);
  put_broken(&b, devices, n);
  return np_buf_take(&b);
}

/* ---- JSON ---- */

static json_t *device_json(const NpDeviceCheck *d) {
  const NpRunReport *r = d->report;
  json_t *o = json_object();
  json_object_set_new(o, "device", np_json_string(d->device));
  json_object_set_new(o, "file", np_json_string(d->file));
  json_object_set_new(o, "config", np_json_string(r->config_name));
  json_object_set_new(o, "dtype", np_json_string(np_dtype_name(r->dtype)));
  json_object_set_new(o, "cold_ms", np_json_real(r->cold_stats.ms));
  json_object_set_new(o, "warm_ms", np_json_real(r->warm_stats.ms));
  json_object_set_new(o, "uncached_ms", np_json_real(r->cold_start.uncached_ms));
  json_object_set_new(o, "cached_ms", np_json_real(r->cold_start.cached_ms));
  json_object_set_new(o, "on_accelerator", np_json_string(on_accelerator(r)));
  json_object_set_new(o, "fallback_ops", json_integer((json_int_t)r->cold.fallback_ops));
  json_object_set_new(o, "fallback_summary", np_fallback_summary_json(r));
  json_object_set_new(o, "sram_peak_bytes", json_integer((json_int_t)np_run_sram_peak_bytes(r)));
  json_object_set_new(o, "energy_uj", has_energy(r) ? np_json_real(energy_uj(r)) : json_null());
  bool pass;
  json_t *budgets = np_budget_results_json(d->results, d->n_results, &pass);
  json_object_set_new(o, "pass", json_boolean(pass));
  json_object_set_new(o, "budgets", budgets);
  return o;
}

char *np_devices_json(const char *folder, const NpDeviceCheck *devices, size_t n) {
  json_t *root = json_object();
  const NpRunReport *first = n > 0 ? devices[0].report : NULL;
  json_object_set_new(root, "schema", np_json_string(NP_CHECK_DEVICES_JSON_SCHEMA));
  json_object_set_new(root, "model", np_json_string(first ? first->model_name : ""));
  json_object_set_new(root, "source", np_json_string(first ? first->model_source : ""));
  json_object_set_new(root, "folder", np_json_string(folder));
  json_object_set_new(root, "pass", json_boolean(broken_devices(devices, n) == 0));
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(list, device_json(&devices[i]));
  json_object_set_new(root, "devices", list);
  return np_report_json_text(root);
}

/* ---- CSV ---- */

static void put_csv_header(NpBuf *b, const NpDeviceCheck *devices, size_t n) {
  np_buf_puts(b, "device,config,model,dtype,cold_ms,warm_ms,uncached_ms,cached_ms,on_accelerator,fallback_ops,"
                 "fallback_reason,sram_peak_bytes,energy_uj,pass");
  for (int k = 0; n > 0 && k < devices[0].n_results; k++) {
    const char *name = np_budget_key_name(devices[0].results[k].key);
    np_buf_printf(b, ",%s_value,%s_budget,%s_holds", name, name, name);
  }
  np_buf_puts(b, ",file,model_file\n");
}

/* The fallback groups as run prints them, joined by "; ". */
static void put_csv_reasons(NpBuf *b, const NpRunReport *r) {
  NpFallbackSummary f;
  np_run_fallbacks(r, &f);
  NpBuf reasons = {0};
  for (size_t g = 0; g < f.n_groups; g++) {
    if (g > 0) np_buf_puts(&reasons, "; ");
    np_fallback_group_text(&reasons, r, &f.groups[g], false);
  }
  np_csv_put_field(b, np_buf_str(&reasons));
  np_buf_free(&reasons);
  np_fallback_summary_free(&f);
}

static void put_csv_row(NpBuf *b, const NpDeviceCheck *d) {
  const NpRunReport *r = d->report;
  np_csv_put_field(b, d->device);
  np_buf_puts(b, ",");
  np_csv_put_field(b, r->config_name);
  np_buf_puts(b, ",");
  np_csv_put_field(b, r->model_name);
  np_buf_printf(b, ",%s,%.17g,%.17g,%.17g,%.17g,%s,%" PRId64 ",", np_dtype_name(r->dtype), r->cold_stats.ms,
                r->warm_stats.ms, r->cold_start.uncached_ms, r->cold_start.cached_ms, on_accelerator(r),
                r->cold.fallback_ops);
  put_csv_reasons(b, r);
  np_buf_printf(b, ",%" PRId64 ",", np_run_sram_peak_bytes(r));
  if (has_energy(r)) np_buf_printf(b, "%.17g", energy_uj(r));
  np_buf_printf(b, ",%s", np_device_check_passes(d) ? "true" : "false");
  for (int k = 0; k < d->n_results; k++)
    np_buf_printf(b, ",%.17g,%.17g,%s", d->results[k].value, d->results[k].limit, d->results[k].holds ? "true" : "false");
  np_buf_puts(b, ",");
  np_csv_put_field(b, d->file);
  np_buf_puts(b, ",");
  np_csv_put_field(b, r->model_source);
  np_buf_puts(b, "\n");
}

char *np_devices_csv(const NpDeviceCheck *devices, size_t n) {
  NpBuf b = {0};
  put_csv_header(&b, devices, n);
  for (size_t i = 0; i < n; i++) put_csv_row(&b, &devices[i]);
  return np_buf_take(&b);
}
