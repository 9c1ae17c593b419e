// Bus: the example platform's interconnect. Any number of initiators bind to `in`, any number
// of targets to `out`; map() gives each target an address range. A transaction goes to the
// target whose range holds it, with the address made relative to the range's base; an address
// no range holds gets TLM_ADDRESS_ERROR_RESPONSE. The bus adds no delay.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace npusim {

class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> in;
  tlm_utils::multi_passthrough_initiator_socket<Bus> out;

  explicit Bus(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
    in.register_b_transport(this, &Bus::b_transport);
  }

  // Target `port` (the order targets were bound to `out`, from 0) answers [base, base + size).
  void map(int port, uint64_t base, uint64_t size) { ranges_.push_back({port, base, size}); }

 private:
  struct Range {
    int port;
    uint64_t base, size;
  };

  void b_transport(int, tlm::tlm_generic_payload &tx, sc_core::sc_time &delay) {
    uint64_t addr = tx.get_address();
    for (const Range &r : ranges_) {
      if (addr < r.base || addr - r.base >= r.size) continue;
      tx.set_address(addr - r.base);
      out[r.port]->b_transport(tx, delay);
      tx.set_address(addr);
      return;
    }
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }

  std::vector<Range> ranges_;
};

}  // namespace npusim
