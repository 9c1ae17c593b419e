#include "cli/cli_options.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/buf.h"
#include "util/closest.h"
#include "util/mem.h"

static const NpCliOption help_option = {"help", 'h', NULL, "this text"};

/* Where the help text starts on each option line: two spaces, the option, padding. */
#define HELP_COLUMN 21

static bool has_short(int key) { return key > 0 && key < 128 && isalnum(key); }

int np_cli_usage_error(const NpCliCommand *command, const char *fmt, ...) {
  fprintf(stderr, "npusim %s: ", command->name);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nsee `npusim %s --help`\n", command->name);
  return NP_EXIT_BAD_INPUT;
}

static void print_option(const NpCliOption *o, FILE *out) {
  const char *value_gap = o->value ? " " : "", *value = o->value ? o->value : "";
  int n = has_short(o->key) ? fprintf(out, "  -%c, --%s%s%s", o->key, o->name, value_gap, value)
                            : fprintf(out, "  --%s%s%s", o->name, value_gap, value);
  if (n + 1 > HELP_COLUMN)
    fprintf(out, "\n%*s", HELP_COLUMN, "");
  else
    fprintf(out, "%*s", HELP_COLUMN - n, "");
  for (const char *p = o->help; *p; p++) {
    fputc(*p, out);
    if (*p == '\n') fprintf(out, "%*s", HELP_COLUMN, "");
  }
  fputc('\n', out);
}

void np_cli_print_help(const NpCliCommand *command, FILE *out) {
  fputs(command->synopsis, out);
  fputs("options:\n", out);
  for (const NpCliOption *const *t = command->tables; *t; t++)
    for (const NpCliOption *o = *t; o->name; o++) print_option(o, out);
  print_option(&help_option, out);
  if (command->epilogue) {
    fputc('\n', out);
    fputs(command->epilogue, out);
  }
}

/* Every option of the command, help last, as one array; *n is its length. */
static const NpCliOption **all_options(const NpCliCommand *command, size_t *n) {
  size_t count = 1;
  for (const NpCliOption *const *t = command->tables; *t; t++)
    for (const NpCliOption *o = *t; o->name; o++) count++;
  const NpCliOption **all = np_xmalloc(count * sizeof *all);
  *n = 0;
  for (const NpCliOption *const *t = command->tables; *t; t++)
    for (const NpCliOption *o = *t; o->name; o++) all[(*n)++] = o;
  all[(*n)++] = &help_option;
  return all;
}

static struct option *getopt_table(const NpCliOption **all, size_t n, char *shorts, size_t shorts_size) {
  struct option *longs = np_xcalloc(n + 1, sizeof *longs);
  size_t s = 0;
  shorts[s++] = ':'; /* a missing value returns ':', not '?' */
  for (size_t i = 0; i < n; i++) {
    longs[i] = (struct option){all[i]->name, all[i]->value ? required_argument : no_argument, NULL, all[i]->key};
    if (has_short(all[i]->key) && s + 3 < shorts_size) {
      shorts[s++] = (char)all[i]->key;
      if (all[i]->value) shorts[s++] = ':';
    }
  }
  shorts[s] = '\0';
  return longs;
}

/* Why getopt_long refused the long option arg ("--name" or "--name=value"). */
static int bad_long_option(const NpCliCommand *command, const NpCliOption **all, size_t n, const char *arg) {
  const char *name = arg + 2;
  size_t len = strcspn(name, "=");
  NpBuf matches = {0};
  size_t n_matches = 0;
  const NpCliOption *match = NULL;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(all[i]->name, name, len) != 0) continue;
    np_buf_printf(&matches, "%s--%s", n_matches ? ", " : "", all[i]->name);
    n_matches++;
    if (!match || strlen(all[i]->name) == len) match = all[i];
  }
  int rc;
  if (match && (n_matches == 1 || strlen(match->name) == len) && name[len] == '=' && !match->value) {
    rc = np_cli_usage_error(command, "--%s takes no value ('%s')", match->name, arg);
  } else if (n_matches > 1) {
    rc = np_cli_usage_error(command, "'--%.*s' is ambiguous: %s", (int)len, name, np_buf_str(&matches));
  } else {
    const char **names = np_xmalloc(n * sizeof *names);
    for (size_t i = 0; i < n; i++) names[i] = all[i]->name;
    char *word = np_xstrndup(name, len);
    const char *near = np_closest_name(word, names, n);
    if (near)
      rc = np_cli_usage_error(command, "unknown option '%.*s'; did you mean '--%s'?", (int)(len + 2), arg, near);
    else
      rc = np_cli_usage_error(command, "unknown option '%.*s'", (int)(len + 2), arg);
    free(word);
    free(names);
  }
  np_buf_free(&matches);
  return rc;
}

static int bad_option(const NpCliCommand *command, const NpCliOption **all, size_t n, const char *arg) {
  if (strncmp(arg, "--", 2) == 0) return bad_long_option(command, all, n, arg);
  if (optopt != 0) return np_cli_usage_error(command, "unknown option '-%c'", optopt);
  return np_cli_usage_error(command, "unknown option '%s'", arg);
}

static int missing_value(const NpCliCommand *command, const NpCliOption **all, size_t n, const char *arg) {
  for (size_t i = 0; i < n; i++)
    if (all[i]->key == optopt && all[i]->value)
      return np_cli_usage_error(command, "%s needs a value (%s)", arg, all[i]->value);
  return np_cli_usage_error(command, "%s needs a value", arg);
}

int np_cli_parse(const NpCliCommand *command, int argc, char **argv, NpCliTake take, void *user, int *first) {
  size_t n;
  const NpCliOption **all = all_options(command, &n);
  char shorts[128];
  struct option *longs = getopt_table(all, n, shorts, sizeof shorts);
  opterr = 0;
  optind = 0; /* glibc: start afresh, argv[0] being the command's name */
  int rc = -1, c;
  while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
    if (c == 'h') {
      np_cli_print_help(command, stdout);
      rc = NP_EXIT_OK;
    } else if (c == '?') {
      rc = bad_option(command, all, n, argv[optind - 1]);
    } else if (c == ':') {
      rc = missing_value(command, all, n, argv[optind - 1]);
    } else {
      rc = take(user, c, optarg);
    }
  }
  *first = optind;
  free(longs);
  free(all);
  return rc;
}
