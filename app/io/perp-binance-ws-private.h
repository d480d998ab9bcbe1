/* perp-binance-ws-private.h: one Binance combined-stream WebSocket connection that
 * keeps itself alive (watchdog, reconnect with backoff, rotation)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "perp-feed.h"

G_BEGIN_DECLS

typedef struct
{
  guint keepalive_s;
  guint backoff_initial_ms;
  guint backoff_max_ms;
  guint rotate_after_s;
} PerpBinanceWsParams;

/* "<base>/stream?streams=a/b/c" (a trailing '/' of @base is dropped). */
char     *_perp_binance_combined_url     (const char         *base,
                                          const char * const *streams,
                                          guint               n_streams);
/* Finds "stream" and "data" in a combined-stream envelope
 * ({"stream":"btcusdt@aggTrade","data":{...}}) without parsing all of it; %FALSE when
 * @text is not laid out that way. */
gboolean  _perp_binance_split_envelope   (const char         *text,
                                          gsize               length,
                                          const char        **stream,
                                          gsize              *stream_length,
                                          const char        **data,
                                          gsize              *data_length);

/*
 * PerpBinanceWs.  Signals:
 *   status    (const PerpFeedStatus *status)
 *       CONNECTING, LIVE (open), RECONNECTING (attempt, delay_ms, message), OFFLINE
 *   opened    (gboolean reconnect)
 *       the connection is open; @reconnect: not the first time (data may be missing)
 *   message   (GBytes *text, gint64 recv_ns)
 *       one text frame as received
 */
#define PERP_TYPE_BINANCE_WS (perp_binance_ws_get_type ())
G_DECLARE_FINAL_TYPE (PerpBinanceWs, perp_binance_ws, PERP, BINANCE_WS, GObject)

PerpBinanceWs      *_perp_binance_ws_new           (SoupSession               *session,
                                                    const char                *base_url,
                                                    const char * const        *streams,
                                                    guint                      n_streams,
                                                    const PerpBinanceWsParams *params);
void                _perp_binance_ws_start         (PerpBinanceWs             *self);
void                _perp_binance_ws_stop          (PerpBinanceWs             *self);
const char         *_perp_binance_ws_get_url       (PerpBinanceWs             *self);
PerpFeedState       _perp_binance_ws_get_state     (PerpBinanceWs             *self);
guint64             _perp_binance_ws_get_n_messages (PerpBinanceWs            *self);
guint               _perp_binance_ws_get_n_connects (PerpBinanceWs            *self);

G_END_DECLS
