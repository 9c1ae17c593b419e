/* Atomic output files: write to a temporary file beside the target, rename it on success.
 *
 * Takes: a target path. Gives: a FILE* to write to; on commit the file appears under its name
 * complete, on failure or abort nothing is left and a previous file of that name is untouched.
 * Every command that writes a file (traces, Perfetto JSON, run reports) goes through here.
 */
#ifndef NPUSIM_UTIL_OUTFILE_H
#define NPUSIM_UTIL_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NpOutFile {
  FILE *fp;     /* write here */
  char *path;   /* the final name */
  char *tmp;    /* the temporary name beside it */
} NpOutFile;

/* Creates a temporary file beside `path`. False with "path: error: ..." in diag. */
bool np_outfile_open(NpOutFile *file, const char *path, NpDiag *diag);
/* Flushes, closes and renames the file to its path; on any failure removes it. */
bool np_outfile_commit(NpOutFile *file, NpDiag *diag);
/* Closes and removes the temporary file. */
void np_outfile_abort(NpOutFile *file);

#ifdef __cplusplus
}
#endif
#endif
