/* perp-viewport.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-chart"

#include "config.h"

#include <math.h>

#include "perp-viewport.h"

/* A GObject, not a widget: the candles, axes, crosshair and any linked chart read the
 * same ranges, and a change is one "changed" emission whoever caused it. */
struct _PerpViewport
{
  GObject parent_instance;
  double  t0;
  double  t1;
  double  p0;
  double  p1;
};

G_DEFINE_FINAL_TYPE (PerpViewport, perp_viewport, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
perp_viewport_class_init (PerpViewportClass *klass)
{
  /**
   * PerpViewport::changed:
   * @self: the viewport
   *
   * The time or the price range changed; emitted once per setter call.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
perp_viewport_init (PerpViewport *self)
{
  self->t0 = 0;
  self->t1 = 1;
  self->p0 = 0;
  self->p1 = 1;
}

PerpViewport *
perp_viewport_new (void)
{
  return g_object_new (PERP_TYPE_VIEWPORT, NULL);
}

void
perp_viewport_get_time_range (PerpViewport *self,
                              double       *t0,
                              double       *t1)
{
  g_return_if_fail (PERP_IS_VIEWPORT (self));

  if (t0 != NULL)
    *t0 = self->t0;
  if (t1 != NULL)
    *t1 = self->t1;
}

void
perp_viewport_get_price_range (PerpViewport *self,
                               double       *p0,
                               double       *p1)
{
  g_return_if_fail (PERP_IS_VIEWPORT (self));

  if (p0 != NULL)
    *p0 = self->p0;
  if (p1 != NULL)
    *p1 = self->p1;
}

/**
 * perp_viewport_set_ranges:
 *
 * Sets both ranges with one "changed".  Empty, reversed or non-finite ranges are
 * refused with a critical: every mapping divides by the range's width.
 */
void
perp_viewport_set_ranges (PerpViewport *self,
                          double        t0,
                          double        t1,
                          double        p0,
                          double        p1)
{
  g_return_if_fail (PERP_IS_VIEWPORT (self));
  g_return_if_fail (isfinite (t0) && isfinite (t1) && t1 > t0);
  g_return_if_fail (isfinite (p0) && isfinite (p1) && p1 > p0);

  if (self->t0 == t0 && self->t1 == t1 && self->p0 == p0 && self->p1 == p1)
    return;

  self->t0 = t0;
  self->t1 = t1;
  self->p0 = p0;
  self->p1 = p1;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
perp_viewport_set_time_range (PerpViewport *self,
                              double        t0,
                              double        t1)
{
  g_return_if_fail (PERP_IS_VIEWPORT (self));

  perp_viewport_set_ranges (self, t0, t1, self->p0, self->p1);
}

void
perp_viewport_set_price_range (PerpViewport *self,
                               double        p0,
                               double        p1)
{
  g_return_if_fail (PERP_IS_VIEWPORT (self));

  perp_viewport_set_ranges (self, self->t0, self->t1, p0, p1);
}
