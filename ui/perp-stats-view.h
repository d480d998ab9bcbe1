/* perp-stats-view.h: the journal's statistics: overall, by symbol, tier and session
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "io/store/perp-journal.h"

G_BEGIN_DECLS

typedef enum
{
  PERP_STATS_FIELD_TRADES,
  PERP_STATS_FIELD_RECORD,          /* wins / losses / scratches */
  PERP_STATS_FIELD_WIN_RATE,
  PERP_STATS_FIELD_PROFIT_FACTOR,
  PERP_STATS_FIELD_EXPECTANCY,
  PERP_STATS_FIELD_AVG_R,
  PERP_STATS_FIELD_TOTAL_R,
  PERP_STATS_FIELD_MAX_DRAWDOWN,
  PERP_STATS_FIELD_LOSING_STREAK,
  PERP_N_STATS_FIELDS
} PerpStatsField;

#define PERP_TYPE_STATS_VIEW (perp_stats_view_get_type ())
G_DECLARE_FINAL_TYPE (PerpStatsView, perp_stats_view, PERP, STATS_VIEW, GtkWidget)

GtkWidget  *perp_stats_view_new          (void);
void        perp_stats_view_set_journal  (PerpStatsView          *self,
                                          PerpJournal            *journal);
void        perp_stats_view_refresh      (PerpStatsView          *self);
gboolean    perp_stats_view_is_busy      (PerpStatsView          *self);
const char *perp_stats_view_get_text     (PerpStatsView          *self,
                                          PerpJournalGroup        group,
                                          const char             *key,
                                          PerpStatsField          field);

G_END_DECLS
