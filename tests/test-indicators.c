/* test-indicators.c
 *
 * Copyright 2026 The Perpscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "perp-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "perp-test-support.h"

/* Written into every output before an indicator call, so that a cell the call forgets
 * to write cannot pass for a computed value. */
#define POISON 4.0e300

/* The conformance tolerance of an oscillator: 1e-9 * 100. */
#define OSCILLATOR_SLACK 1e-7

#define DAY_MS              PERP_MS_PER_DAY
#define HOUR_MS             PERP_MS_PER_HOUR
#define MIDNIGHT_2024_01_02 G_GINT64_CONSTANT (1704153600000)

/* The first valid row of every TA-Lib column with the default periods
 * (../shared/conformance/talib/README.md, "How they were produced"). */
static const struct
{
  const char          *name;
  PerpIndicatorColumn  column;
  guint                first_valid;
} talib_columns[] = {
  { "sma20",       PERP_COLUMN_SMA20,        19 },
  { "ema9",        PERP_COLUMN_EMA9,          8 },
  { "ema21",       PERP_COLUMN_EMA21,        20 },
  { "ema50",       PERP_COLUMN_EMA50,        49 },
  { "ema200",      PERP_COLUMN_EMA200,      199 },
  { "rsi14",       PERP_COLUMN_RSI14,        14 },
  { "atr14",       PERP_COLUMN_ATR14,        14 },
  { "natr14",      PERP_COLUMN_NATR14,       14 },
  { "macd",        PERP_COLUMN_MACD,         33 },
  { "macd_signal", PERP_COLUMN_MACD_SIGNAL,  33 },
  { "macd_hist",   PERP_COLUMN_MACD_HIST,    33 },
  { "bb_upper",    PERP_COLUMN_BB_UPPER,     19 },
  { "bb_middle",   PERP_COLUMN_BB_MIDDLE,    19 },
  { "bb_lower",    PERP_COLUMN_BB_LOWER,     19 },
  { "stochrsi_k",  PERP_COLUMN_STOCHRSI_K,   31 },
  { "stochrsi_d",  PERP_COLUMN_STOCHRSI_D,   31 },
  { "obv",         PERP_COLUMN_OBV,           0 },
  { "adx14",       PERP_COLUMN_ADX14,        27 },
  { "plus_di14",   PERP_COLUMN_PLUS_DI14,    14 },
  { "minus_di14",  PERP_COLUMN_MINUS_DI14,   14 },
  { "cci20",       PERP_COLUMN_CCI20,        19 },
  { "mfi14",       PERP_COLUMN_MFI14,        14 },
  { "willr14",     PERP_COLUMN_WILLR14,      13 },
};

/* One input file, with its TA-Lib reference outputs when there are some. */
typedef struct
{
  char     *name;
  char     *input;     /* nullable: a synthetic series */
  char     *expected;  /* nullable */
} DataCase;

static DataCase *
data_case_new (const char *name,
               const char *input,
               const char *expected)
{
  DataCase *dc = g_new0 (DataCase, 1);

  dc->name = g_strdup (name);
  dc->input = g_strdup (input);
  dc->expected = g_strdup (expected);

  return dc;
}

static void
data_case_free (DataCase *dc)
{
  if (dc == NULL)
    return;

  g_free (dc->name);
  g_free (dc->input);
  g_free (dc->expected);
  g_free (dc);
}

/* PERP_N_COLUMNS output arrays of n values. */
typedef struct
{
  guint   n;
  double *col[PERP_N_COLUMNS];
} Columns;

static void
columns_free (Columns *columns)
{
  if (columns == NULL)
    return;

  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    g_free (columns->col[c]);
  g_free (columns);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Columns, columns_free)

static Columns *
columns_new (guint n)
{
  Columns *columns = g_new0 (Columns, 1);

  columns->n = n;
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    {
      columns->col[c] = g_new (double, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        columns->col[c][i] = POISON;
    }

  return columns;
}

static Columns *
columns_new_batch (const PerpCandles *candles)
{
  Columns *columns;

  g_assert (candles != NULL);

  columns = columns_new (perp_candles_get_length (candles));
  perp_indicator_set_compute_batch (candles, columns->col);

  return columns;
}

static gboolean
same_bits (double a,
           double b)
{
  if (isnan (a) && isnan (b))
    return TRUE;

  return memcmp (&a, &b, sizeof a) == 0;
}

static guint64
bits_of (double value)
{
  guint64 bits;

  G_STATIC_ASSERT (sizeof bits == sizeof value);
  memcpy (&bits, &value, sizeof bits);

  return bits;
}

static const char *
column_label (guint column)
{
  const char *name = perp_indicator_column_name ((PerpIndicatorColumn) column);

  return name != NULL ? name : "(unnamed column)";
}

static void
row_fill (double row[PERP_N_COLUMNS])
{
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    row[c] = POISON;
}

/* Index of the first column where @a and @b differ bitwise (two NaNs being equal), or -1. */
static int
row_diff (const double a[PERP_N_COLUMNS],
          const double b[PERP_N_COLUMNS])
{
  for (guint c = 0; c < PERP_N_COLUMNS; c++)
    if (!same_bits (a[c], b[c]))
      return (int) c;

  return -1;
}

/* A 15-minute random walk that starts 10 h before 2024-01-02 00:00 UTC, so that it
 * crosses several midnights.  With @with_flats it has a run of 40 identical candles
 * without volume (rows 220..259, across the midnight at row 232) and a run of 20 equal
 * closes with volume (rows 400..419). */
static PerpCandles *
make_candles (guint    n,
              guint32  seed,
              gboolean with_flats)
{
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(GRand) rand = NULL;
  const gint64 step = 15 * PERP_MS_PER_MINUTE;
  const gint64 t0 = MIDNIGHT_2024_01_02 - 40 * step;
  double close = 100.0;

  candles = perp_candles_new (PERP_INTERVAL_15M, PERP_CANDLE_FIELD_NONE);
  rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      PerpCandle candle;
      gint64 t = t0 + (gint64) i * step;
      double open = close;
      double high;
      double low;
      double volume;
      gboolean ok;

      if (with_flats && i >= 220 && i < 260)
        {
          perp_candle_init (&candle, t, open, open, open, open, 0.0);
        }
      else if (with_flats && i >= 400 && i < 420)
        {
          perp_candle_init (&candle, t, open, open * 1.001, open * 0.999, open, 50.0);
        }
      else
        {
          close = open * (1.0 + 0.02 * (g_rand_double (rand) - 0.5));
          high = MAX (open, close) * (1.0 + 0.005 * g_rand_double (rand));
          low = MIN (open, close) * (1.0 - 0.005 * g_rand_double (rand));
          volume = 10.0 + 1000.0 * g_rand_double (rand);
          perp_candle_init (&candle, t, open, high, low, close, volume);
        }

      ok = perp_candles_append (candles, &candle, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
    }

  return g_steal_pointer (&candles);
}

static PerpCandles *
load_candles (const char *path)
{
  g_autoptr(GError) error = NULL;
  PerpCsvReport report = { 0, };
  PerpCandles *candles;

  g_assert (path != NULL);

  candles = perp_candle_csv_load (path, PERP_CSV_FLAGS_NONE, &report, &error);
  perp_csv_report_clear (&report);
  g_assert_no_error (error);
  g_assert_nonnull (candles);
  g_assert_cmpuint (perp_candles_get_length (candles), >, 0);

  return candles;
}

/* The case's candles, or NULL after g_test_skip() when a file is missing. */
static PerpCandles *
case_candles (const DataCase *dc)
{
  g_assert (dc != NULL);

  if (dc->input == NULL)
    return make_candles (600, 20260101, TRUE);

  if (!g_file_test (dc->input, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("input not found: %s", dc->input);

      g_test_skip (message);
      return NULL;
    }

  return load_candles (dc->input);
}

/* a. and b.  The whole indicator set against TA-Lib's outputs. */
static void
test_conformance (gconstpointer data)
{
  const DataCase *dc = data;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpTestTable) expected = NULL;
  g_autoptr(Columns) actual = NULL;
  g_autoptr(GString) report = NULL;
  g_autoptr(GError) error = NULL;
  guint n_bad;

  g_assert_nonnull (dc->expected);

  if (!g_file_test (dc->expected, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("expected output not found: %s", dc->expected);

      g_test_skip (message);
      return;
    }

  candles = case_candles (dc);
  if (candles == NULL)
    return;

  expected = perp_test_table_load (dc->expected, &error);
  g_assert_no_error (error);
  g_assert_nonnull (expected);

  actual = columns_new_batch (candles);
  report = g_string_new (NULL);
  n_bad = perp_test_talib_compare (candles, actual->col, expected, report);

  if (report->len > 0)
    g_test_message ("%s:\n%s", dc->name, report->str);
  if (n_bad > 0)
    g_test_fail_printf ("%s: %u mismatching cell(s) against TA-Lib:\n%s",
                        dc->name, n_bad, report->str);
}

/* c.  Feeding the candles one at a time gives the batch result, bit for bit. */
static void
test_incremental (gconstpointer data)
{
  const DataCase *dc = data;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(Columns) batch = NULL;
  g_autoptr(PerpIndicatorSet) set = NULL;
  double row[PERP_N_COLUMNS];
  guint n;

  candles = case_candles (dc);
  if (candles == NULL)
    return;

  n = perp_candles_get_length (candles);
  batch = columns_new_batch (candles);
  set = perp_indicator_set_new ();

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;

      perp_candles_get_candle (candles, i, &candle);
      row_fill (row);
      perp_indicator_set_update (set, &candle, row);

      for (guint c = 0; c < PERP_N_COLUMNS; c++)
        {
          if (same_bits (row[c], batch->col[c][i]))
            continue;

          g_test_fail_printf ("%s: row %u (open_time %" G_GINT64_FORMAT "), column %s: "
                              "incremental %.17g (0x%016" G_GINT64_MODIFIER "x), "
                              "batch %.17g (0x%016" G_GINT64_MODIFIER "x)",
                              dc->name, i, candle.open_time, column_label (c),
                              row[c], bits_of (row[c]),
                              batch->col[c][i], bits_of (batch->col[c][i]));
          return;
        }
    }
}

/* d.  Peeking gives what the update will give, and leaves no trace in the state. */
static void
test_peek (gconstpointer data)
{
  const DataCase *dc = data;
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpIndicatorSet) peeked = NULL;
  g_autoptr(PerpIndicatorSet) plain = NULL;
  double row_peek[PERP_N_COLUMNS];
  double row_other[PERP_N_COLUMNS];
  double row_peeked[PERP_N_COLUMNS];
  double row_plain[PERP_N_COLUMNS];
  guint n;

  candles = case_candles (dc);
  if (candles == NULL)
    return;

  n = perp_candles_get_length (candles);
  peeked = perp_indicator_set_new ();
  plain = perp_indicator_set_new ();

  for (guint i = 0; i < n; i++)
    {
      PerpCandle candle;
      PerpCandle other;
      int c;

      perp_candles_get_candle (candles, i, &candle);

      /* The same forming candle as the one that will close, and a different one. */
      other = candle;
      other.close = candle.close * 1.01;
      other.high = MAX (candle.high * 1.01, other.close);
      other.low = candle.low * 0.99;
      other.volume = candle.volume * 1.5 + 1.0;

      row_fill (row_other);
      perp_indicator_set_peek (peeked, &other, row_other);
      row_fill (row_peek);
      perp_indicator_set_peek (peeked, &candle, row_peek);
      row_fill (row_other);
      perp_indicator_set_peek (peeked, &other, row_other);

      row_fill (row_peeked);
      perp_indicator_set_update (peeked, &candle, row_peeked);
      row_fill (row_plain);
      perp_indicator_set_update (plain, &candle, row_plain);

      c = row_diff (row_peek, row_peeked);
      if (c >= 0)
        {
          g_test_fail_printf ("%s: row %u, column %s: peek %.17g, then update %.17g",
                              dc->name, i, column_label (c), row_peek[c], row_peeked[c]);
          return;
        }

      c = row_diff (row_peeked, row_plain);
      if (c >= 0)
        {
          g_test_fail_printf ("%s: row %u, column %s: %.17g after peeking, %.17g without",
                              dc->name, i, column_label (c), row_peeked[c], row_plain[c]);
          return;
        }

      /* The peek really used the candle it was given: OBV starts at the first volume,
       * and a 1 % higher close moves the 20-close mean once it exists. */
      if (i == 0)
        {
          g_assert_cmpfloat (row_peek[PERP_COLUMN_OBV], ==, candle.volume);
          g_assert_cmpfloat (row_other[PERP_COLUMN_OBV], ==, other.volume);
        }
      if (i >= 19 && !(row_other[PERP_COLUMN_SMA20] > row_peek[PERP_COLUMN_SMA20]))
        {
          g_test_fail_printf ("%s: row %u: peeking a higher close gives sma20 %.17g, not above %.17g",
                              dc->name, i, row_other[PERP_COLUMN_SMA20], row_peek[PERP_COLUMN_SMA20]);
          return;
        }
    }
}

/* The checker itself: the expected values pass, and a value just outside the tolerance or
 * an extra value where TA-Lib has none do not. */
static void
test_compare_self (void)
{
  g_autofree char *input_path = perp_test_fixture_path ("ETHUSDT_1h_first600.csv");
  g_autofree char *expected_path = perp_test_fixture_path ("ETHUSDT_1h_first600.talib.csv");
  g_autoptr(PerpCandles) candles = NULL;
  g_autoptr(PerpTestTable) expected = NULL;
  g_autoptr(Columns) actual = NULL;
  g_autoptr(GString) report = NULL;
  g_autoptr(GError) error = NULL;
  const double *close;
  guint n;
  int j;

  candles = load_candles (input_path);
  expected = perp_test_table_load (expected_path, &error);
  g_assert_no_error (error);
  n = perp_candles_get_length (candles);
  g_assert_cmpuint (expected->n_rows, ==, n);
  g_assert_cmpuint (expected->names->len, ==, 24);
  g_assert_cmpint (perp_test_table_column (expected, "open_time"), ==, 0);
  g_assert_cmpint (perp_test_table_column (expected, "no such column"), ==, -1);
  g_assert_cmpint (expected->open_time[0], ==, G_GINT64_CONSTANT (1672531200000));
  g_assert_cmpfloat (expected->columns[0][0], ==, 1672531200000.0);
  close = perp_candles_get_close (candles);

  actual = columns_new (n);
  for (guint k = 0; k < G_N_ELEMENTS (talib_columns); k++)
    {
      j = perp_test_table_column (expected, talib_columns[k].name);
      g_assert_cmpint (j, >, 0);
      memcpy (actual->col[talib_columns[k].column], expected->columns[j], n * sizeof (double));
    }

  report = g_string_new (NULL);
  g_assert_cmpuint (perp_test_talib_compare (candles, actual->col, expected, report), ==, 0);

  /* sma20 at row 100, off by twice the tolerance. */
  actual->col[PERP_COLUMN_SMA20][100] += 2e-9 * fabs (close[100]);
  g_string_truncate (report, 0);
  g_assert_cmpuint (perp_test_talib_compare (candles, actual->col, expected, report), ==, 1);
  g_assert_nonnull (strstr (report->str, "sma20"));
  g_assert_nonnull (strstr (report->str, "row 100"));
  j = perp_test_table_column (expected, "sma20");
  actual->col[PERP_COLUMN_SMA20][100] = expected->columns[j][100];

  /* rsi14 one row early, and obv missing at the last row. */
  g_assert_true (isnan (actual->col[PERP_COLUMN_RSI14][13]));
  actual->col[PERP_COLUMN_RSI14][13] = 50.0;
  actual->col[PERP_COLUMN_OBV][n - 1] = NAN;
  g_string_truncate (report, 0);
  g_assert_cmpuint (perp_test_talib_compare (candles, actual->col, expected, report), ==, 2);
  g_assert_nonnull (strstr (report->str, "rsi14"));
  g_assert_nonnull (strstr (report->str, "first valid row: expected 14, got 13"));
  g_assert_nonnull (strstr (report->str, "obv"));
}

/* e.  The single indicators on inputs small enough to check by hand. */

static void
assert_values (const char   *what,
               const double *out,
               const double *expected,
               gsize         n,
               double        epsilon)
{
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (expected[i]))
        {
          if (!isnan (out[i]))
            {
              g_test_fail_printf ("%s[%" G_GSIZE_FORMAT "] = %.17g, expected no value",
                                  what, i, out[i]);
              return;
            }
        }
      else if (!(fabs (out[i] - expected[i]) <= epsilon))
        {
          g_test_fail_printf ("%s[%" G_GSIZE_FORMAT "] = %.17g, expected %.17g",
                              what, i, out[i], expected[i]);
          return;
        }
    }
}

/* NAN before @first, a value from there on. */
static void
assert_first_valid (const char   *what,
                    const double *out,
                    gsize         n,
                    gsize         first)
{
  g_assert_cmpuint (n, >, first);

  for (gsize i = 0; i < n; i++)
    {
      if (i < first && !isnan (out[i]))
        {
          g_test_fail_printf ("%s: value %.17g at row %" G_GSIZE_FORMAT ", first valid row is %"
                              G_GSIZE_FORMAT, what, out[i], i, first);
          return;
        }
      if (i >= first && (isnan (out[i]) || out[i] == POISON))
        {
          g_test_fail_printf ("%s: no value at row %" G_GSIZE_FORMAT ", first valid row is %"
                              G_GSIZE_FORMAT, what, i, first);
          return;
        }
    }
}

static void
test_column_names (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (talib_columns); k++)
    {
      g_assert_cmpint (talib_columns[k].column, ==, k);
      g_assert_cmpstr (perp_indicator_column_name (talib_columns[k].column), ==, talib_columns[k].name);
      g_assert_cmpint (perp_indicator_column_from_name (talib_columns[k].name), ==, talib_columns[k].column);
    }
  g_assert_cmpint (G_N_ELEMENTS (talib_columns), ==, PERP_COLUMN_VWAP_SESSION);
  g_assert_nonnull (perp_indicator_column_name (PERP_COLUMN_VWAP_SESSION));
  g_assert_cmpint (perp_indicator_column_from_name (perp_indicator_column_name (PERP_COLUMN_VWAP_SESSION)),
                   ==, PERP_COLUMN_VWAP_SESSION);
  g_assert_cmpuint ((guint) perp_indicator_column_from_name ("sma21"), >=, PERP_N_COLUMNS);
  g_assert_cmpuint ((guint) perp_indicator_column_from_name (""), >=, PERP_N_COLUMNS);
}

static void
test_sma (void)
{
  const double in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  const double expected[] = { NAN, NAN, 2, 3, 4, 5, 6, 7, 8, 9 };
  double out[G_N_ELEMENTS (in)];

  perp_sma_batch (in, G_N_ELEMENTS (in), 3, out);
  assert_values ("sma3", out, expected, G_N_ELEMENTS (in), 1e-12);

  /* Period 1 is the series itself. */
  perp_sma_batch (in, G_N_ELEMENTS (in), 1, out);
  assert_values ("sma1", out, in, G_N_ELEMENTS (in), 0.0);
}

static void
test_ema (void)
{
  /* k = 2 / (3 + 1) = 0.5; seed = (2 + 4 + 6) / 3 = 4 at index 2;
   * then 4 + 0.5 (8 - 4) = 6, 6 + 0.5 (20 - 6) = 13, 13 + 0.5 (5 - 13) = 9. */
  const double in[] = { 2, 4, 6, 8, 20, 5 };
  const double expected[] = { NAN, NAN, 4, 6, 13, 9 };
  /* k = 2 / (4 + 1) = 0.4; seed = mean (1, 2, 3, 4) = 2.5, then 2.5 + 0.4 (5 - 2.5) = 3.5. */
  const double in4[] = { 1, 2, 3, 4, 5 };
  const double expected4[] = { NAN, NAN, NAN, 2.5, 3.5 };
  double out[G_N_ELEMENTS (in)];

  perp_ema_batch (in, G_N_ELEMENTS (in), 3, out);
  assert_values ("ema3", out, expected, G_N_ELEMENTS (in), 1e-12);

  perp_ema_batch (in4, G_N_ELEMENTS (in4), 4, out);
  assert_values ("ema4", out, expected4, G_N_ELEMENTS (in4), 1e-12);
}

static void
test_rsi (void)
{
  /* Period 2, Wilder: gains 1, 0, 1.5, 0 and losses 0, 0.5, 0, 1 (rows 1..4).
   * Row 2: AG = 0.5, AL = 0.25, RSI = 100 * 0.5 / 0.75.
   * Row 3: AG = (0.5 + 1.5) / 2 = 1, AL = (0.25 + 0) / 2 = 0.125, RSI = 100 / 1.125.
   * Row 4: AG = (1 + 0) / 2 = 0.5, AL = (0.125 + 1) / 2 = 0.5625, RSI = 50 / 1.0625. */
  const double close[] = { 10, 11, 10.5, 12, 11 };
  const double expected[] = { NAN, NAN, 50.0 / 0.75, 100.0 / 1.125, 50.0 / 1.0625 };
  double flat[40];
  double rising[40];
  double out[40];

  perp_rsi_batch (close, G_N_ELEMENTS (close), 2, out);
  assert_values ("rsi2", out, expected, G_N_ELEMENTS (close), 1e-9);

  /* No movement at all: 0, not 50. */
  for (guint i = 0; i < G_N_ELEMENTS (flat); i++)
    flat[i] = 65053.4;
  perp_rsi_batch (flat, G_N_ELEMENTS (flat), 14, out);
  assert_first_valid ("rsi14 flat", out, G_N_ELEMENTS (flat), 14);
  for (guint i = 14; i < G_N_ELEMENTS (flat); i++)
    g_assert_cmpfloat (out[i], ==, 0.0);

  /* Only gains, of uneven sizes: 100. */
  rising[0] = 3.0;
  for (guint i = 1; i < G_N_ELEMENTS (rising); i++)
    rising[i] = rising[i - 1] + 0.25 * (1 + i % 3);
  perp_rsi_batch (rising, G_N_ELEMENTS (rising), 14, out);
  assert_first_valid ("rsi14 rising", out, G_N_ELEMENTS (rising), 14);
  for (guint i = 14; i < G_N_ELEMENTS (rising); i++)
    g_assert_cmpfloat_with_epsilon (out[i], 100.0, 1e-9);
}

static void
test_atr (void)
{
  /* True ranges: row 1 max (2, |11 - 9|, |9 - 9|) = 2; row 2 max (3.5, |10.5 - 10|,
   * |7 - 10|) = 3.5; row 3 max (0.5, |9 - 8|, |8.5 - 8|) = 1.
   * ATR 2: row 2 = (2 + 3.5) / 2 = 2.75; row 3 = (2.75 + 1) / 2 = 1.875. */
  const double high[] = { 10, 11, 10.5, 9 };
  const double low[] = { 8, 9, 7, 8.5 };
  const double close[] = { 9, 10, 8, 8.8 };
  const double expected[] = { NAN, NAN, 2.75, 1.875 };
  const double expected_natr[] = { NAN, NAN, 100.0 * 2.75 / 8, 100.0 * 1.875 / 8.8 };
  double out[4];

  perp_atr_batch (high, low, close, 4, 2, out);
  assert_values ("atr2", out, expected, 4, 1e-12);

  perp_natr_batch (high, low, close, 4, 2, out);
  assert_values ("natr2", out, expected_natr, 4, 1e-12);

  g_assert_cmpfloat_with_epsilon (perp_natr_from_atr (1.875, 8.8), 100.0 * 1.875 / 8.8, 1e-12);
  g_assert_cmpfloat (perp_natr_from_atr (1.5, 0.0), ==, 0.0);
}

static void
test_macd (void)
{
  /* fast 2 (k = 2/3), slow 3 (k = 1/2), signal 2 (k = 2/3).  Both EMAs start at row 2:
   * slow = (1 + 2 + 4) / 3 = 7/3, fast = (2 + 4) / 2 = 3 (re-seeded on the last 2
   * closes), line = 2/3.  Row 3: slow = 31/6, fast = 19/3, line = 7/6; the signal is
   * seeded there with (2/3 + 7/6) / 2 = 11/12, hist = 1/4.  Row 4: slow = 127/12,
   * fast = 115/9, line = 79/36, signal = 11/12 + 2/3 (79/36 - 11/12) = 191/108. */
  const double close[] = { 1, 2, 4, 8, 16 };
  const double expected_macd[] = { NAN, NAN, NAN, 7.0 / 6, 79.0 / 36 };
  const double expected_signal[] = { NAN, NAN, NAN, 11.0 / 12, 191.0 / 108 };
  const double expected_hist[] = { NAN, NAN, NAN, 0.25, 79.0 / 36 - 191.0 / 108 };
  double macd[5];
  double signal[5];
  double hist[5];

  perp_macd_batch (close, 5, 2, 3, 2, macd, signal, hist);
  assert_values ("macd", macd, expected_macd, 5, 1e-12);
  assert_values ("macd signal", signal, expected_signal, 5, 1e-12);
  assert_values ("macd hist", hist, expected_hist, 5, 1e-12);
}

static void
test_bollinger (void)
{
  /* Population sigma of 1, 2, 3, 4: sqrt (1.25); 2 sigma = sqrt (5). */
  const double close[] = { 1, 2, 3, 4 };
  const double expected_upper[] = { NAN, NAN, NAN, 2.5 + sqrt (5.0) };
  const double expected_middle[] = { NAN, NAN, NAN, 2.5 };
  const double expected_lower[] = { NAN, NAN, NAN, 2.5 - sqrt (1.25) };
  const double levels[] = { 65053.4, 42532.5, 0.1, 0.0033, 1.0 / 3.0 };
  double flat[60];
  double walk[140];
  double upper[140];
  double middle[140];
  double lower[140];

  perp_bollinger_batch (close, 4, 4, 2.0, 1.0, upper, middle, lower);
  assert_values ("bb upper", upper, expected_upper, 4, 1e-12);
  assert_values ("bb middle", middle, expected_middle, 4, 1e-12);
  assert_values ("bb lower", lower, expected_lower, 4, 1e-12);

  /* A flat series: the bands are exactly the middle (no noise, no negative variance). */
  for (guint k = 0; k < G_N_ELEMENTS (levels); k++)
    {
      for (guint i = 0; i < 30; i++)
        flat[i] = levels[k];
      perp_bollinger_batch (flat, 30, 20, 2.0, 2.0, upper, middle, lower);
      assert_first_valid ("bb middle flat", middle, 30, 19);
      for (guint i = 19; i < 30; i++)
        {
          g_assert_cmpfloat_with_epsilon (middle[i], levels[k], 1e-12 * levels[k]);
          g_assert_cmpfloat (upper[i], ==, middle[i]);
          g_assert_cmpfloat (lower[i], ==, middle[i]);
        }
    }

  /* Big moves, then a flat run: once the window is flat the bands are exactly the
   * middle, and never cross it before.  The flat run starts at every phase of the ring,
   * so the collapse also happens between two exact recomputations of the running
   * variance, where its rounding error would show as a phantom sigma. */
  for (guint seed = 1; seed <= 3; seed++)
    for (guint start = 100; start < 120; start++)
      {
        g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
        double price = 70000.0;

        for (guint i = 0; i < start; i++)
          {
            /* Whole-dollar steps of up to +-100, as a BTC walk. */
            price = round (price + g_rand_double_range (rand, -100.0, 100.0));
            walk[i] = price;
          }
        for (guint i = start; i < 140; i++)
          walk[i] = 68868.0;

        perp_bollinger_batch (walk, 140, 20, 2.0, 2.0, upper, middle, lower);
        for (guint i = 19; i < 140; i++)
          {
            g_assert_false (isnan (upper[i]) || isnan (lower[i]));
            g_assert_cmpfloat (upper[i], >=, middle[i]);
            g_assert_cmpfloat (lower[i], <=, middle[i]);
          }
        for (guint i = start + 19; i < 140; i++)
          {
            g_assert_cmpfloat_with_epsilon (middle[i], 68868.0, 1e-9 * 68868.0);
            g_assert_cmpfloat (upper[i], ==, middle[i]);
            g_assert_cmpfloat (lower[i], ==, middle[i]);
          }
      }
}

static void
test_stoch_rsi (void)
{
  double rising[60];
  double k[60];
  double d[60];

  /* Equal gains only: the average gain is exactly 1 and the average loss 0, so RSI is
   * exactly 100 on every row, max == min in every window and the raw stochastic is 0,
   * hence K = D = 0 from the first D (row 31). */
  for (guint i = 0; i < 60; i++)
    rising[i] = 10.0 + i;
  perp_stoch_rsi_batch (rising, 60, 14, 14, 3, 3, k, d);
  assert_first_valid ("stochrsi k", k, 60, 31);
  assert_first_valid ("stochrsi d", d, 60, 31);
  for (guint i = 31; i < 60; i++)
    {
      g_assert_cmpfloat (k[i], ==, 0.0);
      g_assert_cmpfloat (d[i], ==, 0.0);
    }
}

static void
test_obv (void)
{
  const double close[] = { 10, 11, 11, 10, 12 };
  const double volume[] = { 5, 3, 7, 2, 4 };
  const double expected[] = { 5, 5 + 3, 5 + 3, 5 + 3 - 2, 5 + 3 - 2 + 4 };
  double out[5];

  perp_obv_batch (close, volume, 5, out);
  assert_values ("obv", out, expected, 5, 0.0);
}

static void
test_dmi (void)
{
  /* Period 2.  Row: +DM, -DM, TR
   *   1: 2, 0, 3   (seed: plain sums over rows 1..1)
   *   2: 0, 2, 4   S = S - S/2 + x: S+ = 1, S- = 2, STR = 5.5, DX = 100 * 1/3
   *   3: 2, 0, 5   S+ = 2.5, S- = 1, STR = 7.75, DX = 100 * 1.5/3.5; ADX = mean (DX2, DX3)
   *   4: 0.5, 0, 3.5  S+ = 1.75, S- = 0.5, STR = 7.375, DX = 100 * 1.25/2.25; ADX = (ADX + DX) / 2 */
  const double high[] = { 10, 12, 11, 13, 13.5 };
  const double low[] = { 8, 9, 7, 8, 10 };
  const double close[] = { 9, 11, 8, 12, 13 };
  const double adx3 = (100.0 / 3 + 150.0 / 3.5) / 2;
  const double expected_plus[] = { NAN, NAN, 100.0 / 5.5, 250.0 / 7.75, 175.0 / 7.375 };
  const double expected_minus[] = { NAN, NAN, 200.0 / 5.5, 100.0 / 7.75, 50.0 / 7.375 };
  const double expected_adx[] = { NAN, NAN, NAN, adx3, (adx3 + 125.0 / 2.25) / 2 };
  double plus[50];
  double minus[50];
  double adx[50];
  double trend_high[50];
  double trend_low[50];
  double trend_close[50];

  perp_dmi_batch (high, low, close, 5, 2, plus, minus, adx);
  assert_values ("+di2", plus, expected_plus, 5, 1e-9);
  assert_values ("-di2", minus, expected_minus, 5, 1e-9);
  assert_values ("adx2", adx, expected_adx, 5, 1e-9);

  /* A steady climb: +DM = 1 and TR = 2 on every row, -DM = 0, so +DI = 50, -DI = 0 and
   * DX = ADX = 100. */
  for (guint i = 0; i < 50; i++)
    {
      trend_high[i] = 101.0 + i;
      trend_low[i] = 99.0 + i;
      trend_close[i] = 100.0 + i;
    }
  perp_dmi_batch (trend_high, trend_low, trend_close, 50, 14, plus, minus, adx);
  assert_first_valid ("+di14", plus, 50, 14);
  assert_first_valid ("-di14", minus, 50, 14);
  assert_first_valid ("adx14", adx, 50, 27);
  for (guint i = 14; i < 50; i++)
    {
      g_assert_cmpfloat_with_epsilon (plus[i], 50.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (minus[i], 0.0, 1e-9);
    }
  for (guint i = 27; i < 50; i++)
    g_assert_cmpfloat_with_epsilon (adx[i], 100.0, 1e-9);
}

static void
test_cci (void)
{
  /* h = l = c, so tp is the close.  Windows of 3:
   * {1,2,3}: m = 2, md = 2/3, (3 - 2) / (0.015 * 2/3) = 100; {2,3,4}: 100 likewise;
   * {3,4,1}: m = 8/3, md = 10/9, (1 - 8/3) / (0.015 * 10/9) = -100;
   * {4,1,2}: m = 7/3, md = 10/9, (2 - 7/3) / (0.015 * 10/9) = -20;
   * {1,2,2}: m = 5/3, md = 4/9, (2 - 5/3) / (0.015 * 4/9) = 50. */
  const double tp[] = { 1, 2, 3, 4, 1, 2, 2 };
  const double expected[] = { NAN, NAN, 100, 100, -100, -20, 50 };
  double flat[25];
  double out[25];

  perp_cci_batch (tp, tp, tp, G_N_ELEMENTS (tp), 3, out);
  assert_values ("cci3", out, expected, G_N_ELEMENTS (tp), 1e-9);

  for (guint i = 0; i < 25; i++)
    flat[i] = 42.5;
  perp_cci_batch (flat, flat, flat, 25, 20, out);
  assert_first_valid ("cci20 flat", out, 25, 19);
  for (guint i = 19; i < 25; i++)
    g_assert_cmpfloat (out[i], ==, 0.0);
}

static void
test_mfi (void)
{
  /* h = l = c = tp, volume 100: flows +1100 (row 1), -1000 (row 2), +1200 (row 3).
   * Period 2: row 2 = 100 * 1100 / 2100, row 3 = 100 * 1200 / 2200. */
  const double tp[] = { 10, 11, 10, 12 };
  const double volume[] = { 100, 100, 100, 100 };
  const double expected[] = { NAN, NAN, 100.0 * 1100 / 2100, 100.0 * 1200 / 2200 };
  const double tiny_volume[] = { 1e-4, 1e-4, 1e-4, 1e-4 };
  const double expected_tiny[] = { NAN, NAN, 0, 0 };
  double flat[20];
  double flat_volume[20];
  double out[20];

  perp_mfi_batch (tp, tp, tp, volume, 4, 2, out);
  assert_values ("mfi2", out, expected, 4, 1e-9);

  /* TA-Lib's absolute threshold: flows adding up to less than 1.0 give 0, however
   * lopsided (here 0.0011 positive, 0.001 negative, then 0.0012 positive). */
  perp_mfi_batch (tp, tp, tp, tiny_volume, 4, 2, out);
  assert_values ("mfi2 tiny volume", out, expected_tiny, 4, 0.0);

  /* No flow at all: 0. */
  for (guint i = 0; i < 20; i++)
    {
      flat[i] = 7.25;
      flat_volume[i] = 1000.0;
    }
  perp_mfi_batch (flat, flat, flat, flat_volume, 20, 14, out);
  assert_first_valid ("mfi14 flat", out, 20, 14);
  for (guint i = 14; i < 20; i++)
    g_assert_cmpfloat (out[i], ==, 0.0);
}

static void
test_willr (void)
{
  /* Period 3: row 2 HH = 7, LL = 1, -100 (7 - 5) / 6; row 3 HH = 8, LL = 2, -100 (8 - 5) / 6. */
  const double high[] = { 5, 6, 7, 8 };
  const double low[] = { 1, 2, 3, 4 };
  const double close[] = { 3, 4, 5, 5 };
  const double expected[] = { NAN, NAN, -100.0 * 2 / 6, -50 };
  double flat[20];
  double out[20];

  perp_willr_batch (high, low, close, 4, 3, out);
  assert_values ("willr3", out, expected, 4, 1e-12);

  /* HH == LL: 0. */
  for (guint i = 0; i < 20; i++)
    flat[i] = 3.5;
  perp_willr_batch (flat, flat, flat, 20, 14, out);
  assert_first_valid ("willr14 flat", out, 20, 13);
  for (guint i = 13; i < 20; i++)
    g_assert_cmpfloat (out[i], ==, 0.0);
}

static void
test_vwap (void)
{
  /* Hourly candles from 2024-01-01 22:00 UTC to 2024-01-02 02:00 UTC.  tp = (h + l + c) / 3
   * is 10 (row 0: (12 + 9 + 9) / 3), then 20, 30, 40, 50; volumes 1, 3, 0, 2, 2. */
  const gint64 open_time[] = {
    MIDNIGHT_2024_01_02 - 2 * HOUR_MS,
    MIDNIGHT_2024_01_02 - HOUR_MS,
    MIDNIGHT_2024_01_02,
    MIDNIGHT_2024_01_02 + HOUR_MS,
    MIDNIGHT_2024_01_02 + 2 * HOUR_MS,
  };
  const double high[] = { 12, 20, 30, 40, 50 };
  const double low[] = { 9, 20, 30, 40, 50 };
  const double close[] = { 9, 20, 30, 40, 50 };
  const double volume[] = { 1, 3, 0, 2, 2 };
  /* Daily session: 10, (10 + 60) / 4; reset at midnight, where there is no volume yet;
   * then 40, (80 + 100) / 4. */
  const double expected_session[] = { 10, 17.5, NAN, 40, 45 };
  /* Anchored at midnight: nothing before it, nothing while its volume is 0. */
  const double expected_midnight[] = { NAN, NAN, NAN, 40, 45 };
  /* Anchored at 23:00: 20, still 20 (no volume), (60 + 80) / 5, (140 + 100) / 7. */
  const double expected_2300[] = { NAN, 20, 20, 28, 240.0 / 7 };
  double out[5];
  PerpVwap vwap;

  g_assert_cmpint (MIDNIGHT_2024_01_02 % DAY_MS, ==, 0);

  perp_vwap_session_batch (open_time, high, low, close, volume, 5, DAY_MS, out);
  assert_values ("session vwap", out, expected_session, 5, 1e-12);

  perp_vwap_anchored_batch (open_time, high, low, close, volume, 5, MIDNIGHT_2024_01_02, out);
  assert_values ("vwap anchored at 00:00", out, expected_midnight, 5, 1e-12);

  perp_vwap_anchored_batch (open_time, high, low, close, volume, 5, open_time[1], out);
  assert_values ("vwap anchored at 23:00", out, expected_2300, 5, 1e-12);

  /* The incremental form gives the same, and peeking does not disturb it. */
  perp_vwap_init_anchored (&vwap, open_time[1]);
  for (guint i = 0; i < 5; i++)
    {
      double peeked = perp_vwap_peek (&vwap, open_time[i], high[i], low[i], close[i], volume[i]);
      double updated = perp_vwap_update (&vwap, open_time[i], high[i], low[i], close[i], volume[i]);

      g_assert_true (same_bits (peeked, updated));
      g_assert_true (same_bits (updated, out[i]));
    }
}

/* The first valid row of every column with the default periods, for the single
 * functions and for the set, on a random walk. */
static void
test_first_valid (void)
{
  g_autoptr(PerpCandles) candles = make_candles (300, 7, FALSE);
  g_autoptr(Columns) set = NULL;
  g_autoptr(Columns) single = NULL;
  const double *high;
  const double *low;
  const double *close;
  const double *volume;
  const guint emas[] = { 9, 21, 50, 200 };
  guint n;

  n = perp_candles_get_length (candles);
  high = perp_candles_get_high (candles);
  low = perp_candles_get_low (candles);
  close = perp_candles_get_close (candles);
  volume = perp_candles_get_volume (candles);

  single = columns_new (n);
  perp_sma_batch (close, n, 20, single->col[PERP_COLUMN_SMA20]);
  for (guint k = 0; k < G_N_ELEMENTS (emas); k++)
    perp_ema_batch (close, n, emas[k], single->col[PERP_COLUMN_EMA9 + k]);
  perp_rsi_batch (close, n, 14, single->col[PERP_COLUMN_RSI14]);
  perp_atr_batch (high, low, close, n, 14, single->col[PERP_COLUMN_ATR14]);
  perp_natr_batch (high, low, close, n, 14, single->col[PERP_COLUMN_NATR14]);
  perp_macd_batch (close, n, 12, 26, 9, single->col[PERP_COLUMN_MACD],
                   single->col[PERP_COLUMN_MACD_SIGNAL], single->col[PERP_COLUMN_MACD_HIST]);
  perp_bollinger_batch (close, n, 20, 2.0, 2.0, single->col[PERP_COLUMN_BB_UPPER],
                        single->col[PERP_COLUMN_BB_MIDDLE], single->col[PERP_COLUMN_BB_LOWER]);
  perp_stoch_rsi_batch (close, n, 14, 14, 3, 3, single->col[PERP_COLUMN_STOCHRSI_K],
                        single->col[PERP_COLUMN_STOCHRSI_D]);
  perp_obv_batch (close, volume, n, single->col[PERP_COLUMN_OBV]);
  perp_dmi_batch (high, low, close, n, 14, single->col[PERP_COLUMN_PLUS_DI14],
                  single->col[PERP_COLUMN_MINUS_DI14], single->col[PERP_COLUMN_ADX14]);
  perp_cci_batch (high, low, close, n, 20, single->col[PERP_COLUMN_CCI20]);
  perp_mfi_batch (high, low, close, volume, n, 14, single->col[PERP_COLUMN_MFI14]);
  perp_willr_batch (high, low, close, n, 14, single->col[PERP_COLUMN_WILLR14]);

  set = columns_new_batch (candles);

  for (guint k = 0; k < G_N_ELEMENTS (talib_columns); k++)
    {
      g_autofree char *single_label = g_strdup_printf ("%s (single function)", talib_columns[k].name);
      g_autofree char *set_label = g_strdup_printf ("%s (indicator set)", talib_columns[k].name);

      assert_first_valid (single_label, single->col[talib_columns[k].column], n, talib_columns[k].first_valid);
      assert_first_valid (set_label, set->col[talib_columns[k].column], n, talib_columns[k].first_valid);
    }

  /* Ranges: the oscillators stay within their scales, up to the conformance tolerance
   * of 1e-9 * 100 (TA-Lib's own running sums leave them ~1e-13 outside). */
  for (guint i = 0; i < n; i++)
    {
      const PerpIndicatorColumn bounded[] = {
        PERP_COLUMN_RSI14, PERP_COLUMN_STOCHRSI_K, PERP_COLUMN_STOCHRSI_D, PERP_COLUMN_ADX14,
        PERP_COLUMN_PLUS_DI14, PERP_COLUMN_MINUS_DI14, PERP_COLUMN_MFI14,
      };

      for (guint k = 0; k < G_N_ELEMENTS (bounded); k++)
        {
          double v = set->col[bounded[k]][i];
          /* StochRSI and MFI are clamped to their scale: no slack at all. */
          double slack = (bounded[k] == PERP_COLUMN_STOCHRSI_K || bounded[k] == PERP_COLUMN_STOCHRSI_D
                          || bounded[k] == PERP_COLUMN_MFI14) ? 0.0 : OSCILLATOR_SLACK;

          if (!isnan (v) && !(v >= -slack && v <= 100.0 + slack))
            g_test_fail_printf ("%s at row %u: %.17g, outside [0, 100]", column_label (bounded[k]), i, v);
        }
      if (!isnan (set->col[PERP_COLUMN_WILLR14][i]))
        {
          g_assert_cmpfloat (set->col[PERP_COLUMN_WILLR14][i], >=, -100.0);
          g_assert_cmpfloat (set->col[PERP_COLUMN_WILLR14][i], <=, 0.0);
        }
    }
}

/* The shared manifest: b. when it is there, otherwise one test that says it is missing. */
static void
test_manifest_missing (void)
{
  g_test_skip ("conformance/talib/MANIFEST.tsv not found in ../shared (PERP_SHARED_DIR)");
}

static char *
case_name_from_expected (const char *expected)
{
  g_autofree char *base = g_path_get_basename (expected);
  const char *suffixes[] = { ".gz", ".csv", ".talib" };

  for (guint k = 0; k < G_N_ELEMENTS (suffixes); k++)
    if (g_str_has_suffix (base, suffixes[k]))
      base[strlen (base) - strlen (suffixes[k])] = '\0';

  return g_steal_pointer (&base);
}

/* expected<TAB>input[<TAB>note], paths relative to the manifest's folder. */
static GPtrArray *
read_manifest (const char *path)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) data_case_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("Failed to read %s: %s", path, error->message);

  dir = g_path_get_dirname (path);
  lines = g_strsplit (contents, "\n", -1);
  for (guint k = 0; lines[k] != NULL; k++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *input = NULL;
      g_autofree char *name = NULL;

      g_strchomp (lines[k]);
      if (lines[k][0] == '#' || lines[k][0] == '\0')
        continue;

      fields = g_strsplit (lines[k], "\t", 3);
      if (g_strv_length (fields) < 2)
        g_error ("%s: line %u: expected two tab-separated fields", path, k + 1);

      expected = g_canonicalize_filename (fields[0], dir);
      input = g_canonicalize_filename (fields[1], dir);
      name = case_name_from_expected (expected);
      g_ptr_array_add (cases, data_case_new (name, input, expected));
    }

  if (cases->len == 0)
    g_error ("%s: no cases", path);

  return g_steal_pointer (&cases);
}

static void
add_fixture_case (GPtrArray  *cases,
                  const char *input,
                  const char *expected)
{
  g_autofree char *input_path = perp_test_fixture_path (input);
  g_autofree char *expected_path = expected != NULL ? perp_test_fixture_path (expected) : NULL;
  g_autofree char *name = g_strdup (input);

  if (g_str_has_suffix (name, ".csv"))
    name[strlen (name) - 4] = '\0';
  g_ptr_array_add (cases, data_case_new (name, input_path, expected_path));
}

static void
add_stream_tests (const char     *prefix,
                  const DataCase *dc)
{
  g_autofree char *incremental = g_strdup_printf ("/core/indicators/incremental/%s%s", prefix, dc->name);
  g_autofree char *peek = g_strdup_printf ("/core/indicators/peek/%s%s", prefix, dc->name);

  g_test_add_data_func (incremental, dc, test_incremental);
  g_test_add_data_func (peek, dc, test_peek);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) fixtures = NULL;
  g_autoptr(GPtrArray) shared = NULL;
  g_autofree char *manifest = NULL;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/indicators/column-names", test_column_names);
  g_test_add_func ("/core/indicators/compare-self-test", test_compare_self);
  g_test_add_func ("/core/indicators/sma", test_sma);
  g_test_add_func ("/core/indicators/ema", test_ema);
  g_test_add_func ("/core/indicators/rsi", test_rsi);
  g_test_add_func ("/core/indicators/atr", test_atr);
  g_test_add_func ("/core/indicators/macd", test_macd);
  g_test_add_func ("/core/indicators/bollinger", test_bollinger);
  g_test_add_func ("/core/indicators/stoch-rsi", test_stoch_rsi);
  g_test_add_func ("/core/indicators/obv", test_obv);
  g_test_add_func ("/core/indicators/dmi", test_dmi);
  g_test_add_func ("/core/indicators/cci", test_cci);
  g_test_add_func ("/core/indicators/mfi", test_mfi);
  g_test_add_func ("/core/indicators/willr", test_willr);
  g_test_add_func ("/core/indicators/vwap", test_vwap);
  g_test_add_func ("/core/indicators/first-valid", test_first_valid);

  /* a. and c., d. on the fixtures (and a synthetic series with flat runs). */
  fixtures = g_ptr_array_new_with_free_func ((GDestroyNotify) data_case_free);
  add_fixture_case (fixtures, "ETHUSDT_1h_first600.csv", "ETHUSDT_1h_first600.talib.csv");
  add_fixture_case (fixtures, "FILUSDT_1m_first400.csv", "FILUSDT_1m_first400.talib.csv");
  add_fixture_case (fixtures, "BTCUSDT_5m_2024-01-01_2days.csv", NULL);
  add_fixture_case (fixtures, "BTCUSDT_15m_2024-01-01_2days.csv", NULL);
  add_fixture_case (fixtures, "BTCUSDT_1h_2024-01-01_2days.csv", NULL);
  add_fixture_case (fixtures, "FILUSDT_1m_headerless120.csv", NULL);
  g_ptr_array_add (fixtures, data_case_new ("synthetic-flat-runs", NULL, NULL));

  for (guint k = 0; k < fixtures->len; k++)
    {
      const DataCase *dc = g_ptr_array_index (fixtures, k);

      if (dc->expected != NULL)
        {
          g_autofree char *path = g_strdup_printf ("/core/indicators/fixture/%s", dc->name);

          g_test_add_data_func (path, dc, test_conformance);
        }
      add_stream_tests ("", dc);
    }

  /* b. and c., d. on the cases of the shared conformance suite. */
  manifest = perp_test_shared_path ("conformance/talib/MANIFEST.tsv");
  if (manifest == NULL)
    {
      g_test_add_func ("/core/indicators/talib/manifest", test_manifest_missing);
    }
  else
    {
      shared = read_manifest (manifest);
      for (guint k = 0; k < shared->len; k++)
        {
          const DataCase *dc = g_ptr_array_index (shared, k);
          g_autofree char *path = g_strdup_printf ("/core/indicators/talib/%s", dc->name);

          g_test_add_data_func (path, dc, test_conformance);
          add_stream_tests ("shared/", dc);
        }
    }

  return g_test_run ();
}
