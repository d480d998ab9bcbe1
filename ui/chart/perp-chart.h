/* perp-chart.h: the candlestick chart with its structure, liquidity and plan layers
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "core/perp-candles.h"
#include "core/perp-liquidation-map.h"
#include "core/perp-plan.h"
#include "core/perp-structure.h"

#include "perp-viewport.h"

G_BEGIN_DECLS

/**
 * PerpChartLayer: the toggleable layers.  Drawn bottom to top: the background, the
 * heatmap (opaque, see perp-chart-render.c), the grid, then the layers in this order
 * with the candles between ORDER_BLOCKS and LEVELS, then the heatmap's legend.
 */
typedef enum
{
  PERP_CHART_LAYER_KILLZONES,     /* session killzone bands (background) */
  PERP_CHART_LAYER_ZONES,         /* premium / equilibrium / discount shading */
  PERP_CHART_LAYER_HEATMAP,       /* liquidation heatmap image + intensity legend (under everything) */
  PERP_CHART_LAYER_VOLUME,
  PERP_CHART_LAYER_FVG,
  PERP_CHART_LAYER_ORDER_BLOCKS,  /* order blocks and breaker blocks */
  PERP_CHART_LAYER_LEVELS,        /* previous day / week high and low */
  PERP_CHART_LAYER_LIQUIDITY,     /* equal highs / lows and their sweeps */
  PERP_CHART_LAYER_FIBONACCI,     /* levels of the active leg */
  PERP_CHART_LAYER_STRUCTURE,     /* BOS / CHoCH lines with labels */
  PERP_CHART_LAYER_SWINGS,        /* swing points */
  PERP_CHART_LAYER_EMA,
  PERP_CHART_LAYER_PLAN,          /* entry, stop, targets with R labels */
  PERP_CHART_N_LAYERS
} PerpChartLayer;

#define PERP_TYPE_CHART (perp_chart_get_type ())
G_DECLARE_FINAL_TYPE (PerpChart, perp_chart, PERP, CHART, GtkWidget)

GtkWidget  *perp_chart_new                 (void);

/* Stable names ("fvg", "order-blocks", ...) used by actions and GSettings. */
const char *perp_chart_layer_name          (PerpChartLayer     layer);
PerpChartLayer perp_chart_layer_from_name  (const char        *name);   /* N_LAYERS if unknown */
const char *perp_chart_layer_title         (PerpChartLayer     layer);  /* translated */

/* @candles: a reference is taken; @structure is borrowed and must outlive its use here
 * (set it again, or to NULL, before freeing it).  Both may be NULL (empty chart). */
void        perp_chart_set_data            (PerpChart         *self,
                                            PerpCandles       *candles,
                                            const PerpStructure *structure);
/* The candles or structure given to set_data grew (a candle closed). */
void        perp_chart_data_changed        (PerpChart         *self);
/* The live candle, drawn on top and never cached; NULL hides it. */
void        perp_chart_set_forming         (PerpChart         *self,
                                            const PerpCandle  *candle);
void        perp_chart_set_liq_map         (PerpChart         *self,
                                            PerpLiqMap        *map);
/* Copied; NULL or a plan without a trade hides the plan layer's lines. */
void        perp_chart_set_plan            (PerpChart         *self,
                                            const PerpPlan    *plan);

void        perp_chart_set_layer_visible   (PerpChart         *self,
                                            PerpChartLayer     layer,
                                            gboolean           visible);
gboolean    perp_chart_get_layer_visible   (PerpChart         *self,
                                            PerpChartLayer     layer);
/* Times on the axis and in the readout: UTC (default) or the local time zone. */
void        perp_chart_set_utc             (PerpChart         *self,
                                            gboolean           utc);
/* Shows the candles up to @time at the right edge and stops following the live candle. */
void        perp_chart_scroll_to_time      (PerpChart         *self,
                                            gint64             time);
/* Follows the newest candle (the default); panning away turns it off. */
void        perp_chart_set_follow_live     (PerpChart         *self,
                                            gboolean           follow);

gboolean    perp_chart_get_follow_live     (PerpChart         *self);
gboolean    perp_chart_get_utc             (PerpChart         *self);
/* The visible ranges; shared with anything that wants to follow the chart. */
PerpViewport *perp_chart_get_viewport      (PerpChart         *self);
/* The heatmap's history: one column per candle (see PerpLiqGrid).  The map given to
 * set_liq_map() is drawn right of the last candle, as it stands now. */
void        perp_chart_set_liq_grid        (PerpChart         *self,
                                            PerpLiqGrid       *grid);
/* Pans by a fraction of the visible span (> 0: later), as the arrow keys do. */
void        perp_chart_pan                 (PerpChart         *self,
                                            double             fraction);
/* Zooms by @factor (> 1: in) keeping the time at @anchor (0 left .. 1 right of the
 * plot) where it is, as scrolling does. */
void        perp_chart_zoom                (PerpChart         *self,
                                            double             factor,
                                            double             anchor);
/* Shows the first (Home) or the newest candles (End, which also follows live). */
void        perp_chart_scroll_to_start     (PerpChart         *self);
void        perp_chart_scroll_to_end       (PerpChart         *self);

G_END_DECLS
