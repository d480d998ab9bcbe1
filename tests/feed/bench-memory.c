/* bench-memory.c: resident memory of Perpscope with many symbols live
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DESIGN.md's budget: under 200 MB resident with 20 symbols live.  This starts the fake
 * Binance server on 127.0.0.1 with recorded candles for every symbol, writes a
 * configuration that watches them through it, runs the program given after "--" (the
 * workstation, or perpscope-cli watch) as a child with that configuration, and samples
 * the child's /proc/PID/status while the streams flow.
 *
 * The data, and where it differs from a day on Binance:
 *   - Candles: the recorded 5m, 15m and 1h series of shared/data/klines_usdm (BTC, ETH,
 *     LTC and 1000PEPE, the recordings long enough for 1,000 candles of each), 4h
 *     aggregated from the 1h ones.  The other symbols are served the series of one of
 *     those four (memory does not depend on the prices).  The files have six columns; the six Binance adds (quote volume, trade
 *     count, taker volumes) are written as zeros.  There is no 1m recording for these
 *     dates, so the 1m chart stays empty: live, each symbol would hold about 1,000 more
 *     candles.
 *   - Every series is cut so that the backfill gets its full history before one common
 *     time, and the clock there never closes a candle (forming updates only): the
 *     series stay aligned in time however long the run.
 *   - Ticks: the recorded BTCUSDT USDT-M capture (depth, bookTicker, trades), so one
 *     symbol has a live order book and trade flow; a book of 1,000 levels a side is
 *     tens of kilobytes, small beside the candles.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "perp-fake-binance.h"

/* The recordings long enough for a full backfill on every interval (15 months: 1,000
 * 4h candles are 167 days). */
#define N_SOURCES 4

static const char *source_symbols[N_SOURCES] = {
  "BTCUSDT", "ETHUSDT", "LTCUSDT", "1000PEPEUSDT",
};

/* Listed on Binance USDT-M (and in the bundled exchangeInfo); the first four have
 * recordings of their own. */
static const char *symbol_names[] = {
  "BTCUSDT", "ETHUSDT", "LTCUSDT", "1000PEPEUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT",
  "DOGEUSDT", "ADAUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT", "TRXUSDT", "BCHUSDT",
  "NEARUSDT", "ATOMUSDT", "APTUSDT", "ARBUSDT", "OPUSDT", "FILUSDT",
};

/* Closed candles of every series before the common time: the backfill asks for
 * 1,000, and a few more keep the server's answer full. */
#define HISTORY_ROWS G_GINT64_CONSTANT (1100)
/* Rows after it, so that the forming candle exists. */
#define FUTURE_ROWS  G_GINT64_CONSTANT (10)

typedef struct
{
  gint64  open_time;
  char   *fields[5];   /* open, high, low, close, volume, as recorded */
} Row;

typedef struct
{
  GMainLoop *loop;
  GPid       pid;
  gboolean   exited;
  int        status;
  gint64     started;
  guint      seconds;
  guint      next_report;
  gsize      peak_hwm_kb;
  gsize      last_rss_kb;
} Run;

static void
row_clear (Row *row)
{
  for (guint i = 0; i < G_N_ELEMENTS (row->fields); i++)
    g_free (row->fields[i]);
}

/* A six-column kline CSV (open_time,open,high,low,close,volume) into rows. */
static GArray *
read_rows (const char  *path,
           GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_array_set_clear_func (rows, (GDestroyNotify) row_clear);
  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      Row row;
      char *end;

      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || (i == 0 && !g_ascii_isdigit (lines[i][0])))
        continue;
      cells = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (cells) != 6)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: %u columns, expected open_time,open,high,low,close,volume",
                       path, i + 1, g_strv_length (cells));
          return NULL;
        }
      row.open_time = g_ascii_strtoll (cells[0], &end, 10);
      if (*end != '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: open time \"%s\" is not a number", path, i + 1, cells[0]);
          return NULL;
        }
      for (guint f = 0; f < G_N_ELEMENTS (row.fields); f++)
        row.fields[f] = g_strdup (cells[f + 1]);
      g_array_append_val (rows, row);
    }

  return g_steal_pointer (&rows);
}

/* Rows of @interval_ms that end before @anchor, the last @history of them, and the
 * @future ones from it on, as Binance's 12 columns. */
static gboolean
write_window (GArray      *rows,
              gint64       interval_ms,
              gint64       anchor,
              const char  *out_path,
              GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint first = 0;
  guint n = 0;

  while (first < rows->len && g_array_index (rows, Row, first).open_time < anchor - HISTORY_ROWS * interval_ms)
    first++;
  for (guint i = first; i < rows->len && n < HISTORY_ROWS + FUTURE_ROWS; i++, n++)
    {
      const Row *row = &g_array_index (rows, Row, i);

      if (row->open_time != anchor + ((gint64) n - HISTORY_ROWS) * interval_ms)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: the recording has no candle at %" G_GINT64_FORMAT " (a gap, or it starts later)",
                       out_path, anchor + ((gint64) n - HISTORY_ROWS) * interval_ms);
          return FALSE;
        }
      g_string_append_printf (out, "%" G_GINT64_FORMAT ",%s,%s,%s,%s,%s,%" G_GINT64_FORMAT ",0,0,0,0,0\n",
                              row->open_time, row->fields[0], row->fields[1], row->fields[2],
                              row->fields[3], row->fields[4], row->open_time + interval_ms - 1);
    }
  if (n != HISTORY_ROWS + FUTURE_ROWS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: %u rows around the common time, need %d", out_path, n, (int) (HISTORY_ROWS + FUTURE_ROWS));
      return FALSE;
    }

  return g_file_set_contents (out_path, out->str, (gssize) out->len, error);
}

/* 4h candles from whole groups of four 1h ones. */
static GArray *
aggregate_4h (GArray *hourly)
{
  const gint64 hour = 3600000;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_array_set_clear_func (rows, (GDestroyNotify) row_clear);
  for (guint i = 0; i + 3 < hourly->len; i++)
    {
      const Row *h = &g_array_index (hourly, Row, i);
      double high = -G_MAXDOUBLE;
      double low = G_MAXDOUBLE;
      double volume = 0.0;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      guint highest = i;
      guint lowest = i;
      Row row;

      if (h->open_time % (4 * hour) != 0 || g_array_index (hourly, Row, i + 3).open_time != h->open_time + 3 * hour)
        continue;
      for (guint k = 0; k < 4; k++)
        {
          const Row *p = &g_array_index (hourly, Row, i + k);
          double row_high = g_ascii_strtod (p->fields[1], NULL);
          double row_low = g_ascii_strtod (p->fields[2], NULL);

          if (row_high > high)
            {
              high = row_high;
              highest = i + k;
            }
          if (row_low < low)
            {
              low = row_low;
              lowest = i + k;
            }
          volume += g_ascii_strtod (p->fields[4], NULL);
        }
      /* Prices keep their recorded text; the summed volume is written as Binance would,
       * in plain decimals. */
      row.open_time = h->open_time;
      row.fields[0] = g_strdup (h->fields[0]);
      row.fields[1] = g_strdup (g_array_index (hourly, Row, highest).fields[1]);
      row.fields[2] = g_strdup (g_array_index (hourly, Row, lowest).fields[2]);
      row.fields[3] = g_strdup (g_array_index (hourly, Row, i + 3).fields[3]);
      row.fields[4] = g_strdup (g_ascii_formatd (buf, sizeof buf, "%.3f", volume));
      g_array_append_val (rows, row);
      i += 3;
    }

  return rows;
}

static char *
find_series (const char *klines_dir,
             const char *symbol,
             const char *interval)
{
  g_autoptr(GDir) dir = g_dir_open (klines_dir, 0, NULL);
  g_autofree char *prefix = g_strdup_printf ("%s_%s_", symbol, interval);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".csv"))
      return g_build_filename (klines_dir, name, NULL);

  return NULL;
}

/* The recordings, cut around each one's own common time (four series per
 * symbol), served under @n_symbols names. */
static gboolean
load_candles (PerpFakeBinance  *fake,
              const char       *shared_dir,
              const char       *work_dir,
              guint             n_symbols,
              GError          **error)
{
  static const struct { const char *name; PerpInterval interval; } intervals[] = {
    { "5m", PERP_INTERVAL_5M }, { "15m", PERP_INTERVAL_15M }, { "1h", PERP_INTERVAL_1H },
  };
  g_autofree char *klines_dir = g_build_filename (shared_dir, "data", "klines_usdm", NULL);

  for (guint s = 0; s < MIN (n_symbols, N_SOURCES); s++)
    {
      g_autoptr(GArray) hourly = NULL;
      g_autoptr(GArray) four_hourly = NULL;
      g_autofree char *path_4h = NULL;
      gint64 anchor = 0;

      for (guint k = 0; k < G_N_ELEMENTS (intervals); k++)
        {
          g_autofree char *path = find_series (klines_dir, source_symbols[s], intervals[k].name);
          g_autofree char *out = NULL;
          g_autoptr(GArray) rows = NULL;
          gint64 ms = perp_interval_to_ms (intervals[k].interval);

          if (path == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: no %s_%s_*.csv",
                           klines_dir, source_symbols[s], intervals[k].name);
              return FALSE;
            }
          rows = read_rows (path, error);
          if (rows == NULL)
            return FALSE;
          /* The common time: the middle of the 5m recording, on a 4h boundary so that
           * every interval has a candle starting there. */
          if (k == 0)
            anchor = g_array_index (rows, Row, rows->len / 2).open_time / (4 * 3600000) * (4 * 3600000);
          out = g_strdup_printf ("%s/%s_%s.csv", work_dir, source_symbols[s], intervals[k].name);
          if (!write_window (rows, ms, anchor, out, error))
            return FALSE;
          for (guint i = s; i < n_symbols; i += N_SOURCES)
            if (!perp_fake_binance_load_candles (fake, symbol_names[i], intervals[k].interval, out, error))
              return FALSE;
          if (intervals[k].interval == PERP_INTERVAL_1H)
            hourly = g_steal_pointer (&rows);
        }

      /* 4h from 1h: 15 months of 1h make about 2,700 of them. */
      four_hourly = aggregate_4h (hourly);
      path_4h = g_strdup_printf ("%s/%s_4h.csv", work_dir, source_symbols[s]);
      if (!write_window (four_hourly, 4 * 3600000, anchor, path_4h, error))
        return FALSE;
      for (guint i = s; i < n_symbols; i += N_SOURCES)
        if (!perp_fake_binance_load_candles (fake, symbol_names[i], PERP_INTERVAL_4H, path_4h, error))
          return FALSE;
    }

  return TRUE;
}

/* The configuration, where the workstation looks for it (XDG_CONFIG_HOME is set to
 * @work_dir/config for the program); returns its path. */
static char *
write_config (PerpFakeBinance  *fake,
              const char       *work_dir,
              guint             n_symbols,
              GError          **error)
{
  g_autofree char *dir = g_build_filename (work_dir, "config", "perpscope", NULL);
  g_autofree char *path = g_build_filename (dir, "perpscope.yaml", NULL);
  g_autofree char *journal = g_build_filename (work_dir, "journal.sqlite", NULL);
  g_autoptr(GString) yaml = g_string_new ("# Written by bench-memory: every symbol from the fake Binance server.\nsymbols: [");

  for (guint i = 0; i < n_symbols; i++)
    g_string_append_printf (yaml, "%s%s", i > 0 ? ", " : "", symbol_names[i]);
  g_string_append_printf (yaml,
                          "]\nfeed:\n  rest_url: %s\n  ws_url_market: %s\n  ws_url_public: %s\n"
                          "journal:\n  path: %s\n",
                          perp_fake_binance_get_rest_url (fake),
                          perp_fake_binance_get_ws_url_market (fake),
                          perp_fake_binance_get_ws_url_public (fake),
                          journal);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", dir, g_strerror (saved));
      return NULL;
    }
  if (!g_file_set_contents (path, yaml->str, (gssize) yaml->len, error))
    return NULL;

  return g_steal_pointer (&path);
}

/* kB of a "Name:   123 kB" line of /proc/PID/status, 0 when missing. */
static gsize
status_kb (const char *status,
           const char *name)
{
  const char *line = strstr (status, name);

  return line != NULL ? (gsize) g_ascii_strtoull (line + strlen (name), NULL, 10) : 0;
}

static gboolean
sample_cb (gpointer user_data)
{
  Run *run = user_data;
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) run->pid);
  g_autofree char *status = NULL;
  guint elapsed = (guint) ((g_get_monotonic_time () - run->started) / G_USEC_PER_SEC);

  if (run->exited || !g_file_get_contents (path, &status, NULL, NULL))
    return G_SOURCE_CONTINUE;

  run->peak_hwm_kb = MAX (run->peak_hwm_kb, status_kb (status, "VmHWM:"));
  run->last_rss_kb = status_kb (status, "VmRSS:");
  if (elapsed >= run->next_report)
    {
      printf ("%7u %10.1f %10.1f %10.1f %10.1f %10.1f\n", elapsed,
              run->last_rss_kb / 1024.0, status_kb (status, "RssAnon:") / 1024.0,
              status_kb (status, "RssFile:") / 1024.0, status_kb (status, "RssShmem:") / 1024.0,
              run->peak_hwm_kb / 1024.0);
      fflush (stdout);
      run->next_report += 5;
    }
  if (elapsed >= run->seconds)
    g_main_loop_quit (run->loop);

  return G_SOURCE_CONTINUE;
}

static void
child_exited_cb (GPid     pid,
                 int      status,
                 gpointer user_data)
{
  Run *run = user_data;

  run->exited = TRUE;
  run->status = status;
  g_spawn_close_pid (pid);
  g_main_loop_quit (run->loop);
}

/* The work folder and whatever the program wrote into it. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
print_log_tail (const char *log_path)
{
  g_autofree char *log = NULL;
  gsize length = 0;

  if (g_file_get_contents (log_path, &log, &length, NULL))
    fprintf (stderr, "--- the program's output (last 2 kB) ---\n%s\n", log + (length > 2048 ? length - 2048 : 0));
}

int
main (int    argc,
      char **argv)
{
  int seconds = 40;
  int n_symbols = G_N_ELEMENTS (symbol_names);
  int pace_ms = 250;
  g_autofree char *exchange_info = NULL;
  g_auto(GStrv) command = NULL;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "How long the program runs (default 40)", "N" },
    { "symbols", 0, 0, G_OPTION_ARG_INT, &n_symbols, "Symbols watched, 1 to 20 (default 20)", "N" },
    { "pace-ms", 0, 0, G_OPTION_ARG_INT, &pace_ms, "Milliseconds between two replayed steps: a kline update of every series and a tick line (default 250, Binance's kline pace)", "MS" },
    { "exchange-info", 0, 0, G_OPTION_ARG_FILENAME, &exchange_info, "The exchangeInfo the server answers with", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL,
      "-- PROGRAM [ARGS...] (an argument {config} becomes the configuration's path)" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("-- PROGRAM [ARGS...]: resident memory of PROGRAM with many symbols live");
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpFakeBinance) fake = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *work_dir = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) env = NULL;
  const char *shared_dir = g_getenv ("PERP_SHARED_DIR");
  Run run = { NULL, };
  int log_fd;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-memory: %s\n", error->message);
      return 2;
    }
  if (command == NULL || command[0] == NULL || exchange_info == NULL
      || n_symbols < 1 || n_symbols > (int) G_N_ELEMENTS (symbol_names) || seconds < 1 || pace_ms < 1)
    {
      fprintf (stderr, "bench-memory: usage: bench-memory --exchange-info FILE [--symbols 1..20] "
                       "[--seconds N] [--pace-ms MS] -- PROGRAM [ARGS...]\n");
      return 2;
    }
  if (shared_dir == NULL || !g_file_test (shared_dir, G_FILE_TEST_IS_DIR))
    {
      printf ("bench-memory: skipped: PERP_SHARED_DIR (the shared data folder) is not set or missing\n");
      return 77;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL && strstr (command[0], "perpscope-cli") == NULL)
    {
      printf ("bench-memory: skipped: the workstation needs a display (run under xvfb-run -a)\n");
      return 77;
    }

  work_dir = g_dir_make_tmp ("perpscope-bench-memory-XXXXXX", &error);
  fake = work_dir != NULL ? perp_fake_binance_new_with_exchange_info (exchange_info, &error) : NULL;
  if (fake == NULL
      || !load_candles (fake, shared_dir, work_dir, (guint) n_symbols, &error)
      || (config_path = write_config (fake, work_dir, (guint) n_symbols, &error)) == NULL)
    {
      fprintf (stderr, "bench-memory: %s\n", error->message);
      return 1;
    }
  /* perpscope-cli takes its configuration as --config FILE. */
  for (guint i = 0; command[i] != NULL; i++)
    if (g_str_equal (command[i], "{config}"))
      {
        g_free (command[i]);
        command[i] = g_strdup (config_path);
      }
  {
    g_autofree char *ticks = g_build_filename (shared_dir, "data", "ticks", "binance_usdm_BTCUSDT_20240808.jsonl.gz", NULL);

    if (!perp_fake_binance_load_ticks (fake, ticks, &error))
      {
        fprintf (stderr, "bench-memory: %s\n", error->message);
        return 1;
      }
  }
  perp_fake_binance_set_kline_start (fake, (guint) HISTORY_ROWS);
  /* Forming updates only: no candle closes, so the series stay aligned in time. */
  perp_fake_binance_set_forming_updates (fake, G_MAXINT / 2);

  env = g_get_environ ();
  {
    g_autofree char *config = g_build_filename (work_dir, "config", NULL);
    g_autofree char *data = g_build_filename (work_dir, "data", NULL);
    g_autofree char *cache = g_build_filename (work_dir, "cache", NULL);
    g_autofree char *state = g_build_filename (work_dir, "state", NULL);

    env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
    env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
    env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
    env = g_environ_setenv (env, "XDG_STATE_HOME", state, TRUE);
    env = g_environ_setenv (env, "GSETTINGS_BACKEND", "memory", TRUE);
    env = g_environ_unsetenv (env, "PERP_OFFLINE");
  }

  log_path = g_build_filename (work_dir, "program.log", NULL);
  log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (log_fd < 0
      || !g_spawn_async_with_pipes_and_fds (NULL, (const char * const *) command, (const char * const *) env,
                                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                            -1, log_fd, log_fd, NULL, NULL, 0, &run.pid, NULL, NULL, NULL, &error))
    {
      fprintf (stderr, "bench-memory: %s: %s\n", command[0], error != NULL ? error->message : g_strerror (errno));
      return 1;
    }
  close (log_fd);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.seconds = (guint) seconds;
  run.started = g_get_monotonic_time ();
  g_child_watch_add (run.pid, child_exited_cb, &run);
  g_timeout_add (250, sample_cb, &run);
  perp_fake_binance_set_pace (fake, (guint) pace_ms, 1);

  printf ("%s with %d symbols live against a fake Binance on 127.0.0.1 (%s); renderer %s\n",
          command[0], n_symbols, perp_fake_binance_get_rest_url (fake),
          g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "GTK's default");
  printf ("%7s %10s %10s %10s %10s %10s\n", "seconds", "RSS MB", "anon MB", "file MB", "shmem MB", "peak MB");
  g_main_loop_run (loop);

  if (run.exited)
    {
      fprintf (stderr, "bench-memory: %s exited early (status %d)\n", command[0], run.status);
      print_log_tail (log_path);
      remove_tree (work_dir);
      return 1;
    }

  kill (run.pid, SIGTERM);
  printf ("\npeak resident (VmHWM): %.1f MB, last: %.1f MB (budget: under 200 MB with 20 symbols); "
          "REST requests served: %u, tick lines replayed: %u\n",
          run.peak_hwm_kb / 1024.0, run.last_rss_kb / 1024.0,
          perp_fake_binance_get_n_requests_total (fake), perp_fake_binance_get_tick_position (fake));
  /* Reap it; a program that ignores SIGTERM is stopped for good after two seconds. */
  for (int i = 0; i < 20 && !run.exited; i++)
    {
      g_usleep (100000);
      g_main_context_iteration (NULL, FALSE);
    }
  if (!run.exited)
    kill (run.pid, SIGKILL);
  remove_tree (work_dir);

  return 0;
}
