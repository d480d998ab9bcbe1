/* perp-chart-render.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-chart"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-chart-render.h"

/* Drawing only: everything here reads the model's precomputed arrays and appends
 * nodes.  Every function clips itself to the plot, so a test can call one layer alone
 * on an empty snapshot. */

typedef struct
{
  const char *name;
  guint32     light;  /* 0xRRGGBBAA */
  guint32     dark;
} ColorDefault;

static const ColorDefault color_defaults[PERP_CHART_N_COLORS] = {
  [PERP_CHART_COLOR_BACKGROUND]       = { "chart_background",       0xffffffff, 0x1e1e1eff },
  [PERP_CHART_COLOR_FOREGROUND]       = { "chart_foreground",       0x202020ff, 0xe8e8e8ff },
  [PERP_CHART_COLOR_DIM]              = { "chart_dim",              0x707070ff, 0x9a9a9aff },
  [PERP_CHART_COLOR_GRID]             = { "chart_grid",             0x0000001a, 0xffffff17 },
  [PERP_CHART_COLOR_AXIS_BACKGROUND]  = { "chart_axis_background",  0xf6f5f4ff, 0x262626ff },
  [PERP_CHART_COLOR_BULL]             = { "chart_bull",             0x26a269ff, 0x33d17aff },
  [PERP_CHART_COLOR_BEAR]             = { "chart_bear",             0xc01c28ff, 0xf66151ff },
  [PERP_CHART_COLOR_VOLUME_BULL]      = { "chart_volume_bull",      0x26a26959, 0x33d17a4d },
  [PERP_CHART_COLOR_VOLUME_BEAR]      = { "chart_volume_bear",      0xc01c2859, 0xf661514d },
  /* Zones are light washes (alpha 0.08 to 0.16) so that stacked ones stay readable;
   * their 1 px border, derived from the fill, is what marks the edges. */
  [PERP_CHART_COLOR_FVG_BULL]         = { "chart_fvg_bull",         0x2ec27e29, 0x57e3892b },
  [PERP_CHART_COLOR_FVG_BEAR]         = { "chart_fvg_bear",         0xe01b2424, 0xff7b632b },
  [PERP_CHART_COLOR_FVG_MITIGATED]    = { "chart_fvg_mitigated",    0x9a999617, 0x9a99961c },
  [PERP_CHART_COLOR_OB_BULL]          = { "chart_ob_bull",          0x1c71d826, 0x62a0ea2b },
  [PERP_CHART_COLOR_OB_BEAR]          = { "chart_ob_bear",          0xe6610026, 0xffa3482b },
  [PERP_CHART_COLOR_BREAKER_BULL]     = { "chart_breaker_bull",     0x6135831f, 0xc061cb24 },
  [PERP_CHART_COLOR_BREAKER_BEAR]     = { "chart_breaker_bear",     0x865e3c1f, 0xcdab8f24 },
  [PERP_CHART_COLOR_BLOCK_MITIGATED]  = { "chart_block_mitigated",  0x77767b14, 0x9a999617 },
  [PERP_CHART_COLOR_LEVEL_DAY]        = { "chart_level_day",        0x1a5fb4ff, 0x99c1f1ff },
  [PERP_CHART_COLOR_LEVEL_WEEK]       = { "chart_level_week",       0x613583ff, 0xdc8addff },
  [PERP_CHART_COLOR_LIQUIDITY]        = { "chart_liquidity",        0xe5a50aff, 0xf8e45cff },
  [PERP_CHART_COLOR_SWEEP]            = { "chart_sweep",            0xa51d2dff, 0xff7800ff },
  [PERP_CHART_COLOR_FIB]              = { "chart_fib",              0x986a44ff, 0xcdab8fff },
  [PERP_CHART_COLOR_BOS]              = { "chart_bos",              0x3d3846ff, 0xdeddd9ff },
  [PERP_CHART_COLOR_CHOCH]            = { "chart_choch",            0xc64600ff, 0xffbe6fff },
  [PERP_CHART_COLOR_SWING_HIGH]       = { "chart_swing_high",       0xc01c28ff, 0xf66151ff },
  [PERP_CHART_COLOR_SWING_LOW]        = { "chart_swing_low",        0x26a269ff, 0x33d17aff },
  [PERP_CHART_COLOR_EMA_FAST]         = { "chart_ema_fast",         0x1c71d8ff, 0x62a0eaff },
  [PERP_CHART_COLOR_EMA_MID]          = { "chart_ema_mid",          0xe66100ff, 0xffa348ff },
  [PERP_CHART_COLOR_EMA_SLOW]         = { "chart_ema_slow",         0x813d9cff, 0xc061cbff },
  [PERP_CHART_COLOR_ENTRY]            = { "chart_entry",            0x1c71d8ff, 0x62a0eaff },
  [PERP_CHART_COLOR_STOP]             = { "chart_stop",             0xc01c28ff, 0xf66151ff },
  [PERP_CHART_COLOR_TARGET]           = { "chart_target",           0x26a269ff, 0x33d17aff },
  [PERP_CHART_COLOR_PREMIUM]          = { "chart_premium",          0xe01b2417, 0xff7b631a },
  [PERP_CHART_COLOR_EQUILIBRIUM]      = { "chart_equilibrium",      0x77767b17, 0x9a99961a },
  [PERP_CHART_COLOR_DISCOUNT]         = { "chart_discount",         0x2ec27e17, 0x57e3891a },
  [PERP_CHART_COLOR_KILLZONE_1]       = { "chart_killzone_1",       0x3584e414, 0x3584e414 },
  [PERP_CHART_COLOR_KILLZONE_2]       = { "chart_killzone_2",       0x33d17a14, 0x33d17a14 },
  [PERP_CHART_COLOR_KILLZONE_3]       = { "chart_killzone_3",       0xf6d32d1c, 0xf6d32d14 },
  [PERP_CHART_COLOR_KILLZONE_4]       = { "chart_killzone_4",       0xff780014, 0xff780014 },
  [PERP_CHART_COLOR_KILLZONE_5]       = { "chart_killzone_5",       0x9141ac14, 0x9141ac14 },
  [PERP_CHART_COLOR_HEAT_LOW]         = { "chart_heat_low",         0x3d1a7000, 0x3d1a7000 },
  [PERP_CHART_COLOR_HEAT_MID]         = { "chart_heat_mid",         0x1c9fa090, 0x1c9fa0a0 },
  [PERP_CHART_COLOR_HEAT_HIGH]        = { "chart_heat_high",        0xfde725ff, 0xfde725ff },
  [PERP_CHART_COLOR_CROSSHAIR]        = { "chart_crosshair",        0x5e5c64c0, 0xc0bfbcc0 },
  [PERP_CHART_COLOR_LABEL_BACKGROUND] = { "chart_label_background", 0xffffffe0, 0x242424e0 },
};

const char *
perp_chart_color_name (PerpChartColor color)
{
  g_return_val_if_fail (color < PERP_CHART_N_COLORS, NULL);
  return color_defaults[color].name;
}

void
perp_chart_colors_init (GdkRGBA  *colors,
                        gboolean  dark)
{
  g_return_if_fail (colors != NULL);

  for (guint c = 0; c < PERP_CHART_N_COLORS; c++)
    {
      guint32 v = dark ? color_defaults[c].dark : color_defaults[c].light;

      colors[c].red = ((v >> 24) & 0xff) / 255.f;
      colors[c].green = ((v >> 16) & 0xff) / 255.f;
      colors[c].blue = ((v >> 8) & 0xff) / 255.f;
      colors[c].alpha = (v & 0xff) / 255.f;
    }
}

void
perp_chart_viewport_layout (PerpViewportState *vp,
                            int                width,
                            int                height)
{
  g_return_if_fail (vp != NULL);

  vp->plot_width = MAX (1, width - PERP_CHART_PRICE_AXIS_WIDTH);
  vp->plot_height = MAX (1, height - PERP_CHART_TIME_AXIS_HEIGHT);
}

gboolean
perp_chart_autoscale (const PerpChartModel    *model,
                      PerpViewportState       *vp)
{
  double lo, hi, pad;
  const PerpCandle *forming;

  g_return_val_if_fail (model != NULL && vp != NULL, FALSE);

  if (!perp_chart_model_price_extent (model, vp->t0, vp->t1, &lo, &hi))
    return FALSE;
  forming = perp_chart_model_get_forming (model);
  if (forming != NULL && forming->open_time < vp->t1
      && forming->open_time + perp_chart_model_get_interval_ms (model) > vp->t0)
    {
      lo = MIN (lo, forming->low);
      hi = MAX (hi, forming->high);
    }
  if (!(hi > lo))
    {
      double d = fabs (hi) * 0.01 + 1e-9;

      lo -= d;
      hi += d;
    }
  /* Room at the bottom for the volume bars, a little at the top for labels. */
  pad = hi - lo;
  vp->p0 = lo - pad * 0.22;
  vp->p1 = hi + pad * 0.06;
  return TRUE;
}

int
perp_chart_x_of_time (const PerpViewportState *vp,
                      double                   time)
{
  double x = perp_viewport_state_time_to_x (vp, time);

  /* Clamp far outside the plot so the int conversion stays defined. */
  x = CLAMP (x, -1e6, 1e6);
  return (int) floor (x);
}

static int
y_of_price (const PerpViewportState *vp,
            double                   price)
{
  double y = perp_viewport_state_price_to_y (vp, price);

  y = CLAMP (y, -1e6, 1e6);
  return (int) floor (y);
}

/* ------------------------------------------------------------------ helpers */

static void
fill (GtkSnapshot   *snapshot,
      const GdkRGBA *color,
      double         x,
      double         y,
      double         w,
      double         h)
{
  if (w <= 0 || h <= 0 || color->alpha <= 0)
    return;
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, w, h));
}

static void
push_plot_clip (GtkSnapshot             *snapshot,
                const PerpViewportState *vp)
{
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, vp->plot_width, vp->plot_height));
}

/* A horizontal 1 px line from x0 to x1 (exclusive) at a price. */
static void
hline (GtkSnapshot             *snapshot,
       const PerpViewportState *vp,
       const GdkRGBA           *color,
       double                   x0,
       double                   x1,
       double                   price,
       int                      thickness)
{
  int y = y_of_price (vp, price);

  x0 = MAX (x0, -1);
  x1 = MIN (x1, vp->plot_width + 1);
  fill (snapshot, color, x0, y, x1 - x0, thickness);
}

typedef struct
{
  GskRenderNode *node;  /* the text at (0, 0); NULL for an empty string */
  int            width;
  int            height;
} CachedText;

/* A plot label waiting for its turn: see queue_label(). */
typedef struct
{
  graphene_rect_t box;             /* what it covers, its background included */
  GskRenderNode  *node;            /* the text at (0, 0); NULL for a reserved box */
  double          tx;
  double          ty;
  GdkRGBA         background;
  gboolean        has_background;
  int             priority;
  guint           seq;
} QueuedLabel;

/* Which plot labels win a place when they would overlap: what the analyst acts on
 * first, then the levels and structure, the zone names last.  Within one priority the
 * first queued wins, and the object layers queue their newest objects first. */
typedef enum
{
  LABEL_RESERVED,   /* a box kept free: the heatmap legend */
  LABEL_PLAN,
  LABEL_FIB,
  LABEL_LEVEL,
  LABEL_STRUCTURE,
  LABEL_LIQUIDITY,
  LABEL_SWING,
  LABEL_BLOCK,
  LABEL_ZONE,
  LABEL_KILLZONE,
} LabelPriority;

static void
cached_text_free (gpointer data)
{
  CachedText *cached = data;

  g_clear_pointer (&cached->node, gsk_render_node_unref);
  g_free (cached);
}

void
perp_chart_style_init (PerpChartStyle *style,
                       PangoLayout    *layout,
                       gboolean        dark)
{
  g_return_if_fail (style != NULL);
  g_return_if_fail (layout == NULL || PANGO_IS_LAYOUT (layout));

  memset (style, 0, sizeof *style);
  perp_chart_colors_init (style->colors, dark);
  style->dark = dark;
  style->layout = layout != NULL ? g_object_ref (layout) : NULL;
  style->text_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_text_free);
  style->labels = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  style->label_queue = g_array_new (FALSE, FALSE, sizeof (QueuedLabel));
}

void
perp_chart_style_clear (PerpChartStyle *style)
{
  g_return_if_fail (style != NULL);

  g_clear_object (&style->layout);
  g_clear_pointer (&style->text_cache, g_hash_table_unref);
  g_clear_pointer (&style->labels, g_array_unref);
  if (style->label_queue != NULL)
    {
      for (guint i = 0; i < style->label_queue->len; i++)
        g_clear_pointer (&g_array_index (style->label_queue, QueuedLabel, i).node, gsk_render_node_unref);
      g_clear_pointer (&style->label_queue, g_array_unref);
    }
}

/* Shaping a label costs tens of microseconds and most labels repeat from frame to
 * frame (axis prices and times, "OB", "PDH", ...): each (text, colour) is laid out
 * once into a node, kept until the style's font or colours change. */
static const CachedText *
lookup_text (const PerpChartStyle *style,
             const GdkRGBA        *color,
             const char           *str)
{
  char key[512];
  CachedText *cached;
  PangoRectangle logical;
  GtkSnapshot *snapshot;

  g_snprintf (key, sizeof key, "%04x%04x%04x%04x|%s",
              (guint) (color->red * 65535), (guint) (color->green * 65535),
              (guint) (color->blue * 65535), (guint) (color->alpha * 65535), str);
  if ((cached = g_hash_table_lookup (style->text_cache, key)) != NULL)
    return cached;

  cached = g_new0 (CachedText, 1);
  pango_layout_set_text (style->layout, str, -1);
  pango_layout_get_pixel_extents (style->layout, NULL, &logical);
  cached->width = logical.width;
  cached->height = logical.height;
  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_layout (snapshot, style->layout, color);
  cached->node = gtk_snapshot_free_to_node (snapshot);

  /* Prices and times scroll by: bound the cache rather than let it grow for ever. */
  if (g_hash_table_size (style->text_cache) >= 2048)
    g_hash_table_remove_all (style->text_cache);
  g_hash_table_insert (style->text_cache, g_strdup (key), cached);
  return cached;
}

/* Text at (x, y) with @xalign/@yalign of its own size; returns its width. */
static int
text (GtkSnapshot          *snapshot,
      const PerpChartStyle *style,
      const GdkRGBA        *color,
      const GdkRGBA        *background,
      double                x,
      double                y,
      double                xalign,
      double                yalign,
      const char           *str)
{
  const CachedText *cached;
  double tx, ty;

  if (style->layout == NULL)
    return 0;
  if (style->text_cache == NULL)
    {
      /* A style not set up by perp_chart_style_init(): lay out every time. */
      PangoRectangle logical;

      pango_layout_set_text (style->layout, str, -1);
      pango_layout_get_pixel_extents (style->layout, NULL, &logical);
      tx = floor (x - logical.width * xalign);
      ty = floor (y - logical.height * yalign);
      if (background != NULL)
        fill (snapshot, background, tx - 3, ty, logical.width + 6, logical.height);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (tx, ty));
      gtk_snapshot_append_layout (snapshot, style->layout, color);
      gtk_snapshot_restore (snapshot);
      return logical.width;
    }
  cached = lookup_text (style, color, str);
  tx = floor (x - cached->width * xalign);
  ty = floor (y - cached->height * yalign);
  if (background != NULL)
    fill (snapshot, background, tx - 3, ty, cached->width + 6, cached->height);
  if (cached->node != NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (tx, ty));
      gtk_snapshot_append_node (snapshot, cached->node);
      gtk_snapshot_restore (snapshot);
    }
  return cached->width;
}

/* The text as a node at (0, 0) and its size; (transfer full), NULL for no text. */
static GskRenderNode *
text_node (const PerpChartStyle *style,
           const GdkRGBA        *color,
           const char           *str,
           int                  *width,
           int                  *height)
{
  const CachedText *cached;
  PangoRectangle logical;
  GtkSnapshot *snapshot;

  *width = *height = 0;
  if (style->layout == NULL)
    return NULL;
  if (style->text_cache != NULL)
    {
      cached = lookup_text (style, color, str);
      *width = cached->width;
      *height = cached->height;
      return cached->node != NULL ? gsk_render_node_ref (cached->node) : NULL;
    }
  pango_layout_set_text (style->layout, str, -1);
  pango_layout_get_pixel_extents (style->layout, NULL, &logical);
  *width = logical.width;
  *height = logical.height;
  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_layout (snapshot, style->layout, color);
  return gtk_snapshot_free_to_node (snapshot);
}

/* A label on the plot, placed like text() but drawn by flush_labels() once the layers
 * are done, and only if it overlaps no label placed before it and lies wholly inside
 * the plot: a clipped or overprinted label reads worse than none. */
static void
queue_label (GtkSnapshot             *snapshot,
             const PerpChartStyle    *style,
             const PerpViewportState *vp,
             LabelPriority            priority,
             const GdkRGBA           *color,
             const GdkRGBA           *background,
             double                   x,
             double                   y,
             double                   xalign,
             double                   yalign,
             const char              *str)
{
  QueuedLabel label = { 0, };
  int w, h;

  if (style->label_queue == NULL)
    {
      /* A style not set up by perp_chart_style_init(): no queue, draw at once. */
      text (snapshot, style, color, background, x, y, xalign, yalign, str);
      return;
    }
  label.node = text_node (style, color, str, &w, &h);
  if (label.node == NULL)
    return;
  label.tx = floor (x - w * xalign);
  label.ty = floor (y - h * yalign);
  if (background != NULL)
    {
      label.box = GRAPHENE_RECT_INIT (label.tx - 3, label.ty, w + 6, h);
      label.background = *background;
      label.has_background = TRUE;
    }
  else
    label.box = GRAPHENE_RECT_INIT (label.tx, label.ty, w, h);
  if (label.box.origin.x < 0 || label.box.origin.y < 0
      || label.box.origin.x + label.box.size.width > vp->plot_width
      || label.box.origin.y + label.box.size.height > vp->plot_height)
    {
      gsk_render_node_unref (label.node);
      return;
    }
  label.priority = priority;
  label.seq = style->label_queue->len;
  g_array_append_val (style->label_queue, label);
}

/* Keeps @box free of labels (drawn by the caller). */
static void
reserve_label_box (const PerpChartStyle  *style,
                   const graphene_rect_t *box)
{
  QueuedLabel label = { 0, };

  if (style->label_queue == NULL)
    return;
  label.box = *box;
  label.priority = LABEL_RESERVED;
  label.seq = style->label_queue->len;
  g_array_append_val (style->label_queue, label);
}

static int
compare_queued (gconstpointer a,
                gconstpointer b)
{
  const QueuedLabel *x = a, *y = b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
reset_labels (const PerpChartStyle *style)
{
  if (style->labels != NULL)
    g_array_set_size (style->labels, 0);
}

static void
flush_labels (GtkSnapshot          *snapshot,
              const PerpChartStyle *style)
{
  GArray *queue = style->label_queue;

  if (queue == NULL || queue->len == 0)
    return;
  g_array_sort (queue, compare_queued);
  for (guint i = 0; i < queue->len; i++)
    {
      QueuedLabel *label = &g_array_index (queue, QueuedLabel, i);
      /* A pixel of air between neighbours. */
      graphene_rect_t padded = GRAPHENE_RECT_INIT (label->box.origin.x - 1, label->box.origin.y - 1,
                                                   label->box.size.width + 2, label->box.size.height + 2);
      gboolean free_box = TRUE;

      for (guint j = 0; j < style->labels->len && free_box; j++)
        {
          const graphene_rect_t *placed = &g_array_index (style->labels, graphene_rect_t, j);

          free_box = !(padded.origin.x < placed->origin.x + placed->size.width
                       && placed->origin.x < padded.origin.x + padded.size.width
                       && padded.origin.y < placed->origin.y + placed->size.height
                       && placed->origin.y < padded.origin.y + padded.size.height);
        }
      if (free_box)
        {
          g_array_append_val (style->labels, label->box);
          if (label->has_background)
            fill (snapshot, &label->background, label->box.origin.x, label->box.origin.y,
                  label->box.size.width, label->box.size.height);
          if (label->node != NULL)
            {
              gtk_snapshot_save (snapshot);
              gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (label->tx, label->ty));
              gtk_snapshot_append_node (snapshot, label->node);
              gtk_snapshot_restore (snapshot);
            }
        }
      g_clear_pointer (&label->node, gsk_render_node_unref);
    }
  g_array_set_size (queue, 0);
}

static int
text_height (const PerpChartStyle *style)
{
  PangoRectangle logical;

  if (style->layout == NULL)
    return 0;
  pango_layout_set_text (style->layout, "0", -1);
  pango_layout_get_pixel_extents (style->layout, NULL, &logical);
  return logical.height;
}

static int
decimals_for_step (double step)
{
  int d = (int) ceil (-log10 (step) - 1e-9);

  return CLAMP (d, 0, 10);
}

char *
perp_chart_format_price (double price,
                         double step)
{
  int decimals;
  char fmt[16];
  char buf[64];
  GString *out;
  const char *p, *dot;

  if (!isfinite (price))
    return g_strdup ("–");
  if (!(step > 0))
    step = fabs (price) >= 1000 ? 0.1 : fabs (price) >= 1 ? 0.0001 : 1e-8;
  decimals = decimals_for_step (step);
  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  /* The C locale's decimal point, then the integer digits grouped. */
  g_ascii_formatd (buf, sizeof buf, fmt, fabs (price));
  out = g_string_new (price < 0 ? "-" : "");
  dot = strchr (buf, '.');
  if (dot == NULL)
    dot = buf + strlen (buf);
  for (p = buf; p < dot; p++)
    {
      g_string_append_c (out, *p);
      if ((dot - p - 1) % 3 == 0 && p + 1 < dot)
        g_string_append_c (out, ',');
    }
  if (*dot == '.' || *dot == ',')
    {
      g_string_append_c (out, '.');
      g_string_append (out, dot + 1);
    }
  return g_string_free (out, FALSE);
}

static char *
format_volume (double v)
{
  if (!isfinite (v))
    return g_strdup ("–");
  if (v >= 1e9)
    return g_strdup_printf ("%.2fB", v / 1e9);
  if (v >= 1e6)
    return g_strdup_printf ("%.2fM", v / 1e6);
  if (v >= 1e3)
    return g_strdup_printf ("%.2fK", v / 1e3);
  return g_strdup_printf ("%.2f", v);
}

char *
perp_chart_format_time (gint64      time_ms,
                        gboolean    utc,
                        const char *format)
{
  g_autoptr(GDateTime) dt = NULL;

  dt = utc ? g_date_time_new_from_unix_utc (perp_floor_div (time_ms, 1000))
           : g_date_time_new_from_unix_local (perp_floor_div (time_ms, 1000));
  if (dt == NULL)
    return g_strdup ("–");
  return g_date_time_format (dt, format);
}

double
perp_chart_nice_price_step (double range,
                            int    max_ticks)
{
  double raw, mag, norm;

  if (!(range > 0) || max_ticks < 1)
    return 1;
  raw = range / max_ticks;
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  if (norm <= 1)
    return mag;
  if (norm <= 2)
    return 2 * mag;
  if (norm <= 5)
    return 5 * mag;
  return 10 * mag;
}

static const gint64 time_ladder[] = {
  PERP_MS_PER_MINUTE,
  5 * PERP_MS_PER_MINUTE,
  15 * PERP_MS_PER_MINUTE,
  PERP_MS_PER_HOUR,
  4 * PERP_MS_PER_HOUR,
  PERP_MS_PER_DAY,
  7 * PERP_MS_PER_DAY,
  28 * PERP_MS_PER_DAY,
  91 * PERP_MS_PER_DAY,
  364 * PERP_MS_PER_DAY,
};

gint64
perp_chart_nice_time_step (double ms_per_pixel,
                           int    min_pixels)
{
  for (guint i = 0; i < G_N_ELEMENTS (time_ladder); i++)
    if (time_ladder[i] / ms_per_pixel >= min_pixels)
      return time_ladder[i];
  return time_ladder[G_N_ELEMENTS (time_ladder) - 1]
         * (gint64) ceil (min_pixels * ms_per_pixel / time_ladder[G_N_ELEMENTS (time_ladder) - 1]);
}

/* Offset of local time from UTC at @t, in ms (0 for UTC). */
static gint64
zone_offset_ms (gboolean utc,
                gint64   t)
{
  g_autoptr(GDateTime) dt = NULL;

  if (utc)
    return 0;
  dt = g_date_time_new_from_unix_local (perp_floor_div (t, 1000));
  return dt != NULL ? g_date_time_get_utc_offset (dt) / 1000 : 0;
}

/* First tick at or after @t: steps of a week start on Monday, shorter ones on the
 * epoch, both in the displayed zone. */
static gint64
first_tick (gint64   t,
            gint64   step,
            gint64   offset)
{
  /* 1970-01-01 was a Thursday: Monday 00:00 is 4 days later. */
  gint64 base = step >= 7 * PERP_MS_PER_DAY ? 4 * PERP_MS_PER_DAY : 0;
  gint64 local = t + offset - base;

  return (perp_floor_div (local + step - 1, step)) * step + base - offset;
}

/**
 * perp_chart_next_time_tick:
 * @t: a tick, or G_MININT64 for the first one at or after @from
 * @from: the view's start (used when @t is G_MININT64)
 * @step: the tick step (perp_chart_nice_time_step())
 * @utc: ticks on UTC, else on local time
 *
 * The next tick: the first time after @t (at or after @from for the first) whose
 * displayed clock time is a multiple of @step (weeks from Monday).  In local time the
 * offset is the one in force at the tick, so the ticks stay on 00:00, 04:00, ... across
 * a daylight-saving change (one hour closer, or further, in UTC).
 */
gint64
perp_chart_next_time_tick (gint64   t,
                           gint64   from,
                           gint64   step,
                           gboolean utc)
{
  gint64 after = t == G_MININT64 ? from : t + 1;
  gint64 offset = zone_offset_ms (utc, t == G_MININT64 ? from : t);
  gint64 next = first_tick (after, step, offset);
  gint64 next_offset = zone_offset_ms (utc, next);

  if (next_offset == offset)
    return next;
  /* The offset changed on the way: the tick in the new offset, unless that one still
   * falls before the change; then the one after it. */
  next = first_tick (after, step, next_offset);
  if (zone_offset_ms (utc, next) != next_offset)
    next = first_tick (next + 1, step, next_offset);
  return next;
}

/* ------------------------------------------------------------------ background and axes */

static void
draw_grid (GtkSnapshot             *snapshot,
           const PerpChartStyle    *style,
           const PerpViewportState *vp)
{
  double step;
  gint64 tstep;

  push_plot_clip (snapshot, vp);
  step = perp_chart_nice_price_step (vp->p1 - vp->p0, MAX (2, vp->plot_height / 48));
  for (double p = ceil (vp->p0 / step) * step; p <= vp->p1; p += step)
    fill (snapshot, &style->colors[PERP_CHART_COLOR_GRID], 0, y_of_price (vp, p), vp->plot_width, 1);

  tstep = perp_chart_nice_time_step ((vp->t1 - vp->t0) / vp->plot_width, 90);
  for (gint64 t = perp_chart_next_time_tick (G_MININT64, (gint64) vp->t0, tstep, vp->utc); t < vp->t1;
       t = perp_chart_next_time_tick (t, 0, tstep, vp->utc))
    fill (snapshot, &style->colors[PERP_CHART_COLOR_GRID], perp_chart_x_of_time (vp, t), 0, 1, vp->plot_height);
  gtk_snapshot_pop (snapshot);
}

/* The background colour and the grid lines at the axis ticks. */
void
perp_chart_draw_background (GtkSnapshot             *snapshot,
                            int                      width,
                            int                      height,
                            PerpChartModel          *model,
                            const PerpChartStyle    *style,
                            const PerpViewportState *vp)
{
  fill (snapshot, &style->colors[PERP_CHART_COLOR_BACKGROUND], 0, 0, width, height);
  draw_grid (snapshot, style, vp);
}

void
perp_chart_draw_axes (GtkSnapshot             *snapshot,
                      int                      width,
                      int                      height,
                      PerpChartModel          *model,
                      const PerpChartStyle    *style,
                      const PerpViewportState *vp)
{
  const GdkRGBA *fg = &style->colors[PERP_CHART_COLOR_DIM];
  const GdkRGBA *axis_bg = &style->colors[PERP_CHART_COLOR_AXIS_BACKGROUND];
  double step;
  gint64 tstep;
  int th = text_height (style);
  double last_x = -G_MAXDOUBLE;
  const char *format;

  /* Price axis on the right. */
  fill (snapshot, axis_bg, vp->plot_width, 0, width - vp->plot_width, height);
  fill (snapshot, &style->colors[PERP_CHART_COLOR_GRID], vp->plot_width, 0, 1, vp->plot_height);
  step = perp_chart_nice_price_step (vp->p1 - vp->p0, MAX (2, vp->plot_height / 48));
  for (double p = ceil (vp->p0 / step) * step; p <= vp->p1; p += step)
    {
      g_autofree char *label = perp_chart_format_price (p, step);
      int y = y_of_price (vp, p);
      /* Where text() puts it: a label crossing the plot's top or bottom is left out. */
      int ty = (int) floor (y - th * 0.5);

      if (ty < 0 || ty + th > vp->plot_height)
        continue;
      fill (snapshot, fg, vp->plot_width, y, 4, 1);
      text (snapshot, style, fg, NULL, vp->plot_width + 7, y, 0, 0.5, label);
    }

  /* Time axis at the bottom. */
  fill (snapshot, axis_bg, 0, vp->plot_height, vp->plot_width, height - vp->plot_height);
  fill (snapshot, &style->colors[PERP_CHART_COLOR_GRID], 0, vp->plot_height, vp->plot_width, 1);
  tstep = perp_chart_nice_time_step ((vp->t1 - vp->t0) / vp->plot_width, 90);
  if (tstep >= 28 * PERP_MS_PER_DAY)
    format = "%b %Y";
  else if (tstep >= PERP_MS_PER_DAY)
    format = "%a %d %b";
  else
    format = "%H:%M";
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, vp->plot_height, vp->plot_width, height - vp->plot_height));
  for (gint64 t = perp_chart_next_time_tick (G_MININT64, (gint64) vp->t0, tstep, vp->utc); t < vp->t1;
       t = perp_chart_next_time_tick (t, 0, tstep, vp->utc))
    {
      int x = perp_chart_x_of_time (vp, t);
      const char *f = format;
      g_autofree char *label = NULL;
      g_autoptr(GskRenderNode) node = NULL;
      int w, h, tx;

      /* Intraday ladders name the day at midnight. */
      if (tstep < PERP_MS_PER_DAY && (t + zone_offset_ms (vp->utc, t)) % PERP_MS_PER_DAY == 0)
        f = "%a %d";
      label = perp_chart_format_time (t, vp->utc, f);
      if (x - last_x < 60)
        continue;  /* never overlap the previous label */
      /* Never a label cut by the plot's left or right edge (".2:00", "Mon 01 A"). */
      node = text_node (style, fg, label, &w, &h);
      tx = (int) floor (x - w * 0.5);
      if (tx < 0 || tx + w > vp->plot_width)
        continue;
      fill (snapshot, fg, x, vp->plot_height, 1, 4);
      text (snapshot, style, fg, NULL, x, vp->plot_height + 4, 0.5, 0, label);
      last_x = x + w / 2.0;
    }
  gtk_snapshot_pop (snapshot);
}

/* ------------------------------------------------------------------ candles and volume */

void
perp_chart_draw_candles (GtkSnapshot             *snapshot,
                         int                      width,
                         int                      height,
                         PerpChartModel          *model,
                         const PerpChartStyle    *style,
                         const PerpViewportState *vp)
{
  const PerpChartColumn *cols;
  guint n;


  /* Colour nodes, one per wick and body: on the cairo renderer too they cost less than
   * one cairo node holding them all (that node is rasterised into a plot-sized
   * temporary, then composited). */
  cols = perp_chart_model_get_columns (model, vp, &n);
  push_plot_clip (snapshot, vp);
  for (guint i = 0; i < n; i++)
    {
      const PerpChartColumn *c = &cols[i];
      const GdkRGBA *color = &style->colors[c->close >= c->open ? PERP_CHART_COLOR_BULL : PERP_CHART_COLOR_BEAR];
      int yh = y_of_price (vp, c->high);
      int yl = y_of_price (vp, c->low);
      int wx = (int) (c->x + floor (c->width / 2));

      fill (snapshot, color, wx, yh, 1, MAX (1, yl - yh + 1));
      if (c->width > 1)
        {
          int yt = y_of_price (vp, MAX (c->open, c->close));
          int yb = y_of_price (vp, MIN (c->open, c->close));

          fill (snapshot, color, c->x, yt, c->width, MAX (1, yb - yt + 1));
        }
    }
  gtk_snapshot_pop (snapshot);
}

void
perp_chart_draw_forming (GtkSnapshot             *snapshot,
                         int                      width,
                         int                      height,
                         PerpChartModel          *model,
                         const PerpChartStyle    *style,
                         const PerpViewportState *vp)
{
  const PerpCandle *c = perp_chart_model_get_forming (model);
  gint64 interval = perp_chart_model_get_interval_ms (model);
  double px, body, x;
  const GdkRGBA *color;
  int yh, yl, yt, yb;
  g_autofree char *label = NULL;

  if (c == NULL)
    return;
  px = interval / (vp->t1 - vp->t0) * vp->plot_width;
  body = MAX (1.0, floor (px * 0.7));
  if ((int) body % 2 == 0 && body > 2)
    body -= 1;
  x = floor (perp_viewport_state_time_to_x (vp, c->open_time + interval / 2.0) - body / 2.0 + 0.5);
  color = &style->colors[c->close >= c->open ? PERP_CHART_COLOR_BULL : PERP_CHART_COLOR_BEAR];
  yh = y_of_price (vp, c->high);
  yl = y_of_price (vp, c->low);
  yt = y_of_price (vp, MAX (c->open, c->close));
  yb = y_of_price (vp, MIN (c->open, c->close));

  push_plot_clip (snapshot, vp);
  fill (snapshot, color, x + floor (body / 2), yh, 1, MAX (1, yl - yh + 1));
  fill (snapshot, color, x, yt, body, MAX (1, yb - yt + 1));
  /* The live price, across the plot and on the axis. */
  fill (snapshot, color, 0, y_of_price (vp, c->close), vp->plot_width, 1);
  gtk_snapshot_pop (snapshot);
  label = perp_chart_format_price (c->close, perp_chart_nice_price_step (vp->p1 - vp->p0, 100));
  text (snapshot, style, &style->colors[PERP_CHART_COLOR_BACKGROUND], color,
        vp->plot_width + 4, y_of_price (vp, c->close), 0, 0.5, label);
}

static void
draw_volume (GtkSnapshot             *snapshot,
             PerpChartModel          *model,
             const PerpChartStyle    *style,
             const PerpViewportState *vp)
{
  const PerpChartColumn *cols;
  guint n;
  double max_volume = 0;
  double band = vp->plot_height * 0.18;

  cols = perp_chart_model_get_columns (model, vp, &n);
  for (guint i = 0; i < n; i++)
    max_volume = MAX (max_volume, cols[i].volume);
  if (!(max_volume > 0))
    return;

  push_plot_clip (snapshot, vp);
  if (n > (guint) vp->plot_width / 3)
    {
      /* Dense: two paths of pixel-aligned rectangles (one per colour) in one cairo
       * node bounded by the band, which cairo fills as boxes; a colour node per bar
       * costs a trip through cairo's whole fill pipeline each. */
      double x0 = MAX (0, cols[0].x), x1 = MIN (vp->plot_width, cols[n - 1].x + cols[n - 1].width);
      int top = vp->plot_height - (int) ceil (band);
      cairo_t *cr;

      if (x1 > x0)
        {
          cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x0, top, x1 - x0, vp->plot_height - top));
          for (int bull = 0; bull < 2; bull++)
            {
              for (guint i = 0; i < n; i++)
                {
                  const PerpChartColumn *c = &cols[i];
                  int h = (int) ceil (c->volume / max_volume * band);

                  if ((c->close >= c->open) == bull && h > 0)
                    cairo_rectangle (cr, c->x, vp->plot_height - h, c->width, h);
                }
              gdk_cairo_set_source_rgba (cr, &style->colors[bull ? PERP_CHART_COLOR_VOLUME_BULL : PERP_CHART_COLOR_VOLUME_BEAR]);
              cairo_fill (cr);
            }
          cairo_destroy (cr);
        }
    }
  else
    for (guint i = 0; i < n; i++)
      {
        const PerpChartColumn *c = &cols[i];
        int h = (int) ceil (c->volume / max_volume * band);

        fill (snapshot, &style->colors[c->close >= c->open ? PERP_CHART_COLOR_VOLUME_BULL : PERP_CHART_COLOR_VOLUME_BEAR],
              c->x, vp->plot_height - h, c->width, h);
      }
  gtk_snapshot_pop (snapshot);
}

/* ------------------------------------------------------------------ structure objects */

static double
px_per_candle (const PerpViewportState *vp,
               gint64                   interval)
{
  return interval / (vp->t1 - vp->t0) * vp->plot_width;
}

/* Zoomed out to several candles per pixel, the short pivots and their breaks are
 * sub-pixel noise over the long ones; only the swing depth is drawn. */
static gboolean
too_fine (const PerpViewportState   *vp,
          const PerpStructureObject *o,
          gint64                     interval)
{
  return o->depth == PERP_STRUCTURE_DEPTH_INTERNAL && px_per_candle (vp, interval) < 1.0;
}

typedef void (*SpanFunc) (GtkSnapshot               *snapshot,
                          const PerpChartStyle      *style,
                          const PerpViewportState   *vp,
                          const PerpChartSpan       *span,
                          const PerpStructureObject *o,
                          gint64                     interval);

/* Index of the first span starting after @t. */
static guint
spans_upper_bound (const PerpChartSpan *spans,
                   guint                n,
                   gint64               t)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (spans[mid].start <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Calls @func for the objects of @group drawn in the viewport, newest first, the still
 * open ones before the closed ones, at most PERP_CHART_MAX_OBJECTS.  The objects are
 * as of the chart's last candle: nothing formed later, no state change after it. */
static guint
foreach_visible (GtkSnapshot             *snapshot,
                 PerpChartModel          *model,
                 const PerpChartStyle    *style,
                 const PerpViewportState *vp,
                 PerpChartGroup           group,
                 SpanFunc                 func)
{
  const PerpStructure *structure = perp_chart_model_get_structure (model);
  const PerpStructureObject *objects;
  const PerpChartSpan *spans;
  const gint64 *max_end, *block_max;
  guint n_objects, n, count = 0;
  gint64 interval = perp_chart_model_get_interval_ms (model);
  gint64 cutoff = perp_chart_model_get_cutoff (model);
  gint64 t0 = (gint64) floor (vp->t0) - interval;
  gint64 t1 = (gint64) ceil (vp->t1);
  /* More than one object per three pixel columns is clutter, whatever the history;
   * zoomed out to several candles a pixel, one per six. */
  guint max_objects = MIN (PERP_CHART_MAX_OBJECTS,
                           (guint) MAX (vp->plot_width, 6) / (px_per_candle (vp, interval) < 1.0 ? 6 : 3));
  /* Objects wholly above or below the plot (open ones from far-away prices, say) are
   * not drawn and do not count; the margin keeps labels next to the edge. */
  double margin = (vp->p1 - vp->p0) * 0.03;

  if (structure == NULL)
    return 0;
  objects = perp_structure_get_objects (structure, &n_objects);

  spans = perp_chart_model_get_spans (model, group, TRUE, &n);
  for (guint i = spans_upper_bound (spans, n, t1); i-- > 0 && count < max_objects;)
    {
      PerpStructureObject o;

      g_assert (spans[i].id < n_objects);
      if (too_fine (vp, &objects[spans[i].id], interval)
          || objects[spans[i].id].top < vp->p0 - margin
          || objects[spans[i].id].bottom > vp->p1 + margin)
        continue;
      perp_structure_object_as_of (&objects[spans[i].id], cutoff, &o);
      func (snapshot, style, vp, &spans[i], &o, interval);
      count++;
    }

  spans = perp_chart_model_get_spans (model, group, FALSE, &n);
  max_end = perp_chart_model_get_span_max_end (model, group);
  block_max = perp_chart_model_get_span_block_max_end (model, group);
  for (guint i = spans_upper_bound (spans, n, t1); i-- > 0 && count < max_objects;)
    {
      PerpStructureObject o;

      if (max_end[i] < t0)
        break;  /* nothing at or before i reaches into the view */
      if (spans[i].end < t0)
        {
          /* At the top of a run of spans that all ended before the view (a long-lived
           * old one keeps the prefix maximum up): skip the run. */
          if (block_max[i / PERP_CHART_SPAN_BLOCK] < t0)
            i -= i % PERP_CHART_SPAN_BLOCK;
          continue;
        }
      g_assert (spans[i].id < n_objects);
      if (too_fine (vp, &objects[spans[i].id], interval)
          || objects[spans[i].id].top < vp->p0 - margin
          || objects[spans[i].id].bottom > vp->p1 + margin)
        continue;
      perp_structure_object_as_of (&objects[spans[i].id], cutoff, &o);
      func (snapshot, style, vp, &spans[i], &o, interval);
      count++;
    }
  return count;
}

/* One object layer: its objects in view, clipped to the plot. */
static void
draw_objects (GtkSnapshot             *snapshot,
              PerpChartModel          *model,
              const PerpChartStyle    *style,
              const PerpViewportState *vp,
              PerpChartGroup           group,
              SpanFunc                 func)
{
  push_plot_clip (snapshot, vp);
  foreach_visible (snapshot, model, style, vp, group, func);
  gtk_snapshot_pop (snapshot);
}

/* Right edge of a span: the end of its last candle, or the plot's edge while open. */
static int
span_x1 (const PerpViewportState *vp,
         const PerpChartSpan     *span,
         gint64                   interval)
{
  if (span->end == G_MAXINT64)
    return vp->plot_width + 1;
  return perp_chart_x_of_time (vp, (double) span->end + interval);
}

/* How a zone is drawn: active ones with a solid border; ended ones (mitigated, or an
 * order block that broke) with a dashed one; breakers hatched. */
typedef enum
{
  BOX_ACTIVE,
  BOX_ENDED,
  BOX_HATCHED,
} BoxStyle;

/* A 1 px dashed line (3 on, 3 off) along a box edge: one repeat node over one dash,
 * whatever the length, rather than a node per dash. */
static void
dashed_line (GtkSnapshot   *snapshot,
             const GdkRGBA *color,
             int            x,
             int            y,
             int            w,
             int            h,
             int            phase)
{
  gboolean across = w >= h;

  if (w <= 0 || h <= 0 || color->alpha <= 0)
    return;
  if ((across ? w : h) <= 3)
    {
      fill (snapshot, color, x, y, w, h);
      return;
    }
  gtk_snapshot_push_repeat (snapshot, &GRAPHENE_RECT_INIT (x, y, w, h),
                            across ? &GRAPHENE_RECT_INIT (phase, y, 6, 1) : &GRAPHENE_RECT_INIT (x, phase, 1, 6));
  gtk_snapshot_append_color (snapshot, color,
                             across ? &GRAPHENE_RECT_INIT (phase, y, 3, 1) : &GRAPHENE_RECT_INIT (x, phase, 1, 3));
  gtk_snapshot_pop (snapshot);
}

/* A horizontal 1 px dotted line over [x0, x1) clipped to the plot, @on pixels in every
 * @period, in phase with @origin (the line's own start, so the dots pan with it): one
 * repeat node rather than a colour node per dot. */
static void
dotted_hline (GtkSnapshot             *snapshot,
              const PerpViewportState *vp,
              const GdkRGBA           *color,
              int                      origin,
              int                      x0,
              int                      x1,
              int                      y,
              int                      on,
              int                      period)
{
  int phase;

  x0 = MAX (x0, -period);
  x1 = MIN (x1, vp->plot_width);
  if (x1 <= x0 || color->alpha <= 0)
    return;
  phase = x0 - (int) ((((gint64) x0 - origin) % period + period) % period);
  if (x1 - x0 <= period)
    {
      /* One or two dots: plain colour nodes cost less than a repeat. */
      for (int x = phase; x < x1; x += period)
        fill (snapshot, color, MAX (x, x0), y, MIN (x + on, x1) - MAX (x, x0), 1);
      return;
    }
  gtk_snapshot_push_repeat (snapshot, &GRAPHENE_RECT_INIT (x0, y, x1 - x0, 1),
                            &GRAPHENE_RECT_INIT (phase, y, period, 1));
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (phase, y, on, 1));
  gtk_snapshot_pop (snapshot);
}

/* The border of a zone: its own colour, opaque enough to mark the edge. */
static GdkRGBA
border_of (const GdkRGBA *fill_color,
           BoxStyle       box_style)
{
  GdkRGBA c = *fill_color;

  c.alpha = CLAMP (fill_color->alpha * (box_style == BOX_ENDED ? 3.5f : 4.5f), 0.3f, 0.8f);
  return c;
}

static void
draw_box (GtkSnapshot             *snapshot,
          const PerpViewportState *vp,
          const GdkRGBA           *color,
          BoxStyle                 box_style,
          const PerpChartSpan     *span,
          double                   top,
          double                   bottom,
          gint64                   interval)
{
  int sx0 = perp_chart_x_of_time (vp, span->start);
  int sx1 = span_x1 (vp, span, interval);
  int y0 = y_of_price (vp, top);
  int y1 = y_of_price (vp, bottom);
  int x0 = MAX (sx0, -1);
  int x1 = MIN (sx1, vp->plot_width + 1);
  int w = MAX (1, x1 - x0), h = MAX (1, y1 - y0 + 1);
  /* Dashes and hatching keep their phase to the box's own left edge, so they move
   * with it when panning. */
  int phase = x0 - (int) (((gint64) x0 - sx0) % 6);
  GdkRGBA edge = border_of (color, box_style);

  fill (snapshot, color, x0, y0, w, h);
  if (box_style == BOX_HATCHED && w > 2 && h > 2)
    {
      GdkRGBA hatch = edge;

      hatch.alpha *= 0.45f;
      /* Diagonal strokes every 6 px: a 6 x 6 tile with one pixel per row. */
      gtk_snapshot_push_repeat (snapshot, &GRAPHENE_RECT_INIT (x0, y0 + 1, w, h - 2),
                                &GRAPHENE_RECT_INIT (phase, y0 + 1, 6, 6));
      for (int i = 0; i < 6; i++)
        gtk_snapshot_append_color (snapshot, &hatch, &GRAPHENE_RECT_INIT (phase + i, y0 + 1 + 5 - i, 1, 1));
      gtk_snapshot_pop (snapshot);
    }
  if (h < 3 || w < 3)
    return;  /* a sliver: the fill is all there is */
  if (box_style == BOX_ENDED)
    {
      dashed_line (snapshot, &edge, x0, y0, w, 1, phase);
      dashed_line (snapshot, &edge, x0, y0 + h - 1, w, 1, phase);
      if (sx0 >= 0)
        dashed_line (snapshot, &edge, sx0, y0 + 1, 1, h - 2, y0 + 1);
      if (sx1 <= vp->plot_width)
        dashed_line (snapshot, &edge, sx1 - 1, y0 + 1, 1, h - 2, y0 + 1);
    }
  else
    {
      /* One border node, not four colour nodes: each node is a trip through cairo's
       * fill pipeline.  Edges off the plot (x0 = -1, x1 = width + 1) are clipped. */
      GskRoundedRect outline;
      const float widths[4] = { 1, 1, 1, 1 };
      const GdkRGBA colors[4] = { edge, edge, edge, edge };

      gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x0, y0, w, h), 0);
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
    }
}

static void
fvg_cb (GtkSnapshot               *snapshot,
        const PerpChartStyle      *style,
        const PerpViewportState   *vp,
        const PerpChartSpan       *span,
        const PerpStructureObject *o,
        gint64                     interval)
{
  PerpChartColor c;
  gboolean ended = o->event_time[PERP_STRUCTURE_EVENT_MITIGATED] >= 0
                   || o->event_time[PERP_STRUCTURE_EVENT_MERGED] >= 0;

  if (ended)
    c = PERP_CHART_COLOR_FVG_MITIGATED;
  else
    c = o->direction > 0 ? PERP_CHART_COLOR_FVG_BULL : PERP_CHART_COLOR_FVG_BEAR;
  draw_box (snapshot, vp, &style->colors[c], ended ? BOX_ENDED : BOX_ACTIVE, span, o->top, o->bottom, interval);
}

static void
block_cb (GtkSnapshot               *snapshot,
          const PerpChartStyle      *style,
          const PerpViewportState   *vp,
          const PerpChartSpan       *span,
          const PerpStructureObject *o,
          gint64                     interval)
{
  gboolean breaker = o->kind == PERP_STRUCTURE_BREAKER;
  gboolean ended = o->event_time[PERP_STRUCTURE_EVENT_MITIGATED] >= 0
                   || (!breaker && o->event_time[PERP_STRUCTURE_EVENT_BROKEN] >= 0);
  PerpChartColor c;
  int x0, x1, y0, y1;

  if (ended)
    c = PERP_CHART_COLOR_BLOCK_MITIGATED;
  else if (breaker)
    c = o->direction > 0 ? PERP_CHART_COLOR_BREAKER_BULL : PERP_CHART_COLOR_BREAKER_BEAR;
  else
    c = o->direction > 0 ? PERP_CHART_COLOR_OB_BULL : PERP_CHART_COLOR_OB_BEAR;
  draw_box (snapshot, vp, &style->colors[c], ended ? BOX_ENDED : breaker ? BOX_HATCHED : BOX_ACTIVE,
            span, o->top, o->bottom, interval);

  /* Name wide enough boxes at their left edge, or at the plot's when that is off to
   * the left; the label queue drops names that would overprint others. */
  x0 = MAX (0, perp_chart_x_of_time (vp, span->start));
  x1 = MIN (vp->plot_width, span_x1 (vp, span, interval));
  y0 = MAX (0, y_of_price (vp, o->top));
  y1 = MIN (vp->plot_height, y_of_price (vp, o->bottom));
  if (!ended && x1 - x0 > 40 && y1 - y0 > 8)
    queue_label (snapshot, style, vp, LABEL_BLOCK, &style->colors[PERP_CHART_COLOR_DIM], NULL,
                 x0 + 3, (y0 + y1) / 2.0, 0, 0.5, breaker ? "Breaker" : "OB");
}

static void
level_cb (GtkSnapshot               *snapshot,
          const PerpChartStyle      *style,
          const PerpViewportState   *vp,
          const PerpChartSpan       *span,
          const PerpStructureObject *o,
          gint64                     interval)
{
  gboolean week = o->source == PERP_STRUCTURE_SOURCE_WEEK;
  gboolean high = o->kind == PERP_STRUCTURE_RANGE_HIGH;
  const GdkRGBA *color = &style->colors[week ? PERP_CHART_COLOR_LEVEL_WEEK : PERP_CHART_COLOR_LEVEL_DAY];
  int x0 = perp_chart_x_of_time (vp, span->start);
  int x1 = span_x1 (vp, span, interval);
  const char *name = week ? (high ? "PWH" : "PWL") : (high ? "PDH" : "PDL");
  /* Week labels sit left of day labels, which often share the right end. */
  int inset = week ? 34 : 2;

  hline (snapshot, vp, color, x0, x1, o->top, 1);
  x1 = MIN (x1, vp->plot_width);
  if (x1 - MAX (x0, 0) > 30 + inset)
    queue_label (snapshot, style, vp, LABEL_LEVEL, color, NULL, x1 - inset, y_of_price (vp, o->top), 1, high ? 1 : 0, name);
}

static void
liquidity_cb (GtkSnapshot               *snapshot,
              const PerpChartStyle      *style,
              const PerpViewportState   *vp,
              const PerpChartSpan       *span,
              const PerpStructureObject *o,
              gint64                     interval)
{
  const GdkRGBA *color = &style->colors[PERP_CHART_COLOR_LIQUIDITY];
  gboolean high = o->kind == PERP_STRUCTURE_EQUAL_HIGHS;
  double level = high ? o->top : o->bottom;
  int x0 = perp_chart_x_of_time (vp, span->start + interval / 2.0);
  int x1 = span->end == G_MAXINT64 ? vp->plot_width + 1 : perp_chart_x_of_time (vp, span->end + interval / 2.0);
  int y = y_of_price (vp, level);
  gint64 swept = o->event_time[PERP_STRUCTURE_EVENT_SWEPT];

  /* Dotted (2 on, 2 off) so pools read apart from the solid period levels; a long
   * line is a faint solid one instead. */
  if (MIN (x1, vp->plot_width) - MAX (x0, 0) <= 160)
    dotted_hline (snapshot, vp, color, x0, x0, x1, y, 2, 4);
  else
    {
      GdkRGBA faint = *color;

      faint.alpha *= 0.55f;
      hline (snapshot, vp, &faint, x0, x1, level, 1);
    }
  if (x1 - x0 > 28)
    queue_label (snapshot, style, vp, LABEL_LIQUIDITY, color, NULL, MAX (x0, 0) + 2, y, 0, high ? 1 : 0,
                 high ? "EQH" : "EQL");

  if (swept >= 0 && px_per_candle (vp, interval) >= 1.0)
    {
      const GdkRGBA *sc = &style->colors[PERP_CHART_COLOR_SWEEP];
      int sx = perp_chart_x_of_time (vp, swept + interval / 2.0);

      /* A small cross where the pool was swept. */
      fill (snapshot, sc, sx - 3, y, 7, 1);
      fill (snapshot, sc, sx, y - 3, 1, 7);
      if (px_per_candle (vp, interval) >= 2.0)
        queue_label (snapshot, style, vp, LABEL_LIQUIDITY, sc, NULL, sx + 4, y, 0, high ? 1 : 0, "sweep");
    }
}

static void
structure_cb (GtkSnapshot               *snapshot,
              const PerpChartStyle      *style,
              const PerpViewportState   *vp,
              const PerpChartSpan       *span,
              const PerpStructureObject *o,
              gint64                     interval)
{
  gboolean choch = o->kind == PERP_STRUCTURE_CHOCH;
  gboolean internal = o->depth == PERP_STRUCTURE_DEPTH_INTERNAL;
  GdkRGBA color = style->colors[choch ? PERP_CHART_COLOR_CHOCH : PERP_CHART_COLOR_BOS];
  int x0 = perp_chart_x_of_time (vp, span->start + interval / 2.0);
  int x1 = perp_chart_x_of_time (vp, span->end + interval / 2.0);
  int y = y_of_price (vp, o->top);
  const char *label = choch ? (internal ? "i-CHoCH" : "CHoCH") : (internal ? "i-BOS" : "BOS");

  if (too_fine (vp, o, interval))
    return;
  if (internal)
    color.alpha *= 0.6f;
  if (internal && MIN (x1, vp->plot_width) - MAX (x0, 0) <= 160)
    dotted_hline (snapshot, vp, &color, x0, x0, x1, y, 3, 6);
  else
    hline (snapshot, vp, &color, x0, x1, o->top, internal ? 1 : 2);
  if (x1 - x0 > (internal ? 44 : 30))
    /* Centred on the visible part of the line, so a break from off the left still
     * gets its name rather than a label cut by the edge. */
    queue_label (snapshot, style, vp, LABEL_STRUCTURE, &color, NULL,
                 (MAX (x0, 0) + MIN (x1, vp->plot_width)) / 2.0, y + (o->direction > 0 ? -1 : 2),
                 0.5, o->direction > 0 ? 1 : 0, label);
}

static void
swing_cb (GtkSnapshot               *snapshot,
          const PerpChartStyle      *style,
          const PerpViewportState   *vp,
          const PerpChartSpan       *span,
          const PerpStructureObject *o,
          gint64                     interval)
{
  gboolean high = o->kind == PERP_STRUCTURE_PIVOT_HIGH;
  gboolean swing = o->depth == PERP_STRUCTURE_DEPTH_SWING;
  const GdkRGBA *color = &style->colors[high ? PERP_CHART_COLOR_SWING_HIGH : PERP_CHART_COLOR_SWING_LOW];
  int x = perp_chart_x_of_time (vp, span->start + interval / 2.0);
  int y = y_of_price (vp, o->top);
  int r = swing ? 3 : 2;

  if (o->depth == PERP_STRUCTURE_DEPTH_EQUAL || too_fine (vp, o, interval))
    return;  /* the pools' own pivots: the liquidity layer shows what matters */
  y += high ? -(r + 3) : (r + 3);
  if (px_per_candle (vp, interval) < 1.0)
    {
      /* Zoomed out: a dot, no label. */
      fill (snapshot, color, x - 1, y - 1, 3, 3);
      return;
    }
  /* A small diamond: three stacked bars. */
  fill (snapshot, color, x - r, y, 2 * r + 1, 1);
  fill (snapshot, color, x - r + 1, y - 1, 2 * r - 1, 3);
  fill (snapshot, color, x, y - r, 1, 2 * r + 1);
  if (swing)
    queue_label (snapshot, style, vp, LABEL_SWING, color, NULL, x, y + (high ? -r - 1 : r + 1), 0.5, high ? 1 : 0,
                 high ? "SH" : "SL");
}

/* ------------------------------------------------------------------ reading-based layers */

/* The structure's reading, when it describes the chart's last candle (a structure run
 * further than the chart's candles would show the future). */
static gboolean
get_reading (PerpChartModel       *model,
             PerpStructureReading *reading)
{
  const PerpStructure *structure = perp_chart_model_get_structure (model);

  if (structure == NULL || perp_structure_get_n_candles (structure) == 0)
    return FALSE;
  perp_structure_get_reading (structure, reading);
  return reading->time == perp_chart_model_get_cutoff (model);
}

static void
draw_killzones (GtkSnapshot             *snapshot,
                PerpChartModel          *model,
                const PerpChartStyle    *style,
                const PerpViewportState *vp)
{
  const PerpChartWindow *w;
  const PerpStructure *structure = perp_chart_model_get_structure (model);
  guint n, lo = 0, hi;
  gint64 t0 = (gint64) floor (vp->t0) - PERP_MS_PER_DAY;

  /* Past ~45 days a session band is a few pixels of noise. */
  if (vp->t1 - vp->t0 > 45.0 * PERP_MS_PER_DAY)
    return;
  w = perp_chart_model_get_killzones (model, &n);
  hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (w[mid].start < t0)
        lo = mid + 1;
      else
        hi = mid;
    }

  push_plot_clip (snapshot, vp);
  for (guint i = lo; i < n && w[i].start < vp->t1; i++)
    {
      int x0 = perp_chart_x_of_time (vp, w[i].start);
      int x1 = perp_chart_x_of_time (vp, w[i].end);
      const GdkRGBA *color = &style->colors[PERP_CHART_COLOR_KILLZONE_1 + w[i].zone % 5];

      if (x1 <= 0 || x0 >= vp->plot_width)
        continue;
      fill (snapshot, color, x0, 0, x1 - x0, vp->plot_height);
      if (x1 - x0 > 70 && structure != NULL)
        {
          const PerpStructureConfig *config = perp_structure_get_config (structure);

          if (w[i].zone < config->n_killzones && config->killzones[w[i].zone].name != NULL)
            queue_label (snapshot, style, vp, LABEL_KILLZONE, &style->colors[PERP_CHART_COLOR_DIM], NULL,
                         MAX (x0, 0) + 3, 2 + (w[i].zone % 2) * 14, 0, 0, config->killzones[w[i].zone].name);
        }
    }
  gtk_snapshot_pop (snapshot);
}

static void
draw_zones (GtkSnapshot             *snapshot,
            PerpChartModel          *model,
            const PerpChartStyle    *style,
            const PerpViewportState *vp)
{
  PerpStructureReading r;
  double top, bottom, eq_hi, eq_lo;
  int x0, x1;

  if (!get_reading (model, &r) || !isfinite (r.range_top) || !isfinite (r.range_bottom)
      || !(r.range_top > r.range_bottom))
    return;
  top = r.range_top;
  bottom = r.range_bottom;
  eq_hi = bottom + (top - bottom) * 0.525;
  eq_lo = bottom + (top - bottom) * 0.475;
  /* From where the current swing range began to the right edge. */
  x0 = r.leg.direction != 0 ? perp_chart_x_of_time (vp, MIN (r.leg.anchor_time, r.leg.extreme_time))
                            : perp_chart_x_of_time (vp, r.time);
  x0 = MAX (x0, 0);
  x1 = vp->plot_width;
  if (x0 >= x1)
    return;

  push_plot_clip (snapshot, vp);
  fill (snapshot, &style->colors[PERP_CHART_COLOR_PREMIUM], x0, y_of_price (vp, top),
        x1 - x0, y_of_price (vp, eq_hi) - y_of_price (vp, top));
  fill (snapshot, &style->colors[PERP_CHART_COLOR_EQUILIBRIUM], x0, y_of_price (vp, eq_hi),
        x1 - x0, y_of_price (vp, eq_lo) - y_of_price (vp, eq_hi));
  fill (snapshot, &style->colors[PERP_CHART_COLOR_DISCOUNT], x0, y_of_price (vp, eq_lo),
        x1 - x0, y_of_price (vp, bottom) - y_of_price (vp, eq_lo));
  if (x1 - x0 > 80)
    {
      const GdkRGBA *dim = &style->colors[PERP_CHART_COLOR_DIM];

      queue_label (snapshot, style, vp, LABEL_ZONE, dim, NULL, x1 - 4, y_of_price (vp, top) + 2, 1, 0, "Premium");
      queue_label (snapshot, style, vp, LABEL_ZONE, dim, NULL, x1 - 4, y_of_price (vp, r.equilibrium), 1, 0.5,
                   "Equilibrium");
      queue_label (snapshot, style, vp, LABEL_ZONE, dim, NULL, x1 - 4, y_of_price (vp, bottom) - 2, 1, 1, "Discount");
    }
  gtk_snapshot_pop (snapshot);
}

static void
draw_fibonacci (GtkSnapshot             *snapshot,
                PerpChartModel          *model,
                const PerpChartStyle    *style,
                const PerpViewportState *vp)
{
  PerpStructureReading r;
  const GdkRGBA *color = &style->colors[PERP_CHART_COLOR_FIB];
  GdkRGBA faint;
  int x0, x1;
  double step;

  if (!get_reading (model, &r) || r.leg.direction == 0)
    return;
  x0 = perp_chart_x_of_time (vp, MIN (r.leg.anchor_time, r.leg.extreme_time));
  x1 = vp->plot_width;
  if (x0 >= x1)
    return;
  faint = *color;
  faint.alpha *= 0.5f;
  step = perp_chart_nice_price_step (vp->p1 - vp->p0, 200);

  push_plot_clip (snapshot, vp);
  /* The leg itself: 0 at the extreme, 1 at the anchor. */
  hline (snapshot, vp, &faint, x0, x1, r.leg.extreme, 1);
  hline (snapshot, vp, &faint, x0, x1, r.leg.anchor, 1);
  for (guint i = 0; i < r.leg.n_levels && i < PERP_STRUCTURE_MAX_FIB_LEVELS; i++)
    {
      g_autofree char *price = perp_chart_format_price (r.leg.levels[i], step);
      g_autofree char *label = g_strdup_printf ("%.3g  %s", r.leg.ratios[i], price);

      hline (snapshot, vp, color, x0, x1, r.leg.levels[i], 1);
      queue_label (snapshot, style, vp, LABEL_FIB, color, &style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND],
                   x1 - 4, y_of_price (vp, r.leg.levels[i]) - 1, 1, 1, label);
    }
  gtk_snapshot_pop (snapshot);
}

/* ------------------------------------------------------------------ heatmap */

/* Premultiplied ARGB in native byte order: cairo's ARGB32 and GDK_MEMORY_DEFAULT, so
 * the cairo renderer draws the texture without converting it. */
static guint32
heat_color (const PerpChartStyle *style,
            double                v,
            GdkRGBA              *out)
{
  const GdkRGBA *a, *b;
  double f;
  GdkRGBA c;

  v = CLAMP (v, 0, 1);
  if (v < 0.5)
    {
      a = &style->colors[PERP_CHART_COLOR_HEAT_LOW];
      b = &style->colors[PERP_CHART_COLOR_HEAT_MID];
      f = v * 2;
    }
  else
    {
      a = &style->colors[PERP_CHART_COLOR_HEAT_MID];
      b = &style->colors[PERP_CHART_COLOR_HEAT_HIGH];
      f = (v - 0.5) * 2;
    }
  c.red = a->red + (b->red - a->red) * f;
  c.green = a->green + (b->green - a->green) * f;
  c.blue = a->blue + (b->blue - a->blue) * f;
  c.alpha = a->alpha + (b->alpha - a->alpha) * f;
  if (out != NULL)
    *out = c;
  return ((guint32) lround (c.alpha * 255) << 24)
         | ((guint32) lround (c.red * c.alpha * 255) << 16)
         | ((guint32) lround (c.green * c.alpha * 255) << 8)
         | (guint32) lround (c.blue * c.alpha * 255);
}

static guint
grid_column_at (const gint64 *times,
                guint         n,
                double        t)
{
  guint lo = 0, hi = n;

  /* Last column opening at or before t. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (times[mid] <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo == 0 ? G_MAXUINT : lo - 1;
}

/* A small horizontal scale in the plot's bottom left corner, over the volume bars
 * rather than the candles (the autoscale keeps that band free of prices), on a
 * translucent plate; its box is kept free of other labels. */
static void
draw_legend (GtkSnapshot             *snapshot,
             const PerpChartStyle    *style,
             const PerpViewportState *vp,
             double                   max_value)
{
  const GdkRGBA *dim = &style->colors[PERP_CHART_COLOR_DIM];
  GdkRGBA plate = style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND];
  g_autofree char *value = format_volume (max_value);
  /* Density: USDT of modelled liquidations per 1 USDT of price. */
  g_autofree char *hi_label = g_strdup_printf ("%s/$", value);
  g_autoptr(GskRenderNode) lo_node = NULL;
  g_autoptr(GskRenderNode) hi_node = NULL;
  int bar = 48, lo_w, hi_w, th, h, w, x, y, bx;

  lo_node = text_node (style, dim, "0", &lo_w, &th);
  hi_node = text_node (style, dim, hi_label, &hi_w, &th);
  th = MAX (th, 8);
  h = th + 4;
  w = 4 + lo_w + 4 + bar + 4 + hi_w + 4;
  x = 4;
  y = vp->plot_height - 4 - h;
  if (y < 0 || x + w > vp->plot_width)
    return;

  plate.alpha = MIN (plate.alpha, 0.75f);
  fill (snapshot, &plate, x, y, w, h);
  reserve_label_box (style, &GRAPHENE_RECT_INIT (x, y, w, h));
  bx = x + 4 + lo_w + 4;
  for (int i = 0; i < bar; i++)
    {
      GdkRGBA c;

      heat_color (style, (double) i / (bar - 1), &c);
      fill (snapshot, &c, bx + i, y + h / 2 - 3, 1, 6);
    }
  text (snapshot, style, dim, NULL, x + 4, y + 2, 0, 0, "0");
  text (snapshot, style, dim, NULL, bx + bar + 4, y + 2, 0, 0, hi_label);
}

/* Intensity of the buckets below @price: the prefix sum, interpolated inside the
 * bucket that holds the price. */
static double
profile_at (const double *prefix,
            gint64        first,
            guint         n,
            double        size,
            double        price)
{
  double f = price / size - first;
  double i;

  if (!(f > 0))
    return 0;
  if (f >= n)
    return prefix[n];
  i = floor (f);
  return prefix[(guint) i] + (prefix[(guint) i + 1] - prefix[(guint) i]) * (f - i);
}

/* Plot-sized pixel buffers are a few MiB: allocating one per frame costs more in page
 * faults than filling it.  A surface is reused once nothing else holds it (the node
 * that drew it is gone), which its reference count tells. */
static cairo_surface_t *heat_pool[3];

static cairo_surface_t *
heat_surface_get (cairo_format_t format,
                  int            width,
                  int            height)
{
  for (guint i = 0; i < G_N_ELEMENTS (heat_pool); i++)
    {
      cairo_surface_t *s = heat_pool[i];

      if (s != NULL && cairo_surface_get_reference_count (s) == 1
          && cairo_image_surface_get_format (s) == format
          && cairo_image_surface_get_width (s) == width && cairo_image_surface_get_height (s) == height)
        return cairo_surface_reference (s);
    }
  for (guint i = 0; i < G_N_ELEMENTS (heat_pool); i++)
    if (heat_pool[i] == NULL || cairo_surface_get_reference_count (heat_pool[i]) == 1)
      {
        g_clear_pointer (&heat_pool[i], cairo_surface_destroy);
        heat_pool[i] = cairo_image_surface_create (format, width, height);
        return cairo_surface_reference (heat_pool[i]);
      }
  return cairo_image_surface_create (format, width, height);
}

/* One image at the plot's pixel size (cropped to the rows and columns that have
 * data): per pixel column the grid column of the candle under it, or right of the last
 * candle the map as it stands now; per pixel row the grid row of its price.  Grid cells
 * hold intensity per row, so both are compared as densities (per unit of price).
 * Intensities scale linearly to the largest in view: the model leaves small levels
 * almost everywhere, and only the clusters should stand out.  Pixel rows that map to
 * the same grid row are copies, so the cost is grid rows x pixel columns.
 *
 * Over an opaque background the image is opaque too, with the background composited
 * in (cairo copies an RGB24 image instead of blending it); perp_chart_draw_static()
 * therefore draws this layer first.
 *
 * The image goes in as a cairo node, not a GdkMemoryTexture: GTK 4.8's cairo renderer
 * paints texture nodes with CAIRO_EXTEND_PAD, which pixman runs on its slow general
 * path (about 14 ms for a 1500 x 900 texture, against under 4 ms for this paint); the
 * GL renderer uploads the cairo node's pixels as one texture all the same. */
static double
draw_heatmap_image (GtkSnapshot             *snapshot,
                    PerpChartModel          *model,
                    const PerpChartStyle    *style,
                    const PerpViewportState *vp)
{
  PerpLiqGrid *grid = perp_chart_model_get_liq_grid (model);
  PerpLiqMap *map = perp_chart_model_get_liq_map (model);
  int w = vp->plot_width, h = vp->plot_height;
  g_autofree const double **col_of_x = NULL;
  g_autofree gint *row_of_y = NULL;
  g_autofree double *live = NULL;
  guint32 *pixels;
  cairo_surface_t *surface;
  cairo_t *cr;
  int stride, grid_end, r_lo = G_MAXINT, r_hi = -1;
  guint32 lut[256], empty;
  const GdkRGBA *bg = &style->colors[PERP_CHART_COLOR_BACKGROUND];
  gboolean opaque;
  guint n_cols = 0, n_rows = 0;
  double max_value = 0, grid_scale = 1, inv;
  const double *profile;
  gint64 first_bucket = 0;
  guint n_buckets = 0;
  int live_x = w, x_lo = w, x_hi = 0, y_lo = h, y_hi = 0, tw, th;
  gint64 interval = perp_chart_model_get_interval_ms (model);

  if (grid == NULL && map == NULL)
    return 0;

  col_of_x = g_new0 (const double *, w);
  row_of_y = g_new (gint, h);
  for (int y = 0; y < h; y++)
    row_of_y[y] = -1;

  if (grid != NULL && perp_liq_grid_get_n_columns (grid) > 0)
    {
      const gint64 *times = perp_liq_grid_get_times (grid);
      double lo = perp_liq_grid_get_price_lo (grid);
      double hi = perp_liq_grid_get_price_hi (grid);
      guint prev = G_MAXUINT;

      n_cols = perp_liq_grid_get_n_columns (grid);
      n_rows = perp_liq_grid_get_n_rows (grid);
      grid_scale = n_rows / (hi - lo);
      for (int x = 0; x < w; x++)
        {
          double t = perp_viewport_state_x_to_time (vp, x + 0.5);
          guint c = grid_column_at (times, n_cols, t);

          if (c == G_MAXUINT || t >= times[c] + interval)
            continue;
          col_of_x[x] = perp_liq_grid_get_column (grid, c);
          x_lo = MIN (x_lo, x);
          x_hi = MAX (x_hi, x + 1);
          if (c != prev)
            {
              /* The densest cell of each column in view sets the scale. */
              for (guint r = 0; r < n_rows; r++)
                max_value = MAX (max_value, col_of_x[x][r]);
              prev = c;
            }
        }
      max_value *= grid_scale;
      for (int y = 0; y < h; y++)
        {
          double p = perp_viewport_state_y_to_price (vp, y + 0.5);
          double f = (p - lo) / (hi - lo) * n_rows;

          if (f >= 0 && f < n_rows)
            {
              row_of_y[y] = (gint) f;
              y_lo = MIN (y_lo, y);
              y_hi = MAX (y_hi, y + 1);
            }
        }
    }

  /* Right of the last closed candle: where the map's levels stand now, from the
   * model's per-bucket sums (a bucket straddling a row counts by overlap, as in
   * perp_liq_map_sample()). */
  if (map != NULL && (profile = perp_chart_model_get_liq_profile (model, &first_bucket, &n_buckets)) != NULL)
    {
      gint64 map_time = perp_liq_map_get_time (map);

      live_x = MAX (0, perp_chart_x_of_time (vp, map_time));
      if (live_x < w)
        {
          double size = perp_liq_map_get_params (map)->bucket_size;
          double prev = profile_at (profile, first_bucket, n_buckets, size, perp_viewport_state_y_to_price (vp, 0));

          live = g_new0 (double, h);
          for (int y = 0; y < h; y++)
            {
              double p_lo = perp_viewport_state_y_to_price (vp, y + 1);
              double next = profile_at (profile, first_bucket, n_buckets, size, p_lo);

              /* Density: intensity per unit of price, top row first. */
              live[y] = (prev - next) / ((vp->p1 - vp->p0) / h);
              prev = next;
              max_value = MAX (max_value, live[y]);
            }
          x_lo = MIN (x_lo, live_x);
          x_hi = w;
          y_lo = 0;
          y_hi = h;
        }
    }
  for (int x = live_x; x < w; x++)
    col_of_x[x] = NULL;

  if (!(max_value > 0) || x_lo >= x_hi || y_lo >= y_hi)
    return 0;

  /* Over an opaque background the colours are composited here, once per LUT entry. */
  opaque = bg->alpha >= 1.0f;
  for (int i = 0; i < 256; i++)
    {
      GdkRGBA c;

      lut[i] = heat_color (style, i / 255.0, &c);
      if (opaque)
        lut[i] = 0xff000000u
                 | ((guint32) lround ((c.red * c.alpha + bg->red * (1 - c.alpha)) * 255) << 16)
                 | ((guint32) lround ((c.green * c.alpha + bg->green * (1 - c.alpha)) * 255) << 8)
                 | (guint32) lround ((c.blue * c.alpha + bg->blue * (1 - c.alpha)) * 255);
    }
  empty = opaque ? lut[0] : 0;
  inv = 255.0 / max_value;

  tw = x_hi - x_lo;
  th = y_hi - y_lo;
  grid_end = MIN (live_x, x_hi);
  for (int y = y_lo; y < y_hi; y++)
    if (row_of_y[y] >= 0)
      {
        r_lo = MIN (r_lo, row_of_y[y]);
        r_hi = MAX (r_hi, row_of_y[y]);
      }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x_lo, y_lo, tw, th));
  if (grid_end > x_lo && r_lo <= r_hi)
    {
      /* The grid part at the grid's own row resolution, one image row per grid row
       * (top row = highest price), stretched to the pixel rows with nearest-neighbour
       * sampling: a few hundred thousand pixels to fill and to keep (the recording
       * holds a copy of the image) rather than a plot's worth.  Pixel row y shows grid
       * row floor (f (y + 0.5)), f the price-to-row map; pixman's nearest filter
       * samples row ceil (s) - 1 at source position s, which is that row for
       * s = r_hi + 1 - f (y + 0.5), linear in y. */
      int gw = grid_end - x_lo, gh = r_hi - r_lo + 1;
      double lo = perp_liq_grid_get_price_lo (grid), hi = perp_liq_grid_get_price_hi (grid);
      double rows_per_price = n_rows / (hi - lo);
      double b = (vp->p1 - vp->p0) / h * rows_per_price;
      double a = (vp->p1 - lo) * rows_per_price;
      cairo_pattern_t *pattern;
      cairo_matrix_t matrix;

      surface = heat_surface_get (opaque ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32, gw, gh);
      pixels = (guint32 *) (gpointer) cairo_image_surface_get_data (surface);
      stride = cairo_image_surface_get_stride (surface) / 4;
      cairo_surface_flush (surface);
      for (int k = 0; k < gh; k++)
        {
          guint32 *row = pixels + (gsize) k * stride - x_lo;
          int r = r_hi - k;

          for (int x = x_lo; x < grid_end; x++)
            {
              int v = col_of_x[x] != NULL ? (int) (col_of_x[x][r] * grid_scale * inv + 0.5) : 0;

              row[x] = col_of_x[x] != NULL ? lut[CLAMP (v, 0, 255)] : empty;
            }
        }
      cairo_surface_mark_dirty (surface);

      pattern = cairo_pattern_create_for_surface (surface);
      cairo_matrix_init (&matrix, 1, 0, 0, b, -x_lo, r_hi + 1 - a);
      cairo_pattern_set_matrix (pattern, &matrix);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
      /* Rounding in pixman's fixed point may reach half a row past the image. */
      cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
      cairo_set_source (cr, pattern);
      for (int y = y_lo; y < y_hi;)
        {
          /* The runs of pixel rows that have a grid row. */
          int y1 = y;

          if (row_of_y[y] < 0)
            {
              y++;
              continue;
            }
          while (y1 < y_hi && row_of_y[y1] >= 0)
            y1++;
          cairo_rectangle (cr, x_lo, y, gw, y1 - y);
          y = y1;
        }
      cairo_fill (cr);
      cairo_pattern_destroy (pattern);
      cairo_surface_destroy (surface);
    }
  if (live != NULL && x_hi > MAX (live_x, x_lo))
    {
      /* Right of the last candle: one value per pixel row, 1:1. */
      int lx = MAX (live_x, x_lo), lw = x_hi - lx;

      surface = heat_surface_get (opaque ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32, lw, th);
      pixels = (guint32 *) (gpointer) cairo_image_surface_get_data (surface);
      stride = cairo_image_surface_get_stride (surface) / 4;
      cairo_surface_flush (surface);
      for (int y = y_lo; y < y_hi; y++)
        {
          guint32 *row = pixels + (gsize) (y - y_lo) * stride;
          int k = (int) (live[y] * inv + 0.5);
          guint32 v = lut[CLAMP (k, 0, 255)];

          for (int x = 0; x < lw; x++)
            row[x] = v;
        }
      cairo_surface_mark_dirty (surface);
      cairo_set_source_surface (cr, surface, lx, y_lo);
      cairo_rectangle (cr, lx, y_lo, lw, th);
      cairo_fill (cr);
      cairo_surface_destroy (surface);
    }
  cairo_destroy (cr);
  return max_value;
}

/* ------------------------------------------------------------------ EMA and plan */

static void
draw_ema (GtkSnapshot             *snapshot,
          PerpChartModel          *model,
          const PerpChartStyle    *style,
          const PerpViewportState *vp)
{
  const PerpChartColumn *cols;
  guint n;
  static const PerpChartColor colors[PERP_CHART_N_EMAS] = {
    PERP_CHART_COLOR_EMA_FAST, PERP_CHART_COLOR_EMA_MID, PERP_CHART_COLOR_EMA_SLOW,
  };

  cols = perp_chart_model_get_columns (model, vp, &n);
  if (n == 0)
    return;

  if (n > vp->plot_width / 3)
    {
      /* Dense (a point every few pixels or closer): a point every third pixel, each a
       * colour node from the previous value to its own, two pixels wide.  Stroking a
       * path of thousands of segments costs cairo several times as much, and a cairo
       * node of boxes costs as much again in its plot-sized temporary image. */
      push_plot_clip (snapshot, vp);
      for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
        {
          const double *ema = perp_chart_model_get_ema (model, e, NULL);
          double prev_y = NAN, prev_x = -G_MAXDOUBLE;

          for (guint i = 0; i < n; i++)
            {
              double v = ema[cols[i].last - 1];
              double x = floor (cols[i].x + cols[i].width / 2.0);
              double y;

              if (!isfinite (v))
                {
                  prev_y = NAN;
                  continue;
                }
              if (x - prev_x < 3 && i + 1 < n)
                continue;
              y = floor (perp_viewport_state_price_to_y (vp, v));
              if (isfinite (prev_y))
                {
                  double top = MIN (prev_y, y), bottom = MAX (prev_y, y);

                  /* The run spans from the previous point: no gaps, no overlaps
                   * beyond a pixel (the colours are opaque). */
                  fill (snapshot, &style->colors[colors[e]], prev_x, top, x - prev_x + 2, bottom - top + 2);
                }
              else
                fill (snapshot, &style->colors[colors[e]], x, y, 2, 2);
              prev_x = x;
              prev_y = y;
            }
        }
      gtk_snapshot_pop (snapshot);
      return;
    }

  {
    /* Sparse: one cairo node and one path per line (STYLE.md 4.4), bounded by the
     * lines' own box: the cairo renderer rasterises the node at its bounds' size. */
    double y0 = G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
    cairo_t *cr;

    for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
      {
        const double *ema = perp_chart_model_get_ema (model, e, NULL);

        for (guint i = 0; i < n; i++)
          if (isfinite (ema[cols[i].last - 1]))
            {
              double y = perp_viewport_state_price_to_y (vp, ema[cols[i].last - 1]);

              y0 = MIN (y0, y);
              y1 = MAX (y1, y);
            }
      }
    if (y0 > y1)
      return;
    y0 = MAX (0, floor (y0) - 2);
    y1 = MIN (vp->plot_height, ceil (y1) + 2);
    if (y1 <= y0)
      return;
    cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, y0, vp->plot_width, y1 - y0));

    cairo_set_line_width (cr, 1.5);
    cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
    /* Cairo's 4x4-sample rasteriser: a third of the cost of the default on these
     * thin lines, with no visible difference at 1.5 px. */
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
    for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
      {
        const double *ema = perp_chart_model_get_ema (model, e, NULL);
        gboolean pen = FALSE;

        for (guint i = 0; i < n; i++)
          {
            double v = ema[cols[i].last - 1];
            double x = cols[i].x + cols[i].width / 2.0;

            if (!isfinite (v))
              {
                pen = FALSE;
                continue;
              }
            if (pen)
              cairo_line_to (cr, x, perp_viewport_state_price_to_y (vp, v));
            else
              cairo_move_to (cr, x, perp_viewport_state_price_to_y (vp, v));
            pen = TRUE;
          }
        gdk_cairo_set_source_rgba (cr, &style->colors[colors[e]]);
        cairo_stroke (cr);
      }
    cairo_destroy (cr);
  }
}

static void
draw_plan (GtkSnapshot             *snapshot,
           PerpChartModel          *model,
           const PerpChartStyle    *style,
           const PerpViewportState *vp)
{
  const PerpPlan *plan = perp_chart_model_get_plan (model);
  double step = perp_chart_nice_price_step (vp->p1 - vp->p0, 200);
  int x0, x1;
  GdkRGBA risk, reward;
  double last_target;

  if (plan == NULL)
    return;
  x0 = MAX (0, perp_chart_x_of_time (vp, plan->time));
  x1 = vp->plot_width;
  if (x0 >= x1)
    return;

  risk = style->colors[PERP_CHART_COLOR_STOP];
  risk.alpha = 0.10f;
  reward = style->colors[PERP_CHART_COLOR_TARGET];
  reward.alpha = 0.10f;
  last_target = plan->n_targets > 0 ? plan->targets[MIN (plan->n_targets, PERP_PLAN_MAX_TARGETS) - 1].price : plan->entry;

  push_plot_clip (snapshot, vp);
  fill (snapshot, &risk, x0, MIN (y_of_price (vp, plan->entry), y_of_price (vp, plan->stop)),
        x1 - x0, abs (y_of_price (vp, plan->entry) - y_of_price (vp, plan->stop)));
  if (isfinite (last_target))
    fill (snapshot, &reward, x0, MIN (y_of_price (vp, plan->entry), y_of_price (vp, last_target)),
          x1 - x0, abs (y_of_price (vp, plan->entry) - y_of_price (vp, last_target)));

  {
    g_autofree char *p = perp_chart_format_price (plan->entry, step);
    g_autofree char *label = g_strdup_printf ("Entry %s", p);

    hline (snapshot, vp, &style->colors[PERP_CHART_COLOR_ENTRY], x0, x1, plan->entry, 2);
    queue_label (snapshot, style, vp, LABEL_PLAN, &style->colors[PERP_CHART_COLOR_ENTRY], &style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND],
                 x0 + 4, y_of_price (vp, plan->entry) - 1, 0, 1, label);
  }
  {
    g_autofree char *p = perp_chart_format_price (plan->stop, step);
    g_autofree char *label = g_strdup_printf ("Stop %s", p);

    hline (snapshot, vp, &style->colors[PERP_CHART_COLOR_STOP], x0, x1, plan->stop, 2);
    queue_label (snapshot, style, vp, LABEL_PLAN, &style->colors[PERP_CHART_COLOR_STOP], &style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND],
                 x0 + 4, y_of_price (vp, plan->stop) - 1, 0, 1, label);
  }
  for (guint i = 0; i < plan->n_targets && i < PERP_PLAN_MAX_TARGETS; i++)
    {
      const PerpTarget *t = &plan->targets[i];
      g_autofree char *p = NULL;
      g_autofree char *label = NULL;

      if (!isfinite (t->price))
        continue;
      p = perp_chart_format_price (t->price, step);
      label = g_strdup_printf ("%gR %s", round (t->r * 100) / 100, p);
      hline (snapshot, vp, &style->colors[PERP_CHART_COLOR_TARGET], x0, x1, t->price, 1);
      queue_label (snapshot, style, vp, LABEL_PLAN, &style->colors[PERP_CHART_COLOR_TARGET], &style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND],
                 x0 + 4, y_of_price (vp, t->price) - 1, 0, 1, label);
    }
  gtk_snapshot_pop (snapshot);
}

/* ------------------------------------------------------------------ dispatch */

static void
draw_layer (GtkSnapshot             *snapshot,
            int                      width,
            int                      height,
            PerpChartModel          *model,
            const PerpChartStyle    *style,
            const PerpViewportState *vp,
            PerpChartLayer           layer)
{
  switch (layer)
    {
    case PERP_CHART_LAYER_KILLZONES:
      draw_killzones (snapshot, model, style, vp);
      break;
    case PERP_CHART_LAYER_ZONES:
      draw_zones (snapshot, model, style, vp);
      break;
    case PERP_CHART_LAYER_HEATMAP:
      {
        double max_value = draw_heatmap_image (snapshot, model, style, vp);

        if (max_value > 0)
          {
            push_plot_clip (snapshot, vp);
            draw_legend (snapshot, style, vp, max_value);
            gtk_snapshot_pop (snapshot);
          }
      }
      break;
    case PERP_CHART_LAYER_VOLUME:
      draw_volume (snapshot, model, style, vp);
      break;
    case PERP_CHART_LAYER_FVG:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_FVG, fvg_cb);
      break;
    case PERP_CHART_LAYER_ORDER_BLOCKS:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_BLOCKS, block_cb);
      break;
    case PERP_CHART_LAYER_LEVELS:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_LEVELS, level_cb);
      break;
    case PERP_CHART_LAYER_LIQUIDITY:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_LIQUIDITY, liquidity_cb);
      break;
    case PERP_CHART_LAYER_FIBONACCI:
      draw_fibonacci (snapshot, model, style, vp);
      break;
    case PERP_CHART_LAYER_STRUCTURE:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_STRUCTURE, structure_cb);
      break;
    case PERP_CHART_LAYER_SWINGS:
      draw_objects (snapshot, model, style, vp, PERP_CHART_GROUP_SWINGS, swing_cb);
      break;
    case PERP_CHART_LAYER_EMA:
      draw_ema (snapshot, model, style, vp);
      break;
    case PERP_CHART_LAYER_PLAN:
      draw_plan (snapshot, model, style, vp);
      break;
    case PERP_CHART_N_LAYERS:
    default:
      g_return_if_reached ();
    }
}

/* One layer alone, its labels included (they overlap none of another layer's). */
void
perp_chart_draw_layer (GtkSnapshot             *snapshot,
                       int                      width,
                       int                      height,
                       PerpChartModel          *model,
                       const PerpChartStyle    *style,
                       const PerpViewportState *vp,
                       PerpChartLayer           layer)
{
  g_return_if_fail (GTK_IS_SNAPSHOT (snapshot));
  g_return_if_fail (model != NULL && style != NULL && vp != NULL);
  g_return_if_fail (layer < PERP_CHART_N_LAYERS);

  reset_labels (style);
  draw_layer (snapshot, width, height, model, style, vp, layer);
  flush_labels (snapshot, style);
}

void
perp_chart_draw_static (GtkSnapshot             *snapshot,
                        int                      width,
                        int                      height,
                        PerpChartModel          *model,
                        const PerpChartStyle    *style,
                        const PerpViewportState *vp,
                        const gboolean          *visible)
{
  double heat_max;

  g_return_if_fail (GTK_IS_SNAPSHOT (snapshot));
  g_return_if_fail (model != NULL && style != NULL && vp != NULL && visible != NULL);

  heat_max = 0;
  reset_labels (style);
  fill (snapshot, &style->colors[PERP_CHART_COLOR_BACKGROUND], 0, 0, width, height);
  /* The heatmap first: it is opaque (the background is baked into its pixels, which
   * lets cairo copy it rather than blend it), so the grid and the translucent bands
   * go over it. */
  if (visible[PERP_CHART_LAYER_HEATMAP])
    heat_max = draw_heatmap_image (snapshot, model, style, vp);
  draw_grid (snapshot, style, vp);
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    {
      /* Zones and blocks sit under the candles; lines and labels go on top. */
      if (l == PERP_CHART_LAYER_LEVELS)
        perp_chart_draw_candles (snapshot, width, height, model, style, vp);
      if (visible[l] && l != PERP_CHART_LAYER_HEATMAP)
        draw_layer (snapshot, width, height, model, style, vp, l);
    }
  if (heat_max > 0)
    {
      push_plot_clip (snapshot, vp);
      draw_legend (snapshot, style, vp, heat_max);
      gtk_snapshot_pop (snapshot);
    }
  /* Every layer's labels on top of all the drawing, the overlapping ones left out. */
  flush_labels (snapshot, style);
  perp_chart_draw_axes (snapshot, width, height, model, style, vp);
}

/* ------------------------------------------------------------------ crosshair */

/* The drawn column under plot x, or NULL. */
static const PerpChartColumn *
column_at (PerpChartModel          *model,
           const PerpViewportState *vp,
           double                   x)
{
  const PerpChartColumn *cols;
  guint n, lo = 0, hi;
  const PerpChartColumn *best = NULL;

  cols = perp_chart_model_get_columns (model, vp, &n);
  hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (cols[mid].x + cols[mid].width / 2.0 < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* The nearer of the two neighbours, within half a candle. */
  for (guint i = lo > 0 ? lo - 1 : 0; i <= lo && i < n; i++)
    if (best == NULL || fabs (cols[i].x + cols[i].width / 2.0 - x) < fabs (best->x + best->width / 2.0 - x))
      best = &cols[i];
  if (best != NULL)
    {
      double px = perp_chart_model_get_interval_ms (model) / (vp->t1 - vp->t0) * vp->plot_width;

      if (fabs (best->x + best->width / 2.0 - x) > MAX (px, 1.0))
        return NULL;
    }
  return best;
}

void
perp_chart_draw_crosshair (GtkSnapshot             *snapshot,
                           int                      width,
                           int                      height,
                           PerpChartModel          *model,
                           const PerpChartStyle    *style,
                           const PerpViewportState *vp,
                           const gboolean          *visible,
                           double                   x,
                           double                   y)
{
  const GdkRGBA *line = &style->colors[PERP_CHART_COLOR_CROSSHAIR];
  const GdkRGBA *fg = &style->colors[PERP_CHART_COLOR_FOREGROUND];
  const GdkRGBA *label_bg = &style->colors[PERP_CHART_COLOR_LABEL_BACKGROUND];
  const PerpChartColumn *c;
  g_autofree char *price = NULL;
  g_autofree char *when = NULL;
  double step;
  int ix = (int) floor (x), iy = (int) floor (y);

  if (x < 0 || y < 0 || x >= vp->plot_width || y >= vp->plot_height)
    return;

  fill (snapshot, line, ix, 0, 1, vp->plot_height);
  fill (snapshot, line, 0, iy, vp->plot_width, 1);

  step = perp_chart_nice_price_step (vp->p1 - vp->p0, 200);
  price = perp_chart_format_price (perp_viewport_state_y_to_price (vp, y + 0.5), step);
  text (snapshot, style, &style->colors[PERP_CHART_COLOR_BACKGROUND], line,
        vp->plot_width + 4, iy, 0, 0.5, price);
  when = perp_chart_format_time ((gint64) perp_viewport_state_x_to_time (vp, x), vp->utc, "%Y-%m-%d %H:%M");
  text (snapshot, style, &style->colors[PERP_CHART_COLOR_BACKGROUND], line,
        ix, vp->plot_height + 3, 0.5, 0, when);

  /* The readout: the candle (or the column's aggregate) under the pointer. */
  c = column_at (model, vp, x);
  if (c != NULL)
    {
      const gint64 *open_time = perp_candles_get_open_time (perp_chart_model_get_candles (model));
      /* About five significant digits: 43,210.5, 1.2345, 0.0012345. */
      double pstep = perp_chart_nice_price_step (fabs (c->close) * 1e-5 + 1e-12, 1);
      g_autofree char *t = perp_chart_format_time (open_time[c->first], vp->utc, "%Y-%m-%d %H:%M");
      g_autofree char *o = perp_chart_format_price (c->open, pstep);
      g_autofree char *h = perp_chart_format_price (c->high, pstep);
      g_autofree char *l = perp_chart_format_price (c->low, pstep);
      g_autofree char *cl = perp_chart_format_price (c->close, pstep);
      g_autofree char *v = format_volume (c->volume);
      GString *s = g_string_new (NULL);
      g_autofree char *readout = NULL;

      g_string_append_printf (s, "%s%s  O %s  H %s  L %s  C %s  V %s",
                              t, c->last - c->first > 1 ? " (+)" : "", o, h, l, cl, v);
      if (visible == NULL || visible[PERP_CHART_LAYER_EMA])
        for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
          {
            guint period;
            const double *ema = perp_chart_model_get_ema (model, e, &period);
            g_autofree char *ev = perp_chart_format_price (ema[c->last - 1], pstep);

            g_string_append_printf (s, "  EMA%u %s", period, ev);
          }
      readout = g_string_free (s, FALSE);
      text (snapshot, style, fg, label_bg, 8, 6, 0, 0, readout);
    }
}

/* ------------------------------------------------------------------ tooltips */

typedef struct
{
  double                     x;
  double                     y;
  const PerpChartSpan       *span;
  PerpStructureObject        object;
  gboolean                   found;
} HitTest;

static gboolean
hit_span (const PerpViewportState   *vp,
          const PerpChartSpan       *span,
          const PerpStructureObject *o,
          gint64                     interval,
          double                     x,
          double                     y)
{
  double x0, x1, y0, y1;

  switch ((PerpStructureKind) o->kind)
    {
    case PERP_STRUCTURE_FVG:
    case PERP_STRUCTURE_ORDER_BLOCK:
    case PERP_STRUCTURE_BREAKER:
      x0 = perp_chart_x_of_time (vp, span->start);
      x1 = span_x1 (vp, span, interval);
      y0 = y_of_price (vp, o->top);
      y1 = y_of_price (vp, o->bottom) + 1;
      return x >= x0 && x < x1 && y >= y0 && y < y1;
    case PERP_STRUCTURE_PIVOT_HIGH:
    case PERP_STRUCTURE_PIVOT_LOW:
      x0 = perp_chart_x_of_time (vp, span->start + interval / 2.0);
      y0 = y_of_price (vp, o->top) + (o->kind == PERP_STRUCTURE_PIVOT_HIGH ? -6 : 6);
      return fabs (x - x0) <= 5 && fabs (y - y0) <= 6;
    case PERP_STRUCTURE_BOS:
    case PERP_STRUCTURE_CHOCH:
    case PERP_STRUCTURE_EQUAL_HIGHS:
    case PERP_STRUCTURE_EQUAL_LOWS:
    case PERP_STRUCTURE_RANGE_HIGH:
    case PERP_STRUCTURE_RANGE_LOW:
      x0 = perp_chart_x_of_time (vp, span->start);
      x1 = span_x1 (vp, span, interval);
      y0 = y_of_price (vp, o->kind == PERP_STRUCTURE_EQUAL_LOWS ? o->bottom : o->top);
      return x >= x0 - 2 && x <= x1 + 2 && fabs (y - y0) <= 3;
    case PERP_STRUCTURE_N_KINDS:
    default:
      return FALSE;
    }
}

static char *
describe_object (const PerpStructure       *structure,
                 const PerpStructureObject *o,
                 gboolean                   utc)
{
  GString *s = g_string_new (NULL);
  g_autofree char *formed = perp_chart_format_time (o->formed_at, utc, "%Y-%m-%d %H:%M");
  g_autofree char *candle = perp_chart_format_time (o->candle_time, utc, "%Y-%m-%d %H:%M");
  double step = perp_chart_nice_price_step (fabs (o->top) * 1e-4 + 1e-12, 1);
  g_autofree char *top = perp_chart_format_price (o->top, step);
  g_autofree char *bottom = perp_chart_format_price (o->bottom, step);
  const char *zone = utc ? " UTC" : "";
  gboolean any = FALSE;

  g_string_append_printf (s, "%s %s", o->direction > 0 ? "Bullish" : "Bearish",
                          perp_structure_kind_name (o->kind));
  if (o->depth != PERP_STRUCTURE_DEPTH_NONE)
    g_string_append_printf (s, " (%s)", perp_structure_depth_name (o->depth));
  if (o->source != PERP_STRUCTURE_SOURCE_NONE)
    g_string_append_printf (s, " of the %s", perp_structure_source_name (structure, o->source));
  if (o->top != o->bottom)
    g_string_append_printf (s, "\n%s – %s", bottom, top);
  else
    g_string_append_printf (s, "\nat %s", top);
  g_string_append_printf (s, "\nCandle %s%s\nFormed %s%s", candle, zone, formed, zone);
  for (guint e = 0; e < PERP_STRUCTURE_N_EVENTS; e++)
    if (o->event_time[e] >= 0)
      {
        g_autofree char *when = perp_chart_format_time (o->event_time[e], utc, "%Y-%m-%d %H:%M");

        g_string_append_printf (s, "\n%s %s%s", perp_structure_event_name (e), when, zone);
        any = TRUE;
      }
  if (!any)
    g_string_append (s, "\nactive");
  return g_string_free (s, FALSE);
}

char *
perp_chart_describe_at (PerpChartModel          *model,
                        const PerpViewportState *vp,
                        const gboolean          *visible,
                        double                   x,
                        double                   y)
{
  static const struct { PerpChartLayer layer; PerpChartGroup group; } order[] = {
    /* Topmost first, as drawn. */
    { PERP_CHART_LAYER_SWINGS, PERP_CHART_GROUP_SWINGS },
    { PERP_CHART_LAYER_STRUCTURE, PERP_CHART_GROUP_STRUCTURE },
    { PERP_CHART_LAYER_LIQUIDITY, PERP_CHART_GROUP_LIQUIDITY },
    { PERP_CHART_LAYER_LEVELS, PERP_CHART_GROUP_LEVELS },
    { PERP_CHART_LAYER_ORDER_BLOCKS, PERP_CHART_GROUP_BLOCKS },
    { PERP_CHART_LAYER_FVG, PERP_CHART_GROUP_FVG },
  };
  const PerpStructure *structure;
  const PerpStructureObject *objects;
  guint n_objects;
  gint64 interval, cutoff;
  double t;

  g_return_val_if_fail (model != NULL && vp != NULL && visible != NULL, NULL);

  structure = perp_chart_model_get_structure (model);
  if (structure == NULL || x < 0 || y < 0 || x >= vp->plot_width || y >= vp->plot_height)
    return NULL;
  objects = perp_structure_get_objects (structure, &n_objects);
  interval = perp_chart_model_get_interval_ms (model);
  cutoff = perp_chart_model_get_cutoff (model);
  t = perp_viewport_state_x_to_time (vp, x);

  for (guint g = 0; g < G_N_ELEMENTS (order); g++)
    {
      if (!visible[order[g].layer])
        continue;
      for (int open = 1; open >= 0; open--)
        {
          const PerpChartSpan *spans;
          guint n;

          spans = perp_chart_model_get_spans (model, order[g].group, open, &n);
          for (guint i = spans_upper_bound (spans, n, (gint64) ceil (t) + interval); i-- > 0;)
            {
              PerpStructureObject o;

              if (!open && spans[i].end < t - 2 * interval
                  && perp_chart_model_get_span_max_end (model, order[g].group)[i] < t - 2 * interval)
                break;
              perp_structure_object_as_of (&objects[spans[i].id], cutoff, &o);
              if (hit_span (vp, &spans[i], &o, interval, x, y))
                return describe_object (structure, &o, vp->utc);
            }
        }
    }
  return NULL;
}
