// Unit tests of sim/util: diagnostics, the string map, the text buffer, checked arithmetic.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/files.h"

extern "C" {
#include "util/buf.h"
#include "util/diag.h"
#include "util/file.h"
#include "util/fmt.h"
#include "util/mem.h"
#include "util/strmap.h"
#include "util/utf8.h"
}

TEST(Diag, KeepsMessagesInOrderAndCountsTheRest) {
  NpDiag d;
  np_diag_init(&d);
  EXPECT_FALSE(np_diag_failed(&d));
  for (int i = 0; i < NP_DIAG_MAX_KEPT + 5; i++) np_diag_add(&d, "m%d", i);
  EXPECT_TRUE(np_diag_failed(&d));
  EXPECT_EQ(d.count, (size_t)NP_DIAG_MAX_KEPT);
  EXPECT_EQ(d.dropped, 5u);
  EXPECT_STREQ(d.messages[0], "m0");
  EXPECT_STREQ(d.messages[NP_DIAG_MAX_KEPT - 1], "m99");
  np_diag_free(&d);
}

std::string tidy(const std::string &message) {
  char *t = np_diag_tidy(message.c_str());
  std::string out = t;
  free(t);
  return out;
}

TEST(Diag, MessagesAreEscapedForATerminal) {
  // C0 controls but tab and line break, DEL, C1 controls (U+009B is a one-character CSI) and
  // bytes that are not UTF-8 become escapes; other UTF-8 passes as it is.
  EXPECT_EQ(tidy("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(tidy("cr\rdel\x7f"), "cr\\x0ddel\\x7f");
  EXPECT_EQ(tidy("c1 \xc2\x9b" "2J"), "c1 \\u009b2J");
  EXPECT_EQ(tidy("bad \xff\xc3"), "bad \\xff\\xc3");
  EXPECT_EQ(tidy("tab\tline\nnext \xc3\xa9 \xe2\x80\x94"), "tab\tline\nnext \xc3\xa9 \xe2\x80\x94");
  NpDiag d;
  np_diag_init(&d);
  np_diag_add(&d, "name '%s'", "\x1b]0;owned\x07");
  EXPECT_STREQ(d.messages[0], "name '\\x1b]0;owned\\x07'");
  np_diag_free(&d);
}

TEST(Diag, LongLinesKeepTheirStartAndEnd) {
  // 200 bytes of the start, " ... ", and the last 95: 300 bytes.
  std::string line = "file: error: name '" + std::string(1000, 'x') + "' is unknown";
  std::string cut = tidy(line + "\nshort");
  EXPECT_EQ(cut, line.substr(0, 200) + " ... " + line.substr(line.size() - 95) + "\nshort");
  EXPECT_EQ(cut.find('\n'), 300u);
  EXPECT_EQ(tidy(std::string(300, 'y')), std::string(300, 'y'));  // at the limit: whole
  // Never inside a UTF-8 character: 'é' (2 bytes) from byte 199 on moves the cut back to 199.
  std::string wide = std::string(199, 'a') + std::string(200, 'b');
  for (int i = 0; i < 100; i++) wide.replace(199 + 2 * i, 2, "\xc3\xa9");
  std::string w = tidy(wide);
  EXPECT_EQ(w.substr(0, 204), std::string(199, 'a') + " ... ");
}

TEST(Diag, ALongPlaceBeforeTheErrorKeepsTheWord) {
  // A 1000-byte --set value before "error: ": 80 bytes of the start, " ... ", then from the
  // word on (the fuzzer found a cut line that no longer said 'error: ').
  std::string line = "--set e=" + std::string(1000, 'c') + ": error: unknown key 'e'";
  std::string cut = tidy(line);
  EXPECT_LE(cut.size(), 300u);
  EXPECT_EQ(cut.rfind("--set e=ccc", 0), 0u) << cut;
  EXPECT_NE(cut.find(" ... error: unknown key 'e'"), std::string::npos) << cut;
}

TEST(StrMap, PutGetOverwriteAndGrow) {
  NpStrMap m;
  np_strmap_init(&m);
  for (int i = 0; i < 1000; i++) np_strmap_put(&m, ("t" + std::to_string(i)).c_str(), i);
  np_strmap_put(&m, "t7", 70);
  int v = -1;
  EXPECT_TRUE(np_strmap_get(&m, "t999", &v));
  EXPECT_EQ(v, 999);
  EXPECT_TRUE(np_strmap_get(&m, "t7", &v));
  EXPECT_EQ(v, 70);
  EXPECT_FALSE(np_strmap_get(&m, "t1000", &v));
  EXPECT_EQ(m.count, 1000u);
  np_strmap_free(&m);
}

TEST(Buf, PrintfAppends) {
  NpBuf b = {};
  EXPECT_STREQ(np_buf_str(&b), "");
  np_buf_printf(&b, "%d-%s", 42, "x");
  np_buf_puts(&b, "!");
  EXPECT_STREQ(np_buf_str(&b), "42-x!");
  np_buf_free(&b);
}

TEST(Buf, TakeHandsOverTheTextAndEmptiesTheBuffer) {
  NpBuf b = {};
  char *empty = np_buf_take(&b);  // never appended to: still a string the caller frees
  EXPECT_STREQ(empty, "");
  free(empty);
  np_buf_puts(&b, "abc");
  char *text = np_buf_take(&b);
  EXPECT_STREQ(text, "abc");
  EXPECT_STREQ(np_buf_str(&b), "");
  EXPECT_EQ(b.len, 0u);
  np_buf_puts(&b, "d");  // still usable
  EXPECT_STREQ(np_buf_str(&b), "d");
  np_buf_free(&b);
  free(text);
}

TEST(Mem, CheckedArithmeticCatchesOverflow) {
  int64_t out;
  EXPECT_TRUE(np_mul_i64(INT64_C(1) << 31, INT64_C(1) << 31, &out));
  EXPECT_EQ(out, INT64_C(1) << 62);
  EXPECT_FALSE(np_mul_i64(INT64_C(1) << 32, INT64_C(1) << 32, &out));
  EXPECT_FALSE(np_add_i64(INT64_MAX, 1, &out));
  EXPECT_EQ(np_ceil_div_i64(65, 64), 2);
}

// The shared whole-file reader: its limit, and the files it refuses, each named.
TEST(ReadFile, ReadsUpToTheLimitAndNamesWhatItRefuses) {
  std::string path = write_scratch("five.txt", "12345");
  NpDiag d;
  np_diag_init(&d);
  size_t len = 0;
  char *text = np_read_file(path.c_str(), 5, "model", &len, &d);
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(len, 5u);
  EXPECT_STREQ(text, "12345");
  free(text);
  EXPECT_EQ(np_read_file(path.c_str(), 4, "model", &len, &d), nullptr);
  EXPECT_EQ(std::string(d.messages[0]), path + ": error: the model is larger than 4 bytes; is it the right file?");
  EXPECT_EQ(np_read_file(scratch_dir().c_str(), 100, "model", &len, &d), nullptr);
  EXPECT_EQ(std::string(d.messages[1]), scratch_dir() + ": error: not a regular file (a directory): npusim reads its inputs from files");
  EXPECT_EQ(np_read_file("/dev/zero", 100, "model", &len, &d), nullptr);  // endless: refused, not read
  EXPECT_EQ(std::string(d.messages[2]), "/dev/zero: error: not a regular file (a character device): npusim reads its inputs from files");
  np_diag_free(&d);
}

// Report formatting: binary units for sizes, decimal for counts (values worked by hand).
TEST(Fmt, SizesCountsAndGrouping) {
  char b[NP_FMT_LEN];
  EXPECT_STREQ(np_fmt_bytes(1023, b), "1023 B");
  EXPECT_STREQ(np_fmt_bytes(37120, b), "36.2 KiB");        // 37120 / 1024 = 36.25 (round-half-even in printf)
  EXPECT_STREQ(np_fmt_bytes(4161536, b), "3.97 MiB");      // 4161536 / 2^20 = 3.9687...
  EXPECT_STREQ(np_fmt_bytes(INT64_C(1) << 30, b), "1.00 GiB");
  EXPECT_STREQ(np_fmt_count(999, b), "999");
  EXPECT_STREQ(np_fmt_count(115605504, b), "115.6M");
  EXPECT_STREQ(np_fmt_count(4089184256, b), "4.1G");
  EXPECT_STREQ(np_fmt_count(999960, b), "1.0M");           // 999.96K would print as 1000.0K
  EXPECT_STREQ(np_fmt_grouped(115605504, b), "115,605,504");
  EXPECT_STREQ(np_fmt_grouped(-1234, b), "-1,234");
  EXPECT_STREQ(np_fmt_grouped(12, b), "12");
}

// UTF-8 validation (RFC 3629): offsets of the first malformed byte, worked from the encoding.
TEST(Utf8, FindsTheFirstMalformedByte) {
  auto at = [](const std::string &s) { return np_utf8_invalid_at(s.data(), s.size()); };
  EXPECT_EQ(at("plain ascii"), 11u);
  EXPECT_EQ(at("caf\xc3\xa9"), 5u);             // U+00E9 in two bytes: valid
  EXPECT_EQ(at("%\x94"), 1u);                     // a lone continuation byte (the libfyaml hang)
  EXPECT_EQ(at("ab\xc0\xaf"), 2u);               // overlong '/'
  EXPECT_EQ(at("\xed\xa0\x80"), 0u);             // U+D800, a surrogate
  EXPECT_EQ(at("\xf4\x90\x80\x80"), 0u);         // U+110000, past the last code point
  EXPECT_EQ(at("x\xe2\x82"), 1u);                 // truncated 3-byte sequence
  EXPECT_EQ(at("\xf0\x9f\x98\x80!"), 5u);         // U+1F600 in four bytes: valid
}
