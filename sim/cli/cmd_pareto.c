/* npusim pareto RESULTS.csv --x COL --y COL [--z COL] [--max COL]... [-o FRONT.csv] [--svg F]:
 * the sweep points no other point beats on both metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "report/views.h"
#include "sweep/pareto.h"
#include "sweep/sweep.h"
#include "util/mem.h"

static const char pareto_synopsis[] =
    "usage: npusim pareto RESULTS.csv --x COL --y COL [--z COL] [--max COL]... [-o FRONT.csv] [--svg PLOT.svg]\n"
    "\n"
    "Reads a sweep's results (`npusim sweep ... -o results.csv`) and prints the Pareto front: the\n"
    "points no other point beats on both columns. Both are minimised unless --max names one.\n"
    "Rows whose status is not ok are left out. --z groups the rows by a third column, one front\n"
    "per value (e.g. per SRAM size).\n"
    "\n";
static const char pareto_epilogue[] =
    "examples:\n"
    "  npusim pareto sram.csv --x energy_uj --y warm_ms\n"
    "  npusim pareto sram.csv --x energy_uj --y warm_ms --z sram.capacity_bytes -o front.csv --svg front.svg\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or a table that cannot be read.\n";

enum { OPT_X = NP_CLI_OWN, OPT_Y, OPT_Z, OPT_MAX, OPT_SVG };

static const NpCliOption pareto_options[] = {
    {"x", OPT_X, "COL", "the first column compared (e.g. energy_uj, warm_ms, cold_ms, sram_peak_bytes)"},
    {"y", OPT_Y, "COL", "the second column compared"},
    {"z", OPT_Z, "COL", "one front per value of this column"},
    {"max", OPT_MAX, "COL", "maximise COL (one of --x/--y) instead of minimising it"},
    {"output", 'o', "FILE", "write the front as CSV (the input's columns, front rows only)"},
    {"svg", OPT_SVG, "FILE", "write the scatter of every point with the front highlighted"},
    {NULL, 0, NULL, NULL},
};

static const NpCliOption *const pareto_tables[] = {pareto_options, NULL};
static const NpCliCommand pareto_command = {"pareto", pareto_synopsis, pareto_tables, pareto_epilogue};

typedef struct ParetoArgs {
  const char *input, *output, *svg;
  NpParetoQuery query;
  const char *max[2];
  int n_max;
} ParetoArgs;

static int usage_error(const char *message, const char *arg) {
  return np_cli_usage_error(&pareto_command, "%s%s%s", message, arg ? " " : "", arg ? arg : "");
}

static int take_pareto_option(void *user, int key, const char *value) {
  ParetoArgs *a = user;
  if (value && value[0] == '\0') return usage_error("an option's value is empty", NULL);
  switch (key) {
    case OPT_X: a->query.x = value; break;
    case OPT_Y: a->query.y = value; break;
    case OPT_Z: a->query.z = value; break;
    case OPT_SVG: a->svg = value; break;
    case 'o': a->output = value; break;
    case OPT_MAX:
      if (a->n_max == 2) return usage_error("--max at most twice (once for x, once for y)", NULL);
      a->max[a->n_max++] = value;
      break;
    default: break;
  }
  return -1;
}

static int parse_args(int argc, char **argv, ParetoArgs *a) {
  memset(a, 0, sizeof *a);
  int first;
  int rc = np_cli_parse(&pareto_command, argc, argv, take_pareto_option, a, &first);
  if (rc >= 0) return rc;
  if (first + 1 < argc) return usage_error("one results file at a time; extra:", argv[first + 1]);
  if (first < argc) a->input = argv[first];
  if (a->input == NULL || a->query.x == NULL || a->query.y == NULL)
    return usage_error("needs RESULTS.csv, --x COL and --y COL", NULL);
  for (int k = 0; k < a->n_max; k++) {
    if (strcmp(a->max[k], a->query.x) == 0)
      a->query.maximize_x = true;
    else if (strcmp(a->max[k], a->query.y) == 0)
      a->query.maximize_y = true;
    else
      return usage_error("--max names a column that is neither --x nor --y:", a->max[k]);
  }
  return -1;
}

static bool shown(const NpCsvTable *t, size_t c) { return np_sweep_column_shown(t->header[c]); }

/* One table line: the shown cells, padded to their column's width (the last one not). */
static void print_line(const NpCsvTable *t, const size_t *width, const char *const *cells) {
  size_t last = 0;
  for (size_t c = 0; c < t->n_cols; c++)
    if (shown(t, c)) last = c;
  for (size_t c = 0; c < t->n_cols; c++) {
    if (!shown(t, c)) continue;
    if (c == last)
      printf("%s\n", cells[c]);
    else
      printf("%-*s  ", (int)width[c], cells[c]);
  }
}

static void print_front(const NpCsvTable *t, const ParetoArgs *a, const NpParetoResult *r) {
  printf("%s: %zu of %zu points on the front (%s %s, %s %s)", a->input, r->n_front, r->n_points,
         a->query.maximize_x ? "maximising" : "minimising", a->query.x,
         a->query.maximize_y ? "maximising" : "minimising", a->query.y);
  if (r->n_skipped) printf("; %zu row%s left out (status not ok)", r->n_skipped, r->n_skipped == 1 ? "" : "s");
  printf("\n");
  size_t *width = np_xcalloc(t->n_cols ? t->n_cols : 1, sizeof *width);
  for (size_t c = 0; c < t->n_cols; c++) width[c] = strlen(t->header[c]);
  for (size_t i = 0; i < r->n_points; i++)
    for (size_t c = 0; c < t->n_cols && r->points[i].on_front; c++) {
      size_t w = strlen(np_csv_cell(t, r->points[i].row, c));
      if (w > width[c]) width[c] = w;
    }
  size_t group = (size_t)-1;
  for (size_t i = 0; i < r->n_points; i++) {
    const NpParetoPoint *p = &r->points[i];
    if (!p->on_front) continue;
    if (p->group != group) {
      group = p->group;
      if (a->query.z) printf("\n%s = %s\n", a->query.z, r->groups[group]);
      else printf("\n");
      print_line(t, width, (const char *const *)t->header);
    }
    print_line(t, width, (const char *const *)&t->cells[p->row * t->n_cols]);
  }
  free(width);
}

static char *front_csv(const NpCsvTable *t, const NpParetoResult *r) {
  NpBuf b = {0};
  np_csv_put_row(&b, (const char *const *)t->header, t->n_cols);
  for (size_t i = 0; i < r->n_points; i++)
    if (r->points[i].on_front) np_csv_put_row(&b, (const char *const *)&t->cells[r->points[i].row * t->n_cols], t->n_cols);
  return np_buf_take(&b);
}

int cmd_pareto(int argc, char **argv) {
  ParetoArgs a;
  int code = parse_args(argc, argv, &a);
  if (code >= 0) return code;
  NpDiag diag;
  np_diag_init(&diag);
  NpCsvTable table;
  NpParetoResult result;
  if (!np_csv_load(a.input, &table, &diag)) {
    code = NP_EXIT_BAD_INPUT;
  } else {
    if (!np_pareto_compute(&table, &a.query, &result, &diag)) {
      code = NP_EXIT_BAD_INPUT;
    } else {
      print_front(&table, &a, &result);
      code = NP_EXIT_OK;
      if (a.output) {
        char *csv = front_csv(&table, &result);
        if (!np_cli_write_file(a.output, csv)) code = NP_EXIT_BAD_INPUT;
        free(csv);
      }
      if (a.svg && code == NP_EXIT_OK) {
        char *svg = np_report_pareto_svg(&table, &a.query, &result);
        if (!np_cli_write_file(a.svg, svg)) code = NP_EXIT_BAD_INPUT;
        free(svg);
      }
      np_pareto_free(&result);
    }
    np_csv_free(&table);
  }
  np_diag_print(&diag, stderr);
  np_diag_free(&diag);
  return code;
}
