/* perp-feed.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "perp-feed.h"

G_DEFINE_INTERFACE (PerpFeed, perp_feed, G_TYPE_OBJECT)

enum {
  CANDLE_UPDATED,
  CANDLE_CLOSED,
  CANDLES_LOADED,
  DEPTH_SNAPSHOT,
  DEPTH,
  BOOK_TICKER,
  TRADE,
  MARK_PRICE,
  FUNDING_RATE,
  LIQUIDATION,
  OPEN_INTEREST,
  STATE_CHANGED,
  CLOCK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GType
perp_feed_state_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { PERP_FEED_STATE_OFFLINE, "PERP_FEED_STATE_OFFLINE", "offline" },
        { PERP_FEED_STATE_CONNECTING, "PERP_FEED_STATE_CONNECTING", "connecting" },
        { PERP_FEED_STATE_LIVE, "PERP_FEED_STATE_LIVE", "live" },
        { PERP_FEED_STATE_RECONNECTING, "PERP_FEED_STATE_RECONNECTING", "reconnecting" },
        { PERP_FEED_STATE_RESYNCING, "PERP_FEED_STATE_RESYNCING", "resyncing" },
        { PERP_FEED_STATE_REPLAYING, "PERP_FEED_STATE_REPLAYING", "replaying" },
        { PERP_FEED_STATE_PAUSED, "PERP_FEED_STATE_PAUSED", "paused" },
        { PERP_FEED_STATE_FINISHED, "PERP_FEED_STATE_FINISHED", "finished" },
        { PERP_FEED_STATE_FAILED, "PERP_FEED_STATE_FAILED", "failed" },
        { 0, NULL, NULL }
      };
      GType id = g_enum_register_static (g_intern_static_string ("PerpFeedState"), values);
      g_once_init_leave (&type_id, id);
    }

  return type_id;
}

const char *
perp_feed_state_to_string (PerpFeedState state)
{
  /* The class is kept for the life of the process: the names are static strings. */
  static GEnumClass *klass;
  GEnumValue *value;

  if (g_once_init_enter (&klass))
    g_once_init_leave (&klass, g_type_class_ref (PERP_TYPE_FEED_STATE));
  value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "unknown";
}

static void
perp_feed_default_init (PerpFeedInterface *iface)
{
  GType type = G_TYPE_FROM_INTERFACE (iface);

  signals[CANDLE_UPDATED] =
    g_signal_new ("candle-updated", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_POINTER);
  signals[CANDLE_CLOSED] =
    g_signal_new ("candle-closed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_POINTER);
  signals[CANDLES_LOADED] =
    g_signal_new ("candles-loaded", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_POINTER);
  signals[DEPTH_SNAPSHOT] =
    g_signal_new ("depth-snapshot", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[DEPTH] =
    g_signal_new ("depth", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[BOOK_TICKER] =
    g_signal_new ("book-ticker", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[TRADE] =
    g_signal_new ("trade", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[MARK_PRICE] =
    g_signal_new ("mark-price", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[FUNDING_RATE] =
    g_signal_new ("funding-rate", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_DOUBLE);
  signals[LIQUIDATION] =
    g_signal_new ("liquidation", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[OPEN_INTEREST] =
    g_signal_new ("open-interest", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_DOUBLE);
  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[CLOCK] =
    g_signal_new ("clock", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

void
perp_feed_start (PerpFeed *self)
{
  g_return_if_fail (PERP_IS_FEED (self));
  PERP_FEED_GET_IFACE (self)->start (self);
}

void
perp_feed_stop (PerpFeed *self)
{
  g_return_if_fail (PERP_IS_FEED (self));
  PERP_FEED_GET_IFACE (self)->stop (self);
}

PerpFeedState
perp_feed_get_state (PerpFeed *self)
{
  g_return_val_if_fail (PERP_IS_FEED (self), PERP_FEED_STATE_OFFLINE);
  return PERP_FEED_GET_IFACE (self)->get_state (self);
}

void
perp_feed_resync (PerpFeed   *self,
                  const char *symbol)
{
  PerpFeedInterface *iface;

  g_return_if_fail (PERP_IS_FEED (self));
  iface = PERP_FEED_GET_IFACE (self);
  /* A feed without a book source (candles only) has nothing to resync. */
  if (iface->resync != NULL)
    iface->resync (self, symbol);
}

void
perp_feed_emit_candle_updated (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandle *candle)
{
  g_signal_emit (self, signals[CANDLE_UPDATED], 0, symbol, (guint) interval, candle);
}

void
perp_feed_emit_candle_closed (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandle *candle)
{
  g_signal_emit (self, signals[CANDLE_CLOSED], 0, symbol, (guint) interval, candle);
}

void
perp_feed_emit_candles_loaded (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandles *candles)
{
  g_signal_emit (self, signals[CANDLES_LOADED], 0, symbol, (guint) interval, candles);
}

void
perp_feed_emit_depth_snapshot (PerpFeed *self, const char *symbol, const PerpDepthSnapshot *snapshot)
{
  g_signal_emit (self, signals[DEPTH_SNAPSHOT], 0, symbol, snapshot);
}

void
perp_feed_emit_depth (PerpFeed *self, const char *symbol, const PerpDepthEvent *event)
{
  g_signal_emit (self, signals[DEPTH], 0, symbol, event);
}

void
perp_feed_emit_book_ticker (PerpFeed *self, const char *symbol, const PerpBookTicker *ticker)
{
  g_signal_emit (self, signals[BOOK_TICKER], 0, symbol, ticker);
}

void
perp_feed_emit_trade (PerpFeed *self, const char *symbol, const PerpTrade *trade)
{
  g_signal_emit (self, signals[TRADE], 0, symbol, trade);
}

void
perp_feed_emit_mark_price (PerpFeed *self, const char *symbol, const PerpMarkPrice *mark)
{
  g_signal_emit (self, signals[MARK_PRICE], 0, symbol, mark);
}

void
perp_feed_emit_funding_rate (PerpFeed *self, const char *symbol, gint64 funding_time, double rate)
{
  g_signal_emit (self, signals[FUNDING_RATE], 0, symbol, funding_time, rate);
}

void
perp_feed_emit_liquidation (PerpFeed *self, const char *symbol, const PerpLiqPrint *print)
{
  g_signal_emit (self, signals[LIQUIDATION], 0, symbol, print);
}

void
perp_feed_emit_open_interest (PerpFeed *self, const char *symbol, gint64 time, double open_interest)
{
  g_signal_emit (self, signals[OPEN_INTEREST], 0, symbol, time, open_interest);
}

void
perp_feed_emit_state_changed (PerpFeed *self, const PerpFeedStatus *status)
{
  g_signal_emit (self, signals[STATE_CHANGED], 0, status);
}

void
perp_feed_emit_clock (PerpFeed *self, gint64 time_ms)
{
  g_signal_emit (self, signals[CLOCK], 0, time_ms);
}
