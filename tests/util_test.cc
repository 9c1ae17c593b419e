// Unit tests of sim/util: diagnostics, the string map, the text buffer, checked arithmetic.
#include <gtest/gtest.h>

#include <string>

#include "support/files.h"

extern "C" {
#include "util/buf.h"
#include "util/diag.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/strmap.h"
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
  EXPECT_EQ(std::string(d.messages[1]), scratch_dir() + ": error: not a regular file");
  EXPECT_EQ(np_read_file("/dev/zero", 100, "model", &len, &d), nullptr);  // endless: refused, not read
  EXPECT_EQ(std::string(d.messages[2]), "/dev/zero: error: not a regular file");
  np_diag_free(&d);
}
