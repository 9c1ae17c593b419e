// Files for tests: reading, writing scratch files, and finding fixtures.
#pragma once
#include <string>
#include <vector>

std::string source_path(const std::string &relative);  // NPUSIM_SOURCE_DIR/relative
std::string read_file(const std::string &path);         // whole file; empty if unreadable
// A fresh empty directory for this test, removed by nothing (under the build's temp dir).
std::string scratch_dir();
// Writes text to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string &name, const std::string &text);
// The pieces of text between separators: split_text("a,b", ',') is {"a", "b"} (no CSV quoting).
std::vector<std::string> split_text(const std::string &text, char sep);
