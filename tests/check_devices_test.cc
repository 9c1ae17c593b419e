// npusim check --devices DIR: a row per config of a folder, exit 1 when any device breaks a budget,
// 2 for a folder without configs or a config that does not load.
//
// The devices are the tiny config of run_support.h, on which the GEMM of kGemmGraph takes 500
// cycles warm and 542 cold (run_latency_test.cc works them out), and a copy at half the clock with
// half the DRAM bandwidth: the same 8 bytes a cycle, no fixed cost in microseconds, so the same
// cycles at 500 MHz: warm 500 / 500e3 = 0.001 ms, cold 542 / 500e3 = 0.001084 ms (fast: 0.0005 and
// 0.000542 ms).
#include <filesystem>
#include <set>
#include <vector>

#include "run_support.h"

namespace {

std::string tiny_at(const std::string &clock_mhz, const std::string &bandwidth) {
  std::string arch = kTinyArch;
  auto swap = [&arch](const std::string &from, const std::string &to) {
    size_t at = arch.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) arch.replace(at, from.size(), to);
  };
  swap("clock_mhz: 1000", "clock_mhz: " + clock_mhz);
  swap("bandwidth_gb_per_s: 8", "bandwidth_gb_per_s: " + bandwidth);
  return arch;
}

// A folder of device configs, name -> YAML text, and the model; returns the folder.
std::string devices(const std::vector<std::pair<std::string, std::string>> &files) {
  std::string dir = scratch_dir() + "/devices";
  std::filesystem::create_directories(dir);
  for (const auto &[name, text] : files) write_scratch("devices/" + name, text);
  return dir;
}

CliResult check(const std::string &dir, const std::string &budget, const std::string &extra = "") {
  std::string g = write_scratch("model.npg", kGemmGraph);
  return run_npusim("check '" + g + "' --devices '" + dir + "' --budget " + budget + " " + extra);
}

// "b-fast" sorts after "a-slow": rows come in file-name order, not in the order written.
std::string two_devices() {
  return devices({{"b-fast.yaml", tiny_at("1000", "8")}, {"a-slow.yaml", tiny_at("500", "4")}, {"notes.txt", "x"}});
}

TEST(CheckDevices, OneDeviceBreaksTheBudgetExitsOne) {
  // 0.0008 ms: the fast device's 0.0005 holds, the slow one's 0.001 is over by 0.0002 ms, 25%.
  CliResult r = check(two_devices(), "latency_ms=0.0008");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("on 2 devices in"), std::string::npos) << r.out;
  size_t slow = r.out.find("\na-slow "), fast = r.out.find("\nb-fast ");
  ASSERT_NE(slow, std::string::npos) << r.out;
  ASSERT_NE(fast, std::string::npos) << r.out;
  EXPECT_LT(slow, fast);
  std::string slow_row = r.out.substr(slow + 1, r.out.find('\n', slow + 1) - slow - 1);
  std::string fast_row = r.out.substr(fast + 1, r.out.find('\n', fast + 1) - fast - 1);
  EXPECT_NE(slow_row.find("0.0011"), std::string::npos) << slow_row;  // cold 0.001084 ms at 4 places
  EXPECT_NE(slow_row.find("0.0010"), std::string::npos) << slow_row;  // warm 0.001 ms
  EXPECT_NE(slow_row.find(" all "), std::string::npos) << slow_row;   // the GEMM stays on the npu
  EXPECT_EQ(slow_row.substr(slow_row.size() - 4), "FAIL") << slow_row;
  EXPECT_NE(fast_row.find("0.0005"), std::string::npos) << fast_row;
  EXPECT_EQ(fast_row.substr(fast_row.size() - 2), "ok") << fast_row;
  EXPECT_NE(r.out.find("a-slow: latency_ms: 0.001 ms > budget 0.0008 ms (over by 0.0002 ms, 25%)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL: 1 of 2 devices breaks a budget"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("notes"), std::string::npos) << r.out;  // not a config
}

TEST(CheckDevices, EveryDeviceHoldsExitsZero) {
  // 0.001 ms meets the slow device's 0.001 exactly; cold 0.001084 is within 0.0011.
  CliResult r = check(two_devices(), "latency_ms=0.001,latency_cold_ms=0.0011");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ok: every budget holds on all 2 devices (2 budgets each)"), std::string::npos) << r.out;
}

TEST(CheckDevices, JsonRows) {
  CliResult r = check(two_devices(), "latency_ms=0.0008", "--json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"schema"}), "npusim.check.devices/1");
  EXPECT_TRUE(json_is_false(at(j.get(), {"pass"})));
  EXPECT_EQ(jstr(j.get(), {"devices", "0", "device"}), "a-slow");
  EXPECT_EQ(jstr(j.get(), {"devices", "0", "config"}), "tiny");
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"devices", "0", "warm_ms"}), 500 / 500e3);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"devices", "0", "cold_ms"}), 542 / 500e3);
  EXPECT_TRUE(json_is_false(at(j.get(), {"devices", "0", "pass"})));
  EXPECT_TRUE(json_is_false(at(j.get(), {"devices", "0", "budgets", "0", "holds"})));
  EXPECT_EQ(jstr(j.get(), {"devices", "1", "device"}), "b-fast");
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"devices", "1", "warm_ms"}), 500 / 1e6);
  EXPECT_TRUE(json_is_true(at(j.get(), {"devices", "1", "pass"})));
  EXPECT_EQ(jstr(j.get(), {"devices", "1", "on_accelerator"}), "all");
  // SRAM peak as a single check reports it: input, weights and output, 256 B each (768 B).
  EXPECT_EQ(jint(j.get(), {"devices", "1", "sram_peak_bytes"}), 768);
  EXPECT_TRUE(json_is_null(at(j.get(), {"devices", "1", "energy_uj"})));  // the tiny config has no energy table
}

TEST(CheckDevices, CsvRows) {
  CliResult r = check(two_devices(), "latency_ms=0.0008,fallback_ops=0", "--csv");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::vector<std::string> lines = split_text(r.out, '\n');
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::vector<std::string> header = split_text(lines[0], ','), slow = split_text(lines[1], ','), fast = split_text(lines[2], ',');
  EXPECT_EQ(std::set<std::string>(header.begin(), header.end()).size(), header.size()) << lines[0];
  ASSERT_EQ(slow.size(), header.size()) << lines[1];
  ASSERT_EQ(fast.size(), header.size()) << lines[2];
  auto col = [&header](const std::string &name) {
    for (size_t i = 0; i < header.size(); i++)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  EXPECT_EQ(slow[col("device")], "a-slow");
  EXPECT_DOUBLE_EQ(std::stod(slow[col("warm_ms")]), 500 / 500e3);
  EXPECT_DOUBLE_EQ(std::stod(slow[col("cold_ms")]), 542 / 500e3);
  EXPECT_DOUBLE_EQ(std::stod(slow[col("latency_ms_value")]), 500 / 500e3);
  EXPECT_DOUBLE_EQ(std::stod(slow[col("latency_ms_budget")]), 0.0008);
  EXPECT_EQ(slow[col("latency_ms_holds")], "false");
  EXPECT_EQ(slow[col("pass")], "false");
  EXPECT_EQ(slow[col("sram_peak_bytes")], "768");
  EXPECT_EQ(slow[col("energy_uj")], "");
  EXPECT_EQ(fast[col("device")], "b-fast");
  EXPECT_EQ(fast[col("pass")], "true");
  EXPECT_EQ(fast[col("fallback_ops")], "0");
  EXPECT_EQ(fast[col("fallback_ops_holds")], "true");
}

TEST(CheckDevices, ADeviceOffTheAcceleratorSaysWhyAsRunDoes) {
  // Without Gemm in the npu's rules the GEMM runs on the CPU: one op off, none on the accelerator.
  std::string cpu = kTinyArch;
  cpu.replace(cpu.find("ops: [Conv, Gemm, MatMul, MaxPool]"), 34, "ops: [Conv, MatMul, MaxPool]");
  std::string dir = devices({{"cpu.yaml", cpu}, {"npu.yaml", kTinyArch}});
  CliResult r = check(dir, "fallback_ops=0", "--json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"devices", "0", "on_accelerator"}), "none");
  EXPECT_EQ(jint(j.get(), {"devices", "0", "fallback_ops"}), 1);
  std::string reason = jstr(j.get(), {"devices", "0", "fallback_summary", "by_reason", "0", "reason"});
  JsonPtr run = run_json(kGemmGraph, cpu);
  ASSERT_TRUE(run.get());
  EXPECT_EQ(reason, jstr(run.get(), {"fallback_summary", "by_reason", "0", "reason"}));
  EXPECT_EQ(jstr(j.get(), {"devices", "1", "on_accelerator"}), "all");
  // The table lists the reason under the device's name.
  CliResult text = check(dir, "fallback_ops=0");
  EXPECT_NE(text.out.find("  cpu: 1 op on cpu: " + reason + " (first: layer 0 'fc')"), std::string::npos) << text.out;
}

TEST(CheckDevices, AFolderWithoutConfigsExitsTwo) {
  std::string empty = devices({{"README.md", "no configs here"}});
  CliResult r = check(empty, "latency_ms=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(empty + ": error: no device configs (*.yaml, *.yml) in this folder"), std::string::npos) << r.err;
  r = check(empty + "/missing", "latency_ms=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing: error: cannot read the folder"), std::string::npos) << r.err;
}

TEST(CheckDevices, ABrokenConfigExitsTwoNamingFileLineColumn) {
  // Line 2 of the broken copy is "clock_mhz: fast"; the value starts at column 12.
  std::string broken = kTinyArch;
  broken.replace(broken.find("clock_mhz: 1000"), 15, "clock_mhz: fast");
  std::string dir = devices({{"good.yaml", kTinyArch}, {"bad.yaml", broken}});
  CliResult r = check(dir, "latency_ms=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");  // nothing runs before every config loads
  EXPECT_NE(r.err.find("bad.yaml:2:12: error: clock_mhz"), std::string::npos) << r.err;
}

TEST(CheckDevices, UsageErrors) {
  std::string dir = two_devices();
  CliResult r = check(dir, "latency_ms=1", "--config configs/phone-npu.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--devices DIR and --config FILE: give one"), std::string::npos) << r.err;
  std::string g = write_scratch("model.npg", kGemmGraph);
  r = run_npusim("check '" + g + "' --config configs/phone-npu.yaml --budget latency_ms=1 --csv");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--csv goes with --devices DIR"), std::string::npos) << r.err;
  r = check(dir, "latency_ms=1", "--csv --json");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
