// SVG plots (sim/plot/plot.h): round ticks worked out by hand, escaping, bar geometry,
// well-formed and deterministic output, and per-layer energy that adds up to the replay's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "lower_support.h"
#include "plot/plot.h"
#include "replay/replay.h"
#include "support/files.h"

namespace {

std::string escaped(const char *text) {
  NpBuf b{};
  np_xml_escape(&b, text);
  std::string out = np_buf_str(&b);
  np_buf_free(&b);
  return out;
}

std::string take(char *text) {
  std::string s = text;
  free(text);
  return s;
}

// Well-formed XML, checked by Python's stdlib parser (an independent reader).
bool well_formed(const std::string &svg, const std::string &name) {
  std::string path = write_scratch(name, svg);
  std::string cmd = "/usr/bin/python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + path;
  return std::system(cmd.c_str()) == 0;
}

size_t count(const std::string &text, const std::string &needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) n++;
  return n;
}

TEST(PlotTicks, RoundValuesCoverTheRange) {
  NpPlotTicks t;
  // 0..9.3 in about 6 ticks: raw step 9.3 / 5 = 1.86 -> 2; 0, 2, ..., 10.
  np_plot_ticks(0, 9.3, 6, &t);
  EXPECT_DOUBLE_EQ(t.first, 0);
  EXPECT_DOUBLE_EQ(t.step, 2);
  EXPECT_EQ(t.count, 6);
  EXPECT_EQ(t.decimals, 0);
  // 0.013..0.049 in about 5: raw 0.036 / 4 = 0.009 -> 0.01; 0.01 .. 0.05, two decimals.
  np_plot_ticks(0.013, 0.049, 5, &t);
  EXPECT_NEAR(t.first, 0.01, 1e-12);
  EXPECT_NEAR(t.step, 0.01, 1e-12);
  EXPECT_EQ(t.count, 5);
  EXPECT_EQ(t.decimals, 2);
  // 130..470 in about 6: raw 68 -> 100; 100 .. 500.
  np_plot_ticks(130, 470, 6, &t);
  EXPECT_DOUBLE_EQ(t.first, 100);
  EXPECT_DOUBLE_EQ(t.step, 100);
  EXPECT_EQ(t.count, 5);
}

TEST(PlotText, EscapesMarkupAndBadBytes) {
  EXPECT_EQ(escaped("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  EXPECT_EQ(escaped("x\xff" "y"), "x\xEF\xBF\xBDy");    // a byte that is not UTF-8
  EXPECT_EQ(escaped("x\x01y"), "x\xEF\xBF\xBDy");       // a control character XML forbids
  EXPECT_EQ(escaped("caf\xC3\xA9"), "caf\xC3\xA9");     // well-formed UTF-8 stays
  EXPECT_EQ(escaped(""), "");
}

TEST(PlotLine, MarkersLabelsAndEscaping) {
  double x[] = {4 << 20, 1 << 20, 2 << 20, 3 << 20};
  double y[] = {1.0, 3.0, 2.5, 1.1};
  NpPlotMarker markers[] = {{2.5 * (1 << 20), "x2.3 at 2.5 MiB; layer '<fc>' streamed", "cause: <fc> & more"}};
  NpPlotLine plot = {"warm latency of <model>", {"sram.capacity_bytes", NP_PLOT_BYTES}, {"warm latency (ms)", NP_PLOT_NUMBER},
                     x, y, 4, markers, 1, false, false};
  std::string svg = take(np_plot_line_svg(&plot));
  EXPECT_EQ(svg, take(np_plot_line_svg(&plot)));  // deterministic
  EXPECT_TRUE(well_formed(svg, "line.svg"));
  EXPECT_EQ(svg.find("<model>"), std::string::npos);
  EXPECT_NE(svg.find("warm latency of &lt;model&gt;"), std::string::npos);
  EXPECT_NE(svg.find("sram.capacity_bytes (MiB)"), std::string::npos);  // the bytes axis in MiB
  EXPECT_NE(svg.find("1  x2.3 at 2.5 MiB; layer &#39;&lt;fc&gt;&#39; streamed"), std::string::npos);
  EXPECT_NE(svg.find("<title>cause: &lt;fc&gt; &amp; more</title>"), std::string::npos);
  // The x ticks: 1..4 MiB in about 6 ticks: raw 0.6 -> 1 MiB steps, labels 1 2 3 4.
  for (const char *label : {">1</text>", ">2</text>", ">3</text>", ">4</text>"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
}

TEST(PlotStacked, BarHeightsFollowTheValues) {
  // Two bars: 1 + 1 and 2 + 0. The y axis runs 0..2 over the 300-pixel plot, so the full bar
  // is 300 px tall and each segment of the first 150 px; the zero segment is not drawn.
  double values[] = {1, 1, 2, 0};
  const char *bars[] = {"conv <a>", "conv b"};
  const char *series[] = {"MAC", "DRAM read"};
  NpPlotStacked plot = {"energy", "layer", {"energy (uJ)", NP_PLOT_NUMBER}, bars, 2, series, 2, values};
  std::string svg = take(np_plot_stacked_svg(&plot));
  EXPECT_TRUE(well_formed(svg, "stacked.svg"));
  EXPECT_EQ(count(svg, "height=\"150.00\""), 2u) << svg;
  EXPECT_EQ(count(svg, "height=\"300.00\""), 1u) << svg;
  // Bars are numbered from 0, as the text report numbers layers.
  EXPECT_NE(svg.find("<title>0 conv &lt;a&gt;: MAC 1</title>"), std::string::npos);
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);
}

TEST(PlotLine, GeometricSamplesGetALogAxisAndCloseMarkersStack) {
  // 0.5 MiB to 16 MiB, doubling: on a log axis every doubling is the same width. The frame runs
  // from x = 84 to 856 px and the axis from 2^-1 to 2^4 MiB (5 doublings): 772 / 5 = 154.4 px
  // each, ticks labelled 0.5 1 2 4 8 16.
  double x[] = {0.5 * (1 << 20), 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20};
  double y[] = {6, 5, 4, 3, 2, 1};
  // Two cliffs 1% apart (a pixel apart) and one far away.
  NpPlotMarker markers[] = {{2.0 * (1 << 20), "a", nullptr}, {2.02 * (1 << 20), "b", nullptr},
                            {8.0 * (1 << 20), "c", nullptr}};
  NpPlotLine plot = {"log", {"sram.capacity_bytes", NP_PLOT_BYTES}, {"warm latency (ms)", NP_PLOT_NUMBER},
                     x, y, 6, markers, 3, true, false};
  std::string svg = take(np_plot_line_svg(&plot));
  EXPECT_TRUE(well_formed(svg, "log.svg"));
  for (const char *label : {">0.5</text>", ">1</text>", ">2</text>", ">4</text>", ">8</text>", ">16</text>"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  // The points: 84.0, 238.4, 392.8, 547.2, 701.6, 856.0.
  for (const char *px : {"points=\"84.0,", " 238.4,", " 392.8,", " 547.2,", " 701.6,", " 856.0,"})
    EXPECT_NE(svg.find(px), std::string::npos) << px << "\n" << svg;
  // Marker circles: 1 and 2 are a pixel apart, so 2 goes one row (20 px) lower; 3 is back on
  // the first row (the frame's top is 60, circles at 61 and 81).
  EXPECT_EQ(count(svg, "cy=\"61.0\" r=\"9\""), 2u) << svg;
  EXPECT_EQ(count(svg, "cy=\"81.0\" r=\"9\""), 1u) << svg;
}

TEST(PlotLine, StepLinesHoldEachValueToTheNextX) {
  // Held values: 1 from x=0 to 1, then 2 to x=2. The y axis runs 0..2 over 360 - 60 = 300 px:
  // y=1 at 210, y=2 at 60; x 0..2 over 84..856: 84, 470, 856.
  double x[] = {0, 1, 2};
  double y[] = {1, 2, 2};
  NpPlotLine plot = {"step", {"time (ms)", NP_PLOT_NUMBER}, {"SRAM", NP_PLOT_NUMBER}, x, y, 3, nullptr, 0, false, true};
  std::string svg = take(np_plot_line_svg(&plot));
  EXPECT_NE(svg.find("points=\"84.0,210.0 470.0,210.0 470.0,60.0 856.0,60.0 856.0,60.0\""), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<circle"), std::string::npos);  // no dots on a step line
}

TEST(PlotScatter, FrontPointsAreHighlightedAndJoined) {
  double x[] = {1, 2, 3, 4};
  double y[] = {4, 2, 3, 1};
  bool front[] = {true, true, false, true};
  const char *labels[] = {"p0", "p1", "p2", "p3"};
  NpPlotScatter plot = {"front", {"energy_mj", NP_PLOT_NUMBER}, {"warm_ms", NP_PLOT_NUMBER}, x, y, front, nullptr,
                        nullptr, 1, labels, 4};
  std::string svg = take(np_plot_scatter_svg(&plot));
  EXPECT_TRUE(well_formed(svg, "scatter.svg"));
  EXPECT_EQ(count(svg, "r=\"4.5\""), 3u);  // the front
  EXPECT_EQ(count(svg, "r=\"3.0\""), 1u);  // the dominated point
  EXPECT_EQ(count(svg, "<polyline"), 1u);
  EXPECT_NE(svg.find("<title>p2</title>"), std::string::npos);
}

TEST(LayerEnergy, AddsUpToTheReplaysTotals) {
  // The per-layer terms are priced per command; the replay prices the run's summed counts.
  // Both follow docs/timing.md, so each term summed over the layers equals the replay's.
  std::string config = std::string(kTestConfig) +
                       "energy:\n"
                       "  mac: {int8: {pj: 0.25, source: test, node_nm: 7}}\n"
                       "  element: {int8: {pj: 0.5, source: test, node_nm: 7}}\n"
                       "  sram_read: {pj_per_byte: 1.5, source: test, node_nm: 7}\n"
                       "  sram_write: {pj_per_byte: 2, source: test, node_nm: 7}\n"
                       "  dram_read: {pj_per_byte: 40, source: test, node_nm: 7}\n"
                       "  dram_write: {pj_per_byte: 45, source: test, node_nm: 7}\n"
                       "  sync: {pj: 300, source: test, node_nm: 7}\n";
  NpArch arch = load_arch({"sram.capacity_bytes=4KiB"}, config.c_str());
  GraphPtr g = parse_graph("graph two\ninput x int8 1x8x8x16\nconv a x -> y out=32 kernel=3x3 bias=no\n"
                           "relu r y -> z\nconv b z -> w out=8 kernel=1x1 bias=no\n"
                           "globalavgpool p w -> q\noutput q\n");
  for (bool warm : {false, true}) {
    Lowered low;
    lower(g.get(), arch, warm, &low);
    ASSERT_TRUE(low.ok) << low.errors;
    NpStats stats;
    NpDiag diag;
    np_diag_init(&diag);
    ASSERT_TRUE(np_replay_run(&low.s, &arch, nullptr, &stats, &diag));
    np_diag_free(&diag);
    double *per_layer = np_layer_energy_uj(&low.s, &arch);
    double sums[NP_TERM_COUNT] = {0};
    for (size_t l = 0; l < low.s.n_layers; l++)
      for (int t = 0; t < NP_TERM_COUNT; t++) sums[t] += per_layer[l * NP_TERM_COUNT + t];
    const NpEnergyBreakdown &e = stats.energy;
    double expected[NP_TERM_COUNT] = {e.mac_uj,       e.vector_uj,     e.sram_read_uj, e.sram_write_uj,
                                      e.dram_read_uj, e.dram_write_uj, e.sync_uj};
    for (int t = 0; t < NP_TERM_COUNT; t++)
      EXPECT_NEAR(sums[t], expected[t], 1e-9 * (1 + std::fabs(expected[t]))) << np_energy_term_names[t];
    EXPECT_GT(sums[NP_TERM_MAC], 0);
    EXPECT_GT(sums[NP_TERM_VECTOR], 0);
    EXPECT_GT(sums[NP_TERM_DRAM_READ], 0);
    free(per_layer);
    np_stats_free(&stats);
  }
}

}  // namespace
