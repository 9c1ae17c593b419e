/* Atomic output files: write a temporary file beside the target, rename it on success. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/outfile.h"
#include "util/mem.h"

bool np_outfile_open(NpOutFile *file, const char *path, NpDiag *diag) {
  memset(file, 0, sizeof *file);
  char *tmp = np_xasprintf("%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    np_diag_add(diag, "%s: error: cannot create a file here: %s", path, strerror(errno));
    free(tmp);
    return false;
  }
  /* mkstemp makes the file private; outputs are ordinary files for the user's group too. */
  (void)fchmod(fd, 0644);
  FILE *fp = fdopen(fd, "wb");
  if (!fp) {
    np_diag_add(diag, "%s: error: cannot open for writing: %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
    free(tmp);
    return false;
  }
  file->fp = fp;
  file->path = np_xstrdup(path);
  file->tmp = tmp;
  return true;
}

static void outfile_release(NpOutFile *file) {
  free(file->path);
  free(file->tmp);
  memset(file, 0, sizeof *file);
}

bool np_outfile_commit(NpOutFile *file, NpDiag *diag) {
  bool ok = fflush(file->fp) == 0 && !ferror(file->fp) && fsync(fileno(file->fp)) == 0;
  int saved = errno;
  if (fclose(file->fp) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  file->fp = NULL;
  if (ok && rename(file->tmp, file->path) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    np_diag_add(diag, "%s: error: cannot write: %s", file->path, strerror(saved));
    unlink(file->tmp);
  }
  outfile_release(file);
  return ok;
}

void np_outfile_abort(NpOutFile *file) {
  if (file->fp) fclose(file->fp);
  if (file->tmp) unlink(file->tmp);
  outfile_release(file);
}
