/* Streaming trace writer: records are staged in a fixed buffer and pushed through one zstd
 * frame (checksum on), so memory stays bounded however long the run. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "trace/trace_internal.h"
#include "util/mem.h"
#include "util/outfile.h"

#define STAGE_BYTES (NP_TRACE_RECORD_BYTES * 1024) /* 1024 records per compress call */

struct NpTraceWriter {
  NpOutFile file;
  ZSTD_CCtx *cctx;
  uint8_t *stage;
  size_t staged;
  uint8_t *out;
  size_t out_capacity;
  uint64_t count;
  uint64_t records_hash;
  char *error; /* the first failure; everything after it is refused */
};

static void writer_fail(NpTraceWriter *w, const char *what, const char *detail) {
  if (w->error) return;
  w->error = detail ? np_xasprintf("%s: error: %s: %s", w->file.path, what, detail)
                    : np_xasprintf("%s: error: %s", w->file.path, what);
}

/* Runs the compressor over `len` bytes with the given directive and writes what it makes.
 * For ZSTD_e_end it loops until the frame is complete. */
static bool compress_and_write(NpTraceWriter *w, const uint8_t *data, size_t len, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in = {data, len, 0};
  for (;;) {
    ZSTD_outBuffer out = {w->out, w->out_capacity, 0};
    size_t remaining = ZSTD_compressStream2(w->cctx, &out, &in, mode);
    if (ZSTD_isError(remaining)) {
      writer_fail(w, "zstd compression failed", ZSTD_getErrorName(remaining));
      return false;
    }
    if (out.pos && fwrite(w->out, 1, out.pos, w->file.fp) != out.pos) {
      writer_fail(w, "write failed", strerror(errno));
      return false;
    }
    bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
    if (done) return true;
  }
}

static bool flush_stage(NpTraceWriter *w) {
  bool ok = compress_and_write(w, w->stage, w->staged, ZSTD_e_continue);
  w->staged = 0;
  return ok;
}

static bool stage_bytes(NpTraceWriter *w, const uint8_t *bytes, size_t len) {
  if (w->staged + len > STAGE_BYTES && !flush_stage(w)) return false;
  memcpy(w->stage + w->staged, bytes, len);
  w->staged += len;
  return true;
}

static bool configure(ZSTD_CCtx *cctx) {
  return !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, NP_TRACE_ZSTD_LEVEL)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, NP_TRACE_ZSTD_WINDOW_LOG)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 0));
}

static void writer_free(NpTraceWriter *w) {
  ZSTD_freeCCtx(w->cctx);
  free(w->stage);
  free(w->out);
  free(w->error);
  free(w);
}

NpTraceWriter *np_trace_writer_open(const char *path, const NpTraceHeader *header, NpDiag *diag) {
  const char *problem = np_trace_header_problem(header);
  if (problem) {
    np_diag_add(diag, "%s: error: bad trace header: %s", path, problem);
    return NULL;
  }
  NpTraceWriter *w = np_xcalloc(1, sizeof *w);
  if (!np_outfile_open(&w->file, path, diag)) {
    free(w);
    return NULL;
  }
  w->cctx = ZSTD_createCCtx();
  if (!w->cctx || !configure(w->cctx)) {
    np_diag_add(diag, "%s: error: cannot set up the zstd compressor", path);
    np_outfile_abort(&w->file);
    writer_free(w);
    return NULL;
  }
  w->stage = np_xmalloc(STAGE_BYTES);
  w->out_capacity = ZSTD_CStreamOutSize();
  w->out = np_xmalloc(w->out_capacity);
  w->records_hash = NP_TRACE_HASH_SEED;
  uint8_t bytes[NP_TRACE_HEADER_BYTES];
  np_trace_encode_header(header, bytes);
  stage_bytes(w, bytes, sizeof bytes);
  NpBuf names = {0};
  np_trace_encode_names(&header->names, &names);
  bool ok = flush_stage(w) && compress_and_write(w, (const uint8_t *)names.data, names.len, ZSTD_e_continue);
  np_buf_free(&names);
  if (!ok) {
    np_diag_add(diag, "%s", w->error);
    np_outfile_abort(&w->file);
    writer_free(w);
    return NULL;
  }
  return w;
}

bool np_trace_write(NpTraceWriter *w, const NpTraceRecord *record) {
  if (w->error) return false;
  const char *problem = np_trace_record_problem(record);
  if (problem) {
    char *what = np_xasprintf("record %" PRIu64 " (command %" PRIu32 ") is impossible", w->count, record->command);
    writer_fail(w, what, problem);
    free(what);
    return false;
  }
  uint8_t bytes[NP_TRACE_RECORD_BYTES];
  np_trace_encode_record(record, bytes);
  if (!stage_bytes(w, bytes, sizeof bytes)) return false;
  w->records_hash = np_trace_hash(w->records_hash, bytes, sizeof bytes);
  w->count++;
  return true;
}

uint64_t np_trace_writer_count(const NpTraceWriter *w) { return w->count; }

bool np_trace_writer_close(NpTraceWriter *w, NpDiag *diag) {
  if (!w->error) {
    uint8_t trailer[NP_TRACE_TRAILER_BYTES];
    np_trace_encode_trailer(w->count, w->records_hash, trailer);
    if (stage_bytes(w, trailer, sizeof trailer)) {
      compress_and_write(w, w->stage, w->staged, ZSTD_e_end);
      w->staged = 0;
    }
  }
  bool ok;
  if (w->error) {
    np_diag_add(diag, "%s", w->error);
    np_outfile_abort(&w->file);
    ok = false;
  } else {
    ok = np_outfile_commit(&w->file, diag);
  }
  writer_free(w);
  return ok;
}

void np_trace_writer_abort(NpTraceWriter *w) {
  if (!w) return;
  np_outfile_abort(&w->file);
  writer_free(w);
}
