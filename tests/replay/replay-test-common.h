/* replay-test-common.h: the replay feed's signals written down as text, and reading
 * the fixtures without the code under test
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included by test-replay-feed.c and test-recorder.c.  Every signal of a PerpFeed
 * becomes one line holding every field it carries (doubles with %.17g), so two runs
 * are equal exactly when they emitted the same signals with the same values.
 */

#pragma once

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "io/perp-replay-feed.h"
#include "perp-test-support.h"

typedef struct
{
  GPtrArray     *lines;          /* every signal, as text */
  GPtrArray     *states;         /* PerpFeedState (as pointers), in order */
  PerpFeedState  last_state;
  gboolean       ended;          /* FINISHED or FAILED seen */
  char          *message;        /* of the last FAILED */
  gboolean       with_states;    /* also log state-changed lines */
  /* A handler's hook: called after each logged line. */
  void         (*hook)           (gpointer log, const char *line);
  gpointer       hook_data;
} EventLog;

static void
log_add (EventLog *log,
         char     *line)
{
  g_ptr_array_add (log->lines, line);
  if (log->hook != NULL)
    log->hook (log, line);
}

static void
append_candle (GString          *s,
               const PerpCandle *c)
{
  g_string_append_printf (s, " %" G_GINT64_FORMAT " %.17g %.17g %.17g %.17g %.17g %.17g %.17g %" G_GINT64_FORMAT,
                          c->open_time, c->open, c->high, c->low, c->close, c->volume, c->quote_volume,
                          c->taker_buy_volume, c->trade_count);
}

static void
append_levels (GString              *s,
               const PerpPriceLevel *levels,
               guint                 n)
{
  g_string_append_printf (s, " [%u", n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, " %" G_GINT64_FORMAT ":%.17g", levels[i].price_key, levels[i].qty);
  g_string_append_c (s, ']');
}

static void
on_candle (const char       *kind,
           const char       *symbol,
           guint             interval,
           const PerpCandle *candle,
           EventLog         *log)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s %s %s", kind, symbol, perp_interval_to_string (interval));
  append_candle (s, candle);
  log_add (log, g_string_free (s, FALSE));
}

static void
on_candle_updated (PerpFeed *feed, const char *symbol, guint interval, const PerpCandle *candle, EventLog *log)
{
  on_candle ("updated", symbol, interval, candle, log);
}

static void
on_candle_closed (PerpFeed *feed, const char *symbol, guint interval, const PerpCandle *candle, EventLog *log)
{
  on_candle ("closed", symbol, interval, candle, log);
}

static void
on_candles_loaded (PerpFeed          *feed,
                   const char        *symbol,
                   guint              interval,
                   const PerpCandles *candles,
                   EventLog          *log)
{
  GString *s = g_string_new (NULL);
  guint n = perp_candles_get_length (candles);

  g_string_append_printf (s, "loaded %s %s %u", symbol, perp_interval_to_string (interval), n);
  for (guint i = 0; i < n; i++)
    {
      PerpCandle c;

      perp_candles_get_candle (candles, i, &c);
      g_string_append (s, " |");
      append_candle (s, &c);
    }
  log_add (log, g_string_free (s, FALSE));
}

static void
on_depth_snapshot (PerpFeed *feed, const char *symbol, const PerpDepthSnapshot *snap, EventLog *log)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "snapshot %s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, symbol,
                          snap->last_update_id, snap->event_time);
  append_levels (s, snap->bids, snap->n_bids);
  append_levels (s, snap->asks, snap->n_asks);
  log_add (log, g_string_free (s, FALSE));
}

static void
on_depth (PerpFeed *feed, const char *symbol, const PerpDepthEvent *e, EventLog *log)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "depth %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " %" G_GUINT64_FORMAT " %d", symbol, e->event_time, e->transaction_time,
                          e->first_update_id, e->final_update_id, e->prev_final_update_id,
                          e->has_prev_final_update_id);
  append_levels (s, e->bids, e->n_bids);
  append_levels (s, e->asks, e->n_asks);
  log_add (log, g_string_free (s, FALSE));
}

static void
on_book_ticker (PerpFeed *feed, const char *symbol, const PerpBookTicker *t, EventLog *log)
{
  log_add (log, g_strdup_printf ("ticker %s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %.17g %"
                                 G_GINT64_FORMAT " %.17g", symbol, t->update_id, t->event_time, t->bid_key,
                                 t->bid_qty, t->ask_key, t->ask_qty));
}

static void
on_trade (PerpFeed *feed, const char *symbol, const PerpTrade *t, EventLog *log)
{
  log_add (log, g_strdup_printf ("trade %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %"
                                 G_GINT64_FORMAT " %.17g %.17g %d", symbol, t->event_time, t->trade_time, t->id,
                                 t->price_key, t->price, t->qty, t->buyer_is_maker));
}

static void
on_mark_price (PerpFeed *feed, const char *symbol, const PerpMarkPrice *m, EventLog *log)
{
  log_add (log, g_strdup_printf ("mark %s %" G_GINT64_FORMAT " %.17g %.17g %.17g %" G_GINT64_FORMAT, symbol,
                                 m->event_time, m->mark_price, m->index_price, m->funding_rate,
                                 m->next_funding_time));
}

static void
on_funding_rate (PerpFeed *feed, const char *symbol, gint64 time, double rate, EventLog *log)
{
  log_add (log, g_strdup_printf ("funding %s %" G_GINT64_FORMAT " %.17g", symbol, time, rate));
}

static void
on_liquidation (PerpFeed *feed, const char *symbol, const PerpLiqPrint *p, EventLog *log)
{
  log_add (log, g_strdup_printf ("liquidation %s %" G_GINT64_FORMAT " %d %.17g %.17g", symbol, p->time,
                                 (int) p->side, p->price, p->quantity));
}

static void
on_open_interest (PerpFeed *feed, const char *symbol, gint64 time, double oi, EventLog *log)
{
  log_add (log, g_strdup_printf ("oi %s %" G_GINT64_FORMAT " %.17g", symbol, time, oi));
}

static void
on_clock (PerpFeed *feed, gint64 time, EventLog *log)
{
  log_add (log, g_strdup_printf ("clock %" G_GINT64_FORMAT, time));
}

static void
on_state_changed (PerpFeed *feed, const PerpFeedStatus *status, EventLog *log)
{
  log->last_state = status->state;
  g_ptr_array_add (log->states, GUINT_TO_POINTER (status->state));
  if (status->state == PERP_FEED_STATE_FINISHED || status->state == PERP_FEED_STATE_FAILED)
    log->ended = TRUE;
  if (status->state == PERP_FEED_STATE_FAILED)
    {
      g_free (log->message);
      log->message = g_strdup (status->message);
    }
  if (log->with_states)
    log_add (log, g_strdup_printf ("state %s %" G_GINT64_FORMAT, perp_feed_state_to_string (status->state),
                                   status->data_time));
}

static void G_GNUC_UNUSED
event_log_init (EventLog *log,
                PerpFeed *feed)
{
  memset (log, 0, sizeof *log);
  log->lines = g_ptr_array_new_with_free_func (g_free);
  log->states = g_ptr_array_new ();
  log->last_state = PERP_FEED_STATE_OFFLINE;

  g_signal_connect (feed, "candle-updated", G_CALLBACK (on_candle_updated), log);
  g_signal_connect (feed, "candle-closed", G_CALLBACK (on_candle_closed), log);
  g_signal_connect (feed, "candles-loaded", G_CALLBACK (on_candles_loaded), log);
  g_signal_connect (feed, "depth-snapshot", G_CALLBACK (on_depth_snapshot), log);
  g_signal_connect (feed, "depth", G_CALLBACK (on_depth), log);
  g_signal_connect (feed, "book-ticker", G_CALLBACK (on_book_ticker), log);
  g_signal_connect (feed, "trade", G_CALLBACK (on_trade), log);
  g_signal_connect (feed, "mark-price", G_CALLBACK (on_mark_price), log);
  g_signal_connect (feed, "funding-rate", G_CALLBACK (on_funding_rate), log);
  g_signal_connect (feed, "liquidation", G_CALLBACK (on_liquidation), log);
  g_signal_connect (feed, "open-interest", G_CALLBACK (on_open_interest), log);
  g_signal_connect (feed, "clock", G_CALLBACK (on_clock), log);
  g_signal_connect (feed, "state-changed", G_CALLBACK (on_state_changed), log);
}

static void G_GNUC_UNUSED
event_log_clear (EventLog *log)
{
  g_clear_pointer (&log->lines, g_ptr_array_unref);
  g_clear_pointer (&log->states, g_ptr_array_unref);
  g_clear_pointer (&log->message, g_free);
}

static gboolean
guard_timeout (gpointer data)
{
  g_error ("the replay did not end within %u s", GPOINTER_TO_UINT (data));
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done says so, failing after @seconds. */
static void G_GNUC_UNUSED
iterate_until (gboolean (*done) (gpointer),
               gpointer   data,
               guint      seconds)
{
  guint guard = g_timeout_add_seconds (seconds, guard_timeout, GUINT_TO_POINTER (seconds));

  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

static gboolean
log_ended (gpointer data)
{
  return ((EventLog *) data)->ended;
}

/* Starts @feed and runs until FINISHED or FAILED. */
static void G_GNUC_UNUSED
run_to_end (PerpReplayFeed *feed,
            EventLog       *log)
{
  log->ended = FALSE;
  perp_feed_start (PERP_FEED (feed));
  iterate_until (log_ended, log, 120);
}

/* A feed over @paths (NULL-terminated), played as fast as possible, logged. */
G_GNUC_UNUSED static GPtrArray *
replay_paths (const char * const *paths,
              double              speed,
              gboolean            lenient,
              PerpFeedState      *end_state)
{
  g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
  EventLog log;
  GPtrArray *lines;

  perp_replay_feed_set_lenient (feed, lenient);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      perp_replay_feed_add_file (feed, paths[i], &error);
      g_assert_no_error (error);
    }
  perp_replay_feed_set_speed (feed, speed);
  event_log_init (&log, PERP_FEED (feed));
  run_to_end (feed, &log);
  if (end_state != NULL)
    *end_state = log.last_state;
  lines = g_ptr_array_ref (log.lines);
  g_signal_handlers_disconnect_matched (feed, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, &log);
  event_log_clear (&log);

  return lines;
}

/* Compares two logs line by line, describing the first difference. */
static void G_GNUC_UNUSED
assert_same_lines (GPtrArray *a,
                   GPtrArray *b)
{
  guint n = MIN (a->len, b->len);

  for (guint i = 0; i < n; i++)
    if (strcmp (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
      g_error ("line %u differs:\n  %.300s\n  %.300s", i, (char *) g_ptr_array_index (a, i),
               (char *) g_ptr_array_index (b, i));
  g_assert_cmpuint (a->len, ==, b->len);
}

static guint G_GNUC_UNUSED
count_prefix (GPtrArray  *lines,
              const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), prefix))
      n++;

  return n;
}

/* ------------------------------------------------------------------ raw captures */

/* One capture line as the test reads it: no PerpTickDecoder involved. */
typedef struct
{
  gint64  recv_ns;
  char   *stream;
  char   *data;      /* the payload text exactly as in the line */
  char   *symbol;    /* the payload's "s", or NULL */
  gint64  time;      /* T for trades, E otherwise, 0 if none */
  /* trades */
  double  price;
  double  qty;
  gboolean buyer_is_maker;
} RawLine;

static void
raw_line_free (gpointer data)
{
  RawLine *r = data;

  g_free (r->stream);
  g_free (r->data);
  g_free (r->symbol);
  g_free (r);
}

static double
member_decimal (JsonObject *o,
                const char *name)
{
  const char *text = json_object_get_string_member (o, name);

  return g_ascii_strtod (text, NULL);
}

/* Every line of a capture (plain or gzip'd), parsed with the test's own JsonParser;
 * the payload text is cut out of the line between "data": and the closing brace. */
G_GNUC_UNUSED static GPtrArray *
raw_read (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_autoptr(GInputStream) plain = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (raw_line_free);
  char *line;

  g_assert_no_error (error);
  if (g_str_has_suffix (path, ".gz"))
    {
      g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      plain = g_converter_input_stream_new (in, G_CONVERTER (z));
    }
  else
    {
      plain = g_object_ref (in);
    }
  data = g_data_input_stream_new (plain);

  while ((line = g_data_input_stream_read_line (data, NULL, NULL, &error)) != NULL)
    {
      RawLine *r = g_new0 (RawLine, 1);
      JsonObject *o;
      JsonNode *d;
      const char *at = strstr (line, "\"data\":");

      json_parser_load_from_data (parser, line, -1, &error);
      g_assert_no_error (error);
      o = json_node_get_object (json_parser_get_root (parser));
      r->recv_ns = json_object_get_int_member (o, "recv_ns");
      r->stream = g_strdup (json_object_get_string_member (o, "stream"));
      g_assert_nonnull (at);
      at += strlen ("\"data\":");
      r->data = g_strndup (at, strlen (at) - 1);
      g_assert_true (line[strlen (line) - 1] == '}');

      d = json_object_get_member (o, "data");
      if (JSON_NODE_HOLDS_OBJECT (d))
        {
          JsonObject *p = json_node_get_object (d);

          if (json_object_has_member (p, "s"))
            r->symbol = g_strdup (json_object_get_string_member (p, "s"));
          if (g_str_has_suffix (r->stream, "@trade"))
            {
              r->time = json_object_get_int_member (p, "T");
              r->price = member_decimal (p, "p");
              r->qty = member_decimal (p, "q");
              r->buyer_is_maker = json_object_get_boolean_member (p, "m");
            }
          else if (json_object_has_member (p, "E"))
            {
              r->time = json_object_get_int_member (p, "E");
            }
        }
      g_ptr_array_add (out, r);
      g_free (line);
    }
  g_assert_no_error (error);

  return out;
}

/* The candles of @interval_ms a second pass over @trades gives: bucket by trade time,
 * first/max/min/last price, sums, empty buckets flat at the previous close. */
G_GNUC_UNUSED static GArray *
expected_candles (GPtrArray *trades,
                  gint64     interval_ms)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (PerpCandle));

  for (guint i = 0; i < trades->len; i++)
    {
      RawLine *r = g_ptr_array_index (trades, i);
      gint64 open = r->time / interval_ms * interval_ms;
      PerpCandle *last = out->len > 0 ? &g_array_index (out, PerpCandle, out->len - 1) : NULL;

      while (last != NULL && last->open_time + interval_ms < open)
        {
          PerpCandle flat = { 0 };

          flat.open_time = last->open_time + interval_ms;
          flat.open = flat.high = flat.low = flat.close = last->close;
          g_array_append_val (out, flat);
          last = &g_array_index (out, PerpCandle, out->len - 1);
        }
      if (last == NULL || last->open_time < open)
        {
          PerpCandle c = { 0 };

          c.open_time = open;
          c.open = c.high = c.low = c.close = r->price;
          g_array_append_val (out, c);
          last = &g_array_index (out, PerpCandle, out->len - 1);
        }
      g_assert_cmpint (last->open_time, ==, open);
      last->high = MAX (last->high, r->price);
      last->low = MIN (last->low, r->price);
      last->close = r->price;
      last->volume += r->qty;
      last->quote_volume += r->price * r->qty;
      if (!r->buyer_is_maker)
        last->taker_buy_volume += r->qty;
      last->trade_count++;
    }

  return out;
}

static void G_GNUC_UNUSED
assert_candle_equal (const PerpCandle *a,
                     const PerpCandle *b)
{
  g_assert_cmpint (a->open_time, ==, b->open_time);
  g_assert_cmpfloat (a->open, ==, b->open);
  g_assert_cmpfloat (a->high, ==, b->high);
  g_assert_cmpfloat (a->low, ==, b->low);
  g_assert_cmpfloat (a->close, ==, b->close);
  g_assert_cmpfloat_with_epsilon (a->volume, b->volume, 1e-9 * MAX (1, fabs (b->volume)));
  g_assert_cmpfloat_with_epsilon (a->quote_volume, b->quote_volume, 1e-9 * MAX (1, fabs (b->quote_volume)));
  g_assert_cmpfloat_with_epsilon (a->taker_buy_volume, b->taker_buy_volume, 1e-9 * MAX (1, fabs (b->taker_buy_volume)));
  g_assert_cmpint (a->trade_count, ==, b->trade_count);
}
