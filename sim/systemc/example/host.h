// Host: the example platform's testbench initiator, standing in for the CPU and its driver.
//
// Takes: a script (a function run in the host's SC_THREAD) that uses the accessors below.
// Gives: loosely-timed register and memory accesses (b_transport, annotated delay, a
// tlm_quantumkeeper), a wait for the interrupt, and infer(): the whole driver sequence (write
// the command buffer, program the registers, ring the doorbell, wait for the interrupt, read
// the result, clear the interrupt).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

namespace npusim {

struct InferenceResult {
  uint32_t status = 0, error = 0, irq_status = 0;
  uint64_t cycles = 0;        // CYCLES
  uint64_t fetch_cycles = 0;  // FETCH_CYCLES
  sc_core::sc_time doorbell;  // when the doorbell write took effect
  sc_core::sc_time interrupt; // when irq rose
};

class Host : public sc_core::sc_module {
 public:
  using Script = std::function<void(Host &)>;

  tlm_utils::simple_initiator_socket<Host> socket;
  sc_core::sc_in<bool> irq;

  Host(sc_core::sc_module_name name, Script script);

  // Each access returns when the host's local time has moved past it; a non-OK response is
  // kept in last_response() (reads then give 0).
  void write32(uint64_t addr, uint32_t value);
  uint32_t read32(uint64_t addr);
  uint64_t read64(uint64_t addr);
  void write_block(uint64_t addr, const std::vector<uint8_t> &bytes);  // in 64-byte writes
  tlm::tlm_response_status last_response() const { return last_response_; }

  sc_core::sc_time now() const { return qk_.get_current_time(); }
  void sync() { qk_.sync(); }
  void wait_until(const sc_core::sc_time &t);  // syncs, then waits until SystemC time t
  void wait_for_irq();                         // syncs, then waits until irq is high

  // The driver sequence for an NPU whose registers start at regs_base.
  InferenceResult infer(uint64_t regs_base, uint64_t cmd_addr, uint64_t dram_base,
                        const std::vector<uint8_t> &command_buffer);

 private:
  void run();
  void access(tlm::tlm_command command, uint64_t addr, uint8_t *data, unsigned bytes);

  Script script_;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_response_status last_response_ = tlm::TLM_OK_RESPONSE;
};

}  // namespace npusim
