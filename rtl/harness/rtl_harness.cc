#include "rtl_harness.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "Vnp_top.h"
#include "verilated.h"

extern "C" {
#include "replay/replay.h"
#include "trace/trace.h"
}
#include "model_trace.h"

namespace {

// The RTL's capacities (np_top.sv parameters).
constexpr int kLanes = 8, kSlots = 16, kMaxOut = 8, kMaxChannels = 2, kMaxBanks = 8, kTags = 32;
constexpr int kRows = 8, kCols = 8, kAdepth = 4096, kBdepth = 4096, kMaxM = 1024;

// ---- bit access into Verilator's port types ----
template <typename T>
void put_bits(T &sig, int lsb, int width, uint64_t v) {
  uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
  uint64_t cur = (uint64_t)sig;
  cur = (cur & ~(mask << lsb)) | ((v & mask) << lsb);
  sig = (T)cur;
}
template <std::size_t N>
void put_bits(VlWide<N> &sig, int lsb, int width, uint64_t v) {
  for (int i = 0; i < width; i++) {
    int bit = lsb + i;
    uint32_t &w = sig[bit / 32];
    if ((v >> i) & 1)
      w |= 1u << (bit % 32);
    else
      w &= ~(1u << (bit % 32));
  }
}
template <typename T>
uint64_t get_bits(const T &sig, int lsb, int width) {
  uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
  return ((uint64_t)sig >> lsb) & mask;
}
template <std::size_t N>
uint64_t get_bits(const VlWide<N> &sig, int lsb, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; i++) {
    int bit = lsb + i;
    v |= (uint64_t)((sig[bit / 32] >> (bit % 32)) & 1) << i;
  }
  return v;
}
template <typename T>
void clear(T &sig) { sig = 0; }
template <std::size_t N>
void clear(VlWide<N> &sig) { for (std::size_t i = 0; i < N; i++) sig[i] = 0; }

// The memory image: deterministic int8 operands (a 32-bit LCG).
struct Image {
  int8_t a[kAdepth], b[kBdepth];
  explicit Image(uint32_t seed) {
    uint32_t x = seed;
    auto next = [&x]() { x = x * 1664525u + 1013904223u; return (int8_t)(x >> 24); };
    for (auto &v : a) v = next();
    for (auto &v : b) v = next();
  }
  int64_t ref(const NpGemmShape &g, int64_t bi, int64_t m, int64_t n) const {
    int64_t sum = 0;
    for (int64_t k = 0; k < g.k; k++) {
      uint64_t ai = (uint64_t)(bi * g.m * g.k + m * g.k + k) % kAdepth;
      uint64_t bj = (uint64_t)(bi * g.k * g.n + k * g.n + n) % kBdepth;
      sum += (int64_t)a[ai] * b[bj];
    }
    return (int32_t)sum;
  }
};

enum class State { kWaiting, kReady, kRunning, kDone };

struct CmdRun {
  State state = State::kWaiting;
  int32_t deps_left = 0;
  int64_t ready = 0, start = 0, end = 0;
  int64_t work = 0;       // SYNC cost; COMPUTE cycles off the RTL array
  int slot = -1, tag = -1;
  bool on_array = false;
  bool bank_work = false;
  uint64_t bursts = 0;
  int64_t outputs = 0;    // array outputs seen
};

class Harness {
 public:
  Harness(const NpSchedule *s, const NpArch *a, RtlRunResult *res) : s_(s), a_(a), res_(res), image_(0x5eed1234u) {}

  bool run(const std::string &trace_path);

 private:
  const NpSchedule *s_;
  const NpArch *a_;
  RtlRunResult *res_;
  Image image_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vnp_top> top_;
  std::vector<CmdRun> cs_;
  std::vector<std::vector<int32_t>> succ_;
  std::vector<std::vector<int32_t>> engine_ready_;  // per engine, ready COMPUTE ids (kept sorted)
  std::vector<int32_t> ready_transfers_;
  std::vector<int32_t> running_;
  std::vector<int> engine_busy_;                    // command id or -1
  std::vector<int> free_slots_, free_tags_;
  int array_engine_ = -1;
  int32_t array_cmd_ = -1;
  int lanes_dma_ = 0, lanes_sram_ = 0;
  size_t done_ = 0;
  int64_t now_ = 0;
  NpTraceWriter *writer_ = nullptr;

  bool fail(const std::string &msg) {
    if (res_->error.empty()) res_->error = msg;
    return false;
  }
  bool configure();
  void load_image();
  void clear_inputs();
  void tick();
  bool is_done(int32_t id) const;
  bool end_command(int32_t id);
  void make_ready(int32_t id);
  bool start_command(int32_t id);
  bool start_phase();
  void collect_outputs();
};

bool Harness::configure() {
  const NpDram &d = a_->dram;
  double ticks = std::ceil((double)d.burst_bytes * (double)d.channels * (double)NP_REPLAY_TICKS_PER_CYCLE /
                           d.bytes_per_cycle);
  if (d.bytes_per_cycle <= 0 || ticks < (double)NP_REPLAY_TICKS_PER_CYCLE || ticks > 4e9)
    return fail("config '" + std::string(a_->name) + "': a DRAM burst must hold the bus 1 cycle to 65535 cycles in the RTL");
  if (d.channels < 1 || d.channels > kMaxChannels) return fail("config: dram.channels must be 1.." + std::to_string(kMaxChannels) + " for the RTL");
  if (d.max_outstanding_bursts < 1 || d.max_outstanding_bursts > kMaxOut)
    return fail("config: dram.max_outstanding_bursts must be 1.." + std::to_string(kMaxOut) + " for the RTL");
  if (d.latency_cycles < 1 || d.latency_cycles > 65535) return fail("config: dram.latency_cycles must be 1..65535 for the RTL");
  if (d.row_bytes > 0) return fail("config: the RTL DRAM responder has no row model (dram.row_bytes must be 0)");
  if (d.burst_bytes < 1 || d.burst_bytes > 65535) return fail("config: dram.burst_bytes out of the RTL's range");
  const NpSram &m = a_->sram;
  if (m.banks < 1 || m.banks > kMaxBanks) return fail("config: sram.banks must be 1.." + std::to_string(kMaxBanks) + " for the RTL");
  if (m.ports_per_bank < 1 || m.ports_per_bank > 255 || m.bank_width_bytes < 1 || m.bank_width_bytes > 65535)
    return fail("config: sram ports or width out of the RTL's range");
  for (int e = 0; e < a_->n_engines; e++) {
    const NpEngine &en = a_->engines[e];
    if (en.kind == NP_ENGINE_MAC_ARRAY && array_engine_ < 0) {
      if (en.rows != kRows || en.cols != kCols) return fail("config: the RTL MAC array is 8x8");
      if (en.dataflow != NP_DATAFLOW_WS && en.dataflow != NP_DATAFLOW_OS) return fail("config: the RTL MAC array runs ws or os");
      array_engine_ = e;
    }
  }
  top_->cfg_latency = (uint16_t)d.latency_cycles;
  top_->cfg_burst_ticks = (uint32_t)ticks;
  top_->cfg_burst_bytes = (uint16_t)d.burst_bytes;
  top_->cfg_channels = (uint8_t)d.channels;
  top_->cfg_max_outstanding = (uint16_t)d.max_outstanding_bursts;
  top_->cfg_banks = (uint8_t)m.banks;
  top_->cfg_bank_width = (uint16_t)m.bank_width_bytes;
  top_->cfg_ports = (uint8_t)m.ports_per_bank;
  return true;
}

void Harness::load_image() {
  top_->rst = 1;
  top_->clk = 0;
  for (int i = 0; i < std::max(kAdepth, kBdepth); i++) {
    top_->mac_a_we = i < kAdepth;
    top_->mac_b_we = 0;
    top_->mac_mem_addr = (uint32_t)i;
    top_->mac_mem_data = (uint8_t)image_.a[i % kAdepth];
    top_->eval();
    top_->clk = 1;
    top_->eval();
    top_->clk = 0;
    top_->mac_a_we = 0;
    top_->mac_b_we = i < kBdepth;
    top_->mac_mem_data = (uint8_t)image_.b[i % kBdepth];
    top_->eval();
    top_->clk = 1;
    top_->eval();
    top_->clk = 0;
  }
  top_->mac_a_we = top_->mac_b_we = 0;
  top_->eval();
  top_->clk = 1;
  top_->eval();
  top_->clk = 0;
  top_->rst = 0;
  top_->eval();
}

void Harness::clear_inputs() {
  clear(top_->dma_start);
  clear(top_->dma_release);
  clear(top_->sram_start);
  clear(top_->sram_read_banks);
  clear(top_->sram_write_banks);
  top_->mac_start = 0;
  lanes_dma_ = lanes_sram_ = 0;
}

void Harness::tick() {
  top_->eval();
  top_->clk = 1;
  top_->eval();
  top_->clk = 0;
  now_++;
  collect_outputs();
}

void Harness::collect_outputs() {
  if (array_cmd_ < 0) return;
  const NpCommand &c = s_->cmds[array_cmd_];
  CmdRun &r = cs_[array_cmd_];
  for (int lane = 0; lane < kRows * kCols; lane++) {
    if (!get_bits(top_->mac_out_valid, lane, 1)) continue;
    r.outputs++;
    if (c.gemm.m > kMaxM && s_->cmds[array_cmd_].engine >= 0 && a_->engines[array_engine_].dataflow == NP_DATAFLOW_WS)
      continue;
    int64_t bi = (int64_t)get_bits(top_->mac_out_b, lane * 32, 32);
    int64_t m = (int64_t)get_bits(top_->mac_out_m, lane * 32, 32);
    int64_t n = (int64_t)get_bits(top_->mac_out_n, lane * 32, 32);
    int32_t v = (int32_t)get_bits(top_->mac_out_v, lane * 32, 32);
    res_->outputs_checked++;
    if (v != image_.ref(c.gemm, bi, m, n)) res_->output_mismatches++;
  }
}

bool Harness::is_done(int32_t id) const {
  const NpCommand &c = s_->cmds[id];
  const CmdRun &r = cs_[id];
  // tagged bank work takes at least a cycle, and the arbiter reports it from the next one
  bool sram_ok = r.tag < 0 || (now_ > r.start && !get_bits(top_->sram_busy, r.tag, 1));
  switch (c.kind) {
  case NP_CMD_LOAD:
  case NP_CMD_STORE:
    return sram_ok && (r.slot < 0 || get_bits(top_->dma_done, r.slot, 1));
  case NP_CMD_COMPUTE:
    if (r.on_array) return sram_ok && now_ > r.start && top_->mac_done && array_cmd_ == id;
    return sram_ok && now_ >= r.start + r.work;
  case NP_CMD_SYNC:
    return now_ >= r.start + r.work;
  }
  return false;
}

bool Harness::end_command(int32_t id) {
  const NpCommand &c = s_->cmds[id];
  CmdRun &r = cs_[id];
  r.state = State::kDone;
  r.end = now_;
  NpTraceRecord rec{};
  rec.command = (uint32_t)id;
  rec.layer = (uint32_t)(c.layer >= 0 ? c.layer : 0);
  rec.kind = (NpTraceKind)c.kind;
  rec.start = (uint64_t)r.start;
  rec.end = (uint64_t)r.end;
  if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE) {
    rec.unit_kind = NP_TRACE_UNIT_DMA;
    rec.unit = np_rtl_first_channel(a_, &c);
    rec.bytes = (uint64_t)c.bytes;
    if (r.slot >= 0) {
      rec.bursts = get_bits(top_->dma_bursts, r.slot * 32, 32);
      put_bits(top_->dma_release, r.slot, 1, 1);
      free_slots_.push_back(r.slot);
    }
  } else {
    rec.unit_kind = NP_TRACE_UNIT_ENGINE;
    rec.unit = (uint16_t)(c.kind == NP_CMD_SYNC ? c.to_engine : c.engine);
    if (c.kind == NP_CMD_COMPUTE) {
      rec.bytes = (uint64_t)(c.sram_read_bytes + c.sram_write_bytes);
      rec.stall[NP_TRACE_STALL_UNIT] = (uint64_t)(r.start - r.ready);
      engine_busy_[c.engine] = -1;
      if (r.on_array) {
        array_cmd_ = -1;
        bool checked = !(c.gemm.m > kMaxM && a_->engines[array_engine_].dataflow == NP_DATAFLOW_WS);
        if (!checked) res_->unchecked_commands++;
        int64_t want = c.gemm.m * c.gemm.n * c.gemm.batch;
        if (r.outputs != want)
          return fail("command " + std::to_string(id) + ": the MAC array produced " + std::to_string(r.outputs) +
                      " outputs, expected " + std::to_string(want));
      }
    }
  }
  if (r.tag >= 0) free_tags_.push_back(r.tag);
  if (writer_ && !np_trace_write(writer_, &rec)) return fail("trace: writing a record failed");
  if (r.end > res_->cycles) res_->cycles = r.end;
  done_++;
  for (int32_t next : succ_[id])
    if (--cs_[next].deps_left == 0) make_ready(next);
  return true;
}

void Harness::make_ready(int32_t id) {
  const NpCommand &c = s_->cmds[id];
  CmdRun &r = cs_[id];
  r.ready = now_;
  r.state = State::kReady;
  if (c.kind == NP_CMD_SYNC) { /* holds no unit: starts when ready */
    r.start = now_;
    r.work = a_->sync.cycles[a_->engines[c.from_engine].kind][a_->engines[c.to_engine].kind];
    r.state = State::kRunning;
    running_.push_back(id);
  } else if (c.kind == NP_CMD_COMPUTE) {
    auto &q = engine_ready_[c.engine];
    q.insert(std::upper_bound(q.begin(), q.end(), id), id);
  } else {
    ready_transfers_.push_back(id);
  }
}

bool Harness::start_command(int32_t id) {
  const NpCommand &c = s_->cmds[id];
  CmdRun &r = cs_[id];
  r.start = now_;
  r.state = State::kRunning;
  running_.push_back(id);
  // bank work: reads and writes, as the schedule names them
  int64_t rd = 0, wr = 0;
  uint64_t rb = 0, wb = 0;
  if (c.kind == NP_CMD_LOAD) wr = c.bytes, wb = c.banks;
  else if (c.kind == NP_CMD_STORE) rd = c.bytes, rb = c.banks;
  else rd = c.sram_read_bytes, rb = c.banks_read, wr = c.sram_write_bytes, wb = c.banks_written;
  if ((rd > 0 && rb) || (wr > 0 && wb)) {
    if (lanes_sram_ == kLanes) return fail("more than " + std::to_string(kLanes) + " commands start in cycle " + std::to_string(now_));
    if (free_tags_.empty()) return fail("more than " + std::to_string(kTags) + " commands with SRAM work at once");
    r.tag = free_tags_.back();
    free_tags_.pop_back();
    int l = lanes_sram_++;
    put_bits(top_->sram_start, l, 1, 1);
    put_bits(top_->sram_tag, l * 5, 5, (uint64_t)r.tag);
    put_bits(top_->sram_read_bytes, l * 64, 64, (uint64_t)rd);
    put_bits(top_->sram_read_banks, l * kMaxBanks, kMaxBanks, rb);
    put_bits(top_->sram_write_bytes, l * 64, 64, (uint64_t)wr);
    put_bits(top_->sram_write_banks, l * kMaxBanks, kMaxBanks, wb);
  }
  if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE) {
    if (c.bytes > 0) {
      if (lanes_dma_ == kLanes) return fail("more than " + std::to_string(kLanes) + " transfers start in cycle " + std::to_string(now_));
      if (free_slots_.empty()) return fail("more than " + std::to_string(kSlots) + " transfers at once");
      r.slot = free_slots_.back();
      free_slots_.pop_back();
      int l = lanes_dma_++;
      put_bits(top_->dma_start, l, 1, 1);
      put_bits(top_->dma_slot, l * 8, 8, (uint64_t)r.slot);
      put_bits(top_->dma_bytes, l * 64, 64, (uint64_t)c.bytes);
      put_bits(top_->dma_runs, l * 64, 64, (uint64_t)c.dram_runs);
      put_bits(top_->dma_addr, l * 64, 64, (uint64_t)c.dram_addr);
    }
    return true;
  }
  // COMPUTE
  engine_busy_[c.engine] = id;
  const NpEngine &en = a_->engines[c.engine];
  bool gemm = c.gemm.m > 0 && c.gemm.n > 0 && c.gemm.k > 0 && c.gemm.batch > 0;
  if (c.engine == array_engine_ && c.op_class == NP_CLASS_MATRIX && gemm) {
    if (c.dtype <= NP_DTYPE_UNKNOWN || c.dtype >= NP_DTYPE_COUNT || en.dtype_rate[c.dtype] != 1.0)
      return fail("command " + std::to_string(id) + ": the RTL MAC array runs at rate 1 only");
    r.on_array = true;
    array_cmd_ = id;
    res_->array_commands++;
    top_->mac_start = 1;
    top_->mac_os = en.dataflow == NP_DATAFLOW_OS;
    top_->mac_m = (uint32_t)c.gemm.m;
    top_->mac_n = (uint32_t)c.gemm.n;
    top_->mac_k = (uint32_t)c.gemm.k;
    top_->mac_batch = (uint32_t)c.gemm.batch;
    return true;
  }
  r.work = np_compute_cycles(&en, &c);  // not RTL: vector and CPU engines follow the formula
  if (r.work < 0) return fail("command " + std::to_string(id) + ": its engine cannot run it");
  return true;
}

bool Harness::start_phase() {
  std::vector<int32_t> starting;
  for (int e = 0; e < a_->n_engines; e++) {
    if (engine_busy_[e] >= 0 || engine_ready_[e].empty()) continue;
    starting.push_back(engine_ready_[e].front());
    engine_ready_[e].erase(engine_ready_[e].begin());
    engine_busy_[e] = starting.back();
  }
  starting.insert(starting.end(), ready_transfers_.begin(), ready_transfers_.end());
  ready_transfers_.clear();
  std::sort(starting.begin(), starting.end());
  for (int32_t id : starting)
    if (!start_command(id)) return false;
  return true;
}

bool Harness::run(const std::string &trace_path) {
  ctx_ = std::make_unique<VerilatedContext>();
  top_ = std::make_unique<Vnp_top>(ctx_.get());
  if (!configure()) return false;
  clear_inputs();
  load_image();
  size_t n = s_->n_cmds;
  cs_.assign(n, CmdRun{});
  succ_.assign(n, {});
  engine_ready_.assign((size_t)a_->n_engines, {});
  engine_busy_.assign((size_t)a_->n_engines, -1);
  for (int i = kSlots - 1; i >= 0; i--) free_slots_.push_back(i);
  for (int i = kTags - 1; i >= 0; i--) free_tags_.push_back(i);
  for (size_t i = 0; i < n; i++) {
    const NpCommand &c = s_->cmds[i];
    cs_[i].deps_left = c.n_deps;
    const int32_t *deps = np_command_deps(s_, &c);
    for (int32_t d = 0; d < c.n_deps; d++) succ_[(size_t)deps[d]].push_back((int32_t)i);
  }
  if (!trace_path.empty()) {
    NpTraceHeader h = np_rtl_trace_header(s_, a_, NP_TRACE_SOURCE_RTL);
    NpDiag diag;
    np_diag_init(&diag);
    writer_ = np_trace_writer_open(trace_path.c_str(), &h, &diag);
    if (!writer_) {
      res_->error = diag.count ? diag.messages[0] : "trace: cannot open";
      np_diag_free(&diag);
      return false;
    }
    np_diag_free(&diag);
  }
  for (size_t i = 0; i < n; i++)
    if (cs_[i].deps_left == 0) make_ready((int32_t)i);

  bool ok = true;
  // A generous bound: every command alone, one after another, at a slow pace.
  int64_t limit = 1000000;
  for (size_t i = 0; i < n; i++) {
    const NpCommand &c = s_->cmds[i];
    limit += 64 + (c.bytes + c.sram_read_bytes + c.sram_write_bytes) * 4 + c.macs + c.elements * 4 +
             (c.gemm.batch * (c.gemm.m + 64) * (c.gemm.k + 64) * (c.gemm.n + 64)) / 8;
  }
  while (ok && done_ < n) {
    clear_inputs();
    top_->eval();
    // ends at this cycle (in id order), then starts; zero-length commands end at once, which
    // may make more commands ready in the same cycle
    for (int round = 0; ok; round++) {
      std::vector<int32_t> ending;
      for (int32_t id : running_)
        if (is_done(id)) ending.push_back(id);
      if (ending.empty() && round > 0) break;
      std::sort(ending.begin(), ending.end());
      running_.erase(std::remove_if(running_.begin(), running_.end(),
                                    [&](int32_t id) { return std::binary_search(ending.begin(), ending.end(), id); }),
                     running_.end());
      for (int32_t id : ending)
        if (!(ok = end_command(id))) break;
      if (ok) ok = start_phase();
      top_->eval();
    }
    if (!ok) break;
    for (int l = 0; l < lanes_sram_; l++) res_->bank_conflicts += (int64_t)get_bits(top_->sram_conflict, l, 1);
    if (done_ == n) break;
    if (now_ > limit) {
      ok = fail("the RTL did not finish by cycle " + std::to_string(now_) + " (" + std::to_string(done_) + " of " +
                std::to_string(n) + " commands done)");
      break;
    }
    tick();
  }
  if (writer_) {
    if (ok) {
      NpDiag diag;
      np_diag_init(&diag);
      if (!np_trace_writer_close(writer_, &diag)) ok = fail(diag.count ? diag.messages[0] : "trace: close failed");
      np_diag_free(&diag);
    } else {
      np_trace_writer_abort(writer_);
    }
    writer_ = nullptr;
  }
  top_->final();
  return ok;
}

}  // namespace

bool np_rtl_run(const NpSchedule *schedule, const NpArch *arch, const std::string &trace_path, RtlRunResult *result) {
  *result = RtlRunResult{};
  Harness h(schedule, arch, result);
  return h.run(trace_path);
}
