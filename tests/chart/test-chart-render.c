/* test-chart-render.c: the chart's drawing, display-free, against golden PNGs
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every layer is drawn with the plain functions of perp-chart-render.h into a
 * GtkSnapshot and rendered with the cairo renderer, with no display and a pinned font
 * (STYLE.md 6a).  PERP_UPDATE_GOLDENS=1 writes the goldens instead of comparing.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "chart-test-scene.h"

#define WIDTH  1000
#define HEIGHT 560
/* Per channel; cairo output is byte-identical run to run on one machine, this leaves
 * room for a different pixman or freetype build. */
#define TOLERANCE 8
/* Pixels allowed beyond the tolerance (text edges), per image. */
#define MAX_BAD_PIXELS 40

static PangoContext *pango_context;
static GskRenderer *renderer;

typedef struct
{
  guchar *data;  /* premultiplied B8G8R8A8 as downloaded */
  int     width;
  int     height;
} Image;

static void
image_free (Image *image)
{
  g_free (image->data);
  g_free (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Image, image_free)

static void
image_pixel (const Image *image,
             int          x,
             int          y,
             guchar       rgba[4])
{
  const guchar *p;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, image->width);
  g_assert_cmpint (y, <, image->height);
  p = image->data + ((gsize) y * image->width + x) * 4;
  /* gdk_texture_download: GDK_MEMORY_DEFAULT, B8G8R8A8 premultiplied on little endian. */
  rgba[0] = p[2];
  rgba[1] = p[1];
  rgba[2] = p[0];
  rgba[3] = p[3];
}

static PerpChartStyle *
test_style (void)
{
  PerpChartStyle *style = g_new0 (PerpChartStyle, 1);
  PangoFontDescription *font = pango_font_description_from_string ("DejaVu Sans 8");
  g_autoptr(PangoLayout) layout = pango_layout_new (pango_context);

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  perp_chart_style_init (style, layout, FALSE);
  return style;
}

static void
style_free (PerpChartStyle *style)
{
  perp_chart_style_clear (style);
  g_free (style);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpChartStyle, style_free)

/* The last 240 candles and a few empty ones on the right. */
static void
test_viewport (ChartScene        *scene,
               PerpViewportState *vp)
{
  const gint64 *t = perp_candles_get_open_time (scene->candles);
  guint n = perp_candles_get_length (scene->candles);
  gint64 interval = perp_chart_model_get_interval_ms (scene->model);

  memset (vp, 0, sizeof *vp);
  perp_chart_viewport_layout (vp, WIDTH, HEIGHT);
  vp->t0 = t[n - 240];
  vp->t1 = t[n - 1] + 6 * interval;
  vp->interval_ms = interval;
  vp->utc = TRUE;
  g_assert_true (perp_chart_autoscale (scene->model, vp));
}

static Image *
render_node (GskRenderNode *node)
{
  g_autoptr(GdkTexture) texture = NULL;
  Image *image = g_new0 (Image, 1);

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, WIDTH, HEIGHT));
  image->width = gdk_texture_get_width (texture);
  image->height = gdk_texture_get_height (texture);
  image->data = g_malloc ((gsize) image->width * image->height * 4);
  gdk_texture_download (texture, image->data, (gsize) image->width * 4);
  return image;
}

/* A node that is never empty, so the renderer always gets WIDTH x HEIGHT. */
static GskRenderNode *
finish (GtkSnapshot *snapshot)
{
  GdkRGBA clear = { 0, 0, 0, 0 };

  gtk_snapshot_append_color (snapshot, &clear, &GRAPHENE_RECT_INIT (0, 0, WIDTH, HEIGHT));
  return gtk_snapshot_free_to_node (snapshot);
}

/* The whole chart with the given layers on. */
static Image *
render_chart (ChartScene           *scene,
              const PerpChartStyle *style,
              const gboolean       *visible)
{
  PerpViewportState vp;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  test_viewport (scene, &vp);
  perp_chart_draw_static (snapshot, WIDTH, HEIGHT, scene->model, style, &vp, visible);
  node = finish (snapshot);
  return render_node (node);
}

/* One layer's drawing alone, on a transparent canvas: its footprint. */
static Image *
render_layer (ChartScene           *scene,
              const PerpChartStyle *style,
              PerpChartLayer        layer)
{
  PerpViewportState vp;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GdkRGBA clear = { 0, 0, 0, 0 };

  test_viewport (scene, &vp);
  gtk_snapshot_append_color (snapshot, &clear, &GRAPHENE_RECT_INIT (0, 0, WIDTH, HEIGHT));
  perp_chart_draw_layer (snapshot, WIDTH, HEIGHT, scene->model, style, &vp, layer);
  node = gtk_snapshot_free_to_node (snapshot);
  return render_node (node);
}

static void
save_png (const Image *image,
          const char  *path)
{
  g_autoptr(GBytes) bytes = g_bytes_new (image->data, (gsize) image->width * image->height * 4);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (image->width, image->height,
                                                          GDK_MEMORY_DEFAULT, bytes,
                                                          (gsize) image->width * 4);

  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static void
compare_golden (const Image *image,
                const char  *name)
{
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "golden", "chart", file, NULL);
  g_autoptr(GdkTexture) golden = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *expected = NULL;
  guint bad = 0;
  int worst = 0;

  if (g_strcmp0 (g_getenv ("PERP_UPDATE_GOLDENS"), "1") == 0)
    {
      save_png (image, path);
      g_test_message ("wrote %s", path);
      return;
    }

  golden = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (golden), ==, image->width);
  g_assert_cmpint (gdk_texture_get_height (golden), ==, image->height);
  expected = g_malloc ((gsize) image->width * image->height * 4);
  gdk_texture_download (golden, expected, (gsize) image->width * 4);

  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      int d = 0;

      for (int c = 0; c < 4; c++)
        d = MAX (d, abs ((int) image->data[i * 4 + c] - (int) expected[i * 4 + c]));
      worst = MAX (worst, d);
      if (d > TOLERANCE)
        bad++;
    }

  if (bad > MAX_BAD_PIXELS)
    {
      g_autofree char *actual_file = g_strdup_printf ("actual-%s.png", name);
      g_autofree char *actual = g_test_build_filename (G_TEST_BUILT, actual_file, NULL);

      save_png (image, actual);
      g_test_message ("%s: %u pixels differ by more than %d (worst %d); wrote %s",
                      name, bad, TOLERANCE, worst, actual);
      g_test_fail ();
    }
}

static void
all_visible (gboolean *visible,
             gboolean  on)
{
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    visible[l] = on;
}

/* ------------------------------------------------------------------ goldens */

static void
test_golden_layers (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];

  all_visible (visible, FALSE);
  {
    g_autoptr(Image) image = render_chart (scene, style, visible);

    compare_golden (image, "chart-candles");
  }
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    {
      g_autofree char *name = g_strdup_printf ("chart-%s", perp_chart_layer_name (l));
      g_autoptr(Image) image = NULL;

      all_visible (visible, FALSE);
      visible[l] = TRUE;
      image = render_chart (scene, style, visible);
      compare_golden (image, name);
    }
  all_visible (visible, TRUE);
  {
    g_autoptr(Image) image = render_chart (scene, style, visible);

    compare_golden (image, "chart-all");
  }
}

static void
test_golden_dark (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];
  g_autoptr(Image) image = NULL;

  perp_chart_colors_init (style->colors, TRUE);
  all_visible (visible, TRUE);
  image = render_chart (scene, style, visible);
  compare_golden (image, "chart-all-dark");
}

/* ------------------------------------------------------------------ structural facts */

static gboolean
same_rgb (const guchar   px[4],
          const GdkRGBA *color,
          int            tolerance)
{
  return abs (px[0] - (int) lround (color->red * 255)) <= tolerance
         && abs (px[1] - (int) lround (color->green * 255)) <= tolerance
         && abs (px[2] - (int) lround (color->blue * 255)) <= tolerance;
}

/* The uncached part: a live candle and the crosshair with its readout. */
static void
test_golden_crosshair (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];
  PerpViewportState vp;
  PerpCandle forming, last;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(Image) image = NULL;
  guchar px[4];

  perp_candles_get_candle (candles, 299, &last);
  perp_candle_init (&forming, last.open_time + PERP_MS_PER_HOUR, last.close, last.close + 150,
                    last.close - 40, last.close + 120, 900);
  perp_chart_model_set_forming (scene->model, &forming);
  all_visible (visible, FALSE);
  visible[PERP_CHART_LAYER_EMA] = TRUE;
  test_viewport (scene, &vp);
  perp_chart_draw_static (snapshot, WIDTH, HEIGHT, scene->model, style, &vp, visible);
  perp_chart_draw_forming (snapshot, WIDTH, HEIGHT, scene->model, style, &vp);
  perp_chart_draw_crosshair (snapshot, WIDTH, HEIGHT, scene->model, style, &vp, visible, 600.5, 250.5);
  node = finish (snapshot);
  image = render_node (node);
  compare_golden (image, "chart-crosshair");

  /* The live candle's body is bullish, at its own slot right of the last candle. */
  image_pixel (image,
               (int) floor ((forming.open_time + PERP_MS_PER_HOUR / 2.0 - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width),
               (int) floor ((vp.p1 - (forming.open + forming.close) / 2) / (vp.p1 - vp.p0) * vp.plot_height),
               px);
  g_assert_true (same_rgb (px, &style->colors[PERP_CHART_COLOR_BULL], 1));
}

/* The body's middle pixel has the candle's colour; positions from the viewport
 * mapping written out here, not the chart's. */
static void
test_candle_colours (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];
  g_autoptr(Image) image = NULL;
  PerpViewportState vp;
  const gint64 *t = perp_candles_get_open_time (candles);
  const double *open = perp_candles_get_open (candles);
  const double *close = perp_candles_get_close (candles);
  guint n = perp_candles_get_length (candles);
  guint checked_bull = 0, checked_bear = 0;

  all_visible (visible, FALSE);
  image = render_chart (scene, style, visible);
  test_viewport (scene, &vp);

  for (guint i = n - 240; i < n; i++)
    {
      double xc = (t[i] + vp.interval_ms / 2.0 - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width;
      double yo = (vp.p1 - open[i]) / (vp.p1 - vp.p0) * vp.plot_height;
      double yc = (vp.p1 - close[i]) / (vp.p1 - vp.p0) * vp.plot_height;
      guchar px[4];

      if (fabs (yo - yc) < 6)
        continue;  /* too thin to have a clear middle */
      image_pixel (image, (int) floor (xc), (int) floor ((yo + yc) / 2), px);
      if (close[i] > open[i])
        {
          g_assert_true (same_rgb (px, &style->colors[PERP_CHART_COLOR_BULL], 1));
          checked_bull++;
        }
      else
        {
          g_assert_true (same_rgb (px, &style->colors[PERP_CHART_COLOR_BEAR], 1));
          checked_bear++;
        }
    }
  g_assert_cmpuint (checked_bull, >, 20);
  g_assert_cmpuint (checked_bear, >, 20);
}

/* An FVG box runs from its candle's left edge to the end of the candle that filled it,
 * in the mitigated colour, and an unfilled one to the plot's right edge.  The objects
 * come from the engine; the chart's own span lists are not used. */
static void
test_fvg_extent (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  g_autoptr(Image) image = NULL;
  PerpViewportState vp;
  const PerpStructureObject *objects;
  guint n_objects, mitigated_checked = 0, open_checked = 0;

  image = render_layer (scene, style, PERP_CHART_LAYER_FVG);
  test_viewport (scene, &vp);
  objects = perp_structure_get_objects (scene->structure, &n_objects);

  for (guint i = 0; i < n_objects; i++)
    {
      const PerpStructureObject *o = &objects[i];
      gint64 end = o->event_time[PERP_STRUCTURE_EVENT_MITIGATED];
      double xs, xe, ym;
      int x0, x1, y;
      gboolean clean = TRUE;
      guchar px[4];

      if (o->kind != PERP_STRUCTURE_FVG || o->event_time[PERP_STRUCTURE_EVENT_MERGED] >= 0)
        continue;
      xs = (o->candle_time - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width;
      xe = end >= 0 ? (end + vp.interval_ms - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width : vp.plot_width;
      ym = (vp.p1 - (o->top + o->bottom) / 2) / (vp.p1 - vp.p0) * vp.plot_height;
      x0 = (int) floor (xs);
      x1 = (int) floor (xe);
      y = (int) floor (ym);
      if (x0 < 2 || x1 - x0 < 6 || (o->top - o->bottom) / (vp.p1 - vp.p0) * vp.plot_height < 3)
        continue;

      /* Skip boxes another gap overlaps near their edges on this row. */
      for (guint j = 0; j < n_objects && clean; j++)
        {
          const PerpStructureObject *q = &objects[j];
          gint64 qe = q->event_time[PERP_STRUCTURE_EVENT_MITIGATED];
          double qs, qx;
          double price = (o->top + o->bottom) / 2;

          if (j == i || q->kind != PERP_STRUCTURE_FVG)
            continue;
          qs = (q->candle_time - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width;
          qx = qe >= 0 ? (qe + vp.interval_ms - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width : vp.plot_width + 2;
          if (q->bottom - 1e-9 <= price + (vp.p1 - vp.p0) / vp.plot_height * 2
              && q->top + 1e-9 >= price - (vp.p1 - vp.p0) / vp.plot_height * 2
              && qs <= xe + 2 && qx >= xs - 2)
            clean = FALSE;
        }
      if (!clean)
        continue;

      /* Inside: covered, at both ends; outside: untouched. */
      image_pixel (image, x0, y, px);
      g_assert_cmpint (px[3], >, 0);
      image_pixel (image, x0 - 1, y, px);
      g_assert_cmpint (px[3], ==, 0);
      if (end >= 0)
        {
          const GdkRGBA *c = &style->colors[PERP_CHART_COLOR_FVG_MITIGATED];

          image_pixel (image, x1 - 1, y, px);
          g_assert_cmpint (px[3], >, 0);
          if (x1 < vp.plot_width)
            {
              image_pixel (image, x1, y, px);
              g_assert_cmpint (px[3], ==, 0);
            }
          image_pixel (image, (x0 + x1) / 2, y, px);
          g_assert_cmpint (abs (px[3] - (int) lround (c->alpha * 255)), <=, 1);
          mitigated_checked++;
        }
      else
        {
          const GdkRGBA *c = &style->colors[o->direction > 0 ? PERP_CHART_COLOR_FVG_BULL : PERP_CHART_COLOR_FVG_BEAR];

          image_pixel (image, vp.plot_width - 1, y, px);
          g_assert_cmpint (px[3], >, 0);
          /* Premultiplied: the red channel over alpha gives the fill's red. */
          g_assert_cmpint (abs (px[0] - (int) lround (c->red * c->alpha * 255)), <=, 1);
          open_checked++;
        }
    }
  g_test_message ("checked %u filled and %u open gaps", mitigated_checked, open_checked);
  g_assert_cmpuint (mitigated_checked + open_checked, >=, 3);
}

static gboolean
in_label (GArray *boxes,
          int     x,
          int     y)
{
  for (guint i = 0; i < boxes->len; i++)
    {
      const graphene_rect_t *r = &g_array_index (boxes, graphene_rect_t, i);

      if (x >= r->origin.x && x < r->origin.x + r->size.width
          && y >= r->origin.y && y < r->origin.y + r->size.height)
        return TRUE;
    }
  return FALSE;
}

/* Turning a layer off changes nothing outside the pixels that layer draws, except
 * where a label of another layer that the layer's own labels had crowded out now
 * shows: only inside label boxes placed in one of the two frames. */
static void
test_layer_off_unchanged (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];
  g_autoptr(Image) all = NULL;
  g_autoptr(GArray) all_labels = NULL;

  all_visible (visible, TRUE);
  all = render_chart (scene, style, visible);
  all_labels = g_array_copy (style->labels);
  g_assert_cmpuint (all_labels->len, >, 10);

  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    {
      g_autoptr(Image) without = NULL;
      g_autoptr(Image) footprint = NULL;
      g_autoptr(GArray) without_labels = NULL;
      guint changed = 0, footprint_px = 0, relabelled = 0;

      all_visible (visible, TRUE);
      visible[l] = FALSE;
      without = render_chart (scene, style, visible);
      without_labels = g_array_copy (style->labels);
      footprint = render_layer (scene, style, l);

      for (gsize i = 0; i < (gsize) WIDTH * HEIGHT; i++)
        {
          gboolean drawn = footprint->data[i * 4 + 3] != 0;
          gboolean differs = memcmp (all->data + i * 4, without->data + i * 4, 4) != 0;

          footprint_px += drawn;
          if (differs)
            {
              int x = (int) (i % WIDTH), y = (int) (i / WIDTH);

              /* Anything that differs must lie under the layer's own drawing, or
               * in a label box of either frame. */
              if (!drawn && (in_label (all_labels, x, y) || in_label (without_labels, x, y)))
                relabelled++;
              else if (!drawn)
                {
                  g_test_message ("layer %s changed pixel (%d, %d) it does not draw",
                                  perp_chart_layer_name (l), (int) (i % WIDTH), (int) (i / WIDTH));
                  g_assert_not_reached ();
                }
              changed++;
            }
        }
      g_test_message ("%s: draws %u pixels, %u visible in the full chart, %u of other labels",
                      perp_chart_layer_name (l), footprint_px, changed, relabelled);
      g_assert_cmpuint (footprint_px, >, 0);
      g_assert_cmpuint (changed, >, 0);
    }
}

/* The chart shows what was known at its last candle: with an engine that has run 60
 * candles further (a replay, say), the structure layers draw exactly what an engine
 * stopped at the chart's last candle draws. */
static void
test_causal_cutoff (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(PerpCandles) prefix = chart_scene_prefix (candles, 240);
  g_autoptr(ChartScene) ahead = chart_scene_new (prefix, G_MAXUINT);
  g_autoptr(ChartScene) exact = NULL;
  g_autoptr(PerpChartStyle) style = test_style ();
  PerpStructureConfig config;
  g_autoptr(GError) error = NULL;
  static const PerpChartLayer layers[] = {
    PERP_CHART_LAYER_FVG, PERP_CHART_LAYER_ORDER_BLOCKS, PERP_CHART_LAYER_LEVELS,
    PERP_CHART_LAYER_LIQUIDITY, PERP_CHART_LAYER_STRUCTURE, PERP_CHART_LAYER_SWINGS,
    PERP_CHART_LAYER_FIBONACCI, PERP_CHART_LAYER_ZONES,
  };
  guint n_ahead = 0, n_exact = 0;

  /* Replace the first scene's engine by one that has seen all 300 candles. */
  perp_structure_config_init (&config);
  g_clear_pointer (&ahead->structure, perp_structure_free);
  ahead->structure = perp_structure_new (&config, perp_candles_get_interval (candles), &error);
  g_assert_no_error (error);
  perp_structure_push_candles (ahead->structure, candles, 0, 300, &error);
  g_assert_no_error (error);
  perp_chart_model_set_data (ahead->model, prefix, ahead->structure);
  exact = chart_scene_new (prefix, 240);

  perp_structure_get_objects (ahead->structure, &n_ahead);
  perp_structure_get_objects (exact->structure, &n_exact);
  g_assert_cmpuint (n_ahead, >, n_exact);

  for (guint k = 0; k < G_N_ELEMENTS (layers); k++)
    {
      g_autoptr(Image) a = render_layer (ahead, style, layers[k]);
      g_autoptr(Image) b = render_layer (exact, style, layers[k]);

      if (layers[k] == PERP_CHART_LAYER_FIBONACCI || layers[k] == PERP_CHART_LAYER_ZONES)
        {
          /* The reading is the engine's latest: an engine ahead draws none. */
          for (gsize i = 0; i < (gsize) WIDTH * HEIGHT; i++)
            g_assert_cmpint (a->data[i * 4 + 3], ==, 0);
          continue;
        }
      if (memcmp (a->data, b->data, (gsize) WIDTH * HEIGHT * 4) != 0)
        {
          g_test_message ("layer %s differs", perp_chart_layer_name (layers[k]));
          g_test_fail ();
        }
    }
}

/* Every layer on: the plot labels placed overlap none other (a pixel of air between
 * them) and lie wholly inside the plot; and more than a handful got a place. */
static void
test_labels_apart (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  gboolean visible[PERP_CHART_N_LAYERS];
  g_autoptr(Image) image = NULL;
  PerpViewportState vp;
  GArray *boxes;

  all_visible (visible, TRUE);
  image = render_chart (scene, style, visible);
  test_viewport (scene, &vp);
  boxes = style->labels;
  g_assert_cmpuint (boxes->len, >=, 10);
  for (guint i = 0; i < boxes->len; i++)
    {
      const graphene_rect_t *a = &g_array_index (boxes, graphene_rect_t, i);

      g_assert_cmpfloat (a->origin.x, >=, 0);
      g_assert_cmpfloat (a->origin.y, >=, 0);
      g_assert_cmpfloat (a->origin.x + a->size.width, <=, vp.plot_width);
      g_assert_cmpfloat (a->origin.y + a->size.height, <=, vp.plot_height);
      for (guint j = 0; j < i; j++)
        {
          const graphene_rect_t *b = &g_array_index (boxes, graphene_rect_t, j);
          gboolean apart = a->origin.x >= b->origin.x + b->size.width + 1
                           || b->origin.x >= a->origin.x + a->size.width + 1
                           || a->origin.y >= b->origin.y + b->size.height + 1
                           || b->origin.y >= a->origin.y + a->size.height + 1;

          if (!apart)
            g_test_message ("labels %u (%g, %g %gx%g) and %u (%g, %g %gx%g) overlap",
                            i, a->origin.x, a->origin.y, a->size.width, a->size.height,
                            j, b->origin.x, b->origin.y, b->size.width, b->size.height);
          g_assert_true (apart);
        }
    }
}

/* Whether the rectangle [x0, x1) x [y0, y1) of @image is all of one colour. */
static gboolean
plain (const Image   *image,
       const GdkRGBA *color,
       int            x0,
       int            y0,
       int            x1,
       int            y1)
{
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        guchar px[4];

        image_pixel (image, x, y, px);
        if (!same_rgb (px, color, 2))
          return FALSE;
      }
  return TRUE;
}

/* A time tick 3 px inside either end of the plot, or a price tick 2 px inside its top
 * or bottom: their labels would cross the plot's edge, so the axis strip next to the
 * edge stays plain.  The tick positions are worked out here from the tick ladders. */
static void
test_axis_edges (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  g_autoptr(PerpChartStyle) style = test_style ();
  const GdkRGBA *axis_bg = &style->colors[PERP_CHART_COLOR_AXIS_BACKGROUND];
  gboolean visible[PERP_CHART_N_LAYERS];
  PerpViewportState base;
  double ms_per_px, range, step;
  gint64 tstep, tick;

  all_visible (visible, FALSE);
  test_viewport (scene, &base);
  ms_per_px = (base.t1 - base.t0) / base.plot_width;
  tstep = perp_chart_nice_time_step (ms_per_px, 90);
  tick = ((gint64) base.t0 / tstep + 2) * tstep;  /* UTC: ticks on multiples */
  range = base.p1 - base.p0;
  step = perp_chart_nice_price_step (range, MAX (2, base.plot_height / 48));

  for (int edge = 0; edge < 4; edge++)
    {
      PerpViewportState vp = base;
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(Image) image = NULL;
      double p = ceil ((base.p0 + base.p1) / 2 / step) * step;

      switch (edge)
        {
        case 0:  /* a day tick at x = 3 */
          vp.t0 = tick - 3.5 * ms_per_px;
          vp.t1 = vp.t0 + (base.t1 - base.t0);
          break;
        case 1:  /* ... and at plot_width - 3 */
          vp.t1 = tick + (3.5 - 1) * ms_per_px;
          vp.t0 = vp.t1 - (base.t1 - base.t0);
          vp.t1 = vp.t0 + (base.t1 - base.t0);
          break;
        case 2:  /* a price tick at y = 2 */
          vp.p1 = p + 2.5 * range / vp.plot_height;
          vp.p0 = vp.p1 - range;
          break;
        default:  /* ... and at plot_height - 2 */
          vp.p0 = p - 2.5 * range / vp.plot_height;
          vp.p1 = vp.p0 + range;
          break;
        }
      perp_chart_draw_static (snapshot, WIDTH, HEIGHT, scene->model, style, &vp, visible);
      node = finish (snapshot);
      image = render_node (node);
      switch (edge)
        {
        case 0:
          g_assert_true (plain (image, axis_bg, 0, vp.plot_height + 5, 3, HEIGHT));
          break;
        case 1:
          g_assert_true (plain (image, axis_bg, vp.plot_width - 3, vp.plot_height + 5, vp.plot_width, HEIGHT));
          break;
        case 2:
          g_assert_true (plain (image, axis_bg, vp.plot_width + 5, 0, WIDTH, 2));
          break;
        default:
          g_assert_true (plain (image, axis_bg, vp.plot_width + 5, vp.plot_height - 2, WIDTH, vp.plot_height));
          break;
        }
    }
}

/* ------------------------------------------------------------------ model */

/* Pyramid aggregates against a plain scan, over every span of a few lengths. */
static void
test_pyramid (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  PerpChartModel *model = perp_chart_model_new ();
  const double *o = perp_candles_get_open (candles);
  const double *h = perp_candles_get_high (candles);
  const double *l = perp_candles_get_low (candles);
  const double *c = perp_candles_get_close (candles);
  const double *v = perp_candles_get_volume (candles);
  guint n = perp_candles_get_length (candles);

  perp_chart_model_set_data (model, candles, NULL);
  for (guint a = 0; a < n; a += 7)
    for (guint b = a + 1; b <= n; b += 13)
      {
        PerpChartColumn col;
        double hi = -G_MAXDOUBLE, lo = G_MAXDOUBLE, vol = 0;

        for (guint i = a; i < b; i++)
          {
            hi = MAX (hi, h[i]);
            lo = MIN (lo, l[i]);
            vol += v[i];
          }
        perp_chart_model_aggregate (model, a, b, &col);
        g_assert_cmpfloat (col.open, ==, o[a]);
        g_assert_cmpfloat (col.close, ==, c[b - 1]);
        g_assert_cmpfloat (col.high, ==, hi);
        g_assert_cmpfloat (col.low, ==, lo);
        g_assert_cmpfloat_with_epsilon (col.volume, vol, vol * 1e-12);
      }
  perp_chart_model_free (model);
}

/* Growing a candle at a time (perp_chart_data_changed) gives the model a fresh one
 * gets from the whole series: pyramid, EMAs, killzones and object spans. */
static void
test_incremental (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(PerpCandles) growing = chart_scene_prefix (candles, 150);
  PerpChartModel *fresh = perp_chart_model_new ();
  PerpChartModel *model = perp_chart_model_new ();
  PerpStructureConfig config;
  g_autoptr(PerpStructure) structure = NULL;
  g_autoptr(GError) error = NULL;
  guint n_a, n_b;
  const PerpChartWindow *wa, *wb;

  perp_structure_config_init (&config);
  structure = perp_structure_new (&config, PERP_INTERVAL_1H, &error);
  g_assert_no_error (error);
  perp_structure_push_candles (structure, growing, 0, 150, &error);
  g_assert_no_error (error);
  perp_chart_model_set_data (model, growing, structure);
  for (guint i = 150; i < 300; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      g_assert_true (perp_candles_append (growing, &c, &error));
      g_assert_true (perp_structure_push (structure, &c, &error));
      perp_chart_model_data_changed (model);
    }
  perp_chart_model_set_data (fresh, candles, structure);

  for (guint a = 0; a < 300; a += 11)
    for (guint b = a + 1; b <= 300; b += 17)
      {
        PerpChartColumn x, y;

        perp_chart_model_aggregate (model, a, b, &x);
        perp_chart_model_aggregate (fresh, a, b, &y);
        g_assert_cmpmem (&x.open, 5 * sizeof (double), &y.open, 5 * sizeof (double));
      }
  for (guint e = 0; e < PERP_CHART_N_EMAS; e++)
    g_assert_cmpmem (perp_chart_model_get_ema (model, e, NULL), 300 * sizeof (double),
                     perp_chart_model_get_ema (fresh, e, NULL), 300 * sizeof (double));
  wa = perp_chart_model_get_killzones (model, &n_a);
  wb = perp_chart_model_get_killzones (fresh, &n_b);
  /* The growing model computed its first days from a shorter series: the fresh one's
   * windows are a subset, in the same order. */
  g_assert_cmpuint (n_a, >=, n_b);
  for (guint i = 0, j = 0; j < n_b; i++)
    {
      g_assert_cmpuint (i, <, n_a);
      if (wa[i].start == wb[j].start && wa[i].zone == wb[j].zone)
        {
          g_assert_cmpint (wa[i].end, ==, wb[j].end);
          j++;
        }
    }
  for (guint g = 0; g < PERP_CHART_N_GROUPS; g++)
    for (int open = 0; open < 2; open++)
      {
        const PerpChartSpan *sa = perp_chart_model_get_spans (model, g, open, &n_a);
        const PerpChartSpan *sb = perp_chart_model_get_spans (fresh, g, open, &n_b);

        g_assert_cmpuint (n_a, ==, n_b);
        g_assert_cmpmem (sa, n_a * sizeof *sa, sb, n_b * sizeof *sb);
        if (!open)
          {
            /* Each block maximum is the latest end of its run of closed spans. */
            const gint64 *block = perp_chart_model_get_span_block_max_end (model, g);

            for (guint i = 0; i < n_a; i += PERP_CHART_SPAN_BLOCK)
              {
                gint64 expected = G_MININT64;

                for (guint j = i; j < MIN (n_a, i + PERP_CHART_SPAN_BLOCK); j++)
                  expected = MAX (expected, sa[j].end);
                g_assert_cmpint (block[i / PERP_CHART_SPAN_BLOCK], ==, expected);
              }
          }
      }
  perp_chart_model_free (model);
  perp_chart_model_free (fresh);
}

/* Zoomed out, one drawn column per pixel at most, and together they cover every
 * candle in view exactly once. */
static void
test_columns_per_pixel (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  PerpChartModel *model = perp_chart_model_new ();
  const gint64 *t = perp_candles_get_open_time (candles);
  PerpViewportState vp = { 0, };
  const PerpChartColumn *cols;
  guint n, covered = 0;

  perp_chart_model_set_data (model, candles, NULL);
  vp.t0 = t[0];
  vp.t1 = t[299] + PERP_MS_PER_HOUR;
  vp.plot_width = 100;
  vp.plot_height = 100;
  vp.interval_ms = PERP_MS_PER_HOUR;
  cols = perp_chart_model_get_columns (model, &vp, &n);
  g_assert_cmpuint (n, <=, 100);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (cols[i].width, ==, 1);
      if (i > 0)
        {
          g_assert_cmpfloat (cols[i].x, >, cols[i - 1].x);
          g_assert_cmpuint (cols[i].first, ==, cols[i - 1].last);
        }
      covered += cols[i].last - cols[i].first;
    }
  g_assert_cmpuint (covered, ==, 300);
  perp_chart_model_free (model);
}

/* The live heatmap column reads the model's per-bucket sums; over any price band they
 * give what the map's own sampler gives. */
static void
test_liq_profile (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  const double *prefix;
  gint64 first;
  guint n;
  double size = perp_liq_map_get_params (scene->map)->bucket_size;
  gint64 now = perp_liq_map_get_time (scene->map);
  guint checked = 0;

  prefix = perp_chart_model_get_liq_profile (scene->model, &first, &n);
  g_assert_nonnull (prefix);
  g_assert_cmpuint (n, >, 10);
  for (guint i = 0; i < 200; i++)
    {
      /* Bands with edges inside buckets, across the whole map and beyond it. */
      double lo = (first - 5 + (i * 37 % (n + 10)) + 0.3) * size;
      double hi = lo + (1 + i % 23) * size * 0.77;
      double expected, got, fl, fh;

      perp_liq_map_sample (scene->map, now, lo, hi, 1, PERP_LIQ_SIDE_BOTH, &expected);
      fl = lo / size - first;
      fh = hi / size - first;
      fl = CLAMP (fl, 0, n);
      fh = CLAMP (fh, 0, n);
      got = prefix[(guint) fh] + (fh < n ? (prefix[(guint) fh + 1] - prefix[(guint) fh]) * (fh - floor (fh)) : 0)
            - prefix[(guint) fl] - (fl < n ? (prefix[(guint) fl + 1] - prefix[(guint) fl]) * (fl - floor (fl)) : 0);
      g_assert_cmpfloat_with_epsilon (got, expected, 1e-6 * (1 + fabs (expected)));
      checked += expected > 0;
    }
  g_assert_cmpuint (checked, >, 50);
}

/* Ticks in local time stay on the clock's round hours (and midnights) across both
 * daylight-saving changes of a year, one hour closer or further apart in UTC; in UTC
 * they are evenly spaced. */
static void
test_time_ticks_dst (void)
{
  static const struct { const char *from; gint64 step; } cases[] = {
    { "2024-03-30T00:00:00Z", 4 * PERP_MS_PER_HOUR },   /* spring: 02:00 CET -> 03:00 CEST */
    { "2024-10-26T00:00:00Z", 4 * PERP_MS_PER_HOUR },   /* autumn: 03:00 CEST -> 02:00 CET */
    { "2024-03-29T00:00:00Z", PERP_MS_PER_HOUR },
    { "2024-10-25T00:00:00Z", PERP_MS_PER_DAY },
  };
  g_autofree char *saved_tz = g_strdup (g_getenv ("TZ"));

  g_setenv ("TZ", "Europe/Berlin", TRUE);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint utc = 0; utc < 2; utc++)
      {
        g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (cases[c].from, NULL);
        gint64 from = g_date_time_to_unix (start) * 1000 + 7 * 60000;   /* off the grid */
        gint64 to = from + 4 * PERP_MS_PER_DAY;
        gint64 step = cases[c].step;
        gint64 previous = G_MININT64;
        guint n = 0, n_uneven = 0;

        for (gint64 t = perp_chart_next_time_tick (G_MININT64, from, step, utc); t < to;
             t = perp_chart_next_time_tick (t, 0, step, utc))
          {
            g_autoptr(GDateTime) dt = utc ? g_date_time_new_from_unix_utc (t / 1000)
                                          : g_date_time_new_from_unix_local (t / 1000);
            gint64 clock_ms = (g_date_time_get_hour (dt) * 3600 + g_date_time_get_minute (dt) * 60
                               + g_date_time_get_second (dt)) * G_GINT64_CONSTANT (1000) + t % 1000;

            g_assert_cmpint (t, >=, from);
            g_assert_cmpint (clock_ms % MIN (step, PERP_MS_PER_DAY), ==, 0);
            if (previous != G_MININT64)
              {
                g_assert_cmpint (t, >, previous);
                n_uneven += t - previous != step;
                g_assert_cmpint (ABS (t - previous - step), <=, PERP_MS_PER_HOUR);
              }
            else
              g_assert_cmpint (t - from, <, step);
            previous = t;
            n++;
          }
        g_assert_cmpuint (n, >=, 4 * PERP_MS_PER_DAY / step - 1);
        /* One change in each window: one uneven step in local time (an hour's step
         * only skips or repeats a clock hour), none in UTC. */
        g_assert_cmpuint (n_uneven, ==, utc || step <= PERP_MS_PER_HOUR ? 0 : 1);
      }
  if (saved_tz != NULL)
    g_setenv ("TZ", saved_tz, TRUE);
  else
    g_unsetenv ("TZ");
}

static void
test_nice_steps (void)
{
  g_assert_cmpfloat_with_epsilon (perp_chart_nice_price_step (1000, 10), 100, 1e-9);
  g_assert_cmpfloat_with_epsilon (perp_chart_nice_price_step (1300, 10), 200, 1e-9);
  g_assert_cmpfloat_with_epsilon (perp_chart_nice_price_step (0.031, 10), 0.005, 1e-12);
  g_assert_cmpint (perp_chart_nice_time_step (1000, 60), ==, PERP_MS_PER_MINUTE);
  g_assert_cmpint (perp_chart_nice_time_step (10 * 60000.0 / 90, 90), ==, 15 * PERP_MS_PER_MINUTE);
  g_assert_cmpint (perp_chart_nice_time_step (PERP_MS_PER_HOUR, 90), ==, 7 * PERP_MS_PER_DAY);

  {
    g_autofree char *a = perp_chart_format_price (43210.5, 0.1);
    g_autofree char *b = perp_chart_format_price (-0.00012345, 0.000001);
    g_autofree char *c = perp_chart_format_price (1234567, 1);

    g_assert_cmpstr (a, ==, "43,210.5");
    g_assert_cmpstr (b, ==, "-0.000123");
    g_assert_cmpstr (c, ==, "1,234,567");
  }
}

/* The tooltip of the point in the middle of an open order block names it. */
static void
test_tooltip (void)
{
  g_autoptr(PerpCandles) candles = chart_scene_load_fixture ();
  g_autoptr(ChartScene) scene = chart_scene_new (candles, G_MAXUINT);
  PerpViewportState vp;
  gboolean visible[PERP_CHART_N_LAYERS];
  const PerpStructureObject *objects;
  guint n_objects, found = 0;

  test_viewport (scene, &vp);
  all_visible (visible, FALSE);
  visible[PERP_CHART_LAYER_FVG] = TRUE;
  objects = perp_structure_get_objects (scene->structure, &n_objects);
  for (guint i = 0; i < n_objects && found == 0; i++)
    {
      const PerpStructureObject *o = &objects[i];
      double x, y;
      g_autofree char *text = NULL;

      if (o->kind != PERP_STRUCTURE_FVG || o->event_time[PERP_STRUCTURE_EVENT_MITIGATED] < 0
          || o->candle_time < vp.t0)
        continue;
      x = (o->candle_time + vp.interval_ms / 2.0 - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width;
      y = (vp.p1 - (o->top + o->bottom) / 2) / (vp.p1 - vp.p0) * vp.plot_height;
      text = perp_chart_describe_at (scene->model, &vp, visible, x, y);
      g_assert_nonnull (text);
      g_assert_nonnull (strstr (text, perp_structure_kind_name (PERP_STRUCTURE_FVG)));
      g_assert_nonnull (strstr (text, "Formed"));
      g_assert_nonnull (strstr (text, perp_structure_event_name (PERP_STRUCTURE_EVENT_MITIGATED)));
      found++;
    }
  g_assert_cmpuint (found, ==, 1);

  /* Nothing above the highest price. */
  g_assert_null (perp_chart_describe_at (scene->model, &vp, visible, 10, 0.5));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  cairo_font_options_t *options;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* Display-free: no gtk_init (STYLE.md 6a). */
  g_type_ensure (GSK_TYPE_COLOR_NODE);
  g_setenv ("TZ", "UTC", TRUE);

  pango_context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  options = cairo_font_options_create ();
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (pango_context, options);
  pango_cairo_context_set_resolution (pango_context, 96);
  cairo_font_options_destroy (options);

  renderer = gsk_cairo_renderer_new ();
  gsk_renderer_realize (renderer, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/chart/model/pyramid", test_pyramid);
  g_test_add_func ("/chart/model/columns-per-pixel", test_columns_per_pixel);
  g_test_add_func ("/chart/model/liq-profile", test_liq_profile);
  g_test_add_func ("/chart/model/incremental", test_incremental);
  g_test_add_func ("/chart/render/nice-steps", test_nice_steps);
  g_test_add_func ("/chart/render/candle-colours", test_candle_colours);
  g_test_add_func ("/chart/render/fvg-extent", test_fvg_extent);
  g_test_add_func ("/chart/render/layer-off-unchanged", test_layer_off_unchanged);
  g_test_add_func ("/chart/render/causal-cutoff", test_causal_cutoff);
  g_test_add_func ("/chart/render/tooltip", test_tooltip);
  g_test_add_func ("/chart/render/labels-apart", test_labels_apart);
  g_test_add_func ("/chart/render/axis-edges", test_axis_edges);
  g_test_add_func ("/chart/render/time-ticks-dst", test_time_ticks_dst);
  g_test_add_func ("/chart/render/golden-layers", test_golden_layers);
  g_test_add_func ("/chart/render/golden-dark", test_golden_dark);
  g_test_add_func ("/chart/render/golden-crosshair", test_golden_crosshair);

  ret = g_test_run ();

  gsk_renderer_unrealize (renderer);
  g_clear_object (&renderer);
  g_clear_object (&pango_context);
  return ret;
}
