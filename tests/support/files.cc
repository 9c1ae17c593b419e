#include "support/files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

std::string source_path(const std::string &relative) { return std::string(NPUSIM_SOURCE_DIR) + "/" + relative; }

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string scratch_dir() {
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "no_test";
  for (char &c : name)
    if (c == '/') c = '_';
  auto dir = std::filesystem::temp_directory_path() / ("npusim-test-" + std::to_string(getpid())) / name;
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string write_scratch(const std::string &name, const std::string &text) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::string> split_text(const std::string &text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string piece; std::getline(in, piece, sep);) out.push_back(piece);
  return out;
}
