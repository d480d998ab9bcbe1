/* fuzz-tick.c: the tick-capture decoder, and the book and flow behind it
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a capture: lines of JSON, each one message (bare, or in the recorder's
 * {"recv_ns","stream","data"} envelope).  Each line goes through one
 * perp_tick_decoder_decode(), as perp_tick_reader_next() does, and what it accepts goes
 * on to the consumers the replay and the CLI feed it to: depth events and snapshots to
 * an order book (with the book-ticker check, the spoof tracker and the book metrics),
 * trades to a trade flow.  Those trust the decoder's output, so they are fuzzed with it.
 */

#include <string.h>

#include "core/perp-book-metrics.h"
#include "core/perp-order-book.h"
#include "core/perp-trade-flow.h"
#include "io/perp-tick-reader.h"

#include "fuzz-target.h"

/* A capture line is at most a few kB; more lines than this only repeat the same paths
 * more slowly. */
#define MAX_LINES 512

typedef struct
{
  PerpOrderBook       *book;
  PerpBookTickerCheck *check;
  PerpSpoofTracker    *spoofs;
  PerpTradeFlow       *flow;
  gint64               last_time;
} Consumers;

static void
apply (Consumers           *c,
       const PerpTickEvent *event)
{
  g_autoptr(GError) error = NULL;
  gint64 time = perp_tick_event_time (event);

  if (time > c->last_time)
    c->last_time = time;

  switch (event->kind)
    {
    case PERP_TICK_DEPTH:
      switch (perp_order_book_apply_depth (c->book, &event->depth, &error))
        {
        case PERP_BOOK_RESULT_APPLIED:
          perp_book_ticker_check_depth (c->check, c->book);
          perp_spoof_tracker_observe_depth (c->spoofs, c->book, &event->depth);
          break;
        case PERP_BOOK_RESULT_BUFFERED:
        case PERP_BOOK_RESULT_SKIPPED:
        case PERP_BOOK_RESULT_GAP:
        default:
          break;
        }
      break;

    case PERP_TICK_SNAPSHOT:
      perp_spoof_tracker_reset (c->spoofs);
      if (perp_order_book_apply_snapshot (c->book, &event->snapshot, &error)
          && perp_order_book_get_state (c->book) == PERP_BOOK_STATE_LIVE)
        perp_book_ticker_check_depth (c->check, c->book);
      break;

    case PERP_TICK_TRADE:
      perp_trade_flow_add (c->flow, &event->trade);
      perp_spoof_tracker_observe_trade (c->spoofs, event->trade.price_key, event->trade.trade_time);
      break;

    case PERP_TICK_BOOK_TICKER:
      perp_book_ticker_check_ticker (c->check, &event->ticker);
      break;

    case PERP_TICK_KLINE:
    case PERP_TICK_MARK_PRICE:
    case PERP_TICK_LIQUIDATION:
    case PERP_TICK_OTHER:
    default:
      /* Decoded (and its strings read below); nothing in the book or flow takes it. */
      break;
    }

  if (event->symbol != NULL)
    (void) strlen (event->symbol);
  (void) perp_tick_kind_to_string (event->kind);
}

/* What a window or the CLI asks of the consumers once the messages are in. */
static void
read_back (Consumers *c)
{
  PerpBookMetricsParams params;
  PerpBookMetrics metrics;
  PerpBookStats stats;
  PerpPriceLevel level;
  PerpFlowWindow window;
  PerpFlowTotals totals;
  PerpFlowBar bar;
  g_autoptr(GArray) spoofs = g_array_new (FALSE, FALSE, sizeof (PerpSpoof));
  g_autofree char *health = NULL;

  perp_order_book_get_stats (c->book, &stats);
  health = perp_book_health_to_string (perp_order_book_check (c->book, c->last_time, 1000));
  for (PerpBookSide side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      guint n = perp_order_book_get_n_levels (c->book, side);

      perp_order_book_get_best (c->book, side, &level);
      if (n > 0 && perp_order_book_get_level (c->book, side, n - 1, &level))
        (void) perp_order_book_get_qty_at (c->book, side, level.price_key);
    }
  perp_book_metrics_params_init (&params);
  perp_book_metrics_compute (c->book, &params, c->last_time, 1000, &metrics);
  (void) perp_book_nobi_top (c->book, 5);
  (void) perp_book_ticker_check_get_first_failure (c->check);
  perp_spoof_tracker_collect (c->spoofs, c->last_time, spoofs);

  perp_trade_flow_advance (c->flow, c->last_time);
  perp_trade_flow_get_window (c->flow, c->last_time, &window);
  perp_trade_flow_get_totals (c->flow, &totals);
  perp_trade_flow_get_forming (c->flow, &bar);
  for (guint i = 0; i < perp_trade_flow_get_n_bars (c->flow); i++)
    (void) perp_trade_flow_get_bar (c->flow, i);
  (void) perp_trade_flow_get_average_size (c->flow);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  PerpTradeFlowParams flow_params;
  PerpSpoofParams spoof_params;
  Consumers c = { 0 };
  const char *text = (const char *) data;
  const char *end = text + size;
  guint n_lines = 0;

  c.book = perp_order_book_new (PERP_BOOK_MARKET_AUTO);
  c.check = perp_book_ticker_check_new ();
  perp_spoof_params_init (&spoof_params);
  c.spoofs = perp_spoof_tracker_new (&spoof_params);
  perp_trade_flow_params_init (&flow_params);
  c.flow = perp_trade_flow_new (&flow_params);
  c.last_time = G_MININT64;

  while (text < end && n_lines++ < MAX_LINES)
    {
      const char *newline = memchr (text, '\n', end - text);
      const char *line_end = newline != NULL ? newline : end;
      g_autoptr(GError) error = NULL;
      PerpTickEvent event;

      /* The length is passed, never a NUL: the line is not terminated in the input. */
      if (perp_tick_decoder_decode (decoder, text, line_end - text, &event, &error))
        apply (&c, &event);
      else
        g_assert (error != NULL);

      text = newline != NULL ? newline + 1 : end;
    }

  if (c.last_time == G_MININT64)
    c.last_time = 0;
  read_back (&c);

  perp_trade_flow_free (c.flow);
  perp_spoof_tracker_free (c.spoofs);
  perp_book_ticker_check_free (c.check);
  perp_order_book_free (c.book);

  return 0;
}
