/* Trace reader: any bytes as a .npt.zst file, read to the end. The reader takes a path, so
 * the input goes through a scratch file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "trace/trace.h"

NP_FUZZ_TARGET(trace) {
  char path[] = "/tmp/npusim-fuzz-trace-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlink(path);
    return 0;
  }
  fwrite(data, 1, size, f);
  fclose(f);
  NpDiag diag;
  np_diag_init(&diag);
  NpTraceReader *reader = np_trace_reader_open(path, &diag);
  int status = reader ? 1 : -1;
  NpTraceRecord record;
  while (status == 1) status = np_trace_read(reader, &record, &diag);
  if (reader) np_trace_reader_close(reader);
  np_fuzz_check_diag("trace", status == 0, &diag, path, true);
  np_diag_free(&diag);
  unlink(path);
  return 0;
}
