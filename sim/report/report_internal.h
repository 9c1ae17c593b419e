/* Shared by the report stage's files (not a public header). */
#ifndef NPUSIM_REPORT_REPORT_INTERNAL_H
#define NPUSIM_REPORT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "trace/trace.h"

#include <jansson.h>

/* The report's JSON text: 2-space indent, keys in insertion order, a final newline. Takes
 * (and releases) root. */
char *np_report_json_text(json_t *root);


/* The layer figures of one inference. */
static inline const NpLayerStats *np_report_layer(const NpStats *stats, size_t i) {
  return i < stats->n_layers ? &stats->layers[i] : NULL;
}

#endif
