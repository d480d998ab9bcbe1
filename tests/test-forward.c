/* test-forward.c: the scores' lean against the forward return
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>

#include "core/perp-forward.h"

#define MIN5 G_GINT64_CONSTANT (300000)
#define T0   G_GINT64_CONSTANT (1704067200000)

/* A small series worked by hand: horizon 1, signals from 55 %.
 *   t0  100  long 60   -> 102: +2 %, a long signal, hit
 *   t1  102  long 50   -> 101: lean 0, not a signal
 *   t2  101  long 40   -> 99:  a short signal (60 % short), hit
 *   t3  99   long 52   -> 100: lean +2 but 52 % is under 55: not a signal
 *   t4  100  long 45   -> no close at t5 (the next is t6): left out
 *   t6  100  long 70   -> nothing after it: left out */
static void
test_by_hand (void)
{
  const PerpForwardPoint points[] = {
    { T0, 100, 60 }, { T0 + MIN5, 102, 50 }, { T0 + 2 * MIN5, 101, 40 },
    { T0 + 3 * MIN5, 99, 52 }, { T0 + 4 * MIN5, 100, 45 }, { T0 + 6 * MIN5, 100, 70 },
  };
  PerpForwardStats stats;
  double x[4] = { 10, 0, -10, 2 };
  double y[4] = { 0.02, 101.0 / 102 - 1, 99.0 / 101 - 1, 100.0 / 99 - 1 };
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

  perp_forward_stats_init (&stats, 1, 55);
  perp_forward_stats_add_series (&stats, points, G_N_ELEMENTS (points), MIN5);

  /* t4 -> t5 is two candles, t5 has nothing after it: four scores. */
  g_assert_cmpuint (stats.n_scores, ==, 4);
  g_assert_cmpuint (stats.n_signals, ==, 2);
  g_assert_cmpfloat (stats.hit_rate, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (stats.mean_signed_return, (0.02 + (1 - 99.0 / 101)) / 2, 1e-15);
  for (guint i = 0; i < 4; i++)
    {
      mx += x[i] / 4;
      my += y[i] / 4;
    }
  for (guint i = 0; i < 4; i++)
    {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
  g_assert_cmpfloat_with_epsilon (stats.correlation, sxy / sqrt (sxx * syy), 1e-12);
}

/* A lean that is a multiple of the next return correlates perfectly; its opposite at
 * -1 and misses every time. */
static void
test_perfect (void)
{
  PerpForwardPoint points[200];
  PerpForwardStats right, wrong;
  GRand *rand = g_rand_new_with_seed (7);
  double price = 100;

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      points[i].time = T0 + i * MIN5;
      points[i].price = price;
      price *= 1 + g_rand_double_range (rand, -0.01, 0.01);
    }
  for (guint i = 0; i + 3 < G_N_ELEMENTS (points); i++)
    points[i].long_pct = 50 + 1000 * (points[i + 3].price / points[i].price - 1);

  perp_forward_stats_init (&right, 3, 0);
  perp_forward_stats_add_series (&right, points, G_N_ELEMENTS (points) - 3, MIN5);
  g_assert_cmpuint (right.n_scores, ==, G_N_ELEMENTS (points) - 6);
  g_assert_cmpfloat_with_epsilon (right.correlation, 1.0, 1e-9);
  g_assert_cmpfloat (right.hit_rate, ==, 1.0);
  g_assert_cmpfloat (right.mean_signed_return, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    points[i].long_pct = 100 - points[i].long_pct;
  perp_forward_stats_init (&wrong, 3, 0);
  perp_forward_stats_add_series (&wrong, points, G_N_ELEMENTS (points) - 3, MIN5);
  g_assert_cmpfloat_with_epsilon (wrong.correlation, -1.0, 1e-9);
  g_assert_cmpfloat (wrong.hit_rate, ==, 0.0);
  g_rand_free (rand);
}

/* Random series with gaps, pooled over two symbols, against a two-pass Pearson of
 * the pairs found by time. */
static void
test_brute_force (void)
{
  GRand *rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 50; round++)
    {
      guint horizon = g_rand_int_range (rand, 1, 6);
      double min_conf = g_rand_double_range (rand, 50, 70);
      g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (double));
      guint n_signals = 0, n_hits = 0;
      double sum_signed = 0, mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
      PerpForwardStats stats;

      perp_forward_stats_init (&stats, horizon, min_conf);
      for (guint symbol = 0; symbol < 2; symbol++)
        {
          g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (PerpForwardPoint));
          gint64 t = T0;

          for (guint i = 0; i < 300; i++)
            {
              PerpForwardPoint p = { t, g_rand_double_range (rand, 90, 110),
                                     g_rand_double_range (rand, 20, 80) };

              if (g_rand_int_range (rand, 0, 10) == 0)
                p.long_pct = 50;
              g_array_append_val (points, p);
              t += MIN5 * (g_rand_int_range (rand, 0, 8) == 0 ? 2 : 1);
            }
          for (guint i = 0; i < points->len; i++)
            for (guint j = i + 1; j < points->len; j++)
              {
                const PerpForwardPoint *a = &g_array_index (points, PerpForwardPoint, i);
                const PerpForwardPoint *b = &g_array_index (points, PerpForwardPoint, j);
                double x, y;

                if (b->time != a->time + horizon * MIN5)
                  continue;
                x = a->long_pct - 50;
                y = b->price / a->price - 1;
                g_array_append_val (xs, x);
                g_array_append_val (ys, y);
                if (x != 0 && MAX (a->long_pct, 100 - a->long_pct) >= min_conf)
                  {
                    n_signals++;
                    n_hits += (x > 0 ? y : -y) > 0;
                    sum_signed += x > 0 ? y : -y;
                  }
              }
          perp_forward_stats_add_series (&stats, (PerpForwardPoint *) (gpointer) points->data, points->len, MIN5);
        }

      for (guint i = 0; i < xs->len; i++)
        {
          mx += g_array_index (xs, double, i) / xs->len;
          my += g_array_index (ys, double, i) / xs->len;
        }
      for (guint i = 0; i < xs->len; i++)
        {
          double dx = g_array_index (xs, double, i) - mx;
          double dy = g_array_index (ys, double, i) - my;

          sxy += dx * dy;
          sxx += dx * dx;
          syy += dy * dy;
        }
      g_assert_cmpuint (stats.n_scores, ==, xs->len);
      g_assert_cmpuint (stats.n_signals, ==, n_signals);
      g_assert_cmpfloat_with_epsilon (stats.correlation, sxy / sqrt (sxx * syy), 1e-9);
      g_assert_cmpfloat_with_epsilon (stats.hit_rate, (double) n_hits / n_signals, 1e-12);
      g_assert_cmpfloat_with_epsilon (stats.mean_signed_return, sum_signed / n_signals, 1e-12);
    }
  g_rand_free (rand);
}

static void
test_undefined (void)
{
  const PerpForwardPoint flat[] = {
    { T0, 100, 60 }, { T0 + MIN5, 100, 40 }, { T0 + 2 * MIN5, 100, 70 }, { T0 + 3 * MIN5, 100, 30 },
  };
  PerpForwardStats stats;

  perp_forward_stats_init (&stats, 1, 55);
  g_assert_true (isnan (stats.correlation) && isnan (stats.hit_rate) && isnan (stats.mean_signed_return));
  perp_forward_stats_add_series (&stats, NULL, 0, MIN5);
  g_assert_cmpuint (stats.n_scores, ==, 0);
  g_assert_true (isnan (stats.correlation));
  /* Price never moves: no correlation to speak of; every signal a miss. */
  perp_forward_stats_add_series (&stats, flat, G_N_ELEMENTS (flat), MIN5);
  g_assert_cmpuint (stats.n_scores, ==, 3);
  g_assert_true (isnan (stats.correlation));
  g_assert_cmpfloat (stats.hit_rate, ==, 0.0);
  g_assert_cmpfloat (stats.mean_signed_return, ==, 0.0);

  /* A lean that never changes, over prices that do: no correlation either, not the
   * rounding noise of a variance computed from sums (2.4e-09 for these). */
  {
    g_autofree PerpForwardPoint *steady = g_new (PerpForwardPoint, 1000);

    for (guint i = 0; i < 1000; i++)
      steady[i] = (PerpForwardPoint) { T0 + i * MIN5, 100.0 + 7.0 * sin (i * 0.37) + i * 0.013, 53.7 };
    perp_forward_stats_init (&stats, 4, 55);
    perp_forward_stats_add_series (&stats, steady, 1000, MIN5);
    g_assert_cmpuint (stats.n_scores, ==, 996);
    g_assert_true (isnan (stats.correlation));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/forward/by-hand", test_by_hand);
  g_test_add_func ("/core/forward/perfect", test_perfect);
  g_test_add_func ("/core/forward/brute-force", test_brute_force);
  g_test_add_func ("/core/forward/undefined", test_undefined);

  return g_test_run ();
}
