#include "support/cli.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "support/files.h"

CliResult run_npusim(const std::string &args) {
  std::string err_path = scratch_dir() + "/stderr.txt";
  std::string cmd = std::string("cd '") + NPUSIM_SOURCE_DIR + "' && '" + NPUSIM_CLI + "' " + args + " 2>'" + err_path + "'";
  CliResult result;
  FILE *pipe = popen(cmd.c_str(), "r");
  if (!pipe) return result;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, pipe)) > 0) result.out.append(chunk, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  // The shell reports a signal-killed child as 128+signal.
  if (result.exit_code > 128) result.exit_code = -1;
  result.err = read_file(err_path);
  return result;
}
