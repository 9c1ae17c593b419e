// The accelerator's timed units, as the harness drives them from a schedule: the DMA against
// the DRAM responder, the SRAM bank arbiter and the MAC array, with a cycle counter. The
// configuration (latency, bandwidth in ticks, burst size, channels, outstanding bursts, banks,
// bank width and ports) is set at run time through cfg_* inputs, up to the capacities the
// parameters fix, so one verilated model serves every config that fits.
module np_top #(
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
    output logic [63:0] now,
    // configuration
    input  logic [15:0] cfg_latency,
    input  logic [31:0] cfg_burst_ticks,
    input  logic [15:0] cfg_burst_bytes,
    input  logic [7:0] cfg_channels,
    input  logic [15:0] cfg_max_outstanding,
    input  logic [7:0] cfg_banks,
    input  logic [15:0] cfg_bank_width,
    input  logic [7:0] cfg_ports,
    // DMA
    input  logic [LANES-1:0] dma_start,
    input  logic [LANES-1:0][7:0] dma_slot,
    input  logic [LANES-1:0][63:0] dma_bytes,
    input  logic [LANES-1:0][63:0] dma_runs,
    input  logic [LANES-1:0][63:0] dma_addr,
    input  logic [NSLOT-1:0] dma_release,
    output logic [NSLOT-1:0] dma_done,
    output logic [NSLOT-1:0][31:0] dma_bursts,
    // SRAM banks
    input  logic [LANES-1:0] sram_start,
    input  logic [LANES-1:0][4:0] sram_tag,
    input  logic [LANES-1:0][63:0] sram_read_bytes,
    input  logic [LANES-1:0][MAX_BANKS-1:0] sram_read_banks,
    input  logic [LANES-1:0][63:0] sram_write_bytes,
    input  logic [LANES-1:0][MAX_BANKS-1:0] sram_write_banks,
    output logic [LANES-1:0] sram_conflict,
    output logic [NTAG-1:0] sram_busy,
    // MAC array
    input  logic mac_a_we,
    input  logic mac_b_we,
    input  logic [31:0] mac_mem_addr,
    input  logic [7:0] mac_mem_data,
    input  logic mac_start,
    input  logic mac_os,
    input  logic [31:0] mac_m,
    input  logic [31:0] mac_n,
    input  logic [31:0] mac_k,
    input  logic [31:0] mac_batch,
    output logic mac_busy,
    output logic mac_done,
    output logic [R*C-1:0] mac_out_valid,
    output logic [R*C-1:0][31:0] mac_out_b,
    output logic [R*C-1:0][31:0] mac_out_m,
    output logic [R*C-1:0][31:0] mac_out_n,
    output logic [R*C-1:0][31:0] mac_out_v
);
  localparam int TAG_W = $clog2(MAX_OUT);

  always_ff @(posedge clk) now <= rst ? 64'd0 : now + 64'd1;

  logic [MAX_OUT-1:0] req_valid;
  logic [MAX_OUT-1:0][7:0] req_channel;
  logic [MAX_OUT-1:0][TAG_W-1:0] req_tag;
  logic [MAX_OUT-1:0][63:0] req_addr;
  logic [MAX_OUT-1:0][15:0] req_len;
  logic [MAX_CHANNELS-1:0] rsp_valid;
  logic [MAX_CHANNELS-1:0][TAG_W-1:0] rsp_tag;

  np_dma #(.NSLOT(NSLOT), .LANES(LANES), .MAX_OUT(MAX_OUT), .MAX_CHANNELS(MAX_CHANNELS), .TAG_W(TAG_W)) dma (
      .clk, .rst, .cfg_max_outstanding, .cfg_burst_bytes, .cfg_channels,
      .start_valid(dma_start), .start_slot(dma_slot), .start_bytes(dma_bytes), .start_runs(dma_runs),
      .start_addr(dma_addr), .release_slot(dma_release), .slot_done(dma_done), .slot_bursts(dma_bursts),
      .req_valid, .req_channel, .req_tag, .req_addr, .req_len, .rsp_valid, .rsp_tag);

  np_dram #(.MAX_CHANNELS(MAX_CHANNELS), .LANES(MAX_OUT), .DEPTH(MAX_OUT), .TAG_W(TAG_W)) dram (
      .clk, .rst, .now, .cfg_latency, .cfg_burst_ticks, .req_valid, .req_channel, .req_tag, .rsp_valid, .rsp_tag);

  np_sram_arbiter #(.MAX_BANKS(MAX_BANKS), .LANES(LANES), .NTAG(NTAG), .TAG_W(5)) sram (
      .clk, .rst, .cfg_banks, .cfg_width(cfg_bank_width), .cfg_ports,
      .start_valid(sram_start), .start_tag(sram_tag), .start_read_bytes(sram_read_bytes),
      .start_read_banks(sram_read_banks), .start_write_bytes(sram_write_bytes),
      .start_write_banks(sram_write_banks), .start_conflict(sram_conflict), .tag_busy(sram_busy));

  np_mac_array #(.R(R), .C(C)) mac (
      .clk, .rst, .a_we(mac_a_we), .b_we(mac_b_we), .mem_addr(mac_mem_addr), .mem_data(mac_mem_data),
      .start(mac_start), .os(mac_os), .in_m(mac_m), .in_n(mac_n), .in_k(mac_k), .in_batch(mac_batch),
      .busy(mac_busy), .done(mac_done), .out_valid(mac_out_valid), .out_b(mac_out_b), .out_m(mac_out_m),
      .out_n(mac_out_n), .out_v(mac_out_v));
endmodule
