/* test-replay-feed.c: PerpReplayFeed on fixtures cut from the real recordings
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <glib/gstdio.h>

#include "io/perp-series-csv.h"
#include "replay-test-common.h"

#define TRADES   "replay/binance_spot_ETHUSDT_20240808_trades_from_235630.jsonl.gz"
#define HEAD     "replay/binance_usdm_ETHUSDT_20240808_head400.jsonl"
#define BTC_5M   "replay/BTCUSDT_5m_2023-01-01_first100.csv"
#define BTC_15M  "replay/BTCUSDT_15m_2023-01-01_first40.csv"
#define ETH_5M   "replay/ETHUSDT_5m_2023-01-01_first100.csv"
#define FUNDING  "BTCUSDT_funding_first50.csv"

/* ------------------------------------------------------------------ helpers */

typedef struct
{
  gint64 open_time;
  double open, high, low, close, volume;
} CsvRow;

/* The candle CSV read by the test itself (6-column files with a header). */
static GArray *
csv_rows (const char *name)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (CsvRow));

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "open_time,"));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      CsvRow row;

      if (lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], ",", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 6);
      row.open_time = g_ascii_strtoll (f[0], NULL, 10);
      row.open = g_ascii_strtod (f[1], NULL);
      row.high = g_ascii_strtod (f[2], NULL);
      row.low = g_ascii_strtod (f[3], NULL);
      row.close = g_ascii_strtod (f[4], NULL);
      row.volume = g_ascii_strtod (f[5], NULL);
      g_array_append_val (rows, row);
    }

  return rows;
}

static PerpReplayFeed *
feed_for (const char * const *names)
{
  PerpReplayFeed *feed = perp_replay_feed_new ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = perp_test_fixture_path (names[i]);
      g_autoptr(GError) error = NULL;

      g_assert_true (perp_replay_feed_add_file (feed, path, &error));
      g_assert_no_error (error);
    }
  perp_replay_feed_set_speed (feed, 0);

  return feed;
}

static GPtrArray *
replay_fixtures (const char * const *names,
                 double              speed)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  PerpFeedState state;
  GPtrArray *lines;

  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (paths, perp_test_fixture_path (names[i]));
  g_ptr_array_add (paths, NULL);
  lines = replay_paths ((const char * const *) paths->pdata, speed, FALSE, &state);
  g_assert_cmpint (state, ==, PERP_FEED_STATE_FINISHED);

  return lines;
}

/* "closed SYM I open o h l c v ..." back into its parts. */
static void
parse_candle_line (const char *line,
                   char      **symbol,
                   char      **interval,
                   PerpCandle *c)
{
  g_auto(GStrv) f = g_strsplit (line, " ", -1);

  g_assert_cmpuint (g_strv_length (f), ==, 12);
  *symbol = g_strdup (f[1]);
  *interval = g_strdup (f[2]);
  c->open_time = g_ascii_strtoll (f[3], NULL, 10);
  c->open = g_ascii_strtod (f[4], NULL);
  c->high = g_ascii_strtod (f[5], NULL);
  c->low = g_ascii_strtod (f[6], NULL);
  c->close = g_ascii_strtod (f[7], NULL);
  c->volume = g_ascii_strtod (f[8], NULL);
  c->quote_volume = g_ascii_strtod (f[9], NULL);
  c->taker_buy_volume = g_ascii_strtod (f[10], NULL);
  c->trade_count = g_ascii_strtoll (f[11], NULL, 10);
}

/* ------------------------------------------------------------------ candle CSVs */

typedef struct
{
  gint64      close_time;
  guint       source;
  const char *symbol;
  const char *interval;
  CsvRow      row;
} Expected;

static int
compare_expected (gconstpointer a,
                  gconstpointer b)
{
  const Expected *x = a;
  const Expected *y = b;

  if (x->close_time != y->close_time)
    return x->close_time < y->close_time ? -1 : 1;
  if (x->source != y->source)
    return x->source < y->source ? -1 : 1;
  return x->row.open_time < y->row.open_time ? -1 : (x->row.open_time > y->row.open_time);
}

/* Three CSVs merged by close time, ties in the order the files were added; each
 * candle-closed preceded by the clock of its close time when that moved. */
static void
test_csv_merge_order (void)
{
  const char *names[] = { BTC_5M, BTC_15M, ETH_5M, NULL };
  const char *symbols[] = { "BTCUSDT", "BTCUSDT", "ETHUSDT" };
  const char *intervals[] = { "5m", "15m", "5m" };
  const gint64 ms[] = { 300000, 900000, 300000 };
  g_autoptr(GPtrArray) lines = replay_fixtures (names, 0);
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (Expected));
  gint64 clock = 0;
  guint k = 0;

  for (guint s = 0; s < 3; s++)
    {
      g_autoptr(GArray) rows = csv_rows (names[s]);

      for (guint i = 0; i < rows->len; i++)
        {
          Expected e = { 0 };

          e.row = g_array_index (rows, CsvRow, i);
          e.close_time = e.row.open_time + ms[s];
          e.source = s;
          e.symbol = symbols[s];
          e.interval = intervals[s];
          g_array_append_val (expected, e);
        }
    }
  g_array_sort (expected, compare_expected);

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      g_autofree char *symbol = NULL;
      g_autofree char *interval = NULL;
      const Expected *e;
      PerpCandle c;

      if (g_str_has_prefix (line, "clock "))
        {
          gint64 t = g_ascii_strtoll (line + 6, NULL, 10);

          g_assert_cmpint (t, >, clock);
          clock = t;
          continue;
        }
      g_assert_true (g_str_has_prefix (line, "closed "));
      g_assert_cmpuint (k, <, expected->len);
      e = &g_array_index (expected, Expected, k++);
      parse_candle_line (line, &symbol, &interval, &c);
      g_assert_cmpstr (symbol, ==, e->symbol);
      g_assert_cmpstr (interval, ==, e->interval);
      g_assert_cmpint (c.open_time, ==, e->row.open_time);
      g_assert_cmpfloat (c.open, ==, e->row.open);
      g_assert_cmpfloat (c.high, ==, e->row.high);
      g_assert_cmpfloat (c.low, ==, e->row.low);
      g_assert_cmpfloat (c.close, ==, e->row.close);
      g_assert_cmpfloat (c.volume, ==, e->row.volume);
      /* The clock says the candle's close time when it closes. */
      g_assert_cmpint (clock, ==, e->close_time);
    }
  g_assert_cmpuint (k, ==, expected->len);
}

static void
test_csv_warmup (void)
{
  const char *names[] = { BTC_5M, ETH_5M, NULL };
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  g_autoptr(GArray) btc = csv_rows (BTC_5M);
  EventLog log;
  const char *first;
  const char *second;

  perp_replay_feed_set_warmup (feed, 30);
  event_log_init (&log, PERP_FEED (feed));
  run_to_end (feed, &log);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);

  /* Two blocks of 30 first, in file order, then the rest one by one. */
  first = g_ptr_array_index (log.lines, 0);
  second = g_ptr_array_index (log.lines, 1);
  g_assert_true (g_str_has_prefix (first, "loaded BTCUSDT 5m 30 | 1672531200000 "));
  g_assert_true (g_str_has_prefix (second, "loaded ETHUSDT 5m 30 | 1672531200000 "));
  g_assert_cmpuint (count_prefix (log.lines, "loaded "), ==, 2);
  g_assert_cmpuint (count_prefix (log.lines, "closed BTCUSDT 5m "), ==, btc->len - 30);
  g_assert_cmpuint (count_prefix (log.lines, "closed ETHUSDT 5m "), ==, 100 - 30);
  {
    g_autofree char *want = g_strdup_printf ("closed BTCUSDT 5m %" G_GINT64_FORMAT " ",
                                             g_array_index (btc, CsvRow, 30).open_time);
    gboolean found = FALSE;

    for (guint i = 0; i < log.lines->len && !found; i++)
      if (g_str_has_prefix (g_ptr_array_index (log.lines, i), "closed BTCUSDT"))
        {
          g_assert_true (g_str_has_prefix (g_ptr_array_index (log.lines, i), want));
          found = TRUE;
        }
    g_assert_true (found);
  }
  event_log_clear (&log);
}

/* ------------------------------------------------------------------ captures */

static void
test_capture_events (void)
{
  const char *names[] = { HEAD, NULL };
  g_autofree char *path = perp_test_fixture_path (HEAD);
  g_autoptr(GPtrArray) raw = raw_read (path);
  g_autoptr(GPtrArray) lines = replay_fixtures (names, 0);
  guint n_depth = 0, n_trade = 0, n_ticker = 0, n_snapshot = 0;
  gint64 last_clock = 0;

  for (guint i = 0; i < raw->len; i++)
    {
      RawLine *r = g_ptr_array_index (raw, i);

      if (g_str_has_suffix (r->stream, "@trade"))
        n_trade++;
      else if (g_str_has_suffix (r->stream, "@bookTicker"))
        n_ticker++;
      else if (strstr (r->stream, "@depth") != NULL)
        n_depth++;
      else if (strcmp (r->stream, "rest_depth_snapshot") == 0)
        n_snapshot++;
    }

  g_assert_cmpuint (count_prefix (lines, "depth ETHUSDT "), ==, n_depth);
  g_assert_cmpuint (count_prefix (lines, "trade ETHUSDT "), ==, n_trade);
  g_assert_cmpuint (count_prefix (lines, "ticker ETHUSDT "), ==, n_ticker);
  /* The snapshot has no "s": it takes the file's symbol. */
  g_assert_cmpuint (count_prefix (lines, "snapshot ETHUSDT "), ==, n_snapshot);
  g_assert_cmpuint (n_snapshot, ==, 1);
  /* Every trade moves the trade-built forming 1m candle. */
  g_assert_cmpuint (count_prefix (lines, "updated ETHUSDT 1m "), >=, n_trade);

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);

      if (g_str_has_prefix (line, "clock "))
        {
          gint64 t = g_ascii_strtoll (line + 6, NULL, 10);

          g_assert_cmpint (t, >, last_clock);
          last_clock = t;
        }
    }
  g_assert_cmpint (last_clock, >, G_GINT64_CONSTANT (1723161255000));
}

/* The 1m candles the feed builds from a capture's trades equal a second pass over
 * the same trades, and so do the trades it emits. */
static void
test_capture_trade_candles (void)
{
  const char *names[] = { TRADES, NULL };
  g_autofree char *path = perp_test_fixture_path (TRADES);
  g_autoptr(GPtrArray) raw = raw_read (path);
  g_autoptr(GArray) expected = expected_candles (raw, 60000);
  g_autoptr(GPtrArray) lines = replay_fixtures (names, 0);
  guint k = 0;
  guint t = 0;

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);

      if (g_str_has_prefix (line, "closed "))
        {
          g_autofree char *symbol = NULL;
          g_autofree char *interval = NULL;
          PerpCandle c;

          parse_candle_line (line, &symbol, &interval, &c);
          g_assert_cmpstr (symbol, ==, "ETHUSDT");
          g_assert_cmpstr (interval, ==, "1m");
          g_assert_cmpuint (k, <, expected->len);
          assert_candle_equal (&c, &g_array_index (expected, PerpCandle, k));
          k++;
        }
      else if (g_str_has_prefix (line, "trade "))
        {
          g_auto(GStrv) f = g_strsplit (line, " ", -1);
          RawLine *r = g_ptr_array_index (raw, t++);

          g_assert_cmpint (g_ascii_strtoll (f[3], NULL, 10), ==, r->time);
          g_assert_cmpfloat (g_ascii_strtod (f[6], NULL), ==, r->price);
          g_assert_cmpfloat (g_ascii_strtod (f[7], NULL), ==, r->qty);
        }
    }
  /* All but the last minute closed (its end is not in the data). */
  g_assert_cmpuint (expected->len, >=, 4);
  g_assert_cmpuint (k, ==, expected->len - 1);
  g_assert_cmpuint (t, ==, raw->len);
}

/* ------------------------------------------------------------------ determinism */

static void
test_determinism (void)
{
  const char *all[] = { HEAD, TRADES, BTC_5M, ETH_5M, NULL };
  const char *captures[] = { HEAD, TRADES, NULL };
  g_autoptr(GPtrArray) a = replay_fixtures (all, 0);
  g_autoptr(GPtrArray) b = replay_fixtures (all, 0);
  g_autoptr(GPtrArray) fast = replay_fixtures (captures, 0);
  /* Paced at a speed that still sleeps between events (the captures span minutes;
   * the CSVs lie a year and a half before them): the same signals. */
  g_autoptr(GPtrArray) paced = replay_fixtures (captures, 20000);

  g_assert_cmpuint (a->len, >, 10000);
  assert_same_lines (a, b);
  assert_same_lines (fast, paced);
}

/* ------------------------------------------------------------------ controls */

typedef struct
{
  PerpReplayFeed *feed;
  guint           pause_at;
  guint           n_seen;
} PauseHook;

static void
pause_hook (gpointer data,
            const char *line)
{
  EventLog *log = data;
  PauseHook *hook = log->hook_data;

  if (++hook->n_seen == hook->pause_at)
    perp_replay_feed_pause (hook->feed);
}

static gboolean
quit_later (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_later, &done);
  iterate_until (flag_set, &done, 30);
}

static void
test_pause_resume (void)
{
  const char *names[] = { HEAD, TRADES, NULL };
  g_autoptr(GPtrArray) reference = replay_fixtures (names, 0);
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  PauseHook hook = { feed, 1234, 0 };
  EventLog log;
  guint n_at_pause;

  event_log_init (&log, PERP_FEED (feed));
  log.hook = pause_hook;
  log.hook_data = &hook;
  perp_feed_start (PERP_FEED (feed));
  while (log.last_state != PERP_FEED_STATE_PAUSED && !log.ended)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_PAUSED);
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (feed)), ==, PERP_FEED_STATE_PAUSED);
  /* The pause takes effect after the event being delivered (a trade is followed by
   * its candle update). */
  n_at_pause = log.lines->len;
  g_assert_cmpuint (n_at_pause, >=, 1234);
  g_assert_cmpuint (n_at_pause, <=, 1236);

  /* Paused means nothing more arrives. */
  wait_ms (50);
  g_assert_cmpuint (log.lines->len, ==, n_at_pause);

  perp_replay_feed_resume (feed);
  iterate_until (log_ended, &log, 120);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);
  assert_same_lines (log.lines, reference);
  event_log_clear (&log);
}

static void
stop_hook (gpointer    data,
           const char *line)
{
  EventLog *log = data;
  PauseHook *hook = log->hook_data;

  if (++hook->n_seen == hook->pause_at)
    perp_feed_stop (PERP_FEED (hook->feed));
}

static gboolean
log_offline (gpointer data)
{
  return ((EventLog *) data)->last_state == PERP_FEED_STATE_OFFLINE;
}

/* Stop goes OFFLINE for good; a new start plays from the beginning again. */
static void
test_stop_restart (void)
{
  const char *names[] = { HEAD, NULL };
  g_autoptr(GPtrArray) reference = replay_fixtures (names, 0);
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  PauseHook hook = { feed, 500, 0 };
  EventLog log;
  guint n_at_stop;

  event_log_init (&log, PERP_FEED (feed));
  log.hook = stop_hook;
  log.hook_data = &hook;
  perp_feed_start (PERP_FEED (feed));
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_REPLAYING);
  iterate_until (log_offline, &log, 60);
  g_assert_cmpint (perp_feed_get_state (PERP_FEED (feed)), ==, PERP_FEED_STATE_OFFLINE);
  n_at_stop = log.lines->len;
  g_assert_cmpuint (n_at_stop, <, 505);
  wait_ms (30);
  g_assert_cmpuint (log.lines->len, ==, n_at_stop);
  /* Stopping twice is harmless. */
  perp_feed_stop (PERP_FEED (feed));

  log.hook = NULL;
  g_ptr_array_set_size (log.lines, 0);
  run_to_end (feed, &log);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);
  assert_same_lines (log.lines, reference);
  event_log_clear (&log);
}

static gboolean
log_paused (gpointer data)
{
  EventLog *log = data;

  return log->last_state == PERP_FEED_STATE_PAUSED || log->ended;
}

/* Seek into the CSVs: one candles-loaded block per series with exactly the candles
 * closed by then, then playback goes on where an uninterrupted run would be. */
static void
test_seek_csv (void)
{
  const char *names[] = { BTC_5M, BTC_15M, NULL };
  g_autoptr(GPtrArray) reference = replay_fixtures (names, 0);
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  g_autoptr(GArray) btc5 = csv_rows (BTC_5M);
  g_autoptr(GArray) btc15 = csv_rows (BTC_15M);
  gint64 target = g_array_index (btc5, CsvRow, 40).open_time + 60000;  /* inside candle 40 */
  guint n5 = 0, n15 = 0;
  g_autofree char *want5 = NULL;
  g_autofree char *want15 = NULL;
  g_autofree char *clock = g_strdup_printf ("clock %" G_GINT64_FORMAT, target);
  guint tail_start = 0;
  EventLog log;

  for (guint i = 0; i < btc5->len; i++)
    n5 += g_array_index (btc5, CsvRow, i).open_time + 300000 <= target;
  for (guint i = 0; i < btc15->len; i++)
    n15 += g_array_index (btc15, CsvRow, i).open_time + 900000 <= target;
  g_assert_cmpuint (n5, ==, 40);
  want5 = g_strdup_printf ("loaded BTCUSDT 5m %u ", n5);
  want15 = g_strdup_printf ("loaded BTCUSDT 15m %u ", n15);

  event_log_init (&log, PERP_FEED (feed));
  perp_replay_feed_seek (feed, target);
  iterate_until (log_paused, &log, 60);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_PAUSED);
  g_assert_cmpint (perp_replay_feed_get_data_time (feed), ==, target);
  g_assert_cmpuint (log.lines->len, ==, 3);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log.lines, 0), want5));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log.lines, 1), want15));
  g_assert_cmpstr (g_ptr_array_index (log.lines, 2), ==, clock);

  /* The rest equals the uninterrupted run from the first event after the target. */
  perp_replay_feed_resume (feed);
  iterate_until (log_ended, &log, 60);
  for (guint i = 0; i < reference->len; i++)
    {
      const char *line = g_ptr_array_index (reference, i);

      if (g_str_has_prefix (line, "clock ") && g_ascii_strtoll (line + 6, NULL, 10) > target)
        {
          tail_start = i;
          break;
        }
    }
  g_assert_cmpuint (tail_start, >, 0);
  g_assert_cmpuint (log.lines->len - 3, ==, reference->len - tail_start);
  for (guint i = tail_start; i < reference->len; i++)
    g_assert_cmpstr (g_ptr_array_index (log.lines, 3 + i - tail_start), ==, g_ptr_array_index (reference, i));
  event_log_clear (&log);
}

/* Seek into a capture: the trade-built history up to the target as one block, and the
 * trades after it exactly as an uninterrupted run has them. */
static void
test_seek_capture (void)
{
  const char *names[] = { TRADES, NULL };
  g_autofree char *path = perp_test_fixture_path (TRADES);
  g_autoptr(GPtrArray) raw = raw_read (path);
  g_autoptr(GArray) expected = expected_candles (raw, 60000);
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  gint64 target = g_array_index (expected, PerpCandle, 2).open_time + 30000;
  g_autoptr(GPtrArray) raw_after = g_ptr_array_new ();
  guint n_closed = 0;
  guint n_trades = 0;
  EventLog log;
  const char *loaded;

  /* Candles closed by the target: both full minutes before the one it is in. */
  for (guint i = 0; i < expected->len; i++)
    n_closed += g_array_index (expected, PerpCandle, i).open_time + 60000 <= target;
  for (guint i = 0; i < raw->len; i++)
    if (((RawLine *) g_ptr_array_index (raw, i))->time > target)
      g_ptr_array_add (raw_after, g_ptr_array_index (raw, i));

  event_log_init (&log, PERP_FEED (feed));
  perp_replay_feed_seek (feed, target);
  iterate_until (log_paused, &log, 60);
  loaded = g_ptr_array_index (log.lines, 0);
  {
    g_autofree char *want = g_strdup_printf ("loaded ETHUSDT 1m %u ", n_closed);
    g_auto(GStrv) blocks = g_strsplit (loaded, " | ", -1);

    g_assert_true (g_str_has_prefix (loaded, want));
    g_assert_cmpuint (g_strv_length (blocks), ==, n_closed + 1);
    for (guint i = 0; i < n_closed; i++)
      {
        g_autofree char *line = g_strdup_printf ("closed ETHUSDT 1m %s", blocks[i + 1]);
        g_autofree char *symbol = NULL;
        g_autofree char *interval = NULL;
        PerpCandle c;

        parse_candle_line (line, &symbol, &interval, &c);
        assert_candle_equal (&c, &g_array_index (expected, PerpCandle, i));
      }
  }
  /* Then the forming candle and the clock. */
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log.lines, 1), "updated ETHUSDT 1m "));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log.lines, 2), "clock "));

  perp_replay_feed_resume (feed);
  iterate_until (log_ended, &log, 60);
  for (guint i = 3; i < log.lines->len; i++)
    {
      const char *line = g_ptr_array_index (log.lines, i);

      if (g_str_has_prefix (line, "trade "))
        {
          g_auto(GStrv) f = g_strsplit (line, " ", -1);
          RawLine *r = g_ptr_array_index (raw_after, n_trades++);

          g_assert_cmpint (g_ascii_strtoll (f[3], NULL, 10), ==, r->time);
          g_assert_cmpfloat (g_ascii_strtod (f[7], NULL), ==, r->qty);
        }
    }
  g_assert_cmpuint (n_trades, ==, raw_after->len);
  event_log_clear (&log);
}

static void
test_step (void)
{
  const char *names[] = { BTC_5M, NULL };
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  g_autoptr(GArray) rows = csv_rows (BTC_5M);
  gint64 first_close = g_array_index (rows, CsvRow, 0).open_time + 300000;
  EventLog log;

  event_log_init (&log, PERP_FEED (feed));

  /* From the start, one 15m step: the 5m candles closing by the first 15m close. */
  perp_replay_feed_step (feed, PERP_INTERVAL_15M);
  iterate_until (log_paused, &log, 60);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_PAUSED);
  g_assert_cmpint (perp_replay_feed_get_data_time (feed), ==, first_close / 900000 * 900000 + 900000);
  g_assert_cmpuint (count_prefix (log.lines, "closed BTCUSDT 5m "), ==, 3);

  /* Then one 5m step: exactly one more candle. */
  log.last_state = PERP_FEED_STATE_REPLAYING;
  perp_replay_feed_step (feed, PERP_INTERVAL_5M);
  iterate_until (log_paused, &log, 60);
  g_assert_cmpuint (count_prefix (log.lines, "closed BTCUSDT 5m "), ==, 4);
  g_assert_cmpint (perp_replay_feed_get_data_time (feed), ==, g_array_index (rows, CsvRow, 3).open_time + 300000);

  /* A 1h step from there: up to the next full hour. */
  log.last_state = PERP_FEED_STATE_REPLAYING;
  perp_replay_feed_step (feed, PERP_INTERVAL_1H);
  iterate_until (log_paused, &log, 60);
  g_assert_cmpuint (count_prefix (log.lines, "closed BTCUSDT 5m "), ==, 12);
  event_log_clear (&log);
}

/* At 600x a capture spanning minutes takes its span / 600 of real time, give or take. */
static void
test_pacing (void)
{
  const char *names[] = { TRADES, NULL };
  g_autofree char *path = perp_test_fixture_path (TRADES);
  g_autoptr(GPtrArray) raw = raw_read (path);
  g_autoptr(PerpReplayFeed) feed = feed_for (names);
  gint64 span = ((RawLine *) g_ptr_array_index (raw, raw->len - 1))->time - ((RawLine *) g_ptr_array_index (raw, 0))->time;
  double expected_s = (double) span / 1000.0 / 600.0;
  gint64 start;
  double elapsed_s;
  EventLog log;

  g_assert_cmpint (span, >=, 120000);
  perp_replay_feed_set_speed (feed, 600);
  event_log_init (&log, PERP_FEED (feed));
  start = g_get_monotonic_time ();
  run_to_end (feed, &log);
  elapsed_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("span %.1f s of data at 600x: %.3f s (expected %.3f s)", span / 1000.0, elapsed_s, expected_s);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);
  g_assert_cmpfloat (elapsed_s, >=, 0.9 * expected_s);
  g_assert_cmpfloat (elapsed_s, <=, expected_s + 10.0);
  event_log_clear (&log);
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
  guint  n;
} Ticker;

static gboolean
on_tick_1ms (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last != 0)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->n++;

  return G_SOURCE_CONTINUE;
}

static gboolean
log_ended_or_late (gpointer data)
{
  EventLog *log = data;

  return log->ended || log->lines->len > 400000;
}

/* As fast as possible, a 1 ms timeout still fires every few ms. */
static void
check_responsive (const char *path)
{
  g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
  g_autoptr(GError) error = NULL;
  Ticker ticker = { 0 };
  guint id;
  gint64 start;
  double elapsed_ms;
  PerpFeedState end_state;
  EventLog log;

  perp_replay_feed_add_file (feed, path, &error);
  g_assert_no_error (error);
  perp_replay_feed_set_speed (feed, 0);
  event_log_init (&log, PERP_FEED (feed));
  id = g_timeout_add (1, on_tick_1ms, &ticker);
  start = g_get_monotonic_time ();
  perp_feed_start (PERP_FEED (feed));
  iterate_until (log_ended_or_late, &log, 240);
  elapsed_ms = (double) (g_get_monotonic_time () - start) / 1000.0;
  g_source_remove (id);
  end_state = log.last_state;
  perp_feed_stop (PERP_FEED (feed));

  g_test_message ("%s: %u signals in %.0f ms; 1 ms timeout fired %u times, longest gap %.1f ms",
                  path, log.lines->len, elapsed_ms, ticker.n, ticker.max_gap / 1000.0);
  g_assert_cmpuint (log.lines->len, >, 5000);
  g_assert_cmpint (end_state, ==, PERP_FEED_STATE_FINISHED);
  /* Generous (sanitizers, a shared machine): slices are ~2 ms, so the timeout fires
   * every few ms on average; a replay that blocked would show one gap of the whole
   * run and a handful of firings. */
  g_assert_cmpint (ticker.max_gap, <, 250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpfloat (ticker.n, >=, elapsed_ms / 20.0);
  event_log_clear (&log);
}

static void
test_responsive_fixture (void)
{
  g_autofree char *path = perp_test_fixture_path (TRADES);

  check_responsive (path);
}

static void
test_responsive_shared (void)
{
  g_autofree char *path = perp_test_shared_path ("data/ticks/binance_usdm_BTCUSDT_20240808.jsonl.gz");

  if (path == NULL)
    {
      g_test_skip ("../shared/data/ticks/binance_usdm_BTCUSDT_20240808.jsonl.gz is not there");
      return;
    }
  check_responsive (path);
}

/* ------------------------------------------------------------------ bad input */

static void
test_malformed_fails (void)
{
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_malformed.jsonl");
  const char *paths[] = { path, NULL };
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("%s:9: ", path);
  PerpFeedState state;
  EventLog log;

  lines = replay_paths (paths, 0, FALSE, &state);
  g_assert_cmpint (state, ==, PERP_FEED_STATE_FAILED);

  perp_replay_feed_add_file (feed, path, &error);
  g_assert_no_error (error);
  perp_replay_feed_set_speed (feed, 0);
  event_log_init (&log, PERP_FEED (feed));
  run_to_end (feed, &log);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FAILED);
  g_assert_true (g_str_has_prefix (log.message, where));
  g_assert_cmpstr (perp_replay_feed_get_failure (feed), ==, log.message);
  /* The eight good lines before it were played. */
  g_assert_cmpuint (count_prefix (log.lines, "depth ") + count_prefix (log.lines, "trade ")
                    + count_prefix (log.lines, "ticker "), ==, 8);
  event_log_clear (&log);
}

static void
test_malformed_lenient (void)
{
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_malformed.jsonl");
  g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("%s:9: ", path);
  EventLog log;

  perp_replay_feed_set_lenient (feed, TRUE);
  perp_replay_feed_add_file (feed, path, &error);
  g_assert_no_error (error);
  perp_replay_feed_set_speed (feed, 0);
  event_log_init (&log, PERP_FEED (feed));
  run_to_end (feed, &log);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);
  /* tests/fixtures/README.md: lines 9, 17, 21, 39 and 65 are broken (25 is blank). */
  g_assert_cmpuint (perp_replay_feed_get_n_skipped (feed), ==, 5);
  g_assert_true (g_str_has_prefix (perp_replay_feed_get_first_skipped (feed), where));
  event_log_clear (&log);
}

/* A line whose own time is years after it was recorded (here the year 9999): the
 * source's clock only moves forward, so taken as it is every later line would wait for
 * it.  An error naming the line; in lenient mode a skipped line, and the rest plays. */
static void
test_corrupt_time (void)
{
  g_autofree char *fixture = perp_test_fixture_path ("ticks_usdm_BTCUSDT_head.jsonl");
  g_autofree char *dir = g_dir_make_tmp ("perp-replay-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "binance_usdm_BTCUSDT_corrupt.jsonl", NULL);
  g_autofree char *text = NULL;
  g_autofree char *where = g_strdup_printf ("%s:3: ", path);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) time_re = g_regex_new ("\"([ET])\":[0-9]+", 0, 0, NULL);
  char *changed;

  g_assert_true (g_file_get_contents (fixture, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  changed = g_regex_replace (time_re, lines[2], -1, 0, "\"\\1\":253402300799999", 0, NULL);
  g_assert_cmpstr (changed, !=, lines[2]);
  g_free (lines[2]);
  lines[2] = changed;
  g_clear_pointer (&text, g_free);
  text = g_strjoinv ("\n", lines);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));

  for (guint lenient = 0; lenient < 2; lenient++)
    {
      g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      EventLog log;

      perp_replay_feed_set_lenient (feed, lenient);
      perp_replay_feed_add_file (feed, path, &error);
      g_assert_no_error (error);
      perp_replay_feed_set_speed (feed, 1000);   /* paced: a time stuck in 9999 would stall it */
      event_log_init (&log, PERP_FEED (feed));
      run_to_end (feed, &log);
      if (lenient)
        {
          g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FINISHED);
          g_assert_cmpuint (perp_replay_feed_get_n_skipped (feed), ==, 1);
          g_assert_true (g_str_has_prefix (perp_replay_feed_get_first_skipped (feed), where));
          g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
        }
      else
        {
          g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_FAILED);
          g_assert_true (g_str_has_prefix (log.message, where));
          g_assert_nonnull (strstr (log.message, "days after the line was recorded"));
        }
      event_log_clear (&log);
    }
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_bad_files (void)
{
  g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("perp-replay-XXXXXX", &error);
  g_autofree char *unnamed = g_build_filename (dir, "candles.csv", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "binance_usdm_BTCUSDT_x.jsonl.gz", NULL);
  g_autofree char *bad_csv = g_build_filename (dir, "BTCUSDT_5m_bad.csv", NULL);
  g_autofree char *gz_csv = g_build_filename (dir, "BTCUSDT_5m_2024.csv.gz", NULL);
  g_autofree char *csv_src = perp_test_fixture_path (BTC_5M);

  g_assert_no_error (error);
  g_file_set_contents (unnamed, "open_time,open,high,low,close,volume\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (text, "hello\n", -1, &error);
  g_assert_no_error (error);

  g_assert_false (perp_replay_feed_add_file (feed, missing, &error));
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_false (perp_replay_feed_add_file (feed, unnamed, &error));
  g_assert_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME);
  g_assert_nonnull (strstr (error->message, unnamed));
  g_clear_error (&error);

  g_assert_false (perp_replay_feed_add_file (feed, text, &error));
  g_assert_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_KIND);
  g_clear_error (&error);

  /* A compressed CSV is refused by name, not read as text (a header error). */
  g_file_set_contents (gz_csv, "\x1f\x8b\x08\x00 not really gzip", -1, &error);
  g_assert_no_error (error);
  g_assert_false (perp_replay_feed_add_file (feed, gz_csv, &error));
  g_assert_error (error, PERP_REPLAY_ERROR, PERP_REPLAY_ERROR_NAME);
  g_assert_nonnull (strstr (error->message, "decompress it first"));
  g_clear_error (&error);

  /* A CSV row with a bad number: FILE:LINE from the loader. */
  g_file_set_contents (bad_csv, "open_time,open,high,low,close,volume\n1672531200000,1,2,0.5,1.5,10\n"
                       "1672531500000,1,abc,0.5,1.5,10\n", -1, &error);
  g_assert_no_error (error);
  g_assert_false (perp_replay_feed_add_file (feed, bad_csv, &error));
  g_assert_nonnull (strstr (error->message, "BTCUSDT_5m_bad.csv:3"));
  g_clear_error (&error);
  g_assert_cmpuint (perp_replay_feed_get_n_sources (feed), ==, 0);

  /* A directory: only the files it recognises (the good CSV copied in). */
  g_remove (bad_csv);
  {
    g_autofree char *contents = NULL;
    gsize length;
    g_autofree char *copy = g_build_filename (dir, "BTCUSDT_5m_2023-01-01_first100.csv", NULL);

    g_file_get_contents (csv_src, &contents, &length, &error);
    g_assert_no_error (error);
    g_file_set_contents (copy, contents, (gssize) length, &error);
    g_assert_no_error (error);
    g_assert_true (perp_replay_feed_add_file (feed, dir, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (perp_replay_feed_get_n_sources (feed), ==, 1);
    g_remove (copy);
  }

  g_remove (unnamed);
  g_remove (text);
  g_remove (gz_csv);
  g_rmdir (dir);
}

/* A funding CSV beside the candles: each row a funding-rate at its settlement time,
 * merged by time with the candles; found in a folder by its name; emitted while
 * seeking too (settlements are history); a broken row names its file and line. */
static void
test_csv_funding (void)
{
  const char *names[] = { BTC_5M, FUNDING, NULL };
  g_autoptr(GPtrArray) lines = replay_fixtures (names, 0);
  g_autoptr(PerpTimeSeries) funding = NULL;
  g_autofree char *funding_path = perp_test_fixture_path (FUNDING);
  g_autofree char *candles_path = perp_test_fixture_path (BTC_5M);
  g_autofree char *dir = g_dir_make_tmp ("perp-replay-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "ETHUSDT_funding_bad.csv", NULL);
  g_autoptr(PerpReplayFeed) seeking = feed_for (names);
  g_autoptr(GError) error = NULL;
  gint64 last_close = G_MININT64;
  gint64 target;
  guint k = 0;
  EventLog log;

  funding = perp_series_csv_load (funding_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (funding->length, >, 3);

  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);

      if (g_str_has_prefix (line, "closed "))
        {
          g_autofree char *symbol = NULL;
          g_autofree char *interval = NULL;
          PerpCandle c;

          parse_candle_line (line, &symbol, &interval, &c);
          last_close = c.open_time + 300000;
          /* Every settlement up to this close came before it (ties: the candles,
           * added first). */
          g_assert_true (k == funding->length || funding->time[k] >= last_close);
        }
      else if (g_str_has_prefix (line, "funding "))
        {
          g_autofree char *want = g_strdup_printf ("funding BTCUSDT %" G_GINT64_FORMAT " %.17g",
                                                   funding->time[k], funding->value[k]);

          g_assert_cmpuint (k, <, funding->length);
          g_assert_cmpstr (line, ==, want);
          g_assert_cmpint (funding->time[k], >=, last_close);
          k++;
        }
    }
  g_assert_cmpuint (k, ==, funding->length);

  /* In a folder: found by its name, played the same. */
  {
    g_autofree char *a = g_build_filename (dir, "BTCUSDT_5m_copy.csv", NULL);
    g_autofree char *b = g_build_filename (dir, "BTCUSDT_funding_copy.csv", NULL);
    g_autofree char *text = NULL;
    const char *paths[] = { dir, NULL };
    g_autoptr(GPtrArray) from_dir = NULL;
    PerpFeedState state;
    gsize length;

    g_assert_true (g_file_get_contents (candles_path, &text, &length, NULL));
    g_assert_true (g_file_set_contents (a, text, length, NULL));
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (funding_path, &text, &length, NULL));
    g_assert_true (g_file_set_contents (b, text, length, NULL));
    from_dir = replay_paths (paths, 0, FALSE, &state);
    g_assert_cmpint (state, ==, PERP_FEED_STATE_FINISHED);
    g_assert_cmpuint (from_dir->len, ==, lines->len);
    for (guint i = 0; i < lines->len; i++)
      g_assert_cmpstr (g_ptr_array_index (from_dir, i), ==, g_ptr_array_index (lines, i));
    g_unlink (a);
    g_unlink (b);
  }

  /* Seeking past two settlements: both come, before the seek's history. */
  target = funding->time[1] + 600000;
  event_log_init (&log, PERP_FEED (seeking));
  perp_replay_feed_seek (seeking, target);
  iterate_until (log_paused, &log, 60);
  g_assert_cmpint (log.last_state, ==, PERP_FEED_STATE_PAUSED);
  k = 0;
  for (guint i = 0; i < log.lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (log.lines, i), "funding "))
      {
        g_autofree char *want = g_strdup_printf ("funding BTCUSDT %" G_GINT64_FORMAT " %.17g",
                                                 funding->time[k], funding->value[k]);

        g_assert_cmpstr (g_ptr_array_index (log.lines, i), ==, want);
        k++;
      }
  g_assert_cmpuint (k, ==, 2);
  event_log_clear (&log);

  /* A broken row: the file and line named, nothing added. */
  g_assert_true (g_file_set_contents (bad, "funding_time,funding_rate\n1672531200000,0.0001\n1672560000000,abc\n",
                                      -1, NULL));
  {
    g_autoptr(PerpReplayFeed) feed = perp_replay_feed_new ();

    g_assert_false (perp_replay_feed_add_file (feed, bad, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "ETHUSDT_funding_bad.csv:3"));
    g_assert_cmpuint (perp_replay_feed_get_n_sources (feed), ==, 0);
    g_clear_error (&error);
  }
  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/replay/csv/merge-order", test_csv_merge_order);
  g_test_add_func ("/io/replay/csv/warmup", test_csv_warmup);
  g_test_add_func ("/io/replay/csv/funding", test_csv_funding);
  g_test_add_func ("/io/replay/capture/events", test_capture_events);
  g_test_add_func ("/io/replay/capture/trade-candles", test_capture_trade_candles);
  g_test_add_func ("/io/replay/determinism", test_determinism);
  g_test_add_func ("/io/replay/pause-resume", test_pause_resume);
  g_test_add_func ("/io/replay/stop-restart", test_stop_restart);
  g_test_add_func ("/io/replay/seek/csv", test_seek_csv);
  g_test_add_func ("/io/replay/seek/capture", test_seek_capture);
  g_test_add_func ("/io/replay/step", test_step);
  g_test_add_func ("/io/replay/pacing", test_pacing);
  g_test_add_func ("/io/replay/responsive/fixture", test_responsive_fixture);
  g_test_add_func ("/io/replay/responsive/shared", test_responsive_shared);
  g_test_add_func ("/io/replay/malformed/fails", test_malformed_fails);
  g_test_add_func ("/io/replay/malformed/lenient", test_malformed_lenient);
  g_test_add_func ("/io/replay/bad-files", test_bad_files);
  g_test_add_func ("/io/replay/malformed/corrupt-time", test_corrupt_time);

  return g_test_run ();
}
