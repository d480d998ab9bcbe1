/* test-fake-binance.c: the fake Binance server itself, through a plain SoupSession and
 * a raw WebSocket client, checked against the fixture files read independently
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-order-book.h"
#include "io/perp-tick-reader.h"
#include "perp-fake-binance.h"
#include "perp-test-support.h"

#define GUARD_S 20
#define FORMING 2  /* the fake's default forming updates per candle */

/* ------------------------------------------------------------------ fixtures read here */

typedef struct
{
  GPtrArray *rows;   /* char ** of 12 CSV cells */
} Csv;

static void
csv_load (Csv        *csv,
          const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  csv->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      {
        char **cells = g_strsplit (lines[i], ",", -1);

        g_assert_cmpuint (g_strv_length (cells), ==, 12);
        g_ptr_array_add (csv->rows, cells);
      }
}

static const char *
cell (Csv  *csv,
      guint row,
      guint column)
{
  return ((char **) csv->rows->pdata[row])[column];
}

static gint64
cell_int (Csv  *csv,
          guint row,
          guint column)
{
  return g_ascii_strtoll (cell (csv, row, column), NULL, 10);
}

/* The capture's lines as JSON envelopes (the snapshot separately). */
typedef struct
{
  GPtrArray *lines;     /* JsonNode (the whole envelope), snapshot excluded */
  GPtrArray *texts;     /* char *: each of those lines as recorded */
  JsonNode  *snapshot;  /* its "data" */
} Capture;

static void
capture_load (Capture *capture)
{
  g_autofree char *path = perp_test_fixture_path ("feed/ticks_usdm_BTCUSDT_3000.jsonl.gz");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTickReader) reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, &error);
  const char *text;
  gsize length;

  g_assert_no_error (error);
  capture->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  capture->texts = g_ptr_array_new_with_free_func (g_free);
  capture->snapshot = NULL;
  while ((text = perp_tick_reader_next_line (reader, &length, &error)) != NULL)
    {
      JsonNode *node = json_from_string (text, &error);

      g_assert_no_error (error);
      if (g_str_equal (json_object_get_string_member (json_node_get_object (node), "stream"),
                       "rest_depth_snapshot"))
        {
          capture->snapshot = json_node_ref (json_object_get_member (json_node_get_object (node), "data"));
          json_node_unref (node);
        }
      else
        {
          g_ptr_array_add (capture->lines, node);
          g_ptr_array_add (capture->texts, g_strndup (text, length));
        }
    }
  g_assert_no_error (error);
  g_assert_nonnull (capture->snapshot);
}

static void
capture_clear (Capture *capture)
{
  g_ptr_array_unref (capture->lines);
  g_ptr_array_unref (capture->texts);
  json_node_unref (capture->snapshot);
}

static const char *
line_stream (Capture *capture,
             guint    i)
{
  return json_object_get_string_member (json_node_get_object (capture->lines->pdata[i]), "stream");
}

static JsonObject *
line_data (Capture *capture,
           guint    i)
{
  return json_object_get_object_member (json_node_get_object (capture->lines->pdata[i]), "data");
}

/* ------------------------------------------------------------------ test fixture */

typedef struct
{
  PerpFakeBinance *fake;
  SoupSession     *session;
  GMainLoop       *loop;
  guint            guard_id;
  /* HTTP */
  GBytes          *body;
  guint            status;
  SoupMessageHeaders *headers;
  GError          *error;
  /* WebSocket */
  SoupWebsocketConnection *ws;
  GPtrArray       *received;    /* char * */
  guint            want;
  gboolean         closed;
} Fixture;

static gboolean
guard_cb (gpointer user_data)
{
  g_error ("guard timeout: the test did not finish within %d s", GUARD_S);
  return G_SOURCE_REMOVE;
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->fake = perp_fake_binance_new (&error);
  g_assert_no_error (error);
  fx->session = soup_session_new ();
  fx->loop = g_main_loop_new (NULL, FALSE);
  fx->received = g_ptr_array_new_with_free_func (g_free);
  fx->guard_id = g_timeout_add_seconds (GUARD_S, guard_cb, NULL);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  if (fx->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (fx->ws, fx);
      if (soup_websocket_connection_get_state (fx->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (fx->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&fx->ws);
    }
  g_clear_object (&fx->session);
  g_clear_object (&fx->fake);
  /* Let the closes and finalizations run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_handle_id (&fx->guard_id, g_source_remove);
  g_clear_pointer (&fx->loop, g_main_loop_unref);
  g_clear_pointer (&fx->body, g_bytes_unref);
  g_clear_pointer (&fx->headers, soup_message_headers_unref);
  g_clear_pointer (&fx->received, g_ptr_array_unref);
  g_clear_error (&fx->error);
}

static void
http_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fx = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  fx->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fx->error);
  fx->status = soup_message_get_status (msg);
  fx->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  g_main_loop_quit (fx->loop);
}

/* GET @path_query; returns the body as a string (owned by the fixture). */
static const char *
http_get (Fixture    *fx,
          const char *path_query)
{
  g_autofree char *url = g_strconcat (perp_fake_binance_get_rest_url (fx->fake), path_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  g_clear_pointer (&fx->body, g_bytes_unref);
  g_clear_pointer (&fx->headers, soup_message_headers_unref);
  g_clear_error (&fx->error);
  soup_session_send_and_read_async (fx->session, msg, G_PRIORITY_DEFAULT, NULL, http_done_cb, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  /* GBytes from libsoup are not NUL-terminated; keep a terminated copy. */
  {
    gsize size;
    const char *data = g_bytes_get_data (fx->body, &size);
    GBytes *copy = g_bytes_new_take (g_strndup (data, size), size + 1);

    g_bytes_unref (fx->body);
    fx->body = copy;
  }
  return g_bytes_get_data (fx->body, NULL);
}

static JsonNode *
http_get_json (Fixture    *fx,
               const char *path_query)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (http_get (fx, path_query), &error);

  g_assert_no_error (error);
  return node;
}

static guint
used_weight_header (Fixture *fx)
{
  const char *value = soup_message_headers_get_one (fx->headers, "X-MBX-USED-WEIGHT-1M");

  g_assert_nonnull (value);
  return (guint) g_ascii_strtoull (value, NULL, 10);
}

static void
ws_message_cb (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Fixture *fx = user_data;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  g_ptr_array_add (fx->received, g_strndup (data, size));
  if (fx->want > 0 && fx->received->len >= fx->want)
    g_main_loop_quit (fx->loop);
}

static void
ws_closed_cb (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  Fixture *fx = user_data;

  fx->closed = TRUE;
  g_main_loop_quit (fx->loop);
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *fx = user_data;

  fx->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &fx->error);
  g_main_loop_quit (fx->loop);
}

static void
ws_connect (Fixture    *fx,
            const char *base,
            const char *streams)
{
  g_autofree char *url = g_strdup_printf ("%s/stream?streams=%s", base, streams);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  soup_session_websocket_connect_async (fx->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        ws_connected_cb, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  g_assert_nonnull (fx->ws);
  soup_websocket_connection_set_max_incoming_payload_size (fx->ws, 1 << 20);
  g_signal_connect (fx->ws, "message", G_CALLBACK (ws_message_cb), fx);
  g_signal_connect (fx->ws, "closed", G_CALLBACK (ws_closed_cb), fx);
}

/* Advances the fake @n steps and lets the frames arrive. */
static void
advance_and_drain (Fixture *fx,
                   guint    n)
{
  guint idle = 0;

  perp_fake_binance_advance (fx->fake, n);
  /* Frames are written and read asynchronously on this context: spin until it has
   * been idle for a while. */
  while (idle < 30)
    {
      if (g_main_context_iteration (NULL, FALSE))
        idle = 0;
      else
        {
          idle++;
          g_usleep (1000);
        }
    }
}

static JsonObject *
received_envelope (Fixture  *fx,
                   guint     i,
                   JsonNode **keep)
{
  g_autoptr(GError) error = NULL;

  *keep = json_from_string (fx->received->pdata[i], &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*keep));
  return json_node_get_object (*keep);
}

/* ------------------------------------------------------------------ REST */

static void
test_exchange_info (Fixture       *fx,
                    gconstpointer  data)
{
  g_autofree char *path = perp_test_fixture_path ("feed/exchangeInfo_BTC_ETH_FIL.json");
  g_autofree char *expected = NULL;
  const char *body;

  g_assert_true (g_file_get_contents (path, &expected, NULL, NULL));
  body = http_get (fx, "/fapi/v1/exchangeInfo");
  g_assert_cmpuint (fx->status, ==, 200);
  /* The recorded file, but for serverTime: the fake's clock (the capture's first E). */
  {
    g_autoptr(JsonNode) got = json_from_string (body, NULL);
    g_autoptr(JsonNode) want = json_from_string (expected, NULL);
    Capture capture;

    capture_load (&capture);
    g_assert_nonnull (got);
    g_assert_nonnull (want);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (got), "serverTime"), ==,
                     json_object_get_int_member (line_data (&capture, 0), "E"));
    json_object_set_int_member (json_node_get_object (want), "serverTime",
                                json_object_get_int_member (json_node_get_object (got), "serverTime"));
    g_assert_true (json_node_equal (got, want));
    capture_clear (&capture);
  }
  g_assert_cmpuint (used_weight_header (fx), ==, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (fx->fake, "/fapi/v1/exchangeInfo"), ==, 1);

  http_get (fx, "/fapi/v1/nowhere");
  g_assert_cmpuint (fx->status, ==, 404);
  g_assert_cmpuint (perp_fake_binance_get_n_requests_total (fx->fake), ==, 2);
}

/* A kline row of the response equals CSV row @row, the forming one scaled. */
static void
assert_kline_row (JsonArray *k,
                  Csv       *csv,
                  guint      row,
                  gboolean   forming_flat)
{
  g_assert_cmpuint (json_array_get_length (k), ==, 12);
  g_assert_cmpint (json_array_get_int_element (k, 0), ==, cell_int (csv, row, 0));
  g_assert_cmpstr (json_array_get_string_element (k, 1), ==, cell (csv, row, 1));
  g_assert_cmpint (json_array_get_int_element (k, 6), ==, cell_int (csv, row, 6));
  if (forming_flat)
    {
      for (guint c = 2; c <= 4; c++)
        g_assert_cmpstr (json_array_get_string_element (k, c), ==, cell (csv, row, 1));
      g_assert_cmpfloat (g_ascii_strtod (json_array_get_string_element (k, 5), NULL), ==, 0);
      g_assert_cmpint (json_array_get_int_element (k, 8), ==, 0);
      return;
    }
  for (guint c = 2; c <= 5; c++)
    g_assert_cmpstr (json_array_get_string_element (k, c), ==, cell (csv, row, c));
  g_assert_cmpstr (json_array_get_string_element (k, 7), ==, cell (csv, row, 7));
  g_assert_cmpint (json_array_get_int_element (k, 8), ==, cell_int (csv, row, 8));
  g_assert_cmpstr (json_array_get_string_element (k, 9), ==, cell (csv, row, 9));
  g_assert_cmpstr (json_array_get_string_element (k, 10), ==, cell (csv, row, 10));
}

static void
test_klines (Fixture       *fx,
             gconstpointer  data)
{
  Csv csv;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *query = NULL;
  JsonArray *rows;
  guint n, start;

  csv_load (&csv, "feed/FILUSDT_1m_2023-08-02_400.csv");
  n = csv.rows->len;
  start = n / 2;   /* the fake's default kline start */
  g_assert_cmpuint (perp_fake_binance_get_forming_index (fx->fake, "FILUSDT"), ==, start);
  g_assert_cmpint (perp_fake_binance_get_kline_now (fx->fake, "FILUSDT"), ==, cell_int (&csv, start, 0));

  /* No range: the latest @limit, ending with the candle forming now (just opened). */
  all = http_get_json (fx, "/fapi/v1/klines?symbol=FILUSDT&interval=1m&limit=1000");
  g_assert_cmpuint (fx->status, ==, 200);
  g_assert_cmpuint (used_weight_header (fx), ==, 5);
  rows = json_node_get_array (all);
  g_assert_cmpuint (json_array_get_length (rows), ==, start + 1);
  for (guint i = 0; i < start; i++)
    assert_kline_row (json_array_get_array_element (rows, i), &csv, i, FALSE);
  assert_kline_row (json_array_get_array_element (rows, start), &csv, start, TRUE);

  /* startTime + limit: the first @limit from startTime. */
  query = g_strdup_printf ("/fapi/v1/klines?symbol=FILUSDT&interval=1m&startTime=%" G_GINT64_FORMAT "&limit=5",
                           cell_int (&csv, 10, 0) - 1);
  node = http_get_json (fx, query);
  rows = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (rows), ==, 5);
  for (guint i = 0; i < 5; i++)
    assert_kline_row (json_array_get_array_element (rows, i), &csv, 10 + i, FALSE);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&query, g_free);

  /* endTime alone: the last @limit opening at or before it. */
  query = g_strdup_printf ("/fapi/v1/klines?symbol=FILUSDT&interval=1m&endTime=%" G_GINT64_FORMAT "&limit=3",
                           cell_int (&csv, 50, 0));
  node = http_get_json (fx, query);
  rows = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_kline_row (json_array_get_array_element (rows, i), &csv, 48 + i, FALSE);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&query, g_free);

  /* Both: the range, capped by limit; nothing after now. */
  query = g_strdup_printf ("/fapi/v1/klines?symbol=FILUSDT&interval=1m&startTime=%" G_GINT64_FORMAT
                           "&endTime=%" G_GINT64_FORMAT, cell_int (&csv, start - 2, 0), cell_int (&csv, n - 1, 0));
  node = http_get_json (fx, query);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 3);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&query, g_free);

  /* The clock: one candle = FORMING updates + its close. */
  perp_fake_binance_advance (fx->fake, (FORMING + 1) * 3 + 1);
  g_assert_cmpuint (perp_fake_binance_get_forming_index (fx->fake, "FILUSDT"), ==, start + 3);
  g_assert_cmpint (perp_fake_binance_get_kline_now (fx->fake, "FILUSDT"), ==,
                   cell_int (&csv, start + 3, 0) + 60000 / (FORMING + 1));
  node = http_get_json (fx, "/fapi/v1/klines?symbol=FILUSDT&interval=1m&limit=4");
  rows = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (rows), ==, 4);
  for (guint i = 0; i < 3; i++)
    assert_kline_row (json_array_get_array_element (rows, i), &csv, start + i, FALSE);
  /* The forming candle a third in: final prices, a third of the volume. */
  {
    JsonArray *k = json_array_get_array_element (rows, 3);

    g_assert_cmpint (json_array_get_int_element (k, 0), ==, cell_int (&csv, start + 3, 0));
    g_assert_cmpstr (json_array_get_string_element (k, 2), ==, cell (&csv, start + 3, 2));
    g_assert_cmpfloat_with_epsilon (g_ascii_strtod (json_array_get_string_element (k, 5), NULL),
                                    g_ascii_strtod (cell (&csv, start + 3, 5), NULL) / 3, 1e-6);
  }
  g_clear_pointer (&node, json_node_unref);

  /* Binance's errors. */
  http_get (fx, "/fapi/v1/klines?symbol=FILUSDT&interval=1m&limit=1501");
  g_assert_cmpuint (fx->status, ==, 400);
  g_assert_nonnull (strstr (g_bytes_get_data (fx->body, NULL), "-1130"));
  http_get (fx, "/fapi/v1/klines?symbol=NOPEUSDT&interval=1m");
  g_assert_cmpuint (fx->status, ==, 400);
  g_assert_nonnull (strstr (g_bytes_get_data (fx->body, NULL), "-1121"));
  http_get (fx, "/fapi/v1/klines?symbol=FILUSDT&interval=7m");
  g_assert_cmpuint (fx->status, ==, 400);
  g_assert_nonnull (strstr (g_bytes_get_data (fx->body, NULL), "-1120"));
  /* A listed symbol without candles: an empty array. */
  node = http_get_json (fx, "/fapi/v1/klines?symbol=ETHUSDT&interval=1m");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 0);
  g_clear_pointer (&node, json_node_unref);

  g_assert_cmpuint (perp_fake_binance_get_n_requests (fx->fake, "/fapi/v1/klines"), ==, 9);
  g_ptr_array_unref (csv.rows);
}

static void
assert_levels_equal (JsonArray *actual,
                     JsonArray *expected,
                     guint      n)
{
  g_assert_cmpuint (json_array_get_length (actual), ==, MIN (n, json_array_get_length (expected)));
  for (guint i = 0; i < json_array_get_length (actual); i++)
    {
      JsonArray *a = json_array_get_array_element (actual, i);
      JsonArray *e = json_array_get_array_element (expected, i);

      g_assert_cmpstr (json_array_get_string_element (a, 0), ==, json_array_get_string_element (e, 0));
      g_assert_cmpstr (json_array_get_string_element (a, 1), ==, json_array_get_string_element (e, 1));
    }
}

static void
test_depth_snapshot (Fixture       *fx,
                     gconstpointer  data)
{
  Capture capture;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *got, *want;

  capture_load (&capture);
  want = json_node_get_object (capture.snapshot);

  node = http_get_json (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  g_assert_cmpuint (fx->status, ==, 200);
  g_assert_cmpuint (used_weight_header (fx), ==, 20);
  got = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (got, "lastUpdateId"), ==,
                   json_object_get_int_member (want, "lastUpdateId"));
  g_assert_cmpint (json_object_get_int_member (got, "E"), ==, json_object_get_int_member (want, "E"));
  assert_levels_equal (json_object_get_array_member (got, "bids"), json_object_get_array_member (want, "bids"), 1000);
  assert_levels_equal (json_object_get_array_member (got, "asks"), json_object_get_array_member (want, "asks"), 1000);
  g_clear_pointer (&node, json_node_unref);

  node = http_get_json (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=5");
  got = json_node_get_object (node);
  g_assert_cmpuint (used_weight_header (fx), ==, 22);
  assert_levels_equal (json_object_get_array_member (got, "bids"), json_object_get_array_member (want, "bids"), 5);
  assert_levels_equal (json_object_get_array_member (got, "asks"), json_object_get_array_member (want, "asks"), 5);
  g_assert_cmpuint (perp_fake_binance_get_used_weight (fx->fake), ==, 22);

  http_get (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=7");
  g_assert_cmpuint (fx->status, ==, 400);
  capture_clear (&capture);
}

/* The book a client builds from the fake's snapshot taken mid-replay plus the stream
 * that follows equals the book built from the recorded snapshot plus every recorded
 * event, and the fake's final snapshot equals it too. */
static void
apply_depth_json (PerpOrderBook *book,
                  JsonObject    *data,
                  PerpBookResult *result)
{
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  PerpTickEvent event;
  JsonNode *node = json_node_init_object (json_node_alloc (), data);

  text = json_to_string (node, FALSE);
  json_node_unref (node);
  g_assert_true (perp_tick_decoder_decode (decoder, text, -1, &event, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_DEPTH);
  *result = perp_order_book_apply_depth (book, &event.depth, &error);
  g_assert_no_error (error);
}

static void
apply_snapshot_json (PerpOrderBook *book,
                     JsonNode      *data)
{
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *inner = json_to_string (data, FALSE);
  g_autofree char *text = g_strdup_printf ("{\"recv_ns\":0,\"stream\":\"rest_depth_snapshot\",\"data\":%s}", inner);
  PerpTickEvent event;

  g_assert_true (perp_tick_decoder_decode (decoder, text, -1, &event, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_SNAPSHOT);
  g_assert_true (perp_order_book_apply_snapshot (book, &event.snapshot, &error));
  g_assert_no_error (error);
}

/* The best @depth levels of each side are the same (deeper ones a 1000-level snapshot
 * cannot know). */
static void
assert_books_equal (PerpOrderBook *a,
                    PerpOrderBook *b,
                    guint          depth)
{
  for (PerpBookSide side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      guint n = MIN (depth, MIN (perp_order_book_get_n_levels (a, side), perp_order_book_get_n_levels (b, side)));

      g_assert_cmpuint (n, >, 100);
      for (guint i = 0; i < n; i++)
        {
          PerpPriceLevel la, lb;

          g_assert_true (perp_order_book_get_level (a, side, i, &la));
          g_assert_true (perp_order_book_get_level (b, side, i, &lb));
          if (la.price_key != lb.price_key || la.qty != lb.qty)
            g_error ("%s level %u differs: %" G_GINT64_FORMAT " x %g in the first book, %"
                     G_GINT64_FORMAT " x %g in the second (which has %g at the first's price)",
                     side == PERP_BOOK_BID ? "bid" : "ask", i, la.price_key, la.qty,
                     lb.price_key, lb.qty, perp_order_book_get_qty_at (b, side, la.price_key));
        }
    }
}

static void
test_depth_resync (Fixture       *fx,
                   gconstpointer  data)
{
  Capture capture;
  g_autoptr(PerpOrderBook) reference = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(PerpOrderBook) client = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(PerpOrderBook) final = perp_order_book_new (PERP_BOOK_MARKET_USDM);
  g_autoptr(JsonNode) mid = NULL;
  g_autoptr(JsonNode) last = NULL;
  guint half, n_depth = 0, n_received_depth = 0;
  PerpBookResult result;

  capture_load (&capture);

  /* The reference: recorded snapshot + every recorded event, by the core book. */
  apply_snapshot_json (reference, capture.snapshot);
  for (guint i = 0; i < capture.lines->len; i++)
    if (g_str_has_suffix (line_stream (&capture, i), "@depth@0ms"))
      {
        apply_depth_json (reference, line_data (&capture, i), &result);
        n_depth++;
      }
  g_assert_cmpint (perp_order_book_get_state (reference), ==, PERP_BOOK_STATE_LIVE);

  /* The client subscribes, the replay runs half way, the client takes a snapshot. */
  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@depth@100ms");
  half = capture.lines->len / 2;
  advance_and_drain (fx, half);
  mid = http_get_json (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  apply_snapshot_json (client, mid);
  for (guint i = 0; i < fx->received->len; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *env = received_envelope (fx, i, &keep);

      g_assert_cmpstr (json_object_get_string_member (env, "stream"), ==, "btcusdt@depth@100ms");
      apply_depth_json (client, json_object_get_object_member (env, "data"), &result);
    }
  n_received_depth = fx->received->len;
  g_ptr_array_set_size (fx->received, 0);
  advance_and_drain (fx, capture.lines->len - half);
  g_assert_true (perp_fake_binance_is_exhausted (fx->fake));
  for (guint i = 0; i < fx->received->len; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *env = received_envelope (fx, i, &keep);

      apply_depth_json (client, json_object_get_object_member (env, "data"), &result);
      g_assert_cmpint (result, ==, PERP_BOOK_RESULT_APPLIED);
    }
  n_received_depth += fx->received->len;
  g_assert_cmpuint (n_received_depth, ==, n_depth);
  g_assert_cmpint (perp_order_book_get_state (client), ==, PERP_BOOK_STATE_LIVE);
  assert_books_equal (client, reference, 500);
  g_assert_cmpuint (perp_order_book_get_update_id (client), ==, perp_order_book_get_update_id (reference));

  /* The final snapshot is the reference book (its top 1000 levels). */
  last = http_get_json (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  apply_snapshot_json (final, last);
  assert_books_equal (final, reference, 1000);
  capture_clear (&capture);
}

static void
test_other_endpoints (Fixture       *fx,
                      gconstpointer  data)
{
  Capture capture;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *obj;
  const char *last_price = NULL;
  gint64 last_e = 0;
  guint n_trades = 0;

  capture_load (&capture);
  advance_and_drain (fx, 600);
  for (guint i = 0; i < 600; i++)
    {
      JsonObject *d = line_data (&capture, i);

      last_e = json_object_get_int_member (d, "E");
      if (g_str_has_suffix (line_stream (&capture, i), "@trade"))
        {
          last_price = json_object_get_string_member (d, "p");
          n_trades++;
        }
    }

  node = http_get_json (fx, "/fapi/v1/premiumIndex?symbol=BTCUSDT");
  obj = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (obj, "markPrice"), ==, last_price);
  g_assert_cmpint (json_object_get_int_member (obj, "time"), ==, last_e);
  g_assert_cmpint (json_object_get_int_member (obj, "nextFundingTime") % (8 * 3600000), ==, 0);
  g_assert_cmpint (json_object_get_int_member (obj, "nextFundingTime"), >, last_e);
  g_clear_pointer (&node, json_node_unref);

  node = http_get_json (fx, "/fapi/v1/ticker/24hr?symbol=BTCUSDT");
  obj = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (obj, "count"), ==, n_trades);
  g_assert_cmpfloat (g_ascii_strtod (json_object_get_string_member (obj, "lastPrice"), NULL), ==,
                     g_ascii_strtod (last_price, NULL));
  g_clear_pointer (&node, json_node_unref);

  perp_fake_binance_set_open_interest (fx->fake, "BTCUSDT", "81234.567");
  node = http_get_json (fx, "/fapi/v1/openInterest?symbol=BTCUSDT");
  obj = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (obj, "openInterest"), ==, "81234.567");
  g_assert_cmpstr (json_object_get_string_member (obj, "symbol"), ==, "BTCUSDT");
  g_clear_pointer (&node, json_node_unref);

  /* fundingRate against the fixture CSV. */
  {
    g_autofree char *path = perp_test_fixture_path ("feed/BTCUSDT_funding_last30.csv");
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_auto(GStrv) third = NULL;
    g_autofree char *query = NULL;
    JsonArray *rows;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    lines = g_strsplit (contents, "\n", -1);
    third = g_strsplit (lines[3], ",", 2);
    query = g_strdup_printf ("/fapi/v1/fundingRate?symbol=BTCUSDT&startTime=%s&limit=4", third[0]);
    node = http_get_json (fx, query);
    rows = json_node_get_array (node);
    g_assert_cmpuint (json_array_get_length (rows), ==, 4);
    for (guint i = 0; i < 4; i++)
      {
        g_auto(GStrv) cells = g_strsplit (lines[3 + i], ",", 2);
        JsonObject *row = json_array_get_object_element (rows, i);

        g_assert_cmpint (json_object_get_int_member (row, "fundingTime"), ==, g_ascii_strtoll (cells[0], NULL, 10));
        g_assert_cmpstr (json_object_get_string_member (row, "fundingRate"), ==, cells[1]);
      }
    g_clear_pointer (&node, json_node_unref);
  }

  g_assert_cmpuint (perp_fake_binance_get_n_requests (fx->fake, "/fapi/v1/premiumIndex"), ==, 1);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (fx->fake, "/fapi/v1/fundingRate"), ==, 1);
  capture_clear (&capture);
}

/* ------------------------------------------------------------------ WebSocket */

static void
test_public_stream (Fixture       *fx,
                    gconstpointer  data)
{
  Capture capture;
  guint j = 0;

  capture_load (&capture);
  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@depth@100ms/btcusdt@bookTicker");
  g_assert_cmpuint (perp_fake_binance_get_n_connections (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC), ==, 1);
  g_assert_cmpstr (perp_fake_binance_get_last_streams (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC), ==,
                   "btcusdt@depth@100ms/btcusdt@bookTicker");
  advance_and_drain (fx, perp_fake_binance_get_n_tick_lines (fx->fake));

  /* Every depth and bookTicker line, in order, its data unchanged. */
  for (guint i = 0; i < capture.lines->len; i++)
    {
      const char *stream = line_stream (&capture, i);
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *env;
      JsonNode *want = json_object_get_member (json_node_get_object (capture.lines->pdata[i]), "data");

      if (g_str_has_suffix (stream, "@trade"))
        continue;
      g_assert_cmpuint (j, <, fx->received->len);
      env = received_envelope (fx, j++, &keep);
      g_assert_cmpstr (json_object_get_string_member (env, "stream"), ==,
                       g_str_has_suffix (stream, "@bookTicker") ? "btcusdt@bookTicker" : "btcusdt@depth@100ms");
      g_assert_true (json_node_equal (json_object_get_member (env, "data"), want));
      /* Byte for byte: the frame ends with the recorded line's text from "data". */
      {
        const char *recorded = capture.texts->pdata[i];
        const char *frame = fx->received->pdata[j - 1];
        const char *rd = strstr (recorded, ",\"data\":");
        const char *fd = strstr (frame, ",\"data\":");

        g_assert_nonnull (rd);
        g_assert_nonnull (fd);
        g_assert_cmpstr (fd, ==, rd);
      }
    }
  g_assert_cmpuint (j, ==, fx->received->len);
  g_assert_cmpuint (perp_fake_binance_get_n_sent (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC), ==, j);
  capture_clear (&capture);
}

static void
test_market_stream (Fixture       *fx,
                    gconstpointer  data)
{
  Csv csv;
  Capture capture;
  guint n_closes = 0, n_forming = 0, n_agg = 0, n_market_trades = 0, start;
  guint trade_i = 0;
  gint64 last_close_t = -1;
  guint steps;

  csv_load (&csv, "feed/FILUSDT_1m_2023-08-02_400.csv");
  capture_load (&capture);
  start = csv.rows->len / 2;
  ws_connect (fx, perp_fake_binance_get_ws_url_market (fx->fake),
              "filusdt@kline_1m/btcusdt@aggTrade/btcusdt@markPrice@1s/btcusdt@forceOrder");
  steps = MAX (perp_fake_binance_get_n_tick_lines (fx->fake), (csv.rows->len - start) * (FORMING + 1));
  advance_and_drain (fx, steps);
  g_assert_true (perp_fake_binance_is_exhausted (fx->fake));

  for (guint i = 0; i < capture.lines->len; i++)
    if (g_str_has_suffix (line_stream (&capture, i), "@trade")
        && g_strcmp0 (json_object_get_string_member (line_data (&capture, i), "X"), "MARKET") == 0)
      n_market_trades++;

  for (guint i = 0; i < fx->received->len; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *env = received_envelope (fx, i, &keep);
      const char *stream = json_object_get_string_member (env, "stream");
      JsonObject *d = json_object_get_object_member (env, "data");

      if (g_str_equal (stream, "filusdt@kline_1m"))
        {
          JsonObject *k = json_object_get_object_member (d, "k");
          gint64 t = json_object_get_int_member (k, "t");
          guint row = start + (guint) ((t - cell_int (&csv, start, 0)) / 60000);

          g_assert_cmpstr (json_object_get_string_member (d, "e"), ==, "kline");
          g_assert_cmpstr (json_object_get_string_member (k, "i"), ==, "1m");
          g_assert_cmpint (t, ==, cell_int (&csv, row, 0));
          g_assert_cmpint (json_object_get_int_member (k, "T"), ==, cell_int (&csv, row, 6));
          g_assert_cmpstr (json_object_get_string_member (k, "o"), ==, cell (&csv, row, 1));
          if (json_object_get_boolean_member (k, "x"))
            {
              g_assert_cmpstr (json_object_get_string_member (k, "h"), ==, cell (&csv, row, 2));
              g_assert_cmpstr (json_object_get_string_member (k, "l"), ==, cell (&csv, row, 3));
              g_assert_cmpstr (json_object_get_string_member (k, "c"), ==, cell (&csv, row, 4));
              g_assert_cmpstr (json_object_get_string_member (k, "v"), ==, cell (&csv, row, 5));
              g_assert_cmpstr (json_object_get_string_member (k, "q"), ==, cell (&csv, row, 7));
              g_assert_cmpint (json_object_get_int_member (k, "n"), ==, cell_int (&csv, row, 8));
              g_assert_cmpint (t, >, last_close_t);
              g_assert_cmpint (json_object_get_int_member (d, "E"), ==, t + 60000);
              last_close_t = t;
              n_closes++;
            }
          else
            n_forming++;
        }
      else
        {
          JsonObject *trade;

          g_assert_cmpstr (stream, ==, "btcusdt@aggTrade");
          g_assert_cmpstr (json_object_get_string_member (d, "e"), ==, "aggTrade");
          /* The next MARKET trade of the capture, same price, quantity, side and id. */
          while (trade_i < capture.lines->len
                 && !(g_str_has_suffix (line_stream (&capture, trade_i), "@trade")
                      && g_strcmp0 (json_object_get_string_member (line_data (&capture, trade_i), "X"), "MARKET") == 0))
            trade_i++;
          g_assert_cmpuint (trade_i, <, capture.lines->len);
          trade = line_data (&capture, trade_i++);
          g_assert_cmpstr (json_object_get_string_member (d, "p"), ==, json_object_get_string_member (trade, "p"));
          g_assert_cmpstr (json_object_get_string_member (d, "q"), ==, json_object_get_string_member (trade, "q"));
          g_assert_cmpint (json_object_get_int_member (d, "a"), ==, json_object_get_int_member (trade, "t"));
          g_assert_cmpint (json_object_get_int_member (d, "T"), ==, json_object_get_int_member (trade, "T"));
          g_assert_true (json_object_get_boolean_member (d, "m") == json_object_get_boolean_member (trade, "m"));
          n_agg++;
        }
    }
  g_assert_cmpuint (n_closes, ==, csv.rows->len - start);
  g_assert_cmpuint (n_forming, ==, (csv.rows->len - start) * FORMING);
  g_assert_cmpuint (n_agg, ==, n_market_trades);
  g_assert_cmpuint (n_agg, >, 100);
  g_ptr_array_unref (csv.rows);
  capture_clear (&capture);
}

/* ------------------------------------------------------------------ faults */

static void
test_fault_drop (Fixture       *fx,
                 gconstpointer  data)
{
  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@bookTicker");
  perp_fake_binance_drop_after (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC, 7);
  perp_fake_binance_advance (fx->fake, 200);
  if (!fx->closed)
    g_main_loop_run (fx->loop);
  g_assert_true (fx->closed);
  g_assert_cmpuint (fx->received->len, ==, 7);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (fx->ws), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  while (perp_fake_binance_get_n_open_connections (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC) > 0)
    g_main_context_iteration (NULL, TRUE);
  /* Nothing more reaches a closed connection; a new one gets the stream again. */
  g_clear_object (&fx->ws);
  fx->closed = FALSE;
  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@bookTicker");
  g_assert_cmpuint (perp_fake_binance_get_n_connections (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC), ==, 2);
  advance_and_drain (fx, 50);
  g_assert_cmpuint (fx->received->len, >, 7);
}

static void
test_fault_drop_abrupt (Fixture       *fx,
                        gconstpointer  data)
{
  perp_fake_binance_set_drop_abrupt (fx->fake, TRUE);
  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@bookTicker");
  perp_fake_binance_drop_after (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC, 5);
  perp_fake_binance_advance (fx->fake, 200);
  if (!fx->closed)
    g_main_loop_run (fx->loop);
  g_assert_true (fx->closed);
  g_assert_cmpuint (fx->received->len, ==, 5);
  /* No close frame came, so libsoup has no close code to report. */
  g_assert_cmpuint (soup_websocket_connection_get_close_code (fx->ws), ==, 0);
  while (perp_fake_binance_get_n_open_connections (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_fault_stall_and_frames (Fixture       *fx,
                             gconstpointer  data)
{
  guint before;

  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@bookTicker");
  perp_fake_binance_inject_frame (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC, PERP_FAKE_FRAME_MALFORMED);
  perp_fake_binance_inject_frame (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC, PERP_FAKE_FRAME_TRUNCATED);
  perp_fake_binance_inject_frame (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC, PERP_FAKE_FRAME_NOT_OBJECT);
  advance_and_drain (fx, 20);
  g_assert_cmpuint (fx->received->len, >, 4);
  {
    g_autoptr(GError) error = NULL;
    JsonNode *bad = json_from_string (fx->received->pdata[0], &error);

    g_assert_null (bad);
    g_assert_nonnull (error);
    g_clear_error (&error);
    /* The truncated frame is the first half of the next real one. */
    g_assert_true (g_str_has_prefix (fx->received->pdata[3], fx->received->pdata[1]));
    g_assert_cmpuint (strlen (fx->received->pdata[1]), ==, strlen (fx->received->pdata[3]) / 2);
    g_assert_cmpstr (fx->received->pdata[2], ==, "[1,2,3]");
  }
  perp_fake_binance_stall (fx->fake, PERP_FAKE_ENDPOINT_PUBLIC);
  before = fx->received->len;
  advance_and_drain (fx, 100);
  g_assert_cmpuint (fx->received->len, ==, before);
  g_assert_false (fx->closed);
  g_assert_cmpint (soup_websocket_connection_get_state (fx->ws), ==, SOUP_WEBSOCKET_STATE_OPEN);
}

static void
test_fault_depth_gap (Fixture       *fx,
                      gconstpointer  data)
{
  guint n_gaps = 0;
  gint64 prev_u = -1;

  ws_connect (fx, perp_fake_binance_get_ws_url_public (fx->fake), "btcusdt@depth");
  advance_and_drain (fx, 300);
  perp_fake_binance_skip_depth_events (fx->fake, 1);
  advance_and_drain (fx, 300);
  g_assert_cmpuint (fx->received->len, >, 10);
  for (guint i = 0; i < fx->received->len; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *d = json_object_get_object_member (received_envelope (fx, i, &keep), "data");

      if (prev_u >= 0 && json_object_get_int_member (d, "pu") != prev_u)
        n_gaps++;
      prev_u = json_object_get_int_member (d, "u");
    }
  g_assert_cmpuint (n_gaps, ==, 1);
}

static void
test_fault_klines (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GArray) closes = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint per = FORMING + 1;

  ws_connect (fx, perp_fake_binance_get_ws_url_market (fx->fake), "filusdt@kline_1m");
  advance_and_drain (fx, per);                     /* close A */
  perp_fake_binance_kline_fault (fx->fake, PERP_FAKE_KLINE_DUPLICATE_CLOSE);
  advance_and_drain (fx, per);                     /* close B, B */
  perp_fake_binance_kline_fault (fx->fake, PERP_FAKE_KLINE_REPEAT_OLD_CLOSE);
  advance_and_drain (fx, per);                     /* close C, B */
  perp_fake_binance_kline_fault (fx->fake, PERP_FAKE_KLINE_SWAP_CLOSES);
  advance_and_drain (fx, 2 * per);                 /* close E, D */
  for (guint i = 0; i < fx->received->len; i++)
    {
      g_autoptr(JsonNode) keep = NULL;
      JsonObject *k = json_object_get_object_member (
        json_object_get_object_member (received_envelope (fx, i, &keep), "data"), "k");

      if (json_object_get_boolean_member (k, "x"))
        {
          gint64 t = json_object_get_int_member (k, "t");

          g_array_append_val (closes, t);
        }
    }
  g_assert_cmpuint (closes->len, ==, 7);
#define T(i) g_array_index (closes, gint64, i)
  g_assert_cmpint (T (1), ==, T (0) + 60000);
  g_assert_cmpint (T (2), ==, T (1));
  g_assert_cmpint (T (3), ==, T (1) + 60000);
  g_assert_cmpint (T (4), ==, T (1));
  g_assert_cmpint (T (5), ==, T (3) + 120000);
  g_assert_cmpint (T (6), ==, T (3) + 60000);
#undef T
}

static void
test_fault_http (Fixture       *fx,
                 gconstpointer  data)
{
  gint64 t0;

  perp_fake_binance_fail_requests (fx->fake, "/fapi/v1/depth", 429, 2, 3);
  http_get (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=5");
  g_assert_cmpuint (fx->status, ==, 429);
  g_assert_cmpstr (soup_message_headers_get_one (fx->headers, "Retry-After"), ==, "3");
  http_get (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=5");
  g_assert_cmpuint (fx->status, ==, 429);
  http_get (fx, "/fapi/v1/depth?symbol=BTCUSDT&limit=5");
  g_assert_cmpuint (fx->status, ==, 200);
  g_assert_cmpuint (perp_fake_binance_get_n_requests (fx->fake, "/fapi/v1/depth"), ==, 3);

  perp_fake_binance_fail_requests (fx->fake, "/fapi/v1/klines", 418, 1, 120);
  http_get (fx, "/fapi/v1/klines?symbol=FILUSDT&interval=1m");
  g_assert_cmpuint (fx->status, ==, 418);
  g_assert_nonnull (strstr (g_bytes_get_data (fx->body, NULL), "banned"));

  perp_fake_binance_delay_requests (fx->fake, "/fapi/v1/premiumIndex", 300, 1);
  t0 = g_get_monotonic_time ();
  http_get (fx, "/fapi/v1/premiumIndex?symbol=BTCUSDT");
  g_assert_cmpuint (fx->status, ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 300 * 1000);
  t0 = g_get_monotonic_time ();
  http_get (fx, "/fapi/v1/premiumIndex?symbol=BTCUSDT");
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 300 * 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/io/fake-binance/rest/exchange-info", test_exchange_info);
  ADD ("/io/fake-binance/rest/klines", test_klines);
  ADD ("/io/fake-binance/rest/depth-snapshot", test_depth_snapshot);
  ADD ("/io/fake-binance/rest/depth-resync", test_depth_resync);
  ADD ("/io/fake-binance/rest/other", test_other_endpoints);
  ADD ("/io/fake-binance/ws/public", test_public_stream);
  ADD ("/io/fake-binance/ws/market", test_market_stream);
  ADD ("/io/fake-binance/fault/drop", test_fault_drop);
  ADD ("/io/fake-binance/fault/drop-abrupt", test_fault_drop_abrupt);
  ADD ("/io/fake-binance/fault/stall-and-frames", test_fault_stall_and_frames);
  ADD ("/io/fake-binance/fault/depth-gap", test_fault_depth_gap);
  ADD ("/io/fake-binance/fault/klines", test_fault_klines);
  ADD ("/io/fake-binance/fault/http", test_fault_http);
#undef ADD

  return g_test_run ();
}
