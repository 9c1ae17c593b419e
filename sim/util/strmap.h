/* A string -> int map (open addressing, FNV-1a), for name lookups in linear time.
 * Keys are copied. Iteration order is never used for output, so results stay deterministic. */
#ifndef NPUSIM_UTIL_STRMAP_H
#define NPUSIM_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NpStrMap {
  char **keys;
  int *values;
  size_t capacity; /* a power of two, or 0 */
  size_t count;
} NpStrMap;

void np_strmap_init(NpStrMap *map);
void np_strmap_free(NpStrMap *map);
/* True and *value set when key is present. */
bool np_strmap_get(const NpStrMap *map, const char *key, int *value);
/* Inserts or overwrites. */
void np_strmap_put(NpStrMap *map, const char *key, int value);

#ifdef __cplusplus
}
#endif
#endif
