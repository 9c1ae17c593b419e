// Tests of sim/arch (accelerator configs) and `npusim config`. Positions in expected messages
// are counted by hand from the text under test: line numbers from 1, columns from 1 at the
// first character of the offending token (each test says which line and how many characters
// precede the token).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"

extern "C" {
#include "arch/arch.h"
#include "util/diag.h"
}

namespace {

struct Loaded {
  bool ok = false;
  std::unique_ptr<NpArch> arch{new NpArch()};
  std::vector<std::string> errors;
};

Loaded load_text(const std::string &text, std::vector<std::string> sets = {}) {
  Loaded r;
  std::vector<const char *> set_ptrs;
  for (const auto &s : sets) set_ptrs.push_back(s.c_str());
  NpDiag diag;
  np_diag_init(&diag);
  r.ok = np_arch_load_text(text.data(), text.size(), "t.yaml", set_ptrs.data(), set_ptrs.size(), r.arch.get(), &diag);
  for (size_t i = 0; i < diag.count; i++) r.errors.push_back(diag.messages[i]);
  np_diag_free(&diag);
  return r;
}

Loaded load_file(const std::string &path, std::vector<std::string> sets = {}) {
  Loaded r;
  std::vector<const char *> set_ptrs;
  for (const auto &s : sets) set_ptrs.push_back(s.c_str());
  NpDiag diag;
  np_diag_init(&diag);
  r.ok = np_arch_load_file(path.c_str(), set_ptrs.data(), set_ptrs.size(), r.arch.get(), &diag);
  for (size_t i = 0; i < diag.count; i++) r.errors.push_back(diag.messages[i]);
  np_diag_free(&diag);
  return r;
}

std::string minimal() { return read_file(source_path("tests/fixtures/config/minimal.yaml")); }

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join(const std::vector<std::string> &lines) {
  std::string out;
  for (const auto &l : lines) out += l + "\n";
  return out;
}

// The minimal config with line n (1-based) replaced by `text` (several lines allowed, or ""
// with erase=true to drop it).
std::string replace_line(int n, const std::string &text) {
  auto lines = lines_of(minimal());
  lines[n - 1] = text;
  return join(lines);
}

std::string insert_after(int n, const std::string &text) {
  auto lines = lines_of(minimal());
  lines.insert(lines.begin() + n, text);
  return join(lines);
}

// One expected error: "t.yaml:L:C: error: MSG" + source line + caret under column C.
std::string at(int line, int col, const std::string &msg, const std::string &source_line) {
  return "t.yaml:" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + msg + "\n" + source_line +
         "\n" + std::string(col - 1, ' ') + "^";
}

// minimal() with one line added to each engine: `on_npu` as line 9 (the mac_array's last key
// before dtypes), `on_cpu` as line 13 (in the cpu engine).
std::string minimal_with_engine_lines(const std::string &on_npu, const std::string &on_cpu) {
  auto lines = lines_of(minimal());
  lines.insert(lines.begin() + 11, on_cpu);
  lines.insert(lines.begin() + 8, on_npu);
  return join(lines);
}

// The config as np_arch_to_yaml writes it, checked to load back to the same arch.
std::string written_back(const NpArch *arch) {
  char *yaml = np_arch_to_yaml(arch);
  std::string text = yaml;
  free(yaml);
  auto back = load_text(text);
  EXPECT_TRUE(back.ok) << back.errors[0];
  if (back.ok) {
    EXPECT_TRUE(np_arch_same(arch, back.arch.get()));
  }
  return text;
}

}  // namespace

// ---- the minimal config is valid and means what it says ----

TEST(ConfigLoad, MinimalConfigLoadsWithDefaults) {
  auto r = load_text(minimal());
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const NpArch &a = *r.arch;
  EXPECT_STREQ(a.name, "t");
  EXPECT_EQ(a.clock_mhz, 1000.0);
  ASSERT_EQ(a.n_engines, 2);
  EXPECT_EQ(a.engines[0].kind, NP_ENGINE_MAC_ARRAY);
  EXPECT_EQ(a.engines[0].dataflow, NP_DATAFLOW_WS);  // default
  EXPECT_EQ(np_engine_macs_per_cycle(&a.engines[0], NP_DTYPE_INT8), 16.0);  // 4 x 4 x rate 1
  EXPECT_TRUE(a.engines[0].rules.accepts[NP_OP_CONV]);  // default rules: matrix ops
  EXPECT_FALSE(a.engines[0].rules.accepts[NP_OP_MAXPOOL]);
  EXPECT_TRUE(a.engines[0].can_read_sram);
  EXPECT_FALSE(a.engines[1].can_read_sram);  // cpu default
  EXPECT_EQ(a.fallback_engine, 1);
  EXPECT_EQ(np_engine_elements_per_cycle(&a.engines[1], NP_CLASS_ELEMENTWISE, NP_DTYPE_INT8), 2.0);  // lanes
  EXPECT_EQ(a.sram.capacity_bytes, 1024);
  EXPECT_EQ(a.sram.bank_bytes, 256);   // 1024 / 4 banks
  EXPECT_EQ(a.sram.bank_depth, 32);    // 256 / 8-byte rows
  EXPECT_EQ(a.sram.ports_per_bank, 1);
  EXPECT_EQ(a.sram.alignment_bytes, 8);  // defaults to the bank width
  EXPECT_EQ(a.dram.bytes_per_cycle, 8.0);  // 8e9 B/s / 1e9 cycles/s
  EXPECT_EQ(a.dram.channels, 1);
  EXPECT_EQ(a.dram.max_outstanding_bursts, 16);
  EXPECT_TRUE(a.sync.through_dram);
  EXPECT_FALSE(a.energy.sync.given);
}

// ---- each error class, with its exact message and position ----

TEST(ConfigErrors, UnknownKeySuggestsTheClosestAndMissingKeyPointsAtTheSection) {
  // line 15 becomes "  bank_width: 8": the key starts after 2 spaces (col 3); the section
  // "sram:" is line 12 col 1.
  auto r = load_text(replace_line(15, "  bank_width: 8"));
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], at(12, 1, "sram: missing required key 'bank_width_bytes'", "sram:"));
  EXPECT_EQ(r.errors[1], at(15, 3, "sram: unknown key 'bank_width'; did you mean 'bank_width_bytes'?", "  bank_width: 8"));
}

TEST(ConfigErrors, UnknownKeyWithNothingCloseListsTheKnownKeys) {
  auto r = load_text(insert_after(19, "  colour: blue"));  // line 20, col 3
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(20, 3,
                            "dram: unknown key 'colour' (known keys: bandwidth_gb_per_s, burst_bytes, latency_cycles, "
                            "channels, max_outstanding_bursts, row_bytes, row_miss_cycles)",
                            "  colour: blue"));
}

TEST(ConfigErrors, WrongType) {
  // "  banks: " is 9 characters: the value is at col 10.
  auto r = load_text(replace_line(14, "  banks: four"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(14, 10, "sram.banks: expected a whole number, got 'four'", "  banks: four"));
  // A list where a number belongs: the position is the list's first item ("  banks: [" = 10).
  r = load_text(replace_line(14, "  banks: [4]"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(14, 11, "sram.banks: expected a whole number, got a list", "  banks: [4]"));
}

TEST(ConfigErrors, MissingRequiredTopLevelKeyPointsAtTheFirstKey) {
  auto lines = lines_of(minimal());
  lines.erase(lines.begin() + 1);  // drop clock_mhz
  auto r = load_text(join(lines));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(1, 1, "missing required key 'clock_mhz'", "name: t"));
}

TEST(ConfigErrors, OutOfRange) {
  auto r = load_text(replace_line(14, "  banks: 0"));  // col 10
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(14, 10, "sram.banks: must be at least 1, got 0", "  banks: 0"));
  // The lowering and the replay name a command's banks in a 64-bit mask: the config refuses
  // what they could not run rather than accept it and fail (or clamp) later.
  r = load_text(replace_line(14, "  banks: 65"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(14, 10, "sram.banks: must be at most 64, got 65", "  banks: 65"));

  r = load_text(replace_line(15, "  bank_width_bytes: 48"));  // "  bank_width_bytes: " = 20 -> col 21
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(15, 21, "sram.bank_width_bytes: must be a power of two, got 48", "  bank_width_bytes: 48"));

  r = load_text(replace_line(17, "  bandwidth_gb_per_s: -3GB/s"));  // "  bandwidth_gb_per_s: " = 22 -> col 23
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            at(17, 23, "dram.bandwidth_gb_per_s: must be greater than 0, got -3GB/s", "  bandwidth_gb_per_s: -3GB/s"));

  r = load_text(replace_line(2, "clock_mhz: 0"));  // "clock_mhz: " = 11 -> col 12
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(2, 12, "clock_mhz: must be greater than 0, got 0", "clock_mhz: 0"));
}

TEST(ConfigErrors, BanksTimesBankSizeMustEqualCapacity) {
  // inserted as line 15 ("  bank_bytes: " = 14 -> col 15); 4 x 128 = 512, capacity 1KiB.
  auto r = load_text(insert_after(14, "  bank_bytes: 128"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(15, 15, "sram: banks x bank_bytes = 4 x 128 = 512, but capacity_bytes is 1KiB",
                            "  bank_bytes: 128"));
  // 4 x 256 = 1KiB is consistent.
  EXPECT_TRUE(load_text(insert_after(14, "  bank_bytes: 256")).ok);
}

TEST(ConfigErrors, CapacityMustSplitIntoWholeBankRows) {
  // "  capacity_bytes: " = 18 -> col 19; 4 banks x 8 bytes = 32, and 1000 % 32 != 0.
  auto r = load_text(replace_line(13, "  capacity_bytes: 1000"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(13, 19,
                            "sram.capacity_bytes: 1000 does not split into 4 banks of whole 8-byte rows (make it a "
                            "multiple of banks x bank_width_bytes = 32)",
                            "  capacity_bytes: 1000"));
}

TEST(ConfigErrors, RuleNamingAnUnknownOpKind) {
  // rules at lines 9-10; "      ops: [Conv, " = 18 characters -> 'Convv' at col 19.
  auto r = load_text(insert_after(8, "    rules:\n      ops: [Conv, Convv]"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(10, 19, "engines.npu.rules.ops: unknown op kind 'Convv'; did you mean 'Conv'?",
                            "      ops: [Conv, Convv]"));
}

TEST(ConfigErrors, RuleOpNeedsAThroughputOnAMacArray) {
  // "      ops: [Conv, " = 18 -> 'MaxPool' at col 19.
  auto r = load_text(insert_after(8, "    rules:\n      ops: [Conv, MaxPool]"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(10, 19,
                            "engines.npu.rules.ops: 'MaxPool' is a pool op, but engines.npu has no throughput.pool (a "
                            "mac_array runs only matrix ops unless its throughput names another class)",
                            "      ops: [Conv, MaxPool]"));
  EXPECT_TRUE(load_text(insert_after(8, "    throughput: {pool: 4}\n    rules:\n      ops: [Conv, MaxPool]")).ok);
}

TEST(ConfigErrors, DataTypeNotInTheDataTypesList) {
  // line 9; "    dtypes: {int8: 1, " = 22 characters -> 'fp16' at col 23.
  auto r = load_text(insert_after(8, "    dtypes: {int8: 1, fp16: 2}"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(9, 23, "engines.npu.dtypes: data type 'fp16' is not in data_types (int8)",
                            "    dtypes: {int8: 1, fp16: 2}"));
  // A name that is no data type at all, in data_types: "data_types: {int8: 1, " = 22 -> col 23.
  r = load_text(replace_line(3, "data_types: {int8: 1, int4: 1}"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(3, 23, "data_types: unknown data type 'int4'; did you mean 'int8'?",
                            "data_types: {int8: 1, int4: 1}"));
}

TEST(ConfigErrors, EnergyNumberWithoutSource) {
  // energy at line 20, "  sync:" key at line 21 col 3.
  auto r = load_text(minimal() + "energy:\n  sync: {pj: 3, node_nm: 5}\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(21, 3,
                            "energy.sync: missing required key 'source' (every energy number needs a source: a paper, "
                            "a datasheet, or \"assumption\")",
                            "  sync: {pj: 3, node_nm: 5}"));
  auto ok = load_text(minimal() + "energy:\n  sync: {pj: 3, source: assumption, node_nm: 5}\n");
  ASSERT_TRUE(ok.ok);
  EXPECT_TRUE(ok.arch->energy.sync.given);
  EXPECT_EQ(ok.arch->energy.sync.value, 3.0);
  EXPECT_STREQ(ok.arch->energy.sync.source, "assumption");
  EXPECT_EQ(ok.arch->energy.sync.node_nm, 5);
}

TEST(ConfigErrors, AKeyOfAnotherKindNamesTheKindsThatTakeIt) {
  // The kinds' own keys come from their rows (sim/arch/kinds.c): lanes belongs to vector,
  // cpu and gpu, dataflow to mac_array. Line 9 is "    lanes: 4" on the mac_array (col 5); line 13
  // is "    dataflow: os" on the cpu (col 5).
  auto r = load_text(minimal_with_engine_lines("    lanes: 4", "    dataflow: os"));
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], at(9, 5, "engines.npu.lanes: applies only to vector, cpu and gpu engines (this one is mac_array)",
                            "    lanes: 4"));
  EXPECT_EQ(r.errors[1], at(13, 5, "engines.cpu.dataflow: applies only to mac_array engines (this one is cpu)",
                            "    dataflow: os"));
}

TEST(ConfigErrors, DepthwiseModesNeedTheirKeysAndOnlyTheirs) {
  // Line 9 is the inserted "    depthwise: simd" (col 5): simd needs depthwise_lanes. Then
  // ublock_depth (line 10, col 5) belongs to output_block.
  auto r = load_text(join([] {
    auto lines = lines_of(minimal());
    lines.insert(lines.begin() + 8, {"    depthwise: simd", "    ublock_depth: 8"});
    return lines;
  }()));
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], at(9, 5, "engines.npu.depthwise: simd needs depthwise_lanes", "    depthwise: simd"));
  EXPECT_EQ(r.errors[1], at(10, 5, "engines.npu.ublock_depth: applies only with depthwise: output_block (this one is simd)",
                            "    ublock_depth: 8"));
  // Given, the mode and its keys load, write back (config show) and load to the same arch.
  auto ok = load_text(minimal(), {"engines.npu.depthwise=output_block", "engines.npu.ublock_pixels=4",
                                  "engines.npu.ublock_depth=8"});
  ASSERT_TRUE(ok.ok) << ok.errors[0];
  EXPECT_EQ(ok.arch->engines[0].depthwise, NP_DEPTHWISE_OUTPUT_BLOCK);
  EXPECT_EQ(ok.arch->engines[0].ublock_pixels, 4);
  EXPECT_NE(written_back(ok.arch.get()).find("    depthwise: output_block\n    ublock_pixels: 4\n    ublock_depth: 8\n"),
            std::string::npos);
}

TEST(ConfigErrors, CoresAreAMacArrayKeyWithinTheirRange) {
  // Line 9 is the inserted "    cores: 0" (col 12); line 13 "    cores: 2" on the cpu (col 5).
  auto r = load_text(minimal_with_engine_lines("    cores: 0", "    cores: 2"));
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], at(9, 12, "engines.npu.cores: must be at least 1, got 0", "    cores: 0"));
  EXPECT_EQ(r.errors[1], at(13, 5, "engines.cpu.cores: applies only to mac_array engines (this one is cpu)",
                            "    cores: 2"));
  auto over = load_text(minimal(), {"engines.npu.cores=257"});
  ASSERT_FALSE(over.ok);
  EXPECT_EQ(over.errors[0], "--set engines.npu.cores=257: error: engines.npu.cores: must be at most 256, got 257");
  // Given, they count in the array's PEs and write back (config show) to the same arch;
  // one core (the default) is not written.
  auto ok = load_text(minimal(), {"engines.npu.cores=16", "engines.npu.core_sync_cycles=12"});
  ASSERT_TRUE(ok.ok) << ok.errors[0];
  EXPECT_EQ(ok.arch->engines[0].cores, 16);
  EXPECT_EQ(np_engine_kind_ops(NP_ENGINE_MAC_ARRAY)->array_pes(&ok.arch->engines[0]), 16 * 16);  // 4x4 x 16
  EXPECT_EQ(np_engine_macs_per_cycle(&ok.arch->engines[0], NP_DTYPE_INT8), 256.0);
  EXPECT_NE(written_back(ok.arch.get()).find("    cores: 16\n    core_sync_cycles: 12\n"), std::string::npos);
  auto one = load_text(minimal());
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(written_back(one.arch.get()).find("cores"), std::string::npos);
}

TEST(ConfigEnergy, FiguresGivingVddAreScaledToTheNode) {
  // Stillmaker and Baas 2017, energy polynomials a V^2 + b V + c (sim/arch/node.c):
  // 45 nm at 0.9 V: 1.103 x 0.81 - 0.362 x 0.9 + 0.2767 = 0.84433;
  // 7 nm at 0.75 V: 0.1776 x 0.5625 - 0.09097 x 0.75 + 0.02447 = 0.0561425;
  // 32 nm at 0.9 V: 0.9559 x 0.81 - 0.7823 x 0.9 + 0.471 = 0.541209;
  // 40 nm, between 32 and 45: 0.541209 + (8 / 13) x (0.84433 - 0.541209) = 0.727745.
  EXPECT_NEAR(np_node_energy(45, 0.9), 0.84433, 1e-12);
  EXPECT_NEAR(np_node_energy(7, 0.75), 0.0561425, 1e-12);
  EXPECT_NEAR(np_node_energy(40, 0.9), 0.541209 + 8.0 / 13.0 * (0.84433 - 0.541209), 1e-12);
  EXPECT_NEAR(np_node_energy(5, 0.75), 0.0561425, 1e-12);  // below 7 nm: 7 nm's polynomial
  const std::string energy =
      "energy:\n"
      "  node: {nm: 7, vdd: 0.75, source: assumption}\n"
      "  mac:\n"
      "    int8: {pj: 0.23, source: Horowitz, node_nm: 45, vdd: 0.9}\n"
      "  sync: {pj: 3, source: assumption, node_nm: 7}\n";
  auto ok = load_text(minimal() + energy);
  ASSERT_TRUE(ok.ok) << ok.errors[0];
  const NpEnergy &e = ok.arch->energy;
  EXPECT_EQ(e.mac[NP_DTYPE_INT8].value, 0.23);  // as written
  EXPECT_NEAR(e.mac[NP_DTYPE_INT8].at_node, 0.23 * 0.0561425 / 0.84433, 1e-15);  // 0.015293 pJ
  EXPECT_EQ(e.sync.at_node, 3.0);  // no vdd: at the part's node as written
  EXPECT_NE(written_back(ok.arch.get()).find("    int8: {pj: 0.23, source: \"Horowitz\", node_nm: 45, vdd: 0.9}\n"),
            std::string::npos);
  // A vdd without energy.node has nothing to scale to; static power takes no vdd.
  auto no_node = load_text(minimal() + "energy:\n  mac:\n    int8: {pj: 0.23, source: H, node_nm: 45, vdd: 0.9}\n");
  ASSERT_FALSE(no_node.ok);
  EXPECT_NE(no_node.errors[0].find("energy.mac: gives vdd, to be scaled to the part's node, but energy.node is not given"),
            std::string::npos)
      << no_node.errors[0];
  auto static_vdd = load_text(minimal() + "energy:\n  sram_static: {mw: 1, source: a, node_nm: 5, vdd: 0.7}\n");
  ASSERT_FALSE(static_vdd.ok);
  EXPECT_NE(static_vdd.errors[0].find("vdd"), std::string::npos) << static_vdd.errors[0];
}

TEST(ConfigArea, TheSumOfSourcedFiguresAtThePartsNode) {
  // minimal.yaml: one 4x4 mac_array (16 PEs), a cpu (the host's: not counted), 1 KiB of SRAM.
  // Stillmaker and Baas's areas relative to 45 nm: 32 nm 0.46, 7 nm 0.059 (sim/arch/node.c).
  EXPECT_DOUBLE_EQ(np_node_area(45), 1.0);
  EXPECT_DOUBLE_EQ(np_node_area(7), 0.059);
  EXPECT_DOUBLE_EQ(np_node_area(3), 0.059);  // below 7 nm: 7 nm's
  auto none = load_text(minimal());
  ASSERT_TRUE(none.ok);
  EXPECT_EQ(np_arch_area_mm2(none.arch.get()), 0.0);
  const std::string area =
      "area:\n"
      "  mac: {um2: 1000, source: a, node_nm: 45}\n"
      "  sram: {um2_per_kib: 200, source: b, node_nm: 32}\n"
      "  fixed: {mm2: 0.5, source: c, node_nm: 7}\n";
  // Without energy.node the figures stand as written: 16 x 1000 + 1 x 200 um2 + 0.5 mm2.
  auto as_written = load_text(minimal() + area);
  ASSERT_TRUE(as_written.ok) << as_written.errors[0];
  EXPECT_NEAR(np_arch_area_mm2(as_written.arch.get()), 0.0162 + 0.5, 1e-12);
  // At 7 nm: 16 x 1000 x 0.059 + 200 x 0.059 / 0.46 um2 + 0.5 mm2 = 944 + 25.652 um2 + 0.5 mm2.
  auto at_7 = load_text(minimal() + area + "energy:\n  node: {nm: 7, vdd: 0.7, source: x}\n");
  ASSERT_TRUE(at_7.ok) << at_7.errors[0];
  EXPECT_NEAR(np_arch_area_mm2(at_7.arch.get()), (16 * 1000 * 0.059 + 200 * 0.059 / 0.46) * 1e-6 + 0.5, 1e-12);
  EXPECT_NE(written_back(at_7.arch.get()).find("area:\n  mac: {um2: 1000, source: \"a\", node_nm: 45}\n"),
            std::string::npos);
  // Every area figure needs its node.
  auto no_node = load_text(minimal() + "area:\n  mac: {um2: 1000, source: a}\n");
  ASSERT_FALSE(no_node.ok);
  EXPECT_NE(no_node.errors[0].find("area.mac: missing required key 'node_nm'"), std::string::npos) << no_node.errors[0];
}

TEST(ConfigKinds, EveryKindAndDataflowRowNamesItselfAndItsKeys) {
  const char *kinds[] = {"mac_array", "vector", "cpu", "gpu"};
  for (int k = 0; k < NP_ENGINE_KIND_COUNT; k++) {
    const NpEngineKindOps *ops = np_engine_kind_ops((NpEngineKind)k);
    ASSERT_NE(ops, nullptr);
    EXPECT_STREQ(ops->name, kinds[k]);
    EXPECT_GT(ops->n_keys, 0);
  }
  EXPECT_EQ(np_engine_kind_ops(NP_ENGINE_KIND_COUNT), nullptr);
  const char *dataflows[] = {"ws", "os", "is"};
  for (int d = 0; d < NP_DATAFLOW_COUNT; d++) EXPECT_STREQ(np_dataflow_name((NpDataflow)d), dataflows[d]);
  EXPECT_STREQ(np_dataflow_name(NP_DATAFLOW_COUNT), "unknown");
  // Only the cpu row is the fallback; only the mac_array row has an array (4 x 4 here).
  auto r = load_text(minimal());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(np_engine_kind_ops(NP_ENGINE_MAC_ARRAY)->array_pes(&r.arch->engines[0]), 16);
  EXPECT_EQ(np_engine_kind_ops(NP_ENGINE_CPU)->array_pes(&r.arch->engines[1]), 0);
  EXPECT_TRUE(np_engine_kind_ops(NP_ENGINE_CPU)->fallback);
  EXPECT_FALSE(np_engine_kind_ops(NP_ENGINE_VECTOR)->fallback);
  // The gpu runs ops by rules, off the accelerator, and compiles its kernels; the cpu is off
  // the accelerator too; neither array kind is.
  EXPECT_FALSE(np_engine_kind_ops(NP_ENGINE_GPU)->fallback);
  EXPECT_TRUE(np_engine_kind_ops(NP_ENGINE_GPU)->off_accelerator);
  EXPECT_TRUE(np_engine_kind_ops(NP_ENGINE_GPU)->compiles_kernels);
  EXPECT_TRUE(np_engine_kind_ops(NP_ENGINE_CPU)->off_accelerator);
  EXPECT_FALSE(np_engine_kind_ops(NP_ENGINE_CPU)->compiles_kernels);
  EXPECT_FALSE(np_engine_kind_ops(NP_ENGINE_MAC_ARRAY)->off_accelerator);
  EXPECT_FALSE(np_engine_kind_ops(NP_ENGINE_VECTOR)->off_accelerator);
}

TEST(ConfigErrors, DuplicateEngineName) {
  // line 9 "  - name: npu": "  - name: " = 10 -> col 11; the first npu is on line 5.
  auto r = load_text(replace_line(9, "  - name: npu"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(9, 11, "engines: duplicate engine name 'npu' (the first is at line 5)", "  - name: npu"));
}

TEST(ConfigErrors, NoCpuFallbackEngine) {
  auto lines = lines_of(minimal());
  lines.erase(lines.begin() + 8, lines.begin() + 11);  // drop the cpu engine (lines 9-11)
  auto r = load_text(join(lines));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], at(4, 1,
                            "engines: no engine of kind cpu; every config needs a CPU fallback engine for the ops the "
                            "accelerator cannot run",
                            "engines:"));
}

TEST(ConfigErrors, YamlSyntaxErrorHasAPosition) {
  // libfyaml rejects the repeated key on line 2, col 1.
  auto r = load_file(source_path("tests/fixtures/config/syntax_error.yaml"));
  ASSERT_EQ(r.errors.size(), 1u);
  std::string path = source_path("tests/fixtures/config/syntax_error.yaml");
  EXPECT_EQ(r.errors[0], path + ":2:1: error: YAML syntax: duplicate key\nname: u\n^");
}

TEST(ConfigErrors, SeveralErrorsInOneFileAreAllReportedInFileOrder) {
  std::string path = source_path("tests/fixtures/config/several_errors.yaml");
  auto r = load_file(path);
  EXPECT_FALSE(r.ok);
  // Each position counted from the fixture's text:
  //  3: "data_types: {int8: 1, fp16: " is 28 characters -> the 4 at col 29
  //  6: "    kind: " is 10 -> col 11;  9: "    lanes: " is 11 -> col 12
  // 11: "  capacity_bytes: " is 18 -> col 19; 15: "  bandwidth_gb_per_s: " is 22 -> col 23
  // 18: "  colour" starts at col 3
  std::vector<std::string> expected_heads = {
      path + ":3:29: error: data_types.fp16: fp16 is 2 bytes, got 4",
      path + ":6:11: error: engines.npu.kind: unknown value 'mac_aray'; did you mean 'mac_array'? (one of mac_array, "
             "vector, cpu, gpu)",
      path + ":9:12: error: engines.cpu.lanes: must be at least 1, got 0",
      path + ":11:19: error: sram.capacity_bytes: unknown unit 'MiBs' in '4 MiBs'; did you mean 'MiB'? (units: B, KB, "
             "MB, GB, TB, KiB, MiB, GiB, TiB)",
      path + ":15:23: error: dram.bandwidth_gb_per_s: must be greater than 0, got -3GB/s",
      path + ":18:3: error: dram: unknown key 'colour' (known keys: bandwidth_gb_per_s, burst_bytes, latency_cycles, "
             "channels, max_outstanding_bursts, row_bytes, row_miss_cycles)",
  };
  ASSERT_EQ(r.errors.size(), expected_heads.size());
  for (size_t i = 0; i < expected_heads.size(); i++)
    EXPECT_EQ(r.errors[i].substr(0, r.errors[i].find('\n')), expected_heads[i]) << "error " << i;
}

TEST(ConfigErrors, HostileInputsAreErrorsNotCrashes) {
  EXPECT_FALSE(load_text("").ok);
  EXPECT_EQ(load_text("").errors.at(0), "t.yaml: error: the config is empty (see docs/config.md for the keys it needs)");
  EXPECT_FALSE(load_text(std::string("name: a\0b\n", 10)).ok);
  EXPECT_FALSE(load_text("- 1\n- 2\n").ok);
  EXPECT_FALSE(load_text(minimal() + "---\nname: second\n").ok);
  EXPECT_FALSE(load_text(std::string(20000, '[')).ok);
  std::string many_engines = "engines:\n";
  for (int i = 0; i < 17; i++) many_engines += "  - {name: e" + std::to_string(i) + ", kind: cpu, lanes: 1}\n";
  auto r = load_text(replace_line(4, many_engines.substr(0, many_engines.size() - 1)));
  EXPECT_FALSE(r.ok);
  bool found = false;
  for (auto &e : r.errors) found |= e.find("engines: at most 16 engines") != std::string::npos;
  EXPECT_TRUE(found);
  EXPECT_FALSE(load_file("/nonexistent/npusim.yaml").ok);
}

// ---- units ----

TEST(ConfigUnits, Sizes) {
  char err[256];
  int64_t v = 0;
  ASSERT_TRUE(np_parse_size("4MiB", &v, err, sizeof err));
  EXPECT_EQ(v, 4 * 1024 * 1024);
  ASSERT_TRUE(np_parse_size("64B", &v, err, sizeof err));
  EXPECT_EQ(v, 64);
  ASSERT_TRUE(np_parse_size("512KiB", &v, err, sizeof err));
  EXPECT_EQ(v, 512 * 1024);
  ASSERT_TRUE(np_parse_size("1.5MB", &v, err, sizeof err));  // decimal: 1.5 x 10^6
  EXPECT_EQ(v, 1500000);
  ASSERT_TRUE(np_parse_size("1.5KiB", &v, err, sizeof err));  // 1.5 x 1024
  EXPECT_EQ(v, 1536);
  ASSERT_TRUE(np_parse_size("4096", &v, err, sizeof err));
  EXPECT_EQ(v, 4096);
  ASSERT_TRUE(np_parse_size("8 TiB", &v, err, sizeof err));  // exact in integers: 8 x 2^40
  EXPECT_EQ(v, INT64_C(8) << 40);
}

TEST(ConfigUnits, BadSizes) {
  char err[256];
  int64_t v = 0;
  EXPECT_FALSE(np_parse_size("4 MiBs", &v, err, sizeof err));
  EXPECT_STREQ(err, "unknown unit 'MiBs' in '4 MiBs'; did you mean 'MiB'? (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
  EXPECT_FALSE(np_parse_size("-1KiB", &v, err, sizeof err));
  EXPECT_STREQ(err, "a size cannot be negative: '-1KiB'");
  EXPECT_FALSE(np_parse_size("1e400", &v, err, sizeof err));
  EXPECT_STREQ(err, "number out of range: '1e400'");
  EXPECT_FALSE(np_parse_size("12XB", &v, err, sizeof err));
  EXPECT_STREQ(err, "unknown unit 'XB' in '12XB'; did you mean 'B'? (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
  EXPECT_FALSE(np_parse_size("1.3B", &v, err, sizeof err));
  EXPECT_STREQ(err, "'1.3B' is not a whole number of bytes");
  EXPECT_FALSE(np_parse_size("MiB", &v, err, sizeof err));
  EXPECT_STREQ(err, "expected a size (e.g. 64, 512KiB, 4MiB), got 'MiB'");
  EXPECT_FALSE(np_parse_size("nan", &v, err, sizeof err));
  EXPECT_FALSE(np_parse_size("", &v, err, sizeof err));
  EXPECT_FALSE(np_parse_size("9999999TiB", &v, err, sizeof err));  // > 2^62
  EXPECT_STREQ(err, "size out of range: '9999999TiB'");
}

TEST(ConfigUnits, BandwidthsAndFrequencies) {
  char err[256];
  double v = 0;
  ASSERT_TRUE(np_parse_bandwidth("0.5GB/s", &v, err, sizeof err));
  EXPECT_EQ(v, 0.5);
  ASSERT_TRUE(np_parse_bandwidth("34.1GB/s", &v, err, sizeof err));
  EXPECT_EQ(v, 34.1);
  ASSERT_TRUE(np_parse_bandwidth("800MB/s", &v, err, sizeof err));
  EXPECT_DOUBLE_EQ(v, 0.8);
  ASSERT_TRUE(np_parse_bandwidth("12", &v, err, sizeof err));  // plain: GB/s
  EXPECT_EQ(v, 12.0);
  ASSERT_TRUE(np_parse_frequency("800MHz", &v, err, sizeof err));
  EXPECT_EQ(v, 800.0);
  ASSERT_TRUE(np_parse_frequency("1.2GHz", &v, err, sizeof err));
  EXPECT_DOUBLE_EQ(v, 1200.0);
  ASSERT_TRUE(np_parse_frequency("32kHz", &v, err, sizeof err));
  EXPECT_DOUBLE_EQ(v, 0.032);
  EXPECT_FALSE(np_parse_bandwidth("3GB", &v, err, sizeof err));
  EXPECT_STREQ(err, "unknown unit 'GB' in '3GB' (units: B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s)");
  EXPECT_FALSE(np_parse_frequency("1.2Ghz", &v, err, sizeof err));
  EXPECT_STREQ(err, "unknown unit 'Ghz' in '1.2Ghz'; did you mean 'GHz'? (units: Hz, kHz, MHz, GHz)");
  int64_t i = 0;
  EXPECT_FALSE(np_parse_int("16.0", &i, err, sizeof err));
  EXPECT_STREQ(err, "expected a whole number, got '16.0'");
  EXPECT_FALSE(np_parse_int("99999999999999999999", &i, err, sizeof err));
  EXPECT_STREQ(err, "number out of range: '99999999999999999999'");
}

TEST(ConfigUnits, BandwidthBecomesBytesPerCycleAtTheClock) {
  // 17GB/s at 1.7GHz: 17e9 / 1.7e9 = 10 bytes per cycle; units on both keys.
  auto r = load_text(replace_line(2, "clock_mhz: 1.7GHz"), {"dram.bandwidth_gb_per_s=17GB/s"});
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.arch->clock_mhz, 1700.0);
  EXPECT_DOUBLE_EQ(r.arch->dram.bytes_per_cycle, 10.0);
  EXPECT_EQ(r.arch->dram.bandwidth_gb_per_s, 17.0);
}

// ---- --set ----

TEST(ConfigSet, OverridesApplyOnTopOfTheFileInOrder) {
  auto r = load_text(minimal(), {"sram.banks=8", "sram.banks=2", "dram.channels=3", "engines.npu.rows=16",
                                 "engines.npu.dataflow=os", "sram.capacity_bytes=2KiB"});
  ASSERT_TRUE(r.ok) << r.errors.at(0);
  EXPECT_EQ(r.arch->sram.banks, 2);          // later --set wins
  EXPECT_EQ(r.arch->sram.capacity_bytes, 2048);
  EXPECT_EQ(r.arch->sram.bank_bytes, 1024);  // 2KiB / 2
  EXPECT_EQ(r.arch->dram.channels, 3);       // a key the file does not have
  EXPECT_EQ(r.arch->engines[0].rows, 16);
  EXPECT_EQ(r.arch->engines[0].dataflow, NP_DATAFLOW_OS);
  EXPECT_EQ(np_engine_macs_per_cycle(&r.arch->engines[0], NP_DTYPE_INT8), 64.0);  // 16 x 4
  auto lists = load_text(minimal(), {"engines.npu.rules.ops=[Conv, Gemm]", "energy.sync.pj=7",
                                     "energy.sync.source=assumption", "energy.sync.node_nm=7"});
  ASSERT_TRUE(lists.ok) << lists.errors.at(0);
  EXPECT_TRUE(lists.arch->engines[0].rules.accepts[NP_OP_GEMM]);
  EXPECT_FALSE(lists.arch->engines[0].rules.accepts[NP_OP_MATMUL]);
  EXPECT_EQ(lists.arch->energy.sync.value, 7.0);
}

TEST(ConfigSet, ErrorsNameTheOverrideTheKeyAndTheValue) {
  auto r = load_text(minimal(), {"engines.npu.rows=abc"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "--set engines.npu.rows=abc: error: engines.npu.rows: expected a whole number, got 'abc'");
  r = load_text(minimal(), {"sram.bank=2"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "--set sram.bank=2: error: sram: unknown key 'bank'; did you mean 'banks'?");
  r = load_text(minimal(), {"engines.tpu.rows=2"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "--set engines.tpu.rows=2: error: no engine named 'tpu' (engines: npu, cpu)");
  r = load_text(minimal(), {"sram.banks"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "--set sram.banks: error: expected key.path=value, e.g. --set sram.capacity_bytes=2MiB");
  r = load_text(minimal(), {"dram.bandwidth_gb_per_s=-1GB/s"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "--set dram.bandwidth_gb_per_s=-1GB/s: error: dram.bandwidth_gb_per_s: must be greater than 0, got -1GB/s");
  r = load_text(minimal(), {"energy.sync.pj=1"});
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0],
            "--set energy.sync.pj=1: error: energy.sync: missing required key 'source' (every energy number needs a "
            "source: a paper, a datasheet, or \"assumption\")");
}

// ---- show: round trip ----

TEST(ConfigShow, EveryPresetRoundTrips) {
  for (const char *name : {"phone-npu", "ethos-u55-like", "ethos-u55-128", "edge-tpu-like", "ideal", "rtl-small"}) {
    SCOPED_TRACE(name);
    auto first = load_file(source_path(std::string("configs/") + name + ".yaml"));
    ASSERT_TRUE(first.ok) << first.errors.at(0);
    char *text1 = np_arch_to_yaml(first.arch.get());
    auto second = load_text(text1);
    ASSERT_TRUE(second.ok) << second.errors.at(0);
    char *text2 = np_arch_to_yaml(second.arch.get());
    EXPECT_STREQ(text1, text2);
    EXPECT_TRUE(np_arch_same(first.arch.get(), second.arch.get()));
    free(text1);
    free(text2);
  }
}

TEST(ConfigShow, SameReportsADifference) {
  auto a = load_text(minimal());
  auto b = load_text(minimal(), {"dram.latency_cycles=11"});
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_FALSE(np_arch_same(a.arch.get(), b.arch.get()));
}

// ---- the embedded default and the presets ----

TEST(ConfigDefault, EmbeddedBytesEqualTheFile) {
  size_t len = 0;
  const char *text = np_arch_default_text(&len);
  EXPECT_EQ(std::string(text, len), read_file(source_path("configs/phone-npu.yaml")));
  EXPECT_GT(len, 0u);
}

TEST(ConfigDefault, PhoneNpuMatchesThePublicFigures) {
  NpArch arch;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_arch_load_default(nullptr, 0, &arch, &diag));
  np_diag_free(&diag);
  EXPECT_STREQ(arch.origin, NP_ARCH_DEFAULT_SOURCE);
  int ane = np_arch_find_engine(&arch, "ane");
  ASSERT_GE(ane, 0);
  // 16 cores (Apple) of 16 x 16 MACs; 11 TOPS (Apple): 16 x 256 MACs x 2 ops x 1340 MHz = 10.98e12 ops/s.
  EXPECT_EQ(arch.engines[ane].cores, 16);
  EXPECT_EQ(arch.engines[ane].rows * arch.engines[ane].cols, 256);
  double tops = np_engine_macs_per_cycle(&arch.engines[ane], NP_DTYPE_FP16) * 2 * arch.clock_mhz * 1e6 / 1e12;
  EXPECT_NEAR(tops, 11.0, 0.1);
  EXPECT_EQ(arch.sram.capacity_bytes, 4 * 1024 * 1024);
  EXPECT_EQ(arch.sram.bank_bytes, 256 * 1024);  // 4 MiB / 16 banks
  EXPECT_EQ(arch.dram.bandwidth_gb_per_s, 34.1);
  EXPECT_DOUBLE_EQ(arch.dram.bytes_per_cycle, 34.1e9 / 1340e6);
  EXPECT_EQ(arch.dram.burst_bytes, 64);
  EXPECT_EQ(arch.engines[arch.fallback_engine].kind, NP_ENGINE_CPU);
  EXPECT_GT(arch.sync.cycles[NP_ENGINE_MAC_ARRAY][NP_ENGINE_CPU], 0);
  for (int d = 0; d < NP_DTYPE_COUNT; d++) {
    if (arch.energy.mac[d].given) {
      EXPECT_STRNE(arch.energy.mac[d].source, "");
    }
  }
}

TEST(ConfigDefault, PresetsHaveTheirShape) {
  auto rtl = load_file(source_path("configs/rtl-small.yaml"));
  ASSERT_TRUE(rtl.ok);
  EXPECT_EQ(rtl.arch->engines[0].rows, 8);
  EXPECT_EQ(rtl.arch->engines[0].cols, 8);
  EXPECT_EQ(rtl.arch->engines[0].dtype_rate[NP_DTYPE_INT8], 1.0);
  auto ideal = load_file(source_path("configs/ideal.yaml"));
  ASSERT_TRUE(ideal.ok);
  EXPECT_EQ(ideal.arch->dram.latency_cycles, 0);
  EXPECT_EQ(ideal.arch->dram.bytes_per_cycle, 1e6);  // 1e6 GB/s at 1000 MHz
  auto u55 = load_file(source_path("configs/ethos-u55-like.yaml"));
  ASSERT_TRUE(u55.ok);
  // 256 MACs per cycle for int8, half for int16 (Arm).
  EXPECT_EQ(np_engine_macs_per_cycle(&u55.arch->engines[0], NP_DTYPE_INT8), 256.0);
  EXPECT_EQ(np_engine_macs_per_cycle(&u55.arch->engines[0], NP_DTYPE_INT16), 128.0);
  // Vela's Shared_Sram map: a 2 MiB tensor arena (Arm's ML evaluation kit) holds the activations.
  EXPECT_EQ(u55.arch->sram.capacity_bytes, 2 * 1024 * 1024);
  auto u55_128 = load_file(source_path("configs/ethos-u55-128.yaml"));
  ASSERT_TRUE(u55_128.ok);
  // 128 MACs per cycle and the 2x1x8 output micro-block (Vela, Ethos_U55_128).
  EXPECT_EQ(np_engine_macs_per_cycle(&u55_128.arch->engines[0], NP_DTYPE_INT8), 128.0);
  EXPECT_EQ(u55_128.arch->engines[0].ublock_pixels, 2);
  EXPECT_EQ(u55_128.arch->engines[0].ublock_depth, 8);
  auto tpu = load_file(source_path("configs/edge-tpu-like.yaml"));
  ASSERT_TRUE(tpu.ok);
  // The clock is the driver's Max setting, 500 MHz (libedgetpu, beagle_top_level_handler.cc:
  // GcbClock::k500MHZ); 4 TOPS (Google): 4096 MACs x 2 x 500 MHz = 4.096e12.
  EXPECT_EQ(tpu.arch->clock_mhz, 500.0);
  EXPECT_NEAR(np_engine_macs_per_cycle(&tpu.arch->engines[0], NP_DTYPE_INT8) * 2 * tpu.arch->clock_mhz * 1e6 / 1e12,
              4.096, 1e-9);
}

// Every config of configs/devices/ loads, and each neural engine reaches the TOPS Apple published
// for it: cores x rows x cols MACs x 2 ops x clock (fp16; the A17 Pro's 35 TOPS count int8).
TEST(ConfigDefault, DeviceMatrixHasThePublishedFigures) {
  struct Device {
    const char *file;
    int cores;
    NpDtype dtype;
    double tops, dram_gb_per_s;
  };
  const Device devices[] = {
      {"a11", 0, NP_DTYPE_FP16, 0, 29.9},  // no neural engine Core ML can use: GPU and CPU
      {"a12", 8, NP_DTYPE_FP16, 5, 34.1},     {"a13", 8, NP_DTYPE_FP16, 6, 34.1},
      {"a14", 16, NP_DTYPE_FP16, 11, 34.1},   {"a15", 16, NP_DTYPE_FP16, 15.8, 34.1},
      {"a16", 16, NP_DTYPE_FP16, 17, 51.2},   {"a17-pro", 16, NP_DTYPE_INT8, 35, 51.2},
  };
  size_t files = 0;
  for (const auto &entry : std::filesystem::directory_iterator(source_path("configs/devices")))
    files += entry.path().extension() == ".yaml";
  EXPECT_EQ(files, std::size(devices));
  for (const Device &d : devices) {
    SCOPED_TRACE(d.file);
    auto c = load_file(source_path(std::string("configs/devices/") + d.file + ".yaml"));
    ASSERT_TRUE(c.ok) << c.errors.at(0);
    EXPECT_EQ(c.arch->dram.bandwidth_gb_per_s, d.dram_gb_per_s);
    EXPECT_EQ(c.arch->engines[c.arch->fallback_engine].kind, NP_ENGINE_CPU);
    int ane = np_arch_find_engine(c.arch.get(), "ane");
    if (d.cores == 0) {
      EXPECT_LT(ane, 0);
      ASSERT_EQ(c.arch->n_engines, 2);
      EXPECT_EQ(c.arch->engines[0].kind, NP_ENGINE_GPU);
      continue;
    }
    ASSERT_GE(ane, 0);
    EXPECT_EQ(c.arch->engines[ane].cores, d.cores);
    double tops = np_engine_macs_per_cycle(&c.arch->engines[ane], d.dtype) * 2 * c.arch->clock_mhz * 1e6 / 1e12;
    EXPECT_NEAR(tops, d.tops, 0.01 * d.tops);
  }
}

// Every neural-engine generation pays the one ANE dispatch measured, on the M1 (the A14's
// engine): 25 us (binding, host fp16 copies) + 16 (firmware request) + 3 (doorbell) + 130
// (firmware round trip) + 10 (completion) = 184 us (S. Bryngelson, arXiv:2606.22283, ch. 2,
// "What one dispatch costs"). The A11 has no neural engine Core ML can use: its GPU keeps
// Core ML's ~0.1 ms per prediction, which the ANE's firmware round trip does not apply to.
TEST(ConfigDefault, EveryNeuralEnginePaysTheMeasuredDispatch) {
  const double ane_dispatch_us = 25 + 16 + 3 + 130 + 10;
  struct Config {
    const char *path;
    double per_inference_us;
    const char *source_names;
  };
  const Config configs[] = {
      {"configs/phone-npu.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a12.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a13.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a14.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a15.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a16.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a17-pro.yaml", ane_dispatch_us, "arXiv:2606.22283"},
      {"configs/devices/a11.yaml", 100, "0.1 ms"},
  };
  for (const Config &c : configs) {
    SCOPED_TRACE(c.path);
    auto l = load_file(source_path(c.path));
    ASSERT_TRUE(l.ok) << l.errors.at(0);
    const NpEnergyFigure &dispatch = l.arch->fixed.per_inference;
    ASSERT_TRUE(dispatch.given);
    EXPECT_EQ(dispatch.value, c.per_inference_us);
    EXPECT_NE(std::string(dispatch.source).find(c.source_names), std::string::npos) << dispatch.source;
    // us x clock_mhz cycles, to the nearest cycle.
    EXPECT_EQ(np_arch_fixed_cycles(l.arch.get(), &dispatch), std::llround(c.per_inference_us * l.arch->clock_mhz));
  }
}

// ---- the CLI ----

TEST(ConfigCli, ShowPrintsTheDefaultWithNoFileAndItLoadsBack) {
  auto r = run_npusim("config show");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto back = load_text(r.out);
  ASSERT_TRUE(back.ok) << back.errors.at(0);
  EXPECT_STREQ(back.arch->name, "phone-npu");
  auto again = run_npusim("config show");
  EXPECT_EQ(again.out, r.out);  // deterministic
}

TEST(ConfigCli, ShowAppliesSetsAfterTheFile) {
  auto r = run_npusim("config show --config tests/fixtures/config/minimal.yaml --set sram.banks=2 --set=dram.channels=4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  banks: 2\n"), std::string::npos);
  EXPECT_NE(r.out.find("  channels: 4\n"), std::string::npos);
  auto bad = run_npusim("config show --set engines.ane.rows=abc");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err, "--set engines.ane.rows=abc: error: engines.ane.rows: expected a whole number, got 'abc'\n");
  EXPECT_EQ(run_npusim("config show --set").exit_code, 2);
  EXPECT_EQ(run_npusim("config show --config a.yaml --config b.yaml").exit_code, 2);
  EXPECT_EQ(run_npusim("config show --config /nonexistent.yaml").exit_code, 2);
  EXPECT_EQ(run_npusim("config show extra").exit_code, 2);
}

TEST(ConfigCli, CheckExitCodes) {
  auto good = run_npusim("config check configs/phone-npu.yaml configs/ethos-u55-like.yaml configs/edge-tpu-like.yaml "
                         "configs/ideal.yaml configs/rtl-small.yaml");
  EXPECT_EQ(good.exit_code, 0) << good.err;
  auto bad = run_npusim("config check configs/phone-npu.yaml tests/fixtures/config/several_errors.yaml");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("configs/phone-npu.yaml: ok"), std::string::npos);
  EXPECT_NE(bad.err.find("tests/fixtures/config/several_errors.yaml:3:29: error: "), std::string::npos);
  EXPECT_NE(bad.err.find("tests/fixtures/config/several_errors.yaml:18:3: error: "), std::string::npos);
  EXPECT_EQ(run_npusim("config check").exit_code, 2);
  EXPECT_EQ(run_npusim("config frobnicate").exit_code, 2);
}

TEST(ConfigCli, HelpTeachesWithExamples) {
  for (const char *args : {"config --help", "config show --help", "config check --help"}) {
    auto r = run_npusim(args);
    EXPECT_EQ(r.exit_code, 0) << args;
    EXPECT_NE(r.out.find("examples:"), std::string::npos) << args;
    EXPECT_NE(r.out.find("--set"), std::string::npos) << args;
  }
}

// ---- the parse cache: a sweep worker parses its base config once ----

// np_arch_load_parsed must load what np_arch_load_text loads, errors and their positions
// included, whether it parses the text (first sight) or copies the parsed document (every
// later load): each case below is loaded three times through one cache.
TEST(ConfigParseCache, LoadsWhatTheTextLoadsErrorsAndPositionsIncluded) {
  std::string inconsistent = insert_after(14, "  bank_bytes: 128");  // 4 x 128 = 512, not 1KiB
  struct Case {
    std::string text;
    std::vector<std::string> sets;
  };
  std::vector<Case> cases = {
      {minimal(), {}},
      {minimal(), {"sram.capacity_bytes=2KiB", "dram.bandwidth_gb_per_s=4"}},
      {minimal(), {"sram.banks=four"}},
      {minimal(), {"engines.npu.rows=8"}},
      {inconsistent, {}},
      {inconsistent, {"sram.capacity_bytes=512"}},
      {inconsistent, {"sram.banks=2"}},
      {"name: [\n", {}},
      {"", {}},
  };
  NpArchParseCache *cache = np_arch_parse_cache_new();
  for (int round = 0; round < 3; round++) {
    for (const Case &c : cases) {
      Loaded want = load_text(c.text, c.sets);
      std::vector<const char *> set_ptrs;
      for (const auto &s : c.sets) set_ptrs.push_back(s.c_str());
      NpDiag diag;
      np_diag_init(&diag);
      std::unique_ptr<NpArch> arch(new NpArch());
      bool ok = np_arch_load_parsed(cache, c.text.data(), c.text.size(), "t.yaml", set_ptrs.data(), set_ptrs.size(),
                                    arch.get(), &diag);
      std::vector<std::string> errors;
      for (size_t i = 0; i < diag.count; i++) errors.push_back(diag.messages[i]);
      np_diag_free(&diag);
      std::string where = "round " + std::to_string(round) + ", text of " + std::to_string(c.text.size()) +
                          " bytes, " + std::to_string(c.sets.size()) + " sets";
      EXPECT_EQ(ok, want.ok) << where;
      EXPECT_EQ(errors, want.errors) << where;
      if (ok && want.ok) {
        EXPECT_TRUE(np_arch_same(arch.get(), want.arch.get())) << where;
        EXPECT_STREQ(arch->origin, want.arch->origin) << where;
      }
      if (c.text == inconsistent && c.sets.empty()) {
        // the base's own error keeps its place on a copy of the parse (worked by hand: the
        // inserted line 15, "  bank_bytes: " is 14 characters)
        ASSERT_EQ(errors.size(), 1u) << where;
        EXPECT_EQ(errors[0], at(15, 15, "sram: banks x bank_bytes = 4 x 128 = 512, but capacity_bytes is 1KiB",
                                "  bank_bytes: 128"))
            << where;
      }
    }
  }
  np_arch_parse_cache_free(cache);
  np_arch_parse_cache_free(nullptr);  // allowed, like free()
}
