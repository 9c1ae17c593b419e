/* "Did you mean": the known name nearest to a mistyped one, for messages that list names. */
#ifndef NPUSIM_UTIL_CLOSEST_H
#define NPUSIM_UTIL_CLOSEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The closest of n candidates to word (case-insensitive edit distance, ties to the earlier
 * one; a candidate that starts with a word of 3 or more characters counts as one edit away),
 * or NULL when none is close enough to be a plausible typo. */
const char *np_closest_name(const char *word, const char *const *candidates, size_t n);

#ifdef __cplusplus
}
#endif

#endif
