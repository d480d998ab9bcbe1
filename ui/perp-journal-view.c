/* perp-journal-view.c: the journaled signals in a sortable, filterable table
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-journal-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "perp-journal-view.h"

/*
 * The table is the journal as it stands: a refresh re-reads every signal (newest
 * first, capped) in a GTask thread on the journal's own connection, which is
 * thread-safe behind its mutex, and the rows are swapped in on the main context.  The
 * filters and the sort order are the models' (GtkFilterListModel, the column view's
 * sorter), so changing them costs no query.  A refresh asked for while one runs is run
 * once after it: the table never shows an older state than the last one asked for.
 *
 * Activating a row (click, Enter) emits ::signal-activated; the window shows the
 * signal on the chart.
 */

/* Far more than a person scrolls through; keeps a years-old journal responsive. */
#define MAX_ROWS 20000

typedef enum
{
  COL_TIME,
  COL_SYMBOL,
  COL_INTERVAL,
  COL_DIRECTION,
  COL_LONG,
  COL_TIER,
  COL_STATUS,
  COL_ENTRY,
  COL_STOP,
  COL_OUTCOME,
  COL_R,
  COL_MFE,
  COL_MAE,
  N_COLS
} Column;

/* ---- PerpJournalItem -------------------------------------------------------------- */

struct _PerpJournalItem
{
  GObject            parent_instance;
  PerpJournalSignal *signal;
};

G_DEFINE_FINAL_TYPE (PerpJournalItem, perp_journal_item, G_TYPE_OBJECT)

static void
perp_journal_item_finalize (GObject *object)
{
  PerpJournalItem *self = PERP_JOURNAL_ITEM (object);

  g_clear_pointer (&self->signal, perp_journal_signal_free);

  G_OBJECT_CLASS (perp_journal_item_parent_class)->finalize (object);
}

static void
perp_journal_item_class_init (PerpJournalItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = perp_journal_item_finalize;
}

static void
perp_journal_item_init (PerpJournalItem *self)
{
}

static PerpJournalItem *
perp_journal_item_new_take (PerpJournalSignal *signal)
{
  PerpJournalItem *self = g_object_new (PERP_TYPE_JOURNAL_ITEM, NULL);

  self->signal = signal;
  return self;
}

/**
 * perp_journal_item_get_signal:
 * @self: a #PerpJournalItem
 *
 * Returns: (transfer none): the journaled signal
 */
const PerpJournalSignal *
perp_journal_item_get_signal (PerpJournalItem *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL_ITEM (self), NULL);

  return self->signal;
}

static gboolean
state_is_open (PerpOutcomeState state)
{
  return state == PERP_OUTCOME_PENDING || state == PERP_OUTCOME_OPEN;
}

/**
 * perp_journal_item_is_closed:
 * @self: a #PerpJournalItem
 *
 * Returns: %TRUE when the signal has an outcome and it is final (stopped, targets,
 *   break-even, trailed, expired or never filled)
 */
gboolean
perp_journal_item_is_closed (PerpJournalItem *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL_ITEM (self), FALSE);

  return self->signal->has_outcome && !state_is_open (self->signal->outcome_state);
}

/* ---- PerpJournalView -------------------------------------------------------------- */

struct _PerpJournalView
{
  GtkWidget           parent_instance;

  GtkWidget          *box;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *symbol_drop;
  GtkDropDown        *status_drop;
  GtkDropDown        *outcome_drop;
  GtkLabel           *count_label;
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkColumnView      *column_view;

  GListStore         *store;
  GtkStringList      *symbols;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;

  PerpJournal        *journal;
  GCancellable       *cancellable;
  char               *search;
  char               *symbol;
  PerpJournalStatusFilter  status;
  PerpJournalOutcomeFilter outcome;
  gboolean            utc;      /* times in UTC, else local (Show Local Time) */
  gboolean            busy;
  gboolean            pending;
  gboolean            loaded;
  gboolean            updating_symbols;
};

G_DEFINE_FINAL_TYPE (PerpJournalView, perp_journal_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static const char *
status_title (PerpSignalStatus status)
{
  switch (status)
    {
    case PERP_SIGNAL_TAKEN: return _("Taken");
    case PERP_SIGNAL_BLOCKED: return _("Blocked");
    case PERP_SIGNAL_NEUTRAL: return _("Neutral");
    case PERP_SIGNAL_BELOW_THRESHOLD: return _("Below threshold");
    case PERP_SIGNAL_NO_PLAN: return _("No plan");
    case PERP_N_SIGNAL_STATUSES:
    default: return "?";
    }
}

static const char *
outcome_title (PerpOutcomeState state)
{
  switch (state)
    {
    case PERP_OUTCOME_PENDING: return _("Pending");
    case PERP_OUTCOME_OPEN: return _("Open");
    case PERP_OUTCOME_STOPPED: return _("Stopped");
    case PERP_OUTCOME_BREAK_EVEN: return _("Break-even");
    case PERP_OUTCOME_TRAILED: return _("Trailed");
    case PERP_OUTCOME_TARGETS: return _("Targets");
    case PERP_OUTCOME_EXPIRED: return _("Expired");
    case PERP_OUTCOME_NOT_FILLED: return _("Not filled");
    case PERP_N_OUTCOME_STATES:
    default: return "?";
    }
}

static const char *
tier_title (PerpTier tier)
{
  switch (tier)
    {
    case PERP_TIER_HIGH: return _("High");
    case PERP_TIER_MEDIUM: return _("Medium");
    case PERP_TIER_LOW: return _("Low");
    case PERP_TIER_NEUTRAL: return _("Neutral");
    case PERP_N_TIERS:
    default: return "?";
    }
}

static char *
format_r (double r)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (r))
    return g_strdup ("–");
  return g_strdup_printf ("%s R", g_ascii_formatd (buf, sizeof buf, "%+.2f", r));
}

/* @utc: times in UTC, else in the local time zone (Show Local Time) */
static char *
format_cell (const PerpJournalSignal *s,
             Column                   column,
             gboolean                 utc)
{
  switch (column)
    {
    case COL_TIME:
      {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (s->time / 1000);
        g_autoptr(GDateTime) local = dt != NULL && !utc ? g_date_time_to_local (dt) : NULL;
        GDateTime *shown = utc ? dt : local;

        return shown != NULL ? g_date_time_format (shown, "%Y-%m-%d %H:%M") : g_strdup ("?");
      }
    case COL_SYMBOL:
      return g_strdup (s->symbol);
    case COL_INTERVAL:
      return g_strdup (perp_interval_to_string (s->interval));
    case COL_DIRECTION:
      return g_strdup (s->direction == PERP_DIRECTION_LONG ? _("Long")
                       : s->direction == PERP_DIRECTION_SHORT ? _("Short") : "–");
    case COL_LONG:
      return g_strdup_printf ("%.0f %%", s->long_pct);
    case COL_TIER:
      return g_strdup (tier_title (s->tier));
    case COL_STATUS:
      if (s->reason != NULL && s->reason[0] != '\0' && s->status != PERP_SIGNAL_TAKEN)
        /* Translators: a signal's status and why, "Blocked: daily loss limit" */
        return g_strdup_printf (_("%s: %s"), status_title (s->status), s->reason);
      return g_strdup (status_title (s->status));
    case COL_ENTRY:
      return s->has_plan ? perp_format_price (s->plan.entry) : g_strdup ("–");
    case COL_STOP:
      return s->has_plan ? perp_format_price (s->plan.stop) : g_strdup ("–");
    case COL_OUTCOME:
      return g_strdup (s->has_outcome ? outcome_title (s->outcome_state) : "–");
    case COL_R:
      return s->has_outcome && !state_is_open (s->outcome_state) ? format_r (s->result_r) : g_strdup ("–");
    case COL_MFE:
      return s->has_outcome ? format_r (s->mfe_r) : g_strdup ("–");
    case COL_MAE:
      return s->has_outcome ? format_r (s->mae_r) : g_strdup ("–");
    case N_COLS:
    default:
      return g_strdup ("");
    }
}

/* What a numeric column sorts by; rows without a value go first ascending. */
static double
sort_value (const PerpJournalSignal *s,
            Column                   column)
{
  switch (column)
    {
    case COL_TIME: return (double) s->time;
    case COL_INTERVAL: return (double) perp_interval_to_ms (s->interval);
    case COL_DIRECTION: return (double) s->direction;
    case COL_LONG: return s->long_pct;
    case COL_TIER: return (double) s->tier;
    case COL_STATUS: return (double) s->status;
    case COL_ENTRY: return s->has_plan ? s->plan.entry : -INFINITY;
    case COL_STOP: return s->has_plan ? s->plan.stop : -INFINITY;
    case COL_OUTCOME: return s->has_outcome ? (double) s->outcome_state : -INFINITY;
    case COL_R:
      return s->has_outcome && !state_is_open (s->outcome_state) && isfinite (s->result_r)
             ? s->result_r : -INFINITY;
    case COL_MFE: return s->has_outcome && isfinite (s->mfe_r) ? s->mfe_r : -INFINITY;
    case COL_MAE: return s->has_outcome && isfinite (s->mae_r) ? s->mae_r : -INFINITY;
    case COL_SYMBOL:
    case N_COLS:
    default: return 0.0;
    }
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const PerpJournalSignal *sa = PERP_JOURNAL_ITEM ((gpointer) a)->signal;
  const PerpJournalSignal *sb = PERP_JOURNAL_ITEM ((gpointer) b)->signal;
  Column column = (Column) GPOINTER_TO_UINT (user_data);
  double va, vb;
  int c;

  if (column == COL_SYMBOL)
    c = g_strcmp0 (sa->symbol, sb->symbol);
  else
    {
      va = sort_value (sa, column);
      vb = sort_value (sb, column);
      c = va < vb ? -1 : va > vb ? 1 : 0;
    }
  /* Ties: newest first, then by id, so the order is total and stable. */
  if (c == 0)
    c = sa->time > sb->time ? -1 : sa->time < sb->time ? 1 : 0;
  if (c == 0)
    c = sa->id > sb->id ? -1 : sa->id < sb->id ? 1 : 0;
  return c;
}

static gboolean
filter_row (gpointer item,
            gpointer user_data)
{
  PerpJournalView *self = user_data;
  const PerpJournalSignal *s = PERP_JOURNAL_ITEM (item)->signal;

  if (self->symbol != NULL && g_strcmp0 (s->symbol, self->symbol) != 0)
    return FALSE;

  switch (self->status)
    {
    case PERP_JOURNAL_STATUS_TAKEN:
      if (s->status != PERP_SIGNAL_TAKEN)
        return FALSE;
      break;
    case PERP_JOURNAL_STATUS_BLOCKED:
      if (s->status != PERP_SIGNAL_BLOCKED)
        return FALSE;
      break;
    case PERP_JOURNAL_STATUS_DISCARDED:
      if (s->status == PERP_SIGNAL_TAKEN || s->status == PERP_SIGNAL_BLOCKED)
        return FALSE;
      break;
    case PERP_JOURNAL_STATUS_ALL:
    default:
      break;
    }

  switch (self->outcome)
    {
    case PERP_JOURNAL_OUTCOME_OPEN:
      if (!s->has_outcome || !state_is_open (s->outcome_state))
        return FALSE;
      break;
    case PERP_JOURNAL_OUTCOME_CLOSED:
      if (!s->has_outcome || state_is_open (s->outcome_state))
        return FALSE;
      break;
    case PERP_JOURNAL_OUTCOME_ALL:
    default:
      break;
    }

  if (self->search != NULL && self->search[0] != '\0')
    {
      g_autofree char *status = format_cell (s, COL_STATUS, TRUE);
      g_autofree char *outcome = format_cell (s, COL_OUTCOME, TRUE);
      g_autofree char *haystack = g_strjoin (" ", s->symbol, status, outcome, NULL);
      g_autofree char *folded = g_utf8_casefold (haystack, -1);
      g_autofree char *needle = g_utf8_casefold (self->search, -1);

      if (strstr (folded, needle) == NULL)
        return FALSE;
    }

  return TRUE;
}

static void
update_count (PerpJournalView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *text = NULL;

  if (shown == total)
    text = g_strdup_printf (ngettext ("%u signal", "%u signals", total), total);
  else
    /* Translators: "12 of 340 signals" (the rest hidden by the filters) */
    text = g_strdup_printf (ngettext ("%u of %u signal", "%u of %u signals", total), shown, total);
  gtk_label_set_label (self->count_label, text);

  if (self->journal == NULL)
    {
      adw_status_page_set_title (self->empty_page, _("No Journal"));
      adw_status_page_set_description (self->empty_page,
                                       _("No signal journal is open: signals are not being journaled."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else if (total == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Signals Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Signals are journaled here as the engine scores closed candles."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else if (shown == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Matching Signals"));
      adw_status_page_set_description (self->empty_page, _("Change the filters to see more signals."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "table");
}

static void
filter_changed (PerpJournalView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The symbol choices are the journal's symbols; the chosen one stays chosen. */
static void
update_symbols (PerpJournalView *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint selected = 0;
  const char *all = _("All Symbols");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PerpJournalItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_hash_table_add (seen, item->signal->symbol))
        g_ptr_array_add (names, item->signal->symbol);
    }
  if (self->symbol != NULL && !g_hash_table_contains (seen, self->symbol))
    g_ptr_array_add (names, self->symbol);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_insert (names, 0, (gpointer) all);
  g_ptr_array_add (names, NULL);

  for (guint i = 1; i + 1 < names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (names, i), self->symbol) == 0)
      selected = i;

  self->updating_symbols = TRUE;
  gtk_string_list_splice (self->symbols, 0, g_list_model_get_n_items (G_LIST_MODEL (self->symbols)),
                          (const char * const *) names->pdata);
  gtk_drop_down_set_selected (self->symbol_drop, selected);
  self->updating_symbols = FALSE;
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PerpJournal *journal = task_data;
  PerpJournalQuery query;
  GError *error = NULL;
  GPtrArray *rows;

  perp_journal_query_init (&query);
  query.limit = MAX_ROWS;
  rows = perp_journal_list_signals (journal, &query, &error);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

static void start_query (PerpJournalView *self);

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) items = NULL;
  PerpJournalView *self;
  PerpJournalItem *selected;
  gint64 selected_id = -1;
  guint n_shown;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = PERP_JOURNAL_VIEW (user_data);
  self->busy = FALSE;

  if (rows == NULL)
    {
      g_warning ("Failed to read the journal: %s", error->message);
      adw_status_page_set_title (self->empty_page, _("Journal Unreadable"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    {
      selected = gtk_single_selection_get_selected_item (self->selection);
      if (selected != NULL)
        selected_id = selected->signal->id;

      /* The items take the signals over; the array must not free them too. */
      g_ptr_array_set_free_func (rows, NULL);
      items = g_ptr_array_new_full (rows->len, g_object_unref);
      for (guint i = 0; i < rows->len; i++)
        g_ptr_array_add (items, perp_journal_item_new_take (g_ptr_array_index (rows, i)));
      g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                           items->pdata, items->len);

      /* Keep the row the user had selected (by id: the items are new). */
      n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
      for (guint i = 0; selected_id >= 0 && i < n_shown; i++)
        {
          g_autoptr(PerpJournalItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

          if (item->signal->id == selected_id)
            {
              gtk_single_selection_set_selected (self->selection, i);
              break;
            }
        }

      self->loaded = TRUE;
      update_symbols (self);
      update_count (self);
    }

  if (self->pending)
    {
      self->pending = FALSE;
      start_query (self);
    }
}

static void
start_query (PerpJournalView *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->journal == NULL)
    return;
  if (self->busy)
    {
      self->pending = TRUE;
      return;
    }

  self->busy = TRUE;
  task = g_task_new (NULL, self->cancellable, query_done_cb, self);
  g_task_set_source_tag (task, start_query);
  g_task_set_task_data (task, g_object_ref (self->journal), g_object_unref);
  g_task_run_in_thread (task, query_thread);
}

/* ---- Filters ------------------------------------------------------------------------ */

static void
search_changed_cb (PerpJournalView *self,
                   GtkSearchEntry  *entry)
{
  if (set_str (&self->search, gtk_editable_get_text (GTK_EDITABLE (entry))))
    filter_changed (self);
}

static void
symbol_selected_cb (PerpJournalView *self,
                    GParamSpec      *pspec,
                    GtkDropDown     *drop)
{
  guint selected = gtk_drop_down_get_selected (drop);
  const char *symbol = NULL;

  if (self->updating_symbols)
    return;

  if (selected != GTK_INVALID_LIST_POSITION && selected > 0)
    symbol = gtk_string_list_get_string (self->symbols, selected);
  if (set_str (&self->symbol, symbol))
    filter_changed (self);
}

static void
status_selected_cb (PerpJournalView *self,
                    GParamSpec      *pspec,
                    GtkDropDown     *drop)
{
  guint selected = gtk_drop_down_get_selected (drop);
  PerpJournalStatusFilter status = selected <= PERP_JOURNAL_STATUS_DISCARDED
                                   ? (PerpJournalStatusFilter) selected : PERP_JOURNAL_STATUS_ALL;

  if (status == self->status)
    return;
  self->status = status;
  filter_changed (self);
}

static void
outcome_selected_cb (PerpJournalView *self,
                     GParamSpec      *pspec,
                     GtkDropDown     *drop)
{
  guint selected = gtk_drop_down_get_selected (drop);
  PerpJournalOutcomeFilter outcome = selected <= PERP_JOURNAL_OUTCOME_CLOSED
                                     ? (PerpJournalOutcomeFilter) selected : PERP_JOURNAL_OUTCOME_ALL;

  if (outcome == self->outcome)
    return;
  self->outcome = outcome;
  filter_changed (self);
}

/**
 * perp_journal_view_set_status_filter:
 * @self: a #PerpJournalView
 * @status: which statuses to show
 *
 * Chooses it in the status menu, as the user would.
 */
void
perp_journal_view_set_status_filter (PerpJournalView         *self,
                                     PerpJournalStatusFilter  status)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  gtk_drop_down_set_selected (self->status_drop, (guint) status);
}

/**
 * perp_journal_view_set_outcome_filter:
 * @self: a #PerpJournalView
 * @outcome: which outcomes to show
 */
void
perp_journal_view_set_outcome_filter (PerpJournalView          *self,
                                      PerpJournalOutcomeFilter  outcome)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  gtk_drop_down_set_selected (self->outcome_drop, (guint) outcome);
}

/**
 * perp_journal_view_set_symbol_filter:
 * @self: a #PerpJournalView
 * @symbol: (nullable): only this symbol, %NULL for all
 */
void
perp_journal_view_set_symbol_filter (PerpJournalView *self,
                                     const char      *symbol)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  if (set_str (&self->symbol, symbol))
    {
      update_symbols (self);
      filter_changed (self);
    }
}

/**
 * perp_journal_view_set_search:
 * @self: a #PerpJournalView
 * @text: (nullable): rows whose symbol, status, reason or outcome contain it
 */
void
perp_journal_view_set_search (PerpJournalView *self,
                              const char      *text)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  /* Not through search-changed: that is delayed by a timeout. */
  if (set_str (&self->search, text))
    filter_changed (self);
}

/* ---- Table -------------------------------------------------------------------------- */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  static const guint min_chars[N_COLS] = {
    [COL_TIME] = 16, [COL_SYMBOL] = 9, [COL_INTERVAL] = 3, [COL_DIRECTION] = 5, [COL_LONG] = 5,
    [COL_TIER] = 8, [COL_STATUS] = 16, [COL_ENTRY] = 9, [COL_STOP] = 9, [COL_OUTCOME] = 10,
    [COL_R] = 8, [COL_MFE] = 8, [COL_MAE] = 8,
  };
  Column column = (Column) GPOINTER_TO_UINT (user_data);
  GtkWidget *cell = gtk_inscription_new (NULL);
  gboolean numeric = column == COL_LONG || column == COL_ENTRY || column == COL_STOP
                     || column == COL_R || column == COL_MFE || column == COL_MAE;

  gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), numeric ? 1.0f : 0.0f);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), min_chars[column]);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_add_css_class (cell, "numeric");
  gtk_list_item_set_child (list_item, cell);
}

/* What a column's cells need to know when they are bound. */
typedef struct
{
  PerpJournalView *view;    /* not a reference: its columns go before it does */
  Column           column;
} ColumnContext;

static void
column_context_free (gpointer  data,
                     GClosure *closure)
{
  g_free (data);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  const ColumnContext *context = user_data;
  Column column = context->column;
  PerpJournalItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *cell = gtk_list_item_get_child (list_item);
  g_autofree char *text = format_cell (item->signal, column, context->view->utc);
  const PerpJournalSignal *s = item->signal;

  gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
  gtk_widget_set_tooltip_text (cell, column == COL_STATUS && s->reason != NULL && s->reason[0] != '\0'
                                     ? s->reason : NULL);

  gtk_widget_remove_css_class (cell, "success");
  gtk_widget_remove_css_class (cell, "error");
  if (column == COL_R && s->has_outcome && !state_is_open (s->outcome_state) && isfinite (s->result_r)
      && s->result_r != 0.0)
    gtk_widget_add_css_class (cell, s->result_r > 0.0 ? "success" : "error");
  else if (column == COL_DIRECTION && s->direction != PERP_DIRECTION_NONE)
    gtk_widget_add_css_class (cell, s->direction == PERP_DIRECTION_LONG ? "success" : "error");
}

static void
add_column (PerpJournalView *self,
            Column           column,
            const char      *title,
            gboolean         expand)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) col = NULL;
  g_autoptr(GtkCustomSorter) sorter = NULL;
  ColumnContext *context = g_new (ColumnContext, 1);

  context->view = self;
  context->column = column;
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GUINT_TO_POINTER (column));
  g_signal_connect_data (factory, "bind", G_CALLBACK (cell_bind_cb), context, column_context_free, 0);
  sorter = gtk_custom_sorter_new (compare_rows, GUINT_TO_POINTER (column), NULL);

  col = gtk_column_view_column_new (title, g_object_ref (factory));
  gtk_column_view_column_set_sorter (col, GTK_SORTER (sorter));
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_append_column (self->column_view, col);
}

static void
activate_cb (PerpJournalView *self,
             guint            position,
             GtkColumnView   *view)
{
  g_autoptr(PerpJournalItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (item == NULL)
    return;

  gtk_single_selection_set_selected (self->selection, position);
  g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, item);
}

static GtkWidget *
drop_down (const char * const *items,
           const char         *tooltip)
{
  GtkWidget *drop = gtk_drop_down_new_from_strings (items);

  gtk_widget_set_tooltip_text (drop, tooltip);
  gtk_widget_set_valign (drop, GTK_ALIGN_CENTER);
  return drop;
}

static void
build_ui (PerpJournalView *self)
{
  const char *status_items[] = { _("All Statuses"), _("Taken"), _("Blocked"), _("Discarded"), NULL };
  const char *outcome_items[] = { _("All Outcomes"), _("Open"), _("Closed"), NULL };
  GtkWidget *toolbar;
  GtkWidget *scrolled;
  GtkColumnViewColumn *time_column;
  g_autoptr(GListModel) columns = NULL;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (toolbar, "toolbar");
  gtk_widget_add_css_class (toolbar, "journal-toolbar");

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Search signals"), NULL);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->search_entry), 22);
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->search_entry));

  self->symbols = gtk_string_list_new (NULL);
  gtk_string_list_append (self->symbols, _("All Symbols"));
  self->symbol_drop = GTK_DROP_DOWN (gtk_drop_down_new (g_object_ref (G_LIST_MODEL (self->symbols)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->symbol_drop), _("Symbol"));
  gtk_widget_set_valign (GTK_WIDGET (self->symbol_drop), GTK_ALIGN_CENTER);
  g_signal_connect_object (self->symbol_drop, "notify::selected", G_CALLBACK (symbol_selected_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->symbol_drop));

  self->status_drop = GTK_DROP_DOWN (drop_down (status_items, _("Status")));
  g_signal_connect_object (self->status_drop, "notify::selected", G_CALLBACK (status_selected_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->status_drop));

  self->outcome_drop = GTK_DROP_DOWN (drop_down (outcome_items, _("Outcome")));
  g_signal_connect_object (self->outcome_drop, "notify::selected", G_CALLBACK (outcome_selected_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->outcome_drop));

  self->count_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->count_label), TRUE);
  gtk_label_set_xalign (self->count_label, 1.0f);
  gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "numeric");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->count_label));

  gtk_box_append (GTK_BOX (self->box), toolbar);
  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "view-list-bullet-symbolic");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");

  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_column_view_set_show_column_separators (self->column_view, FALSE);
  gtk_column_view_set_show_row_separators (self->column_view, FALSE);
  gtk_column_view_set_single_click_activate (self->column_view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "data-table");
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "journal-table");
  g_signal_connect_object (self->column_view, "activate", G_CALLBACK (activate_cb), self, G_CONNECT_SWAPPED);

  add_column (self, COL_TIME, _("Time (UTC)"), FALSE);
  add_column (self, COL_SYMBOL, _("Symbol"), FALSE);
  add_column (self, COL_INTERVAL, _("TF"), FALSE);
  add_column (self, COL_DIRECTION, _("Direction"), FALSE);
  add_column (self, COL_LONG, _("Long"), FALSE);
  add_column (self, COL_TIER, _("Tier"), FALSE);
  add_column (self, COL_STATUS, _("Status"), TRUE);
  add_column (self, COL_ENTRY, _("Entry"), FALSE);
  add_column (self, COL_STOP, _("Stop"), FALSE);
  add_column (self, COL_OUTCOME, _("Outcome"), FALSE);
  add_column (self, COL_R, _("R"), FALSE);
  add_column (self, COL_MFE, _("MFE"), FALSE);
  add_column (self, COL_MAE, _("MAE"), FALSE);

  self->store = g_list_store_new (PERP_TYPE_JOURNAL_ITEM);
  self->filter = gtk_custom_filter_new (filter_row, self, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                                  g_object_ref (GTK_FILTER (self->filter)));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* Newest first, as the journal lists them. */
  columns = g_object_ref (gtk_column_view_get_columns (self->column_view));
  time_column = g_list_model_get_item (columns, COL_TIME);
  gtk_column_view_sort_by_column (self->column_view, time_column, GTK_SORT_DESCENDING);
  g_object_unref (time_column);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->column_view));
  gtk_stack_add_named (self->stack, scrolled, "table");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->stack));

  update_count (self);
}

/* ---- Public ------------------------------------------------------------------------- */

/**
 * perp_journal_view_set_journal:
 * @self: a #PerpJournalView
 * @journal: (nullable): the journal to list; read from worker threads
 */
void
perp_journal_view_set_journal (PerpJournalView *self,
                               PerpJournal     *journal)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));
  g_return_if_fail (journal == NULL || PERP_IS_JOURNAL (journal));

  if (self->journal == journal)
    return;

  /* Rows of the old journal must not land after the switch. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = FALSE;
  self->pending = FALSE;
  self->loaded = FALSE;

  g_set_object (&self->journal, journal);
  g_list_store_remove_all (self->store);
  update_symbols (self);
  update_count (self);
  start_query (self);
}

/**
 * perp_journal_view_set_utc:
 * @utc: %TRUE for times in UTC (the default), %FALSE for the local time zone
 */
void
perp_journal_view_set_utc (PerpJournalView *self,
                           gboolean         utc)
{
  g_autoptr(GtkColumnViewColumn) time_column = NULL;

  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  utc = !!utc;
  if (self->utc == utc)
    return;
  self->utc = utc;

  time_column = g_list_model_get_item (gtk_column_view_get_columns (self->column_view), COL_TIME);
  gtk_column_view_column_set_title (time_column, utc ? _("Time (UTC)") : _("Time (local)"));
  /* Reading the rows again binds every cell again. */
  start_query (self);
}

/**
 * perp_journal_view_refresh:
 * @self: a #PerpJournalView
 *
 * Re-reads the journal in a worker thread; the rows are replaced when it is done.
 */
void
perp_journal_view_refresh (PerpJournalView *self)
{
  g_return_if_fail (PERP_IS_JOURNAL_VIEW (self));

  start_query (self);
}

/**
 * perp_journal_view_is_busy:
 * @self: a #PerpJournalView
 *
 * Returns: %TRUE while a read runs or is queued
 */
gboolean
perp_journal_view_is_busy (PerpJournalView *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL_VIEW (self), FALSE);

  return self->busy || self->pending;
}

/**
 * perp_journal_view_get_model:
 * @self: a #PerpJournalView
 *
 * Returns: (transfer none): the rows as shown, filtered and sorted, of
 *   #PerpJournalItem
 */
GListModel *
perp_journal_view_get_model (PerpJournalView *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL_VIEW (self), NULL);

  return G_LIST_MODEL (self->selection);
}

/**
 * perp_journal_view_get_column_view:
 * @self: a #PerpJournalView
 *
 * Returns: (transfer none): the table
 */
GtkColumnView *
perp_journal_view_get_column_view (PerpJournalView *self)
{
  g_return_val_if_fail (PERP_IS_JOURNAL_VIEW (self), NULL);

  return self->column_view;
}

static void
perp_journal_view_dispose (GObject *object)
{
  PerpJournalView *self = PERP_JOURNAL_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->column_view = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->symbols);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (perp_journal_view_parent_class)->dispose (object);
}

static void
perp_journal_view_finalize (GObject *object)
{
  PerpJournalView *self = PERP_JOURNAL_VIEW (object);

  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->symbol, g_free);

  G_OBJECT_CLASS (perp_journal_view_parent_class)->finalize (object);
}

static void
perp_journal_view_class_init (PerpJournalViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = perp_journal_view_dispose;
  object_class->finalize = perp_journal_view_finalize;

  /**
   * PerpJournalView::signal-activated:
   * @self: the view
   * @item: the #PerpJournalItem activated (clicked twice, or Enter)
   *
   * The user wants to see this signal on the chart.
   */
  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("signal-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, PERP_TYPE_JOURNAL_ITEM);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "journal-view");
}

static void
perp_journal_view_init (PerpJournalView *self)
{
  self->cancellable = g_cancellable_new ();
  self->utc = TRUE;
  build_ui (self);
}

/**
 * perp_journal_view_new:
 *
 * Returns: (transfer full): a journal view without a journal
 */
GtkWidget *
perp_journal_view_new (void)
{
  return g_object_new (PERP_TYPE_JOURNAL_VIEW, NULL);
}
