// DRAM responder (docs/timing.md, "The built-in DRAM model").
//
// Each channel has one data bus served in request order. A burst requested at cycle t may
// use the bus from cycle t + latency; it holds the bus burst_ticks ticks (1 tick = 1/65536
// cycle: the bus position is a cycle count with a 16-bit fraction, so bandwidths that are not
// a whole number of bytes per cycle keep exact time). Its data is done at
// ceil(done_tick / 65536), the cycle the response comes back. A burst that opens a row (the
// DMA says so) holds the bus cfg_row_miss more cycles, before its data.
//
// Limits: burst_ticks >= 65536 (a burst holds the bus at least one cycle, so one burst per
// channel starts and one response per channel returns per cycle) and latency >= 1.
module np_dram #(
    parameter int MAX_CHANNELS = 2,
    parameter int LANES = 4,       // requests accepted per cycle
    parameter int DEPTH = 8,       // requests queued per channel (>= outstanding bursts)
    parameter int TAG_W = 3
) (
    input  logic clk,
    input  logic rst,
    input  logic en,                 // advance one model cycle at this edge (np_seq step)
    input  logic [63:0] now,
    input  logic [15:0] cfg_latency,
    input  logic [31:0] cfg_burst_ticks,
    input  logic [15:0] cfg_row_miss,
    input  logic [LANES-1:0] req_valid,
    input  logic [LANES-1:0][7:0] req_channel,
    input  logic [LANES-1:0][TAG_W-1:0] req_tag,
    input  logic [LANES-1:0] req_row_miss,
    output logic [MAX_CHANNELS-1:0] rsp_valid,
    output logic [MAX_CHANNELS-1:0][TAG_W-1:0] rsp_tag
);
  localparam int PW = $clog2(DEPTH);

  // per channel: requests waiting for the bus (arrival cycle, tag) and responses waiting for
  // their done cycle
  logic [63:0] rq_arrive[MAX_CHANNELS][DEPTH];
  logic [TAG_W-1:0] rq_tag[MAX_CHANNELS][DEPTH];
  logic rq_miss[MAX_CHANNELS][DEPTH];
  logic [PW:0] rq_count[MAX_CHANNELS];
  logic [PW-1:0] rq_head[MAX_CHANNELS];
  logic [63:0] sp_done[MAX_CHANNELS][DEPTH];
  logic [TAG_W-1:0] sp_tag[MAX_CHANNELS][DEPTH];
  logic [PW:0] sp_count[MAX_CHANNELS];
  logic [PW-1:0] sp_head[MAX_CHANNELS];
  logic [63:0] bus_free[MAX_CHANNELS];  // tick the bus frees

  always_comb begin
    for (int c = 0; c < MAX_CHANNELS; c++) begin
      rsp_valid[c] = sp_count[c] != 0 && sp_done[c][sp_head[c]] <= now;
      rsp_tag[c] = sp_tag[c][sp_head[c]];
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      for (int c = 0; c < MAX_CHANNELS; c++) begin
        rq_count[c] <= 0;
        rq_head[c] <= 0;
        sp_count[c] <= 0;
        sp_head[c] <= 0;
        bus_free[c] <= 0;
      end
    end else if (en) begin
      for (int c = 0; c < MAX_CHANNELS; c++) begin
        logic [PW:0] rc, sc;
        logic [PW-1:0] rh, sh;
        rc = rq_count[c];
        rh = rq_head[c];
        sc = sp_count[c];
        sh = sp_head[c];
        // a response leaves
        if (rsp_valid[c]) begin
          sh = sh + 1'b1;
          sc = sc - 1'b1;
        end
        // the bus takes the oldest request if it has arrived and the bus frees this cycle
        if (rc != 0 && rq_arrive[c][rh] <= now && bus_free[c] < ((now + 64'd1) << 16)) begin
          logic [63:0] start, done;
          start = rq_arrive[c][rh] << 16;
          if (bus_free[c] > start) start = bus_free[c];
          if (rq_miss[c][rh]) start = start + ({48'd0, cfg_row_miss} << 16);
          done = start + {32'd0, cfg_burst_ticks};
          bus_free[c] <= done;
          sp_done[c][PW'(sp_head[c] + sp_count[c])] <= (done >> 16) + {63'd0, done[15:0] != 16'd0};
          sp_tag[c][PW'(sp_head[c] + sp_count[c])] <= rq_tag[c][rh];
          sc = sc + 1'b1;
          rh = rh + 1'b1;
          rc = rc - 1'b1;
        end
        // new requests queue up, in lane order
        for (int l = 0; l < LANES; l++) begin
          if (req_valid[l] && req_channel[l] == 8'(c)) begin
            rq_arrive[c][PW'(rh + rc)] <= now + {48'd0, cfg_latency};
            rq_tag[c][PW'(rh + rc)] <= req_tag[l];
            rq_miss[c][PW'(rh + rc)] <= req_row_miss[l];
            rc = rc + 1'b1;
          end
        end
        rq_count[c] <= rc;
        rq_head[c] <= rh;
        sp_count[c] <= sc;
        sp_head[c] <= sh;
      end
    end
  end
endmodule
