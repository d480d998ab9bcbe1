/* fuzz-binance.c: the Binance REST response decoders
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a response body.  It is parsed with json-glib, as the feed's
 * parse_body() does, and the root goes to every decoder of perp-binance-decode.h in
 * turn: a body meant for one is garbage to the others, and each must turn it away
 * with a GError.  The raw bytes also go to perp_binance_dup_error_message(), which
 * parses them itself.
 */

#include <string.h>

#include <json-glib/json-glib.h>

#include "core/perp-order-book.h"
#include "io/perp-binance-decode.h"

#include "fuzz-target.h"

#define WHERE "fuzz"

static void
check_result (gboolean  ok,
              GError  **error)
{
  /* A decoder that fails must say why; one that succeeds must not. */
  g_assert (ok == (*error == NULL));
  g_clear_error (error);
}

static void
fuzz_klines (JsonNode     *root,
             PerpInterval  interval)
{
  g_autoptr(PerpCandles) candles = perp_candles_new (interval, PERP_CANDLE_FIELD_ALL);
  g_autoptr(GError) error = NULL;
  PerpCandle forming;
  gboolean has_forming = FALSE;
  gboolean ok;
  guint len;

  /* Everything closed, as the replay reads a recorded block... */
  ok = perp_binance_decode_klines (root, WHERE, G_MAXINT64, candles, &forming, &has_forming, &error);
  check_result (ok, &error);
  if (!ok)
    return;

  /* ...then the same rows again onto what is there, with the last one still forming,
   * as the feed's next poll does: rows already held are skipped. */
  len = perp_candles_get_length (candles);
  if (len > 0)
    {
      /* A clock reads no earlier than the epoch: closed_before is a time, not a row's
       * field, so it is kept in the range the callers pass. */
      gint64 last_open = MAX (perp_candles_get_open_time (candles)[len - 1], 0);

      ok = perp_binance_decode_klines (root, WHERE, last_open, candles, &forming, &has_forming, &error);
      check_result (ok, &error);
    }
  /* And with nothing closed yet (a clock at the epoch). */
  ok = perp_binance_decode_klines (root, WHERE, 0, candles, NULL, NULL, &error);
  check_result (ok, &error);
}

static void
fuzz_decoders (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  fuzz_klines (root, PERP_INTERVAL_1M);
  fuzz_klines (root, PERP_INTERVAL_1W);

  {
    g_autoptr(GArray) bids = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
    g_autoptr(GArray) asks = g_array_new (FALSE, FALSE, sizeof (PerpPriceLevel));
    PerpDepthSnapshot snapshot;

    ok = perp_binance_decode_depth (root, WHERE, bids, asks, &snapshot, &error);
    check_result (ok, &error);
    if (ok)
      {
        /* The feed hands the snapshot to the book as it is. */
        g_autoptr(PerpOrderBook) book = perp_order_book_new (PERP_BOOK_MARKET_USDM);
        PerpPriceLevel level;

        ok = perp_order_book_apply_snapshot (book, &snapshot, &error);
        check_result (ok, &error);
        perp_order_book_get_best (book, PERP_BOOK_BID, &level);
        perp_order_book_get_best (book, PERP_BOOK_ASK, &level);
      }
  }

  {
    gint64 time = 0;
    double open_interest = 0;

    ok = perp_binance_decode_open_interest (root, WHERE, &time, &open_interest, &error);
    check_result (ok, &error);
  }

  {
    PerpMarkPrice mark;

    ok = perp_binance_decode_premium_index (root, WHERE, &mark, &error);
    check_result (ok, &error);
  }

  {
    g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));

    ok = perp_binance_decode_funding_rates (root, WHERE, times, rates, &error);
    check_result (ok, &error);
    g_assert (times->len == rates->len);
  }

  {
    PerpBinanceTicker24h ticker;

    ok = perp_binance_decode_ticker_24hr (root, WHERE, &ticker, &error);
    check_result (ok, &error);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *message = NULL;

  message = perp_binance_dup_error_message ((const char *) data, size);

  /* json-glib takes the length, so the body needs no NUL, as a SoupMessage's has none. */
  if (json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);

      if (root != NULL)
        fuzz_decoders (root);
    }

  return 0;
}
