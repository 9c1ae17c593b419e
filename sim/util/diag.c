#include "util/diag.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

void np_diag_init(NpDiag *diag) { memset(diag, 0, sizeof *diag); }

void np_diag_clear(NpDiag *diag) {
  for (size_t i = 0; i < diag->count; i++) free(diag->messages[i]);
  diag->count = 0;
  diag->dropped = 0;
}

void np_diag_free(NpDiag *diag) {
  np_diag_clear(diag);
  free(diag->messages);
  diag->messages = NULL;
}

void np_diag_vadd(NpDiag *diag, const char *fmt, va_list args) {
  if (diag->count >= NP_DIAG_MAX_KEPT) {
    diag->dropped++;
    return;
  }
  if (diag->messages == NULL) diag->messages = np_xcalloc(NP_DIAG_MAX_KEPT, sizeof *diag->messages);
  diag->messages[diag->count++] = np_xvasprintf(fmt, args);
}

void np_diag_add(NpDiag *diag, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  np_diag_vadd(diag, fmt, args);
  va_end(args);
}

char *np_diag_text(const NpDiag *diag) {
  NpBuf buf = {0};
  for (size_t i = 0; i < diag->count; i++) {
    const char *m = diag->messages[i];
    size_t n = strlen(m);
    np_buf_puts(&buf, m);
    if (n == 0 || m[n - 1] != '\n') np_buf_puts(&buf, "\n");
  }
  if (diag->dropped) np_buf_printf(&buf, "... and %zu more errors\n", diag->dropped);
  return np_buf_take(&buf);
}

void np_diag_print(const NpDiag *diag, FILE *out) {
  char *text = np_diag_text(diag);
  fputs(text, out);
  free(text);
}
