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
 * and internal pivots are too small to count as pools. */
static inline gboolean
_perp_object_is_pool (const PerpStructureObject *o,
                      int                        side)
{
  if (side > 0)
    return o->kind == PERP_STRUCTURE_EQUAL_HIGHS
           || (o->kind == PERP_STRUCTURE_RANGE_HIGH && o->source <= PERP_STRUCTURE_SOURCE_MONTH)
           || (o->kind == PERP_STRUCTURE_PIVOT_HIGH && o->depth == PERP_STRUCTURE_DEPTH_SWING);
  return o->kind == PERP_STRUCTURE_EQUAL_LOWS
         || (o->kind == PERP_STRUCTURE_RANGE_LOW && o->source <= PERP_STRUCTURE_SOURCE_MONTH)
         || (o->kind == PERP_STRUCTURE_PIVOT_LOW && o->depth == PERP_STRUCTURE_DEPTH_SWING);
}

G_END_DECLS
