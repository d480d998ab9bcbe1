/* perp-tick-reader.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-tick-reader"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "perp-json-private.h"

#include "perp-tick-reader.h"

/*
 * The recorded captures in ../shared/data/ticks hold one JSON object per line:
 *
 *   {"recv_ns": <local receive time, ns>, "stream": "<name>", "data": {<payload>}}
 *
 * where stream/data are Binance's combined-stream envelope, and one line with
 * "stream":"rest_depth_snapshot" holds the REST snapshot the book syncs from.  The decoder
 * also takes bare payloads (a `/ws/<stream>` connection) and bare REST snapshots, so the
 * live feed can share it.
 *
 * The kind of a message comes from its "e" field, else from the stream name, else from
 * its fields (spot bookTicker and REST snapshots carry no "e").  Every field used is
 * checked for presence and type; unknown fields are ignored, as Binance adds some now and
 * then.  Prices become exact keys (perp-decimal.h), never doubles first.
 *
 * One JsonParser is reused for every message: json-glib's parse is the bulk of the cost
 * here, and a new parser per message would add an allocation storm on top.
 */

#define READ_BUFFER_SIZE (1 << 17)

G_DEFINE_QUARK (perp-tick-error-quark, perp_tick_error)

struct _PerpTickDecoder
{
  JsonParser *parser;
  GArray     *bids;
  GArray     *asks;
};

struct _PerpTickReader
{
  char                *path;
  PerpTickReaderFlags  flags;
  GInputStream        *base;
  GDataInputStream    *data;
  PerpTickDecoder     *decoder;
  char                *line;
  guint64              line_no;
  guint64              n_skipped;
  char                *first_skipped;
};

/**
 * perp_tick_event_time:
 *
 * Returns: the exchange time of the event (a trade's trade time, other events' event
 *   time), or 0 for events that carry none (spot tickers and snapshots, other streams)
 */
gint64
perp_tick_event_time (const PerpTickEvent *event)
{
  switch (event->kind)
    {
    case PERP_TICK_DEPTH:
      return event->depth.event_time;
    case PERP_TICK_SNAPSHOT:
      return event->snapshot.event_time;
    case PERP_TICK_TRADE:
      return event->trade.trade_time;
    case PERP_TICK_BOOK_TICKER:
      return event->ticker.event_time;
    case PERP_TICK_KLINE:
      return event->kline.event_time;
    case PERP_TICK_MARK_PRICE:
      return event->mark.event_time;
    case PERP_TICK_LIQUIDATION:
      return event->liquidation.time;
    case PERP_TICK_OTHER:
    default:
      return 0;
    }
}

const char *
perp_tick_kind_to_string (PerpTickKind kind)
{
  switch (kind)
    {
    case PERP_TICK_DEPTH:
      return "depth";
    case PERP_TICK_SNAPSHOT:
      return "snapshot";
    case PERP_TICK_TRADE:
      return "trade";
    case PERP_TICK_BOOK_TICKER:
      return "bookTicker";
    case PERP_TICK_KLINE:
      return "kline";
    case PERP_TICK_MARK_PRICE:
      return "markPrice";
    case PERP_TICK_LIQUIDATION:
      return "forceOrder";
    case PERP_TICK_OTHER:
      return "other";
    default:
      return "?";
    }
}

/* ------------------------------------------------------------------ fields */

static JsonNode *
require (JsonObject  *object,
         const char  *what,
         const char  *name,
         GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                 "%s: no \"%s\" field", what, name);

  return node;
}

static gboolean
wrong_type (JsonNode    *node,
            const char  *what,
            const char  *name,
            const char  *expected,
            GError     **error)
{
  g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
               "%s: \"%s\" is %s, not %s", what, name, _perp_json_describe_node (node), expected);
  return FALSE;
}

/* An integer member; when @present is not NULL the member may be absent. */
static gboolean
get_int (JsonObject  *object,
         const char  *what,
         const char  *name,
         gint64      *out,
         gboolean    *present,
         GError     **error)
{
  JsonNode *node;

  if (present != NULL)
    {
      node = json_object_get_member (object, name);
      *present = node != NULL;
      if (node == NULL)
        return TRUE;
    }
  else if ((node = require (object, what, name, error)) == NULL)
    {
      return FALSE;
    }

  if (!_perp_json_holds (node, G_TYPE_INT64))
    return wrong_type (node, what, name, "an integer", error);

  *out = json_node_get_int (node);

  return TRUE;
}

/* An exchange time (E, T, a kline's t): an integer in [0, PERP_TIME_MAX_MS]. */
static gboolean
get_time (JsonObject  *object,
          const char  *what,
          const char  *name,
          gint64      *out,
          gboolean    *present,
          GError     **error)
{
  if (!get_int (object, what, name, out, present, error))
    return FALSE;
  if ((present == NULL || *present) && !perp_time_is_valid (*out))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: \"%s\" is %" G_GINT64_FORMAT ", not a time in milliseconds from 1970 to 9999",
                   what, name, *out);
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_id (JsonObject  *object,
        const char  *what,
        const char  *name,
        guint64     *out,
        gboolean    *present,
        GError     **error)
{
  gint64 value = 0;

  if (!get_int (object, what, name, &value, present, error))
    return FALSE;

  if (value < 0)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: \"%s\" is %" G_GINT64_FORMAT ", a negative update id", what, name, value);
      return FALSE;
    }

  *out = (guint64) value;

  return TRUE;
}

static const char *
get_string (JsonObject  *object,
            const char  *what,
            const char  *name,
            GError     **error)
{
  JsonNode *node = require (object, what, name, error);

  if (node == NULL)
    return NULL;
  if (!_perp_json_holds (node, G_TYPE_STRING))
    {
      wrong_type (node, what, name, "a string", error);
      return NULL;
    }

  return json_node_get_string (node);
}

static gboolean
get_bool (JsonObject  *object,
          const char  *what,
          const char  *name,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = require (object, what, name, error);

  if (node == NULL)
    return FALSE;
  if (!_perp_json_holds (node, G_TYPE_BOOLEAN))
    return wrong_type (node, what, name, "true or false", error);

  *out = json_node_get_boolean (node);

  return TRUE;
}

/* A price string to its key; the error names @name, or "@name[@index] price". */
static gboolean
parse_price (const char  *text,
             const char  *what,
             const char  *name,
             int          index,
             gint64      *key,
             GError     **error)
{
  if (perp_price_key_parse_plain (text, key) && *key > 0)
    return TRUE;
  if (perp_price_key_parse (text, strlen (text), key) && *key > 0)
    return TRUE;

  if (index >= 0)
    g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                 "%s: %s[%d] price is \"%.40s\", not a positive price with at most %d decimals",
                 what, name, index, text, PERP_PRICE_KEY_DECIMALS);
  else
    g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                 "%s: \"%s\" is \"%.40s\", not a positive price with at most %d decimals",
                 what, name, text, PERP_PRICE_KEY_DECIMALS);
  return FALSE;
}

static gboolean
parse_qty (const char  *text,
           const char  *what,
           const char  *name,
           int          index,
           double      *qty,
           GError     **error)
{
  if (perp_quantity_parse_plain (text, qty) || perp_quantity_parse (text, strlen (text), qty))
    return TRUE;

  if (index >= 0)
    g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                 "%s: %s[%d] quantity is \"%.40s\", not a non-negative decimal", what, name, index, text);
  else
    g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                 "%s: \"%s\" is \"%.40s\", not a non-negative decimal", what, name, text);
  return FALSE;
}

static gboolean
get_price (JsonObject  *object,
           const char  *what,
           const char  *name,
           gint64      *key,
           GError     **error)
{
  const char *text = get_string (object, what, name, error);

  return text != NULL && parse_price (text, what, name, -1, key, error);
}

static gboolean
get_qty (JsonObject  *object,
         const char  *what,
         const char  *name,
         double      *qty,
         GError     **error)
{
  const char *text = get_string (object, what, name, error);

  return text != NULL && parse_qty (text, what, name, -1, qty, error);
}

static inline gboolean
get_element_string (JsonArray   *array,
                    guint        index,
                    const char **text)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_TYPE (node) == JSON_NODE_VALUE && (*text = json_node_get_string (node)) != NULL;
}

/* [["price", "qty"], ...] into @out. */
static gboolean
get_levels (JsonObject  *object,
            const char  *what,
            const char  *name,
            GArray      *out,
            GError     **error)
{
  JsonNode *node = require (object, what, name, error);
  JsonArray *array;
  guint n;

  g_array_set_size (out, 0);
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (node, what, name, "an array of [price, quantity] pairs", error);

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  g_array_set_size (out, n);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *pair_node = json_array_get_element (array, i);
      PerpPriceLevel *level = &g_array_index (out, PerpPriceLevel, i);
      JsonArray *pair;
      const char *price = NULL;
      const char *qty = NULL;

      /* Levels are most of a depth message: one type check per node, and the string
       * straight from json_node_get_string(), which gives NULL for any other value. */
      if (JSON_NODE_TYPE (pair_node) != JSON_NODE_ARRAY
          || json_array_get_length (pair = json_node_get_array (pair_node)) < 2
          || !get_element_string (pair, 0, &price)
          || !get_element_string (pair, 1, &qty))
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: %s[%u] is not a [\"price\", \"quantity\"] pair of strings", what, name, i);
          return FALSE;
        }

      /* The one-pass readers inline here; parse_price() and parse_qty() are for the rest. */
      if (!((perp_price_key_parse_plain (price, &level->price_key) && level->price_key > 0)
            || parse_price (price, what, name, (int) i, &level->price_key, error))
          || !(perp_quantity_parse_plain (qty, &level->qty) || parse_qty (qty, what, name, (int) i, &level->qty, error)))
        return FALSE;
    }

  return TRUE;
}

static const char *
get_symbol (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "s");

  return node != NULL && _perp_json_holds (node, G_TYPE_STRING) ? json_node_get_string (node) : NULL;
}

/* ------------------------------------------------------------------ messages */

static gboolean
decode_depth (PerpTickDecoder  *self,
              JsonObject       *data,
              PerpDepthEvent   *depth,
              GError          **error)
{
  const char *what = "depthUpdate";
  gboolean has_time = FALSE;

  if (!get_time (data, what, "E", &depth->event_time, NULL, error)
      || !get_time (data, what, "T", &depth->transaction_time, &has_time, error)
      || !get_id (data, what, "U", &depth->first_update_id, NULL, error)
      || !get_id (data, what, "u", &depth->final_update_id, NULL, error)
      || !get_id (data, what, "pu", &depth->prev_final_update_id, &depth->has_prev_final_update_id, error)
      || !get_levels (data, what, "b", self->bids, error)
      || !get_levels (data, what, "a", self->asks, error))
    return FALSE;

  if (!has_time)
    depth->transaction_time = depth->event_time;
  if (depth->first_update_id > depth->final_update_id)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: U (%" G_GUINT64_FORMAT ") is after u (%" G_GUINT64_FORMAT ")",
                   what, depth->first_update_id, depth->final_update_id);
      return FALSE;
    }

  depth->bids = (const PerpPriceLevel *) (gpointer) self->bids->data;
  depth->n_bids = self->bids->len;
  depth->asks = (const PerpPriceLevel *) (gpointer) self->asks->data;
  depth->n_asks = self->asks->len;

  return TRUE;
}

static gboolean
decode_snapshot (PerpTickDecoder    *self,
                 JsonObject         *data,
                 PerpDepthSnapshot  *snapshot,
                 GError            **error)
{
  const char *what = "depth snapshot";
  gboolean has_time = FALSE;

  if (!get_id (data, what, "lastUpdateId", &snapshot->last_update_id, NULL, error)
      || !get_time (data, what, "E", &snapshot->event_time, &has_time, error)
      || !get_levels (data, what, "bids", self->bids, error)
      || !get_levels (data, what, "asks", self->asks, error))
    return FALSE;

  snapshot->bids = (const PerpPriceLevel *) (gpointer) self->bids->data;
  snapshot->n_bids = self->bids->len;
  snapshot->asks = (const PerpPriceLevel *) (gpointer) self->asks->data;
  snapshot->n_asks = self->asks->len;

  return TRUE;
}

static gboolean
decode_trade (JsonObject  *data,
              gboolean     aggregate,
              PerpTrade   *trade,
              GError     **error)
{
  const char *what = aggregate ? "aggTrade" : "trade";
  gint64 id = 0;

  if (!get_time (data, what, "E", &trade->event_time, NULL, error)
      || !get_time (data, what, "T", &trade->trade_time, NULL, error)
      || !get_int (data, what, aggregate ? "a" : "t", &id, NULL, error)
      || !get_price (data, what, "p", &trade->price_key, error)
      || !get_qty (data, what, "q", &trade->qty, error)
      || !get_bool (data, what, "m", &trade->buyer_is_maker, error))
    return FALSE;

  trade->id = (guint64) id;
  trade->price = perp_price_key_to_double (trade->price_key);

  return TRUE;
}

static gboolean
decode_ticker (JsonObject      *data,
               PerpBookTicker  *ticker,
               GError         **error)
{
  const char *what = "bookTicker";
  gboolean has_time = FALSE;

  return get_id (data, what, "u", &ticker->update_id, NULL, error)
         && get_time (data, what, "E", &ticker->event_time, &has_time, error)
         && get_price (data, what, "b", &ticker->bid_key, error)
         && get_qty (data, what, "B", &ticker->bid_qty, error)
         && get_price (data, what, "a", &ticker->ask_key, error)
         && get_qty (data, what, "A", &ticker->ask_qty, error);
}

/* A signed decimal ("-0.00010000"): funding rates. */
static gboolean
get_signed (JsonObject  *object,
            const char  *what,
            const char  *name,
            double      *value,
            GError     **error)
{
  const char *text = get_string (object, what, name, error);
  gsize len;
  gboolean negative;

  if (text == NULL)
    return FALSE;

  len = strlen (text);
  negative = len > 0 && text[0] == '-';
  if (!perp_quantity_parse (text + negative, len - negative, value))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: \"%s\" is \"%.40s\", not a decimal", what, name, text);
      return FALSE;
    }
  if (negative)
    *value = -*value;

  return TRUE;
}

static JsonObject *
get_object (JsonObject  *object,
            const char  *what,
            const char  *name,
            GError     **error)
{
  JsonNode *node = require (object, what, name, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      wrong_type (node, what, name, "an object", error);
      return NULL;
    }

  return json_node_get_object (node);
}

static gboolean
decode_kline (JsonObject  *data,
              PerpKline   *kline,
              GError     **error)
{
  const char *what = "kline";
  const char *kwhat = "kline \"k\"";
  PerpCandle *candle = &kline->candle;
  JsonObject *k;
  const char *interval;
  PerpCandleColumn bad_column;
  const char *reason = NULL;

  if (!get_time (data, what, "E", &kline->event_time, NULL, error)
      || (k = get_object (data, what, "k", error)) == NULL
      || (interval = get_string (k, kwhat, "i", error)) == NULL)
    return FALSE;

  kline->interval = perp_interval_from_string (interval);
  if (kline->interval == PERP_INTERVAL_UNKNOWN)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                   "%s: \"i\" is \"%.20s\", not a known interval", kwhat, interval);
      return FALSE;
    }

  if (!get_time (k, kwhat, "t", &candle->open_time, NULL, error)
      || !get_qty (k, kwhat, "o", &candle->open, error)
      || !get_qty (k, kwhat, "h", &candle->high, error)
      || !get_qty (k, kwhat, "l", &candle->low, error)
      || !get_qty (k, kwhat, "c", &candle->close, error)
      || !get_qty (k, kwhat, "v", &candle->volume, error)
      || !get_qty (k, kwhat, "q", &candle->quote_volume, error)
      || !get_qty (k, kwhat, "V", &candle->taker_buy_volume, error)
      || !get_int (k, kwhat, "n", &candle->trade_count, NULL, error)
      || !get_bool (k, kwhat, "x", &kline->closed, error))
    return FALSE;

  if (!perp_candle_check (candle, PERP_CANDLE_FIELD_ALL, &bad_column, &reason))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER, "%s: %s: %s",
                   kwhat, perp_candle_column_name (bad_column), reason);
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_positive (JsonObject  *object,
              const char  *what,
              const char  *name,
              double      *value,
              GError     **error)
{
  if (!get_qty (object, what, name, value, error))
    return FALSE;
  if (*value <= 0)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: \"%s\" is zero, not a price", what, name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
decode_mark_price (JsonObject     *data,
                   PerpMarkPrice  *mark,
                   GError        **error)
{
  const char *what = "markPriceUpdate";
  JsonNode *r;

  if (!get_time (data, what, "E", &mark->event_time, NULL, error)
      || !get_positive (data, what, "p", &mark->mark_price, error)
      || !get_qty (data, what, "i", &mark->index_price, error)
      || !get_time (data, what, "T", &mark->next_funding_time, NULL, error))
    return FALSE;

  /* Delivery contracts have no funding and send "r": ""; perpetuals always a rate. */
  r = json_object_get_member (data, "r");
  if (r != NULL && _perp_json_holds (r, G_TYPE_STRING) && json_node_get_string (r)[0] == '\0')
    {
      mark->funding_rate = 0;
      return TRUE;
    }

  return get_signed (data, what, "r", &mark->funding_rate, error);
}

static gboolean
decode_force_order (JsonObject     *data,
                    PerpTickEvent  *event,
                    GError        **error)
{
  const char *what = "forceOrder";
  const char *owhat = "forceOrder \"o\"";
  PerpLiqPrint *print = &event->liquidation;
  JsonObject *o;
  const char *side;
  const char *symbol;
  double price = 0;
  double average = 0;
  double filled = 0;
  double quantity = 0;

  if ((o = get_object (data, what, "o", error)) == NULL
      || (symbol = get_string (o, owhat, "s", error)) == NULL
      || (side = get_string (o, owhat, "S", error)) == NULL
      || !get_time (o, owhat, "T", &print->time, NULL, error)
      || !get_qty (o, owhat, "p", &price, error)
      || !get_qty (o, owhat, "q", &quantity, error))
    return FALSE;

  event->symbol = symbol;

  /* The exchange SELLs a liquidated long out and BUYs a short back. */
  if (strcmp (side, "SELL") == 0)
    print->side = PERP_LIQ_SIDE_LONG;
  else if (strcmp (side, "BUY") == 0)
    print->side = PERP_LIQ_SIDE_SHORT;
  else
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                   "%s: \"S\" is \"%.20s\", not BUY or SELL", owhat, side);
      return FALSE;
    }

  /* "ap" and "z" are there once the order filled (always, in practice); the order's
   * own price and quantity stand in otherwise. */
  if (json_object_has_member (o, "ap") && !get_qty (o, owhat, "ap", &average, error))
    return FALSE;
  if (json_object_has_member (o, "z") && !get_qty (o, owhat, "z", &filled, error))
    return FALSE;

  print->price = average > 0 ? average : price;
  print->quantity = filled > 0 ? filled : quantity;
  if (print->price <= 0)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: neither \"ap\" nor \"p\" is a positive price", owhat);
      return FALSE;
    }

  return TRUE;
}

typedef enum
{
  GUESS_NONE,
  GUESS_DEPTH,
  GUESS_SNAPSHOT,
  GUESS_TRADE,
  GUESS_AGG_TRADE,
  GUESS_TICKER,
  GUESS_KLINE,
  GUESS_MARK_PRICE,
  GUESS_FORCE_ORDER,
  GUESS_OTHER,
} Guess;

static Guess
guess_from_event_type (const char *e)
{
  if (strcmp (e, "depthUpdate") == 0)
    return GUESS_DEPTH;
  if (strcmp (e, "trade") == 0)
    return GUESS_TRADE;
  if (strcmp (e, "aggTrade") == 0)
    return GUESS_AGG_TRADE;
  if (strcmp (e, "bookTicker") == 0)
    return GUESS_TICKER;
  if (strcmp (e, "kline") == 0)
    return GUESS_KLINE;
  if (strcmp (e, "markPriceUpdate") == 0)
    return GUESS_MARK_PRICE;
  if (strcmp (e, "forceOrder") == 0)
    return GUESS_FORCE_ORDER;
  return GUESS_OTHER;
}

static Guess
guess_from_stream (const char *stream)
{
  if (strcmp (stream, "rest_depth_snapshot") == 0)
    return GUESS_SNAPSHOT;
  if (g_str_has_suffix (stream, "@bookTicker"))
    return GUESS_TICKER;
  if (g_str_has_suffix (stream, "@trade"))
    return GUESS_TRADE;
  if (g_str_has_suffix (stream, "@aggTrade"))
    return GUESS_AGG_TRADE;
  if (strstr (stream, "@depth") != NULL)
    return GUESS_DEPTH;
  if (strstr (stream, "@kline_") != NULL)
    return GUESS_KLINE;
  if (strstr (stream, "@markPrice") != NULL)
    return GUESS_MARK_PRICE;
  if (g_str_has_suffix (stream, "@forceOrder"))
    return GUESS_FORCE_ORDER;
  return GUESS_NONE;
}

/**
 * perp_tick_decoder_new:
 *
 * Returns: (transfer full): a decoder; one per stream, as it is not thread-safe
 */
PerpTickDecoder *
perp_tick_decoder_new (void)
{
  PerpTickDecoder *self = g_new0 (PerpTickDecoder, 1);

  self->parser = json_parser_new ();
  self->bids = g_array_sized_new (FALSE, FALSE, sizeof (PerpPriceLevel), 1024);
  self->asks = g_array_sized_new (FALSE, FALSE, sizeof (PerpPriceLevel), 1024);

  return self;
}

void
perp_tick_decoder_free (PerpTickDecoder *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->parser);
  g_array_unref (self->bids);
  g_array_unref (self->asks);
  g_free (self);
}

/**
 * perp_tick_decoder_decode:
 * @text: (array length=length): one message
 * @length: its length, or -1 if NUL-terminated
 * @event: (out caller-allocates): the decoded message, valid until the next call
 * @error: says what is wrong with the message (the caller adds where it came from)
 *
 * Returns: %TRUE if @text is a well-formed message (possibly of a kind not decoded here:
 *   %PERP_TICK_OTHER)
 */
gboolean
perp_tick_decoder_decode (PerpTickDecoder  *self,
                          const char       *text,
                          gssize            length,
                          PerpTickEvent    *event,
                          GError          **error)
{
  g_autoptr(GError) json_error = NULL;
  JsonNode *root;
  JsonNode *data_node;
  JsonObject *object;
  JsonObject *data;
  const char *stream = NULL;
  Guess guess = GUESS_NONE;
  JsonNode *e;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  memset (event, 0, sizeof *event);

  if (!json_parser_load_from_data (self->parser, text, length, &json_error))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON, "not JSON: %s", json_error->message);
      return FALSE;
    }

  /* json-glib takes an empty or all-blank text as a document without a root. */
  root = json_parser_get_root (self->parser);
  if (root == NULL)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON, "not JSON: the message is empty");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT, "the message is %s, not an object",
                   _perp_json_describe_node (root));
      return FALSE;
    }

  object = json_node_get_object (root);
  data = object;

  if ((data_node = json_object_get_member (object, "data")) != NULL)
    {
      gboolean has_recv = FALSE;

      if (!JSON_NODE_HOLDS_OBJECT (data_node))
        return wrong_type (data_node, "envelope", "data", "an object", error);
      data = json_node_get_object (data_node);
      if ((stream = get_string (object, "envelope", "stream", error)) == NULL
          || !get_int (object, "envelope", "recv_ns", &event->recv_ns, &has_recv, error))
        return FALSE;
    }

  if ((e = json_object_get_member (data, "e")) != NULL)
    {
      if (!_perp_json_holds (e, G_TYPE_STRING))
        return wrong_type (e, stream != NULL ? stream : "message", "e", "a string", error);
      guess = guess_from_event_type (json_node_get_string (e));
    }
  else if (stream != NULL)
    {
      guess = guess_from_stream (stream);
    }

  if (guess == GUESS_NONE)
    {
      if (json_object_has_member (data, "lastUpdateId"))
        guess = GUESS_SNAPSHOT;
      else if (json_object_has_member (data, "u") && json_object_has_member (data, "B")
               && json_object_has_member (data, "A"))
        guess = GUESS_TICKER;
    }

  event->symbol = get_symbol (data);

  switch (guess)
    {
    case GUESS_DEPTH:
      event->kind = PERP_TICK_DEPTH;
      return decode_depth (self, data, &event->depth, error);
    case GUESS_SNAPSHOT:
      event->kind = PERP_TICK_SNAPSHOT;
      return decode_snapshot (self, data, &event->snapshot, error);
    case GUESS_TRADE:
    case GUESS_AGG_TRADE:
      event->kind = PERP_TICK_TRADE;
      return decode_trade (data, guess == GUESS_AGG_TRADE, &event->trade, error);
    case GUESS_TICKER:
      event->kind = PERP_TICK_BOOK_TICKER;
      return decode_ticker (data, &event->ticker, error);
    case GUESS_KLINE:
      event->kind = PERP_TICK_KLINE;
      return decode_kline (data, &event->kline, error);
    case GUESS_MARK_PRICE:
      event->kind = PERP_TICK_MARK_PRICE;
      return decode_mark_price (data, &event->mark, error);
    case GUESS_FORCE_ORDER:
      event->kind = PERP_TICK_LIQUIDATION;
      return decode_force_order (data, event, error);
    case GUESS_OTHER:
      event->kind = PERP_TICK_OTHER;
      return TRUE;
    case GUESS_NONE:
    default:
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                   "neither a market event (no \"e\" field) nor a depth snapshot%s%s%s",
                   stream != NULL ? " (stream \"" : "", stream != NULL ? stream : "",
                   stream != NULL ? "\")" : "");
      return FALSE;
    }
}

/* ------------------------------------------------------------------ files */

/**
 * perp_tick_reader_open:
 * @path: a capture, gzip-compressed (recognised by its magic bytes) or plain
 * @flags: %PERP_TICK_READER_FLAGS_LENIENT to skip malformed lines
 *
 * Returns: (transfer full) (nullable): a reader positioned before the first line, or
 *   %NULL with @error naming the file
 */
PerpTickReader *
perp_tick_reader_open (const char           *path,
                       PerpTickReaderFlags   flags,
                       GError              **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) file_stream = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  PerpTickReader *self;
  const guchar *head;
  gsize available = 0;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  file_stream = g_file_read (file, NULL, &local_error);
  if (file_stream == NULL)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_IO, "%s: %s", path, local_error->message);
      return NULL;
    }

  buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (file_stream), READ_BUFFER_SIZE);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 2, NULL, &local_error) < 0)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_IO, "%s: %s", path, local_error->message);
      return NULL;
    }

  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered), &available);
  if (available >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      stream = g_converter_input_stream_new (buffered, G_CONVERTER (decompressor));
    }
  else
    {
      stream = g_object_ref (buffered);
    }

  self = g_new0 (PerpTickReader, 1);
  self->path = g_strdup (path);
  self->flags = flags;
  self->base = g_steal_pointer (&stream);
  self->data = g_data_input_stream_new (self->base);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (self->data), READ_BUFFER_SIZE);
  g_data_input_stream_set_newline_type (self->data, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->decoder = perp_tick_decoder_new ();

  return self;
}

void
perp_tick_reader_free (PerpTickReader *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->data);
  g_clear_object (&self->base);
  g_clear_pointer (&self->decoder, perp_tick_decoder_free);
  g_free (self->line);
  g_free (self->first_skipped);
  g_free (self->path);
  g_free (self);
}

/**
 * perp_tick_reader_next_line:
 * @length: (out) (optional): the line's length, without its terminator
 *
 * Reads the next line without decoding it (perp_tick_reader_next() is this plus the
 * decoder).
 *
 * Returns: (transfer none) (nullable): the line, valid until the next read; %NULL at the
 *   end of the file, or with @error set when the file cannot be read
 */
const char *
perp_tick_reader_next_line (PerpTickReader  *self,
                            gsize           *length,
                            GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  g_return_val_if_fail (self != NULL, NULL);

  g_clear_pointer (&self->line, g_free);
  self->line = g_data_input_stream_read_line (self->data, &len, NULL, &local_error);
  if (self->line == NULL)
    {
      /* The recorder flushes whole lines every second, so a recording cut short by a
       * crash or a kill is whole lines without gzip's end: those are read, and the
       * missing end counts as one skipped line, in either mode. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          if (self->n_skipped++ == 0)
            self->first_skipped = g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": the file ends without gzip's end "
                                                   "(a recording cut short by a crash or a kill?); read up to "
                                                   "line %" G_GUINT64_FORMAT,
                                                   self->path, self->line_no + 1, self->line_no);
          return NULL;
        }
      if (local_error != NULL)
        g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_IO, "%s:%" G_GUINT64_FORMAT ": %s",
                     self->path, self->line_no + 1, local_error->message);
      return NULL;
    }

  self->line_no++;
  if (len > 0 && self->line[len - 1] == '\r')
    self->line[--len] = '\0';
  if (length != NULL)
    *length = len;

  return self->line;
}

static gboolean
is_blank (const char *p,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (p[i]))
      return FALSE;

  return TRUE;
}

/**
 * perp_tick_reader_next:
 * @event: (out caller-allocates): the next message, valid until the next read
 * @error: names FILE:LINE and what is wrong with the line
 *
 * Reads and decodes the next non-blank line.  In lenient mode a malformed line is
 * counted (perp_tick_reader_get_n_skipped()) and skipped; a file that cannot be read
 * is an error either way.
 *
 * Returns: %TRUE with @event filled, or %FALSE at the end of the file (@error unset) or
 *   on an error
 */
gboolean
perp_tick_reader_next (PerpTickReader  *self,
                       PerpTickEvent   *event,
                       GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      const char *line;
      gsize len = 0;

      line = perp_tick_reader_next_line (self, &len, error);
      if (line == NULL)
        return FALSE;
      if (is_blank (line, len))
        continue;

      if (perp_tick_decoder_decode (self->decoder, line, (gssize) len, event, &local_error))
        return TRUE;

      g_prefix_error (&local_error, "%s:%" G_GUINT64_FORMAT ": ", self->path, self->line_no);
      if (!(self->flags & PERP_TICK_READER_FLAGS_LENIENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (self->n_skipped++ == 0)
        self->first_skipped = g_strdup (local_error->message);
    }
}

const char *
perp_tick_reader_get_path (const PerpTickReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

/**
 * perp_tick_reader_get_line:
 *
 * Returns: the number of the line read last (1 for the first line)
 */
guint64
perp_tick_reader_get_line (const PerpTickReader *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->line_no;
}

guint64
perp_tick_reader_get_n_skipped (const PerpTickReader *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_skipped;
}

/**
 * perp_tick_reader_get_first_skipped:
 *
 * Returns: (transfer none) (nullable): the error of the first line skipped in lenient mode
 */
const char *
perp_tick_reader_get_first_skipped (const PerpTickReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->first_skipped;
}
