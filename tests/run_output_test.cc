// npusim run's outputs: byte-identical repeats (JSON, CSV, traces), atomic -o, the trace's
// header and records, CSV columns, the JSON schema documented in docs/formats.md, bad usage.
#include <cstdlib>
#include <set>

#include "run_support.h"

extern "C" {
#include "trace/trace.h"
}

namespace {

const char *kChain = "models/micro/chain.npg";

TEST(RunOutput, TwoRunsGiveByteIdenticalJsonCsvAndTraces) {
  std::string dir = scratch_dir();
  for (const char *model : {kChain, "models/mobilenet_v3_small.onnx"}) {
    for (const char *format : {"--json", "--csv", "--csv --per-layer", "--per-layer"}) {
      std::string args = std::string("run ") + model + " " + format;
      CliResult a = run_npusim(args + " --trace '" + dir + "/a.npt.zst'");
      CliResult b = run_npusim(args + " --trace '" + dir + "/b.npt.zst'");
      ASSERT_EQ(a.exit_code, 0) << a.err;
      ASSERT_EQ(b.exit_code, 0) << b.err;
      // The outputs name their trace file; everything else must match byte for byte.
      std::string out_b = b.out;
      for (size_t p; (p = out_b.find("/b.npt.zst")) != std::string::npos;) out_b.replace(p, 10, "/a.npt.zst");
      EXPECT_EQ(a.out, out_b) << args;
      std::string ta = read_file(dir + "/a.npt.zst"), tb = read_file(dir + "/b.npt.zst");
      EXPECT_FALSE(ta.empty());
      EXPECT_EQ(ta, tb) << args;
    }
  }
}

TEST(RunOutput, OutputFileIsWrittenWhole) {
  std::string path = scratch_dir() + "/report.json";
  CliResult r = run_npusim(std::string("run ") + kChain + " --json -o '" + path + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  CliResult direct = run_npusim(std::string("run ") + kChain + " --json");
  EXPECT_EQ(read_file(path), direct.out);
  // A directory that does not exist: exit 2, the file named, nothing left behind.
  r = run_npusim(std::string("run ") + kChain + " -o '" + scratch_dir() + "/no/such/dir/r.txt'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no/such/dir/r.txt: error:"), std::string::npos) << r.err;
}

// The trace of the cold inference: one record per command, header naming the clock, the
// config (hash of its canonical YAML) and the cold schedule's hash; readable to its end.
TEST(RunOutput, TraceHoldsEveryCommandOfTheColdInference) {
  std::string trace = scratch_dir() + "/t.npt.zst";
  JsonPtr j = run_json(kGemmGraph, kTinyArch, "--trace '" + trace + "'");
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"trace", "inference"}), "cold");
  EXPECT_EQ(jint(j.get(), {"trace", "records"}), 4);  // LOAD w, LOAD x, COMPUTE, STORE
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(trace.c_str(), &diag);
  ASSERT_NE(reader, nullptr) << (diag.count ? diag.messages[0] : "");
  const NpTraceHeader *h = np_trace_reader_header(reader);
  EXPECT_EQ(h->source, NP_TRACE_SOURCE_MODEL);
  EXPECT_DOUBLE_EQ(h->clock_mhz, 1000);
  EXPECT_STREQ(h->config_name, "tiny");
  char hash[24];
  snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)h->schedule_hash);
  EXPECT_EQ(hash, jstr(j.get(), {"cold", "schedule_hash"}));
  snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)h->config_hash);
  EXPECT_EQ(hash, jstr(j.get(), {"config", "hash"}));
  // Cycles as worked in run_latency_test.cc: LOAD w [0,42), LOAD x [42,84), COMPUTE [84,500),
  // STORE [500,542).
  std::vector<NpTraceRecord> records;
  NpTraceRecord rec;
  int rc;
  while ((rc = np_trace_read(reader, &rec, &diag)) == 1) records.push_back(rec);
  EXPECT_EQ(rc, 0);
  np_trace_reader_close(reader);
  np_diag_free(&diag);
  ASSERT_EQ(records.size(), 4u);
  std::sort(records.begin(), records.end(), [](auto &a, auto &b) { return a.command < b.command; });
  uint64_t starts[] = {0, 42, 84, 500}, ends[] = {42, 84, 500, 542};
  for (int i = 0; i < 4; i++) {
    EXPECT_EQ(records[i].start, starts[i]) << i;
    EXPECT_EQ(records[i].end, ends[i]) << i;
  }
  EXPECT_EQ(records[0].unit_kind, NP_TRACE_UNIT_DMA);
  EXPECT_EQ(records[0].bytes, 256u);
  EXPECT_EQ(records[0].bursts, 4u);
  EXPECT_EQ(records[2].unit_kind, NP_TRACE_UNIT_ENGINE);
  EXPECT_EQ(records[2].unit, 0);
  // The COMPUTE touches 768 SRAM bytes; its engine was free from cycle 0 and its last
  // dependency ended at 84: 84 cycles waiting for dependencies, none for the unit.
  EXPECT_EQ(records[2].bytes, 768u);
  EXPECT_EQ(records[2].stall[NP_TRACE_STALL_DEPENDENCY], 84u);
  EXPECT_EQ(records[2].stall[NP_TRACE_STALL_UNIT], 0u);
}

// A COMPUTE on an engine of two cores adds a record per core that had a share. Worked by
// hand from docs/timing.md ("Cores", and ws's 2R + C + M - 2 cycles per fold) for the tiny
// config's 4x4 ws array with cores: 2 and core_sync_cycles: 10, on a GEMM of M = 11, K = 4,
// N = 4 (one fold whole):
//   cut N (2 channels each): 1 fold x (8 + 4 + 11 - 2) = 21, + 10 = 31
//   cut M (6 and 5 rows):    1 fold x (8 + 4 + 6 - 2) = 16, + 10 = 26   <- fewest
//   cut K (2 each):          21 + 10 + ceil(log2 2) x ceil(11 x 4 / 4) = 42
// so the COMPUTE takes 26 cycles, core 0 is busy 16 of them and core 1 (5 rows) 15.
TEST(RunOutput, TraceShowsEachCoreOfAMultiCoreEngine) {
  std::string arch = kTinyArch;
  size_t at = arch.find("    dataflow: ws\n");
  ASSERT_NE(at, std::string::npos);
  arch.insert(at, "    cores: 2\n    core_sync_cycles: 10\n");
  std::string trace = scratch_dir() + "/cores.npt.zst";
  JsonPtr j = run_json("graph g\ninput x int8 11x4\ngemm fc x -> y n=4 bias=no\noutput y\n", arch,
                       "--trace '" + trace + "'");
  ASSERT_TRUE(j.get());
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(trace.c_str(), &diag);
  ASSERT_NE(reader, nullptr) << (diag.count ? diag.messages[0] : "");
  std::vector<NpTraceRecord> compute, cores;
  NpTraceRecord rec;
  while (np_trace_read(reader, &rec, &diag) == 1) {
    if (rec.unit_kind == NP_TRACE_UNIT_CORE) cores.push_back(rec);
    if (rec.unit_kind == NP_TRACE_UNIT_ENGINE && rec.kind == NP_TRACE_COMPUTE) compute.push_back(rec);
  }
  np_trace_reader_close(reader);
  np_diag_free(&diag);
  ASSERT_EQ(compute.size(), 1u);
  EXPECT_EQ(compute[0].end - compute[0].start, 26u);
  ASSERT_EQ(cores.size(), 2u);
  for (int c = 0; c < 2; c++) {
    EXPECT_EQ(cores[c].unit, np_trace_core_unit(0, c));
    EXPECT_EQ(cores[c].command, compute[0].command);
    EXPECT_EQ(cores[c].kind, NP_TRACE_COMPUTE);
    EXPECT_EQ(cores[c].start, compute[0].start);
  }
  EXPECT_EQ(cores[0].end - cores[0].start, 16u);
  EXPECT_EQ(cores[1].end - cores[1].start, 15u);
  // trace stats counts one COMPUTE, and lists each core as a unit of its own.
  CliResult stats = run_npusim("trace stats '" + trace + "'");
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("npu core 0 "), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("npu core 1 "), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("COMPUTE          1 "), std::string::npos) << stats.out;
}

TEST(RunOutput, TraceWarmTracesTheWarmInference) {
  std::string trace = scratch_dir() + "/w.npt.zst";
  JsonPtr j = run_json(kGemmGraph, kTinyArch, "--trace '" + trace + "' --trace-warm");
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"trace", "inference"}), "warm");
  EXPECT_EQ(jint(j.get(), {"trace", "records"}), 3);  // no weight LOAD when warm
}

TEST(RunOutput, CsvColumnsAreStable) {
  CliResult r = run_npusim(std::string("run ") + kChain + " --csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string header = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(header,
            "model,config,dtype,cold_cycles,cold_ms,warm_cycles,warm_ms,throughput_per_s,sram_peak_bytes,"
            "sram_capacity_bytes,resident_weight_bytes,fallback_ops,cold_dram_read_bytes,cold_dram_write_bytes,"
            "warm_dram_read_bytes,warm_dram_write_bytes,macs,cold_energy_uj,warm_energy_uj,warm_mac_uj,"
            "warm_vector_uj,warm_sram_read_uj,warm_sram_write_uj,warm_dram_read_uj,warm_dram_write_uj,warm_sync_uj,"
            "warm_static_uj,warm_fj_per_mac,warm_avg_power_mw,battery_share_per_day,energy_missing,model_file,"
            "weight_bits,uncached_ms,cached_ms,first_request_ms");
  // One summary row after the header.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  r = run_npusim(std::string("run ") + kChain + " --csv --per-layer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  header = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(header,
            "model,config,dtype,layer,name,op,op_class,engine,on_accelerator,cold_cycles,warm_cycles,limit,"
            "array_utilization,macs,elements,weight_bytes,weights_resident,cold_dram_read_bytes,"
            "cold_dram_write_bytes,warm_dram_read_bytes,warm_dram_write_bytes,sram_peak_bytes,fallback_reason,model_file,"
            "warm_time_share,warm_compute_cycles,warm_dram_cycles,warm_sram_cycles,warm_sync_cycles,"
            "warm_stall_unit_cycles,warm_stall_dram_cycles,warm_stall_sram_bank_cycles,warm_weight_dram_read_bytes,"
            "warm_activation_dram_read_bytes,warm_activation_dram_write_bytes,warm_sram_read_bytes,warm_sram_write_bytes,"
            "warm_dram_gb_per_s,warm_sram_gb_per_s,warm_mac_uj,warm_vector_uj,warm_sram_read_uj,warm_sram_write_uj,"
            "warm_dram_read_uj,warm_dram_write_uj,warm_sync_uj,warm_dynamic_uj,weight_bits");
  // The JSON says how many layers there are: one row each.
  JsonPtr j = parse_json(run_npusim(std::string("run ") + kChain + " --json").out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ((size_t)std::count(r.out.begin(), r.out.end(), '\n'), 1 + json_array_size(at(j.get(), {"layers"})));
}

// Every shipped ONNX export names its graph "torch_jit": a generic exporter name gives way to
// the file's stem, and the file itself is in every CSV row.
TEST(RunOutput, GenericOnnxGraphNamesGiveWayToTheFileStem) {
  std::string model = source_path("models/squeezenet1_1.onnx");
  JsonPtr j = parse_json(run_npusim("run " + model + " --json").out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"model", "name"}), "squeezenet1_1");
  EXPECT_EQ(jstr(j.get(), {"model", "source"}), model);
  CliResult r = run_npusim("run " + model + " --csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string header = r.out.substr(0, r.out.find('\n'));
  std::string row = r.out.substr(r.out.find('\n') + 1);
  EXPECT_EQ(row.substr(0, row.find(',')), "squeezenet1_1") << row;
  // The row has no quoted fields: the model_file column is the header's.
  size_t column = std::count(header.begin(), header.begin() + header.find("model_file"), ',');
  size_t start = 0;
  for (size_t k = 0; k < column; k++) start = row.find(',', start) + 1;
  EXPECT_EQ(row.substr(start, row.find(',', start) - start), model) << row;
}

// A CSV field with a comma or a quote is quoted (RFC 4180): a fallback reason has both.
TEST(RunOutput, CsvQuotesFallbackReasons) {
  std::string graph = R"(graph fb
input x int8 16x16
softmax sm x -> y
output y
)";
  CliResult r = run_on(graph, kTinyArch, "--csv --per-layer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(",\"Softmax 'sm': Softmax is not in engines.npu.rules.ops [Conv, Gemm, MatMul, MaxPool]\","),
            std::string::npos)
      << r.out;
}

// Every key the JSON has is documented in docs/formats.md's "npusim run --json" section.
static void collect_keys(json_t *j, std::set<std::string> &keys) {
  if (json_is_object(j)) {
    const char *key;
    json_t *value;
    json_object_foreach(j, key, value) {
      keys.insert(key);
      collect_keys(value, keys);
    }
  } else if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++) collect_keys(json_array_get(j, i), keys);
  }
}

TEST(RunOutput, JsonSchemaFieldsArePresentAndDocumented) {
  std::string trace = scratch_dir() + "/t.npt.zst";
  // A run with every optional part: a fallback, a battery, a trace, fused ops (chain.npg on
  // the default config fuses its Relu).
  JsonPtr j = parse_json(
      run_npusim(std::string("run ") + kChain + " --json --per-day 100 --battery-wh 1 --trace '" + trace + "'").out);
  ASSERT_TRUE(j.get());
  EXPECT_EQ(jstr(j.get(), {"schema"}), "npusim.run/1");
  for (const char *key : {"model", "config", "dtype", "weight_bits", "latency", "throughput_per_s", "sram",
                          "fallback_ops", "fallbacks", "energy_missing", "cold_start", "battery", "cold", "warm",
                          "layers", "trace"})
    EXPECT_NE(json_object_get(j.get(), key), nullptr) << key;
  JsonPtr fb = run_json(R"(graph fb
input x int8 16x16
softmax sm x -> y
output y
)",
                        kTinyArch);
  std::set<std::string> keys;
  collect_keys(j.get(), keys);
  collect_keys(fb.get(), keys);
  std::string doc = read_file(source_path("docs/formats.md"));
  size_t begin = doc.find("## npusim run --json");
  ASSERT_NE(begin, std::string::npos);
  size_t end = doc.find("\n## ", begin + 5);
  std::string section = doc.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  for (const std::string &k : keys) EXPECT_NE(section.find("`" + k + "`"), std::string::npos) << k << " undocumented";
}

TEST(RunOutput, BadUsageExitsTwo) {
  struct Case {
    const char *args, *message;
  } cases[] = {
      {"run", "missing MODEL"},
      {"run models/micro/gemm.npg --json --csv", "--json and --csv exclude each other"},
      {"run models/micro/gemm.npg --trace-warm", "--trace-warm needs --trace FILE"},
      {"run models/micro/gemm.npg --dtype int3", "--dtype int3: not one of the config's data_types"},
      {"run models/micro/gemm.npg --frobnicate", "unknown option '--frobnicate'"},
      {"run models/micro/gemm.npg models/micro/chain.npg", "one MODEL only"},
      {"run models/micro/gemm.npg --set sram.banks=0", "sram.banks"},
      {"run models/nope.onnx", "models/nope.onnx"},
      {"run models/micro/gemm.npg -o", "-o needs a value (FILE)"},
  };
  for (const Case &c : cases) {
    CliResult r = run_npusim(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
}

}  // namespace

namespace {

// The what-if options reach the run: conv3x3.npg at 28x28 instead of 56x56 does
// 28 x 28 (output pixels, pad 1) x 64 (out channels) x 64 x 3 x 3 (reduction) = 28,901,376 MACs,
// a quarter of the 115,605,504 at full size.
TEST(RunOutput, ResolutionWhatIfReachesTheRun) {
  CliResult full = run_npusim("run models/micro/conv3x3.npg --json");
  CliResult small = run_npusim("run models/micro/conv3x3.npg --json --resolution 28");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(small.exit_code, 0) << small.err;
  JsonPtr a = parse_json(full.out), b = parse_json(small.out);
  ASSERT_TRUE(a.get() && b.get());
  EXPECT_EQ(jint(a.get(), {"warm", "macs"}), 115605504);
  EXPECT_EQ(jint(b.get(), {"warm", "macs"}), 28901376);
}

}  // namespace

namespace {

// --output-dir: every output of one simulation, each the same bytes its own option gives.
TEST(RunOutput, OutputDirWritesEveryFormatFromOneRun) {
  std::string dir = scratch_dir() + "/out";
  std::string trace = dir + "/run.npt.zst";
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
  // The outputs one by one, the trace at the path --output-dir gives it (it names it in them).
  std::string base = std::string("run ") + kChain + " --trace '" + trace + "'";
  CliResult text = run_npusim(base + " --per-layer"), json = run_npusim(base + " --json");
  CliResult csv = run_npusim(base + " --csv"), layers = run_npusim(base + " --csv --per-layer");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::string trace_bytes = read_file(trace);
  ASSERT_FALSE(trace_bytes.empty());
  ASSERT_EQ(std::system(("rm -f '" + trace + "'").c_str()), 0);
  CliResult all = run_npusim(std::string("run ") + kChain + " --output-dir '" + dir + "'");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "");
  EXPECT_EQ(read_file(dir + "/run.txt"), text.out);
  EXPECT_EQ(read_file(dir + "/run.json"), json.out);
  EXPECT_EQ(read_file(dir + "/run.csv"), csv.out);
  EXPECT_EQ(read_file(dir + "/layers.csv"), layers.out);
  EXPECT_EQ(read_file(trace), trace_bytes);
  std::string html = read_file(dir + "/report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<section id=\"layers\">"), std::string::npos);
}

TEST(RunOutput, OutputDirRefusesWhatItWritesItselfAndAFile) {
  std::string file = write_scratch("not-a-dir", "x");
  struct Case {
    std::string args, message;
  } cases[] = {
      {std::string("run ") + kChain + " --output-dir d --json", "--output-dir writes every format itself"},
      {std::string("run ") + kChain + " --output-dir d -o x.txt", "--output-dir writes every format itself"},
      {std::string("run ") + kChain + " --output-dir '" + file + "'", file + ": exists and is not a directory"},
  };
  for (const Case &c : cases) {
    CliResult r = run_npusim(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
  EXPECT_EQ(read_file(file), "x");
}

}  // namespace

TEST(RunOutput, AreaFromTheConfigsFigures) {
  // configs/phone-npu.yaml at 5 nm (7 nm's factor, 0.059 of 45 nm): 16 cores x 16 x 16 = 4096
  // MACs x 3000 um2 x 0.059 = 724,992 um2; 256 planar lanes x 3000 x 0.059 = 45,312 um2;
  // 4096 KiB x 287 um2 (at 5 nm, as written) = 1,175,552 um2; fixed 0.1 mm2. The cpu is the
  // host's. 1,945,856 um2 + 0.1 mm2 = 2.045856 mm2.
  CliResult r = run_npusim("run models/micro/conv3x3.npg --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonPtr j = parse_json(r.out);
  EXPECT_NEAR(jnum(j.get(), {"area_mm2"}), 2.045856, 1e-9);
  CliResult text = run_npusim("run models/micro/conv3x3.npg");
  EXPECT_NE(text.out.find("area         2.046 mm2"), std::string::npos) << text.out;
  // configs/rtl-small.yaml names no node: its 45 nm figures as written. 8 x 8 = 64 PEs x 419
  // um2 = 26,816; 8 vector lanes x 419 = 3,352; 16 KiB x 4724 = 75,584: 105,752 um2.
  CliResult small = run_npusim("run models/micro/conv3x3.npg --config configs/rtl-small.yaml --json");
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_NEAR(jnum(parse_json(small.out).get(), {"area_mm2"}), 0.105752, 1e-9);
  // configs/ethos-u55-128.yaml at 16 nm (0.19 of 45 nm): 8 x 16 = 128 PEs x 419 x 0.19 =
  // 10,190.08 um2; 2048 KiB x 956 (at 16 nm) = 1,957,888 um2; fixed 0.1 mm2 at 5 nm (7 nm's
  // 0.059) x 0.19 / 0.059 = 0.322034 mm2: 2.290112 mm2.
  CliResult u55 = run_npusim("run models/micro/conv3x3.npg --config configs/ethos-u55-128.yaml --json");
  ASSERT_EQ(u55.exit_code, 0) << u55.err;
  EXPECT_NEAR(jnum(parse_json(u55.out).get(), {"area_mm2"}), 1.968078 + 0.1 * 0.19 / 0.059, 1e-6);
  // configs/edge-tpu-like.yaml at 28 nm (between 32 nm 0.46 and 20 nm 0.21: 0.21 + 8/12 x 0.25 =
  // 0.376667): 4096 PEs x 419 x 0.376667 = 646,450 um2; 8192 KiB x 1734 (at 28 nm) = 14,204,928
  // um2; fixed 0.1 x 0.376667 / 0.059 = 0.638418 mm2: 15.489796 mm2.
  CliResult tpu = run_npusim("run models/micro/conv3x3.npg --config configs/edge-tpu-like.yaml --json");
  ASSERT_EQ(tpu.exit_code, 0) << tpu.err;
  EXPECT_NEAR(jnum(parse_json(tpu.out).get(), {"area_mm2"}), 15.489796, 1e-5);
  // A config without area figures has none.
  CliResult none = run_npusim("run models/micro/conv3x3.npg --config tests/fixtures/config/minimal.yaml --json");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(jnum(parse_json(none.out).get(), {"area_mm2"}), 0.0);
}
