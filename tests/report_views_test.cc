// The report stage's views called as a library (no binary): the graph table and JSON, the
// schedule text and the HTML page, on a graph small enough to work every figure by hand.
#include <gtest/gtest.h>

#include <jansson.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lower_support.h"
#include "plot/plot.h"
#include "report/views.h"

namespace {

// One 1x1 convolution, 64 -> 128 channels on a 2x2 int8 map:
//   MACs         = 2*2 (pixels) * 128 (out) * 64 (in) = 32768
//   weight bytes = 128 * 64 * 1 byte                 = 8192 (8 KiB)
//   output bytes = 2*2*128 * 1 byte                  = 512
const char *kOneConv = R"(graph one
input x int8 1x2x2x64
conv a x -> y out=128 kernel=1x1 bias=no
output y
)";

std::string take(char *text) {
  EXPECT_NE(text, nullptr);
  std::string s = text ? text : "";
  free(text);
  return s;
}

TEST(ReportViews, GraphTableHasTheHandWorkedTotals) {
  GraphPtr g = parse_graph(kOneConv);
  std::string text = take(np_graph_view_text(g.get(), NP_DTYPE_UNKNOWN));
  EXPECT_EQ(text.rfind("model: one (<test>)\n", 0), 0u) << text;
  EXPECT_NE(text.find("inputs: x int8 1x2x2x64\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(32,768)"), std::string::npos) << text;      // MACs
  EXPECT_NE(text.find("(8,192 bytes)"), std::string::npos) << text; // weights
  EXPECT_EQ(text.back(), '\n');
}

TEST(ReportViews, GraphJsonHasTheHandWorkedFigures) {
  GraphPtr g = parse_graph(kOneConv);
  std::string json = take(np_graph_view_json(g.get(), NP_DTYPE_UNKNOWN));
  EXPECT_NE(json.find("\"schema\": \"" NP_GRAPH_JSON_SCHEMA "\""), std::string::npos);
  EXPECT_NE(json.find("\"macs\": 32768"), std::string::npos) << json;
  EXPECT_NE(json.find("\"weight_bytes\": 8192"), std::string::npos) << json;
  EXPECT_NE(json.find("\"output_bytes\": 512"), std::string::npos) << json;
  EXPECT_EQ(json.back(), '\n');
}

TEST(ReportViews, ScheduleTextListsAsManyCommandsAsAsked) {
  GraphPtr g = parse_graph(kOneConv);
  NpArch arch = load_arch();
  Lowered low;
  lower(g.get(), arch, false, &low);
  ASSERT_TRUE(low.ok) << low.errors;
  ASSERT_GT(low.s.n_cmds, 2u);
  std::string all = take(np_schedule_view_text(&low.s, g.get(), nullptr, -1));
  EXPECT_EQ(all.rfind("schedule: one (<test>) on config lower-test, int8, cold inference\n", 0), 0u) << all;
  EXPECT_NE(all.find("commands (" + std::to_string(low.s.n_cmds) + "):\n"), std::string::npos) << all;
  // One line per command after the heading: the text ends with exactly n_cmds of them.
  size_t from = all.find("commands (");
  size_t lines = 0;
  for (size_t i = from; i < all.size(); i++) lines += all[i] == '\n';
  EXPECT_EQ(lines, low.s.n_cmds + 1);
  std::string two = take(np_schedule_view_text(&low.s, g.get(), nullptr, 2));
  EXPECT_NE(two.find("commands (first 2 of " + std::to_string(low.s.n_cmds) + ";"), std::string::npos) << two;
}

TEST(ReportViews, HtmlPageEscapesItsTitleAndLeavesOutWhatItWasNotGiven) {
  GraphPtr g = parse_graph(kOneConv);
  NpArch arch = load_arch();
  NpRunReport run;
  NpDiag diag;
  np_diag_init(&diag);
  ASSERT_TRUE(np_run(g.get(), &arch, "models/one.npg", nullptr, &run, &diag));
  np_diag_free(&diag);
  NpHtmlReport page = {"<b>one</b>", &run, nullptr, nullptr};
  std::string html = take(np_report_html(&page));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(html.find("<title>npusim report: &lt;b&gt;one&lt;/b&gt;</title>"), std::string::npos);
  EXPECT_EQ(html.find("<b>one</b>"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"layers\">"), std::string::npos);
  EXPECT_EQ(html.find("<section id=\"pareto\">"), std::string::npos);
  EXPECT_EQ(html.find("<section id=\"cliffs\">"), std::string::npos);
  // Without a title the page is named after the model file, not its folder.
  page.title = nullptr;
  std::string untitled = take(np_report_html(&page));
  EXPECT_NE(untitled.find("<title>npusim report: one.npg</title>"), std::string::npos);
  np_run_report_free(&run);
}

}  // namespace

namespace {

// jansson gives NULL for a number that is not finite or a string that is not UTF-8, and
// json_object_set_new then drops the key: a verdict with an infinite value used to lose its
// "value", and a model name holding byte 0xff its "model". Every key stays, and every
// number in the text is finite (null where none is).
TEST(JsonWriters, KeepEveryKeyAndWriteOnlyFiniteNumbers) {
  NpRunReport report{};
  char name[] = "net\xff", source[] = "net.onnx";
  report.model_name = name;
  report.model_source = source;
  std::strcpy(report.config_name, "cfg");
  NpBudgetResult result{};
  result.key = NP_BUDGET_LATENCY_MS;
  result.value = INFINITY;
  result.limit = std::nan("");
  std::strcpy(result.message, "latency_ms: over");
  std::string text = take(np_budgets_json(&report, &result, 1));
  json_error_t error;
  json_t *root = json_loads(text.c_str(), 0, &error);
  ASSERT_NE(root, nullptr) << error.text << "\n" << text;
  EXPECT_STREQ(json_string_value(json_object_get(root, "model")), "net\xef\xbf\xbd") << text;  // U+FFFD
  json_t *verdict = json_array_get(json_object_get(root, "budgets"), 0);
  ASSERT_NE(verdict, nullptr) << text;
  for (const char *key : {"value", "budget"}) {
    ASSERT_NE(json_object_get(verdict, key), nullptr) << key << "\n" << text;
    EXPECT_TRUE(json_is_null(json_object_get(verdict, key))) << key;
  }
  json_decref(root);
}

}  // namespace
