// A SystemC program outside the tree, built against an installed libnpusim-systemc: one
// inference of MODEL on the example platform (host, bus, memory, accelerator) with a memory
// that matches CONFIG's one-channel DRAM, so its cycles must be np_simulate's replay's.
//   systemc_consumer MODEL CONFIG   prints "<platform cycles> <replay cycles>"; exit 0 when equal
#include <cstdio>
#include <vector>

#include <systemc>

#include "platform.h"
#include "systemc/command_buffer.h"

extern "C" {
#include "model/model.h"
#include "simulate/simulate.h"
}

int sc_main(int argc, char **argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: systemc_consumer MODEL CONFIG\n"), 2;
  NpDiag diag;
  np_diag_init(&diag);
  NpArch arch;
  NpSimulation sim{};  // cold and warm, as `npusim run`; the platform runs the cold inference
  NpGraph *graph = np_arch_load_file(argv[2], nullptr, 0, &arch, &diag) ? np_model_load(argv[1], &diag) : nullptr;
  bool ok = graph && np_simulate(graph, &arch, nullptr, &sim, &diag);
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  np_graph_free(graph);
  if (!ok) return 2;
  const NpSchedule &schedule = sim.cold;
  const uint64_t cmd_addr = (npusim::dram_image_bytes(schedule) + 4095) / 4096 * 4096;
  std::vector<uint8_t> buffer = npusim::make_command_buffer(schedule);
  sc_core::sc_time period(1.0 / arch.clock_mhz, sc_core::SC_US);
  npusim::InferenceResult result;
  {
    npusim::Platform platform("platform", arch, npusim::matching_memory(arch, period), [&](npusim::Host &host) {
      result = host.infer(npusim::kRegsBase, cmd_addr, 0, buffer);
    });
    sc_core::sc_start();
  }
  std::printf("%llu %lld\n", (unsigned long long)result.cycles, (long long)sim.cold_stats.cycles);
  bool same = result.status == uint32_t(npusim::State::kDone) && int64_t(result.cycles) == sim.cold_stats.cycles;
  np_simulation_free(&sim);
  npusim::reset_systemc_kernel();
  return same ? 0 : 1;
}
