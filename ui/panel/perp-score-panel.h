/* perp-score-panel.h: the side panel with one symbol's score, reasons, plan and breakers
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "perp-engine.h"

G_BEGIN_DECLS

#define PERP_TYPE_SCORE_PANEL (perp_score_panel_get_type ())
G_DECLARE_FINAL_TYPE (PerpScorePanel, perp_score_panel, PERP, SCORE_PANEL, GtkWidget)

GtkWidget   *perp_score_panel_new            (void);
void         perp_score_panel_set_symbol     (PerpScorePanel         *self,
                                              const char             *symbol,
                                              PerpInterval            interval);
const char  *perp_score_panel_get_symbol     (PerpScorePanel         *self);
void         perp_score_panel_update         (PerpScorePanel         *self,
                                              const PerpEngineUpdate *update);
gboolean     perp_score_panel_has_score      (PerpScorePanel         *self);
double       perp_score_panel_get_long_pct   (PerpScorePanel         *self);
char        *perp_score_panel_dup_plan_text  (PerpScorePanel         *self);
void         perp_score_panel_set_utc        (PerpScorePanel         *self,
                                              gboolean                utc);

char        *perp_plan_format_text           (const char             *symbol,
                                              PerpInterval            interval,
                                              const PerpScore        *score,
                                              const PerpPlan         *plan);
const char  *perp_tier_title                 (PerpTier                tier);
const char  *perp_direction_title            (PerpDirection           direction);
char        *perp_format_data_time           (gint64                  time_ms,
                                              gboolean                utc);

G_END_DECLS
