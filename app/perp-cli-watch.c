/* perp-cli-watch.c: watch (live), replay (recorded) and record, through the engine
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perp-cli-private.h"
#include "io/perp-data-path.h"
#include "perp-engine.h"
#include "perp-signal-journal.h"
#include "io/perp-binance-feed.h"
#include "io/perp-push-feed.h"
#include "io/perp-recorder.h"
#include "io/perp-replay-feed.h"

/*
 * watch and replay print the same thing: one line (or JSON object) per score update
 * and per feed state change, from the same engine.  The difference is only where the
 * data comes from, which is the point: a replay shows what watching would have shown.
 */

typedef struct
{
  GMainLoop  *loop;
  PerpFeed   *feed;
  gboolean    json;
  gboolean    quiet;        /* prints nothing per score: counts the closes */
  guint       n_closes;
  gboolean    closes_only;
  int         exit_code;
  char       *failure;
  gboolean    duration_over;
} Session;

static void
print_update_text (const PerpEngineUpdate *u)
{
  const PerpScore *score = u->score;
  const PerpPlan *plan = u->plan;
  g_autofree char *when = perp_cli_format_time (u->time);

  printf ("%s %s %s %s %.1f%% long / %.1f%% short, %s tier, %s",
          when, u->symbol, perp_interval_to_string (u->interval),
          perp_direction_name (score->direction), score->long_pct, score->short_pct,
          perp_tier_name (score->tier), perp_signal_status_name (u->status));
  if (plan->status == PERP_PLAN_OK)
    {
      g_autofree char *entry = perp_format_price (plan->entry);
      g_autofree char *stop = perp_format_price (plan->stop);

      printf (": entry %s stop %s targets", entry, stop);
      for (guint t = 0; t < plan->n_targets; t++)
        {
          g_autofree char *price = perp_format_price (plan->targets[t].price);

          printf ("%s%s", t == 0 ? " " : "/", price);
        }
      printf (" R:R %.2f", plan->reward_risk);
    }
  for (guint r = 0; r < PERP_SCORE_TOP_REASONS; r++)
    {
      g_autofree char *text = NULL;

      if (score->top[r] < 0)
        break;
      text = perp_reason_format (&score->factors[score->top[r]].reason);
      printf ("%s%s", r == 0 ? "\n    because: " : "; ", text);
    }
  printf ("\n");
}

static void
print_update_json (const PerpEngineUpdate *u)
{
  const PerpScore *score = u->score;
  const PerpPlan *plan = u->plan;

  printf ("{\"schema\":\"perpscope.watch/1\",\"type\":\"score\",\"symbol\":");
  perp_cli_print_json_string (u->symbol);
  printf (",\"interval\":\"%s\",\"time\":%" G_GINT64_FORMAT ",\"on_close\":%s",
          perp_interval_to_string (u->interval), u->time, u->on_close ? "true" : "false");
  printf (",\"long_pct\":");
  perp_cli_print_json_number (score->long_pct);
  printf (",\"short_pct\":");
  perp_cli_print_json_number (score->short_pct);
  printf (",\"direction\":\"%s\",\"tier\":\"%s\",\"coverage\":", perp_direction_name (score->direction),
          perp_tier_name (score->tier));
  perp_cli_print_json_number (score->coverage);
  printf (",\"status\":\"%s\",\"required_confidence\":", perp_signal_status_name (u->status));
  perp_cli_print_json_number (u->required_confidence);
  printf (",\"reasons\":[");
  for (guint r = 0, n = 0; r < PERP_SCORE_TOP_REASONS; r++)
    {
      g_autofree char *text = NULL;

      if (score->top[r] < 0)
        break;
      text = perp_reason_format (&score->factors[score->top[r]].reason);
      printf ("%s{\"factor\":\"%s\",\"text\":", n++ > 0 ? "," : "",
              perp_factor_name (score->factors[score->top[r]].factor));
      perp_cli_print_json_string (text);
      printf ("}");
    }
  printf ("],\"plan\":{\"status\":\"%s\"", perp_plan_status_name (plan->status));
  if (plan->status == PERP_PLAN_OK)
    {
      printf (",\"entry\":");
      perp_cli_print_json_number (plan->entry);
      printf (",\"stop\":");
      perp_cli_print_json_number (plan->stop);
      printf (",\"targets\":[");
      for (guint t = 0; t < plan->n_targets; t++)
        {
          printf ("%s", t > 0 ? "," : "");
          perp_cli_print_json_number (plan->targets[t].price);
        }
      printf ("],\"reward_risk\":");
      perp_cli_print_json_number (plan->reward_risk);
      printf (",\"quantity\":");
      perp_cli_print_json_number (plan->sizing.quantity);
      printf (",\"risk\":");
      perp_cli_print_json_number (plan->sizing.risk);
    }
  printf ("},\"breakers\":\"%s\"}\n", perp_breaker_action_name (u->verdict->action));
}

/* One engine update as watch prints it: text lines, or one JSON object. */
void
perp_cli_print_update (const PerpEngineUpdate *update,
                       gboolean                json)
{
  if (json)
    print_update_json (update);
  else
    print_update_text (update);
}

static void
on_score_changed (PerpEngine             *engine,
                  const PerpEngineUpdate *update,
                  Session                *session)
{
  if (session->closes_only && !update->on_close)
    return;
  session->n_closes++;
  if (session->quiet)
    return;
  perp_cli_print_update (update, session->json);
  fflush (stdout);
}

static void
on_feed_state (PerpEngine           *engine,
               const PerpFeedStatus *status,
               Session              *session)
{
  const char *state = perp_feed_state_to_string (status->state);

  if (session->quiet)
    ;
  else if (session->json)
    {
      printf ("{\"schema\":\"perpscope.watch/1\",\"type\":\"state\",\"state\":\"%s\"", state);
      if (status->state == PERP_FEED_STATE_RECONNECTING)
        printf (",\"attempt\":%u,\"delay_ms\":%u", status->attempt, status->delay_ms);
      if (status->symbol != NULL)
        {
          printf (",\"symbol\":");
          perp_cli_print_json_string (status->symbol);
        }
      if (status->message != NULL)
        {
          printf (",\"message\":");
          perp_cli_print_json_string (status->message);
        }
      printf ("}\n");
    }
  else
    {
      printf ("-- %s", state);
      if (status->state == PERP_FEED_STATE_RECONNECTING)
        printf (" (attempt %u, in %.1f s)", status->attempt, status->delay_ms / 1000.0);
      if (status->symbol != NULL)
        printf (" %s", status->symbol);
      if (status->message != NULL)
        printf (": %s", status->message);
      printf ("\n");
    }
  fflush (stdout);

  if (status->state == PERP_FEED_STATE_FAILED)
    {
      g_free (session->failure);
      session->failure = g_strdup (status->message != NULL ? status->message : state);
      session->exit_code = EXIT_DATA;
      g_main_loop_quit (session->loop);
    }
  else if (status->state == PERP_FEED_STATE_FINISHED)
    g_main_loop_quit (session->loop);
}

static void
on_problem (PerpEngine *engine,
            const char *symbol,
            const char *message,
            Session    *session)
{
  fprintf (stderr, "perpscope-cli: %s\n", message);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Session *session = user_data;

  /* Ctrl-C: stop the feed (closes its connections) and leave the loop cleanly.  The
   * source stays: whoever added it removes it once the loop is over (removing it here
   * too made that a GLib-CRITICAL on every Ctrl-C). */
  perp_feed_stop (session->feed);
  g_main_loop_quit (session->loop);
  return G_SOURCE_CONTINUE;
}

static void
run_session (Session    *session,
             PerpEngine *engine,
             PerpFeed   *feed)
{
  guint sigint, sigterm;

  session->loop = g_main_loop_new (NULL, FALSE);
  session->feed = feed;
  g_signal_connect (engine, "score-changed", G_CALLBACK (on_score_changed), session);
  g_signal_connect (engine, "feed-state-changed", G_CALLBACK (on_feed_state), session);
  g_signal_connect (engine, "problem", G_CALLBACK (on_problem), session);
  perp_engine_add_feed (engine, feed);

  sigint = g_unix_signal_add (SIGINT, on_interrupt, session);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, session);
  perp_feed_start (feed);
  g_main_loop_run (session->loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  perp_feed_stop (feed);
  g_signal_handlers_disconnect_by_data (engine, session);
  g_clear_pointer (&session->loop, g_main_loop_unref);
}

static PerpConfig *
load_config (const char *path)
{
  g_autoptr(GError) error = NULL;
  PerpConfig *config = path != NULL ? perp_config_load_file (path, &error) : perp_config_new_default ();

  if (config == NULL)
    fprintf (stderr, "perpscope-cli: %s\n", error->message);
  return config;
}

static PerpExchangeInfo *
load_exchange_info (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  PerpExchangeInfo *info;

  if (path == NULL)
    path = found = perp_data_path_find (PERP_CLI_EXCHANGE_INFO_FILE, G_FILE_TEST_IS_REGULAR);
  if (path == NULL)
    return NULL;  /* sizing then says it has no symbol rules */
  info = perp_exchange_info_load_file (path, &error);
  if (info == NULL)
    fprintf (stderr, "perpscope-cli: %s\n", error->message);
  return info;
}

/* The journal of a watch or replay: --journal FILE, else the config's, else the default
 * in the user data folder; none with --no-journal. */
static gboolean
attach_journal (PerpEngine          *engine,
                const PerpConfig    *config,
                const char          *path,
                gboolean             no_journal,
                gboolean             synchronous,
                PerpSignalJournal  **out)
{
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *default_path = NULL;
  PerpSignalJournalParams params;

  *out = NULL;
  if (no_journal)
    return TRUE;
  if (path == NULL)
    path = config->journal_path;
  if (path == NULL)
    path = default_path = perp_journal_default_path ();
  journal = perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error);
  if (journal == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }
  /* A replay can be run again; live signals cannot. */
  perp_journal_set_power_safe (journal, !synchronous);
  perp_signal_journal_params_from_config (&params, config, synchronous);
  *out = perp_signal_journal_new (engine, journal, &params);
  return TRUE;
}

/* Waits for the journal's writes and says where they went. */
static int
finish_journal (PerpSignalJournal *signal_journal,
                int                exit_code)
{
  g_autoptr(GError) error = NULL;

  if (signal_journal == NULL)
    return exit_code;
  if (!perp_signal_journal_flush (signal_journal, &error))
    {
      fprintf (stderr, "perpscope-cli: journal: %s\n", error->message);
      return EXIT_DATA;
    }
  fprintf (stderr, "perpscope-cli: journal: %u signals, %u still open\n",
           perp_signal_journal_get_n_signals (signal_journal), perp_signal_journal_get_n_open (signal_journal));
  return exit_code;
}

static void
on_journal_failed (PerpSignalJournal *signal_journal,
                   GError            *error,
                   Session           *session)
{
  fprintf (stderr, "perpscope-cli: journal: %s\n", error->message);
}

/* --rest-url and --ws-url-*: each given one replaces the config's. */
static void
override_urls (PerpBinanceParams *params,
               const char        *rest_url,
               const char        *ws_market,
               const char        *ws_public)
{
  struct { char **field; const char *value; } urls[] = {
    { &params->rest_url, rest_url },
    { &params->ws_url_market, ws_market },
    { &params->ws_url_public, ws_public },
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    if (urls[i].value != NULL)
      {
        g_free (*urls[i].field);
        *urls[i].field = g_strdup (urls[i].value);
      }
}

static gboolean
parse_interval_option (GOptionContext *context,
                       const char     *text,
                       PerpInterval   *interval,
                       int            *exit_code)
{
  if (text == NULL)
    return TRUE;
  *interval = perp_interval_from_string (text);
  if (*interval == PERP_INTERVAL_UNKNOWN)
    {
      *exit_code = perp_cli_usage_error (context, "--interval: \"%s\" is not an interval (1m, 5m, 15m, 1h, 4h ...)", text);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ watch */

int
perp_cli_cmd_watch (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpExchangeInfo) exchange = NULL;
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(PerpBinanceFeed) feed = NULL;
  g_autoptr(PerpSignalJournal) signal_journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal_path = NULL;
  gboolean no_journal = FALSE;
  g_autofree char *symbols_text = NULL;
  g_autofree char *interval_text = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *exchange_path = NULL;
  g_autofree char *rest_url = NULL;
  g_autofree char *ws_market = NULL;
  g_autofree char *ws_public = NULL;
  g_auto(GStrv) symbols = NULL;
  PerpBinanceParams params;
  PerpInterval intervals[PERP_N_INTERVALS];
  guint n_intervals = 0;
  Session session = { 0 };
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "symbols", 0, 0, G_OPTION_ARG_STRING, &symbols_text, "Symbols to watch, comma-separated (default: the config's)", "BTCUSDT,ETHUSDT" },
    { "interval", 0, 0, G_OPTION_ARG_STRING, &interval_text, "Signal timeframe (default: the config's)", "15m" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &session.json, "One JSON object per line", NULL },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file (YAML)", "FILE" },
    { "exchange-info", 0, 0, G_OPTION_ARG_FILENAME, &exchange_path, "exchangeInfo JSON for sizing (default: the bundled one)", "FILE" },
    { "rest-url", 0, 0, G_OPTION_ARG_STRING, &rest_url, "REST base URL (default https://fapi.binance.com)", "URL" },
    { "ws-url-market", 0, 0, G_OPTION_ARG_STRING, &ws_market, "WebSocket base URL of the market streams", "URL" },
    { "ws-url-public", 0, 0, G_OPTION_ARG_STRING, &ws_public, "WebSocket base URL of the depth streams", "URL" },
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &journal_path, "Journal signals and outcomes here (default: the config's, else the user data folder)", "FILE" },
    { "no-journal", 0, 0, G_OPTION_ARG_NONE, &no_journal, "Do not journal", NULL },
    { NULL }
  };

  context = g_option_context_new ("- live scores from Binance USDT-M public market data");
  g_option_context_set_summary (context, "watch");
  g_option_context_set_description (context,
    "Connects to Binance (no API key: public market data only), backfills candles, and\n"
    "prints one line per score update and per connection state change.  Ctrl-C exits.\n"
    "Exit status: 0 after Ctrl-C, 1 when the feed failed for good (the message says why:\n"
    "DNS, connection refused, TLS, or an HTTP 418 ban), 2 on a usage error.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "watch: unexpected argument \"%s\"", argv[1]);

  if ((config = load_config (config_path)) == NULL)
    return EXIT_DATA;
  if (!parse_interval_option (context, interval_text, &config->signal_interval, &exit_code))
    return exit_code;
  if (symbols_text != NULL)
    {
      g_strfreev (config->symbols);
      config->symbols = g_strsplit (symbols_text, ",", -1);
    }
  if (config->symbols == NULL || config->symbols[0] == NULL || *config->symbols[0] == '\0')
    return perp_cli_usage_error (context, "watch: no symbols (--symbols BTCUSDT,ETHUSDT)");
  exchange = load_exchange_info (exchange_path);
  engine = perp_engine_new (config, exchange, &error);
  if (engine == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return EXIT_DATA;
    }

  /* Klines of the signal timeframe, plus the finest chart timeframe the others are
   * built from. */
  intervals[n_intervals++] = config->signal_interval;
  perp_binance_params_copy (&config->feed, &params);
  override_urls (&params, rest_url, ws_market, ws_public);
  symbols = g_strdupv ((char **) perp_engine_get_symbols (engine));
  feed = perp_binance_feed_new (&params, (const char * const *) symbols, intervals, n_intervals);
  perp_binance_params_clear (&params);

  if (!attach_journal (engine, config, journal_path, no_journal, FALSE, &signal_journal))
    return EXIT_DATA;
  if (signal_journal != NULL)
    g_signal_connect (signal_journal, "failed", G_CALLBACK (on_journal_failed), &session);

  run_session (&session, engine, PERP_FEED (feed));
  if (session.failure != NULL)
    fprintf (stderr, "perpscope-cli: watch: %s\n", session.failure);
  g_free (session.failure);
  return finish_journal (signal_journal, session.exit_code);
}

/* ------------------------------------------------------------------ replay */

static gboolean
parse_speed (const char *text,
             double     *speed)
{
  char *end = NULL;

  if (text == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (text, "max") == 0)
    {
      *speed = 0.0;
      return TRUE;
    }
  *speed = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*speed) && *speed > 0.0;
}

/* The options replay, backtest and scan share: which recordings, and how to read them.
 * (The context copies the entries; their values land in @self.)  --warmup is only for
 * the commands that play: perp_cli_recordings_add_warmup (). */
void
perp_cli_recordings_add_options (GOptionContext    *context,
                                 PerpCliRecordings *self)
{
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &self->data, "A recording: candle CSV, tick capture or folder (repeatable)", "PATH" },
    { "interval", 0, 0, G_OPTION_ARG_STRING, &self->interval, "Signal timeframe (default: the config's)", "5m" },
    { "symbols", 0, 0, G_OPTION_ARG_STRING, &self->symbols, "Only these symbols (default: every symbol in the data)", "BTCUSDT,..." },
    { "lenient", 0, 0, G_OPTION_ARG_NONE, &self->lenient, "Skip malformed lines (counted) instead of stopping", NULL },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &self->config_path, "Configuration file (YAML)", "FILE" },
    { "exchange-info", 0, 0, G_OPTION_ARG_FILENAME, &self->exchange_path, "exchangeInfo JSON for sizing (default: the bundled one)", "FILE" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

void
perp_cli_recordings_add_warmup (GOptionContext    *context,
                                PerpCliRecordings *self)
{
  const GOptionEntry entries[] = {
    { "warmup", 0, 0, G_OPTION_ARG_INT, &self->warmup, "Candles of each candle file loaded as history before playing (default 0)", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

void
perp_cli_recordings_clear (PerpCliRecordings *self)
{
  g_clear_pointer (&self->data, g_strfreev);
  g_clear_pointer (&self->interval, g_free);
  g_clear_pointer (&self->symbols, g_free);
  g_clear_pointer (&self->config_path, g_free);
  g_clear_pointer (&self->exchange_path, g_free);
}

/* Checks the shared options and loads the configuration with the timeframe and symbols
 * they choose.  NULL (and @exit_code set) on a usage or data error, said on stderr. */
PerpConfig *
perp_cli_recordings_load_config (PerpCliRecordings *self,
                                 GOptionContext    *context,
                                 const char        *command,
                                 int               *exit_code)
{
  g_autoptr(PerpConfig) config = NULL;

  if (self->data == NULL || self->data[0] == NULL)
    {
      *exit_code = perp_cli_usage_error (context, "%s: --data PATH is required", command);
      return NULL;
    }
  if (self->warmup < 0)
    {
      *exit_code = perp_cli_usage_error (context, "%s: --warmup must not be negative", command);
      return NULL;
    }
  if ((config = load_config (self->config_path)) == NULL)
    {
      *exit_code = EXIT_DATA;
      return NULL;
    }
  if (!parse_interval_option (context, self->interval, &config->signal_interval, exit_code))
    return NULL;
  g_strfreev (config->symbols);
  config->symbols = self->symbols != NULL ? g_strsplit (self->symbols, ",", -1) : NULL;
  return g_steal_pointer (&config);
}

/* The engine for @config (which it copies) and the replay feed of the recordings, at
 * @speed (0: as fast as possible).  The engine borrows @exchange: keep it as long. */
gboolean
perp_cli_recordings_open (PerpCliRecordings  *self,
                          const PerpConfig   *config,
                          double              speed,
                          PerpExchangeInfo  **exchange,
                          PerpEngine        **engine,
                          PerpReplayFeed    **feed)
{
  g_autoptr(GError) error = NULL;

  *exchange = load_exchange_info (self->exchange_path);
  *engine = perp_engine_new (config, *exchange, &error);
  if (*engine == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }
  perp_engine_set_watch_all (*engine, self->symbols == NULL);
  /* The order of every line depends on the data alone. */
  perp_engine_set_threaded_loading (*engine, FALSE);

  *feed = perp_replay_feed_new ();
  perp_replay_feed_set_lenient (*feed, self->lenient);
  perp_replay_feed_set_speed (*feed, speed);
  perp_replay_feed_set_warmup (*feed, (guint) self->warmup);
  for (guint i = 0; self->data[i] != NULL; i++)
    if (!perp_replay_feed_add_file (*feed, self->data[i], &error))
      {
        fprintf (stderr, "perpscope-cli: %s\n", error->message);
        return FALSE;
      }
  return TRUE;
}

/* Plays @feed through @engine to its end, printing as @output says, and returns the
 * exit status.  @n_closes counts the scores made on candle closes. */
int
perp_cli_replay_run (PerpEngine        *engine,
                     PerpReplayFeed    *feed,
                     PerpSignalJournal *signal_journal,
                     PerpCliOutput      output,
                     const char        *command,
                     guint             *n_closes)
{
  Session session = { 0 };

  session.json = output == PERP_CLI_OUTPUT_JSON;
  session.quiet = output == PERP_CLI_OUTPUT_NONE;
  session.closes_only = output != PERP_CLI_OUTPUT_EVERY_UPDATE;
  if (signal_journal != NULL)
    g_signal_connect (signal_journal, "failed", G_CALLBACK (on_journal_failed), &session);
  run_session (&session, engine, PERP_FEED (feed));
  if (signal_journal != NULL)
    g_signal_handlers_disconnect_by_data (signal_journal, &session);
  if (perp_replay_feed_get_n_skipped (feed) > 0)
    fprintf (stderr, "perpscope-cli: %s: skipped %" G_GUINT64_FORMAT " malformed lines (first: %s)\n",
             command, perp_replay_feed_get_n_skipped (feed), perp_replay_feed_get_first_skipped (feed));
  if (session.failure != NULL)
    fprintf (stderr, "perpscope-cli: %s: %s\n", command, session.failure);
  g_free (session.failure);
  if (n_closes != NULL)
    *n_closes = session.n_closes;
  return session.exit_code;
}

int
perp_cli_cmd_replay (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpExchangeInfo) exchange = NULL;
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(PerpReplayFeed) feed = NULL;
  g_autoptr(PerpSignalJournal) signal_journal = NULL;
  g_auto(PerpCliRecordings) recordings = { 0 };
  g_autofree char *journal_path = NULL;
  gboolean no_journal = FALSE;
  g_autofree char *speed_text = NULL;
  gboolean every_update = FALSE;
  gboolean json = FALSE;
  double speed = 0.0;
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "speed", 0, 0, G_OPTION_ARG_STRING, &speed_text, "Playback speed: N times real time, or max (default)", "N|max" },
    { "all-updates", 0, 0, G_OPTION_ARG_NONE, &every_update, "Also print the scores after history loads, not only at closes", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per line", NULL },
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &journal_path, "Journal signals and outcomes here (default: the config's, else the user data folder)", "FILE" },
    { "no-journal", 0, 0, G_OPTION_ARG_NONE, &no_journal, "Do not journal", NULL },
    { NULL }
  };

  context = g_option_context_new ("- the watch output from recorded data");
  g_option_context_set_summary (context, "replay");
  g_option_context_set_description (context,
    "Plays recordings through the same engine as watch: candle CSVs (SYMBOL_INTERVAL_*.csv),\n"
    "the tick captures of ../shared/data/ticks and recordings made by \"record\".  Times\n"
    "come from the data, so the same files give the same lines on every run.");
  perp_cli_recordings_add_options (context, &recordings);
  perp_cli_recordings_add_warmup (context, &recordings);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "replay: unexpected argument \"%s\"", argv[1]);
  if (!parse_speed (speed_text, &speed))
    return perp_cli_usage_error (context, "replay: --speed must be a positive number or \"max\", not \"%s\"", speed_text);
  if ((config = perp_cli_recordings_load_config (&recordings, context, "replay", &exit_code)) == NULL)
    return exit_code;
  if (!perp_cli_recordings_open (&recordings, config, speed, &exchange, &engine, &feed))
    return EXIT_DATA;

  /* Written in place: the journal then depends on the data alone, like the output. */
  if (!attach_journal (engine, config, journal_path, no_journal, TRUE, &signal_journal))
    return EXIT_DATA;

  exit_code = perp_cli_replay_run (engine, feed, signal_journal,
                                   json ? PERP_CLI_OUTPUT_JSON
                                   : every_update ? PERP_CLI_OUTPUT_EVERY_UPDATE : PERP_CLI_OUTPUT_TEXT,
                                   "replay", NULL);
  return finish_journal (signal_journal, exit_code);
}

/* ------------------------------------------------------------------ record */

/* "90s", "10m", "2h" or "1h30m": how long to record. */
static gboolean
parse_duration (const char *text,
                gint64     *seconds)
{
  const char *p = text;
  gint64 total = 0;

  if (text == NULL || *text == '\0')
    return FALSE;
  while (*p != '\0')
    {
      char *end = NULL;
      guint64 n = g_ascii_strtoull (p, &end, 10);

      if (end == p || n > 1000000)
        return FALSE;
      switch (*end)
        {
        case 's': total += n; break;
        case 'm': total += n * 60; break;
        case 'h': total += n * 3600; break;
        case 'd': total += n * 86400; break;
        default: return FALSE;
        }
      p = end + 1;
    }
  *seconds = total;
  return total > 0;
}

typedef struct
{
  Session *session;
  gboolean disk_failed;
} RecordState;

static void
on_recorder_failed (PerpRecorder *recorder,
                    GError       *error,
                    RecordState  *state)
{
  fprintf (stderr, "perpscope-cli: record: %s\n", error->message);
  state->disk_failed = TRUE;
  state->session->exit_code = EXIT_DATA;
  g_main_loop_quit (state->session->loop);
}

static gboolean
on_duration_over (gpointer user_data)
{
  Session *session = user_data;

  session->duration_over = TRUE;
  perp_feed_stop (session->feed);
  g_main_loop_quit (session->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_record_state (PerpFeed             *feed,
                 const PerpFeedStatus *status,
                 Session              *session)
{
  on_feed_state (NULL, status, session);
}

int
perp_cli_cmd_record (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpBinanceFeed) feed = NULL;
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *symbols_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *duration_text = NULL;
  g_autofree char *intervals_text = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *rest_url = NULL;
  g_autofree char *ws_market = NULL;
  g_autofree char *ws_public = NULL;
  g_auto(GStrv) symbols = NULL;
  g_auto(GStrv) files = NULL;
  PerpRecorderParams recorder_params;
  PerpBinanceParams params;
  PerpInterval intervals[PERP_N_INTERVALS];
  guint n_intervals = 0;
  gint64 duration_s = 0;
  int rotate_mb = 0;
  int rotate_minutes = 0;
  Session session = { 0 };
  RecordState state = { &session, FALSE };
  int exit_code = EXIT_OK;
  guint sigint, sigterm, timer = 0;
  const GOptionEntry entries[] = {
    { "symbols", 0, 0, G_OPTION_ARG_STRING, &symbols_text, "Symbols to record, comma-separated (default: the config's)", "BTCUSDT,ETHUSDT" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Folder for the recording (created if needed)", "DIR" },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &duration_text, "Stop after this long: 90s, 10m, 2h (default: until Ctrl-C)", "D" },
    { "intervals", 0, 0, G_OPTION_ARG_STRING, &intervals_text, "Kline streams to record (default: the signal timeframe)", "1m,5m" },
    { "rotate-mb", 0, 0, G_OPTION_ARG_INT, &rotate_mb, "Start a new file after this many MB (default 256)", "N" },
    { "rotate-minutes", 0, 0, G_OPTION_ARG_INT, &rotate_minutes, "Start a new file after this many minutes (default 60)", "N" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file (YAML)", "FILE" },
    { "rest-url", 0, 0, G_OPTION_ARG_STRING, &rest_url, "REST base URL", "URL" },
    { "ws-url-market", 0, 0, G_OPTION_ARG_STRING, &ws_market, "WebSocket base URL of the market streams", "URL" },
    { "ws-url-public", 0, 0, G_OPTION_ARG_STRING, &ws_public, "WebSocket base URL of the depth streams", "URL" },
    { NULL }
  };

  context = g_option_context_new ("- record a live session for replay");
  g_option_context_set_summary (context, "record");
  g_option_context_set_description (context,
    "Writes every WebSocket message and REST response of a live Binance session, with its\n"
    "receive time, as gzip'd JSON lines (one file per symbol, rotated by size and time) that\n"
    "\"replay --data DIR\" plays back.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "record: unexpected argument \"%s\"", argv[1]);
  if (out == NULL)
    return perp_cli_usage_error (context, "record: --out DIR is required");
  if (duration_text != NULL && !parse_duration (duration_text, &duration_s))
    return perp_cli_usage_error (context, "record: --duration: \"%s\" is not a duration (90s, 10m, 2h)", duration_text);
  if (rotate_mb < 0 || rotate_minutes < 0)
    return perp_cli_usage_error (context, "record: rotation limits must not be negative");

  if ((config = load_config (config_path)) == NULL)
    return EXIT_DATA;
  if (symbols_text != NULL)
    {
      g_strfreev (config->symbols);
      config->symbols = g_strsplit (symbols_text, ",", -1);
    }
  if (config->symbols == NULL || config->symbols[0] == NULL || *config->symbols[0] == '\0')
    return perp_cli_usage_error (context, "record: no symbols (--symbols BTCUSDT,ETHUSDT)");
  symbols = g_new0 (char *, g_strv_length (config->symbols) + 1);
  for (guint i = 0; config->symbols[i] != NULL; i++)
    symbols[i] = g_ascii_strup (config->symbols[i], -1);
  if (intervals_text != NULL)
    {
      g_auto(GStrv) names = g_strsplit (intervals_text, ",", -1);

      for (guint i = 0; names[i] != NULL && n_intervals < G_N_ELEMENTS (intervals); i++)
        if (!parse_interval_option (context, names[i], &intervals[n_intervals++], &exit_code))
          return exit_code;
    }
  else
    intervals[n_intervals++] = config->signal_interval;

  if (g_mkdir_with_parents (out, 0755) != 0)
    {
      fprintf (stderr, "perpscope-cli: record: cannot create %s: %s\n", out, g_strerror (errno));
      return EXIT_DATA;
    }
  perp_recorder_params_init (&recorder_params);
  if (rotate_mb > 0)
    recorder_params.rotate_bytes = (guint64) rotate_mb * 1024 * 1024;
  if (rotate_minutes > 0)
    recorder_params.rotate_seconds = (guint) rotate_minutes * 60;
  recorder = perp_recorder_new (out, &recorder_params, &error);
  if (recorder == NULL)
    {
      fprintf (stderr, "perpscope-cli: record: %s\n", error->message);
      return EXIT_DATA;
    }

  perp_binance_params_copy (&config->feed, &params);
  override_urls (&params, rest_url, ws_market, ws_public);
  feed = perp_binance_feed_new (&params, (const char * const *) symbols, intervals, n_intervals);
  perp_binance_params_clear (&params);
  if (!perp_recorder_attach (recorder, G_OBJECT (feed), &error))
    {
      fprintf (stderr, "perpscope-cli: record: %s\n", error->message);
      return EXIT_DATA;
    }

  session.loop = g_main_loop_new (NULL, FALSE);
  session.feed = PERP_FEED (feed);
  g_signal_connect (recorder, "failed", G_CALLBACK (on_recorder_failed), &state);
  g_signal_connect (feed, "state-changed", G_CALLBACK (on_record_state), &session);
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &session);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &session);
  if (duration_s > 0)
    timer = g_timeout_add_seconds ((guint) duration_s, on_duration_over, &session);
  perp_feed_start (PERP_FEED (feed));
  g_main_loop_run (session.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (timer != 0 && !session.duration_over)
    g_source_remove (timer);
  perp_feed_stop (PERP_FEED (feed));
  perp_recorder_detach (recorder);
  g_signal_handlers_disconnect_by_data (feed, &session);
  if (!perp_recorder_close (recorder, &error) && !state.disk_failed)
    {
      fprintf (stderr, "perpscope-cli: record: %s\n", error->message);
      session.exit_code = EXIT_DATA;
    }
  files = perp_recorder_dup_files (recorder);
  printf ("recorded %" G_GUINT64_FORMAT " messages (%" G_GUINT64_FORMAT " dropped) into:\n",
          perp_recorder_get_n_written (recorder), perp_recorder_get_n_dropped (recorder));
  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    printf ("  %s\n", files[i]);
  if (session.failure != NULL)
    fprintf (stderr, "perpscope-cli: record: %s\n", session.failure);
  g_free (session.failure);
  g_clear_pointer (&session.loop, g_main_loop_unref);
  return session.exit_code;
}

/* ------------------------------------------------------------ bench latency */

typedef struct
{
  gint64 scored_ns;
  guint  n_scores;
} LatencyProbe;

static void
on_bench_score (PerpEngine             *engine,
                const PerpEngineUpdate *update,
                LatencyProbe           *probe)
{
  probe->scored_ns = perp_cli_now_ns ();
  probe->n_scores++;
}

/* History for the symbol, moved in time so that it ends where the capture begins: the
 * capture holds minutes, the score wants hundreds of candles of structure behind it. */
static PerpCandles *
shifted_history (const PerpCandles *candles,
                 gint64             end_time,
                 guint              max_candles)
{
  guint n = perp_candles_get_length (candles);
  guint first = n > max_candles ? n - max_candles : 0;
  gint64 interval_ms = perp_interval_to_ms (perp_candles_get_interval (candles));
  gint64 shift = end_time - (perp_candles_get_open_time (candles)[n - 1] + interval_ms);
  PerpCandles *out = perp_candles_new (perp_candles_get_interval (candles), perp_candles_get_fields (candles));

  for (guint i = first; i < n; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      c.open_time += shift;
      perp_candles_append (out, &c, NULL);
    }
  return out;
}

int
perp_cli_bench_latency (const char *ticks,
                        const char *csv,
                        int         runs)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  PerpCsvReport report = { 0 };
  guint64 n_messages = 0;
  double total_ms = 0.0;

  candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &report);
  perp_csv_report_clear (&report);
  if (candles == NULL)
    return EXIT_DATA;
  config->signal_interval = perp_candles_get_interval (candles);
  config->htf_interval = perp_score_default_htf (config->signal_interval);
  config->score.htf_interval = config->htf_interval;

  for (int run = 0; run < runs + 1; run++)
    {
      g_autoptr(PerpTickReader) reader = perp_tick_reader_open (ticks, 0, &error);
      g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
      g_autoptr(PerpEngine) engine = NULL;
      /* Emits what it is handed, so the time is the work a live message causes: decoding,
       * the book or flow update and a score of the symbol. */
      g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
      g_autoptr(PerpCandles) history = NULL;
      LatencyProbe probe = { 0 };
      const char *line;
      gsize length;
      gint64 run_start;
      char *symbol = NULL;

      if (reader == NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          return EXIT_DATA;
        }
      engine = perp_engine_new (config, NULL, &error);
      if (engine == NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          return EXIT_DATA;
        }
      perp_engine_set_watch_all (engine, TRUE);
      perp_engine_set_threaded_loading (engine, FALSE);
      perp_engine_set_score_every_event (engine, TRUE);
      perp_engine_add_feed (engine, PERP_FEED (feed));
      g_signal_connect (engine, "score-changed", G_CALLBACK (on_bench_score), &probe);

      run_start = perp_cli_now_ns ();
      while ((line = perp_tick_reader_next_line (reader, &length, &error)) != NULL)
        {
          PerpTickEvent event;
          gint64 arrived = perp_cli_now_ns ();
          guint before = probe.n_scores;

          if (!perp_tick_decoder_decode (decoder, line, length, &event, &error))
            {
              fprintf (stderr, "perpscope-cli: %s:%" G_GUINT64_FORMAT ": %s\n", ticks,
                       perp_tick_reader_get_line (reader), error->message);
              g_free (symbol);
              return EXIT_DATA;
            }
          if (history == NULL && event.symbol != NULL && perp_tick_event_time (&event) > 0)
            {
              gint64 interval_ms = perp_interval_to_ms (config->signal_interval);
              gint64 start = perp_floor_div (perp_tick_event_time (&event), interval_ms) * interval_ms;

              symbol = g_strdup (event.symbol);
              history = shifted_history (candles, start, 1000);
              perp_feed_emit_candles_loaded (PERP_FEED (feed), symbol, config->signal_interval, history);
              /* The history's own score is not a message's. */
              before = probe.n_scores;
              arrived = perp_cli_now_ns ();
            }
          switch (event.kind)
            {
            case PERP_TICK_DEPTH:
              perp_feed_emit_depth (PERP_FEED (feed), event.symbol != NULL ? event.symbol : symbol, &event.depth);
              break;
            case PERP_TICK_SNAPSHOT:
              perp_feed_emit_depth_snapshot (PERP_FEED (feed), symbol, &event.snapshot);
              break;
            case PERP_TICK_TRADE:
              perp_feed_emit_trade (PERP_FEED (feed), event.symbol, &event.trade);
              break;
            case PERP_TICK_BOOK_TICKER:
            case PERP_TICK_KLINE:
            case PERP_TICK_MARK_PRICE:
            case PERP_TICK_LIQUIDATION:
            case PERP_TICK_OTHER:
            default:
              break;
            }
          if (run > 0)
            n_messages++;
          if (run > 0 && probe.n_scores > before)
            {
              double us = (probe.scored_ns - arrived) / 1e3;

              g_array_append_val (samples, us);
            }
        }
      if (error != NULL)
        {
          fprintf (stderr, "perpscope-cli: %s\n", error->message);
          g_free (symbol);
          return EXIT_DATA;
        }
      if (run > 0)
        total_ms += (perp_cli_now_ns () - run_start) / 1e6;
      g_free (symbol);
    }

  if (samples->len == 0)
    {
      fprintf (stderr, "perpscope-cli: %s: no message led to a score\n", ticks);
      return EXIT_DATA;
    }
  g_array_sort (samples, perp_cli_compare_double);
  printf ("capture: %s, history: %s (%s, moved to end where the capture starts)\n", ticks, csv,
          perp_interval_to_string (config->signal_interval));
  printf ("message -> score-changed, %d runs after 1 warm-up, %u scored messages:\n", runs, samples->len);
  printf ("  p50 %.1f us  p99 %.1f us  max %.1f us  (%.0f messages/s with a score on each)\n",
          g_array_index (samples, double, samples->len / 2),
          g_array_index (samples, double, (guint) (samples->len * 0.99)),
          g_array_index (samples, double, samples->len - 1),
          n_messages / (total_ms / 1e3));
  return EXIT_OK;
}

/* ------------------------------------------------------------------ resume */

/* A person lifts a breaker that holds until resumed (the daily-drawdown pause). */
int
perp_cli_cmd_resume (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *breaker_name = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *default_path = NULL;
  PerpBreaker breaker;
  gint64 at;
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &journal_path, "The journal (default: the user data folder's)", "FILE" },
    { "breaker", 0, 0, G_OPTION_ARG_STRING, &breaker_name, "The breaker to resume (default daily_drawdown)", "NAME" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, "When (default: now); replays resume at a data time", "TIME" },
    { NULL }
  };

  context = g_option_context_new ("- resume a breaker that holds until a person resumes it");
  g_option_context_set_summary (context, "resume");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "resume: unexpected argument \"%s\"", argv[1]);
  breaker = perp_breaker_from_name (breaker_name != NULL ? breaker_name : "daily_drawdown");
  if (breaker == PERP_N_BREAKERS)
    return perp_cli_usage_error (context, "resume: --breaker: \"%s\" is not a breaker", breaker_name);
  at = g_get_real_time () / 1000;
  if (at_text != NULL && !perp_cli_parse_time (at_text, &at))
    return perp_cli_usage_error (context, "resume: --at: \"%s\" is not a time", at_text);

  if (journal_path == NULL)
    journal_path = g_strdup (default_path = perp_journal_default_path ());
  journal = perp_journal_open (journal_path, PERP_JOURNAL_FLAGS_NONE, &error);
  if (journal == NULL || !perp_journal_resume_breaker (journal, breaker, at, &error))
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return EXIT_DATA;
    }
  {
    g_autofree char *when = perp_cli_format_time (at);

    printf ("%s resumed at %s in %s\n", perp_breaker_name (breaker), when, journal_path);
  }
  return EXIT_OK;
}
