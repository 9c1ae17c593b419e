/* A growable text buffer, for building reports and messages before they are written. */
#ifndef NPUSIM_UTIL_BUF_H
#define NPUSIM_UTIL_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NpBuf {
  char *data; /* always NUL-terminated once anything was appended */
  size_t len;
  size_t capacity;
} NpBuf;

void np_buf_free(NpBuf *buf);
void np_buf_append(NpBuf *buf, const char *text, size_t len);
void np_buf_puts(NpBuf *buf, const char *text);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void np_buf_printf(NpBuf *buf, const char *fmt, ...);
/* The text so far ("" when empty); owned by buf. */
const char *np_buf_str(const NpBuf *buf);
/* The text so far, now owned by the caller (free it); buf is left empty. */
char *np_buf_take(NpBuf *buf);
/* Appends names[0..n) separated by ", ", the last after `last_sep` (", " or " or "):
 * messages that list what is allowed build the list from the table that decides it. */
void np_buf_put_names(NpBuf *buf, const char *const *names, size_t n, const char *last_sep);

#ifdef __cplusplus
}
#endif
#endif
