/* perp-candle-builder.h: candles of one interval built from trades
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-candles.h"
#include "perp-interval.h"
#include "perp-trade-flow.h"

G_BEGIN_DECLS

/*
 * Builds the candles Binance's kline stream would show, from trades:
 *
 *  - a trade goes into the bucket of its trade time (UTC-aligned, perp-interval.h);
 *    open/high/low/close from its price, volume and quote volume (price x qty) summed,
 *    taker-buy volume summed over trades whose buyer was the taker (!buyer_is_maker),
 *    the open is the first trade of the bucket (not the previous close),
 *    trade count incremented;
 *  - a candle closes when a trade arrives in a later bucket, or when the caller says
 *    the time passed (perp_candle_builder_advance): every bucket whose close time
 *    (open + interval) is at or before that time is closed;
 *  - like Binance, every interval gets a candle: a bucket without trades between two
 *    that have some is a flat candle at the previous close (open = high = low = close),
 *    with zero volume, zero quote and taker-buy volume and zero trades.  The forming
 *    candle after an advance into an empty bucket is such a flat candle too;
 *  - before the first trade there is no candle (there is no previous close);
 *  - a trade older than the forming bucket cannot reopen a closed candle: it is
 *    dropped and counted (perp_candle_builder_get_n_dropped), as is a trade with a
 *    price that is not positive and finite or a quantity that is negative or not finite;
 *  - a gap of more than %PERP_CANDLE_BUILDER_MAX_FILL empty buckets (a broken clock, a
 *    capture resumed days later) is not filled: the builder starts afresh at the next
 *    trade and counts the gap (perp_candle_builder_get_n_gaps), so bad input cannot
 *    make it allocate without bound.
 *
 * Pure and deterministic: no clock, the caller passes the time.
 */

#define PERP_CANDLE_BUILDER_MAX_FILL 10080

typedef struct _PerpCandleBuilder PerpCandleBuilder;

PerpCandleBuilder *perp_candle_builder_new          (PerpInterval             interval);
void               perp_candle_builder_free         (PerpCandleBuilder       *self);
void               perp_candle_builder_reset        (PerpCandleBuilder       *self);
PerpInterval       perp_candle_builder_get_interval (const PerpCandleBuilder *self);
gboolean           perp_candle_builder_add_trade    (PerpCandleBuilder       *self,
                                                     const PerpTrade         *trade,
                                                     GArray                  *closed);
guint              perp_candle_builder_advance      (PerpCandleBuilder       *self,
                                                     gint64                   time_ms,
                                                     GArray                  *closed);
gboolean           perp_candle_builder_get_forming  (const PerpCandleBuilder *self,
                                                     PerpCandle              *candle);
guint64            perp_candle_builder_get_n_trades (const PerpCandleBuilder *self);
guint64            perp_candle_builder_get_n_dropped (const PerpCandleBuilder *self);
guint64            perp_candle_builder_get_n_gaps   (const PerpCandleBuilder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpCandleBuilder, perp_candle_builder_free)

G_END_DECLS
