/* test-feed-faults.c: the live Binance feed against the fake server, one fault at a
 * time, asserting what the feed recovered
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-order-book.h"
#include "io/perp-binance-feed.h"
#include "io/perp-candle-csv.h"
#include "io/perp-tick-reader.h"
#include "perp-engine.h"
#include "perp-fake-binance.h"
#include "perp-test-support.h"

#define GUARD_S       60
#define CANDLES_CSV   "feed/FILUSDT_1m_2023-08-02_400.csv"
#define TICKS_GZ      "feed/ticks_usdm_BTCUSDT_3000.jsonl.gz"
#define KLINE_START   250   /* the candle forming when the feed starts */
#define BACKFILL      100
#define FORMING       2     /* the fake's forming updates per candle */

/* ------------------------------------------------------------------ the run */

typedef struct
{
  PerpFakeBinance *fake;
  PerpBinanceFeed *feed;
  const char      *symbol;
  guint            ticker_id;

  /* What the feed emitted. */
  GArray          *closed;        /* PerpCandle, candle-closed only, in order */
  GArray          *loaded;        /* PerpCandle, every candles-loaded block, in order */
  GHashTable      *series;        /* open time -> PerpCandle: loaded + closed, deduplicated */
  guint            n_closed_out_of_order;
  GArray          *states;        /* PerpFeedState */
  GPtrArray       *messages;      /* char *, "STATE: message" */
  GArray          *trades;        /* guint64 trade ids */
  guint            n_depth_snapshots;

  /* The book the engine would keep. */
  PerpOrderBook   *book;
  guint            n_gaps;
  gboolean         resync_on_gap;
  guint64          last_depth_u;

  /* The expected candles (the fixture, read by the core CSV reader). */
  PerpCandles     *fixture;

  /* Set before run_start () to poll open interest (0: never) or wait longer for REST. */
  guint            oi_poll_s;
  guint            request_timeout_s;
} Run;

static gboolean
ticker_cb (gpointer user_data)
{
  /* Wakes the loop so that WAIT_UNTIL re-checks its condition. */
  return G_SOURCE_CONTINUE;
}

#define WAIT_UNTIL(run, cond, what) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + GUARD_S * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("guard timeout after %d s waiting for %s; feed state %s; %s", GUARD_S, (what), \
                   perp_feed_state_to_string (perp_feed_get_state (PERP_FEED ((run)->feed))), \
                   run_describe (run)); \
        g_main_context_iteration (NULL, TRUE); \
      } \
  } G_STMT_END

static const char *
run_describe (Run *run)
{
  static char buf[512];

  g_snprintf (buf, sizeof buf, "%u closed, %u loaded, %u trades, %u states, last message: %s; "
              "fake: %u market / %u public connections, %u requests",
              run->closed->len, run->loaded->len, run->trades->len, run->states->len,
              run->messages->len > 0 ? (const char *) run->messages->pdata[run->messages->len - 1] : "-",
              perp_fake_binance_get_n_connections (run->fake, PERP_FAKE_ENDPOINT_MARKET),
              perp_fake_binance_get_n_connections (run->fake, PERP_FAKE_ENDPOINT_PUBLIC),
              perp_fake_binance_get_n_requests_total (run->fake));
  return buf;
}

static void
add_to_series (Run              *run,
               const PerpCandle *candle)
{
  gint64 *key = g_new (gint64, 1);

  *key = candle->open_time;
  g_hash_table_replace (run->series, key, g_memdup2 (candle, sizeof *candle));
}

static void
candle_closed_cb (PerpFeed         *feed,
                  const char       *symbol,
                  guint             interval,
                  const PerpCandle *candle,
                  Run              *run)
{
  g_assert_cmpstr (symbol, ==, run->symbol);
  g_assert_cmpuint (interval, ==, PERP_INTERVAL_1M);
  if (run->closed->len > 0
      && candle->open_time <= g_array_index (run->closed, PerpCandle, run->closed->len - 1).open_time)
    run->n_closed_out_of_order++;
  g_array_append_val (run->closed, *candle);
  add_to_series (run, candle);
}

static void
candles_loaded_cb (PerpFeed          *feed,
                   const char        *symbol,
                   guint              interval,
                   const PerpCandles *candles,
                   Run               *run)
{
  g_assert_cmpstr (symbol, ==, run->symbol);
  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      g_array_append_val (run->loaded, candle);
      add_to_series (run, &candle);
    }
}

static void
state_changed_cb (PerpFeed             *feed,
                  const PerpFeedStatus *status,
                  Run                  *run)
{
  g_array_append_val (run->states, status->state);
  g_ptr_array_add (run->messages, g_strdup_printf ("%s: %s", perp_feed_state_to_string (status->state),
                                                   status->message != NULL ? status->message : ""));
}

static void
trade_cb (PerpFeed        *feed,
          const char      *symbol,
          const PerpTrade *trade,
          Run             *run)
{
  g_array_append_val (run->trades, trade->id);
}

static void
depth_snapshot_cb (PerpFeed                *feed,
                   const char              *symbol,
                   const PerpDepthSnapshot *snapshot,
                   Run                     *run)
{
  g_autoptr(GError) error = NULL;

  run->n_depth_snapshots++;
  perp_order_book_apply_snapshot (run->book, snapshot, &error);
  g_assert_no_error (error);
}

static void
depth_cb (PerpFeed             *feed,
          const char           *symbol,
          const PerpDepthEvent *event,
          Run                  *run)
{
  g_autoptr(GError) error = NULL;
  PerpBookResult result = perp_order_book_apply_depth (run->book, event, &error);

  run->last_depth_u = event->final_update_id;
  if (result == PERP_BOOK_RESULT_GAP)
    {
      g_assert_true (g_error_matches (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_SEQUENCE)
                     || g_error_matches (error, PERP_ORDER_BOOK_ERROR, PERP_ORDER_BOOK_ERROR_STALE_SNAPSHOT));
      run->n_gaps++;
      if (run->resync_on_gap)
        perp_feed_resync (feed, symbol);
    }
  else
    g_assert_no_error (error);
}

static void
run_init (Run        *run,
          const char *symbol,
          gboolean    with_candles,
          gboolean    with_ticks)
{
  g_autoptr(GError) error = NULL;

  memset (run, 0, sizeof *run);
  run->symbol = symbol;
  run->fake = perp_fake_binance_new_empty (&error);
  g_assert_no_error (error);
  if (with_candles)
    {
      g_autofree char *path = perp_test_fixture_path (CANDLES_CSV);

      perp_fake_binance_load_candles (run->fake, symbol, PERP_INTERVAL_1M, path, &error);
      g_assert_no_error (error);
      perp_fake_binance_set_kline_start (run->fake, KLINE_START);
      run->fixture = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
    }
  if (with_ticks)
    {
      g_autofree char *path = perp_test_fixture_path (TICKS_GZ);

      perp_fake_binance_load_ticks (run->fake, path, &error);
      g_assert_no_error (error);
    }
  run->closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  run->loaded = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  run->series = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  run->states = g_array_new (FALSE, FALSE, sizeof (PerpFeedState));
  run->messages = g_ptr_array_new_with_free_func (g_free);
  run->trades = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  run->ticker_id = g_timeout_add (20, ticker_cb, NULL);
}

/* Short timeouts: keepalive 1 s, backoff 50-400 ms, requests 1 s. */
static void
run_start (Run *run)
{
  PerpBinanceParams params;
  const char *symbols[] = { run->symbol, NULL };
  const PerpInterval intervals[] = { PERP_INTERVAL_1M };

  perp_binance_params_init (&params);
  g_free (params.rest_url);
  g_free (params.ws_url_market);
  g_free (params.ws_url_public);
  params.rest_url = g_strdup (perp_fake_binance_get_rest_url (run->fake));
  params.ws_url_market = g_strdup (perp_fake_binance_get_ws_url_market (run->fake));
  params.ws_url_public = g_strdup (perp_fake_binance_get_ws_url_public (run->fake));
  params.weight_budget = 2400;
  params.request_timeout_s = run->request_timeout_s > 0 ? run->request_timeout_s : 1;
  params.keepalive_s = 1;
  params.backoff_initial_ms = 50;
  params.backoff_max_ms = 400;
  params.rotate_after_s = 0;
  params.backfill_candles = BACKFILL;
  params.oi_poll_s = run->oi_poll_s;
  params.depth_limit = 1000;

  run->feed = perp_binance_feed_new (&params, symbols, intervals, G_N_ELEMENTS (intervals));
  perp_binance_params_clear (&params);

  g_signal_connect (run->feed, "candle-closed", G_CALLBACK (candle_closed_cb), run);
  g_signal_connect (run->feed, "candles-loaded", G_CALLBACK (candles_loaded_cb), run);
  g_signal_connect (run->feed, "state-changed", G_CALLBACK (state_changed_cb), run);
  g_signal_connect (run->feed, "trade", G_CALLBACK (trade_cb), run);
  g_signal_connect (run->feed, "depth-snapshot", G_CALLBACK (depth_snapshot_cb), run);
  g_signal_connect (run->feed, "depth", G_CALLBACK (depth_cb), run);

  perp_feed_start (PERP_FEED (run->feed));
}

static void
run_clear (Run *run)
{
  if (run->feed != NULL)
    {
      perp_feed_stop (PERP_FEED (run->feed));
      g_signal_handlers_disconnect_by_data (run->feed, run);
      g_clear_object (&run->feed);
    }
  perp_fake_binance_set_pace (run->fake, 0, 0);
  /* Let the closes, cancellations and worker threads' results run out. */
  for (guint i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  g_clear_object (&run->fake);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_handle_id (&run->ticker_id, g_source_remove);
  g_clear_pointer (&run->closed, g_array_unref);
  g_clear_pointer (&run->loaded, g_array_unref);
  g_clear_pointer (&run->series, g_hash_table_unref);
  g_clear_pointer (&run->states, g_array_unref);
  g_clear_pointer (&run->messages, g_ptr_array_unref);
  g_clear_pointer (&run->trades, g_array_unref);
  g_clear_pointer (&run->book, perp_order_book_free);
  g_clear_pointer (&run->fixture, perp_candles_unref);
}

static gboolean
is_live (Run *run)
{
  return perp_feed_get_state (PERP_FEED (run->feed)) == PERP_FEED_STATE_LIVE;
}

static gint64
last_fixture_open (Run *run)
{
  return perp_candles_get_open_time (run->fixture)[perp_candles_get_length (run->fixture) - 1];
}

static gboolean
last_closed_is (Run    *run,
                gint64  open_time)
{
  return run->closed->len > 0
         && g_array_index (run->closed, PerpCandle, run->closed->len - 1).open_time == open_time;
}

static void
assert_candle_is_fixture (Run              *run,
                          const PerpCandle *candle,
                          const char       *signal)
{
  const gint64 *times = perp_candles_get_open_time (run->fixture);
  guint n = perp_candles_get_length (run->fixture);
  gint64 index = (candle->open_time - times[0]) / PERP_MS_PER_MINUTE;
  PerpCandle want;

  g_assert_cmpint (index, >=, 0);
  g_assert_cmpint (index, <, n);
  perp_candles_get_candle (run->fixture, (guint) index, &want);
  if (candle->volume != want.volume || candle->close != want.close || candle->high != want.high
      || candle->low != want.low || candle->trade_count != want.trade_count)
    g_test_message ("%s emitted candle %" G_GINT64_FORMAT " (fixture row %" G_GINT64_FORMAT
                    ") with volume %g, close %g, %" G_GINT64_FORMAT " trades; the real one has %g, %g, %"
                    G_GINT64_FORMAT " (a forming candle emitted as closed?)",
                    signal, candle->open_time, index, candle->volume, candle->close, candle->trade_count,
                    want.volume, want.close, want.trade_count);
  g_assert_cmpint (candle->open_time, ==, want.open_time);
  g_assert_cmpfloat (candle->open, ==, want.open);
  g_assert_cmpfloat (candle->high, ==, want.high);
  g_assert_cmpfloat (candle->low, ==, want.low);
  g_assert_cmpfloat (candle->close, ==, want.close);
  g_assert_cmpfloat (candle->volume, ==, want.volume);
  g_assert_cmpfloat (candle->quote_volume, ==, want.quote_volume);
  g_assert_cmpfloat (candle->taker_buy_volume, ==, want.taker_buy_volume);
  g_assert_cmpint (candle->trade_count, ==, want.trade_count);
}

/* The closed series the engine would hold (candles-loaded + candle-closed, one per
 * open time) is the fixture from the backfill's first candle to its last, every
 * candle-closed came in increasing order, and each candle is the real one. */
static void
assert_series_complete (Run *run)
{
  const gint64 *times = perp_candles_get_open_time (run->fixture);
  guint n = perp_candles_get_length (run->fixture);
  guint first = KLINE_START - BACKFILL;

  g_assert_cmpuint (run->n_closed_out_of_order, ==, 0);
  for (guint i = 0; i < run->closed->len; i++)
    assert_candle_is_fixture (run, &g_array_index (run->closed, PerpCandle, i), "candle-closed");
  for (guint i = 0; i < run->loaded->len; i++)
    assert_candle_is_fixture (run, &g_array_index (run->loaded, PerpCandle, i), "candles-loaded");
  for (guint i = first; i < n; i++)
    if (!g_hash_table_contains (run->series, &times[i]))
      g_error ("closed candle %u (open time %" G_GINT64_FORMAT ") was never emitted; %s",
               i, times[i], run_describe (run));
  g_assert_cmpuint (g_hash_table_size (run->series), ==, n - first);
}

static guint
count_state (Run           *run,
             PerpFeedState  state,
             const char    *message_part)
{
  guint n = 0;

  for (guint i = 0; i < run->states->len; i++)
    if (g_array_index (run->states, PerpFeedState, i) == state
        && (message_part == NULL || strstr (run->messages->pdata[i], message_part) != NULL))
      n++;
  return n;
}

/* Index of the first state-changed to @state (with @message_part) at or after @from. */
static gint
find_state (Run           *run,
            guint          from,
            PerpFeedState  state,
            const char    *message_part)
{
  for (guint i = from; i < run->states->len; i++)
    if (g_array_index (run->states, PerpFeedState, i) == state
        && (message_part == NULL || strstr (run->messages->pdata[i], message_part) != NULL))
      return (gint) i;
  return -1;
}

/* Waits for the candle stream's end. */
static void
run_candles_to_end (Run *run)
{
  gint64 last = last_fixture_open (run);

  WAIT_UNTIL (run, perp_fake_binance_is_exhausted (run->fake) && last_closed_is (run, last),
              "the last candle closed");
}

/* ------------------------------------------------------------------ candle tests */

static void
test_candles_baseline (void)
{
  Run run;

  gint64 minute = g_get_real_time () / G_USEC_PER_SEC / 60;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 2, 1);
  run_candles_to_end (&run);
  assert_series_complete (&run);
  /* The feed's weight account is the server's X-MBX-USED-WEIGHT-1M (unless the
   * wall-clock minute, Binance's window, turned meanwhile). */
  if (g_get_real_time () / G_USEC_PER_SEC / 60 == minute)
    g_assert_cmpuint (perp_binance_feed_get_used_weight (run.feed), ==,
                      perp_fake_binance_get_used_weight (run.fake));
  g_assert_cmpuint (perp_fake_binance_get_used_weight (run.fake), >, 0);
  /* The backfill delivered the history before the stream's closes. */
  g_assert_cmpuint (run.loaded->len, >=, BACKFILL);
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_FAILED, NULL), ==, 0);
  run_clear (&run);
}

static void
test_candles_drop (gconstpointer data)
{
  gboolean abrupt = GPOINTER_TO_INT (data);
  Run run;
  guint n_market, from;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  perp_fake_binance_set_drop_abrupt (run.fake, abrupt);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 5, 1);
  WAIT_UNTIL (&run, run.closed->len >= 10, "10 closed candles");

  n_market = perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET);
  from = run.states->len;
  perp_fake_binance_drop_after (run.fake, PERP_FAKE_ENDPOINT_MARKET, 2);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET) > n_market,
              "the market stream reconnected");
  run_candles_to_end (&run);

  assert_series_complete (&run);
  g_assert_cmpint (find_state (&run, from, PERP_FEED_STATE_RECONNECTING, "/market"), >=, 0);
  g_assert_cmpint (find_state (&run, find_state (&run, from, PERP_FEED_STATE_RECONNECTING, "/market"),
                               PERP_FEED_STATE_LIVE, NULL), >=, 0);
  /* Candles closed while the stream was away came back through REST. */
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/klines"), >=, 2);
  run_clear (&run);
}

#define MARK_PRICE_MESSAGE \
  "{\"stream\":\"filusdt@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":%" G_GINT64_FORMAT \
  ",\"s\":\"FILUSDT\",\"p\":\"4.2\",\"i\":\"4.2\",\"P\":\"4.2\",\"r\":\"0.0001\",\"T\":%" G_GINT64_FORMAT "}}"

static void
funding_cb (PerpFeed   *feed,
            const char *symbol,
            gint64      time,
            double      rate,
            guint      *n_rows)
{
  (*n_rows)++;
}

/* A settlement seen on the mark price stream (its next funding time moves on) makes the
 * feed fetch the settled rates over REST; repeats of the same next time do not. */
static void
test_funding_settlement (void)
{
  Run run;
  guint n_rows = 0, before, rows_before;
  gint64 now;
  char text[512];

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  g_signal_connect (run.feed, "funding-rate", G_CALLBACK (funding_cb), &n_rows);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  now = perp_fake_binance_get_kline_now (run.fake, "FILUSDT");
  before = perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate");

  g_snprintf (text, sizeof text, MARK_PRICE_MESSAGE, now, now + 3600 * 1000);
  perp_fake_binance_send_text (run.fake, PERP_FAKE_ENDPOINT_MARKET, text);
  g_snprintf (text, sizeof text, MARK_PRICE_MESSAGE, now + 1000, now + 3600 * 1000);
  perp_fake_binance_send_text (run.fake, PERP_FAKE_ENDPOINT_MARKET, text);
  rows_before = n_rows;
  /* Settled: the next time moves eight hours on. */
  g_snprintf (text, sizeof text, MARK_PRICE_MESSAGE, now + 3601 * 1000, now + 9 * 3600 * 1000);
  perp_fake_binance_send_text (run.fake, PERP_FAKE_ENDPOINT_MARKET, text);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate") == before + 1,
              "the settled rates fetched");
  /* And only once. */
  g_snprintf (text, sizeof text, MARK_PRICE_MESSAGE, now + 3602 * 1000, now + 9 * 3600 * 1000);
  perp_fake_binance_send_text (run.fake, PERP_FAKE_ENDPOINT_MARKET, text);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate"), ==, before + 1);
  g_test_message ("funding rows emitted: %u before the settlement, %u after", rows_before, n_rows);
  g_signal_handlers_disconnect_by_data (run.feed, &n_rows);
  run_clear (&run);
}

static void
count_score_cb (PerpEngine             *engine,
                const PerpEngineUpdate *update,
                guint                  *n_scores)
{
  (*n_scores)++;
}

/* The engine behind the feed: after a dropped market stream it holds every closed
 * candle of the recording, once and in order, exactly as recorded, with the 5m
 * timeframe built from them, and it kept scoring. */
static void
test_engine_drop_recovers (void)
{
  g_autoptr(PerpConfig) config = perp_config_new_default ();
  g_autoptr(PerpEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  Run run;
  guint n_market, n_scores = 0, n_scores_before;
  const PerpCandles *held;
  guint first = KLINE_START - BACKFILL;

  config->signal_interval = PERP_INTERVAL_1M;
  config->htf_interval = PERP_INTERVAL_15M;
  config->score.htf_interval = PERP_INTERVAL_15M;
  g_strfreev (config->symbols);
  config->symbols = g_strsplit ("FILUSDT", ",", -1);
  engine = perp_engine_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (engine, "score-changed", G_CALLBACK (count_score_cb), &n_scores);

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  perp_engine_add_feed (engine, PERP_FEED (run.feed));
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 5, 1);
  WAIT_UNTIL (&run, run.closed->len >= 10, "10 closed candles");

  n_market = perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET);
  n_scores_before = n_scores;
  perp_fake_binance_drop_after (run.fake, PERP_FAKE_ENDPOINT_MARKET, 2);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET) > n_market,
              "the market stream reconnected");
  run_candles_to_end (&run);
  /* Bulk history is built off the main loop: let it land. */
  WAIT_UNTIL (&run, perp_engine_get_analysis (engine, "FILUSDT") != NULL
                    && perp_candles_get_length (perp_analysis_get_candles (perp_engine_get_analysis (engine, "FILUSDT")))
                       == perp_candles_get_length (run.fixture) - first,
              "the engine holding every closed candle");

  held = perp_analysis_get_candles (perp_engine_get_analysis (engine, "FILUSDT"));
  for (guint i = 0; i < perp_candles_get_length (held); i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (held, i, &candle);
      g_assert_cmpint (candle.open_time, ==, perp_candles_get_open_time (run.fixture)[first + i]);
      assert_candle_is_fixture (&run, &candle, "the engine");
    }
  /* 5m candles built from the 1m ones: each complete bucket equals the sum of its five. */
  {
    PerpAnalysis *five = perp_engine_get_chart_analysis (engine, "FILUSDT", PERP_INTERVAL_5M);
    const PerpCandles *c5;

    g_assert_nonnull (five);
    c5 = perp_analysis_get_candles (five);
    g_assert_cmpuint (perp_candles_get_length (c5), >, 10);
    for (guint i = 0; i < perp_candles_get_length (c5); i++)
      {
        PerpCandle agg;
        guint j = perp_candles_lower_bound (held, perp_candles_get_open_time (c5)[i]);
        double volume = 0.0;

        perp_candles_get_candle (c5, i, &agg);
        if (j + 5 > perp_candles_get_length (held) || perp_candles_get_open_time (held)[j] != agg.open_time)
          continue;  /* the first bucket may start before the history */
        for (guint k = 0; k < 5; k++)
          volume += perp_candles_get_volume (held)[j + k];
        g_assert_cmpfloat (agg.open, ==, perp_candles_get_open (held)[j]);
        g_assert_cmpfloat (agg.close, ==, perp_candles_get_close (held)[j + 4]);
        g_assert_cmpfloat_with_epsilon (agg.volume, volume, 1e-6 * MAX (1.0, volume));
      }
  }
  g_assert_cmpuint (n_scores, >, n_scores_before);
  g_signal_handlers_disconnect_by_data (engine, &n_scores);
  run_clear (&run);
}

/* A refill answer that was made before the stream moved on: its last row was forming
 * when Binance wrote it, whatever time it is when it arrives. */
static void
test_candles_stale_refill (void)
{
  Run run;
  guint n_market;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 5, 1);
  WAIT_UNTIL (&run, run.closed->len >= 10, "10 closed candles");

  n_market = perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET);
  perp_fake_binance_hold_responses (run.fake, "/fapi/v1/klines", 300, 1);
  perp_fake_binance_drop_after (run.fake, PERP_FAKE_ENDPOINT_MARKET, 1);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET) > n_market,
              "the market stream reconnected");
  run_candles_to_end (&run);
  assert_series_complete (&run);
  run_clear (&run);
}

static void
test_candles_stall (void)
{
  Run run;
  guint n_market, from;
  gint reconnecting;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 5, 1);
  WAIT_UNTIL (&run, run.closed->len >= 10, "10 closed candles");

  n_market = perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET);
  from = run.states->len;
  perp_fake_binance_stall (run.fake, PERP_FAKE_ENDPOINT_MARKET);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET) > n_market,
              "the watchdog reconnected the stalled market stream");
  run_candles_to_end (&run);

  reconnecting = find_state (&run, from, PERP_FEED_STATE_RECONNECTING, "/market");
  if (reconnecting < 0)
    g_error ("no RECONNECTING naming the market stream after the stall; %s", run_describe (&run));
  g_assert_nonnull (strstr (run.messages->pdata[reconnecting], "keepalive"));
  g_assert_cmpint (find_state (&run, reconnecting, PERP_FEED_STATE_LIVE, NULL), >, reconnecting);
  assert_series_complete (&run);
  run_clear (&run);
}

static void
test_candles_duplicate_out_of_order (void)
{
  Run run;
  guint per = FORMING + 1;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  /* Stepped by hand so that each fault lands on a known close. */
  perp_fake_binance_advance (run.fake, 5 * per);
  WAIT_UNTIL (&run, run.closed->len >= 5, "5 closed candles");
  perp_fake_binance_kline_fault (run.fake, PERP_FAKE_KLINE_DUPLICATE_CLOSE);
  perp_fake_binance_advance (run.fake, 3 * per);
  perp_fake_binance_kline_fault (run.fake, PERP_FAKE_KLINE_REPEAT_OLD_CLOSE);
  perp_fake_binance_advance (run.fake, 3 * per);
  perp_fake_binance_kline_fault (run.fake, PERP_FAKE_KLINE_SWAP_CLOSES);
  perp_fake_binance_advance (run.fake, 3 * per);
  perp_fake_binance_kline_fault (run.fake, PERP_FAKE_KLINE_DUPLICATE_CLOSE);
  perp_fake_binance_kline_fault (run.fake, PERP_FAKE_KLINE_SWAP_CLOSES);
  perp_fake_binance_set_pace (run.fake, 2, 1);
  run_candles_to_end (&run);

  /* Each open time closed once, in order, and nothing lost. */
  for (guint i = 1; i < run.closed->len; i++)
    g_assert_cmpint (g_array_index (run.closed, PerpCandle, i).open_time, >,
                     g_array_index (run.closed, PerpCandle, i - 1).open_time);
  assert_series_complete (&run);
  run_clear (&run);
}

/* ------------------------------------------------------------------ tick tests */

/* Trade ids of the MARKET trades in capture lines [from, end), read independently. */
static GArray *
capture_trade_ids (guint from)
{
  g_autofree char *path = perp_test_fixture_path (TICKS_GZ);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTickReader) reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, &error);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  const char *text;
  gsize length;
  guint line = 0;

  g_assert_no_error (error);
  while ((text = perp_tick_reader_next_line (reader, &length, &error)) != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (text, &error);
      JsonObject *obj;
      JsonObject *data;

      g_assert_no_error (error);
      obj = json_node_get_object (node);
      if (g_str_equal (json_object_get_string_member (obj, "stream"), "rest_depth_snapshot"))
        continue;
      data = json_object_get_object_member (obj, "data");
      if (line++ < from)
        continue;
      if (g_str_has_suffix (json_object_get_string_member (obj, "stream"), "@trade")
          && g_strcmp0 (json_object_get_string_member (data, "X"), "MARKET") == 0)
        {
          guint64 id = (guint64) json_object_get_int_member (data, "t");

          g_array_append_val (ids, id);
        }
    }
  g_assert_no_error (error);
  return ids;
}

static void
test_malformed_frames (void)
{
  Run run;
  g_autoptr(GArray) want = NULL;
  guint from, first;

  run_init (&run, "BTCUSDT", FALSE, TRUE);
  run_start (&run);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");

  from = perp_fake_binance_get_tick_position (run.fake);
  want = capture_trade_ids (from);
  g_assert_cmpuint (want->len, >, 100);
  first = run.trades->len;
  perp_fake_binance_inject_frame (run.fake, PERP_FAKE_ENDPOINT_MARKET, PERP_FAKE_FRAME_MALFORMED);
  perp_fake_binance_inject_frame (run.fake, PERP_FAKE_ENDPOINT_MARKET, PERP_FAKE_FRAME_TRUNCATED);
  perp_fake_binance_inject_frame (run.fake, PERP_FAKE_ENDPOINT_MARKET, PERP_FAKE_FRAME_NOT_OBJECT);
  perp_fake_binance_inject_frame (run.fake, PERP_FAKE_ENDPOINT_PUBLIC, PERP_FAKE_FRAME_TRUNCATED);
  perp_fake_binance_inject_frame (run.fake, PERP_FAKE_ENDPOINT_PUBLIC, PERP_FAKE_FRAME_MALFORMED);
  perp_fake_binance_set_pace (run.fake, 1, 10);
  WAIT_UNTIL (&run, perp_fake_binance_is_exhausted (run.fake) && run.trades->len - first >= want->len,
              "every trade after the bad frames");

  /* Every trade sent after the bad frames arrived, in order, none twice. */
  g_assert_cmpuint (run.trades->len - first, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpuint (g_array_index (run.trades, guint64, first + i), ==, g_array_index (want, guint64, i));
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_FAILED, NULL), ==, 0);
  g_test_message ("market connections: %u (1 = the bad frames did not cost a reconnect)",
                  perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET));
  run_clear (&run);
}

/* The book from the recorded snapshot and every recorded depth event. */
static PerpOrderBook *
reference_book (guint64 *last_u)
{
  g_autofree char *path = perp_test_fixture_path (TICKS_GZ);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTickReader) reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, &error);
  PerpOrderBook *book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  PerpTickEvent event;

  g_assert_no_error (error);
  while (perp_tick_reader_next (reader, &event, &error))
    {
      if (event.kind == PERP_TICK_SNAPSHOT)
        perp_order_book_apply_snapshot (book, &event.snapshot, &error);
      else if (event.kind == PERP_TICK_DEPTH)
        {
          perp_order_book_apply_depth (book, &event.depth, &error);
          *last_u = event.depth.final_update_id;
        }
      g_assert_no_error (error);
    }
  g_assert_no_error (error);
  g_assert_cmpint (perp_order_book_get_state (book), ==, PERP_BOOK_STATE_LIVE);
  return book;
}

/* A BTCUSDT run with ticks whose book is live and in sync, resyncing on gaps. */
static void
start_synced (Run *run)
{
  run_init (run, "BTCUSDT", FALSE, TRUE);
  run->resync_on_gap = TRUE;
  run_start (run);
  WAIT_UNTIL (run, is_live (run) && run->n_depth_snapshots > 0, "LIVE with a depth snapshot");
  perp_fake_binance_set_pace (run->fake, 1, 10);
  WAIT_UNTIL (run, perp_order_book_get_state (run->book) == PERP_BOOK_STATE_LIVE, "the book in sync");
}

/* The best @n levels a side of @book are @reference's. */
static void
assert_same_levels (const PerpOrderBook *book,
                    const PerpOrderBook *reference,
                    guint                n)
{
  for (PerpBookSide side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    for (guint i = 0; i < n; i++)
      {
        PerpPriceLevel got, want;

        g_assert_true (perp_order_book_get_level (book, side, i, &got));
        g_assert_true (perp_order_book_get_level (reference, side, i, &want));
        g_assert_cmpint (got.price_key, ==, want.price_key);
        g_assert_cmpfloat (got.qty, ==, want.qty);
      }
}

static void
test_depth_gap (void)
{
  Run run;
  g_autoptr(PerpOrderBook) reference = NULL;
  guint64 last_u = 0;
  guint n_depth_requests;

  reference = reference_book (&last_u);
  start_synced (&run);

  n_depth_requests = perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/depth");
  perp_fake_binance_skip_depth_events (run.fake, 1);
  WAIT_UNTIL (&run, run.n_gaps > 0, "the book to see the gap");
  WAIT_UNTIL (&run, perp_fake_binance_is_exhausted (run.fake) && run.last_depth_u == last_u
                    && perp_order_book_get_state (run.book) == PERP_BOOK_STATE_LIVE,
              "the book in sync again at the end of the capture");

  g_assert_cmpuint (run.n_gaps, ==, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/depth"), >, n_depth_requests);
  g_assert_cmpuint (run.n_depth_snapshots, >=, 2);
  g_assert_cmpuint (perp_order_book_get_update_id (run.book), ==, last_u);
  g_assert_cmpint (perp_order_book_check (run.book, 0, 0) & ~PERP_BOOK_HEALTH_STALE, ==, PERP_BOOK_HEALTH_OK);
  /* The resynced book is the exchange's book: the best 500 levels a side. */
  assert_same_levels (run.book, reference, 500);
  run_clear (&run);
}

/* ------------------------------------------------------------------ REST faults */

static void
test_rest_429 (void)
{
  Run run;
  gint64 t0;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  perp_fake_binance_fail_requests (run.fake, "/fapi/v1/klines", 429, 1, 1);
  t0 = g_get_monotonic_time ();
  run_start (&run);
  WAIT_UNTIL (&run, run.loaded->len >= BACKFILL, "the backfill after the 429");
  /* Retried once Retry-After (1 s) had passed, and then it succeeded. */
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, G_USEC_PER_SEC);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/klines"), ==, 2);
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_FAILED, NULL), ==, 0);
  WAIT_UNTIL (&run, is_live (&run), "LIVE");
  perp_fake_binance_set_pace (run.fake, 2, 1);
  run_candles_to_end (&run);
  assert_series_complete (&run);
  run_clear (&run);
}

static gint
find_message (Run        *run,
              const char *part)
{
  for (guint i = 0; i < run->messages->len; i++)
    if (strstr (run->messages->pdata[i], part) != NULL)
      return (gint) i;
  return -1;
}

static gboolean
is_failed (Run *run)
{
  return perp_feed_get_state (PERP_FEED (run->feed)) == PERP_FEED_STATE_FAILED;
}

static void
test_rest_418 (void)
{
  Run run;
  g_autofree char *reason = NULL;
  guint n_requests;
  gint failed;
  gint64 until;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  perp_fake_binance_fail_requests (run.fake, "/fapi/v1/klines", 418, 1000, 120);
  run_start (&run);
  WAIT_UNTIL (&run, is_failed (&run), "FAILED after HTTP 418");

  failed = find_state (&run, 0, PERP_FEED_STATE_FAILED, NULL);
  g_assert_cmpint (failed, >=, 0);
  g_assert_nonnull (strstr (run.messages->pdata[failed], "418"));
  g_object_get (run.feed, "failed-reason", &reason, NULL);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "418"));

  /* Stopped for good.  The start-up requests sent together with the banned one may
   * still arrive (they were on the wire before the 418); beyond those, nothing: no
   * retry, no depth snapshot, no open-interest poll, no WebSocket, for 1.5 s. */
  perp_fake_binance_set_pace (run.fake, 5, 1);
  until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC / 2;
  WAIT_UNTIL (&run, g_get_monotonic_time () > until, "1.5 s");
  n_requests = perp_fake_binance_get_n_requests_total (run.fake);
  g_test_message ("requests: exchangeInfo %u, klines %u, fundingRate %u, premiumIndex %u; %u in all",
                  perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/exchangeInfo"),
                  perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/klines"),
                  perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate"),
                  perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/premiumIndex"), n_requests);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/exchangeInfo"), ==, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/klines"), ==, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate"), <=, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/premiumIndex"), <=, 1);
  g_assert_cmpuint (n_requests, ==,
                    2 + perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/fundingRate")
                    + perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/premiumIndex"));
  g_assert_cmpuint (perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_MARKET)
                    + perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_PUBLIC), ==, 0);
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (run.feed)), ==, PERP_FEED_STATE_FAILED);
  run_clear (&run);
}

static void
test_rest_slow (void)
{
  Run run;
  gint timeout;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  /* The backfill answers after 2.5 s; the feed gives up after 1 s. */
  perp_fake_binance_delay_requests (run.fake, "/fapi/v1/klines", 2500, 1);
  run_start (&run);
  WAIT_UNTIL (&run, find_message (&run, "timeout") >= 0 || run.loaded->len > 0,
              "the slow backfill to time out (or be retried)");
  timeout = -1;
  for (guint i = 0; i < run.messages->len && timeout < 0; i++)
    if (strstr (run.messages->pdata[i], "timeout") != NULL && strstr (run.messages->pdata[i], "klines") != NULL)
      timeout = (gint) i;
  g_test_message ("timeout report: %s", timeout >= 0 ? (const char *) run.messages->pdata[timeout] : "(none)");

  /* Nothing hangs: the feed goes live and the stream's candles keep coming. */
  WAIT_UNTIL (&run, is_live (&run), "LIVE after the timeout");
  perp_fake_binance_set_pace (run.fake, 2, 1);
  run_candles_to_end (&run);
  g_assert_cmpint (timeout, >=, 0);
  g_assert_cmpuint (run.n_closed_out_of_order, ==, 0);
  for (guint i = 0; i < run.closed->len; i++)
    assert_candle_is_fixture (&run, &g_array_index (run.closed, PerpCandle, i), "candle-closed");
  g_assert_cmpuint (run.closed->len, >=, perp_candles_get_length (run.fixture) - KLINE_START - 1);
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_FAILED, NULL), ==, 0);
  run_clear (&run);
}

/* The snapshot a resync asks for fails (HTTP 500): the feed asks again after its
 * backoff, on the same connection, and says it is resyncing meanwhile. */
static void
test_depth_snapshot_fails (void)
{
  Run run;
  guint64 last_u = 0;
  guint n_depth_requests;
  guint n_public;
  g_autoptr(PerpOrderBook) reference = reference_book (&last_u);

  start_synced (&run);

  n_depth_requests = perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/depth");
  n_public = perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_PUBLIC);
  perp_fake_binance_fail_requests (run.fake, "/fapi/v1/depth", 500, 1, 0);
  perp_fake_binance_skip_depth_events (run.fake, 1);
  WAIT_UNTIL (&run, run.n_gaps > 0, "the book to see the gap");
  WAIT_UNTIL (&run, perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/depth") >= n_depth_requests + 2
                    && perp_order_book_get_state (run.book) == PERP_BOOK_STATE_LIVE,
              "the book in sync again after the failed snapshot");

  g_assert_cmpuint (perp_fake_binance_get_n_connections (run.fake, PERP_FAKE_ENDPOINT_PUBLIC), ==, n_public);
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_RESYNCING, NULL), >=, 1);
  g_assert_cmpuint (count_state (&run, PERP_FEED_STATE_FAILED, NULL), ==, 0);
  g_assert_cmpint (find_message (&run, "500"), >=, 0);
  WAIT_UNTIL (&run, perp_fake_binance_is_exhausted (run.fake) && run.last_depth_u == last_u
                    && perp_order_book_get_state (run.book) == PERP_BOOK_STATE_LIVE,
              "the book in sync at the end of the capture");
  g_assert_cmpuint (perp_order_book_get_update_id (run.book), ==, last_u);
  /* The resynced book is the exchange's book. */
  assert_same_levels (run.book, reference, 500);
  run_clear (&run);
}

/* Open interest polled every second while Binance takes 3 s to answer: one poll at a
 * time per symbol, not a queue growing by one a second. */
static void
test_oi_poll_waits (void)
{
  Run run;
  gint64 t0;

  run_init (&run, "FILUSDT", TRUE, FALSE);
  run.oi_poll_s = 1;
  run.request_timeout_s = 10;
  perp_fake_binance_delay_requests (run.fake, "/fapi/v1/openInterest", 3000, 100);
  run_start (&run);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/openInterest") >= 1,
              "the first open-interest poll");
  t0 = g_get_monotonic_time ();
  WAIT_UNTIL (&run, g_get_monotonic_time () - t0 > 2500 * 1000, "2.5 s of polls");
  g_assert_cmpuint (perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/openInterest"), ==, 1);
  WAIT_UNTIL (&run, perp_fake_binance_get_n_requests (run.fake, "/fapi/v1/openInterest") >= 2,
              "the next poll once the first was answered");
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/feed-faults/candles/baseline", test_candles_baseline);
  g_test_add_data_func ("/io/feed-faults/candles/drop", GINT_TO_POINTER (FALSE), test_candles_drop);
  g_test_add_data_func ("/io/feed-faults/candles/drop-abrupt", GINT_TO_POINTER (TRUE), test_candles_drop);
  g_test_add_func ("/io/feed-faults/candles/stale-refill", test_candles_stale_refill);
  g_test_add_func ("/io/feed-faults/engine/drop-recovers", test_engine_drop_recovers);
  g_test_add_func ("/io/feed-faults/funding/settlement-refetch", test_funding_settlement);
  g_test_add_func ("/io/feed-faults/candles/stall", test_candles_stall);
  g_test_add_func ("/io/feed-faults/candles/duplicate-out-of-order", test_candles_duplicate_out_of_order);
  g_test_add_func ("/io/feed-faults/ws/malformed-frames", test_malformed_frames);
  g_test_add_func ("/io/feed-faults/depth/gap-resync", test_depth_gap);
  g_test_add_func ("/io/feed-faults/depth/snapshot-fails", test_depth_snapshot_fails);
  g_test_add_func ("/io/feed-faults/rest/oi-poll-waits", test_oi_poll_waits);
  g_test_add_func ("/io/feed-faults/rest/429", test_rest_429);
  g_test_add_func ("/io/feed-faults/rest/418", test_rest_418);
  g_test_add_func ("/io/feed-faults/rest/slow", test_rest_slow);

  return g_test_run ();
}
