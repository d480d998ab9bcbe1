/* test-series-csv.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"
#include "io/perp-series-csv.h"

#define FIXTURE "BTCUSDT_funding_first50.csv"

static char *
read_fixture (gsize *length)
{
  g_autofree char *path = perp_test_fixture_path (FIXTURE);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, length, &error);
  g_assert_no_error (error);

  return text;
}

/* The fixture's lines (header first), without terminators. */
static GStrv
fixture_lines (void)
{
  g_autofree char *text = read_fixture (NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) split = g_strsplit (text, "\n", -1);

  for (guint i = 0; split[i] != NULL; i++)
    if (split[i][0] != '\0')
      g_strv_builder_add (builder, split[i]);

  return g_strv_builder_end (builder);
}

/* The fixture with line @line_no (1-based, the header is line 1) replaced. */
static char *
fixture_with_line (guint       line_no,
                   const char *replacement)
{
  g_auto(GStrv) lines = fixture_lines ();
  GString *s = g_string_new (NULL);

  g_assert_cmpuint (line_no, >=, 1);
  g_assert_cmpuint (line_no, <=, g_strv_length (lines));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_string_append (s, i + 1 == line_no ? replacement : lines[i]);
      g_string_append_c (s, '\n');
    }

  return g_string_free (s, FALSE);
}

/* The error must have @code and say "NAME:LINE: column N (COLUMN):". */
static void
assert_row_error (const GError *error,
                  PerpCsvError  code,
                  const char   *name,
                  guint         line,
                  guint         column,
                  const char   *column_name)
{
  g_autofree char *where = g_strdup_printf ("%s:%u: column %u (%s): ", name, line, column, column_name);

  g_assert_error (error, PERP_CSV_ERROR, (int) code);
  if (!g_str_has_prefix (error->message, where))
    g_error ("\"%s\" does not start with \"%s\"", error->message, where);
}

static GError *
parse_must_fail (const char *name,
                 const char *text)
{
  g_autoptr(PerpTimeSeries) series = NULL;
  GError *error = NULL;

  series = perp_series_csv_parse (name, text, strlen (text), &error);
  g_assert_null (series);
  g_assert_nonnull (error);

  return error;
}

/* Every row of the fixture, against its text. */
static void
test_load_fixture (void)
{
  g_autofree char *path = perp_test_fixture_path (FIXTURE);
  g_auto(GStrv) lines = fixture_lines ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (series->time_column, ==, "funding_time");
  g_assert_cmpstr (series->value_column, ==, "funding_rate");
  g_assert_cmpuint (series->length, ==, g_strv_length (lines) - 1);

  for (guint i = 0; i < series->length; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i + 1], ",", -1);
      double value = g_ascii_strtod (cells[1], NULL);

      g_assert_cmpint (series->time[i], ==, g_ascii_strtoll (cells[0], NULL, 10));
      g_assert_cmpmem (&series->value[i], sizeof (double), &value, sizeof value);
    }
}

/* CRLF line ends, a byte order mark, blanks around fields, blank lines. */
static void
test_parse_variants (void)
{
  static const char text[] = "\xEF\xBB\xBF" "time , value\r\n\r\n 1000 ,-0.5\r\n  \r\n2000,1e-4\r\n3000,+7";
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_parse ("v.csv", text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (series->time_column, ==, "time");
  g_assert_cmpstr (series->value_column, ==, "value");
  g_assert_cmpuint (series->length, ==, 3);
  g_assert_cmpint (series->time[0], ==, 1000);
  g_assert_cmpfloat (series->value[0], ==, -0.5);
  g_assert_cmpfloat (series->value[1], ==, 1e-4);
  g_assert_cmpint (series->time[2], ==, 3000);
  g_assert_cmpfloat (series->value[2], ==, 7.0);
}

/* Bad rows planted in the real fixture: each error names the file, the line and the
 * column.  Cells left NULL keep the fixture's own value, so that only the planted
 * fault can trip the loader. */
static void
test_errors_in_fixture (void)
{
  static const char *const NO_FIELD = "";
  static const struct
  {
    guint        line;
    const char  *time;
    const char  *value;   /* NO_FIELD: the row ends after the time */
    const char  *extra;
    PerpCsvError code;
    guint        column;
    const char  *column_name;
  } cases[] = {
    { 4,  NULL, "abc",    NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 7,  NULL, " ",      NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 9,  NULL, "nan",    NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 10, NULL, "inf",    NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 11, NULL, "0x1p-4", NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 12, NULL, "1e999",  NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 13, NULL, "1.2.3",  NULL, PERP_CSV_ERROR_NUMBER, 2, "funding_rate" },
    { 14, "16727904OO000",   NULL, NULL, PERP_CSV_ERROR_NUMBER, 1, "funding_time" },
    { 15, "1672790400000.5", NULL, NULL, PERP_CSV_ERROR_NUMBER, 1, "funding_time" },
    { 16, "",                NULL, NULL, PERP_CSV_ERROR_NUMBER, 1, "funding_time" },
    { 2,  "-28800000",       NULL, NULL, PERP_CSV_ERROR_NUMBER, 1, "funding_time" },   /* before 1970 */
    { 17, "253402300800000", NULL, NULL, PERP_CSV_ERROR_NUMBER, 1, "funding_time" },   /* after 9999 */
    { 20, "1672531200000",   NULL, NULL, PERP_CSV_ERROR_NOT_INCREASING, 1, "funding_time" },
    { 30, NULL, NO_FIELD, NULL,     PERP_CSV_ERROR_COLUMN_COUNT, 2, "funding_rate" },
    { 31, NULL, NULL,     "0.0002", PERP_CSV_ERROR_COLUMN_COUNT, 3, "extra" },
    { 51, NULL, NO_FIELD, NULL,     PERP_CSV_ERROR_COLUMN_COUNT, 2, "funding_rate" },
  };
  g_auto(GStrv) lines = fixture_lines ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[cases[i].line - 1], ",", -1);
      g_autoptr(GString) row = g_string_new (cases[i].time != NULL ? cases[i].time : cells[0]);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;

      if (cases[i].value != NO_FIELD)
        g_string_append_printf (row, ",%s", cases[i].value != NULL ? cases[i].value : cells[1]);
      if (cases[i].extra != NULL)
        g_string_append_printf (row, ",%s", cases[i].extra);

      text = fixture_with_line (cases[i].line, row->str);
      error = parse_must_fail ("funding.csv", text);
      assert_row_error (error, cases[i].code, "funding.csv", cases[i].line, cases[i].column,
                        cases[i].column_name);
    }

  /* A repeated time is not increasing either. */
  {
    g_autofree char *text = fixture_with_line (25, lines[23]);
    g_autoptr(GError) error = parse_must_fail ("funding.csv", text);

    assert_row_error (error, PERP_CSV_ERROR_NOT_INCREASING, "funding.csv", 25, 1, "funding_time");
  }
}

static void
test_errors_header (void)
{
  static const struct
  {
    const char  *text;
    PerpCsvError code;
    const char  *where;
  } cases[] = {
    { "funding_time\n1,2\n",                  PERP_CSV_ERROR_HEADER, "h.csv:1: " },
    { "funding_time,funding_rate,x\n1,2,3\n", PERP_CSV_ERROR_HEADER, "h.csv:1: " },
    { "funding_time,\n1,2\n",                 PERP_CSV_ERROR_HEADER, "h.csv:1: " },
    { "\n\n1672531200000,0.0001\n",           PERP_CSV_ERROR_HEADER, "h.csv:3: " },
    { "",                                     PERP_CSV_ERROR_EMPTY,  "h.csv: " },
    { "funding_time,funding_rate\n\n",        PERP_CSV_ERROR_EMPTY,  "h.csv: " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = parse_must_fail ("h.csv", cases[i].text);

      g_assert_error (error, PERP_CSV_ERROR, (int) cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, cases[i].where));
    }
}

static void
test_error_nonexistent (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PerpTimeSeries) series = perp_series_csv_load ("/nonexistent/funding.csv", &error);

  g_assert_null (series);
  g_assert_error (error, PERP_CSV_ERROR, PERP_CSV_ERROR_IO);
}

/* Every prefix of the fixture, cut anywhere: a result or an error, never a crash, and
 * a result only with whole rows. */
static void
test_truncated (void)
{
  gsize length = 0;
  g_autofree char *text = read_fixture (&length);

  for (gsize cut = 0; cut <= length; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PerpTimeSeries) series = perp_series_csv_parse ("cut.csv", text, cut, &error);

      g_assert_true ((series == NULL) != (error == NULL));
      if (series != NULL)
        for (guint i = 1; i < series->length; i++)
          g_assert_cmpint (series->time[i], >, series->time[i - 1]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/series-csv/load/fixture", test_load_fixture);
  g_test_add_func ("/io/series-csv/parse/variants", test_parse_variants);
  g_test_add_func ("/io/series-csv/error/rows-in-fixture", test_errors_in_fixture);
  g_test_add_func ("/io/series-csv/error/header-and-empty", test_errors_header);
  g_test_add_func ("/io/series-csv/error/nonexistent", test_error_nonexistent);
  g_test_add_func ("/io/series-csv/parse/truncated-anywhere", test_truncated);

  return g_test_run ();
}
