/* perp-replay-feed.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-replay-feed"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-candle-builder.h"
#include "perp-binance-decode.h"
#include "perp-candle-csv.h"
#include "perp-replay-feed.h"
#include "perp-series-csv.h"

/*
 * The feed keeps one "pending" event per source: the next one it would emit.  A slice
 * picks the source whose pending event has the smallest (time, source index), emits it
 * and reads that source's next one, until the slice's 2 ms are spent, the pacing says
 * the next event is still in the future, or a seek/step target is reached.  The
 * decoded event of a source points into that source's own decoder, so holding one
 * pending event per source is safe.
 *
 * Every control call (pause, resume, seek, step, stop, speed) bumps `generation`; a
 * slice that finds the generation changed under it (a signal handler paused the feed,
 * say) returns at once and leaves the scheduling to the call that changed it.
 */

#define SLICE_US            2000
#define MAX_SLEEP_MS        250
/* Trades are stamped with T, other messages with E a little later: a trade of the
 * minute before can follow a depth event of the new minute.  Other messages close the
 * trade-built candle only once they are this far past its end. */
#define TRADE_GRACE_MS      1000

G_DEFINE_QUARK (perp-replay-error-quark, perp_replay_error)

typedef enum
{
  SOURCE_CANDLES,
  SOURCE_TICKS,
  SOURCE_FUNDING,  /* a funding-rate CSV: one settlement per row */
} SourceKind;

typedef enum
{
  PENDING_NONE,
  PENDING_CANDLE,
  PENDING_TICK,
  PENDING_REST,
  PENDING_FUNDING,
} PendingKind;

typedef enum
{
  REST_KLINES,
  REST_OPEN_INTEREST,
  REST_PREMIUM_INDEX,
  REST_FUNDING_RATE,
} RestKind;

typedef struct
{
  SourceKind         kind;
  char              *path;
  char              *symbol;       /* CSV: the series' symbol; ticks: for lines without "s" */
  PerpInterval       interval;     /* CSV */
  PerpCandles       *candles;      /* CSV, loaded when added */
  PerpTimeSeries    *funding;      /* funding CSV, loaded when added */
  gboolean           has_klines;   /* ticks: the capture carries kline messages */
  char              *market;       /* ticks: "usdm", "spot" from the name, or "" */

  /* Playback state, reset by source_rewind(). */
  guint              next_index;
  PerpTickReader    *reader;
  PerpTickDecoder   *decoder;
  JsonParser        *rest_parser;
  gint64             key;          /* time of the pending event; never decreases */
  PendingKind        pending;
  PerpTickEvent      event;
  RestKind           rest_kind;
  PerpInterval       rest_interval;
  gint64             rest_recv_ms;
  guint64            line;
} Source;

/* One symbol and interval: what was closed, and during a seek what to load. */
typedef struct
{
  char         *symbol;
  PerpInterval  interval;
  gint64        last_closed;   /* open time of the newest closed candle, G_MININT64 */
  PerpCandles  *collected;     /* seek: closed candles met on the way */
  gboolean      has_forming;
  PerpCandle    forming;
} Series;

typedef enum
{
  MODE_PLAY,
  MODE_SEEK,
  MODE_STEP,
} Mode;

struct _PerpReplayFeed
{
  GObject        parent_instance;

  GPtrArray     *sources;        /* Source */
  gboolean       lenient;
  double         speed;
  guint          warmup;

  PerpFeedState  state;
  gboolean       opened;         /* sources are positioned for playback */
  gboolean       warmup_done;
  Mode           mode;
  gboolean       pause_after;    /* seek: end PAUSED rather than REPLAYING */
  gint64         target;         /* seek/step: last data time to consume */
  guint          generation;
  guint          epoch;          /* bumped whenever the sources are reopened or closed */
  guint          source_id;

  gint64         data_time;
  gint64         anchor_mono_us;
  gint64         anchor_data_ms;
  gboolean       anchored;

  GHashTable    *series;         /* "SYMBOL/interval" -> Series */
  /* "market/SYMBOL" -> PerpCandleBuilder: shared by the files of one recording, so a
   * rotated recording builds the same candles as one file would. */
  GHashTable    *builders;
  GPtrArray     *series_order;   /* Series, in order of first appearance */
  GArray        *closed;         /* PerpCandle scratch */

  guint64        n_skipped;
  char          *first_skipped;
  guint64        n_skipped_at_add;
  char          *first_skipped_at_add;
  char          *failure;
};

static void perp_replay_feed_iface_init (PerpFeedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PerpReplayFeed, perp_replay_feed, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PERP_TYPE_FEED, perp_replay_feed_iface_init))

static gboolean on_slice (gpointer data);

/* ------------------------------------------------------------------ sources */

static void
source_close (Source *s)
{
  g_clear_pointer (&s->reader, perp_tick_reader_free);
  g_clear_pointer (&s->decoder, perp_tick_decoder_free);
  g_clear_object (&s->rest_parser);
  s->pending = PENDING_NONE;
  s->key = G_MININT64;
  s->next_index = 0;
  s->line = 0;
}

static void
source_free (gpointer data)
{
  Source *s = data;

  source_close (s);
  g_clear_pointer (&s->candles, perp_candles_unref);
  g_clear_pointer (&s->funding, perp_time_series_free);
  g_free (s->path);
  g_free (s->symbol);
  g_free (s->market);
  g_free (s);
}

static void
series_free (gpointer data)
{
  Series *series = data;

  g_clear_pointer (&series->collected, perp_candles_unref);
  g_free (series->symbol);
  g_free (series);
}

static Series *
get_series (PerpReplayFeed *self,
            const char     *symbol,
            PerpInterval    interval)
{
  g_autofree char *key = g_strdup_printf ("%s/%u", symbol, (guint) interval);
  Series *series = g_hash_table_lookup (self->series, key);

  if (series == NULL)
    {
      series = g_new0 (Series, 1);
      series->symbol = g_strdup (symbol);
      series->interval = interval;
      series->last_closed = G_MININT64;
      g_hash_table_insert (self->series, g_steal_pointer (&key), series);
      g_ptr_array_add (self->series_order, series);
    }

  return series;
}

/* ------------------------------------------------------------------ state */

static void
set_state (PerpReplayFeed *self,
           PerpFeedState   state,
           const char     *message)
{
  PerpFeedStatus status = { 0 };

  self->state = state;
  status.state = state;
  status.data_time = self->data_time;
  status.message = message;
  perp_feed_emit_state_changed (PERP_FEED (self), &status);
}

static void
unschedule (PerpReplayFeed *self)
{
  g_clear_handle_id (&self->source_id, g_source_remove);
}

static void
schedule_idle (PerpReplayFeed *self)
{
  unschedule (self);
  self->source_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_slice, self, NULL);
}

static void
schedule_timeout (PerpReplayFeed *self,
                  guint           delay_ms)
{
  unschedule (self);
  self->source_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, delay_ms, on_slice, self, NULL);
}

static void
close_sources (PerpReplayFeed *self)
{
  self->epoch++;
  for (guint i = 0; i < self->sources->len; i++)
    source_close (g_ptr_array_index (self->sources, i));
  self->opened = FALSE;
}

static void
fail (PerpReplayFeed *self,
      const char     *message)
{
  unschedule (self);
  close_sources (self);
  g_free (self->failure);
  self->failure = g_strdup (message);
  self->generation++;
  set_state (self, PERP_FEED_STATE_FAILED, message);
}

/* A malformed line: fails, or in lenient mode is counted.  Returns TRUE to go on. */
static gboolean
skip_or_fail (PerpReplayFeed *self,
              GError         *error)
{
  if (!self->lenient)
    {
      fail (self, error->message);
      return FALSE;
    }

  if (self->n_skipped++ == 0)
    self->first_skipped = g_strdup (error->message);

  return TRUE;
}

/* ------------------------------------------------------------------ reading */

static const char *
rest_stream (const char *stream,
             RestKind   *kind,
             PerpInterval *interval)
{
  *interval = PERP_INTERVAL_UNKNOWN;

  if (g_str_has_prefix (stream, "rest_klines@"))
    {
      *kind = REST_KLINES;
      *interval = perp_interval_from_string (stream + strlen ("rest_klines@"));
      return *interval != PERP_INTERVAL_UNKNOWN ? stream : NULL;
    }
  if (strcmp (stream, "rest_open_interest") == 0)
    *kind = REST_OPEN_INTEREST;
  else if (strcmp (stream, "rest_premium_index") == 0)
    *kind = REST_PREMIUM_INDEX;
  else if (strcmp (stream, "rest_funding_rate") == 0)
    *kind = REST_FUNDING_RATE;
  else
    return NULL;

  return stream;
}

/* A recorder line holding a REST response: parses it into s->rest_parser.  Returns
 * FALSE with @error unset when the line is not one. */
static gboolean
parse_rest_line (Source      *s,
                 const char  *line,
                 gsize        length,
                 GError     **error)
{
  g_autoptr(GError) json_error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *stream;
  JsonNode *recv;

  if (s->rest_parser == NULL)
    s->rest_parser = json_parser_new ();
  if (!json_parser_load_from_data (s->rest_parser, line, (gssize) length, &json_error))
    return FALSE;

  root = json_parser_get_root (s->rest_parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  stream = json_object_get_member (object, "stream");
  if (stream == NULL || !JSON_NODE_HOLDS_VALUE (stream) || json_node_get_value_type (stream) != G_TYPE_STRING
      || rest_stream (json_node_get_string (stream), &s->rest_kind, &s->rest_interval) == NULL
      || !json_object_has_member (object, "data"))
    return FALSE;

  recv = json_object_get_member (object, "recv_ns");
  s->rest_recv_ms = 0;
  if (recv != NULL && JSON_NODE_HOLDS_VALUE (recv) && json_node_get_value_type (recv) == G_TYPE_INT64)
    s->rest_recv_ms = json_node_get_int (recv) / 1000000;
  if (!perp_time_is_valid (s->rest_recv_ms))
    s->rest_recv_ms = 0;

  return TRUE;
}

/* The time a REST line stands for: its own, else when it was received. */
static gint64
rest_time (Source *s)
{
  JsonObject *object = json_node_get_object (json_parser_get_root (s->rest_parser));
  JsonNode *data = json_object_get_member (object, "data");

  if (s->rest_kind == REST_OPEN_INTEREST || s->rest_kind == REST_PREMIUM_INDEX)
    {
      if (JSON_NODE_HOLDS_OBJECT (data))
        {
          JsonNode *t = json_object_get_member (json_node_get_object (data), "time");

          if (t != NULL && JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_INT64
              && perp_time_is_valid (json_node_get_int (t)))
            return json_node_get_int (t);
        }
    }

  return s->rest_recv_ms;
}

/* How far a message's own time may be after the moment it was recorded (clocks
 * disagree, but not by a day).  A source's time only moves forward (the replay is
 * paced on it), so one corrupt time years ahead would hold every later line back for
 * ever.  (Times before the recording are harmless: they do not move the clock.) */
#define MAX_AHEAD_OF_RECV_MS (PERP_MS_PER_DAY)

static gboolean
event_time_believable (const PerpTickEvent  *event,
                       GError              **error)
{
  gint64 t = perp_tick_event_time (event);
  gint64 recv_ms = event->recv_ns / 1000000;

  if (t <= 0 || recv_ms <= 0 || t - recv_ms <= MAX_AHEAD_OF_RECV_MS)
    return TRUE;
  g_set_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_NUMBER,
               "event time %" G_GINT64_FORMAT " is %.1f days after the line was recorded "
               "(recv_ns %" G_GINT64_FORMAT "): a corrupt time", t, (t - recv_ms) / (double) PERP_MS_PER_DAY,
               event->recv_ns);
  return FALSE;
}

/* Reads the source's next event into its pending slot (PENDING_NONE at the end).
 * Returns FALSE when the feed failed. */
static gboolean
source_advance (PerpReplayFeed *self,
                Source         *s)
{
  gint64 t = 0;

  s->pending = PENDING_NONE;

  if (s->kind == SOURCE_CANDLES)
    {
      gint64 interval_ms = perp_interval_to_ms (s->interval);

      if (s->next_index >= perp_candles_get_length (s->candles))
        return TRUE;
      s->pending = PENDING_CANDLE;
      t = perp_candles_get_open_time (s->candles)[s->next_index] + interval_ms;
      s->key = MAX (s->key, t);
      return TRUE;
    }

  if (s->kind == SOURCE_FUNDING)
    {
      if (s->next_index >= s->funding->length)
        return TRUE;
      s->pending = PENDING_FUNDING;
      s->key = MAX (s->key, s->funding->time[s->next_index]);
      return TRUE;
    }

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) rest_error = NULL;
      const char *line;
      gsize length = 0;

      if (s->reader == NULL)
        return TRUE;

      line = perp_tick_reader_next_line (s->reader, &length, &error);
      if (line == NULL)
        {
          /* A recording cut short ends without an error; the reader counted it. */
          if (error == NULL && perp_tick_reader_get_n_skipped (s->reader) > 0)
            {
              if (self->n_skipped == 0)
                {
                  g_free (self->first_skipped);
                  self->first_skipped = g_strdup (perp_tick_reader_get_first_skipped (s->reader));
                }
              self->n_skipped += perp_tick_reader_get_n_skipped (s->reader);
            }
          g_clear_pointer (&s->reader, perp_tick_reader_free);
          if (error != NULL && !skip_or_fail (self, error))
            return FALSE;
          return TRUE;
        }
      s->line = perp_tick_reader_get_line (s->reader);

      if (length == 0 || strspn (line, " \t\r") == length)
        continue;

      if (perp_tick_decoder_decode (s->decoder, line, (gssize) length, &s->event, &error)
          && s->event.kind != PERP_TICK_OTHER
          && event_time_believable (&s->event, &error))
        {
          s->pending = PENDING_TICK;
          t = perp_tick_event_time (&s->event);
          if (t <= 0)
            t = s->event.recv_ns / 1000000;
          break;
        }

      if (strstr (line, "rest_") != NULL && parse_rest_line (s, line, length, &rest_error))
        {
          s->pending = PENDING_REST;
          t = rest_time (s);
          break;
        }

      if (error == NULL)
        continue;  /* a well-formed message of a stream we do not replay */

      g_prefix_error (&error, "%s:%" G_GUINT64_FORMAT ": ", s->path, s->line);
      if (!skip_or_fail (self, error))
        return FALSE;
    }

  s->key = MAX (s->key, t);

  return TRUE;
}

static gboolean
source_rewind (PerpReplayFeed  *self,
               Source          *s,
               GError         **error)
{
  source_close (s);

  if (s->kind == SOURCE_TICKS)
    {
      s->reader = perp_tick_reader_open (s->path, PERP_TICK_READER_FLAGS_NONE, error);
      if (s->reader == NULL)
        return FALSE;
      s->decoder = perp_tick_decoder_new ();
    }
  else if (s->kind == SOURCE_CANDLES)
    {
      s->next_index = MIN (self->warmup, perp_candles_get_length (s->candles));
    }

  return TRUE;
}

/* ------------------------------------------------------------------ delivery */

/* The optional columns @candle carries. */
static PerpCandleFields
candle_fields (const PerpCandle *candle)
{
  PerpCandleFields fields = PERP_CANDLE_FIELD_NONE;

  if (!isnan (candle->quote_volume))
    fields |= PERP_CANDLE_FIELD_QUOTE_VOLUME;
  if (candle->trade_count >= 0)
    fields |= PERP_CANDLE_FIELD_TRADE_COUNT;
  if (!isnan (candle->taker_buy_volume))
    fields |= PERP_CANDLE_FIELD_TAKER_BUY_VOLUME;

  return fields;
}

/* Seeking: keeps @candle for the candles-loaded block.  A series mixing sources keeps
 * only the columns all of its candles have. */
static void
collect (Series           *series,
         const PerpCandle *candle)
{
  g_autoptr(GError) error = NULL;
  PerpCandleFields fields = candle_fields (candle);

  if (series->collected == NULL)
    {
      series->collected = perp_candles_new (series->interval, fields);
    }
  else if ((perp_candles_get_fields (series->collected) & ~fields) != 0)
    {
      PerpCandles *narrower = perp_candles_new (series->interval, perp_candles_get_fields (series->collected) & fields);
      guint n = perp_candles_get_length (series->collected);

      perp_candles_reserve (narrower, n + 1);
      for (guint i = 0; i < n; i++)
        {
          PerpCandle c;

          perp_candles_get_candle (series->collected, i, &c);
          perp_candles_append (narrower, &c, NULL);
        }
      perp_candles_unref (series->collected);
      series->collected = narrower;
    }

  /* Candles passed perp_candle_check where they were decoded, and deliver_closed()
   * keeps them increasing, so this cannot fail on good data; say so if it does. */
  if (!perp_candles_append (series->collected, candle, &error))
    g_debug ("%s %s: candle at %" G_GINT64_FORMAT " not kept for the seek: %s", series->symbol,
             perp_interval_to_string (series->interval), candle->open_time, error->message);
}

static void
deliver_closed (PerpReplayFeed   *self,
                const char       *symbol,
                PerpInterval      interval,
                const PerpCandle *candle)
{
  Series *series = get_series (self, symbol, interval);

  if (candle->open_time <= series->last_closed)
    return;
  series->last_closed = candle->open_time;
  if (series->has_forming && series->forming.open_time <= candle->open_time)
    series->has_forming = FALSE;

  if (self->mode == MODE_SEEK)
    {
      collect (series, candle);
      return;
    }

  perp_feed_emit_candle_closed (PERP_FEED (self), symbol, interval, candle);
}

static void
deliver_loaded (PerpReplayFeed    *self,
                const char        *symbol,
                PerpInterval       interval,
                const PerpCandles *candles)
{
  Series *series = get_series (self, symbol, interval);
  guint n = perp_candles_get_length (candles);
  gint64 last;

  if (n == 0)
    return;
  last = perp_candles_get_open_time (candles)[n - 1];

  if (self->mode == MODE_SEEK)
    {
      for (guint i = 0; i < n; i++)
        {
          PerpCandle candle;

          perp_candles_get_candle (candles, i, &candle);
          deliver_closed (self, symbol, interval, &candle);
        }
      return;
    }

  series->last_closed = MAX (series->last_closed, last);
  if (series->has_forming && series->forming.open_time <= last)
    series->has_forming = FALSE;
  perp_feed_emit_candles_loaded (PERP_FEED (self), symbol, interval, candles);
}

static void
deliver_updated (PerpReplayFeed   *self,
                 const char       *symbol,
                 PerpInterval      interval,
                 const PerpCandle *candle)
{
  Series *series = get_series (self, symbol, interval);

  if (candle->open_time <= series->last_closed)
    return;
  series->forming = *candle;
  series->has_forming = TRUE;

  if (self->mode != MODE_SEEK)
    perp_feed_emit_candle_updated (PERP_FEED (self), symbol, interval, candle);
}

static void
deliver_closed_array (PerpReplayFeed *self,
                      const char     *symbol,
                      PerpInterval    interval,
                      GArray         *closed)
{
  for (guint i = 0; i < closed->len; i++)
    deliver_closed (self, symbol, interval, &g_array_index (closed, PerpCandle, i));
  g_array_set_size (closed, 0);
}

/* For g_ptr_array_sort (g_ptr_array_sort_values is GLib 2.76). */
static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static PerpCandleBuilder *
get_builder (PerpReplayFeed *self,
             Source         *s,
             const char     *symbol,
             gboolean        create)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", s->market, symbol);
  PerpCandleBuilder *builder = g_hash_table_lookup (self->builders, key);

  if (builder == NULL && create)
    {
      builder = perp_candle_builder_new (PERP_INTERVAL_1M);
      g_hash_table_insert (self->builders, g_steal_pointer (&key), builder);
    }

  return builder;
}

/* The other messages of a capture tell its trade-built candles that time passed. */
static void
advance_builder (PerpReplayFeed *self,
                 Source         *s,
                 const char     *symbol,
                 gint64          time_ms)
{
  PerpCandleBuilder *builder;
  PerpCandle forming;

  if (s->has_klines || symbol == NULL || (builder = get_builder (self, s, symbol, FALSE)) == NULL)
    return;

  if (perp_candle_builder_advance (builder, time_ms - TRADE_GRACE_MS, self->closed) > 0)
    {
      deliver_closed_array (self, symbol, PERP_INTERVAL_1M, self->closed);
      if (perp_candle_builder_get_forming (builder, &forming))
        deliver_updated (self, symbol, PERP_INTERVAL_1M, &forming);
    }
}

static gboolean
deliver_rest (PerpReplayFeed *self,
              Source         *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, s->path, s->line);
  JsonObject *object = json_node_get_object (json_parser_get_root (s->rest_parser));
  JsonNode *data = json_object_get_member (object, "data");
  const char *symbol = s->symbol;

  switch (s->rest_kind)
    {
    case REST_KLINES:
      {
        g_autoptr(PerpCandles) candles = perp_candles_new (s->rest_interval, PERP_CANDLE_FIELD_ALL);
        PerpCandle forming;
        gboolean has_forming = FALSE;

        if (!perp_binance_decode_klines (data, where, MAX (s->key, s->rest_recv_ms), candles,
                                         &forming, &has_forming, &error))
          break;
        deliver_loaded (self, symbol, s->rest_interval, candles);
        if (has_forming)
          deliver_updated (self, symbol, s->rest_interval, &forming);
        return TRUE;
      }
    case REST_OPEN_INTEREST:
      {
        gint64 time = 0;
        double oi = 0;

        if (!perp_binance_decode_open_interest (data, where, &time, &oi, &error))
          break;
        if (self->mode != MODE_SEEK)
          perp_feed_emit_open_interest (PERP_FEED (self), symbol, time, oi);
        return TRUE;
      }
    case REST_PREMIUM_INDEX:
      {
        PerpMarkPrice mark = { 0 };

        if (!perp_binance_decode_premium_index (data, where, &mark, &error))
          break;
        if (self->mode != MODE_SEEK)
          perp_feed_emit_mark_price (PERP_FEED (self), symbol, &mark);
        return TRUE;
      }
    case REST_FUNDING_RATE:
      {
        g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
        g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));

        if (!perp_binance_decode_funding_rates (data, where, times, rates, &error))
          break;
        /* Also while seeking, as a funding file's settlements are (see deliver ()). */
        for (guint i = 0; i < times->len; i++)
            perp_feed_emit_funding_rate (PERP_FEED (self), symbol, g_array_index (times, gint64, i),
                                         g_array_index (rates, double, i));
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }

  /* The decoders name @where themselves. */
  return skip_or_fail (self, error);
}

static void
deliver_tick (PerpReplayFeed *self,
              Source         *s)
{
  PerpTickEvent *event = &s->event;
  const char *symbol = event->symbol != NULL ? event->symbol : s->symbol;
  gboolean emit = self->mode != MODE_SEEK;

  if (event->kind != PERP_TICK_TRADE)
    advance_builder (self, s, symbol, s->key);

  switch (event->kind)
    {
    case PERP_TICK_DEPTH:
      if (emit)
        perp_feed_emit_depth (PERP_FEED (self), symbol, &event->depth);
      break;
    case PERP_TICK_SNAPSHOT:
      if (emit)
        perp_feed_emit_depth_snapshot (PERP_FEED (self), symbol, &event->snapshot);
      break;
    case PERP_TICK_TRADE:
      if (!s->has_klines)
        {
          PerpCandleBuilder *builder = get_builder (self, s, symbol, TRUE);
          PerpCandle forming;
          gboolean added = perp_candle_builder_add_trade (builder, &event->trade, self->closed);

          deliver_closed_array (self, symbol, PERP_INTERVAL_1M, self->closed);
          if (emit)
            perp_feed_emit_trade (PERP_FEED (self), symbol, &event->trade);
          if (added && perp_candle_builder_get_forming (builder, &forming))
            deliver_updated (self, symbol, PERP_INTERVAL_1M, &forming);
        }
      else if (emit)
        {
          perp_feed_emit_trade (PERP_FEED (self), symbol, &event->trade);
        }
      break;
    case PERP_TICK_BOOK_TICKER:
      if (emit)
        perp_feed_emit_book_ticker (PERP_FEED (self), symbol, &event->ticker);
      break;
    case PERP_TICK_KLINE:
      if (event->kline.closed)
        deliver_closed (self, symbol, event->kline.interval, &event->kline.candle);
      else
        deliver_updated (self, symbol, event->kline.interval, &event->kline.candle);
      break;
    case PERP_TICK_MARK_PRICE:
      if (emit)
        perp_feed_emit_mark_price (PERP_FEED (self), symbol, &event->mark);
      break;
    case PERP_TICK_LIQUIDATION:
      if (emit)
        perp_feed_emit_liquidation (PERP_FEED (self), symbol, &event->liquidation);
      break;
    case PERP_TICK_OTHER:
    default:
      break;
    }
}

/* Emits (or, seeking, collects) the pending event of @s.  FALSE: the feed failed. */
static gboolean
deliver (PerpReplayFeed *self,
         Source         *s)
{
  if (s->key > self->data_time)
    {
      self->data_time = s->key;
      if (self->mode != MODE_SEEK)
        perp_feed_emit_clock (PERP_FEED (self), s->key);
    }

  switch (s->pending)
    {
    case PENDING_CANDLE:
      {
        PerpCandle candle;

        perp_candles_get_candle (s->candles, s->next_index++, &candle);
        deliver_closed (self, s->symbol, s->interval, &candle);
        break;
      }
    case PENDING_TICK:
      deliver_tick (self, s);
      break;
    case PENDING_REST:
      if (!deliver_rest (self, s))
        return FALSE;
      break;
    case PENDING_FUNDING:
      /* Also while seeking: settlements are history the funding factor reads, and
       * the engine keeps them for the analysis the seek then builds. */
      perp_feed_emit_funding_rate (PERP_FEED (self), s->symbol, s->funding->time[s->next_index],
                                   s->funding->value[s->next_index]);
      s->next_index++;
      break;
    case PENDING_NONE:
    default:
      break;
    }

  return TRUE;
}

static Source *
next_source (PerpReplayFeed *self)
{
  Source *best = NULL;

  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);

      if (s->pending != PENDING_NONE && (best == NULL || s->key < best->key))
        best = s;
    }

  return best;
}

/* ------------------------------------------------------------------ playback */

static void
reset_series (PerpReplayFeed *self)
{
  g_hash_table_remove_all (self->series);
  g_ptr_array_set_size (self->series_order, 0);
}

/* Positions every source at its start.  FALSE: the feed failed. */
static gboolean
open_sources (PerpReplayFeed *self)
{
  self->epoch++;
  self->data_time = 0;
  self->warmup_done = FALSE;
  g_hash_table_remove_all (self->builders);
  /* What the CSVs skipped when they were loaded stays counted. */
  self->n_skipped = self->n_skipped_at_add;
  g_free (self->first_skipped);
  self->first_skipped = g_strdup (self->first_skipped_at_add);
  g_clear_pointer (&self->failure, g_free);
  reset_series (self);

  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);
      g_autoptr(GError) error = NULL;

      if (!source_rewind (self, s, &error) || !source_advance (self, s))
        {
          if (error != NULL)
            fail (self, error->message);
          return FALSE;
        }
    }

  self->opened = TRUE;

  return TRUE;
}

static void
deliver_warmup (PerpReplayFeed *self)
{
  self->warmup_done = TRUE;
  if (self->warmup == 0)
    return;

  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);
      g_autoptr(PerpCandles) block = NULL;
      guint n;

      if (s->kind != SOURCE_CANDLES)
        continue;
      n = MIN (self->warmup, perp_candles_get_length (s->candles));
      if (n == 0)
        continue;

      block = perp_candles_new (s->interval, perp_candles_get_fields (s->candles));
      perp_candles_reserve (block, n);
      for (guint j = 0; j < n; j++)
        {
          PerpCandle candle;

          perp_candles_get_candle (s->candles, j, &candle);
          perp_candles_append (block, &candle, NULL);
        }
      deliver_loaded (self, s->symbol, s->interval, block);
    }
}

static void
anchor (PerpReplayFeed *self)
{
  self->anchored = FALSE;
}

/* The end of a seek: the history met on the way, then the forming candles. */
static void
finish_seek (PerpReplayFeed *self)
{
  g_autoptr(GPtrArray) order = g_ptr_array_ref (self->series_order);

  self->mode = MODE_PLAY;
  self->data_time = MAX (self->data_time, self->target);

  for (guint i = 0; i < order->len; i++)
    {
      Series *series = g_ptr_array_index (order, i);
      g_autoptr(PerpCandles) collected = g_steal_pointer (&series->collected);

      if (collected != NULL)
        perp_feed_emit_candles_loaded (PERP_FEED (self), series->symbol, series->interval, collected);
      if (series->has_forming && series->forming.open_time > series->last_closed)
        perp_feed_emit_candle_updated (PERP_FEED (self), series->symbol, series->interval, &series->forming);
    }
  perp_feed_emit_clock (PERP_FEED (self), self->data_time);
}

static gboolean
on_slice (gpointer data)
{
  g_autoptr(PerpReplayFeed) self = g_object_ref (PERP_REPLAY_FEED (data));
  guint generation = self->generation;
  gint64 deadline = g_get_monotonic_time () + SLICE_US;

  self->source_id = 0;

  if (!self->warmup_done)
    {
      deliver_warmup (self);
      if (self->generation != generation)
        return G_SOURCE_REMOVE;
    }

  for (;;)
    {
      Source *s = next_source (self);
      guint epoch;

      if (s == NULL)
        {
          if (self->mode == MODE_SEEK)
            {
              finish_seek (self);
              if (self->generation != generation)
                return G_SOURCE_REMOVE;
            }
          close_sources (self);
          self->generation++;
          set_state (self, PERP_FEED_STATE_FINISHED, NULL);
          return G_SOURCE_REMOVE;
        }

      if (self->mode == MODE_SEEK && s->key > self->target)
        {
          gboolean pause_after = self->pause_after;

          finish_seek (self);
          if (self->generation != generation)
            return G_SOURCE_REMOVE;
          self->generation++;
          anchor (self);
          set_state (self, pause_after ? PERP_FEED_STATE_PAUSED : PERP_FEED_STATE_REPLAYING, NULL);
          if (self->generation == generation + 1 && !pause_after)
            schedule_idle (self);
          return G_SOURCE_REMOVE;
        }

      if (self->mode == MODE_STEP && s->key > self->target)
        {
          self->mode = MODE_PLAY;
          if (self->target > self->data_time)
            {
              self->data_time = self->target;
              perp_feed_emit_clock (PERP_FEED (self), self->target);
              if (self->generation != generation)
                return G_SOURCE_REMOVE;
            }
          self->generation++;
          set_state (self, PERP_FEED_STATE_PAUSED, NULL);
          return G_SOURCE_REMOVE;
        }

      if (self->mode == MODE_PLAY && self->speed > 0)
        {
          gint64 now = g_get_monotonic_time ();
          double limit;

          if (!self->anchored)
            {
              self->anchored = TRUE;
              self->anchor_mono_us = now;
              self->anchor_data_ms = MAX (self->data_time, s->key);
            }
          limit = (double) self->anchor_data_ms + (double) (now - self->anchor_mono_us) / 1000.0 * self->speed;
          if ((double) s->key > limit)
            {
              double wait_ms = ((double) s->key - limit) / self->speed;

              schedule_timeout (self, (guint) CLAMP (ceil (wait_ms), 1, MAX_SLEEP_MS));
              return G_SOURCE_REMOVE;
            }
        }

      epoch = self->epoch;
      if (!deliver (self, s))
        return G_SOURCE_REMOVE;
      /* A handler may have paused the feed: the event is delivered all the same, so
       * move past it unless the handler reopened or closed the sources. */
      if (self->epoch == epoch && !source_advance (self, s))
        return G_SOURCE_REMOVE;
      if (self->generation != generation)
        return G_SOURCE_REMOVE;

      if (g_get_monotonic_time () >= deadline)
        break;
    }

  schedule_idle (self);

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ PerpFeed */

static void
perp_replay_feed_start (PerpFeed *feed)
{
  PerpReplayFeed *self = PERP_REPLAY_FEED (feed);

  switch (self->state)
    {
    case PERP_FEED_STATE_REPLAYING:
      return;
    case PERP_FEED_STATE_PAUSED:
      perp_replay_feed_resume (self);
      return;
    case PERP_FEED_STATE_OFFLINE:
    case PERP_FEED_STATE_FINISHED:
    case PERP_FEED_STATE_FAILED:
    case PERP_FEED_STATE_CONNECTING:
    case PERP_FEED_STATE_LIVE:
    case PERP_FEED_STATE_RECONNECTING:
    case PERP_FEED_STATE_RESYNCING:
    default:
      break;
    }

  self->generation++;
  unschedule (self);
  self->mode = MODE_PLAY;
  if (!open_sources (self))
    return;
  anchor (self);
  set_state (self, PERP_FEED_STATE_REPLAYING, NULL);
  schedule_idle (self);
}

static void
perp_replay_feed_stop (PerpFeed *feed)
{
  PerpReplayFeed *self = PERP_REPLAY_FEED (feed);

  if (self->state == PERP_FEED_STATE_OFFLINE)
    return;

  self->generation++;
  unschedule (self);
  close_sources (self);
  self->mode = MODE_PLAY;
  set_state (self, PERP_FEED_STATE_OFFLINE, NULL);
}

static PerpFeedState
perp_replay_feed_get_state (PerpFeed *feed)
{
  return PERP_REPLAY_FEED (feed)->state;
}

/* A replay has no fresher snapshot to offer than the ones in its files. */
static void
perp_replay_feed_resync (PerpFeed   *feed,
                         const char *symbol)
{
  g_debug ("resync of %s asked: a replay can only wait for the next recorded snapshot", symbol);
}

static void
perp_replay_feed_iface_init (PerpFeedInterface *iface)
{
  iface->start = perp_replay_feed_start;
  iface->stop = perp_replay_feed_stop;
  iface->get_state = perp_replay_feed_get_state;
  iface->resync = perp_replay_feed_resync;
}

/* ------------------------------------------------------------------ GObject */

static void
perp_replay_feed_dispose (GObject *object)
{
  PerpReplayFeed *self = PERP_REPLAY_FEED (object);

  unschedule (self);
  close_sources (self);

  G_OBJECT_CLASS (perp_replay_feed_parent_class)->dispose (object);
}

static void
perp_replay_feed_finalize (GObject *object)
{
  PerpReplayFeed *self = PERP_REPLAY_FEED (object);

  g_ptr_array_unref (self->sources);
  g_hash_table_unref (self->series);
  g_hash_table_unref (self->builders);
  g_ptr_array_unref (self->series_order);
  g_array_unref (self->closed);
  g_free (self->first_skipped);
  g_free (self->first_skipped_at_add);
  g_free (self->failure);

  G_OBJECT_CLASS (perp_replay_feed_parent_class)->finalize (object);
}

static void
perp_replay_feed_class_init (PerpReplayFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_replay_feed_dispose;
  object_class->finalize = perp_replay_feed_finalize;
}

static void
perp_replay_feed_init (PerpReplayFeed *self)
{
  self->sources = g_ptr_array_new_with_free_func (source_free);
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, series_free);
  self->series_order = g_ptr_array_new ();
  self->builders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) perp_candle_builder_free);
  self->closed = g_array_new (FALSE, FALSE, sizeof (PerpCandle));
  self->speed = 1.0;
  self->state = PERP_FEED_STATE_OFFLINE;
}

PerpReplayFeed *
perp_replay_feed_new (void)
{
  return g_object_new (PERP_TYPE_REPLAY_FEED, NULL);
}

/* ------------------------------------------------------------------ adding files */

void
perp_replay_feed_set_lenient (PerpReplayFeed *self,
                              gboolean        lenient)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  self->lenient = !!lenient;
}

static gboolean
check_idle (PerpReplayFeed  *self,
            const char      *path,
            GError         **error)
{
  if (self->state == PERP_FEED_STATE_REPLAYING || self->state == PERP_FEED_STATE_PAUSED)
    {
      g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_BUSY,
                   "%s: files can only be added while the replay is stopped", path);
      return FALSE;
    }

  return TRUE;
}

/**
 * perp_replay_feed_add_candles_file:
 * @path: a candle CSV
 * @symbol: the symbol of its candles
 * @interval: their interval, or %PERP_INTERVAL_UNKNOWN to take the one the rows show
 *
 * Loads the file now (errors name FILE:LINE).
 */
gboolean
perp_replay_feed_add_candles_file (PerpReplayFeed  *self,
                                   const char      *path,
                                   const char      *symbol,
                                   PerpInterval     interval,
                                   GError         **error)
{
  g_autoptr(PerpCandles) candles = NULL;
  PerpCsvReport report = { 0 };
  Source *s;

  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (symbol != NULL && *symbol != '\0', FALSE);

  if (!check_idle (self, path, error))
    return FALSE;

  candles = perp_candle_csv_load (path, self->lenient ? PERP_CSV_FLAGS_LENIENT : PERP_CSV_FLAGS_NONE,
                                  &report, error);
  if (candles == NULL)
    {
      perp_csv_report_clear (&report);
      return FALSE;
    }
  if (report.n_skipped > 0)
    {
      if (self->n_skipped_at_add == 0 && report.first_skipped != NULL)
        self->first_skipped_at_add = g_strdup (report.first_skipped);
      self->n_skipped_at_add += report.n_skipped;
      self->n_skipped = self->n_skipped_at_add;
    }
  perp_csv_report_clear (&report);

  if (interval == PERP_INTERVAL_UNKNOWN)
    interval = perp_candles_get_interval (candles);
  if (interval == PERP_INTERVAL_UNKNOWN)
    {
      g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME,
                   "%s: the candles' interval is not one of Binance's and none was given", path);
      return FALSE;
    }
  perp_candles_set_interval (candles, interval);

  s = g_new0 (Source, 1);
  s->kind = SOURCE_CANDLES;
  s->path = g_strdup (path);
  s->symbol = g_strdup (symbol);
  s->interval = interval;
  s->candles = g_steal_pointer (&candles);
  s->key = G_MININT64;
  g_ptr_array_add (self->sources, s);

  return TRUE;
}

/* Loads a funding-rate CSV (funding_time, funding_rate) of @symbol now (errors name
 * FILE:LINE); its settlements are emitted at their times. */
static gboolean
add_funding_file (PerpReplayFeed  *self,
                  const char      *path,
                  const char      *symbol,
                  GError         **error)
{
  g_autoptr(PerpTimeSeries) funding = NULL;
  Source *s;

  /* (Only through perp_replay_feed_add_file, which checked the feed is idle.) */
  funding = perp_series_csv_load (path, error);
  if (funding == NULL)
    return FALSE;

  s = g_new0 (Source, 1);
  s->kind = SOURCE_FUNDING;
  s->path = g_strdup (path);
  s->symbol = g_strdup (symbol);
  s->funding = g_steal_pointer (&funding);
  s->key = G_MININT64;
  g_ptr_array_add (self->sources, s);

  return TRUE;
}

/* "BTCUSDT_funding_..." (as Binance's and the recorder's history files are named) */
static gboolean
is_funding_name (const char *path,
                 const char *symbol)
{
  g_autofree char *base = g_path_get_basename (path);
  const char *p = base + strlen (symbol);

  return (*p == '_' || *p == '-') && g_str_has_prefix (p + 1, "funding")
         && strchr ("_-.", p[1 + strlen ("funding")]) != NULL;
}

/* "BTCUSDT_5m_..." or "FILUSDT-1m-...": the interval after the symbol. */
static PerpInterval
interval_from_name (const char *path,
                    const char *symbol)
{
  g_autofree char *base = g_path_get_basename (path);
  const char *p = base + strlen (symbol);
  g_autofree char *token = NULL;
  gsize n;

  if (*p != '_' && *p != '-')
    return PERP_INTERVAL_UNKNOWN;
  p++;
  n = strcspn (p, "_-.");
  token = g_strndup (p, n);

  return perp_interval_from_string (token);
}

/* "binance_usdm_BTCUSDT_..." -> "usdm", else "" */
static char *
market_from_capture_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) parts = g_strsplit (base, "_", 4);

  if (g_strv_length (parts) < 4 || strcmp (parts[0], "binance") != 0)
    return g_strdup ("");

  return g_strdup (parts[1]);
}

/* "binance_usdm_BTCUSDT_..." */
static char *
symbol_from_capture_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) parts = g_strsplit (base, "_", 4);
  const char *p;

  if (g_strv_length (parts) < 4 || strcmp (parts[0], "binance") != 0 || parts[2][0] == '\0')
    return NULL;
  for (p = parts[2]; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p))
      return NULL;

  return g_strdup (parts[2]);
}

/* Reads the capture through once: its symbol and whether it carries klines. */
static gboolean
scan_capture (PerpReplayFeed  *self,
              Source          *s,
              GError         **error)
{
  g_autoptr(PerpTickReader) reader = perp_tick_reader_open (s->path, PERP_TICK_READER_FLAGS_NONE, error);
  g_autoptr(GError) local_error = NULL;
  const char *line;
  gsize length;

  if (reader == NULL)
    return FALSE;

  while ((line = perp_tick_reader_next_line (reader, &length, &local_error)) != NULL)
    {
      const char *sym;

      if (!s->has_klines && strstr (line, "@kline_") != NULL)
        s->has_klines = TRUE;
      if (s->symbol == NULL && (sym = strstr (line, "\"s\":\"")) != NULL)
        {
          gsize n;

          sym += strlen ("\"s\":\"");
          n = strcspn (sym, "\"");
          if (n > 0 && n < 64 && sym[n] == '"')
            s->symbol = g_strndup (sym, n);
        }
    }

  if (local_error != NULL && !self->lenient)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (s->symbol == NULL)
    {
      g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME,
                   "%s: no message names its symbol; name the file binance_usdm_<SYMBOL>_....jsonl.gz",
                   s->path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_capture_name (const char *path)
{
  return g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".jsonl.gz")
         || g_str_has_suffix (path, ".json.gz");
}

static gboolean
add_one (PerpReplayFeed  *self,
         const char      *path,
         gboolean         from_directory,
         gboolean        *added,
         GError         **error)
{
  *added = FALSE;

  /* The CSV loaders map the file as text: a compressed one would read as garbage.  In
   * a folder it is passed over as any file the replay does not read. */
  if (g_str_has_suffix (path, ".csv.gz"))
    {
      if (from_directory)
        return TRUE;
      g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME,
                   "%s: compressed CSVs are not read; decompress it first (gunzip -k)", path);
      return FALSE;
    }

  if (g_str_has_suffix (path, ".csv"))
    {
      g_autofree char *symbol = perp_guess_symbol_from_path (path);
      PerpInterval interval = symbol != NULL ? interval_from_name (path, symbol) : PERP_INTERVAL_UNKNOWN;

      if (symbol != NULL && is_funding_name (path, symbol))
        {
          *added = TRUE;
          return add_funding_file (self, path, symbol, error);
        }
      if (interval == PERP_INTERVAL_UNKNOWN)
        {
          if (from_directory)
            return TRUE;
          g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME,
                       "%s: cannot tell the symbol and interval from the name (SYMBOL_INTERVAL_....csv,"
                       " or SYMBOL_funding_....csv); give them explicitly", path);
          return FALSE;
        }

      *added = TRUE;
      return perp_replay_feed_add_candles_file (self, path, symbol, interval, error);
    }

  if (is_capture_name (path))
    {
      Source *s = g_new0 (Source, 1);

      s->kind = SOURCE_TICKS;
      s->path = g_strdup (path);
      s->symbol = symbol_from_capture_name (path);
      s->market = market_from_capture_name (path);
      s->key = G_MININT64;
      if (!scan_capture (self, s, error))
        {
          source_free (s);
          return FALSE;
        }
      g_ptr_array_add (self->sources, s);
      *added = TRUE;
      return TRUE;
    }

  if (from_directory)
    return TRUE;

  g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_KIND,
               "%s: not a file the replay reads (candle .csv, or a capture .jsonl / .jsonl.gz)", path);
  return FALSE;
}

/**
 * perp_replay_feed_add_file:
 * @path: a candle CSV, a capture or recording, or a directory: every file in it of
 *   those kinds, in name order (other files are ignored)
 *
 * Returns: %TRUE if the file (or every recognised file of the directory) was added
 */
gboolean
perp_replay_feed_add_file (PerpReplayFeed  *self,
                           const char      *path,
                           GError         **error)
{
  gboolean added = FALSE;

  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!check_idle (self, path, error))
    return FALSE;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GDir) dir = g_dir_open (path, 0, &local_error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        {
          g_set_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_KIND, "%s: %s", path, local_error->message);
          return FALSE;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_strings);

      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

          if (!g_file_test (child, G_FILE_TEST_IS_REGULAR))
            continue;
          if (!add_one (self, child, TRUE, &added, error))
            return FALSE;
        }
      return TRUE;
    }

  return add_one (self, path, FALSE, &added, error);
}

guint
perp_replay_feed_get_n_sources (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), 0);

  return self->sources->len;
}

/* ------------------------------------------------------------------ controls */

/**
 * perp_replay_feed_set_speed:
 * @speed: data time per real time: 1 real time, 60 a minute per second; 0 (or less)
 *   as fast as possible
 */
void
perp_replay_feed_set_speed (PerpReplayFeed *self,
                            double          speed)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  if (!isfinite (speed) || speed < 0)
    speed = 0;
  self->speed = speed;
  anchor (self);

  if (self->state == PERP_FEED_STATE_REPLAYING && self->mode == MODE_PLAY && self->source_id != 0)
    schedule_idle (self);
}

double
perp_replay_feed_get_speed (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), 0);

  return self->speed;
}

/**
 * perp_replay_feed_set_warmup:
 * @n_candles: how many candles of each CSV come first as one candles-loaded block
 *
 * Takes effect at the next start or seek.
 */
void
perp_replay_feed_set_warmup (PerpReplayFeed *self,
                             guint           n_candles)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  self->warmup = n_candles;
}

void
perp_replay_feed_pause (PerpReplayFeed *self)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  if (self->state != PERP_FEED_STATE_REPLAYING)
    return;

  self->generation++;
  unschedule (self);
  if (self->mode == MODE_SEEK)
    {
      /* The seek goes on silently and then stays paused. */
      self->pause_after = TRUE;
      schedule_idle (self);
      return;
    }
  self->mode = MODE_PLAY;
  set_state (self, PERP_FEED_STATE_PAUSED, NULL);
}

void
perp_replay_feed_resume (PerpReplayFeed *self)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  if (self->state != PERP_FEED_STATE_PAUSED)
    return;

  self->generation++;
  self->mode = MODE_PLAY;
  anchor (self);
  set_state (self, PERP_FEED_STATE_REPLAYING, NULL);
  schedule_idle (self);
}

/**
 * perp_replay_feed_seek:
 * @time_ms: the data time to go to: everything at or before it is consumed
 *
 * Restarts the sources and skips forward silently (see the header's overview for what
 * is emitted at the end).  A paused or stopped feed ends the seek PAUSED; a playing one
 * goes on playing.
 */
void
perp_replay_feed_seek (PerpReplayFeed *self,
                       gint64          time_ms)
{
  g_return_if_fail (PERP_IS_REPLAY_FEED (self));

  self->generation++;
  unschedule (self);
  self->pause_after = self->state != PERP_FEED_STATE_REPLAYING;
  self->mode = MODE_SEEK;
  self->target = time_ms;
  if (!open_sources (self))
    return;
  /* The warmup blocks are history too: collected with the rest. */
  self->state = PERP_FEED_STATE_REPLAYING;
  schedule_idle (self);
}

/**
 * perp_replay_feed_step:
 * @interval: plays (emitting, as fast as possible) up to the next close of a candle of
 *   this interval, then pauses
 */
void
perp_replay_feed_step (PerpReplayFeed *self,
                       PerpInterval    interval)
{
  gint64 from;

  g_return_if_fail (PERP_IS_REPLAY_FEED (self));
  g_return_if_fail (interval > PERP_INTERVAL_UNKNOWN && interval < PERP_N_INTERVALS);

  /* Nothing to step through at the end; a seek finishes first. */
  if (self->state == PERP_FEED_STATE_FINISHED
      || (self->state == PERP_FEED_STATE_REPLAYING && self->mode == MODE_SEEK))
    return;

  self->generation++;
  unschedule (self);

  if (!self->opened)
    {
      if (!open_sources (self))
        return;
    }

  from = self->data_time;
  if (from <= 0)
    {
      Source *s = next_source (self);

      if (s == NULL)
        {
          set_state (self, PERP_FEED_STATE_FINISHED, NULL);
          return;
        }
      from = s->key - 1;
    }

  self->mode = MODE_STEP;
  self->target = perp_interval_bucket_start (interval, from) + perp_interval_to_ms (interval);
  if (self->state != PERP_FEED_STATE_REPLAYING)
    set_state (self, PERP_FEED_STATE_REPLAYING, NULL);
  schedule_idle (self);
}

/**
 * perp_replay_feed_get_data_time:
 *
 * Returns: the data time reached (ms), 0 before the first event
 */
gint64
perp_replay_feed_get_data_time (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), 0);

  return self->data_time;
}

guint64
perp_replay_feed_get_n_skipped (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), 0);

  return self->n_skipped;
}

const char *
perp_replay_feed_get_first_skipped (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), NULL);

  return self->first_skipped;
}

/**
 * perp_replay_feed_get_failure:
 *
 * Returns: (nullable): why the feed FAILED ("FILE:LINE: ..."), or %NULL
 */
const char *
perp_replay_feed_get_failure (PerpReplayFeed *self)
{
  g_return_val_if_fail (PERP_IS_REPLAY_FEED (self), NULL);

  return self->failure;
}
