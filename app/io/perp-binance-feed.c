/* perp-binance-feed.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-binance-feed"

#include "config.h"

#include <string.h>

#include "perp-binance-decode.h"
#include "perp-binance-feed.h"
#include "perp-binance-rest-private.h"
#include "perp-binance-ws-private.h"
#include "perp-exchange-info.h"

/*
 * Start-up: exchangeInfo (its serverTime anchors our estimate of the exchange's clock),
 * then for every symbol the kline history of every interval, the funding history and
 * the premium index, all through the REST client's weight-limited queue; when those
 * are answered the WebSockets open: market streams (kline, aggTrade, markPrice,
 * forceOrder) on ws_url_market and depth/bookTicker on ws_url_public, a few hundred
 * streams per connection at most.  Open interest is polled meanwhile.
 *
 * Candles of one symbol and interval leave the feed in increasing open time, without
 * duplicates.  While a block of history is being fetched (the backfill, or a refill
 * after a reconnect or after the stream skipped a candle) closed candles from the
 * stream are held, and released after the block, dropping those it already covered.
 *
 * Big bodies (klines, exchangeInfo) are decoded in a worker thread on their own GBytes
 * (immutable, so no copy is needed); the thread touches nothing else.
 *
 * Every asynchronous call carries the feed's one GCancellable and passes the feed
 * unreferenced: callbacks check for G_IO_ERROR_CANCELLED before touching it, and
 * dispose cancels.
 */

#define FUNDING_HISTORY_LIMIT 100
#define KLINES_PAGE_LIMIT     1500
#define REFILL_MIN_LIMIT      99
#define NO_CANDLE             G_MININT64

typedef struct
{
  PerpInterval interval;
  gint64       last_closed;   /* open time of the last candle emitted as closed */
  gint64       last_forming;
  GArray      *held;          /* PerpCandle: closed candles waiting for a refill */
  gboolean     filling;       /* a backfill or refill is in progress */
  PerpCandles *block;         /* the backfill being put together */
  guint        wanted;
  gboolean     startup;       /* the start-up backfill: counted in n_startup_pending */
} Track;

typedef struct
{
  char   *name;   /* "BTCUSDT" */
  char   *lower;  /* "btcusdt", as streams name it */
  Track  *tracks;
  guint   n_tracks;
  guint   resyncing : 1;
  gint64  next_funding;   /* the mark price stream's next settlement time, 0 before one */
  guint   depth_retry_id; /* a failed depth snapshot's retry, scheduled */
  guint   depth_failures; /* failed depth snapshots in a row */
  guint   oi_pending : 1; /* an open-interest poll is queued or in flight */
} Symbol;

struct _PerpBinanceFeed
{
  GObject            parent_instance;

  PerpBinanceParams  params;
  GPtrArray         *symbols;       /* Symbol * */
  GHashTable        *by_lower;      /* "btcusdt" -> Symbol * */
  PerpInterval      *intervals;
  guint              n_intervals;

  SoupSession       *rest_session;
  SoupSession       *ws_session;
  PerpBinanceRest   *rest;
  GPtrArray         *market_ws;     /* PerpBinanceWs * */
  GPtrArray         *public_ws;
  GCancellable      *cancellable;
  PerpTickDecoder   *decoder;
  PerpExchangeInfo  *exchange_info;
  GArray            *bids;
  GArray            *asks;

  PerpFeedState      state;
  char              *failed_reason;
  guint              oi_timer_id;
  guint              n_startup_pending;

  /* Our estimate of the exchange's clock: a time it reported, and when (monotonic). */
  gint64             clock_anchor_ms;
  gint64             clock_anchor_us;
  gint64             last_clock;

  guint64            n_malformed;
  guint64            n_dropped_candles;
  char              *first_malformed;

  guint              started : 1;
  guint              stopped : 1;
  guint              ws_open : 1;
};

enum {
  PROP_0,
  PROP_FAILED_REASON,
  N_PROPS
};

enum {
  SIGNAL_RAW_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void perp_binance_feed_iface_init (PerpFeedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PerpBinanceFeed, perp_binance_feed, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PERP_TYPE_FEED, perp_binance_feed_iface_init))

static void open_websockets (PerpBinanceFeed *self);
static void fetch_depth     (PerpBinanceFeed *self, Symbol *symbol, gboolean resync);
static void retry_depth_later (PerpBinanceFeed *self, Symbol *symbol);
static void fetch_klines    (PerpBinanceFeed *self, Symbol *symbol, Track *track, gint64 start_time, guint limit);

/* ------------------------------------------------------------------ params */

void
perp_binance_params_init (PerpBinanceParams *params)
{
  g_return_if_fail (params != NULL);

  params->rest_url = g_strdup ("https://fapi.binance.com");
  params->ws_url_market = g_strdup ("wss://fstream.binance.com/market");
  params->ws_url_public = g_strdup ("wss://fstream.binance.com/public");
  params->weight_budget = 1200;
  params->request_timeout_s = 10;
  params->keepalive_s = 30;
  params->backoff_initial_ms = 1000;
  params->backoff_max_ms = 60000;
  params->rotate_after_s = 23 * 3600;
  params->streams_per_connection = 200;
  params->backfill_candles = 1000;
  params->oi_poll_s = 60;
  params->depth_limit = 1000;
}

void
perp_binance_params_clear (PerpBinanceParams *params)
{
  g_return_if_fail (params != NULL);

  g_clear_pointer (&params->rest_url, g_free);
  g_clear_pointer (&params->ws_url_market, g_free);
  g_clear_pointer (&params->ws_url_public, g_free);
}

void
perp_binance_params_copy (const PerpBinanceParams *src,
                          PerpBinanceParams       *dst)
{
  g_return_if_fail (src != NULL);
  g_return_if_fail (dst != NULL);

  *dst = *src;
  dst->rest_url = g_strdup (src->rest_url);
  dst->ws_url_market = g_strdup (src->ws_url_market);
  dst->ws_url_public = g_strdup (src->ws_url_public);
}

/* ------------------------------------------------------------------ helpers */

static void
symbol_free (Symbol *symbol)
{
  g_clear_handle_id (&symbol->depth_retry_id, g_source_remove);
  for (guint i = 0; i < symbol->n_tracks; i++)
    {
      g_clear_pointer (&symbol->tracks[i].held, g_array_unref);
      g_clear_pointer (&symbol->tracks[i].block, perp_candles_unref);
    }
  g_free (symbol->tracks);
  g_free (symbol->name);
  g_free (symbol->lower);
  g_free (symbol);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static gint64
exchange_now (PerpBinanceFeed *self)
{
  if (self->clock_anchor_us == 0)
    return g_get_real_time () / 1000;

  return self->clock_anchor_ms + (g_get_monotonic_time () - self->clock_anchor_us) / 1000;
}

static void
anchor_clock (PerpBinanceFeed *self,
              gint64           time_ms)
{
  /* (A time past the year 9999 is corrupt and would overflow exchange_now ().) */
  if (time_ms <= 0 || !perp_time_is_valid (time_ms))
    return;
  /* Exchange times only move the estimate forward: a late message must not pull
   * it back. */
  if (self->clock_anchor_us != 0 && time_ms <= exchange_now (self))
    return;
  self->clock_anchor_ms = time_ms;
  self->clock_anchor_us = g_get_monotonic_time ();
}

static void
set_state (PerpBinanceFeed *self,
           PerpFeedState    state,
           guint            attempt,
           guint            delay_ms,
           const char      *symbol,
           const char      *message)
{
  PerpFeedStatus status = { 0 };

  if (self->stopped && state != PERP_FEED_STATE_OFFLINE && state != PERP_FEED_STATE_FAILED)
    return;

  self->state = state;
  status.state = state;
  status.attempt = attempt;
  status.delay_ms = delay_ms;
  status.data_time = self->last_clock;
  status.symbol = symbol;
  status.message = message;
  perp_feed_emit_state_changed (PERP_FEED (self), &status);
}

/* A problem worth telling the user that does not change the state. */
static void
report (PerpBinanceFeed *self,
        const char      *message)
{
  g_debug ("%s", message);
  set_state (self, self->state, 0, 0, NULL, message);
}

static gboolean
all_ws_live (PerpBinanceFeed *self)
{
  GPtrArray *groups[2] = { self->market_ws, self->public_ws };

  for (guint g = 0; g < 2; g++)
    for (guint i = 0; groups[g] != NULL && i < groups[g]->len; i++)
      if (_perp_binance_ws_get_state (g_ptr_array_index (groups[g], i)) != PERP_FEED_STATE_LIVE)
        return FALSE;

  return TRUE;
}

static gboolean
any_resyncing (PerpBinanceFeed *self)
{
  for (guint i = 0; i < self->symbols->len; i++)
    if (((Symbol *) g_ptr_array_index (self->symbols, i))->resyncing)
      return TRUE;

  return FALSE;
}

static void
maybe_live (PerpBinanceFeed *self)
{
  if (self->ws_open && all_ws_live (self) && !any_resyncing (self)
      && self->state != PERP_FEED_STATE_LIVE && self->state != PERP_FEED_STATE_FAILED)
    set_state (self, PERP_FEED_STATE_LIVE, 0, 0, NULL, NULL);
}

static void
fail_feed (PerpBinanceFeed *self,
           const char      *message)
{
  if (self->state == PERP_FEED_STATE_FAILED)
    return;

  g_free (self->failed_reason);
  self->failed_reason = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED_REASON]);

  /* Without REST the books cannot be synced: nothing the feed sends would be right. */
  if (self->market_ws != NULL)
    g_ptr_array_foreach (self->market_ws, (GFunc) _perp_binance_ws_stop, NULL);
  if (self->public_ws != NULL)
    g_ptr_array_foreach (self->public_ws, (GFunc) _perp_binance_ws_stop, NULL);
  g_clear_handle_id (&self->oi_timer_id, g_source_remove);

  set_state (self, PERP_FEED_STATE_FAILED, 0, 0, NULL, message);
}

static void
emit_raw (PerpBinanceFeed *self,
          const char      *symbol,
          const char      *stream,
          const char      *text,
          gsize            length,
          gint64           recv_ns)
{
  g_autofree char *copy = NULL;

  if (!g_signal_has_handler_pending (self, signals[SIGNAL_RAW_MESSAGE], 0, FALSE))
    return;

  copy = g_strndup (text, length);
  g_signal_emit (self, signals[SIGNAL_RAW_MESSAGE], 0, symbol, stream, copy, (gsize) length, recv_ns);
}

static void
emit_raw_bytes (PerpBinanceFeed *self,
                const char      *symbol,
                const char      *stream,
                GBytes          *body)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  emit_raw (self, symbol, stream, data != NULL ? data : "", len, g_get_real_time () * 1000);
}

static JsonNode *
parse_body (GBytes      *body,
            const char  *where,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) len, &local_error))
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON, "%s: not JSON: %s", where, local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON, "%s: the response is empty", where);
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

/* ------------------------------------------------------------------ candles */

static void
emit_closed (PerpBinanceFeed  *self,
             Symbol           *symbol,
             Track            *track,
             const PerpCandle *candle)
{
  track->last_closed = candle->open_time;
  perp_feed_emit_candle_closed (PERP_FEED (self), symbol->name, track->interval, candle);
}

/* Closed candles that arrived during a backfill or refill, in order, after it. */
static void
release_held (PerpBinanceFeed *self,
              Symbol          *symbol,
              Track           *track)
{
  g_autoptr(GArray) held = g_steal_pointer (&track->held);

  track->filling = FALSE;
  track->held = g_array_new (FALSE, FALSE, sizeof (PerpCandle));

  for (guint i = 0; i < held->len; i++)
    {
      const PerpCandle *candle = &g_array_index (held, PerpCandle, i);

      /* Those the block covered were never emitted: skipping them is not a drop. */
      if (candle->open_time > track->last_closed)
        emit_closed (self, symbol, track, candle);
    }
}

static void
on_kline (PerpBinanceFeed *self,
          Symbol          *symbol,
          const PerpKline *kline)
{
  Track *track = NULL;
  gint64 interval_ms = perp_interval_to_ms (kline->interval);

  for (guint i = 0; i < symbol->n_tracks; i++)
    if (symbol->tracks[i].interval == kline->interval)
      track = &symbol->tracks[i];
  if (track == NULL)
    return;

  if (!kline->closed)
    {
      if (kline->candle.open_time <= track->last_closed)
        return;
      track->last_forming = kline->candle.open_time;
      perp_feed_emit_candle_updated (PERP_FEED (self), symbol->name, track->interval, &kline->candle);
      return;
    }

  if (track->filling)
    {
      const PerpCandle *last = track->held->len > 0
                               ? &g_array_index (track->held, PerpCandle, track->held->len - 1) : NULL;

      if (last != NULL && kline->candle.open_time <= last->open_time)
        self->n_dropped_candles++;
      else
        g_array_append_val (track->held, kline->candle);
      return;
    }

  if (kline->candle.open_time <= track->last_closed)
    {
      self->n_dropped_candles++;
      return;
    }

  /* The stream skipped candles: fetch them before going on. */
  if (track->last_closed != NO_CANDLE && kline->candle.open_time > track->last_closed + interval_ms)
    {
      track->filling = TRUE;
      track->wanted = (guint) MIN ((kline->candle.open_time - track->last_closed) / interval_ms, KLINES_PAGE_LIMIT);
      g_array_append_val (track->held, kline->candle);
      fetch_klines (self, symbol, track, track->last_closed + interval_ms,
                    (guint) CLAMP ((kline->candle.open_time - track->last_closed) / interval_ms + 1,
                                   REFILL_MIN_LIMIT, KLINES_PAGE_LIMIT));
      return;
    }

  emit_closed (self, symbol, track, &kline->candle);
}

/* ------------------------------------------------------------------ klines over REST */

typedef struct
{
  GBytes       *body;
  char         *where;
  PerpInterval  interval;
  gint64        closed_before;
} KlinesJob;

typedef struct
{
  PerpCandles *candles;
  PerpCandle   forming;
  gboolean     has_forming;
  guint        n_rows;
  gint64       last_row;
} KlinesResult;

typedef struct
{
  PerpBinanceFeed *self;
  Symbol          *symbol;
  Track           *track;
  gint64           start_time;
  guint            limit;
  /* The exchange's time when we ask, not when the answer is read: the stream may have
   * moved the clock past the close of the row that was forming when Binance wrote it. */
  gint64           closed_before;
} KlinesCall;

static void
klines_job_free (KlinesJob *job)
{
  g_bytes_unref (job->body);
  g_free (job->where);
  g_free (job);
}

static void
klines_result_free (KlinesResult *result)
{
  g_clear_pointer (&result->candles, perp_candles_unref);
  g_free (result);
}

static void
klines_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  KlinesJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  KlinesResult *result;
  gint64 closed_before = job->closed_before;

  if ((root = parse_body (job->body, job->where, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (KlinesResult, 1);
  result->candles = perp_candles_new (job->interval, PERP_CANDLE_FIELD_ALL);
  result->last_row = NO_CANDLE;

  /* Rows are consecutive and only the last can be forming: every row before it is
   * closed whatever our estimate of the exchange's clock says. */
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *rows = json_node_get_array (root);
      guint n = json_array_get_length (rows);

      result->n_rows = n;
      if (n > 0)
        {
          JsonNode *last = json_array_get_element (rows, n - 1);

          if (JSON_NODE_HOLDS_ARRAY (last) && json_array_get_length (json_node_get_array (last)) > 0)
            {
              JsonNode *open = json_array_get_element (json_node_get_array (last), 0);

              if (JSON_NODE_HOLDS_VALUE (open) && json_node_get_value_type (open) == G_TYPE_INT64)
                {
                  result->last_row = json_node_get_int (open);
                  closed_before = MAX (closed_before, result->last_row);
                }
            }
        }
    }

  if (!perp_binance_decode_klines (root, job->where, closed_before, result->candles,
                                   &result->forming, &result->has_forming, &error))
    {
      klines_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, result, (GDestroyNotify) klines_result_free);
}

/* The block is complete (or failed): out with it, then with what the stream sent
 * meanwhile. */
static void
finish_block (PerpBinanceFeed *self,
              Symbol          *symbol,
              Track           *track)
{
  if (track->block != NULL && perp_candles_get_length (track->block) > 0)
    {
      guint len = perp_candles_get_length (track->block);

      perp_feed_emit_candles_loaded (PERP_FEED (self), symbol->name, track->interval, track->block);
      track->last_closed = MAX (track->last_closed, perp_candles_get_open_time (track->block)[len - 1]);
    }
  g_clear_pointer (&track->block, perp_candles_unref);
  release_held (self, symbol, track);

  if (track->startup)
    {
      track->startup = FALSE;
      if (self->n_startup_pending > 0 && --self->n_startup_pending == 0)
        open_websockets (self);
    }
}

static void
klines_decoded_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      data)
{
  g_autofree KlinesCall *call = data;
  g_autoptr(GError) error = NULL;
  KlinesResult *result;
  PerpBinanceFeed *self;
  Symbol *symbol;
  Track *track;
  gint64 interval_ms;
  guint n;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  if (is_cancelled (error))
    return;

  self = call->self;
  symbol = call->symbol;
  track = call->track;
  interval_ms = perp_interval_to_ms (track->interval);

  if (result == NULL)
    {
      report (self, error->message);
      finish_block (self, symbol, track);
      return;
    }

  n = perp_candles_get_length (result->candles);
  if (track->block == NULL)
    track->block = perp_candles_new (track->interval, PERP_CANDLE_FIELD_ALL);
  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (result->candles, i, &candle);
      if (candle.open_time <= track->last_closed)
        continue;
      if (perp_candles_get_length (track->block) == 0
          || candle.open_time > perp_candles_get_open_time (track->block)[perp_candles_get_length (track->block) - 1])
        perp_candles_append (track->block, &candle, NULL);
    }

  /* Another page: the answer was full, nothing is forming yet and more is wanted. */
  if (result->n_rows >= call->limit && !result->has_forming && n > 0
      && perp_candles_get_length (track->block) < track->wanted)
    {
      gint64 next = perp_candles_get_open_time (result->candles)[n - 1] + interval_ms;
      guint remaining = track->wanted - perp_candles_get_length (track->block);

      klines_result_free (result);
      fetch_klines (self, symbol, track, next, MIN (remaining + 1, KLINES_PAGE_LIMIT));
      return;
    }

  /* The forming row goes out after the block, whose last candle precedes it. */
  if (result->has_forming)
    {
      PerpCandle forming = result->forming;
      gint64 last_in_block = track->block != NULL && perp_candles_get_length (track->block) > 0
                             ? perp_candles_get_open_time (track->block)[perp_candles_get_length (track->block) - 1]
                             : NO_CANDLE;

      klines_result_free (result);
      finish_block (self, symbol, track);
      if (forming.open_time > MAX (track->last_closed, last_in_block) && forming.open_time > track->last_forming)
        {
          track->last_forming = forming.open_time;
          perp_feed_emit_candle_updated (PERP_FEED (self), symbol->name, track->interval, &forming);
        }
      return;
    }

  klines_result_free (result);
  finish_block (self, symbol, track);
}

static void
klines_fetched_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      data)
{
  KlinesCall *call = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *stream = NULL;
  PerpBinanceFeed *self;
  KlinesJob *job;

  body = _perp_binance_rest_get_finish (PERP_BINANCE_REST (source), res, &error);
  if (is_cancelled (error))
    {
      g_free (call);
      return;
    }

  self = call->self;
  if (body == NULL)
    {
      /* The decoded callback reports and releases what is held. */
      task = g_task_new (NULL, self->cancellable, klines_decoded_cb, call);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  stream = g_strdup_printf ("rest_klines@%s", perp_interval_to_string (call->track->interval));
  emit_raw_bytes (self, call->symbol->name, stream, body);

  job = g_new0 (KlinesJob, 1);
  job->body = g_bytes_ref (body);
  job->where = g_strdup_printf ("GET /fapi/v1/klines?symbol=%s&interval=%s&startTime=%" G_GINT64_FORMAT,
                                call->symbol->name, perp_interval_to_string (call->track->interval),
                                call->start_time);
  job->interval = call->track->interval;
  job->closed_before = call->closed_before;

  task = g_task_new (NULL, self->cancellable, klines_decoded_cb, call);
  g_task_set_source_tag (task, klines_fetched_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) klines_job_free);
  g_task_run_in_thread (task, klines_thread);
}

static void
fetch_klines (PerpBinanceFeed *self,
              Symbol          *symbol,
              Track           *track,
              gint64           start_time,
              guint            limit)
{
  g_autofree char *query = NULL;
  KlinesCall *call;

  limit = CLAMP (limit, 1, KLINES_PAGE_LIMIT);
  track->filling = TRUE;

  call = g_new0 (KlinesCall, 1);
  call->self = self;
  call->symbol = symbol;
  call->track = track;
  call->start_time = start_time;
  call->limit = limit;
  call->closed_before = exchange_now (self);

  query = g_strdup_printf ("symbol=%s&interval=%s&startTime=%" G_GINT64_FORMAT "&limit=%u",
                           symbol->name, perp_interval_to_string (track->interval), start_time, limit);
  _perp_binance_rest_get_async (self->rest, "/fapi/v1/klines", query,
                                _perp_binance_request_weight ("/fapi/v1/klines", limit),
                                self->cancellable, klines_fetched_cb, call);
}

static void
backfill (PerpBinanceFeed *self,
          Symbol          *symbol,
          Track           *track)
{
  gint64 interval_ms = perp_interval_to_ms (track->interval);
  gint64 bucket = perp_interval_bucket_start (track->interval, exchange_now (self));

  track->wanted = self->params.backfill_candles;
  track->startup = TRUE;
  self->n_startup_pending++;
  fetch_klines (self, symbol, track, bucket - (gint64) track->wanted * interval_ms,
                MIN (track->wanted + 1, KLINES_PAGE_LIMIT));
}

/* After a reconnect: whatever closed while we were away. */
static void
refill (PerpBinanceFeed *self,
        Symbol          *symbol,
        Track           *track)
{
  gint64 interval_ms = perp_interval_to_ms (track->interval);
  gint64 now = exchange_now (self);
  gint64 missing;

  if (track->filling || track->last_closed == NO_CANDLE)
    return;

  /* Our clock may be behind the exchange's: ask for more than it says is missing
   * (up to 99 rows cost the same weight) so that the answer reaches the forming row. */
  missing = (perp_interval_bucket_start (track->interval, now) - track->last_closed) / interval_ms;
  track->wanted = (guint) CLAMP (missing + 1, 1, G_MAXINT32);
  fetch_klines (self, symbol, track, track->last_closed + interval_ms,
                (guint) CLAMP (missing + 2, REFILL_MIN_LIMIT, KLINES_PAGE_LIMIT));
}

/* ------------------------------------------------------------------ small REST calls */

typedef enum
{
  CALL_DEPTH,
  CALL_OPEN_INTEREST,
  CALL_PREMIUM_INDEX,
  CALL_FUNDING,
} CallKind;

typedef struct
{
  PerpBinanceFeed *self;
  Symbol          *symbol;
  CallKind         kind;
  gboolean         startup;
  gboolean         resync;
  char            *where;
} SmallCall;

static void
small_call_free (SmallCall *call)
{
  g_free (call->where);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SmallCall, small_call_free)

static void
small_fetched_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      data)
{
  g_autoptr(SmallCall) call = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  PerpBinanceFeed *self;
  Symbol *symbol;
  static const char * const streams[] = {
    [CALL_DEPTH] = "rest_depth_snapshot",
    [CALL_OPEN_INTEREST] = "rest_open_interest",
    [CALL_PREMIUM_INDEX] = "rest_premium_index",
    [CALL_FUNDING] = "rest_funding_rate",
  };

  body = _perp_binance_rest_get_finish (PERP_BINANCE_REST (source), res, &error);
  if (is_cancelled (error))
    return;

  self = call->self;
  symbol = call->symbol;
  if (call->kind == CALL_OPEN_INTEREST)
    symbol->oi_pending = FALSE;

  if (body != NULL)
    {
      emit_raw_bytes (self, symbol->name, streams[call->kind], body);
      root = parse_body (body, call->where, &error);
    }

  if (root != NULL)
    {
      switch (call->kind)
        {
        case CALL_DEPTH:
          {
            PerpDepthSnapshot snapshot;

            if (perp_binance_decode_depth (root, call->where, self->bids, self->asks, &snapshot, &error))
              {
                anchor_clock (self, snapshot.event_time);
                perp_feed_emit_depth_snapshot (PERP_FEED (self), symbol->name, &snapshot);
              }
          }
          break;

        case CALL_OPEN_INTEREST:
          {
            gint64 time = 0;
            double oi = 0;

            if (perp_binance_decode_open_interest (root, call->where, &time, &oi, &error))
              perp_feed_emit_open_interest (PERP_FEED (self), symbol->name, time, oi);
          }
          break;

        case CALL_PREMIUM_INDEX:
          {
            PerpMarkPrice mark;

            if (perp_binance_decode_premium_index (root, call->where, &mark, &error))
              {
                anchor_clock (self, mark.event_time);
                perp_feed_emit_mark_price (PERP_FEED (self), symbol->name, &mark);
              }
          }
          break;

        case CALL_FUNDING:
          {
            g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
            g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));

            if (perp_binance_decode_funding_rates (root, call->where, times, rates, &error))
              for (guint i = 0; i < times->len; i++)
                perp_feed_emit_funding_rate (PERP_FEED (self), symbol->name,
                                             g_array_index (times, gint64, i),
                                             g_array_index (rates, double, i));
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (error != NULL)
    report (self, error->message);

  if (call->kind == CALL_DEPTH && error != NULL)
    retry_depth_later (self, symbol);
  else if (call->kind == CALL_DEPTH)
    {
      symbol->depth_failures = 0;
      if (call->resync)
        {
          symbol->resyncing = FALSE;
          maybe_live (self);
        }
    }

  if (call->startup && self->n_startup_pending > 0 && --self->n_startup_pending == 0)
    open_websockets (self);
}

static void
small_call (PerpBinanceFeed *self,
            Symbol          *symbol,
            CallKind         kind,
            gboolean         startup,
            gboolean         resync)
{
  g_autofree char *query = NULL;
  const char *path;
  guint weight = 1;
  SmallCall *call;

  switch (kind)
    {
    case CALL_DEPTH:
      path = "/fapi/v1/depth";
      query = g_strdup_printf ("symbol=%s&limit=%u", symbol->name, self->params.depth_limit);
      weight = _perp_binance_request_weight (path, self->params.depth_limit);
      break;
    case CALL_OPEN_INTEREST:
      path = "/fapi/v1/openInterest";
      query = g_strdup_printf ("symbol=%s", symbol->name);
      break;
    case CALL_PREMIUM_INDEX:
      path = "/fapi/v1/premiumIndex";
      query = g_strdup_printf ("symbol=%s", symbol->name);
      break;
    case CALL_FUNDING:
      path = "/fapi/v1/fundingRate";
      query = g_strdup_printf ("symbol=%s&limit=%u", symbol->name, FUNDING_HISTORY_LIMIT);
      break;
    default:
      g_assert_not_reached ();
    }

  call = g_new0 (SmallCall, 1);
  call->self = self;
  call->symbol = symbol;
  call->kind = kind;
  call->startup = startup;
  call->resync = resync;
  call->where = g_strdup_printf ("GET %s?%s", path, query);
  if (startup)
    self->n_startup_pending++;

  _perp_binance_rest_get_async (self->rest, path, query, weight, self->cancellable, small_fetched_cb, call);
}

static void
fetch_depth (PerpBinanceFeed *self,
             Symbol          *symbol,
             gboolean         resync)
{
  if (resync)
    {
      symbol->resyncing = TRUE;
      set_state (self, PERP_FEED_STATE_RESYNCING, 0, 0, symbol->name, NULL);
    }
  small_call (self, symbol, CALL_DEPTH, FALSE, resync);
}

typedef struct
{
  PerpBinanceFeed *self;
  Symbol          *symbol;
} DepthRetry;

static gboolean
depth_retry_cb (gpointer data)
{
  DepthRetry *retry = data;

  retry->symbol->depth_retry_id = 0;
  if (!retry->self->stopped && retry->self->state != PERP_FEED_STATE_FAILED)
    fetch_depth (retry->self, retry->symbol, TRUE);
  return G_SOURCE_REMOVE;
}

/* A depth snapshot that failed (a 5xx, a timeout, a body that does not decode) is
 * asked for again after the reconnect backoff: without it the book would wait for
 * the next WebSocket reconnect, up to a day, while the feed said it was live.  Until
 * then the symbol counts as resyncing. */
static void
retry_depth_later (PerpBinanceFeed *self,
                   Symbol          *symbol)
{
  DepthRetry *retry;
  guint delay_ms;

  if (self->stopped || self->state == PERP_FEED_STATE_FAILED || symbol->depth_retry_id != 0)
    return;
  symbol->depth_failures++;
  delay_ms = _perp_binance_backoff_delay (symbol->depth_failures, self->params.backoff_initial_ms,
                                          self->params.backoff_max_ms, g_random_double ());
  symbol->resyncing = TRUE;
  set_state (self, PERP_FEED_STATE_RESYNCING, symbol->depth_failures, delay_ms, symbol->name, NULL);
  retry = g_new (DepthRetry, 1);
  retry->self = self;
  retry->symbol = symbol;
  symbol->depth_retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, depth_retry_cb, retry, g_free);
}

static gboolean
oi_poll_cb (gpointer data)
{
  PerpBinanceFeed *self = data;

  /* Not again for a symbol whose last poll still waits: with many symbols or a short
   * period the queue would grow without end and delay depth resyncs behind it. */
  for (guint i = 0; i < self->symbols->len; i++)
    {
      Symbol *symbol = g_ptr_array_index (self->symbols, i);

      if (symbol->oi_pending)
        continue;
      symbol->oi_pending = TRUE;
      small_call (self, symbol, CALL_OPEN_INTEREST, FALSE, FALSE);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ WebSockets */

static Symbol *
symbol_of_stream (PerpBinanceFeed *self,
                  const char      *stream,
                  gsize            length)
{
  const char *at = memchr (stream, '@', length);
  g_autofree char *lower = NULL;

  if (at == NULL)
    return NULL;
  lower = g_strndup (stream, (gsize) (at - stream));

  return g_hash_table_lookup (self->by_lower, lower);
}

static Symbol *
symbol_of_name (PerpBinanceFeed *self,
                const char      *name)
{
  g_autofree char *lower = NULL;

  if (name == NULL)
    return NULL;
  lower = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (self->by_lower, lower);
}

static void
ws_message_cb (PerpBinanceFeed *self,
               GBytes          *bytes,
               gint64           recv_ns,
               PerpBinanceWs   *ws)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stream_name = NULL;
  PerpTickEvent event;
  gsize len = 0;
  const char *text = g_bytes_get_data (bytes, &len);
  const char *stream = NULL;
  const char *data = NULL;
  gsize stream_len = 0;
  gsize data_len = 0;
  Symbol *symbol = NULL;
  gint64 time;

  if (text == NULL)
    text = "";

  if (_perp_binance_split_envelope (text, len, &stream, &stream_len, &data, &data_len))
    {
      stream_name = g_strndup (stream, stream_len);
      symbol = symbol_of_stream (self, stream, stream_len);
      emit_raw (self, symbol != NULL ? symbol->name : NULL, stream_name, data, data_len, recv_ns);
    }
  else
    {
      emit_raw (self, NULL, "", text, len, recv_ns);
    }

  if (!perp_tick_decoder_decode (self->decoder, text, (gssize) len, &event, &error))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("malformed message on %s%s%s: %s", _perp_binance_ws_get_url (ws),
                                 stream_name != NULL ? " stream " : "", stream_name != NULL ? stream_name : "",
                                 error->message);
      if (self->n_malformed++ == 0)
        {
          self->first_malformed = g_strdup (message);
          report (self, message);
        }
      else
        {
          g_debug ("%s", message);
        }
      return;
    }

  if (event.symbol != NULL)
    {
      Symbol *named = symbol_of_name (self, event.symbol);

      if (named != NULL)
        symbol = named;
    }
  if (symbol == NULL)
    return;

  time = perp_tick_event_time (&event);
  if (event.kind == PERP_TICK_TRADE)
    time = MAX (time, event.trade.event_time);

  switch (event.kind)
    {
    case PERP_TICK_DEPTH:
      perp_feed_emit_depth (PERP_FEED (self), symbol->name, &event.depth);
      break;
    case PERP_TICK_BOOK_TICKER:
      perp_feed_emit_book_ticker (PERP_FEED (self), symbol->name, &event.ticker);
      break;
    case PERP_TICK_TRADE:
      perp_feed_emit_trade (PERP_FEED (self), symbol->name, &event.trade);
      break;
    case PERP_TICK_KLINE:
      on_kline (self, symbol, &event.kline);
      break;
    case PERP_TICK_MARK_PRICE:
      /* The next settlement time moving on means one just settled: its rate comes
       * from REST (the stream's rate is an estimate), known rows repeated. */
      if (symbol->next_funding > 0 && event.mark.next_funding_time > symbol->next_funding)
        small_call (self, symbol, CALL_FUNDING, FALSE, FALSE);
      symbol->next_funding = event.mark.next_funding_time;
      perp_feed_emit_mark_price (PERP_FEED (self), symbol->name, &event.mark);
      break;
    case PERP_TICK_LIQUIDATION:
      perp_feed_emit_liquidation (PERP_FEED (self), symbol->name, &event.liquidation);
      break;
    case PERP_TICK_SNAPSHOT:
    case PERP_TICK_OTHER:
    default:
      break;
    }

  if (time > self->last_clock)
    {
      self->last_clock = time;
      anchor_clock (self, time);
      perp_feed_emit_clock (PERP_FEED (self), time);
    }
}

static void
ws_status_cb (PerpBinanceFeed      *self,
              const PerpFeedStatus *status,
              PerpBinanceWs        *ws)
{
  switch (status->state)
    {
    case PERP_FEED_STATE_LIVE:
      maybe_live (self);
      break;
    case PERP_FEED_STATE_CONNECTING:
      if (self->state != PERP_FEED_STATE_CONNECTING)
        set_state (self, PERP_FEED_STATE_CONNECTING, 0, 0, NULL, NULL);
      break;
    case PERP_FEED_STATE_RECONNECTING:
      set_state (self, PERP_FEED_STATE_RECONNECTING, status->attempt, status->delay_ms, NULL, status->message);
      break;
    case PERP_FEED_STATE_FAILED:
      fail_feed (self, status->message);
      break;
    case PERP_FEED_STATE_OFFLINE:
    case PERP_FEED_STATE_RESYNCING:
    case PERP_FEED_STATE_REPLAYING:
    case PERP_FEED_STATE_PAUSED:
    case PERP_FEED_STATE_FINISHED:
    default:
      break;
    }
}

static void
market_opened_cb (PerpBinanceFeed *self,
                  gboolean         reconnect,
                  PerpBinanceWs   *ws)
{
  const char *symbols_csv = g_object_get_data (G_OBJECT (ws), "perp-symbols");
  g_auto(GStrv) names = NULL;

  if (!reconnect || symbols_csv == NULL)
    return;

  names = g_strsplit (symbols_csv, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      Symbol *symbol = g_hash_table_lookup (self->by_lower, names[i]);

      for (guint t = 0; symbol != NULL && t < symbol->n_tracks; t++)
        refill (self, symbol, &symbol->tracks[t]);
    }
}

static void
public_opened_cb (PerpBinanceFeed *self,
                  gboolean         reconnect,
                  PerpBinanceWs   *ws)
{
  const char *symbols_csv = g_object_get_data (G_OBJECT (ws), "perp-symbols");
  g_auto(GStrv) names = NULL;

  if (symbols_csv == NULL)
    return;

  /* The depth stream is open: events buffer in the engine's book until the snapshot. */
  names = g_strsplit (symbols_csv, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      Symbol *symbol = g_hash_table_lookup (self->by_lower, names[i]);

      if (symbol != NULL)
        fetch_depth (self, symbol, reconnect);
    }
}

/* Splits @streams (with the symbol each belongs to) into connections. */
static void
add_connections (PerpBinanceFeed *self,
                 GPtrArray       *out,
                 const char      *base_url,
                 GPtrArray       *streams,
                 GPtrArray       *owners,
                 GCallback        opened)
{
  PerpBinanceWsParams ws_params = {
    .keepalive_s = self->params.keepalive_s,
    .backoff_initial_ms = self->params.backoff_initial_ms,
    .backoff_max_ms = self->params.backoff_max_ms,
    .rotate_after_s = self->params.rotate_after_s,
  };
  guint per = MAX (self->params.streams_per_connection, 1);

  for (guint start = 0; start < streams->len; start += per)
    {
      guint n = MIN (per, streams->len - start);
      g_autoptr(GString) owners_csv = g_string_new (NULL);
      PerpBinanceWs *ws;

      for (guint i = start; i < start + n; i++)
        {
          const char *owner = g_ptr_array_index (owners, i);
          g_autofree char *needle = g_strdup_printf (",%s,", owner);
          g_autofree char *hay = g_strdup_printf (",%s,", owners_csv->str);

          if (strstr (hay, needle) == NULL)
            {
              if (owners_csv->len > 0)
                g_string_append_c (owners_csv, ',');
              g_string_append (owners_csv, owner);
            }
        }

      ws = _perp_binance_ws_new (self->ws_session, base_url,
                                 (const char * const *) &streams->pdata[start], n, &ws_params);
      g_object_set_data_full (G_OBJECT (ws), "perp-symbols", g_strdup (owners_csv->str), g_free);
      g_signal_connect_object (ws, "message", G_CALLBACK (ws_message_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (ws, "status", G_CALLBACK (ws_status_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (ws, "opened", opened, self, G_CONNECT_SWAPPED);
      g_ptr_array_add (out, ws);
    }
}

static void
open_websockets (PerpBinanceFeed *self)
{
  g_autoptr(GPtrArray) market = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) market_owner = g_ptr_array_new ();
  g_autoptr(GPtrArray) public = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) public_owner = g_ptr_array_new ();

  if (self->stopped || self->ws_open || self->state == PERP_FEED_STATE_FAILED)
    return;
  self->ws_open = TRUE;

  for (guint i = 0; i < self->symbols->len; i++)
    {
      Symbol *symbol = g_ptr_array_index (self->symbols, i);

      for (guint t = 0; t < symbol->n_tracks; t++)
        {
          g_ptr_array_add (market, g_strdup_printf ("%s@kline_%s", symbol->lower,
                                                    perp_interval_to_string (symbol->tracks[t].interval)));
          g_ptr_array_add (market_owner, symbol->lower);
        }
      g_ptr_array_add (market, g_strdup_printf ("%s@aggTrade", symbol->lower));
      g_ptr_array_add (market, g_strdup_printf ("%s@markPrice@1s", symbol->lower));
      g_ptr_array_add (market, g_strdup_printf ("%s@forceOrder", symbol->lower));
      for (guint k = 0; k < 3; k++)
        g_ptr_array_add (market_owner, symbol->lower);

      g_ptr_array_add (public, g_strdup_printf ("%s@depth@100ms", symbol->lower));
      g_ptr_array_add (public, g_strdup_printf ("%s@bookTicker", symbol->lower));
      g_ptr_array_add (public_owner, symbol->lower);
      g_ptr_array_add (public_owner, symbol->lower);
    }

  add_connections (self, self->market_ws, self->params.ws_url_market, market, market_owner,
                   G_CALLBACK (market_opened_cb));
  add_connections (self, self->public_ws, self->params.ws_url_public, public, public_owner,
                   G_CALLBACK (public_opened_cb));

  g_ptr_array_foreach (self->market_ws, (GFunc) _perp_binance_ws_start, NULL);
  g_ptr_array_foreach (self->public_ws, (GFunc) _perp_binance_ws_start, NULL);
  maybe_live (self);
}

/* ------------------------------------------------------------------ start */

typedef struct
{
  PerpExchangeInfo *info;
  gint64            server_time;
} InfoResult;

static void
info_result_free (InfoResult *result)
{
  g_clear_pointer (&result->info, perp_exchange_info_free);
  g_free (result);
}

static void
info_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  GBytes *body = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  InfoResult *result;
  gsize len = 0;
  const char *text = g_bytes_get_data (body, &len);

  result = g_new0 (InfoResult, 1);
  result->info = perp_exchange_info_load_data (text != NULL ? text : "", (gssize) len,
                                               "GET /fapi/v1/exchangeInfo", &error);
  if (result->info == NULL)
    {
      info_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  root = parse_body (body, "GET /fapi/v1/exchangeInfo", NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    result->server_time = json_object_get_int_member_with_default (json_node_get_object (root), "serverTime", 0);

  g_task_return_pointer (task, result, (GDestroyNotify) info_result_free);
}

static void
info_decoded_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;
  PerpBinanceFeed *self = data;
  InfoResult *result;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  if (is_cancelled (error))
    return;

  if (result == NULL)
    {
      g_autofree char *message = g_strdup_printf ("cannot start: %s", error->message);

      fail_feed (self, message);
      return;
    }

  self->exchange_info = g_steal_pointer (&result->info);
  if (result->server_time > 0)
    anchor_clock (self, result->server_time);
  info_result_free (result);

  for (guint i = 0; i < self->symbols->len; i++)
    {
      Symbol *symbol = g_ptr_array_index (self->symbols, i);

      if (perp_exchange_info_lookup (self->exchange_info, symbol->name) == NULL)
        {
          g_autofree char *message =
            g_strdup_printf ("cannot start: %s is not listed in %s/fapi/v1/exchangeInfo",
                             symbol->name, self->params.rest_url);

          fail_feed (self, message);
          return;
        }
    }

  /* Counted as one, so that nothing opens the sockets before all is asked. */
  self->n_startup_pending = 1;
  for (guint i = 0; i < self->symbols->len; i++)
    {
      Symbol *symbol = g_ptr_array_index (self->symbols, i);

      for (guint t = 0; t < symbol->n_tracks; t++)
        if (self->params.backfill_candles > 0)
          backfill (self, symbol, &symbol->tracks[t]);
      small_call (self, symbol, CALL_FUNDING, TRUE, FALSE);
      small_call (self, symbol, CALL_PREMIUM_INDEX, TRUE, FALSE);
    }

  if (self->params.oi_poll_s > 0)
    {
      oi_poll_cb (self);
      self->oi_timer_id = g_timeout_add_seconds (self->params.oi_poll_s, oi_poll_cb, self);
    }

  if (--self->n_startup_pending == 0)
    open_websockets (self);
}

static void
info_fetched_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GTask) task = NULL;
  PerpBinanceFeed *self = data;

  body = _perp_binance_rest_get_finish (PERP_BINANCE_REST (source), res, &error);
  if (is_cancelled (error))
    return;

  if (body == NULL)
    {
      g_autofree char *message = g_strdup_printf ("cannot start: %s", error->message);

      fail_feed (self, message);
      return;
    }

  task = g_task_new (NULL, self->cancellable, info_decoded_cb, self);
  g_task_set_source_tag (task, info_fetched_cb);
  g_task_set_task_data (task, g_bytes_ref (body), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, info_thread);
}

static void
rest_waiting_cb (PerpBinanceFeed *self,
                 guint            delay_ms,
                 const char      *message,
                 PerpBinanceRest *rest)
{
  report (self, message);
}

static void
rest_failed_cb (PerpBinanceFeed *self,
                const char      *message,
                PerpBinanceRest *rest)
{
  fail_feed (self, message);
}

/* ------------------------------------------------------------------ PerpFeed */

static void
perp_binance_feed_start (PerpFeed *feed)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (feed);

  if (self->started || self->stopped)
    return;
  self->started = TRUE;

  set_state (self, PERP_FEED_STATE_CONNECTING, 0, 0, NULL, NULL);
  _perp_binance_rest_get_async (self->rest, "/fapi/v1/exchangeInfo", NULL,
                                _perp_binance_request_weight ("/fapi/v1/exchangeInfo", 0),
                                self->cancellable, info_fetched_cb, self);
}

static void
stop_quietly (PerpBinanceFeed *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->oi_timer_id, g_source_remove);
  for (guint i = 0; i < self->symbols->len; i++)
    g_clear_handle_id (&((Symbol *) g_ptr_array_index (self->symbols, i))->depth_retry_id, g_source_remove);
  if (self->market_ws != NULL)
    {
      g_ptr_array_foreach (self->market_ws, (GFunc) _perp_binance_ws_stop, NULL);
      g_ptr_array_set_size (self->market_ws, 0);
    }
  if (self->public_ws != NULL)
    {
      g_ptr_array_foreach (self->public_ws, (GFunc) _perp_binance_ws_stop, NULL);
      g_ptr_array_set_size (self->public_ws, 0);
    }
  if (self->rest != NULL)
    _perp_binance_rest_shutdown (self->rest);
}

static void
perp_binance_feed_stop (PerpFeed *feed)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (feed);
  gboolean was_stopped = self->stopped;

  stop_quietly (self);
  if (!was_stopped && self->state != PERP_FEED_STATE_FAILED)
    set_state (self, PERP_FEED_STATE_OFFLINE, 0, 0, NULL, NULL);
}

static PerpFeedState
perp_binance_feed_get_state_impl (PerpFeed *feed)
{
  return PERP_BINANCE_FEED (feed)->state;
}

static void
perp_binance_feed_resync (PerpFeed   *feed,
                          const char *name)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (feed);
  Symbol *symbol = symbol_of_name (self, name);

  if (symbol == NULL || self->stopped || self->state == PERP_FEED_STATE_FAILED || symbol->resyncing)
    return;

  fetch_depth (self, symbol, TRUE);
}

static void
perp_binance_feed_iface_init (PerpFeedInterface *iface)
{
  iface->start = perp_binance_feed_start;
  iface->stop = perp_binance_feed_stop;
  iface->get_state = perp_binance_feed_get_state_impl;
  iface->resync = perp_binance_feed_resync;
}

/* ------------------------------------------------------------------ GObject */

static void
perp_binance_feed_dispose (GObject *object)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (object);

  stop_quietly (self);
  g_clear_pointer (&self->market_ws, g_ptr_array_unref);
  g_clear_pointer (&self->public_ws, g_ptr_array_unref);
  if (self->rest != NULL)
    g_signal_handlers_disconnect_by_data (self->rest, self);
  g_clear_object (&self->rest);
  g_clear_object (&self->rest_session);
  g_clear_object (&self->ws_session);

  G_OBJECT_CLASS (perp_binance_feed_parent_class)->dispose (object);
}

static void
perp_binance_feed_finalize (GObject *object)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->decoder, perp_tick_decoder_free);
  g_clear_pointer (&self->exchange_info, perp_exchange_info_free);
  g_clear_pointer (&self->by_lower, g_hash_table_unref);
  g_clear_pointer (&self->symbols, g_ptr_array_unref);
  g_clear_pointer (&self->bids, g_array_unref);
  g_clear_pointer (&self->asks, g_array_unref);
  g_free (self->intervals);
  g_free (self->failed_reason);
  g_free (self->first_malformed);
  perp_binance_params_clear (&self->params);

  G_OBJECT_CLASS (perp_binance_feed_parent_class)->finalize (object);
}

static void
perp_binance_feed_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PerpBinanceFeed *self = PERP_BINANCE_FEED (object);

  switch (prop_id)
    {
    case PROP_FAILED_REASON:
      g_value_set_string (value, perp_binance_feed_get_failed_reason (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
perp_binance_feed_class_init (PerpBinanceFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_binance_feed_dispose;
  object_class->finalize = perp_binance_feed_finalize;
  object_class->get_property = perp_binance_feed_get_property;

  /**
   * PerpBinanceFeed:failed-reason:
   *
   * Why the feed stopped for good (HTTP 418, start-up refused), for the user.
   */
  properties[PROP_FAILED_REASON] =
    g_param_spec_string ("failed-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PerpBinanceFeed::raw-message:
   * @symbol: (nullable): the symbol the message is about
   * @stream: the stream name, or "rest_..." for a REST response
   * @text: the payload (NUL-terminated copy)
   * @length: its length
   * @recv_ns: arrival, Unix ns
   */
  signals[SIGNAL_RAW_MESSAGE] =
    g_signal_new ("raw-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_INT64);
}

static void
perp_binance_feed_init (PerpBinanceFeed *self)
{
  self->state = PERP_FEED_STATE_OFFLINE;
  self->cancellable = g_cancellable_new ();
  self->decoder = perp_tick_decoder_new ();
  self->symbols = g_ptr_array_new_with_free_func ((GDestroyNotify) symbol_free);
  self->by_lower = g_hash_table_new (g_str_hash, g_str_equal);
  self->market_ws = g_ptr_array_new_with_free_func (g_object_unref);
  self->public_ws = g_ptr_array_new_with_free_func (g_object_unref);
  self->bids = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
  self->asks = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
}

/* Binance answers 400 to any depth limit but these: the next one up. */
static guint
valid_depth_limit (guint limit)
{
  static const guint valid[] = { 5, 10, 20, 50, 100, 500, 1000 };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    if (limit <= valid[i])
      return valid[i];

  return 1000;
}

/**
 * perp_binance_feed_new:
 * @params: connection settings (copied)
 * @symbols: (array zero-terminated=1): "BTCUSDT", ...
 * @intervals: (array length=n_intervals): the kline intervals to follow
 *
 * Returns: (transfer full): a feed, not started
 */
PerpBinanceFeed *
perp_binance_feed_new (const PerpBinanceParams *params,
                       const char * const      *symbols,
                       const PerpInterval      *intervals,
                       guint                    n_intervals)
{
  PerpBinanceFeed *self;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->rest_url != NULL && params->ws_url_market != NULL
                        && params->ws_url_public != NULL, NULL);
  g_return_val_if_fail (symbols != NULL, NULL);
  g_return_val_if_fail (intervals != NULL || n_intervals == 0, NULL);

  self = g_object_new (PERP_TYPE_BINANCE_FEED, NULL);
  perp_binance_params_copy (params, &self->params);
  self->params.request_timeout_s = MAX (self->params.request_timeout_s, 1);
  self->params.depth_limit = valid_depth_limit (self->params.depth_limit);

  self->intervals = g_new0 (PerpInterval, MAX (n_intervals, 1));
  for (guint i = 0; i < n_intervals; i++)
    if (intervals[i] != PERP_INTERVAL_UNKNOWN && intervals[i] < PERP_N_INTERVALS)
      self->intervals[self->n_intervals++] = intervals[i];

  for (guint i = 0; symbols[i] != NULL; i++)
    {
      Symbol *symbol;

      if (symbols[i][0] == '\0' || symbol_of_name (self, symbols[i]) != NULL)
        continue;

      symbol = g_new0 (Symbol, 1);
      symbol->name = g_ascii_strup (symbols[i], -1);
      symbol->lower = g_ascii_strdown (symbols[i], -1);
      symbol->n_tracks = self->n_intervals;
      symbol->tracks = g_new0 (Track, MAX (self->n_intervals, 1));
      for (guint t = 0; t < self->n_intervals; t++)
        {
          symbol->tracks[t].interval = self->intervals[t];
          symbol->tracks[t].last_closed = NO_CANDLE;
          symbol->tracks[t].last_forming = NO_CANDLE;
          symbol->tracks[t].held = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
        }
      g_ptr_array_add (self->symbols, symbol);
      g_hash_table_insert (self->by_lower, symbol->lower, symbol);
    }

  self->rest_session = soup_session_new_with_options ("timeout", self->params.request_timeout_s,
                                                      "user-agent", "perpscope/" PACKAGE_VERSION,
                                                      NULL);
  self->ws_session = soup_session_new_with_options ("user-agent", "perpscope/" PACKAGE_VERSION, NULL);
  self->rest = _perp_binance_rest_new (self->rest_session, self->params.rest_url,
                                       self->params.weight_budget, self->params.request_timeout_s);
  g_signal_connect_object (self->rest, "waiting", G_CALLBACK (rest_waiting_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->rest, "failed", G_CALLBACK (rest_failed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

guint
perp_binance_feed_get_used_weight (PerpBinanceFeed *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), 0);

  return _perp_binance_rest_get_used_weight (self->rest);
}

/**
 * perp_binance_feed_get_failed_reason:
 *
 * Returns: (nullable): the "failed-reason" property
 */
const char *
perp_binance_feed_get_failed_reason (PerpBinanceFeed *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), NULL);

  return self->failed_reason;
}

/**
 * perp_binance_feed_get_exchange_info:
 *
 * Returns: (transfer none) (nullable): the exchangeInfo loaded at start
 */
const PerpExchangeInfo *
perp_binance_feed_get_exchange_info (PerpBinanceFeed *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), NULL);

  return self->exchange_info;
}

guint64
perp_binance_feed_get_n_malformed (PerpBinanceFeed *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), 0);

  return self->n_malformed;
}

guint64
perp_binance_feed_get_n_dropped_candles (PerpBinanceFeed *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), 0);

  return self->n_dropped_candles;
}

static void
ticker_fetched_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *where = g_task_get_task_data (task);
  PerpBinanceTicker24h ticker;

  body = _perp_binance_rest_get_finish (PERP_BINANCE_REST (source), res, &error);
  if (body == NULL
      || (root = parse_body (body, where, &error)) == NULL
      || !perp_binance_decode_ticker_24hr (root, where, &ticker, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_memdup2 (&ticker, sizeof ticker), g_free);
}

void
perp_binance_feed_fetch_ticker_24hr_async (PerpBinanceFeed     *self,
                                           const char          *symbol,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  g_autofree char *query = NULL;

  g_return_if_fail (PERP_IS_BINANCE_FEED (self));
  g_return_if_fail (symbol != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  name = g_ascii_strup (symbol, -1);
  query = g_strdup_printf ("symbol=%s", name);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, perp_binance_feed_fetch_ticker_24hr_async);
  g_task_set_task_data (task, g_strdup_printf ("GET /fapi/v1/ticker/24hr?%s", query), g_free);

  _perp_binance_rest_get_async (self->rest, "/fapi/v1/ticker/24hr", query,
                                _perp_binance_request_weight ("/fapi/v1/ticker/24hr", 0),
                                cancellable, ticker_fetched_cb, g_steal_pointer (&task));
}

gboolean
perp_binance_feed_fetch_ticker_24hr_finish (PerpBinanceFeed       *self,
                                            GAsyncResult          *result,
                                            PerpBinanceTicker24h  *ticker,
                                            GError               **error)
{
  g_autofree PerpBinanceTicker24h *got = NULL;

  g_return_val_if_fail (PERP_IS_BINANCE_FEED (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (ticker != NULL, FALSE);

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;

  *ticker = *got;

  return TRUE;
}
