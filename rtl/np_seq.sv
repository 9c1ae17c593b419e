// Command sequencer: executes the schedule's command stream (LOAD, STORE, COMPUTE, SYNC) from
// the command image in its memories (docs/formats.md, "RTL command image"), with the
// dependency scoreboard and issue rules of the replay (docs/timing.md, "Issue order").
//
// Two clocks in one: every clk edge is either a control step, in which the sequencer ends or
// starts one command (or walks one successor), or a model step (step = 1), in which the timed
// units (DMA, DRAM, SRAM arbiter, MAC array) advance one cycle and `now` counts it. Command
// dispatch costs the model no time, as in the replay; the control steps between two model
// steps are bookkeeping, one per event, so a run costs (cycles + events) clk edges.
//
// Within a model cycle, in rounds: while a running command is done, the lowest id among them
// ends (its successors' dependency counts drop; a successor whose count reaches zero is ready:
// a SYNC starts at once, and ends in the same round if it costs nothing; a COMPUTE waits for
// its engine, a transfer for the start phase); then the start phase starts, lowest id first,
// the lowest ready COMPUTE of each idle engine and every ready transfer, each on the next free
// start lane. When a command started in the round is already done (zero length), another
// round follows; otherwise the model steps, and the units take every start of the cycle at
// once (the DMA issues once per cycle, after all of them joined its queue).
//
// Errors stop the sequencer with `error` up, `error_code` (np_seq_error_e) and the command.
module np_seq #(
    parameter int NCMD = 16384,       // commands in the image (a multiple of 64)
    parameter int NSUCC = 65536,      // successor entries in the image
    parameter int MAX_ENGINES = 4,
    parameter int NENT = 32,          // commands running at once (the entry is the SRAM tag; <= 64)
    parameter int NSLOT = 16,         // DMA slots (<= 64)
    parameter int LANES = 8,          // DMA starts and SRAM starts per model cycle
    parameter int MAX_BANKS = 8
) (
    input  logic clk,
    input  logic rst,
    // the image, written while rst is high: sel 0 a command word (addr = id * 16 + word),
    // sel 1 a successor entry
    input  logic img_we,
    input  logic img_sel,
    input  logic [31:0] img_addr,
    input  logic [63:0] img_data,
    input  logic [31:0] cfg_n_cmds,
    input  logic [MAX_ENGINES*MAX_ENGINES-1:0][31:0] cfg_sync_cycles,  // [from * MAX_ENGINES + to]
    // the model clock
    output logic step,
    output logic [63:0] now,
    // DMA start lanes and slot release, held from the control steps to the next model step
    output logic [LANES-1:0] dma_start,
    output logic [LANES-1:0][7:0] dma_slot,
    output logic [LANES-1:0][63:0] dma_bytes,
    output logic [LANES-1:0][63:0] dma_runs,
    output logic [LANES-1:0][63:0] dma_addr,
    output logic [NSLOT-1:0] dma_release,
    input  logic [NSLOT-1:0] dma_done,
    input  logic [NSLOT-1:0][31:0] dma_bursts,
    // SRAM start lanes
    output logic [LANES-1:0] sram_start,
    output logic [LANES-1:0][4:0] sram_tag,
    output logic [LANES-1:0][63:0] sram_read_bytes,
    output logic [LANES-1:0][MAX_BANKS-1:0] sram_read_banks,
    output logic [LANES-1:0][63:0] sram_write_bytes,
    output logic [LANES-1:0][MAX_BANKS-1:0] sram_write_banks,
    input  logic [LANES-1:0] sram_conflict,
    input  logic [NENT-1:0] sram_busy,
    // MAC array
    output logic mac_start,
    output logic mac_os,
    output logic [31:0] mac_m,
    output logic [31:0] mac_n,
    output logic [31:0] mac_k,
    output logic [31:0] mac_batch,
    input  logic mac_done,
    output logic array_valid,         // a COMPUTE is on the MAC array
    output logic [31:0] array_cmd,    // ... this one
    // a command ended (one control step wide)
    output logic ev_valid,
    output logic [31:0] ev_cmd,
    output logic [63:0] ev_ready,
    output logic [63:0] ev_start,
    output logic [63:0] ev_end,
    output logic [31:0] ev_bursts,
    // status
    output logic finished,
    output logic error,
    output logic [3:0] error_code,
    output logic [31:0] error_cmd,
    output logic [63:0] bank_conflicts
);
  localparam int NSETS = MAX_ENGINES + 1;  // ready sets: one per engine, then the transfers
  localparam int XFER = MAX_ENGINES;
  localparam int NWORDS = NCMD / 64;
  localparam int IDW = $clog2(NCMD);
  localparam int EW = $clog2(NENT);
  localparam int SW = $clog2(NSLOT);
  localparam int LW = $clog2(LANES);

  typedef enum logic [3:0] {
    E_NONE = 0,
    E_SRAM_LANES = 1,   // more than LANES commands with bank work start in one cycle
    E_DMA_LANES = 2,    // more than LANES transfers start in one cycle
    E_SLOTS = 3,        // more than NSLOT transfers at once
    E_ENTRIES = 4,      // more than NENT commands run at once
    E_DEADLOCK = 5,     // nothing runs, nothing is ready, commands are left
    E_IMAGE = 6         // a successor or engine out of range, or a dependency count below zero
  } np_seq_error_e;

  typedef enum logic [2:0] { S_INIT, S_ROUND, S_END, S_WALK, S_START, S_HALT } phase_e;

  // ---- the image ----
  logic [15:0][63:0] cmd_mem[NCMD];
  logic [31:0] succ_mem[NSUCC];

  // fields of a command row (docs/formats.md, "RTL command image")
  function automatic logic [1:0] f_kind(input logic [15:0][63:0] r); return r[0][1:0]; endfunction
  function automatic logic f_array(input logic [15:0][63:0] r); return r[0][2]; endfunction
  function automatic logic f_os(input logic [15:0][63:0] r); return r[0][3]; endfunction
  function automatic logic [7:0] f_engine(input logic [15:0][63:0] r); return r[0][15:8]; endfunction
  function automatic logic [7:0] f_from(input logic [15:0][63:0] r); return r[0][23:16]; endfunction
  function automatic logic [31:0] f_deps(input logic [15:0][63:0] r); return r[0][63:32]; endfunction
  function automatic logic [31:0] f_succ_first(input logic [15:0][63:0] r); return r[1][31:0]; endfunction
  function automatic logic [31:0] f_succ_count(input logic [15:0][63:0] r); return r[1][63:32]; endfunction

  localparam logic [1:0] K_LOAD = 2'd0, K_STORE = 2'd1, K_COMPUTE = 2'd2, K_SYNC = 2'd3;

  // ---- state ----
  phase_e phase;
  logic first_round;
  logic [31:0] init_id, done_count;
  logic [31:0] deps_left[NCMD];
  logic [63:0] ready_at[NCMD];
  logic [63:0] rdy[NSETS][NWORDS];        // ready commands, a bit per id, per set
  logic [NWORDS-1:0] rdy_sum[NSETS];      // which words of rdy have a bit up
  logic [MAX_ENGINES-1:0] engine_busy;
  logic [NSLOT-1:0] slot_busy;
  logic [31:0] walk_ptr, walk_left;
  logic [LW:0] dma_lanes, sram_lanes;

  // running commands
  logic [NENT-1:0] ent_valid;
  logic [31:0] ent_cmd[NENT];
  logic [1:0] ent_kind[NENT];
  logic [NENT-1:0] ent_has_slot, ent_has_tag, ent_array;
  logic [SW-1:0] ent_slot[NENT];
  logic [7:0] ent_engine[NENT];
  logic [63:0] ent_ready[NENT], ent_start[NENT], ent_until[NENT];  // until: fixed-length end

  function automatic int ffs64(input logic [63:0] v);  // 64 when no bit is up
    for (int i = 0; i < 64; i++) if (v[i]) return i;
    return 64;
  endfunction

  // the first word of a ready set with a bit up, 64 summary bits at a time
  function automatic int first_word(input logic [NWORDS-1:0] sum);
    for (int c = 0; c < (NWORDS + 63) / 64; c++) begin
      logic [63:0] chunk;
      chunk = 64'(sum >> (c * 64));
      if (chunk != 0) return c * 64 + ffs64(chunk);
    end
    return NWORDS;
  endfunction

  // ---- which running commands are done now ----
  logic [NENT-1:0] ent_done;
  always_comb begin
    for (int e = 0; e < NENT; e++) begin
      logic sram_ok, started_before;
      started_before = now > ent_start[e];
      sram_ok = !ent_has_tag[e] || (started_before && !sram_busy[e]);
      case (ent_kind[e])
        K_LOAD, K_STORE: ent_done[e] = sram_ok && (!ent_has_slot[e] || (started_before && dma_done[ent_slot[e]]));
        K_COMPUTE: ent_done[e] = sram_ok && (ent_array[e] ? started_before && mac_done : now >= ent_until[e]);
        default: ent_done[e] = now >= ent_until[e];
      endcase
      ent_done[e] = ent_done[e] && ent_valid[e];
    end
  end

  // the lowest id among the commands that are done
  logic end_any;
  logic [EW-1:0] end_pick;
  always_comb begin
    end_any = 1'b0;
    end_pick = '0;
    for (int e = 0; e < NENT; e++)
      if (ent_done[e] && (!end_any || ent_cmd[e] < ent_cmd[end_pick])) begin
        end_any = 1'b1;
        end_pick = EW'(e);
      end
  end

  // the lowest id among the commands that may start: each idle engine's lowest ready
  // COMPUTE, and the lowest ready transfer
  logic start_any;
  logic [31:0] start_id;
  logic [$clog2(NSETS)-1:0] start_set;
  always_comb begin
    start_any = 1'b0;
    start_id = '0;
    start_set = '0;
    for (int s = 0; s < NSETS; s++) begin
      if (rdy_sum[s] != 0 && (s == XFER || !engine_busy[s])) begin
        int w;
        logic [31:0] id;
        w = first_word(rdy_sum[s]);
        id = 32'(w * 64 + ffs64(rdy[s][w]));
        if (!start_any || id < start_id) begin
          start_any = 1'b1;
          start_id = id;
          start_set = ($clog2(NSETS))'(s);
        end
      end
    end
  end

  // free entries and slots, lowest first (the index is NENT / NSLOT when none is free)
  int ent_free_at, slot_free_at;
  logic ent_free_any, slot_free_any;
  logic [EW-1:0] ent_free;
  logic [SW-1:0] slot_free;
  always_comb begin
    ent_free_at = ffs64(~64'(ent_valid));
    slot_free_at = ffs64(~64'(slot_busy));
    ent_free_any = ent_free_at < NENT;
    slot_free_any = slot_free_at < NSLOT;
    ent_free = EW'(ent_free_at);
    slot_free = SW'(slot_free_at);
  end

  // the one command row read per control step
  logic [31:0] walk_id;
  logic [31:0] row_id;
  logic [15:0][63:0] row;
  always_comb begin
    walk_id = succ_mem[($clog2(NSUCC))'(walk_ptr)];
    case (phase)
      S_INIT: row_id = init_id;
      S_END: row_id = ent_cmd[end_pick];
      S_WALK: row_id = walk_id;
      default: row_id = start_id;
    endcase
    row = cmd_mem[IDW'(row_id)];
  end

  // a model step: the S_ROUND case below that calls model_step()
  assign step = phase == S_ROUND && ent_done == 0 && !(first_round && start_any) && done_count != cfg_n_cmds &&
                !(ent_valid == 0 && !start_any);
  assign finished = phase == S_HALT && !error;

  // ---- the image port ----
  always_ff @(posedge clk) begin
    if (rst && img_we && !img_sel) cmd_mem[IDW'(img_addr >> 4)][img_addr[3:0]] <= img_data;
    if (rst && img_we && img_sel) succ_mem[($clog2(NSUCC))'(img_addr)] <= img_data[31:0];
  end

  // ---- sequencing ----
  task automatic fail(input np_seq_error_e code, input logic [31:0] id);
    error <= 1'b1;
    error_code <= code;
    error_cmd <= id;
    phase <= S_HALT;
  endtask

  task automatic set_ready(input int set, input logic [31:0] id);
    rdy[set][id[IDW-1:6]][id[5:0]] <= 1'b1;
    rdy_sum[set][id[IDW-1:6]] <= 1'b1;
  endtask

  // A command whose dependencies are all done: SYNCs start now (they hold no unit).
  task automatic make_ready(input logic [31:0] id, input logic [15:0][63:0] r);
    case (f_kind(r))
      K_SYNC: begin
        if (!ent_free_any) fail(E_ENTRIES, id);
        else if (f_engine(r) >= MAX_ENGINES || f_from(r) >= MAX_ENGINES) fail(E_IMAGE, id);
        else begin
          ent_valid[ent_free] <= 1'b1;
          ent_cmd[ent_free] <= id;
          ent_kind[ent_free] <= K_SYNC;
          ent_has_slot[ent_free] <= 1'b0;
          ent_has_tag[ent_free] <= 1'b0;
          ent_array[ent_free] <= 1'b0;
          ent_engine[ent_free] <= f_engine(r);
          ent_ready[ent_free] <= now;
          ent_start[ent_free] <= now;
          ent_until[ent_free] <= now + 64'(cfg_sync_cycles[f_from(r) * MAX_ENGINES + f_engine(r)]);
        end
      end
      K_COMPUTE: begin
        if (f_engine(r) >= MAX_ENGINES) fail(E_IMAGE, id);
        else begin
          set_ready(int'(f_engine(r)), id);
          ready_at[IDW'(id)] <= now;
        end
      end
      default: set_ready(XFER, id);
    endcase
  endtask

  task automatic start_command(input logic [31:0] id, input logic [15:0][63:0] r);
    logic [63:0] rd, wr;
    logic [MAX_BANKS-1:0] rb, wb;
    logic has_tag, has_slot;
    logic [63:0] rest;
    rd = r[5];
    wr = r[6];
    rb = r[7][MAX_BANKS-1:0];
    wb = r[7][8+:MAX_BANKS];
    has_tag = (rd != 0 && rb != 0) || (wr != 0 && wb != 0);
    has_slot = f_kind(r) != K_COMPUTE && r[2] != 0;
    rdy[start_set][id[IDW-1:6]][id[5:0]] <= 1'b0;
    rest = rdy[start_set][id[IDW-1:6]];
    rest[id[5:0]] = 1'b0;
    rdy_sum[start_set][id[IDW-1:6]] <= rest != 0;
    if (!ent_free_any) fail(E_ENTRIES, id);
    else if (has_tag && sram_lanes == (LW + 1)'(LANES)) fail(E_SRAM_LANES, id);
    else if (has_slot && dma_lanes == (LW + 1)'(LANES)) fail(E_DMA_LANES, id);
    else if (has_slot && !slot_free_any) fail(E_SLOTS, id);
    else begin
      ent_valid[ent_free] <= 1'b1;
      ent_cmd[ent_free] <= id;
      ent_kind[ent_free] <= f_kind(r);
      ent_has_slot[ent_free] <= has_slot;
      ent_has_tag[ent_free] <= has_tag;
      ent_array[ent_free] <= f_kind(r) == K_COMPUTE && f_array(r);
      ent_slot[ent_free] <= slot_free;
      ent_engine[ent_free] <= f_engine(r);
      ent_ready[ent_free] <= f_kind(r) == K_COMPUTE ? ready_at[IDW'(id)] : now;
      ent_start[ent_free] <= now;
      ent_until[ent_free] <= now + r[10];
      if (has_tag) begin
        sram_start[sram_lanes[LW-1:0]] <= 1'b1;
        sram_tag[sram_lanes[LW-1:0]] <= 5'(ent_free);
        sram_read_bytes[sram_lanes[LW-1:0]] <= rd;
        sram_read_banks[sram_lanes[LW-1:0]] <= rd != 0 ? rb : '0;
        sram_write_bytes[sram_lanes[LW-1:0]] <= wr;
        sram_write_banks[sram_lanes[LW-1:0]] <= wr != 0 ? wb : '0;
        sram_lanes <= sram_lanes + 1'b1;
      end
      if (has_slot) begin
        slot_busy[slot_free] <= 1'b1;
        dma_start[dma_lanes[LW-1:0]] <= 1'b1;
        dma_slot[dma_lanes[LW-1:0]] <= 8'(slot_free);
        dma_bytes[dma_lanes[LW-1:0]] <= r[2];
        dma_runs[dma_lanes[LW-1:0]] <= r[3];
        dma_addr[dma_lanes[LW-1:0]] <= r[4];
        dma_lanes <= dma_lanes + 1'b1;
      end
      if (f_kind(r) == K_COMPUTE) begin
        engine_busy[f_engine(r)] <= 1'b1;
        if (f_array(r)) begin
          array_valid <= 1'b1;
          array_cmd <= id;
          mac_start <= 1'b1;
          mac_os <= f_os(r);
          mac_m <= r[8][31:0];
          mac_n <= r[8][63:32];
          mac_k <= r[9][31:0];
          mac_batch <= r[9][63:32];
        end
      end
    end
  endtask

  task automatic end_command(input logic [EW-1:0] e, input logic [15:0][63:0] r);
    ev_valid <= 1'b1;
    ev_cmd <= ent_cmd[e];
    ev_ready <= ent_ready[e];
    ev_start <= ent_start[e];
    ev_end <= now;
    ev_bursts <= ent_has_slot[e] ? dma_bursts[ent_slot[e]] : 32'd0;
    ent_valid[e] <= 1'b0;
    if (ent_has_slot[e]) begin
      slot_busy[ent_slot[e]] <= 1'b0;
      dma_release[ent_slot[e]] <= 1'b1;
    end
    if (ent_kind[e] == K_COMPUTE) engine_busy[ent_engine[e]] <= 1'b0;
    if (ent_array[e]) array_valid <= 1'b0;
    done_count <= done_count + 1;
    if (f_succ_count(r) != 0) begin
      walk_ptr <= f_succ_first(r);
      walk_left <= f_succ_count(r);
      phase <= S_WALK;
    end
  endtask

  task automatic clear_lanes();
    dma_start <= '0;
    dma_release <= '0;
    sram_start <= '0;
    mac_start <= 1'b0;
    dma_lanes <= '0;
    sram_lanes <= '0;
  endtask

  // the lanes empty once the units have taken them, at a model step
  task automatic model_step();
    logic [63:0] conflicts;
    conflicts = bank_conflicts;
    for (int l = 0; l < LANES; l++)
      if (l < int'(sram_lanes) && sram_conflict[l]) conflicts = conflicts + 1;
    bank_conflicts <= conflicts;
    now <= now + 1;
    clear_lanes();
    first_round <= 1'b1;
  endtask

  always_ff @(posedge clk) begin
    ev_valid <= 1'b0;
    if (rst) begin
      phase <= S_INIT;
      first_round <= 1'b1;
      init_id <= '0;
      done_count <= '0;
      now <= '0;
      error <= 1'b0;
      error_code <= '0;
      error_cmd <= '0;
      bank_conflicts <= '0;
      engine_busy <= '0;
      slot_busy <= '0;
      ent_valid <= '0;
      array_valid <= 1'b0;
      array_cmd <= '0;
      clear_lanes();
      for (int s = 0; s < NSETS; s++) rdy_sum[s] <= '0;
    end else begin
      case (phase)
        S_INIT:
          if (init_id == cfg_n_cmds) phase <= S_ROUND;
          else begin
            // the ready words are cleared here, not at reset: only those of the image's ids
            // are ever read (a summary bit, cleared at reset, guards each)
            if (init_id[5:0] == 0) for (int s = 0; s < NSETS; s++) rdy[s][init_id[IDW-1:6]] <= '0;
            deps_left[IDW'(init_id)] <= f_deps(row);
            if (f_deps(row) == 0) make_ready(init_id, row);
            init_id <= init_id + 1;
          end
        S_ROUND:
          if (ent_done != 0) begin
            phase <= S_END;
          end else if (first_round && start_any) begin
            phase <= S_START;
          end else if (done_count == cfg_n_cmds) begin
            phase <= S_HALT;
          end else if (ent_valid == 0 && !start_any) begin
            fail(E_DEADLOCK, done_count);
          end else begin
            model_step();
          end
        S_END:
          if (end_any) end_command(end_pick, row);
          else phase <= S_START;
        S_WALK: begin
          logic [31:0] left;
          left = deps_left[IDW'(walk_id)];
          if (walk_id >= cfg_n_cmds || left == 0) fail(E_IMAGE, walk_id);
          else begin
            deps_left[IDW'(walk_id)] <= left - 1;
            walk_ptr <= walk_ptr + 1;
            walk_left <= walk_left - 1;
            if (walk_left == 1) phase <= S_END;
            if (left == 1) make_ready(walk_id, row);  // last: its failure must win the phase
          end
        end
        S_START:
          if (start_any) start_command(start_id, row);
          else begin
            first_round <= 1'b0;
            phase <= S_ROUND;
          end
        default: ;
      endcase
    end
  end
endmodule
