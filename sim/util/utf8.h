/* UTF-8 validation for text inputs. Libraries downstream (libfyaml 0.7.12 among them) are
 * not robust to malformed UTF-8: a YAML directive holding an invalid byte makes its scanner
 * loop forever. Text is checked here before any parser sees it. */
#ifndef NPUSIM_UTIL_UTF8_H
#define NPUSIM_UTIL_UTF8_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Offset of the first byte that does not belong to a well-formed UTF-8 sequence
 * (overlongs, surrogates and code points above U+10FFFF are malformed), or len when the
 * whole text is valid. */
size_t np_utf8_invalid_at(const char *text, size_t len);
/* Length of the well-formed sequence at the start of text (n bytes available, n >= 1), or 0
 * when its first byte starts none. */
size_t np_utf8_sequence_length(const char *text, size_t n);

#ifdef __cplusplus
}
#endif
#endif
