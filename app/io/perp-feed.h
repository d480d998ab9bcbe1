/* perp-feed.h: one interface for every source of market data (live or recorded)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "core/perp-candles.h"
#include "core/perp-interval.h"
#include "core/perp-liquidation-map.h"
#include "core/perp-order-book.h"
#include "core/perp-trade-flow.h"
#include "perp-tick-reader.h"

G_BEGIN_DECLS

/*
 * A PerpFeed turns a source of market data into signals on the main context.  The
 * Binance feed (live), the replay feed (recorded files) and tests all emit the same
 * signals, so the engine cannot tell them apart.  Every pointer a signal carries
 * belongs to the feed and is valid only during the emission; copy what you keep.
 *
 * Signals (all run-last, no return value):
 *   candle-updated  (const char *symbol, guint interval, const PerpCandle *candle)
 *       the forming candle changed; it is shown, never committed
 *   candle-closed   (const char *symbol, guint interval, const PerpCandle *candle)
 *       a candle closed (its kline said so); candles of one symbol and interval
 *       arrive in increasing open time without duplicates
 *   candles-loaded  (const char *symbol, guint interval, const PerpCandles *candles)
 *       a block of closed history (backfill or a refill after a gap), increasing,
 *       possibly overlapping candles already emitted (the receiver skips those)
 *   depth-snapshot  (const char *symbol, const PerpDepthSnapshot *snapshot)
 *   depth           (const char *symbol, const PerpDepthEvent *event)
 *   book-ticker     (const char *symbol, const PerpBookTicker *ticker)
 *   trade           (const char *symbol, const PerpTrade *trade)
 *   mark-price      (const char *symbol, const PerpMarkPrice *mark)
 *   funding-rate    (const char *symbol, gint64 funding_time, double rate)
 *       a settled funding rate (history or a new settlement)
 *   liquidation     (const char *symbol, const PerpLiqPrint *print)
 *   open-interest   (const char *symbol, gint64 time, double open_interest)
 *   state-changed   (const PerpFeedStatus *status)
 *   clock           (gint64 time_ms)
 *       the data's own time moved forward (exchange time; in replay the recorded
 *       time).  Nothing in the engine reads the wall clock.
 *
 * `interval` is a PerpInterval passed as guint.
 */

#define PERP_TYPE_FEED (perp_feed_get_type ())
G_DECLARE_INTERFACE (PerpFeed, perp_feed, PERP, FEED, GObject)

#define PERP_TYPE_FEED_STATE (perp_feed_state_get_type ())

typedef enum
{
  PERP_FEED_STATE_OFFLINE,
  PERP_FEED_STATE_CONNECTING,
  PERP_FEED_STATE_LIVE,
  PERP_FEED_STATE_RECONNECTING,
  PERP_FEED_STATE_RESYNCING,
  PERP_FEED_STATE_REPLAYING,
  PERP_FEED_STATE_PAUSED,
  PERP_FEED_STATE_FINISHED,
  PERP_FEED_STATE_FAILED,
} PerpFeedState;

/**
 * PerpFeedStatus:
 * @state: the connection state
 * @attempt: RECONNECTING: which reconnect attempt this is (1, 2, ...)
 * @delay_ms: RECONNECTING: how long until the next attempt
 * @data_time: REPLAYING/PAUSED/FINISHED: the recorded time reached; LIVE: last event time
 * @symbol: (nullable): RESYNCING: the symbol whose book is being resynced
 * @message: (nullable): why: "keepalive timeout after 30 s", "HTTP 418: IP banned ...",
 *   "connection refused by 127.0.0.1:8080", ...
 */
typedef struct
{
  PerpFeedState state;
  guint         attempt;
  guint         delay_ms;
  gint64        data_time;
  const char   *symbol;
  const char   *message;
} PerpFeedStatus;

struct _PerpFeedInterface
{
  GTypeInterface parent_iface;

  /* Starts producing data.  Progress and failure are reported by state-changed. */
  void          (*start)     (PerpFeed *self);
  /* Stops: closes connections / pauses playback for good.  Idempotent. */
  void          (*stop)      (PerpFeed *self);
  PerpFeedState (*get_state) (PerpFeed *self);
  /* Asks for a fresh depth snapshot for @symbol (the engine found a sequence gap). */
  void          (*resync)    (PerpFeed *self, const char *symbol);
};

GType        perp_feed_state_get_type   (void) G_GNUC_CONST;
const char  *perp_feed_state_to_string  (PerpFeedState state);

void          perp_feed_start           (PerpFeed   *self);
void          perp_feed_stop            (PerpFeed   *self);
PerpFeedState perp_feed_get_state       (PerpFeed   *self);
void          perp_feed_resync          (PerpFeed   *self,
                                         const char *symbol);

/* For implementations: emit one signal each. */
void perp_feed_emit_candle_updated (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandle *candle);
void perp_feed_emit_candle_closed  (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandle *candle);
void perp_feed_emit_candles_loaded (PerpFeed *self, const char *symbol, PerpInterval interval, const PerpCandles *candles);
void perp_feed_emit_depth_snapshot (PerpFeed *self, const char *symbol, const PerpDepthSnapshot *snapshot);
void perp_feed_emit_depth          (PerpFeed *self, const char *symbol, const PerpDepthEvent *event);
void perp_feed_emit_book_ticker    (PerpFeed *self, const char *symbol, const PerpBookTicker *ticker);
void perp_feed_emit_trade          (PerpFeed *self, const char *symbol, const PerpTrade *trade);
void perp_feed_emit_mark_price     (PerpFeed *self, const char *symbol, const PerpMarkPrice *mark);
void perp_feed_emit_funding_rate   (PerpFeed *self, const char *symbol, gint64 funding_time, double rate);
void perp_feed_emit_liquidation    (PerpFeed *self, const char *symbol, const PerpLiqPrint *print);
void perp_feed_emit_open_interest  (PerpFeed *self, const char *symbol, gint64 time, double open_interest);
void perp_feed_emit_state_changed  (PerpFeed *self, const PerpFeedStatus *status);
void perp_feed_emit_clock          (PerpFeed *self, gint64 time_ms);

G_END_DECLS
