// An R x C int8 systolic MAC array, weight-stationary (ws) or output-stationary (os), that
// computes `batch` GEMMs of M x K by K x N with int32 accumulation, in exactly the cycles of
// SCALE-Sim's compute model (docs/timing.md, "MAC array"):
//
//   ws: folds ceil(K/R) x ceil(N/C); per fold R cycles load a K-chunk x N-chunk of weights,
//       one row per cycle, then the M rows of inputs stream in from the left, row i skewed by
//       i cycles, partial sums flow down and leave the bottom row into the accumulators:
//       M + R + C - 2 cycles until the last one is out. 2R + C + M - 2 per fold.
//   os: folds ceil(M/R) x ceil(N/C); inputs stream in from the left (row i skewed by i) and
//       weights from the top (column j skewed by j); PE (i, j) accumulates its output over K:
//       R + C + K - 2 cycles per fold; each PE hands its result out with its last MAC.
//
// Operands come from two byte memories the harness fills (part of the memory image): element
// (b, m, k) of the inputs is a_mem[(b*M*K + m*K + k) mod A_DEPTH], element (b, k, n) of the
// weights b_mem[(b*K*N + k*N + n) mod B_DEPTH]. Results leave on out_* (registered), one
// lane per PE, when final. start is taken in the cycle it is high, and that cycle is the
// first of the work; done rises in the cycle after the last.
module np_mac_array #(
    parameter int R = 8,
    parameter int C = 8,
    parameter int A_DEPTH = 4096,
    parameter int B_DEPTH = 4096,
    parameter int MAX_M = 1024   // ws accumulator rows (M beyond wraps: values then unchecked)
) (
    input  logic clk,
    input  logic rst,
    input  logic en,                 // advance one model cycle at this edge (np_seq step)
    // memory image
    input  logic a_we,
    input  logic b_we,
    input  logic [31:0] mem_addr,
    input  logic [7:0] mem_data,
    // command
    input  logic start,
    input  logic os,             // 0: weight-stationary, 1: output-stationary
    input  logic [31:0] in_m,
    input  logic [31:0] in_n,
    input  logic [31:0] in_k,
    input  logic [31:0] in_batch,
    output logic busy,
    output logic done,
    output logic [R*C-1:0] out_valid,
    output logic [R*C-1:0][31:0] out_b,
    output logic [R*C-1:0][31:0] out_m,
    output logic [R*C-1:0][31:0] out_n,
    output logic [R*C-1:0][31:0] out_v
);
  logic signed [7:0] a_mem[A_DEPTH];
  logic signed [7:0] b_mem[B_DEPTH];
  logic signed [31:0] acc[MAX_M][C];

  logic busy_q, done_q, os_q;
  logic [31:0] m_q, n_q, k_q, batch_q;
  logic [31:0] bi_q, c1_q, c2_q, cnt_q;  // batch, outer and inner fold, cycle in the phase
  logic fill_q;                          // ws: loading weights

  // the pipeline
  logic signed [7:0] w[R][C];            // ws: stationary weights
  logic signed [7:0] ah[R][C];           // operands moving right
  logic ahv[R][C], ahf[R][C], ahl[R][C]; // valid, first k, last k (os)
  logic [31:0] ahm[R][C];                // ws: the input row m it belongs to
  logic signed [31:0] pv[R][C];          // ws: partial sums moving down
  logic signed [7:0] bv[R][C];           // os: weights moving down
  logic signed [31:0] pe_acc[R][C];      // os: the stationary outputs

  assign busy = busy_q;
  assign done = done_q;

  function automatic logic signed [7:0] a_at(input logic [63:0] b, input logic [63:0] m, input logic [63:0] k,
                                              input logic [63:0] mm, input logic [63:0] kk);
    return a_mem[($clog2(A_DEPTH))'(b * mm * kk + m * kk + k)];
  endfunction
  function automatic logic signed [7:0] b_at(input logic [63:0] b, input logic [63:0] k, input logic [63:0] n,
                                              input logic [63:0] kk, input logic [63:0] nn);
    return b_mem[($clog2(B_DEPTH))'(b * kk * nn + k * nn + n)];
  endfunction

  // After a fold's last cycle: the next inner fold, else the next outer one (the inner
  // starting over), else the next GEMM of the batch, else the command is done.
  task automatic next_fold(input logic inner_more, input logic outer_more, input logic [63:0] c1, input logic [63:0] c2,
                           input logic [63:0] bi, input logic [63:0] bb);
    if (inner_more) c2_q <= 32'(c2 + 1);
    else begin
      c2_q <= 0;
      if (outer_more) c1_q <= 32'(c1 + 1);
      else begin
        c1_q <= 0;
        if (bi + 1 < bb) bi_q <= 32'(bi + 1);
        else begin
          bi_q <= 0;
          busy_q <= 1'b0;
          done_q <= 1'b1;
        end
      end
    end
  endtask

  always_ff @(posedge clk) begin
    if (a_we) a_mem[($clog2(A_DEPTH))'(mem_addr)] <= mem_data;
    if (b_we) b_mem[($clog2(B_DEPTH))'(mem_addr)] <= mem_data;
  end

  always_ff @(posedge clk) begin
    if (rst || en) out_valid <= '0;
    if (rst) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
      fill_q <= 1'b1;
      {bi_q, c1_q, c2_q, cnt_q} <= '0;
      for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) begin
          ahv[i][j] <= 1'b0;
        end
    end else if (en && (busy_q || start)) begin
      // the command: latched, or taken from the inputs in its first cycle
      logic dfo;
      logic [63:0] mm, nn, kk, bb, bi, c1, c2, cnt, last_cnt;
      logic fill;
      logic [63:0] m0, n0, k0;
      dfo = busy_q ? os_q : os;
      mm = {32'd0, busy_q ? m_q : in_m};
      nn = {32'd0, busy_q ? n_q : in_n};
      kk = {32'd0, busy_q ? k_q : in_k};
      bb = {32'd0, busy_q ? batch_q : in_batch};
      bi = busy_q ? {32'd0, bi_q} : 64'd0;
      c1 = busy_q ? {32'd0, c1_q} : 64'd0;
      c2 = busy_q ? {32'd0, c2_q} : 64'd0;
      cnt = busy_q ? {32'd0, cnt_q} : 64'd0;
      fill = busy_q ? fill_q : !dfo;
      if (!busy_q) begin
        os_q <= os;
        m_q <= in_m;
        n_q <= in_n;
        k_q <= in_k;
        batch_q <= in_batch;
        done_q <= 1'b0;
      end
      busy_q <= 1'b1;

      if (!dfo) begin
        // ---- weight-stationary: c1 = N-chunk, c2 = K-chunk ----
        n0 = c1 * C;
        k0 = c2 * R;
        if (fill) begin
          for (int j = 0; j < C; j++)
            w[cnt[$clog2(R)-1:0]][j] <= (k0 + cnt < kk && n0 + j < nn) ? b_at(bi, k0 + cnt, n0 + j, kk, nn) : 8'sd0;
          for (int i = 0; i < R; i++) for (int j = 0; j < C; j++) ahv[i][j] <= 1'b0;
        end else begin
          for (int i = 0; i < R; i++) begin
            for (int j = 0; j < C; j++) begin
              logic signed [7:0] a;
              logic av;
              logic [31:0] am;
              logic signed [31:0] psum;
              if (j == 0) begin
                av = cnt >= i && cnt - i < mm;
                am = 32'(cnt - i);
                a = (av && k0 + i < kk) ? a_at(bi, cnt - i, k0 + i, mm, kk) : 8'sd0;
              end else begin
                av = ahv[i][j-1];
                am = ahm[i][j-1];
                a = ah[i][j-1];
              end
              psum = (i == 0 ? 32'sd0 : pv[i-1][j]) + 32'(a) * 32'(w[i][j]);
              ah[i][j] <= a;
              ahv[i][j] <= av;
              ahm[i][j] <= am;
              pv[i][j] <= psum;
              if (i == R - 1 && av) begin
                logic signed [31:0] total;
                logic [$clog2(MAX_M)-1:0] row;
                row = ($clog2(MAX_M))'(am);
                total = c2 == 0 ? psum : acc[row][j] + psum;
                acc[row][j] <= total;
                if (k0 + R >= kk && n0 + j < nn) begin
                  out_valid[j] <= 1'b1;
                  out_b[j] <= 32'(bi);
                  out_m[j] <= am;
                  out_n[j] <= 32'(n0 + j);
                  out_v[j] <= total;
                end
              end
            end
          end
        end
        last_cnt = fill ? R - 1 : mm + R + C - 3;
        if (cnt != last_cnt) begin
          cnt_q <= 32'(cnt + 1);
          fill_q <= fill;
        end else if (fill) begin
          cnt_q <= 0;
          fill_q <= 1'b0;
        end else begin
          cnt_q <= 0;
          fill_q <= 1'b1;
          next_fold(k0 + R < kk, n0 + C < nn, c1, c2, bi, bb);
        end
      end else begin
        // ---- output-stationary: c1 = M-chunk, c2 = N-chunk ----
        m0 = c1 * R;
        n0 = c2 * C;
        for (int i = 0; i < R; i++) begin
          for (int j = 0; j < C; j++) begin
            logic signed [7:0] a, b;
            logic av, af, al;
            logic signed [31:0] sum;
            if (j == 0) begin
              av = cnt >= i && cnt - i < kk;
              af = cnt == i;
              al = cnt - i == kk - 1;
              a = (av && m0 + i < mm) ? a_at(bi, m0 + i, cnt - i, mm, kk) : 8'sd0;
            end else begin
              av = ahv[i][j-1];
              af = ahf[i][j-1];
              al = ahl[i][j-1];
              a = ah[i][j-1];
            end
            if (i == 0) b = (cnt >= j && cnt - j < kk && n0 + j < nn) ? b_at(bi, cnt - j, n0 + j, kk, nn) : 8'sd0;
            else b = bv[i-1][j];
            ah[i][j] <= a;
            ahv[i][j] <= av;
            ahf[i][j] <= af;
            ahl[i][j] <= al;
            bv[i][j] <= b;
            if (av) begin
              sum = (af ? 32'sd0 : pe_acc[i][j]) + 32'(a) * 32'(b);
              pe_acc[i][j] <= sum;
              if (al && m0 + i < mm && n0 + j < nn) begin
                out_valid[i*C+j] <= 1'b1;
                out_b[i*C+j] <= 32'(bi);
                out_m[i*C+j] <= 32'(m0 + i);
                out_n[i*C+j] <= 32'(n0 + j);
                out_v[i*C+j] <= sum;
              end
            end
          end
        end
        last_cnt = kk + R + C - 3;
        if (cnt != last_cnt) cnt_q <= 32'(cnt + 1);
        else begin
          cnt_q <= 0;
          next_fold(n0 + C < nn, m0 + R < mm, c1, c2, bi, bb);
        end
      end
    end
  end
endmodule
