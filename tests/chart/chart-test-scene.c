/* chart-test-scene.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "io/perp-candle-csv.h"

#include "chart-test-scene.h"

PerpCandles *
chart_scene_load_fixture (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "fixtures", "chart",
                                                 "BTCUSDT_1h_2023-03-08_300.csv", NULL);
  g_autoptr(GError) error = NULL;
  PerpCandles *candles;

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 300);
  return candles;
}

PerpCandles *
chart_scene_prefix (const PerpCandles *candles,
                    guint              n)
{
  PerpCandles *out = perp_candles_new (perp_candles_get_interval (candles),
                                       perp_candles_get_fields (candles));

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;
      g_autoptr(GError) error = NULL;

      perp_candles_get_candle (candles, i, &c);
      perp_candles_append (out, &c, &error);
      g_assert_no_error (error);
    }
  return out;
}

/* The causal engine over the first @n_structure candles (it may run ahead of the
 * chart's candles, as in a replay), a liquidation map and grid over all of them, and
 * a long plan from candle 250. */
ChartScene *
chart_scene_new (PerpCandles *candles,
                 guint        n_structure)
{
  ChartScene *scene = g_new0 (ChartScene, 1);
  PerpStructureConfig config;
  PerpLiqMapParams params;
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) prefix = NULL;
  g_autofree double *oi = NULL;
  guint n = perp_candles_get_length (candles);
  const double *high = perp_candles_get_high (candles);
  const double *low = perp_candles_get_low (candles);
  const double *close = perp_candles_get_close (candles);
  const double *volume = perp_candles_get_volume (candles);
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, risk;

  scene->candles = perp_candles_ref (candles);

  perp_structure_config_init (&config);
  scene->structure = perp_structure_new (&config, perp_candles_get_interval (candles), &error);
  g_assert_no_error (error);
  prefix = chart_scene_prefix (candles, MIN (n_structure, n));
  perp_structure_push_candles (scene->structure, prefix, 0, perp_candles_get_length (prefix), &error);
  g_assert_no_error (error);

  /* No open-interest recording exists: a stand-in ΔOI of 5 % of the volume. */
  oi = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      oi[i] = volume[i] * 0.05;
      lo = MIN (lo, low[i]);
      hi = MAX (hi, high[i]);
    }
  perp_liq_map_params_init_default (&params, close[0]);
  scene->map = perp_liq_map_new (&params, perp_interval_to_ms (perp_candles_get_interval (candles)), &error);
  g_assert_no_error (error);
  scene->grid = perp_liq_grid_new (lo * 0.9, hi * 1.1, 240, PERP_LIQ_SIDE_BOTH);
  perp_liq_map_add_candles (scene->map, candles, oi, scene->grid, &error);
  g_assert_no_error (error);

  memset (&scene->plan, 0, sizeof scene->plan);
  scene->plan.status = PERP_PLAN_OK;
  scene->plan.direction = PERP_DIRECTION_LONG;
  scene->plan.time = perp_candles_get_open_time (candles)[MIN (250, n - 1)];
  scene->plan.entry = close[MIN (250, n - 1)];
  risk = scene->plan.entry * 0.015;
  scene->plan.stop = scene->plan.entry - risk;
  scene->plan.risk_per_unit = risk;
  scene->plan.n_targets = 3;
  for (guint i = 0; i < 3; i++)
    {
      scene->plan.targets[i].r = i + 1;
      scene->plan.targets[i].price = scene->plan.entry + risk * (i + 1);
      scene->plan.targets[i].share = 1.0 / 3;
      scene->plan.targets[i].kind = PERP_TARGET_R_MULTIPLE;
    }

  scene->model = perp_chart_model_new ();
  perp_chart_model_set_data (scene->model, candles, scene->structure);
  perp_chart_model_set_liq_map (scene->model, scene->map);
  perp_chart_model_set_liq_grid (scene->model, scene->grid);
  perp_chart_model_set_plan (scene->model, &scene->plan);
  return scene;
}

void
chart_scene_free (ChartScene *scene)
{
  if (scene == NULL)
    return;
  g_clear_pointer (&scene->model, perp_chart_model_free);
  g_clear_pointer (&scene->grid, perp_liq_grid_unref);
  g_clear_pointer (&scene->map, perp_liq_map_unref);
  g_clear_pointer (&scene->structure, perp_structure_free);
  g_clear_pointer (&scene->candles, perp_candles_unref);
  g_free (scene);
}
