/* test-engine.c: the engine between feeds and scores
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-engine.h"
#include "io/perp-tick-reader.h"
#include "io/perp-push-feed.h"
#include "perp-test-support.h"

/* ------------------------------------------------------------------ helpers */

typedef struct
{
  GArray *times;     /* gint64 */
  GArray *long_pct;  /* double */
  GArray *on_close;  /* gboolean */
  guint   n_problems;
} Recorder;

static void
on_score (PerpEngine             *engine,
          const PerpEngineUpdate *update,
          Recorder               *rec)
{
  gboolean on_close = update->on_close;

  g_assert_nonnull (update->score);
  g_assert_nonnull (update->plan);
  g_assert_nonnull (update->verdict);
  g_assert_cmpfloat_with_epsilon (update->score->long_pct + update->score->short_pct, 100.0, 1e-9);
  g_array_append_val (rec->times, update->time);
  g_array_append_val (rec->long_pct, update->score->long_pct);
  g_array_append_val (rec->on_close, on_close);
}

static void
on_problem (PerpEngine *engine,
            const char *symbol,
            const char *message,
            Recorder   *rec)
{
  g_test_message ("problem: %s", message);
  rec->n_problems++;
}

static void
recorder_init (Recorder *rec)
{
  rec->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  rec->long_pct = g_array_new (FALSE, FALSE, sizeof (double));
  rec->on_close = g_array_new (FALSE, FALSE, sizeof (gboolean));
  rec->n_problems = 0;
}

static void
recorder_clear (Recorder *rec)
{
  g_array_unref (rec->times);
  g_array_unref (rec->long_pct);
  g_array_unref (rec->on_close);
}

static PerpCandles *
load_fixture (const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };
  PerpCandles *candles = perp_candle_csv_load (path, 0, &report, &error);

  g_assert_no_error (error);
  perp_csv_report_clear (&report);
  return candles;
}

static PerpEngine *
new_engine (PerpInterval signal,
            Recorder    *rec)
{
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(GError) error = NULL;
  PerpEngine *engine;

  config->signal_interval = signal;
  config->htf_interval = perp_score_default_htf (signal);
  config->score.htf_interval = config->htf_interval;
  g_strfreev (config->symbols);
  config->symbols = g_strsplit ("BTCUSDT", ",", -1);
  engine = perp_engine_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (engine, "score-changed", G_CALLBACK (on_score), rec);
  g_signal_connect (engine, "problem", G_CALLBACK (on_problem), rec);
  return engine;
}

static void
emit_closes (PerpPushFeed      *feed,
             const PerpCandles *candles,
             guint              begin,
             guint              end)
{
  for (guint i = begin; i < end; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      perp_feed_emit_candle_closed (PERP_FEED (feed), "BTCUSDT", perp_candles_get_interval (candles), &c);
    }
}

static void
assert_same_candles (const PerpCandles *a,
                     const PerpCandles *b)
{
  guint n = perp_candles_get_length (a);

  g_assert_cmpuint (n, ==, perp_candles_get_length (b));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (perp_candles_get_open_time (a)[i], ==, perp_candles_get_open_time (b)[i]);
      g_assert_cmpfloat (perp_candles_get_open (a)[i], ==, perp_candles_get_open (b)[i]);
      g_assert_cmpfloat (perp_candles_get_high (a)[i], ==, perp_candles_get_high (b)[i]);
      g_assert_cmpfloat (perp_candles_get_low (a)[i], ==, perp_candles_get_low (b)[i]);
      g_assert_cmpfloat (perp_candles_get_close (a)[i], ==, perp_candles_get_close (b)[i]);
      g_assert_cmpfloat_with_epsilon (perp_candles_get_volume (a)[i], perp_candles_get_volume (b)[i],
                                      1e-6 * MAX (1.0, perp_candles_get_volume (b)[i]));
    }
}

/* ------------------------------------------------------------------- tests */

/* 5m closes in, 15m signal out: the engine's 15m candles are Binance's own 15m file
 * (the exchange aggregates the same way), and each close of a 15m candle is scored
 * exactly as a PerpAnalysis fed that file scores it. */
static void
test_engine_aggregates_and_scores (void)
{
  g_autoptr(PerpCandles) fine = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) coarse = load_fixture ("BTCUSDT_15m_2024-01-01_2days.csv");
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(PerpAnalysis) reference = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec;
  PerpEngine *engine;
  PerpAnalysis *analysis;
  guint n_coarse = perp_candles_get_length (coarse);

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_15M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  emit_closes (feed, fine, 0, perp_candles_get_length (fine));

  analysis = perp_engine_get_analysis (engine, "BTCUSDT");
  g_assert_nonnull (analysis);
  assert_same_candles (perp_analysis_get_candles (analysis), coarse);
  /* The 1h chart is built the same way. */
  {
    g_autoptr(PerpCandles) hourly = load_fixture ("BTCUSDT_1h_2024-01-01_2days.csv");
    PerpAnalysis *chart = perp_engine_get_chart_analysis (engine, "BTCUSDT", PERP_INTERVAL_1H);

    g_assert_nonnull (chart);
    assert_same_candles (perp_analysis_get_candles (chart), hourly);
  }
  g_assert_null (perp_engine_get_chart_analysis (engine, "BTCUSDT", PERP_INTERVAL_1M));

  /* One score per 15m close, at its close time, equal to the reference's. */
  g_assert_cmpuint (rec.times->len, ==, n_coarse);
  config->signal_interval = PERP_INTERVAL_15M;
  config->score.htf_interval = perp_score_default_htf (PERP_INTERVAL_15M);
  reference = perp_analysis_new ("BTCUSDT", PERP_INTERVAL_15M, perp_candles_get_fields (coarse),
                                 PERP_ANALYSIS_HTF_RESAMPLE, &config->structure, &config->score, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_coarse; i++)
    {
      PerpCandle c;
      PerpScore score;

      perp_candles_get_candle (coarse, i, &c);
      g_assert_true (perp_analysis_push_candle (reference, &c, &error));
      g_assert_true (perp_analysis_score (reference, &score, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_array_index (rec.times, gint64, i), ==, c.open_time + 15 * 60 * 1000);
      g_assert_true (g_array_index (rec.on_close, gboolean, i));
      g_assert_cmpfloat (g_array_index (rec.long_pct, double, i), ==, score.long_pct);
    }
  g_assert_cmpint (perp_engine_get_now (engine), ==,
                   perp_candles_get_open_time (fine)[perp_candles_get_length (fine) - 1] + 5 * 60 * 1000);
  g_assert_nonnull (perp_engine_get_last_update (engine, "BTCUSDT"));
  g_assert_null (perp_engine_get_last_update (engine, "ETHUSDT"));

  g_object_unref (engine);
  recorder_clear (&rec);
}

/* A candle sent twice, or an older one after a newer one, is committed once. */
static void
test_engine_drops_duplicate_closes (void)
{
  g_autoptr(PerpCandles) candles = load_fixture ("BTCUSDT_15m_2024-01-01_2days.csv");
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  Recorder rec;
  PerpEngine *engine;
  guint n = perp_candles_get_length (candles);

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_15M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  emit_closes (feed, candles, 0, 50);
  emit_closes (feed, candles, 49, 50);   /* duplicate */
  emit_closes (feed, candles, 40, 41);   /* older */
  emit_closes (feed, candles, 50, n);

  assert_same_candles (perp_analysis_get_candles (perp_engine_get_analysis (engine, "BTCUSDT")), candles);
  g_assert_cmpuint (rec.times->len, ==, n);
  g_object_unref (engine);
  recorder_clear (&rec);
}

typedef struct
{
  gboolean loaded;
} LoadWait;

static void
on_symbol_changed (PerpEngine *engine,
                   const char *symbol,
                   guint       what,
                   LoadWait   *wait)
{
  if (what & PERP_ENGINE_CHANGE_CANDLES)
    wait->loaded = TRUE;
}

/* History in one block is built in a worker thread; closes that arrive meanwhile wait
 * and are committed after it, so the result is the whole series in order, and a
 * refill that overlaps the history replaces nothing but fills the hole. */
static void
test_engine_threaded_history (void)
{
  g_autoptr(PerpCandles) candles = load_fixture ("BTCUSDT_5m_2024-01-01_2days.csv");
  g_autoptr(PerpCandles) history = NULL;
  g_autoptr(PerpCandles) refill = NULL;
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  Recorder rec;
  LoadWait wait = { FALSE };
  PerpEngine *engine;
  guint n = perp_candles_get_length (candles);
  guint split = 520;
  gint64 deadline;
  PerpCandle c;

  g_assert_cmpuint (n, >, split + 20);
  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_5M, &rec);
  perp_engine_set_threaded_loading (engine, TRUE);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  g_signal_connect (engine, "symbol-changed", G_CALLBACK (on_symbol_changed), &wait);

  history = perp_candles_new (PERP_INTERVAL_5M, perp_candles_get_fields (candles));
  for (guint i = 0; i < split; i++)
    {
      perp_candles_get_candle (candles, i, &c);
      perp_candles_append (history, &c, NULL);
    }
  perp_feed_emit_candles_loaded (PERP_FEED (feed), "BTCUSDT", PERP_INTERVAL_5M, history);
  /* Closes arrive while the block is being built; one is missing (a gap). */
  emit_closes (feed, candles, split, split + 5);
  emit_closes (feed, candles, split + 6, split + 10);
  /* Still being built: nothing committed yet, the closes wait. */
  g_assert_null (perp_engine_get_analysis (engine, "BTCUSDT"));

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (perp_engine_get_analysis (engine, "BTCUSDT") == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (wait.loaded);
  g_assert_nonnull (perp_engine_get_analysis (engine, "BTCUSDT"));
  g_assert_cmpuint (perp_candles_get_length (perp_analysis_get_candles (perp_engine_get_analysis (engine, "BTCUSDT"))),
                    ==, split + 9);

  /* The refill after the gap: overlapping, with the missing candle. */
  refill = perp_candles_new (PERP_INTERVAL_5M, perp_candles_get_fields (candles));
  for (guint i = split; i < split + 12; i++)
    {
      perp_candles_get_candle (candles, i, &c);
      perp_candles_append (refill, &c, NULL);
    }
  perp_engine_set_threaded_loading (engine, FALSE);
  perp_feed_emit_candles_loaded (PERP_FEED (feed), "BTCUSDT", PERP_INTERVAL_5M, refill);
  emit_closes (feed, candles, split + 12, n);

  assert_same_candles (perp_analysis_get_candles (perp_engine_get_analysis (engine, "BTCUSDT")), candles);
  g_object_unref (engine);
  recorder_clear (&rec);
}

/* A depth sequence gap makes the engine ask the feed for a new snapshot, once. */
static void
test_engine_book_gap_resyncs (void)
{
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_gap.jsonl");
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  Recorder rec;
  PerpEngine *engine;

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_5M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  reader = perp_tick_reader_open (path, 0, &error);
  g_assert_no_error (error);
  while (perp_tick_reader_next (reader, &event, &error))
    {
      if (event.kind == PERP_TICK_SNAPSHOT)
        perp_feed_emit_depth_snapshot (PERP_FEED (feed), "BTCUSDT", &event.snapshot);
      else if (event.kind == PERP_TICK_DEPTH)
        perp_feed_emit_depth (PERP_FEED (feed), "BTCUSDT", &event.depth);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (perp_push_feed_get_n_resyncs (feed), ==, 1);
  g_assert_cmpstr (perp_push_feed_get_last_resync (feed), ==, "BTCUSDT");
  g_assert_cmpuint (rec.n_problems, >=, 1);
  g_assert_cmpint (perp_order_book_get_state (perp_engine_get_book (engine, "BTCUSDT")), ==,
                   PERP_BOOK_STATE_NEEDS_RESYNC);
  g_object_unref (engine);
  recorder_clear (&rec);
}

/* After a reset (a replay seeking backwards) the same data gives the same scores:
 * nothing from before the reset leaks into what follows. */
static void
test_engine_reset (void)
{
  g_autoptr(PerpCandles) candles = load_fixture ("BTCUSDT_15m_2024-01-01_2days.csv");
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  g_autoptr(GArray) first = NULL;
  Recorder rec;
  PerpEngine *engine;
  guint n = perp_candles_get_length (candles);

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_15M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  emit_closes (feed, candles, 0, n);
  first = g_array_ref (rec.long_pct);
  g_array_unref (rec.long_pct);
  rec.long_pct = g_array_new (FALSE, FALSE, sizeof (double));

  perp_engine_reset (engine);
  g_assert_null (perp_engine_get_analysis (engine, "BTCUSDT"));
  g_assert_null (perp_engine_get_last_update (engine, "BTCUSDT"));
  emit_closes (feed, candles, 0, n);
  g_assert_cmpuint (rec.long_pct->len, ==, first->len);
  for (guint i = 0; i < first->len; i++)
    g_assert_cmpfloat (g_array_index (rec.long_pct, double, i), ==, g_array_index (first, double, i));
  g_object_unref (engine);
  recorder_clear (&rec);
}

/* Funding settled before the candles' history has arrived (the feed fetches it while
 * the history is still being built) is not lost: the analysis built later gets it, and
 * a repeat of known rows is ignored.  The engine's scores equal those of an analysis
 * given the same rows and candles directly. */
static void
test_engine_funding_before_history (void)
{
  g_autoptr(PerpCandles) candles = load_fixture ("BTCUSDT_15m_2024-01-01_2days.csv");
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(PerpAnalysis) reference = NULL;
  g_autoptr(GError) error = NULL;
  /* Real BTCUSDT funding rates (the first rows of ../shared/data/funding), placed at
   * the 8 h settlements inside the candles' two days so the factor reads them. */
  static const double rates[] = { 0.0001, 0.00007822, 0.00010000, 0.00003437, 0.00001044, 0.00010000 };
  gint64 first = perp_candles_get_open_time (candles)[0];
  Recorder rec;
  PerpEngine *engine;
  guint n = perp_candles_get_length (candles);

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_15M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    perp_feed_emit_funding_rate (PERP_FEED (feed), "BTCUSDT", first + r * 8 * 3600 * 1000, rates[r]);
  /* Fetched again: nothing new. */
  perp_feed_emit_funding_rate (PERP_FEED (feed), "BTCUSDT", first, rates[0]);
  g_assert_cmpuint (rec.n_problems, ==, 0);
  emit_closes (feed, candles, 0, n);

  config->signal_interval = PERP_INTERVAL_15M;
  config->score.htf_interval = perp_score_default_htf (PERP_INTERVAL_15M);
  reference = perp_analysis_new ("BTCUSDT", PERP_INTERVAL_15M, perp_candles_get_fields (candles),
                                 PERP_ANALYSIS_HTF_RESAMPLE, &config->structure, &config->score, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    g_assert_true (perp_analysis_push_funding (reference, first + r * 8 * 3600 * 1000, rates[r], &error));
  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;
      PerpScore score;

      perp_candles_get_candle (candles, i, &c);
      g_assert_true (perp_analysis_push_candle (reference, &c, &error));
      g_assert_true (perp_analysis_score (reference, &score, &error));
      g_assert_cmpfloat (g_array_index (rec.long_pct, double, i), ==, score.long_pct);
      if (i == n - 1)
        g_assert_cmpint (score.factors[PERP_FACTOR_FUNDING].state, !=, PERP_DATA_MISSING);
    }
  g_object_unref (engine);
  recorder_clear (&rec);
}

/* Messages about symbols nobody watches are ignored, unless watching all. */
static void
test_engine_watch_all (void)
{
  g_autoptr(PerpCandles) candles = load_fixture ("BTCUSDT_15m_2024-01-01_2days.csv");
  g_autoptr(PerpPushFeed) feed = perp_push_feed_new ();
  Recorder rec;
  PerpEngine *engine;
  PerpCandle c;

  recorder_init (&rec);
  engine = new_engine (PERP_INTERVAL_15M, &rec);
  perp_engine_add_feed (engine, PERP_FEED (feed));
  perp_candles_get_candle (candles, 0, &c);
  perp_feed_emit_candle_closed (PERP_FEED (feed), "ETHUSDT", PERP_INTERVAL_15M, &c);
  g_assert_null (perp_engine_get_analysis (engine, "ETHUSDT"));
  g_assert_cmpuint (g_strv_length ((char **) perp_engine_get_symbols (engine)), ==, 1);

  perp_engine_set_watch_all (engine, TRUE);
  perp_feed_emit_candle_closed (PERP_FEED (feed), "ETHUSDT", PERP_INTERVAL_15M, &c);
  g_assert_nonnull (perp_engine_get_analysis (engine, "ETHUSDT"));
  g_assert_cmpuint (g_strv_length ((char **) perp_engine_get_symbols (engine)), ==, 2);
  g_object_unref (engine);
  recorder_clear (&rec);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/aggregates-and-scores", test_engine_aggregates_and_scores);
  g_test_add_func ("/engine/drops-duplicate-closes", test_engine_drops_duplicate_closes);
  g_test_add_func ("/engine/threaded-history", test_engine_threaded_history);
  g_test_add_func ("/engine/book-gap-resyncs", test_engine_book_gap_resyncs);
  g_test_add_func ("/engine/watch-all", test_engine_watch_all);
  g_test_add_func ("/engine/reset", test_engine_reset);
  g_test_add_func ("/engine/funding-before-history", test_engine_funding_before_history);

  return g_test_run ();
}
