// The fuzz harnesses (tests/fuzz/fuzz_<name>.c) run on every committed seed
// (tests/fuzz/corpus/<name>/) and every input a fuzzing campaign found
// (tests/fuzz/regressions/<name>/): a parser crash, leak or undefined behaviour on any of them
// fails this test in the ASan/UBSan build, and a broken harness check (a result and an error
// together, a message without the source name, ...) fails it in every build. This way a found
// bug stays fixed even where clang and libFuzzer are not installed.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "support/files.h"

extern "C" {
#include "fuzz/fuzz.h"
}

namespace fs = std::filesystem;

#define NP_FUZZ_HARNESS(name) extern "C" int np_fuzz_##name(const uint8_t *data, size_t size);
#include "fuzz_targets.inc"
#undef NP_FUZZ_HARNESS

namespace {

struct Harness {
  std::string name;
  int (*run)(const uint8_t *data, size_t size);
};
void PrintTo(const Harness &h, std::ostream *os) { *os << h.name; }

const std::vector<Harness> &harnesses() {
#define NP_FUZZ_HARNESS(name) {#name, np_fuzz_##name},
  static const std::vector<Harness> all = {
#include "fuzz_targets.inc"
  };
#undef NP_FUZZ_HARNESS
  return all;
}

std::vector<std::string> check_failures;  // filled by np_fuzz_fail() while a harness runs

const std::string fuzz_dir = NPUSIM_FUZZ_DIR;
const uint8_t empty_input = 0;  // libFuzzer never passes a null pointer, even for 0 bytes

// Regular files under dir (recursively), sorted so that runs are repeatable; none if no dir.
std::vector<std::string> files_under(const std::string &dir) {
  std::vector<std::string> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto &entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// A hang is a failure too: like libFuzzer's -timeout=10 (with room for the sanitizer builds),
// an input still running after this many seconds ends the test process, naming the input.
constexpr unsigned kInputSeconds = 30;
char hanging_input[4096];

void on_alarm(int) {
  const char prefix[] = "fuzz_regression_test: input hangs (over 30 s): ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
  ignored = write(STDERR_FILENO, hanging_input, strlen(hanging_input));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  _exit(1);
}

void run_on_files(const Harness &h, const std::vector<std::string> &files) {
  signal(SIGALRM, on_alarm);
  for (const std::string &path : files) {
    SCOPED_TRACE(path);
    snprintf(hanging_input, sizeof hanging_input, "%s", path.c_str());
    std::string bytes = read_file(path);
    check_failures.clear();
    // A copy in a buffer of exactly its size, as libFuzzer passes it, so that ASan sees any
    // read past the end.
    std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    alarm(kInputSeconds);
    h.run(exact.empty() ? &empty_input : exact.data(), exact.size());
    alarm(0);
    for (const std::string &f : check_failures) ADD_FAILURE() << f;
  }
}

class FuzzRegression : public testing::TestWithParam<Harness> {};

TEST_P(FuzzRegression, EverySeedInTheCorpus) {
  std::vector<std::string> seeds = files_under(fuzz_dir + "/corpus/" + GetParam().name);
  EXPECT_FALSE(seeds.empty()) << "no seed corpus in tests/fuzz/corpus/" << GetParam().name;
  run_on_files(GetParam(), seeds);
}

TEST_P(FuzzRegression, EveryInputAFuzzerFound) {
  run_on_files(GetParam(), files_under(fuzz_dir + "/regressions/" + GetParam().name));
}

TEST_P(FuzzRegression, EmptyAndTinyInputs) {
  // libFuzzer starts from the empty input; these are worth checking without it.
  std::vector<std::string> inputs = {"", std::string(1, '\0'), "\n", "\xff", "a", std::string(3, '\0')};
  for (const std::string &input : inputs) {
    check_failures.clear();
    std::vector<uint8_t> exact(input.begin(), input.end());
    GetParam().run(exact.empty() ? &empty_input : exact.data(), exact.size());
    for (const std::string &f : check_failures) ADD_FAILURE() << f << " (input of " << input.size() << " bytes)";
  }
}

INSTANTIATE_TEST_SUITE_P(Harnesses, FuzzRegression, testing::ValuesIn(harnesses()),
                         [](const testing::TestParamInfo<Harness> &info) { return info.param.name; });

TEST(FuzzLayout, EveryHarnessSourceIsListedAndEveryCorpusHasAHarness) {
  // A fuzz_<name>.c missing from tests/fuzz/harnesses.cmake would never be built or run, and
  // a corpus folder without a harness would never be read.
  std::set<std::string> listed;
  for (const Harness &h : harnesses()) listed.insert(h.name);
  for (const auto &entry : fs::directory_iterator(fuzz_dir)) {
    std::string file = entry.path().filename().string();
    if (file.rfind("fuzz_", 0) == 0 && entry.path().extension() == ".c" && file != "fuzz_main.c") {
      EXPECT_EQ(listed.count(file.substr(5, file.size() - 7)), 1u) << file << " is not in tests/fuzz/harnesses.cmake";
    }
  }
  for (const char *kind : {"corpus", "regressions"}) {
    for (const auto &entry : fs::directory_iterator(fuzz_dir + "/" + kind)) {
      if (entry.is_directory()) {
        EXPECT_EQ(listed.count(entry.path().filename().string()), 1u) << entry.path() << " has no harness";
      }
    }
  }
}

}  // namespace

extern "C" void np_fuzz_fail(const char *target, const char *file, int line, const char *what) {
  check_failures.push_back(std::string(file) + ":" + std::to_string(line) + ": fuzz_" + target + ": check failed: " + what);
}
