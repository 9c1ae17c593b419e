// The model (sim/replay) against the RTL (rtl/, under Verilator): each micro-benchmark's two
// traces must agree cycle for cycle (np_trace_diff at tolerance 0); the KWS DS-CNN on
// rtl-small within 2% per layer and 1% in total; the MAC array's outputs must equal the C
// reference GEMM. Expected cycle counts below are worked out by hand from docs/timing.md.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "model_trace.h"
#include "rtl_harness.h"
#include "support/files.h"

extern "C" {
#include "model/model.h"
#include "util/file.h"
}

namespace {

struct Loaded {
  NpArch arch{};
  NpSchedule schedule{};
  bool have_schedule = false;
  ~Loaded() {
    if (have_schedule) np_schedule_free(&schedule);
  }
};

void load(Loaded &l, const std::string &input, std::vector<std::string> sets = {}) {
  NpDiag diag;
  np_diag_init(&diag);
  std::vector<const char *> ptrs;
  for (auto &s : sets) ptrs.push_back(s.c_str());
  ASSERT_TRUE(np_arch_load_file(source_path("configs/rtl-small.yaml").c_str(), ptrs.data(), ptrs.size(), &l.arch,
                                &diag))
      << (diag.count ? diag.messages[0] : "");
  std::string path = source_path(input);
  if (input.size() > 5 && input.substr(input.size() - 5) == ".json") {
    size_t len = 0;
    char *text = np_read_file(path.c_str(), 1 << 26, "schedule", &len, &diag);
    ASSERT_NE(text, nullptr);
    bool ok = np_schedule_from_json(text, len, path.c_str(), &l.schedule, &diag);
    free(text);
    ASSERT_TRUE(ok) << (diag.count ? diag.messages[0] : "");
  } else {
    NpGraph *g = np_model_load(path.c_str(), &diag);
    ASSERT_NE(g, nullptr) << (diag.count ? diag.messages[0] : "");
    NpLowerOptions lo{};
    bool ok = np_lower(g, &l.arch, &lo, &l.schedule, &diag);
    np_graph_free(g);
    ASSERT_TRUE(ok) << (diag.count ? diag.messages[0] : "");
  }
  l.have_schedule = true;
  np_diag_free(&diag);
}

struct Compared {
  NpTraceDiff diff{};
  RtlRunResult rtl;
  std::string rtl_trace;
  bool ok = false;
  ~Compared() {
    if (ok) np_trace_diff_free(&diff);
  }
};

void compare(const std::string &name, Loaded &l, double tol_rel, Compared &out) {
  std::string dir = scratch_dir();
  std::string model_trace = dir + "/" + name + ".model.npt.zst";
  out.rtl_trace = dir + "/" + name + ".rtl.npt.zst";
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_rtl_write_model_trace(&l.schedule, &l.arch, model_trace.c_str(), nullptr, &diag))
      << (diag.count ? diag.messages[0] : "");
  ASSERT_TRUE(np_rtl_run(&l.schedule, &l.arch, out.rtl_trace, &out.rtl)) << out.rtl.error;
  NpTraceDiffOptions opt{0, tol_rel};
  ASSERT_TRUE(np_trace_diff(model_trace.c_str(), out.rtl_trace.c_str(), &opt, &out.diff, &diag))
      << (diag.count ? diag.messages[0] : "");
  out.ok = true;
  np_diag_free(&diag);
  EXPECT_EQ(out.rtl.output_mismatches, 0);
  EXPECT_EQ(out.diff.n_only_a + out.diff.n_only_b, 0u);
}

// Loads input, runs it on both sides and expects every command to agree at tolerance 0; l and
// c keep the schedule and the traces for the checks worked by hand.
void expect_exact(const std::string &name, const std::string &input, std::vector<std::string> sets, Loaded &l,
                  Compared &c) {
  load(l, input, sets);
  compare(name, l, 0, c);
  ASSERT_TRUE(c.ok);
  EXPECT_TRUE(c.diff.agree) << name << ": " << c.diff.n_outside << " commands differ, max |d end| "
                            << c.diff.max_abs_end;
  EXPECT_EQ(c.diff.n_commands, l.schedule.n_cmds);
}

// The primary record of command `cmd` in a trace.
NpTraceRecord record_of(const std::string &path, uint32_t cmd) {
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *r = np_trace_reader_open(path.c_str(), &diag);
  NpTraceRecord rec{}, found{};
  while (r && np_trace_read(r, &rec, &diag) == 1)
    if (rec.command == cmd) found = rec;
  np_trace_reader_close(r);
  np_diag_free(&diag);
  return found;
}

TEST(RtlAgreement, SingleLoad) {
  Loaded l;
  Compared c;
  expect_exact("dma_single", "tests/fixtures/rtl/dma_single.schedule.json", {}, l, c);
  // 3 bursts on one channel, 3 <= 4 outstanding: L + 3 x 8 = 10 + 24 = 34 cycles.
  EXPECT_EQ(c.rtl.cycles, 34);
}

// The RTL's trace names its engines and layers as the model's does: the config's engine names
// (configs/rtl-small.yaml: npu first) and the schedule's layer names, in their order.
TEST(RtlAgreement, TraceCarriesEngineAndLayerNames) {
  Loaded l;
  load(l, "models/ds_cnn_kws.onnx");
  Compared c;
  compare("ds_cnn_names", l, 0.02, c);
  ASSERT_TRUE(c.ok);
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *r = np_trace_reader_open(c.rtl_trace.c_str(), &diag);
  ASSERT_NE(r, nullptr) << (diag.count ? diag.messages[0] : "");
  const NpTraceHeader *h = np_trace_reader_header(r);
  EXPECT_EQ(h->source, NP_TRACE_SOURCE_RTL);
  ASSERT_EQ(h->names.n_engines, (uint32_t)l.arch.n_engines);
  EXPECT_STREQ(np_trace_engine_name(h, 0), "npu");
  ASSERT_EQ(h->names.n_layers, (uint32_t)l.schedule.n_layers);
  ASSERT_GT(l.schedule.n_layers, 1u);
  for (size_t i = 0; i < l.schedule.n_layers; i++)
    EXPECT_STREQ(np_trace_layer_name(h, (uint32_t)i), l.schedule.layers[i].name) << "layer " << i;
  np_trace_reader_close(r);
  np_diag_free(&diag);
}

TEST(RtlAgreement, ConcurrentTransfers) {
  // By hand: the queue at cycle 0 is [LOAD 0 (4 bursts), LOAD 1 (3 runs of 67, 67, 66 B:
  // 6 bursts), STORE 2 (2 bursts)]; 4 slots, bus 8 cycles a burst from cycle 10. Issue order
  // 0 1 2 0 | 1 (18) 2 (26) 0 (34) 1 (42) 0 (50) 1 (58) 1 (66) 1 (74): the STORE's last burst
  // is the 6th on the bus (ends 58), LOAD 0's the 9th (82), LOAD 1's the 12th (106); LOAD 3
  // (3 bursts) starts at 82 and follows on the bus: 130.
  Loaded l;
  Compared c;
  expect_exact("dma_concurrent", "tests/fixtures/rtl/dma_concurrent.schedule.json", {}, l, c);
  EXPECT_EQ(record_of(c.rtl_trace, 2).end, 58u);
  EXPECT_EQ(record_of(c.rtl_trace, 0).end, 82u);
  EXPECT_EQ(record_of(c.rtl_trace, 1).end, 106u);
  EXPECT_EQ(record_of(c.rtl_trace, 3).end, 130u);
}

TEST(RtlAgreement, OutstandingLimitBinds) {
  std::vector<std::string> sets = {"dram.max_outstanding_bursts=2", "dram.latency_cycles=30"};
  // Two slots, 38 cycles from issue to data (30 + 8): bursts go out in pairs, one pair
  // every 38 cycles at best; 16 bursts alternate between the two LOADs. Burst j (0-based,
  // across both) issues at 38 * floor(j / 2)... and the second of each pair waits 8 more on
  // the bus: data of pair p done at 38p + 38 and 38p + 46; the next pair issues when the
  // first of the previous retires (38p + 38). Last pair p = 7: 304 and 312. The first LOAD
  // has the even bursts (ends at 304), the second the odd ones (ends at 312).
  Loaded l;
  Compared c;
  expect_exact("dma_outstanding", "tests/fixtures/rtl/dma_outstanding.schedule.json", sets, l, c);
  EXPECT_EQ(record_of(c.rtl_trace, 0).end, 304u);
  EXPECT_EQ(record_of(c.rtl_trace, 1).end, 312u);
}

TEST(RtlAgreement, BankConflict) {
  Loaded l;
  Compared c;
  expect_exact("bank_conflict", "tests/fixtures/rtl/bank_conflict.schedule.json", {}, l, c);
  // The COMPUTE owes bank 0 2048 / 8 = 256 cycles; the STORE's 32 lines on bank 0 wait for
  // them: 256 + 32 = 288; the LOAD's 32 lines per bank (bank 0, after the STORE) end at 320.
  EXPECT_EQ(record_of(c.rtl_trace, 1).end, 288u);
  EXPECT_EQ(record_of(c.rtl_trace, 2).end, 320u);
  // The STORE and the first LOAD find bank 0 busy; the LOAD into bank 2 does not.
  EXPECT_EQ(c.rtl.bank_conflicts, 2);
}

// The expected COMPUTE durations of gemm_tile.npg's schedule, by command id. The cost model
// keeps N = 12 whole (8- and 4-channel tiles would take the same folds and more commands);
// with os it cuts M = 20 into rows of 7, 7 and 6, each one fold of rows, so that the next
// tile's LOAD overlaps this tile's folds.
void expect_compute_cycles(const std::string &name, std::vector<std::string> sets,
                           const std::vector<std::pair<uint32_t, uint64_t>> &want, int64_t outputs) {
  Loaded l;
  Compared c;
  expect_exact(name, "tests/fixtures/rtl/gemm_tile.npg", sets, l, c);
  size_t computes = 0;
  for (size_t i = 0; i < l.schedule.n_cmds; i++) computes += l.schedule.cmds[i].kind == NP_CMD_COMPUTE;
  EXPECT_EQ(computes, want.size());
  for (auto &[cmd, cycles] : want) {
    NpTraceRecord r = record_of(c.rtl_trace, cmd);
    EXPECT_EQ(r.kind, NP_TRACE_COMPUTE) << "command " << cmd;
    EXPECT_EQ(r.end - r.start, cycles) << "command " << cmd;
  }
  EXPECT_EQ(c.rtl.outputs_checked, outputs);
}

TEST(RtlAgreement, GemmTileWeightStationary) {
  // ws, per fold 2R + C + M - 2 = 16 + 8 + 20 - 2 = 42; folds ceil(40/8) x ceil(12/8) = 10:
  // 420 for the one 20x12x40 tile.
  expect_compute_cycles("gemm_ws", {}, {{2, 420}}, 20 * 12);
}

TEST(RtlAgreement, GemmTileOutputStationary) {
  // os, per fold R + C + K - 2 = 8 + 8 + 40 - 2 = 54; tiles of 7, 7 and 6 rows by 12
  // channels: ceil(7/8) x ceil(12/8) = 2 folds = 108 each.
  expect_compute_cycles("gemm_os", {"engines.npu.dataflow=os"}, {{2, 108}, {5, 108}, {8, 108}}, 20 * 12);
}

TEST(RtlAgreement, Sync) {
  Loaded l;
  Compared c;
  expect_exact("sync", "tests/fixtures/rtl/sync.schedule.json", {}, l, c);
}

TEST(RtlAgreement, SameCycleRounds) {
  Loaded l;
  Compared c;
  expect_exact("same_cycle", "tests/fixtures/rtl/same_cycle.schedule.json", {}, l, c);
  // By hand (docs/timing.md, "Rounds within a cycle"). Vector engine, 80 elements over 8
  // lanes = 10 cycles a COMPUTE. At 10, COMPUTE 0 ends; the free SYNC 1 (vector -> vector,
  // 0 cycles) ends in the same pass, so COMPUTE 2 and 3 are both ready when the engine is
  // free: 2 (lower id) runs 10-20, 3 waits and runs 20-30.
  EXPECT_EQ(record_of(c.rtl_trace, 2).start, 10u);
  EXPECT_EQ(record_of(c.rtl_trace, 2).end, 20u);
  EXPECT_EQ(record_of(c.rtl_trace, 3).start, 20u);
  EXPECT_EQ(record_of(c.rtl_trace, 3).end, 30u);
  // At 0, LOAD 4 (256 B, 4 bursts) starts; the empty LOAD 5 starts with it and ends at once,
  // so LOAD 6 (128 B, 2 bursts) starts in a second round at 0. The DMA issues once, with both
  // queued: A0 B0 A1 B1 (4 outstanding), bus 8 cycles a burst from 10: B1 ends at 42; A2
  // issues when A0 retires (18) and A3 when B0 does (26), and follow on the bus: 50, 58.
  EXPECT_EQ(record_of(c.rtl_trace, 6).end, 42u);
  EXPECT_EQ(record_of(c.rtl_trace, 4).end, 58u);
}

// One LOAD of 1024 B at DRAM address 192 in 2 runs of 512 B, rows of 256 B, a row miss 20
// cycles (docs/timing.md, "Row model"): per run, burst j opens a row at j = 0 (first of its
// run), j = 1 (address 192 + 64 = 256 starts row 1) and j = 5 (512 starts row 2): 6 misses.
// The bus (8 cycles a burst) never idles from 10 on: 10 + 16 x 8 + 6 x 20 = 258.
TEST(RtlAgreement, DramRows) {
  Loaded l;
  Compared c;
  expect_exact("dma_rows", "tests/fixtures/rtl/dma_rows.schedule.json",
               {"dram.row_bytes=256", "dram.row_miss_cycles=20"}, l, c);
  EXPECT_EQ(c.rtl.cycles, 258);
}

// Rows of 256 B, 20-cycle misses, 2 channels of 8 B/cycle each.
std::vector<std::string> rows_on_two_channels() {
  return {"dram.row_bytes=256", "dram.row_miss_cycles=20", "dram.channels=2", "dram.bandwidth_gb_per_s=1.6GB/s"};
}

// The same LOAD on 2 channels (8 cycles a burst on each), rows of 256 B per channel: a row
// spans 512 B of address. Per run, j = 0 and 1 (first on each channel) and j = 5, 6 (address
// 512 and 576 lie in row 1, their channel's previous burst in row 0) open rows: 8 misses,
// bursts alternating from channel 1 (192 / 64 mod 2). Worked burst by burst with 4 in flight
// (issue on retirement, each channel's bus in request order): the last burst, on channel 0,
// starts at 152 and ends at 160.
TEST(RtlAgreement, DramRowsTwoChannels) {
  Loaded l;
  Compared c;
  expect_exact("dma_rows_2ch", "tests/fixtures/rtl/dma_rows.schedule.json", rows_on_two_channels(), l, c);
  EXPECT_EQ(c.rtl.cycles, 160);
}

TEST(RtlAgreement, DsCnnWithDramRowsAgreesExactly) {
  Loaded l;
  Compared c;
  expect_exact("ds_cnn_rows", "models/ds_cnn_kws.onnx", rows_on_two_channels(), l, c);
}

TEST(RtlAgreement, DsCnnOnRtlSmall) {
  Loaded l;
  load(l, "models/ds_cnn_kws.onnx");
  Compared c;
  compare("ds_cnn", l, 0.02, c);
  ASSERT_TRUE(c.ok);
  uint64_t a_total = 0, b_total = 0;
  for (size_t i = 0; i < c.diff.n_layers; i++) {
    const NpTraceLayerDelta &d = c.diff.layers[i];
    EXPECT_LE(std::abs(d.rel), 0.02) << "layer " << d.layer << ": model " << d.a_cycles << ", rtl " << d.b_cycles;
  }
  for (size_t i = 0; i < c.diff.n_commands; i++) {
    a_total = std::max(a_total, c.diff.commands[i].a_end);
    b_total = std::max(b_total, c.diff.commands[i].b_end);
  }
  ASSERT_GT(a_total, 0u);
  double rel = ((double)b_total - (double)a_total) / (double)a_total;
  EXPECT_LE(std::abs(rel), 0.01) << "model " << a_total << " cycles, rtl " << b_total;
  EXPECT_GT(c.rtl.array_commands, 0);
  EXPECT_GT(c.rtl.outputs_checked, 0);
}

// A schedule of n independent commands built in memory (no layers, no dependencies).
struct Independent {
  std::vector<NpCommand> cmds;
  NpSchedule schedule{};
  Independent(size_t n, NpCmdKind kind) : cmds(n) {
    for (size_t i = 0; i < n; i++) {
      NpCommand &c = cmds[i];
      c.id = (int32_t)i;
      c.kind = kind;
      c.bytes = kind == NP_CMD_LOAD ? 64 : 0;
      c.dram_runs = 1;
      c.dram_addr = (int64_t)i * 64;
      c.banks = 1;
      c.from_engine = 0;
      c.to_engine = 2;  // npu -> cpu: 100 cycles on rtl-small
    }
    schedule.cmds = cmds.data();
    schedule.n_cmds = n;
    schedule.n_engines = 3;
  }
};

TEST(RtlSequencer, EightTransfersStartTogether) {
  // Eight LOADs of one burst each start at 0 on the eight DMA lanes; the fourth outstanding
  // burst fills the window (4), so bursts go out as earlier ones retire: L + 8 x 8 = 74.
  Loaded l;
  load(l, "tests/fixtures/rtl/dma_single.schedule.json");
  Independent s(8, NP_CMD_LOAD);
  RtlRunResult res;
  ASSERT_TRUE(np_rtl_run(&s.schedule, &l.arch, "", &res)) << res.error;
  EXPECT_EQ(res.cycles, 74);
}

TEST(RtlSequencer, NineTransfersInOneCycleAreRefused) {
  Loaded l;
  load(l, "tests/fixtures/rtl/dma_single.schedule.json");
  Independent s(9, NP_CMD_LOAD);
  RtlRunResult res;
  EXPECT_FALSE(np_rtl_run(&s.schedule, &l.arch, "", &res));
  EXPECT_NE(res.error.find("cycle 0, command 8"), std::string::npos) << res.error;
}

TEST(RtlSequencer, MoreRunningCommandsThanEntriesAreRefused) {
  Loaded l;
  load(l, "tests/fixtures/rtl/dma_single.schedule.json");
  Independent fits(32, NP_CMD_SYNC);
  RtlRunResult res;
  ASSERT_TRUE(np_rtl_run(&fits.schedule, &l.arch, "", &res)) << res.error;
  EXPECT_EQ(res.cycles, 100);  // 32 SYNCs of 100 cycles side by side
  Independent over(33, NP_CMD_SYNC);
  EXPECT_FALSE(np_rtl_run(&over.schedule, &l.arch, "", &res));
  EXPECT_NE(res.error.find("command 32: more commands run at once"), std::string::npos) << res.error;
}

// The RTL is one array: a config with several cores is refused, naming the key, before it runs.
TEST(RtlHarness, AnArrayOfSeveralCoresIsRefused) {
  Loaded l;
  load(l, "tests/fixtures/rtl/dma_single.schedule.json", {"engines.npu.cores=2"});
  RtlRunResult res;
  EXPECT_FALSE(np_rtl_run(&l.schedule, &l.arch, "", &res));
  EXPECT_NE(res.error.find("the RTL MAC array is one core (cores: 1)"), std::string::npos) << res.error;
}

// A schedule lowered for another config (here: rtl-small with one more cycle of DRAM latency)
// is refused, naming both configs' hashes, before the RTL runs it.
TEST(RtlHarness, AScheduleFromAnotherConfigIsRefused) {
  std::string dir = scratch_dir(), src = NPUSIM_SOURCE_DIR, cli = NPUSIM_CLI, rtl = NPUSIM_RTL_CLI;
  std::string config = src + "/configs/rtl-small.yaml", model = src + "/models/micro/gemm.npg";
  std::string schedule = dir + "/other.json", err = dir + "/err.txt";
  ASSERT_EQ(std::system(("'" + cli + "' schedule '" + model + "' --config '" + config +
                         "' --set dram.latency_cycles=21 --json > '" + schedule + "'")
                            .c_str()),
            0);
  int status = std::system(("'" + rtl + "' --config '" + config + "' --schedule '" + schedule + "' -o '" + dir +
                            "/rtl.npt.zst' 2> '" + err + "'")
                               .c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  std::string message = read_file(err);
  EXPECT_NE(message.find(schedule + ": error: the schedule was lowered for config 'rtl-small' (hash "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("not for 'rtl-small' (hash "), std::string::npos) << message;
}

}  // namespace
