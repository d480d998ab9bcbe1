/* perp-main-window.c: the main window: chart, score panel, symbol list, feed status
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-main-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/perp-replay-feed.h"
#include "perp-export.h"
#include "perp-symbol-item.h"
#include "perp-main-window.h"

/*
 * The window observes one engine and one feed.  Engine signals arrive at data rate:
 * a replay at full speed closes thousands of candles a second.  So handlers only note
 * what changed (a set of symbols with a new score, a flag for the chart) and one idle
 * callback brings the screen up to date from the engine's latest state.  The panel,
 * the list and the chart are then updated at most once per main-loop turn, and a
 * burst of candles costs one chart refresh, not one per candle.
 *
 * Everything the user can do is a window action ("win.symbol", "win.timeframe",
 * "win.layer-<name>", "win.replay-*"), so the header bar, the keyboard shortcuts and
 * the tests all go through the same code.
 */

static const char * const timeframes[] = { "1m", "5m", "15m", "1h", "4h" };

struct _PerpMainWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkSearchEntry       *search_entry;
  GtkSearchBar         *search_bar;
  AdwViewSwitcherTitle *window_title;
  AdwViewStack         *page_stack;
  PerpJournalView      *journal_view;
  PerpStatsView        *stats_view;
  GtkWidget            *export_spinner;
  GtkWidget            *timeframe_box;
  GtkMenuButton        *layer_menu_button;
  GtkWidget            *status_box;
  GtkWidget            *status_dot;
  GtkLabel             *status_label;
  GtkWidget            *replay_box;
  GtkButton            *play_button;
  GtkMenuButton        *speed_button;
  GtkPaned             *paned;
  GtkStack             *chart_stack;
  PerpChart            *chart;
  AdwStatusPage        *empty_page;
  PerpScorePanel       *score_panel;
  GtkColumnView        *symbol_view;

  GSettings            *settings;
  PerpEngine           *engine;
  PerpFeed             *feed;

  GListStore           *symbols;
  GtkStringFilter      *filter;
  GtkFilterListModel   *filter_model;
  GtkSortListModel     *sort_model;
  GtkSingleSelection   *selection;

  char                 *symbol;
  PerpInterval          timeframe;
  gboolean              local_time;  /* Show Local Time: every time shown, not the chart only */

  /* What the chart was given, to tell "grew" from "replaced". */
  const PerpCandles    *shown_candles;
  const PerpStructure  *shown_structure;

  GHashTable           *dirty_scores;
  guint                 chart_dirty : 1;
  guint                 syncing_selection : 1;
  guint                 setting_position : 1;
  int                   panel_width;
  int                   last_paned_width;
  guint                 refresh_id;

  PerpFeedState         feed_state;
  gint64                data_time;
  gint64                reconnect_deadline;
  char                 *feed_message;
  char                 *status_text;
  guint                 countdown_id;
  guint                 status_update_id;

  /* The journal: its views, the signal shown on the chart, exports. */
  PerpJournal          *journal;
  char                 *candles_path;
  char                 *toast_text;
  guint                 journal_refresh_id;
  gboolean              has_shown_signal;
  gboolean              showing_signal;
  gint64                shown_signal_id;
  PerpPlan              shown_plan;
  char                 *shown_symbol;
  guint                 n_exports;
  GCancellable         *cancellable;
};

G_DEFINE_FINAL_TYPE (PerpMainWindow, perp_main_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void reload_chart         (PerpMainWindow *self);
static void update_status        (PerpMainWindow *self);
static void sync_selection       (PerpMainWindow *self);
static void schedule_journal_refresh (PerpMainWindow *self);

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

static PerpSymbolItem *
find_item (PerpMainWindow *self,
           const char *symbol,
           guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->symbols));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PerpSymbolItem) item = g_list_model_get_item (G_LIST_MODEL (self->symbols), i);

      if (g_strcmp0 (perp_symbol_item_get_symbol (item), symbol) == 0)
        {
          if (position != NULL)
            *position = i;
          return item;  /* the store keeps its reference */
        }
    }

  return NULL;
}

static PerpSymbolItem *
ensure_item (PerpMainWindow *self,
             const char *symbol)
{
  PerpSymbolItem *item = find_item (self, symbol, NULL);
  g_autoptr(PerpSymbolItem) created = NULL;

  if (item != NULL)
    return item;

  created = perp_symbol_item_new (symbol);
  g_list_store_append (self->symbols, created);
  return created;
}

static void
set_stateful (PerpMainWindow *self,
              const char *name,
              GVariant   *state)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), state);
  else
    g_variant_unref (g_variant_ref_sink (state));
}

static const char *
source_title (PerpMainWindow *self)
{
  if (self->feed != NULL && PERP_IS_REPLAY_FEED (self->feed))
    return _("Replay");
  if (self->feed != NULL)
    return _("Binance USDT-M");
  return _("No data source");
}

static void
update_title (PerpMainWindow *self)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *title = NULL;

  adw_view_switcher_title_set_title (self->window_title, self->symbol != NULL ? self->symbol : _("Perpscope"));
  /* Translators: the window subtitle, "15m · Binance USDT-M" */
  subtitle = g_strdup_printf (_("%s · %s"), perp_interval_to_string (self->timeframe), source_title (self));
  adw_view_switcher_title_set_subtitle (self->window_title, subtitle);

  /* The title task switchers and screen readers see. */
  if (self->symbol != NULL)
    /* Translators: the window title, "BTCUSDT 15m — Perpscope" */
    title = g_strdup_printf (_("%s %s — Perpscope"), self->symbol, perp_interval_to_string (self->timeframe));
  gtk_window_set_title (GTK_WINDOW (self), title != NULL ? title : _("Perpscope"));
}

static void
refresh_panel_from_engine (PerpMainWindow *self)
{
  const PerpEngineUpdate *update;

  if (self->engine == NULL || self->symbol == NULL)
    return;

  update = perp_engine_get_last_update (self->engine, self->symbol);
  if (update != NULL && update->score != NULL)
    {
      perp_score_panel_update (self->score_panel, update);
      if (!self->has_shown_signal)
        perp_chart_set_plan (self->chart, update->plan);
    }
  else if (!self->has_shown_signal)
    perp_chart_set_plan (self->chart, NULL);
}

static void
apply_symbol (PerpMainWindow *self,
              const char *symbol)
{
  /* Another symbol chosen by the user: back to the engine's live plan. */
  if (!self->showing_signal && g_strcmp0 (symbol, self->shown_symbol) != 0)
    self->has_shown_signal = FALSE;

  if (!set_str (&self->symbol, symbol))
    return;

  set_stateful (self, "symbol", g_variant_new_string (symbol != NULL ? symbol : ""));
  if (self->settings != NULL && symbol != NULL)
    g_settings_set_string (self->settings, "symbol", symbol);

  perp_score_panel_set_symbol (self->score_panel, symbol,
                               self->engine != NULL ? perp_engine_get_interval (self->engine)
                                                    : PERP_INTERVAL_UNKNOWN);
  update_title (self);
  reload_chart (self);
  refresh_panel_from_engine (self);
  sync_selection (self);
}

static void
reload_chart (PerpMainWindow *self)
{
  PerpAnalysis *analysis = NULL;
  const PerpCandles *candles = NULL;
  const PerpStructure *structure = NULL;
  gboolean signal_tf;

  self->chart_dirty = FALSE;

  if (self->engine != NULL && self->symbol != NULL)
    analysis = perp_engine_get_chart_analysis (self->engine, self->symbol, self->timeframe);

  if (analysis != NULL)
    {
      candles = perp_analysis_get_candles (analysis);
      structure = perp_analysis_get_structure (analysis);
    }

  if (candles != self->shown_candles || structure != self->shown_structure)
    {
      /* set_data takes its own reference on the candles; the engine keeps owning them. */
      perp_chart_set_data (self->chart, (PerpCandles *) candles, structure);
      self->shown_candles = candles;
      self->shown_structure = structure;
    }
  else if (candles != NULL)
    perp_chart_data_changed (self->chart);

  signal_tf = self->engine != NULL && self->timeframe == perp_engine_get_interval (self->engine);
  perp_chart_set_forming (self->chart,
                          signal_tf && self->symbol != NULL
                          ? perp_engine_get_forming (self->engine, self->symbol) : NULL);
  perp_chart_set_liq_map (self->chart,
                          self->engine != NULL && self->symbol != NULL
                          ? perp_engine_get_liq_map (self->engine, self->symbol) : NULL);

  if (candles != NULL && perp_candles_get_length (candles) > 0)
    gtk_stack_set_visible_child_name (self->chart_stack, "chart");
  else
    {
      g_autofree char *description = NULL;

      if (self->engine != NULL && analysis == NULL
          && perp_interval_to_ms (self->timeframe) < perp_interval_to_ms (perp_engine_get_interval (self->engine))
          && self->feed != NULL && PERP_IS_REPLAY_FEED (self->feed))
        /* Translators: "This recording has no 1m candles. Choose 5m or longer." */
        description = g_strdup_printf (_("This recording has no %s candles. Choose %s or longer."),
                                       perp_interval_to_string (self->timeframe),
                                       perp_interval_to_string (perp_engine_get_interval (self->engine)));
      else if (self->symbol == NULL)
        description = g_strdup (_("No symbol is watched."));
      else
        /* Translators: "The first BTCUSDT candles appear here as soon as they arrive." */
        description = g_strdup_printf (_("The first %s candles appear here as soon as they arrive."),
                                       self->symbol);
      adw_status_page_set_description (self->empty_page, description);
      gtk_stack_set_visible_child_name (self->chart_stack, "empty");
    }
}

static gboolean
refresh_cb (gpointer user_data)
{
  PerpMainWindow *self = user_data;

  self->refresh_id = 0;
  perp_main_window_flush (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (PerpMainWindow *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_cb, self, NULL);
}

/**
 * perp_main_window_flush:
 * @self: a #PerpMainWindow
 *
 * Brings the panel, the symbol list and the chart up to date with the engine now
 * instead of in the next idle callback (screenshots and tests).
 */
void
perp_main_window_flush (PerpMainWindow *self)
{
  GHashTableIter iter;
  gpointer key;
  gboolean resort = FALSE;

  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  if (self->engine != NULL)
    {
      g_hash_table_iter_init (&iter, self->dirty_scores);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          const char *symbol = key;
          const PerpEngineUpdate *update = perp_engine_get_last_update (self->engine, symbol);
          PerpSymbolItem *item;

          if (update == NULL || update->score == NULL)
            continue;

          item = ensure_item (self, symbol);
          perp_symbol_item_set_score (item, update->score);
          resort = TRUE;

          if (g_strcmp0 (symbol, self->symbol) == 0)
            {
              perp_score_panel_update (self->score_panel, update);
              if (!self->has_shown_signal)
                perp_chart_set_plan (self->chart, update->plan);
            }
        }
    }
  g_hash_table_remove_all (self->dirty_scores);

  /* Long % moved: the list's sort order may have changed with it. */
  if (resort)
    {
      GtkSorter *sorter = gtk_column_view_get_sorter (self->symbol_view);

      if (sorter != NULL)
        gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
      sync_selection (self);
    }

  if (self->chart_dirty)
    reload_chart (self);
}

static void
score_changed_cb (PerpMainWindow             *self,
                  const PerpEngineUpdate *update)
{
  g_assert (PERP_IS_MAIN_WINDOW (self));

  if (update == NULL || update->symbol == NULL)
    return;

  g_hash_table_add (self->dirty_scores, g_strdup (update->symbol));
  schedule_refresh (self);
  schedule_journal_refresh (self);
}

static void
symbol_changed_cb (PerpMainWindow *self,
                   const char *symbol,
                   guint       what)
{
  g_assert (PERP_IS_MAIN_WINDOW (self));

  if (symbol == NULL)
    return;

  if (find_item (self, symbol, NULL) == NULL)
    {
      ensure_item (self, symbol);
      /* A recording whose symbols were not known in advance: show the first one that
       * brings data rather than an empty chart of a symbol that never comes. */
      if (self->symbol == NULL || self->shown_candles == NULL)
        {
          g_autofree char *wanted = g_strdup (self->symbol);

          if (wanted == NULL || (self->engine != NULL
                                 && perp_engine_get_analysis (self->engine, wanted) == NULL))
            apply_symbol (self, symbol);
        }
    }

  if (g_strcmp0 (symbol, self->symbol) == 0)
    {
      self->chart_dirty = TRUE;
      schedule_refresh (self);
    }
}

/* ---- Feed status ---------------------------------------------------------------- */

static const char *status_classes[] = { "live", "replaying", "reconnecting", "offline" };

static void
set_status (PerpMainWindow *self,
            const char *text,
            const char *dot_class,
            const char *tooltip)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    if (g_strcmp0 (status_classes[i], dot_class) != 0)
      gtk_widget_remove_css_class (self->status_dot, status_classes[i]);
  if (dot_class != NULL)
    gtk_widget_add_css_class (self->status_dot, dot_class);

  set_str (&self->status_text, text);
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_tooltip_text (self->status_box, tooltip);
}

static gboolean
countdown_cb (gpointer user_data)
{
  PerpMainWindow *self = user_data;

  update_status (self);
  if (self->feed_state != PERP_FEED_STATE_RECONNECTING)
    {
      self->countdown_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
update_status (PerpMainWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *when = perp_format_data_time (self->data_time, !self->local_time);
  const char *dot = "offline";

  switch (self->feed_state)
    {
    case PERP_FEED_STATE_LIVE:
      text = g_strdup (_("Live"));
      dot = "live";
      break;

    case PERP_FEED_STATE_CONNECTING:
      text = g_strdup (_("Connecting…"));
      dot = "reconnecting";
      break;

    case PERP_FEED_STATE_RECONNECTING:
      {
        gint64 left_us = self->reconnect_deadline - g_get_monotonic_time ();
        int left_s = left_us > 0 ? (int) ((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;

        if (left_s > 0)
          /* Translators: the feed lost its connection; seconds until the next attempt */
          text = g_strdup_printf (ngettext ("Reconnecting in %d second", "Reconnecting in %d seconds", left_s),
                                  left_s);
        else
          text = g_strdup (_("Reconnecting…"));
        dot = "reconnecting";
      }
      break;

    case PERP_FEED_STATE_RESYNCING:
      text = g_strdup (_("Live, resyncing the order book"));
      dot = "reconnecting";
      break;

    case PERP_FEED_STATE_REPLAYING:
      /* Translators: the replay's data time, "Replaying 2024-03-31 23:55 UTC" */
      text = g_strdup_printf (_("Replaying %s"), when);
      dot = "replaying";
      break;

    case PERP_FEED_STATE_PAUSED:
      /* Translators: "Paused at 2024-03-31 23:55 UTC" */
      text = g_strdup_printf (_("Paused at %s"), when);
      dot = "replaying";
      break;

    case PERP_FEED_STATE_FINISHED:
      /* Translators: "Replay ended at 2024-03-31 23:55 UTC" */
      text = g_strdup_printf (_("Replay ended at %s"), when);
      dot = "replaying";
      break;

    case PERP_FEED_STATE_FAILED:
      text = g_strdup (_("Feed failed"));
      dot = "offline";
      break;

    case PERP_FEED_STATE_OFFLINE:
    default:
      text = g_strdup (_("Offline"));
      dot = "offline";
      break;
    }

  set_status (self, text, dot, self->feed_message);
}

static gboolean
status_update_cb (gpointer user_data)
{
  PerpMainWindow *self = user_data;

  self->status_update_id = 0;
  update_status (self);

  return G_SOURCE_REMOVE;
}

static void
feed_clock_cb (PerpMainWindow *self,
               gint64      time_ms)
{
  self->data_time = time_ms;
  /* The clock ticks thousands of times a second at full replay speed; a person reads
   * the date a few times a second at most. */
  if (self->status_update_id == 0)
    self->status_update_id = g_timeout_add (200, status_update_cb, self);
}

static void
update_play_state (PerpMainWindow *self)
{
  gboolean playing = self->feed_state == PERP_FEED_STATE_REPLAYING;

  set_stateful (self, "replay-play", g_variant_new_boolean (playing));
  gtk_button_set_icon_name (self->play_button,
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
}

static void
feed_state_changed_cb (PerpMainWindow           *self,
                       const PerpFeedStatus *status)
{
  g_assert (PERP_IS_MAIN_WINDOW (self));

  if (status == NULL)
    return;

  self->feed_state = status->state;
  if (status->data_time > 0)
    self->data_time = status->data_time;
  /* A replay that delivered everything as history ends without a played time. */
  if (self->data_time <= 0 && self->feed != NULL && PERP_IS_REPLAY_FEED (self->feed))
    self->data_time = perp_replay_feed_get_data_time (PERP_REPLAY_FEED (self->feed));
  if (self->data_time <= 0 && self->engine != NULL && perp_engine_get_now (self->engine) > 0)
    self->data_time = perp_engine_get_now (self->engine);
  set_str (&self->feed_message, status->message);

  if (status->state == PERP_FEED_STATE_RECONNECTING)
    {
      self->reconnect_deadline = g_get_monotonic_time () + (gint64) status->delay_ms * 1000;
      if (self->countdown_id == 0)
        self->countdown_id = g_timeout_add_seconds (1, countdown_cb, self);
    }
  else
    g_clear_handle_id (&self->countdown_id, g_source_remove);

  update_play_state (self);
  update_status (self);
}

/* ---- Journal ------------------------------------------------------------------- */

/* The signal journal writes through its writer thread a moment after the score: the
 * views re-read it once things have been quiet for a second, and only while they are
 * shown (a page that becomes visible re-reads it then). */
#define JOURNAL_REFRESH_DELAY_MS 1000

static gboolean
page_is (PerpMainWindow *self,
         const char     *name)
{
  return g_strcmp0 (adw_view_stack_get_visible_child_name (self->page_stack), name) == 0;
}

static gboolean
journal_refresh_cb (gpointer user_data)
{
  PerpMainWindow *self = user_data;

  self->journal_refresh_id = 0;
  if (page_is (self, "journal"))
    perp_journal_view_refresh (self->journal_view);
  else if (page_is (self, "stats"))
    perp_stats_view_refresh (self->stats_view);

  return G_SOURCE_REMOVE;
}

static void
schedule_journal_refresh (PerpMainWindow *self)
{
  if (self->journal == NULL || page_is (self, "chart"))
    return;

  g_clear_handle_id (&self->journal_refresh_id, g_source_remove);
  self->journal_refresh_id = g_timeout_add (JOURNAL_REFRESH_DELAY_MS, journal_refresh_cb, self);
}

static void
page_changed_cb (PerpMainWindow *self,
                 GParamSpec     *pspec,
                 AdwViewStack   *stack)
{
  gboolean chart = page_is (self, "chart");

  /* Timeframes and layers are the chart's: elsewhere they would do nothing visible. */
  gtk_widget_set_visible (self->timeframe_box, chart);
  gtk_widget_set_visible (GTK_WIDGET (self->layer_menu_button), chart);
  set_stateful (self, "page", g_variant_new_string (adw_view_stack_get_visible_child_name (stack)));

  if (self->journal == NULL)
    return;
  if (page_is (self, "journal"))
    perp_journal_view_refresh (self->journal_view);
  else if (page_is (self, "stats"))
    perp_stats_view_refresh (self->stats_view);
}

static void
journal_signal_activated_cb (PerpMainWindow  *self,
                             PerpJournalItem *item,
                             PerpJournalView *view)
{
  perp_main_window_show_signal (self, perp_journal_item_get_signal (item));
}

/**
 * perp_main_window_show_signal:
 * @self: a #PerpMainWindow
 * @signal: a journaled signal
 *
 * Shows @signal on the chart: its symbol, its timeframe when the chart offers it, the
 * candles up to its time and its stored plan (until another symbol is chosen), and
 * switches to the chart.
 */
void
perp_main_window_show_signal (PerpMainWindow          *self,
                              const PerpJournalSignal *signal)
{
  const char *interval_name;

  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));
  g_return_if_fail (signal != NULL && signal->symbol != NULL);

  self->has_shown_signal = TRUE;
  self->shown_signal_id = signal->id;
  set_str (&self->shown_symbol, signal->symbol);
  memset (&self->shown_plan, 0, sizeof self->shown_plan);
  if (signal->has_plan)
    self->shown_plan = signal->plan;

  self->showing_signal = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (self), "symbol", g_variant_new_string (signal->symbol));
  interval_name = perp_interval_to_string (signal->interval);
  for (guint i = 0; i < G_N_ELEMENTS (timeframes); i++)
    if (g_strcmp0 (interval_name, timeframes[i]) == 0)
      g_action_group_change_action_state (G_ACTION_GROUP (self), "timeframe", g_variant_new_string (interval_name));
  self->showing_signal = FALSE;

  if (g_strcmp0 (self->symbol, signal->symbol) != 0)
    {
      /* Not watched by this engine: nothing to draw it on. */
      g_autofree char *message = g_strdup_printf (_("%s is not watched: its chart is not available"), signal->symbol);

      self->has_shown_signal = FALSE;
      perp_main_window_add_toast (self, message);
      return;
    }

  perp_chart_set_plan (self->chart, signal->has_plan ? &self->shown_plan : NULL);
  perp_chart_scroll_to_time (self->chart, signal->time);
  adw_view_stack_set_visible_child_name (self->page_stack, "chart");
}

/**
 * perp_main_window_get_shown_signal:
 * @self: a #PerpMainWindow
 * @id: (out) (optional): the journal id of the signal shown
 * @plan: (out) (optional): the plan the chart was given for it
 *
 * Returns: %TRUE while the chart shows a journaled signal's plan
 */
gboolean
perp_main_window_get_shown_signal (PerpMainWindow *self,
                                   gint64         *id,
                                   PerpPlan       *plan)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), FALSE);

  if (!self->has_shown_signal)
    return FALSE;
  if (id != NULL)
    *id = self->shown_signal_id;
  if (plan != NULL)
    *plan = self->shown_plan;
  return TRUE;
}

/**
 * perp_main_window_set_journal:
 * @self: a #PerpMainWindow
 * @journal: (nullable): the signal journal to list, summarise and export
 */
void
perp_main_window_set_journal (PerpMainWindow *self,
                              PerpJournal    *journal)
{
  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));
  g_return_if_fail (journal == NULL || PERP_IS_JOURNAL (journal));

  if (!g_set_object (&self->journal, journal))
    return;

  perp_journal_view_set_journal (self->journal_view, journal);
  perp_stats_view_set_journal (self->stats_view, journal);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "export")),
                               journal != NULL);
}

/**
 * perp_main_window_open_journal:
 * @self: a #PerpMainWindow
 * @path: the journal file, created when missing
 * @flags: how to open it
 *
 * Opens the journal and shows it.  When it cannot be opened (written by a newer
 * Perpscope, read-only, locked ...) a toast says so with the journal's own message and
 * the window goes on without a journal.
 *
 * Returns: (transfer none) (nullable): the journal, %NULL when it failed
 */
PerpJournal *
perp_main_window_open_journal (PerpMainWindow   *self,
                               const char       *path,
                               PerpJournalFlags  flags)
{
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  journal = perp_journal_open (path, flags, &error);
  if (journal == NULL)
    {
      g_warning ("Failed to open the journal, signals will not be journaled: %s", error->message);
      perp_main_window_set_journal (self, NULL);
      perp_main_window_add_toast (self, error->message);
      return NULL;
    }

  perp_main_window_set_journal (self, journal);
  return self->journal;
}

/**
 * perp_main_window_get_journal:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none) (nullable): the journal shown
 */
PerpJournal *
perp_main_window_get_journal (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->journal;
}

/**
 * perp_main_window_set_candles_path:
 * @self: a #PerpMainWindow
 * @path: (nullable): candle CSVs for the chart snapshots of exported reports (the
 *   replay being played)
 */
void
perp_main_window_set_candles_path (PerpMainWindow *self,
                                   const char     *path)
{
  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));

  set_str (&self->candles_path, path);
}

/**
 * perp_main_window_refresh_journal:
 * @self: a #PerpMainWindow
 *
 * Re-reads the journal into the journal and statistics views now (worker threads).
 */
void
perp_main_window_refresh_journal (PerpMainWindow *self)
{
  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));

  if (self->journal == NULL)
    return;
  perp_journal_view_refresh (self->journal_view);
  perp_stats_view_refresh (self->stats_view);
}

/**
 * perp_main_window_is_busy:
 * @self: a #PerpMainWindow
 *
 * Returns: %TRUE while a journal read, a statistics computation or an export runs
 */
gboolean
perp_main_window_is_busy (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), FALSE);

  return perp_journal_view_is_busy (self->journal_view)
         || perp_stats_view_is_busy (self->stats_view)
         || self->n_exports > 0;
}

PerpJournalView *
perp_main_window_get_journal_view (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->journal_view;
}

PerpStatsView *
perp_main_window_get_stats_view (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->stats_view;
}

/* ---- Export ----------------------------------------------------------------------- */

typedef struct
{
  PerpMainWindow *window;
  char           *path;
} ExportRequest;

static void
export_request_free (ExportRequest *request)
{
  g_clear_object (&request->window);
  g_free (request->path);
  g_free (request);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ExportRequest *request = user_data;
  PerpMainWindow *self = request->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *basename = g_path_get_basename (request->path);
  guint n_signals = 0;

  if (!perp_export_finish (result, &n_signals, &error))
    {
      /* Cancelled: the window was closed, its widgets are gone. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          export_request_free (request);
          return;
        }
      g_warning ("Failed to export the journal: %s", error->message);
      /* Translators: the export failed; the error names the file and the cause */
      title = g_strdup_printf (_("Export failed: %s"), error->message);
      perp_main_window_add_toast (self, title);
    }
  else
    {
      g_autofree char *uri = g_filename_to_uri (request->path, NULL, NULL);
      AdwToast *toast;

      title = g_strdup_printf (ngettext ("Exported %u signal to %s", "Exported %u signals to %s", n_signals),
                               n_signals, basename);
      toast = adw_toast_new (title);
      adw_toast_set_timeout (toast, 8);
      if (uri != NULL)
        {
          adw_toast_set_button_label (toast, _("Open"));
          adw_toast_set_action_name (toast, "win.open-export");
          adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
        }
      set_str (&self->toast_text, title);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }

  if (self->n_exports > 0 && --self->n_exports == 0)
    {
      gtk_spinner_stop (GTK_SPINNER (self->export_spinner));
      gtk_widget_set_visible (self->export_spinner, FALSE);
    }
  export_request_free (request);
}

/**
 * perp_main_window_export_to_file:
 * @self: a #PerpMainWindow
 * @path: the report to write: .csv, .html or .pdf
 * @error: why it cannot start
 *
 * Writes the journal's report in a worker thread (a spinner shows meanwhile) and says
 * how it went in a toast.  What the Export… dialog runs.
 *
 * Returns: %TRUE when the export started
 */
gboolean
perp_main_window_export_to_file (PerpMainWindow  *self,
                                 const char      *path,
                                 GError         **error)
{
  PerpReportFormat format;
  ExportRequest *request;

  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->journal == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("There is no journal to export"));
      return FALSE;
    }
  if (!perp_export_format_for_path (path, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("%s: name the file .csv, .html or .pdf to choose the format"), path);
      return FALSE;
    }

  request = g_new0 (ExportRequest, 1);
  request->window = g_object_ref (self);
  request->path = g_strdup (path);

  self->n_exports++;
  gtk_widget_set_visible (self->export_spinner, TRUE);
  gtk_spinner_start (GTK_SPINNER (self->export_spinner));
  perp_export_async (perp_journal_get_path (self->journal), self->candles_path, format, path,
                     self->cancellable, export_done_cb, request);
  return TRUE;
}

static const char *export_patterns[][2] = {
  { N_("CSV (one row per signal)"), "*.csv" },
  { N_("HTML report"), "*.html" },
  { N_("PDF report"), "*.pdf" },
};

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (user_data);
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  PerpReportFormat format;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);

  if (path != NULL && !perp_export_format_for_path (path, &format))
    {
      /* No known extension: the chosen filter says which format. */
      GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      const char *ext = ".csv";

      for (guint i = 0; filter != NULL && i < G_N_ELEMENTS (export_patterns); i++)
        if (g_strcmp0 (gtk_file_filter_get_name (filter), _(export_patterns[i][0])) == 0)
          ext = export_patterns[i][1] + 1;
      g_free (g_steal_pointer (&path));
      path = g_strconcat (g_file_peek_path (file), ext, NULL);
    }

  if (path != NULL && !perp_main_window_export_to_file (self, path, &error))
    perp_main_window_add_toast (self, error->message);

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_activate (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Journal"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (export_patterns); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(export_patterns[i][0]));
      gtk_file_filter_add_pattern (filter, export_patterns[i][1]);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "perpscope-journal.csv");
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_export_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Failed to open the exported report: %s", error->message);
}

static void
open_export_activate (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  g_app_info_launch_default_for_uri_async (g_variant_get_string (param, NULL), NULL, NULL,
                                           open_export_done_cb, NULL);
}

static void
page_change_state (GSimpleAction *action,
                   GVariant      *value,
                   gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);

  if (adw_view_stack_get_child_by_name (self->page_stack, name) == NULL)
    {
      g_warning ("Ignoring unknown page “%s”", name);
      return;
    }
  g_simple_action_set_state (action, value);
  adw_view_stack_set_visible_child_name (self->page_stack, name);
}

/* ---- Actions ------------------------------------------------------------------- */

static void
symbol_change_state (GSimpleAction *action,
                     GVariant      *value,
                     gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  const char *symbol = g_variant_get_string (value, NULL);

  if (symbol[0] == '\0')
    return;

  /* Only what the engine watches: anything else would be an empty chart forever. */
  if (self->engine != NULL && find_item (self, symbol, NULL) == NULL)
    {
      g_debug ("Ignoring %s: not a watched symbol", symbol);
      return;
    }

  apply_symbol (self, symbol);
}

static void
timeframe_change_state (GSimpleAction *action,
                        GVariant      *value,
                        gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);
  PerpInterval interval = PERP_INTERVAL_UNKNOWN;

  for (guint i = 0; i < G_N_ELEMENTS (timeframes); i++)
    if (strcmp (name, timeframes[i]) == 0)
      interval = perp_interval_from_string (name);

  if (interval == PERP_INTERVAL_UNKNOWN)
    {
      g_warning ("Ignoring unknown timeframe “%s”", name);
      return;
    }

  g_simple_action_set_state (action, value);
  if (interval == self->timeframe)
    return;

  self->timeframe = interval;
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "timeframe", name);
  update_title (self);
  reload_chart (self);
}

static void
save_layers (PerpMainWindow *self)
{
  GVariantBuilder builder;

  if (self->settings == NULL)
    return;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sb}"));
  for (guint i = 0; i < PERP_CHART_N_LAYERS; i++)
    g_variant_builder_add (&builder, "{sb}", perp_chart_layer_name ((PerpChartLayer) i),
                           perp_chart_get_layer_visible (self->chart, (PerpChartLayer) i));
  g_settings_set_value (self->settings, "layers", g_variant_builder_end (&builder));
}

static void
layer_change_state (GSimpleAction *action,
                    GVariant      *value,
                    gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action)) + strlen ("layer-");
  PerpChartLayer layer = perp_chart_layer_from_name (name);

  if (layer >= PERP_CHART_N_LAYERS)
    return;

  perp_chart_set_layer_visible (self->chart, layer, g_variant_get_boolean (value));
  g_simple_action_set_state (action, g_variant_new_boolean (perp_chart_get_layer_visible (self->chart, layer)));
  save_layers (self);
}

static void
replay_play_change_state (GSimpleAction *action,
                          GVariant      *value,
                          gpointer       user_data)
{
  PerpMainWindow *self = user_data;

  if (self->feed == NULL || !PERP_IS_REPLAY_FEED (self->feed))
    return;

  if (g_variant_get_boolean (value))
    {
      if (self->feed_state == PERP_FEED_STATE_PAUSED)
        perp_replay_feed_resume (PERP_REPLAY_FEED (self->feed));
      else if (self->feed_state != PERP_FEED_STATE_REPLAYING && self->feed_state != PERP_FEED_STATE_FINISHED)
        perp_feed_start (self->feed);
    }
  else
    perp_replay_feed_pause (PERP_REPLAY_FEED (self->feed));
}

static void
replay_step_activate (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  PerpMainWindow *self = user_data;

  if (self->feed == NULL || !PERP_IS_REPLAY_FEED (self->feed))
    return;

  if (self->feed_state == PERP_FEED_STATE_REPLAYING)
    perp_replay_feed_pause (PERP_REPLAY_FEED (self->feed));
  perp_replay_feed_step (PERP_REPLAY_FEED (self->feed),
                         self->engine != NULL ? perp_engine_get_interval (self->engine) : self->timeframe);
}

static void
update_speed_label (PerpMainWindow *self,
                    double      speed)
{
  g_autofree char *label = NULL;

  if (speed <= 0.0)
    label = g_strdup (C_("replay speed", "Max"));
  else
    /* Translators: replay speed, "60×" */
    label = g_strdup_printf (C_("replay speed", "%g×"), speed);
  gtk_menu_button_set_label (self->speed_button, label);
}

static void
replay_speed_change_state (GSimpleAction *action,
                           GVariant      *value,
                           gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  const char *text = g_variant_get_string (value, NULL);
  char *end = NULL;
  double speed = g_ascii_strtod (text, &end);

  if (end == text || *end != '\0' || speed < 0.0)
    return;

  g_simple_action_set_state (action, value);
  update_speed_label (self, speed);
  if (self->feed != NULL && PERP_IS_REPLAY_FEED (self->feed))
    perp_replay_feed_set_speed (PERP_REPLAY_FEED (self->feed), speed);
}

static void
search_activate (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  PerpMainWindow *self = user_data;

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_layers_activate (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  PerpMainWindow *self = user_data;

  gtk_menu_button_popup (self->layer_menu_button);
}

static void
copy_plan_activate (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  g_autofree char *text = perp_score_panel_dup_plan_text (self->score_panel);

  if (text == NULL)
    {
      perp_main_window_add_toast (self, _("No trade plan to copy"));
      return;
    }

  gtk_widget_activate_action (GTK_WIDGET (self->score_panel), "panel.copy-plan", NULL);
}

static void
plan_copied_activate (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  perp_main_window_add_toast (PERP_MAIN_WINDOW (user_data), _("Trade plan copied"));
}

/* Where the symbol shown is in the list as filtered and sorted, or
 * GTK_INVALID_LIST_POSITION when the search hides it. */
static guint
symbol_position (PerpMainWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PerpSymbolItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (perp_symbol_item_get_symbol (item), self->symbol) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
move_symbol (PerpMainWindow *self,
             int         delta)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);
  guint pos = symbol_position (self);
  g_autoptr(PerpSymbolItem) item = NULL;

  if (n == 0)
    return;

  /* From the symbol shown, not the selected row: a search may have left none. When
   * the search hides the symbol shown, the first (or last) one listed. */
  if (pos == GTK_INVALID_LIST_POSITION)
    pos = delta > 0 ? 0 : n - 1;
  else
    pos = (guint) (((int) pos + delta + (int) n) % (int) n);

  item = g_list_model_get_item (model, pos);
  g_action_group_activate_action (G_ACTION_GROUP (self), "symbol",
                                  g_variant_new_string (perp_symbol_item_get_symbol (item)));
}

static void
next_symbol_activate (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  move_symbol (PERP_MAIN_WINDOW (user_data), 1);
}

static void
previous_symbol_activate (GSimpleAction *action,
                          GVariant      *param,
                          gpointer       user_data)
{
  move_symbol (PERP_MAIN_WINDOW (user_data), -1);
}

/* Times in UTC (the default: the exchange's candles and sessions are UTC) or local. */
static void
local_time_change_state (GSimpleAction *action,
                         GVariant      *state,
                         gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  gboolean local = g_variant_get_boolean (state);

  g_simple_action_set_state (action, state);
  self->local_time = local;
  perp_chart_set_utc (self->chart, !local);
  perp_score_panel_set_utc (self->score_panel, !local);
  perp_journal_view_set_utc (self->journal_view, !local);
  update_status (self);
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "local-time") != local)
    g_settings_set_boolean (self->settings, "local-time", local);
}

/* Lifts the daily-drawdown pause in the journal, at the data's time (a replay's pause
 * lies in recorded time), and rescores so the panel shows it at once. */
static void
resume_trading_activate (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  PerpMainWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 now;

  if (self->journal == NULL || self->engine == NULL)
    {
      perp_main_window_add_toast (self, _("No journal: nothing to resume"));
      return;
    }
  now = perp_engine_get_now (self->engine);
  if (now <= 0)
    now = g_get_real_time () / 1000;
  if (!perp_journal_resume_breaker (self->journal, PERP_BREAKER_DAILY_DRAWDOWN, now, &error))
    {
      perp_main_window_add_toast (self, error->message);
      return;
    }
  if (self->symbol != NULL)
    perp_engine_score_now (self->engine, self->symbol, NULL);
  perp_main_window_add_toast (self, _("Trading resumed"));
}

static const GActionEntry win_entries[] = {
  { "symbol", NULL, "s", "''", symbol_change_state },
  { "timeframe", NULL, "s", "'5m'", timeframe_change_state },
  { "replay-play", NULL, NULL, "false", replay_play_change_state },
  { "replay-step", replay_step_activate },
  { "replay-speed", NULL, "s", "'60'", replay_speed_change_state },
  { "search", search_activate },
  { "show-layers", show_layers_activate },
  { "copy-plan", copy_plan_activate },
  { "resume-trading", resume_trading_activate },
  { "local-time", NULL, NULL, "false", local_time_change_state },
  { "plan-copied", plan_copied_activate },
  { "next-symbol", next_symbol_activate },
  { "previous-symbol", previous_symbol_activate },
  { "export", export_activate },
  { "open-export", open_export_activate, "s" },
  { "page", NULL, "s", "'chart'", page_change_state },
};

static void
install_layer_actions (PerpMainWindow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();

  for (guint i = 0; i < PERP_CHART_N_LAYERS; i++)
    {
      const char *name = perp_chart_layer_name ((PerpChartLayer) i);
      g_autofree char *action_name = g_strdup_printf ("layer-%s", name);
      g_autofree char *detailed = g_strdup_printf ("win.%s", action_name);
      g_autoptr(GSimpleAction) action = NULL;

      action = g_simple_action_new_stateful (action_name, NULL,
                                             g_variant_new_boolean (perp_chart_get_layer_visible (self->chart, (PerpChartLayer) i)));
      g_signal_connect (action, "change-state", G_CALLBACK (layer_change_state), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
      g_menu_append (menu, perp_chart_layer_title ((PerpChartLayer) i), detailed);
    }

  gtk_menu_button_set_menu_model (self->layer_menu_button, G_MENU_MODEL (menu));
}

/* ---- Symbol list ------------------------------------------------------------------ */

static void
search_changed_cb (PerpMainWindow     *self,
                   GtkSearchEntry *entry)
{
  gtk_string_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
  /* Filtering drops the selected row; the symbol shown is selected again when listed. */
  sync_selection (self);
}

static void
search_activate_cb (PerpMainWindow     *self,
                    GtkSearchEntry *entry)
{
  g_autoptr(PerpSymbolItem) item = NULL;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) == 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (entry));
      return;
    }

  item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), 0);
  g_action_group_activate_action (G_ACTION_GROUP (self), "symbol",
                                  g_variant_new_string (perp_symbol_item_get_symbol (item)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->chart));
}

static void
search_stop_cb (PerpMainWindow     *self,
                GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->chart));
}

static void
sync_selection (PerpMainWindow *self)
{
  guint found = symbol_position (self);

  if (gtk_single_selection_get_selected (self->selection) == found)
    return;

  self->syncing_selection = TRUE;
  gtk_single_selection_set_selected (self->selection, found);
  self->syncing_selection = FALSE;
}

static void
selection_changed_cb (PerpMainWindow         *self,
                      GParamSpec         *pspec,
                      GtkSingleSelection *selection)
{
  PerpSymbolItem *item;

  if (self->syncing_selection)
    return;

  item = gtk_single_selection_get_selected_item (selection);
  if (item == NULL)
    return;

  g_action_group_activate_action (G_ACTION_GROUP (self), "symbol",
                                  g_variant_new_string (perp_symbol_item_get_symbol (item)));
}

static GtkColumnViewColumn *
add_column (PerpMainWindow *self,
            const char *title,
            const char *property,
            float       xalign,
            gboolean    expand,
            GtkSorter  *sorter)
{
  g_autofree char *ui = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkColumnViewColumn *column;
  gsize len;

  ui = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<interface>\n"
                        "  <template class=\"GtkListItem\">\n"
                        "    <property name=\"child\">\n"
                        "      <object class=\"GtkInscription\">\n"
                        "        <property name=\"xalign\">%s</property>\n"
                        "        <property name=\"min-chars\">3</property>\n"
                        "        <style><class name=\"numeric\"/></style>\n"
                        "        <binding name=\"text\">\n"
                        "          <lookup name=\"%s\" type=\"PerpSymbolItem\">\n"
                        "            <lookup name=\"item\">GtkListItem</lookup>\n"
                        "          </lookup>\n"
                        "        </binding>\n"
                        "      </object>\n"
                        "    </property>\n"
                        "  </template>\n"
                        "</interface>\n",
                        xalign > 0.5f ? "1" : "0", property);
  len = strlen (ui);
  bytes = g_bytes_new_take (g_steal_pointer (&ui), len);
  factory = gtk_builder_list_item_factory_new_from_bytes (NULL, bytes);

  column = gtk_column_view_column_new (title, g_object_ref (factory));
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (sorter != NULL)
    gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_append_column (self->symbol_view, column);
  g_object_unref (column);  /* the view keeps it */

  return column;
}

static void
setup_symbol_list (PerpMainWindow *self)
{
  GtkColumnViewColumn *symbol_column;
  g_autoptr(GtkSorter) symbol_sorter = NULL;
  g_autoptr(GtkSorter) long_sorter = NULL;
  g_autoptr(GtkSorter) tier_sorter = NULL;
  g_autoptr(GtkSorter) direction_sorter = NULL;

  self->symbols = g_list_store_new (PERP_TYPE_SYMBOL_ITEM);
  self->filter = gtk_string_filter_new (gtk_property_expression_new (PERP_TYPE_SYMBOL_ITEM, NULL, "symbol"));
  gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->filter, TRUE);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->symbols)),
                                                  g_object_ref (GTK_FILTER (self->filter)));

  symbol_sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (PERP_TYPE_SYMBOL_ITEM, NULL, "symbol")));
  long_sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (PERP_TYPE_SYMBOL_ITEM, NULL, "long-pct")));
  tier_sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (PERP_TYPE_SYMBOL_ITEM, NULL, "tier-text")));
  direction_sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (PERP_TYPE_SYMBOL_ITEM, NULL, "direction-text")));

  symbol_column = add_column (self, _("Symbol"), "symbol", 0.0f, TRUE, symbol_sorter);
  add_column (self, _("Long"), "long-text", 1.0f, FALSE, long_sorter);
  add_column (self, _("Tier"), "tier-text", 0.0f, FALSE, tier_sorter);
  add_column (self, _("Direction"), "direction-text", 0.0f, FALSE, direction_sorter);

  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (gtk_column_view_get_sorter (self->symbol_view)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->symbol_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_column_view_sort_by_column (self->symbol_view, symbol_column, GTK_SORT_ASCENDING);
}

/* ---- Settings and size ----------------------------------------------------------- */

/* The side panel keeps its width when the window is resized, and that width is what
 * is remembered; the paned's position follows from it.  GtkPaned also moves the
 * position itself while it allocates, so only a move at an unchanged width (a drag
 * of the handle) counts as the user's choice.  It is saved on close. */
static void
apply_panel_width (PerpMainWindow *self)
{
  /* Not max-position: that already leaves room for the panel's minimum width. */
  int width = gtk_widget_get_width (GTK_WIDGET (self->paned));

  if (width <= 0)
    return;

  self->last_paned_width = width;
  self->setting_position = TRUE;
  gtk_paned_set_position (self->paned, MAX (0, width - self->panel_width));
  self->setting_position = FALSE;
}

static void
paned_position_cb (PerpMainWindow *self,
                   GParamSpec     *pspec,
                   GtkPaned       *paned)
{
  int paned_width = gtk_widget_get_width (GTK_WIDGET (paned));
  int width;

  if (self->setting_position || paned_width != self->last_paned_width)
    return;

  width = paned_width - gtk_paned_get_position (paned);
  if (width >= 280 && width <= 900)
    self->panel_width = width;
}

static void
paned_max_position_cb (PerpMainWindow *self,
                       GParamSpec     *pspec,
                       GtkPaned       *paned)
{
  apply_panel_width (self);
}

/* The actions mirror the chart, whatever changed it (settings, defaults). */
static void
sync_layer_actions (PerpMainWindow *self)
{
  for (guint i = 0; i < PERP_CHART_N_LAYERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("layer-%s", perp_chart_layer_name ((PerpChartLayer) i));

      set_stateful (self, name,
                    g_variant_new_boolean (perp_chart_get_layer_visible (self->chart, (PerpChartLayer) i)));
    }
}

static void
load_settings (PerpMainWindow *self)
{
  g_autoptr(GVariant) layers = NULL;
  g_autofree char *symbol = NULL;
  g_autofree char *timeframe = NULL;
  GVariantIter iter;
  const char *name;
  gboolean visible;

  if (self->settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 1400, 860);
      return;
    }

  self->panel_width = g_settings_get_int (self->settings, "panel-width");

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  layers = g_settings_get_value (self->settings, "layers");
  g_variant_iter_init (&iter, layers);
  while (g_variant_iter_next (&iter, "{&sb}", &name, &visible))
    {
      PerpChartLayer layer = perp_chart_layer_from_name (name);

      if (layer < PERP_CHART_N_LAYERS)
        perp_chart_set_layer_visible (self->chart, layer, visible);
    }
  sync_layer_actions (self);

  g_action_group_change_action_state (G_ACTION_GROUP (self), "local-time",
                                      g_variant_new_boolean (g_settings_get_boolean (self->settings, "local-time")));

  timeframe = g_settings_get_string (self->settings, "timeframe");
  g_action_group_change_action_state (G_ACTION_GROUP (self), "timeframe", g_variant_new_string (timeframe));

  symbol = g_settings_get_string (self->settings, "symbol");
  if (symbol[0] != '\0')
    apply_symbol (self, symbol);
}

static gboolean
perp_main_window_close_request (GtkWindow *window)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      g_settings_set_int (self->settings, "panel-width", CLAMP (self->panel_width, 280, 900));
      if (!gtk_window_is_maximized (window) && width >= 360 && height >= 294)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_apply (self->settings);
    }

  return GTK_WINDOW_CLASS (perp_main_window_parent_class)->close_request (window);
}

/* ---- GObject --------------------------------------------------------------------- */

static void
disconnect_engine (PerpMainWindow *self)
{
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
}

static void
disconnect_feed (PerpMainWindow *self)
{
  if (self->feed != NULL)
    g_signal_handlers_disconnect_by_data (self->feed, self);
}

static void
perp_main_window_constructed (GObject *object)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (object);

  G_OBJECT_CLASS (perp_main_window_parent_class)->constructed (object);

  load_settings (self);
}

static void
perp_main_window_dispose (GObject *object)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  g_clear_handle_id (&self->status_update_id, g_source_remove);
  g_clear_handle_id (&self->journal_refresh_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->journal);

  /* The chart borrows the engine's structure: let go of it before the engine goes. */
  if (self->chart != NULL)
    {
      perp_chart_set_data (self->chart, NULL, NULL);
      perp_chart_set_liq_map (self->chart, NULL);
      perp_chart_set_forming (self->chart, NULL);
    }
  self->shown_candles = NULL;
  self->shown_structure = NULL;

  disconnect_engine (self);
  disconnect_feed (self);
  g_clear_object (&self->engine);
  g_clear_object (&self->feed);

  if (self->symbol_view != NULL)
    gtk_column_view_set_model (self->symbol_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->symbols);

  gtk_widget_dispose_template (GTK_WIDGET (self), PERP_TYPE_MAIN_WINDOW);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (perp_main_window_parent_class)->dispose (object);
}

static void
perp_main_window_finalize (GObject *object)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (object);

  g_clear_pointer (&self->dirty_scores, g_hash_table_unref);
  g_clear_pointer (&self->symbol, g_free);
  g_clear_pointer (&self->feed_message, g_free);
  g_clear_pointer (&self->status_text, g_free);
  g_clear_pointer (&self->candles_path, g_free);
  g_clear_pointer (&self->toast_text, g_free);
  g_clear_pointer (&self->shown_symbol, g_free);

  G_OBJECT_CLASS (perp_main_window_parent_class)->finalize (object);
}

static void
perp_main_window_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_main_window_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PerpMainWindow *self = PERP_MAIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_main_window_class_init (PerpMainWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = perp_main_window_constructed;
  object_class->dispose = perp_main_window_dispose;
  object_class->finalize = perp_main_window_finalize;
  object_class->get_property = perp_main_window_get_property;
  object_class->set_property = perp_main_window_set_property;

  window_class->close_request = perp_main_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PERP_TYPE_CHART);
  g_type_ensure (PERP_TYPE_SCORE_PANEL);
  g_type_ensure (PERP_TYPE_SYMBOL_ITEM);
  g_type_ensure (PERP_TYPE_JOURNAL_VIEW);
  g_type_ensure (PERP_TYPE_STATS_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/perpscope/Perpscope/perp-main-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, layer_menu_button);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, status_box);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, status_dot);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, replay_box);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, speed_button);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, chart_stack);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, chart);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, score_panel);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, symbol_view);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, page_stack);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, journal_view);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, stats_view);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, export_spinner);
  gtk_widget_class_bind_template_child (widget_class, PerpMainWindow, timeframe_box);
  gtk_widget_class_bind_template_callback (widget_class, journal_signal_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.show-layers", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.copy-plan", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "win.replay-play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, 0, "win.replay-step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.next-symbol", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.previous-symbol", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.page", "s", "chart");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.page", "s", "journal");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.page", "s", "stats");
  for (guint i = 0; i < G_N_ELEMENTS (timeframes); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.timeframe", "s", timeframes[i]);
}

static void
perp_main_window_init (PerpMainWindow *self)
{
  self->timeframe = PERP_INTERVAL_5M;
  self->panel_width = 360;
  self->feed_state = PERP_FEED_STATE_OFFLINE;
  self->data_time = -1;
  self->dirty_scores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  install_layer_actions (self);
  setup_symbol_list (self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "export")), FALSE);
  g_signal_connect_object (self->page_stack, "notify::visible-child-name",
                           G_CALLBACK (page_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->paned, "notify::max-position",
                           G_CALLBACK (paned_max_position_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->paned, "notify::position",
                           G_CALLBACK (paned_position_cb), self, G_CONNECT_SWAPPED);

  update_title (self);
  update_status (self);
  update_play_state (self);
  reload_chart (self);
  /* The chart has the keys at start (arrows, zoom; Space reaches the play shortcut),
   * not the first button of the header bar. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->chart));
}

/**
 * perp_main_window_new:
 * @application: (nullable): the application
 * @settings: (nullable): where the window keeps its size, symbol, timeframe and
 *   layers (schema io.github.perpscope.Perpscope); %NULL remembers nothing
 *
 * Returns: (transfer full): a new window without an engine
 */
PerpMainWindow *
perp_main_window_new (GtkApplication *application,
                 GSettings      *settings)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (PERP_TYPE_MAIN_WINDOW,
                       "application", application,
                       "settings", settings,
                       NULL);
}

/**
 * perp_main_window_set_engine:
 * @self: a #PerpMainWindow
 * @engine: (nullable): the engine to show
 *
 * Shows @engine's symbols, scores and candles.  When it does not watch the window's
 * symbol, the window switches to its first symbol.
 */
void
perp_main_window_set_engine (PerpMainWindow *self,
                        PerpEngine *engine)
{
  const char * const *symbols = NULL;
  gboolean known = FALSE;

  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));
  g_return_if_fail (engine == NULL || PERP_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  perp_chart_set_data (self->chart, NULL, NULL);
  perp_chart_set_liq_map (self->chart, NULL);
  perp_chart_set_forming (self->chart, NULL);
  perp_chart_set_plan (self->chart, NULL);
  self->shown_candles = NULL;
  self->shown_structure = NULL;
  g_hash_table_remove_all (self->dirty_scores);

  disconnect_engine (self);
  g_set_object (&self->engine, engine);
  g_list_store_remove_all (self->symbols);

  if (engine != NULL)
    {
      g_signal_connect_object (engine, "score-changed", G_CALLBACK (score_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "symbol-changed", G_CALLBACK (symbol_changed_cb), self, G_CONNECT_SWAPPED);

      symbols = perp_engine_get_symbols (engine);
      for (guint i = 0; symbols != NULL && symbols[i] != NULL; i++)
        {
          ensure_item (self, symbols[i]);
          g_hash_table_add (self->dirty_scores, g_strdup (symbols[i]));
          if (g_strcmp0 (symbols[i], self->symbol) == 0)
            known = TRUE;
        }
    }

  if (!known && symbols != NULL && symbols[0] != NULL)
    apply_symbol (self, symbols[0]);
  else
    {
      /* Same symbol, new engine: the panel starts over with this engine's scores. */
      g_autofree char *symbol = g_strdup (self->symbol);

      perp_score_panel_set_symbol (self->score_panel, NULL, PERP_INTERVAL_UNKNOWN);
      perp_score_panel_set_symbol (self->score_panel, symbol,
                                   engine != NULL ? perp_engine_get_interval (engine) : PERP_INTERVAL_UNKNOWN);
      reload_chart (self);
      refresh_panel_from_engine (self);
      sync_selection (self);
    }

  perp_main_window_flush (self);
}

/**
 * perp_main_window_get_engine:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none) (nullable): the engine shown
 */
PerpEngine *
perp_main_window_get_engine (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->engine;
}

/**
 * perp_main_window_set_feed:
 * @self: a #PerpMainWindow
 * @feed: (nullable): the feed whose state the header shows; a #PerpReplayFeed also
 *   gets the replay controls
 */
void
perp_main_window_set_feed (PerpMainWindow *self,
                      PerpFeed   *feed)
{
  PerpFeedStatus status = { 0 };

  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));
  g_return_if_fail (feed == NULL || PERP_IS_FEED (feed));

  if (self->feed == feed)
    return;

  disconnect_feed (self);
  g_set_object (&self->feed, feed);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  g_clear_pointer (&self->feed_message, g_free);
  self->data_time = -1;

  if (feed != NULL)
    {
      g_signal_connect_object (feed, "state-changed", G_CALLBACK (feed_state_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (feed, "clock", G_CALLBACK (feed_clock_cb), self, G_CONNECT_SWAPPED);
      status.state = perp_feed_get_state (feed);
    }
  else
    status.state = PERP_FEED_STATE_OFFLINE;

  gtk_widget_set_visible (self->replay_box, feed != NULL && PERP_IS_REPLAY_FEED (feed));
  if (feed != NULL && PERP_IS_REPLAY_FEED (feed))
    {
      double speed = perp_replay_feed_get_speed (PERP_REPLAY_FEED (feed));
      g_autofree char *speed_text = g_strdup_printf ("%g", speed);

      status.data_time = perp_replay_feed_get_data_time (PERP_REPLAY_FEED (feed));
      set_stateful (self, "replay-speed", g_variant_new_string (speed_text));
      update_speed_label (self, speed);
    }

  feed_state_changed_cb (self, &status);
  update_title (self);
  reload_chart (self);
}

/**
 * perp_main_window_get_feed:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none) (nullable): the feed whose state is shown
 */
PerpFeed *
perp_main_window_get_feed (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->feed;
}

const char *
perp_main_window_get_symbol (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->symbol;
}

PerpInterval
perp_main_window_get_timeframe (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), PERP_INTERVAL_UNKNOWN);

  return self->timeframe;
}

/**
 * perp_main_window_get_chart:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none): the chart
 */
PerpChart *
perp_main_window_get_chart (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->chart;
}

/**
 * perp_main_window_get_panel:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none): the score panel
 */
PerpScorePanel *
perp_main_window_get_panel (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->score_panel;
}

/**
 * perp_main_window_get_symbols:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none): the symbol list as shown: filtered by the search and
 *   sorted by the column view's sorter, of #PerpSymbolItem
 */
GListModel *
perp_main_window_get_symbols (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return G_LIST_MODEL (self->selection);
}

/**
 * perp_main_window_get_status_text:
 * @self: a #PerpMainWindow
 *
 * Returns: (transfer none): the feed status indicator's text
 */
const char *
perp_main_window_get_status_text (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->status_text;
}

/**
 * perp_main_window_add_toast:
 * @self: a #PerpMainWindow
 * @title: the message
 */
void
perp_main_window_add_toast (PerpMainWindow *self,
                       const char *title)
{
  AdwToast *toast;

  g_return_if_fail (PERP_IS_MAIN_WINDOW (self));
  g_return_if_fail (title != NULL);

  toast = adw_toast_new (title);
  adw_toast_set_timeout (toast, 8);
  set_str (&self->toast_text, title);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * perp_main_window_get_toast_text:
 * @self: a #PerpMainWindow
 *
 * Returns: (nullable): the title of the last toast shown, for tests and logs
 */
const char *
perp_main_window_get_toast_text (PerpMainWindow *self)
{
  g_return_val_if_fail (PERP_IS_MAIN_WINDOW (self), NULL);

  return self->toast_text;
}
