// The public API (sim/include/npusim.h): the same bytes and messages as the CLI, figures
// worked by hand on a one-layer graph, budgets, sweeps through the row callback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "npusim.h"
#include "support/cli.h"
#include "support/files.h"

namespace {

std::string take(char *text) {
  std::string s = text ? text : "";
  npusim_free(text);
  return s;
}

// One 1x1 convolution, 64 -> 128 channels on a 2x2 int8 map (as tests/report_views_test.cc):
//   weight bytes = 128 * 64 * 1 byte = 8192.
const char *kOneConv = R"(graph one
input x int8 1x2x2x64
conv a x -> y out=128 kernel=1x1 bias=no
output y
)";

TEST(Api, VersionAndSchema) {
  EXPECT_STREQ(npusim_version(), NPUSIM_VERSION_STRING);
  EXPECT_EQ(std::string(NPUSIM_VERSION_STRING),
            std::to_string(NPUSIM_VERSION_MAJOR) + "." + std::to_string(NPUSIM_VERSION_MINOR) + "." +
                std::to_string(NPUSIM_VERSION_PATCH));
  EXPECT_STREQ(npusim_config_schema(), NPUSIM_CONFIG_SCHEMA);
  CliResult r = run_npusim("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("npusim ") + NPUSIM_VERSION_STRING + "\nconfig schema " NPUSIM_CONFIG_SCHEMA "\n");
}

TEST(Api, JsonIsTheCliJsonByteForByte) {
  const char *model_path = "models/micro/conv3x3.npg";
  char *error = nullptr;
  npusim_model *model = npusim_model_load(source_path(model_path).c_str(), &error);
  ASSERT_NE(model, nullptr) << take(error);
  const char *sets[] = {"sram.capacity_bytes=512KiB"};
  npusim_config *config = npusim_config_load(nullptr, sets, 1, &error);
  ASSERT_NE(config, nullptr) << take(error);
  npusim_options options = {};
  options.dtype = "int8";
  npusim_run *run = npusim_simulate(model, config, &options, &error);
  ASSERT_NE(run, nullptr) << take(error);
  EXPECT_EQ(error, nullptr);
  CliResult cli = run_npusim(std::string("run ") + source_path(model_path) +
                             " --set sram.capacity_bytes=512KiB --dtype int8 --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(take(npusim_run_json(run)), cli.out);
  cli = run_npusim(std::string("run ") + source_path(model_path) + " --set sram.capacity_bytes=512KiB --dtype int8 --csv --per-layer");
  EXPECT_EQ(take(npusim_run_csv(run, 1)), cli.out);
  npusim_run_free(run);
  npusim_config_free(config);
  npusim_model_free(model);
}

TEST(Api, ResultHasTheHandWorkedFigures) {
  char *error = nullptr;
  npusim_model *model = npusim_model_parse(kOneConv, std::string(kOneConv).size(), "one.npg", &error);
  ASSERT_NE(model, nullptr) << take(error);
  EXPECT_STREQ(npusim_model_name(model), "one");
  npusim_config *config = npusim_config_load(nullptr, nullptr, 0, &error);
  ASSERT_NE(config, nullptr) << take(error);
  npusim_run *run = npusim_simulate(model, config, nullptr, &error);
  ASSERT_NE(run, nullptr) << take(error);
  const npusim_result *r = npusim_run_result(run);
  ASSERT_EQ(r->n_layers, 1u);
  EXPECT_STREQ(r->layers[0].op, "Conv");
  EXPECT_STREQ(r->layers[0].name, "a");
  EXPECT_EQ(r->layers[0].weight_bytes, 8192);
  // ms = cycles / (clock MHz * 1000), the documented conversion (docs/run.md).
  EXPECT_DOUBLE_EQ(r->warm_ms, double(r->warm_cycles) / (r->clock_mhz * 1e3));
  EXPECT_LE(r->warm_cycles, r->cold_cycles); // the cold inference also loads the resident weights
  int verdict = npusim_check(run, "fallback_ops=0", nullptr, &error);
  EXPECT_EQ(verdict, 1) << take(error);
  char *json = nullptr;
  EXPECT_EQ(npusim_check(run, "latency_ms=0", &json, &error), 0);
  EXPECT_NE(take(json).find("\"schema\": \"npusim.check/1\""), std::string::npos);
  EXPECT_EQ(npusim_check(run, "bogus=1", nullptr, &error), -1);
  EXPECT_NE(take(error).find("bogus"), std::string::npos);
  npusim_run_free(run);
  npusim_config_free(config);
  npusim_model_free(model);
}

TEST(Api, ErrorsCarryTheCliMessages) {
  char *error = nullptr;
  EXPECT_EQ(npusim_model_load("/nonexistent/model.onnx", &error), nullptr);
  CliResult cli = run_npusim("run /nonexistent/model.onnx");
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_EQ(take(error), cli.err);
  const char *sets[] = {"sram.capacity_bytes=zz"};
  EXPECT_EQ(npusim_config_load(nullptr, sets, 1, &error), nullptr);
  cli = run_npusim("config show --set sram.capacity_bytes=zz");
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_EQ(take(error), cli.err);
  // A what-if out of range and a data type the config lacks are refused before simulating.
  npusim_model *model = npusim_model_parse(kOneConv, std::string(kOneConv).size(), "one.npg", &error);
  npusim_config *config = npusim_config_load(nullptr, nullptr, 0, &error);
  npusim_options options = {};
  options.dtype = "int4";
  EXPECT_EQ(npusim_simulate(model, config, &options, &error), nullptr);
  EXPECT_NE(take(error).find("--dtype int4: not one of the config's data_types"), std::string::npos);
  options = {};
  options.channel_scale = 1e9;
  EXPECT_EQ(npusim_simulate(model, config, &options, &error), nullptr);
  EXPECT_NE(take(error).find("--scale-channels"), std::string::npos);
  npusim_config_free(config);
  npusim_model_free(model);
}

TEST(Api, TraceIsTheClisByteForByte) {
  const std::string model_path = source_path("models/micro/conv3x3.npg");
  std::string dir = scratch_dir();
  char *error = nullptr;
  npusim_model *model = npusim_model_load(model_path.c_str(), &error);
  npusim_config *config = npusim_config_load(nullptr, nullptr, 0, &error);
  ASSERT_TRUE(model && config) << take(error);
  std::string api_trace = dir + "/api.npt.zst", cli_trace = dir + "/cli.npt.zst";
  npusim_options options = {};
  options.trace_path = api_trace.c_str();
  options.trace_warm = 1;
  npusim_run *run = npusim_simulate(model, config, &options, &error);
  ASSERT_NE(run, nullptr) << take(error);
  CliResult cli = run_npusim("run " + model_path + " --trace " + cli_trace + " --trace-warm --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_FALSE(read_file(api_trace).empty());
  EXPECT_EQ(read_file(api_trace), read_file(cli_trace));
  // The report names the trace file, so the JSON matches once both name the same one.
  npusim_run_free(run);
  options.trace_path = cli_trace.c_str();
  run = npusim_simulate(model, config, &options, &error);
  ASSERT_NE(run, nullptr) << take(error);
  EXPECT_EQ(take(npusim_run_json(run)), cli.out);
  npusim_run_free(run);
  npusim_config_free(config);
  npusim_model_free(model);
}

struct Rows {
  std::string text;
  int calls = 0;
  int stop_after = -1;
};

int collect(void *user, const char *row) {
  Rows *rows = static_cast<Rows *>(user);
  rows->text += row;
  return ++rows->calls == rows->stop_after;
}

TEST(Api, SweepRowsAreTheCliCsv) {
  std::string spec = write_scratch("api.yaml", "models: [" + source_path("models/micro/conv3x3.npg") +
                                                   "]\naxes:\n  sram.capacity_bytes: [16KiB, 64KiB, 256KiB]\n"
                                                   "  model.dtype: [int8, fp16]\n");
  Rows rows;
  npusim_sweep_options options = {2, NPUSIM_SWEEP_CSV, 0};
  char *error = nullptr;
  EXPECT_EQ(npusim_sweep(spec.c_str(), &options, collect, &rows, &error), 6) << take(error);
  std::string out = scratch_dir() + "/api.csv";
  CliResult cli = run_npusim("sweep " + spec + " -o " + out);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(rows.text, read_file(out));
  EXPECT_EQ(rows.calls, 7); // the header and six rows
  // A callback that stops the sweep makes it fail with a message.
  Rows stopped;
  stopped.stop_after = 2;
  EXPECT_EQ(npusim_sweep(spec.c_str(), &options, collect, &stopped, &error), -1);
  EXPECT_NE(take(error).find("stopped by its row callback"), std::string::npos);
  EXPECT_EQ(stopped.calls, 2);
  EXPECT_EQ(npusim_sweep("/nonexistent.yaml", &options, collect, &rows, &error), -1);
  EXPECT_NE(take(error).find("/nonexistent.yaml"), std::string::npos);
}

}  // namespace
