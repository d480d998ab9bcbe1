/* perp-stats-view.c: the journal's statistics: overall, by symbol, tier and session
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-stats-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "io/report/perp-report.h"
#include "perp-stats-view.h"

/*
 * The numbers are the journal's own (perp_journal_stats), over closed trades, in the
 * same formats as the reports, so the window and an exported report agree to the
 * character.  The four queries run in a GTask thread on the journal's connection
 * (it is thread-safe behind its mutex); the widgets are rebuilt on the main context
 * when they are back.  A refresh asked for while one runs is run after it.
 */

static const PerpJournalGroup table_groups[] = {
  PERP_JOURNAL_GROUP_SYMBOL,
  PERP_JOURNAL_GROUP_TIER,
  PERP_JOURNAL_GROUP_SESSION,
};

/* The overall figures shown as tiles, in this order. */
static const PerpStatsField tile_fields[] = {
  PERP_STATS_FIELD_TRADES,
  PERP_STATS_FIELD_WIN_RATE,
  PERP_STATS_FIELD_PROFIT_FACTOR,
  PERP_STATS_FIELD_EXPECTANCY,
  PERP_STATS_FIELD_AVG_R,
  PERP_STATS_FIELD_MAX_DRAWDOWN,
  PERP_STATS_FIELD_LOSING_STREAK,
  PERP_STATS_FIELD_TOTAL_R,
};

struct _PerpStatsView
{
  GtkWidget     parent_instance;

  GtkWidget    *stack;
  GtkWidget    *empty_page;
  GtkWidget    *tiles;
  GtkWidget    *tables[G_N_ELEMENTS (table_groups)];

  PerpJournal  *journal;
  GCancellable *cancellable;
  GHashTable   *texts;      /* "group/key/field" -> text shown */
  gboolean      busy;
  gboolean      pending;
};

G_DEFINE_FINAL_TYPE (PerpStatsView, perp_stats_view, GTK_TYPE_WIDGET)

typedef struct
{
  GPtrArray *rows[1 + G_N_ELEMENTS (table_groups)];  /* overall, then table_groups */
} StatsResult;

static void
stats_result_free (gpointer data)
{
  StatsResult *result = data;

  for (guint i = 0; i < G_N_ELEMENTS (result->rows); i++)
    g_clear_pointer (&result->rows[i], g_ptr_array_unref);
  g_free (result);
}

static const char *
field_title (PerpStatsField field)
{
  switch (field)
    {
    case PERP_STATS_FIELD_TRADES: return _("Trades");
    case PERP_STATS_FIELD_RECORD: return _("W / L / S");
    case PERP_STATS_FIELD_WIN_RATE: return _("Win Rate");
    case PERP_STATS_FIELD_PROFIT_FACTOR: return _("Profit Factor");
    case PERP_STATS_FIELD_EXPECTANCY: return _("Expectancy");
    case PERP_STATS_FIELD_AVG_R: return _("Average R");
    case PERP_STATS_FIELD_TOTAL_R: return _("Total R");
    case PERP_STATS_FIELD_MAX_DRAWDOWN: return _("Max Drawdown");
    case PERP_STATS_FIELD_LOSING_STREAK: return _("Losing Streak");
    case PERP_N_STATS_FIELDS:
    default: return "";
    }
}

static const char *
group_title (PerpJournalGroup group)
{
  switch (group)
    {
    case PERP_JOURNAL_GROUP_SYMBOL: return _("By Symbol");
    case PERP_JOURNAL_GROUP_TIER: return _("By Tier");
    case PERP_JOURNAL_GROUP_SESSION: return _("By Session");
    case PERP_JOURNAL_GROUP_NONE: return _("Overall");
    case PERP_JOURNAL_GROUP_DAY:
    case PERP_JOURNAL_GROUP_FACTOR:
    default: return "";
    }
}

static const char *
group_key_title (PerpJournalGroup group)
{
  switch (group)
    {
    case PERP_JOURNAL_GROUP_SYMBOL: return _("Symbol");
    case PERP_JOURNAL_GROUP_TIER: return _("Tier");
    case PERP_JOURNAL_GROUP_SESSION: return _("Session");
    case PERP_JOURNAL_GROUP_NONE:
    case PERP_JOURNAL_GROUP_DAY:
    case PERP_JOURNAL_GROUP_FACTOR:
    default: return "";
    }
}

/* The report's formats (perp-report.c, perp_report_stats_cells). */
static char *
format_field (const PerpJournalStats *stats,
              PerpStatsField          field)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (field)
    {
    case PERP_STATS_FIELD_TRADES:
      return g_strdup_printf ("%u", stats->n_trades);
    case PERP_STATS_FIELD_RECORD:
      return g_strdup_printf ("%u / %u / %u", stats->n_wins, stats->n_losses, stats->n_scratches);
    case PERP_STATS_FIELD_WIN_RATE:
      return perp_report_format_percent (stats->win_rate);
    case PERP_STATS_FIELD_PROFIT_FACTOR:
      return perp_report_format_ratio (stats->profit_factor);
    case PERP_STATS_FIELD_EXPECTANCY:
      return perp_report_format_r (stats->expectancy_r);
    case PERP_STATS_FIELD_AVG_R:
      return perp_report_format_r (stats->avg_r);
    case PERP_STATS_FIELD_TOTAL_R:
      return perp_report_format_r (stats->total_r);
    case PERP_STATS_FIELD_MAX_DRAWDOWN:
      return g_strdup_printf ("%s R", g_ascii_formatd (buf, sizeof buf, "%.2f", stats->max_drawdown_r));
    case PERP_STATS_FIELD_LOSING_STREAK:
      return g_strdup_printf ("%u", stats->longest_losing_streak);
    case PERP_N_STATS_FIELDS:
    default:
      return g_strdup ("");
    }
}

static char *
text_key (PerpJournalGroup  group,
          const char       *key,
          PerpStatsField    field)
{
  return g_strdup_printf ("%d/%s/%d", (int) group, key, (int) field);
}

/* A tier key is perp_tier_name(); show it capitalised like the score panel. */
static char *
row_title (PerpJournalGroup  group,
           const char       *key)
{
  if (group == PERP_JOURNAL_GROUP_TIER || group == PERP_JOURNAL_GROUP_SESSION)
    {
      /* "london-ny-overlap" -> "London NY Overlap" */
      g_auto(GStrv) words = g_strsplit_set (key, "-_ ", -1);

      for (guint i = 0; words[i] != NULL; i++)
        {
          if (g_strcmp0 (words[i], "ny") == 0)
            g_strlcpy (words[i], "NY", 3);
          else if (words[i][0] != '\0')
            words[i][0] = g_ascii_toupper (words[i][0]);
        }
      return g_strjoinv (" ", words);
    }

  return g_strdup (key);
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_BOX (box))
        gtk_box_remove (GTK_BOX (box), child);
      else if (GTK_IS_FLOW_BOX (box))
        gtk_flow_box_remove (GTK_FLOW_BOX (box), child);
      else
        gtk_grid_remove (GTK_GRID (box), child);
    }
}

static GtkWidget *
cell_label (const char *text,
            float       xalign,
            const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  /* The same widths in every table, so their columns line up. */
  if (xalign > 0.5f)
    gtk_label_set_width_chars (GTK_LABEL (label), 11);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_widget_add_css_class (label, "numeric");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
store_text (PerpStatsView    *self,
            PerpJournalGroup  group,
            const char       *key,
            PerpStatsField    field,
            const char       *text)
{
  g_hash_table_replace (self->texts, text_key (group, key, field), g_strdup (text));
}

static void
fill_tiles (PerpStatsView   *self,
            GPtrArray       *overall)
{
  const PerpJournalStatsRow *row = overall->len > 0 ? g_ptr_array_index (overall, 0) : NULL;
  PerpJournalStats none = { 0 };
  const PerpJournalStats *stats = row != NULL ? &row->stats : &none;

  clear_box (self->tiles);
  for (guint i = 0; i < PERP_N_STATS_FIELDS; i++)
    {
      g_autofree char *text = format_field (stats, (PerpStatsField) i);

      store_text (self, PERP_JOURNAL_GROUP_NONE, "all", (PerpStatsField) i, text);
    }

  for (guint i = 0; i < G_N_ELEMENTS (tile_fields); i++)
    {
      GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      g_autofree char *text = format_field (stats, tile_fields[i]);

      /* style.css has no padding for cards: the margins give it. */
      gtk_widget_set_margin_top (tile, 12);
      gtk_widget_set_margin_bottom (tile, 12);
      gtk_widget_set_margin_start (tile, 16);
      gtk_widget_set_margin_end (tile, 16);
      gtk_widget_add_css_class (card, "card");
      gtk_box_append (GTK_BOX (tile), cell_label (text, 0.0f, "title-2"));
      gtk_box_append (GTK_BOX (tile), cell_label (field_title (tile_fields[i]), 0.0f, "dim-label"));
      gtk_box_append (GTK_BOX (card), tile);
      gtk_flow_box_append (GTK_FLOW_BOX (self->tiles), card);
    }
}

static void
fill_table (PerpStatsView    *self,
            GtkWidget        *grid,
            PerpJournalGroup  group,
            GPtrArray        *rows)
{
  clear_box (grid);

  gtk_grid_attach (GTK_GRID (grid), cell_label (group_key_title (group), 0.0f, "dim-label"), 0, 0, 1, 1);
  for (guint f = 0; f < PERP_N_STATS_FIELDS; f++)
    gtk_grid_attach (GTK_GRID (grid), cell_label (field_title ((PerpStatsField) f), 1.0f, "dim-label"),
                     (int) f + 1, 0, 1, 1);

  for (guint r = 0; r < rows->len; r++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, r);
      g_autofree char *title = row_title (group, row->key);

      GtkWidget *key_label = cell_label (title, 0.0f, NULL);

      gtk_widget_set_hexpand (key_label, TRUE);
      gtk_grid_attach (GTK_GRID (grid), key_label, 0, (int) r + 1, 1, 1);
      for (guint f = 0; f < PERP_N_STATS_FIELDS; f++)
        {
          g_autofree char *text = format_field (&row->stats, (PerpStatsField) f);

          store_text (self, group, row->key, (PerpStatsField) f, text);
          gtk_grid_attach (GTK_GRID (grid), cell_label (text, 1.0f, NULL), (int) f + 1, (int) r + 1, 1, 1);
        }
    }

  if (rows->len == 0)
    gtk_grid_attach (GTK_GRID (grid), cell_label (_("No closed trades"), 0.0f, "dim-label"), 0, 1, 1, 1);
}

static void
stats_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PerpJournal *journal = task_data;
  StatsResult *result = g_new0 (StatsResult, 1);
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (result->rows); i++)
    {
      PerpJournalGroup group = i == 0 ? PERP_JOURNAL_GROUP_NONE : table_groups[i - 1];

      result->rows[i] = perp_journal_stats (journal, NULL, group, (PerpFactor) 0, &error);
      if (result->rows[i] == NULL)
        {
          stats_result_free (result);
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_pointer (task, result, stats_result_free);
}

static void start_query (PerpStatsView *self);

static void
stats_done_cb (GObject      *object,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  StatsResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  PerpStatsView *self;
  const PerpJournalStatsRow *overall;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = PERP_STATS_VIEW (user_data);
  self->busy = FALSE;

  if (result == NULL)
    {
      g_warning ("Failed to compute the journal's statistics: %s", error->message);
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("Statistics Unavailable"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page), error->message);
      gtk_stack_set_visible_child (GTK_STACK (self->stack), self->empty_page);
    }
  else
    {
      g_hash_table_remove_all (self->texts);
      fill_tiles (self, result->rows[0]);
      for (guint i = 0; i < G_N_ELEMENTS (table_groups); i++)
        fill_table (self, self->tables[i], table_groups[i], result->rows[i + 1]);

      overall = result->rows[0]->len > 0 ? g_ptr_array_index (result->rows[0], 0) : NULL;
      if (overall == NULL || overall->stats.n_trades == 0)
        {
          adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Closed Trades Yet"));
          adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                           _("Statistics appear once signals in the journal have closed."));
          gtk_stack_set_visible_child (GTK_STACK (self->stack), self->empty_page);
        }
      else
        gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "stats");
      stats_result_free (result);
    }

  if (self->pending)
    {
      self->pending = FALSE;
      start_query (self);
    }
}

static void
start_query (PerpStatsView *self)
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
  task = g_task_new (NULL, self->cancellable, stats_done_cb, self);
  g_task_set_source_tag (task, start_query);
  g_task_set_task_data (task, g_object_ref (self->journal), g_object_unref);
  g_task_run_in_thread (task, stats_thread);
}

/**
 * perp_stats_view_refresh:
 * @self: a #PerpStatsView
 *
 * Recomputes the statistics in a worker thread.
 */
void
perp_stats_view_refresh (PerpStatsView *self)
{
  g_return_if_fail (PERP_IS_STATS_VIEW (self));

  start_query (self);
}

/**
 * perp_stats_view_is_busy:
 * @self: a #PerpStatsView
 *
 * Returns: %TRUE while a computation runs or is queued
 */
gboolean
perp_stats_view_is_busy (PerpStatsView *self)
{
  g_return_val_if_fail (PERP_IS_STATS_VIEW (self), FALSE);

  return self->busy || self->pending;
}

/**
 * perp_stats_view_set_journal:
 * @self: a #PerpStatsView
 * @journal: (nullable): the journal to summarise
 */
void
perp_stats_view_set_journal (PerpStatsView *self,
                             PerpJournal   *journal)
{
  g_return_if_fail (PERP_IS_STATS_VIEW (self));
  g_return_if_fail (journal == NULL || PERP_IS_JOURNAL (journal));

  if (self->journal == journal)
    return;

  /* Results of the old journal must not land in the new one's view. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = FALSE;
  self->pending = FALSE;

  g_set_object (&self->journal, journal);
  g_hash_table_remove_all (self->texts);
  if (journal == NULL)
    {
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Journal"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                       _("No signal journal is open: signals are not being journaled."));
      gtk_stack_set_visible_child (GTK_STACK (self->stack), self->empty_page);
      return;
    }

  start_query (self);
}

/**
 * perp_stats_view_get_text:
 * @self: a #PerpStatsView
 * @group: %PERP_JOURNAL_GROUP_NONE for the overall figures, or a table's grouping
 * @key: "all" for the overall figures, else the row's key (symbol, tier name, session)
 * @field: the column
 *
 * Returns: (nullable): the text shown there, %NULL when there is no such cell
 */
const char *
perp_stats_view_get_text (PerpStatsView    *self,
                          PerpJournalGroup  group,
                          const char       *key,
                          PerpStatsField    field)
{
  g_autofree char *k = NULL;

  g_return_val_if_fail (PERP_IS_STATS_VIEW (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  k = text_key (group, key, field);
  return g_hash_table_lookup (self->texts, k);
}

static void
perp_stats_view_dispose (GObject *object)
{
  PerpStatsView *self = PERP_STATS_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->journal);
  g_clear_pointer (&self->stack, gtk_widget_unparent);

  G_OBJECT_CLASS (perp_stats_view_parent_class)->dispose (object);
}

static void
perp_stats_view_finalize (GObject *object)
{
  PerpStatsView *self = PERP_STATS_VIEW (object);

  g_clear_pointer (&self->texts, g_hash_table_unref);

  G_OBJECT_CLASS (perp_stats_view_parent_class)->finalize (object);
}

static void
perp_stats_view_class_init (PerpStatsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = perp_stats_view_dispose;
  object_class->finalize = perp_stats_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "stats-view");
}

static void
perp_stats_view_init (PerpStatsView *self)
{
  GtkWidget *scrolled;
  GtkWidget *clamp;
  GtkWidget *box;
  GtkWidget *heading;

  self->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();

  self->stack = gtk_stack_new ();
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "view-list-bullet-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Journal"));
  gtk_stack_add_named (GTK_STACK (self->stack), self->empty_page, "empty");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  heading = cell_label (_("Overall"), 0.0f, "heading");
  gtk_box_append (GTK_BOX (box), heading);
  self->tiles = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->tiles), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->tiles), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (self->tiles), 2);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->tiles), 4);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->tiles), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->tiles), 12);
  gtk_box_append (GTK_BOX (box), self->tiles);

  for (guint i = 0; i < G_N_ELEMENTS (table_groups); i++)
    {
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

      self->tables[i] = gtk_grid_new ();
      gtk_grid_set_column_spacing (GTK_GRID (self->tables[i]), 18);
      gtk_grid_set_row_spacing (GTK_GRID (self->tables[i]), 6);
      gtk_widget_add_css_class (self->tables[i], "stats-table");
      gtk_widget_set_margin_top (self->tables[i], 12);
      gtk_widget_set_margin_bottom (self->tables[i], 12);
      gtk_widget_set_margin_start (self->tables[i], 16);
      gtk_widget_set_margin_end (self->tables[i], 16);
      gtk_widget_add_css_class (card, "card");
      heading = cell_label (group_title (table_groups[i]), 0.0f, "heading");
      gtk_widget_set_margin_top (heading, 18);
      gtk_box_append (GTK_BOX (box), heading);
      gtk_box_append (GTK_BOX (card), self->tables[i]);
      gtk_box_append (GTK_BOX (box), card);
    }

  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 1100);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "stats");

  gtk_stack_set_visible_child (GTK_STACK (self->stack), self->empty_page);
}

/**
 * perp_stats_view_new:
 *
 * Returns: (transfer full): a statistics view without a journal
 */
GtkWidget *
perp_stats_view_new (void)
{
  return g_object_new (PERP_TYPE_STATS_VIEW, NULL);
}
