#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size) {
  fprintf(stderr, "npusim: out of memory (allocating %zu bytes)\n", size);
  abort();
}

void *np_xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) out_of_memory(size);
  return p;
}

void *np_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory(count * size);
  return p;
}

void *np_xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (!p) out_of_memory(size);
  return p;
}

char *np_xstrdup(const char *s) { return np_xstrndup(s, strlen(s)); }

char *np_xstrndup(const char *s, size_t n) {
  char *p = np_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *np_printable_copy(const char *s) {
  char *p = np_xstrdup(s);
  for (char *c = p; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
  return p;
}

char *np_xvasprintf(const char *fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) return np_xstrdup("(unformattable message)");
  char *p = np_xmalloc((size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, args);
  return p;
}

char *np_xasprintf(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *p = np_xvasprintf(fmt, args);
  va_end(args);
  return p;
}

void np_grow(void **items, size_t *capacity, size_t needed, size_t item_size) {
  if (needed <= *capacity) return;
  size_t cap = *capacity ? *capacity : 8;
  while (cap < needed) {
    if (cap > SIZE_MAX / 2 / item_size) out_of_memory(SIZE_MAX);
    cap *= 2;
  }
  *items = np_xrealloc(*items, cap * item_size);
  *capacity = cap;
}
