// Platform: the example virtual platform, a host, a bus, a memory and the accelerator.
//
//   host.socket --> bus --> [0, kMemoryBytes)              memory (MemoryTarget)
//   npu.dma     -->     --> [kRegsBase, + reg::kWindowBytes) npu.regs
//   npu.irq --> irq signal --> host.irq
//
// Takes: the accelerator config, the memory's timing and the host's script.
// Gives: the assembled modules (public, so a test can look at them); sc_start() runs it.
#pragma once

#include <cstdint>

#include <systemc>

#include "bus.h"
#include "host.h"
#include "memory_target.h"
#include "systemc/npusim_tlm.h"

namespace npusim {

constexpr uint64_t kMemoryBytes = uint64_t(1) << 30;
constexpr uint64_t kRegsBase = 0x40000000;

// One data bus with the config's DRAM latency, whole bandwidth and burst length: the replay's
// built-in DRAM model when the config has one channel and no row model (docs/systemc.md);
// an approximation otherwise. The beat is one burst: burst_bytes per burst_ticks / 65536
// cycles, rounded to the SystemC time resolution (exact when that is a whole number of
// resolution units).
MemoryTiming matching_memory(const NpArch &arch, const sc_core::sc_time &clock_period);

// Bytes of the schedule's DRAM image: the end of its highest transfer (commands see the image
// from address 0).
uint64_t dram_image_bytes(const NpSchedule &schedule);

// Frees the SystemC kernel's processes (sc_simcontext::reset()) once every module is gone.
// Processes that run under LeakSanitizer need it before they exit: Debian's SystemC runs
// threads on QuickThreads coroutines whose stacks are heap blocks with a PROT_NONE guard page,
// and LSan's heap scan faults on that page; the reset unprotects and frees them.
void reset_systemc_kernel();

class Platform : public sc_core::sc_module {
 public:
  Host host;
  Bus bus;
  MemoryTarget memory;
  NpuTlm npu;
  sc_core::sc_signal<bool> irq;

  Platform(sc_core::sc_module_name name, const NpArch &arch, const MemoryTiming &memory_timing, Host::Script script);
};

}  // namespace npusim
