/* RFC 4180 CSV: a one-pass reader (fields into one growable list) and the field writer. */
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/file.h"
#include "util/mem.h"

typedef struct Reader {
  const char *text;
  size_t len, pos;
  size_t line, line_start; /* 1-based line of pos, and where that line starts */
  const char *source;
  NpDiag *diag;
} Reader;

typedef struct Cells {
  char **items;
  size_t n, capacity;
} Cells;

static void push_cell(Cells *c, char *cell) {
  np_grow((void **)&c->items, &c->capacity, c->n + 1, sizeof *c->items);
  c->items[c->n++] = cell;
}

static size_t column_of(const Reader *r, size_t pos) { return pos - r->line_start + 1; }

static void new_line(Reader *r, size_t next) {
  r->line++;
  r->line_start = next;
}

/* Reads one field starting at r->pos; leaves pos on the separator, line end or text end. */
static char *read_field(Reader *r) {
  if (r->pos >= r->len || r->text[r->pos] != '"') {
    size_t start = r->pos;
    while (r->pos < r->len && r->text[r->pos] != ',' && r->text[r->pos] != '\n' && r->text[r->pos] != '\r') {
      if (r->text[r->pos] == '"') {
        np_diag_add(r->diag, "%s:%zu:%zu: error: a quote inside an unquoted field (quote the whole field and double "
                    "the quote)", r->source, r->line, column_of(r, r->pos));
        return NULL;
      }
      r->pos++;
    }
    return np_xstrndup(r->text + start, r->pos - start);
  }
  size_t open_line = r->line, open_col = column_of(r, r->pos);
  NpBuf buf = {0};
  np_buf_append(&buf, "", 0);
  r->pos++;
  for (;;) {
    if (r->pos >= r->len) {
      np_diag_add(r->diag, "%s:%zu:%zu: error: the quoted field opened here never closes", r->source, open_line,
                  open_col);
      np_buf_free(&buf);
      return NULL;
    }
    char c = r->text[r->pos];
    if (c == '"' && r->pos + 1 < r->len && r->text[r->pos + 1] == '"') {
      np_buf_append(&buf, "\"", 1);
      r->pos += 2;
    } else if (c == '"') {
      r->pos++;
      break;
    } else {
      np_buf_append(&buf, &c, 1);
      r->pos++;
      if (c == '\n') new_line(r, r->pos);
    }
  }
  if (r->pos < r->len && r->text[r->pos] != ',' && r->text[r->pos] != '\n' && r->text[r->pos] != '\r') {
    np_diag_add(r->diag, "%s:%zu:%zu: error: text after a quoted field's closing quote", r->source, r->line,
                column_of(r, r->pos));
    np_buf_free(&buf);
    return NULL;
  }
  char *cell = np_buf_take(&buf);
  return cell;
}

/* Reads one record into cells; false on a syntax error. Leaves pos after its line end. */
static bool read_record(Reader *r, Cells *cells) {
  for (;;) {
    char *field = read_field(r);
    if (field == NULL) return false;
    push_cell(cells, field);
    if (r->pos < r->len && r->text[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->len && r->text[r->pos] == '\r') r->pos++;
    if (r->pos < r->len && r->text[r->pos] == '\n') r->pos++;
    new_line(r, r->pos);
    return true;
  }
}

static void free_cells(Cells *c) {
  for (size_t i = 0; i < c->n; i++) free(c->items[i]);
  free(c->items);
}

bool np_csv_parse(const char *text, size_t len, const char *source, NpCsvTable *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  Reader r = {text, len, 0, 1, 0, source, diag};
  Cells header = {0}, cells = {0};
  size_t *lines = NULL, lines_capacity = 0, n_rows = 0;
  if (len == 0 || text[0] == '\n' || text[0] == '\r') {
    np_diag_add(diag, "%s:1:1: error: no header row (a CSV of results starts with its column names)", source);
    return false;
  }
  bool ok = read_record(&r, &header);
  while (ok && r.pos < len) {
    if (text[r.pos] == '\n' || text[r.pos] == '\r') { /* a blank line: skipped */
      r.pos += text[r.pos] == '\r' && r.pos + 1 < len && text[r.pos + 1] == '\n' ? 2 : 1;
      new_line(&r, r.pos);
      continue;
    }
    size_t line = r.line, before = cells.n;
    ok = read_record(&r, &cells);
    if (ok && cells.n - before != header.n) {
      np_diag_add(diag, "%s:%zu: error: the row has %zu fields, the header has %zu", source, line, cells.n - before,
                  header.n);
      ok = false;
    }
    if (ok) {
      np_grow((void **)&lines, &lines_capacity, n_rows + 1, sizeof *lines);
      lines[n_rows++] = line;
    }
  }
  if (!ok) {
    free_cells(&header);
    free_cells(&cells);
    free(lines);
    return false;
  }
  out->source = np_xstrdup(source);
  out->header = header.items;
  out->n_cols = header.n;
  out->cells = cells.items;
  out->lines = lines;
  out->n_rows = n_rows;
  return true;
}

bool np_csv_load(const char *path, NpCsvTable *out, NpDiag *diag) {
  size_t len;
  char *text = np_read_file(path, NP_CSV_MAX_FILE_BYTES, "CSV table", &len, diag);
  if (text == NULL) {
    memset(out, 0, sizeof *out);
    return false;
  }
  bool ok = np_csv_parse(text, len, path, out, diag);
  free(text);
  return ok;
}

void np_csv_free(NpCsvTable *t) {
  for (size_t i = 0; i < t->n_cols; i++) free(t->header[i]);
  for (size_t i = 0; i < t->n_rows * t->n_cols; i++) free(t->cells[i]);
  free(t->header);
  free(t->cells);
  free(t->lines);
  free(t->source);
  memset(t, 0, sizeof *t);
}

long np_csv_column(const NpCsvTable *t, const char *name) {
  for (size_t i = 0; i < t->n_cols; i++)
    if (strcmp(t->header[i], name) == 0) return (long)i;
  return -1;
}

size_t np_csv_record_end(const char *text, size_t len, size_t pos) {
  bool quoted = false; /* a doubled quote toggles twice, so it leaves the state as it was */
  for (size_t i = pos; i < len; i++) {
    if (text[i] == '"')
      quoted = !quoted;
    else if (text[i] == '\n' && !quoted)
      return i + 1;
  }
  return 0;
}

void np_csv_put_field(NpBuf *buf, const char *text) {
  if (strpbrk(text, ",\"\r\n") == NULL) {
    np_buf_puts(buf, text);
    return;
  }
  np_buf_puts(buf, "\"");
  for (const char *c = text; *c; c++) {
    if (*c == '"')
      np_buf_puts(buf, "\"\"");
    else
      np_buf_append(buf, c, 1);
  }
  np_buf_puts(buf, "\"");
}

void np_csv_put_row(NpBuf *buf, const char *const *fields, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i) np_buf_puts(buf, ",");
    np_csv_put_field(buf, fields[i]);
  }
  np_buf_puts(buf, "\n");
}
