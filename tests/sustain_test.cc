// Sustained runs: the lumped thermal model and the DVFS governor, worked by hand
// (docs/timing.md, "Sustained runs"), and the command's bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "run_support.h"
#include "sustain/sustain.h"

namespace {

// Steps given by hand: latency, dynamic energy per frame and static power per clock.
struct Steps {
  std::vector<NpSustainStep> steps;
  std::vector<int> calls;
};

bool give_step(void *user, int k, NpSustainStep *out, NpDiag *) {
  Steps *s = static_cast<Steps *>(user);
  s->calls.push_back(k);
  *out = s->steps[k];
  return true;
}

struct SustainRun {
  NpSustainResult r{};
  bool ok = false;
  std::string errors;
  SustainRun(const NpSustainModel &m, const NpSustainOptions &o) {
    NpDiag diag;
    np_diag_init(&diag);
    ok = np_sustain_run(&m, &o, &r, &diag);
    for (size_t i = 0; i < diag.count; i++) errors += std::string(diag.messages[i]) + "\n";
    np_diag_free(&diag);
  }
  ~SustainRun() { np_sustain_result_free(&r); }
};

TEST(Sustain, AConstantLoadGivesTheThermalStepResponse) {
  // R = 10 C/W, C = 2 J/C: tau = 20 s. The one step draws 1 W static and nothing dynamic,
  // so the die follows T(t) = 25 + 1 x 10 x (1 - e^(-t / 20)) exactly: at t = 10 s (frame
  // 100 at 10 fps) 25 + 10 (1 - e^-0.5) = 28.93469 C; after 20 s 25 + 10 (1 - e^-1) =
  // 31.32121 C. The throttle point (50 C) is never reached.
  Steps s{{{1000, 1.0, 0.0, 1000.0}}, {}};
  NpSustainModel m = {10, 2, 25, 50, 0, 0, 1, give_step, &s};
  NpSustainOptions o = {10, 20, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun run(m, o);
  ASSERT_TRUE(run.ok) << run.errors;
  ASSERT_EQ(run.r.frames, 200);
  EXPECT_NEAR(run.r.samples[100].temp_c, 25 + 10 * (1 - std::exp(-0.5)), 1e-9);
  EXPECT_NEAR(run.r.final_temp_c, 25 + 10 * (1 - std::exp(-1.0)), 1e-9);
  EXPECT_NEAR(run.r.steady_temp_c, 35, 1e-12);
  EXPECT_FALSE(run.r.throttled);
  EXPECT_EQ(run.r.dropped, 0);
  EXPECT_DOUBLE_EQ(run.r.p99_ms, 1.0);
  EXPECT_NEAR(run.r.avg_power_mw, 1000, 1e-9);
  EXPECT_EQ(s.calls, std::vector<int>{0}) << "one simulation for the one step";
}

TEST(Sustain, ThrottleOnsetAtTheFirstFrameAboveTheThrottlePoint) {
  // Step 0 (1000 MHz): 10 ms and 100 mJ a frame at 10 fps = 1 W dynamic, plus 1 W static:
  // 2 W, so T(t) = 25 + 20 (1 - e^(-t / 20)) with R = 10, C = 2. It passes 30 C where
  // 1 - e^(-t/20) = 0.25: t = -20 ln 0.75 = 5.7536 s. The governor looks at each arrival:
  // at 5.7 s T = 25 + 20 (1 - e^-0.285) = 29.960 C, at 5.8 s 25 + 20 (1 - e^-0.29) =
  // 30.034 C: the first step down is at frame 58, t = 5.8 s, and from there frames take
  // step 1's 20 ms.
  Steps s{{{1000, 10.0, 100000.0, 1000.0}, {500, 20.0, 50000.0, 1000.0}}, {}};
  NpSustainModel m = {10, 2, 25, 30, 0, 0, 2, give_step, &s};
  NpSustainOptions o = {10, 7, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun run(m, o);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_TRUE(run.r.throttled);
  EXPECT_NEAR(run.r.first_throttle_s, 5.8, 1e-12);
  EXPECT_NEAR(run.r.samples[57].temp_c, 25 + 20 * (1 - std::exp(-0.285)), 1e-9);
  EXPECT_LT(run.r.samples[57].temp_c, 30);
  EXPECT_GT(run.r.samples[58].temp_c, 30);
  EXPECT_EQ(run.r.samples[57].mhz, 1000);
  EXPECT_EQ(run.r.samples[58].mhz, 500);
  EXPECT_DOUBLE_EQ(run.r.samples[58].latency_ms, 20);
  // 70 frames: 58 at 10 ms, 12 at 20 ms. Nearest rank: p50 = 35th value = 10 ms, p95 = 67th
  // and p99 = 70th = 20 ms.
  EXPECT_DOUBLE_EQ(run.r.p50_ms, 10);
  EXPECT_DOUBLE_EQ(run.r.p95_ms, 20);
  EXPECT_DOUBLE_EQ(run.r.p99_ms, 20);
  EXPECT_EQ(run.r.late, 0);
}

TEST(Sustain, LateFramesAreDroppedOrQueued) {
  // 150 ms a frame at 10 fps (100 ms apart), no heating worth the name. Drop: frame 0 runs
  // 0..150 ms, frame 1 (100 ms) arrives while it runs and is dropped, frame 2 (200 ms) runs
  // to 350, frame 3 is dropped...: every second frame, 5 of 10. Queue: frame i ends at
  // 150 (i + 1) ms, so its latency is 150 (i + 1) - 100 i = 150 + 50 i ms; the last (i = 9)
  // waits 600 ms.
  Steps s{{{1000, 150.0, 0.0, 0.0}}, {}};
  NpSustainModel m = {1, 1, 25, 90, 0, 0, 1, give_step, &s};
  NpSustainOptions drop = {10, 1, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun d(m, drop);
  ASSERT_TRUE(d.ok) << d.errors;
  EXPECT_EQ(d.r.dropped, 5);
  EXPECT_EQ(d.r.served, 5);
  EXPECT_EQ(d.r.late, 5);
  NpSustainOptions queue = {10, 1, NP_LATE_QUEUE, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun q(m, queue);
  ASSERT_TRUE(q.ok) << q.errors;
  EXPECT_EQ(q.r.dropped, 0);
  EXPECT_NEAR(q.r.max_ms, 150 + 50 * 9, 1e-9);
  EXPECT_NEAR(q.r.samples[4].latency_ms, 350, 1e-9);
}

TEST(Sustain, OutOfRangeOptionsAreRefused) {
  Steps s{{{1000, 1.0, 0.0, 0.0}}, {}};
  NpSustainModel m = {1, 1, 25, 90, 0, 0, 1, give_step, &s};
  NpSustainOptions o = {0, 10, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun zero(m, o);
  EXPECT_FALSE(zero.ok);
  o = {30, -1, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun negative(m, o);
  EXPECT_FALSE(negative.ok);
  NpSustainModel flat = {0, 1, 25, 90, 0, 0, 1, give_step, &s};
  o = {30, 1, NP_LATE_DROP, NP_DTYPE_UNKNOWN, 0, 0, 0};
  SustainRun no_steady(flat, o);
  EXPECT_FALSE(no_steady.ok);
}

// ---- the command ----

const std::string kThermal = R"(thermal:
  resistance: {c_per_w: 10, source: assumption}
  capacitance: {j_per_c: 2, source: assumption}
  ambient: {c: 25, source: assumption}
  throttle: {c: 30, source: assumption}
  dvfs: {mhz: [1000, 500], source: assumption}
)";

CliResult sustain_on(const std::string &config, const std::string &extra) {
  std::string g = write_scratch("model.npg", kGemmGraph);
  std::string c = write_scratch("arch.yaml", config);
  return run_npusim("sustain '" + g + "' --config '" + c + "' " + extra);
}

TEST(SustainCli, RunsAndWritesJsonCsvAndSvg) {
  std::string svg = scratch_dir() + "/t.svg";
  CliResult r = sustain_on(std::string(kTinyArch) + kTinyEnergy + kThermal, "--fps 30 --seconds 2 --json --svg '" + svg + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"schema"}), "npusim.sustain/1");
  EXPECT_EQ(jint(j.get(), {"frames"}), 60);
  // The GEMM warm at 1000 MHz takes 500 cycles = 0.0005 ms (run_latency_test.cc).
  EXPECT_DOUBLE_EQ(jnum(j.get(), {"steps", "0", "latency_ms"}), 0.0005);
  EXPECT_NE(read_file(svg).find("<svg"), std::string::npos);
  r = sustain_on(std::string(kTinyArch) + kTinyEnergy + kThermal, "--fps 10 --seconds 1 --csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "t_s,temp_c,clock_mhz,latency_ms,dropped");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 11);
}

TEST(SustainCli, BadInputExitsTwoNamingThePlace) {
  std::string base = std::string(kTinyArch) + kTinyEnergy;
  CliResult r = sustain_on(base, "--seconds 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no thermal section"), std::string::npos) << r.err;
  r = sustain_on(base + kThermal, "--fps 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--fps: '0' is not a number above 0"), std::string::npos) << r.err;
  r = sustain_on(base + kThermal, "--seconds -5");
  EXPECT_EQ(r.exit_code, 2);
  std::string unordered = kThermal;
  unordered.replace(unordered.find("[1000, 500]"), 11, "[500, 1000]");
  r = sustain_on(base + unordered, "--seconds 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("arch.yaml:50:10: error: thermal.dvfs.mhz: the steps must fall"), std::string::npos) << r.err;
  std::string flat = kThermal;
  flat.replace(flat.find("c_per_w: 10"), 11, "c_per_w: 0");
  r = sustain_on(base + flat, "--seconds 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("thermal.resistance: must be above 0 (a die with zero resistance has no steady state)"),
            std::string::npos)
      << r.err;
}

TEST(SustainCli, CheckHoldsARunToP99AndThrottleBudgets) {
  // The GEMM heats the die by microwatts: it never reaches 30 C, so throttle_s counts the
  // whole 2 s run, and every frame takes the warm 0.0005 ms.
  std::string g = write_scratch("model.npg", kGemmGraph);
  std::string c = write_scratch("arch.yaml", std::string(kTinyArch) + kTinyEnergy + kThermal);
  std::string base = "check '" + g + "' --config '" + c + "' --seconds 2 --budget ";
  CliResult r = run_npusim(base + "p99_ms=0.001,throttle_s=2");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("throttle_s: 2 s >= budget 2 s"), std::string::npos) << r.out;
  r = run_npusim(base + "throttle_s=3");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("throttle_s: 2 s < budget 3 s (short by 1 s"), std::string::npos) << r.out;
  r = run_npusim(base + "p99_ms=0.0004");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string plain = write_scratch("plain.yaml", kTinyArch);
  r = run_npusim("check '" + g + "' --config '" + plain + "' --budget p99_ms=33");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no thermal section"), std::string::npos) << r.err;
}

}  // namespace
