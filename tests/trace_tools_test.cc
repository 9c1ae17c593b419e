// npusim trace dump | stats | perfetto | diff on small hand-made traces, with the expected
// numbers worked out by hand in the comments.
#include <gtest/gtest.h>
#include <jansson.h>

#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"
#include "trace_support.h"

namespace {

// Five commands and one SRAM-bank record:
//   cmd 0 LOAD    dma 0     [0, 100)    1000 B, 16 bursts, dram stall 10          layer 0
//   cmd 1 LOAD    dma 0     [50, 150)    500 B,  8 bursts, outstanding stall 20   layer 0
//   cmd 2 COMPUTE engine 0  [150, 350)  2048 B, bank-conflict 30, dependency 50,  layer 1
//                                       unit-busy 7
//   cmd 2 COMPUTE bank 3    [150, 250)  (its bank window)                         layer 1
//   cmd 3 COMPUTE engine 1  [200, 300)                                            layer 1
//   cmd 4 STORE   dma 1     [350, 400)   256 B,  4 bursts                         layer 2
std::vector<NpTraceRecord> small_trace() {
  std::vector<NpTraceRecord> r;
  r.push_back(make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 100, 1000));
  r.back().bursts = 16;
  r.back().stall[NP_TRACE_STALL_DRAM] = 10;
  r.push_back(make_record(1, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 50, 150, 500));
  r.back().bursts = 8;
  r.back().stall[NP_TRACE_STALL_OUTSTANDING] = 20;
  r.push_back(make_record(2, 1, NP_TRACE_COMPUTE, NP_TRACE_UNIT_ENGINE, 0, 150, 350, 2048));
  r.back().stall[NP_TRACE_STALL_BANK_CONFLICT] = 30;
  r.back().stall[NP_TRACE_STALL_DEPENDENCY] = 50;
  r.back().stall[NP_TRACE_STALL_UNIT] = 7;
  r.push_back(make_record(2, 1, NP_TRACE_COMPUTE, NP_TRACE_UNIT_BANK, 3, 150, 250));
  r.push_back(make_record(3, 1, NP_TRACE_COMPUTE, NP_TRACE_UNIT_ENGINE, 1, 200, 300));
  r.push_back(make_record(4, 2, NP_TRACE_STORE, NP_TRACE_UNIT_DMA, 1, 350, 400, 256));
  r.back().bursts = 4;
  return r;
}

std::string write_small(const std::string &name, const std::vector<NpTraceRecord> &records, double clock = 1000.0) {
  std::string path = scratch_dir() + "/" + name;
  std::string error = write_trace(path, test_header(clock), records);
  EXPECT_EQ(error, "");
  return path;
}

const NpTraceUnitStats *find_unit(const NpTraceStats &s, NpTraceUnitKind kind, unsigned unit) {
  for (size_t i = 0; i < s.n_units; i++)
    if (s.units[i].kind == kind && s.units[i].unit == unit) return &s.units[i];
  return nullptr;
}

TEST(TraceStats, HandComputedTotalsAndUtilization) {
  std::string path = write_small("small.npt.zst", small_trace(), 500.0);
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceStats s;
  ASSERT_TRUE(np_trace_stats(path.c_str(), &s, &diag)) << diag_text(diag);
  EXPECT_EQ(s.records, 6u);
  EXPECT_EQ(s.first_start, 0u);
  EXPECT_EQ(s.last_end, 400u);  // span 400 cycles
  EXPECT_EQ(s.bytes, 3804u);    // 1000 + 500 + 2048 + 256
  EXPECT_EQ(s.bursts, 28u);     // 16 + 8 + 4
  EXPECT_EQ(s.kinds[NP_TRACE_LOAD].records, 2u);
  EXPECT_EQ(s.kinds[NP_TRACE_LOAD].cycles, 200u);     // 100 + 100
  EXPECT_EQ(s.kinds[NP_TRACE_COMPUTE].records, 2u);   // commands 2 and 3: the bank record is detail
  EXPECT_EQ(s.kinds[NP_TRACE_COMPUTE].cycles, 300u);  // 200 + 100
  EXPECT_EQ(s.kinds[NP_TRACE_STORE].cycles, 50u);
  EXPECT_EQ(s.kinds[NP_TRACE_SYNC].records, 0u);
  EXPECT_EQ(s.stall[NP_TRACE_STALL_DRAM], 10u);
  EXPECT_EQ(s.stall[NP_TRACE_STALL_BANK_CONFLICT], 30u);
  EXPECT_EQ(s.stall[NP_TRACE_STALL_DEPENDENCY], 50u);
  EXPECT_EQ(s.stall[NP_TRACE_STALL_OUTSTANDING], 20u);
  EXPECT_EQ(s.stall[NP_TRACE_STALL_UNIT], 7u);

  ASSERT_EQ(s.n_units, 5u);
  // Sorted by kind then index: engine 0, engine 1, dma 0, dma 1, bank 3.
  EXPECT_EQ(s.units[0].kind, NP_TRACE_UNIT_ENGINE);
  EXPECT_EQ(s.units[4].kind, NP_TRACE_UNIT_BANK);
  const NpTraceUnitStats *dma0 = find_unit(s, NP_TRACE_UNIT_DMA, 0);
  ASSERT_NE(dma0, nullptr);
  EXPECT_EQ(dma0->busy_cycles, 150u);  // [0,100) u [50,150) = [0,150), not 100 + 100
  EXPECT_DOUBLE_EQ(dma0->utilization, 150.0 / 400.0);
  EXPECT_EQ(dma0->bytes, 1500u);
  EXPECT_DOUBLE_EQ(find_unit(s, NP_TRACE_UNIT_ENGINE, 0)->utilization, 200.0 / 400.0);
  EXPECT_DOUBLE_EQ(find_unit(s, NP_TRACE_UNIT_ENGINE, 1)->utilization, 100.0 / 400.0);
  EXPECT_DOUBLE_EQ(find_unit(s, NP_TRACE_UNIT_DMA, 1)->utilization, 50.0 / 400.0);
  EXPECT_DOUBLE_EQ(find_unit(s, NP_TRACE_UNIT_BANK, 3)->utilization, 100.0 / 400.0);
  np_trace_stats_free(&s);
  np_diag_free(&diag);

  CliResult cli = run_npusim("trace stats '" + path + "'");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("cycles 0 to 400: 400 cycles, 0.800 us"), std::string::npos) << cli.out;  // 400 / 500 MHz
  EXPECT_NE(cli.out.find("dma ch0"), std::string::npos);
  EXPECT_NE(cli.out.find("37.5%"), std::string::npos) << cli.out;  // dma ch0: 150 / 400
}

// The table names each record's unit as stats does; the CSV keeps the raw index, a core's
// being engine x 256 + core (trace.h): engine 1's core 3 is 259.
TEST(TraceDump, TableNamesCoresCsvKeepsTheIndex) {
  std::vector<NpTraceRecord> r;
  r.push_back(make_record(0, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 1, 0, 50, 64));
  r.push_back(make_record(1, 0, NP_TRACE_COMPUTE, NP_TRACE_UNIT_ENGINE, 1, 50, 150));
  r.push_back(make_record(1, 0, NP_TRACE_COMPUTE, NP_TRACE_UNIT_CORE, np_trace_core_unit(1, 3), 50, 140));
  std::string path = write_small("cores.npt.zst", r);
  CliResult table = run_npusim("trace dump '" + path + "'");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(" COMPUTE  engine 1 core 3 "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" LOAD     dma ch1 "), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("259"), std::string::npos) << table.out;
  CliResult csv = run_npusim("trace dump --csv '" + path + "'");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("\n1,0,COMPUTE,core,259,50,140,90,"), std::string::npos) << csv.out;
}

TEST(TraceDump, TableLimitAndCsv) {
  std::string path = write_small("small.npt.zst", small_trace());
  CliResult all = run_npusim("trace dump '" + path + "'");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("rtl-small"), std::string::npos);
  EXPECT_NE(all.out.find("1000 MHz"), std::string::npos);
  EXPECT_NE(all.out.find("6 records"), std::string::npos);

  CliResult limited = run_npusim("trace dump '" + path + "' --limit 2");
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_NE(limited.out.find("... 4 more records"), std::string::npos) << limited.out;

  CliResult csv = run_npusim("trace dump --csv '" + path + "'");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "command,layer,kind,unit_kind,unit,start,end,cycles,bytes,bursts,"
            "stall_dram,stall_bank_conflict,stall_dependency,stall_outstanding,stall_unit");
  EXPECT_NE(csv.out.find("\n2,1,COMPUTE,engine,0,150,350,200,2048,0,0,30,50,0,7\n"), std::string::npos) << csv.out;
  size_t lines = 0;
  for (char c : csv.out) lines += c == '\n';
  EXPECT_EQ(lines, 7u);  // header row + 6 records

  CliResult bad = run_npusim("trace dump '" + scratch_dir() + "/none.npt.zst'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("none.npt.zst: error: cannot open"), std::string::npos) << bad.err;
}

TEST(TracePerfetto, TracksEventsAndMicrosecondTimes) {
  std::string path = write_small("small.npt.zst", small_trace(), 1000.0);  // 1 cycle = 0.001 us
  std::string out = scratch_dir() + "/small.json";
  CliResult cli = run_npusim("trace perfetto '" + path + "' -o '" + out + "'");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  json_error_t error;
  json_t *root = json_load_file(out.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text;
  json_t *events = json_object_get(root, "traceEvents");
  ASSERT_TRUE(json_is_array(events));
  size_t processes = 0, threads = 0, slices = 0;
  bool saw_second_lane = false, saw_command2 = false;
  for (size_t i = 0; i < json_array_size(events); i++) {
    json_t *e = json_array_get(events, i);
    std::string name = json_string_value(json_object_get(e, "name"));
    std::string ph = json_string_value(json_object_get(e, "ph"));
    if (ph == "M" && name == "process_name") processes++;
    if (ph == "M" && name == "thread_name") {
      threads++;
      std::string thread = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
      if (thread == "dma ch0 #2") saw_second_lane = true;
    }
    if (ph != "X") continue;
    slices++;
    json_t *args = json_object_get(e, "args");
    if (json_integer_value(json_object_get(args, "command")) == 2 &&
        json_integer_value(json_object_get(e, "pid")) == 1) {  // engines
      saw_command2 = true;
      EXPECT_DOUBLE_EQ(json_number_value(json_object_get(e, "ts")), 0.150);   // cycle 150 at 1000 MHz
      EXPECT_DOUBLE_EQ(json_number_value(json_object_get(e, "dur")), 0.200);  // 200 cycles
      EXPECT_EQ(json_integer_value(json_object_get(args, "layer")), 1);
      EXPECT_EQ(json_integer_value(json_object_get(args, "bytes")), 2048);
      EXPECT_EQ(json_integer_value(json_object_get(args, "stall_bank_conflict")), 30);
      EXPECT_EQ(json_integer_value(json_object_get(args, "stall_dependency")), 50);
      EXPECT_EQ(json_integer_value(json_object_get(args, "stall_unit")), 7);
    }
  }
  EXPECT_EQ(processes, 3u);  // engines, DMA channels, SRAM banks
  // engine 0, engine 1, dma ch0, dma ch0 #2 (cmd 1 overlaps cmd 0 on channel 0), dma ch1, bank 3
  EXPECT_EQ(threads, 6u);
  EXPECT_TRUE(saw_second_lane);
  EXPECT_EQ(slices, 6u);
  EXPECT_TRUE(saw_command2);
  json_decref(root);

  // A bad input leaves no output behind.
  std::string bad = write_scratch("bad.npt.zst", "not a trace");
  std::string out2 = scratch_dir() + "/bad.json";
  CliResult failed = run_npusim("trace perfetto '" + bad + "' -o '" + out2 + "'");
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_NE(failed.err.find("bad.npt.zst: error: not a zstd-compressed file"), std::string::npos) << failed.err;
  EXPECT_TRUE(read_file(out2).empty());
}

// Perfetto's importer drops a slice that overlaps the one before it on a thread, and files
// tid 0 under the thread whose tid equals the pid; the JSON must give it neither chance.
TEST(TracePerfetto, BackToBackSlicesStayBackToBackAndTidsAreDistinct) {
  // 300 MHz: a cycle is 3.333 ns. Slices [2, 4) and [4, 5) on engine 0: 6.667 -> 7 ns,
  // 13.333 -> 13 ns, 16.667 -> 17 ns. Rounded once per end: (ts 0.007, dur 0.006) and
  // (ts 0.013, dur 0.004). (ts 0.00667, dur 0.00667) would round to 7 + 7 = 14 > 13.
  std::vector<NpTraceRecord> r;
  r.push_back(make_record(0, 0, NP_TRACE_COMPUTE, NP_TRACE_UNIT_ENGINE, 0, 2, 4));
  r.push_back(make_record(1, 0, NP_TRACE_COMPUTE, NP_TRACE_UNIT_ENGINE, 0, 4, 5));
  r.push_back(make_record(2, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 0, 3));
  r.push_back(make_record(3, 0, NP_TRACE_LOAD, NP_TRACE_UNIT_DMA, 0, 1, 3));  // a second lane
  std::string path = write_small("b2b.npt.zst", r, 300.0);
  std::string out = scratch_dir() + "/b2b.json";
  CliResult cli = run_npusim("trace perfetto '" + path + "' -o '" + out + "'");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::string text = read_file(out);
  EXPECT_NE(text.find("\"ts\":0.007,\"dur\":0.006"), std::string::npos) << text;
  EXPECT_NE(text.find("\"ts\":0.013,\"dur\":0.004"), std::string::npos) << text;
  json_error_t error;
  json_t *root = json_load_file(out.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text;
  json_t *events = json_object_get(root, "traceEvents");
  std::vector<std::pair<json_int_t, json_int_t>> tracks;
  for (size_t i = 0; i < json_array_size(events); i++) {
    json_t *e = json_array_get(events, i);
    if (std::string(json_string_value(json_object_get(e, "name"))) != "thread_name") continue;
    json_int_t pid = json_integer_value(json_object_get(e, "pid")), tid = json_integer_value(json_object_get(e, "tid"));
    EXPECT_NE(tid, 0);
    EXPECT_NE(tid, pid);
    for (auto &[p, t] : tracks) EXPECT_NE(t, tid) << "pid " << p << " and " << pid;
    tracks.push_back({pid, tid});
  }
  EXPECT_EQ(tracks.size(), 3u);  // engine 0, dma ch0, dma ch0 #2
  json_decref(root);
}

TEST(TraceDiff, IdenticalTracesAgree) {
  std::string a = write_small("a.npt.zst", small_trace());
  std::string b = write_small("b.npt.zst", small_trace());
  CliResult cli = run_npusim("trace diff '" + a + "' '" + b + "'");
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("matched        5 commands, 0 outside tolerance"), std::string::npos) << cli.out;
}

// B: command 2 ends 10 cycles later (duration 200 -> 210, end 350 -> 360).
std::vector<NpTraceRecord> longer_command2() {
  std::vector<NpTraceRecord> r = small_trace();
  r[2].end += 10;
  return r;
}

TEST(TraceDiff, OneCommandTenCyclesLonger) {
  std::string a = write_small("a.npt.zst", small_trace());
  std::string b = write_small("b.npt.zst", longer_command2());
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 5").exit_code, 1);
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 9").exit_code, 1);
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 10").exit_code, 0);
  // Relative: 10 / 200 = 5% of the duration; the end delta 10 / 350 = 2.9%.
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + b + "' --tol-rel 0.05").exit_code, 0);
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + b + "' --tol-rel 0.04").exit_code, 1);

  CliResult cli = run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 5 --json");
  ASSERT_EQ(cli.exit_code, 1) << cli.err;
  json_error_t error;
  json_t *root = json_loads(cli.out.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text << "\n" << cli.out;
  EXPECT_FALSE(json_is_true(json_object_get(root, "agree")));
  EXPECT_EQ(json_integer_value(json_object_get(root, "matched")), 5);
  EXPECT_EQ(json_integer_value(json_object_get(root, "outside_tolerance")), 1);
  json_t *err = json_object_get(root, "error");
  EXPECT_EQ(json_integer_value(json_object_get(err, "max_abs_duration")), 10);
  EXPECT_DOUBLE_EQ(json_number_value(json_object_get(err, "mean_abs_duration")), 2.0);  // 10 / 5 commands
  json_t *worst = json_object_get(root, "worst");
  ASSERT_EQ(json_array_size(worst), 1u);
  EXPECT_EQ(json_integer_value(json_object_get(json_array_get(worst, 0), "command")), 2);
  EXPECT_EQ(json_integer_value(json_object_get(json_array_get(worst, 0), "d_duration")), 10);
  // Layer 1 spans [150, 350) in A and [150, 360) in B: +10 cycles, +5%. Layers 0 and 2 unchanged.
  json_t *layers = json_object_get(root, "layers");
  ASSERT_EQ(json_array_size(layers), 3u);
  json_t *layer1 = json_array_get(layers, 1);
  EXPECT_EQ(json_integer_value(json_object_get(layer1, "layer")), 1);
  EXPECT_EQ(json_integer_value(json_object_get(layer1, "a_cycles")), 200);
  EXPECT_EQ(json_integer_value(json_object_get(layer1, "delta")), 10);
  EXPECT_DOUBLE_EQ(json_number_value(json_object_get(layer1, "rel")), 0.05);
  EXPECT_EQ(json_integer_value(json_object_get(json_array_get(layers, 0), "delta")), 0);
  json_decref(root);

  CliResult text = run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 5");
  EXPECT_NE(text.out.find("+10"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("OUTSIDE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("+5.00%"), std::string::npos) << text.out;
}

TEST(TraceDiff, ErrorSummariesAndWorstOrder) {
  // B: command 2 +10 cycles, command 3 ends 4 cycles early (duration 100 -> 96).
  std::vector<NpTraceRecord> records = longer_command2();
  records[4].end -= 4;
  std::string a = write_small("a.npt.zst", small_trace());
  std::string b = write_small("b.npt.zst", records);
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceDiff d;
  NpTraceDiffOptions options = {4, 0.0};
  ASSERT_TRUE(np_trace_diff(a.c_str(), b.c_str(), &options, &d, &diag)) << diag_text(diag);
  EXPECT_EQ(d.n_commands, 5u);  // the bank record is not a command of its own
  EXPECT_EQ(d.max_abs_duration, 10u);
  EXPECT_DOUBLE_EQ(d.mean_abs_duration, (10.0 + 4.0) / 5.0);
  EXPECT_DOUBLE_EQ(d.mean_abs_end, (10.0 + 4.0) / 5.0);
  ASSERT_EQ(d.n_worst, 2u);
  EXPECT_EQ(d.worst[0].command, 2u);
  EXPECT_EQ(d.worst[1].command, 3u);
  EXPECT_EQ(d.worst[1].d_duration, -4);
  EXPECT_TRUE(d.worst[1].within);  // |-4| <= 4
  EXPECT_FALSE(d.worst[0].within);
  EXPECT_EQ(d.n_outside, 1u);
  EXPECT_FALSE(d.agree);
  np_trace_diff_free(&d);
  np_diag_free(&diag);
}

TEST(TraceDiff, MismatchedCommandSets) {
  std::vector<NpTraceRecord> records = small_trace();
  records.pop_back();  // no command 4
  records.push_back(make_record(9, 2, NP_TRACE_SYNC, NP_TRACE_UNIT_ENGINE, 1, 400, 410));
  std::string a = write_small("a.npt.zst", small_trace());
  std::string b = write_small("b.npt.zst", records);
  CliResult cli = run_npusim("trace diff '" + a + "' '" + b + "' --tol-cycles 1000");
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("only in A (1): 4"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("only in B (1): 9"), std::string::npos) << cli.out;
}

TEST(TraceDiff, BadInputIsExitTwoAndNamed) {
  std::string a = write_small("a.npt.zst", small_trace());
  std::string bytes = read_file(a);
  std::string cut = write_scratch("cut.npt.zst", bytes.substr(0, bytes.size() - 3));
  CliResult truncated = run_npusim("trace diff '" + a + "' '" + cut + "'");
  EXPECT_EQ(truncated.exit_code, 2);
  EXPECT_NE(truncated.err.find(cut + ": error: truncated trace"), std::string::npos) << truncated.err;

  CliResult missing = run_npusim("trace diff '" + a + "' '" + scratch_dir() + "/nope.npt.zst'");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.npt.zst: error: cannot open"), std::string::npos) << missing.err;

  std::vector<NpTraceRecord> twice = small_trace();
  twice.push_back(twice[0]);
  std::string dup = write_small("dup.npt.zst", twice);
  CliResult duplicate = run_npusim("trace diff '" + a + "' '" + dup + "'");
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_NE(duplicate.err.find("command 0 has two records"), std::string::npos) << duplicate.err;

  EXPECT_EQ(run_npusim("trace diff '" + a + "'").exit_code, 2);
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + a + "' --tol-rel -1").exit_code, 2);
  EXPECT_EQ(run_npusim("trace diff '" + a + "' '" + a + "' --tol-cycles x").exit_code, 2);
}

TEST(TraceCli, HelpForEverySubcommand) {
  for (const char *sub : {"", " dump", " stats", " perfetto", " diff"}) {
    CliResult cli = run_npusim(std::string("trace") + sub + " --help");
    EXPECT_EQ(cli.exit_code, 0) << sub;
    EXPECT_NE(cli.out.find("usage: npusim trace"), std::string::npos) << sub;
  }
  EXPECT_EQ(run_npusim("trace frobnicate").exit_code, 2);
  EXPECT_EQ(run_npusim("trace").exit_code, 2);
}

}  // namespace

namespace {

// A run's trace carries the engine and layer names; Perfetto, stats and diff show them, and
// diff refuses traces of different schedules or configs unless --force.
TEST(TraceNames, RunTracesNameEnginesAndLayers) {
  std::string dir = scratch_dir();
  std::string cold = dir + "/cold.npt.zst", warm = dir + "/warm.npt.zst", json = dir + "/p.json";
  ASSERT_EQ(run_npusim("run models/micro/conv3x3.npg --trace " + cold).exit_code, 0);
  ASSERT_EQ(run_npusim("run models/micro/conv3x3.npg --trace-warm --trace " + warm).exit_code, 0);
  // models/micro/conv3x3.npg: one layer, conv1 (a Conv), on the phone-npu's engine 0, ane.
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(cold.c_str(), &diag);
  ASSERT_NE(reader, nullptr);
  const NpTraceHeader *h = np_trace_reader_header(reader);
  EXPECT_EQ(h->version, 2);
  EXPECT_STREQ(np_trace_engine_name(h, 0), "ane");
  EXPECT_STREQ(np_trace_layer_name(h, 0), "conv1");
  EXPECT_STREQ(np_trace_layer_op(h, 0), "Conv");
  EXPECT_EQ(np_trace_layer_name(h, 1), nullptr);
  np_trace_reader_close(reader);
  np_diag_free(&diag);

  ASSERT_EQ(run_npusim("trace perfetto " + cold + " -o " + json).exit_code, 0);
  std::string p = read_file(json);
  EXPECT_NE(p.find("\"name\":\"conv1 COMPUTE\""), std::string::npos);
  EXPECT_NE(p.find("\"args\":{\"name\":\"ane\"}"), std::string::npos);
  EXPECT_NE(p.find("\"args\":{\"name\":\"dma ch0\"}"), std::string::npos);
  EXPECT_NE(p.find("\"op\":\"Conv\""), std::string::npos);
  CliResult stats = run_npusim("trace stats " + cold);
  EXPECT_NE(stats.out.find("\nane "), std::string::npos) << stats.out;

  // Cold and warm inferences are different schedules: refused, then compared with --force.
  CliResult refused = run_npusim("trace diff " + cold + " " + warm);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("are traces of different schedules"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("pass --force"), std::string::npos);
  EXPECT_EQ(refused.out, "");
  CliResult forced = run_npusim("trace diff " + cold + " " + warm + " --force");
  EXPECT_EQ(forced.exit_code, 1) << forced.err;  // the warm one loads no weights: it differs
  EXPECT_NE(forced.out.find("conv1"), std::string::npos) << forced.out;
  EXPECT_EQ(run_npusim("trace diff " + cold + " " + cold).exit_code, 0);
  // Another config: refused naming both.
  std::string other = dir + "/other.npt.zst";
  ASSERT_EQ(run_npusim("run models/micro/conv3x3.npg --set sram.banks=8 --trace " + other).exit_code, 0);
  CliResult configs = run_npusim("trace diff " + cold + " " + other);
  EXPECT_EQ(configs.exit_code, 2);
  EXPECT_NE(configs.err.find("are traces of different configs (phone-npu, hash"), std::string::npos) << configs.err;
}

}  // namespace
