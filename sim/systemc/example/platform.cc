#include "platform.h"

#include <algorithm>
#include <cmath>

namespace npusim {

MemoryTiming matching_memory(const NpArch &arch, const sc_core::sc_time &clock_period) {
  const NpDram &d = arch.dram;
  uint64_t burst = uint64_t(d.burst_bytes > 0 ? d.burst_bytes : 1);
  // burst_ticks of docs/timing.md, "Ticks", for one channel carrying the whole bandwidth.
  double burst_ticks = std::ceil(double(burst) * double(NP_REPLAY_TICKS_PER_CYCLE) / d.bytes_per_cycle);
  MemoryTiming m;
  m.latency = clock_period * double(d.latency_cycles);
  m.bytes_per_beat = burst;
  m.beat_time = clock_period * (burst_ticks / double(NP_REPLAY_TICKS_PER_CYCLE));
  m.burst_bytes = burst;
  return m;
}

uint64_t dram_image_bytes(const NpSchedule &schedule) {
  uint64_t end = 0;
  for (size_t i = 0; i < schedule.n_cmds; i++) {
    const NpCommand &c = schedule.cmds[i];
    if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE)
      end = std::max(end, uint64_t(std::max<int64_t>(c.dram_addr, 0) + std::max<int64_t>(c.bytes, 0)));
  }
  return end;
}

void reset_systemc_kernel() { sc_core::sc_get_curr_simcontext()->reset(); }

Platform::Platform(sc_core::sc_module_name name, const NpArch &arch, const MemoryTiming &memory_timing,
                   Host::Script script)
    : sc_module(name), host("host", std::move(script)), bus("bus"), memory("memory", kMemoryBytes, memory_timing),
      npu("npu", arch), irq("irq") {
  host.socket.bind(bus.in);
  npu.dma.bind(bus.in);
  bus.out.bind(memory.socket);  // port 0
  bus.out.bind(npu.regs);       // port 1
  bus.map(0, 0, kMemoryBytes);
  bus.map(1, kRegsBase, reg::kWindowBytes);
  npu.irq.bind(irq);
  host.irq.bind(irq);
}

}  // namespace npusim
