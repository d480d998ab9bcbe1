/* test-smc-compat.c: edge cases of the peer-compatible structure mode
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The full comparison with the peer's outputs is smc-conformance.sh; these cases pin
 * down behaviour the conformance data does not exercise, from DEFINITIONS.md's rules.
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>

#include "core/perp-smc-compat.h"
#include "core/perp-smc-compat-private.h"

#include "perp-test-support.h"

#define T0 G_GINT64_CONSTANT (1704067200000)   /* 2024-01-01 00:00 UTC, a Monday */
#define M15 (15 * PERP_MS_PER_MINUTE)

static PerpCandles *
candles_from (const double (*ohlc)[4],
              guint         n,
              gint64        step)
{
  PerpCandles *candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      perp_candle_init (&c, T0 + i * step, ohlc[i][0], ohlc[i][1], ohlc[i][2], ohlc[i][3], 1.0);
      g_assert_true (perp_candles_append (candles, &c, NULL));
    }

  return candles;
}

/* No candles: every function returns without touching memory it was not given. */
static void
test_empty (void)
{
  g_autoptr(PerpCandles) none = perp_candles_new (PERP_INTERVAL_15M, PERP_CANDLE_FIELD_NONE);
  g_autoptr(PerpSmcContext) context = perp_smc_context_new (none);
  double a[1] = { 42 }, b[1] = { 42 }, c[1] = { 42 }, d[1] = { 42 }, e[1] = { 42 }, f[1] = { 42 };

  perp_smc_swing_highs_lows (none, 5, a, b);
  perp_smc_fvg (none, NULL, TRUE, a, b, c, d);
  perp_smc_bos_choch (none, NULL, a, b, TRUE, c, d, e, f);
  perp_smc_ob (none, NULL, a, b, FALSE, a, b, c, d, e, f);
  perp_smc_liquidity (none, NULL, a, b, 0.01, c, d, e, f);
  perp_smc_fvg (none, context, TRUE, a, b, c, d);
  perp_smc_bos_choch (none, context, a, b, TRUE, c, d, e, f);
  perp_smc_ob (none, context, a, b, FALSE, a, b, c, d, e, f);
  perp_smc_liquidity (none, context, a, b, 0.01, c, d, e, f);
  perp_smc_previous_high_low (none, PERP_SMC_TIME_FRAME_1D, a, b, c, d);
  perp_smc_sessions (none, PERP_SMC_SESSION_LONDON, 0, 0, a, b, c);
  perp_smc_retracements (none, a, b, c, d, e);
  g_assert_cmpfloat (f[0], ==, 42);
}

/* Three candles, gap up: h[0] < l[2] and a bullish middle body.  Mitigation is the first
 * touch of the top from row 2 + 2 = row 4 on, not a fill. */
static void
test_fvg_bullish_and_doji (void)
{
  static const double bars[][4] = {
    { 10.0, 10.5, 9.5, 10.2 },
    { 10.2, 12.0, 10.1, 11.8 },   /* middle: close > open */
    { 11.8, 12.5, 11.0, 12.4 },   /* low 11.0 > high[0] 10.5: gap 10.5 .. 11.0 */
    { 12.4, 13.0, 11.5, 12.9 },   /* low 11.5 stays above the top 11.0 */
    { 12.9, 13.1, 10.9, 12.0 },   /* low 10.9 <= 11.0: first touch, row 4 */
    { 12.0, 12.1, 11.9, 12.0 },
  };
  static const double doji[][4] = {
    { 10.0, 10.5, 9.5, 10.2 },
    { 11.0, 12.0, 10.1, 11.0 },   /* close == open: never an FVG */
    { 11.8, 12.5, 11.0, 12.4 },
  };
  g_autoptr(PerpCandles) up = candles_from (bars, G_N_ELEMENTS (bars), M15);
  g_autoptr(PerpCandles) flat = candles_from (doji, G_N_ELEMENTS (doji), M15);
  double fvg[6], top[6], bottom[6], mitigated[6];

  perp_smc_fvg (up, NULL, FALSE, fvg, top, bottom, mitigated);
  g_assert_true (isnan (fvg[0]) && isnan (fvg[5]));
  g_assert_cmpfloat (fvg[1], ==, 1.0);
  g_assert_cmpfloat (top[1], ==, 11.0);
  g_assert_cmpfloat (bottom[1], ==, 10.5);
  g_assert_cmpfloat (mitigated[1], ==, 4.0);

  perp_smc_fvg (flat, NULL, FALSE, fvg, top, bottom, mitigated);
  for (guint i = 0; i < G_N_ELEMENTS (doji); i++)
    g_assert_true (isnan (fvg[i]));
}

/* An FVG that is never touched has MitigatedIndex 0, not NaN. */
static void
test_fvg_never_mitigated (void)
{
  static const double bars[][4] = {
    { 10.0, 10.5, 9.5, 10.2 },
    { 10.2, 12.0, 10.1, 11.8 },
    { 11.8, 12.5, 11.0, 12.4 },
    { 12.4, 13.0, 11.5, 12.9 },
  };
  g_autoptr(PerpCandles) up = candles_from (bars, G_N_ELEMENTS (bars), M15);
  double fvg[4], top[4], bottom[4], mitigated[4];

  perp_smc_fvg (up, NULL, FALSE, fvg, top, bottom, mitigated);
  g_assert_cmpfloat (fvg[1], ==, 1.0);
  g_assert_cmpfloat (mitigated[1], ==, 0.0);
}

/* Sydney (21:00-06:00) wraps midnight, both ends inclusive, compared on the open time;
 * High/Low run over consecutive active rows and reset after an inactive row. */
static void
test_sessions_wrap_midnight (void)
{
  g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
  static const int minutes[] = { 20 * 60 + 45, 21 * 60, 23 * 60 + 45, 24 * 60 + 0, 24 * 60 + 6 * 60,
                                 24 * 60 + 6 * 60 + 15, 24 * 60 + 21 * 60 };
  static const double expected_active[] = { 0, 1, 1, 1, 1, 0, 1 };
  double active[7], high[7], low[7];

  for (guint i = 0; i < G_N_ELEMENTS (minutes); i++)
    {
      PerpCandle c;

      perp_candle_init (&c, T0 + minutes[i] * PERP_MS_PER_MINUTE, 10, 10 + i, 10 - i * 0.1, 10, 1);
      g_assert_true (perp_candles_append (candles, &c, NULL));
    }

  g_assert_cmpint (perp_smc_session_from_name ("sydney"), ==, PERP_SMC_SESSION_SYDNEY);
  g_assert_cmpstr (perp_smc_session_name (PERP_SMC_SESSION_NEW_YORK), ==, "New York");
  g_assert_cmpint (perp_smc_session_from_name ("Mars"), <, 0);

  perp_smc_sessions (candles, PERP_SMC_SESSION_SYDNEY, 0, 0, active, high, low);
  for (guint i = 0; i < G_N_ELEMENTS (minutes); i++)
    g_assert_cmpfloat (active[i], ==, expected_active[i]);

  /* Inactive rows hold 0, 0, 0. */
  g_assert_cmpfloat (high[0], ==, 0.0);
  g_assert_cmpfloat (low[5], ==, 0.0);
  /* Rows 1..4 are one run: the running high is row 4's, 14. */
  g_assert_cmpfloat (high[4], ==, (double) (float) 14.0);
  g_assert_cmpfloat (low[4], ==, (double) (float) (10 - 4 * 0.1));
  /* Row 6 starts a new run. */
  g_assert_cmpfloat (high[6], ==, (double) (float) 16.0);
}

/* Swings: the bookends on the first and last rows take the type opposite to the first
 * and last real swing. */
static void
test_swings_bookends (void)
{
  g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
  double hl[40], level[40];
  gint first_real = -1;
  gint last_real = -1;

  /* A single peak at row 20 in a tent-shaped series. */
  for (guint i = 0; i < 40; i++)
    {
      double mid = 100.0 - fabs ((double) i - 20.0);
      PerpCandle c;

      perp_candle_init (&c, T0 + i * M15, mid, mid + 0.5, mid - 0.5, mid, 1);
      g_assert_true (perp_candles_append (candles, &c, NULL));
    }

  perp_smc_swing_highs_lows (candles, 3, hl, level);
  for (guint i = 1; i + 1 < 40; i++)
    if (!isnan (hl[i]))
      {
        if (first_real < 0)
          first_real = i;
        last_real = i;
      }

  g_assert_cmpint (first_real, ==, 20);
  g_assert_cmpint (last_real, ==, 20);
  g_assert_cmpfloat (hl[20], ==, 1.0);
  g_assert_cmpfloat (level[20], ==, 100.5);
  g_assert_cmpfloat (hl[0], ==, -1.0);
  g_assert_cmpfloat (hl[39], ==, -1.0);
  g_assert_cmpfloat (level[0], ==, 80.0 - 0.5);
}

/* ------------------------------------------------------------ against brute force */

/* The functions answer the peer's scans with windows, heaps and trees; these tests
 * compare them with the scans themselves, written as plainly as DEFINITIONS.md states
 * them, on random series with many ties (prices on a coarse grid). */

static PerpCandles *
random_candles (GRand *rand,
                guint  n)
{
  PerpCandles *candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
  double price = 100.0;

  for (guint i = 0; i < n; i++)
    {
      double open = price;
      double close = 100.0 + g_rand_int_range (rand, -40, 41) * 0.5;
      double high = MAX (open, close) + g_rand_int_range (rand, 0, 4) * 0.5;
      double low = MIN (open, close) - g_rand_int_range (rand, 0, 4) * 0.5;
      PerpCandle c;

      perp_candle_init (&c, T0 + i * M15, open, high, low, close, g_rand_int_range (rand, 0, 100));
      g_assert_true (perp_candles_append (candles, &c, NULL));
      price = close;
    }

  return candles;
}

static void
assert_same_column (const double *got,
                    const double *want,
                    guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      if (isnan (want[i]))
        g_assert_true (isnan (got[i]));
      else
        g_assert_cmpfloat (got[i], ==, want[i]);
    }
}

/* Equal to the bit, zeros' signs included (the CSV writes -0), or both NaN. */
static void
assert_same_bits (const double *got,
                  const double *want,
                  guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      if (isnan (want[i]))
        g_assert_true (isnan (got[i]));
      else
        {
          g_assert_cmpfloat (got[i], ==, want[i]);
          g_assert_cmpint (signbit (got[i]) != 0, ==, signbit (want[i]) != 0);
        }
    }
}

/* Frees the first @n columns of @got and of @want. */
static void
free_columns (double **got,
              double **want,
              guint    n)
{
  for (guint k = 0; k < n; k++)
    {
      g_free (got[k]);
      g_free (want[k]);
    }
}

static void
naive_swings (const PerpCandles *candles,
              guint              length,
              double            *hl,
              double            *level)
{
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  guint n = perp_candles_get_length (candles);
  gint best = -1;
  gint first = -1;
  gint last = -1;

  for (guint i = 0; i < n; i++)
    hl[i] = level[i] = NAN;

  for (guint i = 2 * length - 1; length <= n / 3 && i + length < n; i++)
    {
      gboolean is_high = TRUE;
      gboolean is_low = TRUE;

      for (guint k = i + 1 - length; k <= i + length; k++)
        {
          is_high = is_high && high[k] <= high[i];
          is_low = is_low && low[k] >= low[i];
        }
      hl[i] = is_high ? 1.0 : (is_low ? -1.0 : NAN);
    }

  /* Of each run of same-type swings the most extreme survives, the earliest on ties. */
  for (guint i = 0; i < n; i++)
    {
      if (isnan (hl[i]))
        continue;
      if (best >= 0 && hl[i] == hl[best])
        {
          gboolean beyond = hl[i] > 0 ? high[i] > high[best] : low[i] < low[best];

          hl[beyond ? best : (gint) i] = NAN;
          if (!beyond)
            continue;
        }
      best = i;
    }

  for (guint i = 0; i < n; i++)
    if (!isnan (hl[i]))
      {
        if (first < 0)
          first = i;
        last = i;
      }
  if (first >= 0)
    {
      hl[0] = -hl[first];
      hl[n - 1] = -hl[last];
    }

  for (guint i = 0; i < n; i++)
    if (!isnan (hl[i]))
      level[i] = hl[i] > 0 ? high[i] : low[i];
}

/* Window lengths from 1 to past n / 3, so that the window's blocks fall every way
 * against the series' ends. */
static void
test_swings_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260401);

  for (guint round = 0; round < 6; round++)
    {
      guint n = 20 + g_rand_int_range (rand, 0, 300);
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autofree double *hl = g_new (double, n);
      g_autofree double *level = g_new (double, n);
      g_autofree double *want_hl = g_new (double, n);
      g_autofree double *want_level = g_new (double, n);

      for (guint length = 1; length <= n / 3 + 2; length += 1 + length / 4)
        {
          perp_smc_swing_highs_lows (candles, length, hl, level);
          naive_swings (candles, length, want_hl, want_level);
          assert_same_column (hl, want_hl, n);
          assert_same_column (level, want_level, n);
        }
    }
}

/* FVG rows and MitigatedIndex: the first row from r + 2 on that touches the near edge,
 * 0 if none does, joined or not. */
static void
naive_fvg (const PerpCandles *candles,
           gboolean           join,
           double            *want_fvg,
           double            *want_top,
           double            *want_bottom,
           double            *want_mitigated)
{
  const double *open = perp_candles_get_open (candles);
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  const double *close = perp_candles_get_close (candles);
  guint n = perp_candles_get_length (candles);

  for (guint i = 0; i < n; i++)
    {
      want_fvg[i] = want_top[i] = want_bottom[i] = want_mitigated[i] = NAN;
      if (i == 0 || i + 1 >= n)
        continue;
      if (close[i] > open[i] && high[i - 1] < low[i + 1])
        {
          want_fvg[i] = 1;
          want_top[i] = low[i + 1];
          want_bottom[i] = high[i - 1];
        }
      else if (close[i] < open[i] && low[i - 1] > high[i + 1])
        {
          want_fvg[i] = -1;
          want_top[i] = low[i - 1];
          want_bottom[i] = high[i + 1];
        }
    }
  for (guint i = 0; join && i + 1 < n; i++)
    if (want_fvg[i] == want_fvg[i + 1])
      {
        want_top[i + 1] = MAX (want_top[i], want_top[i + 1]);
        want_bottom[i + 1] = MIN (want_bottom[i], want_bottom[i + 1]);
        want_fvg[i] = want_top[i] = want_bottom[i] = NAN;
      }
  for (guint i = 0; i < n; i++)
    {
      if (isnan (want_fvg[i]))
        continue;
      want_mitigated[i] = 0;
      for (guint j = i + 2; j < n; j++)
        if (want_fvg[i] > 0 ? low[j] <= want_top[i] : high[j] >= want_bottom[i])
          {
            want_mitigated[i] = j;
            break;
          }
    }
}

static void
test_fvg_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint round = 0; round < 8; round++)
    {
      guint n = 3 + g_rand_int_range (rand, 0, 400);
      gboolean join = round % 2 == 1;
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      g_autofree double *fvg = g_new (double, n);
      g_autofree double *top = g_new (double, n);
      g_autofree double *bottom = g_new (double, n);
      g_autofree double *mitigated = g_new (double, n);
      g_autofree double *want_fvg = g_new (double, n);
      g_autofree double *want_top = g_new (double, n);
      g_autofree double *want_bottom = g_new (double, n);
      g_autofree double *want_mitigated = g_new (double, n);

      naive_fvg (candles, join, want_fvg, want_top, want_bottom, want_mitigated);

      /* Alone, then twice with a context: the second call reuses its extremes.  A
       * joined call's third pass follows a call without joining on the same context,
       * whose gaps it then joins instead of detecting them again. */
      for (guint pass = 0; pass < 3; pass++)
        {
          if (join && pass == 2)
            perp_smc_fvg (candles, context, FALSE, fvg, top, bottom, mitigated);
          perp_smc_fvg (candles, pass > 0 ? context : NULL, join, fvg, top, bottom, mitigated);
          assert_same_bits (fvg, want_fvg, n);
          assert_same_bits (top, want_top, n);
          assert_same_bits (bottom, want_bottom, n);
          assert_same_bits (mitigated, want_mitigated, n);
        }
    }
}

/* Runs of gaps in both directions, joined from kept gaps, on a random walk with runs
 * planted in it: two gaps where the first one's edge is the wider and the candle after
 * touches it but not the second's, so that the joined gap is mitigated earlier than
 * the second gap alone (and its mirror image); random candles around them lengthen
 * some runs.  Checked to hold such gaps. */
static void
test_fvg_joined_runs (void)
{
  /* open, high, low, close, from the close before; a bullish run at rows 1 and 2. */
  static const double planted[5][4] = {
    { 0.0, 1.0, -0.5, 1.0 },
    { 2.0, 4.0, 1.5, 4.0 },
    { 5.0, 7.5, 4.9, 7.0 },
    { 8.0, 9.0, 4.6, 9.0 },
    { 6.0, 7.0, 4.8, 6.0 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (404);
  guint moved = 0;

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_UNKNOWN,
                                                         PERP_CANDLE_FIELD_NONE);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      guint n = 20 + g_rand_int_range (rand, 0, 300);
      double price = 1000.0;
      double *got[4];
      double *want[4];
      double *single[4];

      for (guint i = 0; i < n;)
        {
          PerpCandle c;

          if (i + 5 <= n && g_rand_int_range (rand, 0, 6) == 0)
            {
              double sign = g_rand_boolean (rand) ? 1.0 : -1.0;
              double at = price;

              for (guint k = 0; k < 5; k++, i++)
                {
                  double o = at + sign * planted[k][0];
                  double h = at + sign * (sign > 0 ? planted[k][1] : planted[k][2]);
                  double l = at + sign * (sign > 0 ? planted[k][2] : planted[k][1]);

                  price = at + sign * planted[k][3];
                  perp_candle_init (&c, T0 + i * M15, o, h, l, price, 1.0);
                  g_assert_true (perp_candles_append (candles, &c, NULL));
                }
              continue;
            }

          {
            double open = price;
            double close = price + g_rand_int_range (rand, -6, 7) * 0.5;

            perp_candle_init (&c, T0 + i * M15, open,
                              MAX (open, close) + g_rand_int_range (rand, 0, 4) * 0.5,
                              MIN (open, close) - g_rand_int_range (rand, 0, 4) * 0.5, close, 1.0);
            g_assert_true (perp_candles_append (candles, &c, NULL));
            price = close;
            i++;
          }
        }

      for (guint k = 0; k < 4; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
          single[k] = g_new (double, n);
        }
      naive_fvg (candles, TRUE, want[0], want[1], want[2], want[3]);
      naive_fvg (candles, FALSE, single[0], single[1], single[2], single[3]);
      for (guint i = 0; i < n; i++)
        moved += !isnan (want[0][i]) && want[3][i] != single[3][i];

      perp_smc_fvg (candles, context, FALSE, got[0], got[1], got[2], got[3]);
      for (guint k = 0; k < 4; k++)
        assert_same_bits (got[k], single[k], n);
      perp_smc_fvg (candles, context, TRUE, got[0], got[1], got[2], got[3]);
      for (guint k = 0; k < 4; k++)
        {
          assert_same_bits (got[k], want[k], n);
          g_free (got[k]);
          g_free (want[k]);
          g_free (single[k]);
        }
    }
  g_assert_cmpuint (moved, >, 10);
}

/* Liquidity groups with swing levels of every kind the caller may pass: negative,
 * both zeros, NaN, repeated.  The peer's loop: each unconsumed swing heads a group of
 * the later unconsumed swings of its side inside its band, up to the first row through
 * the band's far edge. */
static void
test_liquidity_brute_force (void)
{
  static const double odd_levels[] = { -3.0, -0.0, 0.0, NAN, 1.5, -1.5 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);

  for (guint round = 0; round < 8; round++)
    {
      guint n = 10 + g_rand_int_range (rand, 0, 300);
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      const double *high = perp_candles_get_high (candles);
      const double *low = perp_candles_get_low (candles);
      g_autofree double *shl = g_new (double, n);
      g_autofree double *slevel = g_new (double, n);
      g_autofree gboolean *consumed = g_new0 (gboolean, n);
      double *got[4] = { NULL };
      double want[4];
      double max_high = high[0];
      double min_low = low[0];
      double range_percent;
      double pip;

      for (guint k = 0; k < 4; k++)
        got[k] = g_new (double, n);
      for (guint i = 0; i < n; i++)
        {
          gint kind = g_rand_int_range (rand, 0, 5);

          shl[i] = kind == 0 ? 1.0 : (kind == 1 ? -1.0 : NAN);
          slevel[i] = kind == 0 ? high[i] : (kind == 1 ? low[i] : NAN);
          if (kind <= 1 && g_rand_int_range (rand, 0, 10) == 0)
            slevel[i] = odd_levels[g_rand_int_range (rand, 0, G_N_ELEMENTS (odd_levels))];
          max_high = MAX (max_high, high[i]);
          min_low = MIN (min_low, low[i]);
        }
      /* Odd rounds: a band of whole grid steps, so that levels fall on its edges. */
      range_percent = round % 2 == 0 ? 0.02 : 1.0 / (max_high - min_low);
      pip = (max_high - min_low) * range_percent;

      perp_smc_liquidity (candles, NULL, shl, slevel, range_percent,
                          got[0], got[1], got[2], got[3]);
      /* With a context, twice (the second call reuses its extremes): the same columns. */
      for (guint pass = 0; pass < 2; pass++)
        {
          double *again[4];

          for (guint k = 0; k < 4; k++)
            again[k] = g_new (double, n);
          perp_smc_liquidity (candles, context, shl, slevel, range_percent,
                              again[0], again[1], again[2], again[3]);
          for (guint k = 0; k < 4; k++)
            {
              assert_same_column (again[k], got[k], n);
              g_free (again[k]);
            }
        }

      for (guint i = 0; i < n; i++)
        {
          double side = shl[i];
          double range_low = slevel[i] - pip;
          double range_high = slevel[i] + pip;
          double sum = slevel[i];
          guint count = 1;
          guint end = i;
          guint swept = 0;

          want[0] = want[1] = want[2] = want[3] = NAN;
          if ((side == 1.0 || side == -1.0) && !consumed[i])
            {
              for (guint j = i + 1; j < n && swept == 0; j++)
                if (side > 0 ? high[j] >= range_high : low[j] <= range_low)
                  swept = j;
              for (guint j = i + 1; j < n && (swept == 0 || j < swept); j++)
                if (shl[j] == side && !consumed[j] &&
                    slevel[j] >= range_low && slevel[j] <= range_high)
                  {
                    sum += slevel[j];
                    count++;
                    end = j;
                    consumed[j] = TRUE;
                  }
              if (count > 1)
                {
                  want[0] = side;
                  want[1] = (double) (float) (sum / count);
                  want[2] = end;
                  want[3] = swept;
                }
            }
          for (guint k = 0; k < 4; k++)
            assert_same_column (got[k] + i, want + k, 1);
        }
      for (guint k = 0; k < 4; k++)
        g_free (got[k]);
    }
}

/* The block-extreme search against a plain scan: lengths around every block size, so
 * that a query starts and ends on and off block edges at each level, keys below, at,
 * between and above the prices, strict and inclusive, both signs. */
static void
test_reach_brute_force (void)
{
  static const guint lengths[] = { 0, 1, 2, 15, 16, 17, 31, 255, 256, 257, 4095, 4096, 4097, 70001 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);

  for (guint t = 0; t < G_N_ELEMENTS (lengths); t++)
    {
      guint n = lengths[t];
      g_autofree double *price = g_new (double, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        price[i] = g_rand_int_range (rand, -300, 301) * 0.5;
      /* A few far extremes, so that some keys are reached only far away. */
      for (guint k = 0; n > 0 && k < 3; k++)
        price[g_rand_int_range (rand, 0, n)] = g_rand_int_range (rand, 0, 2) ? 1e6 : -1e6;

      for (guint side = 0; side < 2; side++)
        {
          double sign = side == 0 ? 1.0 : -1.0;
          PerpSmcReach reach;

          _perp_smc_reach_init (&reach, price, n, sign);
          for (guint q = 0; q < 400; q++)
            {
              guint from = g_rand_int_range (rand, 0, n + 3);
              gboolean strict = g_rand_boolean (rand);
              double key;
              guint want = _PERP_SMC_NO_ROW;

              switch (g_rand_int_range (rand, 0, 4))
                {
                case 0:
                  key = n > 0 ? sign * price[g_rand_int_range (rand, 0, n)] : 0.0;
                  break;
                case 1:
                  key = g_rand_int_range (rand, -700, 701) * 0.25;
                  break;
                case 2:
                  key = g_rand_int_range (rand, 0, 2) ? 2e6 : -2e6;
                  break;
                default:
                  key = g_rand_int_range (rand, 0, 2) ? NAN : 1e6;
                  break;
                }
              for (guint j = from; j < n; j++)
                if (strict ? sign * price[j] > key : sign * price[j] >= key)
                  {
                    want = j;
                    break;
                  }
              g_assert_cmpuint (_perp_smc_reach_first (&reach, key, from, strict), ==, want);
            }
          _perp_smc_reach_clear (&reach);
        }
    }
}

/* Swing columns of two kinds: those of swing_highs_lows, and arbitrary ones (bos_choch
 * and ob take any non-NaN HighLow; random levels make every pattern likely). */
static void
some_swings (GRand             *rand,
             const PerpCandles *candles,
             guint              round,
             double            *hl,
             double            *level)
{
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  guint n = perp_candles_get_length (candles);

  if (round % 2 == 0)
    {
      perp_smc_swing_highs_lows (candles, 1 + round % 5, hl, level);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      gint kind = g_rand_int_range (rand, 0, 4);

      hl[i] = kind == 0 ? 1.0 : (kind == 1 ? -1.0 : NAN);
      level[i] = kind == 0 ? high[i] : (kind == 1 ? low[i] : NAN);
      if (kind <= 1 && g_rand_boolean (rand))
        level[i] = 100.0 + g_rand_int_range (rand, -20, 21) * 0.5;
    }
}

/* bos_choch as DEFINITIONS.md states it: the four-swing patterns, the break searched
 * from S3's row + 2, then the clean-up of earlier candidates in row order. */
static void
test_bos_choch_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31337);

  for (guint round = 0; round < 200; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, round % 10 != 0 ? 24 : 600);
      gboolean close_break = round % 3 != 0;
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      const double *close = perp_candles_get_close (candles);
      const double *rise = close_break ? close : perp_candles_get_high (candles);
      const double *fall = close_break ? close : perp_candles_get_low (candles);
      g_autofree double *hl = g_new (double, n);
      g_autofree double *level = g_new (double, n);
      g_autofree guint *swings = g_new (guint, n);
      g_autofree guint *labelled = g_new (guint, n);
      double *got[4];
      double *want[4];
      guint n_swings = 0;
      guint n_labelled = 0;

      for (guint k = 0; k < 4; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
          for (guint i = 0; i < n; i++)
            want[k][i] = NAN;
        }
      some_swings (rand, candles, round, hl, level);

      for (guint i = 0; i < n; i++)
        {
          double l1, l2, l3, l4;
          guint s3;

          if (isnan (hl[i]))
            continue;
          swings[n_swings++] = i;
          if (n_swings < 4)
            continue;
          l4 = level[swings[n_swings - 4]];
          l3 = level[swings[n_swings - 3]];
          l2 = level[swings[n_swings - 2]];
          l1 = level[swings[n_swings - 1]];
          s3 = swings[n_swings - 3];
          if (hl[swings[n_swings - 4]] == -1 && hl[s3] == 1 &&
              hl[swings[n_swings - 2]] == -1 && hl[i] == 1)
            {
              if (l4 < l2 && l2 < l3 && l3 < l1)
                want[0][s3] = 1;
              else if (l1 > l3 && l3 > l4 && l4 > l2)
                want[1][s3] = 1;
            }
          if (hl[swings[n_swings - 4]] == 1 && hl[s3] == -1 &&
              hl[swings[n_swings - 2]] == 1 && hl[i] == -1)
            {
              if (l4 > l2 && l2 > l3 && l3 > l1)
                want[0][s3] = -1;
              else if (l1 < l3 && l3 < l4 && l4 < l2)
                want[1][s3] = -1;
            }
          if (!isnan (want[0][s3]) || !isnan (want[1][s3]))
            {
              want[2][s3] = (double) (float) l3;
              labelled[n_labelled++] = s3;
            }
        }

      for (guint k = 0; k < n_labelled; k++)
        {
          guint r = labelled[k];
          double direction = isnan (want[0][r]) ? want[1][r] : want[0][r];

          want[3][r] = 0;
          for (guint j = r + 2; j < n; j++)
            if (direction > 0 ? rise[j] > want[2][r] : fall[j] < want[2][r])
              {
                want[3][r] = j;
                break;
              }
        }
      for (guint k = 0; k < n_labelled; k++)
        {
          guint r = labelled[k];

          if (want[3][r] == 0)
            {
              want[0][r] = want[1][r] = want[2][r] = want[3][r] = NAN;
              continue;
            }
          for (guint e = 0; e < k; e++)
            if (want[3][labelled[e]] >= want[3][r])
              want[0][labelled[e]] = want[1][labelled[e]] = want[2][labelled[e]] = NAN;
        }

      /* Alone, then twice with a context: the second call reuses its extremes. */
      for (guint pass = 0; pass < 3; pass++)
        {
          perp_smc_bos_choch (candles, pass > 0 ? context : NULL, hl, level, close_break,
                              got[0], got[1], got[2], got[3]);
          for (guint k = 0; k < 4; k++)
            assert_same_column (got[k], want[k], n);
        }
      free_columns (got, want, 4);
    }
}

/* ob as the peer runs it: two passes over the candles, each walking its active blocks
 * on every candle, the six columns shared, zeroed rows blanked at the end. */
static void
naive_ob (const PerpCandles *candles,
          const double      *hl,
          gboolean           close_mitigation,
          double           **out)
{
  const double *o = perp_candles_get_open (candles);
  const double *h = perp_candles_get_high (candles);
  const double *l = perp_candles_get_low (candles);
  const double *c = perp_candles_get_close (candles);
  const double *v = perp_candles_get_volume (candles);
  guint n = perp_candles_get_length (candles);
  g_autofree gboolean *breaker = g_new0 (gboolean, MAX (n, 1));
  g_autofree gboolean *used = g_new0 (gboolean, MAX (n, 1));
  double *ob = out[0], *top = out[1], *bottom = out[2], *mitigated = out[4];

  for (guint k = 0; k < 6; k++)
    for (guint i = 0; i < n; i++)
      out[k][i] = 0;

  for (guint pass = 0; pass < 2; pass++)
    {
      gboolean bullish = pass == 0;
      g_autoptr(GArray) active = g_array_new (FALSE, FALSE, sizeof (guint));
      gint last = -1;

      for (guint i = 0; i < n; i++)
        {
          for (guint a = 0; a < active->len;)
            {
              guint idx = g_array_index (active, guint, a);
              gboolean erase = FALSE;

              if (breaker[idx])
                erase = bullish ? h[i] > top[idx] : l[i] < bottom[idx];
              else if (bullish && (close_mitigation ? MIN (o[i], c[i]) : l[i]) < bottom[idx])
                breaker[idx] = TRUE, mitigated[idx] = i - 1;
              else if (!bullish && (close_mitigation ? MAX (o[i], c[i]) : h[i]) > top[idx])
                breaker[idx] = TRUE, mitigated[idx] = i;
              if (erase)
                {
                  for (guint k = 0; k < 6; k++)
                    out[k][idx] = 0;
                  g_array_remove_index (active, a);
                }
              else
                {
                  a++;
                }
            }

          if (last >= 0 && !used[last] && (bullish ? c[i] > h[last] : c[i] < l[last]))
            {
              guint k = last;
              double recent, older, most;

              used[last] = TRUE;
              for (guint j = last + 1; j < i; j++)
                if (k == (guint) last || (bullish ? l[j] <= l[k] : h[j] >= h[k]))
                  k = j;
              ob[k] = bullish ? 1 : -1;
              top[k] = (double) (float) (bullish && k == (guint) last ? l[k] : h[k]);
              bottom[k] = (double) (float) (bullish && k == (guint) last ? h[k] : l[k]);
              out[3][k] = (double) (float) (v[i] + (i >= 1 ? v[i - 1] : 0) + (i >= 2 ? v[i - 2] : 0));
              recent = (float) (v[i] + (i >= 1 ? v[i - 1] : 0));
              older = (float) (i >= 2 ? v[i - 2] : 0);
              most = MAX (recent, older);
              out[5][k] = most != 0 ? (double) (float) ((double) (float) (MIN (recent, older) / most) * 100.0) : 100;
              g_array_append_val (active, k);
            }
          if (hl[i] == (bullish ? 1.0 : -1.0))
            last = i;
        }
    }

  for (guint i = 0; i < n; i++)
    if (ob[i] == 0)
      for (guint k = 0; k < 6; k++)
        out[k][i] = NAN;
}

static void
test_ob_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2718);

  /* Many short series: whether a block is ever erased turns on the highest high after
   * it, which a long random series almost always takes past the block. */
  for (guint round = 0; round < 400; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, round % 20 != 0 ? 16 : 700);
      gboolean close_mitigation = round % 3 == 1;
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      g_autofree double *hl = g_new (double, n);
      g_autofree double *level = g_new (double, n);
      double *got[6];
      double *want[6];

      for (guint k = 0; k < 6; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
        }
      some_swings (rand, candles, round, hl, level);

      naive_ob (candles, hl, close_mitigation, want);
      /* Alone, then twice with a context: the second call reuses its extremes. */
      for (guint pass = 0; pass < 3; pass++)
        {
          perp_smc_ob (candles, pass > 0 ? context : NULL, hl, level, close_mitigation,
                       got[0], got[1], got[2], got[3], got[4], got[5]);
          for (guint k = 0; k < 6; k++)
            assert_same_column (got[k], want[k], n);
        }
      free_columns (got, want, 6);
    }
}

/* sessions as the peer computes it, row by row: the minute of the day from the open
 * time, the running extremes through the previous row's float32 cells. */
static void
naive_sessions (const PerpCandles *candles,
                guint              start,
                guint              stop,
                double            *active,
                double            *high,
                double            *low)
{
  const gint64 *open_time = perp_candles_get_open_time (candles);
  const double *h = perp_candles_get_high (candles);
  const double *l = perp_candles_get_low (candles);
  guint n = perp_candles_get_length (candles);

  for (guint i = 0; i < n; i++)
    {
      gint64 day = perp_floor_div (open_time[i], PERP_MS_PER_DAY);
      guint minute = (guint) ((open_time[i] - day * PERP_MS_PER_DAY) / PERP_MS_PER_MINUTE);
      gboolean inside = start < stop ? start <= minute && minute <= stop
                                     : start <= minute || minute <= stop;
      double prev_high;
      double prev_low;

      if (!inside)
        {
          active[i] = high[i] = low[i] = 0;
          continue;
        }
      prev_high = i > 0 ? high[i - 1] : 0;
      prev_low = i > 0 && low[i - 1] != 0 ? low[i - 1] : INFINITY;
      high[i] = (double) (float) (prev_high > h[i] ? prev_high : h[i]);
      low[i] = (double) (float) (prev_low < l[i] ? prev_low : l[i]);
      active[i] = 1;
    }
}

/* Every session and custom windows (wrapping, empty, whole-day) over open times before
 * and after 1970, with seconds, gaps of days, and prices float32 turns into 0, -0,
 * infinity or a neighbour of the running extreme. */
static void
test_sessions_brute_force (void)
{
  static const double odd_prices[] = { 0.0, -0.0, 1e-46, 1e-300, 1e39, 3.0e38, 100.000001,
                                       99.9999999, 100.0, 1e-45 };
  static const gint64 steps[] = { 1, 5, 15, 60, 59, 61, 1440, 2 * 1440 + 7 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5150);

  for (guint round = 0; round < 60; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, 900);
      g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
      gint64 t = (round % 2 == 0 ? T0 : -T0 / 7) + g_rand_int_range (rand, 0, 86400) * 1000;
      double *got[3];
      double *want[3];
      guint start;
      guint stop;
      PerpSmcSession session = round % PERP_SMC_N_SESSIONS;

      for (guint i = 0; i < n; i++)
        {
          double high = 100.0 + g_rand_int_range (rand, -40, 41) * 0.25;
          double low = high - g_rand_int_range (rand, 0, 4) * 0.25;
          PerpCandle c;

          /* Every third series mostly odd prices, so that zeros meet zeros. */
          if (g_rand_int_range (rand, 0, round % 3 == 0 ? 2 : 6) == 0)
            low = odd_prices[g_rand_int_range (rand, 0, G_N_ELEMENTS (odd_prices))];
          if (g_rand_int_range (rand, 0, round % 3 == 0 ? 2 : 6) == 0)
            high = odd_prices[g_rand_int_range (rand, 0, G_N_ELEMENTS (odd_prices))];
          if (round % 3 == 0 && g_rand_int_range (rand, 0, 8) == 0)
            high = low = -0.0;
          high = MAX (high, low);
          perp_candle_init (&c, t, low, high, low, low, 1.0);
          g_assert_true (perp_candles_append (candles, &c, NULL));
          t += steps[g_rand_int_range (rand, 0, G_N_ELEMENTS (steps))] * PERP_MS_PER_MINUTE +
               g_rand_int_range (rand, 0, 3) * 20000;
        }
      for (guint k = 0; k < 3; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
        }

      start = g_rand_int_range (rand, 0, 24 * 60);
      stop = round % 5 == 0 ? start : g_rand_int_range (rand, 0, 24 * 60);
      perp_smc_sessions (candles, session, start, stop, got[0], got[1], got[2]);
      if (session != PERP_SMC_SESSION_CUSTOM)
        {
          /* The named windows, from the peer's table. */
          static const guint windows[][2] = {
            { 21 * 60, 6 * 60 }, { 0, 9 * 60 }, { 7 * 60, 16 * 60 }, { 13 * 60, 22 * 60 },
            { 0, 4 * 60 }, { 6 * 60, 9 * 60 }, { 11 * 60, 14 * 60 }, { 14 * 60, 16 * 60 },
          };

          start = windows[session][0];
          stop = windows[session][1];
        }
      naive_sessions (candles, start, stop, want[0], want[1], want[2]);
      for (guint k = 0; k < 3; k++)
        {
          assert_same_bits (got[k], want[k], n);
          g_free (got[k]);
          g_free (want[k]);
        }
    }
}

/* retracements as DEFINITIONS.md states it, row by row: the two rules (the second wins),
 * round half to even at one decimal, the shift by one row and the warm-up, on swings
 * of every kind (HighLow values that are not swings, equal tops and bottoms, swings on
 * the first and last rows); compared to the bit. */
static void
naive_retracements (const PerpCandles *candles,
                    const double      *hl,
                    const double      *level,
                    double            *direction,
                    double            *current,
                    double            *deepest)
{
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  guint n = perp_candles_get_length (candles);
  g_autofree double *d = g_new0 (double, n);
  g_autofree double *cur = g_new0 (double, n);
  g_autofree double *deep = g_new0 (double, n);
  double top = 0.0;
  double bottom = 0.0;
  guint changes = 0;

  for (guint i = 0; i < n; i++)
    {
      double before = i > 0 ? d[i - 1] : 0.0;

      if (hl[i] == 1.0)
        {
          d[i] = 1.0;
          top = level[i];
        }
      else if (hl[i] == -1.0)
        {
          d[i] = -1.0;
          bottom = level[i];
        }
      else
        {
          d[i] = before;
        }

      if (before == 1.0)
        {
          double carried = i > 0 ? deep[i - 1] : 0.0;

          cur[i] = top - bottom != 0.0
                   ? nearbyint ((100 - (((low[i] - bottom) / (top - bottom)) * 100)) * 10.0) / 10.0
                   : 0.0;
          deep[i] = cur[i] > carried ? cur[i] : carried;
        }
      if (d[i] == -1.0)
        {
          double carried = before == -1.0 ? deep[i - 1] : 0.0;

          cur[i] = bottom - top != 0.0
                   ? nearbyint ((100 - (((high[i] - top) / (bottom - top)) * 100)) * 10.0) / 10.0
                   : 0.0;
          deep[i] = cur[i] > carried ? cur[i] : carried;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      guint from = i > 0 ? i - 1 : n - 1;

      direction[i] = d[from];
      current[i] = cur[from];
      deepest[i] = deep[from];
    }
  for (guint i = 0; i + 1 < n; i++)
    {
      if (direction[i] != direction[i + 1])
        changes++;
      direction[i] = current[i] = deepest[i] = 0.0;
      if (changes == 3)
        {
          direction[i + 1] = current[i + 1] = deepest[i + 1] = 0.0;
          break;
        }
    }
}

static void
test_retracements_brute_force (void)
{
  static const double not_swings[] = { NAN, 0.0, -0.0, 2.0, 0.5, INFINITY };
  g_autoptr(GRand) rand = g_rand_new_with_seed (808);

  for (guint round = 0; round < 40; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, 300);
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      const double *high = perp_candles_get_high (candles);
      const double *low = perp_candles_get_low (candles);
      g_autofree double *hl = g_new (double, n);
      g_autofree double *level = g_new (double, n);
      double *got[3];
      double *want[3];

      if (round % 4 == 0 && n >= 3)
        {
          perp_smc_swing_highs_lows (candles, 1 + round % 3, hl, level);
        }
      else
        {
          /* Few swings in long runs, or many; levels from the candle or from a small
           * grid (equal tops and bottoms make 0 divisors), both zeros among them. */
          guint every = round % 2 == 0 ? 2 : 12;

          for (guint i = 0; i < n; i++)
            {
              gint kind = g_rand_int_range (rand, 0, (gint) every);

              hl[i] = kind == 0 ? 1.0 : kind == 1 ? -1.0
                      : not_swings[g_rand_int_range (rand, 0, G_N_ELEMENTS (not_swings))];
              level[i] = kind == 0 ? high[i] : kind == 1 ? low[i] : NAN;
              if (kind <= 1 && g_rand_int_range (rand, 0, 3) == 0)
                level[i] = g_rand_int_range (rand, -2, 3) * (g_rand_boolean (rand) ? 0.0 : 50.0);
              if (kind <= 1 && g_rand_int_range (rand, 0, 3) == 0)
                level[i] = 100.0 + g_rand_int_range (rand, -4, 5) * 0.5;
            }
        }

      for (guint k = 0; k < 3; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
        }
      perp_smc_retracements (candles, hl, level, got[0], got[1], got[2]);
      naive_retracements (candles, hl, level, want[0], want[1], want[2]);
      for (guint k = 0; k < 3; k++)
        {
          assert_same_bits (got[k], want[k], n);
          g_free (got[k]);
          g_free (want[k]);
        }
    }
}

/* A context outlives a growing series: after candles are appended, every function
 * that takes it answers as without one (the extremes are built afresh). */
static void
test_context_grown_series (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31);
  g_autoptr(PerpCandles) candles = random_candles (rand, 300);
  g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
  guint n_max = 300 + 40 * 100;
  g_autofree double *hl = g_new (double, n_max);
  g_autofree double *level = g_new (double, n_max);
  double *alone[4];
  double *shared[4];

  for (guint k = 0; k < 4; k++)
    {
      alone[k] = g_new (double, n_max);
      shared[k] = g_new (double, n_max);
    }

  for (guint step = 0; step < 40; step++)
    {
      guint n = perp_candles_get_length (candles);
      double price = perp_candles_get_close (candles)[n - 1];

      perp_smc_swing_highs_lows (candles, 3, hl, level);
      for (guint join = 0; join < 2; join++)
        {
          perp_smc_fvg (candles, NULL, join, alone[0], alone[1], alone[2], alone[3]);
          perp_smc_fvg (candles, context, join, shared[0], shared[1], shared[2], shared[3]);
          for (guint k = 0; k < 4; k++)
            assert_same_column (shared[k], alone[k], n);
        }
      perp_smc_bos_choch (candles, NULL, hl, level, step % 2, alone[0], alone[1], alone[2], alone[3]);
      perp_smc_bos_choch (candles, context, hl, level, step % 2,
                          shared[0], shared[1], shared[2], shared[3]);
      for (guint k = 0; k < 4; k++)
        assert_same_column (shared[k], alone[k], n);
      perp_smc_liquidity (candles, NULL, hl, level, 0.01, alone[0], alone[1], alone[2], alone[3]);
      perp_smc_liquidity (candles, context, hl, level, 0.01,
                          shared[0], shared[1], shared[2], shared[3]);
      for (guint k = 0; k < 4; k++)
        assert_same_column (shared[k], alone[k], n);
      {
        g_autofree double *a = g_new (double, 6 * (gsize) n);
        g_autofree double *b = g_new (double, 6 * (gsize) n);

        perp_smc_ob (candles, NULL, hl, level, step % 3 == 0,
                     a, a + n, a + 2 * n, a + 3 * n, a + 4 * n, a + 5 * n);
        perp_smc_ob (candles, context, hl, level, step % 3 == 0,
                     b, b + n, b + 2 * n, b + 3 * n, b + 4 * n, b + 5 * n);
        assert_same_column (b, a, 6 * n);
      }

      /* Grow the series: the arrays may move, the length changes. */
      for (guint i = 0; i < 100; i++)
        {
          double open = price;
          double close = 100.0 + g_rand_int_range (rand, -40, 41) * 0.5;
          PerpCandle c;

          perp_candle_init (&c, T0 + (n + i) * M15, open,
                            MAX (open, close) + g_rand_int_range (rand, 0, 4) * 0.5,
                            MIN (open, close) - g_rand_int_range (rand, 0, 4) * 0.5,
                            close, 1.0);
          g_assert_true (perp_candles_append (candles, &c, NULL));
          price = close;
        }
    }

  for (guint k = 0; k < 4; k++)
    {
      g_free (alone[k]);
      g_free (shared[k]);
    }
}

/* previous_high_low as DEFINITIONS.md states it, on open times with gaps of every size
 * (many on period boundaries): P = the labels of periods holding candles strictly
 * before t, the reference period P - 2, the running extremes since the reference last
 * changed. */
static gint64
naive_period_label (gint64           t,
                    PerpSmcTimeFrame time_frame)
{
  gint64 day = perp_floor_div (t, PERP_MS_PER_DAY);

  if (time_frame == PERP_SMC_TIME_FRAME_4H)
    return perp_floor_div (t, 4 * PERP_MS_PER_HOUR) * 4 * PERP_MS_PER_HOUR;
  if (time_frame == PERP_SMC_TIME_FRAME_1D)
    return day * PERP_MS_PER_DAY;
  /* W-SUN with pandas' day-end edges: Monday to Sunday, labelled with its Sunday. */
  return (day + 6 - (day % 7 + 7 + 3) % 7) * PERP_MS_PER_DAY;
}

static void
test_previous_high_low_brute_force (void)
{
  static const gint64 steps[] = { 15, 15, 15, 60, 240, 17, 1440, 3 * 1440, 9 * 1440 + 45 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);

  /* Rounds from 12 on: prices of 0, -0 and 0.5, so that periods hold zeros of both
   * signs and the float32 levels must keep the one the running MAX () and MIN () keep. */
  for (guint round = 0; round < 20; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, 700);
      gboolean zeros = round >= 12;
      g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_UNKNOWN, PERP_CANDLE_FIELD_NONE);
      gint64 t = T0 - 3 * PERP_MS_PER_DAY + g_rand_int_range (rand, 0, 96) * M15;
      const double *high;
      const double *low;
      g_autofree gint64 *times = g_new (gint64, n);
      g_autofree gint64 *refs = g_new (gint64, n);
      g_autofree gint64 *labels = g_new (gint64, n);
      g_autofree double *period_high = g_new (double, n);
      g_autofree double *period_low = g_new (double, n);
      double *got[4];

      for (guint i = 0; i < n; i++)
        {
          double mid = 100.0 + g_rand_int_range (rand, -40, 41) * 0.5;
          PerpCandle c;

          if (zeros)
            {
              static const double prices[] = { 0.0, -0.0, 0.0, -0.0, 0.5 };
              double a = prices[g_rand_int_range (rand, 0, G_N_ELEMENTS (prices))];
              double b = prices[g_rand_int_range (rand, 0, G_N_ELEMENTS (prices))];

              perp_candle_init (&c, t, 0.0, MAX (a, b), MIN (a, b), 0.0, 1.0);
            }
          else
            perp_candle_init (&c, t, mid, mid + g_rand_int_range (rand, 0, 4) * 0.5,
                              mid - g_rand_int_range (rand, 0, 4) * 0.5, mid, 1.0);
          g_assert_true (perp_candles_append (candles, &c, NULL));
          times[i] = t;
          t += steps[g_rand_int_range (rand, 0, G_N_ELEMENTS (steps))] * PERP_MS_PER_MINUTE;
        }
      high = perp_candles_get_high (candles);
      low = perp_candles_get_low (candles);
      for (guint k = 0; k < 4; k++)
        got[k] = g_new (double, n);

      for (PerpSmcTimeFrame tf = PERP_SMC_TIME_FRAME_4H; tf <= PERP_SMC_TIME_FRAME_W; tf++)
        {
          guint n_periods = 0;

          for (guint i = 0; i < n; i++)
            {
              gint64 label = naive_period_label (times[i], tf);

              if (n_periods == 0 || labels[n_periods - 1] != label)
                {
                  labels[n_periods] = label;
                  period_high[n_periods] = high[i];
                  period_low[n_periods] = low[i];
                  n_periods++;
                }
              period_high[n_periods - 1] = MAX (period_high[n_periods - 1], high[i]);
              period_low[n_periods - 1] = MIN (period_low[n_periods - 1], low[i]);
            }

          perp_smc_previous_high_low (candles, tf, got[0], got[1], got[2], got[3]);

          for (guint i = 0; i < n; i++)
            {
              gint64 before = 0;
              double ph = NAN;
              double pl = NAN;
              double run_high = high[i];
              double run_low = low[i];

              for (guint k = 0; k < n_periods; k++)
                before += labels[k] < times[i];
              refs[i] = before - 2;
              if (refs[i] >= 0)
                {
                  ph = (double) (float) period_high[refs[i]];
                  pl = (double) (float) period_low[refs[i]];
                }
              for (guint g = i; g > 0 && refs[g - 1] == refs[i]; g--)
                {
                  run_high = MAX (run_high, high[g - 1]);
                  run_low = MIN (run_low, low[g - 1]);
                }

              assert_same_bits (got[0] + i, &ph, 1);
              assert_same_bits (got[1] + i, &pl, 1);
              g_assert_cmpfloat (got[2][i], ==, run_high > ph ? 1.0 : 0.0);
              g_assert_cmpfloat (got[3][i], ==, run_low < pl ? 1.0 : 0.0);
            }
        }
      for (guint k = 0; k < 4; k++)
        g_free (got[k]);
    }
}

/* Liquidity's sort against a stable insertion sort: equal keys, keys that share their
 * top 32 bits in runs shorter and longer than the insertion takes, and keys apart. */
static void
test_sort_by_key (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4711);

  for (guint round = 0; round < 40; round++)
    {
      guint count = 1 + g_rand_int_range (rand, 0, round < 20 ? 60 : 3000);
      guint tied = 1 + g_rand_int_range (rand, 0, round % 4 == 0 ? 40 : 12);
      g_autofree guint64 *keys = g_new (guint64, count);
      g_autofree guint *got = g_new (guint, count);
      g_autofree guint *want = g_new (guint, count);

      for (guint k = 0; k < count; k++)
        {
          /* A few tops, each with a few low halves, in rounds where runs share tops. */
          guint64 top = round % 3 == 0 ? g_rand_int (rand)
                        : 0x40d00000u + (guint64) g_rand_int_range (rand, 0, MAX (count / tied, 1));
          guint64 bottom = round % 3 == 1 ? g_rand_int (rand) : (guint64) g_rand_int_range (rand, 0, 4);

          keys[k] = top << 32 | bottom;
        }

      _perp_smc_sort_by_key (keys, count, got);

      for (guint k = 0; k < count; k++)
        {
          guint j = k;

          while (j > 0 && keys[want[j - 1]] > keys[k])
            {
              want[j] = want[j - 1];
              j--;
            }
          want[j] = k;
        }
      for (guint k = 0; k < count; k++)
        g_assert_cmpuint (got[k], ==, want[k]);
    }
}

/* Swings kept in a context: the same HighLow and Level as without, and bos_choch, ob and
 * liquidity given the context and that array write what they write from the array
 * alone; given another array, the context's rows are not used. */
static void
test_context_swings (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);

  for (guint round = 0; round < 30; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, round < 10 ? 20 : 400);
      guint length = 1 + g_rand_int_range (rand, 0, 6);
      g_autoptr(PerpCandles) candles = random_candles (rand, n);
      g_autoptr(PerpSmcContext) context = perp_smc_context_new (candles);
      g_autofree double *hl = g_new (double, n);
      g_autofree double *level = g_new (double, n);
      g_autofree double *want_hl = g_new (double, n);
      g_autofree double *want_level = g_new (double, n);
      g_autofree double *other_hl = g_new (double, n);
      double *got[6];
      double *want[6];

      for (guint k = 0; k < 6; k++)
        {
          got[k] = g_new (double, n);
          want[k] = g_new (double, n);
        }

      perp_smc_swing_highs_lows (candles, length, want_hl, want_level);
      perp_smc_context_swing_highs_lows (context, length, hl, level);
      assert_same_bits (hl, want_hl, n);
      assert_same_bits (level, want_level, n);

      for (guint with_other = 0; with_other < 2; with_other++)
        {
          const double *swings = hl;

          /* Another array: swings moved, dropped and added. */
          if (with_other)
            {
              for (guint i = 0; i < n; i++)
                {
                  gint kind = g_rand_int_range (rand, 0, 6);

                  other_hl[i] = kind == 0 ? 1.0 : kind == 1 ? -1.0 : kind == 2 ? hl[i] : NAN;
                }
              swings = other_hl;
            }

          perp_smc_bos_choch (candles, NULL, swings, level, round % 2 == 0,
                              want[0], want[1], want[2], want[3]);
          perp_smc_bos_choch (candles, context, swings, level, round % 2 == 0,
                              got[0], got[1], got[2], got[3]);
          for (guint k = 0; k < 4; k++)
            assert_same_bits (got[k], want[k], n);

          perp_smc_ob (candles, NULL, swings, level, round % 3 == 0,
                       want[0], want[1], want[2], want[3], want[4], want[5]);
          perp_smc_ob (candles, context, swings, level, round % 3 == 0,
                       got[0], got[1], got[2], got[3], got[4], got[5]);
          for (guint k = 0; k < 6; k++)
            assert_same_bits (got[k], want[k], n);

          perp_smc_liquidity (candles, NULL, swings, level, 0.01 * (1 + round % 4),
                              want[0], want[1], want[2], want[3]);
          perp_smc_liquidity (candles, context, swings, level, 0.01 * (1 + round % 4),
                              got[0], got[1], got[2], got[3]);
          for (guint k = 0; k < 4; k++)
            assert_same_bits (got[k], want[k], n);
        }

      free_columns (got, want, 6);
    }
}

/* The close extremes of both signs built in one pass: the levels of two single builds,
 * to the bit, for lengths around every block size. */
static void
test_reach_pair (void)
{
  static const guint lengths[] = { 1, 2, 15, 16, 17, 31, 255, 256, 257, 4095, 4096, 4097, 70000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);

  for (guint t = 0; t < G_N_ELEMENTS (lengths); t++)
    {
      guint n = lengths[t];
      g_autofree double *price = g_new (double, n);
      PerpSmcReach up;
      PerpSmcReach down;
      PerpSmcReach pair_up;
      PerpSmcReach pair_down;

      for (guint i = 0; i < n; i++)
        price[i] = g_rand_int_range (rand, 0, 3) == 0 ? (g_rand_boolean (rand) ? 0.0 : -0.0)
                   : g_rand_int_range (rand, 0, 50) * 0.25;
      _perp_smc_reach_init (&up, price, n, 1.0);
      _perp_smc_reach_init (&down, price, n, -1.0);
      _perp_smc_reach_init_pair (&pair_up, &pair_down, price, n);

      for (guint side = 0; side < 2; side++)
        {
          PerpSmcReach *a = side == 0 ? &up : &down;
          PerpSmcReach *b = side == 0 ? &pair_up : &pair_down;

          g_assert_true (b->price == price);
          g_assert_cmpfloat (b->sign, ==, a->sign);
          g_assert_cmpuint (b->n, ==, a->n);
          g_assert_cmpuint (b->n_levels, ==, a->n_levels);
          for (guint level = 0; level < a->n_levels; level++)
            {
              g_assert_cmpuint (b->len[level], ==, a->len[level]);
              assert_same_bits (b->block[level], a->block[level], a->len[level]);
            }
        }
      _perp_smc_reach_clear (&up);
      _perp_smc_reach_clear (&down);
      _perp_smc_reach_clear (&pair_up);
      _perp_smc_reach_clear (&pair_down);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/smc-compat/empty-input", test_empty);
  g_test_add_func ("/core/smc-compat/fvg/bullish-first-touch-and-doji", test_fvg_bullish_and_doji);
  g_test_add_func ("/core/smc-compat/fvg/never-mitigated-is-zero", test_fvg_never_mitigated);
  g_test_add_func ("/core/smc-compat/sessions/wrap-midnight", test_sessions_wrap_midnight);
  g_test_add_func ("/core/smc-compat/swings/bookends", test_swings_bookends);
  g_test_add_func ("/core/smc-compat/swings/brute-force", test_swings_brute_force);
  g_test_add_func ("/core/smc-compat/fvg/brute-force", test_fvg_brute_force);
  g_test_add_func ("/core/smc-compat/fvg/joined-runs", test_fvg_joined_runs);
  g_test_add_func ("/core/smc-compat/retracements/brute-force", test_retracements_brute_force);
  g_test_add_func ("/core/smc-compat/liquidity/brute-force", test_liquidity_brute_force);
  g_test_add_func ("/core/smc-compat/reach/brute-force", test_reach_brute_force);
  g_test_add_func ("/core/smc-compat/bos-choch/brute-force", test_bos_choch_brute_force);
  g_test_add_func ("/core/smc-compat/ob/brute-force", test_ob_brute_force);
  g_test_add_func ("/core/smc-compat/previous-high-low/brute-force", test_previous_high_low_brute_force);
  g_test_add_func ("/core/smc-compat/context/grown-series", test_context_grown_series);
  g_test_add_func ("/core/smc-compat/sessions/brute-force", test_sessions_brute_force);
  g_test_add_func ("/core/smc-compat/liquidity/sort", test_sort_by_key);
  g_test_add_func ("/core/smc-compat/context/swings", test_context_swings);
  g_test_add_func ("/core/smc-compat/reach/pair", test_reach_pair);

  return g_test_run ();
}
