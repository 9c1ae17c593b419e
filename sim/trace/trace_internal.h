/* Byte-level encoding of the trace format, shared by the writer and the reader. */
#ifndef NPUSIM_TRACE_TRACE_INTERNAL_H
#define NPUSIM_TRACE_TRACE_INTERNAL_H

#include <stdint.h>

#include "trace/trace.h"
#include "util/buf.h"

#define NP_TRACE_RECORD_TAG 'R'

void np_trace_encode_header(const NpTraceHeader *header, uint8_t out[NP_TRACE_HEADER_BYTES]);
/* Why the header bytes are not a header of a version this build reads, or NULL. The magic is checked by the
 * caller (it decides between "not a trace" and "truncated"). */
const char *np_trace_decode_header(const uint8_t in[NP_TRACE_HEADER_BYTES], NpTraceHeader *header);
/* Why a header given by a writer's caller is unusable, or NULL. */
const char *np_trace_header_problem(const NpTraceHeader *header);

/* Version 2's name table, right after the header: three u32 (engines, layers, string bytes),
 * then the strings, each NUL-terminated: every engine name, then each layer's name and op. */
#define NP_TRACE_NAMES_COUNTS_BYTES 12
void np_trace_encode_names(const NpTraceNames *names, NpBuf *out);
/* Reads the counts into *names (strings left NULL) and the string bytes into *bytes; why they
 * are out of the format's bounds, or NULL. */
const char *np_trace_names_counts_problem(const uint8_t in[NP_TRACE_NAMES_COUNTS_BYTES], NpTraceNames *names,
                                          uint32_t *bytes);
/* Splits len string bytes into names' arrays (allocated: np_trace_header_free); why they do
 * not match its counts, or NULL. */
const char *np_trace_decode_names(const uint8_t *in, uint32_t len, NpTraceNames *names);
/* A deep copy (np_trace_header_free frees it in its header). */
void np_trace_names_copy(const NpTraceNames *from, NpTraceNames *to);

void np_trace_encode_record(const NpTraceRecord *record, uint8_t out[NP_TRACE_RECORD_BYTES]);
/* Why the bytes are not a valid record, or NULL (the tag is checked by the caller). */
const char *np_trace_decode_record(const uint8_t in[NP_TRACE_RECORD_BYTES], NpTraceRecord *record);

void np_trace_encode_trailer(uint64_t count, uint64_t records_hash, uint8_t out[NP_TRACE_TRAILER_BYTES]);
/* False when the bytes are not a trailer. */
bool np_trace_decode_trailer(const uint8_t in[NP_TRACE_TRAILER_BYTES], uint64_t *count, uint64_t *records_hash);

/* Primary records (engine, DMA) describe a command; bank and core records are detail. */
static inline bool np_trace_is_primary(const NpTraceRecord *r) {
  return r->unit_kind == NP_TRACE_UNIT_ENGINE || r->unit_kind == NP_TRACE_UNIT_DMA;
}

/* Reads every record of the trace at `path`, in file order, calling `visit` on each; the
 * header goes to *header first, with its own copy of the names (np_trace_header_free; zeroed
 * when the file cannot be opened). False with errors in diag when the file is bad or `visit`
 * returns false (it adds its own message). Records are only final once this returns true. */
typedef bool (*NpTraceVisit)(void *ctx, const NpTraceRecord *record, NpDiag *diag);
bool np_trace_for_each(const char *path, NpTraceHeader *header, NpTraceVisit visit, void *ctx, NpDiag *diag);

#endif
