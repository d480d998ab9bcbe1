/* perp-chart-model.h: the chart's data plus everything precomputed for drawing
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "core/perp-candles.h"
#include "core/perp-liquidation-map.h"
#include "core/perp-plan.h"
#include "core/perp-structure.h"

#include "perp-viewport.h"

G_BEGIN_DECLS

#define PERP_CHART_N_EMAS 3
/* Closed spans per entry of perp_chart_model_get_span_block_max_end(). */
#define PERP_CHART_SPAN_BLOCK 32

/**
 * PerpChartColumn:
 * @x: left edge of the body, in plot pixels
 * @width: body width in pixels (>= 1)
 * @first: index of the first candle aggregated
 * @last: index after the last one
 *
 * One drawn candle: a single candle when zoomed in, or every candle of one pixel
 * column when zoomed out (first open, max high, min low, last close, summed volume).
 */
typedef struct
{
  double x;
  double width;
  guint  first;
  guint  last;
  double open;
  double high;
  double low;
  double close;
  double volume;
} PerpChartColumn;

/**
 * PerpChartSpan:
 * @start: where the object's drawing starts (ms)
 * @end: where it ends (ms); G_MAXINT64 while it is still open at the data's last candle
 * @id: index into the structure's object list
 *
 * A structure object as a chart layer draws it, as of the chart's last closed candle.
 */
typedef struct
{
  gint64  start;
  gint64  end;
  guint32 id;
} PerpChartSpan;

/* The object groups, one per structure layer. */
typedef enum
{
  PERP_CHART_GROUP_FVG,
  PERP_CHART_GROUP_BLOCKS,
  PERP_CHART_GROUP_LEVELS,
  PERP_CHART_GROUP_LIQUIDITY,
  PERP_CHART_GROUP_STRUCTURE,
  PERP_CHART_GROUP_SWINGS,
  PERP_CHART_N_GROUPS
} PerpChartGroup;

/**
 * PerpChartWindow: one killzone occurrence, [start, end) in UTC ms.
 */
typedef struct
{
  gint64 start;
  gint64 end;
  guint  zone;
} PerpChartWindow;

typedef struct _PerpChartModel PerpChartModel;

PerpChartModel      *perp_chart_model_new             (void);
void                 perp_chart_model_free            (PerpChartModel          *self);

void                 perp_chart_model_set_data        (PerpChartModel          *self,
                                                       PerpCandles             *candles,
                                                       const PerpStructure     *structure);
void                 perp_chart_model_data_changed    (PerpChartModel          *self);
void                 perp_chart_model_set_forming     (PerpChartModel          *self,
                                                       const PerpCandle        *candle);
void                 perp_chart_model_set_liq_map     (PerpChartModel          *self,
                                                       PerpLiqMap              *map);
void                 perp_chart_model_set_liq_grid    (PerpChartModel          *self,
                                                       PerpLiqGrid             *grid);
void                 perp_chart_model_set_plan        (PerpChartModel          *self,
                                                       const PerpPlan          *plan);

PerpCandles         *perp_chart_model_get_candles     (const PerpChartModel    *self);
const PerpStructure *perp_chart_model_get_structure   (const PerpChartModel    *self);
gint64               perp_chart_model_get_interval_ms (const PerpChartModel    *self);
gboolean             perp_chart_model_get_time_extent (const PerpChartModel    *self,
                                                       gint64                  *first,
                                                       gint64                  *last);
gint64               perp_chart_model_get_cutoff      (const PerpChartModel    *self);
const PerpCandle    *perp_chart_model_get_forming     (const PerpChartModel    *self);
PerpLiqMap          *perp_chart_model_get_liq_map     (const PerpChartModel    *self);
PerpLiqGrid         *perp_chart_model_get_liq_grid    (const PerpChartModel    *self);
const PerpPlan      *perp_chart_model_get_plan        (const PerpChartModel    *self);

void                 perp_chart_model_aggregate       (const PerpChartModel    *self,
                                                       guint                    begin,
                                                       guint                    end,
                                                       PerpChartColumn         *out);
gboolean             perp_chart_model_price_extent    (const PerpChartModel    *self,
                                                       double                   t0,
                                                       double                   t1,
                                                       double                  *lo,
                                                       double                  *hi);
const PerpChartColumn *perp_chart_model_get_columns   (PerpChartModel          *self,
                                                       const PerpViewportState *vp,
                                                       guint                   *n_columns);

const double        *perp_chart_model_get_ema         (const PerpChartModel    *self,
                                                       guint                    which,
                                                       guint                   *period);
const PerpChartSpan *perp_chart_model_get_spans       (const PerpChartModel    *self,
                                                       PerpChartGroup           group,
                                                       gboolean                 open,
                                                       guint                   *n_spans);
const double        *perp_chart_model_get_liq_profile (PerpChartModel        *self,
                                                       gint64                 *first_bucket,
                                                       guint                  *n_buckets);
const gint64        *perp_chart_model_get_span_max_end (const PerpChartModel   *self,
                                                       PerpChartGroup           group);
const gint64        *perp_chart_model_get_span_block_max_end (const PerpChartModel *self,
                                                             PerpChartGroup        group);
const PerpChartWindow *perp_chart_model_get_killzones (const PerpChartModel    *self,
                                                       guint                   *n_windows);
gsize                perp_chart_model_get_memory_size (const PerpChartModel    *self);

G_END_DECLS
