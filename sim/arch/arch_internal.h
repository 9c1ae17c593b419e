/* Shared by the files of sim/arch; not part of the public API. */
#ifndef NPUSIM_ARCH_INTERNAL_H
#define NPUSIM_ARCH_INTERNAL_H

#include <libfyaml.h>
#include <stdarg.h>
#include <stddef.h>

#include "arch/arch.h"

/* A node that came from a --set override rather than from the file. */
typedef struct NpSetOrigin {
  struct fy_node *node;
  size_t set_index;
} NpSetOrigin;

/* An error waiting to be sorted into file order; line -1 when it has no position. */
typedef struct NpPendingError {
  int line, column;
  size_t seq;
  char *text; /* NULL when beyond the kept limit */
} NpPendingError;

/* One load: the source text (for positions and source lines), the parsed document with the
 * overrides applied, and where errors go. */
typedef struct NpArchLoader {
  const char *source; /* name used in messages */
  const char *text;
  size_t len;
  NpDiag *diag;
  struct fy_diag *yaml_diag; /* libfyaml's, collecting syntax errors */
  struct fy_parser *parser;
  struct fy_document *doc;
  const char *const *sets;
  size_t n_sets;
  NpSetOrigin *origins;
  size_t n_origins, origins_capacity;
  size_t errors;
  NpPendingError *pending;
  size_t n_pending, pending_capacity, n_dropped;
} NpArchLoader;

/* Reports an error about node `at` (or, when it has no position, `fallback`): at its
 * file:line:col with the source line and a caret, or naming the --set it came from. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void np_arch_error(NpArchLoader *loader, struct fy_node *at, struct fy_node *fallback, const char *fmt, ...);

/* Builds *arch from loader->doc, reporting every error. True when there was none. */
bool np_arch_build(NpArchLoader *loader, NpArch *arch);

/* True for the units of energy figures (they carry node_nm); false for times and rates. */
bool np_arch_unit_has_node(const char *unit_key);

/* Shortest "%g"-style text that reads back (strtod) to exactly v. */
void np_arch_format_real(double v, char *out, size_t out_size);

#endif
