/* perp-cli-backtest.c: recordings through the engine, with every taken signal traded
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/perp-data-path.h"
#include "perp-cli-private.h"
#include "core/perp-forward.h"
#include "io/report/perp-report.h"

/*
 * A backtest is a replay whose journal is then summed up.  The recordings go through
 * the same engine and the same PerpSignalJournal as `replay` and the workstation: every
 * score on a candle close is journaled, breakers block what they would block live, and
 * each taken signal's plan is followed by a PerpOutcomeTracker (entry, partial targets,
 * break-even and trailing stops, time stop, fees and slippage from the config's
 * `journal` section, and funding at the settlements the recordings carry).  The statistics are the journal's own (PerpReport), so a backtest
 * reports exactly what `export` would say of the same journal.
 *
 * One difference from a replay, and it is said in the output: the daily-drawdown pause
 * ends at the next UTC midnight, as nobody can resume a backtest by hand (with the
 * default "by_hand", one bad day would block every later signal).
 *
 * The journal is a scratch one in memory unless --journal names a new file to keep
 * (for `export`, or the workstation's journal view); without --report or --journal it
 * holds only what the statistics read (no factors, targets or breaker results).
 */

typedef struct
{
  PerpJournal       *journal;
  PerpSignalJournal *signal_journal;
} Journal;

static void
journal_clear (Journal *self)
{
  g_clear_object (&self->signal_journal);
  g_clear_object (&self->journal);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Journal, journal_clear)

/* A new journal at @keep_path, or a scratch one in memory; follows @engine's closes.
 * A scratch journal keeps each signal's factors, targets and breaker results only
 * when @details asks for them (a report shows them; the statistics do not read them). */
static gboolean
journal_open (Journal          *self,
              PerpEngine       *engine,
              const PerpConfig *config,
              const char       *keep_path,
              gboolean          details)
{
  g_autoptr(GError) error = NULL;
  PerpSignalJournalParams params;

  /* Statistics of a journal that already held signals would mix two runs. */
  if (keep_path != NULL && g_file_test (keep_path, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "perpscope-cli: backtest: %s already exists; a backtest writes a new journal "
               "(remove it or choose another file)\n", keep_path);
      return FALSE;
    }
  if (keep_path != NULL)
    self->journal = perp_journal_open (keep_path, PERP_JOURNAL_FLAGS_NONE, &error);
  else
    self->journal = perp_journal_open ("backtest (in memory)",
                                       PERP_JOURNAL_FLAGS_SCRATCH | (details ? 0 : PERP_JOURNAL_FLAGS_NO_DETAILS),
                                       &error);
  if (self->journal == NULL)
    {
      fprintf (stderr, "perpscope-cli: %s\n", error->message);
      return FALSE;
    }
  if (keep_path != NULL)
    perp_journal_set_power_safe (self->journal, FALSE);  /* a backtest can be run again */

  /* Written in place: the breakers' view then depends on the data alone. */
  perp_signal_journal_params_from_config (&params, config, TRUE);
  self->signal_journal = perp_signal_journal_new (engine, self->journal, &params);
  return TRUE;
}

typedef struct
{
  guint  n_closes;
  guint    n_open;       /* taken trades still open when the data ended */
  double   seconds;      /* wall time of the replay */
  guint    n_symbols;    /* symbols scored */
  GPtrArray *no_funding; /* the scored symbols without a settlement between their first and last close */
  GHashTable *closes;   /* symbol -> GArray of PerpForwardPoint: every close's score */
} RunFigures;

/* The horizons of the forward-return check, in candles. */
static const guint forward_horizons[] = { 1, 4, 12, 48 };

static void
run_figures_clear (RunFigures *figures)
{
  g_clear_pointer (&figures->closes, g_hash_table_unref);
  g_clear_pointer (&figures->no_funding, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunFigures, run_figures_clear)

/* Keeps every close's score for the forward-return check (see perp-forward.h). */
static void
on_score_changed (PerpEngine             *engine,
                  const PerpEngineUpdate *update,
                  RunFigures             *figures)
{
  PerpForwardPoint point = { update->time, update->score->price, update->score->long_pct };
  GArray *points;

  if (!update->on_close)
    return;
  points = g_hash_table_lookup (figures->closes, update->symbol);
  if (points == NULL)
    {
      points = g_array_new (FALSE, FALSE, sizeof (PerpForwardPoint));
      g_hash_table_insert (figures->closes, g_strdup (update->symbol), points);
    }
  g_array_append_val (points, point);
}

static void
forward_stats (const RunFigures *figures,
               const PerpConfig *config,
               guint             horizon,
               PerpForwardStats *stats)
{
  GHashTableIter iter;
  gpointer value;

  perp_forward_stats_init (stats, horizon, config->score.tier_low);
  g_hash_table_iter_init (&iter, figures->closes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GArray *points = value;

      perp_forward_stats_add_series (stats, (const PerpForwardPoint *) (gpointer) points->data, points->len,
                                     perp_interval_to_ms (config->signal_interval));
    }
}

/* Plays the recordings into @journal, or with @journal NULL journals nothing (what
 * bench backtest compares with).  Returns the exit status. */
static int
run (PerpCliRecordings *recordings,
     PerpConfig        *config,
     const char        *keep_path,
     gboolean           details,
     Journal           *journal,
     RunFigures        *figures)
{
  g_autoptr(PerpExchangeInfo) exchange = NULL;
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(PerpReplayFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  int exit_code;

  config->breakers.daily_drawdown_resume = PERP_RESUME_NEXT_DAY;
  if (!perp_cli_recordings_open (recordings, config, 0.0, &exchange, &engine, &feed))
    return EXIT_DATA;
  if (journal != NULL && !journal_open (journal, engine, config, keep_path, details))
    return EXIT_DATA;

  if (journal != NULL)
    {
      figures->closes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
      g_signal_connect (engine, "score-changed", G_CALLBACK (on_score_changed), figures);
    }
  start = perp_cli_now_ns ();
  exit_code = perp_cli_replay_run (engine, feed, journal != NULL ? journal->signal_journal : NULL,
                                   PERP_CLI_OUTPUT_NONE, "backtest", &figures->n_closes);
  if (journal != NULL)
    g_signal_handlers_disconnect_by_data (engine, figures);
  if (journal == NULL)
    {
      figures->seconds = (perp_cli_now_ns () - start) / 1e9;
      return exit_code;
    }
  if (!perp_signal_journal_flush (journal->signal_journal, &error))
    {
      fprintf (stderr, "perpscope-cli: backtest: journal: %s\n", error->message);
      return EXIT_DATA;
    }
  figures->seconds = (perp_cli_now_ns () - start) / 1e9;
  figures->n_open = perp_signal_journal_get_n_open (journal->signal_journal);
  figures->no_funding = g_ptr_array_new_with_free_func (g_free);
  for (const char * const *symbol = perp_engine_get_symbols (engine); symbol != NULL && *symbol != NULL; symbol++)
    {
      GArray *points = g_hash_table_lookup (figures->closes, *symbol);
      const PerpFundingSettlement *settlements;
      guint n_settlements = 0;
      gboolean covered = FALSE;

      if (points == NULL || points->len == 0)
        continue;
      figures->n_symbols++;
      /* A file of another period (or another symbol's) is no funding data for this one. */
      settlements = perp_engine_get_funding (engine, *symbol, &n_settlements);
      for (guint i = 0; i < n_settlements && !covered; i++)
        covered = settlements[i].time >= g_array_index (points, PerpForwardPoint, 0).time
                  && settlements[i].time <= g_array_index (points, PerpForwardPoint, points->len - 1).time;
      if (!covered)
        g_ptr_array_add (figures->no_funding, g_strdup (*symbol));
    }
  return exit_code;
}

/* ------------------------------------------------------------------ output */

static const char *
resume_text (void)
{
  return "daily-drawdown pause lifted at the next UTC midnight (nobody resumes a backtest by hand)";
}

/* " (no funding data)" when no scored symbol had a settlement within its closes,
 * " (no funding data for ETHUSDT)" when some had none, "" when all had some. */
static char *
funding_gap_text (const RunFigures *figures)
{
  g_autoptr(GString) text = NULL;

  if (figures->no_funding == NULL || figures->no_funding->len == 0)
    return g_strdup ("");
  if (figures->no_funding->len == figures->n_symbols)
    return g_strdup (" (no funding data)");
  text = g_string_new (" (no funding data for ");
  for (guint i = 0; i < figures->no_funding->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", (const char *) g_ptr_array_index (figures->no_funding, i));
  g_string_append_c (text, ')');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
print_stats_header (void)
{
  printf ("  %-26s %7s %9s %7s %11s %10s %9s %7s %8s %8s\n", "", "trades", "win rate", "PF",
          "expectancy", "total", "max DD", "streak", "Sharpe", "Sortino");
}

static void
print_stats_row (const char             *key,
                 const PerpJournalStats *s)
{
  g_autofree char *win_rate = perp_report_format_percent (s->win_rate);
  g_autofree char *pf = perp_report_format_ratio (s->profit_factor);
  g_autofree char *expectancy = perp_report_format_r (s->expectancy_r);
  g_autofree char *total = perp_report_format_r (s->total_r);
  g_autofree char *drawdown = perp_report_format_r (0.0 - s->max_drawdown_r);  /* (not -0.00) */
  g_autofree char *sharpe = perp_report_format_ratio (s->sharpe_r);
  g_autofree char *sortino = perp_report_format_ratio (s->sortino_r);

  /* (The infinity and dash signs are one column wide but three bytes long.) */
  printf ("  %-26s %7u %9s %*s %11s %10s %9s %7u %*s %*s\n", key, s->n_trades, win_rate,
          7 + (int) (strlen (pf) - g_utf8_strlen (pf, -1)), pf, expectancy, total, drawdown,
          s->longest_losing_streak,
          8 + (int) (strlen (sharpe) - g_utf8_strlen (sharpe, -1)), sharpe,
          8 + (int) (strlen (sortino) - g_utf8_strlen (sortino, -1)), sortino);
}

static void
print_group (const PerpReport *report,
             PerpJournalGroup  group,
             const char       *label)
{
  const GPtrArray *rows = perp_report_get_stats (report, group);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);
      g_autofree char *key = g_strdup_printf ("%s %s", label, row->key);

      print_stats_row (key, &row->stats);
    }
}

static void
print_text (const PerpReport  *report,
            const PerpConfig  *config,
            const RunFigures  *figures,
            const char        *kept)
{
  const GPtrArray *signals = perp_report_get_signals (report);
  const PerpJournalStats *overall = perp_report_get_overall (report);
  const PerpReportBucket *buckets = perp_report_get_calibration (report);
  const PerpOutcomeParams *costs = &config->outcome;
  g_autofree char *time_stop = NULL;
  guint n_not_filled = 0;

  printf ("backtest: %u candle closes scored in %.2f s (%s signal timeframe)\n", figures->n_closes,
          figures->seconds, perp_interval_to_string (config->signal_interval));
  if (signals->len > 0)
    {
      g_autofree char *first = perp_cli_format_time (((PerpJournalSignal *) g_ptr_array_index (signals, 0))->time);
      g_autofree char *last = perp_cli_format_time (((PerpJournalSignal *) g_ptr_array_index (signals, signals->len - 1))->time);

      printf ("signals from %s to %s\n", first, last);
    }
  if (costs->max_candles > 0)
    time_stop = g_strdup_printf ("the plan's time stop or %u candles at most", costs->max_candles);
  printf ("trading: entry %s, taker fee %.3f %%, slippage %.1f bps, %s; %s\n",
          costs->entry_mode == PERP_ENTRY_LIMIT ? "at the plan's limit" : "at the next open",
          costs->taker_fee * 100.0, costs->slippage_bps, time_stop != NULL ? time_stop : "the plan's time stop",
          resume_text ());
  printf ("journaled: %u scores of tier %s and up:", signals->len, perp_tier_name (config->journal_min_tier));
  for (guint status = 0; status < PERP_N_SIGNAL_STATUSES; status++)
    printf ("%s %s %u", status == 0 ? "" : ",", perp_signal_status_name (status),
            perp_report_get_n_status (report, status));
  printf ("\n");
  for (guint i = 0; i < signals->len; i++)
    {
      const PerpJournalSignal *s = g_ptr_array_index (signals, i);

      n_not_filled += s->has_outcome && s->outcome_state == PERP_OUTCOME_NOT_FILLED;
    }
  printf ("trades: %u closed, %u still open at the end of the data, %u never filled\n",
          overall->n_trades, figures->n_open, n_not_filled);
  if (overall->n_trades > 0)
    {
      double funding_r = perp_report_get_funding_r (report);
      g_autofree char *gross = perp_report_format_r (perp_report_get_gross_r (report));
      g_autofree char *paid = perp_report_format_r (overall->total_r - perp_report_get_gross_r (report) + funding_r);
      g_autofree char *funding = perp_report_format_r (0.0 - funding_r);  /* (not -0.00) */
      g_autofree char *net = perp_report_format_r (overall->total_r);
      g_autofree char *missing = funding_gap_text (figures);

      printf ("result: %s before costs, %s of fees and slippage, %s of funding%s, %s after\n", gross, paid,
              funding, missing, net);
    }
  if (kept != NULL)
    printf ("journal: %s\n", kept);

  printf ("\nclosed trades (R after costs; Sharpe and Sortino per trade):\n");
  print_stats_header ();
  print_stats_row ("all", overall);
  print_group (report, PERP_JOURNAL_GROUP_TIER, "tier");
  print_group (report, PERP_JOURNAL_GROUP_SYMBOL, "symbol");
  print_group (report, PERP_JOURNAL_GROUP_SESSION, "session");

  {
    g_autofree char *correlation = perp_report_format_ratio (perp_report_get_confidence_correlation (report));

    printf ("\ncalibration (stated confidence against the realised win rate; their correlation with the "
            "result in R: %s):\n", correlation);
  }
  printf ("  %-12s %7s %9s %16s %10s\n", "confidence", "trades", "win rate", "mean confidence", "mean R");
  for (guint b = 0; b < PERP_REPORT_N_BUCKETS; b++)
    {
      const PerpReportBucket *k = &buckets[b];
      g_autofree char *range = g_strdup_printf ("%.0f-%.0f %%", k->low, k->high);
      g_autofree char *win_rate = perp_report_format_percent (k->n_trades > 0 ? (double) k->n_wins / k->n_trades : NAN);
      g_autofree char *mean_r = perp_report_format_r (k->n_trades > 0 ? k->sum_r / k->n_trades : NAN);
      g_autofree char *confidence = perp_report_format_percent (k->n_trades > 0 ? k->sum_confidence / k->n_trades / 100.0 : NAN);

      printf ("  %-12s %7u %9s %16s %10s\n", range, k->n_trades, win_rate, confidence, mean_r);
    }

  printf ("\nforward returns (every close's lean, Long %% - 50, against the return to the close that many\n"
          "candles later; hits and mean return over the scores of %.0f %% confidence and up, before costs):\n",
          config->score.tier_low);
  printf ("  %-8s %8s %12s %8s %9s %12s\n", "candles", "scores", "correlation", "signals", "hit rate", "mean return");
  for (guint h = 0; h < G_N_ELEMENTS (forward_horizons); h++)
    {
      PerpForwardStats f;
      g_autofree char *correlation = NULL;
      g_autofree char *hit_rate = NULL;
      g_autofree char *mean = NULL;

      forward_stats (figures, config, forward_horizons[h], &f);
      correlation = perp_report_format_ratio (f.correlation);
      hit_rate = perp_report_format_percent (f.hit_rate);
      mean = isnan (f.mean_signed_return) ? g_strdup ("–") : g_strdup_printf ("%+.3f %%", 100.0 * f.mean_signed_return);
      printf ("  %-8u %8u %12s %8u %9s %12s\n", f.horizon, f.n_scores, correlation, f.n_signals, hit_rate, mean);
    }
}

static void
print_json_stats (const PerpJournalStats *s)
{
  printf ("{\"trades\":%u,\"wins\":%u,\"losses\":%u,\"scratches\":%u,\"win_rate\":", s->n_trades, s->n_wins,
          s->n_losses, s->n_scratches);
  perp_cli_print_json_number (s->win_rate);
  printf (",\"profit_factor\":");
  perp_cli_print_json_number (s->profit_factor);
  printf (",\"expectancy_r\":");
  perp_cli_print_json_number (s->expectancy_r);
  printf (",\"avg_win_r\":");
  perp_cli_print_json_number (s->avg_win_r);
  printf (",\"avg_loss_r\":");
  perp_cli_print_json_number (s->avg_loss_r);
  printf (",\"total_r\":");
  perp_cli_print_json_number (s->total_r);
  printf (",\"max_drawdown_r\":");
  perp_cli_print_json_number (s->max_drawdown_r);
  printf (",\"longest_losing_streak\":%u,\"sharpe_r\":", s->longest_losing_streak);
  perp_cli_print_json_number (s->sharpe_r);
  printf (",\"sortino_r\":");
  perp_cli_print_json_number (s->sortino_r);
  printf ("}");
}

static void
print_json_group (const PerpReport *report,
                  PerpJournalGroup  group,
                  const char       *name)
{
  const GPtrArray *rows = perp_report_get_stats (report, group);

  printf (",\"%s\":{", name);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const PerpJournalStatsRow *row = g_ptr_array_index (rows, i);

      if (i > 0)
        printf (",");
      perp_cli_print_json_string (row->key);
      printf (":");
      print_json_stats (&row->stats);
    }
  printf ("}");
}

static void
print_json (const PerpReport *report,
            const PerpConfig *config,
            const RunFigures *figures,
            const char       *kept)
{
  const PerpReportBucket *buckets = perp_report_get_calibration (report);
  const PerpOutcomeParams *costs = &config->outcome;

  printf ("{\"schema\":\"perpscope.backtest/1\",\"interval\":\"%s\",\"closes\":%u,\"seconds\":",
          perp_interval_to_string (config->signal_interval), figures->n_closes);
  perp_cli_print_json_number (figures->seconds);
  printf (",\"costs\":{\"entry\":\"%s\",\"taker_fee\":", costs->entry_mode == PERP_ENTRY_LIMIT ? "limit" : "next_open");
  perp_cli_print_json_number (costs->taker_fee);
  printf (",\"slippage_bps\":");
  perp_cli_print_json_number (costs->slippage_bps);
  printf (",\"max_candles\":%u},\"gross_r\":", costs->max_candles);
  perp_cli_print_json_number (perp_report_get_gross_r (report));
  printf (",\"funding_r\":");
  perp_cli_print_json_number (perp_report_get_funding_r (report));
  /* true when every scored symbol had a settlement within its closes; the others named */
  printf (",\"funding_data\":%s,\"no_funding_data\":[",
          figures->n_symbols > 0 && figures->no_funding->len == 0 ? "true" : "false");
  for (guint i = 0; i < figures->no_funding->len; i++)
    {
      if (i > 0)
        printf (",");
      perp_cli_print_json_string (g_ptr_array_index (figures->no_funding, i));
    }
  printf ("]");
  printf (",\"daily_drawdown_resume\":\"next_day\",\"journal\":");
  if (kept != NULL)
    perp_cli_print_json_string (kept);
  else
    printf ("null");
  printf (",\"signals\":{");
  for (guint status = 0; status < PERP_N_SIGNAL_STATUSES; status++)
    printf ("%s\"%s\":%u", status == 0 ? "" : ",", perp_signal_status_name (status),
            perp_report_get_n_status (report, status));
  printf ("},\"open_at_end\":%u,\"all\":", figures->n_open);
  print_json_stats (perp_report_get_overall (report));
  print_json_group (report, PERP_JOURNAL_GROUP_TIER, "by_tier");
  print_json_group (report, PERP_JOURNAL_GROUP_SYMBOL, "by_symbol");
  print_json_group (report, PERP_JOURNAL_GROUP_SESSION, "by_session");
  printf (",\"confidence_r_correlation\":");
  perp_cli_print_json_number (perp_report_get_confidence_correlation (report));
  printf (",\"calibration\":[");
  for (guint b = 0; b < PERP_REPORT_N_BUCKETS; b++)
    {
      const PerpReportBucket *k = &buckets[b];

      printf ("%s{\"low\":", b == 0 ? "" : ",");
      perp_cli_print_json_number (k->low);
      printf (",\"high\":");
      perp_cli_print_json_number (k->high);
      printf (",\"trades\":%u,\"wins\":%u,\"mean_confidence\":", k->n_trades, k->n_wins);
      perp_cli_print_json_number (k->n_trades > 0 ? k->sum_confidence / k->n_trades : NAN);
      printf (",\"mean_r\":");
      perp_cli_print_json_number (k->n_trades > 0 ? k->sum_r / k->n_trades : NAN);
      printf ("}");
    }
  printf ("],\"forward\":[");
  for (guint h = 0; h < G_N_ELEMENTS (forward_horizons); h++)
    {
      PerpForwardStats f;

      forward_stats (figures, config, forward_horizons[h], &f);
      printf ("%s{\"candles\":%u,\"scores\":%u,\"correlation\":", h == 0 ? "" : ",", f.horizon, f.n_scores);
      perp_cli_print_json_number (f.correlation);
      printf (",\"min_confidence\":");
      perp_cli_print_json_number (f.min_confidence);
      printf (",\"signals\":%u,\"hit_rate\":", f.n_signals);
      perp_cli_print_json_number (f.hit_rate);
      printf (",\"mean_signed_return\":");
      perp_cli_print_json_number (f.mean_signed_return);
      printf ("}");
    }
  printf ("]}\n");
}

/* ------------------------------------------------------------------ command */

int
perp_cli_cmd_backtest (int    argc,
                       char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PerpConfig) config = NULL;
  g_autoptr(PerpReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PerpCliRecordings) recordings = { 0 };
  g_auto(Journal) journal = { 0 };
  g_autofree char *journal_path = NULL;
  g_autofree char *report_path = NULL;
  PerpReportFormat report_format = PERP_REPORT_FORMAT_HTML;
  gboolean json = FALSE;
  g_auto(RunFigures) figures = { 0 };
  int exit_code = EXIT_OK;
  const GOptionEntry entries[] = {
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &journal_path, "Keep the journal in this new file (default: a scratch journal in memory)", "FILE" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report_path, "Also write the full report (.csv, .html or .pdf)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "The statistics as one JSON object", NULL },
    { NULL }
  };

  context = g_option_context_new ("- trade every taken signal of recorded data and sum up the results");
  g_option_context_set_summary (context, "backtest");
  g_option_context_set_description (context,
    "Plays recordings (candle CSVs, tick captures, recordings) through the same engine and\n"
    "signal journal as replay: each taken signal's plan is traded with the config's entry,\n"
    "fees, slippage and time stop, partial targets and trailing stops, and the breakers\n"
    "block what they would block live, except that the daily-drawdown pause ends at the\n"
    "next UTC midnight.  Prints the statistics of the closed trades (overall, by tier,\n"
    "symbol and session; Sharpe and Sortino per trade, not annualised), the calibration\n"
    "of the stated confidence, and every close's lean against the forward return 1, 4,\n"
    "12 and 48 candles on.  Use --warmup so that the first scores have history.\n"
    "Exit status: 0 on success, 1 on a data error, 2 on a usage error.");
  perp_cli_recordings_add_options (context, &recordings);
  perp_cli_recordings_add_warmup (context, &recordings);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!perp_cli_parse_options (context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return perp_cli_usage_error (context, "backtest: unexpected argument \"%s\"", argv[1]);
  if (report_path != NULL)
    {
      const char *dot = strrchr (report_path, '.');

      if (dot == NULL || !perp_report_format_from_name (dot + 1, &report_format))
        return perp_cli_usage_error (context, "backtest: --report: \"%s\" does not end in .csv, .html or .pdf",
                                     report_path);
    }
  /* (perp_report_write () refuses it too, but only after the whole backtest.) */
  if (report_path != NULL && journal_path != NULL && perp_path_same_file (report_path, journal_path))
    return perp_cli_usage_error (context, "backtest: --report %s is the --journal file; choose another", report_path);
  if ((config = perp_cli_recordings_load_config (&recordings, context, "backtest", &exit_code)) == NULL)
    return exit_code;

  exit_code = run (&recordings, config, journal_path, report_path != NULL, &journal, &figures);
  if (exit_code != EXIT_OK)
    return exit_code;

  report = perp_report_new (journal.journal, NULL, &error);
  if (report == NULL)
    {
      fprintf (stderr, "perpscope-cli: backtest: %s\n", error->message);
      return EXIT_DATA;
    }
  if (json)
    print_json (report, config, &figures, journal_path);
  else
    print_text (report, config, &figures, journal_path);

  if (report_path != NULL)
    {
      guint n_pages = 0;
      guint n_candle_sources = 0;

      /* Chart snapshots need the candles: every recording that is a candle file or a
       * folder of them (funding files and tick captures are not); without, the report
       * says each chart is missing. */
      for (guint i = 0; recordings.data[i] != NULL; i++)
        if (perp_report_add_candles (report, recordings.data[i], NULL))
          n_candle_sources++;
      if (n_candle_sources == 0)
        fprintf (stderr, "perpscope-cli: backtest: no candle files among the recordings for the report's charts\n");
      if (!perp_report_write (report, report_format, report_path, &n_pages, &error))
        {
          fprintf (stderr, "perpscope-cli: backtest: %s\n", error->message);
          return EXIT_DATA;
        }
      fprintf (stderr, "perpscope-cli: backtest: report written to %s\n", report_path);
    }
  return EXIT_OK;
}

/* ------------------------------------------------------------------ bench */

/* DESIGN.md's budget: a year of 5m candles scored on every bar in under 0.5 s.  Times
 * the whole backtest of @csv (engine, journal, outcomes) and the replay alone (the
 * scoring on every bar, nothing journaled), and scales both to a year of 5m bars. */
int
perp_cli_bench_backtest (const char *csv,
                         int         runs)
{
  static const double year_of_5m = 365.0 * 24 * 12;
  g_autoptr(GArray) with_journal = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) scoring_only = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(PerpCandles) candles = NULL;
  PerpCsvReport csv_report = { 0 };
  PerpInterval interval;
  guint n_closes = 0;

  candles = perp_cli_load_candles (csv, &(PerpCsvOptions) { 0 }, &csv_report);
  perp_csv_report_clear (&csv_report);
  if (candles == NULL)
    return EXIT_DATA;
  interval = perp_candles_get_interval (candles);

  /* Both kinds of run alternate, after one warm-up of each: a shared machine's slow
   * minutes then fall on both. */
  for (int r = 0; r < runs + 1; r++)
    for (guint journaled = 0; journaled < 2; journaled++)
      {
        g_auto(PerpCliRecordings) recordings = { 0 };
        g_auto(Journal) journal = { 0 };
        g_autoptr(PerpConfig) config = perp_config_new_default ();
        g_auto(RunFigures) figures = { 0 };
        char *data[] = { (char *) csv, NULL };
        int exit_code;

        recordings.data = g_strdupv (data);
        /* As `backtest --data CSV --interval I` configures it. */
        config->signal_interval = interval;
        g_clear_pointer (&config->symbols, g_strfreev);
        exit_code = run (&recordings, config, NULL, FALSE, journaled ? &journal : NULL, &figures);
        if (exit_code != EXIT_OK)
          return exit_code;
        if (figures.n_closes == 0)
          {
            fprintf (stderr, "perpscope-cli: bench backtest: %s: no candle close was scored\n", csv);
            return EXIT_DATA;
          }
        n_closes = figures.n_closes;
        if (r > 0)
          g_array_append_val (journaled ? with_journal : scoring_only, figures.seconds);
      }

  g_array_sort (with_journal, perp_cli_compare_double);
  g_array_sort (scoring_only, perp_cli_compare_double);
  printf ("file: %s (%s), %u closes scored; %d runs of each after a warm-up, wall time\n", csv,
          perp_interval_to_string (interval), n_closes, runs);
  printf ("%-44s %10s %10s %14s %14s %8s\n", "pass", "median s", "min s", "closes/s", "s per year 5m",
          "budget");
  for (guint journaled = 0; journaled < 2; journaled++)
    {
      GArray *samples = journaled ? with_journal : scoring_only;
      double median = g_array_index (samples, double, samples->len / 2);

      printf ("%-44s %10.3f %10.3f %14.0f %14.2f %8s\n",
              journaled ? "backtest (engine, journal, outcomes)" : "replay, scored on every close (no journal)",
              median, g_array_index (samples, double, 0), n_closes / median, median * year_of_5m / n_closes,
              journaled ? "0.5" : "");
    }
  return EXIT_OK;
}
