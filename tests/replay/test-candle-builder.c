/* test-candle-builder.c: candles built from real trades against a second, independent
 * pass over the same trades
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include "core/perp-candle-builder.h"
#include "replay-test-common.h"

#define TRADES "replay/binance_spot_ETHUSDT_20240808_trades_from_235630.jsonl.gz"

static GPtrArray *
load_trades (void)
{
  g_autofree char *path = perp_test_fixture_path (TRADES);
  GPtrArray *lines = raw_read (path);

  g_assert_cmpuint (lines->len, >, 1000);
  for (guint i = 0; i < lines->len; i++)
    g_assert_true (g_str_has_suffix (((RawLine *) g_ptr_array_index (lines, i))->stream, "@trade"));

  return lines;
}

static PerpTrade
to_trade (const RawLine *r)
{
  PerpTrade t = { 0 };

  t.trade_time = r->time;
  t.event_time = r->time;
  t.price = r->price;
  t.qty = r->qty;
  t.buyer_is_maker = r->buyer_is_maker;

  return t;
}

/* Every trade in; the closed candles and the forming one against the second pass. */
static void
check_interval (PerpInterval interval)
{
  g_autoptr(GPtrArray) trades = load_trades ();
  g_autoptr(PerpCandleBuilder) builder = perp_candle_builder_new (interval);
  g_autoptr(GArray) closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  g_autoptr(GArray) expected = expected_candles (trades, perp_interval_to_ms (interval));
  PerpCandle forming;

  for (guint i = 0; i < trades->len; i++)
    {
      PerpTrade t = to_trade (g_ptr_array_index (trades, i));
      guint before = closed->len;

      g_assert_true (perp_candle_builder_add_trade (builder, &t, closed));
      /* What closed is always before the trade's bucket, and the forming candle holds it. */
      g_assert_true (perp_candle_builder_get_forming (builder, &forming));
      g_assert_cmpint (forming.open_time, <=, t.trade_time);
      g_assert_cmpint (t.trade_time, <, forming.open_time + perp_interval_to_ms (interval));
      for (guint j = before; j < closed->len; j++)
        g_assert_cmpint (g_array_index (closed, PerpCandle, j).open_time, <, forming.open_time);
    }

  g_assert_cmpuint (expected->len, >=, 2);
  g_assert_cmpuint (closed->len, ==, expected->len - 1);
  for (guint i = 0; i < closed->len; i++)
    assert_candle_equal (&g_array_index (closed, PerpCandle, i), &g_array_index (expected, PerpCandle, i));
  g_assert_true (perp_candle_builder_get_forming (builder, &forming));
  assert_candle_equal (&forming, &g_array_index (expected, PerpCandle, expected->len - 1));
  g_assert_cmpuint (perp_candle_builder_get_n_trades (builder), ==, trades->len);
  g_assert_cmpuint (perp_candle_builder_get_n_dropped (builder), ==, 0);
}

static void
test_real_trades_1m (void)
{
  g_autoptr(GPtrArray) trades = load_trades ();
  g_autoptr(GArray) expected = expected_candles (trades, PERP_MS_PER_MINUTE);

  /* The fixture spans several whole minutes: a real test of closing. */
  g_assert_cmpuint (expected->len, >=, 4);
  check_interval (PERP_INTERVAL_1M);
}

static void
test_real_trades_3m (void)
{
  check_interval (PERP_INTERVAL_3M);
}

/* The taker-buy split against the README's definition: m = false is a taker buy. */
static void
test_taker_volume (void)
{
  g_autoptr(GPtrArray) trades = load_trades ();
  g_autoptr(PerpCandleBuilder) builder = perp_candle_builder_new (PERP_INTERVAL_1M);
  g_autoptr(GArray) closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  double buy = 0;
  double total = 0;
  double built_buy = 0;
  double built_total = 0;
  PerpCandle forming;

  for (guint i = 0; i < trades->len; i++)
    {
      RawLine *r = g_ptr_array_index (trades, i);
      PerpTrade t = to_trade (r);

      total += r->qty;
      if (!r->buyer_is_maker)
        buy += r->qty;
      perp_candle_builder_add_trade (builder, &t, closed);
    }
  perp_candle_builder_get_forming (builder, &forming);
  g_array_append_val (closed, forming);
  for (guint i = 0; i < closed->len; i++)
    {
      built_buy += g_array_index (closed, PerpCandle, i).taker_buy_volume;
      built_total += g_array_index (closed, PerpCandle, i).volume;
    }

  g_assert_cmpfloat (buy, >, 0);
  g_assert_cmpfloat (buy, <, total);
  g_assert_cmpfloat_with_epsilon (built_buy, buy, 1e-9 * total);
  g_assert_cmpfloat_with_epsilon (built_total, total, 1e-9 * total);
}

static PerpTrade
make_trade (gint64   time,
            double   price,
            double   qty,
            gboolean buyer_is_maker)
{
  PerpTrade t = { 0 };

  t.trade_time = time;
  t.event_time = time;
  t.price = price;
  t.qty = qty;
  t.buyer_is_maker = buyer_is_maker;

  return t;
}

/* Binance gives every interval a candle: flat at the previous close, zero volume. */
static void
test_empty_buckets_are_flat (void)
{
  g_autoptr(PerpCandleBuilder) builder = perp_candle_builder_new (PERP_INTERVAL_1M);
  g_autoptr(GArray) closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  gint64 t0 = G_GINT64_CONSTANT (1723161360000);  /* 2024-08-08 23:56 UTC */
  PerpTrade a = make_trade (t0 + 1000, 100, 1, FALSE);
  PerpTrade b = make_trade (t0 + 2000, 101, 2, TRUE);
  PerpTrade c = make_trade (t0 + 3 * 60000 + 5, 99, 3, FALSE);
  PerpCandle forming;

  perp_candle_builder_add_trade (builder, &a, closed);
  perp_candle_builder_add_trade (builder, &b, closed);
  g_assert_cmpuint (closed->len, ==, 0);
  perp_candle_builder_add_trade (builder, &c, closed);

  g_assert_cmpuint (closed->len, ==, 3);
  g_assert_cmpint (g_array_index (closed, PerpCandle, 0).open_time, ==, t0);
  g_assert_cmpfloat (g_array_index (closed, PerpCandle, 0).close, ==, 101);
  g_assert_cmpfloat (g_array_index (closed, PerpCandle, 0).taker_buy_volume, ==, 1);
  for (guint i = 1; i < 3; i++)
    {
      const PerpCandle *f = &g_array_index (closed, PerpCandle, i);

      g_assert_cmpint (f->open_time, ==, t0 + i * 60000);
      g_assert_cmpfloat (f->open, ==, 101);
      g_assert_cmpfloat (f->high, ==, 101);
      g_assert_cmpfloat (f->low, ==, 101);
      g_assert_cmpfloat (f->close, ==, 101);
      g_assert_cmpfloat (f->volume, ==, 0);
      g_assert_cmpint (f->trade_count, ==, 0);
    }

  /* The candle after the gap opens at its first trade, not at the previous close. */
  perp_candle_builder_get_forming (builder, &forming);
  g_assert_cmpint (forming.open_time, ==, t0 + 3 * 60000);
  g_assert_cmpfloat (forming.open, ==, 99);
  g_assert_cmpfloat (forming.high, ==, 99);
  g_assert_cmpint (forming.trade_count, ==, 1);
}

static void
test_advance (void)
{
  g_autoptr(PerpCandleBuilder) builder = perp_candle_builder_new (PERP_INTERVAL_1M);
  g_autoptr(GArray) closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  gint64 t0 = G_GINT64_CONSTANT (1723161360000);
  PerpTrade a = make_trade (t0 + 10, 50, 1, FALSE);
  PerpTrade late = make_trade (t0 + 30, 51, 1, FALSE);
  PerpCandle forming;

  /* Nothing before the first trade. */
  g_assert_cmpuint (perp_candle_builder_advance (builder, t0 + 600000, closed), ==, 0);
  g_assert_false (perp_candle_builder_get_forming (builder, &forming));

  perp_candle_builder_add_trade (builder, &a, closed);
  g_assert_cmpuint (perp_candle_builder_advance (builder, t0 + 59999, closed), ==, 0);
  /* The close time itself closes it. */
  g_assert_cmpuint (perp_candle_builder_advance (builder, t0 + 60000, closed), ==, 1);
  g_assert_cmpint (g_array_index (closed, PerpCandle, 0).open_time, ==, t0);
  perp_candle_builder_get_forming (builder, &forming);
  g_assert_cmpint (forming.open_time, ==, t0 + 60000);
  g_assert_cmpfloat (forming.close, ==, 50);
  g_assert_cmpfloat (forming.volume, ==, 0);

  /* Two more minutes pass: two closed (one flat), the forming one flat. */
  g_assert_cmpuint (perp_candle_builder_advance (builder, t0 + 3 * 60000 + 1, closed), ==, 2);
  g_assert_cmpuint (closed->len, ==, 3);
  g_assert_cmpint (g_array_index (closed, PerpCandle, 2).open_time, ==, t0 + 2 * 60000);

  /* A trade of a closed minute cannot reopen it. */
  g_assert_false (perp_candle_builder_add_trade (builder, &late, closed));
  g_assert_cmpuint (perp_candle_builder_get_n_dropped (builder), ==, 1);
  g_assert_cmpuint (closed->len, ==, 3);
}

static void
test_invalid_and_huge_gap (void)
{
  g_autoptr(PerpCandleBuilder) builder = perp_candle_builder_new (PERP_INTERVAL_1M);
  g_autoptr(GArray) closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  PerpTrade bad = make_trade (60000, NAN, 1, FALSE);
  PerpTrade negative = make_trade (60000, 10, -1, FALSE);
  PerpTrade a = make_trade (60000, 10, 1, FALSE);
  PerpTrade far = make_trade (G_GINT64_CONSTANT (1723161360000), 20, 1, FALSE);
  PerpCandle forming;

  g_assert_false (perp_candle_builder_add_trade (builder, &bad, closed));
  g_assert_false (perp_candle_builder_add_trade (builder, &negative, closed));
  g_assert_cmpuint (perp_candle_builder_get_n_dropped (builder), ==, 2);

  /* 54 years of empty minutes are not filled. */
  perp_candle_builder_add_trade (builder, &a, closed);
  perp_candle_builder_add_trade (builder, &far, closed);
  g_assert_cmpuint (closed->len, ==, 1);
  g_assert_cmpuint (perp_candle_builder_get_n_gaps (builder), ==, 1);
  perp_candle_builder_get_forming (builder, &forming);
  g_assert_cmpint (forming.open_time, ==, G_GINT64_CONSTANT (1723161360000));
  g_assert_cmpfloat (forming.open, ==, 20);
  g_assert_cmpint (forming.trade_count, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/candle-builder/real-trades-1m", test_real_trades_1m);
  g_test_add_func ("/core/candle-builder/real-trades-3m", test_real_trades_3m);
  g_test_add_func ("/core/candle-builder/taker-volume", test_taker_volume);
  g_test_add_func ("/core/candle-builder/empty-buckets-are-flat", test_empty_buckets_are_flat);
  g_test_add_func ("/core/candle-builder/advance", test_advance);
  g_test_add_func ("/core/candle-builder/invalid-and-huge-gap", test_invalid_and_huge_gap);

  return g_test_run ();
}
