// Helpers for the trace tests: hand-built records and headers, writing and reading traces, a
// test-side encoder of the documented byte layout (docs/formats.md, "Trace"), and zstd.
#pragma once

#include <dirent.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "trace/trace.h"
}

inline std::string diag_text(const NpDiag &diag) {
  std::string text;
  for (size_t i = 0; i < diag.count; i++) text += std::string(i ? "\n" : "") + diag.messages[i];
  return text;
}

inline NpTraceHeader test_header(double clock_mhz = 1000.0) {
  NpTraceHeader h = {};
  h.source = NP_TRACE_SOURCE_RTL;
  h.clock_mhz = clock_mhz;
  h.config_hash = 0x0123456789abcdefULL;
  h.schedule_hash = 0xfedcba9876543210ULL;
  std::strcpy(h.config_name, "rtl-small");
  return h;
}

inline NpTraceRecord make_record(uint32_t command, uint32_t layer, NpTraceKind kind, NpTraceUnitKind unit_kind,
                                 uint16_t unit, uint64_t start, uint64_t end, uint64_t bytes = 0) {
  NpTraceRecord r = {};
  r.command = command;
  r.layer = layer;
  r.kind = kind;
  r.unit_kind = unit_kind;
  r.unit = unit;
  r.start = start;
  r.end = end;
  r.bytes = bytes;
  return r;
}

// A valid record whose every field depends on i (duration 5..17 cycles, in-execution stalls
// dram + bank_conflict + outstanding at most 2 + 1 + 1 = 4 cycles).
inline NpTraceRecord varied_record(uint64_t i) {
  NpTraceRecord r = {};
  r.command = static_cast<uint32_t>(i);
  r.layer = static_cast<uint32_t>(i / 7);
  r.kind = static_cast<NpTraceKind>(i % 4);
  r.unit_kind = i % 5 == 0 ? NP_TRACE_UNIT_BANK
                           : (r.kind == NP_TRACE_LOAD || r.kind == NP_TRACE_STORE ? NP_TRACE_UNIT_DMA
                                                                                   : NP_TRACE_UNIT_ENGINE);
  r.unit = static_cast<uint16_t>(i % 3);
  r.start = i * 10;
  r.end = r.start + 5 + i % 13;
  r.bytes = i * 64;
  r.bursts = i % 9;
  r.stall[NP_TRACE_STALL_DRAM] = i % 3;
  r.stall[NP_TRACE_STALL_BANK_CONFLICT] = i % 2;
  r.stall[NP_TRACE_STALL_DEPENDENCY] = i % 11;
  r.stall[NP_TRACE_STALL_OUTSTANDING] = i % 2 == 0 ? 1 : 0;
  r.stall[NP_TRACE_STALL_UNIT] = i % 17;
  return r;
}

// Field by field (memcmp would also compare padding).
inline bool same_record(const NpTraceRecord &a, const NpTraceRecord &b) {
  if (a.command != b.command || a.layer != b.layer || a.kind != b.kind || a.unit_kind != b.unit_kind ||
      a.unit != b.unit || a.start != b.start || a.end != b.end || a.bytes != b.bytes || a.bursts != b.bursts)
    return false;
  for (int i = 0; i < NP_TRACE_STALL_COUNT; i++)
    if (a.stall[i] != b.stall[i]) return false;
  return true;
}

inline NpTraceRecord backwards_record() {
  return make_record(1, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 20, 10);
}

// Writes a trace; "" on success, else the errors.
inline std::string write_trace(const std::string &path, const NpTraceHeader &header,
                               const std::vector<NpTraceRecord> &records) {
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceWriter *w = np_trace_writer_open(path.c_str(), &header, &diag);
  bool ok = w != nullptr;
  for (size_t i = 0; ok && i < records.size(); i++) np_trace_write(w, &records[i]);
  if (w) ok = np_trace_writer_close(w, &diag);
  std::string error = ok ? "" : diag_text(diag);
  np_diag_free(&diag);
  return error;
}

struct ReadResult {
  std::vector<NpTraceRecord> records;
  std::string error;  // "" when the file read to a clean end
};

inline ReadResult read_all(const std::string &path) {
  ReadResult result;
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(path.c_str(), &diag);
  if (reader) {
    NpTraceRecord r;
    int status;
    while ((status = np_trace_read(reader, &r, &diag)) == 1) result.records.push_back(r);
    np_trace_reader_close(reader);
  }
  result.error = diag_text(diag);
  np_diag_free(&diag);
  return result;
}

inline std::string zstd_compress(const std::string &data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(&out[0], out.size(), data.data(), data.size(), 3);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

inline std::string zstd_decompress(const std::string &data) {
  ZSTD_DCtx *dctx = ZSTD_createDCtx();
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in = {data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o = {buf.data(), buf.size(), 0};
    size_t ret = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(ret)) break;
    out.append(buf.data(), o.pos);
  }
  ZSTD_freeDCtx(dctx);
  return out;
}

inline uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

inline uint64_t fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

// ---- the test's own encoder of the documented layout ----

inline void put_le(std::string &s, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; i++) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline std::string encode_header() {
  std::string h(80, '\0');
  std::memcpy(&h[0], "NPTRACE", 8);
  put_le(h, 8, 1, 2);
  put_le(h, 10, 80, 2);
  put_le(h, 12, 88, 2);
  h[14] = 0;                             // model
  put_le(h, 16, 0x408F400000000000ULL, 8);  // 1000.0 MHz
  put_le(h, 24, 0x11, 8);
  put_le(h, 32, 0x22, 8);
  std::memcpy(&h[40], "test", 4);
  return h;
}

inline std::string encode_record(const NpTraceRecord &r) {
  std::string b(88, '\0');
  b[0] = 'R';
  b[1] = static_cast<char>(r.kind);
  b[2] = static_cast<char>(r.unit_kind);
  put_le(b, 4, r.unit, 2);
  put_le(b, 8, r.command, 4);
  put_le(b, 12, r.layer, 4);
  put_le(b, 16, r.start, 8);
  put_le(b, 24, r.end, 8);
  put_le(b, 32, r.bytes, 8);
  put_le(b, 40, r.bursts, 8);
  for (int i = 0; i < 5; i++) put_le(b, 48 + 8 * i, r.stall[i], 8);
  return b;
}

inline std::string encode_trailer(uint64_t count, uint64_t hash) {
  std::string t(88, '\0');
  std::memcpy(&t[0], "NPTEND", 6);
  put_le(t, 8, count, 8);
  put_le(t, 16, hash, 8);
  return t;
}

inline size_t count_files(const std::string &dir) {
  size_t n = 0;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
  }
  return n;
}
