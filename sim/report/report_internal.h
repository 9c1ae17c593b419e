/* Shared by the report stage's files (not a public header). */
#ifndef NPUSIM_REPORT_REPORT_INTERNAL_H
#define NPUSIM_REPORT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "trace/trace.h"


/* The layer figures of one inference. */
static inline const NpLayerStats *np_report_layer(const NpStats *stats, size_t i) {
  return i < stats->n_layers ? &stats->layers[i] : NULL;
}

#endif
