/* perp-journal-view.h: the journaled signals in a sortable, filterable table
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
  PERP_JOURNAL_STATUS_ALL,
  PERP_JOURNAL_STATUS_TAKEN,
  PERP_JOURNAL_STATUS_BLOCKED,
  PERP_JOURNAL_STATUS_DISCARDED,   /* neutral, under the threshold, no valid plan */
} PerpJournalStatusFilter;

typedef enum
{
  PERP_JOURNAL_OUTCOME_ALL,
  PERP_JOURNAL_OUTCOME_OPEN,       /* waiting for the entry or in the trade */
  PERP_JOURNAL_OUTCOME_CLOSED,
} PerpJournalOutcomeFilter;

/* One row: a journaled signal, owned by the item. */
#define PERP_TYPE_JOURNAL_ITEM (perp_journal_item_get_type ())
G_DECLARE_FINAL_TYPE (PerpJournalItem, perp_journal_item, PERP, JOURNAL_ITEM, GObject)

const PerpJournalSignal *perp_journal_item_get_signal (PerpJournalItem *self);
gboolean                 perp_journal_item_is_closed  (PerpJournalItem *self);

#define PERP_TYPE_JOURNAL_VIEW (perp_journal_view_get_type ())
G_DECLARE_FINAL_TYPE (PerpJournalView, perp_journal_view, PERP, JOURNAL_VIEW, GtkWidget)

GtkWidget     *perp_journal_view_new               (void);
void           perp_journal_view_set_journal       (PerpJournalView          *self,
                                                    PerpJournal              *journal);
void           perp_journal_view_refresh           (PerpJournalView          *self);
void           perp_journal_view_set_utc           (PerpJournalView          *self,
                                                    gboolean                  utc);
gboolean       perp_journal_view_is_busy           (PerpJournalView          *self);
GListModel    *perp_journal_view_get_model         (PerpJournalView          *self);
GtkColumnView *perp_journal_view_get_column_view   (PerpJournalView          *self);
void           perp_journal_view_set_status_filter (PerpJournalView          *self,
                                                    PerpJournalStatusFilter   status);
void           perp_journal_view_set_outcome_filter (PerpJournalView         *self,
                                                    PerpJournalOutcomeFilter  outcome);
void           perp_journal_view_set_symbol_filter (PerpJournalView          *self,
                                                    const char               *symbol);
void           perp_journal_view_set_search        (PerpJournalView          *self,
                                                    const char               *text);

G_END_DECLS
