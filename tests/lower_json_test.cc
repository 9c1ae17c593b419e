// The schedule's JSON form: round trip, determinism, and errors that name the place.
#include "arch/arch.h"
#include "lower_support.h"
#include "model/model.h"
#include "support/files.h"

namespace {

void expect_same(const NpSchedule &a, const NpSchedule &b) {
  EXPECT_EQ(a.warm, b.warm);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_STREQ(a.config_name, b.config_name);
  EXPECT_EQ(a.config_hash, b.config_hash);
  EXPECT_EQ(a.sram_peak_bytes, b.sram_peak_bytes);
  EXPECT_EQ(a.dram_read_bytes, b.dram_read_bytes);
  EXPECT_EQ(a.crossings, b.crossings);
  EXPECT_EQ(a.syncs, b.syncs);
  ASSERT_EQ(a.n_layers, b.n_layers);
  for (size_t i = 0; i < a.n_layers; i++) {
    const NpLayerPlan &x = a.layers[i], &y = b.layers[i];
    EXPECT_EQ(x.op, y.op);
    EXPECT_STREQ(x.name, y.name);
    EXPECT_EQ(x.engine, y.engine);
    EXPECT_EQ(x.on_accelerator, y.on_accelerator);
    EXPECT_EQ(x.fallback_reason == nullptr, y.fallback_reason == nullptr);
    if (x.fallback_reason && y.fallback_reason) {
      EXPECT_STREQ(x.fallback_reason, y.fallback_reason);
    }
    ASSERT_EQ(x.n_fused, y.n_fused);
    for (int k = 0; k < x.n_fused; k++) EXPECT_EQ(x.fused_ops[k], y.fused_ops[k]);
    EXPECT_EQ(x.n_tiles, y.n_tiles);
    EXPECT_EQ(x.tile_in_channels, y.tile_in_channels);
    EXPECT_EQ(x.array_utilization, y.array_utilization);
    EXPECT_EQ(x.weights_resident, y.weights_resident);
    EXPECT_EQ(x.first_cmd, y.first_cmd);
    EXPECT_EQ(x.n_cmds, y.n_cmds);
  }
  ASSERT_EQ(a.n_cmds, b.n_cmds);
  ASSERT_EQ(a.n_deps, b.n_deps);
  for (size_t i = 0; i < a.n_cmds; i++) {
    const NpCommand &x = a.cmds[i], &y = b.cmds[i];
    EXPECT_EQ(0, memcmp(&x, &y, sizeof x)) << "command " << i;  // both zero-filled before filling
  }
  for (size_t i = 0; i < a.n_deps; i++) EXPECT_EQ(a.deps[i], b.deps[i]);
}

TEST(LowerJson, RoundTripOfANetworkWithFusionAndFallback) {
  NpDiag diag;
  np_diag_init(&diag);
  GraphPtr g(np_model_load(source_path("models/micro/chain.npg").c_str(), &diag));
  ASSERT_TRUE(g) << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  // A small SRAM so that layers split; softmax falls back (the vector unit here takes no
  // transcendental ops).
  NpArch arch = load_arch({"sram.capacity_bytes=48KiB"});
  Lowered l;
  lower(g.get(), arch, false, &l);
  ASSERT_TRUE(l.ok) << l.errors;
  EXPECT_GT(l.s.fallback_ops, 0);
  char *text = np_schedule_to_json(&l.s, g.get());
  NpSchedule back;
  np_diag_init(&diag);
  ASSERT_TRUE(np_schedule_from_json(text, strlen(text), "chain.json", &back, &diag))
      << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  expect_same(l.s, back);
  char *again = np_schedule_to_json(&back, g.get());
  EXPECT_STREQ(text, again);  // byte for byte
  free(again);
  free(text);
  np_schedule_free(&back);
}

// np_lower_pair plans once and emits the cold and the warm stream: each must be, byte for
// byte, what its own np_lower gives. A small network with fusion and a fallback, and
// MobileNetV2 at 512 KiB on the built-in config (cascades, prefetches, resident weights that a
// cold run loads and a warm one does not).
void expect_pair_is_two_lowerings(const NpGraph *g, const NpArch &arch) {
  NpDiag diag;
  np_diag_init(&diag);
  NpLowerOptions cold_options = {false, NP_DTYPE_UNKNOWN, 0, NULL}, warm_options = {true, NP_DTYPE_UNKNOWN, 0, NULL};
  NpSchedule cold, warm, pair_cold, pair_warm;
  ASSERT_TRUE(np_lower(g, &arch, &cold_options, &cold, &diag));
  ASSERT_TRUE(np_lower(g, &arch, &warm_options, &warm, &diag));
  ASSERT_TRUE(np_lower_pair(g, &arch, &cold_options, &pair_cold, &pair_warm, &diag));
  np_diag_free(&diag);
  EXPECT_NE(cold.hash, warm.hash);  // the two streams differ, so the pair could mix them up
  for (auto [one, two] : {std::pair{&cold, &pair_cold}, std::pair{&warm, &pair_warm}}) {
    char *a = np_schedule_to_json(one, g), *b = np_schedule_to_json(two, g);
    EXPECT_STREQ(a, b);
    free(a);
    free(b);
  }
  for (NpSchedule *s : {&cold, &warm, &pair_cold, &pair_warm}) np_schedule_free(s);
}

TEST(LowerPair, IsTwoLoweringsByteForByte) {
  NpDiag diag;
  np_diag_init(&diag);
  GraphPtr chain(np_model_load(source_path("models/micro/chain.npg").c_str(), &diag));
  GraphPtr mnv2(np_model_load(source_path("models/mobilenet_v2.onnx").c_str(), &diag));
  ASSERT_TRUE(chain && mnv2) << (diag.count ? diag.messages[0] : "");
  const char *sets[] = {"sram.capacity_bytes=512KiB"};
  NpArch phone;
  ASSERT_TRUE(np_arch_load_default(sets, 1, &phone, &diag));
  np_diag_free(&diag);
  expect_pair_is_two_lowerings(chain.get(), load_arch({"sram.capacity_bytes=48KiB"}));
  expect_pair_is_two_lowerings(mnv2.get(), phone);
}

// A lower cache kept over several lowerings, as a sweep's worker keeps one, must give byte
// for byte what lowering without one gives: MobileNetV2 on the built-in config at three SRAM
// sizes and then a slow DRAM (the tables carry over, the searches' answers must not: they
// depend on the DRAM and the budgets), then with a changed array (the cache empties), then
// back at the first size (it empties again and refills), cold and warm.
TEST(LowerCache, GivesWhatLoweringWithoutOneGives) {
  NpDiag diag;
  np_diag_init(&diag);
  GraphPtr mnv2(np_model_load(source_path("models/mobilenet_v2.onnx").c_str(), &diag));
  ASSERT_TRUE(mnv2) << (diag.count ? diag.messages[0] : "");
  np_diag_free(&diag);
  const std::vector<std::vector<std::string>> points = {
      {"sram.capacity_bytes=512KiB"}, {"sram.capacity_bytes=1MiB"}, {"sram.capacity_bytes=589KiB"},
      {"sram.capacity_bytes=589KiB", "dram.bandwidth_gb_per_s=0.5"},
      {"sram.capacity_bytes=1MiB", "engines.ane.rows=32"}, {"sram.capacity_bytes=512KiB"}};
  NpLowerCache *cache = np_lower_cache_new();
  for (const auto &sets : points) {
    std::vector<const char *> texts;
    for (const auto &kv : sets) texts.push_back(kv.c_str());
    NpArch arch;
    np_diag_init(&diag);
    ASSERT_TRUE(np_arch_load_default(texts.data(), texts.size(), &arch, &diag)) << (diag.count ? diag.messages[0] : "");
    np_diag_free(&diag);
    for (bool warm : {false, true}) {
      NpLowerOptions plain = {warm, NP_DTYPE_UNKNOWN, 0, NULL}, cached = {warm, NP_DTYPE_UNKNOWN, 0, cache};
      NpSchedule a, b;
      np_diag_init(&diag);
      ASSERT_TRUE(np_lower(mnv2.get(), &arch, &plain, &a, &diag));
      ASSERT_TRUE(np_lower(mnv2.get(), &arch, &cached, &b, &diag));
      np_diag_free(&diag);
      char *x = np_schedule_to_json(&a, mnv2.get()), *y = np_schedule_to_json(&b, mnv2.get());
      EXPECT_STREQ(x, y) << sets.back() << (warm ? " warm" : " cold");
      free(x);
      free(y);
      np_schedule_free(&a);
      np_schedule_free(&b);
    }
  }
  np_lower_cache_free(cache);
}

std::string read_error(const std::string &text) {
  NpSchedule s;
  NpDiag diag;
  np_diag_init(&diag);
  bool ok = np_schedule_from_json(text.data(), text.size(), "bad.json", &s, &diag);
  std::string message = diag.count ? diag.messages[0] : "";
  np_diag_free(&diag);
  EXPECT_FALSE(ok);
  if (ok) np_schedule_free(&s);
  return message;
}

TEST(LowerJson, ErrorsNameTheFileAndThePlace) {
  EXPECT_EQ(read_error("{").rfind("bad.json:1:1: error: not valid JSON: ", 0), 0u);  // then jansson's words
  EXPECT_EQ(read_error("[]"), "bad.json: error: schedule: the document must be a JSON object");
  EXPECT_EQ(read_error(R"({"schema": "npusim.schedule/9"})"),
            "bad.json: error: schema: \"npusim.schedule/9\" is not \"npusim.schedule/1\"");
  // A dependency on a later command.
  GraphPtr g = parse_graph("graph g\ninput x int8 1x4x4x8\nconv c x -> y out=8 kernel=1x1 bias=no\noutput y\n");
  NpArch arch = load_arch();
  Lowered l;
  lower(g.get(), arch, false, &l);
  ASSERT_TRUE(l.ok);
  char *text = np_schedule_to_json(&l.s, g.get());
  std::string json = text;
  free(text);
  size_t at = json.find("\"deps\":[0]");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 10, "\"deps\":[9]");
  EXPECT_NE(read_error(json).find("\"deps\"[0] must be the id of an earlier command"), std::string::npos);
}

}  // namespace
