// The accelerator: the command sequencer (np_seq) executes the command image against the
// timed units: the DMA and its DRAM responder, the SRAM bank arbiter and the MAC array. The
// harness writes the image (commands, successor lists, MAC operands) through img_* while rst
// is high, releases rst and clocks until `finished` or `error`; it reads each ended command
// on ev_* and the array's results on mac_out_* after every model step (when `now` moves).
//
// The configuration (latency, bandwidth in ticks, burst size, channels, row span and miss
// cycles, outstanding bursts, banks, bank width and ports, SYNC costs) is set through cfg_* inputs, up to the capacities
// the parameters fix, so one verilated model serves every config that fits.
module np_top #(
    parameter int NCMD = 16384,
    parameter int NSUCC = 65536,
    parameter int MAX_ENGINES = 4,
    parameter int NSLOT = 16,
    parameter int LANES = 8,
    parameter int MAX_OUT = 8,
    parameter int MAX_CHANNELS = 2,
    parameter int MAX_BANKS = 8,
    parameter int NTAG = 32,
    parameter int R = 8,
    parameter int C = 8
) (
    input  logic clk,
    input  logic rst,
    // configuration
    input  logic [15:0] cfg_latency,
    input  logic [31:0] cfg_burst_ticks,
    input  logic [15:0] cfg_burst_bytes,
    input  logic [7:0] cfg_channels,
    input  logic [63:0] cfg_row_span,
    input  logic [15:0] cfg_row_miss,
    input  logic [15:0] cfg_max_outstanding,
    input  logic [7:0] cfg_banks,
    input  logic [15:0] cfg_bank_width,
    input  logic [7:0] cfg_ports,
    input  logic [31:0] cfg_n_cmds,
    input  logic [MAX_ENGINES*MAX_ENGINES-1:0][31:0] cfg_sync_cycles,
    // the image: sel 0 command words, 1 successors, 2 MAC inputs (bytes), 3 MAC weights
    input  logic img_we,
    input  logic [1:0] img_sel,
    input  logic [31:0] img_addr,
    input  logic [63:0] img_data,
    // progress
    output logic [63:0] now,
    output logic finished,
    output logic error,
    output logic [3:0] error_code,
    output logic [31:0] error_cmd,
    output logic [63:0] bank_conflicts,
    output logic ev_valid,
    output logic [31:0] ev_cmd,
    output logic [63:0] ev_ready,
    output logic [63:0] ev_start,
    output logic [63:0] ev_end,
    output logic [31:0] ev_bursts,
    // the MAC array's results
    output logic array_valid,
    output logic [31:0] array_cmd,
    output logic [R*C-1:0] mac_out_valid,
    output logic [R*C-1:0][31:0] mac_out_b,
    output logic [R*C-1:0][31:0] mac_out_m,
    output logic [R*C-1:0][31:0] mac_out_n,
    output logic [R*C-1:0][31:0] mac_out_v
);
  localparam int TAG_W = $clog2(MAX_OUT);

  logic step;
  logic [LANES-1:0] dma_start;
  logic [LANES-1:0][7:0] dma_slot;
  logic [LANES-1:0][63:0] dma_bytes, dma_runs, dma_addr;
  logic [NSLOT-1:0] dma_release, dma_done;
  logic [NSLOT-1:0][31:0] dma_bursts;
  logic [LANES-1:0] sram_start, sram_conflict;
  logic [LANES-1:0][4:0] sram_tag;
  logic [LANES-1:0][63:0] sram_read_bytes, sram_write_bytes;
  logic [LANES-1:0][MAX_BANKS-1:0] sram_read_banks, sram_write_banks;
  logic [NTAG-1:0] sram_busy;
  logic mac_start, mac_os, mac_busy, mac_done;
  logic [31:0] mac_m, mac_n, mac_k, mac_batch;

  np_seq #(.NCMD(NCMD), .NSUCC(NSUCC), .MAX_ENGINES(MAX_ENGINES), .NENT(NTAG), .NSLOT(NSLOT), .LANES(LANES),
           .MAX_BANKS(MAX_BANKS)) seq (
      .clk, .rst, .img_we(img_we && img_sel[1] == 1'b0), .img_sel(img_sel[0]), .img_addr, .img_data,
      .cfg_n_cmds, .cfg_sync_cycles, .step, .now,
      .dma_start, .dma_slot, .dma_bytes, .dma_runs, .dma_addr, .dma_release, .dma_done, .dma_bursts,
      .sram_start, .sram_tag, .sram_read_bytes, .sram_read_banks, .sram_write_bytes, .sram_write_banks,
      .sram_conflict, .sram_busy,
      .mac_start, .mac_os, .mac_m, .mac_n, .mac_k, .mac_batch, .mac_done, .array_valid, .array_cmd,
      .ev_valid, .ev_cmd, .ev_ready, .ev_start, .ev_end, .ev_bursts,
      .finished, .error, .error_code, .error_cmd, .bank_conflicts);

  logic [MAX_OUT-1:0] req_valid;
  logic [MAX_OUT-1:0][7:0] req_channel;
  logic [MAX_OUT-1:0][TAG_W-1:0] req_tag;
  logic [MAX_OUT-1:0][63:0] req_addr;
  logic [MAX_OUT-1:0][15:0] req_len;
  logic [MAX_OUT-1:0] req_row_miss;
  logic [MAX_CHANNELS-1:0] rsp_valid;
  logic [MAX_CHANNELS-1:0][TAG_W-1:0] rsp_tag;

  np_dma #(.NSLOT(NSLOT), .LANES(LANES), .MAX_OUT(MAX_OUT), .MAX_CHANNELS(MAX_CHANNELS), .TAG_W(TAG_W)) dma (
      .clk, .rst, .en(step), .cfg_max_outstanding, .cfg_burst_bytes, .cfg_channels, .cfg_row_span,
      .start_valid(dma_start), .start_slot(dma_slot), .start_bytes(dma_bytes), .start_runs(dma_runs),
      .start_addr(dma_addr), .release_slot(dma_release), .slot_done(dma_done), .slot_bursts(dma_bursts),
      .req_valid, .req_channel, .req_tag, .req_addr, .req_len, .req_row_miss, .rsp_valid, .rsp_tag);

  np_dram #(.MAX_CHANNELS(MAX_CHANNELS), .LANES(MAX_OUT), .DEPTH(MAX_OUT), .TAG_W(TAG_W)) dram (
      .clk, .rst, .en(step), .now, .cfg_latency, .cfg_burst_ticks, .cfg_row_miss, .req_valid, .req_channel, .req_tag,
      .req_row_miss, .rsp_valid, .rsp_tag);

  np_sram_arbiter #(.MAX_BANKS(MAX_BANKS), .LANES(LANES), .NTAG(NTAG), .TAG_W(5)) sram (
      .clk, .rst, .en(step), .cfg_banks, .cfg_width(cfg_bank_width), .cfg_ports,
      .start_valid(sram_start), .start_tag(sram_tag), .start_read_bytes(sram_read_bytes),
      .start_read_banks(sram_read_banks), .start_write_bytes(sram_write_bytes),
      .start_write_banks(sram_write_banks), .start_conflict(sram_conflict), .tag_busy(sram_busy));

  np_mac_array #(.R(R), .C(C)) mac (
      .clk, .rst, .en(step), .a_we(img_we && img_sel == 2'd2), .b_we(img_we && img_sel == 2'd3),
      .mem_addr(img_addr), .mem_data(img_data[7:0]),
      .start(mac_start), .os(mac_os), .in_m(mac_m), .in_n(mac_n), .in_k(mac_k), .in_batch(mac_batch),
      .busy(mac_busy), .done(mac_done), .out_valid(mac_out_valid), .out_b(mac_out_b), .out_m(mac_out_m),
      .out_n(mac_out_n), .out_v(mac_out_v));
endmodule
