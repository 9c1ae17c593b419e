// NpuTlm: the accelerator as a SystemC TLM-2.0 (loosely-timed) component for virtual platforms.
//
// Takes: an accelerator config (NpArch) at construction; at run time, register accesses on
// `regs` and, at the command-buffer address, a command buffer (systemc/command_buffer.h)
// holding a schedule lowered for that config.
// Gives: every DRAM burst of the schedule's replay as a TLM-2.0 generic payload on `dma`
// (b_transport, annotated delay, a tlm_quantumkeeper), the inference's timing from the same
// replay engine as `npusim run` (sim/replay/replay.h), and `irq` raised at completion.
// docs/systemc.md has the register map and the timing contract.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

extern "C" {
#include "arch/arch.h"
#include "lower/schedule.h"
#include "replay/replay.h"
}

namespace npusim {

// Register window: 32-bit registers, accessed 4 or 8 bytes at a time (8 covers a LO/HI pair).
namespace reg {
constexpr uint64_t kId = 0x00;           // RO  kIdValue
constexpr uint64_t kCmdAddrLo = 0x08;    // RW  command-buffer address, latched at the doorbell
constexpr uint64_t kCmdAddrHi = 0x0C;
constexpr uint64_t kDramBaseLo = 0x10;   // RW  where the schedule's DRAM address 0 lies, latched at the doorbell
constexpr uint64_t kDramBaseHi = 0x14;
constexpr uint64_t kDoorbell = 0x18;     // WO  write bit 0 = 1: start an inference (reads 0)
constexpr uint64_t kStatus = 0x1C;       // RO  bits 1:0 state; bit 4 kStatusRefused (write 1 to clear)
constexpr uint64_t kError = 0x20;        // RO  ErrorCode of the last inference
constexpr uint64_t kIrqEnable = 0x24;    // RW  kIrqDone | kIrqError
constexpr uint64_t kIrqStatus = 0x28;    // RW1C kIrqDone | kIrqError
constexpr uint64_t kCyclesLo = 0x30;     // RO  cycles of the inference (see docs/systemc.md)
constexpr uint64_t kCyclesHi = 0x34;
constexpr uint64_t kFetchCycles = 0x38;  // RO  cycles the command-buffer read took
constexpr uint64_t kWindowBytes = 0x40;

constexpr uint32_t kIdValue = 0x4E505531u;  // "NPU1"
constexpr uint32_t kStateMask = 0x3;
constexpr uint32_t kStatusRefused = 1u << 4;  // a doorbell came while busy and was ignored
constexpr uint32_t kIrqDone = 1u << 0;
constexpr uint32_t kIrqError = 1u << 1;
}  // namespace reg

enum class State : uint32_t { kIdle = 0, kBusy = 1, kDone = 2, kError = 3 };

enum class ErrorCode : uint32_t {
  kNone = 0,
  kFetchBusError = 1,     // a read of the command buffer got a TLM error response
  kBadHeader = 2,         // wrong magic, version or length
  kBadSchedule = 3,       // the JSON is not a schedule (np_schedule_from_json)
  kConfigMismatch = 4,    // lowered for another config (name or hash differ)
  kScheduleRejected = 5,  // the replay refused it (np_replay_new)
  kDmaBusError = 6,       // a DRAM burst got a TLM error response: the inference stopped
};

// FNV-1a 64 of np_arch_to_yaml(arch): the hash np_lower() writes into NpSchedule.config_hash.
uint64_t config_hash(const NpArch &arch);

class NpuTlm : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<NpuTlm> regs;    // the register window (offsets from 0)
  tlm_utils::simple_initiator_socket<NpuTlm> dma;  // command fetch and DRAM bursts
  sc_core::sc_out<bool> irq;                       // level: (IRQ_STATUS & IRQ_ENABLE) != 0

  // The clock period is 1 / arch.clock_mhz, rounded to the SystemC time resolution.
  NpuTlm(sc_core::sc_module_name name, const NpArch &arch);
  ~NpuTlm() override;
  NpuTlm(const NpuTlm &) = delete;
  NpuTlm &operator=(const NpuTlm &) = delete;

  const sc_core::sc_time &clock_period() const { return period_; }
  const NpArch &arch() const { return arch_; }
  State state() const { return state_; }
  // The last inference's replay stats (complete once it is done; empty before).
  const NpStats &stats() const { return stats_; }
  // Why the last inference failed (empty when it did not).
  const std::string &error_message() const { return error_message_; }

 private:
  void regs_b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay);
  uint32_t read_reg(uint64_t offset, const sc_core::sc_time &at) const;
  void write_reg(uint64_t offset, uint32_t value, const sc_core::sc_time &at);
  void ring_doorbell(const sc_core::sc_time &at);
  void drive_irq();
  void set_irq_status(uint32_t bits);

  void run();
  void infer();
  bool fetch_command_buffer(std::string *json);
  bool read_block(uint64_t addr, uint8_t *dst, uint64_t bytes, sc_core::sc_time start, sc_core::sc_time *end);
  bool replay_schedule(const NpSchedule &schedule);
  static bool on_dram_request(void *user, const NpDramRequest *request, int64_t *done_tick);
  bool answer_burst(const NpDramRequest &request, int64_t *done_tick);
  bool transport(tlm::tlm_command command, uint64_t addr, uint8_t *data, uint64_t bytes, const sc_core::sc_time &at,
                 sc_core::sc_time *done);
  void finish(ErrorCode error, const std::string &message);

  sc_core::sc_time cycles_to_time(int64_t cycles) const;
  sc_core::sc_time next_edge(const sc_core::sc_time &t) const;
  int64_t ticks_since_start(const sc_core::sc_time &t) const;
  void keep_local_time(const sc_core::sc_time &t);

  NpArch arch_;
  uint64_t config_hash_;
  sc_core::sc_time period_;
  sc_core::sc_time reg_delay_;
  tlm_utils::tlm_quantumkeeper qk_;
  sc_core::sc_event doorbell_event_, irq_event_;

  // Registers.
  uint64_t cmd_addr_ = 0, dram_base_ = 0;
  State state_ = State::kIdle;
  bool refused_ = false;
  ErrorCode error_ = ErrorCode::kNone;
  uint32_t irq_enable_ = 0, irq_status_ = 0;
  uint64_t fetch_cycles_ = 0;

  // The inference in flight: addresses latched at the doorbell, its cycle 0, its outcome.
  uint64_t run_cmd_addr_ = 0, run_dram_base_ = 0;
  sc_core::sc_time doorbell_time_, start_time_;
  bool replaying_ = false;
  bool dma_failed_ = false;
  NpStats stats_{};
  std::string error_message_;
  tlm::tlm_generic_payload payload_;
  std::vector<uint8_t> read_scratch_, zeros_;
};

}  // namespace npusim
