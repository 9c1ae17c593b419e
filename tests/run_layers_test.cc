// Per-layer breakdowns in `npusim run --json` and `--per-layer --csv`: DRAM bytes by what they
// carry, dynamic energy by term, the layer's share of the inference and its bandwidths.
#include <sstream>
#include <vector>

#include "run_support.h"

namespace {

// conv3x3's MAC energy on phone-npu (worked in Conv3x3BytesAndMacEnergyByHand), in uJ.
const double kMacUj = 115605504.0 * 0.23 * (0.0561425 / 0.84433) * 1e-6;

TEST(RunLayers, Conv3x3BytesAndMacEnergyByHand) {
  CliResult r = run_npusim("run models/micro/conv3x3.npg --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  // conv3x3 (models/micro/conv3x3.npg): int8 input 1x56x56x64, 3x3 conv to 64 channels.
  // Weights 64*64*3*3 = 36864 B + an int32 bias of 64 * 4 = 256 B: 37120 B, resident, so the
  // cold inference loads them once and the warm one not at all.
  EXPECT_EQ(jint(j.get(), {"layers", "0", "cold", "weight_dram_read_bytes"}), 37120);
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "weight_dram_read_bytes"}), 0);
  // The input, 56*56*64 = 200704 B, in 2 row tiles of 28 rows (the plan `schedule` shows): the
  // tile boundary re-reads a 1-row halo on both sides, 2 * 56 * 64 = 7168 B more: 207872 B of
  // activations read.
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "activation_dram_read_bytes"}), 207872);
  // The output, 56*56*64 int8 = 200704 B, is written once.
  EXPECT_EQ(jint(j.get(), {"layers", "0", "warm", "activation_dram_write_bytes"}), 200704);
  // The split adds up to the layer's DRAM figures.
  EXPECT_EQ(jint(j.get(), {"layers", "0", "cold", "weight_dram_read_bytes"}) +
                jint(j.get(), {"layers", "0", "cold", "activation_dram_read_bytes"}),
            jint(j.get(), {"layers", "0", "cold", "dram_read_bytes"}));
  // MAC energy: 56*56*64 * 64*3*3 = 115,605,504 MACs at the phone-npu's int8 0.23 pJ per MAC
  // at 45 nm 0.9 V, scaled to its 5 nm 0.75 V (configs/phone-npu.yaml) by Stillmaker and Baas's
  // polynomials (docs/timing.md, "Node scaling"): x 0.0561425 / 0.84433, 1.768 uJ.
  EXPECT_NEAR(jnum(j.get(), {"layers", "0", "warm", "energy", "mac_uj"}), kMacUj, 1e-9);
  // Time share and bandwidths follow their formulas from the layer's cycles (1340 MHz clock).
  double cycles = (double)jint(j.get(), {"layers", "0", "warm", "cycles"});
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"layers", "0", "warm", "time_share"}),
                   cycles / (double)jint(j.get(), {"warm", "cycles"}));
  EXPECT_NEAR(jnum(j.get(), {"layers", "0", "warm", "dram_gb_per_s"}), (207872.0 + 200704.0) * 1340.0 / cycles / 1e3,
              1e-9);
}

TEST(RunLayers, LayerEnergiesSumToTheRunsDynamicTerms) {
  CliResult r = run_npusim("run models/mobilenet_v2.onnx --dtype int8 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  json_t *layers = at(j.get(), {"layers"});
  ASSERT_GT(json_array_size(layers), 50u);
  for (const char *inference : {"cold", "warm"}) {
    for (const char *term : {"mac_uj", "vector_uj", "sram_read_uj", "sram_write_uj", "dram_read_uj", "dram_write_uj",
                             "sync_uj", "dynamic_uj"}) {
      double sum = 0;
      for (size_t i = 0; i < json_array_size(layers); i++)
        sum += jnum(json_array_get(layers, i), {inference, "energy", term});
      double total = jnum(j.get(), {inference, "energy", term});
      EXPECT_NEAR(sum, total, 1e-9 * (total > 1 ? total : 1)) << inference << " " << term;
    }
  }
}

TEST(RunLayers, CsvRowsCarryTheWarmBreakdown) {
  CliResult r = run_npusim("run models/micro/conv3x3.npg --csv --per-layer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::stringstream in(r.out);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  std::vector<std::string> names = split_text(header, ','), cells = split_text(row, ',');
  ASSERT_EQ(names.size(), cells.size()) << header << "\n" << row;
  auto cell = [&](const std::string &name) {
    for (size_t i = 0; i < names.size(); i++)
      if (names[i] == name) return cells[i];
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  // The figures worked out above, in the CSV row.
  EXPECT_EQ(cell("warm_weight_dram_read_bytes"), "0");
  EXPECT_EQ(cell("warm_activation_dram_read_bytes"), "207872");
  EXPECT_EQ(cell("warm_activation_dram_write_bytes"), "200704");
  EXPECT_NEAR(std::stod(cell("warm_mac_uj")), kMacUj, 1e-9);
  for (const char *name : {"warm_time_share", "warm_compute_cycles", "warm_dram_cycles", "warm_sram_cycles",
                           "warm_sync_cycles", "warm_stall_unit_cycles", "warm_stall_dram_cycles",
                           "warm_stall_sram_bank_cycles", "warm_dram_gb_per_s", "warm_sram_gb_per_s",
                           "warm_dynamic_uj"})
    EXPECT_FALSE(cell(name).empty()) << name;
}

}  // namespace
