/* test-trade-flow.c: aggressor volume, bars, rolling windows, large trades, divergence,
 * and candle delta from taker-buy volume
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "core/perp-decimal.h"
#include "core/perp-trade-flow.h"
#include "perp-test-support.h"

static PerpTrade
trade (gint64      time,
       const char *price,
       double      qty,
       gboolean    buyer_is_maker)
{
  PerpTrade t = { 0, };

  g_assert_true (perp_price_key_parse (price, strlen (price), &t.price_key));
  t.event_time = time;
  t.trade_time = time;
  t.price = perp_price_key_to_double (t.price_key);
  t.qty = qty;
  t.buyer_is_maker = buyer_is_maker;

  return t;
}

static gboolean
add (PerpTradeFlow *flow,
     gint64         time,
     const char    *price,
     double         qty,
     gboolean       buyer_is_maker)
{
  PerpTrade t = trade (time, price, qty, buyer_is_maker);

  return perp_trade_flow_add (flow, &t);
}

static PerpTradeFlowParams
params_with_bar (gint64 bar_ms)
{
  PerpTradeFlowParams params;

  perp_trade_flow_params_init (&params);
  params.bar_ms = bar_ms;

  return params;
}

static void
test_aggressor (void)
{
  g_autoptr(PerpTradeFlow) flow = perp_trade_flow_new (NULL);
  PerpFlowTotals totals;

  /* m = true: the buyer rested, the seller was the taker. */
  add (flow, 1000, "100", 2.0, TRUE);
  add (flow, 1001, "101", 0.5, FALSE);
  add (flow, 1002, "101", 0.25, FALSE);

  perp_trade_flow_get_totals (flow, &totals);
  g_assert_cmpfloat (totals.sell_volume, ==, 2.0);
  g_assert_cmpfloat (totals.buy_volume, ==, 0.75);
  g_assert_cmpfloat (totals.cvd, ==, -1.25);
  g_assert_cmpuint (totals.n_trades, ==, 3);
}

static void
test_bars (void)
{
  PerpTradeFlowParams params = params_with_bar (1000);
  g_autoptr(PerpTradeFlow) flow = perp_trade_flow_new (&params);
  const PerpFlowBar *bar;
  PerpFlowBar forming;
  PerpFlowTotals totals;

  add (flow, 1000, "100", 1.0, FALSE);
  add (flow, 1500, "102", 2.0, TRUE);
  add (flow, 1999, "101", 0.5, FALSE);
  add (flow, 2100, "99", 3.0, TRUE);
  add (flow, 5200, "98", 1.0, FALSE);

  /* 1000, 2000, then 3000 and 4000 without trades; 5000 is still open. */
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, 4);

  bar = perp_trade_flow_get_bar (flow, 0);
  g_assert_cmpint (bar->open_time, ==, 1000);
  g_assert_cmpfloat (bar->open, ==, 100.0);
  g_assert_cmpfloat (bar->high, ==, 102.0);
  g_assert_cmpfloat (bar->low, ==, 100.0);
  g_assert_cmpfloat (bar->close, ==, 101.0);
  g_assert_cmpfloat (bar->buy_volume, ==, 1.5);
  g_assert_cmpfloat (bar->sell_volume, ==, 2.0);
  g_assert_cmpfloat (bar->delta, ==, -0.5);
  g_assert_cmpfloat (bar->cvd, ==, -0.5);
  g_assert_cmpfloat (bar->buy_quote, ==, 100.0 + 50.5);
  g_assert_cmpfloat (bar->sell_quote, ==, 204.0);
  g_assert_cmpuint (bar->n_trades, ==, 3);

  bar = perp_trade_flow_get_bar (flow, 1);
  g_assert_cmpint (bar->open_time, ==, 2000);
  g_assert_cmpfloat (bar->delta, ==, -3.0);
  g_assert_cmpfloat (bar->cvd, ==, -3.5);

  for (guint i = 2; i < 4; i++)
    {
      bar = perp_trade_flow_get_bar (flow, i);
      g_assert_cmpint (bar->open_time, ==, 1000 * (i + 1));
      g_assert_cmpuint (bar->n_trades, ==, 0);
      g_assert_true (isnan (bar->open) && isnan (bar->close));
      g_assert_cmpfloat (bar->delta, ==, 0.0);
      g_assert_cmpfloat (bar->cvd, ==, -3.5);
    }

  /* A late trade (from a bar already closed) goes into the open bar, and is counted. */
  add (flow, 4999, "97", 0.5, FALSE);
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpint (forming.open_time, ==, 5000);
  g_assert_cmpuint (forming.n_trades, ==, 2);
  g_assert_cmpfloat (forming.delta, ==, 1.5);
  g_assert_cmpfloat (forming.cvd, ==, -2.0);
  perp_trade_flow_get_totals (flow, &totals);
  g_assert_cmpuint (totals.n_late, ==, 1);

  /* Advancing the clock closes bars without trades. */
  perp_trade_flow_advance (flow, 7000);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, 6);
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpint (forming.open_time, ==, 7000);
  g_assert_cmpfloat (perp_trade_flow_get_bar (flow, 5)->cvd, ==, -2.0);
}

static void
test_advance_first (void)
{
  PerpTradeFlowParams params = params_with_bar (60000);
  g_autoptr(PerpTradeFlow) flow = perp_trade_flow_new (&params);
  PerpFlowBar forming;

  g_assert_false (perp_trade_flow_get_forming (flow, NULL));
  perp_trade_flow_advance (flow, 125000);
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpint (forming.open_time, ==, 120000);
  add (flow, 190000, "5", 1.0, FALSE);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, 1);
  g_assert_cmpuint (perp_trade_flow_get_bar (flow, 0)->n_trades, ==, 0);
}

/* The clock may fill a gap of PERP_TRADE_FLOW_MAX_EMPTY_BARS empty bars; one longer (a
 * capture resumed days later, or a time stamp in the year 2516 as the fuzzer sent) is one
 * jump: the open bar closes, the next opens where the time is, and the gap is counted. */
static void
test_clock_jump (void)
{
  const gint64 minute = 60000;
  PerpTradeFlowParams params = params_with_bar (minute);
  g_autoptr(PerpTradeFlow) flow = perp_trade_flow_new (&params);
  gint64 far = G_GINT64_CONSTANT (17231612563220);
  PerpFlowTotals totals;
  PerpFlowBar forming;

  add (flow, 0, "100", 1.0, FALSE);
  /* The longest gap still filled: bar MAX_EMPTY_BARS opens, every one before it closes. */
  add (flow, PERP_TRADE_FLOW_MAX_EMPTY_BARS * minute + 1, "101", 1.0, FALSE);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, PERP_TRADE_FLOW_MAX_EMPTY_BARS);
  for (guint i = 1; i < PERP_TRADE_FLOW_MAX_EMPTY_BARS; i++)
    g_assert_cmpint (perp_trade_flow_get_bar (flow, i)->open_time, ==, i * minute);
  perp_trade_flow_get_totals (flow, &totals);
  g_assert_cmpuint (totals.n_clock_jumps, ==, 0);

  /* One bar more is a jump. */
  add (flow, (2 * PERP_TRADE_FLOW_MAX_EMPTY_BARS + 1) * minute + 5, "102", 2.0, TRUE);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, PERP_TRADE_FLOW_MAX_EMPTY_BARS + 1);
  g_assert_cmpuint (perp_trade_flow_get_bar (flow, PERP_TRADE_FLOW_MAX_EMPTY_BARS)->n_trades, ==, 1);
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpint (forming.open_time, ==, (2 * PERP_TRADE_FLOW_MAX_EMPTY_BARS + 1) * minute);
  g_assert_cmpuint (forming.n_trades, ==, 1);
  perp_trade_flow_get_totals (flow, &totals);
  g_assert_cmpuint (totals.n_clock_jumps, ==, 1);

  /* Centuries ahead costs one bar too, and no volume is lost on the way. */
  add (flow, far, "103", 4.0, FALSE);
  g_assert_cmpuint (perp_trade_flow_get_n_bars (flow), ==, PERP_TRADE_FLOW_MAX_EMPTY_BARS + 2);
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpint (forming.open_time, ==, far / minute * minute);
  perp_trade_flow_get_totals (flow, &totals);
  g_assert_cmpuint (totals.n_clock_jumps, ==, 2);
  g_assert_cmpfloat (totals.buy_volume, ==, 6.0);
  g_assert_cmpfloat (totals.sell_volume, ==, 2.0);
  g_assert_cmpint (perp_trade_flow_get_bar_ms (flow), ==, minute);
}

static void
test_window (void)
{
  PerpTradeFlowParams params = params_with_bar (60000);
  g_autoptr(PerpTradeFlow) flow = NULL;
  PerpFlowWindow w;

  params.window_ms = 10000;
  params.velocity_ms = 2000;
  flow = perp_trade_flow_new (&params);

  /* 3 trades in (0, 2000], 5 in (2000, 4000], then one far later. */
  add (flow, 500, "10", 1.0, FALSE);
  add (flow, 1000, "10", 1.0, TRUE);
  add (flow, 2000, "10", 2.0, FALSE);
  for (guint i = 0; i < 5; i++)
    add (flow, 2500 + 300 * i, "10", 0.5, TRUE);

  perp_trade_flow_get_window (flow, 4000, &w);
  g_assert_cmpint (w.now, ==, 4000);
  g_assert_cmpuint (w.n_trades, ==, 8);
  g_assert_cmpfloat (w.buy_volume, ==, 3.0);
  g_assert_cmpfloat (w.sell_volume, ==, 3.5);
  g_assert_cmpfloat (w.delta, ==, -0.5);
  g_assert_cmpfloat (w.trades_per_s, ==, 2.5);
  g_assert_cmpfloat (w.trades_per_s_before, ==, 1.5);
  g_assert_cmpfloat (w.velocity_change, ==, 1.0);

  /* (1000, 11000]: the first two have left the delta window. */
  perp_trade_flow_get_window (flow, 11000, &w);
  g_assert_cmpuint (w.n_trades, ==, 6);
  g_assert_cmpfloat (w.delta, ==, -0.5);
  g_assert_cmpfloat (w.trades_per_s, ==, 0.0);

  add (flow, 30000, "10", 4.0, FALSE);
  perp_trade_flow_get_window (flow, 30000, &w);
  g_assert_cmpuint (w.n_trades, ==, 1);
  g_assert_cmpfloat (w.delta, ==, 4.0);
  g_assert_cmpfloat (w.trades_per_s, ==, 0.5);
}

/* The ring grows past its first size and still counts every trade in the window. */
static void
test_window_many (void)
{
  PerpTradeFlowParams params = params_with_bar (60000);
  g_autoptr(PerpTradeFlow) flow = perp_trade_flow_new (&params);
  PerpFlowWindow w;
  double expected = 0.0;

  for (guint i = 0; i < 10000; i++)
    {
      gboolean sell = i % 3 == 0;

      add (flow, 100000 + i, "10", 0.125 * (i % 7 + 1), sell);
      expected += sell ? -0.125 * (i % 7 + 1) : 0.125 * (i % 7 + 1);
    }

  perp_trade_flow_get_window (flow, 100000 + 9999, &w);
  g_assert_cmpuint (w.n_trades, ==, 10000);
  g_assert_cmpfloat (w.delta, ==, expected);
}

static void
test_large_trades (void)
{
  PerpTradeFlowParams params = params_with_bar (1000);
  g_autoptr(PerpTradeFlow) flow = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autofree double *sizes = NULL;
  PerpFlowBar forming;

  params.average_trades = 10;
  params.min_average_trades = 5;
  params.large_factor = 3.0;
  flow = perp_trade_flow_new (&params);

  /* Nothing is large before enough trades to judge by. */
  g_assert_false (add (flow, 1000, "10", 1.0, FALSE));
  g_assert_false (add (flow, 1001, "10", 100.0, FALSE));
  for (guint i = 0; i < 8; i++)
    g_assert_false (add (flow, 1002 + i, "10", 1.0, FALSE));

  /* The last 10 sizes: 100 and nine 1s, mean 10.9; 3 x that is 32.7. */
  g_assert_cmpfloat_with_epsilon (perp_trade_flow_get_average_size (flow), 10.9, 1e-12);
  g_assert_false (add (flow, 1010, "10", 32.0, TRUE));
  /* The 32 replaced the oldest 1: mean (32 + 100 + 8) / 10 = 14, 3 x that is 42. */
  g_assert_true (add (flow, 1011, "10", 50.0, TRUE));
  g_assert_true (perp_trade_flow_get_forming (flow, &forming));
  g_assert_cmpuint (forming.n_large, ==, 1);
  g_assert_cmpfloat (forming.large_sell_volume, ==, 50.0);
  g_assert_cmpfloat (forming.large_buy_volume, ==, 0.0);

  /* The running mean does not drift from the mean of the last N sizes. */
  sizes = g_new0 (double, 300000);
  for (guint i = 0; i < 300000; i++)
    {
      double sum = 0.0;

      sizes[i] = g_rand_int_range (rand, 1, 100000) / 1000.0;
      add (flow, 2000 + i, "10", sizes[i], FALSE);
      if (i % 29989 != 0 || i < 10)
        continue;
      for (guint k = i - 9; k <= i; k++)
        sum += sizes[k];
      g_assert_cmpfloat (fabs (perp_trade_flow_get_average_size (flow) - sum / 10.0), <=, 1e-9 * sum);
    }
}

/* One trade per bar at @prices; buyer or seller as @sides ('b' / 's'), qty 1. */
static PerpTradeFlow *
bars_from (const PerpTradeFlowParams *params,
           const char * const        *prices,
           const char                *sides)
{
  PerpTradeFlow *flow = perp_trade_flow_new (params);

  for (guint i = 0; prices[i] != NULL; i++)
    add (flow, 1000 * (i + 1), prices[i], 1.0, sides[i] == 's');
  perp_trade_flow_advance (flow, 1000 * (g_strv_length ((char **) prices) + 1));

  return flow;
}

static void
test_divergence (void)
{
  static const char *prices[] = { "100", "101", "102", "103", "104", "100", "99", "98", "97", "96", NULL };
  /* CVD: +1 +2 +3 then falls while price still makes highs; then rises while price falls. */
  static const char sides[] = "bbbss" "bbbbb";
  PerpTradeFlowParams params = params_with_bar (1000);
  g_autoptr(PerpTradeFlow) flow = NULL;
  double close[10];
  double cvd[10];
  PerpFlowDivergence batch[10];
  guint n;

  params.divergence_bars = 3;
  flow = bars_from (&params, prices, sides);
  n = perp_trade_flow_get_n_bars (flow);
  g_assert_cmpuint (n, ==, 10);

  for (guint i = 0; i < n; i++)
    {
      close[i] = perp_trade_flow_get_bar (flow, i)->close;
      cvd[i] = perp_trade_flow_get_bar (flow, i)->cvd;
    }

  /* Bar 3: close 103 above bars 0..2, CVD 2 below bar 2's 3: bearish; bar 4 likewise.
   * Bars 5..9: each close below the three before it while CVD climbs: bullish. */
  g_assert_cmpint (perp_trade_flow_get_bar (flow, 2)->divergence, ==, PERP_FLOW_DIVERGENCE_NONE);
  g_assert_cmpint (perp_trade_flow_get_bar (flow, 3)->divergence, ==, PERP_FLOW_DIVERGENCE_BEARISH);
  g_assert_cmpint (perp_trade_flow_get_bar (flow, 4)->divergence, ==, PERP_FLOW_DIVERGENCE_BEARISH);
  g_assert_cmpint (perp_trade_flow_get_bar (flow, 5)->divergence, ==, PERP_FLOW_DIVERGENCE_BULLISH);
  for (guint i = 6; i < n; i++)
    g_assert_cmpint (perp_trade_flow_get_bar (flow, i)->divergence, ==, PERP_FLOW_DIVERGENCE_BULLISH);

  /* The batch form over the same series agrees bar for bar. */
  perp_flow_divergence_batch (close, cvd, n, 3, batch);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (batch[i], ==, perp_trade_flow_get_bar (flow, i)->divergence);

  /* No lookback, no verdict. */
  perp_flow_divergence_batch (close, cvd, n, 0, batch);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (batch[i], ==, PERP_FLOW_DIVERGENCE_NONE);
}

/* Candle delta on the 12-column fixture, against the CSV read by the test's own parser. */
static void
test_taker_delta_fixture (void)
{
  g_autofree char *path = perp_test_fixture_path ("FILUSDT_1m_first400.csv");
  g_autofree char *six = perp_test_fixture_path ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpCandles) plain = NULL;
  g_autoptr(PerpTestTable) table = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *delta = NULL;
  g_autofree double *cvd = NULL;
  double running = 0.0;
  int tb;
  int vol;
  guint n;

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  table = perp_test_table_load (path, &error);
  g_assert_no_error (error);
  n = perp_candles_get_length (candles);
  g_assert_cmpuint (n, ==, table->n_rows);
  tb = perp_test_table_column (table, "taker_buy_volume");
  vol = perp_test_table_column (table, "volume");
  g_assert_cmpint (tb, >=, 0);

  delta = g_new (double, n);
  cvd = g_new (double, n);
  g_assert_true (perp_candles_taker_delta (candles, delta, cvd));
  for (guint i = 0; i < n; i++)
    {
      double buy = table->columns[tb][i];
      double sell = table->columns[vol][i] - buy;

      g_assert_true (delta[i] == 2.0 * buy - table->columns[vol][i]);
      g_assert_cmpfloat (fabs (delta[i] - (buy - sell)), <=, 1e-9 * MAX (1.0, table->columns[vol][i]));
      running += delta[i];
      g_assert_true (cvd[i] == running);
    }

  /* The CVD is optional. */
  g_assert_true (perp_candles_taker_delta (candles, delta, NULL));

  /* A 6-column file has no taker volume: no delta, nothing written. */
  plain = perp_candle_csv_load (six, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  delta[0] = 12345.0;
  g_assert_false (perp_candles_taker_delta (plain, delta, cvd));
  g_assert_cmpfloat (delta[0], ==, 12345.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/flow/aggressor-from-maker-flag", test_aggressor);
  g_test_add_func ("/core/flow/bars", test_bars);
  g_test_add_func ("/core/flow/advance-before-first-trade", test_advance_first);
  g_test_add_func ("/core/flow/clock-jump", test_clock_jump);
  g_test_add_func ("/core/flow/window-and-velocity", test_window);
  g_test_add_func ("/core/flow/window-many-trades", test_window_many);
  g_test_add_func ("/core/flow/large-trades", test_large_trades);
  g_test_add_func ("/core/flow/divergence", test_divergence);
  g_test_add_func ("/core/flow/taker-delta-fixture", test_taker_delta_fixture);

  return g_test_run ();
}
