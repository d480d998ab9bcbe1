/* test-binance-decode.c: Binance stream messages and REST responses decoded, checked
 * against the JSON text of ../shared/data/binance_api_samples
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "../perp-test-support.h"
#include "perp-binance-decode.h"
#include "perp-tick-reader.h"

#define SAMPLES "data/binance_api_samples/"

/* ------------------------------------------------------------------ helpers */

#define assert_contains(haystack, needle) \
  assert_contains_impl (__FILE__, __LINE__, G_STRFUNC, (haystack), (needle))

static void
assert_contains_impl (const char *file,
                      int         line,
                      const char *func,
                      const char *haystack,
                      const char *needle)
{
  g_autofree char *message = NULL;

  if (haystack != NULL && strstr (haystack, needle) != NULL)
    return;

  message = g_strdup_printf ("\"%s\" does not contain \"%s\"", haystack != NULL ? haystack : "(null)", needle);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* The text of a sample, or NULL after g_test_skip() when ../shared is not there. */
static char *
load_sample (const char *relative,
             gsize      *length)
{
  g_autofree char *rel = g_strconcat (SAMPLES, relative, NULL);
  g_autofree char *path = perp_test_shared_path (rel);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  if (path == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("%s is not there", rel);

      g_test_skip (msg);
      return NULL;
    }

  g_file_get_contents (path, &text, length, &error);
  g_assert_no_error (error);

  return text;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);

  return json_node_ref (json_parser_get_root (parser));
}

/* The expectation side reads the JSON with json-glib and strtod, not our decimal
 * parser. */
static double
str_member (JsonObject *object,
            const char *name)
{
  const char *text = json_object_get_string_member (object, name);

  g_assert_nonnull (text);
  return g_ascii_strtod (text, NULL);
}

static double
str_element (JsonArray *array,
             guint      index)
{
  return g_ascii_strtod (json_array_get_string_element (array, index), NULL);
}

static void
assert_close (double actual,
              double expected)
{
  g_assert_cmpfloat_with_epsilon (actual, expected, fabs (expected) * 1e-12 + 1e-15);
}

static gboolean
decode_text (const char     *text,
             PerpTickEvent  *event,
             PerpTickDecoder *decoder,
             GError        **error)
{
  return perp_tick_decoder_decode (decoder, text, -1, event, error);
}

/* ------------------------------------------------------------------ stream messages */

static void
check_kline (const char *name,
             gboolean    closed,
             gboolean    envelope)
{
  g_autofree char *text = load_sample (name, NULL);
  g_autofree char *wrapped = NULL;
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *k;
  PerpTickEvent event;

  if (text == NULL)
    return;

  root = parse (text);
  k = json_object_get_object_member (json_node_get_object (root), "k");
  if (envelope)
    wrapped = g_strdup_printf ("{\"stream\":\"btcusdt@kline_1m\",\"data\":%s}", text);

  g_assert_true (decode_text (envelope ? wrapped : text, &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_KLINE);
  g_assert_cmpstr (event.symbol, ==, json_object_get_string_member (json_node_get_object (root), "s"));
  g_assert_cmpint (event.kline.event_time, ==, json_object_get_int_member (json_node_get_object (root), "E"));
  g_assert_cmpint (event.kline.interval, ==, perp_interval_from_string (json_object_get_string_member (k, "i")));
  g_assert_cmpint (event.kline.interval, ==, PERP_INTERVAL_1M);
  g_assert_cmpint (event.kline.candle.open_time, ==, json_object_get_int_member (k, "t"));
  assert_close (event.kline.candle.open, str_member (k, "o"));
  assert_close (event.kline.candle.high, str_member (k, "h"));
  assert_close (event.kline.candle.low, str_member (k, "l"));
  assert_close (event.kline.candle.close, str_member (k, "c"));
  assert_close (event.kline.candle.volume, str_member (k, "v"));
  assert_close (event.kline.candle.quote_volume, str_member (k, "q"));
  assert_close (event.kline.candle.taker_buy_volume, str_member (k, "V"));
  g_assert_cmpint (event.kline.candle.trade_count, ==, json_object_get_int_member (k, "n"));
  g_assert_cmpint (event.kline.closed, ==, json_object_get_boolean_member (k, "x"));
  g_assert_cmpint (event.kline.closed, ==, closed);
  g_assert_cmpint (perp_tick_event_time (&event), ==, event.kline.event_time);
}

static void
test_ws_kline (void)
{
  check_kline ("format_examples/ws/kline_stream_open.json", FALSE, FALSE);
  check_kline ("format_examples/ws/kline_stream_closed.json", TRUE, FALSE);
  check_kline ("format_examples/ws/kline_stream_closed.json", TRUE, TRUE);
}

static void
test_ws_mark_price (void)
{
  g_autofree char *text = load_sample ("format_examples/ws/mark_price_stream.json", NULL);
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  PerpTickEvent event;

  if (text == NULL)
    return;

  root = parse (text);
  o = json_node_get_object (root);
  g_assert_true (decode_text (text, &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_MARK_PRICE);
  g_assert_cmpstr (event.symbol, ==, "BTCUSDT");
  g_assert_cmpint (event.mark.event_time, ==, json_object_get_int_member (o, "E"));
  assert_close (event.mark.mark_price, str_member (o, "p"));
  assert_close (event.mark.index_price, str_member (o, "i"));
  assert_close (event.mark.funding_rate, str_member (o, "r"));
  g_assert_cmpint (event.mark.next_funding_time, ==, json_object_get_int_member (o, "T"));

  /* A negative rate keeps its sign; the stream name alone also identifies it. */
  g_assert_true (decode_text ("{\"stream\":\"ethusdt@markPrice@1s\",\"data\":{\"E\":5,\"s\":\"ETHUSDT\","
                              "\"p\":\"2500.5\",\"i\":\"2500.1\",\"P\":\"2500\",\"r\":\"-0.00012500\",\"T\":9}}",
                              &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_MARK_PRICE);
  assert_close (event.mark.funding_rate, -0.000125);
  assert_close (event.mark.mark_price, 2500.5);
}

static void
test_ws_liquidation (void)
{
  g_autofree char *text = load_sample ("format_examples/ws/liquidation_stream.json", NULL);
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  PerpTickEvent event;

  if (text == NULL)
    return;

  root = parse (text);
  o = json_object_get_object_member (json_node_get_object (root), "o");
  g_assert_true (decode_text (text, &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_LIQUIDATION);
  g_assert_cmpstr (event.symbol, ==, json_object_get_string_member (o, "s"));
  g_assert_cmpstr (json_object_get_string_member (o, "S"), ==, "SELL");
  g_assert_cmpint (event.liquidation.side, ==, PERP_LIQ_SIDE_LONG);
  g_assert_cmpint (event.liquidation.time, ==, json_object_get_int_member (o, "T"));
  /* "ap" is there and positive: it is the price, not "p". */
  assert_close (event.liquidation.price, str_member (o, "ap"));
  g_assert_cmpfloat (event.liquidation.price, !=, str_member (o, "p"));
  assert_close (event.liquidation.quantity, str_member (o, "z"));

  /* BUY = a short was liquidated; "ap" of 0 and "z" of 0 fall back to "p" and "q". */
  g_assert_true (decode_text ("{\"e\":\"forceOrder\",\"E\":10,\"o\":{\"s\":\"ETHUSDT\",\"S\":\"BUY\","
                              "\"q\":\"1.5\",\"p\":\"2000.25\",\"ap\":\"0\",\"z\":\"0\",\"T\":11}}",
                              &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.liquidation.side, ==, PERP_LIQ_SIDE_SHORT);
  g_assert_cmpstr (event.symbol, ==, "ETHUSDT");
  assert_close (event.liquidation.price, 2000.25);
  assert_close (event.liquidation.quantity, 1.5);
  g_assert_cmpint (event.liquidation.time, ==, 11);
}

static void
test_ws_agg_trade (void)
{
  g_autofree char *text = load_sample ("format_examples/ws/agg_trade_stream.json", NULL);
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  PerpTickEvent event;

  if (text == NULL)
    return;

  root = parse (text);
  o = json_node_get_object (root);
  g_assert_true (decode_text (text, &event, decoder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_TRADE);
  g_assert_cmpuint (event.trade.id, ==, (guint64) json_object_get_int_member (o, "a"));
  g_assert_cmpint (event.trade.trade_time, ==, json_object_get_int_member (o, "T"));
  g_assert_cmpint (event.trade.event_time, ==, json_object_get_int_member (o, "E"));
  assert_close (event.trade.price, str_member (o, "p"));
  assert_close (event.trade.qty, str_member (o, "q"));
  g_assert_cmpint (event.trade.buyer_is_maker, ==, json_object_get_boolean_member (o, "m"));
}

typedef struct
{
  const char *text;
  const char *needle;
  int         code;
} BadCase;

static void
test_ws_malformed (void)
{
  static const BadCase cases[] = {
    { "{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\"}", "\"k\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\",\"k\":{\"t\":1,\"i\":\"7m\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\","
      "\"c\":\"1\",\"v\":\"1\",\"q\":\"1\",\"V\":\"1\",\"n\":1,\"x\":false}}", "\"i\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\",\"k\":{\"t\":1,\"i\":\"1m\",\"o\":\"1\",\"h\":\"abc\",\"l\":\"1\","
      "\"c\":\"1\",\"v\":\"1\",\"q\":\"1\",\"V\":\"1\",\"n\":1,\"x\":false}}", "\"h\"", PERP_TICK_ERROR_NUMBER },
    { "{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\",\"k\":{\"t\":1,\"i\":\"1m\",\"o\":\"1\",\"h\":\"1\",\"l\":\"1\","
      "\"c\":\"1\",\"v\":\"1\",\"q\":\"1\",\"V\":\"1\",\"n\":1,\"x\":\"yes\"}}", "\"x\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"kline\",\"E\":1,\"s\":\"BTCUSDT\",\"k\":{\"t\":1,\"i\":\"1m\",\"o\":\"1\",\"h\":\"1\",\"l\":\"2\","
      "\"c\":\"1\",\"v\":\"1\",\"q\":\"1\",\"V\":\"1\",\"n\":1,\"x\":true}}", "high", PERP_TICK_ERROR_NUMBER },
    { "{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"i\":\"1\",\"r\":\"0\",\"T\":2}", "\"p\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"1\",\"i\":\"1\",\"r\":\"x1\",\"T\":2}", "\"r\"", PERP_TICK_ERROR_NUMBER },
    { "{\"e\":\"forceOrder\",\"E\":1,\"o\":{\"s\":\"BTCUSDT\",\"S\":\"HOLD\",\"q\":\"1\",\"p\":\"1\",\"T\":1}}", "\"S\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"forceOrder\",\"E\":1,\"o\":{\"s\":\"BTCUSDT\",\"S\":\"SELL\",\"q\":\"1\",\"p\":\"1\"}}", "\"T\"", PERP_TICK_ERROR_FORMAT },
    { "{\"e\":\"forceOrder\",\"E\":1,\"o\":[]}", "\"o\"", PERP_TICK_ERROR_FORMAT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
      g_autoptr(GError) error = NULL;
      PerpTickEvent event;

      g_assert_false (decode_text (cases[i].text, &event, decoder, &error));
      g_assert_error (error, PERP_TICK_ERROR, cases[i].code);
      assert_contains (error->message, cases[i].needle);
    }
}

/* Every cut of a real message is an error, never a crash or a bogus event. */
static void
test_ws_truncated (void)
{
  const char *names[] = {
    "format_examples/ws/kline_stream_closed.json",
    "format_examples/ws/mark_price_stream.json",
    "format_examples/ws/liquidation_stream.json",
  };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      gsize length = 0;
      g_autofree char *text = load_sample (names[n], &length);
      g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();

      if (text == NULL)
        return;

      /* The samples end in "}\n": the last cut that leaves valid JSON is the whole. */
      while (length > 0 && g_ascii_isspace (text[length - 1]))
        length--;
      for (gsize cut = 0; cut < length; cut++)
        {
          g_autoptr(GError) error = NULL;
          PerpTickEvent event;

          g_assert_false (perp_tick_decoder_decode (decoder, text, (gssize) cut, &event, &error));
          g_assert_nonnull (error);
        }
    }
}

/* ------------------------------------------------------------------ REST */

static void
check_klines_rows (PerpCandles *candles,
                   guint        first,
                   JsonArray   *rows,
                   guint        first_row,
                   guint        n)
{
  for (guint i = 0; i < n; i++)
    {
      JsonArray *row = json_array_get_array_element (rows, first_row + i);
      PerpCandle candle;

      perp_candles_get_candle (candles, first + i, &candle);
      g_assert_cmpint (candle.open_time, ==, json_array_get_int_element (row, 0));
      assert_close (candle.open, str_element (row, 1));
      assert_close (candle.high, str_element (row, 2));
      assert_close (candle.low, str_element (row, 3));
      assert_close (candle.close, str_element (row, 4));
      assert_close (candle.volume, str_element (row, 5));
      assert_close (candle.quote_volume, str_element (row, 7));
      g_assert_cmpint (candle.trade_count, ==, json_array_get_int_element (row, 8));
      assert_close (candle.taker_buy_volume, str_element (row, 9));
    }
}

static void
test_rest_klines_recorded (void)
{
  g_autofree char *text = load_sample ("recorded/fapi_v1_klines_FILUSDT_1m_limit500_DERIVED.json", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) all = NULL;
  g_autoptr(PerpCandles) part = NULL;
  JsonArray *rows;
  PerpCandle forming;
  gboolean has_forming = TRUE;
  gint64 last_open;
  guint n;

  if (text == NULL)
    return;

  root = parse (text);
  rows = json_node_get_array (root);
  n = json_array_get_length (rows);
  g_assert_cmpuint (n, ==, 500);
  last_open = json_array_get_int_element (json_array_get_array_element (rows, n - 1), 0);

  /* All closed. */
  all = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_ALL);
  g_assert_true (perp_binance_decode_klines (root, "recorded", last_open + PERP_MS_PER_MINUTE,
                                             all, &forming, &has_forming, &error));
  g_assert_no_error (error);
  g_assert_false (has_forming);
  g_assert_cmpuint (perp_candles_get_length (all), ==, n);
  check_klines_rows (all, 0, rows, 0, n);

  /* One millisecond earlier the last row is still forming. */
  part = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_ALL);
  g_assert_true (perp_binance_decode_klines (root, "recorded", last_open + PERP_MS_PER_MINUTE - 1,
                                             part, &forming, &has_forming, &error));
  g_assert_no_error (error);
  g_assert_true (has_forming);
  g_assert_cmpuint (perp_candles_get_length (part), ==, n - 1);
  g_assert_cmpint (forming.open_time, ==, last_open);
  assert_close (forming.close, str_element (json_array_get_array_element (rows, n - 1), 4));

  /* Decoding again appends only what is new: the one that closed meanwhile. */
  g_assert_true (perp_binance_decode_klines (root, "recorded", G_MAXINT64, part, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (part), ==, n);
  check_klines_rows (part, n - 1, rows, n - 1, 1);
}

static void
test_rest_klines_examples (void)
{
  static const struct {
    const char   *name;
    PerpInterval  interval;
  } files[] = {
    { "format_examples/rest/http_futures_market_klines.json", PERP_INTERVAL_1W },
    { "format_examples/rest/http_futures_market_continuous_klines.json", PERP_INTERVAL_1M },
    { "format_examples/rest/http_futures_market_mark_price_klines.json", PERP_INTERVAL_1M },
    { "format_examples/rest/http_futures_market_index_price_klines.json", PERP_INTERVAL_1M },
  };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *text = load_sample (files[f].name, NULL);
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpCandles) candles = NULL;
      g_autoptr(PerpCandles) wrong = NULL;
      JsonArray *rows;

      if (text == NULL)
        return;

      root = parse (text);
      rows = json_node_get_array (root);
      candles = perp_candles_new (files[f].interval, PERP_CANDLE_FIELD_ALL);
      g_assert_true (perp_binance_decode_klines (root, files[f].name, G_MAXINT64, candles, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (perp_candles_get_length (candles), ==, json_array_get_length (rows));
      check_klines_rows (candles, 0, rows, 0, json_array_get_length (rows));

      /* Asked as another interval, the close time gives it away. */
      wrong = perp_candles_new (PERP_INTERVAL_5M, PERP_CANDLE_FIELD_ALL);
      g_assert_false (perp_binance_decode_klines (root, files[f].name, G_MAXINT64, wrong, NULL, NULL, &error));
      g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT);
      assert_contains (error->message, files[f].name);
      assert_contains (error->message, "[0][6]");
      g_assert_cmpuint (perp_candles_get_length (wrong), ==, 0);
    }
}

static void
test_rest_klines_malformed (void)
{
  static const BadCase cases[] = {
    { "{\"code\":-1121}", "not an array", PERP_TICK_ERROR_FORMAT },
    { "[[60000,\"1\",\"1\",\"1\",\"1\",\"1\",119999,\"1\",1,\"1\",\"1\",\"0\"],[120000,\"1\",\"2\"]]",
      "[1] has 3 elements", PERP_TICK_ERROR_FORMAT },
    { "[[60000,\"1\",\"1\",\"1\",\"1\",\"1\",119999,\"1\",1,\"1\",\"1\",\"0\"],"
      "[120000,\"1\",\"1\",\"1\",\"abc\",\"1\",179999,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[1][4]: \"abc\"", PERP_TICK_ERROR_NUMBER },
    { "[[\"60000\",\"1\",\"1\",\"1\",\"1\",\"1\",119999,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[0][0]", PERP_TICK_ERROR_FORMAT },
    { "[[60000,\"1\",\"1\",\"1\",\"1\",\"-1\",119999,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[0][5]", PERP_TICK_ERROR_NUMBER },
    { "[[120000,\"1\",\"1\",\"1\",\"1\",\"1\",179999,\"1\",1,\"1\",\"1\",\"0\"],"
      "[60000,\"1\",\"1\",\"1\",\"1\",\"1\",119999,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[1][0]", PERP_TICK_ERROR_FORMAT },
    { "[[60000,\"1\",\"1\",\"2\",\"1\",\"1\",119999,\"1\",1,\"1\",\"1\",\"0\"]]",
      "high is below low", PERP_TICK_ERROR_NUMBER },
    { "[17]", "[0] is a number", PERP_TICK_ERROR_FORMAT },
    /* Times outside 1970-9999: the close-time check would overflow, the engine too. */
    { "[[9223372036854775707,\"1\",\"1\",\"1\",\"1\",\"1\",9223372036854775806,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[0][0]: 9223372036854775707 is not a time in milliseconds from 1970 to 9999", PERP_TICK_ERROR_NUMBER },
    { "[[-60000,\"1\",\"1\",\"1\",\"1\",\"1\",-1,\"1\",1,\"1\",\"1\",\"0\"]]",
      "[0][0]: -60000 is not a time", PERP_TICK_ERROR_NUMBER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) root = parse (cases[i].text);
      g_autoptr(PerpCandles) candles = perp_candles_new (PERP_INTERVAL_1M, PERP_CANDLE_FIELD_ALL);
      g_autoptr(GError) error = NULL;

      g_assert_false (perp_binance_decode_klines (root, "http://x/fapi/v1/klines", G_MAXINT64,
                                                  candles, NULL, NULL, &error));
      g_assert_error (error, PERP_TICK_ERROR, cases[i].code);
      assert_contains (error->message, "http://x/fapi/v1/klines: ");
      assert_contains (error->message, cases[i].needle);
      /* Nothing appended, even for the valid first row. */
      g_assert_cmpuint (perp_candles_get_length (candles), ==, 0);
    }
}

static void
check_depth (const char *name,
             gboolean    has_time)
{
  g_autofree char *text = load_sample (name, NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bids = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
  g_autoptr(GArray) asks = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
  PerpDepthSnapshot snapshot;
  JsonObject *o;
  const char *sides[2] = { "bids", "asks" };

  if (text == NULL)
    return;

  root = parse (text);
  o = json_node_get_object (root);
  g_assert_true (perp_binance_decode_depth (root, name, bids, asks, &snapshot, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (snapshot.last_update_id, ==, (guint64) json_object_get_int_member (o, "lastUpdateId"));
  g_assert_cmpint (snapshot.event_time, ==, has_time ? json_object_get_int_member (o, "E") : 0);

  for (guint s = 0; s < 2; s++)
    {
      JsonArray *levels = json_object_get_array_member (o, sides[s]);
      const PerpPriceLevel *got = s == 0 ? snapshot.bids : snapshot.asks;
      guint n = s == 0 ? snapshot.n_bids : snapshot.n_asks;

      g_assert_cmpuint (n, ==, json_array_get_length (levels));
      for (guint i = 0; i < n; i++)
        {
          JsonArray *pair = json_array_get_array_element (levels, i);

          /* Keys are exact: 1e-8 units, checked with strtod's value rounded. */
          g_assert_cmpint (got[i].price_key, ==, (gint64) llround (str_element (pair, 0) * 1e8));
          assert_close (got[i].qty, str_element (pair, 1));
        }
    }
}

static void
test_rest_depth (void)
{
  check_depth ("recorded/fapi_v1_depth_BTCUSDT_limit1000_2024-08-08T235416Z.json", TRUE);
  check_depth ("recorded/fapi_v1_depth_ETHUSDT_limit1000_2024-08-08T235416Z.json", TRUE);
  check_depth ("recorded/api_v3_depth_BTCUSDT_spot_limit1000_2024-08-08T235415Z.json", FALSE);
  check_depth ("format_examples/rest/http_futures_market_depth.json", TRUE);
}

static void
test_rest_depth_malformed (void)
{
  static const BadCase cases[] = {
    { "{\"E\":1,\"bids\":[],\"asks\":[]}", "\"lastUpdateId\" is missing", PERP_TICK_ERROR_FORMAT },
    { "{\"lastUpdateId\":5,\"bids\":[[\"1\",\"2\"],[\"x\",\"2\"]],\"asks\":[]}", "\"bids\"[1][0]", PERP_TICK_ERROR_NUMBER },
    { "{\"lastUpdateId\":5,\"bids\":[],\"asks\":[[\"1\"]]}", "\"asks\"[0]", PERP_TICK_ERROR_FORMAT },
    { "{\"lastUpdateId\":5,\"bids\":[]}", "\"asks\" is missing", PERP_TICK_ERROR_FORMAT },
    { "{\"lastUpdateId\":-5,\"bids\":[],\"asks\":[]}", "negative", PERP_TICK_ERROR_NUMBER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) root = parse (cases[i].text);
      g_autoptr(GArray) bids = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
      g_autoptr(GArray) asks = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
      g_autoptr(GError) error = NULL;
      PerpDepthSnapshot snapshot;

      g_assert_false (perp_binance_decode_depth (root, "depth", bids, asks, &snapshot, &error));
      g_assert_error (error, PERP_TICK_ERROR, cases[i].code);
      assert_contains (error->message, cases[i].needle);
      g_assert_cmpuint (bids->len, ==, 0);
      g_assert_cmpuint (asks->len, ==, 0);
    }
}

static void
test_rest_small (void)
{
  g_autofree char *oi_text = load_sample ("format_examples/rest/http_futures_market_open_interest.json", NULL);
  g_autofree char *pi_text = load_sample ("format_examples/rest/http_futures_market_premium_index.json", NULL);
  g_autofree char *fr_text = load_sample ("format_examples/rest/http_futures_market_funding_rate.json", NULL);
  g_autofree char *tk_text = load_sample ("format_examples/rest/http_futures_market_ticker_24hr.json", NULL);
  g_autoptr(JsonNode) oi = NULL;
  g_autoptr(JsonNode) pi = NULL;
  g_autoptr(JsonNode) fr = NULL;
  g_autoptr(JsonNode) tk = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  PerpMarkPrice mark;
  PerpBinanceTicker24h ticker;
  JsonObject *o;
  JsonArray *a;
  gint64 time = 0;
  double value = 0;

  if (oi_text == NULL || pi_text == NULL || fr_text == NULL || tk_text == NULL)
    return;

  oi = parse (oi_text);
  o = json_node_get_object (oi);
  g_assert_true (perp_binance_decode_open_interest (oi, "oi", &time, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (time, ==, json_object_get_int_member (o, "time"));
  assert_close (value, str_member (o, "openInterest"));

  pi = parse (pi_text);
  o = json_node_get_object (pi);
  g_assert_true (perp_binance_decode_premium_index (pi, "pi", &mark, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mark.event_time, ==, json_object_get_int_member (o, "time"));
  g_assert_cmpint (mark.next_funding_time, ==, json_object_get_int_member (o, "nextFundingTime"));
  assert_close (mark.mark_price, str_member (o, "markPrice"));
  assert_close (mark.index_price, str_member (o, "indexPrice"));
  assert_close (mark.funding_rate, str_member (o, "lastFundingRate"));

  fr = parse (fr_text);
  a = json_node_get_array (fr);
  g_assert_true (perp_binance_decode_funding_rates (fr, "fr", times, rates, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (times->len, ==, json_array_get_length (a));
  g_assert_cmpuint (rates->len, ==, json_array_get_length (a));
  for (guint i = 0; i < times->len; i++)
    {
      JsonObject *row = json_array_get_object_element (a, i);

      g_assert_cmpint (g_array_index (times, gint64, i), ==, json_object_get_int_member (row, "fundingTime"));
      assert_close (g_array_index (rates, double, i), str_member (row, "fundingRate"));
    }
  /* The example's first rate is negative. */
  g_assert_cmpfloat (g_array_index (rates, double, 0), <, 0);

  tk = parse (tk_text);
  o = json_node_get_object (tk);
  g_assert_true (perp_binance_decode_ticker_24hr (tk, "tk", &ticker, &error));
  g_assert_no_error (error);
  assert_close (ticker.last_price, str_member (o, "lastPrice"));
  assert_close (ticker.volume, str_member (o, "volume"));
  assert_close (ticker.quote_volume, str_member (o, "quoteVolume"));
  assert_close (ticker.price_change_percent, str_member (o, "priceChangePercent"));
  g_assert_cmpint (ticker.count, ==, json_object_get_int_member (o, "count"));
  g_assert_cmpint (ticker.close_time, ==, json_object_get_int_member (o, "closeTime"));
}

static void
test_rest_small_malformed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonNode) oi = parse ("{\"openInterest\":\"12x\",\"time\":5}");
  g_autoptr(JsonNode) pi = parse ("{\"markPrice\":\"1\",\"indexPrice\":\"1\",\"lastFundingRate\":\"0.1\",\"time\":5}");
  g_autoptr(JsonNode) fr = parse ("[{\"fundingTime\":1,\"fundingRate\":\"0.1\"},{\"fundingTime\":2}]");
  g_autoptr(JsonNode) fr2 = parse ("[{\"fundingTime\":\"1\",\"fundingRate\":\"0.1\"}]");
  PerpMarkPrice mark;
  gint64 time = 0;
  double value = 0;

  g_assert_false (perp_binance_decode_open_interest (oi, "GET /oi", &time, &value, &error));
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER);
  assert_contains (error->message, "GET /oi: \"openInterest\": \"12x\"");
  g_clear_error (&error);

  g_assert_false (perp_binance_decode_premium_index (pi, "GET /pi", &mark, &error));
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT);
  assert_contains (error->message, "\"nextFundingTime\" is missing");
  g_clear_error (&error);

  g_assert_false (perp_binance_decode_funding_rates (fr, "GET /fr", times, rates, &error));
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT);
  assert_contains (error->message, "[1].\"fundingRate\" is missing");
  g_assert_cmpuint (times->len, ==, 0);
  g_assert_cmpuint (rates->len, ==, 0);
  g_clear_error (&error);

  g_assert_false (perp_binance_decode_funding_rates (fr2, "GET /fr", times, rates, &error));
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT);
  assert_contains (error->message, "[0].\"fundingTime\": \"1\" is not an integer");
  g_clear_error (&error);

  /* A time past the year 9999 would push the feed's clock out of range. */
  {
    g_autoptr(JsonNode) far = parse ("{\"openInterest\":\"12\",\"time\":9223372036854775807}");

    g_assert_false (perp_binance_decode_open_interest (far, "GET /oi", &time, &value, &error));
    g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER);
    assert_contains (error->message, "GET /oi: \"time\": 9223372036854775807 is not a time");
  }
}

static void
test_error_message (void)
{
  const char *body = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
  g_autofree char *msg = perp_binance_dup_error_message (body, strlen (body));
  g_autofree char *none = perp_binance_dup_error_message ("<html>", 6);
  g_autofree char *truncated = perp_binance_dup_error_message (body, 20);

  g_assert_cmpstr (msg, ==, "Invalid symbol.");
  g_assert_null (none);
  g_assert_null (truncated);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/binance/ws/kline", test_ws_kline);
  g_test_add_func ("/io/binance/ws/mark-price", test_ws_mark_price);
  g_test_add_func ("/io/binance/ws/liquidation", test_ws_liquidation);
  g_test_add_func ("/io/binance/ws/agg-trade", test_ws_agg_trade);
  g_test_add_func ("/io/binance/ws/malformed", test_ws_malformed);
  g_test_add_func ("/io/binance/ws/truncated", test_ws_truncated);
  g_test_add_func ("/io/binance/rest/klines-recorded", test_rest_klines_recorded);
  g_test_add_func ("/io/binance/rest/klines-examples", test_rest_klines_examples);
  g_test_add_func ("/io/binance/rest/klines-malformed", test_rest_klines_malformed);
  g_test_add_func ("/io/binance/rest/depth", test_rest_depth);
  g_test_add_func ("/io/binance/rest/depth-malformed", test_rest_depth_malformed);
  g_test_add_func ("/io/binance/rest/small", test_rest_small);
  g_test_add_func ("/io/binance/rest/small-malformed", test_rest_small_malformed);
  g_test_add_func ("/io/binance/rest/error-message", test_error_message);

  return g_test_run ();
}
