/* perp-forward.h: does the stated lean say where price went next?
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The honesty check of the scores themselves, apart from any trade plan: for every
 * close that was scored, the lean (Long % - 50, from -50 for a certain short to +50
 * for a certain long) against the return from that close to the close a fixed number
 * of candles later.  Plans, stops and costs do not enter, so this says whether the
 * confidence carries information about direction at all, which the trades' results
 * (one plan's way of acting on it) cannot separate from the plan.
 *
 * - correlation: Pearson's, between the lean and the forward return, over every score
 *   with a scored close exactly @horizon intervals later (scores near the end of the
 *   data, or whose target time fell in a gap of the candles, are left out).
 * - hit rate: of the scores confident enough to be signals (confidence at or above a
 *   threshold, a direction), the share whose forward return went their way (a return
 *   of exactly zero is a miss: nothing was gained).
 * - mean signed return: the forward return, signed by that direction, averaged over
 *   the same scores: what following the lean alone would have made per score before
 *   costs (as a fraction of price).
 */

/**
 * PerpForwardPoint:
 * @time: the close the score was made at (Unix ms)
 * @price: the price then (the close)
 * @long_pct: the score's Long % (Short % = 100 - Long %)
 */
typedef struct
{
  gint64 time;
  double price;
  double long_pct;
} PerpForwardPoint;

/**
 * PerpForwardStats:
 * @horizon: candles looked ahead
 * @min_confidence: the confidence from which a score counts as a signal (hit rate)
 * @n_scores: scores with a forward return
 * @correlation: of the lean with the forward return (NAN with fewer than 3 scores, or
 *   when either does not vary)
 * @n_signals: of them, confident enough
 * @hit_rate: of those, the share whose return went their way (NAN without any)
 * @mean_signed_return: of those, the return signed by their direction (NAN without any)
 */
typedef struct
{
  guint  horizon;
  double min_confidence;
  guint  n_scores;
  double correlation;
  guint  n_signals;
  double hit_rate;
  double mean_signed_return;

  /*< private >*/
  double mean_x, mean_y;     /* running means and co-moments (Welford): a lean that */
  double m2_x, m2_y, c_xy;   /* never varies gives exactly 0, not rounding noise */
  guint  n_hits;
  double sum_signed;
} PerpForwardStats;

void perp_forward_stats_init       (PerpForwardStats       *stats,
                                    guint                   horizon,
                                    double                  min_confidence);
void perp_forward_stats_add_series (PerpForwardStats       *stats,
                                    const PerpForwardPoint *points,
                                    guint                   n_points,
                                    gint64                  interval_ms);

G_END_DECLS
