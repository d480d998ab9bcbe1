/* perp-binance-decode.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-binance-decode"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "perp-json-private.h"

#include "core/perp-decimal.h"
#include "perp-binance-decode.h"

/*
 * Binance writes prices, quantities and rates as decimal strings and times, ids and
 * counts as JSON integers (layouts in ../shared/data/binance_api_samples).  Decimals are
 * also taken as JSON numbers: the value is the same and a proxy or a test server may
 * re-serialise them.  Every element used is checked; an error names @where and the
 * element's path ("[3][4]", "\"fundingRate\"", "[2].fundingTime") and what it holds.
 *
 * The decoders collect into locals first and copy out only when the whole response is
 * good, so a truncated or corrupt body leaves the caller's containers as they were.
 */

#define KLINE_MIN_COLUMNS 10

static gboolean fail (GError     **error,
                      int          code,
                      const char  *where,
                      const char  *format,
                      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError     **error,
      int          code,
      const char  *where,
      const char  *format,
      ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, PERP_TICK_ERROR, code, "%s: %s", where, detail);

  return FALSE;
}

/* A short quote of what a node holds, for "is \"abc\", not a number" messages. */
static char *
quote_node (JsonNode *node)
{
  if (_perp_json_holds (node, G_TYPE_STRING))
    return g_strdup_printf ("\"%.40s\"", json_node_get_string (node));
  if (_perp_json_holds (node, G_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return g_strdup (_perp_json_describe_node (node));
}

static gboolean
parse_decimal_text (const char *text,
                    gboolean    allow_negative,
                    double     *out)
{
  gsize len = strlen (text);
  gboolean negative = FALSE;

  if (allow_negative && len > 0 && text[0] == '-')
    {
      negative = TRUE;
      text++;
      len--;
    }

  if (!perp_quantity_parse (text, len, out) || !isfinite (*out))
    return FALSE;
  if (negative)
    *out = -*out;

  return TRUE;
}

/* A decimal (string, or a JSON number) at @path. */
static gboolean
node_decimal (JsonNode    *node,
              const char  *where,
              const char  *path,
              gboolean     allow_negative,
              double      *out,
              GError     **error)
{
  g_autofree char *quoted = NULL;

  if (node != NULL && _perp_json_holds (node, G_TYPE_STRING))
    {
      if (parse_decimal_text (json_node_get_string (node), allow_negative, out))
        return TRUE;
    }
  else if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
           && (json_node_get_value_type (node) == G_TYPE_DOUBLE
               || json_node_get_value_type (node) == G_TYPE_INT64))
    {
      *out = json_node_get_double (node);
      if (isfinite (*out) && (allow_negative || *out >= 0))
        return TRUE;
    }
  else if (node == NULL)
    {
      return fail (error, PERP_TICK_ERROR_FORMAT, where, "%s is missing", path);
    }
  else
    {
      return fail (error, PERP_TICK_ERROR_FORMAT, where, "%s is %s, not a decimal string",
                   path, _perp_json_describe_node (node));
    }

  quoted = quote_node (node);
  return fail (error, PERP_TICK_ERROR_NUMBER, where, "%s: %s is not a %sdecimal number",
               path, quoted, allow_negative ? "" : "non-negative ");
}

static gboolean
node_int (JsonNode    *node,
          const char  *where,
          const char  *path,
          gint64      *out,
          GError     **error)
{
  if (node == NULL)
    return fail (error, PERP_TICK_ERROR_FORMAT, where, "%s is missing", path);
  if (!_perp_json_holds (node, G_TYPE_INT64))
    {
      g_autofree char *quoted = quote_node (node);

      return fail (error, PERP_TICK_ERROR_FORMAT, where, "%s: %s is not an integer", path, quoted);
    }

  *out = json_node_get_int (node);

  return TRUE;
}

static JsonObject *
root_object (JsonNode    *root,
             const char  *where,
             const char  *what,
             GError     **error)
{
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, PERP_TICK_ERROR_FORMAT, where, "the response is %s, not %s object",
            root != NULL ? _perp_json_describe_node (root) : "empty", what);
      return NULL;
    }

  return json_node_get_object (root);
}

static JsonArray *
root_array (JsonNode    *root,
            const char  *where,
            const char  *what,
            GError     **error)
{
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      fail (error, PERP_TICK_ERROR_FORMAT, where, "the response is %s, not an array of %s",
            root != NULL ? _perp_json_describe_node (root) : "empty", what);
      return NULL;
    }

  return json_node_get_array (root);
}

static gboolean
member_decimal (JsonObject  *object,
                const char  *where,
                const char  *prefix,
                const char  *name,
                gboolean     allow_negative,
                double      *out,
                GError     **error)
{
  g_autofree char *path = g_strdup_printf ("%s\"%s\"", prefix, name);

  return node_decimal (json_object_get_member (object, name), where, path, allow_negative, out, error);
}

static gboolean
member_int (JsonObject  *object,
            const char  *where,
            const char  *prefix,
            const char  *name,
            gint64      *out,
            GError     **error)
{
  g_autofree char *path = g_strdup_printf ("%s\"%s\"", prefix, name);

  return node_int (json_object_get_member (object, name), where, path, out, error);
}

/* A time (Unix ms): an integer in [0, PERP_TIME_MAX_MS]. */
static gboolean
node_time (JsonNode    *node,
           const char  *where,
           const char  *path,
           gint64      *out,
           GError     **error)
{
  if (!node_int (node, where, path, out, error))
    return FALSE;
  if (!perp_time_is_valid (*out))
    return fail (error, PERP_TICK_ERROR_NUMBER, where,
                 "%s: %" G_GINT64_FORMAT " is not a time in milliseconds from 1970 to 9999", path, *out);
  return TRUE;
}

static gboolean
member_time (JsonObject  *object,
             const char  *where,
             const char  *prefix,
             const char  *name,
             gint64      *out,
             GError     **error)
{
  g_autofree char *path = g_strdup_printf ("%s\"%s\"", prefix, name);

  return node_time (json_object_get_member (object, name), where, path, out, error);
}

/* ------------------------------------------------------------------ klines */

static gboolean
decode_kline_row (JsonNode    *row_node,
                  guint        i,
                  const char  *where,
                  gint64       interval_ms,
                  PerpCandle  *candle,
                  GError     **error)
{
  JsonArray *row;
  guint n;
  gint64 close_time = 0;
  double *columns[] = {
    NULL, &candle->open, &candle->high, &candle->low, &candle->close, &candle->volume,
    NULL, &candle->quote_volume, NULL, &candle->taker_buy_volume,
  };
  PerpCandleColumn bad_column;
  const char *reason = NULL;

  if (!JSON_NODE_HOLDS_ARRAY (row_node))
    return fail (error, PERP_TICK_ERROR_FORMAT, where, "[%u] is %s, not a kline array",
                 i, _perp_json_describe_node (row_node));

  row = json_node_get_array (row_node);
  n = json_array_get_length (row);
  if (n < KLINE_MIN_COLUMNS)
    return fail (error, PERP_TICK_ERROR_FORMAT, where,
                 "[%u] has %u elements, a kline has 12 (the response is truncated?)", i, n);

  for (guint c = 0; c < KLINE_MIN_COLUMNS; c++)
    {
      g_autofree char *path = g_strdup_printf ("[%u][%u]", i, c);
      JsonNode *node = json_array_get_element (row, c);

      if (c == 0 && !node_time (node, where, path, &candle->open_time, error))
        return FALSE;
      if (c == 6 && !node_time (node, where, path, &close_time, error))
        return FALSE;
      if (c == 8 && !node_int (node, where, path, &candle->trade_count, error))
        return FALSE;
      if (columns[c] != NULL && !node_decimal (node, where, path, FALSE, columns[c], error))
        return FALSE;
    }

  /* Binance's close time is the last millisecond of the candle: a mismatch means the
   * rows are of another interval than the one asked for. */
  if (close_time != candle->open_time + interval_ms - 1)
    return fail (error, PERP_TICK_ERROR_FORMAT, where,
                 "[%u][6]: close time %" G_GINT64_FORMAT " is not open time %" G_GINT64_FORMAT
                 " + %" G_GINT64_FORMAT " ms - 1 (klines of another interval?)",
                 i, close_time, candle->open_time, interval_ms);
  if (candle->trade_count < 0)
    return fail (error, PERP_TICK_ERROR_NUMBER, where, "[%u][8]: trade count %" G_GINT64_FORMAT " is negative",
                 i, candle->trade_count);
  if (!perp_candle_check (candle, PERP_CANDLE_FIELD_ALL, &bad_column, &reason))
    return fail (error, PERP_TICK_ERROR_NUMBER, where, "[%u]: %s: %s",
                 i, perp_candle_column_name (bad_column), reason);

  return TRUE;
}

/**
 * perp_binance_decode_klines:
 * @root: the parsed response
 * @where: names the response in errors (a URL, "FILE:LINE")
 * @closed_before: candles closing at or before this time (ms) are closed; pass the
 *   exchange's current time, or %G_MAXINT64 for history that is all closed
 * @candles: the series to append to; its interval is the one asked for
 * @forming: (out caller-allocates) (optional): the first row that is not closed
 * @has_forming: (out) (optional): whether there was one
 *
 * Returns: %TRUE if the whole response is valid; nothing is appended otherwise
 */
gboolean
perp_binance_decode_klines (JsonNode     *root,
                            const char   *where,
                            gint64        closed_before,
                            PerpCandles  *candles,
                            PerpCandle   *forming,
                            gboolean     *has_forming,
                            GError      **error)
{
  g_autoptr(GArray) rows = NULL;
  JsonArray *array;
  gint64 interval_ms;
  guint n;
  guint len;
  gint64 last_open = G_MININT64;
  gboolean found_forming = FALSE;

  g_return_val_if_fail (where != NULL, FALSE);
  g_return_val_if_fail (candles != NULL, FALSE);
  g_return_val_if_fail (perp_candles_get_interval (candles) != PERP_INTERVAL_UNKNOWN, FALSE);

  if (has_forming != NULL)
    *has_forming = FALSE;

  if ((array = root_array (root, where, "klines", error)) == NULL)
    return FALSE;

  interval_ms = perp_interval_to_ms (perp_candles_get_interval (candles));
  n = json_array_get_length (array);
  rows = g_array_sized_new (FALSE, FALSE, sizeof (PerpCandle), n);

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      memset (&candle, 0, sizeof candle);
      if (!decode_kline_row (json_array_get_element (array, i), i, where, interval_ms, &candle, error))
        return FALSE;
      if (i > 0 && candle.open_time <= g_array_index (rows, PerpCandle, i - 1).open_time)
        return fail (error, PERP_TICK_ERROR_FORMAT, where,
                     "[%u][0]: open time %" G_GINT64_FORMAT " is not after the previous row's %" G_GINT64_FORMAT,
                     i, candle.open_time, g_array_index (rows, PerpCandle, i - 1).open_time);
      g_array_append_val (rows, candle);
    }

  len = perp_candles_get_length (candles);
  if (len > 0)
    last_open = perp_candles_get_open_time (candles)[len - 1];

  for (guint i = 0; i < rows->len; i++)
    {
      const PerpCandle *candle = &g_array_index (rows, PerpCandle, i);

      /* "open + interval <= closed_before", written so that no open time a message
       * carries can overflow it (closed_before is the caller's clock). */
      if (candle->open_time > closed_before - interval_ms)
        {
          if (forming != NULL)
            *forming = *candle;
          found_forming = TRUE;
          break;
        }
      if (candle->open_time <= last_open)
        continue;
      if (!perp_candles_append (candles, candle, error))
        {
          g_prefix_error (error, "%s: [%u]: ", where, i);
          return FALSE;
        }
    }

  if (has_forming != NULL)
    *has_forming = found_forming;

  return TRUE;
}

/* ------------------------------------------------------------------ depth */

static gboolean
decode_levels (JsonObject  *object,
               const char  *where,
               const char  *name,
               GArray      *out,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  JsonArray *array;
  guint n;

  if (node == NULL)
    return fail (error, PERP_TICK_ERROR_FORMAT, where, "\"%s\" is missing", name);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, PERP_TICK_ERROR_FORMAT, where, "\"%s\" is %s, not an array of [price, quantity] pairs",
                 name, _perp_json_describe_node (node));

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  g_array_set_size (out, n);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *pair_node = json_array_get_element (array, i);
      PerpPriceLevel *level = &g_array_index (out, PerpPriceLevel, i);
      JsonArray *pair;
      JsonNode *price;
      JsonNode *qty;
      const char *text;

      if (!JSON_NODE_HOLDS_ARRAY (pair_node)
          || json_array_get_length (pair = json_node_get_array (pair_node)) < 2
          || !_perp_json_holds (price = json_array_get_element (pair, 0), G_TYPE_STRING)
          || !_perp_json_holds (qty = json_array_get_element (pair, 1), G_TYPE_STRING))
        return fail (error, PERP_TICK_ERROR_FORMAT, where,
                     "\"%s\"[%u] is not a [\"price\", \"quantity\"] pair of strings", name, i);

      text = json_node_get_string (price);
      if (!perp_price_key_parse (text, strlen (text), &level->price_key) || level->price_key <= 0)
        return fail (error, PERP_TICK_ERROR_NUMBER, where,
                     "\"%s\"[%u][0]: \"%.40s\" is not a positive price with at most %d decimals",
                     name, i, text, PERP_PRICE_KEY_DECIMALS);
      text = json_node_get_string (qty);
      if (!perp_quantity_parse (text, strlen (text), &level->qty))
        return fail (error, PERP_TICK_ERROR_NUMBER, where,
                     "\"%s\"[%u][1]: \"%.40s\" is not a non-negative decimal", name, i, text);
    }

  return TRUE;
}

/**
 * perp_binance_decode_depth:
 * @bids: (element-type PerpPriceLevel): replaced by the bids
 * @asks: (element-type PerpPriceLevel): replaced by the asks
 * @snapshot: (out caller-allocates): points into @bids and @asks
 *
 * Returns: %TRUE if the response is a valid snapshot; @bids and @asks are emptied
 *   otherwise
 */
gboolean
perp_binance_decode_depth (JsonNode           *root,
                           const char         *where,
                           GArray             *bids,
                           GArray             *asks,
                           PerpDepthSnapshot  *snapshot,
                           GError            **error)
{
  JsonObject *object;
  gint64 last_update_id = 0;
  gint64 event_time = 0;

  g_return_val_if_fail (where != NULL, FALSE);
  g_return_val_if_fail (bids != NULL && asks != NULL, FALSE);
  g_return_val_if_fail (snapshot != NULL, FALSE);

  memset (snapshot, 0, sizeof *snapshot);
  g_array_set_size (bids, 0);
  g_array_set_size (asks, 0);

  if ((object = root_object (root, where, "a depth", error)) == NULL
      || !member_int (object, where, "", "lastUpdateId", &last_update_id, error))
    return FALSE;
  if (last_update_id < 0)
    return fail (error, PERP_TICK_ERROR_NUMBER, where, "\"lastUpdateId\" is %" G_GINT64_FORMAT ", negative",
                 last_update_id);

  /* USDT-M snapshots carry E (and T); spot ones neither. */
  if (json_object_has_member (object, "E"))
    {
      if (!member_time (object, where, "", "E", &event_time, error))
        return FALSE;
    }
  else if (json_object_has_member (object, "T")
           && !member_time (object, where, "", "T", &event_time, error))
    {
      return FALSE;
    }

  if (!decode_levels (object, where, "bids", bids, error)
      || !decode_levels (object, where, "asks", asks, error))
    {
      g_array_set_size (bids, 0);
      g_array_set_size (asks, 0);
      return FALSE;
    }

  snapshot->last_update_id = (guint64) last_update_id;
  snapshot->event_time = event_time;
  snapshot->bids = (const PerpPriceLevel *) (gpointer) bids->data;
  snapshot->n_bids = bids->len;
  snapshot->asks = (const PerpPriceLevel *) (gpointer) asks->data;
  snapshot->n_asks = asks->len;

  return TRUE;
}

/* ------------------------------------------------------------------ small objects */

gboolean
perp_binance_decode_open_interest (JsonNode    *root,
                                   const char  *where,
                                   gint64      *time,
                                   double      *open_interest,
                                   GError     **error)
{
  JsonObject *object;
  gint64 t = 0;
  double oi = 0;

  g_return_val_if_fail (where != NULL, FALSE);

  if ((object = root_object (root, where, "an openInterest", error)) == NULL
      || !member_decimal (object, where, "", "openInterest", FALSE, &oi, error)
      || !member_time (object, where, "", "time", &t, error))
    return FALSE;

  if (time != NULL)
    *time = t;
  if (open_interest != NULL)
    *open_interest = oi;

  return TRUE;
}

gboolean
perp_binance_decode_premium_index (JsonNode       *root,
                                   const char     *where,
                                   PerpMarkPrice  *mark,
                                   GError        **error)
{
  JsonObject *object;
  PerpMarkPrice m;

  g_return_val_if_fail (where != NULL, FALSE);
  g_return_val_if_fail (mark != NULL, FALSE);

  memset (&m, 0, sizeof m);
  if ((object = root_object (root, where, "a premiumIndex", error)) == NULL
      || !member_decimal (object, where, "", "markPrice", FALSE, &m.mark_price, error)
      || !member_decimal (object, where, "", "indexPrice", FALSE, &m.index_price, error)
      || !member_decimal (object, where, "", "lastFundingRate", TRUE, &m.funding_rate, error)
      || !member_time (object, where, "", "nextFundingTime", &m.next_funding_time, error)
      || !member_time (object, where, "", "time", &m.event_time, error))
    return FALSE;

  *mark = m;

  return TRUE;
}

gboolean
perp_binance_decode_funding_rates (JsonNode    *root,
                                   const char  *where,
                                   GArray      *times,
                                   GArray      *rates,
                                   GError     **error)
{
  g_autoptr(GArray) t = NULL;
  g_autoptr(GArray) r = NULL;
  JsonArray *array;
  guint n;

  g_return_val_if_fail (where != NULL, FALSE);
  g_return_val_if_fail (times != NULL && rates != NULL, FALSE);

  if ((array = root_array (root, where, "funding rates", error)) == NULL)
    return FALSE;

  n = json_array_get_length (array);
  t = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  r = g_array_sized_new (FALSE, FALSE, sizeof (double), n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("[%u].", i);
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object;
      gint64 time = 0;
      double rate = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (error, PERP_TICK_ERROR_FORMAT, where, "[%u] is %s, not a funding rate object",
                     i, _perp_json_describe_node (node));
      object = json_node_get_object (node);
      if (!member_time (object, where, prefix, "fundingTime", &time, error)
          || !member_decimal (object, where, prefix, "fundingRate", TRUE, &rate, error))
        return FALSE;
      g_array_append_val (t, time);
      g_array_append_val (r, rate);
    }

  g_array_append_vals (times, t->data, t->len);
  g_array_append_vals (rates, r->data, r->len);

  return TRUE;
}

gboolean
perp_binance_decode_ticker_24hr (JsonNode              *root,
                                 const char            *where,
                                 PerpBinanceTicker24h  *ticker,
                                 GError               **error)
{
  JsonObject *object;
  PerpBinanceTicker24h t;

  g_return_val_if_fail (where != NULL, FALSE);
  g_return_val_if_fail (ticker != NULL, FALSE);

  memset (&t, 0, sizeof t);
  if ((object = root_object (root, where, "a 24hr ticker", error)) == NULL
      || !member_decimal (object, where, "", "lastPrice", FALSE, &t.last_price, error)
      || !member_decimal (object, where, "", "openPrice", FALSE, &t.open_price, error)
      || !member_decimal (object, where, "", "highPrice", FALSE, &t.high_price, error)
      || !member_decimal (object, where, "", "lowPrice", FALSE, &t.low_price, error)
      || !member_decimal (object, where, "", "volume", FALSE, &t.volume, error)
      || !member_decimal (object, where, "", "quoteVolume", FALSE, &t.quote_volume, error)
      || !member_decimal (object, where, "", "priceChangePercent", TRUE, &t.price_change_percent, error)
      || !member_time (object, where, "", "openTime", &t.open_time, error)
      || !member_time (object, where, "", "closeTime", &t.close_time, error)
      || !member_int (object, where, "", "count", &t.count, error))
    return FALSE;

  *ticker = t;

  return TRUE;
}

/**
 * perp_binance_dup_error_message:
 *
 * Returns: (transfer full) (nullable): the "msg" of a Binance error body
 */
char *
perp_binance_dup_error_message (const char *body,
                                gsize       length)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonNode *msg;

  if (body == NULL || length == 0)
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  msg = json_object_get_member (json_node_get_object (root), "msg");
  if (msg == NULL || !_perp_json_holds (msg, G_TYPE_STRING))
    return NULL;

  return g_strdup (json_node_get_string (msg));
}
