/* perp-cli-scan.c: every symbol of some recordings scored at one moment, strongest first
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "perp-cli-private.h"

/*
 * The workstation's symbol list from the command line.  The recordings go through the
 * same engine as watch and replay, but the replay feed seeks to the moment instead of
 * playing: every candle closed by then arrives as history, and the engine scores each
 * symbol once on it (with the breakers' market half: BTC's last hour, volatility; no
 * journal, so no stop-outs or open positions).  The last score of each symbol is kept and
 * printed as watch prints it, the highest confidence first.
 */

typedef struct
{
  PerpEngineUpdate   update;  /* its pointers point into this row */
  char              *symbol;
  PerpScore          score;
  PerpPlan           plan;
  PerpBreakerVerdict verdict;
} ScanRow;

static void
scan_row_free (ScanRow *row)
{
  perp_breaker_verdict_clear (&row->verdict);
  g_free (row->symbol);
  g_free (row);
}

typedef struct
{
  GMainLoop  *loop;
  GHashTable *rows;     /* symbol -> ScanRow */
  char       *failure;
} Scan;

static void
on_score_changed (PerpEngine             *engine,
                  const PerpEngineUpdate *update,
                  Scan                   *scan)
{
  ScanRow *row = g_new0 (ScanRow, 1);

  row->symbol = g_strdup (update->symbol);
  row->score = *update->score;
  row->plan = *update->plan;
  row->verdict = *update->verdict;
  for (guint i = 0; i < row->verdict.n_results; i++)
    row->verdict.results[i].reason = g_strdup (row->verdict.results[i].reason);
  row->update = *update;
  row->update.symbol = row->symbol;
  row->update.score = &row->score;
  row->update.plan = &row->plan;
  row->update.verdict = &row->verdict;
  g_hash_table_replace (scan->rows, row->symbol, row);
}

static void
on_feed_state (PerpEngine           *engine,
               const PerpFeedStatus *status,
               Scan                 *scan)
{
  switch (status->state)
    {
    case PERP_FEED_STATE_FAILED:
      g_free (scan->failure);
      scan->failure = g_strdup (status->message != NULL ? status->message : "the recording could not be read");
      g_main_loop_quit (scan->loop);
      break;
    case PERP_FEED_STATE_PAUSED:    /* the seek arrived */
    case PERP_FEED_STATE_FINISHED:  /* ... at the end of the data */
      g_main_loop_quit (scan->loop);
      break;
    case PERP_FEED_STATE_CONNECTING:
    case PERP_FEED_STATE_LIVE:
    case PERP_FEED_STATE_RECONNECTING:
    case PERP_FEED_STATE_RESYNCING:
    case PERP_FEED_STATE_REPLAYING:
    case PERP_FEED_STATE_OFFLINE:
    default:
      break;
    }
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const ScanRow *x = *(const ScanRow *const *) a;
  const ScanRow *y = *(const ScanRow *const *) b;

  if (x->score.confidence != y->score.confidence)
    return x->score.confidence > y->score.confidence ? -1 : 1;
  return strcmp (x->symbol, y->symbol);
}

int
perp_cli_cmd_scan (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpExchangeInfo) exchange = NULL;
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(PerpReplayFeed) feed = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  g_auto(PerpCliRecordings) recordings = { 0 };
  g_autofree char *at_text = NULL;
  gboolean json = FALSE;
  gint64 at = G_MAXINT64;
  Scan scan = { 0 };
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text, "The moment: candles closed by then are used (Unix ms or ISO 8601 UTC; default: the end of the data)", "TIME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per symbol (the watch schema)", NULL },
    { NULL }
  };
  const char * const *watched;
  GHashTableIter iter;
  gpointer value;

  context = g_option_context_new ("- every symbol of recorded data scored at one moment, strongest first");
  g_option_context_set_summary (context, "scan");
  g_option_context_set_description (context,
    "Scores every symbol of the recordings (a folder of candle CSVs named\n"
    "SYMBOL_INTERVAL_*.csv, tick captures, recordings) as of --at, through the same engine\n"
    "as watch and replay, and prints each symbol's score as watch does, the highest\n"
    "confidence first.  The breakers see no journal: no stop-outs, no open positions.\n"
    "Exit status: 0 on success, 1 on a data error, 2 on a usage error.");
  perp_cli_recordings_add_options (context, &recordings);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "scan: unexpected argument \"%s\"", argv[1]);
  if (at_text != NULL && !perp_cli_parse_time (at_text, &at))
    return perp_cli_usage_error (context, "scan: --at \"%s\" is neither Unix milliseconds nor an ISO 8601 time", at_text);
  if ((config = perp_cli_recordings_load_config (&recordings, context, "scan", &exit_code)) == NULL)
    return exit_code;
  if (!perp_cli_recordings_open (&recordings, config, 0.0, &exchange, &engine, &feed))
    return EXIT_DATA;

  scan.loop = g_main_loop_new (NULL, FALSE);
  scan.rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) scan_row_free);
  g_signal_connect (engine, "score-changed", G_CALLBACK (on_score_changed), &scan);
  g_signal_connect (engine, "feed-state-changed", G_CALLBACK (on_feed_state), &scan);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  perp_replay_feed_seek (feed, at);
  g_main_loop_run (scan.loop);
  perp_feed_stop (PERP_FEED (feed));
  g_signal_handlers_disconnect_by_data (engine, &scan);
  g_clear_pointer (&scan.loop, g_main_loop_unref);

  if (scan.failure != NULL)
    {
      fprintf (stderr, "perpscope-cli: scan: %s\n", scan.failure);
      g_free (scan.failure);
      g_hash_table_unref (scan.rows);
      return EXIT_DATA;
    }

  sorted = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, scan.rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_rows);

  if (!json)
    {
      g_autofree char *when = at != G_MAXINT64 ? perp_cli_format_time (at) : g_strdup ("the end of the data");

      printf ("scan at %s, %s: %u symbol%s scored, highest confidence first\n", when,
              perp_interval_to_string (config->signal_interval), sorted->len, sorted->len == 1 ? "" : "s");
    }
  for (guint i = 0; i < sorted->len; i++)
    perp_cli_print_update (&((ScanRow *) g_ptr_array_index (sorted, i))->update, json);

  /* A symbol of the data with no score: nothing of it had closed by then. */
  watched = perp_engine_get_symbols (engine);
  for (guint i = 0; watched != NULL && watched[i] != NULL; i++)
    if (!g_hash_table_contains (scan.rows, watched[i]))
      fprintf (stderr, "perpscope-cli: scan: %s: no %s candle had closed by then\n", watched[i],
               perp_interval_to_string (config->signal_interval));

  g_hash_table_unref (scan.rows);
  return EXIT_OK;
}
