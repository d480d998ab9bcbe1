/* perp-binance-decode.h: Binance USDT-M REST responses decoded into core structs
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "core/perp-candles.h"
#include "perp-tick-reader.h"

G_BEGIN_DECLS

/*
 * Decoders for the REST responses the feed asks for and the recorder stores.  Each
 * takes the parsed JSON root, appends/fills, and fails with PERP_TICK_ERROR_FORMAT or
 * _NUMBER naming @where (a URL or "FILE:LINE") and the element ("[3][4]: \"abc\" is not
 * a number").  Nothing is appended on failure.
 */

/* GET /fapi/v1/klines: an array of 12-element arrays.  Appends the candles whose
 * close time (open + interval) is <= @closed_before to @candles (rows at or before
 * the last candle already in @candles are skipped); the rest are the forming one,
 * returned in @forming when non-NULL (has_forming set). */
gboolean perp_binance_decode_klines        (JsonNode       *root,
                                            const char     *where,
                                            gint64          closed_before,
                                            PerpCandles    *candles,
                                            PerpCandle     *forming,
                                            gboolean       *has_forming,
                                            GError        **error);
/* GET /fapi/v1/depth */
gboolean perp_binance_decode_depth         (JsonNode       *root,
                                            const char     *where,
                                            GArray         *bids,    /* PerpPriceLevel */
                                            GArray         *asks,
                                            PerpDepthSnapshot *snapshot,
                                            GError        **error);
/* GET /fapi/v1/openInterest: {"openInterest","symbol","time"} */
gboolean perp_binance_decode_open_interest (JsonNode       *root,
                                            const char     *where,
                                            gint64         *time,
                                            double         *open_interest,
                                            GError        **error);
/* GET /fapi/v1/premiumIndex?symbol=S */
gboolean perp_binance_decode_premium_index (JsonNode       *root,
                                            const char     *where,
                                            PerpMarkPrice  *mark,
                                            GError        **error);
/* GET /fapi/v1/fundingRate: array of {"symbol","fundingTime","fundingRate",...};
 * appends to two GArrays (gint64 times, double rates) in the response's order. */
gboolean perp_binance_decode_funding_rates (JsonNode       *root,
                                            const char     *where,
                                            GArray         *times,
                                            GArray         *rates,
                                            GError        **error);

/**
 * PerpBinanceTicker24h: GET /fapi/v1/ticker/24hr?symbol=S
 * @price_change_percent: "priceChangePercent", in percent
 * @count: number of trades in the window
 */
typedef struct
{
  double last_price;
  double open_price;
  double high_price;
  double low_price;
  double volume;
  double quote_volume;
  double price_change_percent;
  gint64 open_time;
  gint64 close_time;
  gint64 count;
} PerpBinanceTicker24h;

gboolean perp_binance_decode_ticker_24hr   (JsonNode             *root,
                                            const char           *where,
                                            PerpBinanceTicker24h *ticker,
                                            GError              **error);

/* An error response body ({"code": -1121, "msg": "Invalid symbol."}): its "msg", or
 * %NULL when @body is not such an object. */
char    *perp_binance_dup_error_message    (const char     *body,
                                            gsize           length);

G_END_DECLS
