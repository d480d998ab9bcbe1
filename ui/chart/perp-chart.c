/* perp-chart.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-chart"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "perp-chart.h"
#include "perp-chart-model.h"
#include "perp-chart-render.h"

/* The widget: input, the viewport and the cache.  All drawing is in
 * perp-chart-render.c, all precomputation in perp-chart-model.c. */

#define DEFAULT_CANDLES   150
#define MIN_CANDLES       10
/* Empty candles kept right of the newest one while following, for the live candle. */
#define RIGHT_MARGIN      4

struct _PerpChart
{
  GtkWidget       parent_instance;

  PerpChartModel *model;
  PerpViewport   *viewport;
  PerpChartStyle  style;
  GskRenderNode  *cached;

  gboolean        visible[PERP_CHART_N_LAYERS];
  guint           utc : 1;
  guint           follow_live : 1;
  guint           has_range : 1;
  guint           pointer_in : 1;

  double          pointer_x;
  double          pointer_y;
  double          drag_t0;
  double          drag_t1;
  double          zoom_t0;
  double          zoom_t1;
  double          zoom_anchor;
};

G_DEFINE_FINAL_TYPE (PerpChart, perp_chart, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_FOLLOW_LIVE,
  PROP_UTC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct
{
  const char *name;
  const char *title;
} layer_names[PERP_CHART_N_LAYERS] = {
  [PERP_CHART_LAYER_KILLZONES]    = { "killzones",    N_("Killzones") },
  [PERP_CHART_LAYER_ZONES]        = { "zones",        N_("Premium / Discount") },
  [PERP_CHART_LAYER_HEATMAP]      = { "heatmap",      N_("Liquidation Heatmap") },
  [PERP_CHART_LAYER_VOLUME]       = { "volume",       N_("Volume") },
  [PERP_CHART_LAYER_FVG]          = { "fvg",          N_("Fair Value Gaps") },
  [PERP_CHART_LAYER_ORDER_BLOCKS] = { "order-blocks", N_("Order Blocks") },
  [PERP_CHART_LAYER_LEVELS]       = { "levels",       N_("Previous Day / Week") },
  [PERP_CHART_LAYER_LIQUIDITY]    = { "liquidity",    N_("Equal Highs / Lows") },
  [PERP_CHART_LAYER_FIBONACCI]    = { "fibonacci",    N_("Fibonacci") },
  [PERP_CHART_LAYER_STRUCTURE]    = { "structure",    N_("BOS / CHoCH") },
  [PERP_CHART_LAYER_SWINGS]       = { "swings",       N_("Swing Points") },
  [PERP_CHART_LAYER_EMA]          = { "ema",          N_("EMA") },
  [PERP_CHART_LAYER_PLAN]         = { "plan",         N_("Trade Plan") },
};

const char *
perp_chart_layer_name (PerpChartLayer layer)
{
  g_return_val_if_fail (layer < PERP_CHART_N_LAYERS, NULL);
  return layer_names[layer].name;
}

PerpChartLayer
perp_chart_layer_from_name (const char *name)
{
  g_return_val_if_fail (name != NULL, PERP_CHART_N_LAYERS);

  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    if (g_strcmp0 (name, layer_names[l].name) == 0)
      return l;
  return PERP_CHART_N_LAYERS;
}

const char *
perp_chart_layer_title (PerpChartLayer layer)
{
  g_return_val_if_fail (layer < PERP_CHART_N_LAYERS, NULL);
  return _(layer_names[layer].title);
}

/* ------------------------------------------------------------------ viewport */

static void
get_state (PerpChart         *self,
           PerpViewportState *vp)
{
  perp_viewport_get_time_range (self->viewport, &vp->t0, &vp->t1);
  perp_viewport_get_price_range (self->viewport, &vp->p0, &vp->p1);
  perp_chart_viewport_layout (vp, gtk_widget_get_width (GTK_WIDGET (self)),
                              gtk_widget_get_height (GTK_WIDGET (self)));
  vp->interval_ms = perp_chart_model_get_interval_ms (self->model);
  vp->utc = self->utc;
}

/* Sets the time range, clamped to sane zoom and pan limits, and fits the prices. */
static void
apply_time_range (PerpChart *self,
                  double     t0,
                  double     t1)
{
  PerpViewportState vp;
  gint64 first, last;
  double interval = perp_chart_model_get_interval_ms (self->model);
  double span = t1 - t0;

  if (perp_chart_model_get_time_extent (self->model, &first, &last))
    {
      double all = (last - first) + interval * (1 + RIGHT_MARGIN);
      double max_span = MAX (all * 1.05, interval * MIN_CANDLES);
      double lo, hi;

      span = CLAMP (span, interval * MIN_CANDLES, max_span);
      t0 = (t0 + t1) / 2 - span / 2;
      /* Keep at least a fifth of the view on candles. */
      lo = first - span * 0.8;
      hi = last + interval - span * 0.2;
      t0 = CLAMP (t0, lo, MAX (lo, hi));
    }
  t1 = t0 + span;

  get_state (self, &vp);
  vp.t0 = t0;
  vp.t1 = t1;
  if (!perp_chart_autoscale (self->model, &vp))
    {
      vp.p0 = 0;
      vp.p1 = 1;
    }
  self->has_range = TRUE;
  perp_viewport_set_ranges (self->viewport, vp.t0, vp.t1, vp.p0, vp.p1);
}

static void
show_latest (PerpChart *self)
{
  gint64 first, last;
  double interval = perp_chart_model_get_interval_ms (self->model);
  double t0, t1, span;
  const PerpCandle *forming = perp_chart_model_get_forming (self->model);

  if (!perp_chart_model_get_time_extent (self->model, &first, &last))
    return;
  if (forming != NULL && forming->open_time > last)
    last = forming->open_time;
  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  span = self->has_range ? t1 - t0 : interval * DEFAULT_CANDLES;
  t1 = last + interval * (1 + RIGHT_MARGIN);
  apply_time_range (self, t1 - span, t1);
}

static void
viewport_changed_cb (PerpChart    *self,
                     PerpViewport *viewport)
{
  g_clear_pointer (&self->cached, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
invalidate (PerpChart *self)
{
  g_clear_pointer (&self->cached, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ public API */

GtkWidget *
perp_chart_new (void)
{
  return g_object_new (PERP_TYPE_CHART, NULL);
}

void
perp_chart_set_data (PerpChart           *self,
                     PerpCandles         *candles,
                     const PerpStructure *structure)
{
  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_set_data (self->model, candles, structure);
  self->has_range = FALSE;
  show_latest (self);
  invalidate (self);
}

void
perp_chart_data_changed (PerpChart *self)
{
  double t0, t1;

  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_data_changed (self->model);
  if (self->follow_live || !self->has_range)
    show_latest (self);
  else
    {
      /* Same time range; the new candle may move the price range. */
      perp_viewport_get_time_range (self->viewport, &t0, &t1);
      apply_time_range (self, t0, t1);
    }
  invalidate (self);
}

void
perp_chart_set_forming (PerpChart        *self,
                        const PerpCandle *candle)
{
  double p0, p1, t0, t1;

  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_set_forming (self->model, candle);
  perp_viewport_get_price_range (self->viewport, &p0, &p1);
  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  /* The live candle is drawn uncached; only leaving the visible range costs a rebuild. */
  if (candle != NULL && self->follow_live
      && candle->open_time + perp_chart_model_get_interval_ms (self->model) > t1)
    show_latest (self);
  else if (candle != NULL && (candle->high > p1 || candle->low < p0))
    apply_time_range (self, t0, t1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
perp_chart_set_liq_map (PerpChart  *self,
                        PerpLiqMap *map)
{
  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_set_liq_map (self->model, map);
  invalidate (self);
}

void
perp_chart_set_liq_grid (PerpChart   *self,
                         PerpLiqGrid *grid)
{
  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_set_liq_grid (self->model, grid);
  invalidate (self);
}

void
perp_chart_set_plan (PerpChart      *self,
                     const PerpPlan *plan)
{
  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_model_set_plan (self->model, plan);
  invalidate (self);
}

void
perp_chart_set_layer_visible (PerpChart      *self,
                              PerpChartLayer  layer,
                              gboolean        visible)
{
  g_return_if_fail (PERP_IS_CHART (self));
  g_return_if_fail (layer < PERP_CHART_N_LAYERS);

  visible = !!visible;
  if (self->visible[layer] == visible)
    return;
  self->visible[layer] = visible;
  invalidate (self);
}

gboolean
perp_chart_get_layer_visible (PerpChart      *self,
                              PerpChartLayer  layer)
{
  g_return_val_if_fail (PERP_IS_CHART (self), FALSE);
  g_return_val_if_fail (layer < PERP_CHART_N_LAYERS, FALSE);

  return self->visible[layer];
}

void
perp_chart_set_utc (PerpChart *self,
                    gboolean   utc)
{
  g_return_if_fail (PERP_IS_CHART (self));

  utc = !!utc;
  if (self->utc == (guint) utc)
    return;
  self->utc = utc;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UTC]);
}

gboolean
perp_chart_get_utc (PerpChart *self)
{
  g_return_val_if_fail (PERP_IS_CHART (self), TRUE);
  return self->utc;
}

void
perp_chart_set_follow_live (PerpChart *self,
                            gboolean   follow)
{
  g_return_if_fail (PERP_IS_CHART (self));

  follow = !!follow;
  if (follow)
    show_latest (self);
  if (self->follow_live == (guint) follow)
    return;
  self->follow_live = follow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
}

gboolean
perp_chart_get_follow_live (PerpChart *self)
{
  g_return_val_if_fail (PERP_IS_CHART (self), FALSE);
  return self->follow_live;
}

PerpViewport *
perp_chart_get_viewport (PerpChart *self)
{
  g_return_val_if_fail (PERP_IS_CHART (self), NULL);
  return self->viewport;
}

void
perp_chart_scroll_to_time (PerpChart *self,
                           gint64     time)
{
  double t0, t1;
  double interval;

  g_return_if_fail (PERP_IS_CHART (self));

  interval = perp_chart_model_get_interval_ms (self->model);
  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  if (!self->has_range)
    t1 = t0 + interval * DEFAULT_CANDLES;
  perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, time + interval - (t1 - t0), time + interval);
}

void
perp_chart_pan (PerpChart *self,
                double     fraction)
{
  double t0, t1;

  g_return_if_fail (PERP_IS_CHART (self));

  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, t0 + (t1 - t0) * fraction, t1 + (t1 - t0) * fraction);
}

void
perp_chart_zoom (PerpChart *self,
                 double     factor,
                 double     anchor)
{
  double t0, t1, ta, span;

  g_return_if_fail (PERP_IS_CHART (self));
  g_return_if_fail (factor > 0);

  anchor = CLAMP (anchor, 0, 1);
  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  ta = t0 + (t1 - t0) * anchor;
  span = (t1 - t0) / factor;
  /* Zooming at the right edge while following keeps following. */
  if (!(self->follow_live && anchor >= 1))
    perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, ta - span * anchor, ta + span * (1 - anchor));
}

void
perp_chart_scroll_to_start (PerpChart *self)
{
  gint64 first;
  double t0, t1;

  g_return_if_fail (PERP_IS_CHART (self));

  if (!perp_chart_model_get_time_extent (self->model, &first, NULL))
    return;
  perp_viewport_get_time_range (self->viewport, &t0, &t1);
  perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, first, first + (t1 - t0));
}

void
perp_chart_scroll_to_end (PerpChart *self)
{
  g_return_if_fail (PERP_IS_CHART (self));

  perp_chart_set_follow_live (self, TRUE);
}

/* ------------------------------------------------------------------ input */

static void
motion_cb (PerpChart                *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *motion)
{
  self->pointer_in = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (PerpChart                *self,
          GtkEventControllerMotion *motion)
{
  self->pointer_in = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
drag_begin_cb (PerpChart      *self,
               double          x,
               double          y,
               GtkGestureDrag *drag)
{
  /* A press on the chart (a click is a drag that does not move) gives it the keys. */
  gtk_widget_grab_focus (GTK_WIDGET (self));
  perp_viewport_get_time_range (self->viewport, &self->drag_t0, &self->drag_t1);
}

static void
drag_update_cb (PerpChart      *self,
                double          dx,
                double          dy,
                GtkGestureDrag *drag)
{
  PerpViewportState vp;
  double dt;

  get_state (self, &vp);
  dt = -dx * (self->drag_t1 - self->drag_t0) / vp.plot_width;
  if (fabs (dx) >= 1)
    perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, self->drag_t0 + dt, self->drag_t1 + dt);
}

static gboolean
scroll_cb (PerpChart                *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *scroll)
{
  PerpViewportState vp;

  get_state (self, &vp);
  if (dx != 0)
    perp_chart_pan (self, dx * 0.05);
  if (dy != 0)
    {
      double anchor = self->pointer_in ? self->pointer_x / vp.plot_width : 1.0;

      perp_chart_zoom (self, pow (1.15, -dy), anchor);
    }
  return TRUE;
}

static void
zoom_begin_cb (PerpChart      *self,
               GdkEventSequence *sequence,
               GtkGesture     *gesture)
{
  PerpViewportState vp;
  double x, y;

  get_state (self, &vp);
  perp_viewport_get_time_range (self->viewport, &self->zoom_t0, &self->zoom_t1);
  if (gtk_gesture_get_bounding_box_center (gesture, &x, &y))
    self->zoom_anchor = CLAMP (x / vp.plot_width, 0, 1);
  else
    self->zoom_anchor = 0.5;
}

static void
zoom_scale_cb (PerpChart      *self,
               double          scale,
               GtkGestureZoom *gesture)
{
  double ta, span;

  if (!(scale > 0))
    return;
  ta = self->zoom_t0 + (self->zoom_t1 - self->zoom_t0) * self->zoom_anchor;
  span = (self->zoom_t1 - self->zoom_t0) / scale;
  perp_chart_set_follow_live (self, FALSE);
  apply_time_range (self, ta - span * self->zoom_anchor, ta + span * (1 - self->zoom_anchor));
}

static void
action_pan (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  perp_chart_pan (PERP_CHART (widget), g_str_equal (name, "chart.pan-left") ? -0.1 : 0.1);
}

static void
action_zoom (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  PerpChart *self = PERP_CHART (widget);

  perp_chart_zoom (self, g_str_equal (name, "chart.zoom-in") ? 1.25 : 0.8, self->follow_live ? 1.0 : 0.5);
}

static void
action_home (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  perp_chart_scroll_to_start (PERP_CHART (widget));
}

static void
action_end (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  perp_chart_scroll_to_end (PERP_CHART (widget));
}

static gboolean
perp_chart_query_tooltip (GtkWidget  *widget,
                          int         x,
                          int         y,
                          gboolean    keyboard,
                          GtkTooltip *tooltip)
{
  PerpChart *self = PERP_CHART (widget);
  PerpViewportState vp;
  g_autofree char *description = NULL;

  if (keyboard)
    return FALSE;
  get_state (self, &vp);
  description = perp_chart_describe_at (self->model, &vp, self->visible, x, y);
  if (description == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, description);
  return TRUE;
}

/* ------------------------------------------------------------------ GtkWidget */

static void
perp_chart_css_changed (GtkWidget         *widget,
                        GtkCssStyleChange *change)
{
  PerpChart *self = PERP_CHART (widget);
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA fg;

  GTK_WIDGET_CLASS (perp_chart_parent_class)->css_changed (widget, change);

  /* A light foreground means a dark theme: that follows AdwStyleManager:dark without
   * the chart depending on libadwaita. */
  gtk_style_context_get_color (context, &fg);
  /* The font may have changed too: a fresh style drops the layout and its labels. */
  perp_chart_style_clear (&self->style);
  perp_chart_style_init (&self->style, NULL,
                         0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5);
  for (guint c = 0; c < PERP_CHART_N_COLORS; c++)
    {
      GdkRGBA rgba;

      if (gtk_style_context_lookup_color (context, perp_chart_color_name (c), &rgba))
        self->style.colors[c] = rgba;
    }
  invalidate (self);
}

static void
perp_chart_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  PerpChart *self = PERP_CHART (widget);

  g_clear_pointer (&self->cached, gsk_render_node_unref);
  /* The plot's height changed: fit the prices again. */
  if (self->has_range)
    {
      double t0, t1;

      perp_viewport_get_time_range (self->viewport, &t0, &t1);
      apply_time_range (self, t0, t1);
    }
}

static void
perp_chart_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 800 : 480;
}

static void
perp_chart_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  PerpChart *self = PERP_CHART (widget);
  PerpViewportState vp;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    return;
  if (self->style.layout == NULL)
    self->style.layout = gtk_widget_create_pango_layout (widget, NULL);

  get_state (self, &vp);
  if (self->cached == NULL)
    {
      GtkSnapshot *sub = gtk_snapshot_new ();

      perp_chart_draw_static (sub, width, height, self->model, &self->style, &vp, self->visible);
      self->cached = gtk_snapshot_free_to_node (sub);
    }
  if (self->cached != NULL)
    gtk_snapshot_append_node (snapshot, self->cached);

  perp_chart_draw_forming (snapshot, width, height, self->model, &self->style, &vp);
  if (self->pointer_in)
    perp_chart_draw_crosshair (snapshot, width, height, self->model, &self->style, &vp,
                               self->visible, self->pointer_x, self->pointer_y);
}

static void
perp_chart_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PerpChart *self = PERP_CHART (object);

  switch (prop_id)
    {
    case PROP_FOLLOW_LIVE:
      g_value_set_boolean (value, perp_chart_get_follow_live (self));
      break;
    case PROP_UTC:
      g_value_set_boolean (value, perp_chart_get_utc (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_chart_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PerpChart *self = PERP_CHART (object);

  switch (prop_id)
    {
    case PROP_FOLLOW_LIVE:
      perp_chart_set_follow_live (self, g_value_get_boolean (value));
      break;
    case PROP_UTC:
      perp_chart_set_utc (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_chart_dispose (GObject *object)
{
  PerpChart *self = PERP_CHART (object);

  g_clear_pointer (&self->cached, gsk_render_node_unref);
  perp_chart_style_clear (&self->style);
  if (self->viewport != NULL)
    g_signal_handlers_disconnect_by_data (self->viewport, self);
  g_clear_object (&self->viewport);

  G_OBJECT_CLASS (perp_chart_parent_class)->dispose (object);
}

static void
perp_chart_finalize (GObject *object)
{
  PerpChart *self = PERP_CHART (object);

  g_clear_pointer (&self->model, perp_chart_model_free);

  G_OBJECT_CLASS (perp_chart_parent_class)->finalize (object);
}

static void
perp_chart_class_init (PerpChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = perp_chart_dispose;
  object_class->finalize = perp_chart_finalize;
  object_class->get_property = perp_chart_get_property;
  object_class->set_property = perp_chart_set_property;

  widget_class->snapshot = perp_chart_snapshot;
  widget_class->measure = perp_chart_measure;
  widget_class->size_allocate = perp_chart_size_allocate;
  widget_class->css_changed = perp_chart_css_changed;
  widget_class->query_tooltip = perp_chart_query_tooltip;

  properties[PROP_FOLLOW_LIVE] =
    g_param_spec_boolean ("follow-live", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UTC] =
    g_param_spec_boolean ("utc", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chart");

  gtk_widget_class_install_action (widget_class, "chart.pan-left", NULL, action_pan);
  gtk_widget_class_install_action (widget_class, "chart.pan-right", NULL, action_pan);
  gtk_widget_class_install_action (widget_class, "chart.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "chart.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "chart.home", NULL, action_home);
  gtk_widget_class_install_action (widget_class, "chart.end", NULL, action_end);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.pan-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.pan-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "chart.home", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.end", NULL);
}

static void
perp_chart_init (PerpChart *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->model = perp_chart_model_new ();
  self->viewport = perp_viewport_new ();
  self->utc = TRUE;
  self->follow_live = TRUE;
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    self->visible[l] = TRUE;
  perp_chart_style_init (&self->style, NULL, FALSE);

  g_signal_connect_object (self->viewport, "changed", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect_object (controller, "motion", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (controller, "leave", G_CALLBACK (leave_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect_object (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gesture, "drag-update", G_CALLBACK (drag_update_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_object (controller, "scroll", G_CALLBACK (scroll_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect_object (gesture, "begin", G_CALLBACK (zoom_begin_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gesture, "scale-changed", G_CALLBACK (zoom_scale_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}
