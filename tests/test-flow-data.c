/* test-flow-data.c: the order book and the trade flow on every recorded capture in
 * ../shared/data/ticks, and candle delta on ../shared/data/klines_usdm_1m_full
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "test-ticks-common.h"

typedef struct
{
  const char *name;
  const char *files[3];   /* relative to ../shared, in reading order */
} Capture;

/* The spot captures were split at midnight: the 0809 part continues the 0808 part's
 * depth ids without a snapshot of its own, so the two are one replay. */
static const Capture captures[] = {
  { "usdm-BTCUSDT", { "data/ticks/binance_usdm_BTCUSDT_20240808.jsonl.gz", NULL } },
  { "usdm-ETHUSDT", { "data/ticks/binance_usdm_ETHUSDT_20240808.jsonl.gz", NULL } },
  { "spot-BTCUSDT", { "data/ticks/binance_spot_BTCUSDT_20240808.jsonl.gz",
                      "data/ticks/binance_spot_BTCUSDT_20240809.jsonl.gz", NULL } },
  { "spot-ETHUSDT", { "data/ticks/binance_spot_ETHUSDT_20240808.jsonl.gz",
                      "data/ticks/binance_spot_ETHUSDT_20240809.jsonl.gz", NULL } },
};

static const char *klines_files[] = {
  "FILUSDT-1m-2023-08.csv", "FILUSDT-1m-2023-09.csv", "FILUSDT-1m-2023-10.csv", "FILUSDT-1m-2023-11.csv",
  "NEARUSDT-1m-2023-08.csv", "NEARUSDT-1m-2023-09.csv", "NEARUSDT-1m-2023-10.csv",
};

/* Paths of the capture's files, or NULL (after g_test_skip) when one is missing. */
static GStrv
capture_paths (const Capture *capture)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; capture->files[i] != NULL; i++)
    {
      g_autofree char *path = perp_test_shared_path (capture->files[i]);

      if (path == NULL)
        {
          g_autofree char *message = g_strdup_printf ("../shared/%s is not there", capture->files[i]);

          g_test_skip (message);
          return NULL;
        }
      g_strv_builder_add (builder, path);
    }

  return g_strv_builder_end (builder);
}

static double
relative_difference (double a,
                     double b)
{
  return fabs (a - b) / MAX (1.0, MAX (fabs (a), fabs (b)));
}

/*
 * The book, proven on real data: at every bookTicker whose update id is the final id of
 * a depth event the book applied, its best bid and ask (price and quantity) equal the
 * exchange's.  And the trade flow: volumes, delta and CVD equal the sums of the trades,
 * read from the raw lines without the decoder.
 */
static void
test_capture (gconstpointer data)
{
  const Capture *capture = data;
  g_auto(GStrv) paths = capture_paths (capture);
  TestRaw raw;
  TestReplay replay;
  PerpFlowTotals totals;
  PerpFlowBar forming;
  PerpBookStats stats;
  double bar_delta_sum = 0.0;
  double bar_buy_sum = 0.0;
  guint64 bar_trades = 0;

  if (paths == NULL)
    return;

  test_raw_scan ((const char * const *) paths, &raw);
  test_replay_init (&replay);
  test_replay_run (&replay, &raw, (const char * const *) paths, PERP_TICK_READER_FLAGS_NONE);

  g_test_message ("%s: %" G_GUINT64_FORMAT " bookTicker checks, %" G_GUINT64_FORMAT " depth events, %"
                  G_GUINT64_FORMAT " trades", capture->name, replay.n_checks, raw.n_depth, raw.n_trades);

  /* The book. */
  if (replay.n_mismatches > 0)
    g_error ("%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " book tops differ from bookTicker:\n%s",
             capture->name, replay.n_mismatches, replay.n_checks, replay.mismatches->str);
  if (replay.n_gaps > 0)
    g_error ("%s: %" G_GUINT64_FORMAT " sequence breaks in a capture without any:\n%s",
             capture->name, replay.n_gaps, replay.gaps->str);
  g_assert_cmpuint (replay.n_checks, >, 0);
  g_assert_cmpuint (replay.n_applied_crossed, ==, 0);
  g_assert_cmpint (perp_order_book_get_state (replay.book), ==, PERP_BOOK_STATE_LIVE);
  perp_order_book_get_stats (replay.book, &stats);
  g_assert_cmpuint (stats.n_applied + stats.n_skipped, ==, raw.n_depth);

  /* The core's own running check must have found the same matches and no failure. */
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (replay.check), ==, replay.n_checks);
  g_assert_cmpuint (perp_book_ticker_check_get_n_failed (replay.check), ==, 0);

  /* The trades: the same additions in the same order give the same bits. */
  perp_trade_flow_get_totals (replay.flow, &totals);
  g_assert_cmpuint (totals.n_trades, ==, raw.n_trades);
  g_assert_cmpuint (totals.n_trades, >, 0);
  g_assert_true (totals.buy_volume == raw.buy_volume);
  g_assert_true (totals.sell_volume == raw.sell_volume);
  g_assert_true (totals.cvd == raw.cvd);

  /* Per-bar delta adds up to the same, up to the order of the additions. */
  for (guint i = 0; i < perp_trade_flow_get_n_bars (replay.flow); i++)
    {
      const PerpFlowBar *bar = perp_trade_flow_get_bar (replay.flow, i);

      bar_delta_sum += bar->delta;
      bar_buy_sum += bar->buy_volume;
      bar_trades += bar->n_trades;
      g_assert_cmpfloat (relative_difference (bar->delta, bar->buy_volume - bar->sell_volume), <, 1e-9);
    }
  g_assert_true (perp_trade_flow_get_forming (replay.flow, &forming));
  bar_delta_sum += forming.delta;
  bar_buy_sum += forming.buy_volume;
  bar_trades += forming.n_trades;
  g_assert_cmpuint (bar_trades, ==, raw.n_trades);
  g_assert_cmpfloat (relative_difference (bar_delta_sum, raw.cvd), <, 1e-9);
  g_assert_cmpfloat (relative_difference (bar_buy_sum, raw.buy_volume), <, 1e-9);
  g_assert_true (forming.cvd == raw.cvd);

  test_replay_clear (&replay);
  test_raw_clear (&raw);
}

/* Candle delta from taker-buy volume, against the CSV read by the test's own parser. */
static void
test_klines_delta (gconstpointer data)
{
  const char *name = data;
  g_autofree char *relative = g_build_filename ("data", "klines_usdm_1m_full", name, NULL);
  g_autofree char *path = perp_test_shared_path (relative);
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpTestTable) table = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *delta = NULL;
  g_autofree double *cvd = NULL;
  PerpCsvReport report = { 0 };
  double expected_cvd = 0.0;
  guint n_buy_heavy = 0;
  int tb;
  int vol;
  guint n;

  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf ("../shared/%s is not there", relative);

      g_test_skip (message);
      return;
    }

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  perp_csv_report_clear (&report);
  table = perp_test_table_load (path, &error);
  g_assert_no_error (error);

  n = perp_candles_get_length (candles);
  g_assert_cmpuint (n, ==, table->n_rows);
  g_assert_cmpuint (n, >, 40000);
  tb = perp_test_table_column (table, "taker_buy_volume");
  vol = perp_test_table_column (table, "volume");
  g_assert_cmpint (tb, >=, 0);
  g_assert_cmpint (vol, >=, 0);

  delta = g_new (double, n);
  cvd = g_new (double, n);
  g_assert_true (perp_candles_taker_delta (candles, delta, cvd));

  for (guint i = 0; i < n; i++)
    {
      double buy = table->columns[tb][i];
      double sell = table->columns[vol][i] - buy;
      double expected = 2.0 * buy - table->columns[vol][i];

      expected_cvd += expected;
      g_assert_true (delta[i] == expected);
      g_assert_true (cvd[i] == expected_cvd);
      /* Taker buy minus taker sell, within what the candle traded. */
      g_assert_cmpfloat (fabs (delta[i] - (buy - sell)), <=, 1e-9 * MAX (1.0, table->columns[vol][i]));
      g_assert_cmpfloat (fabs (delta[i]), <=, table->columns[vol][i] * (1 + 1e-12));
      n_buy_heavy += delta[i] > 0;
    }

  /* Real markets have both kinds of candles: a sign error would not pass this. */
  g_assert_cmpuint (n_buy_heavy, >, n / 10);
  g_assert_cmpuint (n_buy_heavy, <, n - n / 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (captures); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/data/flow/capture/%s", captures[i].name);

      g_test_add_data_func (test_path, &captures[i], test_capture);
    }

  for (guint i = 0; i < G_N_ELEMENTS (klines_files); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/data/flow/taker-delta/%s", klines_files[i]);

      g_test_add_data_func (test_path, klines_files[i], test_klines_delta);
    }

  return g_test_run ();
}
