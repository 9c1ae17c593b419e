// MemoryTarget: platform memory for the example platform and the tests, with a latency and a
// bandwidth.
//
// Takes: LT b_transport reads and writes. Gives: the data (a sparse store: unwritten bytes
// read 0) and the timing of one data bus served in arrival order (docs/systemc.md):
//
//     arrival = sc_time_stamp() + delay
//     start   = max(arrival + latency, bus_free)
//     done    = start + ceil(held bytes / bytes_per_beat) x beat_time;   bus_free = done
//     held bytes = length rounded up to a whole number of burst_bytes (0: not rounded)
//
// and returns delay = done - sc_time_stamp(). With latency = L cycles, bytes_per_beat /
// beat_time = the config's bytes per cycle and burst_bytes = the config's burst, this is the
// replay's built-in DRAM model on one channel without the row model (docs/timing.md).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace npusim {

struct MemoryTiming {
  sc_core::sc_time latency;    // request to first data
  uint64_t bytes_per_beat = 8; // data bus width
  sc_core::sc_time beat_time;  // one beat of the data bus
  uint64_t burst_bytes = 0;    // an access holds the bus for whole bursts (0: for its bytes)
};

class MemoryTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemoryTarget> socket;

  // Answers addresses [0, size); others get TLM_ADDRESS_ERROR_RESPONSE.
  MemoryTarget(sc_core::sc_module_name name, uint64_t size, const MemoryTiming &timing);

  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }

 private:
  static constexpr uint64_t kPageBytes = 4096;
  using Page = std::array<uint8_t, kPageBytes>;

  void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay);
  void copy(uint64_t addr, uint8_t *data, uint64_t bytes, bool write);

  uint64_t size_;
  MemoryTiming timing_;
  sc_core::sc_time bus_free_;
  std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
  uint64_t reads_ = 0, writes_ = 0;
};

}  // namespace npusim
