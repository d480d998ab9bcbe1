/* test-derivatives.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "core/perp-derivatives.h"
#include "io/perp-series-csv.h"
#include "test-derivatives-check.h"

#define MINUTE  PERP_MS_PER_MINUTE
#define T0      G_GINT64_CONSTANT (1672531200000)  /* 2023-01-01 00:00 UTC */

static void
assert_same_change (const PerpOiChange *a,
                    const PerpOiChange *b)
{
  g_assert_cmpint (a->from_time, ==, b->from_time);
  g_assert_cmpint (a->to_time, ==, b->to_time);
  g_assert_true (same_bits (a->oi_from, b->oi_from));
  g_assert_true (same_bits (a->oi_to, b->oi_to));
  g_assert_true (same_bits (a->oi_change, b->oi_change));
  g_assert_true (same_bits (a->oi_change_pct, b->oi_change_pct));
  g_assert_true (same_bits (a->notional_from, b->notional_from));
  g_assert_true (same_bits (a->notional_to, b->notional_to));
  g_assert_true (same_bits (a->notional_change, b->notional_change));
  g_assert_true (same_bits (a->notional_change_pct, b->notional_change_pct));
  g_assert_true (same_bits (a->price_from, b->price_from));
  g_assert_true (same_bits (a->price_to, b->price_to));
  g_assert_true (same_bits (a->price_change_pct, b->price_change_pct));
  g_assert_cmpint (a->regime, ==, b->regime);
}

/* ------------------------------------------------------------ open interest */

/* The four quadrants, the dead-bands (a change exactly on the band is noise, one just
 * beyond is not) and missing values. */
static void
test_oi_classify (void)
{
  PerpOiParams p = { .oi_deadband_pct = 0.2, .price_deadband_pct = 0.1 };
  double beyond_oi = nextafter (p.oi_deadband_pct, INFINITY);
  double beyond_price = nextafter (p.price_deadband_pct, INFINITY);

  g_assert_cmpint (perp_oi_classify (1.0, 1.0, &p), ==, PERP_OI_REGIME_NEW_LONGS);
  g_assert_cmpint (perp_oi_classify (1.0, -1.0, &p), ==, PERP_OI_REGIME_NEW_SHORTS);
  g_assert_cmpint (perp_oi_classify (-1.0, -1.0, &p), ==, PERP_OI_REGIME_LONG_LIQUIDATION);
  g_assert_cmpint (perp_oi_classify (-1.0, 1.0, &p), ==, PERP_OI_REGIME_SHORT_COVERING);

  g_assert_cmpint (perp_oi_classify (p.oi_deadband_pct, 5.0, &p), ==, PERP_OI_REGIME_NEUTRAL);
  g_assert_cmpint (perp_oi_classify (-p.oi_deadband_pct, -5.0, &p), ==, PERP_OI_REGIME_NEUTRAL);
  g_assert_cmpint (perp_oi_classify (beyond_oi, 5.0, &p), ==, PERP_OI_REGIME_NEW_LONGS);
  g_assert_cmpint (perp_oi_classify (-beyond_oi, -5.0, &p), ==, PERP_OI_REGIME_LONG_LIQUIDATION);
  g_assert_cmpint (perp_oi_classify (5.0, p.price_deadband_pct, &p), ==, PERP_OI_REGIME_NEUTRAL);
  g_assert_cmpint (perp_oi_classify (5.0, -p.price_deadband_pct, &p), ==, PERP_OI_REGIME_NEUTRAL);
  g_assert_cmpint (perp_oi_classify (5.0, -beyond_price, &p), ==, PERP_OI_REGIME_NEW_SHORTS);
  g_assert_cmpint (perp_oi_classify (-5.0, beyond_price, &p), ==, PERP_OI_REGIME_SHORT_COVERING);
  g_assert_cmpint (perp_oi_classify (0.0, 0.0, &p), ==, PERP_OI_REGIME_NEUTRAL);

  g_assert_cmpint (perp_oi_classify (NAN, 1.0, &p), ==, PERP_OI_REGIME_UNKNOWN);
  g_assert_cmpint (perp_oi_classify (1.0, NAN, &p), ==, PERP_OI_REGIME_UNKNOWN);

  /* NULL means the defaults, whatever they are. */
  {
    PerpOiParams d;

    perp_oi_params_init_default (&d);
    g_assert_true (perp_oi_params_check (&d, NULL));
    g_assert_cmpint (perp_oi_classify (d.oi_deadband_pct, 5.0, NULL), ==, PERP_OI_REGIME_NEUTRAL);
    g_assert_cmpint (perp_oi_classify (2 * d.oi_deadband_pct + 1, 2 * d.price_deadband_pct + 1, NULL),
                     ==, PERP_OI_REGIME_NEW_LONGS);
  }

  g_assert_cmpstr (perp_oi_regime_to_string (PERP_OI_REGIME_NEW_SHORTS), ==, "new-shorts");
  g_assert_cmpstr (perp_oi_regime_to_string (PERP_OI_REGIME_UNKNOWN), ==, "unknown");
}

/* Each step of a constructed series is built to land in one regime; the change values
 * are checked against the arithmetic done here. */
static void
test_oi_steps (void)
{
  static const struct
  {
    double       oi;
    double       price;
    PerpOiRegime expected;   /* of the step into this sample */
  } rows[] = {
    { 1000.0, 100.0, PERP_OI_REGIME_UNKNOWN },          /* no previous sample */
    { 1020.0, 101.0, PERP_OI_REGIME_NEW_LONGS },
    { 1040.0, 100.0, PERP_OI_REGIME_NEW_SHORTS },
    { 1010.0,  99.0, PERP_OI_REGIME_LONG_LIQUIDATION },
    {  990.0, 100.0, PERP_OI_REGIME_SHORT_COVERING },
    {  990.5, 103.0, PERP_OI_REGIME_NEUTRAL },           /* OI +0.05 %: inside its band */
    { 1030.0, 103.05, PERP_OI_REGIME_NEUTRAL },          /* price +0.049 %: inside its band */
    { 1030.0, 110.0, PERP_OI_REGIME_NEUTRAL },           /* OI flat */
  };
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  PerpOiParams p = { .oi_deadband_pct = 0.1, .price_deadband_pct = 0.05 };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      PerpOiChange c;
      gboolean ok;

      g_assert_true (perp_oi_series_append (s, T0 + i * 5 * MINUTE, rows[i].oi, NAN, rows[i].price, &error));
      g_assert_no_error (error);

      ok = perp_oi_series_change (s, i, 0, &p, &c);
      g_assert_cmpint (ok, ==, i > 0);
      g_assert_cmpint (c.regime, ==, rows[i].expected);
      g_assert_cmpint (c.to_time, ==, T0 + i * 5 * MINUTE);
      if (i == 0)
        {
          g_assert_true (isnan (c.oi_change));
          continue;
        }
      g_assert_cmpint (c.from_time, ==, T0 + (i - 1) * 5 * MINUTE);
      g_assert_cmpfloat (c.oi_change, ==, rows[i].oi - rows[i - 1].oi);
      assert_close (100.0 * (rows[i].oi - rows[i - 1].oi) / rows[i - 1].oi, c.oi_change_pct, 1e-12);
      assert_close (100.0 * (rows[i].price - rows[i - 1].price) / rows[i - 1].price, c.price_change_pct, 1e-12);
      /* Notional was derived as OI × price. */
      assert_close (rows[i].oi * rows[i].price - rows[i - 1].oi * rows[i - 1].price, c.notional_change, 1e-12);
    }
}

/* Time windows: the reference is the newest sample at least the window old, and a gap
 * shows in from_time. */
static void
test_oi_window (void)
{
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  const gint64 hour = PERP_MS_PER_HOUR;
  PerpOiChange c;
  guint n = 0;

  /* Every 5 minutes for two hours, then a 40-minute gap, then one more sample. */
  for (guint i = 0; i <= 24; i++, n++)
    g_assert_true (perp_oi_series_append (s, T0 + i * 5 * MINUTE, 1000.0 + i, NAN, 100.0 + 0.5 * i, NULL));
  g_assert_true (perp_oi_series_append (s, T0 + 160 * MINUTE, 2000.0, NAN, 90.0, NULL));
  n++;

  /* Less than an hour of history: no reference. */
  g_assert_false (perp_oi_series_change (s, 11, hour, NULL, &c));
  g_assert_cmpint (c.regime, ==, PERP_OI_REGIME_UNKNOWN);
  g_assert_true (isnan (c.oi_change_pct));

  /* Exactly an hour: sample 12 against sample 0. */
  g_assert_true (perp_oi_series_change (s, 12, hour, NULL, &c));
  g_assert_cmpint (c.from_time, ==, T0);
  g_assert_cmpfloat (c.oi_change, ==, 12.0);
  assert_close (100.0 * 12.0 / 1000.0, c.oi_change_pct, 1e-12);
  assert_close (100.0 * 6.0 / 100.0, c.price_change_pct, 1e-12);
  g_assert_cmpint (c.regime, ==, PERP_OI_REGIME_NEW_LONGS);

  /* After the gap: 160 - 60 = 100 minutes, the newest sample at or before is 100 min. */
  g_assert_true (perp_oi_series_change (s, n - 1, hour, NULL, &c));
  g_assert_cmpint (c.from_time, ==, T0 + 100 * MINUTE);
  g_assert_cmpfloat (c.oi_from, ==, 1020.0);
  g_assert_cmpint (c.regime, ==, PERP_OI_REGIME_NEW_SHORTS);

  /* A two-hour window over the gap reaches back to 40 minutes. */
  g_assert_true (perp_oi_series_change (s, n - 1, 2 * hour, NULL, &c));
  g_assert_cmpint (c.from_time, ==, T0 + 40 * MINUTE);

  /* find / value_at */
  {
    guint idx;

    g_assert_false (perp_oi_series_find (s, T0 - 1, &idx));
    g_assert_true (isnan (perp_oi_series_value_at (s, T0 - 1)));
    g_assert_true (perp_oi_series_find (s, T0 + 7 * MINUTE, &idx));
    g_assert_cmpuint (idx, ==, 1);
    g_assert_cmpfloat (perp_oi_series_value_at (s, T0 + 150 * MINUTE), ==, 1024.0);
    g_assert_cmpfloat (perp_oi_series_value_at (s, G_MAXINT64), ==, 2000.0);
  }
}

/* Samples with OI only in notional, or without a price (openInterestHist), are
 * completed from the other two; one missing value leaves a change unknown, never
 * neutral. */
static void
test_oi_derived (void)
{
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  const double *oi;
  const double *price;
  const double *notional;
  PerpOiChange c;

  g_assert_true (perp_oi_series_append (s, T0, 20403.637, 150570784.07809979, NAN, NULL));
  g_assert_true (perp_oi_series_append (s, T0 + 5 * MINUTE, NAN, 152000000.0, 7400.0, NULL));
  g_assert_true (perp_oi_series_append (s, T0 + 10 * MINUTE, 20500.0, NAN, NAN, NULL));

  oi = perp_oi_series_get_open_interest (s);
  price = perp_oi_series_get_price (s);
  notional = perp_oi_series_get_notional (s);
  g_assert_cmpfloat (price[0], ==, 150570784.07809979 / 20403.637);
  g_assert_cmpfloat (oi[1], ==, 152000000.0 / 7400.0);
  g_assert_true (isnan (price[2]));
  g_assert_true (isnan (notional[2]));

  g_assert_true (perp_oi_series_change (s, 1, 0, NULL, &c));
  g_assert_cmpint (c.regime, !=, PERP_OI_REGIME_UNKNOWN);
  assert_close (100.0 * (oi[1] - oi[0]) / oi[0], c.oi_change_pct, 1e-12);

  g_assert_true (perp_oi_series_change (s, 2, 0, NULL, &c));
  g_assert_cmpint (c.regime, ==, PERP_OI_REGIME_UNKNOWN);
  g_assert_false (isnan (c.oi_change_pct));
}

static void
test_oi_errors (void)
{
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  static const struct { double oi, notional, price; } bad[] = {
    { -1.0, NAN, 100.0 },
    { INFINITY, NAN, 100.0 },
    { 10.0, -5.0, 100.0 },
    { 10.0, NAN, 0.0 },
    { 10.0, NAN, -3.0 },
    { NAN, NAN, 100.0 },
    { NAN, 1e308, 1e-308 },   /* derived OI overflows */
  };

  g_assert_true (perp_oi_series_append (s, T0, 10.0, NAN, 100.0, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (perp_oi_series_append (s, T0 + (i + 1) * MINUTE, bad[i].oi, bad[i].notional,
                                             bad[i].price, &error));
      g_assert_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID);
      g_assert_cmpuint (perp_oi_series_get_length (s), ==, 1);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (perp_oi_series_append (s, T0, 11.0, NAN, 100.0, &error));
    g_assert_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_NOT_INCREASING);
    g_assert_cmpuint (perp_oi_series_get_length (s), ==, 1);
  }

  {
    g_autoptr(GError) error = NULL;
    PerpOiParams p = { .oi_deadband_pct = NAN, .price_deadband_pct = 0.1 };

    g_assert_false (perp_oi_params_check (&p, &error));
    g_assert_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID);
  }
}

/* A pseudo-random walk of OI and price, classified sample by sample as a feed would
 * (after each append) and in one batch at the end: the same bits, for several
 * windows.  Some prices are missing. */
static void
test_oi_batch_equals_incremental (void)
{
  static const gint64 windows[] = { 0, 5 * MINUTE, 15 * MINUTE, PERP_MS_PER_HOUR, 4 * PERP_MS_PER_HOUR };
  const guint n = 2000;
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  g_autofree PerpOiChange *incremental = g_new (PerpOiChange, n * G_N_ELEMENTS (windows));
  g_autofree PerpOiChange *batch = g_new (PerpOiChange, n);
  PerpOiParams p;
  double oi = 50000.0;
  double price = 30000.0;
  gint64 t = T0;
  guint regimes_seen = 0;

  perp_oi_params_init_default (&p);

  for (guint i = 0; i < n; i++)
    {
      oi *= 1.0 + g_rand_double_range (rand, -0.004, 0.004);
      price *= 1.0 + g_rand_double_range (rand, -0.002, 0.002);
      t += 5 * MINUTE * g_rand_int_range (rand, 1, 3);
      g_assert_true (perp_oi_series_append (s, t, oi, NAN, g_rand_int_range (rand, 0, 50) == 0 ? NAN : price, NULL));

      for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
        {
          perp_oi_series_change (s, i, windows[w], &p, &incremental[w * n + i]);
          regimes_seen |= 1u << incremental[w * n + i].regime;
        }
    }

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    {
      perp_oi_series_changes (s, windows[w], &p, batch);
      for (guint i = 0; i < n; i++)
        assert_same_change (&incremental[w * n + i], &batch[i]);
    }

  /* The walk visits every regime, so the comparison covers them all. */
  for (guint r = PERP_OI_REGIME_UNKNOWN; r <= PERP_OI_REGIME_SHORT_COVERING; r++)
    g_assert_true (regimes_seen & (1u << r));
}

/* ΔOI per candle: the last sample at or before the candle's end minus the last at or
 * before its open, checked against a linear scan done here. */
static void
test_oi_candle_deltas (void)
{
  g_autoptr(PerpOiSeries) s = perp_oi_series_new ();
  const gint64 interval = 15 * MINUTE;
  const guint n_candles = 12;
  gint64 open_time[12];
  double deltas[12];
  const gint64 *times;
  const double *ois;

  /* Samples every 5 minutes from 10 minutes into the first candle, with a hole. */
  for (guint i = 0; i < 40; i++)
    if (i < 15 || i > 19)
      g_assert_true (perp_oi_series_append (s, T0 + 10 * MINUTE + i * 5 * MINUTE, 100.0 + i * i, NAN, 10.0, NULL));

  for (guint c = 0; c < n_candles; c++)
    open_time[c] = T0 + c * interval;
  perp_oi_series_candle_deltas (s, open_time, n_candles, interval, deltas);

  times = perp_oi_series_get_time (s);
  ois = perp_oi_series_get_open_interest (s);
  for (guint c = 0; c < n_candles; c++)
    {
      double at_open = NAN;
      double at_end = NAN;

      for (guint i = 0; i < perp_oi_series_get_length (s); i++)
        {
          if (times[i] <= open_time[c])
            at_open = ois[i];
          if (times[i] <= open_time[c] + interval)
            at_end = ois[i];
        }
      if (c == 0)
        g_assert_true (isnan (at_open));
      assert_near (at_end - at_open, deltas[c], 0.0);
    }
}

/* ------------------------------------------------------------------ funding */

/* Constructed series: a calm baseline, a spike that is extreme only against its
 * history, one extreme by level alone, a negative spike, and a rebound from deeply
 * negative funding (a large positive z) that must not read as crowded longs. */
static void
test_funding_extremes (void)
{
  PerpFundingParams p;
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree PerpFundingValue *v = NULL;
  guint spike, level, negative, rebound, early;
  double r;

  perp_funding_params_init_default (&p);
  p.lookback = 40;
  p.min_history = 20;

  /* Too early for statistics, but extreme by level. */
  r = p.crowded_long_rate * 1.5;
  early = rates->len;
  g_array_append_val (rates, r);

  for (guint i = 0; i < 45; i++)
    {
      r = 0.0001 + ((i % 5) - 2.0) * 0.000002;
      g_array_append_val (rates, r);
    }
  spike = rates->len;
  r = p.crowded_long_rate * 0.6;          /* below the level, far above the calm */
  g_array_append_val (rates, r);
  r = 0.0001;
  g_array_append_val (rates, r);
  level = rates->len;
  r = p.crowded_long_rate;                /* on the level */
  g_array_append_val (rates, r);
  /* More than a lookback of it, so the rebound is measured against negatives only. */
  for (guint i = 0; i < 45; i++)
    {
      r = -0.0002 + ((i % 3) - 1.0) * 0.00001;
      g_array_append_val (rates, r);
    }
  rebound = rates->len;
  r = -0.00001;                           /* much higher than the history, still negative */
  g_array_append_val (rates, r);
  for (guint i = 0; i < 40; i++)
    {
      r = 0.0001;
      g_array_append_val (rates, r);
    }
  negative = rates->len;
  r = p.crowded_short_rate * 0.5;         /* not on the level, but far below the calm */
  g_array_append_val (rates, r);

  v = g_new (PerpFundingValue, rates->len);
  perp_funding_batch ((const double *) (gpointer) rates->data, rates->len, &p, v);
  check_funding_values ((const double *) (gpointer) rates->data, rates->len, &p, v);

  g_assert_cmpint (v[early].reading, ==, PERP_FUNDING_READING_CROWDED_LONGS);
  g_assert_true (isnan (v[early].zscore));
  g_assert_cmpint (v[spike].reading, ==, PERP_FUNDING_READING_CROWDED_LONGS);
  g_assert_cmpfloat (v[spike].zscore, >=, p.z_extreme);
  g_assert_cmpint (v[spike + 1].reading, ==, PERP_FUNDING_READING_NORMAL);
  g_assert_cmpint (v[level].reading, ==, PERP_FUNDING_READING_CROWDED_LONGS);
  g_assert_cmpint (v[rebound].reading, ==, PERP_FUNDING_READING_NORMAL);
  g_assert_cmpfloat (v[rebound].zscore, >=, p.z_extreme);
  g_assert_cmpint (v[negative].reading, ==, PERP_FUNDING_READING_CROWDED_SHORTS);
  g_assert_cmpfloat (v[negative].rate, >, p.crowded_short_rate);
  g_assert_cmpfloat (v[negative].percentile, <=, 100.0 - p.percentile_extreme);
  g_assert_cmpstr (perp_funding_reading_to_string (v[negative].reading), ==, "crowded-shorts");
}

/* A flat history has no deviation: the floor keeps a tiny move from scoring a huge z. */
static void
test_funding_std_floor (void)
{
  PerpFundingParams p;
  PerpFunding f;
  PerpFundingValue v;
  double bump;

  perp_funding_params_init_default (&p);
  bump = 0.0001 + p.z_std_floor * 0.5;
  perp_funding_init (&f, &p);
  for (guint i = 0; i < p.lookback; i++)
    perp_funding_update (&f, 0.0001, &v);

  perp_funding_peek (&f, bump, &v);
  g_assert_cmpfloat (v.stddev, <, 1e-18);
  assert_near ((bump - 0.0001) / p.z_std_floor, v.zscore, 1e-9);
  g_assert_cmpfloat (v.zscore, <, p.z_extreme);
  g_assert_cmpint (v.reading, ==, PERP_FUNDING_READING_NORMAL);
  g_assert_cmpfloat (v.percentile, ==, 100.0);

  perp_funding_peek (&f, 0.0001, &v);
  assert_near (0.0, v.zscore, 1e-9);
  g_assert_cmpfloat (v.percentile, ==, 50.0);

  perp_funding_clear (&f);
}

/* A missing rate reads as unknown and stays out of the history. */
static void
test_funding_missing (void)
{
  PerpFundingParams p;
  PerpFunding f;
  PerpFundingValue v;
  PerpFundingValue before;

  perp_funding_params_init_default (&p);
  p.lookback = 4;
  p.min_history = 2;
  perp_funding_init (&f, &p);
  perp_funding_update (&f, 0.0001, &v);
  perp_funding_update (&f, 0.0002, &v);
  perp_funding_peek (&f, 0.0003, &before);

  perp_funding_update (&f, NAN, &v);
  g_assert_cmpint (v.reading, ==, PERP_FUNDING_READING_UNKNOWN);
  g_assert_true (isnan (v.zscore));
  g_assert_true (isnan (v.annualized));
  g_assert_cmpuint (v.n_history, ==, 2);

  perp_funding_update (&f, 0.0003, &v);
  g_assert_cmpuint (v.n_history, ==, 2);
  g_assert_true (same_bits (v.zscore, before.zscore));
  g_assert_true (same_bits (v.percentile, before.percentile));

  perp_funding_clear (&f);
}

static void
test_funding_annualize (void)
{
  /* 365 days of 8 h, 4 h and 1 h settlements. */
  assert_close (0.0001 * 365 * 3, perp_funding_annualize (0.0001, 8 * PERP_MS_PER_HOUR), 1e-15);
  assert_close (-0.0002 * 365 * 6, perp_funding_annualize (-0.0002, 4 * PERP_MS_PER_HOUR), 1e-15);
  assert_close (0.00005 * 365 * 24, perp_funding_annualize (0.00005, PERP_MS_PER_HOUR), 1e-15);
  g_assert_true (isnan (perp_funding_annualize (NAN, PERP_MS_PER_HOUR)));
  g_assert_true (isnan (perp_funding_annualize (0.0001, 0)));
}

/* update in a loop equals the batch; peek between updates changes nothing. */
static void
test_funding_batch_equals_incremental (void)
{
  const guint n = 600;
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);
  g_autofree double *rates = g_new (double, n);
  g_autofree PerpFundingValue *batch = g_new (PerpFundingValue, n);
  PerpFundingParams p;
  PerpFunding f;

  perp_funding_params_init_default (&p);
  for (guint i = 0; i < n; i++)
    rates[i] = g_rand_int_range (rand, 0, 40) == 0 ? NAN : 0.0001 + g_rand_double_range (rand, -0.0004, 0.0006);

  perp_funding_batch (rates, n, &p, batch);
  check_funding_values (rates, n, &p, batch);

  perp_funding_init (&f, &p);
  for (guint i = 0; i < n; i++)
    {
      PerpFundingValue peeked, updated, junk;

      perp_funding_peek (&f, rates[i] * 3.0, &junk);
      perp_funding_peek (&f, rates[i], &peeked);
      perp_funding_update (&f, rates[i], &updated);

      for (guint k = 0; k < 2; k++)
        {
          const PerpFundingValue *a = k == 0 ? &peeked : &updated;

          g_assert_true (same_bits (a->rate, batch[i].rate));
          g_assert_true (same_bits (a->annualized, batch[i].annualized));
          g_assert_true (same_bits (a->mean, batch[i].mean));
          g_assert_true (same_bits (a->stddev, batch[i].stddev));
          g_assert_true (same_bits (a->zscore, batch[i].zscore));
          g_assert_true (same_bits (a->percentile, batch[i].percentile));
          g_assert_cmpuint (a->n_history, ==, batch[i].n_history);
          g_assert_cmpint (a->reading, ==, batch[i].reading);
        }
    }
  perp_funding_clear (&f);
}

static void
test_funding_params (void)
{
  PerpFundingParams p;
  PerpFundingParams bad;
  g_autoptr(GError) error = NULL;

  perp_funding_params_init_default (&p);
  g_assert_true (perp_funding_params_check (&p, NULL));

  bad = p, bad.lookback = 0;
  g_assert_false (perp_funding_params_check (&bad, NULL));
  bad = p, bad.min_history = p.lookback + 1;
  g_assert_false (perp_funding_params_check (&bad, NULL));
  bad = p, bad.z_std_floor = 0.0;
  g_assert_false (perp_funding_params_check (&bad, NULL));
  bad = p, bad.crowded_short_rate = 0.0001;
  g_assert_false (perp_funding_params_check (&bad, NULL));
  bad = p, bad.percentile_extreme = 40.0;
  g_assert_false (perp_funding_params_check (&bad, &error));
  g_assert_error (error, PERP_DERIVATIVES_ERROR, PERP_DERIVATIVES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "percentile_extreme"));

  /* Infinite levels switch the level rule off. */
  bad = p, bad.crowded_long_rate = INFINITY, bad.crowded_short_rate = -INFINITY;
  g_assert_true (perp_funding_params_check (&bad, NULL));

  /* Invalid parameters given to init fall back to the defaults, loudly. */
  {
    PerpFunding f;

    bad = p, bad.lookback = 0;
    g_test_expect_message ("perp-derivatives", G_LOG_LEVEL_CRITICAL, "*invalid funding parameters*");
    perp_funding_init (&f, &bad);
    g_test_assert_expected_messages ();
    g_assert_cmpuint (f.params.lookback, ==, p.lookback);
    perp_funding_clear (&f);
  }
}

/* The first 50 settlements of BTCUSDT in 2023 (tests/fixtures), through the series
 * loader and the funding state. */
static void
test_funding_fixture (void)
{
  g_autofree char *path = perp_test_fixture_path ("BTCUSDT_funding_first50.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, &error);
  g_autofree PerpFundingValue *v = NULL;
  PerpFundingParams p;

  g_assert_no_error (error);
  g_assert_cmpuint (series->length, ==, 50);

  perp_funding_params_init_default (&p);
  p.lookback = 21;   /* a week */
  p.min_history = 9;
  v = g_new (PerpFundingValue, series->length);
  perp_funding_batch (series->value, series->length, &p, v);
  check_funding_values (series->value, series->length, &p, v);
}

/* ------------------------------------------------------------------ premium */

static void
test_premium (void)
{
  static const struct { double mark, index; } cases[] = {
    { 11793.63104562, 11781.80495970 },   /* the premiumIndex format example */
    { 100.0, 101.0 },
    { 0.0012345, 0.0012340 },
    { 50.0, 50.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double expected = (cases[i].mark - cases[i].index) / cases[i].index;

      g_assert_cmpfloat (perp_premium (cases[i].mark, cases[i].index), ==, expected);
      assert_close (expected * 1e4, perp_basis_bps (cases[i].mark, cases[i].index), 1e-12);
    }

  g_assert_cmpfloat (perp_premium (101.0, 100.0), >, 0.0);
  g_assert_true (isnan (perp_premium (100.0, 0.0)));
  g_assert_true (isnan (perp_premium (100.0, -1.0)));
  g_assert_true (isnan (perp_premium (NAN, 100.0)));
  g_assert_true (isnan (perp_premium (100.0, INFINITY)));
  g_assert_true (isnan (perp_basis_bps (-1.0, 100.0)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/derivatives/oi/classify-dead-band", test_oi_classify);
  g_test_add_func ("/core/derivatives/oi/steps", test_oi_steps);
  g_test_add_func ("/core/derivatives/oi/window", test_oi_window);
  g_test_add_func ("/core/derivatives/oi/derived-values", test_oi_derived);
  g_test_add_func ("/core/derivatives/oi/errors", test_oi_errors);
  g_test_add_func ("/core/derivatives/oi/batch-equals-incremental", test_oi_batch_equals_incremental);
  g_test_add_func ("/core/derivatives/oi/candle-deltas", test_oi_candle_deltas);
  g_test_add_func ("/core/derivatives/funding/extremes", test_funding_extremes);
  g_test_add_func ("/core/derivatives/funding/std-floor", test_funding_std_floor);
  g_test_add_func ("/core/derivatives/funding/missing-rate", test_funding_missing);
  g_test_add_func ("/core/derivatives/funding/annualize", test_funding_annualize);
  g_test_add_func ("/core/derivatives/funding/batch-equals-incremental", test_funding_batch_equals_incremental);
  g_test_add_func ("/core/derivatives/funding/params", test_funding_params);
  g_test_add_func ("/core/derivatives/funding/fixture-btcusdt", test_funding_fixture);
  g_test_add_func ("/core/derivatives/premium", test_premium);

  return g_test_run ();
}
