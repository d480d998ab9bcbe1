/* test-tick-reader.c: the capture reader and the order book on fixtures cut from the
 * real captures (tests/fixtures/README.md says how each was made)
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "perp-test-support.h"
#include "test-ticks-common.h"

#define USDM_HEAD      "ticks_usdm_BTCUSDT_head.jsonl"
#define SPOT_HEAD      "ticks_spot_ETHUSDT_head.jsonl"

/* ------------------------------------------------------------------ helpers */

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

typedef struct
{
  TestRaw    raw;
  TestReplay replay;
  char      *path;
} Run;

static void
run_fixture (Run                 *run,
             const char          *name,
             PerpTickReaderFlags  flags)
{
  const char *paths[2] = { NULL, NULL };

  run->path = perp_test_fixture_path (name);
  paths[0] = run->path;
  test_raw_scan (paths, &run->raw);
  test_replay_init (&run->replay);
  test_replay_run (&run->replay, &run->raw, paths, flags);
}

static void
run_clear (Run *run)
{
  test_raw_clear (&run->raw);
  test_replay_clear (&run->replay);
  g_clear_pointer (&run->path, g_free);
}

/* Every check made passed, and the code's own bookTicker check agrees with the test's. */
static void
assert_book_proven (const Run *run)
{
  if (run->replay.n_mismatches > 0)
    g_error ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " book tops differ from bookTicker:\n%s",
             run->replay.n_mismatches, run->replay.n_checks, run->replay.mismatches->str);
  g_assert_cmpuint (run->replay.n_checks, >, 0);
  g_assert_cmpuint (perp_book_ticker_check_get_n_checked (run->replay.check), ==, run->replay.n_checks);
  g_assert_cmpuint (perp_book_ticker_check_get_n_failed (run->replay.check), ==, 0);
}

/* The number of pre-snapshot events the market's rule drops, from the raw ids. */
static guint
expected_dropped (const TestRaw  *raw,
                  PerpBookMarket  market)
{
  guint n = 0;

  for (guint i = 0; i < raw->pre_snapshot_u->len; i++)
    {
      guint64 u = g_array_index (raw->pre_snapshot_u, guint64, i);

      if (market == PERP_BOOK_MARKET_USDM ? u < raw->first_snapshot_id : u <= raw->first_snapshot_id)
        n++;
    }

  return n;
}

static void
assert_trades_summed (const Run *run)
{
  PerpFlowTotals totals;

  perp_trade_flow_get_totals (run->replay.flow, &totals);
  g_assert_cmpuint (totals.n_trades, ==, run->raw.n_trades);
  g_assert_cmpuint (totals.n_trades, >, 0);
  /* Same additions in the same order: the same bits. */
  g_assert_true (totals.buy_volume == run->raw.buy_volume);
  g_assert_true (totals.sell_volume == run->raw.sell_volume);
  g_assert_true (totals.cvd == run->raw.cvd);
}

static char *
read_line_of (const char *path,
              guint       wanted)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, wanted);

  return g_strdup (lines[wanted - 1]);
}

/* Writes @path gzip-compressed to a new file in @dir and returns its name. */
static char *
gzip_copy (const char *path,
           const char *dir,
           gsize       keep_bytes)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GInputStream) plain = NULL;
  g_autoptr(GInputStream) gz = NULL;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  char *out = g_strdup_printf ("%s/%s.gz", dir, base);
  guint8 buf[8192];
  gssize n;

  plain = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_assert_no_error (error);
  gz = g_converter_input_stream_new (plain, G_CONVERTER (compressor));
  while ((n = g_input_stream_read (gz, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append (bytes, buf, (guint) n);
  g_assert_no_error (error);

  g_file_set_contents (out, (const char *) bytes->data, (gssize) MIN (keep_bytes, bytes->len), &error);
  g_assert_no_error (error);

  return out;
}

/* ------------------------------------------------------------------ books on fixtures */

static void
test_usdm_head (void)
{
  Run run = { 0, };
  PerpBookStats stats;

  run_fixture (&run, USDM_HEAD, PERP_TICK_READER_FLAGS_NONE);

  assert_book_proven (&run);
  g_assert_cmpuint (run.replay.n_gaps, ==, 0);
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpint (perp_order_book_get_market (run.replay.book), ==, PERP_BOOK_MARKET_USDM);
  g_assert_cmpint (perp_order_book_check (run.replay.book, 0, 0), ==, PERP_BOOK_HEALTH_OK);

  /* Every line decoded as the kind its stream names. */
  g_assert_cmpuint (run.replay.n_events[PERP_TICK_DEPTH], ==, run.raw.n_depth);
  g_assert_cmpuint (run.replay.n_events[PERP_TICK_TRADE], ==, run.raw.n_trades);
  g_assert_cmpuint (run.replay.n_events[PERP_TICK_BOOK_TICKER], ==, run.raw.n_tickers);
  g_assert_cmpuint (run.replay.n_events[PERP_TICK_SNAPSHOT], ==, 1);

  perp_order_book_get_stats (run.replay.book, &stats);
  g_assert_cmpuint (stats.n_skipped, ==, expected_dropped (&run.raw, PERP_BOOK_MARKET_USDM));
  g_assert_cmpuint (stats.n_applied + stats.n_skipped, ==, run.raw.n_depth);

  assert_trades_summed (&run);
  run_clear (&run);
}

static void
test_spot_head (void)
{
  Run run = { 0, };
  PerpBookStats stats;
  guint dropped;

  run_fixture (&run, SPOT_HEAD, PERP_TICK_READER_FLAGS_NONE);

  assert_book_proven (&run);
  g_assert_cmpuint (run.replay.n_gaps, ==, 0);
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpint (perp_order_book_get_market (run.replay.book), ==, PERP_BOOK_MARKET_SPOT);

  /* The fixture holds an event ending exactly at lastUpdateId: spot drops it, USDT-M
   * would apply it.  The rules differ here, so the count must follow spot's. */
  perp_order_book_get_stats (run.replay.book, &stats);
  dropped = expected_dropped (&run.raw, PERP_BOOK_MARKET_SPOT);
  g_assert_cmpuint (dropped, >, expected_dropped (&run.raw, PERP_BOOK_MARKET_USDM));
  g_assert_cmpuint (stats.n_skipped, ==, dropped);

  assert_trades_summed (&run);
  run_clear (&run);
}

static void
test_gzip_same_as_plain (void)
{
  g_autofree char *dir = g_dir_make_tmp ("perp-ticks-XXXXXX", NULL);
  g_autofree char *plain = perp_test_fixture_path (USDM_HEAD);
  g_autofree char *gz = gzip_copy (plain, dir, G_MAXSIZE);
  g_autoptr(PerpTickReader) a = NULL;
  g_autoptr(PerpTickReader) b = NULL;
  g_autoptr(GError) error = NULL;
  PerpTickEvent ea;
  PerpTickEvent eb;
  guint n = 0;

  a = perp_tick_reader_open (plain, PERP_TICK_READER_FLAGS_NONE, &error);
  g_assert_no_error (error);
  b = perp_tick_reader_open (gz, PERP_TICK_READER_FLAGS_NONE, &error);
  g_assert_no_error (error);

  while (perp_tick_reader_next (a, &ea, &error))
    {
      g_assert_no_error (error);
      g_assert_true (perp_tick_reader_next (b, &eb, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ea.kind, ==, eb.kind);
      g_assert_cmpint (ea.recv_ns, ==, eb.recv_ns);
      g_assert_cmpuint (perp_tick_reader_get_line (a), ==, perp_tick_reader_get_line (b));
      n++;
    }
  g_assert_no_error (error);
  g_assert_false (perp_tick_reader_next (b, &eb, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 0);

  g_unlink (gz);
  g_rmdir (dir);
}

/* The decoder's levels against the raw JSON of every depth line, read apart. */
static void
test_depth_levels_decoded (void)
{
  g_autofree char *path = perp_test_fixture_path (USDM_HEAD);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  guint n_levels = 0;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      PerpTickEvent event;
      JsonObject *data;

      if (strstr (lines[i], "@depth") == NULL)
        continue;
      g_assert_true (perp_tick_decoder_decode (decoder, lines[i], -1, &event, &error));
      g_assert_no_error (error);
      g_assert_cmpint (event.kind, ==, PERP_TICK_DEPTH);
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      data = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "data");

      g_assert_cmpuint (event.depth.first_update_id, ==, (guint64) json_object_get_int_member (data, "U"));
      g_assert_cmpuint (event.depth.final_update_id, ==, (guint64) json_object_get_int_member (data, "u"));
      g_assert_true (event.depth.has_prev_final_update_id);
      g_assert_cmpuint (event.depth.prev_final_update_id, ==, (guint64) json_object_get_int_member (data, "pu"));
      g_assert_cmpint (event.depth.event_time, ==, json_object_get_int_member (data, "E"));
      g_assert_cmpint (event.depth.transaction_time, ==, json_object_get_int_member (data, "T"));

      for (guint side = 0; side < 2; side++)
        {
          JsonArray *array = json_object_get_array_member (data, side == 0 ? "b" : "a");
          const PerpPriceLevel *levels = side == 0 ? event.depth.bids : event.depth.asks;
          guint n = side == 0 ? event.depth.n_bids : event.depth.n_asks;

          g_assert_cmpuint (n, ==, json_array_get_length (array));
          for (guint k = 0; k < n; k++)
            {
              JsonArray *pair = json_array_get_array_element (array, k);

              g_assert_cmpfloat (perp_price_key_to_double (levels[k].price_key), ==,
                                 g_ascii_strtod (json_array_get_string_element (pair, 0), NULL));
              g_assert_cmpfloat (levels[k].qty, ==, g_ascii_strtod (json_array_get_string_element (pair, 1), NULL));
              n_levels++;
            }
        }
    }

  g_assert_cmpuint (n_levels, >, 100);
}

static void
test_usdm_gap (void)
{
  Run head = { 0, };
  Run run = { 0, };
  PerpBookStats stats;

  run_fixture (&head, USDM_HEAD, PERP_TICK_READER_FLAGS_NONE);
  run_fixture (&run, "ticks_usdm_BTCUSDT_gap.jsonl", PERP_TICK_READER_FLAGS_NONE);

  g_assert_cmpuint (run.replay.n_gaps, ==, 1);
  /* The lost event was u=5123107874163, so the next one's pu names it. */
  assert_contains (run.replay.gaps->str, "pu=5123107874163");
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);
  g_assert_true (perp_order_book_check (run.replay.book, 0, 0) & PERP_BOOK_HEALTH_NOT_SYNCED);

  /* From the break on, events wait for the next snapshot; none is applied. */
  perp_order_book_get_stats (run.replay.book, &stats);
  g_assert_cmpuint (stats.n_gaps, ==, 1);
  g_assert_cmpuint (stats.n_buffered, >, 0);
  g_assert_cmpuint (stats.n_applied + stats.n_skipped + stats.n_buffered, ==, run.raw.n_depth);

  /* The checks before the break held; the ones after it were never made. */
  g_assert_cmpuint (run.replay.n_mismatches, ==, 0);
  g_assert_cmpuint (run.replay.n_checks, <, head.replay.n_checks);

  run_clear (&run);
  run_clear (&head);
}

static void
test_usdm_duplicate (void)
{
  Run head = { 0, };
  Run run = { 0, };
  PerpBookStats head_stats;
  PerpBookStats stats;

  run_fixture (&head, USDM_HEAD, PERP_TICK_READER_FLAGS_NONE);
  run_fixture (&run, "ticks_usdm_BTCUSDT_duplicate.jsonl", PERP_TICK_READER_FLAGS_NONE);

  /* A repeated or late copy of an applied event is skipped: no break, same book. */
  assert_book_proven (&run);
  g_assert_cmpuint (run.replay.n_gaps, ==, 0);
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_LIVE);
  g_assert_cmpuint (run.replay.n_checks, ==, head.replay.n_checks);

  perp_order_book_get_stats (head.replay.book, &head_stats);
  perp_order_book_get_stats (run.replay.book, &stats);
  g_assert_cmpuint (run.raw.n_depth, ==, head.raw.n_depth + 2);
  g_assert_cmpuint (stats.n_skipped, ==, head_stats.n_skipped + 2);
  g_assert_cmpuint (stats.n_applied, ==, head_stats.n_applied);

  for (guint side = PERP_BOOK_BID; side <= PERP_BOOK_ASK; side++)
    {
      g_assert_cmpuint (perp_order_book_get_n_levels (run.replay.book, side), ==,
                        perp_order_book_get_n_levels (head.replay.book, side));
      for (guint i = 0; i < perp_order_book_get_n_levels (head.replay.book, side); i++)
        {
          PerpPriceLevel a;
          PerpPriceLevel b;

          g_assert_true (perp_order_book_get_level (head.replay.book, side, i, &a));
          g_assert_true (perp_order_book_get_level (run.replay.book, side, i, &b));
          g_assert_cmpint (a.price_key, ==, b.price_key);
          g_assert_cmpfloat (a.qty, ==, b.qty);
        }
    }

  run_clear (&run);
  run_clear (&head);
}

static void
test_usdm_out_of_order (void)
{
  Run run = { 0, };

  run_fixture (&run, "ticks_usdm_BTCUSDT_out_of_order.jsonl", PERP_TICK_READER_FLAGS_NONE);

  /* The later event came first: its pu is not the book's u.  The book cannot know
   * whether the missing one will still come, so it asks for a resync. */
  g_assert_cmpuint (run.replay.n_gaps, ==, 1);
  assert_contains (run.replay.gaps->str, "pu=5123107869171");
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);
  g_assert_cmpuint (run.replay.n_mismatches, ==, 0);

  run_clear (&run);
}

static void
test_usdm_crossed (void)
{
  Run run = { 0, };
  PerpBookMetrics metrics;

  run_fixture (&run, "ticks_usdm_BTCUSDT_crossed.jsonl", PERP_TICK_READER_FLAGS_NONE);

  g_assert_cmpuint (run.replay.n_applied_crossed, >, 0);
  g_assert_true (perp_order_book_check (run.replay.book, 0, 0) & PERP_BOOK_HEALTH_CROSSED);

  /* Reported, never used: the metrics refuse the book. */
  g_assert_false (perp_book_metrics_compute (run.replay.book, NULL, 0, 0, &metrics));
  g_assert_true (metrics.health & PERP_BOOK_HEALTH_CROSSED);
  g_assert_true (isnan (metrics.mid));
  g_assert_true (isnan (metrics.nobi_top));

  /* And the exchange's own top disagrees, which the checks catch. */
  g_assert_cmpuint (run.replay.n_mismatches, >, 0);
  g_assert_cmpuint (perp_book_ticker_check_get_n_failed (run.replay.check), >, 0);
  g_assert_nonnull (perp_book_ticker_check_get_first_failure (run.replay.check));
  assert_contains (perp_book_ticker_check_get_first_failure (run.replay.check), "62000");

  run_clear (&run);
}

static void
test_spot_gap (void)
{
  Run run = { 0, };

  run_fixture (&run, "ticks_spot_ETHUSDT_gap.jsonl", PERP_TICK_READER_FLAGS_NONE);

  g_assert_cmpuint (run.replay.n_gaps, ==, 1);
  assert_contains (run.replay.gaps->str, "does not follow");
  g_assert_cmpint (perp_order_book_get_state (run.replay.book), ==, PERP_BOOK_STATE_NEEDS_RESYNC);

  run_clear (&run);
}

/* ------------------------------------------------------------------ malformed input */

static void
test_malformed_strict (void)
{
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_malformed.jsonl");
  g_autofree char *where = g_strdup_printf ("%s:9: ", path);
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  guint n = 0;

  reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_NONE, &error);
  g_assert_no_error (error);

  while (perp_tick_reader_next (reader, &event, &error))
    n++;

  /* Line 9 is a trade cut in half; the 8 lines before it are good. */
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_JSON);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_cmpuint (n, ==, 8);
}

static void
test_malformed_lenient (void)
{
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_malformed.jsonl");
  g_autofree char *head_path = perp_test_fixture_path (USDM_HEAD);
  g_autoptr(PerpTickReader) reader = NULL;
  g_autoptr(PerpTickReader) head = NULL;
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  guint n = 0;
  guint n_head = 0;
  Run run = { 0, };

  reader = perp_tick_reader_open (path, PERP_TICK_READER_FLAGS_LENIENT, &error);
  g_assert_no_error (error);
  while (perp_tick_reader_next (reader, &event, &error))
    n++;
  g_assert_no_error (error);

  head = perp_tick_reader_open (head_path, PERP_TICK_READER_FLAGS_NONE, &error);
  g_assert_no_error (error);
  while (perp_tick_reader_next (head, &event, &error))
    n_head++;
  g_assert_no_error (error);

  /* Five broken lines (the blank one is not an error), each replacing a good one except
   * the inserted [1,2,3]: so four good lines fewer than the head. */
  g_assert_cmpuint (perp_tick_reader_get_n_skipped (reader), ==, 5);
  g_assert_cmpuint (n, ==, n_head - 4);
  assert_contains (perp_tick_reader_get_first_skipped (reader), ":9: ");

  /* Skipping the depth event without "u" loses an update: the book sees the break. */
  run_fixture (&run, "ticks_usdm_BTCUSDT_malformed.jsonl", PERP_TICK_READER_FLAGS_LENIENT);
  g_assert_cmpuint (run.replay.n_gaps, ==, 1);
  g_assert_cmpuint (run.replay.n_mismatches, ==, 0);
  run_clear (&run);
}

/* Each broken line of the fixture, decoded alone: the error says what is wrong. */
static void
test_malformed_messages (void)
{
  static const struct {
    guint        line;
    PerpTickError code;
    const char  *says;
  } cases[] = {
    { 9, PERP_TICK_ERROR_JSON, "not JSON" },
    { 17, PERP_TICK_ERROR_NUMBER, "trade: \"p\" is \"abc\"" },
    { 21, PERP_TICK_ERROR_FORMAT, "an array, not an object" },
    { 39, PERP_TICK_ERROR_FORMAT, "depthUpdate: no \"u\" field" },
    { 65, PERP_TICK_ERROR_NUMBER, "bookTicker: \"B\" is \"-" },
  };
  g_autofree char *path = perp_test_fixture_path ("ticks_usdm_BTCUSDT_malformed.jsonl");
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = read_line_of (path, cases[i].line);
      g_autoptr(GError) error = NULL;
      PerpTickEvent event;

      g_test_message ("line %u", cases[i].line);
      g_assert_false (perp_tick_decoder_decode (decoder, line, -1, &event, &error));
      g_assert_error (error, PERP_TICK_ERROR, (int) cases[i].code);
      assert_contains (error->message, cases[i].says);
    }
}

static void
test_decode_constructed (void)
{
  static const struct {
    const char   *text;
    gboolean      ok;
    PerpTickKind  kind;
    PerpTickError code;
    const char   *says;
  } cases[] = {
    /* Bare payloads, as a /ws/<stream> connection delivers them. */
    { "{\"u\":400900217,\"s\":\"BNBUSDT\",\"b\":\"25.35190000\",\"B\":\"31.21000000\",\"a\":\"25.36520000\",\"A\":\"40.66000000\"}",
      TRUE, PERP_TICK_BOOK_TICKER, 0, NULL },
    { "{\"e\":\"aggTrade\",\"E\":1723161256322,\"s\":\"BTCUSDT\",\"a\":5,\"p\":\"61800.30\",\"q\":\"0.006\",\"f\":1,\"l\":2,\"T\":1723161256322,\"m\":false}",
      TRUE, PERP_TICK_TRADE, 0, NULL },
    { "{\"lastUpdateId\":10,\"bids\":[[\"1.5\",\"2\"]],\"asks\":[[\"1.6\",\"3\"]]}",
      TRUE, PERP_TICK_SNAPSHOT, 0, NULL },
    { "{\"stream\":\"btcusdt@markPrice\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"1\",\"i\":\"1\",\"r\":\"0.0001\",\"T\":2}}",
      TRUE, PERP_TICK_MARK_PRICE, 0, NULL },
    /* A mark price without its funding fields is not one we can use. */
    { "{\"stream\":\"btcusdt@markPrice\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"1\"}}",
      FALSE, 0, PERP_TICK_ERROR_FORMAT, "\"i\"" },
    { "{\"e\":\"24hrTicker\",\"E\":1,\"s\":\"BTCUSDT\",\"c\":\"1\"}",
      TRUE, PERP_TICK_OTHER, 0, NULL },
    /* Broken ones. */
    { "", FALSE, 0, PERP_TICK_ERROR_JSON, "not JSON" },
    { "{\"stream\":\"btcusdt@trade\",\"data\":[1]}", FALSE, 0, PERP_TICK_ERROR_FORMAT, "\"data\" is an array" },
    { "{\"data\":{\"e\":\"trade\"}}", FALSE, 0, PERP_TICK_ERROR_FORMAT, "no \"stream\" field" },
    { "{\"stream\":\"x@trade\",\"data\":{\"e\":\"trade\",\"E\":\"1\"}}", FALSE, 0, PERP_TICK_ERROR_FORMAT, "\"E\" is a string, not an integer" },
    { "{\"foo\":1}", FALSE, 0, PERP_TICK_ERROR_FORMAT, "neither a market event" },
    { "{\"e\":\"depthUpdate\",\"E\":1,\"U\":9,\"u\":8,\"b\":[],\"a\":[]}", FALSE, 0, PERP_TICK_ERROR_NUMBER, "is after u" },
    { "{\"e\":\"depthUpdate\",\"E\":1,\"U\":-1,\"u\":8,\"b\":[],\"a\":[]}", FALSE, 0, PERP_TICK_ERROR_NUMBER, "negative update id" },
    { "{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":8,\"b\":[[\"1.000000001\",\"1\"]],\"a\":[]}",
      FALSE, 0, PERP_TICK_ERROR_NUMBER, "b[0] price is \"1.000000001\"" },
    { "{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":8,\"b\":[],\"a\":[[\"1\"]]}",
      FALSE, 0, PERP_TICK_ERROR_FORMAT, "a[0] is not a [\"price\", \"quantity\"] pair" },
    { "{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":8,\"b\":[],\"a\":[[\"1\",\"1e5\"]]}",
      FALSE, 0, PERP_TICK_ERROR_NUMBER, "a[0] quantity is \"1e5\"" },
    { "{\"e\":\"trade\",\"E\":1,\"T\":1,\"t\":1,\"p\":\"0\",\"q\":\"1\",\"m\":true}", FALSE, 0, PERP_TICK_ERROR_NUMBER, "positive price" },
    { "{\"e\":\"trade\",\"E\":1,\"T\":1,\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":1}", FALSE, 0, PERP_TICK_ERROR_FORMAT, "\"m\" is a number, not true or false" },
    /* Exchange times are milliseconds from 1970 to the end of 9999; a corrupt one is an
     * error here, not a clock the book and the trade flow would follow. */
    { "{\"e\":\"trade\",\"E\":1,\"T\":253402300799999,\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}",
      TRUE, PERP_TICK_TRADE, 0, NULL },
    { "{\"e\":\"trade\",\"E\":1,\"T\":253402300800000,\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}",
      FALSE, 0, PERP_TICK_ERROR_NUMBER, "\"T\" is 253402300800000, not a time in milliseconds" },
    { "{\"e\":\"depthUpdate\",\"E\":-1,\"U\":1,\"u\":8,\"b\":[],\"a\":[]}", FALSE, 0, PERP_TICK_ERROR_NUMBER, "\"E\" is -1" },
  };
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      PerpTickEvent event;
      gboolean ok;

      g_test_message ("case %u: %s", i, cases[i].text);
      ok = perp_tick_decoder_decode (decoder, cases[i].text, -1, &event, &error);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (event.kind, ==, cases[i].kind);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, PERP_TICK_ERROR, (int) cases[i].code);
          assert_contains (error->message, cases[i].says);
        }
    }
}

static void
test_decode_values (void)
{
  g_autoptr(PerpTickDecoder) decoder = perp_tick_decoder_new ();
  g_autoptr(GError) error = NULL;
  PerpTickEvent event;
  char buf[PERP_PRICE_KEY_BUF_SIZE];

  /* The first spot trade line of ticks_spot_ETHUSDT_head.jsonl. */
  g_assert_true (perp_tick_decoder_decode (decoder,
    "{\"recv_ns\":1723161254340863867,\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1723161255612,"
    "\"s\":\"ETHUSDT\",\"t\":1520538925,\"p\":\"2683.80000000\",\"q\":\"0.00200000\",\"T\":1723161255611,\"m\":true,\"M\":true}}",
    -1, &event, &error));
  g_assert_no_error (error);
  g_assert_cmpint (event.kind, ==, PERP_TICK_TRADE);
  g_assert_cmpint (event.recv_ns, ==, G_GINT64_CONSTANT (1723161254340863867));
  g_assert_cmpstr (event.symbol, ==, "ETHUSDT");
  g_assert_cmpint (event.trade.event_time, ==, G_GINT64_CONSTANT (1723161255612));
  g_assert_cmpint (event.trade.trade_time, ==, G_GINT64_CONSTANT (1723161255611));
  g_assert_cmpuint (event.trade.id, ==, 1520538925);
  g_assert_cmpstr (perp_price_key_format (event.trade.price_key, buf), ==, "2683.8");
  g_assert_cmpfloat (event.trade.price, ==, 2683.8);
  g_assert_cmpfloat (event.trade.qty, ==, 0.002);
  g_assert_true (event.trade.buyer_is_maker);
  g_assert_cmpfloat (perp_trade_signed_qty (&event.trade), ==, -0.002);
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTickReader) reader = NULL;

  reader = perp_tick_reader_open ("/nonexistent/ticks.jsonl.gz", PERP_TICK_READER_FLAGS_LENIENT, &error);
  g_assert_null (reader);
  g_assert_error (error, PERP_TICK_ERROR, PERP_TICK_ERROR_IO);
  assert_contains (error->message, "/nonexistent/ticks.jsonl.gz");
}

/* @path gzip-compressed as the recorder leaves it when killed: every line flushed,
 * but no gzip end.  Returns the new file's name. */
static char *
gzip_flushed_copy (const char *path,
                   const char *dir)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *text = NULL;
  char *out = g_strdup_printf ("%s/flushed-%s.gz", dir, base);
  gsize length, done = 0;
  guint8 buf[65536];

  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  for (;;)
    {
      gsize read = 0, written = 0;
      GConverterResult result = g_converter_convert (G_CONVERTER (compressor), text + done, length - done,
                                                     buf, sizeof buf, G_CONVERTER_FLUSH, &read, &written, &error);

      g_assert_no_error (error);
      done += read;
      g_byte_array_append (bytes, buf, (guint) written);
      if (result == G_CONVERTER_FLUSHED && done == length)
        break;
    }
  g_file_set_contents (out, (const char *) bytes->data, (gssize) bytes->len, &error);
  g_assert_no_error (error);
  return out;
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n;
}

/* A gzip stream cut short (a recording killed, a copy interrupted): the whole lines
 * before the cut are read, in either mode, and the missing end counts as one skipped
 * line naming the file; no error, no crash. */
static void
test_truncated_gzip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("perp-ticks-XXXXXX", NULL);
  g_autofree char *plain = perp_test_fixture_path (USDM_HEAD);
  g_autofree char *cut = gzip_copy (plain, dir, 6000);
  g_autofree char *flushed = gzip_flushed_copy (plain, dir);
  const char *files[] = { cut, flushed };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    for (guint lenient = 0; lenient < 2; lenient++)
      {
        g_autoptr(PerpTickReader) reader = NULL;
        g_autoptr(GError) error = NULL;
        PerpTickEvent event;
        guint n = 0;

        reader = perp_tick_reader_open (files[f], lenient ? PERP_TICK_READER_FLAGS_LENIENT
                                                          : PERP_TICK_READER_FLAGS_NONE, &error);
        g_assert_no_error (error);
        while (perp_tick_reader_next (reader, &event, &error))
          n++;

        g_assert_no_error (error);
        g_assert_cmpuint (n, >, 0);
        g_assert_cmpuint (perp_tick_reader_get_n_skipped (reader), ==, 1);
        g_assert_true (g_str_has_prefix (perp_tick_reader_get_first_skipped (reader), files[f]));
        assert_contains (perp_tick_reader_get_first_skipped (reader), "without gzip's end");
        /* Flushed as the recorder flushes: every line is there. */
        if (files[f] == flushed)
          g_assert_cmpuint (n, ==, count_lines (plain));
        else
          g_assert_cmpuint (n, <, count_lines (plain));
      }

  g_unlink (cut);
  g_unlink (flushed);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/ticks/usdm/head-proves-book", test_usdm_head);
  g_test_add_func ("/io/ticks/spot/head-proves-book", test_spot_head);
  g_test_add_func ("/io/ticks/gzip-same-as-plain", test_gzip_same_as_plain);
  g_test_add_func ("/io/ticks/decode/depth-levels-match-raw", test_depth_levels_decoded);
  g_test_add_func ("/io/ticks/decode/values", test_decode_values);
  g_test_add_func ("/io/ticks/decode/constructed", test_decode_constructed);
  g_test_add_func ("/io/ticks/usdm/gap-needs-resync", test_usdm_gap);
  g_test_add_func ("/io/ticks/usdm/duplicates-skipped", test_usdm_duplicate);
  g_test_add_func ("/io/ticks/usdm/out-of-order-needs-resync", test_usdm_out_of_order);
  g_test_add_func ("/io/ticks/usdm/crossed-reported", test_usdm_crossed);
  g_test_add_func ("/io/ticks/spot/gap-needs-resync", test_spot_gap);
  g_test_add_func ("/io/ticks/malformed/strict-names-file-line", test_malformed_strict);
  g_test_add_func ("/io/ticks/malformed/lenient-skips-and-counts", test_malformed_lenient);
  g_test_add_func ("/io/ticks/malformed/each-line-says-why", test_malformed_messages);
  g_test_add_func ("/io/ticks/missing-file", test_missing_file);
  g_test_add_func ("/io/ticks/truncated-gzip", test_truncated_gzip);

  return g_test_run ();
}
