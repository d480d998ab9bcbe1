/* perp-binance-rest-private.h: the Binance REST client the feed uses, and the pure
 * functions behind its rate limiting (exposed for tests)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define PERP_BINANCE_ERROR (perp_binance_error_quark ())

typedef enum
{
  PERP_BINANCE_ERROR_HTTP,       /* a 4xx/5xx answer; the message carries Binance's "msg" */
  PERP_BINANCE_ERROR_BANNED,     /* HTTP 418: this client stopped for good */
  PERP_BINANCE_ERROR_TRANSPORT,  /* DNS, refused, TLS, reset ... */
  PERP_BINANCE_ERROR_TIMEOUT,    /* no complete answer within request_timeout_s */
  PERP_BINANCE_ERROR_FORMAT,     /* an answer that does not decode */
} PerpBinanceError;

GQuark perp_binance_error_quark (void);

/* ------------------------------------------------------------------ pure functions */

/*
 * Request weight accounting.  Binance counts weight per IP per wall-clock minute and
 * reports the total so far in X-MBX-USED-WEIGHT-1M; we add the weight of requests in
 * flight (not yet counted in any answer) and hold a request back until the minute
 * rolls when it would take the total over the budget.
 */
typedef struct
{
  guint  budget;
  gint64 minute;     /* the wall-clock minute (Unix ms / 60000) @used belongs to */
  guint  used;       /* the largest X-MBX-USED-WEIGHT-1M seen in @minute */
  guint  in_flight;  /* weight of requests sent and not answered */
} PerpBinanceWeight;

void   _perp_binance_weight_init     (PerpBinanceWeight *weight,
                                      guint              budget);
/* An answer arrived at @now_ms carrying @header_used (G_MAXUINT: no header). */
void   _perp_binance_weight_answer   (PerpBinanceWeight *weight,
                                      gint64             now_ms,
                                      guint              request_weight,
                                      guint              header_used);
/* How long (ms) a request of @request_weight must wait at @now_ms; 0 = send now. */
gint64 _perp_binance_weight_delay    (const PerpBinanceWeight *weight,
                                      gint64             now_ms,
                                      guint              request_weight);
/* How long (ms) to wait after an HTTP 429: Retry-After (@retry_after_s >= 0) when
 * given, else into the next minute (Binance counts weight per minute), never 0. */
gint64 _perp_binance_rate_limit_delay (gint64           retry_after_s,
                                      gint64             now_ms);
/* The weight used in the current minute, as far as we know. */
guint  _perp_binance_weight_used     (const PerpBinanceWeight *weight,
                                      gint64             now_ms);
/* Binance's documented weight of GET @path with @limit (0 = none given). */
guint  _perp_binance_request_weight  (const char        *path,
                                      guint              limit);

/* Reconnect delay before attempt @attempt (1, 2, ...): @initial_ms doubling per attempt
 * up to @max_ms, times a jitter factor 1 + 0.4 * (@unit - 0.5), @unit in [0, 1). */
guint  _perp_binance_backoff_delay   (guint              attempt,
                                      guint              initial_ms,
                                      guint              max_ms,
                                      double             unit);

/* Retry-After in seconds, or -1 when @value is absent or not a number of seconds. */
gint64 _perp_binance_parse_retry_after (const char      *value);

/* A transport failure of a request to @host:@port, in words for the user. */
char  *_perp_binance_describe_transport_error (const GError *error,
                                               const char   *host,
                                               int           port,
                                               guint         timeout_s);

/* ------------------------------------------------------------------ the client */

/*
 * PerpBinanceRest: GETs on one SoupSession, queued so that the weight budget holds,
 * at most a few in flight.  Signals:
 *   waiting (guint delay_ms, const char *message)
 *       requests are held back: the weight budget is spent until the minute rolls, or
 *       Binance answered 429 and asked us to wait
 *   failed (const char *message)
 *       HTTP 418: the client stopped for good; every queued request failed too
 */
#define PERP_TYPE_BINANCE_REST (perp_binance_rest_get_type ())
G_DECLARE_FINAL_TYPE (PerpBinanceRest, perp_binance_rest, PERP, BINANCE_REST, GObject)

PerpBinanceRest *_perp_binance_rest_new             (SoupSession     *session,
                                                     const char      *base_url,
                                                     guint            weight_budget,
                                                     guint            timeout_s);
void             _perp_binance_rest_get_async       (PerpBinanceRest *self,
                                                     const char      *path,
                                                     const char      *query,
                                                     guint            weight,
                                                     GCancellable    *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer         user_data);
/* Returns: (transfer full): the body of a 2xx answer */
GBytes          *_perp_binance_rest_get_finish      (PerpBinanceRest *self,
                                                     GAsyncResult    *result,
                                                     GError         **error);
guint            _perp_binance_rest_get_used_weight (PerpBinanceRest *self);
const char      *_perp_binance_rest_get_failed_reason (PerpBinanceRest *self);
/* Fails every queued request with G_IO_ERROR_CANCELLED and refuses new ones. */
void             _perp_binance_rest_shutdown        (PerpBinanceRest *self);

G_END_DECLS
