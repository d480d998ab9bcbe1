/* perp-structure-live.c: the structure engine's objects still in play
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-structure"

#include "config.h"

#include <string.h>

#include "perp-structure-live-private.h"

/* When @o's active life ended (mitigated, or merged into a later gap), or -1. */
static inline gint64
end_time (const PerpStructureObject *o)
{
  gint64 mitigated = o->event_time[PERP_STRUCTURE_EVENT_MITIGATED];
  gint64 merged = o->event_time[PERP_STRUCTURE_EVENT_MERGED];

  if (mitigated < 0)
    return merged;
  if (merged < 0)
    return mitigated;
  return MIN (mitigated, merged);
}

/* Which packed set @o belongs to, or -1. */
static inline int
set_of (const PerpStructureObject *o)
{
  int pool;

  if (o->kind == PERP_STRUCTURE_ORDER_BLOCK || o->kind == PERP_STRUCTURE_BREAKER
      || o->kind == PERP_STRUCTURE_FVG)
    return PERP_STRUCTURE_LIVE_ZONES;
  pool = perp_structure_object_pool_side (o);
  if (pool > 0)
    return PERP_STRUCTURE_LIVE_HIGH_POOLS;
  if (pool < 0)
    return PERP_STRUCTURE_LIVE_LOW_POOLS;
  return -1;
}

static inline void
ids_append (guint **ids,
            guint  *n,
            guint  *capacity,
            guint   id)
{
  if (*n == *capacity)
    {
      *capacity = MAX (2 * *capacity, 64);
      *ids = g_renew (guint, *ids, *capacity);
    }
  (*ids)[(*n)++] = id;
}

/* @o joins the live objects: they are taken in formed order, so the lists stay in it. */
static void
live_add (PerpStructureLive         *live,
          const PerpStructureObject *o)
{
  int set = set_of (o);

  ids_append (&live->live, &live->n_live, &live->live_capacity, o->id);
  if (set >= 0)
    {
      PerpStructureLiveObject *record;

      if (live->n_set[set] == live->set_capacity[set])
        {
          live->set_capacity[set] = MAX (2 * live->set_capacity[set], 64);
          live->sets[set] = g_renew (PerpStructureLiveObject, live->sets[set], live->set_capacity[set]);
        }
      record = &live->sets[set][live->n_set[set]++];
      record->top = o->top;
      record->bottom = o->bottom;
      record->id = o->id;
      record->kind = o->kind;
      record->depth = o->depth;
      record->direction = o->direction;
      record->source = o->source;
    }
}

/* Where @id is in the ascending @ids, or @n. */
static inline guint
ids_find (const guint *ids,
          guint        n,
          guint        id)
{
  guint lo = 0;
  guint hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (ids[mid] < id)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo < n && ids[lo] == id ? lo : n;
}

/* @o ended: if it was live until now, it leaves the lists, which keep their order, and
 * TRUE is returned.  About one object ends per candle, so a bisection and a move of
 * the tail cost less than a pass over the lists to compact them. */
static gboolean
live_remove (PerpStructureLive         *live,
             const PerpStructureObject *o)
{
  int set = set_of (o);
  guint k = ids_find (live->live, live->n_live, o->id);

  if (k == live->n_live)
    return FALSE;
  memmove (live->live + k, live->live + k + 1, (live->n_live - k - 1) * sizeof (guint));
  live->n_live--;

  if (set >= 0)
    {
      PerpStructureLiveObject *records = live->sets[set];
      guint lo = 0;
      guint hi = live->n_set[set];

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (records[mid].id < o->id)
            lo = mid + 1;
          else
            hi = mid;
        }
      g_return_val_if_fail (lo < live->n_set[set] && records[lo].id == o->id, TRUE);
      memmove (records + lo, records + lo + 1, (live->n_set[set] - lo - 1) * sizeof *records);
      live->n_set[set]--;
    }

  return TRUE;
}

void
_perp_structure_live_init (PerpStructureLive *live)
{
  memset (live, 0, sizeof *live);
}

void
_perp_structure_live_clear (PerpStructureLive *live)
{
  g_free (live->live);
  g_free (live->ended);
  for (guint set = 0; set < PERP_STRUCTURE_N_LIVE_SETS; set++)
    g_free (live->sets[set]);
  for (guint d = 0; d < 2; d++)
    for (guint s = 0; s < 2; s++)
      g_free (live->pivots[d][s]);
  _perp_structure_live_init (live);
}

/* Forgets every object, keeping the memory for the next run. */
void
_perp_structure_live_reset (PerpStructureLive *live)
{
  live->scanned = 0;
  live->n_candles = 0;
  live->n_live = 0;
  memset (live->n_set, 0, sizeof live->n_set);
  live->n_ended = 0;
  memset (live->n_pivots, 0, sizeof live->n_pivots);
}

/* A new pivot at @depth joins its side's list, retiring the earlier pivots it
 * undercuts or overtops (or equals): whenever one of those is beyond a price, so is
 * this later one. */
static void
add_pivot (PerpStructureLive         *live,
           const PerpStructureObject *objects,
           const PerpStructureObject *o)
{
  guint d = o->depth == PERP_STRUCTURE_DEPTH_SWING;
  guint s = o->kind == PERP_STRUCTURE_PIVOT_HIGH;
  guint *stack = live->pivots[d][s];
  guint n = live->n_pivots[d][s];

  if (s)
    while (n > 0 && objects[stack[n - 1]].top <= o->top)
      n--;
  else
    while (n > 0 && objects[stack[n - 1]].top >= o->top)
      n--;
  live->n_pivots[d][s] = n;
  ids_append (&live->pivots[d][s], &live->n_pivots[d][s], &live->pivots_capacity[d][s], o->id);
}

static int
compare_ended (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const PerpStructureObject *objects = user_data;
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;
  gint64 tx = end_time (&objects[x]);
  gint64 ty = end_time (&objects[y]);

  if (tx != ty)
    return tx < ty ? -1 : 1;
  return (x > y) - (x < y);
}

/* Catches up with the engine: objects that ended since the last update leave the live
 * lists for the ended one, new objects join one or the other.  An object's state only
 * changes when a candle reaches its armed step or, for a gap, when the next one joins
 * it: the engine lists those objects (@touched, since the last update, some more than
 * once), and only the ones among them looked at before need looking at again.  Events
 * are only ever set for candles pushed since the last update (a series pushed at once
 * may set some ahead of the candle at hand, but none beyond its end), so whatever ends
 * now ends after everything already in the ended list: sorting the newcomers keeps the
 * whole list in end order. */
void
_perp_structure_live_update (PerpStructureLive         *live,
                             const PerpStructureObject *objects,
                             guint                      n_objects,
                             guint                      n_candles,
                             const guint               *touched,
                             guint                      n_touched)
{
  guint first_new_ended = live->n_ended;

  g_return_if_fail (n_objects >= live->scanned && n_candles >= live->n_candles);

  /* A score asks several times per candle. */
  if (n_candles == live->n_candles)
    return;
  live->n_candles = n_candles;

  for (guint k = 0; k < n_touched; k++)
    {
      guint id = touched[k];

      /* (Objects new since the last update are looked at below.) */
      if (id < live->scanned && end_time (&objects[id]) >= 0 && live_remove (live, &objects[id]))
        ids_append (&live->ended, &live->n_ended, &live->ended_capacity, id);
    }

  for (guint id = live->scanned; id < n_objects; id++)
    {
      const PerpStructureObject *o = &objects[id];

      if ((o->kind == PERP_STRUCTURE_PIVOT_HIGH || o->kind == PERP_STRUCTURE_PIVOT_LOW)
          && (o->depth == PERP_STRUCTURE_DEPTH_INTERNAL || o->depth == PERP_STRUCTURE_DEPTH_SWING))
        add_pivot (live, objects, o);
      if (o->kind == PERP_STRUCTURE_BOS || o->kind == PERP_STRUCTURE_CHOCH)
        continue;
      if (end_time (o) < 0)
        live_add (live, o);
      else
        ids_append (&live->ended, &live->n_ended, &live->ended_capacity, id);
    }
  live->scanned = n_objects;

  if (live->n_ended - first_new_ended > 1)
    g_qsort_with_data (live->ended + first_new_ended, (gint) (live->n_ended - first_new_ended),
                       sizeof (guint), compare_ended, (gpointer) objects);
}

/* The ended objects whose life ended at or after @since: a suffix of the ended list. */
const guint *
_perp_structure_live_ended (const PerpStructureLive   *live,
                            const PerpStructureObject *objects,
                            gint64                     since,
                            guint                     *n_ids)
{
  guint lo = 0;
  guint hi = live->n_ended;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (end_time (&objects[live->ended[mid]]) < since)
        lo = mid + 1;
      else
        hi = mid;
    }

  *n_ids = live->n_ended - lo;
  return live->ended + lo;
}

/* The latest pivot at @depth on @direction's side of @beyond: a low under it (+1) or a
 * high over it (-1).  The kept pivots of a side are in formed order with their prices
 * moving away from the lows' floor (rising for lows, falling for highs), so those
 * beyond the price are a bottom run of the list: its last one is the answer. */
guint
_perp_structure_live_pivot (const PerpStructureLive   *live,
                            const PerpStructureObject *objects,
                            PerpStructureDepth         depth,
                            int                        direction,
                            double                     beyond)
{
  guint d = depth == PERP_STRUCTURE_DEPTH_SWING;
  guint s = direction < 0;
  const guint *stack = live->pivots[d][s];
  guint lo = 0;
  guint hi = live->n_pivots[d][s];

  g_return_val_if_fail (depth == PERP_STRUCTURE_DEPTH_INTERNAL || depth == PERP_STRUCTURE_DEPTH_SWING,
                        PERP_STRUCTURE_NO_OBJECT);

  /* lo = how many are beyond @beyond */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      double top = objects[stack[mid]].top;

      if (direction > 0 ? top < beyond : top > beyond)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo > 0 ? stack[lo - 1] : PERP_STRUCTURE_NO_OBJECT;
}
