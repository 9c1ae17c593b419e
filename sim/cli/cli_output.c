#include "cli/cli_output.h"

#include <stdio.h>

#include "util/diag.h"
#include "util/outfile.h"

bool np_cli_write_file(const char *path, const char *text) {
  NpDiag diag;
  np_diag_init(&diag);
  NpOutFile file;
  bool ok = np_outfile_open(&file, path, &diag);
  if (ok) {
    fputs(text, file.fp);
    ok = np_outfile_commit(&file, &diag);
  }
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return ok;
}
