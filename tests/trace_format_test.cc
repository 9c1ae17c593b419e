// The trace file format: round trips, the documented byte layout (checked through `zstd -dc`),
// determinism, and every way a file can be wrong (truncated, corrupt, not zstd, not a trace).
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "support/files.h"
#include "trace_support.h"

namespace {

TEST(TraceFormat, RoundTripManyRecords) {
  // 100000 records of 88 bytes = 8.8 MB, about a hundred of the writer's 1024-record stage buffers.
  const uint64_t n = 100000;
  std::vector<NpTraceRecord> records;
  for (uint64_t i = 0; i < n; i++) records.push_back(varied_record(i));
  std::string path = scratch_dir() + "/many.npt.zst";
  NpTraceHeader header = test_header();
  ASSERT_EQ(write_trace(path, header, records), "");

  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(path.c_str(), &diag);
  ASSERT_NE(reader, nullptr) << diag_text(diag);
  const NpTraceHeader *h = np_trace_reader_header(reader);
  EXPECT_EQ(h->version, 2);
  EXPECT_EQ(h->source, NP_TRACE_SOURCE_RTL);
  EXPECT_EQ(h->clock_mhz, 1000.0);
  EXPECT_EQ(h->config_hash, 0x0123456789abcdefULL);
  EXPECT_EQ(h->schedule_hash, 0xfedcba9876543210ULL);
  EXPECT_STREQ(h->config_name, "rtl-small");
  NpTraceRecord r;
  uint64_t count = 0;
  int status;
  while ((status = np_trace_read(reader, &r, &diag)) == 1) {
    NpTraceRecord expected = varied_record(count);
    ASSERT_TRUE(same_record(r, expected)) << "record " << count;
    count++;
  }
  EXPECT_EQ(status, 0) << diag_text(diag);
  EXPECT_EQ(count, n);
  EXPECT_EQ(np_trace_read(reader, &r, &diag), 0);  // the end stays the end
  np_trace_reader_close(reader);
  np_diag_free(&diag);
}

TEST(TraceFormat, ZstdCliDecodesToHeaderRecordsTrailer) {
  std::vector<NpTraceRecord> records;
  for (uint64_t i = 0; i < 1000; i++) records.push_back(varied_record(i));
  std::string path = scratch_dir() + "/cli.npt.zst";
  ASSERT_EQ(write_trace(path, test_header(), records), "");
  std::string raw_path = scratch_dir() + "/cli.raw";
  ASSERT_EQ(std::system(("zstd -q -dc '" + path + "' > '" + raw_path + "'").c_str()), 0);
  std::string raw = read_file(raw_path);
  EXPECT_EQ(raw.size(), 80u + 12u + 1000u * 88u + 88u);  // header + an empty name table + N records + trailer
  // `zstd -t` checks the frame's content checksum, which the writer must have switched on.
  ASSERT_EQ(std::system(("zstd -q -t '" + path + "'").c_str()), 0);
  std::string listing_path = scratch_dir() + "/list.txt";
  ASSERT_EQ(std::system(("zstd -lv '" + path + "' > '" + listing_path + "' 2>&1").c_str()), 0);
  EXPECT_NE(read_file(listing_path).find("XXH64"), std::string::npos) << read_file(listing_path);
}

// The byte layout of docs/formats.md, field by field, on the decompressed bytes.
TEST(TraceFormat, ByteLayoutMatchesTheDocumentation) {
  NpTraceRecord r = {};
  r.command = 0x01020304;
  r.layer = 7;
  r.kind = NP_TRACE_COMPUTE;
  r.unit_kind = NP_TRACE_UNIT_DMA;
  r.unit = 0x0203;
  r.start = 100;
  r.end = 0x0000000100000000ULL + 100;  // spans the 32-bit boundary
  r.bytes = 4096;
  r.bursts = 64;
  r.stall[NP_TRACE_STALL_DRAM] = 1;
  r.stall[NP_TRACE_STALL_BANK_CONFLICT] = 2;
  r.stall[NP_TRACE_STALL_DEPENDENCY] = 3;
  r.stall[NP_TRACE_STALL_OUTSTANDING] = 4;
  r.stall[NP_TRACE_STALL_UNIT] = 5;
  std::string path = scratch_dir() + "/layout.npt.zst";
  NpTraceHeader header = test_header();
  char engine[] = "ane", layer[] = "conv1", op[] = "Conv";
  char *engines[] = {engine}, *layers[] = {layer}, *ops[] = {op};
  header.names = {1, 1, engines, layers, ops};
  ASSERT_EQ(write_trace(path, header, {r}), "");
  std::string raw = zstd_decompress(read_file(path));
  // 80 header + 12 + "ane\0conv1\0Conv\0" (15) name table + 88 record + 88 trailer.
  ASSERT_EQ(raw.size(), 283u);
  const auto *b = reinterpret_cast<const uint8_t *>(raw.data());

  // header
  EXPECT_EQ(std::memcmp(b, "NPTRACE\0", 8), 0);
  EXPECT_EQ(le(b + 8, 2), 2u);    // version
  EXPECT_EQ(le(b + 10, 2), 80u);  // header bytes
  EXPECT_EQ(le(b + 12, 2), 88u);  // record bytes
  EXPECT_EQ(b[14], 1);            // source rtl
  EXPECT_EQ(b[15], 0);
  EXPECT_EQ(le(b + 16, 8), 0x408F400000000000ULL);  // 1000.0 as IEEE-754 binary64
  EXPECT_EQ(le(b + 24, 8), 0x0123456789abcdefULL);
  EXPECT_EQ(le(b + 32, 8), 0xfedcba9876543210ULL);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(b + 40)), "rtl-small");
  for (int i = 40 + 9; i < 80; i++) EXPECT_EQ(b[i], 0) << "header byte " << i;

  // names
  EXPECT_EQ(le(b + 80, 4), 1u);   // engines
  EXPECT_EQ(le(b + 84, 4), 1u);   // layers
  EXPECT_EQ(le(b + 88, 4), 15u);  // string bytes
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(b + 92), 15), std::string("ane\0conv1\0Conv\0", 15));

  // record
  const uint8_t *rec = b + 107;
  EXPECT_EQ(rec[0], 'R');
  EXPECT_EQ(rec[1], 2);  // COMPUTE
  EXPECT_EQ(rec[2], 1);  // DMA channel
  EXPECT_EQ(rec[3], 0);
  EXPECT_EQ(le(rec + 4, 2), 0x0203u);
  EXPECT_EQ(le(rec + 6, 2), 0u);
  EXPECT_EQ(le(rec + 8, 4), 0x01020304u);
  EXPECT_EQ(rec[8], 0x04);  // little-endian: low byte first
  EXPECT_EQ(le(rec + 12, 4), 7u);
  EXPECT_EQ(le(rec + 16, 8), 100u);
  EXPECT_EQ(le(rec + 24, 8), 0x0000000100000064ULL);
  EXPECT_EQ(le(rec + 32, 8), 4096u);
  EXPECT_EQ(le(rec + 40, 8), 64u);
  EXPECT_EQ(le(rec + 48, 8), 1u);
  EXPECT_EQ(le(rec + 56, 8), 2u);
  EXPECT_EQ(le(rec + 64, 8), 3u);
  EXPECT_EQ(le(rec + 72, 8), 4u);
  EXPECT_EQ(le(rec + 80, 8), 5u);

  // trailer: magic, count, FNV-1a 64 of the record bytes
  const uint8_t *t = b + 195;
  EXPECT_EQ(std::memcmp(t, "NPTEND\0\0", 8), 0);
  EXPECT_EQ(le(t + 8, 8), 1u);
  EXPECT_EQ(le(t + 16, 8), fnv1a64(rec, 88));
  for (int i = 24; i < 88; i++) EXPECT_EQ(t[i], 0) << "trailer byte " << i;
}

TEST(TraceFormat, SameRecordsGiveTheSameBytes) {
  std::vector<NpTraceRecord> records;
  for (uint64_t i = 0; i < 5000; i++) records.push_back(varied_record(i));
  std::string a = scratch_dir() + "/a.npt.zst", b = scratch_dir() + "/b.npt.zst";
  ASSERT_EQ(write_trace(a, test_header(), records), "");
  ASSERT_EQ(write_trace(b, test_header(), records), "");
  std::string bytes_a = read_file(a);
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_EQ(bytes_a, read_file(b));
}

TEST(TraceFormat, EmptyTraceRoundTrips) {
  std::string path = scratch_dir() + "/none.npt.zst";
  ASSERT_EQ(write_trace(path, test_header(), {}), "");
  EXPECT_EQ(read_all(path).error, "");
  EXPECT_EQ(read_all(path).records.size(), 0u);
}

TEST(TraceFormat, TruncatedFilesAreNamedAsTruncated) {
  std::vector<NpTraceRecord> records;
  for (uint64_t i = 0; i < 20000; i++) records.push_back(varied_record(i));
  std::string good = scratch_dir() + "/good.npt.zst";
  ASSERT_EQ(write_trace(good, test_header(), records), "");
  std::string bytes = read_file(good);
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t cut : {size_t(2), size_t(6), size_t(20), size_t(100), bytes.size() / 2, bytes.size() - 5,
                     bytes.size() - 1}) {
    std::string path = write_scratch("cut" + std::to_string(cut) + ".npt.zst", bytes.substr(0, cut));
    ReadResult result = read_all(path);
    EXPECT_NE(result.error.find(path + ": error: truncated trace"), std::string::npos)
        << "cut at " << cut << ": " << result.error;
    // Cut inside the last block or the frame checksum, every record may still decode; the
    // error still comes, at the end.
    if (cut <= bytes.size() / 2) {
      EXPECT_LT(result.records.size(), records.size());
    }
  }
}

// A valid zstd frame whose content stops early: the trailer is what tells.
TEST(TraceFormat, MissingTrailerOrShortRecordIsTruncated) {
  std::string content = encode_header() + encode_record(varied_record(0)) + encode_record(varied_record(1));
  std::string no_trailer = write_scratch("no_trailer.npt.zst", zstd_compress(content));
  EXPECT_NE(read_all(no_trailer).error.find("truncated trace: no trailer after 2 records"), std::string::npos)
      << read_all(no_trailer).error;
  std::string short_record = write_scratch("short.npt.zst", zstd_compress(content.substr(0, content.size() - 30)));
  EXPECT_NE(read_all(short_record).error.find("truncated trace: record 1 has 58 of 88 bytes"), std::string::npos)
      << read_all(short_record).error;
  std::string short_header = write_scratch("short_header.npt.zst", zstd_compress(content.substr(0, 40)));
  EXPECT_NE(read_all(short_header).error.find("truncated trace: the header has 40 of 80 bytes"), std::string::npos)
      << read_all(short_header).error;
  // The trailer counts 3 records, the file holds 2.
  std::string lost = content + encode_trailer(3, 0);
  std::string lost_path = write_scratch("lost.npt.zst", zstd_compress(lost));
  EXPECT_NE(read_all(lost_path).error.find("truncated trace: the trailer counts 3 records, the file holds 2"),
            std::string::npos)
      << read_all(lost_path).error;
}

TEST(TraceFormat, FlippedBytesAreCorrupt) {
  std::vector<NpTraceRecord> records;
  for (uint64_t i = 0; i < 3000; i++) records.push_back(varied_record(i));
  std::string good = scratch_dir() + "/good.npt.zst";
  ASSERT_EQ(write_trace(good, test_header(), records), "");
  std::string bytes = read_file(good);
  // Every position past the zstd frame header, in steps; the frame checksum (or zstd's own
  // block checks) must catch each flip.
  int checked = 0;
  for (size_t at = 20; at < bytes.size(); at += bytes.size() / 37) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    std::string path = write_scratch("flip" + std::to_string(at) + ".npt.zst", bad);
    ReadResult result = read_all(path);
    EXPECT_NE(result.error.find(path + ": error: corrupt trace"), std::string::npos)
        << "flip at " << at << ": " << result.error;
    checked++;
  }
  EXPECT_GT(checked, 30);
}

TEST(TraceFormat, RecordChecksumCatchesChangedRecordsInAValidFrame) {
  std::string content = encode_header() + encode_record(varied_record(0)) + encode_record(varied_record(1));
  std::string trailer = encode_trailer(2, fnv1a64(reinterpret_cast<const uint8_t *>(content.data()) + 80, 176));
  std::string good = write_scratch("good.npt.zst", zstd_compress(content + trailer));
  EXPECT_EQ(read_all(good).error, "");  // the test's own encoder agrees with the reader
  std::string changed = content;
  changed[80 + 40] ^= 1;  // record 0's burst count
  std::string path = write_scratch("changed.npt.zst", zstd_compress(changed + trailer));
  EXPECT_NE(read_all(path).error.find("corrupt trace: the records do not match the trailer's checksum"),
            std::string::npos)
      << read_all(path).error;
}

TEST(TraceFormat, ImpossibleRecordsAreRejected) {
  NpTraceRecord backwards = varied_record(0);
  backwards.start = 50;
  backwards.end = 40;
  NpTraceRecord bad_kind = varied_record(0);
  bad_kind.kind = static_cast<NpTraceKind>(7);  // in the enum's range, not a kind
  NpTraceRecord too_many_stalls = varied_record(0);
  too_many_stalls.start = 0;
  too_many_stalls.end = 10;
  too_many_stalls.stall[NP_TRACE_STALL_DRAM] = 6;
  too_many_stalls.stall[NP_TRACE_STALL_BANK_CONFLICT] = 5;
  struct Case {
    NpTraceRecord record;
    const char *problem;
  } cases[] = {
      {backwards, "end cycle before start cycle"},
      {bad_kind, "unknown command kind"},
      {too_many_stalls, "dram + bank_conflict + outstanding stalls exceed the duration"},
  };
  for (const Case &c : cases) {
    std::string path = write_scratch("impossible.npt.zst", zstd_compress(encode_header() + encode_record(c.record)));
    EXPECT_EQ(read_all(path).error, path + ": error: corrupt trace: record 0 (command 0): " + c.problem);
    // The writer refuses the same record (as the file's second) and leaves no file behind.
    std::string out = scratch_dir() + "/refused.npt.zst";
    std::string error = write_trace(out, test_header(), {varied_record(1), c.record});
    EXPECT_EQ(error, out + ": error: record 1 (command 0) is impossible: " + c.problem);
    EXPECT_TRUE(read_file(out).empty());
  }
}

TEST(TraceFormat, WrongMagicVersionEmptyAndNotZstd) {
  std::string content = encode_header() + encode_trailer(0, 0xcbf29ce484222325ULL);
  EXPECT_EQ(read_all(write_scratch("ok.npt.zst", zstd_compress(content))).error, "");

  std::string magic = content;
  magic[0] = 'X';
  std::string magic_path = write_scratch("magic.npt.zst", zstd_compress(magic));
  EXPECT_EQ(read_all(magic_path).error,
            magic_path + ": error: not an npusim trace (bad magic: it does not start with \"NPTRACE\")");

  std::string text_path = write_scratch("text.zst", zstd_compress("hello, world\n"));
  EXPECT_NE(read_all(text_path).error.find("not an npusim trace"), std::string::npos);

  // content is a version-1 trace (no name table): it still reads, above. Version 3 does not.
  std::string version = content;
  version[8] = 3;
  std::string version_path = write_scratch("v3.npt.zst", zstd_compress(version));
  EXPECT_EQ(read_all(version_path).error,
            version_path + ": error: unsupported trace version 3 (this npusim reads versions 1 to 2)");

  std::string empty_path = write_scratch("empty.npt.zst", "");
  EXPECT_EQ(read_all(empty_path).error, empty_path + ": error: empty file (not a zstd-compressed trace)");

  std::string plain_path = write_scratch("plain.npt.zst", content);  // not compressed
  EXPECT_EQ(read_all(plain_path).error, plain_path + ": error: not a zstd-compressed file");

  std::string missing = scratch_dir() + "/missing.npt.zst";
  EXPECT_NE(read_all(missing).error.find(missing + ": error: cannot open"), std::string::npos);

  std::string extra_path = write_scratch("extra.npt.zst", zstd_compress(content) + zstd_compress("more"));
  EXPECT_NE(read_all(extra_path).error.find("data after the end of the zstd frame"), std::string::npos)
      << read_all(extra_path).error;
}

TEST(TraceWriter, AbortAndFailedCloseLeaveTheOldFile) {
  std::string path = write_scratch("keep.npt.zst", "previous contents");
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceHeader header = test_header();
  NpTraceWriter *w = np_trace_writer_open(path.c_str(), &header, &diag);
  ASSERT_NE(w, nullptr) << diag_text(diag);
  NpTraceRecord r = varied_record(0);
  EXPECT_TRUE(np_trace_write(w, &r));
  np_trace_writer_abort(w);
  EXPECT_EQ(read_file(path), "previous contents");
  EXPECT_EQ(count_files(scratch_dir()), 1u);  // no temporary left behind

  std::string error = write_trace(path, header, {varied_record(0), backwards_record()});
  EXPECT_NE(error.find(path + ": error: record 1 (command 1) is impossible"), std::string::npos) << error;
  EXPECT_EQ(read_file(path), "previous contents");
  EXPECT_EQ(count_files(scratch_dir()), 1u);

  NpTraceHeader bad = header;
  bad.clock_mhz = 0;
  EXPECT_EQ(np_trace_writer_open(path.c_str(), &bad, &diag), nullptr);
  EXPECT_NE(diag_text(diag).find("clock_mhz must be a number from 1e-06"), std::string::npos);
  std::string nowhere = scratch_dir() + "/no/such/dir/x.npt.zst";
  EXPECT_EQ(np_trace_writer_open(nowhere.c_str(), &header, &diag), nullptr);
  EXPECT_NE(diag_text(diag).find(nowhere + ": error: cannot create"), std::string::npos);
  np_diag_free(&diag);
}

}  // namespace

namespace {

// The Python reader printed in docs/formats.md must read what the writer writes.
TEST(TraceFormat, DocumentedPythonSnippetReadsATrace) {
  std::string doc = read_file(source_path("docs/formats.md"));
  size_t section = doc.find("### Reading a trace without npusim");
  ASSERT_NE(section, std::string::npos);
  size_t begin = doc.find("```python\n", section);
  ASSERT_NE(begin, std::string::npos);
  begin += 10;
  size_t end = doc.find("```", begin);
  std::string script = write_scratch("read_trace.py", doc.substr(begin, end - begin));
  std::string trace = scratch_dir() + "/t.npt.zst";
  NpTraceRecord r = make_record(42, 3, NP_TRACE_STORE, NP_TRACE_UNIT_DMA, 1, 10, 30, 512);
  r.stall[NP_TRACE_STALL_UNIT] = 9;
  ASSERT_EQ(write_trace(trace, test_header(), {r}), "");
  std::string out = scratch_dir() + "/out.txt";
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + script + "' '" + trace + "' > '" + out + "'").c_str()), 0);
  EXPECT_EQ(read_file(out), "rtl-small 1000.0 MHz rtl\n42 3 STORE dma 1 10 30 512\n");
}

}  // namespace
