// Energy of a small network through `npusim run --json`, worked by hand from the energy table
// of run_support.h (kTinyEnergy) and docs/timing.md ("Energy").
#include "run_support.h"

namespace {

// The GEMM of kGemmGraph: cold 542 cycles, warm 500 cycles (worked in run_latency_test.cc).
// Counts of the warm inference (LOAD x 256 B, COMPUTE, STORE y 256 B):
//   MACs 4096 x 0.5 pJ                                      = 2048 pJ
//   SRAM read: COMPUTE 512 B (x and weights) + STORE 256 B
//              = 768 B x 0.25 pJ                            =  192 pJ
//   SRAM write: COMPUTE 256 B + LOAD 256 B = 512 B x 0.5 pJ =  256 pJ
//   DRAM read 256 B x 10 pJ                                 = 2560 pJ
//   DRAM write 256 B x 20 pJ                                = 5120 pJ
//   no vector elements, no SYNC                             =    0
//   dynamic                                                 = 10176 pJ = 0.010176 uJ
//   static (1 + 4) mW over 500 ns = 2.5 nJ                  = 0.0025 uJ
//   total 0.012676 uJ; per MAC 12676 fJ... = 0.012676e9 fJ / 4096 = 3094.7265625 fJ;
//   average power 12.676 nJ / 500 ns = 25.352 mW.
// Cold adds the weight LOAD: SRAM write 256 x 0.5 = 128 pJ, DRAM read 256 x 10 = 2560 pJ:
//   dynamic 12864 pJ; static 5 mW x 542 ns = 2.71 nJ; total 0.015574 uJ.
TEST(RunEnergy, SmallNetworkByHand) {
  JsonPtr j = run_json(kGemmGraph, std::string(kTinyArch) + kTinyEnergy);
  ASSERT_TRUE(j.get());
  json_t *w = at(j.get(), {"warm", "energy"});
  EXPECT_NEAR(jnum(w, {"mac_uj"}), 2048e-6, 1e-15);
  EXPECT_NEAR(jnum(w, {"vector_uj"}), 0, 1e-15);
  EXPECT_NEAR(jnum(w, {"sram_read_uj"}), 192e-6, 1e-15);
  EXPECT_NEAR(jnum(w, {"sram_write_uj"}), 256e-6, 1e-15);
  EXPECT_NEAR(jnum(w, {"dram_read_uj"}), 2560e-6, 1e-15);
  EXPECT_NEAR(jnum(w, {"dram_write_uj"}), 5120e-6, 1e-15);
  EXPECT_NEAR(jnum(w, {"sync_uj"}), 0, 1e-15);
  EXPECT_NEAR(jnum(w, {"dynamic_uj"}), 0.010176, 1e-12);
  EXPECT_NEAR(jnum(w, {"static_uj"}), 0.0025, 1e-12);
  EXPECT_NEAR(jnum(w, {"total_uj"}), 0.012676, 1e-12);
  EXPECT_NEAR(jnum(w, {"fj_per_mac"}), 3094.7265625, 1e-6);
  EXPECT_NEAR(jnum(w, {"avg_power_mw"}), 25.352, 1e-9);
  json_t *c = at(j.get(), {"cold", "energy"});
  EXPECT_NEAR(jnum(c, {"sram_write_uj"}), 384e-6, 1e-15);
  EXPECT_NEAR(jnum(c, {"dram_read_uj"}), 5120e-6, 1e-15);
  EXPECT_NEAR(jnum(c, {"dynamic_uj"}), 0.012864, 1e-12);
  EXPECT_NEAR(jnum(c, {"static_uj"}), 0.00271, 1e-12);
  EXPECT_NEAR(jnum(c, {"total_uj"}), 0.015574, 1e-12);
  // Every figure the run needed is in the table.
  EXPECT_EQ(json_array_size(at(j.get(), {"energy_missing"})), 0u);
  EXPECT_TRUE(json_is_null(at(j.get(), {"battery"})));
}

// Battery: 1,000,000 warm inferences a day of 0.012676 uJ = 12.676 mJ = 0.012676 J a day;
// a 1 Wh battery holds 3600 J: 0.012676 / 3600 = 3.5211e-6 of it.
TEST(RunEnergy, BatteryShareOfTheWarmEnergy) {
  JsonPtr j = run_json(kGemmGraph, std::string(kTinyArch) + kTinyEnergy, "--per-day 1000000 --battery-wh 1");
  ASSERT_TRUE(j.get());
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"battery", "inferences_per_day"}), 1e6);
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"battery", "battery_wh"}), 1);
  EXPECT_NEAR(jnum(j.get(), {"battery", "share_per_day"}), 0.012676 / 3600, 1e-15);
  CliResult r = run_on(kGemmGraph, std::string(kTinyArch) + kTinyEnergy, "--per-day 1000000 --battery-wh 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 3.5211e-6 = 0.00035211 %.
  EXPECT_NE(r.out.find("1e+06 warm inferences a day take 0.0004% of a 1 Wh battery"), std::string::npos) << r.out;
}

TEST(RunEnergy, BatteryOptionsGoTogether) {
  CliResult r = run_on(kGemmGraph, kTinyArch, "--per-day 10");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--per-day and --battery-wh go together"), std::string::npos) << r.err;
  r = run_on(kGemmGraph, kTinyArch, "--per-day 10 --battery-wh -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--battery-wh: '-1' is not a number from 1e-09 to 1e+12"), std::string::npos) << r.err;
  r = run_on(kGemmGraph, kTinyArch, "--per-day nan --battery-wh 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--per-day: 'nan' is not a number from 1e-09 to 1e+12"), std::string::npos) << r.err;
}

// Without an energy table every term is 0 and the report names what is missing.
TEST(RunEnergy, MissingFiguresAreNamed) {
  JsonPtr j = run_json(kGemmGraph, kTinyArch);
  ASSERT_TRUE(j.get());
  json_t *missing = at(j.get(), {"energy_missing"});
  ASSERT_TRUE(json_is_array(missing));
  // The GEMM needs mac.int8; the run also has SRAM and DRAM traffic. No element or sync
  // figure is needed (no vector op, no SYNC).
  std::string all;
  for (size_t i = 0; i < json_array_size(missing); i++) all += std::string(json_string_value(json_array_get(missing, i))) + ";";
  EXPECT_EQ(all, "mac.int8;sram_read;sram_write;dram_read;dram_write;");
  EXPECT_EQ(jnum(j.get(), {"warm", "energy", "total_uj"}), 0);
}

}  // namespace
