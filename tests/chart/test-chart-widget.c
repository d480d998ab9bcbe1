/* test-chart-widget.c: PerpChart in a real window (Xvfb in CI)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "chart-test-scene.h"

typedef struct
{
  GtkWidget   *window;
  PerpChart   *chart;
  PerpCandles *candles;
  ChartScene  *scene;
  gint64       first;
  gint64       last;
  gint64       interval;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const gint64 *t;
  guint n;

  f->candles = chart_scene_load_fixture ();
  f->scene = chart_scene_new (f->candles, G_MAXUINT);
  t = perp_candles_get_open_time (f->candles);
  n = perp_candles_get_length (f->candles);
  f->first = t[0];
  f->last = t[n - 1];
  f->interval = PERP_MS_PER_HOUR;

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 500);
  f->chart = PERP_CHART (perp_chart_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->chart));
  perp_chart_set_data (f->chart, f->candles, f->scene->structure);
  perp_chart_set_liq_map (f->chart, f->scene->map);
  perp_chart_set_liq_grid (f->chart, f->scene->grid);
  perp_chart_set_plan (f->chart, &f->scene->plan);
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->chart));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  perp_chart_set_data (f->chart, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (f->window));
  chart_scene_free (f->scene);
  perp_candles_unref (f->candles);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
get_range (Fixture *f,
           double  *t0,
           double  *t1)
{
  perp_viewport_get_time_range (perp_chart_get_viewport (f->chart), t0, t1);
}

/* Follows the live candle by default: the newest candle is in view near the right. */
static void
test_follow (Fixture       *f,
             gconstpointer  data)
{
  double t0, t1, p0, p1;
  PerpCandle next;
  g_autoptr(GError) error = NULL;

  g_assert_true (perp_chart_get_follow_live (f->chart));
  get_range (f, &t0, &t1);
  g_assert_cmpfloat (t1, >, f->last + f->interval);
  g_assert_cmpfloat (t0, <, f->last);
  g_assert_cmpfloat (t1 - f->last, <, 10 * f->interval);

  /* The prices in view contain every visible candle. */
  perp_viewport_get_price_range (perp_chart_get_viewport (f->chart), &p0, &p1);
  g_assert_cmpfloat (p0, <, perp_candles_get_low (f->candles)[299]);
  g_assert_cmpfloat (p1, >, perp_candles_get_high (f->candles)[299]);

  /* A new closed candle scrolls the view along by one interval. */
  perp_candle_init (&next, f->last + f->interval, 28176.8, 28300, 28100, 28250, 1000);
  perp_candles_append (f->candles, &next, &error);
  g_assert_no_error (error);
  perp_chart_data_changed (f->chart);
  {
    double u0, u1;

    get_range (f, &u0, &u1);
    g_assert_cmpfloat_with_epsilon (u1 - t1, f->interval, 1e-6);
    g_assert_cmpfloat_with_epsilon (u1 - u0, t1 - t0, 1e-6);
  }

  /* A live candle far above moves the price range to include it. */
  perp_candle_init (&next, f->last + 2 * f->interval, 28250, 40000, 28200, 39000, 10);
  perp_chart_set_forming (f->chart, &next);
  perp_viewport_get_price_range (perp_chart_get_viewport (f->chart), &p0, &p1);
  g_assert_cmpfloat (p1, >=, 40000);
  perp_chart_set_forming (f->chart, NULL);
}

static void
test_pan_zoom_api (Fixture       *f,
                   gconstpointer  data)
{
  double t0, t1, u0, u1;

  get_range (f, &t0, &t1);
  perp_chart_pan (f->chart, -0.5);
  get_range (f, &u0, &u1);
  g_assert_false (perp_chart_get_follow_live (f->chart));
  g_assert_cmpfloat_with_epsilon (u0, t0 - (t1 - t0) * 0.5, 1e-3);
  g_assert_cmpfloat_with_epsilon (u1 - u0, t1 - t0, 1e-3);

  /* Zoom in 2x around the middle: the middle stays, the span halves. */
  perp_chart_zoom (f->chart, 2.0, 0.5);
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon ((t0 + t1) / 2, (u0 + u1) / 2, 1e-3);
  g_assert_cmpfloat_with_epsilon (t1 - t0, (u1 - u0) / 2, 1e-3);

  /* Zoom around the left quarter: that time stays where it was. */
  perp_chart_zoom (f->chart, 1.5, 0.25);
  get_range (f, &u0, &u1);
  g_assert_cmpfloat_with_epsilon (u0 + (u1 - u0) * 0.25, t0 + (t1 - t0) * 0.25, 1e-3);

  /* Limits: at least 10 candles, at most all of them (and a margin). */
  perp_chart_zoom (f->chart, 1e6, 0.5);
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 10.0 * f->interval, 1e-3);
  perp_chart_zoom (f->chart, 1e-6, 0.5);
  get_range (f, &t0, &t1);
  g_assert_cmpfloat (t1 - t0, >=, (double) (f->last - f->first));
  g_assert_cmpfloat (t1 - t0, <, (f->last - f->first) * 1.2);

  /* Scroll to a time: it ends up at the right edge. */
  perp_chart_zoom (f->chart, 4, 1);
  perp_chart_scroll_to_time (f->chart, f->first + 100 * f->interval);
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1, f->first + 101 * f->interval, 1e-3);

  perp_chart_set_follow_live (f->chart, TRUE);
  get_range (f, &t0, &t1);
  g_assert_cmpfloat (t1, >, f->last + f->interval);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->chart));
}

/* The keyboard's actions: Left/Right, +/-, Home/End. */
static void
test_actions (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->chart);
  double t0, t1, u0, u1;

  get_range (f, &t0, &t1);
  g_assert_true (gtk_widget_activate_action (w, "chart.zoom-in", NULL));
  get_range (f, &u0, &u1);
  g_assert_cmpfloat_with_epsilon (u1 - u0, (t1 - t0) / 1.25, 1e-3);
  /* Zooming while following keeps the right edge. */
  g_assert_cmpfloat_with_epsilon (u1, t1, 1e-3);
  g_assert_true (perp_chart_get_follow_live (f->chart));

  g_assert_true (gtk_widget_activate_action (w, "chart.pan-left", NULL));
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t0, u0 - (u1 - u0) * 0.1, 1e-3);
  g_assert_false (perp_chart_get_follow_live (f->chart));

  g_assert_true (gtk_widget_activate_action (w, "chart.pan-right", NULL));
  get_range (f, &u0, &u1);
  g_assert_cmpfloat_with_epsilon (u0, t0 + (t1 - t0) * 0.1, 1e-3);

  g_assert_true (gtk_widget_activate_action (w, "chart.zoom-out", NULL));
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, (u1 - u0) / 0.8, 1e-3);

  g_assert_true (gtk_widget_activate_action (w, "chart.home", NULL));
  get_range (f, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t0, f->first, 1e-3);

  g_assert_true (gtk_widget_activate_action (w, "chart.end", NULL));
  get_range (f, &t0, &t1);
  g_assert_true (perp_chart_get_follow_live (f->chart));
  g_assert_cmpfloat (t1, >, f->last + f->interval);
  g_assert_cmpfloat (t0, <, f->last);
}

/* The widget's own frame (STYLE.md 6b): the newest candle's body has its colour. */
static void
test_widget_pixels (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->chart);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (w);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data_px = NULL;
  int width = gtk_widget_get_width (w), height = gtk_widget_get_height (w);
  PerpViewportState vp = { 0, };
  PerpCandle c;
  double xc, ym;
  const guchar *p;
  GdkRGBA colors[PERP_CHART_N_COLORS];
  const GdkRGBA *expect;
  guint i;

  g_assert_cmpint (width, >, 300);
  perp_chart_set_layer_visible (f->chart, PERP_CHART_LAYER_HEATMAP, FALSE);
  perp_chart_set_layer_visible (f->chart, PERP_CHART_LAYER_ZONES, FALSE);
  perp_chart_set_layer_visible (f->chart, PERP_CHART_LAYER_KILLZONES, FALSE);
  perp_chart_set_layer_visible (f->chart, PERP_CHART_LAYER_PLAN, FALSE);
  perp_chart_set_layer_visible (f->chart, PERP_CHART_LAYER_EMA, FALSE);
  g_assert_false (perp_chart_get_layer_visible (f->chart, PERP_CHART_LAYER_EMA));
  gtk_test_widget_wait_for_draw (w);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (w)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  data_px = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, data_px, (gsize) width * 4);

  perp_viewport_get_time_range (perp_chart_get_viewport (f->chart), &vp.t0, &vp.t1);
  perp_viewport_get_price_range (perp_chart_get_viewport (f->chart), &vp.p0, &vp.p1);
  perp_chart_viewport_layout (&vp, width, height);
  perp_chart_colors_init (colors, FALSE);

  /* The newest candle with a body tall enough to have a middle. */
  for (i = perp_candles_get_length (f->candles); i-- > 0;)
    {
      perp_candles_get_candle (f->candles, i, &c);
      if (fabs (c.open - c.close) / (vp.p1 - vp.p0) * vp.plot_height > 6)
        break;
    }
  xc = (c.open_time + f->interval / 2.0 - vp.t0) / (vp.t1 - vp.t0) * vp.plot_width;
  ym = (vp.p1 - (c.open + c.close) / 2) / (vp.p1 - vp.p0) * vp.plot_height;
  p = data_px + ((gsize) floor (ym) * width + (gsize) floor (xc)) * 4;
  expect = &colors[c.close >= c.open ? PERP_CHART_COLOR_BULL : PERP_CHART_COLOR_BEAR];
  /* The window's theme may define its own chart colours; the default theme does not. */
  g_assert_cmpint (abs (p[2] - (int) lround (expect->red * 255)), <=, 2);
  g_assert_cmpint (abs (p[1] - (int) lround (expect->green * 255)), <=, 2);
  g_assert_cmpint (abs (p[0] - (int) lround (expect->blue * 255)), <=, 2);
}

static void
test_layer_names (void)
{
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    {
      g_assert_nonnull (perp_chart_layer_name (l));
      g_assert_cmpint (perp_chart_layer_from_name (perp_chart_layer_name (l)), ==, l);
      g_assert_nonnull (perp_chart_layer_title (l));
    }
  g_assert_cmpint (perp_chart_layer_from_name ("nope"), ==, PERP_CHART_N_LAYERS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      /* Only a developer's machine without a display may skip; CI must not. */
      if (g_getenv ("CI") == NULL)
        {
          g_print ("1..0 # SKIP no display\n");
          return 0;
        }
      g_printerr ("gtk_init_check failed with CI set: run under xvfb-run\n");
      return 1;
    }
  g_object_set (gtk_settings_get_default (), "gtk-font-name", "DejaVu Sans 9", NULL);

  g_test_add_func ("/chart/widget/layer-names", test_layer_names);
  g_test_add ("/chart/widget/follow", Fixture, NULL, fixture_setup, test_follow, fixture_teardown);
  g_test_add ("/chart/widget/pan-zoom-api", Fixture, NULL, fixture_setup, test_pan_zoom_api, fixture_teardown);
  g_test_add ("/chart/widget/actions", Fixture, NULL, fixture_setup, test_actions, fixture_teardown);
  g_test_add ("/chart/widget/pixels", Fixture, NULL, fixture_setup, test_widget_pixels, fixture_teardown);

  return g_test_run ();
}
