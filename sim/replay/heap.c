/* The binary min-heap behind every queue of the replay. */
#include "replay/replay_internal.h"

#include <stdlib.h>

#include "util/mem.h"

static bool before(const RHeapItem *a, const RHeapItem *b) {
  return a->key < b->key || (a->key == b->key && a->val < b->val);
}

void rheap_push(RHeap *heap, int64_t key, int64_t val) {
  np_grow((void **)&heap->items, &heap->capacity, heap->n + 1, sizeof *heap->items);
  RHeapItem item = {key, val};
  size_t i = heap->n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(&item, &heap->items[parent])) break;
    heap->items[i] = heap->items[parent];
    i = parent;
  }
  heap->items[i] = item;
}

RHeapItem rheap_pop(RHeap *heap) {
  RHeapItem top = heap->items[0];
  RHeapItem last = heap->items[--heap->n];
  size_t i = 0, n = heap->n;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(&heap->items[child + 1], &heap->items[child])) child++;
    if (!before(&heap->items[child], &last)) break;
    heap->items[i] = heap->items[child];
    i = child;
  }
  if (n > 0) heap->items[i] = last;
  return top;
}

void rheap_free(RHeap *heap) {
  free(heap->items);
  heap->items = NULL;
  heap->n = heap->capacity = 0;
}
