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
 * Here keys fall into buckets of equal width in the bits of the double (2^8 buckets
 * per power of two, about 0.27 % of the price each: about one 5-minute candle's range,
 * so a drain usually visits one or two buckets; on the recorded data 2^10 cost 0.5-5 %
 * more instructions, 2^6 2 % more).  A window of PERP_TRIGGER_BUCKETS
 * consecutive buckets around the reach holds its entries unsorted, with a bitmap of the
 * buckets in use; every other key waits in a heap.  A drain empties the buckets below
 * the reach's bucket whole and looks at each entry of the reach's own bucket (unless
 * its smallest key is beyond the reach), so its cost follows the entries taken and the
 * distance the price moved, not the number waiting.  When the reach strays from the middle half of the window, the window moves
 * to centre on it: the buckets it leaves go to the heap, and heap entries it now covers
 * come out of it.  A full bucket (many keys at one price) sends further keys to the
 * heap, which bounds the scans.
 *
 * The order in which a drain yields entries is not the keys' order.
 */

#define PERP_TRIGGER_BUCKET_SHIFT 44 /* 52 mantissa bits - 8: 2^8 buckets per octave */
#define PERP_TRIGGER_BUCKETS      512
#define PERP_TRIGGER_WORDS        (PERP_TRIGGER_BUCKETS / 64)
#define PERP_TRIGGER_BUCKET_MAX   64 /* entries: beyond, a bucket's scans would cost more than the heap */
#define PERP_TRIGGER_UNPLACED     (-(G_GINT64_CONSTANT (1) << 40)) /* buckets are below 2^22 */

typedef struct
{
  PerpHeapEntry *items;
  guint          len;
  guint          capacity;
  double         min;      /* the smallest key in it, +inf when empty */
} PerpTriggerBucket;

typedef struct
{
  double            middle_low; /* the window stays while the reach is in its middle */
  double            middle_high;
  double            below;      /* a reach below this and above middle_low does nothing:
                                 * the smallest key waiting or middle_high, NAN unplaced */
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
  for (guint b = 0; b < PERP_TRIGGER_BUCKETS; b++)
    queue->buckets[b].min = INFINITY;
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
    {
      queue->buckets[b].len = 0;
      queue->buckets[b].min = INFINITY;
    }
  memset (queue->used, 0, sizeof queue->used);
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

static inline PerpTriggerBucket *
perp_trigger_bucket_at (PerpTriggerQueue *queue,
                        gint64            bucket)
{
  return &queue->buckets[(guint) bucket & (PERP_TRIGGER_BUCKETS - 1)];
}

/* A price that many keys share (a quiet market, a coarse tick) fills its bucket: the
 * rest of them wait in the heap, so scanning a bucket stays cheap. */
static inline gboolean
perp_trigger_bucket_has_room (const PerpTriggerBucket *b)
{
  return b->len < PERP_TRIGGER_BUCKET_MAX;
}

static inline void
perp_trigger_bucket_add (PerpTriggerQueue  *queue,
                         PerpTriggerBucket *b,
                         gint64             bucket,
                         double             key,
                         guint              payload)
{
  guint len = b->len;
  guint slot = (guint) bucket & (PERP_TRIGGER_BUCKETS - 1);

  if (G_UNLIKELY (len == b->capacity))
    {
      b->capacity = MAX (2 * b->capacity, 8);
      b->items = g_renew (PerpHeapEntry, b->items, b->capacity);
    }
  b->items[len].key = key;
  b->items[len].payload = payload;
  b->len = len + 1;
  /* Without branches: whether the bucket was empty is as good as random.  (An empty
   * bucket's min is +inf, and the lowest bucket in use can only move down to it.) */
  b->min = MIN (key, b->min);
  queue->used[slot >> 6] |= G_GUINT64_CONSTANT (1) << (slot & 63);
  queue->lowest = MIN (queue->lowest, bucket);
}

static inline void
perp_trigger_queue_push (PerpTriggerQueue *queue,
                         double            key,
                         guint             payload)
{
  gint64 bucket = perp_trigger_bucket_of (key);

  queue->below = MIN (queue->below, key);
  if (perp_trigger_in_window (queue, bucket))
    {
      PerpTriggerBucket *b = perp_trigger_bucket_at (queue, bucket);

      if (G_LIKELY (perp_trigger_bucket_has_room (b)))
        {
          perp_trigger_bucket_add (queue, b, bucket, key, payload);
          return;
        }
    }
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
      guint64 word = queue->used[slot >> 6] >> (slot & 63);

      if (word != 0)
        {
          gint64 found = from + __builtin_ctzll (word);

          return found < end ? found : G_MAXINT64;
        }
      from += 64 - (slot & 63);
    }

  return G_MAXINT64;
}

/* Centres the window on bucket @centre: the buckets it leaves go to the heap, and the
 * heap's entries it now covers come into the buckets. */
G_NO_INLINE static void
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
      bucket->min = INFINITY;
      queue->used[slot >> 6] &= ~(G_GUINT64_CONSTANT (1) << (slot & 63));
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
      PerpTriggerBucket *b = perp_trigger_bucket_at (queue, bucket);
      guint payload;

      if (!perp_trigger_in_window (queue, bucket) || !perp_trigger_bucket_has_room (b))
        break;
      perp_heap_pop_below (&queue->far, INFINITY, TRUE, &payload);
      perp_trigger_bucket_add (queue, b, bucket, root.key, root.payload);
    }
}

/* The heap's part of a drain, out of line: keys far from the price rarely fire. */
G_NO_INLINE static guint
perp_trigger_queue_drain_far (PerpTriggerQueue *queue,
                              double            reach,
                              guint            *out)
{
  guint n = 0;
  guint payload;

  while (perp_heap_pop_below (&queue->far, reach, TRUE, &payload))
    out[n++] = payload;

  return n;
}

/* Out of line: most drains end at the idle check, and the callers unroll theirs. */
G_NO_INLINE static guint
perp_trigger_queue_drain_slow (PerpTriggerQueue *queue,
                               double            reach,
                               guint            *out)
{
  gint64 top = perp_trigger_bucket_of (reach);
  guint n = 0;

  if (top - queue->base < PERP_TRIGGER_BUCKETS / 4
      || top - queue->base >= 3 * PERP_TRIGGER_BUCKETS / 4)
    perp_trigger_queue_place (queue, top);

  if (queue->far.len > 0 && queue->far.items[0].key <= reach)
    n = perp_trigger_queue_drain_far (queue, reach, out);

  /* Every bucket below the reach's is taken whole; the reach's own bucket entry by
   * entry.  The window is centred on the reach, so the reach's bucket is in it. */
  if (top >= queue->lowest)
    {
      gint64 b;

      for (b = queue->lowest; b <= top; b = perp_trigger_next_used (queue, b + 1))
        {
          guint slot = (guint) b & (PERP_TRIGGER_BUCKETS - 1);
          PerpTriggerBucket *bucket = &queue->buckets[slot];
          PerpHeapEntry *items = bucket->items;
          guint len = bucket->len;
          guint kept = 0;

          if (b < top)
            {
              for (guint e = 0; e < len; e++)
                out[n++] = items[e].payload;
              bucket->min = INFINITY;
            }
          else if (reach < bucket->min)
            break; /* nothing in it is reached: it stays as it is, the lowest in use */
          else
            {
              /* Added to a key taken (+inf or NaN after it, neither lowers a minimum),
               * so that the smallest key kept comes out of the same pass: a second
               * loop over the kept entries mispredicted its end. */
              static const double hide[2] = { 0.0, INFINITY };
              double min = INFINITY;

              /* Without branches: which entries the reach takes is as good as
               * random.  Each entry is written to both sides and counted on one
               * (@out has room for every entry waiting). */
              for (guint e = 0; e < len; e++)
                {
                  PerpHeapEntry entry = items[e];
                  gboolean taken = entry.key <= reach;

                  out[n] = entry.payload;
                  items[kept] = entry;
                  n += taken;
                  kept += !taken;
                  min = MIN (entry.key + hide[taken], min);
                }
              bucket->min = min;
            }
          bucket->len = kept;
          if (kept == 0)
            queue->used[slot >> 6] &= ~(G_GUINT64_CONSTANT (1) << (slot & 63));
          else
            break;
        }
      /* Either the reach's bucket kept entries, or b is the first bucket in use above it
       * (G_MAXINT64 when none). */
      queue->lowest = b;
    }

  /* The smallest key left is the heap's root or the lowest bucket's smallest. */
  queue->below = queue->middle_high;
  if (queue->far.len > 0)
    queue->below = MIN (queue->below, queue->far.items[0].key);
  if (queue->lowest != G_MAXINT64)
    queue->below = MIN (queue->below, perp_trigger_bucket_at (queue, queue->lowest)->min);

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
 * for every entry waiting), and returns how many. */
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
