// Helpers for tests that run the npusim binary and look at its exit code and output.
#pragma once
#include <string>

struct CliResult {
  int exit_code = -1;  // -1 when the process did not exit normally (a crash)
  std::string out;
  std::string err;
};

// Runs `npusim <args>` through /bin/sh (args is shell syntax, so quote paths with spaces)
// from the source directory, so that relative paths like models/x.onnx work.
CliResult run_npusim(const std::string &args);
