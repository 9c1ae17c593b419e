// Nothing lost: a report that cannot be written is an error, a sweep that cannot start leaves
// its output alone, two writers of one sweep output are refused, and what the sweep writes
// (quoted line breaks included) it reads back for --resume and merge, with messages that say
// what is wrong with a file and how to recover.
#include <gtest/gtest.h>
#include <jansson.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/cli.h"
#include "support/files.h"
#include "trace_support.h"

namespace {

const char kFull[] = "cannot write standard output: No space left on device";

// Every command whose report goes to stdout: exit 2 and the reason, never exit 0 with a
// cut-off report.
TEST(StdoutFull, EveryReportCommandFailsWithTheReason) {
  std::string trace = scratch_dir() + "/t.npt.zst";
  ASSERT_EQ(run_npusim("run models/micro/chain.npg --trace " + trace + " >/dev/null").exit_code, 0);
  const char *commands[] = {
      "run models/resnet50.onnx --json",
      "run models/micro/chain.npg",
      "graph models/mobilenet_v2.onnx",
      "config show",
      "schedule models/micro/chain.npg",
      "check models/micro/chain.npg --budget latency_ms=1000",
      "check models/micro/chain.npg --devices configs/devices --budget latency_ms=1000 --csv",
      "--help",
      "run --help",
  };
  for (const char *c : commands) {
    CliResult r = run_npusim(std::string(c) + " >/dev/full");
    EXPECT_EQ(r.exit_code, 2) << c;
    EXPECT_NE(r.err.find(kFull), std::string::npos) << c << ": " << r.err;
  }
  for (std::string c : {"trace stats " + trace, "trace dump " + trace}) {
    CliResult r = run_npusim(c + " >/dev/full");
    EXPECT_EQ(r.exit_code, 2) << c;
    EXPECT_NE(r.err.find(kFull), std::string::npos) << c << ": " << r.err;
  }
}

std::string small_spec(const std::string &name, const std::string &model) {
  return write_scratch(name, "models: [" + model + "]\naxes:\n  sram.capacity_bytes: [1MiB, 2MiB]\n");
}

TEST(SweepOutput, ASweepThatCannotStartLeavesTheOutputAlone) {
  std::string dir = scratch_dir(), out = dir + "/k.csv";
  std::string good = small_spec("good.yaml", source_path("models/micro/chain.npg"));
  std::string bad = small_spec("bad.yaml", dir + "/no-such-model.onnx");
  ASSERT_EQ(run_npusim("sweep " + good + " -o " + out).exit_code, 0);
  std::string before = read_file(out);
  ASSERT_FALSE(before.empty());
  for (std::string flags : {"", " --resume"}) {
    CliResult r = run_npusim("sweep " + bad + " -o " + out + flags);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no-such-model.onnx"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(out), before) << "flags:" << flags;
  }
}

TEST(SweepOutput, ASecondWriterIsRefusedWithTheHoldersPid) {
  std::string spec = small_spec("good.yaml", source_path("models/micro/chain.npg"));
  std::string out = write_scratch("held.csv", "held\n");
  int fd = open(out.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  for (std::string flags : {"", " --resume"}) {
    CliResult r = run_npusim("sweep " + spec + " -o " + out + flags);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(out + ": error: another process (pid " + std::to_string(getpid()) + ") is writing it"),
              std::string::npos)
        << r.err;
  }
  close(fd);
  EXPECT_EQ(read_file(out), "held\n");
  // Once the lock is gone the sweep writes (and --resume then finds the file complete).
  CliResult r = run_npusim("sweep " + spec + " -o " + out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(out), "held\n");
}

// A model path with a comma, a quote and a line break is one quoted CSV field spanning two
// lines; --resume and merge must take it as one row.
TEST(SweepOutput, QuotedLineBreaksResumeAndMerge) {
  std::string dir = scratch_dir();
  std::string model = dir + "/odd,na\"me\nx.npg";
  write_scratch("odd,na\"me\nx.npg", read_file(source_path("models/micro/chain.npg")));
  std::string spec = write_scratch("odd.yaml", "models: [\"" + dir + "/odd,na\\\"me\\nx.npg\"]\n"
                                               "axes:\n  sram.capacity_bytes: [1MiB, 2MiB, 4MiB]\n");
  std::string full = dir + "/full.csv";
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + full).exit_code, 0);
  std::string text = read_file(full);
  ASSERT_NE(text.find("0,chain,\"" + dir + "/odd,na\"\"me\nx.npg\",1048576,ok,"), std::string::npos) << text;
  // Complete: resume keeps it as it is.
  CliResult r = run_npusim("sweep " + spec + " -o " + full + " --resume");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(full), text);
  // Torn just after the line break inside the last row's quoted field: resume finishes it.
  size_t last = text.rfind("\n2,");
  ASSERT_NE(last, std::string::npos);
  std::string torn = write_scratch("torn.csv", text.substr(0, last + 1 + 3 + dir.size() + 13));
  r = run_npusim("sweep " + spec + " -o " + torn + " --resume");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(torn), text);
  // Shards merge back.
  for (int k = 0; k < 2; k++)
    ASSERT_EQ(run_npusim("sweep " + spec + " --shard " + std::to_string(k) + "/2 -o " + dir + "/s" +
                         std::to_string(k) + ".csv")
                  .exit_code,
              0);
  r = run_npusim("sweep merge " + dir + "/s0.csv " + dir + "/s1.csv -o " + dir + "/merged.csv");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir + "/merged.csv"), text);
}

TEST(SweepOutput, ResumeMessagesSayWhatIsWrongAndHowToRecover) {
  std::string dir = scratch_dir();
  std::string spec = small_spec("good.yaml", source_path("models/micro/chain.npg"));
  std::string full = dir + "/full.csv";
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + full).exit_code, 0);
  std::string text = read_file(full);  // the header and points 0 and 1
  // One row too many: a third row after the two points.
  std::string extra = write_scratch("extra.csv", text + text.substr(text.rfind("\n1,") + 1));
  CliResult r = run_npusim("sweep " + spec + " -o " + extra + " --resume");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("more rows than the 2 points of this sweep"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("expects point"), std::string::npos) << r.err;
  // NUL bytes after the first row, then a line break: not a row, and how to cut it off.
  size_t first_end = text.find("\n0,");
  first_end = text.find('\n', first_end + 1) + 1;
  std::string nuls = write_scratch("nul.csv", text.substr(0, first_end) + std::string(8, '\0') + "\n");
  r = run_npusim("sweep " + spec + " -o " + nuls + " --resume");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("row 2 (byte " + std::to_string(first_end) + " on) is not a sweep row"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("`truncate -s " + std::to_string(first_end) + " " + nuls + "`"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("point -1"), std::string::npos) << r.err;
}

}  // namespace

// ---- times the DRAM replay cannot hold are refused, never wrapped or capped ----

// The cold cycles of `npusim run MODEL --json ARGS`, or -1 when it exits 2 naming a dram key.
long long cold_cycles(const std::string &model, const std::string &args) {
  CliResult r = run_npusim("run " + model + " --json " + args);
  if (r.exit_code == 2 && r.err.find("dram.") != std::string::npos) return -1;
  EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  size_t cold = r.out.find("\"cold\"");
  size_t at = r.out.find("\"cycles\":", cold);
  if (cold == std::string::npos || at == std::string::npos) return -2;
  return std::stoll(r.out.substr(at + 9));
}

TEST(DramTime, ARunPastTheReplaysSpanIsRefusedNamingTheKeys) {
  // ResNet-50 with 10^9 cycles of latency per burst and one burst in flight: each of its
  // ~880,000 cold bursts waits for the one before (docs/timing.md), so at least 8.8e14
  // cycles, past the replay's 2^45 (3.5e13). It used to wrap to 1.4e14 and exit 0.
  CliResult r = run_npusim("run models/resnet50.onnx --set dram.latency_cycles=1000000000 "
                           "--set dram.max_outstanding_bursts=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dram.latency_cycles 1000000000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2^45 cycles"), std::string::npos) << r.err;
  // models/micro/chain.npg cold reads at least its int8 input, 56 x 56 x 64 = 200,704 B, and
  // writes its 10 logits: at least 200704 / 64 + 1 = 3137 bursts. One at a time, each after
  // 10^9 cycles of latency: at least 3.137e12 cycles, inside the span, so it runs.
  long long c = cold_cycles("models/micro/chain.npg", "--set dram.latency_cycles=1000000000 "
                                                      "--set dram.max_outstanding_bursts=1");
  EXPECT_GE(c, 3137000000000LL);
}

TEST(DramTime, LessBandwidthIsNeverFaster) {
  // phone-npu: 1340 MHz, 4 channels, 64 B bursts. At 1e-3 GB/s a cycle moves
  // 1e6 / 1340e6 = 7.46e-4 B, so a burst holds its channel 64 x 4 / 7.46e-4 = 343,040 cycles,
  // and its at least 3137 bursts (above; at least 785 on some channel) take at least
  // 785 x 343,040 = 2.69e8 cycles.
  EXPECT_GE(cold_cycles("models/micro/chain.npg", "--set dram.bandwidth_gb_per_s=1e-3"), 269286400LL);
  // Down to 1e-9 GB/s each step down in bandwidth is slower or refused (past 2^45 cycles);
  // a cap on the burst time used to make 1e-9 faster than 5e-9.
  long long faster = 0;
  for (const char *bw : {"1e2", "1", "1e-2", "1e-3", "1e-4", "1e-5", "5e-6", "1e-6", "5e-9", "1e-9"}) {
    long long c = cold_cycles("models/micro/chain.npg", std::string("--set dram.bandwidth_gb_per_s=") + bw);
    if (c == -1) {
      faster = -1;  // refused: every lower bandwidth must be refused too
      continue;
    }
    EXPECT_NE(faster, -1) << bw << " GB/s runs although a higher bandwidth was refused";
    EXPECT_GT(c, faster) << bw << " GB/s";
    faster = c;
  }
  EXPECT_EQ(cold_cycles("models/micro/chain.npg", "--set dram.bandwidth_gb_per_s=1e-9"), -1);
  EXPECT_EQ(cold_cycles("models/micro/chain.npg", "--set dram.bandwidth_gb_per_s=5e-9"), -1);
}

TEST(DramTime, EveryCornerOfTheDocumentedRangesRunsOrIsRefused) {
  // docs/config.md, "dram": each key at the ends of its range, alone and with the others at
  // their slowest. Under UBSan an overflow anywhere aborts the run.
  const char *corners[] = {
      "dram.bandwidth_gb_per_s=1e7",
      "dram.bandwidth_gb_per_s=1e-9",
      "dram.burst_bytes=1",
      "dram.burst_bytes=1MiB",
      "dram.latency_cycles=0",
      "dram.latency_cycles=1000000000",
      "dram.channels=1",
      "dram.channels=64",
      "dram.max_outstanding_bursts=1",
      "dram.max_outstanding_bursts=1048576",
      "dram.row_bytes=64 --set dram.row_miss_cycles=1000000",
      "dram.burst_bytes=1MiB --set dram.row_bytes=1GiB --set dram.row_miss_cycles=1000000",
      "dram.latency_cycles=1000000000 --set dram.max_outstanding_bursts=1 --set dram.burst_bytes=1",
      "dram.latency_cycles=1000000000 --set dram.max_outstanding_bursts=1 --set dram.bandwidth_gb_per_s=1e-9 "
      "--set dram.burst_bytes=1 --set dram.channels=1",
  };
  for (const char *corner : corners) {
    long long c = cold_cycles("models/micro/chain.npg", std::string("--set ") + corner);
    EXPECT_TRUE(c == -1 || c > 0) << corner << ": " << c;
  }
  // A whole network at the slowest corners: refused, not wrapped.
  EXPECT_EQ(cold_cycles("models/mobilenet_v2.onnx", std::string("--set ") + corners[13]), -1);
}

// ---- traces: clocks that give no finite time, and traces without records ----

// A trace whose header names `clock` MHz, patched into the bytes (the writer refuses it).
std::string trace_with_clock(const std::string &name, double clock) {
  std::string path = scratch_dir() + "/" + name;
  EXPECT_EQ(write_trace(path, test_header(), {make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 100, 64)}),
            "");
  std::string raw = zstd_decompress(read_file(path));
  std::memcpy(&raw[16], &clock, sizeof clock);  // docs/formats.md: clock_mhz, f64 at byte 16
  return write_scratch(name, zstd_compress(raw));
}

TEST(TraceClock, AClockThatGivesNoFiniteTimeIsRefused) {
  // 5e-324 MHz: cycle 100 is 100 x 1000 / 5e-324 ns, past any double; Perfetto JSON used to
  // get a hole where the event was, and exit 0.
  for (double clock : {5e-324, 1e-300, 1e-7, 2e6}) {
    std::string trace = trace_with_clock("clock.npt.zst", clock);
    for (std::string tool : {"stats", "dump"}) {
      CliResult r = run_npusim("trace " + tool + " " + trace);
      EXPECT_EQ(r.exit_code, 2) << tool << " " << clock;
      EXPECT_NE(r.err.find("clock_mhz must be a number from 1e-06 (1 Hz) to 1e+06 (1 THz)"), std::string::npos)
          << r.err;
    }
    std::string json = scratch_dir() + "/clock.json";
    CliResult r = run_npusim("trace perfetto " + trace + " -o " + json);
    EXPECT_EQ(r.exit_code, 2) << clock;
    EXPECT_TRUE(read_file(json).empty());
  }
  // The ends of the range give finite times that a JSON parser reads back.
  for (double clock : {1e-6, 1e6}) {
    std::string trace = trace_with_clock("edge.npt.zst", clock), json = scratch_dir() + "/edge.json";
    ASSERT_EQ(run_npusim("trace perfetto " + trace + " -o " + json).exit_code, 0) << clock;
    json_error_t error;
    json_t *root = json_load_file(json.c_str(), 0, &error);
    ASSERT_NE(root, nullptr) << error.text;
    json_t *events = json_object_get(root, "traceEvents");
    json_t *slice = json_array_get(events, json_array_size(events) - 1);
    // 100 cycles at 1e-6 MHz (1 Hz) are 100 s = 1e8 us; at 1e6 MHz 0.1 ns, which the
    // whole-ns times of docs/traces.md round to 0.
    EXPECT_DOUBLE_EQ(json_number_value(json_object_get(slice, "dur")), clock < 1 ? 1e8 : 0.0);
    json_decref(root);
  }
}

TEST(TraceEmpty, EveryToolTakesATraceWithoutRecords) {
  // A graph whose only op (a flatten that changes nothing) lowers to no command: its trace has
  // no records, and stats, perfetto and diff used to sort NULL (undefined behaviour, which
  // the UBSan build reports).
  std::string graph = write_scratch("empty.npg", "graph empty\ninput x int8 1x8\nflatten f x -> y\noutput y\n");
  std::string dir = scratch_dir(), trace = dir + "/empty.npt.zst";
  CliResult run = run_npusim("run " + graph + " --trace " + trace);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run_npusim("trace stats " + trace).exit_code, 0);
  EXPECT_EQ(run_npusim("trace dump " + trace).exit_code, 0);
  ASSERT_EQ(run_npusim("trace perfetto " + trace + " -o " + dir + "/empty.json").exit_code, 0);
  json_error_t error;
  json_t *root = json_load_file((dir + "/empty.json").c_str(), 0, &error);
  EXPECT_NE(root, nullptr) << error.text;
  json_decref(root);
  CliResult diff = run_npusim("trace diff " + trace + " " + trace + " --json");
  EXPECT_EQ(diff.exit_code, 0) << diff.err;
  root = json_loads(diff.out.c_str(), 0, &error);
  EXPECT_NE(root, nullptr) << error.text;
  json_decref(root);
  // Merging shards that hold only their header sorts no rows either.
  std::string spec = write_scratch("one.yaml", "models: [" + source_path("models/micro/chain.npg") +
                                                   "]\naxes:\n  sram.capacity_bytes: [1MiB]\n");
  ASSERT_EQ(run_npusim("sweep " + spec + " --shard 1/2 -o " + dir + "/s1.csv").exit_code, 0);
  CliResult merge = run_npusim("sweep merge " + dir + "/s1.csv -o " + dir + "/m.csv");
  EXPECT_EQ(merge.exit_code, 0) << merge.err;
  EXPECT_EQ(read_file(dir + "/m.csv"), read_file(dir + "/s1.csv"));
}

// ---- inputs that are not regular files ----

TEST(NotAFile, AFifoAsAnyInputIsRefusedAtOnce) {
  // Opening a FIFO for reading waits for a writer: it used to hang (`timeout 5` exited 124).
  std::string dir = scratch_dir();
  for (std::string name : {"f.onnx", "f.npg", "f.yaml", "s.yaml", "t.npt.zst", "m.csv"})
    ASSERT_EQ(mkfifo((dir + "/" + name).c_str(), 0600), 0) << name;
  std::string shard = dir + "/shard.csv";
  ASSERT_EQ(run_npusim("sweep " + small_spec("good.yaml", source_path("models/micro/chain.npg")) + " -o " + shard)
                .exit_code,
            0);
  const std::string commands[] = {
      "graph " + dir + "/f.onnx",
      "graph " + dir + "/f.npg",
      "run " + source_path("models/micro/chain.npg") + " --config " + dir + "/f.yaml",
      "config check " + dir + "/f.yaml",
      "sweep " + dir + "/s.yaml",
      "trace stats " + dir + "/t.npt.zst",
      "trace dump " + dir + "/t.npt.zst",
      "sweep merge " + shard + " " + dir + "/m.csv -o " + dir + "/out.csv",
      "pareto " + dir + "/m.csv --x warm_ms --y energy_mj",
  };
  for (const std::string &c : commands) {
    // `timeout` ends a hang with 124 instead of blocking the test.
    std::string err = dir + "/err.txt";
    int status = std::system(("timeout 10 '" + std::string(NPUSIM_CLI) + "' " + c + " >/dev/null 2>" + err).c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << c << ": status " << status;
    EXPECT_NE(read_file(err).find("not a regular file (a FIFO)"), std::string::npos) << c << ": " << read_file(err);
  }
}

// ---- messages ----

TEST(Messages, ATinyBatteryIsANumberAboveZeroButOutOfRange) {
  // 1e-308 is a (subnormal) number > 0: the message used to deny it. A share of a battery
  // that small would be no finite number in JSON.
  CliResult r = run_npusim("run models/micro/chain.npg --per-day 10 --battery-wh 1e-308");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--battery-wh: '1e-308' is not a number from 1e-09 to 1e+12"), std::string::npos) << r.err;
  r = run_npusim("run models/micro/chain.npg --json --per-day 1e12 --battery-wh 1e-9");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json_error_t error;
  json_t *root = json_loads(r.out.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text;
  EXPECT_TRUE(json_is_number(json_object_get(json_object_get(root, "battery"), "share_per_day"))) << r.out;
  json_decref(root);
}

// Every line of stderr is at most NP_DIAG_LINE_MAX (300) bytes.
void expect_short_lines(const std::string &err) {
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    EXPECT_LE(end - start, 300u) << err.substr(start, 400);
    start = end + 1;
  }
}

TEST(Messages, NoLineIsLongerThan300BytesAndTheCaretStillPoints) {
  // A config whose unknown key is 5,000 bytes long, at column 3 of a 5,002-byte line: the
  // message names the key cut, the echoed line is a window (with "...") and the caret sits
  // under its first character.
  std::string key(5000, 'k');
  std::string config = write_scratch("long.yaml", "name: x\nsram:\n  " + key + ": 1\n");
  CliResult r = run_npusim("config check " + config);
  EXPECT_EQ(r.exit_code, 2);
  expect_short_lines(r.err);
  EXPECT_NE(r.err.find(config + ":3:3: error: sram: unknown key 'kkkk"), std::string::npos) << r.err.substr(0, 400);
  EXPECT_NE(r.err.find(" ... "), std::string::npos) << r.err.substr(0, 400);
  EXPECT_NE(r.err.find("\n  kkkk"), std::string::npos) << r.err.substr(0, 400);
  EXPECT_NE(r.err.find("...\n  ^"), std::string::npos) << r.err.substr(0, 400);
  // An unknown key at column 278 of one line (after a 250-byte description): the echo is a
  // window that opens with "..." and the caret is under the key's first byte.
  config = write_scratch("late.yaml", "{name: x, description: \"" + std::string(250, 'd') + "\", bogus_key: 1}\n");
  r = run_npusim("config check " + config);
  EXPECT_EQ(r.exit_code, 2);
  expect_short_lines(r.err);
  size_t message = r.err.find(":1:278: error: unknown key 'bogus_key'");
  ASSERT_NE(message, std::string::npos) << r.err;
  size_t echo = r.err.find('\n', message) + 1, caret_line = r.err.find('\n', echo) + 1;
  size_t caret = r.err.find('^', caret_line);
  ASSERT_NE(caret, std::string::npos);
  EXPECT_EQ(r.err.substr(echo, 3), "...");
  EXPECT_EQ(r.err.substr(echo + (caret - caret_line), 9), "bogus_key") << r.err.substr(echo, 400);
}

TEST(Messages, ControlCharactersNeverReachTheTerminal) {
  // ESC [ 2 J clears a terminal. In a config's name it is refused, with the key.
  std::string config = write_scratch("esc.yaml", "name: \"a\\e[2Jb\"\n");
  CliResult r = run_npusim("config check " + config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  EXPECT_NE(r.err.find("name: the value contains a control character (byte 0x1b at offset 1)"), std::string::npos)
      << r.err;
  r = run_npusim("config check " + write_scratch("tab.yaml", "name: \"a\\tb\"\n"));  // a YAML tab escape
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("name: must be one line without tabs"), std::string::npos) << r.err;
  // A trace from elsewhere whose config name holds ESC: every trace tool refuses it.
  std::string path = scratch_dir() + "/esc.npt.zst";
  ASSERT_EQ(write_trace(path, test_header(), {make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 100, 64)}),
            "");
  std::string raw = zstd_decompress(read_file(path));
  raw[40] = '\x1b';  // docs/formats.md: the config name starts at byte 40
  std::string trace = write_scratch("esc.npt.zst", zstd_compress(raw));
  for (const char *tool : {"stats", "dump"}) {
    r = run_npusim(std::string("trace ") + tool + " " + trace);
    EXPECT_EQ(r.exit_code, 2) << tool;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << tool;
    EXPECT_NE(r.err.find("config name holds a control character"), std::string::npos) << tool << ": " << r.err;
  }
}

TEST(Messages, AMisspeltCliffOrFitAxisSaysWhatItMeant) {
  for (const char *command : {"cliff", "fit --budget warm_ms=5"}) {
    CliResult r = run_npusim(std::string(command) + " models/micro/chain.npg --axis sram.bnks=1..16");
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("--set sram.bnks=1: error: sram: unknown key 'bnks'; did you mean 'banks'?"),
              std::string::npos)
        << command << ": " << r.err;
  }
}

// ---- writes that fail say why and name the file ----

// A file that cannot grow past `bytes` stands in for a full disk: RLIMIT_FSIZE, with SIGXFSZ
// ignored so that the write fails with EFBIG ("File too large") instead of killing npusim.
struct FileSizeLimit {
  rlimit old{};
  void (*old_handler)(int);
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old);
    old_handler = signal(SIGXFSZ, SIG_IGN);
    rlimit small = {bytes, old.rlim_max};
    setrlimit(RLIMIT_FSIZE, &small);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
  }
};

TEST(WriteErrors, ATraceOrSweepThatCannotBeWrittenSaysWhyAndNamesTheFile) {
  std::string dir = scratch_dir();
  // 24 rows of about 240 bytes: past the limit before the last.
  std::string spec = write_scratch("many.yaml", "models: [" + source_path("models/micro/chain.npg") +
                                                    "]\naxes:\n  sram.capacity_bytes: {range: [1MiB, 24MiB], "
                                                    "steps: 24}\n");
  CliResult trace, sweep;
  {
    FileSizeLimit limit(2048);  // the messages (stderr goes to a file) are shorter
    trace = run_npusim("run models/lraspp_mobilenet_v3_large.onnx --trace " + dir + "/t.npt.zst");
    sweep = run_npusim("sweep " + spec + " --jobs 1 -o " + dir + "/rows.csv");
  }
  EXPECT_EQ(trace.exit_code, 2);
  EXPECT_NE(trace.err.find(dir + "/t.npt.zst: error: write failed: File too large"), std::string::npos) << trace.err;
  EXPECT_NE(access((dir + "/t.npt.zst").c_str(), F_OK), 0);  // no cut-off trace left behind
  EXPECT_EQ(sweep.exit_code, 2);
  EXPECT_NE(sweep.err.find(dir + "/rows.csv: error: cannot write the sweep results: File too large"),
            std::string::npos)
      << sweep.err;
}

// ---- work that would take hours: refused before it starts, with the estimate ----

// docs/timing.md, "Replay cost": bursts = the sum over every LOAD and STORE of ceil(run bytes /
// burst_bytes), for the cold and warm schedules together. A 2^35-element fp32 tensor through
// one relu on the built-in config (fp16 compute, 64-byte bursts) reads 2^36 bytes and writes
// 2^36: each run is whole pixels of 1024 fp16 channels (2 KiB, a multiple of 64 B), so
// 2 x 2^36 / 64 = 2^31 bursts an inference, 2^32 = 4294967296 for the two, about 2 minutes
// at 3e7 bursts a second (it lowers in about a second).
const char kHugeRelu[] = "graph huge\ninput x fp32 1x32768x1024x1024\nrelu r x -> y\noutput y\n";
const char kHugeBursts[] = "replaying would issue 4294967296 DRAM bursts";
const char kHugeAllow[] = "--max-bursts 4294967296 allows it";

TEST(ReplayCost, HoursOfReplayAreRefusedWithTheEstimateByEveryCommand) {
  std::string g = write_scratch("huge.npg", kHugeRelu), dir = scratch_dir();
  const std::string commands[] = {
      "run " + g,
      "run " + g + " --json",
      "check " + g + " --budget latency_ms=1",
      "report " + g + " -o " + dir + "/huge.html",
      "sustain " + g + " --seconds 1",
  };
  for (const std::string &c : commands) {
    CliResult r = run_npusim(c);
    EXPECT_EQ(r.exit_code, 2) << c;
    EXPECT_NE(r.err.find(kHugeBursts), std::string::npos) << c << ": " << r.err;
    EXPECT_NE(r.err.find(kHugeAllow), std::string::npos) << c << ": " << r.err;
    EXPECT_NE(r.err.find("more than the bound of 1000000000 bursts"), std::string::npos) << c << ": " << r.err;
    EXPECT_EQ(r.out, "") << c;
  }
  EXPECT_NE(access((dir + "/huge.html").c_str(), F_OK), 0);
  // schedule's text form replays the one inference it shows: 2^31 bursts.
  CliResult shown = run_npusim("schedule " + g);
  EXPECT_EQ(shown.exit_code, 2);
  EXPECT_NE(shown.err.find("replaying would issue 2147483648 DRAM bursts"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("--max-bursts 2147483648 allows it"), std::string::npos) << shown.err;
  // 2^40 elements, 32 times more, do not even lower: 6 million tiles pass the schedule's
  // 2^20 commands, refused at once.
  std::string whole = write_scratch("whole.npg", "graph whole\ninput x fp32 1x1048576x1024x1024\nrelu r x -> y\n"
                                                 "output y\n");
  CliResult lowered = run_npusim("run " + whole);
  EXPECT_EQ(lowered.exit_code, 2);
  EXPECT_NE(lowered.err.find("past 1048576 commands"), std::string::npos) << lowered.err;
  // The schedule's JSON does not replay: it is written as before.
  EXPECT_EQ(run_npusim("schedule " + g + " --json >/dev/null").exit_code, 0);
  // A search refuses with the first point's reason; a sweep point past the bound is a failed row.
  CliResult cliff = run_npusim("cliff " + g + " --axis sram.capacity_bytes=16MiB..32MiB");
  EXPECT_EQ(cliff.exit_code, 2);
  EXPECT_NE(cliff.err.find(kHugeBursts), std::string::npos) << cliff.err;
  std::string spec = write_scratch("huge.yaml", "models: [" + g + "]\naxes:\n  sram.banks: [16]\n");
  CliResult sweep = run_npusim("sweep " + spec + " -o " + dir + "/huge.csv");
  EXPECT_EQ(sweep.exit_code, 0) << sweep.err;
  std::string rows = read_file(dir + "/huge.csv");
  EXPECT_NE(rows.find(",error,"), std::string::npos) << rows;
  EXPECT_NE(rows.find(kHugeAllow), std::string::npos) << rows;
}

// A relu of 1000 fp16 elements on the built-in config: one LOAD of 2000 B and one STORE of
// 2000 B (the tensor fits one tile), ceil(2000 / 64) = 32 bursts each, 64 an inference, 128
// for cold and warm. --max-bursts 127 refuses with that count, 128 runs.
TEST(ReplayCost, TheBoundIsTheCountWorkedOutFromTheBurstFormula) {
  std::string g = write_scratch("small.npg", "graph small\ninput x fp16 1x1x1x1000\nrelu r x -> y\noutput y\n");
  CliResult refused = run_npusim("run " + g + " --max-bursts 127");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("replaying would issue 128 DRAM bursts over 6 commands"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("more than the bound of 127 bursts; --max-bursts 128 allows it"), std::string::npos)
      << refused.err;
  CliResult ran = run_npusim("run " + g + " --max-bursts=128");
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.err, "");
  // Each command that replays takes the option; schedule replays one inference (the cold
  // one's 64 bursts), the others both.
  for (std::string c : {"check " + g + " --budget latency_ms=1", "schedule " + g, "sustain " + g + " --seconds 1",
                        "cliff " + g + " --axis sram.capacity_bytes=1MiB..2MiB", "report " + g + " -o /dev/null",
                        "fit " + g + " --budget warm_ms=1 --axis sram.capacity_bytes=1MiB..2MiB"}) {
    CliResult r = run_npusim(c + " --max-bursts 63");
    EXPECT_EQ(r.exit_code, 2) << c;
    std::string count = c.rfind("schedule", 0) == 0 ? "issue 64 DRAM bursts" : "issue 128 DRAM bursts";
    EXPECT_NE(r.err.find(count), std::string::npos) << c << ": " << r.err;
  }
  for (const char *bad : {"0", "-5", "1.5", "abc", ""}) {
    CliResult r = run_npusim("run " + g + " --max-bursts '" + bad + "'");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--max-bursts: '" + std::string(bad) + "' is not a whole number"), std::string::npos)
        << r.err;
  }
}

// A replay expected to take more than 2 s (docs/timing.md: bursts / 3e7 a second) shows its
// progress on stderr when asked (a test's stderr is no terminal); stdout is unchanged, and a
// short one shows nothing. 1x16000x1000x32 fp16 = 1.024e9 B in and out: 1.6e7 bursts each,
// 6.4e7 for cold and warm, 2.13 s expected.
TEST(ReplayCost, ALongReplayShowsProgressWhenAsked) {
  std::string big = write_scratch("big.npg", "graph big\ninput x fp16 1x16000x1000x32\nrelu r x -> y\noutput y\n");
  CliResult plain = run_npusim("run " + big + " --json");
  CliResult shown = run_npusim("run " + big + " --json --progress");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(plain.err, "");
  EXPECT_EQ(shown.out, plain.out);
  EXPECT_NE(shown.err.find("64000000/64000000 bursts"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("[##############################]"), std::string::npos) << shown.err;
  std::string g = write_scratch("small.npg", "graph small\ninput x fp16 1x1x1x1000\nrelu r x -> y\noutput y\n");
  EXPECT_EQ(run_npusim("run " + g + " --progress").err, "");
}

// ---- trace tools in bounded memory ----

TEST(TraceMemory, StatsKeepsBusyRunsNotRecords) {
  // 4,000,000 records on 4 DMA channels: record i on channel i % 4, cycles [i, i + 5). A
  // channel's records step by 4 and last 5, so they overlap into one busy run: channel u is
  // busy from u to (N - 4 + u) + 5, N + 1 = 4,000,001 cycles. Holding every record took
  // about 100 MB for these; the busy runs take a few.
  const uint64_t n = 4000000;
  std::string path = scratch_dir() + "/dense.npt.zst";
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceHeader header = test_header();
  NpTraceWriter *w = np_trace_writer_open(path.c_str(), &header, &diag);
  ASSERT_NE(w, nullptr) << diag_text(diag);
  for (uint64_t i = 0; i < n; i++) {
    NpTraceRecord r = make_record(static_cast<uint32_t>(i / 1000), 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA,
                                  static_cast<uint16_t>(i % 4), i, i + 5, 64);
    np_trace_write(w, &r);
  }
  ASSERT_TRUE(np_trace_writer_close(w, &diag)) << diag_text(diag);
  np_diag_free(&diag);
  std::string err = scratch_dir() + "/err.txt", out = scratch_dir() + "/out.txt";
  std::string limit = "";
#if !defined(__SANITIZE_ADDRESS__)
  limit = "ulimit -v 70000; ";  // 70 MB of address space: the records alone would need more
#endif
  int status = std::system(("/bin/sh -c '" + limit + "\"" + NPUSIM_CLI + "\" trace stats " + path + " > " + out +
                            " 2> " + err + "'")
                               .c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(err);
  std::string text = read_file(out);
  for (int u = 0; u < 4; u++) {  // 1,000,000 records each, busy 4,000,001 cycles
    char row[96];
    std::snprintf(row, sizeof row, "dma ch%-6d %9d %14d ", u, 1000000, 4000001);
    EXPECT_NE(text.find(row), std::string::npos) << row << "\n" << text;
  }
}

namespace {

TEST(TraceMemory, DiffHoldsCommandsNotRecords) {
  // 4,000,000 primary records of command 0 (the shape of an 808 KB file of 10^8 records that
  // took 7.8 GB): every record was kept and sorted before the second record of command 0 was
  // found. The table by command id refuses it at that second record, in a few MB.
  const uint64_t n = 4000000;
  std::string path = scratch_dir() + "/same.npt.zst";
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceHeader header = test_header();
  NpTraceWriter *w = np_trace_writer_open(path.c_str(), &header, &diag);
  ASSERT_NE(w, nullptr) << diag_text(diag);
  NpTraceRecord r = make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 5, 64);
  for (uint64_t i = 0; i < n; i++) np_trace_write(w, &r);
  ASSERT_TRUE(np_trace_writer_close(w, &diag)) << diag_text(diag);
  np_diag_free(&diag);
  std::string err = scratch_dir() + "/err.txt";
  std::string limit = "";
#if !defined(__SANITIZE_ADDRESS__)
  limit = "ulimit -v 70000; ";  // 70 MB of address space: the records alone would need 128 MB
#endif
  int status = std::system(("/bin/sh -c '" + limit + "\"" + NPUSIM_CLI + "\" trace diff " + path + " " + path +
                            " > /dev/null 2> " + err + "'")
                               .c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  EXPECT_NE(read_file(err).find("same.npt.zst: error: command 0 has two records on engines or DMA channels"),
            std::string::npos)
      << read_file(err);
  // A command id no schedule has (2^20 and above) is refused rather than given a table entry.
  std::string big = scratch_dir() + "/big.npt.zst";
  ASSERT_EQ(write_trace(big, test_header(), {make_record(1u << 20, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 5)}), "");
  CliResult c = run_npusim("trace diff " + big + " " + big);
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.err.find("command 1048576: ids stop below 1048576, the most commands a schedule has"), std::string::npos)
      << c.err;
}

TEST(JsonWriters, ATraceDiffOfPathsThatAreNotUtf8IsStillJson) {
  // jansson refuses a string that is not UTF-8, and json_pack then gave NULL: `--json` printed
  // nothing at all, with exit 0.
  std::string path = scratch_dir() + "/t\xff.npt.zst";
  ASSERT_EQ(write_trace(path, test_header(), {make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 5)}), "");
  CliResult r = run_npusim("trace diff '" + path + "' '" + path + "' --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json_error_t error;
  json_t *root = json_loads(r.out.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text << ": " << r.out;
  EXPECT_NE(json_string_value(json_object_get(json_object_get(root, "a"), "file")), nullptr) << r.out;
  json_decref(root);
}

}  // namespace

namespace {

// ---- long chains lower in memory that follows the layers ----

TEST(LongChain, TwentyThousandLayersLowerInBoundedMemory) {
  // Every layer keeps its tile candidates until lowering ends; kept at the largest lengths
  // (20 of each, 400 compute slots) they took 5 KB a layer, and a 200,000-op chain needed
  // 2 GB for `npusim run`. At their own lengths 20,000 relu layers lower in about 130 MB of
  // address space; they needed over 200 MB.
  std::string text = "graph chain\ninput x int8 1x8x8x16\n";
  std::string prev = "x";
  for (int i = 0; i < 20000; i++) {
    std::string next = "t" + std::to_string(i);
    text += "relu r" + std::to_string(i) + " " + prev + " -> " + next + "\n";
    prev = next;
  }
  text += "output " + prev + "\n";
  std::string graph = write_scratch("chain20k.npg", text), err = scratch_dir() + "/err.txt";
  std::string limit = "";
#if !defined(__SANITIZE_ADDRESS__)
  limit = "ulimit -v 180000; ";  // 180 MB of address space
#endif
  int status = std::system(
      ("/bin/sh -c '" + limit + "\"" + NPUSIM_CLI + "\" schedule " + graph + " > /dev/null 2> " + err + "'").c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << ": " << read_file(err);
}

}  // namespace
