/* test-cli-watch.c: perpscope-cli watch against the fake Binance server, as a user
 * runs it: it goes live, prints scores, and Ctrl-C (or SIGTERM) ends it cleanly
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "perp-fake-binance.h"

#define GUARD_S 60

typedef struct
{
  GString  *out;
  GString  *err;
  gboolean  exited;
  int       status;
} Child;

/* What a non-blocking pipe holds now. */
static void
read_into (int      fd,
           GString *into)
{
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (into, buf, n);
}

static void
exited_cb (GPid     pid,
           int      status,
           gpointer user_data)
{
  Child *child = user_data;

  child->exited = TRUE;
  child->status = status;
  g_spawn_close_pid (pid);
}

/* Runs watch until its output shows a live feed and a score, sends @signal_number, and
 * checks the exit the help promises (status 0) without any GLib warning on the way. */
static void
test_watch_interrupted (gconstpointer data)
{
  int signal_number = GPOINTER_TO_INT (data);
  const char *cli = g_getenv ("PERP_CLI");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpFakeBinance) fake = perp_fake_binance_new (&error);
  Child child = { g_string_new (NULL), g_string_new (NULL), FALSE, 0 };
  const char *argv[] = {
    cli, "watch", "--symbols", "FILUSDT", "--interval", "1m", "--no-journal",
    "--rest-url", NULL, "--ws-url-market", NULL, "--ws-url-public", NULL, NULL,
  };
  gint64 deadline = g_get_monotonic_time () + GUARD_S * G_USEC_PER_SEC;
  GPid pid;
  int out_fd;
  int err_fd;

  g_assert_nonnull (cli);
  g_assert_no_error (error);
  argv[8] = perp_fake_binance_get_rest_url (fake);
  argv[10] = perp_fake_binance_get_ws_url_market (fake);
  argv[12] = perp_fake_binance_get_ws_url_public (fake);

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &pid, NULL, &out_fd, &err_fd, &error);
  g_assert_no_error (error);
  g_unix_set_fd_nonblocking (out_fd, TRUE, NULL);
  g_unix_set_fd_nonblocking (err_fd, TRUE, NULL);
  g_child_watch_add (pid, exited_cb, &child);

  /* Candles close every few steps of the fake's clock; each close is a score line. */
  perp_fake_binance_set_pace (fake, 20, 1);
  while (!child.exited && (strstr (child.out->str, "-- live") == NULL || strstr (child.out->str, "FILUSDT") == NULL))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      read_into (out_fd, child.out);
      read_into (err_fd, child.err);
      g_usleep (1000);
    }
  g_assert_false (child.exited);

  kill (pid, signal_number);
  while (!child.exited)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  read_into (out_fd, child.out);
  read_into (err_fd, child.err);

  g_test_message ("stdout:\n%s\nstderr:\n%s", child.out->str, child.err->str);
  g_assert_true (WIFEXITED (child.status));
  g_assert_cmpint (WEXITSTATUS (child.status), ==, 0);
  g_assert_null (strstr (child.err->str, "CRITICAL"));
  g_assert_null (strstr (child.err->str, "WARNING"));

  close (out_fd);
  close (err_fd);
  g_string_free (child.out, TRUE);
  g_string_free (child.err, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/cli/watch/interrupt", GINT_TO_POINTER (SIGINT), test_watch_interrupted);
  g_test_add_data_func ("/cli/watch/terminate", GINT_TO_POINTER (SIGTERM), test_watch_interrupted);

  return g_test_run ();
}
