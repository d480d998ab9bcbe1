/* perp-main-window.h: the main window: chart, score panel, symbol list, feed status
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "chart/perp-chart.h"
#include "panel/perp-score-panel.h"
#include "perp-engine.h"

G_BEGIN_DECLS

#define PERP_TYPE_MAIN_WINDOW (perp_main_window_get_type ())
G_DECLARE_FINAL_TYPE (PerpMainWindow, perp_main_window, PERP, MAIN_WINDOW, AdwApplicationWindow)

PerpMainWindow     *perp_main_window_new            (GtkApplication *application,
                                            GSettings      *settings);
void            perp_main_window_set_engine     (PerpMainWindow     *self,
                                            PerpEngine     *engine);
PerpEngine     *perp_main_window_get_engine     (PerpMainWindow     *self);
void            perp_main_window_set_feed       (PerpMainWindow     *self,
                                            PerpFeed       *feed);
PerpFeed       *perp_main_window_get_feed       (PerpMainWindow     *self);
const char     *perp_main_window_get_symbol     (PerpMainWindow     *self);
PerpInterval    perp_main_window_get_timeframe  (PerpMainWindow     *self);
PerpChart      *perp_main_window_get_chart      (PerpMainWindow     *self);
PerpScorePanel *perp_main_window_get_panel      (PerpMainWindow     *self);
GListModel     *perp_main_window_get_symbols    (PerpMainWindow     *self);
void            perp_main_window_add_toast      (PerpMainWindow     *self,
                                            const char     *title);
void            perp_main_window_flush          (PerpMainWindow     *self);
const char     *perp_main_window_get_status_text (PerpMainWindow    *self);

G_END_DECLS
