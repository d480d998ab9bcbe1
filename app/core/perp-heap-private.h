/* perp-heap-private.h: the 4-ary min-heap the structure detectors share
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A min-heap of (key, payload).  Every user keys it so that "pop while the key is
 * below a threshold" yields exactly the entries a candle reaches: the compat mode's
 * first-reach search and order blocks, and the causal engine's price triggers far
 * from the price (perp-trigger-queue-private.h). */
typedef struct
{
  double key;
  guint  payload;
} PerpHeapEntry;

/* Sized once for the expected use; grows when that was too little. */
typedef struct
{
  PerpHeapEntry *items;
  guint          len;
  guint          capacity;
} PerpHeap;

static inline void
perp_heap_init (PerpHeap *heap,
                guint     capacity)
{
  heap->capacity = MAX (capacity, 1);
  heap->items = g_new (PerpHeapEntry, heap->capacity);
  heap->len = 0;
}

static inline void
perp_heap_clear (PerpHeap *heap)
{
  g_clear_pointer (&heap->items, g_free);
  heap->len = heap->capacity = 0;
}

/* Four children per node: half the levels of a binary heap, and the children of a
 * node share a cache line or two. */
#define PERP_HEAP_ARITY 4

static inline void
perp_heap_push (PerpHeap *heap,
                double    key,
                guint     payload)
{
  PerpHeapEntry *items;
  guint i;

  if (heap->len == heap->capacity)
    {
      heap->capacity = MAX (2 * heap->capacity, 16);
      heap->items = g_renew (PerpHeapEntry, heap->items, heap->capacity);
    }
  items = heap->items;

  for (i = heap->len++; i > 0 && items[(i - 1) / PERP_HEAP_ARITY].key > key; i = (i - 1) / PERP_HEAP_ARITY)
    items[i] = items[(i - 1) / PERP_HEAP_ARITY];
  items[i].key = key;
  items[i].payload = payload;
}

/* Pops the root if its key is below @threshold (or equal to it, when @inclusive). */
static inline gboolean
perp_heap_pop_below (PerpHeap *heap,
                     double    threshold,
                     gboolean  inclusive,
                     guint    *payload)
{
  PerpHeapEntry *items = heap->items;
  PerpHeapEntry moved;
  guint len = heap->len;
  guint i = 0;

  if (len == 0 || !(items[0].key < threshold || (inclusive && items[0].key == threshold)))
    return FALSE;

  *payload = items[0].payload;
  moved = items[--len];
  for (;;)
    {
      guint first = PERP_HEAP_ARITY * i + 1;
      guint last = MIN (first + PERP_HEAP_ARITY, len);
      guint child = first;

      if (first >= len)
        break;
      for (guint c = first + 1; c < last; c++)
        if (items[c].key < items[child].key)
          child = c;
      if (!(items[child].key < moved.key))
        break;
      items[i] = items[child];
      i = child;
    }
  if (len > 0)
    items[i] = moved;
  heap->len = len;

  return TRUE;
}

G_END_DECLS
