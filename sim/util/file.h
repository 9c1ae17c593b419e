/* Whole-file input shared by every loader (models, text graphs, configs, traces' peers).
 *
 * np_read_file takes a path and a size limit and gives the file's bytes, NUL-terminated, or
 * NULL with one error naming the file: "<path>: error: cannot open: <reason>", "... not a
 * regular file", "... the <what> is larger than N bytes", "... cannot read: <reason>". The
 * limit is checked before anything is allocated, so a huge or endless input (a FIFO, a
 * device) costs nothing. */
#ifndef NPUSIM_UTIL_FILE_H
#define NPUSIM_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens a regular file for reading, never blocking: a FIFO, a device, a directory or a socket
 * is refused with "<path>: error: not a regular file (a FIFO): ...", as opening a FIFO would
 * wait for a writer forever. NULL with the error in diag. */
FILE *np_open_regular(const char *path, NpDiag *diag);

/* `what` names the kind of file in the size message ("model", "config", "text graph"). */
char *np_read_file(const char *path, int64_t max_bytes, const char *what, size_t *len, NpDiag *diag);

/* Takes an exclusive advisory lock (flock) on fd, an open regular file, without waiting: the
 * lock lasts until the file is closed. False with "path: error: ... another process (pid N)
 * is writing it" when someone else holds it. */
bool np_file_lock(int fd, const char *path, NpDiag *diag);

/* The files in folder dir whose names end in one of the NULL-terminated suffixes (".yaml"), in
 * byte order of their names, as "dir/name" paths (malloc'd, each and the array: free with
 * np_free_paths). Hidden files (a leading '.') and subfolders are left out; links are followed.
 * At most max_files; more, a folder that cannot be read or one that is not a folder is false
 * with "dir: error: ..." in diag. An empty list is not an error: the caller says what it wanted. */
bool np_list_files(const char *dir, const char *const *suffixes, size_t max_files, char ***paths, size_t *n,
                   NpDiag *diag);
void np_free_paths(char **paths, size_t n);

/* path made absolute against the working directory, with "." and ".." segments and repeated
 * slashes folded away as text (symbolic links are kept as they are), malloc'd. */
char *np_absolute_path(const char *path);

#ifdef __cplusplus
}
#endif
#endif
