// npusim-systemc-example: one inference of a model on the example virtual platform.
//
//   npusim-systemc-example MODEL [--config FILE] [--warm] [--latency-cycles N] [--bytes-per-cycle X]
//
// Simulates MODEL on the config (default: the embedded phone-npu), puts the schedule in the
// platform's memory as a command buffer, and lets the host ring the doorbell and wait for the
// interrupt. Prints the inference latency, and the standalone replay's cycles beside it. The
// memory matches the config's DRAM unless --latency-cycles / --bytes-per-cycle change it.
// Exit codes: 0 ok, 1 the inference failed or (with a matching memory on a one-channel config
// without the row model) its cycles differ from the standalone replay's, 2 bad usage or input.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <systemc>

#include "platform.h"
#include "systemc/command_buffer.h"

extern "C" {
#include "model/model.h"
#include "simulate/simulate.h"
}

namespace {

struct Options {
  const char *model = nullptr;
  const char *config = nullptr;
  bool warm = false;
  long long latency_cycles = -1;
  double bytes_per_cycle = 0;
};

int usage(const char *why) {
  std::fprintf(stderr, "npusim-systemc-example: %s\n", why);
  std::fprintf(stderr,
               "usage: npusim-systemc-example MODEL [--config FILE] [--warm] [--latency-cycles N] "
               "[--bytes-per-cycle X]\n");
  return 2;
}

bool parse_args(int argc, char **argv, Options *o, std::string *why) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (std::strcmp(a, "--config") == 0 && has_value) {
      o->config = argv[++i];
    } else if (std::strcmp(a, "--warm") == 0) {
      o->warm = true;
    } else if (std::strcmp(a, "--latency-cycles") == 0 && has_value) {
      char *end;
      o->latency_cycles = std::strtoll(argv[++i], &end, 10);
      if (*end || o->latency_cycles < 0) return *why = "--latency-cycles takes a whole number >= 0", false;
    } else if (std::strcmp(a, "--bytes-per-cycle") == 0 && has_value) {
      char *end;
      o->bytes_per_cycle = std::strtod(argv[++i], &end);
      if (*end || !(o->bytes_per_cycle > 0) || !std::isfinite(o->bytes_per_cycle))
        return *why = "--bytes-per-cycle takes a positive number", false;
    } else if (a[0] == '-') {
      return *why = std::string("unknown or incomplete option ") + a, false;
    } else if (!o->model) {
      o->model = a;
    } else {
      return *why = std::string("one model only (got ") + o->model + " and " + a + ")", false;
    }
  }
  if (!o->model) return *why = "no model given", false;
  return true;
}

void print_diag(const NpDiag &diag) {
  for (size_t i = 0; i < diag.count; i++) std::fprintf(stderr, "%s\n", diag.messages[i]);
}

// The model simulated cold and warm (np_simulate, as `npusim run`); the platform runs one of the two.
struct Inputs {
  NpArch arch{};
  NpSimulation sim{};
  bool warm = false;
  const NpSchedule &schedule() const { return warm ? sim.warm : sim.cold; }
  int64_t standalone_cycles() const { return warm ? sim.warm_stats.cycles : sim.cold_stats.cycles; }
  ~Inputs() { np_simulation_free(&sim); }
};

bool load_inputs(const Options &o, Inputs *in) {
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = o.config ? np_arch_load_file(o.config, nullptr, 0, &in->arch, &diag)
                     : np_arch_load_default(nullptr, 0, &in->arch, &diag);
  NpGraph *graph = ok ? np_model_load(o.model, &diag) : nullptr;
  in->warm = o.warm;
  ok = graph && np_simulate(graph, &in->arch, nullptr, &in->sim, &diag);
  if (!ok) print_diag(diag);
  np_graph_free(graph);
  np_diag_free(&diag);
  return ok;
}

// Builds the platform, runs the inference and prints it; the modules are gone on return.
int run_platform(const Options &o, const Inputs &in, const npusim::MemoryTiming &memory, bool matching,
                 int64_t expected, uint64_t cmd_addr, const std::vector<uint8_t> &buffer) {
  const uint64_t dram_base = 0;
  sc_core::sc_time period(1.0 / in.arch.clock_mhz, sc_core::SC_US);
  npusim::InferenceResult result;
  npusim::Platform platform("platform", in.arch, memory, [&](npusim::Host &host) {
    result = host.infer(npusim::kRegsBase, cmd_addr, dram_base, buffer);
  });
  sc_core::sc_start();

  double us = (result.interrupt - result.doorbell).to_seconds() * 1e6;
  std::printf("model            %s on config %s (%s inference)\n", o.model, in.arch.name, o.warm ? "warm" : "cold");
  std::printf("command buffer   %zu bytes at 0x%llx, %zu commands\n", buffer.size(), (unsigned long long)cmd_addr,
              in.schedule().n_cmds);
  std::printf("memory           latency %s, %.4g bytes per cycle%s\n", memory.latency.to_string().c_str(),
              double(memory.bytes_per_beat) / (memory.beat_time / period),
              matching ? " (the config's DRAM)" : "");
  if (result.status != uint32_t(npusim::State::kDone)) {
    std::printf("inference        FAILED: status %u, error %u: %s\n", result.status, result.error,
                platform.npu.error_message().c_str());
    return 1;
  }
  std::printf("fetch            %llu cycles (command buffer read over the bus)\n",
              (unsigned long long)result.fetch_cycles);
  std::printf("inference        %llu cycles = %.6f ms at %g MHz\n", (unsigned long long)result.cycles,
              double(result.cycles) / (in.arch.clock_mhz * 1e3), in.arch.clock_mhz);
  std::printf("doorbell to irq  %.3f us (fetch + inference)\n", us);
  std::printf("standalone       %lld cycles (np_simulate's replay with the built-in DRAM model: what npusim run reports)\n",
              (long long)expected);
  std::printf("memory traffic   %llu reads, %llu writes (host, command fetch and DMA)\n",
              (unsigned long long)platform.memory.reads(), (unsigned long long)platform.memory.writes());
  if (matching && int64_t(result.cycles) != expected) {
    std::printf("check            FAILED: the memory matches the config's DRAM but the cycles differ\n");
    return 1;
  }
  return 0;
}

}  // namespace

int sc_main(int argc, char **argv) {
  Options o;
  std::string why;
  if (!parse_args(argc, argv, &o, &why)) return usage(why.c_str());
  Inputs in;
  if (!load_inputs(o, &in)) return 2;
  int64_t expected = in.standalone_cycles();

  // Memory map: the schedule's DRAM image from 0, the command buffer on the next 4 KiB page.
  const uint64_t cmd_addr = (npusim::dram_image_bytes(in.schedule()) + 4095) / 4096 * 4096;
  std::vector<uint8_t> buffer = npusim::make_command_buffer(in.schedule());
  if (cmd_addr + buffer.size() > npusim::kMemoryBytes) {
    std::fprintf(stderr, "npusim-systemc-example: %s: the DRAM image and command buffer (%llu bytes) exceed the "
                 "example memory (%llu bytes)\n", o.model, (unsigned long long)(cmd_addr + buffer.size()),
                 (unsigned long long)npusim::kMemoryBytes);
    return 2;
  }

  sc_core::sc_time period(1.0 / in.arch.clock_mhz, sc_core::SC_US);
  npusim::MemoryTiming memory = npusim::matching_memory(in.arch, period);
  bool matching = in.arch.dram.channels <= 1 && in.arch.dram.row_bytes == 0;
  if (o.latency_cycles >= 0) {
    memory.latency = period * double(o.latency_cycles);
    matching = false;
  }
  if (o.bytes_per_cycle > 0) {
    memory.beat_time = period * (double(memory.bytes_per_beat) / o.bytes_per_cycle);
    matching = false;
  }
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));

  int status = run_platform(o, in, memory, matching, expected, cmd_addr, buffer);
  std::fflush(stdout);
  npusim::reset_systemc_kernel();
  return status;
}
