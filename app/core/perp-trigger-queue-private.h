/* perp-trigger-queue-private.h: price-bucketed queues of the structure engine's triggers
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <math.h>
#include <string.h>

#include <glib.h>

#include "perp-heap-private.h"

G_BEGIN_DECLS

/*
 * A queue of (key, payload) drained with "take every entry whose key is at most
 * @reach", as a min-heap would be, but most triggers are armed close to the price and
 * fire within a few candles, so a heap pays its log factor on entries that barely wait.
 *
 * Here keys fall into buckets of equal width in the bits of the double (2^10 buckets
 * per power of two, about 0.1 % of the price each).  A window of PERP_TRIGGER_BUCKETS
 * consecutive buckets around the reach holds its entries unsorted, with a bitmap of the
 * buckets in use; every other key waits in a heap.  A drain empties the buckets below
 * the reach's bucket whole and looks at each entry of the reach's own bucket, so its
 * cost follows the entries taken and the distance the price moved, not the number
 * waiting.  When the reach strays from the middle half of the window, the window moves
 * to centre on it: the buckets it leaves go to the heap, and heap entries it now covers
 * come out of it.  A full bucket (many keys at one price) sends further keys to the
 * heap, which bounds the scans.
 *
 * The order in which a drain yields entries is not the keys' order.
 */

#define PERP_TRIGGER_BUCKET_SHIFT 42 /* 52 mantissa bits - 10: 2^10 buckets per octave */
#define PERP_TRIGGER_BUCKETS      512
#define PERP_TRIGGER_WORDS        (PERP_TRIGGER_BUCKETS / 64)
#define PERP_TRIGGER_BUCKET_MAX   64 /* entries: beyond, a bucket's scans would cost more than the heap */
#define PERP_TRIGGER_UNPLACED     (-(G_GINT64_CONSTANT (1) << 40)) /* buckets are below 2^22 */

typedef struct
{
  PerpHeapEntry *items;
  guint          len;
  guint          capacity;
} PerpTriggerBucket;

typedef struct
{
  double            middle_low; /* the window stays while the reach is in its middle */
  double            middle_high;
  double            below;      /* a reach below this and above middle_low does nothing:
                                 * the smallest key waiting or middle_high, NAN unplaced */
  guint             size;       /* entries waiting, in the buckets and the heap */
  gint64            base;       /* first bucket of the window (UNPLACED before) */
  gint64            lowest;     /* lowest bucket in use in the window, G_MAXINT64 if none */
  guint64           used[PERP_TRIGGER_WORDS];
  PerpTriggerBucket buckets[PERP_TRIGGER_BUCKETS]; /* bucket b in buckets[b % BUCKETS] */
  PerpHeap          far;
} PerpTriggerQueue;

/* The bucket of @key: the double's bits mapped to an unsigned integer in the doubles'
 * order (negative numbers have their bits flipped, positive ones the sign set), so the
 * buckets are in key order.  -0 is folded into +0 first: they are equal keys. */
static inline gint64
perp_trigger_bucket_of (double key)
{
  guint64 bits;

  key += 0.0;
  memcpy (&bits, &key, sizeof bits);
  bits ^= (guint64) ((gint64) bits >> 63) | (G_GUINT64_CONSTANT (1) << 63);

  return (gint64) (bits >> PERP_TRIGGER_BUCKET_SHIFT);
}

/* The smallest double in @bucket (the inverse of the map above), -INFINITY for the
 * bucket of -INFINITY whose first bits are no number. */
static inline double
perp_trigger_bucket_floor (gint64 bucket)
{
  guint64 bits = (guint64) bucket << PERP_TRIGGER_BUCKET_SHIFT;
  double value;

  bits ^= (bits >> 63) != 0 ? G_GUINT64_CONSTANT (1) << 63 : ~G_GUINT64_CONSTANT (0);
  memcpy (&value, &bits, sizeof value);

  return isnan (value) ? -INFINITY : value;
}

static inline void
perp_trigger_queue_init (PerpTriggerQueue *queue)
{
  memset (queue, 0, sizeof *queue);
  queue->base = PERP_TRIGGER_UNPLACED;
  queue->lowest = G_MAXINT64;
  queue->middle_low = queue->middle_high = queue->below = NAN;
  perp_heap_init (&queue->far, 256);
}

/* Empties the queue, keeping its memory. */
static inline void
perp_trigger_queue_reset (PerpTriggerQueue *queue)
{
  for (guint b = 0; b < PERP_TRIGGER_BUCKETS; b++)
    queue->buckets[b].len = 0;
  memset (queue->used, 0, sizeof queue->used);
  queue->size = 0;
  queue->middle_low = queue->middle_high = queue->below = NAN;
  queue->base = PERP_TRIGGER_UNPLACED;
  queue->lowest = G_MAXINT64;
  queue->far.len = 0;
}

static inline void
perp_trigger_queue_clear (PerpTriggerQueue *queue)
{
  for (guint b = 0; b < PERP_TRIGGER_BUCKETS; b++)
    g_clear_pointer (&queue->buckets[b].items, g_free);
  perp_heap_clear (&queue->far);
}

static inline gboolean
perp_trigger_in_window (const PerpTriggerQueue *queue,
                        gint64                  bucket)
{
  /* Before the window is placed its base is far below every bucket. */
  return (guint64) (bucket - queue->base) < PERP_TRIGGER_BUCKETS;
}

/* A price that many keys share (a quiet market, a coarse tick) fills its bucket: the
 * rest of them wait in the heap, so scanning a bucket stays cheap. */
static inline gboolean
perp_trigger_bucket_has_room (const PerpTriggerQueue *queue,
                              gint64                  bucket)
{
  return queue->buckets[(guint) bucket & (PERP_TRIGGER_BUCKETS - 1)].len < PERP_TRIGGER_BUCKET_MAX;
}

static inline void
perp_trigger_bucket_add (PerpTriggerQueue *queue,
                         gint64            bucket,
                         double            key,
                         guint             payload)
{
  guint slot = (guint) bucket & (PERP_TRIGGER_BUCKETS - 1);
  PerpTriggerBucket *b = &queue->buckets[slot];

  if (b->len == b->capacity)
    {
      b->capacity = MAX (2 * b->capacity, 8);
      b->items = g_renew (PerpHeapEntry, b->items, b->capacity);
    }
  b->items[b->len].key = key;
  b->items[b->len].payload = payload;
  b->len++;
  queue->used[slot / 64] |= G_GUINT64_CONSTANT (1) << (slot % 64);
  queue->lowest = MIN (queue->lowest, bucket);
}

static inline void
perp_trigger_queue_push (PerpTriggerQueue *queue,
                         double            key,
                         guint             payload)
{
  gint64 bucket = perp_trigger_bucket_of (key);

  queue->size++;
  queue->below = MIN (queue->below, key);
  if (perp_trigger_in_window (queue, bucket) && perp_trigger_bucket_has_room (queue, bucket))
    perp_trigger_bucket_add (queue, bucket, key, payload);
  else
    perp_heap_push (&queue->far, key, payload);
}

/* The first bucket in use from @from (in the window) to the window's end, or
 * G_MAXINT64. */
static inline gint64
perp_trigger_next_used (const PerpTriggerQueue *queue,
                        gint64                  from)
{
  gint64 end = queue->base + PERP_TRIGGER_BUCKETS;

  while (from < end)
    {
      guint slot = (guint) from & (PERP_TRIGGER_BUCKETS - 1);
      guint64 word = queue->used[slot / 64] >> (slot % 64);

      if (word != 0)
        {
          gint64 found = from + __builtin_ctzll (word);

          return found < end ? found : G_MAXINT64;
        }
      from += 64 - slot % 64;
    }

  return G_MAXINT64;
}

/* Centres the window on bucket @centre: the buckets it leaves go to the heap, and the
 * heap's entries it now covers come into the buckets. */
static inline void
perp_trigger_queue_place (PerpTriggerQueue *queue,
                          gint64            centre)
{
  gint64 base = centre - PERP_TRIGGER_BUCKETS / 2;

  /* (Before the first placement no bucket is in use.) */
  for (gint64 b = perp_trigger_next_used (queue, queue->base); b != G_MAXINT64;
       b = perp_trigger_next_used (queue, b + 1))
    {
      guint slot = (guint) b & (PERP_TRIGGER_BUCKETS - 1);
      PerpTriggerBucket *bucket = &queue->buckets[slot];

      if (b >= base && b - base < PERP_TRIGGER_BUCKETS)
        continue;
      for (guint e = 0; e < bucket->len; e++)
        perp_heap_push (&queue->far, bucket->items[e].key, bucket->items[e].payload);
      bucket->len = 0;
      queue->used[slot / 64] &= ~(G_GUINT64_CONSTANT (1) << (slot % 64));
    }

  queue->base = base;
  queue->lowest = perp_trigger_next_used (queue, base);
  queue->middle_low = perp_trigger_bucket_floor (base + PERP_TRIGGER_BUCKETS / 4);
  queue->middle_high = perp_trigger_bucket_floor (base + 3 * PERP_TRIGGER_BUCKETS / 4);

  /* The heap's smallest keys are the ones the window may now cover; a key below the
   * window stops the transfer (it stays in the heap, where it is found all the same). */
  while (queue->far.len > 0)
    {
      PerpHeapEntry root = queue->far.items[0];
      gint64 bucket = perp_trigger_bucket_of (root.key);
      guint payload;

      if (!perp_trigger_in_window (queue, bucket) || !perp_trigger_bucket_has_room (queue, bucket))
        break;
      perp_heap_pop_below (&queue->far, INFINITY, TRUE, &payload);
      perp_trigger_bucket_add (queue, bucket, root.key, root.payload);
    }
}

static inline guint
perp_trigger_queue_drain_slow (PerpTriggerQueue *queue,
                               double            reach,
                               guint            *out)
{
  gint64 top = perp_trigger_bucket_of (reach);
  guint n = 0;
  guint payload;

  if (top - queue->base < PERP_TRIGGER_BUCKETS / 4
      || top - queue->base >= 3 * PERP_TRIGGER_BUCKETS / 4)
    perp_trigger_queue_place (queue, top);

  while (perp_heap_pop_below (&queue->far, reach, TRUE, &payload))
    out[n++] = payload;

  /* Every bucket below the reach's is taken whole; the reach's own bucket entry by
   * entry.  The window is centred on the reach, so the reach's bucket is in it. */
  if (top >= queue->lowest)
    {
      gint64 b;

      for (b = queue->lowest; b <= top; b = perp_trigger_next_used (queue, b + 1))
        {
          guint slot = (guint) b & (PERP_TRIGGER_BUCKETS - 1);
          PerpTriggerBucket *bucket = &queue->buckets[slot];
          guint kept = 0;

          if (b < top)
            for (guint e = 0; e < bucket->len; e++)
              out[n++] = bucket->items[e].payload;
          else
            for (guint e = 0; e < bucket->len; e++)
              {
                if (bucket->items[e].key <= reach)
                  out[n++] = bucket->items[e].payload;
                else
                  bucket->items[kept++] = bucket->items[e];
              }
          bucket->len = kept;
          if (kept == 0)
            queue->used[slot / 64] &= ~(G_GUINT64_CONSTANT (1) << (slot % 64));
          else
            break;
        }
      /* Either the reach's bucket kept entries, or b is the first bucket in use above it
       * (G_MAXINT64 when none). */
      queue->lowest = b;
    }
  queue->size -= n;

  /* The smallest key left is the heap's root or one in the lowest bucket. */
  queue->below = queue->middle_high;
  if (queue->far.len > 0)
    queue->below = MIN (queue->below, queue->far.items[0].key);
  if (queue->lowest != G_MAXINT64)
    {
      const PerpTriggerBucket *bucket = &queue->buckets[(guint) queue->lowest & (PERP_TRIGGER_BUCKETS - 1)];

      for (guint e = 0; e < bucket->len; e++)
        queue->below = MIN (queue->below, bucket->items[e].key);
    }

  return n;
}

/* Whether a drain to @reach would take nothing and leave the window where it is: what
 * most candles find, in three comparisons. */
static inline gboolean
perp_trigger_queue_idle (const PerpTriggerQueue *queue,
                         double                  reach)
{
  return reach < queue->below && reach >= queue->middle_low;
}

/* Moves the payload of every entry whose key is at most @reach to @out (which has room
 * for queue->size of them), and returns how many. */
static inline guint
perp_trigger_queue_drain (PerpTriggerQueue *queue,
                          double            reach,
                          guint            *out)
{
  if (G_LIKELY (perp_trigger_queue_idle (queue, reach)))
    return 0;

  return perp_trigger_queue_drain_slow (queue, reach, out);
}

G_END_DECLS
