// npusim_rtl: run a schedule on the RTL and write its trace.
//   npusim_rtl --config F (--schedule S.json | --model M [--warm]) [--set K=V]... -o RTL.npt.zst
//              [--model-trace MODEL.npt.zst]        (--help explains)
// Exit codes: 0 ok, 1 the MAC array's outputs differ from the C reference, 2 bad usage or input.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "model_trace.h"
#include "rtl_harness.h"

extern "C" {
#include "model/model.h"
#include "util/file.h"
}

static const char kUsage[] =
    "usage: npusim_rtl --config FILE (--schedule FILE.json | --model FILE [--warm]) [--set KEY=VALUE]... "
    "-o RTL.npt.zst [--model-trace MODEL.npt.zst]\n";

static int usage(const std::string &what) {
  std::fprintf(stderr, "npusim_rtl: error: %s\n%s(--help explains)\n", what.c_str(), kUsage);
  return 2;
}

static int help() {
  std::fputs(kUsage, stdout);
  std::fputs("\n"
             "Runs a schedule on the RTL (rtl/, verilated): compiles it into the command image, which the\n"
             "RTL's sequencer executes against its DMA, DRAM responder, SRAM bank arbiter and MAC array,\n"
             "and writes the RTL's trace. The MAC array's results are checked against a C reference GEMM.\n"
             "\n"
             "  --config FILE          the accelerator config (configs/rtl-small.yaml or one that fits the RTL)\n"
             "  --schedule FILE.json   a schedule from `npusim schedule MODEL --config FILE --json`, lowered for\n"
             "                         this --config and --set (another config's schedule is refused)\n"
             "  --model FILE           or a model, lowered here (--warm: a warm inference)\n"
             "  --set KEY=VALUE        override a config key, as in npusim\n"
             "  -o RTL.npt.zst         the RTL's trace\n"
             "  --model-trace FILE     also write the model's trace of the same schedule\n"
             "\n"
             "Example (docs/validation.md):\n"
             "  npusim_rtl --config configs/rtl-small.yaml --model models/ds_cnn_kws.onnx \\\n"
             "      -o rtl.npt.zst --model-trace model.npt.zst && npusim trace diff model.npt.zst rtl.npt.zst\n"
             "\n"
             "Exit codes: 0 ok, 1 the MAC array's outputs differ from the C reference, 2 bad usage or input\n"
             "(including a schedule or config beyond the RTL's capacities, named in the message).\n",
             stdout);
  return 0;
}

static int report(NpDiag *diag) {
  np_diag_print(diag, stderr);
  np_diag_free(diag);
  return 2;
}

int main(int argc, char **argv) {
  std::string config, schedule_path, model, out, model_out;
  std::vector<const char *> sets;
  bool warm = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](std::string &dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "-h" || a == "--help") return help();
    if (a == "--config") ok = value(config);
    else if (a == "--schedule") ok = value(schedule_path);
    else if (a == "--model") ok = value(model);
    else if (a == "-o") ok = value(out);
    else if (a == "--model-trace") ok = value(model_out);
    else if (a == "--warm") warm = true;
    else if (a == "--set" && i + 1 < argc) sets.push_back(argv[++i]);
    else ok = false;
    bool takes_value = a == "--config" || a == "--schedule" || a == "--model" || a == "-o" || a == "--model-trace" ||
                       a == "--set";
    if (!ok) return usage(takes_value ? a + " needs a value" : "unknown argument '" + a + "'");
  }
  if (config.empty() || out.empty() || schedule_path.empty() == model.empty())
    return usage("--config, -o and one of --schedule or --model are needed");
  NpDiag diag;
  np_diag_init(&diag);
  NpArch arch;
  if (!np_arch_load_file(config.c_str(), sets.data(), sets.size(), &arch, &diag)) return report(&diag);
  NpSchedule schedule;
  if (!schedule_path.empty()) {
    size_t len = 0;
    char *text = np_read_file(schedule_path.c_str(), 64 << 20, "schedule", &len, &diag);
    if (!text) return report(&diag);
    bool ok = np_schedule_from_json(text, len, schedule_path.c_str(), &schedule, &diag);
    free(text);
    if (!ok) return report(&diag);
    if (!np_schedule_check_config(&schedule, &arch, schedule_path.c_str(), &diag)) {
      np_schedule_free(&schedule);
      return report(&diag);
    }
  } else {
    NpGraph *graph = np_model_load(model.c_str(), &diag);
    if (!graph) return report(&diag);
    NpLowerOptions lo{};
    lo.warm = warm;
    bool ok = np_lower(graph, &arch, &lo, &schedule, &diag);
    np_graph_free(graph);
    if (!ok) return report(&diag);
  }
  if (!np_schedule_check(&schedule, arch.n_engines, schedule_path.empty() ? model.c_str() : schedule_path.c_str(), &diag)) {
    np_schedule_free(&schedule);
    return report(&diag);
  }
  if (!model_out.empty() && !np_rtl_write_model_trace(&schedule, &arch, model_out.c_str(), nullptr, &diag)) {
    np_schedule_free(&schedule);
    return report(&diag);
  }
  np_diag_free(&diag);
  RtlRunResult res;
  bool ok = np_rtl_run(&schedule, &arch, out, &res);
  np_schedule_free(&schedule);
  if (!ok) {
    std::fprintf(stderr, "npusim_rtl: error: %s\n", res.error.c_str());
    return 2;
  }
  std::printf("rtl cycles %lld, array commands %lld, outputs checked %lld, mismatches %lld, unchecked commands %lld\n",
              (long long)res.cycles, (long long)res.array_commands, (long long)res.outputs_checked,
              (long long)res.output_mismatches, (long long)res.unchecked_commands);
  return res.output_mismatches ? 1 : 0;
}
