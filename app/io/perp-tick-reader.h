/* perp-tick-reader.h: Binance market messages (recorded captures, WebSocket payloads)
 * decoded into core events
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "core/perp-candles.h"
#include "core/perp-interval.h"
#include "core/perp-liquidation-map.h"
#include "core/perp-order-book.h"
#include "core/perp-trade-flow.h"

G_BEGIN_DECLS

#define PERP_TICK_ERROR (perp_tick_error_quark ())

typedef enum
{
  PERP_TICK_ERROR_IO,      /* the file cannot be read, or its gzip stream is corrupt */
  PERP_TICK_ERROR_JSON,    /* a line that is not JSON */
  PERP_TICK_ERROR_FORMAT,  /* JSON, but not a message of the expected shape */
  PERP_TICK_ERROR_NUMBER,  /* a price, quantity or id that is not a valid number */
} PerpTickError;

/**
 * PerpTickKind:
 * @PERP_TICK_DEPTH: a diff-depth event (`depthUpdate`)
 * @PERP_TICK_SNAPSHOT: a REST depth snapshot (the captures' `rest_depth_snapshot` line)
 * @PERP_TICK_TRADE: a trade or an aggregate trade
 * @PERP_TICK_BOOK_TICKER: a best bid/ask update
 * @PERP_TICK_KLINE: a kline stream message (`kline`), forming or closed
 * @PERP_TICK_MARK_PRICE: a mark price stream message (`markPriceUpdate`)
 * @PERP_TICK_LIQUIDATION: a liquidation print (`forceOrder`)
 * @PERP_TICK_OTHER: a well-formed message of a stream not decoded here (24hrTicker, ...)
 */
typedef enum
{
  PERP_TICK_DEPTH,
  PERP_TICK_SNAPSHOT,
  PERP_TICK_TRADE,
  PERP_TICK_BOOK_TICKER,
  PERP_TICK_KLINE,
  PERP_TICK_MARK_PRICE,
  PERP_TICK_LIQUIDATION,
  PERP_TICK_OTHER,
} PerpTickKind;

#define PERP_TICK_N_KINDS (PERP_TICK_OTHER + 1)

/**
 * PerpKline: a kline stream message
 * @event_time: E
 * @interval: the kline's `i`
 * @candle: its OHLCV (t, o, h, l, c, v, q, V, n)
 * @closed: `x`: the candle is final; only then may it be committed
 */
typedef struct
{
  gint64       event_time;
  PerpInterval interval;
  PerpCandle   candle;
  gboolean     closed;
} PerpKline;

/**
 * PerpMarkPrice: a markPrice stream message (or a premiumIndex response)
 * @funding_rate: the estimated rate of the current period (`r`)
 */
typedef struct
{
  gint64 event_time;
  double mark_price;
  double index_price;
  double funding_rate;
  gint64 next_funding_time;
} PerpMarkPrice;

/**
 * PerpTickEvent:
 * @kind: which member of the union is filled
 * @recv_ns: local receive time from the capture envelope, 0 when there is none
 * @symbol: (nullable): the payload's `s`
 *
 * One decoded message.  Everything it points to belongs to the decoder and stays valid
 * until its next message.
 */
typedef struct
{
  PerpTickKind  kind;
  gint64        recv_ns;
  const char   *symbol;
  union {
    PerpDepthEvent    depth;
    PerpDepthSnapshot snapshot;
    PerpTrade         trade;
    PerpBookTicker    ticker;
    PerpKline         kline;
    PerpMarkPrice     mark;
    PerpLiqPrint      liquidation;  /* side LONG: a long was liquidated (a SELL order) */
  };
} PerpTickEvent;

typedef enum
{
  PERP_TICK_READER_FLAGS_NONE    = 0,
  /* Skip lines that are not valid messages and count them instead of failing. */
  PERP_TICK_READER_FLAGS_LENIENT = 1 << 0,
} PerpTickReaderFlags;

typedef struct _PerpTickDecoder PerpTickDecoder;
typedef struct _PerpTickReader  PerpTickReader;

GQuark           perp_tick_error_quark            (void);
const char      *perp_tick_kind_to_string         (PerpTickKind          kind);
gint64           perp_tick_event_time             (const PerpTickEvent *event);

PerpTickDecoder *perp_tick_decoder_new            (void);
void             perp_tick_decoder_free           (PerpTickDecoder      *self);
gboolean         perp_tick_decoder_decode         (PerpTickDecoder      *self,
                                                   const char           *text,
                                                   gssize                length,
                                                   PerpTickEvent        *event,
                                                   GError              **error);

PerpTickReader  *perp_tick_reader_open            (const char           *path,
                                                   PerpTickReaderFlags   flags,
                                                   GError              **error);
void             perp_tick_reader_free            (PerpTickReader       *self);
const char      *perp_tick_reader_next_line       (PerpTickReader       *self,
                                                   gsize                *length,
                                                   GError              **error);
gboolean         perp_tick_reader_next            (PerpTickReader       *self,
                                                   PerpTickEvent        *event,
                                                   GError              **error);
const char      *perp_tick_reader_get_path        (const PerpTickReader *self);
guint64          perp_tick_reader_get_line        (const PerpTickReader *self);
guint64          perp_tick_reader_get_n_skipped   (const PerpTickReader *self);
const char      *perp_tick_reader_get_first_skipped (const PerpTickReader *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpTickDecoder, perp_tick_decoder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PerpTickReader, perp_tick_reader_free)

G_END_DECLS
