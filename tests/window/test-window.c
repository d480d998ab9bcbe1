/* test-window.c: the main window driven through its actions, on the bundled replay
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <math.h>
#include <string.h>

#include "io/perp-replay-feed.h"
#include "panel/perp-score-panel.h"
#include "perp-main-window.h"
#include "perp-symbol-item.h"

/*
 * One window on one engine fed by the bundled replay (most of it as warm-up history,
 * the last day played at full speed), shared by the tests below.  Expected values
 * come from the engine and the feed (what the window is supposed to show), never
 * from the window itself.
 */

typedef struct
{
  PerpConfig     *config;
  PerpEngine     *engine;
  PerpReplayFeed *feed;
  GSettings      *settings;
  PerpMainWindow *window;
  gboolean        finished;
  gboolean        failed;
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
wait_until_finished (void)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (240, timeout_cb, &timed_out);

  while (!fx.finished && !fx.failed && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
  g_assert_false (fx.failed);
}

static void
iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
setup_fixture (void)
{
  g_autofree char *dir = g_build_filename (PERP_SOURCE_DIR, "data", "replay", NULL);
  g_autoptr(GError) error = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, "io.github.perpscope.Perpscope", TRUE);
  g_assert_nonnull (schema);  /* GSETTINGS_SCHEMA_DIR points at the build tree */
  fx.settings = g_settings_new_full (schema, NULL, NULL);

  fx.config = perp_config_new_default ();
  fx.engine = perp_engine_new (fx.config, NULL, &error);
  g_assert_no_error (error);
  perp_engine_set_threaded_loading (fx.engine, FALSE);

  fx.feed = perp_replay_feed_new ();
  /* The folder as the application adds it, in name order (ties between files go to
   * the one added first): two symbols' candles and funding rates. */
  g_assert_true (perp_replay_feed_add_file (fx.feed, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (perp_replay_feed_get_n_sources (fx.feed), ==, 4);
  /* 60 days of 5m candles: all but the last day as history, the rest played. */
  perp_replay_feed_set_warmup (fx.feed, 17280 - 288);
  perp_replay_feed_set_speed (fx.feed, 0.0);
  perp_engine_add_feed (fx.engine, PERP_FEED (fx.feed));
  g_signal_connect (fx.feed, "state-changed", G_CALLBACK (feed_state_cb), NULL);

  fx.window = perp_main_window_new (NULL, fx.settings);
  g_object_ref_sink (fx.window);
  perp_main_window_set_engine (fx.window, fx.engine);
  perp_main_window_set_feed (fx.window, PERP_FEED (fx.feed));
  gtk_window_present (GTK_WINDOW (fx.window));

  perp_feed_start (PERP_FEED (fx.feed));
  wait_until_finished ();
  iterate_pending ();
  perp_main_window_flush (fx.window);
}

static void
teardown_fixture (void)
{
  gtk_window_destroy (GTK_WINDOW (fx.window));
  g_clear_object (&fx.window);
  perp_feed_stop (PERP_FEED (fx.feed));
  g_clear_object (&fx.feed);
  g_clear_object (&fx.engine);
  g_clear_pointer (&fx.config, perp_config_free);
  g_clear_object (&fx.settings);
  iterate_pending ();
}

static GVariant *
action_state (const char *name)
{
  return g_action_group_get_action_state (G_ACTION_GROUP (fx.window), name);
}

static void
activate (const char *name,
          GVariant   *param)
{
  g_action_group_activate_action (G_ACTION_GROUP (fx.window), name, param);
  iterate_pending ();
  perp_main_window_flush (fx.window);
}

static GtkStack *
chart_stack (void)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (perp_main_window_get_chart (fx.window)));

  g_assert_true (GTK_IS_STACK (parent));
  return GTK_STACK (parent);
}

static void
test_symbol_switch (void)
{
  const char *symbols[] = { "ETHUSDT", "BTCUSDT" };

  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      const PerpEngineUpdate *update;
      g_autoptr(GVariant) state = NULL;
      PerpScorePanel *panel = perp_main_window_get_panel (fx.window);
      g_autofree char *setting = NULL;

      activate ("symbol", g_variant_new_string (symbols[i]));

      g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, symbols[i]);
      state = action_state ("symbol");
      g_assert_cmpstr (g_variant_get_string (state, NULL), ==, symbols[i]);
      g_assert_cmpstr (perp_score_panel_get_symbol (panel), ==, symbols[i]);

      /* The panel shows this symbol's score, as the engine has it. */
      update = perp_engine_get_last_update (fx.engine, symbols[i]);
      g_assert_nonnull (update);
      g_assert_cmpstr (update->symbol, ==, symbols[i]);
      g_assert_true (perp_score_panel_has_score (panel));
      g_assert_cmpfloat_with_epsilon (perp_score_panel_get_long_pct (panel), update->score->long_pct, 1e-9);

      setting = g_settings_get_string (fx.settings, "symbol");
      g_assert_cmpstr (setting, ==, symbols[i]);
      g_assert_true (g_str_has_prefix (gtk_window_get_title (GTK_WINDOW (fx.window)), symbols[i]));
      g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack ()), ==, "chart");
    }
}

static void
test_symbol_unknown_ignored (void)
{
  g_autofree char *before = g_strdup (perp_main_window_get_symbol (fx.window));
  g_autoptr(GVariant) state = NULL;

  activate ("symbol", g_variant_new_string ("NOSUCHUSDT"));

  g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, before);
  state = action_state ("symbol");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, before);
  g_assert_cmpstr (perp_score_panel_get_symbol (perp_main_window_get_panel (fx.window)), ==, before);
}

static void
test_timeframe_switch (void)
{
  static const struct { const char *name; PerpInterval interval; const char *page; } cases[] = {
    { "1h", PERP_INTERVAL_1H, "chart" },
    { "15m", PERP_INTERVAL_15M, "chart" },
    /* The recording holds 5m candles: nothing finer can be drawn. */
    { "1m", PERP_INTERVAL_1M, "empty" },
    { "4h", PERP_INTERVAL_4H, "chart" },
    { "5m", PERP_INTERVAL_5M, "chart" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) state = NULL;
      g_autofree char *setting = NULL;
      PerpAnalysis *analysis;

      activate ("timeframe", g_variant_new_string (cases[i].name));

      g_assert_cmpint (perp_main_window_get_timeframe (fx.window), ==, cases[i].interval);
      state = action_state ("timeframe");
      g_assert_cmpstr (g_variant_get_string (state, NULL), ==, cases[i].name);
      setting = g_settings_get_string (fx.settings, "timeframe");
      g_assert_cmpstr (setting, ==, cases[i].name);
      g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (fx.window)), cases[i].name));
      g_assert_cmpstr (gtk_stack_get_visible_child_name (chart_stack ()), ==, cases[i].page);

      /* Whether there is a chart agrees with what the engine can give for it. */
      analysis = perp_engine_get_chart_analysis (fx.engine, perp_main_window_get_symbol (fx.window),
                                                 cases[i].interval);
      g_assert_cmpint (analysis != NULL && perp_candles_get_length (perp_analysis_get_candles (analysis)) > 0,
                       ==, strcmp (cases[i].page, "chart") == 0);
    }
}

static void
test_timeframe_invalid (void)
{
  g_autoptr(GVariant) state = NULL;

  g_test_expect_message ("perp-main-window", G_LOG_LEVEL_WARNING, "*unknown timeframe*7m*");
  activate ("timeframe", g_variant_new_string ("7m"));
  g_test_assert_expected_messages ();

  state = action_state ("timeframe");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "5m");
  g_assert_cmpint (perp_main_window_get_timeframe (fx.window), ==, PERP_INTERVAL_5M);
}

static void
test_layer_toggles (void)
{
  PerpChart *chart = perp_main_window_get_chart (fx.window);

  for (guint i = 0; i < PERP_CHART_N_LAYERS; i++)
    {
      const char *name = perp_chart_layer_name ((PerpChartLayer) i);
      g_autofree char *action = g_strdup_printf ("layer-%s", name);
      gboolean before = perp_chart_get_layer_visible (chart, (PerpChartLayer) i);
      g_autoptr(GVariant) state = NULL;
      g_autoptr(GVariant) layers = NULL;
      gboolean saved;

      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fx.window), action));
      state = action_state (action);
      g_assert_cmpint (g_variant_get_boolean (state), ==, before);

      /* Activating a stateful boolean action without a parameter toggles it. */
      activate (action, NULL);
      g_assert_cmpint (perp_chart_get_layer_visible (chart, (PerpChartLayer) i), ==, !before);
      g_clear_pointer (&state, g_variant_unref);
      state = action_state (action);
      g_assert_cmpint (g_variant_get_boolean (state), ==, !before);

      layers = g_settings_get_value (fx.settings, "layers");
      g_assert_true (g_variant_lookup (layers, name, "b", &saved));
      g_assert_cmpint (saved, ==, !before);

      g_action_group_change_action_state (G_ACTION_GROUP (fx.window), action, g_variant_new_boolean (before));
      g_assert_cmpint (perp_chart_get_layer_visible (chart, (PerpChartLayer) i), ==, before);
    }
}

static char *
journal_time_title (void)
{
  GtkColumnView *view = perp_journal_view_get_column_view (perp_main_window_get_journal_view (fx.window));
  g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (gtk_column_view_get_columns (view), 0);

  return g_strdup (gtk_column_view_column_get_title (column));
}

/* Local time is a setting: the chart, the status line and the journal follow the action
 * (main () sets TZ to India's +05:30, which has no daylight saving), and the choice is
 * saved. */
static void
test_local_time (void)
{
  PerpChart *chart = perp_main_window_get_chart (fx.window);
  gint64 t = perp_replay_feed_get_data_time (fx.feed);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t / 1000);
  g_autoptr(GDateTime) shifted = g_date_time_add_minutes (utc, 5 * 60 + 30);
  g_autofree char *utc_text = g_date_time_format (utc, "%Y-%m-%d %H:%M UTC");
  g_autofree char *local_text = g_date_time_format (shifted, "%Y-%m-%d %H:%M IST");
  g_autofree char *formatted = perp_format_data_time (t, FALSE);
  g_autofree char *title = NULL;

  g_assert_true (perp_chart_get_utc (chart));
  g_assert_true (g_str_has_suffix (perp_main_window_get_status_text (fx.window), utc_text));

  activate ("local-time", NULL);
  g_assert_false (perp_chart_get_utc (chart));
  g_assert_true (g_settings_get_boolean (fx.settings, "local-time"));
  g_assert_cmpstr (formatted, ==, local_text);
  if (!g_str_has_suffix (perp_main_window_get_status_text (fx.window), local_text))
    g_error ("status \"%s\" does not end in local time %s", perp_main_window_get_status_text (fx.window), local_text);
  title = journal_time_title ();
  g_assert_cmpstr (title, ==, "Time (local)");
  g_clear_pointer (&title, g_free);

  activate ("local-time", NULL);
  g_assert_true (perp_chart_get_utc (chart));
  g_assert_false (g_settings_get_boolean (fx.settings, "local-time"));
  g_assert_true (g_str_has_suffix (perp_main_window_get_status_text (fx.window), utc_text));
  title = journal_time_title ();
  g_assert_cmpstr (title, ==, "Time (UTC)");
}

/* The first widget of @type under @widget, depth first. */
static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_symbol_list (void)
{
  GListModel *model = perp_main_window_get_symbols (fx.window);
  guint n = g_list_model_get_n_items (model);
  const char * const *watched = perp_engine_get_symbols (fx.engine);

  g_assert_cmpuint (n, ==, g_strv_length ((char **) watched));
  g_assert_cmpuint (n, ==, 2);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PerpSymbolItem) item = g_list_model_get_item (model, i);
      const char *symbol = perp_symbol_item_get_symbol (item);
      const PerpEngineUpdate *update = perp_engine_get_last_update (fx.engine, symbol);
      g_autofree char *expected = NULL;

      g_assert_true (g_strv_contains (watched, symbol));
      g_assert_nonnull (update);
      g_assert_cmpfloat_with_epsilon (perp_symbol_item_get_long_pct (item), update->score->long_pct, 1e-9);
      expected = g_strdup_printf ("%.0f %%", update->score->long_pct);
      g_assert_cmpstr (perp_symbol_item_get_long_text (item), ==, expected);
      g_assert_cmpstr (perp_symbol_item_get_tier_text (item), ==, perp_tier_title (update->score->tier));
      g_assert_cmpstr (perp_symbol_item_get_direction_text (item), ==,
                       perp_direction_title (update->score->direction));
    }

  /* Clicking a row (selecting it) switches the chart to it. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PerpSymbolItem) item = g_list_model_get_item (model, i);

      gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), i, TRUE);
      iterate_pending ();
      g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, perp_symbol_item_get_symbol (item));
      g_assert_cmpstr (perp_score_panel_get_symbol (perp_main_window_get_panel (fx.window)), ==,
                       perp_symbol_item_get_symbol (item));
    }

  /* The row of the current symbol is the selected one after a switch by action. */
  activate ("symbol", g_variant_new_string ("BTCUSDT"));
  {
    g_autoptr(PerpSymbolItem) selected = NULL;
    guint pos = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));

    g_assert_cmpuint (pos, !=, GTK_INVALID_LIST_POSITION);
    selected = g_list_model_get_item (model, pos);
    g_assert_cmpstr (perp_symbol_item_get_symbol (selected), ==, "BTCUSDT");
  }

  /* A search that hid the row and was cleared again: the row of the symbol shown is
   * selected again, and next/previous symbol move from it (they did nothing before). */
  {
    GtkWidget *entry = find_descendant (GTK_WIDGET (fx.window), GTK_TYPE_SEARCH_ENTRY);
    g_autoptr(PerpSymbolItem) selected = NULL;
    guint pos;

    g_assert_nonnull (entry);
    gtk_editable_set_text (GTK_EDITABLE (entry), "ETH");
    g_signal_emit_by_name (entry, "search-changed");
    iterate_pending ();
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
    g_signal_emit_by_name (entry, "search-changed");
    iterate_pending ();
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
    pos = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));
    g_assert_cmpuint (pos, !=, GTK_INVALID_LIST_POSITION);
    selected = g_list_model_get_item (model, pos);
    g_assert_cmpstr (perp_symbol_item_get_symbol (selected), ==, "BTCUSDT");

    activate ("next-symbol", NULL);
    g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, "ETHUSDT");
    activate ("previous-symbol", NULL);
    g_assert_cmpstr (perp_main_window_get_symbol (fx.window), ==, "BTCUSDT");
  }
}

/* At start the chart has the keyboard (its arrows and zoom keys; Space goes on to the
 * play shortcut), not the header bar's first button; the header's buttons do not take
 * it away when clicked. */
static void
test_focus_on_chart (void)
{
  GtkWidget *chart = GTK_WIDGET (perp_main_window_get_chart (fx.window));
  GtkWidget *search = find_descendant (GTK_WIDGET (fx.window), GTK_TYPE_TOGGLE_BUTTON);

  g_assert_true (gtk_window_get_focus (GTK_WINDOW (fx.window)) == chart);
  g_assert_nonnull (search);
  g_assert_false (gtk_widget_get_focus_on_click (search));
}

static void
test_status_finished (void)
{
  g_autofree char *when = perp_format_data_time (perp_replay_feed_get_data_time (fx.feed), TRUE);
  g_autofree char *expected = g_strdup_printf ("Replay ended at %s", when);

  g_assert_cmpint (perp_feed_get_state (PERP_FEED (fx.feed)), ==, PERP_FEED_STATE_FINISHED);
  g_assert_cmpstr (perp_main_window_get_status_text (fx.window), ==, expected);
}

static void
collect_widgets (GtkWidget *widget,
                 GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_ptr_array_add (out, child);
      collect_widgets (child, out);
    }
}

static gboolean
has_label_text (GPtrArray  *widgets,
                const char *text)
{
  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (widgets, i);

      if (GTK_IS_LABEL (w) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (w)), text) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_panel_updates_in_place (void)
{
  PerpScorePanel *panel = perp_main_window_get_panel (fx.window);
  const PerpEngineUpdate *last = perp_engine_get_last_update (fx.engine, perp_score_panel_get_symbol (panel));
  g_autoptr(GPtrArray) before = g_ptr_array_new ();
  g_autoptr(GPtrArray) after = g_ptr_array_new ();
  PerpScore score;
  PerpEngineUpdate update;

  g_assert_nonnull (last);
  score = *last->score;
  update = *last;
  update.score = &score;

  collect_widgets (GTK_WIDGET (panel), before);

  /* A different score: Long % 73, Short % 27. */
  score.long_pct = 73.0;
  score.short_pct = 27.0;
  perp_score_panel_update (panel, &update);

  collect_widgets (GTK_WIDGET (panel), after);
  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    g_assert_true (g_ptr_array_index (before, i) == g_ptr_array_index (after, i));
  g_assert_true (has_label_text (after, "73 %"));
  g_assert_true (has_label_text (after, "27 %"));
  g_assert_cmpfloat (perp_score_panel_get_long_pct (panel), ==, 73.0);

  /* An update of another symbol leaves the panel alone. */
  update.symbol = "SOMETHINGELSE";
  score.long_pct = 11.0;
  perp_score_panel_update (panel, &update);
  g_assert_cmpfloat (perp_score_panel_get_long_pct (panel), ==, 73.0);

  /* Put the engine's score back. */
  perp_score_panel_update (panel, last);
}

static void
test_plan_text (void)
{
  PerpScore score = { 0 };
  PerpPlan plan = { 0 };
  g_autofree char *text = NULL;
  g_autofree char *entry = perp_format_price (100.0);
  g_autofree char *stop = perp_format_price (95.0);
  g_autofree char *tp1 = perp_format_price (105.0);
  g_autofree char *tp2 = perp_format_price (110.0);
  g_autofree char *line = NULL;

  score.long_pct = 70.0;
  score.short_pct = 30.0;
  score.direction = PERP_DIRECTION_LONG;
  score.tier = PERP_TIER_MEDIUM;

  plan.status = PERP_PLAN_OK;
  plan.direction = PERP_DIRECTION_LONG;
  plan.tier = PERP_TIER_MEDIUM;
  plan.time = G_GINT64_CONSTANT (1711929600000);  /* 2024-04-01 00:00 UTC */
  plan.entry = 100.0;
  plan.stop = 95.0;
  plan.stop_anchor = PERP_STOP_SWING;
  plan.n_targets = 2;
  plan.targets[0] = (PerpTarget) { 105.0, 1.0, 0.5, PERP_TARGET_R_MULTIPLE };
  plan.targets[1] = (PerpTarget) { 110.0, 2.0, 0.5, PERP_TARGET_R_MULTIPLE };
  plan.reward_risk = 1.5;
  plan.sizing.quantity = 5.0;
  plan.sizing.notional = 500.0;
  plan.sizing.risk = 25.0;

  text = perp_plan_format_text ("TESTUSDT", PERP_INTERVAL_5M, &score, &plan);
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "TESTUSDT Long, Medium tier, 5m, 2024-04-01 00:00 UTC\n"));
  g_assert_nonnull (strstr (text, "Confidence: Long 70 % / Short 30 %\n"));
  line = g_strdup_printf ("Entry: %s\n", entry);
  g_assert_nonnull (strstr (text, line));
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("Stop: %s (beyond the swing)\n", stop);
  g_assert_nonnull (strstr (text, line));
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("TP1: %s (1.0 R, 50 %% of the position)\n", tp1);
  g_assert_nonnull (strstr (text, line));
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("TP2: %s (2.0 R, 50 %% of the position)\n", tp2);
  g_assert_nonnull (strstr (text, line));
  g_assert_null (strstr (text, "TP3"));
  g_assert_nonnull (strstr (text, "Size: 5 TESTUSDT"));
  g_assert_nonnull (strstr (text, "Risk: $25.00\n"));
  g_assert_nonnull (strstr (text, "Reward to risk: 1.50\n"));

  /* No trade, no text: the copy button is off then. */
  plan.status = PERP_PLAN_NO_DIRECTION;
  g_assert_null (perp_plan_format_text ("TESTUSDT", PERP_INTERVAL_5M, &score, &plan));
  plan.status = PERP_PLAN_NO_SIZE;
  g_assert_null (perp_plan_format_text ("TESTUSDT", PERP_INTERVAL_5M, &score, &plan));
}

static GtkWidget *
find_copy_button (GtkWidget *panel)
{
  g_autoptr(GPtrArray) widgets = g_ptr_array_new ();

  collect_widgets (panel, widgets);
  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (widgets, i);

      if (GTK_IS_BUTTON (w)
          && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)), "panel.copy-plan") == 0)
        return w;
    }

  g_assert_not_reached ();
  return NULL;
}

static void
test_panel_plan_matches_engine (void)
{
  PerpScorePanel *panel = perp_main_window_get_panel (fx.window);
  const char *symbol = perp_score_panel_get_symbol (panel);
  const PerpEngineUpdate *update = perp_engine_get_last_update (fx.engine, symbol);
  g_autofree char *text = perp_score_panel_dup_plan_text (panel);
  gboolean copy_enabled;

  g_assert_nonnull (update);
  perp_score_panel_update (panel, update);
  g_clear_pointer (&text, g_free);
  text = perp_score_panel_dup_plan_text (panel);
  copy_enabled = gtk_widget_is_sensitive (find_copy_button (GTK_WIDGET (panel)));

  if (update->plan != NULL && update->plan->status == PERP_PLAN_OK)
    {
      g_autofree char *entry = perp_format_price (update->plan->entry);

      g_assert_nonnull (text);
      g_assert_true (g_str_has_prefix (text, symbol));
      g_assert_nonnull (strstr (text, entry));
      g_assert_true (copy_enabled);
    }
  else
    {
      g_assert_null (text);
      g_assert_false (copy_enabled);
    }
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  if (*out == NULL)
    *out = g_strdup ("");
}

static void
test_copy_plan (void)
{
  PerpScorePanel *panel = perp_main_window_get_panel (fx.window);
  const char *symbol = perp_score_panel_get_symbol (panel);
  const PerpEngineUpdate *last = perp_engine_get_last_update (fx.engine, symbol);
  PerpEngineUpdate update;
  PerpScore score;
  PerpPlan plan = { 0 };
  g_autofree char *expected = NULL;
  g_autofree char *copied = NULL;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fx.window));

  g_assert_nonnull (last);
  update = *last;
  score = *last->score;
  update.score = &score;
  update.plan = &plan;

  /* A complete plan, so the copy button has something to copy. */
  plan.status = PERP_PLAN_OK;
  plan.direction = PERP_DIRECTION_SHORT;
  plan.tier = PERP_TIER_HIGH;
  plan.time = last->time;
  plan.entry = score.price;
  plan.stop = score.price * 1.01;
  plan.stop_anchor = PERP_STOP_ORDER_BLOCK;
  plan.n_targets = 1;
  plan.targets[0] = (PerpTarget) { score.price * 0.98, 2.0, 1.0, PERP_TARGET_LIQUIDITY };
  plan.reward_risk = 2.0;
  plan.sizing.quantity = 0.5;
  plan.sizing.notional = 0.5 * score.price;
  plan.sizing.risk = 0.005 * score.price;

  perp_score_panel_update (panel, &update);
  g_assert_true (gtk_widget_is_sensitive (find_copy_button (GTK_WIDGET (panel))));
  expected = perp_plan_format_text (symbol, update.interval, &score, &plan);
  g_assert_nonnull (expected);

  activate ("copy-plan", NULL);
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &copied);
  while (copied == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (copied, ==, expected);

  perp_score_panel_update (panel, last);
}

static void
test_settings_restored (void)
{
  g_autoptr(GVariant) state = NULL;
  PerpMainWindow *window;
  GVariantBuilder layers;
  int width = 0, height = 0;

  g_settings_set_string (fx.settings, "symbol", "ETHUSDT");
  g_settings_set_string (fx.settings, "timeframe", "1h");
  g_settings_set_int (fx.settings, "window-width", 1111);
  g_settings_set_int (fx.settings, "window-height", 777);
  g_variant_builder_init (&layers, G_VARIANT_TYPE ("a{sb}"));
  g_variant_builder_add (&layers, "{sb}", "fvg", FALSE);
  g_variant_builder_add (&layers, "{sb}", "structure", TRUE);
  g_settings_set_value (fx.settings, "layers", g_variant_builder_end (&layers));

  window = perp_main_window_new (NULL, fx.settings);
  g_object_ref_sink (window);

  g_assert_cmpstr (perp_main_window_get_symbol (window), ==, "ETHUSDT");
  g_assert_cmpint (perp_main_window_get_timeframe (window), ==, PERP_INTERVAL_1H);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1111);
  g_assert_cmpint (height, ==, 777);
  g_assert_false (perp_chart_get_layer_visible (perp_main_window_get_chart (window), PERP_CHART_LAYER_FVG));
  g_assert_true (perp_chart_get_layer_visible (perp_main_window_get_chart (window), PERP_CHART_LAYER_STRUCTURE));
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "layer-fvg");
  g_assert_false (g_variant_get_boolean (state));

  /* Closing saves the size it has (close-request needs a realized window). */
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 1234, 800);
  for (int i = 0; i < 20; i++)
    {
      g_usleep (10000);
      iterate_pending ();
    }
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1234);
  g_assert_cmpint (height, ==, 800);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (fx.settings, "window-width"), ==, 1234);
  g_assert_cmpint (g_settings_get_int (fx.settings, "window-height"), ==, 800);

  g_object_unref (window);
  iterate_pending ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* A zone off UTC for the local-time test, set before GLib reads it. */
  g_setenv ("TZ", "Asia/Kolkata", TRUE);
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

  g_test_add_func ("/window/focus/chart-at-start", test_focus_on_chart);
  g_test_add_func ("/window/status/replay-finished", test_status_finished);
  g_test_add_func ("/window/symbol/switch-by-action", test_symbol_switch);
  g_test_add_func ("/window/symbol/unknown-ignored", test_symbol_unknown_ignored);
  g_test_add_func ("/window/timeframe/switch-by-action", test_timeframe_switch);
  g_test_add_func ("/window/timeframe/invalid-ignored", test_timeframe_invalid);
  g_test_add_func ("/window/layers/toggle-by-action", test_layer_toggles);
  g_test_add_func ("/window/local-time", test_local_time);
  g_test_add_func ("/window/symbol-list/scores-and-selection", test_symbol_list);
  g_test_add_func ("/window/panel/updates-in-place", test_panel_updates_in_place);
  g_test_add_func ("/window/panel/plan-matches-engine", test_panel_plan_matches_engine);
  g_test_add_func ("/window/panel/plan-text", test_plan_text);
  g_test_add_func ("/window/panel/copy-plan", test_copy_plan);
  g_test_add_func ("/window/settings/restored-in-new-window", test_settings_restored);

  status = g_test_run ();

  teardown_fixture ();

  return status;
}
