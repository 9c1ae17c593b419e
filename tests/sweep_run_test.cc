// npusim sweep end to end: order whatever --jobs, failed points as rows, resume (after a torn
// row and after SIGKILL), shards through GNU parallel merged back, byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"
#include "npusim.h"

namespace {

// 3 sizes x 2 bandwidths x 2 widths = 12 points on a small text graph; 3000000 is not a
// multiple of 16 banks x 64 B, so its 4 points are bad_config rows.
std::string small_spec() {
  return write_scratch("small.yaml", "models: [" + source_path("models/micro/chain.npg") + "]\n" +
                                         "axes:\n"
                                         "  sram.capacity_bytes: [1MiB, 3000000, 4MiB]\n"
                                         "  dram.bandwidth_gb_per_s: [8, 34]\n"
                                         "  model.channel_scale: [0.5, 1]\n");
}

int count_lines(const std::string &text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

int shell(const std::string &command) { return std::system(("/bin/sh -c '" + command + "'").c_str()); }

TEST(SweepRun, RowsAreInPointOrderWhateverTheThreadCount) {
  std::string spec = small_spec(), dir = scratch_dir();
  CliResult one = run_npusim("sweep " + spec + " -o " + dir + "/one.csv --jobs 1");
  CliResult three = run_npusim("sweep " + spec + " -o " + dir + "/three.csv --jobs 3");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(three.exit_code, 0) << three.err;
  std::string a = read_file(dir + "/one.csv"), b = read_file(dir + "/three.csv");
  EXPECT_EQ(a, b);
  // A header and 12 rows, numbered 0..11 in order.
  EXPECT_EQ(count_lines(a), 13);
  EXPECT_EQ(a.rfind("point,model,model_file,sram.capacity_bytes,dram.bandwidth_gb_per_s,model.channel_scale,status,"
                    "warm_ms,cold_ms,energy_uj,sram_peak_bytes,dram_bytes,fallbacks,uncached_ms,cached_ms,area_mm2,est_warm_ms,"
                    "config,"
                    "config_hash,set,npusim_version,message\n",
                    0),
            0u);
  EXPECT_NE(a.find("\n11,"), std::string::npos);
  // Points 4..7 have the bad size: their rows carry the status and the config's message.
  // A point that did not run has no metrics and no config, but the spec's overrides and the
  // version; sizes are bytes (the spec says 4MiB: 4 * 2^20 = 4194304).
  EXPECT_NE(a.find("\n4,chain," + source_path("models/micro/chain.npg") + ",3000000,8,0.5,bad_config,,,,,,,,,,,,,," +
                   npusim_version() + ","),
            std::string::npos)
      << a;
  EXPECT_NE(a.find("multiple of banks x bank_width_bytes"), std::string::npos);
  EXPECT_NE(a.find("\n8,chain," + source_path("models/micro/chain.npg") + ",4194304,8,0.5,ok,"), std::string::npos);
}

TEST(SweepRun, ResumeAfterATornRowEqualsAnUninterruptedRun) {
  std::string spec = small_spec(), dir = scratch_dir();
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + dir + "/full.csv --jobs 2").exit_code, 0);
  std::string full = read_file(dir + "/full.csv");
  // The first 5 lines (header + 4 rows) and half of the next row, as a crash leaves it.
  size_t cut = 0;
  for (int i = 0; i < 5; i++) cut = full.find('\n', cut) + 1;
  size_t half = cut + (full.find('\n', cut) - cut) / 2;
  write_scratch("partial.csv", full.substr(0, half));
  std::string partial = scratch_dir() + "/partial.csv";
  CliResult r = run_npusim("sweep " + spec + " -o " + partial + " --resume --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(partial), full);
}

TEST(SweepRun, ResumeRefusesAnotherSweepsFile) {
  std::string spec = small_spec();
  std::string other = write_scratch("other.csv", "point,model,something_else\n0,x,y\n");
  CliResult r = run_npusim("sweep " + spec + " -o " + other + " --resume");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(other + ": error: --resume"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(other), "point,model,something_else\n0,x,y\n");  // untouched
}

TEST(SweepRun, ResumeAfterSigkillEqualsAnUninterruptedRun) {
  // MobileNetV2 points take long enough to kill the sweep part-way.
  std::string spec = write_scratch("kill.yaml", "models: [" + source_path("models/mobilenet_v2.onnx") + "]\n" +
                                                    "axes:\n"
                                                    "  sram.capacity_bytes: [1MiB, 2MiB, 3MiB, 4MiB]\n"
                                                    "  model.dtype: [int8, fp16]\n");
  std::string dir = scratch_dir();
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + dir + "/full.csv --jobs 2").exit_code, 0);
  std::string out = dir + "/killed.csv", cli = NPUSIM_CLI;
  // Start it, wait for the header and two rows, SIGKILL it.
  int rc = shell(cli + " sweep " + spec + " -o " + out + " --jobs 1 & pid=$!; " +
                 "while [ \"$(cat " + out + " 2>/dev/null | wc -l)\" -lt 3 ]; do sleep 0.02; done; " +
                 "kill -9 $pid; wait $pid; exit 0");
  ASSERT_EQ(rc, 0);
  int rows_left = count_lines(read_file(out)) - 1;
  EXPECT_LT(rows_left, 8) << "the sweep finished before the kill: the test proved nothing";
  CliResult r = run_npusim("sweep " + spec + " -o " + out + " --resume --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(out), read_file(dir + "/full.csv"));
}

TEST(SweepRun, FourShardsThroughGnuParallelMergeIntoTheUnshardedFile) {
  std::string spec = small_spec(), dir = scratch_dir(), cli = NPUSIM_CLI;
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + dir + "/all.csv --jobs 1").exit_code, 0);
  int rc = shell("parallel --will-cite --halt now,fail=1 " + cli + " sweep " + spec + " --jobs 1 --shard {}/4 -o " +
                 dir + "/shard{}.csv ::: 0 1 2 3");
  ASSERT_EQ(rc, 0);
  // Shard 1 of 4 holds points 1, 5, 9.
  std::string shard1 = read_file(dir + "/shard1.csv");
  EXPECT_EQ(count_lines(shard1), 4);
  EXPECT_NE(shard1.find("\n5,"), std::string::npos);
  CliResult m = run_npusim("sweep merge " + dir + "/shard0.csv " + dir + "/shard1.csv " + dir + "/shard2.csv " + dir +
                           "/shard3.csv -o " + dir + "/merged.csv");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(read_file(dir + "/merged.csv"), read_file(dir + "/all.csv"));
  // A missing shard is an error naming the first missing point (2: shard 2's first).
  CliResult gap = run_npusim("sweep merge " + dir + "/shard0.csv " + dir + "/shard1.csv " + dir + "/shard3.csv -o " +
                             dir + "/gap.csv");
  EXPECT_EQ(gap.exit_code, 2);
  EXPECT_NE(gap.err.find("point 2 is in no file"), std::string::npos) << gap.err;
  EXPECT_EQ(read_file(dir + "/gap.csv"), "");
}

TEST(SweepRun, ShardFromSlurmAndKubernetesEnvironment) {
  std::string spec = small_spec(), dir = scratch_dir();
  // Slurm array 1-4: task 3 is shard 2 of 4 (points 2, 6, 10).
  ASSERT_EQ(run_npusim("sweep " + spec + " --shard 2/4 -o " + dir + "/explicit.csv").exit_code, 0);
  std::string env = "SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4 ";
  int rc = shell(env + NPUSIM_CLI + " sweep " + spec + " -o " + dir + "/slurm.csv");
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(read_file(dir + "/slurm.csv"), read_file(dir + "/explicit.csv"));
  rc = shell(std::string("JOB_COMPLETION_INDEX=2 NPUSIM_SHARDS=4 ") + NPUSIM_CLI + " sweep " + spec + " -o " + dir +
             "/k8s.csv");
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(read_file(dir + "/k8s.csv"), read_file(dir + "/explicit.csv"));
  EXPECT_EQ(count_lines(read_file(dir + "/explicit.csv")), 4);
  // Without NPUSIM_SHARDS the index alone is a usage error.
  rc = shell(std::string("JOB_COMPLETION_INDEX=2 ") + NPUSIM_CLI + " sweep " + spec + " -o " + dir + "/bad.csv 2>/dev/null");
  EXPECT_NE(rc, 0);
}

TEST(SweepRun, JsonLinesShardsMergeToo) {
  std::string spec = small_spec(), dir = scratch_dir();
  ASSERT_EQ(run_npusim("sweep " + spec + " -o " + dir + "/all.jsonl").exit_code, 0);
  ASSERT_EQ(run_npusim("sweep " + spec + " --shard 0/2 -o " + dir + "/a.jsonl").exit_code, 0);
  ASSERT_EQ(run_npusim("sweep " + spec + " --shard 1/2 -o " + dir + "/b.jsonl").exit_code, 0);
  ASSERT_EQ(run_npusim("sweep merge " + dir + "/b.jsonl " + dir + "/a.jsonl -o " + dir + "/m.jsonl").exit_code, 0);
  std::string all = read_file(dir + "/all.jsonl");
  EXPECT_EQ(read_file(dir + "/m.jsonl"), all);
  EXPECT_EQ(all.rfind("{\"point\":0,\"model\":", 0), 0u) << all;
  EXPECT_NE(all.find("\"status\":\"bad_config\""), std::string::npos);
}

TEST(SweepRun, BadSpecIsExitTwoWithThePlace) {
  std::string spec = write_scratch("bad.yaml", "models: [x.npg]\naxes:\n  model.colour: [1]\n");
  CliResult r = run_npusim("sweep " + spec);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(spec + ":3:3: error: unknown model axis"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// A row says what made it: model name and absolute file, the config's name and hash, the spec's
// overrides, the version; sizes load as numbers.
TEST(SweepRun, RowsCarryTheirIdentityAndNumericSizes) {
  std::string dir = scratch_dir();
  // The spec names the model relative to its own folder, as the shipped specs do.
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "/specs' && cp '" + source_path("models/micro/chain.npg") + "' '" +
                         dir + "/chain.npg'")
                            .c_str()),
            0);
  std::string spec = dir + "/specs/identity.yaml";
  FILE *f = std::fopen(spec.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("set:\n  sram.banks: 8\nmodels: [../chain.npg]\naxes:\n  sram.capacity_bytes: [2MiB]\n"
             "  dram.bandwidth_gb_per_s: [17GB/s]\n",
             f);
  std::fclose(f);
  CliResult csv = run_npusim("sweep " + spec + " -o " + dir + "/rows.csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::string text = read_file(dir + "/rows.csv");
  // The same effective config through `run`: its hash is the one the row must carry.
  CliResult run = run_npusim("run models/micro/chain.npg --set sram.banks=8 --set sram.capacity_bytes=2MiB "
                             "--set dram.bandwidth_gb_per_s=17GB/s --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  size_t at = run.out.find("\"hash\": \"");
  ASSERT_NE(at, std::string::npos);
  std::string hash = run.out.substr(at + 9, 18);
  // 2MiB = 2 * 2^20 = 2097152 bytes; 17GB/s is 17 in the column's GB/s.
  std::string expected = "0,chain," + dir + "/chain.npg,2097152,17,ok,";
  EXPECT_EQ(text.find("\n" + expected), text.find('\n')) << text;
  EXPECT_NE(text.find(",phone-npu," + hash + ",sram.banks=8," + npusim_version() + ",\n"), std::string::npos)
      << text << "\nhash " << hash;
  CliResult jsonl = run_npusim("sweep " + spec + " -o " + dir + "/rows.jsonl");
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  std::string row = read_file(dir + "/rows.jsonl");
  EXPECT_NE(row.find("\"model_file\":\"" + dir + "/chain.npg\",\"sram.capacity_bytes\":2097152,"
                     "\"dram.bandwidth_gb_per_s\":17,"),
            std::string::npos)
      << row;
  EXPECT_NE(row.find("\"config_hash\":\"" + hash + "\",\"set\":[\"sram.banks=8\"],\"npusim_version\":\"" +
                     npusim_version() + "\""),
            std::string::npos)
      << row;
  // One unit per quantity: the row's energy is the warm inference's total in uJ, the number
  // `run --json` gives as warm.energy.total_uj (it was energy_mj, a thousandth of it).
  auto number_after = [](const std::string &text, const std::string &key, size_t from) {
    size_t at = text.find(key, from);
    return at == std::string::npos ? -1.0 : std::strtod(text.c_str() + at + key.size(), nullptr);
  };
  double run_uj = number_after(run.out, "\"total_uj\": ", run.out.find("\"warm\": {"));
  ASSERT_GT(run_uj, 0) << run.out;
  EXPECT_DOUBLE_EQ(number_after(row, "\"energy_uj\":", 0), run_uj) << row;
  EXPECT_EQ(row.find("energy_mj"), std::string::npos) << row;
}

}  // namespace

namespace {

// sweep --check: the spec, its models and every point's config, without running a point or
// opening an output. Point 1 asks for 100 banks (the limit is 64: docs/config.md).
TEST(SweepCheck, ChecksEveryPointsConfigAndWritesNothing) {
  std::string good = write_scratch("check-good.yaml", "models: [" + source_path("models/micro/chain.npg") +
                                                          "]\naxes:\n  sram.banks: [4, 16, 8]\n");
  CliResult ok = run_npusim("sweep " + good + " --check");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("ok (3 points: 1 model x 3 sram.banks; every point's config loads)"), std::string::npos)
      << ok.out;
  std::string bad = write_scratch("check-bad.yaml", "models: [" + source_path("models/micro/chain.npg") +
                                                        "]\naxes:\n  sram.banks: [4, 100, 8]\n");
  std::string out = scratch_dir() + "/check.csv";
  CliResult r = run_npusim("sweep " + bad + " --check -o " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("point 1: --set sram.banks=100"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 of 3 points have a config that does not load"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out), "");  // nothing written
}

// config check on a sweep spec says what the file is, not its keys one by one.
TEST(SweepCheck, ConfigCheckNamesASweepSpec) {
  CliResult r = run_npusim("config check " + source_path("configs/sweeps/sram-mobilenet.yaml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("this is a sweep spec, not an accelerator config: check it with npusim sweep"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("unknown key"), std::string::npos) << r.err;
}

// est_warm_ms is the lowering's own estimate of warm_ms. On configs/ideal.yaml (1 GHz, memories
// that never limit) a 1x1 stride-2 conv 56x56x64 -> 128 is the systolic formula docs/timing.md
// follows (SCALE-Sim's per-fold model): 64 x 128 weights on the 32x32 ws array are 2 x 4 = 8
// folds, each filling 32 rows, streaming 28 x 28 = 784 pixels and draining 32 + 32 - 2:
// 32 + 784 + 62 = 878 cycles, 8 x 878 = 7,024 cycles = 0.007024 ms. Both figures must be that
// within 1% (the replay adds a load and a store of a few cycles; so does the estimate).
TEST(SweepRun, EstimateColumnIsTheCostModelsFigure) {
  std::string graph = write_scratch("s2.npg", "input x int8 1x56x56x64\n"
                                              "conv c x -> y out=128 kernel=1x1 stride=2 bias=no\n"
                                              "output y\n");
  std::string spec = write_scratch("est.yaml", "models: [" + graph + "]\nconfig: " + source_path("configs/ideal.yaml") +
                                                   "\naxes:\n  dram.bandwidth_gb_per_s: [1000000]\n");  // ideal's own
  std::string dir = scratch_dir();
  CliResult r = run_npusim("sweep " + spec + " -o " + dir + "/est.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string text = read_file(dir + "/est.csv");
  auto cells = [](const std::string &line) {
    std::vector<std::string> out;
    size_t from = 0;
    for (size_t at; (at = line.find(',', from)) != std::string::npos; from = at + 1) out.push_back(line.substr(from, at - from));
    out.push_back(line.substr(from));
    return out;
  };
  size_t eol = text.find('\n');
  std::vector<std::string> header = cells(text.substr(0, eol)), row = cells(text.substr(eol + 1, text.find('\n', eol + 1) - eol - 1));
  ASSERT_EQ(header.size(), row.size()) << text;
  auto column = [&](const std::string &name) {
    for (size_t i = 0; i < header.size(); i++)
      if (header[i] == name) return std::strtod(row[i].c_str(), nullptr);
    ADD_FAILURE() << "no column " << name << " in " << text;
    return 0.0;
  };
  EXPECT_NEAR(column("est_warm_ms"), 0.007024, 0.007024 * 0.01) << text;
  EXPECT_NEAR(column("warm_ms"), 0.007024, 0.007024 * 0.01) << text;
}

}  // namespace
