/* test-derivatives-check.h: checks shared by the derivatives unit and data tests
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <math.h>
#include <string.h>

#include <glib.h>

#include "core/perp-derivatives.h"
#include "core/perp-interval.h"

G_BEGIN_DECLS

static inline gboolean
same_bits (double a,
           double b)
{
  if (isnan (a) && isnan (b))
    return TRUE;

  return memcmp (&a, &b, sizeof a) == 0;
}

/* |actual - expected| <= tol, and NAN only where NAN is expected. */
#define assert_near(expected, actual, tol) \
  assert_near_impl (__FILE__, __LINE__, G_STRFUNC, (expected), (actual), (tol))

static inline void
assert_near_impl (const char *file,
                  int         line,
                  const char *func,
                  double      expected,
                  double      actual,
                  double      tol)
{
  g_autofree char *message = NULL;

  if (isnan (expected) ? isnan (actual) : fabs (actual - expected) <= tol)
    return;

  message = g_strdup_printf ("expected %.17g, got %.17g (tolerance %.3g)", expected, actual, tol);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* For quantities of order one or more: relative to the expected value, at least @rel. */
#define assert_close(expected, actual, rel) \
  assert_near ((expected), (actual), (rel) * MAX (1.0, fabs (expected)))

/* The statistics of the rate at @i against the @lookback finite rates before it
 * (missing rates never enter the history), done here in the plainest way. */
static inline void
naive_stats (const double *rates,
             guint         i,
             guint         lookback,
             double       *mean,
             double       *stddev,
             double       *percentile,
             guint        *n)
{
  double sum = 0.0;
  double m2 = 0.0;
  double below = 0.0;
  guint from = i;

  *n = 0;
  while (from > 0 && *n < lookback)
    if (isfinite (rates[--from]))
      (*n)++;

  for (guint j = from; j < i; j++)
    if (isfinite (rates[j]))
      sum += rates[j];
  *mean = sum / *n;
  for (guint j = from; j < i; j++)
    if (isfinite (rates[j]))
      {
        m2 += (rates[j] - *mean) * (rates[j] - *mean);
        below += rates[j] < rates[i] ? 1.0 : rates[j] == rates[i] ? 0.5 : 0.0;
      }
  *stddev = sqrt (m2 / *n);
  *percentile = 100.0 * below / *n;
}

/* The rule documented in PerpFundingParams, written out again. */
static inline PerpFundingReading
expected_reading (const PerpFundingParams *p,
                  double                   rate,
                  double                   z,
                  double                   pct)
{
  if (!isfinite (rate))
    return PERP_FUNDING_READING_UNKNOWN;
  if (rate > 0 && (rate >= p->crowded_long_rate
                   || (!isnan (z) && z >= p->z_extreme && pct >= p->percentile_extreme)))
    return PERP_FUNDING_READING_CROWDED_LONGS;
  if (rate < 0 && (rate <= p->crowded_short_rate
                   || (!isnan (z) && z <= -p->z_extreme && pct <= 100 - p->percentile_extreme)))
    return PERP_FUNDING_READING_CROWDED_SHORTS;
  return PERP_FUNDING_READING_NORMAL;
}

/* Checks every value of a batch run against the statistics and rule computed here. */
static inline void
check_funding_values (const double            *rates,
                      guint                    n,
                      const PerpFundingParams *p,
                      const PerpFundingValue  *v)
{
  for (guint i = 0; i < n; i++)
    {
      double mean, stddev, pct;
      guint n_hist;

      g_assert_true (same_bits (v[i].rate, rates[i]));
      assert_near (rates[i] * ((365.0 * 24.0 * PERP_MS_PER_HOUR) / p->interval_ms), v[i].annualized, 1e-18);

      naive_stats (rates, i, p->lookback, &mean, &stddev, &pct, &n_hist);
      g_assert_cmpuint (v[i].n_history, ==, n_hist);
      if (n_hist < p->min_history || !isfinite (rates[i]))
        {
          g_assert_true (isnan (v[i].zscore));
          g_assert_true (isnan (v[i].percentile));
          g_assert_true (isnan (v[i].mean));
        }
      else
        {
          double z = (rates[i] - mean) / MAX (stddev, p->z_std_floor);

          /* Rates are ~1e-4: absolute tolerances far below their spread. */
          assert_near (mean, v[i].mean, 1e-16);
          assert_near (stddev, v[i].stddev, 1e-15);
          assert_near (z, v[i].zscore, 1e-8);
          assert_near (pct, v[i].percentile, 1e-9);
          g_assert_cmpfloat (v[i].percentile, >=, 0.0);
          g_assert_cmpfloat (v[i].percentile, <=, 100.0);
        }
      g_assert_cmpint (v[i].reading, ==, expected_reading (p, rates[i], v[i].zscore, v[i].percentile));
    }
}

G_END_DECLS
