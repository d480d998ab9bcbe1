/* perp-window-private.h: rolling windows shared by the indicators
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <math.h>

#include "perp-indicators.h"

G_BEGIN_DECLS

/*
 * Every indicator works in two steps so that update and peek share one rule:
 *
 *   step:   compute the new scalar state and the outputs from the current state and
 *           the new candle, reading the ring buffers but never writing them;
 *   commit: write the new value into the ring buffers and adopt the new state.
 *
 * peek runs only the step.  update runs both.  The batch forms call update in a loop.
 */

void _perp_window_init    (PerpWindow   *w,
                           guint         period,
                           gboolean      track_m2);
void _perp_window_clear   (PerpWindow   *w);
void _perp_window_resync  (PerpWindow   *w);
void _perp_extremes_init  (PerpExtremes *e,
                           guint         period);
void _perp_extremes_clear (PerpExtremes *e);
void _perp_extremes_rescan(const PerpExtremes *e,
                           gboolean      want_max,
                           double       *max,
                           guint64      *max_seq,
                           double       *min,
                           guint64      *min_seq);

/* Sum of squared deviations from @mean of the window after pushing @x: every slot but
 * pos (which x replaces), and x. */
static inline double
_perp_window_exact_m2 (const PerpWindow *w,
                       double            x,
                       double            mean)
{
  double acc = (x - mean) * (x - mean);

  for (guint i = 0; i < w->period; i++)
    if (i != w->pos)
      acc += (w->ring[i] - mean) * (w->ring[i] - mean);

  return acc;
}

/* The window's sum (and M2) after pushing @x.  Returns TRUE when the window is then
 * full, i.e. an output exists. */
static inline gboolean
_perp_window_step (const PerpWindow *w,
                   double            x,
                   double           *sum,
                   double           *m2)
{
  if (w->count + 1 < w->period)
    {
      *sum = w->sum + x;
      *m2 = 0.0;
      return FALSE;
    }

  if (w->count + 1 == w->period)
    {
      *sum = w->sum + x;
      *m2 = 0.0;
      if (w->track_m2)
        {
          /* Slots 0 .. period-2 are filled and pos is period-1. */
          *m2 = _perp_window_exact_m2 (w, x, *sum * w->inv_period);
        }
      return TRUE;
    }

  {
    double old = w->ring[w->pos];

    /* x - old is off the loop-carried chain: one dependent add per value. */
    *sum = w->sum + (x - old);
    *m2 = 0.0;
    if (w->track_m2)
      {
        /* Welford's update for a sliding window: replace old by x. */
        double old_mean = w->sum * w->inv_period;
        double new_mean = *sum * w->inv_period;

        *m2 = w->m2 + (x - old) * ((x - new_mean) + (old - old_mean));

        /* The update's rounding error scales with the variance the window had, not the
         * one it has: after a big move into a flat stretch it would leave a phantom
         * sigma.  Recompute exactly when the variance has collapsed. */
        if (*m2 < w->m2_exact * 1e-4)
          *m2 = _perp_window_exact_m2 (w, x, new_mean);
      }
  }

  return TRUE;
}

static inline void
_perp_window_commit (PerpWindow *w,
                     double      x,
                     double      sum,
                     double      m2)
{
  w->ring[w->pos] = x;
  w->pos = (w->pos + 1 == w->period) ? 0 : w->pos + 1;
  w->count++;
  w->sum = sum;
  w->m2 = m2;

  /* Running sums drift by an ulp or so per update; recomputing them once per turn of
   * the ring keeps the error bounded on arbitrarily long series, at O(1) amortised. */
  if (w->pos == 0)
    _perp_window_resync (w);
}

/* Of the window after pushing @x (sequence number e->count), the maximum and/or minimum
 * and the sequence numbers where they occur. */
static inline void
_perp_extremes_step (const PerpExtremes *e,
                     double              x,
                     gboolean            want_max,
                     gboolean            want_min,
                     double             *max,
                     guint64            *max_seq,
                     double             *min,
                     guint64            *min_seq)
{
  guint64 seq = e->count;
  guint64 first = seq + 1 >= e->period ? seq + 1 - e->period : 0;

  if (seq == 0 || e->period == 1)
    {
      *max = *min = x;
      *max_seq = *min_seq = seq;
      return;
    }

  if (want_max)
    {
      if (e->max_seq >= first)
        *max = e->max, *max_seq = e->max_seq;
      else
        _perp_extremes_rescan (e, TRUE, max, max_seq, NULL, NULL);
      if (x >= *max)
        *max = x, *max_seq = seq;
    }

  if (want_min)
    {
      if (e->min_seq >= first)
        *min = e->min, *min_seq = e->min_seq;
      else
        _perp_extremes_rescan (e, FALSE, NULL, NULL, min, min_seq);
      if (x <= *min)
        *min = x, *min_seq = seq;
    }
}

static inline void
_perp_extremes_commit (PerpExtremes *e,
                       double        x,
                       double        max,
                       guint64       max_seq,
                       double        min,
                       guint64       min_seq)
{
  e->ring[e->pos] = x;
  e->pos = (e->pos + 1 == e->period) ? 0 : e->pos + 1;
  e->count++;
  e->max = max;
  e->max_seq = max_seq;
  e->min = min;
  e->min_seq = min_seq;
}

/* TA-Lib's TA_IS_ZERO. */
static inline gboolean
_perp_is_zero (double x)
{
  return -1e-14 < x && x < 1e-14;
}

G_END_DECLS
