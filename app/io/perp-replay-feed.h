/* perp-replay-feed.h: recorded market data played back as a PerpFeed
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-feed.h"

G_BEGIN_DECLS

#define PERP_REPLAY_ERROR (perp_replay_error_quark ())

typedef enum
{
  PERP_REPLAY_ERROR_NAME,      /* a file name the feed cannot take a symbol or interval from */
  PERP_REPLAY_ERROR_KIND,      /* a file of a kind the feed does not read */
  PERP_REPLAY_ERROR_BUSY,      /* sources added while playing */
} PerpReplayError;

/*
 * PerpReplayFeed plays recorded files through the PerpFeed signals:
 *
 *  - candle CSVs (6 or 12 columns): the symbol and interval come from the name
 *    (`SYMBOL_INTERVAL_....csv` as in ../shared/data/klines_usdm, or Binance's dump
 *    names `SYMBOL-INTERVAL-....csv`) or are given (perp_replay_feed_add_candles_file).
 *    Each candle is emitted as candle-closed at its close time (open + interval); the
 *    first N of each file can come as one candles-loaded block before anything else
 *    (perp_replay_feed_set_warmup), so the engine starts with history.
 *  - funding-rate CSVs named `SYMBOL_funding_....csv` (funding_time, funding_rate, as
 *    in ../shared/data/funding): funding-rate at each settlement's time.
 *  - tick captures and our own recordings (perp-recorder.h), gzip'd or plain JSON lines
 *    `{"recv_ns","stream","data"}`: depth, trade/aggTrade, bookTicker, kline, markPrice,
 *    forceOrder messages and the REST lines rest_depth_snapshot, rest_klines@<interval>
 *    (candles-loaded for the closed rows, candle-updated for the forming one),
 *    rest_open_interest, rest_premium_index (mark-price) and rest_funding_rate (emitted
 *    while seeking too, like a funding file's: settlements are history).  The
 *    symbol of a message is its own "s"; lines without one (REST responses) take the
 *    file's, from a name `binance_<market>_<SYMBOL>_...` or else the first "s" in it.
 *    A capture without kline messages builds 1m candles from its trades
 *    (PerpCandleBuilder): candle-closed when a trade, or any other message of that
 *    symbol more than 1 s later, falls in a later minute; candle-updated after every
 *    trade.  Files named binance_<market>_<SYMBOL>_... of one market and symbol share
 *    one builder, so a recording rotated into several files builds the same candles.
 *
 * Order: all sources are merged by data time: exchange time (a trade's T, other
 * messages' E, a candle's close time; REST responses without a time take their
 * recv_ns).  Within a file a message never goes before the one above it (its time is at
 * least the previous message's); ties between files go to the file added first.  Same
 * files in the same order give exactly the same signals on every run, at every speed.
 * candle-closed is emitted once per symbol, interval and open time, in increasing open
 * time: a candle at or before one already closed is dropped.
 *
 * clock is emitted before the first event of each new data time.  state-changed:
 * REPLAYING (data_time = where playback resumes) on start/resume, PAUSED, FINISHED,
 * FAILED (message = "FILE:LINE: what is wrong"), OFFLINE after perp_feed_stop().
 *
 * Pacing: speed 1 plays in real time, N N times faster, 0 as fast as possible.  Work is
 * done in main-loop callbacks (G_PRIORITY_DEFAULT_IDLE) of at most ~2 ms each; paced
 * playback sleeps in timeouts computed from data-time differences and the monotonic
 * clock, never from the wall clock.
 *
 * Seek restarts every source and skips forward silently to the target; then, per symbol
 * and interval, the closed candles met on the way come as one candles-loaded block and
 * the forming candle as candle-updated, and clock says the target time.  Other events
 * before the target are not emitted (the order book then resumes mid-stream: the
 * engine's gap handling resyncs it when the files hold a later snapshot).
 *
 * Malformed lines: the feed stops with FAILED, or in lenient mode
 * (perp_replay_feed_set_lenient, before adding files) skips and counts them.
 *
 * Files are checked when added: a CSV is loaded whole then; a capture is read through
 * once to find its symbol and whether it has klines (~0.1 s for a 30 MB capture).
 */

#define PERP_TYPE_REPLAY_FEED (perp_replay_feed_get_type ())
G_DECLARE_FINAL_TYPE (PerpReplayFeed, perp_replay_feed, PERP, REPLAY_FEED, GObject)

GQuark          perp_replay_error_quark             (void);

PerpReplayFeed *perp_replay_feed_new                (void);
void            perp_replay_feed_set_lenient        (PerpReplayFeed  *self,
                                                     gboolean         lenient);
gboolean        perp_replay_feed_add_file           (PerpReplayFeed  *self,
                                                     const char      *path,
                                                     GError         **error);
gboolean        perp_replay_feed_add_candles_file   (PerpReplayFeed  *self,
                                                     const char      *path,
                                                     const char      *symbol,
                                                     PerpInterval     interval,
                                                     GError         **error);
guint           perp_replay_feed_get_n_sources      (PerpReplayFeed  *self);
void            perp_replay_feed_set_speed          (PerpReplayFeed  *self,
                                                     double           speed);
double          perp_replay_feed_get_speed          (PerpReplayFeed  *self);
void            perp_replay_feed_set_warmup         (PerpReplayFeed  *self,
                                                     guint            n_candles);
void            perp_replay_feed_pause              (PerpReplayFeed  *self);
void            perp_replay_feed_resume             (PerpReplayFeed  *self);
void            perp_replay_feed_seek               (PerpReplayFeed  *self,
                                                     gint64           time_ms);
void            perp_replay_feed_step               (PerpReplayFeed  *self,
                                                     PerpInterval     interval);
gint64          perp_replay_feed_get_data_time      (PerpReplayFeed  *self);
guint64         perp_replay_feed_get_n_skipped      (PerpReplayFeed  *self);
const char     *perp_replay_feed_get_first_skipped  (PerpReplayFeed  *self);
const char     *perp_replay_feed_get_failure        (PerpReplayFeed  *self);

G_END_DECLS
