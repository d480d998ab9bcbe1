/* perp-forward.c: the scores' lean against the forward return
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "perp-forward.h"

void
perp_forward_stats_init (PerpForwardStats *stats,
                         guint             horizon,
                         double            min_confidence)
{
  g_return_if_fail (stats != NULL);

  *stats = (PerpForwardStats) { 0 };
  stats->horizon = horizon;
  stats->min_confidence = min_confidence;
  stats->correlation = NAN;
  stats->hit_rate = NAN;
  stats->mean_signed_return = NAN;
}

/* The index of the point at @time in @points (increasing times), from the guess
 * @hint; -1 when there is none. */
static gssize
find_time (const PerpForwardPoint *points,
           guint                   n_points,
           guint                   hint,
           gint64                  time)
{
  guint lo = 0;
  guint hi = n_points;

  if (hint < n_points && points[hint].time == time)
    return hint;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (points[mid].time < time)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo < n_points && points[lo].time == time ? (gssize) lo : -1;
}

static void
update_derived (PerpForwardStats *stats)
{
  if (stats->n_scores >= 3)
    stats->correlation = stats->m2_x > 0.0 && stats->m2_y > 0.0
                         ? stats->c_xy / sqrt (stats->m2_x * stats->m2_y) : NAN;
  if (stats->n_signals > 0)
    {
      stats->hit_rate = (double) stats->n_hits / stats->n_signals;
      stats->mean_signed_return = stats->sum_signed / stats->n_signals;
    }
}

/**
 * perp_forward_stats_add_series:
 * @points: (array length=n_points): one symbol's scores on its closes, in increasing
 *   time
 * @interval_ms: the candles' interval
 *
 * Adds the scores of one symbol (a close's forward return is only ever taken within
 * its own symbol); call once per symbol to pool several.
 */
void
perp_forward_stats_add_series (PerpForwardStats       *stats,
                               const PerpForwardPoint *points,
                               guint                   n_points,
                               gint64                  interval_ms)
{
  gint64 ahead;

  g_return_if_fail (stats != NULL);
  g_return_if_fail (points != NULL || n_points == 0);
  g_return_if_fail (interval_ms > 0);

  ahead = (gint64) stats->horizon * interval_ms;
  for (guint i = 0; i < n_points; i++)
    {
      const PerpForwardPoint *p = &points[i];
      gssize j = find_time (points, n_points, i + stats->horizon, p->time + ahead);
      double lean = p->long_pct - 50.0;
      double confidence = MAX (p->long_pct, 100.0 - p->long_pct);
      double r, dx, dy;

      if (j < 0 || !(p->price > 0.0) || !isfinite (points[j].price) || !isfinite (lean))
        continue;
      r = points[j].price / p->price - 1.0;
      stats->n_scores++;
      dx = lean - stats->mean_x;
      dy = r - stats->mean_y;
      stats->mean_x += dx / stats->n_scores;
      stats->mean_y += dy / stats->n_scores;
      stats->m2_x += dx * (lean - stats->mean_x);
      stats->m2_y += dy * (r - stats->mean_y);
      stats->c_xy += dx * (r - stats->mean_y);
      if (lean != 0.0 && confidence >= stats->min_confidence)
        {
          double signed_r = lean > 0.0 ? r : -r;

          stats->n_signals++;
          stats->n_hits += signed_r > 0.0;
          stats->sum_signed += signed_r;
        }
    }
  update_derived (stats);
}
