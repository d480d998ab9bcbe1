/* chart-test-scene.h: the fixed data the chart tests draw
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "perp-chart-model.h"
#include "perp-chart-render.h"

G_BEGIN_DECLS

typedef struct
{
  PerpCandles    *candles;
  PerpStructure  *structure;
  PerpLiqMap     *map;
  PerpLiqGrid    *grid;
  PerpPlan        plan;
  PerpChartModel *model;
} ChartScene;

ChartScene *chart_scene_new            (PerpCandles       *candles,
                                        guint              n_structure);
void        chart_scene_free           (ChartScene        *scene);
PerpCandles *chart_scene_load_fixture  (void);
PerpCandles *chart_scene_prefix        (const PerpCandles *candles,
                                        guint              n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChartScene, chart_scene_free)

G_END_DECLS
