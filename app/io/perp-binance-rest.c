/* perp-binance-rest.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-binance-rest"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-binance-decode.h"
#include "perp-binance-rest-private.h"

/*
 * Binance limits request weight per IP per wall-clock minute and bans IPs that keep
 * going after a 429 (418, for minutes to days).  So every GET goes through one queue:
 * a request leaves it only when the weight known to be used this minute, plus what is
 * in flight, plus its own weight fits the budget; a 429 pauses the whole queue for
 * Retry-After; a 418 stops the client for good.  At most MAX_IN_FLIGHT requests run
 * at once, which keeps the "in flight" estimate small.
 *
 * Every request has its own timer on top of the session's I/O timeout: the session's
 * timeout only catches silence, not a server that trickles bytes.
 */

#define MAX_IN_FLIGHT      4
#define BANNED_DEFAULT_MSG "retry after an unknown time (no Retry-After header)"

G_DEFINE_QUARK (perp-binance-error-quark, perp_binance_error)

/* ------------------------------------------------------------------ pure functions */

static gint64
minute_of (gint64 now_ms)
{
  return perp_floor_div (now_ms, PERP_MS_PER_MINUTE);
}

/* One millisecond into the next minute, so that Binance has rolled too. */
static gint64
ms_to_next_minute (gint64 now_ms)
{
  return (minute_of (now_ms) + 1) * PERP_MS_PER_MINUTE - now_ms + 1;
}

void
_perp_binance_weight_init (PerpBinanceWeight *weight,
                           guint              budget)
{
  g_return_if_fail (weight != NULL);

  memset (weight, 0, sizeof *weight);
  weight->budget = budget;
  weight->minute = G_MININT64;
}

/**
 * _perp_binance_weight_answer:
 * @header_used: X-MBX-USED-WEIGHT-1M of the answer, %G_MAXUINT when there was none
 *   (a transport error, or a server that does not send it: then our own count stands in)
 */
void
_perp_binance_weight_answer (PerpBinanceWeight *weight,
                             gint64             now_ms,
                             guint              request_weight,
                             guint              header_used)
{
  gint64 minute = minute_of (now_ms);

  g_return_if_fail (weight != NULL);

  weight->in_flight -= MIN (weight->in_flight, request_weight);

  if (minute != weight->minute)
    {
      /* An answer from a later minute starts the count afresh; one that arrives late
       * from an earlier minute (clock skew) cannot be told apart and counts here. */
      weight->minute = minute;
      weight->used = 0;
    }

  if (header_used != G_MAXUINT)
    weight->used = MAX (weight->used, header_used);
  else
    weight->used += request_weight;
}

guint
_perp_binance_weight_used (const PerpBinanceWeight *weight,
                           gint64                   now_ms)
{
  g_return_val_if_fail (weight != NULL, 0);

  return minute_of (now_ms) == weight->minute ? weight->used : 0;
}

gint64
_perp_binance_weight_delay (const PerpBinanceWeight *weight,
                            gint64                   now_ms,
                            guint                    request_weight)
{
  guint64 total;
  guint used;

  g_return_val_if_fail (weight != NULL, 0);

  used = _perp_binance_weight_used (weight, now_ms);
  total = (guint64) used + weight->in_flight + request_weight;
  if (total <= weight->budget)
    return 0;

  /* A request heavier than the whole budget goes alone into a fresh minute. */
  if (request_weight > weight->budget && used == 0 && weight->in_flight == 0)
    return 0;

  return ms_to_next_minute (now_ms);
}

gint64
_perp_binance_rate_limit_delay (gint64 retry_after_s,
                                gint64 now_ms)
{
  /* Not the weight's own delay: with no weight known to be used it would be 0, and a
   * request retried at once after a 429 is how a client earns a 418 ban. */
  return retry_after_s >= 0 ? retry_after_s * 1000 : ms_to_next_minute (now_ms);
}

/**
 * _perp_binance_request_weight:
 *
 * Weights from Binance's USDT-M documentation.  ticker/24hr is 1 with a symbol (the
 * only way the feed asks), 40 without.
 */
guint
_perp_binance_request_weight (const char *path,
                              guint       limit)
{
  g_return_val_if_fail (path != NULL, 1);

  if (strcmp (path, "/fapi/v1/klines") == 0)
    {
      if (limit == 0)
        limit = 500;
      if (limit < 100)
        return 1;
      if (limit < 500)
        return 2;
      if (limit <= 1000)
        return 5;
      return 10;
    }

  if (strcmp (path, "/fapi/v1/depth") == 0)
    {
      if (limit == 0)
        limit = 500;
      if (limit <= 50)
        return 2;
      if (limit <= 100)
        return 5;
      if (limit <= 500)
        return 10;
      return 20;
    }

  return 1;
}

guint
_perp_binance_backoff_delay (guint  attempt,
                             guint  initial_ms,
                             guint  max_ms,
                             double unit)
{
  double delay = MAX (initial_ms, 1);
  double factor;

  max_ms = MAX (max_ms, 1);
  for (guint i = 1; i < attempt && delay < max_ms; i++)
    delay *= 2;
  delay = MIN (delay, (double) max_ms);

  if (!(unit >= 0 && unit < 1))
    unit = 0.5;
  factor = 1 + 0.4 * (unit - 0.5);

  return (guint) MAX (1.0, round (delay * factor));
}

gint64
_perp_binance_parse_retry_after (const char *value)
{
  g_autofree char *text = NULL;
  guint64 seconds = 0;
  char *end = NULL;

  if (value == NULL)
    return -1;

  text = g_strstrip (g_strdup (value));
  if (text[0] == '\0' || !g_ascii_isdigit (text[0]))
    return -1;

  seconds = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || seconds > G_MAXINT32)
    return -1;

  return (gint64) seconds;
}

char *
_perp_binance_describe_transport_error (const GError *error,
                                        const char   *host,
                                        int           port,
                                        guint         timeout_s)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (host == NULL)
    host = "(no host)";

  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf ("DNS lookup of %s failed: %s", host, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup_printf ("connection refused by %s:%d", host, port);
  if (error->domain == G_TLS_ERROR)
    return g_strdup_printf ("TLS error with %s:%d: %s", host, port, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf ("timeout: no answer from %s:%d within %u s", host, port, timeout_s);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return g_strdup_printf ("%s:%d is unreachable: %s", host, port, error->message);

  return g_strdup_printf ("%s:%d: %s", host, port, error->message);
}

/* ------------------------------------------------------------------ the client */

typedef struct
{
  GTask        *task;
  char         *url;
  char         *label;        /* "GET /fapi/v1/klines?symbol=..." for errors */
  guint         weight;
  GCancellable *cancellable;  /* cancelled by the caller's or by the timer */
  gulong        cancelled_id;
  guint         timeout_id;
  gboolean      timed_out;
  SoupMessage  *msg;
} Request;

struct _PerpBinanceRest
{
  GObject            parent_instance;

  SoupSession       *session;
  char              *base_url;
  guint              timeout_s;
  PerpBinanceWeight  weight;
  GQueue             queue;         /* Request *, not started */
  guint              n_in_flight;
  gint64             paused_until;  /* monotonic µs; 429 */
  guint              pump_id;
  char              *failed_reason;
  guint              shut_down : 1;
};

enum {
  SIGNAL_WAITING,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PerpBinanceRest, perp_binance_rest, G_TYPE_OBJECT)

static void pump (PerpBinanceRest *self);

static void
request_free (Request *req)
{
  GCancellable *parent = g_task_get_cancellable (req->task);

  if (req->cancelled_id != 0 && parent != NULL)
    g_signal_handler_disconnect (parent, req->cancelled_id);
  g_clear_handle_id (&req->timeout_id, g_source_remove);
  g_clear_object (&req->msg);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->task);
  g_free (req->url);
  g_free (req->label);
  g_free (req);
}

static gint64
wall_ms (void)
{
  /* The one legitimate wall clock read: Binance's weight window is the UTC minute. */
  return g_get_real_time () / 1000;
}

static void
perp_binance_rest_dispose (GObject *object)
{
  PerpBinanceRest *self = PERP_BINANCE_REST (object);

  _perp_binance_rest_shutdown (self);
  g_clear_handle_id (&self->pump_id, g_source_remove);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (perp_binance_rest_parent_class)->dispose (object);
}

static void
perp_binance_rest_finalize (GObject *object)
{
  PerpBinanceRest *self = PERP_BINANCE_REST (object);

  g_free (self->base_url);
  g_free (self->failed_reason);

  G_OBJECT_CLASS (perp_binance_rest_parent_class)->finalize (object);
}

static void
perp_binance_rest_class_init (PerpBinanceRestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_binance_rest_dispose;
  object_class->finalize = perp_binance_rest_finalize;

  /**
   * PerpBinanceRest::waiting:
   * @delay_ms: how long requests are held back
   * @message: why
   */
  signals[SIGNAL_WAITING] =
    g_signal_new ("waiting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * PerpBinanceRest::failed:
   * @message: the failed reason (HTTP 418)
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
perp_binance_rest_init (PerpBinanceRest *self)
{
  g_queue_init (&self->queue);
}

/**
 * _perp_binance_rest_new:
 * @session: the session to send on (its timeout should be set; the client adds its own)
 * @base_url: "https://fapi.binance.com" or "http://127.0.0.1:PORT"
 *
 * Returns: (transfer full): a client
 */
PerpBinanceRest *
_perp_binance_rest_new (SoupSession *session,
                        const char  *base_url,
                        guint        weight_budget,
                        guint        timeout_s)
{
  PerpBinanceRest *self;
  gsize len;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (PERP_TYPE_BINANCE_REST, NULL);
  self->session = g_object_ref (session);
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';
  self->timeout_s = MAX (timeout_s, 1);
  _perp_binance_weight_init (&self->weight, MAX (weight_budget, 1));

  return self;
}

static void
fail_queued (PerpBinanceRest *self,
             GQuark           domain,
             int              code,
             const char      *message)
{
  Request *req;

  while ((req = g_queue_pop_head (&self->queue)) != NULL)
    {
      g_task_return_new_error (req->task, domain, code, "%s: %s", req->label, message);
      request_free (req);
    }
}

void
_perp_binance_rest_shutdown (PerpBinanceRest *self)
{
  g_return_if_fail (PERP_IS_BINANCE_REST (self));

  self->shut_down = TRUE;
  g_clear_handle_id (&self->pump_id, g_source_remove);
  fail_queued (self, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the client was shut down");
}

static gboolean
pump_timeout_cb (gpointer data)
{
  g_autoptr(PerpBinanceRest) self = g_object_ref (data);

  self->pump_id = 0;
  pump (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_pump (PerpBinanceRest *self,
               gint64           delay_ms)
{
  g_clear_handle_id (&self->pump_id, g_source_remove);
  self->pump_id = g_timeout_add ((guint) CLAMP (delay_ms, 0, G_MAXUINT), pump_timeout_cb, self);
}

static void
request_cancelled_cb (GCancellable *parent,
                      Request      *req)
{
  /* Runs on the main context (the feed's cancellable is cancelled there).  A started
   * request ends through libsoup; a queued one is dropped by the next pump. */
  g_cancellable_cancel (req->cancellable);
  schedule_pump (g_task_get_source_object (req->task), 0);
}

static gboolean
request_timeout_cb (gpointer data)
{
  Request *req = data;

  req->timeout_id = 0;
  req->timed_out = TRUE;
  g_cancellable_cancel (req->cancellable);

  return G_SOURCE_REMOVE;
}

static void
return_transport_error (PerpBinanceRest *self,
                        Request         *req,
                        const GError    *error)
{
  GUri *uri = soup_message_get_uri (req->msg);
  const char *host = g_uri_get_host (uri);
  int port = g_uri_get_port (uri);
  g_autofree char *described = NULL;

  if (port < 0)
    port = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;

  if (req->timed_out)
    {
      g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_TIMEOUT,
                               "%s: timeout: no complete answer from %s:%d within %u s",
                               req->label, host, port, self->timeout_s);
      return;
    }

  described = _perp_binance_describe_transport_error (error, host, port, self->timeout_s);
  g_task_return_new_error (req->task, PERP_BINANCE_ERROR,
                           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                           ? PERP_BINANCE_ERROR_TIMEOUT : PERP_BINANCE_ERROR_TRANSPORT,
                           "%s: %s", req->label, described);
}

static void
stop_banned (PerpBinanceRest *self,
             Request         *req,
             gint64           retry_after)
{
  g_autofree char *when = NULL;

  when = retry_after >= 0
         ? g_strdup_printf ("retry after %" G_GINT64_FORMAT " s", retry_after)
         : g_strdup (BANNED_DEFAULT_MSG);
  g_free (self->failed_reason);
  self->failed_reason =
    g_strdup_printf ("Binance banned this IP (HTTP 418) for exceeding its request limits; "
                     "the feed stopped all requests: %s", when);

  g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED,
                           "%s: %s", req->label, self->failed_reason);
  fail_queued (self, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED, self->failed_reason);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, self->failed_reason);
}

static void
request_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Request *req = data;
  /* Returning the task may drop the last reference to the client. */
  g_autoptr(PerpBinanceRest) self = g_object_ref (g_task_get_source_object (req->task));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *msg_text = NULL;
  SoupMessageHeaders *headers;
  const char *used_header;
  guint header_used = G_MAXUINT;
  guint status;
  gsize body_len = 0;
  const char *body_data = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_clear_handle_id (&req->timeout_id, g_source_remove);
  self->n_in_flight--;

  if (body == NULL)
    {
      _perp_binance_weight_answer (&self->weight, wall_ms (), req->weight, G_MAXUINT);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !req->timed_out)
        g_task_return_error (req->task, g_steal_pointer (&error));
      else
        return_transport_error (self, req, error);
      request_free (req);
      pump (self);
      return;
    }

  headers = soup_message_get_response_headers (req->msg);
  used_header = soup_message_headers_get_one (headers, "X-MBX-USED-WEIGHT-1M");
  if (used_header != NULL)
    {
      gint64 used = _perp_binance_parse_retry_after (used_header);

      if (used >= 0)
        header_used = (guint) MIN (used, G_MAXUINT - 1);
    }
  _perp_binance_weight_answer (&self->weight, wall_ms (), req->weight, header_used);

  status = soup_message_get_status (req->msg);
  body_data = g_bytes_get_data (body, &body_len);

  if (status >= 200 && status < 300)
    {
      g_task_return_pointer (req->task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
      request_free (req);
      pump (self);
      return;
    }

  if (status == 418 && self->failed_reason != NULL)
    {
      /* Another request that was in flight when the first 418 came. */
      g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED,
                               "%s: %s", req->label, self->failed_reason);
      request_free (req);
      return;
    }

  if (status == 418)
    {
      stop_banned (self, req,
                   _perp_binance_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After")));
      request_free (req);
      return;
    }

  if (status == 429 && !self->shut_down)
    {
      gint64 retry_after = _perp_binance_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"));
      gint64 delay_ms;
      g_autofree char *why = NULL;

      delay_ms = _perp_binance_rate_limit_delay (retry_after, wall_ms ());
      self->paused_until = g_get_monotonic_time () + delay_ms * 1000;
      why = g_strdup_printf ("rate limited by Binance (HTTP 429) on %s: waiting %" G_GINT64_FORMAT " s%s",
                             req->label, (delay_ms + 999) / 1000,
                             retry_after >= 0 ? " as Retry-After asks" : " for the next minute");
      g_clear_object (&req->msg);
      g_queue_push_head (&self->queue, req);
      g_signal_emit (self, signals[SIGNAL_WAITING], 0, (guint) MIN (delay_ms, G_MAXUINT), why);
      pump (self);
      return;
    }

  msg_text = perp_binance_dup_error_message (body_data, body_len);
  g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_HTTP,
                           "%s: HTTP %u %s: %s", req->label, status,
                           soup_message_get_reason_phrase (req->msg) != NULL
                           ? soup_message_get_reason_phrase (req->msg) : "",
                           msg_text != NULL ? msg_text : "(no message from Binance)");
  request_free (req);
  pump (self);
}

static void
start_request (PerpBinanceRest *self,
               Request         *req)
{
  req->msg = soup_message_new ("GET", req->url);
  if (req->msg == NULL)
    {
      g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_TRANSPORT,
                               "%s: \"%s\" is not a valid URL", req->label, req->url);
      request_free (req);
      return;
    }

  self->n_in_flight++;
  self->weight.in_flight += req->weight;
  /* Not g_timeout_add_seconds (): that one may fire up to a second early. */
  req->timeout_id = g_timeout_add (self->timeout_s * 1000, request_timeout_cb, req);
  soup_session_send_and_read_async (self->session, req->msg, G_PRIORITY_DEFAULT,
                                    req->cancellable, request_sent_cb, req);
}

static void
pump (PerpBinanceRest *self)
{
  g_clear_handle_id (&self->pump_id, g_source_remove);

  if (self->failed_reason != NULL)
    {
      fail_queued (self, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED, self->failed_reason);
      return;
    }

  while (!g_queue_is_empty (&self->queue))
    {
      Request *req = g_queue_peek_head (&self->queue);
      GCancellable *parent = g_task_get_cancellable (req->task);
      gint64 now_us;
      gint64 delay_ms;

      if (g_cancellable_is_cancelled (req->cancellable)
          || (parent != NULL && g_cancellable_is_cancelled (parent)))
        {
          g_queue_pop_head (&self->queue);
          g_task_return_new_error (req->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", req->label);
          request_free (req);
          continue;
        }

      if (self->n_in_flight >= MAX_IN_FLIGHT)
        return;

      now_us = g_get_monotonic_time ();
      if (self->paused_until > now_us)
        {
          schedule_pump (self, (self->paused_until - now_us + 999) / 1000);
          return;
        }

      delay_ms = _perp_binance_weight_delay (&self->weight, wall_ms (), req->weight);
      if (delay_ms > 0)
        {
          g_autofree char *why = NULL;

          /* In-flight answers may show the minute rolled; they pump again. */
          schedule_pump (self, delay_ms);
          why = g_strdup_printf ("request weight budget spent (%u of %u used this minute): "
                                 "waiting %" G_GINT64_FORMAT " s for the next minute",
                                 _perp_binance_weight_used (&self->weight, wall_ms ()) + self->weight.in_flight,
                                 self->weight.budget, (delay_ms + 999) / 1000);
          g_signal_emit (self, signals[SIGNAL_WAITING], 0, (guint) MIN (delay_ms, G_MAXUINT), why);
          return;
        }

      g_queue_pop_head (&self->queue);
      start_request (self, req);
    }
}

/**
 * _perp_binance_rest_get_async:
 * @path: "/fapi/v1/klines"
 * @query: (nullable): "symbol=BTCUSDT&interval=1m&limit=1500", already escaped
 * @weight: the request's weight (_perp_binance_request_weight())
 */
void
_perp_binance_rest_get_async (PerpBinanceRest     *self,
                              const char          *path,
                              const char          *query,
                              guint                weight,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *req;

  g_return_if_fail (PERP_IS_BINANCE_REST (self));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _perp_binance_rest_get_async);

  req = g_new0 (Request, 1);
  req->task = g_steal_pointer (&task);
  req->weight = MAX (weight, 1);
  req->url = query != NULL && query[0] != '\0'
             ? g_strconcat (self->base_url, path, "?", query, NULL)
             : g_strconcat (self->base_url, path, NULL);
  req->label = g_strconcat ("GET ", path, query != NULL && query[0] != '\0' ? "?" : "",
                            query != NULL ? query : "", NULL);
  req->cancellable = g_cancellable_new ();

  if (self->failed_reason != NULL)
    {
      g_task_return_new_error (req->task, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED,
                               "%s: %s", req->label, self->failed_reason);
      request_free (req);
      return;
    }
  if (self->shut_down)
    {
      g_task_return_new_error (req->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "%s: the client was shut down", req->label);
      request_free (req);
      return;
    }

  if (cancellable != NULL)
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (req->cancellable);
      else
        req->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                              G_CALLBACK (request_cancelled_cb), req);
    }

  g_queue_push_tail (&self->queue, req);
  pump (self);
}

GBytes *
_perp_binance_rest_get_finish (PerpBinanceRest  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (PERP_IS_BINANCE_REST (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
_perp_binance_rest_get_used_weight (PerpBinanceRest *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_REST (self), 0);

  return _perp_binance_weight_used (&self->weight, wall_ms ()) + self->weight.in_flight;
}

/**
 * _perp_binance_rest_get_failed_reason:
 *
 * Returns: (nullable): why the client stopped for good
 */
const char *
_perp_binance_rest_get_failed_reason (PerpBinanceRest *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_REST (self), NULL);

  return self->failed_reason;
}
