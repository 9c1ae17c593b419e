/* CSV tables (RFC 4180): the sweep results people read back (pareto, report).
 *
 * Takes: CSV text with a header row (fields separated by commas; a field with a comma, a
 * quote or a line break is quoted, quotes doubled; lines end in \n or \r\n).
 * Gives: an NpCsvTable: the header's column names and every row's fields as strings, with
 * the line each row starts on for messages; errors as "file:line:col: error: ..." (an
 * unterminated quote, a stray quote, a row whose field count differs from the header's).
 * Also the field writer the sweep's CSV output uses, so reading and writing agree.
 */
#ifndef NPUSIM_UTIL_CSV_H
#define NPUSIM_UTIL_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NP_CSV_MAX_FILE_BYTES ((long long)1 << 32)

typedef struct NpCsvTable {
  char *source;     /* the file name, for messages */
  char **header;    /* n_cols column names */
  size_t n_cols;
  char **cells;     /* row r, column c: cells[r * n_cols + c] */
  size_t *lines;    /* the 1-based line each row starts on */
  size_t n_rows;
} NpCsvTable;

/* Parses text (len bytes) into *out. An empty text or one without a header row is an
 * error. On failure *out is empty. */
bool np_csv_parse(const char *text, size_t len, const char *source, NpCsvTable *out, NpDiag *diag);
/* Reads and parses a file. */
bool np_csv_load(const char *path, NpCsvTable *out, NpDiag *diag);
void np_csv_free(NpCsvTable *table);

/* The index of the column called name, or -1. */
long np_csv_column(const NpCsvTable *table, const char *name);
static inline const char *np_csv_cell(const NpCsvTable *t, size_t row, size_t col) {
  return t->cells[row * t->n_cols + col];
}

/* Where the record starting at pos ends: the offset just past its line break (a line break
 * inside a quoted field belongs to the field). 0 when the text ends before the record does
 * (a torn last row). */
size_t np_csv_record_end(const char *text, size_t len, size_t pos);

/* Appends one field, quoted only when it has to be. */
void np_csv_put_field(NpBuf *buf, const char *text);
/* Appends a row (fields joined by commas) and a line break. */
void np_csv_put_row(NpBuf *buf, const char *const *fields, size_t n);

#ifdef __cplusplus
}
#endif
#endif
