#include "util/file.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/mem.h"

static const char *file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

FILE *np_open_regular(const char *path, NpDiag *diag) {
  /* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    np_diag_add(diag, "%s: error: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  bool ok = fstat(fd, &st) == 0;
  if (!ok)
    np_diag_add(diag, "%s: error: cannot read: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    np_diag_add(diag, "%s: error: not a regular file (%s): npusim reads its inputs from files", path,
                file_kind(st.st_mode));
  if (!ok || !S_ISREG(st.st_mode)) {
    close(fd);
    return NULL;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  FILE *f = fdopen(fd, "rb");
  if (f == NULL) {
    np_diag_add(diag, "%s: error: cannot open: %s", path, strerror(errno));
    close(fd);
  }
  return f;
}

char *np_read_file(const char *path, int64_t max_bytes, const char *what, size_t *len, NpDiag *diag) {
  FILE *f = np_open_regular(path, diag);
  if (!f) return NULL;
  struct stat st;
  char *data = NULL;
  if (fstat(fileno(f), &st) != 0) {
    np_diag_add(diag, "%s: error: cannot read: %s", path, strerror(errno));
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

/* The pid holding a flock on the file (device, inode), from Linux's /proc/locks; 0 if unknown.
 * A line reads "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (device numbers in hex). */
static long lock_holder(const struct stat *st) {
  FILE *f = fopen("/proc/locks", "r");
  if (f == NULL) return 0;
  char line[256];
  long holder = 0;
  while (holder == 0 && fgets(line, sizeof line, f)) {
    char type[16];
    long pid;
    unsigned maj, min;
    unsigned long long ino;
    if (strstr(line, "->") == NULL &&
        sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%llu", type, &pid, &maj, &min, &ino) == 5 &&
        strcmp(type, "FLOCK") == 0 && maj == major(st->st_dev) && min == minor(st->st_dev) &&
        ino == (unsigned long long)st->st_ino)
      holder = pid;
  }
  fclose(f);
  return holder;
}

bool np_file_lock(int fd, const char *path, NpDiag *diag) {
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
  int err = errno;
  struct stat st;
  long holder = err == EWOULDBLOCK && fstat(fd, &st) == 0 ? lock_holder(&st) : 0;
  if (err != EWOULDBLOCK)
    np_diag_add(diag, "%s: error: cannot lock the file: %s", path, strerror(err));
  else if (holder > 0)
    np_diag_add(diag, "%s: error: another process (pid %ld) is writing it; wait for it to finish, or write elsewhere",
                path, holder);
  else
    np_diag_add(diag, "%s: error: another process is writing it; wait for it to finish, or write elsewhere", path);
  return false;
}

/* Appends segment (len bytes) to the absolute path out holds, folding "." and "..". */
static void append_segment(NpBuf *out, const char *segment, size_t len) {
  if (len == 0 || (len == 1 && segment[0] == '.')) return;
  if (len == 2 && segment[0] == '.' && segment[1] == '.') {
    char *slash = strrchr(out->data, '/');
    out->len = slash && slash != out->data ? (size_t)(slash - out->data) : 1;
    out->data[out->len] = '\0';
    return;
  }
  if (out->len > 1) np_buf_puts(out, "/");
  np_buf_append(out, segment, len);
}

char *np_absolute_path(const char *path) {
  NpBuf out = {0};
  np_buf_puts(&out, "/");
  char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0);
  const char *parts[2] = {cwd ? cwd : "", path};
  for (size_t k = 0; k < 2; k++)
    for (const char *p = parts[k]; *p;) {
      size_t len = strcspn(p, "/");
      append_segment(&out, p, len);
      p += len;
      while (*p == '/') p++;
    }
  free(cwd);
  return np_buf_take(&out);
}

static bool has_suffix(const char *name, const char *const *suffixes) {
  size_t len = strlen(name);
  for (const char *const *s = suffixes; *s; s++) {
    size_t sl = strlen(*s);
    if (len > sl && strcmp(name + len - sl, *s) == 0) return true;
  }
  return false;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* True for a regular file (after links) called name in dir; its path in *path (malloc'd). */
static bool listed_file(const char *dir, const char *name, char **path) {
  size_t dl = strlen(dir);
  bool slash = dl > 0 && dir[dl - 1] == '/';
  NpBuf b = {0};
  np_buf_printf(&b, "%s%s%s", dir, slash ? "" : "/", name);
  struct stat st;
  if (stat(np_buf_str(&b), &st) != 0 || !S_ISREG(st.st_mode)) {
    np_buf_free(&b);
    return false;
  }
  *path = np_xstrdup(np_buf_str(&b));
  np_buf_free(&b);
  return true;
}

bool np_list_files(const char *dir, const char *const *suffixes, size_t max_files, char ***paths, size_t *n,
                   NpDiag *diag) {
  *paths = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) {
    np_diag_add(diag, "%s: error: cannot read the folder: %s", dir, strerror(errno));
    return false;
  }
  size_t capacity = 0;
  bool ok = true;
  for (struct dirent *e; ok && (e = readdir(d)) != NULL;) {
    char *path;
    if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffixes) || !listed_file(dir, e->d_name, &path)) continue;
    if (*n == max_files) {
      np_diag_add(diag, "%s: error: more than %zu files to read; split the folder", dir, max_files);
      free(path);
      ok = false;
      break;
    }
    np_grow((void **)paths, &capacity, *n + 1, sizeof **paths);
    (*paths)[(*n)++] = path;
  }
  closedir(d);
  if (!ok) {
    np_free_paths(*paths, *n);
    *paths = NULL;
    *n = 0;
    return false;
  }
  if (*n > 1) qsort(*paths, *n, sizeof **paths, by_name);
  return true;
}

void np_free_paths(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}
