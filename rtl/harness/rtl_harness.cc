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
constexpr int kMaxOut = 8, kMaxChannels = 2, kMaxBanks = 8, kMaxEngines = 4;
constexpr int kCmds = 16384, kSuccs = 65536, kRowWords = 16;
constexpr int kRows = 8, kCols = 8, kAdepth = 4096, kBdepth = 4096, kMaxM = 1024;

// ---- bit access into Verilator's port types ----
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
template <std::size_t N>
void clear(VlWide<N> &sig) { for (std::size_t i = 0; i < N; i++) sig[i] = 0; }

// The MAC array's operands: deterministic int8 values (a 32-bit LCG).
struct Operands {
  int8_t a[kAdepth], b[kBdepth];
  explicit Operands(uint32_t seed) {
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

// The command image (docs/formats.md, "RTL command image"): kRowWords 64-bit words per
// command, and the successor lists the sequencer walks when a command ends.
struct CommandImage {
  std::vector<uint64_t> words;
  std::vector<uint32_t> successors;
  // A COMPUTE the RTL MAC array runs: bit 2 of its row's word 0.
  bool on_array(size_t id) const { return (words[id * kRowWords] >> 2) & 1; }
};

class Harness {
 public:
  Harness(const NpSchedule *s, const NpArch *a, RtlRunResult *res) : s_(s), a_(a), res_(res), operands_(0x5eed1234u) {}

  bool run(const std::string &trace_path);

 private:
  const NpSchedule *s_;
  const NpArch *a_;
  RtlRunResult *res_;
  Operands operands_;
  CommandImage image_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vnp_top> top_;
  int array_engine_ = -1;
  std::vector<int64_t> outputs_;  // array outputs seen, per command
  NpTraceWriter *writer_ = nullptr;

  bool fail(const std::string &msg) {
    if (res_->error.empty()) res_->error = msg;
    return false;
  }
  std::string where(int64_t id) const { return "command " + std::to_string(id); }
  // ws GEMMs taller than the accumulators wrap them: their timing holds, their values do not.
  bool values_checked(const NpCommand &c) const {
    return !(c.gemm.m > kMaxM && a_->engines[array_engine_].dataflow == NP_DATAFLOW_WS);
  }
  bool configure();
  bool compile();
  bool compile_compute(const NpCommand &c, uint64_t *row);
  void write_image(int sel, uint32_t addr, uint64_t data);
  void load();
  void tick();
  void collect_outputs();
  bool on_end();
  std::string sequencer_error() const;
  int64_t cycle_limit() const;
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
  if (d.row_bytes < 0 || d.row_miss_cycles < 0 || d.row_miss_cycles > 65535)
    return fail("config: dram.row_miss_cycles must be 0..65535 for the RTL");
  if (d.burst_bytes < 1 || d.burst_bytes > 65535) return fail("config: dram.burst_bytes out of the RTL's range");
  const NpSram &m = a_->sram;
  if (m.banks < 1 || m.banks > kMaxBanks) return fail("config: sram.banks must be 1.." + std::to_string(kMaxBanks) + " for the RTL");
  if (m.ports_per_bank < 1 || m.ports_per_bank > 255 || m.bank_width_bytes < 1 || m.bank_width_bytes > 65535)
    return fail("config: sram ports or width out of the RTL's range");
  if (a_->n_engines > kMaxEngines) return fail("config: the RTL sequences at most " + std::to_string(kMaxEngines) + " engines");
  for (int e = 0; e < a_->n_engines; e++) {
    const NpEngine &en = a_->engines[e];
    if (en.kind == NP_ENGINE_MAC_ARRAY && array_engine_ < 0) {
      if (en.rows != kRows || en.cols != kCols) return fail("config: the RTL MAC array is 8x8");
      if (en.cores > 1) return fail("config: the RTL MAC array is one core (cores: 1)");
      if (en.dataflow != NP_DATAFLOW_WS && en.dataflow != NP_DATAFLOW_OS) return fail("config: the RTL MAC array runs ws or os");
      if (en.depthwise != NP_DEPTHWISE_SYSTOLIC)
        return fail("config: the RTL MAC array runs depthwise work as systolic GEMMs (depthwise: systolic)");
      array_engine_ = e;
    }
  }
  top_->cfg_latency = (uint16_t)d.latency_cycles;
  top_->cfg_burst_ticks = (uint32_t)ticks;
  top_->cfg_burst_bytes = (uint16_t)d.burst_bytes;
  top_->cfg_channels = (uint8_t)d.channels;
  top_->cfg_row_span = (uint64_t)(d.row_bytes > 0 ? d.row_bytes * d.channels : 0);
  top_->cfg_row_miss = (uint16_t)d.row_miss_cycles;
  top_->cfg_max_outstanding = (uint16_t)d.max_outstanding_bursts;
  top_->cfg_banks = (uint8_t)m.banks;
  top_->cfg_bank_width = (uint16_t)m.bank_width_bytes;
  top_->cfg_ports = (uint8_t)m.ports_per_bank;
  top_->cfg_n_cmds = (uint32_t)s_->n_cmds;
  clear(top_->cfg_sync_cycles);
  for (int from = 0; from < a_->n_engines; from++)
    for (int to = 0; to < a_->n_engines; to++) {
      int64_t cycles = a_->sync.cycles[a_->engines[from].kind][a_->engines[to].kind];
      if (cycles < 0 || cycles > UINT32_MAX) return fail("config: a SYNC cost beyond the RTL's 32 bits");
      put_bits(top_->cfg_sync_cycles, (from * kMaxEngines + to) * 32, 32, (uint64_t)cycles);
    }
  return true;
}

// A COMPUTE's row: GEMM shape for the MAC array, or the formula cycles of an engine the RTL
// does not have (vector, CPU: docs/timing.md).
bool Harness::compile_compute(const NpCommand &c, uint64_t *row) {
  const NpEngine &en = a_->engines[c.engine];
  const NpGemmShape &g = c.gemm;
  bool gemm = g.m > 0 && g.n > 0 && g.k > 0 && g.batch > 0;
  if (c.engine == array_engine_ && c.op_class == NP_CLASS_MATRIX && gemm) {
    if (c.dtype <= NP_DTYPE_UNKNOWN || c.dtype >= NP_DTYPE_COUNT || en.dtype_rate[c.dtype] != 1.0)
      return fail(where(c.id) + ": the RTL MAC array runs at rate 1 only");
    if (g.m > UINT32_MAX || g.n > UINT32_MAX || g.k > UINT32_MAX || g.batch > UINT32_MAX)
      return fail(where(c.id) + ": a GEMM dimension beyond the RTL's 32 bits");
    row[0] |= 1u << 2 | (uint64_t)(en.dataflow == NP_DATAFLOW_OS) << 3;
    row[8] = (uint64_t)g.m | (uint64_t)g.n << 32;
    row[9] = (uint64_t)g.k | (uint64_t)g.batch << 32;
    return true;
  }
  int64_t work = np_compute_cycles(&en, &c);
  if (work < 0) return fail(where(c.id) + ": its engine cannot run it");
  row[10] = (uint64_t)work;
  return true;
}

bool Harness::compile() {
  size_t n = s_->n_cmds;
  if (n > (size_t)kCmds) return fail("the schedule has " + std::to_string(n) + " commands; the RTL's command memory holds " + std::to_string(kCmds));
  if (s_->n_deps > (size_t)kSuccs) return fail("the schedule has " + std::to_string(s_->n_deps) + " dependencies; the RTL's successor memory holds " + std::to_string(kSuccs));
  std::vector<std::vector<uint32_t>> succ(n);
  for (size_t i = 0; i < n; i++) {
    const NpCommand &c = s_->cmds[i];
    const int32_t *deps = np_command_deps(s_, &c);
    for (int32_t d = 0; d < c.n_deps; d++) succ[(size_t)deps[d]].push_back((uint32_t)i);
  }
  image_.words.assign(n * kRowWords, 0);
  for (size_t i = 0; i < n; i++) {
    const NpCommand &c = s_->cmds[i];
    uint64_t *row = &image_.words[i * kRowWords];
    uint64_t engine = (uint64_t)(c.kind == NP_CMD_SYNC ? c.to_engine : c.kind == NP_CMD_COMPUTE ? c.engine : 0);
    uint64_t from = (uint64_t)(c.kind == NP_CMD_SYNC ? c.from_engine : 0);
    row[0] = (uint64_t)c.kind | engine << 8 | from << 16 | (uint64_t)c.n_deps << 32;
    row[1] = (uint64_t)image_.successors.size() | (uint64_t)succ[i].size() << 32;
    image_.successors.insert(image_.successors.end(), succ[i].begin(), succ[i].end());
    uint64_t mask = (1ull << kMaxBanks) - 1;
    if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE) {
      row[2] = (uint64_t)c.bytes;
      row[3] = (uint64_t)c.dram_runs;
      row[4] = (uint64_t)c.dram_addr;
      if (c.kind == NP_CMD_LOAD) row[6] = (uint64_t)c.bytes, row[7] = (c.banks & mask) << 8;
      else row[5] = (uint64_t)c.bytes, row[7] = c.banks & mask;
    } else if (c.kind == NP_CMD_COMPUTE) {
      row[5] = (uint64_t)c.sram_read_bytes;
      row[6] = (uint64_t)c.sram_write_bytes;
      row[7] = (c.banks_read & mask) | (c.banks_written & mask) << 8;
      if (!compile_compute(c, row)) return false;
    }
  }
  return true;
}

void Harness::tick() {
  top_->clk = 1;
  top_->eval();
  top_->clk = 0;
  top_->eval();
}

void Harness::write_image(int sel, uint32_t addr, uint64_t data) {
  top_->img_we = 1;
  top_->img_sel = (uint8_t)sel;
  top_->img_addr = addr;
  top_->img_data = data;
  tick();
}

// Under reset: the command words, the successor lists, then the MAC array's operands.
void Harness::load() {
  top_->rst = 1;
  top_->clk = 0;
  top_->img_we = 0;
  top_->eval();
  for (size_t i = 0; i < image_.words.size(); i++) write_image(0, (uint32_t)i, image_.words[i]);
  for (size_t i = 0; i < image_.successors.size(); i++) write_image(1, (uint32_t)i, image_.successors[i]);
  for (int i = 0; i < kAdepth; i++) write_image(2, (uint32_t)i, (uint8_t)operands_.a[i]);
  for (int i = 0; i < kBdepth; i++) write_image(3, (uint32_t)i, (uint8_t)operands_.b[i]);
  top_->img_we = 0;
  tick();
  top_->rst = 0;
  top_->eval();
}

// After a model step: the array's results of that cycle, against the C reference.
void Harness::collect_outputs() {
  if (!top_->array_valid) return;
  uint32_t id = top_->array_cmd;
  const NpCommand &c = s_->cmds[id];
  bool checked = values_checked(c);
  for (int lane = 0; lane < kRows * kCols; lane++) {
    if (!get_bits(top_->mac_out_valid, lane, 1)) continue;
    outputs_[id]++;
    if (!checked) continue;
    int64_t bi = (int64_t)get_bits(top_->mac_out_b, lane * 32, 32);
    int64_t m = (int64_t)get_bits(top_->mac_out_m, lane * 32, 32);
    int64_t n = (int64_t)get_bits(top_->mac_out_n, lane * 32, 32);
    int32_t v = (int32_t)get_bits(top_->mac_out_v, lane * 32, 32);
    res_->outputs_checked++;
    if (v != operands_.ref(c.gemm, bi, m, n)) res_->output_mismatches++;
  }
}

// A command the sequencer ended: its trace record, and for the array its output count.
bool Harness::on_end() {
  uint32_t id = top_->ev_cmd;
  if (id >= s_->n_cmds) return fail("the sequencer ended command " + std::to_string(id) + ", beyond the image");
  const NpCommand &c = s_->cmds[id];
  NpTraceRecord rec{};
  rec.command = id;
  rec.layer = (uint32_t)(c.layer >= 0 ? c.layer : 0);
  rec.kind = (NpTraceKind)c.kind;
  rec.start = top_->ev_start;
  rec.end = top_->ev_end;
  if (c.kind == NP_CMD_LOAD || c.kind == NP_CMD_STORE) {
    rec.unit_kind = NP_TRACE_UNIT_DMA;
    rec.unit = np_rtl_first_channel(a_, &c);
    rec.bytes = (uint64_t)c.bytes;
    rec.bursts = top_->ev_bursts;
  } else {
    rec.unit_kind = NP_TRACE_UNIT_ENGINE;
    rec.unit = (uint16_t)(c.kind == NP_CMD_SYNC ? c.to_engine : c.engine);
    if (c.kind == NP_CMD_COMPUTE) {
      rec.bytes = (uint64_t)(c.sram_read_bytes + c.sram_write_bytes);
      rec.stall[NP_TRACE_STALL_UNIT] = top_->ev_start - top_->ev_ready;
    }
  }
  if (image_.on_array(id)) {
    res_->array_commands++;
    if (!values_checked(c)) res_->unchecked_commands++;
    int64_t want = c.gemm.m * c.gemm.n * c.gemm.batch;
    if (outputs_[id] != want)
      return fail(where(id) + ": the MAC array produced " + std::to_string(outputs_[id]) + " outputs, expected " +
                  std::to_string(want));
  }
  if (writer_ && !np_trace_write(writer_, &rec)) return fail("trace: writing a record failed");
  res_->cycles = std::max(res_->cycles, (int64_t)rec.end);
  return true;
}

std::string Harness::sequencer_error() const {
  static const char *const what[] = {
      "no error",
      "more commands with SRAM bank work start in one cycle than the sequencer has lanes (8)",
      "more transfers start in one cycle than the sequencer has DMA lanes (8)",
      "more transfers run at once than the DMA has slots (16)",
      "more commands run at once than the sequencer has entries (32)",
      "deadlock: nothing runs and nothing is ready, but commands are left",
      "the command image is inconsistent (a successor, engine or dependency count out of range)"};
  unsigned code = top_->error_code;
  std::string msg = code < sizeof what / sizeof *what ? what[code] : "unknown sequencer error";
  return "the RTL sequencer stopped at cycle " + std::to_string(top_->now) + ", " + where(top_->error_cmd) + ": " + msg;
}

// A generous bound on model cycles: every command alone, one after another, at a slow pace.
// In doubles: a hostile schedule's sizes must not overflow it.
int64_t Harness::cycle_limit() const {
  double limit = 1e6;
  for (size_t i = 0; i < s_->n_cmds; i++) {
    const NpCommand &c = s_->cmds[i];
    const NpGemmShape &g = c.gemm;
    limit += 64 + ((double)c.bytes + (double)c.sram_read_bytes + (double)c.sram_write_bytes) * 4 + (double)c.macs +
             (double)c.elements * 4 + (double)g.batch * ((double)g.m + 64) * ((double)g.k + 64) * ((double)g.n + 64) / 8;
    if (c.kind == NP_CMD_SYNC)
      limit += (double)a_->sync.cycles[a_->engines[c.from_engine].kind][a_->engines[c.to_engine].kind];
    else if (c.kind == NP_CMD_COMPUTE && !image_.on_array(i))
      limit += (double)image_.words[i * kRowWords + 10];
  }
  return limit < 9e18 ? (int64_t)limit : INT64_MAX;
}

bool Harness::run(const std::string &trace_path) {
  ctx_ = std::make_unique<VerilatedContext>();
  top_ = std::make_unique<Vnp_top>(ctx_.get());
  if (!configure() || !compile()) return false;
  load();
  outputs_.assign(s_->n_cmds, 0);
  if (!trace_path.empty()) {
    NpTraceHeader h = np_rtl_trace_header(s_, a_, NP_TRACE_SOURCE_RTL);
    NpDiag diag;
    np_diag_init(&diag);
    writer_ = np_trace_writer_open(trace_path.c_str(), &h, &diag);
    np_sim_trace_names_free(&h.names); /* the writer has written them */
    if (!writer_) {
      res_->error = diag.count ? diag.messages[0] : "trace: cannot open";
      np_diag_free(&diag);
      return false;
    }
    np_diag_free(&diag);
  }
  bool ok = true;
  int64_t limit = cycle_limit();
  // control steps: one per command (start, end, init) and one per dependency edge
  int64_t edge_limit = limit > INT64_MAX / 2 ? INT64_MAX : limit + 4 * ((int64_t)s_->n_cmds + (int64_t)s_->n_deps) + 16;
  uint64_t last_now = 0;
  for (int64_t edges = 0; ok && !top_->finished; edges++) {
    if (top_->error) {
      ok = fail(sequencer_error());
      break;
    }
    if ((int64_t)top_->now > limit || edges > edge_limit) {
      ok = fail("the RTL did not finish by cycle " + std::to_string(top_->now));
      break;
    }
    tick();
    if (top_->now != last_now) {
      collect_outputs();
      last_now = top_->now;
    }
    if (top_->ev_valid) ok = on_end();
  }
  res_->bank_conflicts = (int64_t)top_->bank_conflicts;
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
