/* Shared by the report stage's files (not a public header). */
#ifndef NPUSIM_REPORT_REPORT_INTERNAL_H
#define NPUSIM_REPORT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "trace/trace.h"

/* One replay record as a trace record (docs/run.md, "Trace"). engine_free holds, per engine,
 * the end of the last COMPUTE seen (start all at 0); it is updated. */
void np_report_trace_record(const NpCommandTiming *timing, const NpSchedule *schedule, int64_t *engine_free,
                            NpTraceRecord *record);

/* "512 B", "1.5 KiB", "3.21 MiB", "1.02 GiB". */
void np_report_format_bytes(int64_t bytes, char *out, size_t size);

/* The layer figures of one inference. */
static inline const NpLayerStats *np_report_layer(const NpStats *stats, size_t i) {
  return i < stats->n_layers ? &stats->layers[i] : NULL;
}

#endif
