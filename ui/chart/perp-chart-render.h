/* perp-chart-render.h: the chart's drawing, as plain functions on a GtkSnapshot
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "perp-chart.h"
#include "perp-chart-model.h"
#include "perp-viewport.h"

G_BEGIN_DECLS

/* Every colour is a @define-color in the theme, named by perp_chart_color_name();
 * perp_chart_colors_init() gives the fallbacks. */
typedef enum
{
  PERP_CHART_COLOR_BACKGROUND,
  PERP_CHART_COLOR_FOREGROUND,
  PERP_CHART_COLOR_DIM,
  PERP_CHART_COLOR_GRID,
  PERP_CHART_COLOR_AXIS_BACKGROUND,
  PERP_CHART_COLOR_BULL,
  PERP_CHART_COLOR_BEAR,
  PERP_CHART_COLOR_VOLUME_BULL,
  PERP_CHART_COLOR_VOLUME_BEAR,
  PERP_CHART_COLOR_FVG_BULL,
  PERP_CHART_COLOR_FVG_BEAR,
  PERP_CHART_COLOR_FVG_MITIGATED,
  PERP_CHART_COLOR_OB_BULL,
  PERP_CHART_COLOR_OB_BEAR,
  PERP_CHART_COLOR_BREAKER_BULL,
  PERP_CHART_COLOR_BREAKER_BEAR,
  PERP_CHART_COLOR_BLOCK_MITIGATED,
  PERP_CHART_COLOR_LEVEL_DAY,
  PERP_CHART_COLOR_LEVEL_WEEK,
  PERP_CHART_COLOR_LIQUIDITY,
  PERP_CHART_COLOR_SWEEP,
  PERP_CHART_COLOR_FIB,
  PERP_CHART_COLOR_BOS,
  PERP_CHART_COLOR_CHOCH,
  PERP_CHART_COLOR_SWING_HIGH,
  PERP_CHART_COLOR_SWING_LOW,
  PERP_CHART_COLOR_EMA_FAST,
  PERP_CHART_COLOR_EMA_MID,
  PERP_CHART_COLOR_EMA_SLOW,
  PERP_CHART_COLOR_ENTRY,
  PERP_CHART_COLOR_STOP,
  PERP_CHART_COLOR_TARGET,
  PERP_CHART_COLOR_PREMIUM,
  PERP_CHART_COLOR_EQUILIBRIUM,
  PERP_CHART_COLOR_DISCOUNT,
  PERP_CHART_COLOR_KILLZONE_1,
  PERP_CHART_COLOR_KILLZONE_2,
  PERP_CHART_COLOR_KILLZONE_3,
  PERP_CHART_COLOR_KILLZONE_4,
  PERP_CHART_COLOR_KILLZONE_5,
  PERP_CHART_COLOR_HEAT_LOW,
  PERP_CHART_COLOR_HEAT_MID,
  PERP_CHART_COLOR_HEAT_HIGH,
  PERP_CHART_COLOR_CROSSHAIR,
  PERP_CHART_COLOR_LABEL_BACKGROUND,
  PERP_CHART_N_COLORS
} PerpChartColor;

#define PERP_CHART_PRICE_AXIS_WIDTH 76
#define PERP_CHART_TIME_AXIS_HEIGHT 22
/* Objects drawn per layer and frame at most, newest first (and at most one per three
 * pixel columns, six when zoomed out past a candle a pixel): keeps a zoomed-out
 * frame's cost bounded by pixels rather than by years of history. */
#define PERP_CHART_MAX_OBJECTS 800

/**
 * PerpChartStyle:
 * @colors: resolved colours
 * @layout: a layout for all text (a reference; its font is the chart's font)
 * @dark: the colours are for a dark background
 * @text_cache: laid-out labels; set up by perp_chart_style_init()
 * @labels: (element-type graphene_rect_t): the boxes of the plot labels the last
 *   perp_chart_draw_static() or perp_chart_draw_layer() call placed (a label that
 *   would have overlapped one placed before it was left out)
 * @label_queue: private: the labels of the drawing in progress
 *
 * Set up with perp_chart_style_init(), released with perp_chart_style_clear().  Clear
 * and init it again when the font or the colours change: the label cache holds both.
 * Drawing fills @labels and @label_queue, so one style serves one drawing at a time.
 */
typedef struct
{
  GdkRGBA      colors[PERP_CHART_N_COLORS];
  PangoLayout *layout;
  gboolean     dark;
  GHashTable  *text_cache;
  GArray      *labels;
  GArray      *label_queue;
} PerpChartStyle;

void        perp_chart_style_init          (PerpChartStyle          *style,
                                            PangoLayout             *layout,
                                            gboolean                 dark);
void        perp_chart_style_clear         (PerpChartStyle          *style);

const char *perp_chart_color_name          (PerpChartColor           color);
void        perp_chart_colors_init         (GdkRGBA                 *colors,
                                            gboolean                 dark);

/* Fills @vp's plot size from the widget size. */
void        perp_chart_viewport_layout     (PerpViewportState       *vp,
                                            int                      width,
                                            int                      height);

/* Sets @vp's price range to the candles in its time range, with a margin. */
gboolean    perp_chart_autoscale           (const PerpChartModel    *model,
                                            PerpViewportState       *vp);

/* The pixel column of a time in the plot, floored as everything is drawn. */
int         perp_chart_x_of_time           (const PerpViewportState *vp,
                                            double                   time);

void        perp_chart_draw_background     (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp);
void        perp_chart_draw_candles        (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp);
void        perp_chart_draw_layer          (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp,
                                            PerpChartLayer           layer);
void        perp_chart_draw_axes           (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp);
/* Background, the visible layers and the candles in order, then the axes. */
void        perp_chart_draw_static         (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp,
                                            const gboolean          *visible);
void        perp_chart_draw_forming        (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp);
void        perp_chart_draw_crosshair      (GtkSnapshot             *snapshot,
                                            int                      width,
                                            int                      height,
                                            PerpChartModel          *model,
                                            const PerpChartStyle    *style,
                                            const PerpViewportState *vp,
                                            const gboolean          *visible,
                                            double                   x,
                                            double                   y);

/* The tooltip text for the object drawn under (@x, @y), or NULL. */
char       *perp_chart_describe_at         (PerpChartModel          *model,
                                            const PerpViewportState *vp,
                                            const gboolean          *visible,
                                            double                   x,
                                            double                   y);

/* Labels: "43,210.5", "12:00" / "Tue 02" ... */
char       *perp_chart_format_price        (double                   price,
                                            double                   step);
char       *perp_chart_format_time         (gint64                   time_ms,
                                            gboolean                 utc,
                                            const char              *format);
double      perp_chart_nice_price_step     (double                   range,
                                            int                      max_ticks);
gint64      perp_chart_nice_time_step      (double                   ms_per_pixel,
                                            int                      min_pixels);
gint64      perp_chart_next_time_tick      (gint64                   t,
                                            gint64                   from,
                                            gint64                   step,
                                            gboolean                 utc);

G_END_DECLS
