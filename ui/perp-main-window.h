/* perp-main-window.h: the main window: chart, score panel, symbol list, feed status
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "chart/perp-chart.h"
#include "io/store/perp-journal.h"
#include "panel/perp-score-panel.h"
#include "perp-engine.h"
#include "perp-journal-view.h"
#include "perp-stats-view.h"

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
const char     *perp_main_window_get_toast_text (PerpMainWindow     *self);

/* The signal journal: its pages (journal, stats), export, and a signal on the chart. */
void             perp_main_window_set_journal      (PerpMainWindow          *self,
                                                    PerpJournal             *journal);
PerpJournal     *perp_main_window_get_journal      (PerpMainWindow          *self);
PerpJournal     *perp_main_window_open_journal     (PerpMainWindow          *self,
                                                    const char              *path,
                                                    PerpJournalFlags         flags);
void             perp_main_window_set_candles_path (PerpMainWindow          *self,
                                                    const char              *path);
void             perp_main_window_refresh_journal  (PerpMainWindow          *self);
gboolean         perp_main_window_is_busy          (PerpMainWindow          *self);
PerpJournalView *perp_main_window_get_journal_view (PerpMainWindow          *self);
PerpStatsView   *perp_main_window_get_stats_view   (PerpMainWindow          *self);
void             perp_main_window_show_signal      (PerpMainWindow          *self,
                                                    const PerpJournalSignal *signal);
gboolean         perp_main_window_get_shown_signal (PerpMainWindow          *self,
                                                    gint64                  *id,
                                                    PerpPlan                *plan);
gboolean         perp_main_window_export_to_file   (PerpMainWindow          *self,
                                                    const char              *path,
                                                    GError                 **error);

G_END_DECLS
