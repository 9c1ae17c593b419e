// One option parser for every command (sim/cli/cli_options.h): --opt=value and --opt value,
// unique prefixes, -- to end the options, the nearest option for a typo, `npusim help CMD`,
// schedule's what-ifs, and every example every --help shows runs as written.
#include <gtest/gtest.h>
#include <jansson.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"

namespace {

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The commands `npusim --help` lists, then the subcommands a usage line names as <a|b|c>.
std::vector<std::string> all_commands() {
  std::vector<std::string> commands;
  bool listing = false;
  for (const std::string &line : lines_of(run_npusim("--help").out)) {
    if (line == "commands:") listing = true;
    else if (listing && line.empty()) break;
    else if (listing) commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  std::vector<std::string> all;
  for (const std::string &c : commands) {
    all.push_back(c);
    std::string first = lines_of(run_npusim(c + " --help").out).at(0);
    size_t open = first.find('<'), close = first.find('>');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string subs = first.substr(open + 1, close - open - 1) + "|";
    for (size_t at = 0, bar; (bar = subs.find('|', at)) != std::string::npos; at = bar + 1)
      all.push_back(c + " " + subs.substr(at, bar - at));
  }
  return all;
}

// The command lines under "example:" / "examples:", a trailing backslash joining lines.
std::vector<std::string> examples_in(const std::string &help) {
  std::vector<std::string> examples;
  bool in_examples = false;
  std::string pending;
  for (const std::string &line : lines_of(help)) {
    if (line == "examples:" || line == "example:") {
      in_examples = true;
      continue;
    }
    if (!in_examples) continue;
    if (line.empty()) break;
    std::string text = pending.empty() ? line.substr(line.find_first_not_of(' ')) : line;
    if (!text.empty() && text.back() == '\\') {
      pending += text.substr(0, text.size() - 1);
      continue;
    }
    examples.push_back(pending + text);
    pending.clear();
  }
  return examples;
}

struct Example {
  std::string command, text;
};

// Every example of every command's --help, in `npusim --help` order.
const std::vector<Example> &all_examples() {
  static const std::vector<Example> examples = [] {
    std::vector<Example> all;
    for (const std::string &command : all_commands())
      for (const std::string &text : examples_in(run_npusim(command + " --help").out)) all.push_back({command, text});
    return all;
  }();
  return examples;
}

std::vector<std::string> words(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool is_result_file(const std::string &w) {
  for (const char *ext : {".csv", ".jsonl", ".npt.zst"})
    if (w.size() > std::strlen(ext) && w.compare(w.size() - std::strlen(ext), std::string::npos, ext) == 0) return true;
  return false;
}

// The files an example writes (after -o, --trace) and the result files it reads.
std::vector<std::string> files_of(const std::string &example, bool written) {
  std::vector<std::string> w = words(example), out;
  for (size_t i = 1; i < w.size(); i++) {
    bool output = w[i - 1] == "-o" || w[i - 1] == "--trace" || w[i - 1] == ">";
    if (is_result_file(w[i]) && output == written) out.push_back(w[i]);
  }
  return out;
}

// Runs one example in dir with npusim on PATH; its exit code, -1 when killed.
int run_example(const std::string &dir, const std::string &example) {
  std::string bin = NPUSIM_CLI;
  bin = bin.substr(0, bin.rfind('/'));
  std::string script = dir + "/example.sh";
  FILE *f = std::fopen(script.c_str(), "w");
  if (!f) return -1;
  std::fputs((example + "\n").c_str(), f);
  std::fclose(f);
  std::string cmd = "cd '" + dir + "' && PATH='" + bin + "':$PATH sh '" + script + "' >'" + dir + "/out.txt' 2>'" + dir +
                    "/err.txt'";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class HelpExamples : public ::testing::TestWithParam<std::string> {};

// Each command's examples, in a scratch directory that sees the shipped models and configs;
// a result file an example reads (sram.csv, conv3x3.npt.zst) is first made by the example of
// another command that writes it, as a reader of the help would have done.
TEST_P(HelpExamples, RunAsWritten) {
  const std::string &command = GetParam();
  std::string dir = scratch_dir();
  ASSERT_EQ(std::system(("ln -s '" + source_path("models") + "' '" + dir + "/models' && ln -s '" +
                         source_path("configs") + "' '" + dir + "/configs'")
                            .c_str()),
            0);
  std::vector<std::string> mine, made;
  for (const Example &e : all_examples())
    if (e.command == command) mine.push_back(e.text);
  EXPECT_FALSE(mine.empty()) << command << " --help shows no example";
  for (const std::string &example : mine) {
    ASSERT_EQ(example.rfind("npusim ", 0), 0u) << command << ": " << example;
    for (const std::string &input : files_of(example, false)) {
      if (std::find(made.begin(), made.end(), input) != made.end()) continue;
      for (const Example &e : all_examples()) {
        std::vector<std::string> out = files_of(e.text, true);
        if (e.command == command || std::find(out.begin(), out.end(), input) == out.end()) continue;
        ASSERT_EQ(run_example(dir, e.text), 0) << "making " << input << ": " << e.text << "\n"
                                               << read_file(dir + "/err.txt");
        made.insert(made.end(), out.begin(), out.end());
        break;
      }
    }
    int code = run_example(dir, example);
    // 1 is an answer (a budget broken, traces that differ), 2 a usage or input error.
    EXPECT_TRUE(code == 0 || code == 1) << example << "\nexit " << code << "\n" << read_file(dir + "/err.txt");
    for (const std::string &out : files_of(example, true)) made.push_back(out);
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string> &info) {
  std::string name = info.param;
  for (char &c : name)
    if (c == ' ') c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, HelpExamples, ::testing::ValuesIn(all_commands()), param_name);

TEST(CliOptions, HelpShowsExamplesEnough) { EXPECT_GE(all_examples().size(), 25u); }

TEST(CliOptions, HelpCommandShowsTheCommandsHelp) {
  CliResult a = run_npusim("help run"), b = run_npusim("run --help");
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("usage: npusim run MODEL"), std::string::npos);
}

TEST(CliOptions, HelpTextHasNoPrintfEscapes) {
  for (const std::string &command : all_commands()) {
    CliResult r = run_npusim(command + " --help");
    EXPECT_EQ(r.out.find("%%"), std::string::npos) << command;
  }
}

TEST(CliOptions, EqualsAndSpaceFormsAgreeEverywhere) {
  const char *pairs[][2] = {
      {"run models/micro/gemm.npg --set sram.capacity_bytes=2MiB --dtype int8 --csv",
       "run models/micro/gemm.npg --set=sram.capacity_bytes=2MiB --dtype=int8 --csv"},
      {"schedule models/micro/gemm.npg --commands 3", "schedule models/micro/gemm.npg --commands=3"},
      {"check models/micro/gemm.npg --budget latency_ms=100", "check models/micro/gemm.npg --budget=latency_ms=100"},
      {"config show --set sram.banks=8", "config show --set=sram.banks=8"},
      {"trace dump /nonexistent.npt.zst --limit 3", "trace dump /nonexistent.npt.zst --limit=3"},
  };
  for (const auto &p : pairs) {
    CliResult a = run_npusim(p[0]), b = run_npusim(p[1]);
    EXPECT_EQ(a.exit_code, b.exit_code) << p[1] << "\n" << b.err;
    EXPECT_EQ(a.out, b.out) << p[1];
  }
}

TEST(CliOptions, PrefixesBehaveTheSameInEveryCommand) {
  // --js is a unique prefix of --json in run, as in graph.
  CliResult run = run_npusim("run models/micro/gemm.npg --js");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, run_npusim("run models/micro/gemm.npg --json").out);
  CliResult graph = run_npusim("graph models/micro/gemm.npg --js");
  EXPECT_EQ(graph.exit_code, 0) << graph.err;
  CliResult ambiguous = run_npusim("run models/micro/gemm.npg --per");
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("'--per' is ambiguous: --per-layer, --per-day"), std::string::npos) << ambiguous.err;
}

TEST(CliOptions, UnknownOptionSuggestsTheNearest) {
  struct Case {
    const char *args, *message;
  } cases[] = {
      {"run models/micro/gemm.npg --per-layr", "unknown option '--per-layr'; did you mean '--per-layer'?"},
      {"schedule models/micro/gemm.npg --comands 3", "unknown option '--comands'; did you mean '--commands'?"},
      {"sweep configs/sweeps/sram-mobilenet.yaml --shrd 0/2", "did you mean '--shard'?"},
      {"cliff models/micro/gemm.npg --axes sram.capacity_bytes=1MiB..2MiB", "did you mean '--axis'?"},
      {"trace diff a b --tol-rell 0.1", "did you mean '--tol-rel'?"},
      {"run models/micro/gemm.npg --json=yes", "--json takes no value"},
      {"report models/micro/gemm.npg --frobnicate", "unknown option '--frobnicate'\n"},
  };
  for (const Case &c : cases) {
    CliResult r = run_npusim(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
}

TEST(CliOptions, DoubleDashEndsTheOptions) {
  std::string path = write_scratch("--json", "");  // a file named like an option
  CliResult r = run_npusim("graph -- '" + path + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;  // read as a model, not taken as --json
}

// The MACs of layer 0's COMPUTE commands in `schedule --json`.
long long first_layer_macs(const std::string &args) {
  CliResult r = run_npusim("schedule models/mobilenet_v2.onnx --json " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json_error_t error;
  json_t *j = json_loads(r.out.c_str(), 0, &error);
  if (!j) return -1;
  long long macs = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(j, "commands"), i, c) {
    if (json_integer_value(json_object_get(c, "layer")) == 0 &&
        std::string(json_string_value(json_object_get(c, "kind"))) == "COMPUTE")
      macs += json_integer_value(json_object_get(c, "macs"));
  }
  json_decref(j);
  return macs;
}

TEST(CliOptions, ScheduleTakesRunsWhatIfs) {
  // MobileNetV2's first layer is a 3x3 stride-2 convolution from 3 to 32 channels: at 224x224
  // its output is 112x112x32, each output 3*3*3 = 27 MACs: 112*112*32*27 = 10,838,016.
  EXPECT_EQ(first_layer_macs(""), 10838016);
  // --resolution 160: output 80x80x32, 80*80*32*27 = 5,529,600.
  EXPECT_EQ(first_layer_macs("--resolution 160"), 5529600);
  // --scale-channels 0.5 halves the hidden 32 (the graph input keeps 3): 112*112*16*27 = 5,419,008.
  EXPECT_EQ(first_layer_macs("--scale-channels=0.5"), 5419008);
}

}  // namespace
