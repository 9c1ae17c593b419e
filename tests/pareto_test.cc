// Pareto fronts (sim/sweep/pareto.h) and `npusim pareto` on a hand-made results table whose
// fronts are worked out by hand, the CSV reader's errors, and the sort-and-sweep core
// against the O(n^2) definition.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/files.h"
#include "sweep/pareto.h"
#include "util/csv.h"

namespace {

// (energy_mj, warm_ms), both minimised:
//   p0 (1, 9)    front: nothing has x <= 1 and y <= 9 but itself (p9 has y 20)
//   p1 (2, 7)    front
//   p2 (3, 8)    dominated by p1 (2 <= 3, 7 < 8)
//   p3 (4, 3)    front
//   p4 (4, 5)    dominated by p3 (same x, 3 < 5)
//   p5 (6, 3)    dominated by p3 (4 < 6, same y)
//   p6 (2, 7)    front: equal to p1, and equal points do not dominate each other
//   p7           did not run (bad_config): left out
//   p8 (7, 1)    front: the lowest y
//   p9 (0.5, 20) front: the lowest x
// Front from the best x: p9, p0, p1, p6, p3, p8.
const char *kResults =
    "point,model,sram.capacity_bytes,status,energy_mj,warm_ms,message\n"
    "0,m.onnx,1MiB,ok,1,9,\n"
    "1,m.onnx,1MiB,ok,2,7,\n"
    "2,m.onnx,1MiB,ok,3,8,\n"
    "3,m.onnx,512KiB,ok,4,3,\n"
    "4,m.onnx,512KiB,ok,4,5,\n"
    "5,m.onnx,512KiB,ok,6,3,\n"
    "6,m.onnx,512KiB,ok,2,7,\n"
    "7,m.onnx,512KiB,bad_config,,,\"sram.capacity_bytes: 100 does not split into 16 banks, \"\"say\"\"\"\n"
    "8,m.onnx,512KiB,ok,7,1,\n"
    "9,m.onnx,1MiB,ok,0.5,20,\n";

struct Table {
  NpCsvTable t{};
  bool ok = false;
  std::string errors;
  explicit Table(const std::string &text, const char *name = "results.csv") {
    NpDiag diag;
    np_diag_init(&diag);
    ok = np_csv_parse(text.data(), text.size(), name, &t, &diag);
    for (size_t i = 0; i < diag.count; i++) errors += std::string(diag.messages[i]) + "\n";
    np_diag_free(&diag);
  }
  ~Table() { np_csv_free(&t); }
};

struct Front {
  NpParetoResult r{};
  bool ok = false;
  std::string errors;
  Front(const NpCsvTable &t, NpParetoQuery q) {
    NpDiag diag;
    np_diag_init(&diag);
    ok = np_pareto_compute(&t, &q, &r, &diag);
    for (size_t i = 0; i < diag.count; i++) errors += std::string(diag.messages[i]) + "\n";
    np_diag_free(&diag);
  }
  ~Front() { np_pareto_free(&r); }
  // The `point` cells of the front rows, in result order.
  std::vector<std::string> points(const NpCsvTable &t) const {
    std::vector<std::string> out;
    for (size_t i = 0; i < r.n_points; i++)
      if (r.points[i].on_front) out.push_back(np_csv_cell(&t, r.points[i].row, 0));
    return out;
  }
};

using Points = std::vector<std::string>;

TEST(CsvReader, ReadsQuotedFieldsAndRowLines) {
  Table table(kResults);
  ASSERT_TRUE(table.ok) << table.errors;
  EXPECT_EQ(table.t.n_cols, 7u);
  EXPECT_EQ(table.t.n_rows, 10u);
  EXPECT_EQ(table.t.lines[7], 9u);  // the header is line 1
  EXPECT_STREQ(np_csv_cell(&table.t, 7, 6), "sram.capacity_bytes: 100 does not split into 16 banks, \"say\"");
  EXPECT_EQ(np_csv_column(&table.t, "warm_ms"), 5);
  EXPECT_EQ(np_csv_column(&table.t, "nope"), -1);
}

TEST(CsvReader, ErrorsNameTheFileLineAndColumn) {
  Table ragged("a,b\n1,2\n3\n");
  EXPECT_FALSE(ragged.ok);
  EXPECT_NE(ragged.errors.find("results.csv:3: error: the row has 1 fields, the header has 2"), std::string::npos)
      << ragged.errors;
  Table open_quote("a,b\n1,\"2\n");
  EXPECT_FALSE(open_quote.ok);
  EXPECT_NE(open_quote.errors.find("results.csv:2:3: error: the quoted field opened here never closes"),
            std::string::npos)
      << open_quote.errors;
  Table stray("a,b\n1,2\"x\n");
  EXPECT_NE(stray.errors.find("results.csv:2:4: error: a quote inside an unquoted field"), std::string::npos)
      << stray.errors;
  Table empty("");
  EXPECT_NE(empty.errors.find("results.csv:1:1: error: no header row"), std::string::npos) << empty.errors;
}

TEST(Pareto, FrontOfTheHandMadeTable) {
  Table table(kResults);
  ASSERT_TRUE(table.ok) << table.errors;
  Front front(table.t, NpParetoQuery{"energy_mj", "warm_ms", nullptr, false, false});
  ASSERT_TRUE(front.ok) << front.errors;
  EXPECT_EQ(front.points(table.t), (Points{"9", "0", "1", "6", "3", "8"}));
  EXPECT_EQ(front.r.n_front, 6u);
  EXPECT_EQ(front.r.n_points, 9u);
  EXPECT_EQ(front.r.n_skipped, 1u);
}

TEST(Pareto, MaximisingYFlipsTheFront) {
  // Minimising energy and maximising warm_ms: p9 has both the lowest x and the highest y,
  // so it dominates every other point.
  Table table(kResults);
  Front front(table.t, NpParetoQuery{"energy_mj", "warm_ms", nullptr, false, true});
  ASSERT_TRUE(front.ok) << front.errors;
  EXPECT_EQ(front.points(table.t), (Points{"9"}));
}

TEST(Pareto, OneFrontPerGroupInSizeOrder) {
  // 512KiB (p3 p4 p5 p6 p8): p6 (2,7), p3 (4,3), p8 (7,1); p4 and p5 fall to p3.
  // 1MiB (p0 p1 p2 p9): p9, p0, p1; p2 falls to p1. 512KiB < 1MiB as sizes (not as text).
  Table table(kResults);
  Front front(table.t, NpParetoQuery{"energy_mj", "warm_ms", "sram.capacity_bytes", false, false});
  ASSERT_TRUE(front.ok) << front.errors;
  ASSERT_EQ(front.r.n_groups, 2u);
  EXPECT_STREQ(front.r.groups[0], "512KiB");
  EXPECT_STREQ(front.r.groups[1], "1MiB");
  EXPECT_EQ(front.points(table.t), (Points{"6", "3", "8", "9", "0", "1"}));
}

TEST(Pareto, ErrorsNameTheColumnAndLine) {
  Table table(kResults);
  Front missing(table.t, NpParetoQuery{"energy", "warm_ms", nullptr, false, false});
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.errors.find("results.csv:1: error: x column 'energy' is not in the table (columns: point, model,"),
            std::string::npos)
      << missing.errors;
  Table bad("point,status,x,y\n0,ok,1,2\n1,ok,fast,3\n");
  Front not_number(bad.t, NpParetoQuery{"x", "y", nullptr, false, false});
  EXPECT_FALSE(not_number.ok);
  EXPECT_NE(not_number.errors.find("results.csv:3: error: column 'x': 'fast' is neither a finite number nor a size"),
            std::string::npos)
      << not_number.errors;
}

TEST(Pareto, SortAndSweepAgreesWithTheDefinition) {
  // Points on a coarse grid (so ties and duplicates are common), from a fixed LCG.
  std::vector<double> x(500), y(500);
  uint32_t state = 12345;
  for (size_t i = 0; i < x.size(); i++) {
    state = state * 1664525u + 1013904223u;
    x[i] = (state >> 8) % 40;
    state = state * 1664525u + 1013904223u;
    y[i] = (state >> 8) % 40;
  }
  std::vector<char> front(x.size());
  size_t n = np_pareto_mark(x.data(), y.data(), x.size(), reinterpret_cast<bool *>(front.data()));
  size_t expected = 0;
  for (size_t i = 0; i < x.size(); i++) {
    bool dominated = false;
    for (size_t j = 0; j < x.size() && !dominated; j++)
      dominated = x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]);
    EXPECT_EQ(static_cast<bool>(front[i]), !dominated) << "point " << i << " (" << x[i] << ", " << y[i] << ")";
    expected += !dominated;
  }
  EXPECT_EQ(n, expected);
}

TEST(ParetoCli, PrintsAndWritesTheFront) {
  std::string input = write_scratch("results.csv", kResults);
  std::string out = scratch_dir() + "/front.csv", svg = scratch_dir() + "/front.svg";
  CliResult r = run_npusim("pareto " + input + " --x energy_mj --y warm_ms -o " + out + " --svg " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("6 of 9 points on the front (minimising energy_mj, minimising warm_ms); 1 row left out"),
            std::string::npos)
      << r.out;
  // The front rows, unchanged, under the input's header.
  EXPECT_EQ(read_file(out),
            "point,model,sram.capacity_bytes,status,energy_mj,warm_ms,message\n"
            "9,m.onnx,1MiB,ok,0.5,20,\n"
            "0,m.onnx,1MiB,ok,1,9,\n"
            "1,m.onnx,1MiB,ok,2,7,\n"
            "6,m.onnx,512KiB,ok,2,7,\n"
            "3,m.onnx,512KiB,ok,4,3,\n"
            "8,m.onnx,512KiB,ok,7,1,\n");
  std::string plot = read_file(svg);
  EXPECT_EQ(plot.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u) << plot.substr(0, 200);
  EXPECT_NE(plot.find("point 8: energy_mj 7, warm_ms 1 (on the front)"), std::string::npos);
}

TEST(ParetoCli, BadInputIsExitTwoWithThePlace) {
  std::string input = write_scratch("ragged.csv", "point,x,y\n0,1,2\n1,2\n");
  CliResult r = run_npusim("pareto " + input + " --x x --y y");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ragged.csv:3: error: the row has 2 fields, the header has 3"), std::string::npos) << r.err;
  r = run_npusim("pareto " + input + " --x x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs RESULTS.csv, --x COL and --y COL"), std::string::npos) << r.err;
  r = run_npusim("pareto " + input + " --x x --y y --max z");
  EXPECT_EQ(r.exit_code, 2);
  r = run_npusim("pareto /nonexistent/results.csv --x x --y y");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/results.csv: error: cannot open"), std::string::npos) << r.err;
}

}  // namespace
