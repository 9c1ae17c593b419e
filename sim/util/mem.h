/* Memory and arithmetic helpers shared by every stage.
 *
 * The np_x* allocators never return NULL: running out of memory prints one line to stderr
 * and aborts, as in most C tools. Inputs cannot drive that: every stage bounds sizes from
 * files before it allocates (see docs/robustness.md). The checked arithmetic returns false
 * on overflow so that hostile dimensions become errors, not wrapped numbers.
 */
#ifndef NPUSIM_UTIL_MEM_H
#define NPUSIM_UTIL_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void *np_xmalloc(size_t size);
void *np_xcalloc(size_t count, size_t size);
void *np_xrealloc(void *ptr, size_t size);
char *np_xstrdup(const char *s);
char *np_xstrndup(const char *s, size_t n);
/* A copy with control characters (bytes below 0x20, and 0x7f) shown as '?', for names from
 * input files that end up in one-line messages. */
char *np_printable_copy(const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
char *np_xasprintf(const char *fmt, ...);
char *np_xvasprintf(const char *fmt, va_list args);

/* Grows *items (of item_size bytes each) so that it holds at least `needed` items,
 * doubling the capacity. Use: np_grow((void **)&v, &cap, n + 1, sizeof *v). */
void np_grow(void **items, size_t *capacity, size_t needed, size_t item_size);

/* Checked int64 arithmetic: false on overflow (and *out is left unspecified). */
static inline bool np_mul_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline bool np_add_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }

static inline int64_t np_ceil_div_i64(int64_t a, int64_t b) { return (a + b - 1) / b; }

#ifdef __cplusplus
}
#endif
#endif
