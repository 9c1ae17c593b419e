/* Shared by the report stage's files (not a public header). */
#ifndef NPUSIM_REPORT_REPORT_INTERNAL_H
#define NPUSIM_REPORT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "trace/trace.h"
#include "util/buf.h"

#include <jansson.h>

/* The report's JSON text: 2-space indent, keys in insertion order, a final newline. Takes
 * (and releases) root. */
char *np_report_json_text(json_t *root);

/* The run JSON's "fallback_summary": the ops off the accelerator grouped by engine and reason. */
json_t *np_fallback_summary_json(const NpRunReport *r);
/* One group as `run` prints it: "99 ops on cpu: REASON (first: layer 0 'name')"; aligned pads
 * the count to four places, as run's list does. */
void np_fallback_group_text(NpBuf *b, const NpRunReport *r, const NpFallbackGroup *g, bool aligned);
/* The checked budgets as the check JSON's "budgets" array; *pass: every one holds. */
json_t *np_budget_results_json(const NpBudgetResult *results, int n, bool *pass);

/* The layer figures of one inference. */
static inline const NpLayerStats *np_report_layer(const NpStats *stats, size_t i) {
  return i < stats->n_layers ? &stats->layers[i] : NULL;
}

#endif
