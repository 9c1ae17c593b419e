// The register window (docs/systemc.md, "Registers"): status before, during and after an
// inference, the interrupt's raise and write-1-to-clear, the doorbell refused while busy,
// errors, and malformed register accesses.
//
// The inference is the one-LOAD schedule of systemc_timing_test.cc on a memory matching
// rtl-small: 138 cycles (L + 16 bursts x 8), after a command-buffer fetch of 28 + 8n cycles
// (systemc_support.h). The host's register accesses take one cycle each (10 ns).
#include "systemc_support.h"

using namespace npusim_test;
using namespace npusim::reg;

namespace {

constexpr uint64_t kLoadCycles = 138;
const uint32_t kIdle = uint32_t(npusim::State::kIdle), kBusy = uint32_t(npusim::State::kBusy),
               kDone = uint32_t(npusim::State::kDone), kErr = uint32_t(npusim::State::kError);

struct Bench {
  NpArch arch = rtl_small();
  OneLoad load{arch, 1024};
  std::vector<uint8_t> buffer = npusim::make_command_buffer(*load.schedule);
  uint64_t fetch = rtl_small_fetch_cycles(buffer.size() - npusim::kCommandHeaderBytes);
  npusim::MemoryTiming memory() const { return npusim::matching_memory(arch, sc_core::sc_time(10, sc_core::SC_NS)); }
};

sc_core::sc_time ns(double n) { return sc_core::sc_time(n, sc_core::SC_NS); }

}  // namespace

TEST(SystemcRegisters, ResetValues) {
  Bench b;
  uint32_t id = 0, status = 1, error = 1, irq_status = 1, fetch = 1;
  uint64_t cycles = 1;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    id = h.read32(kRegs + kId);
    status = h.read32(kRegs + kStatus);
    error = h.read32(kRegs + kError);
    irq_status = h.read32(kRegs + kIrqStatus);
    cycles = h.read64(kRegs + kCyclesLo);
    fetch = h.read32(kRegs + kFetchCycles);
  });
  sc_core::sc_start();
  EXPECT_EQ(id, kIdValue);
  EXPECT_EQ(status, kIdle);
  EXPECT_EQ(error, 0u);
  EXPECT_EQ(irq_status, 0u);
  EXPECT_EQ(cycles, 0u);
  EXPECT_EQ(fetch, 0u);
  EXPECT_FALSE(p.irq.read());
}

TEST(SystemcRegisters, StatusBeforeDuringAfterAndInterruptClear) {
  Bench b;
  std::vector<uint32_t> status;
  uint64_t cycles_during = 0, cycles_after = 0;
  uint32_t irq_status_after = 0, irq_status_cleared = 1;
  bool irq_during = true, irq_after = false, irq_cleared = true;
  sc_core::sc_time doorbell, raised;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    prepare(h, b.buffer);
    h.write32(kRegs + kIrqEnable, kIrqDone);
    status.push_back(h.read32(kRegs + kStatus));  // before
    h.write32(kRegs + kDoorbell, 1);
    doorbell = h.now();
    status.push_back(h.read32(kRegs + kStatus));  // during the fetch
    // 50 cycles into the inference: the read lands one cycle (its own access) later.
    h.wait_until(doorbell + ns(10.0 * double(b.fetch + 50)));
    cycles_during = h.read64(kRegs + kCyclesLo);
    status.push_back(h.read32(kRegs + kStatus));  // during the replay
    h.sync();
    irq_during = h.irq.read();
    h.wait_for_irq();
    raised = sc_core::sc_time_stamp();
    irq_after = h.irq.read();
    status.push_back(h.read32(kRegs + kStatus));  // after
    irq_status_after = h.read32(kRegs + kIrqStatus);
    cycles_after = h.read64(kRegs + kCyclesLo);
    h.write32(kRegs + kIrqStatus, kIrqDone);  // write 1 to clear
    h.wait_until(h.now() + ns(10));
    irq_cleared = h.irq.read();
    irq_status_cleared = h.read32(kRegs + kIrqStatus);
    status.push_back(h.read32(kRegs + kStatus));  // done stays until the next doorbell
  });
  sc_core::sc_start();
  EXPECT_EQ(status, (std::vector<uint32_t>{kIdle, kBusy, kBusy, kDone, kDone}));
  EXPECT_EQ(cycles_during, 51u);
  EXPECT_FALSE(irq_during);
  EXPECT_TRUE(irq_after);
  EXPECT_EQ(raised - doorbell, ns(10.0 * double(b.fetch + kLoadCycles)));
  EXPECT_EQ(irq_status_after, kIrqDone);
  EXPECT_EQ(cycles_after, kLoadCycles);
  EXPECT_FALSE(irq_cleared);
  EXPECT_EQ(irq_status_cleared, 0u);
}

// A doorbell while busy is ignored: the inference in flight ends when it would have, the
// memory sees one command fetch, and STATUS bit 4 (REFUSED) is set until written with 1.
TEST(SystemcRegisters, DoorbellWhileBusyIsRefused) {
  Bench b;
  uint32_t refused_status = 0, after_status = 0, cleared_status = 0, error = 1;
  uint64_t cycles = 0;
  sc_core::sc_time doorbell, raised;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    prepare(h, b.buffer);
    h.write32(kRegs + kIrqEnable, kIrqDone | kIrqError);
    h.write32(kRegs + kDoorbell, 1);
    doorbell = h.now();
    h.wait_until(doorbell + ns(10.0 * double(b.fetch + 20)));
    h.write32(kRegs + kDoorbell, 1);  // refused
    refused_status = h.read32(kRegs + kStatus);
    h.wait_for_irq();
    raised = sc_core::sc_time_stamp();
    after_status = h.read32(kRegs + kStatus);
    error = h.read32(kRegs + kError);
    cycles = h.read64(kRegs + kCyclesLo);
    h.write32(kRegs + kStatus, kStatusRefused);  // write 1 to clear REFUSED
    cleared_status = h.read32(kRegs + kStatus);
    h.wait_until(h.now() + ns(10000));  // a second inference would have started and read memory
  });
  sc_core::sc_start();
  uint64_t reads_at_done = p.memory.reads();
  EXPECT_EQ(refused_status, kBusy | kStatusRefused);
  EXPECT_EQ(after_status, kDone | kStatusRefused);
  EXPECT_EQ(error, 0u);
  EXPECT_EQ(cleared_status, kDone);
  EXPECT_EQ(cycles, kLoadCycles);
  EXPECT_EQ(raised - doorbell, ns(10.0 * double(b.fetch + kLoadCycles)));
  // One fetch (header + ceil(json / 64) bursts) and 16 LOAD bursts; the refused doorbell read nothing.
  EXPECT_EQ(reads_at_done, 1 + (b.buffer.size() - 16 + 63) / 64 + 16);
}

// IRQ_ENABLE masks the line, not the status: the line rises when the bit is enabled later.
TEST(SystemcRegisters, MaskedInterruptRisesWhenEnabled) {
  Bench b;
  bool irq_masked = true, irq_enabled = false;
  uint32_t irq_status = 0;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    prepare(h, b.buffer);
    h.write32(kRegs + kDoorbell, 1);
    h.wait_until(h.now() + ns(10.0 * double(b.fetch + kLoadCycles + 10)));
    irq_masked = h.irq.read();
    irq_status = h.read32(kRegs + kIrqStatus);
    h.write32(kRegs + kIrqEnable, kIrqDone);
    h.wait_until(h.now() + ns(10));
    irq_enabled = h.irq.read();
  });
  sc_core::sc_start();
  EXPECT_FALSE(irq_masked);
  EXPECT_EQ(irq_status, kIrqDone);
  EXPECT_TRUE(irq_enabled);
}

// A command buffer with a wrong magic: status error, ERROR = 2, the error interrupt; a good
// buffer after it runs normally.
TEST(SystemcRegisters, BadHeaderIsAnErrorAndTheNextDoorbellRecovers) {
  Bench b;
  npusim::InferenceResult bad, good;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    std::vector<uint8_t> broken = b.buffer;
    broken[0] = 'X';
    bad = h.infer(kRegs, kCmdAddr, kDramBase, broken);
    good = h.infer(kRegs, kCmdAddr, kDramBase, b.buffer);
  });
  sc_core::sc_start();
  EXPECT_EQ(bad.status, kErr);
  EXPECT_EQ(bad.error, uint32_t(npusim::ErrorCode::kBadHeader));
  EXPECT_EQ(bad.irq_status, kIrqError);
  EXPECT_EQ(bad.fetch_cycles, 0u);
  EXPECT_EQ(bad.interrupt - bad.doorbell, ns(10.0 * 18));  // the header read alone: L + 8
  EXPECT_EQ(good.status, kDone);
  EXPECT_EQ(good.error, 0u);
  EXPECT_EQ(good.irq_status, kIrqDone);
  EXPECT_EQ(good.cycles, kLoadCycles);
}

TEST(SystemcRegisters, ScheduleForAnotherConfigIsRefused) {
  Bench b;
  NpArch other = b.arch;
  other.dram.latency_cycles = 11;  // same name, other hash
  OneLoad foreign(other, 1024);
  std::vector<uint8_t> buffer = npusim::make_command_buffer(*foreign.schedule);
  npusim::InferenceResult r;
  npusim::Platform p("platform", b.arch, b.memory(),
                     [&](npusim::Host &h) { r = h.infer(kRegs, kCmdAddr, kDramBase, buffer); });
  sc_core::sc_start();
  EXPECT_EQ(r.status, kErr);
  EXPECT_EQ(r.error, uint32_t(npusim::ErrorCode::kConfigMismatch));
  EXPECT_NE(p.npu.error_message().find("lowered for config 'rtl-small'"), std::string::npos) << p.npu.error_message();
}

TEST(SystemcRegisters, JsonThatIsNotAScheduleIsRefused) {
  Bench b;
  std::vector<uint8_t> buffer = npusim::make_command_buffer(std::string("{\"schema\": 1}"));
  npusim::InferenceResult r;
  npusim::Platform p("platform", b.arch, b.memory(),
                     [&](npusim::Host &h) { r = h.infer(kRegs, kCmdAddr, kDramBase, buffer); });
  sc_core::sc_start();
  EXPECT_EQ(r.status, kErr);
  EXPECT_EQ(r.error, uint32_t(npusim::ErrorCode::kBadSchedule));
  EXPECT_NE(p.npu.error_message().find("command buffer at 0x10000"), std::string::npos) << p.npu.error_message();
}

// The command buffer at an address no bus range holds: the header read fails.
TEST(SystemcRegisters, FetchBusErrorIsReported) {
  Bench b;
  npusim::InferenceResult r;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    h.write32(kRegs + kCmdAddrLo, 0);
    h.write32(kRegs + kCmdAddrHi, 0x10);  // 0x10_0000_0000: unmapped
    h.write32(kRegs + kIrqEnable, kIrqError);
    h.write32(kRegs + kDoorbell, 1);
    h.wait_for_irq();
    r.status = h.read32(kRegs + kStatus);
    r.error = h.read32(kRegs + kError);
  });
  sc_core::sc_start();
  EXPECT_EQ(r.status, kErr);
  EXPECT_EQ(r.error, uint32_t(npusim::ErrorCode::kFetchBusError));
}

// DRAM_BASE puts the schedule's DRAM image past the end of memory: the first burst fails and
// the inference stops.
TEST(SystemcRegisters, DmaBusErrorStopsTheInference) {
  Bench b;
  npusim::InferenceResult r;
  npusim::Platform p("platform", b.arch, b.memory(),
                     [&](npusim::Host &h) { r = h.infer(kRegs, kCmdAddr, npusim::kMemoryBytes - 512, b.buffer); });
  sc_core::sc_start();
  EXPECT_EQ(r.status, kErr);
  EXPECT_EQ(r.error, uint32_t(npusim::ErrorCode::kDmaBusError));
  EXPECT_EQ(r.irq_status, kIrqError);
  EXPECT_NE(p.npu.error_message().find("DRAM read of 64 bytes at 0x40000000"), std::string::npos)
      << p.npu.error_message();
}

TEST(SystemcRegisters, MalformedAccessesGetErrorResponses) {
  Bench b;
  std::vector<tlm::tlm_response_status> got;
  uint32_t readback = 0;
  npusim::Platform p("platform", b.arch, b.memory(), [&](npusim::Host &h) {
    h.read32(kRegs + kStatus + 2);  // unaligned
    got.push_back(h.last_response());
    h.write32(kRegs + kWindowBytes - 4 + 4, 0);  // past the window: the bus has no range there
    got.push_back(h.last_response());
    h.read64(kRegs + kCmdAddrHi);  // 8 bytes not aligned to 8
    got.push_back(h.last_response());
    h.write32(kRegs + kId, 0x12345678);  // read-only: ignored
    got.push_back(h.last_response());
    readback = h.read32(kRegs + kId);
  });
  sc_core::sc_start();
  EXPECT_EQ(got, (std::vector<tlm::tlm_response_status>{tlm::TLM_BURST_ERROR_RESPONSE,
                                                         tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                         tlm::TLM_BURST_ERROR_RESPONSE, tlm::TLM_OK_RESPONSE}));
  EXPECT_EQ(readback, kIdValue);
}
