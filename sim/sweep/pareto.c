/* Pareto fronts: sort by (group, x, y, row), then one sweep per group keeping the best y. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "sweep/pareto.h"
#include "util/buf.h"
#include "util/mem.h"

/* A point as the sweep sees it: keys already negated for a maximised metric. */
typedef struct Item {
  size_t group;
  double kx, ky;
  size_t index; /* the caller's index: rows stay in order on ties */
} Item;

static int compare_items(const void *a, const void *b) {
  const Item *p = a, *q = b;
  if (p->group != q->group) return p->group < q->group ? -1 : 1;
  if (p->kx != q->kx) return p->kx < q->kx ? -1 : 1;
  if (p->ky != q->ky) return p->ky < q->ky ? -1 : 1;
  return (p->index > q->index) - (p->index < q->index);
}

/* items[0..n) are one group sorted by (kx, ky): a point is on the front when its y beats
 * the best y of every point with a smaller x, and it has the smallest y of its own x. */
static size_t sweep_sorted(const Item *items, size_t n, bool *on_front) {
  size_t count = 0;
  double best = INFINITY;
  for (size_t i = 0; i < n;) {
    size_t end = i;
    while (end < n && items[end].kx == items[i].kx) end++;
    double ymin = items[i].ky;
    for (size_t k = i; k < end; k++) {
      bool front = ymin < best && items[k].ky == ymin;
      on_front[k] = front;
      count += front;
    }
    if (ymin < best) best = ymin;
    i = end;
  }
  return count;
}

size_t np_pareto_mark(const double *x, const double *y, size_t n, bool *on_front) {
  Item *items = np_xmalloc((n ? n : 1) * sizeof *items);
  bool *sorted_front = np_xmalloc((n ? n : 1) * sizeof *sorted_front);
  for (size_t i = 0; i < n; i++) items[i] = (Item){0, x[i], y[i], i};
  qsort(items, n, sizeof *items, compare_items);
  size_t count = sweep_sorted(items, n, sorted_front);
  for (size_t i = 0; i < n; i++) on_front[items[i].index] = sorted_front[i];
  free(items);
  free(sorted_front);
  return count;
}

/* ---- reading the table ---- */

/* A finite number, or a size as configs write it ("512KiB", "4MiB") in bytes. */
static bool parse_number(const char *text, double *out) {
  if (text[0] == '\0') return false;
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (*end == '\0' && errno != ERANGE && isfinite(v)) {
    *out = v;
    return true;
  }
  int64_t bytes;
  char err[160];
  if (!np_parse_size(text, &bytes, err, sizeof err)) return false;
  *out = (double)bytes;
  return true;
}

static long find_column(const NpCsvTable *t, const char *name, const char *role, NpDiag *diag) {
  long c = np_csv_column(t, name);
  if (c >= 0) return c;
  NpBuf known = {0};
  for (size_t i = 0; i < t->n_cols; i++) np_buf_printf(&known, "%s%s", i ? ", " : "", t->header[i]);
  np_diag_add(diag, "%s:1: error: %s column '%s' is not in the table (columns: %s)", t->source, role, name,
              np_buf_str(&known));
  np_buf_free(&known);
  return -1;
}

static bool cell_number(const NpCsvTable *t, size_t row, long col, double *out, NpDiag *diag) {
  const char *text = np_csv_cell(t, row, (size_t)col);
  if (parse_number(text, out)) return true;
  np_diag_add(diag, "%s:%zu: error: column '%s': '%.60s' is neither a finite number nor a size", t->source, t->lines[row],
              t->header[col], text);
  return false;
}

/* ---- groups ---- */

typedef struct GroupKey {
  const char *text;
  double number;
  size_t row;
} GroupKey;

/* By number (all 0 when some group value is not a number: text order), then text, then row. */
static int compare_group_keys(const void *a, const void *b) {
  const GroupKey *p = a, *q = b;
  if (p->number != q->number) return p->number < q->number ? -1 : 1;
  int c = strcmp(p->text, q->text);
  if (c != 0) return c;
  return (p->row > q->row) - (p->row < q->row);
}

/* Numbers each row's group (rows[i] -> group_of[i]) in group order; fills out->groups. */
static void number_groups(const NpCsvTable *t, long zc, const size_t *rows, size_t n, size_t *group_of,
                          NpParetoResult *out) {
  if (zc < 0) {
    out->groups = np_xmalloc(sizeof *out->groups);
    out->groups[0] = np_xstrdup("");
    out->n_groups = 1;
    for (size_t i = 0; i < n; i++) group_of[i] = 0;
    return;
  }
  GroupKey *keys = np_xmalloc((n ? n : 1) * sizeof *keys);
  bool numeric = true;
  for (size_t i = 0; i < n; i++) {
    keys[i] = (GroupKey){np_csv_cell(t, rows[i], (size_t)zc), 0, i};
    numeric = numeric && parse_number(keys[i].text, &keys[i].number);
  }
  if (!numeric)
    for (size_t i = 0; i < n; i++) keys[i].number = 0;
  qsort(keys, n, sizeof *keys, compare_group_keys);
  out->groups = np_xmalloc((n ? n : 1) * sizeof *out->groups);
  out->n_groups = 0;
  for (size_t i = 0; i < n; i++) {
    bool same = i > 0 && (numeric ? keys[i].number == keys[i - 1].number : strcmp(keys[i].text, keys[i - 1].text) == 0);
    if (!same) out->groups[out->n_groups++] = np_xstrdup(keys[i].text);
    group_of[keys[i].row] = out->n_groups - 1;
  }
  free(keys);
}

bool np_pareto_compute(const NpCsvTable *t, const NpParetoQuery *q, NpParetoResult *out, NpDiag *diag) {
  memset(out, 0, sizeof *out);
  long xc = find_column(t, q->x, "x", diag), yc = find_column(t, q->y, "y", diag);
  long zc = q->z ? find_column(t, q->z, "z", diag) : -1;
  if (xc < 0 || yc < 0 || (q->z && zc < 0)) return false;
  if (xc == yc) {
    np_diag_add(diag, "%s: error: x and y are the same column '%s'", t->source, q->x);
    return false;
  }
  long status = np_csv_column(t, "status");
  size_t *rows = np_xmalloc((t->n_rows ? t->n_rows : 1) * sizeof *rows), n = 0;
  for (size_t r = 0; r < t->n_rows; r++) {
    if (status >= 0 && strcmp(np_csv_cell(t, r, (size_t)status), "ok") != 0)
      out->n_skipped++;
    else
      rows[n++] = r;
  }
  Item *items = np_xmalloc((n ? n : 1) * sizeof *items);
  size_t *group_of = np_xmalloc((n ? n : 1) * sizeof *group_of);
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) {
    double x, y;
    ok = cell_number(t, rows[i], xc, &x, diag) && cell_number(t, rows[i], yc, &y, diag);
    if (!ok) break;
    items[i] = (Item){0, q->maximize_x ? -x : x, q->maximize_y ? -y : y, i};
  }
  if (ok) {
    number_groups(t, zc, rows, n, group_of, out);
    for (size_t i = 0; i < n; i++) items[i].group = group_of[i];
    qsort(items, n, sizeof *items, compare_items);
    bool *front = np_xmalloc((n ? n : 1) * sizeof *front);
    for (size_t i = 0; i < n;) {
      size_t end = i;
      while (end < n && items[end].group == items[i].group) end++;
      out->n_front += sweep_sorted(items + i, end - i, front + i);
      i = end;
    }
    out->points = np_xmalloc((n ? n : 1) * sizeof *out->points);
    out->n_points = n;
    for (size_t i = 0; i < n; i++) {
      const Item *it = &items[i];
      out->points[i] = (NpParetoPoint){rows[it->index], q->maximize_x ? -it->kx : it->kx,
                                       q->maximize_y ? -it->ky : it->ky, it->group, front[i]};
    }
    free(front);
  }
  free(items);
  free(group_of);
  free(rows);
  if (!ok) np_pareto_free(out);
  return ok;
}

void np_pareto_free(NpParetoResult *r) {
  for (size_t i = 0; i < r->n_groups; i++) free(r->groups[i]);
  free(r->groups);
  free(r->points);
  memset(r, 0, sizeof *r);
}
