#include "systemc/npusim_tlm.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "systemc/command_buffer.h"

extern "C" {
#include "util/diag.h"
}

namespace npusim {

using sc_core::sc_time;
using sc_core::sc_time_stamp;
using sc_core::SC_ZERO_TIME;

namespace {

__extension__ typedef unsigned __int128 u128;

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%" PRIx64, value);
  return text;
}

std::string first_message(const NpDiag &diag, const char *fallback) {
  return diag.count > 0 ? std::string(diag.messages[0]) : std::string(fallback);
}

}  // namespace

uint64_t config_hash(const NpArch &arch) {
  char *yaml = np_arch_to_yaml(&arch);
  uint64_t hash = np_schedule_fnv1a(yaml, std::strlen(yaml), NP_FNV1A_SEED);
  std::free(yaml);
  return hash;
}

NpuTlm::NpuTlm(sc_core::sc_module_name name, const NpArch &arch)
    : sc_module(name), regs("regs"), dma("dma"), irq("irq"), arch_(arch), config_hash_(config_hash(arch)) {
  if (!(arch.clock_mhz > 0)) SC_REPORT_ERROR(this->name(), "the config's clock_mhz must be positive");
  period_ = sc_time(1.0 / arch.clock_mhz, sc_core::SC_US);
  if (period_ == SC_ZERO_TIME)
    SC_REPORT_ERROR(this->name(), "the clock period is below the SystemC time resolution");
  reg_delay_ = period_;
  size_t burst = size_t(arch.dram.burst_bytes > 0 ? arch.dram.burst_bytes : 1);
  read_scratch_.assign(burst, 0);
  zeros_.assign(burst, 0);
  regs.register_b_transport(this, &NpuTlm::regs_b_transport);
  SC_HAS_PROCESS(NpuTlm);
  SC_THREAD(run);
  SC_METHOD(drive_irq);
  sensitive << irq_event_;
}

NpuTlm::~NpuTlm() { np_stats_free(&stats_); }

// ---- time ----

sc_time NpuTlm::cycles_to_time(int64_t cycles) const {
  return sc_time::from_value(start_time_.value() + sc_dt::uint64(cycles) * period_.value());
}

sc_time NpuTlm::next_edge(const sc_time &t) const {
  sc_dt::uint64 p = period_.value();
  return sc_time::from_value((t.value() + p - 1) / p * p);
}

// Ticks of 1/65536 cycle from cycle 0 to t, rounded up (docs/timing.md, "Ticks").
int64_t NpuTlm::ticks_since_start(const sc_time &t) const {
  if (t <= start_time_) return 0;
  u128 units = t.value() - start_time_.value();
  u128 p = period_.value();
  return int64_t((units * u128(NP_REPLAY_TICKS_PER_CYCLE) + p - 1) / p);
}

// Lets this process run ahead of SystemC time up to the global quantum, then yields.
void NpuTlm::keep_local_time(const sc_time &t) {
  sc_time now = sc_time_stamp();
  qk_.set(t > now ? t - now : SC_ZERO_TIME);
  if (qk_.need_sync()) qk_.sync();
}

// ---- registers ----

void NpuTlm::regs_b_transport(tlm::tlm_generic_payload &tx, sc_time &delay) {
  uint64_t offset = tx.get_address();
  unsigned len = tx.get_data_length();
  if (tx.get_byte_enable_ptr()) {
    tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if ((len != 4 && len != 8) || tx.get_streaming_width() < len || offset % len != 0) {
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (offset >= reg::kWindowBytes || reg::kWindowBytes - offset < len) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += reg_delay_;
  sc_time at = sc_time_stamp() + delay;
  unsigned char *data = tx.get_data_ptr();
  for (unsigned w = 0; w < len / 4; w++) {
    uint32_t value;
    if (tx.is_read()) {
      value = read_reg(offset + 4 * w, at);
      std::memcpy(data + 4 * w, &value, 4);
    } else if (tx.is_write()) {
      std::memcpy(&value, data + 4 * w, 4);
      write_reg(offset + 4 * w, value, at);
    }
  }
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

uint32_t NpuTlm::read_reg(uint64_t offset, const sc_time &at) const {
  uint64_t cycles = uint64_t(stats_.cycles);
  if (state_ == State::kBusy)
    cycles = replaying_ && at > start_time_ ? (at - start_time_).value() / period_.value() : 0;
  switch (offset) {
  case reg::kId: return reg::kIdValue;
  case reg::kCmdAddrLo: return uint32_t(cmd_addr_);
  case reg::kCmdAddrHi: return uint32_t(cmd_addr_ >> 32);
  case reg::kDramBaseLo: return uint32_t(dram_base_);
  case reg::kDramBaseHi: return uint32_t(dram_base_ >> 32);
  case reg::kStatus: return uint32_t(state_) | (refused_ ? reg::kStatusRefused : 0);
  case reg::kError: return uint32_t(error_);
  case reg::kIrqEnable: return irq_enable_;
  case reg::kIrqStatus: return irq_status_;
  case reg::kCyclesLo: return uint32_t(cycles);
  case reg::kCyclesHi: return uint32_t(cycles >> 32);
  case reg::kFetchCycles: return uint32_t(std::min<uint64_t>(fetch_cycles_, UINT32_MAX));
  default: return 0;  // the doorbell and reserved offsets read 0
  }
}

static void set_half(uint64_t *reg, bool high, uint32_t value) {
  int shift = high ? 32 : 0;
  *reg = (*reg & ~(uint64_t(UINT32_MAX) << shift)) | (uint64_t(value) << shift);
}

void NpuTlm::write_reg(uint64_t offset, uint32_t value, const sc_time &at) {
  switch (offset) {
  case reg::kCmdAddrLo: set_half(&cmd_addr_, false, value); break;
  case reg::kCmdAddrHi: set_half(&cmd_addr_, true, value); break;
  case reg::kDramBaseLo: set_half(&dram_base_, false, value); break;
  case reg::kDramBaseHi: set_half(&dram_base_, true, value); break;
  case reg::kDoorbell:
    if (value & 1) ring_doorbell(at);
    break;
  case reg::kStatus:
    if (value & reg::kStatusRefused) refused_ = false;
    break;
  case reg::kIrqEnable:
    irq_enable_ = value & (reg::kIrqDone | reg::kIrqError);
    irq_event_.notify(SC_ZERO_TIME);
    break;
  case reg::kIrqStatus:
    irq_status_ &= ~value;
    irq_event_.notify(SC_ZERO_TIME);
    break;
  default: break;  // read-only and reserved offsets ignore writes
  }
}

void NpuTlm::ring_doorbell(const sc_time &at) {
  if (state_ == State::kBusy) {  // refused: the inference in flight goes on untouched
    refused_ = true;
    return;
  }
  state_ = State::kBusy;
  error_ = ErrorCode::kNone;
  error_message_.clear();
  np_stats_free(&stats_);
  stats_ = NpStats{};
  fetch_cycles_ = 0;
  replaying_ = false;
  run_cmd_addr_ = cmd_addr_;
  run_dram_base_ = dram_base_;
  doorbell_time_ = at;
  doorbell_event_.notify(at - sc_time_stamp());
}

void NpuTlm::set_irq_status(uint32_t bits) {
  irq_status_ |= bits;
  irq_event_.notify(SC_ZERO_TIME);
}

// The only writer of `irq`, so that register writes from any initiator's thread may change it.
void NpuTlm::drive_irq() { irq.write((irq_status_ & irq_enable_) != 0); }

// ---- the inference ----

void NpuTlm::run() {
  for (;;) {
    sc_core::wait(doorbell_event_);
    infer();
  }
}

void NpuTlm::infer() {
  qk_.reset();
  std::string json;
  if (!fetch_command_buffer(&json)) return;
  std::string source = "command buffer at " + hex(run_cmd_addr_);
  NpSchedule schedule{};
  NpDiag diag;
  np_diag_init(&diag);
  if (!np_schedule_from_json(json.data(), json.size(), source.c_str(), &schedule, &diag)) {
    finish(ErrorCode::kBadSchedule, first_message(diag, "the schedule could not be read"));
  } else if (std::strcmp(schedule.config_name, arch_.name) != 0 || schedule.config_hash != config_hash_) {
    finish(ErrorCode::kConfigMismatch, source + ": the schedule was lowered for config '" + schedule.config_name +
                                           "' (hash " + hex(schedule.config_hash) + "); this accelerator is '" +
                                           arch_.name + "' (hash " + hex(config_hash_) + ")");
  } else {
    replay_schedule(schedule);
  }
  np_diag_free(&diag);
  np_schedule_free(&schedule);
}

// Reads the header, then the JSON; the replay's cycle 0 is the first clock edge after.
bool NpuTlm::fetch_command_buffer(std::string *json) {
  sc_time begin = next_edge(doorbell_time_);
  std::string source = "command buffer at " + hex(run_cmd_addr_);
  uint8_t header[kCommandHeaderBytes];
  sc_time t;
  if (!read_block(run_cmd_addr_, header, kCommandHeaderBytes, begin, &t)) {
    finish(ErrorCode::kFetchBusError, source + ": reading the header got a bus error");
    return false;
  }
  uint64_t bytes = 0;
  std::string why;
  if (!parse_command_header(header, &bytes, &why)) {
    finish(ErrorCode::kBadHeader, source + ": " + why);
    return false;
  }
  if (run_cmd_addr_ > UINT64_MAX - kCommandHeaderBytes - bytes) {
    finish(ErrorCode::kBadHeader, source + ": its length runs past the end of the address space");
    return false;
  }
  json->resize(bytes);
  if (!read_block(run_cmd_addr_ + kCommandHeaderBytes, reinterpret_cast<uint8_t *>(&(*json)[0]), bytes, t, &t)) {
    finish(ErrorCode::kFetchBusError, source + ": reading the schedule got a bus error");
    return false;
  }
  start_time_ = next_edge(t);
  fetch_cycles_ = (start_time_ - begin).value() / period_.value();
  return true;
}

// Reads `bytes` in bursts of dram.burst_bytes, at most max_outstanding_bursts in flight.
bool NpuTlm::read_block(uint64_t addr, uint8_t *dst, uint64_t bytes, sc_time start, sc_time *end) {
  uint64_t burst = uint64_t(arch_.dram.burst_bytes > 0 ? arch_.dram.burst_bytes : 1);
  size_t outstanding = size_t(arch_.dram.max_outstanding_bursts > 0 ? arch_.dram.max_outstanding_bursts : 1);
  std::vector<sc_time> done_ring(outstanding, start);
  *end = start;
  uint64_t k = 0;
  for (uint64_t offset = 0; offset < bytes; offset += burst, k++) {
    uint64_t n = std::min(burst, bytes - offset);
    sc_time &slot = done_ring[k % outstanding];
    sc_time issue = std::max(start, slot);  // the burst `outstanding` earlier has returned
    if (!transport(tlm::TLM_READ_COMMAND, addr + offset, dst + offset, n, issue, &slot)) {
      keep_local_time(slot);
      return false;
    }
    *end = std::max(*end, slot);
  }
  keep_local_time(*end);
  return true;
}

bool NpuTlm::transport(tlm::tlm_command command, uint64_t addr, uint8_t *data, uint64_t bytes, const sc_time &at,
                       sc_time *done) {
  keep_local_time(at);
  sc_time now = sc_time_stamp();
  sc_time delay = at > now ? at - now : SC_ZERO_TIME;
  payload_.set_command(command);
  payload_.set_address(addr);
  payload_.set_data_ptr(data);
  payload_.set_data_length(unsigned(bytes));
  payload_.set_streaming_width(unsigned(bytes));
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_byte_enable_length(0);
  payload_.set_dmi_allowed(false);
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  dma->b_transport(payload_, delay);
  *done = std::max(sc_time_stamp() + delay, at);
  return payload_.is_response_ok();
}

bool NpuTlm::replay_schedule(const NpSchedule &schedule) {
  NpDramModel model{};
  model.request = &NpuTlm::on_dram_request;
  model.user = this;
  NpReplayOptions options{};
  options.dram = &model;
  NpDiag diag;
  np_diag_init(&diag);
  NpReplay *replay = np_replay_new(&schedule, &arch_, &options, &diag);
  std::string reason = first_message(diag, "the replay refused the schedule");
  np_diag_free(&diag);
  if (!replay) {
    finish(ErrorCode::kScheduleRejected, "command buffer at " + hex(run_cmd_addr_) + ": " + reason);
    return false;
  }
  replaying_ = true;
  dma_failed_ = false;
  for (;;) {
    int64_t next = np_replay_next_cycle(replay);
    if (next == NP_REPLAY_IDLE || dma_failed_) break;
    keep_local_time(cycles_to_time(next));
    np_replay_advance(replay);
  }
  bool ok = !dma_failed_ && np_replay_finished(replay);
  if (ok) {
    np_replay_stats(replay, &stats_);
    keep_local_time(cycles_to_time(stats_.cycles));
  }
  int64_t stopped = np_replay_now(replay);
  np_replay_free(replay);
  if (dma_failed_) {
    finish(ErrorCode::kDmaBusError, error_message_);
  } else if (!ok) {  // every burst is answered at once, so this would be a replay bug
    finish(ErrorCode::kScheduleRejected, "the replay stopped at cycle " + std::to_string(stopped) +
                                             " before every command was done");
  } else {
    finish(ErrorCode::kNone, "");
  }
  return ok;
}

bool NpuTlm::on_dram_request(void *user, const NpDramRequest *request, int64_t *done_tick) {
  return static_cast<NpuTlm *>(user)->answer_burst(*request, done_tick);
}

// One DRAM burst as a b_transport at its issue cycle; the annotated delay that comes back
// says when its last byte has moved.
bool NpuTlm::answer_burst(const NpDramRequest &request, int64_t *done_tick) {
  uint64_t addr = run_dram_base_ + uint64_t(request.addr);
  uint8_t *data = request.write ? zeros_.data() : read_scratch_.data();
  sc_time done;
  bool ok = transport(request.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, data,
                      uint64_t(request.bytes), cycles_to_time(request.issue_cycle), &done);
  if (!ok && !dma_failed_) {
    dma_failed_ = true;
    error_message_ = std::string("DRAM ") + (request.write ? "write" : "read") + " of " +
                     std::to_string(request.bytes) + " bytes at " + hex(addr) + " (command " +
                     std::to_string(request.cmd) + ") got " + payload_.get_response_string();
  }
  *done_tick = std::max(ticks_since_start(done), request.issue_cycle * NP_REPLAY_TICKS_PER_CYCLE);
  return true;
}

void NpuTlm::finish(ErrorCode error, const std::string &message) {
  qk_.sync();  // SystemC time catches up with this process: the interrupt rises when the work ends
  replaying_ = false;
  error_ = error;
  error_message_ = message;
  if (error == ErrorCode::kNone) {
    state_ = State::kDone;
    set_irq_status(reg::kIrqDone);
  } else {
    np_stats_free(&stats_);
    stats_ = NpStats{};
    state_ = State::kError;
    set_irq_status(reg::kIrqError);
    SC_REPORT_WARNING(name(), message.c_str());
  }
}

}  // namespace npusim
