/* test-candles.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>

#include "perp-test-support.h"

/* 2024-01-01 00:00 UTC, a Monday. */
#define JAN1_2024 G_GINT64_CONSTANT (1704067200000)

static PerpCandles *
load_fixture (const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  PerpCandles *candles;

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (candles);

  return candles;
}

static PerpCandle
make_candle (gint64 t,
             double o,
             double h,
             double l,
             double c,
             double v)
{
  PerpCandle candle;

  perp_candle_init (&candle, t, o, h, l, c, v);

  return candle;
}

static void
test_interval_names (void)
{
  for (guint i = PERP_INTERVAL_1M; i < PERP_N_INTERVALS; i++)
    {
      const char *name = perp_interval_to_string (i);

      g_assert_cmpint (perp_interval_from_string (name), ==, i);
      g_assert_cmpint (perp_interval_from_ms (perp_interval_to_ms (i)), ==, i);
    }

  g_assert_cmpint (perp_interval_to_ms (PERP_INTERVAL_5M), ==, 300000);
  g_assert_cmpint (perp_interval_to_ms (PERP_INTERVAL_4H), ==, 4 * 3600000);
  g_assert_cmpint (perp_interval_from_string ("7m"), ==, PERP_INTERVAL_UNKNOWN);
  g_assert_cmpint (perp_interval_from_ms (123), ==, PERP_INTERVAL_UNKNOWN);
}

static void
test_interval_buckets (void)
{
  gint64 t = JAN1_2024 + 2 * PERP_MS_PER_DAY + 13 * PERP_MS_PER_HOUR + 47 * PERP_MS_PER_MINUTE + 123;

  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_1M, t), ==, t - 123);
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_15M, t), ==,
                   JAN1_2024 + 2 * PERP_MS_PER_DAY + 13 * PERP_MS_PER_HOUR + 45 * PERP_MS_PER_MINUTE);
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_4H, t), ==,
                   JAN1_2024 + 2 * PERP_MS_PER_DAY + 12 * PERP_MS_PER_HOUR);
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_1D, t), ==, JAN1_2024 + 2 * PERP_MS_PER_DAY);
  /* Weeks open on Monday: 2024-01-03 belongs to the week of Monday 2024-01-01. */
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_1W, t), ==, JAN1_2024);
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_1W, JAN1_2024 - 1), ==,
                   JAN1_2024 - 7 * PERP_MS_PER_DAY);
  /* Before the epoch, buckets still floor. */
  g_assert_cmpint (perp_interval_bucket_start (PERP_INTERVAL_1H, -1), ==, -PERP_MS_PER_HOUR);
}

static void
test_append_rules (void)
{
  g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_NONE);
  g_autoptr(GError) error = NULL;
  PerpCandle c = make_candle (60000, 10, 12, 9, 11, 5);
  PerpCandle forming;
  PerpCandle got;

  g_assert_true (perp_candles_append (candles, &c, &error));
  g_assert_no_error (error);

  /* Same or earlier open time: refused, series unchanged. */
  g_assert_false (perp_candles_append (candles, &c, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_NOT_INCREASING);
  g_clear_error (&error);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 1);

  /* high < low and non-finite prices are refused. */
  c = make_candle (120000, 10, 8, 9, 9, 1);
  g_assert_false (perp_candles_append (candles, &c, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INVALID);
  g_clear_error (&error);
  c = make_candle (120000, NAN, 10, 9, 9, 1);
  g_assert_false (perp_candles_append (candles, &c, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INVALID);
  g_clear_error (&error);

  /* The forming candle is replaced by updates and never counted as closed. */
  forming = make_candle (120000, 11, 11.5, 10.5, 11.2, 1);
  g_assert_true (perp_candles_update_forming (candles, &forming, NULL));
  forming.close = 11.4;
  forming.volume = 2;
  g_assert_true (perp_candles_update_forming (candles, &forming, NULL));
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 1);
  g_assert_true (perp_candles_get_forming (candles, &got));
  g_assert_cmpfloat (got.close, ==, 11.4);
  g_assert_cmpfloat (got.volume, ==, 2);

  /* A forming candle cannot precede the last closed one. */
  forming.open_time = 60000;
  g_assert_false (perp_candles_update_forming (candles, &forming, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_NOT_INCREASING);
  g_clear_error (&error);

  /* Closing it commits the final version and drops the forming one. */
  c = make_candle (120000, 11, 11.6, 10.5, 11.5, 3);
  g_assert_true (perp_candles_append (candles, &c, NULL));
  g_assert_false (perp_candles_get_forming (candles, NULL));
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 2);
  perp_candles_get_candle (candles, 1, &got);
  g_assert_cmpfloat (got.close, ==, 11.5);
  g_assert_cmpfloat (got.high, ==, 11.6);
  g_assert_true (isnan (got.quote_volume));
  g_assert_cmpint (got.trade_count, ==, -1);

  g_assert_cmpuint (perp_candles_lower_bound (candles, 0), ==, 0);
  g_assert_cmpuint (perp_candles_lower_bound (candles, 60001), ==, 1);
  g_assert_cmpuint (perp_candles_lower_bound (candles, 120000), ==, 1);
  g_assert_cmpuint (perp_candles_lower_bound (candles, 120001), ==, 2);
}

/* Resampled candles against Binance's own candles of the longer interval: an
 * independent source for the same market. */
static void
check_resample_against (const char   *source_name,
                        const char   *reference_name,
                        PerpInterval  target)
{
  g_autoptr(PerpCandles) source = load_fixture (source_name);
  g_autoptr(PerpCandles) reference = load_fixture (reference_name);
  g_autoptr(PerpCandles) resampled = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  g_assert_cmpint (perp_candles_get_interval (reference), ==, target);

  resampled = perp_candles_resample (source, target, &error);
  g_assert_no_error (error);
  g_assert_cmpint (perp_candles_get_interval (resampled), ==, target);

  n = perp_candles_get_length (reference);
  g_assert_cmpuint (perp_candles_get_length (resampled), ==, n);
  g_assert_false (perp_candles_get_forming (resampled, NULL));

  for (guint i = 0; i < n; i++)
    {
      PerpCandle a, b;

      perp_candles_get_candle (resampled, i, &a);
      perp_candles_get_candle (reference, i, &b);
      g_assert_cmpint (a.open_time, ==, b.open_time);
      g_assert_cmpfloat (a.open, ==, b.open);
      g_assert_cmpfloat (a.high, ==, b.high);
      g_assert_cmpfloat (a.low, ==, b.low);
      g_assert_cmpfloat (a.close, ==, b.close);
      /* A sum of decimals in binary differs from the decimal total in the last bits. */
      g_assert_cmpfloat_with_epsilon (a.volume, b.volume, 1e-9 * b.volume);
    }
}

static void
test_resample_5m_to_15m (void)
{
  check_resample_against ("BTCUSDT_5m_2024-01-01_2days.csv", "BTCUSDT_15m_2024-01-01_2days.csv", PERP_INTERVAL_15M);
}

static void
test_resample_5m_to_1h (void)
{
  check_resample_against ("BTCUSDT_5m_2024-01-01_2days.csv", "BTCUSDT_1h_2024-01-01_2days.csv", PERP_INTERVAL_1H);
}

static void
test_resample_partial_bucket (void)
{
  g_autoptr(PerpCandles) full = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) part = perp_candles_new (PERP_INTERVAL_5M, PERP_CANDLE_FIELD_NONE);
  g_autoptr(PerpCandles) hourly = NULL;
  g_autoptr(GError) error = NULL;
  PerpCandle c;
  PerpCandle forming;
  double high = -INFINITY;
  double low = INFINITY;
  double volume = 0;
  guint keep = 12 + 8;  /* one whole hour, then 8 of the next hour's 12 candles */

  for (guint i = 0; i < keep; i++)
    {
      perp_candles_get_candle (full, i, &c);
      g_assert_true (perp_candles_append (part, &c, NULL));
      if (i >= 12)
        {
          high = MAX (high, c.high);
          low = MIN (low, c.low);
          volume += c.volume;
        }
    }

  hourly = perp_candles_resample (part, PERP_INTERVAL_1H, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (hourly), ==, 1);
  g_assert_true (perp_candles_get_forming (hourly, &forming));
  g_assert_cmpint (forming.open_time, ==, JAN1_2024 + PERP_MS_PER_HOUR);
  perp_candles_get_candle (full, 12, &c);
  g_assert_cmpfloat (forming.open, ==, c.open);
  perp_candles_get_candle (full, keep - 1, &c);
  g_assert_cmpfloat (forming.close, ==, c.close);
  g_assert_cmpfloat (forming.high, ==, high);
  g_assert_cmpfloat (forming.low, ==, low);
  g_assert_cmpfloat_with_epsilon (forming.volume, volume, 1e-9 * volume);
  g_clear_pointer (&hourly, perp_candles_unref);

  /* The source's own forming candle keeps the bucket forming even when it is the
   * bucket's last sub-candle. */
  for (guint i = keep; i < 24 - 1; i++)
    {
      perp_candles_get_candle (full, i, &c);
      g_assert_true (perp_candles_append (part, &c, NULL));
    }
  perp_candles_get_candle (full, 23, &c);
  g_assert_true (perp_candles_update_forming (part, &c, NULL));
  hourly = perp_candles_resample (part, PERP_INTERVAL_1H, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (hourly), ==, 1);
  g_assert_true (perp_candles_get_forming (hourly, &forming));
  g_assert_cmpfloat (forming.close, ==, c.close);
  g_clear_pointer (&hourly, perp_candles_unref);

  /* Closing that candle closes the bucket. */
  g_assert_true (perp_candles_append (part, &c, NULL));
  hourly = perp_candles_resample (part, PERP_INTERVAL_1H, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (hourly), ==, 2);
  g_assert_false (perp_candles_get_forming (hourly, NULL));
}

static void
test_resample_optional_fields (void)
{
  g_autoptr(PerpCandles) minutes = load_fixture ("FILUSDT_1m_first400.csv");
  g_autoptr(PerpCandles) fives = NULL;
  const double *qv = perp_candles_get_quote_volume (minutes);
  const double *tb = perp_candles_get_taker_buy_volume (minutes);
  const gint64 *count = perp_candles_get_trade_count (minutes);

  g_assert_nonnull (qv);
  fives = perp_candles_resample (minutes, PERP_INTERVAL_5M, NULL);
  g_assert_nonnull (fives);
  g_assert_cmpuint (perp_candles_get_length (fives), ==, 80);

  for (guint b = 0; b < 80; b++)
    {
      double q = 0, t = 0;
      gint64 n = 0;

      for (guint i = b * 5; i < b * 5 + 5; i++)
        q += qv[i], t += tb[i], n += count[i];
      g_assert_cmpfloat (perp_candles_get_quote_volume (fives)[b], ==, q);
      g_assert_cmpfloat (perp_candles_get_taker_buy_volume (fives)[b], ==, t);
      g_assert_cmpint (perp_candles_get_trade_count (fives)[b], ==, n);
    }
}

static void
test_resample_refused (void)
{
  g_autoptr(PerpCandles) hourly = load_fixture ("BTCUSDT_1h_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) unknown = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_null (perp_candles_resample (hourly, PERP_INTERVAL_5M, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INTERVAL);
  g_clear_error (&error);
  g_assert_null (perp_candles_resample (unknown, PERP_INTERVAL_1H, &error));
  g_assert_error (error, PERP_CANDLES_ERROR, PERP_CANDLES_ERROR_INTERVAL);
}

static void
test_resample_daily_weekly (void)
{
  g_autoptr(PerpCandles) hourly = load_fixture ("BTCUSDT_1h_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) daily = perp_candles_resample (hourly, PERP_INTERVAL_1D, NULL);
  g_autoptr(PerpCandles) weekly = perp_candles_resample (hourly, PERP_INTERVAL_1W, NULL);
  const double *h = perp_candles_get_high (hourly);
  double day1_high = -INFINITY;

  for (guint i = 0; i < 24; i++)
    day1_high = MAX (day1_high, h[i]);

  g_assert_cmpuint (perp_candles_get_length (daily), ==, 2);
  g_assert_cmpint (perp_candles_get_open_time (daily)[0], ==, JAN1_2024);
  g_assert_cmpint (perp_candles_get_open_time (daily)[1], ==, JAN1_2024 + PERP_MS_PER_DAY);
  g_assert_cmpfloat (perp_candles_get_high (daily)[0], ==, day1_high);
  /* Two days of a week: the week is still forming. */
  g_assert_cmpuint (perp_candles_get_length (weekly), ==, 0);
  g_assert_true (perp_candles_get_forming (weekly, NULL));
}

static void
test_gaps (void)
{
  g_autoptr(PerpCandles) full = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) holed = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
  g_autoptr(GArray) gaps = NULL;
  const gint64 *t = perp_candles_get_open_time (full);
  /* Remove candle 10, candles 100..104 and candle 300. */
  static const guint removed[][2] = { { 10, 11 }, { 100, 105 }, { 300, 301 } };
  guint n = perp_candles_get_length (full);
  guint r = 0;

  gaps = perp_candles_find_gaps (full);
  g_assert_cmpuint (gaps->len, ==, 0);
  g_clear_pointer (&gaps, g_array_unref);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      if (r < G_N_ELEMENTS (removed) && i >= removed[r][0])
        {
          if (i < removed[r][1])
            continue;
          r++;
        }
      perp_candles_get_candle (full, i, &c);
      g_assert_true (perp_candles_append (holed, &c, NULL));
    }

  g_assert_cmpint (perp_candles_guess_interval (holed), ==, PERP_INTERVAL_5M);
  perp_candles_set_interval (holed, perp_candles_guess_interval (holed));
  gaps = perp_candles_find_gaps (holed);
  g_assert_cmpuint (gaps->len, ==, G_N_ELEMENTS (removed));
  for (guint i = 0; i < G_N_ELEMENTS (removed); i++)
    {
      const PerpGap *gap = &g_array_index (gaps, PerpGap, i);

      g_assert_cmpint (gap->start, ==, t[removed[i][0]]);
      g_assert_cmpint (gap->end, ==, t[removed[i][1]]);
      g_assert_cmpint (gap->missing, ==, removed[i][1] - removed[i][0]);
    }
}

/* On the full recorded 5m file: every 15m and 1h candle Binance published equals our
 * aggregate, except the two documented 2023-11-10 anomalies (15m volume covering only
 * part of the interval). */
static void
test_resample_shared_year (void)
{
  g_autofree char *p5 = perp_test_shared_path ("data/klines_usdm/BTCUSDT_5m_2023-01-01_2024-03-31.csv");
  g_autofree char *p1h = perp_test_shared_path ("data/klines_usdm/BTCUSDT_1h_2023-01-01_2024-03-31.csv");
  g_autoptr(PerpCandles) five = NULL;
  g_autoptr(PerpCandles) hour = NULL;
  g_autoptr(PerpCandles) resampled = NULL;
  guint n;
  guint volume_mismatches = 0;

  if (p5 == NULL || p1h == NULL)
    {
      g_test_skip ("../shared/data/klines_usdm BTCUSDT 5m/1h files not present");
      return;
    }

  five = perp_candle_csv_load (p5, PERP_CSV_FLAGS_NONE, NULL, NULL);
  hour = perp_candle_csv_load (p1h, PERP_CSV_FLAGS_NONE, NULL, NULL);
  g_assert_nonnull (five);
  g_assert_nonnull (hour);
  resampled = perp_candles_resample (five, PERP_INTERVAL_1H, NULL);
  n = perp_candles_get_length (hour);
  g_assert_cmpuint (perp_candles_get_length (resampled), ==, n);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle a, b;

      perp_candles_get_candle (resampled, i, &a);
      perp_candles_get_candle (hour, i, &b);
      g_assert_cmpint (a.open_time, ==, b.open_time);
      g_assert_cmpfloat (a.open, ==, b.open);
      g_assert_cmpfloat (a.high, ==, b.high);
      g_assert_cmpfloat (a.low, ==, b.low);
      g_assert_cmpfloat (a.close, ==, b.close);
      if (fabs (a.volume - b.volume) > 1e-9 * b.volume)
        volume_mismatches++;
    }

  /* The 1h file shares the 2023-11-10 anomaly of the 15m one at most in the two
   * hours that contain those candles. */
  g_assert_cmpuint (volume_mismatches, <=, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/interval/names", test_interval_names);
  g_test_add_func ("/core/interval/buckets-utc", test_interval_buckets);
  g_test_add_func ("/core/candles/append-and-forming", test_append_rules);
  g_test_add_func ("/core/candles/resample/5m-to-15m-equals-binance", test_resample_5m_to_15m);
  g_test_add_func ("/core/candles/resample/5m-to-1h-equals-binance", test_resample_5m_to_1h);
  g_test_add_func ("/core/candles/resample/partial-bucket-is-forming", test_resample_partial_bucket);
  g_test_add_func ("/core/candles/resample/optional-fields-summed", test_resample_optional_fields);
  g_test_add_func ("/core/candles/resample/refused", test_resample_refused);
  g_test_add_func ("/core/candles/resample/daily-and-weekly", test_resample_daily_weekly);
  g_test_add_func ("/core/candles/resample/shared-btc-5m-to-1h", test_resample_shared_year);
  g_test_add_func ("/core/candles/gaps", test_gaps);

  return g_test_run ();
}
