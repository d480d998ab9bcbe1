/* perp-application.c: the workstation application: data sources, windows, screenshots
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-application"

#include "config.h"

#include <glib/gstdio.h>

#include <glib/gi18n.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <stdio.h>
#include <string.h>

#include "io/perp-binance-feed.h"
#include "io/perp-replay-feed.h"
#include "perp-application.h"
#include "perp-main-window.h"
#include "perp-signal-journal.h"
#include "io/perp-data-path.h"

/*
 * Where the data comes from:
 *
 *  - By default the live Binance feed.  Whether there is a network is decided by
 *    trying: if the feed fails (DNS, refused, 418) or has to reconnect before it was
 *    ever live, the app falls back to the bundled replay and says so in a toast.
 *    Probing connectivity separately would cost a request and still be wrong.
 *  - PERP_OFFLINE=1 or --offline: the bundled replay at once (tests, trains).
 *  - --replay PATH: any recording (a file or a folder of files).
 *
 * --screenshot renders the main window to a PNG after the replay reached --at (or
 * its end) at full speed and the engine scored the symbol, then quits.  It never
 * touches the user's settings: the window gets an in-memory settings backend.
 *
 * The signal journal: --journal FILE, else $PERPSCOPE_JOURNAL, else the
 * configuration's journal.path, else the default in the user data folder.  Each
 * engine gets a PerpSignalJournal writing through the journal's writer thread.  A
 * journal that cannot be opened (newer schema, read-only, locked) or a write that
 * fails is said in a toast with the journal's own message; the app goes on without
 * it (or retries the write with the next signal).  A screenshot writes nothing: it
 * shows a journal only when one is named, opened read-only.
 */

/* Candles that arrive as one block of history before playback, per file: two weeks
 * of 5m candles, enough for the structure engine and the indicators to have settled
 * when the first candle is played. */
#define REPLAY_WARMUP_CANDLES 4032
/* Interactive replays play one 5m candle every 5 s: the chart visibly moves. */
#define REPLAY_DEFAULT_SPEED  60.0
#define SCREENSHOT_TIMEOUT_S  300

struct _PerpApplication
{
  AdwApplication    parent_instance;

  /* Options */
  char             *replay_path;
  char             *symbol;
  char             *timeframe;
  gint64            at_ms;
  char             *screenshot_path;
  int               screenshot_width;
  int               screenshot_height;
  AdwColorScheme    color_scheme;
  gboolean          offline;
  char             *journal_option;
  char             *page;

  PerpMainWindow       *window;
  PerpExchangeInfo *exchange_info;
  PerpEngine       *engine;
  PerpFeed         *feed;
  PerpJournal      *journal;
  PerpSignalJournal *signal_journal;
  char             *journal_failure;

  gboolean          live_reached;
  guint             fallback_id;
  char             *fallback_reason;

  gboolean          capture_started;
  guint             frames_after_flush;
  gboolean          size_adjusted;
  int               last_width;
  int               last_height;
  guint             tick_id;
  guint             timeout_id;
  guint             settle_id;
  int               exit_status;
};

G_DEFINE_FINAL_TYPE (PerpApplication, perp_application, ADW_TYPE_APPLICATION)

static void start_replay (PerpApplication *self,
                          const char      *path,
                          const char      *why);

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
is_recording (const char *name)
{
  return g_str_has_suffix (name, ".csv")
         || g_str_has_suffix (name, ".jsonl")
         || g_str_has_suffix (name, ".jsonl.gz");
}

static gboolean
add_replay_path (PerpReplayFeed  *feed,
                 const char      *path,
                 GError         **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       _("%s: no such file or folder"), path);
          return FALSE;
        }
      return perp_replay_feed_add_file (feed, path, error);
    }

  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;

  /* Sorted, so the same folder always replays in the same order (ties between files
   * go to the file added first). */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_recording (name))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  if (names->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("%s: no recordings (.csv, .jsonl, .jsonl.gz) in this folder"), path);
      return FALSE;
    }

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      if (!perp_replay_feed_add_file (feed, file, error))
        return FALSE;
    }

  return TRUE;
}

static PerpConfig *
load_config (PerpApplication *self)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "perpscope", "perpscope.yaml", NULL);
  g_autoptr(GError) error = NULL;
  PerpConfig *config;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return perp_config_new_default ();

  config = perp_config_load_file (path, &error);
  if (config == NULL)
    {
      g_warning ("Failed to load the configuration, using the defaults: %s", error->message);
      if (self->window != NULL)
        perp_main_window_add_toast (self->window, _("The configuration file has an error; using the defaults"));
      return perp_config_new_default ();
    }

  return config;
}

static void
load_exchange_info (PerpApplication *self)
{
  g_autofree char *dir_path = perp_data_path_find ("exchange-info", G_FILE_TEST_IS_DIR);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *newest = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  if (dir_path == NULL || (dir = g_dir_open (dir_path, 0, NULL)) == NULL)
    return;

  /* The files are named by date: the greatest name is the newest snapshot. */
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && (newest == NULL || strcmp (name, newest) > 0))
      {
        g_free (newest);
        newest = g_strdup (name);
      }

  if (newest == NULL)
    return;

  path = g_build_filename (dir_path, newest, NULL);
  self->exchange_info = perp_exchange_info_load_file (path, &error);
  if (self->exchange_info == NULL)
    g_warning ("Failed to load the exchange rules, sizes will not be rounded to them: %s", error->message);
}

static void
fail (PerpApplication *self,
      const char      *message)
{
  g_printerr ("perpscope: %s\n", message);
  self->exit_status = 1;
  g_application_quit (G_APPLICATION (self));
}

/* ---- Journal ---------------------------------------------------------------------- */

static void
journal_failed_cb (PerpApplication   *self,
                   const GError      *error,
                   PerpSignalJournal *signal_journal)
{
  /* The same failure comes back with every retried write: say it once. */
  if (error == NULL || g_strcmp0 (error->message, self->journal_failure) == 0)
    return;

  g_warning ("Failed to write to the journal: %s", error->message);
  g_free (self->journal_failure);
  self->journal_failure = g_strdup (error->message);
  if (self->window != NULL)
    perp_main_window_add_toast (self->window, error->message);
}

static void
open_journal (PerpApplication *self)
{
  g_autoptr(PerpConfig) config = load_config (self);
  g_autofree char *default_path = NULL;
  PerpJournal *journal;
  const char *env = g_getenv ("PERPSCOPE_JOURNAL");
  const char *path = self->journal_option;
  gboolean screenshot = self->screenshot_path != NULL;

  if (path == NULL && env != NULL && env[0] != '\0')
    path = env;
  /* A picture is not worth writing to anyone's journal. */
  if (path == NULL && screenshot)
    return;
  if (path == NULL)
    path = config->journal_path;
  if (path == NULL)
    path = default_path = perp_journal_default_path ();

  journal = perp_main_window_open_journal (self->window, path,
                                           screenshot ? PERP_JOURNAL_FLAGS_READ_ONLY : PERP_JOURNAL_FLAGS_NONE);
  if (journal == NULL && screenshot)
    {
      fail (self, perp_main_window_get_toast_text (self->window));
      return;
    }
  g_set_object (&self->journal, journal);
}

/* A replay's signals are not the analyst's: unless a journal was named for this run
 * (--journal or PERPSCOPE_JOURNAL), a replay journals into a file of its own in the
 * cache folder, started afresh with each replay, so the Journal page shows what the
 * replay produced and the real journal never holds recorded history. */
static void
use_replay_journal (PerpApplication *self)
{
  const char *env = g_getenv ("PERPSCOPE_JOURNAL");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  PerpJournal *journal;

  if (self->journal_option != NULL || (env != NULL && env[0] != '\0') || self->screenshot_path != NULL)
    return;
  dir = g_build_filename (g_get_user_cache_dir (), "perpscope", NULL);
  path = g_build_filename (dir, "replay-journal.sqlite", NULL);
  g_mkdir_with_parents (dir, 0700);
  for (guint i = 0; i < 3; i++)
    {
      static const char *const suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  /* (transfer none): the window keeps it too. */
  journal = perp_main_window_open_journal (self->window, path, PERP_JOURNAL_FLAGS_NONE);
  g_set_object (&self->journal, journal);
}

/* Every engine journals its signals; called right after one was created. */
static void
attach_signal_journal (PerpApplication  *self,
                       const PerpConfig *config)
{
  PerpSignalJournalParams params;

  if (self->journal == NULL || self->engine == NULL || self->screenshot_path != NULL)
    return;

  perp_signal_journal_params_from_config (&params, config, FALSE);
  self->signal_journal = perp_signal_journal_new (self->engine, self->journal, &params);
  g_signal_connect_object (self->signal_journal, "failed", G_CALLBACK (journal_failed_cb), self, G_CONNECT_SWAPPED);
}

/* ---- Data sources ----------------------------------------------------------------- */

static void
drop_source (PerpApplication *self)
{
  if (self->feed != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->feed, self);
      perp_feed_stop (self->feed);
    }
  if (self->window != NULL)
    {
      perp_main_window_set_feed (self->window, NULL);
      perp_main_window_set_engine (self->window, NULL);
    }
  if (self->signal_journal != NULL)
    g_signal_handlers_disconnect_by_data (self->signal_journal, self);
  g_clear_object (&self->signal_journal);
  g_clear_object (&self->feed);
  g_clear_object (&self->engine);
}

static gboolean
fallback_cb (gpointer user_data)
{
  PerpApplication *self = user_data;
  g_autofree char *why = g_steal_pointer (&self->fallback_reason);

  self->fallback_id = 0;
  g_message ("No connection to Binance (%s): replaying the bundled data", why != NULL ? why : "unknown");
  drop_source (self);
  start_replay (self, NULL, _("Offline: no connection to Binance. Replaying recorded market data."));

  return G_SOURCE_REMOVE;
}

static void
live_state_cb (PerpApplication      *self,
               const PerpFeedStatus *status)
{
  gboolean failed;

  if (status->state == PERP_FEED_STATE_LIVE)
    self->live_reached = TRUE;

  failed = status->state == PERP_FEED_STATE_FAILED
           || (!self->live_reached
               && (status->state == PERP_FEED_STATE_RECONNECTING
                   || status->state == PERP_FEED_STATE_OFFLINE));

  /* Once live, reconnects are the feed's business: the indicator counts them down. */
  if (!failed || self->fallback_id != 0 || self->live_reached)
    return;

  g_free (self->fallback_reason);
  self->fallback_reason = g_strdup (status->message);
  /* Not from inside the feed's own emission: the fallback stops and drops the feed. */
  self->fallback_id = g_idle_add (fallback_cb, self);
}

static void
start_live (PerpApplication *self)
{
  g_autoptr(PerpConfig) config = load_config (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) intervals = g_array_new (FALSE, FALSE, sizeof (PerpInterval));
  gboolean has_signal = FALSE;

  self->engine = perp_engine_new (config, self->exchange_info, &error);
  if (self->engine == NULL)
    {
      g_warning ("Failed to start the engine: %s", error->message);
      start_replay (self, NULL, _("Offline: the live feed could not start. Replaying recorded market data."));
      return;
    }

  for (guint i = 0; i < config->n_chart_intervals; i++)
    {
      g_array_append_val (intervals, config->chart_intervals[i]);
      has_signal |= config->chart_intervals[i] == config->signal_interval;
    }
  if (!has_signal)
    g_array_append_val (intervals, config->signal_interval);

  attach_signal_journal (self, config);
  self->feed = PERP_FEED (perp_binance_feed_new (&config->feed, (const char * const *) config->symbols,
                                                 (const PerpInterval *) (gpointer) intervals->data,
                                                 intervals->len));
  self->live_reached = FALSE;
  perp_engine_add_feed (self->engine, self->feed);
  g_signal_connect_object (self->feed, "state-changed", G_CALLBACK (live_state_cb), self, G_CONNECT_SWAPPED);

  perp_main_window_set_engine (self->window, self->engine);
  perp_main_window_set_feed (self->window, self->feed);
  perp_feed_start (self->feed);
}

static gboolean
capture_cb (gpointer user_data)
{
  PerpApplication *self = user_data;
  GtkWidget *widget = GTK_WIDGET (self->window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    {
      fail (self, _("the window was never shown"));
      return G_SOURCE_REMOVE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));

  if (node == NULL || renderer == NULL)
    {
      fail (self, _("the window rendered nothing"));
      return G_SOURCE_REMOVE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, self->screenshot_path))
    {
      g_autofree char *message = g_strdup_printf (_("%s: cannot write the PNG"), self->screenshot_path);

      fail (self, message);
      return G_SOURCE_REMOVE;
    }

  if (width != self->screenshot_width || height != self->screenshot_height)
    {
      g_autofree char *message = NULL;

      /* Translators: the screen (an Xvfb's, say) is smaller than the window asked for */
      message = g_strdup_printf (_("%s: the window is %d×%d, not the %d×%d asked for; is the screen smaller?"),
                                 self->screenshot_path, width, height,
                                 self->screenshot_width, self->screenshot_height);
      fail (self, message);
      return G_SOURCE_REMOVE;
    }

  self->exit_status = 0;
  g_application_quit (G_APPLICATION (self));

  return G_SOURCE_REMOVE;
}

static gboolean
frame_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  PerpApplication *self = user_data;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  /* Capture once the window has drawn the new state and its size has settled: the
   * same size over three frames (the X server may still be resizing it at first). */
  if (width != self->last_width || height != self->last_height)
    {
      self->last_width = width;
      self->last_height = height;
      self->frames_after_flush = 0;
    }
  if (++self->frames_after_flush < 3)
    {
      gtk_widget_queue_draw (widget);
      return G_SOURCE_CONTINUE;
    }

  /* The default size is the surface's, which includes the client-side decoration's
   * resize border; the widget comes out smaller by that.  Grow the window by the
   * difference once, so the PNG has exactly the size asked for. */
  if (!self->size_adjusted
      && (width != self->screenshot_width || height != self->screenshot_height))
    {
      int default_width, default_height;

      self->size_adjusted = TRUE;
      gtk_window_get_default_size (GTK_WINDOW (widget), &default_width, &default_height);
      gtk_window_set_default_size (GTK_WINDOW (widget),
                                   default_width + self->screenshot_width - width,
                                   default_height + self->screenshot_height - height);
      self->frames_after_flush = 0;
      gtk_widget_queue_resize (widget);
      return G_SOURCE_CONTINUE;
    }

  self->tick_id = 0;
  g_idle_add (capture_cb, self);
  return G_SOURCE_REMOVE;
}

/* The journal's pages fill in from worker threads: capture once they are done. */
static gboolean
settle_cb (gpointer user_data)
{
  PerpApplication *self = user_data;

  if (self->window == NULL)
    {
      self->settle_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (perp_main_window_is_busy (self->window))
    return G_SOURCE_CONTINUE;

  self->settle_id = 0;
  /* No focus ring on the search entry in a picture. */
  gtk_window_set_focus (GTK_WINDOW (self->window), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self->window));
  self->frames_after_flush = 0;
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->window), frame_tick_cb, self, NULL);

  return G_SOURCE_REMOVE;
}

static void
begin_capture (PerpApplication *self)
{
  g_autoptr(GError) error = NULL;
  const char *symbol;

  if (self->capture_started || self->screenshot_path == NULL)
    return;
  self->capture_started = TRUE;

  symbol = perp_main_window_get_symbol (self->window);
  if (symbol == NULL)
    {
      fail (self, _("the replay has no symbol to show"));
      return;
    }

  if (!perp_engine_score_now (self->engine, symbol, &error))
    g_printerr ("perpscope: %s: cannot score it: %s\n", symbol, error->message);

  perp_main_window_flush (self->window);
  perp_main_window_refresh_journal (self->window);
  self->settle_id = g_timeout_add (20, settle_cb, self);
}

static void
replay_state_cb (PerpApplication      *self,
                 const PerpFeedStatus *status)
{
  switch (status->state)
    {
    case PERP_FEED_STATE_FINISHED:
      begin_capture (self);
      break;

    case PERP_FEED_STATE_PAUSED:
      /* Where a seek to --at ends. */
      if (self->at_ms >= 0 && status->data_time >= self->at_ms)
        begin_capture (self);
      break;

    case PERP_FEED_STATE_FAILED:
      {
        g_autofree char *message = g_strdup_printf (_("the replay failed: %s"),
                                                    status->message != NULL ? status->message : "?");

        if (self->screenshot_path != NULL)
          fail (self, message);
        else
          {
            g_warning ("%s", message);
            perp_main_window_add_toast (self->window, _("The replay stopped at a damaged recording"));
          }
      }
      break;

    case PERP_FEED_STATE_OFFLINE:
    case PERP_FEED_STATE_CONNECTING:
    case PERP_FEED_STATE_LIVE:
    case PERP_FEED_STATE_RECONNECTING:
    case PERP_FEED_STATE_RESYNCING:
    case PERP_FEED_STATE_REPLAYING:
    default:
      break;
    }
}

static void
start_replay (PerpApplication *self,
              const char      *path,
              const char      *why)
{
  g_autoptr(PerpConfig) config = load_config (self);
  g_autoptr(PerpReplayFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bundled = NULL;

  if (path == NULL)
    {
      bundled = perp_data_path_find ("replay", G_FILE_TEST_IS_DIR);
      if (bundled == NULL)
        {
          fail (self, _("the bundled replay data is not installed (datadir/perpscope/replay)"));
          return;
        }
      path = bundled;
    }

  feed = perp_replay_feed_new ();
  if (!add_replay_path (feed, path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("cannot replay %s: %s"), path, error->message);

      if (self->screenshot_path != NULL || self->replay_path != NULL)
        fail (self, message);
      else
        {
          g_warning ("%s", message);
          perp_main_window_add_toast (self->window, _("No recorded data to replay"));
        }
      return;
    }

  /* A screenshot of the end of a recording needs no playback at all: everything
   * arrives as history and the engine scores the last candle on request.  --at seeks,
   * which delivers the history up to that time the same way and pauses there. */
  if (self->screenshot_path != NULL && self->at_ms < 0)
    perp_replay_feed_set_warmup (feed, G_MAXUINT);
  else
    perp_replay_feed_set_warmup (feed, REPLAY_WARMUP_CANDLES);
  perp_replay_feed_set_speed (feed, self->screenshot_path != NULL ? 0.0 : REPLAY_DEFAULT_SPEED);

  self->engine = perp_engine_new (config, self->exchange_info, &error);
  if (self->engine == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("cannot start the engine: %s"), error->message);

      fail (self, message);
      return;
    }

  /* A recording may hold symbols the configuration does not list. */
  perp_engine_set_watch_all (self->engine, TRUE);
  if (self->symbol != NULL && !perp_engine_watch (self->engine, self->symbol, &error))
    {
      g_printerr ("perpscope: %s\n", error->message);
      g_clear_error (&error);
    }
  /* A screenshot must not depend on when a worker thread finishes. */
  if (self->screenshot_path != NULL)
    perp_engine_set_threaded_loading (self->engine, FALSE);
  use_replay_journal (self);
  attach_signal_journal (self, config);
  /* The report's chart snapshots read the candles being replayed. */
  perp_main_window_set_candles_path (self->window, path);

  self->feed = PERP_FEED (g_steal_pointer (&feed));
  perp_engine_add_feed (self->engine, self->feed);
  g_signal_connect_object (self->feed, "state-changed", G_CALLBACK (replay_state_cb), self, G_CONNECT_SWAPPED);

  perp_main_window_set_engine (self->window, self->engine);
  perp_main_window_set_feed (self->window, self->feed);
  if (self->symbol != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->window), "symbol", g_variant_new_string (self->symbol));

  if (why != NULL && self->screenshot_path == NULL)
    perp_main_window_add_toast (self->window, why);

  if (self->at_ms >= 0)
    perp_replay_feed_seek (PERP_REPLAY_FEED (self->feed), self->at_ms);
  else
    perp_feed_start (self->feed);
}

/* ---- Settings --------------------------------------------------------------------- */

static GSettings *
create_settings (PerpApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.perpscope.Perpscope", TRUE);

#ifdef PERP_BUILD_DATA_DIR
  /* Uninstalled: the schema compiled into the build tree. */
  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) build = NULL;

      build = g_settings_schema_source_new_from_directory (PERP_BUILD_DATA_DIR, source, FALSE, NULL);
      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, "io.github.perpscope.Perpscope", FALSE);
    }
#endif

  if (schema == NULL)
    {
      g_message ("The GSettings schema io.github.perpscope.Perpscope is not installed; "
                 "window size and choices will not be remembered");
      return NULL;
    }

  if (self->screenshot_path != NULL)
    backend = g_memory_settings_backend_new ();

  return g_settings_new_full (schema, backend, NULL);
}

/* ---- GApplication ----------------------------------------------------------------- */

static gboolean
parse_at (const char  *text,
          gint64      *out)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *iso = NULL;
  char *end = NULL;
  gint64 number;

  number = g_ascii_strtoll (text, &end, 10);
  if (end != text && *end == '\0')
    {
      /* Unix time: seconds, or milliseconds when it is that large. */
      *out = number < G_GINT64_CONSTANT (100000000000) ? number * 1000 : number;
      return TRUE;
    }

  iso = g_strdup (text);
  g_strdelimit (iso, " ", 'T');
  if (strlen (iso) == 10)
    {
      g_autofree char *date = g_steal_pointer (&iso);

      iso = g_strconcat (date, "T00:00:00", NULL);
    }
  dt = g_date_time_new_from_iso8601 (iso, utc);
  if (dt == NULL)
    {
      g_autofree char *with_seconds = g_strconcat (iso, ":00", NULL);

      dt = g_date_time_new_from_iso8601 (with_seconds, utc);
    }
  if (dt == NULL)
    return FALSE;

  *out = g_date_time_to_unix (dt) * 1000;
  return TRUE;
}

static int
perp_application_handle_local_options (GApplication *application,
                                       GVariantDict *options)
{
  PerpApplication *self = PERP_APPLICATION (application);
  const char *text = NULL;
  const char *offline_env = g_getenv ("PERP_OFFLINE");

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("perpscope %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "replay", "^ay", &self->replay_path);
  g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot_path);
  g_variant_dict_lookup (options, "journal", "^ay", &self->journal_option);

  if (g_variant_dict_lookup (options, "page", "&s", &text))
    {
      static const char * const pages[] = { "chart", "journal", "stats", NULL };

      if (!g_strv_contains (pages, text))
        {
          g_printerr ("perpscope: --page %s: use chart, journal or stats\n", text);
          return 2;
        }
      self->page = g_strdup (text);
    }

  if (g_variant_dict_lookup (options, "symbol", "&s", &text))
    self->symbol = g_ascii_strup (text, -1);

  if (g_variant_dict_lookup (options, "timeframe", "&s", &text))
    {
      static const char * const allowed[] = { "1m", "5m", "15m", "1h", "4h", NULL };

      if (!g_strv_contains (allowed, text))
        {
          g_printerr ("perpscope: --timeframe %s: use one of 1m, 5m, 15m, 1h, 4h\n", text);
          return 2;
        }
      self->timeframe = g_strdup (text);
    }

  if (g_variant_dict_lookup (options, "at", "&s", &text) && !parse_at (text, &self->at_ms))
    {
      g_printerr ("perpscope: --at %s: not a time; use 2024-03-15T12:00Z, 2024-03-15 12:00 or Unix seconds\n", text);
      return 2;
    }

  if (g_variant_dict_lookup (options, "size", "&s", &text))
    {
      int w = 0, h = 0;
      char tail;

      if (sscanf (text, "%dx%d%c", &w, &h, &tail) != 2 || w < 360 || h < 294 || w > 8192 || h > 8192)
        {
          g_printerr ("perpscope: --size %s: use WIDTHxHEIGHT, from 360x294 to 8192x8192\n", text);
          return 2;
        }
      self->screenshot_width = w;
      self->screenshot_height = h;
    }

  if (g_variant_dict_lookup (options, "theme", "&s", &text))
    {
      if (g_strcmp0 (text, "light") == 0)
        self->color_scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
      else if (g_strcmp0 (text, "dark") == 0)
        self->color_scheme = ADW_COLOR_SCHEME_FORCE_DARK;
      else
        {
          g_printerr ("perpscope: --theme %s: use light or dark\n", text);
          return 2;
        }
    }

  self->offline = g_variant_dict_contains (options, "offline")
                  || (offline_env != NULL && offline_env[0] != '\0' && strcmp (offline_env, "0") != 0);

  return G_APPLICATION_CLASS (perp_application_parent_class)->handle_local_options (application, options);
}

static void
about_activate (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  PerpApplication *self = user_data;
  static const char *developers[] = { "The Perpscope developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", _("Perpscope"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Perpscope developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Chart crypto perpetual futures and see why a trade scores long or short."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "transient-for", self->window,
                        "modal", TRUE,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activate (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_entries[] = {
  { "about", about_activate },
  { "quit", quit_activate },
};

static void
perp_application_startup (GApplication *application)
{
  PerpApplication *self = PERP_APPLICATION (application);
  static const char *quit_accels[] = { "<Primary>q", NULL };

  G_APPLICATION_CLASS (perp_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  if (self->color_scheme != ADW_COLOR_SCHEME_DEFAULT)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), self->color_scheme);

  gtk_window_set_default_icon_name (APP_ID);
}

static gboolean
screenshot_timeout_cb (gpointer user_data)
{
  PerpApplication *self = user_data;

  self->timeout_id = 0;
  fail (self, _("timed out waiting for the replay to finish"));

  return G_SOURCE_REMOVE;
}

static void
perp_application_activate (GApplication *application)
{
  PerpApplication *self = PERP_APPLICATION (application);
  g_autoptr(GSettings) settings = NULL;

  if (self->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->window));
      return;
    }

  settings = create_settings (self);
  self->window = perp_main_window_new (GTK_APPLICATION (self), settings);
  g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);

  if (self->screenshot_path != NULL)
    {
      if (self->screenshot_width == 0)
        {
          self->screenshot_width = 1400;
          self->screenshot_height = 860;
        }
      gtk_window_unmaximize (GTK_WINDOW (self->window));
      /* Xvfb's pointer sits wherever it sits; no crosshair in a picture. */
      gtk_widget_set_can_target (GTK_WIDGET (perp_main_window_get_chart (self->window)), FALSE);
      gtk_window_set_default_size (GTK_WINDOW (self->window), self->screenshot_width, self->screenshot_height);
      self->timeout_id = g_timeout_add_seconds (SCREENSHOT_TIMEOUT_S, screenshot_timeout_cb, self);
    }
  else if (self->screenshot_width > 0)
    gtk_window_set_default_size (GTK_WINDOW (self->window), self->screenshot_width, self->screenshot_height);

  if (self->timeframe != NULL)
    g_action_group_change_action_state (G_ACTION_GROUP (self->window), "timeframe",
                                        g_variant_new_string (self->timeframe));

  if (self->page != NULL)
    g_action_group_change_action_state (G_ACTION_GROUP (self->window), "page", g_variant_new_string (self->page));

  load_exchange_info (self);
  open_journal (self);
  if (self->window == NULL)
    return;

  if (self->replay_path != NULL)
    start_replay (self, self->replay_path, NULL);
  else if (self->offline || self->screenshot_path != NULL)
    start_replay (self, NULL, _("Offline: replaying recorded market data"));
  else
    start_live (self);

  if (self->window != NULL && self->symbol != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->window), "symbol", g_variant_new_string (self->symbol));

  if (self->window != NULL)
    gtk_window_present (GTK_WINDOW (self->window));
}

static void
perp_application_shutdown (GApplication *application)
{
  PerpApplication *self = PERP_APPLICATION (application);

  g_clear_handle_id (&self->fallback_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->tick_id != 0 && self->window != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
  self->tick_id = 0;

  /* The outcomes of the signals still open, and every queued write, before exit. */
  if (self->signal_journal != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!perp_signal_journal_flush (self->signal_journal, &error))
        g_warning ("Failed to write to the journal before quitting: %s", error->message);
    }

  if (self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));
  drop_source (self);
  g_clear_object (&self->journal);

  G_APPLICATION_CLASS (perp_application_parent_class)->shutdown (application);
}

static void
perp_application_finalize (GObject *object)
{
  PerpApplication *self = PERP_APPLICATION (object);

  g_clear_pointer (&self->exchange_info, perp_exchange_info_free);
  g_clear_pointer (&self->replay_path, g_free);
  g_clear_pointer (&self->symbol, g_free);
  g_clear_pointer (&self->timeframe, g_free);
  g_clear_pointer (&self->screenshot_path, g_free);
  g_clear_pointer (&self->fallback_reason, g_free);
  g_clear_pointer (&self->journal_option, g_free);
  g_clear_pointer (&self->page, g_free);
  g_clear_pointer (&self->journal_failure, g_free);

  G_OBJECT_CLASS (perp_application_parent_class)->finalize (object);
}

static void
perp_application_class_init (PerpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = perp_application_finalize;

  app_class->handle_local_options = perp_application_handle_local_options;
  app_class->startup = perp_application_startup;
  app_class->activate = perp_application_activate;
  app_class->shutdown = perp_application_shutdown;
}

static const GOptionEntry option_entries[] = {
  { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Replay a recording: a candle CSV, a tick capture or a folder of them"), N_("PATH") },
  { "symbol", 's', 0, G_OPTION_ARG_STRING, NULL, N_("Show this symbol, e.g. BTCUSDT"), N_("SYMBOL") },
  { "timeframe", 't', 0, G_OPTION_ARG_STRING, NULL, N_("Chart timeframe: 1m, 5m, 15m, 1h or 4h"), N_("TF") },
  { "at", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Start the replay paused at this time (UTC, 2024-03-15T12:00)"), N_("TIME") },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Render the window to this PNG once the replay is done, then quit"), N_("FILE") },
  { "size", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Window size, e.g. 1400x860"), N_("WxH") },
  { "theme", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Force the light or dark style"), N_("light|dark") },
  { "journal", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Journal signals in this file (also: PERPSCOPE_JOURNAL; default: the configuration’s)"), N_("FILE") },
  { "page", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Show this page first: chart, journal or stats"),
    N_("PAGE") },
  { "offline", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Do not connect to Binance; replay the bundled data (also: PERP_OFFLINE=1)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

static void
perp_application_init (PerpApplication *self)
{
  self->at_ms = -1;
  self->color_scheme = ADW_COLOR_SCHEME_DEFAULT;

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("A workstation for crypto perpetual futures: live or replayed charts, "
                                              "market structure, a Long/Short score and a trade plan."));
}

/**
 * perp_application_new:
 *
 * Returns: (transfer full): the application
 */
PerpApplication *
perp_application_new (void)
{
  /* Non-unique: each run owns its data source and options (a screenshot run must not
   * hand its arguments to a workstation that is already open). */
  return g_object_new (PERP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/perpscope/Perpscope",
                       NULL);
}

/**
 * perp_application_get_exit_status:
 * @self: a #PerpApplication
 *
 * Returns: 0, or 1 when a screenshot run (or the start) failed
 */
int
perp_application_get_exit_status (PerpApplication *self)
{
  g_return_val_if_fail (PERP_IS_APPLICATION (self), 1);

  return self->exit_status;
}
