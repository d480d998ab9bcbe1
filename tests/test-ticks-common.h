/* test-ticks-common.h: replaying tick captures in the tests, with checks computed apart
 * from the code under test
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included by test-tick-reader.c (fixtures, io suite) and test-flow-data.c (the full
 * captures, data suite).  The bookTicker tops and the trade sums are read straight from
 * the raw lines with the test's own JsonParser and g_ascii_strtod, never through
 * PerpTickDecoder, so a decoder bug cannot hide a book bug (or the reverse).
 */

#pragma once

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-book-metrics.h"
#include "core/perp-order-book.h"
#include "core/perp-trade-flow.h"
#include "io/perp-tick-reader.h"

typedef struct
{
  double bid;
  double bid_qty;
  double ask;
  double ask_qty;
} TestTop;

/* What the raw lines say, read without the decoder. */
typedef struct
{
  GHashTable *tickers;      /* guint64 u (boxed) -> TestTop */
  guint64     n_depth;
  guint64     n_trades;
  guint64     n_tickers;
  guint64     n_snapshots;
  guint64     first_snapshot_id;
  GArray     *pre_snapshot_u;  /* guint64: final ids of the depth events before the first snapshot */
  double      buy_volume;   /* summed in file order */
  double      sell_volume;
  double      cvd;
} TestRaw;

typedef struct
{
  PerpOrderBook       *book;
  PerpBookTickerCheck *check;
  PerpTradeFlow       *flow;
  guint64              n_checks;       /* book tops compared with a bookTicker */
  guint64              n_mismatches;
  GString             *mismatches;     /* the first few, described */
  guint64              n_gaps;
  GString             *gaps;
  guint64              n_applied_crossed;
  guint64              n_events[PERP_TICK_N_KINDS];
  gboolean             synced_once;
} TestReplay;

static gboolean G_GNUC_UNUSED
test_member_double (JsonObject *object,
                    const char *name,
                    double     *out)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;
  char *end = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  *out = g_ascii_strtod (text, &end);

  return end != text && *end == '\0';
}

static void G_GNUC_UNUSED
test_raw_clear (TestRaw *raw)
{
  g_clear_pointer (&raw->tickers, g_hash_table_unref);
  g_clear_pointer (&raw->pre_snapshot_u, g_array_unref);
}

/* Reads every line of @paths (in order) with a plain JsonParser; lines that are not
 * well-formed messages are ignored here (the reader's tests deal with them). */
static void G_GNUC_UNUSED
test_raw_scan (const char * const *paths,
               TestRaw            *raw)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  memset (raw, 0, sizeof *raw);
  raw->tickers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  raw->pre_snapshot_u = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint f = 0; paths[f] != NULL; f++)
    {
      g_autoptr(PerpTickReader) reader = NULL;
      g_autoptr(GError) error = NULL;
      const char *line;
      gsize length;

      reader = perp_tick_reader_open (paths[f], PERP_TICK_READER_FLAGS_NONE, &error);
      g_assert_no_error (error);

      while ((line = perp_tick_reader_next_line (reader, &length, &error)) != NULL)
        {
          JsonNode *root;
          JsonObject *object;
          JsonObject *data;
          const char *stream;

          if (!json_parser_load_from_data (parser, line, (gssize) length, NULL)
              || (root = json_parser_get_root (parser)) == NULL
              || !JSON_NODE_HOLDS_OBJECT (root))
            continue;
          object = json_node_get_object (root);
          if (!json_object_has_member (object, "stream") || !json_object_has_member (object, "data"))
            continue;
          stream = json_object_get_string_member (object, "stream");
          data = json_object_get_object_member (object, "data");
          if (stream == NULL || data == NULL)
            continue;

          if (g_str_has_suffix (stream, "@bookTicker"))
            {
              TestTop top;

              if (!json_object_has_member (data, "u")
                  || !test_member_double (data, "b", &top.bid) || !test_member_double (data, "B", &top.bid_qty)
                  || !test_member_double (data, "a", &top.ask) || !test_member_double (data, "A", &top.ask_qty))
                continue;
              g_hash_table_insert (raw->tickers,
                                   g_memdup2 (&(gint64) { json_object_get_int_member (data, "u") }, sizeof (gint64)),
                                   g_memdup2 (&top, sizeof top));
              raw->n_tickers++;
            }
          else if (g_str_has_suffix (stream, "@trade"))
            {
              double qty;

              if (!test_member_double (data, "q", &qty) || !json_object_has_member (data, "m"))
                continue;
              /* m: the buyer was the maker, so the taker sold. */
              if (json_object_get_boolean_member (data, "m"))
                {
                  raw->sell_volume += qty;
                  raw->cvd += -qty;
                }
              else
                {
                  raw->buy_volume += qty;
                  raw->cvd += qty;
                }
              raw->n_trades++;
            }
          else if (strstr (stream, "@depth") != NULL)
            {
              if (raw->n_snapshots == 0 && json_object_has_member (data, "u"))
                {
                  guint64 u = (guint64) json_object_get_int_member (data, "u");

                  g_array_append_val (raw->pre_snapshot_u, u);
                }
              raw->n_depth++;
            }
          else if (strcmp (stream, "rest_depth_snapshot") == 0)
            {
              if (raw->n_snapshots++ == 0)
                raw->first_snapshot_id = (guint64) json_object_get_int_member (data, "lastUpdateId");
            }
        }
      g_assert_no_error (error);
    }
}

static void G_GNUC_UNUSED
test_replay_init (TestReplay *r)
{
  memset (r, 0, sizeof *r);
  r->book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  r->check = perp_book_ticker_check_new ();
  r->flow = perp_trade_flow_new (NULL);
  r->mismatches = g_string_new (NULL);
  r->gaps = g_string_new (NULL);
}

static void G_GNUC_UNUSED
test_replay_clear (TestReplay *r)
{
  g_clear_pointer (&r->book, perp_order_book_free);
  g_clear_pointer (&r->check, perp_book_ticker_check_free);
  g_clear_pointer (&r->flow, perp_trade_flow_free);
  if (r->mismatches != NULL)
    g_string_free (g_steal_pointer (&r->mismatches), TRUE);
  if (r->gaps != NULL)
    g_string_free (g_steal_pointer (&r->gaps), TRUE);
}

/* After the book applied an event: its top against the bookTicker with the same id. */
static void G_GNUC_UNUSED
test_replay_after_apply (TestReplay    *r,
                         const TestRaw *raw)
{
  gint64 u = (gint64) perp_order_book_get_update_id (r->book);
  const TestTop *expected = g_hash_table_lookup (raw->tickers, &u);
  PerpPriceLevel bid;
  PerpPriceLevel ask;
  gboolean have;

  perp_book_ticker_check_depth (r->check, r->book);
  if (perp_order_book_check (r->book, 0, 0) & PERP_BOOK_HEALTH_CROSSED)
    r->n_applied_crossed++;

  if (expected == NULL)
    return;

  r->n_checks++;
  have = perp_order_book_get_best (r->book, PERP_BOOK_BID, &bid)
         && perp_order_book_get_best (r->book, PERP_BOOK_ASK, &ask);
  if (have
      && perp_price_key_to_double (bid.price_key) == expected->bid && bid.qty == expected->bid_qty
      && perp_price_key_to_double (ask.price_key) == expected->ask && ask.qty == expected->ask_qty)
    return;

  if (r->n_mismatches++ < 3)
    g_string_append_printf (r->mismatches,
                            "  u=%" G_GINT64_FORMAT ": book %.10g x %.10g / %.10g x %.10g, bookTicker %.10g x %.10g / %.10g x %.10g\n",
                            u, have ? perp_price_key_to_double (bid.price_key) : NAN, have ? bid.qty : NAN,
                            have ? perp_price_key_to_double (ask.price_key) : NAN, have ? ask.qty : NAN,
                            expected->bid, expected->bid_qty, expected->ask, expected->ask_qty);
}

static void G_GNUC_UNUSED
test_replay_depth (TestReplay           *r,
                   const TestRaw        *raw,
                   const PerpDepthEvent *event,
                   const char           *where)
{
  g_autoptr(GError) error = NULL;

  switch (perp_order_book_apply_depth (r->book, event, &error))
    {
    case PERP_BOOK_RESULT_APPLIED:
      test_replay_after_apply (r, raw);
      break;
    case PERP_BOOK_RESULT_GAP:
      g_assert_nonnull (error);
      if (r->n_gaps++ < 3)
        g_string_append_printf (r->gaps, "  %s: %s\n", where, error->message);
      break;
    case PERP_BOOK_RESULT_BUFFERED:
    case PERP_BOOK_RESULT_SKIPPED:
    default:
      break;
    }
}

/* A copy of a depth event that outlives the decoder's buffers. */
static PerpDepthEvent * G_GNUC_UNUSED
test_depth_copy (const PerpDepthEvent *event)
{
  PerpDepthEvent *copy = g_malloc (sizeof *copy + (event->n_bids + event->n_asks) * sizeof (PerpPriceLevel));
  PerpPriceLevel *levels = (PerpPriceLevel *) (copy + 1);

  *copy = *event;
  memcpy (levels, event->bids, event->n_bids * sizeof (PerpPriceLevel));
  memcpy (levels + event->n_bids, event->asks, event->n_asks * sizeof (PerpPriceLevel));
  copy->bids = levels;
  copy->asks = levels + event->n_bids;

  return copy;
}

/* Replays @paths in order through the book (and the flow).  Depth events before the
 * first snapshot are held here and applied one by one after it, rather than buffered
 * by the book, so that every applied event can be checked.  Reader errors fail the test. */
static void G_GNUC_UNUSED
test_replay_run (TestReplay          *r,
                 const TestRaw       *raw,
                 const char * const  *paths,
                 PerpTickReaderFlags  flags)
{
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_free);

  for (guint f = 0; paths[f] != NULL; f++)
    {
      g_autoptr(PerpTickReader) reader = NULL;
      g_autoptr(GError) error = NULL;
      PerpTickEvent event;

      reader = perp_tick_reader_open (paths[f], flags, &error);
      g_assert_no_error (error);

      while (perp_tick_reader_next (reader, &event, &error))
        {
          g_autofree char *where = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, paths[f],
                                                    perp_tick_reader_get_line (reader));

          r->n_events[event.kind]++;
          switch (event.kind)
            {
            case PERP_TICK_DEPTH:
              if (!r->synced_once)
                g_ptr_array_add (held, test_depth_copy (&event.depth));
              else
                test_replay_depth (r, raw, &event.depth, where);
              break;

            case PERP_TICK_SNAPSHOT:
              {
                g_autoptr(GError) snapshot_error = NULL;

                g_assert_true (perp_order_book_apply_snapshot (r->book, &event.snapshot, &snapshot_error));
                g_assert_no_error (snapshot_error);
                r->synced_once = TRUE;
                for (guint i = 0; i < held->len; i++)
                  test_replay_depth (r, raw, g_ptr_array_index (held, i), where);
                g_ptr_array_set_size (held, 0);
              }
              break;

            case PERP_TICK_TRADE:
              perp_trade_flow_add (r->flow, &event.trade);
              break;

            case PERP_TICK_BOOK_TICKER:
              perp_book_ticker_check_ticker (r->check, &event.ticker);
              break;

            case PERP_TICK_KLINE:

            case PERP_TICK_MARK_PRICE:

            case PERP_TICK_LIQUIDATION:

            case PERP_TICK_OTHER:
            default:
              break;
            }
        }
      g_assert_no_error (error);
    }
}
