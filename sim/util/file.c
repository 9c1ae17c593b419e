#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mem.h"

char *np_read_file(const char *path, int64_t max_bytes, const char *what, size_t *len, NpDiag *diag) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    np_diag_add(diag, "%s: error: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  char *data = NULL;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    np_diag_add(diag, "%s: error: not a regular file", path);
  } else if ((int64_t)st.st_size > max_bytes) {
    np_diag_add(diag, "%s: error: the %s is larger than %lld bytes; is it the right file?", path, what,
                (long long)max_bytes);
  } else {
    size_t size = (size_t)st.st_size;
    data = np_xmalloc(size + 1);
    /* A file that changes size while we read it is read as far as its size at open. */
    size_t got = fread(data, 1, size, f);
    if (got != size && ferror(f)) {
      np_diag_add(diag, "%s: error: cannot read: %s", path, strerror(errno));
      free(data);
      data = NULL;
    } else {
      data[got] = '\0';
      *len = got;
    }
  }
  fclose(f);
  return data;
}
