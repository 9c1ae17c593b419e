// `npusim report`: one self-contained offline HTML page, checked in a real browser: Debian's
// headless chromium (tools/setup installs it) loads the page, its DOM must hold the expected
// sections, and its screenshot must be a real picture (decoded with Python's stdlib).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lower_support.h"
#include "support/cli.h"
#include "support/files.h"

namespace {

// The two-layer graph of the cliff tests (lower_support.h), whose warm latency steps at 13056
// bytes of SRAM on the lowering tests' config. The title and the sweep's model labels carry
// markup to check the escaping.

const char *kEnergy =
    "energy:\n"
    "  mac: {int8: {pj: 0.25, source: test, node_nm: 7}}\n"
    "  sram_read: {pj_per_byte: 1.5, source: test, node_nm: 7}\n"
    "  sram_write: {pj_per_byte: 2, source: test, node_nm: 7}\n"
    "  dram_read: {pj_per_byte: 40, source: test, node_nm: 7}\n"
    "  dram_write: {pj_per_byte: 45, source: test, node_nm: 7}\n";

// Three sweep points: p1 is dominated by p0 (lower energy and latency); a model label with
// markup that must come out escaped.
const char *kSweep =
    "point,model,sram.capacity_bytes,status,warm_ms,cold_ms,energy_uj,sram_peak_bytes,dram_bytes,fallbacks,message\n"
    "0,<script>alert(1)</script>,16KiB,ok,0.5,0.60000000000000009,10,13000,384,0,\n"
    "1,<script>alert(1)</script>,12KiB,ok,0.7,0.8,20,12000,4480,0,\n"
    "2,<script>alert(1)</script>,8KiB,ok,0.9,1.0,5,8000,8576,0,\n";

struct Page {
  std::string dir, html, path;
};

Page write_report(const std::string &extra) {
  Page p;
  std::string graph = write_scratch("two.npg", kTwoConvs);
  std::string config = write_scratch("test.yaml", std::string(kTestConfig) + kEnergy);
  std::string sweep = write_scratch("sweep.csv", kSweep);
  p.dir = scratch_dir();
  p.path = p.dir + "/report.html";
  CliResult r = run_npusim("report " + graph + " --config " + config + " --sweep " + sweep +
                           " --x energy_uj --y warm_ms --cliff sram.capacity_bytes=12KiB..16KiB --threshold 1.1 "
                           "--title '<i>two</i> & co' -o " + p.path + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  p.html = read_file(p.path);
  return p;
}

TEST(ReportHtml, SelfContainedEscapedAndDeterministic) {
  Page page = write_report("");
  const std::string &h = page.html;
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  // Offline: no script, no links, no external resources; the only URL is the SVG namespace.
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("href="), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  EXPECT_EQ(h.find("url("), std::string::npos);
  std::string without_ns = h;
  for (size_t at; (at = without_ns.find("http://www.w3.org/2000/svg")) != std::string::npos;) without_ns.erase(at, 26);
  EXPECT_EQ(without_ns.find("http"), std::string::npos);
  // Text from models, configs and results is escaped.
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("<h1>npusim report: &lt;i&gt;two&lt;/i&gt; &amp; co</h1>"), std::string::npos);
  // The sections and what they must say.
  for (const char *s : {"id=\"summary\"", "id=\"energy\"", "id=\"layers\"", "id=\"fallbacks\"", "id=\"pareto\"",
                        "id=\"cliffs\"", "latency, cold", "latency, warm", "SRAM peak"})
    EXPECT_NE(h.find(s), std::string::npos) << s;
  // The front: p0 and p2 (p1 is dominated by p0): "2 of 3 points".
  EXPECT_NE(h.find("2 of 3 points of"), std::string::npos);
  // Its rows on one line each, reals to 6 digits (the file keeps all 17 of 0.60000000000000009).
  EXPECT_NE(h.find("<table class=\"results\">"), std::string::npos);
  EXPECT_NE(h.find("<td class=\"num\">0.5</td><td class=\"num\">0.6</td><td class=\"num\">10</td>"),
            std::string::npos);
  EXPECT_EQ(h.find("0.60000000000000009"), std::string::npos);
  // The cliff at 13055 -> 13056 with its cause (worked out in sweep_cliff_test.cc): a's input
  // fits whole beside the resident weights.
  EXPECT_NE(h.find("layer &#39;a&#39;: re-tiled from 2x2x128 (in 22), 3 tiles, to 2x2x128 (in 64), 1 tiles"),
            std::string::npos);
  EXPECT_NE(h.find("12.7 KiB (13055)"), std::string::npos);
  // Same inputs, same bytes.
  Page again = write_report("");
  EXPECT_EQ(again.html, h);
}

TEST(ReportHtml, BadInputIsExitTwoAndLeavesNoFile) {
  std::string graph = write_scratch("two.npg", kTwoConvs);
  std::string out = scratch_dir() + "/bad.html";
  CliResult r = run_npusim("report " + graph + " --sweep /nonexistent.csv -o " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent.csv: error: cannot open"), std::string::npos) << r.err;
  r = run_npusim("report " + graph);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing -o REPORT.html"), std::string::npos) << r.err;
  r = run_npusim("report " + graph + " --x energy_uj -o " + out);
  EXPECT_EQ(r.exit_code, 2);
  struct stat st;
  EXPECT_NE(stat(out.c_str(), &st), 0);
}

// Without --config the cliff search runs on the embedded default config: every point of
// the axis must load and run (its text and length are read before they are copied).
TEST(ReportHtml, CliffSearchOnTheDefaultConfigRuns) {
  std::string graph = write_scratch("two.npg", kTwoConvs);
  std::string out = scratch_dir() + "/default.html";
  CliResult r = run_npusim("report " + graph + " --cliff sram.capacity_bytes=1MiB..2MiB --samples 3 -o " + out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(out).find("<section id=\"cliffs\">"), std::string::npos);
}

std::string chromium_command(const std::string &profile) {
  return "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync --user-data-dir=" + profile;
}

// Decodes an 8-bit RGB/RGBA PNG (filters 0-4) with the stdlib and prints width, height and
// the number of distinct colours.
const char *kPngStats = R"(import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, colours = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 2))
    prev = line
print(w, h, len(colours))
)";

TEST(ReportHtml, RendersInHeadlessChromium) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0) << "chromium is missing: run tools/setup";
  Page page = write_report("");
  ASSERT_FALSE(page.html.empty());
  std::string url = "file://" + page.path;
  // The DOM chromium built from the page holds every section's heading.
  std::string dom_path = page.dir + "/dom.html";
  std::string dom_cmd = chromium_command(page.dir + "/profile-dom") + " --dump-dom " + url + " >" + dom_path +
                        " 2>" + page.dir + "/dom.err";
  ASSERT_EQ(std::system(dom_cmd.c_str()), 0) << read_file(page.dir + "/dom.err");
  std::string dom = read_file(dom_path);
  for (const char *heading : {"<h2>Summary</h2>", "<h2>Where the time goes</h2>", "<h2>Energy per inference</h2>",
                              "<h2>Layers (warm inference)</h2>",
                              "<h2>Ops off the accelerator</h2>", "<h2>Pareto front of the sweep</h2>",
                              "<h2>Latency cliffs</h2>"})
    EXPECT_NE(dom.find(heading), std::string::npos) << heading;
  EXPECT_NE(dom.find("<svg"), std::string::npos);
  // The screenshot is a real picture: the window's size and many colours (text, bars, lines).
  std::string png = page.dir + "/report.png";
  std::string shot_cmd = chromium_command(page.dir + "/profile-shot") + " --screenshot=" + png +
                         " --window-size=1280,2000 " + url + " >" + page.dir + "/shot.err 2>&1";
  ASSERT_EQ(std::system(shot_cmd.c_str()), 0) << read_file(page.dir + "/shot.err");
  struct stat st;
  ASSERT_EQ(stat(png.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 20000);
  std::string script = write_scratch("png_stats.py", kPngStats);
  std::string stats_path = page.dir + "/png_stats.txt";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + png + " >" + stats_path).c_str()), 0);
  int w = 0, h = 0, colours = 0;
  ASSERT_EQ(std::sscanf(read_file(stats_path).c_str(), "%d %d %d", &w, &h, &colours), 3);
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 2000);
  EXPECT_GT(colours, 20);
}

// MobileNetV2's 54 layers: a table that fits the page (no horizontal scroll at 1280 px), names
// cut to their tail with the whole name on hover, layers numbered from 0 as the text report,
// and the time and SRAM plots. Measured by chromium's own layout: a copy of the page with a
// script (the report itself has none) records whether the table and the page fit.
TEST(ReportHtml, LayerTableFitsAndNamesLayersAsTheTextReport) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0) << "chromium is missing: run tools/setup";
  std::string dir = scratch_dir(), path = dir + "/m.html";
  CliResult r = run_npusim("report models/mobilenet_v2.onnx --dtype int8 -o " + path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = read_file(path);
  // Layer 1 of the text report is "/features/features.1/conv/conv.0/conv.0.0/Conv" (46 bytes):
  // its last 30 shown after an ellipsis, all of it in the title.
  EXPECT_NE(html.find("<td class=\"num\">1</td><td class=\"name\" title=\"/features/features.1/conv/conv.0/conv.0.0/Conv\">"
                      "\xE2\x80\xA6" "es.1/conv/conv.0/conv.0.0/Conv</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0</td>"), std::string::npos);
  EXPECT_NE(html.find("Time per layer, warm inference, coloured by what limits the layer"), std::string::npos);
  EXPECT_NE(html.find("SRAM in use over the warm inference"), std::string::npos);
  EXPECT_EQ(html.find("<div class=\"wide\"><table class=\"layers\">"), std::string::npos);
  std::string probe = html;
  size_t head = probe.find("</head>");
  ASSERT_NE(head, std::string::npos);
  probe.insert(head, "<script>addEventListener('load', () => { const t = document.querySelector('table.layers');"
                     " const fits = t.getBoundingClientRect().right <= document.querySelector('main')"
                     ".getBoundingClientRect().right && document.documentElement.scrollWidth <= innerWidth;"
                     " document.body.setAttribute('data-fits', fits ? 'yes' : 'no'); });</script>");
  std::string probe_path = write_scratch("probe.html", probe), dom_path = dir + "/dom.html";
  std::string cmd = chromium_command(dir + "/profile") + " --window-size=1280,900 --virtual-time-budget=3000 --dump-dom file://" +
                    probe_path + " >" + dom_path + " 2>" + dir + "/dom.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(dir + "/dom.err");
  EXPECT_NE(read_file(dom_path).find("data-fits=\"yes\""), std::string::npos) << read_file(dom_path).substr(0, 600);
}

}  // namespace
