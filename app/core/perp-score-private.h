/* perp-score-private.h: what the scorer and the trade plan agree on
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-structure.h"

G_BEGIN_DECLS

/* Liquidity pools: where resting stops sit.  Above price: equal highs, the previous
 * day's, week's or month's high and swing highs; below, the mirror.  Killzone ranges
 * and internal pivots are too small to count as pools.  (The structure engine's live
 * index keeps them apart by the same definition: PERP_STRUCTURE_LIVE_HIGH_POOLS and
 * PERP_STRUCTURE_LIVE_LOW_POOLS.) */
static inline gboolean
_perp_object_is_pool (const PerpStructureObject *o,
                      int                        side)
{
  return perp_structure_object_pool_side (o) == (side > 0 ? 1 : -1);
}

G_END_DECLS
