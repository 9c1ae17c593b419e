// SRAM bank arbiter (docs/timing.md, "SRAM banks"). Policy: oldest first.
//
// A command that starts owes each bank it names ceil(lines on that bank / ports) cycles of
// accesses, where lines per bank = ceil(ceil(bytes / width) / banks named) for the bytes it
// reads and, added, for the bytes it writes. Each bank keeps the commands that owe it work in
// start order (same-cycle starts in lane order, which np_seq makes command-id order) and
// gives all its ports to the oldest one, every cycle, until that command's accesses on the
// bank are done; then the next one. A command that finds work queued on one of its banks when
// it starts has a bank conflict. tag_busy[t] is up while any bank still owes command tag t
// work; it falls in the cycle after the last access, the command's SRAM finish.
//
// This unit times the accesses; it does not move data (the DMA and the MAC array have their
// own operand stores), so it checks the schedule's bank traffic, not the datapath.
module np_sram_arbiter #(
    parameter int MAX_BANKS = 8,
    parameter int LANES = 4,    // commands started per cycle
    parameter int NTAG = 16,    // commands with bank work at once
    parameter int TAG_W = 4
) (
    input  logic clk,
    input  logic rst,
    input  logic en,                 // advance one model cycle at this edge (np_seq step)
    input  logic [7:0] cfg_banks,
    input  logic [15:0] cfg_width,
    input  logic [7:0] cfg_ports,
    input  logic [LANES-1:0] start_valid,
    input  logic [LANES-1:0][TAG_W-1:0] start_tag,
    input  logic [LANES-1:0][63:0] start_read_bytes,
    input  logic [LANES-1:0][MAX_BANKS-1:0] start_read_banks,
    input  logic [LANES-1:0][63:0] start_write_bytes,
    input  logic [LANES-1:0][MAX_BANKS-1:0] start_write_banks,
    output logic [LANES-1:0] start_conflict,
    output logic [NTAG-1:0] tag_busy
);
  localparam int PW = $clog2(NTAG);

  logic [TAG_W-1:0] fifo_tag_q[MAX_BANKS][NTAG], fifo_tag_d[MAX_BANKS][NTAG];
  logic [63:0] fifo_work_q[MAX_BANKS][NTAG], fifo_work_d[MAX_BANKS][NTAG];  // cycles left
  logic [PW:0] head_q[MAX_BANKS], head_d[MAX_BANKS], count_q[MAX_BANKS], count_d[MAX_BANKS];
  logic [7:0] pending_q[NTAG], pending_d[NTAG];  // banks still owed work, per tag

  function automatic logic [63:0] ceil_div(input logic [63:0] a, input logic [63:0] b);
    return a == 0 ? 64'd0 : (a + b - 64'd1) / b;
  endfunction

  function automatic logic [63:0] lines_per_bank(input logic [63:0] bytes, input logic [MAX_BANKS-1:0] banks,
                                                 input logic [15:0] width);
    logic [63:0] n;
    n = 0;
    for (int b = 0; b < MAX_BANKS; b++) n = n + {63'd0, banks[b]};
    return (bytes == 0 || n == 0) ? 64'd0 : ceil_div(ceil_div(bytes, {48'd0, width}), n);
  endfunction

  always_comb begin
    for (int t = 0; t < NTAG; t++) begin
      pending_d[t] = pending_q[t];
      tag_busy[t] = pending_q[t] != 0;
    end
    for (int b = 0; b < MAX_BANKS; b++) begin
      head_d[b] = head_q[b];
      count_d[b] = count_q[b];
      for (int i = 0; i < NTAG; i++) begin
        fifo_tag_d[b][i] = fifo_tag_q[b][i];
        fifo_work_d[b][i] = fifo_work_q[b][i];
      end
    end
    // starting commands queue their work, oldest (lowest lane) first
    for (int l = 0; l < LANES; l++) begin
      logic [63:0] rl, wl;
      start_conflict[l] = 1'b0;
      if (start_valid[l]) begin
        rl = lines_per_bank(start_read_bytes[l], start_read_banks[l], cfg_width);
        wl = lines_per_bank(start_write_bytes[l], start_write_banks[l], cfg_width);
        for (int b = 0; b < MAX_BANKS; b++) begin
          logic [63:0] lines;
          lines = (start_read_banks[l][b] ? rl : 64'd0) + (start_write_banks[l][b] ? wl : 64'd0);
          if (lines != 0 && b < int'(cfg_banks)) begin
            if (count_d[b] != 0) start_conflict[l] = 1'b1;
            fifo_tag_d[b][PW'(head_d[b] + count_d[b])] = start_tag[l];
            fifo_work_d[b][PW'(head_d[b] + count_d[b])] = ceil_div(lines, {56'd0, cfg_ports});
            count_d[b] = count_d[b] + 1'b1;
            pending_d[start_tag[l]] = pending_d[start_tag[l]] + 1'b1;
          end
        end
      end
    end
    // each bank serves its oldest command for one cycle
    for (int b = 0; b < MAX_BANKS; b++) begin
      if (count_d[b] != 0) begin
        logic [PW-1:0] h;
        h = PW'(head_d[b]);
        fifo_work_d[b][h] = fifo_work_d[b][h] - 1;
        if (fifo_work_d[b][h] == 0) begin
          pending_d[fifo_tag_d[b][h]] = pending_d[fifo_tag_d[b][h]] - 1'b1;
          head_d[b] = head_d[b] + 1'b1;
          count_d[b] = count_d[b] - 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      for (int b = 0; b < MAX_BANKS; b++) begin
        head_q[b] <= 0;
        count_q[b] <= 0;
      end
      for (int t = 0; t < NTAG; t++) pending_q[t] <= 0;
    end else if (en) begin
      head_q <= head_d;
      count_q <= count_d;
      pending_q <= pending_d;
      fifo_tag_q <= fifo_tag_d;
      fifo_work_q <= fifo_work_d;
    end
  end
endmodule
