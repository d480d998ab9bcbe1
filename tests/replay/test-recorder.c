/* test-recorder.c: PerpRecorder, and recordings played back through PerpReplayFeed
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <glib/gstdio.h>

#include "io/perp-recorder.h"
#include "replay-test-common.h"

#define TRADES   "replay/binance_spot_ETHUSDT_20240808_trades_from_235630.jsonl.gz"
#define HEAD     "replay/binance_usdm_ETHUSDT_20240808_head400.jsonl"

/* ------------------------------------------------------------------ a stand-in feed */

/* A tiny object with PerpBinanceFeed's "raw-message" signal, so the recorder is tested
 * without the network code. */
#define TEST_TYPE_SOURCE (test_source_get_type ())
G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GObject)

struct _TestSource
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestSource, test_source, G_TYPE_OBJECT)

static guint raw_message_signal;

static void
test_source_class_init (TestSourceClass *klass)
{
  raw_message_signal =
    g_signal_new ("raw-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_INT64);
}

static void
test_source_init (TestSource *self)
{
}

/* ------------------------------------------------------------------ helpers */

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("perp-recorder-XXXXXX", &error);

  g_assert_no_error (error);

  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

/* Emits every line of a capture as the live feed would: symbol, stream, payload. */
static void
emit_capture (TestSource *source,
              GPtrArray  *raw,
              const char *symbol)
{
  for (guint i = 0; i < raw->len; i++)
    {
      RawLine *r = g_ptr_array_index (raw, i);

      g_signal_emit (source, raw_message_signal, 0, r->symbol != NULL ? r->symbol : symbol, r->stream,
                     r->data, (guint64) strlen (r->data), r->recv_ns);
    }
}

static GPtrArray *
replay_one (const char *path)
{
  const char *paths[] = { path, NULL };
  PerpFeedState state;
  GPtrArray *lines = replay_paths (paths, 0, FALSE, &state);

  g_assert_cmpint (state, ==, PERP_FEED_STATE_FINISHED);

  return lines;
}

static char *
expected_name (const char *symbol,
               gint64      recv_ns)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (recv_ns / 1000000000);
  g_autofree char *stamp = g_date_time_format (t, "%Y%m%dT%H%M%SZ");

  return g_strdup_printf ("binance_usdm_%s_%s.jsonl.gz", symbol, stamp);
}

/* ------------------------------------------------------------------ tests */

/* Record a real capture through the signal, replay both: the same signals. */
static void
check_round_trip (const char *fixture)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *original = perp_test_fixture_path (fixture);
  g_autoptr(GPtrArray) raw = raw_read (original);
  g_autoptr(TestSource) source = g_object_new (TEST_TYPE_SOURCE, NULL);
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autofree char *name = NULL;
  g_autofree char *base = NULL;

  recorder = perp_recorder_new (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (perp_recorder_attach (recorder, G_OBJECT (source), &error));
  g_assert_no_error (error);
  emit_capture (source, raw, "ETHUSDT");
  g_assert_true (perp_recorder_close (recorder, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (perp_recorder_get_n_written (recorder), ==, raw->len);
  g_assert_cmpuint (perp_recorder_get_n_dropped (recorder), ==, 0);

  files = perp_recorder_dup_files (recorder);
  g_assert_cmpuint (g_strv_length (files), ==, 1);
  base = g_path_get_basename (files[0]);
  name = expected_name ("ETHUSDT", ((RawLine *) g_ptr_array_index (raw, 0))->recv_ns);
  g_assert_cmpstr (base, ==, name);

  want = replay_one (original);
  got = replay_one (files[0]);
  g_assert_cmpuint (want->len, >, raw->len);
  assert_same_lines (want, got);

  remove_tree (dir);
}

static void
test_round_trip_depth (void)
{
  check_round_trip (HEAD);
}

static void
test_round_trip_trades (void)
{
  check_round_trip (TRADES);
}

/* Rotation by size: several files whose replay, as a directory, is the original. */
static void
test_rotate_by_size (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *original = perp_test_fixture_path (TRADES);
  g_autoptr(GPtrArray) raw = raw_read (original);
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(GPtrArray) got = NULL;
  PerpRecorderParams params;

  perp_recorder_params_init (&params);
  params.rotate_bytes = 16 * 1024;
  params.rotate_seconds = 0;
  recorder = perp_recorder_new (dir, &params, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < raw->len; i++)
    {
      RawLine *r = g_ptr_array_index (raw, i);

      perp_recorder_write (recorder, r->symbol, r->stream, r->data, strlen (r->data), r->recv_ns);
    }
  g_assert_true (perp_recorder_close (recorder, &error));
  files = perp_recorder_dup_files (recorder);
  g_test_message ("%u files", g_strv_length (files));
  /* The compressed capture is ~50 kB; the compressor holds back up to its window. */
  g_assert_cmpuint (g_strv_length (files), >=, 2);

  /* Name order is creation order, so the directory replays in order. */
  for (guint i = 1; files[i] != NULL; i++)
    g_assert_cmpint (strcmp (files[i - 1], files[i]), <, 0);

  want = replay_one (original);
  got = replay_one (dir);
  assert_same_lines (want, got);
  remove_tree (dir);
}

/* Rotation by time: every file spans less than the period of receive time, and each
 * is named after its first message. */
static void
test_rotate_by_time (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *original = perp_test_fixture_path (TRADES);
  g_autoptr(GPtrArray) raw = raw_read (original);
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(GPtrArray) got = NULL;
  PerpRecorderParams params;
  gint64 span_ns = ((RawLine *) g_ptr_array_index (raw, raw->len - 1))->recv_ns
                   - ((RawLine *) g_ptr_array_index (raw, 0))->recv_ns;
  guint n_expected = 1;
  gint64 file_start = ((RawLine *) g_ptr_array_index (raw, 0))->recv_ns;

  perp_recorder_params_init (&params);
  params.rotate_seconds = 60;
  recorder = perp_recorder_new (dir, &params, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < raw->len; i++)
    {
      RawLine *r = g_ptr_array_index (raw, i);

      if (r->recv_ns - file_start >= G_GINT64_CONSTANT (60000000000))
        {
          n_expected++;
          file_start = r->recv_ns;
        }
      perp_recorder_write (recorder, r->symbol, r->stream, r->data, strlen (r->data), r->recv_ns);
    }
  g_assert_true (perp_recorder_close (recorder, &error));
  files = perp_recorder_dup_files (recorder);
  g_assert_cmpint (span_ns, >, G_GINT64_CONSTANT (180000000000));
  g_assert_cmpuint (g_strv_length (files), ==, n_expected);

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) part = raw_read (files[i]);
      RawLine *first = g_ptr_array_index (part, 0);
      RawLine *last = g_ptr_array_index (part, part->len - 1);
      g_autofree char *base = g_path_get_basename (files[i]);
      g_autofree char *name = expected_name ("ETHUSDT", first->recv_ns);

      g_assert_cmpstr (base, ==, name);
      g_assert_cmpint (last->recv_ns - first->recv_ns, <, G_GINT64_CONSTANT (60000000000));
    }

  want = replay_one (original);
  got = replay_one (dir);
  assert_same_lines (want, got);
  remove_tree (dir);
}

/* Lines read from a gzip file that was never finished (no trailer), as after a kill. */
static guint
count_readable_lines (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GInputStream) in = G_INPUT_STREAM (g_file_read (file, NULL, NULL));
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) plain = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  char *line;
  guint n = 0;

  if (in == NULL)
    return 0;
  plain = g_converter_input_stream_new (in, G_CONVERTER (z));
  data = g_data_input_stream_new (plain);
  /* The stream ends in an error (no trailer); the complete lines before it count. */
  while ((line = g_data_input_stream_read_line (data, NULL, NULL, NULL)) != NULL)
    {
      if (g_str_has_suffix (line, "}"))
        n++;
      g_free (line);
    }

  return n;
}

typedef struct
{
  const char *path;
  guint       want;
} Readable;

static gboolean
all_readable (gpointer data)
{
  Readable *r = data;

  return count_readable_lines (r->path) >= r->want;
}

static gboolean
poll_source (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Without close or flush, what was written reaches the disk within the flush period. */
static void
test_flushes_periodically (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *original = perp_test_fixture_path (HEAD);
  g_autoptr(GPtrArray) raw = raw_read (original);
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  PerpRecorderParams params;
  Readable readable;
  guint poll;
  gint64 start;

  perp_recorder_params_init (&params);
  params.flush_ms = 100;
  recorder = perp_recorder_new (dir, &params, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < raw->len; i++)
    {
      RawLine *r = g_ptr_array_index (raw, i);

      perp_recorder_write (recorder, "ETHUSDT", r->stream, r->data, strlen (r->data), r->recv_ns);
    }
  name = expected_name ("ETHUSDT", ((RawLine *) g_ptr_array_index (raw, 0))->recv_ns);
  path = g_build_filename (dir, name, NULL);
  readable.path = path;
  readable.want = raw->len;

  start = g_get_monotonic_time ();
  poll = g_timeout_add (20, poll_source, NULL);
  iterate_until (all_readable, &readable, 30);
  g_source_remove (poll);
  g_test_message ("all %u lines readable after %.0f ms", raw->len,
                  (g_get_monotonic_time () - start) / 1000.0);

  g_assert_true (perp_recorder_close (recorder, &error));
  g_assert_no_error (error);
  remove_tree (dir);
}

static const char *
find_line (GPtrArray  *lines,
           const char *prefix)
{
  const char *found = NULL;

  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), prefix))
      {
        g_assert_null (found);
        found = g_ptr_array_index (lines, i);
      }
  if (found == NULL)
    g_error ("no line starts with \"%s\"", prefix);

  return found;
}

/* The line starting with @prefix (exactly one) goes on with the numbers of @values. */
static void
assert_fields (GPtrArray  *lines,
               const char *prefix,
               const char *values)
{
  const char *line = find_line (lines, prefix);
  g_auto(GStrv) got = g_strsplit (line + strlen (prefix), " ", -1);
  g_auto(GStrv) want = NULL;

  if (values == NULL)
    return;
  want = g_strsplit (values, " ", -1);
  for (guint i = 0; want[i] != NULL; i++)
    {
      g_assert_nonnull (got[i]);
      if (g_ascii_strtod (got[i], NULL) != g_ascii_strtod (want[i], NULL))
        g_error ("%s: field %u is %s, not %s", line, i, got[i], want[i]);
    }
}

/* One file per symbol; NULL symbols go to "ALL"; line breaks in a text (pretty-printed
 * REST bodies) do not break the line format, and the REST lines replay. */
static void
test_symbols_and_rest_lines (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  const struct { const char *symbol; const char *stream; const char *file; } messages[] = {
    { "FILUSDT", "rest_klines@1m", "fapi_v1_klines_FILUSDT_1m_first30_DERIVED.json" },
    { "BTCUSDT", "btcusdt@kline_1m", "kline_stream_closed.json" },
    { "BTCUSDT", "btcusdt@markPrice@1s", "mark_price_stream.json" },
    { "BTCUSDT", "btcusdt@forceOrder", "liquidation_stream.json" },
    { "BTCUSDT", "btcusdt@aggTrade", "agg_trade_stream.json" },
    { "BTCUSDT", "rest_open_interest", "http_futures_market_open_interest.json" },
    { "BTCUSDT", "rest_premium_index", "http_futures_market_premium_index.json" },
    { "BTCUSDT", "rest_funding_rate", "http_futures_market_funding_rate.json" },
    { NULL, "rest_funding_rate", "http_futures_market_funding_rate.json" },
  };
  /* Received right after the 29th FIL candle closed: 29 closed, the 30th forming. */
  gint64 recv_ns = (G_GINT64_CONSTANT (1690848000000) + 29 * 60000 + 500) * 1000000;
  PerpFeedState state;
  const char *paths[] = { dir, NULL };

  recorder = perp_recorder_new (dir, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autofree char *path = g_build_filename ("replay", messages[i].file, NULL);
      g_autofree char *full = perp_test_fixture_path (path);
      g_autofree char *text = NULL;
      gsize length;

      g_file_get_contents (full, &text, &length, &error);
      g_assert_no_error (error);
      perp_recorder_write (recorder, messages[i].symbol, messages[i].stream, text, length, recv_ns);
    }
  /* An empty message is not recorded. */
  perp_recorder_write (recorder, "BTCUSDT", "btcusdt@aggTrade", " \n", 2, recv_ns);
  g_assert_true (perp_recorder_close (recorder, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (perp_recorder_get_n_written (recorder), ==, G_N_ELEMENTS (messages));
  g_assert_cmpuint (perp_recorder_get_n_dropped (recorder), ==, 1);

  files = perp_recorder_dup_files (recorder);
  g_assert_cmpuint (g_strv_length (files), ==, 3);
  g_assert_true (g_str_has_suffix (files[0], "/binance_usdm_FILUSDT_20230801T002900Z.jsonl.gz"));
  g_assert_true (g_str_has_suffix (files[1], "/binance_usdm_BTCUSDT_20230801T002900Z.jsonl.gz"));
  g_assert_true (g_str_has_suffix (files[2], "/binance_usdm_ALL_20230801T002900Z.jsonl.gz"));
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) raw = raw_read (files[i]);

      g_assert_cmpuint (raw->len, ==, i == 1 ? 7 : 1);
    }

  /* The "ALL" file has no symbol to give its REST line. */
  g_remove (files[2]);
  lines = replay_paths (paths, 0, FALSE, &state);
  g_assert_cmpint (state, ==, PERP_FEED_STATE_FINISHED);
  for (guint i = 0; i < lines->len; i++)
    g_test_message ("%.160s", (char *) g_ptr_array_index (lines, i));

  /* Fields after the prefix, against the fixture texts read as decimals. */
  assert_fields (lines, "loaded FILUSDT 1m 29 | ", "1690848000000 4.255 4.256 4.252 4.252 25259.1 107451.0165 5452.3 208");
  assert_fields (lines, "updated FILUSDT 1m ", "1690849740000");
  assert_fields (lines, "closed BTCUSDT 1m ", "1638747660000 0.0010 0.0025 0.0010 0.0020 1000 1.0000 500 100");
  assert_fields (lines, "mark BTCUSDT 1562305380000 ", "11794.15000000 11784.62659091 0.00038167 1562306400000");
  assert_fields (lines, "mark BTCUSDT 1597370495002 ", "11793.63104562 11781.80495970 0.00038246 1597392000000");
  assert_fields (lines, "liquidation BTCUSDT 1568014460893 ", NULL);
  assert_fields (lines, "trade BTCUSDT 123456789 123456785 5933014 ", NULL);
  assert_fields (lines, "oi BTCUSDT 1589437530011 ", "10659.509");
  assert_fields (lines, "funding BTCUSDT 1570608000000 ", "-0.03750000");
  assert_fields (lines, "funding BTCUSDT 1570636800000 ", "0.00010000");
  /* A recording with kline messages does not build candles from its trades. */
  g_assert_cmpuint (count_prefix (lines, "updated BTCUSDT "), ==, 0);
  g_assert_cmpuint (count_prefix (lines, "closed BTCUSDT "), ==, 1);
  {
    const char *liq = find_line (lines, "liquidation BTCUSDT 1568014460893 ");
    g_auto(GStrv) f = g_strsplit (liq, " ", -1);

    /* A SELL liquidates a long; the price is the average fill "ap". */
    g_assert_cmpint (g_ascii_strtoll (f[3], NULL, 10), ==, PERP_LIQ_SIDE_LONG);
    g_assert_cmpfloat (g_ascii_strtod (f[4], NULL), ==, g_ascii_strtod ("9910.12345678", NULL));
    g_assert_cmpfloat (g_ascii_strtod (f[5], NULL), ==, g_ascii_strtod ("0.014", NULL));
  }

  remove_tree (dir);
}

typedef struct
{
  GError *error;
} Failure;

static void
on_failed (PerpRecorder *recorder,
           const GError *error,
           Failure      *failure)
{
  g_assert_null (failure->error);
  failure->error = g_error_copy (error);
}

static gboolean
failure_seen (gpointer data)
{
  return ((Failure *) data)->error != NULL;
}

/* The directory vanishes under the recorder: a clear error, once, naming the file. */
static void
test_disk_error (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *file_as_dir = g_build_filename (dir, "plain-file", NULL);
  g_autofree char *inside = g_build_filename (file_as_dir, "sub", NULL);
  g_autoptr(PerpRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  Failure failure = { NULL };
  gint64 recv_ns = G_GINT64_CONSTANT (1723161254340863867);

  /* A directory that cannot be made. */
  g_file_set_contents (file_as_dir, "x", -1, &error);
  g_assert_no_error (error);
  g_assert_null (perp_recorder_new (inside, NULL, &error));
  g_assert_error (error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO);
  g_assert_nonnull (strstr (error->message, inside));
  g_clear_error (&error);
  g_remove (file_as_dir);

  recorder = perp_recorder_new (dir, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (recorder, "failed", G_CALLBACK (on_failed), &failure);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  perp_recorder_write (recorder, "BTCUSDT", "btcusdt@trade", "{\"e\":\"trade\"}", 13, recv_ns);
  perp_recorder_write (recorder, "BTCUSDT", "btcusdt@trade", "{\"e\":\"trade\"}", 13, recv_ns);
  iterate_until (failure_seen, &failure, 30);

  g_assert_error (failure.error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO);
  g_assert_nonnull (strstr (failure.error->message, dir));
  g_assert_nonnull (strstr (failure.error->message, "binance_usdm_BTCUSDT_20240808T235414Z.jsonl.gz"));
  g_assert_nonnull (perp_recorder_get_error (recorder));
  g_assert_false (perp_recorder_flush (recorder, &error));
  g_assert_error (error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (perp_recorder_close (recorder, &error));
  g_clear_error (&error);
  g_assert_cmpuint (perp_recorder_get_n_written (recorder), ==, 0);
  /* Both messages are lost, and counted. */
  g_assert_cmpuint (perp_recorder_get_n_dropped (recorder), ==, 2);
  g_clear_error (&failure.error);
}

static void
test_attach_needs_signal (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autoptr(PerpRecorder) recorder = perp_recorder_new (dir, NULL, NULL);
  g_autoptr(GObject) plain = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (perp_recorder_attach (recorder, plain, &error));
  g_assert_error (error, PERP_RECORDER_ERROR, PERP_RECORDER_ERROR_SIGNAL);
  g_assert_true (perp_recorder_close (recorder, NULL));
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/recorder/round-trip/depth", test_round_trip_depth);
  g_test_add_func ("/io/recorder/round-trip/trades", test_round_trip_trades);
  g_test_add_func ("/io/recorder/rotate/size", test_rotate_by_size);
  g_test_add_func ("/io/recorder/rotate/time", test_rotate_by_time);
  g_test_add_func ("/io/recorder/flushes-periodically", test_flushes_periodically);
  g_test_add_func ("/io/recorder/symbols-and-rest-lines", test_symbols_and_rest_lines);
  g_test_add_func ("/io/recorder/disk-error", test_disk_error);
  g_test_add_func ("/io/recorder/attach-needs-signal", test_attach_needs_signal);

  return g_test_run ();
}
