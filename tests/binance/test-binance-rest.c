/* test-binance-rest.c: the REST client's weight accounting and backoff as pure
 * functions, and its answers to 429, 418, errors and silence from a loopback server
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "../perp-test-support.h"
#include "perp-binance-rest-private.h"

#define assert_contains(haystack, needle) \
  assert_contains_impl (__FILE__, __LINE__, G_STRFUNC, (haystack), (needle))

static void
assert_contains_impl (const char *file,
                      int         line,
                      const char *func,
                      const char *haystack,
                      const char *needle)
{
  g_autofree char *message = NULL;

  if (haystack != NULL && strstr (haystack, needle) != NULL)
    return;

  message = g_strdup_printf ("\"%s\" does not contain \"%s\"", haystack != NULL ? haystack : "(null)", needle);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* ------------------------------------------------------------------ pure functions */

static void
test_weight (void)
{
  PerpBinanceWeight w;
  /* 12:00:05 of some day, in ms; the minute starts at @minute. */
  const gint64 minute = G_GINT64_CONSTANT (1700000040000);
  const gint64 t = minute + 5000;

  g_assert_cmpint (minute % PERP_MS_PER_MINUTE, ==, 0);

  _perp_binance_weight_init (&w, 10);
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 10), ==, 0);
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 11), ==, 0);  /* alone, in a fresh minute */

  /* The header says 8 are used: 2 more fit, 3 wait for the next minute (+1 ms). */
  _perp_binance_weight_answer (&w, t, 1, 8);
  g_assert_cmpuint (_perp_binance_weight_used (&w, t), ==, 8);
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 2), ==, 0);
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 3), ==, minute + PERP_MS_PER_MINUTE - t + 1);
  g_assert_cmpint (_perp_binance_weight_delay (&w, minute + 59999, 3), ==, 2);

  /* After a 429: Retry-After when given; without it, into the next minute even when
   * no weight is known to be used (a retry at once would be hammering). */
  g_assert_cmpint (_perp_binance_rate_limit_delay (3, t), ==, 3000);
  g_assert_cmpint (_perp_binance_rate_limit_delay (0, t), ==, 0);
  g_assert_cmpint (_perp_binance_rate_limit_delay (-1, t), ==, minute + PERP_MS_PER_MINUTE - t + 1);
  g_assert_cmpint (_perp_binance_rate_limit_delay (-1, minute), ==, PERP_MS_PER_MINUTE + 1);

  /* In flight counts too. */
  w.in_flight = 2;
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 1), >, 0);
  _perp_binance_weight_answer (&w, t + 10, 2, G_MAXUINT);  /* no header: our own count */
  g_assert_cmpuint (w.in_flight, ==, 0);
  g_assert_cmpuint (_perp_binance_weight_used (&w, t + 10), ==, 10);

  /* A lower header later in the same minute does not lower the count (answers may
   * arrive out of order). */
  _perp_binance_weight_answer (&w, t + 20, 1, 4);
  g_assert_cmpuint (_perp_binance_weight_used (&w, t + 20), ==, 10);

  /* The minute rolls: nothing is used and everything fits again. */
  g_assert_cmpuint (_perp_binance_weight_used (&w, minute + PERP_MS_PER_MINUTE), ==, 0);
  g_assert_cmpint (_perp_binance_weight_delay (&w, minute + PERP_MS_PER_MINUTE, 10), ==, 0);
  _perp_binance_weight_answer (&w, minute + PERP_MS_PER_MINUTE + 1, 1, 3);
  g_assert_cmpuint (_perp_binance_weight_used (&w, minute + PERP_MS_PER_MINUTE + 1), ==, 3);

  /* A budget of 2400 with 1200 used: 60 depth-1000 snapshots (20 each) fit, 61 do not. */
  _perp_binance_weight_init (&w, 2400);
  _perp_binance_weight_answer (&w, t, 20, 1200);
  for (guint i = 0; i < 59; i++)
    w.in_flight += _perp_binance_request_weight ("/fapi/v1/depth", 1000);
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 20), ==, 0);
  w.in_flight += 20;
  g_assert_cmpint (_perp_binance_weight_delay (&w, t, 20), >, 0);
}

static void
test_request_weight (void)
{
  static const struct { const char *path; guint limit; guint weight; } cases[] = {
    { "/fapi/v1/klines", 1, 1 }, { "/fapi/v1/klines", 99, 1 }, { "/fapi/v1/klines", 100, 2 },
    { "/fapi/v1/klines", 499, 2 }, { "/fapi/v1/klines", 500, 5 }, { "/fapi/v1/klines", 0, 5 },
    { "/fapi/v1/klines", 1000, 5 }, { "/fapi/v1/klines", 1001, 10 }, { "/fapi/v1/klines", 1500, 10 },
    { "/fapi/v1/depth", 5, 2 }, { "/fapi/v1/depth", 50, 2 }, { "/fapi/v1/depth", 100, 5 },
    { "/fapi/v1/depth", 500, 10 }, { "/fapi/v1/depth", 1000, 20 },
    { "/fapi/v1/exchangeInfo", 0, 1 }, { "/fapi/v1/openInterest", 0, 1 }, { "/fapi/v1/premiumIndex", 0, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (_perp_binance_request_weight (cases[i].path, cases[i].limit), ==, cases[i].weight);
}

static void
test_backoff (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint previous = 0;

  /* Without jitter (unit 0.5): 250, 500, 1000, 2000, 4000, then the cap. */
  for (guint attempt = 1; attempt <= 12; attempt++)
    {
      guint expected = MIN (250u << MIN (attempt - 1, 20), 5000);
      guint d = _perp_binance_backoff_delay (attempt, 250, 5000, 0.5);

      g_assert_cmpuint (d, ==, expected);
      g_assert_cmpuint (d, >=, previous);
      previous = d;
    }

  /* The jitter's ends: ±20 %. */
  g_assert_cmpuint (_perp_binance_backoff_delay (1, 1000, 60000, 0.0), ==, 800);
  g_assert_cmpuint (_perp_binance_backoff_delay (1, 1000, 60000, 0.999999), ==, 1200);
  g_assert_cmpuint (_perp_binance_backoff_delay (40, 1000, 60000, 0.0), ==, 48000);

  /* Random units stay within the band, and they do spread. */
  for (guint attempt = 1; attempt <= 8; attempt++)
    {
      double base = MIN (100.0 * (1u << (attempt - 1)), 3000.0);
      guint lo = G_MAXUINT;
      guint hi = 0;

      for (guint i = 0; i < 200; i++)
        {
          guint d = _perp_binance_backoff_delay (attempt, 100, 3000, g_rand_double (rand));

          g_assert_cmpfloat (d, >=, floor (base * 0.8));
          g_assert_cmpfloat (d, <=, ceil (base * 1.2));
          lo = MIN (lo, d);
          hi = MAX (hi, d);
        }
      g_assert_cmpfloat (hi - lo, >, base * 0.2);
    }
}

static void
test_retry_after (void)
{
  g_assert_cmpint (_perp_binance_parse_retry_after ("3"), ==, 3);
  g_assert_cmpint (_perp_binance_parse_retry_after (" 120 "), ==, 120);
  g_assert_cmpint (_perp_binance_parse_retry_after ("0"), ==, 0);
  g_assert_cmpint (_perp_binance_parse_retry_after (NULL), ==, -1);
  g_assert_cmpint (_perp_binance_parse_retry_after (""), ==, -1);
  g_assert_cmpint (_perp_binance_parse_retry_after ("-5"), ==, -1);
  g_assert_cmpint (_perp_binance_parse_retry_after ("1.5"), ==, -1);
  g_assert_cmpint (_perp_binance_parse_retry_after ("Wed, 21 Oct 2015 07:28:00 GMT"), ==, -1);
}

static void
test_transport_messages (void)
{
  g_autoptr(GError) dns = g_error_new_literal (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Name or service not known");
  g_autoptr(GError) refused = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused");
  g_autoptr(GError) tls = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "Unacceptable TLS certificate");
  g_autoptr(GError) timeout = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out");
  g_autofree char *m1 = _perp_binance_describe_transport_error (dns, "fapi.binance.com", 443, 10);
  g_autofree char *m2 = _perp_binance_describe_transport_error (refused, "127.0.0.1", 8080, 10);
  g_autofree char *m3 = _perp_binance_describe_transport_error (tls, "fapi.binance.com", 443, 10);
  g_autofree char *m4 = _perp_binance_describe_transport_error (timeout, "fapi.binance.com", 443, 7);

  assert_contains (m1, "DNS lookup of fapi.binance.com failed");
  assert_contains (m2, "connection refused by 127.0.0.1:8080");
  assert_contains (m3, "TLS error with fapi.binance.com:443");
  assert_contains (m4, "within 7 s");
}

/* ------------------------------------------------------------------ loopback server */

static void
error_free0 (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

typedef struct
{
  SoupServer      *server;
  SoupSession     *session;
  PerpBinanceRest *rest;
  char            *base;
  GMainLoop       *loop;
  guint            guard_id;
  guint            n_429;
  guint            n_418;
  guint            n_requests;
  guint            n_waiting;
  guint            last_wait_ms;
  char            *last_wait_message;
  guint            n_failed;
  guint            n_done;
  guint            n_expected;
  GPtrArray       *errors;   /* GError * or NULL per answer, in order */
  GPtrArray       *bodies;
  gint64           first_request_us;
  gint64           second_request_us;
} Fixture;

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           data)
{
  Fixture *fx = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  fx->n_requests++;

  if (strcmp (path, "/r429") == 0)
    {
      if (fx->n_429++ == 0)
        {
          fx->first_request_us = g_get_monotonic_time ();
          soup_message_headers_append (headers, "Retry-After", "1");
          respond (msg, 429, "{\"code\":-1003,\"msg\":\"Too many requests.\"}");
        }
      else
        {
          fx->second_request_us = g_get_monotonic_time ();
          soup_message_headers_append (headers, "X-MBX-USED-WEIGHT-1M", "37");
          respond (msg, 200, "{\"ok\":true}");
        }
    }
  else if (strcmp (path, "/r418") == 0)
    {
      fx->n_418++;
      soup_message_headers_append (headers, "Retry-After", "120");
      respond (msg, 418, "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned.\"}");
    }
  else if (strcmp (path, "/bad") == 0)
    {
      respond (msg, 400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    }
  else if (strcmp (path, "/html500") == 0)
    {
      respond (msg, 502, "<html>bad gateway</html>");
    }
  else if (strcmp (path, "/slow") == 0)
    {
      /* Never answered: the client's timer must end it. */
      soup_server_message_pause (msg);
    }
  else
    {
      soup_message_headers_append (headers, "X-MBX-USED-WEIGHT-1M", "37");
      respond (msg, 200, "{\"ok\":true}");
    }
}

static gboolean
guard_cb (gpointer data)
{
  Fixture *fx = data;

  fx->guard_id = 0;
  g_test_fail_printf ("the loopback test took more than 20 s (%u of %u answers)", fx->n_done, fx->n_expected);
  g_main_loop_quit (fx->loop);

  return G_SOURCE_REMOVE;
}

static void
waiting_cb (PerpBinanceRest *rest,
            guint            delay_ms,
            const char      *message,
            Fixture         *fx)
{
  fx->n_waiting++;
  fx->last_wait_ms = delay_ms;
  g_free (fx->last_wait_message);
  fx->last_wait_message = g_strdup (message);
}

static void
failed_cb (PerpBinanceRest *rest,
           const char      *message,
           Fixture         *fx)
{
  fx->n_failed++;
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint timeout_s = GPOINTER_TO_UINT (data);

  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, NULL, server_cb, fx, NULL);
  soup_server_listen_local (fx->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx->server);
  g_assert_nonnull (uris);
  fx->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fx->session = soup_session_new ();
  fx->rest = _perp_binance_rest_new (fx->session, fx->base, 2400, timeout_s > 0 ? timeout_s : 10);
  g_signal_connect (fx->rest, "waiting", G_CALLBACK (waiting_cb), fx);
  g_signal_connect (fx->rest, "failed", G_CALLBACK (failed_cb), fx);
  fx->loop = g_main_loop_new (NULL, FALSE);
  fx->errors = g_ptr_array_new_with_free_func (error_free0);
  fx->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_handle_id (&fx->guard_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (fx->rest, fx);
  g_clear_object (&fx->rest);
  g_clear_object (&fx->session);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->loop, g_main_loop_unref);
  g_clear_pointer (&fx->errors, g_ptr_array_unref);
  g_clear_pointer (&fx->bodies, g_ptr_array_unref);
  g_free (fx->last_wait_message);
  g_free (fx->base);
}

static void
got_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  Fixture *fx = data;
  GError *error = NULL;
  GBytes *body = _perp_binance_rest_get_finish (PERP_BINANCE_REST (source), result, &error);

  g_ptr_array_add (fx->errors, error);
  if (body != NULL)
    g_ptr_array_add (fx->bodies, body);
  if (++fx->n_done == fx->n_expected)
    g_main_loop_quit (fx->loop);
}

static void
run (Fixture *fx,
     guint    n_expected)
{
  fx->n_expected = n_expected;
  fx->guard_id = g_timeout_add_seconds (20, guard_cb, fx);
  g_main_loop_run (fx->loop);
  g_clear_handle_id (&fx->guard_id, g_source_remove);
}

static void
get (Fixture    *fx,
     const char *path)
{
  _perp_binance_rest_get_async (fx->rest, path, "symbol=BTCUSDT", 1, NULL, got_cb, fx);
}

static void
test_loopback_429 (Fixture       *fx,
                   gconstpointer  data)
{
  gint64 waited_us;
  gint64 minute_before = g_get_real_time () / 1000 / PERP_MS_PER_MINUTE;

  get (fx, "/r429");
  run (fx, 1);

  g_assert_no_error ((GError *) g_ptr_array_index (fx->errors, 0));
  g_assert_cmpuint (fx->n_429, ==, 2);
  g_assert_cmpuint (fx->n_waiting, ==, 1);
  g_assert_cmpuint (fx->last_wait_ms, ==, 1000);
  assert_contains (fx->last_wait_message, "HTTP 429");
  assert_contains (fx->last_wait_message, "waiting 1 s");
  waited_us = fx->second_request_us - fx->first_request_us;
  g_assert_cmpint (waited_us, >=, 1000 * 1000 - 20 * 1000);
  g_assert_cmpint (waited_us, <, 5 * G_USEC_PER_SEC);

  /* The weight header was read (unless the wall-clock minute rolled meanwhile). */
  if (g_get_real_time () / 1000 / PERP_MS_PER_MINUTE == minute_before)
    g_assert_cmpuint (_perp_binance_rest_get_used_weight (fx->rest), ==, 37);
}

static void
test_loopback_418 (Fixture       *fx,
                   gconstpointer  data)
{
  guint n_banned = 0;
  guint requests_seen;

  /* Four go out at once, two wait in the queue: all six fail, the last two unsent. */
  for (guint i = 0; i < 6; i++)
    get (fx, "/r418");
  run (fx, 6);

  for (guint i = 0; i < 6; i++)
    {
      GError *error = g_ptr_array_index (fx->errors, i);

      g_assert_error (error, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED);
      assert_contains (error->message, "HTTP 418");
      n_banned++;
    }
  g_assert_cmpuint (n_banned, ==, 6);
  g_assert_cmpuint (fx->n_418, <=, 4);
  g_assert_cmpuint (fx->n_failed, ==, 1);
  assert_contains (_perp_binance_rest_get_failed_reason (fx->rest), "Binance banned this IP (HTTP 418)");
  assert_contains (_perp_binance_rest_get_failed_reason (fx->rest), "retry after 120 s");

  /* Stopped for good: a new request fails without reaching the server. */
  requests_seen = fx->n_requests;
  fx->n_done = 0;
  get (fx, "/ok");
  run (fx, 1);
  g_assert_error ((GError *) g_ptr_array_index (fx->errors, 6), PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_BANNED);
  g_assert_cmpuint (fx->n_requests, ==, requests_seen);
}

static void
test_loopback_timeout (Fixture       *fx,
                       gconstpointer  data)
{
  gint64 start = g_get_monotonic_time ();
  gint64 took;
  GError *error;

  get (fx, "/slow");
  run (fx, 1);
  took = g_get_monotonic_time () - start;

  error = g_ptr_array_index (fx->errors, 0);
  g_assert_error (error, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_TIMEOUT);
  assert_contains (error->message, "GET /slow?symbol=BTCUSDT");
  assert_contains (error->message, "timeout");
  assert_contains (error->message, "within 1 s");
  g_assert_cmpint (took, >=, G_USEC_PER_SEC - 50 * 1000);
  g_assert_cmpint (took, <, 5 * G_USEC_PER_SEC);
}

static void
test_loopback_errors (Fixture       *fx,
                      gconstpointer  data)
{
  GError *error;

  get (fx, "/bad");
  get (fx, "/html500");
  run (fx, 2);

  error = g_ptr_array_index (fx->errors, 0);
  g_assert_error (error, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_HTTP);
  assert_contains (error->message, "HTTP 400");
  assert_contains (error->message, "Invalid symbol.");
  error = g_ptr_array_index (fx->errors, 1);
  g_assert_error (error, PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_HTTP);
  assert_contains (error->message, "HTTP 502");
}

static void
test_loopback_refused (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(PerpBinanceRest) rest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *expected = NULL;
  Fixture fx = { 0 };
  GSList *uris;
  int port;

  /* A port that was just free and is closed again. */
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  soup_server_disconnect (server);

  base = g_strdup_printf ("http://127.0.0.1:%d", port);
  rest = _perp_binance_rest_new (session, base, 2400, 5);
  fx.loop = g_main_loop_new (NULL, FALSE);
  fx.errors = g_ptr_array_new_with_free_func (error_free0);
  fx.bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  fx.rest = rest;

  _perp_binance_rest_get_async (rest, "/fapi/v1/exchangeInfo", NULL, 1, NULL, got_cb, &fx);
  run (&fx, 1);

  expected = g_strdup_printf ("connection refused by 127.0.0.1:%d", port);
  g_assert_error ((GError *) g_ptr_array_index (fx.errors, 0), PERP_BINANCE_ERROR, PERP_BINANCE_ERROR_TRANSPORT);
  assert_contains (((GError *) g_ptr_array_index (fx.errors, 0))->message, expected);

  g_main_loop_unref (fx.loop);
  g_ptr_array_unref (fx.errors);
  g_ptr_array_unref (fx.bodies);
}

static void
test_loopback_cancel (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  _perp_binance_rest_get_async (fx->rest, "/slow", NULL, 1, cancellable, got_cb, fx);
  g_cancellable_cancel (cancellable);
  run (fx, 1);

  g_assert_error ((GError *) g_ptr_array_index (fx->errors, 0), G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/binance/rest/weight", test_weight);
  g_test_add_func ("/io/binance/rest/request-weight", test_request_weight);
  g_test_add_func ("/io/binance/rest/backoff", test_backoff);
  g_test_add_func ("/io/binance/rest/retry-after", test_retry_after);
  g_test_add_func ("/io/binance/rest/transport-messages", test_transport_messages);
  g_test_add ("/io/binance/rest/loopback/429", Fixture, NULL, fixture_setup, test_loopback_429, fixture_teardown);
  g_test_add ("/io/binance/rest/loopback/418", Fixture, NULL, fixture_setup, test_loopback_418, fixture_teardown);
  g_test_add ("/io/binance/rest/loopback/timeout", Fixture, GUINT_TO_POINTER (1),
              fixture_setup, test_loopback_timeout, fixture_teardown);
  g_test_add ("/io/binance/rest/loopback/errors", Fixture, NULL, fixture_setup, test_loopback_errors, fixture_teardown);
  g_test_add ("/io/binance/rest/loopback/cancel", Fixture, NULL, fixture_setup, test_loopback_cancel, fixture_teardown);
  g_test_add_func ("/io/binance/rest/loopback/refused", test_loopback_refused);

  return g_test_run ();
}
