/* perp-binance-ws.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-binance-ws"

#include "config.h"

#include <string.h>

#include "perp-binance-rest-private.h"
#include "perp-binance-ws-private.h"

/*
 * Binance closes a connection after 24 h, may stop sending without closing, and sends
 * depth frames far above libsoup's default 128 KiB payload limit at times.  So a
 * connection here watches itself: a watchdog closes it when nothing arrived for
 * keepalive_s (libsoup 3.2 has no pong timeout), a timer rotates it before
 * rotate_after_s, and every loss is followed by a reconnect after a delay that doubles
 * per failed attempt (with jitter, so that many clients do not come back in step) and
 * starts over once a connection delivered data.
 */

#define MAX_PAYLOAD (64 * 1024 * 1024)

struct _PerpBinanceWs
{
  GObject                  parent_instance;

  SoupSession             *session;
  char                    *url;
  PerpBinanceWsParams      params;
  PerpFeedState            state;

  GCancellable            *cancellable;    /* the connect in progress */
  SoupWebsocketConnection *conn;
  char                    *close_reason;   /* the "error" signal's message, for "closed" */
  gint64                   last_message_us;
  guint                    attempt;
  guint                    n_connects;
  guint64                  n_messages;
  guint                    watchdog_id;
  guint                    rotate_id;
  guint                    reconnect_id;
  guint                    got_data : 1;
  guint                    stopped : 1;
};

enum {
  SIGNAL_STATUS,
  SIGNAL_OPENED,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PerpBinanceWs, perp_binance_ws, G_TYPE_OBJECT)

static void ws_connect (PerpBinanceWs *self);

/* ------------------------------------------------------------------ pure functions */

char *
_perp_binance_combined_url (const char         *base,
                            const char * const *streams,
                            guint               n_streams)
{
  GString *url;
  gsize len;

  g_return_val_if_fail (base != NULL, NULL);

  url = g_string_new (base);
  len = url->len;
  while (len > 0 && url->str[len - 1] == '/')
    len--;
  g_string_truncate (url, len);
  g_string_append (url, "/stream?streams=");
  for (guint i = 0; i < n_streams; i++)
    {
      if (i > 0)
        g_string_append_c (url, '/');
      g_string_append (url, streams[i]);
    }

  return g_string_free (url, FALSE);
}

static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && g_ascii_isspace (*p))
    p++;
  return p;
}

gboolean
_perp_binance_split_envelope (const char   *text,
                              gsize         length,
                              const char  **stream,
                              gsize        *stream_length,
                              const char  **data,
                              gsize        *data_length)
{
  static const char stream_key[] = "\"stream\"";
  static const char data_key[] = "\"data\"";
  const char *end = text + length;
  const char *p = text;
  const char *s;
  const char *close;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  /* Binance writes {"stream":"...","data":{...}} in that order; anything else falls
   * back to the caller's general path. */
  p = skip_space (p, end);
  if (p >= end || *p != '{')
    return FALSE;
  p = skip_space (p + 1, end);
  if ((gsize) (end - p) < sizeof stream_key || memcmp (p, stream_key, sizeof stream_key - 1) != 0)
    return FALSE;
  p = skip_space (p + sizeof stream_key - 1, end);
  if (p >= end || *p != ':')
    return FALSE;
  p = skip_space (p + 1, end);
  if (p >= end || *p != '"')
    return FALSE;
  s = ++p;
  while (p < end && *p != '"' && *p != '\\')
    p++;
  if (p >= end || *p != '"')
    return FALSE;
  *stream = s;
  *stream_length = (gsize) (p - s);
  p = skip_space (p + 1, end);
  if (p >= end || *p != ',')
    return FALSE;
  p = skip_space (p + 1, end);
  if ((gsize) (end - p) < sizeof data_key || memcmp (p, data_key, sizeof data_key - 1) != 0)
    return FALSE;
  p = skip_space (p + sizeof data_key - 1, end);
  if (p >= end || *p != ':')
    return FALSE;
  p = skip_space (p + 1, end);
  if (p >= end || *p != '{')
    return FALSE;

  /* The data object runs to the envelope's closing brace. */
  close = end;
  while (close > p && g_ascii_isspace (close[-1]))
    close--;
  if (close <= p || close[-1] != '}')
    return FALSE;
  close--;
  while (close > p && g_ascii_isspace (close[-1]))
    close--;
  if (close <= p || close[-1] != '}')
    return FALSE;

  *data = p;
  *data_length = (gsize) (close - p);

  return TRUE;
}

/* ------------------------------------------------------------------ object */

static void
emit_status (PerpBinanceWs *self,
             PerpFeedState  state,
             guint          attempt,
             guint          delay_ms,
             const char    *message)
{
  PerpFeedStatus status = { 0 };

  self->state = state;
  status.state = state;
  status.attempt = attempt;
  status.delay_ms = delay_ms;
  status.message = message;
  g_signal_emit (self, signals[SIGNAL_STATUS], 0, &status);
}

static void
drop_connection (PerpBinanceWs *self)
{
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  g_clear_handle_id (&self->rotate_id, g_source_remove);
  g_clear_pointer (&self->close_reason, g_free);

  if (self->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->conn);
    }
}

static gboolean
reconnect_cb (gpointer data)
{
  PerpBinanceWs *self = data;

  self->reconnect_id = 0;
  ws_connect (self);

  return G_SOURCE_REMOVE;
}

/* The connection is lost (or being replaced): come back after the backoff delay, or
 * at once (@immediately) for a planned rotation. */
static void
schedule_reconnect (PerpBinanceWs *self,
                    const char    *reason,
                    gboolean       immediately)
{
  guint delay_ms;

  if (self->stopped)
    return;

  if (self->got_data)
    self->attempt = 0;
  self->got_data = FALSE;
  drop_connection (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  self->attempt++;
  delay_ms = immediately ? 0
             : _perp_binance_backoff_delay (self->attempt, self->params.backoff_initial_ms,
                                            self->params.backoff_max_ms, g_random_double ());

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (delay_ms, reconnect_cb, self);
  emit_status (self, PERP_FEED_STATE_RECONNECTING, self->attempt, delay_ms, reason);
}

static void
message_cb (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *message,
            PerpBinanceWs           *self)
{
  gint64 recv_ns = g_get_real_time () * 1000;

  self->last_message_us = g_get_monotonic_time ();
  self->got_data = TRUE;
  self->n_messages++;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message, recv_ns);
}

static void
error_cb (SoupWebsocketConnection *conn,
          GError                  *error,
          PerpBinanceWs           *self)
{
  g_free (self->close_reason);
  self->close_reason = g_strdup_printf ("%s: %s", self->url, error->message);
}

static void
closed_cb (SoupWebsocketConnection *conn,
           PerpBinanceWs           *self)
{
  g_autofree char *reason = NULL;
  gushort code = soup_websocket_connection_get_close_code (conn);
  const char *data = soup_websocket_connection_get_close_data (conn);

  if (self->close_reason != NULL)
    reason = g_strdup (self->close_reason);
  else
    reason = g_strdup_printf ("%s: closed by the server (code %u%s%s)", self->url, code,
                              data != NULL && data[0] != '\0' ? ": " : "", data != NULL ? data : "");
  schedule_reconnect (self, reason, FALSE);
}

static gboolean
watchdog_cb (gpointer data)
{
  PerpBinanceWs *self = data;
  gint64 silent_us = g_get_monotonic_time () - self->last_message_us;
  g_autofree char *reason = NULL;

  if (silent_us < (gint64) self->params.keepalive_s * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;

  self->watchdog_id = 0;
  reason = g_strdup_printf ("%s: keepalive timeout: no message for %u s", self->url, self->params.keepalive_s);
  schedule_reconnect (self, reason, FALSE);

  return G_SOURCE_REMOVE;
}

static gboolean
rotate_cb (gpointer data)
{
  PerpBinanceWs *self = data;
  g_autofree char *reason = NULL;

  self->rotate_id = 0;
  reason = g_strdup_printf ("%s: rotating the connection after %u s (Binance closes them at 24 h)",
                            self->url, self->params.rotate_after_s);
  /* A rotation is planned: the connection worked, the next one starts a fresh count. */
  self->got_data = TRUE;
  schedule_reconnect (self, reason, TRUE);

  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(PerpBinanceWs) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) conn = NULL;
  gboolean reconnect;
  guint check_ms;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stopped)
    return;

  if (conn == NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL);
      int port = uri != NULL ? g_uri_get_port (uri) : -1;
      g_autofree char *described = NULL;
      g_autofree char *reason = NULL;

      if (port < 0)
        port = uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "wss") == 0 ? 443 : 80;
      described = _perp_binance_describe_transport_error (error, uri != NULL ? g_uri_get_host (uri) : NULL,
                                                          port, self->params.keepalive_s);
      reason = g_strdup_printf ("%s: %s", self->url, described);

      schedule_reconnect (self, reason, FALSE);
      return;
    }

  self->conn = g_steal_pointer (&conn);
  g_clear_object (&self->cancellable);
  soup_websocket_connection_set_max_incoming_payload_size (self->conn, MAX_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (self->conn, MAX (1, self->params.keepalive_s / 3));
  g_signal_connect (self->conn, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (self->conn, "error", G_CALLBACK (error_cb), self);
  g_signal_connect (self->conn, "closed", G_CALLBACK (closed_cb), self);

  self->last_message_us = g_get_monotonic_time ();
  check_ms = MAX (50, self->params.keepalive_s * 1000 / 4);
  self->watchdog_id = g_timeout_add (check_ms, watchdog_cb, self);
  if (self->params.rotate_after_s > 0)
    self->rotate_id = g_timeout_add_seconds (self->params.rotate_after_s, rotate_cb, self);

  reconnect = self->n_connects > 0;
  self->n_connects++;
  emit_status (self, PERP_FEED_STATE_LIVE, 0, 0, NULL);
  g_signal_emit (self, signals[SIGNAL_OPENED], 0, reconnect);
}

static void
ws_connect (PerpBinanceWs *self)
{
  g_autoptr(SoupMessage) msg = NULL;

  if (self->stopped)
    return;

  msg = soup_message_new ("GET", self->url);
  if (msg == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("\"%s\" is not a valid WebSocket URL", self->url);

      self->stopped = TRUE;
      emit_status (self, PERP_FEED_STATE_FAILED, 0, 0, reason);
      return;
    }

  if (self->n_connects == 0 && self->attempt == 0)
    emit_status (self, PERP_FEED_STATE_CONNECTING, 0, 0, NULL);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connect_cb, g_object_ref (self));
}

static void
perp_binance_ws_dispose (GObject *object)
{
  PerpBinanceWs *self = PERP_BINANCE_WS (object);

  self->stopped = TRUE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_connection (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (perp_binance_ws_parent_class)->dispose (object);
}

static void
perp_binance_ws_finalize (GObject *object)
{
  PerpBinanceWs *self = PERP_BINANCE_WS (object);

  g_free (self->url);
  g_free (self->close_reason);

  G_OBJECT_CLASS (perp_binance_ws_parent_class)->finalize (object);
}

static void
perp_binance_ws_class_init (PerpBinanceWsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = perp_binance_ws_dispose;
  object_class->finalize = perp_binance_ws_finalize;

  /**
   * PerpBinanceWs::status:
   * @status: the connection's state
   */
  signals[SIGNAL_STATUS] =
    g_signal_new ("status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * PerpBinanceWs::opened:
   * @reconnect: %TRUE unless this is the first connection
   */
  signals[SIGNAL_OPENED] =
    g_signal_new ("opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * PerpBinanceWs::message:
   * @text: the frame
   * @recv_ns: arrival, Unix ns
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_INT64);
}

static void
perp_binance_ws_init (PerpBinanceWs *self)
{
  self->state = PERP_FEED_STATE_OFFLINE;
}

PerpBinanceWs *
_perp_binance_ws_new (SoupSession               *session,
                      const char                *base_url,
                      const char * const        *streams,
                      guint                      n_streams,
                      const PerpBinanceWsParams *params)
{
  PerpBinanceWs *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (streams != NULL && n_streams > 0, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  self = g_object_new (PERP_TYPE_BINANCE_WS, NULL);
  self->session = g_object_ref (session);
  self->url = _perp_binance_combined_url (base_url, streams, n_streams);
  self->params = *params;
  self->params.keepalive_s = MAX (self->params.keepalive_s, 1);

  return self;
}

void
_perp_binance_ws_start (PerpBinanceWs *self)
{
  g_return_if_fail (PERP_IS_BINANCE_WS (self));

  if (self->stopped || self->n_connects > 0 || self->cancellable != NULL || self->reconnect_id != 0)
    return;

  ws_connect (self);
}

/* Closes for good; no signal is emitted after this. */
void
_perp_binance_ws_stop (PerpBinanceWs *self)
{
  g_return_if_fail (PERP_IS_BINANCE_WS (self));

  self->stopped = TRUE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_connection (self);
  self->state = PERP_FEED_STATE_OFFLINE;
}

const char *
_perp_binance_ws_get_url (PerpBinanceWs *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_WS (self), NULL);

  return self->url;
}

PerpFeedState
_perp_binance_ws_get_state (PerpBinanceWs *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_WS (self), PERP_FEED_STATE_OFFLINE);

  return self->state;
}

guint64
_perp_binance_ws_get_n_messages (PerpBinanceWs *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_WS (self), 0);

  return self->n_messages;
}

guint
_perp_binance_ws_get_n_connects (PerpBinanceWs *self)
{
  g_return_val_if_fail (PERP_IS_BINANCE_WS (self), 0);

  return self->n_connects;
}
