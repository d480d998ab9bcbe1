/* test-journal-view.c: the journal and statistics pages and the export, on a journal
 * written by the engine over the bundled replay
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-journal-view"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "io/perp-replay-feed.h"
#include "io/report/perp-report.h"
#include "perp-main-window.h"
#include "perp-signal-journal.h"

/*
 * The journal is written by the real pipeline: the engine over the bundled replay
 * (all but the last days as history, the rest played at full speed) with a
 * PerpSignalJournal in synchronous mode, into a temporary file.  Expected values come
 * from the journal itself (perp_journal_list_signals, perp_journal_stats) and the
 * report's public formatters, never from the views.
 */

/* Played candles per symbol: four days of 5m candles give signals that closed. */
#define PLAYED_CANDLES 1152

typedef struct
{
  char              *dir;
  char              *journal_path;
  PerpConfig        *config;
  PerpEngine        *engine;
  PerpReplayFeed    *feed;
  PerpJournal       *journal;
  PerpSignalJournal *signal_journal;
  GSettings         *settings;
  PerpMainWindow    *window;
  GPtrArray         *signals;   /* the journal's own list */
  gboolean           finished;
  gboolean           failed;
} Fixture;

static Fixture fx;

static void
feed_state_cb (PerpFeed             *feed,
               const PerpFeedStatus *status,
               gpointer              user_data)
{
  if (status->state == PERP_FEED_STATE_FINISHED)
    fx.finished = TRUE;
  if (status->state == PERP_FEED_STATE_FAILED)
    {
      g_printerr ("# replay failed: %s\n", status->message != NULL ? status->message : "?");
      fx.failed = TRUE;
    }
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Until the window's worker threads (reads, statistics, exports) are done. */
static void
wait_until_idle (void)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (120, timeout_cb, &timed_out);

  while (perp_main_window_is_busy (fx.window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
  iterate_pending ();
}

static void
setup_fixture (void)
{
  g_autofree char *replay = g_build_filename (PERP_SOURCE_DIR, "data", "replay", NULL);
  g_autoptr(GError) error = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  PerpSignalJournalParams params;
  PerpJournalQuery query;
  gboolean timed_out = FALSE;
  guint id;

  fx.dir = g_dir_make_tmp ("perpscope-journal-view-XXXXXX", &error);
  g_assert_no_error (error);
  fx.journal_path = g_build_filename (fx.dir, "journal.sqlite", NULL);
  /* Whatever the application would pick, it must not be the user's journal. */
  g_setenv ("PERPSCOPE_JOURNAL", fx.journal_path, TRUE);

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, "io.github.perpscope.Perpscope", TRUE);
  g_assert_nonnull (schema);
  fx.settings = g_settings_new_full (schema, NULL, NULL);

  fx.config = perp_config_new_default ();
  fx.engine = perp_engine_new (fx.config, NULL, &error);
  g_assert_no_error (error);
  perp_engine_set_threaded_loading (fx.engine, FALSE);

  fx.journal = perp_journal_open (fx.journal_path, PERP_JOURNAL_FLAGS_NONE, &error);
  g_assert_no_error (error);
  perp_journal_set_power_safe (fx.journal, FALSE);
  perp_signal_journal_params_init (&params);
  params.min_tier = fx.config->journal_min_tier;
  params.outcome = fx.config->outcome;
  params.synchronous = TRUE;
  fx.signal_journal = perp_signal_journal_new (fx.engine, fx.journal, &params);

  fx.feed = perp_replay_feed_new ();
  g_assert_true (perp_replay_feed_add_file (fx.feed, replay, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (perp_replay_feed_get_n_sources (fx.feed), >, 0);
  perp_replay_feed_set_warmup (fx.feed, 17280 - PLAYED_CANDLES);
  perp_replay_feed_set_speed (fx.feed, 0.0);
  perp_engine_add_feed (fx.engine, PERP_FEED (fx.feed));
  g_signal_connect (fx.feed, "state-changed", G_CALLBACK (feed_state_cb), NULL);

  fx.window = perp_main_window_new (NULL, fx.settings);
  g_object_ref_sink (fx.window);
  perp_main_window_set_engine (fx.window, fx.engine);
  perp_main_window_set_feed (fx.window, PERP_FEED (fx.feed));
  gtk_window_present (GTK_WINDOW (fx.window));

  perp_feed_start (PERP_FEED (fx.feed));
  id = g_timeout_add_seconds (280, timeout_cb, &timed_out);
  while (!fx.finished && !fx.failed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
  g_assert_false (fx.failed);
  perp_signal_journal_flush (fx.signal_journal, &error);
  g_assert_no_error (error);
  iterate_pending ();
  perp_main_window_flush (fx.window);

  perp_journal_query_init (&query);
  fx.signals = perp_journal_list_signals (fx.journal, &query, &error);
  g_assert_no_error (error);
  g_printerr ("# %u signals journaled\n", fx.signals->len);

  perp_main_window_set_journal (fx.window, fx.journal);
  wait_until_idle ();
}

static void
teardown_fixture (void)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  gtk_window_destroy (GTK_WINDOW (fx.window));
  g_clear_object (&fx.window);
  perp_feed_stop (PERP_FEED (fx.feed));
  g_clear_object (&fx.signal_journal);
  g_clear_object (&fx.feed);
  g_clear_object (&fx.engine);
  g_clear_object (&fx.journal);
  g_clear_pointer (&fx.signals, g_ptr_array_unref);
  g_clear_pointer (&fx.config, perp_config_free);
  g_clear_object (&fx.settings);
  iterate_pending ();

  d = g_dir_open (fx.dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fx.dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
  g_clear_pointer (&fx.journal_path, g_free);
}

static PerpJournalView *
view (void)
{
  return perp_main_window_get_journal_view (fx.window);
}

static const PerpJournalSignal *
row_signal (guint i)
{
  g_autoptr(PerpJournalItem) item = g_list_model_get_item (perp_journal_view_get_model (view ()), i);

  g_assert_nonnull (item);
  return perp_journal_item_get_signal (item);  /* the model keeps the item */
}

static gboolean
is_closed (const PerpJournalSignal *s)
{
  return s->has_outcome && s->outcome_state != PERP_OUTCOME_PENDING && s->outcome_state != PERP_OUTCOME_OPEN;
}

static const PerpJournalSignal *
journal_signal (gint64 id)
{
  for (guint i = 0; i < fx.signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (fx.signals, i);

      if (s->id == id)
        return s;
    }
  return NULL;
}

static void
reset_filters (void)
{
  perp_journal_view_set_status_filter (view (), PERP_JOURNAL_STATUS_ALL);
  perp_journal_view_set_outcome_filter (view (), PERP_JOURNAL_OUTCOME_ALL);
  perp_journal_view_set_symbol_filter (view (), NULL);
  perp_journal_view_set_search (view (), NULL);
}

static void
test_lists_journal (void)
{
  GListModel *model = perp_journal_view_get_model (view ());
  g_autoptr(GHashTable) ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint n_taken_closed = 0;

  reset_filters ();
  /* The replay must have produced something worth listing, closed trades included. */
  g_assert_cmpuint (fx.signals->len, >, 0);
  for (guint i = 0; i < fx.signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (fx.signals, i);

      n_taken_closed += s->status == PERP_SIGNAL_TAKEN && is_closed (s);
    }
  g_assert_cmpuint (n_taken_closed, >, 0);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fx.signals->len);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      const PerpJournalSignal *s = row_signal (i);
      const PerpJournalSignal *expected = journal_signal (s->id);

      g_assert_nonnull (expected);
      g_assert_true (g_hash_table_add (ids, (gpointer) &s->id));  /* no row twice */
      g_assert_cmpstr (s->symbol, ==, expected->symbol);
      g_assert_cmpint (s->time, ==, expected->time);
      g_assert_cmpint (s->status, ==, expected->status);
      g_assert_cmpint (s->has_outcome, ==, expected->has_outcome);
    }
}

static double
r_key (const PerpJournalSignal *s)
{
  return is_closed (s) && isfinite (s->result_r) ? s->result_r : -INFINITY;
}

static void
test_sort_by_r (void)
{
  GtkColumnView *column_view = perp_journal_view_get_column_view (view ());
  GListModel *columns = gtk_column_view_get_columns (column_view);
  GListModel *model = perp_journal_view_get_model (view ());
  g_autoptr(GtkColumnViewColumn) r_column = NULL;
  g_autoptr(GtkColumnViewColumn) time_column = NULL;
  guint n;

  reset_filters ();
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), "R") == 0)
        r_column = g_object_ref (column);
      if (g_strcmp0 (gtk_column_view_column_get_title (column), "Time (UTC)") == 0)
        time_column = g_object_ref (column);
    }
  g_assert_nonnull (r_column);
  g_assert_nonnull (time_column);

  gtk_column_view_sort_by_column (column_view, r_column, GTK_SORT_ASCENDING);
  iterate_pending ();
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, ==, fx.signals->len);
  for (guint i = 1; i < n; i++)
    g_assert_cmpfloat (r_key (row_signal (i - 1)), <=, r_key (row_signal (i)));
  /* The best closed trade comes last. */
  {
    double best = -INFINITY;

    for (guint i = 0; i < fx.signals->len; i++)
      best = MAX (best, r_key (g_ptr_array_index (fx.signals, i)));
    g_assert_cmpfloat (r_key (row_signal (n - 1)), ==, best);
  }

  gtk_column_view_sort_by_column (column_view, r_column, GTK_SORT_DESCENDING);
  iterate_pending ();
  for (guint i = 1; i < n; i++)
    g_assert_cmpfloat (r_key (row_signal (i - 1)), >=, r_key (row_signal (i)));

  gtk_column_view_sort_by_column (column_view, time_column, GTK_SORT_DESCENDING);
  iterate_pending ();
  for (guint i = 1; i < n; i++)
    g_assert_cmpint (row_signal (i - 1)->time, >=, row_signal (i)->time);
}

static guint
count_status (int status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  PerpJournalQuery query;

  perp_journal_query_init (&query);
  query.status = status;
  rows = perp_journal_list_signals (fx.journal, &query, &error);
  g_assert_no_error (error);
  return rows->len;
}

static void
test_status_filter (void)
{
  GListModel *model = perp_journal_view_get_model (view ());
  guint n_taken = count_status (PERP_SIGNAL_TAKEN);
  guint n_blocked = count_status (PERP_SIGNAL_BLOCKED);
  guint n_closed = 0;

  reset_filters ();
  perp_journal_view_set_status_filter (view (), PERP_JOURNAL_STATUS_TAKEN);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_taken);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_assert_cmpint (row_signal (i)->status, ==, PERP_SIGNAL_TAKEN);

  perp_journal_view_set_status_filter (view (), PERP_JOURNAL_STATUS_BLOCKED);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_blocked);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_assert_cmpint (row_signal (i)->status, ==, PERP_SIGNAL_BLOCKED);

  perp_journal_view_set_status_filter (view (), PERP_JOURNAL_STATUS_DISCARDED);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fx.signals->len - n_taken - n_blocked);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_assert_cmpint (row_signal (i)->status, !=, PERP_SIGNAL_TAKEN);
      g_assert_cmpint (row_signal (i)->status, !=, PERP_SIGNAL_BLOCKED);
    }

  perp_journal_view_set_status_filter (view (), PERP_JOURNAL_STATUS_ALL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fx.signals->len);

  for (guint i = 0; i < fx.signals->len; i++)
    n_closed += is_closed (g_ptr_array_index (fx.signals, i));
  perp_journal_view_set_outcome_filter (view (), PERP_JOURNAL_OUTCOME_CLOSED);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_closed);

  /* A symbol the journal has: only its rows. */
  reset_filters ();
  {
    const PerpJournalSignal *first = g_ptr_array_index (fx.signals, 0);
    guint n_symbol = 0;

    for (guint i = 0; i < fx.signals->len; i++)
      n_symbol += g_strcmp0 (((PerpJournalSignal *) g_ptr_array_index (fx.signals, i))->symbol, first->symbol) == 0;
    perp_journal_view_set_symbol_filter (view (), first->symbol);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_symbol);
    perp_journal_view_set_symbol_filter (view (), NULL);
    perp_journal_view_set_search (view (), first->symbol);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_symbol);
  }
  reset_filters ();
}

static void
test_activate_shows_signal (void)
{
  GtkColumnView *column_view = perp_journal_view_get_column_view (view ());
  GListModel *model = perp_journal_view_get_model (view ());
  const PerpJournalSignal *chosen = NULL;
  const PerpJournalSignal *expected;
  g_autofree char *chosen_symbol = NULL;
  g_autoptr(GVariant) page = NULL;
  guint position = 0;
  gint64 id = -1;
  PerpPlan plan;

  reset_filters ();
  g_action_group_activate_action (G_ACTION_GROUP (fx.window), "page", g_variant_new_string ("journal"));
  iterate_pending ();

  /* A taken signal with a plan, of another symbol than the one shown if there is one. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      const PerpJournalSignal *s = row_signal (i);

      if (s->status != PERP_SIGNAL_TAKEN || !s->has_plan)
        continue;
      if (chosen == NULL || g_strcmp0 (s->symbol, perp_main_window_get_symbol (fx.window)) != 0)
        {
          chosen = s;
          position = i;
        }
    }
  g_assert_nonnull (chosen);
  chosen_symbol = g_strdup (chosen->symbol);
  expected = journal_signal (chosen->id);

  g_signal_emit_by_name (column_view, "activate", position);
  iterate_pending ();
  perp_main_window_flush (fx.window);

  g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, chosen_symbol);
  g_assert_cmpint (perp_main_window_get_timeframe (fx.window), ==, expected->interval);
  page = g_action_group_get_action_state (G_ACTION_GROUP (fx.window), "page");
  g_assert_cmpstr (g_variant_get_string (page, NULL), ==, "chart");
  g_assert_true (perp_main_window_get_shown_signal (fx.window, &id, &plan));
  g_assert_cmpint (id, ==, expected->id);
  g_assert_cmpfloat (plan.entry, ==, expected->plan.entry);
  g_assert_cmpfloat (plan.stop, ==, expected->plan.stop);
  g_assert_cmpint (plan.direction, ==, expected->plan.direction);
  g_assert_false (perp_chart_get_follow_live (perp_main_window_get_chart (fx.window)));

  /* Choosing another symbol goes back to the engine's live plan. */
  {
    GListModel *symbols = perp_main_window_get_symbols (fx.window);

    for (guint i = 0; i < g_list_model_get_n_items (symbols); i++)
      {
        g_autoptr(GObject) item = g_list_model_get_item (symbols, i);
        g_autofree char *symbol = NULL;

        g_object_get (item, "symbol", &symbol, NULL);
        if (g_strcmp0 (symbol, chosen_symbol) != 0)
          {
            g_action_group_activate_action (G_ACTION_GROUP (fx.window), "symbol", g_variant_new_string (symbol));
            g_assert_false (perp_main_window_get_shown_signal (fx.window, NULL, NULL));
            break;
          }
      }
  }
}

static void
check_stats_group (PerpJournalGroup group)
{
  PerpStatsView *stats_view = perp_main_window_get_stats_view (fx.window);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = perp_journal_stats (fx.journal, NULL, group, (PerpFactor) 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >, 0);
  for (guint i = 0; i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);
      const PerpJournalStats *st = &row->stats;
      g_autofree char *trades = g_strdup_printf ("%u", st->n_trades);
      g_autofree char *win_rate = perp_report_format_percent (st->win_rate);
      g_autofree char *pf = perp_report_format_ratio (st->profit_factor);
      g_autofree char *expectancy = perp_report_format_r (st->expectancy_r);
      g_autofree char *avg = perp_report_format_r (st->avg_r);
      g_autofree char *streak = g_strdup_printf ("%u", st->longest_losing_streak);
      g_autofree char *drawdown = g_strdup_printf ("%.2f R", st->max_drawdown_r);

      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_TRADES), ==, trades);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_WIN_RATE), ==, win_rate);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_PROFIT_FACTOR), ==, pf);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_EXPECTANCY), ==, expectancy);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_AVG_R), ==, avg);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_MAX_DRAWDOWN), ==, drawdown);
      g_assert_cmpstr (perp_stats_view_get_text (stats_view, group, row->key, PERP_STATS_FIELD_LOSING_STREAK), ==, streak);
    }
}

static void
test_stats_values (void)
{
  PerpStatsView *stats_view = perp_main_window_get_stats_view (fx.window);
  g_autofree char *n_closed_taken = NULL;
  guint n = 0;

  g_action_group_activate_action (G_ACTION_GROUP (fx.window), "page", g_variant_new_string ("stats"));
  wait_until_idle ();

  check_stats_group (PERP_JOURNAL_GROUP_NONE);
  check_stats_group (PERP_JOURNAL_GROUP_SYMBOL);
  check_stats_group (PERP_JOURNAL_GROUP_TIER);
  check_stats_group (PERP_JOURNAL_GROUP_SESSION);

  /* Independently of the journal's statistics: trades are the closed, filled, taken
   * signals. */
  for (guint i = 0; i < fx.signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (fx.signals, i);

      n += s->status == PERP_SIGNAL_TAKEN && is_closed (s) && s->outcome_state != PERP_OUTCOME_NOT_FILLED;
    }
  n_closed_taken = g_strdup_printf ("%u", n);
  g_assert_cmpstr (perp_stats_view_get_text (stats_view, PERP_JOURNAL_GROUP_NONE, "all", PERP_STATS_FIELD_TRADES),
                   ==, n_closed_taken);
}

static void
test_export_csv (void)
{
  g_autofree char *path = g_build_filename (fx.dir, "export.csv", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *expected_toast = NULL;
  g_autoptr(GError) error = NULL;
  guint lines = 0;
  gsize len;

  g_assert_true (perp_main_window_export_to_file (fx.window, path, &error));
  g_assert_no_error (error);
  g_assert_true (perp_main_window_is_busy (fx.window));
  wait_until_idle ();

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < len; i++)
    lines += contents[i] == '\n';
  g_assert_cmpuint (lines, ==, fx.signals->len + 1);

  expected_toast = g_strdup_printf ("Exported %u signals to export.csv", fx.signals->len);
  g_assert_cmpstr (perp_main_window_get_toast_text (fx.window), ==, expected_toast);

  /* An unknown extension is refused before anything runs. */
  g_assert_false (perp_main_window_export_to_file (fx.window, "/nonexistent/report.txt", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
}

/* Resume Trading lifts the daily-drawdown pause in the journal at the data's time. */
static void
test_resume_trading (void)
{
  g_autoptr(GError) error = NULL;
  gint64 now = perp_engine_get_now (fx.engine);
  PerpJournalHistory *history;

  g_assert_cmpint (now, >, 0);
  history = perp_journal_get_history (fx.journal, now, "BTCUSDT", &error);
  g_assert_no_error (error);
  if (!(history->state.paused_at > history->state.resumed_at))
    {
      /* The replay did not trip it: trip it as the signal journal would. */
      g_assert_cmpint (perp_journal_add_breaker_event (fx.journal, PERP_BREAKER_DAILY_DRAWDOWN, PERP_BREAKER_BLOCK,
                                                       "BTCUSDT", "test", now - 60000, &error), >, 0);
      g_assert_no_error (error);
    }
  perp_journal_history_free (history);

  g_action_group_activate_action (G_ACTION_GROUP (fx.window), "resume-trading", NULL);
  wait_until_idle ();

  history = perp_journal_get_history (fx.journal, now, "BTCUSDT", &error);
  g_assert_no_error (error);
  g_assert_cmpint (history->state.resumed_at, ==, now);
  g_assert_cmpint (history->state.paused_at, <=, history->state.resumed_at);
  perp_journal_history_free (history);
  g_assert_cmpstr (perp_main_window_get_toast_text (fx.window), ==, "Trading resumed");
}

static void
test_unwritable_journal_toast (void)
{
  g_autofree char *ro_dir = g_build_filename (fx.dir, "read-only", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpJournal) direct = NULL;
  PerpMainWindow *window;

  /* root writes anywhere: there, a folder that is a file is what cannot be written. */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_mkdir (ro_dir, 0500), ==, 0);
      path = g_build_filename (ro_dir, "journal.sqlite", NULL);
    }
  else
    {
      g_assert_true (g_file_set_contents (ro_dir, "not a folder", -1, NULL));
      path = g_build_filename (ro_dir, "journal.sqlite", NULL);
    }

  direct = perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error);
  g_assert_null (direct);
  g_assert_nonnull (error);

  window = perp_main_window_new (NULL, NULL);
  g_object_ref_sink (window);
  g_test_expect_message ("perp-main-window", G_LOG_LEVEL_WARNING, "Failed to open the journal*");
  g_assert_null (perp_main_window_open_journal (window, path, PERP_JOURNAL_FLAGS_NONE));
  g_test_assert_expected_messages ();
  g_assert_cmpstr (perp_main_window_get_toast_text (window), ==, error->message);
  g_assert_null (perp_main_window_get_journal (window));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "export"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  if (geteuid () != 0)
    g_rmdir (ro_dir);
  else
    g_remove (ro_dir);
  iterate_pending ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      if (g_getenv ("CI") != NULL)
        {
          g_printerr ("No display, and CI is set: run the UI tests under xvfb-run\n");
          return 1;
        }
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  adw_init ();

  g_object_set (gtk_settings_get_default (), "gtk-font-name", "Cantarell 11", NULL);

  setup_fixture ();

  g_test_add_func ("/journal-view/lists-the-journal", test_lists_journal);
  g_test_add_func ("/journal-view/sort-by-r", test_sort_by_r);
  g_test_add_func ("/journal-view/filters", test_status_filter);
  g_test_add_func ("/journal-view/activate-shows-signal", test_activate_shows_signal);
  g_test_add_func ("/stats-view/journal-values", test_stats_values);
  g_test_add_func ("/export/csv-lines", test_export_csv);
  g_test_add_func ("/journal/resume-trading", test_resume_trading);
  g_test_add_func ("/journal/unwritable-shows-toast", test_unwritable_journal_toast);

  status = g_test_run ();

  teardown_fixture ();

  return status;
}
