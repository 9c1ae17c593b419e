#include "memory_target.h"

#include <algorithm>
#include <cstring>

namespace npusim {

MemoryTarget::MemoryTarget(sc_core::sc_module_name name, uint64_t size, const MemoryTiming &timing)
    : sc_module(name), socket("socket"), size_(size), timing_(timing) {
  if (timing_.bytes_per_beat == 0) SC_REPORT_ERROR(this->name(), "bytes_per_beat must be positive");
  socket.register_b_transport(this, &MemoryTarget::b_transport);
}

void MemoryTarget::b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay) {
  uint64_t addr = tx.get_address();
  uint64_t len = tx.get_data_length();
  if (tx.get_byte_enable_ptr()) {
    tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (tx.get_streaming_width() < len) {
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (addr >= size_ || size_ - addr < len) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (tx.is_read() || tx.is_write()) {
    copy(addr, tx.get_data_ptr(), len, tx.is_write());
    (tx.is_write() ? writes_ : reads_)++;
  }
  uint64_t held = len;
  if (timing_.burst_bytes > 0) held = (len + timing_.burst_bytes - 1) / timing_.burst_bytes * timing_.burst_bytes;
  uint64_t beats = (held + timing_.bytes_per_beat - 1) / timing_.bytes_per_beat;
  sc_core::sc_time now = sc_core::sc_time_stamp();
  sc_core::sc_time start = std::max(now + delay + timing_.latency, bus_free_);
  bus_free_ = start + sc_core::sc_time::from_value(timing_.beat_time.value() * beats);
  delay = bus_free_ - now;
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

void MemoryTarget::copy(uint64_t addr, uint8_t *data, uint64_t bytes, bool write) {
  while (bytes > 0) {
    uint64_t base = addr / kPageBytes, offset = addr % kPageBytes;
    uint64_t n = std::min(bytes, kPageBytes - offset);
    auto it = pages_.find(base);
    if (write) {
      if (it == pages_.end()) it = pages_.emplace(base, std::make_unique<Page>(Page{})).first;
      std::memcpy(it->second->data() + offset, data, n);
    } else if (it == pages_.end()) {
      std::memset(data, 0, n);
    } else {
      std::memcpy(data, it->second->data() + offset, n);
    }
    addr += n;
    data += n;
    bytes -= n;
  }
}

}  // namespace npusim
