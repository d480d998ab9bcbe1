/* perp-viewport.h: the visible time and price range shared by the chart's parts
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PerpViewportState:
 * @t0: left edge of the plot, Unix milliseconds (fractional while zooming)
 * @t1: right edge, exclusive; > @t0
 * @p0: price at the bottom edge of the plot
 * @p1: price at the top edge; > @p0
 * @plot_width: width of the plot area in pixels; the plot's top left is (0, 0)
 * @plot_height: its height
 * @interval_ms: candle interval, for the candle width and the time ladder
 * @utc: axis and readout times in UTC, else in the local time zone
 *
 * A plain copy of a viewport plus the plot geometry: what every drawing function reads.
 */
typedef struct
{
  double   t0;
  double   t1;
  double   p0;
  double   p1;
  int      plot_width;
  int      plot_height;
  gint64   interval_ms;
  gboolean utc;
} PerpViewportState;

static inline double
perp_viewport_state_time_to_x (const PerpViewportState *vp,
                               double                   t)
{
  return (t - vp->t0) / (vp->t1 - vp->t0) * vp->plot_width;
}

static inline double
perp_viewport_state_x_to_time (const PerpViewportState *vp,
                               double                   x)
{
  return vp->t0 + x / vp->plot_width * (vp->t1 - vp->t0);
}

static inline double
perp_viewport_state_price_to_y (const PerpViewportState *vp,
                                double                   price)
{
  return (vp->p1 - price) / (vp->p1 - vp->p0) * vp->plot_height;
}

static inline double
perp_viewport_state_y_to_price (const PerpViewportState *vp,
                                double                   y)
{
  return vp->p1 - y / vp->plot_height * (vp->p1 - vp->p0);
}

#define PERP_TYPE_VIEWPORT (perp_viewport_get_type ())
G_DECLARE_FINAL_TYPE (PerpViewport, perp_viewport, PERP, VIEWPORT, GObject)

PerpViewport *perp_viewport_new              (void);
void          perp_viewport_get_time_range   (PerpViewport *self,
                                              double       *t0,
                                              double       *t1);
void          perp_viewport_set_time_range   (PerpViewport *self,
                                              double        t0,
                                              double        t1);
void          perp_viewport_get_price_range  (PerpViewport *self,
                                              double       *p0,
                                              double       *p1);
void          perp_viewport_set_price_range  (PerpViewport *self,
                                              double        p0,
                                              double        p1);
void          perp_viewport_set_ranges       (PerpViewport *self,
                                              double        t0,
                                              double        t1,
                                              double        p0,
                                              double        p1);

G_END_DECLS
