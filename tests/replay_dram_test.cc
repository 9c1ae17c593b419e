// DRAM timing (docs/timing.md, "DRAM"). Every expected number is worked by hand from the
// formulas there; the arithmetic is in the comments. Small arch (replay_support.h): 8 B/cycle
// on one channel, so a 64-byte burst holds the data bus 64 / 8 = 8 cycles; latency L = 10.
#include "replay_support.h"

TEST(ReplayDram, OneLoadIsLatencyPlusBursts) {
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.load(1000, 0x1);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  // bursts = ceil(1000 / 64) = 16, all issued at cycle 0 (16 <= 16 outstanding).
  // burst i: data starts at max(0 + L, end of burst i-1), so the last ends at
  // L + 16 x 8 = 10 + 128 = 138. SRAM work: ceil(1000 / 8) = 125 lines on one bank = 125
  // cycles < 138, so the DRAM sets the end.
  EXPECT_EQ(run.stats.cycles, 138);
  EXPECT_EQ(run.rec(0).bursts, 16);
  EXPECT_EQ(run.rec(0).sram_cycles, 125);
  EXPECT_EQ(run.rec(0).work, 138);  // unshared time: L + 16 x 8
  EXPECT_EQ(run.rec(0).stall[NP_STALL_DRAM], 0);
  EXPECT_EQ(run.stats.dram_read_bytes, 1000);
  EXPECT_EQ(run.stats.bursts, 16);
  EXPECT_DOUBLE_EQ(run.stats.ms, 138 / 1e6);  // 138 cycles at 1000 MHz = 138 ns
}

TEST(ReplayDram, PartialBurstHoldsTheBusForAWholeBurst) {
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.load(65, 0x1);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  // ceil(65 / 64) = 2 bursts; the second moves 1 byte but holds the bus 8 cycles: 10 + 2 x 8.
  EXPECT_EQ(run.stats.cycles, 26);
}

TEST(ReplayDram, TwoConcurrentLoadsShareTheBandwidthBurstByBurst) {
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.load(512, 0x1);  // A: 8 bursts, bank 0
  b.load(512, 0x2);  // B: 8 bursts, bank 1
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  // Both become active at cycle 0, A first (lower id). Round-robin issue: A0 B0 A1 B1 ...
  // all 16 at cycle 0. The channel serves them in issue order: the k-th (from 0) ends at
  // L + 8 (k + 1). A7 is k = 14: 10 + 120 = 130; B7 is k = 15: 10 + 128 = 138.
  EXPECT_EQ(run.rec(0).end, 130);
  EXPECT_EQ(run.rec(1).end, 138);
  // Alone each would take L + 8 x 8 = 74: stalls 130 - 74 = 56 and 138 - 74 = 64.
  EXPECT_EQ(run.rec(0).stall[NP_STALL_DRAM], 56);
  EXPECT_EQ(run.rec(1).stall[NP_STALL_DRAM], 64);
  EXPECT_EQ(run.stats.stall[NP_STALL_DRAM], 120);
  EXPECT_EQ(run.stats.cycles, 138);
}

TEST(ReplayDram, OutstandingBurstLimitBinds) {
  // One outstanding burst: each burst waits for the previous one to come back, so n bursts
  // take n x (L + 8). 4 bursts (256 B): 4 x 18 = 72.
  {
    NpArch arch = load_arch(kSmallArch, {"dram.max_outstanding_bursts=1"});
    SchedBuilder b;
    b.load(256, 0x1);
    ReplayRun run;
    replay(b.get(), arch, run);
    ASSERT_TRUE(run.ok) << run.errors;
    EXPECT_EQ(run.stats.cycles, 72);
    EXPECT_EQ(run.rec(0).stall[NP_STALL_DRAM], 72 - (10 + 32));  // alone: L + 4 x 8 = 42
  }
  // Two outstanding, L = 20: b0, b1 issued at 0: b0 20..28, b1 28..36. b0 retires at 28 and
  // b2 goes out: data from max(28 + 20, 36) = 48 to 56. b1 retires at 36, b3 goes out: from
  // max(36 + 20, 56) = 56 to 64. End 64; unlimited it would be 20 + 4 x 8 = 52.
  {
    NpArch arch = load_arch(kSmallArch, {"dram.max_outstanding_bursts=2", "dram.latency_cycles=20"});
    SchedBuilder b;
    b.load(256, 0x1);
    ReplayRun run;
    replay(b.get(), arch, run);
    ASSERT_TRUE(run.ok) << run.errors;
    EXPECT_EQ(run.stats.cycles, 64);
    EXPECT_EQ(run.rec(0).stall[NP_STALL_DRAM], 64 - 52);
  }
}

TEST(ReplayDram, FractionalBandwidthAccumulatesInTicks) {
  // 3 GB/s at 1 GHz = 3 B/cycle: a 64-byte burst holds the bus ceil(64 x 65536 / 3) =
  // ceil(1398101.33) = 1398102 ticks. 3 bursts back to back end at L x 65536 + 3 x 1398102
  // = 655360 + 4194306 = 4849666 ticks = 74.0006 cycles -> ceil = 75 cycles.
  // (Rounding each burst to whole cycles would give 10 + 3 x 22 = 76.)
  NpArch arch = load_arch(kSmallArch, {"dram.bandwidth_gb_per_s=3"});
  SchedBuilder b;
  b.load(192, 0x1);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 75);
}

TEST(ReplayDram, ChannelsInterleaveBursts) {
  // 2 channels of 8 / 2 = 4 B/cycle each: a burst holds its channel 16 cycles. 4 bursts from
  // address 0 go to channels 0, 1, 0, 1: each channel serves 2, ending at 10 + 2 x 16 = 42.
  NpArch arch = load_arch(kSmallArch, {"dram.channels=2"});
  SchedBuilder b;
  b.load(256, 0x1);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 42);
}

TEST(ReplayDram, RowMissesCostTheirPenaltyOnTheBus) {
  // Row model: 128-byte rows (2 bursts a row on one channel), 5 cycles per miss.
  NpArch arch = load_arch(kSmallArch, {"dram.row_bytes=128", "dram.row_miss_cycles=5"});
  {
    // 512 B from address 0: bursts 0..7 at offsets 0, 64, ..., 448; rows 0,0,1,1,2,2,3,3.
    // Misses at bursts 0, 2, 4, 6 (first of the run; row changes): 4. Bus time:
    // L + 8 x 8 + 4 x 5 = 10 + 64 + 20 = 94.
    SchedBuilder b;
    b.load(512, 0x1, {}, 0, 0);
    ReplayRun run;
    replay(b.get(), arch, run);
    ASSERT_TRUE(run.ok) << run.errors;
    EXPECT_EQ(run.rec(0).row_misses, 4);
    EXPECT_EQ(run.stats.cycles, 94);
  }
  {
    // From address 64 (half a row in): offsets 64, 128, ..., 512 lie in rows 0,1,1,2,2,3,3,4:
    // misses at bursts 0, 1, 3, 5, 7 = 5. 10 + 64 + 25 = 99.
    SchedBuilder b;
    b.load(512, 0x1, {}, 0, 64);
    ReplayRun run;
    replay(b.get(), arch, run);
    ASSERT_TRUE(run.ok) << run.errors;
    EXPECT_EQ(run.rec(0).row_misses, 5);
    EXPECT_EQ(run.stats.cycles, 99);
  }
  {
    // 8 runs of 64 B (an NHWC tile one burst wide): every burst starts a run, so every burst
    // opens a row: 8 misses, 10 + 64 + 40 = 114.
    SchedBuilder b;
    b.load(512, 0x1, {}, 0, 0, 8);
    ReplayRun run;
    replay(b.get(), arch, run);
    ASSERT_TRUE(run.ok) << run.errors;
    EXPECT_EQ(run.rec(0).row_misses, 8);
    EXPECT_EQ(run.stats.cycles, 114);
  }
}

TEST(ReplayDram, RunsSplitIntoBurstsEach) {
  // 3 runs of 100 B: each run is ceil(100 / 64) = 2 bursts, 6 in all (not ceil(300/64) = 5).
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  b.load(300, 0x1, {}, 0, 0, 3);
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(0).bursts, 6);
  EXPECT_EQ(run.stats.cycles, 10 + 6 * 8);
}

TEST(ReplayDram, StoreUsesTheSameBusAsLoads) {
  // A STORE after a LOAD: the LOAD ends at 10 + 2 x 8 = 26; the STORE starts at 26 and ends
  // at 26 + 10 + 2 x 8 = 52.
  NpArch arch = load_arch(kSmallArch);
  SchedBuilder b;
  int l = b.load(128, 0x1);
  b.store(128, 0x1, {l});
  ReplayRun run;
  replay(b.get(), arch, run);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.rec(1).start, 26);
  EXPECT_EQ(run.stats.cycles, 52);
  EXPECT_EQ(run.stats.dram_write_bytes, 128);
}

// ---- host-driven DRAM ----

struct FixedLatencyHost {
  int64_t latency;
  bool answer_now;
  std::vector<NpDramRequest> pending;
};

static bool fixed_latency_request(void *user, const NpDramRequest *req, int64_t *done_tick) {
  auto *h = static_cast<FixedLatencyHost *>(user);
  if (!h->answer_now) {
    h->pending.push_back(*req);
    return false;
  }
  *done_tick = (req->issue_cycle + h->latency) * NP_REPLAY_TICKS_PER_CYCLE;
  return true;
}

TEST(ReplayHost, SynchronousHostAnswersSetTheTiming) {
  // A host memory answering every burst 30 cycles after issue, with no bandwidth limit.
  // 4 bursts, 2 outstanding: b0, b1 at 0 -> 30; b2, b3 at 30 -> 60. The LOAD ends at 60.
  NpArch arch = load_arch(kSmallArch, {"dram.max_outstanding_bursts=2"});
  FixedLatencyHost host{30, true, {}};
  NpDramModel model{fixed_latency_request, &host};
  SchedBuilder b;
  b.load(256, 0x1);
  ReplayRun run;
  replay(b.get(), arch, run, &model);
  ASSERT_TRUE(run.ok) << run.errors;
  EXPECT_EQ(run.stats.cycles, 60);
}

TEST(ReplayHost, AsynchronousHostAnswersThroughComplete) {
  NpArch arch = load_arch(kSmallArch, {"dram.max_outstanding_bursts=2"});
  FixedLatencyHost host{30, false, {}};
  NpDramModel model{fixed_latency_request, &host};
  SchedBuilder b;
  b.load(256, 0x1);
  NpReplayOptions opt{};
  opt.dram = &model;
  NpDiag diag;
  np_diag_init(&diag);
  NpReplay *r = np_replay_new(b.get(), &arch, &opt, &diag);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(np_replay_next_cycle(r), 0);
  ASSERT_TRUE(np_replay_advance(r));  // cycle 0: the LOAD starts, b0 and b1 go out
  ASSERT_EQ(host.pending.size(), 2u);
  EXPECT_EQ(host.pending[0].addr, 0);
  EXPECT_EQ(host.pending[1].addr, 64);
  EXPECT_EQ(host.pending[0].bytes, 64);
  EXPECT_FALSE(host.pending[0].write);
  EXPECT_EQ(np_replay_next_cycle(r), NP_REPLAY_IDLE);  // waits for the host
  // Answers in the past are refused.
  EXPECT_TRUE(np_replay_dram_complete(r, &host.pending[0], 30 * NP_REPLAY_TICKS_PER_CYCLE));
  EXPECT_TRUE(np_replay_dram_complete(r, &host.pending[1], 30 * NP_REPLAY_TICKS_PER_CYCLE));
  EXPECT_FALSE(np_replay_dram_complete(r, &host.pending[1], 30 * NP_REPLAY_TICKS_PER_CYCLE));  // none pending
  EXPECT_EQ(np_replay_next_cycle(r), 30);
  ASSERT_TRUE(np_replay_advance(r));  // cycle 30: two slots free, b2 and b3 go out
  ASSERT_EQ(host.pending.size(), 4u);
  EXPECT_EQ(host.pending[2].issue_cycle, 30);
  EXPECT_FALSE(np_replay_dram_complete(r, &host.pending[2], 29 * NP_REPLAY_TICKS_PER_CYCLE));  // past
  EXPECT_TRUE(np_replay_dram_complete(r, &host.pending[2], 60 * NP_REPLAY_TICKS_PER_CYCLE));
  EXPECT_TRUE(np_replay_dram_complete(r, &host.pending[3], 60 * NP_REPLAY_TICKS_PER_CYCLE));
  while (np_replay_advance(r)) {
  }
  EXPECT_TRUE(np_replay_finished(r));
  NpStats st;
  np_replay_stats(r, &st);
  EXPECT_EQ(st.cycles, 60);
  np_stats_free(&st);
  np_replay_free(r);
  np_diag_free(&diag);
}

// A host that models the same DRAM as the built-in one (one channel: FIFO bus, latency,
// bus time per burst) but answers late, through np_replay_dram_complete. Stats must match
// the standalone replay exactly: there is one timing model.
struct MirrorHost {
  int64_t latency_ticks, burst_ticks, bus_free = 0;
  std::vector<std::pair<NpDramRequest, int64_t>> pending;
};

static bool mirror_request(void *user, const NpDramRequest *req, int64_t *) {
  auto *h = static_cast<MirrorHost *>(user);
  int64_t start = std::max(req->issue_cycle * NP_REPLAY_TICKS_PER_CYCLE + h->latency_ticks, h->bus_free);
  h->bus_free = start + h->burst_ticks;
  h->pending.push_back({*req, h->bus_free});
  return false;
}

TEST(ReplayHost, LateAnswersGiveTheStandaloneTiming) {
  NpArch arch = load_arch(kSmallArch, {"dram.max_outstanding_bursts=3"});
  SchedBuilder b;
  int a = b.load(700, 0x1);
  int w = b.load(300, 0x2);
  int c = b.gemm(kNpu, 10, 6, 5, {a, w});
  b.store(200, 0x4, {c});
  b.load(130, 0x8, {a});
  ReplayRun standalone;
  replay(b.get(), arch, standalone);
  ASSERT_TRUE(standalone.ok) << standalone.errors;

  MirrorHost host{10 * NP_REPLAY_TICKS_PER_CYCLE, 8 * NP_REPLAY_TICKS_PER_CYCLE, 0, {}};
  NpDramModel model{mirror_request, &host};
  NpReplayOptions opt{};
  opt.dram = &model;
  NpDiag diag;
  np_diag_init(&diag);
  NpReplay *r = np_replay_new(b.get(), &arch, &opt, &diag);
  ASSERT_NE(r, nullptr);
  for (int guard = 0; guard < 10000 && !np_replay_finished(r); guard++) {
    // Answer every pending burst before the replay moves past its issue cycle.
    for (auto &p : host.pending) ASSERT_TRUE(np_replay_dram_complete(r, &p.first, p.second));
    host.pending.clear();
    if (!np_replay_advance(r)) break;
  }
  ASSERT_TRUE(np_replay_finished(r));
  NpStats st;
  np_replay_stats(r, &st);
  EXPECT_EQ(st.cycles, standalone.stats.cycles);
  EXPECT_EQ(st.stall[NP_STALL_DRAM], standalone.stats.stall[NP_STALL_DRAM]);
  EXPECT_EQ(st.bursts, standalone.stats.bursts);
  np_stats_free(&st);
  np_replay_free(r);
  np_diag_free(&diag);
}
