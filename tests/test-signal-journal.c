/* test-signal-journal.c: the engine's signals and outcomes in the journal
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>

#include "perp-signal-journal.h"
#include "io/perp-push-feed.h"
#include "perp-test-support.h"

/* What the engine said, kept to check the journal against. */
typedef struct
{
  gint64           time;
  PerpTier         tier;
  PerpSignalStatus status;
  PerpPlan         plan;
  PerpBreakerAction actions[PERP_N_BREAKERS];
} Seen;

static void
on_score (PerpEngine             *engine,
          const PerpEngineUpdate *update,
          GArray                 *seen)
{
  Seen s;

  if (!update->on_close)
    return;
  s.time = update->time;
  s.tier = update->score->tier;
  s.status = update->status;
  s.plan = *update->plan;
  for (guint b = 0; b < PERP_N_BREAKERS; b++)
    s.actions[b] = PERP_BREAKER_PASS;
  for (guint r = 0; r < update->verdict->n_results; r++)
    s.actions[update->verdict->results[r].breaker] = update->verdict->results[r].action;
  g_array_append_val (seen, s);
}

static void
run (gboolean synchronous)
{
  g_autofree char *csv = perp_test_fixture_path ("journal/ETHUSDT_15m_2023-03-09_7days.csv");
  g_autofree char *dir = g_dir_make_tmp ("perp-signal-journal-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.sqlite", NULL);
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(PerpJournal) journal = NULL;
  g_autoptr(PerpSignalJournal) signal_journal = NULL;
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (Seen));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  PerpSignalJournalParams params;
  PerpJournalQuery query;
  PerpCsvReport report = { 0 };
  guint n, n_journaled = 0, n_taken = 0, n_closed = 0;

  candles = perp_candle_csv_load (csv, 0, &report, &error);
  g_assert_no_error (error);
  perp_csv_report_clear (&report);
  n = perp_candles_get_length (candles);

  config->signal_interval = PERP_INTERVAL_15M;
  config->htf_interval = perp_score_default_htf (PERP_INTERVAL_15M);
  config->score.htf_interval = config->htf_interval;
  g_strfreev (config->symbols);
  config->symbols = g_strsplit ("ETHUSDT", ",", -1);
  engine = perp_engine_new (config, NULL, &error);
  g_assert_no_error (error);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  journal = perp_journal_open (path, PERP_JOURNAL_FLAGS_NONE, &error);
  g_assert_no_error (error);
  perp_signal_journal_params_init (&params);
  params.min_tier = PERP_TIER_MEDIUM;
  params.synchronous = synchronous;
  signal_journal = perp_signal_journal_new (engine, journal, &params);
  g_signal_connect (engine, "score-changed", G_CALLBACK (on_score), seen);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      perp_feed_emit_candle_closed (PERP_FEED (feed), "ETHUSDT", PERP_INTERVAL_15M, &c);
    }
  g_assert_true (perp_signal_journal_flush (signal_journal, &error));
  g_assert_no_error (error);

  /* Every close of the tier or above is in the journal, with the engine's status, in
   * order; nothing else is. */
  perp_journal_query_init (&query);
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < seen->len; i++)
    {
      const Seen *s = &g_array_index (seen, Seen, i);

      if (s->tier < PERP_TIER_MEDIUM)
        continue;
      n_journaled++;
      if (s->status == PERP_SIGNAL_TAKEN)
        n_taken++;
    }
  g_assert_cmpuint (rows->len, ==, n_journaled);
  g_assert_cmpuint (perp_signal_journal_get_n_signals (signal_journal), ==, n_journaled);
  g_assert_cmpuint (n_taken, >, 0);

  for (guint r = 0; r < rows->len; r++)
    {
      const PerpJournalSignal *row = g_ptr_array_index (rows, r);
      const Seen *s = NULL;
      PerpOutcome stored;

      for (guint i = 0; i < seen->len && s == NULL; i++)
        if (g_array_index (seen, Seen, i).time == row->time)
          s = &g_array_index (seen, Seen, i);
      g_assert_nonnull (s);
      g_assert_cmpint (row->status, ==, s->status);
      g_assert_cmpint (row->tier, ==, s->tier);
      if (s->status != PERP_SIGNAL_TAKEN)
        continue;

      /* The stored outcome is what a tracker of its own makes of the same plan over
       * the candles after the signal. */
      g_assert_true (perp_journal_get_outcome (journal, row->id, &stored, &error));
      g_assert_no_error (error);
      {
        g_autoptr(PerpOutcomeTracker) tracker = perp_outcome_tracker_new (&s->plan, 15 * 60 * 1000,
                                                                          &params.outcome, &error);
        const PerpOutcome *expected;

        g_assert_no_error (error);
        for (guint i = perp_candles_lower_bound (candles, row->time); i < n; i++)
          {
            PerpCandle c;

            perp_candles_get_candle (candles, i, &c);
            g_assert_true (perp_outcome_tracker_add (tracker, &c, &error));
            if (perp_outcome_is_closed (perp_outcome_tracker_get (tracker)))
              break;
          }
        expected = perp_outcome_tracker_get (tracker);
        g_assert_cmpint (stored.state, ==, expected->state);
        g_assert_cmpint (stored.exit_time, ==, expected->exit_time);
        g_assert_cmpuint (stored.n_exits, ==, expected->n_exits);
        g_assert_cmpfloat_with_epsilon (stored.realised_r, expected->realised_r, 1e-9);
        g_assert_cmpfloat_with_epsilon (stored.mfe_r, expected->mfe_r, 1e-9);
        g_assert_cmpfloat_with_epsilon (stored.mae_r, expected->mae_r, 1e-9);
        if (perp_outcome_is_closed (expected))
          n_closed++;
      }
    }
  g_assert_cmpuint (n_closed, >, 0);

  /* A breaker event per trip (a breaker's action rising), not per close it stays
   * tripped. */
  {
    guint expected = 0;
    PerpBreakerAction last[PERP_N_BREAKERS] = { 0 };
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    for (guint i = 0; i < seen->len; i++)
      for (guint b = 0; b < PERP_N_BREAKERS; b++)
        {
          PerpBreakerAction action = g_array_index (seen, Seen, i).actions[b];

          if (action > last[b])
            expected++;
          last[b] = action;
        }
    g_assert_cmpuint (expected, >, 0);
    g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM breaker_events", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, expected);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }

  g_clear_object (&signal_journal);
  g_clear_object (&journal);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
}

static void
test_synchronous (void)
{
  run (TRUE);
}

/* Through the writer thread: the same journal, the main loop never waiting on disk. */
static void
test_asynchronous (void)
{
  run (FALSE);
}

/* The engine and journal of run (), set up again for a test of its own. */
typedef struct
{
  PerpCandles       *candles;
  PerpEngine        *engine;
  PerpPushFeed      *feed;
  PerpJournal       *journal;
  PerpSignalJournal *signal_journal;
  GArray            *seen;
} Bench;

static void
bench_init (Bench *b)
{
  g_autofree char *csv = perp_test_fixture_path ("journal/ETHUSDT_15m_2023-03-09_7days.csv");
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(GError) error = NULL;
  PerpSignalJournalParams params;
  PerpCsvReport report = { 0 };

  b->candles = perp_candle_csv_load (csv, 0, &report, &error);
  g_assert_no_error (error);
  perp_csv_report_clear (&report);
  config->signal_interval = PERP_INTERVAL_15M;
  config->htf_interval = perp_score_default_htf (PERP_INTERVAL_15M);
  config->score.htf_interval = config->htf_interval;
  g_strfreev (config->symbols);
  config->symbols = g_strsplit ("ETHUSDT", ",", -1);
  b->engine = perp_engine_new (config, NULL, &error);
  g_assert_no_error (error);
  b->feed = perp_push_feed_new ();
  perp_engine_add_feed (b->engine, PERP_FEED (b->feed));
  b->journal = perp_journal_open ("late funding (in memory)", PERP_JOURNAL_FLAGS_SCRATCH, &error);
  g_assert_no_error (error);
  perp_signal_journal_params_init (&params);
  params.min_tier = PERP_TIER_LOW;
  params.synchronous = TRUE;
  b->signal_journal = perp_signal_journal_new (b->engine, b->journal, &params);
  b->seen = g_array_new (FALSE, FALSE, sizeof (Seen));
  g_signal_connect (b->engine, "score-changed", G_CALLBACK (on_score), b->seen);
}

static void
bench_feed (Bench *b,
            guint  from,
            guint  to)
{
  for (guint i = from; i < to; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (b->candles, i, &c);
      perp_feed_emit_candle_closed (PERP_FEED (b->feed), "ETHUSDT", PERP_INTERVAL_15M, &c);
    }
}

static void
bench_clear (Bench *b)
{
  g_clear_object (&b->signal_journal);
  g_clear_object (&b->journal);
  g_clear_object (&b->engine);
  g_clear_object (&b->feed);
  g_clear_pointer (&b->candles, perp_candles_unref);
  g_clear_pointer (&b->seen, g_array_unref);
}

static GPtrArray *
closed_trades (PerpJournal *journal)
{
  g_autoptr(GError) error = NULL;
  PerpJournalQuery query;
  GPtrArray *rows;

  perp_journal_query_init (&query);
  query.status = PERP_SIGNAL_TAKEN;
  rows = perp_journal_list_signals (journal, &query, &error);
  g_assert_no_error (error);
  for (guint i = rows->len; i-- > 0; )
    {
      const PerpJournalSignal *row = g_ptr_array_index (rows, i);

      if (!row->has_outcome || row->exit_time < 0)
        g_ptr_array_remove_index (rows, i);
    }
  return rows;
}

/* Live, a settled rate is fetched after its settlement, and can come after a trade that
 * held through it has closed and been written: it is charged all the same, with the
 * outcome written again, and only to the trades held at its time. */
static void
test_late_funding (void)
{
  const gint64 candle_ms = 15 * 60 * 1000;
  const double rate = 0.001;
  Bench b = { 0 };
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GError) error = NULL;
  const PerpJournalSignal *trade = NULL;
  guint n, resume;
  gint64 settlement;
  guint n_charged = 0;

  /* Without funding: a closed trade that lasted a few candles, left well before the end. */
  bench_init (&b);
  n = perp_candles_get_length (b.candles);
  bench_feed (&b, 0, n);
  g_assert_true (perp_signal_journal_flush (b.signal_journal, &error));
  first = closed_trades (b.journal);
  for (guint i = first->len; i-- > 0 && trade == NULL; )
    {
      const PerpJournalSignal *row = g_ptr_array_index (first, i);

      if (row->exit_time - row->entry_time >= 3 * candle_ms
          && row->exit_time < perp_candles_get_open_time (b.candles)[n - 1] - 8 * candle_ms)
        trade = row;
    }
  g_assert_nonnull (trade);
  g_assert_cmpuint (trade->outcome_state, !=, PERP_OUTCOME_OPEN);
  /* Held through it: entered on a candle opening before it, closed on one opening after. */
  settlement = trade->entry_time + 2 * candle_ms;
  bench_clear (&b);

  /* The same data, the settlement given only once the trade has closed and been written. */
  bench_init (&b);
  resume = perp_candles_lower_bound (b.candles, trade->exit_time + 3 * candle_ms);
  bench_feed (&b, 0, resume);
  perp_feed_emit_funding_rate (PERP_FEED (b.feed), "ETHUSDT", settlement + 7, rate);
  bench_feed (&b, resume, n);
  g_assert_true (perp_signal_journal_flush (b.signal_journal, &error));
  second = closed_trades (b.journal);

  /* Every closed trade's stored outcome is what a tracker of its own makes of it: its
   * candles, then the settlement (valued at the close of the candle ending at it) when
   * it was still in the trade at the settlement.  The funding changes later scores,
   * so the trades after it are not the first run's; the one held through it is. */
  for (guint i = 0; i < second->len; i++)
    {
      const PerpJournalSignal *row = g_ptr_array_index (second, i);
      PerpSignalJournalParams params;
      g_autoptr(PerpOutcomeTracker) tracker = NULL;
      const PerpOutcome *expected;
      const Seen *s = NULL;
      PerpOutcome stored;
      gint64 last_open = G_MININT64;

      for (guint k = 0; k < b.seen->len && s == NULL; k++)
        if (g_array_index (b.seen, Seen, k).time == row->time)
          s = &g_array_index (b.seen, Seen, k);
      g_assert_nonnull (s);
      perp_signal_journal_params_init (&params);
      tracker = perp_outcome_tracker_new (&s->plan, candle_ms, &params.outcome, &error);
      g_assert_no_error (error);
      for (guint c = perp_candles_lower_bound (b.candles, row->time); c < n; c++)
        {
          PerpCandle candle;

          perp_candles_get_candle (b.candles, c, &candle);
          g_assert_true (perp_outcome_tracker_add (tracker, &candle, &error));
          last_open = candle.open_time;
          if (perp_outcome_is_closed (perp_outcome_tracker_get (tracker)))
            break;
        }
      if (row->time < settlement && last_open >= settlement)
        {
          guint at = perp_candles_lower_bound (b.candles, settlement);

          g_assert_true (perp_outcome_tracker_add_funding (tracker, settlement + 7, rate,
                                                           perp_candles_get_close (b.candles)[at - 1], &error));
          g_assert_no_error (error);
        }
      expected = perp_outcome_tracker_get (tracker);
      g_assert_true (perp_journal_get_outcome (b.journal, row->id, &stored, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (stored.n_fundings, ==, expected->n_fundings);
      g_assert_cmpfloat_with_epsilon (stored.funding_r, expected->funding_r, 1e-12);
      g_assert_cmpfloat_with_epsilon (stored.realised_r, expected->realised_r, 1e-12);
      if (row->time == trade->time)
        {
          g_assert_cmpuint (stored.n_fundings, ==, 1);
          g_assert_cmpfloat (fabs (stored.funding_r), >, 0.0);
        }
      n_charged += stored.n_fundings;
    }
  g_assert_cmpuint (n_charged, >=, 1);
  bench_clear (&b);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signal-journal/synchronous", test_synchronous);
  g_test_add_func ("/signal-journal/asynchronous", test_asynchronous);
  g_test_add_func ("/signal-journal/late-funding", test_late_funding);

  return g_test_run ();
}
