/* perp-trade-flow.h: aggressor volume, delta, CVD, large trades and trade velocity
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "perp-candles.h"

G_BEGIN_DECLS

/**
 * PerpTrade:
 * @event_time: E, exchange milliseconds
 * @trade_time: T, when the trade happened
 * @id: the trade id (t), or the aggregate trade id (a) of an aggTrade
 * @price_key: the price in units of 1e-8 (see perp-decimal.h)
 * @price: the same price as a double
 * @qty: base quantity
 * @buyer_is_maker: m: %TRUE when the buyer's order was resting, so the aggressor (the
 *   taker) sold
 */
typedef struct
{
  gint64   event_time;
  gint64   trade_time;
  guint64  id;
  gint64   price_key;
  double   price;
  double   qty;
  gboolean buyer_is_maker;
} PerpTrade;

/**
 * PerpFlowDivergence:
 * @PERP_FLOW_DIVERGENCE_BEARISH: the close made a new high over the lookback, CVD did not
 * @PERP_FLOW_DIVERGENCE_BULLISH: the close made a new low over the lookback, CVD did not
 */
typedef enum
{
  PERP_FLOW_DIVERGENCE_NONE,
  PERP_FLOW_DIVERGENCE_BEARISH,
  PERP_FLOW_DIVERGENCE_BULLISH,
} PerpFlowDivergence;

/**
 * PerpTradeFlowParams:
 * @bar_ms: the bar (candle) length for per-bar delta (60000)
 * @window_ms: the rolling window for delta (60000)
 * @average_trades: large trades are judged against the mean size of this many previous
 *   trades (500)
 * @min_average_trades: no trade is large before this many trades were seen (50)
 * @large_factor: a large trade is more than this many times the mean size (10)
 * @velocity_ms: trades per second are counted over this window, and compared with the
 *   window before it (10000)
 * @divergence_bars: closed bars the divergence check looks back over (10)
 */
typedef struct
{
  gint64 bar_ms;
  gint64 window_ms;
  guint  average_trades;
  guint  min_average_trades;
  double large_factor;
  gint64 velocity_ms;
  guint  divergence_bars;
} PerpTradeFlowParams;

/**
 * PerpFlowBar:
 * @open_time: start of the bar, a multiple of the bar length (Unix ms)
 * @open: (nullable): price of the first trade; NAN for a bar without trades
 * @buy_volume: base volume bought by takers
 * @sell_volume: base volume sold by takers
 * @delta: @buy_volume - @sell_volume
 * @cvd: cumulative volume delta at the bar's close, since the flow started
 * @n_large: trades in the bar over the large-trade threshold
 * @divergence: CVD against price, set once the bar is closed
 */
typedef struct
{
  gint64             open_time;
  double             open;
  double             high;
  double             low;
  double             close;
  double             buy_volume;
  double             sell_volume;
  double             buy_quote;
  double             sell_quote;
  double             delta;
  double             cvd;
  guint              n_trades;
  guint              n_large;
  double             large_buy_volume;
  double             large_sell_volume;
  PerpFlowDivergence divergence;
} PerpFlowBar;

/**
 * PerpFlowWindow:
 * @now: the end of the window (exchange ms)
 * @delta: taker buy minus taker sell volume over (now - window_ms, now]
 * @trades_per_s: trades per second over (now - velocity_ms, now]
 * @trades_per_s_before: the same over the window before that
 * @velocity_change: @trades_per_s - @trades_per_s_before
 */
typedef struct
{
  gint64 now;
  double buy_volume;
  double sell_volume;
  double delta;
  guint  n_trades;
  double trades_per_s;
  double trades_per_s_before;
  double velocity_change;
} PerpFlowWindow;

/**
 * PerpFlowTotals:
 * @cvd: the running sum of signed taker volume, in trade order
 * @n_late: trades older than the bar already open, counted into it
 * @n_clock_jumps: times the clock moved on by more than PERP_TRADE_FLOW_MAX_EMPTY_BARS
 *   bars at once; the bars skip the gap there instead of filling it with empty ones
 */
typedef struct
{
  double  buy_volume;
  double  sell_volume;
  double  cvd;
  guint64 n_trades;
  guint64 n_large;
  guint64 n_late;
  guint64 n_clock_jumps;
} PerpFlowTotals;

/* The most empty bars a move of the clock fills in (a day of 1m bars).  A longer gap (a
 * capture resumed the next day, or one wrong time stamp years ahead) is skipped: the
 * bars in it would all be empty, and a bad time could otherwise ask for billions. */
#define PERP_TRADE_FLOW_MAX_EMPTY_BARS 1440

typedef struct _PerpTradeFlow PerpTradeFlow;

void           perp_trade_flow_params_init (PerpTradeFlowParams       *params);
PerpTradeFlow *perp_trade_flow_new         (const PerpTradeFlowParams *params);
void           perp_trade_flow_free        (PerpTradeFlow             *self);
gboolean       perp_trade_flow_add         (PerpTradeFlow             *self,
                                            const PerpTrade           *trade);
void           perp_trade_flow_advance     (PerpTradeFlow             *self,
                                            gint64                     now_ms);
guint          perp_trade_flow_get_n_bars  (const PerpTradeFlow       *self);
gint64         perp_trade_flow_get_bar_ms  (const PerpTradeFlow       *self);
const PerpFlowBar *perp_trade_flow_get_bar (const PerpTradeFlow       *self,
                                            guint                      index);
gboolean       perp_trade_flow_get_forming (const PerpTradeFlow       *self,
                                            PerpFlowBar               *bar);
void           perp_trade_flow_get_window  (PerpTradeFlow             *self,
                                            gint64                     now_ms,
                                            PerpFlowWindow            *window);
void           perp_trade_flow_get_totals  (const PerpTradeFlow       *self,
                                            PerpFlowTotals            *totals);
double         perp_trade_flow_get_average_size (const PerpTradeFlow  *self);

static inline double
perp_trade_signed_qty (const PerpTrade *trade)
{
  return trade->buyer_is_maker ? -trade->qty : trade->qty;
}

void           perp_flow_divergence_batch  (const double              *close,
                                            const double              *cvd,
                                            gsize                      n,
                                            guint                      lookback,
                                            PerpFlowDivergence        *out);
gboolean       perp_candles_taker_delta    (const PerpCandles         *candles,
                                            double                    *delta,
                                            double                    *cvd);
const char    *perp_flow_divergence_to_string (PerpFlowDivergence      divergence);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpTradeFlow, perp_trade_flow_free)

G_END_DECLS
