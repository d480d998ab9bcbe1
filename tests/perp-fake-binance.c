/* perp-fake-binance.c: a fake Binance USDT-M server on 127.0.0.1 for tests
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-fake-binance"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-decimal.h"
#include "io/perp-tick-reader.h"

#include "perp-fake-binance.h"

#define N_KLINE_COLUMNS 12
#define DEFAULT_FORMING_UPDATES 2

/* ------------------------------------------------------------------------------ */
/* Data                                                                           */
/* ------------------------------------------------------------------------------ */

typedef enum
{
  LINE_DEPTH,
  LINE_BOOK_TICKER,
  LINE_TRADE,
} LineKind;

typedef struct
{
  LineKind  kind;
  char     *data;      /* the recorded "data" text, byte for byte */
  char     *agg;       /* LINE_TRADE of a MARKET trade: the same trade as an aggTrade */
  gint64    event_time;
  gint64    transaction_time;
  guint64   first_id;  /* U */
  guint64   final_id;  /* u */
  char    **levels;    /* LINE_DEPTH: "b" then "a" pairs: price, qty, ... */
  guint     n_bids;
  guint     n_asks;
  char     *price;     /* LINE_TRADE */
} TickLine;

typedef struct
{
  char *price;
  char *qty;
} Level;

typedef struct
{
  char      *symbol;        /* upper case, as in "s" */
  char      *symbol_lower;  /* as in stream names */
  GPtrArray *lines;         /* TickLine */
  guint      cursor;        /* lines replayed */
  /* The recorded REST snapshot and the book the exchange had at the cursor. */
  guint64    snapshot_id;
  gint64     snapshot_e;
  gint64     snapshot_t;
  GTree     *bids;          /* gint64 key -> Level */
  GTree     *asks;
  gboolean   book_moved;    /* a depth event after the snapshot has been applied */
  gint64     book_e;
  gint64     book_t;
  char      *last_price;    /* price of the last replayed trade */
  gint64     now;           /* E of the last replayed line */
} Capture;

typedef struct
{
  char         *symbol;
  char         *symbol_lower;
  PerpInterval  interval;
  gint64        interval_ms;
  GPtrArray    *rows;       /* char ** of N_KLINE_COLUMNS strings, the CSV's text */
  gint64       *open_time;
  guint         start;
  guint         step;       /* kline messages replayed (forming + closing) */
  /* faults */
  gboolean      duplicate_next_close;
  gboolean      repeat_old_next_close;
  gboolean      swap_next_closes;
  gint          held_close; /* index of a closing message held back for a swap, -1 */
} Series;

typedef struct
{
  char *symbol;
  GArray *times;  /* gint64 */
  GPtrArray *rates; /* char *, as in the CSV */
} Funding;

typedef enum
{
  SUB_DEPTH,
  SUB_BOOK_TICKER,
  SUB_TRADE,
  SUB_AGG_TRADE,
  SUB_KLINE,
  SUB_OTHER,
} SubKind;

typedef struct
{
  char         *name;
  char         *symbol_lower;
  SubKind       kind;
  PerpInterval  interval;
} Sub;

typedef struct
{
  PerpFakeBinance         *fake;
  SoupWebsocketConnection *conn;
  PerpFakeEndpoint         endpoint;
  GPtrArray               *subs;
  guint                    stalled : 1;
  guint                    closing : 1;
} Conn;

typedef struct
{
  guint status;
  guint count;
  guint retry_after_s;
} FailSpec;

typedef struct
{
  guint    delay_ms;
  guint    count;
  gboolean answer_first;  /* the answer is made at once and only delivered late */
} DelaySpec;

typedef struct
{
  PerpFakeBinance   *fake;
  SoupServerMessage *msg;
  char              *path;
  GHashTable        *query;
  guint              source_id;
  gboolean           disconnected;
  gboolean           answered;
} Delayed;

struct _PerpFakeBinance
{
  GObject     parent_instance;

  SoupServer *server;
  char       *rest_url;
  char       *ws_url[PERP_FAKE_N_ENDPOINTS];

  GBytes     *exchange_info;
  GHashTable *symbols;          /* upper-case names in exchangeInfo */
  GPtrArray  *captures;         /* Capture */
  GPtrArray  *series;           /* Series */
  GPtrArray  *funding;          /* Funding */
  GHashTable *open_interest;    /* symbol -> string */
  guint       forming_updates;
  gint        kline_start;      /* -1: the middle of each series */
  gboolean    started;

  GPtrArray  *conns;            /* Conn, open or closing */
  guint       n_connections[PERP_FAKE_N_ENDPOINTS];
  guint       n_sent[PERP_FAKE_N_ENDPOINTS];
  char       *last_streams[PERP_FAKE_N_ENDPOINTS];
  guint       drop_remaining[PERP_FAKE_N_ENDPOINTS];
  gboolean    drop_now[PERP_FAKE_N_ENDPOINTS];
  gboolean    drop_abrupt;
  GArray     *frames[PERP_FAKE_N_ENDPOINTS];   /* PerpFakeFrame */
  guint       skip_depth;

  GHashTable *requests;         /* path -> count (GUINT_TO_POINTER) */
  guint       n_requests_total;
  GHashTable *fail;             /* path -> FailSpec */
  GHashTable *delay;            /* path -> DelaySpec */
  GPtrArray  *delayed;          /* Delayed */
  gint64      weight_minute;
  guint       weight;

  guint       pace_id;
  guint       pace_steps;
};

G_DEFINE_FINAL_TYPE (PerpFakeBinance, perp_fake_binance, G_TYPE_OBJECT)

static void
tick_line_free (gpointer data)
{
  TickLine *line = data;

  g_free (line->data);
  g_free (line->agg);
  g_strfreev (line->levels);
  g_free (line->price);
  g_free (line);
}

static void
level_free (gpointer data)
{
  Level *level = data;

  g_free (level->price);
  g_free (level->qty);
  g_free (level);
}

static int
key_cmp (gconstpointer a,
         gconstpointer b,
         gpointer      user_data)
{
  gint64 ka = *(const gint64 *) a;
  gint64 kb = *(const gint64 *) b;

  return ka < kb ? -1 : ka > kb;
}

static GTree *
level_tree_new (void)
{
  return g_tree_new_full (key_cmp, NULL, g_free, level_free);
}

static void
capture_free (gpointer data)
{
  Capture *capture = data;

  g_free (capture->symbol);
  g_free (capture->symbol_lower);
  g_ptr_array_unref (capture->lines);
  g_tree_unref (capture->bids);
  g_tree_unref (capture->asks);
  g_free (capture->last_price);
  g_free (capture);
}

static void
series_free (gpointer data)
{
  Series *series = data;

  g_free (series->symbol);
  g_free (series->symbol_lower);
  g_ptr_array_unref (series->rows);
  g_free (series->open_time);
  g_free (series);
}

static void
funding_free (gpointer data)
{
  Funding *funding = data;

  g_free (funding->symbol);
  g_array_unref (funding->times);
  g_ptr_array_unref (funding->rates);
  g_free (funding);
}

static void
sub_free (gpointer data)
{
  Sub *sub = data;

  g_free (sub->name);
  g_free (sub->symbol_lower);
  g_free (sub);
}

static void
conn_free (gpointer data)
{
  Conn *conn = data;

  g_signal_handlers_disconnect_by_data (conn->conn, conn);
  g_clear_object (&conn->conn);
  g_ptr_array_unref (conn->subs);
  g_free (conn);
}

static void
delayed_free (gpointer data)
{
  Delayed *delayed = data;

  g_clear_handle_id (&delayed->source_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (delayed->msg, delayed);
  g_clear_object (&delayed->msg);
  g_free (delayed->path);
  g_clear_pointer (&delayed->query, g_hash_table_unref);
  g_free (delayed);
}

/* ------------------------------------------------------------------------------ */
/* Loading fixtures                                                               */
/* ------------------------------------------------------------------------------ */

static gboolean
parse_id (JsonObject  *obj,
          const char  *member,
          guint64     *value)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 0)
    return FALSE;
  *value = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
collect_levels (JsonObject  *obj,
                const char  *member,
                GPtrArray   *out,
                guint       *n,
                const char  *where,
                GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                   "%s: \"%s\" is not an array of levels", where, member);
      return FALSE;
    }
  array = json_node_get_array (node);
  *n = json_array_get_length (array);
  for (guint i = 0; i < *n; i++)
    {
      JsonNode *pair = json_array_get_element (array, i);
      JsonArray *pa;
      const char *price;
      const char *qty;

      if (!JSON_NODE_HOLDS_ARRAY (pair) || json_array_get_length (json_node_get_array (pair)) < 2)
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: \"%s\"[%u] is not a [price, qty] pair", where, member, i);
          return FALSE;
        }
      pa = json_node_get_array (pair);
      price = json_node_get_string (json_array_get_element (pa, 0));
      qty = json_node_get_string (json_array_get_element (pa, 1));
      if (price == NULL || qty == NULL)
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: \"%s\"[%u] holds no price and quantity strings", where, member, i);
          return FALSE;
        }
      g_ptr_array_add (out, g_strdup (price));
      g_ptr_array_add (out, g_strdup (qty));
    }
  return TRUE;
}

/* Sets the level in @tree; a zero quantity removes it. */
static gboolean
tree_set_level (GTree       *tree,
                const char  *price,
                const char  *qty,
                const char  *where,
                GError     **error)
{
  gint64 key;
  double q;
  Level *level;
  gint64 *keyp;

  if (!perp_price_key_parse (price, strlen (price), &key)
      || !perp_quantity_parse (qty, strlen (qty), &q))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
                   "%s: level [\"%s\", \"%s\"] is not a price and a quantity", where, price, qty);
      return FALSE;
    }
  if (q == 0)
    {
      g_tree_remove (tree, &key);
      return TRUE;
    }
  level = g_new0 (Level, 1);
  level->price = g_strdup (price);
  level->qty = g_strdup (qty);
  keyp = g_new (gint64, 1);
  *keyp = key;
  g_tree_replace (tree, keyp, level);
  return TRUE;
}

static gboolean
apply_levels (Capture     *capture,
              char       **levels,
              guint        n_bids,
              guint        n_asks,
              const char  *where,
              GError     **error)
{
  for (guint i = 0; i < n_bids + n_asks; i++)
    if (!tree_set_level (i < n_bids ? capture->bids : capture->asks,
                         levels[2 * i], levels[2 * i + 1], where, error))
      return FALSE;
  return TRUE;
}

static char *
rebuild_agg_trade (JsonObject *data)
{
  const char *status = json_object_get_string_member_with_default (data, "X", "MARKET");
  gint64 id = json_object_get_int_member_with_default (data, "t", -1);

  /* Binance's aggregate trades leave out insurance-fund and ADL fills. */
  if (g_strcmp0 (status, "MARKET") != 0 || id < 0)
    return NULL;

  return g_strdup_printf ("{\"e\":\"aggTrade\",\"E\":%" G_GINT64_FORMAT ",\"a\":%" G_GINT64_FORMAT
                          ",\"s\":\"%s\",\"p\":\"%s\",\"q\":\"%s\",\"f\":%" G_GINT64_FORMAT
                          ",\"l\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT ",\"m\":%s}",
                          json_object_get_int_member_with_default (data, "E", 0), id,
                          json_object_get_string_member_with_default (data, "s", ""),
                          json_object_get_string_member_with_default (data, "p", "0"),
                          json_object_get_string_member_with_default (data, "q", "0"),
                          id, id,
                          json_object_get_int_member_with_default (data, "T", 0),
                          json_object_get_boolean_member_with_default (data, "m", FALSE)
                            ? "true" : "false");
}

gboolean
perp_fake_binance_load_ticks (PerpFakeBinance  *self,
                              const char       *path,
                              GError          **error)
{
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Capture *capture;
  gboolean have_snapshot = FALSE;
  const char *text;
  gsize length;
  GError *local_error = NULL;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, error);
  if (reader == NULL)
    return FALSE;

  capture = g_new0 (Capture, 1);
  capture->lines = g_ptr_array_new_with_free_func (tick_line_free);
  capture->bids = level_tree_new ();
  capture->asks = level_tree_new ();
  g_ptr_array_add (self->captures, capture);

  while ((text = perp_tick_reader_next_line (reader, &length, &local_error)) != NULL)
    {
      g_autofree char *where = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, path,
                                                perp_tick_reader_get_line (reader));
      JsonObject *root;
      JsonObject *data;
      const char *stream;
      const char *event;
      const char *symbol;
      const char *data_start;
      TickLine *line;

      if (length == 0)
        continue;
      if (!json_parser_load_from_data (parser, text, length, &local_error))
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON, "%s: %s", where,
                       local_error->message);
          g_clear_error (&local_error);
          goto fail;
        }
      root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
        ? json_node_get_object (json_parser_get_root (parser)) : NULL;
      stream = root != NULL ? json_object_get_string_member_with_default (root, "stream", NULL) : NULL;
      data = root != NULL && json_object_has_member (root, "data")
             && JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "data"))
        ? json_object_get_object_member (root, "data") : NULL;
      /* The data text is everything after the first "data": up to the envelope's
       * closing brace; the envelope's other keys come before it. */
      data_start = g_strstr_len (text, length, "\"data\":");
      if (stream == NULL || data == NULL || data_start == NULL || text[length - 1] != '}')
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: not a capture envelope {\"recv_ns\",\"stream\",\"data\"}", where);
          goto fail;
        }
      data_start += strlen ("\"data\":");

      if (g_str_equal (stream, "rest_depth_snapshot"))
        {
          g_autoptr(GPtrArray) levels = g_ptr_array_new_with_free_func (g_free);
          guint n_bids, n_asks;

          if (!parse_id (data, "lastUpdateId", &capture->snapshot_id)
              || !collect_levels (data, "bids", levels, &n_bids, where, error)
              || !collect_levels (data, "asks", levels, &n_asks, where, error))
            {
              if (error != NULL && *error == NULL)
                g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                             "%s: the snapshot has no lastUpdateId", where);
              goto fail;
            }
          g_ptr_array_add (levels, NULL);
          capture->snapshot_e = json_object_get_int_member_with_default (data, "E", 0);
          capture->snapshot_t = json_object_get_int_member_with_default (data, "T", 0);
          if (!apply_levels (capture, (char **) levels->pdata, n_bids, n_asks, where, error))
            goto fail;
          have_snapshot = TRUE;
          continue;
        }

      event = json_object_get_string_member_with_default (data, "e", NULL);
      symbol = json_object_get_string_member_with_default (data, "s", NULL);
      if (symbol == NULL)
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: a message without \"s\"", where);
          goto fail;
        }
      if (capture->symbol == NULL)
        {
          capture->symbol = g_strdup (symbol);
          capture->symbol_lower = g_ascii_strdown (symbol, -1);
        }
      else if (!g_str_equal (capture->symbol, symbol))
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: symbol %s in a capture of %s", where, symbol, capture->symbol);
          goto fail;
        }

      line = g_new0 (TickLine, 1);
      line->data = g_strndup (data_start, text + length - 1 - data_start);
      line->event_time = json_object_get_int_member_with_default (data, "E", 0);
      line->transaction_time = json_object_get_int_member_with_default (data, "T", line->event_time);
      g_ptr_array_add (capture->lines, line);

      if (g_strcmp0 (event, "depthUpdate") == 0)
        {
          g_autoptr(GPtrArray) levels = g_ptr_array_new_with_free_func (g_free);

          line->kind = LINE_DEPTH;
          if (!parse_id (data, "U", &line->first_id) || !parse_id (data, "u", &line->final_id))
            {
              g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                           "%s: a depth event without U and u", where);
              goto fail;
            }
          if (!collect_levels (data, "b", levels, &line->n_bids, where, error)
              || !collect_levels (data, "a", levels, &line->n_asks, where, error))
            goto fail;
          g_ptr_array_add (levels, NULL);
          line->levels = (char **) g_ptr_array_free (g_steal_pointer (&levels), FALSE);
        }
      else if (g_strcmp0 (event, "trade") == 0)
        {
          line->kind = LINE_TRADE;
          line->agg = rebuild_agg_trade (data);
          line->price = g_strdup (json_object_get_string_member_with_default (data, "p", "0"));
        }
      else if (g_strcmp0 (event, "bookTicker") == 0 || g_str_has_suffix (stream, "@bookTicker"))
        line->kind = LINE_BOOK_TICKER;
      else
        {
          g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                       "%s: stream %s is not depth, trade or bookTicker", where, stream);
          goto fail;
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      goto fail;
    }
  if (!have_snapshot || capture->symbol == NULL)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_FORMAT,
                   "%s: no rest_depth_snapshot line, or no messages", path);
      goto fail;
    }
  capture->now = ((TickLine *) capture->lines->pdata[0])->event_time;
  return TRUE;

fail:
  g_ptr_array_remove (self->captures, capture);
  return FALSE;
}

gboolean
perp_fake_binance_load_candles (PerpFakeBinance  *self,
                                const char       *symbol,
                                PerpInterval      interval,
                                const char       *path,
                                GError          **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  Series *series;
  gsize length;
  GArray *times;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), FALSE);
  g_return_val_if_fail (symbol != NULL && path != NULL, FALSE);
  g_return_val_if_fail (interval > PERP_INTERVAL_UNKNOWN && interval < PERP_N_INTERVALS, FALSE);

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;

  series = g_new0 (Series, 1);
  series->symbol = g_strdup (symbol);
  series->symbol_lower = g_ascii_strdown (symbol, -1);
  series->interval = interval;
  series->interval_ms = perp_interval_to_ms (interval);
  series->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  series->held_close = -1;
  times = g_array_new (FALSE, FALSE, sizeof (gint64));

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      gint64 open_time;
      char *end;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || (i == 0 && !g_ascii_isdigit (lines[i][0])))
        continue;
      cells = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (cells) != N_KLINE_COLUMNS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: %u columns, a kline row has %d", path, i + 1,
                       g_strv_length (cells), N_KLINE_COLUMNS);
          goto fail;
        }
      open_time = g_ascii_strtoll (cells[0], &end, 10);
      if (*end != '\0' || (times->len > 0
                           && open_time != g_array_index (times, gint64, times->len - 1) + series->interval_ms))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: open time \"%s\" does not follow the previous row by one %s",
                       path, i + 1, cells[0], perp_interval_to_string (interval));
          goto fail;
        }
      g_array_append_val (times, open_time);
      g_ptr_array_add (series->rows, g_steal_pointer (&cells));
    }
  if (times->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no kline rows", path);
      goto fail;
    }
  series->open_time = (gint64 *) (void *) g_array_free (times, FALSE);
  g_ptr_array_add (self->series, series);
  return TRUE;

fail:
  g_array_unref (times);
  series_free (series);
  return FALSE;
}

gboolean
perp_fake_binance_load_funding (PerpFakeBinance  *self,
                                const char       *symbol,
                                const char       *path,
                                GError          **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  Funding *funding;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), FALSE);
  g_return_val_if_fail (symbol != NULL && path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;

  funding = g_new0 (Funding, 1);
  funding->symbol = g_strdup (symbol);
  funding->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  funding->rates = g_ptr_array_new_with_free_func (g_free);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      gint64 t;
      char *end;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || (i == 0 && !g_ascii_isdigit (lines[i][0])))
        continue;
      cells = g_strsplit (lines[i], ",", -1);
      t = g_ascii_strtoll (cells[0], &end, 10);
      if (g_strv_length (cells) != 2 || *end != '\0' || cells[1][0] == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: not a funding_time,funding_rate row", path, i + 1);
          funding_free (funding);
          return FALSE;
        }
      g_array_append_val (funding->times, t);
      g_ptr_array_add (funding->rates, g_strdup (cells[1]));
    }
  g_ptr_array_add (self->funding, funding);
  return TRUE;
}

static gboolean
load_exchange_info (PerpFakeBinance  *self,
                    const char       *path,
                    GError          **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *contents = NULL;
  JsonNode *root;
  JsonNode *symbols;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, contents, length, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  symbols = JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_member (json_node_get_object (root), "symbols") : NULL;
  if (symbols == NULL || !JSON_NODE_HOLDS_ARRAY (symbols))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: no \"symbols\" array", path);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (symbols)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (symbols), i);
      const char *name = JSON_NODE_HOLDS_OBJECT (node)
        ? json_object_get_string_member_with_default (json_node_get_object (node), "symbol", NULL)
        : NULL;

      if (name != NULL)
        g_hash_table_add (self->symbols, g_strdup (name));
    }
  g_clear_pointer (&self->exchange_info, g_bytes_unref);
  self->exchange_info = g_bytes_new_take (g_steal_pointer (&contents), length);
  return TRUE;
}

/* ------------------------------------------------------------------------------ */
/* Clock                                                                          */
/* ------------------------------------------------------------------------------ */

static Capture *
find_capture (PerpFakeBinance *self,
              const char      *symbol)
{
  for (guint i = 0; i < self->captures->len; i++)
    {
      Capture *capture = self->captures->pdata[i];

      if (g_ascii_strcasecmp (capture->symbol, symbol) == 0)
        return capture;
    }
  return NULL;
}

static Series *
find_series (PerpFakeBinance *self,
             const char      *symbol,
             PerpInterval     interval)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = self->series->pdata[i];

      if (g_ascii_strcasecmp (series->symbol, symbol) == 0
          && (interval == PERP_INTERVAL_UNKNOWN || series->interval == interval))
        return series;
    }
  return NULL;
}

static void
ensure_started (PerpFakeBinance *self)
{
  if (self->started)
    return;
  self->started = TRUE;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = self->series->pdata[i];

      series->start = self->kline_start >= 0
        ? MIN ((guint) self->kline_start, series->rows->len)
        : series->rows->len / 2;
    }
}

/* The candle forming now (index; rows->len when all are closed) and how far into it
 * the clock is, as @num / (forming_updates + 1). */
static void
series_position (PerpFakeBinance *self,
                 Series          *series,
                 guint           *index,
                 guint           *num)
{
  guint per = self->forming_updates + 1;
  guint c, p;

  if (series->step == 0)
    {
      *index = series->start;
      *num = 0;
      return;
    }
  c = series->start + (series->step - 1) / per;
  p = (series->step - 1) % per;
  if (p + 1 == per)
    {
      *index = c + 1;
      *num = 0;
    }
  else
    {
      *index = c;
      *num = p + 1;
    }
  if (*index >= series->rows->len)
    {
      *index = series->rows->len;
      *num = 0;
    }
}

static gint64
series_now (PerpFakeBinance *self,
            Series          *series)
{
  guint index, num;

  series_position (self, series, &index, &num);
  if (index >= series->rows->len)
    return series->open_time[series->rows->len - 1] + series->interval_ms;
  return series->open_time[index] + series->interval_ms * num / (self->forming_updates + 1);
}

static gint64
symbol_now (PerpFakeBinance *self,
            const char      *symbol)
{
  Capture *capture = find_capture (self, symbol);
  Series *series = find_series (self, symbol, PERP_INTERVAL_UNKNOWN);

  if (capture != NULL)
    return capture->now;
  if (series != NULL)
    return series_now (self, series);
  if (self->captures->len > 0)
    return ((Capture *) self->captures->pdata[0])->now;
  if (self->series->len > 0)
    return series_now (self, self->series->pdata[0]);
  return g_get_real_time () / 1000;
}

static char *
scaled (const char *value,
        guint       num,
        guint       den)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (num == den)
    return g_strdup (value);
  /* Plain decimals, as Binance writes them: the shortest round trip would switch to an
   * exponent ("7.3e-06") for a small fraction of a candle, which no exchange sends. */
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.8f", g_ascii_strtod (value, NULL) * num / den));
}

/* The 12 kline fields of candle @index at fraction @num/@den (den = num: closed). */
static char **
kline_fields (Series *series,
              guint   index,
              guint   num,
              guint   den)
{
  char **row = series->rows->pdata[index];
  char **out = g_new0 (char *, N_KLINE_COLUMNS + 1);

  for (guint i = 0; i < N_KLINE_COLUMNS; i++)
    out[i] = g_strdup (row[i]);
  if (num == den)
    return out;

  if (num == 0)
    {
      /* Just opened: flat at the open, nothing traded yet. */
      for (guint i = 2; i <= 4; i++)
        {
          g_free (out[i]);
          out[i] = g_strdup (row[1]);
        }
    }
  /* volume, quote volume, trade count, taker buy volume, taker buy quote volume */
  {
    static const guint volume_columns[] = { 5, 7, 9, 10 };

    for (guint i = 0; i < G_N_ELEMENTS (volume_columns); i++)
      {
        g_free (out[volume_columns[i]]);
        out[volume_columns[i]] = scaled (row[volume_columns[i]], num, den);
      }
    g_free (out[8]);
    out[8] = g_strdup_printf ("%" G_GINT64_FORMAT,
                              g_ascii_strtoll (row[8], NULL, 10) * num / den);
  }
  return out;
}

static char *
kline_message (Series *series,
               guint   index,
               guint   num,
               guint   den,
               gint64  event_time)
{
  g_auto(GStrv) f = kline_fields (series, index, num, den);
  gint64 open_time = series->open_time[index];

  /* Binance's order of keys; "f"/"L" (first and last trade id) are not in the CSV. */
  return g_strdup_printf ("{\"e\":\"kline\",\"E\":%" G_GINT64_FORMAT ",\"s\":\"%s\",\"k\":{"
                          "\"t\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT ",\"s\":\"%s\","
                          "\"i\":\"%s\",\"f\":-1,\"L\":-1,\"o\":\"%s\",\"c\":\"%s\",\"h\":\"%s\","
                          "\"l\":\"%s\",\"v\":\"%s\",\"n\":%s,\"x\":%s,\"q\":\"%s\",\"V\":\"%s\","
                          "\"Q\":\"%s\",\"B\":\"0\"}}",
                          event_time, series->symbol, open_time,
                          open_time + series->interval_ms - 1, series->symbol,
                          perp_interval_to_string (series->interval),
                          f[1], f[4], f[2], f[3], f[5], f[8], num == den ? "true" : "false",
                          f[7], f[9], f[10]);
}

/* ------------------------------------------------------------------------------ */
/* WebSocket                                                                      */
/* ------------------------------------------------------------------------------ */

static void
send_frames (PerpFakeBinance *self,
             Conn            *conn,
             const char      *next_text)
{
  GArray *frames = self->frames[conn->endpoint];

  for (guint i = 0; i < frames->len; i++)
    {
      switch (g_array_index (frames, PerpFakeFrame, i))
        {
        case PERP_FAKE_FRAME_MALFORMED:
          soup_websocket_connection_send_text (conn->conn, "{\"stream\":\"x\",\"data\":{\"e\":,]]} not json");
          break;
        case PERP_FAKE_FRAME_TRUNCATED:
          {
            g_autofree char *half = g_strndup (next_text, strlen (next_text) / 2);

            soup_websocket_connection_send_text (conn->conn, half);
          }
          break;
        case PERP_FAKE_FRAME_NOT_OBJECT:
          soup_websocket_connection_send_text (conn->conn, "[1,2,3]");
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
conn_send (PerpFakeBinance *self,
           Conn            *conn,
           const char      *stream,
           const char      *data)
{
  g_autofree char *text = NULL;
  PerpFakeEndpoint ep = conn->endpoint;

  if (conn->stalled || conn->closing
      || soup_websocket_connection_get_state (conn->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  text = g_strdup_printf ("{\"stream\":\"%s\",\"data\":%s}", stream, data);
  if (self->frames[ep]->len > 0)
    {
      /* The bad frames go out just before the endpoint's next real message, on the
       * connection that carries it. */
      send_frames (self, conn, text);
      g_array_set_size (self->frames[ep], 0);
    }
  soup_websocket_connection_send_text (conn->conn, text);
  self->n_sent[ep]++;

  if (self->drop_remaining[ep] > 0 && --self->drop_remaining[ep] == 0)
    {
      self->drop_now[ep] = TRUE;
      for (guint i = 0; i < self->conns->len; i++)
        {
          Conn *other = self->conns->pdata[i];

          if (other->endpoint == ep)
            other->closing = TRUE;
        }
    }
}

static void
broadcast (PerpFakeBinance *self,
           PerpFakeEndpoint endpoint,
           SubKind          kind,
           const char      *symbol_lower,
           PerpInterval     interval,
           const char      *data)
{
  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = self->conns->pdata[i];

      if (conn->endpoint != endpoint)
        continue;
      for (guint j = 0; j < conn->subs->len; j++)
        {
          Sub *sub = conn->subs->pdata[j];

          if (sub->kind == kind && g_str_equal (sub->symbol_lower, symbol_lower)
              && (kind != SUB_KLINE || sub->interval == interval))
            conn_send (self, conn, sub->name, data);
        }
    }
}

static void
close_dropped (PerpFakeBinance *self)
{
  for (guint ep = 0; ep < PERP_FAKE_N_ENDPOINTS; ep++)
    {
      if (!self->drop_now[ep])
        continue;
      self->drop_now[ep] = FALSE;
      for (guint i = 0; i < self->conns->len; i++)
        {
          Conn *conn = self->conns->pdata[i];

          if (conn->endpoint != ep
              || soup_websocket_connection_get_state (conn->conn) != SOUP_WEBSOCKET_STATE_OPEN)
            continue;
          if (self->drop_abrupt)
            {
              /* No close frame: the TCP connection just ends, as when a route dies. */
              GIOStream *stream = soup_websocket_connection_get_io_stream (conn->conn);

              g_io_stream_close (stream, NULL, NULL);
            }
          else
            soup_websocket_connection_close (conn->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                             "fake drop");
        }
    }
}

static void
step_capture (PerpFakeBinance *self,
              Capture         *capture)
{
  TickLine *line;

  if (capture->cursor >= capture->lines->len)
    return;
  line = capture->lines->pdata[capture->cursor++];
  capture->now = line->event_time;

  switch (line->kind)
    {
    case LINE_DEPTH:
      /* The exchange's book moves whether or not anybody hears about it. */
      if (line->final_id >= capture->snapshot_id)
        {
          g_autoptr(GError) error = NULL;

          if (!apply_levels (capture, line->levels, line->n_bids, line->n_asks, "depth", &error))
            g_critical ("fake book: %s", error->message);
          capture->book_moved = TRUE;
          capture->book_e = line->event_time;
          capture->book_t = line->transaction_time;
        }
      if (self->skip_depth > 0)
        {
          self->skip_depth--;
          break;
        }
      broadcast (self, PERP_FAKE_ENDPOINT_PUBLIC, SUB_DEPTH, capture->symbol_lower,
                 PERP_INTERVAL_UNKNOWN, line->data);
      break;
    case LINE_BOOK_TICKER:
      broadcast (self, PERP_FAKE_ENDPOINT_PUBLIC, SUB_BOOK_TICKER, capture->symbol_lower,
                 PERP_INTERVAL_UNKNOWN, line->data);
      break;
    case LINE_TRADE:
      g_free (capture->last_price);
      capture->last_price = g_strdup (line->price);
      broadcast (self, PERP_FAKE_ENDPOINT_MARKET, SUB_TRADE, capture->symbol_lower,
                 PERP_INTERVAL_UNKNOWN, line->data);
      if (line->agg != NULL)
        broadcast (self, PERP_FAKE_ENDPOINT_MARKET, SUB_AGG_TRADE, capture->symbol_lower,
                   PERP_INTERVAL_UNKNOWN, line->agg);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
send_close (PerpFakeBinance *self,
            Series          *series,
            guint            index)
{
  guint den = self->forming_updates + 1;
  g_autofree char *text = kline_message (series, index, den, den,
                                         series->open_time[index] + series->interval_ms);

  broadcast (self, PERP_FAKE_ENDPOINT_MARKET, SUB_KLINE, series->symbol_lower,
             series->interval, text);
}

static void
step_series (PerpFakeBinance *self,
             Series          *series)
{
  guint per = self->forming_updates + 1;
  guint c = series->start + series->step / per;
  guint p = series->step % per;

  if (c >= series->rows->len)
    {
      if (series->held_close >= 0)
        {
          send_close (self, series, series->held_close);
          series->held_close = -1;
        }
      return;
    }
  series->step++;

  if (p + 1 < per)
    {
      g_autofree char *text = kline_message (series, c, p + 1, per,
                                             series->open_time[c] + series->interval_ms * (p + 1) / per);

      broadcast (self, PERP_FAKE_ENDPOINT_MARKET, SUB_KLINE, series->symbol_lower,
                 series->interval, text);
      return;
    }

  if (series->swap_next_closes && series->held_close < 0)
    {
      series->swap_next_closes = FALSE;
      series->held_close = c;
      return;
    }
  send_close (self, series, c);
  if (series->held_close >= 0)
    {
      send_close (self, series, series->held_close);
      series->held_close = -1;
    }
  if (series->duplicate_next_close)
    {
      series->duplicate_next_close = FALSE;
      send_close (self, series, c);
    }
  if (series->repeat_old_next_close)
    {
      series->repeat_old_next_close = FALSE;
      if (c > 0)
        send_close (self, series, c - 1);
    }
}

void
perp_fake_binance_advance (PerpFakeBinance *self,
                           guint            n_steps)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));

  ensure_started (self);
  for (guint n = 0; n < n_steps; n++)
    {
      for (guint i = 0; i < self->captures->len; i++)
        step_capture (self, self->captures->pdata[i]);
      for (guint i = 0; i < self->series->len; i++)
        step_series (self, self->series->pdata[i]);
      close_dropped (self);
    }
}

static gboolean
pace_cb (gpointer user_data)
{
  PerpFakeBinance *self = user_data;

  perp_fake_binance_advance (self, self->pace_steps);
  return G_SOURCE_CONTINUE;
}

void
perp_fake_binance_set_pace (PerpFakeBinance *self,
                            guint            period_ms,
                            guint            steps)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));

  g_clear_handle_id (&self->pace_id, g_source_remove);
  self->pace_steps = steps;
  if (period_ms > 0 && steps > 0)
    self->pace_id = g_timeout_add (period_ms, pace_cb, self);
}

static void
conn_closed_cb (SoupWebsocketConnection *ws,
                gpointer                 user_data)
{
  Conn *conn = user_data;

  g_ptr_array_remove (conn->fake->conns, conn);
}

static gboolean
parse_stream (const char *name,
              Sub        *sub)
{
  const char *at = strchr (name, '@');
  const char *kind;

  if (at == NULL || at == name)
    return FALSE;
  sub->name = g_strdup (name);
  sub->symbol_lower = g_ascii_strdown (name, at - name);
  sub->interval = PERP_INTERVAL_UNKNOWN;
  kind = at + 1;
  if (g_str_equal (kind, "depth") || g_str_has_prefix (kind, "depth@"))
    sub->kind = SUB_DEPTH;
  else if (g_str_equal (kind, "bookTicker"))
    sub->kind = SUB_BOOK_TICKER;
  else if (g_str_equal (kind, "trade"))
    sub->kind = SUB_TRADE;
  else if (g_str_equal (kind, "aggTrade"))
    sub->kind = SUB_AGG_TRADE;
  else if (g_str_has_prefix (kind, "kline_"))
    {
      sub->kind = SUB_KLINE;
      sub->interval = perp_interval_from_string (kind + strlen ("kline_"));
      if (sub->interval == PERP_INTERVAL_UNKNOWN)
        return FALSE;
    }
  else
    sub->kind = SUB_OTHER;   /* markPrice, forceOrder ...: nothing recorded to send */
  return TRUE;
}

static gboolean
sub_belongs_to (const Sub        *sub,
                PerpFakeEndpoint  endpoint)
{
  gboolean is_public = sub->kind == SUB_DEPTH || sub->kind == SUB_BOOK_TICKER;

  return sub->kind == SUB_OTHER || is_public == (endpoint == PERP_FAKE_ENDPOINT_PUBLIC);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  PerpFakeBinance *self = user_data;
  PerpFakeEndpoint endpoint = g_str_has_prefix (path, "/market")
    ? PERP_FAKE_ENDPOINT_MARKET : PERP_FAKE_ENDPOINT_PUBLIC;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autoptr(GHashTable) params = NULL;
  const char *streams;
  Conn *conn;

  self->n_connections[endpoint]++;
  conn = g_new0 (Conn, 1);
  conn->fake = self;
  conn->conn = g_object_ref (ws);
  conn->endpoint = endpoint;
  conn->subs = g_ptr_array_new_with_free_func (sub_free);
  g_ptr_array_add (self->conns, conn);
  g_signal_connect (ws, "closed", G_CALLBACK (conn_closed_cb), conn);
  soup_websocket_connection_set_max_incoming_payload_size (ws, 1 << 20);

  params = query != NULL ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
  streams = params != NULL ? g_hash_table_lookup (params, "streams") : NULL;
  g_free (self->last_streams[endpoint]);
  self->last_streams[endpoint] = g_strdup (streams != NULL ? streams : "");
  if (streams != NULL)
    {
      g_auto(GStrv) names = g_strsplit (streams, "/", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          Sub *sub = g_new0 (Sub, 1);

          if (parse_stream (names[i], sub) && sub_belongs_to (sub, endpoint))
            g_ptr_array_add (conn->subs, sub);
          else
            sub_free (sub);
        }
    }
}

/* ------------------------------------------------------------------------------ */
/* REST                                                                           */
/* ------------------------------------------------------------------------------ */

static guint
request_weight (const char *path,
                GHashTable *query)
{
  const char *limit_text = query != NULL ? g_hash_table_lookup (query, "limit") : NULL;
  gboolean has_symbol = query != NULL && g_hash_table_contains (query, "symbol");
  gint64 limit = limit_text != NULL ? g_ascii_strtoll (limit_text, NULL, 10) : -1;

  /* Binance's documented request weights (USDT-M, 2025). */
  if (g_str_equal (path, "/fapi/v1/klines"))
    {
      if (limit < 0)
        limit = 500;
      return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
    }
  if (g_str_equal (path, "/fapi/v1/depth"))
    {
      if (limit < 0)
        limit = 500;
      return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
    }
  if (g_str_equal (path, "/fapi/v1/ticker/24hr"))
    return has_symbol ? 1 : 40;
  if (g_str_equal (path, "/fapi/v1/premiumIndex"))
    return has_symbol ? 1 : 10;
  return 1;
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         char              *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               int                code,
               const char        *message)
{
  respond (msg, status, g_strdup_printf ("{\"code\":%d,\"msg\":\"%s\"}", code, message));
}

static gboolean
param_int (GHashTable  *query,
           const char  *name,
           gint64       default_value,
           gint64      *value)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  char *end;

  *value = default_value;
  if (text == NULL)
    return TRUE;
  *value = g_ascii_strtoll (text, &end, 10);
  return text[0] != '\0' && *end == '\0';
}

/* Reads symbol (required unless @optional) and answers Binance's errors for it. */
static gboolean
param_symbol (PerpFakeBinance    *self,
              SoupServerMessage  *msg,
              GHashTable         *query,
              gboolean            optional,
              const char        **symbol)
{
  *symbol = query != NULL ? g_hash_table_lookup (query, "symbol") : NULL;
  if (*symbol == NULL || (*symbol)[0] == '\0')
    {
      *symbol = NULL;
      if (optional)
        return TRUE;
      respond_error (msg, 400, -1102,
                     "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
      return FALSE;
    }
  if (!g_hash_table_contains (self->symbols, *symbol))
    {
      respond_error (msg, 400, -1121, "Invalid symbol.");
      return FALSE;
    }
  return TRUE;
}

static void
append_kline_row (GString *out,
                  Series  *series,
                  guint    index,
                  guint    num,
                  guint    den)
{
  g_auto(GStrv) f = kline_fields (series, index, num, den);

  g_string_append_printf (out, "%s[%" G_GINT64_FORMAT ",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",%"
                          G_GINT64_FORMAT ",\"%s\",%s,\"%s\",\"%s\",\"%s\"]",
                          out->len > 1 ? "," : "", series->open_time[index],
                          f[1], f[2], f[3], f[4], f[5],
                          series->open_time[index] + series->interval_ms - 1,
                          f[7], f[8], f[9], f[10], f[11]);
}

static void
handle_klines (PerpFakeBinance   *self,
               SoupServerMessage *msg,
               GHashTable        *query)
{
  const char *symbol;
  const char *interval_name = query != NULL ? g_hash_table_lookup (query, "interval") : NULL;
  PerpInterval interval;
  gint64 start, end, limit;
  Series *series;
  guint forming, num, n_avail, first, last;
  GString *out;

  if (!param_symbol (self, msg, query, FALSE, &symbol))
    return;
  interval = interval_name != NULL ? perp_interval_from_string (interval_name) : PERP_INTERVAL_UNKNOWN;
  if (interval == PERP_INTERVAL_UNKNOWN)
    {
      respond_error (msg, 400, -1120, "Invalid interval.");
      return;
    }
  if (!param_int (query, "startTime", -1, &start) || !param_int (query, "endTime", -1, &end))
    {
      respond_error (msg, 400, -1100, "Illegal characters found in a parameter.");
      return;
    }
  if (!param_int (query, "limit", 500, &limit) || limit < 1 || limit > 1500)
    {
      respond_error (msg, 400, -1130, "Data sent for parameter 'limit' is not valid.");
      return;
    }

  out = g_string_new ("[");
  series = find_series (self, symbol, interval);
  if (series != NULL)
    {
      series_position (self, series, &forming, &num);
      /* Closed candles plus the forming one; after the last close, only closed. */
      n_avail = MIN (forming + 1, series->rows->len);

      if (start >= 0)
        {
          first = 0;
          while (first < n_avail && series->open_time[first] < start)
            first++;
          last = first;
          while (last < n_avail && (end < 0 || series->open_time[last] <= end)
                 && last - first < (guint) limit)
            last++;
        }
      else
        {
          last = n_avail;
          if (end >= 0)
            while (last > 0 && series->open_time[last - 1] > end)
              last--;
          first = last > (guint) limit ? last - (guint) limit : 0;
        }
      for (guint i = first; i < last; i++)
        append_kline_row (out, series, i, i == forming ? num : 1, i == forming ? self->forming_updates + 1 : 1);
    }
  g_string_append_c (out, ']');
  respond (msg, 200, g_string_free (out, FALSE));
}

/* Up to @limit levels from @node on, best first: bids walk down, asks up. */
static void
append_levels (GString   *out,
               GTreeNode *node,
               gboolean   descending,
               guint      limit)
{
  for (guint n = 0; node != NULL && n < limit; n++)
    {
      Level *level = g_tree_node_value (node);

      g_string_append_printf (out, "%s[\"%s\",\"%s\"]", n > 0 ? "," : "", level->price, level->qty);
      node = descending ? g_tree_node_previous (node) : g_tree_node_next (node);
    }
}

static void
handle_depth (PerpFakeBinance   *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  const char *symbol;
  gint64 limit;
  Capture *capture;
  guint64 last_id;
  gint64 e, t;
  GString *out;

  if (!param_symbol (self, msg, query, FALSE, &symbol))
    return;
  if (!param_int (query, "limit", 500, &limit)
      || (limit != 5 && limit != 10 && limit != 20 && limit != 50 && limit != 100
          && limit != 500 && limit != 1000))
    {
      respond_error (msg, 400, -1130, "Data sent for parameter 'limit' is not valid.");
      return;
    }
  capture = find_capture (self, symbol);
  if (capture == NULL)
    {
      respond (msg, 200, g_strdup ("{\"lastUpdateId\":0,\"E\":0,\"T\":0,\"bids\":[],\"asks\":[]}"));
      return;
    }

  last_id = capture->snapshot_id;
  e = capture->snapshot_e;
  t = capture->snapshot_t;
  if (capture->book_moved)
    {
      /* The book holds everything up to the last replayed event; the next event
       * starts at its U, so that U is an id the book is "at" (U <= id <= u). */
      e = capture->book_e;
      t = capture->book_t;
      last_id = 0;
      for (guint i = capture->cursor; i < capture->lines->len; i++)
        {
          TickLine *line = capture->lines->pdata[i];

          if (line->kind == LINE_DEPTH)
            {
              last_id = line->first_id;
              break;
            }
        }
      if (last_id == 0)
        for (guint i = capture->cursor; i > 0; i--)
          {
            TickLine *line = capture->lines->pdata[i - 1];

            if (line->kind == LINE_DEPTH)
              {
                last_id = line->final_id;
                break;
              }
          }
    }

  out = g_string_new (NULL);
  g_string_append_printf (out, "{\"lastUpdateId\":%" G_GUINT64_FORMAT ",\"E\":%" G_GINT64_FORMAT
                          ",\"T\":%" G_GINT64_FORMAT ",\"bids\":[", last_id, e, t);
  append_levels (out, g_tree_node_last (capture->bids), TRUE, (guint) limit);
  g_string_append (out, "],\"asks\":[");
  append_levels (out, g_tree_node_first (capture->asks), FALSE, (guint) limit);
  g_string_append (out, "]}");
  respond (msg, 200, g_string_free (out, FALSE));
}

static void
handle_open_interest (PerpFakeBinance   *self,
                      SoupServerMessage *msg,
                      GHashTable        *query)
{
  const char *symbol;
  const char *value;

  if (!param_symbol (self, msg, query, FALSE, &symbol))
    return;
  value = g_hash_table_lookup (self->open_interest, symbol);
  /* No open interest is recorded anywhere; the format example's figure stands in
   * unless the test sets one. */
  respond (msg, 200, g_strdup_printf ("{\"openInterest\":\"%s\",\"symbol\":\"%s\",\"time\":%"
                                      G_GINT64_FORMAT "}", value != NULL ? value : "10659.509",
                                      symbol, symbol_now (self, symbol)));
}

static Funding *
find_funding (PerpFakeBinance *self,
              const char      *symbol)
{
  for (guint i = 0; i < self->funding->len; i++)
    {
      Funding *funding = self->funding->pdata[i];

      if (g_str_equal (funding->symbol, symbol))
        return funding;
    }
  return NULL;
}

/* The price now: the last replayed trade, else the forming candle's close. */
static char *
dup_price_now (PerpFakeBinance *self,
               const char      *symbol)
{
  Capture *capture = find_capture (self, symbol);
  Series *series = find_series (self, symbol, PERP_INTERVAL_UNKNOWN);

  if (capture != NULL && capture->last_price != NULL)
    return g_strdup (capture->last_price);
  if (capture != NULL)
    {
      /* Before the first replayed trade, the first recorded one is the nearest price
       * the capture knows. */
      for (guint i = 0; i < capture->lines->len; i++)
        {
          TickLine *line = capture->lines->pdata[i];

          if (line->kind == LINE_TRADE)
            return g_strdup (line->price);
        }
    }
  if (series != NULL)
    {
      guint index, num;

      series_position (self, series, &index, &num);
      if (index >= series->rows->len)
        index = series->rows->len - 1;
      return g_strdup (((char **) series->rows->pdata[index])[num == 0 && index > 0 ? 1 : 4]);
    }
  return NULL;
}

static void
append_premium_index (PerpFakeBinance *self,
                      GString         *out,
                      const char      *symbol)
{
  g_autofree char *price = dup_price_now (self, symbol);
  Funding *funding = find_funding (self, symbol);
  gint64 now = symbol_now (self, symbol);
  const char *rate = "0.00000000";
  gint64 period = 8 * PERP_MS_PER_HOUR;

  if (funding != NULL)
    for (guint i = 0; i < funding->times->len; i++)
      if (g_array_index (funding->times, gint64, i) <= now || i == 0)
        rate = funding->rates->pdata[i];

  /* No mark or index price is recorded: the last trade price stands in for both. */
  g_string_append_printf (out, "{\"symbol\":\"%s\",\"markPrice\":\"%s\",\"indexPrice\":\"%s\","
                          "\"estimatedSettlePrice\":\"%s\",\"lastFundingRate\":\"%s\","
                          "\"nextFundingTime\":%" G_GINT64_FORMAT ",\"interestRate\":\"0.00010000\","
                          "\"time\":%" G_GINT64_FORMAT "}",
                          symbol, price, price, price, rate,
                          (perp_floor_div (now, period) + 1) * period, now);
}

static void
handle_premium_index (PerpFakeBinance   *self,
                      SoupServerMessage *msg,
                      GHashTable        *query)
{
  const char *symbol;
  g_autofree char *price = NULL;
  GString *out;

  if (!param_symbol (self, msg, query, TRUE, &symbol))
    return;
  out = g_string_new (NULL);
  if (symbol != NULL)
    {
      price = dup_price_now (self, symbol);
      if (price == NULL)
        {
          g_string_free (out, TRUE);
          respond_error (msg, 400, -1121, "Invalid symbol.");
          return;
        }
      append_premium_index (self, out, symbol);
    }
  else
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();

      g_string_append_c (out, '[');
      for (guint i = 0; i < self->captures->len; i++)
        g_ptr_array_add (names, ((Capture *) self->captures->pdata[i])->symbol);
      for (guint i = 0; i < self->series->len; i++)
        if (find_capture (self, ((Series *) self->series->pdata[i])->symbol) == NULL)
          g_ptr_array_add (names, ((Series *) self->series->pdata[i])->symbol);
      for (guint i = 0; i < names->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          append_premium_index (self, out, names->pdata[i]);
        }
      g_string_append_c (out, ']');
    }
  respond (msg, 200, g_string_free (out, FALSE));
}

static void
handle_funding_rate (PerpFakeBinance   *self,
                     SoupServerMessage *msg,
                     GHashTable        *query)
{
  const char *symbol;
  gint64 start, end, limit;
  Funding *funding;
  GString *out;
  guint first = 0, last = 0;

  if (!param_symbol (self, msg, query, TRUE, &symbol))
    return;
  if (!param_int (query, "startTime", -1, &start) || !param_int (query, "endTime", -1, &end)
      || !param_int (query, "limit", 100, &limit) || limit < 1 || limit > 1000)
    {
      respond_error (msg, 400, -1130, "Data sent for parameter 'limit' is not valid.");
      return;
    }
  out = g_string_new ("[");
  funding = symbol != NULL ? find_funding (self, symbol)
    : self->funding->len > 0 ? self->funding->pdata[0] : NULL;
  if (funding != NULL)
    {
      guint n = funding->times->len;
      const gint64 *t = (const gint64 *) (void *) funding->times->data;

      /* Binance: with startTime, the first @limit from it; otherwise the most recent
       * @limit up to endTime. */
      if (start >= 0)
        {
          while (first < n && t[first] < start)
            first++;
          last = first;
          while (last < n && (end < 0 || t[last] <= end) && last - first < (guint) limit)
            last++;
        }
      else
        {
          last = n;
          if (end >= 0)
            while (last > 0 && t[last - 1] > end)
              last--;
          first = last > (guint) limit ? last - (guint) limit : 0;
        }
      for (guint i = first; i < last; i++)
        g_string_append_printf (out, "%s{\"symbol\":\"%s\",\"fundingTime\":%" G_GINT64_FORMAT
                                ",\"fundingRate\":\"%s\"}", i > first ? "," : "",
                                funding->symbol, t[i], (const char *) funding->rates->pdata[i]);
    }
  g_string_append_c (out, ']');
  respond (msg, 200, g_string_free (out, FALSE));
}

static void
handle_ticker_24hr (PerpFakeBinance   *self,
                    SoupServerMessage *msg,
                    GHashTable        *query)
{
  const char *symbol;
  Series *series;
  Capture *capture;
  char buf[9][G_ASCII_DTOSTR_BUF_SIZE];
  double open = 0, high = 0, low = 0, last = 0, volume = 0, quote = 0;
  gint64 count = 0, open_time = 0, close_time;
  gboolean any = FALSE;

  if (!param_symbol (self, msg, query, FALSE, &symbol))
    return;
  close_time = symbol_now (self, symbol);
  series = find_series (self, symbol, PERP_INTERVAL_UNKNOWN);
  capture = find_capture (self, symbol);
  if (series != NULL)
    {
      guint forming, num;

      /* The rolling 24 h window, from the candles that opened in it. */
      series_position (self, series, &forming, &num);
      for (guint i = 0; i <= forming && i < series->rows->len; i++)
        {
          g_auto(GStrv) f = NULL;
          double h, l;

          if (series->open_time[i] < close_time - PERP_MS_PER_DAY)
            continue;
          f = kline_fields (series, i, i == forming ? num : 1,
                            i == forming ? self->forming_updates + 1 : 1);
          if (i == forming && num == 0)
            continue;
          h = g_ascii_strtod (f[2], NULL);
          l = g_ascii_strtod (f[3], NULL);
          if (!any)
            {
              open = g_ascii_strtod (f[1], NULL);
              open_time = series->open_time[i];
              high = h;
              low = l;
            }
          high = MAX (high, h);
          low = MIN (low, l);
          last = g_ascii_strtod (f[4], NULL);
          volume += g_ascii_strtod (f[5], NULL);
          quote += g_ascii_strtod (f[7], NULL);
          count += g_ascii_strtoll (f[8], NULL, 10);
          any = TRUE;
        }
    }
  else if (capture != NULL)
    {
      /* The replayed trades of the capture. */
      for (guint i = 0; i < capture->cursor; i++)
        {
          TickLine *line = capture->lines->pdata[i];
          g_autoptr(JsonParser) parser = NULL;
          JsonObject *data;
          double p, q;

          if (line->kind != LINE_TRADE)
            continue;
          parser = json_parser_new ();
          if (!json_parser_load_from_data (parser, line->data, -1, NULL))
            continue;
          data = json_node_get_object (json_parser_get_root (parser));
          p = g_ascii_strtod (json_object_get_string_member_with_default (data, "p", "0"), NULL);
          q = g_ascii_strtod (json_object_get_string_member_with_default (data, "q", "0"), NULL);
          if (!any)
            {
              open = high = low = p;
              open_time = line->transaction_time;
            }
          high = MAX (high, p);
          low = MIN (low, p);
          last = p;
          volume += q;
          quote += p * q;
          count++;
          any = TRUE;
        }
    }

  respond (msg, 200, g_strdup_printf (
             "{\"symbol\":\"%s\",\"priceChange\":\"%s\",\"priceChangePercent\":\"%s\","
             "\"weightedAvgPrice\":\"%s\",\"lastPrice\":\"%s\",\"lastQty\":\"0\","
             "\"openPrice\":\"%s\",\"highPrice\":\"%s\",\"lowPrice\":\"%s\","
             "\"volume\":\"%s\",\"quoteVolume\":\"%s\",\"openTime\":%" G_GINT64_FORMAT
             ",\"closeTime\":%" G_GINT64_FORMAT ",\"firstId\":0,\"lastId\":0,\"count\":%"
             G_GINT64_FORMAT "}",
             symbol, g_ascii_dtostr (buf[0], sizeof buf[0], last - open),
             g_ascii_formatd (buf[1], sizeof buf[1], "%.3f", open > 0 ? (last - open) / open * 100 : 0.0),
             g_ascii_dtostr (buf[2], sizeof buf[2], volume > 0 ? quote / volume : 0),
             g_ascii_dtostr (buf[3], sizeof buf[3], last),
             g_ascii_dtostr (buf[4], sizeof buf[4], open),
             g_ascii_dtostr (buf[5], sizeof buf[5], high),
             g_ascii_dtostr (buf[6], sizeof buf[6], low),
             g_ascii_formatd (buf[7], sizeof buf[7], "%.4f", volume),
             g_ascii_formatd (buf[8], sizeof buf[8], "%.4f", quote),
             open_time, close_time, count));
}

/* The recorded exchangeInfo with "serverTime" set to the fake clock, as a client
 * anchors its idea of the exchange's time on it. */
static char *
dup_exchange_info (PerpFakeBinance *self)
{
  gsize size;
  const char *text = g_bytes_get_data (self->exchange_info, &size);
  g_autofree char *copy = g_strndup (text, size);
  char *at = strstr (copy, "\"serverTime\":");
  char *end;

  if (at == NULL)
    return g_steal_pointer (&copy);
  at += strlen ("\"serverTime\":");
  end = at;
  while (g_ascii_isdigit (*end))
    end++;
  *at = '\0';
  return g_strdup_printf ("%s%" G_GINT64_FORMAT "%s", copy, symbol_now (self, ""), end);
}

static void
handle_request (PerpFakeBinance   *self,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query)
{
  if (g_str_equal (path, "/fapi/v1/exchangeInfo"))
    respond (msg, 200, dup_exchange_info (self));
  else if (g_str_equal (path, "/fapi/v1/klines"))
    handle_klines (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/depth"))
    handle_depth (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/openInterest"))
    handle_open_interest (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/premiumIndex"))
    handle_premium_index (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/fundingRate"))
    handle_funding_rate (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/ticker/24hr"))
    handle_ticker_24hr (self, msg, query);
  else if (g_str_equal (path, "/fapi/v1/ping"))
    respond (msg, 200, g_strdup ("{}"));
  else if (g_str_equal (path, "/fapi/v1/time"))
    respond (msg, 200, g_strdup_printf ("{\"serverTime\":%" G_GINT64_FORMAT "}",
                                        symbol_now (self, "")));
  else
    respond_error (msg, 404, -1000, "Unknown path.");
}

static gboolean
delayed_cb (gpointer user_data)
{
  Delayed *delayed = user_data;
  PerpFakeBinance *self = delayed->fake;

  delayed->source_id = 0;
  if (!delayed->disconnected)
    {
      if (!delayed->answered)
        handle_request (self, delayed->msg, delayed->path, delayed->query);
      soup_server_message_unpause (delayed->msg);
    }
  g_ptr_array_remove (self->delayed, delayed);
  return G_SOURCE_REMOVE;
}

static void
delayed_disconnected_cb (SoupServerMessage *msg,
                         gpointer           user_data)
{
  Delayed *delayed = user_data;

  delayed->disconnected = TRUE;
}

static guint
take_weight (PerpFakeBinance *self,
             guint            weight)
{
  /* Binance counts weight per wall-clock minute. */
  gint64 minute = g_get_real_time () / G_USEC_PER_SEC / 60;

  if (minute != self->weight_minute)
    {
      self->weight_minute = minute;
      self->weight = 0;
    }
  self->weight += weight;
  return self->weight;
}

static void
rest_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  PerpFakeBinance *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *weight = NULL;
  FailSpec *fail;
  DelaySpec *delay;

  ensure_started (self);
  g_hash_table_insert (self->requests, g_strdup (path),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->requests, path)) + 1));
  self->n_requests_total++;
  weight = g_strdup_printf ("%u", take_weight (self, request_weight (path, query)));
  soup_message_headers_replace (headers, "X-MBX-USED-WEIGHT-1M", weight);

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0)
    {
      respond_error (msg, 405, -1000, "Only GET is served here.");
      return;
    }

  fail = g_hash_table_lookup (self->fail, path);
  if (fail != NULL && fail->count > 0)
    {
      fail->count--;
      if (fail->retry_after_s > 0)
        {
          g_autofree char *retry = g_strdup_printf ("%u", fail->retry_after_s);

          soup_message_headers_replace (headers, "Retry-After", retry);
        }
      if (fail->status == 429)
        respond_error (msg, 429, -1003,
                       "Too many requests; current limit of IP is 2400 requests per minute.");
      else if (fail->status == 418)
        respond_error (msg, 418, -1003,
                       "Way too many requests; IP(127.0.0.1) banned until 1723161316000.");
      else
        respond_error (msg, fail->status, -1000, "An unknown error occurred while processing the request.");
      return;
    }

  delay = g_hash_table_lookup (self->delay, path);
  if (delay != NULL && delay->count > 0)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delay->count--;
      delayed->fake = self;
      delayed->msg = g_object_ref (msg);
      delayed->path = g_strdup (path);
      if (query != NULL)
        {
          GHashTableIter iter;
          gpointer k, v;

          delayed->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_iter_init (&iter, query);
          while (g_hash_table_iter_next (&iter, &k, &v))
            g_hash_table_insert (delayed->query, g_strdup (k), g_strdup (v));
        }
      g_signal_connect (msg, "disconnected", G_CALLBACK (delayed_disconnected_cb), delayed);
      if (delay->answer_first)
        {
          handle_request (self, msg, path, query);
          delayed->answered = TRUE;
        }
      soup_server_message_pause (msg);
      delayed->source_id = g_timeout_add (delay->delay_ms, delayed_cb, delayed);
      g_ptr_array_add (self->delayed, delayed);
      return;
    }

  handle_request (self, msg, path, query);
}

/* ------------------------------------------------------------------------------ */
/* Object                                                                         */
/* ------------------------------------------------------------------------------ */

static void
perp_fake_binance_dispose (GObject *object)
{
  PerpFakeBinance *self = PERP_FAKE_BINANCE (object);

  g_clear_handle_id (&self->pace_id, g_source_remove);
  if (self->delayed != NULL)
    g_ptr_array_set_size (self->delayed, 0);
  if (self->conns != NULL)
    {
      for (guint i = 0; i < self->conns->len; i++)
        {
          Conn *conn = self->conns->pdata[i];

          g_signal_handlers_disconnect_by_data (conn->conn, conn);
          if (soup_websocket_connection_get_state (conn->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close (conn->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
        }
      g_ptr_array_set_size (self->conns, 0);
    }
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (perp_fake_binance_parent_class)->dispose (object);
}

static void
perp_fake_binance_finalize (GObject *object)
{
  PerpFakeBinance *self = PERP_FAKE_BINANCE (object);

  g_free (self->rest_url);
  for (guint i = 0; i < PERP_FAKE_N_ENDPOINTS; i++)
    {
      g_free (self->ws_url[i]);
      g_free (self->last_streams[i]);
      g_array_unref (self->frames[i]);
    }
  g_clear_pointer (&self->exchange_info, g_bytes_unref);
  g_hash_table_unref (self->symbols);
  g_ptr_array_unref (self->captures);
  g_ptr_array_unref (self->series);
  g_ptr_array_unref (self->funding);
  g_hash_table_unref (self->open_interest);
  g_ptr_array_unref (self->conns);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->fail);
  g_hash_table_unref (self->delay);
  g_ptr_array_unref (self->delayed);

  G_OBJECT_CLASS (perp_fake_binance_parent_class)->finalize (object);
}

static void
perp_fake_binance_class_init (PerpFakeBinanceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_fake_binance_dispose;
  object_class->finalize = perp_fake_binance_finalize;
}

static void
perp_fake_binance_init (PerpFakeBinance *self)
{
  self->symbols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->captures = g_ptr_array_new_with_free_func (capture_free);
  self->series = g_ptr_array_new_with_free_func (series_free);
  self->funding = g_ptr_array_new_with_free_func (funding_free);
  self->open_interest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->conns = g_ptr_array_new_with_free_func (conn_free);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->fail = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->delay = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->delayed = g_ptr_array_new_with_free_func (delayed_free);
  self->forming_updates = DEFAULT_FORMING_UPDATES;
  self->kline_start = -1;
  for (guint i = 0; i < PERP_FAKE_N_ENDPOINTS; i++)
    self->frames[i] = g_array_new (FALSE, FALSE, sizeof (PerpFakeFrame));
}

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "feed", name, NULL);
}

/**
 * perp_fake_binance_new_with_exchange_info:
 * @path: an exchangeInfo response; its symbols are the ones the server knows
 *
 * Needs no g_test_init(), unlike the constructors that load the test fixtures.
 *
 * Returns: (transfer full) (nullable): a listening server with that exchangeInfo only
 */
PerpFakeBinance *
perp_fake_binance_new_with_exchange_info (const char  *path,
                                          GError     **error)
{
  g_autoptr(PerpFakeBinance) self = g_object_new (PERP_TYPE_FAKE_BINANCE, NULL);
  g_autoslist(GUri) uris = NULL;
  int port;

  if (!load_exchange_info (self, path, error))
    return NULL;

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, "/fapi", rest_cb, self, NULL);
  soup_server_add_websocket_handler (self->server, "/market/stream", NULL, NULL,
                                     websocket_cb, self, NULL);
  soup_server_add_websocket_handler (self->server, "/public/stream", NULL, NULL,
                                     websocket_cb, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    {
      g_prefix_error (error, "fake Binance on 127.0.0.1: ");
      return NULL;
    }
  uris = soup_server_get_uris (self->server);
  if (uris == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "fake Binance: the server has no URI");
      return NULL;
    }
  port = g_uri_get_port (uris->data);
  self->rest_url = g_strdup_printf ("http://127.0.0.1:%d", port);
  self->ws_url[PERP_FAKE_ENDPOINT_MARKET] = g_strdup_printf ("ws://127.0.0.1:%d/market", port);
  self->ws_url[PERP_FAKE_ENDPOINT_PUBLIC] = g_strdup_printf ("ws://127.0.0.1:%d/public", port);

  return g_steal_pointer (&self);
}

/**
 * perp_fake_binance_new_empty:
 *
 * Returns: (transfer full) (nullable): a listening server with the fixtures'
 *   exchangeInfo (BTCUSDT, ETHUSDT, FILUSDT) only
 */
PerpFakeBinance *
perp_fake_binance_new_empty (GError **error)
{
  g_autofree char *info = fixture ("exchangeInfo_BTC_ETH_FIL.json");

  return perp_fake_binance_new_with_exchange_info (info, error);
}

/**
 * perp_fake_binance_new:
 *
 * Returns: (transfer full) (nullable): a listening server with the default fixtures
 */
PerpFakeBinance *
perp_fake_binance_new (GError **error)
{
  g_autoptr(PerpFakeBinance) self = perp_fake_binance_new_empty (error);
  g_autofree char *ticks = fixture ("ticks_usdm_BTCUSDT_3000.jsonl.gz");
  g_autofree char *candles = fixture ("FILUSDT_1m_2023-08-02_400.csv");
  g_autofree char *funding = fixture ("BTCUSDT_funding_last30.csv");

  if (self == NULL
      || !perp_fake_binance_load_ticks (self, ticks, error)
      || !perp_fake_binance_load_candles (self, "FILUSDT", PERP_INTERVAL_1M, candles, error)
      || !perp_fake_binance_load_funding (self, "BTCUSDT", funding, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
perp_fake_binance_get_rest_url (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), NULL);
  return self->rest_url;
}

const char *
perp_fake_binance_get_ws_url_market (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), NULL);
  return self->ws_url[PERP_FAKE_ENDPOINT_MARKET];
}

const char *
perp_fake_binance_get_ws_url_public (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), NULL);
  return self->ws_url[PERP_FAKE_ENDPOINT_PUBLIC];
}

void
perp_fake_binance_set_kline_start (PerpFakeBinance *self,
                                   guint            index)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (!self->started);
  self->kline_start = (gint) MIN (index, (guint) G_MAXINT);
}

void
perp_fake_binance_set_forming_updates (PerpFakeBinance *self,
                                       guint            n)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (!self->started);
  self->forming_updates = n;
}

gboolean
perp_fake_binance_is_exhausted (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), TRUE);

  ensure_started (self);
  for (guint i = 0; i < self->captures->len; i++)
    {
      Capture *capture = self->captures->pdata[i];

      if (capture->cursor < capture->lines->len)
        return FALSE;
    }
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = self->series->pdata[i];

      if (series->start + series->step / (self->forming_updates + 1) < series->rows->len)
        return FALSE;
    }
  return TRUE;
}

guint
perp_fake_binance_get_tick_position (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  return self->captures->len > 0 ? ((Capture *) self->captures->pdata[0])->cursor : 0;
}

guint
perp_fake_binance_get_n_tick_lines (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  return self->captures->len > 0 ? ((Capture *) self->captures->pdata[0])->lines->len : 0;
}

gint64
perp_fake_binance_get_kline_now (PerpFakeBinance *self,
                                 const char      *symbol)
{
  Series *series;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), -1);
  g_return_val_if_fail (symbol != NULL, -1);

  ensure_started (self);
  series = find_series (self, symbol, PERP_INTERVAL_UNKNOWN);
  return series != NULL ? series_now (self, series) : -1;
}

guint
perp_fake_binance_get_forming_index (PerpFakeBinance *self,
                                     const char      *symbol)
{
  Series *series;
  guint index = 0, num;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  g_return_val_if_fail (symbol != NULL, 0);

  ensure_started (self);
  series = find_series (self, symbol, PERP_INTERVAL_UNKNOWN);
  if (series != NULL)
    series_position (self, series, &index, &num);
  return index;
}

void
perp_fake_binance_drop_after (PerpFakeBinance  *self,
                              PerpFakeEndpoint  endpoint,
                              guint             n_messages)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS);

  self->drop_remaining[endpoint] = n_messages;
  if (n_messages == 0)
    {
      self->drop_now[endpoint] = TRUE;
      close_dropped (self);
    }
}

void
perp_fake_binance_set_drop_abrupt (PerpFakeBinance *self,
                                   gboolean         abrupt)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  self->drop_abrupt = !!abrupt;
}

void
perp_fake_binance_stall (PerpFakeBinance  *self,
                         PerpFakeEndpoint  endpoint)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS);

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = self->conns->pdata[i];

      if (conn->endpoint == endpoint)
        conn->stalled = TRUE;
    }
}

void
perp_fake_binance_inject_frame (PerpFakeBinance  *self,
                                PerpFakeEndpoint  endpoint,
                                PerpFakeFrame     frame)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS);

  g_array_append_val (self->frames[endpoint], frame);
}

/* Sends @text now on every open connection of @endpoint (a message the recordings do
 * not have, such as a markPrice update). */
void
perp_fake_binance_send_text (PerpFakeBinance  *self,
                             PerpFakeEndpoint  endpoint,
                             const char       *text)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS);

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = g_ptr_array_index (self->conns, i);

      if (conn->endpoint == endpoint && !conn->closing
          && soup_websocket_connection_get_state (conn->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text (conn->conn, text);
    }
}

void
perp_fake_binance_skip_depth_events (PerpFakeBinance *self,
                                     guint            n)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  self->skip_depth += n;
}

void
perp_fake_binance_kline_fault (PerpFakeBinance    *self,
                               PerpFakeKlineFault  fault)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = self->series->pdata[i];

      switch (fault)
        {
        case PERP_FAKE_KLINE_DUPLICATE_CLOSE:
          series->duplicate_next_close = TRUE;
          break;
        case PERP_FAKE_KLINE_REPEAT_OLD_CLOSE:
          series->repeat_old_next_close = TRUE;
          break;
        case PERP_FAKE_KLINE_SWAP_CLOSES:
          series->swap_next_closes = TRUE;
          break;
        default:
          g_return_if_reached ();
        }
    }
}

void
perp_fake_binance_fail_requests (PerpFakeBinance *self,
                                 const char      *path,
                                 guint            status,
                                 guint            count,
                                 guint            retry_after_s)
{
  FailSpec *spec;

  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (path != NULL && status >= 400);

  spec = g_new0 (FailSpec, 1);
  spec->status = status;
  spec->count = count;
  spec->retry_after_s = retry_after_s;
  g_hash_table_replace (self->fail, g_strdup (path), spec);
}

void
perp_fake_binance_delay_requests (PerpFakeBinance *self,
                                  const char      *path,
                                  guint            delay_ms,
                                  guint            count)
{
  DelaySpec *spec;

  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (path != NULL);

  spec = g_new0 (DelaySpec, 1);
  spec->delay_ms = delay_ms;
  spec->count = count;
  g_hash_table_replace (self->delay, g_strdup (path), spec);
}

void
perp_fake_binance_hold_responses (PerpFakeBinance *self,
                                  const char      *path,
                                  guint            delay_ms,
                                  guint            count)
{
  DelaySpec *spec;

  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (path != NULL);

  spec = g_new0 (DelaySpec, 1);
  spec->delay_ms = delay_ms;
  spec->count = count;
  spec->answer_first = TRUE;
  g_hash_table_replace (self->delay, g_strdup (path), spec);
}

void
perp_fake_binance_set_open_interest (PerpFakeBinance *self,
                                     const char      *symbol,
                                     const char      *open_interest)
{
  g_return_if_fail (PERP_IS_FAKE_BINANCE (self));
  g_return_if_fail (symbol != NULL && open_interest != NULL);

  g_hash_table_replace (self->open_interest, g_strdup (symbol), g_strdup (open_interest));
}

guint
perp_fake_binance_get_n_requests (PerpFakeBinance *self,
                                  const char      *path)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  g_return_val_if_fail (path != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->requests, path));
}

guint
perp_fake_binance_get_n_requests_total (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  return self->n_requests_total;
}

guint
perp_fake_binance_get_n_connections (PerpFakeBinance  *self,
                                     PerpFakeEndpoint  endpoint)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  g_return_val_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS, 0);
  return self->n_connections[endpoint];
}

guint
perp_fake_binance_get_n_open_connections (PerpFakeBinance  *self,
                                          PerpFakeEndpoint  endpoint)
{
  guint n = 0;

  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  g_return_val_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS, 0);

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *conn = self->conns->pdata[i];

      if (conn->endpoint == endpoint
          && soup_websocket_connection_get_state (conn->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        n++;
    }
  return n;
}

guint
perp_fake_binance_get_n_sent (PerpFakeBinance  *self,
                              PerpFakeEndpoint  endpoint)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  g_return_val_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS, 0);
  return self->n_sent[endpoint];
}

guint
perp_fake_binance_get_used_weight (PerpFakeBinance *self)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), 0);
  return take_weight (self, 0);
}

const char *
perp_fake_binance_get_last_streams (PerpFakeBinance  *self,
                                    PerpFakeEndpoint  endpoint)
{
  g_return_val_if_fail (PERP_IS_FAKE_BINANCE (self), NULL);
  g_return_val_if_fail (endpoint < PERP_FAKE_N_ENDPOINTS, NULL);
  return self->last_streams[endpoint];
}
