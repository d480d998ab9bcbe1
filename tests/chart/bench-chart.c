/* bench-chart.c: frame times of the chart with every layer on
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-chart [--candles N] [--frames F] [--data-dir DIR] [--width W --height H]
 *
 * Without --candles it runs 100k and 1M.  The candles are the real BTCUSDT 5m file
 * repeated as often as needed, each copy shifted in time to follow the previous one
 * and scaled so its first open meets the previous copy's last close.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pango/pangocairo.h>

#include "io/perp-candle-csv.h"

#include "perp-chart-model.h"
#include "perp-chart-render.h"

static int opt_candles = 0;
static int opt_frames = 200;
static int opt_width = 1600;
static int opt_height = 900;
static char *opt_data_dir = NULL;
static char *opt_layers = NULL;
static gboolean opt_per_layer = FALSE;

static const GOptionEntry entries[] = {
  { "candles", 'n', 0, G_OPTION_ARG_INT, &opt_candles, "Candles to load (default: 100000 then 1000000)", "N" },
  { "frames", 'f', 0, G_OPTION_ARG_INT, &opt_frames, "Frames per scenario (default 200)", "F" },
  { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "Frame width (default 1600)", "W" },
  { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "Frame height (default 900)", "H" },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir, "Folder with BTCUSDT_5m_2023-01-01_2024-03-31.csv", "DIR" },
  { "layers", 'l', 0, G_OPTION_ARG_STRING, &opt_layers, "Layers on, comma-separated names (default: all)", "LIST" },
  { "per-layer", 0, 0, G_OPTION_ARG_NONE, &opt_per_layer, "Also time each layer alone at ~200 candles", NULL },
  { NULL }
};

static double
rss_mib (void)
{
  g_autofree char *statm = NULL;
  long pages_total = 0, pages_rss = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)
      || sscanf (statm, "%ld %ld", &pages_total, &pages_rss) != 2)
    return NAN;
  return pages_rss * (double) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (double *v,
            guint   n,
            double  p)
{
  guint k;

  qsort (v, n, sizeof *v, cmp_double);
  k = (guint) ceil (p * n) - 1;
  return v[MIN (k, n - 1)];
}

/* @n candles from the source, repeated, shifted and scaled (see the header). */
static PerpCandles *
build_candles (const PerpCandles *src,
               guint              n,
               guint             *repeats)
{
  PerpCandles *out = perp_candles_new (perp_candles_get_interval (src), PERP_CANDLE_FIELD_NONE);
  guint len = perp_candles_get_length (src);
  gint64 interval = perp_interval_to_ms (perp_candles_get_interval (src));
  const gint64 *t = perp_candles_get_open_time (src);
  gint64 shift = 0;
  double scale = 1.0, last_close = NAN;

  perp_candles_reserve (out, n);
  *repeats = 0;
  for (guint i = 0; i < n; i++)
    {
      guint k = i % len;
      PerpCandle c;
      g_autoptr(GError) error = NULL;

      if (k == 0 && i > 0)
        {
          shift += t[len - 1] + interval - t[0];
          perp_candles_get_candle (src, 0, &c);
          scale = last_close / c.open;
          (*repeats)++;
        }
      perp_candles_get_candle (src, k, &c);
      perp_candle_init (&c, c.open_time + shift, c.open * scale, c.high * scale, c.low * scale,
                        c.close * scale, c.volume);
      if (!perp_candles_append (out, &c, &error))
        g_error ("Failed to build the candles at %u: %s", i, error->message);
      last_close = c.close;
    }
  return out;
}

static guint
count_nodes (GskRenderNode *node)
{
  guint n = 1;

  switch (gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        n += count_nodes (gsk_container_node_get_child (node, i));
      break;
    case GSK_CLIP_NODE:
      n += count_nodes (gsk_clip_node_get_child (node));
      break;
    case GSK_TRANSFORM_NODE:
      n += count_nodes (gsk_transform_node_get_child (node));
      break;
    case GSK_NOT_A_RENDER_NODE:
    case GSK_CAIRO_NODE:
    case GSK_COLOR_NODE:
    case GSK_LINEAR_GRADIENT_NODE:
    case GSK_REPEATING_LINEAR_GRADIENT_NODE:
    case GSK_RADIAL_GRADIENT_NODE:
    case GSK_REPEATING_RADIAL_GRADIENT_NODE:
    case GSK_CONIC_GRADIENT_NODE:
    case GSK_BORDER_NODE:
    case GSK_TEXTURE_NODE:
    case GSK_INSET_SHADOW_NODE:
    case GSK_OUTSET_SHADOW_NODE:
    case GSK_OPACITY_NODE:
    case GSK_COLOR_MATRIX_NODE:
    case GSK_REPEAT_NODE:
    case GSK_ROUNDED_CLIP_NODE:
    case GSK_SHADOW_NODE:
    case GSK_BLEND_NODE:
    case GSK_CROSS_FADE_NODE:
    case GSK_TEXT_NODE:
    case GSK_BLUR_NODE:
    case GSK_DEBUG_NODE:
    case GSK_GL_SHADER_NODE:
    default:
      break;
    }
  return n;
}

typedef struct
{
  const char *name;
  double      candles_in_view;
  gboolean    zoom;
} Scenario;

static void
run_scenario (const Scenario       *sc,
              PerpChartModel       *model,
              const PerpChartStyle *style,
              GskRenderer          *renderer,
              const gboolean       *visible)
{
  gint64 first, last, interval = perp_chart_model_get_interval_ms (model);
  g_autofree double *frame = g_new (double, opt_frames);
  g_autofree double *snap = g_new (double, opt_frames);
  g_autofree double *cpu = g_new (double, opt_frames);
  guint nodes = 0;
  PerpViewportState vp = { 0, };
  double span, center;

  perp_chart_model_get_time_extent (model, &first, &last);
  perp_chart_viewport_layout (&vp, opt_width, opt_height);
  vp.interval_ms = interval;
  vp.utc = TRUE;
  span = sc->candles_in_view > 0 ? sc->candles_in_view * interval : (double) (last - first + interval);
  center = sc->candles_in_view > 0 ? last - span : first + span / 2;

  /* Five frames first, not counted: label caches fill, pages get touched. */
  for (int f = -5; f < opt_frames; f++)
    {
      GtkSnapshot *snapshot;
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      gint64 t_start, t_snap, t_end;
      double c_start;

      /* Pan a little every frame, and zoom in and out by 3 % on alternate frames. */
      if (sc->candles_in_view > 0)
        center -= 3.0 * interval;
      else
        center += span * 0.002 * ((f & 1) ? 1 : -1);
      if (sc->zoom)
        span *= (f & 1) ? 1.03 : 1 / 1.03;

      t_start = g_get_monotonic_time ();
      c_start = cpu_ms ();
      vp.t0 = center - span / 2;
      vp.t1 = center + span / 2;
      perp_chart_autoscale (model, &vp);
      snapshot = gtk_snapshot_new ();
      perp_chart_draw_static (snapshot, opt_width, opt_height, model, style, &vp, visible);
      perp_chart_draw_forming (snapshot, opt_width, opt_height, model, style, &vp);
      perp_chart_draw_crosshair (snapshot, opt_width, opt_height, model, style, &vp, visible,
                                 vp.plot_width * 0.6, vp.plot_height * 0.4);
      node = gtk_snapshot_free_to_node (snapshot);
      t_snap = g_get_monotonic_time ();
      if (f == 0)
        nodes = count_nodes (node);
      texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, opt_width, opt_height));
      t_end = g_get_monotonic_time ();
      if (f < 0)
        continue;
      cpu[f] = cpu_ms () - c_start;
      snap[f] = (t_snap - t_start) / 1000.0;
      frame[f] = (t_end - t_start) / 1000.0;
    }

  g_print ("  %-34s %5u nodes | frame p50 %6.2f p99 %6.2f ms | snapshot-only p50 %6.2f p99 %6.2f ms | frame CPU p50 %6.2f p99 %6.2f ms%s\n",
           sc->name, nodes,
           percentile (frame, opt_frames, 0.50), percentile (frame, opt_frames, 0.99),
           percentile (snap, opt_frames, 0.50), percentile (snap, opt_frames, 0.99),
           percentile (cpu, opt_frames, 0.50), percentile (cpu, opt_frames, 0.99),
           percentile (frame, opt_frames, 0.99) < 8.0 ? "" : "  (p99 over the 8 ms target)");
}

static void
run (const PerpCandles *src,
     guint              n,
     GskRenderer       *renderer,
     PangoContext      *pango)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpStructure) structure = NULL;
  g_autoptr(PerpLiqMap) map = NULL;
  g_autoptr(PerpLiqGrid) grid = NULL;
  PerpChartModel *model;
  PerpChartStyle style = { 0, };
  PerpStructureConfig config;
  PerpLiqMapParams params;
  PerpPlan plan = { 0, };
  PerpCandle forming;
  PerpViewportState vp = { 0, };
  gboolean visible[PERP_CHART_N_LAYERS];
  g_autoptr(GError) error = NULL;
  guint repeats, grid_from;
  double rss0, rss1, lo = G_MAXDOUBLE, hi = 0;
  gint64 t0, t_candles, t_structure, t_model, t_first;
  const double *high, *low, *close;
  static const Scenario scenarios[] = {
    { "~200 candles in view, panning", 200, FALSE },
    { "~200 candles in view, pan + zoom", 200, TRUE },
    { "all candles in view, panning", 0, FALSE },
    { "all candles in view, pan + zoom", 0, TRUE },
  };

  rss0 = rss_mib ();
  t0 = g_get_monotonic_time ();
  candles = build_candles (src, n, &repeats);
  t_candles = g_get_monotonic_time ();

  perp_structure_config_init (&config);
  structure = perp_structure_new (&config, perp_candles_get_interval (candles), &error);
  g_assert_no_error (error);
  if (!perp_structure_push_candles (structure, candles, 0, n, &error))
    g_error ("structure: %s", error->message);
  t_structure = g_get_monotonic_time ();

  model = perp_chart_model_new ();
  perp_chart_model_set_data (model, candles, structure);
  t_model = g_get_monotonic_time ();

  /* The first frame: 200 candles at the right edge, every layer on. */
  for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
    visible[l] = opt_layers == NULL;
  if (opt_layers != NULL)
    {
      g_auto(GStrv) names = g_strsplit (opt_layers, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          PerpChartLayer l = perp_chart_layer_from_name (g_strstrip (names[i]));

          if (l == PERP_CHART_N_LAYERS)
            g_error ("bench-chart: no layer named \"%s\"", names[i]);
          visible[l] = TRUE;
        }
    }
  {
    g_autoptr(PangoLayout) layout = pango_layout_new (pango);

    perp_chart_style_init (&style, layout, FALSE);
  }
  {
    gint64 first, last;
    GtkSnapshot *snapshot = gtk_snapshot_new ();
    g_autoptr(GskRenderNode) node = NULL;
    g_autoptr(GdkTexture) texture = NULL;

    perp_chart_model_get_time_extent (model, &first, &last);
    perp_chart_viewport_layout (&vp, opt_width, opt_height);
    vp.interval_ms = perp_chart_model_get_interval_ms (model);
    vp.t1 = last + 5 * vp.interval_ms;
    vp.t0 = vp.t1 - 200 * vp.interval_ms;
    perp_chart_autoscale (model, &vp);
    perp_chart_draw_static (snapshot, opt_width, opt_height, model, &style, &vp, visible);
    node = gtk_snapshot_free_to_node (snapshot);
    texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, opt_width, opt_height));
  }
  t_first = g_get_monotonic_time ();
  rss1 = rss_mib ();

  g_print ("%u candles (BTCUSDT 5m, %u extra shifted copies of the %u-candle file), %dx%d, cairo renderer, all %d layers on\n",
           n, repeats, perp_candles_get_length (src), opt_width, opt_height, PERP_CHART_N_LAYERS);
  g_print ("  load: candles %.0f ms + structure engine %.0f ms + chart model %.0f ms + first frame %.1f ms = %.0f ms\n",
           (t_candles - t0) / 1000.0, (t_structure - t_candles) / 1000.0, (t_model - t_structure) / 1000.0,
           (t_first - t_model) / 1000.0, (t_first - t0) / 1000.0);
  g_print ("  memory: %.1f MiB RSS for candles + structure + chart model = %.0f bytes per candle (chart model alone %.0f)\n",
           rss1 - rss0, (rss1 - rss0) * 1024 * 1024 / n, (double) perp_chart_model_get_memory_size (model) / n);

  /* Heatmap: the map over everything, a grid (100 rows) over the last 20k candles;
   * ΔOI stand-in of 5 % of the volume (no open-interest recording exists). */
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  close = perp_candles_get_close (candles);
  grid_from = n > 20000 ? n - 20000 : 0;
  for (guint i = grid_from; i < n; i++)
    {
      lo = MIN (lo, low[i]);
      hi = MAX (hi, high[i]);
    }
  perp_liq_map_params_init_default (&params, close[grid_from]);
  params.max_buckets = 1u << 22;
  map = perp_liq_map_new (&params, perp_chart_model_get_interval_ms (model), &error);
  g_assert_no_error (error);
  grid = perp_liq_grid_new (lo * 0.85, hi * 1.15, 100, PERP_LIQ_SIDE_BOTH);
  for (guint i = grid_from; i < n; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      if (!perp_liq_map_add_candle (map, &c, c.volume * 0.05, NULL, &error))
        g_error ("liquidation map: %s", error->message);
      perp_liq_grid_append_column (grid, map, c.open_time, c.open_time + perp_chart_model_get_interval_ms (model));
    }
  perp_chart_model_set_liq_map (model, map);
  perp_chart_model_set_liq_grid (model, grid);

  plan.status = PERP_PLAN_OK;
  plan.direction = PERP_DIRECTION_LONG;
  plan.time = perp_candles_get_open_time (candles)[n - 50];
  plan.entry = close[n - 50];
  plan.stop = plan.entry * 0.99;
  plan.n_targets = 3;
  for (guint i = 0; i < 3; i++)
    {
      plan.targets[i].r = i + 1;
      plan.targets[i].price = plan.entry + (plan.entry - plan.stop) * (i + 1);
    }
  perp_chart_model_set_plan (model, &plan);
  perp_candle_init (&forming, perp_candles_get_open_time (candles)[n - 1] + perp_chart_model_get_interval_ms (model),
                    close[n - 1], close[n - 1] * 1.001, close[n - 1] * 0.999, close[n - 1] * 1.0005, 10);
  perp_chart_model_set_forming (model, &forming);

  /* The floor: rendering one full-size colour node, whatever the chart draws. */
  {
    g_autofree double *floor_ms = g_new (double, opt_frames);
    GdkRGBA bg = style.colors[PERP_CHART_COLOR_BACKGROUND];

    for (int f = 0; f < opt_frames; f++)
      {
        g_autoptr(GskRenderNode) node = gsk_color_node_new (&bg, &GRAPHENE_RECT_INIT (0, 0, opt_width, opt_height));
        g_autoptr(GdkTexture) texture = NULL;
        gint64 t = g_get_monotonic_time ();

        texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, opt_width, opt_height));
        floor_ms[f] = (g_get_monotonic_time () - t) / 1000.0;
      }
    g_print ("  %-34s frame p50 %6.2f p99 %6.2f ms (the renderer's own cost per frame)\n",
             "floor: one colour node", percentile (floor_ms, opt_frames, 0.5), percentile (floor_ms, opt_frames, 0.99));
  }

  for (guint s = 0; s < G_N_ELEMENTS (scenarios); s++)
    run_scenario (&scenarios[s], model, &style, renderer, visible);

  if (opt_per_layer)
    for (guint l = 0; l < PERP_CHART_N_LAYERS; l++)
      {
        gboolean one[PERP_CHART_N_LAYERS] = { FALSE, };
        g_autofree char *name = g_strdup_printf ("only %s, ~200 in view", perp_chart_layer_name (l));
        g_autofree char *name_all = g_strdup_printf ("only %s, all in view", perp_chart_layer_name (l));
        Scenario sc = { name, 200, FALSE };
        Scenario sc_all = { name_all, 0, FALSE };

        one[l] = TRUE;
        run_scenario (&sc, model, &style, renderer, one);
        run_scenario (&sc_all, model, &style, renderer, one);
      }

  perp_chart_style_clear (&style);
  perp_chart_model_free (model);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- chart frame-time benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(GskRenderer) renderer = NULL;
  PangoContext *pango = NULL;
  g_autoptr(PerpCandles) src = NULL;
  g_autofree char *path = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_frames < 2 || opt_width < 200 || opt_height < 100 || opt_candles < 0)
    {
      g_printerr ("bench-chart: --frames must be >= 2, the size at least 200x100\n");
      return 2;
    }
  if (opt_data_dir == NULL)
    {
      const char *shared = g_getenv ("PERP_SHARED_DIR");

      opt_data_dir = g_build_filename (shared != NULL ? shared : PERP_SOURCE_DIR "/../shared",
                                       "data", "klines_usdm", NULL);
    }
  path = g_build_filename (opt_data_dir, "BTCUSDT_5m_2023-01-01_2024-03-31.csv", NULL);

  g_type_ensure (GSK_TYPE_COLOR_NODE);
  renderer = gsk_cairo_renderer_new ();
  if (!gsk_renderer_realize (renderer, NULL, &error))
    {
      g_printerr ("bench-chart: cairo renderer: %s\n", error->message);
      return 1;
    }
  pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());

  {
    gint64 t0 = g_get_monotonic_time ();

    src = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
    if (src == NULL)
      {
        g_printerr ("bench-chart: %s\n", error->message);
        return 1;
      }
    g_print ("parsed %s: %u candles in %.0f ms\n", path, perp_candles_get_length (src),
             (g_get_monotonic_time () - t0) / 1000.0);
  }

  if (opt_candles > 0)
    run (src, opt_candles, renderer, pango);
  else
    {
      run (src, 100000, renderer, pango);
      run (src, 1000000, renderer, pango);
    }

  gsk_renderer_unrealize (renderer);
  g_object_unref (pango);
  g_free (opt_data_dir);
  return 0;
}
