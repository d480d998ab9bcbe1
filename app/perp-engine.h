/* perp-engine.h: feeds in, per-symbol state, scores and plans out
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "core/perp-analysis.h"
#include "core/perp-book-metrics.h"
#include "core/perp-breakers.h"
#include "core/perp-liquidation-map.h"
#include "core/perp-order-book.h"
#include "core/perp-plan.h"
#include "core/perp-score.h"
#include "core/perp-signal.h"
#include "core/perp-trade-flow.h"
#include "io/perp-config.h"
#include "io/perp-exchange-info.h"
#include "io/perp-feed.h"

G_BEGIN_DECLS

/*
 * The engine is the one place where market data becomes signals.  It listens to one
 * or more PerpFeeds, keeps a PerpAnalysis (candles, structure, indicators, higher
 * timeframe, funding, open interest, liquidation map) plus a local order book and
 * trade flow per watched symbol, scores a symbol on every close of its signal
 * timeframe (and on request), builds the trade plan, applies the circuit breakers and
 * emits `score-changed`.  The workstation and perpscope-cli both drive it, so a score
 * on screen and one printed by `watch` or `replay` are the same computation.
 *
 * It never reads the wall clock: "now" is the latest data time a feed reported.
 *
 * Signals:
 *   score-changed  (const PerpEngineUpdate *update)
 *   symbol-changed (const char *symbol, PerpEngineChange what)
 *       the symbol's data changed: a candle closed (CANDLES), the forming candle moved
 *       (FORMING), the book or flow changed (BOOK); the chart redraws from it
 *   feed-state-changed (const PerpFeedStatus *status)
 *       forwarded from the feeds, for status indicators and the CLI
 *   problem (const char *symbol, const char *message)
 *       something the engine noticed and handled (a candle out of order that was
 *       dropped, a book sequence gap that triggered a resync ...), for the log
 */

#define PERP_TYPE_ENGINE (perp_engine_get_type ())
G_DECLARE_FINAL_TYPE (PerpEngine, perp_engine, PERP, ENGINE, GObject)

typedef enum
{
  PERP_ENGINE_CHANGE_CANDLES = 1 << 0,
  PERP_ENGINE_CHANGE_FORMING = 1 << 1,
  PERP_ENGINE_CHANGE_BOOK    = 1 << 2,
} PerpEngineChange;

/**
 * PerpEngineUpdate:
 * @symbol: the symbol scored
 * @interval: its signal timeframe
 * @time: the data time the score is as of (the close time of the last candle)
 * @on_close: TRUE when a candle close caused it, FALSE when asked for
 * @score: the score
 * @plan: the trade plan (its status says when there is none, e.g. neutral)
 * @verdict: the circuit breakers' verdict on it
 * @status: what it amounts to (perp_signal_decide())
 * @required_confidence: the confidence it needed (lowest tier plus the breakers' raise)
 *
 * Valid during the emission only.
 */
typedef struct
{
  const char               *symbol;
  PerpInterval              interval;
  gint64                    time;
  gboolean                  on_close;
  const PerpScore          *score;
  const PerpPlan           *plan;
  const PerpBreakerVerdict *verdict;
  PerpSignalStatus          status;
  double                    required_confidence;
} PerpEngineUpdate;

PerpEngine          *perp_engine_new               (const PerpConfig      *config,
                                                    PerpExchangeInfo      *exchange_info,
                                                    GError               **error);
void                 perp_engine_add_feed          (PerpEngine            *self,
                                                    PerpFeed              *feed);
gboolean             perp_engine_watch             (PerpEngine            *self,
                                                    const char            *symbol,
                                                    GError               **error);
void                 perp_engine_reset             (PerpEngine            *self);
void                 perp_engine_set_watch_all     (PerpEngine            *self,
                                                    gboolean               watch_all);
const char * const  *perp_engine_get_symbols       (PerpEngine            *self);
PerpInterval         perp_engine_get_interval      (PerpEngine            *self);
gint64               perp_engine_get_now           (PerpEngine            *self);

/* Per-symbol state, owned by the engine, valid until the next main-loop turn. */
PerpAnalysis        *perp_engine_get_analysis      (PerpEngine            *self,
                                                    const char            *symbol);
/* The analysis of @symbol on another timeframe, for the chart: built from the feed's
 * candles of that timeframe or aggregated from a finer one.  NULL when neither is
 * there (a 1m chart of a recording of 5m candles). */
PerpAnalysis        *perp_engine_get_chart_analysis (PerpEngine           *self,
                                                    const char            *symbol,
                                                    PerpInterval           interval);
const PerpCandle    *perp_engine_get_forming       (PerpEngine            *self,
                                                    const char            *symbol);
PerpLiqMap          *perp_engine_get_liq_map       (PerpEngine            *self,
                                                    const char            *symbol);
const PerpOrderBook *perp_engine_get_book          (PerpEngine            *self,
                                                    const char            *symbol);

/* A settled funding rate: @time is the settlement (Unix ms), @rate per interval. */
typedef struct
{
  gint64 time;
  double rate;
} PerpFundingSettlement;

/* The settlements of @symbol known so far, oldest first (the last few hundred). */
const PerpFundingSettlement *perp_engine_get_funding (PerpEngine           *self,
                                                    const char            *symbol,
                                                    guint                 *n_settlements);
/* The last update of @symbol, or NULL before its first score. */
const PerpEngineUpdate *perp_engine_get_last_update (PerpEngine           *self,
                                                    const char            *symbol);

/* Scores @symbol now from what is known and emits score-changed. */
gboolean             perp_engine_score_now         (PerpEngine            *self,
                                                    const char            *symbol,
                                                    GError               **error);
/* Score on every message that changes a symbol's inputs, not only on closes
 * (the latency benchmark and the live panel use it). */
void                 perp_engine_set_score_every_event (PerpEngine        *self,
                                                    gboolean               enabled);

/* Bulk history (candles-loaded) is turned into analyses in a worker thread on a copy,
 * so the main loop never waits for it (the default).  Off, it happens in the
 * emission: the order of all output then depends on the data alone, which is what
 * a deterministic replay on the command line wants. */
void                 perp_engine_set_threaded_loading (PerpEngine         *self,
                                                    gboolean               threaded);

/* Fills the journal-backed half of the breakers' state for @symbol at @now (open
 * positions, last stop-out, signals in the last hour, today's result).  Pointers it
 * puts in @state must stay valid until the next call. */
typedef void (*PerpBreakerHistoryFunc) (const char       *symbol,
                                        gint64            now,
                                        PerpBreakerState *state,
                                        gpointer          user_data);

void                 perp_engine_set_breaker_history_func (PerpEngine     *self,
                                                    PerpBreakerHistoryFunc func,
                                                    gpointer               user_data,
                                                    GDestroyNotify         destroy);

G_END_DECLS
