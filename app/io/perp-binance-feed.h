/* perp-binance-feed.h: Binance USDT-M public market data over REST and WebSocket
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "perp-binance-decode.h"
#include "perp-exchange-info.h"
#include "perp-feed.h"

G_BEGIN_DECLS

/**
 * PerpBinanceParams:
 * @rest_url: "https://fapi.binance.com"
 * @ws_url_market: "wss://fstream.binance.com/market" (kline, aggTrade, markPrice,
 *   forceOrder); the feed appends "/stream?streams=..."
 * @ws_url_public: "wss://fstream.binance.com/public" (depth, bookTicker)
 * @weight_budget: request weight per minute we allow ourselves (Binance's limit is
 *   2400); requests wait when X-MBX-USED-WEIGHT-1M says the next one would exceed it
 * @request_timeout_s: every REST request fails after this
 * @keepalive_s: no message on a WebSocket for this long = reconnect
 * @backoff_initial_ms/@backoff_max_ms: reconnect delay doubles from the first to the
 *   cap, with ±20 % jitter
 * @rotate_after_s: reconnect a WebSocket before Binance's 24 h limit
 * @streams_per_connection: at most this many streams on one connection
 * @backfill_candles: closed candles fetched per symbol and interval at start
 * @oi_poll_s: open interest poll period
 * @depth_limit: depth snapshot size (5 ... 1000)
 */
typedef struct
{
  char  *rest_url;
  char  *ws_url_market;
  char  *ws_url_public;
  guint  weight_budget;
  guint  request_timeout_s;
  guint  keepalive_s;
  guint  backoff_initial_ms;
  guint  backoff_max_ms;
  guint  rotate_after_s;
  guint  streams_per_connection;
  guint  backfill_candles;
  guint  oi_poll_s;
  guint  depth_limit;
} PerpBinanceParams;

void     perp_binance_params_init  (PerpBinanceParams       *params);
void     perp_binance_params_clear (PerpBinanceParams       *params);
void     perp_binance_params_copy  (const PerpBinanceParams *src,
                                    PerpBinanceParams       *dst);

/*
 * The feed.  Implements PerpFeed.  Extra signal, for the recorder:
 *   raw-message (const char *symbol, const char *stream, const char *text, gsize length,
 *                gint64 recv_ns)
 *     every WebSocket payload as received (the combined-stream envelope's "data"
 *     text, with its stream name), and every REST response the feed used as
 *     stream "rest_depth_snapshot", "rest_klines@<interval>", "rest_open_interest",
 *     "rest_premium_index", "rest_funding_rate" (text = the response body).
 *     recv_ns: g_get_real_time () * 1000 at arrival.
 *
 * Property "failed-reason" (string, read-only): set when the client stopped for good
 * (HTTP 418, or every request refused) with the message for the user.
 */
#define PERP_TYPE_BINANCE_FEED (perp_binance_feed_get_type ())
G_DECLARE_FINAL_TYPE (PerpBinanceFeed, perp_binance_feed, PERP, BINANCE_FEED, GObject)

PerpBinanceFeed *perp_binance_feed_new     (const PerpBinanceParams *params,
                                            const char * const      *symbols,
                                            const PerpInterval      *intervals,
                                            guint                    n_intervals);
guint            perp_binance_feed_get_used_weight (PerpBinanceFeed *self);
const char      *perp_binance_feed_get_failed_reason (PerpBinanceFeed *self);
/* The exchangeInfo loaded at start (symbol filters), NULL before. */
const PerpExchangeInfo *perp_binance_feed_get_exchange_info (PerpBinanceFeed *self);
/* WebSocket messages that did not decode (each skipped; the first is reported). */
guint64          perp_binance_feed_get_n_malformed (PerpBinanceFeed *self);
/* Closed candles the stream sent again or out of order, dropped. */
guint64          perp_binance_feed_get_n_dropped_candles (PerpBinanceFeed *self);

/* GET /fapi/v1/ticker/24hr?symbol=S through the feed's weight-limited client (for a
 * watch list; the feed itself does not poll it). */
void             perp_binance_feed_fetch_ticker_24hr_async  (PerpBinanceFeed      *self,
                                                             const char           *symbol,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean         perp_binance_feed_fetch_ticker_24hr_finish (PerpBinanceFeed      *self,
                                                             GAsyncResult         *result,
                                                             PerpBinanceTicker24h *ticker,
                                                             GError              **error);

G_END_DECLS
