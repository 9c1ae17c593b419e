#include "util/diag.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

/* A line cut for length keeps this much of its start (where the place and the error are) and
 * the rest of NP_DIAG_LINE_MAX from its end (what to do about it). */
#define CUT_HEAD 200
#define CUT_MARK " ... "

/* Copies text to out with every byte a terminal could act on written as an escape: C0 controls
 * but tab (\x1b), DEL, the C1 controls (\u009b) and bytes that are not UTF-8. Line breaks
 * stay: they separate a message's lines. */
static void append_escaped(NpBuf *out, const char *text, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)text[i];
    size_t n = np_utf8_sequence_length(text + i, len - i);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      np_buf_append(out, text + i, 1);
    } else if (n == 2 && c == 0xC2 && (unsigned char)text[i + 1] < 0xA0) {
      np_buf_printf(out, "\\u%04x", (unsigned char)text[i + 1]);
    } else if (n >= 2) {
      np_buf_append(out, text + i, n);
    } else {
      np_buf_printf(out, "\\x%02x", c);
      n = 1;
    }
    i += n > 0 ? n : 1;
  }
}

static size_t utf8_start_at_or_before(const char *text, size_t pos) {
  while (pos > 0 && ((unsigned char)text[pos] & 0xC0) == 0x80) pos--;
  return pos;
}

static size_t utf8_start_at_or_after(const char *text, size_t len, size_t pos) {
  while (pos < len && ((unsigned char)text[pos] & 0xC0) == 0x80) pos++;
  return pos;
}

/* Appends len bytes of line in at most `budget`: whole, or cut in the middle keeping `keep`
 * bytes of the start. */
static void append_cut(NpBuf *out, const char *line, size_t len, size_t budget, size_t keep) {
  if (len <= budget) {
    np_buf_append(out, line, len);
    return;
  }
  size_t head = utf8_start_at_or_before(line, keep);
  size_t tail = utf8_start_at_or_after(line, len, len - (budget - keep - (sizeof CUT_MARK - 1)));
  np_buf_append(out, line, head);
  np_buf_puts(out, CUT_MARK);
  np_buf_append(out, line + tail, len - tail);
}

/* A line whose "error: " comes after this much of it (a long --set value or path before it)
 * is cut before the word, so that the cut line still says what it is. */
#define CUT_PLACE 80

/* Appends one line, cut in the middle when longer than NP_DIAG_LINE_MAX bytes. */
static void append_line(NpBuf *out, const char *line, size_t len) {
  const char *word = len > NP_DIAG_LINE_MAX ? strstr(line, "error: ") : NULL;
  if (word && (size_t)(word - line) < len && (size_t)(word - line) + 7 > CUT_HEAD) {
    size_t head = utf8_start_at_or_before(line, CUT_PLACE), at = (size_t)(word - line);
    np_buf_append(out, line, head);
    np_buf_puts(out, CUT_MARK);
    size_t budget = NP_DIAG_LINE_MAX - head - (sizeof CUT_MARK - 1);
    append_cut(out, line + at, len - at, budget, budget * 2 / 3);
    return;
  }
  append_cut(out, line, len, NP_DIAG_LINE_MAX, CUT_HEAD);
}

char *np_diag_tidy(const char *message) {
  NpBuf escaped = {0}, out = {0};
  append_escaped(&escaped, message, strlen(message));
  const char *text = np_buf_str(&escaped);
  for (;;) {
    const char *end = strchr(text, '\n');
    append_line(&out, text, end ? (size_t)(end - text) : strlen(text));
    if (end == NULL) break;
    np_buf_puts(&out, "\n");
    text = end + 1;
  }
  np_buf_free(&escaped);
  return np_buf_take(&out);
}

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
  char *raw = np_xvasprintf(fmt, args);
  diag->messages[diag->count++] = np_diag_tidy(raw);
  free(raw);
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
