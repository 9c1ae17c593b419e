#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void np_buf_free(NpBuf *buf) {
  free(buf->data);
  buf->data = NULL;
  buf->len = buf->capacity = 0;
}

void np_buf_append(NpBuf *buf, const char *text, size_t len) {
  np_grow((void **)&buf->data, &buf->capacity, buf->len + len + 1, 1);
  memcpy(buf->data + buf->len, text, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
}

void np_buf_puts(NpBuf *buf, const char *text) { np_buf_append(buf, text, strlen(text)); }

void np_buf_printf(NpBuf *buf, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *text = np_xvasprintf(fmt, args);
  va_end(args);
  np_buf_puts(buf, text);
  free(text);
}

const char *np_buf_str(const NpBuf *buf) { return buf->data ? buf->data : ""; }

char *np_buf_take(NpBuf *buf) {
  char *text = buf->data ? buf->data : np_xstrdup("");
  buf->data = NULL;
  buf->len = buf->capacity = 0;
  return text;
}

void np_buf_put_names(NpBuf *buf, const char *const *names, size_t n, const char *last_sep) {
  for (size_t i = 0; i < n; i++) {
    if (i > 0) np_buf_puts(buf, i + 1 == n ? last_sep : ", ");
    np_buf_puts(buf, names[i]);
  }
}
