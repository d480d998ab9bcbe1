/* perp-window.c: rolling windows shared by the indicators
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-indicators"

#include "config.h"

#include <string.h>

#include "perp-window-private.h"

void
_perp_window_init (PerpWindow *w,
                   guint       period,
                   gboolean    track_m2)
{
  g_assert (period > 0);

  memset (w, 0, sizeof *w);
  w->ring = g_new0 (double, period);
  w->period = period;
  w->inv_period = 1.0 / period;
  w->track_m2 = !!track_m2;
}

void
_perp_window_clear (PerpWindow *w)
{
  g_clear_pointer (&w->ring, g_free);
}

/* Called when the ring has just wrapped, so slot 0 is the oldest value: summing in slot
 * order is summing in time order, the same order as the first fill. */
void
_perp_window_resync (PerpWindow *w)
{
  double sum = 0.0;

  for (guint i = 0; i < w->period; i++)
    sum += w->ring[i];
  w->sum = sum;

  if (w->track_m2)
    {
      double mean = sum * w->inv_period;
      double m2 = 0.0;

      for (guint i = 0; i < w->period; i++)
        m2 += (w->ring[i] - mean) * (w->ring[i] - mean);
      w->m2 = m2;
      w->m2_exact = m2;
    }
}

void
_perp_extremes_init (PerpExtremes *e,
                     guint         period)
{
  g_assert (period > 0);

  memset (e, 0, sizeof *e);
  e->ring = g_new0 (double, period);
  e->period = period;
}

void
_perp_extremes_clear (PerpExtremes *e)
{
  g_clear_pointer (&e->ring, g_free);
}

/* The extreme of the values that stay in the window when the next one is pushed: every
 * slot but pos, the one about to be overwritten.  The value comes from a branch-free
 * pass (maxsd/minsd in two independent chains); then the newest slot holding it is
 * found, so that among equal values the one staying longest in the window is kept.
 * Specialised per direction: a direction flag inside the loops cost five times more. */
#define DEFINE_RESCAN(name, better)                                                  \
  static double                                                                       \
  name (const double *ring,                                                          \
        guint         pos,                                                           \
        guint         period,                                                        \
        guint        *age_out)                                                       \
  {                                                                                   \
    double a0 = ring[pos + 1 < period ? pos + 1 : 0];                                 \
    double a1 = a0;                                                                   \
    double best;                                                                      \
    guint j;                                                                          \
    guint age;                                                                        \
                                                                                      \
    for (j = 0; j + 1 < pos; j += 2)                                                  \
      {                                                                               \
        a0 = better (a0, ring[j]);                                                    \
        a1 = better (a1, ring[j + 1]);                                                \
      }                                                                               \
    if (j < pos)                                                                      \
      a0 = better (a0, ring[j]);                                                      \
    for (j = pos + 1; j + 1 < period; j += 2)                                         \
      {                                                                               \
        a0 = better (a0, ring[j]);                                                    \
        a1 = better (a1, ring[j + 1]);                                                \
      }                                                                               \
    if (j < period)                                                                   \
      a0 = better (a0, ring[j]);                                                      \
    best = better (a0, a1);                                                           \
                                                                                      \
    /* Slot s was written (pos - s) mod period pushes ago; search newest first. */   \
    for (age = 1; age < period; age++)                                                \
      if (ring[pos >= age ? pos - age : pos + period - age] == best)                  \
        break;                                                                        \
                                                                                      \
    *age_out = age;                                                                   \
    return best;                                                                      \
  }

static inline double
max2 (double a,
      double b)
{
  return a > b ? a : b;
}

static inline double
min2 (double a,
      double b)
{
  return a < b ? a : b;
}

DEFINE_RESCAN (rescan_max, max2)
DEFINE_RESCAN (rescan_min, min2)

void
_perp_extremes_rescan (const PerpExtremes *e,
                       gboolean            want_max,
                       double             *max,
                       guint64            *max_seq,
                       double             *min,
                       guint64            *min_seq)
{
  guint age;

  if (want_max)
    {
      *max = rescan_max (e->ring, e->pos, e->period, &age);
      *max_seq = e->count - age;
    }
  else
    {
      *min = rescan_min (e->ring, e->pos, e->period, &age);
      *min_seq = e->count - age;
    }
}
