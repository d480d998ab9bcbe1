/* perp-trade-flow.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-trade-flow"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-trade-flow.h"

/*
 * Who was the aggressor: Binance's `m` says whether the buyer's order was resting
 * (maker).  If it was, the seller crossed the spread, so the trade is taker selling;
 * otherwise taker buying.  Delta is taker buy volume minus taker sell volume; CVD is its
 * running sum, added in trade order so that anyone summing the same trades in the same
 * order gets the same bits.
 *
 * Bars are cut on trade time (T) at multiples of the bar length, as Binance cuts candles.
 * The trade and depth streams are not ordered against each other, and a caller that
 * closes bars on another stream's clock can see a trade of a bar it already closed: such
 * a "late" trade counts into the open bar (and into n_late), so that no volume is lost
 * and no closed bar ever changes.
 *
 * The rolling window and the velocity keep the trades of the last
 * max (window_ms, 2 × velocity_ms) in a ring and sum them afresh on every query: a few
 * thousand additions, and no drift from subtracting what leaves the window.
 */

typedef struct
{
  gint64 time;
  double signed_qty;
} Entry;

struct _PerpTradeFlow
{
  PerpTradeFlowParams params;

  GArray         *bars;        /* PerpFlowBar, closed */
  GArray         *closes;      /* double: last known price at each closed bar's close */
  GArray         *cvds;        /* double: CVD at each closed bar's close */
  PerpFlowBar     forming;
  gboolean        started;
  double          last_price;

  PerpFlowTotals  totals;

  Entry          *ring;
  guint64         ring_mask;
  guint64         head;        /* sequence number of the oldest entry kept */
  guint64         tail;        /* sequence number of the next entry */

  double         *sizes;
  guint           n_sizes;
  guint           size_pos;
  double          size_sum;
};

const char *
perp_flow_divergence_to_string (PerpFlowDivergence divergence)
{
  switch (divergence)
    {
    case PERP_FLOW_DIVERGENCE_NONE:
      return "none";
    case PERP_FLOW_DIVERGENCE_BEARISH:
      return "bearish";
    case PERP_FLOW_DIVERGENCE_BULLISH:
      return "bullish";
    default:
      return "?";
    }
}

/**
 * perp_trade_flow_params_init:
 * @params: (out caller-allocates): filled with the defaults documented on the struct
 */
void
perp_trade_flow_params_init (PerpTradeFlowParams *params)
{
  g_return_if_fail (params != NULL);

  params->bar_ms = 60000;
  params->window_ms = 60000;
  params->average_trades = 500;
  params->min_average_trades = 50;
  params->large_factor = 10.0;
  params->velocity_ms = 10000;
  params->divergence_bars = 10;
}

/**
 * perp_trade_flow_new:
 * @params: (nullable): %NULL for the defaults
 *
 * Returns: (transfer full): a flow that has seen no trade
 */
PerpTradeFlow *
perp_trade_flow_new (const PerpTradeFlowParams *params)
{
  PerpTradeFlow *self;

  g_return_val_if_fail (params == NULL || params->bar_ms > 0, NULL);
  g_return_val_if_fail (params == NULL || params->average_trades > 0, NULL);

  self = g_new0 (PerpTradeFlow, 1);
  if (params != NULL)
    self->params = *params;
  else
    perp_trade_flow_params_init (&self->params);

  self->bars = g_array_new (FALSE, FALSE, sizeof (PerpFlowBar));
  self->closes = g_array_new (FALSE, FALSE, sizeof (double));
  self->cvds = g_array_new (FALSE, FALSE, sizeof (double));
  self->last_price = NAN;
  self->ring_mask = 1024 - 1;
  self->ring = g_new (Entry, self->ring_mask + 1);
  self->sizes = g_new0 (double, self->params.average_trades);

  return self;
}

void
perp_trade_flow_free (PerpTradeFlow *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->bars);
  g_array_unref (self->closes);
  g_array_unref (self->cvds);
  g_free (self->ring);
  g_free (self->sizes);
  g_free (self);
}

static gint64
bar_start (const PerpTradeFlow *self,
           gint64               time_ms)
{
  gint64 q = time_ms / self->params.bar_ms;

  if (time_ms % self->params.bar_ms < 0)
    q--;

  return q * self->params.bar_ms;
}

static void
open_bar (PerpTradeFlow *self,
          gint64         open_time)
{
  memset (&self->forming, 0, sizeof self->forming);
  self->forming.open_time = open_time;
  self->forming.open = self->forming.high = self->forming.low = self->forming.close = NAN;
  self->forming.cvd = self->totals.cvd;
  self->forming.divergence = PERP_FLOW_DIVERGENCE_NONE;
}

/* The divergence rule, shared by flow bars and candle series: at bar @i, the close makes
 * a new extreme over the @lookback bars before it while CVD does not. */
static PerpFlowDivergence
divergence_at (const double *close,
               const double *cvd,
               gsize         i,
               guint         lookback)
{
  double high = -INFINITY;
  double low = INFINITY;
  double cvd_high = -INFINITY;
  double cvd_low = INFINITY;
  gboolean any = FALSE;

  if (lookback == 0 || i < lookback || isnan (close[i]) || isnan (cvd[i]))
    return PERP_FLOW_DIVERGENCE_NONE;

  for (gsize j = i - lookback; j < i; j++)
    {
      if (isnan (close[j]) || isnan (cvd[j]))
        continue;
      any = TRUE;
      high = MAX (high, close[j]);
      low = MIN (low, close[j]);
      cvd_high = MAX (cvd_high, cvd[j]);
      cvd_low = MIN (cvd_low, cvd[j]);
    }

  if (!any)
    return PERP_FLOW_DIVERGENCE_NONE;
  if (close[i] > high && cvd[i] <= cvd_high)
    return PERP_FLOW_DIVERGENCE_BEARISH;
  if (close[i] < low && cvd[i] >= cvd_low)
    return PERP_FLOW_DIVERGENCE_BULLISH;

  return PERP_FLOW_DIVERGENCE_NONE;
}

static void
close_bar (PerpTradeFlow *self)
{
  /* A bar without trades closes at the last price seen: the price did not move. */
  double close = self->forming.n_trades > 0 ? self->forming.close : self->last_price;

  g_array_append_val (self->closes, close);
  g_array_append_val (self->cvds, self->forming.cvd);
  self->forming.divergence = divergence_at ((const double *) (gpointer) self->closes->data,
                                            (const double *) (gpointer) self->cvds->data,
                                            self->closes->len - 1,
                                            self->params.divergence_bars);
  g_array_append_val (self->bars, self->forming);
}

/**
 * perp_trade_flow_advance:
 * @now_ms: the current exchange time
 *
 * Closes every bar that ends at or before @now_ms (bars without trades included) and
 * opens the one containing it.  The first call, or the first trade, starts the series.
 * A jump of more than PERP_TRADE_FLOW_MAX_EMPTY_BARS bars closes the open bar and opens
 * the one containing @now_ms, without the empty bars between (counted in
 * n_clock_jumps): the bars are contiguous except across such a jump.
 */
void
perp_trade_flow_advance (PerpTradeFlow *self,
                         gint64         now_ms)
{
  g_return_if_fail (self != NULL);

  if (!self->started)
    {
      self->started = TRUE;
      open_bar (self, bar_start (self, now_ms));
      return;
    }

  /* (The distance in unsigned arithmetic and divided, not multiplied out: no pair of
   * times can overflow it.) */
  if (now_ms > self->forming.open_time
      && ((guint64) now_ms - (guint64) self->forming.open_time) / (guint64) self->params.bar_ms
         > PERP_TRADE_FLOW_MAX_EMPTY_BARS)
    {
      close_bar (self);
      self->totals.n_clock_jumps++;
      open_bar (self, bar_start (self, now_ms));
      return;
    }

  while (self->forming.open_time + self->params.bar_ms <= now_ms)
    {
      gint64 next = self->forming.open_time + self->params.bar_ms;

      close_bar (self);
      open_bar (self, next);
    }
}

static void
ring_push (PerpTradeFlow *self,
           gint64         time,
           double         signed_qty)
{
  if (self->tail - self->head > self->ring_mask)
    {
      guint64 cap = (self->ring_mask + 1) * 2;
      Entry *ring = g_new (Entry, cap);

      for (guint64 s = self->head; s < self->tail; s++)
        ring[s & (cap - 1)] = self->ring[s & self->ring_mask];
      g_free (self->ring);
      self->ring = ring;
      self->ring_mask = cap - 1;
    }

  self->ring[self->tail & self->ring_mask].time = time;
  self->ring[self->tail & self->ring_mask].signed_qty = signed_qty;
  self->tail++;
}

static void
ring_prune (PerpTradeFlow *self,
            gint64         now)
{
  gint64 horizon = MAX (self->params.window_ms, 2 * self->params.velocity_ms);

  while (self->head < self->tail && self->ring[self->head & self->ring_mask].time <= now - horizon)
    self->head++;
}

/**
 * perp_trade_flow_add:
 * @trade: the next trade, in stream order
 *
 * Returns: %TRUE if @trade is a large trade (over large_factor times the mean size of the
 *   previous average_trades trades)
 */
gboolean
perp_trade_flow_add (PerpTradeFlow   *self,
                     const PerpTrade *trade)
{
  double signed_qty;
  double quote;
  gboolean buy;
  gboolean large;
  gint64 start;
  guint n_avg;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (trade != NULL, FALSE);

  start = bar_start (self, trade->trade_time);
  if (!self->started)
    perp_trade_flow_advance (self, trade->trade_time);
  else if (start > self->forming.open_time)
    perp_trade_flow_advance (self, start);
  else if (start < self->forming.open_time)
    self->totals.n_late++;

  buy = !trade->buyer_is_maker;
  signed_qty = perp_trade_signed_qty (trade);
  quote = trade->price * trade->qty;

  n_avg = self->n_sizes;
  large = n_avg >= MAX (self->params.min_average_trades, 1)
          && trade->qty > self->params.large_factor * (self->size_sum / n_avg);

  /* The mean excludes the trade being judged. */
  if (self->n_sizes < self->params.average_trades)
    {
      self->sizes[self->n_sizes++] = trade->qty;
      self->size_sum += trade->qty;
    }
  else
    {
      self->size_sum += trade->qty - self->sizes[self->size_pos];
      self->sizes[self->size_pos] = trade->qty;
      self->size_pos = (self->size_pos + 1) % self->params.average_trades;
      /* Once per turn, recompute the sum exactly so it cannot drift. */
      if (self->size_pos == 0)
        {
          self->size_sum = 0.0;
          for (guint i = 0; i < self->n_sizes; i++)
            self->size_sum += self->sizes[i];
        }
    }

  self->totals.cvd += signed_qty;
  self->totals.n_trades++;
  if (buy)
    self->totals.buy_volume += trade->qty;
  else
    self->totals.sell_volume += trade->qty;
  if (large)
    self->totals.n_large++;

  {
    PerpFlowBar *bar = &self->forming;

    if (bar->n_trades == 0)
      {
        bar->open = bar->high = bar->low = trade->price;
      }
    else
      {
        bar->high = MAX (bar->high, trade->price);
        bar->low = MIN (bar->low, trade->price);
      }
    bar->close = trade->price;
    if (buy)
      {
        bar->buy_volume += trade->qty;
        bar->buy_quote += quote;
      }
    else
      {
        bar->sell_volume += trade->qty;
        bar->sell_quote += quote;
      }
    bar->delta += signed_qty;
    bar->cvd = self->totals.cvd;
    bar->n_trades++;
    if (large)
      {
        bar->n_large++;
        if (buy)
          bar->large_buy_volume += trade->qty;
        else
          bar->large_sell_volume += trade->qty;
      }
  }

  self->last_price = trade->price;
  ring_push (self, trade->trade_time, signed_qty);
  ring_prune (self, trade->trade_time);

  return large;
}

guint
perp_trade_flow_get_n_bars (const PerpTradeFlow *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->bars->len;
}

/* The bar length the flow was made with. */
gint64
perp_trade_flow_get_bar_ms (const PerpTradeFlow *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->params.bar_ms;
}

/**
 * perp_trade_flow_get_bar:
 * @index: a closed bar, oldest first
 *
 * Returns: (transfer none): the bar; valid until the next bar closes
 */
const PerpFlowBar *
perp_trade_flow_get_bar (const PerpTradeFlow *self,
                         guint                index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->bars->len, NULL);

  return &g_array_index (self->bars, PerpFlowBar, index);
}

/**
 * perp_trade_flow_get_forming:
 * @bar: (out caller-allocates) (optional): the bar still open
 *
 * Returns: %FALSE before the first trade or advance
 */
gboolean
perp_trade_flow_get_forming (const PerpTradeFlow *self,
                             PerpFlowBar         *bar)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->started && bar != NULL)
    *bar = self->forming;

  return self->started;
}

/**
 * perp_trade_flow_get_window:
 * @now_ms: the end of the window; at or after the last trade added
 * @window: (out caller-allocates): delta and velocity over the windows ending at @now_ms
 *
 * Also forgets trades that no window ending at @now_ms or later can contain.
 */
void
perp_trade_flow_get_window (PerpTradeFlow  *self,
                            gint64          now_ms,
                            PerpFlowWindow *window)
{
  gint64 window_start;
  gint64 velocity_start;
  gint64 before_start;
  guint n_now = 0;
  guint n_before = 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (window != NULL);

  ring_prune (self, now_ms);

  memset (window, 0, sizeof *window);
  window->now = now_ms;
  window_start = now_ms - self->params.window_ms;
  velocity_start = now_ms - self->params.velocity_ms;
  before_start = now_ms - 2 * self->params.velocity_ms;

  for (guint64 s = self->head; s < self->tail; s++)
    {
      const Entry *e = &self->ring[s & self->ring_mask];

      if (e->time > window_start)
        {
          if (e->signed_qty >= 0.0)
            window->buy_volume += e->signed_qty;
          else
            window->sell_volume -= e->signed_qty;
          window->delta += e->signed_qty;
          window->n_trades++;
        }
      if (e->time > velocity_start)
        n_now++;
      else if (e->time > before_start)
        n_before++;
    }

  if (self->params.velocity_ms > 0)
    {
      window->trades_per_s = n_now * 1000.0 / self->params.velocity_ms;
      window->trades_per_s_before = n_before * 1000.0 / self->params.velocity_ms;
      window->velocity_change = window->trades_per_s - window->trades_per_s_before;
    }
}

/**
 * perp_trade_flow_get_totals:
 * @totals: (out caller-allocates): sums over every trade added
 */
void
perp_trade_flow_get_totals (const PerpTradeFlow *self,
                            PerpFlowTotals      *totals)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (totals != NULL);

  *totals = self->totals;
}

/**
 * perp_trade_flow_get_average_size:
 *
 * Returns: the mean size of the last average_trades trades, NAN before the first
 */
double
perp_trade_flow_get_average_size (const PerpTradeFlow *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->n_sizes > 0 ? self->size_sum / self->n_sizes : NAN;
}

/**
 * perp_flow_divergence_batch:
 * @close: (array length=n): closing prices (NAN: no price, skipped)
 * @cvd: (array length=n): CVD at each close
 * @lookback: bars before each one to compare with
 * @out: (array length=n): the divergence at each bar
 *
 * The rule trade-flow bars use, over any series: a close above every close of the
 * @lookback bars before it while CVD is not above theirs is bearish; a close below every
 * one of them while CVD is not below theirs is bullish.  Bar i uses bars i - lookback .. i
 * only, so the batch and the streaming form agree.
 */
void
perp_flow_divergence_batch (const double       *close,
                            const double       *cvd,
                            gsize               n,
                            guint               lookback,
                            PerpFlowDivergence *out)
{
  g_return_if_fail (n == 0 || (close != NULL && cvd != NULL && out != NULL));

  for (gsize i = 0; i < n; i++)
    out[i] = divergence_at (close, cvd, i, lookback);
}

/**
 * perp_candles_taker_delta:
 * @candles: candles with a taker-buy volume column (Binance's 12-column klines)
 * @delta: (array) (out caller-allocates): one value per closed candle
 * @cvd: (array) (out caller-allocates) (nullable): the running sum of @delta
 *
 * Candle delta without ticks: taker sell volume is volume - taker buy volume, so
 * delta = taker buy - taker sell = 2 × taker buy - volume.  A candle without a taker
 * value gets a NAN delta and leaves the CVD where it was.
 *
 * Returns: %FALSE (writing nothing) if the series has no taker-buy column
 */
gboolean
perp_candles_taker_delta (const PerpCandles *candles,
                          double            *delta,
                          double            *cvd)
{
  const double *taker_buy;
  const double *volume;
  double sum = 0.0;
  guint n;

  g_return_val_if_fail (candles != NULL, FALSE);

  taker_buy = perp_candles_get_taker_buy_volume (candles);
  if (taker_buy == NULL)
    return FALSE;

  n = perp_candles_get_length (candles);
  g_return_val_if_fail (n == 0 || delta != NULL, FALSE);
  volume = perp_candles_get_volume (candles);

  for (guint i = 0; i < n; i++)
    {
      double d = 2.0 * taker_buy[i] - volume[i];

      delta[i] = d;
      if (!isnan (d))
        sum += d;
      if (cvd != NULL)
        cvd[i] = sum;
    }

  return TRUE;
}
