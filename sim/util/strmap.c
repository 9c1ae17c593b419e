#include "util/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static uint64_t hash_string(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void np_strmap_init(NpStrMap *map) { memset(map, 0, sizeof *map); }

void np_strmap_free(NpStrMap *map) {
  for (size_t i = 0; i < map->capacity; i++) free(map->keys[i]);
  free(map->keys);
  free(map->values);
  np_strmap_init(map);
}

static size_t find_slot(const NpStrMap *map, const char *key) {
  size_t mask = map->capacity - 1;
  size_t i = (size_t)hash_string(key) & mask;
  while (map->keys[i] && strcmp(map->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

bool np_strmap_get(const NpStrMap *map, const char *key, int *value) {
  if (map->capacity == 0) return false;
  size_t i = find_slot(map, key);
  if (!map->keys[i]) return false;
  if (value) *value = map->values[i];
  return true;
}

static void rehash(NpStrMap *map, size_t capacity) {
  NpStrMap bigger = {np_xcalloc(capacity, sizeof(char *)), np_xcalloc(capacity, sizeof(int)), capacity, map->count};
  for (size_t i = 0; i < map->capacity; i++) {
    if (!map->keys[i]) continue;
    size_t j = find_slot(&bigger, map->keys[i]);
    bigger.keys[j] = map->keys[i];
    bigger.values[j] = map->values[i];
  }
  free(map->keys);
  free(map->values);
  *map = bigger;
}

void np_strmap_put(NpStrMap *map, const char *key, int value) {
  if ((map->count + 1) * 4 > map->capacity * 3) rehash(map, map->capacity ? map->capacity * 2 : 16);
  size_t i = find_slot(map, key);
  if (!map->keys[i]) {
    map->keys[i] = np_xstrdup(key);
    map->count++;
  }
  map->values[i] = value;
}
