/* npusim pareto RESULTS.csv --x COL --y COL [--z COL] [--max COL]... [-o FRONT.csv] [--svg F]:
 * the sweep points no other point beats on both metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/commands.h"
#include "report/views.h"
#include "sweep/pareto.h"
#include "util/mem.h"

static const char pareto_usage[] =
    "usage: npusim pareto RESULTS.csv --x COL --y COL [--z COL] [--max COL]... [-o FRONT.csv] [--svg PLOT.svg]\n"
    "\n"
    "Reads a sweep's results (`npusim sweep ... -o results.csv`) and prints the Pareto front: the\n"
    "points no other point beats on both columns. Both are minimised unless --max names one.\n"
    "Rows whose status is not ok are left out. --z groups the rows by a third column, one front\n"
    "per value (e.g. per SRAM size).\n"
    "\n"
    "options:\n"
    "  --x COL, --y COL   the two columns compared (e.g. energy_mj, warm_ms, cold_ms, sram_peak_bytes)\n"
    "  --z COL            one front per value of this column\n"
    "  --max COL          maximise COL (one of --x/--y) instead of minimising it\n"
    "  -o FILE            write the front as CSV (the input's columns, front rows only)\n"
    "  --svg FILE         write the scatter of every point with the front highlighted\n"
    "  -h, --help         this text\n"
    "\n"
    "examples:\n"
    "  npusim pareto sram.csv --x energy_mj --y warm_ms\n"
    "  npusim pareto sram.csv --x energy_mj --y warm_ms --z sram.capacity_bytes -o front.csv --svg front.svg\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or a table that cannot be read.\n";

typedef struct ParetoArgs {
  const char *input, *output, *svg;
  NpParetoQuery query;
  const char *max[2];
  int n_max;
} ParetoArgs;

static int usage_error(const char *message, const char *arg) {
  fprintf(stderr, "npusim pareto: %s%s%s\nsee `npusim pareto --help`\n", message, arg ? " " : "", arg ? arg : "");
  return NP_EXIT_BAD_INPUT;
}

static int parse_args(int argc, char **argv, ParetoArgs *a) {
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char **slot = NULL;
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(pareto_usage, stdout);
      return NP_EXIT_OK;
    } else if (strcmp(arg, "--x") == 0) {
      slot = &a->query.x;
    } else if (strcmp(arg, "--y") == 0) {
      slot = &a->query.y;
    } else if (strcmp(arg, "--z") == 0) {
      slot = &a->query.z;
    } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
      slot = &a->output;
    } else if (strcmp(arg, "--svg") == 0) {
      slot = &a->svg;
    } else if (strcmp(arg, "--max") == 0) {
      if (a->n_max == 2) return usage_error("--max at most twice (once for x, once for y)", NULL);
      slot = &a->max[a->n_max++];
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return usage_error("unknown option", arg);
    } else if (a->input == NULL) {
      a->input = arg;
      continue;
    } else {
      return usage_error("one results file at a time; extra:", arg);
    }
    if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error(arg, "needs a value");
    *slot = argv[++i];
  }
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

/* The columns the table shows: all but status and message. */
static bool shown(const NpCsvTable *t, size_t c) {
  return strcmp(t->header[c], "status") != 0 && strcmp(t->header[c], "message") != 0;
}

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
