/* Diagnostics: how every stage of the library reports errors.
 *
 * Takes: formatted messages from any stage. Gives: an ordered list of complete lines, each
 * already naming the place at fault ("file:line:col: error: ..." for text inputs,
 * "file: error: node 'name' (Conv): ..." for graphs). Nothing below the CLI prints or exits;
 * functions return a failure value and append here, and the caller decides what to show.
 * At most NP_DIAG_MAX_KEPT messages are kept (a hostile input cannot grow it without bound);
 * the rest are counted. Every message is safe to print: control characters and bytes that are
 * not UTF-8 arrive escaped (\x1b), and no line is longer than NP_DIAG_LINE_MAX bytes (a longer
 * one keeps its start and end around " ... "), whatever names or source lines it quotes.
 */
#ifndef NPUSIM_UTIL_DIAG_H
#define NPUSIM_UTIL_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NP_DIAG_MAX_KEPT 100
#define NP_DIAG_LINE_MAX 300

typedef struct NpDiag {
  char **messages;
  size_t count;   /* messages kept */
  size_t dropped; /* messages beyond NP_DIAG_MAX_KEPT, counted only */
} NpDiag;

void np_diag_init(NpDiag *diag);
void np_diag_free(NpDiag *diag);
void np_diag_clear(NpDiag *diag);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void np_diag_add(NpDiag *diag, const char *fmt, ...);
void np_diag_vadd(NpDiag *diag, const char *fmt, va_list args);
static inline bool np_diag_failed(const NpDiag *diag) { return diag->count + diag->dropped > 0; }
/* The message as np_diag_add keeps it, escaped and cut (malloc'd): for text that reaches a terminal
 * without passing through an NpDiag. */
char *np_diag_tidy(const char *message);
/* Writes every message, one per line (a message may span lines, e.g. a source line and a
 * caret), then "... and N more errors" when some were dropped. */
void np_diag_print(const NpDiag *diag, FILE *out);
/* The same text np_diag_print writes, malloc'd ("" when there is nothing). */
char *np_diag_text(const NpDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
