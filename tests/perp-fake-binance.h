/* perp-fake-binance.h: a fake Binance USDT-M server on 127.0.0.1 for tests
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "core/perp-interval.h"

G_BEGIN_DECLS

/*
 * A SoupServer on an ephemeral loopback port, on the thread-default main context of
 * whoever creates it, that speaks enough of Binance's USDT-M REST API and of its two
 * combined-stream WebSocket endpoints for the live feed to run against it.
 *
 * Data (all real, see tests/fixtures/feed/README.md):
 *   - ticks: a slice of a recorded fstream capture (depth, bookTicker, trade and the REST
 *     depth snapshot).  /public/stream replays the depth and bookTicker messages with
 *     their "data" text byte for byte; the envelope's "stream" is the name the client
 *     subscribed to (the capture has "@depth@0ms", clients ask for "@depth@100ms").
 *     /market/stream replays the trades: verbatim for "@trade", rebuilt as one-trade
 *     aggregates ("a" = "f" = "l" = the trade id, MARKET trades only) for "@aggTrade".
 *   - candles: a 12-column kline CSV per symbol and interval.  There is no recorded kline
 *     stream, so kline messages are REBUILT from the real candles: every candle gives
 *     @forming_updates messages with "x":false and then one with "x":true carrying the
 *     candle exactly as in the CSV.  A forming message at fraction f of the candle
 *     carries the final open/high/low/close with volume, quote volume, taker volumes and
 *     trade count scaled by f (the only synthetic numbers; at f = 0: flat at the open,
 *     nothing traded).  REST klines return the same forming candle.
 *   - /fapi/v1/depth: the recorded snapshot, and once the replay has passed it, the book
 *     the exchange had: the snapshot with every recorded depth event replayed so far
 *     applied (level strings kept as recorded), lastUpdateId = the U of the next depth
 *     event, so a client can sync on the stream as on Binance.
 *
 * The clock is the test's: nothing moves until perp_fake_binance_advance() or the pace
 * timer does.  One step replays one line of the tick capture and one kline message of
 * every candle series.  Messages of a step nobody is subscribed to are lost, as on the
 * exchange while a client is disconnected.
 */

typedef enum
{
  PERP_FAKE_ENDPOINT_MARKET,  /* /market/stream: kline, trade, aggTrade, markPrice, forceOrder */
  PERP_FAKE_ENDPOINT_PUBLIC,  /* /public/stream: depth, bookTicker */
  PERP_FAKE_N_ENDPOINTS
} PerpFakeEndpoint;

typedef enum
{
  PERP_FAKE_FRAME_MALFORMED,  /* a text frame that is not JSON */
  PERP_FAKE_FRAME_TRUNCATED,  /* the first half of the next real message */
  PERP_FAKE_FRAME_NOT_OBJECT, /* valid JSON of the wrong shape: [1,2,3] */
} PerpFakeFrame;

typedef enum
{
  PERP_FAKE_KLINE_DUPLICATE_CLOSE, /* the next closing message is sent twice in a row */
  PERP_FAKE_KLINE_REPEAT_OLD_CLOSE,/* after the next close, the close before it again */
  PERP_FAKE_KLINE_SWAP_CLOSES,     /* the next two closes arrive in reverse order */
} PerpFakeKlineFault;

#define PERP_TYPE_FAKE_BINANCE (perp_fake_binance_get_type ())
G_DECLARE_FINAL_TYPE (PerpFakeBinance, perp_fake_binance, PERP, FAKE_BINANCE, GObject)

/* Listens on 127.0.0.1 and loads the default fixtures of tests/fixtures/feed
 * (exchangeInfo for BTCUSDT/ETHUSDT/FILUSDT, BTCUSDT ticks, FILUSDT 1m candles,
 * BTCUSDT funding).  Needs g_test_init() (fixtures are found through G_TEST_SRCDIR). */
PerpFakeBinance *perp_fake_binance_new                (GError            **error);
/* An empty server (exchangeInfo only) for tests that load their own data. */
PerpFakeBinance *perp_fake_binance_new_empty          (GError            **error);
/* Any exchangeInfo file (the bundled full one, say); no g_test_init() needed. */
PerpFakeBinance *perp_fake_binance_new_with_exchange_info (const char     *path,
                                                           GError        **error);

gboolean     perp_fake_binance_load_ticks         (PerpFakeBinance    *self,
                                                   const char         *path,
                                                   GError            **error);
gboolean     perp_fake_binance_load_candles       (PerpFakeBinance    *self,
                                                   const char         *symbol,
                                                   PerpInterval        interval,
                                                   const char         *path,
                                                   GError            **error);
gboolean     perp_fake_binance_load_funding       (PerpFakeBinance    *self,
                                                   const char         *symbol,
                                                   const char         *path,
                                                   GError            **error);

const char  *perp_fake_binance_get_rest_url       (PerpFakeBinance    *self);
const char  *perp_fake_binance_get_ws_url_market  (PerpFakeBinance    *self);
const char  *perp_fake_binance_get_ws_url_public  (PerpFakeBinance    *self);

/* Clock.  The kline clock starts with candle @index forming (default: the middle of
 * the series, so REST has history to serve); call before the first step. */
void         perp_fake_binance_set_kline_start    (PerpFakeBinance    *self,
                                                   guint               index);
void         perp_fake_binance_set_forming_updates(PerpFakeBinance    *self,
                                                   guint               n);
void         perp_fake_binance_advance            (PerpFakeBinance    *self,
                                                   guint               n_steps);
/* A timer that advances @steps every @period_ms; @period_ms 0 stops it. */
void         perp_fake_binance_set_pace           (PerpFakeBinance    *self,
                                                   guint               period_ms,
                                                   guint               steps);
/* Whether every tick line and every kline message has been replayed. */
gboolean     perp_fake_binance_is_exhausted       (PerpFakeBinance    *self);
guint        perp_fake_binance_get_tick_position  (PerpFakeBinance    *self);
guint        perp_fake_binance_get_n_tick_lines   (PerpFakeBinance    *self);
/* The kline clock of @symbol: open time of the forming candle + elapsed part; -1 when
 * the symbol has no candles. */
gint64       perp_fake_binance_get_kline_now      (PerpFakeBinance    *self,
                                                   const char         *symbol);
/* Index (in the CSV) of the candle forming now; n_candles once all have closed. */
guint        perp_fake_binance_get_forming_index  (PerpFakeBinance    *self,
                                                   const char         *symbol);

/* Faults. */
void         perp_fake_binance_drop_after         (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint,
                                                   guint               n_messages);
/* Drops end the TCP connection without a close frame (default: a 1001 close frame). */
void         perp_fake_binance_set_drop_abrupt    (PerpFakeBinance    *self,
                                                   gboolean            abrupt);
void         perp_fake_binance_stall              (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint);
void         perp_fake_binance_inject_frame       (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint,
                                                   PerpFakeFrame       frame);
void         perp_fake_binance_send_text          (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint,
                                                   const char         *text);
void         perp_fake_binance_skip_depth_events  (PerpFakeBinance    *self,
                                                   guint               n);
void         perp_fake_binance_kline_fault        (PerpFakeBinance    *self,
                                                   PerpFakeKlineFault  fault);
/* The next @count requests to @path ("/fapi/v1/klines") get HTTP @status (429, 418,
 * 500 ...) with a Binance error body and, when @retry_after_s > 0, Retry-After. */
void         perp_fake_binance_fail_requests      (PerpFakeBinance    *self,
                                                   const char         *path,
                                                   guint               status,
                                                   guint               count,
                                                   guint               retry_after_s);
/* The next @count requests to @path are answered after @delay_ms (a timeout source;
 * the loop keeps running). */
void         perp_fake_binance_delay_requests     (PerpFakeBinance    *self,
                                                   const char         *path,
                                                   guint               delay_ms,
                                                   guint               count);
/* The next @count answers to @path are made at once, from the clock as it is, and
 * delivered @delay_ms later: a response that spent time on the wire while the
 * streams went on. */
void         perp_fake_binance_hold_responses     (PerpFakeBinance    *self,
                                                   const char         *path,
                                                   guint               delay_ms,
                                                   guint               count);
void         perp_fake_binance_set_open_interest  (PerpFakeBinance    *self,
                                                   const char         *symbol,
                                                   const char         *open_interest);

/* Counters. */
guint        perp_fake_binance_get_n_requests     (PerpFakeBinance    *self,
                                                   const char         *path);
guint        perp_fake_binance_get_n_requests_total (PerpFakeBinance  *self);
guint        perp_fake_binance_get_n_connections  (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint);
guint        perp_fake_binance_get_n_open_connections (PerpFakeBinance *self,
                                                   PerpFakeEndpoint    endpoint);
guint        perp_fake_binance_get_n_sent         (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint);
guint        perp_fake_binance_get_used_weight    (PerpFakeBinance    *self);
/* The streams (lower case, as asked) of the most recent connection to @endpoint. */
const char  *perp_fake_binance_get_last_streams   (PerpFakeBinance    *self,
                                                   PerpFakeEndpoint    endpoint);

G_END_DECLS
