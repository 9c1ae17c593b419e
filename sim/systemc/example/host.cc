#include "host.h"

#include <algorithm>
#include <cstring>

#include "systemc/npusim_tlm.h"

namespace npusim {

Host::Host(sc_core::sc_module_name name, Script script) : sc_module(name), socket("socket"), irq("irq"),
                                                          script_(std::move(script)) {
  SC_HAS_PROCESS(Host);
  SC_THREAD(run);
}

void Host::run() {
  qk_.reset();
  if (script_) script_(*this);
  qk_.sync();
}

void Host::access(tlm::tlm_command command, uint64_t addr, uint8_t *data, unsigned bytes) {
  tlm::tlm_generic_payload tx;
  tx.set_command(command);
  tx.set_address(addr);
  tx.set_data_ptr(data);
  tx.set_data_length(bytes);
  tx.set_streaming_width(bytes);
  tx.set_byte_enable_ptr(nullptr);
  tx.set_dmi_allowed(false);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = qk_.get_local_time();
  socket->b_transport(tx, delay);
  qk_.set(delay);
  last_response_ = tx.get_response_status();
  if (qk_.need_sync()) qk_.sync();
}

void Host::write32(uint64_t addr, uint32_t value) {
  uint8_t data[4];
  std::memcpy(data, &value, 4);
  access(tlm::TLM_WRITE_COMMAND, addr, data, 4);
}

uint32_t Host::read32(uint64_t addr) {
  uint32_t value = 0;
  uint8_t data[4] = {0, 0, 0, 0};
  access(tlm::TLM_READ_COMMAND, addr, data, 4);
  if (last_response_ == tlm::TLM_OK_RESPONSE) std::memcpy(&value, data, 4);
  return value;
}

uint64_t Host::read64(uint64_t addr) {
  uint64_t value = 0;
  uint8_t data[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  access(tlm::TLM_READ_COMMAND, addr, data, 8);
  if (last_response_ == tlm::TLM_OK_RESPONSE) std::memcpy(&value, data, 8);
  return value;
}

void Host::write_block(uint64_t addr, const std::vector<uint8_t> &bytes) {
  std::vector<uint8_t> chunk;
  for (size_t offset = 0; offset < bytes.size(); offset += 64) {
    size_t n = std::min<size_t>(64, bytes.size() - offset);
    chunk.assign(bytes.begin() + long(offset), bytes.begin() + long(offset + n));
    access(tlm::TLM_WRITE_COMMAND, addr + offset, chunk.data(), unsigned(n));
  }
}

void Host::wait_until(const sc_core::sc_time &t) {
  qk_.sync();
  if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
  qk_.reset();
}

void Host::wait_for_irq() {
  qk_.sync();
  while (!irq.read()) sc_core::wait(irq.value_changed_event());
  qk_.reset();
}

InferenceResult Host::infer(uint64_t regs_base, uint64_t cmd_addr, uint64_t dram_base,
                            const std::vector<uint8_t> &command_buffer) {
  InferenceResult r;
  write_block(cmd_addr, command_buffer);
  write32(regs_base + reg::kCmdAddrLo, uint32_t(cmd_addr));
  write32(regs_base + reg::kCmdAddrHi, uint32_t(cmd_addr >> 32));
  write32(regs_base + reg::kDramBaseLo, uint32_t(dram_base));
  write32(regs_base + reg::kDramBaseHi, uint32_t(dram_base >> 32));
  write32(regs_base + reg::kIrqEnable, reg::kIrqDone | reg::kIrqError);
  write32(regs_base + reg::kDoorbell, 1);
  r.doorbell = now();
  wait_for_irq();
  r.interrupt = sc_core::sc_time_stamp();
  r.status = read32(regs_base + reg::kStatus);
  r.error = read32(regs_base + reg::kError);
  r.irq_status = read32(regs_base + reg::kIrqStatus);
  r.cycles = read64(regs_base + reg::kCyclesLo);
  r.fetch_cycles = read32(regs_base + reg::kFetchCycles);
  write32(regs_base + reg::kIrqStatus, r.irq_status);  // write 1 to clear
  return r;
}

}  // namespace npusim
