#include "util/closest.h"

#include <ctype.h>
#include <string.h>

/* Levenshtein distance, with rows sized for short words (keys and unit names). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return (size_t)-1;
  size_t prev[64], cur[64];
  for (size_t j = 0; j <= lb; j++) prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
      size_t best = prev[j - 1] + cost;
      if (prev[j] + 1 < best) best = prev[j] + 1;
      if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
      cur[j] = best;
    }
    memcpy(prev, cur, (lb + 1) * sizeof *prev);
  }
  return prev[lb];
}

const char *np_closest_name(const char *word, const char *const *candidates, size_t n) {
  const char *best = NULL;
  size_t best_distance = (size_t)-1;
  size_t word_len = strlen(word);
  for (size_t k = 0; k < n; k++) {
    size_t d = edit_distance(word, candidates[k]);
    /* A candidate that starts with the word ("bank_width" -> "bank_width_bytes") counts as
     * close: keys name their unit and people leave it off. */
    if (word_len >= 3 && strncmp(candidates[k], word, word_len) == 0) d = 1;
    if (d < best_distance) {
      best_distance = d;
      best = candidates[k];
    }
  }
  size_t allowed = word_len <= 4 ? 1 : word_len <= 8 ? 2 : 3;
  return best_distance <= allowed ? best : NULL;
}
