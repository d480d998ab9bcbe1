/* test-csv.c
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

/* The valid OHLC part of the rows built in memory (volume follows). */
#define GOOD_OHLC    "1,2,0.5,1.5"
#define HEADER_6     "open_time,open,high,low,close,volume\n"
#define T0           G_GINT64_CONSTANT (1672531200000)  /* 2023-01-01 00:00 UTC */
#define MINUTE       PERP_MS_PER_MINUTE
#define N_RANDOM     200000

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

  message = g_strdup_printf ("\"%s\" does not contain \"%s\"",
                             haystack != NULL ? haystack : "(null)", needle);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* Whether @message says "column N" for exactly this N (not "column 12" for 1). */
static gboolean
names_column (const char *message,
              guint       column)
{
  g_autofree char *needle = g_strdup_printf ("column %u", column);
  gsize len = strlen (needle);
  const char *p = message;

  while ((p = strstr (p, needle)) != NULL)
    {
      if (!g_ascii_isdigit (p[len]))
        return TRUE;
      p += len;
    }

  return FALSE;
}

/* Checks the code of @error and that its message names "@name:@line:" and the column. */
#define assert_row_error(error, code, name, line, column) \
  assert_row_error_impl (__FILE__, __LINE__, G_STRFUNC, (error), (code), (name), (line), (column))

static void
assert_row_error_impl (const char   *file,
                       int           line_no,
                       const char   *func,
                       const GError *error,
                       PerpCsvError  code,
                       const char   *name,
                       guint         line,
                       guint         column)
{
  g_autofree char *where = NULL;

  if (!g_error_matches (error, PERP_CSV_ERROR, (int) code))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("expected PERP_CSV_ERROR %d, got %s %d: %s", (int) code,
                                 error != NULL ? g_quark_to_string (error->domain) : "no error",
                                 error != NULL ? error->code : -1,
                                 error != NULL ? error->message : "");
      g_assertion_message (G_LOG_DOMAIN, file, line_no, func, message);
      return;
    }

  where = g_strdup_printf ("%s:%u:", name, line);
  assert_contains_impl (file, line_no, func, error->message, where);

  if (!names_column (error->message, column))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("\"%s\" does not name column %u", error->message, column);
      g_assertion_message (G_LOG_DOMAIN, file, line_no, func, message);
    }
}

static PerpCandles *
parse_text (const char     *name,
            const char     *text,
            PerpCsvFlags    flags,
            PerpCsvReport  *report,
            GError        **error)
{
  return perp_candle_csv_parse (name, text, strlen (text), flags, report, error);
}

/* Parses @text, which must fail; checks the error and returns it. */
static GError *
parse_must_fail (const char *name,
                 const char *text)
{
  g_autoptr(PerpCandles) candles = NULL;
  GError *error = NULL;

  candles = parse_text (name, text, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_null (candles);
  g_assert_nonnull (error);

  return error;
}

static char *
read_fixture (const char *name,
              gsize      *length)
{
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (text);

  return text;
}

/* The non-blank lines of a fixture, without their line terminators. */
static GPtrArray *
fixture_lines (const char *name)
{
  g_autofree char *text = read_fixture (name, NULL);
  g_auto(GStrv) split = g_strsplit (text, "\n", -1);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; split[i] != NULL; i++)
    {
      char *line = split[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (*g_strstrip (line) != '\0')
        g_ptr_array_add (lines, g_strdup (line));
    }

  return lines;
}

static double
cell_double (const char *cell)
{
  char *end = NULL;
  double value = g_ascii_strtod (cell, &end);

  g_assert_true (end != cell && *end == '\0');

  return value;
}

static gint64
cell_int (const char *cell)
{
  char *end = NULL;
  gint64 value = g_ascii_strtoll (cell, &end, 10);

  g_assert_true (end != cell && *end == '\0');

  return value;
}

static void
assert_same_double (double expected,
                    double actual)
{
  g_assert_cmpmem (&expected, sizeof expected, &actual, sizeof actual);
}

/* Checks every row of @candles against the cells of @lines (from @first on): open
 * time and OHLCV always, and the 12-column layout's optional fields when @twelve. */
static void
assert_rows_match_lines (const PerpCandles *candles,
                         GPtrArray         *lines,
                         guint              first,
                         gboolean           twelve)
{
  g_assert_cmpuint (perp_candles_get_length (candles), ==, lines->len - first);

  for (guint i = 0; i < perp_candles_get_length (candles); i++)
    {
      g_auto(GStrv) cells = g_strsplit (g_ptr_array_index (lines, first + i), ",", -1);
      PerpCandle candle;

      g_assert_cmpuint (g_strv_length (cells), ==, twelve ? 12 : 6);
      perp_candles_get_candle (candles, i, &candle);

      g_assert_cmpint (candle.open_time, ==, cell_int (cells[0]));
      assert_same_double (cell_double (cells[1]), candle.open);
      assert_same_double (cell_double (cells[2]), candle.high);
      assert_same_double (cell_double (cells[3]), candle.low);
      assert_same_double (cell_double (cells[4]), candle.close);
      assert_same_double (cell_double (cells[5]), candle.volume);

      if (twelve)
        {
          assert_same_double (cell_double (cells[7]), candle.quote_volume);
          g_assert_cmpint (candle.trade_count, ==, cell_int (cells[8]));
          assert_same_double (cell_double (cells[9]), candle.taker_buy_volume);
          g_assert_cmpfloat (perp_candles_get_quote_volume (candles)[i], ==, candle.quote_volume);
          g_assert_cmpint (perp_candles_get_trade_count (candles)[i], ==, candle.trade_count);
          g_assert_cmpfloat (perp_candles_get_taker_buy_volume (candles)[i], ==, candle.taker_buy_volume);
        }
      else
        {
          g_assert_true (isnan (candle.quote_volume));
          g_assert_true (isnan (candle.taker_buy_volume));
          g_assert_cmpint (candle.trade_count, ==, -1);
        }
    }
}

static void
assert_same_candles (const PerpCandles *a,
                     const PerpCandles *b)
{
  guint n = perp_candles_get_length (a);

  g_assert_cmpuint (perp_candles_get_length (b), ==, n);
  g_assert_cmpint (perp_candles_get_interval (a), ==, perp_candles_get_interval (b));
  g_assert_cmpint (perp_candles_get_fields (a), ==, perp_candles_get_fields (b));
  g_assert_cmpmem (perp_candles_get_open_time (a), n * sizeof (gint64),
                   perp_candles_get_open_time (b), n * sizeof (gint64));
  g_assert_cmpmem (perp_candles_get_open (a), n * sizeof (double),
                   perp_candles_get_open (b), n * sizeof (double));
  g_assert_cmpmem (perp_candles_get_high (a), n * sizeof (double),
                   perp_candles_get_high (b), n * sizeof (double));
  g_assert_cmpmem (perp_candles_get_low (a), n * sizeof (double),
                   perp_candles_get_low (b), n * sizeof (double));
  g_assert_cmpmem (perp_candles_get_close (a), n * sizeof (double),
                   perp_candles_get_close (b), n * sizeof (double));
  g_assert_cmpmem (perp_candles_get_volume (a), n * sizeof (double),
                   perp_candles_get_volume (b), n * sizeof (double));
}

/* ------------------------------------------------------------------ fixtures */

static void
test_load_six_columns (void)
{
  g_autofree char *path = perp_test_fixture_path ("ETHUSDT_1h_first600.csv");
  g_autoptr(GPtrArray) lines = fixture_lines ("ETHUSDT_1h_first600.csv");
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) last = NULL;
  PerpCsvReport report = { 0 };
  PerpCandle candle;
  guint n;

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (candles);

  n = perp_candles_get_length (candles);
  g_assert_cmpuint (n, ==, 600);
  g_assert_cmpuint (lines->len, ==, 601);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "open_time,open,high,low,close,volume");
  g_assert_cmpint (perp_candles_get_interval (candles), ==, PERP_INTERVAL_1H);
  g_assert_cmpint (perp_candles_get_fields (candles), ==, PERP_CANDLE_FIELD_NONE);
  g_assert_null (perp_candles_get_quote_volume (candles));
  g_assert_null (perp_candles_get_trade_count (candles));
  g_assert_null (perp_candles_get_taker_buy_volume (candles));

  g_assert_cmpuint (report.n_rows, ==, 600);
  g_assert_cmpuint (report.n_skipped, ==, 0);
  g_assert_null (report.first_skipped);
  g_assert_true (report.has_header);
  g_assert_cmpuint (report.n_columns, ==, 6);
  perp_csv_report_clear (&report);

  /* First and last rows, read from the file's text. */
  first = g_strsplit (g_ptr_array_index (lines, 1), ",", -1);
  last = g_strsplit (g_ptr_array_index (lines, lines->len - 1), ",", -1);
  perp_candles_get_candle (candles, 0, &candle);
  g_assert_cmpint (candle.open_time, ==, g_ascii_strtoll (first[0], NULL, 10));
  g_assert_cmpfloat (candle.open, ==, g_ascii_strtod (first[1], NULL));
  g_assert_cmpfloat (candle.high, ==, g_ascii_strtod (first[2], NULL));
  g_assert_cmpfloat (candle.low, ==, g_ascii_strtod (first[3], NULL));
  g_assert_cmpfloat (candle.close, ==, g_ascii_strtod (first[4], NULL));
  g_assert_cmpfloat (candle.volume, ==, g_ascii_strtod (first[5], NULL));
  g_assert_cmpint (perp_candles_get_open_time (candles)[n - 1], ==, g_ascii_strtoll (last[0], NULL, 10));

  /* And every other cell too. */
  assert_rows_match_lines (candles, lines, 1, FALSE);
}

static void
test_load_twelve_columns (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = perp_test_fixture_path (name);
  g_autoptr(GPtrArray) lines = fixture_lines (name);
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) first = NULL;
  PerpCsvReport report = { 0 };
  gboolean has_header = !g_ascii_isdigit (((const char *) g_ptr_array_index (lines, 0))[0]);
  guint first_row = has_header ? 1 : 0;
  PerpCandle candle;

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (candles);

  g_assert_cmpuint (perp_candles_get_length (candles), ==, lines->len - first_row);
  g_assert_cmpint (perp_candles_get_interval (candles), ==, PERP_INTERVAL_1M);
  g_assert_cmpint (perp_candles_get_fields (candles), ==, PERP_CANDLE_FIELD_ALL);
  g_assert_nonnull (perp_candles_get_quote_volume (candles));
  g_assert_nonnull (perp_candles_get_trade_count (candles));
  g_assert_nonnull (perp_candles_get_taker_buy_volume (candles));

  g_assert_cmpuint (report.n_rows, ==, lines->len - first_row);
  g_assert_cmpuint (report.n_skipped, ==, 0);
  g_assert_cmpint (report.has_header, ==, has_header);
  g_assert_cmpuint (report.n_columns, ==, 12);
  perp_csv_report_clear (&report);

  /* The optional fields of the first row, spelled out. */
  first = g_strsplit (g_ptr_array_index (lines, first_row), ",", -1);
  perp_candles_get_candle (candles, 0, &candle);
  g_assert_cmpfloat (candle.quote_volume, ==, g_ascii_strtod (first[7], NULL));
  g_assert_cmpint (candle.trade_count, ==, g_ascii_strtoll (first[8], NULL, 10));
  g_assert_cmpfloat (candle.taker_buy_volume, ==, g_ascii_strtod (first[9], NULL));

  assert_rows_match_lines (candles, lines, first_row, TRUE);
}

static void
test_load_fixture_counts (void)
{
  g_autoptr(PerpCandles) with_header = NULL;
  g_autoptr(PerpCandles) headerless = NULL;
  g_autofree char *path_header = perp_test_fixture_path ("FILUSDT_1m_first400.csv");
  g_autofree char *path_headerless = perp_test_fixture_path ("FILUSDT_1m_headerless120.csv");
  g_autoptr(GError) error = NULL;

  with_header = perp_candle_csv_load (path_header, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  headerless = perp_candle_csv_load (path_headerless, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (perp_candles_get_length (with_header), ==, 400);
  g_assert_cmpuint (perp_candles_get_length (headerless), ==, 120);

  /* The headerless file is the first 120 rows of the other one. */
  g_assert_cmpmem (perp_candles_get_open_time (headerless), 120 * sizeof (gint64),
                   perp_candles_get_open_time (with_header), 120 * sizeof (gint64));
  g_assert_cmpmem (perp_candles_get_quote_volume (headerless), 120 * sizeof (double),
                   perp_candles_get_quote_volume (with_header), 120 * sizeof (double));
  g_assert_cmpmem (perp_candles_get_trade_count (headerless), 120 * sizeof (gint64),
                   perp_candles_get_trade_count (with_header), 120 * sizeof (gint64));
}

/* ------------------------------------------------------------------ line endings */

static void
test_parse_crlf (void)
{
  gsize length = 0;
  g_autofree char *text = read_fixture ("ETHUSDT_1h_first600.csv", &length);
  g_autoptr(GString) crlf = g_string_sized_new (length + 700);
  g_autoptr(PerpCandles) lf_candles = NULL;
  g_autoptr(PerpCandles) crlf_candles = NULL;
  g_autoptr(PerpCandles) small = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\n')
        g_string_append_c (crlf, '\r');
      g_string_append_c (crlf, text[i]);
    }
  g_assert_nonnull (strstr (crlf->str, "\r\n"));

  lf_candles = perp_candle_csv_parse ("lf.csv", text, length, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  crlf_candles = perp_candle_csv_parse ("crlf.csv", crlf->str, crlf->len, PERP_CSV_FLAGS_NONE,
                                        &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_rows, ==, 600);
  g_assert_cmpuint (report.n_columns, ==, 6);
  perp_csv_report_clear (&report);
  assert_same_candles (lf_candles, crlf_candles);

  /* A small CRLF file ending in a blank CRLF line, and one without a final newline. */
  small = parse_text ("small.csv",
                      "open_time,open,high,low,close,volume\r\n"
                      "1672531200000,1,2,0.5,1.5,10\r\n"
                      "1672531260000,1,2,0.5,1.5,11.25\r\n"
                      "\r\n",
                      PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (small), ==, 2);
  g_assert_cmpuint (report.n_rows, ==, 2);
  g_assert_cmpfloat (perp_candles_get_volume (small)[1], ==, 11.25);
  g_assert_cmpint (perp_candles_get_interval (small), ==, PERP_INTERVAL_1M);
  perp_csv_report_clear (&report);
  g_clear_pointer (&small, perp_candles_unref);

  small = parse_text ("small.csv",
                      "1672531200000,1,2,0.5,1.5,10\r\n"
                      "1672531260000,1,2,0.5,1.5,11.25",
                      PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (small), ==, 2);
  g_assert_cmpfloat (perp_candles_get_volume (small)[1], ==, 11.25);
}

static void
test_parse_crlf_error_line (void)
{
  g_autoptr(GError) error = NULL;

  /* Line numbers count CRLF lines and blank lines alike. */
  error = parse_must_fail ("crlf.csv",
                           "open_time,open,high,low,close,volume\r\n"
                           "\r\n"
                           "1672531200000,1,2,0.5,1.5,10\r\n"
                           "1672531260000,1,2,0.5,abc,10\r\n");
  assert_row_error (error, PERP_CSV_ERROR_NUMBER, "crlf.csv", 4, 5);
}

static void
test_parse_trailing_blank_line (void)
{
  gsize length = 0;
  g_autofree char *text = read_fixture ("ETHUSDT_1h_first600.csv", &length);
  g_autofree char *padded = g_strconcat (text, "\n", NULL);
  g_autofree char *padded_blanks = g_strconcat (text, "\n  \n\t\n", NULL);
  g_autoptr(PerpCandles) plain = NULL;
  g_autoptr(PerpCandles) with_blank = NULL;
  g_autoptr(PerpCandles) with_blanks = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };

  g_assert_true (g_str_has_suffix (text, "\n"));

  plain = perp_candle_csv_parse ("plain.csv", text, length, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  with_blank = parse_text ("blank.csv", padded, PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_rows, ==, 600);
  g_assert_cmpuint (report.n_skipped, ==, 0);
  perp_csv_report_clear (&report);
  with_blanks = parse_text ("blanks.csv", padded_blanks, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);

  assert_same_candles (plain, with_blank);
  assert_same_candles (plain, with_blanks);
}

static void
test_parse_bom (void)
{
  g_autoptr(PerpCandles) with_header = NULL;
  g_autoptr(PerpCandles) headerless = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };

  /* A UTF-8 byte order mark, as spreadsheet programs write, is not part of the data. */
  with_header = parse_text ("bom.csv",
                            "\xEF\xBB\xBF" HEADER_6
                            "1672531200000," GOOD_OHLC ",10\n"
                            "1672531260000," GOOD_OHLC ",11\n",
                            PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (with_header), ==, 2);
  g_assert_true (report.has_header);
  perp_csv_report_clear (&report);

  headerless = parse_text ("bom.csv",
                           "\xEF\xBB\xBF"
                           "1672531200000," GOOD_OHLC ",10\n"
                           "1672531260000," GOOD_OHLC ",11\n",
                           PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (headerless), ==, 2);
  g_assert_cmpint (perp_candles_get_open_time (headerless)[0], ==, T0);
  g_assert_false (report.has_header);
  perp_csv_report_clear (&report);
}

/* ------------------------------------------------------------------ errors */

static void
test_error_bad_number (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error12 = NULL;
  g_autoptr(GError) error_time = NULL;

  error = parse_must_fail ("bad.csv",
                           HEADER_6
                           "1672531200000," GOOD_OHLC ",10\n"
                           "1672534800000,1,2,0.5,abc,10\n"
                           "1672538400000," GOOD_OHLC ",10\n");
  assert_row_error (error, PERP_CSV_ERROR_NUMBER, "bad.csv", 3, 5);
  assert_contains (error->message, "abc");

  /* A fractional trade count in Binance's layout (column 9, "count"). */
  error12 = parse_must_fail ("bad12.csv",
                             "1690848000000,4.255,4.256,4.252,4.252,25259.1,1690848059999,107451.0165,208,5452.3,23199.1103,0\n"
                             "1690848060000,4.251,4.253,4.251,4.253,2476.0,1690848119999,10527.7466,9.5,1334.3,5673.4734,0\n");
  assert_row_error (error12, PERP_CSV_ERROR_NUMBER, "bad12.csv", 2, 9);

  /* A time that is not an integer. */
  error_time = parse_must_fail ("time.csv",
                                HEADER_6
                                "1672531200000," GOOD_OHLC ",10\n"
                                "1672534800000.5," GOOD_OHLC ",10\n");
  assert_row_error (error_time, PERP_CSV_ERROR_NUMBER, "time.csv", 3, 1);
}

/* Times before 1970 or past the year 9999 (in milliseconds, or in microseconds) are
 * corrupt rows: the engines would overflow adding intervals to them. */
static void
test_error_time_range (void)
{
  static const char *const times[] = { "-60000", "-9223372036854775799", "253402300800000000" };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *csv = g_strdup_printf (HEADER_6 "1672531200000," GOOD_OHLC ",10\n"
                                              "%s," GOOD_OHLC ",10\n", times[i]);
      g_autoptr(GError) error = parse_must_fail ("range.csv", csv);

      assert_row_error (error, PERP_CSV_ERROR_NUMBER, "range.csv", 3, 1);
      assert_contains (error->message, "from 1970 to 9999");
    }
}

static void
test_error_bad_number_file (void)
{
  g_autofree char *path = perp_test_fixture_path ("bad-close-abc.csv");
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;

  /* Through perp_candle_csv_load, the message names the path it was given. */
  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_null (candles);
  assert_row_error (error, PERP_CSV_ERROR_NUMBER, path, 4, 5);
}

static void
test_error_column_count (void)
{
  g_autoptr(GError) too_few = NULL;
  g_autoptr(GError) too_many = NULL;
  g_autoptr(GError) twelve = NULL;

  too_few = parse_must_fail ("few.csv",
                             HEADER_6
                             "1672531200000," GOOD_OHLC ",10\n"
                             "1672534800000," GOOD_OHLC "\n");
  assert_row_error (too_few, PERP_CSV_ERROR_COLUMN_COUNT, "few.csv", 3, 6);

  too_many = parse_must_fail ("many.csv",
                              HEADER_6
                              "1672531200000," GOOD_OHLC ",10\n"
                              "1672534800000," GOOD_OHLC ",10\n"
                              "1672538400000," GOOD_OHLC ",10,7\n");
  assert_row_error (too_many, PERP_CSV_ERROR_COLUMN_COUNT, "many.csv", 4, 7);

  /* A 6-column row in a headerless 12-column file. */
  twelve = parse_must_fail ("twelve.csv",
                            "1690848000000,4.255,4.256,4.252,4.252,25259.1,1690848059999,107451.0165,208,5452.3,23199.1103,0\n"
                            "1690848060000,4.251,4.253,4.251,4.253,2476.0\n");
  assert_row_error (twelve, PERP_CSV_ERROR_COLUMN_COUNT, "twelve.csv", 2, 7);
}

static void
test_error_truncated_last_line (void)
{
  gsize length = 0;
  g_autofree char *text = read_fixture ("ETHUSDT_1h_first600.csv", &length);
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = NULL;
  char *last_line;
  gsize cut;
  guint n_lines = 0;
  guint n_commas = 0;

  /* Drop the final newline, then cut the last line in its middle. */
  g_assert_cmpuint (length, >, 0);
  g_assert_cmpint (text[length - 1], ==, '\n');
  text[--length] = '\0';
  last_line = strrchr (text, '\n') + 1;
  cut = strlen (last_line) / 2;
  last_line[cut] = '\0';
  length = last_line + cut - text;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n_lines++;
  n_lines++;
  for (const char *p = last_line; *p != '\0'; p++)
    if (*p == ',')
      n_commas++;
  g_assert_cmpuint (n_lines, ==, 601);
  g_assert_cmpuint (n_commas, <, 5);

  candles = perp_candle_csv_parse ("ETHUSDT_1h_first600.csv", text, length,
                                   PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_null (candles);
  /* The first missing column is the one after the last field present. */
  assert_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, "ETHUSDT_1h_first600.csv", n_lines, n_commas + 2);
}

static void
test_error_not_increasing (void)
{
  g_autoptr(GError) duplicate = NULL;
  g_autoptr(GError) decreasing = NULL;

  duplicate = parse_must_fail ("dup.csv",
                               HEADER_6
                               "1672531200000," GOOD_OHLC ",10\n"
                               "1672531260000," GOOD_OHLC ",10\n"
                               "1672531260000," GOOD_OHLC ",10\n");
  assert_row_error (duplicate, PERP_CSV_ERROR_NOT_INCREASING, "dup.csv", 4, 1);

  decreasing = parse_must_fail ("dec.csv",
                                HEADER_6
                                "1672531200000," GOOD_OHLC ",10\n"
                                "1672531260000," GOOD_OHLC ",10\n"
                                "1672531320000," GOOD_OHLC ",10\n"
                                "1672531140000," GOOD_OHLC ",10\n");
  assert_row_error (decreasing, PERP_CSV_ERROR_NOT_INCREASING, "dec.csv", 5, 1);
}

static void
test_error_invalid_candle (void)
{
  g_autoptr(GError) high_low = NULL;
  g_autoptr(GError) volume = NULL;
  g_autoptr(GError) price = NULL;
  g_autoptr(GError) taker = NULL;

  high_low = parse_must_fail ("hl.csv",
                              HEADER_6
                              "1672531200000," GOOD_OHLC ",10\n"
                              "1672531260000,1,0.5,2,1,10\n");
  assert_row_error (high_low, PERP_CSV_ERROR_INVALID, "hl.csv", 3, 3);

  volume = parse_must_fail ("vol.csv",
                            HEADER_6
                            "1672531200000," GOOD_OHLC ",10\n"
                            "1672531260000," GOOD_OHLC ",10\n"
                            "1672531320000," GOOD_OHLC ",-0.5\n");
  assert_row_error (volume, PERP_CSV_ERROR_INVALID, "vol.csv", 4, 6);

  price = parse_must_fail ("price.csv",
                           HEADER_6
                           "1672531200000,1,2,0.5,-1.5,10\n");
  assert_row_error (price, PERP_CSV_ERROR_INVALID, "price.csv", 2, 5);

  /* A negative taker-buy volume in the 12-column layout (column 10). */
  taker = parse_must_fail ("taker.csv",
                           "1690848000000,4.255,4.256,4.252,4.252,25259.1,1690848059999,107451.0165,208,-5452.3,23199.1103,0\n");
  assert_row_error (taker, PERP_CSV_ERROR_INVALID, "taker.csv", 1, 10);
}

static void
test_error_nan_inf (void)
{
  static const char *words[] = {
    "nan", "NaN", "NAN", "-nan", "inf", "-inf", "+inf", "Inf", "INF", "infinity", "Infinity",
    "1e400", "1e999", "0x10", "0x1p3", "1.5.2", "1,5", "", " ", "e5", ".", "-", "+", "1e", "1e+",
    "--1", "1-", "1 2",
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      gboolean comma = strchr (words[i], ',') != NULL;

      /* In the open column, then in the volume column. */
      text = g_strdup_printf (HEADER_6 "1672531200000," GOOD_OHLC ",10\n1672531260000,%s,2,0.5,1.5,10\n",
                              words[i]);
      error = parse_must_fail ("word.csv", text);
      g_test_message ("open \"%s\": %s", words[i], error->message);
      if (comma)
        assert_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, "word.csv", 3, 7);
      else
        assert_row_error (error, PERP_CSV_ERROR_NUMBER, "word.csv", 3, 2);

      g_clear_error (&error);
      g_free (text);
      text = g_strdup_printf (HEADER_6 "1672531200000," GOOD_OHLC ",10\n1672531260000," GOOD_OHLC ",%s\n",
                              words[i]);
      error = parse_must_fail ("word.csv", text);
      if (comma)
        assert_row_error (error, PERP_CSV_ERROR_COLUMN_COUNT, "word.csv", 3, 7);
      else
        assert_row_error (error, PERP_CSV_ERROR_NUMBER, "word.csv", 3, 6);
    }
}

static void
test_error_empty (void)
{
  static const char *texts[] = {
    "",
    "\n",
    "\n\n  \n",
    "\r\n\r\n",
    "open_time,open,high,low,close,volume\n",
    "open_time,open,high,low,close,volume",
    "open_time,open,high,low,close,volume\r\n\r\n\n",
  };
  g_autoptr(GError) empty_file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) candles = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) text_error = parse_must_fail ("empty.csv", texts[i]);

      g_assert_error (text_error, PERP_CSV_ERROR, PERP_CSV_ERROR_EMPTY);
      assert_contains (text_error->message, "empty.csv");
    }

  /* A zero-length file on disk (mapping it gives no contents at all). */
  dir = g_dir_make_tmp ("perp-test-csv-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "empty.csv", NULL);
  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &empty_file);
  g_assert_null (candles);
  g_assert_error (empty_file, PERP_CSV_ERROR, PERP_CSV_ERROR_EMPTY);
  assert_contains (empty_file->message, path);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_error_header (void)
{
  g_autoptr(GError) no_close = NULL;
  g_autoptr(GError) no_time = NULL;
  g_autoptr(GError) headerless = NULL;

  no_close = parse_must_fail ("noclose.csv",
                              "open_time,open,high,low,volume\n"
                              "1672531200000,1,2,0.5,10\n");
  g_assert_error (no_close, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
  assert_contains (no_close->message, "noclose.csv:1:");
  assert_contains (no_close->message, "\"close\"");

  no_time = parse_must_fail ("notime.csv",
                             "when,open,high,low,close,volume\n"
                             "1672531200000," GOOD_OHLC ",10\n");
  g_assert_error (no_time, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
  assert_contains (no_time->message, "notime.csv:1:");
  assert_contains (no_time->message, "open_time");

  /* Seven columns and no header: no known layout. */
  headerless = parse_must_fail ("seven.csv", "1672531200000," GOOD_OHLC ",10,7\n");
  g_assert_error (headerless, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
  assert_contains (headerless->message, "seven.csv:1:");
}

/* MetaTrader-style exports name the column Date and write "YYYY.MM.DD HH:MM:SS"; ISO
 * dates work too.  Both are UTC. */
static void
test_parse_datetime (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) mt = NULL;
  g_autoptr(PerpCandles) iso = NULL;
  g_autoptr(GError) bad = NULL;
  const char *mt_text =
    "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
    "2022.10.10 00:00:00,0.97312,0.97369,0.97312,0.97357,60,0,20\n"
    "2024.02.29 23:45:00,0.9735,0.97362,0.97328,0.97362,57,0,20\n";
  const char *iso_text =
    "date,open,high,low,close,volume\n"
    "1999-12-31T23:59:00,1,2,0.5,1.5,3\n"
    "2000-03-01 00:00:00,1,2,0.5,1.5,3\n";

  mt = perp_candle_csv_parse ("mt.csv", mt_text, strlen (mt_text), PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (mt), ==, 2);
  /* 2022-10-10 is day 19275 since the epoch; 2024-02-29 (a leap day) is day 19782. */
  g_assert_cmpint (perp_candles_get_open_time (mt)[0], ==, G_GINT64_CONSTANT (19275) * 86400000);
  g_assert_cmpint (perp_candles_get_open_time (mt)[1], ==,
                   G_GINT64_CONSTANT (19782) * 86400000 + (23 * 60 + 45) * G_GINT64_CONSTANT (60000));
  g_assert_cmpfloat (perp_candles_get_volume (mt)[0], ==, 0.0);

  iso = perp_candle_csv_parse ("iso.csv", iso_text, strlen (iso_text), PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (perp_candles_get_open_time (iso)[0], ==, G_GINT64_CONSTANT (946684740000));
  g_assert_cmpint (perp_candles_get_open_time (iso)[1], ==, G_GINT64_CONSTANT (951868800000));

  bad = parse_must_fail ("baddate.csv",
                         "Date,Open,High,Low,Close,Volume\n"
                         "2022.13.10 00:00:00,1,2,0.5,1.5,3\n");
  g_assert_error (bad, PERP_CSV_ERROR, PERP_CSV_ERROR_NUMBER);
  assert_contains (bad->message, "baddate.csv:2:");
  assert_contains (bad->message, "column 1");
}

static void
test_volume_column (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpCandles) tick = NULL;
  g_autoptr(PerpCandles) none = NULL;
  PerpCsvOptions options = { .volume_column = "Tickvol" };
  const char *text =
    "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
    "2022.10.10 00:00:00,0.97312,0.97369,0.97312,0.97357,60,0,20\n"
    "2022.10.10 00:15:00,0.9735,0.97362,0.97328,0.97362,57,0,20\n";
  const char *headerless = "1672531200000,1,2,0.5,1.5,3\n";

  tick = perp_candle_csv_parse_with_options ("mt.csv", text, strlen (text), &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (perp_candles_get_volume (tick)[0], ==, 60.0);
  g_assert_cmpfloat (perp_candles_get_volume (tick)[1], ==, 57.0);

  options.volume_column = "Ticks";
  none = perp_candle_csv_parse_with_options ("mt.csv", text, strlen (text), &options, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
  assert_contains (error->message, "mt.csv:1:");
  assert_contains (error->message, "Ticks");
  g_clear_error (&error);

  options.volume_column = "Tickvol";
  none = perp_candle_csv_parse_with_options ("h.csv", headerless, strlen (headerless), &options, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
}

static void
test_error_header_line_number (void)
{
  g_autoptr(GError) error = NULL;

  /* Blank lines before the header count: the header is on line 3. */
  error = parse_must_fail ("late.csv",
                           "\n"
                           "  \n"
                           "open_time,open,high,low,volume\n"
                           "1672531200000,1,2,0.5,10\n");
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_HEADER);
  assert_contains (error->message, "late.csv:3:");
}

static void
test_error_nonexistent (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) tmp_error = NULL;
  g_autoptr(PerpCandles) candles = NULL;

  dir = g_dir_make_tmp ("perp-test-csv-XXXXXX", &tmp_error);
  g_assert_no_error (tmp_error);
  path = g_build_filename (dir, "no-such-file.csv", NULL);

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_null (candles);
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_IO);
  assert_contains (error->message, "no-such-file.csv");

  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ------------------------------------------------------------------ lenient mode */

static const char lenient_text[] =
  HEADER_6
  "1672531200000," GOOD_OHLC ",10\n"      /* 2: good */
  "1672531260000,1,2,0.5,abc,10\n"         /* 3: bad number (column 5) */
  "1672531320000," GOOD_OHLC ",11\n"      /* 4: good */
  "1672531380000," GOOD_OHLC "\n"         /* 5: a column short */
  "1672531440000," GOOD_OHLC ",12\n"      /* 6: good */
  "1672531440000," GOOD_OHLC ",99\n"      /* 7: duplicate time */
  "\n"                                     /* 8: blank */
  "1672531500000," GOOD_OHLC ",13\n"      /* 9: good */
  "1672531560000,1,0.5,2,1,10\n"           /* 10: high < low */
  "1672531620000," GOOD_OHLC ",-1\n"      /* 11: negative volume */
  "1672531680000,nan,2,0.5,1.5,10\n"       /* 12: nan */
  "1672531740000," GOOD_OHLC ",14";       /* 13: good, no final newline */

static void
test_lenient (void)
{
  static const gint64 expected_times[] = {
    T0, T0 + 2 * MINUTE, T0 + 4 * MINUTE, T0 + 5 * MINUTE, T0 + 9 * MINUTE,
  };
  static const double expected_volumes[] = { 10, 11, 12, 13, 14 };
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpCandles) strict = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };

  /* Strict mode stops at the first bad row. */
  strict = parse_text ("lenient.csv", lenient_text, PERP_CSV_FLAGS_NONE, &report, &error);
  g_assert_null (strict);
  assert_row_error (error, PERP_CSV_ERROR_NUMBER, "lenient.csv", 3, 5);
  g_clear_error (&error);

  candles = parse_text ("lenient.csv", lenient_text, PERP_CSV_FLAGS_LENIENT, &report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (candles);

  g_assert_cmpuint (report.n_rows, ==, G_N_ELEMENTS (expected_times));
  g_assert_cmpuint (report.n_skipped, ==, 6);
  g_assert_nonnull (report.first_skipped);
  assert_contains (report.first_skipped, "lenient.csv:3:");
  g_assert_true (names_column (report.first_skipped, 5));
  g_assert_true (report.has_header);
  g_assert_cmpuint (report.n_columns, ==, 6);

  g_assert_cmpuint (perp_candles_get_length (candles), ==, G_N_ELEMENTS (expected_times));
  g_assert_cmpmem (perp_candles_get_open_time (candles), sizeof expected_times,
                   expected_times, sizeof expected_times);
  g_assert_cmpmem (perp_candles_get_volume (candles), sizeof expected_volumes,
                   expected_volumes, sizeof expected_volumes);

  perp_csv_report_clear (&report);
  g_assert_null (report.first_skipped);
}

static void
test_lenient_all_bad (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };

  candles = parse_text ("allbad.csv",
                        HEADER_6
                        "1672531200000,1,2,0.5,abc,10\n"
                        "1672531260000," GOOD_OHLC "\n",
                        PERP_CSV_FLAGS_LENIENT, &report, &error);
  g_assert_null (candles);
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_EMPTY);
  assert_contains (error->message, "allbad.csv");
}

static void
test_lenient_file (void)
{
  g_autofree char *path = perp_test_fixture_path ("bad-close-abc.csv");
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  PerpCsvReport report = { 0 };

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_LENIENT, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 4);
  g_assert_cmpuint (report.n_rows, ==, 4);
  g_assert_cmpuint (report.n_skipped, ==, 1);
  where = g_strdup_printf ("%s:4:", path);
  assert_contains (report.first_skipped, where);
  g_assert_true (names_column (report.first_skipped, 5));
  perp_csv_report_clear (&report);
}

/* ------------------------------------------------------------------ numbers */

/* A random non-negative decimal: 1 to 20 significant digits, the point anywhere (or
 * nowhere), sometimes leading zeros after the point, a '+' sign or an exponent. */
static void
append_random_decimal (GString *s,
                       GRand   *rand)
{
  guint n_digits = (guint) g_rand_int_range (rand, 1, 21);
  guint n_int = (guint) g_rand_int_range (rand, 0, (gint32) n_digits + 1);
  int form = g_rand_int_range (rand, 0, 100);

  if (form < 2)
    g_string_append_c (s, '+');

  if (form >= 2 && form < 12)
    {
      /* 0.000ddd: up to 25 zeros after the point (the fast path stops at 1e-22). */
      guint n_zeros = (guint) g_rand_int_range (rand, 0, 26);

      g_string_append (s, g_rand_boolean (rand) ? "0." : ".");
      for (guint z = 0; z < n_zeros; z++)
        g_string_append_c (s, '0');
      n_int = 0;
    }
  else if (n_int == 0)
    {
      g_string_append (s, g_rand_boolean (rand) ? "0." : ".");
    }

  for (guint d = 0; d < n_digits; d++)
    {
      int digit = g_rand_int_range (rand, 0, 10);

      /* Mostly a non-zero first digit; trailing zeros are kept as they come. */
      if (d == 0 && n_int > 0 && digit == 0 && g_rand_int_range (rand, 0, 4) != 0)
        digit = 1 + g_rand_int_range (rand, 0, 9);
      g_string_append_c (s, (char) ('0' + digit));
      if (d + 1 == n_int && n_int < n_digits)
        g_string_append_c (s, '.');
    }

  if (n_int == n_digits && form >= 12 && form < 15)
    g_string_append_c (s, '.');  /* "123." */

  if (form >= 95)
    {
      static const char *signs[] = { "", "+", "-" };

      g_string_append_c (s, g_rand_boolean (rand) ? 'e' : 'E');
      g_string_append (s, signs[g_rand_int_range (rand, 0, 3)]);
      g_string_append_printf (s, "%d", g_rand_int_range (rand, 0, 31));
    }
}

static void
test_numbers_match_strtod (void)
{
  static const char *fixed[] = {
    "0", "0.0", "-0", "-0.0", "+0", "00", "000.000", ".5", "5.", "1e-7", "2.5E+3", "2.5e3", "1E0",
    "0.1", "0.2", "0.3", "0.30000000000000004", "4.35", "1.005", "2.675", "123456.789",
    "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994",
    "9007199254740995", "18014398509481985", "9999999999999999", "99999999999999999999",
    "12345678901234567890", "1234567890123456789", "0.1234567890123456789",
    "0.0000000000000000000001", "0.00000000000000000000001", "1e22", "1e23",
    "10000000000000000000000", "100000000000000000000000", "4.9e-324", "5e-324",
    "2.2250738585072014e-308", "2.2250738585072011e-308", "1.7976931348623157e308",
    "123456789012345678901234567890", "0.000000000000000000000000000001",
    "7.038531e-26", "3.14159265358979323846", "2.718281828459045", "42",
    "84158.668", "374148.231", "25259.1", "2476.0", "0.00000001", "1e-8",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  g_autoptr(GString) csv = g_string_sized_new (64 * (N_RANDOM + G_N_ELEMENTS (fixed)));
  g_autoptr(GString) number = g_string_new (NULL);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  const double *volume;
  guint n_bad = 0;
  guint n_negative_zero = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (strings, g_strdup (fixed[i]));
  for (guint i = 0; i < N_RANDOM; i++)
    {
      g_string_truncate (number, 0);
      append_random_decimal (number, rand);
      g_ptr_array_add (strings, g_strdup (number->str));
    }

  g_string_append (csv, HEADER_6);
  for (guint i = 0; i < strings->len; i++)
    g_string_append_printf (csv, "%" G_GINT64_FORMAT "," GOOD_OHLC ",%s\n",
                            T0 + (gint64) i * MINUTE, (const char *) g_ptr_array_index (strings, i));

  candles = perp_candle_csv_parse ("numbers.csv", csv->str, csv->len, PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (candles);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, strings->len);

  volume = perp_candles_get_volume (candles);
  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);
      char *end = NULL;
      double expected = g_ascii_strtod (s, &end);

      g_assert_true (*end == '\0');
      if (expected == 0.0 && signbit (expected))
        n_negative_zero++;

      if (memcmp (&expected, &volume[i], sizeof expected) != 0)
        {
          if (n_bad < 10)
            g_test_message ("\"%s\": g_ascii_strtod gives %.17g, the loader %.17g", s, expected, volume[i]);
          n_bad++;
        }
    }

  g_assert_cmpuint (n_negative_zero, ==, 2);
  g_assert_cmpuint (n_bad, ==, 0);
}

/* ------------------------------------------------------------------ times */

static void
test_microseconds (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpCandles) headerless = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 *t;

  /* 2025-01-01 00:00 UTC in microseconds, then every minute. */
  candles = parse_text ("us.csv",
                        HEADER_6
                        "1735689600000000," GOOD_OHLC ",10\n"
                        "1735689660000000," GOOD_OHLC ",10\n"
                        "1735689720000000," GOOD_OHLC ",10\n",
                        PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  t = perp_candles_get_open_time (candles);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 3);
  g_assert_cmpint (t[0], ==, G_GINT64_CONSTANT (1735689600000));
  g_assert_cmpint (t[1], ==, G_GINT64_CONSTANT (1735689660000));
  g_assert_cmpint (t[2], ==, G_GINT64_CONSTANT (1735689720000));
  g_assert_cmpint (perp_candles_get_interval (candles), ==, PERP_INTERVAL_1M);

  /* Binance's 12-column spot layout, headerless, 1 h apart. */
  headerless = parse_text ("us12.csv",
                           "1735689600000000,93576.00,94509.42,93489.03,94401.14,1042.5,1735693199999999,97904163.6,154372,536.1,50356416.3,0\n"
                           "1735693200000000,94401.13,94750.00,94200.01,94651.09,818.3,1735696799999999,77344720.9,131004,433.8,41013558.0,0\n",
                           PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  t = perp_candles_get_open_time (headerless);
  g_assert_cmpint (t[0], ==, G_GINT64_CONSTANT (1735689600000));
  g_assert_cmpint (t[1], ==, G_GINT64_CONSTANT (1735693200000));
  g_assert_cmpint (perp_candles_get_interval (headerless), ==, PERP_INTERVAL_1H);
}

static void
test_microseconds_lenient_first_row_bad (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0 };
  const gint64 *t;

  /* The first data row is skipped: the rows after it are still in microseconds. */
  candles = parse_text ("us-lenient.csv",
                        HEADER_6
                        "1735689600000000,1,2,0.5,abc,10\n"
                        "1735689660000000," GOOD_OHLC ",10\n"
                        "1735689720000000," GOOD_OHLC ",10\n",
                        PERP_CSV_FLAGS_LENIENT, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_skipped, ==, 1);
  perp_csv_report_clear (&report);
  t = perp_candles_get_open_time (candles);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 2);
  g_assert_cmpint (t[0], ==, G_GINT64_CONSTANT (1735689660000));
  g_assert_cmpint (t[1], ==, G_GINT64_CONSTANT (1735689720000));
  g_assert_cmpint (perp_candles_get_interval (candles), ==, PERP_INTERVAL_1M);
}

static void
test_microseconds_mixed (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 *t;

  /* December 2024 in milliseconds followed by January 2025 in microseconds, as when
   * Binance's monthly spot archives on either side of the switch are concatenated. */
  candles = parse_text ("mixed.csv",
                        HEADER_6
                        "1735689480000," GOOD_OHLC ",10\n"
                        "1735689540000," GOOD_OHLC ",10\n"
                        "1735689600000000," GOOD_OHLC ",10\n"
                        "1735689660000000," GOOD_OHLC ",10\n",
                        PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  t = perp_candles_get_open_time (candles);
  g_assert_cmpuint (perp_candles_get_length (candles), ==, 4);
  g_assert_cmpint (t[0], ==, G_GINT64_CONSTANT (1735689480000));
  g_assert_cmpint (t[1], ==, G_GINT64_CONSTANT (1735689540000));
  g_assert_cmpint (t[2], ==, G_GINT64_CONSTANT (1735689600000));
  g_assert_cmpint (t[3], ==, G_GINT64_CONSTANT (1735689660000));
}

static void
test_milliseconds_kept (void)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GError) error = NULL;

  /* Just under the threshold (year 5138 in milliseconds): left alone. */
  candles = parse_text ("ms.csv",
                        HEADER_6
                        "99999999940000," GOOD_OHLC ",10\n"
                        "100000000000000," GOOD_OHLC ",10\n",
                        PERP_CSV_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (perp_candles_get_open_time (candles)[0], ==, G_GINT64_CONSTANT (99999999940000));
  g_assert_cmpint (perp_candles_get_open_time (candles)[1], ==, G_GINT64_CONSTANT (100000000000000));
}

/* ------------------------------------------------------------------ symbols */

static void
test_guess_symbol (void)
{
  static const struct {
    const char *path;
    const char *symbol;
  } cases[] = {
    { "BTCUSDT_5m_2023-01-01_2024-03-31.csv", "BTCUSDT" },
    { "FILUSDT-1m-2023-08.csv", "FILUSDT" },
    { "/x/y/1000PEPEUSDT_5m.csv", "1000PEPEUSDT" },
    { "../shared/data/klines_usdm/ETHUSDT_1h_first600.csv", "ETHUSDT" },
    { "candles.csv", NULL },
    { "/x/y/candles.csv", NULL },
    { "2024-01-01.csv", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *symbol = perp_guess_symbol_from_path (cases[i].path);

      g_test_message ("%s -> %s", cases[i].path, symbol != NULL ? symbol : "(null)");
      g_assert_cmpstr (symbol, ==, cases[i].symbol);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/csv/load/six-columns", test_load_six_columns);
  g_test_add_data_func ("/io/csv/load/twelve-columns-header",
                        "FILUSDT_1m_first400.csv", test_load_twelve_columns);
  g_test_add_data_func ("/io/csv/load/twelve-columns-headerless",
                        "FILUSDT_1m_headerless120.csv", test_load_twelve_columns);
  g_test_add_func ("/io/csv/load/fixture-counts", test_load_fixture_counts);
  g_test_add_func ("/io/csv/parse/crlf", test_parse_crlf);
  g_test_add_func ("/io/csv/parse/crlf-error-line", test_parse_crlf_error_line);
  g_test_add_func ("/io/csv/parse/trailing-blank-line", test_parse_trailing_blank_line);
  g_test_add_func ("/io/csv/parse/bom", test_parse_bom);
  g_test_add_func ("/io/csv/error/bad-number", test_error_bad_number);
  g_test_add_func ("/io/csv/error/time-range", test_error_time_range);
  g_test_add_func ("/io/csv/error/bad-number-file", test_error_bad_number_file);
  g_test_add_func ("/io/csv/error/column-count", test_error_column_count);
  g_test_add_func ("/io/csv/error/truncated-last-line", test_error_truncated_last_line);
  g_test_add_func ("/io/csv/error/not-increasing", test_error_not_increasing);
  g_test_add_func ("/io/csv/error/invalid-candle", test_error_invalid_candle);
  g_test_add_func ("/io/csv/error/nan-inf", test_error_nan_inf);
  g_test_add_func ("/io/csv/error/empty", test_error_empty);
  g_test_add_func ("/io/csv/error/header", test_error_header);
  g_test_add_func ("/io/csv/error/header-line-number", test_error_header_line_number);
  g_test_add_func ("/io/csv/parse/datetime", test_parse_datetime);
  g_test_add_func ("/io/csv/parse/volume-column", test_volume_column);
  g_test_add_func ("/io/csv/error/nonexistent", test_error_nonexistent);
  g_test_add_func ("/io/csv/lenient/skip", test_lenient);
  g_test_add_func ("/io/csv/lenient/all-bad", test_lenient_all_bad);
  g_test_add_func ("/io/csv/lenient/file", test_lenient_file);
  g_test_add_func ("/io/csv/number/strtod", test_numbers_match_strtod);
  g_test_add_func ("/io/csv/time/microseconds", test_microseconds);
  g_test_add_func ("/io/csv/time/microseconds-lenient-first-row-bad",
                   test_microseconds_lenient_first_row_bad);
  g_test_add_func ("/io/csv/time/microseconds-mixed", test_microseconds_mixed);
  g_test_add_func ("/io/csv/time/milliseconds-kept", test_milliseconds_kept);
  g_test_add_func ("/io/csv/symbol/guess", test_guess_symbol);

  return g_test_run ();
}
