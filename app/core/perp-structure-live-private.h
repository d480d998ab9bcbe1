/* perp-structure-live-private.h: the structure engine's objects still in play
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-structure.h"

G_BEGIN_DECLS

/* The scorer and the trade plan ask, on every close, which objects are still in play:
 * the zones and levels not yet mitigated, the pools swept a few candles ago, the latest
 * pivot beyond a price.  The engine's object list only grows (about 0.6 objects per
 * candle), so answering from it costs more with every candle of history; this index
 * answers from what is still alive.  It reads the object list, which is in formed
 * order and only gains events for the candles pushed, and catches up lazily when
 * asked: every object is looked at when it appears, and again only when the engine
 * says its state changed (at the end of a year of BTC 5m some 1,600 objects are live,
 * spread over 8.5 MB of objects: reading each of them again on every candle to learn
 * whether it ended cost a cache miss apiece). */
typedef struct
{
  guint  scanned;          /* objects looked at so far */
  guint  n_candles;        /* the engine's candles then: events come only with candles */

  guint *live;             /* ids of the objects not ended, ascending; no breaks (BOS and
                            * CHoCH have no life to end) */
  guint  n_live;
  guint  live_capacity;

  /* The zones and the pools among them, as packed records, ascending ids: what the
   * scorer's and the plan's scans read on every close, 24 bytes each where the objects
   * are 104 and spread over the whole list (see perp_structure_get_live_set ()). */
  PerpStructureLiveObject *sets[PERP_STRUCTURE_N_LIVE_SETS];
  guint  n_set[PERP_STRUCTURE_N_LIVE_SETS];
  guint  set_capacity[PERP_STRUCTURE_N_LIVE_SETS];

  guint *ended;            /* ids of ended objects, by end time, then id */
  guint  n_ended;
  guint  ended_capacity;

  /* Per depth (internal, swing) and side (lows, highs), the pivots no later pivot of
   * the same side undercuts (lows) or overtops (highs), in formed order: the latest
   * pivot beyond any price is among them. */
  guint *pivots[2][2];
  guint  n_pivots[2][2];
  guint  pivots_capacity[2][2];
} PerpStructureLive;

void         _perp_structure_live_init      (PerpStructureLive         *live);
void         _perp_structure_live_clear     (PerpStructureLive         *live);
void         _perp_structure_live_reset     (PerpStructureLive         *live);
void         _perp_structure_live_update    (PerpStructureLive         *live,
                                             const PerpStructureObject *objects,
                                             guint                      n_objects,
                                             guint                      n_candles,
                                             const guint               *touched,
                                             guint                      n_touched);
const guint *_perp_structure_live_ended     (const PerpStructureLive   *live,
                                             const PerpStructureObject *objects,
                                             gint64                     since,
                                             guint                     *n_ids);
guint        _perp_structure_live_pivot     (const PerpStructureLive   *live,
                                             const PerpStructureObject *objects,
                                             PerpStructureDepth         depth,
                                             int                        direction,
                                             double                     beyond);

G_END_DECLS
