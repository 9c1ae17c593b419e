/* The one check of a schedule's structure: the lowering's output, a schedule read from JSON
 * and the replay's input all pass through it. */
#include <stdarg.h>
#include <stdlib.h>

#include "lower/schedule.h"
#include "util/mem.h"

bool np_schedule_command_error(NpDiag *diag, const char *source, const NpSchedule *s, const NpCommand *c,
                               const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *what = np_xvasprintf(fmt, args);
  va_end(args);
  const char *layer_name = c->layer >= 0 && (size_t)c->layer < s->n_layers ? s->layers[c->layer].name : NULL;
  np_diag_add(diag, "%s: error: command %d (%s, layer %d%s%s%s): %s", source ? source : "schedule", (int)c->id,
              np_cmd_kind_name(c->kind), (int)c->layer, layer_name ? " '" : "", layer_name ? layer_name : "",
              layer_name ? "'" : "", what);
  free(what);
  return false;
}

static bool engine_exists(NpDiag *diag, const char *source, const NpSchedule *s, const NpCommand *c, int32_t engine,
                          const char *what, int n_engines) {
  if (engine >= 0 && engine < n_engines) return true;
  return np_schedule_command_error(diag, source, s, c, "%s %d does not exist (the config has %d engines)", what,
                                   (int)engine, n_engines);
}

static bool check_one(const NpSchedule *s, size_t i, int n_engines, const char *source, NpDiag *diag) {
  const NpCommand *c = &s->cmds[i];
  const char *src = source ? source : "schedule";
  if (c->id != (int32_t)i) {
    np_diag_add(diag, "%s: error: command at position %zu has id %d (ids must equal positions)", src, i, (int)c->id);
    return false;
  }
  if (c->kind < NP_CMD_LOAD || c->kind > NP_CMD_SYNC) {
    np_diag_add(diag, "%s: error: command %zu: unknown kind %d", src, i, (int)c->kind);
    return false;
  }
  if (c->layer < 0 || (size_t)c->layer >= s->n_layers)
    return np_schedule_command_error(diag, source, s, c, "layer %d does not exist (the schedule has %zu layers)",
                                     (int)c->layer, s->n_layers);
  if (c->n_deps < 0 || c->first_dep < 0 || (size_t)c->first_dep + (size_t)c->n_deps > s->n_deps)
    return np_schedule_command_error(diag, source, s, c, "deps [%d, +%d) lie outside the dep list (%zu entries)",
                                     (int)c->first_dep, (int)c->n_deps, s->n_deps);
  const int32_t *deps = np_command_deps(s, c);
  for (int32_t d = 0; d < c->n_deps; d++)
    if (deps[d] < 0 || (size_t)deps[d] >= i)
      return np_schedule_command_error(diag, source, s, c, "depends on command %d, which is not an earlier command",
                                       (int)deps[d]);
  if (c->kind == NP_CMD_COMPUTE) return engine_exists(diag, source, s, c, c->engine, "engine", n_engines);
  if (c->kind == NP_CMD_SYNC)
    return engine_exists(diag, source, s, c, c->from_engine, "from_engine", n_engines) &&
           engine_exists(diag, source, s, c, c->to_engine, "to_engine", n_engines);
  return true;
}

bool np_schedule_check(const NpSchedule *s, int n_engines, const char *source, NpDiag *diag) {
  for (size_t i = 0; i < s->n_cmds; i++)
    if (!check_one(s, i, n_engines, source, diag)) return false;
  return true;
}
