// DMA engine (docs/timing.md, "Bursts" and "Issue: round-robin, bounded outstanding").
//
// A transfer starts in a slot; it is cut into bursts of burst_bytes from the start of each of
// its dram_runs runs (run r has floor(bytes / runs) bytes, plus one when r < bytes mod runs).
// Active transfers with bursts left wait in a FIFO issue queue; each cycle, while fewer than
// cfg_max_outstanding bursts are in flight, the front transfer issues its next burst and, if
// it has more, goes to the back (round-robin; any number of bursts per cycle). Bursts retire
// in issue order: at the cycle their data is done, or when the burst before them retires,
// whichever is later; a retiring burst frees its slot in that same cycle.
//
// Row model (cfg_row_span > 0): a burst opens a DRAM row when it is among the first
// cfg_channels bursts of its run (the first on its channel), or when the previous burst of its
// run on its channel lay in another row: floor((a + jB) / span) != floor((a + (j - C)B) / span)
// with a = the transfer's address mod span, j the burst's index in its run. It tells the
// DRAM with req_row_miss.
//
// Per cycle, in this order (the replay's order): new transfers join the queue in lane order
// (np_seq puts same-cycle starts in command-id order), bursts retire, bursts issue.
// slot_done[s] rises in the cycle the last burst's data of slot s is done and stays up until
// the slot is released.
module np_dma #(
    parameter int NSLOT = 8,        // transfers active at once
    parameter int LANES = 4,        // transfers started per cycle
    parameter int MAX_OUT = 4,      // hardware bound on bursts in flight
    parameter int MAX_CHANNELS = 2,
    parameter int TAG_W = 3         // $clog2(MAX_OUT)
) (
    input  logic clk,
    input  logic rst,
    input  logic en,                 // advance one model cycle at this edge (np_seq step)
    input  logic [15:0] cfg_max_outstanding,  // 1..MAX_OUT
    input  logic [15:0] cfg_burst_bytes,
    input  logic [7:0] cfg_channels,           // 1..MAX_CHANNELS
    input  logic [63:0] cfg_row_span,          // row_bytes x channels; 0: no row model
    // starting transfers
    input  logic [LANES-1:0] start_valid,
    input  logic [LANES-1:0][7:0] start_slot,
    input  logic [LANES-1:0][63:0] start_bytes,
    input  logic [LANES-1:0][63:0] start_runs,
    input  logic [LANES-1:0][63:0] start_addr,
    input  logic [NSLOT-1:0] release_slot,
    output logic [NSLOT-1:0] slot_done,
    output logic [NSLOT-1:0][31:0] slot_bursts,
    // to and from the DRAM
    output logic [MAX_OUT-1:0] req_valid,
    output logic [MAX_OUT-1:0][7:0] req_channel,
    output logic [MAX_OUT-1:0][TAG_W-1:0] req_tag,
    output logic [MAX_OUT-1:0][63:0] req_addr,
    output logic [MAX_OUT-1:0][15:0] req_len,
    output logic [MAX_OUT-1:0] req_row_miss,
    input  logic [MAX_CHANNELS-1:0] rsp_valid,
    input  logic [MAX_CHANNELS-1:0][TAG_W-1:0] rsp_tag
);
  localparam int SW = $clog2(NSLOT);

  typedef struct packed {
    logic active;
    logic [31:0] bursts;     // total
    logic [31:0] issued;
    logic [31:0] answered;
    logic [63:0] run_base;   // bytes of a run, less the extra byte
    logic [63:0] run_extra;  // runs with one more byte
    logic [63:0] run;        // current run
    logic [63:0] run_burst;  // burst index in it
    logic [63:0] run_offset; // its first byte, from the transfer's address
    logic [63:0] addr;
    logic [7:0] first_channel;
    logic [63:0] row_phase;  // its address mod the row span
  } slot_t;

  slot_t slots_q[NSLOT], slots_d[NSLOT];
  logic [SW-1:0] queue_q[NSLOT], queue_d[NSLOT];  // issue queue of slots
  logic [SW:0] q_head_q, q_head_d, q_len_q, q_len_d;
  // bursts in flight, oldest first: their slot and whether their data is done
  logic [SW-1:0] fl_slot_q[MAX_OUT], fl_slot_d[MAX_OUT];
  logic [MAX_OUT-1:0] fl_done_q, fl_done_d;
  logic [TAG_W:0] fl_head_q, fl_head_d, fl_count_q, fl_count_d;

  function automatic logic [63:0] ceil_div(input logic [63:0] a, input logic [63:0] b);
    return a == 0 ? 64'd0 : (a + b - 64'd1) / b;
  endfunction

  function automatic logic opens_row(input slot_t t, input logic [63:0] burst);
    logic [63:0] here, channels;
    channels = {56'd0, cfg_channels};
    if (cfg_row_span == 0) return 1'b0;
    if (t.run_burst < channels) return 1'b1;
    here = t.row_phase + t.run_burst * burst;
    return here / cfg_row_span != (here - channels * burst) / cfg_row_span;
  endfunction

  always_comb begin
    logic [MAX_OUT-1:0] done_now;
    logic [SW:0] len;
    logic [TAG_W:0] inflight;
    logic [63:0] burst;
    burst = {48'd0, cfg_burst_bytes};
    for (int s = 0; s < NSLOT; s++) slots_d[s] = slots_q[s];
    for (int i = 0; i < NSLOT; i++) queue_d[i] = queue_q[i];
    for (int i = 0; i < MAX_OUT; i++) fl_slot_d[i] = fl_slot_q[i];
    q_head_d = q_head_q;
    len = q_len_q;
    req_valid = '0;
    req_channel = '0;
    req_tag = '0;
    req_addr = '0;
    req_len = '0;
    req_row_miss = '0;

    // responses: mark their bursts done and count them against their transfers
    done_now = '0;
    for (int c = 0; c < MAX_CHANNELS; c++)
      if (rsp_valid[c]) begin
        done_now[rsp_tag[c]] = 1'b1;
        slots_d[fl_slot_q[rsp_tag[c]]].answered = slots_d[fl_slot_q[rsp_tag[c]]].answered + 1;
      end
    for (int s = 0; s < NSLOT; s++) begin
      slot_done[s] = slots_d[s].active && slots_d[s].answered == slots_d[s].bursts;
      slot_bursts[s] = slots_d[s].bursts;
      if (release_slot[s]) slots_d[s].active = 1'b0;
    end

    // new transfers join the back of the queue
    for (int l = 0; l < LANES; l++)
      if (start_valid[l]) begin
        slot_t t;
        logic [63:0] runs, bytes;
        bytes = start_bytes[l];
        runs = start_runs[l] > 1 ? start_runs[l] : 64'd1;
        if (bytes > 0 && runs > bytes) runs = bytes;
        t = '0;
        t.active = 1'b1;
        t.run_base = bytes / runs;
        t.run_extra = bytes % runs;
        t.bursts = 32'(t.run_extra * ceil_div(t.run_base + 1, burst) + (runs - t.run_extra) * ceil_div(t.run_base, burst));
        t.addr = start_addr[l];
        t.first_channel = 8'((start_addr[l] / burst) % {56'd0, cfg_channels});
        t.row_phase = cfg_row_span == 0 ? 64'd0 : start_addr[l] % cfg_row_span;
        slots_d[start_slot[l][SW-1:0]] = t;
        if (t.bursts != 0) begin
          queue_d[SW'(q_head_d + len)] = start_slot[l][SW-1:0];
          len = len + 1'b1;
        end
      end

    // retire in issue order
    fl_done_d = fl_done_q | done_now;
    fl_head_d = fl_head_q;
    fl_count_d = fl_count_q;
    begin
      logic stop;
      stop = 1'b0;
      for (int i = 0; i < MAX_OUT; i++) begin
        logic [TAG_W-1:0] k;
        k = TAG_W'(fl_head_d);
        if (!stop && fl_count_d != 0 && fl_done_d[k]) begin
          fl_done_d[k] = 1'b0;
          fl_head_d = fl_head_d + 1'b1;
          fl_count_d = fl_count_d - 1'b1;
        end else begin
          stop = 1'b1;
        end
      end
    end

    // issue, round-robin
    inflight = fl_count_d;
    for (int i = 0; i < MAX_OUT; i++) begin
      if (len != 0 && {{(16 - TAG_W - 1) {1'b0}}, inflight} < cfg_max_outstanding) begin
        logic [SW-1:0] s;
        logic [63:0] run_len, offset, bytes;
        logic [TAG_W-1:0] tag;
        s = queue_d[SW'(q_head_d)];
        q_head_d = q_head_d + 1'b1;
        len = len - 1'b1;
        run_len = slots_d[s].run_base + (slots_d[s].run < slots_d[s].run_extra ? 64'd1 : 64'd0);
        offset = slots_d[s].run_burst * burst;
        bytes = run_len - offset < burst ? run_len - offset : burst;
        tag = TAG_W'(fl_head_d + inflight);
        req_valid[i] = 1'b1;
        req_channel[i] = 8'(({56'd0, slots_d[s].first_channel} + {32'd0, slots_d[s].issued}) % {56'd0, cfg_channels});
        req_tag[i] = tag;
        req_addr[i] = slots_d[s].addr + slots_d[s].run_offset + offset;
        req_len[i] = 16'(bytes);
        req_row_miss[i] = opens_row(slots_d[s], burst);
        fl_slot_d[tag] = s;
        fl_done_d[tag] = 1'b0;
        inflight = inflight + 1'b1;
        slots_d[s].issued = slots_d[s].issued + 1;
        if (offset + bytes >= run_len) begin
          slots_d[s].run_offset = slots_d[s].run_offset + run_len;
          slots_d[s].run = slots_d[s].run + 1;
          slots_d[s].run_burst = 0;
        end else begin
          slots_d[s].run_burst = slots_d[s].run_burst + 1;
        end
        if (slots_d[s].issued < slots_d[s].bursts) begin
          queue_d[SW'(q_head_d + len)] = s;
          len = len + 1'b1;
        end
      end
    end
    fl_count_d = inflight;
    q_len_d = len;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      for (int s = 0; s < NSLOT; s++) slots_q[s] <= '0;
      q_head_q <= 0;
      q_len_q <= 0;
      fl_head_q <= 0;
      fl_count_q <= 0;
      fl_done_q <= '0;
    end else if (en) begin
      for (int s = 0; s < NSLOT; s++) slots_q[s] <= slots_d[s];
      for (int i = 0; i < NSLOT; i++) queue_q[i] <= queue_d[i];
      for (int i = 0; i < MAX_OUT; i++) fl_slot_q[i] <= fl_slot_d[i];
      q_head_q <= q_head_d;
      q_len_q <= q_len_d;
      fl_head_q <= fl_head_d;
      fl_count_q <= fl_count_d;
      fl_done_q <= fl_done_d;
    end
  end
endmodule
