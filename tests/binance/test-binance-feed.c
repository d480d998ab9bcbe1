/* test-binance-feed.c: the live feed against a small loopback Binance (REST and
 * combined-stream WebSockets on one SoupServer)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "../perp-test-support.h"
#include "perp-binance-feed.h"
#include "perp-binance-ws-private.h"

/* 2022-02-19 01:20:00 UTC, a minute boundary; the fake exchange's clock starts 30 s in. */
#define MINUTE0   G_GINT64_CONSTANT (1645233600000)
#define MIN_MS    PERP_MS_PER_MINUTE
#define BACKFILL  5

typedef struct
{
  gint64 open_time;
  double close;
} Seen;

typedef struct
{
  SoupServer      *server;
  char            *http;
  char            *ws;
  gint64           now_ms;        /* the fake exchange's clock */
  GPtrArray       *server_conns;  /* SoupWebsocketConnection *, kept open */
  SoupWebsocketConnection *kline_conn;
  guint            n_market_connects;
  guint            n_public_connects;
  GPtrArray       *market_queries;
  guint            n_depth_requests;
  guint            n_klines_requests;

  PerpBinanceFeed *feed;
  GMainLoop       *loop;
  guint            guard_id;
  int              phase;

  GArray          *loaded_blocks;  /* guint: length of each candles-loaded block */
  GArray          *loaded;         /* Seen: every loaded candle, in order */
  GArray          *updated;        /* Seen */
  GArray          *closed;         /* Seen */
  GString         *order;          /* 'L' loaded, 'U' updated, 'C' closed */
  GArray          *states;         /* PerpFeedState */
  guint            max_attempt;
  guint            n_trades;
  guint            n_marks;
  guint            n_liquidations;
  PerpLiqPrint     liquidation;
  guint            n_snapshots;
  guint64          snapshot_id;
  guint            n_funding;
  guint            n_oi;
  double           oi;
  guint            n_raw_rest_klines;
  guint            n_raw_kline;
  gint64           last_clock;
  gboolean         clock_backwards;
} Fixture;

/* ------------------------------------------------------------------ the fake exchange */

static double
close_of (gint64 open_time)
{
  return 100.0 + (double) ((open_time - MINUTE0) / MIN_MS) * 0.5;
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static gint64
query_int (GHashTable *query,
           const char *name,
           gint64      fallback)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : fallback;
}

static void
http_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  Fixture *fx = data;
  g_autofree char *body = NULL;

  if (strcmp (path, "/fapi/v1/exchangeInfo") == 0)
    {
      body = g_strdup_printf (
        "{\"timezone\":\"UTC\",\"serverTime\":%" G_GINT64_FORMAT ",\"rateLimits\":[],\"assets\":[],"
        "\"symbols\":[{\"symbol\":\"BTCUSDT\",\"pair\":\"BTCUSDT\",\"contractType\":\"PERPETUAL\","
        "\"status\":\"TRADING\",\"quoteAsset\":\"USDT\",\"pricePrecision\":2,\"quantityPrecision\":3,"
        "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.10\",\"maxPrice\":\"1000000\",\"tickSize\":\"0.10\"},"
        "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"maxQty\":\"1000\",\"stepSize\":\"0.001\"},"
        "{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.001\",\"maxQty\":\"120\",\"stepSize\":\"0.001\"},"
        "{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"100\"}]}]}", fx->now_ms);
    }
  else if (strcmp (path, "/fapi/v1/klines") == 0)
    {
      /* Consecutive 1m rows from startTime up to the one forming at now. */
      GString *rows = g_string_new ("[");
      gint64 start = query_int (query, "startTime", MINUTE0);
      gint64 limit = query_int (query, "limit", 500);
      gint64 bucket = perp_interval_bucket_start (PERP_INTERVAL_1M, fx->now_ms);
      gint64 t = perp_interval_bucket_start (PERP_INTERVAL_1M, start + MIN_MS - 1);
      gint64 n = 0;

      fx->n_klines_requests++;
      g_assert_cmpstr (g_hash_table_lookup (query, "interval"), ==, "1m");
      for (; t <= bucket && n < limit; t += MIN_MS, n++)
        {
          char c[G_ASCII_DTOSTR_BUF_SIZE];

          g_ascii_dtostr (c, sizeof c, close_of (t));
          g_string_append_printf (rows, "%s[%" G_GINT64_FORMAT ",\"%s\",\"%s\",\"%s\",\"%s\",\"10\",%" G_GINT64_FORMAT
                                  ",\"1000\",7,\"4\",\"400\",\"0\"]", n > 0 ? "," : "", t, c, c, c, c, t + MIN_MS - 1);
        }
      g_string_append_c (rows, ']');
      body = g_string_free (rows, FALSE);
    }
  else if (strcmp (path, "/fapi/v1/fundingRate") == 0)
    {
      body = g_strdup ("[{\"symbol\":\"BTCUSDT\",\"fundingRate\":\"-0.00010000\",\"fundingTime\":1645200000000},"
                       "{\"symbol\":\"BTCUSDT\",\"fundingRate\":\"0.00020000\",\"fundingTime\":1645228800000}]");
    }
  else if (strcmp (path, "/fapi/v1/premiumIndex") == 0)
    {
      body = g_strdup_printf ("{\"symbol\":\"BTCUSDT\",\"markPrice\":\"100.1\",\"indexPrice\":\"100.0\","
                              "\"estimatedSettlePrice\":\"100\",\"lastFundingRate\":\"0.0001\","
                              "\"nextFundingTime\":1645257600000,\"interestRate\":\"0.0001\",\"time\":%" G_GINT64_FORMAT "}",
                              fx->now_ms);
    }
  else if (strcmp (path, "/fapi/v1/openInterest") == 0)
    {
      body = g_strdup_printf ("{\"openInterest\":\"12345.678\",\"symbol\":\"BTCUSDT\",\"time\":%" G_GINT64_FORMAT "}",
                              fx->now_ms);
    }
  else if (strcmp (path, "/fapi/v1/ticker/24hr") == 0)
    {
      body = g_strdup ("{\"symbol\":\"BTCUSDT\",\"priceChange\":\"-2.5\",\"priceChangePercent\":\"-2.439\","
                       "\"weightedAvgPrice\":\"101\",\"lastPrice\":\"100\",\"lastQty\":\"1\",\"openPrice\":\"102.5\","
                       "\"highPrice\":\"104\",\"lowPrice\":\"99\",\"volume\":\"5000\",\"quoteVolume\":\"505000\","
                       "\"openTime\":1645147200000,\"closeTime\":1645233599999,\"firstId\":1,\"lastId\":77,\"count\":77}");
    }
  else if (strcmp (path, "/fapi/v1/depth") == 0)
    {
      fx->n_depth_requests++;
      body = g_strdup_printf ("{\"lastUpdateId\":%u,\"E\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT ","
                              "\"bids\":[[\"100.0\",\"1.5\"],[\"99.9\",\"2\"]],\"asks\":[[\"100.1\",\"3\"]]}",
                              1000 + fx->n_depth_requests, fx->now_ms, fx->now_ms);
    }

  if (body != NULL)
    respond (msg, 200, body);
  else
    respond (msg, 404, "{\"code\":-1,\"msg\":\"no such endpoint in the test server\"}");
}

static void
send_kline (SoupWebsocketConnection *conn,
            gint64                   event_time,
            gint64                   open_time,
            double                   close,
            gboolean                 closed)
{
  g_autofree char *text = NULL;
  char c[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (c, sizeof c, close);
  text = g_strdup_printf ("{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":%" G_GINT64_FORMAT
                          ",\"s\":\"BTCUSDT\",\"k\":{\"t\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT
                          ",\"s\":\"BTCUSDT\",\"i\":\"1m\",\"f\":1,\"L\":2,\"o\":\"%s\",\"c\":\"%s\",\"h\":\"%s\","
                          "\"l\":\"%s\",\"v\":\"10\",\"n\":7,\"x\":%s,\"q\":\"1000\",\"V\":\"4\",\"Q\":\"400\",\"B\":\"0\"}}}",
                          event_time, open_time, open_time + MIN_MS - 1, c, c, c, c, closed ? "true" : "false");
  soup_websocket_connection_send_text (conn, text);
}

static void
market_ws_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 data)
{
  Fixture *fx = data;
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  gint64 now = fx->now_ms;

  fx->n_market_connects++;
  g_ptr_array_add (fx->market_queries, g_strdup (query));
  g_ptr_array_add (fx->server_conns, g_object_ref (conn));

  if (strstr (query, "btcusdt@kline_1m") != NULL)
    {
      fx->kline_conn = conn;
      if (fx->n_market_connects > 2)
        return;  /* the reconnect in phase 2: the refill is what is tested */

      /* Forming twice, closed, the same closed again, an older one: updated twice,
       * closed once, two drops. */
      send_kline (conn, now + 1, MINUTE0, 100.25, FALSE);
      send_kline (conn, now + 2, MINUTE0, 100.4, FALSE);
      send_kline (conn, now + 3, MINUTE0, close_of (MINUTE0), TRUE);
      send_kline (conn, now + 4, MINUTE0, close_of (MINUTE0), TRUE);
      send_kline (conn, now + 5, MINUTE0 - MIN_MS, close_of (MINUTE0 - MIN_MS), TRUE);
      /* Malformed, truncated, then the connection must still deliver. */
      soup_websocket_connection_send_text (conn, "{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\"}}");
      soup_websocket_connection_send_text (conn, "{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTr");
      send_kline (conn, now + 6, MINUTE0 + MIN_MS, 101, FALSE);
    }
  if (strstr (query, "btcusdt@aggTrade") != NULL && fx->n_market_connects <= 2)
    {
      g_autofree char *text =
        g_strdup_printf ("{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":%" G_GINT64_FORMAT
                         ",\"a\":5,\"s\":\"BTCUSDT\",\"p\":\"100.5\",\"q\":\"0.25\",\"f\":1,\"l\":2,\"T\":%" G_GINT64_FORMAT
                         ",\"m\":true}}", now + 7, now + 7);
      soup_websocket_connection_send_text (conn, text);
    }
  if (strstr (query, "btcusdt@markPrice@1s") != NULL && fx->n_market_connects <= 2)
    {
      g_autofree char *text =
        g_strdup_printf ("{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":%" G_GINT64_FORMAT
                         ",\"s\":\"BTCUSDT\",\"p\":\"100.2\",\"i\":\"100.1\",\"P\":\"100\",\"r\":\"0.0001\",\"T\":1645257600000}}",
                         now + 8);
      soup_websocket_connection_send_text (conn, text);
    }
  if (strstr (query, "btcusdt@forceOrder") != NULL && fx->n_market_connects <= 2)
    {
      g_autofree char *text =
        g_strdup_printf ("{\"stream\":\"btcusdt@forceOrder\",\"data\":{\"e\":\"forceOrder\",\"E\":%" G_GINT64_FORMAT
                         ",\"o\":{\"s\":\"BTCUSDT\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"IOC\",\"q\":\"2\",\"p\":\"101\","
                         "\"ap\":\"100.75\",\"X\":\"FILLED\",\"l\":\"2\",\"z\":\"2\",\"T\":%" G_GINT64_FORMAT "}}}",
                         now + 9, now + 9);
      soup_websocket_connection_send_text (conn, text);
    }
}

static void
public_ws_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 data)
{
  Fixture *fx = data;

  fx->n_public_connects++;
  g_ptr_array_add (fx->server_conns, g_object_ref (conn));
}

/* ------------------------------------------------------------------ the feed's side */

static void
record (GArray           *array,
        const PerpCandle *candle)
{
  Seen seen = { candle->open_time, candle->close };

  g_array_append_val (array, seen);
}

static void
loaded_cb (PerpFeed          *feed,
           const char        *symbol,
           guint              interval,
           const PerpCandles *candles,
           Fixture           *fx)
{
  guint n = perp_candles_get_length (candles);

  g_assert_cmpstr (symbol, ==, "BTCUSDT");
  g_assert_cmpuint (interval, ==, PERP_INTERVAL_1M);
  g_array_append_val (fx->loaded_blocks, n);
  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      record (fx->loaded, &candle);
    }
  g_string_append_c (fx->order, 'L');

  if (fx->phase == 2 && fx->loaded_blocks->len == 2)
    g_main_loop_quit (fx->loop);
}

static void
updated_cb (PerpFeed         *feed,
            const char       *symbol,
            guint             interval,
            const PerpCandle *candle,
            Fixture          *fx)
{
  record (fx->updated, candle);
  g_string_append_c (fx->order, 'U');
}

static void
closed_cb (PerpFeed         *feed,
           const char       *symbol,
           guint             interval,
           const PerpCandle *candle,
           Fixture          *fx)
{
  record (fx->closed, candle);
  g_string_append_c (fx->order, 'C');
}

static void
maybe_phase1_done (Fixture *fx)
{
  if (fx->phase == 1 && fx->n_trades > 0 && fx->n_liquidations > 0 && fx->n_marks >= 2
      && fx->n_snapshots > 0 && fx->updated->len >= 4)
    g_main_loop_quit (fx->loop);
}

static void
trade_cb (PerpFeed        *feed,
          const char      *symbol,
          const PerpTrade *trade,
          Fixture         *fx)
{
  g_assert_cmpstr (symbol, ==, "BTCUSDT");
  g_assert_cmpfloat (trade->price, ==, 100.5);
  g_assert_cmpfloat (trade->qty, ==, 0.25);
  fx->n_trades++;
  maybe_phase1_done (fx);
}

static void
mark_cb (PerpFeed            *feed,
         const char          *symbol,
         const PerpMarkPrice *mark,
         Fixture             *fx)
{
  fx->n_marks++;
  maybe_phase1_done (fx);
}

static void
liquidation_cb (PerpFeed           *feed,
                const char         *symbol,
                const PerpLiqPrint *print,
                Fixture            *fx)
{
  fx->liquidation = *print;
  fx->n_liquidations++;
  maybe_phase1_done (fx);
}

static void
snapshot_cb (PerpFeed                *feed,
             const char              *symbol,
             const PerpDepthSnapshot *snapshot,
             Fixture                 *fx)
{
  g_assert_cmpuint (snapshot->n_bids, ==, 2);
  g_assert_cmpuint (snapshot->n_asks, ==, 1);
  g_assert_cmpint (snapshot->bids[0].price_key, ==, G_GINT64_CONSTANT (10000000000));
  fx->snapshot_id = snapshot->last_update_id;
  fx->n_snapshots++;
  maybe_phase1_done (fx);
}

static void
funding_cb (PerpFeed   *feed,
            const char *symbol,
            gint64      time,
            double      rate,
            Fixture    *fx)
{
  if (fx->n_funding == 0)
    {
      g_assert_cmpint (time, ==, G_GINT64_CONSTANT (1645200000000));
      g_assert_cmpfloat_with_epsilon (rate, -0.0001, 1e-15);
    }
  fx->n_funding++;
}

static void
oi_cb (PerpFeed   *feed,
       const char *symbol,
       gint64      time,
       double      oi,
       Fixture    *fx)
{
  fx->oi = oi;
  fx->n_oi++;
}

static void
state_cb (PerpFeed             *feed,
          const PerpFeedStatus *status,
          Fixture              *fx)
{
  PerpFeedState state = status->state;

  if (fx->states->len == 0 || g_array_index (fx->states, PerpFeedState, fx->states->len - 1) != state)
    g_array_append_val (fx->states, state);
  if (state == PERP_FEED_STATE_RECONNECTING)
    {
      fx->max_attempt = MAX (fx->max_attempt, status->attempt);
      g_assert_nonnull (status->message);
    }
  if (state == PERP_FEED_STATE_FAILED)
    {
      g_test_fail_printf ("the feed failed: %s", status->message);
      g_main_loop_quit (fx->loop);
    }
}

static void
clock_cb (PerpFeed *feed,
          gint64    time,
          Fixture  *fx)
{
  if (time <= fx->last_clock)
    fx->clock_backwards = TRUE;
  fx->last_clock = time;
}

static void
raw_cb (PerpBinanceFeed *feed,
        const char      *symbol,
        const char      *stream,
        const char      *text,
        guint64          length,
        gint64           recv_ns,
        Fixture         *fx)
{
  g_assert_cmpuint (strlen (text), ==, length);
  if (strcmp (stream, "rest_klines@1m") == 0)
    fx->n_raw_rest_klines++;
  if (strcmp (stream, "btcusdt@kline_1m") == 0)
    {
      /* The envelope's "data" object, exactly. */
      g_assert_true (text[0] == '{' && text[length - 1] == '}');
      g_assert_null (strstr (text, "\"stream\""));
      fx->n_raw_kline++;
    }
}

static gboolean
guard_cb (gpointer data)
{
  Fixture *fx = data;

  fx->guard_id = 0;
  g_test_fail_printf ("phase %d did not finish within 20 s (order \"%s\")", fx->phase, fx->order->str);
  g_main_loop_quit (fx->loop);

  return G_SOURCE_REMOVE;
}

static void
run (Fixture *fx,
     int      phase)
{
  fx->phase = phase;
  fx->guard_id = g_timeout_add_seconds (20, guard_cb, fx);
  g_main_loop_run (fx->loop);
  g_clear_handle_id (&fx->guard_id, g_source_remove);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PerpBinanceParams params;
  const char *symbols[] = { "BTCUSDT", NULL };
  PerpInterval intervals[] = { PERP_INTERVAL_1M };
  GSList *uris;
  int port;

  fx->now_ms = MINUTE0 + 30000;
  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, "/fapi", http_cb, fx, NULL);
  soup_server_add_websocket_handler (fx->server, "/market", NULL, NULL, market_ws_cb, fx, NULL);
  soup_server_add_websocket_handler (fx->server, "/public", NULL, NULL, public_ws_cb, fx, NULL);
  soup_server_listen_local (fx->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx->server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fx->http = g_strdup_printf ("http://127.0.0.1:%d", port);
  fx->ws = g_strdup_printf ("ws://127.0.0.1:%d", port);
  fx->server_conns = g_ptr_array_new_with_free_func (g_object_unref);
  fx->market_queries = g_ptr_array_new_with_free_func (g_free);

  fx->loop = g_main_loop_new (NULL, FALSE);
  fx->loaded_blocks = g_array_new (FALSE, FALSE, sizeof (guint));
  fx->loaded = g_array_new (FALSE, FALSE, sizeof (Seen));
  fx->updated = g_array_new (FALSE, FALSE, sizeof (Seen));
  fx->closed = g_array_new (FALSE, FALSE, sizeof (Seen));
  fx->order = g_string_new (NULL);
  fx->states = g_array_new (FALSE, FALSE, sizeof (PerpFeedState));

  perp_binance_params_init (&params);
  g_free (params.rest_url);
  g_free (params.ws_url_market);
  g_free (params.ws_url_public);
  params.rest_url = g_strdup (fx->http);
  params.ws_url_market = g_strdup_printf ("%s/market", fx->ws);
  params.ws_url_public = g_strdup_printf ("%s/public/", fx->ws);
  params.request_timeout_s = 5;
  params.keepalive_s = 15;
  params.backoff_initial_ms = 50;
  params.backoff_max_ms = 400;
  params.streams_per_connection = 2;
  params.backfill_candles = BACKFILL;
  params.oi_poll_s = 3600;
  params.depth_limit = 100;

  fx->feed = perp_binance_feed_new (&params, symbols, intervals, G_N_ELEMENTS (intervals));
  perp_binance_params_clear (&params);

  g_signal_connect (fx->feed, "candles-loaded", G_CALLBACK (loaded_cb), fx);
  g_signal_connect (fx->feed, "candle-updated", G_CALLBACK (updated_cb), fx);
  g_signal_connect (fx->feed, "candle-closed", G_CALLBACK (closed_cb), fx);
  g_signal_connect (fx->feed, "trade", G_CALLBACK (trade_cb), fx);
  g_signal_connect (fx->feed, "mark-price", G_CALLBACK (mark_cb), fx);
  g_signal_connect (fx->feed, "liquidation", G_CALLBACK (liquidation_cb), fx);
  g_signal_connect (fx->feed, "depth-snapshot", G_CALLBACK (snapshot_cb), fx);
  g_signal_connect (fx->feed, "funding-rate", G_CALLBACK (funding_cb), fx);
  g_signal_connect (fx->feed, "open-interest", G_CALLBACK (oi_cb), fx);
  g_signal_connect (fx->feed, "state-changed", G_CALLBACK (state_cb), fx);
  g_signal_connect (fx->feed, "clock", G_CALLBACK (clock_cb), fx);
  g_signal_connect (fx->feed, "raw-message", G_CALLBACK (raw_cb), fx);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_handle_id (&fx->guard_id, g_source_remove);
  if (fx->feed != NULL)
    {
      g_signal_handlers_disconnect_by_data (fx->feed, fx);
      g_clear_object (&fx->feed);
    }
  for (guint i = 0; i < fx->server_conns->len; i++)
    {
      SoupWebsocketConnection *conn = g_ptr_array_index (fx->server_conns, i);

      if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  /* Let the closes and cancellations run before the server goes. */
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_pointer (&fx->server_conns, g_ptr_array_unref);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->loop, g_main_loop_unref);
  g_clear_pointer (&fx->loaded_blocks, g_array_unref);
  g_clear_pointer (&fx->loaded, g_array_unref);
  g_clear_pointer (&fx->updated, g_array_unref);
  g_clear_pointer (&fx->closed, g_array_unref);
  g_clear_pointer (&fx->states, g_array_unref);
  g_clear_pointer (&fx->market_queries, g_ptr_array_unref);
  g_string_free (fx->order, TRUE);
  g_free (fx->http);
  g_free (fx->ws);
}

static gboolean
has_state (Fixture       *fx,
           PerpFeedState  state)
{
  for (guint i = 0; i < fx->states->len; i++)
    if (g_array_index (fx->states, PerpFeedState, i) == state)
      return TRUE;
  return FALSE;
}

static void
test_feed_live (Fixture       *fx,
                gconstpointer  data)
{
  const Seen *seen;

  perp_feed_start (PERP_FEED (fx->feed));
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (fx->feed)), ==, PERP_FEED_STATE_CONNECTING);
  run (fx, 1);

  /* The backfill: the BACKFILL closed candles before the forming one, in order. */
  g_assert_cmpuint (fx->loaded_blocks->len, ==, 1);
  g_assert_cmpuint (g_array_index (fx->loaded_blocks, guint, 0), ==, BACKFILL);
  for (guint i = 0; i < BACKFILL; i++)
    {
      seen = &g_array_index (fx->loaded, Seen, i);
      g_assert_cmpint (seen->open_time, ==, MINUTE0 - (gint64) (BACKFILL - i) * MIN_MS);
      g_assert_cmpfloat (seen->close, ==, close_of (seen->open_time));
    }
  g_assert_cmpuint (fx->n_raw_rest_klines, >=, 1);

  /* Forming updates (the backfill's forming row, then two from the stream), exactly one
   * close for MINUTE0, then the next forming candle; the duplicate and the older closed
   * candle were dropped and counted. */
  g_assert_cmpstr (fx->order->str, ==, "LUUUCU");
  g_assert_cmpuint (fx->updated->len, ==, 4);
  g_assert_cmpint (g_array_index (fx->updated, Seen, 0).open_time, ==, MINUTE0);
  g_assert_cmpfloat (g_array_index (fx->updated, Seen, 1).close, ==, 100.25);
  g_assert_cmpfloat (g_array_index (fx->updated, Seen, 2).close, ==, 100.4);
  g_assert_cmpint (g_array_index (fx->updated, Seen, 3).open_time, ==, MINUTE0 + MIN_MS);
  g_assert_cmpuint (fx->closed->len, ==, 1);
  g_assert_cmpint (g_array_index (fx->closed, Seen, 0).open_time, ==, MINUTE0);
  g_assert_cmpfloat (g_array_index (fx->closed, Seen, 0).close, ==, close_of (MINUTE0));
  g_assert_cmpuint (perp_binance_feed_get_n_dropped_candles (fx->feed), ==, 2);

  /* The malformed and the truncated message: counted, and the connection stayed (the
   * forming candle after them arrived). */
  g_assert_cmpuint (perp_binance_feed_get_n_malformed (fx->feed), ==, 2);
  g_assert_cmpuint (fx->n_raw_kline, ==, 7);

  /* Two market connections of at most two streams, one public. */
  g_assert_cmpuint (fx->n_market_connects, ==, 2);
  g_assert_cmpuint (fx->n_public_connects, ==, 1);
  for (guint i = 0; i < fx->market_queries->len; i++)
    {
      g_auto(GStrv) streams = g_strsplit ((const char *) g_ptr_array_index (fx->market_queries, i) + strlen ("streams="), "/", -1);

      g_assert_cmpuint (g_strv_length (streams), ==, 2);
    }

  g_assert_cmpuint (fx->n_trades, ==, 1);
  g_assert_cmpuint (fx->n_liquidations, ==, 1);
  g_assert_cmpint (fx->liquidation.side, ==, PERP_LIQ_SIDE_SHORT);
  g_assert_cmpfloat (fx->liquidation.price, ==, 100.75);
  g_assert_cmpfloat (fx->liquidation.quantity, ==, 2);
  g_assert_cmpuint (fx->n_snapshots, ==, 1);
  g_assert_cmpuint (fx->snapshot_id, ==, 1001);
  g_assert_cmpuint (fx->n_funding, ==, 2);
  g_assert_cmpuint (fx->n_oi, ==, 1);
  g_assert_cmpfloat (fx->oi, ==, 12345.678);
  g_assert_false (fx->clock_backwards);
  g_assert_cmpint (fx->last_clock, ==, fx->now_ms + 9);
  g_assert_true (has_state (fx, PERP_FEED_STATE_CONNECTING));
  g_assert_true (has_state (fx, PERP_FEED_STATE_LIVE));
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (fx->feed)), ==, PERP_FEED_STATE_LIVE);
  g_assert_nonnull (perp_binance_feed_get_exchange_info (fx->feed));

  /* Phase 2: three minutes pass while the kline connection is lost.  The feed
   * reconnects and refills the two candles that closed meanwhile. */
  fx->now_ms += 3 * MIN_MS;
  g_assert_nonnull (fx->kline_conn);
  soup_websocket_connection_close (fx->kline_conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "test");
  run (fx, 2);

  g_assert_true (has_state (fx, PERP_FEED_STATE_RECONNECTING));
  g_assert_cmpuint (fx->max_attempt, ==, 1);
  g_assert_cmpuint (fx->n_market_connects, ==, 3);
  g_assert_cmpuint (g_array_index (fx->loaded_blocks, guint, 1), ==, 2);
  g_assert_cmpint (g_array_index (fx->loaded, Seen, BACKFILL).open_time, ==, MINUTE0 + MIN_MS);
  g_assert_cmpint (g_array_index (fx->loaded, Seen, BACKFILL + 1).open_time, ==, MINUTE0 + 2 * MIN_MS);
  g_assert_cmpfloat (g_array_index (fx->loaded, Seen, BACKFILL + 1).close, ==, close_of (MINUTE0 + 2 * MIN_MS));

  /* Stop is idempotent; dispose after it is clean. */
  perp_feed_stop (PERP_FEED (fx->feed));
  perp_feed_stop (PERP_FEED (fx->feed));
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (fx->feed)), ==, PERP_FEED_STATE_OFFLINE);
}

/* Disposed in the middle of start-up, with requests and a thread in flight. */
static void
test_feed_dispose_early (Fixture       *fx,
                         gconstpointer  data)
{
  perp_feed_start (PERP_FEED (fx->feed));
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_signal_handlers_disconnect_by_data (fx->feed, fx);
  g_clear_object (&fx->feed);
  for (guint i = 0; i < 200 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
ticker_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Fixture *fx = data;
  g_autoptr(GError) error = NULL;
  PerpBinanceTicker24h ticker;

  g_assert_true (perp_binance_feed_fetch_ticker_24hr_finish (PERP_BINANCE_FEED (source), result, &ticker, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ticker.last_price, ==, 100);
  g_assert_cmpfloat (ticker.price_change_percent, ==, -2.439);
  g_assert_cmpfloat (ticker.quote_volume, ==, 505000);
  g_assert_cmpint (ticker.count, ==, 77);
  fx->n_trades++;
  g_main_loop_quit (fx->loop);
}

/* Works without start (a watch list asks before or without the live streams). */
static void
test_feed_ticker (Fixture       *fx,
                  gconstpointer  data)
{
  perp_binance_feed_fetch_ticker_24hr_async (fx->feed, "btcusdt", NULL, ticker_cb, fx);
  run (fx, 3);
  g_assert_cmpuint (fx->n_trades, ==, 1);
}

static void
refused_state_cb (PerpFeed             *feed,
                  const PerpFeedStatus *status,
                  Fixture              *fx)
{
  if (status->state == PERP_FEED_STATE_FAILED)
    g_main_loop_quit (fx->loop);
}

/* Nothing listens at the REST URL: the feed fails, saying where. */
static void
test_feed_refused (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(PerpBinanceFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *reason = NULL;
  PerpBinanceParams params;
  const char *symbols[] = { "BTCUSDT", NULL };
  PerpInterval interval = PERP_INTERVAL_5M;
  Fixture fx = { 0 };
  GSList *uris;
  int port;

  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  soup_server_disconnect (server);

  perp_binance_params_init (&params);
  g_free (params.rest_url);
  params.rest_url = g_strdup_printf ("http://127.0.0.1:%d", port);
  feed = perp_binance_feed_new (&params, symbols, &interval, 1);
  perp_binance_params_clear (&params);

  fx.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (feed, "state-changed", G_CALLBACK (refused_state_cb), &fx);
  perp_feed_start (PERP_FEED (feed));
  fx.guard_id = g_timeout_add_seconds (20, guard_cb, &fx);
  fx.order = g_string_new (NULL);
  g_main_loop_run (fx.loop);
  g_clear_handle_id (&fx.guard_id, g_source_remove);

  g_assert_cmpint (perp_feed_get_state (PERP_FEED (feed)), ==, PERP_FEED_STATE_FAILED);
  g_object_get (feed, "failed-reason", &reason, NULL);
  expected = g_strdup_printf ("connection refused by 127.0.0.1:%d", port);
  g_assert_nonnull (strstr (reason, expected));

  g_signal_handlers_disconnect_by_data (feed, &fx);
  g_main_loop_unref (fx.loop);
  g_string_free (fx.order, TRUE);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *conns;
  guint      n_opened;
  guint      n_reopened;
  GString   *reasons;
  guint      attempt;
} WsRun;

static void
silent_ws_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 data)
{
  WsRun *run_data = data;

  /* Accept and never send: only the client's watchdog notices. */
  g_ptr_array_add (run_data->conns, g_object_ref (conn));
}

static void
ws_status_cb (PerpBinanceWs        *ws,
              const PerpFeedStatus *status,
              WsRun                *run_data)
{
  if (status->state == PERP_FEED_STATE_RECONNECTING)
    {
      g_string_append_printf (run_data->reasons, "%s\n", status->message);
      run_data->attempt = status->attempt;
      g_assert_cmpuint (status->delay_ms, >=, 40);
      g_assert_cmpuint (status->delay_ms, <=, 60);
    }
}

static void
ws_opened_cb (PerpBinanceWs *ws,
              gboolean       reconnect,
              WsRun         *run_data)
{
  run_data->n_opened++;
  if (reconnect)
    {
      run_data->n_reopened++;
      g_main_loop_quit (run_data->loop);
    }
}

static gboolean
ws_guard_cb (gpointer data)
{
  WsRun *run_data = data;

  g_test_fail_printf ("no reconnect within 20 s");
  g_main_loop_quit (run_data->loop);

  return G_SOURCE_REMOVE;
}

/* A connection that goes silent is closed after keepalive_s and reopened. */
static void
test_ws_keepalive (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(PerpBinanceWs) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *expected_url = NULL;
  PerpBinanceWsParams params = { .keepalive_s = 1, .backoff_initial_ms = 50, .backoff_max_ms = 400,
                                 .rotate_after_s = 3600 };
  const char *streams[] = { "btcusdt@aggTrade" };
  WsRun run_data = { 0 };
  GSList *uris;
  gint64 start;
  gint64 took;
  guint guard;

  run_data.loop = g_main_loop_new (NULL, FALSE);
  run_data.conns = g_ptr_array_new_with_free_func (g_object_unref);
  run_data.reasons = g_string_new (NULL);
  soup_server_add_websocket_handler (server, "/market", NULL, NULL, silent_ws_cb, &run_data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("ws://127.0.0.1:%d/market", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  ws = _perp_binance_ws_new (session, base, streams, 1, &params);
  g_signal_connect (ws, "status", G_CALLBACK (ws_status_cb), &run_data);
  g_signal_connect (ws, "opened", G_CALLBACK (ws_opened_cb), &run_data);
  start = g_get_monotonic_time ();
  _perp_binance_ws_start (ws);
  guard = g_timeout_add_seconds (20, ws_guard_cb, &run_data);
  g_main_loop_run (run_data.loop);
  g_source_remove (guard);
  took = g_get_monotonic_time () - start;

  g_assert_cmpuint (run_data.n_opened, ==, 2);
  g_assert_cmpuint (run_data.n_reopened, ==, 1);
  g_assert_cmpuint (run_data.attempt, ==, 1);
  g_assert_nonnull (strstr (run_data.reasons->str, "keepalive timeout: no message for 1 s"));
  g_assert_cmpint (took, >=, G_USEC_PER_SEC);
  g_assert_cmpuint (_perp_binance_ws_get_n_connects (ws), ==, 2);
  expected_url = g_strdup_printf ("%s/stream?streams=btcusdt@aggTrade", base);
  g_assert_cmpstr (_perp_binance_ws_get_url (ws), ==, expected_url);

  _perp_binance_ws_stop (ws);
  g_signal_handlers_disconnect_by_data (ws, &run_data);
  for (guint i = 0; i < run_data.conns->len; i++)
    if (soup_websocket_connection_get_state (g_ptr_array_index (run_data.conns, i)) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (g_ptr_array_index (run_data.conns, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_ptr_array_unref (run_data.conns);
  g_string_free (run_data.reasons, TRUE);
  g_main_loop_unref (run_data.loop);
  soup_server_disconnect (server);
}

static void
test_envelope (void)
{
  const char *text = "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"b\":[]}}";
  const char *stream = NULL;
  const char *data = NULL;
  gsize stream_len = 0;
  gsize data_len = 0;
  g_autofree char *url = NULL;
  const char *streams[] = { "a@kline_1m", "b@aggTrade" };

  g_assert_true (_perp_binance_split_envelope (text, strlen (text), &stream, &stream_len, &data, &data_len));
  g_assert_cmpmem (stream, stream_len, "btcusdt@depth@100ms", strlen ("btcusdt@depth@100ms"));
  g_assert_cmpmem (data, data_len, "{\"e\":\"depthUpdate\",\"b\":[]}", strlen ("{\"e\":\"depthUpdate\",\"b\":[]}"));

  /* Truncated, bare, or in another order: not split (the caller falls back). */
  g_assert_false (_perp_binance_split_envelope (text, strlen (text) - 1, &stream, &stream_len, &data, &data_len));
  g_assert_false (_perp_binance_split_envelope ("{\"e\":\"kline\"}", 13, &stream, &stream_len, &data, &data_len));
  g_assert_false (_perp_binance_split_envelope ("{\"data\":{},\"stream\":\"x\"}", 24, &stream, &stream_len, &data, &data_len));
  g_assert_false (_perp_binance_split_envelope ("", 0, &stream, &stream_len, &data, &data_len));

  url = _perp_binance_combined_url ("wss://fstream.binance.com/market/", streams, 2);
  g_assert_cmpstr (url, ==, "wss://fstream.binance.com/market/stream?streams=a@kline_1m/b@aggTrade");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/binance/feed/envelope", test_envelope);
  g_test_add_func ("/io/binance/feed/ws-keepalive", test_ws_keepalive);
  g_test_add ("/io/binance/feed/live", Fixture, NULL, fixture_setup, test_feed_live, fixture_teardown);
  g_test_add ("/io/binance/feed/dispose-early", Fixture, NULL, fixture_setup, test_feed_dispose_early, fixture_teardown);
  g_test_add ("/io/binance/feed/ticker-24hr", Fixture, NULL, fixture_setup, test_feed_ticker, fixture_teardown);
  g_test_add_func ("/io/binance/feed/refused", test_feed_refused);

  return g_test_run ();
}
