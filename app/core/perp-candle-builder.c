/* perp-candle-builder.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "perp-candle-builder.h"

struct _PerpCandleBuilder
{
  PerpInterval interval;
  gint64       interval_ms;
  gboolean     has_forming;
  PerpCandle   forming;      /* the bucket of the newest trade or advance */
  guint64      n_trades;
  guint64      n_dropped;
  guint64      n_gaps;
};

PerpCandleBuilder *
perp_candle_builder_new (PerpInterval interval)
{
  PerpCandleBuilder *self;

  g_return_val_if_fail (interval > PERP_INTERVAL_UNKNOWN && interval < PERP_N_INTERVALS, NULL);

  self = g_new0 (PerpCandleBuilder, 1);
  self->interval = interval;
  self->interval_ms = perp_interval_to_ms (interval);

  return self;
}

void
perp_candle_builder_free (PerpCandleBuilder *self)
{
  g_free (self);
}

/**
 * perp_candle_builder_reset:
 *
 * Forgets the forming candle and the counters, as after perp_candle_builder_new().
 */
void
perp_candle_builder_reset (PerpCandleBuilder *self)
{
  g_return_if_fail (self != NULL);

  self->has_forming = FALSE;
  self->n_trades = 0;
  self->n_dropped = 0;
  self->n_gaps = 0;
}

PerpInterval
perp_candle_builder_get_interval (const PerpCandleBuilder *self)
{
  g_return_val_if_fail (self != NULL, PERP_INTERVAL_UNKNOWN);

  return self->interval;
}

static void
start_flat (PerpCandleBuilder *self,
            gint64             open_time,
            double             price)
{
  PerpCandle *c = &self->forming;

  c->open_time = open_time;
  c->open = c->high = c->low = c->close = price;
  c->volume = 0;
  c->quote_volume = 0;
  c->taker_buy_volume = 0;
  c->trade_count = 0;
  self->has_forming = TRUE;
}

/* Closes the forming candle and every empty bucket up to (not including) the bucket
 * opening at @open_time, which becomes the forming one, flat at the last close. */
static guint
roll_to (PerpCandleBuilder *self,
         gint64             open_time,
         GArray            *closed)
{
  gint64 gap = (open_time - self->forming.open_time) / self->interval_ms;
  double close = self->forming.close;
  guint n = 0;

  if (gap - 1 > PERP_CANDLE_BUILDER_MAX_FILL)
    {
      if (closed != NULL)
        g_array_append_val (closed, self->forming);
      self->n_gaps++;
      start_flat (self, open_time, close);
      return 1;
    }

  while (self->forming.open_time < open_time)
    {
      if (closed != NULL)
        g_array_append_val (closed, self->forming);
      n++;
      start_flat (self, self->forming.open_time + self->interval_ms, close);
    }

  return n;
}

/**
 * perp_candle_builder_add_trade:
 * @trade: a trade; its trade time, price, quantity and aggressor side are used
 * @closed: (element-type PerpCandle) (nullable): receives the candles the trade closed,
 *   oldest first
 *
 * Returns: %TRUE if the trade went into a candle, %FALSE if it was dropped (older than
 *   the forming candle, or not a valid trade)
 */
gboolean
perp_candle_builder_add_trade (PerpCandleBuilder *self,
                               const PerpTrade   *trade,
                               GArray            *closed)
{
  PerpCandle *c;
  gint64 open_time;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (trade != NULL, FALSE);

  if (!isfinite (trade->price) || trade->price <= 0 || !isfinite (trade->qty) || trade->qty < 0)
    {
      self->n_dropped++;
      return FALSE;
    }

  open_time = perp_interval_bucket_start (self->interval, trade->trade_time);
  c = &self->forming;

  if (!self->has_forming)
    {
      start_flat (self, open_time, trade->price);
    }
  else if (open_time < c->open_time)
    {
      self->n_dropped++;
      return FALSE;
    }
  else if (open_time > c->open_time)
    {
      gboolean big_gap = (open_time - c->open_time) / self->interval_ms - 1 > PERP_CANDLE_BUILDER_MAX_FILL;

      roll_to (self, open_time, closed);
      /* After an unfilled gap the new candle opens at its own first trade. */
      if (big_gap)
        start_flat (self, open_time, trade->price);
    }

  if (c->trade_count == 0)
    {
      /* The flat placeholder ends at the first trade: Binance opens a candle at its
       * first trade's price, not at the previous close (in the 1m FILUSDT dump 44 %
       * of candles open away from the previous close). */
      c->open = c->high = c->low = trade->price;
    }
  else
    {
      c->high = MAX (c->high, trade->price);
      c->low = MIN (c->low, trade->price);
    }
  c->close = trade->price;
  c->volume += trade->qty;
  c->quote_volume += trade->price * trade->qty;
  if (!trade->buyer_is_maker)
    c->taker_buy_volume += trade->qty;
  c->trade_count++;
  self->n_trades++;

  return TRUE;
}

/**
 * perp_candle_builder_advance:
 * @time_ms: no trade before this time will come any more
 * @closed: (element-type PerpCandle) (nullable): receives the candles that closed,
 *   oldest first
 *
 * Closes every candle whose close time is at or before @time_ms, filling empty buckets
 * with flat candles; the bucket containing @time_ms becomes the (flat) forming candle.
 * Does nothing before the first trade or when @time_ms is inside the forming candle.
 *
 * Returns: the number of candles closed
 */
guint
perp_candle_builder_advance (PerpCandleBuilder *self,
                             gint64             time_ms,
                             GArray            *closed)
{
  gint64 open_time;

  g_return_val_if_fail (self != NULL, 0);

  if (!self->has_forming)
    return 0;

  open_time = perp_interval_bucket_start (self->interval, time_ms);
  if (open_time <= self->forming.open_time)
    return 0;

  return roll_to (self, open_time, closed);
}

/**
 * perp_candle_builder_get_forming:
 * @candle: (out caller-allocates): the forming candle
 *
 * Returns: %FALSE before the first trade
 */
gboolean
perp_candle_builder_get_forming (const PerpCandleBuilder *self,
                                 PerpCandle              *candle)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (candle != NULL, FALSE);

  if (!self->has_forming)
    return FALSE;

  *candle = self->forming;

  return TRUE;
}

guint64
perp_candle_builder_get_n_trades (const PerpCandleBuilder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_trades;
}

guint64
perp_candle_builder_get_n_dropped (const PerpCandleBuilder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_dropped;
}

guint64
perp_candle_builder_get_n_gaps (const PerpCandleBuilder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_gaps;
}
