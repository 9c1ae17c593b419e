/* Streaming trace reader: one zstd frame decoded through fixed buffers, every way a file can
 * be wrong turned into one message that names the file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "trace/trace_internal.h"
#include "util/file.h"
#include "util/mem.h"

static const uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD}; /* ZSTD_MAGICNUMBER, little-endian */

struct NpTraceReader {
  FILE *fp;
  char *path;
  ZSTD_DCtx *dctx;
  uint8_t *in_buf;
  size_t in_capacity;
  ZSTD_inBuffer in;
  uint64_t compressed_bytes; /* read from the file so far */
  uint8_t *out_buf;
  size_t out_capacity, out_pos, out_len;
  bool frame_done;           /* ZSTD_decompressStream returned 0: the frame and its checksum are complete */
  NpTraceHeader header;
  uint64_t count;
  uint64_t records_hash;
  bool failed, ended;
};

typedef enum { GOT_ALL, GOT_END, GOT_ERROR } ReadStatus;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void reader_fail(NpTraceReader *r, NpDiag *diag, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *what = np_xvasprintf(fmt, args);
  va_end(args);
  np_diag_add(diag, "%s: error: %s", r->path, what);
  free(what);
  r->failed = true;
}

/* The first bytes of the file must be (a prefix of) the zstd frame magic. */
static bool starts_like_zstd(const uint8_t *bytes, size_t n) {
  return memcmp(bytes, zstd_magic, n < 4 ? n : 4) == 0;
}

static void zstd_failure(NpTraceReader *r, size_t code, NpDiag *diag) {
  switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_prefix_unknown: reader_fail(r, diag, "not a zstd-compressed file"); break;
    case ZSTD_error_checksum_wrong:
      reader_fail(r, diag, "corrupt trace: the zstd frame checksum does not match its content");
      break;
    case ZSTD_error_frameParameter_windowTooLarge:
      reader_fail(r, diag, "corrupt trace: the zstd frame asks for a window above %d MiB",
                  1 << (NP_TRACE_ZSTD_WINDOW_LOG_MAX - 20));
      break;
    default: reader_fail(r, diag, "corrupt trace: zstd: %s", ZSTD_getErrorName(code)); break;
  }
}

/* Reads more of the file into the input buffer. False with an error at EOF or on failure. */
static bool refill_input(NpTraceReader *r, NpDiag *diag) {
  size_t n = fread(r->in_buf, 1, r->in_capacity, r->fp);
  if (n == 0) {
    if (ferror(r->fp))
      reader_fail(r, diag, "read failed: %s", strerror(errno));
    else if (r->compressed_bytes == 0)
      reader_fail(r, diag, "empty file (not a zstd-compressed trace)");
    else
      reader_fail(r, diag, "truncated trace: the zstd frame is incomplete (the file ends after %" PRIu64 " bytes)",
                  r->compressed_bytes);
    return false;
  }
  if (r->compressed_bytes == 0 && !starts_like_zstd(r->in_buf, n)) {
    reader_fail(r, diag, "not a zstd-compressed file");
    return false;
  }
  r->compressed_bytes += n;
  r->in = (ZSTD_inBuffer){r->in_buf, n, 0};
  return true;
}

/* Makes decoded bytes available. GOT_END when the frame is complete and all of it consumed. */
static ReadStatus fill_output(NpTraceReader *r, NpDiag *diag) {
  while (r->out_pos == r->out_len) {
    if (r->frame_done) return GOT_END;
    if (r->in.pos == r->in.size && !refill_input(r, diag)) return GOT_ERROR;
    ZSTD_outBuffer out = {r->out_buf, r->out_capacity, 0};
    size_t ret = ZSTD_decompressStream(r->dctx, &out, &r->in);
    if (ZSTD_isError(ret)) {
      zstd_failure(r, ret, diag);
      return GOT_ERROR;
    }
    r->out_pos = 0;
    r->out_len = out.pos;
    if (ret == 0) r->frame_done = true;
  }
  return GOT_ALL;
}

/* Copies up to n decoded bytes to dst; *got says how many. */
static ReadStatus read_bytes(NpTraceReader *r, uint8_t *dst, size_t n, size_t *got, NpDiag *diag) {
  *got = 0;
  while (*got < n) {
    ReadStatus status = fill_output(r, diag);
    if (status != GOT_ALL) return status;
    size_t take = r->out_len - r->out_pos;
    if (take > n - *got) take = n - *got;
    memcpy(dst + *got, r->out_buf + r->out_pos, take);
    r->out_pos += take;
    *got += take;
  }
  return GOT_ALL;
}

/* Version 2's name table, after the header. */
static bool read_names(NpTraceReader *r, NpDiag *diag) {
  uint8_t counts[NP_TRACE_NAMES_COUNTS_BYTES];
  size_t got;
  ReadStatus status = read_bytes(r, counts, sizeof counts, &got, diag);
  if (status == GOT_ERROR) return false;
  uint32_t len = 0;
  const char *problem = status == GOT_END ? "truncated trace: the name table is cut off"
                                          : np_trace_names_counts_problem(counts, &r->header.names, &len);
  uint8_t *bytes = problem ? NULL : np_xmalloc(len ? len : 1);
  if (!problem) {
    status = read_bytes(r, bytes, len, &got, diag);
    if (status == GOT_ERROR) {
      free(bytes);
      return false;
    }
    problem = status == GOT_END ? "truncated trace: the name table is cut off"
                                : np_trace_decode_names(bytes, len, &r->header.names);
  }
  free(bytes);
  if (problem) {
    reader_fail(r, diag, "%s%s", strncmp(problem, "truncated", 9) == 0 ? "" : "corrupt trace name table: ", problem);
    return false;
  }
  return true;
}

static bool read_header(NpTraceReader *r, NpDiag *diag) {
  uint8_t bytes[NP_TRACE_HEADER_BYTES];
  size_t got;
  ReadStatus status = read_bytes(r, bytes, sizeof bytes, &got, diag);
  if (status == GOT_ERROR) return false;
  size_t magic_seen = got < 8 ? got : 8;
  if (memcmp(bytes, NP_TRACE_MAGIC, magic_seen) != 0 || (status == GOT_END && got == 0)) {
    reader_fail(r, diag, "not an npusim trace (bad magic: it does not start with \"NPTRACE\")");
    return false;
  }
  if (status == GOT_END) {
    reader_fail(r, diag, "truncated trace: the header has %zu of %d bytes", got, NP_TRACE_HEADER_BYTES);
    return false;
  }
  const char *problem = np_trace_decode_header(bytes, &r->header);
  if (problem && (r->header.version < 1 || r->header.version > NP_TRACE_VERSION)) {
    reader_fail(r, diag, "unsupported trace version %u (this npusim reads versions 1 to %d)", r->header.version,
                NP_TRACE_VERSION);
    return false;
  }
  if (problem) {
    reader_fail(r, diag, "corrupt trace header: %s", problem);
    return false;
  }
  return r->header.version < 2 || read_names(r, diag);
}

static void reader_free(NpTraceReader *r) {
  if (r->fp) fclose(r->fp);
  np_trace_header_free(&r->header);
  ZSTD_freeDCtx(r->dctx);
  free(r->in_buf);
  free(r->out_buf);
  free(r->path);
  free(r);
}

NpTraceReader *np_trace_reader_open(const char *path, NpDiag *diag) {
  FILE *fp = np_open_regular(path, diag);
  if (!fp) return NULL;
  NpTraceReader *r = np_xcalloc(1, sizeof *r);
  r->fp = fp;
  r->path = np_xstrdup(path);
  r->dctx = ZSTD_createDCtx();
  if (!r->dctx ||
      ZSTD_isError(ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, NP_TRACE_ZSTD_WINDOW_LOG_MAX))) {
    np_diag_add(diag, "%s: error: cannot set up the zstd decompressor", path);
    reader_free(r);
    return NULL;
  }
  r->in_capacity = ZSTD_DStreamInSize();
  r->in_buf = np_xmalloc(r->in_capacity);
  r->out_capacity = ZSTD_DStreamOutSize();
  r->out_buf = np_xmalloc(r->out_capacity);
  r->records_hash = NP_TRACE_HASH_SEED;
  if (!read_header(r, diag)) {
    reader_free(r);
    return NULL;
  }
  return r;
}

const NpTraceHeader *np_trace_reader_header(const NpTraceReader *r) { return &r->header; }

/* After the trailer: the frame must end there, and the file with it. */
static bool expect_end(NpTraceReader *r, NpDiag *diag) {
  ReadStatus status = fill_output(r, diag);
  if (status == GOT_ERROR) return false;
  if (status == GOT_ALL) {
    reader_fail(r, diag, "corrupt trace: data after the trailer");
    return false;
  }
  uint8_t extra;
  if (r->in.pos < r->in.size || fread(&extra, 1, 1, r->fp) == 1) {
    reader_fail(r, diag, "corrupt trace: data after the end of the zstd frame");
    return false;
  }
  return true;
}

static int finish_at_trailer(NpTraceReader *r, const uint8_t *bytes, NpDiag *diag) {
  uint64_t count, records_hash;
  if (!np_trace_decode_trailer(bytes, &count, &records_hash)) {
    reader_fail(r, diag, "corrupt trace: record %" PRIu64 " has an unknown tag 0x%02x", r->count, bytes[0]);
    return -1;
  }
  if (count != r->count) {
    reader_fail(r, diag, "%s: the trailer counts %" PRIu64 " records, the file holds %" PRIu64,
                count > r->count ? "truncated trace" : "corrupt trace", count, r->count);
    return -1;
  }
  if (records_hash != r->records_hash) {
    reader_fail(r, diag, "corrupt trace: the records do not match the trailer's checksum");
    return -1;
  }
  if (!expect_end(r, diag)) return -1;
  r->ended = true;
  return 0;
}

int np_trace_read(NpTraceReader *r, NpTraceRecord *record, NpDiag *diag) {
  if (r->failed) return -1;
  if (r->ended) return 0;
  uint8_t bytes[NP_TRACE_RECORD_BYTES];
  size_t got;
  ReadStatus status = read_bytes(r, bytes, sizeof bytes, &got, diag);
  if (status == GOT_ERROR) return -1;
  if (status == GOT_END) {
    if (got == 0)
      reader_fail(r, diag, "truncated trace: no trailer after %" PRIu64 " records", r->count);
    else
      reader_fail(r, diag, "truncated trace: record %" PRIu64 " has %zu of %d bytes", r->count, got,
                  NP_TRACE_RECORD_BYTES);
    return -1;
  }
  if (bytes[0] != NP_TRACE_RECORD_TAG) return finish_at_trailer(r, bytes, diag);
  const char *problem = np_trace_decode_record(bytes, record);
  if (problem) {
    reader_fail(r, diag, "corrupt trace: record %" PRIu64 " (command %" PRIu32 "): %s", r->count, record->command,
                problem);
    return -1;
  }
  r->records_hash = np_trace_hash(r->records_hash, bytes, sizeof bytes);
  r->count++;
  return 1;
}

void np_trace_reader_close(NpTraceReader *r) {
  if (r) reader_free(r);
}

bool np_trace_for_each(const char *path, NpTraceHeader *header, NpTraceVisit visit, void *ctx, NpDiag *diag) {
  memset(header, 0, sizeof *header);
  NpTraceReader *r = np_trace_reader_open(path, diag);
  if (!r) return false;
  *header = r->header;
  np_trace_names_copy(&r->header.names, &header->names);
  NpTraceRecord record;
  int status;
  while ((status = np_trace_read(r, &record, diag)) == 1)
    if (!visit(ctx, &record, diag)) {
      status = -1;
      break;
    }
  np_trace_reader_close(r);
  return status == 0;
}
